// SPDX-License-Identifier: Apache-2.0
/*
 * The tamper-evident audit (schema v6): on a busy inventory (two threads binding, each with
 * its own connection, signed checkpoints between) inv_audit_verify() passes; then, each on its
 * own copy of that file, one attack as someone with write access to the file would make it
 * (dropping the append-only triggers first): a changed byte in a row or in a link, a deleted
 * row, two rows swapped, rows cut off the end, a chain recomputed after a change, a forged
 * checkpoint, a checkpoint signed by another key. Each is caught, and the row named is the
 * first one that does not fit.
 */
#include <errno.h>
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <cmocka.h>
#include <sqlite3.h>
#include <portdp/accel.h>
#include "inv_internal.h"
#include "testdb.h"

#define PROFILES 240
#define THREADS 2
#define CKPT_EVERY 40 /* bindings per thread between checkpoints */

static const char eid[] = "89049032123451234512345678901235";

static char base[256];     /* the busy inventory, made once */
static char keyfile[300];  /* the unit key (soft) */
static char otherkey[300]; /* someone else's */
static struct pdp_accel *accel;
static struct pdp_key *unit, *other;
static uint8_t unit_pub[PDP_PUBKEY_LEN];
static int64_t base_rows;

static int sign_with(const uint8_t *msg, size_t len, uint8_t sig[64], void *arg)
{
	return pdp_sign(accel, arg, msg, len, sig);
}

static int sign_head(struct inventory *inv, struct pdp_key *key, const char *reason)
{
	uint8_t pub[PDP_PUBKEY_LEN];
	enum pdp_curve curve;

	if (pdp_key_public(key, pub, &curve))
		return -EINVAL;
	return inv_checkpoint_sign(inv, sign_with, key, pub, reason, time(NULL), NULL);
}

struct thr {
	int64_t first, n;
	int err;
};

static void *binder(void *arg)
{
	struct thr *t = arg;
	struct inventory *inv;
	uint8_t tid[16] = {0};
	int64_t i;
	int err;

	err = inv_open(base, INV_SYNC_NORMAL, &inv);
	for (i = 0; !err && i < t->n; i++) {
		int64_t id = t->first + i;

		memcpy(tid, &id, sizeof(id));
		err = inv_allocate(inv, id, eid, tid, 16, time(NULL) + 60);
		if (!err && i % 7 == 3) { /* some go back, as cancelled sessions do */
			err = inv_release(inv, id, tid, 16, "cancelled");
			if (!err)
				err = inv_allocate(inv, id, eid, tid, 16, time(NULL) + 60);
		}
		if (!err)
			err = inv_mark_downloaded(inv, id, tid, 16, &test_euicc_key);
		if (!err)
			err = inv_mark_installed(inv, id, eid);
		if (!err && (i + 1) % CKPT_EVERY == 0)
			err = sign_head(inv, unit, "periodic");
	}
	if (err)
		fprintf(stderr, "# binder: %d %s\n", err, inv_errmsg(inv));
	inv_close(inv);
	t->err = err;
	return NULL;
}

static int check_sig(const struct inv_checkpoint *c, void *arg)
{
	uint8_t msg[INV_CHECKPOINT_MSG_LEN];

	(void)arg;
	if (memcmp(c->signer_pub, unit_pub, sizeof(unit_pub)))
		return 1;
	inv_checkpoint_message(c, msg);
	return pdp_verify(accel, PDP_CURVE_P256, unit_pub, msg, sizeof(msg), c->sig) != 0;
}

/* Any key: UPPs are sealed at rest (schema v5); this test is about the audit chain. */
static const uint8_t stock_key[INV_STOCK_KEY_LEN] = {0xa7, 0xd1, 0x7c};

