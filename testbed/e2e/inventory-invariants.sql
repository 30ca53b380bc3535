-- Invariants of a Port-DP+ inventory, checked from its stored history alone (the schema's
-- triggers guard each write; this checks what a crash, a full disk or a future migration
-- left behind). Run by testbed/e2e/inventory-invariants (sqlite3 CLI, read-only).
--
-- Every row this prints is one violation: "check: detail". No row: every invariant holds.
-- Parameters (the runner sets them):
--   :no_alloc      1: no profile may be allocated (after restart recovery, nothing running)
--   :expect_total  the number of profiles imported, or -1 when not known
--
-- States: 0 available, 1 allocated, 2 downloaded, 3 installed, 4 deleted, 5 error,
-- 6 transferred (schema v6).
-- Transitions (schema.c, trigger profile_state_machine): import -> 0; 0 -> 1; 1 -> 0, 2, 5;
-- 2 -> 0 (install failed), 3, 5; 3 -> 4, 5; 4 -> 0 (re-offer, only for reuse = 1).

-- The file itself.
SELECT 'integrity_check: ' || integrity_check FROM pragma_integrity_check
 WHERE integrity_check <> 'ok';
SELECT 'foreign_key_check: ' || "table" || ' rowid ' || rowid FROM pragma_foreign_key_check;

-- Each audit row with the row before it for the same profile.
CREATE TEMP VIEW chain AS
SELECT a.seq, a.profile_id, a.iccid, a.from_state, a.to_state, a.eid, a.actor, a.detail,
       lag(a.seq) OVER w AS prev_seq,
       lag(a.to_state) OVER w AS prev_to,
       lag(a.eid) OVER w AS prev_eid,
       row_number() OVER w AS n,
       count(*) OVER (PARTITION BY a.profile_id) AS rows_of_profile,
       -- the profile's last download before this row, and its last allowed return
       max(CASE WHEN a.to_state = 2 THEN a.seq END) OVER before AS prev_download,
       max(CASE WHEN a.to_state = 0 AND a.from_state IN (2, 4) THEN a.seq END) OVER before
           AS prev_return
  FROM audit a
WINDOW w AS (PARTITION BY a.profile_id ORDER BY a.seq),
       before AS (w ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING);

-- The chain of each profile: it starts with its import into available, and each row starts
-- where the one before ended.
SELECT 'chain start: profile ' || profile_id || ' audit ' || seq || ' starts from '
       || coalesce(from_state, 'import') || ' to ' || to_state
  FROM chain WHERE n = 1 AND NOT (from_state IS NULL AND to_state = 0);
SELECT 'chain broken: profile ' || profile_id || ' audit ' || seq || ' from ' || coalesce(from_state, 'import')
       || ' after audit ' || prev_seq || ' ended in ' || prev_to
  FROM chain WHERE n > 1 AND from_state IS NOT prev_to;

-- Only allowed transitions.
SELECT 'forbidden transition: profile ' || c.profile_id || ' audit ' || c.seq || ' '
       || c.from_state || ' -> ' || c.to_state
  FROM chain c JOIN profile p ON p.id = c.profile_id
 WHERE c.n > 1 AND NOT (
       (c.from_state = 0 AND c.to_state = 1)
    OR (c.from_state = 1 AND c.to_state IN (0, 2, 5))
    OR (c.from_state = 2 AND c.to_state IN (0, 3, 5))
    OR (c.from_state = 3 AND c.to_state IN (4, 5))
    OR (c.from_state = 4 AND c.to_state = 0 AND p.reuse = 1)
    -- schema v6: a transfer to another unit, and its return
    OR (c.from_state = 0 AND c.to_state = 6) OR (c.from_state = 6 AND c.to_state = 0));

-- The chain ends in the profile's current state, with its current holder.
SELECT 'chain end: profile ' || p.id || ' is in state ' || p.state || ', its last audit row says '
       || coalesce(c.to_state, 'nothing')
  FROM profile p LEFT JOIN chain c ON c.profile_id = p.id AND c.n = c.rows_of_profile
 WHERE c.to_state IS NOT p.state;
