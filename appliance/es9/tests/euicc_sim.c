// SPDX-License-Identifier: Apache-2.0
/*
 * Software eUICC + LPA for the ES9+ tests (see euicc_sim.h). Messages come
 * from the shared SGP.22 codecs (appliance/rsp); signatures go through the
 * soft backend; the one-time ECDH key of the eUICC uses OpenSSL directly,
 * because a real eUICC, not the SM-DP+, holds it.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>
#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/params.h>
#include <openssl/sha.h>

#include <portdp/cert.h>
#include <portdp/scp03t.h>

#include "../../rsp/bpp.h"
#include "../../rsp/sgp22.h"
#include "../../rsp/b64.h"
#include "codec.h"
#include "euicc_sim.h"

static int read_file(const char *path, uint8_t **buf, size_t *len)
{
	FILE *f = fopen(path, "rb");
	long n;

	if (!f)
		return -errno;
	fseek(f, 0, SEEK_END);
	n = ftell(f);
	rewind(f);
	*buf = malloc((size_t)n + 1);
	if (!*buf || fread(*buf, 1, (size_t)n, f) != (size_t)n) {
		fclose(f);
		free(*buf);
		return -EIO;
	}
	fclose(f);
	*len = (size_t)n;
	return 0;
}

static int cert_pub(const char *path, uint8_t pub[PDP_PUBKEY_LEN], enum pdp_curve *curve)
{
	struct pdp_cert *c;
	int ret;

	if (pdp_cert_load(path, &c))
		return -EINVAL;
	ret = pdp_cert_public_key(c, pub, curve) ? -EINVAL : 0;
	pdp_cert_free(c);
	return ret;
}

int sim_init(struct sim *s, const char *shared, const char *euicc_cert, const char *eum_cert,
	     const char *euicc_key, const char *address)
{
	char path[512], uri[600];
	struct pdp_cert *c;
	enum pdp_curve curve;

	memset(s, 0, sizeof(*s));
	snprintf(s->address, sizeof(s->address), "%s", address);
	if (pdp_accel_open("soft:", &s->accel))
		return -EIO;
	snprintf(uri, sizeof(uri), "file:%s", euicc_key);
	if (pdp_key_load(s->accel, uri, &s->key))
		return -ENOENT;
	if (read_file(euicc_cert, &s->euicc_cert, &s->euicc_cert_len) ||
	    read_file(eum_cert, &s->eum_cert, &s->eum_cert_len))
		return -ENOENT;
	if (pdp_cert_parse(s->euicc_cert, s->euicc_cert_len, &c))
		return -EINVAL;
	if (pdp_cert_eid(c, s->eid)) {
		pdp_cert_free(c);
		return -EINVAL;
	}
	pdp_cert_free(c);
	if (pdp_cert_parse(s->eum_cert, s->eum_cert_len, &c))
		return -EINVAL;
	if (pdp_cert_aki(c, s->eum_ci, &s->eum_ci_len)) {
		pdp_cert_free(c);
		return -EINVAL;
	}
	pdp_cert_free(c);

	snprintf(path, sizeof(path), "%s/testdata/sgp26/dpauth/CERT_S_SM_DPauth_ECDSA_NIST.der",
		 shared);
	if (cert_pub(path, s->dpauth_pub, &curve))
		return -EINVAL;
	if (pdp_cert_load(path, &c))
		return -EINVAL;
	if (pdp_cert_aki(c, s->dp_ci, &s->dp_ci_len)) {
		pdp_cert_free(c);
		return -EINVAL;
	}
	pdp_cert_free(c);
	snprintf(path, sizeof(path), "%s/testdata/sgp26/dppb/CERT_S_SM_DPpb_ECDSA_NIST.der",
		 shared);
	return cert_pub(path, s->dppb_pub, &s->dp_curve);
}

void sim_free(struct sim *s)
{
	pdp_key_free(s->key);
	pdp_accel_close(s->accel);
	free(s->euicc_cert);
	free(s->eum_cert);
	EVP_PKEY_free(s->otsk);
	free(s->upp);
	memset(s, 0, sizeof(*s));
}

/* ---- JSON helpers ------------------------------------------------------ */

