// SPDX-License-Identifier: Apache-2.0
/*
 * The card face of portdpd: tools/es10's card-side APDU engine (channels, SELECT, STORE
 * DATA chaining, GET RESPONSE) with our AID, and a request handler that hands ES9+ to the
 * ES9+ service (es9_handle_der(), then the group commit before any answer leaves) and
 * profile offers to offers.c.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../es9/es9.h"
#include "card.h"
#include "es10_card.h"
#include "es10_link.h"

struct pdp_card {
	struct es9_worker *w;
	struct es10_card *face;
	char smdp_address[256];
	uint8_t aid[ES10_AID_MAX];
	size_t aid_len;
};

const uint8_t *pdp_card_atr(size_t *len)
{
	return es10_card_atr(len);
}

/* An ES9+ request: answered only once its changes are durable. */
static int es9_request(struct pdp_card *c, const uint8_t *req, size_t len, uint8_t **resp,
		       size_t *resp_len)
{
	struct es9_response r;

	es9_handle_der(c->w, "card", req, len, &r);
	if (r.http_status >= 200 && r.http_status < 300 && es9_worker_flush(c->w))
		es9_answer_unstored(&r, "the inventory could not store the change");
	switch (r.http_status) {
	case 200:
		*resp = (uint8_t *)r.body;
		*resp_len = r.body_len;
		return 0;
	case 204:
		free(r.body);
		return 0;
	case 400:
		free(r.body);
		return -EBADMSG;
	case 413:
		free(r.body);
		return -ENOSPC;
	default:
		free(r.body);
		return -EIO;
	}
}

int pdp_card_request(struct pdp_card *c, const uint8_t *req, size_t len, uint8_t **resp,
		     size_t *resp_len)
{
	*resp = NULL;
	*resp_len = 0;
	if (!len)
		return -EBADMSG;
	if (req[0] == 0xA2)
		return es9_request(c, req, len, resp, resp_len);
	if (req[0] == 0xE1) {
		/* ProfileOfferListRequest { maxOffers [0] INTEGER OPTIONAL } */
		unsigned max = 16;

		if (len < 2 || req[1] + 2u != len)
			return -EBADMSG;
		if (len == 5 && req[2] == 0x80 && req[3] == 1 && req[4] >= 1 &&
		    req[4] <= PDP_CARD_MAX_OFFERS)
			max = req[4];
		else if (len != 2)
			return -EBADMSG;
		return pdp_card_offers(c->w, c->smdp_address, max, resp, resp_len) ? -EIO : 0;
	}
	return -EBADMSG;
}

static int handler(void *ctx, const uint8_t *cmd, size_t len, uint8_t **resp, size_t *resp_len)
{
	return pdp_card_request(ctx, cmd, len, resp, resp_len);
}

int pdp_card_new(struct es9_worker *w, const char *smdp_address, struct pdp_card **out)
{
	struct es10_card_opts o = {0};
	struct pdp_card *c = calloc(1, sizeof(*c));
	int ret;

	if (!c)
		return -ENOMEM;
	c->w = w;
	snprintf(c->smdp_address, sizeof(c->smdp_address), "%s", smdp_address);
	if (es10_aid_parse(PDP_CARD_AID, c->aid, &c->aid_len)) {
		free(c);
		return -EINVAL;
	}
	o.aid = c->aid;
	o.aid_len = c->aid_len;
	o.extended = true; /* a BPP in few APDUs where the reader allows it */
	ret = es10_card_new(&o, handler, c, &c->face);
	if (ret) {
		free(c);
		return ret;
	}
	*out = c;
	return 0;
}

void pdp_card_free(struct pdp_card *c)
{
	if (!c)
		return;
	es10_card_free(c->face);
	free(c);
}

void pdp_card_reset(struct pdp_card *c)
{
	es10_card_reset(c->face);
}

void pdp_card_apdu(struct pdp_card *c, const uint8_t *cmd, size_t len, uint8_t *resp,
		   size_t *resp_len)
{
	es10_card_apdu(c->face, cmd, len, resp, resp_len);
}
