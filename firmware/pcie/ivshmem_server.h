/* SPDX-License-Identifier: Apache-2.0 */
/*
 * ivshmem_server.h - the server side of QEMU's ivshmem protocol
 * (qemu-system-data specs/ivshmem-spec.txt), just enough to let one guest
 * (ivshmem-doorbell) talk to the card. The card is peer 0; the guest is
 * given id 1. Every message is one little-endian int64, some with an fd.
 *
 * Calls return 0 or a negative errno.
 */
#ifndef CARD_PCIE_IVSHMEM_SERVER_H
#define CARD_PCIE_IVSHMEM_SERVER_H

#include <stddef.h>

#define IVSHMEM_MAX_VECTORS 16
#define IVSHMEM_CARD_ID 0
#define IVSHMEM_GUEST_ID 1

struct ivshmem_server {
	int listen_fd;
	int client_fd; /* -1: no guest */
	int shm_fd;    /* memfd */
	unsigned int vectors;
	int card_ev[IVSHMEM_MAX_VECTORS];  /* guest rings these (doorbell to peer 0) */
	int guest_ev[IVSHMEM_MAX_VECTORS]; /* card writes these to raise guest MSI-X */
	char *path;
};

/* Create the memfd of @shm_size bytes and listen on @path. */
int ivshmem_server_open(struct ivshmem_server *s, const char *path, size_t shm_size,
			unsigned int vectors);
void ivshmem_server_close(struct ivshmem_server *s);

/*
 * Accept a guest and send it the setup sequence. A second guest while one
 * is connected is turned away (-EBUSY).
 */
int ivshmem_server_accept(struct ivshmem_server *s);
/* The guest went away: drop its eventfds. */
void ivshmem_server_drop(struct ivshmem_server *s);

/* Raise guest vector @v (clamped to the vectors we have). */
void ivshmem_server_notify(struct ivshmem_server *s, unsigned int v);
/* Read and discard pending doorbells on card vector @v. */
void ivshmem_server_drain(struct ivshmem_server *s, unsigned int v);

#endif /* CARD_PCIE_IVSHMEM_SERVER_H */
