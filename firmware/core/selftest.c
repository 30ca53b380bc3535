// SPDX-License-Identifier: Apache-2.0
/*
 * selftest.c - the card's power-on and on-demand self-test: known answers
 * for AES, CMAC and the SGP.22 KDF, pairwise ECDSA/ECDH, DRBG self-test,
 * and a re-read of the key store.
 */
#include <string.h>

#include <mbedtls/platform_util.h>

#include "aes_raw.h"
#include "bsp.h"
#include "card_priv.h"

/* FIPS-197 appendix C.1 */
static const uint8_t aes_key[16] = {0x00, 0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07,
				    0x08, 0x09, 0x0a, 0x0b, 0x0c, 0x0d, 0x0e, 0x0f};
static const uint8_t aes_pt[16] = {0x00, 0x11, 0x22, 0x33, 0x44, 0x55, 0x66, 0x77,
				   0x88, 0x99, 0xaa, 0xbb, 0xcc, 0xdd, 0xee, 0xff};
static const uint8_t aes_ct[16] = {0x69, 0xc4, 0xe0, 0xd8, 0x6a, 0x7b, 0x04, 0x30,
				   0xd8, 0xcd, 0xb7, 0x80, 0x70, 0xb4, 0xc5, 0x5a};

/* RFC 4493 example 2 */
static const uint8_t cmac_key[16] = {0x2b, 0x7e, 0x15, 0x16, 0x28, 0xae, 0xd2, 0xa6,
				     0xab, 0xf7, 0x15, 0x88, 0x09, 0xcf, 0x4f, 0x3c};
static const uint8_t cmac_msg[16] = {0x6b, 0xc1, 0xbe, 0xe2, 0x2e, 0x40, 0x9f, 0x96,
				     0xe9, 0x3d, 0x7e, 0x11, 0x73, 0x93, 0x17, 0x2a};
static const uint8_t cmac_tag[16] = {0x07, 0x0a, 0x16, 0xb4, 0x6b, 0x4d, 0x41, 0x44,
				     0xf7, 0x9b, 0xdd, 0x9d, 0xd0, 0x4a, 0x28, 0x7c};

/* SGP.22 KDF, vectors/bsp.json kdf[1] */
static const uint8_t kdf_z[32] = {0xc9, 0xa9, 0x93, 0xdd, 0x48, 0x79, 0xa8, 0xf7, 0x16, 0x1f, 0x20,
				  0x85, 0x41, 0x0e, 0xdd, 0x4f, 0x96, 0x52, 0xf1, 0xdf, 0x37, 0xbe,
				  0x09, 0x7b, 0xa9, 0x6b, 0xa2, 0xca, 0x6b, 0xe5, 0x28, 0xfe};
static const uint8_t kdf_eid[16] = {0x89, 0x04, 0x90, 0x32, 0x12, 0x34, 0x51, 0x23,
				    0x45, 0x12, 0x34, 0x56, 0x78, 0x90, 0x12, 0x35};
static const uint8_t kdf_host_id[8] = {0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80};
static const uint8_t kdf_enc[16] = {0x47, 0x2f, 0x5b, 0xfa, 0xdd, 0x97, 0xf2, 0x1d,
				    0x34, 0xf3, 0xce, 0x9b, 0x51, 0xb9, 0x27, 0x51};
static const uint8_t kdf_mac[16] = {0x9e, 0xc0, 0x7f, 0x5b, 0x36, 0xa1, 0x3e, 0x12,
				    0xa9, 0x91, 0xd6, 0x6e, 0x29, 0x4e, 0x62, 0x42};
static const uint8_t kdf_mcv[16] = {0x40, 0x6d, 0x50, 0x7b, 0x44, 0x8a, 0x69, 0x9e,
				    0x7a, 0x36, 0xa3, 0x84, 0x94, 0xde, 0xbb, 0xde};

