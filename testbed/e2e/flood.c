// SPDX-License-Identifier: Apache-2.0
/*
 * portdp-flood: the attacker of the flood tests (testbed/e2e/test-flood-*.sh).
 * Opens N connections to 127.0.0.1:PORT from 127.0.0.2.. (one or several
 * source addresses), then holds them:
 *   tls-idle   TLS handshake, then nothing
 *   tcp-idle   TCP only, never a ClientHello
 *   slowloris  TLS, then a request head trickled one byte per interval
 *   slowbody   TLS, a whole head (Content-Length: 4000), the body one byte per interval
 *   raw        TLS, --payload sent in one write, answers read until close or
 *              2 s of silence; prints each connection's status codes in order
 *   intrude    no connections: binds 127.0.0.1:PORT with SO_REUSEPORT (joining
 *              portdpd's group if the kernel lets it), listens for --hold
 *              seconds and prints "intruder: listening=0|1 accepted=N"
 * Prints "ready opened=X failed=Y" once all are open, then after --hold
 * seconds "done open=X closed_by_server=Y" (raw: "raw: 400 closed" lines).
 * No certificate checks: this is the attacker, not a client.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <getopt.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <openssl/err.h>
#include <openssl/ssl.h>

enum mode { M_TLS_IDLE, M_TCP_IDLE, M_SLOWLORIS, M_SLOWBODY, M_RAW, M_INTRUDE };

struct fconn {
	int fd;
	SSL *ssl;
	bool open;
	size_t sent; /* trickled bytes */
};

/* slowloris: this, one byte per interval, then 'a' for ever (an endless X-Pad value). */
static const char loris_head[] = "POST /gsma/rsp2/es9plus/initiateAuthentication HTTP/1.1\r\n"
				 "Host: testsmdpplus1.example.com\r\n"
				 "X-Pad: ";
/* slowbody: this in one write, then the body one byte per interval. */
static const char slow_head[] = "POST /gsma/rsp2/es9plus/initiateAuthentication HTTP/1.1\r\n"
				"Host: testsmdpplus1.example.com\r\n"
				"X-Admin-Protocol: gsma/rsp/v2.2.2\r\n"
				"Content-Type: application/json\r\n"
				"Content-Length: 4000\r\n\r\n";

static long now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000L + ts.tv_nsec / 1000000;
}

static int tcp_open(const char *src, uint16_t port)
{
	struct sockaddr_in sa = {.sin_family = AF_INET}, da = {.sin_family = AF_INET};
	struct timeval tv = {.tv_sec = 5};
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0), one = 1;

	if (fd < 0)
		return -1;
	inet_pton(AF_INET, src, &sa.sin_addr);
	inet_pton(AF_INET, "127.0.0.1", &da.sin_addr);
	da.sin_port = htons(port);
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
	setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	if (bind(fd, (struct sockaddr *)&sa, sizeof(sa)) ||
	    connect(fd, (struct sockaddr *)&da, sizeof(da))) {
		close(fd);
		return -1;
	}
	return fd;
}

static int tls_open(SSL_CTX *ctx, struct fconn *c)
{
	c->ssl = SSL_new(ctx);
	if (!c->ssl)
		return -1;
	SSL_set_fd(c->ssl, c->fd);
	SSL_set_tlsext_host_name(c->ssl, "testsmdpplus1.example.com");
	if (SSL_connect(c->ssl) != 1) {
		ERR_clear_error();
		return -1;
	}
	return 0;
}

static void conn_drop(struct fconn *c)
{
	if (c->ssl)
		SSL_free(c->ssl);
	if (c->fd >= 0)
		close(c->fd);
	c->ssl = NULL;
	c->fd = -1;
	c->open = false;
}

/* Status codes of the responses in @buf, in order (bodies skipped by Content-Length). */
static void print_statuses(const char *buf, size_t len, bool closed)
{
	size_t pos = 0;

	printf("raw:");
	while (pos + 12 <= len && !strncmp(buf + pos, "HTTP/1.", 7)) {
		const char *end = memmem(buf + pos, len - pos, "\r\n\r\n", 4);
		const char *cl;
		size_t body = 0;

		printf(" %.3s", buf + pos + 9);
		if (!end)
			break;
		cl = memmem(buf + pos, end - (buf + pos), "Content-Length: ", 16);
		if (cl)
			body = strtoul(cl + 16, NULL, 10);
		pos = end + 4 - buf + body;
	}
	if (pos < len)
		printf(" junk");
	printf(" %s\n", closed ? "closed" : "open");
}

