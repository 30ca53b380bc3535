// SPDX-License-Identifier: Apache-2.0
/*
 * test_card_vectors.c - vectors/bsp.json through the card's KDF and
 * SCP03t code (the same code SESSION_CREATE and BSP_SEAL run), and the
 * recorded BoundProfilePackage's A0/A1 segments re-made byte for byte.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>
#include <openssl/evp.h>

#include "bsp.h"
#include "fw_test_util.h"

static json_t *vectors;

static int load(void **state)
{
	char *p;
	json_error_t err;

	(void)state;
	assert_true(asprintf(&p, "%s/testdata/vectors/bsp.json", fw_shared_dir()) > 0);
	vectors = json_load_file(p, 0, &err);
	if (!vectors)
		fprintf(stderr, "# %s: %s\n", p, err.text);
	free(p);
	return vectors ? 0 : -1;
}

static int unload(void **state)
{
	(void)state;
	json_decref(vectors);
	return 0;
}

static const char *str(json_t *o, const char *k)
{
	const char *s = json_string_value(json_object_get(o, k));

	assert_non_null(s);
	return s;
}

static void test_kdf(void **state)
{
	json_t *kdf = json_object_get(vectors, "kdf"), *v;
	size_t i;

	(void)state;
	assert_true(json_array_size(kdf) >= 2);
	json_array_foreach(kdf, i, v)
	{
		uint8_t z[32], eid[16], host[16], enc[16], mac[16], mcv[16];
		size_t hlen;
		struct bsp_keys k;

		assert_int_equal(fw_hex(str(v, "shared_secret"), z, 32), 32);
		assert_int_equal(fw_hex(str(v, "eid"), eid, 16), 16);
		hlen = fw_hex(str(v, "host_id"), host, 16);
		fw_hex(str(v, "s_enc"), enc, 16);
		fw_hex(str(v, "s_mac"), mac, 16);
		fw_hex(str(v, "initial_mac_chaining_value"), mcv, 16);
		assert_string_equal(str(v, "key_type"), "88");
		assert_int_equal(bsp_derive(z, host, hlen, eid, &k), PDC_ST_OK);
		assert_memory_equal(k.s_enc, enc, 16);
		assert_memory_equal(k.s_mac, mac, 16);
		assert_memory_equal(k.mcv, mcv, 16);
		assert_int_equal(k.counter, 1);
		/* and a wrong EID gives other keys */
		eid[15] ^= 1;
		assert_int_equal(bsp_derive(z, host, hlen, eid, &k), PDC_ST_OK);
		assert_memory_not_equal(k.s_enc, enc, 16);
	}
}

static void test_ciphering(void **state)
{
	json_t *steps = json_object_get(vectors, "ciphering"), *v;
	struct bsp_keys k = {0};
	char last_keys[200] = "";
	size_t i;

	(void)state;
	assert_true(json_array_size(steps) >= 5);
	json_array_foreach(steps, i, v)
	{
		static uint8_t in[2048], exp[2048], out[2048];
		char keys[200];
		size_t in_len, exp_len, out_len = 0;
		uint8_t tag;

		/* same keys as the step before: counter and MCV carry over */
		snprintf(keys, sizeof(keys), "%s%s%s", str(v, "s_enc"), str(v, "s_mac"),
			 str(v, "mac_chaining_value"));
		if (strcmp(keys, last_keys)) {
			fw_hex(str(v, "s_enc"), k.s_enc, 16);
			fw_hex(str(v, "s_mac"), k.s_mac, 16);
			fw_hex(str(v, "mac_chaining_value"), k.mcv, 16);
			k.counter = 1;
			strcpy(last_keys, keys);
		}
		fw_hex(str(v, "tag"), &tag, 1);
		in_len = fw_hex(str(v, "plaintext"), in, sizeof(in));
		exp_len = fw_hex(str(v, "expected"), exp, sizeof(exp));
		assert_int_equal(bsp_seal(&k, tag, in, in_len, out, sizeof(out), &out_len),
				 PDC_ST_OK);
		assert_int_equal(out_len, exp_len);
		assert_memory_equal(out, exp, exp_len);
	}
}

/* Find @needle in @hay; NULL if absent. */
static const uint8_t *find(const uint8_t *hay, size_t hlen, const uint8_t *needle, size_t nlen)
{
	return memmem(hay, hlen, needle, nlen);
}

static void test_bpp_segments(void **state)
{
	json_t *b = json_object_get(vectors, "bpp_decode");
	const char *b64 = str(b, "bpp_base64");
	static uint8_t bpp[20000], plain[1100], seg[1100];
	struct bsp_keys k;
	size_t plen, seg_len;
	int bpp_len;

	(void)state;
	bpp_len = EVP_DecodeBlock(bpp, (const unsigned char *)b64, (int)strlen(b64));
	assert_true(bpp_len > 1000);
	fw_hex(str(b, "session_s_enc"), k.s_enc, 16);
	fw_hex(str(b, "session_s_mac"), k.s_mac, 16);
	fw_hex(str(b, "session_mac_chaining_value"), k.mcv, 16);
	k.counter = 1;

	/* A0: 87 ConfigureISDP, A1: 88 StoreMetadata, A2: 87 ReplaceSessionKeys */
	plen = fw_hex(str(b, "configure_isdp_plain"), plain, sizeof(plain));
	assert_int_equal(bsp_seal(&k, 0x87, plain, plen, seg, sizeof(seg), &seg_len), PDC_ST_OK);
	assert_non_null(find(bpp, (size_t)bpp_len, seg, seg_len));
	plen = fw_hex(str(b, "store_metadata_plain"), plain, sizeof(plain));
	assert_int_equal(bsp_seal(&k, 0x88, plain, plen, seg, sizeof(seg), &seg_len), PDC_ST_OK);
	assert_non_null(find(bpp, (size_t)bpp_len, seg, seg_len));
	/*
	 * This trace has no A2 (its A3 uses the session keys) and its 86 segments
	 * carry 1020 plaintext bytes, more than a 1020-byte TLV allows: only A0
	 * and A1 can be re-made by a conforming sealer.
	 */
	/* a wrong key gives a segment that is not in the package */
	k.s_mac[0] ^= 1;
	assert_int_equal(bsp_seal(&k, 0x88, plain, plen, seg, sizeof(seg), &seg_len), PDC_ST_OK);
	assert_null(find(bpp, (size_t)bpp_len, seg, seg_len));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_kdf),
	    cmocka_unit_test(test_ciphering),
	    cmocka_unit_test(test_bpp_segments),
	};

	cmocka_set_message_output(CM_OUTPUT_TAP);
	return cmocka_run_group_tests(tests, load, unload);
}
