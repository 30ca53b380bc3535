// SPDX-License-Identifier: Apache-2.0
/*
 * ES10b.AuthenticateServer: the eUICC checks the SM-DP+ (CERT.DPauth chain to
 * a CI it trusts, serverSignature1, its own challenge echoed, the address)
 * and signs euiccSigned1 in return.
 */
#include "seuicc_internal.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

enum auth_err {
	AUTH_INVALID_CERTIFICATE = 1,
	AUTH_INVALID_SIGNATURE = 2,
	AUTH_UNSUPPORTED_CURVE = 3,
	AUTH_NO_SESSION = 4,
	AUTH_INVALID_OID = 5,
	AUTH_CHALLENGE_MISMATCH = 6,
	AUTH_CI_PK_UNKNOWN = 7,
	AUTH_UNDEFINED = 127,
};

struct server_signed1 {
	struct der_tlv raw;        /* the whole SEQUENCE: what serverSignature1 covers */
	struct der_tlv tid, challenge, address, server_challenge;
};

static int parse_server_signed1(const struct der_tlv *t, struct server_signed1 *s)
{
	struct der_iter it;

	if (t->tag != DER_SEQUENCE)
		return -EBADMSG;
	s->raw = *t;
	der_iter_init(&it, t);
	if (der_expect(&it, 0x80, &s->tid) || der_expect(&it, 0x81, &s->challenge) ||
	    der_expect(&it, 0x83, &s->address) || der_expect(&it, 0x84, &s->server_challenge))
		return -EBADMSG;
	if (s->tid.len < 1 || s->tid.len > 16 || s->challenge.len != 16 ||
	    s->server_challenge.len != 16 || s->address.len == 0 ||
	    s->address.len >= SEUICC_ADDR_MAX)
		return -EBADMSG;
	return 0;
}

/* Host part of "host[:port]", compared without case (DNS names). */
static bool same_host(const char *a, size_t alen, const char *b)
{
	const char *ac = memchr(a, ':', alen), *bc = strchr(b, ':');
	size_t an = ac ? (size_t)(ac - a) : alen, bn = bc ? (size_t)(bc - b) : strlen(b);

	return an == bn && !strncasecmp(a, b, an);
}

/* CERT.DPauth under a CI we trust and named by the SM-DP+, and serverSignature1. */
static int check_server_signature(struct seuicc *e, const struct server_signed1 *ss,
				  const struct der_tlv *sig, const struct der_tlv *pkid,
				  const struct der_tlv *cert_tlv)
{
	uint8_t pub[PDP_PUBKEY_LEN], aki[PDP_KEYID_MAX];
	enum pdp_cert_status st;
	struct pdp_cert *cert;
	enum pdp_curve curve;
	size_t aki_len;
	int ret;

	if (pdp_cert_verifier_has_ci(e->verifier, pkid->val, pkid->len))
		return seuicc_fail(e, AUTH_CI_PK_UNKNOWN, "euiccCiPKIdToBeUsed is no CI of ours");
	st = seuicc_dp_cert(e, cert_tlv, &cert);
	if (st)
		return seuicc_fail(e, AUTH_INVALID_CERTIFICATE, "CERT.DPauth: %s",
				   pdp_cert_strerror(st));
	st = pdp_cert_verify_dp(e->verifier, cert, PDP_CERT_ROLE_DP_AUTH, seuicc_now(e));
	if (!st && (pdp_cert_aki(cert, aki, &aki_len) || aki_len != pkid->len ||
		    memcmp(aki, pkid->val, aki_len)))
		st = PDP_CERT_ERR_UNKNOWN_CI;
	if (!st)
		st = pdp_cert_public_key(cert, pub, &curve);
	/* CancelSession signs this OID back; a DPauth without one cannot be cancelled. */
	if (!st && seuicc_cert_smdp_oid(cert, e->s.dpauth_oid, sizeof(e->s.dpauth_oid),
					&e->s.dpauth_oid_len))
		e->s.dpauth_oid_len = 0;
	pdp_cert_free(cert);
	if (st == PDP_CERT_ERR_UNKNOWN_CI)
		return seuicc_fail(e, AUTH_CI_PK_UNKNOWN, "CERT.DPauth is not under the CI named");
	if (st == PDP_CERT_ERR_CURVE)
		return seuicc_fail(e, AUTH_UNSUPPORTED_CURVE, "CERT.DPauth: unsupported curve");
	if (st)
		return seuicc_fail(e, AUTH_INVALID_CERTIFICATE, "CERT.DPauth: %s",
				   pdp_cert_strerror(st));
	ret = seuicc_verify_tlv(e, curve, pub, ss->raw.raw, ss->raw.raw_len, sig);
	if (ret)
		return seuicc_fail(e, AUTH_INVALID_SIGNATURE, "serverSignature1 does not verify");
	return 0;
}

