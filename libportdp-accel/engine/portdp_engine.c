// SPDX-License-Identifier: Apache-2.0
/*
 * portdp - OpenSSL ENGINE for card-resident EC keys, for programs that take
 * engines but not providers (stunnel "engine", curl --engine, nginx
 * ssl_engine, OpenVPN --engine). Same keys, URIs and library as the
 * provider (../provider/README.md): ENGINE_load_private_key("portdp:...")
 * gives an EVP_PKEY whose EC_KEY carries a libportdp-accel handle; its
 * EC_KEY_METHOD signs (ECDSA) and derives (ECDH) on the card. Keys that
 * are not ours (the engine may be the default EC method of a program) go to
 * OpenSSL's own method. Verification and key generation stay OpenSSL's.
 *
 * Built only where the OpenSSL headers have ENGINE (not OPENSSL_NO_ENGINE);
 * ENGINE is deprecated in 3.0, hence -Wno-deprecated-declarations for this
 * file alone.
 *
 * Accel of "portdp:slot=N": the ACCEL control command (openssl.cnf engine
 * section "ACCEL = dev:/dev/portdp-accel0"), else $PORTDP_ACCEL, else "dev:".
 * Threads: one accel per accel URI, a mutex around every pdp_*() call.
 * Fork: the first use in a child opens a new accel and re-loads its keys
 * by URI (the parent's handles are left alone).
 */
#include <errno.h>
#include <limits.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <openssl/ec.h>
#include <openssl/ecdsa.h>
#include <openssl/engine.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/obj_mac.h>

#include <portdp/accel.h>

#include "uri.h"

#ifdef OPENSSL_NO_ENGINE
#error "this OpenSSL has no ENGINE support: the build skips the engine"
#endif

static const char eng_id[] = "portdp";
static const char eng_name[] = "Port-DP+ card keys (ECDSA, ECDH)";

/* One accel (card or soft backend) by URI. */
struct eng_card {
	struct eng_card *next;
	char *accel_uri;
	struct pdp_accel *accel;
	pid_t pid;	/* that opened @accel */
	unsigned gen;	/* bumps at every open */
	pthread_mutex_t lock;
};

/* What an EC_KEY of ours carries (ex_data). */
struct eng_key {
	struct eng_card *card;
	char *key_uri;
	struct pdp_key *handle;
	unsigned gen;	/* card->gen the handle belongs to */
};

static pthread_mutex_t cards_lock = PTHREAD_MUTEX_INITIALIZER;
static struct eng_card *cards;
static char *accel_default;
static int key_idx = -1;
static EC_KEY_METHOD *eng_method;
static int err_lib;

#define ENG_R_URI	100
#define ENG_R_ACCEL	101
#define ENG_R_KEY	102
#define ENG_R_CARD	103

static ERR_STRING_DATA eng_reasons[] = {
	{ERR_PACK(0, 0, ENG_R_URI), "bad portdp URI"},
	{ERR_PACK(0, 0, ENG_R_ACCEL), "cannot open accel"},
	{ERR_PACK(0, 0, ENG_R_KEY), "cannot load key"},
	{ERR_PACK(0, 0, ENG_R_CARD), "card operation failed"},
	{0, NULL},
};

static void eng_err(int reason, const char *fmt, const char *a, int err)
{
	ERR_raise_data(err_lib, reason, fmt, a, strerror(err < 0 ? -err : err));
}

static struct eng_card *card_get(const char *accel_uri)
{
	struct eng_card *c;
	int ret;

	pthread_mutex_lock(&cards_lock);
	for (c = cards; c; c = c->next)
		if (!strcmp(c->accel_uri, accel_uri))
			goto out;
	c = calloc(1, sizeof(*c));
	if (!c || !(c->accel_uri = strdup(accel_uri))) {
		free(c);
		c = NULL;
		goto out;
	}
	ret = pdp_accel_open(accel_uri, &c->accel);
	if (ret) {
		eng_err(ENG_R_ACCEL, "'%s': %s", accel_uri, ret);
		free(c->accel_uri);
		free(c);
		c = NULL;
		goto out;
	}
	c->pid = getpid();
	c->gen = 1;
	pthread_mutex_init(&c->lock, NULL);
	c->next = cards;
	cards = c;
out:
	pthread_mutex_unlock(&cards_lock);
	return c;
}

