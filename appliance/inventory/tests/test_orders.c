// SPDX-License-Identifier: Apache-2.0
/*
 * Orders in the inventory (schema v4): operators, owned imports, the order state machine and
 * its audit rows, EID pre-assignment enforced by the database, recorded ES2+ answers, the
 * database's own guards against raw SQL, migration from every older schema, and a kill -9
 * in the middle of orders.
 */
#include <errno.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <time.h>
#include <unistd.h>
#include <sqlite3.h>
#include <cmocka.h>
#include "inv_internal.h"
#include "inventory.h"
#include "testdb.h"

#define EID_A "89049032123451234512345678901235"
#define EID_B "89049032123451234512345678909999"
#define FAR_DEADLINE 4102444800LL
static const uint8_t TID1[2] = {0x01, 0x01}, TID2[2] = {0x02, 0x02};

struct fx {
	char path[256];
	struct inventory *inv;
	uint8_t *upp;
	size_t upp_len;
	uint64_t next_serial;
};

static int exec_sql(const char *path, const char *sql)
{
	sqlite3 *db;
	int rc;

	assert_int_equal(sqlite3_open(path, &db), SQLITE_OK);
	sqlite3_exec(db, "PRAGMA foreign_keys = ON", NULL, NULL, NULL);
	rc = sqlite3_exec(db, sql, NULL, NULL, NULL);
	sqlite3_close(db);
	return rc;
}

static long long sql_int(const char *path, const char *sql)
{
	sqlite3_stmt *st;
	sqlite3 *db;
	long long v = -1;

	assert_int_equal(sqlite3_open(path, &db), SQLITE_OK);
	assert_int_equal(sqlite3_prepare_v2(db, sql, -1, &st, NULL), SQLITE_OK);
	if (sqlite3_step(st) == SQLITE_ROW)
		v = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	sqlite3_close(db);
	return v;
}

static void add_operator(struct inventory *inv, const char *name)
{
	struct inv_operator op = {0};

	snprintf(op.name, sizeof(op.name), "%s", name);
	snprintf(op.subject, sizeof(op.subject), "CN=%s,O=Test Operator", name);
	snprintf(op.callback_url, sizeof(op.callback_url), "https://127.0.0.1:1/%s", name);
	assert_int_equal(inv_operator_add(inv, &op), 0);
}

static int setup(void **state)
{
	struct fx *fx = calloc(1, sizeof(*fx));

	if (!fx || !test_tmp_db(fx->path) || test_upp_template(&fx->upp, &fx->upp_len) ||
	    inv_open(fx->path, INV_SYNC_NORMAL, &fx->inv))
		return -1;
	add_operator(fx->inv, "opA");
	add_operator(fx->inv, "opB");
	*state = fx;
	return 0;
}

static int teardown(void **state)
{
	struct fx *fx = *state;

	inv_close(fx->inv);
	test_rm_db(fx->path);
	free(fx->upp);
	free(fx);
	return 0;
}

static int64_t add_profile(struct fx *fx, const char *owner, const char *type)
{
	struct inv_import opt = {.profile_class = -1, .owner = owner, .profile_type = type};
	struct inv_profile p;

	assert_int_equal(test_upp_set_iccid(fx->upp, fx->upp_len, ++fx->next_serial, NULL), 0);
	assert_int_equal(inv_import(fx->inv, fx->upp, fx->upp_len, &opt, &p), 0);
	return p.id;
}

static struct inv_profile get(struct fx *fx, int64_t id)
{
	struct inv_profile p;

	assert_int_equal(inv_get_by_id(fx->inv, id, &p), 0);
	return p;
}

struct audit_find {
	int64_t id;
	char detail[128];
	char eid[33];
	unsigned rows;
};

static int audit_cb(const struct inv_audit *a, void *arg)
{
	struct audit_find *f = arg;

	if (a->profile_id == f->id) {
		snprintf(f->detail, sizeof(f->detail), "%s", a->detail);
		snprintf(f->eid, sizeof(f->eid), "%s", a->eid);
		f->rows++;
	}
	return 0;
}

static struct audit_find last_audit(struct inventory *inv, int64_t id)
{
	struct audit_find f = {.id = id};

	assert_int_equal(inv_audit(inv, 0, audit_cb, &f), 0);
	return f;
}

