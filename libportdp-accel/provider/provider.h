/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Internals of the "portdp" OpenSSL 3 provider, shared by its operation files
 * (kmgmt/, sig/, exchange.c, store.c).
 *
 * Objects:
 *  struct portdp_prov  one per loading of the provider (per OSSL_LIB_CTX): the
 *                      core handle, a private library context for the soft
 *                      backend and for public-key math, and the accel pool.
 *  struct portdp_card  one opened libportdp-accel instance per accel URI, with
 *                      the lock that serialises every call into it.
 *  struct portdp_key   what the EC keymgmt hands to libcrypto: a curve, a
 *                      public point and, for a private key, the card handle.
 *
 * Locking rule: every pdp_*() call on a card's accel (and on its key handles)
 * runs between portdp_card_enter() and portdp_card_leave(), which hold the
 * card's mutex; nothing else touches the accel.
 *
 * Fork rule: fork.c's atfork handlers hold every lock across fork(), so a
 * child never inherits a lock taken by another thread. A card remembers the pid that opened it. The
 * first use in a child opens a fresh accel and bumps the card's generation; a key whose handle
 * belongs to an older generation re-loads it by its key URI. The parent's accel and handles are
 * left alone in the child (never closed there: they may share the parent's io_uring and card
 * sessions).
 */
#ifndef PORTDP_PROVIDER_H
#define PORTDP_PROVIDER_H

#include <pthread.h>
#include <stdatomic.h>
#include <sys/types.h>

#include <openssl/core.h>
#include <openssl/core_dispatch.h>
#include <openssl/types.h>

#include "portdp/accel.h"
#include "uri.h"

#define PORTDP_PROV_NAME "portdp"
#define PORTDP_PROPS "provider=portdp"
/* Largest DER ECDSA-Sig-Value of a 256-bit curve. */
#define PORTDP_SIG_MAX PDP_SIG_DER_MAX

/* Reason codes of the provider's errors (strings in provider.c). */
enum portdp_reason {
	PORTDP_R_BAD_URI = 1,
	PORTDP_R_ACCEL,
	PORTDP_R_KEY,
	PORTDP_R_NO_PRIVATE_KEY,
	PORTDP_R_BAD_KEY_DATA,
	PORTDP_R_BAD_ARGUMENT,
	PORTDP_R_CARD_OP,
	PORTDP_R_NOT_EXPORTABLE,
	PORTDP_R_INTERNAL,
};

struct portdp_card {
	struct portdp_card *next;
	char *accel_uri;
	struct pdp_accel *accel;
	pid_t pid;	      /* who opened @accel */
	unsigned gen;	      /* bumped whenever @accel is replaced */
	pthread_mutex_t lock; /* serialises every use of @accel, see the locking rule */
	OSSL_LIB_CTX *saved;  /* the caller's default library context while entered */
};

struct portdp_prov {
	struct portdp_prov *next; /* fork.c's registry */
	const OSSL_CORE_HANDLE *handle;
	OSSL_LIB_CTX *core_libctx;  /* the library context that loaded us */
	OSSL_LIB_CTX *libctx;	    /* private: default provider only, never us */
	OSSL_PROVIDER *default_prov; /* our reference to the default provider in @libctx */
	char *accel_default;	    /* from the config section's "accel", or NULL */
	pthread_mutex_t cards_lock; /* protects the list @cards */
	struct portdp_card *cards;
	/* core error functions */
	OSSL_FUNC_core_new_error_fn *new_error;
	OSSL_FUNC_core_set_error_debug_fn *set_error_debug;
	OSSL_FUNC_core_vset_error_fn *vset_error;
};

#define PORTDP_KEY_MAGIC 0x706b6579u /* "pkey" */

struct portdp_key {
	uint32_t magic;
	atomic_int refs;
	struct portdp_prov *prov;
	enum pdp_curve curve; /* PDP_CURVE_NONE until known */
	int has_pub;
	uint8_t pub[PDP_PUBKEY_LEN]; /* uncompressed point */
	EVP_PKEY *pub_pkey;	     /* @pub in prov->libctx, for verify and point checks */
	/* Private keys only: */
	struct portdp_card *card;
	char *key_uri; /* "slot:N" / "file:..." to re-load after fork */
	struct pdp_key *handle;
	unsigned handle_gen;
};

/* provider.c */
void portdp_raise(struct portdp_prov *prov, int reason, const char *file, int line,
		  const char *func, const char *fmt, ...) __attribute__((format(printf, 6, 7)));
#define PORTDP_ERR(prov, reason, ...)                                                              \
	portdp_raise((prov), (reason), __FILE__, __LINE__, __func__, __VA_ARGS__)
const char *portdp_errno_str(int err);

/* card.c */
int portdp_card_get(struct portdp_prov *prov, const char *accel_uri, struct portdp_card **out);
int portdp_card_enter(struct portdp_prov *prov, struct portdp_card *card);
void portdp_card_leave(struct portdp_prov *prov, struct portdp_card *card);
void portdp_card_free_handle(struct portdp_prov *prov, struct portdp_card *card,
			     struct pdp_key *handle, unsigned gen);
void portdp_cards_free(struct portdp_prov *prov);
const char *portdp_accel_uri(const struct portdp_prov *prov, const struct portdp_uri *uri);

/* fork.c */
void portdp_fork_register(struct portdp_prov *prov);
void portdp_fork_unregister(struct portdp_prov *prov);

/* key.c */
struct portdp_key *portdp_key_new(struct portdp_prov *prov);
struct portdp_key *portdp_key_ref(struct portdp_key *key);
void portdp_key_unref(struct portdp_key *key);
int portdp_key_open(struct portdp_prov *prov, const struct portdp_uri *uri,
		    struct portdp_key **out);
int portdp_key_generate(struct portdp_prov *prov, const struct portdp_uri *uri,
			enum pdp_curve curve, struct portdp_key **out);
int portdp_key_set_public(struct portdp_key *key, enum pdp_curve curve, const uint8_t *point,
			  size_t len);
int portdp_key_sign_digest(struct portdp_key *key, const uint8_t *dgst, size_t len, uint8_t *der,
			   size_t *der_len);
int portdp_key_verify_digest(struct portdp_key *key, const uint8_t *dgst, size_t len,
			     const uint8_t *der, size_t der_len);
int portdp_key_ecdh(struct portdp_key *key, const struct portdp_key *peer, uint8_t z[32]);

/* curve.c */
const char *portdp_curve_name(enum pdp_curve curve);
enum pdp_curve portdp_curve_from_name(const char *name);

/* Operation tables (one file each). */
extern const OSSL_DISPATCH portdp_ec_keymgmt_functions[];
extern const OSSL_DISPATCH portdp_ecdsa_functions[];
extern const OSSL_DISPATCH portdp_ecdh_functions[];
extern const OSSL_DISPATCH portdp_store_functions[];

#endif
