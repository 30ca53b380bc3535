// SPDX-License-Identifier: Apache-2.0
/*
 * The software eUICC against an SM-DP+ played here with the SGP.26 DPauth and
 * DPpb keys (signatures, key agreement and BSP sealing through
 * libportdp-accel, the DP side of the same API the appliance uses): the happy
 * path recovers a TS.48 UPP byte for byte; each tampered input is refused
 * with its SGP.22 error and leaves no profile behind.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include "der.h"
#include "es10.h"
#include "es10_card.h"
#include "es10_link.h"
#include "sgp22.h"
#include "soft_euicc.h"
#include "portdp/accel.h"
#include "portdp/cert.h"

#define ADDRESS "testsmdpplus1.example.com"

struct dp {
	char sgp26[512];
	struct pdp_accel *accel;
	struct pdp_key *auth_key, *pb_key;
	uint8_t *auth_cert, *pb_cert, *upp;
	size_t auth_cert_len, pb_cert_len, upp_len;
	uint8_t ci_keyid[PDP_KEYID_MAX];
	size_t ci_keyid_len;
	uint8_t iccid_bcd[10];
	char state[64];
	struct seuicc *e;
	/* through APDUs (es10_card + es10_link) when set */
	struct es10_chip *chip;
	/* per download */
	uint8_t tid[16];
	uint8_t sig1_tlv[67];
	uint8_t euicc_otpk[65];
};

static uint8_t *slurp(const char *path, size_t *len)
{
	FILE *fp = fopen(path, "rb");
	uint8_t *buf;
	long n;

	assert_non_null(fp);
	fseek(fp, 0, SEEK_END);
	n = ftell(fp);
	rewind(fp);
	buf = malloc((size_t)n);
	assert_int_equal(fread(buf, 1, (size_t)n, fp), (size_t)n);
	fclose(fp);
	*len = (size_t)n;
	return buf;
}

static void open_euicc_nvm(struct dp *d, bool in_memory)
{
	char ci[600], dir[600], err[300];
	struct seuicc_config c = { .identity_dir = dir, .state_dir = d->state, .n_ci = 1,
				   .nvm_in_memory = in_memory };

	snprintf(dir, sizeof(dir), "%s/euicc", d->sgp26);
	snprintf(ci, sizeof(ci), "%s/ci/CERT_GSMA_TEST_CI_2017.der", d->sgp26);
	c.ci_files[0] = ci;
	assert_int_equal(seuicc_open(&c, &d->e, err, sizeof(err)), 0);
}

static void open_euicc(struct dp *d)
{
	open_euicc_nvm(d, false);
}

static int setup(void **state)
{
	const char *shared = getenv("SHARED") ? getenv("SHARED") : ".";
	struct dp *d = calloc(1, sizeof(*d));
	char path[700], uri[700];
	struct pdp_cert *cert;
	struct der_tlv t, h;

	snprintf(d->sgp26, sizeof(d->sgp26), "%s/testdata/sgp26", shared);
	assert_int_equal(pdp_accel_open("soft:", &d->accel), 0);
	snprintf(uri, sizeof(uri), "file:%s/dpauth/SK_S_SM_DPauth_ECDSA_NIST.pem", d->sgp26);
	assert_int_equal(pdp_key_load(d->accel, uri, &d->auth_key), 0);
	snprintf(uri, sizeof(uri), "file:%s/dppb/SK_S_SM_DPpb_ECDSA_NIST.pem", d->sgp26);
	assert_int_equal(pdp_key_load(d->accel, uri, &d->pb_key), 0);
	snprintf(path, sizeof(path), "%s/dpauth/CERT_S_SM_DPauth_ECDSA_NIST.der", d->sgp26);
	d->auth_cert = slurp(path, &d->auth_cert_len);
	snprintf(path, sizeof(path), "%s/dppb/CERT_S_SM_DPpb_ECDSA_NIST.der", d->sgp26);
	d->pb_cert = slurp(path, &d->pb_cert_len);
	assert_int_equal(pdp_cert_parse(d->auth_cert, d->auth_cert_len, &cert), PDP_CERT_OK);
	assert_int_equal(pdp_cert_aki(cert, d->ci_keyid, &d->ci_keyid_len), PDP_CERT_OK);
	pdp_cert_free(cert);
	snprintf(path, sizeof(path), "%s/testdata/ts48/TS48V1-A-UNIQUE.der", shared);
	d->upp = slurp(path, &d->upp_len);
	/* ICCID from the ProfileHeader: A0 { .. 83 iccid .. } */
	assert_int_equal(der_parse_one(d->upp, d->upp_len, &h), 0);
	assert_int_equal(der_find(&h, 0x83, &t), 0);
	/* header: plain BCD; StoreMetadata: EFiccid coding, nibbles swapped */
	for (int i = 0; i < 10; i++)
		d->iccid_bcd[i] = (uint8_t)(t.val[i] << 4 | t.val[i] >> 4);
	snprintf(d->state, sizeof(d->state), "/tmp/seuicc-test-XXXXXX");
	assert_non_null(mkdtemp(d->state));
	open_euicc(d);
	*state = d;
	return 0;
}

static int teardown(void **state)
{
	struct dp *d = *state;
	char cmd[128];

	seuicc_close(d->e);
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", d->state);
	if (system(cmd))
		return -1;
	pdp_key_free(d->auth_key);
	pdp_key_free(d->pb_key);
	pdp_accel_close(d->accel);
	free(d->auth_cert);
	free(d->pb_cert);
	free(d->upp);
	free(d);
	return 0;
}

static void put_sig(struct dp *d, struct pdp_key *k, const uint8_t *msg, size_t len,
		    struct der_buf *b)
{
	uint8_t sig[PDP_SIG_LEN];

