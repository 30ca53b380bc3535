// SPDX-License-Identifier: Apache-2.0
/* ES10 over APDUs, card side: channels, SELECT, STORE DATA gathering, T=0 answers. */
#include "es10_card.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "ef_atr.h"

struct channel {
	bool open;
	bool selected;           /* ISD-R selected on this channel */
	bool ef_atr;             /* EF.ATR/INFO is the current EF */
	uint8_t *cmd;            /* STORE DATA gathered so far */
	size_t cmd_len;
	unsigned next_block;
	bool in_sequence;
	uint8_t *out;            /* answer not yet fetched */
	size_t out_len, out_off;
};

struct es10_card {
	uint8_t aid[16];
	size_t aid_len;
	bool extended;
	const uint8_t *ef_atr;
	size_t ef_atr_len;
	es10_card_handler h;
	void *ctx;
	struct channel ch[ES10_CARD_CHANNELS];
};

const uint8_t *es10_card_atr(size_t *len)
{
	/* TS 3B, T0 = 2 historical bytes, T=0 implied (no TCK); PC/SC LPAs ask for T=0. */
	static const uint8_t atr[] = { 0x3B, 0x02, 0x14, 0x50 };

	*len = sizeof(atr);
	return atr;
}

int es10_card_new(const struct es10_card_opts *o, es10_card_handler h, void *ctx,
		  struct es10_card **out)
{
	static const uint8_t isdr[] = { 0xA0, 0x00, 0x00, 0x05, 0x59, 0x10, 0x10, 0xFF,
					0xFF, 0xFF, 0xFF, 0x89, 0x00, 0x00, 0x01, 0x00 };
	struct es10_card *c;

	if (!h || (o && o->aid && (o->aid_len < 5 || o->aid_len > 16)))
		return -EINVAL;
	c = calloc(1, sizeof(*c));
	if (!c)
		return -ENOMEM;
	if (o && o->aid) {
		memcpy(c->aid, o->aid, o->aid_len);
		c->aid_len = o->aid_len;
	} else {
		memcpy(c->aid, isdr, sizeof(isdr));
		c->aid_len = sizeof(isdr);
	}
	c->extended = o && o->extended;
	if (o && o->ef_atr) {
		c->ef_atr = o->ef_atr;
		c->ef_atr_len = o->ef_atr_len;
	}
	c->h = h;
	c->ctx = ctx;
	es10_card_reset(c);
	*out = c;
	return 0;
}

static void channel_clear(struct channel *ch)
{
	free(ch->cmd);
	free(ch->out);
	memset(ch, 0, sizeof(*ch));
}

void es10_card_reset(struct es10_card *c)
{
	for (unsigned i = 0; i < ES10_CARD_CHANNELS; i++)
		channel_clear(&c->ch[i]);
	c->ch[0].open = true;
}

void es10_card_free(struct es10_card *c)
{
	if (!c)
		return;
	for (unsigned i = 0; i < ES10_CARD_CHANNELS; i++)
		channel_clear(&c->ch[i]);
	free(c);
}

static void put_sw(uint8_t *resp, size_t *len, int sw)
{
	resp[*len] = (uint8_t)(sw >> 8);
	resp[*len + 1] = (uint8_t)sw;
	*len += 2;
}

/*
 * Give out (part of) the pending answer of @ch for a command that expects @ne
 * bytes (0: no Le, T=0 style: only say how much there is).
 */
static void give(struct channel *ch, size_t ne, bool exact, uint8_t *resp, size_t *len)
{
	size_t left = ch->out_len - ch->out_off, n;

	*len = 0;
	if (!left) {
		put_sw(resp, len, SW_OK);
		return;
	}
	if (!ne) {
		put_sw(resp, len, SW_BYTES_LEFT | (left >= 256 ? 0 : (int)left));
		return;
	}
	if (exact && ne > left && left < 256) {
		/* An exact short Le that does not match what there is: say the right one. */
		put_sw(resp, len, SW_WRONG_LE | (int)left);
		return;
	}
	n = ne < left ? ne : left;
	memcpy(resp, ch->out + ch->out_off, n);
	*len = n;
	ch->out_off += n;
	left -= n;
	if (!left) {
		free(ch->out);
		ch->out = NULL;
		ch->out_len = ch->out_off = 0;
		put_sw(resp, len, SW_OK);
	} else {
		put_sw(resp, len, SW_BYTES_LEFT | (left >= 256 ? 0 : (int)left));
	}
}

