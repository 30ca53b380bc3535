// SPDX-License-Identifier: Apache-2.0
/* One strict JSON object through yajl's event parser (see json_obj.h). */
#include "json_obj.h"

#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <yajl/yajl_parse.h>

#define IN_ARRAY UINT32_MAX /* stack entry of an array */

struct reader {
	struct rsp_json *j;
	yajl_handle h;
	const char *text;
	size_t len;
	char *copy_end;	 /* free space of j->copy */
	char *copy_limit;
	const char *key; /* name of the member whose value comes next */
	size_t key_len;
	uint32_t next_obj;
	unsigned depth;
	uint32_t stack[RSP_JSON_MAX_DEPTH];
	int err;
};

static int refuse(struct reader *r, int err, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static int refuse(struct reader *r, int err, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(r->j->err, sizeof(r->j->err), fmt, ap);
	va_end(ap);
	r->err = err;
	return 0; /* stops yajl */
}

/* Length of the UTF-8 sequence at @s (lead byte >= 0x80), or 0 if it is not well formed. */
static size_t utf8_seq(const unsigned char *s, size_t left)
{
	uint32_t cp, min;
	size_t n, i;

	if (s[0] >= 0xc2 && s[0] <= 0xdf) {
		n = 2, cp = s[0] & 0x1f, min = 0x80;
	} else if (s[0] >= 0xe0 && s[0] <= 0xef) {
		n = 3, cp = s[0] & 0x0f, min = 0x800;
	} else if (s[0] >= 0xf0 && s[0] <= 0xf4) {
		n = 4, cp = s[0] & 0x07, min = 0x10000;
	} else {
		return 0;
	}
	if (n > left)
		return 0;
	for (i = 1; i < n; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		cp = cp << 6 | (s[i] & 0x3f);
	}
	if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
		return 0;
	return n;
}

/*
 * A decoded string (name or value): no NUL, well-formed UTF-8. Eight bytes
 * at a time while they are plain ASCII without NUL (all of a base64 field).
 */
static const char *string_fault(const unsigned char *s, size_t len)
{
	const uint64_t ones = 0x0101010101010101ull, highs = 0x8080808080808080ull;
	size_t i = 0, n;
	uint64_t v;

	for (; i + 8 <= len; i += 8) {
		memcpy(&v, s + i, 8);
		if ((v | ((v - ones) & ~v)) & highs)
			break;
	}
	while (i < len) {
		if (!s[i])
			return "\\u0000 in a string";
		if (s[i] < 0x80) {
			i++;
			continue;
		}
		n = utf8_seq(s + i, len - i);
		if (!n)
			return "invalid UTF-8";
		i += n;
	}
	return NULL;
}

static unsigned hex4(const char *s)
{
	char buf[5] = {s[0], s[1], s[2], s[3], 0};

	return (unsigned)strtoul(buf, NULL, 16);
}

static bool is_hex4(const char *s, const char *end)
{
	if (end - s < 4)
		return false;
	for (int i = 0; i < 4; i++)
		if (!strchr("0123456789abcdefABCDEF", s[i]) || !s[i])
			return false;
	return true;
}

/*
 * The raw-text rules yajl does not keep: \v and \f (yajl takes them for
 * whitespace; inside a string yajl refuses them itself), and surrogate
 * escapes that are not a high one followed by a low one (yajl turns a lone
 * one into '?' or a wrong character). Every backslash of a valid text is in
 * a string, so walking them escape by escape stays in step.
 */
static const char *text_fault(const char *t, size_t len)
{
	const char *end = t + len, *p = t;
	unsigned u;

	if (memchr(t, '\v', len) || memchr(t, '\f', len))
		return "invalid character outside a string";
	while ((p = memchr(p, '\\', (size_t)(end - p)))) {
		if (end - p < 2)
			break; /* yajl refuses the text */
		if (p[1] != 'u' || !is_hex4(p + 2, end)) {
			p += 2; /* yajl checks other escapes */
			continue;
		}
		u = hex4(p + 2);
		p += 6;
		if (u >= 0xdc00 && u <= 0xdfff)
			return "unpaired surrogate escape";
		if (u < 0xd800 || u > 0xdbff)
			continue;
		if (end - p < 6 || p[0] != '\\' || p[1] != 'u' || !is_hex4(p + 2, end))
			return "unpaired surrogate escape";
		u = hex4(p + 2);
		if (u < 0xdc00 || u > 0xdfff)
			return "unpaired surrogate escape";
		p += 6;
	}
	return NULL;
}

/* A NUL-terminated copy of a checked string; the copy has room for all (see rsp_json_parse). */
static const char *keep(struct reader *r, const unsigned char *s, size_t len)
{
	char *dst = r->copy_end;

	if ((size_t)(r->copy_limit - dst) < len + 1)
		return NULL;
	memcpy(dst, s, len);
	dst[len] = '\0';
	r->copy_end += len + 1;
	return dst;
}

static uint32_t name_hash(uint32_t parent, const char *name, size_t len)
{
	uint32_t h = 2166136261u ^ parent;

	for (size_t i = 0; i < len; i++)
		h = (h ^ (unsigned char)name[i]) * 16777619u;
	return h;
}

/* The slot of (@parent, @name): the member's slot or the empty one where it would go. */
static uint32_t *find_slot(const struct rsp_json *j, uint32_t parent, const char *name,
			   size_t len)
{
	uint32_t i = name_hash(parent, name, len) & j->mask;

	for (;; i = (i + 1) & j->mask) {
		const struct rsp_json_member *m;

		if (!j->slots[i])
			return &j->slots[i];
		m = &j->m[j->slots[i] - 1];
		if (m->parent == parent && m->name_len == len && !memcmp(m->name, name, len))
			return &j->slots[i];
	}
}

/* Twice the members: the member array and a hash table at most half full. */
static int grow(struct rsp_json *j)
{
	uint32_t cap = j->cap * 2, *slots;
	struct rsp_json_member *m;

	if (cap > RSP_JSON_MAX_TEXT)
		return -ENOMEM;
	m = malloc(cap * sizeof(*m));
	slots = calloc(2 * (size_t)cap, sizeof(*slots));
	if (!m || !slots) {
		free(m);
		free(slots);
		return -ENOMEM;
	}
	memcpy(m, j->m, j->n * sizeof(*m));
	if (j->m != j->small_m)
		free(j->m);
	if (j->slots != j->small_slots)
		free(j->slots);
	j->m = m;
	j->slots = slots;
	j->cap = cap;
	j->mask = 2 * cap - 1;
	for (uint32_t k = 0; k < j->n; k++)
		*find_slot(j, m[k].parent, m[k].name, m[k].name_len) = k + 1;
	return 0;
}

/* Files the value just read under the pending name of the object on top. */
static int add_member(struct reader *r, enum rsp_json_type type, const char *str, size_t len,
		      uint32_t obj)
{
	struct rsp_json *j = r->j;
	struct rsp_json_member *m;
	uint32_t parent = r->stack[r->depth - 1], *slot;

	if (j->n == j->cap && grow(j))
		return refuse(r, -ENOMEM, "out of memory");
	slot = find_slot(j, parent, r->key, r->key_len);
	if (*slot)
		return refuse(r, -EBADMSG, "duplicate member %.64s", r->key);
	m = &j->m[j->n];
	*slot = ++j->n;
	*m = (struct rsp_json_member){
	    .name = r->key,
	    .name_len = r->key_len,
	    .str = str,
	    .len = len,
	    .parent = parent,
	    .obj = obj,
	    .type = type,
	};
	return 1;
}

/* A value other than a string or an object: only inside the top object. */
static int on_value(struct reader *r, enum rsp_json_type type)
{
	if (!r->depth)
		return refuse(r, -EBADMSG, "not a JSON object");
	if (r->stack[r->depth - 1] == IN_ARRAY)
		return 1;
	return add_member(r, type, NULL, 0, 0);
}

static int on_null(void *ctx)
{
	return on_value(ctx, RSP_JSON_NULL);
}

static int on_bool(void *ctx, int v)
{
	struct reader *r = ctx;

	if (!r->depth)
		return refuse(r, -EBADMSG, "not a JSON object");
	if (r->stack[r->depth - 1] == IN_ARRAY)
		return 1;
	/* The value rides in len (ES2+ releaseFlag). */
	return add_member(r, RSP_JSON_BOOL, NULL, v ? 1 : 0, 0);
}

/* yajl checked the grammar; the value must also fit a double (as jansson refuses). */
static int on_number(void *ctx, const char *s, size_t len)
{
	struct reader *r = ctx;
	char small[64], *buf = small;
	double v;

	if (len >= sizeof(small)) {
		buf = malloc(len + 1);
		if (!buf)
			return refuse(r, -ENOMEM, "out of memory");
	}
	memcpy(buf, s, len);
	buf[len] = '\0';
	v = strtod(buf, NULL);
	if (buf != small)
		free(buf);
	if (!isfinite(v))
		return refuse(r, -EBADMSG, "number out of range");
	return on_value(r, RSP_JSON_OTHER);
}

static int on_string(void *ctx, const unsigned char *s, size_t len)
{
	struct reader *r = ctx;
	const char *why = string_fault(s, len), *copy;

	if (why)
		return refuse(r, -EBADMSG, "%s", why);
	if (!r->depth)
		return refuse(r, -EBADMSG, "not a JSON object");
	if (r->stack[r->depth - 1] == IN_ARRAY)
		return 1;
	copy = keep(r, s, len);
	if (!copy)
		return refuse(r, -EBADMSG, "strings longer than the text");
	return add_member(r, RSP_JSON_STRING, copy, len, 0);
}

static int on_key(void *ctx, const unsigned char *s, size_t len)
{
	struct reader *r = ctx;
	const char *why = string_fault(s, len);

	if (why)
		return refuse(r, -EBADMSG, "%s in a member name", why);
	r->key = keep(r, s, len);
	r->key_len = len;
	if (!r->key)
		return refuse(r, -EBADMSG, "strings longer than the text");
	return 1;
}

static int push(struct reader *r, uint32_t what)
{
	if (r->depth == RSP_JSON_MAX_DEPTH)
		return refuse(r, -EBADMSG, "nested deeper than %d", RSP_JSON_MAX_DEPTH);
	r->stack[r->depth++] = what;
	return 1;
}

static int on_start_map(void *ctx)
{
	struct reader *r = ctx;
	uint32_t obj;

	if (!r->depth)
		return push(r, 0); /* the top object */
	obj = ++r->next_obj;
	if (r->stack[r->depth - 1] != IN_ARRAY && !add_member(r, RSP_JSON_OBJECT, NULL, 0, obj))
		return 0;
	return push(r, obj);
}

static int on_start_array(void *ctx)
{
	struct reader *r = ctx;

	if (!r->depth)
		return refuse(r, -EBADMSG, "not a JSON object");
	if (r->stack[r->depth - 1] != IN_ARRAY && !add_member(r, RSP_JSON_OTHER, NULL, 0, 0))
		return 0;
	return push(r, IN_ARRAY);
}

static bool only_whitespace(const char *p, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (p[i] != ' ' && p[i] != '\t' && p[i] != '\n' && p[i] != '\r')
			return false;
	return true;
}

static int on_end(void *ctx)
{
	struct reader *r = ctx;
	size_t at;

	if (--r->depth)
		return 1;
	/*
	 * The top object closed: only whitespace may follow. yajl would take an
	 * unterminated string after it for a token still being read.
	 */
	at = yajl_get_bytes_consumed(r->h);
	if (at > r->len || !only_whitespace(r->text + at, r->len - at))
		return refuse(r, -EBADMSG, "data after the object");
	return 1;
}

static const yajl_callbacks callbacks = {
    .yajl_null = on_null,
    .yajl_boolean = on_bool,
    .yajl_number = on_number,
    .yajl_string = on_string,
    .yajl_start_map = on_start_map,
    .yajl_map_key = on_key,
    .yajl_end_map = on_end,
    .yajl_start_array = on_start_array,
    .yajl_end_array = on_end,
};

/* yajl's own message ("lexical error: invalid char in json text."), first line. */
static void yajl_reason(struct rsp_json *j, yajl_handle h)
{
	unsigned char *msg = yajl_get_error(h, 0, NULL, 0);

	snprintf(j->err, sizeof(j->err), "%s", msg ? (const char *)msg : "not well formed");
	j->err[strcspn(j->err, "\n")] = '\0';
	if (msg)
		yajl_free_error(h, msg);
}

int rsp_json_parse(struct rsp_json *j, const char *text, size_t len)
{
	struct reader r;
	yajl_handle h;
	yajl_status st;
	const char *why;
	int ret;

	memset(j, 0, sizeof(*j));
	j->m = j->small_m;
	j->cap = RSP_JSON_INLINE;
	j->slots = j->small_slots;
	j->mask = 2 * RSP_JSON_INLINE - 1;
	if (len > RSP_JSON_MAX_TEXT) {
		snprintf(j->err, sizeof(j->err), "longer than %u bytes", RSP_JSON_MAX_TEXT);
		return -EBADMSG;
	}
	why = text_fault(text, len);
	if (why) {
		snprintf(j->err, sizeof(j->err), "%s", why);
		return -EBADMSG;
	}
	/*
	 * Each kept string is no longer than its text between the quotes, so
	 * with its NUL it fits in the bytes it took in the text.
	 */
	j->copy = malloc(len + 1);
	if (!j->copy)
		return -ENOMEM;
	r.j = j;
	r.text = text;
	r.len = len;
	r.copy_end = j->copy;
	r.copy_limit = j->copy + len + 1;
	r.key = NULL;
	r.key_len = 0;
	r.next_obj = 0;
	r.depth = 0;
	r.err = 0;
	h = yajl_alloc(&callbacks, NULL, &r);
	if (!h)
		return -ENOMEM;
	r.h = h;
	/* yajl's defaults: UTF-8 checked, one value, nothing after it. */
	st = yajl_parse(h, (const unsigned char *)text, len);
	if (st == yajl_status_ok)
		st = yajl_complete_parse(h);
	if (r.err) {
		ret = r.err;
	} else if (st != yajl_status_ok) {
		yajl_reason(j, h);
		ret = -EBADMSG;
	} else {
		ret = 0; /* the grammar ends only after the top object closed */
	}
	yajl_free(h);
	return ret;
}

static const struct rsp_json_member *member(const struct rsp_json *j, uint32_t parent,
					    const char *name)
{
	uint32_t *slot;

	if (!j->m)
		return NULL;
	slot = find_slot(j, parent, name, strlen(name));
	return *slot ? &j->m[*slot - 1] : NULL;
}

const struct rsp_json_member *rsp_json_get(const struct rsp_json *j, const char *name)
{
	return member(j, 0, name);
}

const struct rsp_json_member *rsp_json_get_in(const struct rsp_json *j,
					      const struct rsp_json_member *in, const char *name)
{
	if (!in || in->type != RSP_JSON_OBJECT)
		return NULL;
	return member(j, in->obj, name);
}

void rsp_json_free(struct rsp_json *j)
{
	if (j->m != j->small_m)
		free(j->m);
	if (j->slots != j->small_slots)
		free(j->slots);
	free(j->copy);
	j->m = NULL;
	j->slots = NULL;
	j->copy = NULL;
	j->n = 0;
}
