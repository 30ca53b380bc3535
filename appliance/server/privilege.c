// SPDX-License-Identifier: Apache-2.0
/*
 * Dropping root. glibc's setgroups/setresgid/setresuid change every thread
 * of the process (the workers already run when portdpd drops); moving all
 * three uids off 0 clears the capability sets, so nothing is kept.
 */
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <pwd.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "log.h"
#include "privilege.h"

int priv_user_lookup(const char *name, struct priv_user *u, char *err, unsigned err_len)
{
	struct passwd *pw;

	errno = 0;
	pw = getpwnam(name);
	if (!pw) {
		snprintf(err, err_len, "user %s: %s", name,
			 errno ? strerror(errno)
			       : "no such user (create it, e.g. useradd --system)");
		return errno ? -errno : -ENOENT;
	}
	if (!pw->pw_uid || !pw->pw_gid) {
		snprintf(err, err_len, "user %s: is root (uid 0 or gid 0): not a service user",
			 name);
		return -EINVAL;
	}
	if (geteuid() && geteuid() != pw->pw_uid) {
		snprintf(err, err_len,
			 "user %s: running as uid %u, cannot become uid %u (start as root)", name,
			 (unsigned)geteuid(), (unsigned)pw->pw_uid);
		return -EPERM;
	}
	snprintf(u->name, sizeof(u->name), "%s", name);
	u->uid = pw->pw_uid;
	u->gid = pw->pw_gid;
	return 0;
}

int priv_own_inventory(const char *db, const struct priv_user *u, char *err, unsigned err_len)
{
	struct stat st;
	int fd, rc;

	/* O_NOFOLLOW: a link planted where the inventory goes must not hand over its target. */
	fd = open(db, O_RDONLY | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0600);
	if (fd < 0 || fstat(fd, &st)) {
		rc = -errno;
		snprintf(err, err_len, "inventory %s: %s", db,
			 errno == ELOOP ? "a symbolic link (configure the file it names)"
					: strerror(errno));
		if (fd >= 0)
			close(fd);
		return rc;
	}
	rc = 0;
	if (st.st_uid != u->uid && st.st_uid != 0) {
		snprintf(err, err_len, "inventory %s: owned by uid %u, not %s; refused", db,
			 (unsigned)st.st_uid, u->name);
		rc = -EPERM;
	} else if (st.st_uid == 0 && fchown(fd, u->uid, u->gid)) {
		rc = -errno;
		snprintf(err, err_len, "inventory %s: cannot hand it to %s: %s", db, u->name,
			 strerror(errno));
	} else if (st.st_uid == 0) {
		srv_info("inventory %s now belongs to %s", db, u->name);
	}
	/* No SQLite connection is open yet: this close() drops no lock of ours. */
	close(fd);
	return rc;
}

int priv_drop(const struct priv_user *u, char *err, unsigned err_len)
{
	uid_t r, e, s;
	gid_t rg, eg, sg;

	if (geteuid() == u->uid && getuid() == u->uid)
		return 0;
	if (setgroups(0, NULL) || setresgid(u->gid, u->gid, u->gid) ||
	    setresuid(u->uid, u->uid, u->uid)) {
		int rc = -errno;

		snprintf(err, err_len, "cannot become %s: %s", u->name, strerror(errno));
		return rc;
	}
	if (getresuid(&r, &e, &s) || getresgid(&rg, &eg, &sg) || r != u->uid || e != u->uid ||
	    s != u->uid || rg != u->gid || eg != u->gid || sg != u->gid || !setuid(0)) {
		snprintf(err, err_len, "became %s but the ids did not all change", u->name);
		return -EPERM;
	}
	return 0;
}
