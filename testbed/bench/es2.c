// SPDX-License-Identifier: Apache-2.0
/*
 * portdp-bench's ES2+ mode: what operator orders and progress reports add to a binding.
 *
 * setup --es2 N: an operator "benchop" (portdp-pki --operator: client certificate, the
 * operator CA portdpd admits, the operator's HTTPS server and portdpd's client certificate
 * for reports), N profiles it owns (unordered), and the ES2+/progress lines of portdpd.conf.
 *
 * run --es2, after the plain phase in the same portdpd: the operator endpoint
 * (portdp-test-operator) is started and named benchop's callback URL; then
 *  1. orders: downloadOrder + confirmOrder (releaseFlag true) over ES2+ with mutual TLS for
 *     as many profiles as the plain phase bound (as many clients as the run's concurrency,
 *     at most 16, each one keep-alive connection: orders share group commits as bindings do);
 *  2. downloads of those matching IDs, like the plain phase (each queues 3 reports);
 *  3. until the queue is empty (the reports delivered to the endpoint).
 * portdpd's CPU time is read around each part; the cost per binding of the mode is
 * (1 + 2 + 3) / bindings, reported beside the plain phase's figure.
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
	size_t next; /* atomic */
	unsigned failed; /* atomic */
};

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
		snprintf(body, sizeof(body),
			 "{\"header\":{\"functionRequesterIdentifier\":\"benchop\","
			 "\"functionCallIdentifier\":\"d%zu\"},\"iccid\":\"%s\"}",
			 i, j->iccids[i]);
		if (!call(c, e, "downloadOrder", body)) {
			__atomic_fetch_add(&j->failed, 1, __ATOMIC_RELAXED);
			continue;
		}
		snprintf(body, sizeof(body),
			 "{\"header\":{\"functionRequesterIdentifier\":\"benchop\","
			 "\"functionCallIdentifier\":\"c%zu\"},\"iccid\":\"%s\","
			 "\"matchingId\":\"" ES2_MID_FMT "\",\"releaseFlag\":true}",
			 i, j->iccids[i], (unsigned)(e->mid_base + i + 1));
		if (!call(c, e, "confirmOrder", body))
			__atomic_fetch_add(&j->failed, 1, __ATOMIC_RELAXED);
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

int bench_es2_order(struct bench_es2 *e, const char *db, size_t want, char ***mids,
		    size_t *n_mids)
{
	struct order_job j = {.e = e};
	struct unordered u = {0};
	struct inventory *inv;
	pthread_t t[ORDER_THREADS_MAX];
	unsigned nt = e->clients < 1 ? 1 : e->clients > ORDER_THREADS_MAX ? ORDER_THREADS_MAX
									  : e->clients;
	char msg[256];
	unsigned k;
	int ret;

	*mids = NULL;
	*n_mids = 0;
	ret = inv_open_err(db, 0, &inv, msg, sizeof(msg));
	if (ret) {
		fprintf(stderr, "portdp-bench: %s: %s\n", db, msg);
		return ret;
	}
	ret = inv_list(inv, INV_AVAILABLE, collect_unordered, &u);
	inv_close(inv);
	if (ret || !u.n) {
		fprintf(stderr, "portdp-bench: no unordered profile of benchop left (setup --es2)\n");
		free(u.iccids);
		return ret ? ret : -ENOENT;
	}
	/* Matching IDs are never reused: a later run goes on after the earlier ones. */
	e->mid_base = u.ordered_before;
	j.iccids = u.iccids;
	j.n = want < u.n ? want : u.n;
	for (k = 0; k < nt; k++)
		if (pthread_create(&t[k], NULL, order_main, &j))
			break;
	while (k--)
		pthread_join(t[k], NULL);
	if (j.failed) {
		fprintf(stderr, "portdp-bench: %u ES2+ orders failed\n", j.failed);
		free(u.iccids);
		return -EIO;
	}
	*mids = calloc(j.n, sizeof(**mids));
	for (size_t i = 0; *mids && i < j.n; i++) {
		(*mids)[i] = malloc(INV_MATCHING_ID_MAX);
		if (!(*mids)[i])
			break;
		snprintf((*mids)[i], INV_MATCHING_ID_MAX, ES2_MID_FMT,
			 (unsigned)(e->mid_base + i + 1));
		*n_mids = i + 1;
	}
	free(u.iccids);
	return *n_mids == j.n ? 0 : -ENOMEM;
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
	snprintf(url, sizeof(url), "https://127.0.0.1:%u/gsma/rsp2/es2plus/handleDownloadProgressInfo",
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
		execl(bin, "portdp-test-operator", "--port", p, "--cert", cert, "--key", key, "--ca",
		      ca, "--log", log, (char *)NULL);
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
