// SPDX-License-Identifier: Apache-2.0
/* Transfer bundle format: writer and strict parser (layout in bundle.h). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "bundle.h"

void bb_bytes(struct bundle_buf *w, const void *p, size_t n)
{
	if (w->oom)
		return;
	if (w->len + n > w->cap) {
		size_t cap = w->cap ? w->cap : 4096;
		uint8_t *q;

		while (cap < w->len + n)
			cap *= 2;
		q = realloc(w->p, cap);
		if (!q) {
			w->oom = 1;
			return;
		}
		w->p = q;
		w->cap = cap;
	}
	if (n)
		memcpy(w->p + w->len, p, n);
	w->len += n;
}

void bb_u8(struct bundle_buf *w, uint8_t v)
{
	bb_bytes(w, &v, 1);
}

void bb_u16(struct bundle_buf *w, uint16_t v)
{
	uint8_t b[2] = {(uint8_t)(v >> 8), (uint8_t)v};

	bb_bytes(w, b, 2);
}

void bb_u32(struct bundle_buf *w, uint32_t v)
{
	uint8_t b[4] = {(uint8_t)(v >> 24), (uint8_t)(v >> 16), (uint8_t)(v >> 8), (uint8_t)v};

	bb_bytes(w, b, 4);
}

void bb_u64(struct bundle_buf *w, uint64_t v)
{
	bb_u32(w, (uint32_t)(v >> 32));
	bb_u32(w, (uint32_t)v);
}

void bb_str8(struct bundle_buf *w, const char *s)
{
	size_t n = strlen(s);

	bb_u8(w, (uint8_t)n);
	bb_bytes(w, s, n);
}

void bundle_write_head(struct bundle_buf *w, enum bundle_kind kind, const uint8_t id[16],
		       uint64_t created, const uint8_t *cert, size_t cert_len,
		       const uint8_t dest_fp[32], const uint8_t digest[32], uint32_t count)
{
	static const uint8_t zero[32];

	bb_bytes(w, BUNDLE_MAGIC, 8);
	bb_u8(w, (uint8_t)kind);
	bb_bytes(w, id, 16);
	bb_u64(w, created);
	bb_u16(w, (uint16_t)cert_len);
	bb_bytes(w, cert, cert_len);
	bb_bytes(w, dest_fp, 32);
	bb_bytes(w, digest ? digest : zero, 32);
	bb_u32(w, count);
}

void bundle_write_item(struct bundle_buf *w, const struct bundle_item *it)
{
	bb_str8(w, it->iccid);
	bb_str8(w, it->sp_name);
	bb_str8(w, it->profile_name);
	bb_str8(w, it->profile_type);
	bb_u8(w, it->profile_class);
	bb_u8(w, it->reuse);
	bb_bytes(w, it->eph_pub, 65);
	bb_bytes(w, it->nonce, 12);
	bb_u32(w, (uint32_t)it->sealed_len);
	bb_bytes(w, it->sealed, it->sealed_len);
}

/* ---- parser ------------------------------------------------------------------------- */

struct rd {
	const uint8_t *p;
	size_t len, off;
	int short_read;
};

static const uint8_t *take(struct rd *r, size_t n)
{
	const uint8_t *q;

	if (r->short_read || n > r->len - r->off) {
		r->short_read = 1;
		return NULL;
	}
	q = r->p + r->off;
	r->off += n;
	return q;
}

static uint64_t get_be(struct rd *r, size_t n)
{
	const uint8_t *q = take(r, n);
	uint64_t v = 0;
	size_t i;

	for (i = 0; q && i < n; i++)
		v = v << 8 | q[i];
	return v;
}

/* A length-prefixed string of at most @max bytes of @allowed class. */
static int get_str8(struct rd *r, char *out, size_t max, int digits)
{
	size_t n = (size_t)get_be(r, 1), i;
	const uint8_t *q = take(r, n);

	if (!q || n > max)
		return -1;
	for (i = 0; i < n; i++) {
		if (digits ? (q[i] < '0' || q[i] > '9') : (q[i] < 0x20 || q[i] == 0x7f))
			return -1;
	}
	memcpy(out, q, n);
	out[n] = 0;
	return 0;
}