static int group_setup(void **state)
{
	struct thr t[THREADS];
	pthread_t th[THREADS];
	struct inventory *inv;
	enum pdp_curve curve;
	uint8_t *upp;
	size_t len;
	int64_t i;
	int k;

	(void)state;
	inv_stock_key_set(stock_key);
	if (!test_tmp_db(base) || test_upp_template(&upp, &len) || pdp_accel_open("soft:", &accel))
		return -1;
	snprintf(keyfile, sizeof(keyfile), "file:%s.unit.pem", base);
	snprintf(otherkey, sizeof(otherkey), "file:%s.other.pem", base);
	if (pdp_key_generate(accel, keyfile, PDP_CURVE_P256, &unit) ||
	    pdp_key_generate(accel, otherkey, PDP_CURVE_P256, &other) ||
	    pdp_key_public(unit, unit_pub, &curve))
		return -1;
	if (inv_open(base, INV_SYNC_NORMAL, &inv))
		return -1;
	for (i = 0; i < PROFILES; i++) {
		if (test_upp_set_iccid(upp, len, (uint64_t)i + 1, NULL) ||
		    inv_import(inv, upp, len, NULL, NULL))
			return -1;
	}
	free(upp);
	if (sign_head(inv, unit, "after import"))
		return -1;
	inv_close(inv);
	for (k = 0; k < THREADS; k++) {
		t[k].first = 1 + k * (PROFILES / THREADS);
		t[k].n = PROFILES / THREADS;
		pthread_create(&th[k], NULL, binder, &t[k]);
	}
	for (k = 0; k < THREADS; k++) {
		pthread_join(th[k], NULL);
		if (t[k].err)
			return -1;
	}
	return 0;
}

static int group_teardown(void **state)
{
	char path[320];

	(void)state;
	pdp_key_free(unit);
	pdp_key_free(other);
	pdp_accel_close(accel);
	unlink(keyfile + 5);
	unlink(otherkey + 5);
	snprintf(path, sizeof(path), "%s.copy", base);
	unlink(path);
	test_rm_db(base);
	return 0;
}

static void test_busy_inventory_verifies(void **state)
{
	struct inv_audit_fault f;
	struct inventory *inv;
	unsigned nck = 0;

	(void)state;
	assert_int_equal(inv_open(base, INV_SYNC_NORMAL, &inv), 0);
	assert_int_equal(inv_audit_verify(inv, check_sig, NULL, &f, &base_rows, &nck), 0);
	/* import + 3 per binding + 2 per release and re-allocation */
	assert_true(base_rows >= PROFILES * 4);
	assert_int_equal(nck, 1 + THREADS * (PROFILES / THREADS / CKPT_EVERY));
	inv_close(inv);
}

/* A copy of the busy inventory with @sql applied behind the library's back. */
static void tampered(const char *sql, char *path, size_t size)
{
	char *q, *err = NULL;
	sqlite3 *db;

	snprintf(path, size, "%s.copy", base);
	unlink(path);
	assert_int_equal(sqlite3_open(base, &db), SQLITE_OK);
	q = sqlite3_mprintf("VACUUM INTO %Q", path);
	assert_int_equal(sqlite3_exec(db, q, NULL, NULL, NULL), SQLITE_OK);
	sqlite3_free(q);
	sqlite3_close(db);
	assert_int_equal(sqlite3_open(path, &db), SQLITE_OK);
	/* whoever can write the file can compute links too */
	assert_int_equal(inv_audit_chain_register(db), SQLITE_OK);
	if (sqlite3_exec(db, sql, NULL, NULL, &err) != SQLITE_OK)
		fail_msg("tampering failed: %s", err);
	sqlite3_close(db);
}

/* Verify @sql's copy: caught, with row @seq named. */
static void expect_caught(const char *sql, int64_t seq)
{
	struct inv_audit_fault f;
	struct inventory *inv;
	char path[320];

	tampered(sql, path, sizeof(path));
	assert_int_equal(inv_open(path, INV_SYNC_NORMAL, &inv), 0);
	assert_int_equal(inv_audit_verify(inv, check_sig, NULL, &f, NULL, NULL), -EBADMSG);
	print_message("# caught: %s\n", f.what);
	assert_int_equal(f.seq, seq);
	inv_close(inv);
}

