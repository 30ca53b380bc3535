/* SPDX-License-Identifier: Apache-2.0 */
/*
 * SGP.22 activation code ("LPA:1$address$matchingId[$oid[$ccFlag]]").
 * Parsed once at the border of the LPA; the rest only sees the struct.
 */
#ifndef PORTDP_LPA_ACTIVATION_CODE_H
#define PORTDP_LPA_ACTIVATION_CODE_H

#include <stdbool.h>

#define AC_ADDRESS_MAX 256
#define AC_MATCHING_ID_MAX 256
#define AC_OID_MAX 128

struct activation_code {
	char smdp_address[AC_ADDRESS_MAX];     /* host or host:port */
	char matching_id[AC_MATCHING_ID_MAX];  /* may be empty */
	char smdp_oid[AC_OID_MAX];             /* may be empty */
	bool cc_required;
};

/**
 * activation_code_parse() - split and check an activation code.
 * Returns 0, or -EINVAL with a reason in @err.
 */
int activation_code_parse(const char *text, struct activation_code *ac, char *err,
			  unsigned err_len);

#endif