/* Lock @k's card and make its handle usable in this process; 0 or -errno. */
static int key_enter(struct eng_key *k)
{
	struct eng_card *c = k->card;
	int ret;

	pthread_mutex_lock(&c->lock);
	if (c->pid != getpid()) {
		/* Forked: the parent's accel and handles stay untouched. */
		ret = pdp_accel_open(c->accel_uri, &c->accel);
		if (ret) {
			c->accel = NULL;
			goto fail;
		}
		c->pid = getpid();
		c->gen++;
	}
	if (!c->accel) {
		ret = -ENODEV;
		goto fail;
	}
	if (k->gen != c->gen) {
		ret = pdp_key_load(c->accel, k->key_uri, &k->handle);
		if (ret)
			goto fail;
		k->gen = c->gen;
	}
	return 0;
fail:
	pthread_mutex_unlock(&c->lock);
	return ret;
}

static void key_leave(struct eng_key *k)
{
	pthread_mutex_unlock(&k->card->lock);
}

/* ex_data free: the EC_KEY goes, and its handle with it. */
static void key_free(void *parent, void *ptr, CRYPTO_EX_DATA *ad, int idx, long argl, void *argp)
{
	struct eng_key *k = ptr;

	(void)parent, (void)ad, (void)idx, (void)argl, (void)argp;
	if (!k)
		return;
	pthread_mutex_lock(&k->card->lock);
	if (k->handle && k->card->pid == getpid() && k->gen == k->card->gen)
		pdp_key_free(k->handle);
	pthread_mutex_unlock(&k->card->lock);
	free(k->key_uri);
	free(k);
}

static struct eng_key *key_of(const EC_KEY *ec)
{
	return key_idx < 0 ? NULL : EC_KEY_get_ex_data(ec, key_idx);
}

/* ECDSA on the card: raw r||s. */
static int card_sign(EC_KEY *ec, const unsigned char *dgst, int dlen, uint8_t raw[PDP_SIG_LEN])
{
	struct eng_key *k = key_of(ec);
	int ret;

	if (dlen < 1 || dlen > PDP_DIGEST_MAX) {
		eng_err(ENG_R_CARD, "%s: %s", "digest length", EINVAL);
		return 0;
	}
	ret = key_enter(k);
	if (!ret) {
		ret = pdp_sign_digest(k->card->accel, k->handle, dgst, (size_t)dlen, raw);
		key_leave(k);
	}
	if (ret) {
		eng_err(ENG_R_CARD, "sign with %s: %s", k->key_uri, ret);
		return 0;
	}
	return 1;
}

static int eng_sign(int type, const unsigned char *dgst, int dlen, unsigned char *sig,
		    unsigned int *siglen, const BIGNUM *kinv, const BIGNUM *r, EC_KEY *ec)
{
	int (*ossl_sign)(int, const unsigned char *, int, unsigned char *, unsigned int *,
			 const BIGNUM *, const BIGNUM *, EC_KEY *);
	uint8_t raw[PDP_SIG_LEN];
	size_t len = PDP_SIG_DER_MAX;

	if (!key_of(ec)) {
		EC_KEY_METHOD_get_sign(EC_KEY_OpenSSL(), &ossl_sign, NULL, NULL);
		return ossl_sign(type, dgst, dlen, sig, siglen, kinv, r, ec);
	}
	if (!card_sign(ec, dgst, dlen, raw) || pdp_sig_raw_to_der(raw, sig, &len))
		return 0;
	*siglen = (unsigned int)len;
	return 1;
}

static ECDSA_SIG *eng_sign_sig(const unsigned char *dgst, int dlen, const BIGNUM *kinv,
			       const BIGNUM *r, EC_KEY *ec)
{
	ECDSA_SIG *(*ossl_sign_sig)(const unsigned char *, int, const BIGNUM *, const BIGNUM *,
				    EC_KEY *);
	uint8_t raw[PDP_SIG_LEN];
	BIGNUM *br, *bs;
	ECDSA_SIG *sig;

	if (!key_of(ec)) {
		EC_KEY_METHOD_get_sign(EC_KEY_OpenSSL(), NULL, NULL, &ossl_sign_sig);
		return ossl_sign_sig(dgst, dlen, kinv, r, ec);
	}
	if (!card_sign(ec, dgst, dlen, raw))
		return NULL;
	sig = ECDSA_SIG_new();
	br = BN_bin2bn(raw, 32, NULL);
	bs = BN_bin2bn(raw + 32, 32, NULL);
	if (!sig || !br || !bs || !ECDSA_SIG_set0(sig, br, bs)) {
		ECDSA_SIG_free(sig);
		BN_free(br);
		BN_free(bs);
		return NULL;
	}
	return sig;
}

