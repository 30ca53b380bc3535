// SPDX-License-Identifier: Apache-2.0
/*
 * The ES10-over-APDU layer (tools/es10) on both sides of the wire.
 * LPA side (es10_link.c): a card whose answers are the input (each framed
 * as one length byte, then that many bytes), as a real chip behind a reader
 * or a modem could answer anything. Promises checked: open and each call
 * end 0 or -EIO/-EPROTO/-EBADMSG/-ENOMEM; an answer is returned only with
 * success, never longer than one ES10 command may be.
 * Card side (es10_card.c): the rest of the input as command APDUs (same
 * framing, two length bytes) into the ISD-R's APDU handling. Promise: every
 * answer carries a status word and fits APDU_MAX_RESP.
 */
#include <errno.h>
#include <string.h>

#include "apdu.h"
#include "es10_card.h"
#include "es10_link.h"
#include "fuzz.h"

struct feed {
	const uint8_t *p;
	size_t left;
};

static int feed_transmit(void *ctx, const uint8_t *cmd, size_t len, uint8_t *resp,
			 size_t *resp_len)
{
	struct feed *f = ctx;
	size_t n;

	(void)cmd;
	(void)len;
	if (!f->left)
		return -EIO; /* the card is gone */
	n = f->p[0];
	f->p++;
	f->left--;
	if (n > f->left)
		n = f->left;
	memcpy(resp, f->p, n);
	*resp_len = n;
	f->p += n;
	f->left -= n;
	return 0;
}

static bool link_err_ok(int err)
{
	return err == -EIO || err == -EPROTO || err == -EBADMSG || err == -ENOMEM;
}

/* Echoes the command back as the ES10 answer: answers of every length. */
static int echo_handler(void *ctx, const uint8_t *cmd, size_t len, uint8_t **resp,
			size_t *resp_len)
{
	(void)ctx;
	if (!len)
		return -EBADMSG;
	*resp = malloc(len);
	if (!*resp)
		return -ENOMEM;
	memcpy(*resp, cmd, len);
	*resp_len = len;
	return 0;
}

static void lpa_side(struct feed *f)
{
	static uint8_t big[600];
	static const uint8_t get_eid[] = {0xbf, 0x3e, 0x03, 0x5c, 0x01, 0x5a};
	struct es10_transport t = {.transmit = feed_transmit, .ctx = f};
	struct es10_link_opts o = {0};
	struct es10_link *l = NULL;
	char err[128];
	uint8_t *resp;
	size_t resp_len;
	int i, ret;

	ret = es10_link_open(&t, &o, &l, err, sizeof(err));
	if (ret) {
		FUZZ_CHECK(link_err_ok(ret) && !l);
		return;
	}
	/* a whole TLV longer than one block: STORE DATA chaining */
	big[0] = 0xbf;
	big[1] = 0x36;
	big[2] = 0x82;
	big[3] = (sizeof(big) - 5) >> 8;
	big[4] = (sizeof(big) - 5) & 0xff;
	for (i = 0; i < 3; i++) {
		resp = (uint8_t *)"x";
		resp_len = 1;
		ret = i == 1 ? es10_link_call(l, big, sizeof(big), &resp, &resp_len) :
			       es10_link_call(l, get_eid, sizeof(get_eid), &resp, &resp_len);
		if (ret) {
			FUZZ_CHECK(link_err_ok(ret));
			break;
		}
		FUZZ_CHECK(resp_len <= ES10_CARD_MAX_CMD && (resp_len ? resp != NULL : !resp));
		free(resp);
	}
	es10_link_close(l);
}

static void card_side(const uint8_t *p, size_t left)
{
	static uint8_t out[APDU_MAX_RESP];
	struct es10_card_opts o = {.extended = left & 1};
	struct es10_card *c;
	size_t n, out_len;

	if (es10_card_new(&o, echo_handler, NULL, &c))
		return;
	while (left >= 2) {
		n = (size_t)p[0] << 8 | p[1];
		p += 2;
		left -= 2;
		if (n > left)
			n = left;
		out_len = 0;
		es10_card_apdu(c, p, n, out, &out_len);
		FUZZ_CHECK(out_len >= 2 && out_len <= APDU_MAX_RESP);
		p += n;
		left -= n;
	}
	es10_card_free(c);
}

/* The first byte splits the rest: 255 all to the LPA side, 0 all to the card side. */
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	size_t rest, half;
	struct feed f;

	if (!size)
		return 0;
	rest = size - 1;
	half = data[0] * rest / 255;
	f = (struct feed){.p = data + 1, .left = half};
	lpa_side(&f);
	card_side(data + 1 + half, rest - half);
	return 0;
}
