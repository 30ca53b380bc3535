// SPDX-License-Identifier: Apache-2.0
/*
 * A user's first program on libportdp-accel, built by test-installed.sh with
 * nothing but `pkg-config --cflags --libs portdp-accel`: random bytes from the
 * soft backend, and the dev backend present: it rejects "dev:not-a-path"
 * with -EINVAL, where a library without its card backend would say -ENODEV.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <portdp/accel.h>

int main(int argc, char **argv)
{
	struct pdp_accel *a = NULL;
	uint8_t r[16];
	int rc;

	if (argc != 2)
		return 2;
	rc = pdp_accel_open("soft:", &a);
	if (rc || pdp_random(a, r, sizeof(r))) {
		fprintf(stderr, "soft: %s\n", strerror(-rc));
		return 1;
	}
	printf("backend %s\n", pdp_accel_backend(a));
	pdp_accel_close(a);
	a = NULL;
	rc = pdp_accel_open(argv[1], &a);
	printf("%s: %d (%s)\n", argv[1], rc, strerror(-rc));
	pdp_accel_close(a);
	return rc == -EINVAL ? 0 : 1;
}
