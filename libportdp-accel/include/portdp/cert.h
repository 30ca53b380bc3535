/* SPDX-License-Identifier: Apache-2.0 */
/**
 * @file cert.h
 * @brief SGP.22 certificate parsing and chain checks (own strict DER reader,
 *        OpenSSL for hashes and ECDSA).
 *
 * Every call in this layer returns an enum pdp_cert_status: PDP_CERT_OK (0)
 * or one named failure. The ES9+ layer maps the failures to SGP.22 subject
 * and reason codes, together with enum pdp_cert_role telling which
 * certificate failed (e.g. EUM "8.1.2", eUICC "8.1.3", unknown CI "3.9").
 *
 * Issuers are matched by key identifier (AKI of the child == SKI of the
 * issuer), never by subject name: the SGP.26 test CIs share one key under
 * two names. The EUM's nameConstraints are checked by the SGP.22 rule
 * (EID starts with the permitted serialNumber prefix, O matches), not by
 * OpenSSL's generic DirName check, which rejects valid eUICCs.
 */
#ifndef PORTDP_CERT_H
#define PORTDP_CERT_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "accel.h"

#ifdef __cplusplus
extern "C" {
#endif

enum pdp_cert_status {
	PDP_CERT_OK = 0,
	PDP_CERT_ERR_MALFORMED, /**< not a DER/PEM X.509 cert, or a missing field */
	PDP_CERT_ERR_NOMEM,
	PDP_CERT_ERR_UNKNOWN_CI,     /**< no loaded CI has the issuer's key id */
	PDP_CERT_ERR_UNKNOWN_ISSUER, /**< AKI does not name the given issuer (EUM) */
	PDP_CERT_ERR_BAD_SIGNATURE,  /**< issuer's key does not verify the cert */
	PDP_CERT_ERR_EXPIRED,	     /**< check time after notAfter */
	PDP_CERT_ERR_NOT_YET_VALID,  /**< check time before notBefore */
	PDP_CERT_ERR_KEY_USAGE,	     /**< wrong/missing key usage */
	PDP_CERT_ERR_NOT_CA,	     /**< issuer lacks basicConstraints CA:TRUE */
	PDP_CERT_ERR_POLICY,	     /**< missing the SGP.22 certificate policy of its role */
	PDP_CERT_ERR_EID_RANGE,	     /**< EID/O outside the EUM's nameConstraints */
	PDP_CERT_ERR_CURVE,	     /**< key not on P-256 or brainpoolP256r1 */
	PDP_CERT_ERR_INVALID,	     /**< bad argument (NULL, buffer too small) */
};

/** Which certificate a check is about; also the expected role. */
enum pdp_cert_role {
	PDP_CERT_ROLE_NONE = 0,
	PDP_CERT_ROLE_CI,      /**< policy 2.23.146.1.2.1.0 */
	PDP_CERT_ROLE_EUICC,   /**< policy 2.23.146.1.2.1.1 */
	PDP_CERT_ROLE_EUM,     /**< policy 2.23.146.1.2.1.2 */
	PDP_CERT_ROLE_DP_TLS,  /**< policy 2.23.146.1.2.1.3 */
	PDP_CERT_ROLE_DP_AUTH, /**< policy 2.23.146.1.2.1.4 */
	PDP_CERT_ROLE_DP_PB,   /**< policy 2.23.146.1.2.1.5 */
};

#define PDP_KEYID_MAX 32 /**< SKI/AKI are 20 bytes in practice */

struct pdp_cert;	  /* one parsed certificate (immutable after parse) */
struct pdp_cert_verifier; /* trusted CIs + the verified-EUM cache; thread safe */

/** pdp_cert_strerror() - a short English text for logs and messages. */
const char *pdp_cert_strerror(enum pdp_cert_status st);

/**
 * pdp_cert_parse() - parse one DER or PEM certificate from memory.
 * DER must be strict (definite minimal lengths, no trailing bytes). The
 * subject key is kept as a raw point; whether it lies on its curve is
 * checked when it is used (a verify then fails).
 */
enum pdp_cert_status pdp_cert_parse(const uint8_t *buf, size_t len, struct pdp_cert **out);
/** pdp_cert_load() - parse a DER or PEM certificate file. */
enum pdp_cert_status pdp_cert_load(const char *path, struct pdp_cert **out);
/** pdp_cert_free() - drop a reference (parse, load and lookup each give one). */
void pdp_cert_free(struct pdp_cert *cert);

/** pdp_cert_der() - the certificate's DER encoding (owned by @cert). */
const uint8_t *pdp_cert_der(const struct pdp_cert *cert, size_t *len);

/**
 * pdp_cert_ski() / pdp_cert_aki() - subject / authority key identifier.
 * @id: [out] PDP_KEYID_MAX bytes; @id_len: [out] its length.
 * PDP_CERT_ERR_MALFORMED if the extension is absent.
 */
enum pdp_cert_status pdp_cert_ski(const struct pdp_cert *cert, uint8_t id[PDP_KEYID_MAX],
				  size_t *id_len);
enum pdp_cert_status pdp_cert_aki(const struct pdp_cert *cert, uint8_t id[PDP_KEYID_MAX],
				  size_t *id_len);

/** pdp_cert_public_key() - subject key as 04||X||Y and its curve. */
enum pdp_cert_status pdp_cert_public_key(const struct pdp_cert *cert, uint8_t pub[PDP_PUBKEY_LEN],
					 enum pdp_curve *curve);

/**
 * pdp_cert_subject_serial() - the subject's serialNumber attribute as text
 * (NUL-terminated). PDP_CERT_ERR_MALFORMED if absent, _INVALID if @cap is
 * too small.
 */
enum pdp_cert_status pdp_cert_subject_serial(const struct pdp_cert *cert, char *buf, size_t cap);

/**
 * pdp_cert_eid() - the EID of an eUICC cert: subject serialNumber of 32
 * decimal digits, packed to 16 bytes (two digits a byte, first digit high).
 */
enum pdp_cert_status pdp_cert_eid(const struct pdp_cert *cert, uint8_t eid[PDP_EID_LEN]);

/** pdp_cert_not_after() - end of validity, for expiry reports. */
enum pdp_cert_status pdp_cert_not_after(const struct pdp_cert *cert, time_t *out);

/** pdp_cert_sha256() - SHA-256 of the certificate's DER (its cache key). */
void pdp_cert_sha256(const struct pdp_cert *cert, uint8_t out[32]);

/**
 * pdp_cert_smdp_oid() - the SM-DP+ OID: the first registeredID of the
 * subjectAltName (CERT.DPauth, CERT.DPpb), as a DER OID TLV (06 len ...).
 * @len: [out] bytes written. PDP_CERT_ERR_MALFORMED if there is none,
 * _INVALID if @cap is too small.
 */
enum pdp_cert_status pdp_cert_smdp_oid(const struct pdp_cert *cert, uint8_t *oid_tlv, size_t cap,
				       size_t *len);

enum pdp_cert_status pdp_cert_verifier_new(struct pdp_cert_verifier **out);
void pdp_cert_verifier_free(struct pdp_cert_verifier *v);

/**
 * pdp_cert_verifier_add_ci() - trust a CI certificate. It must be a CA with
 * an SKI and a valid self-signature. The verifier keeps its own reference;
 * the caller still frees @ci. Several CIs (and the same key under several
 * names) may be added.
 */
enum pdp_cert_status pdp_cert_verifier_add_ci(struct pdp_cert_verifier *v,
					      const struct pdp_cert *ci);
enum pdp_cert_status pdp_cert_verifier_add_ci_file(struct pdp_cert_verifier *v, const char *path);

/**
 * pdp_cert_verifier_ci_count() / pdp_cert_verifier_ci_keyid() - list the
 * distinct CI key ids (for euiccCiPKIdListForSigning matching).
 */
unsigned pdp_cert_verifier_ci_count(const struct pdp_cert_verifier *v);
enum pdp_cert_status pdp_cert_verifier_ci_keyid(const struct pdp_cert_verifier *v, unsigned idx,
						uint8_t id[PDP_KEYID_MAX], size_t *id_len);
/** pdp_cert_verifier_has_ci() - PDP_CERT_OK if a loaded CI has key id @id. */
enum pdp_cert_status pdp_cert_verifier_has_ci(const struct pdp_cert_verifier *v, const uint8_t *id,
					      size_t id_len);

/**
 * pdp_cert_verifier_lookup() - a certificate whose signature by a loaded CI
 * this verifier has already checked (a verified EUM or DP certificate),
 * found by its DER. Saves parsing it again; pass it to
 * pdp_cert_verify_euicc_chain() / pdp_cert_verify_dp() as usual, which
 * still check its validity, role and key usage (only the signature check is
 * skipped). Returns a new reference (release with pdp_cert_free()), or NULL
 * if the DER is not in the cache.
 */
struct pdp_cert *pdp_cert_verifier_lookup(struct pdp_cert_verifier *v, const uint8_t *der,
					  size_t len);

/**
 * pdp_cert_verify_euicc_chain() - CI -> CERT.EUM -> CERT.EUICC at time @at.
 * Checks for each link: issuer by AKI==SKI, ECDSA signature, validity at
 * @at, key usage (EUM: keyCertSign + CA; eUICC: digitalSignature), role
 * policy, and the EUM's nameConstraints on the eUICC's EID and O.
 * A verified EUM is cached by the SHA-256 of its DER (its signature is not
 * checked again; its validity still is).
 * @at: check time (tests pass a fixed one; production passes time(NULL)).
 * @failed: [out, may be NULL] PDP_CERT_ROLE_EUM or _EUICC on failure,
 *          PDP_CERT_ROLE_NONE on success.
 */
enum pdp_cert_status pdp_cert_verify_euicc_chain(struct pdp_cert_verifier *v,
						 const struct pdp_cert *eum,
						 const struct pdp_cert *euicc, time_t at,
						 enum pdp_cert_role *failed);

/**
 * pdp_cert_verify_dp() - a DP certificate (DPauth, DPpb, DP TLS) issued
 * directly by a loaded CI: signature, validity at @at, digitalSignature key
 * usage and the policy of @role. A verified DP certificate is cached like
 * an EUM (by the SHA-256 of its DER; signature only).
 */
enum pdp_cert_status pdp_cert_verify_dp(struct pdp_cert_verifier *v, const struct pdp_cert *dp,
					enum pdp_cert_role role, time_t at);

#ifdef __cplusplus
}
#endif
#endif /* PORTDP_CERT_H */