static int put_b64(json_t *o, const char *name, const uint8_t *buf, size_t len)
{
	char *str;

	if (rsp_b64_encode(buf, len, &str) < 0)
		return -ENOMEM;
	json_object_set_new(o, name, json_string(str));
	free(str);
	return 0;
}

static char *dump(json_t *o)
{
	char *str = json_dumps(o, JSON_COMPACT);

	json_decref(o);
	return str;
}

/* A field of an answer, base64-decoded (malloc'd), or NULL. */
static uint8_t *get_b64(json_t *root, const char *name, size_t *len)
{
	const char *str = json_string_value(json_object_get(root, name));
	uint8_t *buf;
	ssize_t n;

	if (!str)
		return NULL;
	n = rsp_b64_decode(str, strlen(str), &buf);
	if (n <= 0) {
		free(buf);
		return NULL;
	}
	*len = (size_t)n;
	return buf;
}

static int answer_ok(json_t *root)
{
	const char *st = json_string_value(json_object_get(
	    json_object_get(json_object_get(root, "header"), "functionExecutionStatus"), "status"));

	return st && !strcmp(st, "Executed-Success");
}

static int sign_do(struct sim *s, const uint8_t *msg, size_t len, uint8_t out[3 + PDP_SIG_LEN])
{
	out[0] = 0x5F;
	out[1] = 0x37;
	out[2] = PDP_SIG_LEN;
	return pdp_sign(s->accel, s->key, msg, len, out + 3);
}

static int check_sig(struct sim *s, const uint8_t *pub, const uint8_t *msg, size_t len,
		     const uint8_t *sig)
{
	return pdp_verify(s->accel, s->dp_curve, pub, msg, len, sig);
}

/* ---- InitiateAuthentication ------------------------------------------------ */

char *sim_initiate(struct sim *s)
{
	struct sgp22_euicc_info1 info;
	struct der_buf b;
	json_t *o;

	memset(&info, 0, sizeof(info));
	info.svn[0] = 2;
	info.svn[1] = 2;
	info.svn[2] = 2;
	if (s->faults & SIM_OLD_SVN)
		info.svn[0] = 1;
	info.ci_verify.n = 1;
	info.ci_verify.id[0].p = (s->faults & SIM_NO_DP_CI) ? s->eum_ci : s->dp_ci;
	info.ci_verify.id[0].len = (s->faults & SIM_NO_DP_CI) ? s->eum_ci_len : s->dp_ci_len;
	info.ci_sign.n = 1;
	info.ci_sign.id[0].p = (s->faults & SIM_CLAIM_DP_CI) ? s->dp_ci : s->eum_ci;
	info.ci_sign.id[0].len = (s->faults & SIM_CLAIM_DP_CI) ? s->dp_ci_len : s->eum_ci_len;
	if (pdp_random(s->accel, s->euicc_challenge, sizeof(s->euicc_challenge)))
		return NULL;
	der_buf_init(&b);
	if (sgp22_encode_euicc_info1(&b, &info) || der_buf_error(&b)) {
		der_buf_free(&b);
		return NULL;
	}
	o = json_object();
	put_b64(o, "euiccChallenge", s->euicc_challenge, sizeof(s->euicc_challenge));
	put_b64(o, "euiccInfo1", b.data, b.len);
	json_object_set_new(o, "smdpAddress", json_string(s->address));
	der_buf_free(&b);
	return dump(o);
}

/* ---- AuthenticateServer (ES10b) + AuthenticateClient ---------------------- */

static const uint8_t ext_card_resource[] = {0x81, 0x01, 0x00, 0x82, 0x04, 0x00, 0x04,
					    0x00, 0x00, 0x83, 0x02, 0x22, 0x00};
static const uint8_t uicc_capability[] = {0x06, 0x7f, 0x36, 0xc0};
static const uint8_t rsp_capability[] = {0x06, 0x40};
static const uint8_t device_capabilities[] = {0x80, 0x03, 0x0d, 0x00, 0x00};

