/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The LPA's side of ES9+'s ASN.1 binding (SGP.22 §6.6): the JSON request download.c and
 * notify.c build becomes a RemoteProfileProvisioningRequest, and the
 * RemoteProfileProvisioningResponse comes back as the JSON answer they read, so the
 * flows do not care which binding (or transport: HTTPS, a Port-DP+ card) carried it.
 * An error alternative becomes status "Failed" with the function's error INTEGER as
 * reasonCode and subjectCode "asn1" (e.g. "asn1/95" for an unknown transactionId).
 */
#ifndef PORTDP_LPA_ES9_ASN1_H
#define PORTDP_LPA_ES9_ASN1_H

#include <stddef.h>
#include <stdint.h>
#include <jansson.h>

#include "es9_client.h"

/** es9_asn1_request() - the DER of function @function's JSON request @req (malloc'd). */
int es9_asn1_request(const char *function, json_t *req, uint8_t **der, size_t *len);

/**
 * es9_asn1_answer() - the JSON answer of @function from its DER answer (@len 0: none,
 * HTTP 204 / a card's bare 9000). 0 with *@resp set (NULL for no answer), -EPROTO for an
 * error alternative (@st filled), -EBADMSG for anything else.
 */
int es9_asn1_answer(const char *function, const uint8_t *der, size_t len, json_t **resp,
		    struct es9_status *st);

#endif
