// SPDX-License-Identifier: Apache-2.0
/* JSON <-> ES9+ ASN.1 binding (tags as appliance/es9/asn1.c explains them). */
#include "es9_asn1.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "b64.h" /* appliance/rsp */
#include "der.h"

static const struct {
	const char *name;
	uint32_t tag;
} fns[] = {
	{ "initiateAuthentication", 0xBF39 },
	{ "authenticateClient", 0xBF3B },
	{ "getBoundProfilePackage", 0xBF3A },
	{ "handleNotification", 0xBF3D },
	{ "cancelSession", 0xBF41 },
};

static uint32_t fn_tag(const char *function)
{
	for (size_t i = 0; i < sizeof(fns) / sizeof(fns[0]); i++)
		if (!strcmp(fns[i].name, function))
			return fns[i].tag;
	return 0;
}

/* A base64 member, put as the DER it holds (a whole TLV) or under @tag (its value). */
static int put_b64(struct der_buf *b, json_t *req, const char *name, uint32_t tag)
{
	json_t *v = json_object_get(req, name);
	uint8_t *p;
	ssize_t n;

	if (!json_is_string(v))
		return -EINVAL;
	n = rsp_b64_decode(json_string_value(v), json_string_length(v), &p);
	if (n < 0)
		return -EINVAL;
	if (tag)
		der_put(b, tag, p, (size_t)n);
	else
		der_put_raw(b, p, (size_t)n);
	free(p);
	return 0;
}

static int put_tid(struct der_buf *b, json_t *req)
{
	json_t *v = json_object_get(req, "transactionId");
	const char *s = json_string_value(v);
	uint8_t tid[16];
	size_t n, i;

	if (!s || (n = strlen(s)) % 2 || n / 2 > sizeof(tid) || !n)
		return -EINVAL;
	for (i = 0; i < n / 2; i++) {
		unsigned x;

		if (sscanf(s + 2 * i, "%2x", &x) != 1)
			return -EINVAL;
		tid[i] = (uint8_t)x;
	}
	der_put(b, 0x80, tid, n / 2);
	return 0;
}

int es9_asn1_request(const char *function, json_t *req, uint8_t **der, size_t *len)
{
	uint32_t tag = fn_tag(function);
	struct der_buf b;
	json_t *addr;
	int ret = 0;

	if (!tag)
		return -EINVAL;
	der_buf_init(&b);
	der_begin(&b, 0xA2);
	der_begin(&b, tag);
	switch (tag) {
	case 0xBF39:
		addr = json_object_get(req, "smdpAddress");
		ret = put_b64(&b, req, "euiccChallenge", 0x81);
		if (!ret && !json_is_string(addr))
			ret = -EINVAL;
		if (!ret)
			der_put(&b, 0x83, json_string_value(addr), json_string_length(addr));
		if (!ret)
			ret = put_b64(&b, req, "euiccInfo1", 0);
		break;
	case 0xBF3B:
		ret = put_tid(&b, req);
		if (!ret)
			ret = put_b64(&b, req, "authenticateServerResponse", 0);
		break;
	case 0xBF3A:
		ret = put_tid(&b, req);
		if (!ret)
			ret = put_b64(&b, req, "prepareDownloadResponse", 0);
		break;
	case 0xBF3D:
		der_begin(&b, 0xA0);
		ret = put_b64(&b, req, "pendingNotification", 0);
		der_end(&b);
		break;
	case 0xBF41:
		ret = put_tid(&b, req);
		der_begin(&b, 0xA1);
		if (!ret)
			ret = put_b64(&b, req, "cancelSessionResponse", 0);
		der_end(&b);
		break;
	}
	der_end(&b);
	der_end(&b);
	if (ret) {
		der_buf_free(&b);
		return ret;
	}
	return der_buf_take(&b, der, len);
}

static int set_b64(json_t *o, const char *name, const struct der_tlv *t)
{
	char *s;

	if (rsp_b64_encode(t->raw, t->raw_len, &s) < 0)
		return -ENOMEM;
	json_object_set_new(o, name, json_string(s));
	free(s);
	return 0;
}