static void test_operators(void **state)
{
	struct fx *fx = *state;
	struct inv_operator op = {0}, got;

	assert_int_equal(inv_operator_get(fx->inv, "opA", &got), 0);
	assert_string_equal(got.subject, "CN=opA,O=Test Operator");
	assert_int_equal(inv_operator_by_subject(fx->inv, "CN=opB,O=Test Operator", &got), 0);
	assert_string_equal(got.name, "opB");
	assert_int_equal(inv_operator_by_subject(fx->inv, "CN=nobody", &got), -ENOENT);
	/* taken name, taken subject, bad name, bad URL: refused, nothing added */
	strcpy(op.name, "opA");
	strcpy(op.subject, "CN=other");
	assert_int_equal(inv_operator_add(fx->inv, &op), -EEXIST);
	strcpy(op.name, "opC");
	strcpy(op.subject, "CN=opA,O=Test Operator");
	assert_int_equal(inv_operator_add(fx->inv, &op), -EEXIST);
	strcpy(op.subject, "CN=opC");
	strcpy(op.callback_url, "http://plain");
	assert_int_equal(inv_operator_add(fx->inv, &op), -EINVAL);
	strcpy(op.callback_url, "");
	strcpy(op.name, "bad name");
	assert_int_equal(inv_operator_add(fx->inv, &op), -EINVAL);
	assert_int_equal(sql_int(fx->path, "SELECT count(*) FROM operator"), 2);
	assert_int_equal(inv_operator_set_paused(fx->inv, "opA", 1), 0);
	assert_int_equal(inv_operator_get(fx->inv, "opA", &got), 0);
	assert_int_equal(got.paused, 1);
	assert_int_equal(inv_operator_set_paused(fx->inv, "nobody", 1), -ENOENT);
	assert_int_not_equal(
	    exec_sql(fx->path, "UPDATE operator SET name = 'x' WHERE name = 'opB'"), SQLITE_OK);
}

/* Owned stock is not downloadable until ordered, confirmed and released. */
static void test_owned_import_not_downloadable(void **state)
{
	struct fx *fx = *state;
	struct inv_import opt = {.profile_class = -1, .owner = "nobody"};
	struct inv_profile p;
	int64_t direct, owned, got;
	unsigned n;

	owned = add_profile(fx, "opA", "typeX");
	direct = add_profile(fx, NULL, NULL);
	p = get(fx, owned);
	assert_string_equal(p.owner, "opA");
	assert_string_equal(p.profile_type, "typeX");
	assert_int_equal(p.order, INV_ORDER_UNORDERED);
	assert_int_equal(get(fx, direct).order, INV_ORDER_DIRECT);
	assert_int_equal(test_upp_set_iccid(fx->upp, fx->upp_len, ++fx->next_serial, NULL), 0);
	assert_int_equal(inv_import(fx->inv, fx->upp, fx->upp_len, &opt, NULL), -ENOENT);
	opt.owner = "opA";
	opt.profile_type = "bad\ttype";
	assert_int_equal(inv_import(fx->inv, fx->upp, fx->upp_len, &opt, NULL), -EINVAL);
	assert_int_equal(inv_count(fx->inv, -1, &n), 0);
	assert_int_equal(n, 2);

	assert_int_equal(inv_allocate(fx->inv, owned, EID_A, TID1, 2, FAR_DEADLINE), -EBUSY);
	/* the default flow takes direct stock only, even when the owned one is older */
	assert_int_equal(inv_allocate_any(fx->inv, EID_A, TID1, 2, FAR_DEADLINE, &got), 0);
	assert_int_equal(got, direct);
	assert_int_equal(inv_allocate_any(fx->inv, EID_A, TID2, 2, FAR_DEADLINE, &got), -ENOENT);
}

