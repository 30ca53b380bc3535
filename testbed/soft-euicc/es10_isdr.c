// SPDX-License-Identifier: Apache-2.0
/*
 * The ISD-R of the software eUICC: each ES10a/b/c command as it arrives over
 * STORE DATA, dispatched by tag onto the eUICC's functions, its answer
 * encoded as SGP.22 says. LoadBoundProfilePackage segments are recognised
 * by BF36 (the first) or by a load being in progress (the rest).
 */
#include "seuicc_internal.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define ROOT_DS "lpa.ds.gsma.com"

static int answer_result(uint32_t tag, int result, uint8_t **resp, size_t *resp_len)
{
	struct der_buf b;

	der_buf_init(&b);
	der_begin(&b, tag);
	der_put_uint(&b, 0x80, (uint64_t)result);
	der_end(&b);
	return der_buf_take(&b, resp, resp_len);
}

/* A profile named by ICCID (5A) or ISD-P AID (4F): its ICCID, or "" when unknown. */
static int profile_id(struct seuicc *e, const struct der_tlv *id, char iccid[21])
{
	struct seuicc_profile_info *list;
	size_t n;
	int ret;

	iccid[0] = '\0';
	if (id->tag == 0x5A) {
		if (id->len != 10 || iccid_from_bcd(id->val, iccid))
			return -EBADMSG;
		return 0;
	}
	if (id->tag != 0x4F || id->len < 5 || id->len > 16)
		return -EBADMSG;
	ret = seuicc_profiles(e, &list, &n);
	if (ret)
		return ret;
	for (size_t i = 0; i < n; i++)
		if (id->len == 16 && !memcmp(list[i].aid, id->val, 16))
			snprintf(iccid, 21, "%s", list[i].iccid);
	seuicc_profiles_free(list, n);
	return 0;
}

static int get_eid(struct seuicc *e, const struct der_tlv *top, uint8_t **resp, size_t *len)
{
	struct der_tlv t;
	struct der_buf b;

	if (der_find(top, 0x5C, &t) || t.len != 1 || t.val[0] != 0x5A)
		return -EBADMSG;
	der_buf_init(&b);
	der_begin(&b, 0xBF3E);
	der_put(&b, 0x5A, e->eid, PDP_EID_LEN);
	der_end(&b);
	return der_buf_take(&b, resp, len);
}

static int challenge(struct seuicc *e, uint8_t **resp, size_t *len)
{
	uint8_t ch[16];
	struct der_buf b;
	int ret = seuicc_get_challenge(e, ch);

	if (ret)
		return ret;
	der_buf_init(&b);
	der_begin(&b, 0xBF2E);
	der_put(&b, 0x80, ch, sizeof(ch));
	der_end(&b);
	return der_buf_take(&b, resp, len);
}

static int addresses(struct seuicc *e, uint8_t **resp, size_t *len)
{
	struct der_buf b;

	der_buf_init(&b);
	der_begin(&b, 0xBF3C);
	if (e->default_dp[0])
		der_put(&b, 0x80, e->default_dp, strlen(e->default_dp));
	der_put(&b, 0x81, ROOT_DS, strlen(ROOT_DS));
	der_end(&b);
	return der_buf_take(&b, resp, len);
}

static int set_default_dp(struct seuicc *e, const struct der_tlv *top, uint8_t **resp,
			  size_t *len)
{
	struct der_tlv a;

	if (der_find(top, 0x80, &a))
		return -EBADMSG;
	if (a.len >= sizeof(e->default_dp))
		return answer_result(0xBF3F, 127, resp, len);
	memcpy(e->default_dp, a.val, a.len);
	e->default_dp[a.len] = '\0';
	return answer_result(0xBF3F, 0, resp, len);
}

/* An ES10b function answered with DER (or an error answer): -EINVAL means malformed. */
static int es10b(int ret)
{
	return ret == -EINVAL ? -EBADMSG : ret;
}

