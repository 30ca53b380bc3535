// SPDX-License-Identifier: Apache-2.0
/* Strict BER-TLV/DER reader and writer (see der.h for the rules). */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "der.h"

/* Reads tag and length at @p; on success *hdr is the header size. */
static int parse_header(const uint8_t *p, size_t avail, uint32_t *tag, size_t *len, size_t *hdr)
{
	size_t i = 0, n, l;
	uint32_t t;

	if (avail < 2)
		return -EBADMSG;
	t = p[i++];
	if ((t & 0x1F) == 0x1F) {
		/* High tag number form: at most 2 subsequent bytes here. */
		unsigned k = 0;

		do {
			if (i >= avail || k == 2)
				return -EBADMSG;
			if (k == 0 && p[i] == 0x80)
				return -EBADMSG; /* leading zero bits of the tag number */
			t = (t << 8) | p[i];
			k++;
		} while (p[i++] & 0x80);
		if (k == 1 && (t & 0x7F) < 31)
			return -EBADMSG; /* fits the low tag number form */
	}
	if (i >= avail)
		return -EBADMSG;
	l = p[i++];
	if (l & 0x80) {
		n = l & 0x7F;
		if (n == 0 || n > 4)
			return -EBADMSG; /* indefinite form, or too long */
		if (avail - i < n)
			return -EBADMSG;
		if (p[i] == 0)
			return -EBADMSG; /* leading zero length byte */
		l = 0;
		while (n--)
			l = (l << 8) | p[i++];
		if (l < 0x80)
			return -EBADMSG; /* long form for a short length */
	}
	*tag = t;
	*len = l;
	*hdr = i;
	return 0;
}

int der_parse_one(const uint8_t *buf, size_t len, struct der_tlv *out)
{
	size_t hdr, vlen;
	uint32_t tag;
	int rc;

	if (!buf || !out)
		return -EINVAL;
	rc = parse_header(buf, len, &tag, &vlen, &hdr);
	if (rc)
		return rc;
	if (vlen > len - hdr)
		return -EBADMSG;
	out->tag = tag;
	out->val = buf + hdr;
	out->len = vlen;
	out->raw = buf;
	out->raw_len = hdr + vlen;
	return 0;
}

static int validate(const uint8_t *p, size_t len, unsigned depth)
{
	struct der_tlv t;
	int rc;

	if (depth == 0)
		return -EBADMSG;
	while (len) {
		rc = der_parse_one(p, len, &t);
		if (rc)
			return rc;
		if (der_tag_constructed(t.tag)) {
			rc = validate(t.val, t.len, depth - 1);
			if (rc)
				return rc;
		}
		p += t.raw_len;
		len -= t.raw_len;
	}
	return 0;
}

int der_validate(const struct der_tlv *tlv, unsigned max_depth)
{
	if (!tlv || max_depth > DER_MAX_DEPTH)
		return -EINVAL;
	if (!der_tag_constructed(tlv->tag))
		return 0;
	return validate(tlv->val, tlv->len, max_depth);
}

int der_parse_exact(const uint8_t *buf, size_t len, struct der_tlv *out)
{
	int rc = der_parse_one(buf, len, out);

	if (rc)
		return rc;
	if (out->raw_len != len)
		return -EBADMSG;
	return der_validate(out, DER_MAX_DEPTH);
}

void der_iter_init(struct der_iter *it, const struct der_tlv *parent)
{
	it->p = parent->val;
	it->end = parent->val + parent->len;
}

void der_iter_init_buf(struct der_iter *it, const uint8_t *buf, size_t len)
{
	it->p = buf;
	it->end = buf + len;
}

int der_iter_next(struct der_iter *it, struct der_tlv *out)
{
	int rc;

	if (it->p == it->end)
		return 0;
	rc = der_parse_one(it->p, (size_t)(it->end - it->p), out);
	if (rc) {
		it->p = it->end;
		return rc;
	}
	it->p += out->raw_len;
	return 1;
}

