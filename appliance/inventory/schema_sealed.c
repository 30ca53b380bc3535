// SPDX-License-Identifier: Apache-2.0
/*
 * Schema v5: the stock sealed at rest (seal.c). The migration seals every plaintext UPP of
 * an older inventory in place, inside the one transaction of inv_schema_migrate(): a crash
 * leaves the file at v4, all plaintext, or at v5, all sealed. It needs the stock key only when
 * there is a UPP to seal (portdp_seal_upp fails the transaction without one). From v5 on the
 * database itself refuses a UPP that is not sealed or not as long as its profile's upp_len
 * plus the seal's 72 bytes (magic 4, wrapped key 40, nonce 12, tag 16).
 */
#include "inv_internal.h"

/* clang-format off */
#ifndef PORTDP_PLAINTEXT_STOCK
const char inv_schema_v5_sealed[] =
	"DROP TRIGGER upp_no_update;"
	"DROP TRIGGER upp_length_matches;"
	"UPDATE upp SET der = portdp_seal_upp("
	"  (SELECT p.iccid FROM profile p WHERE p.id = upp.profile_id), der);"
	"CREATE TRIGGER upp_no_update BEFORE UPDATE ON upp"
	"  BEGIN SELECT RAISE(ABORT, 'a stored UPP is immutable'); END;"
	"CREATE TRIGGER upp_sealed BEFORE INSERT ON upp"
	"  WHEN substr(new.der, 1, 4) IS NOT x'50445301'"
	"    OR length(new.der) IS NOT"
	"       (SELECT p.upp_len + 72 FROM profile p WHERE p.id = new.profile_id)"
	"  BEGIN SELECT RAISE(ABORT, 'a stored UPP is sealed (schema v5)'); END;";
#else
/* The bench-only plaintext build (docs/benchmarks.md): same version, nothing sealed. */
const char inv_schema_v5_sealed[] = "SELECT 1;";
#endif
/* clang-format on */