/* One connection: the payload in one write, then what comes back until close or 2 s of silence. */
static int raw_one(SSL_CTX *ctx, const char *src, uint16_t port, const char *payload, size_t plen)
{
	struct fconn c = {.fd = tcp_open(src, port)};
	struct timeval tv = {.tv_sec = 2};
	static char buf[1 << 16];
	size_t len = 0;
	bool closed = false;
	int n;

	if (c.fd < 0 || tls_open(ctx, &c) || SSL_write(c.ssl, payload, plen) != (int)plen) {
		printf("raw: connect failed\n");
		conn_drop(&c);
		return -1;
	}
	setsockopt(c.fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	for (;;) {
		n = SSL_read(c.ssl, buf + len, sizeof(buf) - len);
		if (n > 0) {
			len += n;
			if (len == sizeof(buf))
				break;
			continue;
		}
		/* close_notify, EOF or reset: closed; a read timeout: still open. */
		closed = !(errno == EAGAIN || errno == EWOULDBLOCK) ||
			 SSL_get_error(c.ssl, n) == SSL_ERROR_ZERO_RETURN;
		ERR_clear_error();
		break;
	}
	print_statuses(buf, len, closed);
	conn_drop(&c);
	return 0;
}

/* Joins 127.0.0.1:@port with SO_REUSEPORT and counts what the kernel hands us. */
static int intrude(uint16_t port, unsigned hold)
{
	struct sockaddr_in sa = {.sin_family = AF_INET, .sin_port = htons(port)};
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0), one = 1, c;
	unsigned accepted = 0;
	bool listening;
	long end = now_ms() + hold * 1000L;

	inet_pton(AF_INET, "127.0.0.1", &sa.sin_addr);
	listening = fd >= 0 && !setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) &&
		    !setsockopt(fd, SOL_SOCKET, SO_REUSEPORT, &one, sizeof(one)) &&
		    !bind(fd, (struct sockaddr *)&sa, sizeof(sa)) && !listen(fd, 128);
	printf("intruder: listening=%d\n", listening);
	fflush(stdout);
	while (listening && now_ms() < end) {
		c = accept(fd, NULL, NULL);
		if (c >= 0) {
			accepted++;
			close(c);
		} else {
			usleep(10000);
		}
	}
	printf("intruder: listening=%d accepted=%u\n", listening, accepted);
	fflush(stdout);
	return 0;
}

static char *read_file(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	char *b = malloc(1 << 20);

	if (!f || !b) {
		if (f)
			fclose(f);
		free(b);
		return NULL;
	}
	*len = fread(b, 1, 1 << 20, f);
	fclose(f);
	return b;
}

