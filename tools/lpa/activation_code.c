// SPDX-License-Identifier: Apache-2.0
/* Activation code parsing (SGP.22 4.1): strict, because it comes from a QR code. */
#include "activation_code.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>

#define AC_FIELDS_MAX 5

static int fail(char *err, unsigned err_len, const char *why)
{
	snprintf(err, err_len, "activation code: %s", why);
	return -EINVAL;
}

/* Printable ASCII without '$' (the delimiter) is all SGP.22 allows in a field. */
static bool field_ok(const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (!isprint((unsigned char)s[i]) || s[i] == '$')
			return false;
	return true;
}

static bool address_ok(const char *s)
{
	if (!*s)
		return false;
	for (; *s; s++)
		if (!isalnum((unsigned char)*s) && !strchr(".-:", *s))
			return false;
	return true;
}

static bool oid_ok(const char *s)
{
	for (; *s; s++)
		if (!isdigit((unsigned char)*s) && *s != '.')
			return false;
	return true;
}

int activation_code_parse(const char *text, struct activation_code *ac, char *err,
			  unsigned err_len)
{
	const char *field[AC_FIELDS_MAX];
	size_t flen[AC_FIELDS_MAX];
	unsigned nf = 0;
	const char *p;

	memset(ac, 0, sizeof(*ac));
	if (!text)
		return fail(err, err_len, "missing");
	if (!strncasecmp(text, "LPA:", 4))
		text += 4;
	for (p = text;;) {
		const char *d = strchr(p, '$');
		size_t n = d ? (size_t)(d - p) : strlen(p);

		if (nf == AC_FIELDS_MAX)
			return fail(err, err_len, "too many fields");
		if (!field_ok(p, n))
			return fail(err, err_len, "invalid character");
		field[nf] = p;
		flen[nf++] = n;
		if (!d)
			break;
		p = d + 1;
	}
	if (nf < 3)
		return fail(err, err_len, "need format$address$matchingId");
	if (flen[0] != 1 || field[0][0] != '1')
		return fail(err, err_len, "unsupported format (want 1)");
	if (flen[1] >= AC_ADDRESS_MAX || flen[2] >= AC_MATCHING_ID_MAX ||
	    (nf > 3 && flen[3] >= AC_OID_MAX))
		return fail(err, err_len, "field too long");
	memcpy(ac->smdp_address, field[1], flen[1]);
	memcpy(ac->matching_id, field[2], flen[2]);
	if (!address_ok(ac->smdp_address))
		return fail(err, err_len, "bad SM-DP+ address");
	if (nf > 3) {
		memcpy(ac->smdp_oid, field[3], flen[3]);
		if (!oid_ok(ac->smdp_oid))
			return fail(err, err_len, "bad SM-DP+ OID");
	}
	if (nf > 4) {
		if (flen[4] != 1 || (field[4][0] != '0' && field[4][0] != '1'))
			return fail(err, err_len, "bad confirmation code flag");
		ac->cc_required = field[4][0] == '1';
	}
	return 0;
}
