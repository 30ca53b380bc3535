/* SPDX-License-Identifier: Apache-2.0 */
/*
 * portdpd's service user: started as root, portdpd binds its sockets, opens
 * the card, its keys and the inventory, and then becomes that user for good
 * (no supplementary groups, no capabilities, no way back).
 */
#ifndef PORTDP_PRIVILEGE_H
#define PORTDP_PRIVILEGE_H

#include <sys/types.h>

struct priv_user {
	char name[64];
	uid_t uid;
	gid_t gid;
};

/**
 * priv_user_lookup() - the configured service user @name. Refuses a missing user, root
 * itself, and a process that is neither root nor already that user (it could not switch).
 * 0 or -errno with a message in @err.
 */
int priv_user_lookup(const char *name, struct priv_user *u, char *err, unsigned err_len);

/**
 * priv_own_inventory() - run as root with a service user: the inventory @db belongs to
 * that user, created empty (0600) when missing, handed over when root owns it, refused when
 * another user does. SQLite gives its -wal and -shm the database's owner; so does the
 * instance lock (inventory.h). 0 or -errno with a message in @err.
 */
int priv_own_inventory(const char *db, const struct priv_user *u, char *err, unsigned err_len);

/**
 * priv_drop() - become @u in every thread of the process: supplementary groups dropped,
 * gid then uid (real, effective, saved), checked afterwards (regaining root must fail).
 * Nothing to do when the process already is @u. 0 or -errno with a message in @err.
 */
int priv_drop(const struct priv_user *u, char *err, unsigned err_len);

#endif
