// SPDX-License-Identifier: Apache-2.0
/* Common Cancel Session: the eUICC's signed cancel carried to the SM-DP+. */
#include "cancel_session.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "b64.h" /* appliance/rsp */
#include "sgp22.h"

const char *lpa_cancel_reason_name(enum lpa_cancel_reason reason)
{
	switch (reason) {
	case LPA_CANCEL_END_USER_REJECTION: return "endUserRejection";
	case LPA_CANCEL_POSTPONED: return "postponed";
	case LPA_CANCEL_TIMEOUT: return "timeout";
	case LPA_CANCEL_PPR_NOT_ALLOWED: return "pprNotAllowed";
	case LPA_CANCEL_METADATA_MISMATCH: return "metadataMismatch";
	case LPA_CANCEL_LOAD_BPP_EXECUTION_ERROR: return "loadBppExecutionError";
	case LPA_CANCEL_UNDEFINED_REASON: return "undefinedReason";
	}
	return "?";
}

static void tid_hex(const uint8_t *tid, size_t len, char out[33])
{
	for (size_t i = 0; i < len; i++)
		sprintf(out + 2 * i, "%02X", tid[i]);
	out[2 * len] = '\0';
}

/* POST one cancelSession and say what the SM-DP+ answered. */
static int post(struct es9_client *c, const char *what, const uint8_t *tid, size_t tid_len,
		const uint8_t *csr, size_t csr_len)
{
	struct es9_status st;
	json_t *req, *resp = NULL;
	char hex[33], *csr64 = NULL, buf[400];
	int ret;

	tid_hex(tid, tid_len, hex);
	if (rsp_b64_encode(csr, csr_len, &csr64) < 0 || !csr64)
		return -ENOMEM;
	req = json_pack("{s:s, s:s}", "transactionId", hex, "cancelSessionResponse", csr64);
	free(csr64);
	if (!req)
		return -ENOMEM;
	ret = es9_call(c, "cancelSession", req, &resp, &st);
	json_decref(req);
	json_decref(resp);
	if (ret)
		fprintf(stderr, "portdp-lpa: %s: %s\n", what, es9_status_str(&st, buf, sizeof(buf)));
	else
		printf("%s: accepted by the SM-DP+\n", what);
	return ret == -EPROTO || ret == -EIO ? ret : ret ? -EIO : 0;
}

/* The spoiled copy a test asks for; the real cancel follows it. */
static int post_spoiled(struct es9_client *c, enum lpa_cancel_spoil spoil, const uint8_t *tid,
			size_t tid_len, const uint8_t *csr, size_t csr_len)
{
	uint8_t other[16], *bad;
	int ret;

	bad = malloc(csr_len);
	if (!bad)
		return -ENOMEM;
	memcpy(bad, csr, csr_len);
	memcpy(other, tid, tid_len);
	if (spoil == LPA_CANCEL_SPOIL_SIGNATURE)
		bad[csr_len - 1] ^= 1; /* the signature is the last TLV of BF41 A0 */
	else
		other[tid_len - 1] ^= 0x5A;
	ret = post(c, spoil == LPA_CANCEL_SPOIL_SIGNATURE ? "spoiled cancelSession (signature)"
							 : "spoiled cancelSession (transaction)",
		   other, tid_len, bad, csr_len);
	free(bad);
	return ret;
}

/* cancelSessionResponseError [1]? The ok answer is [0]: BF41 { A0 { ... } }. */
static int cancel_error(const uint8_t *csr, size_t len)
{
	struct der_tlv top, e;
	uint64_t v = 127;

	if (der_parse_exact(csr, len, &top) || !der_find(&top, 0xA0, &e))
		return 0;
	if (!der_find(&top, 0x81, &e))
		der_get_uint(&e, 255, &v);
	return (int)v;
}

int lpa_cancel_session(struct es10_chip *chip, struct es9_client *c, const uint8_t *tid,
		       size_t tid_len, enum lpa_cancel_reason reason,
		       enum lpa_cancel_spoil spoil)
{
	char what[64];
	uint8_t *csr;
	size_t len;
	int sgp_err, ret;

	ret = es10_cancel_session(chip, tid, tid_len, (int)reason, &csr, &len);
	if (ret) {
		fprintf(stderr, "portdp-lpa: eUICC CancelSession: %s\n", chip->err);
		return ret;
	}
	sgp_err = cancel_error(csr, len);
	/* An eUICC error answer is still passed on: the SM-DP+ ends the session if no BPP is out. */
	if (sgp_err)
		fprintf(stderr, "portdp-lpa: eUICC CancelSession: error %d\n", sgp_err);
	if (spoil && !sgp_err)
		post_spoiled(c, spoil, tid, tid_len, csr, len);
	snprintf(what, sizeof(what), "cancelSession (%s)", lpa_cancel_reason_name(reason));
	ret = post(c, what, tid, tid_len, csr, len);
	free(csr);
	return sgp_err && !ret ? -EPROTO : ret;
}

int lpa_cancel_session_lost(struct es9_client *c, const uint8_t *tid, size_t tid_len)
{
	struct sgp22_cancel_session_resp r = { .ok = false, .error_code = 127 };
	struct der_buf b;
	uint8_t *csr;
	size_t len;
	int ret;

	der_buf_init(&b);
	if (sgp22_encode_cancel_session_resp(&b, &r) || der_buf_take(&b, &csr, &len))
		return -ENOMEM;
	ret = post(c, "cancelSession (eUICC gone: undefinedError)", tid, tid_len, csr, len);
	free(csr);
	return ret;
}