static int cancel(struct seuicc *e, const struct der_tlv *top, uint8_t **resp, size_t *len)
{
	struct der_tlv tid, reason;
	struct der_iter it;
	uint64_t r;
	int err;

	der_iter_init(&it, top);
	if (der_expect(&it, 0x80, &tid) || der_expect(&it, 0x81, &reason) ||
	    der_get_uint(&reason, 127, &r))
		return -EBADMSG;
	return es10b(seuicc_cancel_session(e, tid.val, tid.len, (enum seuicc_cancel_reason)r,
					   resp, len, &err));
}

/* The NotificationMetadata (BF2F) inside a stored PendingNotification. */
static int metadata_of(const uint8_t *der, size_t len, struct der_tlv *md, struct der_tlv *whole)
{
	struct der_tlv t;

	if (der_parse_exact(der, len, whole))
		return -EBADMSG;
	if (whole->tag == 0xBF37) {
		if (der_find(whole, 0xBF27, &t) || der_find(&t, 0xBF2F, md))
			return -EBADMSG;
		return 0;
	}
	return whole->tag == DER_SEQUENCE ? der_find(whole, 0xBF2F, md) : -EBADMSG;
}

/*
 * ListNotification (BF28: metadata only) or RetrieveNotificationsList (BF2B:
 * the whole notifications), all or filtered by seqNumber / event.
 */
static int notifications(struct seuicc *e, const struct der_tlv *top, uint8_t **resp,
			 size_t *len)
{
	bool retrieve = top->tag == 0xBF2B;
	struct der_tlv crit, t;
	long *seqs = NULL, want_seq = -1;
	uint8_t want_ev = 0;
	struct der_buf b;
	size_t n = 0, found = 0;
	uint64_t v;
	int ret;

	/* List: [1] event; retrieve: searchCriteria [0] { [0] seqNumber | [1] event }. */
	if (retrieve && !der_find(top, 0xA0, &crit)) {
		struct der_iter it;

		der_iter_init(&it, &crit);
		if (der_iter_next(&it, &t) != 1)
			return -EBADMSG;
		crit = t;
	} else if (retrieve || der_find(top, 0x81, &crit)) {
		crit.tag = 0;
	}
	if (crit.tag == 0x80) {
		if (der_get_uint(&crit, 0x7FFFFFFF, &v))
			return -EBADMSG;
		want_seq = (long)v;
	} else if (crit.tag == 0x81) {
		if (crit.len != 2)
			return -EBADMSG;
		want_ev = crit.val[1];
	} else if (crit.tag) {
		return -EBADMSG;
	}
	ret = store_notification_list(e, &seqs, &n);
	if (ret)
		return ret;
	der_buf_init(&b);
	der_begin(&b, top->tag);
	der_begin(&b, 0xA0);
	for (size_t i = 0; i < n; i++) {
		struct der_tlv md, whole, ev;
		char addr[SEUICC_ADDR_MAX];
		uint8_t *der;
		size_t dl;

		if (want_seq >= 0 && seqs[i] != want_seq)
			continue;
		if (store_notification_get(e, seqs[i], &der, &dl, addr, sizeof(addr)))
			continue;
		if (!metadata_of(der, dl, &md, &whole) &&
		    (!want_ev || (!der_find(&md, 0x81, &ev) && ev.len == 2 &&
				  (ev.val[1] & want_ev)))) {
			der_put_raw(&b, retrieve ? whole.raw : md.raw,
				    retrieve ? whole.raw_len : md.raw_len);
			found++;
		}
		free(der);
	}
	der_end(&b);
	der_end(&b);
	free(seqs);
	if (retrieve && !found) {
		/* notificationsListResultError noResultAvailable */
		der_buf_free(&b);
		der_buf_init(&b);
		der_begin(&b, 0xBF2B);
		der_put_uint(&b, 0x81, 1);
		der_end(&b);
	}
	return der_buf_take(&b, resp, len);
}

static int remove_notification(struct seuicc *e, const struct der_tlv *top, uint8_t **resp,
			       size_t *len)
{
	struct der_tlv t;
	uint64_t v;

	if (der_find(top, 0x80, &t) || der_get_uint(&t, 0x7FFFFFFF, &v))
		return -EBADMSG;
	return answer_result(0xBF30, store_notification_remove(e, (long)v) ? 1 : 0, resp, len);
}

