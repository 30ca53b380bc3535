// SPDX-License-Identifier: Apache-2.0
/*
 * ES9+ in its ASN.1 binding (SGP.22 §6.6, rsp.asn "Definition for ES9+ ASN.1 Binding").
 * Tags as the module's AUTOMATIC TAGS give them: the 'A2' CHOICE is explicit; an
 * alternative's own SEQUENCE keeps its [57]..[65] tag; HandleNotification and
 * CancelSessionRequestEs9 have no tagged component, so theirs are numbered: [0] (explicit,
 * as it holds a CHOICE) around the PendingNotification, [0] transactionId and [1]
 * (explicit) around the CancelSessionResponse. The response CHOICEs number theirs the same
 * way: [0] the Ok SEQUENCE, [1] the error INTEGER. For the two numbered wrappings the bare
 * element is taken too (an encoder that missed the automatic tag); nothing else is.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "../rsp/der.h"
#include "asn1.h"

static const uint32_t fn_tag[ES9_FN_COUNT] = {
    [ES9_FN_INITIATE_AUTHENTICATION] = 0xBF39,	 [ES9_FN_AUTHENTICATE_CLIENT] = 0xBF3B,
    [ES9_FN_GET_BOUND_PROFILE_PACKAGE] = 0xBF3A, [ES9_FN_HANDLE_NOTIFICATION] = 0xBF3D,
    [ES9_FN_CANCEL_SESSION] = 0xBF41,
};

static int field(struct es9_call *c, const char *name, const uint8_t *p, size_t len)
{
	if (c->n_in == ES9_IN_FIELDS_MAX)
		return -EBADMSG;
	c->in[c->n_in].name = name;
	c->in[c->n_in].p = p;
	c->in[c->n_in].len = len;
	c->n_in++;
	return 0;
}

/* The next element must have @tag: its value (@raw 0) or whole TLV (@raw 1) is field @name. */
static int take(struct es9_call *c, struct der_iter *it, uint32_t tag, const char *name, int raw)
{
	struct der_tlv t;

	if (der_expect(it, tag, &t))
		return -EBADMSG;
	return raw ? field(c, name, t.raw, t.raw_len) : field(c, name, t.val, t.len);
}

/* An element numbered by AUTOMATIC TAGS around a CHOICE (@wrap) or, bare, one of @tags. */
static int take_wrapped(struct es9_call *c, struct der_iter *it, uint32_t wrap,
			const uint32_t *tags, unsigned n_tags, const char *name)
{
	struct der_iter in;
	struct der_tlv t, inner;
	unsigned i;

	if (der_iter_next(it, &t) != 1)
		return -EBADMSG;
	if (t.tag == wrap) {
		der_iter_init(&in, &t);
		if (der_iter_next(&in, &inner) != 1 || !der_iter_done(&in))
			return -EBADMSG;
		t = inner;
	}
	for (i = 0; i < n_tags; i++)
		if (t.tag == tags[i])
			return field(c, name, t.raw, t.raw_len);
	return -EBADMSG;
}

int es9_asn1_decode(struct es9_call *c, const uint8_t *der, size_t len, enum es9_fn *fn)
{
	static const uint32_t notif_tags[] = {0xBF37, 0x30}, cancel_tags[] = {0xBF41};
	static const uint32_t tid_tags[] = {0x80, 0x04};
	struct der_tlv outer, alt, t;
	struct der_iter it;
	int i, ret;

	*fn = ES9_FN_NONE;
	c->binding = ES9_BINDING_ASN1;
	c->n_in = 0;
	if (der_parse_exact(der, len, &outer) || outer.tag != 0xA2)
		return -EBADMSG;
	der_iter_init(&it, &outer);
	if (der_iter_next(&it, &alt) != 1 || !der_iter_done(&it))
		return -EBADMSG;
	for (i = 0; i < ES9_FN_COUNT; i++)
		if (alt.tag == fn_tag[i])
			break;
	if (i == ES9_FN_COUNT)
		return -EBADMSG;
	*fn = (enum es9_fn)i;
	der_iter_init(&it, &alt);
	switch (*fn) {
	case ES9_FN_INITIATE_AUTHENTICATION:
		ret = take(c, &it, 0x81, "euiccChallenge", 0);
		if (!ret)
			ret = take(c, &it, 0x83, "smdpAddress", 0);
		if (!ret)
			ret = take(c, &it, 0xBF20, "euiccInfo1", 1);
		break;
	case ES9_FN_AUTHENTICATE_CLIENT:
		ret = take(c, &it, 0x80, "transactionId", 0);
		if (!ret)
			ret = take(c, &it, 0xBF38, "authenticateServerResponse", 1);
		break;
	case ES9_FN_GET_BOUND_PROFILE_PACKAGE:
		ret = take(c, &it, 0x80, "transactionId", 0);
		if (!ret)
			ret = take(c, &it, 0xBF21, "prepareDownloadResponse", 1);
		break;
	case ES9_FN_HANDLE_NOTIFICATION:
		ret = take_wrapped(c, &it, 0xA0, notif_tags, 2, "pendingNotification");
		break;
	case ES9_FN_CANCEL_SESSION:
		/* transactionId: [0] by AUTOMATIC TAGS, or the bare OCTET STRING. */
		if (der_iter_next(&it, &t) != 1 || (t.tag != tid_tags[0] && t.tag != tid_tags[1]))
			return -EBADMSG;
		ret = field(c, "transactionId", t.val, t.len);
		if (!ret)
			ret = take_wrapped(c, &it, 0xA1, cancel_tags, 1, "cancelSessionResponse");
		break;
	default:
		return -EBADMSG;
	}
	if (ret)
		return ret;
	/* Extensions after the known elements are skipped, but they must be TLVs. */
	while ((ret = der_iter_next(&it, &t)) == 1)
		;
	return ret ? -EBADMSG : 0;
}

