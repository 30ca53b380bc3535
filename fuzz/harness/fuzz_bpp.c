// SPDX-License-Identifier: Apache-2.0
/*
 * bpp_open() (appliance/rsp/bpp_open.c): the Bound Profile Package as the
 * eUICC side (portdp-lpa's software eUICC, the soft-euicc test rig) reads
 * what an SM-DP+ sends. The session keys are those of the recorded vector
 * (testdata/vectors/bsp.json bpp_decode, read from $FUZZ_TESTDATA), so the
 * recorded BPP opens and mutations of it reach past the MACs only where
 * the MAC does not cover them. Input: one flags byte (bit 0
 * BPP_OPEN_LEGACY, bit 1 the vector's PPKs for a BPP without A2), then the
 * BF36 TLV.
 *
 * Promises checked: 0, -EBADMSG, -EACCES or -EINVAL; a failure hands out
 * no memory and says which check failed, with an errorReason for the
 * ProfileInstallationResult; a success yields a UPP that
 * upp_parse() accepts and StoreMetadata that decodes (bpp_open checks them).
 */
#include <errno.h>
#include <string.h>

#include <jansson.h>

#include "b64.h"
#include "bpp.h"
#include "fuzz.h"
#include "portdp/scp03t.h"
#include "upp.h"

static struct pdp_scp03t s0, ppk;

static void hex(json_t *v, const char *name, uint8_t out[16])
{
	const char *s = json_string_value(json_object_get(v, name));
	unsigned i, b;

	FUZZ_CHECK(s && strlen(s) == 32);
	for (i = 0; i < 16; i++) {
		FUZZ_CHECK(sscanf(s + 2 * i, "%2x", &b) == 1);
		out[i] = (uint8_t)b;
	}
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	const char *dir = getenv("FUZZ_TESTDATA");
	uint8_t enc[16], mac[16], mcv[16], pe[16], pm[16], pc[16];
	char path[512];
	json_error_t jerr;
	json_t *root, *v;

	(void)argc, (void)argv;
	snprintf(path, sizeof(path), "%s/vectors/bsp.json", dir ? dir : "testdata");
	root = json_load_file(path, 0, &jerr);
	if (!root) {
		fprintf(stderr, "fuzz_bpp: %s: %s (set FUZZ_TESTDATA)\n", path, jerr.text);
		exit(2);
	}
	v = json_object_get(root, "bpp_decode");
	hex(v, "session_s_enc", enc);
	hex(v, "session_s_mac", mac);
	hex(v, "session_mac_chaining_value", mcv);
	hex(v, "ppk_enc", pe);
	hex(v, "ppk_mac", pm);
	hex(v, "ppk_mac_chaining_value", pc);
	pdp_scp03t_init(&s0, enc, mac, mcv);
	pdp_scp03t_init(&ppk, pe, pm, pc);
	json_decref(root);
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct bpp_open_opts opts = {0};
	struct bpp_open_result res;
	struct bpp_open_error err;
	struct pdp_scp03t s = s0;
	uint8_t *in;
	int rc;

	if (size < 1)
		return 0;
	opts.flags = data[0] & 1 ? BPP_OPEN_LEGACY : 0;
	opts.ppk_without_a2 = data[0] & 2 ? &ppk : NULL;
	in = malloc(size - 1 ? size - 1 : 1); /* exactly the BPP, for ASan */
	FUZZ_CHECK(in);
	memcpy(in, data + 1, size - 1);
	memset(&res, 0x5a, sizeof(res));
	rc = bpp_open(in, size - 1, &s, &opts, &res, &err);
	FUZZ_CHECK(rc == 0 || rc == -EBADMSG || rc == -EACCES || rc == -EINVAL);
	if (rc) {
		FUZZ_CHECK(!res.mem);
		FUZZ_CHECK(err.what && err.err == rc);
		FUZZ_CHECK(err.error_reason >= SGP22_ERR_INCORRECT_INPUT_VALUES);
	} else {
		struct upp_header h;

		FUZZ_CHECK(upp_parse(res.upp, res.upp_len, &h) == 0);
		free(res.mem);
	}
	free(in);
	return 0;
}
