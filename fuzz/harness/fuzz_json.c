// SPDX-License-Identifier: Apache-2.0
/*
 * rsp_json_parse() (appliance/rsp/json_obj.c), the strict reader of every
 * ES9+ request body. Promises checked: 0 or -EBADMSG (with a reason), every
 * kept member is well formed (NUL-terminated name and string of the stated
 * length), and each member is found again by name in its object (objects in
 * arrays included: their members are kept under their number).
 */
#include <errno.h>
#include <string.h>

#include "fuzz.h"
#include "json_obj.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct rsp_json j;
	uint32_t i;
	int rc = rsp_json_parse(&j, (const char *)data, size);

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
