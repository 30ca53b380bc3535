// SPDX-License-Identifier: Apache-2.0
/*
 * BPP: the recorded third-party BPP (vectors/bsp.json bpp_decode) opened
 * with its session keys; build-then-open round trips with the soft backend
 * for every TS.48 profile; tampering reported at the right segment.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cmocka.h>
#include <jansson.h>
#include <openssl/core_names.h>
#include <openssl/ec.h>
#include <openssl/evp.h>

#include "portdp/accel.h"
#include "portdp/scp03t.h"

#include "bpp.h"
#include "testutil.h"
#include "upp.h"

static const uint8_t HOST_ID[] = "portdp-h";
static const uint8_t EID[16] = {0x89, 0x04, 0x90, 0x32, 0x12, 0x34, 0x51, 0x23,
				0x45, 0x12, 0x34, 0x56, 0x78, 0x90, 0x12, 0x35};

static const char *vec(json_t *o, const char *k)
{
	json_t *v = json_object_get(o, k);

	assert_non_null(v);
	return json_string_value(v);
}

static uint8_t *vec_bytes(json_t *o, const char *k, size_t *len)
{
	uint8_t *p = tu_unhex(vec(o, k), len);

	assert_non_null(p);
	return p;
}

static void test_vector_bpp(void **state)
{
	json_error_t jerr;
	json_t *root = json_load_file(tu_path("vectors/bsp.json"), 0, &jerr), *v;
	uint8_t *bpp, *upp, *cfg, *smd, *enc, *mac, *mcv, *pe, *pm, *pc;
	size_t bpp_len, upp_len, cfg_len, smd_len, n;
	struct pdp_scp03t s, ppk, s2;
	struct bpp_open_result res;
	struct bpp_open_error err;
	struct bpp_open_opts opts = {.flags = BPP_OPEN_LEGACY, .ppk_without_a2 = &ppk};

	(void)state;
	assert_non_null(root);
	v = json_object_get(root, "bpp_decode");
	assert_non_null(v);
	bpp = tu_unbase64(vec(v, "bpp_base64"), &bpp_len);
	upp = tu_unbase64(vec(v, "upp_base64"), &upp_len);
	assert_non_null(bpp);
	assert_non_null(upp);
	cfg = vec_bytes(v, "configure_isdp_plain", &cfg_len);
	smd = vec_bytes(v, "store_metadata_plain", &smd_len);
	enc = vec_bytes(v, "session_s_enc", &n);
	mac = vec_bytes(v, "session_s_mac", &n);
	mcv = vec_bytes(v, "session_mac_chaining_value", &n);
	pe = vec_bytes(v, "ppk_enc", &n);
	pm = vec_bytes(v, "ppk_mac", &n);
	pc = vec_bytes(v, "ppk_mac_chaining_value", &n);
	pdp_scp03t_init(&s, enc, mac, mcv);
	pdp_scp03t_init(&ppk, pe, pm, pc);
	s2 = s;

	/* Strict SGP.22 rejects the trace (segments wrapped twice) at A0. */
	assert_int_not_equal(bpp_open(bpp, bpp_len, &s2, NULL, &res, &err), 0);
	assert_int_equal(err.container, 0xA0);
	assert_int_equal(err.bpp_command_id, SGP22_BPP_CMD_CONFIGURE_ISDP);

	assert_int_equal(bpp_open(bpp, bpp_len, &s, &opts, &res, &err), 0);
	assert_int_equal(res.configure_isdp_len, cfg_len);
	assert_memory_equal(res.configure_isdp, cfg, cfg_len);
	assert_int_equal(res.store_metadata_len, smd_len);
	assert_memory_equal(res.store_metadata, smd, smd_len);
	/* The trace has no A2: its A3 is sealed with fixed PPKs given out of band. */
	assert_false(res.has_ppk);
	assert_int_equal(res.upp_len, upp_len);
	assert_memory_equal(res.upp, upp, upp_len);
	/* ISC checked structurally. */
	assert_int_equal(res.isc.transaction_id.len, 16);
	assert_int_equal(res.isc.host_id.len, 8);
	assert_memory_equal(res.isc.host_id.p, "mahlzeit", 8);
	assert_int_equal(res.isc.smdp_otpk[0], 0x04);
	printf("# bsp.json BPP: %zu bytes -> UPP %zu bytes recovered\n", bpp_len, res.upp_len);
	free(res.mem);

	/* Wrong PPKs: the first 86 segment fails its MAC. */
	ppk.s_mac[0] ^= 1;
	pdp_scp03t_init(&s, enc, mac, mcv);
	assert_int_equal(bpp_open(bpp, bpp_len, &s, &opts, &res, &err), -EACCES);
	assert_int_equal(err.container, 0xA3);
	assert_int_equal(err.segment, 0);
	assert_int_equal(err.bpp_command_id, SGP22_BPP_CMD_LOAD_PROFILE_ELEMENTS);
	assert_int_equal(err.error_reason, SGP22_ERR_SCP03T_SECURITY_ERROR);

	free(bpp);
	free(upp);
	free(cfg);
	free(smd);
	free(enc);
	free(mac);
	free(mcv);
	free(pe);
	free(pm);
	free(pc);
	json_decref(root);
}

