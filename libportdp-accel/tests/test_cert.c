// SPDX-License-Identifier: Apache-2.0
/*
 * SGP.22 certificate checks on the SGP.26 test certificates and on a PKI
 * made by portdp-pki: good chains, the shared-key CI pair, DP roles, and
 * every failure the ES9+ layer has to report.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cmocka.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/sha.h>
#include <openssl/x509v3.h>

#include "portdp/cert.h"
#include "test_util.h"

#define CI_2017 "sgp26/ci/CERT_GSMA_TEST_CI_2017.der"
#define CI_NIST "sgp26/ci/CERT_CI_ECDSA_NIST.der"
#define CI_BRP "sgp26/ci/CERT_CI_ECDSA_BRP.der"
#define EUM "sgp26/euicc/eum.der"
#define EUICC "sgp26/euicc/euicc.der"

static time_t utc(int y, int mo, int d)
{
	struct tm tm = {.tm_year = y - 1900, .tm_mon = mo - 1, .tm_mday = d, .tm_hour = 12};

	return timegm(&tm);
}

/* The brief's "today": the SGP.26 DP TLS cert has expired by then. */
#define TODAY utc(2026, 11, 21)

static char pki_dir[] = "/tmp/portdp-test-cert-XXXXXX";
static char pki2_dir[] = "/tmp/portdp-test-cert2-XXXXXX";

static struct pdp_cert *load(const char *path)
{
	struct pdp_cert *c = NULL;

	assert_int_equal(pdp_cert_load(path, &c), PDP_CERT_OK);
	return c;
}

static struct pdp_cert *load_td(const char *rel)
{
	return load(td_path(rel));
}

static struct pdp_cert_verifier *verifier(const char *const *ci_paths)
{
	struct pdp_cert_verifier *v = NULL;

	assert_int_equal(pdp_cert_verifier_new(&v), PDP_CERT_OK);
	for (; *ci_paths; ci_paths++)
		assert_int_equal(pdp_cert_verifier_add_ci_file(v, *ci_paths), PDP_CERT_OK);
	return v;
}

static int run_pki(const char *dir, const char *extra)
{
	const char *build = getenv("BUILD");
	char cmd[8192];

	snprintf(cmd, sizeof(cmd), "%s/bin/portdp-pki %s %s >/dev/null", build ? build : "build",
		 extra, dir);
	return system(cmd);
}

static int setup(void **state)
{
	(void)state;
	if (!mkdtemp(pki_dir) || !mkdtemp(pki2_dir))
		return -1;
	if (run_pki(pki_dir, "-n 50 --outside 3") || run_pki(pki2_dir, "-n 1 --curve bp256"))
		return -1;
	return 0;
}

static int teardown(void **state)
{
	char cmd[256];

	(void)state;
	snprintf(cmd, sizeof(cmd), "rm -rf %s %s", pki_dir, pki2_dir);
	return system(cmd);
}

static void test_parse_fields(void **state)
{
	static const uint8_t ci_ski[] = {0xF5, 0x41, 0x72, 0xBD, 0xF9, 0x8A, 0x95,
					 0xD6, 0x5C, 0xBE, 0xB8, 0x8A, 0x38, 0xA1,
					 0xC1, 0x1D, 0x80, 0x0A, 0x85, 0xC3};
	static const uint8_t want_eid[16] = {0x89, 0x04, 0x90, 0x32, 0x12, 0x34, 0x51, 0x23,
					     0x45, 0x12, 0x34, 0x56, 0x78, 0x90, 0x12, 0x35};
	struct pdp_cert *eum = load_td(EUM), *euicc = load_td(EUICC), *c = NULL;
	uint8_t id[PDP_KEYID_MAX], eid[16], pub[PDP_PUBKEY_LEN], *der;
	enum pdp_curve curve;
	char serial[40];
	size_t n, der_len;

	(void)state;
	assert_int_equal(pdp_cert_aki(eum, id, &n), PDP_CERT_OK);
	assert_int_equal(n, 20);
	assert_memory_equal(id, ci_ski, 20);
	assert_int_equal(pdp_cert_ski(eum, id, &n), PDP_CERT_OK);
	assert_int_equal(id[0], 0xDD);
	assert_int_equal(pdp_cert_aki(euicc, id + 20 - 20, &n), PDP_CERT_OK);
	assert_int_equal(id[0], 0xDD); /* eUICC's AKI is the EUM's SKI */
	assert_int_equal(pdp_cert_eid(euicc, eid), PDP_CERT_OK);
	assert_memory_equal(eid, want_eid, 16);
	assert_int_equal(pdp_cert_subject_serial(euicc, serial, sizeof(serial)), PDP_CERT_OK);
	assert_string_equal(serial, "89049032123451234512345678901235");
	assert_int_equal(pdp_cert_subject_serial(euicc, serial, 32), PDP_CERT_ERR_INVALID);
	assert_int_equal(pdp_cert_eid(eum, eid), PDP_CERT_ERR_MALFORMED);
	assert_int_equal(pdp_cert_public_key(euicc, pub, &curve), PDP_CERT_OK);
	assert_int_equal(curve, PDP_CURVE_P256);
	assert_int_equal(pub[0], 0x04);

	/* DER with a trailing byte, truncated DER, and garbage are refused. */
	der = td_read(td_path(EUICC), &der_len);
	assert_non_null(der);
	der = realloc(der, der_len + 1);
	der[der_len] = 0;
	assert_int_equal(pdp_cert_parse(der, der_len + 1, &c), PDP_CERT_ERR_MALFORMED);
	assert_int_equal(pdp_cert_parse(der, der_len - 1, &c), PDP_CERT_ERR_MALFORMED);
	assert_int_equal(pdp_cert_parse((const uint8_t *)"hello", 5, &c), PDP_CERT_ERR_MALFORMED);
	assert_int_equal(pdp_cert_parse(der, 0, &c), PDP_CERT_ERR_INVALID);
	assert_null(c);
	assert_int_equal(pdp_cert_parse(der, der_len, &c), PDP_CERT_OK);
	assert_memory_equal(pdp_cert_der(c, &n), der, der_len);
	assert_int_equal(n, der_len);
	pdp_cert_free(c);
	free(der);
	assert_int_equal(pdp_cert_load("/nonexistent.der", &c), PDP_CERT_ERR_INVALID);
	assert_string_equal(pdp_cert_strerror(PDP_CERT_ERR_EID_RANGE),
			    "EID or organisation outside the EUM's name constraints");
	pdp_cert_free(eum);
	pdp_cert_free(euicc);
}

