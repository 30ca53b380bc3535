// SPDX-License-Identifier: Apache-2.0
/*
 * es2-order-bench: the ES2+ order path of one binding (downloadOrder + confirmOrder with
 * releaseFlag, as portdp-bench run --es2 places them) through es2_handle() on a real
 * inventory, without the network: so that callgrind can count its instructions exactly
 * (portdpd itself cannot run under valgrind with its sender, see docs/benchmarks.md).
 * Like a worker of portdpd with db_sync = full: BATCH calls per group commit
 * (es9_worker_flush_async), then the fdatasync it owes. Prints CPU time per order pair.
 * Usage: es2-order-bench PORTDPD-CONF PAIRS [BATCH] (the inventory of a portdp-bench
 * setup --es2 directory, operator benchop; a copy: the orders change it).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "es2plus.h"
#include "es9.h"
#include "inventory.h"

#define SUBJECT "CN=benchop,O=Test Operator"

struct iccids {
	char (*v)[INV_ICCID_MAX];
	size_t n, cap;
};

static int collect(const struct inv_profile *p, void *arg)
{
	struct iccids *l = arg;

	if (strcmp(p->owner, "benchop") || p->order != INV_ORDER_UNORDERED ||
	    p->state != INV_AVAILABLE || l->n == l->cap)
		return 0;
	memcpy(l->v[l->n++], p->iccid, INV_ICCID_MAX);
	return 0;
}

static double cpu_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static int call(struct es9_worker *w, const char *fn, const char *body)
{
	struct es9_response resp;
	char path[128];
	int ok;

	snprintf(path, sizeof(path), ES2_PATH_PREFIX "%s", fn);
	es2_handle(w, "127.0.0.1:40000", SUBJECT, path, body, strlen(body), &resp);
	ok = resp.http_status == 200 && resp.body && strstr(resp.body, "Executed-Success");
	if (!ok)
		fprintf(stderr, "es2-order-bench: %s: %d %.*s\n", fn, resp.http_status,
			(int)resp.body_len, resp.body ? resp.body : "");
	free(resp.body);
	return ok ? 0 : -1;
}

static int flush(struct es9_worker *w)
{
	int fd = -1, rc = es9_worker_flush_async(w, &fd);

	if (!rc && fd >= 0 && fdatasync(fd))
		rc = -errno;
	return rc;
}

int main(int argc, char **argv)
{
	struct portdpd_config cfg;
	struct es9_service *svc;
	struct es9_worker *w;
	struct inventory *inv;
	struct iccids l = {0};
	char err[512], body[sizeof(cfg.db_path) + 64];
	unsigned long pairs, batch, i, calls = 0;
	double t0, t1;
	int rc;

	if (argc < 3) {
		fprintf(stderr, "usage: es2-order-bench PORTDPD-CONF PAIRS [BATCH]\n");
		return 2;
	}
	pairs = strtoul(argv[2], NULL, 10);
	batch = argc > 3 ? strtoul(argv[3], NULL, 10) : 4;
	if (!pairs || !batch)
		return 2;
	portdpd_config_defaults(&cfg);
	if (portdpd_config_load(&cfg, argv[1], err, sizeof(err))) {
		fprintf(stderr, "es2-order-bench: %s\n", err);
		return 1;
	}
	snprintf(body, sizeof(body), "%s%s", cfg.db_path, INV_STOCK_KEY_SUFFIX);
	if (inv_stock_key_load(*cfg.stock_key ? cfg.stock_key : body, 0, err, sizeof(err))) {
		fprintf(stderr, "es2-order-bench: %s\n", err);
		return 1;
	}
	l.cap = pairs;
	l.v = calloc(pairs, sizeof(*l.v));
	if (!l.v || inv_open_err(cfg.db_path, 0, &inv, err, sizeof(err))) {
		fprintf(stderr, "es2-order-bench: %s\n", err);
		return 1;
	}
	rc = inv_list(inv, -1, collect, &l);
	inv_close(inv);
	if (rc || l.n < pairs) {
		fprintf(stderr, "es2-order-bench: only %zu unordered profiles of benchop\n", l.n);
		return 1;
	}
	if (es9_service_new(&cfg, &svc, err, sizeof(err)) || es9_worker_new(svc, &w)) {
		fprintf(stderr, "es2-order-bench: %s\n", err);
		return 1;
	}
	t0 = cpu_s();
	for (i = 0; i < pairs; i++) {
		snprintf(body, sizeof(body),
			 "{\"header\":{\"functionRequesterIdentifier\":\"benchop\","
			 "\"functionCallIdentifier\":\"hd%d-%lu\"},\"iccid\":\"%s\"}",
			 (int)getpid(), i, l.v[i]);
		if (call(w, "downloadOrder", body))
			return 1;
		if (++calls % batch == 0 && flush(w))
			return 1;
		snprintf(body, sizeof(body),
			 "{\"header\":{\"functionRequesterIdentifier\":\"benchop\","
			 "\"functionCallIdentifier\":\"hc%d-%lu\"},\"iccid\":\"%s\","
			 "\"matchingId\":\"H%dx%lu\",\"releaseFlag\":true}",
			 (int)getpid(), i, l.v[i], (int)getpid(), i);
		if (call(w, "confirmOrder", body))
			return 1;
		if (++calls % batch == 0 && flush(w))
			return 1;
	}
	if (flush(w))
		return 1;
	t1 = cpu_s();
	printf("es2-order-bench: %lu order pairs, %lu calls per group commit: %.1f us CPU per "
	       "pair\n",
	       pairs, batch, (t1 - t0) * 1e6 / pairs);
	es9_worker_free(w);
	es9_service_free(svc);
	free(l.v);
	return 0;
}
