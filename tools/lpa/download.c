// SPDX-License-Identifier: Apache-2.0
/* One ES9+ download driven through an eUICC reached by ES10 commands, the way lpac does it. */
#include "download.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <openssl/sha.h>

#include "b64.h" /* appliance/rsp */
#include "der.h"
#include "notify.h"

#define TID_MAX 16

/* Everything one download holds between steps; freed in one place. */
struct flow {
	struct es10_chip *chip;
	struct es9_client *c;
	const struct lpa_download_opts *o;
	uint8_t tid[TID_MAX];
	size_t tid_len;
	char tid_hex[2 * TID_MAX + 1];
	json_t *resp;
	struct es9_status st;      /* what the SM-DP+ said to the last call */
	bool cancellable;          /* authenticateClient succeeded, no end told to the SM-DP+ yet */
	uint8_t *der[32];          /* every decoded or built DER buffer of the flow */
	unsigned n_der;
};

static void log_step(const struct flow *f, const char *fmt, const char *arg)
{
	if (f->o->verbose) {
		fprintf(stderr, "lpa: ");
		fprintf(stderr, fmt, arg);
		fputc('\n', stderr);
	}
}

/* Keep a malloc'd buffer until the flow ends. */
static uint8_t *keep(struct flow *f, uint8_t *p)
{
	if (f->n_der == sizeof(f->der) / sizeof(f->der[0])) {
		free(p);
		return NULL;
	}
	f->der[f->n_der++] = p;
	return p;
}

static void flow_free(struct flow *f)
{
	json_decref(f->resp);
	for (unsigned i = 0; i < f->n_der; i++)
		free(f->der[i]);
}

/* A base64 DER field of the SM-DP+'s answer that must be exactly one TLV of @tag. */
static int answer_tlv(struct flow *f, const char *name, uint32_t tag, struct der_tlv *out)
{
	json_t *v = json_object_get(f->resp, name);
	uint8_t *der;
	ssize_t len;

	if (!json_is_string(v) ||
	    (len = rsp_b64_decode(json_string_value(v), json_string_length(v), &der)) < 0) {
		fprintf(stderr, "portdp-lpa: answer field %s missing or not base64\n", name);
		return -EBADMSG;
	}
	if (!keep(f, der) || der_parse_exact(der, (size_t)len, out) || out->tag != tag) {
		fprintf(stderr, "portdp-lpa: answer field %s is no %X TLV\n", name, (unsigned)tag);
		return -EBADMSG;
	}
	return 0;
}

static enum lpa_result smdp_failed(const char *fn, int ret, const struct es9_status *st)
{
	char buf[400];

	fprintf(stderr, "portdp-lpa: %s: %s\n", fn, es9_status_str(st, buf, sizeof(buf)));
	return ret == -EPROTO ? LPA_E_SMDP_REFUSED : LPA_E_NETWORK;
}

/*
 * POST one function; on success f->resp holds the answer. With --replay of
 * this function the same request goes out a second time and what the SM-DP+
 * says to the replay is reported (the first answer is kept).
 */
static enum lpa_result call(struct flow *f, const char *fn, json_t *req)
{
	struct es9_status st = { 0 };
	json_t *again = NULL;
	int ret;

	json_decref(f->resp);
	f->resp = NULL;
	log_step(f, "-> %s", fn);
	ret = es9_call(f->c, fn, req, &f->resp, &st);
	f->st = st;
	if (ret) {
		json_decref(req);
		return smdp_failed(fn, ret, &st);
	}
	if (f->o->replay && !strcmp(f->o->replay, fn)) {
		char buf[400];

		ret = es9_call(f->c, fn, req, &again, &st);
		json_decref(again);
		printf("replay %s: %s\n", fn, es9_status_str(&st, buf, sizeof(buf)));
	}
	json_decref(req);
	if (f->o->stop_after && !strcmp(f->o->stop_after, fn)) {
		printf("stopped after %s\n", fn);
		return LPA_STOPPED;
	}
	return LPA_OK;
}

/*
 * The download stops here: cancel it on both sides while the SM-DP+ holds a
 * profile for it. @r is the step's result, kept unless the user declined.
 */
static enum lpa_result stop(struct flow *f, enum lpa_result r, enum lpa_cancel_reason why)
{
	int ret;

