// SPDX-License-Identifier: Apache-2.0
/*
 * Order transitions (ES2+): one guarded UPDATE each, like transition.c; the schema (v4,
 * schema_orders.c) refuses anything else and writes the audit row. The caller (the ES2+
 * layer) reads the profile first to pick the SGP.22 code of a refusal; these functions only
 * say -EBUSY (wrong order state, or a session holds it), -ENOENT or -EEXIST.
 */
#include <errno.h>
#include <string.h>
#include "inv_internal.h"

#define CC_MAX 64

const char *inv_order_name(enum inv_order o)
{
	static const char *const names[] = {"direct",	 "unordered", "reserved",
					    "confirmed", "released",  "unavailable"};

	return (unsigned)o < sizeof(names) / sizeof(names[0]) ? names[o] : "?";
}

static bool printable(const char *s)
{
	for (; *s; s++)
		if ((unsigned char)*s < 0x20 || (unsigned char)*s > 0x7e)
			return false;
	return true;
}

/* Say why an order UPDATE changed nothing. */
static int no_change(struct inventory *inv, int64_t id, const char *what)
{
	struct inv_profile p;
	int err = inv_get_by_id(inv, id, &p);

	if (err)
		return err;
	return inv_fail(inv, -EBUSY, "%s: profile %s is %s, order %s%s%s", what, p.iccid,
			inv_state_name(p.state), inv_order_name(p.order),
			p.order_eid[0] ? " for EID " : "", p.order_eid);
}

static int step_one(struct inventory *inv, sqlite3_stmt *st, int64_t id, const char *what)
{
	int err = inv_step_done(inv, st, what);

	if (err)
		return err;
	if (sqlite3_changes(inv->db) != 1)
		return no_change(inv, id, what);
	inv_owe_sync(inv);
	return 0;
}

/* @eid NULL or "" is none; else normalized into @norm. */
static int opt_eid(struct inventory *inv, const char *eid, char norm[33], const char **out)
{
	int err;

	*out = NULL;
	if (!eid || !*eid)
		return 0;
	err = inv_norm_eid(inv, eid, norm);
	if (!err)
		*out = norm;
	return err;
}

int inv_order_reserve(struct inventory *inv, int64_t id, const char *eid)
{
	const char *e;
	char norm[33];
	sqlite3_stmt *st;
	int err;

	if (!inv)
		return -EINVAL;
	err = opt_eid(inv, eid, norm, &e);
	if (err)
		return err;
	st = inv_stmt(inv, ST_ORDER_RESERVE);
	if (!st)
		return -EIO;
	sqlite3_bind_int64(st, 1, id);
	if (e)
		sqlite3_bind_text(st, 2, e, 32, SQLITE_STATIC);
	sqlite3_bind_text(st, 3, inv->actor, -1, SQLITE_STATIC);
	return step_one(inv, st, id, "reserve");
}

int inv_order_reserve_type(struct inventory *inv, const char *owner, const char *profile_type,
			   const char *eid, int64_t *id)
{
	const char *e;
	char norm[33];
	sqlite3_stmt *st;
	int err, rc;

	if (!inv || !owner || !profile_type || !id)
		return -EINVAL;
	err = opt_eid(inv, eid, norm, &e);
	if (err)
		return err;
	st = inv_stmt(inv, ST_ORDER_RESERVE_TYPE);
	if (!st)
		return -EIO;
	sqlite3_bind_text(st, 1, owner, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, profile_type, -1, SQLITE_STATIC);
	if (e)
		sqlite3_bind_text(st, 3, e, 32, SQLITE_STATIC);
	sqlite3_bind_text(st, 4, inv->actor, -1, SQLITE_STATIC);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		*id = sqlite3_column_int64(st, 0);
		rc = sqlite3_step(st);
	} else if (rc == SQLITE_DONE) {
		sqlite3_reset(st);
		return inv_fail(inv, -ENOENT, "reserve: no unordered profile of type '%s' left",
				profile_type);
	}
	if (rc != SQLITE_DONE) {
		err = inv_sql_error(inv, rc, "reserve");
		sqlite3_reset(st);
		return err;
	}
	sqlite3_reset(st);
	inv_owe_sync(inv);
	return 0;
}