static void put_profile(struct der_buf *b, const struct seuicc_profile_info *p)
{
	struct der_tlv md, t;
	uint8_t bcd[10];
	bool have_md = p->md_len && !der_parse_exact(p->md, p->md_len, &md);

	der_begin(b, 0xE3);
	if (!iccid_to_bcd(p->iccid, bcd))
		der_put(b, 0x5A, bcd, sizeof(bcd));
	der_put(b, 0x4F, p->aid, 16);
	der_put_uint(b, 0x9F70, (uint64_t)p->state);
	if (p->nickname[0])
		der_put(b, 0x90, p->nickname, strlen(p->nickname));
	if (have_md && !der_find(&md, 0x91, &t))
		der_put_raw(b, t.raw, t.raw_len);
	if (have_md && !der_find(&md, 0x92, &t))
		der_put_raw(b, t.raw, t.raw_len);
	if (have_md && !der_find(&md, 0x95, &t))
		der_put_raw(b, t.raw, t.raw_len);
	if (have_md && !der_find(&md, 0xB6, &t))
		der_put_raw(b, t.raw, t.raw_len);
	der_end(b);
}

static int profiles_info(struct seuicc *e, const struct der_tlv *top, uint8_t **resp,
			 size_t *len)
{
	struct seuicc_profile_info *list;
	struct der_tlv crit, id;
	char iccid[21] = "";
	int cls = -1, ret;
	struct der_buf b;
	size_t n;

	if (!der_find(top, 0xA0, &crit)) {
		struct der_iter it;

		der_iter_init(&it, &crit);
		if (der_iter_next(&it, &id) != 1)
			return -EBADMSG;
		if (id.tag == 0x95) {
			uint64_t v;

			if (der_get_uint(&id, 255, &v))
				return -EBADMSG;
			cls = (int)v;
		} else if ((ret = profile_id(e, &id, iccid)) || !iccid[0]) {
			if (ret == -EBADMSG)
				return ret;
			/* Nobody by that AID: an empty list. */
			snprintf(iccid, sizeof(iccid), "-");
		}
	}
	ret = seuicc_profiles(e, &list, &n);
	if (ret)
		return ret;
	der_buf_init(&b);
	der_begin(&b, 0xBF2D);
	der_begin(&b, 0xA0);
	for (size_t i = 0; i < n; i++) {
		struct der_tlv md, c;
		uint64_t v = 2;

		if (iccid[0] && strcmp(iccid, list[i].iccid))
			continue;
		if (cls >= 0 && list[i].md_len && !der_parse_exact(list[i].md, list[i].md_len, &md) &&
		    !der_find(&md, 0x95, &c))
			der_get_uint(&c, 2, &v);
		if (cls >= 0 && (int)v != cls)
			continue;
		put_profile(&b, &list[i]);
	}
	der_end(&b);
	der_end(&b);
	seuicc_profiles_free(list, n);
	return der_buf_take(&b, resp, len);
}

/* Enable, Disable (A0 { id }, 81 refresh), Delete (id) and SetNickname (5A, 90). */
static int manage(struct seuicc *e, const struct der_tlv *top, uint8_t **resp, size_t *len)
{
	struct der_tlv id, t;
	struct der_iter it;
	char iccid[21], nick[65];
	int result = 0, ret;

	der_iter_init(&it, top);
	if (top->tag == 0xBF31 || top->tag == 0xBF32) {
		struct der_iter inner;

		if (der_expect(&it, 0xA0, &t) || der_expect(&it, 0x81, &id))
			return -EBADMSG;
		der_iter_init(&inner, &t);
		if (der_iter_next(&inner, &id) != 1)
			return -EBADMSG;
	} else if (der_iter_next(&it, &id) != 1) {
		return -EBADMSG;
	}
	ret = profile_id(e, &id, iccid);
	if (ret)
		return ret;
	if (!iccid[0])
		return answer_result(top->tag, SEUICC_PM_NOT_FOUND, resp, len);
	switch (top->tag) {
	case 0xBF31: ret = seuicc_enable_profile(e, iccid, &result); break;
	case 0xBF32: ret = seuicc_disable_profile(e, iccid, &result); break;
	case 0xBF33: ret = seuicc_delete_disabled(e, iccid, &result); break;
	default:
		if (der_expect(&it, 0x90, &t) || t.len >= sizeof(nick))
			return -EBADMSG;
		memcpy(nick, t.val, t.len);
		nick[t.len] = '\0';
		ret = seuicc_set_nickname(e, iccid, nick, &result);
	}
	if (ret)
		result = SEUICC_PM_UNDEFINED;
	return answer_result(top->tag, result, resp, len);
}

