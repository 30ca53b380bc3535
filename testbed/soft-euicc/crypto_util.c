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

/*
 * One keygen context per curve, kept for the eUICC's life: OpenSSL then builds
 * the curve's group once instead of per one-time key (measured: 33 -> 13 us).
 */
static EVP_PKEY_CTX *keygen_ctx(struct seuicc *e, enum pdp_curve curve)
{
	unsigned i = curve == PDP_CURVE_P256 ? 0 : 1;
	EVP_PKEY_CTX *ctx = e->keygen[i];

	if (ctx)
		return ctx;
	ctx = EVP_PKEY_CTX_new_from_name(NULL, "EC", NULL);
	if (!ctx || EVP_PKEY_keygen_init(ctx) <= 0 ||
	    EVP_PKEY_CTX_set_group_name(ctx, curve_group(curve)) <= 0) {
		EVP_PKEY_CTX_free(ctx);
		return NULL;
	}
	e->keygen[i] = ctx;
	return ctx;
}

int seuicc_ecdh_keygen(struct seuicc *e, enum pdp_curve curve, EVP_PKEY **key,
		       uint8_t pub[PDP_PUBKEY_LEN])
{
	EVP_PKEY_CTX *ctx;
	size_t len = 0;

	if (!curve_group(curve))
		return -EINVAL;
	ctx = keygen_ctx(e, curve);
	*key = NULL;
	if (!ctx || EVP_PKEY_keygen(ctx, key) <= 0)
		return -EIO;
	if (!EVP_PKEY_get_octet_string_param(*key, OSSL_PKEY_PARAM_PUB_KEY, pub, PDP_PUBKEY_LEN,
					     &len) || len != PDP_PUBKEY_LEN) {
		EVP_PKEY_free(*key);
		*key = NULL;
		return -EIO;
	}
	return 0;
}

/*
 * The peer's point comes from the network. It takes the group of our own key
 * (no group built from its name) and must pass OpenSSL's point check: in range
 * and on the curve, which is the whole public-key check for these prime-order
 * curves (cofactor 1).
 */
static EVP_PKEY *peer_key(EVP_PKEY *own, const uint8_t peer[PDP_PUBKEY_LEN])
{
	EVP_PKEY *pk = EVP_PKEY_new();
	EVP_PKEY_CTX *check = NULL;
	bool ok;

	ok = pk && EVP_PKEY_copy_parameters(pk, own) > 0 &&
	     EVP_PKEY_set1_encoded_public_key(pk, peer, PDP_PUBKEY_LEN) > 0;
	if (ok) {
		check = EVP_PKEY_CTX_new(pk, NULL);
		ok = check && EVP_PKEY_public_check_quick(check) == 1;
		EVP_PKEY_CTX_free(check);
	}
	if (!ok) {
		EVP_PKEY_free(pk);
		pk = NULL;
	}
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
	pk = peer_key(key, peer);
	if (!pk)
		return -EBADMSG;
	ctx = EVP_PKEY_CTX_new(key, NULL);
	/* Validated in peer_key(): no second, full check here. */
	if (ctx && EVP_PKEY_derive_init(ctx) > 0 && EVP_PKEY_derive_set_peer_ex(ctx, pk, 0) > 0 &&
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
