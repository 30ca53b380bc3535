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
	uint8_t *md;               /* StoreMetadata (BF25), kept with the profile */
	size_t md_len;
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
	free(l->md);
	l->md = malloc(md.raw_len);
	if (!l->md)
		return FAIL(l, R_UNKNOWN, "out of memory");
	memcpy(l->md, md.raw, md.raw_len);
	l->md_len = md.raw_len;
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

/* Where a segmented load stands: what the next TLV at the BPP's top level may be. */
enum phase {
	PH_TOP = 0,  /* BF36 header */
	PH_ISC,      /* BF23 */
	PH_A0,       /* ConfigureISDP */
	PH_A1,       /* StoreMetadata container header */
	PH_A2_A3,    /* ReplaceSessionKeys, or the profile container header */
	PH_A3,       /* the profile container header */
	PH_END,      /* all seen */
};

struct seuicc_load {
	struct load l;
	enum phase phase;
	size_t top_left;     /* bytes of BF36's value still to come */
	uint32_t cont;       /* open container (A1 or A3), 0: none */
	size_t cont_left;    /* bytes of its value still to come */
};

/* One TLV header (tag, length) at @p: its size, or 0 when malformed or cut. */
static size_t header(const uint8_t *p, size_t n, uint32_t *tag, size_t *len)
{
	size_t i = 0, ln;

	if (!n)
		return 0;
	*tag = p[i++];
	if ((*tag & 0x1F) == 0x1F) {
		do {
			if (i == n || i == 3)
				return 0;
			*tag = *tag << 8 | p[i];
		} while (p[i++] & 0x80);
	}
	if (i == n)
		return 0;
	if (p[i] < 0x80) {
		*len = p[i++];
		return i;
	}
	ln = p[i++] & 0x7F;
	if (!ln || ln > 3 || i + ln > n)
		return 0;
	*len = 0;
	while (ln--)
		*len = *len << 8 | p[i++];
	return i;
}

/* Open one segment TLV of the open container into l->plain (appended). */
static int open_one(struct load *l, const struct der_tlv *seg, uint8_t seg_tag, uint32_t cont)
{
	uint8_t tag;
	size_t n;
	int r;

	if (seg->tag != seg_tag || seg->len <= PDP_BSP_MAC_LEN || seg->raw_len > PDP_BSP_MAX_SEGMENT)
		return FAIL(l, R_SCP03T_STRUCTURE, "segment %02X of %zu bytes in %X",
			    (unsigned)seg->tag, seg->raw_len, (unsigned)cont);
	if (l->e->sign_only && seg_tag == PDP_BSP_TAG_PROFILE)
		return 0; /* the profile stays encrypted: an empty UPP is recorded */
	if (l->plain_len + seg->len > l->plain_cap) {
		size_t cap = (l->plain_cap + seg->len) * 2;
		uint8_t *p = realloc(l->plain, cap);

		if (!p)
			return FAIL(l, R_UNKNOWN, "out of memory");
		l->plain = p;
		l->plain_cap = cap;
	}
	n = l->plain_cap - l->plain_len;
	if (l->e->sign_only) {
		/* Only for 88 (MAC-only) segments: the data before the MAC, unchecked. */
		n = seg->len - PDP_BSP_MAC_LEN;
		memcpy(l->plain + l->plain_len, seg->val, n);
		l->plain_len += n;
		return 0;
	}
	r = pdp_scp03t_open(&l->scp, seg->raw, seg->raw_len, &tag, l->plain + l->plain_len, &n);
	if (r == -EBADMSG)
		return FAIL(l, R_SCP03T_SECURITY, "segment MAC/padding wrong in %X", (unsigned)cont);
	if (r)
		return FAIL(l, R_SCP03T_STRUCTURE, "segment does not open (%d)", r);
	l->plain_len += n;
	return 0;
}

