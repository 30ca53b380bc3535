// SPDX-License-Identifier: Apache-2.0
/*
 * The soft backend through accel.h: keys, sign/verify on both curves (cross-
 * checked with plain OpenSSL), sessions checked the way an eUICC would check
 * them (own ECDH + pdp_sgp22_derive + pdp_scp03t_open), ReplaceSessionKeys,
 * and async batches.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/pem.h>

#include "portdp/accel.h"
#include "portdp/scp03t.h"
#include "test_util.h"

#define NIST_SK "sgp26/dpauth/SK_S_SM_DPauth_ECDSA_NIST.pem"
#define NIST_PK "sgp26/dpauth/PK_S_SM_DPauth_ECDSA_NIST.pem"
#define BRP_SK "sgp26/dppb/SK_S_SM_DPpb_ECDSA_BRP.pem"
#define BRP_PK "sgp26/dppb/PK_S_SM_DPpb_ECDSA_BRP.pem"

static const uint8_t host_id[8] = {0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80};
static const uint8_t eid[16] = {0x89, 0x04, 0x90, 0x32, 0x12, 0x34, 0x51, 0x23,
				0x45, 0x12, 0x34, 0x56, 0x78, 0x90, 0x12, 0x35};

static struct pdp_accel *accel_open(void)
{
	struct pdp_accel *a = NULL;

	assert_int_equal(pdp_accel_open("soft:", &a), 0);
	assert_non_null(a);
	return a;
}

static struct pdp_key *key_open(struct pdp_accel *a, const char *rel)
{
	char uri[4200];
	struct pdp_key *k = NULL;

	snprintf(uri, sizeof(uri), "file:%s", td_path(rel));
	assert_int_equal(pdp_key_load(a, uri, &k), 0);
	return k;
}

static EVP_PKEY *pem_pkey(const char *rel, int priv)
{
	FILE *f = fopen(td_path(rel), "r");
	EVP_PKEY *k;

	assert_non_null(f);
	k = priv ? PEM_read_PrivateKey(f, NULL, NULL, NULL) : PEM_read_PUBKEY(f, NULL, NULL, NULL);
	fclose(f);
	assert_non_null(k);
	return k;
}

static void pkey_point(EVP_PKEY *k, uint8_t pub[PDP_PUBKEY_LEN])
{
	size_t n;

	assert_int_equal(
	    EVP_PKEY_get_octet_string_param(k, OSSL_PKEY_PARAM_PUB_KEY, pub, PDP_PUBKEY_LEN, &n),
	    1);
	assert_int_equal(n, PDP_PUBKEY_LEN);
}

static void test_open_uris(void **state)
{
	struct pdp_accel *a = NULL;

	(void)state;
	assert_int_equal(pdp_accel_open("dev:/dev/portdp-accel0", &a), -ENODEV);
	assert_int_equal(pdp_accel_open("bogus:", &a), -EINVAL);
	assert_int_equal(pdp_accel_open("soft:extra", &a), -EINVAL);
	assert_int_equal(pdp_accel_open("soft", &a), -EINVAL);
	assert_null(a);
	unsetenv("PORTDP_ACCEL");
	assert_int_equal(pdp_accel_open(NULL, &a), 0);
	assert_string_equal(pdp_accel_backend(a), "soft");
	pdp_accel_close(a);
}

static void test_key_load(void **state)
{
	struct pdp_accel *a = accel_open();
	uint8_t pub[PDP_PUBKEY_LEN], exp[PDP_PUBKEY_LEN];
	struct pdp_key *k = NULL;
	enum pdp_curve c;
	char uri[4200];
	EVP_PKEY *pk;

	(void)state;
	k = key_open(a, NIST_SK);
	assert_int_equal(pdp_key_public(k, pub, &c), 0);
	assert_int_equal(c, PDP_CURVE_P256);
	pk = pem_pkey(NIST_PK, 0);
	pkey_point(pk, exp);
	assert_memory_equal(pub, exp, PDP_PUBKEY_LEN);
	EVP_PKEY_free(pk);
	pdp_key_free(k);

	k = key_open(a, BRP_SK);
	assert_int_equal(pdp_key_public(k, pub, &c), 0);
	assert_int_equal(c, PDP_CURVE_BP256R1);
	pk = pem_pkey(BRP_PK, 0);
	pkey_point(pk, exp);
	assert_memory_equal(pub, exp, PDP_PUBKEY_LEN);
	EVP_PKEY_free(pk);
	pdp_key_free(k);

	k = NULL;
	assert_int_equal(pdp_key_load(a, "file:/nonexistent/key.pem", &k), -ENOENT);
	snprintf(uri, sizeof(uri), "file:%s", td_path(NIST_PK)); /* public only */
	assert_int_equal(pdp_key_load(a, uri, &k), -EINVAL);
	snprintf(uri, sizeof(uri), "%s", td_path(NIST_SK)); /* no scheme */
	assert_int_equal(pdp_key_load(a, uri, &k), -EINVAL);
	assert_int_equal(pdp_key_load(a, "slot:1", &k), -EINVAL);
	assert_null(k);
	pdp_accel_close(a);
}

