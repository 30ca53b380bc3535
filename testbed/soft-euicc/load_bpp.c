// SPDX-License-Identifier: Apache-2.0
/*
 * ES8+ through ES10b.LoadBoundProfilePackage: check InitialiseSecureChannel
 * (signed with the DPpb key over its fields || 5F49 otPK.EUICC.ECKA), agree the
 * session keys, open every SCP03t segment in order (ConfigureISDP,
 * StoreMetadata, ReplaceSessionKeys, profile elements) and recover the UPP.
 * The first failure ends the load with an error ProfileInstallationResult
 * naming the command and the reason, as a real eUICC does.
 */
#include "seuicc_internal.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum bpp_cmd {
	CMD_INITIALISE_SECURE_CHANNEL = 0,
	CMD_CONFIGURE_ISDP = 1,
	CMD_STORE_METADATA = 2,
	CMD_REPLACE_SESSION_KEYS = 4,
	CMD_LOAD_PROFILE_ELEMENTS = 5,
};

enum bpp_reason {
	R_INCORRECT_INPUT = 1,
	R_INVALID_SIGNATURE = 2,
	R_INVALID_TID = 3,
	R_UNSUPPORTED_CRT = 4,
	R_UNSUPPORTED_REMOTE_OP = 5,
	R_UNSUPPORTED_PROFILE_CLASS = 6,
	R_SCP03T_STRUCTURE = 7,
	R_SCP03T_SECURITY = 8,
	R_ICCID_EXISTS = 9,
	R_PE_PROCESSING = 12,
	R_ICCID_MISMATCH = 13,
	R_UNKNOWN = 127,
};

struct load {
	struct seuicc *e;
	int cmd;                   /* BppCommandId being processed */
	struct pdp_scp03t scp;
	uint8_t iccid_bcd[10];
	bool have_iccid;
	char iccid[21];
	uint8_t *plain;            /* plaintext of the current container */
	size_t plain_len, plain_cap;
};

#define FAIL(l, reason, ...) (seuicc_fail((l)->e, (reason), __VA_ARGS__))

static int check_isc(struct load *l, const struct der_tlv *isc)
{
	struct seuicc *e = l->e;
	struct der_tlv op, tid, crt, otpk, sign, t;
	struct der_iter it, cit;
	uint64_t op_v;
	uint8_t z[32], ot_tlv[3 + PDP_PUBKEY_LEN];
	int ret;

	l->cmd = CMD_INITIALISE_SECURE_CHANNEL;
	der_iter_init(&it, isc);
	if (der_expect(&it, 0x82, &op) || der_expect(&it, 0x80, &tid) ||
	    der_expect(&it, 0xA6, &crt) || der_expect(&it, 0x5F49, &otpk) ||
	    der_expect(&it, 0x5F37, &sign) || !der_iter_done(&it))
		return FAIL(l, R_INCORRECT_INPUT, "InitialiseSecureChannel malformed");
	if (tid.len != e->s.tid_len || memcmp(tid.val, e->s.tid, tid.len))
		return FAIL(l, R_INVALID_TID, "InitialiseSecureChannel transactionId mismatch");
	/* smdpSign covers remoteOpId .. smdpOtpk (with tags) || 5F49 41 otPK.EUICC.ECKA. */
	ot_tlv[0] = 0x5F;
	ot_tlv[1] = 0x49;
	ot_tlv[2] = PDP_PUBKEY_LEN;
	memcpy(ot_tlv + 3, e->s.ot_pub, PDP_PUBKEY_LEN);
	if (!e->sign_only &&
	    seuicc_verify_concat(e, e->s.dppb_curve, e->s.dppb_pub, op.raw,
				 (size_t)(otpk.raw + otpk.raw_len - op.raw), ot_tlv, sizeof(ot_tlv),
				 &sign))
		return FAIL(l, R_INVALID_SIGNATURE, "InitialiseSecureChannel signature wrong");
	if (der_get_uint(&op, 255, &op_v) || op_v != 1)
		return FAIL(l, R_UNSUPPORTED_REMOTE_OP, "remoteOpId is not installBoundProfilePackage");
	der_iter_init(&cit, &crt);
	if (der_expect(&cit, 0x80, &t) || t.len != 1 || t.val[0] != 0x88 ||
	    der_expect(&cit, 0x81, &t) || t.len != 1 || t.val[0] != 0x10 ||
	    der_expect(&cit, 0x84, &t) || t.len < 1 || t.len > 16 || !der_iter_done(&cit))
		return FAIL(l, R_UNSUPPORTED_CRT, "controlRefTemplate unsupported");
	if (e->sign_only)
		return 0; /* no session keys: only StoreMetadata's plaintext is read */
	if (otpk.len != PDP_PUBKEY_LEN ||
	    seuicc_ecdh(e->s.ot_key, e->s.dppb_curve, otpk.val, z))
		return FAIL(l, R_INCORRECT_INPUT, "smdpOtpk is no point of the curve");
	ret = pdp_sgp22_derive(z, sizeof(z), t.val, t.len, e->eid, &l->scp);
	OPENSSL_cleanse(z, sizeof(z));
	return ret ? FAIL(l, R_UNKNOWN, "key derivation failed") : 0;
}

