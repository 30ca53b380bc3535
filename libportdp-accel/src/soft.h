/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The soft backend: OpenSSL 3 in this process. One struct soft_accel per
 * thread; it caches every OpenSSL context that can legally be reused so the
 * hot paths do no fetches and few allocations.
 */
#ifndef PORTDP_SOFT_H
#define PORTDP_SOFT_H

#include <openssl/evp.h>

#include "backend.h"
#include "bsp_ctx.h"
#include "ec_util.h"
#include "portdp/scp03t.h"

/*
 * Public keys seen lately (EUM, eUICCs in open sessions), direct-mapped by
 * their x coordinate: a worker has dozens of sessions open at once, each
 * verifying with its eUICC's key three times. Power of 2.
 */
#define SOFT_VERIFY_CACHE 256
#define SOFT_RING_SIZE 1024  /* completions waiting for pdp_reap(); power of 2 */
#define SOFT_NCURVES 3	     /* indexed by enum pdp_curve */

struct soft_accel {
	struct pdp_accel base;
	EVP_MD *sha256;
	EVP_MD_CTX *md;
	EVP_PKEY *tpl[SOFT_NCURVES];	    /* public keys to clone for raw points */
	EVP_PKEY_CTX *keygen[SOFT_NCURVES]; /* one-time ECKA keys */
	struct bsp_ctx bsp;
	struct ec_verify_slot vcache[SOFT_VERIFY_CACHE];
	struct pdp_op *ring[SOFT_RING_SIZE];
	unsigned ring_head, ring_tail; /* free-running; tail - head = queued */
};

struct soft_key {
	struct pdp_key base;
	EVP_PKEY *pkey;
	EVP_PKEY_CTX *sign_ctx; /* sign-initialised once */
};

struct soft_session {
	struct pdp_session base;
	struct pdp_scp03t st;
};

static inline struct soft_accel *to_soft(struct pdp_accel *a)
{
	return (struct soft_accel *)a;
}

/* soft_ecdsa.c */
int soft_key_load(struct pdp_accel *accel, const char *key_uri, struct pdp_key **out);
void soft_key_free(struct pdp_key *key);
int soft_key_wrap(struct pdp_accel *accel, EVP_PKEY *pkey, struct pdp_key **out);
const char *soft_key_path(const char *key_uri);
int soft_key_read(const char *key_uri, EVP_PKEY **out);
int soft_sign_digest(struct pdp_accel *accel, struct pdp_key *key, const uint8_t *digest,
		     size_t len, uint8_t sig[PDP_SIG_LEN]);
int soft_sign(struct pdp_accel *accel, struct pdp_key *key, const uint8_t *msg, size_t msg_len,
	      uint8_t sig[PDP_SIG_LEN]);
int soft_verify(struct pdp_accel *accel, enum pdp_curve curve, const uint8_t pub[PDP_PUBKEY_LEN],
		const uint8_t *msg, size_t msg_len, const uint8_t sig[PDP_SIG_LEN]);
void soft_verify_cache_clear(struct soft_accel *sa);
int soft_digest(struct soft_accel *sa, const uint8_t *msg, size_t len, uint8_t dgst[32]);

/* soft_session.c */
int soft_session_create(struct pdp_accel *accel, enum pdp_curve curve,
			const uint8_t peer_pub[PDP_PUBKEY_LEN], const uint8_t *host_id,
			size_t host_id_len, const uint8_t eid[PDP_EID_LEN],
			uint8_t ot_pub[PDP_PUBKEY_LEN], struct pdp_session **out);
int soft_bsp_seal(struct pdp_accel *accel, struct pdp_session *session, uint8_t tag,
		  const uint8_t *in, size_t in_len, uint8_t *out, size_t *out_len);
int soft_replace_keys(struct pdp_accel *accel, struct pdp_session *session, uint8_t *out,
		      size_t *out_len, struct pdp_session **ppk_session);
void soft_session_close(struct pdp_accel *accel, struct pdp_session *session);
int soft_ecdh(struct pdp_accel *accel, struct pdp_key *key, const uint8_t peer_pub[PDP_PUBKEY_LEN],
	      uint8_t z[32]);

/* soft_keygen.c */
int soft_key_generate(struct pdp_accel *accel, const char *key_uri, enum pdp_curve curve,
		      struct pdp_key **out);
int soft_key_destroy(struct pdp_accel *accel, const char *key_uri);

/* soft_reseal.c */
int soft_reseal(struct pdp_accel *accel, const char *iccid, size_t iccid_len,
		const struct pdp_sealed_form *in, const uint8_t *ct_in, size_t ct_len,
		struct pdp_sealed_form *out, uint8_t *ct_out);
/* soft_stock.c */
int soft_stock_generate(struct pdp_accel *accel, const char *key_uri, struct pdp_stock_key **out);
int soft_stock_load(struct pdp_accel *accel, const char *key_uri, struct pdp_stock_key **out);
int soft_stock_wrap(struct pdp_accel *accel, struct pdp_stock_key *key,
		    const uint8_t data_key[PDP_STOCK_KEY_LEN], uint8_t wrapped[PDP_STOCK_WRAP_LEN]);
int soft_seal_sealed(struct pdp_accel *accel, struct pdp_session *session,
		     struct pdp_stock_key *key, const struct pdp_sealed_upp *upp, uint8_t *out,
		     size_t out_len);

/* soft_async.c */
int soft_submit(struct pdp_accel *accel, struct pdp_op *const *ops, unsigned n);
int soft_reap(struct pdp_accel *accel, struct pdp_op **done, unsigned max, unsigned min_wait);
unsigned soft_inflight(const struct pdp_accel *accel);

#endif
