// SPDX-License-Identifier: Apache-2.0
/*
 * The stock sealed at rest (schema v5, seal.c): imported UPPs are stored sealed and open
 * again byte for byte; another key, no key, a flipped byte or a blob moved to another
 * profile do not open; the database refuses a plaintext UPP; the key file is made 0600 and
 * refused when looser; an older inventory is sealed in place by its migration (no window of
 * its plaintext is left in the file or the WAL) or, without a key, left as it was.
 */
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>
#include <cmocka.h>
#include <sqlite3.h>
#include <openssl/evp.h>
#include <openssl/rand.h>
#include "inv_internal.h"
#include "testdb.h"

static const uint8_t key_a[INV_STOCK_KEY_LEN] = {0xA1, 0x5e, 0xa1};
static const uint8_t key_b[INV_STOCK_KEY_LEN] = {0xB2, 0x5e, 0xa1};

static int exec_sql(const char *path, const char *sql)
{
	sqlite3 *db;
	int rc;

	if (sqlite3_open(path, &db) != SQLITE_OK)
		return SQLITE_ERROR;
	sqlite3_busy_timeout(db, 5000);
	rc = sqlite3_exec(db, sql, NULL, NULL, NULL);
	sqlite3_close(db);
	return rc;
}

static long long sql_int(const char *path, const char *sql)
{
	sqlite3_stmt *st;
	sqlite3 *db;
	long long v = -1;

	if (sqlite3_open(path, &db) != SQLITE_OK)
		return -1;
	if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) == SQLITE_OK) {
		if (sqlite3_step(st) == SQLITE_ROW)
			v = sqlite3_column_int64(st, 0);
		sqlite3_finalize(st);
	}
	sqlite3_close(db);
	return v;
}

/* Does any 24-byte window of @needle (every 64th offset) appear in the file @path? */
static int file_has_window_of(const char *path, const uint8_t *needle, size_t len)
{
	uint8_t *hay = NULL;
	size_t n = 0, off;
	int found = 0;

	if (test_read_file(path, &hay, &n))
		return 0; /* no file (an empty WAL is removed or absent): nothing in it */
	for (off = 0; off + 24 <= len && !found; off += 64)
		found = memmem(hay, n, needle + off, 24) != NULL;
	free(hay);
	return found;
}

static void test_import_seals_and_opens(void **state)
{
	uint8_t *upp, *back = NULL;
	size_t len, back_len = 0;
	struct inv_profile p;
	struct inventory *inv;
	char path[256], wal[300];

	(void)state;
	inv_stock_key_set(key_a);
	assert_int_equal(test_upp_template(&upp, &len), 0);
	assert_non_null(test_tmp_db(path));
	assert_int_equal(inv_open(path, INV_SYNC_FULL, &inv), 0);
	assert_int_equal(inv_import(inv, upp, len, NULL, &p), 0);
	assert_int_equal(p.upp_len, len);
	/* Stored: magic, 72 bytes more than the UPP, no window of the plaintext anywhere. */
	assert_int_equal(sql_int(path, "SELECT length(der) - 72 FROM upp WHERE profile_id = 1"),
			 (long long)len);
	assert_int_equal(sql_int(path, "SELECT substr(der, 1, 4) = x'50445301' FROM upp"), 1);
	snprintf(wal, sizeof(wal), "%s-wal", path);
	assert_false(file_has_window_of(path, upp, len));
	assert_false(file_has_window_of(wal, upp, len));
	/* The check above can fail: a plaintext copy of the UPP is found. */
	{
		char plain[300];
		int fd;

		snprintf(plain, sizeof(plain), "%s.plain", path);
		fd = open(plain, O_WRONLY | O_CREAT | O_TRUNC, 0600);
		assert_true(fd >= 0);
		assert_int_equal(write(fd, upp, len), (ssize_t)len);
		close(fd);
		assert_true(file_has_window_of(plain, upp, len));
		unlink(plain);
	}

	assert_int_equal(inv_get_upp(inv, p.id, &back, &back_len), 0);
	assert_int_equal(back_len, len);
	assert_memory_equal(back, upp, len);
	inv_free_upp(back, back_len);

	/* Another inventory's key, and no key: refused, with what it is. */
	inv_stock_key_set(key_b);
	assert_int_equal(inv_get_upp(inv, p.id, &back, &back_len), -EKEYREJECTED);
	assert_non_null(strstr(inv_errmsg(inv), "stock key does not open"));
	inv_stock_key_clear();
	assert_int_equal(inv_get_upp(inv, p.id, &back, &back_len), -ENOKEY);
	assert_int_equal(test_upp_set_iccid(upp, len, 2, NULL), 0);
	assert_int_equal(inv_import(inv, upp, len, NULL, NULL), -ENOKEY);
	assert_int_equal(sql_int(path, "SELECT count(*) FROM profile"), 1);
	inv_stock_key_set(key_a);

	/* The database takes no plaintext UPP, and no sealed one of the wrong length. */
	assert_int_not_equal(exec_sql(path, "INSERT INTO profile(iccid, matching_id, profile_class,"
					    " reuse, upp_len) VALUES ('8999000000000000777',"
					    " 'RAW-1', 2, 0, 1);"
					    "INSERT INTO upp VALUES (last_insert_rowid(), x'A0')"),
			     SQLITE_OK);
	assert_int_not_equal(exec_sql(path, "BEGIN; INSERT INTO profile(iccid, matching_id,"
					    " profile_class, reuse, upp_len) VALUES"
					    " ('8999000000000000778', 'RAW-2', 2, 0, 1);"
					    "INSERT INTO upp VALUES (last_insert_rowid(),"
					    " x'50445301' || zeroblob(60)); COMMIT"),
			     SQLITE_OK);
	exec_sql(path, "ROLLBACK");
	inv_close(inv);
	test_rm_db(path);
	free(upp);
}

