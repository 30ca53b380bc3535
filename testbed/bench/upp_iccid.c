// SPDX-License-Identifier: Apache-2.0
/*
 * Synthetic profiles: one TS.48 UPP, many ICCIDs. The ICCID lives in two
 * places of a SAIP file, the ProfileHeader (83, plain BCD) and EF.ICCID of the
 * MF PE (PE-MF ef-iccid, fillFileContent 83, EFiccid coding); a profile whose
 * two disagree would be refused by a careful eUICC, so both are rewritten.
 * The values keep their length, so the DER around them stays valid.
 */
#include "bench.h"

#include <errno.h>
#include <string.h>

#include "upp.h"

#define UPP_TAG_MF 0xB0	      /* ProfileElement mf [16] PE-MF */
#define MF_TAG_EF_ICCID 0xA4  /* PE-MF: mf-header, templateID, mf, ef-pl, ef-iccid [4] */
#define FILE_TAG_CONTENT 0x83 /* File: fillFileContent [3] */

static int digits_to_bcd(const char *iccid, uint8_t plain[10])
{
	size_t n = strlen(iccid);

	if ((n != 19 && n != 20) || strncmp(iccid, "89", 2))
		return -EINVAL;
	for (size_t i = 0; i < n; i++)
		if (iccid[i] < '0' || iccid[i] > '9')
			return -EINVAL;
	for (size_t i = 0; i < 10; i++) {
		unsigned hi = (unsigned)(iccid[2 * i] - '0');
		unsigned lo = 2 * i + 1 < n ? (unsigned)(iccid[2 * i + 1] - '0') : 0xF;

		plain[i] = (uint8_t)(hi << 4 | lo);
	}
	return 0;
}

/* The 10 value bytes of a primitive child @tag of @parent, or NULL. */
static uint8_t *child_value10(uint8_t *base, const struct der_tlv *parent, uint32_t tag)
{
	struct der_tlv t;

	if (der_find(parent, tag, &t) || t.len != 10)
		return NULL;
	return base + (t.val - (const uint8_t *)base);
}

static uint8_t *find_ef_iccid(uint8_t *upp, size_t len)
{
	struct der_iter it;
	struct der_tlv pe, ef;

	der_iter_init_buf(&it, upp, len);
	while (der_iter_next(&it, &pe) == 1) {
		if (pe.tag != UPP_TAG_MF)
			continue;
		if (der_find(&pe, MF_TAG_EF_ICCID, &ef))
			return NULL;
		return child_value10(upp, &ef, FILE_TAG_CONTENT);
	}
	return NULL;
}

int upp_set_iccid(uint8_t *upp, size_t len, const char *iccid)
{
	struct upp_header h;
	struct der_tlv hdr;
	uint8_t plain[10], *in_hdr, *in_ef;

	if (digits_to_bcd(iccid, plain))
		return -EINVAL;
	if (upp_parse(upp, len, &h) || der_parse_one(upp, len, &hdr))
		return -EBADMSG;
	in_hdr = child_value10(upp, &hdr, 0x83);
	in_ef = find_ef_iccid(upp, len);
	/* Only a template whose two ICCIDs agree is a template we understand. */
	if (!in_hdr || !in_ef || memcmp(in_ef, h.iccid_ef, 10))
		return -EBADMSG;
	memcpy(in_hdr, plain, 10);
	for (size_t i = 0; i < 10; i++)
		in_ef[i] = (uint8_t)(plain[i] << 4 | plain[i] >> 4);
	if (upp_parse(upp, len, &h) || strcmp(h.iccid, iccid) || memcmp(in_ef, h.iccid_ef, 10))
		return -EBADMSG;
	return 0;
}

void bench_iccid(uint64_t serial, char out[21])
{
	unsigned sum = 0;

	snprintf(out, 21, "8999%014llu", (unsigned long long)(serial % 100000000000000ull));
	/* Luhn over the 18 digits, rightmost doubled first (ITU-T E.118). */
	for (int i = 17, dbl = 1; i >= 0; i--, dbl = !dbl) {
		unsigned d = (unsigned)(out[i] - '0') * (dbl ? 2 : 1);

		sum += d > 9 ? d - 9 : d;
	}
	out[18] = (char)('0' + (10 - sum % 10) % 10);
	out[19] = '\0';
}