	assert_int_equal(pdp_sign(d->accel, k, msg, len, sig), 0);
	der_put(b, 0x5F37, sig, sizeof(sig));
}

/* AuthenticateServer with serverSigned1 optionally spoiled; returns the eUICC's error. */
/* errorCode of a BF38/BF21 answer ([1] { tid, code }), 0 for an ok answer. */
static int answer_err(const uint8_t *resp, size_t len)
{
	struct der_tlv top, e1, t;
	struct der_iter it;
	uint64_t v = 0;

	assert_int_equal(der_parse_exact(resp, len, &top), 0);
	if (der_find(&top, 0xA1, &e1))
		return 0;
	der_iter_init(&it, &e1);
	while (der_iter_next(&it, &t) == 1)
		if (t.tag == DER_INTEGER)
			assert_int_equal(der_get_uint(&t, 255, &v), 0);
	return (int)v;
}

/* ErrorReason (and BppCommandId) of a PIR, 0 when installed. */
static int pir_err(const uint8_t *pir, size_t len, int *cmd)
{
	struct der_tlv top, data, res, e1, t;
	uint64_t v;

	assert_int_equal(der_parse_exact(pir, len, &top), 0);
	assert_int_equal(der_find(&top, 0xBF27, &data), 0);
	assert_int_equal(der_find(&data, 0xA2, &res), 0);
	if (der_find(&res, 0xA1, &e1))
		return 0;
	assert_int_equal(der_find(&e1, 0x80, &t), 0);
	assert_int_equal(der_get_uint(&t, 255, &v), 0);
	*cmd = (int)v;
	assert_int_equal(der_find(&e1, 0x81, &t), 0);
	assert_int_equal(der_get_uint(&t, 255, &v), 0);
	return (int)v;
}

static int authenticate(struct dp *d, int spoil)
{
	uint8_t ch[16], *req, *resp;
	size_t req_len, resp_len, s1;
	struct der_buf b;
	struct der_tlv top, ok, signed1, sig1;
	struct der_iter it;
	int err;

	if (d->chip)
		assert_int_equal(es10_get_challenge(d->chip, ch), 0);
	else
		assert_int_equal(seuicc_get_challenge(d->e, ch), 0);
	assert_int_equal(pdp_random(d->accel, d->tid, sizeof(d->tid)), 0);
	if (spoil == 1)
		ch[0] ^= 1;
	der_buf_init(&b);
	der_begin(&b, 0xBF38);
	s1 = b.len;
	der_begin(&b, DER_SEQUENCE);
	der_put(&b, 0x80, d->tid, 16);
	der_put(&b, 0x81, ch, 16);
	der_put(&b, 0x83, ADDRESS, strlen(ADDRESS));
	der_put(&b, 0x84, d->tid, 16);
	der_end(&b);
	put_sig(d, d->auth_key, b.data + s1, b.len - s1, &b);
	if (spoil == 2)
		b.data[b.len - 1] ^= 1;
	der_put(&b, DER_OCTET_STRING, d->ci_keyid, d->ci_keyid_len);
	der_put_raw(&b, spoil == 3 ? d->pb_cert : d->auth_cert,
		    spoil == 3 ? d->pb_cert_len : d->auth_cert_len);
	der_begin(&b, 0xA0);
	der_put(&b, 0x80, "MID-1", 5);
	der_begin(&b, 0xA1);
	der_put(&b, 0x80, "\x35\x29\x06\x11\0\0\0\0", 8);
	der_begin(&b, 0xA1);
	der_end(&b);
	der_end(&b);
	der_end(&b);
	der_end(&b);
	assert_int_equal(der_buf_take(&b, &req, &req_len), 0);
	if (d->chip) {
		/* A card gets no address beside the request. */
		assert_int_equal(es10_call_tlv(d->chip, req, req_len, 0xBF38, &resp, &resp_len), 0);
		err = answer_err(resp, resp_len);
	} else {
		assert_int_equal(seuicc_authenticate_server(d->e, req, req_len, ADDRESS ":8443",
							    &resp, &resp_len, &err),
				 0);
	}
	if (!err) {
		struct pdp_cert *cert;
		uint8_t pub[PDP_PUBKEY_LEN];
		enum pdp_curve curve;
		size_t clen;
		const uint8_t *cder;

		assert_int_equal(der_parse_exact(resp, resp_len, &top), 0);
		assert_int_equal(der_find(&top, 0xA0, &ok), 0);
		der_iter_init(&it, &ok);
		assert_int_equal(der_expect(&it, DER_SEQUENCE, &signed1), 0);
		assert_int_equal(der_expect(&it, 0x5F37, &sig1), 0);
		assert_int_equal(sig1.raw_len, sizeof(d->sig1_tlv));
		memcpy(d->sig1_tlv, sig1.raw, sig1.raw_len);
		/* the eUICC's signature verifies with its certificate's key */
		cder = NULL;
		assert_int_equal(der_expect(&it, DER_SEQUENCE, &top), 0);
		cder = top.raw;
		clen = top.raw_len;
		assert_int_equal(pdp_cert_parse(cder, clen, &cert), PDP_CERT_OK);
		assert_int_equal(pdp_cert_public_key(cert, pub, &curve), PDP_CERT_OK);
		pdp_cert_free(cert);
		assert_int_equal(pdp_verify(d->accel, curve, pub, signed1.raw, signed1.raw_len,
					    sig1.val),
				 0);
	}
	free(req);
	free(resp);
	return err;
}

