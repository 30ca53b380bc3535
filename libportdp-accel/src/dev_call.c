// SPDX-License-Identifier: Apache-2.0
/*
 * One card command, synchronously: a plain ioctl (the simple path) or a
 * 1-deep io_uring, and the one place where driver errors become accel.h's.
 */
#include <errno.h>
#include <stdbool.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "dev.h"

int dev_errno(int err)
{
	switch (err) {
	case 0:
	case -EBADMSG: /* signature did not verify */
	case -ENOENT:  /* empty key slot */
	case -EEXIST:  /* occupied key slot */
	case -ENOSPC:  /* output too small, session table full or session used up */
	case -EINVAL:  /* the driver's checks: bad point, stale session handle, ... */
	case -ENOMEM:
	case -EKEYREJECTED: /* a sealed UPP's data key does not unwrap */
	case -ENODEV: /* card removed or not ready */
		return err;
	case -EBUSY: /* the driver's backlog is full: try again later */
		return -EAGAIN;
	case -ENOTTY: /* a driver without this command */
		return -EOPNOTSUPP;
	case -ETIMEDOUT: /* the card did not answer; the driver resets it */
	case -EFAULT:	 /* our own pointers: would be a bug here, still the card's call failed */
	default:
		return -EIO;
	}
}

void dev_prep_cmd(struct io_uring_sqe *sqe, int fd, unsigned long ioc, void *arg)
{
	struct portdp_uring_cmd *uc;

	/* liburing 2.3 has no io_uring_prep_uring_cmd(). */
	io_uring_prep_rw(IORING_OP_URING_CMD, sqe, fd, NULL, 0, 0);
	sqe->cmd_op = ioc;
	uc = (struct portdp_uring_cmd *)sqe->cmd;
	memset(uc, 0, sizeof(*uc));
	uc->arg = (uintptr_t)arg;
}

static int call_uring(struct dev_accel *da, unsigned long ioc, void *arg)
{
	struct io_uring_sqe *sqe = io_uring_get_sqe(&da->sync_ring);
	struct io_uring_cqe *cqe;
	int ret;

	if (!sqe)
		return -EIO; /* cannot happen: one call at a time on a private ring */
	dev_prep_cmd(sqe, da->fd, ioc, arg);
	do
		ret = io_uring_submit_and_wait(&da->sync_ring, 1);
	while (ret == -EINTR);
	if (ret < 0)
		return ret;
	do
		ret = io_uring_wait_cqe(&da->sync_ring, &cqe);
	while (ret == -EINTR);
	if (ret < 0)
		return ret;
	ret = cqe->res;
	io_uring_cqe_seen(&da->sync_ring, cqe);
	return ret;
}

/*
 * The card went away (a USB card unplugged, a PCI function unbound): look
 * for it again by serial at every /dev/portdp-accelN (a replugged card is a
 * new device, maybe under another number) and move our descriptor over to
 * it. dup3() keeps the number, so another thread's call never meets a
 * closed descriptor. What ran on the old card (its sessions) is lost either
 * way. Returns 1 when the card is back.
 */
int dev_reconnect(struct dev_accel *da)
{
	struct portdp_info info;
	char path[DEV_PATH_MAX];
	int i, fd, found;

	for (i = 0; i < DEV_SCAN_MAX; i++) {
		snprintf(path, sizeof(path), "/dev/portdp-accel%d", i);
		fd = open(path, O_RDWR | O_CLOEXEC);
		if (fd < 0)
			continue;
		found = !ioctl(fd, PORTDP_IOC_GET_INFO, &info) &&
			!memcmp(info.serial, da->info.serial, sizeof(info.serial)) &&
			dup3(fd, da->fd, O_CLOEXEC) >= 0;
		close(fd);
		if (found) {
			snprintf(da->path, sizeof(da->path), "%s", path);
			return 1;
		}
	}
	return 0;
}

/*
 * Commands that may run again on a replugged card after an -ENODEV: they
 * change no key slot, and a session they might have made died with the
 * old card's power. Slot changes and session-bound commands are not
 * repeated (the caller sees -ENODEV).
 */
static bool dev_repeatable(unsigned long ioc)
{
	switch (ioc) {
	case PORTDP_IOC_GET_INFO:
	case PORTDP_IOC_SELF_TEST:
	case PORTDP_IOC_GET_COUNTERS:
	case PORTDP_IOC_RANDOM:
	case PORTDP_IOC_KEY_GET_PUBLIC:
	case PORTDP_IOC_KEY_LIST:
	case PORTDP_IOC_ECDSA_SIGN:
	case PORTDP_IOC_ECDSA_VERIFY:
	case PORTDP_IOC_ECDH_SLOT:
	case PORTDP_IOC_SESSION_CREATE:
		return true;
	default:
		return false;
	}
}

int dev_call(struct dev_accel *da, unsigned long ioc, void *arg)
{
	int ret;

	if (da->sync_uring)
		ret = call_uring(da, ioc, arg);
	else
		ret = ioctl(da->fd, ioc, arg) ? -errno : 0;
	/* a replugged card: reach it again, and once more for a harmless command */
	if (ret == -ENODEV && dev_reconnect(da) && dev_repeatable(ioc)) {
		if (da->sync_uring)
			ret = call_uring(da, ioc, arg);
		else
			ret = ioctl(da->fd, ioc, arg) ? -errno : 0;
	}
	return dev_errno(ret);
}