static void check_sgp26_euicc(const char *ci_rel)
{
	const char *cis[] = {td_path(ci_rel), NULL};
	struct pdp_cert_verifier *v = verifier(cis);
	struct pdp_cert *eum = load_td(EUM), *euicc = load_td(EUICC);
	enum pdp_cert_role who = PDP_CERT_ROLE_CI;
	int i;

	/* Twice: the second run takes the EUM from the cache. */
	for (i = 0; i < 2; i++) {
		assert_int_equal(pdp_cert_verify_euicc_chain(v, eum, euicc, TODAY, &who),
				 PDP_CERT_OK);
		assert_int_equal(who, PDP_CERT_ROLE_NONE);
	}
	/* A cached EUM still has its validity checked. EUM ends 2051-01-19. */
	assert_int_equal(pdp_cert_verify_euicc_chain(v, eum, euicc, utc(2051, 3, 1), &who),
			 PDP_CERT_ERR_EXPIRED);
	assert_int_equal(who, PDP_CERT_ROLE_EUM);
	/* The eUICC becomes valid on 2026-08-08. */
	assert_int_equal(pdp_cert_verify_euicc_chain(v, eum, euicc, utc(2026, 8, 1), &who),
			 PDP_CERT_ERR_NOT_YET_VALID);
	assert_int_equal(who, PDP_CERT_ROLE_EUICC);
	/* Swapped roles: the eUICC is no EUM. */
	assert_int_not_equal(pdp_cert_verify_euicc_chain(v, euicc, eum, TODAY, &who), PDP_CERT_OK);
	pdp_cert_free(eum);
	pdp_cert_free(euicc);
	pdp_cert_verifier_free(v);
}

static void test_sgp26_euicc_ci2017(void **state)
{
	(void)state;
	check_sgp26_euicc(CI_2017);
}

static void test_sgp26_euicc_ci_nist(void **state)
{
	(void)state;
	check_sgp26_euicc(CI_NIST); /* same key, other subject name */
}

static void test_ci_set(void **state)
{
	const char *cis[] = {td_path(CI_2017), td_path(CI_NIST), NULL};
	static const uint8_t nist[] = {0xF5, 0x41, 0x72, 0xBD, 0xF9, 0x8A, 0x95, 0xD6, 0x5C, 0xBE,
				       0xB8, 0x8A, 0x38, 0xA1, 0xC1, 0x1D, 0x80, 0x0A, 0x85, 0xC3};
	struct pdp_cert_verifier *v = verifier(cis);
	struct pdp_cert *euicc = load_td(EUICC);
	uint8_t id[PDP_KEYID_MAX];
	size_t n;

	(void)state;
	assert_int_equal(pdp_cert_verifier_ci_count(v), 1); /* one key under two names */
	assert_int_equal(pdp_cert_verifier_add_ci_file(v, td_path(CI_BRP)), PDP_CERT_OK);
	assert_int_equal(pdp_cert_verifier_ci_count(v), 2);
	assert_int_equal(pdp_cert_verifier_ci_keyid(v, 0, id, &n), PDP_CERT_OK);
	assert_int_equal(n, 20);
	assert_memory_equal(id, nist, 20);
	assert_int_equal(pdp_cert_verifier_ci_keyid(v, 1, id, &n), PDP_CERT_OK);
	assert_int_equal(id[0], 0xC0);
	assert_int_equal(pdp_cert_verifier_ci_keyid(v, 2, id, &n), PDP_CERT_ERR_INVALID);
	assert_int_equal(pdp_cert_verifier_has_ci(v, nist, 20), PDP_CERT_OK);
	assert_int_equal(pdp_cert_verifier_has_ci(v, nist, 19), PDP_CERT_ERR_UNKNOWN_CI);
	/* Only a CA can be a CI. */
	assert_int_equal(pdp_cert_verifier_add_ci(v, euicc), PDP_CERT_ERR_NOT_CA);
	assert_int_equal(pdp_cert_verifier_add_ci_file(v, td_path(EUM)),
			 PDP_CERT_ERR_BAD_SIGNATURE);
	pdp_cert_free(euicc);
	pdp_cert_verifier_free(v);
}

