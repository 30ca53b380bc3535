// SPDX-License-Identifier: GPL-2.0
/*
 * portdp_pcierr_test - the PCI driver's error handlers and .shutdown, run
 * by selftests/kmod/portdp_pcierr_test.ko the way the PCI core runs them
 * (QEMU's ivshmem has no AER capability, so aer_inject cannot reach it,
 * and a real reboot ends the guest: the harness checks that one apart, in
 * the serial log after the guest powers off).
 *   - a recoverable error: what is in flight fails with -EIO at once, a new
 *     request waits through the error (even with the card answering
 *     again), and is served after slot_reset + resume;
 *   - a permanent error and .shutdown: the card is gone as if unplugged
 *     (-ENODEV, EPOLLHUP, the node removed); rebinding the function gives
 *     a working card.
 * PCIe only: the USB card has no PCI function.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/syscall.h>
#include <unistd.h>
#include <liburing.h>
#include <linux/portdp_accel.h>
#include "kselftest_harness.h"
#include "portdp_common.h"

#define KMOD_NAME	"portdp_pcierr_test"
#define KMOD_PATH	"/lib/portdp-test/" KMOD_NAME ".ko"
#define PARAM		"/sys/module/" KMOD_NAME "/parameters/"
#define DRV		"/sys/bus/pci/drivers/portdp_accel/"
#define N		8
#define FREEZE_MS	"/sys/module/portdp_accel/parameters/freeze_ms"

static struct portdp_random rnd[N + 1];
static uint8_t buf[N + 1][32];

static int write_str(const char *path, const char *s)
{
	int fd = open(path, O_WRONLY), ret = 0;

	if (fd < 0)
		return -errno;
	if (write(fd, s, strlen(s)) < 0)
		ret = -errno;
	close(fd);
	return ret;
}

static void read_param(const char *path, char *out, size_t len)
{
	FILE *f = fopen(path, "r");

	if (!f)
		return;
	if (fgets(out, len, f))
		out[strcspn(out, "\n")] = '\0';
	fclose(f);
}

/* Runs one handler through the test module; its answer in @out. */
static int step(const char *what, char *out, size_t len)
{
	FILE *f;

	if (write_str(PARAM "step", what))
		return -1;
	f = fopen(PARAM "result", "r");
	if (!f)
		return -1;
	if (!fgets(out, len, f))
		out[0] = '\0';
	fclose(f);
	out[strcspn(out, "\n")] = '\0';
	return 0;
}

static int load_kmod(void)
{
	int fd = open(KMOD_PATH, O_RDONLY | O_CLOEXEC), err = 0;

	if (fd < 0)
		return -1;
	if (syscall(__NR_finit_module, fd, "", 0) && errno != EEXIST)
		err = -1;
	close(fd);
	return err;
}

/* The PCI address of portdp-accel0 (its parent link). */
static int pci_addr(char *out, size_t len)
{
	char link[512];
	ssize_t n = readlink(PORTDP_SYSFS "/device", link, sizeof(link) - 1);

	if (n < 0)
		return -1;
	link[n] = '\0';
	snprintf(out, len, "%s", strrchr(link, '/') + 1);
	return 0;
}

static void submit_random(struct io_uring *ring, int fd, int i)
{
	struct io_uring_sqe *sqe = io_uring_get_sqe(ring);

	rnd[i] = (struct portdp_random){ .buf = (uintptr_t)buf[i], .len = sizeof(buf[i]) };
	io_uring_prep_rw(IORING_OP_URING_CMD, sqe, fd, NULL, 0, 0);
	sqe->cmd_op = PORTDP_IOC_RANDOM;
	memset(sqe->cmd, 0, 16);
	((struct portdp_uring_cmd *)sqe->cmd)->arg = (uintptr_t)&rnd[i];
	sqe->user_data = i;
}

/* Waits up to @ms for one completion: its result, or 1 when none came. */
static int wait_cqe_ms(struct io_uring *ring, int ms)
{
	struct __kernel_timespec ts = { .tv_sec = ms / 1000, .tv_nsec = (ms % 1000) * 1000000L };
	struct io_uring_cqe *cqe;
	int res;

	if (io_uring_wait_cqe_timeout(ring, &cqe, &ts))
		return 1;
	res = cqe->res;
	io_uring_cqe_seen(ring, cqe);
	return res;
}

static int node_gone_within(int ms)
{
	for (; ms > 0; ms -= 10) {
		if (access(PORTDP_DEV, F_OK))
			return 1;
		usleep(10000);
	}
	return 0;
}

FIXTURE(pcierr) {
	char addr[64];
	int fd;
};

