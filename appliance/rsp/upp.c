// SPDX-License-Identifier: Apache-2.0
/* SAIP Unprotected Profile Package: structure check, header, PE split. */
#include <errno.h>
#include <string.h>

#include "sgp22.h"
#include "upp.h"

/* Calls @fn for each PE after checking it; stops at the first error. */
static int walk(const uint8_t *upp, size_t len,
		int (*fn)(void *ctx, const struct der_tlv *pe, unsigned idx), void *ctx)
{
	struct der_iter it;
	struct der_tlv pe;
	unsigned idx = 0;
	int rc;

	if (!upp || !len)
		return -EINVAL;
	der_iter_init_buf(&it, upp, len);
	while ((rc = der_iter_next(&it, &pe)) == 1) {
		/* Every PE is a constructed CHOICE alternative ([n] SEQUENCE). */
		if (!der_tag_constructed(pe.tag))
			return -EBADMSG;
		if (idx == 0 && pe.tag != UPP_TAG_HEADER)
			return -EBADMSG;
		rc = der_validate(&pe, DER_MAX_DEPTH);
		if (rc)
			return rc;
		rc = fn(ctx, &pe, idx++);
		if (rc)
			return rc;
	}
	return rc;
}

/* Decimal ICCID from the header's plain (or, tolerated, swapped) BCD. */
static int header_iccid(struct upp_header *h)
{
	uint8_t swapped[10];
	unsigned i;
	int rc;

	if (h->iccid_bcd[0] == 0x98) {
		memcpy(swapped, h->iccid_bcd, sizeof(swapped));
	} else if (h->iccid_bcd[0] == 0x89) {
		for (i = 0; i < sizeof(swapped); i++)
			swapped[i] = (uint8_t)(h->iccid_bcd[i] << 4 | h->iccid_bcd[i] >> 4);
	} else {
		return -EBADMSG;
	}
	rc = sgp22_iccid_to_string(swapped, h->iccid);
	if (!rc)
		memcpy(h->iccid_ef, swapped, sizeof(swapped));
	return rc;
}

static int read_small_uint(struct der_iter *it, uint32_t tag, unsigned *out)
{
	struct der_tlv t;
	uint64_t v;
	int rc = der_expect(it, tag, &t);

	if (!rc)
		rc = der_get_uint(&t, 255, &v);
	if (!rc)
		*out = (unsigned)v;
	return rc;
}

static int read_header(const struct der_tlv *pe, struct upp_header *h)
{
	struct der_iter it;
	struct der_tlv t;
	int rc;

	der_iter_init(&it, pe);
	rc = read_small_uint(&it, 0x80, &h->major);
	if (!rc)
		rc = read_small_uint(&it, 0x81, &h->minor);
	if (rc)
		return -EBADMSG;
	rc = der_take(&it, 0x82, &t);
	if (!rc) {
		if (t.len < 1 || t.len > 100)
			return -EBADMSG;
		h->profile_type = t.val;
		h->profile_type_len = t.len;
	} else if (rc != -ENOENT) {
		return rc;
	}
	rc = der_expect(&it, 0x83, &t);
	if (rc || t.len != sizeof(h->iccid_bcd))
		return -EBADMSG;
	memcpy(h->iccid_bcd, t.val, t.len);
	return header_iccid(h);
}

static int on_pe_header(void *ctx, const struct der_tlv *pe, unsigned idx)
{
	struct upp_header *h = ctx;

	h->pe_count = idx + 1;
	return idx == 0 ? read_header(pe, h) : 0;
}

int upp_parse(const uint8_t *upp, size_t len, struct upp_header *out)
{
	int rc;

	if (!out)
		return -EINVAL;
	memset(out, 0, sizeof(*out));
	rc = walk(upp, len, on_pe_header, out);
	if (rc)
		memset(out, 0, sizeof(*out));
	return rc;
}

struct split_ctx {
	struct upp_pe *pes;
	size_t max;
	size_t n;
};

static int on_pe_split(void *ctx, const struct der_tlv *pe, unsigned idx)
{
	struct split_ctx *s = ctx;

	(void)idx;
	if (s->n == s->max)
		return -ENOSPC;
	s->pes[s->n].tag = pe->tag;
	s->pes[s->n].raw = pe->raw;
	s->pes[s->n].raw_len = pe->raw_len;
	s->n++;
	return 0;
}

int upp_split(const uint8_t *upp, size_t len, struct upp_pe *pes, size_t max, size_t *n)
{
	struct split_ctx s = {pes, max, 0};
	int rc;

	if (!n || (!pes && max))
		return -EINVAL;
	*n = 0;
	rc = walk(upp, len, on_pe_split, &s);
	if (!rc)
		*n = s.n;
	return rc;
}
