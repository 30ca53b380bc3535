// SPDX-License-Identifier: GPL-2.0
/*
 * portdp_cdev.c - /dev/portdp-accelN: one ioctl per card command
 * (include/uapi/linux/portdp_accel.h), and the same commands submitted
 * asynchronously through io_uring URING_CMD. This file is the border for
 * user input: every argument is checked here, before the card sees it.
 */
#include <linux/fs.h>
#include <linux/module.h>
#include <linux/poll.h>
#include <linux/slab.h>
#include <linux/uaccess.h>
#include "portdp.h"
#include "portdp_uring_compat.h"

/**
 * struct portdp_call - one user command on its way through the card.
 * @cmd:    the table entry for the ioctl number.
 * @req:    the card request built from @arg.
 * @uarg:   where @arg came from and goes back to.
 * @gfp:    allocation flags of the issuing context.
 * @arg:    kernel copy of the argument struct.
 */
struct portdp_call {
	const struct portdp_cmd *cmd;
	struct portdp_req *req;
	void __user *uarg;
	gfp_t gfp;
	union {
		struct portdp_info info;
		struct portdp_self_test self_test;
		struct portdp_card_counters counters;
		struct portdp_random random;
		struct portdp_key key;
		struct portdp_key_list key_list;
		struct portdp_ecdsa_sign sign;
		struct portdp_ecdsa_verify verify;
		struct portdp_session_create session_create;
		struct portdp_bsp_seal seal;
		struct portdp_replace_keys replace;
		struct portdp_session session;
		struct portdp_ecdh_raw ecdh;
		struct portdp_ecdh_slot ecdh_slot;
		struct portdp_aes_cbc cbc;
		struct portdp_aes_cmac cmac;
		struct portdp_stock_wrap stock_wrap;
		struct portdp_upp_open upp_open;
		struct portdp_upp_data upp_data;
		struct portdp_upp_finish upp_finish;
		struct portdp_upp_seal upp_seal;
		struct portdp_reseal_open reseal_open;
		struct portdp_reseal_data reseal_data;
		struct portdp_reseal_finish reseal_finish;
	} arg;
};

/**
 * struct portdp_cmd - how one ioctl maps to one card command.
 * @ioc:    the ioctl number (also the uring_cmd cmd_op).
 * @opcode: the card's PDC_OP_*.
 * @build:  check the argument, allocate and fill the request.
 * @finish: check the answer's body and fill the argument from it.
 * @resp:   exact response body length, or -1 when @finish checks it.
 */
struct portdp_cmd {
	unsigned int ioc;
	u16 opcode;
	int resp;
	int (*build)(struct portdp_dev *pd, struct portdp_call *c);
	int (*finish)(struct portdp_dev *pd, struct portdp_call *c);
};

#define PORTDP_REPLACE_KEYS_MIN_OUT	80

/* The UAPI repeats card numbers that pass through unchanged: keep them equal. */
#define PORTDP_SAME(uapi, card) static_assert((uapi) == (card), #uapi " != " #card)
PORTDP_SAME(PORTDP_CAP_P256, PDC_CAP_P256);
PORTDP_SAME(PORTDP_CAP_BP256R1, PDC_CAP_BP256R1);
PORTDP_SAME(PORTDP_CAP_KEY_SLOTS, PDC_CAP_KEY_SLOTS);
PORTDP_SAME(PORTDP_CAP_ECDSA_SIGN, PDC_CAP_ECDSA_SIGN);
PORTDP_SAME(PORTDP_CAP_ECDSA_VERIFY, PDC_CAP_ECDSA_VERIFY);
PORTDP_SAME(PORTDP_CAP_SESSION, PDC_CAP_SESSION);
PORTDP_SAME(PORTDP_CAP_REPLACE_KEYS, PDC_CAP_REPLACE_KEYS);
PORTDP_SAME(PORTDP_CAP_ECDH_RAW, PDC_CAP_ECDH_RAW);
PORTDP_SAME(PORTDP_CAP_AES_CBC, PDC_CAP_AES_CBC);
PORTDP_SAME(PORTDP_CAP_AES_CMAC, PDC_CAP_AES_CMAC);
PORTDP_SAME(PORTDP_CAP_RANDOM, PDC_CAP_RANDOM);
PORTDP_SAME(PORTDP_CAP_ECDH_SLOT, PDC_CAP_ECDH_SLOT);
PORTDP_SAME(PORTDP_CAP_SEALED_UPP, PDC_CAP_SEALED_UPP);
PORTDP_SAME(PORTDP_KEY_STOCK_AES256, PDC_KEY_STOCK_AES256);
PORTDP_SAME(PORTDP_STOCK_KEY_LEN, PDC_STOCK_KEY_LEN);
PORTDP_SAME(PORTDP_STOCK_WRAP_LEN, PDC_STOCK_WRAP_LEN);
PORTDP_SAME(PORTDP_UPP_NONCE_LEN, PDC_UPP_NONCE_LEN);
PORTDP_SAME(PORTDP_UPP_TAG_LEN, PDC_UPP_TAG_LEN);
PORTDP_SAME(PORTDP_UPP_AAD_MAX, PDC_UPP_AAD_MAX);
PORTDP_SAME(PORTDP_UPP_MAX_LEN, PDC_UPP_MAX_LEN);
PORTDP_SAME(PORTDP_UPP_DATA_MAX, PDC_UPP_DATA_MAX);
PORTDP_SAME(PORTDP_CAP_RESEAL, PDC_CAP_RESEAL);
PORTDP_SAME(PORTDP_SEAL_STOCK, PDC_SEAL_STOCK);
PORTDP_SAME(PORTDP_SEAL_XFER, PDC_SEAL_XFER);
PORTDP_SAME(PORTDP_XFER_ID_LEN, PDC_XFER_ID_LEN);
PORTDP_SAME(PORTDP_ICCID_MAX, PDC_ICCID_MAX);
PORTDP_SAME(PORTDP_RESEAL_MAX_OPEN, PDC_RESEAL_MAX_OPEN);
PORTDP_SAME(PORTDP_CURVE_P256, PDC_CURVE_P256);
PORTDP_SAME(PORTDP_CURVE_BP256R1, PDC_CURVE_BP256R1);
PORTDP_SAME(PORTDP_KEY_SLOTS, PDC_KEY_SLOTS);
PORTDP_SAME(PORTDP_PUBKEY_LEN, PDC_PUBKEY_LEN);
PORTDP_SAME(PORTDP_SHARED_LEN, PDC_SHARED_LEN);

