// SPDX-License-Identifier: Apache-2.0
/*
 * A secret file others could read (or that another user could swap) is a
 * configuration mistake that no later error would point at: portdpd
 * refuses to start on it, like sshd with a host key readable by others.
 */
#include <errno.h>
#include <pwd.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include "secret_file.h"

static const char *user_name(uid_t uid, char *buf, size_t size)
{
	struct passwd *pw = getpwuid(uid);

	if (pw)
		snprintf(buf, size, "%s", pw->pw_name);
	else
		snprintf(buf, size, "uid %u", (unsigned)uid);
	return buf;
}

int secret_file_check(const char *path, uid_t service_uid, const char *what, char *err,
		      unsigned err_len)
{
	char owner[64], service[64];
	struct stat st;

	if (stat(path, &st)) {
		int rc = -errno;

		snprintf(err, err_len, "%s %s: %s", what, path, strerror(errno));
		return rc;
	}
	if (!S_ISREG(st.st_mode)) {
		snprintf(err, err_len, "%s %s: not a regular file", what, path);
		return -EPERM;
	}
	if (st.st_mode & 077) {
		snprintf(err, err_len,
			 "%s %s: mode %04o lets group or others at it; refused (chmod 600 %s)",
			 what, path, (unsigned)(st.st_mode & 07777), path);
		return -EPERM;
	}
	if (st.st_uid != 0 && st.st_uid != service_uid) {
		snprintf(err, err_len, "%s %s: owned by %s, neither root nor %s; refused", what,
			 path, user_name(st.st_uid, owner, sizeof(owner)),
			 user_name(service_uid, service, sizeof(service)));
		return -EPERM;
	}
	return 0;
}

const char *secret_key_uri_path(const char *uri)
{
	return strncmp(uri, "file:", 5) || !uri[5] ? NULL : uri + 5;
}
