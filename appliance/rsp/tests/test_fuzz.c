// SPDX-License-Identifier: Apache-2.0
/*
 * Fuzz-ish loop, built with ASan/UBSan: random truncations, bit flips,
 * byte overwrites and length-byte edits of valid messages go to every
 * decoder, upp_parse() and bpp_open(). Nothing may crash or read out of
 * bounds; a decoder either fails cleanly or accepts a still-valid message.
 * Deterministic (fixed seed) and bounded.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <jansson.h>

#include "portdp/scp03t.h"

#include "bpp.h"
#include "samples.h"
#include "testutil.h"
#include "upp.h"

static uint64_t rng = 0x9E3779B97F4A7C15ull;

static uint32_t rnd(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return (uint32_t)(rng >> 16);
}

/* A mutated copy of @src in a buffer of exactly the mutated length, so
 * ASan catches any read past the end. */
static uint8_t *mutate(const uint8_t *src, size_t len, size_t *out_len)
{
	size_t n = len, k;
	uint8_t *p;

	switch (rnd() % 4) {
	case 0: /* truncate */
		n = rnd() % (len + 1);
		break;
	case 1: /* grow with random bytes */
		n = len + 1 + rnd() % 8;
		break;
	default:
		break;
	}
	p = malloc(n ? n : 1);
	memcpy(p, src, n < len ? n : len);
	for (k = len; k < n; k++)
		p[k] = (uint8_t)rnd();
	if (n) {
		unsigned flips = 1 + rnd() % 3;

		while (flips--) {
			size_t at = rnd() % n;

			if (rnd() % 2)
				p[at] ^= (uint8_t)(1u << (rnd() % 8));
			else
				p[at] = (uint8_t)rnd();
		}
	}
	*out_len = n;
	return p;
}

static void test_fuzz_messages(void **state)
{
	struct sample s[40];
	size_t n = samples_build(s, 40), i, iter, accepted = 0, total = 0;

	(void)state;
	for (i = 0; i < n; i++) {
		for (iter = 0; iter < 3000; iter++) {
			size_t len;
			uint8_t *p = mutate(s[i].der, s[i].len, &len);
			int rc = s[i].decode(p, len);

			assert_true(rc == 0 || rc == -EBADMSG || (rc == -EINVAL && len == 0));
			if (rc == 0) {
				/* what is accepted must re-encode without error */
				struct der_buf b;

				der_buf_init(&b);
				assert_int_equal(s[i].reencode(p, len, &b), 0);
				der_buf_free(&b);
				accepted++;
			}
			total++;
			free(p);
		}
	}
	printf("# %zu mutated messages, %zu still valid\n", total, accepted);
	samples_free(s, n);
}

static void test_fuzz_upp(void **state)
{
	size_t len, iter;
	uint8_t *upp = tu_load(tu_path("ts48/TS48v3_SAIP2.3_BERTLV.der"), &len);

	(void)state;
	assert_non_null(upp);
	for (iter = 0; iter < 4000; iter++) {
		struct upp_header h;
		struct upp_pe pes[64];
		size_t m, np;
		uint8_t *p = mutate(upp, len, &m);
		int rc = upp_parse(p, m, &h);

		assert_true(rc == 0 || rc == -EBADMSG || rc == -EINVAL);
		rc = upp_split(p, m, pes, 64, &np);
		assert_true(rc == 0 || rc == -EBADMSG || rc == -EINVAL || rc == -ENOSPC);
		free(p);
	}
	free(upp);
}

static void test_fuzz_bpp(void **state)
{
	json_error_t jerr;
	json_t *root = json_load_file(tu_path("vectors/bsp.json"), 0, &jerr), *v;
	size_t len, n, iter, ok = 0;
	uint8_t *bpp, *enc, *mac, *mcv, *pe, *pm, *pc;
	struct pdp_scp03t s0, ppk;
	struct bpp_open_opts opts = {.flags = BPP_OPEN_LEGACY, .ppk_without_a2 = &ppk};

	(void)state;
	assert_non_null(root);
	v = json_object_get(root, "bpp_decode");
	bpp = tu_unbase64(json_string_value(json_object_get(v, "bpp_base64")), &len);
	enc = tu_unhex(json_string_value(json_object_get(v, "session_s_enc")), &n);
	mac = tu_unhex(json_string_value(json_object_get(v, "session_s_mac")), &n);
	mcv = tu_unhex(json_string_value(json_object_get(v, "session_mac_chaining_value")), &n);
	pe = tu_unhex(json_string_value(json_object_get(v, "ppk_enc")), &n);
	pm = tu_unhex(json_string_value(json_object_get(v, "ppk_mac")), &n);
	pc = tu_unhex(json_string_value(json_object_get(v, "ppk_mac_chaining_value")), &n);
	assert_non_null(bpp);
	pdp_scp03t_init(&s0, enc, mac, mcv);
	pdp_scp03t_init(&ppk, pe, pm, pc);
	for (iter = 0; iter < 1000; iter++) {
		struct bpp_open_result res;
		struct bpp_open_error err;
		struct pdp_scp03t s = s0;
		size_t m;
		uint8_t *p = mutate(bpp, len, &m);
		int rc = bpp_open(p, m, &s, iter % 2 ? &opts : NULL, &res, &err);

		assert_true(rc == 0 || rc == -EBADMSG || rc == -EACCES || rc == -EINVAL);
		if (rc == 0) {
			ok++;
			free(res.mem);
		} else {
			assert_null(res.mem);
			assert_non_null(err.what);
		}
		free(p);
	}
	printf("# 1000 mutated BPPs, %zu opened (mutations in ignored bytes)\n", ok);
	free(bpp);
	free(enc);
	free(mac);
	free(mcv);
	free(pe);
	free(pm);
	free(pc);
	json_decref(root);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_fuzz_messages),
	    cmocka_unit_test(test_fuzz_upp),
	    cmocka_unit_test(test_fuzz_bpp),
	};

	cmocka_set_message_output(CM_OUTPUT_TAP);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
