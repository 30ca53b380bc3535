// SPDX-License-Identifier: Apache-2.0
/*
 * One serving process per inventory: an exclusive flock() on "<db>.lock"
 * beside the database, taken before the restart recovery (which releases
 * every allocation, and so must never run under a live daemon) and held
 * until the process ends; the kernel drops it with the process, kill -9
 * included, so a stale file never blocks a restart.
 *
 * A lock file of its own rather than a lock on the database: SQLite keeps
 * POSIX locks on the database file, and any close() of another descriptor
 * on that file would drop them all. flock() and POSIX locks do not interact
 * on Linux. The lock file is named after the database's real path, so two
 * spellings of one file (symlink, "..") meet on the same lock.
 */
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "inv_internal.h"

struct inv_instance {
	int fd;
};

static int say(char *msg, size_t len, int err, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

static int say(char *msg, size_t len, int err, const char *fmt, ...)
{
	va_list ap;

	if (msg && len) {
		va_start(ap, fmt);
		vsnprintf(msg, len, fmt, ap);
		va_end(ap);
	}
	return err;
}

/* "<real path of @db>.lock"; the database itself may not exist yet, its directory must. */
static int lock_path(const char *db, char *out, size_t size)
{
	char real[PATH_MAX], dir[PATH_MAX], base[PATH_MAX];
	int n;

	if (realpath(db, real)) {
		n = snprintf(out, size, "%s.lock", real);
	} else {
		if (errno != ENOENT || strlen(db) >= sizeof(dir))
			return -errno;
		strcpy(dir, db);
		strcpy(base, db);
		if (!realpath(dirname(dir), real))
			return -errno;
		n = snprintf(out, size, "%s/%s.lock", real, basename(base));
	}
	return n < 0 || (size_t)n >= size ? -ENAMETOOLONG : 0;
}

int inv_instance_lock(const char *db_path, struct inv_instance **out, char *msg, size_t msg_len)
{
	char path[PATH_MAX + 8], pid[32] = "";
	struct inv_instance *l;
	struct stat db;
	ssize_t n;
	int fd, err;

	*out = NULL;
	err = lock_path(db_path, path, sizeof(path));
	if (err)
		return say(msg, msg_len, err, "inventory %s: %s", db_path, strerror(-err));
	fd = open(path, O_RDWR | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0600);
	if (fd < 0)
		return say(msg, msg_len, -errno, "cannot open lock file %s: %s", path,
			   strerror(errno));
	if (flock(fd, LOCK_EX | LOCK_NB)) {
		err = errno == EWOULDBLOCK ? -EBUSY : -errno;
		n = pread(fd, pid, sizeof(pid) - 1, 0);
		pid[n > 0 ? strcspn(pid, "\n") : 0] = '\0';
		close(fd);
		if (err != -EBUSY)
			return say(msg, msg_len, err, "cannot lock %s: %s", path, strerror(-err));
		return say(
		    msg, msg_len, err,
		    "inventory %s is in use by another portdpd%s%s%s (lock %s); stop it first",
		    db_path, *pid ? " (pid " : "", pid, *pid ? ")" : "", path);
	}
	/* Run as root, the lock file takes the database's owner, as SQLite's -wal and -shm do. */
	if (!geteuid() && !stat(db_path, &db) && fchown(fd, db.st_uid, db.st_gid)) {
		err = say(msg, msg_len, -errno, "cannot chown lock file %s: %s", path,
			  strerror(errno));
		close(fd);
		return err;
	}
	/* The pid only makes the refusal clearer: a failure to write it is not one to stop on. */
	n = snprintf(pid, sizeof(pid), "%ld\n", (long)getpid());
	if (ftruncate(fd, 0) || pwrite(fd, pid, (size_t)n, 0) != n)
		pid[0] = '\0';
	l = malloc(sizeof(*l));
	if (!l) {
		close(fd);
		return say(msg, msg_len, -ENOMEM, "out of memory");
	}
	l->fd = fd;
	*out = l;
	return 0;
}

void inv_instance_unlock(struct inv_instance *l)
{
	int rc;

	if (!l)
		return;
	/* The file stays (removing it would race the next holder); the pid goes. */
	rc = ftruncate(l->fd, 0);
	(void)rc;
	close(l->fd);
	free(l);
}