unsigned es9_asn1_error_code(enum es9_fn fn, enum es9_status st)
{
	switch (fn) {
	case ES9_FN_INITIATE_AUTHENTICATION:
		switch (st) {
		case ES9_E_DP_ADDRESS: return 1;	  /* invalidDpAddress */
		case ES9_E_SVN_UNSUPPORTED: return 2;	  /* euiccVersionNotSupportedByDp */
		case ES9_E_PKID_UNSUPPORTED: return 3;	  /* ciPKNotSupported */
		case ES9_E_NO_DPAUTH_CERT: return 3;	  /* no CERT.DPauth under its CIs */
		default: return 127;
		}
	case ES9_FN_AUTHENTICATE_CLIENT:
		switch (st) {
		case ES9_E_EUM_INVALID: return 1;
		case ES9_E_EUM_EXPIRED: return 2;
		case ES9_E_EUICC_CERT_INVALID: return 3;
		case ES9_E_EUICC_CERT_EXPIRED: return 4;
		case ES9_E_EUICC_VERIFY: return 5;
		case ES9_E_MATCHING_ID_REFUSED: return 6;
		case ES9_E_EID_REFUSED: return 7;
		case ES9_E_NO_ELIGIBLE: return 8;
		case ES9_E_CI_UNKNOWN: return 9;
		case ES9_E_TID_UNKNOWN: return 10;
		default: return 127;
		}
	case ES9_FN_GET_BOUND_PROFILE_PACKAGE:
		switch (st) {
		case ES9_E_EUICC_VERIFY: return 1;
		case ES9_E_CC_MISSING: return 2;
		case ES9_E_CC_REFUSED: return 3;
		case ES9_E_CC_RETRIES: return 4;
		case ES9_E_TID_UNKNOWN: return 95;
		default: return 127;
		}
	case ES9_FN_CANCEL_SESSION:
		switch (st) {
		case ES9_E_TID_UNKNOWN: return 1;
		case ES9_E_EUICC_VERIFY: return 2;
		default: return 127;
		}
	default:
		return 127;
	}
}

/* The answer field @name (added by the function in its order), or NULL. */
static const struct es9_out_field *out(const struct es9_call *c, const char *name)
{
	for (unsigned i = 0; i < c->n_out; i++)
		if (!strcmp(c->out[i].name, name))
			return &c->out[i];
	return NULL;
}

static void put_out(struct der_buf *b, const struct es9_call *c, const char *name)
{
	const struct es9_out_field *f = out(c, name);

	if (!f)
		b->err = b->err ? b->err : -EINVAL;
	else
		der_put_raw(b, f->text, f->len);
}

static void put_tid(struct der_buf *b, const struct es9_call *c)
{
	const struct es9_out_field *f = out(c, "transactionId");

	if (!f)
		b->err = b->err ? b->err : -EINVAL;
	else
		der_put(b, 0x80, f->text, f->len);
}

int es9_asn1_render(struct es9_call *c, enum es9_fn fn, enum es9_status st, int *http_status,
		    char **body, size_t *body_len)
{
	struct der_buf b;
	uint8_t *p;
	size_t n;
	int ret;

	*body = NULL;
	*body_len = 0;
	if (fn == ES9_FN_HANDLE_NOTIFICATION || fn == ES9_FN_NONE || fn >= ES9_FN_COUNT) {
		*http_status = st == ES9_OK && fn == ES9_FN_HANDLE_NOTIFICATION ? 204 : 400;
		return 0;
	}
	der_buf_init(&b);
	der_begin(&b, 0xA2);
	der_begin(&b, fn_tag[fn]);
	if (st) {
		der_put_uint(&b, 0x81, es9_asn1_error_code(fn, st));
	} else {
		der_begin(&b, 0xA0);
		switch (fn) {
		case ES9_FN_INITIATE_AUTHENTICATION:
			put_tid(&b, c);
			put_out(&b, c, "serverSigned1");
			put_out(&b, c, "serverSignature1");
			put_out(&b, c, "euiccCiPKIdToBeUsed");
			put_out(&b, c, "serverCertificate");
			break;
		case ES9_FN_AUTHENTICATE_CLIENT:
			put_tid(&b, c);
			put_out(&b, c, "profileMetadata");
			der_begin(&b, 0xBF21); /* PrepareDownloadRequest, hashCc is the LPA's */
			put_out(&b, c, "smdpSigned2");
			put_out(&b, c, "smdpSignature2");
			put_out(&b, c, "smdpCertificate");
			der_end(&b);
			break;
		case ES9_FN_GET_BOUND_PROFILE_PACKAGE:
			put_tid(&b, c);
			put_out(&b, c, "boundProfilePackage");
			break;
		default: /* CancelSessionOk: an empty SEQUENCE */
			break;
		}
		der_end(&b);
	}
	der_end(&b);
	der_end(&b);
	ret = der_buf_take(&b, &p, &n);
	if (ret)
		return -ENOMEM;
	*body = (char *)p;
	*body_len = n;
	*http_status = 200;
	return 0;
}
