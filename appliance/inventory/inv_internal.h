/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Shared inside appliance/inventory only: the connection, its cache of
 * prepared statements and the helpers every file uses.
 */
#ifndef PORTDP_INV_INTERNAL_H
#define PORTDP_INV_INTERNAL_H

#include <sqlite3.h>
#include <stdbool.h>
#include "inventory.h"

/* Every SQL statement the library runs more than once; prepared once per connection. */
enum inv_stmt {
	ST_BEGIN,
	ST_COMMIT,
	ST_ROLLBACK,
	ST_SAVEPOINT,
	ST_RELEASE,
	ST_ROLLBACK_TO,
	ST_INSERT_PROFILE,
	ST_INSERT_UPP,
	ST_GET_BY_ID,
	ST_GET_BY_MID,
	ST_GET_BY_ICCID,
	ST_GET_DOWNLOADED_BY_TID,
	ST_GET_UPP,
	ST_EXISTS,
	ST_ALLOCATE,
	ST_ALLOCATE_ANY,
	ST_RELEASE_TID,
	ST_RELEASE_ANY,
	ST_DOWNLOADED,
	ST_INSTALLED,
	ST_INSTALL_FAILED,
	ST_DELETED,
	ST_REOFFER,
	ST_ERROR,
	ST_EXPIRE,
	ST_LIST_ALL,
	ST_LIST_STATE,
	ST_COUNT_ALL,
	ST_COUNT_STATE,
	ST_AUDIT,
	/* orders (orders.c) */
	ST_ORDER_RESERVE,
	ST_ORDER_RESERVE_TYPE,
	ST_ORDER_CONFIRM,
	ST_ORDER_RELEASE,
	ST_ORDER_CANCEL,
	ST_ES2_CALL_GET,
	ST_ES2_CALL_PUT,
	ST_PROGRESS_ADD,
	ST_PROGRESS_BATCH,
	ST_PROGRESS_DONE_UPTO,
	ST_NOTIFICATION_RECORD,
	ST_OPERATOR_BY_SUBJECT,
	ST_MAX
};

struct inv_write_lock;

struct inventory {
	sqlite3 *db;
	sqlite3_stmt *stmt[ST_MAX];
	bool in_group; /* between inv_begin() and inv_commit()/inv_rollback() */
	/*
	 * SQLite rolled the group's transaction back by itself (an I/O error, a full disk):
	 * the group stays open as failed until inv_commit()/inv_rollback(), and every write
	 * is refused meanwhile; run in autocommit mode, it would commit alone while the
	 * caller is told that its group failed.
	 */
	bool group_lost;
	struct inv_write_lock *wlock; /* shared by this process's connections to the file */
	bool wlock_held;
	unsigned write_depth; /* nested inv_write_begin() */
	enum inv_sync sync;
	int wal_fd; /* INV_SYNC_DEFERRED: read-only fd on the -wal (see inv_durable_fd()), else -1 */
	bool sync_owed; /* a change since the last inv_durable_fd() must be durable first */
	char actor[INV_ACTOR_MAX];
	char errmsg[256];
};

/* Column list shared by every statement that fills a struct inv_profile (see inv_row_profile). */
#define INV_PROFILE_COLS                                                                           \
	"p.id, p.iccid, p.matching_id, p.sp_name, p.profile_name, p.profile_class, p.state, "      \
	"p.reuse, p.cc_hash, p.eid, p.transaction_id, p.deadline, p.upp_len, "                     \
	"p.owner, p.profile_type, p.ord, p.order_eid"
/* Number of INV_PROFILE_COLS: a statement's own columns follow them. */
#define INV_PROFILE_NCOLS 17

