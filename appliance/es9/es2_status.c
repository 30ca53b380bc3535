// SPDX-License-Identifier: Apache-2.0
/*
 * The one table of SGP.22 status codes ES2+ answers with. Subject codes (SGP.22 §5.3 function
 * tables): 1.1 Function Requester, 1.2 Function Provider, 1.6 Function, 8.1.1 EID, 8.2.1
 * Profile ICCID, 8.2.5 Profile Type, 8.2.6 Matching ID, 8.2.7 Confirmation Code, 8.9.1 SM-DS
 * Address. Reason codes: 1.1 Unknown (identification), 1.2 Not Allowed (authorisation),
 * 2.1 Invalid, 2.2 Mandatory Element Missing, 3.1 Unsupported, 3.3 Already in Use,
 * 3.5 Invalid Transition, 3.7 Unavailable, 3.8 Refused, 3.9 Unknown, 3.10 Invalid Association.
 * Rows marked "project" are where SGP.22 names no code for the case.
 */
#include "es2_status.h"

static const struct es2_status_info table[ES2_STATUS_COUNT] = {
    [ES2_OK] = {"", "", "Executed-Success"},
    /* project: request format, as ES9+ */
    [ES2_E_REQ_INVALID] = {"1.2", "2.1", "Request is not a JSON object"},
    [ES2_E_FIELD_MISSING] = {"1.2", "2.2", "Mandatory element missing"},
    [ES2_E_FIELD_INVALID] = {"1.2", "2.1", "Invalid element"},
    [ES2_E_REQUESTER] = {"1.1", "1.2", "functionRequesterIdentifier is not this client's"},
    [ES2_E_OPERATOR_UNKNOWN] = {"1.1", "1.1", "Client certificate names no known operator"},
    /* project: a retried call must be the same request */
    [ES2_E_CALL_ID_REUSED] = {"1.6", "3.3",
			      "functionCallIdentifier already used for another request"},
    [ES2_E_EID_INVALID] = {"8.1.1", "2.1", "EID is invalid"},
    [ES2_E_EID_MISSING] = {"8.1.1", "2.2", "EID is missing in the context of this order"},
    [ES2_E_EID_MISMATCH] = {"8.1.1", "3.10", "A different EID is associated with this ICCID"},
    [ES2_E_ICCID_MISSING] = {"8.2.1", "2.2", "ICCID or finalProfileStatusIndicator is missing"},
    [ES2_E_ICCID_INVALID] = {"8.2.1", "2.1", "ICCID is invalid"},
    [ES2_E_ICCID_UNKNOWN] = {"8.2.1", "3.9", "Profile ICCID is unknown to the SM-DP+"},
    [ES2_E_ICCID_NOT_ALLOWED] =
	{"8.2.1", "1.2", "The caller is not allowed to perform this function on the Profile"},
    [ES2_E_ICCID_UNAVAILABLE] = {"8.2.1", "3.3", "The Profile is not available"},
    [ES2_E_ICCID_TRANSITION] = {"8.2.1", "3.5", "Invalid transition for this Profile"},
    [ES2_E_TYPE_UNKNOWN] = {"8.2.5", "3.9", "Profile Type is unknown to the SM-DP+"},
    [ES2_E_TYPE_EXHAUSTED] = {"8.2.5", "3.7", "No more Profile available for this Profile Type"},
    [ES2_E_TYPE_MISMATCH] = {"8.2.5", "3.8",
			     "Profile Type does not match the Profile identified by the ICCID"},
    [ES2_E_MID_INVALID] = {"8.2.6", "2.1", "Matching ID is invalid"},
    [ES2_E_MID_IN_USE] = {"8.2.6", "3.3", "Matching ID is already in use"},
    [ES2_E_MID_MISMATCH] = {"8.2.6", "3.10",
			    "A different Matching ID is associated with this ICCID"},
    /* project */
    [ES2_E_CC_INVALID] = {"8.2.7", "2.1", "Confirmation Code is invalid"},
    /* project: the unit works offline, with no SM-DS */
    [ES2_E_SMDS_UNSUPPORTED] = {"8.9.1", "3.1", "SM-DS registration is not supported"},
    [ES2_E_INTERNAL] = {"1.2", "4.2", "Execution error"},
};

const struct es2_status_info *es2_status_info(enum es2_status st)
{
	if ((unsigned)st >= ES2_STATUS_COUNT)
		st = ES2_E_INTERNAL;
	return &table[st];
}
