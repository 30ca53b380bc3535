// SPDX-License-Identifier: Apache-2.0
/*
 * Signatures in SGP.22 wire form (5F37 40 r||s) through libportdp-accel, and
 * the eUICC's half of the one-time ECDH, which the accel API (DP side only)
 * does not offer: the eUICC must see the shared secret to derive its keys.
 */
#include "seuicc_internal.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <openssl/core_names.h>
#include <openssl/param_build.h>
#include <openssl/x509v3.h>

#define TAG_SIGNATURE 0x5F37

int seuicc_sign_tlv(struct seuicc *e, const uint8_t *msg, size_t len, struct der_buf *out)
{
	uint8_t sig[PDP_SIG_LEN];
	int ret = pdp_sign(e->accel, e->key, msg, len, sig);

	if (ret)
		return ret;
	der_put(out, TAG_SIGNATURE, sig, sizeof(sig));
	return 0;
}

int seuicc_verify_concat(struct seuicc *e, enum pdp_curve curve,
			 const uint8_t pub[PDP_PUBKEY_LEN], const uint8_t *a, size_t alen,
			 const uint8_t *b, size_t blen, const struct der_tlv *sig_tlv)
{
	uint8_t *msg;
	int ret;

	if (sig_tlv->tag != TAG_SIGNATURE || sig_tlv->len != PDP_SIG_LEN)
		return -EBADMSG;
	msg = malloc(alen + blen + 1);
	if (!msg)
		return -ENOMEM;
	memcpy(msg, a, alen);
	if (blen)
		memcpy(msg + alen, b, blen);
	ret = pdp_verify(e->accel, curve, pub, msg, alen + blen, sig_tlv->val);
	free(msg);
	return ret ? -EBADMSG : 0;
}

int seuicc_verify_tlv(struct seuicc *e, enum pdp_curve curve, const uint8_t pub[PDP_PUBKEY_LEN],
		      const uint8_t *msg, size_t len, const struct der_tlv *sig_tlv)
{
	return seuicc_verify_concat(e, curve, pub, msg, len, NULL, 0, sig_tlv);
}

static const char *curve_group(enum pdp_curve curve)
{
	switch (curve) {
	case PDP_CURVE_P256:
		return "prime256v1";
	case PDP_CURVE_BP256R1:
		return "brainpoolP256r1";
	default:
		return NULL;
	}
}

int seuicc_ecdh_keygen(enum pdp_curve curve, EVP_PKEY **key, uint8_t pub[PDP_PUBKEY_LEN])
{
	const char *group = curve_group(curve);
	size_t len = 0;

	if (!group)
		return -EINVAL;
	*key = EVP_PKEY_Q_keygen(NULL, NULL, "EC", group);
	if (!*key)
		return -EIO;
	if (!EVP_PKEY_get_octet_string_param(*key, OSSL_PKEY_PARAM_PUB_KEY, pub, PDP_PUBKEY_LEN,
					     &len) || len != PDP_PUBKEY_LEN) {
		EVP_PKEY_free(*key);
		*key = NULL;
		return -EIO;
	}
	return 0;
}

/* The peer's point comes from the network: OpenSSL checks it is on the curve. */
static EVP_PKEY *peer_key(enum pdp_curve curve, const uint8_t peer[PDP_PUBKEY_LEN])
{
	OSSL_PARAM_BLD *bld = OSSL_PARAM_BLD_new();
	OSSL_PARAM *params = NULL;
	EVP_PKEY_CTX *ctx = NULL;
	EVP_PKEY *pk = NULL;

	if (!bld ||
	    !OSSL_PARAM_BLD_push_utf8_string(bld, OSSL_PKEY_PARAM_GROUP_NAME,
					     curve_group(curve), 0) ||
	    !OSSL_PARAM_BLD_push_octet_string(bld, OSSL_PKEY_PARAM_PUB_KEY, peer,
					      PDP_PUBKEY_LEN))
		goto out;
	params = OSSL_PARAM_BLD_to_param(bld);
	ctx = EVP_PKEY_CTX_new_from_name(NULL, "EC", NULL);
	if (!params || !ctx || EVP_PKEY_fromdata_init(ctx) <= 0 ||
	    EVP_PKEY_fromdata(ctx, &pk, EVP_PKEY_PUBLIC_KEY, params) <= 0)
		pk = NULL;
out:
	EVP_PKEY_CTX_free(ctx);
	OSSL_PARAM_free(params);
	OSSL_PARAM_BLD_free(bld);
	return pk;
}

int seuicc_ecdh(EVP_PKEY *key, enum pdp_curve curve, const uint8_t peer[PDP_PUBKEY_LEN],
		uint8_t z[32])
{
	EVP_PKEY *pk;
	EVP_PKEY_CTX *ctx = NULL;
	size_t zlen = 32;
	int ret = -EBADMSG;

	if (peer[0] != 0x04 || !curve_group(curve))
		return -EBADMSG;
	pk = peer_key(curve, peer);
	if (!pk)
		return -EBADMSG;
	ctx = EVP_PKEY_CTX_new(key, NULL);
	if (ctx && EVP_PKEY_derive_init(ctx) > 0 && EVP_PKEY_derive_set_peer(ctx, pk) > 0 &&
	    EVP_PKEY_derive(ctx, z, &zlen) > 0 && zlen == 32)
		ret = 0;
	EVP_PKEY_CTX_free(ctx);
	EVP_PKEY_free(pk);
	return ret;
}

/* The SM-DP+ OID is the registeredID in CERT.DPpb's subjectAltName (kept by the parser). */
int seuicc_cert_smdp_oid(const struct pdp_cert *cert, uint8_t *oid_tlv, size_t cap,
			 size_t *len)
{
	switch (pdp_cert_smdp_oid(cert, oid_tlv, cap, len)) {
	case PDP_CERT_OK:
		return 0;
	case PDP_CERT_ERR_MALFORMED:
		return -ENOENT;
	default:
		return -EINVAL;
	}
}

/*
 * A DP certificate from the wire: the verifier's cache holds the ones whose
 * CI signature was already checked (CI-signed, they do not change), so a
 * repeat needs neither a parse nor a signature check. The caller still runs
 * pdp_cert_verify_dp(), which checks role, key usage and validity each time.
 */
enum pdp_cert_status seuicc_dp_cert(struct seuicc *e, const struct der_tlv *cert_tlv,
				    struct pdp_cert **out)
{
	*out = pdp_cert_verifier_lookup(e->verifier, cert_tlv->raw, cert_tlv->raw_len);
	if (*out)
		return PDP_CERT_OK;
	return pdp_cert_parse(cert_tlv->raw, cert_tlv->raw_len, out);
}
