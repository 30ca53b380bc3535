/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The Common Cancel Session procedure (SGP.22 3.1.3.x / 5.7.14 / 5.6.5): once
 * authenticateClient has made the SM-DP+ set a profile aside, a download that
 * stops has the eUICC sign a CancelSessionResponse and hands it to the SM-DP+,
 * which releases the profile at once instead of at session expiry.
 */
#ifndef PORTDP_LPA_CANCEL_SESSION_H
#define PORTDP_LPA_CANCEL_SESSION_H

#include <stddef.h>
#include <stdint.h>

#include "es9_client.h"
#include "es10.h"

/* CancelSessionReason (SGP.22; 4, 5 and 127 are the later versions' additions). */
enum lpa_cancel_reason {
	LPA_CANCEL_END_USER_REJECTION = 0,
	LPA_CANCEL_POSTPONED = 1,
	LPA_CANCEL_TIMEOUT = 2,
	LPA_CANCEL_PPR_NOT_ALLOWED = 3,
	LPA_CANCEL_METADATA_MISMATCH = 4,
	LPA_CANCEL_LOAD_BPP_EXECUTION_ERROR = 5,
	LPA_CANCEL_UNDEFINED_REASON = 127,
};

/* Tests only: first send a cancelSession the SM-DP+ must refuse. */
enum lpa_cancel_spoil {
	LPA_CANCEL_SPOIL_NONE = 0,
	LPA_CANCEL_SPOIL_SIGNATURE,    /* one bit of euiccCancelSessionSignature flipped */
	LPA_CANCEL_SPOIL_TRANSACTION,  /* sent under a transactionId of no session */
};

/** lpa_cancel_reason_name() - "endUserRejection", ... for logs. */
const char *lpa_cancel_reason_name(enum lpa_cancel_reason reason);

/**
 * lpa_cancel_session() - ES10b.CancelSession, then ES9+.CancelSession.
 * Prints what the SM-DP+ answered (stdout when accepted, stderr otherwise).
 * With @spoil, a spoiled copy goes first and its answer is printed too.
 * Returns 0 (the SM-DP+ released the session), -EPROTO (the eUICC or the
 * SM-DP+ refused), -EIO (network) or another negative errno (local trouble).
 */
int lpa_cancel_session(struct es10_chip *chip, struct es9_client *c, const uint8_t *tid,
		       size_t tid_len, enum lpa_cancel_reason reason,
		       enum lpa_cancel_spoil spoil);

/**
 * lpa_cancel_session_lost() - the eUICC is gone (pulled mid-download): ES9+.CancelSession
 * with cancelSessionResponseError undefinedError (127), which needs no signature. The
 * SM-DP+ ends a session whose BPP it has not handed out and puts its profile back in stock.
 * Returns 0 (released), -EPROTO (refused: no such session, or the BPP was out), -EIO.
 */
int lpa_cancel_session_lost(struct es9_client *c, const uint8_t *tid, size_t tid_len);

#endif
