// SPDX-License-Identifier: Apache-2.0
/*
 * ES10c on the eUICC's state: each installed profile has an attribute record
 * (state, ISD-P AID, nickname, its StoreMetadata) beside its data. At most one
 * profile is enabled. Enable and disable queue the notifications the profile's
 * notificationConfigurationInfo asks for; delete always queues its signed
 * delete notification (the SM-DP+ needs it to offer the profile again).
 */
#include "seuicc_internal.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define EVENT_ENABLE 0x40
#define EVENT_DISABLE 0x20

/* ISD-P AIDs as cards number them: A0000005591010FFFFFFFF89 + a unique counter. */
void seuicc_isdp_aid(long seq, uint8_t aid[16])
{
	static const uint8_t prefix[12] = { 0xA0, 0x00, 0x00, 0x05, 0x59, 0x10,
					    0x10, 0xFF, 0xFF, 0xFF, 0xFF, 0x89 };

	memcpy(aid, prefix, sizeof(prefix));
	aid[12] = (uint8_t)(seq >> 16);
	aid[13] = (uint8_t)(seq >> 8);
	aid[14] = (uint8_t)seq;
	aid[15] = 0x00;
}

struct attr {
	int state;
	uint8_t aid[16];
	char nick[65];
	const uint8_t *md;     /* points into raw */
	size_t md_len;
	uint8_t *raw;
};

/* 30 { 80 state, 4F aid, 90 nickname, [BF25 metadata] } */
static int attr_save(struct seuicc *e, const char *iccid, int state, const uint8_t aid[16],
		     const char *nick, const uint8_t *md, size_t md_len)
{
	struct der_buf b;
	uint8_t *der;
	size_t len;
	int ret;

	der_buf_init(&b);
	der_begin(&b, DER_SEQUENCE);
	der_put_uint(&b, 0x80, (uint64_t)state);
	der_put(&b, 0x4F, aid, 16);
	der_put(&b, 0x90, nick, strlen(nick));
	if (md_len)
		der_put_raw(&b, md, md_len);
	der_end(&b);
	ret = der_buf_take(&b, &der, &len);
	if (ret)
		return ret;
	ret = store_attr_put(e, iccid, der, len);
	free(der);
	return ret;
}

static int attr_load(struct seuicc *e, const char *iccid, struct attr *a)
{
	struct der_tlv top, t;
	struct der_iter it;
	uint64_t v;
	size_t len;
	int ret;

	memset(a, 0, sizeof(*a));
	if (!store_profile_exists(e, iccid))
		return -ENOENT;
	ret = store_attr_get(e, iccid, &a->raw, &len);
	if (ret)
		return ret;
	der_iter_init_buf(&it, a->raw, len);
	if (der_iter_next(&it, &top) != 1 || top.tag != DER_SEQUENCE)
		goto bad;
	der_iter_init(&it, &top);
	if (der_expect(&it, 0x80, &t) || der_get_uint(&t, 1, &v))
		goto bad;
	a->state = (int)v;
	if (der_expect(&it, 0x4F, &t) || t.len != 16)
		goto bad;
	memcpy(a->aid, t.val, 16);
	if (der_expect(&it, 0x90, &t) || t.len >= sizeof(a->nick))
		goto bad;
	memcpy(a->nick, t.val, t.len);
	if (der_take(&it, 0xBF25, &t) == 0) {
		a->md = t.raw;
		a->md_len = t.raw_len;
	}
	return 0;
bad:
	free(a->raw);
	a->raw = NULL;
	return -EBADMSG;
}

int seuicc_profile_installed(struct seuicc *e, const char *iccid, const uint8_t aid[16],
			     const uint8_t *md, size_t md_len)
{
	return attr_save(e, iccid, 0, aid, "", md, md_len);
}

int seuicc_profile_attr_remove(struct seuicc *e, const char *iccid)
{
	return store_attr_remove(e, iccid);
}

