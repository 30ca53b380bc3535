// SPDX-License-Identifier: Apache-2.0
/*
 * portdp-test-operator: a small operator endpoint for tests (not shipped). HTTPS with a
 * required client certificate (chained to --ca), HTTP/1.1 keep-alive, one connection at a
 * time. Each POST to /gsma/rsp2/es2plus/handleDownloadProgressInfo is answered by --mode:
 * ok (204), 500, or slow (204 after --delay-ms). Like a real operator system it takes each
 * report once, by its functionCallIdentifier (also across its own restarts: the log is read
 * back): a new report answered 204 is appended to --log as "<functionCallIdentifier>
 * <notificationPointId> <iccid>", one it already has is answered 204 and appended to
 * --log.dup; every request, whatever the answer, to --log.all as "<status> <id>"; the
 * resultData of each new report (the eUICC's signed notification, base64) to --log.data as
 * "<functionCallIdentifier> <resultData>".
 */
#include <errno.h>
#include <getopt.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>
#include <jansson.h>
#include <openssl/err.h>
#include <openssl/ssl.h>

#define MAX_REQ (1 << 20)
#define MAX_SEEN 4096

static char *seen[MAX_SEEN];
static unsigned n_seen;

static int was_seen(const char *id)
{
	unsigned i;

	for (i = 0; i < n_seen; i++)
		if (!strcmp(seen[i], id))
			return 1;
	return 0;
}

static void remember(const char *id)
{
	if (n_seen < MAX_SEEN)
		seen[n_seen++] = strdup(id);
}

static void load_seen(const char *path)
{
	char line[512];
	FILE *f = fopen(path, "r");

	while (f && fgets(line, sizeof(line), f)) {
		line[strcspn(line, " \n")] = '\0';
		remember(line);
	}
	if (f)
		fclose(f);
}

struct opts {
	int port;
	const char *cert, *key, *ca, *log, *mode;
	unsigned delay_ms;
};

static void append(const char *path, const char *line)
{
	FILE *f = fopen(path, "a");

	/* No fsync: the rig is never crashed, and the bench drains thousands through it. */
	if (f) {
		fputs(line, f);
		fclose(f);
	}
}

/* Reads one request into @buf (NUL-terminated); body at *@body. 0, or -1 at EOF/error. */
static int read_request(SSL *ssl, char *buf, size_t cap, char **body, size_t *body_len)
{
	size_t have = 0, clen = 0;
	char *end = NULL, *cl;
	int n;

	for (;;) {
		if (end && have >= (size_t)(end + 4 - buf) + clen)
			break;
		if (have >= cap - 1)
			return -1;
		n = SSL_read(ssl, buf + have, (int)(cap - 1 - have));
		if (n <= 0)
			return -1;
		have += n;
		buf[have] = '\0';
		if (!end && (end = strstr(buf, "\r\n\r\n"))) {
			cl = strcasestr(buf, "\r\nContent-Length:");
			if (!cl || cl > end)
				return -1;
			clen = strtoul(cl + 17, NULL, 10);
			if (clen > cap / 2)
				return -1;
		}
	}
	*body = end + 4;
	*body_len = clen;
	(*body)[clen] = '\0';
	return 0;
}