/*
 * A UPP that arrives sealed (the card path of a transfer import): stored as it is, opens to
 * the same bytes; refused without the stored form, with a bad ICCID, twice, changing nothing.
 */
static void test_import_sealed(void **state)
{
	static const char iccid[] = "8999000000000000123";
	struct inv_import opt = {.profile_name = "moved", .profile_class = 2, .sp_name = "SP"};
	uint8_t *upp, *blob, *back = NULL;
	size_t len, back_len = 0;
	struct inv_profile p;
	struct inventory *inv;
	char path[256], msg[128];

	(void)state;
	inv_stock_key_set(key_a);
	assert_int_equal(test_upp_template(&upp, &len), 0);
	blob = malloc(inv_sealed_len(len));
	assert_int_equal(inv_seal(iccid, upp, len, blob, msg, sizeof(msg)), 0);
	assert_non_null(test_tmp_db(path));
	assert_int_equal(inv_open(path, INV_SYNC_FULL, &inv), 0);
	blob[0] ^= 1;
	assert_int_equal(inv_import_sealed(inv, iccid, blob, inv_sealed_len(len), &opt, NULL),
			 -EINVAL);
	blob[0] ^= 1;
	assert_int_equal(inv_import_sealed(inv, "89990000x0", blob, inv_sealed_len(len), &opt,
					   NULL),
			 -EINVAL);
	assert_int_equal(inv_import_sealed(inv, iccid, blob, inv_sealed_len(0), &opt, NULL),
			 -EINVAL);
	assert_int_equal(sql_int(path, "SELECT count(*) FROM profile"), 0);
	assert_int_equal(inv_import_sealed(inv, iccid, blob, inv_sealed_len(len), &opt, &p), 0);
	assert_string_equal(p.iccid, iccid);
	assert_string_equal(p.profile_name, "moved");
	assert_int_equal(p.upp_len, len);
	assert_int_equal(inv_get_upp(inv, p.id, &back, &back_len), 0);
	assert_int_equal(back_len, len);
	assert_memory_equal(back, upp, len);
	inv_free_upp(back, back_len);
	assert_int_equal(inv_import_sealed(inv, iccid, blob, inv_sealed_len(len), &opt, NULL),
			 -EEXIST);
	assert_int_equal(sql_int(path, "SELECT count(*) FROM profile"), 1);
	inv_close(inv);
	test_rm_db(path);
	free(blob);
	free(upp);
}

