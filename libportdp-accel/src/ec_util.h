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
 * Public key from a raw point. @fromdata: an "EC" EVP_PKEY_CTX after
 * EVP_PKEY_fromdata_init() (kept by the caller to save a fetch per call).
 * -EINVAL if the point is not on @curve.
 */
int ec_pkey_from_point(EVP_PKEY_CTX *fromdata, enum pdp_curve curve,
		       const uint8_t pub[PDP_PUBKEY_LEN], EVP_PKEY **out);

#endif
