/* SPDX-License-Identifier: Apache-2.0 */
/*
 * card_priv.h - the card's state, shared by the core's files only.
 */
#ifndef CARD_CARD_PRIV_H
#define CARD_CARD_PRIV_H

#include <stdbool.h>

#include <mbedtls/ctr_drbg.h>
#include <mbedtls/entropy.h>

#include "card.h"
#include "ecc.h"
#include "keystore.h"
#include "sessions.h"

struct reseal_ctx;

#define CARD_FW_VERSION (0u << 16 | 1u << 8 | 0u)
#define CARD_FW_NAME "portdp-card 0.1.0"

struct card_counters {
	uint64_t requests, errors, signs, verifies, sessions_created, segments_sealed;
	uint64_t ecdh_raw, aes_ops, random_bytes, resets;
};

struct card {
	mbedtls_entropy_context entropy;
	mbedtls_ctr_drbg_context drbg;
	struct ecc_curves ecc;
	struct keystore ks;
	struct session_table sessions;
	struct reseal_ctx *reseal[PDC_RESEAL_MAX_OPEN]; /* reseal.c */
	struct card_counters cnt;
	uint8_t slot_pub[PDC_KEY_SLOTS][PDC_PUBKEY_LEN]; /* cache of each slot's d*G */
	uint8_t serial[16];
	bool failed; /* self-test failed: crypto refused */
	uint32_t broken; /* PDC_SELFTEST_* made to fail (fault injection) */
};

/* Run the known-answer and pairwise tests; returns PDC_SELFTEST_* bits that failed. */
uint32_t card_self_test(struct card *card, uint32_t *run);

/* Dispatcher entry (dispatch.c). */
size_t card_dispatch(struct card *card, const uint8_t *req, size_t len, uint8_t *resp);

#endif /* CARD_CARD_PRIV_H */
