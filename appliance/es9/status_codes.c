// SPDX-License-Identifier: Apache-2.0
/*
 * The one table of SGP.22 status codes that ES9+ answers with.
 *
 * Subject codes (SGP.22 v2.2 §5.6 function tables): 8.1 eUICC, 8.1.1 EID, 8.1.2 EUM
 * Certificate, 8.1.3 eUICC Certificate, 8.2 Profile, 8.2.5 Profile Type, 8.2.6 Matching ID,
 * 8.2.7 Confirmation Code, 8.8 SM-DP+, 8.8.1 SM-DP+ Address, 8.8.2 Security Configuration,
 * 8.8.3 Specification Version Number, 8.8.4 Certificate, 8.10.1 TransactionId,
 * 8.11.1 CI Public Key; generic 1.2 Function Provider.
 * Reason codes: 1.2 Not Allowed, 2.1 Invalid, 2.2 Mandatory Element Missing, 3.1 Unsupported,
 * 3.7 Unavailable, 3.8 Refused, 3.9 Unknown, 3.10 Invalid Association, 4.2 Execution Error,
 * 4.3 Stopped on Warning, 6.1 Verification Failed, 6.3 Expired, 6.4 Maximum number of
 * retries exceeded.
 *
 * Where SGP.22 names no code (malformed JSON/base64/DER, an error answer of the eUICC to
 * PrepareDownload, our own failures) we use the generic subject 1.2 with the matching
 * reason; those rows are marked "project".
 */
#include "status_codes.h"

static const struct es9_status_info table[ES9_STATUS_COUNT] = {
    [ES9_OK] = {"", "", "Executed-Success"},
    /* project: request format */
    [ES9_E_REQ_INVALID] = {"1.2", "2.1", "Request is not a JSON object"},
    [ES9_E_FIELD_MISSING] = {"1.2", "2.2", "Mandatory element missing"},
    [ES9_E_FIELD_INVALID] = {"1.2", "2.1", "Invalid element"},
    /* §5.6.1 InitiateAuthentication */
    [ES9_E_DP_ADDRESS] = {"8.8.1", "3.8", "Invalid SM-DP+ Address"},
    [ES9_E_PKID_UNSUPPORTED] = {"8.8.2", "3.1",
				"None of the proposed Public Key Identifiers is supported"},
    [ES9_E_SVN_UNSUPPORTED] = {"8.8.3", "3.1", "Specification Version Number not supported"},
    [ES9_E_NO_DPAUTH_CERT] = {"8.8.4", "3.7", "No CERT.DPauth chaining to a CI the eUICC supports"},
    /* §5.6.2/5.6.3/5.6.5 */
    [ES9_E_TID_UNKNOWN] = {"8.10.1", "3.9",
			   "The RSP session identified by the TransactionID is unknown"},
    /* §5.6.3 AuthenticateClient */
    [ES9_E_EUM_INVALID] = {"8.1.2", "6.1", "EUM Certificate verification failed"},
    [ES9_E_EUM_EXPIRED] = {"8.1.2", "6.3", "EUM Certificate expired"},
    [ES9_E_EUICC_CERT_INVALID] = {"8.1.3", "6.1", "eUICC Certificate verification failed"},
    [ES9_E_EUICC_CERT_EXPIRED] = {"8.1.3", "6.3", "eUICC Certificate expired"},
    [ES9_E_EUICC_VERIFY] = {"8.1", "6.1",
			    "eUICC signature is invalid or serverChallenge is invalid"},
    [ES9_E_CI_UNKNOWN] = {"8.11.1", "3.9", "Unknown CI Public Key"},
    [ES9_E_MATCHING_ID_REFUSED] = {"8.2.6", "3.8", "MatchingID is refused"},
    [ES9_E_EID_REFUSED] = {"8.1.1", "3.8", "EID doesn't match the expected value"},
    [ES9_E_NO_ELIGIBLE] = {"8.2.5", "4.3", "No eligible Profile for this eUICC/Device"},
    [ES9_E_PROFILE_NOT_RELEASED] = {"8.2", "1.2", "Profile has not been released"},
    /* §5.6.2 GetBoundProfilePackage */
    [ES9_E_BPP_UNAVAILABLE] = {"8.2", "3.7", "BPP is not available for a new binding"},
    [ES9_E_CC_MISSING] = {"8.2.7", "2.2", "Confirmation Code is missing"},
    [ES9_E_CC_REFUSED] = {"8.2.7", "3.8", "Confirmation Code is refused"},
    [ES9_E_CC_RETRIES] = {"8.2.7", "6.4",
			  "Maximum number of retries for the Confirmation Code exceeded"},
    /* project: PrepareDownloadResponseError ends the session */
    [ES9_E_DOWNLOAD_ABORTED] = {"8.1", "4.2", "eUICC reported a download error"},
    /* §5.6.5 CancelSession */
    [ES9_E_OID_INVALID] = {"8.8", "3.10", "The provided SM-DP+ OID is invalid"},
    /* project: our own failure */
    [ES9_E_INTERNAL] = {"1.2", "4.2", "Execution error"},
};

const struct es9_status_info *es9_status_info(enum es9_status st)
{
	if ((unsigned)st >= ES9_STATUS_COUNT)
		st = ES9_E_INTERNAL;
	return &table[st];
}
