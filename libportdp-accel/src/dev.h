/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The dev backend: the card behind /dev/portdp-accelN. Sync calls use one
 * ioctl each (or, with "?sync=uring", a 1-deep io_uring); async ops go
 * through one io_uring per accel as IORING_OP_URING_CMD, many in flight.
 * Private keys and session keys stay on the card: the host holds slot
 * numbers and session handles only. Every card reply is checked here
 * before anything of it reaches the caller.
 */
#ifndef PORTDP_DEV_H
#define PORTDP_DEV_H

#include <stdbool.h>

#include <linux/portdp_accel.h>
#include <liburing.h>
#include <openssl/evp.h>

#include "backend.h"

#define DEV_DEFAULT_DEPTH 256
#define DEV_MAX_DEPTH 4096
#define DEV_PATH_MAX 64
#define DEV_SCAN_MAX 32 /* /dev/portdp-accel0..31 */

/* One async op in flight: the driver reads and writes @arg until the CQE. */
struct dev_req {
	struct pdp_op *op;
	struct dev_req *next; /* free list or ready list */
	union {
		struct portdp_ecdsa_sign sign;
		struct portdp_ecdsa_verify verify;
		struct portdp_session_create session;
		struct portdp_bsp_seal seal;
		struct portdp_random random;
	} arg;
};

struct dev_accel {
	struct pdp_accel base;
	int fd;
	char path[DEV_PATH_MAX];
	struct portdp_info info;
	EVP_MD *sha256;
	EVP_MD_CTX *md;
	EVP_PKEY *tpl[3]; /* indexed by enum pdp_curve: to check points the card returns */

	struct io_uring ring; /* async ops */
	unsigned depth;	      /* ops in flight at most (= dev_req slots) */
	struct dev_req *reqs, *free_reqs;
	struct dev_req *ready, **ready_tail; /* failed at submit, waiting for pdp_reap() */
	unsigned inflight;		     /* submitted, not reaped (ready ones included) */

	bool sync_uring;	   /* sync calls through @sync_ring instead of ioctl */
	struct io_uring sync_ring; /* 1 deep */

	bool upp_ring_ready;	  /* @upp_ring made (first sealed UPP) */
	struct io_uring upp_ring; /* a sealed UPP's commands, pipelined (dev_stock.c) */
};

struct dev_key {
	struct pdp_key base;
	uint8_t slot;
};

struct dev_session {
	struct pdp_session base;
	uint32_t handle;
};

static inline struct dev_accel *to_dev(struct pdp_accel *a)
{
	return (struct dev_accel *)a;
}

static inline uint8_t dev_slot(const struct pdp_key *k)
{
	return ((const struct dev_key *)k)->slot;
}

static inline uint32_t dev_handle(const struct pdp_session *s)
{
	return ((const struct dev_session *)s)->handle;
}

/* dev_call.c: one command, sync; driver errors mapped to accel.h's contract. */
int dev_call(struct dev_accel *da, unsigned long ioc, void *arg);
int dev_reconnect(struct dev_accel *da);
int dev_errno(int driver_err);
void dev_prep_cmd(struct io_uring_sqe *sqe, int fd, unsigned long ioc, void *arg);

/* dev_check.c: card replies, never trusted. */
int dev_check_point(struct dev_accel *da, enum pdp_curve curve, const uint8_t pub[PDP_PUBKEY_LEN]);
int dev_check_seal(uint8_t tag, size_t in_len, const uint8_t *out, uint32_t out_len,
		   size_t cap);
int dev_digest(struct dev_accel *da, const uint8_t *msg, size_t len, uint8_t dgst[32]);

/* dev_keys.c */
int dev_key_load(struct pdp_accel *accel, const char *key_uri, struct pdp_key **out);
void dev_key_free(struct pdp_key *key);
int dev_key_generate(struct pdp_accel *accel, const char *key_uri, enum pdp_curve curve,
		     struct pdp_key **out);
int dev_key_destroy(struct pdp_accel *accel, const char *key_uri);

/* dev_ecdsa.c */
void dev_sign_prep(struct portdp_ecdsa_sign *arg, const struct pdp_key *key,
		   const uint8_t *digest, size_t len);
int dev_sign_digest(struct pdp_accel *accel, struct pdp_key *key, const uint8_t *digest,
		    size_t len, uint8_t sig[PDP_SIG_LEN]);
