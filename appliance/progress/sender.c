// SPDX-License-Identifier: Apache-2.0
/* The progress report sender (see sender.h). */
#include <errno.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <curl/curl.h>
#include <openssl/crypto.h>

#include "../inventory/inventory.h"
#include "../server/log.h"
#include "sender.h"

#define POLL_MS 200
#define MAX_OPERATORS 64
/* Reports read (and then deleted) per statement: a wake-up finds some hundred at full rate. */
#define BATCH 128

/* A PEM file read once at start (libcurl would read it at each connection). */
struct pem_blob {
	char *data;
	size_t len;
};

struct progress_sender {
	struct portdpd_config cfg;
	struct pem_blob cert, key, ca;
	struct inventory *inv;
	CURL *curl;
	struct curl_slist *headers; /* the same on every POST: set once */
	const char *url;	    /* the URL set on the handle (an operator's, for a drain) */
	pthread_t thread;
	pthread_mutex_t lock;
	pthread_cond_t cond;
	bool stop;
	int64_t next_prune; /* unix time of the next pruning of recorded ES2+ answers */
};

struct op_list {
	struct inv_operator ops[MAX_OPERATORS];
	unsigned n;
};

static int collect(const struct inv_operator *op, void *arg)
{
	struct op_list *l = arg;

	if (!op->paused && op->callback_url[0] && l->n < MAX_OPERATORS)
		l->ops[l->n++] = *op;
	return 0;
}

static size_t discard(char *p, size_t size, size_t n, void *arg)
{
	(void)p, (void)arg;
	return size * n;
}

/* The report as sent: our header, then the stored fields. NULL when out of memory. */
static char *with_header(const struct progress_sender *s, const struct inv_progress *r)
{
	const char *rest = r->body + 1; /* after the stored object's '{' */
	size_t n = strlen(rest) + strlen(s->cfg.smdp_address) * 2 + 160;
	char *out = malloc(n);

	if (out)
		snprintf(out, n,
			 "{\"header\":{\"functionRequesterIdentifier\":\"%s\","
			 "\"functionCallIdentifier\":\"%s-%lld\"}%s%s",
			 s->cfg.smdp_address, s->cfg.smdp_address, (long long)r->seq,
			 *rest == '}' ? "" : ",", rest);
	return out;
}

/*
 * One POST on the handle's kept-alive connection; the HTTP status, or 0 when there was none
 * (connect, TLS, timeout). Only the body changes between two POSTs of one operator.
 */
static long post(struct progress_sender *s, const char *url, const char *body)
{
	long status = 0;
	CURLcode rc;

	if (s->url != url) {
		curl_easy_setopt(s->curl, CURLOPT_URL, url);
		s->url = url;
	}
	curl_easy_setopt(s->curl, CURLOPT_POSTFIELDS, body);
	curl_easy_setopt(s->curl, CURLOPT_POSTFIELDSIZE, (long)strlen(body));
	rc = curl_easy_perform(s->curl);
	if (rc == CURLE_OK)
		curl_easy_getinfo(s->curl, CURLINFO_RESPONSE_CODE, &status);
	else
		srv_debug("progress: POST %s: %s", url, curl_easy_strerror(rc));
	return status;
}

static bool stopping(struct progress_sender *s)
{
	bool stop;

	pthread_mutex_lock(&s->lock);
	stop = s->stop;
	pthread_mutex_unlock(&s->lock);
	return stop;
}

static int64_t backoff(const struct progress_sender *s, int attempts)
{
	int64_t d = 1;

	while (attempts-- > 0 && d < s->cfg.progress_retry_max)
		d *= 2;
	return d < s->cfg.progress_retry_max ? d : s->cfg.progress_retry_max;
}

/* One batch of an operator's reports being delivered, oldest first. */
struct batch {
	struct progress_sender *s;
	const struct inv_operator *op;
	int64_t now;
	int64_t delivered; /* seq of the last report taken (204), 0: none */
	unsigned sent;
	bool failed;	   /* stop: a report was not taken (or is not due yet) */
	int64_t retry_seq; /* the report not taken, to retry after the batch (0: none) */
	int retry_attempts;
};

static int deliver_one(const struct inv_progress *r, void *arg)
{
	struct batch *b = arg;
	struct progress_sender *s = b->s;
	char *body;
	long status;

	if (stopping(s) || r->next_try > b->now) {
		b->failed = true;
		return 1;
	}
	body = with_header(s, r);
	status = body ? post(s, b->op->callback_url, body) : 0;
	free(body);
	b->sent++;
	if (status == 204) {
		b->delivered = r->seq;
		return 0;
	}
	srv_debug("progress: report %lld to %s: %s %ld, retry", (long long)r->seq, b->op->name,
		  status ? "HTTP" : "no answer", status);
	/* Written once the batch's read is over. */
	b->retry_seq = r->seq;
	b->retry_attempts = r->attempts;
	b->failed = true;
	return 1;
}

