// SPDX-License-Identifier: Apache-2.0
/*
 * The accel.h test-suite for any backend (see api_suite.h). Signatures are
 * checked with plain OpenSSL both ways; sessions the way an eUICC checks
 * them: its own ECDH with otPK.DP.ECKA, pdp_sgp22_derive, pdp_scp03t_open.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>
#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/kdf.h>
#include <openssl/rand.h>

#include "api_suite.h"
#include "portdp/scp03t.h"

static const struct api_backend *B;

static const uint8_t host_id[8] = {0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80};
static const uint8_t eid[16] = {0x89, 0x04, 0x90, 0x32, 0x12, 0x34, 0x51, 0x23,
				0x45, 0x12, 0x34, 0x56, 0x78, 0x90, 0x12, 0x35};

const struct api_backend *api_backend(void)
{
	return B;
}

struct pdp_accel *api_open(void)
{
	struct pdp_accel *a = NULL;

	assert_int_equal(pdp_accel_open(B->uri, &a), 0);
	assert_non_null(a);
	return a;
}

struct pdp_key *api_key(struct pdp_accel *a, enum pdp_curve curve)
{
	struct pdp_key *k = NULL;

	assert_int_equal(pdp_key_load(a, B->key_uri(curve), &k), 0);
	assert_non_null(k);
	return k;
}

static const char *group(enum pdp_curve c)
{
	return c == PDP_CURVE_P256 ? "prime256v1" : "brainpoolP256r1";
}

/* Skip a curve the backend does not offer (a card without brainpool). */
static int have_curve(enum pdp_curve c)
{
	struct pdp_accel *a = api_open();
	struct pdp_accel_info info;

	assert_int_equal(pdp_accel_info(a, &info), 0);
	pdp_accel_close(a);
	return !!(info.caps & (c == PDP_CURVE_P256 ? PDP_ACCEL_CAP_P256 : PDP_ACCEL_CAP_BP256R1));
}

