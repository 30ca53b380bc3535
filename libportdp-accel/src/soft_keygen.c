// SPDX-License-Identifier: Apache-2.0
/*
 * Soft key life cycle: new private keys become PEM files only their owner
 * can read; destroying one removes the file, but only if it is a key.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/err.h>
#include <openssl/pem.h>

#include "ec_util.h"
#include "soft.h"

/* Write @pkey to a new file @path (mode 0600); the file is gone again on any failure. */
static int write_new_pem(const char *path, EVP_PKEY *pkey)
{
	int fd, ok;
	FILE *f;

	/* O_EXCL: never overwrite a key; O_NOFOLLOW: never write through a planted link. */
	fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
	if (fd < 0)
		return errno == EEXIST ? -EEXIST : errno == ENOENT ? -ENOENT : -EIO;
	/* The umask may only take bits away; make the mode exact anyway. */
	f = fchmod(fd, 0600) ? NULL : fdopen(fd, "w");
	if (!f) {
		close(fd);
		unlink(path);
		return -EIO;
	}
	ok = PEM_write_PrivateKey(f, pkey, NULL, NULL, 0, NULL, NULL) == 1;
	ok = !fflush(f) && !fsync(fileno(f)) && ok;
	ok = !fclose(f) && ok;
	if (!ok) {
		ERR_clear_error();
		unlink(path);
		return -EIO;
	}
	return 0;
}

int soft_key_generate(struct pdp_accel *accel, const char *key_uri, enum pdp_curve curve,
		      struct pdp_key **out)
{
	const char *path = soft_key_path(key_uri);
	EVP_PKEY *pkey = NULL;
	int ret;

	if (!path)
		return -EINVAL;
	if (EVP_PKEY_generate(to_soft(accel)->keygen[curve], &pkey) != 1) {
		ERR_clear_error();
		return -EIO;
	}
	ret = write_new_pem(path, pkey);
	if (ret) {
		EVP_PKEY_free(pkey);
		return ret;
	}
	ret = soft_key_wrap(accel, pkey, out);
	if (ret)
		unlink(path); /* the caller got no handle: leave nothing behind */
	return ret;
}

int soft_key_destroy(struct pdp_accel *accel, const char *key_uri)
{
	EVP_PKEY *pkey;
	int ret;

	(void)accel;
	ret = soft_key_read(key_uri, &pkey);
	if (ret)
		return ret;
	ret = ec_pkey_curve(pkey) == PDP_CURVE_NONE ? -EINVAL : 0;
	EVP_PKEY_free(pkey);
	if (ret)
		return ret;
	if (unlink(soft_key_path(key_uri)))
		return errno == ENOENT ? -ENOENT : -EIO;
	return 0;
}