	if (!f->cancellable || r == LPA_STOPPED)
		return r;
	f->cancellable = false;
	ret = lpa_cancel_session(f->chip, f->c, f->tid, f->tid_len, why, f->o->spoil_cancel);
	if (r != LPA_CANCELLED)
		return r;
	if (ret == -EPROTO)
		return LPA_E_SMDP_REFUSED;
	return ret == -EIO ? LPA_E_NETWORK : ret ? LPA_E_LOCAL : LPA_CANCELLED;
}

/* The SM-DP+ refused the confirmation code the user entered: it is the user's stop. */
static bool cc_refused(const struct es9_status *st)
{
	return !strcmp(st->subject_code, "8.2.7");
}

static int tid_from_hex(struct flow *f, const char *hex)
{
	size_t n = hex ? strlen(hex) : 0;

	if (n < 2 || n > 2 * TID_MAX || n % 2)
		return -EBADMSG;
	for (size_t i = 0; i < n / 2; i++) {
		unsigned v;

		if (sscanf(hex + 2 * i, "%2x", &v) != 1 || !strchr("0123456789abcdefABCDEF",
								     hex[2 * i + 1]))
			return -EBADMSG;
		f->tid[i] = (uint8_t)v;
	}
	f->tid_len = n / 2;
	for (size_t i = 0; i < f->tid_len; i++)
		sprintf(f->tid_hex + 2 * i, "%02X", f->tid[i]);
	return 0;
}

/* The answer must name the same transaction (SGP.22: LPA checks it). */
static int check_answer_tid(struct flow *f)
{
	json_t *v = json_object_get(f->resp, "transactionId");

	if (!json_is_string(v) || strcasecmp(json_string_value(v), f->tid_hex)) {
		fprintf(stderr, "portdp-lpa: answer is about another transactionId\n");
		return -EBADMSG;
	}
	return 0;
}

static char *b64_of(struct flow *f, uint8_t *der, size_t len)
{
	char *s;

	keep(f, der);
	rsp_b64_encode(der, len, &s); /* NULL when it fails */
	return s;
}

/* A failed ES10 exchange: the chip is gone (pulled, link lost) or it refused. */
static enum lpa_result chip_failed(struct flow *f, int ret)
{
	(void)f;
	return ret == -EIO ? LPA_E_CHIP_GONE : LPA_E_EUICC_REFUSED;
}

/* Tests: a station that stops right after an ES10 step (the card pulled next). */
static bool es10_stop(struct flow *f, const char *step)
{
	if (!f->o->stop_after_es10 || strcmp(f->o->stop_after_es10, step))
		return false;
	printf("stopped after %s\n", step);
	return true;
}

/* errorCode of an AuthenticateServer / PrepareDownload answer ([1] { tid, code }), 0: ok. */
static int answer_error(const uint8_t *resp, size_t len)
{
	struct der_tlv top, e1, t;
	struct der_iter it;
	uint64_t v = 127;

	if (der_parse_exact(resp, len, &top))
		return 127;
	if (der_find(&top, 0xA1, &e1))
		return der_find(&top, 0xA0, &e1) ? 127 : 0;
	der_iter_init(&it, &e1);
	while (der_iter_next(&it, &t) == 1)
		if (t.tag == DER_INTEGER)
			der_get_uint(&t, 255, &v);
	return v ? (int)v : 127;
}

/*
 * The outcome in a ProfileInstallationResult: 0 and the ICCID (from its
 * notificationMetadata) when installed, else errorReason and bppCommandId.
 */
static int pir_result(const uint8_t *pir, size_t len, int *cmd, char iccid[21])
{
	struct der_tlv top, data, res, e1, t;
	uint64_t v = 127;

	*cmd = 0;
	iccid[0] = '\0';
	if (der_parse_exact(pir, len, &top) || der_find(&top, 0xBF27, &data) ||
	    der_find(&data, 0xA2, &res))
		return 127;
	if (!der_find(&res, 0xA0, &e1)) {
		if (der_find(&data, 0xBF2F, &t) || der_find(&t, 0x5A, &t) || t.len != 10 ||
		    es10_iccid_from_bcd(t.val, iccid))
			return 127;
		return 0;
	}
	if (der_find(&res, 0xA1, &e1))
		return 127;
	if (!der_find(&e1, 0x80, &t) && !der_get_uint(&t, 255, &v))
		*cmd = (int)v;
	v = 127;
	if (!der_find(&e1, 0x81, &t))
		der_get_uint(&t, 255, &v);
	return v ? (int)v : 127;
}

