// SPDX-License-Identifier: Apache-2.0
#include <setjmp.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "test_util.h"

const char *td_path(const char *rel)
{
	static char bufs[8][4096];
	static unsigned next;
	char *buf = bufs[next++ % 8];
	const char *shared = getenv("SHARED");

	snprintf(buf, sizeof(bufs[0]), "%s/testdata/%s", shared && *shared ? shared : ".",
		 rel);
	return buf;
}

uint8_t *td_unhex(const char *hex, size_t *len)
{
	size_t n = strlen(hex), i;
	uint8_t *out;

	assert_int_equal(n % 2, 0);
	out = malloc(n / 2 + 1);
	assert_non_null(out);
	for (i = 0; i < n / 2; i++) {
		unsigned v;

		assert_int_equal(sscanf(hex + 2 * i, "%2x", &v), 1);
		out[i] = v;
	}
	*len = n / 2;
	return out;
}

void td_unhex_into(const char *hex, uint8_t *out, size_t len)
{
	size_t n;
	uint8_t *b = td_unhex(hex, &n);

	assert_int_equal(n, len);
	memcpy(out, b, len);
	free(b);
}

uint8_t *td_read(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	uint8_t *buf = NULL;
	long n;

	if (!f)
		return NULL;
	if (fseek(f, 0, SEEK_END) || (n = ftell(f)) < 0 || fseek(f, 0, SEEK_SET))
		goto out;
	buf = malloc(n + 1);
	if (buf && fread(buf, 1, n, f) != (size_t)n) {
		free(buf);
		buf = NULL;
	}
	*len = n;
out:
	fclose(f);
	return buf;
}
