/* SPDX-License-Identifier: Apache-2.0 */
/**
 * @file der.h
 * @brief Strict BER-TLV / DER codec for SGP.22 and SAIP messages.
 *
 * Reader: zero-copy. A struct der_tlv points into the caller's buffer; no
 * call allocates. Rules enforced (anything else is -EBADMSG):
 *  - definite lengths only (0x80 indefinite form is rejected);
 *  - lengths in at most 4 bytes, in the shortest form (DER): no long form
 *    for lengths < 128, no leading zero length byte;
 *  - tags of 1..3 bytes; a multi-byte tag is used only for numbers >= 31 and
 *    has no leading 0x80 continuation byte;
 *  - the TLV (and, for der_validate(), every nested TLV) lies inside the
 *    buffer; constructed values are exactly filled by their children;
 *  - nesting deeper than DER_MAX_DEPTH.
 *
 * Tags are held as their wire bytes in one integer: 0x30, 0x5A, 0xBF36,
 * 0x5F37. Bit 0x20 of the first byte says "constructed".
 *
 * Writer: struct der_buf, a growable (or fixed) buffer with an error latch:
 * after the first failure every later put is a no-op and der_buf_error()
 * reports it, so encoders check once at the end.
 *
 * Return convention (whole file): 0 or a negative errno.
 *  -EBADMSG  malformed or truncated input
 *  -EINVAL   bad argument (NULL, impossible tag, value too large)
 *  -ENOENT   (der_find, der_take) no child with that tag
 *  -ENOMEM   (writer) allocation failed
 *  -ENOSPC   (writer, fixed buffer) out of room
 */
#ifndef PORTDP_RSP_DER_H
#define PORTDP_RSP_DER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/** Deepest nesting der_validate() and the writer accept. */
#define DER_MAX_DEPTH 24
/** Largest length a TLV may declare (4 length bytes). */
#define DER_MAX_LEN 0xFFFFFFFFu

/* Universal tags used in SGP.22. */
#define DER_BOOLEAN 0x01
#define DER_INTEGER 0x02
#define DER_BIT_STRING 0x03
#define DER_OCTET_STRING 0x04
#define DER_OID 0x06
#define DER_UTF8STRING 0x0C
#define DER_SEQUENCE 0x30

/** One parsed TLV. @val/@len: the value; @raw/@raw_len: tag..end of value. */
struct der_tlv {
	uint32_t tag;
	const uint8_t *val;
	size_t len;
	const uint8_t *raw;
	size_t raw_len;
};

/** true if @tag's first byte has the constructed bit. */
static inline bool der_tag_constructed(uint32_t tag)
{
	while (tag > 0xFF)
		tag >>= 8;
	return tag & 0x20;
}

/**
 * der_parse_one() - parse the first TLV of @buf (header and bounds only;
 * the value of a constructed TLV is not looked into).
 * @buf, @len: [in] input.
 * @out: [out] the TLV; out->raw == @buf, out->raw_len bytes consumed.
 * Trailing bytes after the TLV are allowed (see der_parse_exact()).
 */
int der_parse_one(const uint8_t *buf, size_t len, struct der_tlv *out);

/**
 * der_parse_exact() - @buf must be exactly one TLV (no trailing bytes),
 * and, if constructed, a well-formed tree down to DER_MAX_DEPTH
 * (der_validate()).
 */
int der_parse_exact(const uint8_t *buf, size_t len, struct der_tlv *out);

/**
 * der_validate() - check that the value of a constructed @tlv is a
 * sequence of well-formed TLVs, recursively, at most @max_depth levels
 * (<= DER_MAX_DEPTH). A primitive @tlv is valid as is.
 */
int der_validate(const struct der_tlv *tlv, unsigned max_depth);

/** Walks the children of a constructed TLV in order. */
struct der_iter {
	const uint8_t *p;
	const uint8_t *end;
};

/** der_iter_init() - iterate the value of @parent (or any byte range). */
void der_iter_init(struct der_iter *it, const struct der_tlv *parent);
void der_iter_init_buf(struct der_iter *it, const uint8_t *buf, size_t len);

/**
 * der_iter_next() - next child.
 * Returns 1 with @out filled, 0 at the end, -EBADMSG if the next bytes are
 * not a TLV (the iterator then stays at the end).
 */