/* A whole TLV at the BPP's top level (not a container header). */
static int top_tlv(struct seuicc_load *s, const struct der_tlv *t)
{
	struct load *l = &s->l;
	struct der_tlv inner;
	int r;

	switch (s->phase) {
	case PH_ISC:
		if (t->tag != 0xBF23)
			return FAIL(l, R_INCORRECT_INPUT, "BPP has no InitialiseSecureChannel");
		r = check_isc(l, t);
		s->phase = PH_A0;
		return r;
	case PH_A0:
		l->cmd = CMD_CONFIGURE_ISDP;
		if (t->tag != 0xA0)
			return FAIL(l, R_SCP03T_STRUCTURE, "BPP has no ConfigureISDP");
		s->phase = PH_A1;
		if (l->e->sign_only)
			return 0;
		r = open_container(l, t, PDP_BSP_TAG_ENC);
		return r ? r : one_tlv(l, 0xBF24, &inner);
	case PH_A2_A3:
		if (t->tag != 0xA2)
			break;
		l->cmd = CMD_REPLACE_SESSION_KEYS;
		s->phase = PH_A3;
		if (l->e->sign_only)
			return 0;
		r = open_container(l, t, PDP_BSP_TAG_ENC);
		return r ? r : replace_session_keys(l);
	default:
		break;
	}
	return FAIL(l, R_SCP03T_STRUCTURE, "BPP element %X out of place", (unsigned)t->tag);
}

/* A container closed: StoreMetadata checked, or the profile complete. */
static int close_container(struct seuicc_load *s)
{
	struct load *l = &s->l;
	uint32_t c = s->cont;

	s->cont = 0;
	if (c == 0xA1) {
		s->phase = PH_A2_A3;
		if (!l->plain_len)
			return FAIL(l, R_SCP03T_STRUCTURE, "container A1 empty");
		return store_metadata(l);
	}
	s->phase = PH_END;
	if (s->top_left)
		return FAIL(l, R_SCP03T_STRUCTURE, "BPP has no single profile container");
	if (l->e->sign_only) {
		l->plain_len = 0;
		return 0;
	}
	if (!l->plain_len)
		return FAIL(l, R_SCP03T_STRUCTURE, "container A3 empty");
	return check_upp(l);
}

/*
 * Runs one segment as it comes; returns 0 or the ErrorReason (l->cmd names
 * the command). Container headers (BF36, A1, A3) open; every other TLV must
 * be whole within the segment.
 */
static int run_segment(struct seuicc_load *s, const uint8_t *p, size_t n)
{
	struct load *l = &s->l;

	while (n) {
		struct der_tlv t;
		uint32_t tag;
		size_t len, hl = header(p, n, &tag, &len);

		if (!hl)
			return FAIL(l, R_INCORRECT_INPUT, "segment ends inside a TLV header");
		if (s->phase == PH_TOP) {
			if (tag != 0xBF36 || len < n - hl)
				return FAIL(l, R_INCORRECT_INPUT, "BPP is no BF36 TLV");
			s->top_left = len;
			s->phase = PH_ISC;
			p += hl;
			n -= hl;
			continue;
		}
		if (s->phase == PH_END || hl > s->top_left)
			return FAIL(l, R_INCORRECT_INPUT, "data after the end of the BPP");
		if (!s->cont && ((tag == 0xA1 && s->phase == PH_A1) ||
				 (tag == 0xA3 && (s->phase == PH_A2_A3 || s->phase == PH_A3)))) {
			if (len + hl > s->top_left || !len)
				return FAIL(l, R_SCP03T_STRUCTURE, "container %X malformed",
					    (unsigned)tag);
			l->cmd = tag == 0xA1 ? CMD_STORE_METADATA : CMD_LOAD_PROFILE_ELEMENTS;
			s->cont = tag;
			s->cont_left = len;
			l->plain_len = 0;
			s->top_left -= hl;
			p += hl;
			n -= hl;
			continue;
		}
		if (hl + len > n || der_parse_one(p, hl + len, &t))
			return FAIL(l, R_INCORRECT_INPUT, "TLV %X not whole in its segment",
				    (unsigned)tag);
		if (t.raw_len > s->top_left || (s->cont && t.raw_len > s->cont_left))
			return FAIL(l, R_SCP03T_STRUCTURE, "TLV %X longer than its container",
				    (unsigned)tag);
		s->top_left -= t.raw_len;
		p += t.raw_len;
		n -= t.raw_len;
		if (s->cont) {
			int r = open_one(l, &t, s->cont == 0xA1 ? PDP_BSP_TAG_MAC :
					 PDP_BSP_TAG_PROFILE, s->cont);

			if (r)
				return r;
			s->cont_left -= t.raw_len;
			if (!s->cont_left && (r = close_container(s)))
				return r;
		} else {
			int r = top_tlv(s, &t);

			if (r)
				return r;
		}
	}
	if (s->phase != PH_TOP && s->phase != PH_END && !s->top_left)
		return FAIL(l, R_SCP03T_STRUCTURE, "BPP ends before the profile");
	return 0;
}

