/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Private to appliance/es9: the service and worker structs and the helpers
 * the function handlers share.
 */
#ifndef PORTDP_ES9_INTERNAL_H
#define PORTDP_ES9_INTERNAL_H

#include <stdint.h>
#include <time.h>

#include <portdp/accel.h>
#include <portdp/cert.h>

#include "../inventory/inventory.h"
#include "es9.h"
#include "request.h"
#include "session.h"
#include "status_codes.h"

/* Sessions that handed out a BPP stay this long for the installation notification. */
#define ES9_NOTIFY_RETENTION_S (24 * 3600)
/* Wrong confirmation codes accepted per session before 8.2.7/6.4. */
#define ES9_CC_MAX_FAILURES 3
/* The SM-DP+ OID as DER (06 len value) is at most this long. */
#define ES9_OID_MAX 32

struct es9_service {
	struct portdpd_config cfg;
	char host[256];	       /* smdp_address without its port, lower case */
	uint16_t address_port; /* the port smdp_address names (0: none), e.g. a forwarded 443 */
	struct pdp_cert_verifier *verifier;
	struct pdp_cert *dpauth_cert;
	struct pdp_cert *dppb_cert;
	uint8_t dpauth_ci[PDP_KEYID_MAX]; /* AKI of CERT.DPauth: the CI our certs chain to */
	size_t dpauth_ci_len;
	uint8_t smdp_oid[ES9_OID_MAX]; /* registeredID of CERT.DPauth's subjectAltName */
	size_t smdp_oid_len;
	struct es9_sessions *sessions;
	struct inv_instance *instance; /* this process serves the inventory (inventory.h) */
	int64_t (*clock)(void);	       /* unix time; tests may replace it */
};

/* A session step taken in the open group: undone when the group's commit fails. */
struct es9_step_taken {
	uint8_t tid[ES9_TID_LEN];
	enum es9_step from, to;
	int64_t deadline; /* the session's before the step */
};

/* More steps than this in one group are not undone (the allocation deadline still ends them). */
#define ES9_GROUP_STEPS_MAX 256

struct es9_worker {
	struct es9_service *svc;
	struct pdp_accel *accel;
	struct pdp_key *dpauth_key;
	struct pdp_key *dppb_key;
	/* stock_key = slot:N: the card's stock key; the card opens every UPP (NULL: soft) */
	struct pdp_stock_key *stock;
	struct inventory *inv;
	int in_txn; /* an inventory transaction is open (group commit) */
	struct es9_step_taken taken[ES9_GROUP_STEPS_MAX];
	unsigned n_taken;
	/* handleNotification: the request's pendingNotification (base64), for progress reports */
	const char *notification_b64;
	/* audit checkpoints (audit_key): the key, the next due time, the last head signed */
	struct pdp_key *audit_key;
	int64_t audit_next;
	int64_t audit_seq;
};

/** Sign the audit chain's head in the worker's open group when it is due and has moved. */
void es9_audit_checkpoint(struct es9_worker *w, int64_t now);

/**
 * es9_session_step() - move claimed session @s to @to with @deadline. Inside a group the old
 * step is noted: if the group's commit fails, the session goes back to it, in line with the
 * inventory (rolled back), so the LPA may retry that step or cancel the session, which
 * releases its profile at once instead of at the allocation deadline.
 */
void es9_session_step(struct es9_worker *w, struct es9_session *s, enum es9_step to,
		      int64_t deadline);

static inline int64_t es9_now(const struct es9_service *svc)
{
	return svc->clock();
}

/**
 * Name the next inventory changes of @w in the audit rows: "es9", then " tid=<hex>" and
 * " client=<IP:port>" when known (@client NULL, @tid_len 0: not known).
 */
void es9_audit_as(struct es9_worker *w, const char *client, const uint8_t *tid, size_t tid_len);

/**
 * Open the worker's group-commit transaction if none is open. ES9_OK or ES9_E_INTERNAL.
 * Every change a request makes comes after this call: it names @c in the audit rows.
 */
enum es9_status es9_worker_txn(struct es9_worker *w, struct es9_call *c);

/** Log one line (stderr, "es9: " prefix). */
void es9_log(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/** Test hook: replace the service clock (NULL restores time()). */
void es9_service_set_clock(struct es9_service *svc, int64_t (*clock)(void));

/** The SM-DP+ OID (DER TLV) of CERT.DPauth's subjectAltName registeredID. 0 or -errno. */
int es9_cert_smdp_oid(const struct pdp_cert *cert, uint8_t *oid, size_t cap, size_t *len);

/* The five ES9+ functions (one file each). */
enum es9_status es9_initiate_authentication(struct es9_worker *w, struct es9_call *c);
enum es9_status es9_authenticate_client(struct es9_worker *w, struct es9_call *c);
enum es9_status es9_get_bound_profile_package(struct es9_worker *w, struct es9_call *c);
enum es9_status es9_handle_notification(struct es9_worker *w, struct es9_call *c);
enum es9_status es9_cancel_session(struct es9_worker *w, struct es9_call *c);

#endif
