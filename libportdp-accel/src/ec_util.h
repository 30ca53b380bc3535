/* SPDX-License-Identifier: Apache-2.0 */
/* EC key helpers shared by the soft backend and the certificate checks. */
#ifndef PORTDP_EC_UTIL_H
#define PORTDP_EC_UTIL_H

#include <stdbool.h>

#include <openssl/evp.h>

#include "portdp/accel.h"

/* OpenSSL group name of @c, or NULL. */
const char *ec_group_name(enum pdp_curve c);

/* Curve of an EC key (PDP_CURVE_NONE if not EC or another curve). */
enum pdp_curve ec_pkey_curve(const EVP_PKEY *pkey);

/* Public point, uncompressed, and curve: 0, or -EINVAL for an unsupported key. */
int ec_pkey_public(const EVP_PKEY *pkey, uint8_t pub[PDP_PUBKEY_LEN], enum pdp_curve *curve);

/*
 * Public key from a raw point. @tpl: a public key on @curve (from
 * ec_pkey_template()); duplicating it skips building the curve's group,
 * the slow part of an import. -EINVAL if the point is not on the curve.
 */
int ec_pkey_from_point(const EVP_PKEY *tpl, const uint8_t pub[PDP_PUBKEY_LEN], EVP_PKEY **out);

/* A public-only key on @curve to pass to ec_pkey_from_point(); NULL on failure. */
EVP_PKEY *ec_pkey_template(enum pdp_curve curve);

/* One cached verify context: public key (@curve, @pub), ready for EVP_PKEY_verify(). */
struct ec_verify_slot {
	enum pdp_curve curve; /* NONE: empty */
	uint8_t pub[PDP_PUBKEY_LEN];
	EVP_PKEY_CTX *ctx; /* verify-initialised */
};

/* Whether @slot holds the context of (@curve, @pub). */
bool ec_verify_slot_holds(const struct ec_verify_slot *slot, enum pdp_curve curve,
			  const uint8_t pub[PDP_PUBKEY_LEN]);

/*
 * @slot's context for (@curve, @pub): the one it holds, or one made from the
 * point (@tpl as for ec_pkey_from_point()) that replaces what it held.
 * 0, -EINVAL (the point is not on the curve) or -ENOMEM; the slot is unchanged on error.
 */
int ec_verify_slot_get(struct ec_verify_slot *slot, const EVP_PKEY *tpl, enum pdp_curve curve,
		       const uint8_t pub[PDP_PUBKEY_LEN], EVP_PKEY_CTX **out);

/* Empty @slot. */
void ec_verify_slot_clear(struct ec_verify_slot *slot);

#endif