/* Check the SM-DP+'s InitiateAuthentication answer as the LPA and eUICC would. */
static int take_server_signed1(struct sim *s, json_t *root)
{
	struct sgp22_server_signed1 ss1;
	uint8_t *ss1_der = NULL, *sig = NULL;
	size_t ss1_len, sig_len;
	const char *tid;
	int ret = -EBADMSG;

	tid = json_string_value(json_object_get(root, "transactionId"));
	ss1_der = get_b64(root, "serverSigned1", &ss1_len);
	sig = get_b64(root, "serverSignature1", &sig_len);
	if (!tid || !ss1_der || !sig || sig_len != 3 + PDP_SIG_LEN || sig[0] != 0x5F)
		goto out;
	if (sgp22_decode_server_signed1(ss1_der, ss1_len, &ss1))
		goto out;
	if (memcmp(ss1.euicc_challenge, s->euicc_challenge, 16) ||
	    ss1.server_address.len >= sizeof(s->server_address))
		goto out;
	if (check_sig(s, s->dpauth_pub, ss1_der, ss1_len, sig + 3))
		goto out;
	s->tid_len = ss1.transaction_id.len;
	memcpy(s->tid, ss1.transaction_id.p, s->tid_len);
	es9_hex_encode(s->tid, s->tid_len, s->tid_hex);
	if (strcmp(s->tid_hex, tid))
		goto out;
	memcpy(s->server_challenge, ss1.server_challenge, 16);
	memcpy(s->server_address, ss1.server_address.p, ss1.server_address.len);
	s->server_address[ss1.server_address.len] = '\0';
	ret = 0;
out:
	free(ss1_der);
	free(sig);
	return ret;
}

char *sim_authenticate(struct sim *s, const char *init_answer, const char *matching_id)
{
	struct sgp22_auth_server_resp r;
	struct sgp22_euicc_signed1 *e1 = &r.euicc_signed1;
	struct sgp22_euicc_info2 *i2 = &e1->euicc_info2;
	struct der_buf b1, b;
	uint8_t other[16];
	json_t *root, *o;
	char *out = NULL;

	root = json_loads(init_answer, 0, NULL);
	if (!root || !answer_ok(root) || take_server_signed1(s, root)) {
		json_decref(root);
		return NULL;
	}
	json_decref(root);

	memset(&r, 0, sizeof(r));
	r.ok = true;
	e1->transaction_id.p = s->tid;
	e1->transaction_id.len = s->tid_len;
	if (s->faults & SIM_BAD_SIGNED_TID) {
		memcpy(other, s->tid, 16);
		other[0] ^= 1;
		e1->transaction_id.p = other;
	}
	e1->server_address.p = (const uint8_t *)s->server_address;
	e1->server_address.len = strlen(s->server_address);
	if (s->faults & SIM_BAD_ADDRESS) {
		e1->server_address.p = (const uint8_t *)"evil.example.com";
		e1->server_address.len = strlen("evil.example.com");
	}
	memcpy(e1->server_challenge, s->server_challenge, 16);
	if (s->faults & SIM_BAD_CHALLENGE)
		e1->server_challenge[3] ^= 0x40;
	i2->profile_version[0] = 2;
	i2->profile_version[1] = 3;
	i2->profile_version[2] = 1;
	i2->svn[0] = 2;
	i2->svn[1] = 2;
	i2->svn[2] = 2;
	i2->firmware_version[0] = 1;
	i2->ext_card_resource.p = ext_card_resource;
	i2->ext_card_resource.len = sizeof(ext_card_resource);
	i2->uicc_capability.p = uicc_capability;
	i2->uicc_capability.len = sizeof(uicc_capability);
	i2->rsp_capability.p = rsp_capability;
	i2->rsp_capability.len = sizeof(rsp_capability);
	i2->ci_verify.n = 1;
	i2->ci_verify.id[0].p = s->dp_ci;
	i2->ci_verify.id[0].len = s->dp_ci_len;
	i2->ci_sign.n = 1;
	i2->ci_sign.id[0].p = s->eum_ci;
	i2->ci_sign.id[0].len = s->eum_ci_len;
	i2->euicc_category = -1;
	i2->pp_version[2] = 1;
	i2->sas_accreditation.p = (const uint8_t *)"GSMA-TEST";
	i2->sas_accreditation.len = 9;
	if (matching_id) {
		e1->ctx_params1.has_matching_id = true;
		e1->ctx_params1.matching_id.p = (const uint8_t *)matching_id;
		e1->ctx_params1.matching_id.len = strlen(matching_id);
	}
	memcpy(e1->ctx_params1.tac, "\x35\x29\x06\x11\x00\x00\x00\x00", 8);
	e1->ctx_params1.device_capabilities.p = device_capabilities;
	e1->ctx_params1.device_capabilities.len = sizeof(device_capabilities);

	der_buf_init(&b1);
	der_buf_init(&b);
	if (sgp22_encode_euicc_signed1(&b1, e1) || der_buf_error(&b1))
		goto out;
	if (sign_do(s, b1.data, b1.len, s->sig1_do))
		goto out;
	if (s->faults & SIM_BAD_SIG1)
		s->sig1_do[10] ^= 0x01;
	memcpy(r.euicc_signature1, s->sig1_do + 3, PDP_SIG_LEN);
	r.euicc_certificate.p = s->euicc_cert;
	r.euicc_certificate.len = s->euicc_cert_len;
	r.eum_certificate.p = s->eum_cert;
	r.eum_certificate.len = s->eum_cert_len;
	if (sgp22_encode_auth_server_resp(&b, &r) || der_buf_error(&b))
		goto out;
	o = json_object();
	json_object_set_new(o, "transactionId", json_string(s->tid_hex));
	put_b64(o, "authenticateServerResponse", b.data, b.len);
	out = dump(o);
out:
	der_buf_free(&b1);
	der_buf_free(&b);
	return out;
}

