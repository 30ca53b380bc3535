// SPDX-License-Identifier: Apache-2.0
/*
 * SGP.22 chain checks: CI -> EUM -> eUICC and CI -> DP certificates.
 * Issuers are found by key identifier, each signature is checked with the
 * issuer's raw public point (cert_sig.c), and the EUM's nameConstraints are
 * applied by the SGP.22 rule (see cert.h). X509_verify_cert() is not used:
 * its name-based issuer lookup and generic DirName check both mis-handle
 * the SGP.26 test PKI.
 */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/sha.h>

#include "cert_priv.h"

#define VERIFIED_CACHE_SIZE 64

/* A certificate whose signature by a loaded CI has been checked. */
struct verified_slot {
	struct pdp_cert *cert;	   /* own reference; NULL: empty slot */
	const struct pdp_cert *ci; /* the CI whose key verified it */
};

struct pdp_cert_verifier {
	struct pdp_cert **ci;
	unsigned n_ci;
	/* Add every CI before sharing the verifier; only the cache changes later. */
	pthread_mutex_t lock; /* guards verified and verified_next */
	struct verified_slot verified[VERIFIED_CACHE_SIZE];
	unsigned verified_next;
};

const char *pdp_cert_strerror(enum pdp_cert_status st)
{
	switch (st) {
	case PDP_CERT_OK:
		return "ok";
	case PDP_CERT_ERR_MALFORMED:
		return "malformed certificate";
	case PDP_CERT_ERR_NOMEM:
		return "out of memory";
	case PDP_CERT_ERR_UNKNOWN_CI:
		return "issuer is no known CI";
	case PDP_CERT_ERR_UNKNOWN_ISSUER:
		return "issuer key identifier does not match";
	case PDP_CERT_ERR_BAD_SIGNATURE:
		return "bad certificate signature";
	case PDP_CERT_ERR_EXPIRED:
		return "certificate expired";
	case PDP_CERT_ERR_NOT_YET_VALID:
		return "certificate not yet valid";
	case PDP_CERT_ERR_KEY_USAGE:
		return "wrong key usage";
	case PDP_CERT_ERR_NOT_CA:
		return "issuer is not a CA";
	case PDP_CERT_ERR_POLICY:
		return "missing SGP.22 certificate policy";
	case PDP_CERT_ERR_EID_RANGE:
		return "EID or organisation outside the EUM's name constraints";
	case PDP_CERT_ERR_CURVE:
		return "unsupported key";
	case PDP_CERT_ERR_INVALID:
		return "invalid argument";
	}
	return "unknown certificate error";
}

enum pdp_cert_status pdp_cert_verifier_new(struct pdp_cert_verifier **out)
{
	struct pdp_cert_verifier *v;

	if (!out)
		return PDP_CERT_ERR_INVALID;
	v = calloc(1, sizeof(*v));
	if (!v)
		return PDP_CERT_ERR_NOMEM;
	if (pthread_mutex_init(&v->lock, NULL)) {
		free(v);
		return PDP_CERT_ERR_NOMEM;
	}
	*out = v;
	return PDP_CERT_OK;
}

void pdp_cert_verifier_free(struct pdp_cert_verifier *v)
{
	unsigned i;

	if (!v)
		return;
	for (i = 0; i < v->n_ci; i++)
		pdp_cert_free(v->ci[i]);
	for (i = 0; i < VERIFIED_CACHE_SIZE; i++)
		pdp_cert_free(v->verified[i].cert);
	free(v->ci);
	pthread_mutex_destroy(&v->lock);
	free(v);
}

static enum pdp_cert_status check_time(const struct pdp_cert *c, time_t at)
{
	if (at < c->not_before)
		return PDP_CERT_ERR_NOT_YET_VALID;
	if (at > c->not_after)
		return PDP_CERT_ERR_EXPIRED;
	return PDP_CERT_OK;
}

static int issued_by(const struct pdp_cert *child, const struct pdp_cert *issuer)
{
	return child->aki_len && child->aki_len == issuer->ski_len &&
	       !memcmp(child->aki, issuer->ski, child->aki_len);
}

