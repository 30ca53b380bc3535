// SPDX-License-Identifier: Apache-2.0
/*
 * Crash safety of the inventory. A child process runs random transitions
 * (single ones and group commits) on a real database file and is SIGKILLed
 * at a random moment, many times over. After each kill the parent reopens
 * the file and checks the invariants of inventory.h:
 *  - SQLite integrity check passes; every profile exists exactly once;
 *  - each profile's audit trail is a chain of allowed transitions whose last
 *    `to` is the profile's state;
 *  - a profile is held by one EID from allocation until it is available
 *    again, and an open transactionId holds at most one profile;
 *  - every transition the child saw committed is in the audit log;
 *  - restart recovery (inv_expire) releases allocations and never a download.
 * Prints TAP.
 */
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include <sqlite3.h>
#include "inventory.h"
#include "testdb.h"

#define N_PROFILES 48
#define ROUNDS 60
#define MAX_KILL_DELAY_US 25000

static const char *const eids[] = {
    "89049032123451234512345678901235",
    "89049032123451234512345678900001",
    "89049032123451234512345678900002",
    "89049032123451234512345678900003",
};

enum check { C_OPEN, C_INTEGRITY, C_ONCE, C_TRAIL, C_HOLDER, C_DURABLE, C_RECOVERY, C_MAX };
static const char *const check_names[C_MAX] = {
    "database opens after every SIGKILL",
    "SQLite integrity_check passes after every SIGKILL",
    "every profile exists exactly once",
    "audit trail is a chain of allowed transitions ending in the state",
    "a profile is held by one EID/transaction at a time",
    "every transition the child saw committed survived",
    "restart recovery releases allocations, never downloads",
};
static unsigned failures[C_MAX];

#define FAIL(c, ...)                                                                               \
	do {                                                                                       \
		failures[c]++;                                                                     \
		printf("# round %d: ", round_no);                                                  \
		printf(__VA_ARGS__);                                                               \
		printf("\n");                                                                      \
	} while (0)

static int round_no;

/* ---- child: random work until killed ---- */

static void report(int fd, uint32_t rows)
{
	/* a 4-byte pipe write is atomic: the parent sees whole reports only */
	if (rows && write(fd, &rows, sizeof(rows)) != sizeof(rows))
		_exit(5);
}

/* One random transition on a random profile; returns the audit rows written, <0 on error. */
static int random_step(struct inventory *inv, unsigned *seed, uint64_t *tid_ctr)
{
	struct inv_profile p;
	int64_t id = 1 + rand_r(seed) % N_PROFILES;
	const char *eid = eids[rand_r(seed) % 4];
	uint8_t tid[16] = {0};
	int r = rand_r(seed) % 100, err;
	unsigned released;

	if (r < 3) {
		err = inv_expire(inv, time(NULL), &released);
		return err ? err : (int)released;
	}
	err = inv_get_by_id(inv, id, &p);
	if (err)
		return err;
	switch (p.state) {
	case INV_AVAILABLE:
		++*tid_ctr;
		memcpy(tid, tid_ctr, sizeof(*tid_ctr));
		memcpy(tid + 8, &(pid_t){getpid()}, sizeof(pid_t));
		/* some allocations are already past their deadline: food for inv_expire */
		err = inv_allocate(inv, id, eid, tid, 16, time(NULL) + (r % 2 ? 3600 : -1));
		return err ? err : 1;
	case INV_ALLOCATED:
		if (r < 50)
			err =
			    inv_release(inv, id, p.transaction_id, p.transaction_id_len, "cancel");
		else
			err = inv_mark_downloaded(inv, id, p.transaction_id, p.transaction_id_len,
						  &test_euicc_key);
		return err ? err : 1;
	case INV_DOWNLOADED:
		if (r < 30)
			err = inv_mark_install_failed(inv, id, p.eid, "install failed");
		else
			err = inv_mark_installed(inv, id, p.eid);
		return err ? err : 1;
	case INV_INSTALLED:
		err = inv_mark_deleted(inv, id, p.eid);
		return err ? err : (p.reuse == INV_REUSE_AFTER_DELETE ? 2 : 1);
	default:
		return 0;
	}
}