int der_iter_next(struct der_iter *it, struct der_tlv *out);

/** der_iter_done() - 1 if no bytes are left, else 0. */
static inline int der_iter_done(const struct der_iter *it)
{
	return it->p == it->end;
}

/**
 * der_take() - sequence-decoder helper: if the next child has @tag,
 * consume it into @out and return 0; if the next child has another tag or
 * the end is reached, return -ENOENT and consume nothing. -EBADMSG if the
 * next bytes are malformed. Use for OPTIONAL fields in order.
 */
int der_take(struct der_iter *it, uint32_t tag, struct der_tlv *out);

/** der_expect() - like der_take() but a missing field is -EBADMSG. */
int der_expect(struct der_iter *it, uint32_t tag, struct der_tlv *out);

/**
 * der_find() - first direct child of @parent with @tag.
 * Returns 0, -ENOENT, or -EBADMSG (malformed child before a match).
 */
int der_find(const struct der_tlv *parent, uint32_t tag, struct der_tlv *out);

/**
 * der_get_uint() - a non-negative DER INTEGER value (minimal two's
 * complement, at most 8 value bytes) of any tag.
 * @max: [in] largest accepted value (-EBADMSG above it).
 */
int der_get_uint(const struct der_tlv *tlv, uint64_t max, uint64_t *out);

/** der_get_bool() - DER BOOLEAN: one byte, 0x00 or 0xFF. */
int der_get_bool(const struct der_tlv *tlv, bool *out);

/* ---- Writer ---------------------------------------------------------- */

struct der_buf {
	uint8_t *data;
	size_t len;
	size_t cap;
	int err;    /**< first error, latched */
	bool fixed; /**< caller's memory: never realloc */
	unsigned depth;
	size_t open[DER_MAX_DEPTH]; /**< offsets of open constructed TLVs */
};

/** der_buf_init() - empty growable buffer (malloc'd on first put). */
void der_buf_init(struct der_buf *b);
/** der_buf_init_fixed() - write into @mem of @cap bytes, never allocate. */
void der_buf_init_fixed(struct der_buf *b, uint8_t *mem, size_t cap);
/** der_buf_free() - free a growable buffer's memory (not a fixed one's). */
void der_buf_free(struct der_buf *b);
/** der_buf_reset() - length 0, error cleared, memory kept. */
void der_buf_reset(struct der_buf *b);

/**
 * der_buf_error() - the latched error, or -EINVAL if a constructed TLV is
 * still open, else 0.
 */
int der_buf_error(const struct der_buf *b);

/**
 * der_buf_take() - hand the bytes of a growable buffer to the caller
 * (free() them). Returns der_buf_error(); on error nothing is handed over
 * and the buffer is freed. @b is empty afterwards.
 */
int der_buf_take(struct der_buf *b, uint8_t **out, size_t *out_len);

/** der_put() - one primitive (or pre-encoded constructed) TLV. */
void der_put(struct der_buf *b, uint32_t tag, const void *val, size_t len);
/** der_put_uint() - a non-negative INTEGER in minimal DER form under @tag. */
void der_put_uint(struct der_buf *b, uint32_t tag, uint64_t v);
/** der_put_bool() - BOOLEAN (0x00 / 0xFF) under @tag. */
void der_put_bool(struct der_buf *b, uint32_t tag, bool v);
/** der_put_raw() - bytes as they are (e.g. a received TLV). */
void der_put_raw(struct der_buf *b, const void *p, size_t len);
/**
 * der_put_space() - append @len bytes and return a pointer to them for
 * the caller to fill in place (NULL after an error). The pointer is
 * valid until the next put on a growable buffer.
 */
uint8_t *der_put_space(struct der_buf *b, size_t len);
/** der_put_tl() - a tag and a length header only (value follows later). */
void der_put_tl(struct der_buf *b, uint32_t tag, size_t len);

/** der_begin() - open a constructed TLV; its length is fixed at der_end(). */
void der_begin(struct der_buf *b, uint32_t tag);
/** der_end() - close the innermost open constructed TLV. */
void der_end(struct der_buf *b);

/** der_tl_size() - bytes of tag + length header for @tag and @len. */
size_t der_tl_size(uint32_t tag, size_t len);

#ifdef __cplusplus
}
#endif
#endif /* PORTDP_RSP_DER_H */
