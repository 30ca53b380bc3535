// SPDX-License-Identifier: Apache-2.0
/*
 * ecc.c - ECDSA, ECDH and key generation with mbedTLS. Private scalars are
 * kept as 32 big-endian bytes by callers and only live in an mbedtls_mpi
 * for the length of one call, then get wiped.
 */
#include <string.h>

#include <mbedtls/ecdh.h>
#include <mbedtls/ecdsa.h>
#include <mbedtls/platform_util.h>

#include "ecc.h"

int ecc_init(struct ecc_curves *c)
{
	mbedtls_ecp_group_init(&c->p256);
	mbedtls_ecp_group_init(&c->bp256);
	if (mbedtls_ecp_group_load(&c->p256, MBEDTLS_ECP_DP_SECP256R1) ||
	    mbedtls_ecp_group_load(&c->bp256, MBEDTLS_ECP_DP_BP256R1)) {
		ecc_free(c);
		return -1;
	}
	return 0;
}

void ecc_free(struct ecc_curves *c)
{
	mbedtls_ecp_group_free(&c->p256);
	mbedtls_ecp_group_free(&c->bp256);
}

mbedtls_ecp_group *ecc_group(struct ecc_curves *c, unsigned int curve)
{
	switch (curve) {
	case PDC_CURVE_P256:
		return &c->p256;
	case PDC_CURVE_BP256R1:
		return &c->bp256;
	default:
		return NULL;
	}
}

enum pdc_status ecc_read_pub(mbedtls_ecp_group *grp, const uint8_t pub[PDC_PUBKEY_LEN],
			     mbedtls_ecp_point *q)
{
	/* Only the uncompressed form: SGP.22 never sends anything else. */
	if (pub[0] != 0x04)
		return PDC_ST_BAD_KEY;
	if (mbedtls_ecp_point_read_binary(grp, q, pub, PDC_PUBKEY_LEN))
		return PDC_ST_BAD_KEY;
	if (mbedtls_ecp_check_pubkey(grp, q))
		return PDC_ST_BAD_KEY;
	return PDC_ST_OK;
}

enum pdc_status ecc_read_priv(mbedtls_ecp_group *grp, const uint8_t priv[PDC_PRIVKEY_LEN],
			      mbedtls_mpi *d)
{
	if (mbedtls_mpi_read_binary(d, priv, PDC_PRIVKEY_LEN))
		return PDC_ST_CRYPTO;
	if (mbedtls_ecp_check_privkey(grp, d))
		return PDC_ST_BAD_KEY;
	return PDC_ST_OK;
}

static enum pdc_status write_pub(mbedtls_ecp_group *grp, const mbedtls_ecp_point *q,
				 uint8_t pub[PDC_PUBKEY_LEN])
{
	size_t olen = 0;

	if (mbedtls_ecp_point_write_binary(grp, q, MBEDTLS_ECP_PF_UNCOMPRESSED, &olen, pub,
					   PDC_PUBKEY_LEN) ||
	    olen != PDC_PUBKEY_LEN)
		return PDC_ST_CRYPTO;
	return PDC_ST_OK;
}

enum pdc_status ecc_public_of(mbedtls_ecp_group *grp, const mbedtls_mpi *d,
			      mbedtls_ctr_drbg_context *rng, uint8_t pub[PDC_PUBKEY_LEN])
{
	mbedtls_ecp_point q;
	enum pdc_status st = PDC_ST_CRYPTO;

	mbedtls_ecp_point_init(&q);
	if (!mbedtls_ecp_mul(grp, &q, d, &grp->G, mbedtls_ctr_drbg_random, rng))
		st = write_pub(grp, &q, pub);
	mbedtls_ecp_point_free(&q);
	return st;
}

