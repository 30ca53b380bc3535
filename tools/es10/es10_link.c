// SPDX-License-Identifier: Apache-2.0
/* ES10 over APDUs, LPA side: channel, SELECT, STORE DATA chaining, GET RESPONSE. */
#include "es10_link.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "apdu.h"

/* An ES10 answer never comes near this; a card that keeps sending 61xx is broken. */
#define MAX_ANSWER (APDU_EXT_MAX_NE * 2)

struct es10_link {
	struct es10_transport t;
	unsigned channel;
	bool opened;            /* MANAGE CHANNEL opened it: close it at the end */
	bool le_last;
	unsigned block;
	unsigned long round_trips;
	uint8_t cmd[APDU_MAX_CMD];
	uint8_t resp[APDU_MAX_RESP];
	size_t resp_len;
	char err[256];
};

static int fail(struct es10_link *l, int ret, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static int fail(struct es10_link *l, int ret, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(l->err, sizeof(l->err), fmt, ap);
	va_end(ap);
	return ret;
}

/* One round trip of @a; l->resp holds the answer, the SW is returned (or a negative errno). */
static int xfer(struct es10_link *l, const struct apdu *a)
{
	size_t len;
	int ret = apdu_build(a, l->cmd, sizeof(l->cmd), &len);

	if (ret)
		return fail(l, ret, "cannot build the APDU (%d)", ret);
	l->resp_len = 0;
	l->round_trips++;
	ret = l->t.transmit(l->t.ctx, l->cmd, len, l->resp, &l->resp_len);
	if (ret)
		return fail(l, -EIO, "transport: %s", strerror(-ret));
	if (l->resp_len < 2 || l->resp_len > sizeof(l->resp))
		return fail(l, -EBADMSG, "response of %zu bytes has no status word", l->resp_len);
	return apdu_sw(l->resp, l->resp_len);
}

/* Append a growing answer. */
static int append(struct es10_link *l, uint8_t **buf, size_t *len, const uint8_t *p, size_t n)
{
	uint8_t *nb;

	if (!n)
		return 0;
	if (*len + n > MAX_ANSWER)
		return fail(l, -EBADMSG, "answer longer than %d bytes", MAX_ANSWER);
	nb = realloc(*buf, *len + n);
	if (!nb)
		return fail(l, -ENOMEM, "out of memory");
	memcpy(nb + *len, p, n);
	*buf = nb;
	*len += n;
	return 0;
}

/*
 * Send @a and collect its whole answer: 6Cxx sends it again with Le = xx,
 * 61xx fetches the rest with GET RESPONSE. Returns the final SW (9000 or an
 * error SW) or a negative errno; the data goes to *out (malloc'd).
 */
static int exchange(struct es10_link *l, struct apdu a, uint8_t **out, size_t *out_len)
{
	unsigned rounds = 0;
	int sw;

	*out = NULL;
	*out_len = 0;
	for (;;) {
		sw = xfer(l, &a);
		if (sw < 0)
			goto err;
		if (++rounds > 1024) {
			sw = fail(l, -EBADMSG, "card keeps asking for more round trips");
			goto err;
		}
		if ((sw & 0xFF00) == SW_WRONG_LE && a.ins != APDU_INS_STORE_DATA) {
			/* The card names the exact length: the same command again. */
			a.ne = (sw & 0xFF) ? (sw & 0xFF) : 256;
			a.extended = false;
			continue;
		}
		if ((sw & 0xFF00) == SW_WRONG_LE) {
			/* A STORE DATA cannot be sent twice (its block was consumed): fetch. */
			struct apdu gr = { .cla = apdu_cla(l->channel, false),
					   .ins = APDU_INS_GET_RESPONSE,
					   .ne = (sw & 0xFF) ? (sw & 0xFF) : 256 };

			a = gr;
			continue;
		}
		sw = append(l, out, out_len, l->resp, l->resp_len - 2) ?: sw;
		if (sw < 0)
			goto err;
		if ((sw & 0xFF00) == SW_BYTES_LEFT) {
			struct apdu gr = { .cla = apdu_cla(l->channel, false),
					   .ins = APDU_INS_GET_RESPONSE,
					   .ne = (sw & 0xFF) ? (sw & 0xFF) : 256 };

			a = gr;
			continue;
		}
		return sw;
	}
err:
	free(*out);
	*out = NULL;
	*out_len = 0;
	return sw;
}

int es10_aid_parse(const char *hex, uint8_t aid[ES10_AID_MAX], size_t *len)
{
	size_t n = hex ? strlen(hex) : 0;

	if (n < 10 || n > 2 * ES10_AID_MAX || n % 2)
		return -EINVAL;
	for (size_t i = 0; i < n; i += 2) {
		unsigned v;
		char two[3] = { hex[i], hex[i + 1], 0 };

		if (!strchr("0123456789abcdefABCDEF", two[0]) ||
		    !strchr("0123456789abcdefABCDEF", two[1]) || sscanf(two, "%x", &v) != 1)
			return -EINVAL;
		aid[i / 2] = (uint8_t)v;
	}
	*len = n / 2;
	return 0;
}

static int open_channel(struct es10_link *l)
{
	struct apdu a = { .cla = 0x00, .ins = APDU_INS_MANAGE_CHANNEL, .p1 = 0x00, .p2 = 0x00,
			  .ne = 1 };
	uint8_t *data;
	size_t len;
	int sw = exchange(l, a, &data, &len);

	if (sw < 0)
		return sw;
	if (sw == SW_CHANNEL_NOT_SUPPORTED || sw == SW_INS_NOT_SUPPORTED ||
	    sw == SW_FUNC_NOT_SUPPORTED || sw == SW_CLA_NOT_SUPPORTED) {
		free(data);
		l->channel = 0; /* no logical channels: the basic channel it is */
		return 0;
	}
	if (sw != SW_OK || len != 1 || data[0] == 0 || data[0] > 19) {
		free(data);
		return fail(l, -EPROTO, "MANAGE CHANNEL open: %s%s", apdu_sw_str(sw),
			    sw == SW_OK ? " (no channel number)" : "");
	}
	l->channel = data[0];
	l->opened = true;
	free(data);
	return 0;
}

static int select_isdr(struct es10_link *l, const uint8_t *aid, size_t aid_len)
{
	struct apdu a = { .cla = apdu_cla(l->channel, false), .ins = APDU_INS_SELECT,
			  .p1 = 0x04, .p2 = 0x00, .data = aid, .lc = aid_len, .ne = 256 };
	uint8_t *fci;
	size_t len;
	int sw = exchange(l, a, &fci, &len);

	free(fci);
	if (sw < 0)
		return sw;
	if (sw == SW_NOT_FOUND)
		return fail(l, -EPROTO, "SELECT ISD-R: no application with this AID on the card "
			    "(%s)", apdu_sw_str(sw));
	if (sw != SW_OK)
		return fail(l, -EPROTO, "SELECT ISD-R: %s", apdu_sw_str(sw));
	return 0;
}

int es10_link_open(const struct es10_transport *t, const struct es10_link_opts *o,
		   struct es10_link **out, char *err, size_t err_len)
{
	static const uint8_t isdr[] = { 0xA0, 0x00, 0x00, 0x05, 0x59, 0x10, 0x10, 0xFF,
					0xFF, 0xFF, 0xFF, 0x89, 0x00, 0x00, 0x01, 0x00 };
	struct es10_link *l = calloc(1, sizeof(*l));
	const uint8_t *aid = o && o->aid ? o->aid : isdr;
	size_t aid_len = o && o->aid ? o->aid_len : sizeof(isdr);
	unsigned max;
	int ret;

	if (!l)
		return -ENOMEM;
	if (!t || !t->transmit || aid_len < 5 || aid_len > ES10_AID_MAX) {
		free(l);
		snprintf(err, err_len, "bad transport or AID");
		return -EINVAL;
	}
	l->t = *t;
	l->le_last = o && o->le_last;
	max = !t->extended ? APDU_SHORT_MAX_LC : t->max_data && t->max_data < APDU_EXT_MAX_LC ?
									t->max_data : APDU_EXT_MAX_LC;
	l->block = o && o->block ? o->block : t->extended ? ES10_EXT_BLOCK : ES10_SHORT_BLOCK;
	if (t->extended && !(o && o->block) && l->block > max)
		l->block = max;
	if (l->block > max) {
		free(l);
		snprintf(err, err_len, "STORE DATA block of %u bytes is too large", o->block);
		return -EINVAL;
	}
	if (o && o->preopened_channel) {
		if (o->preopened_channel > 19) {
			free(l);
			snprintf(err, err_len, "no logical channel %u", o->preopened_channel);
			return -EINVAL;
		}
		l->channel = o->preopened_channel;
		*out = l;
		return 0;
	}
	ret = o && o->basic_channel ? 0 : open_channel(l);
	if (!ret)
		ret = select_isdr(l, aid, aid_len);
	if (ret) {
		snprintf(err, err_len, "%s", l->err);
		es10_link_close(l);
		return ret;
	}
	*out = l;
	return 0;
}

void es10_link_close(struct es10_link *l)
{
	if (!l)
		return;
	if (l->opened) {
		struct apdu a = { .cla = 0x00, .ins = APDU_INS_MANAGE_CHANNEL, .p1 = 0x80,
				  .p2 = (uint8_t)l->channel };

		xfer(l, &a); /* the card may be gone already: nothing to do about it */
	}
	free(l);
}

void es10_link_drop(struct es10_link *l)
{
	free(l);
}

int es10_link_call(struct es10_link *l, const uint8_t *cmd, size_t len, uint8_t **resp,
		   size_t *resp_len)
{
	size_t off = 0;
	unsigned blk = 0;
	int sw;

	*resp = NULL;
	*resp_len = 0;
	if (!len)
		return fail(l, -EINVAL, "empty ES10 command");
	if ((len + l->block - 1) / l->block > 256)
		return fail(l, -EINVAL, "ES10 command of %zu bytes needs more than 256 blocks",
			    len);
	l->err[0] = '\0';
	for (;;) {
		size_t n = len - off < l->block ? len - off : l->block;
		bool last = off + n == len;
		struct apdu a = { .cla = apdu_cla(l->channel, true), .ins = APDU_INS_STORE_DATA,
				  .p1 = last ? 0x91 : 0x11, .p2 = (uint8_t)blk, .data = cmd + off,
				  .lc = n, .extended = l->t.extended };

		/* Extended: ask for the whole answer at once; short: the card says 61xx. */
		if (last && l->t.extended)
			a.ne = l->t.max_data && l->t.max_data < APDU_EXT_MAX_NE ? l->t.max_data :
										  APDU_EXT_MAX_NE;
		else if (last && l->le_last)
			a.ne = APDU_SHORT_MAX_NE;
		sw = exchange(l, a, resp, resp_len);
		if (sw < 0)
			return sw;
		if (sw != SW_OK) {
			free(*resp);
			*resp = NULL;
			*resp_len = 0;
			return fail(l, -EPROTO, "STORE DATA block %u%s: %s", blk,
				    last ? " (last)" : "", apdu_sw_str(sw));
		}
		if (last)
			break;
		if (*resp_len) {
			free(*resp);
			*resp = NULL;
			*resp_len = 0;
			return fail(l, -EBADMSG, "data in the answer to STORE DATA block %u of %zu "
				    "more to come", blk, len - off - n);
		}
		off += n;
		blk++;
	}
	if (!*resp_len) {
		free(*resp);
		*resp = NULL;
	}
	return 0;
}

const char *es10_link_error(const struct es10_link *l)
{
	return l->err;
}

unsigned long es10_link_round_trips(const struct es10_link *l)
{
	return l->round_trips;
}

unsigned es10_link_channel(const struct es10_link *l)
{
	return l->channel;
}
