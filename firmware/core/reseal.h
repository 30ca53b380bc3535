/* SPDX-License-Identifier: Apache-2.0 */
/*
 * reseal.h - a UPP re-sealed from one sealed form to another on the card
 * (minor 4, RESEAL_*): stock-sealed or sealed in a transfer envelope, in and
 * out, the ciphertext streaming through; the plaintext exists only in a
 * piece-sized buffer of the card, the output tag only once the input's
 * verified.
 */
#ifndef CARD_RESEAL_H
#define CARD_RESEAL_H

#include <stddef.h>
#include <stdint.h>

#include "card/portdp_card.h"

struct card;

/* Wipe and free every open re-seal (reset, card close). */
void reseal_drop_all(struct card *c);

enum pdc_status op_reseal_open(struct card *c, const uint8_t *body, size_t len, uint8_t *out,
			       size_t *out_len);
enum pdc_status op_reseal_data(struct card *c, const uint8_t *body, size_t len, uint8_t *out,
			       size_t *out_len);
enum pdc_status op_reseal_finish(struct card *c, const uint8_t *body, size_t len, uint8_t *out,
				 size_t *out_len);
enum pdc_status op_reseal_abort(struct card *c, const uint8_t *body, size_t len, uint8_t *out,
				size_t *out_len);

#endif /* CARD_RESEAL_H */
