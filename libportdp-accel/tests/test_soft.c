// SPDX-License-Identifier: Apache-2.0
/*
 * The soft backend: the whole accel.h suite (api_suite.c) on "soft:", plus
 * what only soft has: URIs, PEM keys (compared with the SGP.26 public keys),
 * key files (mode 0600, never overwritten, only keys removed), DER helpers.
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
#include "portdp/scp03t.h"
#include "api_suite.h"
#include "test_util.h"

#define NIST_SK "sgp26/dpauth/SK_S_SM_DPauth_ECDSA_NIST.pem"
#define NIST_PK "sgp26/dpauth/PK_S_SM_DPauth_ECDSA_NIST.pem"
#define BRP_SK "sgp26/dppb/SK_S_SM_DPpb_ECDSA_BRP.pem"
#define BRP_PK "sgp26/dppb/PK_S_SM_DPpb_ECDSA_BRP.pem"

static char dir[64];

static const char *soft_key_uri(enum pdp_curve curve)
{
	static char uri[4200];

	snprintf(uri, sizeof(uri), "file:%s", td_path(curve == PDP_CURVE_P256 ? NIST_SK : BRP_SK));
	return uri;
}

static const char *key_uri_in(const char *name)
{
	static char uri[2][200];
	static int next;
	char *u = uri[next++ % 2];

	snprintf(u, sizeof(uri[0]), "file:%s/%s", dir, name);
	return u;
}

static const char *key_uri(const char *name)
{
	return key_uri_in(name);
}

static const char *soft_scratch_uri(int i)
{
	static char uri[2][200];

	snprintf(uri[i], sizeof(uri[i]), "file:%s/scratch%d.pem", dir, i);
	return uri[i];
}

static const struct api_backend soft_backend = {
    .uri = "soft:",
    .key_uri = soft_key_uri,
    .scratch_uri = soft_scratch_uri,
    .foreign_uri = "slot:1",
};

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
	assert_int_equal(pdp_accel_open("dev:/nonexistent/portdp-accel9", &a), -ENODEV);
	assert_int_equal(pdp_accel_open("dev:relative/path", &a), -EINVAL);
	assert_int_equal(pdp_accel_open("dev:/dev/portdp-accel0?bogus=1", &a), -EINVAL);
	assert_int_equal(pdp_accel_open("dev:?depth=0", &a), -EINVAL);
	assert_int_equal(pdp_accel_open("dev:?depth=4097", &a), -EINVAL);
	assert_int_equal(pdp_accel_open("dev:?depth=-1", &a), -EINVAL);
	assert_int_equal(pdp_accel_open("dev:?sync=maybe", &a), -EINVAL);
	assert_int_equal(pdp_accel_open("dev:/dev/null", &a), -ENODEV); /* not a card */
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

/* Soft stock keys: a 32-byte file only its owner may read, never overwritten. */
static void test_stock_key_file(void **state)
{
	struct pdp_accel *a = api_open();
	struct pdp_stock_key *k = NULL;
	const char *uri = key_uri("stock.key");
	struct stat st;
	FILE *f;

	(void)state;
	assert_int_equal(pdp_stock_key_generate(a, uri, &k), 0);
	assert_int_equal(stat(uri + 5, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0600);
	assert_int_equal(st.st_size, PDP_STOCK_KEY_LEN);
	pdp_stock_key_free(k);
	assert_int_equal(pdp_stock_key_generate(a, uri, &k), -EEXIST);
	assert_int_equal(pdp_stock_key_load(a, uri, &k), 0);
	pdp_stock_key_free(k);
	/* looser modes refused */
	assert_int_equal(chmod(uri + 5, 0640), 0);
	assert_int_equal(pdp_stock_key_load(a, uri, &k), -EPERM);
	assert_int_equal(chmod(uri + 5, 0604), 0);
	assert_int_equal(pdp_stock_key_load(a, uri, &k), -EPERM);
	/* a file of another size */
	assert_int_equal(chmod(uri + 5, 0600), 0);
	f = fopen(uri + 5, "a");
	fputc(0, f);
	fclose(f);
	assert_int_equal(pdp_stock_key_load(a, uri, &k), -EINVAL);
	assert_int_equal(unlink(uri + 5), 0);
	assert_int_equal(pdp_stock_key_load(a, uri, &k), -ENOENT);
	assert_int_equal(pdp_stock_key_load(a, "slot:3", &k), -EINVAL);
	assert_int_equal(pdp_stock_key_load(a, "file:", &k), -EINVAL);
	assert_int_equal(pdp_stock_key_load(NULL, uri, &k), -EINVAL);
	pdp_accel_close(a);
}

int main(void)
{
	static const struct CMUnitTest own[] = {
	    cmocka_unit_test(test_open_uris),
	    cmocka_unit_test(test_key_load),
	    cmocka_unit_test(test_sig_der),
	    cmocka_unit_test(test_generate_destroy),
	    cmocka_unit_test(test_stock_key_file),
	};
	struct CMUnitTest all[64];
	size_t n;

	memcpy(all, own, sizeof(own));
	n = sizeof(own) / sizeof(own[0]);
	n += api_suite_tests(&soft_backend, all + n, sizeof(all) / sizeof(all[0]) - n);
	cmocka_set_message_output(CM_OUTPUT_TAP);
	return _cmocka_run_group_tests("soft", all, n, setup, teardown);
}
