/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The ASN.1 binding of ES9+ (SGP.22 §6.6): one RemoteProfileProvisioningRequest ('A2')
 * in, one RemoteProfileProvisioningResponse ('A2') out, both DER as rsp.asn defines
 * them. This file only translates: a request becomes the named fields the five
 * functions read through request.h (the same ones the JSON binding gives them), and
 * their answer fields become the response's DER. The functions, their checks and the
 * session state machine are the JSON binding's (handle.c calls the same ones).
 */
#ifndef PORTDP_ES9_ASN1_H
#define PORTDP_ES9_ASN1_H

#include <stddef.h>
#include <stdint.h>

#include "request.h"
#include "status_codes.h"

/* The path and content type of the binding (SGP.22 §6.6.1). */
#define ES9_ASN1_PATH "/gsma/rsp2/asn1"
#define ES9_ASN1_CONTENT_TYPE "application/x-gsma-rsp-asn1"

/* The five functions, in the order of handle.c's table. */
enum es9_fn {
	ES9_FN_INITIATE_AUTHENTICATION = 0,
	ES9_FN_AUTHENTICATE_CLIENT,
	ES9_FN_GET_BOUND_PROFILE_PACKAGE,
	ES9_FN_HANDLE_NOTIFICATION,
	ES9_FN_CANCEL_SESSION,
	ES9_FN_COUNT,
	ES9_FN_NONE = -1,
};

/**
 * es9_asn1_decode() - read one RemoteProfileProvisioningRequest into c->in (pointing into
 * @der, which must outlive @c) and set c->binding. *@fn is the function its CHOICE names
 * as soon as that is known (else ES9_FN_NONE). 0, or -EBADMSG: not DER, not exactly one
 * 'A2' with one alternative, or the alternative's mandatory elements missing or of
 * another tag (answered with that function's undefinedError, or HTTP 400 when no
 * function is named). Unknown elements after the known ones are skipped (EXTENSIBILITY
 * IMPLIED). Never allocates.
 */
int es9_asn1_decode(struct es9_call *c, const uint8_t *der, size_t len, enum es9_fn *fn);

/**
 * es9_asn1_error_code() - the INTEGER of function @fn's error alternative that stands for
 * @st (rsp.asn: InitiateAuthenticationResponse, AuthenticateClientResponseEs9, ...), 127
 * (undefinedError) for every outcome the CHOICE has no number for.
 */
unsigned es9_asn1_error_code(enum es9_fn fn, enum es9_status st);

/**
 * es9_asn1_render() - the answer of @fn with outcome @st: HTTP 200 with a
 * RemoteProfileProvisioningResponse (the Ok alternative built from c->out, or the error
 * INTEGER), 204 without a body for a handled notification, 400 without a body for a
 * HandleNotification that failed (its binding has no error alternative). *@body is
 * malloc'd (NULL when empty). 0 or -ENOMEM.
 */
int es9_asn1_render(struct es9_call *c, enum es9_fn fn, enum es9_status st, int *http_status,
		    char **body, size_t *body_len);

#endif
