/* SPDX-License-Identifier: Apache-2.0 */
/*
 * ecc.h - the card's elliptic-curve operations (P-256, brainpoolP256r1) on
 * mbedTLS. Every function checks its inputs and returns an enum pdc_status.
 */
#ifndef CARD_ECC_H
#define CARD_ECC_H

#include <stddef.h>
#include <stdint.h>

#include <mbedtls/ctr_drbg.h>
#include <mbedtls/ecp.h>

#include "card/portdp_card.h"

struct ecc_curves {
	mbedtls_ecp_group p256;
	mbedtls_ecp_group bp256;
};

int ecc_init(struct ecc_curves *c);
void ecc_free(struct ecc_curves *c);

/* The group for a PDC_CURVE_* id, or NULL if the card has no such curve. */
mbedtls_ecp_group *ecc_group(struct ecc_curves *c, unsigned int curve);

enum pdc_status ecc_read_pub(mbedtls_ecp_group *grp, const uint8_t pub[PDC_PUBKEY_LEN],
			     mbedtls_ecp_point *q);
enum pdc_status ecc_read_priv(mbedtls_ecp_group *grp, const uint8_t priv[PDC_PRIVKEY_LEN],
			      mbedtls_mpi *d);
/* Public key d*G of a checked private scalar, uncompressed. */
enum pdc_status ecc_public_of(mbedtls_ecp_group *grp, const mbedtls_mpi *d,
			      mbedtls_ctr_drbg_context *rng, uint8_t pub[PDC_PUBKEY_LEN]);
enum pdc_status ecc_generate(mbedtls_ecp_group *grp, mbedtls_ctr_drbg_context *rng,
			     uint8_t priv[PDC_PRIVKEY_LEN], uint8_t pub[PDC_PUBKEY_LEN]);
enum pdc_status ecc_sign(mbedtls_ecp_group *grp, const uint8_t priv[PDC_PRIVKEY_LEN],
			 const uint8_t *digest, size_t digest_len, mbedtls_ctr_drbg_context *rng,
			 uint8_t sig[PDC_SIG_LEN]);
/* PDC_ST_OK, PDC_ST_BAD_SIGNATURE, or an input error. */
enum pdc_status ecc_verify(mbedtls_ecp_group *grp, const uint8_t pub[PDC_PUBKEY_LEN],
			   const uint8_t *digest, size_t digest_len,
			   const uint8_t sig[PDC_SIG_LEN]);
enum pdc_status ecc_shared(mbedtls_ecp_group *grp, const uint8_t priv[PDC_PRIVKEY_LEN],
			   const uint8_t peer_pub[PDC_PUBKEY_LEN], mbedtls_ctr_drbg_context *rng,
			   uint8_t z[PDC_SHARED_LEN]);

#endif /* CARD_ECC_H */
