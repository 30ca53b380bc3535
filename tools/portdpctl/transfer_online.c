// SPDX-License-Identifier: Apache-2.0
/*
 * portdpctl transfer pull | sync: the kit's side of online transfers (docs/transfers.md,
 * appliance/es9/transfer_serve.h is the source's). HTTPS with this unit's certificate and
 * key as the client identity; the source must present a certificate of the unit CA.
 *
 * pull keeps its state in <inventory>.pull/ so that a drop at any byte, or a kill -9, is
 * resumed by running it again, without loss or duplication:
 *  1. a fresh request id is written there (fsync'd) before anything is sent;
 *  2. POST pull with it; the source exports in one transaction keyed by that id (the id is
 *     the bundle id), and answers the same bundle to any retry;
 *  3. the bundle is written there (fsync'd), then imported (transfer import: all or
 *     nothing, idempotent by bundle id) which stores the signed receipt;
 *  4. POST receipt; once the source has it, the state is removed.
 * A refusal (the source could not export: nothing changed there) ends the pull and removes
 * the request; a transport failure or a "Failed" answer is retried with the same request.
 * PORTDP_TEST_KILL_AT=pull-recorded|pull-fetched|pull-imported|pull-receipt-sent (tests).
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include <curl/curl.h>
#include <openssl/rand.h>
#include "b64.h"
#include "bundle.h"
#include "json_obj.h"
#include "portdpctl.h"
#include "unit.h"

#define XFER_PATH "/portdp/transfer1/"

struct online {
	const char *url, *server_ca;
	struct unit_opts id; /* the unit's identity */
	unsigned retries;
	unsigned attempts; /* of the last post(): 1 = its first try was answered */
};

struct reply {
	char *p;
	size_t len;
};

static void kill_point(const char *step)
{
	const char *at = getenv("PORTDP_TEST_KILL_AT");

	if (at && !strcmp(at, step))
		raise(SIGKILL);
}

static size_t collect(char *p, size_t size, size_t n, void *arg)
{
	struct reply *r = arg;
	char *q = realloc(r->p, r->len + size * n + 1);

	if (!q)
		return 0;
	memcpy(q + r->len, p, size * n);
	r->p = q;
	r->len += size * n;
	r->p[r->len] = 0;
	return size * n;
}

/*
 * POST @body to @fn; the JSON answer parsed into @j. 0: an answer ("status" in it),
 * -EAGAIN: no answer (transport, HTTP status): retry. @why says what happened.
 */
static int post_once(const struct online *o, const char *fn, const char *body, struct rsp_json *j,
		     char *why, size_t why_len)
{
	CURL *h = curl_easy_init();
	struct curl_slist *hd = NULL;
	struct reply r = {0};
	char url[1024];
	long status = 0;
	CURLcode rc;
	int ret = -EAGAIN;

	if (!h)
		return -ENOMEM;
	snprintf(url, sizeof(url), "%s%s%s", o->url, XFER_PATH, fn);
	hd = curl_slist_append(hd, "Content-Type: application/json");
	hd = curl_slist_append(hd, "X-Admin-Protocol: gsma/rsp/v2.2.0");
	curl_easy_setopt(h, CURLOPT_URL, url);
	curl_easy_setopt(h, CURLOPT_HTTPHEADER, hd);
	curl_easy_setopt(h, CURLOPT_POSTFIELDS, body);
	curl_easy_setopt(h, CURLOPT_POSTFIELDSIZE, (long)strlen(body));
	curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, collect);
	curl_easy_setopt(h, CURLOPT_WRITEDATA, &r);
	curl_easy_setopt(h, CURLOPT_SSLCERT, o->id.cert);
	if (!strncmp(o->id.key, "slot:", 5)) {
		/*
		 * A card-held unit key: libcurl signs the handshake through the portdp OpenSSL
		 * ENGINE (libportdp-accel/engine), on the accel of $PORTDP_ACCEL (--accel).
		 */
		char uri[64];

		snprintf(uri, sizeof(uri), "portdp:slot=%s", o->id.key + 5);
		if ((rc = curl_easy_setopt(h, CURLOPT_SSLENGINE, "portdp")) != CURLE_OK) {
			snprintf(why, why_len, "the portdp OpenSSL engine: %s", curl_easy_strerror(rc));
			ret = -EPERM;
			goto out;
		}
		curl_easy_setopt(h, CURLOPT_SSLKEYTYPE, "ENG");
		curl_easy_setopt(h, CURLOPT_SSLKEY, uri);
	} else {
		curl_easy_setopt(h, CURLOPT_SSLKEY, o->id.key + 5); /* file:PATH */
	}
	curl_easy_setopt(h, CURLOPT_CAINFO, o->server_ca ? o->server_ca : o->id.ca);
	curl_easy_setopt(h, CURLOPT_CAPATH, NULL);
	/* a unit certificate names a unit, not a host: the chain to the unit CA is checked */
	curl_easy_setopt(h, CURLOPT_SSL_VERIFYHOST, 0L);
	curl_easy_setopt(h, CURLOPT_SSL_VERIFYPEER, 1L);
	curl_easy_setopt(h, CURLOPT_TIMEOUT, 120L);
	curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT, 10L);
	curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
	rc = curl_easy_perform(h);
	if (rc == CURLE_OK)
		curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &status);
	if (rc != CURLE_OK) {
		snprintf(why, why_len, "%s: %s", url, curl_easy_strerror(rc));
	} else if (status != 200) {
		snprintf(why, why_len, "%s: HTTP %ld", url, status);
	} else if (!r.p || rsp_json_parse(j, r.p, r.len) || !rsp_json_get(j, "status")) {
		snprintf(why, why_len, "%s: not an answer of the transfer protocol", url);
		rsp_json_free(j);
		memset(j, 0, sizeof(*j));
	} else {
		ret = 0;
	}
