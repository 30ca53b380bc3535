// SPDX-License-Identifier: Apache-2.0
/* The error arm that AuthenticateServerResponse and PrepareDownloadResponse share:
 * [1] SEQUENCE { transactionId [0], errorCode INTEGER (0..127) }. */
#include "sgp22_codec.h"

int sgp22_take_error_result(struct der_iter *it, struct sgp22_bytes *tid, unsigned *code)
{
	uint64_t v;
	int rc = sgp22_take_bytes(it, 0x80, 1, SGP22_TID_MAX, tid);

	if (!rc)
		rc = sgp22_take_uint(it, DER_INTEGER, 127, &v);
	if (!rc)
		*code = (unsigned)v;
	return rc;
}

int sgp22_encode_error_result(struct der_buf *b, uint32_t tag, const struct sgp22_bytes *tid,
			      unsigned code)
{
	if (!sgp22_tid_ok(tid) || code > 127)
		return -EINVAL;
	der_begin(b, tag);
	der_begin(b, 0xA1);
	der_put(b, 0x80, tid->p, tid->len);
	der_put_uint(b, DER_INTEGER, code);
	der_end(b);
	der_end(b);
	return sgp22_enc_done(b);
}
