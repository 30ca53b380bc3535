// SPDX-License-Identifier: Apache-2.0
/* A chip by spec; the in-process and loopback kinds over the software eUICC. */
#include "chip.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "apdu.h"
#include "es10_card.h"
#include "soft_euicc.h"

struct loopback {
	struct seuicc *e;
	struct es10_card *card;
};

static int inproc_call(void *ctx, const uint8_t *cmd, size_t len, uint8_t **resp,
		       size_t *resp_len)
{
	struct station_chip *c = ctx;
	int ret = seuicc_es10(c->tr, cmd, len, resp, resp_len);

	if (ret)
		snprintf(c->chip.err, sizeof(c->chip.err), "eUICC: %s (%s)", strerror(-ret),
			 seuicc_last_error(c->tr));
	return ret == -EPERM || ret == -EOPNOTSUPP ? -EPROTO : ret;
}

static const char *inproc_error(void *ctx)
{
	struct station_chip *c = ctx;

	return seuicc_last_error(c->tr);
}

static int isdr(void *ctx, const uint8_t *cmd, size_t len, uint8_t **resp, size_t *rlen)
{
	return seuicc_es10(ctx, cmd, len, resp, rlen);
}

static int loop_xmit(void *ctx, const uint8_t *cmd, size_t len, uint8_t *resp, size_t *rlen)
{
	struct station_chip *c = ctx;
	struct loopback *lb = c->tr;

	c->apdus++;
	es10_card_apdu(lb->card, cmd, len, resp, rlen);
	return 0;
}

static int link_call(void *ctx, const uint8_t *cmd, size_t len, uint8_t **resp, size_t *rlen)
{
	struct station_chip *c = ctx;

	return es10_link_call(c->link, cmd, len, resp, rlen);
}

static const char *link_error(void *ctx)
{
	struct station_chip *c = ctx;

	return es10_link_error(c->link);
}

int chip_inproc(struct seuicc *e, bool apdu, struct station_chip **out)
{
	struct station_chip *c = calloc(1, sizeof(*c));
	char err[200];
	int ret;

	if (!c)
		return -ENOMEM;
	c->chip.ctx = c;
	if (!apdu) {
		c->kind = CHIP_INPROC;
		c->tr = e;
		c->chip.call = inproc_call;
		c->chip.error = inproc_error;
		snprintf(c->name, sizeof(c->name), "in-process");
		*out = c;
		return 0;
	}
	{
		struct loopback *lb = calloc(1, sizeof(*lb));
		struct es10_transport t = { .transmit = loop_xmit, .ctx = c };

		if (!lb) {
			free(c);
			return -ENOMEM;
		}
		lb->e = e;
		c->tr = lb;
		c->kind = CHIP_LOOPBACK;
		snprintf(c->name, sizeof(c->name), "loopback");
		ret = es10_card_new(NULL, isdr, e, &lb->card);
		if (!ret)
			ret = es10_link_open(&t, NULL, &c->link, err, sizeof(err));
		if (ret) {
			chip_close(c);
			return ret;
		}
		c->chip.call = link_call;
		c->chip.error = link_error;
	}
	*out = c;
	return 0;
}

/* Used by pcsc.c, at.c and bt.c once their transport is up. */
int chip_link_up(struct station_chip *c, const struct es10_transport *t,
		 const struct es10_link_opts *lo, char *err, size_t err_len);
void chip_link_opts(const struct chip_opts *o, struct es10_transport *tr,
		    struct es10_link_opts *lo);

/*
 * The link options of a reader-like transport (PC/SC, Bluetooth) from @o. Short APDUs:
 * each round trip is costly (through pcscd it crosses three processes, ~110 us of host CPU,
 * docs/line-bench.md; over a radio it waits for the link), so by default the fewest a short
 * APDU allows: 255-byte STORE DATA blocks and Le = 00 on a command's last block (an answer
 * up to 256 bytes comes at once; a card that prefers 61xx still gets its GET RESPONSE).
 * 75 instead of 153 round trips per download. --block N alone: N-byte blocks without Le
 * (120: as widely used LPAs send). Modems keep 120 (AT+CGLA line lengths).
 */
void chip_link_opts(const struct chip_opts *o, struct es10_transport *tr,
		    struct es10_link_opts *lo)
{
	tr->extended = o && o->extended == APDU_FORCE_EXTENDED;
	if (o) {
		lo->aid = o->aid;
		lo->aid_len = o->aid_len;
		lo->block = o->block;
		lo->le_last = o->le_last;
	}
	if (!tr->extended && !lo->block) {
		lo->block = ES10_SHORT_BLOCK_MAX;
		lo->le_last = true;
	}
}

int chip_link_up(struct station_chip *c, const struct es10_transport *t,
		 const struct es10_link_opts *lo, char *err, size_t err_len)
{
	int ret = es10_link_open(t, lo, &c->link, err, err_len);

	if (ret)
		return ret;
	c->chip.ctx = c;
	c->chip.call = link_call;
	c->chip.error = link_error;
	return 0;
}

void chip_pcsc_free(struct station_chip *c);
void chip_at_free(struct station_chip *c);
void chip_bt_free(struct station_chip *c);

void chip_close(struct station_chip *c)
{
	if (!c)
		return;
	/* The link's MANAGE CHANNEL close is the last word to a card still there. */
	if (c->link && !c->gone)
		es10_link_close(c->link);
	else if (c->link)
		es10_link_drop(c->link); /* nothing to say to a removed card */
	switch (c->kind) {
	case CHIP_LOOPBACK:
		if (c->tr) {
			struct loopback *lb = c->tr;

			es10_card_free(lb->card);
			free(lb);
		}
		break;
	case CHIP_PCSC: chip_pcsc_free(c); break;
	case CHIP_AT: chip_at_free(c); break;
	case CHIP_BT: chip_bt_free(c); break;
	default: break;
	}
	free(c);
}

void chip_abandon(struct station_chip *c)
{
	if (!c)
		return;
	c->gone = true;  /* nothing more is said to it */
	c->reset = true; /* PC/SC: disconnect with a card reset */
	chip_close(c);
}

int chip_open(const char *spec, const struct chip_opts *o, struct station_chip **out, char *err,
	      size_t err_len)
{
	if (!strncmp(spec, "pcsc:", 5)) {
		struct pcsc_ctx *p;
		int ret = pcsc_ctx_open(&p, err, err_len);

		if (ret)
			return ret;
		ret = pcsc_chip(p, spec + 5, o, out, err, err_len);
		if (ret)
			pcsc_ctx_close(p);
		else
			pcsc_chip_adopt_ctx(*out);
		return ret;
	}
	if (!strncmp(spec, "at:", 3))
		return at_chip(spec + 3, false, o, out, err, err_len);
	if (!strncmp(spec, "at-csim:", 8))
		return at_chip(spec + 8, true, o, out, err, err_len);
	if (!strncmp(spec, "bt:", 3))
		return bt_chip(spec, o, out, err, err_len);
	snprintf(err, err_len, "unknown chip %s (pcsc:NAME, at:PATH, at-csim:PATH, bt:ADDR[@CH])",
		 spec);
	return -EINVAL;
}
