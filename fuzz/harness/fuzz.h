/* SPDX-License-Identifier: Apache-2.0 */
/*
 * What every harness shares: the libFuzzer entry points and a check that
 * turns a broken promise of the parser into a crash libFuzzer reports (a
 * harness asserts properties, not just "no ASan finding").
 */
#ifndef PORTDP_FUZZ_H
#define PORTDP_FUZZ_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerInitialize(int *argc, char ***argv);

#define FUZZ_CHECK(cond)                                                                           \
	do {                                                                                       \
		if (!(cond)) {                                                                     \
			fprintf(stderr, "%s:%d: broken promise: %s\n", __FILE__, __LINE__, #cond); \
			abort();                                                                   \
		}                                                                                  \
	} while (0)

#endif