/* Open every segment of one container (all of tag @seg_tag) into l->plain. */
static int open_container(struct load *l, const struct der_tlv *c, uint8_t seg_tag)
{
	struct der_iter it;
	struct der_tlv seg;
	int r;

	l->plain_len = 0;
	der_iter_init(&it, c);
	while ((r = der_iter_next(&it, &seg)) == 1) {
		uint8_t tag;
		size_t n;

		if (seg.tag != seg_tag || seg.len <= PDP_BSP_MAC_LEN ||
		    seg.raw_len > PDP_BSP_MAX_SEGMENT)
			return FAIL(l, R_SCP03T_STRUCTURE, "segment %02X of %zu bytes in %X",
				    (unsigned)seg.tag, seg.raw_len, (unsigned)c->tag);
		if (l->plain_len + seg.len > l->plain_cap) {
			size_t cap = (l->plain_cap + seg.len) * 2;
			uint8_t *p = realloc(l->plain, cap);

			if (!p)
				return FAIL(l, R_UNKNOWN, "out of memory");
			l->plain = p;
			l->plain_cap = cap;
		}
		n = l->plain_cap - l->plain_len;
		if (l->e->sign_only) {
			/* Only for 88 (MAC-only) segments: the data before the MAC, unchecked. */
			n = seg.len - PDP_BSP_MAC_LEN;
			memcpy(l->plain + l->plain_len, seg.val, n);
			l->plain_len += n;
			continue;
		}
		r = pdp_scp03t_open(&l->scp, seg.raw, seg.raw_len, &tag, l->plain + l->plain_len,
				    &n);
		if (r == -EBADMSG)
			return FAIL(l, R_SCP03T_SECURITY, "segment MAC/padding wrong in %X",
				    (unsigned)c->tag);
		if (r)
			return FAIL(l, R_SCP03T_STRUCTURE, "segment does not open (%d)", r);
		l->plain_len += n;
	}
	if (r < 0 || l->plain_len == 0)
		return FAIL(l, R_SCP03T_STRUCTURE, "container %X malformed or empty",
			    (unsigned)c->tag);
	return 0;
}

static int one_tlv(struct load *l, uint32_t tag, struct der_tlv *out)
{
	if (der_parse_exact(l->plain, l->plain_len, out) || out->tag != tag)
		return FAIL(l, R_INCORRECT_INPUT, "command %d is no %X TLV", l->cmd, (unsigned)tag);
	return 0;
}

static int store_metadata(struct load *l)
{
	struct der_tlv md, iccid, cls;
	struct der_iter it;
	uint64_t v;

	if (one_tlv(l, 0xBF25, &md))
		return R_INCORRECT_INPUT;
	der_iter_init(&it, &md);
	if (der_expect(&it, 0x5A, &iccid) || iccid.len != 10 ||
	    iccid_from_bcd(iccid.val, l->iccid))
		return FAIL(l, R_INCORRECT_INPUT, "StoreMetadata ICCID malformed");
	memcpy(l->iccid_bcd, iccid.val, 10);
	l->have_iccid = true;
	if (!der_find(&md, 0x95, &cls) && (der_get_uint(&cls, 2, &v)))
		return FAIL(l, R_UNSUPPORTED_PROFILE_CLASS, "profileClass unsupported");
	if (store_profile_exists(l->e, l->iccid))
		return FAIL(l, R_ICCID_EXISTS, "ICCID %s already installed", l->iccid);
	return 0;
}

