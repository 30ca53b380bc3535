/* SPDX-License-Identifier: Apache-2.0 */
/*
 * upp.h - a sealed UPP opened on the card (minor 3): the stock key in a
 * slot unwraps its data key, the ciphertext comes in by UPP_DATA, the GCM
 * tag is checked in UPP_FINISH, and the plaintext leaves the card only as
 * SCP03t 86 segments of the session it is attached to (UPP_SEAL). The
 * stock-key commands live here too.
 */
#ifndef CARD_UPP_H
#define CARD_UPP_H

#include <stddef.h>
#include <stdint.h>

#include "card/portdp_card.h"

struct card;
struct session;
struct session_table;

/* Wipe and free the UPP attached to @s (session close, reset). */
void upp_drop(struct session_table *t, struct session *s);

/* Handlers of the dispatcher (body length already checked as in dispatch.c). */
enum pdc_status op_stock_key_generate(struct card *c, const uint8_t *body, size_t len,
				      uint8_t *out, size_t *out_len);
enum pdc_status op_stock_wrap(struct card *c, const uint8_t *body, size_t len, uint8_t *out,
			      size_t *out_len);
enum pdc_status op_upp_open(struct card *c, const uint8_t *body, size_t len, uint8_t *out,
			    size_t *out_len);
enum pdc_status op_upp_data(struct card *c, const uint8_t *body, size_t len, uint8_t *out,
			    size_t *out_len);
enum pdc_status op_upp_finish(struct card *c, const uint8_t *body, size_t len, uint8_t *out,
			      size_t *out_len);
enum pdc_status op_upp_seal(struct card *c, const uint8_t *body, size_t len, uint8_t *out,
			    size_t *out_len);

#endif /* CARD_UPP_H */