/* serverAddress (83) of serverSigned1 names @address's host (ports and case aside). */
static bool same_server(const struct der_tlv *signed1, const char *address)
{
	struct der_tlv a;
	size_t hl = strcspn(address, ":"), al;

	if (der_find(signed1, 0x83, &a))
		return false;
	al = a.len;
	for (size_t i = 0; i < a.len; i++)
		if (a.val[i] == ':') {
			al = i;
			break;
		}
	return al == hl && !strncasecmp((const char *)a.val, address, hl);
}

static enum lpa_result initiate_authentication(struct flow *f)
{
	uint8_t challenge[16], *info1;
	size_t info1_len;
	char *ch64, *info64;
	json_t *req;
	int ret = es10_get_challenge(f->chip, challenge);

	if (!ret)
		ret = es10_get_info1(f->chip, &info1, &info1_len);
	if (ret) {
		fprintf(stderr, "portdp-lpa: eUICC: %s\n", f->chip->err);
		return chip_failed(f, ret);
	}
	rsp_b64_encode(challenge, sizeof(challenge), &ch64);
	info64 = b64_of(f, info1, info1_len);
	req = json_pack("{s:s, s:s, s:s}", "smdpAddress", f->o->ac.smdp_address,
			"euiccChallenge", ch64 ? ch64 : "", "euiccInfo1", info64 ? info64 : "");
	free(ch64);
	free(info64);
	if (!req)
		return LPA_E_LOCAL;
	return call(f, "initiateAuthentication", req);
}

/* deviceInfo of a generic LTE handset: TAC, GSM and E-UTRAN release 15. */
static void put_ctx_params1(struct der_buf *b, const char *matching_id)
{
	static const uint8_t tac[8] = { 0x35, 0x29, 0x06, 0x11, 0, 0, 0, 0 };
	static const uint8_t rel15[3] = { 15, 0, 0 };

	der_begin(b, 0xA0);
	if (matching_id && *matching_id)
		der_put(b, 0x80, matching_id, strlen(matching_id));
	der_begin(b, 0xA1);
	der_put(b, 0x80, tac, sizeof(tac));
	der_begin(b, 0xA1);
	der_put(b, 0x80, rel15, 3);
	der_put(b, 0x85, rel15, 3);
	der_end(b);
	der_end(b);
	der_end(b);
}

static enum lpa_result authenticate(struct flow *f)
{
	struct der_tlv signed1, sig1, pkid, cert;
	uint8_t *req_der, *resp;
	size_t req_len, resp_len;
	struct der_buf b;
	int sgp_err, ret;
	char *resp64;
	json_t *req;

	if (tid_from_hex(f, json_string_value(json_object_get(f->resp, "transactionId"))) ||
	    answer_tlv(f, "serverSigned1", DER_SEQUENCE, &signed1) ||
	    answer_tlv(f, "serverSignature1", 0x5F37, &sig1) ||
	    answer_tlv(f, "euiccCiPKIdToBeUsed", DER_OCTET_STRING, &pkid) ||
	    answer_tlv(f, "serverCertificate", DER_SEQUENCE, &cert))
		return LPA_E_NETWORK;
	log_step(f, "transactionId %s", f->tid_hex);
	der_buf_init(&b);
	der_begin(&b, 0xBF38);
	der_put_raw(&b, signed1.raw, signed1.raw_len);
	der_put_raw(&b, sig1.raw, sig1.raw_len);
	der_put_raw(&b, pkid.raw, pkid.raw_len);
	der_put_raw(&b, cert.raw, cert.raw_len);
	put_ctx_params1(&b, f->o->ac.matching_id);
	der_end(&b);
	if (der_buf_take(&b, &req_der, &req_len))
		return LPA_E_LOCAL;
	keep(f, req_der);
	/* SGP.22: the LPA (not the eUICC) checks serverAddress is the SM-DP+ it asked. */
	if (!same_server(&signed1, f->o->ac.smdp_address)) {
		fprintf(stderr, "portdp-lpa: serverSigned1 names another SM-DP+ than %s\n",
			f->o->ac.smdp_address);
		return LPA_E_NETWORK;
	}
	ret = es10_call_tlv(f->chip, req_der, req_len, 0xBF38, &resp, &resp_len);
	sgp_err = ret ? 0 : answer_error(resp, resp_len);
	if (ret || sgp_err) {
		if (!ret)
			free(resp);
		fprintf(stderr, "portdp-lpa: eUICC AuthenticateServer: error %d: %s\n", sgp_err,
			f->chip->err);
		return ret ? chip_failed(f, ret) : LPA_E_EUICC_REFUSED;
	}
	if (es10_stop(f, "AuthenticateServer")) {
		free(resp);
		return LPA_STOPPED;
	}
	resp64 = b64_of(f, resp, resp_len);
	req = json_pack("{s:s, s:s}", "transactionId", f->tid_hex, "authenticateServerResponse",
			resp64 ? resp64 : "");
	free(resp64);
	if (!req)
		return LPA_E_LOCAL;
	ret = call(f, "authenticateClient", req);
	f->cancellable = ret == LPA_OK;
	if (ret == LPA_OK && f->o->tid_out)
		snprintf(f->o->tid_out, 2 * TID_MAX + 1, "%s", f->tid_hex);
	return (enum lpa_result)ret;
}

