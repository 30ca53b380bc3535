// SPDX-License-Identifier: Apache-2.0
/*
 * Schema of the inventory and its migrations. The invariants of inventory.h
 * live here, in the database itself, so that no caller (and no future SQL
 * in this library) can break them:
 *  - unique ICCID and matching ID;
 *  - the state machine (trigger profile_state_machine);
 *  - who holds a profile (EID, transactionId, deadline) follows from its
 *    state, and a held profile never changes hands without passing through
 *    "available" (CHECK + trigger profile_holder_fixed);
 *  - an open transactionId holds at most one profile (partial unique index);
 *  - every insert and state change writes its audit row from a trigger, in
 *    the same statement, so the two cannot be separated by a crash;
 *  - the audit log, the UPPs and the profiles themselves are never updated
 *    in place or deleted.
 * user_version counts the migrations applied; each runs in one transaction.
 */
#include <errno.h>
#include <stdio.h>
#include "inv_internal.h"

/* The SQL keeps its own layout. */
/* clang-format off */
static const char schema_v1[] =
	"CREATE TABLE profile ("
	"  id             INTEGER PRIMARY KEY,"
	"  iccid          TEXT NOT NULL UNIQUE"
	"                 CHECK (length(iccid) BETWEEN 10 AND 20 AND iccid NOT GLOB '*[^0-9]*'),"
	"  matching_id    TEXT NOT NULL UNIQUE"
	"                 CHECK (length(matching_id) BETWEEN 1 AND 64"
	"                        AND matching_id NOT GLOB '*[^0-9A-Za-z-]*'),"
	"  sp_name        TEXT NOT NULL DEFAULT '' CHECK (length(CAST(sp_name AS BLOB)) <= 64),"
	"  profile_name   TEXT NOT NULL DEFAULT '' CHECK (length(CAST(profile_name AS BLOB)) <= 64),"
	"  profile_class  INTEGER NOT NULL CHECK (profile_class IN (0, 1, 2)),"
	"  reuse          INTEGER NOT NULL CHECK (reuse IN (0, 1)),"
	"  cc_hash        BLOB CHECK (cc_hash IS NULL OR length(cc_hash) = 32),"
	"  state          INTEGER NOT NULL DEFAULT 0 CHECK (state BETWEEN 0 AND 5),"
	"  eid            TEXT CHECK (eid IS NULL OR (length(eid) = 32 AND eid NOT GLOB '*[^0-9A-F]*')),"
	"  transaction_id BLOB CHECK (transaction_id IS NULL"
	"                             OR length(transaction_id) BETWEEN 1 AND 16),"
	"  deadline       INTEGER,"
	"  created        INTEGER NOT NULL DEFAULT (unixepoch()),"
	/* copied into the audit row by the triggers below */
	"  last_actor     TEXT NOT NULL DEFAULT '',"
	"  last_detail    TEXT NOT NULL DEFAULT '',"
	"  CHECK (CASE state"
	"    WHEN 0 THEN eid IS NULL AND transaction_id IS NULL AND deadline IS NULL"
	"    WHEN 1 THEN eid IS NOT NULL AND transaction_id IS NOT NULL AND deadline IS NOT NULL"
	"    WHEN 2 THEN eid IS NOT NULL AND transaction_id IS NOT NULL AND deadline IS NULL"
	"    WHEN 3 THEN eid IS NOT NULL AND deadline IS NULL"
	"    WHEN 4 THEN eid IS NOT NULL AND deadline IS NULL"
	"    ELSE deadline IS NULL END)"
	");"
	"CREATE INDEX profile_by_state ON profile(state, id);"
	"CREATE INDEX profile_allocation_deadline ON profile(deadline) WHERE state = 1;"
	"CREATE UNIQUE INDEX profile_open_transaction ON profile(transaction_id)"
	"  WHERE state IN (1, 2);"

	/* Kept apart so that a state change does not rewrite a 10-100 KiB row. */
	"CREATE TABLE upp ("
	"  profile_id INTEGER PRIMARY KEY REFERENCES profile(id),"
	"  der        BLOB NOT NULL CHECK (length(der) > 0)"
	");"

	/* No AUTOINCREMENT needed: rows are never deleted, so seq only grows. */
	"CREATE TABLE audit ("
	"  seq        INTEGER PRIMARY KEY,"
	"  time       INTEGER NOT NULL,"
	"  profile_id INTEGER NOT NULL REFERENCES profile(id),"
	"  iccid      TEXT NOT NULL,"
	"  from_state INTEGER CHECK (from_state IS NULL OR from_state BETWEEN 0 AND 5),"
	"  to_state   INTEGER NOT NULL CHECK (to_state BETWEEN 0 AND 5),"
	"  eid        TEXT,"
	"  actor      TEXT NOT NULL,"
	"  detail     TEXT NOT NULL"
	");"
	"CREATE INDEX audit_by_profile ON audit(profile_id, seq);"

	"CREATE TRIGGER profile_insert_available BEFORE INSERT ON profile"
	"  WHEN new.state IS NOT 0"
	"  BEGIN SELECT RAISE(ABORT, 'a new profile starts available'); END;"
	"CREATE TRIGGER profile_state_machine BEFORE UPDATE OF state ON profile"
	"  WHEN NOT ((old.state = 0 AND new.state = 1)"
	"         OR (old.state = 1 AND new.state IN (0, 2, 5))"
	"         OR (old.state = 2 AND new.state IN (0, 3, 5))"
	"         OR (old.state = 3 AND new.state IN (4, 5))"
	"         OR (old.state = 4 AND new.state = 0 AND old.reuse = 1))"
	"  BEGIN SELECT RAISE(ABORT, 'forbidden state transition'); END;"
	"CREATE TRIGGER profile_holder_fixed BEFORE UPDATE OF eid, transaction_id ON profile"
	"  WHEN (old.eid IS NOT NULL AND new.eid IS NOT NULL AND new.eid IS NOT old.eid)"
	"    OR (old.transaction_id IS NOT NULL AND new.transaction_id IS NOT NULL"
	"        AND new.transaction_id IS NOT old.transaction_id)"
	"  BEGIN SELECT RAISE(ABORT, 'profile is held by another EID or transaction'); END;"
	"CREATE TRIGGER profile_identity_fixed"
	"  BEFORE UPDATE OF id, iccid, matching_id, profile_class, reuse, cc_hash, created ON profile"
	"  WHEN new.id IS NOT old.id OR new.iccid IS NOT old.iccid"
	"    OR new.matching_id IS NOT old.matching_id OR new.profile_class IS NOT old.profile_class"
	"    OR new.reuse IS NOT old.reuse OR new.cc_hash IS NOT old.cc_hash"
	"    OR new.created IS NOT old.created"
	"  BEGIN SELECT RAISE(ABORT, 'profile identity is immutable'); END;"
	"CREATE TRIGGER profile_no_delete BEFORE DELETE ON profile"
	"  BEGIN SELECT RAISE(ABORT, 'profiles are never deleted'); END;"
	"CREATE TRIGGER upp_no_update BEFORE UPDATE ON upp"
	"  BEGIN SELECT RAISE(ABORT, 'a stored UPP is immutable'); END;"
	"CREATE TRIGGER upp_no_delete BEFORE DELETE ON upp"
	"  BEGIN SELECT RAISE(ABORT, 'a stored UPP is immutable'); END;"
	"CREATE TRIGGER audit_no_update BEFORE UPDATE ON audit"
	"  BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END;"
	"CREATE TRIGGER audit_no_delete BEFORE DELETE ON audit"
	"  BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END;"

	"CREATE TRIGGER profile_audit_insert AFTER INSERT ON profile BEGIN"
	"  INSERT INTO audit(time, profile_id, iccid, from_state, to_state, eid, actor, detail)"
	"  VALUES (unixepoch(), new.id, new.iccid, NULL, new.state, new.eid,"
	"          new.last_actor, new.last_detail);"
	"END;"
	"CREATE TRIGGER profile_audit_transition AFTER UPDATE OF state ON profile BEGIN"
	"  INSERT INTO audit(time, profile_id, iccid, from_state, to_state, eid, actor, detail)"
	"  VALUES (unixepoch(), new.id, new.iccid, old.state, new.state,"
	"          coalesce(new.eid, old.eid), new.last_actor, new.last_detail);"
	"END;";

