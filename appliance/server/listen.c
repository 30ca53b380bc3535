// SPDX-License-Identifier: Apache-2.0
/*
 * One portdpd per address:port, and listening sockets no other process can
 * take connections from.
 *
 * Every worker has its own SO_REUSEPORT listener (the kernel spreads new
 * connections over the workers without a shared accept queue). SO_REUSEPORT
 * alone lets any process of the same user bind the same address:port and
 * join the group, and the kernel would then split connections with it. So:
 * 1. An abstract AF_UNIX socket named after address:port is bound for the
 *    daemon's lifetime: a second portdpd starting at the same moment fails
 *    there (the kernel drops the name when the process dies, even kill -9).
 * 2. A probe socket without SO_REUSEPORT is bound to address:port first: if
 *    anything listens there (another portdpd, another program, a wildcard
 *    listener covering the address), the bind fails and portdpd refuses to
 *    start, naming the address (after 2 s: a killed portdpd's socket goes
 *    just after the process).
 * 3. Our n listeners join the group first, so they hold its slots 0..n-1,
 *    and a classic BPF program attached to the group picks the slot of each
 *    new connection as hash(source port) % n. A socket another process adds
 *    later sits at slot n or above and is never picked: it can bind and
 *    listen, but it receives no connection.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <linux/filter.h>
#include <netinet/in.h>
#include <stddef.h>
#include <stdio.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "listen.h"

#define LISTEN_BACKLOG 1024
#define PROBE_WAIT_MS 2000

static uint16_t port_of(const struct sockaddr_storage *ss)
{
	if (ss->ss_family == AF_INET)
		return ntohs(((const struct sockaddr_in *)ss)->sin_port);
	return ntohs(((const struct sockaddr_in6 *)ss)->sin6_port);
}

static void set_port(struct sockaddr_storage *ss, uint16_t port)
{
	if (ss->ss_family == AF_INET)
		((struct sockaddr_in *)ss)->sin_port = htons(port);
	else
		((struct sockaddr_in6 *)ss)->sin6_port = htons(port);
}

static const char *addr_str(const struct sockaddr_storage *ss, char *buf, size_t size)
{
	char ip[INET6_ADDRSTRLEN];
	const void *a = ss->ss_family == AF_INET
			    ? (const void *)&((const struct sockaddr_in *)ss)->sin_addr
			    : (const void *)&((const struct sockaddr_in6 *)ss)->sin6_addr;

	if (!inet_ntop(ss->ss_family, a, ip, sizeof(ip)))
		snprintf(ip, sizeof(ip), "?");
	snprintf(buf, size, ss->ss_family == AF_INET ? "%s:%u" : "[%s]:%u", ip,
		 (unsigned)port_of(ss));
	return buf;
}

/* 1: the name lock. -EADDRINUSE when another portdpd holds it. */
static int take_name_lock(const char *name)
{
	struct sockaddr_un un = {.sun_family = AF_UNIX};
	size_t n = strlen(name);
	int fd;

	if (n + 1 > sizeof(un.sun_path))
		n = sizeof(un.sun_path) - 1;
	memcpy(un.sun_path + 1, name, n); /* sun_path[0] = 0: the abstract namespace */
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	if (bind(fd, (struct sockaddr *)&un, offsetof(struct sockaddr_un, sun_path) + 1 + n)) {
		int rc = -errno;

		close(fd);
		return rc;
	}
	return fd;
}

/* 2: is anything bound to (listening on) the address:port? 0 if free. */
static int probe_free(const struct sockaddr_storage *ss, socklen_t len)
{
	int one = 1, fd, rc = 0;

	fd = socket(ss->ss_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	/* SO_REUSEADDR: our own connections in TIME_WAIT do not count; listeners do. */
	if (setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) ||
	    bind(fd, (const struct sockaddr *)ss, len))
		rc = -errno;
	close(fd);
	return rc;
}

static int open_one(const struct sockaddr_storage *ss, socklen_t len)
{
	int one = 1, fd, rc;

	fd = socket(ss->ss_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	if (setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) ||
	    setsockopt(fd, SOL_SOCKET, SO_REUSEPORT, &one, sizeof(one)) ||
	    bind(fd, (const struct sockaddr *)ss, len) || listen(fd, LISTEN_BACKLOG)) {
		rc = -errno;
		close(fd);
		return rc;
	}
	return fd;
}

/*
 * 3: slot = ((source port * 2654435761) >> 16) % n. The program sees the
 * packet from the TCP payload on; the source port is read relative to the
 * network header: IPv4 after IHL*4 bytes, IPv6 after its 40-byte header
 * (the version nibble decides: an IPv6 listener on :: also gets IPv4).
 * Hashing, not the port itself: connect() hands out ports of one parity.
 */
static int attach_group_filter(int fd, unsigned n)
{
	struct sock_filter code[] = {
	    /* 0 */ BPF_STMT(BPF_LD | BPF_B | BPF_ABS, (uint32_t)SKF_NET_OFF),
	    /* 1 */ BPF_STMT(BPF_ALU | BPF_RSH | BPF_K, 4),
	    /* 2 */ BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, 4, 0, 3),
	    /* 3 */ BPF_STMT(BPF_LDX | BPF_B | BPF_MSH, (uint32_t)SKF_NET_OFF),
	    /* 4 */ BPF_STMT(BPF_LD | BPF_H | BPF_IND, (uint32_t)SKF_NET_OFF),
	    /* 5 */ BPF_STMT(BPF_JMP | BPF_JA, 1),
	    /* 6 */ BPF_STMT(BPF_LD | BPF_H | BPF_ABS, (uint32_t)(SKF_NET_OFF + 40)),
	    /* 7 */ BPF_STMT(BPF_ALU | BPF_MUL | BPF_K, 2654435761u),
	    /* 8 */ BPF_STMT(BPF_ALU | BPF_RSH | BPF_K, 16),
	    /* 9 */ BPF_STMT(BPF_ALU | BPF_MOD | BPF_K, n),
	    /* 10 */ BPF_STMT(BPF_RET | BPF_A, 0),
	};
	struct sock_fprog prog = {.len = sizeof(code) / sizeof(code[0]), .filter = code};

	if (setsockopt(fd, SOL_SOCKET, SO_ATTACH_REUSEPORT_CBPF, &prog, sizeof(prog)))
		return -errno;
	return 0;
}

