// SPDX-License-Identifier: Apache-2.0
/*
 * ProfileOfferListResponse (docs/apdu-binding.md): what a phone shows before the user
 * picks a profile (SGP.22 UC1): available direct stock, each with the matchingId that
 * downloads it, its names, ICCID and class. Profiles an operator ordered (ES2+) go only
 * where their order says, so they are never offered to whoever taps.
 */
#include <errno.h>
#include <string.h>

#include "../es9/es9_internal.h"
#include "../rsp/der.h"
#include "../rsp/sgp22.h"
#include "card.h"

struct offer_walk {
	struct der_buf *b;
	unsigned left;
};

static void put_text(struct der_buf *b, uint32_t tag, const char *s)
{
	der_put(b, tag, s, strlen(s));
}

static int offer(const struct inv_profile *p, void *arg)
{
	struct offer_walk *o = arg;
	uint8_t iccid[SGP22_ICCID_LEN];

	if (p->order != INV_ORDER_DIRECT || !p->matching_id[0] ||
	    sgp22_iccid_from_string(p->iccid, iccid))
		return 0;
	der_begin(o->b, 0x30);
	put_text(o->b, 0x80, p->matching_id);
	put_text(o->b, 0x81, p->profile_name);
	put_text(o->b, 0x82, p->sp_name);
	der_put(o->b, 0x5A, iccid, sizeof(iccid));
	der_put_uint(o->b, 0x83, p->profile_class < 0 ? 0 : (uint64_t)p->profile_class);
	der_put_bool(o->b, 0x84, p->cc_required);
	der_end(o->b);
	return --o->left == 0;
}

int pdp_card_offers(struct es9_worker *w, const char *smdp_address, unsigned max,
		    uint8_t **der, size_t *len)
{
	struct der_buf b;
	struct offer_walk o = {.b = &b, .left = max ? max : 1};
	int ret;

	der_buf_init(&b);
	der_begin(&b, 0xE1);
	put_text(&b, 0x80, smdp_address);
	der_begin(&b, 0xA1);
	ret = inv_list(w->inv, INV_AVAILABLE, offer, &o);
	der_end(&b);
	der_end(&b);
	if (ret) {
		der_buf_free(&b);
		return ret;
	}
	return der_buf_take(&b, der, len);
}
