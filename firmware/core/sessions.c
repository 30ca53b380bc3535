// SPDX-License-Identifier: Apache-2.0
/*
 * sessions.c - session table (see sessions.h). Closed sessions are wiped.
 */
#include <errno.h>
#include <stdlib.h>

#include <mbedtls/platform_util.h>

#include "sessions.h"
#include "upp.h"

int sessions_init(struct session_table *t, unsigned int max)
{
	if (max == 0 || max > SESSIONS_MAX)
		return -EINVAL;
	t->s = calloc(max, sizeof(*t->s));
	if (!t->s)
		return -ENOMEM;
	t->max = max;
	t->open = 0;
	return 0;
}

void sessions_free(struct session_table *t)
{
	if (!t->s)
		return;
	sessions_close_all(t);
	free(t->s);
	t->s = NULL;
}

enum pdc_status sessions_alloc(struct session_table *t, mbedtls_ctr_drbg_context *rng,
			       const struct bsp_keys *keys, uint32_t *handle)
{
	uint32_t tag = 0;
	unsigned int i;

	for (i = 0; i < t->max; i++)
		if (!t->s[i].handle)
			break;
	if (i == t->max)
		return PDC_ST_NO_RESOURCES;
	/* A tag of 0 would make handle 0 possible for slot 0: draw again. */
	while (tag == 0) {
		if (mbedtls_ctr_drbg_random(rng, (unsigned char *)&tag, sizeof(tag)))
			return PDC_ST_CRYPTO;
		tag >>= SESSIONS_INDEX_BITS;
	}
	t->s[i].handle = tag << SESSIONS_INDEX_BITS | i;
	t->s[i].sealed = 0;
	t->s[i].keys = *keys;
	t->s[i].upp = NULL;
	t->open++;
	*handle = t->s[i].handle;
	return PDC_ST_OK;
}

struct session *sessions_find(struct session_table *t, uint32_t handle)
{
	unsigned int i = handle & (SESSIONS_MAX - 1);

	if (handle == 0 || i >= t->max || t->s[i].handle != handle)
		return NULL;
	return &t->s[i];
}

void sessions_close(struct session_table *t, struct session *s)
{
	if (s->upp)
		upp_drop(t, s);
	mbedtls_platform_zeroize(s, sizeof(*s));
	t->open--;
}

void sessions_close_all(struct session_table *t)
{
	unsigned int i;

	for (i = 0; i < t->max; i++)
		if (t->s[i].handle)
			sessions_close(t, &t->s[i]);
}
