// SPDX-License-Identifier: Apache-2.0
/*
 * The SGP.22 DER decoders of appliance/rsp (sgp22.h). Built once per message
 * (-DFUZZ_MSG=<name>, e.g. auth_server_resp: the AuthenticateClient input);
 * FUZZ_MSG=all runs every decoder on each input (the eUICC- and LPA-side
 * messages have no harness of their own).
 *
 * Promises checked, per decoder: 0 or -EBADMSG (-EINVAL only for the empty
 * input); what is accepted re-encodes without error, the encoding is
 * accepted again, and a second round gives the same bytes (decode and
 * encode agree: the server and the software eUICC share them).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz.h"
#include "sgp22.h"

typedef int (*round_fn)(const uint8_t *buf, size_t len, struct der_buf *b);

#define ROUND(name, type)                                                                          \
	static int round_##name(const uint8_t *buf, size_t len, struct der_buf *b)                 \
	{                                                                                          \
		type *m = malloc(sizeof(*m)); /* on the heap: ASan sees overruns */                \
		int rc;                                                                            \
                                                                                                   \
		FUZZ_CHECK(m);                                                                     \
		rc = sgp22_decode_##name(buf, len, m);                                             \
		if (!rc && b) {                                                                    \
			FUZZ_CHECK(sgp22_encode_##name(b, m) == 0);                                \
			FUZZ_CHECK(der_buf_error(b) == 0);                                         \
		}                                                                                  \
		free(m);                                                                           \
		return rc;                                                                         \
	}

ROUND(euicc_info1, struct sgp22_euicc_info1)
ROUND(euicc_info2, struct sgp22_euicc_info2)
ROUND(ctx_params1, struct sgp22_ctx_params1)
ROUND(server_signed1, struct sgp22_server_signed1)
ROUND(auth_server_req, struct sgp22_auth_server_req)
ROUND(euicc_signed1, struct sgp22_euicc_signed1)
ROUND(auth_server_resp, struct sgp22_auth_server_resp)
ROUND(smdp_signed2, struct sgp22_smdp_signed2)
ROUND(prepare_download_req, struct sgp22_prepare_download_req)
ROUND(euicc_signed2, struct sgp22_euicc_signed2)
ROUND(prepare_download_resp, struct sgp22_prepare_download_resp)
ROUND(isc, struct sgp22_isc)
ROUND(configure_isdp, struct sgp22_configure_isdp)
ROUND(store_metadata, struct sgp22_store_metadata)
ROUND(replace_session_keys, struct sgp22_replace_session_keys)
ROUND(notification_metadata, struct sgp22_notification_metadata)
ROUND(pir, struct sgp22_pir)
ROUND(other_notification, struct sgp22_other_notification)
ROUND(pending_notification, struct sgp22_pending_notification)
ROUND(cancel_session_resp, struct sgp22_cancel_session_resp)

static void check(round_fn fn, const uint8_t *data, size_t size)
{
	struct der_buf b1, b2;
	int rc;

	/* A copy of exactly @size bytes, so a read past the end is caught. */
	uint8_t *in = malloc(size ? size : 1);

	FUZZ_CHECK(in);
	memcpy(in, data, size);
	der_buf_init(&b1);
	rc = fn(in, size, &b1);
	FUZZ_CHECK(rc == 0 || rc == -EBADMSG || (rc == -EINVAL && size == 0));
	if (!rc) {
		der_buf_init(&b2);
		FUZZ_CHECK(fn(b1.data, b1.len, &b2) == 0);
		FUZZ_CHECK(b2.len == b1.len && !memcmp(b2.data, b1.data, b1.len));
		der_buf_free(&b2);
	}
	der_buf_free(&b1);
	free(in);
}

#define STR2(x) #x
#define STR(x) STR2(x)
#define ENTRY(name)                                                                                \
	{                                                                                          \
#name, round_##name                                                                \
	}

static const struct {
	const char *name;
	round_fn fn;
} decoders[] = {
    ENTRY(euicc_info1),
    ENTRY(euicc_info2),
    ENTRY(ctx_params1),
    ENTRY(server_signed1),
    ENTRY(auth_server_req),
    ENTRY(euicc_signed1),
    ENTRY(auth_server_resp),
    ENTRY(smdp_signed2),
    ENTRY(prepare_download_req),
    ENTRY(euicc_signed2),
    ENTRY(prepare_download_resp),
    ENTRY(isc),
    ENTRY(configure_isdp),
    ENTRY(store_metadata),
    ENTRY(replace_session_keys),
    ENTRY(notification_metadata),
    ENTRY(pir),
    ENTRY(other_notification),
    ENTRY(pending_notification),
    ENTRY(cancel_session_resp),
};

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *want = STR(FUZZ_MSG);
	size_t i;

	for (i = 0; i < sizeof(decoders) / sizeof(decoders[0]); i++)
		if (!strcmp(want, "all") || !strcmp(want, decoders[i].name))
			check(decoders[i].fn, data, size);
	return 0;
}
