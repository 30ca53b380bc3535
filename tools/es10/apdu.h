/* SPDX-License-Identifier: Apache-2.0 */
/*
 * ISO 7816-4 APDUs as ES10 uses them: command APDUs built and parsed (short
 * and extended length, cases 1-4), logical-channel class bytes, and status
 * words named. Shared by the LPA side (es10_link.c) and the card side
 * (es10_card.c), so both read the same bytes the same way.
 *
 * Return convention: 0 or a negative errno (-EINVAL bad argument, -EBADMSG
 * malformed APDU, -ENOSPC no room).
 */
#ifndef PORTDP_ES10_APDU_H
#define PORTDP_ES10_APDU_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define APDU_SHORT_MAX_LC 255
#define APDU_SHORT_MAX_NE 256
#define APDU_EXT_MAX_LC 65535
#define APDU_EXT_MAX_NE 65536
/* Largest command APDU we build: 7-byte header + data + 2-byte Le. */
#define APDU_MAX_CMD (7 + APDU_EXT_MAX_LC + 2)
/* Largest response APDU: data + SW1 SW2. */
#define APDU_MAX_RESP (APDU_EXT_MAX_NE + 2)

/* Instructions ES10 needs. */
#define APDU_INS_MANAGE_CHANNEL 0x70
#define APDU_INS_SELECT 0xA4
#define APDU_INS_STORE_DATA 0xE2
#define APDU_INS_GET_RESPONSE 0xC0
#define APDU_INS_READ_BINARY 0xB0

/* Status words the layer produces or acts on. */
#define SW_OK 0x9000
#define SW_EOF_BEFORE_NE 0x6282   /* READ BINARY: the file ended before Ne bytes */
#define SW_NO_CURRENT_EF 0x6986
#define SW_WRONG_P1P2_OFFSET 0x6B00
#define SW_BYTES_LEFT 0x6100      /* 61xx: xx more bytes, fetch with GET RESPONSE */
#define SW_WRONG_LE 0x6C00        /* 6Cxx: send again with Le = xx */
#define SW_WRONG_LENGTH 0x6700
#define SW_SECURITY 0x6982
#define SW_CONDITIONS 0x6985
#define SW_CHANNEL_NOT_SUPPORTED 0x6881
#define SW_WRONG_DATA 0x6A80
#define SW_FUNC_NOT_SUPPORTED 0x6A81
#define SW_NOT_FOUND 0x6A82
#define SW_NO_MEMORY 0x6A84
#define SW_WRONG_P1P2 0x6A86
#define SW_INS_NOT_SUPPORTED 0x6D00
#define SW_CLA_NOT_SUPPORTED 0x6E00
#define SW_UNKNOWN 0x6F00

/* A command APDU; data points into the caller's buffer. */
struct apdu {
	uint8_t cla, ins, p1, p2;
	const uint8_t *data;
	size_t lc;   /* 0: no data */
	size_t ne;   /* expected response length; 0: no Le field */
	bool extended;
};

/**
 * apdu_cla() - class byte for @channel (0..19): interindustry (0x00-based,
 * MANAGE CHANNEL, SELECT, GET RESPONSE) or proprietary (0x80-based, STORE DATA).
 */
uint8_t apdu_cla(unsigned channel, bool proprietary);
/** apdu_channel() - logical channel named by a class byte. */
unsigned apdu_channel(uint8_t cla);

/**
 * apdu_build() - the bytes of @a into @out (@cap bytes); short form unless
 * a->extended (or lc/ne need it: then -EINVAL when !a->extended).
 */
int apdu_build(const struct apdu *a, uint8_t *out, size_t cap, size_t *len);
/** apdu_parse() - one command APDU of @len bytes (short or extended form). */
int apdu_parse(const uint8_t *buf, size_t len, struct apdu *out);

/** apdu_sw() - SW1 SW2 of a response APDU (-1 when shorter than 2 bytes). */
int apdu_sw(const uint8_t *resp, size_t len);
/** apdu_sw_str() - a clear name for a status word ("6A82 file or application not found"). */
const char *apdu_sw_str(int sw);

#endif