static void child(const char *path, int fd, unsigned seed)
{
	struct inventory *inv;
	uint64_t tid_ctr = (uint64_t)seed << 32;
	int rows, k, n, group, fd_owed;
	uint32_t pending;

	/* NORMAL, FULL and DEFERRED (portdpd's workers: fdatasync the WAL before reporting). */
	if (inv_open(path, seed % 3, &inv))
		_exit(3);
	for (;;) {
		group = rand_r(&seed) % 3 == 0;
		n = group ? 1 + rand_r(&seed) % 16 : 1;
		if (group && inv_begin(inv))
			_exit(4);
		pending = 0;
		for (k = 0; k < n; k++) {
			rows = random_step(inv, &seed, &tid_ctr);
			if (rows < 0) {
				fprintf(stderr, "child: %s\n", inv_errmsg(inv));
				_exit(6);
			}
			pending += rows;
		}
		if (group && inv_commit(inv))
			_exit(7);
		/* One call per commit: it hands over what is owed (nothing after allocations only). */
		fd_owed = inv_durable_fd(inv);
		if (fd_owed >= 0 && fdatasync(fd_owed))
			_exit(8);
		report(fd, pending);
	}
}

/* ---- parent: checks after each kill ---- */

static bool allowed(int from, int to, int reuse)
{
	switch (from) {
	case -1:
		return to == INV_AVAILABLE;
	case INV_AVAILABLE:
		return to == INV_ALLOCATED;
	case INV_ALLOCATED:
		return to == INV_AVAILABLE || to == INV_DOWNLOADED || to == INV_ERROR;
	case INV_DOWNLOADED:
		return to == INV_AVAILABLE || to == INV_INSTALLED || to == INV_ERROR;
	case INV_INSTALLED:
		return to == INV_DELETED || to == INV_ERROR;
	case INV_DELETED:
		return to == INV_AVAILABLE && reuse == INV_REUSE_AFTER_DELETE;
	default:
		return false;
	}
}

struct replay {
	struct inv_profile prof[N_PROFILES + 1];
	int last[N_PROFILES + 1]; /* state after the last audit row, -2 = no row yet */
	char holder[N_PROFILES + 1][33];
	uint64_t rows;
};

static int state_num(const char *name)
{
	enum inv_state s;

	return inv_state_parse(name, &s) ? -1 : (int)s;
}

static int replay_cb(const struct inv_audit *a, void *arg)
{
	struct replay *r = arg;
	int64_t id = a->profile_id;
	int from = state_num(a->from), to = state_num(a->to);

	r->rows++;
	if (id < 1 || id > N_PROFILES) {
		FAIL(C_ONCE, "audit row %lld names unknown profile %lld", (long long)a->seq,
		     (long long)id);
		return 0;
	}
	if (from != (r->last[id] == -2 ? -1 : r->last[id]))
		FAIL(C_TRAIL, "profile %lld: audit %lld from %s, but it was %s", (long long)id,
		     (long long)a->seq, a->from,
		     r->last[id] == -2 ? "-" : inv_state_name(r->last[id]));
	if (!allowed(from, to, r->prof[id].reuse))
		FAIL(C_TRAIL, "profile %lld: forbidden %s -> %s", (long long)id, a->from, a->to);
	if (from == INV_AVAILABLE && to == INV_ALLOCATED) {
		if (strlen(a->eid) != 32)
			FAIL(C_HOLDER, "profile %lld allocated without EID", (long long)id);
		strcpy(r->holder[id], a->eid);
	} else if (from >= INV_ALLOCATED && from <= INV_INSTALLED &&
		   strcmp(a->eid, r->holder[id])) {
		FAIL(C_HOLDER, "profile %lld: %s -> %s by EID %s while held by %s", (long long)id,
		     a->from, a->to, a->eid, r->holder[id]);
	}
	if (to == INV_AVAILABLE)
		r->holder[id][0] = '\0';
	r->last[id] = to;
	return 0;
}

static int collect_cb(const struct inv_profile *p, void *arg)
{
	struct replay *r = arg;

	if (p->id >= 1 && p->id <= N_PROFILES)
		r->prof[p->id] = *p;
	return 0;
}