/* ---- Round trips with the soft backend ---------------------------------- */

struct fixture {
	struct pdp_accel *accel;
	struct pdp_key *dppb;
	uint8_t dppb_pub[PDP_PUBKEY_LEN];
	EVP_PKEY *euicc_ot; /* otSK.EUICC.ECKA (test eUICC) */
	uint8_t euicc_otpk[PDP_PUBKEY_LEN];
};

static int setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));
	char uri[600];
	enum pdp_curve curve;
	size_t n = PDP_PUBKEY_LEN;

	if (!f || pdp_accel_open("soft:", &f->accel))
		return -1;
	snprintf(uri, sizeof(uri), "file:%s", tu_path("sgp26/dppb/SK_S_SM_DPpb_ECDSA_NIST.pem"));
	if (pdp_key_load(f->accel, uri, &f->dppb) || pdp_key_public(f->dppb, f->dppb_pub, &curve))
		return -1;
	f->euicc_ot = EVP_EC_gen("P-256");
	if (!f->euicc_ot ||
	    !EVP_PKEY_get_octet_string_param(f->euicc_ot, OSSL_PKEY_PARAM_ENCODED_PUBLIC_KEY,
					     f->euicc_otpk, sizeof(f->euicc_otpk), &n) ||
	    n != PDP_PUBKEY_LEN)
		return -1;
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *f = *state;

	EVP_PKEY_free(f->euicc_ot);
	pdp_key_free(f->dppb);
	pdp_accel_close(f->accel);
	free(f);
	return 0;
}

/* The eUICC's half of the key agreement: ECDH with otPK.DP, then the KDF. */
static void euicc_derive(struct fixture *f, const uint8_t ot_pub[PDP_PUBKEY_LEN],
			 struct pdp_scp03t *s)
{
	EVP_PKEY_CTX *pc = EVP_PKEY_CTX_new_from_name(NULL, "EC", NULL);
	EVP_PKEY *peer = NULL;
	OSSL_PARAM params[] = {
	    OSSL_PARAM_construct_utf8_string(OSSL_PKEY_PARAM_GROUP_NAME, "P-256", 0),
	    OSSL_PARAM_construct_octet_string(OSSL_PKEY_PARAM_PUB_KEY, (void *)ot_pub,
					      PDP_PUBKEY_LEN),
	    OSSL_PARAM_construct_end(),
	};
	EVP_PKEY_CTX *dc;
	uint8_t z[32];
	size_t zlen = sizeof(z);

	assert_int_equal(EVP_PKEY_fromdata_init(pc), 1);
	assert_int_equal(EVP_PKEY_fromdata(pc, &peer, EVP_PKEY_PUBLIC_KEY, params), 1);
	dc = EVP_PKEY_CTX_new(f->euicc_ot, NULL);
	assert_int_equal(EVP_PKEY_derive_init(dc), 1);
	assert_int_equal(EVP_PKEY_derive_set_peer(dc, peer), 1);
	assert_int_equal(EVP_PKEY_derive(dc, z, &zlen), 1);
	assert_int_equal(pdp_sgp22_derive(z, zlen, HOST_ID, sizeof(HOST_ID) - 1, EID, s), 0);
	EVP_PKEY_CTX_free(dc);
	EVP_PKEY_free(peer);
	EVP_PKEY_CTX_free(pc);
}

static int sign_dppb(void *ctx, const uint8_t *tbs, size_t len, uint8_t sig[SGP22_SIG_LEN])
{
	struct fixture *f = ctx;

	return pdp_sign(f->accel, f->dppb, tbs, len, sig);
}

