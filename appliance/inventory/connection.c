// SPDX-License-Identifier: Apache-2.0
/*
 * One inventory connection: opening (WAL, foreign keys, busy timeout,
 * synchronous level), the per-connection cache of prepared statements,
 * group commit, and the mapping of SQLite errors to negative errno.
 */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include "inv_internal.h"

/* Several worker connections share one file: wait this long for the write lock. */
#define INV_BUSY_TIMEOUT_MS 10000

/* Setting a column in UPDATE ... SET also sets the actor/detail copied by the audit trigger. */
static const char *const stmt_sql[ST_MAX] = {
    /* IMMEDIATE takes SQLite's write lock now (other processes: busy_timeout). */
    [ST_BEGIN] = "BEGIN IMMEDIATE",
    [ST_COMMIT] = "COMMIT",
    [ST_ROLLBACK] = "ROLLBACK",
    [ST_SAVEPOINT] = "SAVEPOINT inv_write",
    [ST_RELEASE] = "RELEASE inv_write",
    [ST_ROLLBACK_TO] = "ROLLBACK TO inv_write",
    [ST_INSERT_PROFILE] =
	"INSERT INTO profile(iccid, matching_id, sp_name, profile_name, profile_class,"
	" reuse, cc_hash, last_actor, last_detail, upp_len, owner, profile_type, ord)"
	" VALUES (?, ?, ?, ?, ?, ?, ?, ?, 'import', ?, ?10, ?11, ?10 IS NOT NULL)",
    [ST_INSERT_UPP] = "INSERT INTO upp(profile_id, der) VALUES (?, ?)",
    [ST_GET_BY_ID] = "SELECT " INV_PROFILE_COLS " FROM profile p WHERE p.id = ?",
    [ST_GET_BY_MID] = "SELECT " INV_PROFILE_COLS " FROM profile p WHERE p.matching_id = ?",
    [ST_GET_BY_ICCID] = "SELECT " INV_PROFILE_COLS " FROM profile p WHERE p.iccid = ?",
    /* state IN (1, 2) lets SQLite use the open-transaction index. */
    [ST_GET_DOWNLOADED_BY_TID] = "SELECT " INV_PROFILE_COLS ", p.euicc_curve, p.euicc_pub"
				 " FROM profile p WHERE p.transaction_id = ?1"
				 " AND p.state IN (1, 2) AND p.state = 2",
    [ST_GET_UPP] = "SELECT u.der, p.iccid FROM upp u JOIN profile p ON p.id = u.profile_id"
		   " WHERE u.profile_id = ?",
    [ST_EXISTS] = "SELECT state FROM profile WHERE id = ?",
    [ST_ALLOCATE] = "UPDATE profile SET state = 1, eid = ?1, transaction_id = ?2, deadline = ?3,"
		    " last_actor = ?4, last_detail = '' WHERE id = ?5 AND state = 0",
    [ST_ALLOCATE_ANY] =
	"UPDATE profile SET state = 1, eid = ?1, transaction_id = ?2, deadline = ?3,"
	" last_actor = ?4, last_detail = '' WHERE id = coalesce("
	/* a profile an operator released for this EID first (EID pre-assignment, ES2+) */
	" (SELECT id FROM profile WHERE order_eid = ?1 AND ord = 4 AND state = 0"
	"  ORDER BY id LIMIT 1),"
	" (SELECT id FROM profile WHERE state = 0 AND ord = 0 ORDER BY id LIMIT 1)) RETURNING id",
    [ST_RELEASE_TID] = "UPDATE profile SET state = 0, eid = NULL, transaction_id = NULL,"
		       " deadline = NULL, last_actor = ?1, last_detail = ?2"
		       " WHERE id = ?3 AND state = 1 AND transaction_id = ?4",
    [ST_RELEASE_ANY] = "UPDATE profile SET state = 0, eid = NULL, transaction_id = NULL,"
		       " deadline = NULL, last_actor = ?1, last_detail = ?2"
		       " WHERE id = ?3 AND state = 1",
    [ST_DOWNLOADED] = "UPDATE profile SET state = 2, deadline = NULL, euicc_curve = ?4,"
		      " euicc_pub = ?5, last_actor = ?1, last_detail = ''"
		      " WHERE id = ?2 AND state = 1 AND transaction_id = ?3",
    [ST_INSTALLED] = "UPDATE profile SET state = 3, last_actor = ?1, last_detail = ''"
		     " WHERE id = ?2 AND state = 2 AND eid = ?3",
    [ST_INSTALL_FAILED] = "UPDATE profile SET state = 0, eid = NULL, transaction_id = NULL,"
			  " euicc_curve = NULL, euicc_pub = NULL, last_actor = ?1, last_detail = ?2"
			  " WHERE id = ?3 AND state = 2 AND eid = ?4",
    [ST_DELETED] = "UPDATE profile SET state = 4, last_actor = ?1, last_detail = ''"
		   " WHERE id = ?2 AND state = 3 AND eid = ?3",
    /* An ordered profile comes back unordered, with a placeholder matching ID. */
    [ST_REOFFER] = "UPDATE profile SET state = 0, eid = NULL, transaction_id = NULL,"
		   " euicc_curve = NULL, euicc_pub = NULL, last_actor = ?1, last_detail = 'reoffer',"
		   " ord = CASE ord WHEN 4 THEN 1 ELSE ord END, order_eid = NULL,"
		   " matching_id = CASE ord WHEN 4 THEN hex(randomblob(10)) ELSE matching_id END,"
		   " cc_hash = CASE ord WHEN 4 THEN NULL ELSE cc_hash END"
		   " WHERE id = ?2 AND state = 4 AND reuse = 1",
    [ST_ERROR] = "UPDATE profile SET state = 5, deadline = NULL, last_actor = ?1,"
		 " last_detail = ?2 WHERE id = ?3 AND state IN (1, 2, 3)",
    [ST_EXPIRE] = "UPDATE profile SET state = 0, eid = NULL, transaction_id = NULL,"
		  " deadline = NULL, last_actor = ?1, last_detail = 'expired'"
		  " WHERE state = 1 AND deadline < ?2",
    [ST_ORDER_RESERVE] = "UPDATE profile SET ord = 2, order_eid = ?2, last_actor = ?3,"
			 " last_detail = '' WHERE id = ?1 AND state = 0 AND ord = 1",
    [ST_ORDER_RESERVE_TYPE] =
	"UPDATE profile SET ord = 2, order_eid = ?3, last_actor = ?4, last_detail = ''"
	" WHERE id = (SELECT id FROM profile WHERE owner = ?1 AND profile_type = ?2 AND ord = 1"
	" AND state = 0 ORDER BY id LIMIT 1) RETURNING id",
    /* The order keeps the EID it has; one given here must match it (or is the first). */
    [ST_ORDER_CONFIRM] =
	"UPDATE profile SET ord = ?5, order_eid = coalesce(order_eid, ?2), matching_id = ?3,"
	" cc_hash = ?4, last_actor = ?6, last_detail = ''"
	" WHERE id = ?1 AND state = 0 AND ord = 2"
	" AND (?2 IS NULL OR order_eid IS NULL OR order_eid = ?2)",
    [ST_ORDER_RELEASE] = "UPDATE profile SET ord = 4, last_actor = ?2, last_detail = ''"
			 " WHERE id = ?1 AND state = 0 AND ord = 3",
    [ST_ORDER_CANCEL] =
	"UPDATE profile SET ord = ?2, order_eid = NULL, cc_hash = NULL,"
	" matching_id = hex(randomblob(10)), last_actor = ?3, last_detail = ?4"
	" WHERE id = ?1 AND state = 0 AND ord IN (2, 3, 4, CASE ?2 WHEN 5 THEN 1 ELSE 2 END)",
    [ST_ES2_CALL_GET] = "SELECT request_hash, response FROM es2_call"
			" WHERE operator = ?1 AND call_id = ?2",
    [ST_ES2_CALL_PUT] = "INSERT INTO es2_call(operator, call_id, function, request_hash, response)"
			" VALUES (?1, ?2, ?3, ?4, ?5)",
    [ST_OPERATOR_BY_SUBJECT] = "SELECT name, subject, callback_url, paused FROM operator"
			       " WHERE subject = ?",
    [ST_PROGRESS_ADD] = "INSERT INTO progress(operator, profile_id, body) VALUES (?1, ?2, ?3)",
    /* the sender's, on every wake-up with reports due */
    [ST_PROGRESS_BATCH] = "SELECT seq, profile_id, created, body, attempts, next_try"
			  " FROM progress WHERE operator = ? ORDER BY seq LIMIT ?",
    [ST_PROGRESS_DONE_UPTO] = "DELETE FROM progress WHERE operator = ? AND seq <= ?",
    [ST_NOTIFICATION_RECORD] = "INSERT OR IGNORE INTO euicc_notification(eid, seq, profile_id, event)"
			       " VALUES (?1, ?2, ?3, ?4)",
    [ST_COUNT_ALL] = "SELECT count(*) FROM profile",
    [ST_COUNT_STATE] = "SELECT count(*) FROM profile WHERE state = ?",
};