static bool aes_ok(void)
{
	uint8_t iv[16] = {0}, out[16];

	/* CBC with a zero IV over one block is the raw block cipher. */
	return aes_raw_cbc(aes_key, 16, true, iv, aes_pt, 16, out) == PDC_ST_OK &&
	       !memcmp(out, aes_ct, 16);
}

static bool cmac_ok(void)
{
	uint8_t state[16] = {0};

	return aes_raw_cmac(cmac_key, 16, true, state, cmac_msg, 16) == PDC_ST_OK &&
	       !memcmp(state, cmac_tag, 16);
}

static bool kdf_ok(void)
{
	struct bsp_keys k;
	bool ok;

	ok = bsp_derive(kdf_z, kdf_host_id, sizeof(kdf_host_id), kdf_eid, &k) == PDC_ST_OK &&
	     !memcmp(k.s_enc, kdf_enc, 16) && !memcmp(k.s_mac, kdf_mac, 16) &&
	     !memcmp(k.mcv, kdf_mcv, 16) && k.counter == 1;
	mbedtls_platform_zeroize(&k, sizeof(k));
	return ok;
}

static bool ecdsa_ok(struct card *c, unsigned int curve)
{
	mbedtls_ecp_group *grp = ecc_group(&c->ecc, curve);
	uint8_t d[PDC_PRIVKEY_LEN], pub[PDC_PUBKEY_LEN], sig[PDC_SIG_LEN];
	uint8_t digest[32] = {0x5a};
	bool ok;

	ok = grp && ecc_generate(grp, &c->drbg, d, pub) == PDC_ST_OK &&
	     ecc_sign(grp, d, digest, sizeof(digest), &c->drbg, sig) == PDC_ST_OK &&
	     ecc_verify(grp, pub, digest, sizeof(digest), sig) == PDC_ST_OK;
	/* and a wrong digest must not verify */
	digest[0] ^= 1;
	ok = ok && ecc_verify(grp, pub, digest, sizeof(digest), sig) == PDC_ST_BAD_SIGNATURE;
	mbedtls_platform_zeroize(d, sizeof(d));
	return ok;
}

static bool ecdh_ok(struct card *c)
{
	mbedtls_ecp_group *grp = ecc_group(&c->ecc, PDC_CURVE_P256);
	uint8_t da[32], db[32], pa[65], pb[65], za[32], zb[32];
	bool ok;

	ok = ecc_generate(grp, &c->drbg, da, pa) == PDC_ST_OK &&
	     ecc_generate(grp, &c->drbg, db, pb) == PDC_ST_OK &&
	     ecc_shared(grp, da, pb, &c->drbg, za) == PDC_ST_OK &&
	     ecc_shared(grp, db, pa, &c->drbg, zb) == PDC_ST_OK && !memcmp(za, zb, 32);
	mbedtls_platform_zeroize(da, sizeof(da));
	mbedtls_platform_zeroize(db, sizeof(db));
	return ok;
}

uint32_t card_self_test(struct card *c, uint32_t *run)
{
	uint32_t failed = 0;

	*run = PDC_SELFTEST_DRBG | PDC_SELFTEST_AES | PDC_SELFTEST_CMAC | PDC_SELFTEST_KDF |
	       PDC_SELFTEST_ECDSA | PDC_SELFTEST_ECDH | PDC_SELFTEST_KEYSTORE;
	if (mbedtls_ctr_drbg_self_test(0))
		failed |= PDC_SELFTEST_DRBG;
	if (!aes_ok())
		failed |= PDC_SELFTEST_AES;
	if (!cmac_ok())
		failed |= PDC_SELFTEST_CMAC;
	if (!kdf_ok())
		failed |= PDC_SELFTEST_KDF;
	if (!ecdsa_ok(c, PDC_CURVE_P256) || !ecdsa_ok(c, PDC_CURVE_BP256R1))
		failed |= PDC_SELFTEST_ECDSA;
	if (!ecdh_ok(c))
		failed |= PDC_SELFTEST_ECDH;
	if (keystore_check(&c->ks))
		failed |= PDC_SELFTEST_KEYSTORE;
	return failed | c->broken;
}
