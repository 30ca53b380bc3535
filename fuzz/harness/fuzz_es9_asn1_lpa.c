// SPDX-License-Identifier: Apache-2.0
/*
 * The LPA side of fuzz_es9_asn1 in its own file: portdp-lpa's struct es9_status and
 * portdpd's enum es9_status share a name, so no file can see both.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "es9_asn1.h"
#include "fuzz.h"

int fuzz_lpa_answer(const char *function, const uint8_t *der, size_t len, unsigned *code);

/* es9_asn1_answer() with its promises checked; *@code is the error INTEGER on -EPROTO. */
int fuzz_lpa_answer(const char *function, const uint8_t *der, size_t len, unsigned *code)
{
	struct es9_status st;
	json_t *resp = NULL;
	int ret;

	memset(&st, 0, sizeof(st));
	ret = es9_asn1_answer(function, der, len, &resp, &st);
	FUZZ_CHECK(ret == 0 || ret == -EPROTO || ret == -EBADMSG);
	if (ret == 0)
		FUZZ_CHECK(!strcmp(st.status, "Executed-Success") &&
			   (resp || !strcmp(function, "handleNotification")));
	else
		FUZZ_CHECK(!resp);
	if (ret == -EPROTO) {
		FUZZ_CHECK(!strcmp(st.status, "Failed"));
		*code = (unsigned)strtoul(st.reason_code, NULL, 10);
	}
	json_decref(resp);
	return ret;
}
