// SPDX-License-Identifier: Apache-2.0
/*
 * ES9+.InitiateAuthentication (SGP.22 §5.6.1): check the address the LPA
 * used and the eUICC's CI key lists, open a session with a fresh
 * transactionId and serverChallenge, and sign serverSigned1 with SK.DPauth.
 */
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "../rsp/sgp22.h"
#include "codec.h"
#include "es9_internal.h"

/*
 * Our host without regard to case, alone or with a port this daemon serves: the one it
 * listens on, or the one smdp_address names (a public port forwarded to it). Any other
 * port is someone else's SM-DP+ at our name.
 */
static int address_is_ours(const struct es9_service *svc, const char *addr, size_t len)
{
	size_t hlen = strlen(svc->host);
	uint16_t port;

	if (len < hlen || strncasecmp(addr, svc->host, hlen))
		return 0;
	if (len == hlen)
		return 1;
	if (addr[hlen] != ':' || es9_parse_port(addr + hlen + 1, len - hlen - 1, &port))
		return 0;
	return port == svc->cfg.listen_port || port == svc->address_port;
}

static int pkid_listed(const struct sgp22_pkid_list *l, const uint8_t *id, size_t len)
{
	unsigned i;

	for (i = 0; i < l->n; i++)
		if (l->id[i].len == len && !memcmp(l->id[i].p, id, len))
			return 1;
	return 0;
}

/*
 * The eUICC must be able to verify CERT.DPauth (its CI in the verification
 * list, else 8.8.4) and must sign under a CI we trust (else 8.8.2); we
 * prefer the CI of our own certificates when it offers several.
 */
static enum es9_status choose_ci(struct es9_service *svc, struct es9_call *c,
				 const struct sgp22_euicc_info1 *info, struct es9_session *s)
{
	const struct sgp22_bytes *pick = NULL;
	unsigned i;

	for (i = 0; i < info->ci_sign.n; i++) {
		const struct sgp22_bytes *id = &info->ci_sign.id[i];

		if (pdp_cert_verifier_has_ci(svc->verifier, id->p, id->len))
			continue;
		if (!pick ||
		    (id->len == svc->dpauth_ci_len && !memcmp(id->p, svc->dpauth_ci, id->len)))
			pick = id;
	}
	if (!pick)
		return es9_fail(c, ES9_E_PKID_UNSUPPORTED, "%s", "");
	if (!pkid_listed(&info->ci_verify, svc->dpauth_ci, svc->dpauth_ci_len))
		return es9_fail(c, ES9_E_NO_DPAUTH_CERT, "%s", "");
	if (pick->len > sizeof(s->ci_pkid))
		return es9_fail(c, ES9_E_FIELD_INVALID, "euiccInfo1: CI PKId too long");
	memcpy(s->ci_pkid, pick->p, pick->len);
	s->ci_pkid_len = pick->len;
	return ES9_OK;
}

