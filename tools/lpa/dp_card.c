// SPDX-License-Identifier: Apache-2.0
/* A Port-DP+ card on a PC/SC reader: tools/station's chip with our AID. */
#include "dp_card.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "chip.h"
#include "der.h"
#include "sgp22.h"

struct dp_card {
	struct station_chip *sc;
};

static int open_one(const char *spec, bool extended, struct dp_card **out, char *err,
		    size_t err_len)
{
	struct chip_opts co = { .extended = extended ? APDU_FORCE_EXTENDED : APDU_AUTO };
	uint8_t aid[ES10_AID_MAX];
	struct dp_card *d;
	int ret;

	if (es10_aid_parse(DP_CARD_AID, aid, &co.aid_len))
		return -EINVAL;
	co.aid = aid;
	d = calloc(1, sizeof(*d));
	if (!d)
		return -ENOMEM;
	ret = chip_open(spec, &co, &d->sc, err, err_len);
	if (ret) {
		free(d);
		return ret;
	}
	*out = d;
	return 0;
}

/* Every reader in turn: the first whose card selects our AID (an eUICC answers 6A82). */
static int find(bool extended, struct dp_card **out, char *err, size_t err_len)
{
	struct pcsc_ctx *p;
	char *names, spec[300], why[200] = "";
	size_t n;
	int ret;

	ret = pcsc_ctx_open(&p, err, err_len);
	if (ret)
		return ret;
	ret = pcsc_readers(p, &names, &n);
	pcsc_ctx_close(p);
	if (ret) {
		snprintf(err, err_len, "PC/SC: cannot list the readers");
		return ret;
	}
	for (const char *r = names; n && *r; r += strlen(r) + 1) {
		snprintf(spec, sizeof(spec), "pcsc:%s", r);
		if (!open_one(spec, extended, out, why, sizeof(why))) {
			free(names);
			return 0;
		}
	}
	free(names);
	snprintf(err, err_len, "no Port-DP+ card (AID %s) in any of %zu PC/SC readers",
		 DP_CARD_AID, n);
	return -ENODEV;
}

int dp_card_open(const char *spec, bool extended, struct dp_card **out, char *err,
		 size_t err_len)
{
	if (!strcmp(spec, "pcsc:"))
		return find(extended, out, err, err_len);
	return open_one(spec, extended, out, err, err_len);
}

void dp_card_close(struct dp_card *d)
{
	if (!d)
		return;
	chip_close(d->sc);
	free(d);
}

int dp_card_call(void *ctx, const uint8_t *req, size_t len, uint8_t **resp, size_t *resp_len)
{
	struct dp_card *d = ctx;
	int ret = d->sc->chip.call(d->sc->chip.ctx, req, len, resp, resp_len);

	if (ret && d->sc->chip.error)
		snprintf(d->sc->chip.err, sizeof(d->sc->chip.err), "%s",
			 d->sc->chip.error(d->sc->chip.ctx));
	return ret;
}

unsigned long dp_card_apdus(const struct dp_card *d)
{
	return d->sc->apdus;
}

const char *dp_card_error(struct dp_card *d)
{
	return d->sc->chip.err;
}

static void text(const struct der_tlv *t, char *out, size_t cap)
{
	size_t n = t->len < cap - 1 ? t->len : cap - 1;

	memcpy(out, t->val, n);
	out[n] = '\0';
	for (size_t i = 0; i < n; i++)
		if ((unsigned char)out[i] < 0x20)
			out[i] = '?';
}

static int read_offer(const struct der_tlv *o, struct dp_offer *f)
{
	struct der_iter it;
	struct der_tlv t;
	uint64_t v;
	bool b;

	memset(f, 0, sizeof(*f));
	der_iter_init(&it, o);
	if (der_expect(&it, 0x80, &t))
		return -EBADMSG;
	text(&t, f->matching_id, sizeof(f->matching_id));
	if (der_expect(&it, 0x81, &t))
		return -EBADMSG;
	text(&t, f->name, sizeof(f->name));
	if (der_expect(&it, 0x82, &t))
		return -EBADMSG;
	text(&t, f->provider, sizeof(f->provider));
	if (der_expect(&it, 0x5A, &t) || t.len != SGP22_ICCID_LEN ||
	    sgp22_iccid_to_string(t.val, f->iccid))
		return -EBADMSG;
	if (der_expect(&it, 0x83, &t) || der_get_uint(&t, 255, &v))
		return -EBADMSG;
	f->profile_class = (int)v;
	if (der_expect(&it, 0x84, &t) || der_get_bool(&t, &b))
		return -EBADMSG;
	f->cc_required = b;
	return 0;
}

int dp_card_offers(struct dp_card *d, unsigned max, char address[256], struct dp_offer **list,
		   size_t *n)
{
	uint8_t req[] = { 0xE1, 0x03, 0x80, 0x01, (uint8_t)max }, *ans = NULL;
	struct der_tlv top, t, o;
	struct der_iter it, oi;
	size_t len = 0, cnt = 0;
	struct dp_offer *out;
	int ret;

	*list = NULL;
	*n = 0;
	ret = dp_card_call(d, req, sizeof(req), &ans, &len);
	if (ret)
		return ret;
	ret = -EBADMSG;
	if (!ans || der_parse_exact(ans, len, &top) || top.tag != 0xE1)
		goto out;
	der_iter_init(&it, &top);
	if (der_expect(&it, 0x80, &t) || !t.len || t.len > 255)
		goto out;
	text(&t, address, 256);
	if (der_expect(&it, 0xA1, &t))
		goto out;
	der_iter_init(&oi, &t);
	while (der_iter_next(&oi, &o) == 1)
		cnt++;
	out = calloc(cnt ? cnt : 1, sizeof(*out));
	if (!out) {
		ret = -ENOMEM;
		goto out;
	}
	der_iter_init(&oi, &t);
	for (size_t i = 0; i < cnt; i++) {
		if (der_iter_next(&oi, &o) != 1 || o.tag != 0x30 || read_offer(&o, &out[i])) {
			free(out);
			goto out;
		}
	}
	*list = out;
	*n = cnt;
	ret = 0;
out:
	free(ans);
	return ret;
}
