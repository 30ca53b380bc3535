// SPDX-License-Identifier: Apache-2.0
/*
 * Operators (who may order through ES2+, and where their progress reports go) and the answers
 * recorded per functionCallIdentifier. Not hot: statements are prepared per call, except the
 * two an ES2+ request always runs.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "inv_internal.h"

#define OP_COLS "name, subject, callback_url, paused"

static void copy_col(char *dst, size_t size, sqlite3_stmt *st, int col)
{
	const unsigned char *t = sqlite3_column_text(st, col);

	snprintf(dst, size, "%s", t ? (const char *)t : "");
}

static void row_operator(sqlite3_stmt *st, struct inv_operator *out)
{
	memset(out, 0, sizeof(*out));
	copy_col(out->name, sizeof(out->name), st, 0);
	copy_col(out->subject, sizeof(out->subject), st, 1);
	copy_col(out->callback_url, sizeof(out->callback_url), st, 2);
	out->paused = sqlite3_column_int(st, 3);
}

/* Run @sql with one text parameter; fills @out from the first row. -ENOENT when none. */
static int get_one(struct inventory *inv, const char *sql, const char *arg,
		   struct inv_operator *out)
{
	sqlite3_stmt *st;
	int rc, err = 0;

	if (!inv || !arg || !out)
		return -EINVAL;
	rc = sqlite3_prepare_v2(inv->db, sql, -1, &st, NULL);
	if (rc != SQLITE_OK)
		return inv_sql_error(inv, rc, "operator");
	sqlite3_bind_text(st, 1, arg, -1, SQLITE_STATIC);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW)
		row_operator(st, out);
	else if (rc == SQLITE_DONE)
		err = inv_fail(inv, -ENOENT, "no operator '%s'", arg);
	else
		err = inv_sql_error(inv, rc, "operator");
	sqlite3_finalize(st);
	return err;
}

int inv_operator_get(struct inventory *inv, const char *name, struct inv_operator *out)
{
	return get_one(inv, "SELECT " OP_COLS " FROM operator WHERE name = ?", name, out);
}

/* Every ES2+ request asks this: a cached statement. */
int inv_operator_by_subject(struct inventory *inv, const char *subject, struct inv_operator *out)
{
	sqlite3_stmt *st;
	int rc, err = 0;

	if (!inv || !subject || !out)
		return -EINVAL;
	st = inv_stmt(inv, ST_OPERATOR_BY_SUBJECT);
	if (!st)
		return -EIO;
	sqlite3_bind_text(st, 1, subject, -1, SQLITE_STATIC);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW)
		row_operator(st, out);
	else if (rc == SQLITE_DONE)
		err = inv_fail(inv, -ENOENT, "no operator with subject '%s'", subject);
	else
		err = inv_sql_error(inv, rc, "operator");
	sqlite3_reset(st);
	return err;
}

/* Run one write with the operator's fields; the schema's CHECKs judge them. */
int inv_operator_add(struct inventory *inv, const struct inv_operator *op)
{
	sqlite3_stmt *st;
	int rc, err;

	if (!inv || !op)
		return -EINVAL;
	rc = sqlite3_prepare_v2(
	    inv->db, "INSERT INTO operator(name, subject, callback_url) VALUES (?, ?, ?)", -1, &st,
	    NULL);
	if (rc != SQLITE_OK)
		return inv_sql_error(inv, rc, "add operator");
	sqlite3_bind_text(st, 1, op->name, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, op->subject, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 3, op->callback_url, -1, SQLITE_STATIC);
	err = inv_write_begin(inv);
	if (!err) {
		inv_owe_sync(inv);
		err = inv_step_done(inv, st, "add operator");
		if (err == -EINVAL)
			inv_fail(inv, err,
				 "add operator: name must be 1..64 of 0-9 A-Z a-z . _ -, subject "
				 "1..512 characters, callback URL empty or https://...");
		else if (err == -EEXIST)
			inv_fail(inv, err, "add operator: name or certificate subject taken");
		err = inv_write_end(inv, err);
	}
	sqlite3_finalize(st);
	return err;
}

int inv_operator_set_paused(struct inventory *inv, const char *name, int paused)
{
	sqlite3_stmt *st;
	int rc, err;

	if (!inv || !name)
		return -EINVAL;
	rc = sqlite3_prepare_v2(inv->db, "UPDATE operator SET paused = ? WHERE name = ?", -1, &st,
				NULL);
	if (rc != SQLITE_OK)
		return inv_sql_error(inv, rc, "pause operator");
	sqlite3_bind_int(st, 1, !!paused);
	sqlite3_bind_text(st, 2, name, -1, SQLITE_STATIC);
	err = inv_step_done(inv, st, "pause operator");
	if (!err && sqlite3_changes(inv->db) != 1)
		err = inv_fail(inv, -ENOENT, "no operator '%s'", name);
	sqlite3_finalize(st);
	return err;
}

