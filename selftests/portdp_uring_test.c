// SPDX-License-Identifier: GPL-2.0
/*
 * portdp_uring_test - the card commands through io_uring URING_CMD:
 * batches of hundreds in flight (more than the card's 64-entry ring),
 * every result checked, and bad submissions failing in their CQE.
 */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <liburing.h>
#include <linux/portdp_accel.h>
#include "kselftest_harness.h"
#include "portdp_common.h"

#define BATCH	512
#define SLOT	7

/* liburing 2.3 has no io_uring_prep_uring_cmd. */
static void prep_cmd(struct io_uring_sqe *sqe, int fd, unsigned int op, void *arg, uint64_t ud)
{
	struct portdp_uring_cmd *uc;

	io_uring_prep_rw(IORING_OP_URING_CMD, sqe, fd, NULL, 0, 0);
	sqe->cmd_op = op;
	uc = (struct portdp_uring_cmd *)sqe->cmd;
	memset(uc, 0, sizeof(*uc));
	uc->arg = (uintptr_t)arg;
	sqe->user_data = ud;
}

FIXTURE(ring) {
	int fd;
	struct io_uring ring;
};

FIXTURE_SETUP(ring)
{
	self->fd = pdt_open(5000);
	if (self->fd < 0)
		SKIP(return, PORTDP_DEV " not present");
	ASSERT_EQ(0, io_uring_queue_init(BATCH, &self->ring, 0));
}

FIXTURE_TEARDOWN(ring)
{
	if (self->fd >= 0) {
		io_uring_queue_exit(&self->ring);
		close(self->fd);
	}
}

TEST_F(ring, batch_sign_and_random)
{
	static struct portdp_ecdsa_sign sign[BATCH];
	static struct portdp_random rnd[BATCH];
	static uint8_t bytes[BATCH][16];
	struct io_uring_cqe *cqe;
	struct portdp_key k;
	int i, done = 0, bad = 0;

	ASSERT_EQ(0, pdt_key_fresh(self->fd, SLOT, &k));
	for (i = 0; i < BATCH; i++) {
		struct io_uring_sqe *sqe = io_uring_get_sqe(&self->ring);

		ASSERT_NE(NULL, sqe);
		if (i % 2) {
			rnd[i] = (struct portdp_random){ .buf = (uintptr_t)bytes[i], .len = 16 };
			prep_cmd(sqe, self->fd, PORTDP_IOC_RANDOM, &rnd[i], i);
		} else {
			sign[i] = (struct portdp_ecdsa_sign){ .slot = SLOT, .digest_len = 32 };
			memset(sign[i].digest, i & 0xff, 32);
			sign[i].digest[0] = i >> 8;
			prep_cmd(sqe, self->fd, PORTDP_IOC_ECDSA_SIGN, &sign[i], i);
		}
	}
	ASSERT_EQ(BATCH, io_uring_submit(&self->ring));
	while (done < BATCH) {
		ASSERT_EQ(0, io_uring_wait_cqe(&self->ring, &cqe));
		i = cqe->user_data;
		if (cqe->res)
			bad++;
		else if (!(i % 2) && pdt_ossl_verify(k.pub, sign[i].digest, 32, sign[i].sig) != 1)
			bad++;
		io_uring_cqe_seen(&self->ring, cqe);
		done++;
	}
	EXPECT_EQ(0, bad);
	/* Random blocks differ from each other. */
	EXPECT_NE(0, memcmp(bytes[1], bytes[3], 16));
}

TEST_F(ring, bad_submissions)
{
	struct portdp_random r = { .buf = 0x10, .len = 16 };
	struct portdp_bsp_seal s = { .tag = 0x99 };
	struct io_uring_cqe *cqe;
	struct io_uring_sqe *sqe;
	int res[4], i;

	prep_cmd(io_uring_get_sqe(&self->ring), self->fd, _IOR(PORTDP_IOC_MAGIC, 0x7e, int), &r, 0);
	prep_cmd(io_uring_get_sqe(&self->ring), self->fd, PORTDP_IOC_RANDOM, &r, 1);
	prep_cmd(io_uring_get_sqe(&self->ring), self->fd, PORTDP_IOC_BSP_SEAL, &s, 2);
	sqe = io_uring_get_sqe(&self->ring);
	prep_cmd(sqe, self->fd, PORTDP_IOC_RANDOM, &r, 3);
	((struct portdp_uring_cmd *)sqe->cmd)->flags = 1;
	ASSERT_EQ(4, io_uring_submit(&self->ring));
	for (i = 0; i < 4; i++) {
		ASSERT_EQ(0, io_uring_wait_cqe(&self->ring, &cqe));
		res[cqe->user_data] = cqe->res;
		io_uring_cqe_seen(&self->ring, cqe);
	}
	EXPECT_EQ(-ENOTTY, res[0]);
	EXPECT_EQ(-EFAULT, res[1]);
	EXPECT_EQ(-EINVAL, res[2]);
	EXPECT_EQ(-EINVAL, res[3]);
}

TEST_HARNESS_MAIN