static void test_order_happy_path_and_eid(void **state)
{
	struct fx *fx = *state;
	int64_t id = add_profile(fx, "opA", "typeX");
	struct audit_find f;
	struct inv_profile p;
	uint8_t expect[32], got[32];

	assert_int_equal(inv_set_actor(fx->inv, "es2plus"), 0);
	assert_int_equal(inv_order_reserve(fx->inv, id, "89049032123451234512345678901235"), 0);
	p = get(fx, id);
	assert_int_equal(p.order, INV_ORDER_RESERVED);
	assert_string_equal(p.order_eid, EID_A);
	f = last_audit(fx->inv, id);
	assert_string_equal(f.detail, "order unordered->reserved");
	assert_string_equal(f.eid, EID_A);
	/* another EID at confirm is refused and changes nothing */
	assert_int_equal(inv_order_confirm(fx->inv, id, EID_B, "MID-1", "1234", 0), -EBUSY);
	assert_int_equal(get(fx, id).order, INV_ORDER_RESERVED);
	assert_int_equal(inv_order_confirm(fx->inv, id, EID_A, "MID-1", "1234", 0), 0);
	p = get(fx, id);
	assert_int_equal(p.order, INV_ORDER_CONFIRMED);
	assert_string_equal(p.matching_id, "MID-1");
	assert_true(p.cc_required);
	assert_int_equal(inv_hash_cc("1234", expect), 0);
	memcpy(got, p.cc_hash, 32);
	assert_memory_equal(got, expect, 32);
	/* confirmed but not released: no session may take it */
	assert_int_equal(inv_allocate(fx->inv, id, EID_A, TID1, 2, FAR_DEADLINE), -EBUSY);
	assert_int_equal(inv_order_release(fx->inv, id), 0);
	assert_string_equal(last_audit(fx->inv, id).detail, "order confirmed->released");
	/* released for EID A only */
	assert_int_equal(inv_allocate(fx->inv, id, EID_B, TID1, 2, FAR_DEADLINE), -EBUSY);
	assert_int_equal(inv_allocate(fx->inv, id, EID_A, TID1, 2, FAR_DEADLINE), 0);
	/* a session holds it: no order change */
	assert_int_equal(inv_order_cancel(fx->inv, id, 1, "test"), -EBUSY);
	assert_int_equal(inv_mark_downloaded(fx->inv, id, TID1, 2, &test_euicc_key), 0);
	assert_int_equal(inv_mark_installed(fx->inv, id, EID_A), 0);
	assert_int_equal(get(fx, id).order, INV_ORDER_RELEASED);
}

static void test_order_wrong_states(void **state)
{
	struct fx *fx = *state;
	int64_t a = add_profile(fx, "opA", "typeX"), b = add_profile(fx, "opA", "typeX");
	struct inv_profile p;
	unsigned rows;

	rows = last_audit(fx->inv, a).rows;
	assert_int_equal(inv_order_confirm(fx->inv, a, NULL, NULL, NULL, 1), -EBUSY);
	assert_int_equal(inv_order_release(fx->inv, a), -EBUSY);
	assert_int_equal(inv_order_cancel(fx->inv, a, 1, NULL), -EBUSY);
	assert_int_equal(inv_order_reserve(fx->inv, a, "not-an-eid"), -EINVAL);
	assert_int_equal(last_audit(fx->inv, a).rows, rows);

	/* reserve without EID, confirm gives it; generated matching ID; release flag */
	assert_int_equal(inv_order_reserve(fx->inv, a, NULL), 0);
	assert_int_equal(inv_order_reserve(fx->inv, a, NULL), -EBUSY);
	assert_int_equal(inv_order_confirm(fx->inv, a, EID_B, NULL, NULL, 1), 0);
	p = get(fx, a);
	assert_int_equal(p.order, INV_ORDER_RELEASED);
	assert_string_equal(p.order_eid, EID_B);
	assert_int_equal(strlen(p.matching_id), 23);
	assert_false(p.cc_required);
	assert_int_equal(inv_order_release(fx->inv, a), -EBUSY);

	/* a matching ID in use is refused, nothing changes */
	assert_int_equal(inv_order_reserve(fx->inv, b, NULL), 0);
	assert_int_equal(inv_order_confirm(fx->inv, b, NULL, p.matching_id, NULL, 0), -EEXIST);
	assert_int_equal(get(fx, b).order, INV_ORDER_RESERVED);
	assert_int_equal(inv_order_confirm(fx->inv, b, NULL, "MID-B", "x\n", 0), -EINVAL);

	/* cancel to available: unordered, EID and code gone, a new placeholder matching ID */
	assert_int_equal(inv_order_cancel(fx->inv, a, 1, "operator said so"), 0);
	assert_string_equal(last_audit(fx->inv, a).detail,
			    "order released->unordered: operator said so");
	p = get(fx, a);
	assert_int_equal(p.order, INV_ORDER_UNORDERED);
	assert_string_equal(p.order_eid, "");
	assert_int_equal(inv_get_by_matching_id(fx->inv, "MID-B", &p), -ENOENT);
	/* cancel to unavailable: for good */
	assert_int_equal(inv_order_cancel(fx->inv, b, 0, NULL), 0);
	assert_int_equal(get(fx, b).order, INV_ORDER_UNAVAILABLE);
	assert_int_equal(inv_order_reserve(fx->inv, b, NULL), -EBUSY);
	assert_int_equal(inv_order_cancel(fx->inv, b, 1, NULL), -EBUSY);
	assert_int_equal(inv_allocate(fx->inv, b, EID_A, TID1, 2, FAR_DEADLINE), -EBUSY);
	/* direct stock has no orders */
	a = add_profile(fx, NULL, NULL);
	assert_int_equal(inv_order_reserve(fx->inv, a, NULL), -EBUSY);
	assert_int_equal(inv_order_cancel(fx->inv, a, 0, NULL), -EBUSY);
}

