// SPDX-License-Identifier: Apache-2.0
/* EID construction and check digits (mod 97, like IBAN). */
#include <stdio.h>
#include <string.h>

#include "eid.h"

static int all_digits(const char *s, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (s[i] < '0' || s[i] > '9')
			return 0;
	return 1;
}

static unsigned mod97(const char *digits, size_t n)
{
	unsigned r = 0;
	size_t i;

	for (i = 0; i < n; i++)
		r = (r * 10 + (digits[i] - '0')) % 97;
	return r;
}

int eid_prefix_ok(const char *prefix)
{
	size_t n = strlen(prefix);

	return n >= 1 && n <= EID_DIGITS - 4 && all_digits(prefix, n) ? 0 : -1;
}

int eid_make(const char *prefix, unsigned long long serial, char out[EID_DIGITS + 1])
{
	size_t plen = strlen(prefix);
	int width = EID_DIGITS - 2 - plen, n;
	unsigned check;

	if (eid_prefix_ok(prefix))
		return -1;
	n = snprintf(out, EID_DIGITS + 1, "%s%0*llu", prefix, width, serial);
	if (n != EID_DIGITS - 2)
		return -1; /* serial too wide */
	check = 98 - (mod97(out, EID_DIGITS - 2) * 100) % 97;
	snprintf(out + EID_DIGITS - 2, 3, "%02u", check);
	return 0;
}

int eid_check(const char *eid)
{
	if (strlen(eid) != EID_DIGITS || !all_digits(eid, EID_DIGITS))
		return -1;
	return mod97(eid, EID_DIGITS) == 1 ? 0 : -1;
}

void eid_prefix_outside(const char *prefix, char *out)
{
	size_t n = strlen(prefix);

	memcpy(out, prefix, n + 1);
	out[n - 1] = out[n - 1] == '9' ? '0' : out[n - 1] + 1;
}
