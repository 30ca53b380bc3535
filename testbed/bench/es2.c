// SPDX-License-Identifier: Apache-2.0
/*
 * portdp-bench's ES2+ mode: what operator orders and progress reports add to a binding.
 *
 * setup --es2 N: an operator "benchop" (portdp-pki --operator: client certificate, the
 * operator CA portdpd admits, the operator's HTTPS server and portdpd's client certificate
 * for reports), N profiles it owns (unordered), and the ES2+/progress lines of portdpd.conf.
 *
 * run --es2, after the plain phase in the same portdpd: the operator endpoint
 * (portdp-test-operator) is started and named benchop's callback URL; then, for as long as
 * the plain phase ran, each binding is ordered first: ES2+ clients (the run's concurrency,
 * at most 16, one keep-alive connection each) place downloadOrder + confirmOrder
 * (releaseFlag true) ahead of the downloads, which take each matching ID once its order is
 * confirmed; orders, bindings and report deliveries share portdpd's sweeps and group
 * commits as they would on a line. Then until the queue is empty. portdpd's CPU time over
 * both, per completed binding, is reported beside the plain phase's figure.
 */
#include "bench.h"

#include <errno.h>
#include <limits.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>
#include <curl/curl.h>

#include "inventory.h"

#define ORDER_THREADS_MAX 16
#define ES2_MID_FMT "ES2B%07u"

struct order_job {
	const struct bench_es2 *e;
	char (*iccids)[21];
	size_t n;
	size_t next;	  /* atomic: the next index to order */
	size_t ready;	  /* atomic: every index below is ordered (the driver's mids_ready) */
	size_t taken;	  /* atomic: matching IDs the driver took (its mids_taken) */
	size_t ahead;	  /* orders placed at most this far ahead of the bindings */
	bool done;	  /* atomic: no more orders will come */
	unsigned failed;  /* atomic */
	uint8_t *ordered; /* per index, under lock */
	pthread_mutex_t lock;
	pthread_t t[16];
	unsigned nt;
	uint64_t t0, t1;
};

/* Index @i is ordered: move the watermark over every ordered index from it. */
static void mark_ordered(struct order_job *j, size_t i)
{
	pthread_mutex_lock(&j->lock);
	j->ordered[i] = 1;
	while (j->ready < j->n && j->ordered[j->ready])
		__atomic_store_n(&j->ready, j->ready + 1, __ATOMIC_RELEASE);
	pthread_mutex_unlock(&j->lock);
}

static size_t sink(char *p, size_t size, size_t n, void *arg)
{
	struct buf_s {
		char b[512];
		size_t len;
	} *b = arg;
	size_t k = size * n, room = sizeof(b->b) - 1 - b->len;

	memcpy(b->b + b->len, p, k < room ? k : room);
	b->len += k < room ? k : room;
	b->b[b->len] = '\0';
	return k;
}

/* One ES2+ call; true when it answered Executed-Success. */
static bool call(CURL *c, const struct bench_es2 *e, const char *fn, const char *body)
{
	struct {
		char b[512];
		size_t len;
	} out = {.len = 0};
	char url[512];

	snprintf(url, sizeof(url), "https://%s:%u/gsma/rsp2/es2plus/%s", e->smdp_address,
		 (unsigned)e->es2_port, fn);
	curl_easy_setopt(c, CURLOPT_URL, url);
	curl_easy_setopt(c, CURLOPT_POSTFIELDS, body);
	curl_easy_setopt(c, CURLOPT_WRITEDATA, &out);
	return curl_easy_perform(c) == CURLE_OK && strstr(out.b, "Executed-Success");
}

