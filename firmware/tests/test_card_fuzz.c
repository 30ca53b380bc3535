// SPDX-License-Identifier: Apache-2.0
/*
 * test_card_fuzz.c - random and bit-flipped requests: the card never
 * crashes, always answers with a well-formed response, a failed request
 * changes nothing (key slots, sessions), and the card still works after.
 * FW_FUZZ_ITERS overrides the iteration count; the seed is printed.
 */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <openssl/rand.h>

#include "fw_test_util.h"

static struct fw_resp r;

/* A valid request for each opcode, so mutations reach deep into handlers. */
static size_t template(struct card *c, unsigned int i, uint8_t *msg, uint32_t handle,
		       const uint8_t peer[65])
{
	uint8_t body[PDC_MAX_BODY] = {0};
	struct pdc_hdr h = {PDC_MAGIC_REQ, PDC_PROTO_VERSION, 0, (uint32_t)i, 0, 0};
	size_t len = 0;

	(void)c;
	switch (i % 24) {
	case 0:
		h.opcode = PDC_OP_GET_INFO;
		break;
	case 1:
		h.opcode = PDC_OP_GET_COUNTERS;
		break;
	case 2:
		h.opcode = PDC_OP_RANDOM;
		body[0] = 16;
		len = 4;
		break;
	case 3:
		h.opcode = PDC_OP_KEY_GENERATE;
		body[0] = 9;
		body[1] = 1;
		len = 4;
		break;
	case 4:
		h.opcode = PDC_OP_KEY_GET_PUBLIC;
		body[0] = 1;
		len = 4;
		break;
	case 5:
		h.opcode = PDC_OP_KEY_DESTROY;
		body[0] = 9;
		len = 4;
		break;
	case 6:
		h.opcode = PDC_OP_KEY_LIST;
		break;
	case 7:
		h.opcode = PDC_OP_ECDSA_SIGN;
		body[0] = 1;
		body[1] = 32;
		len = 68;
		break;
	case 8: {
		struct pdc_ecdsa_verify_req v = {.curve = 1, .digest_len = 32};

		memcpy(v.pub, peer, 65);
		memcpy(body, &v, sizeof(v));
		h.opcode = PDC_OP_ECDSA_VERIFY;
		len = sizeof(v);
		break;
	}
	case 9: {
		struct pdc_session_create_req s = {.curve = 1, .host_id_len = 4};

		memcpy(s.peer_pub, peer, 65);
		memcpy(body, &s, sizeof(s));
		h.opcode = PDC_OP_SESSION_CREATE;
		len = sizeof(s);
		break;
	}
	case 10:
	case 11: {
		struct pdc_bsp_seal_req s = {
		    .handle = handle, .tag = 0x86 + i % 3, .in_len = (uint16_t)(1 + i % 1007)};

		memcpy(body, &s, sizeof(s));
		h.opcode = PDC_OP_BSP_SEAL;
		len = sizeof(s) + s.in_len;
		break;
	}
	case 12:
		h.opcode = PDC_OP_SESSION_REPLACE_KEYS;
		memcpy(body, &handle, 4);
		len = 4;
		break;
	case 13:
		h.opcode = PDC_OP_SESSION_CLOSE;
		memcpy(body, &handle, 4);
		len = 4;
		break;
	case 14: {
		struct pdc_ecdh_raw_req e = {.curve = 1};

		e.priv[31] = 7;
		memcpy(e.peer_pub, peer, 65);
		memcpy(body, &e, sizeof(e));
		h.opcode = i & 1 ? PDC_OP_ECDH_RAW_SHARED : PDC_OP_ECDH_RAW_PUBLIC;
		len = sizeof(e);
		break;
	}
	case 15: {
		struct pdc_aes_cbc_req a = {.key_len = 16, .dir = 1, .data_len = 64};

		memcpy(body, &a, sizeof(a));
		h.opcode = PDC_OP_AES_CBC;
		len = sizeof(a) + 64;
		break;
	}
	case 16: {
		struct pdc_aes_cmac_req a = {.key_len = 32, .flags = 1, .data_len = 33};

		memcpy(body, &a, sizeof(a));
		h.opcode = PDC_OP_AES_CMAC;
		len = sizeof(a) + 33;
		break;
	}
	case 17: {
		struct pdc_ecdh_slot_req e = {.slot = 1}; /* holds a P-256 key */

		memcpy(e.peer_pub, peer, 65);
		memcpy(body, &e, sizeof(e));
		h.opcode = PDC_OP_ECDH_SLOT;
		len = sizeof(e);
		break;
	}
	case 19: /* protocol 1.3: stock keys and sealed UPPs (slot 10 holds a stock key) */
		h.opcode = PDC_OP_STOCK_KEY_GENERATE;
		body[0] = 11;
		len = 4;
		break;
	case 20:
		h.opcode = PDC_OP_STOCK_WRAP;
		body[0] = 10;
		len = sizeof(struct pdc_stock_wrap_req);
		break;
	case 21: {
		struct pdc_upp_open_req o = {.handle = handle, .slot = 10, .aad_len = 4,
					     .ct_len = 100};

		memcpy(body, &o, sizeof(o));
		h.opcode = PDC_OP_UPP_OPEN;
		len = sizeof(o);
		break;
	}
	case 22: {
		struct pdc_upp_data_req d = {.handle = handle, .len = 100};

		memcpy(body, &d, sizeof(d));
		h.opcode = PDC_OP_UPP_DATA;
		len = sizeof(d) + 100;
		break;
	}
	case 23: {
		struct pdc_bsp_seal_req q = {.handle = handle, .tag = 0x86, .in_len = 50};

		memcpy(body, &q, sizeof(q));
		h.opcode = i & 1 ? PDC_OP_UPP_SEAL : PDC_OP_UPP_FINISH;
		len = i & 1 ? sizeof(q) : sizeof(struct pdc_upp_finish_req);
		break;
	}
	default:
		h.opcode = PDC_OP_SELF_TEST;
		break;
	}
	h.len = (uint16_t)len;
	memcpy(msg, &h, sizeof(h));
	memcpy(msg + sizeof(h), body, len);
	return sizeof(h) + len;
}