FIXTURE_SETUP(pcierr)
{
	self->fd = -1;
	if (getenv("PORTDP_USB_CTL"))
		SKIP(return, "the USB card has no PCI function");
	if (!pdt_hostctl_available())
		SKIP(return, "no harness control channel");
	if (access(KMOD_PATH, R_OK))
		SKIP(return, "no test module");
	ASSERT_EQ(0, load_kmod());
	self->fd = pdt_open(10000);
	ASSERT_LE(0, self->fd);
	ASSERT_EQ(0, pci_addr(self->addr, sizeof(self->addr)));
}

FIXTURE_TEARDOWN(pcierr)
{
	if (self->fd >= 0)
		close(self->fd);
}

/*
 * A card that comes back registers its crypto algorithms again and the
 * crypto manager tests them in the background: wait for those tests, so
 * that the next test, which stops or unbinds the card, cannot fail them.
 */
static int algs_tested_within(int ms)
{
	char line[256], driver[128] = "";
	int pending;
	FILE *f;

	for (; ms > 0; ms -= 100) {
		f = fopen("/proc/crypto", "r");
		if (!f)
			return 0;
		pending = 0;
		while (fgets(line, sizeof(line), f)) {
			if (sscanf(line, "driver : %127s", driver) == 1)
				continue;
			if (strstr(driver, "portdp") && strstr(line, "selftest") &&
			    strstr(line, "unknown"))
				pending = 1;
		}
		fclose(f);
		if (!pending)
			return 1;
		usleep(100000);
	}
	return 0;
}

/* After the card went away: unbind and bind the function, it works again. */
static void rebind_works(struct __test_metadata *_metadata, const char *addr)
{
	uint8_t x[16];
	struct portdp_random r = { .buf = (uintptr_t)x, .len = 16 };
	int fd;

	ASSERT_EQ(0, write_str(DRV "unbind", addr));
	ASSERT_EQ(0, write_str(DRV "bind", addr));
	fd = pdt_open(10000);
	ASSERT_LE(0, fd);
	ASSERT_EQ(0, pdt_wait_state("ready", 10000));
	EXPECT_EQ(0, ioctl(fd, PORTDP_IOC_RANDOM, &r));
	close(fd);
	EXPECT_TRUE(algs_tested_within(20000));
}

TEST_F(pcierr, recoverable_error)
{
	uint8_t x[16];
	struct portdp_random r = { .buf = (uintptr_t)x, .len = 16 };
	struct io_uring ring;
	char res[64], state[32];
	int i, eio = 0, other = 0, v;

	/* 6.1's harness runs the body after a SKIP in the setup */
	if (self->fd < 0)
		return;

	ASSERT_EQ(0, ioctl(self->fd, PORTDP_IOC_RANDOM, &r));
	ASSERT_EQ(0, io_uring_queue_init(2 * N, &ring, 0));
	/* The card stops: these stay in flight until the error fails them. */
	ASSERT_EQ(0, pdt_hostctl("stop-card"));
	for (i = 0; i < N; i++)
		submit_random(&ring, self->fd, i);
	ASSERT_EQ(N, io_uring_submit(&ring));
	usleep(200000);
	ASSERT_EQ(0, step("frozen", res, sizeof(res)));
	EXPECT_STREQ("need_reset", res);
	for (i = 0; i < N; i++) {
		v = wait_cqe_ms(&ring, 1000);
		if (v == -EIO)
			eio++;
		else
			other++;
	}
	EXPECT_EQ(N, eio);
	EXPECT_EQ(0, other);
	ASSERT_EQ(0, pdt_sysfs_read("state", state, sizeof(state)));
	EXPECT_STREQ("resetting", state);

	/* A new request waits through the error, even once the card answers. */
	submit_random(&ring, self->fd, N);
	ASSERT_EQ(1, io_uring_submit(&ring));
	EXPECT_EQ(1, wait_cqe_ms(&ring, 300));
	ASSERT_EQ(0, pdt_hostctl("restart-card"));
	EXPECT_EQ(1, wait_cqe_ms(&ring, 500));

	ASSERT_EQ(0, step("slot_reset", res, sizeof(res)));
	EXPECT_STREQ("recovered", res);
	EXPECT_EQ(1, wait_cqe_ms(&ring, 200));
	ASSERT_EQ(0, step("resume", res, sizeof(res)));
	EXPECT_STREQ("done", res);
	EXPECT_EQ(0, wait_cqe_ms(&ring, 10000));
	EXPECT_EQ(0, pdt_wait_state("ready", 10000));
	EXPECT_EQ(0, ioctl(self->fd, PORTDP_IOC_RANDOM, &r));
	io_uring_queue_exit(&ring);
	EXPECT_TRUE(algs_tested_within(20000));
}

/*
 * A recovery that never ends (the AER core gave up): what waits fails with
 * -EIO after freeze_ms and the card is dead; a late resume still brings it back.
 */