/* Set by test_sealed_ts48: bind() hands the UPP over sealed (the card path's input). */
static const struct pdp_sealed_upp *g_sealed;
static char rel_dummy[128];
static struct pdp_stock_key *g_stock;
static int g_build_rc;

/* Everything the SM-DP+ produces for one binding of @upp. */
struct bound {
	uint8_t *bpp;
	size_t len;
	struct pdp_scp03t euicc; /* the eUICC's session keys */
	uint8_t smd[128];
	size_t smd_len;
};

static void bind(struct fixture *f, const uint8_t *upp, size_t upp_len, bool ppk,
		 enum bpp_seal_mode mode, struct bound *out, double *ms)
{
	static const uint8_t tid[16] = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16};
	static const uint8_t cfg[] = {0xBF, 0x24, 0x00};
	struct sgp22_store_metadata md = {.icon_type = -1, .profile_class = -1};
	struct sgp22_isc isc = {.transaction_id = {tid, 16},
				.host_id = {HOST_ID, sizeof(HOST_ID) - 1}};
	struct pdp_session *session;
	struct upp_header h;
	struct der_buf b, mb;
	struct timespec t0, t1;

	assert_int_equal(upp_parse(upp, upp_len, &h), 0);
	memcpy(md.iccid, h.iccid_ef, 10);
	md.sp_name = (struct sgp22_bytes){(const uint8_t *)"Port-DP+", 8};
	md.profile_name = (struct sgp22_bytes){(const uint8_t *)h.iccid, strlen(h.iccid)};
	der_buf_init_fixed(&mb, out->smd, sizeof(out->smd));
	assert_int_equal(sgp22_encode_store_metadata(&mb, &md), 0);
	out->smd_len = mb.len;

	assert_int_equal(pdp_session_create(f->accel, PDP_CURVE_P256, f->euicc_otpk, HOST_ID,
					    sizeof(HOST_ID) - 1, EID, isc.smdp_otpk, &session),
			 0);
	euicc_derive(f, isc.smdp_otpk, &out->euicc);
	der_buf_init(&b);
	assert_int_equal(bpp_build_isc(&b, &isc, f->euicc_otpk, sign_dppb, f), 0);

	struct bpp_build_in in = {
	    .isc = b.data,
	    .isc_len = b.len,
	    .configure_isdp = cfg,
	    .configure_isdp_len = sizeof(cfg),
	    .store_metadata = out->smd,
	    .store_metadata_len = out->smd_len,
	    .upp = g_sealed ? NULL : upp,
	    .upp_len = upp_len,
	    .sealed = g_sealed,
	    .stock = g_stock,
	    .replace_session_keys = ppk,
	    .mode = mode,
	};
	clock_gettime(CLOCK_MONOTONIC, &t0);
	out->bpp = NULL;
	assert_int_equal(bpp_build(f->accel, session, &in, &out->bpp, &out->len), g_build_rc);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	if (ms)
		*ms =
		    (double)(t1.tv_sec - t0.tv_sec) * 1e3 + (double)(t1.tv_nsec - t0.tv_nsec) / 1e6;
	der_buf_free(&b);
	pdp_session_close(f->accel, session);
}

/* Every segment of a built BPP is within SGP.22's limit; 86s are full but the last. */
static void check_segments(const uint8_t *bpp, size_t len, size_t upp_len)
{
	struct der_tlv top, c, seg;
	struct der_iter it, ci;
	size_t n86 = 0, full = 0;

	assert_int_equal(der_parse_exact(bpp, len, &top), 0);
	der_iter_init(&it, &top);
	while (der_iter_next(&it, &c) == 1) {
		if (c.tag == SGP22_TAG_ISC)
			continue;
		der_iter_init(&ci, &c);
		while (der_iter_next(&ci, &seg) == 1) {
			assert_true(seg.raw_len <= PDP_BSP_MAX_SEGMENT);
			if (seg.tag == 0x86) {
				n86++;
				full += seg.raw_len == PDP_BSP_MAX_SEGMENT;
			}
		}
	}
	assert_int_equal(n86, (upp_len + PDP_BSP_MAX_PLAIN_ENC - 1) / PDP_BSP_MAX_PLAIN_ENC);
	assert_true(full >= n86 - 1);
}