static bool portdp_zero(const void *p, size_t len)
{
	return !memchr_inv(p, 0, len);
}

static bool portdp_curve_ok(u8 curve)
{
	return curve == PORTDP_CURVE_P256 || curve == PORTDP_CURVE_BP256R1;
}

static int portdp_alloc(struct portdp_call *c, size_t body, size_t resp)
{
	c->req = portdp_req_alloc(c->cmd->opcode, body, resp, c->gfp);
	return c->req ? 0 : -ENOMEM;
}

/* A body of @fixed zeroed bytes, then @data bytes the builder copies in whole. */
static int portdp_alloc_data(struct portdp_call *c, size_t fixed, size_t data, size_t resp)
{
	c->req = portdp_req_alloc_data(c->cmd->opcode, fixed, data, resp, c->gfp);
	return c->req ? 0 : -ENOMEM;
}

/* Commands without a request body. */
static int build_empty(struct portdp_dev *pd, struct portdp_call *c)
{
	return portdp_alloc(c, 0, c->cmd->resp);
}

static int finish_info(struct portdp_dev *pd, struct portdp_call *c)
{
	const struct pdc_info *in = portdp_resp_body(c->req);
	struct portdp_info *out = &c->arg.info;

	memset(out, 0, sizeof(*out));
	out->proto_version = le32_to_cpu(in->proto_version);
	out->caps = le32_to_cpu(in->caps);
	out->fw_version = le32_to_cpu(in->fw_version);
	out->key_slots = le16_to_cpu(in->key_slots);
	out->max_sessions = le16_to_cpu(in->max_sessions);
	out->session_max_segments = le32_to_cpu(in->session_max_segments);
	out->state = READ_ONCE(pd->state);
	memcpy(out->serial, in->serial, sizeof(out->serial));
	memcpy(out->fw_name, in->fw_name, sizeof(out->fw_name) - 1);
	return 0;
}

static int finish_self_test(struct portdp_dev *pd, struct portdp_call *c)
{
	const struct pdc_self_test_resp *in = portdp_resp_body(c->req);

	c->arg.self_test.run = le32_to_cpu(in->run);
	c->arg.self_test.failed = le32_to_cpu(in->failed);
	return 0;
}

static int finish_counters(struct portdp_dev *pd, struct portdp_call *c)
{
	const __le64 *in = portdp_resp_body(c->req);
	const struct pdc_counters *pc = portdp_resp_body(c->req);
	u64 *out = (u64 *)&c->arg.counters;
	int i;

	for (i = 0; i < offsetof(struct pdc_counters, sessions_open) / sizeof(u64); i++)
		out[i] = le64_to_cpu(in[i]);
	c->arg.counters.sessions_open = le32_to_cpu(pc->sessions_open);
	c->arg.counters.keys_stored = le32_to_cpu(pc->keys_stored);
	return 0;
}

static int build_random(struct portdp_dev *pd, struct portdp_call *c)
{
	struct portdp_random *a = &c->arg.random;
	struct pdc_random_req *r;

	if (a->rsvd || !a->len || a->len > PORTDP_RANDOM_MAX)
		return -EINVAL;
	if (!access_ok(u64_to_user_ptr(a->buf), a->len))
		return -EFAULT;
	if (portdp_alloc(c, sizeof(*r), a->len))
		return -ENOMEM;
	r = portdp_req_body(c->req);
	r->len = cpu_to_le16(a->len);
	return 0;
}

static int finish_random(struct portdp_dev *pd, struct portdp_call *c)
{
	if (portdp_resp_body_len(c->req) != c->arg.random.len)
		return -EIO;
	if (copy_to_user(u64_to_user_ptr(c->arg.random.buf), portdp_resp_body(c->req),
			 c->arg.random.len))
		return -EFAULT;
	return 0;
}

static int build_slot(struct portdp_dev *pd, struct portdp_call *c)
{
	struct portdp_key *a = &c->arg.key;
	struct pdc_key_generate_req *g;
	struct pdc_slot_req *s;

	if (a->slot >= PORTDP_KEY_SLOTS || a->rsvd || !portdp_zero(a->rsvd2, sizeof(a->rsvd2)))
		return -EINVAL;
	if (c->cmd->opcode == PDC_OP_KEY_GENERATE) {
		if (!portdp_curve_ok(a->curve))
			return -EINVAL;
		if (portdp_alloc(c, sizeof(*g), c->cmd->resp))
			return -ENOMEM;
		g = portdp_req_body(c->req);
		g->slot = a->slot;
		g->curve = a->curve;
		return 0;
	}
	/* STOCK_KEY_GENERATE: the key type is implied; 0 or the stock type */
	if (c->cmd->opcode == PDC_OP_STOCK_KEY_GENERATE && a->curve &&
	    a->curve != PORTDP_KEY_STOCK_AES256)
		return -EINVAL;
	if (portdp_alloc(c, sizeof(*s), c->cmd->resp))
		return -ENOMEM;
	s = portdp_req_body(c->req);
	s->slot = a->slot;
	return 0;
}

static int finish_key_public(struct portdp_dev *pd, struct portdp_call *c)
{
	const struct pdc_key_public_resp *in = portdp_resp_body(c->req);

	if (in->slot != c->arg.key.slot || in->pub[0] != 0x04)
		return -EIO;
	c->arg.key.curve = in->curve;
	memcpy(c->arg.key.pub, in->pub, sizeof(c->arg.key.pub));
	return 0;
}

static int finish_key_list(struct portdp_dev *pd, struct portdp_call *c)
{
	const struct pdc_key_list_resp *in = portdp_resp_body(c->req);

	c->arg.key_list.used = le32_to_cpu(in->used);
	memcpy(c->arg.key_list.curve, in->curve, sizeof(c->arg.key_list.curve));
	return 0;
}

