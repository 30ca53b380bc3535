/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Reusable OpenSSL contexts for SCP03t, so a segment costs no allocation.
 * One struct bsp_ctx belongs to one thread at a time: the soft backend keeps
 * one per accel, the public pdp_scp03t_* calls use a per-thread one.
 */
#ifndef PORTDP_BSP_CTX_H
#define PORTDP_BSP_CTX_H

#include <openssl/evp.h>

#include "portdp/scp03t.h"

struct bsp_ctx {
	EVP_CIPHER_CTX *enc; /* AES-128-CBC encrypt; IV 0 doubles as ECB for the ICV */
	EVP_CIPHER_CTX *dec; /* AES-128-CBC decrypt */
	EVP_MAC_CTX *cmac;   /* AES-CMAC */
};

int bsp_ctx_init(struct bsp_ctx *cx);
void bsp_ctx_fini(struct bsp_ctx *cx);

/* The public calls, on an explicit context. Same contract as scp03t.h. */
int bsp_seal(struct bsp_ctx *cx, struct pdp_scp03t *s, uint8_t tag, const uint8_t *in,
	     size_t in_len, uint8_t *out, size_t *out_len);
int bsp_open(struct bsp_ctx *cx, struct pdp_scp03t *s, const uint8_t *tlv, size_t tlv_len,
	     uint8_t *tag, uint8_t *out, size_t *out_len);

#endif