static EVP_PKEY *point_pkey(enum pdp_curve c, const uint8_t pub[PDP_PUBKEY_LEN])
{
	OSSL_PARAM params[] = {
	    OSSL_PARAM_construct_utf8_string(OSSL_PKEY_PARAM_GROUP_NAME, (char *)group(c), 0),
	    OSSL_PARAM_construct_octet_string(OSSL_PKEY_PARAM_PUB_KEY, (void *)pub, PDP_PUBKEY_LEN),
	    OSSL_PARAM_construct_end(),
	};
	EVP_PKEY_CTX *ctx = EVP_PKEY_CTX_new_from_name(NULL, "EC", NULL);
	EVP_PKEY *k = NULL;

	assert_int_equal(EVP_PKEY_fromdata_init(ctx), 1);
	assert_int_equal(EVP_PKEY_fromdata(ctx, &k, EVP_PKEY_PUBLIC_KEY, params), 1);
	EVP_PKEY_CTX_free(ctx);
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

/* ---- keys ------------------------------------------------------------ */

static void t_key_handles(void **state)
{
	struct pdp_accel *a = api_open(), *b = api_open();
	uint8_t pub[PDP_PUBKEY_LEN], sig[PDP_SIG_LEN];
	struct pdp_key *k = api_key(a, PDP_CURVE_P256), *k2 = NULL;
	enum pdp_curve c = PDP_CURVE_NONE;
	EVP_PKEY *pk;

	(void)state;
	assert_int_equal(pdp_key_public(k, pub, &c), 0);
	assert_int_equal(c, PDP_CURVE_P256);
	pk = point_pkey(c, pub); /* asserts the point is on the curve */
	EVP_PKEY_free(pk);
	assert_int_equal(pdp_key_load(a, B->foreign_uri, &k2), -EINVAL);
	assert_int_equal(pdp_key_load(a, "", &k2), -EINVAL);
	assert_int_equal(pdp_key_load(a, NULL, &k2), -EINVAL);
	assert_int_equal(pdp_key_load(NULL, B->key_uri(PDP_CURVE_P256), &k2), -EINVAL);
	assert_null(k2);
	assert_int_equal(pdp_key_public(NULL, pub, &c), -EINVAL);
	/* A key belongs to the accel that loaded it. */
	assert_int_equal(pdp_sign(b, k, (const uint8_t *)"x", 1, sig), -EINVAL);
	pdp_key_free(k);
	pdp_key_free(NULL);
	pdp_accel_close(a);
	pdp_accel_close(b);
}

static void t_key_generate_destroy(void **state)
{
	struct pdp_accel *a = api_open();
	uint8_t pub[PDP_PUBKEY_LEN], pub2[PDP_PUBKEY_LEN], sig[PDP_SIG_LEN];
	const char *uri = B->scratch_uri(0);
	struct pdp_key *k = NULL, *k2 = NULL;
	enum pdp_curve c;

	(void)state;
	pdp_key_destroy(a, uri); /* left over from an earlier run, if at all */
	assert_int_equal(pdp_key_generate(a, uri, PDP_CURVE_P256, &k), 0);
	assert_int_equal(pdp_key_public(k, pub, &c), 0);
	assert_int_equal(c, PDP_CURVE_P256);
	assert_int_equal(pdp_sign(a, k, (const uint8_t *)"gen", 3, sig), 0);
	assert_int_equal(pdp_verify(a, c, pub, (const uint8_t *)"gen", 3, sig), 0);
	/* Never overwritten; loading it again gives the same key. */
	assert_int_equal(pdp_key_generate(a, uri, PDP_CURVE_P256, &k2), -EEXIST);
	assert_null(k2);
	assert_int_equal(pdp_key_load(a, uri, &k2), 0);
	assert_int_equal(pdp_key_public(k2, pub2, NULL), 0);
	assert_memory_equal(pub, pub2, PDP_PUBKEY_LEN);
	pdp_key_free(k2);
	k2 = NULL;
	/* Two keys are different keys. */
	pdp_key_destroy(a, B->scratch_uri(1));
	assert_int_equal(pdp_key_generate(a, B->scratch_uri(1), PDP_CURVE_P256, &k2), 0);
	assert_int_equal(pdp_key_public(k2, pub2, NULL), 0);
	assert_memory_not_equal(pub, pub2, PDP_PUBKEY_LEN);
	pdp_key_free(k2);
	assert_int_equal(pdp_key_destroy(a, B->scratch_uri(1)), 0);

	assert_int_equal(pdp_key_destroy(a, uri), 0);
	assert_int_equal(pdp_key_destroy(a, uri), -ENOENT);
	k2 = NULL;
	assert_int_equal(pdp_key_load(a, uri, &k2), -ENOENT);
	assert_int_equal(pdp_key_generate(a, uri, PDP_CURVE_NONE, &k2), -EINVAL);
	assert_int_equal(pdp_key_generate(a, uri, 9, &k2), -EINVAL);
	assert_int_equal(pdp_key_generate(a, B->foreign_uri, PDP_CURVE_P256, &k2), -EINVAL);
	assert_int_equal(pdp_key_destroy(a, B->foreign_uri), -EINVAL);
	assert_null(k2);
	assert_int_equal(pdp_key_load(a, uri, &k2), -ENOENT); /* the bad calls made nothing */
	pdp_key_free(k);
	pdp_accel_close(a);
}

/* ---- ECDSA ----------------------------------------------------------- */

static void sign_verify_curve(enum pdp_curve curve)
{
	struct pdp_accel *a = api_open();
	struct pdp_key *k = api_key(a, curve);
	uint8_t msg[300], sig[PDP_SIG_LEN], sig2[PDP_SIG_LEN], pub[PDP_PUBKEY_LEN],
	    opub[PDP_PUBKEY_LEN], bad[PDP_SIG_LEN];
	EVP_PKEY *pk, *osk = EVP_PKEY_Q_keygen(NULL, NULL, "EC", group(curve));
	enum pdp_curve other = curve == PDP_CURVE_P256 ? PDP_CURVE_BP256R1 : PDP_CURVE_P256;
	int i, r;

	assert_non_null(osk);
	pkey_point(osk, opub);
	memset(msg, 0x5a, sizeof(msg));
	assert_int_equal(pdp_key_public(k, pub, NULL), 0);
	pk = point_pkey(curve, pub);
	for (i = 0; i < 10; i++) {
		msg[0] = i;
		assert_int_equal(pdp_sign(a, k, msg, sizeof(msg), sig), 0);
		assert_int_equal(pdp_verify(a, curve, pub, msg, sizeof(msg), sig), 0);
		assert_int_equal(openssl_verify(pk, msg, sizeof(msg), sig), 1);
		/* A signature from plain OpenSSL verifies with ours. */
		openssl_sign(osk, msg, sizeof(msg), sig2);
		assert_int_equal(pdp_verify(a, curve, opub, msg, sizeof(msg), sig2), 0);
		msg[1] ^= 1;
		assert_int_equal(pdp_verify(a, curve, pub, msg, sizeof(msg), sig), -EBADMSG);
		assert_int_equal(pdp_verify(a, curve, opub, msg, sizeof(msg), sig2), -EBADMSG);
		msg[1] ^= 1;
		memcpy(bad, sig, sizeof(bad));
		bad[(i * 7) % PDP_SIG_LEN] ^= 0x10;
		assert_int_equal(pdp_verify(a, curve, pub, msg, sizeof(msg), bad), -EBADMSG);
	}
	assert_int_equal(pdp_sign(a, k, NULL, 0, sig), 0);
	assert_int_equal(pdp_verify(a, curve, pub, NULL, 0, sig), 0);
	assert_int_equal(openssl_verify(pk, NULL, 0, sig), 1);
	memset(bad, 0, sizeof(bad));
	assert_int_equal(pdp_verify(a, curve, pub, msg, sizeof(msg), bad), -EBADMSG);
	memset(bad, 0xff, sizeof(bad));
	assert_int_equal(pdp_verify(a, curve, pub, msg, sizeof(msg), bad), -EBADMSG);
	r = pdp_verify(a, other, pub, msg, sizeof(msg), sig);
	assert_true(r == -EINVAL || r == -EBADMSG);
	pub[40] ^= 1;
	assert_int_equal(pdp_verify(a, curve, pub, msg, sizeof(msg), sig), -EINVAL);
	pub[0] = 0x02;
	assert_int_equal(pdp_verify(a, curve, pub, msg, sizeof(msg), sig), -EINVAL);
	assert_int_equal(pdp_verify(a, PDP_CURVE_NONE, pub, msg, sizeof(msg), sig), -EINVAL);
	assert_int_equal(pdp_verify(a, curve, NULL, msg, sizeof(msg), sig), -EINVAL);
	assert_int_equal(pdp_verify(a, curve, opub, NULL, 5, sig), -EINVAL);
	assert_int_equal(pdp_sign(a, k, NULL, 5, sig), -EINVAL);
	assert_int_equal(pdp_sign(a, k, msg, 5, NULL), -EINVAL);
	assert_int_equal(pdp_sign(a, NULL, msg, 5, sig), -EINVAL);
	EVP_PKEY_free(pk);
	EVP_PKEY_free(osk);
	pdp_key_free(k);
	pdp_accel_close(a);
}

static void t_sign_verify_p256(void **state)
{
	(void)state;
	sign_verify_curve(PDP_CURVE_P256);
}

static void t_sign_verify_bp256(void **state)
{
	(void)state;
	if (!have_curve(PDP_CURVE_BP256R1))
		skip();
	sign_verify_curve(PDP_CURVE_BP256R1);
}

static void sign_digest_curve(enum pdp_curve curve)
{
	struct pdp_accel *a = api_open();
	struct pdp_key *k = api_key(a, curve);
	uint8_t dg[PDP_DIGEST_MAX], sig[PDP_SIG_LEN], der[PDP_SIG_DER_MAX], pub[PDP_PUBKEY_LEN];
	static const size_t lens[] = {1, 20, 32, 48, 64};
	EVP_PKEY_CTX *vctx;
	EVP_PKEY *pk;
	size_t i, dl;

	assert_int_equal(pdp_key_public(k, pub, NULL), 0);
	pk = point_pkey(curve, pub);
	vctx = EVP_PKEY_CTX_new_from_pkey(NULL, pk, NULL);
	assert_int_equal(EVP_PKEY_verify_init(vctx), 1);
	for (i = 0; i < sizeof(lens) / sizeof(lens[0]); i++) {
		memset(dg, 0xa0 + (int)i, sizeof(dg));
		dg[lens[i] - 1] = 0x01;
		assert_int_equal(pdp_sign_digest(a, k, dg, lens[i], sig), 0);
		dl = sizeof(der);
		assert_int_equal(pdp_sig_raw_to_der(sig, der, &dl), 0);
		/* OpenSSL's raw verify applies the same truncation to long digests. */
		assert_int_equal(EVP_PKEY_verify(vctx, der, dl, dg, lens[i]), 1);
		dg[0] ^= 1;
		assert_int_not_equal(EVP_PKEY_verify(vctx, der, dl, dg, lens[i]), 1);
	}
	assert_int_equal(EVP_Digest("abc", 3, dg, NULL, EVP_sha256(), NULL), 1);
	assert_int_equal(pdp_sign_digest(a, k, dg, 32, sig), 0);
	assert_int_equal(pdp_verify(a, curve, pub, (const uint8_t *)"abc", 3, sig), 0);
	assert_int_equal(pdp_sign_digest(a, k, dg, 0, sig), -EINVAL);
	assert_int_equal(pdp_sign_digest(a, k, dg, PDP_DIGEST_MAX + 1, sig), -EINVAL);
	assert_int_equal(pdp_sign_digest(a, k, NULL, 32, sig), -EINVAL);
	assert_int_equal(pdp_sign_digest(a, k, dg, 32, NULL), -EINVAL);
	assert_int_equal(pdp_sign_digest(a, NULL, dg, 32, sig), -EINVAL);
	EVP_PKEY_CTX_free(vctx);
	EVP_PKEY_free(pk);
	pdp_key_free(k);
	pdp_accel_close(a);
}

static void t_sign_digest(void **state)
{
	(void)state;
	sign_digest_curve(PDP_CURVE_P256);
	if (have_curve(PDP_CURVE_BP256R1))
		sign_digest_curve(PDP_CURVE_BP256R1);
}

/* ---- static ECDH ----------------------------------------------------- */

static void ecdh_curve(enum pdp_curve curve)
{
	struct pdp_accel *a = api_open(), *b = api_open();
	struct pdp_key *k = api_key(a, curve);
	uint8_t peer_pub[PDP_PUBKEY_LEN], pub[PDP_PUBKEY_LEN], z[32], z2[32], bad[PDP_PUBKEY_LEN];
	EVP_PKEY *peer = EVP_PKEY_Q_keygen(NULL, NULL, "EC", group(curve)), *mine;
	EVP_PKEY_CTX *dx;
	size_t zl = sizeof(z2);

	pkey_point(peer, peer_pub);
	assert_int_equal(pdp_ecdh(a, k, peer_pub, z), 0);
	assert_int_equal(pdp_key_public(k, pub, NULL), 0);
	mine = point_pkey(curve, pub);
	dx = EVP_PKEY_CTX_new_from_pkey(NULL, peer, NULL);
	assert_int_equal(EVP_PKEY_derive_init(dx), 1);
	assert_int_equal(EVP_PKEY_derive_set_peer(dx, mine), 1);
	assert_int_equal(EVP_PKEY_derive(dx, z2, &zl), 1);
	assert_int_equal(zl, 32);
	assert_memory_equal(z, z2, 32);
	memcpy(bad, peer_pub, sizeof(bad));
	bad[64] ^= 1;
	assert_int_equal(pdp_ecdh(a, k, bad, z), -EINVAL);
	bad[64] ^= 1;
	bad[0] = 0x02;
	assert_int_equal(pdp_ecdh(a, k, bad, z), -EINVAL);
	assert_int_equal(pdp_ecdh(a, k, NULL, z), -EINVAL);
	assert_int_equal(pdp_ecdh(a, k, peer_pub, NULL), -EINVAL);
	assert_int_equal(pdp_ecdh(b, k, peer_pub, z), -EINVAL);
	EVP_PKEY_CTX_free(dx);
	EVP_PKEY_free(mine);
	EVP_PKEY_free(peer);
	pdp_key_free(k);
	pdp_accel_close(a);
	pdp_accel_close(b);
}

static void t_ecdh(void **state)
{
	struct pdp_accel *a = api_open();
	struct pdp_accel_info info;

	(void)state;
	assert_int_equal(pdp_accel_info(a, &info), 0);
	pdp_accel_close(a);
	if (!(info.caps & PDP_ACCEL_CAP_ECDH))
		skip(); /* the card's driver has no ECDH with a key slot (yet) */
	ecdh_curve(PDP_CURVE_P256);
	if (info.caps & PDP_ACCEL_CAP_BP256R1)
		ecdh_curve(PDP_CURVE_BP256R1);
}

/* ---- sessions -------------------------------------------------------- */

/* The eUICC's side of the key agreement, done independently. */
static void euicc_derive(EVP_PKEY *otsk, const uint8_t ot_pub_dp[PDP_PUBKEY_LEN],
			 enum pdp_curve curve, struct pdp_scp03t *out)
{
	EVP_PKEY *peer = point_pkey(curve, ot_pub_dp);
	EVP_PKEY_CTX *dx = EVP_PKEY_CTX_new_from_pkey(NULL, otsk, NULL);
	uint8_t z[32];
	size_t zlen = sizeof(z);

	assert_int_equal(EVP_PKEY_derive_init(dx), 1);
	assert_int_equal(EVP_PKEY_derive_set_peer(dx, peer), 1);
	assert_int_equal(EVP_PKEY_derive(dx, z, &zlen), 1);
	assert_int_equal(zlen, 32);
	assert_int_equal(pdp_sgp22_derive(z, zlen, host_id, sizeof(host_id), eid, out), 0);
	EVP_PKEY_free(peer);
	EVP_PKEY_CTX_free(dx);
}

static void session_curve(enum pdp_curve curve)
{
	struct pdp_accel *a = api_open(), *b = api_open();
	uint8_t euicc_pub[PDP_PUBKEY_LEN], ot_pub[PDP_PUBKEY_LEN], seg[PDP_BSP_MAX_SEGMENT];
	uint8_t plain[PDP_BSP_MAX_SEGMENT], in[1008], tag, mine[PDP_BSP_MAX_SEGMENT];
	struct pdp_session *s = NULL, *ppk = NULL;
	struct pdp_scp03t es, eppk, host;
	EVP_PKEY *otsk = EVP_PKEY_Q_keygen(NULL, NULL, "EC", group(curve));
	size_t n, pn, mn;
	int i;

	assert_non_null(otsk);
	pkey_point(otsk, euicc_pub);
	assert_int_equal(
	    pdp_session_create(a, curve, euicc_pub, host_id, sizeof(host_id), eid, ot_pub, &s), 0);
	assert_int_equal(ot_pub[0], 0x04);
	euicc_derive(otsk, ot_pub, curve, &es);
	host = es; /* the same keys in the library's explicit-key SCP03t: byte-for-byte check */

	n = sizeof(seg);
	assert_int_equal(pdp_bsp_seal(a, s, 0x87, (const uint8_t *)"\xbf\x24\x00", 3, seg, &n), 0);
	mn = sizeof(mine);
	assert_int_equal(pdp_scp03t_seal(&host, 0x87, (const uint8_t *)"\xbf\x24\x00", 3, mine, &mn),
			 0);
	assert_int_equal(n, mn);
	assert_memory_equal(seg, mine, n);
	pn = sizeof(plain);
	assert_int_equal(pdp_scp03t_open(&es, seg, n, &tag, plain, &pn), 0);
	assert_int_equal(pn, 3);
	assert_memory_equal(plain, "\xbf\x24\x00", 3);
	for (i = 0; i < (int)sizeof(in); i++)
		in[i] = i * 13;
	/* Every length class of the TLV header: short, 81 xx, 82 xx xx; 88 at its maximum. */
	{
		static const size_t lens[] = {1, 15, 16, 100, 117, 118, 240, 1007};

		for (i = 0; i < 8; i++) {
			uint8_t t = i % 2 ? 0x88 : 0x87;

			n = sizeof(seg);
			assert_int_equal(pdp_bsp_seal(a, s, t, in, lens[i], seg, &n), 0);
			mn = sizeof(mine);
			assert_int_equal(pdp_scp03t_seal(&host, t, in, lens[i], mine, &mn), 0);
			assert_int_equal(n, mn);
			assert_memory_equal(seg, mine, n);
			pn = sizeof(plain);
			assert_int_equal(pdp_scp03t_open(&es, seg, n, &tag, plain, &pn), 0);
			assert_int_equal(tag, t);
			assert_int_equal(pn, lens[i]);
			assert_memory_equal(plain, in, pn);
		}
	}
	n = sizeof(seg);
	assert_int_equal(pdp_bsp_seal(a, s, 0x88, in, 1008, seg, &n), 0);
	assert_int_equal(n, PDP_BSP_MAX_SEGMENT);
	pn = sizeof(plain);
	assert_int_equal(pdp_scp03t_open(&es, seg, n, &tag, plain, &pn), 0);
	mn = sizeof(mine);
	assert_int_equal(pdp_scp03t_seal(&host, 0x88, in, 1008, mine, &mn), 0);
	assert_memory_equal(seg, mine, n);

	/* A2: ReplaceSessionKeys, then A3 with the PPKs. */
	n = sizeof(seg);
	assert_int_equal(pdp_session_replace_keys(a, s, seg, &n, &ppk), 0);
	pn = sizeof(plain);
	assert_int_equal(pdp_scp03t_open(&es, seg, n, &tag, plain, &pn), 0);
	mn = sizeof(mine);
	assert_int_equal(pdp_scp03t_seal(&host, 0x87, plain, pn, mine, &mn), 0);
	assert_int_equal(n, mn);
	assert_memory_equal(seg, mine, n);
	assert_int_equal(tag, 0x87);
	assert_int_equal(pn, 3 + 3 * 18);
	assert_memory_equal(plain, "\xbf\x26\x36\x80\x10", 5);
	assert_memory_equal(plain + 21, "\x81\x10", 2);
	assert_memory_equal(plain + 39, "\x82\x10", 2);
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
		pn = sizeof(plain);
		assert_int_equal(pdp_scp03t_open(&es, seg, n, &tag, plain, &pn), -EBADMSG);
	}
	/* The original session runs on, still in step with the host's copy. */
	n = sizeof(seg);
	assert_int_equal(pdp_bsp_seal(a, s, 0x87, in, 16, seg, &n), 0);
	mn = sizeof(mine);
	assert_int_equal(pdp_scp03t_seal(&host, 0x87, in, 16, mine, &mn), 0);
	assert_memory_equal(seg, mine, n);
	pn = sizeof(plain);
	assert_int_equal(pdp_scp03t_open(&es, seg, n, &tag, plain, &pn), 0);

	/* Bad calls change nothing: the next segment still opens. */
	n = sizeof(seg);
	assert_int_equal(pdp_bsp_seal(b, s, 0x87, in, 16, seg, &n), -EINVAL);
	assert_int_equal(pdp_bsp_seal(a, s, 0x87, in, 1008, seg, &n), -EINVAL);
	assert_int_equal(pdp_bsp_seal(a, s, 0x88, in, 1009, seg, &n), -EINVAL);
	assert_int_equal(pdp_bsp_seal(a, s, 0x87, in, 0, seg, &n), -EINVAL);
	assert_int_equal(pdp_bsp_seal(a, s, 0x89, in, 16, seg, &n), -EINVAL);
	assert_int_equal(pdp_bsp_seal(a, s, 0x87, NULL, 16, seg, &n), -EINVAL);
	assert_int_equal(pdp_bsp_seal(a, NULL, 0x87, in, 16, seg, &n), -EINVAL);
	n = 100;
	assert_int_equal(pdp_bsp_seal(a, s, 0x87, in, 200, seg, &n), -ENOSPC);
	n = 50;
	assert_int_equal(pdp_session_replace_keys(a, s, seg, &n, &ppk), -ENOSPC);
	n = sizeof(seg);
	assert_int_equal(pdp_session_replace_keys(b, s, seg, &n, &ppk), -EINVAL);
	n = sizeof(seg);
	assert_int_equal(pdp_bsp_seal(a, s, 0x87, in, 32, seg, &n), 0);
	pn = sizeof(plain);
	assert_int_equal(pdp_scp03t_open(&es, seg, n, &tag, plain, &pn), 0);
	pdp_session_close(b, s); /* not b's: ignored */
	n = sizeof(seg);
	assert_int_equal(pdp_bsp_seal(a, s, 0x87, in, 32, seg, &n), 0);
	pdp_session_close(a, ppk);
	pdp_session_close(a, s);

	/* Bad peer points and host ids. */
	s = NULL;
	euicc_pub[64] ^= 1;
	assert_int_equal(
	    pdp_session_create(a, curve, euicc_pub, host_id, sizeof(host_id), eid, ot_pub, &s),
	    -EINVAL);
	euicc_pub[64] ^= 1;
	assert_int_equal(pdp_session_create(a, curve, euicc_pub, host_id, 0, eid, ot_pub, &s),
			 -EINVAL);
	assert_int_equal(pdp_session_create(a, curve, euicc_pub, host_id, 17, eid, ot_pub, &s),
			 -EINVAL);
	assert_int_equal(pdp_session_create(a, curve, euicc_pub, host_id, 8, NULL, ot_pub, &s),
			 -EINVAL);
	assert_int_equal(pdp_session_create(a, curve, euicc_pub, host_id, 8, eid, NULL, &s),
			 -EINVAL);
	assert_int_equal(pdp_session_create(a, PDP_CURVE_NONE, euicc_pub, host_id, 8, eid, ot_pub,
					    &s),
			 -EINVAL);
	assert_null(s);
	EVP_PKEY_free(otsk);
	pdp_accel_close(a);
	pdp_accel_close(b);
}