/* The default flow (no matching ID): a profile released for this EID first, then direct stock. */
static void test_default_flow_prefers_preassigned(void **state)
{
	struct fx *fx = *state;
	int64_t direct = add_profile(fx, NULL, NULL), unreleased = add_profile(fx, "opA", "t");
	int64_t released = add_profile(fx, "opA", "t"), other = add_profile(fx, "opA", "t");
	int64_t got;

	assert_int_equal(inv_order_reserve(fx->inv, unreleased, EID_A), 0);
	assert_int_equal(inv_order_confirm(fx->inv, unreleased, NULL, NULL, NULL, 0), 0);
	assert_int_equal(inv_order_reserve(fx->inv, released, EID_A), 0);
	assert_int_equal(inv_order_confirm(fx->inv, released, NULL, NULL, NULL, 1), 0);
	assert_int_equal(inv_order_reserve(fx->inv, other, EID_B), 0);
	assert_int_equal(inv_order_confirm(fx->inv, other, NULL, NULL, NULL, 1), 0);
	assert_int_equal(inv_allocate_any(fx->inv, EID_A, TID1, 2, FAR_DEADLINE, &got), 0);
	assert_int_equal(got, released);
	/* nothing else released for A: the older direct stock, never B's or the unreleased */
	assert_int_equal(inv_allocate_any(fx->inv, EID_A, TID2, 2, FAR_DEADLINE, &got), 0);
	assert_int_equal(got, direct);
	assert_int_equal(
	    inv_allocate_any(fx->inv, EID_A, (const uint8_t *)"\x03\x03", 2, FAR_DEADLINE, &got),
	    -ENOENT);
	assert_int_equal(get(fx, unreleased).state, INV_AVAILABLE);
	assert_int_equal(get(fx, other).state, INV_AVAILABLE);
}

static void test_reserve_by_type(void **state)
{
	struct fx *fx = *state;
	int64_t x1 = add_profile(fx, "opA", "typeX"), y1 = add_profile(fx, "opA", "typeY");
	int64_t bx = add_profile(fx, "opB", "typeX"), x2 = add_profile(fx, "opA", "typeX");
	int64_t id;

	(void)y1;
	(void)bx;
	assert_int_equal(inv_order_reserve_type(fx->inv, "opA", "typeX", EID_A, &id), 0);
	assert_int_equal(id, x1);
	assert_int_equal(inv_order_reserve_type(fx->inv, "opA", "typeX", NULL, &id), 0);
	assert_int_equal(id, x2);
	/* opB's typeX is not opA's */
	assert_int_equal(inv_order_reserve_type(fx->inv, "opA", "typeX", NULL, &id), -ENOENT);
	assert_int_equal(inv_order_reserve_type(fx->inv, "opA", "typeZ", NULL, &id), -ENOENT);
	assert_string_equal(get(fx, x1).order_eid, EID_A);
}

