// SPDX-License-Identifier: Apache-2.0
/*
 * The key calls of the soft backend: pdp_key_generate/destroy on PEM files
 * (mode, no overwrite, only keys are removed), pdp_sign_digest and pdp_ecdh
 * cross-checked with plain OpenSSL, pdp_accel_info.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>
#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/pem.h>

#include "portdp/accel.h"
#include "test_util.h"



static char dir[64];

static int setup(void **state)
{
	(void)state;
	snprintf(dir, sizeof(dir), "/tmp/pdp-keys-XXXXXX");
	return mkdtemp(dir) ? 0 : -1;
}

static int teardown(void **state)
{
	char cmd[128];

	(void)state;
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	return system(cmd) ? -1 : 0;
}

static struct pdp_accel *accel_open(void)
{
	struct pdp_accel *a = NULL;

	assert_int_equal(pdp_accel_open("soft:", &a), 0);
	return a;
}

static const char *key_uri(const char *name)
{
	static char uri[200];

	snprintf(uri, sizeof(uri), "file:%s/%s", dir, name);
	return uri;
}

static EVP_PKEY *point_pkey(const char *group, const uint8_t pub[PDP_PUBKEY_LEN])
{
	OSSL_PARAM params[] = {
	    OSSL_PARAM_construct_utf8_string(OSSL_PKEY_PARAM_GROUP_NAME, (char *)group, 0),
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

static void test_generate_destroy(void **state)
{
	struct pdp_accel *a = accel_open();
	uint8_t pub[PDP_PUBKEY_LEN], pub2[PDP_PUBKEY_LEN], sig[PDP_SIG_LEN];
	struct pdp_key *k = NULL, *k2 = NULL;
	char path[200], uri[220];
	enum pdp_curve c;
	struct stat st;
	FILE *f;

	(void)state;
	umask(0); /* the file must still come out 0600 */
	assert_int_equal(pdp_key_generate(a, key_uri("bp.pem"), PDP_CURVE_BP256R1, &k), 0);
	umask(022);
	snprintf(path, sizeof(path), "%s/bp.pem", dir);
	assert_int_equal(stat(path, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0600);
	assert_int_equal(pdp_key_public(k, pub, &c), 0);
	assert_int_equal(c, PDP_CURVE_BP256R1);
	assert_int_equal(pdp_sign(a, k, (const uint8_t *)"m", 1, sig), 0);
	assert_int_equal(pdp_verify(a, c, pub, (const uint8_t *)"m", 1, sig), 0);

	/* Never overwrites: the file keeps the first key. */
	assert_int_equal(pdp_key_generate(a, key_uri("bp.pem"), PDP_CURVE_P256, &k2), -EEXIST);
	assert_null(k2);
	assert_int_equal(pdp_key_load(a, key_uri("bp.pem"), &k2), 0);
	assert_int_equal(pdp_key_public(k2, pub2, &c), 0);
	assert_memory_equal(pub, pub2, PDP_PUBKEY_LEN);
	pdp_key_free(k2);

	/* Destroy removes it; the open handle still signs (it is in memory). */
	assert_int_equal(pdp_key_destroy(a, key_uri("bp.pem")), 0);
	assert_int_equal(stat(path, &st), -1);
	assert_int_equal(pdp_key_destroy(a, key_uri("bp.pem")), -ENOENT);
	assert_int_equal(pdp_key_load(a, key_uri("bp.pem"), &k2), -ENOENT);
	assert_int_equal(pdp_sign(a, k, (const uint8_t *)"m", 1, sig), 0);
	pdp_key_free(k);

	/* A file that is no key is left alone. */
	snprintf(path, sizeof(path), "%s/notakey.txt", dir);
	f = fopen(path, "w");
	assert_non_null(f);
	fputs("hello\n", f);
	fclose(f);
	assert_int_equal(pdp_key_destroy(a, key_uri("notakey.txt")), -EINVAL);
	assert_int_equal(stat(path, &st), 0);
	assert_int_equal(pdp_key_generate(a, key_uri("notakey.txt"), PDP_CURVE_P256, &k), -EEXIST);

	/* Bad arguments change nothing. */
	k = NULL;
	assert_int_equal(pdp_key_generate(a, key_uri("x.pem"), PDP_CURVE_NONE, &k), -EINVAL);
	assert_int_equal(pdp_key_generate(a, key_uri("x.pem"), 7, &k), -EINVAL);
	assert_int_equal(pdp_key_generate(a, "slot:3", PDP_CURVE_P256, &k), -EINVAL);
	assert_int_equal(pdp_key_generate(a, "file:", PDP_CURVE_P256, &k), -EINVAL);
	assert_int_equal(pdp_key_generate(a, NULL, PDP_CURVE_P256, &k), -EINVAL);
	assert_int_equal(pdp_key_generate(a, key_uri("x.pem"), PDP_CURVE_P256, NULL), -EINVAL);
	assert_int_equal(pdp_key_generate(a, "file:/nonexistent-dir/k.pem", PDP_CURVE_P256, &k),
			 -ENOENT);
	assert_null(k);
	snprintf(path, sizeof(path), "%s/x.pem", dir);
	assert_int_equal(stat(path, &st), -1);
	assert_int_equal(pdp_key_destroy(a, "slot:3"), -EINVAL);
	assert_int_equal(pdp_key_destroy(a, NULL), -EINVAL);

	/* P-256 too. */
	assert_int_equal(pdp_key_generate(a, key_uri("p.pem"), PDP_CURVE_P256, &k), 0);
	assert_int_equal(pdp_key_public(k, pub, &c), 0);
	assert_int_equal(c, PDP_CURVE_P256);
	pdp_key_free(k);
	snprintf(uri, sizeof(uri), "%s", key_uri("p.pem"));
	assert_int_equal(pdp_key_destroy(a, uri), 0);
	pdp_accel_close(a);
}

