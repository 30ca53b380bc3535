// SPDX-License-Identifier: Apache-2.0
/*
 * Latency samples kept whole (4 bytes each: a million bindings cost 20 MB),
 * so percentiles are exact rather than bucketed.
 */
#include "bench.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

static int grow(struct samples *s, size_t need)
{
	size_t cap = s->cap ? s->cap : 1024;
	uint32_t *v;

	while (cap < need)
		cap *= 2;
	if (cap == s->cap)
		return 0;
	v = realloc(s->v, cap * sizeof(*v));
	if (!v)
		return -ENOMEM;
	s->v = v;
	s->cap = cap;
	return 0;
}

int samples_add(struct samples *s, uint32_t us)
{
	if (s->n == s->cap && grow(s, s->n + 1))
		return -ENOMEM;
	s->v[s->n++] = us;
	return 0;
}

int samples_merge(struct samples *dst, const struct samples *src)
{
	if (!src->n)
		return 0;
	if (grow(dst, dst->n + src->n))
		return -ENOMEM;
	memcpy(dst->v + dst->n, src->v, src->n * sizeof(*src->v));
	dst->n += src->n;
	return 0;
}

static int cmp_u32(const void *a, const void *b)
{
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;

	return x < y ? -1 : x > y;
}

void samples_sort(struct samples *s)
{
	if (s->n)
		qsort(s->v, s->n, sizeof(*s->v), cmp_u32);
}

/* Nearest rank: the smallest value with at least p% of the samples at or below it. */
uint32_t samples_pct(const struct samples *s, double p)
{
	size_t rank;

	if (!s->n)
		return 0;
	rank = (size_t)(p / 100.0 * (double)s->n + 0.999999);
	if (rank < 1)
		rank = 1;
	if (rank > s->n)
		rank = s->n;
	return s->v[rank - 1];
}

void samples_free(struct samples *s)
{
	free(s->v);
	memset(s, 0, sizeof(*s));
}