static void test_reoffer_of_ordered_profile(void **state)
{
	struct fx *fx = *state;
	struct inv_import opt = {
	    .profile_class = -1, .owner = "opA", .reuse = INV_REUSE_AFTER_DELETE};
	struct inv_profile p;

	assert_int_equal(test_upp_set_iccid(fx->upp, fx->upp_len, ++fx->next_serial, NULL), 0);
	assert_int_equal(inv_import(fx->inv, fx->upp, fx->upp_len, &opt, &p), 0);
	assert_int_equal(inv_order_reserve(fx->inv, p.id, EID_A), 0);
	assert_int_equal(inv_order_confirm(fx->inv, p.id, NULL, "MID-R", NULL, 1), 0);
	assert_int_equal(inv_allocate(fx->inv, p.id, EID_A, TID1, 2, FAR_DEADLINE), 0);
	assert_int_equal(inv_mark_downloaded(fx->inv, p.id, TID1, 2, &test_euicc_key), 0);
	assert_int_equal(inv_mark_installed(fx->inv, p.id, EID_A), 0);
	assert_int_equal(inv_mark_deleted(fx->inv, p.id, EID_A), 0);
	/* back in stock, but unordered again: the old matching ID and EID are gone */
	p = get(fx, p.id);
	assert_int_equal(p.state, INV_AVAILABLE);
	assert_int_equal(p.order, INV_ORDER_UNORDERED);
	assert_string_equal(p.order_eid, "");
	assert_string_not_equal(p.matching_id, "MID-R");
	assert_int_equal(inv_allocate(fx->inv, p.id, EID_A, TID2, 2, FAR_DEADLINE), -EBUSY);
}

static void test_es2_calls(void **state)
{
	struct fx *fx = *state;
	uint8_t h[32] = {1, 2, 3}, got[32];
	char *resp = NULL;

	assert_int_equal(inv_es2_call_get(fx->inv, "opA", "call-1", got, &resp), -ENOENT);
	assert_int_equal(
	    inv_es2_call_put(fx->inv, "opA", "call-1", "downloadOrder", h, "{\"a\":1}"), 0);
	assert_int_equal(inv_es2_call_put(fx->inv, "opA", "call-1", "downloadOrder", h, "{}"),
			 -EEXIST);
	/* the same identifier of another operator is another call */
	assert_int_equal(inv_es2_call_put(fx->inv, "opB", "call-1", "downloadOrder", h, "{}"), 0);
	assert_int_equal(inv_es2_call_get(fx->inv, "opA", "call-1", got, &resp), 0);
	assert_memory_equal(got, h, 32);
	assert_string_equal(resp, "{\"a\":1}");
	free(resp);
	assert_int_not_equal(exec_sql(fx->path, "UPDATE es2_call SET response = 'x'"), SQLITE_OK);
	assert_int_not_equal(
	    exec_sql(fx->path,
		     "INSERT INTO es2_call VALUES ('nobody', 'c', 'f', zeroblob(32), '')"),
	    SQLITE_OK);
}

/* Answers older than the retention go, in batches; younger ones stay and still answer. */
static void test_es2_call_prune(void **state)
{
	struct fx *fx = *state;
	uint8_t h[32] = {7}, got[32];
	int64_t now = time(NULL);
	unsigned n = 99;
	char *resp = NULL;

	assert_int_equal(inv_es2_call_put(fx->inv, "opA", "young", "downloadOrder", h, "{}"), 0);
	/* 1201 answers of an hour ago (more than one batch), both operators */
	assert_int_equal(
	    exec_sql(fx->path,
		     "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 1200)"
		     " INSERT INTO es2_call(operator, call_id, function, request_hash, response, time)"
		     " SELECT CASE i % 2 WHEN 0 THEN 'opA' ELSE 'opB' END, 'old-' || i, 'f',"
		     " zeroblob(32), '{}', unixepoch() - 3600 FROM n;"
		     "INSERT INTO es2_call VALUES ('opA', 'older', 'f', zeroblob(32), '{}',"
		     " unixepoch() - 7200)"),
	    SQLITE_OK);
	assert_int_equal(sql_int(fx->path, "SELECT count(*) FROM es2_call"), 1202);
	/* a retention of two hours keeps everything but the oldest */
	assert_int_equal(inv_es2_call_prune(fx->inv, now - 7000, &n), 0);
	assert_int_equal(n, 1);
	assert_int_equal(inv_es2_call_get(fx->inv, "opA", "older", got, &resp), -ENOENT);
	/* ten minutes: only the young one stays */
	assert_int_equal(inv_es2_call_prune(fx->inv, now - 600, &n), 0);
	assert_int_equal(n, 1200);
	assert_int_equal(sql_int(fx->path, "SELECT count(*) FROM es2_call"), 1);
	assert_int_equal(inv_es2_call_get(fx->inv, "opA", "young", got, &resp), 0);
	free(resp);
	assert_int_equal(inv_es2_call_get(fx->inv, "opB", "old-1", got, &resp), -ENOENT);
	/* nothing left to prune */
	assert_int_equal(inv_es2_call_prune(fx->inv, now - 600, &n), 0);
	assert_int_equal(n, 0);
}