int inv_operator_set_url(struct inventory *inv, const char *name, const char *url)
{
	sqlite3_stmt *st;
	int rc, err;

	if (!inv || !name || !url)
		return -EINVAL;
	rc = sqlite3_prepare_v2(inv->db, "UPDATE operator SET callback_url = ? WHERE name = ?", -1,
				&st, NULL);
	if (rc != SQLITE_OK)
		return inv_sql_error(inv, rc, "operator URL");
	sqlite3_bind_text(st, 1, url, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, name, -1, SQLITE_STATIC);
	err = inv_step_done(inv, st, "operator URL");
	if (!err && sqlite3_changes(inv->db) != 1)
		err = inv_fail(inv, -ENOENT, "no operator '%s'", name);
	sqlite3_finalize(st);
	return err;
}

int inv_operator_list(struct inventory *inv, int (*cb)(const struct inv_operator *, void *),
		      void *arg)
{
	struct inv_operator op;
	sqlite3_stmt *st;
	int rc;

	if (!inv || !cb)
		return -EINVAL;
	rc = sqlite3_prepare_v2(inv->db, "SELECT " OP_COLS " FROM operator ORDER BY name", -1, &st,
				NULL);
	if (rc != SQLITE_OK)
		return inv_sql_error(inv, rc, "list operators");
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		row_operator(st, &op);
		if (cb(&op, arg)) {
			rc = SQLITE_DONE;
			break;
		}
	}
	sqlite3_finalize(st);
	return rc == SQLITE_DONE ? 0 : inv_sql_error(inv, rc, "list operators");
}

int inv_es2_call_get(struct inventory *inv, const char *op, const char *call_id, uint8_t hash[32],
		     char **response)
{
	sqlite3_stmt *st;
	const void *h;
	const unsigned char *r;
	int rc, err = 0;

	if (!inv || !op || !call_id || !hash || !response)
		return -EINVAL;
	st = inv_stmt(inv, ST_ES2_CALL_GET);
	if (!st)
		return -EIO;
	sqlite3_bind_text(st, 1, op, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, call_id, -1, SQLITE_STATIC);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		h = sqlite3_column_blob(st, 0);
		r = sqlite3_column_text(st, 1);
		if (!h || sqlite3_column_bytes(st, 0) != 32 || !r) {
			err = inv_fail(inv, -EIO, "malformed recorded ES2+ answer");
		} else {
			memcpy(hash, h, 32);
			*response = strdup((const char *)r);
			if (!*response)
				err = -ENOMEM;
		}
	} else if (rc == SQLITE_DONE) {
		err = -ENOENT;
	} else {
		err = inv_sql_error(inv, rc, "recorded ES2+ answer");
	}
	sqlite3_reset(st);
	return err;
}

int inv_es2_call_put(struct inventory *inv, const char *op, const char *call_id,
		     const char *function, const uint8_t hash[32], const char *response)
{
	sqlite3_stmt *st;

	if (!inv || !op || !call_id || !function || !hash || !response)
		return -EINVAL;
	st = inv_stmt(inv, ST_ES2_CALL_PUT);
	if (!st)
		return -EIO;
	sqlite3_bind_text(st, 1, op, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, call_id, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 3, function, -1, SQLITE_STATIC);
	sqlite3_bind_blob(st, 4, hash, 32, SQLITE_STATIC);
	sqlite3_bind_text(st, 5, response, -1, SQLITE_STATIC);
	inv_owe_sync(inv);
	return inv_step_done(inv, st, "record ES2+ answer");
}

/* Rows per DELETE: each batch is its own short write transaction. */
#define PRUNE_BATCH 500

int inv_es2_call_prune(struct inventory *inv, int64_t before, unsigned *removed)
{
	sqlite3_stmt *st;
	int rc, err = 0, n;

	if (!inv || !removed)
		return -EINVAL;
	*removed = 0;
	rc = sqlite3_prepare_v2(inv->db,
				"DELETE FROM es2_call WHERE (operator, call_id) IN"
				" (SELECT operator, call_id FROM es2_call WHERE time < ?1 LIMIT ?2)",
				-1, &st, NULL);
	if (rc != SQLITE_OK)
		return inv_sql_error(inv, rc, "prune ES2+ answers");
	do {
		sqlite3_bind_int64(st, 1, before);
		sqlite3_bind_int(st, 2, PRUNE_BATCH);
		inv_owe_sync(inv);
		err = inv_step_done(inv, st, "prune ES2+ answers");
		n = err ? 0 : sqlite3_changes(inv->db);
		*removed += (unsigned)n;
	} while (n == PRUNE_BATCH);
	sqlite3_finalize(st);
	return err;
}

int inv_notification_record(struct inventory *inv, const char *eid, uint64_t seq,
			    int64_t profile_id, int event)
{
	sqlite3_stmt *st;
	int err;

	if (!inv || !eid || seq > INT64_MAX)
		return -EINVAL;
	st = inv_stmt(inv, ST_NOTIFICATION_RECORD);
	if (!st)
		return -EIO;
	sqlite3_bind_text(st, 1, eid, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 2, (int64_t)seq);
	sqlite3_bind_int64(st, 3, profile_id);
	sqlite3_bind_int(st, 4, event);
	inv_owe_sync(inv);
	err = inv_step_done(inv, st, "record notification");
	if (!err && sqlite3_changes(inv->db) != 1)
		err = -EEXIST;
	return err;
}