static int prepare(struct dp *d, int spoil)
{
	uint8_t *req, *resp, msg[200];
	size_t req_len, resp_len, s2;
	struct der_buf b;
	struct der_tlv top, ok, signed2, otpk;
	int err;

	der_buf_init(&b);
	der_begin(&b, 0xBF21);
	s2 = b.len;
	der_begin(&b, DER_SEQUENCE);
	der_put(&b, 0x80, d->tid, 16);
	der_put_bool(&b, DER_BOOLEAN, false);
	der_end(&b);
	memcpy(msg, b.data + s2, b.len - s2);
	memcpy(msg + (b.len - s2), d->sig1_tlv, sizeof(d->sig1_tlv));
	if (spoil == 1)
		msg[b.len - s2 + 10] ^= 1;
	put_sig(d, d->pb_key, msg, b.len - s2 + sizeof(d->sig1_tlv), &b);
	der_put_raw(&b, spoil == 2 ? d->auth_cert : d->pb_cert,
		    spoil == 2 ? d->auth_cert_len : d->pb_cert_len);
	der_end(&b);
	assert_int_equal(der_buf_take(&b, &req, &req_len), 0);
	if (d->chip) {
		assert_int_equal(es10_call_tlv(d->chip, req, req_len, 0xBF21, &resp, &resp_len), 0);
		err = answer_err(resp, resp_len);
	} else {
		assert_int_equal(seuicc_prepare_download(d->e, req, req_len, &resp, &resp_len, &err),
				 0);
	}
	if (!err) {
		assert_int_equal(der_parse_exact(resp, resp_len, &top), 0);
		assert_int_equal(der_find(&top, 0xA0, &ok), 0);
		assert_int_equal(der_find(&ok, DER_SEQUENCE, &signed2), 0);
		assert_int_equal(der_find(&signed2, 0x5F49, &otpk), 0);
		assert_int_equal(otpk.len, 65);
		memcpy(d->euicc_otpk, otpk.val, 65);
	}
	free(req);
	free(resp);
	return err;
}

enum bpp_spoil { BPP_OK, BPP_MAC, BPP_ICCID, BPP_ISC_SIG };

static void seal(struct dp *d, struct pdp_session *s, uint8_t tag, const uint8_t *in,
		 size_t len, struct der_buf *b)
{
	uint8_t seg[PDP_BSP_MAX_SEGMENT];
	size_t seg_len = sizeof(seg);

	assert_int_equal(pdp_bsp_seal(d->accel, s, tag, in, len, seg, &seg_len), 0);
	der_put_raw(b, seg, seg_len);
}

static uint8_t *make_bpp(struct dp *d, enum bpp_spoil spoil, size_t *len)
{
	static const uint8_t host_id[] = "PORTDP-TEST";
	static const uint8_t configure_isdp[] = { 0xBF, 0x24, 0x00 };
	uint8_t eid[16], ot_pub[65], msg[300], md[64], *out, rsk[PDP_BSP_MAX_SEGMENT];
	const char *eid_hex = seuicc_eid_hex(d->e);
	struct pdp_session *s, *ppk;
	struct der_buf b, m;
	size_t isc, n, rsk_len = sizeof(rsk);

	for (int i = 0; i < 16; i++)
		sscanf(eid_hex + 2 * i, "%2hhx", &eid[i]);
	assert_int_equal(pdp_session_create(d->accel, PDP_CURVE_P256, d->euicc_otpk, host_id,
					    sizeof(host_id) - 1, eid, ot_pub, &s),
			 0);
	der_buf_init(&b);
	der_begin(&b, 0xBF36);
	der_begin(&b, 0xBF23);
	isc = b.len;
	der_put_uint(&b, 0x82, 1);
	der_put(&b, 0x80, d->tid, 16);
	der_begin(&b, 0xA6);
	der_put(&b, 0x80, "\x88", 1);
	der_put(&b, 0x81, "\x10", 1);
	der_put(&b, 0x84, host_id, sizeof(host_id) - 1);
	der_end(&b);
	der_put(&b, 0x5F49, ot_pub, 65);
	n = b.len - isc;
	memcpy(msg, b.data + isc, n);
	msg[n] = 0x5F;
	msg[n + 1] = 0x49;
	msg[n + 2] = 65;
	memcpy(msg + n + 3, d->euicc_otpk, 65);
	if (spoil == BPP_ISC_SIG)
		msg[0] ^= 1;
	put_sig(d, d->pb_key, msg, n + 68, &b);
	der_end(&b);
	der_begin(&b, 0xA0);
	seal(d, s, 0x87, configure_isdp, sizeof(configure_isdp), &b);
	der_end(&b);
	der_buf_init_fixed(&m, md, sizeof(md));
	der_begin(&m, 0xBF25);
	der_put(&m, 0x5A, d->iccid_bcd, 10);
	if (spoil == BPP_ICCID)
		md[m.len - 5] ^= 0x01;
	der_put(&m, 0x91, "SP", 2);
	der_put(&m, 0x92, "TS.48", 5);
	der_end(&m);
	der_begin(&b, 0xA1);
	seal(d, s, 0x88, md, m.len, &b);
	der_end(&b);
	assert_int_equal(pdp_session_replace_keys(d->accel, s, rsk, &rsk_len, &ppk), 0);
	der_begin(&b, 0xA2);
	der_put_raw(&b, rsk, rsk_len);
	der_end(&b);
	der_begin(&b, 0xA3);
	for (size_t off = 0; off < d->upp_len; off += PDP_BSP_MAX_PLAIN_ENC) {
		size_t chunk = d->upp_len - off;

		if (chunk > PDP_BSP_MAX_PLAIN_ENC)
			chunk = PDP_BSP_MAX_PLAIN_ENC;
		seal(d, ppk, 0x86, d->upp + off, chunk, &b);
		if (spoil == BPP_MAC && off == PDP_BSP_MAX_PLAIN_ENC)
			b.data[b.len - 20] ^= 1;
	}
	der_end(&b);
	der_end(&b);
	pdp_session_close(d->accel, ppk);
	pdp_session_close(d->accel, s);
	assert_int_equal(der_buf_take(&b, &out, len), 0);
	return out;
}

