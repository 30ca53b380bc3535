// SPDX-License-Identifier: Apache-2.0
/*
 * Transfers of stock between units (schema v6; the bundle itself is built and checked by
 * portdpctl). What the database guarantees: a profile leaves (state 6) only from available
 * direct stock without a confirmation code (the bundle does not carry one), in the
 * transaction that records the signed bundle; an imported bundle id is
 * never imported again; a profile comes back (6 -> 0) only from the unit it was sent to, with
 * the very UPP it left with.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>

#include "inv_internal.h"

static void hex8(const uint8_t id[16], char out[33])
{
	static const char h[] = "0123456789abcdef";
	int i;

	for (i = 0; i < 16; i++) {
		out[2 * i] = h[id[i] >> 4];
		out[2 * i + 1] = h[id[i] & 15];
	}
	out[32] = 0;
}

int inv_transfer_pick(struct inventory *inv, const char *profile_type, unsigned count,
		      int64_t *ids, unsigned *n)
{
	sqlite3_stmt *st;
	int rc;

	if (!inv || !ids || !n || !count)
		return -EINVAL;
	*n = 0;
	rc = sqlite3_prepare_v2(inv->db,
				"SELECT id FROM profile WHERE state = 0 AND ord = 0 AND cc_hash IS NULL"
				" AND (?1 IS NULL OR profile_type = ?1) ORDER BY id LIMIT ?2",
				-1, &st, NULL);
	if (rc != SQLITE_OK)
		return inv_sql_error(inv, rc, "pick profiles");
	if (profile_type)
		sqlite3_bind_text(st, 1, profile_type, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 2, count);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW && *n < count)
		ids[(*n)++] = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	return rc == SQLITE_DONE || rc == SQLITE_ROW ? 0 : inv_sql_error(inv, rc, "pick profiles");
}

int inv_transfer_out(struct inventory *inv, const struct inv_transfer_out *t, const int64_t *ids,
		     unsigned n)
{
	sqlite3_stmt *st = NULL, *it = NULL, *mv = NULL, *bl = NULL;
	char hex[33], detail[INV_SUBJECT_MAX + 96];
	unsigned i;
	int rc, err;

	if (!inv || !t || !ids || !n)
		return -EINVAL;
	hex8(t->id, hex);
	snprintf(detail, sizeof(detail), "%s bundle=%s to=%s",
		 t->kind == 2 ? "returned" : "transferred", hex, t->dest_subject);
	err = inv_write_begin(inv);
	if (err)
		return err;
	rc = sqlite3_prepare_v2(inv->db,
				"INSERT INTO transfer_out(bundle_id, dest_cert, dest_subject, kind,"
				" created) VALUES (?, ?, ?, ?, unixepoch())",
				-1, &st, NULL);
	if (rc == SQLITE_OK)
		rc = sqlite3_prepare_v2(inv->db,
					"INSERT INTO transfer_bundle(bundle_id, bundle) VALUES (?, ?)",
					-1, &bl, NULL);
	if (rc == SQLITE_OK)
		rc = sqlite3_prepare_v2(inv->db,
					"INSERT INTO transfer_item(bundle_id, profile_id) VALUES (?, ?)",
					-1, &it, NULL);
	if (rc == SQLITE_OK)
		rc = sqlite3_prepare_v2(inv->db,
					"UPDATE profile SET state = 6, last_actor = ?, last_detail = ?"
					" WHERE id = ? AND state = 0 AND ord = 0 AND cc_hash IS NULL",
					-1, &mv, NULL);
	if (rc != SQLITE_OK) {
		err = inv_sql_error(inv, rc, "transfer out");
		goto out;
	}
	sqlite3_bind_blob(st, 1, t->id, 16, SQLITE_STATIC);
	sqlite3_bind_blob(st, 2, t->dest_cert, (int)t->dest_cert_len, SQLITE_STATIC);
	sqlite3_bind_text(st, 3, t->dest_subject, -1, SQLITE_STATIC);
	sqlite3_bind_int(st, 4, t->kind);
	err = inv_step_done(inv, st, "record bundle");
	if (!err) {
		sqlite3_bind_blob(bl, 1, t->id, 16, SQLITE_STATIC);
		sqlite3_bind_blob(bl, 2, t->bundle, (int)t->bundle_len, SQLITE_STATIC);
		err = inv_step_done(inv, bl, "record bundle");
	}
	for (i = 0; !err && i < n; i++) {
		sqlite3_reset(mv);
		sqlite3_bind_text(mv, 1, inv->actor, -1, SQLITE_STATIC);
		sqlite3_bind_text(mv, 2, detail, -1, SQLITE_STATIC);
		sqlite3_bind_int64(mv, 3, ids[i]);
		err = inv_step_done(inv, mv, "transfer out");
		if (!err && sqlite3_changes(inv->db) != 1)
			err = inv_fail(inv, -EBUSY, "profile %lld is no longer available stock",
				       (long long)ids[i]);
		if (!err) {
			sqlite3_reset(it);
			sqlite3_bind_blob(it, 1, t->id, 16, SQLITE_STATIC);
			sqlite3_bind_int64(it, 2, ids[i]);
			err = inv_step_done(inv, it, "record bundle item");
		}
	}
out:
	sqlite3_finalize(st);
	sqlite3_finalize(it);
	sqlite3_finalize(mv);
	sqlite3_finalize(bl);
	if (!err)
		inv_owe_sync(inv);
	return inv_write_end(inv, err);
}

/* Column @col of the current row into a malloc'd copy (the statement's own goes at reset). */
static int column_copy(sqlite3_stmt *st, int col, uint8_t **out, size_t *len)
{
	*len = (size_t)sqlite3_column_bytes(st, col);
	*out = malloc(*len ? *len : 1);
	if (!*out)
		return -ENOMEM;
	memcpy(*out, sqlite3_column_blob(st, col), *len);
	return 0;
}