int inv_order_confirm(struct inventory *inv, int64_t id, const char *eid, const char *matching_id,
		      const char *cc, int release)
{
	char norm[33], mid[INV_MATCHING_ID_MAX];
	uint8_t cc_hash[32];
	const char *e;
	sqlite3_stmt *st;
	size_t n;
	int err;

	if (!inv)
		return -EINVAL;
	err = opt_eid(inv, eid, norm, &e);
	if (err)
		return err;
	if (matching_id && !inv_valid_matching_id(matching_id))
		return inv_fail(inv, -EINVAL,
				"matching ID must be 1..%d characters of 0-9, A-Z, a-z and '-'",
				INV_MATCHING_ID_MAX - 1);
	if (cc) {
		n = strlen(cc);
		if (!n || n > CC_MAX || !printable(cc))
			return inv_fail(inv, -EINVAL,
					"confirmation code must be 1..%d printable"
					" characters",
					CC_MAX);
		if (inv_hash_cc(cc, cc_hash))
			return inv_fail(inv, -EIO, "cannot hash the confirmation code");
	}
	if (matching_id) {
		strcpy(mid, matching_id);
	} else {
		err = inv_random_matching_id(inv, mid);
		if (err)
			return err;
	}
	st = inv_stmt(inv, ST_ORDER_CONFIRM);
	if (!st)
		return -EIO;
	sqlite3_bind_int64(st, 1, id);
	if (e)
		sqlite3_bind_text(st, 2, e, 32, SQLITE_STATIC);
	sqlite3_bind_text(st, 3, mid, -1, SQLITE_TRANSIENT);
	if (cc)
		sqlite3_bind_blob(st, 4, cc_hash, 32, SQLITE_TRANSIENT);
	sqlite3_bind_int(st, 5, release ? INV_ORDER_RELEASED : INV_ORDER_CONFIRMED);
	sqlite3_bind_text(st, 6, inv->actor, -1, SQLITE_STATIC);
	err = step_one(inv, st, id, "confirm");
	if (err == -EEXIST)
		err = inv_fail(inv, -EEXIST, "confirm: matching ID %s is in use", mid);
	return err;
}

int inv_order_release(struct inventory *inv, int64_t id)
{
	sqlite3_stmt *st;

	if (!inv)
		return -EINVAL;
	st = inv_stmt(inv, ST_ORDER_RELEASE);
	if (!st)
		return -EIO;
	sqlite3_bind_int64(st, 1, id);
	sqlite3_bind_text(st, 2, inv->actor, -1, SQLITE_STATIC);
	return step_one(inv, st, id, "release order");
}

int inv_order_cancel(struct inventory *inv, int64_t id, int available, const char *reason)
{
	sqlite3_stmt *st;

	if (!inv)
		return -EINVAL;
	if (!reason)
		reason = "";
	if (strlen(reason) >= 128)
		return inv_fail(inv, -EINVAL, "reason longer than 127 bytes");
	st = inv_stmt(inv, ST_ORDER_CANCEL);
	if (!st)
		return -EIO;
	sqlite3_bind_int64(st, 1, id);
	sqlite3_bind_int(st, 2, available ? INV_ORDER_UNORDERED : INV_ORDER_UNAVAILABLE);
	sqlite3_bind_text(st, 3, inv->actor, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 4, reason, -1, SQLITE_STATIC);
	return step_one(inv, st, id, "cancel order");
}

int inv_atomic_begin(struct inventory *inv)
{
	return inv ? inv_write_begin(inv) : -EINVAL;
}

int inv_atomic_end(struct inventory *inv, int err)
{
	return inv ? inv_write_end(inv, err) : -EINVAL;
}
