// SPDX-License-Identifier: Apache-2.0
/*
 * ICCIDs in their two codings: SGP.22's Iccid (5A) as EF.ICCID codes it,
 * nibble-swapped, and the SAIP ProfileHeader's plain BCD, high nibble first
 * (both F-padded at the end).
 */
#include "seuicc_internal.h"

#include <ctype.h>
#include <errno.h>
#include <string.h>

static int iccid_digits(const uint8_t bcd[10], bool swapped, char out[21])
{
	size_t n = 0;

	for (unsigned i = 0; i < 10; i++) {
		uint8_t lo = bcd[i] & 0x0F, hi = bcd[i] >> 4;
		uint8_t d[2] = { swapped ? lo : hi, swapped ? hi : lo };

		for (unsigned k = 0; k < 2; k++) {
			if (d[k] == 0xF) {
				/* padding only at the very end */
				if (i != 9 || k != 1)
					return -EINVAL;
				continue;
			}
			if (d[k] > 9)
				return -EINVAL;
			out[n++] = (char)('0' + d[k]);
		}
	}
	out[n] = '\0';
	return n >= 18 ? 0 : -EINVAL;
}

int iccid_from_bcd(const uint8_t bcd[10], char out[21])
{
	return iccid_digits(bcd, true, out);
}

int iccid_from_plain_bcd(const uint8_t bcd[10], char out[21])
{
	return iccid_digits(bcd, false, out);
}

int iccid_to_bcd(const char *iccid, uint8_t bcd[10])
{
	size_t n = strlen(iccid);

	if (n < 18 || n > 20)
		return -EINVAL;
	memset(bcd, 0xFF, 10);
	for (size_t i = 0; i < n; i++) {
		if (!isdigit((unsigned char)iccid[i]))
			return -EINVAL;
		if (i % 2 == 0)
			bcd[i / 2] = (uint8_t)(0xF0 | (iccid[i] - '0'));
		else
			bcd[i / 2] = (uint8_t)((bcd[i / 2] & 0x0F) | ((iccid[i] - '0') << 4));
	}
	return 0;
}
