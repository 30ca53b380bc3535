/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Strict reader of one JSON object (RFC 8259, what jansson enforces with
 * JSON_REJECT_DUPLICATES), for ES9+ requests in portdpd and ES9+ answers in
 * the bench. yajl's event parser does the grammar; it hands over a 24 KB
 * base64 string in one piece instead of building it character by character.
 * On top of yajl (2.1.0), this layer refuses what yajl lets through: a member
 * name twice in one object at any depth, \u0000, overlong or surrogate or
 * beyond-U+10FFFF UTF-8, unpaired surrogate escapes, numbers beyond a double,
 * \v and \f as whitespace, and nesting deeper than RSP_JSON_MAX_DEPTH.
 *
 * What it keeps: every member of every object (not array elements), as
 * name, type and, for strings, a NUL-terminated copy (no NUL inside).
 */
#ifndef PORTDP_RSP_JSON_OBJ_H
#define PORTDP_RSP_JSON_OBJ_H

#include <stddef.h>
#include <stdint.h>

#define RSP_JSON_MAX_DEPTH 512
#define RSP_JSON_MAX_TEXT (16u << 20)
#define RSP_JSON_INLINE 16 /* members held without a malloc */

enum rsp_json_type {
	RSP_JSON_NULL,
	RSP_JSON_STRING,
	RSP_JSON_OBJECT,
	RSP_JSON_OTHER, /* number, array */
	RSP_JSON_BOOL,	/* true (len 1) or false (len 0) */
};

struct rsp_json_member {
	const char *name; /* NUL-terminated */
	const char *str;  /* RSP_JSON_STRING: NUL-terminated value, else NULL */
	size_t name_len;
	size_t len;	  /* of str; RSP_JSON_BOOL: 1 true, 0 false */
	uint32_t parent;  /* number of the object it is in; the top object is 0 */
	uint32_t obj;	  /* RSP_JSON_OBJECT: its own number */
	enum rsp_json_type type;
};

/*
 * The parsed object; everything it points to is its own (the text may go).
 * It points into itself: parse it in place, do not copy it.
 */
struct rsp_json {
	struct rsp_json_member *m;
	uint32_t n, cap;
	uint32_t *slots; /* hash of (parent, name): member index + 1, 0 = empty */
	uint32_t mask;
	char *copy;	 /* names and strings */
	struct rsp_json_member small_m[RSP_JSON_INLINE];
	uint32_t small_slots[2 * RSP_JSON_INLINE];
	char err[112];	 /* why the text was refused */
};

/**
 * rsp_json_parse() - read @len bytes of @text, which must be exactly one
 * JSON object (whitespace around it allowed).
 * Returns 0, -EBADMSG (refused; @j->err says why) or -ENOMEM. @j needs
 * rsp_json_free() either way.
 */
int rsp_json_parse(struct rsp_json *j, const char *text, size_t len);

/** rsp_json_get() - the member @name of the top object, or NULL. */
const struct rsp_json_member *rsp_json_get(const struct rsp_json *j, const char *name);

/**
 * rsp_json_get_in() - the member @name of the object @in, or NULL if there
 * is none or @in is NULL or no object (so lookups chain).
 */
const struct rsp_json_member *rsp_json_get_in(const struct rsp_json *j,
					      const struct rsp_json_member *in, const char *name);

void rsp_json_free(struct rsp_json *j);

#endif