/* Cached statement @which, reset and with its bindings cleared; NULL on error (errmsg set). */
/* write_lock.c: the in-process writer lock of a database file (NULL: none to share). */
int inv_write_lock_get(const char *path, struct inv_write_lock **out);
void inv_write_lock_put(struct inv_write_lock *l);
/* 0 with the lock held, -EBUSY after @timeout_ms (then SQLite's own locking decides). */
int inv_write_lock_acquire(struct inv_write_lock *l, unsigned timeout_ms);
void inv_write_lock_release(struct inv_write_lock *l);

sqlite3_stmt *inv_stmt(struct inventory *inv, enum inv_stmt which);
/* Record the SQLite error of the connection and map @rc to a negative errno. */
int inv_sql_error(struct inventory *inv, int rc, const char *what);
/* Record a message of our own and return @err. */
int inv_fail(struct inventory *inv, int err, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
/* Step a write statement to completion, retrying on a busy database outside of a group. */
int inv_step_done(struct inventory *inv, sqlite3_stmt *st, const char *what);

/* Fill @out from the current row of a statement that selected INV_PROFILE_COLS. */
void inv_row_profile(sqlite3_stmt *st, struct inv_profile *out);

/* Border checks shared by import and transitions. */
bool inv_valid_eid(const char *eid);
bool inv_valid_matching_id(const char *mid);
bool inv_valid_tid(const uint8_t *tid, size_t tid_len);
bool inv_valid_euicc_key(const struct inv_euicc_key *key);
/* EIDs are stored upper-case: -EINVAL (message set) unless 32 hex digits. */
int inv_norm_eid(struct inventory *inv, const char *eid, char out[33]);
/* A fresh random matching ID (20 symbols in groups of 5). */
int inv_random_matching_id(struct inventory *inv, char out[INV_MATCHING_ID_MAX]);

/*
 * seal.c: UPPs at rest. inv_seal() writes inv_sealed_len(@len) bytes to @out; inv_unseal()
 * writes at most @blob_len bytes. 0 or -errno with a message in @msg.
 */
extern const uint8_t inv_seal_magic[4];
bool inv_stock_key_loaded(void);
size_t inv_sealed_len(size_t upp_len);
/* Point @out into @blob (which it then owns); -EBADMSG if it is no sealed UPP. */
int inv_seal_split(const char *iccid, uint8_t *blob, size_t blob_len, struct inv_sealed *out);
int inv_seal(const char *iccid, const uint8_t *upp, size_t len, uint8_t *out, char *msg,
	     size_t msg_len);
int inv_unseal(const char *iccid, const uint8_t *blob, size_t blob_len, uint8_t *out,
	       size_t *out_len, char *msg, size_t msg_len);
/*
 * keywrap.c: RFC 3394 wrap (@enc: 32 bytes @in -> 40 bytes @out) or unwrap (40 -> 32,
 * -EIO when the integrity value does not come back) under the AES-256 key @kek.
 */
int inv_keywrap(int enc, const uint8_t kek[32], const uint8_t *in, uint8_t *out);
/* The SQL function portdp_seal_upp(iccid, der) the v5 migration runs. */
int inv_seal_register(sqlite3 *db);

/* Create or migrate the schema; sets user_version. */
int inv_schema_migrate(struct inventory *inv);
/* Tests: give an empty @db the schema an older program made (user_version @version). 0/-errno. */
int inv_schema_create_old(sqlite3 *db, int version);

/* audit_chain.c: the SQL function the audit chain's trigger calls; on every connection. */
int inv_audit_chain_register(sqlite3 *db);

/* durable.c: INV_SYNC_DEFERRED's fd on the -wal, opened once after the schema check. */
int inv_durable_open(struct inventory *inv);
void inv_durable_close(struct inventory *inv);
/* A change an answer may promise (anything but allocate/release/expire): see inv_durable_fd(). */
static inline void inv_owe_sync(struct inventory *inv)
{
	inv->sync_owed = true;
}

/* Multi-statement write: one transaction (or savepoint inside a group). */
int inv_write_begin(struct inventory *inv);
int inv_write_end(struct inventory *inv, int err);

#endif