static void test_round_trip_ts48(void **state)
{
	struct fixture *f = *state;
	char **names;
	size_t n, i;
	double ms, total_ms[4] = {0};
	unsigned count[4] = {0};

	assert_int_equal(tu_ts48_files(&names, &n), 0);
	assert_int_equal(n, 36);
	for (i = 0; i < n; i++) {
		char rel[300];
		size_t upp_len;
		uint8_t *upp;
		unsigned variant = i % 4;
		bool ppk = variant & 1;
		enum bpp_seal_mode mode = variant & 2 ? BPP_SEAL_BATCH : BPP_SEAL_SYNC;
		struct bound bd;
		struct bpp_open_result res;
		struct bpp_open_error err;
		struct sgp22_isc isc;
		struct der_buf tbs;

		snprintf(rel, sizeof(rel), "ts48/%s", names[i]);
		upp = tu_load(tu_path(rel), &upp_len);
		assert_non_null(upp);
		bind(f, upp, upp_len, ppk, mode, &bd, &ms);
		total_ms[variant] += ms;
		count[variant]++;
		check_segments(bd.bpp, bd.len, upp_len);

		assert_int_equal(bpp_open(bd.bpp, bd.len, &bd.euicc, NULL, &res, &err), 0);
		assert_int_equal(res.has_ppk, ppk);
		assert_int_equal(res.upp_len, upp_len);
		assert_memory_equal(res.upp, upp, upp_len);
		assert_int_equal(res.store_metadata_len, bd.smd_len);
		assert_memory_equal(res.store_metadata, bd.smd, bd.smd_len);
		assert_int_equal(res.configure_isdp_len, 3);

		/* smdpSign verifies over signed_part || 5F49 41 euiccOtpk. */
		isc = res.isc;
		der_buf_init(&tbs);
		der_put_raw(&tbs, isc.signed_part.p, isc.signed_part.len);
		der_put(&tbs, SGP22_TAG_OTPK, f->euicc_otpk, SGP22_OTPK_LEN);
		assert_int_equal(pdp_verify(f->accel, PDP_CURVE_P256, f->dppb_pub, tbs.data,
					    tbs.len, isc.smdp_sign),
				 0);
		assert_int_equal(isc.signed_part.p[0], 0x82);
		der_buf_free(&tbs);
		free(res.mem);
		free(bd.bpp);
		free(upp);
	}
	printf("# bpp_build TS.48 (~12 KB) mean ms: sync %.3f, sync+PPK %.3f, batch %.3f, "
	       "batch+PPK %.3f\n",
	       total_ms[0] / count[0], total_ms[1] / count[1], total_ms[2] / count[2],
	       total_ms[3] / count[3]);
	tu_free_list(names, n);
}

/* Flip one byte inside segment @seg of @container; open must name that spot. */
/*
 * The card path's input on soft: each TS.48 UPP sealed as the inventory seals it, bound
 * with bpp_build(.sealed) (pdp_bsp_seal_sealed), opened by the eUICC to the same UPP;
 * a flipped ciphertext byte or another stock key: refused, no BPP.
 */