/* Runs a whole download; returns the ErrorReason of the PIR (0: installed). */
static int download(struct dp *d, enum bpp_spoil spoil, int *cmd, char iccid[21])
{
	uint8_t *bpp, *pir;
	size_t bpp_len, pir_len;
	int err;

	assert_int_equal(authenticate(d, 0), 0);
	assert_int_equal(prepare(d, 0), 0);
	bpp = make_bpp(d, spoil, &bpp_len);
	if (d->chip) {
		struct der_tlv md, ic;

		assert_int_equal(es10_load_bpp(d->chip, bpp, bpp_len, &pir, &pir_len), 0);
		*cmd = 0;
		err = pir_err(pir, pir_len, cmd);
		iccid[0] = '\0';
		if (!err) {
			assert_int_equal(der_parse_exact(pir, pir_len, &md), 0);
			assert_int_equal(der_find(&md, 0xBF27, &md), 0);
			assert_int_equal(der_find(&md, 0xBF2F, &md), 0);
			assert_int_equal(der_find(&md, 0x5A, &ic), 0);
			assert_int_equal(es10_iccid_from_bcd(ic.val, iccid), 0);
		}
	} else {
		assert_int_equal(seuicc_load_bpp(d->e, bpp, bpp_len, &pir, &pir_len, iccid, &err,
						 cmd),
				 0);
	}
	if (err)
		print_message("# eUICC: %s\n", seuicc_last_error(d->e));
	assert_int_equal(pir[0], 0xBF);
	assert_int_equal(pir[1], 0x37);
	free(bpp);
	free(pir);
	return err;
}

static void test_authenticate_server_checks(void **state)
{
	struct dp *d = *state;

	assert_int_equal(authenticate(d, 1), 6);  /* euiccChallengeMismatch */
	assert_int_equal(authenticate(d, 2), 2);  /* invalidSignature */
	assert_int_equal(authenticate(d, 3), 1);  /* DPpb cert is no DPauth cert */
	assert_int_equal(authenticate(d, 0), 0);
}

static void test_prepare_download_checks(void **state)
{
	struct dp *d = *state;

	assert_int_equal(authenticate(d, 0), 0);
	assert_int_equal(prepare(d, 1), 2);     /* smdpSignature2 wrong */
	assert_int_equal(prepare(d, 0), 4);     /* session gone after an error */
	assert_int_equal(authenticate(d, 0), 0);
	assert_int_equal(prepare(d, 2), 1);     /* DPauth cert is no DPpb cert */
}

static void test_install_recovers_upp(void **state)
{
	struct dp *d = *state;
	char iccid[21], again[21];
	uint8_t *upp;
	size_t len;
	int cmd;
	long seq;

	assert_int_equal(download(d, BPP_MAC, &cmd, iccid), 8);   /* scp03tSecurityError */
	assert_int_equal(cmd, 5);
	assert_int_equal(download(d, BPP_ICCID, &cmd, iccid), 13); /* ICCID mismatch */
	assert_int_equal(download(d, BPP_ISC_SIG, &cmd, iccid), 2);
	assert_int_equal(cmd, 0);
	assert_int_equal(download(d, BPP_OK, &cmd, iccid), 0);
	assert_int_equal(seuicc_profile_upp(d->e, iccid, &upp, &len), 0);
	assert_int_equal(len, d->upp_len);
	assert_memory_equal(upp, d->upp, len);
	free(upp);
	/* the same ICCID a second time */
	assert_int_equal(download(d, BPP_OK, &cmd, again), 9);
	assert_int_equal(cmd, 2);
	/* delete queues a notification and removes the profile */
	assert_int_equal(seuicc_delete_profile(d->e, iccid, &seq), 0);
	assert_int_equal(seuicc_profile_upp(d->e, iccid, &upp, &len), -ENOENT);
	assert_int_equal(seuicc_delete_profile(d->e, iccid, &seq), -ENOENT);
}

static void test_state_survives_reopen(void **state)
{
	struct dp *d = *state;
	char iccid[21];
	int cmd;

	assert_int_equal(download(d, BPP_OK, &cmd, iccid), 0);
	seuicc_close(d->e);
	open_euicc(d);
	assert_int_equal(download(d, BPP_OK, &cmd, iccid), 9);
}

static void test_malformed_commands(void **state)
{
	struct dp *d = *state;
	static const uint8_t junk[] = { 0xBF, 0x38, 0x05, 0x30, 0x03, 0x80, 0x01 };
	uint8_t *resp;
	size_t len;
	int err;

	assert_int_equal(seuicc_authenticate_server(d->e, junk, sizeof(junk), ADDRESS, &resp,
						    &len, &err),
			 -EINVAL);
	assert_int_equal(seuicc_prepare_download(d->e, junk, 2, &resp, &len, &err), -EINVAL);
}

/* Files under the state directory's profiles/ and notifications/. */
static unsigned state_files(struct dp *d)
{
	char cmd[200], line[32];
	unsigned n = 0;
	FILE *f;

	snprintf(cmd, sizeof(cmd), "find '%s' -type f | wc -l", d->state);
	f = popen(cmd, "r");
	assert_non_null(f);
	if (fgets(line, sizeof(line), f))
		n = (unsigned)atoi(line);
	pclose(f);
	return n;
}

