/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The backend vtable behind accel.h. accel.c checks every argument once
 * (NULLs, curves, tags, lengths, ownership) and then calls the backend, so a
 * backend may assume valid arguments.
 */
#ifndef PORTDP_BACKEND_H
#define PORTDP_BACKEND_H

#include "portdp/accel.h"

struct pdp_backend_ops {
	const char *name;
	/* @arg: what follows "name:" in the URI. */
	int (*open)(const char *arg, struct pdp_accel **out);
	void (*close)(struct pdp_accel *accel);

	int (*key_load)(struct pdp_accel *accel, const char *key_uri, struct pdp_key **out);
	void (*key_free)(struct pdp_key *key);
	int (*key_generate)(struct pdp_accel *accel, const char *key_uri, enum pdp_curve curve,
			    struct pdp_key **out);
	int (*key_destroy)(struct pdp_accel *accel, const char *key_uri);
	int (*info)(struct pdp_accel *accel, struct pdp_accel_info *out);

	int (*sign)(struct pdp_accel *accel, struct pdp_key *key, const uint8_t *msg,
		    size_t msg_len, uint8_t sig[PDP_SIG_LEN]);
	int (*sign_digest)(struct pdp_accel *accel, struct pdp_key *key, const uint8_t *digest,
			   size_t len, uint8_t sig[PDP_SIG_LEN]);
	/* @peer_pub: uncompressed, not yet checked to be on the key's curve. */
	int (*ecdh)(struct pdp_accel *accel, struct pdp_key *key,
		    const uint8_t peer_pub[PDP_PUBKEY_LEN], uint8_t z[32]);
	int (*verify)(struct pdp_accel *accel, enum pdp_curve curve,
		      const uint8_t pub[PDP_PUBKEY_LEN], const uint8_t *msg, size_t msg_len,
		      const uint8_t sig[PDP_SIG_LEN]);
	int (*session_create)(struct pdp_accel *accel, enum pdp_curve curve,
			      const uint8_t peer_pub[PDP_PUBKEY_LEN], const uint8_t *host_id,
			      size_t host_id_len, const uint8_t eid[PDP_EID_LEN],
			      uint8_t ot_pub[PDP_PUBKEY_LEN], struct pdp_session **out);
	int (*bsp_seal)(struct pdp_accel *accel, struct pdp_session *session, uint8_t tag,
			const uint8_t *in, size_t in_len, uint8_t *out, size_t *out_len);
	int (*replace_keys)(struct pdp_accel *accel, struct pdp_session *session, uint8_t *out,
			    size_t *out_len, struct pdp_session **ppk_session);
	void (*session_close)(struct pdp_accel *accel, struct pdp_session *session);
	int (*random)(struct pdp_accel *accel, uint8_t *buf, size_t len);

	/* Sealed stock (stock.c checks the arguments). */
	int (*stock_generate)(struct pdp_accel *accel, const char *key_uri,
			      struct pdp_stock_key **out);
	int (*stock_load)(struct pdp_accel *accel, const char *key_uri, struct pdp_stock_key **out);
	int (*stock_wrap)(struct pdp_accel *accel, struct pdp_stock_key *key,
			  const uint8_t data_key[PDP_STOCK_KEY_LEN],
			  uint8_t wrapped[PDP_STOCK_WRAP_LEN]);
	int (*seal_sealed)(struct pdp_accel *accel, struct pdp_session *session,
			   struct pdp_stock_key *key, const struct pdp_sealed_upp *upp,
			   uint8_t *out, size_t out_len);

	/* reseal.c checks the arguments; @iccid_len is 0 without a transfer side. */
	int (*reseal)(struct pdp_accel *accel, const char *iccid, size_t iccid_len,
		      const struct pdp_sealed_form *in, const uint8_t *ct_in, size_t ct_len,
		      struct pdp_sealed_form *out, uint8_t *ct_out);

	/* Ops arrive checked by pdp_op_check(). */
	int (*submit)(struct pdp_accel *accel, struct pdp_op *const *ops, unsigned n);
	int (*reap)(struct pdp_accel *accel, struct pdp_op **done, unsigned max, unsigned min_wait);
	unsigned (*inflight)(const struct pdp_accel *accel);
};

/* Every backend's objects start with these headers. */
struct pdp_accel {
	const struct pdp_backend_ops *ops;
};

struct pdp_key {
	struct pdp_accel *owner;
	enum pdp_curve curve;
	uint8_t pub[PDP_PUBKEY_LEN];
};

struct pdp_session {
	struct pdp_accel *owner;
};

/* A stock key: soft holds the key (wiped on free), dev a slot number. */
struct pdp_stock_key {
	struct pdp_accel *owner;
	uint8_t slot;
	uint8_t key[PDP_STOCK_KEY_LEN];
};

/* Validate one async op (same rules as the matching sync call): 0 or -EINVAL. */
int pdp_op_check(const struct pdp_accel *accel, const struct pdp_op *op);

extern const struct pdp_backend_ops pdp_soft_ops;
/* The card (dev_backend.c); the library always carries it (liburing, libkcapi). */
extern const struct pdp_backend_ops pdp_dev_ops;

#endif