/* Verify @sig with plain OpenSSL: an independent check of our encoding. */
static int openssl_verify(EVP_PKEY *pk, const uint8_t *msg, size_t len, const uint8_t *raw)
{
	uint8_t der[PDP_SIG_DER_MAX];
	size_t dlen = sizeof(der);
	EVP_MD_CTX *md = EVP_MD_CTX_new();
	int ok;

	assert_int_equal(pdp_sig_raw_to_der(raw, der, &dlen), 0);
	assert_int_equal(EVP_DigestVerifyInit_ex(md, NULL, "SHA256", NULL, NULL, pk, NULL), 1);
	ok = EVP_DigestVerify(md, der, dlen, msg, len);
	EVP_MD_CTX_free(md);
	return ok;
}

static void openssl_sign(EVP_PKEY *sk, const uint8_t *msg, size_t len, uint8_t raw[PDP_SIG_LEN])
{
	uint8_t der[PDP_SIG_DER_MAX];
	size_t dlen = sizeof(der);
	EVP_MD_CTX *md = EVP_MD_CTX_new();

	assert_int_equal(EVP_DigestSignInit_ex(md, NULL, "SHA256", NULL, NULL, sk, NULL), 1);
	assert_int_equal(EVP_DigestSign(md, der, &dlen, msg, len), 1);
	assert_int_equal(pdp_sig_der_to_raw(der, dlen, raw), 0);
	EVP_MD_CTX_free(md);
}

static void sign_verify_curve(const char *sk_rel, const char *pk_rel, enum pdp_curve curve)
{
	struct pdp_accel *a = accel_open();
	struct pdp_key *k = key_open(a, sk_rel);
	uint8_t msg[300], sig[PDP_SIG_LEN], sig2[PDP_SIG_LEN], pub[PDP_PUBKEY_LEN],
	    bad[PDP_SIG_LEN];
	EVP_PKEY *pk = pem_pkey(pk_rel, 0), *sk = pem_pkey(sk_rel, 1);
	enum pdp_curve other = curve == PDP_CURVE_P256 ? PDP_CURVE_BP256R1 : PDP_CURVE_P256;
	int i, r;

	memset(msg, 0x5a, sizeof(msg));
	assert_int_equal(pdp_key_public(k, pub, NULL), 0);
	for (i = 0; i < 20; i++) {
		msg[0] = i;
		assert_int_equal(pdp_sign(a, k, msg, sizeof(msg), sig), 0);
		assert_int_equal(pdp_verify(a, curve, pub, msg, sizeof(msg), sig), 0);
		assert_int_equal(openssl_verify(pk, msg, sizeof(msg), sig), 1);
		/* A signature from plain OpenSSL verifies with ours. */
		openssl_sign(sk, msg, sizeof(msg), sig2);
		assert_int_equal(pdp_verify(a, curve, pub, msg, sizeof(msg), sig2), 0);
		/* Other message, flipped bit: rejected. */
		msg[1] ^= 1;
		assert_int_equal(pdp_verify(a, curve, pub, msg, sizeof(msg), sig), -EBADMSG);
		msg[1] ^= 1;
		memcpy(bad, sig, sizeof(bad));
		bad[i % PDP_SIG_LEN] ^= 0x10;
		assert_int_equal(pdp_verify(a, curve, pub, msg, sizeof(msg), bad), -EBADMSG);
	}
	/* Empty message is legal. */
	assert_int_equal(pdp_sign(a, k, NULL, 0, sig), 0);
	assert_int_equal(pdp_verify(a, curve, pub, NULL, 0, sig), 0);
	/* Known-bad signatures: zero, and r = s = all ones (beyond the order). */
	memset(bad, 0, sizeof(bad));
	assert_int_equal(pdp_verify(a, curve, pub, msg, sizeof(msg), bad), -EBADMSG);
	memset(bad, 0xff, sizeof(bad));
	assert_int_equal(pdp_verify(a, curve, pub, msg, sizeof(msg), bad), -EBADMSG);
	/* The point is not on the other curve. */
	r = pdp_verify(a, other, pub, msg, sizeof(msg), sig);
	assert_true(r == -EINVAL || r == -EBADMSG);
	pub[40] ^= 1;
	assert_int_equal(pdp_verify(a, curve, pub, msg, sizeof(msg), sig), -EINVAL);
	pub[0] = 0x02;
	assert_int_equal(pdp_verify(a, curve, pub, msg, sizeof(msg), sig), -EINVAL);
	assert_int_equal(pdp_verify(a, PDP_CURVE_NONE, pub, msg, sizeof(msg), sig), -EINVAL);
	EVP_PKEY_free(pk);
	EVP_PKEY_free(sk);
	pdp_key_free(k);
	pdp_accel_close(a);
}

