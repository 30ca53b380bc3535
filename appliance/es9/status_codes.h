/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Outcomes of the ES9+ functions and their SGP.22 status codes.
 *
 * Every function of this layer that can fail for an SGP.22 reason returns
 * one enum es9_status. ES9_OK is 0; everything else is a failure that the
 * caller answers with header.functionExecutionStatus "Failed" and the
 * subjectCode/reasonCode pair of es9_status_info(). The table (status_codes.c)
 * cites where each pair comes from.
 */
#ifndef PORTDP_ES9_STATUS_CODES_H
#define PORTDP_ES9_STATUS_CODES_H

enum es9_status {
	ES9_OK = 0,
	/* request format (JSON, base64, hex, DER) */
	ES9_E_REQ_INVALID,   /* body is no JSON object */
	ES9_E_FIELD_MISSING, /* mandatory JSON field or ASN.1 element missing */
	ES9_E_FIELD_INVALID, /* wrong JSON type, bad base64/hex, DER that does not parse */
	/* InitiateAuthentication */
	ES9_E_DP_ADDRESS,	/* smdpAddress is not ours */
	ES9_E_PKID_UNSUPPORTED, /* no CI PKId of the eUICC is one of ours */
	ES9_E_SVN_UNSUPPORTED,	/* eUICC SGP.22 version not supported */
	ES9_E_NO_DPAUTH_CERT,	/* no CERT.DPauth under a CI the eUICC verifies */
	/* sessions */
	ES9_E_TID_UNKNOWN, /* no session, expired, or not at this step */
	/* AuthenticateClient */
	ES9_E_EUM_INVALID,
	ES9_E_EUM_EXPIRED,
	ES9_E_EUICC_CERT_INVALID,
	ES9_E_EUICC_CERT_EXPIRED,
	ES9_E_EUICC_VERIFY, /* eUICC signature or signed content wrong */
	ES9_E_CI_UNKNOWN,
	ES9_E_MATCHING_ID_REFUSED,
	ES9_E_EID_REFUSED,
	ES9_E_NO_ELIGIBLE,
	ES9_E_PROFILE_NOT_RELEASED,
	/* GetBoundProfilePackage */
	ES9_E_BPP_UNAVAILABLE,
	ES9_E_CC_MISSING,
	ES9_E_CC_REFUSED,
	ES9_E_CC_RETRIES,
	ES9_E_DOWNLOAD_ABORTED, /* the eUICC answered PrepareDownload with an error */
	/* CancelSession */
	ES9_E_OID_INVALID,
	/* ours */
	ES9_E_INTERNAL, /* database or crypto backend failure */
	ES9_STATUS_COUNT
};

struct es9_status_info {
	const char *subject; /* subjectCode, e.g. "8.10.1" */
	const char *reason;  /* reasonCode, e.g. "3.9" */
	const char *message; /* default message */
};

/** The SGP.22 codes of @st (never NULL; unknown values map to ES9_E_INTERNAL). */
const struct es9_status_info *es9_status_info(enum es9_status st);

#endif
