// SPDX-License-Identifier: Apache-2.0
/*
 * Schema v6: a tamper-evident audit log and transfers of stock between units (issue 11, sections
 * 2 and 4). One self-contained migration, in one transaction like every other; it applies on
 * top of whatever version came before it (it names only v1 and v4 objects).
 *
 *  - audit.hash: each audit row's link, SHA-256(previous link || the row), written by a
 *    trigger in the statement that wrote the row (audit_chain.c); the rows present at the
 *    migration are chained in seq order here. Set once; the row stays append-only.
 *  - audit_checkpoint: the head of the chain signed by the unit's key (at every transfer and
 *    when asked). Never updated or deleted.
 *  - State 6 "transferred": the profile left this unit in a bundle. 0 -> 6 only for direct or
 *    unordered stock; 6 -> 0 only when the destination returns it (a signed return bundle).
 *    Allocation takes state 0 only, so a transferred profile is never bound here. The CHECKs
 *    of profile.state and audit.from_state/to_state are widened in place (inv_schema_v6_hook;
 *    SQLite's documented procedure for a change that leaves every stored row valid).
 *  - transfer_out: each bundle this unit issued, its destination certificate, its profiles
 *    (transfer_item), the bundle as signed (transfer_bundle: re-issued byte for byte while
 *    no receipt came back), and the destination's signed receipt once it came back (set once).
 *  - transfer_in: each bundle this unit imported (never twice) and the receipt it gave.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include "inv_internal.h"

/* clang-format off */
const char inv_schema_v6_transfer[] =
	"ALTER TABLE audit ADD COLUMN hash BLOB"
	"  CHECK (hash IS NULL OR (typeof(hash) = 'blob' AND length(hash) = 32));"
	/* chain the rows there are, in seq order (the append-only trigger comes back below) */
	"DROP TRIGGER audit_no_update;"
	"CREATE TEMP TABLE audit_chain0 (seq INTEGER PRIMARY KEY, hash BLOB);"
	"INSERT INTO temp.audit_chain0(seq, hash)"
	"  WITH RECURSIVE c(seq, hash) AS ("
	"    SELECT NULL, NULL"
	"    UNION ALL"
	"    SELECT a.seq, portdp_audit_link(c.hash, a.seq, a.time, a.profile_id, a.iccid,"
	"                                    a.from_state, a.to_state, a.eid, a.actor, a.detail)"
	"    FROM c JOIN audit a ON a.seq = (SELECT min(seq) FROM audit WHERE seq > coalesce(c.seq, -1)))"
	"  SELECT seq, hash FROM c WHERE seq IS NOT NULL;"
	"UPDATE audit SET hash = (SELECT t.hash FROM temp.audit_chain0 t WHERE t.seq = audit.seq);"
	"DROP TABLE temp.audit_chain0;"
	/* the one update there is: a new row's link, once, nothing else changing */
	"CREATE TRIGGER audit_no_update BEFORE UPDATE ON audit"
	"  WHEN NOT (old.hash IS NULL AND new.hash IS NOT NULL AND new.seq IS old.seq"
	"            AND new.time IS old.time AND new.profile_id IS old.profile_id"
	"            AND new.iccid IS old.iccid AND new.from_state IS old.from_state"
	"            AND new.to_state IS old.to_state AND new.eid IS old.eid"
	"            AND new.actor IS old.actor AND new.detail IS old.detail)"
	"  BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END;"
	/*
	 * The link is written into the new row by the statement that wrote it. The row is on
	 * a page the insert dirtied already, and so is its predecessor: no page more per commit.
	 */
	"CREATE TRIGGER audit_chain_link AFTER INSERT ON audit BEGIN"
	"  UPDATE audit SET hash = portdp_audit_link("
	"    (SELECT p.hash FROM audit p WHERE p.seq < new.seq ORDER BY p.seq DESC LIMIT 1),"
	"    new.seq, new.time, new.profile_id, new.iccid, new.from_state, new.to_state, new.eid,"
	"    new.actor, new.detail)"
	"  WHERE seq = new.seq;"
	"END;"

	"CREATE TABLE audit_checkpoint ("
	"  id         INTEGER PRIMARY KEY,"
	"  head_seq   INTEGER NOT NULL CHECK (head_seq >= 0),"
	"  time       INTEGER NOT NULL,"
	"  head       BLOB NOT NULL CHECK (length(head) = 32),"
	"  signer_pub BLOB NOT NULL CHECK (length(signer_pub) = 65),"
	"  sig        BLOB NOT NULL CHECK (length(sig) = 64),"
	"  reason     TEXT NOT NULL DEFAULT '' CHECK (length(reason) <= 128)"
	");"
	"CREATE TRIGGER audit_checkpoint_no_update BEFORE UPDATE ON audit_checkpoint"
	"  BEGIN SELECT RAISE(ABORT, 'audit checkpoints are append-only'); END;"
	"CREATE TRIGGER audit_checkpoint_no_delete BEFORE DELETE ON audit_checkpoint"
	"  BEGIN SELECT RAISE(ABORT, 'audit checkpoints are append-only'); END;"

	"DROP TRIGGER profile_state_machine;"
	"CREATE TRIGGER profile_state_machine BEFORE UPDATE OF state ON profile"
	"  WHEN NOT ((old.state = 0 AND new.state = 1)"
	"         OR (old.state = 1 AND new.state IN (0, 2, 5))"
	"         OR (old.state = 2 AND new.state IN (0, 3, 5))"
	"         OR (old.state = 3 AND new.state IN (4, 5))"
	"         OR (old.state = 4 AND new.state = 0 AND old.reuse = 1)"
	"         OR (old.state = 0 AND new.state = 6 AND old.ord IN (0, 1))"
	"         OR (old.state = 6 AND new.state = 0))"
	"  BEGIN SELECT RAISE(ABORT, 'forbidden state transition'); END;"

	"CREATE TABLE transfer_out ("
	"  bundle_id    BLOB PRIMARY KEY CHECK (length(bundle_id) = 16),"
	"  dest_cert    BLOB NOT NULL CHECK (length(dest_cert) > 0),"
	"  dest_subject TEXT NOT NULL,"
	"  kind         INTEGER NOT NULL CHECK (kind IN (1, 2)),"   /* 1 transfer, 2 return */
	"  created      INTEGER NOT NULL,"
	"  receipt      BLOB,"
	"  receipt_time INTEGER"
	") WITHOUT ROWID;"
	"CREATE TRIGGER transfer_out_fixed BEFORE UPDATE ON transfer_out"
	"  WHEN new.bundle_id IS NOT old.bundle_id OR new.dest_cert IS NOT old.dest_cert"
	"    OR new.kind IS NOT old.kind OR new.created IS NOT old.created"
	"    OR (old.receipt IS NOT NULL AND new.receipt IS NOT old.receipt)"
	"  BEGIN SELECT RAISE(ABORT, 'a bundle is fixed once issued, its receipt once received'); END;"
	"CREATE TRIGGER transfer_out_no_delete BEFORE DELETE ON transfer_out"
	"  BEGIN SELECT RAISE(ABORT, 'issued bundles are kept'); END;"
	/* apart: nothing looks a bundle up through its MBs (transfer_item's key checks did) */
	"CREATE TABLE transfer_bundle ("
	"  bundle_id BLOB PRIMARY KEY REFERENCES transfer_out(bundle_id),"
	"  bundle    BLOB NOT NULL"
	");"
	"CREATE TRIGGER transfer_bundle_fixed BEFORE UPDATE ON transfer_bundle"
	"  BEGIN SELECT RAISE(ABORT, 'issued bundles are kept'); END;"
	"CREATE TRIGGER transfer_bundle_no_delete BEFORE DELETE ON transfer_bundle"
	"  BEGIN SELECT RAISE(ABORT, 'issued bundles are kept'); END;"
	"CREATE TABLE transfer_item ("
	"  bundle_id  BLOB NOT NULL REFERENCES transfer_out(bundle_id),"
	"  profile_id INTEGER NOT NULL REFERENCES profile(id),"
	"  PRIMARY KEY (bundle_id, profile_id)"
	") WITHOUT ROWID;"
	"CREATE TRIGGER transfer_item_fixed BEFORE UPDATE ON transfer_item"
	"  BEGIN SELECT RAISE(ABORT, 'issued bundles are kept'); END;"
	"CREATE TRIGGER transfer_item_no_delete BEFORE DELETE ON transfer_item"
	"  BEGIN SELECT RAISE(ABORT, 'issued bundles are kept'); END;"
	"CREATE TABLE transfer_in ("
	"  bundle_id      BLOB PRIMARY KEY CHECK (length(bundle_id) = 16),"
	"  source_subject TEXT NOT NULL,"
	"  kind           INTEGER NOT NULL CHECK (kind IN (1, 2)),"
	"  profiles       INTEGER NOT NULL,"
	"  imported       INTEGER NOT NULL,"
	"  receipt        BLOB NOT NULL"
	") WITHOUT ROWID;"
	"CREATE TRIGGER transfer_in_fixed BEFORE UPDATE ON transfer_in"
	"  BEGIN SELECT RAISE(ABORT, 'an imported bundle is kept as it was'); END;"
	"CREATE TRIGGER transfer_in_no_delete BEFORE DELETE ON transfer_in"
	"  BEGIN SELECT RAISE(ABORT, 'an imported bundle is kept as it was'); END;";
