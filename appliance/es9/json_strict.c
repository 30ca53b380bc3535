// SPDX-License-Identifier: Apache-2.0
/*
 * Strict JSON on top of cJSON: the lexical scan runs before cJSON parses
 * (cJSON then checks the structure), the tree check after. Together they
 * reject what jansson (JSON_REJECT_DUPLICATES, no JSON_ALLOW_NUL) rejected.
 */
#include <errno.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "json_strict.h"

static int is_digit(unsigned char c)
{
	return c >= '0' && c <= '9';
}

static int is_hex(unsigned char c)
{
	return is_digit(c) || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
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

/* Length of the RFC 8259 number at @s, or 0 if it is malformed. */
static size_t number_len(const unsigned char *s, size_t left)
{
	size_t i = 0, d;

	if (i < left && s[i] == '-')
		i++;
	if (i < left && s[i] == '0') {
		i++;
	} else {
		for (d = i; i < left && is_digit(s[i]); i++)
			;
		if (i == d)
			return 0;
	}
	if (i < left && s[i] == '.') {
		for (d = ++i; i < left && is_digit(s[i]); i++)
			;
		if (i == d)
			return 0;
	}
	if (i < left && (s[i] == 'e' || s[i] == 'E')) {
		i++;
		if (i < left && (s[i] == '+' || s[i] == '-'))
			i++;
		for (d = i; i < left && is_digit(s[i]); i++)
			;
		if (i == d)
			return 0;
	}
	/* "01" or "1.2.3": what the grammar stopped at must not continue the number. */
	if (i < left && (is_digit(s[i]) || strchr(".eE+-", s[i])))
		return 0;
	return i;
}

const char *es9_json_lex_check(const char *body, size_t len)
{
	const unsigned char *s = (const unsigned char *)body;
	int in_string = 0;
	size_t i = 0, n;

	while (i < len) {
		unsigned char c = s[i];

		if (!in_string) {
			if (c == '"') {
				in_string = 1;
				i++;
			} else if (c == '-' || is_digit(c)) {
				n = number_len(s + i, len - i);
				if (!n)
					return "malformed number";
				i += n;
			} else if (c >= 0x80 || (c < 0x20 && c != '\t' && c != '\n' && c != '\r')) {
				/* cJSON would skip any control character as whitespace */
				return "invalid character outside a string";
			} else {
				i++; /* structure and literals: cJSON checks them */
			}
			continue;
		}
		if (c == '"') {
			in_string = 0;
			i++;
		} else if (c == '\\') {
			if (i + 1 < len && s[i + 1] == 'u') {
				if (len - i < 6 || !is_hex(s[i + 2]) || !is_hex(s[i + 3]) ||
				    !is_hex(s[i + 4]) || !is_hex(s[i + 5]))
					return "malformed \\u escape";
				if (!memcmp(s + i + 2, "0000", 4))
					return "\\u0000 in a string";
				i += 6;
			} else {
				i += 2; /* the escaped character itself: cJSON checks it */
			}
		} else if (c < 0x20) {
			return "control character in a string";
		} else if (c >= 0x80) {
			n = utf8_seq(s + i, len - i);
			if (!n)
				return "invalid UTF-8";
			i += n;
		} else {
			i++;
		}
	}
	return NULL;
}

static int name_cmp(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

const char ES9_JSON_NOMEM[] = "out of memory";

/* 1 and *@name if a member name occurs twice in @obj (not its children), 0 if not, -ENOMEM. */
static int object_duplicate(const cJSON *obj, const char **name)
{
	const char *small[16], **names = small;
	const cJSON *it;
	size_t n = 0, i;
	int found = 0;

	for (it = obj->child; it; it = it->next)
		n++;
	if (n < 2)
		return 0;
	if (n > sizeof(small) / sizeof(small[0])) {
		names = malloc(n * sizeof(*names));
		if (!names)
			return -ENOMEM;
	}
	for (i = 0, it = obj->child; it; it = it->next)
		names[i++] = it->string ? it->string : "";
	qsort(names, n, sizeof(*names), name_cmp);
	for (i = 1; i < n && !found; i++) {
		if (!strcmp(names[i - 1], names[i])) {
			*name = names[i];
			found = 1;
		}
	}
	if (names != small)
		free(names);
	return found;
}

const char *es9_json_tree_check(const cJSON *root, const char **name)
{
	const char *why;
	const cJSON *it;

	*name = NULL;
	if (cJSON_IsNumber(root) && !isfinite(root->valuedouble))
		return "number out of range";
	if (cJSON_IsObject(root)) {
		switch (object_duplicate(root, name)) {
		case 0:
			break;
		case 1:
			return "duplicate member";
		default:
			return ES9_JSON_NOMEM;
		}
	}
	if (!cJSON_IsObject(root) && !cJSON_IsArray(root))
		return NULL;
	for (it = root->child; it; it = it->next) {
		why = es9_json_tree_check(it, name);
		if (why)
			return why;
	}
	return NULL;
}
