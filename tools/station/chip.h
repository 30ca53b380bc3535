/* SPDX-License-Identifier: Apache-2.0 */
/*
 * How a station reaches an eUICC: the ES10 commands of tools/es10 carried
 *  - in-process to the software eUICC (no APDUs: the function-call path),
 *  - over APDUs to a card in a PC/SC reader (libpcsclite),
 *  - over APDUs through an AT modem on a serial port (AT+CCHO/CGLA/CCHC, or
 *    AT+CSIM on the basic channel),
 *  - over APDUs to the software eUICC's card face in this process (loopback:
 *    the APDU path without a reader, for comparisons),
 *  - over APDUs in btlink frames on a Bluetooth RFCOMM channel (a Port-DP+'s
 *    card face, docs/proximity-bluetooth.md).
 * One struct station_chip for all; its es10_chip is what the LPA flows use.
 *
 * Chip specs (portdp-lpa --chip, portdp-line --station):
 *   pcsc:NAME        the PC/SC reader whose name contains NAME (first card reader: "pcsc:")
 *   at:PATH          AT modem on serial port PATH, logical channel (CCHO/CGLA)
 *   at-csim:PATH     AT modem, APDUs through AT+CSIM on the basic channel
 *   bt:ADDR[@CH]     Bluetooth device ADDR, RFCOMM channel CH (default 22)
 */
#ifndef PORTDP_STATION_CHIP_H
#define PORTDP_STATION_CHIP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "atr.h"
#include "es10.h"
#include "es10_link.h"

struct seuicc;

enum chip_kind { CHIP_INPROC, CHIP_LOOPBACK, CHIP_PCSC, CHIP_AT, CHIP_BT };

struct chip_opts {
	const uint8_t *aid;      /* ISD-R AID, NULL: SGP.22's */
	size_t aid_len;
	/*
	 * PC/SC: APDU_AUTO (0) extended length when the card's ATR and the reader allow
	 * it (atr.h), else short; APDU_FORCE_EXTENDED (--extended, a bool true reads so),
	 * APDU_FORCE_SHORT (--no-extended). Other links: extended only when forced.
	 */
	enum apdu_force extended;
	unsigned block;          /* STORE DATA block size (0: 255 short + Le, 4096 extended) */
	bool le_last;            /* short APDUs: Le on the last block (see es10_link_opts) */
	unsigned timeout_ms;     /* AT: per command, 0: 5000 */
};

struct station_chip {
	struct es10_chip chip;
	enum chip_kind kind;
	char name[128];          /* reader name, tty path, "in-process" */
	struct es10_link *link;  /* APDU kinds */
	void *tr;                /* transport state */
	unsigned long apdus;     /* APDU round trips */
	bool gone;               /* the card was removed / the modem stopped answering */
	bool reset;              /* someone reset the card (its sessions are gone; it is there) */
	char apdu_mode[512];     /* PC/SC: short or extended, and why (for logs) */
};

/** chip_open() - a chip by spec (the card must be there). */
int chip_open(const char *spec, const struct chip_opts *o, struct station_chip **out, char *err,
	      size_t err_len);
/** chip_inproc() - the software eUICC @e as a chip, by function calls (APDUs: @apdu). */
int chip_inproc(struct seuicc *e, bool apdu, struct station_chip **out);
void chip_close(struct station_chip *c);
/**
 * chip_abandon() - let go of a chip to try it again: no MANAGE CHANNEL close (to a
 * line, closing the channel says "done, take it away"); a PC/SC card is reset.
 */
void chip_abandon(struct station_chip *c);

/** bt_chip() - the chip at @spec (bt:ADDR[@CH]) over RFCOMM (bt.c). */
int bt_chip(const char *spec, const struct chip_opts *o, struct station_chip **out, char *err,
	    size_t err_len);

/* ---- PC/SC readers (pcsc.c) -------------------------------------------- */
struct pcsc_ctx;
int pcsc_ctx_open(struct pcsc_ctx **out, char *err, size_t err_len);
void pcsc_ctx_close(struct pcsc_ctx *p);
/** pcsc_readers() - names of the readers pcscd knows ("\0"-separated list, malloc'd). */
int pcsc_readers(struct pcsc_ctx *p, char **names, size_t *n);
/**
 * pcsc_wait() - wait until the reader holds a card (@present) or none;
 * 0, -ETIMEDOUT, -ENODEV (no such reader), -EINTR (pcsc_cancel()).
 */
int pcsc_wait(struct pcsc_ctx *p, const char *reader, bool present, unsigned timeout_ms);
/**
 * pcsc_card_events() - the reader's card event count (insertions and removals,
 * pcscd's upper 16 bits of the event state), or -1.
 */
int pcsc_card_events(struct pcsc_ctx *p, const char *reader);
/**
 * pcsc_wait_gone() - wait until the card seen at @events left: the reader is
 * empty, or its event count moved (a quick swap that pcscd saw as one change).
 */
int pcsc_wait_gone(struct pcsc_ctx *p, const char *reader, int events, unsigned timeout_ms);
/** pcsc_cancel() - make every pcsc_wait() on @p return -EINTR (from another thread). */
void pcsc_cancel(struct pcsc_ctx *p);
/** pcsc_chip() - connect to the card in @reader and open the ES10 link. */
int pcsc_chip(struct pcsc_ctx *p, const char *reader, const struct chip_opts *o,
	      struct station_chip **out, char *err, size_t err_len);

/** pcsc_chip_adopt_ctx() - the chip closes the context with itself (chip_open's chips). */
void pcsc_chip_adopt_ctx(struct station_chip *c);

/* ---- AT modems (at.c) -------------------------------------------------- */
/** at_chip() - open the modem's tty, check it answers, open a channel to the ISD-R. */
int at_chip(const char *path, bool csim, const struct chip_opts *o, struct station_chip **out,
	    char *err, size_t err_len);

#endif
