// SPDX-License-Identifier: Apache-2.0
/*
 * Soft ECDSA: private keys from PEM files, sign with a context made once per
 * key, verify with contexts cached per public point (a binding verifies with
 * the same EUM and eUICC keys several times).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/err.h>
#include <openssl/pem.h>

#include "ec_util.h"
#include "soft.h"

#define FILE_PREFIX "file:"

int soft_digest(struct soft_accel *sa, const uint8_t *msg, size_t len, uint8_t dgst[32])
{
	if (!EVP_DigestInit_ex2(sa->md, sa->sha256, NULL) || !EVP_DigestUpdate(sa->md, msg, len) ||
	    !EVP_DigestFinal_ex(sa->md, dgst, NULL))
		return -EIO;
	return 0;
}

static int read_pem_key(const char *path, EVP_PKEY **out)
{
	FILE *f = fopen(path, "r");

	if (!f)
		return errno == ENOENT ? -ENOENT : -EIO;
	*out = PEM_read_PrivateKey(f, NULL, NULL, NULL);
	fclose(f);
	if (!*out) {
		ERR_clear_error();
		return -EINVAL;
	}
	return 0;
}

/* A handle on @pkey (taken over, freed on failure). */
int soft_key_wrap(struct pdp_accel *accel, EVP_PKEY *pkey, struct pdp_key **out)
{
	struct soft_key *k;
	int ret;

	k = calloc(1, sizeof(*k));
	if (!k) {
		EVP_PKEY_free(pkey);
		return -ENOMEM;
	}
	k->base.owner = accel;
	k->pkey = pkey;
	ret = ec_pkey_public(pkey, k->base.pub, &k->base.curve);
	if (ret)
		goto fail;
	ret = -ENOMEM;
	k->sign_ctx = EVP_PKEY_CTX_new_from_pkey(NULL, pkey, NULL);
	if (!k->sign_ctx || EVP_PKEY_sign_init(k->sign_ctx) != 1)
		goto fail;
	*out = &k->base;
	return 0;
fail:
	ERR_clear_error();
	soft_key_free(&k->base);
	return ret;
}

/* The path of a "file:" key URI, or NULL. */
const char *soft_key_path(const char *key_uri)
{
	if (strncmp(key_uri, FILE_PREFIX, strlen(FILE_PREFIX)) || !key_uri[strlen(FILE_PREFIX)])
		return NULL;
	return key_uri + strlen(FILE_PREFIX);
}

int soft_key_read(const char *key_uri, EVP_PKEY **out)
{
	const char *path = soft_key_path(key_uri);

	return path ? read_pem_key(path, out) : -EINVAL;
}

int soft_key_load(struct pdp_accel *accel, const char *key_uri, struct pdp_key **out)
{
	EVP_PKEY *pkey;
	int ret;

	ret = soft_key_read(key_uri, &pkey);
	if (ret)
		return ret;
	return soft_key_wrap(accel, pkey, out);
}

void soft_key_free(struct pdp_key *key)
{
	struct soft_key *k = (struct soft_key *)key;

	EVP_PKEY_CTX_free(k->sign_ctx);
	EVP_PKEY_free(k->pkey);
	free(k);
}

int soft_sign_digest(struct pdp_accel *accel, struct pdp_key *key, const uint8_t *digest,
		     size_t len, uint8_t sig[PDP_SIG_LEN])
{
	struct soft_key *k = (struct soft_key *)key;
	uint8_t der[PDP_SIG_DER_MAX];
	size_t der_len = sizeof(der);

	(void)accel;
	/* No digest is set on the context, so OpenSSL takes any length and truncates it. */
	if (EVP_PKEY_sign(k->sign_ctx, der, &der_len, digest, len) != 1) {
		ERR_clear_error();
		return -EIO;
	}
	return pdp_sig_der_to_raw(der, der_len, sig) ? -EIO : 0;
}

int soft_sign(struct pdp_accel *accel, struct pdp_key *key, const uint8_t *msg, size_t msg_len,
	      uint8_t sig[PDP_SIG_LEN])
{
	uint8_t dgst[32];
	int ret;

	ret = soft_digest(to_soft(accel), msg, msg_len, dgst);
	if (ret)
		return ret;
	return soft_sign_digest(accel, key, dgst, sizeof(dgst), sig);
}

void soft_verify_cache_clear(struct soft_accel *sa)
{
	int i;

	for (i = 0; i < SOFT_VERIFY_CACHE; i++)
		ec_verify_slot_clear(&sa->vcache[i]);
}

/* A verify context for (@curve, @pub), from the cache or made and cached. */
static int verify_ctx(struct soft_accel *sa, enum pdp_curve curve,
		      const uint8_t pub[PDP_PUBKEY_LEN], EVP_PKEY_CTX **out)
{
	/* x is uniformly distributed; a crafted collision only evicts a slot. */
	struct ec_verify_slot *slot =
		&sa->vcache[(pub[1] | (unsigned)pub[2] << 8) & (SOFT_VERIFY_CACHE - 1)];

	return ec_verify_slot_get(slot, sa->tpl[curve], curve, pub, out);
}

int soft_verify(struct pdp_accel *accel, enum pdp_curve curve, const uint8_t pub[PDP_PUBKEY_LEN],
		const uint8_t *msg, size_t msg_len, const uint8_t sig[PDP_SIG_LEN])
{
	struct soft_accel *sa = to_soft(accel);
	uint8_t dgst[32], der[PDP_SIG_DER_MAX];
	size_t der_len = sizeof(der);
	EVP_PKEY_CTX *ctx;
	int ret;

	ret = verify_ctx(sa, curve, pub, &ctx);
	if (ret)
		return ret;
	ret = soft_digest(sa, msg, msg_len, dgst);
	if (ret)
		return ret;
	if (pdp_sig_raw_to_der(sig, der, &der_len))
		return -EIO;
	/* 0 is a wrong signature, <0 one OpenSSL cannot even parse (r or s out of range). */
	if (EVP_PKEY_verify(ctx, der, der_len, dgst, sizeof(dgst)) != 1) {
		ERR_clear_error();
		return -EBADMSG;
	}
	return 0;
}
