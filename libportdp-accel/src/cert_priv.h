/* SPDX-License-Identifier: Apache-2.0 */
/*
 * struct pdp_cert: an X509 plus every field the SGP.22 checks need, taken
 * out once at parse time so verifies do no decoding.
 */
#ifndef PORTDP_CERT_PRIV_H
#define PORTDP_CERT_PRIV_H

#include <openssl/x509.h>

#include "portdp/cert.h"

#define CERT_ATTR_MAX 64 /* O and serialNumber values we compare */
#define CERT_NC_MAX 4	 /* DirName subtrees kept from nameConstraints */

/* One DirName subtree of nameConstraints: empty strings are absent attributes. */
struct cert_dirname {
	char org[CERT_ATTR_MAX + 1];
	char serial[CERT_ATTR_MAX + 1];
};

struct pdp_cert {
	X509 *x509;
	uint8_t *der;
	size_t der_len;
	uint8_t sha256[32];
	uint8_t ski[PDP_KEYID_MAX], aki[PDP_KEYID_MAX];
	size_t ski_len, aki_len; /* 0: extension absent */
	uint8_t pub[PDP_PUBKEY_LEN];
	enum pdp_curve curve; /* NONE: not a key SGP.22 allows */
	time_t not_before, not_after;
	uint32_t key_usage; /* KU_* bits; 0 if the extension is absent */
	int is_ca;
	int unknown_critical;	     /* an unhandled critical extension */
	unsigned policies;	     /* bit (1 << enum pdp_cert_role) per SGP.22 policy */
	struct cert_dirname subject; /* subject O and serialNumber */
	int has_subject_serial;
	struct cert_dirname permitted[CERT_NC_MAX], excluded[CERT_NC_MAX];
	unsigned n_permitted, n_excluded;
	int has_name_constraints;
};

#endif
