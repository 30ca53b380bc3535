/* SPDX-License-Identifier: Apache-2.0 */
/*
 * aes_raw.h - AES-CBC and chunked AES-CMAC with a key given in the request,
 * for the kernel crypto API ("cbc(aes)", "cmac(aes)"). No card state.
 */
#ifndef CARD_AES_RAW_H
#define CARD_AES_RAW_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "card/portdp_card.h"

/* @len: non-zero multiple of 16. @iv: [in] IV, [out] IV to chain on. */
enum pdc_status aes_raw_cbc(const uint8_t *key, size_t key_len, bool encrypt, uint8_t iv[16],
			    const uint8_t *in, size_t len, uint8_t *out);

/*
 * One chunk of a CMAC (see PDC_CMAC_FINAL): @state [in] chaining state,
 * [out] new state or, if @final, the MAC.
 */
enum pdc_status aes_raw_cmac(const uint8_t *key, size_t key_len, bool final, uint8_t state[16],
			     const uint8_t *in, size_t len);

#endif /* CARD_AES_RAW_H */