static int build_sign(struct portdp_dev *pd, struct portdp_call *c)
{
	struct portdp_ecdsa_sign *a = &c->arg.sign;
	struct pdc_ecdsa_sign_req *r;

	if (a->slot >= PORTDP_KEY_SLOTS || a->rsvd || !a->digest_len ||
	    a->digest_len > PORTDP_DIGEST_MAX)
		return -EINVAL;
	if (portdp_alloc(c, sizeof(*r), c->cmd->resp))
		return -ENOMEM;
	r = portdp_req_body(c->req);
	r->slot = a->slot;
	r->digest_len = a->digest_len;
	memcpy(r->digest, a->digest, a->digest_len);
	return 0;
}

static int finish_sign(struct portdp_dev *pd, struct portdp_call *c)
{
	memcpy(c->arg.sign.sig, portdp_resp_body(c->req), PORTDP_SIG_LEN);
	return 0;
}

static int build_verify(struct portdp_dev *pd, struct portdp_call *c)
{
	struct portdp_ecdsa_verify *a = &c->arg.verify;
	struct pdc_ecdsa_verify_req *r;

	if (!portdp_curve_ok(a->curve) || a->rsvd || !portdp_zero(a->rsvd2, sizeof(a->rsvd2)) ||
	    !a->digest_len || a->digest_len > PORTDP_DIGEST_MAX || a->pub[0] != 0x04)
		return -EINVAL;
	if (portdp_alloc(c, sizeof(*r), 0))
		return -ENOMEM;
	r = portdp_req_body(c->req);
	r->curve = a->curve;
	r->digest_len = a->digest_len;
	memcpy(r->pub, a->pub, sizeof(r->pub));
	memcpy(r->digest, a->digest, a->digest_len);
	memcpy(r->sig, a->sig, sizeof(r->sig));
	return 0;
}

static int build_ecdh_slot(struct portdp_dev *pd, struct portdp_call *c)
{
	struct portdp_ecdh_slot *a = &c->arg.ecdh_slot;
	struct pdc_ecdh_slot_req *r;

	if (a->slot >= PORTDP_KEY_SLOTS || !portdp_zero(a->rsvd, sizeof(a->rsvd)) ||
	    !portdp_zero(a->rsvd2, sizeof(a->rsvd2)) || a->peer_pub[0] != 0x04)
		return -EINVAL;
	if (portdp_alloc(c, sizeof(*r), c->cmd->resp))
		return -ENOMEM;
	r = portdp_req_body(c->req);
	r->slot = a->slot;
	memcpy(r->peer_pub, a->peer_pub, sizeof(r->peer_pub));
	return 0;
}

static int finish_ecdh_slot(struct portdp_dev *pd, struct portdp_call *c)
{
	memcpy(c->arg.ecdh_slot.shared, portdp_resp_body(c->req), PORTDP_SHARED_LEN);
	return 0;
}

static int build_session_create(struct portdp_dev *pd, struct portdp_call *c)
{
	struct portdp_session_create *a = &c->arg.session_create;
	struct pdc_session_create_req *r;

	if (!portdp_curve_ok(a->curve) || a->rsvd || !portdp_zero(a->rsvd2, sizeof(a->rsvd2)) ||
	    !portdp_zero(a->rsvd3, sizeof(a->rsvd3)) || !a->host_id_len ||
	    a->host_id_len > PORTDP_HOST_ID_MAX || a->peer_pub[0] != 0x04)
		return -EINVAL;
	if (portdp_alloc(c, sizeof(*r), c->cmd->resp))
		return -ENOMEM;
	r = portdp_req_body(c->req);
	r->curve = a->curve;
	r->host_id_len = a->host_id_len;
	memcpy(r->peer_pub, a->peer_pub, sizeof(r->peer_pub));
	memcpy(r->host_id, a->host_id, a->host_id_len);
	memcpy(r->eid, a->eid, sizeof(r->eid));
	return 0;
}

static int finish_session_create(struct portdp_dev *pd, struct portdp_call *c)
{
	const struct pdc_session_create_resp *in = portdp_resp_body(c->req);

	if (in->ot_pub[0] != 0x04)
		return -EIO;
	c->arg.session_create.handle = le32_to_cpu(in->handle);
	memcpy(c->arg.session_create.ot_pub, in->ot_pub, PORTDP_PUBKEY_LEN);
	return 0;
}

/* Size of the TLV the card will return for @in_len bytes under @tag. */
static size_t portdp_seal_len(u8 tag, size_t in_len)
{
	size_t data = (tag == 0x88 ? in_len : (in_len / 16 + 1) * 16) + 8;

	return 1 + (data < 0x80 ? 1 : data < 0x100 ? 2 : 3) + data;
}

static int build_seal(struct portdp_dev *pd, struct portdp_call *c)
{
	struct portdp_bsp_seal *a = &c->arg.seal;
	struct pdc_bsp_seal_req *r;
	size_t max;

	if (a->tag != 0x86 && a->tag != 0x87 && a->tag != 0x88)
		return -EINVAL;
	max = a->tag == 0x88 ? PORTDP_BSP_MAX_PLAIN_MAC : PORTDP_BSP_MAX_PLAIN_ENC;
	if (a->rsvd || !a->in_len || a->in_len > max)
		return -EINVAL;
	/* Checked before the card advances the session's counter. */
	if (a->out_cap < portdp_seal_len(a->tag, a->in_len))
		return -ENOSPC;
	if (!access_ok(u64_to_user_ptr(a->out), a->out_cap))
		return -EFAULT;
	if (portdp_alloc_data(c, sizeof(*r), a->in_len, sizeof(struct pdc_bsp_seal_resp) +
			      PORTDP_BSP_MAX_SEGMENT))
		return -ENOMEM;
	r = portdp_req_body(c->req);
	r->handle = cpu_to_le32(a->handle);
	r->tag = a->tag;
	r->in_len = cpu_to_le16(a->in_len);
	if (copy_from_user(r + 1, u64_to_user_ptr(a->in), a->in_len))
		return -EFAULT;
	return 0;
}