static void test_sign_verify_p256(void **state)
{
	(void)state;
	sign_verify_curve(NIST_SK, NIST_PK, PDP_CURVE_P256);
}

static void test_sign_verify_bp256(void **state)
{
	(void)state;
	sign_verify_curve(BRP_SK, BRP_PK, PDP_CURVE_BP256R1);
}

static void test_sig_der(void **state)
{
	uint8_t raw[PDP_SIG_LEN], back[PDP_SIG_LEN], der[PDP_SIG_DER_MAX];
	static const uint8_t nonmin[] = {0x30, 0x08, 0x02, 0x02, 0x00,
					 0x01, 0x02, 0x02, 0x00, 0x01};
	static const uint8_t negative[] = {0x30, 0x06, 0x02, 0x01, 0x81, 0x02, 0x01, 0x01};
	size_t n;

	(void)state;
	memset(raw, 0, sizeof(raw));
	raw[31] = 1;	/* r = 1 */
	raw[32] = 0x80; /* s has the high bit: needs a 00 pad */
	raw[63] = 1;
	n = sizeof(der);
	assert_int_equal(pdp_sig_raw_to_der(raw, der, &n), 0);
	assert_int_equal(n, 2 + 3 + 2 + 33);
	assert_int_equal(der[4], 0x01);
	assert_int_equal(der[7], 0x00);
	assert_int_equal(pdp_sig_der_to_raw(der, n, back), 0);
	assert_memory_equal(raw, back, sizeof(raw));
	n = 10;
	assert_int_equal(pdp_sig_raw_to_der(raw, der, &n), -ENOSPC);
	assert_int_equal(pdp_sig_der_to_raw(nonmin, sizeof(nonmin), back), -EINVAL);
	assert_int_equal(pdp_sig_der_to_raw(negative, sizeof(negative), back), -EINVAL);
	n = sizeof(der);
	assert_int_equal(pdp_sig_raw_to_der(raw, der, &n), 0);
	assert_int_equal(pdp_sig_der_to_raw(der, n - 1, back), -EINVAL);
}

/* The eUICC's side of the key agreement, done independently. */
static void euicc_derive(EVP_PKEY *otsk, const uint8_t ot_pub_dp[PDP_PUBKEY_LEN], const char *group,
			 struct pdp_scp03t *out)
{
	OSSL_PARAM params[] = {
	    OSSL_PARAM_construct_utf8_string(OSSL_PKEY_PARAM_GROUP_NAME, (char *)group, 0),
	    OSSL_PARAM_construct_octet_string(OSSL_PKEY_PARAM_PUB_KEY, (void *)ot_pub_dp,
					      PDP_PUBKEY_LEN),
	    OSSL_PARAM_construct_end(),
	};
	EVP_PKEY_CTX *fd = EVP_PKEY_CTX_new_from_name(NULL, "EC", NULL), *dx;
	EVP_PKEY *peer = NULL;
	uint8_t z[32];
	size_t zlen = sizeof(z);