static void sign_digest_curve(enum pdp_curve curve, const char *group)
{
	struct pdp_accel *a = accel_open();
	uint8_t dg[PDP_DIGEST_MAX], sig[PDP_SIG_LEN], der[PDP_SIG_DER_MAX], pub[PDP_PUBKEY_LEN];
	static const size_t lens[] = {1, 20, 32, 48, 64};
	struct pdp_key *k = NULL;
	EVP_PKEY_CTX *vctx;
	EVP_PKEY *pk;
	size_t i, dl;

	assert_int_equal(pdp_key_generate(a, key_uri(group), curve, &k), 0);
	assert_int_equal(pdp_key_public(k, pub, NULL), 0);
	pk = point_pkey(group, pub);
	vctx = EVP_PKEY_CTX_new_from_pkey(NULL, pk, NULL);
	assert_int_equal(EVP_PKEY_verify_init(vctx), 1);
	for (i = 0; i < sizeof(lens) / sizeof(lens[0]); i++) {
		memset(dg, 0xa0 + (int)i, sizeof(dg));
		assert_int_equal(pdp_sign_digest(a, k, dg, lens[i], sig), 0);
		dl = sizeof(der);
		assert_int_equal(pdp_sig_raw_to_der(sig, der, &dl), 0);
		/* OpenSSL's raw verify applies the same truncation rule. */
		assert_int_equal(EVP_PKEY_verify(vctx, der, dl, dg, lens[i]), 1);
		dg[0] ^= 1;
		assert_int_not_equal(EVP_PKEY_verify(vctx, der, dl, dg, lens[i]), 1);
	}
	/* A SHA-256 digest signed directly is what pdp_sign makes: pdp_verify accepts it. */
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
	assert_int_equal(pdp_key_destroy(a, key_uri(group)), 0);
	pdp_accel_close(a);
}

static void test_sign_digest(void **state)
{
	(void)state;
	sign_digest_curve(PDP_CURVE_P256, "prime256v1");
	sign_digest_curve(PDP_CURVE_BP256R1, "brainpoolP256r1");
}

