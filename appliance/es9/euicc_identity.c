// SPDX-License-Identifier: Apache-2.0
/*
 * eUICC chain check and signature verification, mapped to SGP.22 codes
 * (§5.6.3: 8.1.2 EUM Certificate, 8.1.3 eUICC Certificate, 8.11.1 CI,
 * 8.1 eUICC signature).
 */
#include <errno.h>
#include <string.h>

#include "euicc_identity.h"

static enum es9_status chain_status(struct es9_call *c, enum pdp_cert_status st,
				    enum pdp_cert_role failed)
{
	int eum = failed == PDP_CERT_ROLE_EUM;
	const char *why = pdp_cert_strerror(st);

	switch (st) {
	case PDP_CERT_OK:
		return ES9_OK;
	case PDP_CERT_ERR_NOMEM:
		return es9_fail(c, ES9_E_INTERNAL, "out of memory");
	case PDP_CERT_ERR_UNKNOWN_CI:
		return es9_fail(c, ES9_E_CI_UNKNOWN, "EUM certificate: %s", why);
	case PDP_CERT_ERR_EXPIRED:
		return es9_fail(c, eum ? ES9_E_EUM_EXPIRED : ES9_E_EUICC_CERT_EXPIRED, "%s", "");
	case PDP_CERT_ERR_EID_RANGE:
		return es9_fail(c, ES9_E_EUICC_CERT_INVALID,
				"EID outside the range of the EUM certificate");
	default:
		return es9_fail(c, eum ? ES9_E_EUM_INVALID : ES9_E_EUICC_CERT_INVALID, "%s: %s",
				eum ? "EUM certificate" : "eUICC certificate", why);
	}
}

enum es9_status es9_euicc_identify(struct es9_worker *w, struct es9_call *c, const uint8_t *eum_der,
				   size_t eum_len, const uint8_t *euicc_der, size_t euicc_len,
				   const uint8_t *ci_pkid, size_t ci_pkid_len,
				   struct es9_euicc_identity *out)
{
	struct pdp_cert *eum = NULL, *euicc = NULL;
	enum pdp_cert_role failed = PDP_CERT_ROLE_NONE;
	uint8_t aki[PDP_KEYID_MAX];
	enum pdp_cert_status cs;
	enum es9_status st;
	size_t aki_len;
	unsigned i;

	memset(out, 0, sizeof(*out));
	/* A verified EUM comes from the verifier's cache; the eUICC is parsed every time. */
	eum = pdp_cert_verifier_lookup(w->svc->verifier, eum_der, eum_len);
	if (!eum && pdp_cert_parse(eum_der, eum_len, &eum)) {
		st = es9_fail(c, ES9_E_EUM_INVALID, "EUM certificate does not parse");
		goto out;
	}
	if (pdp_cert_parse(euicc_der, euicc_len, &euicc)) {
		st = es9_fail(c, ES9_E_EUICC_CERT_INVALID, "eUICC certificate does not parse");
		goto out;
	}
	/* The chain must end at the CI agreed in InitiateAuthentication. */
	if (pdp_cert_aki(eum, aki, &aki_len)) {
		st = es9_fail(c, ES9_E_EUM_INVALID, "EUM certificate has no authority key id");
		goto out;
	}
	if (ci_pkid && (aki_len != ci_pkid_len || memcmp(aki, ci_pkid, aki_len))) {
		st = es9_fail(c, ES9_E_CI_UNKNOWN, "EUM certificate is not under the agreed CI");
		goto out;
	}
	cs = pdp_cert_verify_euicc_chain(w->svc->verifier, eum, euicc, (time_t)es9_now(w->svc),
					 &failed);
	st = chain_status(c, cs, failed);
	if (st)
		goto out;
	if (pdp_cert_public_key(euicc, out->pub, &out->curve) ||
	    pdp_cert_eid(euicc, out->eid_bin)) {
		st = es9_fail(c, ES9_E_EUICC_CERT_INVALID, "eUICC certificate: no key or EID");
		goto out;
	}
	for (i = 0; i < PDP_EID_LEN; i++) {
		out->eid[2 * i] = (char)('0' + (out->eid_bin[i] >> 4));
		out->eid[2 * i + 1] = (char)('0' + (out->eid_bin[i] & 0x0f));
	}
	out->eid[2 * PDP_EID_LEN] = '\0';
out:
	pdp_cert_free(euicc);
	pdp_cert_free(eum);
	return st;
}

enum es9_status es9_euicc_verify(struct es9_worker *w, struct es9_call *c, enum pdp_curve curve,
				 const uint8_t pub[PDP_PUBKEY_LEN], const uint8_t *msg,
				 size_t msg_len, const uint8_t sig[PDP_SIG_LEN], const char *what)
{
	int ret = pdp_verify(w->accel, curve, pub, msg, msg_len, sig);

	if (ret == 0)
		return ES9_OK;
	if (ret == -EBADMSG || ret == -EINVAL)
		return es9_fail(c, ES9_E_EUICC_VERIFY, "%s does not verify", what);
	return es9_fail(c, ES9_E_INTERNAL, "crypto backend failure (%d) verifying %s", ret, what);
}