int inv_fail(struct inventory *inv, int err, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(inv->errmsg, sizeof(inv->errmsg), fmt, ap);
	va_end(ap);
	return err;
}

/* Queue behind this process's other writers before asking SQLite for its lock. */
static void wlock_take(struct inventory *inv)
{
	if (!inv->wlock_held && !inv_write_lock_acquire(inv->wlock, INV_BUSY_TIMEOUT_MS))
		inv->wlock_held = true;
}

static void wlock_drop(struct inventory *inv)
{
	if (inv->wlock_held) {
		inv->wlock_held = false;
		inv_write_lock_release(inv->wlock);
	}
}

/* The group ended (committed, rolled back, or lost to an error): let the next writer in. */
static void group_ended(struct inventory *inv)
{
	inv->in_group = false;
	inv->group_lost = false;
	if (!inv->write_depth)
		wlock_drop(inv);
}

int inv_sql_error(struct inventory *inv, int rc, const char *what)
{
	int ext = inv->db ? sqlite3_extended_errcode(inv->db) : rc;
	const char *msg = inv->db ? sqlite3_errmsg(inv->db) : sqlite3_errstr(rc);
	int err;

	switch (ext) {
	case SQLITE_CONSTRAINT_UNIQUE:
	case SQLITE_CONSTRAINT_PRIMARYKEY:
		err = -EEXIST;
		break;
	case SQLITE_CONSTRAINT_TRIGGER:
		err = -EBUSY; /* the state machine or a holder rule said no */
		break;
	case SQLITE_CONSTRAINT_CHECK:
	case SQLITE_CONSTRAINT_NOTNULL:
	case SQLITE_TOOBIG:
		err = -EINVAL;
		break;
	case SQLITE_NOMEM:
		err = -ENOMEM;
		break;
	default:
		err = -EIO;
	}
	inv_fail(inv, err, "%s: %s", what, msg);
	/*
	 * SQLite rolls a whole transaction back on some errors (I/O, full disk): the group is
	 * gone, but stays open as failed (group_lost) until its owner ends it.
	 */
	if (inv->in_group && !inv->group_lost && inv->db && sqlite3_get_autocommit(inv->db)) {
		inv->group_lost = true;
		inv_fail(inv, -EIO, "%s: %s (group transaction rolled back)", what, msg);
		err = -EIO;
	}
	return err;
}