static void t_session_p256(void **state)
{
	(void)state;
	session_curve(PDP_CURVE_P256);
}

static void t_session_bp256(void **state)
{
	(void)state;
	if (!have_curve(PDP_CURVE_BP256R1))
		skip();
	session_curve(PDP_CURVE_BP256R1);
}

/* Many sessions open at once, all independent. */
static void t_sessions_many(void **state)
{
	enum { N = 40 };
	struct pdp_accel *a = api_open();
	uint8_t euicc_pub[PDP_PUBKEY_LEN], ot[N][PDP_PUBKEY_LEN], seg[64], plain[64], tag;
	struct pdp_session *s[N];
	struct pdp_scp03t es;
	EVP_PKEY *otsk = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "prime256v1");
	size_t n, pn;
	int i;

	(void)state;
	pkey_point(otsk, euicc_pub);
	for (i = 0; i < N; i++)
		assert_int_equal(pdp_session_create(a, PDP_CURVE_P256, euicc_pub, host_id, 8, eid,
						    ot[i], &s[i]),
				 0);
	for (i = N - 1; i >= 0; i--) {
		euicc_derive(otsk, ot[i], PDP_CURVE_P256, &es);
		n = sizeof(seg);
		assert_int_equal(pdp_bsp_seal(a, s[i], 0x87, (uint8_t *)&i, sizeof(i), seg, &n), 0);
		pn = sizeof(plain);
		assert_int_equal(pdp_scp03t_open(&es, seg, n, &tag, plain, &pn), 0);
		assert_memory_equal(plain, &i, sizeof(i));
		if (i)
			assert_memory_not_equal(ot[i], ot[i - 1], PDP_PUBKEY_LEN);
		pdp_session_close(a, s[i]);
	}
	EVP_PKEY_free(otsk);
	pdp_accel_close(a);
}