static void test_sgp26_dp(void **state)
{
	const char *nist[] = {td_path(CI_NIST), NULL}, *brp[] = {td_path(CI_BRP), NULL};
	struct pdp_cert_verifier *vn = verifier(nist), *vb = verifier(brp);
	struct pdp_cert *auth_n = load_td("sgp26/dpauth/CERT_S_SM_DPauth_ECDSA_NIST.der");
	struct pdp_cert *pb_n = load_td("sgp26/dppb/CERT_S_SM_DPpb_ECDSA_NIST.der");
	struct pdp_cert *auth_b = load_td("sgp26/dpauth/CERT_S_SM_DPauth_ECDSA_BRP.der");
	struct pdp_cert *pb_b = load_td("sgp26/dppb/CERT_S_SM_DPpb_ECDSA_BRP.der");
	struct pdp_cert *tls = load_td("sgp26/dptls/CERT_S_SM_DP_TLS_NIST.der");

	(void)state;
	assert_int_equal(pdp_cert_verify_dp(vn, auth_n, PDP_CERT_ROLE_DP_AUTH, TODAY), PDP_CERT_OK);
	assert_int_equal(pdp_cert_verify_dp(vn, pb_n, PDP_CERT_ROLE_DP_PB, TODAY), PDP_CERT_OK);
	assert_int_equal(pdp_cert_verify_dp(vb, auth_b, PDP_CERT_ROLE_DP_AUTH, TODAY), PDP_CERT_OK);
	assert_int_equal(pdp_cert_verify_dp(vb, pb_b, PDP_CERT_ROLE_DP_PB, TODAY), PDP_CERT_OK);
	/* Wrong role (policy), wrong CI, expiry. */
	assert_int_equal(pdp_cert_verify_dp(vn, auth_n, PDP_CERT_ROLE_DP_PB, TODAY),
			 PDP_CERT_ERR_POLICY);
	assert_int_equal(pdp_cert_verify_dp(vn, auth_b, PDP_CERT_ROLE_DP_AUTH, TODAY),
			 PDP_CERT_ERR_UNKNOWN_CI);
	assert_int_equal(pdp_cert_verify_dp(vb, pb_n, PDP_CERT_ROLE_DP_PB, TODAY),
			 PDP_CERT_ERR_UNKNOWN_CI);
	assert_int_equal(pdp_cert_verify_dp(vn, auth_n, PDP_CERT_ROLE_DP_AUTH, utc(2030, 4, 1)),
			 PDP_CERT_ERR_EXPIRED);
	assert_int_equal(pdp_cert_verify_dp(vn, tls, PDP_CERT_ROLE_DP_TLS, TODAY),
			 PDP_CERT_ERR_EXPIRED); /* ended 2026-08-02 */
	assert_int_equal(pdp_cert_verify_dp(vn, tls, PDP_CERT_ROLE_DP_TLS, utc(2026, 1, 1)),
			 PDP_CERT_OK);
	assert_int_equal(pdp_cert_verify_dp(vn, tls, PDP_CERT_ROLE_EUICC, TODAY),
			 PDP_CERT_ERR_INVALID);
	pdp_cert_free(auth_n);
	pdp_cert_free(pb_n);
	pdp_cert_free(auth_b);
	pdp_cert_free(pb_b);
	pdp_cert_free(tls);
	pdp_cert_verifier_free(vn);
	pdp_cert_verifier_free(vb);
}

/* Flip one byte of a DER file at @off (negative: from the end) and parse. */
static struct pdp_cert *tampered(const char *path, long off)
{
	struct pdp_cert *c = NULL;
	size_t n;
	uint8_t *der = td_read(path, &n);

	assert_non_null(der);
	der[off < 0 ? (long)n + off : off] ^= 0x01;
	assert_int_equal(pdp_cert_parse(der, n, &c), PDP_CERT_OK);
	free(der);
	return c;
}