sqlite3_stmt *inv_stmt(struct inventory *inv, enum inv_stmt which)
{
	sqlite3_stmt *st = inv->stmt[which];
	int rc;

	if (!st) {
		rc = sqlite3_prepare_v3(inv->db, stmt_sql[which], -1, SQLITE_PREPARE_PERSISTENT,
					&st, NULL);
		if (rc != SQLITE_OK) {
			inv_sql_error(inv, rc, "prepare");
			return NULL;
		}
		inv->stmt[which] = st;
	} else {
		sqlite3_reset(st);
		sqlite3_clear_bindings(st);
	}
	/* Every write of this library starts here (transaction control counts as read-only). */
	if (inv->group_lost && !sqlite3_stmt_readonly(st)) {
		inv_fail(inv, -EIO,
			 "the group transaction was rolled back by an earlier error: "
			 "no change until it ends");
		return NULL;
	}
	return st;
}

int inv_step_done(struct inventory *inv, sqlite3_stmt *st, const char *what)
{
	int rc, tries = 0;

	for (;;) {
		rc = sqlite3_step(st);
		if (rc == SQLITE_ROW)
			continue;
		/* Past busy_timeout, a single autocommit statement may still be retried safely. */
		if ((rc == SQLITE_BUSY || rc == SQLITE_LOCKED) && !inv->in_group && ++tries < 3 &&
		    sqlite3_get_autocommit(inv->db)) {
			sqlite3_reset(st);
			continue;
		}
		break;
	}
	if (rc != SQLITE_DONE) {
		int err = inv_sql_error(inv, rc, what);

		sqlite3_reset(st);
		return err;
	}
	sqlite3_reset(st);
	return 0;
}

