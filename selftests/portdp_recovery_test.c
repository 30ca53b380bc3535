// SPDX-License-Identifier: GPL-2.0
/*
 * portdp_recovery_test - the card stops answering with requests in flight:
 * they fail (-ETIMEDOUT/-EIO, never hang), the driver resets, and once the
 * card is back the device is ready again and works. Needs the harness'
 * control channel (PORTDP_HOSTCTL) to hang and restart the card.
 */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>
#include <liburing.h>
#include <linux/portdp_accel.h>
#include <card/portdp_card.h>
#include "kselftest_harness.h"
#include "portdp_common.h"

#define N	200

static struct portdp_random rnd[2 * N];
static uint8_t buf[2 * N][64];

static void submit_batch(struct io_uring *ring, int fd, int first)
{
	int i;

	for (i = first; i < first + N; i++) {
		struct io_uring_sqe *sqe = io_uring_get_sqe(ring);

		rnd[i] = (struct portdp_random){ .buf = (uintptr_t)buf[i], .len = 64 };
		io_uring_prep_rw(IORING_OP_URING_CMD, sqe, fd, NULL, 0, 0);
		sqe->cmd_op = PORTDP_IOC_RANDOM;
		memset(sqe->cmd, 0, 16);
		((struct portdp_uring_cmd *)sqe->cmd)->arg = (uintptr_t)&rnd[i];
	}
	io_uring_submit(ring);
}

TEST(card_hangs_mid_request)
{
	struct io_uring_cqe *cqe;
	struct io_uring ring;
	int fd, i, ok = 0, failed = 0, other = 0;
	long long timeouts;
	uint8_t x[16];
	struct portdp_random r = { .buf = (uintptr_t)x, .len = 16 };

	if (!pdt_hostctl_available())
		SKIP(return, "no harness control channel");
	fd = pdt_open(5000);
	ASSERT_LE(0, fd);
	timeouts = pdt_sysfs_num("timeouts");
	ASSERT_EQ(0, io_uring_queue_init(2 * N, &ring, 0));
	/* Batch 1 races the hang; batch 2 goes to a card that hangs. */
	submit_batch(&ring, fd, 0);
	ASSERT_EQ(0, pdt_hostctl("stop-card"));
	usleep(200000);
	submit_batch(&ring, fd, N);
	for (i = 0; i < 2 * N; i++) {
		ASSERT_EQ(0, io_uring_wait_cqe(&ring, &cqe));
		if (!cqe->res)
			ok++;
		else if (cqe->res == -ETIMEDOUT || cqe->res == -EIO)
			failed++;
		else
			other++;
		io_uring_cqe_seen(&ring, cqe);
	}
	io_uring_queue_exit(&ring);
	TH_LOG("%d answered before the hang, %d failed", ok, failed);
	EXPECT_EQ(0, other);
	EXPECT_LE(N, failed);
	EXPECT_LT(timeouts, pdt_sysfs_num("timeouts"));
	/* While the card hangs, commands fail quickly instead of hanging. */
	EXPECT_NE(0, ioctl(fd, PORTDP_IOC_RANDOM, &r));

	ASSERT_EQ(0, pdt_hostctl("restart-card"));
	ASSERT_EQ(0, pdt_wait_state("ready", 10000));
	EXPECT_EQ(0, ioctl(fd, PORTDP_IOC_RANDOM, &r));
	close(fd);
}

/*
 * A card whose self-test fails stays reachable for diagnosis: the device
 * is "failed", GET_INFO/SELF_TEST/GET_COUNTERS answer (the failed test
 * named), everything else is -EIO, the crypto API keeps off it; healed,
 * it is ready again.
 */
TEST(failed_self_test_is_diagnosable)
{
	struct portdp_card_counters cnt;
	struct portdp_self_test st;
	struct portdp_info info;
	uint8_t x[16];
	struct portdp_random r = { .buf = (uintptr_t)x, .len = 16 };
	int fd;

	if (!pdt_hostctl_available())
		SKIP(return, "no harness control channel");
	fd = pdt_open(5000);
	ASSERT_LE(0, fd);
	ASSERT_EQ(0, pdt_hostctl("fail-card"));
	ASSERT_EQ(0, pdt_wait_state("failed", 10000));
	ASSERT_EQ(0, ioctl(fd, PORTDP_IOC_GET_INFO, &info));
	EXPECT_EQ(PORTDP_STATE_FAILED, info.state);
	ASSERT_EQ(0, ioctl(fd, PORTDP_IOC_SELF_TEST, &st));
	EXPECT_NE(0, st.failed & PDC_SELFTEST_ECDH);
	EXPECT_EQ(0, ioctl(fd, PORTDP_IOC_GET_COUNTERS, &cnt));
	EXPECT_EQ(-1, ioctl(fd, PORTDP_IOC_RANDOM, &r));
	EXPECT_EQ(EIO, errno);

	ASSERT_EQ(0, pdt_hostctl("restart-card"));
	ASSERT_EQ(0, pdt_wait_state("ready", 10000));
	EXPECT_EQ(0, ioctl(fd, PORTDP_IOC_RANDOM, &r));
	ASSERT_EQ(0, ioctl(fd, PORTDP_IOC_SELF_TEST, &st));
	EXPECT_EQ(0, st.failed);
	close(fd);
}

TEST_HARNESS_MAIN