static void test_tampered(void **state)
{
	const char *cis[] = {td_path(CI_2017), NULL};
	struct pdp_cert_verifier *v = verifier(cis);
	struct pdp_cert *eum = load_td(EUM), *euicc = load_td(EUICC), *bad;
	enum pdp_cert_role who;

	(void)state;
	/* Last byte = inside the signature's s. */
	bad = tampered(td_path(EUICC), -1);
	assert_int_equal(pdp_cert_verify_euicc_chain(v, eum, bad, TODAY, &who),
			 PDP_CERT_ERR_BAD_SIGNATURE);
	assert_int_equal(who, PDP_CERT_ROLE_EUICC);
	pdp_cert_free(bad);
	/* A byte of the subject CN inside the signed part. */
	bad = tampered(td_path(EUICC), 215);
	assert_int_equal(pdp_cert_verify_euicc_chain(v, eum, bad, TODAY, &who),
			 PDP_CERT_ERR_BAD_SIGNATURE);
	pdp_cert_free(bad);
	/* A tampered EUM is never taken from the cache of the good one. */
	assert_int_equal(pdp_cert_verify_euicc_chain(v, eum, euicc, TODAY, &who), PDP_CERT_OK);
	bad = tampered(td_path(EUM), -1);
	assert_int_equal(pdp_cert_verify_euicc_chain(v, bad, euicc, TODAY, &who),
			 PDP_CERT_ERR_BAD_SIGNATURE);
	assert_int_equal(who, PDP_CERT_ROLE_EUM);
	pdp_cert_free(bad);
	pdp_cert_free(eum);
	pdp_cert_free(euicc);
	pdp_cert_verifier_free(v);
}

static void pki_path(char *buf, size_t cap, const char *dir, const char *rel)
{
	snprintf(buf, cap, "%s/%s", dir, rel);
}

static void test_generated_pki(void **state)
{
	char path[4200], eid[64];
	const char *cis[] = {path, NULL};
	struct pdp_cert_verifier *v, *v26, *v2;
	struct pdp_cert *eum, *eum26, *c;
	enum pdp_cert_role who;
	time_t now = time(NULL);
	FILE *list;
	int n = 0;

	(void)state;
	pki_path(path, sizeof(path), pki_dir, "ci.der");
	v = verifier(cis);
	pki_path(path, sizeof(path), pki2_dir, "ci.pem");
	v2 = verifier(cis);
	snprintf(path, sizeof(path), "%s", td_path(CI_2017));
	v26 = verifier(cis);
	pki_path(path, sizeof(path), pki_dir, "eum.pem");
	eum = load(path);
	eum26 = load_td(EUM);

	pki_path(path, sizeof(path), pki_dir, "euicc/list.txt");
	list = fopen(path, "r");
	assert_non_null(list);
	while (fscanf(list, "%63s", eid) == 1) {
		char rel[128];

		snprintf(rel, sizeof(rel), "euicc/%s.der", eid);
		pki_path(path, sizeof(path), pki_dir, rel);
		c = load(path);
		assert_int_equal(pdp_cert_verify_euicc_chain(v, eum, c, now, &who), PDP_CERT_OK);
		/* Another CI, or another EUM, does not vouch for it. */
		assert_int_equal(pdp_cert_verify_euicc_chain(v2, eum, c, now, &who),
				 PDP_CERT_ERR_UNKNOWN_CI);
		assert_int_equal(who, PDP_CERT_ROLE_EUM);
		assert_int_equal(pdp_cert_verify_euicc_chain(v26, eum26, c, now, &who),
				 PDP_CERT_ERR_UNKNOWN_ISSUER);
		assert_int_equal(who, PDP_CERT_ROLE_EUICC);
		pdp_cert_free(c);
		n++;
	}
	fclose(list);
	assert_int_equal(n, 50);

	pki_path(path, sizeof(path), pki_dir, "outside/list.txt");
	list = fopen(path, "r");
	assert_non_null(list);
	n = 0;
	while (fscanf(list, "%63s", eid) == 1) {
		char rel[128];

		snprintf(rel, sizeof(rel), "outside/%s.der", eid);
		pki_path(path, sizeof(path), pki_dir, rel);
		c = load(path);
		assert_int_equal(pdp_cert_verify_euicc_chain(v, eum, c, now, &who),
				 PDP_CERT_ERR_EID_RANGE);
		assert_int_equal(who, PDP_CERT_ROLE_EUICC);
		pdp_cert_free(c);
		n++;
	}
	fclose(list);
	assert_int_equal(n, 3);

	pki_path(path, sizeof(path), pki_dir, "dpauth.der");
	c = load(path);
	assert_int_equal(pdp_cert_verify_dp(v, c, PDP_CERT_ROLE_DP_AUTH, now), PDP_CERT_OK);
	assert_int_equal(pdp_cert_verify_dp(v2, c, PDP_CERT_ROLE_DP_AUTH, now),
			 PDP_CERT_ERR_UNKNOWN_CI);
	pdp_cert_free(c);
	pki_path(path, sizeof(path), pki_dir, "dppb.pem");
	c = load(path);
	assert_int_equal(pdp_cert_verify_dp(v, c, PDP_CERT_ROLE_DP_PB, now), PDP_CERT_OK);
	pdp_cert_free(c);
	pki_path(path, sizeof(path), pki_dir, "dptls.pem");
	c = load(path);
	assert_int_equal(pdp_cert_verify_dp(v, c, PDP_CERT_ROLE_DP_TLS, now), PDP_CERT_OK);
	assert_int_equal(pdp_cert_verify_dp(v, c, PDP_CERT_ROLE_DP_TLS, now + 3651L * 86400),
			 PDP_CERT_ERR_EXPIRED);
	pdp_cert_free(c);
	/* The brainpool PKI checks out the same way. */
	pki_path(path, sizeof(path), pki2_dir, "dppb.der");
	c = load(path);
	assert_int_equal(pdp_cert_verify_dp(v2, c, PDP_CERT_ROLE_DP_PB, now), PDP_CERT_OK);
	pdp_cert_free(c);

	pdp_cert_free(eum);
	pdp_cert_free(eum26);
	pdp_cert_verifier_free(v);
	pdp_cert_verifier_free(v2);
	pdp_cert_verifier_free(v26);
}