/* The seal itself: a flipped byte anywhere, or another profile's ICCID, does not open. */
static void test_tamper_and_swap(void **state)
{
	uint8_t upp[300], *blob, out[400];
	size_t out_len, blen = inv_sealed_len(sizeof(upp)), i;
	char msg[200];

	(void)state;
	inv_stock_key_set(key_a);
	for (i = 0; i < sizeof(upp); i++)
		upp[i] = (uint8_t)(i * 7);
	blob = malloc(blen);
	assert_non_null(blob);
	assert_int_equal(inv_seal("8999000000000000001", upp, sizeof(upp), blob, msg, sizeof(msg)),
			 0);
	assert_int_equal(
	    inv_unseal("8999000000000000001", blob, blen, out, &out_len, msg, sizeof(msg)), 0);
	assert_memory_equal(out, upp, sizeof(upp));
	assert_int_not_equal(
	    inv_unseal("8999000000000000002", blob, blen, out, &out_len, msg, sizeof(msg)), 0);
	for (i = 0; i < blen; i += 13) {
		blob[i] ^= 0x01;
		assert_int_not_equal(
		    inv_unseal("8999000000000000001", blob, blen, out, &out_len, msg, sizeof(msg)),
		    0);
		blob[i] ^= 0x01;
	}
	assert_int_not_equal(
	    inv_unseal("8999000000000000001", blob, blen - 1, out, &out_len, msg, sizeof(msg)), 0);
	free(blob);
}

static void test_key_file(void **state)
{
	char path[256], key[300], msg[256];
	struct stat st;
	int fd;

	(void)state;
	assert_non_null(test_tmp_db(path));
	snprintf(key, sizeof(key), "%s" INV_STOCK_KEY_SUFFIX, path);
	assert_int_equal(inv_stock_key_load(key, 0, msg, sizeof(msg)), -ENOENT);
	assert_int_equal(inv_stock_key_load(key, 1, msg, sizeof(msg)), 0);
	assert_int_equal(stat(key, &st), 0);
	assert_int_equal(st.st_mode & 07777, 0600);
	assert_int_equal(st.st_size, INV_STOCK_KEY_LEN);
	/* Loaded again: the same file, not a new key. */
	assert_int_equal(inv_stock_key_load(key, 1, msg, sizeof(msg)), 0);
	assert_int_equal(stat(key, &st), 0);
	assert_int_equal(st.st_size, INV_STOCK_KEY_LEN);
	assert_int_equal(chmod(key, 0640), 0);
	assert_int_equal(inv_stock_key_load(key, 1, msg, sizeof(msg)), -EPERM);
	assert_non_null(strstr(msg, "chmod 600"));
	assert_int_equal(chmod(key, 0604), 0);
	assert_int_equal(inv_stock_key_load(key, 0, msg, sizeof(msg)), -EPERM);
	assert_int_equal(chmod(key, 0600), 0);
	fd = open(key, O_WRONLY | O_APPEND);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, "x", 1), 1);
	close(fd);
	assert_int_equal(inv_stock_key_load(key, 0, msg, sizeof(msg)), -EINVAL);
	unlink(key);
	test_rm_db(path);
	inv_stock_key_set(key_a);
}

/* A v4 inventory with @n real plaintext UPPs (distinct ICCIDs), as the v4 program stored them. */
static void make_v4(const char *path, const uint8_t *upp, size_t len, unsigned n)
{
	sqlite3_stmt *st;
	uint8_t *copy = malloc(len);
	char iccid[21];
	sqlite3 *db;
	unsigned i;

	assert_non_null(copy);
	assert_int_equal(sqlite3_open(path, &db), SQLITE_OK);
	assert_int_equal(sqlite3_exec(db, "PRAGMA journal_mode = WAL", NULL, NULL, NULL),
			 SQLITE_OK);
	assert_int_equal(inv_schema_create_old(db, 4), 0);
	assert_int_equal(sqlite3_exec(db, "BEGIN", NULL, NULL, NULL), SQLITE_OK);
	for (i = 0; i < n; i++) {
		memcpy(copy, upp, len);
		assert_int_equal(test_upp_set_iccid(copy, len, 100 + i, iccid), 0);
		assert_int_equal(sqlite3_prepare_v2(db,
						    "INSERT INTO profile(iccid, matching_id,"
						    " profile_class, reuse, upp_len)"
						    " VALUES (?1, 'OLD-' || ?1, 2, 0, ?2)",
						    -1, &st, NULL),
				 SQLITE_OK);
		sqlite3_bind_text(st, 1, iccid, -1, SQLITE_TRANSIENT);
		sqlite3_bind_int64(st, 2, (sqlite3_int64)len);
		assert_int_equal(sqlite3_step(st), SQLITE_DONE);
		sqlite3_finalize(st);
		assert_int_equal(
		    sqlite3_prepare_v2(db, "INSERT INTO upp VALUES (last_insert_rowid(), ?)", -1,
				       &st, NULL),
		    SQLITE_OK);
		sqlite3_bind_blob(st, 1, copy, (int)len, SQLITE_TRANSIENT);
		assert_int_equal(sqlite3_step(st), SQLITE_DONE);
		sqlite3_finalize(st);
	}
	assert_int_equal(sqlite3_exec(db, "COMMIT", NULL, NULL, NULL), SQLITE_OK);
	sqlite3_close(db);
	free(copy);
}