int inv_transfer_get_bundle(struct inventory *inv, const uint8_t id[16], uint8_t **bundle,
			    size_t *len, int *has_receipt)
{
	sqlite3_stmt *st;
	int rc, err = 0;

	rc = sqlite3_prepare_v2(inv->db,
				"SELECT b.bundle, o.receipt IS NOT NULL FROM transfer_out o"
				" JOIN transfer_bundle b USING (bundle_id) WHERE o.bundle_id = ?",
				-1, &st, NULL);
	if (rc != SQLITE_OK)
		return inv_sql_error(inv, rc, "read bundle");
	sqlite3_bind_blob(st, 1, id, 16, SQLITE_STATIC);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		err = column_copy(st, 0, bundle, len);
		*has_receipt = sqlite3_column_int(st, 1);
	} else {
		err = rc == SQLITE_DONE ? inv_fail(inv, -ENOENT, "this unit issued no such bundle")
					: inv_sql_error(inv, rc, "read bundle");
	}
	sqlite3_finalize(st);
	return err;
}

int inv_transfer_dest_cert(struct inventory *inv, const uint8_t id[16], uint8_t **cert,
			   size_t *len)
{
	sqlite3_stmt *st;
	int rc, err = 0;

	rc = sqlite3_prepare_v2(inv->db, "SELECT dest_cert FROM transfer_out WHERE bundle_id = ?",
				-1, &st, NULL);
	if (rc != SQLITE_OK)
		return inv_sql_error(inv, rc, "read bundle");
	sqlite3_bind_blob(st, 1, id, 16, SQLITE_STATIC);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		err = column_copy(st, 0, cert, len);
	} else {
		err = rc == SQLITE_DONE ? inv_fail(inv, -ENOENT, "this unit issued no such bundle")
					: inv_sql_error(inv, rc, "read bundle");
	}
	sqlite3_finalize(st);
	return err;
}

int inv_transfer_set_receipt(struct inventory *inv, const uint8_t id[16], const uint8_t *receipt,
			     size_t len)
{
	sqlite3_stmt *st;
	int rc, err;

	rc = sqlite3_prepare_v2(inv->db,
				"UPDATE transfer_out SET receipt = ?, receipt_time = unixepoch()"
				" WHERE bundle_id = ? AND receipt IS NULL",
				-1, &st, NULL);
	if (rc != SQLITE_OK)
		return inv_sql_error(inv, rc, "store receipt");
	sqlite3_bind_blob(st, 1, receipt, (int)len, SQLITE_STATIC);
	sqlite3_bind_blob(st, 2, id, 16, SQLITE_STATIC);
	err = inv_step_done(inv, st, "store receipt");
	if (!err && sqlite3_changes(inv->db) != 1)
		err = inv_fail(inv, -EALREADY, "a receipt for this bundle is stored already");
	sqlite3_finalize(st);
	if (!err)
		inv_owe_sync(inv);
	return err;
}

int inv_transfer_seen(struct inventory *inv, const uint8_t id[16], uint8_t **receipt, size_t *len)
{
	sqlite3_stmt *st;
	int rc, err = 0;

	rc = sqlite3_prepare_v2(inv->db, "SELECT receipt FROM transfer_in WHERE bundle_id = ?", -1,
				&st, NULL);
	if (rc != SQLITE_OK)
		return inv_sql_error(inv, rc, "imported bundles");
	sqlite3_bind_blob(st, 1, id, 16, SQLITE_STATIC);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		if (receipt)
			err = column_copy(st, 0, receipt, len);
	} else {
		err = rc == SQLITE_DONE ? -ENOENT : inv_sql_error(inv, rc, "imported bundles");
	}
	sqlite3_finalize(st);
	return err;
}