/* An eUICC cert signed by the generated EUM with chosen O, EID and key usage. */
static struct pdp_cert *forge_euicc(const char *org, const char *eid, const char *ku)
{
	char path[4200];
	FILE *f;
	X509 *eum, *x = X509_new();
	EVP_PKEY *eum_key, *key = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "prime256v1");
	X509_NAME *name = X509_NAME_new();
	X509V3_CTX ctx;
	X509_EXTENSION *e;
	struct pdp_cert *c = NULL;
	unsigned char *der = NULL;
	const char *exts[][2] = {{"subjectKeyIdentifier", "hash"},
				 {"authorityKeyIdentifier", "keyid:always"},
				 {"keyUsage", ku},
				 {"certificatePolicies", "critical,2.23.146.1.2.1.1"}};
	CONF *conf = NCONF_new(NULL);
	size_t i;
	int n;

	pki_path(path, sizeof(path), pki_dir, "eum.pem");
	f = fopen(path, "r");
	eum = PEM_read_X509(f, NULL, NULL, NULL);
	fclose(f);
	pki_path(path, sizeof(path), pki_dir, "eum-key.pem");
	f = fopen(path, "r");
	eum_key = PEM_read_PrivateKey(f, NULL, NULL, NULL);
	fclose(f);
	assert_non_null(eum);
	assert_non_null(eum_key);
	X509_NAME_add_entry_by_txt(name, "O", MBSTRING_UTF8, (const unsigned char *)org, -1, -1, 0);
	X509_NAME_add_entry_by_txt(name, "serialNumber", MBSTRING_UTF8, (const unsigned char *)eid,
				   -1, -1, 0);
	X509_set_version(x, X509_VERSION_3);
	ASN1_INTEGER_set(X509_get_serialNumber(x), 7);
	X509_set_subject_name(x, name);
	X509_set_issuer_name(x, X509_get_subject_name(eum));
	X509_gmtime_adj(X509_getm_notBefore(x), -3600);
	X509_gmtime_adj(X509_getm_notAfter(x), 86400);
	X509_set_pubkey(x, key);
	X509V3_set_ctx(&ctx, eum, x, NULL, NULL, 0);
	X509V3_set_nconf(&ctx, conf);
	for (i = 0; i < sizeof(exts) / sizeof(exts[0]); i++) {
		e = X509V3_EXT_nconf(NULL, &ctx, exts[i][0], exts[i][1]);
		assert_non_null(e);
		X509_add_ext(x, e, -1);
		X509_EXTENSION_free(e);
	}
	assert_true(X509_sign(x, eum_key, EVP_sha256()) > 0);
	n = i2d_X509(x, &der);
	assert_int_equal(pdp_cert_parse(der, n, &c), PDP_CERT_OK);
	OPENSSL_free(der);
	NCONF_free(conf);
	X509_NAME_free(name);
	X509_free(x);
	X509_free(eum);
	EVP_PKEY_free(key);
	EVP_PKEY_free(eum_key);
	return c;
}

