// SPDX-License-Identifier: Apache-2.0
/*
 * PC/SC readers through libpcsclite: list, wait for a card or its removal,
 * connect (T=0 or T=1, shared: a reader's other programs may watch it), and
 * transmit APDUs. A removed card makes every later transmit fail with -ENODEV.
 * PCSCLITE_CSOCK_NAME in the environment picks the pcscd (tests start their own).
 */
#include "chip.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <reader.h>
#include <winscard.h>

#include "apdu.h"
#include "ef_atr.h"
#include "pcsc_watch.h"

struct pcsc_ctx {
	SCARDCONTEXT ctx;
	/* The reader's APDU size, asked once (the reader's, not the card's). */
	char caps_reader[128];
	long caps_max;           /* largest APDU data field; -1: the driver does not say */
	char caps_src[80];
	/*
	 * Fewer pcscd round trips per card (PORTDP_PCSC_LEAN=0: the old calls, for
	 * comparisons): the reader found for a station's name is kept (no
	 * SCardListReaders, two round trips, per card), the ATR read with SCardGetAttrib
	 * where the driver gives it (one round trip; SCardStatus makes two), the card's
	 * event count taken from the watcher (SCardGetStatusChange makes two).
	 */
	bool lean;
	bool no_attr_atr;        /* this reader's driver does not give SCARD_ATTR_ATR_STRING */
	char found_want[128], found_name[128];
};

struct pcsc_tr {
	struct pcsc_ctx *p;
	bool own_ctx;
	SCARDHANDLE h;
	DWORD proto;
};

int chip_link_up(struct station_chip *c, const struct es10_transport *t,
		 const struct es10_link_opts *lo, char *err, size_t err_len);
void chip_link_opts(const struct chip_opts *o, struct es10_transport *tr,
		    struct es10_link_opts *lo);
void chip_pcsc_free(struct station_chip *c);

int pcsc_ctx_open(struct pcsc_ctx **out, char *err, size_t err_len)
{
	struct pcsc_ctx *p = calloc(1, sizeof(*p));
	LONG rv;

	if (!p)
		return -ENOMEM;
	rv = SCardEstablishContext(SCARD_SCOPE_SYSTEM, NULL, NULL, &p->ctx);
	if (rv != SCARD_S_SUCCESS) {
		snprintf(err, err_len, "PC/SC: %s (is pcscd running?)", pcsc_stringify_error(rv));
		free(p);
		return -EIO;
	}
	{
		const char *env = getenv("PORTDP_PCSC_LEAN");

		p->lean = !env || strcmp(env, "0");
	}
	*out = p;
	return 0;
}

void pcsc_ctx_close(struct pcsc_ctx *p)
{
	if (!p)
		return;
	SCardReleaseContext(p->ctx);
	free(p);
}

int pcsc_readers(struct pcsc_ctx *p, char **names, size_t *n)
{
	DWORD len = 0;
	LONG rv = SCardListReaders(p->ctx, NULL, NULL, &len);
	char *buf;

	*names = NULL;
	*n = 0;
	if (rv == SCARD_E_NO_READERS_AVAILABLE)
		return 0;
	if (rv != SCARD_S_SUCCESS)
		return -EIO;
	buf = malloc(len);
	if (!buf)
		return -ENOMEM;
	rv = SCardListReaders(p->ctx, NULL, buf, &len);
	if (rv != SCARD_S_SUCCESS) {
		free(buf);
		return rv == SCARD_E_NO_READERS_AVAILABLE ? 0 : -EIO;
	}
	for (char *s = buf; *s; s += strlen(s) + 1)
		(*n)++;
	*names = buf;
	return 0;
}

int pcsc_wait(struct pcsc_ctx *p, const char *reader, bool present, unsigned timeout_ms)
{
	SCARD_READERSTATE rs = { .szReader = reader, .dwCurrentState = SCARD_STATE_UNAWARE };
	LONG rv;
	int ret;

	/* A wait (not a look): through the process's one watcher. */
	if (timeout_ms &&
	    (ret = pcsc_watch_wait(reader, present ? WATCH_PRESENT : WATCH_GONE, -1, timeout_ms)) != 1)
		return ret;

	for (;;) {
		rv = SCardGetStatusChange(p->ctx, timeout_ms, &rs, 1);
		if (rv == SCARD_E_TIMEOUT)
			return -ETIMEDOUT;
		if (rv == SCARD_E_CANCELLED)
			return -EINTR;
		if (rv != SCARD_S_SUCCESS || (rs.dwEventState & SCARD_STATE_UNKNOWN))
			return -ENODEV;
		if (present && (rs.dwEventState & SCARD_STATE_PRESENT) &&
		    !(rs.dwEventState & SCARD_STATE_MUTE))
			return 0;
		if (!present && (rs.dwEventState & SCARD_STATE_EMPTY))
			return 0;
		rs.dwCurrentState = rs.dwEventState & ~SCARD_STATE_CHANGED;
	}
}