int inv_transfer_in_each(struct inventory *inv,
			 int (*cb)(const uint8_t id[16], const char *source_subject,
				   const uint8_t *receipt, size_t len, void *arg),
			 void *arg)
{
	sqlite3_stmt *st;
	int rc, err = 0;

	rc = sqlite3_prepare_v2(inv->db,
				"SELECT bundle_id, source_subject, receipt FROM transfer_in"
				" ORDER BY imported",
				-1, &st, NULL);
	if (rc != SQLITE_OK)
		return inv_sql_error(inv, rc, "imported bundles");
	while (!err && (rc = sqlite3_step(st)) == SQLITE_ROW)
		err = cb(sqlite3_column_blob(st, 0), (const char *)sqlite3_column_text(st, 1),
			 sqlite3_column_blob(st, 2), (size_t)sqlite3_column_bytes(st, 2), arg);
	if (!err && rc != SQLITE_DONE)
		err = inv_sql_error(inv, rc, "imported bundles");
	sqlite3_finalize(st);
	return err;
}

int inv_transfer_in(struct inventory *inv, const uint8_t id[16], const char *source_subject,
		    int kind, unsigned profiles, const uint8_t *receipt, size_t len)
{
	sqlite3_stmt *st;
	int rc, err;

	rc = sqlite3_prepare_v2(inv->db,
				"INSERT INTO transfer_in(bundle_id, source_subject, kind, profiles,"
				" imported, receipt) VALUES (?, ?, ?, ?, unixepoch(), ?)",
				-1, &st, NULL);
	if (rc != SQLITE_OK)
		return inv_sql_error(inv, rc, "record imported bundle");
	sqlite3_bind_blob(st, 1, id, 16, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, source_subject, -1, SQLITE_STATIC);
	sqlite3_bind_int(st, 3, kind);
	sqlite3_bind_int(st, 4, (int)profiles);
	sqlite3_bind_blob(st, 5, receipt, (int)len, SQLITE_STATIC);
	err = inv_step_done(inv, st, "record imported bundle");
	sqlite3_finalize(st);
	if (err == -EEXIST)
		err = inv_fail(inv, -EALREADY, "this bundle was imported before");
	if (!err)
		inv_owe_sync(inv);
	return err;
}

/* The returned UPP is the one this unit sent: the stored one is sealed, so opened to compare. */
static bool same_upp(struct inventory *inv, const char *iccid, const uint8_t *upp, size_t len)
{
	sqlite3_stmt *st;
	int64_t id = -1;
	uint8_t *mine = NULL;
	size_t mine_len = 0;
	bool same;

	if (sqlite3_prepare_v2(inv->db, "SELECT id FROM profile WHERE iccid = ?", -1, &st,
			       NULL) != SQLITE_OK)
		return false;
	sqlite3_bind_text(st, 1, iccid, -1, SQLITE_STATIC);
	if (sqlite3_step(st) == SQLITE_ROW)
		id = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	if (id < 0 || inv_get_upp(inv, id, &mine, &mine_len))
		return false;
	same = mine_len == len && !CRYPTO_memcmp(mine, upp, len);
	inv_free_upp(mine, mine_len);
	return same;
}

int inv_transfer_return(struct inventory *inv, const char *iccid, const uint8_t *dest_cert,
			size_t dest_len, const uint8_t *upp, size_t upp_len, const char *detail)
{
	sqlite3_stmt *st;
	int rc, err;

	if (upp && !same_upp(inv, iccid, upp, upp_len))
		return inv_fail(inv, -EBUSY,
				"ICCID %s was not sent to the unit returning it, or is not"
				" transferred, or its UPP differs",
				iccid);
	/*
	 * In state 6, and the last bundle that took it out of here (a transfer, or a return)
	 * went to the unit that sends it back: a return of what we sent, or what we returned
	 * coming to us again. The same UPP: checked above.
	 */
	rc = sqlite3_prepare_v2(
	    inv->db,
	    "UPDATE profile SET state = 0, last_actor = ?1, last_detail = ?2"
	    " WHERE iccid = ?3 AND state = 6"
	    " AND (SELECT o.dest_cert FROM transfer_item i JOIN transfer_out o USING (bundle_id)"
	    "      WHERE i.profile_id = profile.id ORDER BY o.created DESC LIMIT 1)"
	    "     = ?4",
	    -1, &st, NULL);
	if (rc != SQLITE_OK)
		return inv_sql_error(inv, rc, "return");
	sqlite3_bind_text(st, 1, inv->actor, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, detail, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 3, iccid, -1, SQLITE_STATIC);
	sqlite3_bind_blob(st, 4, dest_cert, (int)dest_len, SQLITE_STATIC);
	err = inv_step_done(inv, st, "return");
	if (!err && sqlite3_changes(inv->db) != 1)
		err = inv_fail(inv, -EBUSY,
			       "ICCID %s was not sent to the unit returning it, or is not"
			       " transferred, or its UPP differs",
			       iccid);
	sqlite3_finalize(st);
	if (!err)
		inv_owe_sync(inv);
	return err;
}
