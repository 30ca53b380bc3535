/* SPDX-License-Identifier: Apache-2.0 */
/*
 * ES9+ function layer: turns one decoded HTTP POST into one response.
 * The network layer (appliance/server) knows nothing of SGP.22; this layer
 * knows nothing of sockets or TLS.
 *
 * Group commit: every worker thread owns one struct es9_worker. Inventory
 * changes accumulate in one open SQLite transaction until the caller
 * flushes; nothing may be promised to an LPA before it is durable.
 * es9_worker_flush() commits and waits for the disk. portdpd (db_sync =
 * full) uses es9_worker_flush_async(): the COMMIT does not sync (and so
 * releases the inventory's write lock at once), and the answers of the group
 * wait for an fdatasync of the returned fd, which the server runs on its
 * io_uring while it goes on handling requests (or itself when the disk is fast).
 */
#ifndef PORTDP_ES9_H
#define PORTDP_ES9_H

#include <stddef.h>
#include "../config.h"

struct es9_service;  /* shared by all workers: config, certs, session table */
struct es9_worker;   /* one per worker thread: accel, DB connection */

int es9_service_new(const struct portdpd_config *cfg, struct es9_service **out,
		    char *err, unsigned err_len);
void es9_service_free(struct es9_service *svc);

int es9_worker_new(struct es9_service *svc, struct es9_worker **out);
void es9_worker_free(struct es9_worker *w);

/** One ES9+ response: HTTP status and a malloc'd body (may be empty for 204). */
struct es9_response {
	int http_status;      /* 200, 204, 400, 404, 405, 413, 500 */
	char *body;           /* JSON or DER, owned by the caller after es9_handle() */
	size_t body_len;
	const char *content_type; /* of the body: NULL for JSON, else a literal */
	int asn1_fn;              /* ASN.1 binding: the function (enum es9_fn) + 1; 0: JSON */
};

/**
 * es9_handle() - run one ES9+ function.
 * @client: the LPA's address, "IP:port" ("[IPv6]:port"), named in the audit rows of the
 *	inventory changes the request makes; NULL when unknown.
 * @path: request target, e.g. "/gsma/rsp2/es9plus/initiateAuthentication", or
 *	"/gsma/rsp2/asn1" (the ASN.1 binding: es9_handle_der()).
 * @body: request body (JSON, or DER for the ASN.1 path), not NUL-terminated.
 * SGP.22 failures are answered with HTTP 200 and
 * header.functionExecutionStatus {status "Failed", statusCodeData
 * {subjectCode, reasonCode, message}}; they change no state.
 */
void es9_handle(struct es9_worker *w, const char *client, const char *path, const char *body,
		size_t body_len, struct es9_response *resp);

/**
 * es9_handle_der() - one request of ES9+'s ASN.1 binding (SGP.22 §6.6): @der is a
 * RemoteProfileProvisioningRequest, the answer a RemoteProfileProvisioningResponse
 * (content type application/x-gsma-rsp-asn1), 204 for a handled notification, 400 for
 * a request that names no function or a notification that does not decode. The same
 * functions, checks and sessions as the JSON binding; failures are the CHOICE's error
 * INTEGER (appliance/es9/asn1.h). es9_handle() calls it for POST /gsma/rsp2/asn1; the
 * card front end (appliance/card) calls it for each ES9+ command. Group commit as for
 * es9_handle(): the caller flushes before it hands the answer out.
 */
void es9_handle_der(struct es9_worker *w, const char *client, const uint8_t *der,
		    size_t der_len, struct es9_response *resp);

/**
 * es9_answer_unstored() - the answer to a request whose outcome could not be made durable
 * (its group commit failed, e.g. the disk is full, or the server lost durability): HTTP 200
 * with status "Failed", subjectCode 1.2 / reasonCode 4.2 (execution error) and @why as the
 * message. An LPA then sees an SGP.22 failure of that function, as for any other (SGP.22
 * §6.5.1.4), not a bare HTTP 500. @resp's old body is freed. A bodiless 500 only when out of
 * memory.
 */
void es9_answer_unstored(struct es9_response *resp, const char *why);

/**
 * es9_worker_flush() - commit this worker's open inventory transaction and make it
 * durable before returning (see top). 0 or -errno.
 */
int es9_worker_flush(struct es9_worker *w);

/**
 * es9_worker_flush_async() - es9_worker_flush() without waiting for the disk.
 * @fsync_fd: set to an fd the caller must fdatasync (IORING_FSYNC_DATASYNC) successfully,
 *	after this call, before it sends any answer this worker produced since the previous
 *	flush; -1 when nothing is owed: the commit synced itself, db_sync = normal, or the
 *	group only allocated, released or expired (inv_durable_fd(): a restart releases every
 *	allocation anyway). An answer that rests on another worker's commit not yet on disk
 *	is then a refusal or an allocation, which a crash may undo harmlessly; every answer
 *	that promises more (a BPP, an acknowledged result) owes its own sync, which covers
 *	the whole shared WAL.
 * Returns 0, or -errno when the commit failed (rolled back; *@fsync_fd = -1): answer every
 * request of the group with es9_answer_unstored().
 */
int es9_worker_flush_async(struct es9_worker *w, int *fsync_fd);

/** Expire sessions past their deadline (called periodically by the server). */
void es9_service_expire(struct es9_service *svc, struct es9_worker *w);

#endif