static void *order_main(void *arg)
{
	struct order_job *j = arg;
	const struct bench_es2 *e = j->e;
	struct curl_slist *h = NULL, *resolve = NULL;
	char body[512], rs[400];
	CURL *c = curl_easy_init();
	size_t i;

	if (!c)
		return NULL;
	snprintf(rs, sizeof(rs), "%s:%u:127.0.0.1", e->smdp_address, (unsigned)e->es2_port);
	resolve = curl_slist_append(resolve, rs);
	h = curl_slist_append(h, "Content-Type: application/json");
	h = curl_slist_append(h, "X-Admin-Protocol: gsma/rsp/v2.2.0");
	curl_easy_setopt(c, CURLOPT_RESOLVE, resolve);
	curl_easy_setopt(c, CURLOPT_HTTPHEADER, h);
	curl_easy_setopt(c, CURLOPT_CAINFO, e->cacert);
	curl_easy_setopt(c, CURLOPT_SSLCERT, e->client_cert);
	curl_easy_setopt(c, CURLOPT_SSLKEY, e->client_key);
	curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, sink);
	curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(c, CURLOPT_TIMEOUT, 30L);
	while ((i = __atomic_fetch_add(&j->next, 1, __ATOMIC_RELAXED)) < j->n) {
		/* An operator orders what the line is about to make, not the whole stock. */
		while (i >= __atomic_load_n(&j->taken, __ATOMIC_ACQUIRE) + j->ahead &&
		       __atomic_load_n(&j->next, __ATOMIC_RELAXED) < j->n)
			usleep(200);
		if (__atomic_load_n(&j->next, __ATOMIC_RELAXED) > j->n)
			break;
		snprintf(body, sizeof(body),
			 "{\"header\":{\"functionRequesterIdentifier\":\"benchop\","
			 "\"functionCallIdentifier\":\"d%zu\"},\"iccid\":\"%s\"}",
			 e->mid_base + i, j->iccids[i]); /* unique across phases and runs */
		if (!call(c, e, "downloadOrder", body)) {
			__atomic_fetch_add(&j->failed, 1, __ATOMIC_RELAXED);
			break;
		}
		snprintf(body, sizeof(body),
			 "{\"header\":{\"functionRequesterIdentifier\":\"benchop\","
			 "\"functionCallIdentifier\":\"c%zu\"},\"iccid\":\"%s\","
			 "\"matchingId\":\"" ES2_MID_FMT "\",\"releaseFlag\":true}",
			 e->mid_base + i, j->iccids[i], (unsigned)(e->mid_base + i + 1));
		if (!call(c, e, "confirmOrder", body)) {
			__atomic_fetch_add(&j->failed, 1, __ATOMIC_RELAXED);
			break; /* its binding would wait forever: stop ordering */
		}
		mark_ordered(j, i);
	}
	curl_slist_free_all(h);
	curl_slist_free_all(resolve);
	curl_easy_cleanup(c);
	return NULL;
}

struct unordered {
	char (*iccids)[21];
	size_t n, cap;
	unsigned ordered_before; /* ES2B matching IDs used by earlier runs */
};

static int collect_unordered(const struct inv_profile *p, void *arg)
{
	struct unordered *u = arg;

	if (strcmp(p->owner, "benchop"))
		return 0;
	if (!strncmp(p->matching_id, "ES2B", 4))
		u->ordered_before++;
	if (p->order != INV_ORDER_UNORDERED || p->state != INV_AVAILABLE)
		return 0;
	if (u->n == u->cap) {
		size_t cap = u->cap ? 2 * u->cap : 1024;
		void *v = realloc(u->iccids, cap * sizeof(*u->iccids));

		if (!v)
			return -ENOMEM;
		u->iccids = v;
		u->cap = cap;
	}
	memcpy(u->iccids[u->n++], p->iccid, 21);
	return 0;
}

int bench_es2_order_start(struct bench_es2 *e, const char *db, size_t want, struct order_job **out,
			  char ***mids, size_t *n_mids)
{
	struct order_job *j = calloc(1, sizeof(*j));
	struct unordered u = {0};
	struct inventory *inv;
	char msg[256];
	int ret;

	*out = NULL;
	*mids = NULL;
	*n_mids = 0;
	if (!j)
		return -ENOMEM;
	ret = inv_open_err(db, 0, &inv, msg, sizeof(msg));
	if (ret) {
		fprintf(stderr, "portdp-bench: %s: %s\n", db, msg);
		free(j);
		return ret;
	}
	ret = inv_list(inv, -1, collect_unordered, &u); /* all: matching IDs used before count */
	inv_close(inv);
	if (ret || !u.n) {
		fprintf(stderr,
			"portdp-bench: no unordered profile of benchop left (setup --es2)\n");
		free(u.iccids);
		free(j);
		return ret ? ret : -ENOENT;
	}
	/* Matching IDs are never reused: a later run goes on after the earlier ones. */
	e->mid_base = u.ordered_before;
	j->e = e;
	j->iccids = u.iccids;
	j->n = want < u.n ? want : u.n;
	j->ordered = calloc(j->n, 1);
	*mids = calloc(j->n, sizeof(**mids));
	if (!j->ordered || !*mids)
		goto nomem;
	for (size_t i = 0; i < j->n; i++) {
		(*mids)[i] = malloc(INV_MATCHING_ID_MAX);
		if (!(*mids)[i])
			goto nomem;
		snprintf((*mids)[i], INV_MATCHING_ID_MAX, ES2_MID_FMT,
			 (unsigned)(e->mid_base + i + 1));
		*n_mids = i + 1;
	}
	pthread_mutex_init(&j->lock, NULL);
	j->nt = e->clients < 1 ? 1 : e->clients > 16 ? 16 : e->clients;
	j->ahead = 2 * (size_t)(e->clients ? e->clients : 1);
	j->t0 = mono_ns();
	for (unsigned k = 0; k < j->nt; k++)
		if (pthread_create(&j->t[k], NULL, order_main, j)) {
			j->nt = k;
			break;
		}
	*out = j;
	return 0;
nomem:
	for (size_t i = 0; i < *n_mids; i++)
		free((*mids)[i]);
	free(*mids);
	*mids = NULL;
	*n_mids = 0;
	free(j->ordered);
	free(u.iccids);
	free(j);
	return -ENOMEM;
}

