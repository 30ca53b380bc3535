/* SPDX-License-Identifier: Apache-2.0 */
/* Helpers shared by the libportdp-accel tests: test data paths, hex, files. */
#ifndef PORTDP_TEST_UTIL_H
#define PORTDP_TEST_UTIL_H

#include <stddef.h>
#include <stdint.h>

/* $SHARED/testdata/<rel> (SHARED defaults to the repo root); one of 8 rotating static buffers. */
const char *td_path(const char *rel);
/* Decode @hex into a malloc'd buffer; aborts the test on bad input. */
uint8_t *td_unhex(const char *hex, size_t *len);
/* Decode into a fixed-size buffer; fails the test unless exactly @len bytes. */
void td_unhex_into(const char *hex, uint8_t *out, size_t len);
/* Whole file, malloc'd; NULL if unreadable. */
uint8_t *td_read(const char *path, size_t *len);

#endif