/* Is the session still open? (an 88 seal of one byte tells, harmlessly) */
static bool sessions_alive(struct card *c, uint32_t handle)
{
	struct pdc_bsp_seal_req s = {.handle = handle, .tag = 0x88, .in_len = 1};
	uint8_t b[sizeof(s) + 1] = {0};

	memcpy(b, &s, sizeof(s));
	return fw_call(c, PDC_OP_BSP_SEAL, b, sizeof(b), &r) == PDC_ST_OK;
}

static void snapshot(struct card *c, uint8_t keys[36], uint32_t *sessions)
{
	struct pdc_counters cnt;

	assert_int_equal(fw_call(c, PDC_OP_KEY_LIST, NULL, 0, &r), PDC_ST_OK);
	memcpy(keys, r.body, 36);
	assert_int_equal(fw_call(c, PDC_OP_GET_COUNTERS, NULL, 0, &r), PDC_ST_OK);
	memcpy(&cnt, r.body, sizeof(cnt));
	*sessions = cnt.sessions_open;
}

static void test_fuzz(void **state)
{
	char *dir = fw_tmpdir();
	struct card *c = fw_card_open(dir, 8);
	const char *env = getenv("FW_FUZZ_ITERS");
	unsigned long iters = env ? strtoul(env, NULL, 10) : 20000, i;
	unsigned int seed = (unsigned int)time(NULL);
	static uint8_t msg[PDC_MAX_MSG + 64];
	struct pdc_key_generate_req g = {.slot = 1, .curve = PDC_CURVE_P256};
	struct pdc_session_create_req sc = {.curve = 1, .host_id_len = 1};
	uint8_t peer[65], keys0[36], keys1[36];
	uint32_t handle, s0, s1;
	unsigned long errors = 0;
	EVP_PKEY *k = fw_ossl_keygen(PDC_CURVE_P256);

	(void)state;
	printf("# fuzz seed %u, %lu iterations\n", seed, iters);
	srand(seed);
	fw_ossl_pub(k, peer);
	EVP_PKEY_free(k);
	assert_int_equal(fw_call(c, PDC_OP_KEY_GENERATE, &g, sizeof(g), &r), PDC_ST_OK);
	{
		struct pdc_slot_req st = {.slot = 10};

		assert_int_equal(fw_call(c, PDC_OP_STOCK_KEY_GENERATE, &st, sizeof(st), &r),
				 PDC_ST_OK);
	}
	memcpy(sc.peer_pub, peer, 65);
	assert_int_equal(fw_call(c, PDC_OP_SESSION_CREATE, &sc, sizeof(sc), &r), PDC_ST_OK);
	memcpy(&handle, r.body, 4);

	for (i = 0; i < iters; i++) {
		size_t len = template(c, (unsigned int)rand(), msg, handle, peer);
		unsigned int mode = (unsigned int)rand() % 8, n;
		uint16_t opcode;

		if (mode < 4) {
			/* flip 1..8 bits */
			for (n = 1 + (unsigned int)rand() % 8; n; n--)
				msg[(size_t)rand() % len] ^= (uint8_t)(1u << (rand() % 8));
		} else if (mode == 4) {
			len = (size_t)rand() % (len + 1); /* cut */
		} else if (mode == 5) {
			size_t extra = (size_t)rand() % 64; /* grow, maybe beyond PDC_MAX_MSG */

			memset(msg + len, rand(), extra);
			len += extra;
			if (len > PDC_MAX_MSG + 64)
				len = PDC_MAX_MSG + 64;
		} else if (mode == 6) {
			len = (size_t)rand() % sizeof(msg); /* noise */
			RAND_bytes(msg, (int)len);
		} else {
			/* a random field value in the body */
			if (len > 16)
				msg[16 + (size_t)rand() % (len - 16)] = (uint8_t)rand();
		}
		memcpy(&opcode, msg + 6, 2);
		snapshot(c, keys0, &s0);
		if (fw_call_raw(c, msg, len, &r) != PDC_ST_OK) {
			errors++;
			/* a refused request changed nothing */
			snapshot(c, keys1, &s1);
			assert_memory_equal(keys0, keys1, 36);
			assert_int_equal(s0, s1);
		}
		/* keep a session to aim at */
		if (!sessions_alive(c, handle)) {
			if (fw_call(c, PDC_OP_SESSION_CREATE, &sc, sizeof(sc), &r) != PDC_ST_OK) {
				card_reset(c); /* table full of fuzz-made sessions */
				assert_int_equal(
				    fw_call(c, PDC_OP_SESSION_CREATE, &sc, sizeof(sc), &r),
				    PDC_ST_OK);
			}
			memcpy(&handle, r.body, 4);
		}
	}
	printf("# %lu of %lu fuzzed requests refused\n", errors, iters);
	assert_true(errors > iters / 2);
	/* the card still works */
	assert_int_equal(fw_call(c, PDC_OP_SELF_TEST, NULL, 0, &r), PDC_ST_OK);
	assert_int_equal(((struct pdc_self_test_resp *)r.body)->failed, 0);
	card_close(c);
	fw_rm_rf(dir);
	free(dir);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_fuzz),
	};

	cmocka_set_message_output(CM_OUTPUT_TAP);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