/* ---- PrepareDownload (ES10b) + GetBoundProfilePackage ---------------------- */

static int take_smdp_signed2(struct sim *s, json_t *root)
{
	struct sgp22_smdp_signed2 sd2;
	struct sgp22_store_metadata md;
	uint8_t *sd2_der = NULL, *sig = NULL, *md_der = NULL, *tbs = NULL;
	size_t sd2_len, sig_len, md_len;
	int ret = -EBADMSG;

	sd2_der = get_b64(root, "smdpSigned2", &sd2_len);
	sig = get_b64(root, "smdpSignature2", &sig_len);
	md_der = get_b64(root, "profileMetadata", &md_len);
	if (!sd2_der || !sig || !md_der || sig_len != 3 + PDP_SIG_LEN)
		goto out;
	if (sgp22_decode_smdp_signed2(sd2_der, sd2_len, &sd2) ||
	    sgp22_decode_store_metadata(md_der, md_len, &md))
		goto out;
	if (sd2.transaction_id.len != s->tid_len ||
	    memcmp(sd2.transaction_id.p, s->tid, s->tid_len))
		goto out;
	/* smdpSignature2 over smdpSigned2 || euiccSignature1 */
	tbs = malloc(sd2_len + sizeof(s->sig1_do));
	memcpy(tbs, sd2_der, sd2_len);
	memcpy(tbs + sd2_len, s->sig1_do, sizeof(s->sig1_do));
	if (check_sig(s, s->dppb_pub, tbs, sd2_len + sizeof(s->sig1_do), sig + 3))
		goto out;
	memcpy(s->sig2_do, sig, sizeof(s->sig2_do));
	s->cc_required = sd2.cc_required;
	if (sgp22_iccid_to_string(md.iccid, s->iccid))
		goto out;
	ret = 0;
out:
	free(tbs);
	free(sd2_der);
	free(sig);
	free(md_der);
	return ret;
}

static int new_otpk(struct sim *s)
{
	size_t len = 0;

	EVP_PKEY_free(s->otsk);
	s->otsk = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-256");
	if (!s->otsk)
		return -EIO;
	if (!EVP_PKEY_get_octet_string_param(s->otsk, OSSL_PKEY_PARAM_ENCODED_PUBLIC_KEY, s->otpk,
					     sizeof(s->otpk), &len) ||
	    len != PDP_PUBKEY_LEN)
		return -EIO;
	return 0;
}