/*
 * Delivers @op's due reports in order, BATCH at a time, until one is not taken or none is
 * left. The reports taken are removed with one DELETE after each batch: a crash before it
 * sends them again, under the same functionCallIdentifier (the operator keeps one of each).
 */
static void drain(struct progress_sender *s, const struct inv_operator *op)
{
	struct batch b = {.s = s, .op = op};

	s->url = NULL; /* the list is read again at each wake-up: set this operator's URL */

	do {
		b.now = time(NULL);
		b.delivered = 0;
		b.sent = 0;
		b.retry_seq = 0;
		if (inv_progress_batch(s->inv, op->name, BATCH, deliver_one, &b))
			srv_err("progress: %s", inv_errmsg(s->inv));
		if (b.retry_seq &&
		    inv_progress_retry(s->inv, b.retry_seq, b.now + backoff(s, b.retry_attempts)))
			srv_err("progress: report %lld: %s", (long long)b.retry_seq,
				inv_errmsg(s->inv));
		if (b.delivered && inv_progress_done_upto(s->inv, op->name, b.delivered))
			srv_err("progress: reports up to %lld delivered but not removed: %s",
				(long long)b.delivered, inv_errmsg(s->inv));
	} while (!b.failed && b.sent == BATCH);
}

/*
 * Recorded ES2+ answers (idempotency of retried calls) older than es2_call_retention go: the
 * table would otherwise grow with every order for good. A quarter of the retention apart, at
 * most 10 minutes, so an answer outlives its retention by at most that.
 */
static void prune_es2_calls(struct progress_sender *s)
{
	int64_t now = time(NULL), period = s->cfg.es2_call_retention / 4;
	unsigned n;

	if (now < s->next_prune)
		return;
	s->next_prune = now + (period < 1 ? 1 : period > 600 ? 600 : period);
	if (inv_es2_call_prune(s->inv, now - (int64_t)s->cfg.es2_call_retention, &n))
		srv_err("progress: pruning ES2+ answers: %s", inv_errmsg(s->inv));
	else if (n)
		srv_info("es2: %u recorded answer(s) older than %u s pruned", n,
			 s->cfg.es2_call_retention);
}

static void *sender_main(void *arg)
{
	struct progress_sender *s = arg;
	struct op_list *l = malloc(sizeof(*l));
	struct timespec until;
	unsigned i;

	while (l && !stopping(s)) {
		l->n = 0;
		if (inv_operator_list(s->inv, collect, l))
			srv_err("progress: %s", inv_errmsg(s->inv));
		for (i = 0; i < l->n; i++)
			drain(s, &l->ops[i]);
		prune_es2_calls(s);
		clock_gettime(CLOCK_REALTIME, &until);
		until.tv_nsec += POLL_MS * 1000000L;
		if (until.tv_nsec >= 1000000000L) {
			until.tv_sec++;
			until.tv_nsec -= 1000000000L;
		}
		pthread_mutex_lock(&s->lock);
		if (!s->stop)
			pthread_cond_timedwait(&s->cond, &s->lock, &until);
		pthread_mutex_unlock(&s->lock);
	}
	free(l);
	return NULL;
}

/*
 * Reads @path whole: portdpd may drop root once started, and the key file may be root's
 * (secret_file_check() allows it), so libcurl gets the bytes, not the name.
 */
static int read_pem(const char *path, const char *what, struct pem_blob *b, char *err,
		    unsigned err_len)
{
	FILE *f = fopen(path, "re");
	size_t cap = 4096, n;
	char *p;
	int rc = 0;

	if (!f) {
		rc = -errno;
		snprintf(err, err_len, "progress sender: %s %s: %s", what, path, strerror(-rc));
		return rc;
	}
	b->data = malloc(cap);
	b->len = 0;
	while (b->data && (n = fread(b->data + b->len, 1, cap - b->len, f)) > 0) {
		b->len += n;
		if (b->len == cap) {
			if (cap >= (1u << 20))
				break; /* no PEM of ours is that big */
			p = realloc(b->data, cap * 2);
			if (!p) {
				free(b->data);
				b->data = NULL;
				break;
			}
			b->data = p;
			cap *= 2;
		}
	}
	if (!b->data || ferror(f) || b->len == cap) {
		rc = b->data ? -EIO : -ENOMEM;
		snprintf(err, err_len, "progress sender: %s %s: %s", what, path,
			 b->data && b->len == cap ? "too big" : strerror(-rc));
	}
	fclose(f);
	return rc;
}

