// SPDX-License-Identifier: Apache-2.0
/*
 * X.509 reader for what SGP.22 looks at (RFC 5280 layout, strict DER):
 * tbsCertificate and signature, validity, subject O/serialNumber, the EC
 * subject key, and the extensions AKI, SKI, keyUsage, basicConstraints,
 * certificatePolicies, nameConstraints and subjectAltName. It replaces
 * d2i_X509(), whose eager key decoding through OpenSSL 3.0's decoder
 * framework cost ~90 us a certificate. Every element is bounds-checked
 * against its parent; anything unexpected makes the whole parse fail.
 */
#include <string.h>

#include "cert_der.h"
#include "cert_priv.h"

static const uint8_t OID_EC_PUBKEY[] = {0x2a, 0x86, 0x48, 0xce, 0x3d, 0x02, 0x01};
static const uint8_t OID_P256[] = {0x2a, 0x86, 0x48, 0xce, 0x3d, 0x03, 0x01, 0x07};
static const uint8_t OID_BP256R1[] = {0x2b, 0x24, 0x03, 0x03, 0x02, 0x08, 0x01, 0x01, 0x07};
static const uint8_t OID_ECDSA_SHA256[] = {0x2a, 0x86, 0x48, 0xce, 0x3d, 0x04, 0x03, 0x02};
/* 2.23.146.1.2.1.<role>: the SGP.22 certificate policies. */
static const uint8_t OID_SGP22_POLICY[] = {0x67, 0x81, 0x12, 0x01, 0x02, 0x01};

/* Attribute types 2.5.4.x and extensions 2.5.29.x are 55 04 x and 55 1d x. */
#define ATTR_SERIAL 0x05
#define ATTR_ORG 0x0a

enum ext_id {
	EXT_SKI = 14,
	EXT_KU = 15,
	EXT_SAN = 17,
	EXT_BC = 19,
	EXT_NC = 30,
	EXT_CP = 32,
	EXT_POLICY_MAPPINGS = 33,
	EXT_AKI = 35,
	EXT_POLICY_CONSTRAINTS = 36,
	EXT_EKU = 37,
	EXT_INHIBIT_ANY = 54,
};

/* 2.5.4.x or 2.5.29.x (@arc 0x04 / 0x1d): x, or -1 for another OID. */
static int x500_id(const struct cder_tlv *oid, uint8_t arc)
{
	if (oid->len != 3 || oid->val[0] != 0x55 || oid->val[1] != arc || (oid->val[2] & 0x80))
		return -1;
	return oid->val[2];
}

static int put_utf8(char *out, size_t *n, unsigned cp)
{
	if (!cp || (cp >= 0xd800 && cp < 0xe000) || cp > 0x10ffff)
		return -1;
	if (*n + 4 > CERT_ATTR_MAX)
		return -1;
	if (cp < 0x80) {
		out[(*n)++] = (char)cp;
	} else if (cp < 0x800) {
		out[(*n)++] = (char)(0xc0 | cp >> 6);
		out[(*n)++] = (char)(0x80 | (cp & 0x3f));
	} else if (cp < 0x10000) {
		out[(*n)++] = (char)(0xe0 | cp >> 12);
		out[(*n)++] = (char)(0x80 | (cp >> 6 & 0x3f));
		out[(*n)++] = (char)(0x80 | (cp & 0x3f));
	} else {
		out[(*n)++] = (char)(0xf0 | cp >> 18);
		out[(*n)++] = (char)(0x80 | (cp >> 12 & 0x3f));
		out[(*n)++] = (char)(0x80 | (cp >> 6 & 0x3f));
		out[(*n)++] = (char)(0x80 | (cp & 0x3f));
	}
	return 0;
}

