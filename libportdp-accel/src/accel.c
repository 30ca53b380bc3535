// SPDX-License-Identifier: Apache-2.0
/*
 * The public entry points of accel.h: pick a backend by URI, check every
 * argument once, then call the backend's vtable.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "backend.h"
#include "portdp/scp03t.h"

#define HOST_ID_MAX 16

static const struct pdp_backend_ops *backend(size_t i)
{
	switch (i) {
	case 0:
		return &pdp_soft_ops;
	case 1:
		return &pdp_dev_ops;
	default:
		return NULL;
	}
}

int pdp_accel_open(const char *uri, struct pdp_accel **out)
{
	size_t i;

	if (!out)
		return -EINVAL;
	if (!uri)
		uri = getenv("PORTDP_ACCEL");
	if (!uri || !*uri)
		uri = "soft:";
	for (i = 0; backend(i); i++) {
		const struct pdp_backend_ops *b = backend(i);
		size_t n = strlen(b->name);

		if (!strncmp(uri, b->name, n) && uri[n] == ':')
			return b->open(uri + n + 1, out);
	}
	return -EINVAL;
}

void pdp_accel_close(struct pdp_accel *accel)
{
	if (accel)
		accel->ops->close(accel);
}

const char *pdp_accel_backend(const struct pdp_accel *accel)
{
	return accel ? accel->ops->name : NULL;
}

int pdp_key_load(struct pdp_accel *accel, const char *key_uri, struct pdp_key **out)
{
	if (!accel || !key_uri || !out)
		return -EINVAL;
	return accel->ops->key_load(accel, key_uri, out);
}

int pdp_key_public(const struct pdp_key *key, uint8_t pub[PDP_PUBKEY_LEN], enum pdp_curve *curve)
{
	if (!key || !pub)
		return -EINVAL;
	memcpy(pub, key->pub, PDP_PUBKEY_LEN);
	if (curve)
		*curve = key->curve;
	return 0;
}

void pdp_key_free(struct pdp_key *key)
{
	if (key)
		key->owner->ops->key_free(key);
}

static int curve_ok(enum pdp_curve c)
{
	return c == PDP_CURVE_P256 || c == PDP_CURVE_BP256R1;
}

int pdp_key_generate(struct pdp_accel *accel, const char *key_uri, enum pdp_curve curve,
		     struct pdp_key **out)
{
	if (!accel || !key_uri || !out || !curve_ok(curve))
		return -EINVAL;
	return accel->ops->key_generate(accel, key_uri, curve, out);
}

int pdp_key_destroy(struct pdp_accel *accel, const char *key_uri)
{
	if (!accel || !key_uri)
		return -EINVAL;
	return accel->ops->key_destroy(accel, key_uri);
}

int pdp_accel_info(struct pdp_accel *accel, struct pdp_accel_info *out)
{
	if (!accel || !out)
		return -EINVAL;
	memset(out, 0, sizeof(*out));
	snprintf(out->backend, sizeof(out->backend), "%s", accel->ops->name);
	return accel->ops->info(accel, out);
}


/* A point must at least look uncompressed here; the backend checks it is on the curve. */
static int point_ok(enum pdp_curve c, const uint8_t *pub)
{
	return curve_ok(c) && pub && pub[0] == 0x04;
}

static int sign_ok(const struct pdp_accel *accel, const struct pdp_key *key, const uint8_t *msg,
		   size_t msg_len, const uint8_t *sig)
{
	return key && key->owner == accel && (msg || !msg_len) && sig;
}

static int verify_ok(enum pdp_curve curve, const uint8_t *pub, const uint8_t *msg, size_t msg_len,
		     const uint8_t *sig)
{
	return point_ok(curve, pub) && (msg || !msg_len) && sig;
}

static int session_ok(enum pdp_curve curve, const uint8_t *peer, const uint8_t *host_id,
		      size_t host_id_len, const uint8_t *eid, const uint8_t *ot_pub)
{
	return point_ok(curve, peer) && host_id && host_id_len && host_id_len <= HOST_ID_MAX &&
	       eid && ot_pub;
}

static int seal_check(const struct pdp_accel *accel, const struct pdp_session *s, uint8_t tag,
		      const uint8_t *in, size_t in_len, const uint8_t *out, const size_t *out_len)
{
	size_t need = pdp_bsp_segment_len(tag, in_len);

	if (!s || s->owner != accel || !in || !out || !out_len || !need)
		return -EINVAL;
	return *out_len < need ? -ENOSPC : 0;
}

int pdp_sign(struct pdp_accel *accel, struct pdp_key *key, const uint8_t *msg, size_t msg_len,
	     uint8_t sig[PDP_SIG_LEN])
{
	if (!accel || !sign_ok(accel, key, msg, msg_len, sig))
		return -EINVAL;
	return accel->ops->sign(accel, key, msg, msg_len, sig);
}