/* A body of @hdr_len bytes whose le16 at @len_off counts what follows. */
static int portdp_copy_tail(struct portdp_call *c, size_t hdr_len, u16 tail_len,
			    u64 out, u32 out_cap, u32 *out_len)
{
	if (portdp_resp_body_len(c->req) != hdr_len + tail_len ||
	    tail_len > PORTDP_BSP_MAX_SEGMENT)
		return -EIO;
	if (tail_len > out_cap)
		return -ENOSPC;
	if (copy_to_user(u64_to_user_ptr(out), (const u8 *)portdp_resp_body(c->req) + hdr_len,
			 tail_len))
		return -EFAULT;
	*out_len = tail_len;
	return 0;
}

static int finish_seal(struct portdp_dev *pd, struct portdp_call *c)
{
	const struct pdc_bsp_seal_resp *in = portdp_resp_body(c->req);
	struct portdp_bsp_seal *a = &c->arg.seal;

	if (portdp_resp_body_len(c->req) < sizeof(*in))
		return -EIO;
	return portdp_copy_tail(c, sizeof(*in), le16_to_cpu(in->seg_len), a->out, a->out_cap,
				&a->out_len);
}

static int build_session(struct portdp_dev *pd, struct portdp_call *c, u32 handle)
{
	struct pdc_session_req *r;

	if (portdp_alloc(c, sizeof(*r), c->cmd->resp < 0 ?
			 sizeof(struct pdc_replace_keys_resp) + PORTDP_BSP_MAX_SEGMENT : 0))
		return -ENOMEM;
	r = portdp_req_body(c->req);
	r->handle = cpu_to_le32(handle);
	return 0;
}

static int build_replace(struct portdp_dev *pd, struct portdp_call *c)
{
	struct portdp_replace_keys *a = &c->arg.replace;

	if (a->out_cap < PORTDP_REPLACE_KEYS_MIN_OUT)
		return -ENOSPC;
	if (!access_ok(u64_to_user_ptr(a->out), a->out_cap))
		return -EFAULT;
	return build_session(pd, c, a->handle);
}

static int finish_replace(struct portdp_dev *pd, struct portdp_call *c)
{
	const struct pdc_replace_keys_resp *in = portdp_resp_body(c->req);
	struct portdp_replace_keys *a = &c->arg.replace;

	if (portdp_resp_body_len(c->req) < sizeof(*in))
		return -EIO;
	a->new_handle = le32_to_cpu(in->new_handle);
	return portdp_copy_tail(c, sizeof(*in), le16_to_cpu(in->seg_len), a->out, a->out_cap,
				&a->out_len);
}

static int build_close(struct portdp_dev *pd, struct portdp_call *c)
{
	if (c->arg.session.rsvd)
		return -EINVAL;
	return build_session(pd, c, c->arg.session.handle);
}

static int build_ecdh(struct portdp_dev *pd, struct portdp_call *c)
{
	struct portdp_ecdh_raw *a = &c->arg.ecdh;
	bool shared = c->cmd->opcode == PDC_OP_ECDH_RAW_SHARED;
	struct pdc_ecdh_raw_req *r;

	if (!portdp_curve_ok(a->curve) || !portdp_zero(a->rsvd, sizeof(a->rsvd)) ||
	    !portdp_zero(a->rsvd2, sizeof(a->rsvd2)) || !portdp_zero(a->rsvd3, sizeof(a->rsvd3)) ||
	    (shared && a->peer_pub[0] != 0x04))
		return -EINVAL;
	if (portdp_alloc(c, sizeof(*r), c->cmd->resp))
		return -ENOMEM;
	r = portdp_req_body(c->req);
	r->curve = a->curve;
	memcpy(r->priv, a->priv, sizeof(r->priv));
	if (shared)
		memcpy(r->peer_pub, a->peer_pub, sizeof(r->peer_pub));
	return 0;
}

static int finish_ecdh(struct portdp_dev *pd, struct portdp_call *c)
{
	if (c->cmd->opcode == PDC_OP_ECDH_RAW_SHARED)
		memcpy(c->arg.ecdh.shared, portdp_resp_body(c->req), PORTDP_SHARED_LEN);
	else
		memcpy(c->arg.ecdh.pub, portdp_resp_body(c->req), PORTDP_PUBKEY_LEN);
	return 0;
}

static bool portdp_aes_key_ok(u8 key_len)
{
	return key_len == 16 || key_len == 24 || key_len == 32;
}

static int build_cbc(struct portdp_dev *pd, struct portdp_call *c)
{
	struct portdp_aes_cbc *a = &c->arg.cbc;
	struct pdc_aes_cbc_req *r;

	if (!portdp_aes_key_ok(a->key_len) || a->dir > PORTDP_AES_ENCRYPT || a->rsvd ||
	    !a->len || a->len % 16 || a->len > PORTDP_AES_MAX_DATA)
		return -EINVAL;
	if (!access_ok(u64_to_user_ptr(a->out), a->len))
		return -EFAULT;
	if (portdp_alloc_data(c, sizeof(*r), a->len, sizeof(struct pdc_aes_cbc_resp) + a->len))
		return -ENOMEM;
	r = portdp_req_body(c->req);
	r->key_len = a->key_len;
	r->dir = a->dir;
	r->data_len = cpu_to_le16(a->len);
	memcpy(r->key, a->key, a->key_len);
	memcpy(r->iv, a->iv, sizeof(r->iv));
	if (copy_from_user(r + 1, u64_to_user_ptr(a->in), a->len))
		return -EFAULT;
	return 0;
}

static int finish_cbc(struct portdp_dev *pd, struct portdp_call *c)
{
	const struct pdc_aes_cbc_resp *in = portdp_resp_body(c->req);
	struct portdp_aes_cbc *a = &c->arg.cbc;

	if (portdp_resp_body_len(c->req) != sizeof(*in) + a->len ||
	    le16_to_cpu(in->data_len) != a->len)
		return -EIO;
	if (copy_to_user(u64_to_user_ptr(a->out), in + 1, a->len))
		return -EFAULT;
	memcpy(a->iv, in->iv_out, sizeof(a->iv));
	return 0;
}