/*
 * The name locks taken early by listen_claim(), adopted by listen_group_open(): one per
 * listener of the daemon (ES9+, ES2+).
 */
#define CLAIMS_MAX 2
static struct {
	int fd;
	char name[INET6_ADDRSTRLEN + 32];
} claimed[CLAIMS_MAX] = {{.fd = -1}, {.fd = -1}};

static void lock_name(const struct sockaddr_storage *ss, char *buf, size_t size)
{
	char where[INET6_ADDRSTRLEN + 16];

	snprintf(buf, size, "portdpd/listen/%s", addr_str(ss, where, sizeof(where)));
}

/* Steps 1 and 2 for @ss (port not 0). Returns the lock fd or -errno with a message. */
static int claim(const struct sockaddr_storage *ss, socklen_t len, char *err, unsigned err_len)
{
	char where[INET6_ADDRSTRLEN + 16], name[INET6_ADDRSTRLEN + 32];
	unsigned i;
	int fd, rc;

	addr_str(ss, where, sizeof(where));
	lock_name(ss, name, sizeof(name));
	for (i = 0; i < CLAIMS_MAX; i++)
		if (claimed[i].fd >= 0 && !strcmp(claimed[i].name, name)) {
			fd = claimed[i].fd;
			claimed[i].fd = -1;
			return fd;
		}
	fd = take_name_lock(name);
	if (fd < 0) {
		snprintf(err, err_len,
			 "%s: another portdpd is already serving this address and port (%s); "
			 "not starting a second one",
			 where, strerror(-fd));
		return fd;
	}
	/*
	 * No live portdpd holds the name: a listener still there may be a killed
	 * portdpd's, whose io_uring (and socket) the kernel tears down just after
	 * the process; give it PROBE_WAIT_MS before refusing.
	 */
	for (i = 0; (rc = probe_free(ss, len)) == -EADDRINUSE && i < PROBE_WAIT_MS / 100; i++)
		usleep(100 * 1000);
	if (rc) {
		snprintf(err, err_len,
			 "%s: address and port in use by another process (%s); not starting", where,
			 strerror(-rc));
		close(fd);
		return rc;
	}
	return fd;
}

int listen_claim(const struct sockaddr_storage *ss, socklen_t len, char *err, unsigned err_len)
{
	unsigned i;
	int fd;

	if (!port_of(ss))
		return 0;
	fd = claim(ss, len, err, err_len);
	if (fd < 0)
		return fd;
	/* A free slot (claiming an address:port again, claim() handed its lock back). */
	for (i = 0; i < CLAIMS_MAX && claimed[i].fd >= 0; i++)
		;
	if (i == CLAIMS_MAX) {
		close(fd);
		snprintf(err, err_len, "more than %d listeners claimed", CLAIMS_MAX);
		return -ENOSPC;
	}
	claimed[i].fd = fd;
	lock_name(ss, claimed[i].name, sizeof(claimed[i].name));
	return 0;
}

int listen_group_open(struct sockaddr_storage *ss, socklen_t len, unsigned n, int *fds,
		      int *lock_fd, char *err, unsigned err_len)
{
	char where[INET6_ADDRSTRLEN + 16];
	unsigned i;
	int rc;

	*lock_fd = -1;
	for (i = 0; i < n; i++)
		fds[i] = -1;
	addr_str(ss, where, sizeof(where));
	/* Port 0: the kernel picks a port nobody uses; there is nothing to guard before. */
	if (port_of(ss)) {
		rc = claim(ss, len, err, err_len);
		if (rc < 0)
			return rc;
		*lock_fd = rc;
	}
	for (i = 0; i < n; i++) {
		rc = open_one(ss, len);
		if (rc < 0) {
			snprintf(err, err_len, "listen on %s: %s", where, strerror(-rc));
			goto fail;
		}
		fds[i] = rc;
		if (i == 0 && !port_of(ss)) {
			struct sockaddr_storage got;
			socklen_t glen = sizeof(got);

			/* Port 0 picked a port; the other workers join that one. */
			if (getsockname(fds[0], (struct sockaddr *)&got, &glen)) {
				rc = -errno;
				snprintf(err, err_len, "getsockname: %s", strerror(-rc));
				goto fail;
			}
			set_port(ss, port_of(&got));
			addr_str(ss, where, sizeof(where));
		}
	}
	rc = attach_group_filter(fds[0], n);
	if (rc) {
		snprintf(err, err_len, "%s: cannot lock the listening sockets (reuseport BPF): %s",
			 where, strerror(-rc));
		goto fail;
	}
	return 0;
fail:
	for (i = 0; i < n; i++)
		if (fds[i] >= 0) {
			close(fds[i]);
			fds[i] = -1;
		}
	if (*lock_fd >= 0) {
		close(*lock_fd);
		*lock_fd = -1;
	}
	return rc;
}