static int replace_session_keys(struct load *l)
{
	struct der_tlv rsk, mcv, enc, mac;
	struct der_iter it;

	if (one_tlv(l, 0xBF26, &rsk))
		return R_INCORRECT_INPUT;
	der_iter_init(&it, &rsk);
	if (der_expect(&it, 0x80, &mcv) || der_expect(&it, 0x81, &enc) ||
	    der_expect(&it, 0x82, &mac) || !der_iter_done(&it) || mcv.len != 16 ||
	    enc.len != 16 || mac.len != 16)
		return FAIL(l, R_INCORRECT_INPUT, "ReplaceSessionKeys malformed");
	pdp_scp03t_init(&l->scp, enc.val, mac.val, mcv.val);
	return 0;
}

/* The recovered UPP must be SAIP TLVs whose ProfileHeader carries the announced ICCID. */
static int check_upp(struct load *l)
{
	struct der_tlv pe, hdr_iccid;
	struct der_iter it;
	char hdr[21];
	int r;

	der_iter_init_buf(&it, l->plain, l->plain_len);
	for (unsigned i = 0; (r = der_iter_next(&it, &pe)) == 1; i++) {
		if (der_validate(&pe, DER_MAX_DEPTH))
			return FAIL(l, R_PE_PROCESSING, "profile element %u malformed", i);
		if (i == 0 && (pe.tag != 0xA0 || der_find(&pe, 0x83, &hdr_iccid)))
			return FAIL(l, R_PE_PROCESSING, "profile does not start with a header");
		if (i == 0 && (hdr_iccid.len != 10 || iccid_from_plain_bcd(hdr_iccid.val, hdr) ||
			       strcmp(hdr, l->iccid)))
			return FAIL(l, R_ICCID_MISMATCH, "ProfileHeader ICCID is not %s", l->iccid);
	}
	return r < 0 ? FAIL(l, R_PE_PROCESSING, "profile elements malformed") : 0;
}

/* Runs the BPP; returns 0 or the ErrorReason (l->cmd names the command). */
static int run_bpp(struct load *l, const struct der_tlv *bpp)
{
	struct der_tlv isc, a0, a1, a2, a3, t;
	struct der_iter it;
	int r, has_a2;

	der_iter_init(&it, bpp);
	if (der_expect(&it, 0xBF23, &isc))
		return FAIL(l, R_INCORRECT_INPUT, "BPP has no InitialiseSecureChannel");
	r = check_isc(l, &isc);
	if (r)
		return r;
	l->cmd = CMD_CONFIGURE_ISDP;
	if (der_expect(&it, 0xA0, &a0))
		return FAIL(l, R_SCP03T_STRUCTURE, "BPP has no ConfigureISDP");
	if (!l->e->sign_only) {
		r = open_container(l, &a0, PDP_BSP_TAG_ENC);
		if (r || (r = one_tlv(l, 0xBF24, &t)))
			return r;
	}
	l->cmd = CMD_STORE_METADATA;
	if (der_expect(&it, 0xA1, &a1))
		return FAIL(l, R_SCP03T_STRUCTURE, "BPP has no StoreMetadata");
	r = open_container(l, &a1, PDP_BSP_TAG_MAC);
	if (r || (r = store_metadata(l)))
		return r;
	has_a2 = der_take(&it, 0xA2, &a2);
	if (has_a2 == -EBADMSG)
		return FAIL(l, R_SCP03T_STRUCTURE, "BPP malformed after StoreMetadata");
	if (!has_a2 && !l->e->sign_only) {
		l->cmd = CMD_REPLACE_SESSION_KEYS;
		r = open_container(l, &a2, PDP_BSP_TAG_ENC);
		if (r || (r = replace_session_keys(l)))
			return r;
	}
	l->cmd = CMD_LOAD_PROFILE_ELEMENTS;
	if (der_expect(&it, 0xA3, &a3) || !der_iter_done(&it))
		return FAIL(l, R_SCP03T_STRUCTURE, "BPP has no single profile container");
	if (l->e->sign_only) {
		l->plain_len = 0; /* the profile stays encrypted: an empty UPP is recorded */
		return 0;
	}
	r = open_container(l, &a3, PDP_BSP_TAG_PROFILE);
	return r ? r : check_upp(l);
}

