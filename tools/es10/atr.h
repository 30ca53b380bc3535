/* SPDX-License-Identifier: Apache-2.0 */
/*
 * What a card's ATR says about APDU sizes, and the choice of short or extended
 * length APDUs from the card's word and the reader's.
 *
 * ATR (ISO 7816-3 8.2): TS, T0, interface bytes (TDi name the protocols),
 * historical bytes, TCK when a protocol other than T=0 is named.
 * Historical bytes (ISO 7816-4 8.1.1): category indicator 00 (compact-TLV
 * objects, then a 3-byte status indicator) or 80 (compact-TLV objects only);
 * object 7 is the card capabilities, whose third byte, the third software
 * function table (8.1.1.2.7), holds b8 command chaining, b7 extended Lc and Le
 * fields, b6 extended length information in EF.ATR/INFO, b5-b4 logical channel
 * assignment, b3-b1 the number of logical channels.
 *
 * Anything malformed reads as "nothing said": short APDUs, never a crash.
 */
#ifndef PORTDP_ES10_ATR_H
#define PORTDP_ES10_ATR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ef_atr.h"

#define ATR_MAX 33

/* Third software function table. */
#define ATR_CAP3_CHAINING 0x80
#define ATR_CAP3_EXTENDED 0x40
#define ATR_CAP3_EXT_INFO 0x20

struct atr_info {
	bool valid;           /* well formed to the last byte (TCK checked) */
	unsigned protocols;   /* bit n: T=n offered (T=0 when no TD1) */
	bool caps;            /* card capabilities with a third software function table */
	uint8_t cap3;         /* that table */
	bool extended;        /* the card takes extended Lc and Le fields */
	unsigned channels;    /* logical channels the card says it has (0: not said) */
	char err[80];         /* why not valid */
};

/** atr_parse() - read @atr (@len bytes) into @out; -EBADMSG (out->err says why) or 0. */
int atr_parse(const uint8_t *atr, size_t len, struct atr_info *out);

/**
 * atr_build() - a UICC-like ATR: T=0 (and T=1 when @t1), historical bytes 80 then
 * card capabilities (selection by full DF name; 4 logical channels, assigned by
 * card or interface device; extended Lc/Le when @extended) and status 9000.
 * Returns its length (at most ATR_MAX).
 */
size_t atr_build(bool extended, bool t1, uint8_t out[ATR_MAX]);
/** atr_build_plain() - the same without card capabilities (only the status 9000). */
size_t atr_build_plain(bool t1, uint8_t out[ATR_MAX]);

/*
 * Short or extended length: both the card and the reader must take it.
 *  card:   the ATR's card capabilities (b7 of the third table);
 *  reader: its largest APDU data field, from PC/SC part 10's dwMaxAPDUDataSize
 *          (0: short APDUs only) or SCARD_ATTR_MAXINPUT; when the driver says
 *          neither, T=1 carries any APDU pcsc-lite carries (blocks are chained)
 *          and T=0 none longer than short (it would need ENVELOPE, not sent here).
 * When the ATR does not settle the card's side (unreadable, no card capabilities,
 * or b6 of the third table: "extended length information in EF.ATR/INFO"), the
 * choice asks for EF.ATR/INFO (out->ask_ef_atr, only when the reader would carry
 * extended APDUs and nothing is forced); given it, its 7F66 (the card's largest
 * command and response APDUs) or its card capabilities decide.
 */
enum apdu_force { APDU_AUTO = 0, APDU_FORCE_EXTENDED, APDU_FORCE_SHORT };

struct apdu_mode_in {
	const uint8_t *atr;
	size_t atr_len;
	bool t1;                  /* the protocol in use is T=1 */
	long reader_max_data;     /* largest Nc/Ne the reader carries; -1: it does not say */
	const char *reader_src;   /* where that figure came from */
	enum apdu_force force;
	/* NONE: no such file (or no answer), BAD: its objects malformed */
	enum { EF_ATR_NOT_READ = 0, EF_ATR_NONE, EF_ATR_BAD, EF_ATR_READ } ef_atr_state;
	const struct ef_atr_info *ef_atr;   /* EF_ATR_READ: what it holds */
};

struct apdu_mode {
	bool extended;
	unsigned max_data;        /* extended: largest Nc/Ne to use (<= 65536) */
	bool ask_ef_atr;          /* read EF.ATR/INFO and choose again with it */
	char why[400];            /* the decision in words, for logs */
};

void apdu_mode_choose(const struct apdu_mode_in *in, struct apdu_mode *out);

#endif
