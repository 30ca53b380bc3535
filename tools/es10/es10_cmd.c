// SPDX-License-Identifier: Apache-2.0
/* ES10a/b/c commands through a chip: request out, answer checked and decoded. */
#include "es10.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int fail(struct es10_chip *c, int ret, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static int fail(struct es10_chip *c, int ret, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(c->err, sizeof(c->err), fmt, ap);
	va_end(ap);
	return ret;
}

int es10_call_tlv(struct es10_chip *c, const uint8_t *cmd, size_t len, uint32_t tag,
		  uint8_t **resp, size_t *resp_len)
{
	struct der_tlv t;
	int ret;

	c->err[0] = '\0';
	c->calls++;
	ret = c->call(c->ctx, cmd, len, resp, resp_len);
	if (ret)
		return fail(c, ret, "%s", c->error ? c->error(c->ctx) : strerror(-ret));
	if (!*resp || der_parse_exact(*resp, *resp_len, &t) || t.tag != tag ||
	    der_validate(&t, DER_MAX_DEPTH)) {
		free(*resp);
		*resp = NULL;
		return fail(c, -EBADMSG, "answer is no %X TLV", (unsigned)tag);
	}
	return 0;
}

/* Build with @build, send, expect one TLV of the request's own tag. */
static int roundtrip(struct es10_chip *c, struct der_buf *b, uint8_t **resp, size_t *resp_len,
		     struct der_tlv *top)
{
	uint8_t *req;
	size_t req_len;
	struct der_tlv rt;
	int ret = der_buf_take(b, &req, &req_len);

	if (ret)
		return fail(c, ret == -EINVAL ? -EINVAL : ret, "cannot encode the request");
	if (der_parse_one(req, req_len, &rt)) {
		free(req);
		return fail(c, -EINVAL, "cannot encode the request");
	}
	ret = es10_call_tlv(c, req, req_len, rt.tag, resp, resp_len);
	free(req);
	if (!ret)
		der_parse_exact(*resp, *resp_len, top);
	return ret;
}

/* For answers that are SEQUENCE { INTEGER result }: the first child's value. */
static int result_of(struct es10_chip *c, struct der_buf *b, uint32_t inner, int *result)
{
	uint8_t *resp;
	size_t len;
	struct der_tlv top, r;
	struct der_iter it;
	uint64_t v;
	int ret = roundtrip(c, b, &resp, &len, &top);

	if (ret)
		return ret;
	der_iter_init(&it, &top);
	if (der_expect(&it, inner, &r) || der_get_uint(&r, 255, &v) || !der_iter_done(&it))
		ret = fail(c, -EBADMSG, "answer %X carries no result", (unsigned)top.tag);
	else
		*result = (int)v;
	free(resp);
	return ret;
}

int es10_get_eid(struct es10_chip *c, char eid[33])
{
	struct der_buf b;
	struct der_tlv top, v;
	uint8_t *resp;
	size_t len;
	int ret;

	der_buf_init(&b);
	es10_req_get_eid(&b);
	ret = roundtrip(c, &b, &resp, &len, &top);
	if (ret)
		return ret;
	if (der_find(&top, 0x5A, &v) || v.len != 16)
		ret = fail(c, -EBADMSG, "GetEID answer has no 16-byte EID");
	else
		for (unsigned i = 0; i < 16; i++)
			sprintf(eid + 2 * i, "%02X", v.val[i]);
	free(resp);
	return ret;
}

static int whole(struct es10_chip *c, void (*req)(struct der_buf *), uint8_t **der, size_t *len)
{
	struct der_buf b;
	struct der_tlv top;

	der_buf_init(&b);
	req(&b);
	return roundtrip(c, &b, der, len, &top);
}

int es10_get_info1(struct es10_chip *c, uint8_t **der, size_t *len)
{
	return whole(c, es10_req_info1, der, len);
}

