/* SPDX-License-Identifier: Apache-2.0 */
/*
 * keywrap.h - AES key wrap (RFC 3394, default IV) of a 32-byte key with a
 * 32-byte key, on mbedTLS's AES block (the distribution's mbedTLS is built
 * without NIST_KW). The same bytes as OpenSSL's EVP_aes_256_wrap().
 */
#ifndef CARD_KEYWRAP_H
#define CARD_KEYWRAP_H

#include <stdint.h>

#include "card/portdp_card.h"

enum pdc_status keywrap_wrap(const uint8_t kek[PDC_STOCK_KEY_LEN],
			     const uint8_t key[PDC_STOCK_KEY_LEN],
			     uint8_t out[PDC_STOCK_WRAP_LEN]);
/* PDC_ST_KEY_REJECTED when the integrity check fails (@key is then zero). */
enum pdc_status keywrap_unwrap(const uint8_t kek[PDC_STOCK_KEY_LEN],
			       const uint8_t in[PDC_STOCK_WRAP_LEN],
			       uint8_t key[PDC_STOCK_KEY_LEN]);

#endif /* CARD_KEYWRAP_H */