int pcsc_card_events(struct pcsc_ctx *p, const char *reader)
{
	SCARD_READERSTATE rs = { .szReader = reader, .dwCurrentState = SCARD_STATE_UNAWARE };
	int ev = p->lean ? pcsc_watch_events(reader) : -1;

	if (ev >= 0)
		return ev;

	if (SCardGetStatusChange(p->ctx, 0, &rs, 1) != SCARD_S_SUCCESS)
		return -1;
	return (int)(rs.dwEventState >> 16);
}

int pcsc_wait_gone(struct pcsc_ctx *p, const char *reader, int events, unsigned timeout_ms)
{
	SCARD_READERSTATE rs = { .szReader = reader, .dwCurrentState = SCARD_STATE_UNAWARE };
	LONG rv;
	int ret;

	if (timeout_ms && (ret = pcsc_watch_wait(reader, WATCH_GONE, events, timeout_ms)) != 1)
		return ret;

	for (;;) {
		rv = SCardGetStatusChange(p->ctx, timeout_ms, &rs, 1);
		if (rv == SCARD_E_TIMEOUT)
			return -ETIMEDOUT;
		if (rv == SCARD_E_CANCELLED)
			return -EINTR;
		if (rv != SCARD_S_SUCCESS || (rs.dwEventState & SCARD_STATE_UNKNOWN))
			return -ENODEV;
		if ((rs.dwEventState & SCARD_STATE_EMPTY) ||
		    (events >= 0 && (int)(rs.dwEventState >> 16) != events))
			return 0;
		rs.dwCurrentState = rs.dwEventState & ~SCARD_STATE_CHANGED;
	}
}

void pcsc_cancel(struct pcsc_ctx *p)
{
	SCardCancel(p->ctx);
}

static int pcsc_xmit(void *ctx, const uint8_t *cmd, size_t len, uint8_t *resp, size_t *rlen)
{
	struct station_chip *c = ctx;
	struct pcsc_tr *t = c->tr;
	const SCARD_IO_REQUEST *pci = t->proto == SCARD_PROTOCOL_T1 ? SCARD_PCI_T1 : SCARD_PCI_T0;
	DWORD n = APDU_MAX_RESP;
	LONG rv;

	c->apdus++;
	rv = SCardTransmit(t->h, pci, cmd, (DWORD)len, NULL, resp, &n);
	if (rv == SCARD_W_RESET_CARD || rv == SCARD_E_NOT_TRANSACTED) {
		/*
		 * Another program (or pcscd cleaning up after a dead one) reset it, or
		 * the reader lost the exchange: the card's state is unknown, its
		 * sessions gone; it may well still be there.
		 */
		c->reset = true;
		return -ENODEV;
	}
	if (rv == SCARD_W_REMOVED_CARD || rv == SCARD_E_NO_SMARTCARD ||
	    rv == SCARD_E_READER_UNAVAILABLE || rv == SCARD_W_UNPOWERED_CARD) {
		c->gone = true;
		return -ENODEV;
	}
	if (rv != SCARD_S_SUCCESS)
		return -EIO;
	/* A card always says SW1 SW2; nothing at all is a reader whose card went away. */
	if (n < 2) {
		c->gone = true;
		return -ENODEV;
	}
	*rlen = n;
	return 0;
}

void pcsc_chip_adopt_ctx(struct station_chip *c)
{
	((struct pcsc_tr *)c->tr)->own_ctx = true;
}

void chip_pcsc_free(struct station_chip *c)
{
	struct pcsc_tr *t = c->tr;

	if (!t)
		return;
	if (t->h)
		SCardDisconnect(t->h, c->gone && c->reset ? SCARD_RESET_CARD : SCARD_LEAVE_CARD);
	if (t->own_ctx)
		pcsc_ctx_close(t->p);
	free(t);
}