static int errno_sw(int ret)
{
	switch (ret) {
	case -EBADMSG: return SW_WRONG_DATA;
	case -EOPNOTSUPP: return SW_FUNC_NOT_SUPPORTED;
	case -ENOSPC: return SW_NO_MEMORY;
	case -EPERM: return SW_CONDITIONS;
	default: return SW_UNKNOWN;
	}
}

static int manage_channel(struct es10_card *c, const struct apdu *a, uint8_t *resp, size_t *len)
{
	if (apdu_channel(a->cla) != 0 && a->p1 == 0x00)
		return SW_WRONG_P1P2; /* opening from a logical channel: keep it simple */
	if (a->p1 == 0x00) {
		if (a->p2 != 0x00 || a->lc)
			return SW_WRONG_P1P2;
		for (unsigned i = 1; i < ES10_CARD_CHANNELS; i++)
			if (!c->ch[i].open) {
				c->ch[i].open = true;
				resp[0] = (uint8_t)i;
				*len = 1;
				return SW_OK;
			}
		return SW_FUNC_NOT_SUPPORTED; /* no channel left */
	}
	if (a->p1 == 0x80) {
		if (a->p2 == 0 || a->p2 >= ES10_CARD_CHANNELS || !c->ch[a->p2].open || a->lc)
			return SW_WRONG_P1P2;
		channel_clear(&c->ch[a->p2]);
		return SW_OK;
	}
	return SW_WRONG_P1P2;
}

static int store_data(struct es10_card *c, struct channel *ch, const struct apdu *a,
		      uint8_t *resp, size_t *len)
{
	uint8_t *out = NULL, *p;
	size_t out_len = 0;
	int ret;

	if (!ch->selected)
		return SW_CONDITIONS;
	if ((a->p1 != 0x11 && a->p1 != 0x91) || !a->lc) {
		ch->in_sequence = false;
		ch->cmd_len = 0;
		return a->lc ? SW_WRONG_P1P2 : SW_WRONG_LENGTH;
	}
	/* Block 0 starts a command (a new one ends an unfinished one); the rest count up. */
	if (a->p2 == 0) {
		ch->cmd_len = 0;
		ch->in_sequence = true;
	} else if (!ch->in_sequence || a->p2 != ch->next_block) {
		ch->in_sequence = false;
		ch->cmd_len = 0;
		return SW_WRONG_P1P2;
	}
	if (ch->cmd_len + a->lc > ES10_CARD_MAX_CMD) {
		ch->in_sequence = false;
		ch->cmd_len = 0;
		return SW_NO_MEMORY;
	}
	p = realloc(ch->cmd, ch->cmd_len + a->lc);
	if (!p)
		return SW_NO_MEMORY;
	ch->cmd = p;
	memcpy(ch->cmd + ch->cmd_len, a->data, a->lc);
	ch->cmd_len += a->lc;
	ch->next_block = a->p2 + 1u;
	if (a->p1 == 0x11)
		return ch->next_block > 255 ? (ch->in_sequence = false, SW_WRONG_P1P2) : SW_OK;
	ch->in_sequence = false;
	ret = c->h(c->ctx, ch->cmd, ch->cmd_len, &out, &out_len);
	ch->cmd_len = 0;
	if (ret)
		return errno_sw(ret);
	free(ch->out);
	ch->out = out;
	ch->out_len = out_len;
	ch->out_off = 0;
	give(ch, a->ne, false, resp, len);
	return -1; /* SW already written */
}