static void test_sealed_ts48(void **state)
{
	struct fixture *f = *state;
	char dir[] = "/tmp/test-bpp-sealed.XXXXXX", uri[64], uri2[64];
	struct pdp_stock_key *sk, *other;
	char **names;
	size_t n, i;

	assert_non_null(mkdtemp(dir));
	snprintf(uri, sizeof(uri), "file:%s/stock", dir);
	snprintf(uri2, sizeof(uri2), "file:%s/other", dir);
	assert_int_equal(pdp_stock_key_generate(f->accel, uri, &sk), 0);
	assert_int_equal(pdp_stock_key_generate(f->accel, uri2, &other), 0);
	assert_int_equal(tu_ts48_files(&names, &n), 0);
	for (i = 0; i < n; i++) {
		char rel[300];
		uint8_t aad[32] = "PDS\001", wrapped[40], nonce[12], tag[16], dk[32], *upp, *ct;
		size_t upp_len, aad_len;
		struct upp_header h;
		struct pdp_sealed_upp su;
		struct bound bd;
		struct bpp_open_result res;
		EVP_CIPHER_CTX *cx = EVP_CIPHER_CTX_new();
		int k;

		snprintf(rel, sizeof(rel), "ts48/%s", names[i]);
		upp = tu_load(tu_path(rel), &upp_len);
		assert_non_null(upp);
		assert_int_equal(upp_parse(upp, upp_len, &h), 0);
		aad_len = 4 + strlen(h.iccid);
		memcpy(aad + 4, h.iccid, strlen(h.iccid));
		ct = malloc(upp_len);
		assert_int_equal(pdp_random(f->accel, dk, sizeof(dk)), 0);
		assert_int_equal(pdp_random(f->accel, nonce, sizeof(nonce)), 0);
		assert_int_equal(pdp_stock_wrap(f->accel, sk, dk, wrapped), 0);
		assert_int_equal(EVP_EncryptInit_ex2(cx, EVP_aes_256_gcm(), dk, nonce, NULL), 1);
		assert_int_equal(EVP_EncryptUpdate(cx, NULL, &k, aad, (int)aad_len), 1);
		assert_int_equal(EVP_EncryptUpdate(cx, ct, &k, upp, (int)upp_len), 1);
		assert_int_equal(EVP_EncryptFinal_ex(cx, ct + k, &k), 1);
		assert_int_equal(EVP_CIPHER_CTX_ctrl(cx, EVP_CTRL_GCM_GET_TAG, 16, tag), 1);
		EVP_CIPHER_CTX_free(cx);
		su = (struct pdp_sealed_upp){aad, aad_len, wrapped, nonce, ct, upp_len, tag};
		g_sealed = &su;
		g_stock = sk;
		bind(f, upp, upp_len, i % 2, i % 4 >= 2 ? BPP_SEAL_BATCH : BPP_SEAL_SYNC, &bd, NULL);
		check_segments(bd.bpp, bd.len, upp_len);
		assert_int_equal(bpp_open(bd.bpp, bd.len, &bd.euicc, NULL, &res, NULL), 0);
		assert_int_equal(res.upp_len, upp_len);
		assert_memory_equal(res.upp, upp, upp_len);
		free(res.mem);
		free(bd.bpp);
		if (i < 4) {
			g_build_rc = -EBADMSG;
			ct[upp_len / 2] ^= 1;
			bind(f, upp, upp_len, true, BPP_SEAL_SYNC, &bd, NULL);
			assert_null(bd.bpp);
			ct[upp_len / 2] ^= 1;
			g_build_rc = -EKEYREJECTED;
			g_stock = other;
			bind(f, upp, upp_len, true, BPP_SEAL_SYNC, &bd, NULL);
			assert_null(bd.bpp);
			g_build_rc = 0;
		}
		g_sealed = NULL;
		g_stock = NULL;
		free(ct);
		free(upp);
	}
	tu_free_list(names, n);
	pdp_stock_key_free(sk);
	pdp_stock_key_free(other);
	snprintf(rel_dummy, sizeof(rel_dummy), "rm -rf %s", dir);
	assert_int_equal(system(rel_dummy), 0);
}

static void test_tamper(void **state)
{
	struct fixture *f = *state;
	static const struct {
		uint32_t container;
		unsigned seg;
		unsigned cmd;
	} cases[] = {
	    {0xA0, 0, SGP22_BPP_CMD_CONFIGURE_ISDP},
	    {0xA1, 0, SGP22_BPP_CMD_STORE_METADATA},
	    {0xA2, 0, SGP22_BPP_CMD_REPLACE_SESSION_KEYS},
	    {0xA3, 0, SGP22_BPP_CMD_LOAD_PROFILE_ELEMENTS},
	    {0xA3, 5, SGP22_BPP_CMD_LOAD_PROFILE_ELEMENTS},
	    {0xA3, 12, SGP22_BPP_CMD_LOAD_PROFILE_ELEMENTS},
	};
	size_t upp_len, i;
	uint8_t *upp = tu_load(tu_path("ts48/TS48v2_SAIP2.1_BERTLV.der"), &upp_len);

	assert_non_null(upp);
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct bound bd;
		struct bpp_open_result res;
		struct bpp_open_error err;
		struct der_tlv top, c, seg;
		struct der_iter it, ci;
		unsigned k = 0;
		bool hit = false;

		bind(f, upp, upp_len, true, BPP_SEAL_SYNC, &bd, NULL);
		assert_int_equal(der_parse_exact(bd.bpp, bd.len, &top), 0);
		der_iter_init(&it, &top);
		while (der_iter_next(&it, &c) == 1) {
			if (c.tag != cases[i].container)
				continue;
			der_iter_init(&ci, &c);
			while (der_iter_next(&ci, &seg) == 1)
				if (k++ == cases[i].seg) {
					((uint8_t *)seg.val)[seg.len / 2] ^= 0x01;
					hit = true;
				}
		}
		assert_true(hit);
		assert_int_equal(bpp_open(bd.bpp, bd.len, &bd.euicc, NULL, &res, &err), -EACCES);
		assert_int_equal(err.container, cases[i].container);
		assert_int_equal(err.segment, cases[i].seg);
		assert_int_equal(err.bpp_command_id, cases[i].cmd);
		assert_int_equal(err.error_reason, SGP22_ERR_SCP03T_SECURITY_ERROR);
		assert_null(res.mem);
		free(bd.bpp);
	}
	free(upp);
}

