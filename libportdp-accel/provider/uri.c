// SPDX-License-Identifier: Apache-2.0
/*
 * Parser of "portdp:" key URIs (grammar in uri.h). It is the border for
 * every key name that reaches the provider: the store loader and key
 * generation call it before anything touches a card.
 */
#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "uri.h"

static int fail(char *why, size_t why_len, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static int fail(char *why, size_t why_len, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(why, why_len, fmt, ap);
	va_end(ap);
	return -EINVAL;
}

static int hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	c = (char)tolower((unsigned char)c);
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	return -1;
}

/* %XX-decode @len bytes of @in into @out (size @cap); no NUL bytes allowed. */
static int unescape(const char *in, size_t len, char *out, size_t cap)
{
	size_t i, o = 0;

	for (i = 0; i < len; i++) {
		int c = (unsigned char)in[i];

		if (c == '%') {
			int hi, lo;

			if (i + 2 >= len)
				return -EINVAL;
			hi = hexval(in[i + 1]);
			lo = hexval(in[i + 2]);
			if (hi < 0 || lo < 0)
				return -EINVAL;
			c = hi << 4 | lo;
			i += 2;
		}
		if (c == 0 || o + 1 >= cap)
			return -EINVAL;
		out[o++] = (char)c;
	}
	out[o] = 0;
	return 0;
}

static int parse_slot(const char *s, int *slot)
{
	long v = 0;

	if (!*s || strlen(s) > 3)
		return -EINVAL;
	for (; *s; s++) {
		if (!isdigit((unsigned char)*s))
			return -EINVAL;
		v = v * 10 + (*s - '0');
	}
	if (v > PORTDP_URI_SLOT_MAX)
		return -EINVAL;
	*slot = (int)v;
	return 0;
}

struct seen {
	int dev, soft, slot, file;
};

/* One "name[=value]" attribute. */
static int parse_attr(const char *attr, size_t len, struct portdp_uri *u, struct seen *seen,
		      char *file, char *why, size_t why_len)
{
	const char *eq = memchr(attr, '=', len);
	size_t nlen = eq ? (size_t)(eq - attr) : len;
	const char *raw = eq ? eq + 1 : NULL;
	size_t rlen = eq ? len - nlen - 1 : 0;
	char val[PATH_MAX];

	if (!len)
		return fail(why, why_len, "empty attribute");
	/* PATH_MAX bounds every value, so nothing below is ever truncated. */
	if (raw && unescape(raw, rlen, val, PATH_MAX))
		return fail(why, why_len, "bad value of '%.*s' (bad %%-escape, NUL or too long)",
			    (int)nlen, attr);
	if (nlen == 3 && !strncmp(attr, "dev", 3)) {
		if (seen->dev++)
			return fail(why, why_len, "'dev' given twice");
		u->accel = PORTDP_ACCEL_DEV;
		if (raw && val[0] != '/')
			return fail(why, why_len, "dev= needs an absolute device path");
		snprintf(u->dev, sizeof(u->dev), "%s", raw ? val : "");
		return 0;
	}
	if (nlen == 4 && !strncmp(attr, "soft", 4)) {
		if (seen->soft++)
			return fail(why, why_len, "'soft' given twice");
		if (raw)
			return fail(why, why_len, "'soft' takes no value");
		u->accel = PORTDP_ACCEL_SOFT;
		return 0;
	}
	if (nlen == 4 && !strncmp(attr, "slot", 4)) {
		if (seen->slot++)
			return fail(why, why_len, "'slot' given twice");
		if (!raw || parse_slot(val, &u->slot))
			return fail(why, why_len, "slot= needs a number 0..%d",
				    PORTDP_URI_SLOT_MAX);
		return 0;
	}
	if (nlen == 4 && !strncmp(attr, "file", 4)) {
		if (seen->file++)
			return fail(why, why_len, "'file' given twice");
		if (!raw || !val[0])
			return fail(why, why_len, "file= needs a path");
		memcpy(file, val, strlen(val) + 1);
		return 0;
	}
	return fail(why, why_len, "unknown attribute '%.*s'", (int)nlen, attr);
}

static int check_combination(struct portdp_uri *u, const struct seen *seen, const char *file,
			     char *why, size_t why_len)
{
	if (seen->dev && seen->soft)
		return fail(why, why_len, "'dev' and 'soft' exclude each other");
	if (seen->slot == seen->file)
		return fail(why, why_len, "name exactly one key: slot=N or file=PATH");
	if (seen->file) {
		if (u->accel == PORTDP_ACCEL_DEV)
			return fail(why, why_len,
				    "file= keys live on the soft backend, not on a card");
		u->accel = PORTDP_ACCEL_SOFT;
		snprintf(u->key_uri, sizeof(u->key_uri), "file:%s", file);
		return 0;
	}
	if (u->accel == PORTDP_ACCEL_SOFT)
		return fail(why, why_len, "slot= keys live on a card, not on the soft backend");
	snprintf(u->key_uri, sizeof(u->key_uri), "slot:%d", u->slot);
	return 0;
}

int portdp_uri_parse(const char *text, struct portdp_uri *out, char *why, size_t why_len)
{
	static const char scheme[] = PORTDP_URI_SCHEME ":";
	struct portdp_uri u = {.accel = PORTDP_ACCEL_DEFAULT, .slot = -1};
	struct seen seen = {0};
	char file[PATH_MAX] = "";
	const char *p, *end;
	int ret;

	if (!text)
		return fail(why, why_len, "no URI");
	if (strncasecmp(text, scheme, strlen(scheme)))
		return fail(why, why_len, "not a '%s' URI", scheme);
	p = text + strlen(scheme);
	if (!*p)
		return fail(why, why_len, "empty URI");
	for (;;) {
		end = strchr(p, ';');
		if (!end)
			end = p + strlen(p);
		ret = parse_attr(p, (size_t)(end - p), &u, &seen, file, why, why_len);
		if (ret)
			return ret;
		if (!*end)
			break;
		p = end + 1;
	}
	ret = check_combination(&u, &seen, file, why, why_len);
	if (ret)
		return ret;
	*out = u;
	return 0;
}
