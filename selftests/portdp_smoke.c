// SPDX-License-Identifier: GPL-2.0
#include "kselftest_harness.h"
#include <unistd.h>
TEST(node_exists)
{
	if (access("/dev/portdp-accel0", F_OK))
		SKIP(return, "no device");
}
TEST_HARNESS_MAIN