/* ---- random, info ---------------------------------------------------- */

static void t_random(void **state)
{
	struct pdp_accel *a = api_open();
	static uint8_t buf[3000], buf2[3000];

	(void)state;
	assert_int_equal(pdp_random(a, buf, sizeof(buf)), 0);
	assert_int_equal(pdp_random(a, buf2, sizeof(buf2)), 0);
	assert_memory_not_equal(buf, buf2, sizeof(buf));
	/* The last bytes were written too (not only the first chunk). */
	assert_memory_not_equal(buf + 2984, buf2 + 2984, 16);
	assert_int_equal(pdp_random(a, buf, 0), 0);
	assert_int_equal(pdp_random(a, NULL, 0), 0);
	assert_int_equal(pdp_random(a, NULL, 5), -EINVAL);
	assert_int_equal(pdp_random(NULL, buf, 5), -EINVAL);
	pdp_accel_close(a);
}

static void t_info(void **state)
{
	struct pdp_accel *a = api_open();
	struct pdp_accel_info info;
	const char *colon = strchr(B->uri, ':');

	(void)state;
	memset(&info, 0x5a, sizeof(info));
	assert_int_equal(pdp_accel_info(a, &info), 0);
	assert_int_equal(strlen(info.backend), (size_t)(colon - B->uri));
	assert_memory_equal(info.backend, B->uri, strlen(info.backend));
	assert_string_equal(info.backend, pdp_accel_backend(a));
	assert_true(memchr(info.fw_name, 0, sizeof(info.fw_name)) != NULL);
	assert_true(memchr(info.device, 0, sizeof(info.device)) != NULL);
	assert_true(info.caps & PDP_ACCEL_CAP_P256);
	assert_true(info.caps & PDP_ACCEL_CAP_SIGN);
	assert_true(info.caps & PDP_ACCEL_CAP_VERIFY);
	assert_true(info.caps & PDP_ACCEL_CAP_SESSION);
	assert_true(info.caps & PDP_ACCEL_CAP_RANDOM);
	assert_true(info.queue_depth > 0);
	assert_true(info.key_slots_used <= info.key_slots);
	assert_true(info.af_alg_cbc == 0 || info.af_alg_cbc == 1);
	assert_true(info.af_alg_cmac == 0 || info.af_alg_cmac == 1);
	print_message("# %s: %s fw 0x%x caps 0x%x slots %u/%u sessions %u depth %u af_alg "
		      "cbc %d cmac %d\n",
		      info.backend, info.fw_name, info.fw_version, info.caps, info.key_slots_used,
		      info.key_slots, info.max_sessions, info.queue_depth, info.af_alg_cbc,
		      info.af_alg_cmac);
	assert_int_equal(pdp_accel_info(a, NULL), -EINVAL);
	assert_int_equal(pdp_accel_info(NULL, &info), -EINVAL);
	pdp_accel_close(a);
}

/* ---- sealed stock ----------------------------------------------------- */

static const uint8_t upp_aad[] = "PDS\001" "89445000000000000018";

