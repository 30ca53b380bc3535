// SPDX-License-Identifier: Apache-2.0
/* ES9+ answers through yajl's event parser (see es9_answer.h). */
#include "es9_answer.h"

#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <yajl/yajl_parse.h>

#define MAX_DEPTH 64

/* Which object the parser is in: only these four are read. */
enum where { W_ROOT, W_HEADER, W_FES, W_SCD, W_OTHER };

struct parse {
	struct es9_answer *a;
	enum where stack[MAX_DEPTH];
	unsigned depth;
	char key[40]; /* member name being read; "" when too long (never one we read) */
	bool root_seen, seen_header, seen_fes, seen_status, seen_scd, seen_subject, seen_reason;
	int err;
};

static int stop(struct parse *p, int err)
{
	p->err = err;
	return 0;
}

/* Marks a member we read as seen; a second one makes the answer ambiguous. */
static int once(struct parse *p, bool *seen)
{
	if (*seen)
		return stop(p, -EBADMSG);
	*seen = true;
	return 1;
}

static int on_key(void *ctx, const unsigned char *s, size_t len)
{
	struct parse *p = ctx;

	if (len >= sizeof(p->key))
		len = 0;
	memcpy(p->key, s, len);
	p->key[len] = '\0';
	return 1;
}

static bool key_is(const struct parse *p, const char *name)
{
	return !strcmp(p->key, name);
}

static int push(struct parse *p, enum where w)
{
	if (p->depth == MAX_DEPTH)
		return stop(p, -EBADMSG);
	p->stack[p->depth++] = w;
	return 1;
}

static enum where top(const struct parse *p)
{
	return p->stack[p->depth - 1];
}

static int on_start_map(void *ctx)
{
	struct parse *p = ctx;

	if (!p->depth) {
		p->root_seen = true;
		return push(p, W_ROOT);
	}
	switch (top(p)) {
	case W_ROOT:
		if (key_is(p, "header"))
			return once(p, &p->seen_header) && push(p, W_HEADER);
		break;
	case W_HEADER:
		if (key_is(p, "functionExecutionStatus"))
			return once(p, &p->seen_fes) && push(p, W_FES);
		break;
	case W_FES:
		if (key_is(p, "statusCodeData"))
			return once(p, &p->seen_scd) && push(p, W_SCD);
		break;
	default:
		break;
	}
	return push(p, W_OTHER);
}

static int on_start_array(void *ctx)
{
	struct parse *p = ctx;

	return p->depth ? push(p, W_OTHER) : stop(p, -EBADMSG);
}

static int on_end(void *ctx)
{
	struct parse *p = ctx;

	p->depth--;
	return 1;
}

/* A scalar that is not a string: fine anywhere but at the top. */
static int on_scalar(struct parse *p)
{
	return p->depth ? 1 : stop(p, -EBADMSG);
}

static int on_null(void *ctx)
{
	return on_scalar(ctx);
}

static int on_bool(void *ctx, int v)
{
	(void)v;
	return on_scalar(ctx);
}

static int on_number(void *ctx, const char *s, size_t len)
{
	(void)s;
	(void)len;
	return on_scalar(ctx);
}

static int copy_small(struct parse *p, bool *seen, char *dst, size_t cap, const unsigned char *s,
		      size_t len)
{
	if (!once(p, seen))
		return 0;
	/* Too long for the field: keep it empty, it cannot be a value we accept. */
	if (len < cap) {
		memcpy(dst, s, len);
		dst[len] = '\0';
	}
	return 1;
}

static int root_field(struct parse *p, const unsigned char *s, size_t len)
{
	struct es9_answer *a = p->a;

	if (!p->key[0])
		return 1; /* a name too long to be one we read */
	if (es9_answer_get(a, p->key))
		return stop(p, -EBADMSG);
	if (a->n == ES9_ANSWER_MAX_FIELDS)
		return stop(p, -EBADMSG);
	a->f[a->n].val = malloc(len + 1);
	if (!a->f[a->n].val)
		return stop(p, -ENOMEM);
	memcpy(a->f[a->n].val, s, len);
	a->f[a->n].val[len] = '\0';
	a->f[a->n].len = len;
	snprintf(a->f[a->n].name, sizeof(a->f[a->n].name), "%s", p->key);
	a->n++;
	return 1;
}

static int on_string(void *ctx, const unsigned char *s, size_t len)
{
	struct parse *p = ctx;
	struct es9_answer *a = p->a;

	if (!p->depth)
		return stop(p, -EBADMSG);
	switch (top(p)) {
	case W_ROOT:
		return root_field(p, s, len);
	case W_FES:
		if (key_is(p, "status"))
			return copy_small(p, &p->seen_status, a->status, sizeof(a->status), s, len);
		return 1;
	case W_SCD:
		if (key_is(p, "subjectCode"))
			return copy_small(p, &p->seen_subject, a->subject, sizeof(a->subject), s,
					  len);
		if (key_is(p, "reasonCode"))
			return copy_small(p, &p->seen_reason, a->reason, sizeof(a->reason), s, len);
		return 1;
	default:
		return 1;
	}
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

int es9_answer_parse(const char *json, size_t len, struct es9_answer *a)
{
	struct parse p = {.a = a};
	yajl_handle h;
	yajl_status st;

	memset(a, 0, sizeof(*a));
	h = yajl_alloc(&callbacks, NULL, &p);
	if (!h)
		return -ENOMEM;
	/* Defaults kept on purpose: UTF-8 checked, one value only, no trailing garbage. */
	st = yajl_parse(h, (const unsigned char *)json, len);
	if (st == yajl_status_ok)
		st = yajl_complete_parse(h);
	yajl_free(h);
	if (st == yajl_status_ok && p.root_seen && p.depth == 0 && !p.err)
		return 0;
	es9_answer_free(a);
	return p.err ? p.err : -EBADMSG;
}

const char *es9_answer_get_len(const struct es9_answer *a, const char *name, size_t *len)
{
	for (unsigned i = 0; i < a->n; i++) {
		if (!strcmp(a->f[i].name, name)) {
			*len = a->f[i].len;
			return a->f[i].val;
		}
	}
	return NULL;
}

const char *es9_answer_get(const struct es9_answer *a, const char *name)
{
	size_t len;

	return es9_answer_get_len(a, name, &len);
}

void es9_answer_free(struct es9_answer *a)
{
	for (unsigned i = 0; i < a->n; i++)
		free(a->f[i].val);
	memset(a, 0, sizeof(*a));
}
