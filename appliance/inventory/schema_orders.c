// SPDX-License-Identifier: Apache-2.0
/*
 * Schema v4: orders from operators (ES2+, SGP.22 section 5.3). Kept in its own file so that
 * it is one self-contained migration; schema.c only lists it.
 *
 *  - operator: who may order (name = the functionRequesterIdentifier it must send, the
 *    subject of its TLS client certificate, its callback URL for progress reports, and
 *    whether that queue is paused). Names and subjects are unique.
 *  - profile.owner (an operator, fixed at import; NULL = stock of the plain factory flow,
 *    downloadable as before), profile.profile_type (a name shared by many ICCIDs),
 *    profile.ord (the order state, below) and profile.order_eid (the EID the order is
 *    linked to).
 *  - Order states: 0 direct (no owner), 1 unordered, 2 reserved (downloadOrder),
 *    3 confirmed (confirmOrder, not released), 4 released, 5 unavailable (cancelled for
 *    good). Transitions, only while no session holds the profile (state 0):
 *      1 -> 2, 2 -> 3, 2 -> 4, 3 -> 4, {2,3,4} -> 1 (cancel, available again),
 *      {1,2,3,4} -> 5 (cancel, unavailable); and 4 -> 1 when a deleted profile is offered
 *      again (state 4 -> 0). Owner and type never change; direct stays direct.
 *  - The order EID is set by reserve or confirm and never changed after; cancel clears it.
 *    The matching ID and confirmation code change only when an order is confirmed or
 *    cancelled (the import's matching ID of an owned profile is a placeholder nobody can use).
 *  - A session may take a profile (state 0 -> 1) only if it is direct or released, and,
 *    when the order names an EID, only for that EID.
 *  - Every order transition writes an audit row (from/to = the profile state, detail
 *    "order <from>-><to>[: detail]") from a trigger, in the same statement.
 *  - es2_call: the answer given to each (operator, functionCallIdentifier), written in the
 *    same transaction as what the call changed: a retry gets the same answer, changes nothing.
 *  - progress: handleDownloadProgressInfo reports waiting for their operator, written in the
 *    same transaction as the change they report, removed only once delivered.
 * These rules are triggers on the columns they name, so a plain binding (which updates
 * state, eid, transaction_id) pays only for the allocate check.
 */
#include "inv_internal.h"