/*
 * v2, for the cost of a binding (every page a transition dirties is written to the WAL and
 * synced; every page a read needs is read again after a peer connection's commit):
 *  - the UPP length lives in the profile row (fixed at import, checked against the UPP), so
 *    reading a profile no longer walks the UPP b-tree;
 *  - two indexes nothing reads are gone: profile_allocation_deadline (expiry searches
 *    profile_by_state, allocations are few) and audit_by_profile (the audit log is read by
 *    seq). Each was one more page written per transition.
 */
static const char schema_v2[] =
	"DROP INDEX profile_allocation_deadline;"
	"DROP INDEX audit_by_profile;"
	"ALTER TABLE profile ADD COLUMN upp_len INTEGER NOT NULL DEFAULT 0 CHECK (upp_len >= 0);"
	"UPDATE profile SET upp_len ="
	"  coalesce((SELECT length(u.der) FROM upp u WHERE u.profile_id = profile.id), 0);"
	"DROP TRIGGER profile_identity_fixed;"
	"CREATE TRIGGER profile_identity_fixed"
	"  BEFORE UPDATE OF id, iccid, matching_id, profile_class, reuse, cc_hash, created, upp_len"
	"  ON profile"
	"  WHEN new.id IS NOT old.id OR new.iccid IS NOT old.iccid"
	"    OR new.matching_id IS NOT old.matching_id OR new.profile_class IS NOT old.profile_class"
	"    OR new.reuse IS NOT old.reuse OR new.cc_hash IS NOT old.cc_hash"
	"    OR new.created IS NOT old.created OR new.upp_len IS NOT old.upp_len"
	"  BEGIN SELECT RAISE(ABORT, 'profile identity is immutable'); END;"
	"CREATE TRIGGER upp_length_matches BEFORE INSERT ON upp"
	"  WHEN length(new.der) IS NOT (SELECT p.upp_len FROM profile p WHERE p.id = new.profile_id)"
	"  BEGIN SELECT RAISE(ABORT, 'UPP length differs from its profile'); END;";