/* BEGIN/COMMIT/ROLLBACK from the statement cache: no SQL is parsed per transaction. */
static int exec_txn(struct inventory *inv, enum inv_stmt which)
{
	sqlite3_stmt *st = inv_stmt(inv, which);
	int rc;

	if (!st)
		return SQLITE_ERROR;
	rc = sqlite3_step(st);
	sqlite3_reset(st);
	return rc == SQLITE_DONE ? SQLITE_OK : rc;
}

static int exec_simple(struct inventory *inv, enum inv_stmt which, const char *what)
{
	sqlite3_stmt *st = inv_stmt(inv, which);

	if (!st)
		return -EIO;
	return inv_step_done(inv, st, what);
}

int inv_write_begin(struct inventory *inv)
{
	int err;

	if (inv->group_lost)
		return inv_fail(inv, -EIO,
				"the group transaction was rolled back by an earlier "
				"error: no change until it ends");
	/* Outside a group the savepoint is the transaction; inside it nests. */
	if (!inv->in_group && !inv->write_depth)
		wlock_take(inv);
	err = exec_simple(inv, ST_SAVEPOINT, "begin write");
	if (err) {
		if (!inv->in_group && !inv->write_depth)
			wlock_drop(inv);
		return err;
	}
	inv->write_depth++;
	return 0;
}

/* The outermost write outside a group is over: the lock goes with it. */
static void write_done(struct inventory *inv)
{
	if (inv->write_depth && !--inv->write_depth && !inv->in_group)
		wlock_drop(inv);
}

int inv_write_end(struct inventory *inv, int err)
{
	int rc;

	if (!err) {
		rc = exec_simple(inv, ST_RELEASE, "commit write");
		if (!rc) {
			write_done(inv);
			return 0;
		}
		err = rc;
	}
	/* Keep the first error's message; the cleanup only has to undo. */
	if (!sqlite3_get_autocommit(inv->db)) {
		char keep[sizeof(inv->errmsg)];

		memcpy(keep, inv->errmsg, sizeof(keep));
		exec_simple(inv, ST_ROLLBACK_TO, "undo write");
		exec_simple(inv, ST_RELEASE, "undo write");
		memcpy(inv->errmsg, keep, sizeof(keep));
	}
	write_done(inv);
	return err;
}

static int pragma(struct inventory *inv, const char *sql)
{
	int rc = sqlite3_exec(inv->db, sql, NULL, NULL, NULL);

	return rc == SQLITE_OK ? 0 : inv_sql_error(inv, rc, sql);
}

/*
 * Process-wide SQLite settings, before SQLite initializes: no memory statistics, whose
 * global mutex every sqlite3_malloc()/free() of every connection takes (Debian's SQLite
 * is built without lookaside, so that is most of what SQLite does). Fails harmlessly
 * when something else in the process initialized SQLite first.
 */
static pthread_once_t sqlite_config_once = PTHREAD_ONCE_INIT;

static void sqlite_process_config(void)
{
	sqlite3_config(SQLITE_CONFIG_MEMSTATUS, 0);
}

int inv_open(const char *path, int sync, struct inventory **out)
{
	return inv_open_err(path, sync, out, NULL, 0);
}