static char *download_response(struct sim *s, const struct sgp22_prepare_download_resp *r)
{
	struct der_buf b;
	json_t *o;

	der_buf_init(&b);
	if (sgp22_encode_prepare_download_resp(&b, r) || der_buf_error(&b)) {
		der_buf_free(&b);
		return NULL;
	}
	o = json_object();
	json_object_set_new(o, "transactionId", json_string(s->tid_hex));
	put_b64(o, "prepareDownloadResponse", b.data, b.len);
	der_buf_free(&b);
	return dump(o);
}

char *sim_prepare_download(struct sim *s, const char *auth_answer, const char *cc)
{
	struct sgp22_prepare_download_resp r;
	struct sgp22_euicc_signed2 *e2 = &r.euicc_signed2;
	uint8_t sig2[3 + PDP_SIG_LEN], *tbs = NULL;
	struct der_buf b;
	json_t *root;
	char *out = NULL;

	root = json_loads(auth_answer, 0, NULL);
	if (!root || !answer_ok(root) || take_smdp_signed2(s, root)) {
		json_decref(root);
		return NULL;
	}
	json_decref(root);
	if (new_otpk(s))
		return NULL;

	memset(&r, 0, sizeof(r));
	r.ok = true;
	e2->transaction_id.p = s->tid;
	e2->transaction_id.len = s->tid_len;
	memcpy(e2->euicc_otpk, s->otpk, PDP_PUBKEY_LEN);
	if (cc && !(s->faults & SIM_NO_HASH_CC)) {
		uint8_t h[32 + 16];

		/* hashCc = SHA-256(SHA-256(CC) || transactionId) */
		SHA256((const uint8_t *)cc, strlen(cc), h);
		memcpy(h + 32, s->tid, s->tid_len);
		SHA256(h, 32 + s->tid_len, e2->hash_cc);
		e2->has_hash_cc = true;
	}
	der_buf_init(&b);
	if (sgp22_encode_euicc_signed2(&b, e2) || der_buf_error(&b))
		goto out;
	tbs = malloc(b.len + sizeof(s->sig2_do));
	memcpy(tbs, b.data, b.len);
	memcpy(tbs + b.len, s->sig2_do, sizeof(s->sig2_do));
	if (sign_do(s, tbs, b.len + sizeof(s->sig2_do), sig2))
		goto out;
	if (s->faults & SIM_BAD_SIG2)
		sig2[20] ^= 0x80;
	memcpy(r.euicc_signature2, sig2 + 3, PDP_SIG_LEN);
	out = download_response(s, &r);
out:
	free(tbs);
	der_buf_free(&b);
	return out;
}

char *sim_download_error(struct sim *s, unsigned code)
{
	struct sgp22_prepare_download_resp r;

	memset(&r, 0, sizeof(r));
	r.ok = false;
	r.error_transaction_id.p = s->tid;
	r.error_transaction_id.len = s->tid_len;
	r.error_code = code;
	return download_response(s, &r);
}

/* ---- Load the BPP --------------------------------------------------------- */

static int ecdh(struct sim *s, const uint8_t peer[PDP_PUBKEY_LEN], uint8_t z[32])
{
	OSSL_PARAM params[3];
	EVP_PKEY_CTX *ctx = NULL;
	EVP_PKEY *pk = NULL;
	size_t zlen = 32;
	int ret = -EIO;

	params[0] =
	    OSSL_PARAM_construct_utf8_string(OSSL_PKEY_PARAM_GROUP_NAME, (char *)"prime256v1", 0);
	params[1] = OSSL_PARAM_construct_octet_string(OSSL_PKEY_PARAM_PUB_KEY, (void *)peer,
						      PDP_PUBKEY_LEN);
	params[2] = OSSL_PARAM_construct_end();
	ctx = EVP_PKEY_CTX_new_from_name(NULL, "EC", NULL);
	if (!ctx || EVP_PKEY_fromdata_init(ctx) <= 0 ||
	    EVP_PKEY_fromdata(ctx, &pk, EVP_PKEY_PUBLIC_KEY, params) <= 0)
		goto out;
	EVP_PKEY_CTX_free(ctx);
	ctx = EVP_PKEY_CTX_new(s->otsk, NULL);
	if (!ctx || EVP_PKEY_derive_init(ctx) <= 0 || EVP_PKEY_derive_set_peer(ctx, pk) <= 0 ||
	    EVP_PKEY_derive(ctx, z, &zlen) <= 0 || zlen != 32)
		goto out;
	ret = 0;
out:
	EVP_PKEY_CTX_free(ctx);
	EVP_PKEY_free(pk);
	return ret;
}

