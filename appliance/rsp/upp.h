/* SPDX-License-Identifier: Apache-2.0 */
/**
 * @file upp.h
 * @brief Unprotected Profile Package (SAIP, PE_Definitions-3.3.1.asn).
 *
 * A UPP is a plain concatenation of ProfileElement TLVs, the first being
 * the ProfileHeader (A0). upp_parse() checks the whole file before it
 * reports anything: every PE a well-formed TLV tree (der_validate()), the
 * whole input consumed, the header first. Nothing is allocated.
 *
 * ICCID coding (facts from the TS.48 files and the PE's EF.ICCID): the
 * ProfileHeader stores the ICCID as plain BCD, high nibble first ("89 00 01
 * .." / "89 49 44 .. 3F"), while EF.ICCID and SGP.22's Iccid (5A) use the
 * nibble-swapped EFiccid coding ("98 00 10 .."). Every ICCID starts with the
 * telecom prefix 89 (E.118), so a header in swapped coding (first byte 0x98)
 * is recognised and accepted too; anything else is -EBADMSG.
 *
 * Returns: 0, -EBADMSG (malformed), -EINVAL (NULL / empty argument),
 * -ENOSPC (upp_split: more PEs than @max).
 */
#ifndef PORTDP_RSP_UPP_H
#define PORTDP_RSP_UPP_H

#include <stddef.h>
#include <stdint.h>

#include "der.h"

#ifdef __cplusplus
extern "C" {
#endif

#define UPP_TAG_HEADER 0xA0

/** What the ProfileHeader says (pointers into the UPP). */
struct upp_header {
	unsigned major;		     /**< 80 major-version */
	unsigned minor;		     /**< 81 minor-version */
	const uint8_t *profile_type; /**< 82 profileType (UTF8), NULL if absent */
	size_t profile_type_len;
	uint8_t iccid_bcd[10]; /**< 83 iccid, the bytes as stored */
	char iccid[21];	       /**< decimal, trailing F padding stripped */
	uint8_t iccid_ef[10];  /**< the same ICCID in EFiccid coding (nibble-swapped),
				    as StoreMetadataRequest 5A wants it */
	unsigned pe_count;     /**< number of PEs in the file, header included */
};

/** upp_parse() - validate @upp completely and read its header. */
int upp_parse(const uint8_t *upp, size_t len, struct upp_header *out);

/** One ProfileElement TLV of a UPP. */
struct upp_pe {
	uint32_t tag;
	const uint8_t *raw;
	size_t raw_len;
};

/**
 * upp_split() - the PE TLVs of a validated-or-not UPP, in order (each
 * checked as in upp_parse()). @n: [out] number filled.
 */
int upp_split(const uint8_t *upp, size_t len, struct upp_pe *pes, size_t max, size_t *n);

#ifdef __cplusplus
}
#endif
#endif /* PORTDP_RSP_UPP_H */