static void check_integrity(const char *path)
{
	sqlite3 *db;
	sqlite3_stmt *st;
	const unsigned char *res = NULL;

	if (sqlite3_open_v2(path, &db, SQLITE_OPEN_READONLY, NULL) != SQLITE_OK ||
	    sqlite3_prepare_v2(db, "PRAGMA integrity_check", -1, &st, NULL) != SQLITE_OK) {
		FAIL(C_INTEGRITY, "cannot run integrity_check");
		sqlite3_close(db);
		return;
	}
	if (sqlite3_step(st) == SQLITE_ROW)
		res = sqlite3_column_text(st, 0);
	if (!res || strcmp((const char *)res, "ok"))
		FAIL(C_INTEGRITY, "integrity_check: %s", res ? (const char *)res : "(no answer)");
	sqlite3_finalize(st);
	sqlite3_close(db);
}

/* Check everything; returns the audit row count. */
static uint64_t check_db(struct inventory *inv)
{
	static struct replay r;
	unsigned n, i, j;
	int id;

	memset(&r, 0, sizeof(r));
	for (id = 0; id <= N_PROFILES; id++)
		r.last[id] = -2;
	if (inv_count(inv, -1, &n) || n != N_PROFILES)
		FAIL(C_ONCE, "%u profiles, want %d", n, N_PROFILES);
	inv_list(inv, -1, collect_cb, &r);
	for (i = 1; i <= N_PROFILES; i++) {
		if (r.prof[i].id != (int64_t)i)
			FAIL(C_ONCE, "profile %u missing", i);
		for (j = i + 1; j <= N_PROFILES; j++)
			if (!strcmp(r.prof[i].iccid, r.prof[j].iccid))
				FAIL(C_ONCE, "ICCID %s twice", r.prof[i].iccid);
	}
	inv_audit(inv, 0, replay_cb, &r);
	for (i = 1; i <= N_PROFILES; i++) {
		struct inv_profile *p = &r.prof[i];

		if (r.last[i] != (int)p->state)
			FAIL(C_TRAIL, "profile %u is %s but its last audit row says %s", i,
			     inv_state_name(p->state),
			     r.last[i] < 0 ? "-" : inv_state_name(r.last[i]));
		if (p->state != INV_AVAILABLE && strcmp(p->eid, r.holder[i]))
			FAIL(C_HOLDER, "profile %u bound to %s, audit says %s", i, p->eid,
			     r.holder[i]);
		if (p->state != INV_ALLOCATED && p->state != INV_DOWNLOADED)
			continue;
		for (j = i + 1; j <= N_PROFILES; j++) {
			struct inv_profile *q = &r.prof[j];

			if ((q->state == INV_ALLOCATED || q->state == INV_DOWNLOADED) &&
			    q->transaction_id_len == p->transaction_id_len &&
			    !memcmp(q->transaction_id, p->transaction_id, p->transaction_id_len))
				FAIL(C_HOLDER, "profiles %u and %u share a transactionId", i, j);
		}
	}
	return r.rows;
}

static void check_recovery(struct inventory *inv)
{
	unsigned alloc, down, down_after, alloc_after, released;

	if (inv_count(inv, INV_ALLOCATED, &alloc) || inv_count(inv, INV_DOWNLOADED, &down) ||
	    inv_expire(inv, INT64_MAX, &released) || inv_count(inv, INV_ALLOCATED, &alloc_after) ||
	    inv_count(inv, INV_DOWNLOADED, &down_after)) {
		FAIL(C_RECOVERY, "%s", inv_errmsg(inv));
		return;
	}
	if (released != alloc || alloc_after || down_after != down)
		FAIL(C_RECOVERY, "released %u of %u allocations; downloads %u -> %u", released,
		     alloc, down, down_after);
}

static int setup_db(const char *path)
{
	struct inventory *inv;
	uint8_t *upp;
	size_t len;
	int i, err;

	err = test_upp_template(&upp, &len);
	if (err)
		return err;
	err = inv_open(path, 1, &inv);
	if (err)
		goto out;
	err = inv_begin(inv);
	for (i = 1; !err && i <= N_PROFILES; i++) {
		struct inv_import opt = {.profile_class = -1,
					 .reuse = i % 2 ? INV_REUSE_AFTER_DELETE : INV_REUSE_NEVER};

		err = test_upp_set_iccid(upp, len, i, NULL);
		if (!err)
			err = inv_import(inv, upp, len, &opt, NULL);
	}
	if (!err)
		err = inv_commit(inv);
	inv_close(inv);
out:
	free(upp);
	return err;
}

/* Any 32 bytes: the stock key of this test's inventories. */
static const uint8_t test_stock_key[INV_STOCK_KEY_LEN] = {0x5e, 0xa1, 0xed};

