// SPDX-License-Identifier: Apache-2.0
/*
 * The error answer of AuthenticateServer (BF38) and PrepareDownload (BF21):
 * [1] { transactionId, errorCode }. A refused step ends the session: the next
 * download starts afresh.
 */
#include "seuicc_internal.h"

int seuicc_answer_error(struct seuicc *e, uint32_t tag, const struct der_tlv *tid, int code,
			uint8_t **resp, size_t *resp_len, int *sgp_err)
{
	struct der_buf b;

	der_buf_init(&b);
	der_begin(&b, tag);
	der_begin(&b, 0xA1);
	der_put(&b, 0x80, tid->val, tid->len);
	der_put_uint(&b, DER_INTEGER, (uint64_t)code);
	der_end(&b);
	der_end(&b);
	*sgp_err = code;
	seuicc_session_reset(e);
	return der_buf_take(&b, resp, resp_len);
}
