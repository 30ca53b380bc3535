/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Hex, the text encoding of the transactionId (every DER field is base64:
 * rsp's b64.h), and the port of an SM-DP+ address. Decoding is strict: any
 * other character or an odd length is rejected. Returns the decoded length
 * or -EINVAL.
 */
#ifndef PORTDP_ES9_CODEC_H
#define PORTDP_ES9_CODEC_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

/** Decode hex digits (either case) into @out (capacity @cap). Odd length is invalid. */
ssize_t es9_hex_decode(const char *in, size_t in_len, uint8_t *out, size_t cap);
/** Encode as upper-case hex into @out, which must hold 2 * @len + 1 bytes. */
void es9_hex_encode(const uint8_t *in, size_t len, char *out);

/** A TCP port as an address carries it: decimal 1..65535, no sign, no leading zero. 0/-EINVAL. */
int es9_parse_port(const char *in, size_t in_len, uint16_t *port);

#endif