/* clang-format on */

/* The CHECKs v1 wrote, and what they become. */
static const struct {
	const char *table, *from, *to;
} widen[] = {
    {"profile", "CHECK (state BETWEEN 0 AND 5)", "CHECK (state BETWEEN 0 AND 6)"},
    {"audit", "CHECK (from_state IS NULL OR from_state BETWEEN 0 AND 5)",
     "CHECK (from_state IS NULL OR from_state BETWEEN 0 AND 6)"},
    {"audit", "CHECK (to_state BETWEEN 0 AND 5)", "CHECK (to_state BETWEEN 0 AND 6)"},
};

static int exec_int(sqlite3 *db, const char *sql, int *out)
{
	sqlite3_stmt *st;
	int rc = sqlite3_prepare_v2(db, sql, -1, &st, NULL);

	if (rc != SQLITE_OK)
		return rc;
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		*out = sqlite3_column_int(st, 0);
		rc = SQLITE_OK;
	}
	sqlite3_finalize(st);
	return rc;
}

/*
 * Widen the state CHECKs to admit 6 ("Making Other Kinds Of Table Schema Changes" in SQLite's
 * ALTER TABLE page: the text of the table in sqlite_schema changes, no stored row needs to,
 * schema_version is bumped so every connection reloads it). Inside the migration's
 * transaction, so a crash leaves v5 or v6, never half of it. SQLITE_ERROR when the text is not
 * what v1 wrote (then nothing is changed: the caller rolls back).
 */
