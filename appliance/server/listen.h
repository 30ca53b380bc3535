/* SPDX-License-Identifier: Apache-2.0 */
/* The workers' listening sockets: one portdpd per address:port, a group no one else joins (listen.c). */
#ifndef PORTDP_SERVER_LISTEN_H
#define PORTDP_SERVER_LISTEN_H

#include <sys/socket.h>

/**
 * listen_group_open() - @n listening sockets on @ss, one per worker, in @fds.
 * @ss: a port of 0 is replaced by the port the kernel picked.
 * @lock_fd: the name lock to keep open while serving (-1 for port 0).
 * Returns 0, or -errno with a message in @err (EADDRINUSE: another daemon or
 * process holds the address:port; nothing is left open then).
 */
int listen_group_open(struct sockaddr_storage *ss, socklen_t len, unsigned n, int *fds,
		      int *lock_fd, char *err, unsigned err_len);

/*
 * listen_claim() - steps 1 and 2 of listen.c alone (name lock, probe), before
 * the daemon touches anything else; listen_group_open() for the same
 * address:port then adopts the lock. 0 or -errno with a message.
 */
int listen_claim(const struct sockaddr_storage *ss, socklen_t len, char *err, unsigned err_len);

#endif