/* Simple "all OK" EUICCResponse of SAIP (peStatus ok), as simaResponse. */
static const uint8_t sima_ok[] = { 0x30, 0x07, 0xA0, 0x05, 0x30, 0x03, 0x80, 0x01, 0x00 };

static int build_pir(struct load *l, long seq, int reason, uint8_t **pir, size_t *pir_len)
{
	struct seuicc *e = l->e;
	uint8_t aid[16];
	struct der_buf b;
	size_t start;

	seuicc_isdp_aid(seq, aid);
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

void seuicc_load_free(struct seuicc *e)
{
	if (!e->load)
		return;
	free(e->load->l.plain);
	free(e->load->l.md);
	OPENSSL_cleanse(e->load, sizeof(*e->load));
	free(e->load);
	e->load = NULL;
}

/* The load ends: profile stored (when no error), PIR signed and queued. */
static int finish(struct seuicc *e, int reason, uint8_t **pir, size_t *pir_len, char iccid[21],
		  int *sgp_err, int *bpp_cmd)
{
	struct load *l = &e->load->l;
	uint8_t aid[16];
	long seq;
	int ret;

	if (!reason)
		reason = store_profile_put(e, l->iccid, l->plain, l->plain_len, e->s.lpa_address) ?
				 FAIL(l, R_UNKNOWN, "cannot store the profile") : 0;
	seuicc_isdp_aid(seq, aid);
	if (!reason && seuicc_profile_installed(e, l->iccid, aid, l->md, l->md_len))
		reason = FAIL(l, R_UNKNOWN, "cannot store the profile's metadata");
	ret = store_next_seq(e, &seq);
	if (!ret)
		ret = build_pir(l, seq, reason, pir, pir_len);
	if (!ret)
		ret = store_notification_put(e, seq, *pir, *pir_len, e->s.lpa_address);
	if (!ret && !reason) {
		e->n_profiles++;
		snprintf(iccid, 21, "%s", l->iccid);
	}
	*sgp_err = reason;
	*bpp_cmd = l->cmd;
	OPENSSL_cleanse(&l->scp, sizeof(l->scp));
	seuicc_session_reset(e);
	return ret;
}

int seuicc_load_bpp_segment(struct seuicc *e, const uint8_t *seg, size_t len, uint8_t **pir,
			    size_t *pir_len, char iccid[21], int *sgp_err, int *bpp_cmd)
{
	int reason;

	*pir = NULL;
	*pir_len = 0;
	*sgp_err = 0;
	*bpp_cmd = 0;
	iccid[0] = '\0';
	if (e->s.stage != SEUICC_PREPARED)
		return seuicc_fail(e, -EINVAL, "no download prepared");
	if (!e->load) {
		e->load = calloc(1, sizeof(*e->load));
		if (!e->load)
			return seuicc_fail(e, -ENOMEM, "out of memory");
		e->load->l.e = e;
		e->err[0] = '\0';
	}
	reason = run_segment(e->load, seg, len);
	if (!reason && e->load->phase != PH_END)
		return 0; /* more segments to come */
	return finish(e, reason, pir, pir_len, iccid, sgp_err, bpp_cmd);
}

int seuicc_load_bpp(struct seuicc *e, const uint8_t *bpp, size_t bpp_len, uint8_t **pir,
		    size_t *pir_len, char iccid[21], int *sgp_err, int *bpp_cmd)
{
	struct der_tlv top;
	int ret;

	if (e->s.stage != SEUICC_PREPARED)
		return seuicc_fail(e, -EINVAL, "no download prepared");
	/* The whole BPP at once is the same as one segment holding all of it. */
	if (der_parse_exact(bpp, bpp_len, &top) || top.tag != 0xBF36) {
		static const uint8_t bad[] = { 0x04, 0x00 };

		return seuicc_load_bpp_segment(e, bad, sizeof(bad), pir, pir_len, iccid, sgp_err,
					       bpp_cmd);
	}
	ret = seuicc_load_bpp_segment(e, bpp, bpp_len, pir, pir_len, iccid, sgp_err, bpp_cmd);
	if (!ret && !*pir)
		return seuicc_fail(e, -EINVAL, "BPP incomplete");
	return ret;
}