int inv_schema_v6_hook(sqlite3 *db)
{
	char sql[512];
	int rc, version = 0, ok = 0, defensive = 0;
	size_t i;

	sqlite3_db_config(db, SQLITE_DBCONFIG_DEFENSIVE, -1, &defensive);
	sqlite3_db_config(db, SQLITE_DBCONFIG_DEFENSIVE, 0, NULL);
	rc = exec_int(db, "PRAGMA schema_version", &version);
	if (rc == SQLITE_OK)
		rc = sqlite3_exec(db, "PRAGMA writable_schema = ON", NULL, NULL, NULL);
	for (i = 0; rc == SQLITE_OK && i < sizeof(widen) / sizeof(widen[0]); i++) {
		char *q = sqlite3_mprintf("SELECT instr(sql, %Q) > 0 FROM sqlite_schema"
					  " WHERE type = 'table' AND name = %Q",
					  widen[i].from, widen[i].table);

		rc = q ? exec_int(db, q, &ok) : SQLITE_NOMEM;
		sqlite3_free(q);
		if (rc == SQLITE_OK && !ok)
			rc = SQLITE_ERROR;
		if (rc != SQLITE_OK)
			break;
		q = sqlite3_mprintf("UPDATE sqlite_schema SET sql = replace(sql, %Q, %Q)"
				    " WHERE type = 'table' AND name = %Q",
				    widen[i].from, widen[i].to, widen[i].table);
		rc = q ? sqlite3_exec(db, q, NULL, NULL, NULL) : SQLITE_NOMEM;
		sqlite3_free(q);
	}
	if (rc == SQLITE_OK) {
		snprintf(sql, sizeof(sql), "PRAGMA schema_version = %d", version + 1);
		rc = sqlite3_exec(db, sql, NULL, NULL, NULL);
	}
	sqlite3_exec(db, "PRAGMA writable_schema = OFF", NULL, NULL, NULL);
	if (rc == SQLITE_OK)
		rc = exec_int(db, "SELECT count(*) FROM pragma_quick_check WHERE quick_check <> 'ok'",
			      &ok);
	if (rc == SQLITE_OK && ok)
		rc = SQLITE_CORRUPT;
	sqlite3_db_config(db, SQLITE_DBCONFIG_DEFENSIVE, defensive, NULL);
	return rc;
}