	assert_int_equal(EVP_PKEY_fromdata_init(fd), 1);
	assert_int_equal(EVP_PKEY_fromdata(fd, &peer, EVP_PKEY_PUBLIC_KEY, params), 1);
	dx = EVP_PKEY_CTX_new_from_pkey(NULL, otsk, NULL);
	assert_int_equal(EVP_PKEY_derive_init(dx), 1);
	assert_int_equal(EVP_PKEY_derive_set_peer(dx, peer), 1);
	assert_int_equal(EVP_PKEY_derive(dx, z, &zlen), 1);
	assert_int_equal(zlen, 32);
	assert_int_equal(pdp_sgp22_derive(z, zlen, host_id, sizeof(host_id), eid, out), 0);
	EVP_PKEY_free(peer);
	EVP_PKEY_CTX_free(dx);
	EVP_PKEY_CTX_free(fd);
}

static void session_curve(enum pdp_curve curve, const char *group)
{
	struct pdp_accel *a = accel_open(), *b = accel_open();
	uint8_t euicc_pub[PDP_PUBKEY_LEN], ot_pub[PDP_PUBKEY_LEN], seg[PDP_BSP_MAX_SEGMENT];
	uint8_t plain[PDP_BSP_MAX_SEGMENT], in[1007], tag;
	struct pdp_session *s = NULL, *ppk = NULL;
	struct pdp_scp03t es, eppk;
	EVP_PKEY *otsk = EVP_PKEY_Q_keygen(NULL, NULL, "EC", group);
	size_t n, pn;
	int i;

	assert_non_null(otsk);
	pkey_point(otsk, euicc_pub);
	assert_int_equal(
	    pdp_session_create(a, curve, euicc_pub, host_id, sizeof(host_id), eid, ot_pub, &s), 0);
	assert_int_equal(ot_pub[0], 0x04);
	euicc_derive(otsk, ot_pub, group, &es);

	/* A0 (87) and A1 (88) with the session keys: the eUICC opens them. */
	n = sizeof(seg);
	assert_int_equal(pdp_bsp_seal(a, s, 0x87, (const uint8_t *)"\xbf\x24\x00", 3, seg, &n), 0);
	pn = sizeof(plain);
	assert_int_equal(pdp_scp03t_open(&es, seg, n, &tag, plain, &pn), 0);
	assert_int_equal(pn, 3);
	assert_memory_equal(plain, "\xbf\x24\x00", 3);
	memset(in, 0x42, sizeof(in));
	n = sizeof(seg);
	assert_int_equal(pdp_bsp_seal(a, s, 0x88, in, 1008 - 1, seg, &n), 0);
	pn = sizeof(plain);
	assert_int_equal(pdp_scp03t_open(&es, seg, n, &tag, plain, &pn), 0);
	assert_int_equal(tag, 0x88);

	/* A2: ReplaceSessionKeys, then A3 with the PPKs. */
	n = sizeof(seg);
	assert_int_equal(pdp_session_replace_keys(a, s, seg, &n, &ppk), 0);
	pn = sizeof(plain);
	assert_int_equal(pdp_scp03t_open(&es, seg, n, &tag, plain, &pn), 0);
	assert_int_equal(tag, 0x87);
	assert_int_equal(pn, 3 + 3 * 18);
	assert_memory_equal(plain, "\xbf\x26\x36\x80\x10", 5);
	assert_memory_equal(plain + 21, "\x81\x10", 2);
	assert_memory_equal(plain + 39, "\x82\x10", 2);
	/* rsp.asn order: [0] initialMacChainingValue, [1] ppkEnc, [2] ppkCmac */
	pdp_scp03t_init(&eppk, plain + 23, plain + 41, plain + 5);
	assert_memory_not_equal(eppk.s_enc, es.s_enc, 16);
	for (i = 0; i < 5; i++) {
		in[0] = i;
		n = sizeof(seg);
		assert_int_equal(pdp_bsp_seal(a, ppk, 0x86, in, i == 4 ? 100 : 1007, seg, &n), 0);
		pn = sizeof(plain);
		assert_int_equal(pdp_scp03t_open(&eppk, seg, n, &tag, plain, &pn), 0);
		assert_int_equal(tag, 0x86);
		assert_memory_equal(plain, in, pn);
		/* The session keys cannot open a PPK segment. */
		pn = sizeof(plain);
		assert_int_equal(pdp_scp03t_open(&es, seg, n, &tag, plain, &pn), -EBADMSG);
	}
	/* The original session still runs on. */
	n = sizeof(seg);
	assert_int_equal(pdp_bsp_seal(a, s, 0x87, in, 16, seg, &n), 0);
	pn = sizeof(plain);
	assert_int_equal(pdp_scp03t_open(&es, seg, n, &tag, plain, &pn), 0);

	/* Sessions belong to their accel. */
	n = sizeof(seg);
	assert_int_equal(pdp_bsp_seal(b, s, 0x87, in, 16, seg, &n), -EINVAL);
	assert_int_equal(pdp_bsp_seal(a, s, 0x87, in, 1008, seg, &n), -EINVAL);
	n = 100;
	assert_int_equal(pdp_bsp_seal(a, s, 0x87, in, 200, seg, &n), -ENOSPC);
	n = 50;
	assert_int_equal(pdp_session_replace_keys(a, s, seg, &n, &ppk), -ENOSPC);
	pdp_session_close(a, ppk);
	pdp_session_close(a, s);

	/* Bad peer points and host ids. */
	euicc_pub[64] ^= 1;
	s = NULL;
	assert_int_equal(
	    pdp_session_create(a, curve, euicc_pub, host_id, sizeof(host_id), eid, ot_pub, &s),
	    -EINVAL);
	euicc_pub[64] ^= 1;
	assert_int_equal(pdp_session_create(a, curve, euicc_pub, host_id, 0, eid, ot_pub, &s),
			 -EINVAL);
	assert_int_equal(pdp_session_create(a, curve, euicc_pub, host_id, 17, eid, ot_pub, &s),
			 -EINVAL);
	assert_null(s);
	EVP_PKEY_free(otsk);
	pdp_accel_close(a);
	pdp_accel_close(b);
}

