// SPDX-License-Identifier: Apache-2.0
/* ICCIDs as EF.ICCID codes them: swapped BCD nibbles, 'F' padding. */
#include "seuicc_internal.h"

#include <ctype.h>
#include <errno.h>
#include <string.h>

int iccid_from_bcd(const uint8_t bcd[10], char out[21])
{
	size_t n = 0;

	for (unsigned i = 0; i < 10; i++) {
		uint8_t d[2] = { bcd[i] & 0x0F, bcd[i] >> 4 };

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
