/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The accel.h test-suite, written once and run against every backend
 * (test_soft: "soft:", test_dev: "dev:" in the VM guest). A backend hands in
 * its URI and where its keys live; everything else is the same calls with
 * the same expected results, cross-checked with plain OpenSSL and with the
 * eUICC's side of SGP.22 done independently (pdp_sgp22_derive, pdp_scp03t_*).
 */
#ifndef PORTDP_API_SUITE_H
#define PORTDP_API_SUITE_H

#include <stddef.h>

#include "portdp/accel.h"

struct api_backend {
	const char *uri; /* for pdp_accel_open() */
	/* URI of an existing signing key on @curve (soft: a PEM file; dev: a slot set up first). */
	const char *(*key_uri)(enum pdp_curve curve);
	/* URI where a new key may be made and destroyed; @i = 0, 1 for two distinct ones. */
	const char *(*scratch_uri)(int i);
	/* A key URI of the other backend's kind, which this one must refuse. */
	const char *foreign_uri;
};

struct CMUnitTest;
/*
 * Copy the suite's tests for backend @b into @out (room for @max) so a test
 * program runs them with its own in one group; returns how many.
 */
size_t api_suite_tests(const struct api_backend *b, struct CMUnitTest *out, size_t max);

/* Helpers the backend-specific tests share with the suite. */
struct pdp_accel *api_open(void);
struct pdp_key *api_key(struct pdp_accel *a, enum pdp_curve curve);
const struct api_backend *api_backend(void);

#endif