static void test_migration_seals_in_place(void **state)
{
	uint8_t *upp, *back = NULL;
	size_t len, back_len;
	struct inv_profile p;
	struct inventory *inv;
	char path[256], wal[300], msg[512];

	(void)state;
	assert_int_equal(test_upp_template(&upp, &len), 0);
	assert_non_null(test_tmp_db(path));
	snprintf(wal, sizeof(wal), "%s-wal", path);
	make_v4(path, upp, len, 20);
	/* The v4 file holds the plaintext (the check below can fail). */
	assert_true(file_has_window_of(path, upp + 200, len - 200) ||
		    file_has_window_of(wal, upp + 200, len - 200));

	/* No key: the migration's one transaction is undone, the file stays v4, plaintext. */
	inv_stock_key_clear();
	assert_int_not_equal(inv_open_err(path, INV_SYNC_FULL, &inv, msg, sizeof(msg)), 0);
	assert_non_null(strstr(msg, "stock key"));
	assert_int_equal(sql_int(path, "PRAGMA user_version"), 4);
	assert_int_equal(sql_int(path, "SELECT count(*) FROM upp WHERE substr(der, 1, 4) ="
				       " x'50445301'"),
			 0);

	inv_stock_key_set(key_a);
	assert_int_equal(inv_open(path, INV_SYNC_FULL, &inv), 0);
	assert_int_equal(sql_int(path, "PRAGMA user_version"), 8);
	assert_int_equal(sql_int(path, "SELECT count(*) FROM upp WHERE substr(der, 1, 4) ="
				       " x'50445301' AND length(der) = 72 + (SELECT upp_len FROM"
				       " profile p WHERE p.id = upp.profile_id)"),
			 20);
	/* Nothing of the plaintext is left in the file nor in the WAL. */
	assert_false(file_has_window_of(path, upp + 200, len - 200));
	assert_false(file_has_window_of(wal, upp + 200, len - 200));
	/* Each opens to what was stored (its own ICCID in its header). */
	assert_int_equal(inv_get_by_matching_id(inv, "OLD-8999000000000000107", &p), 0);
	assert_int_equal(inv_get_upp(inv, p.id, &back, &back_len), 0);
	assert_int_equal(back_len, len);
	assert_memory_equal(back + 200, upp + 200, len - 200);
	inv_free_upp(back, back_len);
	/* A second open has nothing to migrate. */
	inv_close(inv);
	assert_int_equal(inv_open(path, INV_SYNC_FULL, &inv), 0);
	inv_close(inv);
	test_rm_db(path);
	free(upp);
}

/*
 * kill -9 during the migration, at random moments: the file is v4 with every UPP plaintext or
 * v5 with every UPP sealed, never between; the next open finishes the job.
 */
