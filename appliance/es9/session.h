/* SPDX-License-Identifier: Apache-2.0 */
/*
 * RSP sessions of the SM-DP+, shared by all workers: a hash table keyed by
 * transactionId with one mutex per stripe of buckets.
 *
 * A worker claims a session for the length of one request (es9_session_claim);
 * while claimed nobody else sees it, so the same step replayed concurrently
 * fails as "unknown transaction" instead of racing. The claimer edits the
 * session freely and then either puts it back (es9_session_put) or ends it
 * (es9_session_end).
 */
#ifndef PORTDP_ES9_SESSION_H
#define PORTDP_ES9_SESSION_H

#include <stddef.h>
#include <stdint.h>

#include <portdp/accel.h>

#include "../inventory/inventory.h"
#include "status_codes.h"

#define ES9_TID_LEN 16
#define ES9_CHALLENGE_LEN 16
#define ES9_KEYID_MAX 32
#define ES9_SIG_DO_LEN (3 + PDP_SIG_LEN) /* 5F 37 40 || r||s */

/** Where a session stands; each ES9+ function accepts exactly one step. */
enum es9_step {
	ES9_STEP_INITIATED = 1, /* InitiateAuthentication answered */
	ES9_STEP_AUTHENTICATED, /* AuthenticateClient answered, profile allocated */
	ES9_STEP_DOWNLOADED,	/* BPP handed out; kept for the installation notification */
};

struct es9_session {
	uint8_t tid[ES9_TID_LEN];
	enum es9_step step;
	int64_t deadline; /* unix time; past it the session is gone */
	uint8_t server_challenge[ES9_CHALLENGE_LEN];
	uint8_t euicc_challenge[ES9_CHALLENGE_LEN];
	uint8_t ci_pkid[ES9_KEYID_MAX]; /* CI the eUICC's chain must end at */
	size_t ci_pkid_len;
	char server_address[256]; /* as the LPA sent it, signed in serverSigned1 */
	/* from AuthenticateClient on */
	char eid[2 * PDP_EID_LEN + 1]; /* hex, as the inventory keeps it */
	uint8_t eid_bin[PDP_EID_LEN];
	enum pdp_curve euicc_curve;
	uint8_t euicc_pub[PDP_PUBKEY_LEN]; /* PK.EUICC.ECDSA */
	/*
	 * The allocated profile's row as AuthenticateClient read it. Its imported fields
	 * (ICCID, names, class, confirmation code hash) never change, so the later steps
	 * use this copy instead of reading the row again; every state change still goes
	 * through the inventory's checked transitions.
	 */
	struct inv_profile profile;
	unsigned cc_failures;
	uint8_t smdp_sig2_do[ES9_SIG_DO_LEN]; /* euiccSignature2 covers it */

	/* table bookkeeping */
	struct es9_session *next;
	int claimed;
};

struct es9_sessions;

int es9_sessions_new(struct es9_sessions **out);
void es9_sessions_free(struct es9_sessions *t);

/** A zeroed session (calloc); the caller fills it before es9_session_add. */
struct es9_session *es9_session_alloc(void);

/** Add @s (unclaimed) to the table; -EEXIST if its transactionId is taken. */
int es9_session_add(struct es9_sessions *t, struct es9_session *s);

/**
 * Find the session of @tid, at @step and not past its deadline at @now, and
 * claim it. ES9_E_TID_UNKNOWN when there is none (or it is claimed or at
 * another step).
 */
enum es9_status es9_session_claim(struct es9_sessions *t, const uint8_t *tid, size_t tid_len,
				  enum es9_step step, int64_t now, struct es9_session **out);

/** Return a claimed session to the table. */
void es9_session_put(struct es9_sessions *t, struct es9_session *s);
/** Remove a claimed session from the table and free it. */
void es9_session_end(struct es9_sessions *t, struct es9_session *s);

/**
 * Remove every unclaimed session whose deadline is before @now; @cb sees each
 * one before it is freed (to release its profile).
 * Returns the number removed.
 */
unsigned es9_sessions_expire(struct es9_sessions *t, int64_t now,
			     void (*cb)(const struct es9_session *, void *), void *arg);

/** Number of sessions (claimed or not), for stats and tests. */
unsigned es9_sessions_count(struct es9_sessions *t);

#endif
