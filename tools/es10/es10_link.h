/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The LPA side of ES10 over APDUs (SGP.22 5.7, ISO 7816-4): a logical channel
 * opened with MANAGE CHANNEL (the basic channel when the card has none), the
 * ISD-R selected by AID, every ES10 command sent as STORE DATA blocks (P1 0x11
 * more to follow / 0x91 last, P2 the block number from 0), answers collected
 * through 61xx + GET RESPONSE and 6Cxx. Short APDUs unless the transport says
 * the reader and card take extended length.
 *
 * The transport is one function: a command APDU out, the response APDU (data +
 * SW1 SW2) back. PC/SC, an AT modem and an in-process card each provide one.
 *
 * Return convention: 0 or a negative errno; es10_link_error() says what.
 *  -EIO     the transport failed (card removed, link lost)
 *  -EPROTO  the card answered a status word that ends the command
 *  -EBADMSG the answer is malformed (too long, no status word, data where none belongs)
 */
#ifndef PORTDP_ES10_LINK_H
#define PORTDP_ES10_LINK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* ISD-R AID of SGP.22 (some cards use another: configurable). */
#define ES10_ISDR_AID "A0000005591010FFFFFFFF8900000100"
#define ES10_AID_MAX 16
/* STORE DATA block size on short APDUs (what widely used LPAs send). */
#define ES10_SHORT_BLOCK 120
/* The largest short-APDU block (Lc): PC/SC stations' default, with Le on the last block. */
#define ES10_SHORT_BLOCK_MAX 255
#define ES10_EXT_BLOCK 4096

struct es10_transport {
	/*
	 * One round trip. @resp has room for APDU_MAX_RESP bytes; *resp_len is
	 * set to what came back (data and SW). 0 or a negative errno.
	 */
	int (*transmit)(void *ctx, const uint8_t *cmd, size_t len, uint8_t *resp,
			size_t *resp_len);
	void *ctx;
	bool extended;        /* reader and card take extended-length APDUs */
	unsigned max_data;    /* extended: the largest Nc/Ne the reader carries (0: 65536) */
};

struct es10_link_opts {
	const uint8_t *aid;   /* NULL: the SGP.22 ISD-R */
	size_t aid_len;
	unsigned block;       /* STORE DATA block size; 0: 120 short, 4096 extended */
	bool basic_channel;   /* skip MANAGE CHANNEL (cards or modems without logical channels) */
	/* Short APDUs: Le = 00 on each command's last block (case 4), so a card answers
	 * at once instead of 61xx + GET RESPONSE. Off: case 3, as widely used LPAs send. */
	bool le_last;
	/* A channel the transport opened and selected itself (AT+CCHO): used as it is,
	 * closed by the transport. 0: none. */
	unsigned preopened_channel;
};

struct es10_link;

/** es10_link_open() - open a channel and select the ISD-R. @err gets the reason on failure. */
int es10_link_open(const struct es10_transport *t, const struct es10_link_opts *o,
		   struct es10_link **out, char *err, size_t err_len);
/** es10_link_close() - MANAGE CHANNEL close (when one was opened); frees @l. */
void es10_link_close(struct es10_link *l);

/** es10_link_drop() - free @l without a word to the card (it is gone). */
void es10_link_drop(struct es10_link *l);

/**
 * es10_link_call() - one ES10 command (a whole BER-TLV, or one segment of a
 * LoadBoundProfilePackage) as STORE DATA; @resp: malloc'd answer data, NULL
 * and 0 when the card answered 9000 alone.
 */
int es10_link_call(struct es10_link *l, const uint8_t *cmd, size_t len, uint8_t **resp,
		   size_t *resp_len);

const char *es10_link_error(const struct es10_link *l);
/** es10_link_round_trips() - APDUs exchanged since open (for benchmarks). */
unsigned long es10_link_round_trips(const struct es10_link *l);
/** es10_link_channel() - the logical channel in use. */
unsigned es10_link_channel(const struct es10_link *l);

/** es10_aid_parse() - hex AID (5..16 bytes) into @aid. */
int es10_aid_parse(const char *hex, uint8_t aid[ES10_AID_MAX], size_t *len);

#endif