int es10_get_info2(struct es10_chip *c, uint8_t **der, size_t *len)
{
	return whole(c, es10_req_info2, der, len);
}

int es10_get_challenge(struct es10_chip *c, uint8_t challenge[16])
{
	uint8_t *resp;
	size_t len;
	struct der_tlv top, v;
	int ret = whole(c, es10_req_challenge, &resp, &len);

	if (ret)
		return ret;
	der_parse_exact(resp, len, &top);
	if (der_find(&top, 0x80, &v) || v.len != 16)
		ret = fail(c, -EBADMSG, "GetEUICCChallenge answer has no 16-byte challenge");
	else
		memcpy(challenge, v.val, 16);
	free(resp);
	return ret;
}

static void copy_str(const struct der_tlv *t, char *out, size_t cap)
{
	size_t n = t->len < cap - 1 ? t->len : cap - 1;

	memcpy(out, t->val, n);
	out[n] = '\0';
}

int es10_get_addresses(struct es10_chip *c, char *default_dp, size_t dp_len, char *root_ds,
		       size_t ds_len)
{
	uint8_t *resp;
	size_t len;
	struct der_tlv top, v;
	int ret = whole(c, es10_req_addresses, &resp, &len);

	if (ret)
		return ret;
	der_parse_exact(resp, len, &top);
	default_dp[0] = root_ds[0] = '\0';
	if (!der_find(&top, 0x80, &v))
		copy_str(&v, default_dp, dp_len);
	if (der_find(&top, 0x81, &v))
		ret = fail(c, -EBADMSG, "EuiccConfiguredAddresses has no rootDsAddress");
	else
		copy_str(&v, root_ds, ds_len);
	free(resp);
	return ret;
}

int es10_set_default_dp(struct es10_chip *c, const char *address, int *result)
{
	struct der_buf b;

	der_buf_init(&b);
	es10_req_set_default_dp(&b, address);
	return result_of(c, &b, 0x80, result);
}

int es10_load_bpp(struct es10_chip *c, const uint8_t *bpp, size_t len, uint8_t **pir,
		  size_t *pir_len)
{
	struct es10_seg *segs;
	size_t n;
	struct der_tlv t;
	int ret = es10_bpp_segments(bpp, len, &segs, &n);

	*pir = NULL;
	*pir_len = 0;
	if (ret)
		return fail(c, ret, "BoundProfilePackage malformed");
	for (size_t i = 0; i < n; i++) {
		c->err[0] = '\0';
		c->calls++;
		ret = c->call(c->ctx, segs[i].p, segs[i].len, pir, pir_len);
		if (ret) {
			fail(c, ret, "segment %zu of %zu: %s", i + 1, n,
			     c->error ? c->error(c->ctx) : strerror(-ret));
			break;
		}
		if (*pir)
			break; /* the result: after the last segment, or the first error */
	}
	free(segs);
	if (ret)
		return ret;
	if (!*pir)
		return fail(c, -EBADMSG, "no ProfileInstallationResult after the last segment");
	if (der_parse_exact(*pir, *pir_len, &t) || t.tag != 0xBF37) {
		free(*pir);
		*pir = NULL;
		return fail(c, -EBADMSG, "answer to LoadBoundProfilePackage is no BF37");
	}
	return 0;
}

int es10_cancel_session(struct es10_chip *c, const uint8_t *tid, size_t tid_len, int reason,
			uint8_t **resp, size_t *resp_len)
{
	struct der_buf b;
	struct der_tlv top;

	der_buf_init(&b);
	es10_req_cancel_session(&b, tid, tid_len, reason);
	return roundtrip(c, &b, resp, resp_len, &top);
}