static void ecdh_curve(enum pdp_curve curve, const char *group)
{
	struct pdp_accel *a = accel_open(), *b = accel_open();
	uint8_t peer_pub[PDP_PUBKEY_LEN], pub[PDP_PUBKEY_LEN], z[32], z2[32], bad[PDP_PUBKEY_LEN];
	EVP_PKEY *peer = EVP_PKEY_Q_keygen(NULL, NULL, "EC", group), *mine;
	struct pdp_key *k = NULL;
	EVP_PKEY_CTX *dx;
	size_t n = 0, zl = sizeof(z2);

	assert_non_null(peer);
	assert_int_equal(EVP_PKEY_get_octet_string_param(peer, OSSL_PKEY_PARAM_PUB_KEY, peer_pub,
							 sizeof(peer_pub), &n),
			 1);
	assert_int_equal(pdp_key_generate(a, key_uri(group), curve, &k), 0);
	assert_int_equal(pdp_ecdh(a, k, peer_pub, z), 0);
	/* The peer's side with plain OpenSSL gets the same z. */
	assert_int_equal(pdp_key_public(k, pub, NULL), 0);
	mine = point_pkey(group, pub);
	dx = EVP_PKEY_CTX_new_from_pkey(NULL, peer, NULL);
	assert_int_equal(EVP_PKEY_derive_init(dx), 1);
	assert_int_equal(EVP_PKEY_derive_set_peer(dx, mine), 1);
	assert_int_equal(EVP_PKEY_derive(dx, z2, &zl), 1);
	assert_int_equal(zl, 32);
	assert_memory_equal(z, z2, 32);

	memcpy(bad, peer_pub, sizeof(bad));
	bad[64] ^= 1; /* off the curve */
	assert_int_equal(pdp_ecdh(a, k, bad, z), -EINVAL);
	bad[64] ^= 1;
	bad[0] = 0x02;
	assert_int_equal(pdp_ecdh(a, k, bad, z), -EINVAL);
	assert_int_equal(pdp_ecdh(a, k, NULL, z), -EINVAL);
	assert_int_equal(pdp_ecdh(a, k, peer_pub, NULL), -EINVAL);
	assert_int_equal(pdp_ecdh(b, k, peer_pub, z), -EINVAL); /* another accel's key */
	EVP_PKEY_CTX_free(dx);
	EVP_PKEY_free(mine);
	EVP_PKEY_free(peer);
	pdp_key_free(k);
	assert_int_equal(pdp_key_destroy(a, key_uri(group)), 0);
	pdp_accel_close(a);
	pdp_accel_close(b);
}

static void test_ecdh(void **state)
{
	(void)state;
	ecdh_curve(PDP_CURVE_P256, "prime256v1");
	ecdh_curve(PDP_CURVE_BP256R1, "brainpoolP256r1");
}

static void test_info(void **state)
{
	struct pdp_accel *a = accel_open();
	struct pdp_accel_info info;

	(void)state;
	memset(&info, 0x5a, sizeof(info));
	assert_int_equal(pdp_accel_info(a, &info), 0);
	assert_string_equal(info.backend, "soft");
	assert_string_equal(info.device, "");
	assert_non_null(strstr(info.fw_name, "OpenSSL"));
	assert_true(info.caps & PDP_ACCEL_CAP_SIGN);
	assert_true(info.caps & PDP_ACCEL_CAP_ECDH);
	assert_false(info.caps & PDP_ACCEL_CAP_ASYNC_QUEUE);
	assert_int_equal(info.key_slots, 0);
	assert_int_equal(info.af_alg_cbc, 0);
	assert_int_equal(info.af_alg_cmac, 0);
	assert_true(info.queue_depth > 0);
	assert_int_equal(pdp_accel_info(a, NULL), -EINVAL);
	assert_int_equal(pdp_accel_info(NULL, &info), -EINVAL);
	pdp_accel_close(a);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_generate_destroy),
	    cmocka_unit_test(test_sign_digest),
	    cmocka_unit_test(test_ecdh),
	    cmocka_unit_test(test_info),
	};


	cmocka_set_message_output(CM_OUTPUT_TAP);
	return cmocka_run_group_tests(tests, setup, teardown);
}
