// SPDX-License-Identifier: Apache-2.0
/*
 * rsp_b64_decode() (appliance/rsp/b64.c), the base64 of every binary ES9+
 * field. Promises checked: a refusal leaves *out NULL; an accepted text is
 * canonical, so encoding the result gives back exactly the input.
 */
#include <errno.h>
#include <string.h>

#include "b64.h"
#include "fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	uint8_t *bin = (uint8_t *)"x";
	char *text = NULL;
	ssize_t n = rsp_b64_decode((const char *)data, size, &bin), m;

	if (n < 0) {
		FUZZ_CHECK(n == -EINVAL && !bin);
		return 0;
	}
	FUZZ_CHECK(bin && (size_t)n <= size / 4 * 3);
	m = rsp_b64_encode(bin, (size_t)n, &text);
	FUZZ_CHECK(m >= 0 && (size_t)m == size && !memcmp(text, data, size));
	free(text);
	free(bin);
	return 0;
}
