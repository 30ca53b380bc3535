/* SPDX-License-Identifier: Apache-2.0 */
/*
 * sessions.h - the card's table of open BSP sessions. A handle is a table
 * index (low bits) plus a random tag drawn at each allocation, so a stale
 * or guessed handle does not reach someone else's session.
 */
#ifndef CARD_SESSIONS_H
#define CARD_SESSIONS_H

#include <stdbool.h>
#include <stdint.h>

#include <mbedtls/ctr_drbg.h>

#include "bsp.h"

#define SESSIONS_INDEX_BITS 10
#define SESSIONS_MAX (1u << SESSIONS_INDEX_BITS)
#define SESSIONS_DEFAULT 256
/* Seals per session: bounds the work one handle can ask for. */
#define SESSION_MAX_SEGMENTS 65535u

struct upp_ctx;

struct session {
	uint32_t handle; /* 0: free */
	uint32_t sealed;
	struct bsp_keys keys;
	struct upp_ctx *upp; /* a sealed UPP being opened or sealed (upp.h), or NULL */
};

struct session_table {
	struct session *s;
	unsigned int max;
	unsigned int open;
	unsigned int upps; /* sessions with a UPP attached */
};

/* Returns 0 or -ENOMEM / -EINVAL. */
int sessions_init(struct session_table *t, unsigned int max);
void sessions_free(struct session_table *t);

/* PDC_ST_OK with *@handle set, or PDC_ST_NO_RESOURCES. */
enum pdc_status sessions_alloc(struct session_table *t, mbedtls_ctr_drbg_context *rng,
			       const struct bsp_keys *keys, uint32_t *handle);
/* NULL if @handle names no open session. */
struct session *sessions_find(struct session_table *t, uint32_t handle);
/* Closing wipes the session and its UPP, if any. */
void sessions_close(struct session_table *t, struct session *s);
void sessions_close_all(struct session_table *t);

#endif /* CARD_SESSIONS_H */
