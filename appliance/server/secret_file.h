/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Files that hold a secret (a private key, the inventory of profiles with
 * their subscriber keys): checked once, before portdpd reads them.
 */
#ifndef PORTDP_SECRET_FILE_H
#define PORTDP_SECRET_FILE_H

#include <sys/types.h>

/**
 * secret_file_check() - refuse @path unless it is a regular file only its owner can read
 * or write (no group or other bits) and that owner is root or @service_uid (the user the
 * daemon runs as). Symlinks are followed: the file they name is checked.
 * @what: what the file is, for the message ("TLS key", "inventory").
 * Returns 0, or -EPERM (mode, owner) / -errno (stat) with a message in @err.
 */
int secret_file_check(const char *path, uid_t service_uid, const char *what, char *err,
		      unsigned err_len);

/** The path of a "file:" key URI, or NULL for any other scheme (card keys). */
const char *secret_key_uri_path(const char *uri);

#endif