static void test_memory_nvm(void **state)
{
	struct dp *d = *state;
	char iccid[21], again[21], addr[300];
	uint8_t *upp, *der;
	size_t len;
	int cmd;
	long seq;

	seuicc_close(d->e);
	open_euicc_nvm(d, true);
	assert_int_equal(download(d, BPP_OK, &cmd, iccid), 0);
	assert_int_equal(seuicc_profile_upp(d->e, iccid, &upp, &len), 0);
	assert_int_equal(len, d->upp_len);
	assert_memory_equal(upp, d->upp, len);
	free(upp);
	/* the install notification (seq 1) is queued, in memory only */
	assert_int_equal(seuicc_notification_get(d->e, 1, &der, &len, addr, sizeof(addr)), 0);
	assert_int_equal(der[0], 0xBF);
	assert_memory_equal(addr, ADDRESS, strlen(ADDRESS)); /* the address the LPA dialled */
	free(der);
	assert_int_equal(state_files(d), 0);
	assert_int_equal(download(d, BPP_OK, &cmd, again), 9); /* ICCID already there */
	assert_int_equal(seuicc_notification_sent(d->e, 1), 0);
	assert_int_equal(seuicc_notification_sent(d->e, 1), -ENOENT);
	/* forgotten without a notification: the same profile installs again */
	assert_int_equal(seuicc_profile_forget(d->e, iccid), 0);
	assert_int_equal(seuicc_profile_upp(d->e, iccid, &upp, &len), -ENOENT);
	assert_int_equal(download(d, BPP_OK, &cmd, again), 0);
	assert_int_equal(seuicc_delete_profile(d->e, again, &seq), 0);
	assert_true(seq > 2);
	assert_int_equal(state_files(d), 0);
}

/* What SEUICC_CHECK_SIGN_ONLY leaves out, and what it still checks. */
static void test_sign_only_checks(void **state)
{
	struct dp *d = *state;
	char iccid[21], installed[21];
	uint8_t *upp;
	size_t len;
	int cmd;

	seuicc_set_checks(d->e, SEUICC_CHECK_SIGN_ONLY);
	assert_int_equal(authenticate(d, 1), 6); /* the challenge echo is still checked */
	assert_int_equal(authenticate(d, 2), 0); /* a wrong serverSignature1 passes */
	assert_int_equal(prepare(d, 1), 0);      /* a wrong smdpSignature2 passes */
	assert_int_equal(download(d, BPP_MAC, &cmd, iccid), 0); /* profile MACs unchecked */
	assert_int_equal(seuicc_profile_upp(d->e, iccid, &upp, &len), 0);
	assert_int_equal(len, 0); /* the profile is not decrypted */
	free(upp);
	memcpy(installed, iccid, sizeof(installed));
	assert_int_equal(download(d, BPP_ISC_SIG, &cmd, iccid), 9); /* ICCID from metadata */
	assert_int_equal(seuicc_profile_forget(d->e, installed), 0);
	assert_int_equal(download(d, BPP_ISC_SIG, &cmd, iccid), 0);
	assert_int_equal(seuicc_profile_forget(d->e, iccid), 0);
	/* back to the strict eUICC */
	seuicc_set_checks(d->e, SEUICC_CHECK_ALL);
	assert_int_equal(authenticate(d, 2), 2);
	assert_int_equal(download(d, BPP_MAC, &cmd, iccid), 8);
	assert_int_equal(download(d, BPP_OK, &cmd, iccid), 0);
}

/*
 * cancel() - ES10b.CancelSession of @tid; returns the answer's error code
 * (0: ok), or the call's negative errno. An ok answer is checked the way the
 * SM-DP+ checks it: the signature verifies with CERT.EUICC's key over the
 * signed TLV, which names @tid, the OID of CERT.DPauth and @reason.
 */
static int cancel(struct dp *d, const uint8_t *tid, size_t tid_len, int reason)
{
	struct sgp22_cancel_session_resp r;
	uint8_t pub[PDP_PUBKEY_LEN], oid[64], *resp = NULL, *cder;
	struct pdp_cert *cert;
	enum pdp_curve curve;
	size_t len, clen, oid_len;
	char path[700];
	int err = -1, ret;

	ret = seuicc_cancel_session(d->e, tid, tid_len, (enum seuicc_cancel_reason)reason, &resp,
				    &len, &err);
	if (ret)
		return ret;
	assert_int_equal(sgp22_decode_cancel_session_resp(resp, len, &r), 0);
	assert_int_equal(r.ok, err == 0);
	if (!r.ok) {
		assert_int_equal(r.error_code, err);
		free(resp);
		return err;
	}
	assert_int_equal(r.transaction_id.len, tid_len);
	assert_memory_equal(r.transaction_id.p, tid, tid_len);
	assert_int_equal(r.reason, reason);
	assert_int_equal(pdp_cert_parse(d->auth_cert, d->auth_cert_len, &cert), PDP_CERT_OK);
	assert_int_equal(pdp_cert_smdp_oid(cert, oid, sizeof(oid), &oid_len), PDP_CERT_OK);
	pdp_cert_free(cert);
	assert_int_equal(r.smdp_oid.len, oid_len - 2); /* value bytes of 06 L V */
	assert_memory_equal(r.smdp_oid.p, oid + 2, oid_len - 2);
	snprintf(path, sizeof(path), "%s/euicc/euicc.der", d->sgp26);
	cder = slurp(path, &clen);
	assert_int_equal(pdp_cert_parse(cder, clen, &cert), PDP_CERT_OK);
	assert_int_equal(pdp_cert_public_key(cert, pub, &curve), PDP_CERT_OK);
	pdp_cert_free(cert);
	free(cder);
	assert_int_equal(pdp_verify(d->accel, curve, pub, r.signed_raw.p, r.signed_raw.len,
				    r.signature),
			 0);
	r.signature[5] ^= 1;
	assert_int_not_equal(pdp_verify(d->accel, curve, pub, r.signed_raw.p, r.signed_raw.len,
					r.signature),
			     0);
	free(resp);
	return 0;
}