out:
	free(r.p);
	curl_slist_free_all(hd);
	curl_easy_cleanup(h);
	return ret;
}

static const char *jstr(const struct rsp_json *j, const char *name)
{
	const struct rsp_json_member *m = rsp_json_get(j, name);

	return m && m->type == RSP_JSON_STRING ? m->str : "";
}

/*
 * POST with retries (backoff 0.2 s doubling to 5 s) while there is no answer or it is
 * "Failed". 0: "Executed" (in @j); 1: "Refused" (reason printed); -1: gave up.
 */
static int post(const struct online *o, const char *fn, const char *body, struct rsp_json *j)
{
	char why[1200];
	unsigned attempt;
	useconds_t delay = 200000;
	int rc;

	for (attempt = 0;; attempt++) {
		((struct online *)o)->attempts = attempt + 1;
		memset(j, 0, sizeof(*j));
		rc = post_once(o, fn, body, j, why, sizeof(why));
		if (rc == -EPERM) { /* ours, not the network's: no retry helps */
			fprintf(stderr, "portdpctl: %s: %s\n", fn, why);
			return -1;
		}
		if (!rc) {
			const char *st = jstr(j, "status");

			if (!strcmp(st, "Executed"))
				return 0;
			if (!strcmp(st, "Refused")) {
				fprintf(stderr, "portdpctl: %s refused by the source: %s\n", fn,
					jstr(j, "reason"));
				return 1;
			}
			snprintf(why, sizeof(why), "%s: %s", st, jstr(j, "reason"));
			rsp_json_free(j);
		}
		if (attempt >= o->retries) {
			fprintf(stderr, "portdpctl: %s: %s; giving up after %u attempts\n", fn, why,
				attempt + 1);
			return -1;
		}
		fprintf(stderr, "portdpctl: %s: %s; retrying\n", fn, why);
		usleep(delay);
		if (delay < 5000000)
			delay *= 2;
	}
}

static int write_durable(const char *path, const void *p, size_t n)
{
	char tmp[4200];
	int fd;

	snprintf(tmp, sizeof(tmp), "%s.tmp", path);
	fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (fd < 0)
		return -errno;
	if (write(fd, p, n) != (ssize_t)n || fsync(fd)) {
		close(fd);
		unlink(tmp);
		return -EIO;
	}
	close(fd);
	if (rename(tmp, path))
		return -errno;
	return 0;
}

static void sync_dir(const char *dir)
{
	int fd = open(dir, O_RDONLY | O_DIRECTORY);

	if (fd >= 0) {
		fsync(fd);
		close(fd);
	}
}

static int parse_common(struct online *o, int c)
{
	switch (c) {
	case 'S':
		o->server_ca = optarg;
		return 1;
	case 'R':
		o->retries = (unsigned)strtoul(optarg, NULL, 10);
		return 1;
	}
	return unit_opt(&o->id, c);
}

#define ONLINE_OPTS                                                                                \
	UNIT_OPTS, {"server-ca", required_argument, NULL, 'S'},                                    \
	{                                                                                          \
		"retries", required_argument, NULL, 'R'                                            \
	}

