// SPDX-License-Identifier: Apache-2.0
/* ES10a/b/c requests as DER (SGP.22 5.7), ICCID coding, BPP segmentation. */
#include "es10.h"

#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

int es10_iccid_to_bcd(const char *iccid, uint8_t bcd[10])
{
	size_t n = iccid ? strlen(iccid) : 0;

	if (n < 18 || n > 20)
		return -EINVAL;
	memset(bcd, 0xFF, 10);
	for (size_t i = 0; i < n; i++) {
		if (!isdigit((unsigned char)iccid[i]))
			return -EINVAL;
		if (i % 2 == 0)
			bcd[i / 2] = (uint8_t)(0xF0 | (iccid[i] - '0'));
		else
			bcd[i / 2] = (uint8_t)((bcd[i / 2] & 0x0F) | ((iccid[i] - '0') << 4));
	}
	return 0;
}

int es10_iccid_from_bcd(const uint8_t bcd[10], char out[21])
{
	size_t n = 0;

	for (unsigned i = 0; i < 10; i++) {
		uint8_t d[2] = { bcd[i] & 0x0F, bcd[i] >> 4 };

		for (unsigned k = 0; k < 2; k++) {
			if (d[k] == 0xF && i == 9 && k == 1)
				continue;
			if (d[k] > 9)
				return -EINVAL;
			out[n++] = (char)('0' + d[k]);
		}
	}
	out[n] = '\0';
	return 0;
}

static void empty(struct der_buf *b, uint32_t tag)
{
	der_put(b, tag, NULL, 0);
}

void es10_req_get_eid(struct der_buf *b)
{
	static const uint8_t eid_tag = 0x5A;

	der_begin(b, 0xBF3E);
	der_put(b, 0x5C, &eid_tag, 1);
	der_end(b);
}

void es10_req_info1(struct der_buf *b)
{
	empty(b, 0xBF20);
}

void es10_req_info2(struct der_buf *b)
{
	empty(b, 0xBF22);
}

void es10_req_challenge(struct der_buf *b)
{
	empty(b, 0xBF2E);
}

void es10_req_addresses(struct der_buf *b)
{
	empty(b, 0xBF3C);
}

void es10_req_set_default_dp(struct der_buf *b, const char *address)
{
	der_begin(b, 0xBF3F);
	der_put(b, 0x80, address, strlen(address));
	der_end(b);
}

/* An ICCID field; a bad ICCID poisons the buffer (der_buf_error) like any put. */
static void put_iccid(struct der_buf *b, const char *iccid)
{
	uint8_t bcd[10];

	if (es10_iccid_to_bcd(iccid, bcd)) {
		if (!b->err)
			b->err = -EINVAL;
		return;
	}
	der_put(b, 0x5A, bcd, sizeof(bcd));
}

void es10_req_profiles(struct der_buf *b, const char *iccid)
{
	der_begin(b, 0xBF2D);
	if (iccid) {
		der_begin(b, 0xA0);
		put_iccid(b, iccid);
		der_end(b);
	}
	der_end(b);
}

static void enable_disable(struct der_buf *b, uint32_t tag, const char *iccid, bool refresh)
{
	der_begin(b, tag);
	der_begin(b, 0xA0);
	put_iccid(b, iccid);
	der_end(b);
	der_put_bool(b, 0x81, refresh);
	der_end(b);
}

void es10_req_enable(struct der_buf *b, const char *iccid, bool refresh)
{
	enable_disable(b, 0xBF31, iccid, refresh);
}

void es10_req_disable(struct der_buf *b, const char *iccid, bool refresh)
{
	enable_disable(b, 0xBF32, iccid, refresh);
}

void es10_req_delete(struct der_buf *b, const char *iccid)
{
	der_begin(b, 0xBF33);
	put_iccid(b, iccid);
	der_end(b);
}