static void pem_free(struct pem_blob *b)
{
	if (b->data)
		OPENSSL_cleanse(b->data, b->len);
	free(b->data);
	b->data = NULL;
}

static void set_blob(CURL *curl, CURLoption opt, const struct pem_blob *b)
{
	struct curl_blob blob = {.data = b->data, .len = b->len, .flags = CURL_BLOB_COPY};

	curl_easy_setopt(curl, opt, &blob);
}

int progress_sender_start(const struct portdpd_config *cfg, struct progress_sender **out, char *err,
			  unsigned err_len)
{
	struct progress_sender *s = calloc(1, sizeof(*s));
	char msg[512];
	int rc;

	*out = NULL;
	if (!s)
		return -ENOMEM;
	s->cfg = *cfg;
	pthread_mutex_init(&s->lock, NULL);
	pthread_cond_init(&s->cond, NULL);
	/*
	 * NORMAL: a delete lost to a power cut (not to a crash: the WAL is in the page cache)
	 * only sends those reports again, which the operator recognises by their identifier.
	 */
	rc = inv_open_err(cfg->db_path, INV_SYNC_NORMAL, &s->inv, msg, sizeof(msg));
	if (rc) {
		snprintf(err, err_len, "progress sender: inventory %s", msg);
		goto fail;
	}
	inv_set_actor(s->inv, "progress");
	s->curl = curl_easy_init();
	if (!s->curl) {
		rc = -ENOMEM;
		snprintf(err, err_len, "progress sender: curl_easy_init failed");
		goto fail;
	}
	curl_easy_setopt(s->curl, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(s->curl, CURLOPT_PROTOCOLS_STR, "https");
	curl_easy_setopt(s->curl, CURLOPT_TIMEOUT, (long)cfg->progress_timeout);
	curl_easy_setopt(s->curl, CURLOPT_CONNECTTIMEOUT, (long)cfg->progress_timeout);
	curl_easy_setopt(s->curl, CURLOPT_WRITEFUNCTION, discard);
	s->headers = curl_slist_append(NULL, "Content-Type: application/json");
	if (s->headers)
		s->headers = curl_slist_append(s->headers, "X-Admin-Protocol: gsma/rsp/v2.2.0");
	if (!s->headers) {
		rc = -ENOMEM;
		snprintf(err, err_len, "progress sender: out of memory");
		goto fail;
	}
	curl_easy_setopt(s->curl, CURLOPT_HTTPHEADER, s->headers);
	if (*cfg->progress_cert) {
		if ((rc = read_pem(cfg->progress_cert, "client certificate", &s->cert, err,
				   err_len)) ||
		    (rc = read_pem(*cfg->progress_key ? cfg->progress_key : cfg->progress_cert,
				   "client key", &s->key, err, err_len)))
			goto fail;
		set_blob(s->curl, CURLOPT_SSLCERT_BLOB, &s->cert);
		set_blob(s->curl, CURLOPT_SSLKEY_BLOB, &s->key);
	}
	if (*cfg->progress_ca) {
		if ((rc = read_pem(cfg->progress_ca, "trust anchors", &s->ca, err, err_len)))
			goto fail;
		set_blob(s->curl, CURLOPT_CAINFO_BLOB, &s->ca);
	}
	rc = -pthread_create(&s->thread, NULL, sender_main, s);
	if (rc) {
		snprintf(err, err_len, "progress sender: pthread_create: %s", strerror(-rc));
		goto fail;
	}
	*out = s;
	return 0;
fail:
	if (s->curl)
		curl_easy_cleanup(s->curl);
	curl_slist_free_all(s->headers);
	pem_free(&s->cert);
	pem_free(&s->key);
	pem_free(&s->ca);
	inv_close(s->inv);
	free(s);
	return rc;
}

void progress_sender_stop(struct progress_sender *s)
{
	if (!s)
		return;
	pthread_mutex_lock(&s->lock);
	s->stop = true;
	pthread_cond_signal(&s->cond);
	pthread_mutex_unlock(&s->lock);
	pthread_join(s->thread, NULL);
	curl_easy_cleanup(s->curl);
	curl_slist_free_all(s->headers);
	pem_free(&s->cert);
	pem_free(&s->key);
	pem_free(&s->ca);
	inv_close(s->inv);
	pthread_mutex_destroy(&s->lock);
	pthread_cond_destroy(&s->cond);
	free(s);
}