/* Cancel after AuthenticateServer: only with the session's transactionId, once. */
static void test_cancel_after_authenticate(void **state)
{
	struct dp *d = *state;
	uint8_t other[16];

	assert_int_equal(authenticate(d, 0), 0);
	memcpy(other, d->tid, sizeof(other));
	other[15] ^= 1;
	assert_int_equal(cancel(d, other, 16, 0), 5);     /* invalidTransactionId */
	assert_int_equal(cancel(d, d->tid, 15, 0), 5);    /* a prefix is another id */
	assert_int_equal(cancel(d, d->tid, 16, 0), 0);    /* endUserRejection */
	assert_int_equal(cancel(d, d->tid, 16, 0), 5);    /* the session is over */
	assert_int_equal(prepare(d, 0), 4);               /* noSessionContext */
}

/* Cancel after PrepareDownload: the one-time key is gone, no BPP loads. */
static void test_cancel_after_prepare(void **state)
{
	struct dp *d = *state;
	uint8_t *bpp, *pir = NULL;
	size_t bpp_len, pir_len;
	char iccid[21];
	int cmd, err;

	assert_int_equal(authenticate(d, 0), 0);
	assert_int_equal(prepare(d, 0), 0);
	bpp = make_bpp(d, BPP_OK, &bpp_len);
	assert_int_equal(cancel(d, d->tid, 16, SEUICC_CANCEL_LOAD_BPP_EXECUTION_ERROR), 0);
	assert_int_equal(seuicc_load_bpp(d->e, bpp, bpp_len, &pir, &pir_len, iccid, &err, &cmd),
			 -EINVAL);
	assert_null(pir);
	assert_int_equal(state_files(d), 0); /* no profile, no notification */
	free(bpp);
	/* the next download is unaffected */
	assert_int_equal(download(d, BPP_OK, &cmd, iccid), 0);
}

/* What is refused: no session, bad arguments; none of it ends the download in progress. */
static void test_cancel_refusals(void **state)
{
	struct dp *d = *state;
	static const int reasons[] = { 0, 1, 2, 3, 4, 5, 127 };
	uint8_t ch[16], *resp = NULL;
	char iccid[21];
	size_t len;
	int err, cmd;

	assert_int_equal(cancel(d, d->tid, 16, 0), 5);    /* nothing started */
	assert_int_equal(seuicc_get_challenge(d->e, ch), 0);
	assert_int_equal(cancel(d, d->tid, 16, 0), 5);    /* only challenged */
	assert_int_equal(authenticate(d, 0), 0);
	assert_int_equal(seuicc_cancel_session(d->e, d->tid, 16, 6, &resp, &len, &err), -EINVAL);
	assert_int_equal(seuicc_cancel_session(d->e, d->tid, 16, 126, &resp, &len, &err),
			 -EINVAL);
	assert_int_equal(seuicc_cancel_session(d->e, d->tid, 16, -1, &resp, &len, &err), -EINVAL);
	assert_int_equal(seuicc_cancel_session(d->e, d->tid, 0, 0, &resp, &len, &err), -EINVAL);
	assert_int_equal(seuicc_cancel_session(d->e, d->tid, 17, 0, &resp, &len, &err), -EINVAL);
	assert_int_equal(seuicc_cancel_session(d->e, NULL, 16, 0, &resp, &len, &err), -EINVAL);
	assert_null(resp);
	/* the download refused cancels left alone still completes */
	assert_int_equal(prepare(d, 0), 0);
	assert_int_equal(cancel(d, ch, 16, 0), 5);
	{
		uint8_t *bpp, *pir;
		size_t bpp_len, pir_len;

		bpp = make_bpp(d, BPP_OK, &bpp_len);
		assert_int_equal(seuicc_load_bpp(d->e, bpp, bpp_len, &pir, &pir_len, iccid, &err,
						 &cmd),
				 0);
		assert_int_equal(err, 0);
		free(bpp);
		free(pir);
	}
	assert_int_equal(cancel(d, d->tid, 16, 0), 5);    /* installed: nothing to cancel */
	assert_int_equal(seuicc_profile_forget(d->e, iccid), 0);
	/* every SGP.22 reason is signed as given */
	for (unsigned i = 0; i < sizeof(reasons) / sizeof(reasons[0]); i++) {
		assert_int_equal(authenticate(d, 0), 0);
		assert_int_equal(cancel(d, d->tid, 16, reasons[i]), 0);
	}
}

/* A sign-only eUICC reads no CERT.DPauth, so it has no OID to sign: undefinedError. */
static void test_cancel_sign_only(void **state)
{
	struct dp *d = *state;

	seuicc_set_checks(d->e, SEUICC_CHECK_SIGN_ONLY);
	assert_int_equal(authenticate(d, 0), 0);
	assert_int_equal(cancel(d, d->tid, 16, 0), 127);
	assert_int_equal(prepare(d, 0), 0); /* the refused cancel left the download alone */
}

/* The pending list (ES10b.ListNotification) is exactly @want, in order. */
static void expect_pending(struct dp *d, const long *want, size_t n_want)
{
	long *seqs = NULL;
	size_t n = 99;

	assert_int_equal(seuicc_notification_list(d->e, &seqs, &n), 0);
	assert_int_equal(n, n_want);
	for (size_t i = 0; i < n; i++)
		assert_int_equal(seqs[i], want[i]);
	free(seqs);
}

static void notification_list_in(struct dp *d, bool in_memory)
{
	char iccid[21];
	long seq, both[2] = { 1, 0 };
	int cmd;

	seuicc_close(d->e);
	open_euicc_nvm(d, in_memory);
	expect_pending(d, NULL, 0);
	assert_int_equal(download(d, BPP_OK, &cmd, iccid), 0);
	expect_pending(d, both, 1);
	assert_int_equal(seuicc_delete_profile(d->e, iccid, &seq), 0);
	both[1] = seq;
	expect_pending(d, both, 2);
	assert_int_equal(seuicc_notification_sent(d->e, 1), 0);
	expect_pending(d, &both[1], 1);
	assert_int_equal(seuicc_notification_sent(d->e, seq), 0);
	expect_pending(d, NULL, 0);
}