/* What a certificate of @role must carry itself, apart from its issuer. */
static enum pdp_cert_status check_self(const struct pdp_cert *c, enum pdp_cert_role role, time_t at)
{
	enum pdp_cert_status st;

	if (c->unknown_critical || !c->ski_len)
		return PDP_CERT_ERR_MALFORMED;
	if (c->curve == PDP_CURVE_NONE)
		return PDP_CERT_ERR_CURVE;
	st = check_time(c, at);
	if (st)
		return st;
	if (role == PDP_CERT_ROLE_CI || role == PDP_CERT_ROLE_EUM) {
		if (!c->is_ca)
			return PDP_CERT_ERR_NOT_CA;
		if (!(c->key_usage & CERT_KU_KEY_CERT_SIGN))
			return PDP_CERT_ERR_KEY_USAGE;
	} else {
		if (c->is_ca || !(c->key_usage & CERT_KU_DIGITAL_SIGNATURE))
			return PDP_CERT_ERR_KEY_USAGE;
	}
	if (!(c->policies & (1u << role)))
		return PDP_CERT_ERR_POLICY;
	return PDP_CERT_OK;
}

enum pdp_cert_status pdp_cert_verifier_add_ci(struct pdp_cert_verifier *v,
					      const struct pdp_cert *ci)
{
	struct pdp_cert *copy, **grown;
	enum pdp_cert_status st;

	if (!v || !ci)
		return PDP_CERT_ERR_INVALID;
	if (!ci->is_ca)
		return PDP_CERT_ERR_NOT_CA;
	if (!ci->ski_len || ci->unknown_critical)
		return PDP_CERT_ERR_MALFORMED;
	if (!(ci->key_usage & CERT_KU_KEY_CERT_SIGN))
		return PDP_CERT_ERR_KEY_USAGE;
	if (ci->curve == PDP_CURVE_NONE)
		return PDP_CERT_ERR_CURVE;
	st = cert_check_signature(ci, ci); /* self-signed: proves the cert is intact */
	if (st)
		return st;
	copy = cert_ref(ci);
	grown = realloc(v->ci, (v->n_ci + 1) * sizeof(*grown));
	if (!grown) {
		pdp_cert_free(copy);
		return PDP_CERT_ERR_NOMEM;
	}
	v->ci = grown;
	v->ci[v->n_ci++] = copy;
	return PDP_CERT_OK;
}

enum pdp_cert_status pdp_cert_verifier_add_ci_file(struct pdp_cert_verifier *v, const char *path)
{
	struct pdp_cert *ci;
	enum pdp_cert_status st;

	if (!v)
		return PDP_CERT_ERR_INVALID;
	st = pdp_cert_load(path, &ci);
	if (st)
		return st;
	st = pdp_cert_verifier_add_ci(v, ci);
	pdp_cert_free(ci);
	return st;
}

/* Index in v->ci of the first CI whose key id is that of another before it. */
static int seen_keyid_before(const struct pdp_cert_verifier *v, unsigned i)
{
	unsigned j;

	for (j = 0; j < i; j++)
		if (v->ci[j]->ski_len == v->ci[i]->ski_len &&
		    !memcmp(v->ci[j]->ski, v->ci[i]->ski, v->ci[i]->ski_len))
			return 1;
	return 0;
}

unsigned pdp_cert_verifier_ci_count(const struct pdp_cert_verifier *v)
{
	unsigned i, n = 0;

	if (!v)
		return 0;
	for (i = 0; i < v->n_ci; i++)
		n += !seen_keyid_before(v, i);
	return n;
}