static int memory_reset(struct seuicc *e, const struct der_tlv *top, uint8_t **resp,
			size_t *len)
{
	struct der_tlv t;
	int result;

	if (der_find(top, 0x82, &t) || t.len < 1 || t.len > 2)
		return -EBADMSG;
	if (seuicc_memory_reset(e, t.len == 2 ? t.val[1] : 0, &result))
		result = 127;
	if (t.len == 2 && (t.val[1] & 0x20))
		e->default_dp[0] = '\0';
	return answer_result(0xBF34, result, resp, len);
}

static int bpp_segment(struct seuicc *e, const uint8_t *cmd, size_t len, uint8_t **resp,
		       size_t *resp_len)
{
	char iccid[21];
	int err, bcmd, ret;

	if (e->s.stage != SEUICC_PREPARED)
		return -EPERM;
	ret = seuicc_load_bpp_segment(e, cmd, len, resp, resp_len, iccid, &err, &bcmd);
	return ret == -EINVAL ? -EPERM : ret;
}

static int es10_dispatch(struct seuicc *e, const uint8_t *cmd, size_t len, uint8_t **resp,
			 size_t *resp_len)
{
	struct der_tlv top;
	int err;

	*resp = NULL;
	*resp_len = 0;
	if (len >= 2 && cmd[0] == 0xBF && cmd[1] == 0x36)
		return bpp_segment(e, cmd, len, resp, resp_len);
	/* Later segments (A0, A1 header, 88, A2, A3 header, 86): no ES10 command starts so. */
	if (e->load || (len && cmd[0] != 0xBF))
		return bpp_segment(e, cmd, len, resp, resp_len);
	if (der_parse_exact(cmd, len, &top) || der_validate(&top, DER_MAX_DEPTH))
		return -EBADMSG;
	switch (top.tag) {
	case 0xBF3E: return get_eid(e, &top, resp, resp_len);
	case 0xBF20: return seuicc_get_info1(e, resp, resp_len);
	case 0xBF22: return seuicc_get_info2(e, resp, resp_len);
	case 0xBF2E: return challenge(e, resp, resp_len);
	case 0xBF3C: return addresses(e, resp, resp_len);
	case 0xBF3F: return set_default_dp(e, &top, resp, resp_len);
	case 0xBF38:
		return es10b(seuicc_authenticate_server(e, cmd, len, NULL, resp, resp_len, &err));
	case 0xBF21: return es10b(seuicc_prepare_download(e, cmd, len, resp, resp_len, &err));
	case 0xBF41: return cancel(e, &top, resp, resp_len);
	case 0xBF28:
	case 0xBF2B: return notifications(e, &top, resp, resp_len);
	case 0xBF30: return remove_notification(e, &top, resp, resp_len);
	case 0xBF2D: return profiles_info(e, &top, resp, resp_len);
	case 0xBF31:
	case 0xBF32:
	case 0xBF33:
	case 0xBF29: return manage(e, &top, resp, resp_len);
	case 0xBF34: return memory_reset(e, &top, resp, resp_len);
	default: return -EOPNOTSUPP;
	}
}

int seuicc_es10(struct seuicc *e, const uint8_t *cmd, size_t len, uint8_t **resp,
		size_t *resp_len)
{
	uint64_t t0 = seuicc_cpu_start();
	int ret = es10_dispatch(e, cmd, len, resp, resp_len);

	seuicc_cpu_stop(t0, true);
	return ret;
}