static void test_session_p256(void **state)
{
	(void)state;
	session_curve(PDP_CURVE_P256, "prime256v1");
}

static void test_session_bp256(void **state)
{
	(void)state;
	session_curve(PDP_CURVE_BP256R1, "brainpoolP256r1");
}

#define BATCH 64

static void test_async_batch(void **state)
{
	struct pdp_accel *a = accel_open();
	struct pdp_key *k = key_open(a, NIST_SK);
	static struct pdp_op ops[BATCH], *ptrs[BATCH], *done[BATCH + 8];
	static uint8_t sigs[BATCH][PDP_SIG_LEN], rnd[BATCH][32], segs[BATCH][64];
	static uint8_t ot[BATCH][PDP_PUBKEY_LEN];
	uint8_t pub[PDP_PUBKEY_LEN], msg[32] = "async message", euicc_pub[PDP_PUBKEY_LEN];
	EVP_PKEY *otsk = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "prime256v1");
	struct pdp_session *s;
	int i, n, seen = 0;

	(void)state;
	pkey_point(otsk, euicc_pub);
	assert_int_equal(pdp_key_public(k, pub, NULL), 0);
	assert_int_equal(
	    pdp_session_create(a, PDP_CURVE_P256, euicc_pub, host_id, 8, eid, ot[0], &s), 0);
	/* Signatures first so the verifies in the same batch have input. */
	for (i = 0; i < BATCH; i++) {
		assert_int_equal(pdp_sign(a, k, msg, sizeof(msg), sigs[i]), 0);
		if (i % 7 == 3)
			sigs[i][5] ^= 1; /* these verifies must fail */
	}
	for (i = 0; i < BATCH; i++) {
		struct pdp_op *op = &ops[i];

		memset(op, 0, sizeof(*op));
		op->user = (void *)(long)i;
		ptrs[i] = op;
		switch (i % 5) {
		case 0:
			op->type = PDP_OP_SIGN;
			op->u.sign.key = k;
			op->u.sign.msg = msg;
			op->u.sign.msg_len = sizeof(msg);
			op->u.sign.sig = sigs[i];
			break;
		case 1:
			op->type = PDP_OP_VERIFY;
			op->u.verify.curve = PDP_CURVE_P256;
			op->u.verify.pub = pub;
			op->u.verify.msg = msg;
			op->u.verify.msg_len = sizeof(msg);
			op->u.verify.sig = sigs[i];
			break;
		case 2:
			op->type = PDP_OP_SESSION_CREATE;
			op->u.session_create.curve = PDP_CURVE_P256;
			op->u.session_create.peer_pub = euicc_pub;
			op->u.session_create.host_id = host_id;
			op->u.session_create.host_id_len = 8;
			op->u.session_create.eid = eid;
			op->u.session_create.ot_pub = ot[i];
			break;
		case 3:
			op->type = PDP_OP_BSP_SEAL;
			op->u.seal.session = s;
			op->u.seal.tag = i == 3 ? 0x99 : 0x87; /* one invalid op */
			op->u.seal.in = msg;
			op->u.seal.in_len = 20;
			op->u.seal.out = segs[i];
			op->u.seal.out_len = sizeof(segs[i]);
			break;
		default:
			op->type = PDP_OP_RANDOM;
			op->u.random.buf = rnd[i];
			op->u.random.len = sizeof(rnd[i]);
			break;
		}
		op->status = 1; /* must be overwritten */
	}
	assert_int_equal(pdp_submit(a, ptrs, BATCH), BATCH);
	assert_int_equal(pdp_inflight(a), BATCH);
	n = pdp_reap(a, done, 10, 1);
	assert_int_equal(n, 10);
	n += pdp_reap(a, done + 10, BATCH + 8 - 10, 0);
	assert_int_equal(n, BATCH);
	assert_int_equal(pdp_inflight(a), 0);
	assert_int_equal(pdp_reap(a, done, 4, 0), 0);
	for (i = 0; i < n; i++) {
		struct pdp_op *op = done[i];
		int idx = (int)(long)op->user;

		assert_ptr_equal(op, &ops[idx]);
		seen++;
		switch (op->type) {
		case PDP_OP_SIGN:
			assert_int_equal(op->status, 0);
			assert_int_equal(
			    pdp_verify(a, PDP_CURVE_P256, pub, msg, sizeof(msg), sigs[idx]), 0);
			break;
		case PDP_OP_VERIFY:
			assert_int_equal(op->status, idx % 7 == 3 ? -EBADMSG : 0);
			break;
		case PDP_OP_SESSION_CREATE:
			assert_int_equal(op->status, 0);
			assert_non_null(op->u.session_create.session);
			pdp_session_close(a, op->u.session_create.session);
			break;
		case PDP_OP_BSP_SEAL:
			if (idx == 3) {
				assert_int_equal(op->status, -EINVAL);
			} else {
				assert_int_equal(op->status, 0);
				assert_int_equal(op->u.seal.out_len, 2 + 32 + 8);
			}
			break;
		case PDP_OP_RANDOM:
			assert_int_equal(op->status, 0);
			assert_memory_not_equal(rnd[idx], rnd[(idx + 5) % BATCH], 32);
			break;
		}
	}
	assert_int_equal(seen, BATCH);
	pdp_session_close(a, s);
	EVP_PKEY_free(otsk);
	pdp_key_free(k);
	pdp_accel_close(a);
}