int sim_load_bpp(struct sim *s, const char *bpp_answer)
{
	struct bpp_open_result res;
	struct bpp_open_error err;
	struct pdp_scp03t scp;
	struct der_tlv bf36, isc_tlv;
	struct der_iter it;
	struct sgp22_isc isc;
	struct der_buf tbs;
	uint8_t *bpp = NULL, z[32];
	size_t bpp_len;
	json_t *root;
	int ret = -EBADMSG;

	root = json_loads(bpp_answer, 0, NULL);
	if (!root || !answer_ok(root))
		goto out;
	bpp = get_b64(root, "boundProfilePackage", &bpp_len);
	if (!bpp || der_parse_exact(bpp, bpp_len, &bf36) || bf36.tag != SGP22_TAG_BPP)
		goto out;
	der_iter_init(&it, &bf36);
	if (der_iter_next(&it, &isc_tlv) != 1 ||
	    sgp22_decode_isc(isc_tlv.raw, isc_tlv.raw_len, &isc))
		goto out;
	/* smdpSign: the eUICC checks it with PK.DPpb before it agrees keys. */
	der_buf_init(&tbs);
	if (sgp22_isc_tbs(&tbs, &isc, s->otpk) || der_buf_error(&tbs) ||
	    check_sig(s, s->dppb_pub, tbs.data, tbs.len, isc.smdp_sign)) {
		der_buf_free(&tbs);
		ret = -EACCES;
		goto out;
	}
	der_buf_free(&tbs);
	if (isc.transaction_id.len != s->tid_len ||
	    memcmp(isc.transaction_id.p, s->tid, s->tid_len))
		goto out;
	if (ecdh(s, isc.smdp_otpk, z) ||
	    pdp_sgp22_derive(z, sizeof(z), isc.host_id.p, isc.host_id.len, s->eid, &scp)) {
		ret = -EIO;
		goto out;
	}
	ret = bpp_open(bpp, bpp_len, &scp, NULL, &res, &err);
	if (ret) {
		fprintf(stderr, "bpp_open: %d at %s\n", ret, err.what ? err.what : "?");
		goto out;
	}
	free(s->upp);
	s->upp = malloc(res.upp_len);
	memcpy(s->upp, res.upp, res.upp_len);
	s->upp_len = res.upp_len;
	free(res.mem);
out:
	json_decref(root);
	free(bpp);
	return ret;
}

/* ---- Notifications and cancellation ---------------------------------------- */

static char *pending_notification(const struct sgp22_pending_notification *n)
{
	struct der_buf b;
	json_t *o;

	der_buf_init(&b);
	if (sgp22_encode_pending_notification(&b, n) || der_buf_error(&b)) {
		der_buf_free(&b);
		return NULL;
	}
	o = json_object();
	put_b64(o, "pendingNotification", b.data, b.len);
	der_buf_free(&b);
	return dump(o);
}

static const uint8_t isdp_aid[] = {0xA0, 0x00, 0x00, 0x05, 0x59, 0x10, 0x10, 0xFF,
				   0xFF, 0xFF, 0xFF, 0x89, 0x00, 0x00, 0x11, 0x00};
static const uint8_t sima_ok[] = {0x30, 0x03, 0x80, 0x01, 0x00};