int bundle_parse(const uint8_t *buf, size_t len, struct bundle *b, const char **why)
{
	struct rd r = {.p = buf, .len = len};
	const uint8_t *q;
	uint32_t i;

	memset(b, 0, sizeof(*b));
	*why = "truncated";
	q = take(&r, 8);
	if (!q)
		return -EINVAL;
	if (memcmp(q, BUNDLE_MAGIC, 8)) {
		*why = "not a Port-DP+ transfer bundle (bad magic)";
		return -EINVAL;
	}
	b->kind = (enum bundle_kind)get_be(&r, 1);
	if (!r.short_read && (b->kind < BUNDLE_TRANSFER || b->kind > BUNDLE_RECEIPT)) {
		*why = "unknown bundle kind";
		return -EINVAL;
	}
	q = take(&r, 16);
	if (q)
		memcpy(b->id, q, 16);
	b->created = get_be(&r, 8);
	b->signer_cert_len = (size_t)get_be(&r, 2);
	b->signer_cert = take(&r, b->signer_cert_len);
	if (!r.short_read && (b->signer_cert_len == 0 || b->signer_cert_len > BUNDLE_MAX_CERT)) {
		*why = "bad signer certificate length";
		return -EINVAL;
	}
	q = take(&r, 32);
	if (q)
		memcpy(b->dest_fp, q, 32);
	q = take(&r, 32);
	if (q)
		memcpy(b->digest, q, 32);
	b->count = (uint32_t)get_be(&r, 4);
	if (r.short_read)
		return -EINVAL;
	/* every item takes at least 97 bytes: a count the file cannot hold is refused early */
	if (b->count == 0 || b->count > BUNDLE_MAX_ITEMS || b->count > (len - r.off) / 97) {
		*why = b->count ? "item count larger than the file" : "no items";
		return -EINVAL;
	}
	b->items = calloc(b->count, sizeof(*b->items));
	if (!b->items) {
		*why = "out of memory";
		return -ENOMEM;
	}
	for (i = 0; i < b->count; i++) {
		struct bundle_item *it = &b->items[i];

		if (get_str8(&r, it->iccid, 20, 1) || get_str8(&r, it->sp_name, 64, 0) ||
		    get_str8(&r, it->profile_name, 64, 0) || get_str8(&r, it->profile_type, 64, 0))
			goto bad_item;
		if (strlen(it->iccid) < 10)
			goto bad_item;
		it->profile_class = (uint8_t)get_be(&r, 1);
		it->reuse = (uint8_t)get_be(&r, 1);
		q = take(&r, 65);
		if (q)
			memcpy(it->eph_pub, q, 65);
		q = take(&r, 12);
		if (q)
			memcpy(it->nonce, q, 12);
		it->sealed_len = (size_t)get_be(&r, 4);
		it->sealed = take(&r, it->sealed_len);
		if (r.short_read)
			goto bad_item;
		if (it->profile_class > 2 || it->reuse > 1)
			goto bad_item;
		if (b->kind == BUNDLE_RECEIPT ? it->sealed_len != 0 : it->sealed_len <= 16)
			goto bad_item;
	}
	b->signed_len = r.off;
	q = take(&r, 64);
	if (!q) {
		*why = "truncated (no signature)";
		goto fail;
	}
	memcpy(b->sig, q, 64);
	if (r.off != len) {
		*why = "bytes after the signature";
		goto fail;
	}
	*why = NULL;
	return 0;

bad_item:
	*why = r.short_read ? "truncated" : "malformed item";
fail:
	bundle_free(b);
	return -EINVAL;
}

void bundle_free(struct bundle *b)
{
	free(b->items);
	b->items = NULL;
}

void hex16(const uint8_t id[16], char out[33])
{
	int i;

	for (i = 0; i < 16; i++)
		sprintf(out + 2 * i, "%02x", id[i]);
}

int unhex16(const char *s, uint8_t id[16])
{
	int i;

	if (!s || strlen(s) != 32)
		return -1;
	for (i = 0; i < 16; i++)
		if (sscanf(s + 2 * i, "%2hhx", &id[i]) != 1)
			return -1;
	return 0;
}
