// SPDX-License-Identifier: Apache-2.0
/*
 * inv-bind-bench: the inventory's share of one portdpd binding, in CPU time.
 * Like portdpd with db_sync = full: two threads, each with its own
 * INV_SYNC_DEFERRED connection to one file, each "sweep" one group commit of
 * one step of four bindings in different phases (authenticateClient: read by
 * matching ID + allocate; getBoundProfilePackage: read + UPP + downloaded;
 * handleNotification: read + installed), then an fdatasync of the WAL when
 * inv_durable_fd() says one is owed. The other thread's commits empty each
 * connection's page cache, as in portdpd. Prints the process CPU time per
 * binding, fdatasyncs per binding, and checks the books (TAP).
 * Usage: inv-bind-bench [bindings per thread, default 1000] (files under /tmp)
 */
#include <errno.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include "inventory.h"
#include "testdb.h"

#define THREADS 2
#define WINDOW 4 /* bindings in flight per thread = requests per sweep */

static const char eid[] = "89049032123451234512345678901235";

struct thr {
	const char *path;
	char (*mids)[INV_MATCHING_ID_MAX]; /* this thread's profiles */
	unsigned n;
	unsigned done, syncs;
	int err;
	char msg[256];
};

struct binding {
	unsigned idx;
	int phase; /* 0 allocate, 1 download, 2 installed, 3 done */
	int64_t id;
	uint8_t tid[16];
};

static int step(struct inventory *inv, struct thr *t, struct binding *b)
{
	struct inv_profile p;
	uint8_t *upp;
	size_t len;
	int err;

	switch (b->phase) {
	case 0:
		err = inv_get_by_matching_id(inv, t->mids[b->idx], &p);
		if (!err) {
			b->id = p.id;
			err = inv_allocate(inv, p.id, eid, b->tid, sizeof(b->tid), 4102444800LL);
		}
		break;
	case 1:
		err = inv_get_by_id(inv, b->id, &p);
		if (!err)
			err = inv_get_upp(inv, b->id, &upp, &len);
		if (!err) {
			err = len == p.upp_len && len > 1000 ? 0 : -EIO;
			free(upp);
		}
		if (!err)
			err = inv_mark_downloaded(inv, b->id, b->tid, sizeof(b->tid), &test_euicc_key);
		break;
	default:
		err = inv_get_by_id(inv, b->id, &p);
		if (!err)
			err = inv_mark_installed(inv, b->id, eid);
		break;
	}
	b->phase++;
	return err;
}

static void *worker(void *arg)
{
	struct thr *t = arg;
	struct binding win[WINDOW];
	struct inventory *inv;
	unsigned next = 0, k, busy, sweep;
	int fd, err;

	err = inv_open(t->path, INV_SYNC_DEFERRED, &inv);
	if (err) {
		t->err = err;
		return NULL;
	}
	/* Slot k joins at sweep k, so that each sweep holds different phases, as in portdpd. */
	for (k = 0; k < WINDOW; k++)
		win[k] = (struct binding){.phase = 3};
	for (sweep = 0;; sweep++) {
		busy = 0;
		err = inv_begin(inv);
		for (k = 0; !err && k < WINDOW; k++) {
			struct binding *b = &win[k];

			if (b->phase == 3) {
				if (next >= t->n || k > sweep)
					continue;
				*b = (struct binding){.idx = next++};
				memcpy(b->tid, &b->idx, sizeof(b->idx));
				memcpy(b->tid + 8, &t->mids, sizeof(t->mids));
			}
			err = step(inv, t, b);
			busy++;
			if (!err && b->phase == 3)
				t->done++;
		}
		if (!err)
			err = inv_commit(inv);
		if (err || !busy)
			break;
		fd = inv_durable_fd(inv);
		if (fd >= 0) {
			if (fdatasync(fd)) {
				err = -errno;
				break;
			}
			t->syncs++;
		}
	}
	if (err) {
		t->err = err;
		snprintf(t->msg, sizeof(t->msg), "%s", inv_errmsg(inv));
	}
	inv_close(inv);
	return NULL;
}

static double cpu_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

/* Any 32 bytes: the stock key of this test's inventories. */
static const uint8_t test_stock_key[INV_STOCK_KEY_LEN] = {0x5e, 0xa1, 0xed};

int main(int argc, char **argv)
{
	unsigned per = argc > 1 ? (unsigned)atoi(argv[1]) : 1000, i, done = 0, syncs = 0, n;
	struct thr thr[THREADS] = {0};
	pthread_t tid[THREADS];
	char (*mids)[INV_MATCHING_ID_MAX];
	struct inventory *inv;
	struct inv_profile p;
	char path[256];
	uint8_t *upp;
	size_t len;
	double c0, c1;
	int err;
	inv_stock_key_set(test_stock_key); /* UPPs are sealed at rest (schema v5) */

	if (!per || per > 100000) {
		fprintf(stderr, "usage: inv-bind-bench [bindings per thread, 1..100000]\n");
		return 2;
	}
	printf("1..1\n");
	mids = calloc((size_t)per * THREADS, sizeof(*mids));
	if (!mids || !test_tmp_db(path))
		return 1;
	err = test_upp_template(&upp, &len);
	if (!err)
		err = inv_open(path, INV_SYNC_NORMAL, &inv);
	if (!err)
		err = inv_begin(inv);
	for (i = 0; !err && i < per * THREADS; i++) {
		struct inv_import opt = {.profile_class = -1};

		err = test_upp_set_iccid(upp, len, i + 1, NULL);
		if (!err)
			err = inv_import(inv, upp, len, &opt, &p);
		if (!err)
			memcpy(mids[i], p.matching_id, sizeof(mids[i]));
	}
	if (!err)
		err = inv_commit(inv);
	free(upp);
	/* Start from a checkpointed file without a WAL, as portdpd does after its recovery. */
	inv_close(inv);
	inv = NULL;
	if (!err)
		err = inv_open(path, INV_SYNC_NORMAL, &inv);
	if (err) {
		printf("not ok 1 - set up: %s\n", inv ? inv_errmsg(inv) : strerror(-err));
		return 1;
	}
	fprintf(stderr, "inv-bind-bench: imported, binding\n");
	c0 = cpu_now();
	for (i = 0; i < THREADS; i++) {
		thr[i] = (struct thr){.path = path, .mids = mids + (size_t)i * per, .n = per};
		pthread_create(&tid[i], NULL, worker, &thr[i]);
	}
	for (i = 0; i < THREADS; i++) {
		pthread_join(tid[i], NULL);
		if (thr[i].err) {
			printf("# thread %u: %s (%s)\n", i, strerror(-thr[i].err), thr[i].msg);
			err = thr[i].err;
		}
		done += thr[i].done;
		syncs += thr[i].syncs;
	}
	c1 = cpu_now();
	/* The books: every binding ended installed, nothing else changed. */
	if (!err)
		err = inv_count(inv, INV_INSTALLED, &n);
	if (!err && n != done)
		err = -EIO;
	printf("%s 1 - %u bindings: %.1f us CPU per binding, %.2f fdatasync per binding\n",
	       err ? "not ok" : "ok", done, done ? (c1 - c0) * 1e6 / done : 0,
	       done ? (double)syncs / done : 0);
	inv_close(inv);
	test_rm_db(path);
	free(mids);
	return err != 0;
}