/*
 * v3: the eUICC key a ProfileInstallationResult must be verified with (PK.EUICC.ECDSA of the
 * certificate the session verified), so that a result arriving after a restart, or after the
 * session is gone, can still be verified. Rules kept here:
 *  - a key is whole: its curve (1 P-256, 2 brainpoolP256r1: enum pdp_curve) and an
 *    uncompressed point, or nothing (CHECK);
 *  - entering downloaded needs it, and that is the only transition that may set it;
 *  - it never changes after, except that returning to available clears it (no profile is
 *    available or allocated with a key), and a new profile has none (triggers).
 * The CHECK does not name the state: one that did was evaluated on every transition and
 * cost ~40 us of CPU per binding (inv-bind-bench); the triggers test the state instead.
 * Profiles downloaded before v3 have none: their late results stay unverifiable, as before.
 */
static const char schema_v3[] =
	"ALTER TABLE profile ADD COLUMN euicc_curve INTEGER"
	"  CHECK (euicc_curve IS NULL OR euicc_curve IN (1, 2));"
	"ALTER TABLE profile ADD COLUMN euicc_pub BLOB"
	"  CHECK ((euicc_pub IS NULL) = (euicc_curve IS NULL)"
	"         AND (euicc_pub IS NULL"
	"              OR (typeof(euicc_pub) = 'blob' AND length(euicc_pub) = 65"
	"                  AND substr(euicc_pub, 1, 1) = x'04')));"
	"DROP TRIGGER profile_insert_available;"
	"CREATE TRIGGER profile_insert_available BEFORE INSERT ON profile"
	"  WHEN new.state IS NOT 0 OR new.euicc_pub IS NOT NULL"
	"  BEGIN SELECT RAISE(ABORT, 'a new profile starts available, without an eUICC key'); END;"
	"CREATE TRIGGER profile_euicc_key_follows_state BEFORE UPDATE OF state ON profile"
	"  WHEN (old.state = 1 AND new.state = 2 AND new.euicc_pub IS NULL)"
	"    OR (new.state IN (0, 1) AND new.euicc_pub IS NOT NULL)"
	"  BEGIN SELECT RAISE(ABORT, 'an eUICC key is held from downloaded on, never before'); END;"
	"CREATE TRIGGER profile_euicc_key_fixed BEFORE UPDATE OF euicc_curve, euicc_pub ON profile"
	"  WHEN (new.euicc_curve IS NOT old.euicc_curve OR new.euicc_pub IS NOT old.euicc_pub)"
	"   AND NOT (old.state = 1 AND new.state = 2)"
	"   AND NOT (new.state = 0 AND new.euicc_curve IS NULL AND new.euicc_pub IS NULL)"
	"  BEGIN SELECT RAISE(ABORT, 'the eUICC key is set only when a profile is downloaded'); END;";
/* clang-format on */

/* v4 (schema_orders.c): operators, orders, ES2+ answers and progress reports. */
extern const char inv_schema_v4_orders[];
/* v5 (schema_sealed.c): every UPP sealed at rest. */
extern const char inv_schema_v5_sealed[];
/* v6 (schema_transfer.c): audit chain, checkpoints, transfers; its C part after its SQL. */
extern const char inv_schema_v6_transfer[];
int inv_schema_v6_hook(sqlite3 *db);
/* v7 (schema_notifications.c): eUICC notifications already reported. */
extern const char inv_schema_v7_notifications[];
/* v8 (schema_order_index.c): only unordered profiles in the order-by-type index. */
extern const char inv_schema_v8_order_index[];

