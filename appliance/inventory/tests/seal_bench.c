// SPDX-License-Identifier: Apache-2.0
/*
 * seal-bench [N]: what reading a UPP for a binding costs, in the build it is compiled in
 * (sealed, or the -DPORTDP_PLAINTEXT_STOCK bench build): 64 TS.48 profiles imported, then N
 * (default 5000) inv_get_upp() + inv_free_upp() of them in turn; prints microseconds per read.
 * Not a test (testbed/bench/run-sealed-ab runs it in both builds).
 */
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include "testdb.h"

static const uint8_t bench_key[INV_STOCK_KEY_LEN] = {0xbe, 0x5e, 0xa1};

int main(int argc, char **argv)
{
	unsigned n = argc > 1 ? (unsigned)atoi(argv[1]) : 5000, i;
	struct timespec t0, t1;
	struct inventory *inv;
	uint8_t *tmpl, *upp;
	size_t len, got;
	char path[256];

	inv_stock_key_set(bench_key);
	if (test_upp_template(&tmpl, &len) || !test_tmp_db(path) ||
	    inv_open(path, INV_SYNC_NORMAL, &inv))
		return 1;
	for (i = 0; i < 64; i++)
		if (test_upp_set_iccid(tmpl, len, i + 1, NULL) ||
		    inv_import(inv, tmpl, len, NULL, NULL))
			return 1;
	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t0);
	for (i = 0; i < n; i++) {
		if (inv_get_upp(inv, 1 + i % 64, &upp, &got) || got != len)
			return 1;
		inv_free_upp(upp, got);
	}
	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t1);
	printf("UPP read (%zu bytes): %.2f us CPU each over %u reads\n", len,
	       ((t1.tv_sec - t0.tv_sec) * 1e9 + (t1.tv_nsec - t0.tv_nsec)) / 1e3 / n, n);
	inv_close(inv);
	test_rm_db(path);
	free(tmpl);
	return 0;
}