static int profile_of(const struct der_tlv *e3, struct es10_profile *p)
{
	struct der_iter it;
	struct der_tlv t;
	uint64_t v;
	int r;

	memset(p, 0, sizeof(*p));
	p->profile_class = 2;
	der_iter_init(&it, e3);
	while ((r = der_iter_next(&it, &t)) == 1) {
		switch (t.tag) {
		case 0x5A:
			if (t.len != 10 || es10_iccid_from_bcd(t.val, p->iccid))
				return -EBADMSG;
			break;
		case 0x4F:
			if (t.len > sizeof(p->aid))
				return -EBADMSG;
			memcpy(p->aid, t.val, t.len);
			p->aid_len = t.len;
			break;
		case 0x9F70:
			if (der_get_uint(&t, 1, &v))
				return -EBADMSG;
			p->state = (int)v;
			break;
		case 0x95:
			if (der_get_uint(&t, 2, &v))
				return -EBADMSG;
			p->profile_class = (int)v;
			break;
		case 0x90: copy_str(&t, p->nickname, sizeof(p->nickname)); break;
		case 0x91: copy_str(&t, p->provider, sizeof(p->provider)); break;
		case 0x92: copy_str(&t, p->name, sizeof(p->name)); break;
		default: break; /* icons, owners, policy rules: not needed here */
		}
	}
	return r < 0 ? -EBADMSG : 0;
}

int es10_get_profiles(struct es10_chip *c, const char *iccid, struct es10_profile **list,
		      size_t *n)
{
	struct der_buf b;
	struct der_tlv top, seq, e3;
	struct der_iter it;
	uint8_t *resp;
	size_t len, cnt = 0;
	int ret, r;

	*list = NULL;
	*n = 0;
	der_buf_init(&b);
	es10_req_profiles(&b, iccid);
	ret = roundtrip(c, &b, &resp, &len, &top);
	if (ret)
		return ret;
	if (der_find(&top, 0xA0, &seq)) {
		struct der_tlv e;
		uint64_t v = 127;

		if (!der_find(&top, 0x81, &e))
			der_get_uint(&e, 255, &v);
		free(resp);
		return fail(c, -EPROTO, "GetProfilesInfo: profileInfoListError %d", (int)v);
	}
	der_iter_init(&it, &seq);
	while ((r = der_iter_next(&it, &e3)) == 1)
		cnt++;
	if (r < 0 || !(*list = calloc(cnt ? cnt : 1, sizeof(**list)))) {
		free(resp);
		return fail(c, r < 0 ? -EBADMSG : -ENOMEM, "GetProfilesInfo answer malformed");
	}
	der_iter_init(&it, &seq);
	while ((r = der_iter_next(&it, &e3)) == 1) {
		if (e3.tag != 0xE3 || profile_of(&e3, &(*list)[*n])) {
			free(*list);
			*list = NULL;
			*n = 0;
			free(resp);
			return fail(c, -EBADMSG, "GetProfilesInfo: ProfileInfo malformed");
		}
		(*n)++;
	}
	free(resp);
	return 0;
}

int es10_enable(struct es10_chip *c, const char *iccid, bool refresh, int *result)
{
	struct der_buf b;

	der_buf_init(&b);
	es10_req_enable(&b, iccid, refresh);
	return result_of(c, &b, 0x80, result);
}

int es10_disable(struct es10_chip *c, const char *iccid, bool refresh, int *result)
{
	struct der_buf b;

	der_buf_init(&b);
	es10_req_disable(&b, iccid, refresh);
	return result_of(c, &b, 0x80, result);
}

int es10_delete(struct es10_chip *c, const char *iccid, int *result)
{
	struct der_buf b;

	der_buf_init(&b);
	es10_req_delete(&b, iccid);
	return result_of(c, &b, 0x80, result);
}

int es10_set_nickname(struct es10_chip *c, const char *iccid, const char *nick, int *result)
{
	struct der_buf b;

	der_buf_init(&b);
	es10_req_nickname(&b, iccid, nick);
	return result_of(c, &b, 0x80, result);
}

