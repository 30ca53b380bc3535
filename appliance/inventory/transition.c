// SPDX-License-Identifier: Apache-2.0
/*
 * State transitions. Each one is a single `UPDATE ... WHERE id = ? AND
 * state = ?` (plus the holder it needs): when the profile is not in that
 * state no row changes, nothing is written and the caller gets -EBUSY. The
 * audit row is written by a trigger of the same statement (schema.c), so a
 * transition and its audit row commit or vanish together.
 */
#include <ctype.h>
#include <errno.h>
#include <string.h>
#include "inv_internal.h"

#define DETAIL_MAX 128

/* EIDs are compared as stored: upper-case hex. */
int inv_norm_eid(struct inventory *inv, const char *eid, char out[33])
{
	int i;

	if (!inv_valid_eid(eid))
		return inv_fail(inv, -EINVAL, "EID must be 32 hex digits");
	for (i = 0; i < 32; i++)
		out[i] = (char)toupper((unsigned char)eid[i]);
	out[32] = '\0';
	return 0;
}

static int check_detail(struct inventory *inv, const char **detail)
{
	if (!*detail)
		*detail = "";
	if (strlen(*detail) >= DETAIL_MAX)
		return inv_fail(inv, -EINVAL, "reason longer than %d bytes", DETAIL_MAX - 1);
	return 0;
}

/* Say why an UPDATE that changed nothing did not apply. */
static int explain_no_change(struct inventory *inv, int64_t id, const char *what)
{
	sqlite3_stmt *st = inv_stmt(inv, ST_EXISTS);
	int rc, state;

	if (!st)
		return -EIO;
	sqlite3_bind_int64(st, 1, id);
	rc = sqlite3_step(st);
	state = rc == SQLITE_ROW ? sqlite3_column_int(st, 0) : -1;
	sqlite3_reset(st);
	if (rc == SQLITE_DONE)
		return inv_fail(inv, -ENOENT, "%s: no profile %lld", what, (long long)id);
	if (rc != SQLITE_ROW)
		return inv_sql_error(inv, rc, what);
	return inv_fail(inv, -EBUSY, "%s: profile %lld is %s (or held by another EID/transaction)",
			what, (long long)id, inv_state_name(state));
}

/* Step a bound transition statement; exactly one row must change. */
static int apply(struct inventory *inv, sqlite3_stmt *st, int64_t id, const char *what)
{
	int err = inv_step_done(inv, st, what);

	if (err)
		return err;
	if (sqlite3_changes(inv->db) != 1)
		return explain_no_change(inv, id, what);
	return 0;
}

static void bind_tid(sqlite3_stmt *st, int col, const uint8_t *tid, size_t tid_len)
{
	sqlite3_bind_blob(st, col, tid, (int)tid_len, SQLITE_STATIC);
}

static int bind_allocation(struct inventory *inv, sqlite3_stmt *st, const char *eid,
			   const uint8_t *tid, size_t tid_len, int64_t deadline, char norm[33])
{
	int err = inv_norm_eid(inv, eid, norm);

	if (err)
		return err;
	if (!inv_valid_tid(tid, tid_len))
		return inv_fail(inv, -EINVAL, "transactionId must be 1..16 bytes");
	if (deadline <= 0)
		return inv_fail(inv, -EINVAL, "allocation deadline must be a unix time");
	sqlite3_bind_text(st, 1, norm, 32, SQLITE_STATIC);
	bind_tid(st, 2, tid, tid_len);
	sqlite3_bind_int64(st, 3, deadline);
	sqlite3_bind_text(st, 4, inv->actor, -1, SQLITE_STATIC);
	return 0;
}

int inv_allocate(struct inventory *inv, int64_t id, const char *eid, const uint8_t *tid,
		 size_t tid_len, int64_t deadline)
{
	sqlite3_stmt *st;
	char norm[33];
	int err;

	if (!inv)
		return -EINVAL;
	st = inv_stmt(inv, ST_ALLOCATE);
	if (!st)
		return -EIO;
	err = bind_allocation(inv, st, eid, tid, tid_len, deadline, norm);
	if (err)
		return err;
	sqlite3_bind_int64(st, 5, id);
	err = apply(inv, st, id, "allocate");
	/* The open-transaction index refuses a second profile for one transactionId. */
	if (err == -EEXIST)
		err = inv_fail(inv, -EBUSY, "allocate: this transactionId already holds a profile");
	return err;
}

int inv_allocate_any(struct inventory *inv, const char *eid, const uint8_t *tid, size_t tid_len,
		     int64_t deadline, int64_t *id)
{
	sqlite3_stmt *st;
	char norm[33];
	int err, rc;

	if (!inv || !id)
		return -EINVAL;
	st = inv_stmt(inv, ST_ALLOCATE_ANY);
	if (!st)
		return -EIO;
	err = bind_allocation(inv, st, eid, tid, tid_len, deadline, norm);
	if (err)
		return err;
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		*id = sqlite3_column_int64(st, 0);
		rc = sqlite3_step(st);
	} else if (rc == SQLITE_DONE) {
		sqlite3_reset(st);
		return inv_fail(inv, -ENOENT, "allocate: no profile available");
	}
	if (rc != SQLITE_DONE) {
		err = inv_sql_error(inv, rc, "allocate");
		sqlite3_reset(st);
		return err == -EEXIST ? inv_fail(inv, -EBUSY,
						 "allocate: this transactionId"
						 " already holds a profile")
				      : err;
	}
	sqlite3_reset(st);
	return 0;
}

