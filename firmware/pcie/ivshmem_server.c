// SPDX-License-Identifier: Apache-2.0
/*
 * ivshmem_server.c - ivshmem server protocol for one guest (see the header).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "ivshmem_server.h"
#include "wire.h"

static int send_msg(int sock, int64_t val, int fd)
{
	union {
		struct cmsghdr h;
		char buf[CMSG_SPACE(sizeof(int))];
	} cm;
	struct iovec iov = {.iov_base = &val, .iov_len = sizeof(val)};
	struct msghdr msg = {.msg_iov = &iov, .msg_iovlen = 1};
	ssize_t n;

	val = (int64_t)le64((uint64_t)val);
	if (fd >= 0) {
		memset(&cm, 0, sizeof(cm));
		msg.msg_control = cm.buf;
		msg.msg_controllen = sizeof(cm.buf);
		cm.h.cmsg_level = SOL_SOCKET;
		cm.h.cmsg_type = SCM_RIGHTS;
		cm.h.cmsg_len = CMSG_LEN(sizeof(int));
		memcpy(CMSG_DATA(&cm.h), &fd, sizeof(int));
	}
	n = sendmsg(sock, &msg, MSG_NOSIGNAL);
	if (n < 0)
		return -errno;
	return n == sizeof(val) ? 0 : -EIO;
}

static void close_fds(int *fds, unsigned int n)
{
	unsigned int i;

	for (i = 0; i < n; i++) {
		if (fds[i] >= 0)
			close(fds[i]);
		fds[i] = -1;
	}
}

int ivshmem_server_open(struct ivshmem_server *s, const char *path, size_t shm_size,
			unsigned int vectors)
{
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	unsigned int i;
	int ret;

	memset(s, 0, sizeof(*s));
	s->listen_fd = s->client_fd = s->shm_fd = -1;
	for (i = 0; i < IVSHMEM_MAX_VECTORS; i++)
		s->card_ev[i] = s->guest_ev[i] = -1;
	if (vectors < 1 || vectors > IVSHMEM_MAX_VECTORS || strlen(path) >= sizeof(sa.sun_path))
		return -EINVAL;
	s->vectors = vectors;
	s->path = strdup(path);
	if (!s->path)
		return -ENOMEM;

	s->shm_fd = memfd_create("portdp-card-bar2", MFD_CLOEXEC);
	if (s->shm_fd < 0 || ftruncate(s->shm_fd, (off_t)shm_size) < 0)
		goto fail_errno;
	for (i = 0; i < vectors; i++) {
		s->card_ev[i] = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
		if (s->card_ev[i] < 0)
			goto fail_errno;
	}
	s->listen_fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (s->listen_fd < 0)
		goto fail_errno;
	strcpy(sa.sun_path, path);
	unlink(path); /* a stale socket of an earlier run */
	if (bind(s->listen_fd, (struct sockaddr *)&sa, sizeof(sa)) < 0 ||
	    listen(s->listen_fd, 4) < 0)
		goto fail_errno;
	return 0;

fail_errno:
	ret = -errno;
	ivshmem_server_close(s);
	return ret;
}

void ivshmem_server_drop(struct ivshmem_server *s)
{
	if (s->client_fd >= 0)
		close(s->client_fd);
	s->client_fd = -1;
	close_fds(s->guest_ev, s->vectors);
}

void ivshmem_server_close(struct ivshmem_server *s)
{
	ivshmem_server_drop(s);
	close_fds(s->card_ev, s->vectors);
	if (s->listen_fd >= 0) {
		close(s->listen_fd);
		unlink(s->path);
	}
	if (s->shm_fd >= 0)
		close(s->shm_fd);
	free(s->path);
	s->listen_fd = s->shm_fd = -1;
	s->path = NULL;
}

int ivshmem_server_accept(struct ivshmem_server *s)
{
	unsigned int i;
	int fd, ret;

	fd = accept4(s->listen_fd, NULL, NULL, SOCK_CLOEXEC);
	if (fd < 0)
		return -errno;
	if (s->client_fd >= 0) {
		close(fd);
		return -EBUSY;
	}
	s->client_fd = fd;
	for (i = 0; i < s->vectors; i++) {
		s->guest_ev[i] = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
		if (s->guest_ev[i] < 0) {
			ret = -errno;
			goto fail;
		}
	}
	/* version, your id, the shared memory */
	ret = send_msg(fd, 0, -1);
	if (!ret)
		ret = send_msg(fd, IVSHMEM_GUEST_ID, -1);
	if (!ret)
		ret = send_msg(fd, -1, s->shm_fd);
	/* peer 0 (the card): one eventfd per vector, rung by the guest's doorbell */
	for (i = 0; !ret && i < s->vectors; i++)
		ret = send_msg(fd, IVSHMEM_CARD_ID, s->card_ev[i]);
	/* the guest itself: its interrupt eventfds, which the card writes */
	for (i = 0; !ret && i < s->vectors; i++)
		ret = send_msg(fd, IVSHMEM_GUEST_ID, s->guest_ev[i]);
	if (!ret)
		return 0;
fail:
	ivshmem_server_drop(s);
	return ret;
}

void ivshmem_server_notify(struct ivshmem_server *s, unsigned int v)
{
	uint64_t one = 1;

	if (v >= s->vectors)
		v = 0;
	if (s->guest_ev[v] >= 0 && write(s->guest_ev[v], &one, sizeof(one)) < 0) {
		/* EAGAIN: the counter is saturated, the guest is interrupted anyway */
	}
}

void ivshmem_server_drain(struct ivshmem_server *s, unsigned int v)
{
	uint64_t cnt;

	while (v < s->vectors && read(s->card_ev[v], &cnt, sizeof(cnt)) == sizeof(cnt))
		;
}