static void test_migration_killed(void **state)
{
	unsigned round, at_v4 = 0, at_v5 = 0;
	uint8_t *upp, *back;
	size_t len, back_len;
	struct inventory *inv;
	char path[256];
	long long v, sealed;
	pid_t pid;
	int st;

	(void)state;
	assert_int_equal(test_upp_template(&upp, &len), 0);
	inv_stock_key_set(key_a);
	for (round = 0; round < 9; round++) {
		assert_non_null(test_tmp_db(path));
		make_v4(path, upp, len, 300);
		pid = fork();
		assert_true(pid >= 0);
		if (pid == 0)
			_exit(inv_open(path, INV_SYNC_FULL, &inv) ? 1 : 0);
		usleep((useconds_t)(2500u << round)); /* 2.5 ms .. 640 ms */
		kill(pid, SIGKILL);
		assert_int_equal(waitpid(pid, &st, 0), pid);
		v = sql_int(path, "PRAGMA user_version");
		sealed = sql_int(path, "SELECT count(*) FROM upp WHERE substr(der, 1, 4) ="
				       " x'50445301'");
		assert_true((v == 4 && sealed == 0) || (v == 8 && sealed == 300));
		v == 4 ? at_v4++ : at_v5++;
		assert_int_equal(inv_open(path, INV_SYNC_FULL, &inv), 0);
		assert_int_equal(sql_int(path, "SELECT count(*) FROM upp WHERE substr(der, 1, 4) ="
					       " x'50445301'"),
				 300);
		assert_int_equal(inv_get_upp(inv, 300, &back, &back_len), 0);
		assert_int_equal(back_len, len);
		inv_free_upp(back, back_len);
		inv_close(inv);
		test_rm_db(path);
	}
	print_message("killed migrations: %u left at v4, %u done at v5\n", at_v4, at_v5);
	free(upp);
}

/*
 * keywrap.c against RFC 3394 section 4.6 (256-bit KEK, 256-bit key data) and OpenSSL's own
 * id-aes256-wrap over random keys, both ways; any changed byte fails the unwrap.
 */
static void test_keywrap(void **state)
{
	static const uint8_t want[40] = {
	    0x28, 0xc9, 0xf4, 0x04, 0xc4, 0xb8, 0x10, 0xf4, 0xcb, 0xcc, 0xb3, 0x5c, 0xfb, 0x87,
	    0xf8, 0x26, 0x3f, 0x57, 0x86, 0xe2, 0xd8, 0x0e, 0xd3, 0x26, 0xcb, 0xc7, 0xf0, 0xe7,
	    0x1a, 0x99, 0xf4, 0x3b, 0xfb, 0x98, 0x8b, 0x9b, 0x7a, 0x02, 0xdd, 0x21};
	uint8_t kek[32], key[32], w[40], ref[40], back[32];
	int n, m;

	(void)state;
	for (int i = 0; i < 32; i++) {
		kek[i] = (uint8_t)i;
		key[i] = (uint8_t)(i < 16 ? 0x11 * i : i - 16);
	}
	assert_int_equal(inv_keywrap(1, kek, key, w), 0);
	assert_memory_equal(w, want, sizeof(want));
	assert_int_equal(inv_keywrap(0, kek, want, back), 0);
	assert_memory_equal(back, key, sizeof(key));
	for (int round = 0; round < 50; round++) {
		EVP_CIPHER_CTX *cx = EVP_CIPHER_CTX_new();

		assert_int_equal(RAND_bytes(kek, sizeof(kek)), 1);
		assert_int_equal(RAND_bytes(key, sizeof(key)), 1);
		assert_non_null(cx);
		assert_true(EVP_CipherInit_ex2(cx, EVP_aes_256_wrap(), kek, NULL, 1, NULL));
		assert_true(EVP_CipherUpdate(cx, ref, &n, key, sizeof(key)));
		assert_true(EVP_CipherFinal_ex(cx, ref + n, &m));
		assert_int_equal(n + m, 40);
		EVP_CIPHER_CTX_free(cx);
		assert_int_equal(inv_keywrap(1, kek, key, w), 0);
		assert_memory_equal(w, ref, sizeof(ref));
		assert_int_equal(inv_keywrap(0, kek, ref, back), 0);
		assert_memory_equal(back, key, sizeof(key));
		w[round % 40] ^= (uint8_t)(1 << (round % 8));
		assert_int_equal(inv_keywrap(0, kek, w, back), -EIO);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_keywrap),
	    cmocka_unit_test(test_import_seals_and_opens),
	    cmocka_unit_test(test_tamper_and_swap),
	    cmocka_unit_test(test_import_sealed),
	    cmocka_unit_test(test_key_file),
	    cmocka_unit_test(test_migration_seals_in_place),
	    cmocka_unit_test(test_migration_killed),
	};

	cmocka_set_message_output(CM_OUTPUT_TAP);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