/* A UPP sealed the way the inventory seals it: OpenSSL GCM, the data key wrapped by @sk. */
static void seal_upp(struct pdp_accel *a, struct pdp_stock_key *sk, const uint8_t *pt, size_t len,
		     uint8_t *wrapped, uint8_t *nonce, uint8_t *ct, uint8_t *tag)
{
	EVP_CIPHER_CTX *cx = EVP_CIPHER_CTX_new();
	uint8_t dk[PDP_STOCK_KEY_LEN];
	int n;

	assert_int_equal(RAND_bytes(dk, sizeof(dk)), 1);
	assert_int_equal(RAND_bytes(nonce, PDP_UPP_NONCE_LEN), 1);
	assert_int_equal(pdp_stock_wrap(a, sk, dk, wrapped), 0);
	assert_int_equal(EVP_EncryptInit_ex2(cx, EVP_aes_256_gcm(), dk, nonce, NULL), 1);
	assert_int_equal(EVP_EncryptUpdate(cx, NULL, &n, upp_aad, sizeof(upp_aad) - 1), 1);
	assert_int_equal(EVP_EncryptUpdate(cx, ct, &n, pt, (int)len), 1);
	assert_int_equal(EVP_EncryptFinal_ex(cx, ct + n, &n), 1);
	assert_int_equal(EVP_CIPHER_CTX_ctrl(cx, EVP_CTRL_GCM_GET_TAG, PDP_UPP_TAG_LEN, tag), 1);
	EVP_CIPHER_CTX_free(cx);
}

/* The session is still in step with @host: one more 87 gives the same bytes. */
static void same_step(struct pdp_accel *a, struct pdp_session *s, struct pdp_scp03t *host,
		      struct pdp_scp03t *es)
{
	uint8_t seg[64], mine[64], plain[64], t;
	size_t n = sizeof(seg), mn = sizeof(mine), pn = sizeof(plain);

	assert_int_equal(pdp_bsp_seal(a, s, 0x87, (const uint8_t *)"step", 4, seg, &n), 0);
	assert_int_equal(pdp_scp03t_seal(host, 0x87, (const uint8_t *)"step", 4, mine, &mn), 0);
	assert_int_equal(n, mn);
	assert_memory_equal(seg, mine, n);
	assert_int_equal(pdp_scp03t_open(es, seg, n, &t, plain, &pn), 0);
}

/* Drop a scratch stock key (soft: a file that pdp_key_destroy() refuses as no EC key). */
static void stock_drop(struct pdp_accel *a, const char *uri)
{
	if (pdp_key_destroy(a, uri) == -EINVAL && !strncmp(uri, "file:", 5))
		unlink(uri + 5);
}

/* ---- re-sealing for transfers ------------------------------------------ */

static const char rs_iccid[] = "89445000000000000018";

/* The transfer envelope's key (tools/portdpctl/bundle.h), computed here with OpenSSL alone. */
static void rs_xfer_key(EVP_PKEY *mine, const uint8_t peer[PDP_PUBKEY_LEN],
			const uint8_t id[PDP_XFER_ID_LEN], const uint8_t eph[PDP_PUBKEY_LEN],
			uint8_t key[32])
{
	EVP_PKEY *pk = NULL;
	EVP_PKEY_CTX *pc = EVP_PKEY_CTX_new_from_name(NULL, "EC", NULL), *dc;
	EVP_KDF *kdf = EVP_KDF_fetch(NULL, "HKDF", NULL);
	EVP_KDF_CTX *kc = EVP_KDF_CTX_new(kdf);
	uint8_t z[32], info[13 + 65 + 20];
	size_t zl = 32;
	OSSL_PARAM p[5];

	p[0] = OSSL_PARAM_construct_utf8_string(OSSL_PKEY_PARAM_GROUP_NAME, "P-256", 0);
	p[1] = OSSL_PARAM_construct_octet_string(OSSL_PKEY_PARAM_PUB_KEY, (void *)peer, 65);
	p[2] = OSSL_PARAM_construct_end();
	assert_int_equal(EVP_PKEY_fromdata_init(pc), 1);
	assert_int_equal(EVP_PKEY_fromdata(pc, &pk, EVP_PKEY_PUBLIC_KEY, p), 1);
	dc = EVP_PKEY_CTX_new(mine, NULL);
	assert_int_equal(EVP_PKEY_derive_init(dc), 1);
	assert_int_equal(EVP_PKEY_derive_set_peer(dc, pk), 1);
	assert_int_equal(EVP_PKEY_derive(dc, z, &zl), 1);
	memcpy(info, "portdp-xfer-1", 13);
	memcpy(info + 13, eph, 65);
	memcpy(info + 78, rs_iccid, 20);
	p[0] = OSSL_PARAM_construct_utf8_string(OSSL_KDF_PARAM_DIGEST, "SHA256", 0);
	p[1] = OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_KEY, z, 32);
	p[2] = OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_SALT, (void *)id, 16);
	p[3] = OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_INFO, info, sizeof(info));
	p[4] = OSSL_PARAM_construct_end();
	assert_int_equal(EVP_KDF_derive(kc, key, 32, p), 1);
	EVP_KDF_CTX_free(kc);
	EVP_KDF_free(kdf);
	EVP_PKEY_CTX_free(dc);
	EVP_PKEY_CTX_free(pc);
	EVP_PKEY_free(pk);
}

static void rs_gcm(int enc, const uint8_t key[32], const uint8_t *nonce, const uint8_t *id,
		   const uint8_t *in, size_t len, uint8_t *out, uint8_t *tag)
{
	EVP_CIPHER_CTX *c = EVP_CIPHER_CTX_new();
	int n;

	assert_int_equal(EVP_CipherInit_ex2(c, EVP_aes_256_gcm(), key, nonce, enc, NULL), 1);
	assert_int_equal(EVP_CipherUpdate(c, NULL, &n, id, 16), 1);
	assert_int_equal(EVP_CipherUpdate(c, NULL, &n, (const uint8_t *)rs_iccid, 20), 1);
	assert_int_equal(EVP_CipherUpdate(c, out, &n, in, (int)len), 1);
	if (!enc)
		assert_int_equal(EVP_CIPHER_CTX_ctrl(c, EVP_CTRL_GCM_SET_TAG, 16, tag), 1);
	assert_int_equal(EVP_CipherFinal_ex(c, out + n, &n), 1);
	if (enc)
		assert_int_equal(EVP_CIPHER_CTX_ctrl(c, EVP_CTRL_GCM_GET_TAG, 16, tag), 1);
	EVP_CIPHER_CTX_free(c);
}

