/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The RFC 8259 rules cJSON does not enforce, checked at the border so that a
 * request body is accepted only if it is strict JSON (what jansson enforced
 * before: ES9+ requests are parsed with cJSON, which is about ten times faster
 * on the kilobytes of base64 a request carries).
 */
#ifndef PORTDP_ES9_JSON_STRICT_H
#define PORTDP_ES9_JSON_STRICT_H

#include <stddef.h>

struct cJSON;

/**
 * es9_json_lex_check() - the lexical rules over the raw body: UTF-8 only (no
 * BOM, no overlong forms, no surrogates), no control character and no \u0000
 * in strings, numbers exactly as the RFC 8259 grammar (no leading zeros, no
 * bare trailing dot), outside strings no control character but JSON's
 * whitespace (NUL included).
 * Returns NULL if the body passes, else a short reason (a literal).
 */
const char *es9_json_lex_check(const char *body, size_t len);

/**
 * es9_json_tree_check() - the rules over the parsed tree, at any depth: no
 * member name twice in one object (*@name then points to it, into @root), no
 * number beyond the range of a double (cJSON makes it infinite).
 * Returns NULL if @root passes, else a short reason (a literal);
 * ES9_JSON_NOMEM when it ran out of memory.
 */
const char *es9_json_tree_check(const struct cJSON *root, const char **name);

extern const char ES9_JSON_NOMEM[];

#endif