static int build_cmac(struct portdp_dev *pd, struct portdp_call *c)
{
	struct portdp_aes_cmac *a = &c->arg.cmac;
	struct pdc_aes_cmac_req *r;

	if (!portdp_aes_key_ok(a->key_len) || (a->flags & ~PORTDP_CMAC_FINAL) || a->rsvd ||
	    a->len > PORTDP_AES_MAX_DATA)
		return -EINVAL;
	if (!(a->flags & PORTDP_CMAC_FINAL) && (!a->len || a->len % 16))
		return -EINVAL;
	if (portdp_alloc_data(c, sizeof(*r), a->len, c->cmd->resp))
		return -ENOMEM;
	r = portdp_req_body(c->req);
	r->key_len = a->key_len;
	r->flags = a->flags;
	r->data_len = cpu_to_le16(a->len);
	memcpy(r->key, a->key, a->key_len);
	memcpy(r->state, a->state, sizeof(r->state));
	if (copy_from_user(r + 1, u64_to_user_ptr(a->in), a->len))
		return -EFAULT;
	return 0;
}

static int finish_cmac(struct portdp_dev *pd, struct portdp_call *c)
{
	memcpy(c->arg.cmac.state, portdp_resp_body(c->req), sizeof(c->arg.cmac.state));
	return 0;
}

/* ---- stock keys and sealed UPPs (PORTDP_CAP_SEALED_UPP) ---- */

static int build_stock_wrap(struct portdp_dev *pd, struct portdp_call *c)
{
	struct portdp_stock_wrap *a = &c->arg.stock_wrap;
	struct pdc_stock_wrap_req *r;

	if (a->slot >= PORTDP_KEY_SLOTS || !portdp_zero(a->rsvd, sizeof(a->rsvd)))
		return -EINVAL;
	if (portdp_alloc(c, sizeof(*r), c->cmd->resp))
		return -ENOMEM;
	r = portdp_req_body(c->req);
	r->slot = a->slot;
	memcpy(r->key, a->key, sizeof(r->key));
	return 0;
}

static int finish_stock_wrap(struct portdp_dev *pd, struct portdp_call *c)
{
	/* the data key goes back to user space only wrapped */
	memzero_explicit(c->arg.stock_wrap.key, sizeof(c->arg.stock_wrap.key));
	memcpy(c->arg.stock_wrap.wrapped, portdp_resp_body(c->req), PORTDP_STOCK_WRAP_LEN);
	return 0;
}

static int build_upp_open(struct portdp_dev *pd, struct portdp_call *c)
{
	struct portdp_upp_open *a = &c->arg.upp_open;
	struct pdc_upp_open_req *r;

	if (a->slot >= PORTDP_KEY_SLOTS || a->rsvd || a->rsvd2 || !a->aad_len ||
	    a->aad_len > PORTDP_UPP_AAD_MAX || !portdp_zero(a->aad + a->aad_len,
							    PORTDP_UPP_AAD_MAX - a->aad_len) ||
	    !a->ct_len || a->ct_len > PORTDP_UPP_MAX_LEN)
		return -EINVAL;
	if (portdp_alloc(c, sizeof(*r), 0))
		return -ENOMEM;
	r = portdp_req_body(c->req);
	r->handle = cpu_to_le32(a->handle);
	r->slot = a->slot;
	r->aad_len = a->aad_len;
	r->ct_len = cpu_to_le32(a->ct_len);
	memcpy(r->wrapped, a->wrapped, sizeof(r->wrapped));
	memcpy(r->nonce, a->nonce, sizeof(r->nonce));
	memcpy(r->aad, a->aad, a->aad_len);
	return 0;
}

/*
 * The next piece of a UPP (UPP_DATA, RESEAL_DATA). @out: where the card's answer of @a->len
 * bytes goes (RESEAL_DATA), or NULL (UPP_DATA: no answer).
 */
static int build_piece(struct portdp_call *c, const struct portdp_upp_data *a, const u64 *out)
{
	struct pdc_upp_data_req *r;

	if (a->rsvd || !a->len || a->len > PORTDP_UPP_DATA_MAX ||
	    a->offset >= PORTDP_UPP_MAX_LEN)
		return -EINVAL;
	/*
	 * The card moves on once it has answered: an output the answer cannot reach would lose
	 * that piece, so the room is written once (zeros) before the card sees the request.
	 */
	if (out && clear_user(u64_to_user_ptr(*out), a->len))
		return -EFAULT;
	if (portdp_alloc_data(c, sizeof(*r), a->len, out ? a->len : 0))
		return -ENOMEM;
	r = portdp_req_body(c->req);
	r->handle = cpu_to_le32(a->handle);
	r->offset = cpu_to_le32(a->offset);
	r->len = cpu_to_le16(a->len);
	if (copy_from_user(r + 1, u64_to_user_ptr(a->in), a->len))
		return -EFAULT;
	return 0;
}

/* The input's GCM tag (UPP_FINISH, RESEAL_FINISH). */
static int build_tag(struct portdp_call *c, u32 handle, u32 rsvd, const u8 *tag)
{
	struct pdc_upp_finish_req *r;

	if (rsvd)
		return -EINVAL;
	if (portdp_alloc(c, sizeof(*r), c->cmd->resp))
		return -ENOMEM;
	r = portdp_req_body(c->req);
	r->handle = cpu_to_le32(handle);
	memcpy(r->tag, tag, sizeof(r->tag));
	return 0;
}

static int build_upp_data(struct portdp_dev *pd, struct portdp_call *c)
{
	return build_piece(c, &c->arg.upp_data, NULL);
}

static int build_upp_finish(struct portdp_dev *pd, struct portdp_call *c)
{
	struct portdp_upp_finish *a = &c->arg.upp_finish;

	return build_tag(c, a->handle, a->rsvd, a->tag);
}