#define UNLOCK                                                                                     \
	"DROP TRIGGER audit_no_update; DROP TRIGGER audit_no_delete;"                              \
	"DROP TRIGGER audit_checkpoint_no_update; DROP TRIGGER audit_checkpoint_no_delete;"

static void test_changed_byte_in_each_column(void **state)
{
	(void)state;
	expect_caught(UNLOCK "UPDATE audit SET detail = 'installeD' WHERE seq = 400", 400);
	expect_caught(UNLOCK "UPDATE audit SET actor = 'Xnventory' WHERE seq = 17", 17);
	expect_caught(UNLOCK "UPDATE audit SET time = time + 1 WHERE seq = 1", 1);
	expect_caught(UNLOCK "UPDATE audit SET to_state = 5 WHERE seq = 600", 600);
	expect_caught(UNLOCK "UPDATE audit SET eid = '89049032123451234512345678901234'"
			     " WHERE seq = 555",
		      555);
	expect_caught(UNLOCK "UPDATE audit SET iccid = '8999000000000000999' WHERE seq = 300",
		      300);
	expect_caught(UNLOCK "UPDATE audit SET profile_id = profile_id + 1000 WHERE seq = 250", 250);
	/* a byte of the link itself */
	expect_caught(UNLOCK "UPDATE audit SET hash = zeroblob(32) WHERE seq = 321", 321);
}

static void test_deleted_row(void **state)
{
	(void)state;
	expect_caught(UNLOCK "DELETE FROM audit WHERE seq = 500", 500);
	/* and the rows after it renumbered to close the gap */
	expect_caught(UNLOCK "DELETE FROM audit WHERE seq = 500;"
			     "UPDATE audit SET seq = seq - 1 WHERE seq > 500",
		      500);
}

static void test_reordered_rows(void **state)
{
	(void)state;
	/* rows 700 and 701 trade places (their contents, under the same seq numbers) */
	expect_caught(UNLOCK "CREATE TEMP TABLE t AS SELECT * FROM audit WHERE seq IN (700, 701);"
			     "UPDATE audit SET (time, profile_id, iccid, from_state, to_state, eid,"
			     " actor, detail) = (SELECT time, profile_id, iccid, from_state,"
			     " to_state, eid, actor, detail FROM t WHERE t.seq = 1401 - audit.seq)"
			     " WHERE seq IN (700, 701)",
		      700);
}

static void test_tail_cut(void **state)
{
	char sql[512];

	(void)state;
	/* the last checkpoint covers the last row: cutting any tail is seen */
	snprintf(sql, sizeof(sql),
		 UNLOCK "DELETE FROM audit WHERE seq > %lld", (long long)base_rows - 5);
	expect_caught(sql, base_rows - 4);
}

static int64_t first_checkpoint_from(int64_t seq)
{
	sqlite3_stmt *st;
	int64_t v = -1;
	sqlite3 *db;

	assert_int_equal(sqlite3_open(base, &db), SQLITE_OK);
	assert_int_equal(sqlite3_prepare_v2(db, "SELECT min(head_seq) FROM audit_checkpoint"
						" WHERE head_seq >= ?", -1, &st, NULL),
			 SQLITE_OK);
	sqlite3_bind_int64(st, 1, seq);
	if (sqlite3_step(st) == SQLITE_ROW && sqlite3_column_type(st, 0) != SQLITE_NULL)
		v = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	sqlite3_close(db);
	return v;
}

static void test_recomputed_chain(void **state)
{
	(void)state;
	/*
	 * Change row 200 and recompute every link after it as the trigger would: each row fits its
	 * links, but not the first signed checkpoint at or after it.
	 */
	expect_caught(UNLOCK "UPDATE audit SET detail = 'forged' WHERE seq = 200;"
			     "CREATE TEMP TABLE t AS WITH RECURSIVE c(seq, hash) AS ("
			     " SELECT seq, hash FROM audit WHERE seq = 199 UNION ALL"
			     " SELECT a.seq, portdp_audit_link(c.hash, a.seq, a.time, a.profile_id,"
			     " a.iccid, a.from_state, a.to_state, a.eid, a.actor, a.detail)"
			     " FROM c JOIN audit a ON a.seq = c.seq + 1)"
			     " SELECT seq, hash FROM c WHERE seq >= 200;"
			     "UPDATE audit SET hash = (SELECT hash FROM t WHERE t.seq = audit.seq)"
			     " WHERE seq >= 200",
		      /* the first signed head at or after row 200 */
		      first_checkpoint_from(200));
}