int der_take(struct der_iter *it, uint32_t tag, struct der_tlv *out)
{
	struct der_tlv t;
	int rc;

	if (it->p == it->end)
		return -ENOENT;
	rc = der_parse_one(it->p, (size_t)(it->end - it->p), &t);
	if (rc)
		return rc;
	if (t.tag != tag)
		return -ENOENT;
	it->p += t.raw_len;
	*out = t;
	return 0;
}

int der_expect(struct der_iter *it, uint32_t tag, struct der_tlv *out)
{
	int rc = der_take(it, tag, out);

	return rc == -ENOENT ? -EBADMSG : rc;
}

int der_find(const struct der_tlv *parent, uint32_t tag, struct der_tlv *out)
{
	struct der_iter it;
	int rc;

	der_iter_init(&it, parent);
	while ((rc = der_iter_next(&it, out)) == 1)
		if (out->tag == tag)
			return 0;
	return rc ? rc : -ENOENT;
}

int der_get_uint(const struct der_tlv *tlv, uint64_t max, uint64_t *out)
{
	const uint8_t *v = tlv->val;
	size_t n = tlv->len;
	uint64_t x = 0;

	if (n == 0 || (v[0] & 0x80))
		return -EBADMSG; /* empty or negative */
	if (n > 1 && v[0] == 0 && !(v[1] & 0x80))
		return -EBADMSG; /* not minimal */
	if (v[0] == 0) {
		v++;
		n--;
	}
	if (n > 8)
		return -EBADMSG;
	while (n--)
		x = (x << 8) | *v++;
	if (x > max)
		return -EBADMSG;
	*out = x;
	return 0;
}

int der_get_bool(const struct der_tlv *tlv, bool *out)
{
	if (tlv->len != 1 || (tlv->val[0] != 0 && tlv->val[0] != 0xFF))
		return -EBADMSG;
	*out = tlv->val[0] != 0;
	return 0;
}

/* ---- Writer ---------------------------------------------------------- */

void der_buf_init(struct der_buf *b)
{
	memset(b, 0, sizeof(*b));
}

void der_buf_init_fixed(struct der_buf *b, uint8_t *mem, size_t cap)
{
	memset(b, 0, sizeof(*b));
	b->data = mem;
	b->cap = cap;
	b->fixed = true;
}

void der_buf_free(struct der_buf *b)
{
	if (!b->fixed)
		free(b->data);
	b->data = NULL;
	b->len = b->cap = 0;
}

void der_buf_reset(struct der_buf *b)
{
	b->len = 0;
	b->err = 0;
	b->depth = 0;
}

int der_buf_error(const struct der_buf *b)
{
	if (b->err)
		return b->err;
	return b->depth ? -EINVAL : 0;
}

int der_buf_take(struct der_buf *b, uint8_t **out, size_t *out_len)
{
	int rc = der_buf_error(b);

	if (!rc && b->fixed)
		rc = -EINVAL;
	if (rc) {
		der_buf_free(b);
		der_buf_init(b);
		return rc;
	}
	*out = b->data;
	*out_len = b->len;
	der_buf_init(b);
	return 0;
}

/* Makes room for @n more bytes; latches -ENOMEM/-ENOSPC. */
static bool reserve(struct der_buf *b, size_t n)
{
	size_t cap;
	uint8_t *p;

	if (b->err)
		return false;
	if (n <= b->cap - b->len)
		return true;
	if (b->fixed) {
		b->err = -ENOSPC;
		return false;
	}
	cap = b->cap ? b->cap : 256;
	while (cap - b->len < n) {
		if (cap > SIZE_MAX / 2) {
			b->err = -ENOMEM;
			return false;
		}
		cap *= 2;
	}
	p = realloc(b->data, cap);
	if (!p) {
		b->err = -ENOMEM;
		return false;
	}
	b->data = p;
	b->cap = cap;
	return true;
}