static void usage(void)
{
	fprintf(stderr, "usage: portdp-flood -p PORT -m tls-idle|tcp-idle|slowloris|slowbody|raw|intrude "
			"[-n N] [--srcs K] [--hold S] [--interval MS] [--payload FILE]\n");
	exit(2);
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
	    {"port", required_argument, NULL, 'p'},	{"mode", required_argument, NULL, 'm'},
	    {"count", required_argument, NULL, 'n'},	{"srcs", required_argument, NULL, 's'},
	    {"hold", required_argument, NULL, 'H'},	{"interval", required_argument, NULL, 'i'},
	    {"payload", required_argument, NULL, 'P'}, {},
	};
	unsigned n = 100, srcs = 1, hold = 10, interval = 500, i, opened = 0, failed = 0, gone = 0;
	const char *mode_s = NULL, *payload_path = NULL;
	struct rlimit rl;
	struct fconn *cs;
	struct pollfd *pfd;
	enum mode mode;
	uint16_t port = 0;
	char src[32], *payload = NULL;
	size_t plen = 0;
	long end, next_tick;
	SSL_CTX *ctx;
	int opt;

	while ((opt = getopt_long(argc, argv, "p:m:n:", opts, NULL)) != -1) {
		switch (opt) {
		case 'p':
			port = atoi(optarg);
			break;
		case 'm':
			mode_s = optarg;
			break;
		case 'n':
			n = strtoul(optarg, NULL, 10);
			break;
		case 's':
			srcs = strtoul(optarg, NULL, 10);
			break;
		case 'H':
			hold = strtoul(optarg, NULL, 10);
			break;
		case 'i':
			interval = strtoul(optarg, NULL, 10);
			break;
		case 'P':
			payload_path = optarg;
			break;
		default:
			usage();
		}
	}
	if (!port || !mode_s || !n || !srcs || srcs > 250 || !interval)
		usage();
	if (!strcmp(mode_s, "tls-idle"))
		mode = M_TLS_IDLE;
	else if (!strcmp(mode_s, "tcp-idle"))
		mode = M_TCP_IDLE;
	else if (!strcmp(mode_s, "slowloris"))
		mode = M_SLOWLORIS;
	else if (!strcmp(mode_s, "slowbody"))
		mode = M_SLOWBODY;
	else if (!strcmp(mode_s, "raw"))
		mode = M_RAW;
	else if (!strcmp(mode_s, "intrude"))
		return intrude(port, hold);
	else
		usage();
	signal(SIGPIPE, SIG_IGN);
	if (!getrlimit(RLIMIT_NOFILE, &rl)) {
		rl.rlim_cur = rl.rlim_max;
		setrlimit(RLIMIT_NOFILE, &rl);
	}
	ctx = SSL_CTX_new(TLS_client_method());
	if (!ctx)
		return 1;
	SSL_CTX_set_verify(ctx, SSL_VERIFY_NONE, NULL);
	if (mode == M_RAW) {
		if (!payload_path || !(payload = read_file(payload_path, &plen)))
			usage();
		for (i = 0; i < n; i++) {
			snprintf(src, sizeof(src), "127.0.0.%u", 2 + i % srcs);
			raw_one(ctx, src, port, payload, plen);
		}
		fflush(stdout);
		free(payload);
		SSL_CTX_free(ctx);
		return 0;
	}
	cs = calloc(n, sizeof(*cs));
	pfd = calloc(n, sizeof(*pfd));
	if (!cs || !pfd)
		return 1;
	for (i = 0; i < n; i++) {
		snprintf(src, sizeof(src), "127.0.0.%u", 2 + i % srcs);
		cs[i].fd = tcp_open(src, port);
		if (cs[i].fd < 0 || (mode != M_TCP_IDLE && tls_open(ctx, &cs[i]))) {
			conn_drop(&cs[i]);
			failed++;
			continue;
		}
		if (mode == M_SLOWBODY &&
		    SSL_write(cs[i].ssl, slow_head, sizeof(slow_head) - 1) != sizeof(slow_head) - 1) {
			conn_drop(&cs[i]);
			failed++;
			continue;
		}
		cs[i].open = true;
		opened++;
	}
	printf("ready opened=%u failed=%u\n", opened, failed);
	fflush(stdout);
	end = now_ms() + hold * 1000L;
	next_tick = now_ms() + interval;
	while (now_ms() < end) {
		unsigned k = 0;

		for (i = 0; i < n; i++) {
			pfd[i].fd = cs[i].open ? cs[i].fd : -1;
			pfd[i].events = POLLIN;
			pfd[i].revents = 0;
		}
		poll(pfd, n, 100);
		for (i = 0; i < n; i++) {
			char b[4096];

			if (!cs[i].open || !pfd[i].revents)
				continue;
			/* Records (a TLS 1.3 session ticket, an alert) are dropped; EOF or reset: gone. */
			ssize_t got = recv(cs[i].fd, b, sizeof(b), MSG_DONTWAIT);

			if (got == 0 || (got < 0 && errno != EAGAIN && errno != EWOULDBLOCK)) {
				conn_drop(&cs[i]);
				gone++;
			}
		}
		if (now_ms() < next_tick || (mode != M_SLOWLORIS && mode != M_SLOWBODY))
			continue;
		next_tick += interval;
		for (i = 0; i < n; i++) {
			char byte = mode == M_SLOWBODY			   ? ' '
				    : cs[i].sent < sizeof(loris_head) - 1 ? loris_head[cs[i].sent]
									 : 'a';

			if (!cs[i].open)
				continue;
			if (SSL_write(cs[i].ssl, &byte, 1) != 1) {
				ERR_clear_error();
				conn_drop(&cs[i]);
				gone++;
				continue;
			}
			cs[i].sent++;
			k++;
		}
		(void)k;
	}
	printf("done open=%u closed_by_server=%u\n", opened - gone, gone);
	fflush(stdout);
	for (i = 0; i < n; i++)
		if (cs[i].open)
			conn_drop(&cs[i]);
	free(cs);
	free(pfd);
	SSL_CTX_free(ctx);
	return 0;
}