int dev_sign(struct pdp_accel *accel, struct pdp_key *key, const uint8_t *msg, size_t msg_len,
	     uint8_t sig[PDP_SIG_LEN]);
int dev_sign_reply(const struct portdp_ecdsa_sign *arg, uint8_t sig[PDP_SIG_LEN]);
int dev_verify_prep(struct dev_accel *da, struct portdp_ecdsa_verify *arg, enum pdp_curve curve,
		    const uint8_t pub[PDP_PUBKEY_LEN], const uint8_t *msg, size_t msg_len,
		    const uint8_t sig[PDP_SIG_LEN]);
int dev_verify(struct pdp_accel *accel, enum pdp_curve curve, const uint8_t pub[PDP_PUBKEY_LEN],
	       const uint8_t *msg, size_t msg_len, const uint8_t sig[PDP_SIG_LEN]);
int dev_ecdh(struct pdp_accel *accel, struct pdp_key *key, const uint8_t peer_pub[PDP_PUBKEY_LEN],
	     uint8_t z[32]);

/* dev_session.c */
void dev_session_prep(struct portdp_session_create *arg, enum pdp_curve curve,
		      const uint8_t peer_pub[PDP_PUBKEY_LEN], const uint8_t *host_id,
		      size_t host_id_len, const uint8_t eid[PDP_EID_LEN]);
int dev_session_finish(struct dev_accel *da, const struct portdp_session_create *arg,
		       uint8_t ot_pub[PDP_PUBKEY_LEN], struct pdp_session **out);
int dev_session_create(struct pdp_accel *accel, enum pdp_curve curve,
		       const uint8_t peer_pub[PDP_PUBKEY_LEN], const uint8_t *host_id,
		       size_t host_id_len, const uint8_t eid[PDP_EID_LEN],
		       uint8_t ot_pub[PDP_PUBKEY_LEN], struct pdp_session **out);
void dev_seal_prep(struct portdp_bsp_seal *arg, const struct pdp_session *s, uint8_t tag,
		   const uint8_t *in, size_t in_len, uint8_t *out, size_t cap);
int dev_bsp_seal(struct pdp_accel *accel, struct pdp_session *session, uint8_t tag,
		 const uint8_t *in, size_t in_len, uint8_t *out, size_t *out_len);
int dev_replace_keys(struct pdp_accel *accel, struct pdp_session *session, uint8_t *out,
		     size_t *out_len, struct pdp_session **ppk_session);
void dev_session_close(struct pdp_accel *accel, struct pdp_session *session);

/* dev_reseal.c */
int dev_reseal(struct pdp_accel *accel, const char *iccid, size_t iccid_len,
	       const struct pdp_sealed_form *in, const uint8_t *ct_in, size_t ct_len,
	       struct pdp_sealed_form *out, uint8_t *ct_out);
/* dev_stock.c */
int dev_parse_slot(const struct dev_accel *da, const char *key_uri, uint8_t *slot);
int dev_stock_generate(struct pdp_accel *accel, const char *key_uri, struct pdp_stock_key **out);
int dev_stock_load(struct pdp_accel *accel, const char *key_uri, struct pdp_stock_key **out);
int dev_stock_wrap(struct pdp_accel *accel, struct pdp_stock_key *key,
		   const uint8_t data_key[PDP_STOCK_KEY_LEN], uint8_t wrapped[PDP_STOCK_WRAP_LEN]);
int dev_seal_sealed(struct pdp_accel *accel, struct pdp_session *session,
		    struct pdp_stock_key *key, const struct pdp_sealed_upp *upp, uint8_t *out,
		    size_t out_len);

/* dev_async.c */
int dev_async_init(struct dev_accel *da);
void dev_async_fini(struct dev_accel *da);
int dev_submit(struct pdp_accel *accel, struct pdp_op *const *ops, unsigned n);
int dev_reap(struct pdp_accel *accel, struct pdp_op **done, unsigned max, unsigned min_wait);
unsigned dev_inflight(const struct pdp_accel *accel);

/* dev_afalg.c: do AF_ALG cbc-aes-portdp / cmac-aes-portdp reach this card? */
void dev_afalg_probe(struct dev_accel *da, int *cbc, int *cmac);

extern const struct pdp_backend_ops pdp_dev_ops;

#endif