/*
 * The reader's largest APDU data field as its driver reports it, -1 when it does not:
 * PC/SC v2 part 10 FEATURE_GET_TLV_PROPERTIES, dwMaxAPDUDataSize (little-endian,
 * 0: short APDUs only; the CCID driver says 65536 for TPDU and extended-APDU
 * readers), else SCARD_ATTR_MAXINPUT (the largest command APDU, platform order).
 * pcsc-lite itself carries up to MAX_BUFFER_SIZE_EXTENDED.
 */
static long reader_max_data(SCARDHANDLE h, char *src, size_t src_len)
{
	uint8_t buf[256];
	DWORD n = 0, ioctl = 0;

	if (SCardControl(h, CM_IOCTL_GET_FEATURE_REQUEST, NULL, 0, buf, sizeof(buf), &n) ==
	    SCARD_S_SUCCESS)
		for (DWORD i = 0; i + 6 <= n; i += 2u + buf[i + 1])
			if (buf[i] == FEATURE_GET_TLV_PROPERTIES && buf[i + 1] == 4)
				ioctl = (DWORD)buf[i + 2] << 24 | (DWORD)buf[i + 3] << 16 |
					(DWORD)buf[i + 4] << 8 | buf[i + 5];
	if (ioctl && SCardControl(h, ioctl, NULL, 0, buf, sizeof(buf), &n) == SCARD_S_SUCCESS)
		for (DWORD i = 0; i + 2 <= n && i + 2 + buf[i + 1] <= n; i += 2u + buf[i + 1])
			if (buf[i] == PCSCv2_PART10_PROPERTY_dwMaxAPDUDataSize && buf[i + 1] == 4) {
				snprintf(src, src_len, "PC/SC part 10 dwMaxAPDUDataSize");
				return (long)buf[i + 2] | (long)buf[i + 3] << 8 | (long)buf[i + 4] << 16 |
				       (long)buf[i + 5] << 24;
			}
	n = sizeof(buf);
	if (SCardGetAttrib(h, SCARD_ATTR_MAXINPUT, buf, &n) == SCARD_S_SUCCESS && n == 4) {
		uint32_t v;

		memcpy(&v, buf, sizeof(v));
		snprintf(src, src_len, "SCARD_ATTR_MAXINPUT %u, less a 7-byte header and Le", v);
		return v > 9 ? (long)v - 9 : 0;
	}
	snprintf(src, src_len, "neither dwMaxAPDUDataSize nor SCARD_ATTR_MAXINPUT");
	return -1;
}

/* Short or extended length for the card just connected (atr.h says how). */
static void choose_mode(struct station_chip *c, const struct chip_opts *o, struct chip_opts *co,
			unsigned *max_data)
{
	struct pcsc_tr *t = c->tr;
	struct pcsc_ctx *p = t->p;
	uint8_t atr[MAX_ATR_SIZE];
	DWORD atr_len = sizeof(atr), state, proto, rlen = 0;
	struct apdu_mode_in mi = { .atr = atr, .t1 = t->proto == SCARD_PROTOCOL_T1,
				   .force = o ? o->extended : APDU_AUTO };
	struct apdu_mode m;

	/* the driver may not answer it (vsmartcard-vpcd does not): then SCardStatus */
	if (!p->lean || p->no_attr_atr ||
	    SCardGetAttrib(t->h, SCARD_ATTR_ATR_STRING, atr, &atr_len) != SCARD_S_SUCCESS ||
	    !atr_len) {
		p->no_attr_atr = p->lean;
		atr_len = sizeof(atr);
		if (SCardStatus(t->h, NULL, &rlen, &state, &proto, atr, &atr_len) !=
		    SCARD_S_SUCCESS)
			atr_len = 0;
	}
	mi.atr_len = atr_len;
	if (strcmp(p->caps_reader, c->name)) {
		p->caps_max = reader_max_data(t->h, p->caps_src, sizeof(p->caps_src));
		snprintf(p->caps_reader, sizeof(p->caps_reader), "%s", c->name);
	}
	mi.reader_max_data = p->caps_max;
	mi.reader_src = p->caps_src;
	apdu_mode_choose(&mi, &m);
	if (m.ask_ef_atr) {
		/* the ATR leaves it open: the card's EF.ATR/INFO (ef_atr.h), on the basic channel */
		uint8_t ef[EF_ATR_MAX];
		size_t ef_len;
		struct ef_atr_info ei;
		int ret = ef_atr_read(pcsc_xmit, c, ef, sizeof(ef), &ef_len);

		if (ret)
			mi.ef_atr_state = EF_ATR_NONE;
		else if (ef_atr_parse(ef, ef_len, &ei))
			mi.ef_atr_state = EF_ATR_BAD;
		else
			mi.ef_atr_state = EF_ATR_READ;
		mi.ef_atr = &ei;
		apdu_mode_choose(&mi, &m);
	}
	*co = o ? *o : (struct chip_opts){ 0 };
	co->extended = m.extended ? APDU_FORCE_EXTENDED : APDU_FORCE_SHORT;
	*max_data = m.max_data;
	snprintf(c->apdu_mode, sizeof(c->apdu_mode), "T=%d, %s", mi.t1 ? 1 : 0, m.why);
}

