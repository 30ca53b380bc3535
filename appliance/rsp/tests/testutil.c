// SPDX-License-Identifier: Apache-2.0
/* Test helpers shared by the rsp tests. */
#include <dirent.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "b64.h"
#include "testutil.h"

const char *tu_path(const char *rel)
{
	static char buf[PATH_MAX];
	const char *shared = getenv("SHARED");

	snprintf(buf, sizeof(buf), "%s/testdata/%s", shared && *shared ? shared : ".", rel);
	return buf;
}

uint8_t *tu_load(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	uint8_t *p = NULL;
	long n;

	if (!f)
		return NULL;
	if (fseek(f, 0, SEEK_END) == 0 && (n = ftell(f)) >= 0 && fseek(f, 0, SEEK_SET) == 0) {
		p = malloc((size_t)n + 1);
		if (p && fread(p, 1, (size_t)n, f) != (size_t)n) {
			free(p);
			p = NULL;
		}
		*len = (size_t)n;
	}
	fclose(f);
	return p;
}

static int nibble(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

uint8_t *tu_unhex(const char *hex, size_t *len)
{
	size_t n = strlen(hex), i;
	uint8_t *p;

	if (n % 2)
		return NULL;
	p = malloc(n / 2 + 1);
	if (!p)
		return NULL;
	for (i = 0; i < n / 2; i++) {
		int hi = nibble(hex[2 * i]), lo = nibble(hex[2 * i + 1]);

		if (hi < 0 || lo < 0) {
			free(p);
			return NULL;
		}
		p[i] = (uint8_t)(hi << 4 | lo);
	}
	*len = n / 2;
	return p;
}

uint8_t *tu_unbase64(const char *b64, size_t *len)
{
	uint8_t *p;
	ssize_t n = rsp_b64_decode(b64, strlen(b64), &p);

	if (n < 0)
		return NULL;
	*len = (size_t)n;
	return p;
}

static int cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

int tu_ts48_files(char ***names, size_t *n)
{
	DIR *d = opendir(tu_path("ts48"));
	struct dirent *e;
	char **v = NULL;
	size_t k = 0;

	if (!d)
		return -1;
	while ((e = readdir(d))) {
		size_t l = strlen(e->d_name);

		if (l < 5 || strcmp(e->d_name + l - 4, ".der"))
			continue;
		v = realloc(v, (k + 1) * sizeof(*v));
		v[k++] = strdup(e->d_name);
	}
	closedir(d);
	qsort(v, k, sizeof(*v), cmp);
	*names = v;
	*n = k;
	return 0;
}

void tu_free_list(char **names, size_t n)
{
	while (n--)
		free(names[n]);
	free(names);
}
