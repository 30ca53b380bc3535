/* SPDX-License-Identifier: Apache-2.0 */
/* One valid encoding of every SGP.22 message, for round trips and fuzzing. */
#ifndef PORTDP_RSP_SAMPLES_H
#define PORTDP_RSP_SAMPLES_H

#include <stddef.h>
#include <stdint.h>

#include "der.h"

/** Runs one decoder on @buf; returns its result. */
typedef int (*sample_decode_fn)(const uint8_t *buf, size_t len);

/** Decodes @buf and encodes the result again into @b. */
typedef int (*sample_reencode_fn)(const uint8_t *buf, size_t len, struct der_buf *b);

struct sample {
	const char *name;
	uint8_t *der; /* malloc'd */
	size_t len;
	sample_decode_fn decode;
	sample_reencode_fn reencode;
};

/**
 * samples_build() - encode every message with plausible contents (real
 * SGP.26 certificates where a certificate goes). Fails the test on error.
 * Returns the number of samples (<= @max).
 */
size_t samples_build(struct sample *s, size_t max);
void samples_free(struct sample *s, size_t n);

#endif