static enum es9_status sign_and_answer(struct es9_worker *w, struct es9_call *c,
				       const struct es9_session *s)
{
	struct sgp22_server_signed1 ss1 = {0};
	uint8_t sig_do[ES9_SIG_DO_LEN], pkid_do[2 + ES9_KEYID_MAX];
	const uint8_t *cert;
	struct der_buf b;
	size_t cert_len;
	enum es9_status st;

	ss1.transaction_id.p = s->tid;
	ss1.transaction_id.len = ES9_TID_LEN;
	memcpy(ss1.euicc_challenge, s->euicc_challenge, ES9_CHALLENGE_LEN);
	ss1.server_address.p = (const uint8_t *)s->server_address;
	ss1.server_address.len = strlen(s->server_address);
	memcpy(ss1.server_challenge, s->server_challenge, ES9_CHALLENGE_LEN);

	der_buf_init(&b);
	if (sgp22_encode_server_signed1(&b, &ss1) || der_buf_error(&b)) {
		der_buf_free(&b);
		return es9_fail(c, ES9_E_INTERNAL, "serverSigned1 encoding failed");
	}
	sig_do[0] = 0x5F;
	sig_do[1] = 0x37;
	sig_do[2] = PDP_SIG_LEN;
	if (pdp_sign(w->accel, w->dpauth_key, b.data, b.len, sig_do + 3)) {
		der_buf_free(&b);
		return es9_fail(c, ES9_E_INTERNAL, "signing with SK.DPauth failed");
	}
	/* euiccCiPKIdToBeUsed is the SubjectKeyIdentifier TLV (04 len id). */
	pkid_do[0] = 0x04;
	pkid_do[1] = (uint8_t)w->svc->dpauth_ci_len;
	memcpy(pkid_do + 2, w->svc->dpauth_ci, w->svc->dpauth_ci_len);
	cert = pdp_cert_der(w->svc->dpauth_cert, &cert_len);

	st = es9_out_hex(c, "transactionId", s->tid, ES9_TID_LEN);
	if (!st)
		st = es9_out_b64(c, "serverSigned1", b.data, b.len);
	if (!st)
		st = es9_out_b64(c, "serverSignature1", sig_do, sizeof(sig_do));
	if (!st)
		st = es9_out_b64(c, "euiccCiPKIdToBeUsed", pkid_do, 2 + w->svc->dpauth_ci_len);
	if (!st)
		st = es9_out_b64(c, "serverCertificate", cert, cert_len);
	der_buf_free(&b);
	return st;
}

enum es9_status es9_initiate_authentication(struct es9_worker *w, struct es9_call *c)
{
	struct es9_service *svc = w->svc;
	struct sgp22_euicc_info1 info;
	struct es9_session *s;
	uint8_t *challenge = NULL, *info1 = NULL;
	size_t challenge_len, info1_len, addr_len;
	const char *addr;
	enum es9_status st;

	st = es9_req_b64(c, "euiccChallenge", &challenge, &challenge_len);
	if (!st)
		st = es9_req_b64(c, "euiccInfo1", &info1, &info1_len);
	if (!st)
		st = es9_req_string(c, "smdpAddress", &addr, &addr_len);
	if (st)
		goto out;
	if (challenge_len != ES9_CHALLENGE_LEN) {
		st = es9_fail(c, ES9_E_FIELD_INVALID, "euiccChallenge is not 16 bytes");
		goto out;
	}
	if (sgp22_decode_euicc_info1(info1, info1_len, &info)) {
		st = es9_fail(c, ES9_E_FIELD_INVALID, "euiccInfo1 does not decode");
		goto out;
	}
	if (addr_len >= sizeof(s->server_address) || !address_is_ours(svc, addr, addr_len)) {
		st = es9_fail(c, ES9_E_DP_ADDRESS, "%s", "");
		goto out;
	}
	if (info.svn[0] < 2) {
		st = es9_fail(c, ES9_E_SVN_UNSUPPORTED, "eUICC SVN %u.%u.%u", info.svn[0],
			      info.svn[1], info.svn[2]);
		goto out;
	}

	s = es9_session_alloc();
	if (!s) {
		st = es9_fail(c, ES9_E_INTERNAL, "out of memory");
		goto out;
	}
	st = choose_ci(svc, c, &info, s);
	if (st)
		goto free_session;
	memcpy(s->euicc_challenge, challenge, ES9_CHALLENGE_LEN);
	memcpy(s->server_address, addr, addr_len);
	s->step = ES9_STEP_INITIATED;
	s->deadline = es9_now(svc) + svc->cfg.session_timeout_s;
	if (pdp_random(w->accel, s->tid, ES9_TID_LEN) ||
	    pdp_random(w->accel, s->server_challenge, ES9_CHALLENGE_LEN)) {
		st = es9_fail(c, ES9_E_INTERNAL, "random generator failed");
		goto free_session;
	}
	st = sign_and_answer(w, c, s);
	if (st)
		goto free_session;
	/* Last: the session exists only once the answer is complete. */
	if (es9_session_add(svc->sessions, s)) {
		st = es9_fail(c, ES9_E_INTERNAL, "transactionId collision");
		goto free_session;
	}
	goto out;

free_session:
	free(s);
out:
	free(challenge);
	free(info1);
	return st;
}
