/* SPDX-License-Identifier: GPL-2.0 */
/*
 * portdp_uring_compat.h - the few io_uring driver calls portdp_cdev.c uses,
 * in one place: their signatures move between kernel releases (6.1 as
 * Debian ships it: io_uring_cmd_done() with 4 arguments, the SQE payload
 * at cmd->cmd, a 32-byte pdu; later kernels add io_uring_sqe_cmd() and
 * io_uring_cmd_to_pdu()).
 */
#ifndef PORTDP_URING_COMPAT_H
#define PORTDP_URING_COMPAT_H

#include <linux/io_uring.h>
#include <linux/version.h>

#if LINUX_VERSION_CODE >= KERNEL_VERSION(6, 6, 0)
#include <linux/io_uring/cmd.h>
#endif

static inline const void *portdp_uring_payload(const struct io_uring_cmd *cmd)
{
#if LINUX_VERSION_CODE >= KERNEL_VERSION(6, 6, 0)
	return io_uring_sqe_cmd(cmd->sqe);
#else
	return cmd->cmd;
#endif
}

/* The driver's per-command scratch space (one pointer is all we keep). */
static inline void **portdp_uring_pdu(struct io_uring_cmd *cmd)
{
	BUILD_BUG_ON(sizeof(cmd->pdu) < sizeof(void *));
	return (void **)cmd->pdu;
}

static inline void portdp_uring_done(struct io_uring_cmd *cmd, ssize_t ret,
				     unsigned int issue_flags)
{
	io_uring_cmd_done(cmd, ret, 0, issue_flags);
}

typedef void (*portdp_uring_cb_t)(struct io_uring_cmd *cmd, unsigned int issue_flags);

static inline void portdp_uring_complete_in_task(struct io_uring_cmd *cmd, portdp_uring_cb_t cb)
{
	io_uring_cmd_complete_in_task(cmd, cb);
}

#endif /* PORTDP_URING_COMPAT_H */