/* migrations[i] brings a database from user_version i to i + 1. */
static const char *const migrations[] = {
    schema_v1,
    schema_v2,
    schema_v3,
    inv_schema_v4_orders,
    inv_schema_v5_sealed,
    inv_schema_v6_transfer,
    inv_schema_v7_notifications,
    inv_schema_v8_order_index,
};

#define SCHEMA_VERSION ((int)(sizeof(migrations) / sizeof(migrations[0])))

static int user_version(struct inventory *inv, int *version)
{
	sqlite3_stmt *st;
	int rc;

	rc = sqlite3_prepare_v2(inv->db, "PRAGMA user_version", -1, &st, NULL);
	if (rc != SQLITE_OK)
		return inv_sql_error(inv, rc, "read schema version");
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW)
		*version = sqlite3_column_int(st, 0);
	sqlite3_finalize(st);
	if (rc != SQLITE_ROW)
		return inv_sql_error(inv, rc, "read schema version");
	return 0;
}

/* Run migrations[from..to) on @db inside the caller's transaction; SQLite's result code. */
static int apply_migrations(sqlite3 *db, int from, int to)
{
	char sql[64];
	int rc = SQLITE_OK;

	for (; from < to && rc == SQLITE_OK; from++) {
		rc = sqlite3_exec(db, migrations[from], NULL, NULL, NULL);
		if (rc == SQLITE_OK && migrations[from] == inv_schema_v6_transfer)
			rc = inv_schema_v6_hook(db);
		if (rc != SQLITE_OK)
			break;
		snprintf(sql, sizeof(sql), "PRAGMA user_version = %d", from + 1);
		rc = sqlite3_exec(db, sql, NULL, NULL, NULL);
	}
	return rc;
}

int inv_schema_create_old(sqlite3 *db, int version)
{
	int rc;

	if (!db || version < 1 || version > SCHEMA_VERSION)
		return -EINVAL;
	if (inv_audit_chain_register(db) != SQLITE_OK)
		return -EIO;
	rc = sqlite3_exec(db, "BEGIN IMMEDIATE", NULL, NULL, NULL);
	if (rc == SQLITE_OK)
		rc = apply_migrations(db, 0, version);
	if (rc == SQLITE_OK)
		rc = sqlite3_exec(db, "COMMIT", NULL, NULL, NULL);
	if (rc != SQLITE_OK) {
		sqlite3_exec(db, "ROLLBACK", NULL, NULL, NULL);
		return -EIO;
	}
	return 0;
}

int inv_schema_migrate(struct inventory *inv)
{
	int version = 0, rc, err;

	/* IMMEDIATE: two processes opening a fresh file must not both create the schema. */
	rc = sqlite3_exec(inv->db, "BEGIN IMMEDIATE", NULL, NULL, NULL);
	if (rc != SQLITE_OK)
		return inv_sql_error(inv, rc, "begin schema migration");
	err = user_version(inv, &version);
	if (err)
		goto rollback;
	if (version > SCHEMA_VERSION) {
		err = inv_fail(inv, -EIO,
			       "database schema version %d is newer than this program (%d)",
			       version, SCHEMA_VERSION);
		goto rollback;
	}
	/* Sealing in place (v5) overwrites the plaintext it frees, not only unlinks it. */
	if (version >= 1 && version < 5)
		sqlite3_exec(inv->db, "PRAGMA secure_delete = ON", NULL, NULL, NULL);
	rc = apply_migrations(inv->db, version, SCHEMA_VERSION);
	if (rc != SQLITE_OK) {
		err = inv_sql_error(inv, rc, "schema migration");
		goto rollback;
	}
	rc = sqlite3_exec(inv->db, "COMMIT", NULL, NULL, NULL);
	if (rc != SQLITE_OK) {
		err = inv_sql_error(inv, rc, "commit schema migration");
		goto rollback;
	}
	if (version >= 1 && version < 5) {
		/*
		 * The plaintext pages live on in the file until a checkpoint writes the
		 * sealed ones over them, and in WAL frames until the WAL is cut: both now.
		 */
		sqlite3_exec(inv->db, "PRAGMA secure_delete = OFF", NULL, NULL, NULL);
		rc = sqlite3_exec(inv->db, "PRAGMA wal_checkpoint(TRUNCATE)", NULL, NULL, NULL);
		if (rc != SQLITE_OK)
			return inv_sql_error(inv, rc, "checkpoint after sealing the stock");
	}
	return 0;

rollback:
	sqlite3_exec(inv->db, "ROLLBACK", NULL, NULL, NULL);
	return err;
}
