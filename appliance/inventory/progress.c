// SPDX-License-Identifier: Apache-2.0
/*
 * The progress report queue (handleDownloadProgressInfo, ES2+): a report is added by the
 * ES9+ layer in the transaction of the change it reports, read oldest first per operator by
 * the sender, and deleted only once the operator answered 204. Not on the hot path except
 * for inv_progress_add() (one INSERT in the binding's own transaction).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include "inv_internal.h"

int inv_progress_add(struct inventory *inv, const char *op, int64_t profile_id, const char *body)
{
	sqlite3_stmt *st;

	if (!inv || !op || !*op || !body)
		return -EINVAL;
	st = inv_stmt(inv, ST_PROGRESS_ADD);
	if (!st)
		return -EIO;
	sqlite3_bind_text(st, 1, op, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 2, profile_id);
	sqlite3_bind_text(st, 3, body, -1, SQLITE_STATIC);
	inv_owe_sync(inv);
	return inv_step_done(inv, st, "queue progress report");
}

int inv_progress_next(struct inventory *inv, const char *op, struct inv_progress *out)
{
	sqlite3_stmt *st;
	const unsigned char *body;
	int rc, err = 0;

	if (!inv || !op || !out)
		return -EINVAL;
	rc = sqlite3_prepare_v2(inv->db,
				"SELECT seq, profile_id, created, body, attempts, next_try"
				" FROM progress WHERE operator = ? ORDER BY seq LIMIT 1",
				-1, &st, NULL);
	if (rc != SQLITE_OK)
		return inv_sql_error(inv, rc, "next progress report");
	sqlite3_bind_text(st, 1, op, -1, SQLITE_STATIC);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		memset(out, 0, sizeof(*out));
		out->seq = sqlite3_column_int64(st, 0);
		out->profile_id = sqlite3_column_int64(st, 1);
		out->created = sqlite3_column_int64(st, 2);
		body = sqlite3_column_text(st, 3);
		out->attempts = sqlite3_column_int(st, 4);
		out->next_try = sqlite3_column_int64(st, 5);
		out->body = strdup(body ? (const char *)body : "{}");
		if (!out->body)
			err = -ENOMEM;
	} else if (rc == SQLITE_DONE) {
		err = -ENOENT;
	} else {
		err = inv_sql_error(inv, rc, "next progress report");
	}
	sqlite3_finalize(st);
	return err;
}

static int one_write(struct inventory *inv, const char *sql, int64_t seq, int64_t arg,
		     const char *what)
{
	sqlite3_stmt *st;
	int rc, err;

	rc = sqlite3_prepare_v2(inv->db, sql, -1, &st, NULL);
	if (rc != SQLITE_OK)
		return inv_sql_error(inv, rc, what);
	sqlite3_bind_int64(st, 1, seq);
	sqlite3_bind_int64(st, 2, arg);
	inv_owe_sync(inv);
	err = inv_step_done(inv, st, what);
	if (!err && sqlite3_changes(inv->db) != 1)
		err = inv_fail(inv, -ENOENT, "%s: no report %lld", what, (long long)seq);
	sqlite3_finalize(st);
	return err;
}

/*
 * The rows are copied out and the statement finalized before @cb runs: @cb is an HTTPS POST,
 * and a statement left open across a batch of them would hold a read transaction that long,
 * which keeps every checkpoint from resetting the WAL (it grows, and the workers' page reads
 * and lookups grow with it).
 */
int inv_progress_batch(struct inventory *inv, const char *op, unsigned max,
		       int (*cb)(const struct inv_progress *r, void *arg), void *arg)
{
	struct inv_progress *r;
	const unsigned char *body;
	sqlite3_stmt *st;
	unsigned n = 0, i;
	int rc, err = 0;

	if (!inv || !op || !cb || !max || max > 1024)
		return -EINVAL;
	r = calloc(max, sizeof(*r));
	if (!r)
		return -ENOMEM;
	st = inv_stmt(inv, ST_PROGRESS_BATCH);
	if (!st) {
		free(r);
		return -EIO;
	}
	sqlite3_bind_text(st, 1, op, -1, SQLITE_STATIC);
	sqlite3_bind_int(st, 2, (int)max);
	while (n < max && (rc = sqlite3_step(st)) == SQLITE_ROW) {
		body = sqlite3_column_text(st, 3);
		if (!body)
			break; /* NOT NULL in the schema; stop before it rather than skip it */
		r[n].seq = sqlite3_column_int64(st, 0);
		r[n].profile_id = sqlite3_column_int64(st, 1);
		r[n].created = sqlite3_column_int64(st, 2);
		r[n].attempts = sqlite3_column_int(st, 4);
		r[n].next_try = sqlite3_column_int64(st, 5);
		r[n].body = strdup((const char *)body);
		if (!r[n].body) {
			err = -ENOMEM;
			break;
		}
		n++;
	}
	if (!err && rc != SQLITE_ROW && rc != SQLITE_DONE)
		err = inv_sql_error(inv, rc, "progress reports");
	sqlite3_reset(st); /* ends the read before the POSTs */
	for (i = 0; i < n && !err; i++)
		if (cb(&r[i], arg))
			break;
	for (i = 0; i < n; i++)
		free(r[i].body);
	free(r);
	return err;
}

int inv_progress_done_upto(struct inventory *inv, const char *op, int64_t seq)
{
	sqlite3_stmt *st;

	if (!inv || !op)
		return -EINVAL;
	st = inv_stmt(inv, ST_PROGRESS_DONE_UPTO);
	if (!st)
		return -EIO;
	sqlite3_bind_text(st, 1, op, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 2, seq);
	inv_owe_sync(inv);
	return inv_step_done(inv, st, "remove delivered reports");
}

int inv_progress_done(struct inventory *inv, int64_t seq)
{
	if (!inv)
		return -EINVAL;
	return one_write(inv, "DELETE FROM progress WHERE seq = ?1 AND ?2 = 0", seq, 0,
			 "remove delivered report");
}

int inv_progress_retry(struct inventory *inv, int64_t seq, int64_t next_try)
{
	if (!inv)
		return -EINVAL;
	return one_write(
	    inv, "UPDATE progress SET attempts = attempts + 1, next_try = ?2 WHERE seq = ?1", seq,
	    next_try, "retry report");
}

int inv_progress_stats(struct inventory *inv,
		       int (*cb)(const char *op, unsigned pending, int64_t oldest, int paused,
				 void *arg),
		       void *arg)
{
	sqlite3_stmt *st;
	int rc;

	if (!inv || !cb)
		return -EINVAL;
	rc = sqlite3_prepare_v2(
	    inv->db,
	    "SELECT o.name, count(p.seq), min(p.created), o.paused FROM operator o"
	    " LEFT JOIN progress p ON p.operator = o.name"
	    " GROUP BY o.name ORDER BY o.name",
	    -1, &st, NULL);
	if (rc != SQLITE_OK)
		return inv_sql_error(inv, rc, "progress queue");
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		if (cb((const char *)sqlite3_column_text(st, 0),
		       (unsigned)sqlite3_column_int(st, 1), sqlite3_column_int64(st, 2),
		       sqlite3_column_int(st, 3), arg)) {
			rc = SQLITE_DONE;
			break;
		}
	}
	sqlite3_finalize(st);
	return rc == SQLITE_DONE ? 0 : inv_sql_error(inv, rc, "progress queue");
}