int inv_release(struct inventory *inv, int64_t id, const uint8_t *tid, size_t tid_len,
		const char *reason)
{
	sqlite3_stmt *st;
	int err;

	if (!inv)
		return -EINVAL;
	err = check_detail(inv, &reason);
	if (err)
		return err;
	/* No transactionId: the operator releases whatever transaction holds it. */
	if (tid && !inv_valid_tid(tid, tid_len))
		return inv_fail(inv, -EINVAL, "transactionId must be 1..16 bytes");
	st = inv_stmt(inv, tid ? ST_RELEASE_TID : ST_RELEASE_ANY);
	if (!st)
		return -EIO;
	sqlite3_bind_text(st, 1, inv->actor, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, reason, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 3, id);
	if (tid)
		bind_tid(st, 4, tid, tid_len);
	return apply(inv, st, id, "release");
}

int inv_mark_downloaded(struct inventory *inv, int64_t id, const uint8_t *tid, size_t tid_len,
			const struct inv_euicc_key *key)
{
	sqlite3_stmt *st;

	if (!inv)
		return -EINVAL;
	if (!inv_valid_tid(tid, tid_len))
		return inv_fail(inv, -EINVAL, "transactionId must be 1..16 bytes");
	if (!inv_valid_euicc_key(key))
		return inv_fail(inv, -EINVAL, "eUICC key must be a P-256 or brainpoolP256r1"
					      " uncompressed point");
	st = inv_stmt(inv, ST_DOWNLOADED);
	if (!st)
		return -EIO;
	sqlite3_bind_text(st, 1, inv->actor, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 2, id);
	bind_tid(st, 3, tid, tid_len);
	sqlite3_bind_int(st, 4, key->curve);
	sqlite3_bind_blob(st, 5, key->pub, INV_EUICC_PUB_LEN, SQLITE_STATIC);
	inv_owe_sync(inv);
	return apply(inv, st, id, "mark downloaded");
}

/* Transitions keyed by the EID the profile is bound to. */
static int eid_transition(struct inventory *inv, enum inv_stmt which, int64_t id, const char *eid,
			  const char *reason, const char *what)
{
	sqlite3_stmt *st;
	char norm[33];
	int err, col = 2;

	if (!inv)
		return -EINVAL;
	err = inv_norm_eid(inv, eid, norm);
	if (!err && reason)
		err = check_detail(inv, &reason);
	if (err)
		return err;
	st = inv_stmt(inv, which);
	if (!st)
		return -EIO;
	sqlite3_bind_text(st, 1, inv->actor, -1, SQLITE_STATIC);
	if (reason)
		sqlite3_bind_text(st, col++, reason, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, col++, id);
	sqlite3_bind_text(st, col, norm, 32, SQLITE_STATIC);
	inv_owe_sync(inv);
	return apply(inv, st, id, what);
}

int inv_mark_installed(struct inventory *inv, int64_t id, const char *eid)
{
	return eid_transition(inv, ST_INSTALLED, id, eid, NULL, "mark installed");
}

int inv_mark_install_failed(struct inventory *inv, int64_t id, const char *eid, const char *reason)
{
	return eid_transition(inv, ST_INSTALL_FAILED, id, eid, reason ? reason : "",
			      "mark install failed");
}

int inv_mark_deleted(struct inventory *inv, int64_t id, const char *eid)
{
	struct inv_profile p;
	sqlite3_stmt *st;
	int err;

	if (!inv)
		return -EINVAL;
	err = inv_write_begin(inv);
	if (err)
		return err;
	err = eid_transition(inv, ST_DELETED, id, eid, NULL, "mark deleted");
	if (!err)
		err = inv_get_by_id(inv, id, &p);
	if (!err && p.reuse == INV_REUSE_AFTER_DELETE) {
		st = inv_stmt(inv, ST_REOFFER);
		if (!st) {
			err = -EIO;
		} else {
			sqlite3_bind_text(st, 1, inv->actor, -1, SQLITE_STATIC);
			sqlite3_bind_int64(st, 2, id);
			err = apply(inv, st, id, "reoffer");
		}
	}
	return inv_write_end(inv, err);
}

int inv_mark_error(struct inventory *inv, int64_t id, const char *reason)
{
	sqlite3_stmt *st;
	int err;

	if (!inv)
		return -EINVAL;
	err = check_detail(inv, &reason);
	if (err)
		return err;
	st = inv_stmt(inv, ST_ERROR);
	if (!st)
		return -EIO;
	sqlite3_bind_text(st, 1, inv->actor, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, reason, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 3, id);
	inv_owe_sync(inv);
	return apply(inv, st, id, "mark error");
}

int inv_expire(struct inventory *inv, int64_t now, unsigned *released)
{
	sqlite3_stmt *st;
	int err;

	if (!inv)
		return -EINVAL;
	st = inv_stmt(inv, ST_EXPIRE);
	if (!st)
		return -EIO;
	sqlite3_bind_text(st, 1, inv->actor, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 2, now);
	err = inv_step_done(inv, st, "expire");
	if (!err && released)
		*released = (unsigned)sqlite3_changes(inv->db);
	return err;
}