static void test_forged_euiccs(void **state)
{
	char path[4200];
	const char *cis[] = {path, NULL};
	struct pdp_cert_verifier *v;
	struct pdp_cert *eum, *c;
	enum pdp_cert_role who;
	time_t now = time(NULL);

	(void)state;
	pki_path(path, sizeof(path), pki_dir, "ci.der");
	v = verifier(cis);
	pki_path(path, sizeof(path), pki_dir, "eum.der");
	eum = load(path);
	/* The control: a hand-made but proper eUICC passes. */
	c = forge_euicc("Port-DP Test EUM", "89049032000000000000000000099978",
			"critical,digitalSignature");
	assert_int_equal(pdp_cert_verify_euicc_chain(v, eum, c, now, &who), PDP_CERT_OK);
	pdp_cert_free(c);
	c = forge_euicc("Other EUM", "89049032000000000000000000099978",
			"critical,digitalSignature");
	assert_int_equal(pdp_cert_verify_euicc_chain(v, eum, c, now, &who), PDP_CERT_ERR_EID_RANGE);
	pdp_cert_free(c);
	c = forge_euicc("Port-DP Test EUM", "89049099000000000000000000099978",
			"critical,digitalSignature");
	assert_int_equal(pdp_cert_verify_euicc_chain(v, eum, c, now, &who), PDP_CERT_ERR_EID_RANGE);
	pdp_cert_free(c);
	c = forge_euicc("Port-DP Test EUM", "89049032000000000000000000099978",
			"critical,keyCertSign");
	assert_int_equal(pdp_cert_verify_euicc_chain(v, eum, c, now, &who), PDP_CERT_ERR_KEY_USAGE);
	assert_int_equal(who, PDP_CERT_ROLE_EUICC);
	pdp_cert_free(c);
	c = forge_euicc("Port-DP Test EUM", "8904903200000", "critical,digitalSignature");
	assert_int_equal(pdp_cert_verify_euicc_chain(v, eum, c, now, &who), PDP_CERT_ERR_MALFORMED);
	pdp_cert_free(c);
	pdp_cert_free(eum);
	pdp_cert_verifier_free(v);
}

/* Every SGP.26 certificate; the generated PKI's are added at run time. */
static const char *const sgp26_certs[] = {
    CI_2017,
    CI_NIST,
    CI_BRP,
    EUM,
    EUICC,
    "sgp26/dpauth/CERT_S_SM_DPauth_ECDSA_NIST.der",
    "sgp26/dpauth/CERT_S_SM_DPauth_ECDSA_BRP.der",
    "sgp26/dppb/CERT_S_SM_DPpb_ECDSA_NIST.der",
    "sgp26/dppb/CERT_S_SM_DPpb_ECDSA_BRP.der",
    "sgp26/dptls/CERT_S_SM_DP_TLS_NIST.der",
};

static time_t openssl_time(const ASN1_TIME *t)
{
	struct tm tm;

	assert_true(ASN1_TIME_to_tm(t, &tm));
	return timegm(&tm);
}

/* The first registeredID of the SAN as OpenSSL reads it (DER OID TLV), 0 if none. */
static size_t openssl_rid(X509 *x, uint8_t *out)
{
	GENERAL_NAMES *names = X509_get_ext_d2i(x, NID_subject_alt_name, NULL, NULL);
	size_t n = 0;
	int i;

	for (i = 0; names && i < sk_GENERAL_NAME_num(names); i++) {
		GENERAL_NAME *gn = sk_GENERAL_NAME_value(names, i);
		unsigned char *q = out;

		if (gn->type != GEN_RID)
			continue;
		n = (size_t)i2d_ASN1_OBJECT(gn->d.registeredID, &q);
		break;
	}
	GENERAL_NAMES_free(names);
	return n;
}

/* The lean reader must agree with d2i_X509 on every field both can see. */
static void compare_with_openssl(const char *path)
{
	size_t der_len, n, m;
	uint8_t *der = td_read(path, &der_len), id[PDP_KEYID_MAX], pub[PDP_PUBKEY_LEN];
	uint8_t pub2[PDP_PUBKEY_LEN], oid[64], oid2[64], sha[32], sha2[32];
	const unsigned char *p = der;
	const ASN1_OCTET_STRING *ski, *aki;
	struct pdp_cert *c = NULL;
	enum pdp_curve curve;
	char serial[80], serial2[80];
	X509 *x;
	time_t t;
	int k;

	assert_non_null(der);
	x = d2i_X509(NULL, &p, (long)der_len);
	assert_non_null(x);
	assert_int_equal(pdp_cert_parse(der, der_len, &c), PDP_CERT_OK);
	ski = X509_get0_subject_key_id(x);
	aki = X509_get0_authority_key_id(x);
	assert_non_null(ski);
	assert_int_equal(pdp_cert_ski(c, id, &n), PDP_CERT_OK);
	assert_int_equal(n, ski->length);
	assert_memory_equal(id, ski->data, n);
	if (aki) {
		assert_int_equal(pdp_cert_aki(c, id, &n), PDP_CERT_OK);
		assert_int_equal(n, aki->length);
		assert_memory_equal(id, aki->data, n);
	} else {
		assert_int_equal(pdp_cert_aki(c, id, &n), PDP_CERT_ERR_MALFORMED);
	}
	assert_int_equal(pdp_cert_public_key(c, pub, &curve), PDP_CERT_OK);
	n = 0;
	assert_true(EVP_PKEY_get_octet_string_param(X509_get0_pubkey(x), "encoded-pub-key", pub2,
						    sizeof(pub2), &n));
	assert_int_equal(n, PDP_PUBKEY_LEN);
	assert_memory_equal(pub, pub2, PDP_PUBKEY_LEN);
	assert_int_equal(pdp_cert_not_after(c, &t), PDP_CERT_OK);
	assert_int_equal(t, openssl_time(X509_get0_notAfter(x)));
	k = X509_NAME_get_text_by_NID(X509_get_subject_name(x), NID_serialNumber, serial2,
				      sizeof(serial2));
	if (k >= 0) {
		assert_int_equal(pdp_cert_subject_serial(c, serial, sizeof(serial)), PDP_CERT_OK);
		assert_string_equal(serial, serial2);
	} else {
		assert_int_equal(pdp_cert_subject_serial(c, serial, sizeof(serial)),
				 PDP_CERT_ERR_MALFORMED);
	}
	m = openssl_rid(x, oid2);
	if (m) {
		assert_int_equal(pdp_cert_smdp_oid(c, oid, sizeof(oid), &n), PDP_CERT_OK);
		assert_int_equal(n, m);
		assert_memory_equal(oid, oid2, m);
		assert_int_equal(pdp_cert_smdp_oid(c, oid, m - 1, &n), PDP_CERT_ERR_INVALID);
	} else {
		assert_int_equal(pdp_cert_smdp_oid(c, oid, sizeof(oid), &n),
				 PDP_CERT_ERR_MALFORMED);
	}
	assert_true(SHA256(der, der_len, sha2) != NULL);
	pdp_cert_sha256(c, sha);
	assert_memory_equal(sha, sha2, 32);
	pdp_cert_free(c);
	X509_free(x);
	free(der);
}