static size_t tag_size(uint32_t tag)
{
	return tag > 0xFFFF ? 3 : tag > 0xFF ? 2 : 1;
}

static size_t len_size(size_t len)
{
	return len < 0x80 ? 1 : len <= 0xFF ? 2 : len <= 0xFFFF ? 3 : len <= 0xFFFFFF ? 4 : 5;
}

size_t der_tl_size(uint32_t tag, size_t len)
{
	return tag_size(tag) + len_size(len);
}

static uint8_t *write_len(uint8_t *p, size_t len)
{
	size_t n = len_size(len) - 1;

	if (!n) {
		*p++ = (uint8_t)len;
		return p;
	}
	*p++ = 0x80 | (uint8_t)n;
	while (n--)
		*p++ = (uint8_t)(len >> (8 * n));
	return p;
}

static uint8_t *write_tag(uint8_t *p, uint32_t tag)
{
	size_t n = tag_size(tag);

	while (n--)
		*p++ = (uint8_t)(tag >> (8 * n));
	return p;
}

uint8_t *der_put_space(struct der_buf *b, size_t len)
{
	uint8_t *p;

	if (!reserve(b, len))
		return NULL;
	p = b->data + b->len;
	b->len += len;
	return p;
}

void der_put_tl(struct der_buf *b, uint32_t tag, size_t len)
{
	uint8_t *p;

	if (tag == 0 || len > DER_MAX_LEN) {
		if (!b->err)
			b->err = -EINVAL;
		return;
	}
	p = der_put_space(b, der_tl_size(tag, len));
	if (p)
		write_len(write_tag(p, tag), len);
}

void der_put(struct der_buf *b, uint32_t tag, const void *val, size_t len)
{
	uint8_t *p;

	der_put_tl(b, tag, len);
	p = der_put_space(b, len);
	if (p && len)
		memcpy(p, val, len);
}

void der_put_raw(struct der_buf *b, const void *val, size_t len)
{
	uint8_t *p = der_put_space(b, len);

	if (p && len)
		memcpy(p, val, len);
}

void der_put_uint(struct der_buf *b, uint32_t tag, uint64_t v)
{
	uint8_t tmp[9];
	size_t n = 0, i;

	/* Big-endian bytes, then strip leading zeros but keep a sign byte. */
	for (i = 0; i < 8; i++)
		tmp[1 + i] = (uint8_t)(v >> (8 * (7 - i)));
	tmp[0] = 0;
	while (n < 8 && tmp[n] == 0 && !(tmp[n + 1] & 0x80))
		n++;
	der_put(b, tag, tmp + n, 9 - n);
}

void der_put_bool(struct der_buf *b, uint32_t tag, bool v)
{
	uint8_t x = v ? 0xFF : 0x00;

	der_put(b, tag, &x, 1);
}

/* An open constructed TLV gets a 1-byte length placeholder; der_end()
 * widens it (moving the value) if the value turned out to be >= 128. */
void der_begin(struct der_buf *b, uint32_t tag)
{
	uint8_t *p;

	if (b->err)
		return;
	if (b->depth == DER_MAX_DEPTH || tag == 0) {
		b->err = -EINVAL;
		return;
	}
	p = der_put_space(b, tag_size(tag) + 1);
	if (!p)
		return;
	write_tag(p, tag);
	b->open[b->depth++] = b->len; /* value starts here */
}

void der_end(struct der_buf *b)
{
	size_t start, vlen, extra;

	if (b->err)
		return;
	if (!b->depth) {
		b->err = -EINVAL;
		return;
	}
	start = b->open[--b->depth];
	vlen = b->len - start;
	if (vlen > DER_MAX_LEN) {
		b->err = -EINVAL;
		return;
	}
	extra = len_size(vlen) - 1;
	if (extra) {
		if (!reserve(b, extra))
			return;
		memmove(b->data + start + extra, b->data + start, vlen);
		b->len += extra;
	}
	write_len(b->data + start - 1, vlen);
}