/* clang-format off */
const char inv_schema_v4_orders[] =
	"CREATE TABLE operator ("
	"  name         TEXT PRIMARY KEY"
	"               CHECK (length(name) BETWEEN 1 AND 64 AND name NOT GLOB '*[^0-9A-Za-z._-]*'),"
	"  subject      TEXT NOT NULL UNIQUE CHECK (length(subject) BETWEEN 1 AND 512),"
	"  callback_url TEXT NOT NULL DEFAULT ''"
	"               CHECK (callback_url = '' OR (callback_url GLOB 'https://?*'"
	"                      AND length(callback_url) <= 512"
	"                      AND callback_url NOT GLOB '*[^!-~]*')),"
	"  paused       INTEGER NOT NULL DEFAULT 0 CHECK (paused IN (0, 1)),"
	"  created      INTEGER NOT NULL DEFAULT (unixepoch())"
	");"
	"CREATE TRIGGER operator_name_fixed BEFORE UPDATE OF name ON operator"
	"  WHEN new.name IS NOT old.name"
	"  BEGIN SELECT RAISE(ABORT, 'an operator keeps its name'); END;"

	"ALTER TABLE profile ADD COLUMN owner TEXT REFERENCES operator(name);"
	"ALTER TABLE profile ADD COLUMN profile_type TEXT"
	"  CHECK (profile_type IS NULL OR (length(CAST(profile_type AS BLOB)) BETWEEN 1 AND 64"
	"                                  AND profile_type NOT GLOB '*[^ -~]*'));"
	"ALTER TABLE profile ADD COLUMN ord INTEGER NOT NULL DEFAULT 0 CHECK (ord BETWEEN 0 AND 5);"
	"ALTER TABLE profile ADD COLUMN order_eid TEXT"
	"  CHECK (order_eid IS NULL OR (length(order_eid) = 32 AND order_eid NOT GLOB '*[^0-9A-F]*'));"
	"CREATE INDEX profile_order_type ON profile(owner, profile_type, ord, id)"
	"  WHERE owner IS NOT NULL;"
	"CREATE INDEX profile_order_eid ON profile(order_eid, id) WHERE order_eid IS NOT NULL;"

	"CREATE TRIGGER profile_insert_order BEFORE INSERT ON profile"
	"  WHEN new.ord IS NOT (CASE WHEN new.owner IS NULL THEN 0 ELSE 1 END)"
	"    OR new.order_eid IS NOT NULL"
	"  BEGIN SELECT RAISE(ABORT, 'a new profile is direct stock, or unordered when owned'); END;"
	"CREATE TRIGGER profile_owner_fixed BEFORE UPDATE OF owner, profile_type ON profile"
	"  WHEN new.owner IS NOT old.owner OR new.profile_type IS NOT old.profile_type"
	"  BEGIN SELECT RAISE(ABORT, 'owner and profile type are fixed at import'); END;"
	"CREATE TRIGGER profile_order_machine BEFORE UPDATE OF ord ON profile"
	"  WHEN new.ord IS NOT old.ord AND NOT ("
	"       (old.state = 0 AND new.state = 0 AND ("
	"           (old.ord = 1 AND new.ord = 2) OR (old.ord = 2 AND new.ord IN (3, 4))"
	"        OR (old.ord = 3 AND new.ord = 4) OR (old.ord IN (2, 3, 4) AND new.ord = 1)"
	"        OR (old.ord IN (1, 2, 3, 4) AND new.ord = 5)))"
	"    OR (old.state = 4 AND new.state = 0 AND old.ord = 4 AND new.ord = 1))"
	"  BEGIN SELECT RAISE(ABORT, 'forbidden order transition'); END;"
	"CREATE TRIGGER profile_order_eid_rules BEFORE UPDATE OF order_eid, ord ON profile"
	"  WHEN (new.order_eid IS NOT NULL AND new.ord NOT IN (2, 3, 4))"
	"    OR (new.order_eid IS NOT old.order_eid AND NOT ("
	"          (old.order_eid IS NULL AND old.ord = 1 AND new.ord = 2)"
	"       OR (old.order_eid IS NULL AND old.ord = 2 AND new.ord IN (3, 4))"
	"       OR (new.order_eid IS NULL AND new.ord IN (1, 5))))"
	"  BEGIN SELECT RAISE(ABORT, 'the order EID is set once, by an order, and cleared by a cancel'); END;"
	/* v2's identity rule, but an order may set the matching ID and confirmation code. */
	"DROP TRIGGER profile_identity_fixed;"
	"CREATE TRIGGER profile_identity_fixed"
	"  BEFORE UPDATE OF id, iccid, matching_id, profile_class, reuse, cc_hash, created, upp_len"
	"  ON profile"
	"  WHEN new.id IS NOT old.id OR new.iccid IS NOT old.iccid"
	"    OR new.profile_class IS NOT old.profile_class"
	"    OR new.reuse IS NOT old.reuse OR new.created IS NOT old.created"
	"    OR new.upp_len IS NOT old.upp_len"
	"    OR ((new.matching_id IS NOT old.matching_id OR new.cc_hash IS NOT old.cc_hash)"
	"        AND NOT ((old.ord = 2 AND new.ord IN (3, 4))"
	"                 OR (old.ord IN (2, 3, 4) AND new.ord IN (1, 5))"
	"                 OR (old.ord = 4 AND new.ord = 1)))"
	"  BEGIN SELECT RAISE(ABORT, 'profile identity is immutable'); END;"
	"CREATE TRIGGER profile_allocate_released BEFORE UPDATE OF state ON profile"
	"  WHEN old.state = 0 AND new.state = 1"
	"   AND (old.ord NOT IN (0, 4) OR (old.order_eid IS NOT NULL AND new.eid IS NOT old.order_eid))"
	"  BEGIN SELECT RAISE(ABORT, 'profile is not released for this EID'); END;"
	"CREATE TRIGGER profile_audit_order AFTER UPDATE OF ord ON profile"
	"  WHEN new.ord IS NOT old.ord BEGIN"
	"  INSERT INTO audit(time, profile_id, iccid, from_state, to_state, eid, actor, detail)"
	"  VALUES (unixepoch(), new.id, new.iccid, old.state, new.state,"
	"          coalesce(new.order_eid, old.order_eid, new.eid, old.eid), new.last_actor,"
	"          'order ' || (CASE old.ord WHEN 0 THEN 'direct' WHEN 1 THEN 'unordered'"
	"                         WHEN 2 THEN 'reserved' WHEN 3 THEN 'confirmed'"
	"                         WHEN 4 THEN 'released' ELSE 'unavailable' END)"
	"          || '->' || (CASE new.ord WHEN 0 THEN 'direct' WHEN 1 THEN 'unordered'"
	"                         WHEN 2 THEN 'reserved' WHEN 3 THEN 'confirmed'"
	"                         WHEN 4 THEN 'released' ELSE 'unavailable' END)"
	"          || (CASE new.last_detail WHEN '' THEN '' ELSE ': ' || new.last_detail END));"
	"END;"

	"CREATE TABLE es2_call ("
	"  operator     TEXT NOT NULL REFERENCES operator(name),"
	"  call_id      TEXT NOT NULL CHECK (length(CAST(call_id AS BLOB)) BETWEEN 1 AND 128),"
	"  function     TEXT NOT NULL CHECK (length(function) BETWEEN 1 AND 64),"
	"  request_hash BLOB NOT NULL CHECK (length(request_hash) = 32),"
	"  response     TEXT NOT NULL,"
	"  time         INTEGER NOT NULL DEFAULT (unixepoch()),"
	"  PRIMARY KEY (operator, call_id)"
	") WITHOUT ROWID;"
	"CREATE TRIGGER es2_call_no_update BEFORE UPDATE ON es2_call"
	"  BEGIN SELECT RAISE(ABORT, 'a recorded ES2+ answer is immutable'); END;"

	/* AUTOINCREMENT: delivered rows are deleted, and a seq must never come back: it names
	 * the report to the operator (functionCallIdentifier), which drops one it already has. */
	"CREATE TABLE progress ("
	"  seq          INTEGER PRIMARY KEY AUTOINCREMENT,"
	"  operator     TEXT NOT NULL REFERENCES operator(name),"
	"  profile_id   INTEGER NOT NULL REFERENCES profile(id),"
	"  created      INTEGER NOT NULL DEFAULT (unixepoch()),"
	"  body         TEXT NOT NULL CHECK (json_valid(body)),"
	"  attempts     INTEGER NOT NULL DEFAULT 0 CHECK (attempts >= 0),"
	"  next_try     INTEGER NOT NULL DEFAULT 0"
	");"
	"CREATE INDEX progress_by_operator ON progress(operator, seq);"
	"CREATE TRIGGER progress_body_fixed BEFORE UPDATE OF seq, operator, profile_id, created, body"
	"  ON progress"
	"  BEGIN SELECT RAISE(ABORT, 'a queued report is immutable'); END;";
/* clang-format on */
