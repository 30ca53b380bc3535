/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Online transfers (issue 11, UC4 online and UC5; docs/transfers.md): a unit pulls profiles
 * from this portdpd over the ES2+ listener with mutual TLS, its certificate chained to
 * transfer_ca naming the destination. POST, JSON both ways, HTTP 200 for every answer of
 * the protocol ("status": "Executed", "Refused" (permanent: nothing changed) or "Failed"
 * (transient: nothing changed, retry the same request)):
 *   pull     {"requestId": 32 hex, "count": "N", "profileType": "T"?}
 *            -> {"bundleId", "profiles", "reissued": bool, "bundle": base64} (or
 *               "received": true once its receipt is here, no bundle)
 *            The request id is the bundle id: the first pull with it exports in one
 *            transaction (as `portdpctl transfer export`), a retry gets the recorded bundle
 *            again, byte for byte; another unit's request id is refused.
 *   receipt  {"receipt": base64 of the signed receipt} -> {"bundleId", "stored": bool}
 *   audit    {"audit": base64 of an audit export} -> {"rows", "checkpoints", "file"}: verified
 *            (chain and checkpoints signed by the caller's key) and kept beside the inventory.
 * The unit key is audit_key, its certificate unit_cert.
 */
#ifndef PORTDP_TRANSFER_SERVE_H
#define PORTDP_TRANSFER_SERVE_H

#include <stddef.h>
#include <stdint.h>
#include "es9.h"

#define XFER_PATH_PREFIX "/portdp/transfer1/"
/* a receipt of 100000 profiles, an audit export: more than ES2+'s max_body */
#define XFER_MAX_BODY (64u << 20)

/*
 * @unit_der: the client certificate when it chains to transfer_ca (NULL: an operator, or
 * transfer_ca unset: refused).
 */
void xfer_handle(struct es9_worker *w, const char *client, const uint8_t *unit_der, size_t unit_len,
		 const char *path, const char *body, size_t body_len, struct es9_response *resp);

/* Test hook: PORTDP_TEST_KILL_AT=rack-<function>-durable dies as that answer is released. */
void xfer_answer_released(const char *path);

#endif
