/* SPDX-License-Identifier: Apache-2.0 */
/*
 * struct pdp_cert: the DER of one certificate plus every field the SGP.22
 * checks need, read out once at parse time (cert_x509.c) so that verifies
 * do no decoding. Immutable after parse except for its reference count.
 */
#ifndef PORTDP_CERT_PRIV_H
#define PORTDP_CERT_PRIV_H

#include "portdp/cert.h"

#define CERT_ATTR_MAX 64 /* O and serialNumber values we compare */
#define CERT_NC_MAX 4	 /* DirName subtrees kept from nameConstraints */
#define CERT_OID_TLV_MAX 64

/* keyUsage bits as read from the BIT STRING: first byte low, second byte high. */
#define CERT_KU_DIGITAL_SIGNATURE 0x0080
#define CERT_KU_KEY_CERT_SIGN 0x0004

/* One DirName subtree of nameConstraints: empty strings are absent attributes. */
struct cert_dirname {
	char org[CERT_ATTR_MAX + 1];
	char serial[CERT_ATTR_MAX + 1];
};

struct pdp_cert {
	int refs; /* atomic; pdp_cert_free() drops one */
	uint8_t *der;
	size_t der_len;
	uint8_t sha256[32];
	const uint8_t *tbs; /* tbsCertificate TLV, inside der */
	size_t tbs_len;
	const uint8_t *sig; /* DER ECDSA-Sig-Value, inside der */
	size_t sig_len;
	int sig_ecdsa_sha256; /* signed with ecdsa-with-SHA256 (the only SGP.22 algorithm) */
	uint8_t ski[PDP_KEYID_MAX], aki[PDP_KEYID_MAX];
	size_t ski_len, aki_len; /* 0: extension absent */
	uint8_t pub[PDP_PUBKEY_LEN];
	enum pdp_curve curve; /* NONE: not a key SGP.22 allows */
	time_t not_before, not_after;
	uint32_t key_usage; /* CERT_KU_* bits; 0 if the extension is absent */
	int is_ca;
	int unknown_critical;	     /* an unhandled critical extension */
	unsigned policies;	     /* bit (1 << enum pdp_cert_role) per SGP.22 policy */
	struct cert_dirname subject; /* subject O and serialNumber */
	int has_subject_serial;
	struct cert_dirname permitted[CERT_NC_MAX], excluded[CERT_NC_MAX];
	unsigned n_permitted, n_excluded;
	int has_name_constraints;
	uint8_t smdp_oid[CERT_OID_TLV_MAX]; /* first SAN registeredID as an OID TLV (06 ..) */
	size_t smdp_oid_len;		    /* 0: none */
};

/* Read every field of @c from c->der (strict DER X.509 v1-v3): 0 or -1. */
int cert_x509_read(struct pdp_cert *c);

/* A new reference on @c (freed with pdp_cert_free()). */
struct pdp_cert *cert_ref(const struct pdp_cert *c);

/* @child's signature checked with @issuer's key: OK or ERR_BAD_SIGNATURE. */
enum pdp_cert_status cert_check_signature(const struct pdp_cert *child,
					  const struct pdp_cert *issuer);

#endif