void seuicc_profiles_free(struct seuicc_profile_info *list, size_t n)
{
	for (size_t i = 0; list && i < n; i++)
		free((void *)list[i].md);
	free(list);
}

int seuicc_profiles(struct seuicc *e, struct seuicc_profile_info **list, size_t *n)
{
	char (*iccids)[21] = NULL;
	size_t cnt, k = 0;
	int ret = store_profile_list(e, &iccids, &cnt);

	*list = NULL;
	*n = 0;
	if (ret)
		return seuicc_fail(e, ret, "profile store: %s", strerror(-ret));
	*list = calloc(cnt ? cnt : 1, sizeof(**list));
	if (!*list) {
		free(iccids);
		return -ENOMEM;
	}
	for (size_t i = 0; i < cnt; i++) {
		struct seuicc_profile_info *p = &(*list)[k];
		struct attr a;

		/* A profile stored without attributes (an older state dir): disabled, no data. */
		if (attr_load(e, iccids[i], &a)) {
			memset(&a, 0, sizeof(a));
			seuicc_isdp_aid(0, a.aid);
		}
		snprintf(p->iccid, sizeof(p->iccid), "%s", iccids[i]);
		memcpy(p->aid, a.aid, 16);
		p->state = a.state;
		snprintf(p->nickname, sizeof(p->nickname), "%s", a.nick);
		if (a.md_len && (p->md = malloc(a.md_len))) {
			memcpy((void *)p->md, a.md, a.md_len);
			p->md_len = a.md_len;
		}
		free(a.raw);
		k++;
	}
	free(iccids);
	*n = k;
	return 0;
}

/*
 * The notifications @event_bits the profile's metadata asks for
 * (notificationConfigurationInfo B6: 30 { 80 events, 81 address }...).
 */
static int notify_configured(struct seuicc *e, const char *iccid, const struct attr *a,
			     uint8_t event_bits)
{
	struct der_tlv md, b6, cfg, ev, addr;
	struct der_iter it, ci;
	uint8_t bcd[10];
	char address[SEUICC_ADDR_MAX];
	long seq;
	int r;

	if (!a->md_len || der_parse_exact(a->md, a->md_len, &md) || der_find(&md, 0xB6, &b6) ||
	    iccid_to_bcd(iccid, bcd))
		return 0;
	der_iter_init(&it, &b6);
	while ((r = der_iter_next(&it, &cfg)) == 1) {
		der_iter_init(&ci, &cfg);
		if (der_expect(&ci, 0x80, &ev) || ev.len != 2 || der_expect(&ci, 0x81, &addr) ||
		    !addr.len || addr.len >= sizeof(address))
			continue;
		if (!(ev.val[1] & event_bits))
			continue;
		snprintf(address, sizeof(address), "%.*s", (int)addr.len, (const char *)addr.val);
		r = seuicc_queue_notification(e, event_bits, bcd, address, &seq);
		if (r)
			return r;
	}
	return 0;
}

/* Set the state of @iccid; @a is its loaded record. */
static int set_state(struct seuicc *e, const char *iccid, struct attr *a, int state)
{
	int ret = attr_save(e, iccid, state, a->aid, a->nick, a->md, a->md_len);

	if (ret)
		return seuicc_fail(e, ret, "state store: %s", strerror(-ret));
	a->state = state;
	return notify_configured(e, iccid, a, state ? EVENT_ENABLE : EVENT_DISABLE);
}