SELECT 'holder: profile ' || p.id || ' (state ' || p.state || ') held by ' || coalesce(p.eid, 'nobody')
       || ', its last audit row names ' || coalesce(c.eid, 'nobody')
  FROM profile p JOIN chain c ON c.profile_id = p.id AND c.n = c.rows_of_profile
 WHERE p.state IN (1, 2, 3, 4) AND c.eid IS NOT p.eid;
SELECT 'iccid: audit ' || a.seq || ' names ' || a.iccid || ' for profile ' || p.id || ' (' || p.iccid || ')'
  FROM audit a JOIN profile p ON p.id = a.profile_id WHERE a.iccid IS NOT p.iccid;
SELECT 'orphan audit: ' || a.seq || ' names profile ' || a.profile_id
  FROM audit a WHERE NOT EXISTS (SELECT 1 FROM profile p WHERE p.id = a.profile_id);

-- A held profile changes hands only through available: no ICCID bound to two EIDs.
SELECT 'two EIDs: profile ' || profile_id || ' (' || iccid || ') held by ' || prev_eid
       || ', then by ' || coalesce(eid, 'nobody') || ' at audit ' || seq || ' without being released'
  FROM chain WHERE n > 1 AND prev_to IN (1, 2, 3, 4, 5) AND to_state <> 0 AND eid IS NOT prev_eid;
SELECT 'no holder: audit ' || seq || ' moves profile ' || profile_id || ' to ' || to_state
       || ' without an EID'
  FROM chain WHERE to_state IN (1, 2, 3, 4) AND eid IS NULL;

-- A BPP handed out (downloaded) is offered again only after it came back by an allowed path:
-- an install failure of its eUICC (2 -> 0) or a re-offer after delete (4 -> 0).
SELECT 'downloaded twice: profile ' || profile_id || ' (' || iccid || ') to ' || eid
       || ' at audit ' || seq || ', already downloaded at audit ' || prev_download
       || ' and it never came back'
  FROM chain
 WHERE to_state = 2 AND prev_download IS NOT NULL
   AND (prev_return IS NULL OR prev_return < prev_download);

-- The only way back from downloaded: its own eUICC's installation failure (es9 writes the
-- result's codes as the detail), never a release, an expiry or a restart recovery.
SELECT 'came back unreported: profile ' || profile_id || ' (' || iccid || ') downloaded to '
       || coalesce(prev_eid, 'nobody') || ' back to available at audit ' || seq || ' by '
       || actor || ' (' || detail || ')'
  FROM chain
 WHERE from_state = 2 AND to_state = 0
   AND (eid IS NOT prev_eid OR detail IN ('', 'expired', 'session expired'));

-- Counts: every profile was imported once, and the states add up to what was imported.
SELECT 'imports: ' || (SELECT count(*) FROM audit WHERE from_state IS NULL) || ' import rows for '
       || (SELECT count(*) FROM profile) || ' profiles'
 WHERE (SELECT count(*) FROM audit WHERE from_state IS NULL) <> (SELECT count(*) FROM profile)
    OR (SELECT count(DISTINCT profile_id) FROM audit WHERE from_state IS NULL)
       <> (SELECT count(*) FROM profile);
SELECT 'total: ' || (SELECT count(*) FROM profile) || ' profiles ('
       || (SELECT group_concat(state || ':' || k, ' ')
             FROM (SELECT state, count(*) AS k FROM profile GROUP BY state))
       || '), ' || :expect_total || ' imported'
 WHERE :expect_total >= 0
   AND ((SELECT count(*) FROM profile) <> :expect_total
     OR (SELECT sum(k) FROM (SELECT count(*) AS k FROM profile GROUP BY state)) <> :expect_total);
-- Schema v5: sealed ("PDS" 01, 72 bytes longer than the UPP; docs/sealed-stock.md).
SELECT 'upp: profile ' || p.id || ' has no sealed UPP of its length'
  FROM profile p LEFT JOIN upp u ON u.profile_id = p.id
 WHERE u.profile_id IS NULL OR length(u.der) <> p.upp_len + 72
    OR substr(u.der, 1, 4) <> x'50445301';

-- After restart recovery (and with no daemon running) nothing is allocated.
SELECT 'allocation survived: profile ' || id || ' (' || iccid || ') allocated to ' || eid
  FROM profile WHERE state = 1 AND :no_alloc = 1;
