/* SPDX-License-Identifier: Apache-2.0 */
/*
 * A tiny strict DER reader for the certificate parser: one-byte tags,
 * definite minimal lengths, every element inside its parent. Anything else
 * is an error, never a guess.
 */
#ifndef PORTDP_CERT_DER_H
#define PORTDP_CERT_DER_H

#include <stddef.h>
#include <stdint.h>

#define CDER_BOOLEAN 0x01
#define CDER_INTEGER 0x02
#define CDER_BIT_STRING 0x03
#define CDER_OCTET_STRING 0x04
#define CDER_OID 0x06
#define CDER_UTF8 0x0c
#define CDER_PRINTABLE 0x13
#define CDER_T61 0x14
#define CDER_IA5 0x16
#define CDER_UTCTIME 0x17
#define CDER_GENTIME 0x18
#define CDER_BMP 0x1e
#define CDER_SEQUENCE 0x30
#define CDER_SET 0x31

/* The part of a buffer still to read. */
struct cder {
	const uint8_t *p, *end;
};

/* One element: @raw..@raw+@raw_len is the whole TLV, @val/@len its contents. */
struct cder_tlv {
	uint8_t tag;
	const uint8_t *raw, *val;
	size_t raw_len, len;
};

static inline void cder_init(struct cder *d, const uint8_t *buf, size_t len)
{
	d->p = buf;
	d->end = buf + len;
}

/* The contents of @t as a reader of their own. */
static inline void cder_enter(const struct cder_tlv *t, struct cder *in)
{
	cder_init(in, t->val, t->len);
}

static inline int cder_done(const struct cder *d)
{
	return d->p == d->end;
}

/* Tag of the next element, or -1 at the end. */
static inline int cder_peek(const struct cder *d)
{
	return d->p < d->end ? d->p[0] : -1;
}

/* Read the next element: 0, or -1 if it is not strict DER or overruns @d. */
int cder_next(struct cder *d, struct cder_tlv *t);

/* Read the next element and require tag @tag: 0 or -1. */
int cder_expect(struct cder *d, uint8_t tag, struct cder_tlv *t);

/* Read the next element only if it has tag @tag: 1 read, 0 absent, -1 bad. */
int cder_optional(struct cder *d, uint8_t tag, struct cder_tlv *t);

/* A DER BOOLEAN's value: 0 FALSE, 1 TRUE, -1 not 00/FF of length 1. */
int cder_bool(const struct cder_tlv *t);

/* Contents of @t equal the OID body @oid of @len bytes. */
int cder_oid_is(const struct cder_tlv *t, const uint8_t *oid, size_t len);

/* A well-formed OID body: non-empty, minimal base-128 sub-identifiers. */
int cder_oid_valid(const struct cder_tlv *t);

#define CDER_OID_IS(t, body) cder_oid_is((t), (body), sizeof(body))

#endif