/* The card's keys have no private scalar here: nothing to set up. */
static int eng_sign_setup(EC_KEY *ec, BN_CTX *ctx, BIGNUM **kinv, BIGNUM **r)
{
	int (*ossl_setup)(EC_KEY *, BN_CTX *, BIGNUM **, BIGNUM **);

	if (key_of(ec))
		return 1;
	EC_KEY_METHOD_get_sign(EC_KEY_OpenSSL(), NULL, &ossl_setup, NULL);
	return ossl_setup(ec, ctx, kinv, r);
}

static int eng_compute_key(unsigned char **psec, size_t *pseclen, const EC_POINT *peer,
			   const EC_KEY *ec)
{
	int (*ossl_ckey)(unsigned char **, size_t *, const EC_POINT *, const EC_KEY *);
	struct eng_key *k = key_of(ec);
	uint8_t pub[PDP_PUBKEY_LEN], z[32];
	int ret;

	if (!k) {
		EC_KEY_METHOD_get_compute_key(EC_KEY_OpenSSL(), &ossl_ckey);
		return ossl_ckey(psec, pseclen, peer, ec);
	}
	if (EC_POINT_point2oct(EC_KEY_get0_group(ec), peer, POINT_CONVERSION_UNCOMPRESSED, pub,
			       sizeof(pub), NULL) != sizeof(pub)) {
		eng_err(ENG_R_CARD, "%s: %s", "peer point", EINVAL);
		return 0;
	}
	ret = key_enter(k);
	if (!ret) {
		ret = pdp_ecdh(k->card->accel, k->handle, pub, z);
		key_leave(k);
	}
	if (ret) {
		eng_err(ENG_R_CARD, "ECDH with %s: %s", k->key_uri, ret);
		return 0;
	}
	*psec = OPENSSL_memdup(z, sizeof(z));
	OPENSSL_cleanse(z, sizeof(z));
	if (!*psec)
		return 0;
	*pseclen = sizeof(z);
	return 1;
}

/* The accel a parsed URI names: its own, else ACCEL, else $PORTDP_ACCEL, else "dev:". */
static const char *accel_of(const struct portdp_uri *u, char *buf, size_t len)
{
	const char *env = getenv("PORTDP_ACCEL");

	if (u->accel == PORTDP_ACCEL_SOFT)
		return "soft:";
	if (u->accel == PORTDP_ACCEL_DEV) {
		snprintf(buf, len, "dev:%s", u->dev);
		return buf;
	}
	if (accel_default)
		return accel_default;
	return env && *env ? env : "dev:";
}

/* An EC_KEY of our method with @k's public point, as an EVP_PKEY. */
static EVP_PKEY *make_pkey(ENGINE *e, struct eng_key *k, const uint8_t pub[PDP_PUBKEY_LEN],
			   enum pdp_curve curve)
{
	int nid = curve == PDP_CURVE_BP256R1 ? NID_brainpoolP256r1 : NID_X9_62_prime256v1;
	EC_GROUP *group = EC_GROUP_new_by_curve_name(nid);
	EC_KEY *ec = EC_KEY_new_method(e);
	EC_POINT *pt = NULL;
	EVP_PKEY *pkey = NULL;

	if (!group || !ec || EC_KEY_set_group(ec, group) != 1)
		goto out;
	pt = EC_POINT_new(group);
	if (!pt || EC_POINT_oct2point(group, pt, pub, PDP_PUBKEY_LEN, NULL) != 1 ||
	    EC_KEY_set_public_key(ec, pt) != 1)
		goto out;
	if (!EC_KEY_set_ex_data(ec, key_idx, k))
		goto out;
	k = NULL; /* the EC_KEY owns it now */
	pkey = EVP_PKEY_new();
	if (!pkey || EVP_PKEY_assign_EC_KEY(pkey, ec) != 1) {
		EVP_PKEY_free(pkey);
		pkey = NULL;
		goto out;
	}
	ec = NULL;
out:
	if (k)
		key_free(NULL, k, NULL, 0, 0, NULL);
	EC_POINT_free(pt);
	EC_KEY_free(ec);
	EC_GROUP_free(group);
	return pkey;
}

