// SPDX-License-Identifier: Apache-2.0
/* Reading the inventory: one profile, its UPP, lists, counts and the audit log. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "inv_internal.h"

static void copy_text(char *dst, size_t size, sqlite3_stmt *st, int col)
{
	const unsigned char *s = sqlite3_column_text(st, col);

	snprintf(dst, size, "%s", s ? (const char *)s : "");
}

void inv_row_profile(sqlite3_stmt *st, struct inv_profile *out)
{
	const void *blob;
	int n;

	memset(out, 0, sizeof(*out));
	out->id = sqlite3_column_int64(st, 0);
	copy_text(out->iccid, sizeof(out->iccid), st, 1);
	copy_text(out->matching_id, sizeof(out->matching_id), st, 2);
	copy_text(out->sp_name, sizeof(out->sp_name), st, 3);
	copy_text(out->profile_name, sizeof(out->profile_name), st, 4);
	out->profile_class = sqlite3_column_int(st, 5);
	out->state = (enum inv_state)sqlite3_column_int(st, 6);
	out->reuse = (enum inv_reuse)sqlite3_column_int(st, 7);
	blob = sqlite3_column_blob(st, 8);
	n = sqlite3_column_bytes(st, 8);
	if (blob && n == 32) {
		out->cc_required = 1;
		memcpy(out->cc_hash, blob, 32);
	}
	copy_text(out->eid, sizeof(out->eid), st, 9);
	blob = sqlite3_column_blob(st, 10);
	n = sqlite3_column_bytes(st, 10);
	if (blob && n > 0 && n <= (int)sizeof(out->transaction_id)) {
		memcpy(out->transaction_id, blob, n);
		out->transaction_id_len = n;
	}
	out->deadline = sqlite3_column_int64(st, 11);
	out->upp_len = (size_t)sqlite3_column_int64(st, 12);
	copy_text(out->owner, sizeof(out->owner), st, 13);
	copy_text(out->profile_type, sizeof(out->profile_type), st, 14);
	out->order = (enum inv_order)sqlite3_column_int(st, 15);
	copy_text(out->order_eid, sizeof(out->order_eid), st, 16);
}

/* Run a cached one-row profile lookup whose parameter 1 is already bound. */
static int get_one(struct inventory *inv, sqlite3_stmt *st, struct inv_profile *out,
		   const char *what)
{
	int rc = sqlite3_step(st);

	if (rc == SQLITE_ROW) {
		if (out)
			inv_row_profile(st, out);
		sqlite3_reset(st);
		return 0;
	}
	sqlite3_reset(st);
	if (rc == SQLITE_DONE)
		return inv_fail(inv, -ENOENT, "no profile with %s", what);
	return inv_sql_error(inv, rc, what);
}

int inv_get_by_id(struct inventory *inv, int64_t id, struct inv_profile *out)
{
	sqlite3_stmt *st;

	if (!inv)
		return -EINVAL;
	st = inv_stmt(inv, ST_GET_BY_ID);
	if (!st)
		return -EIO;
	sqlite3_bind_int64(st, 1, id);
	return get_one(inv, st, out, "this id");
}

int inv_get_by_matching_id(struct inventory *inv, const char *matching_id, struct inv_profile *out)
{
	sqlite3_stmt *st;

	if (!inv)
		return -EINVAL;
	if (!inv_valid_matching_id(matching_id))
		return inv_fail(inv, -EINVAL, "malformed matching ID");
	st = inv_stmt(inv, ST_GET_BY_MID);
	if (!st)
		return -EIO;
	sqlite3_bind_text(st, 1, matching_id, -1, SQLITE_STATIC);
	return get_one(inv, st, out, "this matching ID");
}

int inv_get_by_iccid(struct inventory *inv, const char *iccid, struct inv_profile *out)
{
	sqlite3_stmt *st;
	size_t n = iccid ? strlen(iccid) : 0;

	if (!inv)
		return -EINVAL;
	if (n < 1 || n >= INV_ICCID_MAX || iccid[strspn(iccid, "0123456789")])
		return inv_fail(inv, -EINVAL, "malformed ICCID (1..20 decimal digits)");
	st = inv_stmt(inv, ST_GET_BY_ICCID);
	if (!st)
		return -EIO;
	sqlite3_bind_text(st, 1, iccid, -1, SQLITE_STATIC);
	return get_one(inv, st, out, "this ICCID");
}

int inv_get_downloaded_by_tid(struct inventory *inv, const uint8_t *tid, size_t tid_len,
			      struct inv_profile *out, struct inv_euicc_key *key)
{
	sqlite3_stmt *st;
	const void *pub;
	int rc, err;

