/* SPDX-License-Identifier: Apache-2.0 */
/* Test helpers: test data location, file loading, hex and base64. */
#ifndef PORTDP_RSP_TESTUTIL_H
#define PORTDP_RSP_TESTUTIL_H

#include <stddef.h>
#include <stdint.h>

/** $SHARED/testdata/<rel> (SHARED defaults to the repo root). */
const char *tu_path(const char *rel);
/** Whole file into a malloc'd buffer; NULL on failure. */
uint8_t *tu_load(const char *path, size_t *len);
/** Hex string to bytes (malloc'd); NULL on bad input. */
uint8_t *tu_unhex(const char *hex, size_t *len);
/** Base64 (no line breaks) to bytes (malloc'd); NULL on bad input. */
uint8_t *tu_unbase64(const char *b64, size_t *len);
/** Sorted list of *.der files in $SHARED/testdata/ts48 (malloc'd strings). */
int tu_ts48_files(char ***names, size_t *n);
void tu_free_list(char **names, size_t n);

#endif