static void t_reseal(void **state)
{
	static const size_t lens[] = {1, 16, 4064, 4065, 25000};
	struct pdp_accel *a = api_open();
	struct pdp_stock_key *sk = NULL, *sk2 = NULL;
	struct pdp_key *unit = NULL;
	struct pdp_accel_info info;
	struct pdp_sealed_form in, out, back;
	uint8_t unit_pub[PDP_PUBKEY_LEN], dest_pub[PDP_PUBKEY_LEN], key[32], zero[64] = {0};
	uint8_t *pt = malloc(25000), *ct = malloc(25000), *ct2 = malloc(25000), *ct3 = malloc(25000);
	EVP_PKEY *dest = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "prime256v1"), *eph;
	enum pdp_curve curve;
	size_t i;

	(void)state;
	assert_int_equal(pdp_accel_info(a, &info), 0);
	if (!(info.caps & PDP_ACCEL_CAP_RESEAL)) {
		print_message("# re-seal: not offered by %s, skipped\n", info.fw_name);
		goto out;
	}
	stock_drop(a, B->scratch_uri(0));
	stock_drop(a, B->scratch_uri(1));
	assert_int_equal(pdp_stock_key_generate(a, B->scratch_uri(0), &sk), 0);
	assert_int_equal(pdp_stock_key_generate(a, B->scratch_uri(1), &sk2), 0);
	unit = api_key(a, PDP_CURVE_P256);
	assert_int_equal(pdp_key_public(unit, unit_pub, &curve), 0);
	pkey_point(dest, dest_pub);
	RAND_bytes(pt, 25000);
	for (i = 0; i < sizeof(lens) / sizeof(lens[0]); i++) {
		/* export: stock -> the destination's envelope, opened here with OpenSSL */
		memset(&in, 0, sizeof(in));
		in.kind = PDP_SEAL_STOCK;
		in.stock = sk;
		in.aad = upp_aad;
		in.aad_len = sizeof(upp_aad) - 1;
		seal_upp(a, sk, pt, lens[i], in.wrapped, in.nonce, ct, in.tag);
		memset(&out, 0, sizeof(out));
		out.kind = PDP_SEAL_XFER;
		memcpy(out.peer_pub, dest_pub, 65);
		RAND_bytes(out.id, 16);
		assert_int_equal(pdp_upp_reseal(a, rs_iccid, &in, ct, lens[i], &out, ct2), 0);
		rs_xfer_key(dest, out.pub, out.id, out.pub, key);
		rs_gcm(0, key, out.nonce, out.id, ct2, lens[i], ct3, out.tag);
		assert_memory_equal(ct3, pt, lens[i]);
		/* import: an envelope for this unit's key (made here) -> stock under sk2 */
		eph = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "prime256v1");
		memset(&in, 0, sizeof(in));
		in.kind = PDP_SEAL_XFER;
		in.unit = unit;
		pkey_point(eph, in.pub);
		RAND_bytes(in.id, 16);
		RAND_bytes(in.nonce, 12);
		rs_xfer_key(eph, unit_pub, in.id, in.pub, key);
		EVP_PKEY_free(eph);
		rs_gcm(1, key, in.nonce, in.id, pt, lens[i], ct, in.tag);
		memset(&back, 0, sizeof(back));
		back.kind = PDP_SEAL_STOCK;
		back.stock = sk2;
		back.aad = upp_aad;
		back.aad_len = sizeof(upp_aad) - 1;
		assert_int_equal(pdp_upp_reseal(a, rs_iccid, &in, ct, lens[i], &back, ct2), 0);
		/* a tampered envelope: refused, nothing out */
		ct[lens[i] - 1] ^= 1;
		memset(&out, 0, sizeof(out));
		out.kind = PDP_SEAL_STOCK;
		out.stock = sk2;
		out.aad = upp_aad;
		out.aad_len = sizeof(upp_aad) - 1;
		memset(ct3, 0x55, lens[i]);
		assert_int_equal(pdp_upp_reseal(a, rs_iccid, &in, ct, lens[i], &out, ct3), -EBADMSG);
		assert_memory_equal(ct3, zero, lens[i] < 64 ? lens[i] : 64);
		assert_memory_equal(out.tag, zero, 16);
		ct[lens[i] - 1] ^= 1;
		/* another ICCID: refused */
		assert_int_equal(pdp_upp_reseal(a, "89445000000000000019", &in, ct, lens[i], &out,
						ct3),
				 -EINVAL); /* the stock AAD names 18 */
		/* the stock blob opens to the same bytes (out to the destination again) */
		memset(&out, 0, sizeof(out));
		out.kind = PDP_SEAL_XFER;
		memcpy(out.peer_pub, dest_pub, 65);
		RAND_bytes(out.id, 16);
		assert_int_equal(pdp_upp_reseal(a, rs_iccid, &back, ct2, lens[i], &out, ct3), 0);
		rs_xfer_key(dest, out.pub, out.id, out.pub, key);
		rs_gcm(0, key, out.nonce, out.id, ct3, lens[i], ct2, out.tag);
		assert_memory_equal(ct2, pt, lens[i]);
		/* under another stock key the wrap does not open */
		back.stock = sk;
		assert_int_equal(pdp_upp_reseal(a, rs_iccid, &back, ct3, lens[i], &out, ct2),
				 -EKEYREJECTED);
	}
	/* fields */
	in.unit = NULL;
	assert_int_equal(pdp_upp_reseal(a, rs_iccid, &in, ct, 16, &out, ct2), -EINVAL);
	in.unit = unit;
	assert_int_equal(pdp_upp_reseal(a, "8944500000000000001x", &in, ct, 16, &out, ct2), -EINVAL);
	assert_int_equal(pdp_upp_reseal(a, "894450000", &in, ct, 16, &out, ct2), -EINVAL);
	assert_int_equal(pdp_upp_reseal(a, rs_iccid, &in, ct, 0, &out, ct2), -EINVAL);
	out.kind = 3;
	assert_int_equal(pdp_upp_reseal(a, rs_iccid, &in, ct, 16, &out, ct2), -EINVAL);
	stock_drop(a, B->scratch_uri(0));
	stock_drop(a, B->scratch_uri(1));
out:
	pdp_stock_key_free(sk);
	pdp_stock_key_free(sk2);
	pdp_key_free(unit);
	EVP_PKEY_free(dest);
	free(pt), free(ct), free(ct2), free(ct3);
	pdp_accel_close(a);
}