enum pdc_status ecc_generate(mbedtls_ecp_group *grp, mbedtls_ctr_drbg_context *rng,
			     uint8_t priv[PDC_PRIVKEY_LEN], uint8_t pub[PDC_PUBKEY_LEN])
{
	mbedtls_mpi d;
	mbedtls_ecp_point q;
	enum pdc_status st = PDC_ST_CRYPTO;

	mbedtls_mpi_init(&d);
	mbedtls_ecp_point_init(&q);
	if (mbedtls_ecp_gen_keypair(grp, &d, &q, mbedtls_ctr_drbg_random, rng))
		goto out;
	if (mbedtls_mpi_write_binary(&d, priv, PDC_PRIVKEY_LEN))
		goto out;
	st = write_pub(grp, &q, pub);
out:
	if (st != PDC_ST_OK)
		mbedtls_platform_zeroize(priv, PDC_PRIVKEY_LEN);
	mbedtls_mpi_free(&d);
	mbedtls_ecp_point_free(&q);
	return st;
}

enum pdc_status ecc_sign(mbedtls_ecp_group *grp, const uint8_t priv[PDC_PRIVKEY_LEN],
			 const uint8_t *digest, size_t digest_len, mbedtls_ctr_drbg_context *rng,
			 uint8_t sig[PDC_SIG_LEN])
{
	mbedtls_mpi d, r, s;
	enum pdc_status st;

	mbedtls_mpi_init(&d);
	mbedtls_mpi_init(&r);
	mbedtls_mpi_init(&s);
	st = ecc_read_priv(grp, priv, &d);
	if (st != PDC_ST_OK)
		goto out;
	st = PDC_ST_CRYPTO;
	if (mbedtls_ecdsa_sign(grp, &r, &s, &d, digest, digest_len, mbedtls_ctr_drbg_random, rng))
		goto out;
	if (mbedtls_mpi_write_binary(&r, sig, 32) || mbedtls_mpi_write_binary(&s, sig + 32, 32))
		goto out;
	st = PDC_ST_OK;
out:
	mbedtls_mpi_free(&d);
	mbedtls_mpi_free(&r);
	mbedtls_mpi_free(&s);
	return st;
}

enum pdc_status ecc_verify(mbedtls_ecp_group *grp, const uint8_t pub[PDC_PUBKEY_LEN],
			   const uint8_t *digest, size_t digest_len, const uint8_t sig[PDC_SIG_LEN])
{
	mbedtls_ecp_point q;
	mbedtls_mpi r, s;
	enum pdc_status st;

	mbedtls_ecp_point_init(&q);
	mbedtls_mpi_init(&r);
	mbedtls_mpi_init(&s);
	st = ecc_read_pub(grp, pub, &q);
	if (st != PDC_ST_OK)
		goto out;
	st = PDC_ST_CRYPTO;
	if (mbedtls_mpi_read_binary(&r, sig, 32) || mbedtls_mpi_read_binary(&s, sig + 32, 32))
		goto out;
	/* mbedTLS rejects r or s outside 1..n-1 as a failed verification. */
	if (mbedtls_ecdsa_verify(grp, digest, digest_len, &q, &r, &s))
		st = PDC_ST_BAD_SIGNATURE;
	else
		st = PDC_ST_OK;
out:
	mbedtls_ecp_point_free(&q);
	mbedtls_mpi_free(&r);
	mbedtls_mpi_free(&s);
	return st;
}

enum pdc_status ecc_shared(mbedtls_ecp_group *grp, const uint8_t priv[PDC_PRIVKEY_LEN],
			   const uint8_t peer_pub[PDC_PUBKEY_LEN], mbedtls_ctr_drbg_context *rng,
			   uint8_t z[PDC_SHARED_LEN])
{
	mbedtls_ecp_point q;
	mbedtls_mpi d, zm;
	enum pdc_status st;

	mbedtls_ecp_point_init(&q);
	mbedtls_mpi_init(&d);
	mbedtls_mpi_init(&zm);
	st = ecc_read_pub(grp, peer_pub, &q);
	if (st == PDC_ST_OK)
		st = ecc_read_priv(grp, priv, &d);
	if (st != PDC_ST_OK)
		goto out;
	st = PDC_ST_CRYPTO;
	if (mbedtls_ecdh_compute_shared(grp, &zm, &q, &d, mbedtls_ctr_drbg_random, rng))
		goto out;
	if (mbedtls_mpi_write_binary(&zm, z, PDC_SHARED_LEN))
		goto out;
	st = PDC_ST_OK;
out:
	mbedtls_ecp_point_free(&q);
	mbedtls_mpi_free(&d);
	mbedtls_mpi_free(&zm);
	return st;
}