enum pdp_cert_status pdp_cert_verifier_ci_keyid(const struct pdp_cert_verifier *v, unsigned idx,
						uint8_t id[PDP_KEYID_MAX], size_t *id_len)
{
	unsigned i;

	if (!v || !id || !id_len)
		return PDP_CERT_ERR_INVALID;
	for (i = 0; i < v->n_ci; i++) {
		if (seen_keyid_before(v, i))
			continue;
		if (!idx--) {
			memcpy(id, v->ci[i]->ski, v->ci[i]->ski_len);
			*id_len = v->ci[i]->ski_len;
			return PDP_CERT_OK;
		}
	}
	return PDP_CERT_ERR_INVALID;
}

enum pdp_cert_status pdp_cert_verifier_has_ci(const struct pdp_cert_verifier *v, const uint8_t *id,
					      size_t id_len)
{
	unsigned i;

	if (!v || !id)
		return PDP_CERT_ERR_INVALID;
	for (i = 0; i < v->n_ci; i++)
		if (v->ci[i]->ski_len == id_len && !memcmp(v->ci[i]->ski, id, id_len))
			return PDP_CERT_OK;
	return PDP_CERT_ERR_UNKNOWN_CI;
}

/*
 * Find a CI that issued @c and check the signature. Several CIs may share
 * the key id (one key, two names); any of them that verifies will do.
 * @ci_out: [out] the issuing CI (for its validity).
 */
static enum pdp_cert_status check_by_ci(const struct pdp_cert_verifier *v, const struct pdp_cert *c,
					const struct pdp_cert **ci_out)
{
	enum pdp_cert_status st = PDP_CERT_ERR_UNKNOWN_CI;
	unsigned i;

	for (i = 0; i < v->n_ci; i++) {
		if (!issued_by(c, v->ci[i]))
			continue;
		st = cert_check_signature(c, v->ci[i]);
		if (!st) {
			*ci_out = v->ci[i];
			return PDP_CERT_OK;
		}
	}
	return st;
}

/* Slot of the verified certificate with DER hash @sha256, or NULL. Under v->lock. */
static struct verified_slot *verified_find(struct pdp_cert_verifier *v, const uint8_t sha256[32])
{
	unsigned i;

	for (i = 0; i < VERIFIED_CACHE_SIZE; i++)
		if (v->verified[i].cert && !memcmp(v->verified[i].cert->sha256, sha256, 32))
			return &v->verified[i];
	return NULL;
}

/* The CI that verified @c before, or NULL: the only result the cache gives. */
static const struct pdp_cert *verified_by(struct pdp_cert_verifier *v, const struct pdp_cert *c)
{
	const struct verified_slot *slot;
	const struct pdp_cert *ci = NULL;

	pthread_mutex_lock(&v->lock);
	slot = verified_find(v, c->sha256);
	if (slot)
		ci = slot->ci;
	pthread_mutex_unlock(&v->lock);
	return ci;
}

static void verified_remember(struct pdp_cert_verifier *v, const struct pdp_cert *c,
			      const struct pdp_cert *ci)
{
	struct pdp_cert *old = NULL;
	struct verified_slot *slot;

	pthread_mutex_lock(&v->lock);
	if (!verified_find(v, c->sha256)) {
		slot = &v->verified[v->verified_next++ % VERIFIED_CACHE_SIZE];
		old = slot->cert;
		slot->cert = cert_ref(c);
		slot->ci = ci;
	}
	pthread_mutex_unlock(&v->lock);
	pdp_cert_free(old);
}

/* CI -> @c: the signature result may come from the cache, nothing else. */
static enum pdp_cert_status check_by_ci_cached(struct pdp_cert_verifier *v,
					       const struct pdp_cert *c,
					       const struct pdp_cert **ci_out)
{
	enum pdp_cert_status st;

	*ci_out = verified_by(v, c);
	if (*ci_out)
		return PDP_CERT_OK;
	st = check_by_ci(v, c, ci_out);
	if (!st)
		verified_remember(v, c, *ci_out);
	return st;
}

