// SPDX-License-Identifier: Apache-2.0
/* Strict DER element reader (see cert_der.h). */
#include <string.h>

#include "cert_der.h"

int cder_next(struct cder *d, struct cder_tlv *t)
{
	const uint8_t *p = d->p;
	size_t avail = d->end - p, len, n, i;

	if (avail < 2 || (p[0] & 0x1f) == 0x1f)
		return -1; /* no room for tag and length, or a multi-byte tag */
	t->tag = p[0];
	len = p[1];
	p += 2;
	if (len & 0x80) {
		n = len & 0x7f;
		if (!n || n > 3 || (size_t)(d->end - p) < n || !p[0])
			return -1; /* indefinite, too long for a certificate, or not minimal */
		for (len = 0, i = 0; i < n; i++)
			len = len << 8 | p[i];
		if (len < 0x80)
			return -1; /* short form was required */
		p += n;
	}
	if ((size_t)(d->end - p) < len)
		return -1;
	t->raw = d->p;
	t->val = p;
	t->len = len;
	t->raw_len = (size_t)(p - d->p) + len;
	d->p = p + len;
	return 0;
}

int cder_expect(struct cder *d, uint8_t tag, struct cder_tlv *t)
{
	if (cder_peek(d) != tag)
		return -1;
	return cder_next(d, t);
}

int cder_optional(struct cder *d, uint8_t tag, struct cder_tlv *t)
{
	if (cder_peek(d) != tag)
		return 0;
	return cder_next(d, t) ? -1 : 1;
}

int cder_bool(const struct cder_tlv *t)
{
	if (t->tag != CDER_BOOLEAN || t->len != 1)
		return -1;
	if (t->val[0] == 0xff)
		return 1;
	return t->val[0] == 0x00 ? 0 : -1;
}

int cder_oid_is(const struct cder_tlv *t, const uint8_t *oid, size_t len)
{
	return t->len == len && !memcmp(t->val, oid, len);
}

int cder_oid_valid(const struct cder_tlv *t)
{
	size_t i;

	if (!t->len || (t->val[t->len - 1] & 0x80))
		return 0; /* empty, or the last sub-identifier is unfinished */
	for (i = 0; i < t->len; i++)
		if (t->val[i] == 0x80 && (i == 0 || !(t->val[i - 1] & 0x80)))
			return 0; /* a sub-identifier with a leading 0x80: not minimal */
	return 1;
}