	if (!inv || !out || !key)
		return -EINVAL;
	if (!inv_valid_tid(tid, tid_len))
		return inv_fail(inv, -EINVAL, "transactionId must be 1..16 bytes");
	st = inv_stmt(inv, ST_GET_DOWNLOADED_BY_TID);
	if (!st)
		return -EIO;
	sqlite3_bind_blob(st, 1, tid, (int)tid_len, SQLITE_STATIC);
	rc = sqlite3_step(st);
	if (rc != SQLITE_ROW) {
		err = rc == SQLITE_DONE ? inv_fail(inv, -ENOENT, "no profile downloaded under"
							       " this transactionId")
					: inv_sql_error(inv, rc, "find downloaded profile");
		sqlite3_reset(st);
		return err;
	}
	inv_row_profile(st, out);
	memset(key, 0, sizeof(*key));
	pub = sqlite3_column_blob(st, INV_PROFILE_NCOLS + 1);
	/* The schema only lets a whole key in: anything else is a row from before v3. */
	if (!pub || sqlite3_column_bytes(st, INV_PROFILE_NCOLS + 1) != INV_EUICC_PUB_LEN) {
		sqlite3_reset(st);
		return inv_fail(inv, -ENODATA, "profile %s was downloaded before eUICC keys were kept",
				out->iccid);
	}
	key->curve = sqlite3_column_int(st, INV_PROFILE_NCOLS);
	memcpy(key->pub, pub, INV_EUICC_PUB_LEN);
	sqlite3_reset(st);
	return 0;
}

/* The stored (sealed) UPP of profile @id and its ICCID: *st on the row, reset by the caller. */
static int upp_row(struct inventory *inv, int64_t id, sqlite3_stmt **st)
{
	int rc;

	*st = inv_stmt(inv, ST_GET_UPP);
	if (!*st)
		return -EIO;
	sqlite3_bind_int64(*st, 1, id);
	rc = sqlite3_step(*st);
	if (rc == SQLITE_ROW)
		return 0;
	sqlite3_reset(*st);
	if (rc == SQLITE_DONE)
		return inv_fail(inv, -ENOENT, "no UPP for profile %lld", (long long)id);
	return inv_sql_error(inv, rc, "read UPP");
}

int inv_get_upp(struct inventory *inv, int64_t id, uint8_t **upp, size_t *len)
{
	sqlite3_stmt *st;
	const void *blob;
	const char *iccid;
	char msg[200];
	int n, err;

	if (!inv || !upp || !len)
		return -EINVAL;
	err = upp_row(inv, id, &st);
	if (err)
		return err;
	blob = sqlite3_column_blob(st, 0);
	n = sqlite3_column_bytes(st, 0);
	iccid = (const char *)sqlite3_column_text(st, 1);
	/* Opened straight from SQLite's page into the one buffer the caller wipes. */
	*upp = malloc(n > 0 ? n : 1);
	if (!*upp) {
		sqlite3_reset(st);
		return -ENOMEM;
	}
	err = inv_unseal(iccid ? iccid : "", blob, (size_t)n, *upp, len, msg, sizeof(msg));
	sqlite3_reset(st);
	if (err) {
		free(*upp);
		*upp = NULL;
		return inv_fail(inv, err, "%s", msg);
	}
	return 0;
}

int inv_get_sealed_upp(struct inventory *inv, int64_t id, struct inv_sealed *out)
{
	sqlite3_stmt *st;
	const char *iccid;
	uint8_t *blob;
	int n, err;

	if (!inv || !out)
		return -EINVAL;
	err = upp_row(inv, id, &st);
	if (err)
		return err;
	n = sqlite3_column_bytes(st, 0);
	iccid = (const char *)sqlite3_column_text(st, 1);
	blob = malloc(n > 0 ? n : 1);
	if (!blob) {
		sqlite3_reset(st);
		return -ENOMEM;
	}
	memcpy(blob, sqlite3_column_blob(st, 0), (size_t)n);
	err = inv_seal_split(iccid ? iccid : "", blob, (size_t)n, out);
	if (err) {
		free(blob);
		err = inv_fail(inv, err, "the stored UPP of %s is not sealed", iccid ? iccid : "?");
	}
	sqlite3_reset(st);
	return err;
}

