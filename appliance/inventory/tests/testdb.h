/* SPDX-License-Identifier: Apache-2.0 */
/* Helpers shared by the inventory tests: test data, temporary databases, many distinct UPPs. */
#ifndef PORTDP_INV_TESTDB_H
#define PORTDP_INV_TESTDB_H

#include <stddef.h>
#include <stdint.h>
#include "inventory.h"

/* $SHARED/testdata (SHARED defaults to the repository root, the tests' working directory). */
const char *test_data_dir(void);
/* Read a whole file into a malloc'd buffer; 0 or -errno. */
int test_read_file(const char *path, uint8_t **buf, size_t *len);
/* A real TS.48 UPP (TS48V1-A-UNIQUE.der) that test_upp_set_iccid() can re-number. */
int test_upp_template(uint8_t **buf, size_t *len);
/*
 * Rewrite the ProfileHeader ICCID of @upp in place to 19 digits "8999" + @serial (15 digits),
 * so a test can import as many distinct profiles as it needs. Writes the decimal form to
 * @iccid (21 bytes) when not NULL. 0 or -EINVAL when the header has no ICCID.
 */
int test_upp_set_iccid(uint8_t *upp, size_t len, uint64_t serial, char *iccid);
/* A fresh database path in a new temporary directory (@buf: at least 256 bytes). */
char *test_tmp_db(char *buf);
/* Remove the database of test_tmp_db() with its WAL files and directory. */
void test_rm_db(const char *path);

/* An eUICC key for inv_mark_downloaded() (the inventory stores the point, never uses it). */
extern const struct inv_euicc_key test_euicc_key;

#endif