struct pdp_cert *pdp_cert_verifier_lookup(struct pdp_cert_verifier *v, const uint8_t *der,
					  size_t len)
{
	const struct verified_slot *slot;
	struct pdp_cert *c = NULL;
	uint8_t sha256[32];

	if (!v || !der || !len || !SHA256(der, len, sha256))
		return NULL;
	pthread_mutex_lock(&v->lock);
	slot = verified_find(v, sha256);
	if (slot && slot->cert->der_len == len && !memcmp(slot->cert->der, der, len))
		c = cert_ref(slot->cert);
	pthread_mutex_unlock(&v->lock);
	return c;
}

/* CI -> EUM. */
static enum pdp_cert_status check_eum(struct pdp_cert_verifier *v, const struct pdp_cert *eum,
				      time_t at, enum pdp_cert_role *failed)
{
	const struct pdp_cert *ci;
	enum pdp_cert_status st;

	*failed = PDP_CERT_ROLE_EUM;
	st = check_by_ci_cached(v, eum, &ci);
	if (st)
		return st;
	st = check_self(eum, PDP_CERT_ROLE_EUM, at);
	if (st)
		return st;
	*failed = PDP_CERT_ROLE_CI;
	return check_time(ci, at);
}

static int dirname_match(const struct cert_dirname *rule, const struct pdp_cert *euicc)
{
	size_t n = strlen(rule->serial);

	if (rule->org[0] && strcmp(rule->org, euicc->subject.org))
		return 0;
	return !n || !strncmp(euicc->subject.serial, rule->serial, n);
}

/* SGP.22: the EID starts with the EUM's permitted serialNumber and O is the EUM's. */
static enum pdp_cert_status check_eid_range(const struct pdp_cert *eum,
					    const struct pdp_cert *euicc)
{
	unsigned i;
	int ok = 0;

	if (!eum->has_name_constraints || !eum->n_permitted)
		return PDP_CERT_ERR_EID_RANGE; /* an EUM must say which EIDs it may issue */
	for (i = 0; i < eum->n_excluded; i++)
		if (dirname_match(&eum->excluded[i], euicc))
			return PDP_CERT_ERR_EID_RANGE;
	for (i = 0; i < eum->n_permitted && !ok; i++)
		ok = dirname_match(&eum->permitted[i], euicc);
	return ok ? PDP_CERT_OK : PDP_CERT_ERR_EID_RANGE;
}

enum pdp_cert_status pdp_cert_verify_euicc_chain(struct pdp_cert_verifier *v,
						 const struct pdp_cert *eum,
						 const struct pdp_cert *euicc, time_t at,
						 enum pdp_cert_role *failed)
{
	enum pdp_cert_role dummy, *who = failed ? failed : &dummy;
	enum pdp_cert_status st;
	uint8_t eid[PDP_EID_LEN];

	*who = PDP_CERT_ROLE_NONE;
	if (!v || !eum || !euicc)
		return PDP_CERT_ERR_INVALID;
	st = check_eum(v, eum, at, who);
	if (st)
		return st;
	*who = PDP_CERT_ROLE_EUICC;
	if (!issued_by(euicc, eum))
		return PDP_CERT_ERR_UNKNOWN_ISSUER;
	st = cert_check_signature(euicc, eum);
	if (!st)
		st = check_self(euicc, PDP_CERT_ROLE_EUICC, at);
	if (!st)
		st = pdp_cert_eid(euicc, eid);
	if (!st)
		st = check_eid_range(eum, euicc);
	if (!st)
		*who = PDP_CERT_ROLE_NONE;
	return st;
}

enum pdp_cert_status pdp_cert_verify_dp(struct pdp_cert_verifier *v, const struct pdp_cert *dp,
					enum pdp_cert_role role, time_t at)
{
	const struct pdp_cert *ci = NULL;
	enum pdp_cert_status st;

	if (!v || !dp ||
	    (role != PDP_CERT_ROLE_DP_AUTH && role != PDP_CERT_ROLE_DP_PB &&
	     role != PDP_CERT_ROLE_DP_TLS))
		return PDP_CERT_ERR_INVALID;
	st = check_by_ci_cached(v, dp, &ci);
	if (!st)
		st = check_self(dp, role, at);
	if (!st)
		st = check_time(ci, at);
	return st;
}