static void test_async_queue_full(void **state)
{
	struct pdp_accel *a = accel_open();
	static struct pdp_op ops[1100], *ptrs[1100], *done[1100];
	static uint8_t buf[1100][4];
	int i, n, total = 0;

	(void)state;
	for (i = 0; i < 1100; i++) {
		ops[i].type = PDP_OP_RANDOM;
		ops[i].u.random.buf = buf[i];
		ops[i].u.random.len = 4;
		ptrs[i] = &ops[i];
	}
	n = pdp_submit(a, ptrs, 1100);
	assert_true(n > 0 && n < 1100);
	assert_int_equal(pdp_submit(a, ptrs + n, 1100 - n), -EAGAIN);
	total = n;
	n = pdp_reap(a, done, 1100, 0);
	assert_int_equal(n, total);
	n = pdp_submit(a, ptrs + total, 1100 - total);
	assert_int_equal(n, 1100 - total);
	assert_int_equal(pdp_reap(a, done, 1100, 1100 - total), 1100 - total);
	pdp_accel_close(a);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_open_uris),	     cmocka_unit_test(test_key_load),
	    cmocka_unit_test(test_sign_verify_p256), cmocka_unit_test(test_sign_verify_bp256),
	    cmocka_unit_test(test_sig_der),	     cmocka_unit_test(test_session_p256),
	    cmocka_unit_test(test_session_bp256),    cmocka_unit_test(test_async_batch),
	    cmocka_unit_test(test_async_queue_full),
	};

	cmocka_set_message_output(CM_OUTPUT_TAP);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
