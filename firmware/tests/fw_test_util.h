/* SPDX-License-Identifier: Apache-2.0 */
/*
 * fw_test_util.h - helpers shared by the firmware tests (cmocka): a card in
 * a scratch directory, request building, hex, and OpenSSL cross-checks.
 */
#ifndef FW_TEST_UTIL_H
#define FW_TEST_UTIL_H

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <openssl/evp.h>

#include "card.h"

struct fw_resp {
	uint32_t tag;
	uint16_t opcode;
	uint16_t status;
	uint16_t len;
	uint8_t body[PDC_MAX_BODY] __attribute__((aligned(8))); /* cast to response structs */
};

/* A fresh scratch directory under $TMPDIR (removed by fw_rm_rf). */
char *fw_tmpdir(void);
void fw_rm_rf(const char *dir);
/* "<dir>/<name>", malloc'ed */
char *fw_path(const char *dir, const char *name);

/* card_open() with the key store at <dir>/keystore. */
struct card *fw_card_open(const char *dir, unsigned int max_sessions);

/*
 * Send one request (header built here) and check the response header
 * (magic, version, tag/opcode echoed, empty body on error). Returns status.
 */
uint16_t fw_call(struct card *c, uint16_t opcode, const void *body, size_t len, struct fw_resp *r);
/* Send raw bytes; checks only the response's own consistency. */
uint16_t fw_call_raw(struct card *c, const void *msg, size_t len, struct fw_resp *r);

size_t fw_hex(const char *hex, uint8_t *out, size_t cap);
const char *fw_shared_dir(void);

/* OpenSSL side of the cross-checks. curve: PDC_CURVE_* */
EVP_PKEY *fw_ossl_keygen(unsigned int curve);
void fw_ossl_pub(EVP_PKEY *k, uint8_t pub[PDC_PUBKEY_LEN]);
void fw_ossl_priv(EVP_PKEY *k, uint8_t priv[PDC_PRIVKEY_LEN]);
EVP_PKEY *fw_ossl_from_pub(unsigned int curve, const uint8_t pub[PDC_PUBKEY_LEN]);
/* 1 valid, 0 invalid */
int fw_ossl_verify(EVP_PKEY *pub, const uint8_t *digest, size_t dlen, const uint8_t sig[64]);
void fw_ossl_sign(EVP_PKEY *k, const uint8_t *digest, size_t dlen, uint8_t sig[64]);
void fw_ossl_ecdh(EVP_PKEY *k, EVP_PKEY *peer, uint8_t z[32]);
void fw_ossl_cmac(const uint8_t *key, size_t key_len, const uint8_t *m, size_t len,
		  uint8_t mac[16]);

/* SCP03t receiver written with OpenSSL (independent of the card's code). */
struct fw_scp03t {
	uint8_t enc[16], mac[16], mcv[16];
	uint32_t counter;
};
void fw_ossl_derive(const uint8_t z[32], const uint8_t *host_id, size_t hlen, const uint8_t eid[16],
		    struct fw_scp03t *s);
/* Check and open one TLV; returns plaintext length or -1 (bad MAC/format). */
int fw_ossl_open(struct fw_scp03t *s, const uint8_t *tlv, size_t len, uint8_t *out);

#endif /* FW_TEST_UTIL_H */