static void test_lean_parser_agrees(void **state)
{
	static const char *const gen[] = {"ci.der", "eum.der", "dpauth.der", "dppb.der",
					  "dptls.der"};
	char path[4200];
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(sgp26_certs) / sizeof(sgp26_certs[0]); i++)
		compare_with_openssl(td_path(sgp26_certs[i]));
	for (i = 0; i < sizeof(gen) / sizeof(gen[0]); i++) {
		pki_path(path, sizeof(path), pki_dir, gen[i]);
		compare_with_openssl(path);
		pki_path(path, sizeof(path), pki2_dir, gen[i]);
		compare_with_openssl(path);
	}
}

/*
 * Malformed input: every truncation is refused, every single-bit flip either
 * parses or is refused cleanly, and a flip that still parses never passes
 * the chain check (the signature covers every byte that matters).
 */
static void test_malformed(void **state)
{
	const char *cis[] = {td_path(CI_2017), NULL};
	struct pdp_cert_verifier *v = verifier(cis);
	struct pdp_cert *eum = load_td(EUM), *euicc = load_td(EUICC), *c;
	enum pdp_cert_role who;
	size_t i, n, bit, parsed = 0, refused = 0;
	uint8_t *der;
	enum pdp_cert_status st;

	(void)state;
	for (i = 0; i < sizeof(sgp26_certs) / sizeof(sgp26_certs[0]); i++) {
		der = td_read(td_path(sgp26_certs[i]), &n);
		assert_non_null(der);
		for (size_t len = 1; len < n; len++) {
			c = NULL;
			assert_int_equal(pdp_cert_parse(der, len, &c), PDP_CERT_ERR_MALFORMED);
			assert_null(c);
		}
		free(der);
	}
	der = td_read(td_path(EUICC), &n);
	assert_non_null(der);
	for (bit = 0; bit < n * 8; bit++) {
		der[bit / 8] ^= 1u << (bit % 8);
		c = NULL;
		st = pdp_cert_parse(der, n, &c);
		if (st == PDP_CERT_OK) {
			parsed++;
			assert_int_not_equal(pdp_cert_verify_euicc_chain(v, eum, c, TODAY, &who),
					     PDP_CERT_OK);
			pdp_cert_free(c);
		} else {
			assert_int_equal(st, PDP_CERT_ERR_MALFORMED);
			assert_null(c);
			refused++;
		}
		der[bit / 8] ^= 1u << (bit % 8);
	}
	assert_true(parsed > 0 && refused > 0);
	/* The untouched certificate still checks out: nothing was left behind. */
	assert_int_equal(pdp_cert_parse(der, n, &c), PDP_CERT_OK);
	assert_int_equal(pdp_cert_verify_euicc_chain(v, eum, c, TODAY, &who), PDP_CERT_OK);
	pdp_cert_free(c);
	free(der);

	/* Hand-made oddities: indefinite length, long-form length not minimal, high tag. */
	{
		static const uint8_t indef[] = {0x30, 0x80, 0x00, 0x00};
		static const uint8_t longlen[] = {0x30, 0x81, 0x03, 0x02, 0x01, 0x00};
		static const uint8_t hightag[] = {0x30, 0x03, 0x1f, 0x01, 0x00};
		static const uint8_t huge[] = {0x30, 0x84, 0x7f, 0xff, 0xff, 0xff};

		assert_int_equal(pdp_cert_parse(indef, sizeof(indef), &c), PDP_CERT_ERR_MALFORMED);
		assert_int_equal(pdp_cert_parse(longlen, sizeof(longlen), &c),
				 PDP_CERT_ERR_MALFORMED);
		assert_int_equal(pdp_cert_parse(hightag, sizeof(hightag), &c),
				 PDP_CERT_ERR_MALFORMED);
		assert_int_equal(pdp_cert_parse(huge, sizeof(huge), &c), PDP_CERT_ERR_MALFORMED);
	}
	pdp_cert_free(eum);
	pdp_cert_free(euicc);
	pdp_cert_verifier_free(v);
}

