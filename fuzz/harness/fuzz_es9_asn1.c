// SPDX-License-Identifier: Apache-2.0
/*
 * ES9+'s ASN.1 binding, both ends: es9_asn1_decode() (appliance/es9/asn1.c, what portdpd
 * and its card front end read from an LPA) and es9_asn1_answer() (tools/lpa/es9_asn1.c,
 * what portdp-lpa reads from an SM-DP+ or a Port-DP+ card). Promises checked: the server
 * side returns 0 or -EBADMSG; on 0 it names a function and exactly that function's
 * mandatory fields, each inside the input; a named function's error answer is DER that
 * the LPA side reads back as that function's error with the same INTEGER. The LPA side
 * returns 0 (an answer object only for an Ok), -EPROTO (status Failed, a code) or -EBADMSG
 * for the input as any function's answer.
 */
#include <errno.h>
#include <string.h>

#include "asn1.h"
#include "fuzz.h"

/* fuzz_es9_asn1_lpa.c: es9_asn1_answer() with its promises checked. */
int fuzz_lpa_answer(const char *function, const uint8_t *der, size_t len, unsigned *code);

static const char *const names[ES9_FN_COUNT] = {
    "initiateAuthentication", "authenticateClient", "getBoundProfilePackage",
    "handleNotification",     "cancelSession",
};
static const unsigned n_fields[ES9_FN_COUNT] = {3, 2, 2, 1, 2};

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct es9_call c = {0};
	enum es9_fn fn;
	char *body;
	size_t len;
	unsigned code;
	int ret, http, i;

	ret = es9_asn1_decode(&c, data, size, &fn);
	FUZZ_CHECK(ret == 0 || ret == -EBADMSG);
	FUZZ_CHECK(fn == ES9_FN_NONE || (fn >= 0 && fn < ES9_FN_COUNT));
	if (!ret) {
		FUZZ_CHECK(fn != ES9_FN_NONE && c.n_in == n_fields[fn]);
		for (unsigned k = 0; k < c.n_in; k++)
			FUZZ_CHECK(c.in[k].p >= data && c.in[k].p + c.in[k].len <= data + size);
	}
	if (fn != ES9_FN_NONE && fn != ES9_FN_HANDLE_NOTIFICATION) {
		ret = es9_asn1_render(&c, fn, ES9_E_TID_UNKNOWN, &http, &body, &len);
		FUZZ_CHECK(!ret && http == 200 && body);
		code = 0;
		ret = fuzz_lpa_answer(names[fn], (uint8_t *)body, len, &code);
		FUZZ_CHECK(ret == -EPROTO && code == es9_asn1_error_code(fn, ES9_E_TID_UNKNOWN));
		free(body);
	}
	es9_call_free(&c);
	for (i = 0; i < ES9_FN_COUNT; i++)
		fuzz_lpa_answer(names[i], data, size, &code);
	return 0;
}