int seuicc_enable_profile(struct seuicc *e, const char *iccid, int *result)
{
	struct seuicc_profile_info *list;
	struct attr a;
	size_t n;
	int ret = attr_load(e, iccid, &a);

	*result = SEUICC_PM_OK;
	if (ret == -ENOENT) {
		*result = SEUICC_PM_NOT_FOUND;
		return 0;
	}
	if (ret)
		return seuicc_fail(e, ret, "profile %s: attributes unreadable", iccid);
	if (a.state) {
		free(a.raw);
		*result = SEUICC_PM_WRONG_STATE;
		return 0;
	}
	/* The enabled one (if any) goes first: never two enabled. */
	ret = seuicc_profiles(e, &list, &n);
	for (size_t i = 0; !ret && i < n; i++) {
		struct attr o;

		if (!list[i].state || attr_load(e, list[i].iccid, &o))
			continue;
		ret = set_state(e, list[i].iccid, &o, 0);
		free(o.raw);
	}
	seuicc_profiles_free(list, n);
	if (!ret)
		ret = set_state(e, iccid, &a, 1);
	free(a.raw);
	return ret;
}

int seuicc_disable_profile(struct seuicc *e, const char *iccid, int *result)
{
	struct attr a;
	int ret = attr_load(e, iccid, &a);

	*result = SEUICC_PM_OK;
	if (ret == -ENOENT) {
		*result = SEUICC_PM_NOT_FOUND;
		return 0;
	}
	if (ret)
		return seuicc_fail(e, ret, "profile %s: attributes unreadable", iccid);
	if (!a.state)
		*result = SEUICC_PM_WRONG_STATE;
	else
		ret = set_state(e, iccid, &a, 0);
	free(a.raw);
	return ret;
}

int seuicc_delete_disabled(struct seuicc *e, const char *iccid, int *result)
{
	struct attr a;
	long seq;
	int ret = attr_load(e, iccid, &a);

	*result = SEUICC_PM_OK;
	if (ret == -ENOENT) {
		*result = SEUICC_PM_NOT_FOUND;
		return 0;
	}
	if (ret)
		return seuicc_fail(e, ret, "profile %s: attributes unreadable", iccid);
	free(a.raw);
	if (a.state) {
		*result = SEUICC_PM_WRONG_STATE;
		return 0;
	}
	return seuicc_delete_profile(e, iccid, &seq);
}

int seuicc_set_nickname(struct seuicc *e, const char *iccid, const char *nick, int *result)
{
	struct attr a;
	int ret = attr_load(e, iccid, &a);

	*result = 0;
	if (ret == -ENOENT) {
		*result = 1;
		return 0;
	}
	if (ret)
		return seuicc_fail(e, ret, "profile %s: attributes unreadable", iccid);
	if (strlen(nick) >= sizeof(a.nick)) {
		free(a.raw);
		*result = 127;
		return 0;
	}
	ret = attr_save(e, iccid, a.state, a.aid, nick, a.md, a.md_len);
	free(a.raw);
	return ret ? seuicc_fail(e, ret, "state store: %s", strerror(-ret)) : 0;
}

/* profileClass of a profile's metadata (95), operational (2) when absent. */
static int profile_class(const struct seuicc_profile_info *p)
{
	struct der_tlv md, c;
	uint64_t v;

	if (p->md_len && !der_parse_exact(p->md, p->md_len, &md) && !der_find(&md, 0x95, &c) &&
	    !der_get_uint(&c, 2, &v))
		return (int)v;
	return 2;
}

int seuicc_memory_reset(struct seuicc *e, uint8_t options, int *result)
{
	struct seuicc_profile_info *list;
	size_t n, deleted = 0;
	int ret = seuicc_profiles(e, &list, &n);

	*result = 0;
	if (ret)
		return ret;
	for (size_t i = 0; !ret && i < n; i++) {
		int cls = profile_class(&list[i]);

		if (!((cls == 2 && (options & 0x80)) || (cls == 0 && (options & 0x40))))
			continue;
		/* A reset removes profiles without notifications (SGP.22 5.7.19). */
		ret = store_profile_remove(e, list[i].iccid);
		if (!ret) {
			store_attr_remove(e, list[i].iccid);
			deleted++;
		}
	}
	seuicc_profiles_free(list, n);
	if (ret)
		return seuicc_fail(e, ret, "state store: %s", strerror(-ret));
	*result = deleted || (options & 0x20) ? 0 : 1;
	return 0;
}