static void test_notification_list(void **state)
{
	struct dp *d = *state;
	char cmd[700];

	notification_list_in(d, true);
	/* files: what is no "<seq>.der" (a temporary, a stray file) is no notification */
	snprintf(cmd, sizeof(cmd), "mkdir -p '%s/notifications' && cd '%s/notifications' && "
		 "touch 7.der.tmp x.der 08.der 9.addr", d->state, d->state);
	assert_int_equal(system(cmd), 0);
	notification_list_in(d, false);
}


/* ---- the eUICC as a card: ES10 over APDUs ------------------------------ */
struct card_rig {
	struct es10_card *card;
	struct es10_link *link;
	struct es10_chip chip;
	unsigned long apdus;
};

static int isdr(void *ctx, const uint8_t *cmd, size_t len, uint8_t **resp, size_t *rlen)
{
	return seuicc_es10(ctx, cmd, len, resp, rlen);
}

static int rig_xmit(void *ctx, const uint8_t *cmd, size_t len, uint8_t *resp, size_t *rlen)
{
	struct card_rig *r = ctx;

	r->apdus++;
	es10_card_apdu(r->card, cmd, len, resp, rlen);
	return 0;
}

static int rig_call(void *ctx, const uint8_t *cmd, size_t len, uint8_t **resp, size_t *rlen)
{
	return es10_link_call(ctx, cmd, len, resp, rlen);
}

static const char *rig_err(void *ctx)
{
	return es10_link_error(ctx);
}

static void rig_open(struct dp *d, struct card_rig *r, bool extended)
{
	struct es10_card_opts co = { .extended = extended };
	struct es10_transport t = { .transmit = rig_xmit, .ctx = r, .extended = extended };
	char err[200];

	memset(r, 0, sizeof(*r));
	assert_int_equal(es10_card_new(&co, isdr, d->e, &r->card), 0);
	assert_int_equal(es10_link_open(&t, NULL, &r->link, err, sizeof(err)), 0);
	r->chip.call = rig_call;
	r->chip.error = rig_err;
	r->chip.ctx = r->link;
	d->chip = &r->chip;
}

static void rig_close(struct dp *d, struct card_rig *r)
{
	es10_link_close(r->link);
	es10_card_free(r->card);
	d->chip = NULL;
}

static void expect_profile(struct dp *d, const char *iccid, int state, const char *nick)
{
	struct es10_profile *p;
	size_t n;

	assert_int_equal(es10_get_profiles(d->chip, NULL, &p, &n), 0);
	assert_int_equal(n, iccid ? 1 : 0);
	if (iccid) {
		assert_string_equal(p[0].iccid, iccid);
		assert_int_equal(p[0].state, state);
		assert_string_equal(p[0].nickname, nick);
		assert_string_equal(p[0].provider, "SP");
		assert_string_equal(p[0].name, "TS.48");
		assert_int_equal(p[0].aid_len, 16);
	}
	free(p);
}

/* The signature of an OtherSignedNotification verifies with the eUICC's key. */
static void check_other_signed(struct dp *d, const uint8_t *der, size_t len, uint8_t event)
{
	struct der_tlv top, md, sig, cert, ev;
	struct der_iter it;
	struct pdp_cert *c;
	uint8_t pub[PDP_PUBKEY_LEN];
	enum pdp_curve curve;

	assert_int_equal(der_parse_exact(der, len, &top), 0);
	assert_int_equal(top.tag, DER_SEQUENCE);
	der_iter_init(&it, &top);
	assert_int_equal(der_expect(&it, 0xBF2F, &md), 0);
	assert_int_equal(der_find(&md, 0x81, &ev), 0);
	assert_int_equal(ev.val[1], event);
	assert_int_equal(der_expect(&it, 0x5F37, &sig), 0);
	assert_int_equal(der_expect(&it, DER_SEQUENCE, &cert), 0);
	assert_int_equal(pdp_cert_parse(cert.raw, cert.raw_len, &c), PDP_CERT_OK);
	assert_int_equal(pdp_cert_public_key(c, pub, &curve), PDP_CERT_OK);
	pdp_cert_free(c);
	assert_int_equal(pdp_verify(d->accel, curve, pub, md.raw, md.raw_len, sig.val), 0);
}