static int build_upp_seal(struct portdp_dev *pd, struct portdp_call *c)
{
	struct portdp_upp_seal *a = &c->arg.upp_seal;
	struct pdc_bsp_seal_req *r;

	if (a->tag != 0x86 || a->rsvd || !a->in_len || a->in_len > PORTDP_BSP_MAX_PLAIN_ENC)
		return -EINVAL;
	/* Checked before the card advances the session's counter. */
	if (a->out_cap < portdp_seal_len(a->tag, a->in_len))
		return -ENOSPC;
	if (!access_ok(u64_to_user_ptr(a->out), a->out_cap))
		return -EFAULT;
	if (portdp_alloc(c, sizeof(*r), sizeof(struct pdc_bsp_seal_resp) + PORTDP_BSP_MAX_SEGMENT))
		return -ENOMEM;
	r = portdp_req_body(c->req);
	r->handle = cpu_to_le32(a->handle);
	r->tag = a->tag;
	r->in_len = cpu_to_le16(a->in_len);
	return 0;
}

static int finish_upp_seal(struct portdp_dev *pd, struct portdp_call *c)
{
	const struct pdc_bsp_seal_resp *in = portdp_resp_body(c->req);
	struct portdp_upp_seal *a = &c->arg.upp_seal;

	if (portdp_resp_body_len(c->req) < sizeof(*in) ||
	    le16_to_cpu(in->seg_len) != portdp_seal_len(a->tag, a->in_len))
		return -EIO;
	return portdp_copy_tail(c, sizeof(*in), le16_to_cpu(in->seg_len), a->out, a->out_cap,
				&a->out_len);
}

/* ---- re-sealing a UPP (PORTDP_CAP_RESEAL) ---- */

static bool portdp_kind_ok(u8 kind)
{
	return kind == PORTDP_SEAL_STOCK || kind == PORTDP_SEAL_XFER;
}

/* The shape here; what depends on the kinds and the slots, the card checks. */
static int build_reseal_open(struct portdp_dev *pd, struct portdp_call *c)
{
	struct portdp_reseal_open *a = &c->arg.reseal_open;
	struct pdc_reseal_open_req *r;

	if (!portdp_kind_ok(a->in_kind) || !portdp_kind_ok(a->out_kind) ||
	    a->in_slot >= PORTDP_KEY_SLOTS || a->out_slot >= PORTDP_KEY_SLOTS || a->rsvd ||
	    !portdp_zero(a->rsvd2, sizeof(a->rsvd2)) || !a->ct_len ||
	    a->ct_len > PORTDP_UPP_MAX_LEN || a->iccid_len > PORTDP_ICCID_MAX ||
	    a->aad_len > PORTDP_UPP_AAD_MAX)
		return -EINVAL;
	if (portdp_alloc(c, sizeof(*r), c->cmd->resp))
		return -ENOMEM;
	r = portdp_req_body(c->req);
	r->in_kind = a->in_kind;
	r->out_kind = a->out_kind;
	r->in_slot = a->in_slot;
	r->out_slot = a->out_slot;
	r->ct_len = cpu_to_le32(a->ct_len);
	r->iccid_len = a->iccid_len;
	r->aad_len = a->aad_len;
	memcpy(r->iccid, a->iccid, sizeof(r->iccid));
	memcpy(r->aad, a->aad, sizeof(r->aad));
	memcpy(r->in_id, a->in_id, sizeof(r->in_id));
	memcpy(r->out_id, a->out_id, sizeof(r->out_id));
	memcpy(r->in_wrapped, a->in_wrapped, sizeof(r->in_wrapped));
	memcpy(r->in_nonce, a->in_nonce, sizeof(r->in_nonce));
	memcpy(r->in_pub, a->in_pub, sizeof(r->in_pub));
	memcpy(r->peer_pub, a->peer_pub, sizeof(r->peer_pub));
	return 0;
}

static int finish_reseal_open(struct portdp_dev *pd, struct portdp_call *c)
{
	const struct pdc_reseal_open_resp *in = portdp_resp_body(c->req);
	struct portdp_reseal_open *a = &c->arg.reseal_open;

	a->handle = le32_to_cpu(in->handle);
	memcpy(a->out_nonce, in->out_nonce, sizeof(a->out_nonce));
	memcpy(a->out_wrapped, in->out_wrapped, sizeof(a->out_wrapped));
	memcpy(a->out_pub, in->out_pub, sizeof(a->out_pub));
	return 0;
}

static int build_reseal_data(struct portdp_dev *pd, struct portdp_call *c)
{
	const struct portdp_reseal_data *a = &c->arg.reseal_data;
	const struct portdp_upp_data p = {
		.handle = a->handle, .offset = a->offset, .len = a->len, .rsvd = a->rsvd,
		.in = a->in,
	};

	return build_piece(c, &p, &a->out);
}

static int finish_reseal_data(struct portdp_dev *pd, struct portdp_call *c)
{
	struct portdp_reseal_data *a = &c->arg.reseal_data;

	if (portdp_resp_body_len(c->req) != a->len)
		return -EIO;
	if (copy_to_user(u64_to_user_ptr(a->out), portdp_resp_body(c->req), a->len))
		return -EFAULT;
	return 0;
}

static int build_reseal_finish(struct portdp_dev *pd, struct portdp_call *c)
{
	struct portdp_reseal_finish *a = &c->arg.reseal_finish;

	return build_tag(c, a->handle, a->rsvd, a->tag);
}

static int finish_reseal_finish(struct portdp_dev *pd, struct portdp_call *c)
{
	const struct pdc_reseal_finish_resp *in = portdp_resp_body(c->req);

	memcpy(c->arg.reseal_finish.out_tag, in->tag, sizeof(in->tag));
	return 0;
}