static EVP_PKEY *eng_load_privkey(ENGINE *e, const char *key_id, UI_METHOD *ui, void *cb_data)
{
	char why[160], accel_buf[PATH_MAX + 8];
	uint8_t pub[PDP_PUBKEY_LEN];
	enum pdp_curve curve;
	struct eng_card *c;
	struct portdp_uri u;
	struct eng_key *k;
	int ret;

	(void)ui, (void)cb_data;
	if (!key_id || portdp_uri_parse(key_id, &u, why, sizeof(why))) {
		ERR_raise_data(err_lib, ENG_R_URI, "'%s': %s", key_id ? key_id : "(null)",
			       key_id ? why : "no key named");
		return NULL;
	}
	c = card_get(accel_of(&u, accel_buf, sizeof(accel_buf)));
	if (!c)
		return NULL;
	k = calloc(1, sizeof(*k));
	if (!k || !(k->key_uri = strdup(u.key_uri))) {
		free(k);
		return NULL;
	}
	k->card = c;
	ret = key_enter(k); /* loads the handle: k->gen is 0 */
	if (ret) {
		eng_err(ENG_R_KEY, "'%s': %s", key_id, ret);
		free(k->key_uri);
		free(k);
		return NULL;
	}
	ret = pdp_key_public(k->handle, pub, &curve);
	key_leave(k);
	if (ret) {
		eng_err(ENG_R_KEY, "'%s': %s", key_id, ret);
		key_free(NULL, k, NULL, 0, 0, NULL);
		return NULL;
	}
	return make_pkey(e, k, pub, curve);
}

#define ENG_CMD_ACCEL ENGINE_CMD_BASE

static const ENGINE_CMD_DEFN eng_cmds[] = {
	{ENG_CMD_ACCEL, "ACCEL", "accel of portdp:slot=N keys (dev:/dev/portdp-accel0, soft:)",
	 ENGINE_CMD_FLAG_STRING},
	{0, NULL, NULL, 0},
};

static int eng_ctrl(ENGINE *e, int cmd, long i, void *p, void (*f)(void))
{
	char *s;

	(void)e, (void)i, (void)f;
	if (cmd != ENG_CMD_ACCEL || !p)
		return 0;
	s = strdup(p);
	if (!s)
		return 0;
	pthread_mutex_lock(&cards_lock);
	free(accel_default);
	accel_default = s;
	pthread_mutex_unlock(&cards_lock);
	return 1;
}

static int eng_destroy(ENGINE *e)
{
	struct eng_card *c, *next;

	(void)e;
	for (c = cards; c; c = next) {
		next = c->next;
		if (c->accel && c->pid == getpid())
			pdp_accel_close(c->accel);
		pthread_mutex_destroy(&c->lock);
		free(c->accel_uri);
		free(c);
	}
	cards = NULL;
	free(accel_default);
	accel_default = NULL;
	EC_KEY_METHOD_free(eng_method);
	eng_method = NULL;
	ERR_unload_strings(err_lib, eng_reasons);
	return 1;
}

static int bind_portdp(ENGINE *e, const char *id)
{
	if (id && strcmp(id, eng_id))
		return 0;
	if (!err_lib) {
		err_lib = ERR_get_next_error_library();
		ERR_load_strings(err_lib, eng_reasons);
	}
	if (key_idx < 0)
		key_idx = EC_KEY_get_ex_new_index(0, NULL, NULL, NULL, key_free);
	if (!eng_method) {
		eng_method = EC_KEY_METHOD_new(EC_KEY_OpenSSL());
		if (!eng_method)
			return 0;
		EC_KEY_METHOD_set_sign(eng_method, eng_sign, eng_sign_setup, eng_sign_sig);
		EC_KEY_METHOD_set_compute_key(eng_method, eng_compute_key);
	}
	if (key_idx < 0 || !ENGINE_set_id(e, eng_id) || !ENGINE_set_name(e, eng_name) ||
	    !ENGINE_set_EC(e, eng_method) || !ENGINE_set_load_privkey_function(e, eng_load_privkey) ||
	    !ENGINE_set_cmd_defns(e, eng_cmds) || !ENGINE_set_ctrl_function(e, eng_ctrl) ||
	    !ENGINE_set_destroy_function(e, eng_destroy))
		return 0;
	return 1;
}

IMPLEMENT_DYNAMIC_BIND_FN(bind_portdp)
IMPLEMENT_DYNAMIC_CHECK_FN()