/* An eUICC notification (eid, seqNumber) is taken once; the record is immutable. */
static void test_notification_record(void **state)
{
	struct fx *fx = *state;
	int64_t id = add_profile(fx, "opA", "typeX");

	assert_int_equal(inv_notification_record(fx->inv, EID_A, 5, id, 1), 0);
	assert_int_equal(inv_notification_record(fx->inv, EID_A, 5, id, 1), -EEXIST);
	/* the same number from another eUICC, or the next one, is another notification */
	assert_int_equal(inv_notification_record(fx->inv, EID_B, 5, id, 2), 0);
	assert_int_equal(inv_notification_record(fx->inv, EID_A, 6, id, 2), 0);
	assert_int_equal(inv_notification_record(fx->inv, EID_A, UINT64_MAX, id, 2), -EINVAL);
	assert_int_not_equal(inv_notification_record(fx->inv, "not-an-eid", 1, id, 1), 0);
	assert_int_not_equal(inv_notification_record(fx->inv, EID_A, 7, id, 9), 0);
	assert_int_equal(sql_int(fx->path, "SELECT count(*) FROM euicc_notification"), 3);
	assert_int_not_equal(exec_sql(fx->path, "UPDATE euicc_notification SET event = 2"),
			     SQLITE_OK);
}

/* Raw SQL cannot break the order rules either. */
static void test_database_guards(void **state)
{
	struct fx *fx = *state;
	int64_t id = add_profile(fx, "opA", "typeX");
	char sql[256];

	assert_int_equal(inv_order_reserve(fx->inv, id, EID_A), 0);
#define REFUSED(fmt)                                                                               \
	do {                                                                                       \
		snprintf(sql, sizeof(sql), fmt, (long long)id);                                    \
		assert_int_not_equal(exec_sql(fx->path, sql), SQLITE_OK);                          \
	} while (0)
	REFUSED("UPDATE profile SET owner = 'opB' WHERE id = %lld");
	REFUSED("UPDATE profile SET owner = NULL WHERE id = %lld");
	REFUSED("UPDATE profile SET profile_type = 'typeY' WHERE id = %lld");
	REFUSED("UPDATE profile SET ord = 1, order_eid = '" EID_A "' WHERE id = %lld");
	REFUSED("UPDATE profile SET ord = 0 WHERE id = %lld");
	REFUSED("UPDATE profile SET order_eid = '" EID_B "' WHERE id = %lld");
	REFUSED("UPDATE profile SET matching_id = 'X' WHERE id = %lld");
	REFUSED("UPDATE profile SET state = 1, eid = '" EID_A "', transaction_id = x'01',"
		" deadline = 1 WHERE id = %lld");
	REFUSED("UPDATE profile SET ord = 6 WHERE id = %lld");
	REFUSED("UPDATE profile SET owner = 'nobody' WHERE id = %lld");
	assert_int_not_equal(exec_sql(fx->path,
				      "INSERT INTO profile(iccid, matching_id,"
				      " profile_class, reuse, owner, ord)"
				      " VALUES ('8999000000000009999', 'M9', 2, 0, 'opA', 0)"),
			     SQLITE_OK);
	assert_int_not_equal(exec_sql(fx->path, "INSERT INTO profile(iccid, matching_id,"
						" profile_class, reuse, ord)"
						" VALUES ('8999000000000009999', 'M9', 2, 0, 4)"),
			     SQLITE_OK);
	/* released for EID A: a raw allocation for B is refused by the database too */
	assert_int_equal(inv_order_confirm(fx->inv, id, NULL, "MID-G", NULL, 1), 0);
	REFUSED("UPDATE profile SET state = 1, eid = '" EID_B "', transaction_id = x'01',"
		" deadline = 1 WHERE id = %lld");
	assert_string_equal(get(fx, id).order_eid, EID_A);
#undef REFUSED
}

