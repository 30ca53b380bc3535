/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The card side of ES10 over APDUs: what an eUICC's ISD-R does with the
 * APDUs of es10_link.c. MANAGE CHANNEL open/close (channels 1-3), SELECT by
 * AID (only the configured ISD-R AID), STORE DATA blocks gathered per channel
 * (P1 0x11/0x91, P2 counting from 0, anything else refused) and handed whole
 * to the handler, answers given as T=0 cards do: 61xx and GET RESPONSE, Le
 * honoured, 6Cxx for an exact Le that does not match. EF.ATR/INFO when given:
 * SELECT by file identifier or by path from the MF (2F01), READ BINARY (6282 when
 * the file ends before Le bytes).
 *
 * The handler gets each ES10 command (one STORE DATA sequence: a whole
 * BER-TLV, or one segment of a LoadBoundProfilePackage) and returns 0 with
 * its answer (none: 9000 alone) or a negative errno, answered as a status word:
 * -EBADMSG 6A80, -EOPNOTSUPP 6A81, -ENOSPC 6A84, -EPERM 6985, else 6F00.
 */
#ifndef PORTDP_ES10_CARD_H
#define PORTDP_ES10_CARD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "apdu.h"

/* One ES10 command on the card: more is refused with 6A84 (never seen from an LPA). */
#define ES10_CARD_MAX_CMD (64u << 10)
#define ES10_CARD_CHANNELS 4

typedef int (*es10_card_handler)(void *ctx, const uint8_t *cmd, size_t len, uint8_t **resp,
				 size_t *resp_len);

struct es10_card_opts {
	const uint8_t *aid;     /* NULL: the SGP.22 ISD-R */
	size_t aid_len;
	bool extended;          /* take extended-length APDUs (else 6700) */
	/* EF.ATR/INFO's contents (ef_atr.h), kept by the caller; NULL: no such file (6A82) */
	const uint8_t *ef_atr;
	size_t ef_atr_len;
};

struct es10_card;

int es10_card_new(const struct es10_card_opts *o, es10_card_handler h, void *ctx,
		  struct es10_card **out);
void es10_card_free(struct es10_card *c);
/** es10_card_reset() - power on or reset: only the basic channel, nothing selected. */
void es10_card_reset(struct es10_card *c);
/**
 * es10_card_apdu() - one command APDU in, its response APDU (data + SW) out
 * into @resp (room for APDU_MAX_RESP). Never fails: errors are status words.
 */
void es10_card_apdu(struct es10_card *c, const uint8_t *cmd, size_t len, uint8_t *resp,
		    size_t *resp_len);

/** es10_card_atr() - the card's ATR (T=0 and T=1, minimal). */
const uint8_t *es10_card_atr(size_t *len);

#endif