void es10_req_nickname(struct der_buf *b, const char *iccid, const char *nick)
{
	der_begin(b, 0xBF29);
	put_iccid(b, iccid);
	der_put(b, 0x90, nick, strlen(nick));
	der_end(b);
}

void es10_req_memory_reset(struct der_buf *b, uint8_t options)
{
	/* Named bits: trailing zero bits left out. */
	uint8_t bits[2] = { options ? (uint8_t)__builtin_ctz(options) : 0, options };

	der_begin(b, 0xBF34);
	der_put(b, 0x82, bits, options ? 2 : 1);
	der_end(b);
}

void es10_req_list_notifications(struct der_buf *b)
{
	empty(b, 0xBF28);
}

void es10_req_retrieve_notification(struct der_buf *b, long seq)
{
	der_begin(b, 0xBF2B);
	der_begin(b, 0xA0);
	der_put_uint(b, 0x80, (uint64_t)seq);
	der_end(b);
	der_end(b);
}

void es10_req_remove_notification(struct der_buf *b, long seq)
{
	der_begin(b, 0xBF30);
	der_put_uint(b, 0x80, (uint64_t)seq);
	der_end(b);
}

void es10_req_cancel_session(struct der_buf *b, const uint8_t *tid, size_t tid_len, int reason)
{
	der_begin(b, 0xBF41);
	der_put(b, 0x80, tid, tid_len);
	der_put_uint(b, 0x81, (uint64_t)reason);
	der_end(b);
}

/* Length of a TLV header at @p (tag + length bytes), 0 when malformed. */
static size_t header_len(const uint8_t *p, size_t n)
{
	struct der_tlv t;

	if (der_parse_one(p, n, &t))
		return 0;
	return t.raw_len - t.len;
}

static int push(struct es10_seg **segs, size_t *n, size_t *cap, const uint8_t *p, size_t len)
{
	if (*n == *cap) {
		size_t nc = *cap ? *cap * 2 : 32;
		struct es10_seg *ns = realloc(*segs, nc * sizeof(*ns));

		if (!ns)
			return -ENOMEM;
		*segs = ns;
		*cap = nc;
	}
	(*segs)[*n].p = p;
	(*segs)[(*n)++].len = len;
	return 0;
}

/* The children of container @c, each its own segment (@c's header before the first). */
static int split_container(const struct der_tlv *c, struct es10_seg **segs, size_t *n,
			   size_t *cap)
{
	struct der_iter it;
	struct der_tlv t;
	int r;

	if (push(segs, n, cap, c->raw, c->raw_len - c->len))
		return -ENOMEM;
	der_iter_init(&it, c);
	while ((r = der_iter_next(&it, &t)) == 1)
		if (push(segs, n, cap, t.raw, t.raw_len))
			return -ENOMEM;
	return r < 0 ? -EBADMSG : 0;
}

int es10_bpp_segments(const uint8_t *bpp, size_t len, struct es10_seg **segs, size_t *n)
{
	struct der_tlv top, t;
	struct der_iter it;
	size_t cap = 0, hl;
	int r, ret = 0;

	*segs = NULL;
	*n = 0;
	if (der_parse_exact(bpp, len, &top) || top.tag != 0xBF36)
		return -EBADMSG;
	hl = header_len(bpp, len);
	der_iter_init(&it, &top);
	/* BF36 header + InitialiseSecureChannel in one segment. */
	if (der_iter_next(&it, &t) != 1 || t.tag != 0xBF23)
		return -EBADMSG;
	ret = push(segs, n, &cap, bpp, hl + t.raw_len);
	while (!ret && (r = der_iter_next(&it, &t)) == 1) {
		if (t.tag == 0xA1 || t.tag == 0xA3)
			ret = split_container(&t, segs, n, &cap);
		else
			ret = push(segs, n, &cap, t.raw, t.raw_len);
	}
	if (!ret && r < 0)
		ret = -EBADMSG;
	if (ret) {
		free(*segs);
		*segs = NULL;
		*n = 0;
	}
	return ret;
}