static int check_online(const struct online *o)
{
	if (!o->url || strncmp(o->url, "https://", 8))
		return ctl_error(EXIT_USAGE, "the source is an https:// URL");
	if (!o->id.key || !o->id.cert || !o->id.ca)
		return ctl_error(EXIT_USAGE, "--key, --cert and --ca are required");
	if (strncmp(o->id.key, "file:", 5) && strncmp(o->id.key, "slot:", 5))
		return ctl_error(EXIT_USAGE, "--key: file:PATH or slot:N");
	/* The engine takes its accel from the environment (the same card as --accel). */
	if (o->id.accel && setenv("PORTDP_ACCEL", o->id.accel, 1))
		return ctl_error(EXIT_FAIL, "cannot set PORTDP_ACCEL");
	return EXIT_OK;
}

/* Import the fetched bundle (transfer import: all or nothing, idempotent by bundle id). */
static int import_file(struct inventory *inv, const struct online *o, const char *bundle,
		       const char *receipt)
{
	char *argv[] = {"import", (char *)bundle,    "--receipt", (char *)receipt,
			"--key",  (char *)o->id.key, "--cert",	  (char *)o->id.cert,
			"--ca",	  (char *)o->id.ca,  NULL,	  NULL,
			NULL};
	int argc = 10;

	if (o->id.accel) {
		argv[argc++] = "--accel";
		argv[argc++] = (char *)o->id.accel;
	}
	optind = 0;
	return transfer_import(inv, argc, argv);
}

static int send_receipt(const struct online *o, const uint8_t *r, size_t len, int *stored)
{
	char *b64 = NULL, *body;
	struct rsp_json j;
	int st;

	if (rsp_b64_encode(r, len, &b64) < 0)
		return -1;
	body = malloc(strlen(b64) + 32);
	if (!body) {
		free(b64);
		return -1;
	}
	sprintf(body, "{\"receipt\":\"%s\"}", b64);
	free(b64);
	st = post(o, "receipt", body, &j);
	free(body);
	if (!st) {
		const struct rsp_json_member *m = rsp_json_get(&j, "stored");

		*stored = m && m->type == RSP_JSON_BOOL && m->len;
		rsp_json_free(&j);
	}
	return st;
}

