/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Text encodings of binary ES9+ fields: base64 (every DER field) and hex
 * (transactionId). Decoding is strict: a field that is not exactly canonical
 * is rejected, so one value has one spelling on the wire.
 * All functions return the decoded/encoded length or -EINVAL / -ENOMEM.
 */
#ifndef PORTDP_ES9_CODEC_H
#define PORTDP_ES9_CODEC_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

/** Decode @in (RFC 4648 base64 with '=' padding, no whitespace) into a malloc'd *@out. */
ssize_t es9_b64_decode(const char *in, size_t in_len, uint8_t **out);
/** Encode @len bytes into a malloc'd NUL-terminated string *@out. */
ssize_t es9_b64_encode(const uint8_t *in, size_t len, char **out);

/** Decode hex digits (either case) into @out (capacity @cap). Odd length is invalid. */
ssize_t es9_hex_decode(const char *in, size_t in_len, uint8_t *out, size_t cap);
/** Encode as upper-case hex into @out, which must hold 2 * @len + 1 bytes. */
void es9_hex_encode(const uint8_t *in, size_t len, char *out);

#endif