static void serve(SSL *ssl, const struct opts *o)
{
	static char buf[MAX_REQ];
	char line[512], logall[600];
	const char *call, *iccid, *result;
	json_t *j, *h;
	char *body;
	size_t len;
	int status, point;

	while (!read_request(ssl, buf, sizeof(buf), &body, &len)) {
		j = json_loadb(body, len, JSON_REJECT_DUPLICATES, NULL);
		h = j ? json_object_get(j, "header") : NULL;
		call = json_string_value(json_object_get(h, "functionCallIdentifier"));
		iccid = json_string_value(json_object_get(j, "iccid"));
		point = (int)json_integer_value(json_object_get(j, "notificationPointId"));
		result = json_string_value(json_object_get(j, "resultData"));
		if (strncmp(buf, "POST /gsma/rsp2/es2plus/handleDownloadProgressInfo ", 51) ||
		    !call || !iccid || !point)
			status = 400;
		else if (!strcmp(o->mode, "500"))
			status = 500;
		else
			status = 204;
		if (status == 204 && !strcmp(o->mode, "slow")) {
			struct timespec ts = {o->delay_ms / 1000, (o->delay_ms % 1000) * 1000000L};

			nanosleep(&ts, NULL);
		}
		if (status == 204) {
			snprintf(line, sizeof(line), "%s %d %s\n", call, point, iccid);
			if (was_seen(call)) {
				snprintf(logall, sizeof(logall), "%s.dup", o->log);
				append(logall, line);
			} else {
				remember(call);
				append(o->log, line);
				if (result) {
					char *data = NULL;

					snprintf(logall, sizeof(logall), "%s.data", o->log);
					if (asprintf(&data, "%s %s\n", call, result) > 0)
						append(logall, data);
					free(data);
				}
			}
		}
		snprintf(logall, sizeof(logall), "%s.all", o->log);
		snprintf(line, sizeof(line), "%d %s\n", status, call ? call : "-");
		append(logall, line);
		json_decref(j);
		snprintf(line, sizeof(line), "HTTP/1.1 %d %s\r\n%sConnection: keep-alive\r\n\r\n",
			 status,
			 status == 204	 ? "No Content"
			 : status == 500 ? "Internal Server Error"
					 : "Bad Request",
			 status == 204 ? "" : "Content-Length: 0\r\n");
		if (SSL_write(ssl, line, (int)strlen(line)) <= 0)
			return;
	}
}

int main(int argc, char **argv)
{
	static const struct option lo[] = {
	    {"port", 1, NULL, 'p'},	{"cert", 1, NULL, 'c'}, {"key", 1, NULL, 'k'},
	    {"ca", 1, NULL, 'a'},	{"log", 1, NULL, 'l'},	{"mode", 1, NULL, 'm'},
	    {"delay-ms", 1, NULL, 'd'}, {NULL, 0, NULL, 0},
	};
	struct opts o = {.mode = "ok", .delay_ms = 1000};
	struct sockaddr_in sa = {.sin_family = AF_INET};
	SSL_CTX *ctx;
	int c, fd, cfd, one = 1;

	while ((c = getopt_long(argc, argv, "", lo, NULL)) != -1) {
		switch (c) {
		case 'p':
			o.port = atoi(optarg);
			break;
		case 'c':
			o.cert = optarg;
			break;
		case 'k':
			o.key = optarg;
			break;
		case 'a':
			o.ca = optarg;
			break;
		case 'l':
			o.log = optarg;
			break;
		case 'm':
			o.mode = optarg;
			break;
		case 'd':
			o.delay_ms = (unsigned)atoi(optarg);
			break;
		default:
			return 2;
		}
	}
	if (!o.port || !o.cert || !o.key || !o.ca || !o.log) {
		fprintf(stderr, "usage: portdp-test-operator --port P --cert C --key K --ca CA "
				"--log FILE [--mode ok|500|slow] [--delay-ms N]\n");
		return 2;
	}
	signal(SIGPIPE, SIG_IGN);
	load_seen(o.log);
	ctx = SSL_CTX_new(TLS_server_method());
	if (!ctx || SSL_CTX_use_certificate_chain_file(ctx, o.cert) != 1 ||
	    SSL_CTX_use_PrivateKey_file(ctx, o.key, SSL_FILETYPE_PEM) != 1 ||
	    SSL_CTX_load_verify_locations(ctx, o.ca, NULL) != 1) {
		ERR_print_errors_fp(stderr);
		return 1;
	}
	SSL_CTX_set_verify(ctx, SSL_VERIFY_PEER | SSL_VERIFY_FAIL_IF_NO_PEER_CERT, NULL);
	fd = socket(AF_INET, SOCK_STREAM, 0);
	sa.sin_port = htons((uint16_t)o.port);
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (fd < 0 || bind(fd, (struct sockaddr *)&sa, sizeof(sa)) || listen(fd, 16)) {
		perror("listen");
		return 1;
	}
	for (;;) {
		SSL *ssl;

		cfd = accept(fd, NULL, NULL);
		if (cfd < 0)
			continue;
		ssl = SSL_new(ctx);
		SSL_set_fd(ssl, cfd);
		if (SSL_accept(ssl) == 1)
			serve(ssl, &o);
		else
			ERR_clear_error();
		SSL_shutdown(ssl);
		SSL_free(ssl);
		close(cfd);
	}
}