static void t_sealed_upp(void **state)
{
	static const size_t lens[] = {1, 1007, 1008, 4064, 4065, 25000};
	struct pdp_accel *a = api_open(), *b = api_open();
	struct pdp_stock_key *sk = NULL, *other = NULL, *sk_b = NULL;
	struct pdp_session *s = NULL;
	struct pdp_scp03t es, host;
	struct pdp_accel_info info;
	struct pdp_sealed_upp u;
	uint8_t euicc_pub[PDP_PUBKEY_LEN], ot_pub[PDP_PUBKEY_LEN];
	uint8_t wrapped[PDP_STOCK_WRAP_LEN], nonce[PDP_UPP_NONCE_LEN], tag[PDP_UPP_TAG_LEN];
	uint8_t *pt = malloc(25000), *ct = malloc(25000), *out = malloc(26000), *mine = malloc(26000);
	uint8_t plain[PDP_BSP_MAX_SEGMENT], t;
	EVP_PKEY *otsk = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "prime256v1");
	size_t i, n, off, mn, pn, total;

	(void)state;
	assert_int_equal(pdp_accel_info(a, &info), 0);
	if (!(info.caps & PDP_ACCEL_CAP_SEALED_UPP)) {
		print_message("# sealed UPPs: not offered by %s, skipped\n", info.fw_name);
		goto out;
	}
	stock_drop(a, B->scratch_uri(0));
	stock_drop(a, B->scratch_uri(1));
	assert_int_equal(pdp_stock_key_generate(a, B->scratch_uri(1), &sk), 0);
	assert_int_equal(pdp_stock_key_generate(a, B->scratch_uri(1), &other), -EEXIST);
	assert_int_equal(pdp_stock_key_generate(a, B->scratch_uri(0), &other), 0);
	/* an EC key is no stock key, nor is an empty place */
	assert_int_not_equal(pdp_stock_key_load(a, B->key_uri(PDP_CURVE_P256), &sk_b), 0);
	assert_int_equal(pdp_stock_key_load(b, B->scratch_uri(1), &sk_b), 0);

	pkey_point(otsk, euicc_pub);
	assert_int_equal(pdp_session_create(a, PDP_CURVE_P256, euicc_pub, host_id, sizeof(host_id),
					    eid, ot_pub, &s),
			 0);
	euicc_derive(otsk, ot_pub, PDP_CURVE_P256, &es);
	host = es;
	same_step(a, s, &host, &es);
	for (i = 0; i < 25000; i++)
		pt[i] = (uint8_t)(i * 7 + 3);

	for (i = 0; i < sizeof(lens) / sizeof(lens[0]); i++) {
		/* sealed with the key loaded on another accel: the same stock key */
		seal_upp(b, sk_b, pt, lens[i], wrapped, nonce, ct, tag);
		u = (struct pdp_sealed_upp){upp_aad, sizeof(upp_aad) - 1, wrapped, nonce, ct,
					    lens[i], tag};
		n = 26000;
		assert_int_equal(pdp_bsp_seal_sealed(a, s, sk, &u, out, &n), 0);
		/* byte for byte what pdp_bsp_seal() makes of the plaintext */
		for (off = 0, total = 0; off < lens[i]; off += PDP_BSP_MAX_PLAIN_ENC) {
			size_t c = lens[i] - off < PDP_BSP_MAX_PLAIN_ENC ? lens[i] - off
									  : PDP_BSP_MAX_PLAIN_ENC;

			mn = 26000 - total;
			assert_int_equal(pdp_scp03t_seal(&host, 0x86, pt + off, c, mine + total, &mn),
					 0);
			total += mn;
		}
		assert_int_equal(n, total);
		assert_memory_equal(out, mine, n);
		/* and the eUICC gets the UPP back */
		for (off = 0, total = 0; off < n; off += mn) {
			mn = out[off + 1] < 0x80 ? 2 + out[off + 1]
			     : out[off + 1] == 0x81 ? 3 + out[off + 2]
						    : 4 + (out[off + 2] << 8 | out[off + 3]);
			pn = sizeof(plain);
			assert_int_equal(pdp_scp03t_open(&es, out + off, mn, &t, plain, &pn), 0);
			assert_int_equal(t, 0x86);
			assert_memory_equal(plain, pt + total, pn);
			total += pn;
		}
		assert_int_equal(total, lens[i]);
		same_step(a, s, &host, &es);
	}

	/* one thing wrong: refused, nothing sealed, the session did not move */
	seal_upp(a, sk, pt, 5000, wrapped, nonce, ct, tag);
	u = (struct pdp_sealed_upp){upp_aad, sizeof(upp_aad) - 1, wrapped, nonce, ct, 5000, tag};
	for (i = 0; i < 6; i++) {
		uint8_t aad2[sizeof(upp_aad)];
		struct pdp_sealed_upp v = u;
		int want = -EBADMSG;

		memcpy(aad2, upp_aad, sizeof(aad2));
		switch (i) {
		case 0: ct[2500] ^= 1; break;
		case 1: tag[0] ^= 0x40; break;
		case 2: aad2[sizeof(aad2) - 2] ^= 1; v.aad = aad2; break;
		case 3: nonce[11] ^= 2; break;
		case 4: wrapped[20] ^= 8; want = -EKEYREJECTED; break;
		case 5: want = -EKEYREJECTED; break; /* another stock key */
		}
		n = 26000;
		memset(out, 0x5a, 26000);
		assert_int_equal(pdp_bsp_seal_sealed(a, s, i == 5 ? other : sk, &v, out, &n), want);
		assert_int_equal(out[0], 0);
		switch (i) {
		case 0: ct[2500] ^= 1; break;
		case 1: tag[0] ^= 0x40; break;
		case 3: nonce[11] ^= 2; break;
		case 4: wrapped[20] ^= 8; break;
		}
		same_step(a, s, &host, &es);
	}
	/* bad arguments */
	n = 26000;
	u.aad_len = 0;
	assert_int_equal(pdp_bsp_seal_sealed(a, s, sk, &u, out, &n), -EINVAL);
	u.aad_len = PDP_UPP_AAD_MAX + 1;
	assert_int_equal(pdp_bsp_seal_sealed(a, s, sk, &u, out, &n), -EINVAL);
	u.aad_len = sizeof(upp_aad) - 1;
	u.ct_len = 0;
	assert_int_equal(pdp_bsp_seal_sealed(a, s, sk, &u, out, &n), -EINVAL);
	u.ct_len = PDP_UPP_MAX_LEN + 1;
	assert_int_equal(pdp_bsp_seal_sealed(a, s, sk, &u, out, &n), -EINVAL);
	u.ct_len = 5000;
	n = 5000;
	assert_int_equal(pdp_bsp_seal_sealed(a, s, sk, &u, out, &n), -ENOSPC);
	n = 26000;
	assert_int_equal(pdp_bsp_seal_sealed(a, s, sk_b, &u, out, &n), -EINVAL); /* b's key */
	assert_int_equal(pdp_bsp_seal_sealed(NULL, s, sk, &u, out, &n), -EINVAL);
	assert_int_equal(pdp_stock_wrap(a, sk_b, pt, wrapped), -EINVAL);
	same_step(a, s, &host, &es);
	/* still good after all that */
	assert_int_equal(pdp_bsp_seal_sealed(a, s, sk, &u, out, &n), 0);
	pdp_session_close(a, s);
	stock_drop(a, B->scratch_uri(0));
	stock_drop(a, B->scratch_uri(1));
	assert_int_equal(pdp_stock_key_load(a, B->scratch_uri(1), &sk_b) != 0, 1);
out:
	pdp_stock_key_free(sk);
	pdp_stock_key_free(other);
	pdp_stock_key_free(sk_b);
	EVP_PKEY_free(otsk);
	free(pt);
	free(ct);
	free(out);
	free(mine);
	pdp_accel_close(a);
	pdp_accel_close(b);
}

/* ---- async ----------------------------------------------------------- */

#define MAX_BATCH 256

/*
 * One batch of @n mixed ops: signs, verifies (every 7th must fail), session
 * creates, seals on one session (one invalid), randoms. Every completion is
 * checked; the seals, opened in submission order by the eUICC, prove the
 * backend applied them in that order.
 */
static void async_batch(struct pdp_accel *a, struct pdp_key *k, unsigned batch)
{
	static struct pdp_op ops[MAX_BATCH], *ptrs[MAX_BATCH], *done[MAX_BATCH + 8];
	static uint8_t sigs[MAX_BATCH][PDP_SIG_LEN], rnd[MAX_BATCH][32], segs[MAX_BATCH][64];
	static uint8_t ot[MAX_BATCH][PDP_PUBKEY_LEN], in[MAX_BATCH][20], seen[MAX_BATCH];
	uint8_t pub[PDP_PUBKEY_LEN], msg[32] = "async message", euicc_pub[PDP_PUBKEY_LEN];
	uint8_t plain[64], tag, s_ot[PDP_PUBKEY_LEN];
	EVP_PKEY *otsk = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "prime256v1");
	struct pdp_scp03t es, e2;
	struct pdp_session *s;
	unsigned i, n = 0, sessions = 0;
	int r;
	size_t pn;

	pkey_point(otsk, euicc_pub);
	assert_int_equal(pdp_key_public(k, pub, NULL), 0);
	assert_int_equal(pdp_session_create(a, PDP_CURVE_P256, euicc_pub, host_id, 8, eid, s_ot, &s),
			 0);
	euicc_derive(otsk, s_ot, PDP_CURVE_P256, &es);
	for (i = 0; i < batch; i++) {
		if (i % 5 != 1)
			continue;
		assert_int_equal(pdp_sign(a, k, msg, sizeof(msg), sigs[i]), 0);
		if (i % 7 == 3)
			sigs[i][5] ^= 1;
	}
	memset(seen, 0, sizeof(seen));
	for (i = 0; i < batch; i++) {
		struct pdp_op *op = &ops[i];

		memset(op, 0, sizeof(*op));
		op->user = (void *)(uintptr_t)i;
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
			memset(in[i], i, sizeof(in[i]));
			op->type = PDP_OP_BSP_SEAL;
			op->u.seal.session = s;
			op->u.seal.tag = i == 8 ? 0x99 : 0x87; /* one invalid op (batches >= 64) */
			op->u.seal.in = in[i];
			op->u.seal.in_len = sizeof(in[i]);
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
	assert_int_equal(pdp_submit(a, ptrs, batch), batch);
	assert_int_equal(pdp_inflight(a), batch);
	r = pdp_reap(a, done, 1, 1);
	assert_int_equal(r, 1);
	n = 1;
	while (n < batch) {
		r = pdp_reap(a, done + n, MAX_BATCH + 8 - n, batch - n);
		assert_true(r > 0);
		n += r;
	}
	assert_int_equal(n, batch);
	assert_int_equal(pdp_inflight(a), 0);
	assert_int_equal(pdp_reap(a, done, 4, 0), 0);
	assert_int_equal(pdp_reap(a, done, 4, 4), 0); /* nothing in flight: no waiting */
	for (i = 0; i < n; i++) {
		struct pdp_op *op = done[i];
		unsigned idx = (unsigned)(uintptr_t)op->user;

		assert_true(idx < batch);
		assert_ptr_equal(op, &ops[idx]);
		assert_int_equal(seen[idx], 0);
		seen[idx] = 1;
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
			if (sessions++ < 4) { /* the new session works with the eUICC's keys */
				uint8_t seg[64];
				size_t sn = sizeof(seg);

				euicc_derive(otsk, ot[idx], PDP_CURVE_P256, &e2);
				assert_int_equal(pdp_bsp_seal(a, op->u.session_create.session, 0x88,
							      msg, 8, seg, &sn),
						 0);
				pn = sizeof(plain);
				assert_int_equal(pdp_scp03t_open(&e2, seg, sn, &tag, plain, &pn),
						 0);
			}
			pdp_session_close(a, op->u.session_create.session);
			break;
		case PDP_OP_BSP_SEAL:
			if (idx == 8)
				assert_int_equal(op->status, -EINVAL);
			else
				assert_int_equal(op->status, 0);
			break;
		case PDP_OP_RANDOM:
			assert_int_equal(op->status, 0);
			if (idx >= 5)
				assert_memory_not_equal(rnd[idx], rnd[idx - 5], 32);
			break;
		}
	}
	/* Seals in submission order: each opens with the running eUICC state. */
	for (i = 3; i < batch; i += 5) {
		if (i == 8)
			continue;
		pn = sizeof(plain);
		assert_int_equal(ops[i].u.seal.out_len, 2 + 32 + 8);
		assert_int_equal(
		    pdp_scp03t_open(&es, segs[i], ops[i].u.seal.out_len, &tag, plain, &pn), 0);
		assert_int_equal(pn, sizeof(in[i]));
		assert_memory_equal(plain, in[i], pn);
	}
	pdp_session_close(a, s);
	EVP_PKEY_free(otsk);
}