static const struct portdp_cmd portdp_cmds[] = {
	{ PORTDP_IOC_GET_INFO, PDC_OP_GET_INFO, sizeof(struct pdc_info),
	  build_empty, finish_info },
	{ PORTDP_IOC_SELF_TEST, PDC_OP_SELF_TEST, sizeof(struct pdc_self_test_resp),
	  build_empty, finish_self_test },
	{ PORTDP_IOC_GET_COUNTERS, PDC_OP_GET_COUNTERS, sizeof(struct pdc_counters),
	  build_empty, finish_counters },
	{ PORTDP_IOC_RANDOM, PDC_OP_RANDOM, -1, build_random, finish_random },
	{ PORTDP_IOC_KEY_GENERATE, PDC_OP_KEY_GENERATE, sizeof(struct pdc_key_public_resp),
	  build_slot, finish_key_public },
	{ PORTDP_IOC_KEY_GET_PUBLIC, PDC_OP_KEY_GET_PUBLIC, sizeof(struct pdc_key_public_resp),
	  build_slot, finish_key_public },
	{ PORTDP_IOC_KEY_DESTROY, PDC_OP_KEY_DESTROY, 0, build_slot, NULL },
	{ PORTDP_IOC_KEY_LIST, PDC_OP_KEY_LIST, sizeof(struct pdc_key_list_resp),
	  build_empty, finish_key_list },
	{ PORTDP_IOC_ECDSA_SIGN, PDC_OP_ECDSA_SIGN, sizeof(struct pdc_ecdsa_sign_resp),
	  build_sign, finish_sign },
	{ PORTDP_IOC_ECDSA_VERIFY, PDC_OP_ECDSA_VERIFY, 0, build_verify, NULL },
	{ PORTDP_IOC_ECDH_SLOT, PDC_OP_ECDH_SLOT, sizeof(struct pdc_ecdh_shared_resp),
	  build_ecdh_slot, finish_ecdh_slot },
	{ PORTDP_IOC_SESSION_CREATE, PDC_OP_SESSION_CREATE,
	  sizeof(struct pdc_session_create_resp), build_session_create, finish_session_create },
	{ PORTDP_IOC_BSP_SEAL, PDC_OP_BSP_SEAL, -1, build_seal, finish_seal },
	{ PORTDP_IOC_SESSION_REPLACE_KEYS, PDC_OP_SESSION_REPLACE_KEYS, -1,
	  build_replace, finish_replace },
	{ PORTDP_IOC_SESSION_CLOSE, PDC_OP_SESSION_CLOSE, 0, build_close, NULL },
	{ PORTDP_IOC_ECDH_RAW_PUBLIC, PDC_OP_ECDH_RAW_PUBLIC,
	  sizeof(struct pdc_ecdh_public_resp), build_ecdh, finish_ecdh },
	{ PORTDP_IOC_ECDH_RAW_SHARED, PDC_OP_ECDH_RAW_SHARED,
	  sizeof(struct pdc_ecdh_shared_resp), build_ecdh, finish_ecdh },
	{ PORTDP_IOC_AES_CBC, PDC_OP_AES_CBC, -1, build_cbc, finish_cbc },
	{ PORTDP_IOC_AES_CMAC, PDC_OP_AES_CMAC, sizeof(struct pdc_aes_cmac_resp),
	  build_cmac, finish_cmac },
	{ PORTDP_IOC_STOCK_KEY_GENERATE, PDC_OP_STOCK_KEY_GENERATE, 0, build_slot, NULL },
	{ PORTDP_IOC_STOCK_WRAP, PDC_OP_STOCK_WRAP, sizeof(struct pdc_stock_wrap_resp),
	  build_stock_wrap, finish_stock_wrap },
	{ PORTDP_IOC_UPP_OPEN, PDC_OP_UPP_OPEN, 0, build_upp_open, NULL },
	{ PORTDP_IOC_UPP_DATA, PDC_OP_UPP_DATA, 0, build_upp_data, NULL },
	{ PORTDP_IOC_UPP_FINISH, PDC_OP_UPP_FINISH, 0, build_upp_finish, NULL },
	{ PORTDP_IOC_UPP_SEAL, PDC_OP_UPP_SEAL, -1, build_upp_seal, finish_upp_seal },
	{ PORTDP_IOC_RESEAL_OPEN, PDC_OP_RESEAL_OPEN, sizeof(struct pdc_reseal_open_resp),
	  build_reseal_open, finish_reseal_open },
	{ PORTDP_IOC_RESEAL_DATA, PDC_OP_RESEAL_DATA, -1, build_reseal_data, finish_reseal_data },
	{ PORTDP_IOC_RESEAL_FINISH, PDC_OP_RESEAL_FINISH, sizeof(struct pdc_reseal_finish_resp),
	  build_reseal_finish, finish_reseal_finish },
	{ PORTDP_IOC_RESEAL_ABORT, PDC_OP_RESEAL_ABORT, 0, build_close, NULL },
};

static void portdp_call_free(struct portdp_call *c)
{
	portdp_req_free(c->req);
	kfree_sensitive(c);
}

/*
 * Copy in, check and build; the returned call is ready to submit. @gfp is
 * GFP_NOWAIT (and page faults are off) when the caller must not sleep.
 */
static struct portdp_call *portdp_call_prepare(struct portdp_dev *pd, unsigned int ioc,
					       void __user *uarg, gfp_t gfp)
{
	const struct portdp_cmd *cmd = NULL;
	struct portdp_call *c;
	int i, err;

	for (i = 0; i < ARRAY_SIZE(portdp_cmds); i++)
		if (portdp_cmds[i].ioc == ioc)
			cmd = &portdp_cmds[i];
	if (!cmd)
		return ERR_PTR(-ENOTTY);
	c = kzalloc(sizeof(*c), gfp);
	if (!c)
		return ERR_PTR(-ENOMEM);
	c->gfp = gfp;
	c->cmd = cmd;
	c->uarg = uarg;
	if ((_IOC_DIR(ioc) & _IOC_WRITE) && copy_from_user(&c->arg, uarg, _IOC_SIZE(ioc))) {
		err = -EFAULT;
		goto free;
	}
	err = cmd->build(pd, c);
	if (err)
		goto free;
	c->req->priv = c;
	return c;
free:
	portdp_call_free(c);
	return ERR_PTR(err);
}

/* After the card answered: check, fill the argument, copy it back. */
static int portdp_call_finish(struct portdp_dev *pd, struct portdp_call *c)
{
	const struct portdp_cmd *cmd = c->cmd;
	int err = c->req->err;

	if (err)
		return err;
	if (cmd->resp >= 0 && portdp_resp_body_len(c->req) != cmd->resp)
		return -EIO;
	if (cmd->finish) {
		err = cmd->finish(pd, c);
		if (err)
			return err;
	}
	if ((_IOC_DIR(cmd->ioc) & _IOC_READ) &&
	    copy_to_user(c->uarg, &c->arg, _IOC_SIZE(cmd->ioc)))
		return -EFAULT;
	return 0;
}

