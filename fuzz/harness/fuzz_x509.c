// SPDX-License-Identifier: Apache-2.0
/*
 * The X.509 reader of libportdp-accel (cert_parse.c, cert_x509.c,
 * cert_der.c): every eUICC and EUM certificate an LPA sends in
 * AuthenticateClient goes through pdp_cert_parse() first. The input is one
 * certificate (DER or PEM). Every accessor then runs on what was accepted,
 * and the chain checks run with it in each place of the chain, beside the
 * real SGP.26 certificates (read from $FUZZ_TESTDATA, default ./testdata).
 *
 * Promises checked: the status is one of enum pdp_cert_status, a refusal
 * hands out no certificate (and leaks none: LeakSanitizer); the DER kept is the input's (for DER
 * input); the EID of an eUICC certificate agrees with its serialNumber text;
 * a mutated certificate never verifies as the real one's child or parent
 * unless it is byte-identical (no signature bypass).
 */
#include <string.h>

#include "fuzz.h"
#include "portdp/cert.h"

static struct pdp_cert_verifier *verifier;
static struct pdp_cert *real_eum, *real_euicc;
static time_t at = 1798761600; /* 2027-01-01: inside the validity of the test certificates */

static struct pdp_cert *load(const char *dir, const char *rel)
{
	char path[512];
	struct pdp_cert *c = NULL;

	snprintf(path, sizeof(path), "%s/%s", dir, rel);
	if (pdp_cert_load(path, &c) != PDP_CERT_OK) {
		fprintf(stderr, "fuzz_x509: cannot load %s (set FUZZ_TESTDATA)\n", path);
		exit(2);
	}
	return c;
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	const char *dir = getenv("FUZZ_TESTDATA");
	char path[512];

	(void)argc, (void)argv;
	if (!dir)
		dir = "testdata";
	FUZZ_CHECK(pdp_cert_verifier_new(&verifier) == PDP_CERT_OK);
	snprintf(path, sizeof(path), "%s/sgp26/ci/CERT_CI_ECDSA_NIST.der", dir);
	FUZZ_CHECK(pdp_cert_verifier_add_ci_file(verifier, path) == PDP_CERT_OK);
	real_eum = load(dir, "sgp26/euicc/eum.der");
	real_euicc = load(dir, "sgp26/euicc/euicc.der");
	FUZZ_CHECK(pdp_cert_verify_euicc_chain(verifier, real_eum, real_euicc, at, NULL) ==
		   PDP_CERT_OK);
	return 0;
}

static int same_der(const struct pdp_cert *a, const struct pdp_cert *b)
{
	size_t la, lb;
	const uint8_t *da = pdp_cert_der(a, &la), *db = pdp_cert_der(b, &lb);

	return la == lb && !memcmp(da, db, la);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	uint8_t id[PDP_KEYID_MAX], pub[PDP_PUBKEY_LEN], eid[PDP_EID_LEN], oid[64], sha[32];
	struct pdp_cert *c = (struct pdp_cert *)1;
	enum pdp_cert_role role, who;
	enum pdp_cert_status st;
	enum pdp_curve curve;
	char serial[128];
	const uint8_t *der;
	size_t n, der_len;
	time_t t;

	st = pdp_cert_parse(data, size, &c);
	FUZZ_CHECK(st <= PDP_CERT_ERR_INVALID);
	if (st != PDP_CERT_OK) {
		FUZZ_CHECK(st == PDP_CERT_ERR_MALFORMED || st == PDP_CERT_ERR_INVALID ||
			   st == PDP_CERT_ERR_NOMEM || st == PDP_CERT_ERR_CURVE);
		return 0;
	}
	FUZZ_CHECK(c);
	der = pdp_cert_der(c, &der_len);
	FUZZ_CHECK(der && der_len);
	if (size && data[0] == 0x30)
		FUZZ_CHECK(der_len == size && !memcmp(der, data, size));
	if (pdp_cert_ski(c, id, &n) == PDP_CERT_OK)
		FUZZ_CHECK(n <= PDP_KEYID_MAX);
	if (pdp_cert_aki(c, id, &n) == PDP_CERT_OK)
		FUZZ_CHECK(n <= PDP_KEYID_MAX);
	pdp_cert_public_key(c, pub, &curve);
	if (pdp_cert_subject_serial(c, serial, sizeof(serial)) == PDP_CERT_OK)
		FUZZ_CHECK(memchr(serial, 0, sizeof(serial)));
	if (pdp_cert_eid(c, eid) == PDP_CERT_OK) {
		char digits[2 * PDP_EID_LEN + 1];

		for (n = 0; n < PDP_EID_LEN; n++)
			snprintf(digits + 2 * n, 3, "%02X", eid[n]);
		FUZZ_CHECK(pdp_cert_subject_serial(c, serial, sizeof(serial)) == PDP_CERT_OK);
		FUZZ_CHECK(!strcmp(serial, digits));
	}
	pdp_cert_not_after(c, &t);
	pdp_cert_sha256(c, sha);
	if (pdp_cert_smdp_oid(c, oid, sizeof(oid), &n) == PDP_CERT_OK)
		FUZZ_CHECK(n >= 2 && n <= sizeof(oid) && oid[0] == 0x06 && oid[1] == n - 2);
	for (role = PDP_CERT_ROLE_CI; role <= PDP_CERT_ROLE_DP_PB; role++)
		pdp_cert_verify_dp(verifier, c, role, at);
	/* In the chain: as the eUICC under the real EUM, as the EUM over the real eUICC. */
	st = pdp_cert_verify_euicc_chain(verifier, real_eum, c, at, &who);
	if (st == PDP_CERT_OK)
		FUZZ_CHECK(same_der(c, real_euicc));
	st = pdp_cert_verify_euicc_chain(verifier, c, real_euicc, at, &who);
	if (st == PDP_CERT_OK)
		FUZZ_CHECK(same_der(c, real_eum));
	pdp_cert_free(c);
	return 0;
}