static void t_async_batches(void **state)
{
	static const unsigned sizes[] = {1, 8, 64, 256};
	struct pdp_accel *a = api_open();
	struct pdp_key *k = api_key(a, PDP_CURVE_P256);
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++)
		async_batch(a, k, sizes[i]);
	pdp_key_free(k);
	pdp_accel_close(a);
}

/* More ops than the queue holds: the rest is refused (-EAGAIN), nothing lost. */
static void t_async_queue_full(void **state)
{
	struct pdp_accel *a = api_open();
	struct pdp_accel_info info;
	struct pdp_op *ops, **ptrs, **done;
	uint8_t(*buf)[4];
	unsigned total, i;
	int n, first;

	(void)state;
	assert_int_equal(pdp_accel_info(a, &info), 0);
	total = info.queue_depth + 20;
	ops = calloc(total, sizeof(*ops));
	ptrs = calloc(total, sizeof(*ptrs));
	done = calloc(total, sizeof(*done));
	buf = calloc(total, sizeof(*buf));
	assert_true(ops && ptrs && done && buf);
	for (i = 0; i < total; i++) {
		ops[i].type = PDP_OP_RANDOM;
		ops[i].u.random.buf = buf[i];
		ops[i].u.random.len = 4;
		ops[i].status = 1;
		ptrs[i] = &ops[i];
	}
	first = pdp_submit(a, ptrs, total);
	assert_int_equal(first, info.queue_depth);
	assert_int_equal(pdp_submit(a, ptrs + first, total - first), -EAGAIN);
	n = pdp_reap(a, done, total, first);
	assert_int_equal(n, first);
	n = pdp_submit(a, ptrs + first, total - first);
	assert_int_equal(n, total - first);
	assert_int_equal(pdp_reap(a, done, total, total - first), total - first);
	for (i = 0; i < total; i++)
		assert_int_equal(ops[i].status, 0);
	free(ops);
	free(ptrs);
	free(done);
	free(buf);
	pdp_accel_close(a);
}

/* Bad ops complete with -EINVAL through pdp_reap(); bad calls are refused at once. */
static void t_async_bad(void **state)
{
	struct pdp_accel *a = api_open(), *b = api_open();
	struct pdp_key *kb = api_key(b, PDP_CURVE_P256);
	struct pdp_op ops[4], *ptrs[4], *done[8];
	uint8_t sig[PDP_SIG_LEN], big[5000];
	int i, n;

	(void)state;
	memset(ops, 0, sizeof(ops));
	ops[0].type = PDP_OP_SIGN; /* another accel's key */
	ops[0].u.sign.key = kb;
	ops[0].u.sign.msg = big;
	ops[0].u.sign.msg_len = 1;
	ops[0].u.sign.sig = sig;
	ops[1].type = 77; /* no such op */
	ops[2].type = PDP_OP_VERIFY; /* no public key */
	ops[2].u.verify.curve = PDP_CURVE_P256;
	ops[2].u.verify.sig = sig;
	ops[3].type = PDP_OP_RANDOM; /* more than one card command holds */
	ops[3].u.random.buf = big;
	ops[3].u.random.len = sizeof(big);
	for (i = 0; i < 4; i++) {
		ops[i].status = 1;
		ptrs[i] = &ops[i];
	}
	assert_int_equal(pdp_submit(a, ptrs, 4), 4);
	n = pdp_reap(a, done, 8, 4);
	assert_int_equal(n, 4);
	assert_int_equal(ops[0].status, -EINVAL);
	assert_int_equal(ops[1].status, -EINVAL);
	assert_int_equal(ops[2].status, -EINVAL);
	assert_int_equal(ops[3].status, 0);
	ptrs[1] = NULL;
	assert_int_equal(pdp_submit(a, ptrs, 2), -EINVAL);
	assert_int_equal(pdp_inflight(a), 0);
	assert_int_equal(pdp_submit(a, NULL, 1), -EINVAL);
	assert_int_equal(pdp_submit(a, NULL, 0), 0);
	assert_int_equal(pdp_reap(a, NULL, 1, 0), -EINVAL);
	assert_int_equal(pdp_reap(a, done, 0, 0), 0);
	pdp_key_free(kb);
	pdp_accel_close(a);
	pdp_accel_close(b);
}

/* Closing an accel with ops in flight waits for them and leaks nothing. */
static void t_async_close_busy(void **state)
{
	struct pdp_accel *a = api_open();
	struct pdp_key *k = api_key(a, PDP_CURVE_P256);
	static struct pdp_op ops[32], *ptrs[32];
	static uint8_t sigs[32][PDP_SIG_LEN];
	int i;

	(void)state;
	for (i = 0; i < 32; i++) {
		memset(&ops[i], 0, sizeof(ops[i]));
		ops[i].type = PDP_OP_SIGN;
		ops[i].u.sign.key = k;
		ops[i].u.sign.msg = (const uint8_t *)"close";
		ops[i].u.sign.msg_len = 5;
		ops[i].u.sign.sig = sigs[i];
		ptrs[i] = &ops[i];
	}
	assert_int_equal(pdp_submit(a, ptrs, 32), 32);
	pdp_key_free(k);
	pdp_accel_close(a);
}

static const struct CMUnitTest suite[] = {
    cmocka_unit_test(t_key_handles),	    cmocka_unit_test(t_key_generate_destroy),
    cmocka_unit_test(t_sign_verify_p256),   cmocka_unit_test(t_sign_verify_bp256),
    cmocka_unit_test(t_sign_digest),	    cmocka_unit_test(t_ecdh),
    cmocka_unit_test(t_session_p256),	    cmocka_unit_test(t_session_bp256),
    cmocka_unit_test(t_sessions_many),	    cmocka_unit_test(t_random),
    cmocka_unit_test(t_info),		    cmocka_unit_test(t_async_batches),
    cmocka_unit_test(t_async_queue_full),   cmocka_unit_test(t_async_bad),
    cmocka_unit_test(t_async_close_busy),   cmocka_unit_test(t_sealed_upp),
    cmocka_unit_test(t_reseal),
};

size_t api_suite_tests(const struct api_backend *b, struct CMUnitTest *out, size_t max)
{
	size_t n = sizeof(suite) / sizeof(suite[0]);

	B = b;
	if (n > max)
		abort(); /* a test program's own array is too small: a bug in the test */
	memcpy(out, suite, sizeof(suite));
	return n;
}
