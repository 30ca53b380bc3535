// SPDX-License-Identifier: Apache-2.0
/*
 * inv-bench: state transitions per second on a real database file, with
 * synchronous FULL and NORMAL and group commits of 1 and 64. Every profile
 * cycles allocate -> downloaded -> installed -> deleted (-> reoffered), one
 * API call counted as one transition. Prints TAP (one line per
 * configuration, rate in the name) and checks the books at the end.
 * Usage: inv-bench [seconds per configuration, default 0.5] (files under /tmp)
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "inventory.h"
#include "testdb.h"

#define N_PROFILES 256

static const char eid[] = "89049032123451234512345678901235";

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

/* Next step of profile @id in its cycle. */
static int step(struct inventory *inv, int64_t id, int phase, uint32_t serial)
{
	uint8_t tid[8];

	memcpy(tid, &id, 4);
	memcpy(tid + 4, &serial, 4);
	switch (phase) {
	case 0:
		return inv_allocate(inv, id, eid, tid, sizeof(tid), 4102444800LL);
	case 1:
		return inv_mark_downloaded(inv, id, tid, sizeof(tid), &test_euicc_key);
	case 2:
		return inv_mark_installed(inv, id, eid);
	default:
		return inv_mark_deleted(inv, id, eid);
	}
}

static int run(int sync_full, int group, double seconds, int tap_no)
{
	struct inventory *inv;
	char path[256];
	uint8_t *upp;
	size_t len;
	int phase[N_PROFILES + 1] = {0};
	uint32_t serial[N_PROFILES + 1] = {0};
	unsigned long calls = 0, avail;
	double t0, t;
	int64_t id = 0;
	int i, err;

	if (!test_tmp_db(path))
		return 1;
	err = test_upp_template(&upp, &len);
	if (!err)
		err = inv_open(path, sync_full, &inv);
	if (err) {
		printf("not ok %d - set up (%s)\n", tap_no, strerror(-err));
		return 1;
	}
	err = inv_begin(inv);
	for (i = 1; !err && i <= N_PROFILES; i++) {
		struct inv_import opt = {.profile_class = -1, .reuse = INV_REUSE_AFTER_DELETE};

		err = test_upp_set_iccid(upp, len, i, NULL);
		if (!err)
			err = inv_import(inv, upp, len, &opt, NULL);
	}
	if (!err)
		err = inv_commit(inv);
	free(upp);

	t0 = now();
	while (!err && (t = now()) - t0 < seconds) {
		if (group > 1)
			err = inv_begin(inv);
		for (i = 0; !err && i < group; i++) {
			id = id % N_PROFILES + 1;
			err = step(inv, id, phase[id], serial[id]);
			if (++phase[id] == 4)
				phase[id] = 0, serial[id]++;
			calls++;
		}
		if (!err && group > 1)
			err = inv_commit(inv);
	}
	t = now() - t0;
	if (!err) {
		unsigned n;

		/* the books: every profile still there, each in the state its phase says */
		err = inv_count(inv, -1, &n);
		if (!err && n != N_PROFILES)
			err = -EIO;
		avail = 0;
		for (i = 1; !err && i <= N_PROFILES; i++)
			avail += phase[i] == 0;
		if (!err)
			err = inv_count(inv, INV_AVAILABLE, &n);
		if (!err && n != avail)
			err = -EIO;
	}
	printf("%s %d - sync=%s group=%d: %.0f transitions/s (%lu in %.2f s)\n",
	       err ? "not ok" : "ok", tap_no, sync_full ? "full" : "normal", group, calls / t,
	       calls, t);
	if (err)
		printf("# %s\n", inv_errmsg(inv));
	inv_close(inv);
	test_rm_db(path);
	return err != 0;
}

/* Any 32 bytes: the stock key of this test's inventories. */
static const uint8_t test_stock_key[INV_STOCK_KEY_LEN] = {0x5e, 0xa1, 0xed};

int main(int argc, char **argv)
{
	double seconds = argc > 1 ? atof(argv[1]) : 0.5;
	int failed = 0, n = 0, s, g;
	static const int groups[] = {1, 64};
	inv_stock_key_set(test_stock_key); /* UPPs are sealed at rest (schema v5) */

	if (seconds <= 0 || seconds > 60) {
		fprintf(stderr, "usage: inv-bench [seconds per configuration, 0..60]\n");
		return 2;
	}
	printf("1..4\n");
	for (s = 0; s < 2; s++)
		for (g = 0; g < 2; g++)
			failed |= run(!s, groups[g], seconds, ++n);
	return failed;
}
