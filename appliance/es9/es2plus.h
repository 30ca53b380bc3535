/* SPDX-License-Identifier: Apache-2.0 */
/*
 * ES2+ (SGP.22 section 5.3): the operator's functions, served by the same workers and group
 * commit as ES9+ (es9.h), on their own listener with mutual TLS. The network layer hands over
 * the subject of the verified client certificate; this layer finds the operator by it, checks
 * functionRequesterIdentifier against it, and records every answer under
 * (operator, functionCallIdentifier) in the transaction of what the call changed.
 */
#ifndef PORTDP_ES2PLUS_H
#define PORTDP_ES2PLUS_H

#include <stddef.h>
#include "es9.h"

#define ES2_PATH_PREFIX "/gsma/rsp2/es2plus/"

/**
 * es2_handle() - run one ES2+ function.
 * @client: the operator's address, "IP:port", named in the audit rows with the operator
 *	(NULL or "": not known).
 * @client_subject: RFC 2253 subject of the client certificate the TLS layer verified against
 *	the operator CA (never NULL: the listener admits no connection without one).
 * Answers like es9_handle(): HTTP 200 with header.functionExecutionStatus for every SGP.22
 * outcome (the header also echoes functionCallIdentifier), 404/413/500 below SGP.22.
 */
void es2_handle(struct es9_worker *w, const char *client, const char *client_subject,
		const char *path, const char *body, size_t body_len, struct es9_response *resp);

#endif
