/* SPDX-License-Identifier: Apache-2.0 */
/* EC key helpers shared by the soft backend and the certificate checks. */
#ifndef PORTDP_EC_UTIL_H
#define PORTDP_EC_UTIL_H

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

#endif
