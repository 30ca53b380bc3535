/* SPDX-License-Identifier: Apache-2.0 */
/*
 * EF.ATR/INFO (ISO 7816-4 8.2.1.1): a transparent file under the MF, file
 * identifier 2F01, whose BER-TLV data objects complete what the ATR says. Read
 * here for APDU sizes, when the ATR does not settle them:
 *  - 7F66, extended length information: two (or three) integer DOs 02, the most
 *    bytes a command APDU and a response APDU may have (the third, for ENVELOPE,
 *    is not used here);
 *  - 47, card capabilities: the ATR's three tables again (the third one's b7:
 *    extended Lc and Le fields).
 * Read on the basic channel: SELECT by path from the MF (P1 08, no answer data),
 * READ BINARY up to 256 bytes (6Cxx and 61xx followed, 6282 taken as data).
 */
#ifndef PORTDP_ES10_EF_ATR_H
#define PORTDP_ES10_EF_ATR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define EF_ATR_FID 0x2F01
#define EF_ATR_MAX 256

struct ef_atr_info {
	bool ext_len;           /* 7F66 found */
	unsigned long max_cmd;  /* most bytes in a command APDU (header included) */
	unsigned long max_resp; /* most bytes in a response APDU (SW1 SW2 included) */
	bool caps;              /* 47 found with a third software function table */
	uint8_t cap3;
};

/**
 * ef_atr_parse() - the file's contents (BER-TLV objects, then padding 00 or FF)
 * into @out; -EBADMSG for a malformed object (a 7F66 whose integers are missing,
 * empty or longer than 4 bytes, a length past the end). Unknown objects are skipped.
 */
int ef_atr_parse(const uint8_t *d, size_t len, struct ef_atr_info *out);

/*
 * A transmit as es10_transport's: command APDU in, response APDU (data + SW) out
 * into a buffer of APDU_MAX_RESP bytes.
 */
typedef int (*ef_atr_xmit)(void *ctx, const uint8_t *cmd, size_t len, uint8_t *resp,
			   size_t *resp_len);

/**
 * ef_atr_read() - SELECT EF.ATR and READ BINARY it into @out (@cap >= EF_ATR_MAX).
 * 0 (*len bytes), -ENOENT when the card has no such file (6A82, 6A86, 6D00, any
 * other error status word: the card does not offer it), a negative errno from
 * @xmit, or -EPROTO for an answer without a status word.
 */
int ef_atr_read(ef_atr_xmit xmit, void *ctx, uint8_t *out, size_t cap, size_t *len);

#endif