int inv_stock_key_check(struct inventory *inv)
{
	sqlite3_stmt *st;
	uint8_t *upp = NULL;
	size_t len = 0;
	int64_t id;
	int rc, err;

	if (!inv)
		return -EINVAL;
	/* On the card path no UPP opens on the host: the card checks each one it binds. */
	if (inv_stock_key_on_card())
		return 0;
	rc = sqlite3_prepare_v2(inv->db, "SELECT min(profile_id) FROM upp", -1, &st, NULL);
	if (rc != SQLITE_OK)
		return inv_sql_error(inv, rc, "stock key check");
	rc = sqlite3_step(st);
	if (rc != SQLITE_ROW) {
		err = inv_sql_error(inv, rc, "stock key check");
		sqlite3_finalize(st);
		return err;
	}
	if (sqlite3_column_type(st, 0) == SQLITE_NULL) {
		sqlite3_finalize(st);
		return 0;
	}
	id = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	err = inv_get_upp(inv, id, &upp, &len);
	inv_free_upp(upp, len);
	return err;
}

int inv_count(struct inventory *inv, int state, unsigned *count)
{
	sqlite3_stmt *st;
	int rc;

	if (!inv || !count || state < -1 || state > INV_TRANSFERRED)
		return -EINVAL;
	st = inv_stmt(inv, state < 0 ? ST_COUNT_ALL : ST_COUNT_STATE);
	if (!st)
		return -EIO;
	if (state >= 0)
		sqlite3_bind_int(st, 1, state);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW)
		*count = (unsigned)sqlite3_column_int64(st, 0);
	sqlite3_reset(st);
	return rc == SQLITE_ROW ? 0 : inv_sql_error(inv, rc, "count");
}

/*
 * List and audit prepare their own statement on each call (they are not hot)
 * so that a callback may use any other call of the same connection.
 */
int inv_list(struct inventory *inv, int state, int (*cb)(const struct inv_profile *, void *),
	     void *arg)
{
	struct inv_profile p;
	sqlite3_stmt *st;
	int rc;

	if (!inv || !cb || state < -1 || state > INV_TRANSFERRED)
		return -EINVAL;
	rc = sqlite3_prepare_v2(inv->db,
				state < 0 ? "SELECT " INV_PROFILE_COLS
					    " FROM profile p ORDER BY p.id"
					  : "SELECT " INV_PROFILE_COLS " FROM profile p"
					    " WHERE p.state = ? ORDER BY p.id",
				-1, &st, NULL);
	if (rc != SQLITE_OK)
		return inv_sql_error(inv, rc, "list");
	if (state >= 0)
		sqlite3_bind_int(st, 1, state);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		inv_row_profile(st, &p);
		if (cb(&p, arg)) {
			rc = SQLITE_DONE;
			break;
		}
	}
	sqlite3_finalize(st);
	return rc == SQLITE_DONE ? 0 : inv_sql_error(inv, rc, "list");
}

static void state_text(char *dst, size_t size, sqlite3_stmt *st, int col)
{
	if (sqlite3_column_type(st, col) == SQLITE_NULL)
		snprintf(dst, size, "%s", "-"); /* the import row: no state before */
	else
		snprintf(dst, size, "%s", inv_state_name(sqlite3_column_int(st, col)));
}

int inv_audit(struct inventory *inv, int64_t since_seq, int (*cb)(const struct inv_audit *, void *),
	      void *arg)
{
	struct inv_audit a;
	sqlite3_stmt *st;
	int rc;

	if (!inv || !cb)
		return -EINVAL;
	rc = sqlite3_prepare_v2(
	    inv->db,
	    "SELECT seq, time, profile_id, iccid, from_state, to_state, eid, actor,"
	    " detail FROM audit WHERE seq > ? ORDER BY seq",
	    -1, &st, NULL);
	if (rc != SQLITE_OK)
		return inv_sql_error(inv, rc, "audit");
	sqlite3_bind_int64(st, 1, since_seq);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		memset(&a, 0, sizeof(a));
		a.seq = sqlite3_column_int64(st, 0);
		a.time = sqlite3_column_int64(st, 1);
		a.profile_id = sqlite3_column_int64(st, 2);
		copy_text(a.iccid, sizeof(a.iccid), st, 3);
		state_text(a.from, sizeof(a.from), st, 4);
		state_text(a.to, sizeof(a.to), st, 5);
		copy_text(a.eid, sizeof(a.eid), st, 6);
		copy_text(a.actor, sizeof(a.actor), st, 7);
		copy_text(a.detail, sizeof(a.detail), st, 8);
		if (cb(&a, arg)) {
			rc = SQLITE_DONE;
			break;
		}
	}
	sqlite3_finalize(st);
	return rc == SQLITE_DONE ? 0 : inv_sql_error(inv, rc, "audit");
}