int pdp_sign_digest(struct pdp_accel *accel, struct pdp_key *key, const uint8_t *digest,
		    size_t len, uint8_t sig[PDP_SIG_LEN])
{
	if (!accel || !key || key->owner != accel || !digest || !len || len > PDP_DIGEST_MAX || !sig)
		return -EINVAL;
	return accel->ops->sign_digest(accel, key, digest, len, sig);
}

int pdp_ecdh(struct pdp_accel *accel, struct pdp_key *key, const uint8_t peer_pub[PDP_PUBKEY_LEN],
	     uint8_t z[32])
{
	if (!accel || !key || key->owner != accel || !point_ok(key->curve, peer_pub) || !z)
		return -EINVAL;
	return accel->ops->ecdh(accel, key, peer_pub, z);
}

int pdp_verify(struct pdp_accel *accel, enum pdp_curve curve, const uint8_t pub[PDP_PUBKEY_LEN],
	       const uint8_t *msg, size_t msg_len, const uint8_t sig[PDP_SIG_LEN])
{
	if (!accel || !verify_ok(curve, pub, msg, msg_len, sig))
		return -EINVAL;
	return accel->ops->verify(accel, curve, pub, msg, msg_len, sig);
}

int pdp_session_create(struct pdp_accel *accel, enum pdp_curve curve,
		       const uint8_t peer_pub[PDP_PUBKEY_LEN], const uint8_t *host_id,
		       size_t host_id_len, const uint8_t eid[PDP_EID_LEN],
		       uint8_t ot_pub[PDP_PUBKEY_LEN], struct pdp_session **out)
{
	if (!accel || !out || !session_ok(curve, peer_pub, host_id, host_id_len, eid, ot_pub))
		return -EINVAL;
	return accel->ops->session_create(accel, curve, peer_pub, host_id, host_id_len, eid, ot_pub,
					  out);
}

int pdp_bsp_seal(struct pdp_accel *accel, struct pdp_session *session, uint8_t tag,
		 const uint8_t *in, size_t in_len, uint8_t *out, size_t *out_len)
{
	int ret;

	if (!accel)
		return -EINVAL;
	ret = seal_check(accel, session, tag, in, in_len, out, out_len);
	if (ret)
		return ret;
	return accel->ops->bsp_seal(accel, session, tag, in, in_len, out, out_len);
}

int pdp_session_replace_keys(struct pdp_accel *accel, struct pdp_session *session, uint8_t *out,
			     size_t *out_len, struct pdp_session **ppk_session)
{
	if (!accel || !session || session->owner != accel || !out || !out_len || !ppk_session)
		return -EINVAL;
	return accel->ops->replace_keys(accel, session, out, out_len, ppk_session);
}

void pdp_session_close(struct pdp_accel *accel, struct pdp_session *session)
{
	if (accel && session && session->owner == accel)
		accel->ops->session_close(accel, session);
}

int pdp_random(struct pdp_accel *accel, uint8_t *buf, size_t len)
{
	if (!accel || (!buf && len))
		return -EINVAL;
	if (!len)
		return 0;
	return accel->ops->random(accel, buf, len);
}

int pdp_op_check(const struct pdp_accel *accel, const struct pdp_op *op)
{
	switch (op->type) {
	case PDP_OP_SIGN:
		return sign_ok(accel, op->u.sign.key, op->u.sign.msg, op->u.sign.msg_len,
			       op->u.sign.sig)
			   ? 0
			   : -EINVAL;
	case PDP_OP_VERIFY:
		return verify_ok(op->u.verify.curve, op->u.verify.pub, op->u.verify.msg,
				 op->u.verify.msg_len, op->u.verify.sig)
			   ? 0
			   : -EINVAL;
	case PDP_OP_SESSION_CREATE:
		return session_ok(op->u.session_create.curve, op->u.session_create.peer_pub,
				  op->u.session_create.host_id, op->u.session_create.host_id_len,
				  op->u.session_create.eid, op->u.session_create.ot_pub)
			   ? 0
			   : -EINVAL;
	case PDP_OP_BSP_SEAL:
		return seal_check(accel, op->u.seal.session, op->u.seal.tag, op->u.seal.in,
				  op->u.seal.in_len, op->u.seal.out, &op->u.seal.out_len);
	case PDP_OP_RANDOM:
		return op->u.random.buf || !op->u.random.len ? 0 : -EINVAL;
	}
	return -EINVAL;
}

int pdp_submit(struct pdp_accel *accel, struct pdp_op *const *ops, unsigned n)
{
	unsigned i;

	if (!accel || (!ops && n))
		return -EINVAL;
	for (i = 0; i < n; i++)
		if (!ops[i])
			return -EINVAL;
	if (!n)
		return 0;
	return accel->ops->submit(accel, ops, n);
}

int pdp_reap(struct pdp_accel *accel, struct pdp_op **done, unsigned max, unsigned min_wait)
{
	if (!accel || (!done && max))
		return -EINVAL;
	if (!max)
		return 0;
	return accel->ops->reap(accel, done, max, min_wait);
}

unsigned pdp_inflight(const struct pdp_accel *accel)
{
	return accel ? accel->ops->inflight(accel) : 0;
}
