/* SPDX-License-Identifier: Apache-2.0 */
/* Private helpers shared by the sgp22_*.c codecs (not installed). */
#ifndef PORTDP_RSP_SGP22_CODEC_H
#define PORTDP_RSP_SGP22_CODEC_H

#include <errno.h>
#include <string.h>

#include "sgp22.h"

/* Run a decode step; any failure ends the decoder as -EBADMSG. */
#define TRY(expr)                                                                                  \
	do {                                                                                       \
		rc = (expr);                                                                       \
		if (rc)                                                                            \
			goto fail;                                                                 \
	} while (0)

/* Decode entry: @buf is exactly one well-formed TLV with @tag. */
int sgp22_open_msg(const uint8_t *buf, size_t len, uint32_t tag, struct der_tlv *msg);
/* Decoder exit: map -ENOENT to -EBADMSG and zero @out on failure. */
int sgp22_close_msg(int rc, void *out, size_t size);

/*
 * Define sgp22_decode_<type>() for a type that also nests in other messages:
 * @buf must be exactly one TLV with @tag, decoded by sgp22_<type>_from().
 */
#define SGP22_DEFINE_DECODE(type, tag)                                                             \
	int sgp22_decode_##type(const uint8_t *buf, size_t len, struct sgp22_##type *out)          \
	{                                                                                          \
		struct der_tlv msg;                                                                \
		int rc;                                                                            \
                                                                                                   \
		if (!out)                                                                          \
			return -EINVAL;                                                            \
		memset(out, 0, sizeof(*out));                                                      \
		rc = sgp22_open_msg(buf, len, (tag), &msg);                                        \
		if (!rc)                                                                           \
			rc = sgp22_##type##_from(&msg, out);                                       \
		return sgp22_close_msg(rc, out, sizeof(*out));                                     \
	}

/* @parent holds exactly one child (a CHOICE), returned in @child. */
int sgp22_take_only_child(const struct der_tlv *parent, struct der_tlv *child);

/* The error arm (A1) of an ES10b response CHOICE: transactionId, then an INTEGER 0..127. */
int sgp22_take_error_result(struct der_iter *it, struct sgp22_bytes *tid, unsigned *code);
/* Encode a whole @tag response that takes its error arm (A1). */
int sgp22_encode_error_result(struct der_buf *b, uint32_t tag, const struct sgp22_bytes *tid,
			      unsigned code);

/* Next child must be @tag, value length within [min, max]. */
int sgp22_take_bytes(struct der_iter *it, uint32_t tag, size_t min, size_t max,
		     struct sgp22_bytes *out);
/* Optional variant: absent leaves @out empty and returns 0. */
int sgp22_take_opt_bytes(struct der_iter *it, uint32_t tag, size_t min, size_t max,
			 struct sgp22_bytes *out);
/* Next child must be @tag with exactly @n value bytes, copied to @dst. */
int sgp22_take_fixed(struct der_iter *it, uint32_t tag, uint8_t *dst, size_t n);
/* Next child must be @tag, a non-negative INTEGER <= @max. */
int sgp22_take_uint(struct der_iter *it, uint32_t tag, uint64_t max, uint64_t *out);
/* Next child must be 5F37 with 64 bytes; @tlv (may be NULL) gets the raw TLV. */
int sgp22_take_signature(struct der_iter *it, uint8_t sig[SGP22_SIG_LEN], struct sgp22_bytes *tlv);
/* Next child must be a certificate (30 ..); @out gets the whole TLV. */
int sgp22_take_certificate(struct der_iter *it, struct sgp22_bytes *out);
/* Decode a SEQUENCE OF SubjectKeyIdentifier (value of an A9/AA TLV). */
int sgp22_decode_pkids(const struct der_tlv *list, struct sgp22_pkid_list *out);
void sgp22_encode_pkids(struct der_buf *b, uint32_t tag, const struct sgp22_pkid_list *in);
int sgp22_check_pkids(const struct sgp22_pkid_list *in);

static inline struct sgp22_bytes sgp22_raw(const struct der_tlv *t)
{
	struct sgp22_bytes r = {t->raw, t->raw_len};
	return r;
}

static inline struct sgp22_bytes sgp22_val(const struct der_tlv *t)
{
	struct sgp22_bytes r = {t->val, t->len};
	return r;
}

/* Next child must be @tag, a DER BIT STRING value (unused-bits byte first). */
int sgp22_take_bitstring(struct der_iter *it, uint32_t tag, struct sgp22_bytes *out);
int sgp22_bitstring_ok(const struct sgp22_bytes *v);

int sgp22_euicc_info2_ok(const struct sgp22_euicc_info2 *in);

/* Cores of nested types, on a TLV already checked by der_parse_exact(). */
int sgp22_euicc_info2_from(const struct der_tlv *t, struct sgp22_euicc_info2 *out);
int sgp22_ctx_params1_from(const struct der_tlv *t, struct sgp22_ctx_params1 *out);
int sgp22_server_signed1_from(const struct der_tlv *t, struct sgp22_server_signed1 *out);
int sgp22_euicc_signed1_from(const struct der_tlv *t, struct sgp22_euicc_signed1 *out);
int sgp22_smdp_signed2_from(const struct der_tlv *t, struct sgp22_smdp_signed2 *out);
int sgp22_euicc_signed2_from(const struct der_tlv *t, struct sgp22_euicc_signed2 *out);
int sgp22_notification_metadata_from(const struct der_tlv *t,
				     struct sgp22_notification_metadata *out);
int sgp22_pir_from(const struct der_tlv *t, struct sgp22_pir *out);
int sgp22_other_notification_from(const struct der_tlv *t, struct sgp22_other_notification *out);

/* Encoder size checks. */
static inline int sgp22_len_ok(const struct sgp22_bytes *x, size_t min, size_t max)
{
	return x->len >= min && x->len <= max && (x->p || x->len == 0);
}

static inline int sgp22_tid_ok(const struct sgp22_bytes *t)
{
	return sgp22_len_ok(t, 1, SGP22_TID_MAX);
}

/* Certificates in encoders: one whole TLV with tag 30. */
int sgp22_cert_ok(const struct sgp22_bytes *c);

/* Encoder exit: the latched der_buf error (ignoring still-open outer TLVs). */
static inline int sgp22_enc_done(const struct der_buf *b)
{
	return b->err;
}

#endif