void es10_card_apdu(struct es10_card *c, const uint8_t *cmd, size_t len, uint8_t *resp,
		    size_t *resp_len)
{
	struct channel *ch;
	struct apdu a;
	unsigned n;
	int sw;

	*resp_len = 0;
	if (apdu_parse(cmd, len, &a)) {
		put_sw(resp, resp_len, SW_WRONG_LENGTH);
		return;
	}
	if (a.extended && !c->extended) {
		put_sw(resp, resp_len, SW_WRONG_LENGTH);
		return;
	}
	/* Interindustry or proprietary classes without secure messaging only. */
	if ((a.cla & 0x20) || (!(a.cla & 0x40) && (a.cla & 0x1C))) {
		put_sw(resp, resp_len, SW_CLA_NOT_SUPPORTED);
		return;
	}
	n = apdu_channel(a.cla);
	if (n >= ES10_CARD_CHANNELS || !c->ch[n].open) {
		put_sw(resp, resp_len, SW_CHANNEL_NOT_SUPPORTED);
		return;
	}
	ch = &c->ch[n];
	/* A pending answer lives only until the next command that is not GET RESPONSE. */
	if (a.ins != APDU_INS_GET_RESPONSE && ch->out) {
		free(ch->out);
		ch->out = NULL;
		ch->out_len = ch->out_off = 0;
	}
	switch (a.ins) {
	case APDU_INS_MANAGE_CHANNEL:
		sw = (a.cla & 0x80) ? SW_CLA_NOT_SUPPORTED : manage_channel(c, &a, resp, resp_len);
		break;
	case APDU_INS_SELECT:
		ch->ef_atr = false;
		if (a.cla & 0x80) {
			sw = SW_CLA_NOT_SUPPORTED;
		} else if ((a.p1 == 0x00 || a.p1 == 0x08) && (a.p2 & ~0x0C) == 0) {
			/* a file by identifier / by path from the MF: only EF.ATR/INFO exists */
			ch->ef_atr = c->ef_atr && a.lc == 2 && a.data[0] == (EF_ATR_FID >> 8) &&
				     a.data[1] == (EF_ATR_FID & 0xFF);
			ch->selected = false;
			sw = ch->ef_atr ? SW_OK : SW_NOT_FOUND;
		} else if (a.p1 != 0x04 || (a.p2 & ~0x0C) != 0) {
			sw = SW_WRONG_P1P2;
		} else if (a.lc != c->aid_len || memcmp(a.data, c->aid, a.lc)) {
			ch->selected = false;
			sw = SW_NOT_FOUND;
		} else {
			/* FCI: 6F { 84 AID, A5 { } } */
			uint8_t fci[32];
			size_t fl = 0;

			ch->selected = true;
			fci[fl++] = 0x6F;
			fci[fl++] = (uint8_t)(4 + c->aid_len);
			fci[fl++] = 0x84;
			fci[fl++] = (uint8_t)c->aid_len;
			memcpy(fci + fl, c->aid, c->aid_len);
			fl += c->aid_len;
			fci[fl++] = 0xA5;
			fci[fl++] = 0x00;
			ch->out = malloc(fl);
			if (!ch->out) {
				sw = SW_UNKNOWN;
				break;
			}
			memcpy(ch->out, fci, fl);
			ch->out_len = fl;
			ch->out_off = 0;
			give(ch, a.ne, false, resp, resp_len);
			return;
		}
		break;
	case APDU_INS_STORE_DATA:
		if (!(a.cla & 0x80)) {
			sw = SW_CLA_NOT_SUPPORTED;
			break;
		}
		sw = store_data(c, ch, &a, resp, resp_len);
		if (sw < 0)
			return;
		break;
	case APDU_INS_READ_BINARY:
		if (a.cla & 0x80) {
			sw = SW_CLA_NOT_SUPPORTED;
		} else if (!ch->ef_atr) {
			sw = SW_NO_CURRENT_EF;
		} else if ((a.p1 & 0x80) || !a.ne || a.lc) {
			sw = (a.p1 & 0x80) ? SW_WRONG_P1P2 : SW_WRONG_LENGTH;
		} else {
			size_t off = (size_t)a.p1 << 8 | a.p2, n;

			if (off >= c->ef_atr_len) {
				sw = SW_WRONG_P1P2_OFFSET;
				break;
			}
			n = c->ef_atr_len - off < a.ne ? c->ef_atr_len - off : a.ne;
			memcpy(resp, c->ef_atr + off, n);
			*resp_len = n;
			sw = n < a.ne ? SW_EOF_BEFORE_NE : SW_OK;
		}
		break;
	case APDU_INS_GET_RESPONSE:
		if (a.p1 || a.p2) {
			sw = SW_WRONG_P1P2;
		} else if (!ch->out) {
			sw = SW_CONDITIONS;
		} else {
			give(ch, a.ne ? a.ne : 256, a.ne != 256 && !a.extended, resp, resp_len);
			return;
		}
		break;
	default:
		sw = SW_INS_NOT_SUPPORTED;
	}
	put_sw(resp, resp_len, sw);
}