static void apdu_lifecycle(struct dp *d, bool extended)
{
	struct card_rig r;
	struct es10_notification *nl;
	char iccid[21], eid[33], dp_addr[64], ds[64];
	uint8_t *der;
	size_t n, len;
	int cmd, res;

	rig_open(d, &r, extended);
	assert_int_equal(es10_get_eid(d->chip, eid), 0);
	assert_string_equal(eid, seuicc_eid_hex(d->e));
	assert_int_equal(download(d, BPP_OK, &cmd, iccid), 0);
	expect_profile(d, iccid, 0, "");
	/* the installation result went to serverAddress: the card knows no other */
	assert_int_equal(es10_list_notifications(d->chip, &nl, &n), 0);
	assert_int_equal(n, 1);
	assert_int_equal(nl[0].event, 0x80);
	assert_string_equal(nl[0].address, ADDRESS);
	assert_string_equal(nl[0].iccid, iccid);
	assert_int_equal(es10_remove_notification(d->chip, nl[0].seq, &res), 0);
	assert_int_equal(res, 0);
	assert_int_equal(es10_remove_notification(d->chip, nl[0].seq, &res), 0);
	assert_int_equal(res, 1);
	free(nl);

	assert_int_equal(es10_enable(d->chip, iccid, false, &res), 0);
	assert_int_equal(res, 0);
	assert_int_equal(es10_enable(d->chip, iccid, false, &res), 0);
	assert_int_equal(res, 2);                /* profileNotInDisabledState */
	assert_int_equal(es10_enable(d->chip, "8944000000000000001", false, &res), 0);
	assert_int_equal(res, 1);                /* iccidOrAidNotFound */
	assert_int_equal(es10_set_nickname(d->chip, iccid, "line 7", &res), 0);
	assert_int_equal(res, 0);
	expect_profile(d, iccid, 1, "line 7");
	assert_int_equal(es10_delete(d->chip, iccid, &res), 0);
	assert_int_equal(res, 2);                /* enabled: not deleted */
	assert_int_equal(es10_disable(d->chip, iccid, false, &res), 0);
	assert_int_equal(res, 0);
	assert_int_equal(es10_disable(d->chip, iccid, false, &res), 0);
	assert_int_equal(res, 2);
	assert_int_equal(es10_delete(d->chip, iccid, &res), 0);
	assert_int_equal(res, 0);
	expect_profile(d, NULL, 0, NULL);
	/* the delete notification: signed, retrievable by its sequence number */
	assert_int_equal(es10_list_notifications(d->chip, &nl, &n), 0);
	assert_int_equal(n, 1);
	assert_int_equal(nl[0].event, 0x10);
	assert_int_equal(es10_retrieve_notification(d->chip, nl[0].seq, &der, &len), 0);
	check_other_signed(d, der, len, 0x10);
	free(der);
	assert_int_equal(es10_retrieve_notification(d->chip, nl[0].seq + 100, &der, &len),
			 -ENOENT);
	free(nl);
	assert_int_equal(es10_memory_reset(d->chip, ES10_RESET_OPERATIONAL, &res), 0);
	assert_int_equal(res, 1);                /* nothingToDelete */
	assert_int_equal(es10_set_default_dp(d->chip, "dp.example", &res), 0);
	assert_int_equal(es10_get_addresses(d->chip, dp_addr, sizeof(dp_addr), ds, sizeof(ds)), 0);
	assert_string_equal(dp_addr, "dp.example");
	/* reinstall after delete, then memory reset removes it */
	assert_int_equal(download(d, BPP_OK, &cmd, iccid), 0);
	assert_int_equal(es10_memory_reset(d->chip, ES10_RESET_OPERATIONAL, &res), 0);
	assert_int_equal(res, 0);
	expect_profile(d, NULL, 0, NULL);
	print_message("# %s APDUs: %lu round trips for the whole run\n",
		      extended ? "extended" : "short", r.apdus);
	rig_close(d, &r);
}

static void test_apdu_lifecycle_short(void **state)
{
	apdu_lifecycle(*state, false);
}

static void test_apdu_lifecycle_extended(void **state)
{
	apdu_lifecycle(*state, true);
}

/* A spoiled segment ends the load there, before the rest is sent. */
static void test_apdu_segment_errors(void **state)
{
	struct dp *d = *state;
	struct card_rig r;
	struct es10_seg *segs;
	uint8_t *bpp, *resp;
	size_t bpp_len, nseg, rlen;
	char iccid[21];
	unsigned long before;
	int cmd;

	rig_open(d, &r, false);
	assert_int_equal(authenticate(d, 0), 0);
	assert_int_equal(prepare(d, 0), 0);
	bpp = make_bpp(d, BPP_MAC, &bpp_len);
	assert_int_equal(es10_bpp_segments(bpp, bpp_len, &segs, &nseg), 0);
	before = r.chip.calls;
	{
		uint8_t *pir;
		size_t pir_len;

		assert_int_equal(es10_load_bpp(d->chip, bpp, bpp_len, &pir, &pir_len), 0);
		assert_int_equal(pir_err(pir, pir_len, &cmd), 8);
		assert_int_equal(cmd, 5);
		free(pir);
	}
	/* segments: up to and including the second 86, not one more */
	assert_true(r.chip.calls - before < nseg);
	/* what an LPA sends after the result is refused: 6985 */
	assert_int_equal(es10_link_call(r.link, segs[nseg - 1].p, segs[nseg - 1].len, &resp, &rlen),
			 -EPROTO);
	assert_non_null(strstr(es10_link_error(r.link), "6985"));
	free(segs);
	free(bpp);
	/* and the card installs the next one as usual */
	assert_int_equal(download(d, BPP_OK, &cmd, iccid), 0);
	rig_close(d, &r);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_authenticate_server_checks, setup, teardown),
		cmocka_unit_test_setup_teardown(test_prepare_download_checks, setup, teardown),
		cmocka_unit_test_setup_teardown(test_install_recovers_upp, setup, teardown),
		cmocka_unit_test_setup_teardown(test_state_survives_reopen, setup, teardown),
		cmocka_unit_test_setup_teardown(test_malformed_commands, setup, teardown),
		cmocka_unit_test_setup_teardown(test_memory_nvm, setup, teardown),
		cmocka_unit_test_setup_teardown(test_notification_list, setup, teardown),
		cmocka_unit_test_setup_teardown(test_sign_only_checks, setup, teardown),
		cmocka_unit_test_setup_teardown(test_cancel_after_authenticate, setup, teardown),
		cmocka_unit_test_setup_teardown(test_cancel_after_prepare, setup, teardown),
		cmocka_unit_test_setup_teardown(test_cancel_refusals, setup, teardown),
		cmocka_unit_test_setup_teardown(test_cancel_sign_only, setup, teardown),
		cmocka_unit_test_setup_teardown(test_apdu_lifecycle_short, setup, teardown),
		cmocka_unit_test_setup_teardown(test_apdu_lifecycle_extended, setup, teardown),
		cmocka_unit_test_setup_teardown(test_apdu_segment_errors, setup, teardown),
	};

	cmocka_set_message_output(CM_OUTPUT_TAP);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