int main(void)
{
	char path[256];
	struct inventory *inv;
	uint64_t rows_before = N_PROFILES, rows_after, reported;
	unsigned seed = (unsigned)time(NULL) ^ (unsigned)getpid(), busy_rounds = 0;
	/*
	 * Kills land 0..max_delay after the fork. While fewer than half of the
	 * rounds so far caught the child after a commit, max_delay doubles (up
	 * to 16x): on a slow machine (load, ASan) the children still get killed
	 * in the middle of work, and early kills (during open and recovery)
	 * still happen.
	 */
	unsigned max_delay = MAX_KILL_DELAY_US;
	int c, fds[2], status, failed = 0;
	uint32_t r;
	pid_t pid;
	inv_stock_key_set(test_stock_key); /* UPPs are sealed at rest (schema v5) */

	alarm(120); /* bounded no matter what */
	printf("1..%d\n", C_MAX + 1);
	printf("# seed %u, %d rounds, %d profiles\n", seed, ROUNDS, N_PROFILES);
	if (!test_tmp_db(path) || setup_db(path)) {
		printf("not ok 1 - set up a database from TS.48 data under %s\n", test_data_dir());
		return 1;
	}
	srand(seed);
	for (round_no = 1; round_no <= ROUNDS; round_no++) {
		if (pipe(fds))
			return 1;
		pid = fork();
		if (pid == 0) {
			close(fds[0]);
			child(path, fds[1], seed + round_no);
		}
		close(fds[1]);
		reported = 0;
		usleep(rand() % max_delay);
		/*
		 * Every other round, a child that has not committed yet (a busy machine: 7 test
		 * suites on 2 cores) gets until its first commit, then another random delay: the
		 * kill lands in the middle of work however slow the machine is. The other rounds
		 * keep the pure random moment, which may hit the child's open and migration.
		 */
		if (round_no % 2 == 0 &&
		    poll(&(struct pollfd){.fd = fds[0], .events = POLLIN}, 1, 0) == 0 &&
		    poll(&(struct pollfd){.fd = fds[0], .events = POLLIN}, 1, 2000) == 1 &&
		    read(fds[0], &r, sizeof(r)) == sizeof(r)) {
			reported += r;
			usleep(rand() % max_delay);
		}
		kill(pid, SIGKILL);
		waitpid(pid, &status, 0);
		if (!WIFSIGNALED(status)) {
			FAIL(C_OPEN, "child stopped by itself (status %d) before the kill", status);
			close(fds[0]);
			continue;
		}
		while (read(fds[0], &r, sizeof(r)) == sizeof(r))
			reported += r;
		close(fds[0]);
		busy_rounds += reported > 0;
		if (round_no >= 4 && busy_rounds * 2 < (unsigned)round_no &&
		    max_delay < 16 * MAX_KILL_DELAY_US)
			max_delay *= 2;

		if (inv_open(path, 1, &inv)) {
			FAIL(C_OPEN, "reopen failed");
			continue;
		}
		check_integrity(path);
		rows_after = check_db(inv);
		if (rows_after < rows_before + reported)
			FAIL(C_DURABLE,
			     "%llu audit rows, but %llu before + %llu reported committed",
			     (unsigned long long)rows_after, (unsigned long long)rows_before,
			     (unsigned long long)reported);
		/* a restart now and then; otherwise the next child carries on where this one died
		 */
		rows_before = rows_after;
		if (round_no % 4 == 0) {
			check_recovery(inv);
			rows_before = check_db(inv);
		}
		inv_close(inv);
	}
	for (c = 0; c < C_MAX; c++) {
		printf("%s %d - %s\n", failures[c] ? "not ok" : "ok", c + 1, check_names[c]);
		failed |= failures[c] != 0;
	}
	/* the test must have killed children in the middle of real work, not only idle ones */
	printf("# %u of %d rounds committed transitions before the kill (kill delay up to %u us)\n",
	       busy_rounds, ROUNDS, max_delay);
	printf("%s %d - children were killed in the middle of work\n",
	       busy_rounds >= ROUNDS / 2 ? "ok" : "not ok", C_MAX + 1);
	failed |= busy_rounds < ROUNDS / 2;
	if (!failed)
		test_rm_db(path);
	else
		printf("# database kept at %s\n", path);
	return failed;
}
