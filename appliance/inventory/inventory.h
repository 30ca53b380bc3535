/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Profile inventory: SQLite (WAL) file holding every Unbound Profile Package,
 * its metadata, its matching ID and its state, plus an append-only audit log
 * of every state transition.
 *
 * State machine of one profile (the only transitions there are):
 *
 *   available --allocate--> allocated --bpp_sent--> downloaded --installed--> installed
 *       ^                      |                        |                        |
 *       +------ release -------+ (cancel/expiry/        +-- install_failed --+   +-- deleted -> deleted
 *       |                         restart recovery)                          |            |
 *       +------------------------------------------------<-------------------+            |
 *       +---------------------- reoffer (only when reuse_policy allows) <-----------------+
 *
 * allocated:  reserved for one EID + transactionId until a deadline; a
 *             profile is allocated to at most one transaction (enforced by
 *             the database, not by the caller).
 * downloaded: the BPP (bound to that EID's one-time key) has been handed out;
 *             never returns to available except through an install-failure
 *             notification of the same EID, so no profile is bound twice.
 * Every call that changes state also appends one audit row in the same SQL
 * transaction. All calls return 0 or a negative errno:
 *   -ENOENT  no such profile / matching ID / nothing available
 *   -EBUSY   the profile is not in the state the transition needs
 *   -EEXIST  duplicate ICCID or matching ID on import
 *   -EINVAL  bad argument or UPP that does not parse
 *   -ENODATA the profile was downloaded before the inventory kept eUICC keys (schema v3)
 *   -EIO     SQLite error (message in inv_errmsg())
 *
 * One struct inventory per thread (one SQLite connection). Writes made
 * between inv_begin() and inv_commit() share one transaction (group commit);
 * outside of that each call commits by itself.
 */
#ifndef PORTDP_INVENTORY_H
#define PORTDP_INVENTORY_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>

enum inv_state {
	INV_AVAILABLE = 0,
	INV_ALLOCATED,
	INV_DOWNLOADED,
	INV_INSTALLED,
	INV_DELETED,
	INV_ERROR,        /* unrecoverable, kept for the operator */
	INV_TRANSFERRED,  /* left this unit in a bundle (schema v6): never bound here */
};

enum inv_reuse {
	INV_REUSE_NEVER = 0,   /* deleted profiles stay deleted */
	INV_REUSE_AFTER_DELETE, /* a delete notification offers it again */
};

/*
 * Order state of a profile (schema v4, ES2+): orthogonal to enum inv_state, changed only while
 * no session holds the profile. Direct stock (no owner) is downloadable as before; an owned
 * profile only once released, and only by the order's EID when it names one.
 *
 *   unordered --reserve--> reserved --confirm--> confirmed --release--> released
 *       ^                     |  \-------confirm + releaseFlag----------^   |
 *       +-------- cancel (Available) <-----------------------------------+
 *   any ordered state --cancel (Unavailable)--> unavailable (for good)
 */
enum inv_order {
	INV_ORDER_DIRECT = 0,
	INV_ORDER_UNORDERED,
	INV_ORDER_RESERVED,
	INV_ORDER_CONFIRMED,
	INV_ORDER_RELEASED,
	INV_ORDER_UNAVAILABLE,
};

#define INV_ICCID_MAX 21      /* 20 digits + NUL */
#define INV_MATCHING_ID_MAX 65
#define INV_TEXT_MAX 65

struct inv_profile {
	int64_t id;
	char iccid[INV_ICCID_MAX];          /* decimal digits, as printed */
	char matching_id[INV_MATCHING_ID_MAX];
	char sp_name[INV_TEXT_MAX];         /* service provider name */
	char profile_name[INV_TEXT_MAX];
	int profile_class;                  /* 0 test, 1 provisioning, 2 operational */
	enum inv_state state;
	enum inv_reuse reuse;
	int cc_required;                    /* confirmation code needed */
	uint8_t cc_hash[32];                /* SHA-256(confirmation code) when cc_required */
	char eid[33];                       /* bound/allocated EID (hex), "" if none */
	uint8_t transaction_id[16];
	size_t transaction_id_len;
	int64_t deadline;                   /* allocated: unix time it expires */
	size_t upp_len;
	char owner[INV_TEXT_MAX];           /* operator name, "" for direct stock */
	char profile_type[INV_TEXT_MAX];    /* "" when none */
	enum inv_order order;
	char order_eid[33];                 /* EID the order is linked to, "" if none */
};

#define INV_EUICC_PUB_LEN 65

/*
 * PK.EUICC.ECDSA of the eUICC a profile was downloaded to, taken from the CERT.EUICC its
 * session verified: what that eUICC's ProfileInstallationResult is verified with, kept with
 * the profile so the result can land after a restart. Set only by inv_mark_downloaded(),
 * immutable after, cleared when the profile is offered again (the database enforces it).
 */
struct inv_euicc_key {
	int curve;                      /* enum pdp_curve: 1 P-256, 2 brainpoolP256r1 */
	uint8_t pub[INV_EUICC_PUB_LEN]; /* uncompressed point 04||X||Y */
};

struct inventory;

/* How a COMMIT becomes durable (inv_open()'s @sync). */
enum inv_sync {
	INV_SYNC_NORMAL = 0, /* the WAL is synced at checkpoints: a power loss may undo commits */
	INV_SYNC_FULL = 1,   /* every COMMIT fdatasyncs the WAL before it returns (tools) */
	/*
	 * COMMIT writes the WAL without syncing; a commit is durable once the caller's
	 * fdatasync(inv_durable_fd()) issued after it has succeeded (portdpd: on io_uring).
	 */
	INV_SYNC_DEFERRED = 2,
};

/** Open (and create/migrate the schema of) the database at @path; @sync is an enum inv_sync. */
int inv_open(const char *path, int sync, struct inventory **out);
void inv_close(struct inventory *inv);
const char *inv_errmsg(struct inventory *inv);

int inv_begin(struct inventory *inv);
int inv_commit(struct inventory *inv);
int inv_rollback(struct inventory *inv);

/** Import options for one UPP. NULL fields take defaults from the UPP. */
struct inv_import {
	const char *matching_id;   /* NULL: generate a random one */
	const char *sp_name;       /* NULL: from ProfileHeader if present, else "" */
	const char *profile_name;  /* NULL: from ProfileHeader */
	int profile_class;         /* -1: operational(2) default */
	enum inv_reuse reuse;
	const char *confirmation_code; /* NULL: none required */
	const char *owner;         /* NULL: direct stock; else an operator (inv_operator_add) */
	const char *profile_type;  /* NULL: none */
};

/** Parse @upp (SAIP DER), take the ICCID from its ProfileHeader, store it. */
int inv_import(struct inventory *inv, const uint8_t *upp, size_t upp_len,
	       const struct inv_import *opt, struct inv_profile *out);

/**
 * Store a UPP that arrives already sealed in the stored form (seal.c's layout, AAD "PDS" 01 ||
 * @iccid): the card path of a transfer import, where the card re-sealed it and the host never
 * held the plaintext. Nothing parses the UPP here: the caller vouches for @iccid (the signed
 * bundle names it, the card checked it against the envelope's associated data).
 */
int inv_import_sealed(struct inventory *inv, const char *iccid, const uint8_t *blob,
		      size_t blob_len, const struct inv_import *opt, struct inv_profile *out);

int inv_get_by_matching_id(struct inventory *inv, const char *matching_id,
			   struct inv_profile *out);
int inv_get_by_iccid(struct inventory *inv, const char *iccid, struct inv_profile *out);
/**
 * Read the UPP of profile @id into a malloc'd buffer: opened with the stock key (schema v5:
 * UPPs are sealed at rest, seal.c). The caller releases it with inv_free_upp(), which wipes
 * it. -ENOKEY: no stock key loaded; -EKEYREJECTED: another key; -EBADMSG: the stored blob
 * fails its integrity check.
 */
int inv_get_upp(struct inventory *inv, int64_t id, uint8_t **upp, size_t *len);
/** Wipe and free a UPP from inv_get_upp() (NULL: nothing). */
void inv_free_upp(uint8_t *upp, size_t len);

/**
 * A stored UPP still sealed, in the pieces a backend opens (pdp_bsp_seal_sealed(): on the
 * card path the card unwraps, checks and seals it; the host never holds the plaintext).
 * @blob: malloc'd copy of the stored blob (free()); the pointers below point into it.
 * @aad: the associated data ("PDS" 01 || ICCID), @aad_len bytes.
 * -EBADMSG: the stored blob is not sealed or too short.
 */
#define INV_SEAL_AAD_MAX 32
struct inv_sealed {
	uint8_t *blob;
	size_t blob_len;
	uint8_t aad[INV_SEAL_AAD_MAX];
	size_t aad_len;
	const uint8_t *wrapped; /* 40 */
	const uint8_t *nonce;	/* 12 */
	const uint8_t *ct;	/* the UPP's length */
	size_t ct_len;
	const uint8_t *tag; /* 16 */
};
int inv_get_sealed_upp(struct inventory *inv, int64_t id, struct inv_sealed *out);

/*
 * The stock key (schema v5): wraps the data key of every stored UPP. One per process, set
 * before the first connection that imports, binds or migrates a plaintext inventory; the
 * soft-mode key is a file of 32 random bytes, created 0600 and refused when group or others
 * have any access bit. @create: make it when missing. 0 or -errno with a message in @msg.
 */
#define INV_STOCK_KEY_LEN 32
int inv_stock_key_load(const char *path, int create, char *msg, size_t msg_len);
void inv_stock_key_set(const uint8_t key[INV_STOCK_KEY_LEN]);
void inv_stock_key_clear(void);
/**
 * The stock key is on the card (stock_key = slot:N): import wraps each data key through
 * @wrap (pdp_stock_wrap; NULL: this process does not import), and no UPP opens on the host
 * (inv_get_upp() is -EOPNOTSUPP): a binding hands the sealed UPP to the card.
 */
typedef int (*inv_stock_wrap_fn)(void *ctx, const uint8_t data_key[INV_STOCK_KEY_LEN],
				 uint8_t wrapped[INV_STOCK_KEY_LEN + 8]);
void inv_stock_key_set_card(inv_stock_wrap_fn wrap, void *ctx);
int inv_stock_key_on_card(void);
/**
 * The loaded stock key opens the first stored UPP (none stored: 0). For a start that fails
 * at once on another inventory's key rather than at each binding. -errno with inv_errmsg().
 */
int inv_stock_key_check(struct inventory *inv);
/* Default place of the key file when none is configured: "<db>.stock-key". */
#define INV_STOCK_KEY_SUFFIX ".stock-key"

/*
 * Transitions. The audit rows name the connection's actor (inv_set_actor(): "es9",
 * "portdpctl", ...). Installed / install-failed / deleted must come from the EID the profile
 * is bound to (-EBUSY otherwise); allocate refuses a transactionId that already holds a profile.
 */
int inv_allocate(struct inventory *inv, int64_t id, const char *eid,
		 const uint8_t *tid, size_t tid_len, int64_t deadline);
/* @tid NULL: operator release of whatever transaction holds the allocation. */
int inv_release(struct inventory *inv, int64_t id, const uint8_t *tid, size_t tid_len,
		const char *reason);
/* @key: the eUICC whose installation result will be accepted (stored with the profile). */
int inv_mark_downloaded(struct inventory *inv, int64_t id, const uint8_t *tid, size_t tid_len,
			const struct inv_euicc_key *key);
int inv_mark_installed(struct inventory *inv, int64_t id, const char *eid);
int inv_mark_install_failed(struct inventory *inv, int64_t id, const char *eid,
			    const char *reason);
/** Delete notification; offers the profile again when its reuse policy allows. */
int inv_mark_deleted(struct inventory *inv, int64_t id, const char *eid);

/** Release every allocation whose deadline is before @now (restart recovery, expiry). */
int inv_expire(struct inventory *inv, int64_t now, unsigned *released);

/** Iterate profiles (optionally only one state; -1 = all). @cb returns non-zero to stop. */
int inv_list(struct inventory *inv, int state, int (*cb)(const struct inv_profile *, void *),
	     void *arg);

/*
 * Who made a change, as audit rows name it (inv_set_actor()): the program and what identifies
 * the request, e.g. "es9 tid=<hex> client=192.0.2.1:50123", "portdpctl uid=0(root)".
 */
#define INV_ACTOR_MAX 128

struct inv_audit {
	int64_t seq;
	int64_t time;       /* unix time */
	int64_t profile_id;
	char iccid[INV_ICCID_MAX];
	char from[16], to[16];
	char eid[33];
	char actor[INV_ACTOR_MAX];
	char detail[128];
};
int inv_audit(struct inventory *inv, int64_t since_seq,
	      int (*cb)(const struct inv_audit *, void *), void *arg);

const char *inv_state_name(enum inv_state s);

/* Additions to the coordinator's interface (same conventions). */

/** inv_open() that also explains a failure in @msg. */
int inv_open_err(const char *path, int sync, struct inventory **out, char *msg, size_t msg_len);

/**
 * inv_durable_fd() - after a COMMIT: the fd the caller must fdatasync() before it answers
 * what this connection changed since the previous call, or -1 when nothing is owed. The fd
 * is the connection's own read-only fd on "<db>-wal", open from inv_open() to inv_close();
 * one fdatasync of it makes every COMMIT made so far by any connection of this process to
 * the file durable. Each call hands the debt over to the caller.
 * -1: not opened INV_SYNC_DEFERRED (FULL: COMMIT already synced; NORMAL: durability was not
 * asked for), or the changes since the previous call were only allocations, releases and
 * expiries. Those need not be durable before their answer: restart recovery releases every
 * allocation anyway (the sessions died with the process), so a lost allocation or release
 * ends the same way as a kept one, and no BPP has left for it (marking downloaded owes a
 * sync, and that fsync covers every earlier commit: the WAL is recovered as a prefix).
 * Every other change (downloaded, installed, install failed, deleted, error, import) owes one.
 */
int inv_durable_fd(struct inventory *inv);

/**
 * inv_instance_lock() - claim @db_path for one serving process (portdpd): an exclusive
 * flock on "<db>.lock" (instance.c), held until inv_instance_unlock() or the end of the
 * process. -EBUSY when another process holds it (@msg names its pid); other -errno when the
 * lock file cannot be made. Readers and portdpctl's writes do not take it (see README).
 */
struct inv_instance;
int inv_instance_lock(const char *db_path, struct inv_instance **out, char *msg, size_t msg_len);
void inv_instance_unlock(struct inv_instance *l);

/**
 * Actor recorded in the audit rows of this connection's next changes, 1..INV_ACTOR_MAX-1
 * bytes (default "inventory"); see INV_ACTOR_MAX for what callers put there.
 */
int inv_set_actor(struct inventory *inv, const char *actor);

/**
 * Allocate the oldest available profile (default SM-DP+ / factory line: no matching ID).
 * @id gets the profile allocated. -ENOENT when nothing is available.
 */
int inv_allocate_any(struct inventory *inv, const char *eid, const uint8_t *tid, size_t tid_len,
		     int64_t deadline, int64_t *id);

/** Park a profile in INV_ERROR (from allocated, downloaded or installed) for the operator. */
int inv_mark_error(struct inventory *inv, int64_t id, const char *reason);

int inv_get_by_id(struct inventory *inv, int64_t id, struct inv_profile *out);

/**
 * The profile downloaded under transactionId @tid and the eUICC key its installation result
 * must be verified with. -ENOENT: no profile is downloaded (and not yet installed) under @tid;
 * -ENODATA: it was downloaded before the inventory kept keys.
 */
int inv_get_downloaded_by_tid(struct inventory *inv, const uint8_t *tid, size_t tid_len,
			      struct inv_profile *out, struct inv_euicc_key *key);

/** Number of profiles in @state (-1: all). */
int inv_count(struct inventory *inv, int state, unsigned *count);

/** Parse a state name ("available", ...); -EINVAL when unknown. */
int inv_state_parse(const char *name, enum inv_state *s);

/**
 * Expected hashCc for one transaction: SHA-256(SHA-256(CC) || transactionId), computed from the
 * stored SHA-256(CC). -EINVAL when @p needs no confirmation code.
 */
int inv_expected_hash_cc(const struct inv_profile *p, const uint8_t *tid, size_t tid_len,
			 uint8_t out[32]);

/** SHA-256 of a confirmation code as stored by inv_import(). */
int inv_hash_cc(const char *confirmation_code, uint8_t out[32]);

/**
 * All or nothing for several calls: inv_atomic_end(@err != 0) undoes everything since
 * inv_atomic_begin() (a savepoint inside an open group, else its own transaction).
 * Returns @err, or the error of the commit.
 */
int inv_atomic_begin(struct inventory *inv);
int inv_atomic_end(struct inventory *inv, int err);

/* ---- Operators and orders (schema v4, ES2+) ---- */

#define INV_SUBJECT_MAX 513
#define INV_URL_MAX 513

struct inv_operator {
	char name[INV_TEXT_MAX];          /* also its functionRequesterIdentifier */
	char subject[INV_SUBJECT_MAX];    /* TLS client certificate subject (RFC 2253) */
	char callback_url[INV_URL_MAX];   /* https://... of handleDownloadProgressInfo, "" none */
	int paused;                       /* progress reports held back */
};

/* -EEXIST when the name or the subject is taken. */
int inv_operator_add(struct inventory *inv, const struct inv_operator *op);
int inv_operator_get(struct inventory *inv, const char *name, struct inv_operator *out);
int inv_operator_by_subject(struct inventory *inv, const char *subject, struct inv_operator *out);
int inv_operator_list(struct inventory *inv, int (*cb)(const struct inv_operator *, void *),
		      void *arg);
int inv_operator_set_paused(struct inventory *inv, const char *name, int paused);
/** Where @name's progress reports go ("" none); the schema checks it is https://. */
int inv_operator_set_url(struct inventory *inv, const char *name, const char *url);

const char *inv_order_name(enum inv_order o);

/*
 * Order transitions of profile @id (each one UPDATE guarded by the state it needs, audit row by
 * trigger): -EBUSY when the profile is not in that order state, or a session holds it.
 * @eid may be NULL (none given); an EID given to confirm must match the one reserved.
 */
int inv_order_reserve(struct inventory *inv, int64_t id, const char *eid);
/** Reserve the oldest unordered profile of @owner with @profile_type; -ENOENT: none left. */
int inv_order_reserve_type(struct inventory *inv, const char *owner, const char *profile_type,
			   const char *eid, int64_t *id);
/*
 * @matching_id NULL: a fresh random one. @cc NULL: no confirmation code. @release: released at
 * once. -EEXIST: that matching ID is used by another profile.
 */
int inv_order_confirm(struct inventory *inv, int64_t id, const char *eid,
		      const char *matching_id, const char *cc, int release);
int inv_order_release(struct inventory *inv, int64_t id);
/* @available: back to unordered (new placeholder matching ID), else unavailable for good. */
int inv_order_cancel(struct inventory *inv, int64_t id, int available, const char *reason);

/*
 * The answer recorded for (operator, functionCallIdentifier): -ENOENT when none. @hash is the
 * SHA-256 of the request it answered; @response is malloc'd.
 */
int inv_es2_call_get(struct inventory *inv, const char *op, const char *call_id,
		     uint8_t hash[32], char **response);
int inv_es2_call_put(struct inventory *inv, const char *op, const char *call_id,
		     const char *function, const uint8_t hash[32], const char *response);
/*
 * Forget the answers recorded before @before (unix time), in batches (one short write
 * transaction each, so ES2+ and ES9+ calls are not held up); @removed gets how many.
 * A call retried after that is taken as a new one.
 */
int inv_es2_call_prune(struct inventory *inv, int64_t before, unsigned *removed);

/*
 * Record that the eUICC @eid's notification @seq (NotificationMetadata seqNumber, @event an
 * enum sgp22_notification_event) about profile @profile_id was taken: 0, or -EEXIST when it
 * was already (a replay: report nothing). Call it in the transaction of what it causes.
 */
int inv_notification_record(struct inventory *inv, const char *eid, uint64_t seq,
			    int64_t profile_id, int event);

/* ---- Progress reports to operators (handleDownloadProgressInfo), store and forward ---- */

struct inv_progress {
	int64_t seq;        /* increases, never reused: names the report to the operator */
	int64_t profile_id;
	int64_t created;    /* unix time queued */
	int attempts;
	int64_t next_try;   /* unix time of the next attempt (0: at once) */
	char *body;         /* malloc'd JSON (without the header, which the sender adds) */
};

/** Queue a report for @op (call it in the transaction of the change it reports). */
int inv_progress_add(struct inventory *inv, const char *op, int64_t profile_id, const char *body);
/** The oldest report of @op (due or not: reports go in order); -ENOENT when none. */
int inv_progress_next(struct inventory *inv, const char *op, struct inv_progress *out);
/**
 * The oldest @max reports of @op, in order, to @cb (its @r->body valid during the call only);
 * @cb returns non-zero to stop.
 */
int inv_progress_batch(struct inventory *inv, const char *op, unsigned max,
		       int (*cb)(const struct inv_progress *r, void *arg), void *arg);
/** The operator took every report of @op up to @seq (they go in order): all gone. */
int inv_progress_done_upto(struct inventory *inv, const char *op, int64_t seq);
/** The operator answered 204: the report is gone. */
int inv_progress_done(struct inventory *inv, int64_t seq);
/** Not delivered: one more attempt counted, the next not before @next_try. */
int inv_progress_retry(struct inventory *inv, int64_t seq, int64_t next_try);
/** Per operator: reports pending, the oldest one's creation time (0: none), paused. */
int inv_progress_stats(struct inventory *inv,
		       int (*cb)(const char *op, unsigned pending, int64_t oldest, int paused,
				 void *arg),
		       void *arg);

/* ---- Tamper-evident audit (schema v6, audit_chain.c) ---- */

/* A signed head of the audit chain. */
struct inv_checkpoint {
	int64_t id;          /* set by the database */
	int64_t head_seq;    /* last audit row covered (0: an empty log) */
	int64_t time;        /* unix time it was signed */
	uint8_t head[32];    /* link of row head_seq (zeros for an empty log) */
	uint8_t signer_pub[65]; /* the unit key's public half, uncompressed P-256 */
	uint8_t sig[64];     /* ECDSA-SHA256 r||s over inv_checkpoint_message() */
	char reason[129];    /* "transfer out ...", "periodic", ... */
};

#define INV_CHECKPOINT_MSG_LEN 64
/* What a checkpoint's signature covers: a domain, head_seq, time and head. */
void inv_checkpoint_message(const struct inv_checkpoint *c, uint8_t msg[INV_CHECKPOINT_MSG_LEN]);

/** The last audit row and its link (0 and zeros when the log is empty). */
int inv_audit_head(struct inventory *inv, int64_t *seq, uint8_t head[32]);
/** Store a checkpoint the caller signed (in the caller's transaction when there is one); sets @c->id. */
int inv_checkpoint_add(struct inventory *inv, struct inv_checkpoint *c);
/**
 * Sign the head of the chain as it is now (@sign: ECDSA-SHA256 r||s of @msg by the unit key
 * whose public half is @pub) and store the checkpoint: in the caller's transaction when one
 * is open, else in a write transaction of its own taken before the head is read.
 */
int inv_checkpoint_sign(struct inventory *inv,
			int (*sign)(const uint8_t *msg, size_t len, uint8_t sig[64], void *arg),
			void *arg, const uint8_t pub[65], const char *reason, int64_t now,
			struct inv_checkpoint *out);
int inv_checkpoint_list(struct inventory *inv, int (*cb)(const struct inv_checkpoint *, void *),
			void *arg);

/* The first thing found that does not fit. */
struct inv_audit_fault {
	int64_t seq;        /* the audit row named (0: none) */
	int64_t checkpoint; /* the checkpoint named (0: none) */
	char what[256];
};

/**
 * Walk the whole chain and the checkpoints: 0 when every row fits; -EBADMSG with @f naming the
 * first row (or checkpoint) that does not; other -errno on a database error. @check_sig is
 * called for every checkpoint (non-zero: its signature or signer is not accepted).
 * @rows/@checkpoints (may be NULL): how many were checked.
 */
int inv_audit_verify(struct inventory *inv,
		     int (*check_sig)(const struct inv_checkpoint *c, void *arg), void *arg,
		     struct inv_audit_fault *f, int64_t *rows, unsigned *checkpoints);

/* ---- Transfers between units (schema v6, transfer.c) ---- */

/** Up to @count available direct-stock profiles (of @profile_type, NULL: any), oldest first. */
int inv_transfer_pick(struct inventory *inv, const char *profile_type, unsigned count,
		      int64_t *ids, unsigned *n);

struct inv_transfer_out {
	uint8_t id[16];
	int kind; /* 1 transfer, 2 return */
	const uint8_t *dest_cert;
	size_t dest_cert_len;
	const char *dest_subject;
	const uint8_t *bundle; /* as signed */
	size_t bundle_len;
};
/* Profiles @ids leave (state 6, audited with the bundle and destination) and the bundle is
 * recorded, all or nothing. -EBUSY: one of them is no longer available direct stock. */
int inv_transfer_out(struct inventory *inv, const struct inv_transfer_out *t, const int64_t *ids,
		     unsigned n);
/** The bundle as issued (malloc'd); @has_receipt: the destination's receipt came back. */
int inv_transfer_get_bundle(struct inventory *inv, const uint8_t id[16], uint8_t **bundle,
			    size_t *len, int *has_receipt);
int inv_transfer_dest_cert(struct inventory *inv, const uint8_t id[16], uint8_t **cert,
			   size_t *len);
/** -EALREADY: a receipt is stored already. */
int inv_transfer_set_receipt(struct inventory *inv, const uint8_t id[16], const uint8_t *receipt,
			     size_t len);
/** 0 when bundle @id was imported here (its receipt malloc'd if @receipt), -ENOENT if not. */
int inv_transfer_seen(struct inventory *inv, const uint8_t id[16], uint8_t **receipt,
		      size_t *len);
/** Every imported bundle with its receipt, oldest first; a non-zero @cb return stops (returned). */
int inv_transfer_in_each(struct inventory *inv,
			 int (*cb)(const uint8_t id[16], const char *source_subject,
				   const uint8_t *receipt, size_t len, void *arg),
			 void *arg);
/** Record an imported bundle (call in the import's transaction); -EALREADY when seen. */
int inv_transfer_in(struct inventory *inv, const uint8_t id[16], const char *source_subject,
		    int kind, unsigned profiles, const uint8_t *receipt, size_t len);
/**
 * A returned profile back to stock (6 -> 0): only from the unit it was sent to, same UPP.
 * @upp NULL (the card path: the returned envelope was checked on the card, its plaintext
 * never here): the stored UPP, the one this unit sent, stays and is bindable again.
 */
int inv_transfer_return(struct inventory *inv, const char *iccid, const uint8_t *dest_cert,
			size_t dest_len, const uint8_t *upp, size_t upp_len, const char *detail);

/** Copy the audit rows, chain and checkpoints into a new file @path (never overwritten). */
int inv_audit_export(struct inventory *inv, const char *path);
/** A read-only handle on an export, for inv_audit_verify() and inv_audit(); inv_close() it. */
int inv_audit_open_export(const char *path, struct inventory **out, char *msg, size_t msg_len);

#endif
