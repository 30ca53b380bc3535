// SPDX-License-Identifier: GPL-2.0
/*
 * portdp_backlog_test - loads selftests/kmod/portdp_backlog_test.ko, which
 * overfills the card's queue through the crypto API with and without
 * CRYPTO_TFM_REQ_MAY_BACKLOG, and reports its verdict in its "result"
 * parameter; then unloads it.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>
#include "kselftest_harness.h"
#include "portdp_common.h"

#define KMOD_NAME	"portdp_backlog_test"
#define KMOD_PATH	"/lib/portdp-test/" KMOD_NAME ".ko"
#define RESULT		"/sys/module/" KMOD_NAME "/parameters/result"

TEST(backlog_contract)
{
	char result[256] = "";
	FILE *f;
	int fd;

	if (access(PORTDP_DEV, F_OK))
		SKIP(return, "no card");
	if (access(KMOD_PATH, R_OK))
		SKIP(return, "no test module");
	/* transport-neutral (core and crypto glue), and 4000 ECDH take minutes there */
	if (getenv("PORTDP_USB_CTL"))
		SKIP(return, "runs on the PCIe card: the USB card's firmware is emulated in the guest");
	fd = open(KMOD_PATH, O_RDONLY | O_CLOEXEC);
	ASSERT_LE(0, fd);
	ASSERT_EQ(0, syscall(__NR_finit_module, fd, "", 0));
	close(fd);
	f = fopen(RESULT, "r");
	ASSERT_NE(NULL, f);
	ASSERT_NE(NULL, fgets(result, sizeof(result), f));
	fclose(f);
	TH_LOG("%s", result);
	EXPECT_EQ(0, strncmp(result, "passed", 6));
	EXPECT_EQ(0, syscall(__NR_delete_module, KMOD_NAME, O_NONBLOCK));
}

TEST_HARNESS_MAIN
