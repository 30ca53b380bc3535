// SPDX-License-Identifier: Apache-2.0
/* Field-level helpers shared by all SGP.22 codecs, and ICCID coding. */
#include "sgp22_codec.h"

int sgp22_open_msg(const uint8_t *buf, size_t len, uint32_t tag, struct der_tlv *msg)
{
	int rc;

	if (!buf)
		return -EINVAL;
	rc = der_parse_exact(buf, len, msg);
	if (rc)
		return rc;
	return msg->tag == tag ? 0 : -EBADMSG;
}

int sgp22_close_msg(int rc, void *out, size_t size)
{
	if (!rc)
		return 0;
	memset(out, 0, size);
	return rc == -EINVAL ? -EINVAL : -EBADMSG;
}

int sgp22_take_only_child(const struct der_tlv *parent, struct der_tlv *child)
{
	struct der_iter it;

	der_iter_init(&it, parent);
	if (der_iter_next(&it, child) != 1)
		return -EBADMSG;
	return der_iter_done(&it) ? 0 : -EBADMSG;
}

int sgp22_take_bytes(struct der_iter *it, uint32_t tag, size_t min, size_t max,
		     struct sgp22_bytes *out)
{
	struct der_tlv t;
	int rc = der_expect(it, tag, &t);

	if (rc)
		return rc;
	if (t.len < min || t.len > max)
		return -EBADMSG;
	*out = sgp22_val(&t);
	return 0;
}

int sgp22_take_opt_bytes(struct der_iter *it, uint32_t tag, size_t min, size_t max,
			 struct sgp22_bytes *out)
{
	struct der_tlv t;
	int rc = der_take(it, tag, &t);

	out->p = NULL;
	out->len = 0;
	if (rc == -ENOENT)
		return 0;
	if (rc)
		return rc;
	if (t.len < min || t.len > max)
		return -EBADMSG;
	*out = sgp22_val(&t);
	return 0;
}

int sgp22_take_fixed(struct der_iter *it, uint32_t tag, uint8_t *dst, size_t n)
{
	struct sgp22_bytes v;
	int rc = sgp22_take_bytes(it, tag, n, n, &v);

	if (!rc)
		memcpy(dst, v.p, n);
	return rc;
}

int sgp22_take_uint(struct der_iter *it, uint32_t tag, uint64_t max, uint64_t *out)
{
	struct der_tlv t;
	int rc = der_expect(it, tag, &t);

	return rc ? rc : der_get_uint(&t, max, out);
}

int sgp22_take_signature(struct der_iter *it, uint8_t sig[SGP22_SIG_LEN], struct sgp22_bytes *tlv)
{
	struct der_tlv t;
	int rc = der_expect(it, SGP22_TAG_SIGNATURE, &t);

	if (rc)
		return rc;
	if (t.len != SGP22_SIG_LEN)
		return -EBADMSG;
	memcpy(sig, t.val, SGP22_SIG_LEN);
	if (tlv)
		*tlv = sgp22_raw(&t);
	return 0;
}

int sgp22_take_certificate(struct der_iter *it, struct sgp22_bytes *out)
{
	struct der_tlv t;
	int rc = der_expect(it, DER_SEQUENCE, &t);

	if (rc)
		return rc;
	if (t.len == 0)
		return -EBADMSG;
	*out = sgp22_raw(&t);
	return 0;
}

int sgp22_cert_ok(const struct sgp22_bytes *c)
{
	struct der_tlv t;

	return c->p && der_parse_one(c->p, c->len, &t) == 0 && t.raw_len == c->len &&
	       t.tag == DER_SEQUENCE && t.len > 0;
}

int sgp22_decode_pkids(const struct der_tlv *list, struct sgp22_pkid_list *out)
{
	struct der_iter it;
	struct der_tlv t;
	int rc;

	out->n = 0;
	der_iter_init(&it, list);
	while ((rc = der_iter_next(&it, &t)) == 1) {
		if (t.tag != DER_OCTET_STRING || t.len == 0 || t.len > 32)
			return -EBADMSG;
		if (out->n == SGP22_MAX_PKIDS)
			return -EBADMSG;
		out->id[out->n++] = sgp22_val(&t);
	}
	return rc;
}

int sgp22_check_pkids(const struct sgp22_pkid_list *in)
{
	unsigned i;

	if (in->n > SGP22_MAX_PKIDS)
		return 0;
	for (i = 0; i < in->n; i++)
		if (!sgp22_len_ok(&in->id[i], 1, 32))
			return 0;
	return 1;
}

void sgp22_encode_pkids(struct der_buf *b, uint32_t tag, const struct sgp22_pkid_list *in)
{
	unsigned i;

	der_begin(b, tag);
	for (i = 0; i < in->n; i++)
		der_put(b, DER_OCTET_STRING, in->id[i].p, in->id[i].len);
	der_end(b);
}

void sgp22_put_signature(struct der_buf *b, const uint8_t sig[SGP22_SIG_LEN])
{
	der_put(b, SGP22_TAG_SIGNATURE, sig, SGP22_SIG_LEN);
}

int sgp22_iccid_to_string(const uint8_t iccid[SGP22_ICCID_LEN], char out[21])
{
	unsigned i, n = 0;
	bool pad = false;

	for (i = 0; i < 2 * SGP22_ICCID_LEN; i++) {
		/* EFiccid: low nibble first. */
		uint8_t d = (i & 1) ? iccid[i / 2] >> 4 : iccid[i / 2] & 0x0F;

		if (d == 0x0F) {
			pad = true;
			continue;
		}
		if (pad || d > 9)
			goto bad;
		out[n++] = (char)('0' + d);
	}
	if (n < 18)
		goto bad;
	out[n] = '\0';
	return 0;
bad:
	out[0] = '\0';
	return -EBADMSG;
}

int sgp22_iccid_from_string(const char *s, uint8_t iccid[SGP22_ICCID_LEN])
{
	size_t n, i;

	if (!s)
		return -EINVAL;
	n = strlen(s);
	if (n < 18 || n > 20)
		return -EINVAL;
	for (i = 0; i < n; i++)
		if (s[i] < '0' || s[i] > '9')
			return -EINVAL;
	memset(iccid, 0xFF, SGP22_ICCID_LEN);
	for (i = 0; i < n; i++) {
		uint8_t d = (uint8_t)(s[i] - '0');

		if (i & 1)
			iccid[i / 2] = (uint8_t)((iccid[i / 2] & 0x0F) | (d << 4));
		else
			iccid[i / 2] = (uint8_t)((iccid[i / 2] & 0xF0) | d);
	}
	return 0;
}

int sgp22_bitstring_ok(const struct sgp22_bytes *v)
{
	if (!v->p || v->len < 1 || v->p[0] > 7)
		return 0;
	if (v->len == 1)
		return v->p[0] == 0;
	/* DER: the unused bits are zero. */
	return (v->p[v->len - 1] & ((1u << v->p[0]) - 1)) == 0;
}

int sgp22_take_bitstring(struct der_iter *it, uint32_t tag, struct sgp22_bytes *out)
{
	int rc = sgp22_take_bytes(it, tag, 1, SIZE_MAX, out);

	if (rc)
		return rc;
	return sgp22_bitstring_ok(out) ? 0 : -EBADMSG;
}
