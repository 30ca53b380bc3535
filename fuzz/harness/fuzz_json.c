// SPDX-License-Identifier: Apache-2.0
/*
 * rsp_json_parse() (appliance/rsp/json_obj.c), the strict reader of every
 * ES9+ request body. Promises checked: 0 or -EBADMSG (with a reason), every
 * kept member is well formed (NUL-terminated name and string of the stated
 * length), and each member is found again by name in its object (objects in
 * arrays included: their members are kept under their number).
 *
 * And a differential check against jansson, which json_obj.h names as the
 * rule (json_loadb with JSON_REJECT_DUPLICATES, top value an object): the
 * two accept the same texts, except where json_obj.h documents a stricter
 * limit (nesting deeper than RSP_JSON_MAX_DEPTH), where jansson's own
 * limit is narrower than RFC 8259 (integers beyond its json_int_t, which
 * json_obj accepts as numbers within a double), and texts with a NUL byte:
 * jansson 2.14 accepts some of them ({"ingXoot":0<NUL>} reads as
 * {"ingXoot":0}; corpus/json/crash-jansson-nul-after-number), RFC 8259 and
 * json_obj do not.
 */
#include <errno.h>
#include <string.h>

#include <jansson.h>

#include "fuzz.h"
#include "json_obj.h"

/* Deepest nesting of @s, counting brackets outside strings. */
static unsigned depth_of(const uint8_t *s, size_t n)
{
	unsigned d = 0, max = 0;
	int in_str = 0;

	for (size_t i = 0; i < n; i++) {
		if (in_str) {
			if (s[i] == '\\')
				i++;
			else if (s[i] == '"')
				in_str = 0;
		} else if (s[i] == '"') {
			in_str = 1;
		} else if (s[i] == '{' || s[i] == '[') {
			if (++d > max)
				max = d;
		} else if ((s[i] == '}' || s[i] == ']') && d) {
			d--;
		}
	}
	return max;
}

static void differential(const uint8_t *data, size_t size, int ours_ok, const char *why)
{
	json_error_t jerr;
	json_t *v = json_loadb((const char *)data, size, JSON_REJECT_DUPLICATES, &jerr);
	int theirs_ok = v && json_is_object(v);

	json_decref(v);
	if (ours_ok == theirs_ok)
		return;
	if (depth_of(data, size) > RSP_JSON_MAX_DEPTH || memchr(data, 0, size))
		return;
	/* "too big integer" or "too big negative integer" */
	if (ours_ok && !v && strstr(jerr.text, "too big") && strstr(jerr.text, "integer"))
		return;
	fprintf(stderr, "json_obj %s (%s), jansson %s (%s)\n", ours_ok ? "accepts" : "refuses",
		ours_ok ? "" : why, theirs_ok ? "accepts" : "refuses",
		v ? "not an object" : jerr.text);
	FUZZ_CHECK(ours_ok == theirs_ok);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct rsp_json j;
	uint32_t i;
	int rc = rsp_json_parse(&j, (const char *)data, size);

	if (rc != -ENOMEM)
		differential(data, size, rc == 0, j.err);
	if (rc) {
		FUZZ_CHECK(rc == -EBADMSG || rc == -ENOMEM);
		FUZZ_CHECK(rc != -EBADMSG || j.err[0]);
		rsp_json_free(&j);
		return 0;
	}
	for (i = 0; i < j.n; i++) {
		const struct rsp_json_member *m = &j.m[i];
		const struct rsp_json_member in = {.type = RSP_JSON_OBJECT, .obj = m->parent};

		FUZZ_CHECK(m->name && strlen(m->name) == m->name_len);
		FUZZ_CHECK((m->type == RSP_JSON_STRING) == (m->str != NULL));
		if (m->str)
			FUZZ_CHECK(strlen(m->str) == m->len); /* no NUL inside */
		FUZZ_CHECK(rsp_json_get_in(&j, &in, m->name) == m);
		if (!m->parent)
			FUZZ_CHECK(rsp_json_get(&j, m->name) == m);
	}
	rsp_json_free(&j);
	return 0;
}