static void test_forged_checkpoint(void **state)
{
	struct inv_audit_fault f;
	struct inventory *inv;
	char path[320];

	(void)state;
	/* a checkpoint with someone's bytes for a signature */
	tampered(UNLOCK "UPDATE audit_checkpoint SET sig = randomblob(64) WHERE id = 3", path,
		 sizeof(path));
	assert_int_equal(inv_open(path, INV_SYNC_NORMAL, &inv), 0);
	assert_int_equal(inv_audit_verify(inv, check_sig, NULL, &f, NULL, NULL), -EBADMSG);
	print_message("# caught: %s\n", f.what);
	assert_int_equal(f.checkpoint, 3);
	inv_close(inv);
	/* a well-signed checkpoint, by a key that is not the unit's */
	tampered("SELECT 1", path, sizeof(path));
	assert_int_equal(inv_open(path, INV_SYNC_NORMAL, &inv), 0);
	assert_int_equal(sign_head(inv, other, "forged"), 0);
	assert_int_equal(inv_audit_verify(inv, check_sig, NULL, &f, NULL, NULL), -EBADMSG);
	print_message("# caught: %s\n", f.what);
	assert_true(f.checkpoint > 3);
	inv_close(inv);
}

/* An inventory of v4 with audit rows: the migration chains them, in order, and they verify. */
static void test_migration_chains_old_rows(void **state)
{
	struct inv_audit_fault f;
	struct inventory *inv;
	char path[256];
	int64_t rows = 0;
	sqlite3 *db;

	(void)state;
	assert_non_null(test_tmp_db(path));
	assert_int_equal(sqlite3_open(path, &db), SQLITE_OK);
	assert_int_equal(inv_schema_create_old(db, 4), 0);
	assert_int_equal(
	    sqlite3_exec(db,
			 "INSERT INTO profile(iccid, matching_id, profile_class, reuse, upp_len)"
			 " VALUES ('8999000000000000001', 'M1', 2, 0, 1),"
			 "        ('8999000000000000002', 'M2', 2, 0, 1);"
			 "UPDATE profile SET state = 1, eid = '89049032123451234512345678901235',"
			 " transaction_id = x'01', deadline = 4102444800 WHERE id = 1;"
			 "UPDATE profile SET state = 0, eid = NULL, transaction_id = NULL,"
			 " deadline = NULL WHERE id = 1;",
			 NULL, NULL, NULL),
	    SQLITE_OK);
	sqlite3_close(db);
	assert_int_equal(inv_open(path, INV_SYNC_NORMAL, &inv), 0);
	assert_int_equal(inv_audit_verify(inv, NULL, NULL, &f, &rows, NULL), 0);
	assert_int_equal(rows, 4);
	/* and the chain goes on from there */
	assert_int_equal(inv_allocate(inv, 2, eid, (const uint8_t *)"\x02", 1, 4102444800), 0);
	assert_int_equal(inv_audit_verify(inv, NULL, NULL, &f, &rows, NULL), 0);
	assert_int_equal(rows, 5);
	inv_close(inv);
	test_rm_db(path);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_busy_inventory_verifies),
	    cmocka_unit_test(test_changed_byte_in_each_column),
	    cmocka_unit_test(test_deleted_row),
	    cmocka_unit_test(test_reordered_rows),
	    cmocka_unit_test(test_tail_cut),
	    cmocka_unit_test(test_recomputed_chain),
	    cmocka_unit_test(test_forged_checkpoint),
	    cmocka_unit_test(test_migration_chains_old_rows),
	};

	cmocka_set_message_output(CM_OUTPUT_TAP);
	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
