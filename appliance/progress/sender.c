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

#include "../inventory/inventory.h"
#include "../server/log.h"
#include "sender.h"

#define POLL_MS 200
#define MAX_OPERATORS 64
#define BATCH 32

struct progress_sender {
	struct portdpd_config cfg;
	struct inventory *inv;
	CURL *curl;
	pthread_t thread;
	pthread_mutex_t lock;
	pthread_cond_t cond;
	bool stop;
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

/* One POST; the HTTP status, or 0 when there was none (connect, TLS, timeout). */
static long post(struct progress_sender *s, const char *url, const char *body)
{
	struct curl_slist *h = NULL;
	long status = 0;
	CURLcode rc;

	h = curl_slist_append(h, "Content-Type: application/json");
	h = curl_slist_append(h, "X-Admin-Protocol: gsma/rsp/v2.2.0");
	curl_easy_setopt(s->curl, CURLOPT_URL, url);
	curl_easy_setopt(s->curl, CURLOPT_HTTPHEADER, h);
	curl_easy_setopt(s->curl, CURLOPT_POSTFIELDS, body);
	rc = curl_easy_perform(s->curl);
	if (rc == CURLE_OK)
		curl_easy_getinfo(s->curl, CURLINFO_RESPONSE_CODE, &status);
	else
		srv_debug("progress: POST %s: %s", url, curl_easy_strerror(rc));
	curl_slist_free_all(h);
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
	if (*cfg->progress_cert) {
		curl_easy_setopt(s->curl, CURLOPT_SSLCERT, cfg->progress_cert);
		curl_easy_setopt(s->curl, CURLOPT_SSLKEY, cfg->progress_key);
	}
	if (*cfg->progress_ca)
		curl_easy_setopt(s->curl, CURLOPT_CAINFO, cfg->progress_ca);
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
	inv_close(s->inv);
	pthread_mutex_destroy(&s->lock);
	pthread_cond_destroy(&s->cond);
	free(s);
}
