/* SPDX-License-Identifier: Apache-2.0 */
/* Outcomes of the ES2+ functions and their SGP.22 (section 5.3) subject/reason codes. */
#ifndef PORTDP_ES2_STATUS_H
#define PORTDP_ES2_STATUS_H

enum es2_status {
	ES2_OK = 0,
	ES2_E_REQ_INVALID,   /* body is no JSON object */
	ES2_E_FIELD_MISSING, /* a mandatory field other than those below */
	ES2_E_FIELD_INVALID,
	ES2_E_REQUESTER,	/* functionRequesterIdentifier is not the certificate's operator */
	ES2_E_OPERATOR_UNKNOWN, /* the certificate chains to the CA but names no operator */
	ES2_E_CALL_ID_REUSED,	/* functionCallIdentifier already answered another request */
	ES2_E_EID_INVALID,
	ES2_E_EID_MISSING,
	ES2_E_EID_MISMATCH,  /* another EID is associated with this ICCID */
	ES2_E_ICCID_MISSING, /* also finalProfileStatusIndicator of cancelOrder */
	ES2_E_ICCID_INVALID,
	ES2_E_ICCID_UNKNOWN,
	ES2_E_ICCID_NOT_ALLOWED, /* another operator's profile */
	ES2_E_ICCID_UNAVAILABLE, /* not available for an order (ordered, downloaded...) */
	ES2_E_ICCID_TRANSITION,	 /* the order is not in the state this function needs */
	ES2_E_TYPE_UNKNOWN,
	ES2_E_TYPE_EXHAUSTED,
	ES2_E_TYPE_MISMATCH,
	ES2_E_MID_INVALID,
	ES2_E_MID_IN_USE,
	ES2_E_MID_MISMATCH,
	ES2_E_CC_INVALID,
	ES2_E_SMDS_UNSUPPORTED,
	ES2_E_INTERNAL,
	ES2_STATUS_COUNT
};

struct es2_status_info {
	const char *subject, *reason, *message;
};

const struct es2_status_info *es2_status_info(enum es2_status st);

#endif