int inv_open_err(const char *path, int sync, struct inventory **out, char *msg, size_t msg_len)
{
	struct inventory *inv;
	bool creating;
	int rc, err;

	if (msg && msg_len)
		snprintf(msg, msg_len, "bad arguments");
	if (!path || !*path || !out || sync < INV_SYNC_NORMAL || sync > INV_SYNC_DEFERRED)
		return -EINVAL;
	inv = calloc(1, sizeof(*inv));
	if (!inv)
		return -ENOMEM;
	strcpy(inv->actor, "inventory");
	inv->sync = sync;
	inv->wal_fd = -1;
	/*
	 * UPPs carry subscriber keys: a new inventory (and its -wal/-shm, which take
	 * its mode) is 0600. Never open()+close() the database file ourselves: a
	 * close() drops every POSIX lock this process holds on it, so another
	 * thread's connection would lose its WAL lock and its commits could go
	 * to a WAL file that a checkpointing peer has already removed.
	 */
	creating =
	    path[0] != ':' && strncmp(path, "file:", 5) && access(path, F_OK) && errno == ENOENT;
	pthread_once(&sqlite_config_once, sqlite_process_config);
	/* FULLMUTEX off: one connection per thread is the rule of this library. */
	rc = sqlite3_open_v2(
	    path, &inv->db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX, NULL);
	if (rc != SQLITE_OK) {
		err = inv->db ? -EIO : -ENOMEM;
		inv_fail(inv, err, "%s", inv->db ? sqlite3_errmsg(inv->db) : sqlite3_errstr(rc));
		goto fail;
	}
	if (creating && chmod(path, 0600) && errno != ENOENT) {
		err = -errno;
		inv_fail(inv, err, "chmod %s: %s", path, strerror(errno));
		goto fail;
	}
	sqlite3_extended_result_codes(inv->db, 1);
	sqlite3_busy_timeout(inv->db, INV_BUSY_TIMEOUT_MS);
	err = pragma(inv, "PRAGMA journal_mode = WAL");
	if (!err)
		err = pragma(inv, "PRAGMA foreign_keys = ON");
	if (!err)
		err = pragma(inv, sync == INV_SYNC_FULL ? "PRAGMA synchronous = FULL"
							: "PRAGMA synchronous = NORMAL");
	if (!err && inv_seal_register(inv->db) != SQLITE_OK)
		err = inv_sql_error(inv, SQLITE_ERROR, "register portdp_seal_upp");
	if (!err && inv_audit_chain_register(inv->db) != SQLITE_OK)
		err = inv_sql_error(inv, SQLITE_ERROR, "register the audit chain function");
	if (!err)
		err = inv_schema_migrate(inv);
	if (!err && sync == INV_SYNC_DEFERRED)
		err = inv_durable_open(inv);
	if (!err && inv_write_lock_get(path, &inv->wlock))
		err = inv_fail(inv, -ENOMEM, "out of memory");
	if (err)
		goto fail;
	*out = inv;
	return 0;

fail:
	if (msg && msg_len)
		snprintf(msg, msg_len, "%s: %s", path, inv->errmsg);
	inv_close(inv);
	return err;
}

void inv_close(struct inventory *inv)
{
	int i;

	if (!inv)
		return;
	for (i = 0; i < ST_MAX; i++)
		sqlite3_finalize(inv->stmt[i]);
	if (inv->db) {
		if (!sqlite3_get_autocommit(inv->db))
			sqlite3_exec(inv->db, "ROLLBACK", NULL, NULL, NULL);
		sqlite3_close(inv->db);
	}
	inv_durable_close(inv);
	wlock_drop(inv);
	inv_write_lock_put(inv->wlock);
	free(inv);
}

const char *inv_errmsg(struct inventory *inv)
{
	return inv ? inv->errmsg : "no inventory";
}

int inv_set_actor(struct inventory *inv, const char *actor)
{
	size_t n;

	if (!inv || !actor)
		return -EINVAL;
	n = strlen(actor);
	if (!n || n >= sizeof(inv->actor))
		return inv_fail(inv, -EINVAL, "actor must be 1..%zu characters",
				sizeof(inv->actor) - 1);
	memcpy(inv->actor, actor, n + 1);
	return 0;
}

int inv_begin(struct inventory *inv)
{
	int rc;

	if (!inv)
		return -EINVAL;
	if (inv->in_group)
		return inv_fail(inv, -EBUSY, "a group commit is already open");
	wlock_take(inv);
	rc = exec_txn(inv, ST_BEGIN);
	if (rc != SQLITE_OK) {
		wlock_drop(inv);
		return inv_sql_error(inv, rc, "begin");
	}
	inv->in_group = true;
	return 0;
}

int inv_commit(struct inventory *inv)
{
	int rc;

	if (!inv)
		return -EINVAL;
	if (!inv->in_group)
		return inv_fail(inv, -EINVAL, "no group commit open");
	if (inv->group_lost) {
		group_ended(inv);
		return inv_fail(inv, -EIO, "commit: the group was rolled back by an earlier error");
	}
	rc = exec_txn(inv, ST_COMMIT);
	if (rc != SQLITE_OK) {
		int err = inv_sql_error(inv, rc, "commit");

		if (!sqlite3_get_autocommit(inv->db))
			exec_txn(inv, ST_ROLLBACK);
		group_ended(inv);
		return err == -EIO ? err : -EIO;
	}
	group_ended(inv);
	return 0;
}

int inv_rollback(struct inventory *inv)
{
	int rc;

	if (!inv)
		return -EINVAL;
	if (!inv->in_group)
		return inv_fail(inv, -EINVAL, "no group commit open");
	if (inv->group_lost) {
		group_ended(inv); /* SQLite rolled it back already */
		return 0;
	}
	rc = exec_txn(inv, ST_ROLLBACK);
	group_ended(inv);
	return rc == SQLITE_OK ? 0 : inv_sql_error(inv, rc, "rollback");
}
