/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Base64 (RFC 4648, '=' padded) for the binary fields of ES9+ JSON, shared by
 * portdpd, the LPA and the bench. Decoding is strict: only the canonical
 * spelling of a value is accepted (alphabet only, no whitespace, padding only
 * at the end and exactly as long as needed, unused trailing bits zero), so one
 * value has one spelling on the wire.
 */
#ifndef PORTDP_RSP_B64_H
#define PORTDP_RSP_B64_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

/** Largest text either function takes (EVP's block codec counts in int). */
#define RSP_B64_MAX_TEXT 0x3ffffff0u

/**
 * rsp_b64_decode() - decode @len characters of @in into a malloc'd *@out.
 * The empty text decodes to zero bytes (*@out still malloc'd).
 * Returns the decoded length, -EINVAL (not canonical base64) or -ENOMEM;
 * *@out is NULL on failure.
 */
ssize_t rsp_b64_decode(const char *in, size_t len, uint8_t **out);

/**
 * rsp_b64_encode() - encode @len bytes into a malloc'd NUL-terminated *@out.
 * Returns the text length, -EINVAL (too long) or -ENOMEM; *@out is NULL on failure.
 */
ssize_t rsp_b64_encode(const uint8_t *in, size_t len, char **out);

#endif
