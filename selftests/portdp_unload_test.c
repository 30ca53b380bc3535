// SPDX-License-Identifier: GPL-2.0
/*
 * portdp_unload_test - runs last. The module cannot go while a file is
 * open; unbinding the bus device (PCI function or USB interface) with
 * requests in flight fails them with
 * -ENODEV without hanging; then the module unloads, loads again, and the
 * card works.
 */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/syscall.h>
#include <unistd.h>
#include <linux/portdp_accel.h>
#include "kselftest_harness.h"
#include "portdp_common.h"

/* The bus driver of portdp-accel0: PCI, or USB (the interface's driver). */
#define DRV_LINK PORTDP_SYSFS "/device/driver"

static volatile int stop;
static int enodev_seen;

static void *hammer(void *arg)
{
	int fd = *(int *)arg;
	uint8_t x[256];
	struct portdp_random r = { .buf = (uintptr_t)x, .len = sizeof(x) };

	while (!stop)
		if (ioctl(fd, PORTDP_IOC_RANDOM, &r) && errno == ENODEV)
			enodev_seen = 1;
	return NULL;
}

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

/* The bus address of portdp-accel0, from its parent link. */
static int pci_addr(char *out, size_t len)
{
	char link[512];
	ssize_t n = readlink(PORTDP_SYSFS "/device", link, sizeof(link) - 1);

	if (n < 0)
		return -1;
	link[n] = '\0';
	strncpy(out, strrchr(link, '/') + 1, len - 1);
	out[len - 1] = '\0';
	return 0;
}

TEST(unbind_and_unload_while_busy)
{
	pthread_t t[2];
	char addr[64], drv[512], unbind[600];
	uint8_t x[16];
	struct portdp_random r = { .buf = (uintptr_t)x, .len = 16 };
	int fd, i;

	fd = pdt_open(5000);
	if (fd < 0)
		SKIP(return, "no card");
	ASSERT_EQ(0, pci_addr(addr, sizeof(addr)));
	ASSERT_NE(NULL, realpath(DRV_LINK, drv));
	snprintf(unbind, sizeof(unbind), "%s/unbind", drv);
	/* A file is open: the module is busy. */
	EXPECT_NE(0, syscall(__NR_delete_module, "portdp_accel", O_NONBLOCK));
	EXPECT_TRUE(errno == EWOULDBLOCK || errno == EBUSY || errno == EAGAIN);

	for (i = 0; i < 2; i++)
		ASSERT_EQ(0, pthread_create(&t[i], NULL, hammer, &fd));
	usleep(300000);
	ASSERT_EQ(0, write_str(unbind, addr));
	usleep(200000);
	stop = 1;
	for (i = 0; i < 2; i++)
		pthread_join(t[i], NULL);
	EXPECT_TRUE(enodev_seen);
	/* The open file outlives the device: clean errors, no crash. */
	EXPECT_NE(0, ioctl(fd, PORTDP_IOC_RANDOM, &r));
	EXPECT_EQ(ENODEV, errno);
	close(fd);

	ASSERT_EQ(0, syscall(__NR_delete_module, "portdp_accel", O_NONBLOCK));
	ASSERT_EQ(0, system("modprobe portdp_accel"));
	fd = pdt_open(10000);
	ASSERT_LE(0, fd);
	EXPECT_EQ(0, ioctl(fd, PORTDP_IOC_RANDOM, &r));
	close(fd);
}

TEST_HARNESS_MAIN