const size_t *bench_es2_ready(struct order_job *j)
{
	return &j->ready;
}

const bool *bench_es2_done(struct order_job *j)
{
	return &j->done;
}

/* Let the order clients finish their current order and stop. */
void bench_es2_order_stop(struct order_job *j)
{
	/* Past n: the clients waiting to get ahead give up too. */
	__atomic_store_n(&j->next, j->n + 1, __ATOMIC_RELAXED);
}

size_t *bench_es2_taken(struct order_job *j)
{
	return &j->taken;
}

int bench_es2_order_finish(struct order_job *j, size_t *ordered, double *seconds)
{
	unsigned failed;

	for (unsigned k = 0; k < j->nt; k++)
		pthread_join(j->t[k], NULL);
	__atomic_store_n(&j->done, true, __ATOMIC_RELEASE);
	*ordered = j->ready;
	*seconds = (mono_ns() - j->t0) / 1e9;
	failed = j->failed;
	pthread_mutex_destroy(&j->lock);
	free(j->ordered);
	free(j->iccids);
	free(j);
	if (failed)
		fprintf(stderr, "portdp-bench: %u ES2+ orders failed\n", failed);
	return failed ? -EIO : 0;
}

static int pending_cb(const char *op, unsigned pending, int64_t oldest, int paused, void *arg)
{
	(void)oldest, (void)paused;
	if (!strcmp(op, "benchop"))
		*(unsigned *)arg = pending;
	return 0;
}

int bench_es2_wait_queue(const char *db, double timeout_s, unsigned *left)
{
	struct inventory *inv;
	uint64_t until = mono_ns() + (uint64_t)(timeout_s * 1e9);
	char msg[256];
	int ret;

	ret = inv_open_err(db, 0, &inv, msg, sizeof(msg));
	if (ret)
		return ret;
	do {
		*left = 0;
		ret = inv_progress_stats(inv, pending_cb, left);
		if (ret || !*left)
			break;
		usleep(20000);
	} while (mono_ns() < until);
	inv_close(inv);
	return ret;
}

int bench_es2_start_endpoint(const char *dir, const char *db, uint16_t port, pid_t *pid)
{
	char bin[PATH_MAX], p[16], cert[PATH_MAX], key[PATH_MAX], ca[PATH_MAX], log[PATH_MAX];
	char url[128], msg[256];
	struct inventory *inv;
	int ret;

	if (bench_bin_path("portdp-test-operator", bin, sizeof(bin)))
		return -ENOENT;
	bench_path(cert, sizeof(cert), "%s/pki/operators/opsrv.pem", dir);
	bench_path(key, sizeof(key), "%s/pki/operators/opsrv-key.pem", dir);
	bench_path(ca, sizeof(ca), "%s/pki/operators/opca.pem", dir);
	bench_path(log, sizeof(log), "%s/reports.log", dir);
	snprintf(p, sizeof(p), "%u", (unsigned)port);
	snprintf(url, sizeof(url),
		 "https://127.0.0.1:%u/gsma/rsp2/es2plus/handleDownloadProgressInfo",
		 (unsigned)port);
	ret = inv_open_err(db, 0, &inv, msg, sizeof(msg));
	if (!ret) {
		ret = inv_operator_set_url(inv, "benchop", url);
		if (ret)
			fprintf(stderr, "portdp-bench: %s\n", inv_errmsg(inv));
		inv_close(inv);
	}
	if (ret)
		return ret;
	*pid = fork();
	if (*pid < 0)
		return -errno;
	if (*pid == 0) {
		if (!freopen("/dev/null", "w", stdout) || !freopen("/dev/null", "w", stderr))
			_exit(127);
		execl(bin, "portdp-test-operator", "--port", p, "--cert", cert, "--key", key,
		      "--ca", ca, "--log", log, (char *)NULL);
		_exit(127);
	}
	return 0;
}

void bench_es2_stop_endpoint(pid_t pid)
{
	if (pid > 0) {
		kill(pid, SIGKILL);
		waitpid(pid, NULL, 0);
	}
}
