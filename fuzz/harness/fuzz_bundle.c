// SPDX-License-Identifier: Apache-2.0
/*
 * bundle_parse() (tools/portdpctl/bundle.c), the transfer bundles and receipts a unit reads
 * from another (portdpctl transfer import | receipt). Promises checked: a refusal says why and
 * hands out no memory; an accepted file is canonical (written again from what was parsed, it
 * is the very same bytes), its items are within their bounds, its signature the last 64 bytes.
 */
#include <errno.h>
#include <string.h>

#include "bundle.h"
#include "fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct bundle_buf w = {0};
	const char *why = NULL;
	struct bundle b;
	uint32_t i;

	if (bundle_parse(data, size, &b, &why)) {
		FUZZ_CHECK(why && *why && !b.items);
		return 0;
	}
	FUZZ_CHECK(!why && b.items && b.count >= 1 && b.count <= BUNDLE_MAX_ITEMS);
	FUZZ_CHECK(b.signed_len + 64 == size && !memcmp(b.sig, data + b.signed_len, 64));
	bundle_write_head(&w, b.kind, b.id, b.created, b.signer_cert, b.signer_cert_len, b.dest_fp,
			  b.digest, b.count);
	for (i = 0; i < b.count; i++) {
		const struct bundle_item *it = &b.items[i];

		FUZZ_CHECK(strlen(it->iccid) >= 10 && strlen(it->iccid) <= 20);
		FUZZ_CHECK(it->iccid[strspn(it->iccid, "0123456789")] == 0);
		FUZZ_CHECK(it->sealed_len == 0 ||
			   (it->sealed >= data && it->sealed + it->sealed_len <= data + size));
		bundle_write_item(&w, it);
	}
	bb_bytes(&w, b.sig, 64);
	FUZZ_CHECK(!w.oom && w.len == size && !memcmp(w.p, data, size));
	free(w.p);
	bundle_free(&b);
	return 0;
}