int transfer_pull(struct inventory *inv, int argc, char **argv)
{
	static const struct option opts[] = {
	    ONLINE_OPTS,
	    {"from", required_argument, NULL, 'f'},
	    {"count", required_argument, NULL, 'n'},
	    {"type", required_argument, NULL, 'T'},
	    {NULL, 0, NULL, 0},
	};
	static char url[1024], t[80];
	struct online o = {.retries = 20};
	const char *type = "";
	unsigned long count = 0, n = 0;
	char dir[4096], req[4200], bpath[4200], rpath[4200], line[1400], idhex[33], body[512];
	uint8_t id[16], *receipt = NULL;
	size_t rlen = 0;
	struct rsp_json j;
	FILE *f;
	int c, st, stored = 0, err, fresh = 0;

	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		if (parse_common(&o, c))
			continue;
		if (c == 'f')
			o.url = optarg;
		else if (c == 'n')
			count = strtoul(optarg, NULL, 10);
		else if (c == 'T')
			type = optarg;
		else
			return EXIT_USAGE;
	}
	if (optind != argc || !count || count > 100000 || strlen(type) > 64 || strchr(type, ' ') ||
	    strchr(type, '"') || strchr(type, '\\'))
		return ctl_error(EXIT_USAGE,
				 "usage: transfer pull --from https://HOST:PORT --count "
				 "N [--type T] [--retries N] --key file:PATH --cert "
				 "UNIT.pem --ca CA.pem [--server-ca PEM]");
	st = check_online(&o);
	if (st)
		return st;
	snprintf(dir, sizeof(dir), "%s.pull", ctl_db_path);
	snprintf(req, sizeof(req), "%s/request", dir);
	if (mkdir(dir, 0700) && errno != EEXIST)
		return ctl_error(EXIT_FAIL, "%s: %s", dir, strerror(errno));
	/* 1. the request id, durable before anything is sent; a pending one is resumed */
	f = fopen(req, "r");
	if (f) {
		if (!fgets(line, sizeof(line), f) ||
		    sscanf(line, "%32s %1023s %lu %79s", idhex, url, &n, t) != 4 ||
		    unhex16(idhex, id)) {
			fclose(f);
			return ctl_error(EXIT_FAIL, "%s: unreadable pull state", req);
		}
		fclose(f);
		if (!strcmp(t, "-"))
			t[0] = 0;
		if (strcmp(url, o.url) || n != count || strcmp(t, type))
			fprintf(stderr,
				"portdpctl: resuming the pending pull %s (%lu%s%s from %s) "
				"first; run again for this one\n",
				idhex, n, t[0] ? " of type " : "", t, url);
		o.url = url;
		type = t;
		count = n;
	} else {
		if (RAND_bytes(id, 16) != 1)
			return ctl_error(EXIT_FAIL, "no random bytes");
		hex16(id, idhex);
		snprintf(line, sizeof(line), "%s %s %lu %s\n", idhex, o.url, count,
			 *type ? type : "-");
		err = write_durable(req, line, strlen(line));
		if (err)
			return ctl_error(EXIT_FAIL, "%s: %s", req, strerror(-err));
		sync_dir(dir);
		fresh = 1;
	}
	kill_point("pull-recorded");
	snprintf(bpath, sizeof(bpath), "%s/%s.bundle", dir, idhex);
	snprintf(rpath, sizeof(rpath), "%s/%s.receipt", dir, idhex);
	/* 2, 3. fetched and imported unless it is here already */
	if (inv_transfer_seen(inv, id, NULL, NULL)) {
		if (access(bpath, F_OK)) {
			snprintf(body, sizeof(body),
				 "{\"requestId\":\"%s\",\"count\":\"%lu\"%s%s%s}", idhex, count,
				 *type ? ",\"profileType\":\"" : "", type, *type ? "\"" : "");
			st = post(&o, "pull", body, &j);
			if (st > 0 && fresh && o.attempts == 1) {
				/* the source's first word on this id: it never acted on it */
				unlink(req);
				return ctl_error(EXIT_FAIL, "pull %s: nothing moved", idhex);
			}
			if (st > 0)
				return ctl_error(
				    EXIT_FAIL,
				    "pull %s: refused after an attempt that may have "
				    "reached the source; the request is kept in %s (if "
				    "the source has bundle %s, 'transfer reissue' it "
				    "there; else remove %s)",
				    idhex, dir, idhex, req);
			if (st < 0)
				return ctl_error(EXIT_FAIL,
						 "pull %s is pending: run the same command "
						 "again to resume it",
						 idhex);
			{
				const struct rsp_json_member *m = rsp_json_get(&j, "received");
				const char *b64 = jstr(&j, "bundle");
				uint8_t *bundle = NULL;
				ssize_t blen;

				if (m && m->type == RSP_JSON_BOOL && m->len) {
					/* the source has our receipt: only possible once imported
					 */
					rsp_json_free(&j);
					return ctl_error(EXIT_FAIL,
							 "pull %s: the source holds a receipt "
							 "this inventory does not know",
							 idhex);
				}
				blen = rsp_b64_decode(b64, strlen(b64), &bundle);
				rsp_json_free(&j);
				if (blen <= 0)
					return ctl_error(EXIT_FAIL,
							 "pull %s: no bundle in the answer", idhex);
				err = write_durable(bpath, bundle, (size_t)blen);
				free(bundle);
				if (err)
					return ctl_error(EXIT_FAIL, "%s: %s", bpath,
							 strerror(-err));
				sync_dir(dir);
			}
		}
		kill_point("pull-fetched");
		st = import_file(inv, &o, bpath, rpath);
		if (st)
			return ctl_error(st, "pull %s: the bundle is kept in %s", idhex, bpath);
	}
	kill_point("pull-imported");
	/* 4. the receipt back to the source */
	if (inv_transfer_seen(inv, id, &receipt, &rlen))
		return ctl_error(EXIT_FAIL, "pull %s: no receipt: %s", idhex, inv_errmsg(inv));
	st = send_receipt(&o, receipt, rlen, &stored);
	free(receipt);
	if (st)
		return ctl_error(EXIT_FAIL,
				 "pull %s: imported; the receipt did not reach the source "
				 "(run the same command, or 'transfer sync', again)",
				 idhex);
	kill_point("pull-receipt-sent");
	unlink(bpath);
	unlink(rpath);
	unlink(req);
	sync_dir(dir);
	printf("pull %s: %lu profile%s from %s imported, receipt %s\n", idhex, count,
	       count == 1 ? "" : "s", o.url, stored ? "delivered" : "was already there");
	return EXIT_OK;
}

/* ---- sync: what the unit owes upstream --------------------------------------------- */

struct owed {
	const struct online *o;
	unsigned sent, known, other;
	int failed;
};

