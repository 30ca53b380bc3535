/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The LPA's part of one profile download (SGP.22 3.1.3): carries data
 * between the SM-DP+ (ES9+, JSON) and the eUICC (ES10b, DER) and checks what
 * an LPA must check on the way, ending with the installation result.
 */
#ifndef PORTDP_LPA_DOWNLOAD_H
#define PORTDP_LPA_DOWNLOAD_H

#include <stdbool.h>

#include "activation_code.h"
#include "cancel_session.h"
#include "es9_client.h"
#include "es10.h"

/** Outcome of lpa_download() and lpa_notify(); the CLI's exit status. */
enum lpa_result {
	LPA_OK = 0,              /* profile installed and notification accepted (or held) */
	LPA_E_LOCAL = 1,         /* bad input, file or memory trouble */
	LPA_E_SMDP_REFUSED = 2,  /* the SM-DP+ answered "Failed" */
	LPA_E_EUICC_REFUSED = 3, /* the eUICC answered an error (install failed included) */
	LPA_E_NETWORK = 4,       /* TLS, HTTP or malformed answer */
	LPA_STOPPED = 5,         /* stopped after a step on request (tests) */
	LPA_CANCELLED = 6,       /* the user declined; the SM-DP+ accepted cancelSession */
	LPA_E_CHIP_GONE = 7,     /* the chip stopped answering (card pulled, link lost) */
};

struct lpa_download_opts {
	struct activation_code ac;
	const char *confirmation_code;  /* NULL: none */
	const char *stop_after;         /* ES9+ function name, or NULL */
	const char *replay;             /* ES9+ function name to send twice, or NULL */
	bool reject;                    /* the user declines at the confirmation step */
	bool hold_notification;         /* leave the PIR pending on the eUICC (link lost) */
	enum lpa_cancel_spoil spoil_cancel; /* tests: a refused cancelSession goes first */
	bool verbose;
	/* Tests: stop right after this ES10 command succeeded ("PrepareDownload", ...). */
	const char *stop_after_es10;
	/* [out] the transactionId (hex) once the SM-DP+ holds a profile for it, or "". */
	char *tid_out;
	/* [out] the step the flow is in, for a station's display (may be NULL). */
	const char *volatile *step_out;
};

/**
 * lpa_download() - the whole flow: initiateAuthentication,
 * AuthenticateServer, authenticateClient, PrepareDownload,
 * getBoundProfilePackage, LoadBoundProfilePackage, handleNotification.
 * A download that stops after authenticateClient (declined, no confirmation
 * code, a malformed or refused answer, a BPP that cannot be loaded) is
 * cancelled on the eUICC and at the SM-DP+ (lpa_cancel_session()), except
 * when PrepareDownload's error answer or the PIR already told the SM-DP+, and
 * for --stop-after (an LPA that vanished). The eUICC is reached through
 * @chip (ES10 commands: in-process, PC/SC or AT modem); the LPA checks that
 * serverAddress is the SM-DP+ it dialled (a card is never told). The result stays the one of the
 * step that failed; declining gives LPA_CANCELLED once the SM-DP+ accepts.
 * @iccid: [out] the installed profile's ICCID.
 */
enum lpa_result lpa_download(struct es10_chip *chip, struct es9_client *c,
			     const struct lpa_download_opts *o, char iccid[21]);

#endif