/* Length of the well-formed UTF-8 sequence at @s (no NUL, shortest form), or 0. */
static size_t utf8_seq(const uint8_t *s, size_t avail)
{
	unsigned cp, min;
	size_t n, i;

	if (!s[0])
		return 0;
	if (s[0] < 0x80)
		return 1;
	if ((s[0] & 0xe0) == 0xc0)
		n = 2, cp = s[0] & 0x1f, min = 0x80;
	else if ((s[0] & 0xf0) == 0xe0)
		n = 3, cp = s[0] & 0x0f, min = 0x800;
	else if ((s[0] & 0xf8) == 0xf0)
		n = 4, cp = s[0] & 0x07, min = 0x10000;
	else
		return 0;
	if (avail < n)
		return 0;
	for (i = 1; i < n; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		cp = cp << 6 | (s[i] & 0x3f);
	}
	if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp < 0xe000))
		return 0;
	return n;
}

/* A directory string as NUL-terminated UTF-8, as ASN1_STRING_to_UTF8() would give it. */
static int dir_string(const struct cder_tlv *v, char out[CERT_ATTR_MAX + 1])
{
	size_t i, n = 0, k;

	switch (v->tag) {
	case CDER_UTF8:
		for (i = 0; i < v->len; i += k) {
			k = utf8_seq(v->val + i, v->len - i);
			if (!k)
				return -1;
		}
		if (v->len > CERT_ATTR_MAX)
			return -1;
		memcpy(out, v->val, v->len);
		n = v->len;
		break;
	case CDER_PRINTABLE:
	case CDER_IA5:
	case 0x12: /* NumericString */
	case 0x1a: /* VisibleString */
		if (v->len > CERT_ATTR_MAX)
			return -1;
		for (i = 0; i < v->len; i++)
			if (!v->val[i] || v->val[i] >= 0x80)
				return -1;
		memcpy(out, v->val, v->len);
		n = v->len;
		break;
	case CDER_T61: /* taken as Latin-1, like OpenSSL */
		for (i = 0; i < v->len; i++)
			if (put_utf8(out, &n, v->val[i]))
				return -1;
		break;
	case CDER_BMP:
		if (v->len & 1)
			return -1;
		for (i = 0; i < v->len; i += 2)
			if (put_utf8(out, &n, (unsigned)v->val[i] << 8 | v->val[i + 1]))
				return -1;
		break;
	default:
		return -1;
	}
	out[n] = 0;
	return 0;
}

/*
 * Walk a Name (SEQUENCE OF SET OF AttributeTypeAndValue). With @dn, keep O
 * and serialNumber; a second value of either is ambiguous and refused.
 * @has_serial: [out, may be NULL] whether serialNumber was present.
 */
static int read_name(const struct cder_tlv *name, struct cert_dirname *dn, int *has_serial)
{
	int seen_org = 0, seen_serial = 0;
	struct cder names, rdn, atv;
	struct cder_tlv set, seq, type, value;

	if (name->tag != CDER_SEQUENCE)
		return -1;
	if (dn)
		memset(dn, 0, sizeof(*dn));
	cder_enter(name, &names);
	while (!cder_done(&names)) {
		if (cder_expect(&names, CDER_SET, &set) || !set.len)
			return -1;
		cder_enter(&set, &rdn);
		while (!cder_done(&rdn)) {
			if (cder_expect(&rdn, CDER_SEQUENCE, &seq))
				return -1;
			cder_enter(&seq, &atv);
			if (cder_expect(&atv, CDER_OID, &type) || !cder_oid_valid(&type) ||
			    cder_next(&atv, &value) || !cder_done(&atv))
				return -1;
			if (!dn)
				continue;
			switch (x500_id(&type, 0x04)) {
			case ATTR_ORG:
				if (seen_org++ || dir_string(&value, dn->org))
					return -1;
				break;
			case ATTR_SERIAL:
				if (seen_serial++ || dir_string(&value, dn->serial))
					return -1;
				break;
			}
		}
	}
	if (has_serial)
		*has_serial = seen_serial;
	return 0;
}

static int digits(const uint8_t *s, int n)
{
	int v = 0;

	while (n--) {
		if (*s < '0' || *s > '9')
			return -1;
		v = v * 10 + (*s++ - '0');
	}
	return v;
}