static int one_receipt(const uint8_t id[16], const char *source, const uint8_t *r, size_t len,
		       void *arg)
{
	struct owed *w = arg;
	char *b64 = NULL, *body;
	struct rsp_json j;
	int st;

	(void)source, (void)id;
	if (rsp_b64_encode(r, len, &b64) < 0)
		return -ENOMEM;
	body = malloc(strlen(b64) + 32);
	if (!body) {
		free(b64);
		return -ENOMEM;
	}
	sprintf(body, "{\"receipt\":\"%s\"}", b64);
	free(b64);
	/* a receipt for a bundle of another source is refused there, changing nothing */
	st = post(w->o, "receipt", body, &j);
	free(body);
	if (st < 0) {
		w->failed = 1;
		return 0;
	}
	if (st > 0) {
		w->other++;
		return 0;
	}
	{
		const struct rsp_json_member *m = rsp_json_get(&j, "stored");

		if (m && m->type == RSP_JSON_BOOL && m->len)
			w->sent++;
		else
			w->known++;
	}
	rsp_json_free(&j);
	return 0;
}

static int add_pending(const char *op, unsigned pending, int64_t oldest, int paused, void *arg)
{
	(void)op, (void)oldest, (void)paused;
	*(unsigned *)arg += pending;
	return 0;
}

int transfer_sync(struct inventory *inv, int argc, char **argv)
{
	static const struct option opts[] = {
	    ONLINE_OPTS,
	    {"to", required_argument, NULL, 't'},
	    {"no-audit", no_argument, NULL, 'N'},
	    {"progress-wait", required_argument, NULL, 'P'},
	    {NULL, 0, NULL, 0},
	};
	struct online o = {.retries = 5};
	struct owed w = {.o = &o};
	int c, no_audit = 0, st = EXIT_OK;
	long wait_s = -1;

	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		if (parse_common(&o, c))
			continue;
		if (c == 't')
			o.url = optarg;
		else if (c == 'N')
			no_audit = 1;
		else if (c == 'P')
			wait_s = strtol(optarg, NULL, 10);
		else
			return EXIT_USAGE;
	}
	if (optind != argc)
		return ctl_error(EXIT_USAGE,
				 "usage: transfer sync --to https://HOST:PORT [--no-audit]"
				 " [--progress-wait S] --key file:PATH --cert UNIT.pem"
				 " --ca CA.pem");
	st = check_online(&o);
	if (st)
		return st;
	/* receipts: every import's, the source answers "already stored" for those it has */
	if (inv_transfer_in_each(inv, one_receipt, &w))
		return ctl_error(EXIT_FAIL, "imported bundles: %s", inv_errmsg(inv));
	printf("receipts: %u delivered, %u already there, %u for other sources\n", w.sent, w.known,
	       w.other);
	if (w.failed)
		st = ctl_error(EXIT_FAIL, "some receipts did not reach %s", o.url);
	/* the audit export, verified by the source against this unit's key */
	if (!no_audit) {
		char path[4200], *b64 = NULL, *body = NULL;
		uint8_t *buf = NULL;
		struct rsp_json j;
		struct stat sb;
		FILE *f;

		snprintf(path, sizeof(path), "%s.sync-audit.%d", ctl_db_path, (int)getpid());
		unlink(path);
		if (inv_audit_export(inv, path))
			return ctl_error(EXIT_FAIL, "audit export: %s", inv_errmsg(inv));
		f = fopen(path, "rb");
		if (f && !fstat(fileno(f), &sb) && (buf = malloc((size_t)sb.st_size + 1)) &&
		    fread(buf, 1, (size_t)sb.st_size, f) == (size_t)sb.st_size &&
		    rsp_b64_encode(buf, (size_t)sb.st_size, &b64) >= 0 &&
		    (body = malloc(strlen(b64) + 32))) {
			sprintf(body, "{\"audit\":\"%s\"}", b64);
			if (!post(&o, "audit", body, &j)) {
				printf("audit: delivered, verified by the source (%s)\n",
				       jstr(&j, "file"));
				rsp_json_free(&j);
			} else {
				st = ctl_error(EXIT_FAIL, "the audit did not reach %s", o.url);
			}
		} else {
			st = ctl_error(EXIT_FAIL, "%s: cannot read the audit export", path);
		}
		if (f)
			fclose(f);
		unlink(path);
		free(buf);
		free(b64);
		free(body);
	}
	/* ES2+ progress reports: portdpd's sender drains the queue; wait until it is empty */
	if (wait_s >= 0) {
		time_t end = time(NULL) + wait_s;
		unsigned left = 0;

		for (;;) {
			left = 0;
			if (inv_progress_stats(inv, add_pending, &left))
				return ctl_error(EXIT_FAIL, "progress queue: %s", inv_errmsg(inv));
			if (!left || time(NULL) >= end)
				break;
			sleep(1);
		}
		if (left)
			st = ctl_error(EXIT_FAIL, "%u progress report%s still queued after %ld s",
				       left, left == 1 ? "" : "s", wait_s);
		else
			printf("progress reports: none queued\n");
	}
	return st;
}