/**
 * struct portdp_file - one open of /dev/portdp-accelN.
 * @pd:    the card (a reference held until release).
 * @queue: this opener's requests waiting for a slot (served round-robin
 *         with the other openers').
 */
struct portdp_file {
	struct portdp_dev *pd;
	struct portdp_queue queue;
};

static struct portdp_dev *portdp_file_dev(struct file *file)
{
	return ((struct portdp_file *)file->private_data)->pd;
}

static struct portdp_queue *portdp_file_queue(struct file *file)
{
	return &((struct portdp_file *)file->private_data)->queue;
}

static long portdp_ioctl(struct file *file, unsigned int ioc, unsigned long arg)
{
	struct portdp_dev *pd = portdp_file_dev(file);
	struct portdp_call *c;
	int err;

	if (portdp_dev_gone(pd))
		return -ENODEV;
	c = portdp_call_prepare(pd, ioc, (void __user *)arg, GFP_KERNEL);
	if (IS_ERR(c))
		return PTR_ERR(c);
	c->req->queue = portdp_file_queue(file);
	err = portdp_exec(pd, c->req);
	if (!err || c->req->err)
		err = portdp_call_finish(pd, c);
	portdp_call_free(c);
	return err;
}

static void portdp_uring_task_cb(struct io_uring_cmd *ioucmd, unsigned int issue_flags)
{
	struct portdp_call *c = *portdp_uring_pdu(ioucmd);
	struct portdp_dev *pd = portdp_file_dev(ioucmd->file);
	int ret = -ECANCELED;

	/*
	 * The submitter is exiting: io_uring runs this from its fallback
	 * worker, where user memory is not the submitter's. Copy nothing.
	 */
	if (!(current->flags & (PF_EXITING | PF_KTHREAD)))
		ret = portdp_call_finish(pd, c);
	portdp_call_free(c);
	portdp_uring_done(ioucmd, ret, issue_flags);
}

/* Runs where the card's answer arrives; user memory waits for task context. */
static void portdp_uring_req_done(struct portdp_req *req)
{
	struct io_uring_cmd *ioucmd = req->priv;

	portdp_uring_complete_in_task(ioucmd, portdp_uring_task_cb);
}

static int portdp_uring_cmd(struct io_uring_cmd *ioucmd, unsigned int issue_flags)
{
	struct portdp_dev *pd = portdp_file_dev(ioucmd->file);
	const struct portdp_uring_cmd *uc = portdp_uring_payload(ioucmd);
	struct portdp_call *c;
	u64 arg;
	int err;

	if (portdp_dev_gone(pd))
		return -ENODEV;
	if (READ_ONCE(uc->flags) || READ_ONCE(uc->rsvd))
		return -EINVAL;
	arg = READ_ONCE(uc->arg);
	if (issue_flags & IO_URING_F_NONBLOCK) {
		/*
		 * Inline issue must not sleep: no reclaim, no page faults. What
		 * would need either is -EAGAIN, and io_uring reissues it from
		 * its worker, where we may block (a real -EFAULT shows there).
		 */
		pagefault_disable();
		c = portdp_call_prepare(pd, ioucmd->cmd_op, u64_to_user_ptr(arg), GFP_NOWAIT);
		pagefault_enable();
		if (c == ERR_PTR(-EFAULT) || c == ERR_PTR(-ENOMEM))
			return -EAGAIN;
	} else {
		c = portdp_call_prepare(pd, ioucmd->cmd_op, u64_to_user_ptr(arg), GFP_KERNEL);
	}
	if (IS_ERR(c))
		return PTR_ERR(c);
	*portdp_uring_pdu(ioucmd) = c;
	c->req->priv = ioucmd;
	c->req->done = portdp_uring_req_done;
	c->req->queue = portdp_file_queue(ioucmd->file);
	err = portdp_submit(pd, c->req);
	if (err) {
		portdp_call_free(c);
		return err;
	}
	return -EIOCBQUEUED;
}

static int portdp_open(struct inode *inode, struct file *file)
{
	struct miscdevice *misc = file->private_data;
	struct portdp_dev *pd = container_of(misc, struct portdp_dev, misc);
	struct portdp_file *f;

	f = kzalloc(sizeof(*f), GFP_KERNEL);
	if (!f)
		return -ENOMEM;
	portdp_dev_get(pd);
	f->pd = pd;
	portdp_queue_init(&f->queue);
	file->private_data = f;
	return 0;
}

/*
 * Nothing to read or write: poll only tells that the card is gone
 * (unplugged or unbound), with EPOLLHUP | EPOLLERR.
 */
static __poll_t portdp_poll(struct file *file, poll_table *wait)
{
	struct portdp_dev *pd = portdp_file_dev(file);

	poll_wait(file, &pd->hup, wait);
	return portdp_dev_gone(pd) ? EPOLLHUP | EPOLLERR : 0;
}

/* io_uring holds the file while its commands run: nothing waits here now. */
static int portdp_release(struct inode *inode, struct file *file)
{
	struct portdp_file *f = file->private_data;

	portdp_dev_put(f->pd);
	kfree(f);
	return 0;
}

static const struct file_operations portdp_fops = {
	.owner = THIS_MODULE,
	.open = portdp_open,
	.release = portdp_release,
	.unlocked_ioctl = portdp_ioctl,
	.compat_ioctl = compat_ptr_ioctl,
	.uring_cmd = portdp_uring_cmd,
	.poll = portdp_poll,
	.llseek = noop_llseek,
};

int portdp_cdev_register(struct portdp_dev *pd)
{
	pd->misc.minor = MISC_DYNAMIC_MINOR;
	pd->misc.name = pd->name;
	pd->misc.fops = &portdp_fops;
	pd->misc.parent = pd->parent;
	pd->misc.groups = portdp_groups;
	pd->misc.mode = 0600;
	return misc_register(&pd->misc);
}

void portdp_cdev_unregister(struct portdp_dev *pd)
{
	misc_deregister(&pd->misc);
}