char *sim_installation_result(struct sim *s, int success)
{
	struct sgp22_pending_notification n;
	struct sgp22_pir *pir = &n.pir;
	uint8_t sig[3 + PDP_SIG_LEN];
	struct der_buf b;

	memset(&n, 0, sizeof(n));
	n.is_pir = true;
	pir->transaction_id.p = s->tid;
	pir->transaction_id.len = s->tid_len;
	pir->notification.seq_number = 1;
	pir->notification.operation = SGP22_NOTIFY_INSTALL;
	pir->notification.notification_address.p = (const uint8_t *)s->address;
	pir->notification.notification_address.len = strlen(s->address);
	pir->notification.has_iccid = true;
	if (sgp22_iccid_from_string(s->iccid, pir->notification.iccid))
		return NULL;
	pir->success = success;
	if (success) {
		pir->aid.p = isdp_aid;
		pir->aid.len = sizeof(isdp_aid);
		pir->sima_response.p = sima_ok;
		pir->sima_response.len = sizeof(sima_ok);
	} else {
		pir->bpp_command_id = SGP22_BPP_CMD_LOAD_PROFILE_ELEMENTS;
		pir->error_reason = SGP22_ERR_PE_PROCESSING_ERROR;
	}
	der_buf_init(&b);
	if (sgp22_encode_pir_data(&b, pir) || der_buf_error(&b) || sign_do(s, b.data, b.len, sig)) {
		der_buf_free(&b);
		return NULL;
	}
	der_buf_free(&b);
	if (s->faults & SIM_BAD_PIR_SIG)
		sig[30] ^= 0x04;
	memcpy(pir->signature, sig + 3, PDP_SIG_LEN);
	return pending_notification(&n);
}

char *sim_delete_notification(struct sim *s, const char *iccid)
{
	struct sgp22_pending_notification n;
	struct sgp22_other_notification *o = &n.other;
	uint8_t sig[3 + PDP_SIG_LEN];
	struct der_buf b;

	memset(&n, 0, sizeof(n));
	o->tbs.seq_number = 2;
	o->tbs.operation = SGP22_NOTIFY_DELETE;
	o->tbs.notification_address.p = (const uint8_t *)s->address;
	o->tbs.notification_address.len = strlen(s->address);
	o->tbs.has_iccid = true;
	if (sgp22_iccid_from_string(iccid, o->tbs.iccid))
		return NULL;
	der_buf_init(&b);
	if (sgp22_encode_notification_metadata(&b, &o->tbs) || der_buf_error(&b) ||
	    sign_do(s, b.data, b.len, sig)) {
		der_buf_free(&b);
		return NULL;
	}
	der_buf_free(&b);
	memcpy(o->signature, sig + 3, PDP_SIG_LEN);
	o->euicc_certificate.p = s->euicc_cert;
	o->euicc_certificate.len = s->euicc_cert_len;
	o->eum_certificate.p = s->eum_cert;
	o->eum_certificate.len = s->eum_cert_len;
	return pending_notification(&n);
}

/* The SGP.26 DPauth registeredID 2.999.10, as OID value bytes. */
static const uint8_t dp_oid[] = {0x88, 0x37, 0x0A};
static const uint8_t other_oid[] = {0x88, 0x37, 0x0B};

char *sim_cancel(struct sim *s, unsigned reason)
{
	struct sgp22_cancel_session_resp r;
	uint8_t sig[3 + PDP_SIG_LEN];
	struct der_buf b;
	json_t *o;

	memset(&r, 0, sizeof(r));
	r.ok = true;
	r.transaction_id.p = s->tid;
	r.transaction_id.len = s->tid_len;
	r.smdp_oid.p = (s->faults & SIM_BAD_CANCEL_OID) ? other_oid : dp_oid;
	r.smdp_oid.len = sizeof(dp_oid);
	r.reason = reason;
	der_buf_init(&b);
	if (sgp22_encode_cancel_session_signed(&b, &r) || der_buf_error(&b) ||
	    sign_do(s, b.data, b.len, sig))
		goto fail;
	if (s->faults & SIM_BAD_CANCEL_SIG)
		sig[40] ^= 0x10;
	memcpy(r.signature, sig + 3, PDP_SIG_LEN);
	der_buf_reset(&b);
	if (sgp22_encode_cancel_session_resp(&b, &r) || der_buf_error(&b))
		goto fail;
	o = json_object();
	json_object_set_new(o, "transactionId", json_string(s->tid_hex));
	put_b64(o, "cancelSessionResponse", b.data, b.len);
	der_buf_free(&b);
	return dump(o);
fail:
	der_buf_free(&b);
	return NULL;
}