int es10_memory_reset(struct es10_chip *c, uint8_t options, int *result)
{
	struct der_buf b;

	der_buf_init(&b);
	es10_req_memory_reset(&b, options);
	return result_of(c, &b, 0x80, result);
}

static int notification_of(const struct der_tlv *md, struct es10_notification *n)
{
	struct der_iter it;
	struct der_tlv seq, ev, addr, iccid;
	uint64_t v;

	memset(n, 0, sizeof(*n));
	der_iter_init(&it, md);
	if (md->tag != 0xBF2F || der_expect(&it, 0x80, &seq) ||
	    der_get_uint(&seq, 0x7FFFFFFF, &v) || der_expect(&it, 0x81, &ev) || ev.len != 2 ||
	    der_expect(&it, DER_UTF8STRING, &addr))
		return -EBADMSG;
	n->seq = (long)v;
	n->event = ev.val[1];
	copy_str(&addr, n->address, sizeof(n->address));
	if (der_take(&it, 0x5A, &iccid) == 0 &&
	    (iccid.len != 10 || es10_iccid_from_bcd(iccid.val, n->iccid)))
		return -EBADMSG;
	return 0;
}

int es10_list_notifications(struct es10_chip *c, struct es10_notification **list, size_t *n)
{
	struct der_buf b;
	struct der_tlv top, seq, md;
	struct der_iter it;
	uint8_t *resp;
	size_t len, cnt = 0;
	int ret, r;

	*list = NULL;
	*n = 0;
	der_buf_init(&b);
	es10_req_list_notifications(&b);
	ret = roundtrip(c, &b, &resp, &len, &top);
	if (ret)
		return ret;
	if (der_find(&top, 0xA0, &seq)) {
		free(resp);
		return fail(c, -EPROTO, "ListNotification: listNotificationsResultError");
	}
	der_iter_init(&it, &seq);
	while ((r = der_iter_next(&it, &md)) == 1)
		cnt++;
	if (r < 0 || !(*list = calloc(cnt ? cnt : 1, sizeof(**list)))) {
		free(resp);
		return fail(c, r < 0 ? -EBADMSG : -ENOMEM, "ListNotification answer malformed");
	}
	der_iter_init(&it, &seq);
	while (der_iter_next(&it, &md) == 1) {
		if (notification_of(&md, &(*list)[*n])) {
			free(*list);
			*list = NULL;
			*n = 0;
			free(resp);
			return fail(c, -EBADMSG, "ListNotification: NotificationMetadata malformed");
		}
		(*n)++;
	}
	free(resp);
	return 0;
}

int es10_retrieve_notification(struct es10_chip *c, long seq, uint8_t **der, size_t *len)
{
	struct der_buf b;
	struct der_tlv top, list, first;
	struct der_iter it;
	uint8_t *resp;
	size_t rlen;
	int ret;

	*der = NULL;
	der_buf_init(&b);
	es10_req_retrieve_notification(&b, seq);
	ret = roundtrip(c, &b, &resp, &rlen, &top);
	if (ret)
		return ret;
	if (der_find(&top, 0xA0, &list)) {
		free(resp);
		return fail(c, -ENOENT, "no notification %ld on the chip", seq);
	}
	der_iter_init(&it, &list);
	if (der_iter_next(&it, &first) != 1 || (first.tag != 0xBF37 && first.tag != DER_SEQUENCE)) {
		free(resp);
		return fail(c, -ENOENT, "no notification %ld on the chip", seq);
	}
	*der = malloc(first.raw_len);
	if (*der) {
		memcpy(*der, first.raw, first.raw_len);
		*len = first.raw_len;
	}
	free(resp);
	return *der ? 0 : fail(c, -ENOMEM, "out of memory");
}

int es10_remove_notification(struct es10_chip *c, long seq, int *result)
{
	struct der_buf b;

	der_buf_init(&b);
	es10_req_remove_notification(&b, seq);
	return result_of(c, &b, 0x80, result);
}
