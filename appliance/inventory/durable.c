// SPDX-License-Identifier: Apache-2.0
/*
 * Deferred durability (INV_SYNC_DEFERRED): COMMIT only writes WAL frames
 * (synchronous = NORMAL); the caller makes them durable by fdatasync() of
 * the -wal file, e.g. on its io_uring, while it goes on working.
 *
 * Why one fd kept open from inv_open() to inv_close():
 *  - it must never be an open()+close() pair per commit: the project rule for
 *    files of a database with live connections (see inv_open_err());
 *  - the -wal keeps its inode while any connection of this process is open:
 *    SQLite deletes it only when the last connection closes (it needs an
 *    EXCLUSIVE lock on the database, which our connection's SHARED lock
 *    denies), and otherwise restarts it in place (overwrite from the start,
 *    journal_size_limit and wal_checkpoint(TRUNCATE) truncate). So an fsync
 *    of this fd always covers the frames our and our peers' COMMITs wrote.
 * SQLite takes no POSIX lock on the -wal itself (WAL locks live in -shm and
 * the database file), so closing this fd at inv_close() drops no lock.
 */
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "inv_internal.h"

static int journal_is_wal(struct inventory *inv)
{
	sqlite3_stmt *st;
	int rc, wal = 0;

	rc = sqlite3_prepare_v2(inv->db, "PRAGMA journal_mode", -1, &st, NULL);
	if (rc != SQLITE_OK)
		return inv_sql_error(inv, rc, "journal_mode");
	if (sqlite3_step(st) == SQLITE_ROW)
		wal = !strcmp((const char *)sqlite3_column_text(st, 0) ?: "", "wal");
	sqlite3_finalize(st);
	return wal;
}

/* A new -wal's directory entry must survive a power loss too: sync the directory once. */
static int sync_dir_of(struct inventory *inv, const char *file)
{
	char *copy = strdup(file);
	int fd, err = 0;

	if (!copy)
		return inv_fail(inv, -ENOMEM, "out of memory");
	fd = open(dirname(copy), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0 || fsync(fd))
		err = inv_fail(inv, -errno, "sync directory of %s: %s", file, strerror(errno));
	if (fd >= 0)
		close(fd);
	free(copy);
	return err;
}

int inv_durable_open(struct inventory *inv)
{
	sqlite3_filename db_name = sqlite3_db_filename(inv->db, "main");
	const char *wal;
	struct stat st;
	int rc;

	if (!db_name || !*db_name)
		return inv_fail(inv, -EINVAL, "deferred durability needs a database file");
	rc = journal_is_wal(inv);
	if (rc <= 0)
		return rc ? rc : inv_fail(inv, -EINVAL, "deferred durability needs WAL mode");
	wal = sqlite3_filename_wal(db_name);
	/* The schema check above read through the WAL, so SQLite has created it. */
	inv->wal_fd = open(wal, O_RDONLY | O_CLOEXEC);
	if (inv->wal_fd < 0)
		return inv_fail(inv, -errno, "open %s: %s", wal, strerror(errno));
	if (fstat(inv->wal_fd, &st) || !S_ISREG(st.st_mode))
		return inv_fail(inv, -EINVAL, "%s is not a regular file", wal);
	/* Whatever is in the WAL already (schema, earlier runs) is durable from here on. */
	if (fdatasync(inv->wal_fd))
		return inv_fail(inv, -errno, "fdatasync %s: %s", wal, strerror(errno));
	return sync_dir_of(inv, wal);
}

void inv_durable_close(struct inventory *inv)
{
	if (inv->wal_fd >= 0)
		close(inv->wal_fd);
	inv->wal_fd = -1;
}

int inv_durable_fd(struct inventory *inv)
{
	if (!inv || inv->sync != INV_SYNC_DEFERRED || !inv->sync_owed)
		return -1;
	inv->sync_owed = false;
	return inv->wal_fd;
}