/* hashCc = SHA256(SHA256(CC) || transactionId) (SGP.22 3.1.3.4, what the SM-DP+ checks). */
static void hash_cc(const struct flow *f, const char *cc, uint8_t out[32])
{
	uint8_t inner[32 + TID_MAX];

	SHA256((const uint8_t *)cc, strlen(cc), inner);
	memcpy(inner + 32, f->tid, f->tid_len);
	SHA256(inner, 32 + f->tid_len, out);
}

static enum lpa_result prepare_download(struct flow *f)
{
	struct der_tlv metadata, signed2, sig2, cert, flag;
	uint8_t *req_der, *resp, hcc[32];
	size_t req_len, resp_len;
	bool cc_required;
	struct der_buf b;
	struct der_iter it;
	int sgp_err, ret;
	char *resp64;
	json_t *req;

	if (check_answer_tid(f) || answer_tlv(f, "profileMetadata", 0xBF25, &metadata) ||
	    answer_tlv(f, "smdpSigned2", DER_SEQUENCE, &signed2) ||
	    answer_tlv(f, "smdpSignature2", 0x5F37, &sig2) ||
	    answer_tlv(f, "smdpCertificate", DER_SEQUENCE, &cert))
		return stop(f, LPA_E_NETWORK, LPA_CANCEL_UNDEFINED_REASON);
	der_iter_init(&it, &signed2);
	if (der_expect(&it, 0x80, &flag) || der_expect(&it, DER_BOOLEAN, &flag) ||
	    der_get_bool(&flag, &cc_required)) {
		fprintf(stderr, "portdp-lpa: smdpSigned2 malformed\n");
		return stop(f, LPA_E_NETWORK, LPA_CANCEL_UNDEFINED_REASON);
	}
	/* The confirmation step (SGP.22 3.1.3.2): the user may decline the profile. */
	if (f->o->reject) {
		printf("download declined by the user\n");
		return stop(f, LPA_CANCELLED, LPA_CANCEL_END_USER_REJECTION);
	}
	/* No code entered: the user did not confirm, which is a rejection too. */
	if (cc_required && !f->o->confirmation_code) {
		fprintf(stderr, "portdp-lpa: the SM-DP+ asks for a confirmation code (--cc)\n");
		return stop(f, LPA_E_LOCAL, LPA_CANCEL_END_USER_REJECTION);
	}
	der_buf_init(&b);
	der_begin(&b, 0xBF21);
	der_put_raw(&b, signed2.raw, signed2.raw_len);
	der_put_raw(&b, sig2.raw, sig2.raw_len);
	if (cc_required) {
		hash_cc(f, f->o->confirmation_code, hcc);
		der_put(&b, DER_OCTET_STRING, hcc, sizeof(hcc));
	}
	der_put_raw(&b, cert.raw, cert.raw_len);
	der_end(&b);
	if (der_buf_take(&b, &req_der, &req_len))
		return LPA_E_LOCAL;
	keep(f, req_der);
	ret = es10_call_tlv(f->chip, req_der, req_len, 0xBF21, &resp, &resp_len);
	if (ret) {
		fprintf(stderr, "portdp-lpa: eUICC PrepareDownload: %s\n", f->chip->err);
		return stop(f, chip_failed(f, ret), LPA_CANCEL_UNDEFINED_REASON);
	}
	sgp_err = answer_error(resp, resp_len);
	if (sgp_err) {
		fprintf(stderr, "portdp-lpa: eUICC PrepareDownload: error %d\n", sgp_err);
		f->cancellable = false; /* the error answer below ends the session at the SM-DP+ */
	}
	if (es10_stop(f, "PrepareDownload")) {
		free(resp);
		return LPA_STOPPED;
	}
	/* An error answer goes to the SM-DP+ too: it ends the session there (SGP.22 3.1.3.2). */
	resp64 = b64_of(f, resp, resp_len);
	req = json_pack("{s:s, s:s}", "transactionId", f->tid_hex, "prepareDownloadResponse",
			resp64 ? resp64 : "");
	free(resp64);
	if (!req)
		return LPA_E_LOCAL;
	ret = call(f, "getBoundProfilePackage", req);
	if (ret != LPA_OK && ret != LPA_STOPPED)
		return stop(f, (enum lpa_result)ret, cc_refused(&f->st) ?
			    LPA_CANCEL_END_USER_REJECTION : LPA_CANCEL_UNDEFINED_REASON);
	return sgp_err && ret == LPA_OK ? LPA_E_EUICC_REFUSED : (enum lpa_result)ret;
}