/* The first reader whose name contains @want ("" for any reader with a card). */
static int find_reader(struct pcsc_ctx *p, const char *want, char *name, size_t len)
{
	char *names;
	size_t n;
	int ret;

	/* the reader this name found before (forgotten when it is gone: pcsc_chip) */
	if (p->lean && *want && !strcmp(want, p->found_want)) {
		snprintf(name, len, "%s", p->found_name);
		return 0;
	}
	ret = pcsc_readers(p, &names, &n);
	if (ret)
		return ret;
	ret = -ENODEV;
	for (char *s = names; s && *s; s += strlen(s) + 1)
		if (strstr(s, want) && (*want || !pcsc_wait(p, s, true, 0))) {
			snprintf(name, len, "%s", s);
			ret = 0;
			break;
		}
	free(names);
	if (!ret && *want && strlen(want) < sizeof(p->found_want) &&
	    strlen(name) < sizeof(p->found_name)) {
		snprintf(p->found_want, sizeof(p->found_want), "%s", want);
		snprintf(p->found_name, sizeof(p->found_name), "%s", name);
	}
	return ret;
}

int pcsc_chip(struct pcsc_ctx *p, const char *reader, const struct chip_opts *o,
	      struct station_chip **out, char *err, size_t err_len)
{
	struct station_chip *c = calloc(1, sizeof(*c));
	struct pcsc_tr *t = calloc(1, sizeof(*t));
	struct es10_transport tr = { .transmit = pcsc_xmit };
	struct es10_link_opts lo = { 0 };
	LONG rv;
	int ret;

	if (!c || !t) {
		free(c);
		free(t);
		return -ENOMEM;
	}
	c->kind = CHIP_PCSC;
	c->tr = t;
	t->p = p;
	ret = find_reader(p, reader, c->name, sizeof(c->name));
	if (ret) {
		snprintf(err, err_len, "no PC/SC reader %s%s", *reader ? "named " : "with a card",
			 reader);
		goto fail;
	}
	rv = SCardConnect(p->ctx, c->name, SCARD_SHARE_SHARED,
			  SCARD_PROTOCOL_T0 | SCARD_PROTOCOL_T1, &t->h, &t->proto);
	if (rv == SCARD_E_UNKNOWN_READER && p->found_want[0]) {
		/* the reader kept for this name went away: look again */
		p->found_want[0] = '\0';
		if (!find_reader(p, reader, c->name, sizeof(c->name)))
			rv = SCardConnect(p->ctx, c->name, SCARD_SHARE_SHARED,
					  SCARD_PROTOCOL_T0 | SCARD_PROTOCOL_T1, &t->h, &t->proto);
	}
	if (rv != SCARD_S_SUCCESS) {
		t->h = 0;
		snprintf(err, err_len, "%s: %s", c->name, pcsc_stringify_error(rv));
		ret = rv == SCARD_E_NO_SMARTCARD || rv == SCARD_W_REMOVED_CARD ? -ENODEV : -EIO;
		goto fail;
	}
	tr.ctx = c;
	{
		struct chip_opts co;
		unsigned max_data;
		size_t n;

		choose_mode(c, o, &co, &max_data);
		chip_link_opts(&co, &tr, &lo);
		tr.max_data = max_data;
		n = strlen(c->apdu_mode);
		snprintf(c->apdu_mode + n, sizeof(c->apdu_mode) - n, ", STORE DATA blocks of %u%s",
			 lo.block ? lo.block :
			 tr.extended ? (max_data < ES10_EXT_BLOCK ? max_data : ES10_EXT_BLOCK) :
				       ES10_SHORT_BLOCK,
			 !tr.extended && lo.le_last ? " + Le" : "");
	}
	ret = chip_link_up(c, &tr, &lo, err, err_len);
	if (ret)
		goto fail;
	*out = c;
	return 0;
fail:
	chip_close(c);
	return ret;
}