/* A database of every older schema opens as v4: its rows are direct stock, as before. */
static void check_migration_from(int version)
{
	struct inv_profile p;
	struct inventory *inv;
	char path[256], sql[512];
	int64_t id;
	sqlite3 *db;

	assert_non_null(test_tmp_db(path));
	assert_int_equal(sqlite3_open(path, &db), SQLITE_OK);
	assert_int_equal(sqlite3_exec(db, "PRAGMA journal_mode = WAL", NULL, NULL, NULL),
			 SQLITE_OK);
	assert_int_equal(inv_schema_create_old(db, version), 0);
	sqlite3_close(db);
	snprintf(sql, sizeof(sql),
		 "INSERT INTO profile(iccid, matching_id, profile_class, reuse%s)"
		 "  VALUES ('8999000000000000011', 'OLD-1', 2, 0%s);"
		 "INSERT INTO upp VALUES (1, x'00');",
		 version >= 2 ? ", upp_len" : "", version >= 2 ? ", 1" : "");
	assert_int_equal(exec_sql(path, sql), SQLITE_OK);
	assert_int_equal(inv_open(path, INV_SYNC_FULL, &inv), 0);
	assert_int_equal(sql_int(path, "PRAGMA user_version"), 8);
	assert_int_equal(inv_get_by_matching_id(inv, "OLD-1", &p), 0);
	assert_int_equal(p.order, INV_ORDER_DIRECT);
	assert_string_equal(p.owner, "");
	assert_int_equal(inv_allocate_any(inv, EID_A, TID1, 2, FAR_DEADLINE, &id), 0);
	assert_int_equal(id, 1);
	add_operator(inv, "opA");
	inv_close(inv);
	test_rm_db(path);
}

static void test_migration_to_v4(void **state)
{
	(void)state;
	check_migration_from(1);
	check_migration_from(2);
	check_migration_from(3);
}

/*
 * v7 -> v8: the order-by-type index holds only unordered profiles, and downloadOrder by type
 * still takes the lowest unordered one of its owner and type. The v7 file is this one with
 * v7's index back (v8 changes nothing else). A crash during the migration: test-sealed's kill
 * during the v4 -> v8 migration, which is one transaction.
 */
static void test_migration_to_v8(void **state)
{
	struct fx *fx = *state;
	int64_t a = add_profile(fx, "opA", "T"), b = add_profile(fx, "opA", "T");
	int64_t c = add_profile(fx, "opA", "T"), d = add_profile(fx, "opB", "T"), id;

	assert_int_equal(inv_order_reserve(fx->inv, a, NULL), 0);
	assert_int_equal(inv_order_reserve(fx->inv, b, NULL), 0);
	assert_int_equal(inv_order_cancel(fx->inv, b, 0, "gone"), 0);
	inv_close(fx->inv);
	fx->inv = NULL;
	assert_int_equal(exec_sql(fx->path, "BEGIN;"
					    "DROP INDEX profile_unordered;"
					    "CREATE INDEX profile_order_type"
					    "  ON profile(owner, profile_type, ord, id)"
					    "  WHERE owner IS NOT NULL;"
					    "PRAGMA user_version = 7;"
					    "COMMIT"),
			 SQLITE_OK);
	assert_int_equal(inv_open(fx->path, INV_SYNC_FULL, &fx->inv), 0);
	assert_int_equal(sql_int(fx->path, "PRAGMA user_version"), 8);
	assert_int_equal(sql_int(fx->path, "SELECT count(*) FROM sqlite_master"
					   " WHERE name = 'profile_order_type'"),
			 0);
	assert_int_equal(sql_int(fx->path, "SELECT count(*) FROM profile"
					   " INDEXED BY profile_unordered WHERE ord = 1"),
			 2);
	/* a is reserved, b unavailable: opA's unordered profile of type T is c */
	assert_int_equal(inv_order_reserve_type(fx->inv, "opA", "T", NULL, &id), 0);
	assert_int_equal(id, c);
	assert_int_equal(inv_order_reserve_type(fx->inv, "opA", "T", NULL, &id), -ENOENT);
	assert_int_equal(sql_int(fx->path, "SELECT count(*) FROM profile"
					   " INDEXED BY profile_unordered WHERE ord = 1"),
			 1);
	/* confirmed and released: still out of it; a cancel back to unordered puts it in again */
	assert_int_equal(inv_order_confirm(fx->inv, c, NULL, "MID-V8", NULL, 1), 0);
	assert_int_equal(inv_order_cancel(fx->inv, c, 1, "back"), 0);
	assert_int_equal(inv_order_reserve_type(fx->inv, "opA", "T", NULL, &id), 0);
	assert_int_equal(id, c);
	assert_int_equal(inv_order_reserve_type(fx->inv, "opB", "T", NULL, &id), 0);
	assert_int_equal(id, d);
}