static int set_tid(json_t *o, const struct der_tlv *t)
{
	char hex[33];

	if (t->tag != 0x80 || !t->len || t->len > 16)
		return -EBADMSG;
	for (size_t i = 0; i < t->len; i++)
		snprintf(hex + 2 * i, 3, "%02X", t->val[i]);
	json_object_set_new(o, "transactionId", json_string(hex));
	return 0;
}

/* The children of @ok into @o under @names (NULL: skip one), exactly in that order. */
static int set_fields(json_t *o, struct der_iter *it, const char *const *names, unsigned n)
{
	struct der_tlv t;

	for (unsigned i = 0; i < n; i++) {
		if (der_iter_next(it, &t) != 1)
			return -EBADMSG;
		if (!strcmp(names[i], "transactionId")) {
			if (set_tid(o, &t))
				return -EBADMSG;
		} else if (set_b64(o, names[i], &t)) {
			return -ENOMEM;
		}
	}
	return 0;
}

int es9_asn1_answer(const char *function, const uint8_t *der, size_t len, json_t **resp,
		    struct es9_status *st)
{
	static const char *const ia[] = { "transactionId", "serverSigned1", "serverSignature1",
					  "euiccCiPKIdToBeUsed", "serverCertificate" };
	static const char *const pd[] = { "smdpSigned2", "smdpSignature2" };
	static const char *const gb[] = { "transactionId", "boundProfilePackage" };
	uint32_t tag = fn_tag(function);
	struct der_tlv outer, alt, res, t;
	struct der_iter it;
	uint64_t code;
	json_t *o;
	int ret;

	*resp = NULL;
	if (!len) {
		if (tag != 0xBF3D)
			return -EBADMSG;
		snprintf(st->status, sizeof(st->status), "Executed-Success");
		return 0;
	}
	if (der_parse_exact(der, len, &outer) || outer.tag != 0xA2)
		return -EBADMSG;
	der_iter_init(&it, &outer);
	if (der_iter_next(&it, &alt) != 1 || alt.tag != tag || !der_iter_done(&it))
		return -EBADMSG;
	der_iter_init(&it, &alt);
	if (der_iter_next(&it, &res) != 1 || !der_iter_done(&it))
		return -EBADMSG;
	if (res.tag == 0x81) {
		if (der_get_uint(&res, 1000, &code))
			return -EBADMSG;
		snprintf(st->status, sizeof(st->status), "Failed");
		snprintf(st->subject_code, sizeof(st->subject_code), "asn1");
		snprintf(st->reason_code, sizeof(st->reason_code), "%u", (unsigned)code);
		snprintf(st->message, sizeof(st->message), "%s error %u", function,
			 (unsigned)code);
		return -EPROTO;
	}
	if (res.tag != 0xA0)
		return -EBADMSG;
	o = json_pack("{s{s{ss}}}", "header", "functionExecutionStatus", "status",
		      "Executed-Success");
	if (!o)
		return -ENOMEM;
	der_iter_init(&it, &res);
	switch (tag) {
	case 0xBF39:
		ret = set_fields(o, &it, ia, 5);
		break;
	case 0xBF3B:
		ret = der_iter_next(&it, &t) == 1 && !set_tid(o, &t) ? 0 : -EBADMSG;
		if (!ret)
			ret = der_expect(&it, 0xBF25, &t) ? -EBADMSG : set_b64(o, "profileMetadata", &t);
		if (!ret && !der_expect(&it, 0xBF21, &t)) {
			struct der_iter in;
			struct der_tlv cert;

			der_iter_init(&in, &t);
			ret = set_fields(o, &in, pd, 2);
			/* hashCc (04) is the LPA's own: skip one if there. */
			if (!ret && der_take(&in, 0x04, &cert) == -EBADMSG)
				ret = -EBADMSG;
			if (!ret)
				ret = der_expect(&in, 0x30, &cert) ? -EBADMSG
								  : set_b64(o, "smdpCertificate", &cert);
		} else if (!ret) {
			ret = -EBADMSG;
		}
		break;
	case 0xBF3A:
		ret = set_fields(o, &it, gb, 2);
		break;
	default: /* cancelSession: an empty Ok */
		ret = 0;
	}
	if (ret) {
		json_decref(o);
		return ret == -ENOMEM ? ret : -EBADMSG;
	}
	snprintf(st->status, sizeof(st->status), "Executed-Success");
	*resp = o;
	return 0;
}