static enum lpa_result send_pir(struct flow *f, const uint8_t *pir, size_t len)
{
	json_t *req = lpa_notification_request(pir, len);

	if (!req)
		return LPA_E_LOCAL;
	return call(f, "handleNotification", req);
}

static enum lpa_result load_and_notify(struct flow *f, char iccid[21])
{
	struct der_tlv bpp;
	uint8_t *pir;
	size_t pir_len;
	int sgp_err, cmd, ret;
	long seq = 0;
	struct der_tlv t;
	enum lpa_result r;

	if (check_answer_tid(f))
		return stop(f, LPA_E_NETWORK, LPA_CANCEL_UNDEFINED_REASON);
	/* A BPP the eUICC cannot even be given. */
	if (answer_tlv(f, "boundProfilePackage", 0xBF36, &bpp))
		return stop(f, LPA_E_NETWORK, LPA_CANCEL_LOAD_BPP_EXECUTION_ERROR);
	/* From here the eUICC's PIR (or its loss) tells the SM-DP+. */
	f->cancellable = false;
	ret = es10_load_bpp(f->chip, bpp.raw, bpp.raw_len, &pir, &pir_len);
	if (ret) {
		fprintf(stderr, "portdp-lpa: eUICC LoadBoundProfilePackage: %s\n", f->chip->err);
		return chip_failed(f, ret);
	}
	keep(f, pir);
	sgp_err = pir_result(pir, pir_len, &cmd, iccid);
	if (sgp_err)
		fprintf(stderr, "portdp-lpa: eUICC LoadBoundProfilePackage: bppCommandId %d "
			"errorReason %d\n", cmd, sgp_err);
	else
		log_step(f, "profile %s installed", iccid);
	/* seqNumber of the PIR: BF37 { BF27 { 80 tid, BF2F { 80 seq ... */
	if (!der_parse_exact(pir, pir_len, &t) && !der_find(&t, 0xBF27, &t) &&
	    !der_find(&t, 0xBF2F, &t) && !der_find(&t, 0x80, &t)) {
		uint64_t v;

		if (!der_get_uint(&t, 0x7fffffff, &v))
			seq = (long)v;
	}
	/* A device that lost its link here: the eUICC keeps the PIR for `portdp-lpa notify`. */
	if (f->o->hold_notification) {
		printf("notification %ld (ProfileInstallationResult) held pending on the eUICC\n",
		       seq);
		return sgp_err ? LPA_E_EUICC_REFUSED : LPA_OK;
	}
	r = send_pir(f, pir, pir_len);
	if (r == LPA_OK && seq) {
		int result;

		es10_remove_notification(f->chip, seq, &result);
	}
	if (r == LPA_STOPPED)
		return r;
	return sgp_err ? LPA_E_EUICC_REFUSED : r;
}

enum lpa_result lpa_download(struct es10_chip *chip, struct es9_client *c,
			     const struct lpa_download_opts *o, char iccid[21])
{
	struct flow f = { .chip = chip, .c = c, .o = o };
	enum lpa_result r;

	iccid[0] = '\0';
	if (o->tid_out)
		o->tid_out[0] = '\0';
#define STEP(s) do { if (o->step_out && r == LPA_OK) *o->step_out = (s); } while (0)
	r = LPA_OK;
	STEP("authenticate");
	r = initiate_authentication(&f);
	if (r == LPA_OK)
		r = authenticate(&f);
	STEP("prepare");
	if (r == LPA_OK)
		r = prepare_download(&f);
	STEP("load");
	if (r == LPA_OK)
		r = load_and_notify(&f, iccid);
#undef STEP
	flow_free(&f);
	return r;
}