/*
 * kill -9 in the middle of orders (FULL sync): each profile's order state is the one its last
 * order audit row names, and each recorded answer's change is there (they commit together).
 */
static void test_kill_during_orders(void **state)
{
	struct fx *fx = *state;
	enum { N = 20 };
	int64_t ids[N];
	struct timespec ts = {0, 300 * 1000000L};
	pid_t pid;
	int i, status;

	for (i = 0; i < N; i++)
		ids[i] = add_profile(fx, "opA", "typeX");
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		struct inventory *inv;
		uint8_t h[32] = {0};
		char call[32];
		unsigned round;

		if (inv_open(fx->path, INV_SYNC_FULL, &inv))
			_exit(2);
		for (round = 0;; round++) {
			int64_t id = ids[round % N];
			int err;

			snprintf(call, sizeof(call), "c%u", round);
			if (inv_begin(inv))
				_exit(3);
			switch ((round / N) % 4) {
			case 0:
				err = inv_order_reserve(inv, id, EID_A);
				break;
			case 1:
				err = inv_order_confirm(inv, id, NULL, NULL, NULL, 0);
				break;
			case 2:
				err = inv_order_release(inv, id);
				break;
			default:
				err = inv_order_cancel(inv, id, 1, NULL);
			}
			if (!err)
				err = inv_es2_call_put(inv, "opA", call, "f", h, "{}");
			if (err || inv_commit(inv))
				_exit(4);
		}
	}
	nanosleep(&ts, NULL);
	kill(pid, SIGKILL);
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFSIGNALED(status));

	inv_close(fx->inv);
	assert_int_equal(inv_open(fx->path, INV_SYNC_NORMAL, &fx->inv), 0);
	assert_int_equal(sql_int(fx->path, "SELECT count(*) FROM pragma_integrity_check"
					   " WHERE integrity_check != 'ok'"),
			 0);
	for (i = 0; i < N; i++) {
		struct inv_profile p = get(fx, ids[i]);
		struct audit_find f = last_audit(fx->inv, ids[i]);
		const char *arrow = strstr(f.detail, "->");

		if (p.order == INV_ORDER_UNORDERED && !arrow)
			continue; /* never ordered: only its import row */
		assert_non_null(arrow);
		assert_string_equal(arrow + 2, inv_order_name(p.order));
	}
	/* one recorded answer per committed order change */
	assert_int_equal(
	    sql_int(fx->path, "SELECT count(*) FROM es2_call"),
	    sql_int(fx->path, "SELECT count(*) FROM audit WHERE detail LIKE 'order %'"));
	print_message("# %lld order changes committed before the kill\n",
		      sql_int(fx->path, "SELECT count(*) FROM es2_call"));
}

/* Any 32 bytes: the stock key of this test's inventories. */
static const uint8_t test_stock_key[INV_STOCK_KEY_LEN] = {0x5e, 0xa1, 0xed};

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown(test_operators, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_owned_import_not_downloadable, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_order_happy_path_and_eid, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_order_wrong_states, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_reserve_by_type, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_default_flow_prefers_preassigned, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_reoffer_of_ordered_profile, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_es2_calls, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_es2_call_prune, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_notification_record, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_database_guards, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_migration_to_v4, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_migration_to_v8, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_kill_during_orders, setup, teardown),
	};

	cmocka_set_message_output(CM_OUTPUT_TAP);
	inv_stock_key_set(test_stock_key); /* UPPs are sealed at rest (schema v5) */
	return cmocka_run_group_tests(tests, NULL, NULL);
}