/* Days from 1970-01-01 to y-m-d (proleptic Gregorian). */
static long days_from_civil(int y, int m, int d)
{
	int era, yoe, doy, doe;

	y -= m <= 2;
	era = (y >= 0 ? y : y - 399) / 400;
	yoe = y - era * 400;
	doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
	doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return (long)era * 146097 + doe - 719468;
}

/* UTCTime YYMMDDHHMMSSZ or GeneralizedTime YYYYMMDDHHMMSSZ (RFC 5280 4.1.2.5). */
static int read_time(struct cder *d, time_t *out)
{
	static const int mdays[] = {31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
	struct cder_tlv t;
	const uint8_t *s;
	int y, mo, dd, h, mi, sec, leap;

	if (cder_next(d, &t))
		return -1;
	s = t.val;
	if (t.tag == CDER_UTCTIME && t.len == 13) {
		y = digits(s, 2);
		y += y < 50 ? 2000 : 1900;
		s += 2;
	} else if (t.tag == CDER_GENTIME && t.len == 15) {
		y = digits(s, 4);
		s += 4;
	} else {
		return -1;
	}
	mo = digits(s, 2);
	dd = digits(s + 2, 2);
	h = digits(s + 4, 2);
	mi = digits(s + 6, 2);
	sec = digits(s + 8, 2);
	if (y < 0 || mo < 1 || mo > 12 || dd < 1 || h < 0 || h > 23 || mi < 0 || mi > 59 ||
	    sec < 0 || sec > 59 || s[10] != 'Z')
		return -1;
	leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
	if (dd > mdays[mo - 1] || (mo == 2 && dd == 29 && !leap))
		return -1;
	*out = (time_t)days_from_civil(y, mo, dd) * 86400 + h * 3600 + mi * 60 + sec;
	return 0;
}

/* SEQUENCE { algorithm OID, parameters ANY OPTIONAL }. */
static int read_alg(const struct cder_tlv *alg, struct cder_tlv *oid, int *has_params)
{
	struct cder in;
	struct cder_tlv params;

	if (alg->tag != CDER_SEQUENCE)
		return -1;
	cder_enter(alg, &in);
	if (cder_expect(&in, CDER_OID, oid) || !cder_oid_valid(oid))
		return -1;
	*has_params = !cder_done(&in);
	if (*has_params && cder_next(&in, &params))
		return -1;
	return cder_done(&in) ? 0 : -1;
}

/* Only an uncompressed point on P-256 or brainpoolP256r1 is kept; others give curve NONE. */
static int read_spki(struct pdp_cert *c, const struct cder_tlv *spki)
{
	struct cder in, alg_in;
	struct cder_tlv alg, oid, params, key;

	c->curve = PDP_CURVE_NONE;
	if (spki->tag != CDER_SEQUENCE)
		return -1;
	cder_enter(spki, &in);
	if (cder_expect(&in, CDER_SEQUENCE, &alg) || cder_expect(&in, CDER_BIT_STRING, &key) ||
	    !cder_done(&in) || !key.len || key.val[0] > 7)
		return -1;
	cder_enter(&alg, &alg_in);
	if (cder_expect(&alg_in, CDER_OID, &oid) || !cder_oid_valid(&oid))
		return -1;
	if (!CDER_OID_IS(&oid, OID_EC_PUBKEY))
		return 0; /* another key type: parsed, but unusable */
	if (cder_next(&alg_in, &params) || !cder_done(&alg_in))
		return -1;
	if (key.len != 1 + PDP_PUBKEY_LEN || key.val[0] || key.val[1] != 0x04 ||
	    params.tag != CDER_OID)
		return 0;
	if (CDER_OID_IS(&params, OID_P256))
		c->curve = PDP_CURVE_P256;
	else if (CDER_OID_IS(&params, OID_BP256R1))
		c->curve = PDP_CURVE_BP256R1;
	else
		return 0;
	memcpy(c->pub, key.val + 1, PDP_PUBKEY_LEN);
	return 0;
}

static int read_keyid(struct cder_tlv *t, uint8_t *out, size_t *len)
{
	if (!t->len || t->len > PDP_KEYID_MAX)
		return -1;
	memcpy(out, t->val, t->len);
	*len = t->len;
	return 0;
}

static int ext_ski(struct pdp_cert *c, struct cder *v)
{
	struct cder_tlv id;

	if (cder_expect(v, CDER_OCTET_STRING, &id))
		return -1;
	return read_keyid(&id, c->ski, &c->ski_len);
}

/* SEQUENCE { keyIdentifier [0], authorityCertIssuer [1], authorityCertSerialNumber [2] } */
static int ext_aki(struct pdp_cert *c, struct cder *v)
{
	struct cder in;
	struct cder_tlv seq, t;
	int r;

	if (cder_expect(v, CDER_SEQUENCE, &seq))
		return -1;
	cder_enter(&seq, &in);
	r = cder_optional(&in, 0x80, &t);
	if (r < 0 || (r && read_keyid(&t, c->aki, &c->aki_len)))
		return -1;
	if (cder_optional(&in, 0xa1, &t) < 0 || cder_optional(&in, 0x82, &t) < 0)
		return -1;
	return cder_done(&in) ? 0 : -1;
}

static int ext_ku(struct pdp_cert *c, struct cder *v)
{
	struct cder_tlv bits;

	if (cder_expect(v, CDER_BIT_STRING, &bits) || !bits.len || bits.len > 3 ||
	    bits.val[0] > 7 || (bits.len == 1 && bits.val[0]))
		return -1;
	c->key_usage = (bits.len > 1 ? bits.val[1] : 0) | (bits.len > 2 ? bits.val[2] << 8 : 0);
	return 0;
}

/* SEQUENCE { cA BOOLEAN DEFAULT FALSE, pathLenConstraint INTEGER OPTIONAL } */
static int ext_bc(struct pdp_cert *c, struct cder *v)
{
	struct cder in;
	struct cder_tlv seq, t;
	int r;

	if (cder_expect(v, CDER_SEQUENCE, &seq))
		return -1;
	cder_enter(&seq, &in);
	r = cder_optional(&in, CDER_BOOLEAN, &t);
	if (r < 0 || (r && (c->is_ca = cder_bool(&t)) < 0))
		return -1;
	r = cder_optional(&in, CDER_INTEGER, &t);
	if (r < 0 || (r && (!t.len || (t.val[0] & 0x80))))
		return -1; /* a path length is never negative */
	return cder_done(&in) ? 0 : -1;
}

/* SEQUENCE OF PolicyInformation { policyIdentifier, policyQualifiers OPTIONAL } */
static int ext_cp(struct pdp_cert *c, struct cder *v)
{
	struct cder in, pi;
	struct cder_tlv seq, info, oid, quals;
	size_t n = sizeof(OID_SGP22_POLICY);

	if (cder_expect(v, CDER_SEQUENCE, &seq) || !seq.len)
		return -1;
	cder_enter(&seq, &in);
	while (!cder_done(&in)) {
		if (cder_expect(&in, CDER_SEQUENCE, &info))
			return -1;
		cder_enter(&info, &pi);
		if (cder_expect(&pi, CDER_OID, &oid) || !cder_oid_valid(&oid) ||
		    cder_optional(&pi, CDER_SEQUENCE, &quals) < 0 || !cder_done(&pi))
			return -1;
		if (oid.len == n + 1 && !memcmp(oid.val, OID_SGP22_POLICY, n) && oid.val[n] <= 5)
			c->policies |= 1u << (oid.val[n] + PDP_CERT_ROLE_CI); /* .0 is the CI */
	}
	return 0;
}

/* GeneralSubtrees: keep each directoryName's O and serialNumber. */
static int nc_subtrees(const struct cder_tlv *list, struct cert_dirname *out, unsigned *n)
{
	struct cder in, st;
	struct cder_tlv sub, base, t;

	cder_enter(list, &in);
	if (cder_done(&in))
		return -1; /* SIZE (1..MAX) */
	while (!cder_done(&in)) {
		if (cder_expect(&in, CDER_SEQUENCE, &sub))
			return -1;
		cder_enter(&sub, &st);
		if (cder_next(&st, &base) || cder_optional(&st, 0x80, &t) < 0 ||
		    cder_optional(&st, 0x81, &t) < 0 || !cder_done(&st))
			return -1;
		if (base.tag != 0xa4)
			continue; /* SGP.22 constrains eUICC names only by DirName */
		if (*n == CERT_NC_MAX)
			return -1;
		cder_enter(&base, &st);
		if (cder_expect(&st, CDER_SEQUENCE, &t) || !cder_done(&st) ||
		    read_name(&t, &out[*n], NULL))
			return -1;
		(*n)++;
	}
	return 0;
}

/* SEQUENCE { permittedSubtrees [0], excludedSubtrees [1] } */
static int ext_nc(struct pdp_cert *c, struct cder *v)
{
	struct cder in;
	struct cder_tlv seq, t;
	int r;

	if (cder_expect(v, CDER_SEQUENCE, &seq))
		return -1;
	cder_enter(&seq, &in);
	c->has_name_constraints = 1;
	r = cder_optional(&in, 0xa0, &t);
	if (r < 0 || (r && nc_subtrees(&t, c->permitted, &c->n_permitted)))
		return -1;
	r = cder_optional(&in, 0xa1, &t);
	if (r < 0 || (r && nc_subtrees(&t, c->excluded, &c->n_excluded)))
		return -1;
	return cder_done(&in) ? 0 : -1;
}

/* GeneralNames: keep the first registeredID [8] as an OID TLV. */
static int ext_san(struct pdp_cert *c, struct cder *v)
{
	struct cder in;
	struct cder_tlv seq, gn;

	if (cder_expect(v, CDER_SEQUENCE, &seq) || !seq.len)
		return -1;
	cder_enter(&seq, &in);
	while (!cder_done(&in)) {
		if (cder_next(&in, &gn))
			return -1;
		if (gn.tag != 0x88 || c->smdp_oid_len)
			continue;
		if (!cder_oid_valid(&gn) || gn.len > CERT_OID_TLV_MAX - 2)
			return -1;
		c->smdp_oid[0] = CDER_OID;
		c->smdp_oid[1] = (uint8_t)gn.len;
		memcpy(c->smdp_oid + 2, gn.val, gn.len);
		c->smdp_oid_len = gn.len + 2;
	}
	return 0;
}

/* One Extension { extnID, critical DEFAULT FALSE, extnValue OCTET STRING }. */
static int read_extension(struct pdp_cert *c, const struct cder_tlv *ext, uint64_t *seen)
{
	struct cder in, v;
	struct cder_tlv oid, t, value;
	int critical = 0, r, id;

	cder_enter(ext, &in);
	if (cder_expect(&in, CDER_OID, &oid) || !cder_oid_valid(&oid))
		return -1;
	r = cder_optional(&in, CDER_BOOLEAN, &t);
	if (r < 0 || (r && (critical = cder_bool(&t)) < 0))
		return -1;
	if (cder_expect(&in, CDER_OCTET_STRING, &value) || !cder_done(&in))
		return -1;
	id = x500_id(&oid, 0x1d);
	if (id >= 0 && id < 64) {
		if (*seen & (1ull << id))
			return -1; /* a repeated extension is ambiguous */
		*seen |= 1ull << id;
	}
	cder_enter(&value, &v);
	switch (id) {
	case EXT_SKI:
		r = ext_ski(c, &v);
		break;
	case EXT_AKI:
		r = ext_aki(c, &v);
		break;
	case EXT_KU:
		r = ext_ku(c, &v);
		break;
	case EXT_BC:
		r = ext_bc(c, &v);
		break;
	case EXT_CP:
		r = ext_cp(c, &v);
		break;
	case EXT_NC:
		r = ext_nc(c, &v);
		break;
	case EXT_SAN:
		r = ext_san(c, &v);
		break;
	case EXT_EKU:
	case EXT_POLICY_MAPPINGS:
	case EXT_POLICY_CONSTRAINTS:
	case EXT_INHIBIT_ANY:
		return 0; /* known to OpenSSL's check too; SGP.22 checks nothing in them */
	default:
		c->unknown_critical |= critical;
		return 0;
	}
	return r || !cder_done(&v) ? -1 : 0;
}

static int read_extensions(struct pdp_cert *c, const struct cder_tlv *wrap)
{
	struct cder in, list;
	struct cder_tlv seq, ext;
	uint64_t seen = 0;

	cder_enter(wrap, &in);
	if (cder_expect(&in, CDER_SEQUENCE, &seq) || !cder_done(&in) || !seq.len)
		return -1;
	cder_enter(&seq, &list);
	while (!cder_done(&list))
		if (cder_expect(&list, CDER_SEQUENCE, &ext) || read_extension(c, &ext, &seen))
			return -1;
	return 0;
}

/* TBSCertificate (RFC 5280 4.1). @sig_alg: the outer signatureAlgorithm, which must match. */
static int read_tbs(struct pdp_cert *c, const struct cder_tlv *tbs, const struct cder_tlv *sig_alg)
{
	struct cder in, vin, val_in;
	struct cder_tlv t, ver, alg, oid;
	int version = 0, params, r;

	cder_enter(tbs, &in);
	r = cder_optional(&in, 0xa0, &t);
	if (r < 0)
		return -1;
	if (r) {
		cder_enter(&t, &vin);
		if (cder_expect(&vin, CDER_INTEGER, &ver) || !cder_done(&vin) || ver.len != 1 ||
		    ver.val[0] > 2)
			return -1;
		version = ver.val[0];
	}
	if (cder_expect(&in, CDER_INTEGER, &t) || !t.len || t.len > 21)
		return -1; /* serialNumber: at most 20 octets (+ a sign octet) */
	if (cder_next(&in, &alg) || read_alg(&alg, &oid, &params))
		return -1;
	if (alg.raw_len != sig_alg->raw_len || memcmp(alg.raw, sig_alg->raw, alg.raw_len))
		return -1; /* the signed algorithm must be the one used */
	c->sig_ecdsa_sha256 = CDER_OID_IS(&oid, OID_ECDSA_SHA256) && !params;
	if (cder_next(&in, &t) || read_name(&t, NULL, NULL)) /* issuer: matched by key id */
		return -1;
	if (cder_expect(&in, CDER_SEQUENCE, &t))
		return -1;
	cder_enter(&t, &val_in);
	if (read_time(&val_in, &c->not_before) || read_time(&val_in, &c->not_after) ||
	    !cder_done(&val_in))
		return -1;
	if (cder_next(&in, &t) || read_name(&t, &c->subject, &c->has_subject_serial))
		return -1;
	if (cder_next(&in, &t) || read_spki(c, &t))
		return -1;
	if (cder_optional(&in, 0x81, &t) < 0 || cder_optional(&in, 0x82, &t) < 0)
		return -1; /* unique identifiers: allowed, unused */
	r = cder_optional(&in, 0xa3, &t);
	if (r < 0 || (r && (version != 2 || read_extensions(c, &t))))
		return -1;
	return cder_done(&in) ? 0 : -1;
}

int cert_x509_read(struct pdp_cert *c)
{
	struct cder d, in;
	struct cder_tlv cert, tbs, alg, sig;

	cder_init(&d, c->der, c->der_len);
	if (cder_expect(&d, CDER_SEQUENCE, &cert) || !cder_done(&d))
		return -1; /* exactly one certificate, no trailing bytes */
	cder_enter(&cert, &in);
	if (cder_expect(&in, CDER_SEQUENCE, &tbs) || cder_expect(&in, CDER_SEQUENCE, &alg) ||
	    cder_expect(&in, CDER_BIT_STRING, &sig) || !cder_done(&in))
		return -1;
	if (!sig.len || sig.val[0])
		return -1; /* a signature is whole octets */
	c->tbs = tbs.raw;
	c->tbs_len = tbs.raw_len;
	c->sig = sig.val + 1;
	c->sig_len = sig.len - 1;
	return read_tbs(c, &tbs, &alg);
}
