/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Who an eUICC is: its certificate chain CI -> CERT.EUM -> CERT.EUICC checked
 * against our CIs (cert.h), giving its signing key and EID. Used by
 * AuthenticateClient and by notifications that carry their own certificates.
 */
#ifndef PORTDP_ES9_EUICC_IDENTITY_H
#define PORTDP_ES9_EUICC_IDENTITY_H

#include <stddef.h>
#include <stdint.h>

#include "es9_internal.h"

struct es9_euicc_identity {
	enum pdp_curve curve;
	uint8_t pub[PDP_PUBKEY_LEN]; /* PK.EUICC.ECDSA */
	uint8_t eid_bin[PDP_EID_LEN];
	char eid[2 * PDP_EID_LEN + 1]; /* 32 decimal digits */
};

/**
 * Verify the chain of the two certificates (DER) at the service clock's now.
 * @ci_pkid: when not NULL, the CI the chain must end at (8.11.1 otherwise).
 * Failures: ES9_E_EUM_INVALID/EXPIRED, ES9_E_EUICC_CERT_INVALID/EXPIRED
 * (EID outside the EUM's range included), ES9_E_CI_UNKNOWN, ES9_E_INTERNAL.
 */
enum es9_status es9_euicc_identify(struct es9_worker *w, struct es9_call *c, const uint8_t *eum_der,
				   size_t eum_len, const uint8_t *euicc_der, size_t euicc_len,
				   const uint8_t *ci_pkid, size_t ci_pkid_len,
				   struct es9_euicc_identity *out);

/** Verify @sig (raw r||s) over @msg with the identity's key: ES9_OK or ES9_E_EUICC_VERIFY. */
enum es9_status es9_euicc_verify(struct es9_worker *w, struct es9_call *c, enum pdp_curve curve,
				 const uint8_t pub[PDP_PUBKEY_LEN], const uint8_t *msg,
				 size_t msg_len, const uint8_t sig[PDP_SIG_LEN], const char *what);

#endif