TEST_F(pcierr, recovery_never_ends)
{
	uint8_t x[16];
	struct portdp_random r = { .buf = (uintptr_t)x, .len = 16 };
	struct io_uring ring;
	char res[64], state[32], old[32] = "30000";
	int v;

	/* 6.1's harness runs the body after a SKIP in the setup */
	if (self->fd < 0)
		return;
	read_param(FREEZE_MS, old, sizeof(old));
	ASSERT_EQ(0, write_str(FREEZE_MS, "1000"));
	ASSERT_EQ(0, io_uring_queue_init(4, &ring, 0));
	ASSERT_EQ(0, step("frozen", res, sizeof(res)));
	EXPECT_STREQ("need_reset", res);
	submit_random(&ring, self->fd, 0);
	ASSERT_EQ(1, io_uring_submit(&ring));
	EXPECT_EQ(1, wait_cqe_ms(&ring, 500));
	v = wait_cqe_ms(&ring, 3000);
	EXPECT_EQ(-EIO, v);
	ASSERT_EQ(0, pdt_sysfs_read("state", state, sizeof(state)));
	EXPECT_STREQ("dead", state);
	EXPECT_EQ(-1, ioctl(self->fd, PORTDP_IOC_RANDOM, &r));
	EXPECT_EQ(EIO, errno);
	write_str(FREEZE_MS, old);
	ASSERT_EQ(0, step("slot_reset", res, sizeof(res)));
	ASSERT_EQ(0, step("resume", res, sizeof(res)));
	EXPECT_EQ(0, pdt_wait_state("ready", 10000));
	EXPECT_EQ(0, ioctl(self->fd, PORTDP_IOC_RANDOM, &r));
	io_uring_queue_exit(&ring);
	EXPECT_TRUE(algs_tested_within(20000));
}

TEST_F(pcierr, permanent_error)
{
	uint8_t x[16];
	struct portdp_random r = { .buf = (uintptr_t)x, .len = 16 };
	struct pollfd p;
	char res[64];

	/* 6.1's harness runs the body after a SKIP in the setup */
	if (self->fd < 0)
		return;

	ASSERT_EQ(0, step("perm_failure", res, sizeof(res)));
	EXPECT_STREQ("disconnect", res);
	EXPECT_EQ(-1, ioctl(self->fd, PORTDP_IOC_RANDOM, &r));
	EXPECT_EQ(ENODEV, errno);
	p = (struct pollfd){ .fd = self->fd, .events = POLLIN };
	EXPECT_EQ(1, poll(&p, 1, 1000));
	EXPECT_TRUE(p.revents & POLLHUP);
	EXPECT_TRUE(node_gone_within(1000));
	/* The function is still bound, but nothing of the card is left. */
	ASSERT_EQ(0, step("slot_reset", res, sizeof(res)));
	EXPECT_STREQ("disconnect", res);
	/* The open file holds the old device and its number: close it first. */
	close(self->fd);
	self->fd = -1;
	rebind_works(_metadata, self->addr);
}

TEST_F(pcierr, shutdown)
{
	uint8_t x[16];
	struct portdp_random r = { .buf = (uintptr_t)x, .len = 16 };
	struct io_uring ring;
	struct pollfd p;
	char res[64];
	int i, enodev = 0;

	/* 6.1's harness runs the body after a SKIP in the setup */
	if (self->fd < 0)
		return;

	ASSERT_EQ(0, io_uring_queue_init(2 * N, &ring, 0));
	ASSERT_EQ(0, pdt_hostctl("stop-card"));
	for (i = 0; i < N; i++)
		submit_random(&ring, self->fd, i);
	ASSERT_EQ(N, io_uring_submit(&ring));
	usleep(200000);
	ASSERT_EQ(0, step("shutdown", res, sizeof(res)));
	EXPECT_STREQ("done", res);
	for (i = 0; i < N; i++)
		if (wait_cqe_ms(&ring, 1000) == -ENODEV)
			enodev++;
	EXPECT_EQ(N, enodev);
	io_uring_queue_exit(&ring);
	EXPECT_EQ(-1, ioctl(self->fd, PORTDP_IOC_RANDOM, &r));
	EXPECT_EQ(ENODEV, errno);
	p = (struct pollfd){ .fd = self->fd, .events = POLLIN };
	EXPECT_EQ(1, poll(&p, 1, 1000));
	EXPECT_TRUE(p.revents & POLLHUP);
	EXPECT_TRUE(node_gone_within(1000));
	ASSERT_EQ(0, pdt_hostctl("restart-card"));
	close(self->fd);
	self->fd = -1;
	rebind_works(_metadata, self->addr);
	/* The last test: the module goes (nothing else uses it). */
	EXPECT_EQ(0, syscall(__NR_delete_module, KMOD_NAME, O_NONBLOCK));
}

TEST_HARNESS_MAIN
