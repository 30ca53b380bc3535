// SPDX-License-Identifier: Apache-2.0
/*
 * Schema v8: the index that finds an unordered profile of a type (downloadOrder by
 * profileType) holds only the unordered ones. v4's index had every owned profile with its
 * order state in the key, so each order transition moved its entry (a delete and an insert,
 * two leaf pages written per commit); now a reserve deletes one entry, a confirm or release
 * touches none, and a cancel back to unordered (or a re-offer) adds one. The query
 * (ST_ORDER_RESERVE_TYPE: owner, profile_type, ord = 1, ORDER BY id) reads it as before.
 * Its own file: one self-contained migration, schema.c only lists it; it runs in the
 * migration's transaction, so a crash leaves the old index or the new one, never neither.
 */
#include "inv_internal.h"

/* clang-format off */
const char inv_schema_v8_order_index[] =
	"DROP INDEX profile_order_type;"
	"CREATE INDEX profile_unordered ON profile(owner, profile_type, id)"
	"  WHERE ord = 1;";
/* clang-format on */