/* Simple "all OK" EUICCResponse of SAIP (peStatus ok), as simaResponse. */
static const uint8_t sima_ok[] = { 0x30, 0x07, 0xA0, 0x05, 0x30, 0x03, 0x80, 0x01, 0x00 };

static int build_pir(struct load *l, long seq, int reason, uint8_t **pir, size_t *pir_len)
{
	struct seuicc *e = l->e;
	uint8_t aid[16] = { 0xA0, 0x00, 0x00, 0x05, 0x59, 0x10, 0x10, 0xFF,
			    0xFF, 0xFF, 0xFF, 0x89, 0x00, 0x00, 0x10, 0x00 };
	struct der_buf b;
	size_t start;

	aid[15] = (uint8_t)(0x10 + (e->n_profiles & 0x7F));
	der_buf_init(&b);
	der_begin(&b, 0xBF37);
	start = b.len;
	der_begin(&b, 0xBF27);
	der_put(&b, 0x80, e->s.tid, e->s.tid_len);
	seuicc_put_metadata(e, &b, seq, 0x80, e->s.lpa_address,
			    l->have_iccid ? l->iccid_bcd : NULL);
	if (e->s.smdp_oid_len)
		der_put_raw(&b, e->s.smdp_oid, e->s.smdp_oid_len);
	der_begin(&b, 0xA2);
	if (!reason) {
		der_begin(&b, 0xA0);
		der_put(&b, 0x4F, aid, sizeof(aid));
		der_put(&b, DER_OCTET_STRING, sima_ok, sizeof(sima_ok));
	} else {
		der_begin(&b, 0xA1);
		der_put_uint(&b, 0x80, (uint64_t)l->cmd);
		der_put_uint(&b, 0x81, (uint64_t)reason);
	}
	der_end(&b);
	der_end(&b);
	der_end(&b);
	if (!b.err && seuicc_sign_tlv(e, b.data + start, b.len - start, &b)) {
		der_buf_free(&b);
		return -EIO;
	}
	der_end(&b);
	return der_buf_take(&b, pir, pir_len);
}

int seuicc_load_bpp(struct seuicc *e, const uint8_t *bpp, size_t bpp_len, uint8_t **pir,
		    size_t *pir_len, char iccid[21], int *sgp_err, int *bpp_cmd)
{
	struct load l = { .e = e };
	struct der_tlv top;
	long seq;
	int reason, ret;

	*sgp_err = 0;
	*bpp_cmd = 0;
	iccid[0] = '\0';
	if (e->s.stage != SEUICC_PREPARED)
		return seuicc_fail(e, -EINVAL, "no download prepared");
	e->err[0] = '\0';
	if (der_parse_exact(bpp, bpp_len, &top) || top.tag != 0xBF36)
		reason = FAIL(&l, R_INCORRECT_INPUT, "BPP is no BF36 TLV");
	else
		reason = run_bpp(&l, &top);
	if (!reason)
		reason = store_profile_put(e, l.iccid, l.plain, l.plain_len, e->s.lpa_address) ?
				 FAIL(&l, R_UNKNOWN, "cannot store the profile") : 0;
	ret = store_next_seq(e, &seq);
	if (!ret)
		ret = build_pir(&l, seq, reason, pir, pir_len);
	if (!ret)
		ret = store_notification_put(e, seq, *pir, *pir_len, e->s.lpa_address);
	if (!ret && !reason) {
		e->n_profiles++;
		snprintf(iccid, 21, "%s", l.iccid);
	}
	*sgp_err = reason;
	*bpp_cmd = l.cmd;
	free(l.plain);
	OPENSSL_cleanse(&l.scp, sizeof(l.scp));
	seuicc_session_reset(e);
	return ret;
}
