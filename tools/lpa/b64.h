/* SPDX-License-Identifier: Apache-2.0 */
/* Base64 (RFC 4648, padded) for the JSON fields of ES9+. */
#ifndef PORTDP_LPA_B64_H
#define PORTDP_LPA_B64_H

#include <stddef.h>
#include <stdint.h>

/** b64_encode() - a malloc'd NUL-terminated string, NULL on ENOMEM. */
char *b64_encode(const uint8_t *in, size_t len);

/**
 * b64_decode() - strict decode into a malloc'd buffer.
 * Returns 0, -EINVAL (not canonical base64) or -ENOMEM.
 */
int b64_decode(const char *in, uint8_t **out, size_t *out_len);

#endif
