// SPDX-License-Identifier: GPL-2.0
/*
 * portdp_usb_pm_test - system suspend and resume of the USB card (the
 * driver's usb_driver .suspend/.resume). A real suspend would stop the
 * guest for good (nothing wakes it under QEMU), so the PM core's own test
 * mode does it: pm_test "devices" with state "freeze" freezes the tasks,
 * suspends every device, waits pm_test_delay seconds and resumes them. The
 * card must come back by itself (resume resets it: card_restarts and
 * resets count up, key slots persist) and serve again; a key made before
 * still signs. Runtime autosuspend is refused by design
 * (supports_autosuspend = 0, docs/card-protocol.md): checked too.
 * USB only: the PCIe card has no suspend support of its own.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>
#include <linux/portdp_accel.h>
#include "kselftest_harness.h"
#include "portdp_common.h"

#define PM_TEST		"/sys/power/pm_test"
#define PM_STATE	"/sys/power/state"
#define SLOT		22	/* no other test's */
#define PM_DELAY	"/sys/module/suspend/parameters/pm_test_delay"

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

static int read_str(const char *path, char *buf, size_t len)
{
	FILE *f = fopen(path, "r");

	if (!f)
		return -1;
	if (!fgets(buf, len, f))
		buf[0] = '\0';
	fclose(f);
	buf[strcspn(buf, "\n")] = '\0';
	return 0;
}

TEST(system_suspend_resume)
{
	struct portdp_ecdsa_sign sg = { .slot = SLOT, .digest_len = 32 };
	struct portdp_key key;
	uint8_t x[16];
	struct portdp_random r = { .buf = (uintptr_t)x, .len = 16 };
	long long restarts, resets;
	char path[512], val[64];
	int fd, err;

	if (!getenv("PORTDP_USB_CTL"))
		SKIP(return, "the USB boot's test");
	if (access(PM_TEST, W_OK) || access(PM_STATE, W_OK))
		SKIP(return, "kernel without CONFIG_PM_DEBUG/CONFIG_SUSPEND");
	fd = pdt_open(10000);
	ASSERT_LE(0, fd);
	ASSERT_EQ(0, pdt_key_fresh(fd, SLOT, &key));
	ASSERT_EQ(0, ioctl(fd, PORTDP_IOC_RANDOM, &r));
	/* Autosuspend is refused: the driver does not support it. */
	snprintf(path, sizeof(path), "%s/device/supports_autosuspend", PORTDP_SYSFS);
	if (!read_str(path, val, sizeof(val)))
		EXPECT_STREQ("0", val);
	restarts = pdt_sysfs_num("card_restarts");
	resets = pdt_sysfs_num("resets");

	write_str(PM_DELAY, "1");
	ASSERT_EQ(0, write_str(PM_TEST, "devices"));
	err = write_str(PM_STATE, "freeze");
	write_str(PM_TEST, "none");
	ASSERT_EQ(0, err) TH_LOG("suspend test failed: %s", strerror(-err));

	ASSERT_EQ(0, pdt_wait_state("ready", 10000));
	EXPECT_EQ(0, ioctl(fd, PORTDP_IOC_RANDOM, &r));
	EXPECT_LT(restarts, pdt_sysfs_num("card_restarts"));
	EXPECT_LT(resets, pdt_sysfs_num("resets"));
	/* The key made before the suspend still signs. */
	pdt_sha256("suspend", 7, sg.digest);
	ASSERT_EQ(0, ioctl(fd, PORTDP_IOC_ECDSA_SIGN, &sg));
	EXPECT_EQ(1, pdt_ossl_verify(key.pub, sg.digest, 32, sg.sig));
	close(fd);
}

TEST_HARNESS_MAIN
