// SPDX-License-Identifier: Apache-2.0
/*
 * Border checks for the identifiers callers hand to the inventory. The
 * schema repeats them as CHECK constraints; these give the clear error first.
 */
#include <string.h>
#include "inv_internal.h"

static bool all_of(const char *s, const char *set)
{
	return s[strspn(s, set)] == '\0';
}

/* EID: 16 bytes shown as 32 hex digits (upper case once normalised). */
bool inv_valid_eid(const char *eid)
{
	return eid && strlen(eid) == 32 && all_of(eid, "0123456789ABCDEFabcdef");
}

/* SGP.22 4.1: the matching ID travels inside an activation code, so no '$' and no spaces. */
bool inv_valid_matching_id(const char *mid)
{
	size_t n = mid ? strlen(mid) : 0;

	return n >= 1 && n < INV_MATCHING_ID_MAX &&
	       all_of(mid, "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz-");
}

/* transactionId: OCTET STRING (SIZE(1..16)). */
bool inv_valid_tid(const uint8_t *tid, size_t tid_len)
{
	return tid && tid_len >= 1 && tid_len <= 16;
}

/* The curves of enum pdp_curve (1 P-256, 2 brainpoolP256r1); the point uncompressed. */
bool inv_valid_euicc_key(const struct inv_euicc_key *key)
{
	return key && (key->curve == 1 || key->curve == 2) && key->pub[0] == 0x04;
}
