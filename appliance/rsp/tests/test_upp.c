// SPDX-License-Identifier: Apache-2.0
/* UPP parsing on every TS.48 profile, and on broken input. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "testutil.h"
#include "upp.h"

static void test_all_ts48(void **state)
{
	char **names;
	size_t n, i, ok = 0;

	(void)state;
	assert_int_equal(tu_ts48_files(&names, &n), 0);
	assert_int_equal(n, 36);
	for (i = 0; i < n; i++) {
		char rel[300];
		struct upp_header h;
		struct upp_pe pes[256];
		size_t len, npe, sum = 0, k;
		uint8_t *upp;

		snprintf(rel, sizeof(rel), "ts48/%s", names[i]);
		upp = tu_load(tu_path(rel), &len);
		assert_non_null(upp);
		assert_int_equal(upp_parse(upp, len, &h), 0);
		assert_true(strlen(h.iccid) >= 18);
		assert_true(h.major >= 2);
		assert_int_equal(upp_split(upp, len, pes, 256, &npe), 0);
		assert_int_equal(npe, h.pe_count);
		/* The PEs tile the file exactly. */
		for (k = 0; k < npe; k++) {
			assert_ptr_equal(pes[k].raw, upp + sum);
			sum += pes[k].raw_len;
		}
		assert_int_equal(sum, len);
		assert_int_equal(pes[0].tag, UPP_TAG_HEADER);
		printf("# %-40s v%u.%u iccid %s, %u PEs, %zu bytes\n", names[i], h.major, h.minor,
		       h.iccid, h.pe_count, len);
		free(upp);
		ok++;
	}
	assert_int_equal(ok, 36);
	tu_free_list(names, n);
}

static uint8_t *load_one(size_t *len)
{
	uint8_t *p = tu_load(tu_path("ts48/TS48v2_SAIP2.1_BERTLV.der"), len);

	assert_non_null(p);
	return p;
}

static void test_truncations(void **state)
{
	struct upp_header h;
	size_t len, cut;
	uint8_t *upp = load_one(&len);

	(void)state;
	/* Every cut that does not end on a PE boundary must fail. */
	struct upp_pe pes[256];
	size_t npe, k, bound = 0;

	assert_int_equal(upp_split(upp, len, pes, 256, &npe), 0);
	for (cut = 1; cut < len; cut++) {
		int at_boundary = 0, rc;

		bound = 0;
		for (k = 0; k < npe; k++) {
			bound += pes[k].raw_len;
			if (bound == cut)
				at_boundary = 1;
		}
		rc = upp_parse(upp, cut, &h);
		if (at_boundary)
			assert_int_equal(rc, 0);
		else
			assert_int_equal(rc, -EBADMSG);
	}
	free(upp);
}

static void test_garbage(void **state)
{
	struct upp_header h;
	struct upp_pe pes[4];
	size_t len, n;
	uint8_t *upp = load_one(&len), *big;

	(void)state;
	assert_int_equal(upp_parse(NULL, 0, &h), -EINVAL);
	assert_int_equal(upp_parse(upp, 0, &h), -EINVAL);
	/* trailing garbage */
	big = malloc(len + 3);
	memcpy(big, upp, len);
	memcpy(big + len, "\x01\x02\x03", 3);
	assert_int_equal(upp_parse(big, len + 3, &h), -EBADMSG);
	/* a primitive PE */
	memcpy(big + len, "\x80\x01\x00", 3);
	assert_int_equal(upp_parse(big, len + 3, &h), -EBADMSG);
	free(big);
	/* header not first: drop the first PE */
	assert_int_equal(upp_split(upp, len, NULL, 0, &n), -ENOSPC);
	assert_int_equal(upp_split(upp, len, pes, 4, &n), -ENOSPC);
	{
		struct upp_pe all[256];
		size_t m;

		assert_int_equal(upp_split(upp, len, all, 256, &m), 0);
		assert_int_equal(upp_parse(upp + all[0].raw_len, len - all[0].raw_len, &h),
				 -EBADMSG);
	}
	/* bad ICCID digit */
	{
		uint8_t hdr[] = {0xA0, 0x12, 0x80, 0x01, 0x02, 0x81, 0x01, 0x03, 0x83, 0x0A,
				 0x89, 0x01, 0x23, 0x45, 0x67, 0x89, 0x01, 0x23, 0x45, 0x6A};

		assert_int_equal(upp_parse(hdr, sizeof(hdr), &h), -EBADMSG);
		hdr[19] = 0x6F;
		assert_int_equal(upp_parse(hdr, sizeof(hdr), &h), 0);
		assert_string_equal(h.iccid, "8901234567890123456");
		assert_memory_equal(h.iccid_ef, "\x98\x10\x32\x54\x76\x98\x10\x32\x54\xF6", 10);
		/* the swapped coding is recognised too */
		memcpy(hdr + 10, h.iccid_ef, 10);
		assert_int_equal(upp_parse(hdr, sizeof(hdr), &h), 0);
		assert_string_equal(h.iccid, "8901234567890123456");
		hdr[10] = 0x12; /* no 89 prefix in either coding */
		assert_int_equal(upp_parse(hdr, sizeof(hdr), &h), -EBADMSG);
		/* missing ICCID */
		hdr[1] = 0x06;
		assert_int_equal(upp_parse(hdr, 8, &h), -EBADMSG);
	}
	/* every single-byte corruption: parse may succeed or fail, never crash */
	{
		size_t i;

		for (i = 0; i < len; i += 7) {
			uint8_t save = upp[i];

			upp[i] ^= 0xA5;
			(void)upp_parse(upp, len, &h);
			upp[i] = save;
		}
	}
	free(upp);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_all_ts48),
	    cmocka_unit_test(test_truncations),
	    cmocka_unit_test(test_garbage),
	};

	cmocka_set_message_output(CM_OUTPUT_TAP);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