static int check_server(struct seuicc *e, const struct server_signed1 *ss,
			const struct der_tlv *sig, const struct der_tlv *pkid,
			const struct der_tlv *cert_tlv, const char *smdp_address)
{
	int code = e->sign_only ? 0 : check_server_signature(e, ss, sig, pkid, cert_tlv);

	if (code)
		return code;
	if (memcmp(ss->challenge.val, e->s.challenge, 16))
		return seuicc_fail(e, AUTH_CHALLENGE_MISMATCH, "euiccChallenge not ours");
	if (smdp_address && !same_host((const char *)ss->address.val, ss->address.len, smdp_address))
		return seuicc_fail(e, AUTH_UNDEFINED, "serverAddress %.*s is not %s",
				   (int)ss->address.len, (const char *)ss->address.val,
				   smdp_address);
	return 0;
}

/* ctxParams1 must be CtxParamsForCommonAuthentication [0] { [0] matchingId OPT, [1] deviceInfo }. */
static int check_ctx_params(const struct der_tlv *ctx)
{
	struct der_iter it;
	struct der_tlv t;

	if (ctx->tag != 0xA0 || der_validate(ctx, DER_MAX_DEPTH))
		return -EBADMSG;
	der_iter_init(&it, ctx);
	if (der_take(&it, 0x80, &t) == -EBADMSG || der_expect(&it, 0xA1, &t))
		return -EBADMSG;
	return 0;
}

int seuicc_authenticate_server(struct seuicc *e, const uint8_t *req, size_t req_len,
			       const char *smdp_address, uint8_t **resp, size_t *resp_len,
			       int *sgp_err)
{
	struct der_tlv top, signed1, sig, pkid, cert, ctx;
	struct server_signed1 ss;
	struct der_iter it;
	struct der_buf b;
	size_t s1_start, sig_start;
	int code;

	*sgp_err = 0;
	if (der_parse_exact(req, req_len, &top) || top.tag != 0xBF38)
		return seuicc_fail(e, -EINVAL, "AuthenticateServerRequest is no BF38 TLV");
	der_iter_init(&it, &top);
	if (der_expect(&it, DER_SEQUENCE, &signed1) || der_expect(&it, 0x5F37, &sig) ||
	    der_expect(&it, DER_OCTET_STRING, &pkid) || der_expect(&it, DER_SEQUENCE, &cert) ||
	    der_expect(&it, 0xA0, &ctx) || !der_iter_done(&it) ||
	    parse_server_signed1(&signed1, &ss) || check_ctx_params(&ctx))
		return seuicc_fail(e, -EINVAL, "AuthenticateServerRequest malformed");
	if (e->s.stage != SEUICC_CHALLENGED) {
		seuicc_fail(e, 0, "AuthenticateServer without a fresh challenge");
		return seuicc_answer_error(e, 0xBF38, &ss.tid, AUTH_NO_SESSION,
					   resp, resp_len, sgp_err);
	}
	code = check_server(e, &ss, &sig, &pkid, &cert, smdp_address);
	if (code)
		return seuicc_answer_error(e, 0xBF38, &ss.tid, code, resp, resp_len, sgp_err);

	der_buf_init(&b);
	der_begin(&b, 0xBF38);
	der_begin(&b, 0xA0);
	s1_start = b.len;
	der_begin(&b, DER_SEQUENCE);
	der_put(&b, 0x80, ss.tid.val, ss.tid.len);
	der_put(&b, 0x83, ss.address.val, ss.address.len);
	der_put(&b, 0x84, ss.server_challenge.val, ss.server_challenge.len);
	seuicc_put_info2(e, &b);
	der_put_raw(&b, ctx.raw, ctx.raw_len);
	der_end(&b);
	sig_start = b.len;
	if (!b.err && seuicc_sign_tlv(e, b.data + s1_start, b.len - s1_start, &b)) {
		der_buf_free(&b);
		return seuicc_fail(e, -EIO, "signing euiccSigned1 failed");
	}
	if (!b.err && b.len - sig_start == sizeof(e->s.euicc_sig1_tlv)) {
		memcpy(e->s.euicc_sig1_tlv, b.data + sig_start, b.len - sig_start);
		e->s.euicc_sig1_tlv_len = b.len - sig_start;
	}
	{
		size_t len;
		const uint8_t *der = pdp_cert_der(e->euicc_cert, &len);

		der_put_raw(&b, der, len);
		der = pdp_cert_der(e->eum_cert, &len);
		der_put_raw(&b, der, len);
	}
	der_end(&b);
	der_end(&b);
	memcpy(e->s.tid, ss.tid.val, ss.tid.len);
	e->s.tid_len = ss.tid.len;
	snprintf(e->s.server_address, sizeof(e->s.server_address), "%.*s", (int)ss.address.len,
		 (const char *)ss.address.val);
	/* A card knows the SM-DP+ by serverAddress only: its notifications go there. */
	if (smdp_address)
		snprintf(e->s.lpa_address, sizeof(e->s.lpa_address), "%s", smdp_address);
	else
		snprintf(e->s.lpa_address, sizeof(e->s.lpa_address), "%s", e->s.server_address);
	e->s.stage = SEUICC_AUTHENTICATED;
	return der_buf_take(&b, resp, resp_len);
}