/* The verified-certificate cache hands out EUM and DP certs by DER, nothing unverified. */
static void test_verifier_lookup(void **state)
{
	const char *cis[] = {td_path(CI_2017), td_path(CI_NIST), NULL};
	struct pdp_cert_verifier *v = verifier(cis);
	struct pdp_cert *eum = load_td(EUM), *euicc = load_td(EUICC), *bad, *hit;
	struct pdp_cert *dp = load_td("sgp26/dppb/CERT_S_SM_DPpb_ECDSA_NIST.der");
	enum pdp_cert_role who;
	const uint8_t *der;
	uint8_t *copy;
	size_t n;

	(void)state;
	der = pdp_cert_der(eum, &n);
	assert_null(pdp_cert_verifier_lookup(v, der, n)); /* not verified yet */
	bad = tampered(td_path(EUM), -1);
	assert_int_equal(pdp_cert_verify_euicc_chain(v, bad, euicc, TODAY, &who),
			 PDP_CERT_ERR_BAD_SIGNATURE);
	der = pdp_cert_der(bad, &n);
	assert_null(pdp_cert_verifier_lookup(v, der, n)); /* failures are not cached */
	pdp_cert_free(bad);
	assert_int_equal(pdp_cert_verify_euicc_chain(v, eum, euicc, TODAY, &who), PDP_CERT_OK);
	der = pdp_cert_der(eum, &n);
	copy = malloc(n);
	memcpy(copy, der, n);
	hit = pdp_cert_verifier_lookup(v, copy, n);
	assert_non_null(hit);
	pdp_cert_free(eum); /* the cache keeps its own reference */
	assert_int_equal(pdp_cert_verify_euicc_chain(v, hit, euicc, TODAY, &who), PDP_CERT_OK);
	/* Validity is still checked on a cached certificate. */
	assert_int_equal(pdp_cert_verify_euicc_chain(v, hit, euicc, utc(2051, 3, 1), &who),
			 PDP_CERT_ERR_EXPIRED);
	assert_null(pdp_cert_verifier_lookup(v, copy, n - 1));
	pdp_cert_free(hit);
	free(copy);
	/* The eUICC itself is never cached. */
	der = pdp_cert_der(euicc, &n);
	assert_null(pdp_cert_verifier_lookup(v, der, n));
	/* DP certificates: cached once verified; the role is checked on each use. */
	der = pdp_cert_der(dp, &n);
	assert_null(pdp_cert_verifier_lookup(v, der, n));
	assert_int_equal(pdp_cert_verify_dp(v, dp, PDP_CERT_ROLE_DP_PB, TODAY), PDP_CERT_OK);
	hit = pdp_cert_verifier_lookup(v, der, n);
	assert_non_null(hit);
	assert_int_equal(pdp_cert_verify_dp(v, hit, PDP_CERT_ROLE_DP_AUTH, TODAY),
			 PDP_CERT_ERR_POLICY);
	assert_int_equal(pdp_cert_verify_dp(v, hit, PDP_CERT_ROLE_DP_PB, TODAY), PDP_CERT_OK);
	assert_int_equal(pdp_cert_verify_dp(v, hit, PDP_CERT_ROLE_DP_PB, utc(2030, 4, 1)),
			 PDP_CERT_ERR_EXPIRED);
	pdp_cert_free(hit);
	assert_null(pdp_cert_verifier_lookup(NULL, der, n));
	pdp_cert_free(dp);
	pdp_cert_free(euicc);
	pdp_cert_verifier_free(v);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_parse_fields),
	    cmocka_unit_test(test_sgp26_euicc_ci2017),
	    cmocka_unit_test(test_sgp26_euicc_ci_nist),
	    cmocka_unit_test(test_ci_set),
	    cmocka_unit_test(test_sgp26_dp),
	    cmocka_unit_test(test_tampered),
	    cmocka_unit_test(test_generated_pki),
	    cmocka_unit_test(test_forged_euiccs),
	    cmocka_unit_test(test_lean_parser_agrees),
	    cmocka_unit_test(test_malformed),
	    cmocka_unit_test(test_verifier_lookup),
	};

	cmocka_set_message_output(CM_OUTPUT_TAP);
	return cmocka_run_group_tests(tests, setup, teardown);
}