static void test_structure_errors(void **state)
{
	struct fixture *f = *state;
	size_t upp_len, cut;
	uint8_t *upp = tu_load(tu_path("ts48/TS48v1_A.der"), &upp_len);
	struct bound bd;
	struct bpp_open_result res;
	struct bpp_open_error err;
	struct pdp_scp03t s;

	assert_non_null(upp);
	bind(f, upp, upp_len, false, BPP_SEAL_BATCH, &bd, NULL);
	/* Any truncation fails cleanly. */
	for (cut = 0; cut < bd.len; cut += 97) {
		s = bd.euicc;
		assert_int_not_equal(bpp_open(bd.bpp, cut, &s, NULL, &res, &err), 0);
		assert_null(res.mem);
	}
	/* Trailing garbage. */
	{
		uint8_t *big = malloc(bd.len + 1);

		memcpy(big, bd.bpp, bd.len);
		big[bd.len] = 0;
		s = bd.euicc;
		assert_int_equal(bpp_open(big, bd.len + 1, &s, NULL, &res, &err), -EBADMSG);
		assert_int_equal(err.container, SGP22_TAG_BPP);
		free(big);
	}
	/* Wrong session keys: A0 fails first. */
	s = bd.euicc;
	s.s_mac[3] ^= 0x40;
	assert_int_equal(bpp_open(bd.bpp, bd.len, &s, NULL, &res, &err), -EACCES);
	assert_int_equal(err.container, 0xA0);
	/* ISC with an unsupported key type. */
	{
		uint8_t *p = memmem(bd.bpp, bd.len, "\xA6", 1);

		assert_non_null(p);
		assert_int_equal(p[2], 0x80);
		p[4] = 0x89;
		s = bd.euicc;
		assert_int_equal(bpp_open(bd.bpp, bd.len, &s, NULL, &res, &err), -EBADMSG);
		assert_int_equal(err.container, SGP22_TAG_ISC);
		assert_int_equal(err.bpp_command_id, SGP22_BPP_CMD_ISC);
		p[4] = 0x88;
	}
	/* Bad inputs to the builder change nothing and fail with -EINVAL. */
	{
		struct pdp_session *session;
		uint8_t ot[PDP_PUBKEY_LEN], *out = NULL;
		size_t out_len = 0;
		static const uint8_t cfg[] = {0xBF, 0x24, 0x00};
		struct bpp_build_in in = {.isc = bd.bpp + 4,
					  .isc_len = 10,
					  .configure_isdp = cfg,
					  .configure_isdp_len = 3,
					  .store_metadata = bd.smd,
					  .store_metadata_len = bd.smd_len,
					  .upp = upp,
					  .upp_len = upp_len};

		assert_int_equal(pdp_session_create(f->accel, PDP_CURVE_P256, f->euicc_otpk,
						    HOST_ID, 8, EID, ot, &session),
				 0);
		assert_int_equal(bpp_build(f->accel, session, &in, &out, &out_len), -EINVAL);
		assert_null(out);
		pdp_session_close(f->accel, session);
	}
	free(bd.bpp);
	free(upp);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_vector_bpp),
	    cmocka_unit_test(test_round_trip_ts48),
	    cmocka_unit_test(test_sealed_ts48),
	    cmocka_unit_test(test_tamper),
	    cmocka_unit_test(test_structure_errors),
	};

	cmocka_set_message_output(CM_OUTPUT_TAP);
	return cmocka_run_group_tests(tests, setup, teardown);
}
