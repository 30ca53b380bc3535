// SPDX-License-Identifier: Apache-2.0
/*
 * dispatch.c - the card's command dispatcher: checks the message header,
 * finds the opcode, checks the body length, then hands the body to one
 * handler per opcode, which checks every field before it changes anything.
 * Every input gets exactly one response; a failed request changes nothing.
 */
#include <string.h>

#include <mbedtls/platform_util.h>

#include "aes_raw.h"
#include "bsp.h"
#include "card_priv.h"
#include "reseal.h"
#include "upp.h"
#include "wire.h"

typedef enum pdc_status (*op_fn)(struct card *c, const uint8_t *body, size_t len, uint8_t *out,
				 size_t *out_len);

struct op_desc {
	uint16_t opcode;
	uint16_t fixed_len; /* the body, or its fixed part if @variable */
	bool variable;	    /* fixed part + data; the handler checks the total */
	bool crypto;	    /* refused while the self-test has failed */
	op_fn fn;
};

/* ---- card management ---------------------------------------------- */

static enum pdc_status op_get_info(struct card *c, const uint8_t *body, size_t len, uint8_t *out,
				   size_t *out_len)
{
	struct pdc_info info = {0};

	(void)body;
	(void)len;
	info.proto_version = le32(PDC_PROTO_VERSION);
	info.caps = le32(card_caps(c));
	info.fw_version = le32(CARD_FW_VERSION);
	info.key_slots = le16(PDC_KEY_SLOTS);
	info.max_sessions = le16((uint16_t)c->sessions.max);
	info.max_msg = le16(PDC_MAX_MSG);
	info.proto_minor = le16(PDC_PROTO_MINOR);
	info.session_max_segments = le32(SESSION_MAX_SEGMENTS);
	memcpy(info.serial, c->serial, sizeof(info.serial));
	strncpy(info.fw_name, CARD_FW_NAME, sizeof(info.fw_name) - 1);
	memcpy(out, &info, sizeof(info));
	*out_len = sizeof(info);
	return PDC_ST_OK;
}

static enum pdc_status op_self_test(struct card *c, const uint8_t *body, size_t len, uint8_t *out,
				    size_t *out_len)
{
	struct pdc_self_test_resp r;
	uint32_t run, failed;

	(void)body;
	(void)len;
	failed = card_self_test(c, &run);
	c->failed = failed != 0;
	r.run = le32(run);
	r.failed = le32(failed);
	memcpy(out, &r, sizeof(r));
	*out_len = sizeof(r);
	return PDC_ST_OK;
}

static enum pdc_status op_get_counters(struct card *c, const uint8_t *body, size_t len,
				       uint8_t *out, size_t *out_len)
{
	struct pdc_counters r = {0};
	unsigned int i, keys = 0;

	(void)body;
	(void)len;
	for (i = 0; i < PDC_KEY_SLOTS; i++)
		keys += c->ks.slot[i].curve != 0;
	/* this request itself is counted once it has answered */
	r.requests = le64(c->cnt.requests);
	r.errors = le64(c->cnt.errors);
	r.signs = le64(c->cnt.signs);
	r.verifies = le64(c->cnt.verifies);
	r.sessions_created = le64(c->cnt.sessions_created);
	r.segments_sealed = le64(c->cnt.segments_sealed);
	r.ecdh_raw = le64(c->cnt.ecdh_raw);
	r.aes_ops = le64(c->cnt.aes_ops);
	r.random_bytes = le64(c->cnt.random_bytes);
	r.resets = le64(c->cnt.resets);
	r.sessions_open = le32(c->sessions.open);
	r.keys_stored = le32(keys);
	memcpy(out, &r, sizeof(r));
	*out_len = sizeof(r);
	return PDC_ST_OK;
}

static enum pdc_status op_random(struct card *c, const uint8_t *body, size_t len, uint8_t *out,
				 size_t *out_len)
{
	struct pdc_random_req r;
	uint16_t n;

	(void)len;
	memcpy(&r, body, sizeof(r));
	n = le16(r.len);
	if (r.rsvd)
		return PDC_ST_BAD_PARAM;
	if (n < 1 || n > PDC_RANDOM_MAX)
		return PDC_ST_BAD_LENGTH;
	if (mbedtls_ctr_drbg_random(&c->drbg, out, n))
		return PDC_ST_CRYPTO;
	c->cnt.random_bytes += n;
	*out_len = n;
	return PDC_ST_OK;
}

/* ---- key slots ------------------------------------------------------ */

static enum pdc_status public_resp(struct card *c, unsigned int slot, uint8_t *out, size_t *out_len)
{
	struct pdc_key_public_resp r = {0};

	r.slot = (uint8_t)slot;
	r.curve = c->ks.slot[slot].curve;
	memcpy(r.pub, c->slot_pub[slot], PDC_PUBKEY_LEN);
	memcpy(out, &r, sizeof(r));
	*out_len = sizeof(r);
	return PDC_ST_OK;
}

static enum pdc_status op_key_generate(struct card *c, const uint8_t *body, size_t len,
				       uint8_t *out, size_t *out_len)
{
	struct pdc_key_generate_req r;
	struct key_slot ks;
	mbedtls_ecp_group *grp;
	uint8_t pub[PDC_PUBKEY_LEN];
	enum pdc_status st;

	(void)len;
	memcpy(&r, body, sizeof(r));
	if (r.rsvd)
		return PDC_ST_BAD_PARAM;
	if (r.slot >= PDC_KEY_SLOTS)
		return PDC_ST_BAD_SLOT;
	grp = ecc_group(&c->ecc, r.curve);
	if (!grp)
		return PDC_ST_BAD_CURVE;
	if (c->ks.slot[r.slot].curve)
		return PDC_ST_SLOT_IN_USE;
	ks.curve = r.curve;
	st = ecc_generate(grp, &c->drbg, ks.priv, pub);
	if (st == PDC_ST_OK && keystore_set(&c->ks, r.slot, &ks, &c->drbg))
		st = PDC_ST_STORAGE;
	mbedtls_platform_zeroize(&ks, sizeof(ks));
	if (st != PDC_ST_OK)
		return st;
	memcpy(c->slot_pub[r.slot], pub, PDC_PUBKEY_LEN);
	return public_resp(c, r.slot, out, out_len);
}

/* Shared checks of the one-slot requests. */
static enum pdc_status slot_req(struct card *c, const uint8_t *body, unsigned int *slot)
{
	struct pdc_slot_req r;

	memcpy(&r, body, sizeof(r));
	if (!all_zero(r.rsvd, sizeof(r.rsvd)))
		return PDC_ST_BAD_PARAM;
	if (r.slot >= PDC_KEY_SLOTS)
		return PDC_ST_BAD_SLOT;
	if (!c->ks.slot[r.slot].curve)
		return PDC_ST_SLOT_EMPTY;
	*slot = r.slot;
	return PDC_ST_OK;
}

static enum pdc_status op_key_get_public(struct card *c, const uint8_t *body, size_t len,
					 uint8_t *out, size_t *out_len)
{
	unsigned int slot;
	enum pdc_status st = slot_req(c, body, &slot);

	(void)len;
	if (st != PDC_ST_OK)
		return st;
	if (c->ks.slot[slot].curve == PDC_KEY_STOCK_AES256)
		return PDC_ST_BAD_KEY; /* no public half */
	return public_resp(c, slot, out, out_len);
}

static enum pdc_status op_key_destroy(struct card *c, const uint8_t *body, size_t len, uint8_t *out,
				      size_t *out_len)
{
	static const struct key_slot empty;
	unsigned int slot;
	enum pdc_status st = slot_req(c, body, &slot);

	(void)len;
	(void)out;
	if (st != PDC_ST_OK)
		return st;
	if (keystore_set(&c->ks, slot, &empty, &c->drbg))
		return PDC_ST_STORAGE;
	memset(c->slot_pub[slot], 0, PDC_PUBKEY_LEN);
	*out_len = 0;
	return PDC_ST_OK;
}

static enum pdc_status op_key_list(struct card *c, const uint8_t *body, size_t len, uint8_t *out,
				   size_t *out_len)
{
	struct pdc_key_list_resp r = {0};
	uint32_t used = 0;
	unsigned int i;

	(void)body;
	(void)len;
	for (i = 0; i < PDC_KEY_SLOTS; i++) {
		r.curve[i] = c->ks.slot[i].curve;
		if (r.curve[i])
			used |= 1u << i;
	}
	r.used = le32(used);
	memcpy(out, &r, sizeof(r));
	*out_len = sizeof(r);
	return PDC_ST_OK;
}

/* ---- ECDSA ---------------------------------------------------------- */

/* digest_len in range and the unused tail of digest[] zero */
static enum pdc_status check_digest(unsigned int digest_len, const uint8_t *digest)
{
	if (digest_len < 1 || digest_len > PDC_DIGEST_MAX)
		return PDC_ST_BAD_LENGTH;
	if (!all_zero(digest + digest_len, PDC_DIGEST_MAX - digest_len))
		return PDC_ST_BAD_PARAM;
	return PDC_ST_OK;
}

static enum pdc_status op_ecdsa_sign(struct card *c, const uint8_t *body, size_t len, uint8_t *out,
				     size_t *out_len)
{
	struct pdc_ecdsa_sign_req r;
	const struct key_slot *ks;
	enum pdc_status st;

	(void)len;
	memcpy(&r, body, sizeof(r));
	if (r.rsvd)
		return PDC_ST_BAD_PARAM;
	st = check_digest(r.digest_len, r.digest);
	if (st != PDC_ST_OK)
		return st;
	if (r.slot >= PDC_KEY_SLOTS)
		return PDC_ST_BAD_SLOT;
	ks = &c->ks.slot[r.slot];
	if (!ks->curve)
		return PDC_ST_SLOT_EMPTY;
	if (!ecc_group(&c->ecc, ks->curve))
		return PDC_ST_BAD_KEY; /* a stock key signs nothing */
	st = ecc_sign(ecc_group(&c->ecc, ks->curve), ks->priv, r.digest, r.digest_len, &c->drbg,
		      out);
	if (st != PDC_ST_OK)
		return st;
	c->cnt.signs++;
	*out_len = PDC_SIG_LEN;
	return PDC_ST_OK;
}

static enum pdc_status op_ecdsa_verify(struct card *c, const uint8_t *body, size_t len,
				       uint8_t *out, size_t *out_len)
{
	struct pdc_ecdsa_verify_req r;
	mbedtls_ecp_group *grp;
	enum pdc_status st;

	(void)len;
	(void)out;
	memcpy(&r, body, sizeof(r));
	if (r.rsvd || !all_zero(r.rsvd2, sizeof(r.rsvd2)))
		return PDC_ST_BAD_PARAM;
	grp = ecc_group(&c->ecc, r.curve);
	if (!grp)
		return PDC_ST_BAD_CURVE;
	st = check_digest(r.digest_len, r.digest);
	if (st != PDC_ST_OK)
		return st;
	c->cnt.verifies++;
	st = ecc_verify(grp, r.pub, r.digest, r.digest_len, r.sig);
	*out_len = 0;
	return st;
}

/* Z of a slot's key with a peer key: key exchange for card-resident keys. */
static enum pdc_status op_ecdh_slot(struct card *c, const uint8_t *body, size_t len, uint8_t *out,
				    size_t *out_len)
{
	struct pdc_ecdh_slot_req r;
	const struct key_slot *ks;
	enum pdc_status st;

	(void)len;
	memcpy(&r, body, sizeof(r));
	if (!all_zero(r.rsvd, sizeof(r.rsvd)) || !all_zero(r.rsvd2, sizeof(r.rsvd2)))
		return PDC_ST_BAD_PARAM;
	if (r.slot >= PDC_KEY_SLOTS)
		return PDC_ST_BAD_SLOT;
	ks = &c->ks.slot[r.slot];
	if (!ks->curve)
		return PDC_ST_SLOT_EMPTY;
	if (!ecc_group(&c->ecc, ks->curve))
		return PDC_ST_BAD_KEY;
	/* ecc_shared() checks the peer point on the slot's curve. */
	st = ecc_shared(ecc_group(&c->ecc, ks->curve), ks->priv, r.peer_pub, &c->drbg, out);
	if (st != PDC_ST_OK)
		return st;
	*out_len = PDC_SHARED_LEN;
	return PDC_ST_OK;
}

/* ---- sessions ------------------------------------------------------- */

static enum pdc_status op_session_create(struct card *c, const uint8_t *body, size_t len,
					 uint8_t *out, size_t *out_len)
{
	struct pdc_session_create_req r;
	struct pdc_session_create_resp resp = {0};
	mbedtls_ecp_group *grp;
	uint8_t ot_priv[PDC_PRIVKEY_LEN], z[PDC_SHARED_LEN];
	struct bsp_keys keys;
	uint32_t handle;
	enum pdc_status st;

	(void)len;
	memcpy(&r, body, sizeof(r));
	if (r.rsvd || !all_zero(r.rsvd2, sizeof(r.rsvd2)))
		return PDC_ST_BAD_PARAM;
	grp = ecc_group(&c->ecc, r.curve);
	if (!grp)
		return PDC_ST_BAD_CURVE;
	if (r.host_id_len < 1 || r.host_id_len > PDC_HOST_ID_MAX)
		return PDC_ST_BAD_LENGTH;
	if (!all_zero(r.host_id + r.host_id_len, PDC_HOST_ID_MAX - r.host_id_len))
		return PDC_ST_BAD_PARAM;
	if (c->sessions.open >= c->sessions.max)
		return PDC_ST_NO_RESOURCES;

	/* otSK.DP.ECKA lives only in this frame. */
	st = ecc_generate(grp, &c->drbg, ot_priv, resp.ot_pub);
	if (st == PDC_ST_OK)
		st = ecc_shared(grp, ot_priv, r.peer_pub, &c->drbg, z);
	if (st == PDC_ST_OK)
		st = bsp_derive(z, r.host_id, r.host_id_len, r.eid, &keys);
	if (st == PDC_ST_OK)
		st = sessions_alloc(&c->sessions, &c->drbg, &keys, &handle);
	mbedtls_platform_zeroize(ot_priv, sizeof(ot_priv));
	mbedtls_platform_zeroize(z, sizeof(z));
	mbedtls_platform_zeroize(&keys, sizeof(keys));
	if (st != PDC_ST_OK)
		return st;
	c->cnt.sessions_created++;
	resp.handle = le32(handle);
	memcpy(out, &resp, sizeof(resp));
	*out_len = sizeof(resp);
	return PDC_ST_OK;
}

/* Open session of a handle that may still seal, or why not. */
static enum pdc_status usable_session(struct card *c, uint32_t handle, struct session **s)
{
	*s = sessions_find(&c->sessions, handle);
	if (!*s)
		return PDC_ST_BAD_SESSION;
	if ((*s)->sealed >= SESSION_MAX_SEGMENTS)
		return PDC_ST_SESSION_LIMIT;
	return PDC_ST_OK;
}

static enum pdc_status op_bsp_seal(struct card *c, const uint8_t *body, size_t len, uint8_t *out,
				   size_t *out_len)
{
	struct pdc_bsp_seal_req r;
	struct pdc_bsp_seal_resp resp = {0};
	struct session *s;
	size_t in_len, seg_len;
	enum pdc_status st;

	memcpy(&r, body, sizeof(r));
	in_len = le16(r.in_len);
	if (len != sizeof(r) + in_len)
		return PDC_ST_BAD_LENGTH;
	if (r.rsvd)
		return PDC_ST_BAD_PARAM;
	if (!bsp_max_plain(r.tag))
		return PDC_ST_BAD_PARAM;
	st = usable_session(c, le32(r.handle), &s);
	if (st != PDC_ST_OK)
		return st;
	st = bsp_seal(&s->keys, r.tag, body + sizeof(r), in_len, out + sizeof(resp),
		      PDC_MAX_BODY - sizeof(resp), &seg_len);
	if (st != PDC_ST_OK)
		return st;
	s->sealed++;
	c->cnt.segments_sealed++;
	resp.seg_len = le16((uint16_t)seg_len);
	memcpy(out, &resp, sizeof(resp));
	*out_len = sizeof(resp) + seg_len;
	return PDC_ST_OK;
}

static enum pdc_status op_session_replace_keys(struct card *c, const uint8_t *body, size_t len,
					       uint8_t *out, size_t *out_len)
{
	struct pdc_session_req r;
	struct pdc_replace_keys_resp resp = {0};
	struct session *s, *ns;
	struct bsp_keys ppk, next;
	uint8_t rsk[3 + 3 * 18];
	uint32_t handle;
	size_t seg_len;
	enum pdc_status st;

	(void)len;
	memcpy(&r, body, sizeof(r));
	st = usable_session(c, le32(r.handle), &s);
	if (st != PDC_ST_OK)
		return st;
	memset(&next, 0, sizeof(next));
	if (mbedtls_ctr_drbg_random(&c->drbg, ppk.s_enc, 16) ||
	    mbedtls_ctr_drbg_random(&c->drbg, ppk.s_mac, 16) ||
	    mbedtls_ctr_drbg_random(&c->drbg, ppk.mcv, 16)) {
		st = PDC_ST_CRYPTO;
		goto out;
	}
	ppk.counter = 1;
	/* ReplaceSessionKeysRequest BF26 {80 initialMCV, 81 ppkEnc, 82 ppkCmac} (rsp.asn order) */
	rsk[0] = 0xbf;
	rsk[1] = 0x26;
	rsk[2] = 3 * 18;
	rsk[3] = 0x80;
	rsk[4] = 16;
	memcpy(rsk + 5, ppk.mcv, 16);
	rsk[21] = 0x81;
	rsk[22] = 16;
	memcpy(rsk + 23, ppk.s_enc, 16);
	rsk[39] = 0x82;
	rsk[40] = 16;
	memcpy(rsk + 41, ppk.s_mac, 16);

	st = sessions_alloc(&c->sessions, &c->drbg, &ppk, &handle);
	if (st != PDC_ST_OK)
		goto out;
	/* Seal with a copy: the old session moves on only if all succeeded. */
	next = s->keys;
	st = bsp_seal(&next, 0x87, rsk, sizeof(rsk), out + sizeof(resp),
		      PDC_MAX_BODY - sizeof(resp), &seg_len);
	if (st != PDC_ST_OK) {
		ns = sessions_find(&c->sessions, handle);
		sessions_close(&c->sessions, ns);
		goto out;
	}
	s->keys = next;
	s->sealed++;
	c->cnt.segments_sealed++;
	c->cnt.sessions_created++;
	resp.new_handle = le32(handle);
	resp.seg_len = le16((uint16_t)seg_len);
	memcpy(out, &resp, sizeof(resp));
	*out_len = sizeof(resp) + seg_len;
out:
	mbedtls_platform_zeroize(&ppk, sizeof(ppk));
	mbedtls_platform_zeroize(&next, sizeof(next));
	mbedtls_platform_zeroize(rsk, sizeof(rsk));
	return st;
}

static enum pdc_status op_session_close(struct card *c, const uint8_t *body, size_t len,
					uint8_t *out, size_t *out_len)
{
	struct pdc_session_req r;
	struct session *s;

	(void)len;
	(void)out;
	memcpy(&r, body, sizeof(r));
	s = sessions_find(&c->sessions, le32(r.handle));
	if (!s)
		return PDC_ST_BAD_SESSION;
	sessions_close(&c->sessions, s);
	*out_len = 0;
	return PDC_ST_OK;
}

/* ---- crypto API helpers --------------------------------------------- */

static enum pdc_status ecdh_raw_req(struct card *c, const uint8_t *body, struct pdc_ecdh_raw_req *r,
				    mbedtls_ecp_group **grp)
{
	memcpy(r, body, sizeof(*r));
	if (!all_zero(r->rsvd, sizeof(r->rsvd)) || !all_zero(r->rsvd2, sizeof(r->rsvd2)))
		return PDC_ST_BAD_PARAM;
	*grp = ecc_group(&c->ecc, r->curve);
	if (!*grp)
		return PDC_ST_BAD_CURVE;
	return PDC_ST_OK;
}

static enum pdc_status op_ecdh_raw_public(struct card *c, const uint8_t *body, size_t len,
					  uint8_t *out, size_t *out_len)
{
	struct pdc_ecdh_raw_req r;
	struct pdc_ecdh_public_resp resp = {0};
	mbedtls_ecp_group *grp;
	mbedtls_mpi d;
	enum pdc_status st;

	(void)len;
	st = ecdh_raw_req(c, body, &r, &grp);
	if (st == PDC_ST_OK && !all_zero(r.peer_pub, sizeof(r.peer_pub)))
		st = PDC_ST_BAD_PARAM;
	if (st != PDC_ST_OK)
		goto out;
	mbedtls_mpi_init(&d);
	st = ecc_read_priv(grp, r.priv, &d);
	if (st == PDC_ST_OK)
		st = ecc_public_of(grp, &d, &c->drbg, resp.pub);
	mbedtls_mpi_free(&d);
	if (st != PDC_ST_OK)
		goto out;
	c->cnt.ecdh_raw++;
	memcpy(out, &resp, sizeof(resp));
	*out_len = sizeof(resp);
out:
	mbedtls_platform_zeroize(&r, sizeof(r));
	return st;
}

static enum pdc_status op_ecdh_raw_shared(struct card *c, const uint8_t *body, size_t len,
					  uint8_t *out, size_t *out_len)
{
	struct pdc_ecdh_raw_req r;
	mbedtls_ecp_group *grp;
	enum pdc_status st;

	(void)len;
	st = ecdh_raw_req(c, body, &r, &grp);
	if (st == PDC_ST_OK)
		st = ecc_shared(grp, r.priv, r.peer_pub, &c->drbg, out);
	mbedtls_platform_zeroize(&r, sizeof(r));
	if (st != PDC_ST_OK)
		return st;
	c->cnt.ecdh_raw++;
	*out_len = PDC_SHARED_LEN;
	return PDC_ST_OK;
}

/* key_len is 16/24/32 and the unused key bytes are zero */
static enum pdc_status check_aes_key(unsigned int key_len, const uint8_t *key)
{
	if (key_len != 16 && key_len != 24 && key_len != 32)
		return PDC_ST_BAD_LENGTH;
	if (!all_zero(key + key_len, PDC_AES_KEY_MAX - key_len))
		return PDC_ST_BAD_PARAM;
	return PDC_ST_OK;
}

static enum pdc_status op_aes_cbc(struct card *c, const uint8_t *body, size_t len, uint8_t *out,
				  size_t *out_len)
{
	struct pdc_aes_cbc_req r;
	struct pdc_aes_cbc_resp resp = {0};
	size_t data_len;
	enum pdc_status st;

	memcpy(&r, body, sizeof(r));
	data_len = le16(r.data_len);
	st = check_aes_key(r.key_len, r.key);
	if (st == PDC_ST_OK && r.dir != PDC_AES_ENCRYPT && r.dir != PDC_AES_DECRYPT)
		st = PDC_ST_BAD_PARAM;
	if (st == PDC_ST_OK && (len != sizeof(r) + data_len || data_len > PDC_AES_MAX_DATA))
		st = PDC_ST_BAD_LENGTH;
	if (st == PDC_ST_OK)
		st = aes_raw_cbc(r.key, r.key_len, r.dir == PDC_AES_ENCRYPT, r.iv, body + sizeof(r),
				 data_len, out + sizeof(resp));
	if (st == PDC_ST_OK) {
		memcpy(resp.iv_out, r.iv, sizeof(resp.iv_out));
		resp.data_len = le16((uint16_t)data_len);
		memcpy(out, &resp, sizeof(resp));
		*out_len = sizeof(resp) + data_len;
		c->cnt.aes_ops++;
	}
	mbedtls_platform_zeroize(&r, sizeof(r));
	return st;
}

static enum pdc_status op_aes_cmac(struct card *c, const uint8_t *body, size_t len, uint8_t *out,
				   size_t *out_len)
{
	struct pdc_aes_cmac_req r;
	size_t data_len;
	enum pdc_status st;

	memcpy(&r, body, sizeof(r));
	data_len = le16(r.data_len);
	st = check_aes_key(r.key_len, r.key);
	if (st == PDC_ST_OK && (r.flags & ~PDC_CMAC_FINAL))
		st = PDC_ST_BAD_PARAM;
	if (st == PDC_ST_OK && (len != sizeof(r) + data_len || data_len > PDC_AES_MAX_DATA))
		st = PDC_ST_BAD_LENGTH;
	if (st == PDC_ST_OK)
		st = aes_raw_cmac(r.key, r.key_len, r.flags & PDC_CMAC_FINAL, r.state,
				  body + sizeof(r), data_len);
	if (st == PDC_ST_OK) {
		memcpy(out, r.state, PDC_AES_BLOCK);
		*out_len = PDC_AES_BLOCK;
		c->cnt.aes_ops++;
	}
	mbedtls_platform_zeroize(&r, sizeof(r));
	return st;
}

/* ---- the table and the entry point ---------------------------------- */

#define OP(code, len, var, crypto, fn)                                                             \
	{                                                                                          \
		code, len, var, crypto, fn                                                         \
	}

static const struct op_desc ops[] = {
    OP(PDC_OP_GET_INFO, 0, false, false, op_get_info),
    OP(PDC_OP_SELF_TEST, 0, false, false, op_self_test),
    OP(PDC_OP_GET_COUNTERS, 0, false, false, op_get_counters),
    OP(PDC_OP_RANDOM, sizeof(struct pdc_random_req), false, true, op_random),
    OP(PDC_OP_KEY_GENERATE, sizeof(struct pdc_key_generate_req), false, true, op_key_generate),
    OP(PDC_OP_KEY_GET_PUBLIC, sizeof(struct pdc_slot_req), false, false, op_key_get_public),
    OP(PDC_OP_KEY_DESTROY, sizeof(struct pdc_slot_req), false, false, op_key_destroy),
    OP(PDC_OP_KEY_LIST, 0, false, false, op_key_list),
    OP(PDC_OP_STOCK_KEY_GENERATE, sizeof(struct pdc_slot_req), false, true,
       op_stock_key_generate),
    OP(PDC_OP_STOCK_WRAP, sizeof(struct pdc_stock_wrap_req), false, true, op_stock_wrap),
    OP(PDC_OP_ECDSA_SIGN, sizeof(struct pdc_ecdsa_sign_req), false, true, op_ecdsa_sign),
    OP(PDC_OP_ECDSA_VERIFY, sizeof(struct pdc_ecdsa_verify_req), false, true, op_ecdsa_verify),
    OP(PDC_OP_ECDH_SLOT, sizeof(struct pdc_ecdh_slot_req), false, true, op_ecdh_slot),
    OP(PDC_OP_SESSION_CREATE, sizeof(struct pdc_session_create_req), false, true,
       op_session_create),
    OP(PDC_OP_BSP_SEAL, sizeof(struct pdc_bsp_seal_req), true, true, op_bsp_seal),
    OP(PDC_OP_SESSION_REPLACE_KEYS, sizeof(struct pdc_session_req), false, true,
       op_session_replace_keys),
    OP(PDC_OP_SESSION_CLOSE, sizeof(struct pdc_session_req), false, false, op_session_close),
    OP(PDC_OP_UPP_OPEN, sizeof(struct pdc_upp_open_req), false, true, op_upp_open),
    OP(PDC_OP_UPP_DATA, sizeof(struct pdc_upp_data_req), true, true, op_upp_data),
    OP(PDC_OP_UPP_FINISH, sizeof(struct pdc_upp_finish_req), false, true, op_upp_finish),
    OP(PDC_OP_UPP_SEAL, sizeof(struct pdc_bsp_seal_req), false, true, op_upp_seal),
    OP(PDC_OP_RESEAL_OPEN, sizeof(struct pdc_reseal_open_req), false, true, op_reseal_open),
    OP(PDC_OP_RESEAL_DATA, sizeof(struct pdc_upp_data_req), true, true, op_reseal_data),
    OP(PDC_OP_RESEAL_FINISH, sizeof(struct pdc_upp_finish_req), false, true, op_reseal_finish),
    OP(PDC_OP_RESEAL_ABORT, sizeof(struct pdc_session_req), false, false, op_reseal_abort),
    OP(PDC_OP_ECDH_RAW_PUBLIC, sizeof(struct pdc_ecdh_raw_req), false, true, op_ecdh_raw_public),
    OP(PDC_OP_ECDH_RAW_SHARED, sizeof(struct pdc_ecdh_raw_req), false, true, op_ecdh_raw_shared),
    OP(PDC_OP_AES_CBC, sizeof(struct pdc_aes_cbc_req), true, true, op_aes_cbc),
    OP(PDC_OP_AES_CMAC, sizeof(struct pdc_aes_cmac_req), true, true, op_aes_cmac),
};

static const struct op_desc *find_op(uint16_t opcode)
{
	size_t i;

	for (i = 0; i < sizeof(ops) / sizeof(ops[0]); i++)
		if (ops[i].opcode == opcode)
			return &ops[i];
	return NULL;
}

/* Response header; counts the request. */
static size_t put_hdr(struct card *c, uint32_t tag, uint16_t opcode, uint16_t status,
		      size_t body_len, void *resp)
{
	struct pdc_hdr h = {0};

	h.magic = le32(PDC_MAGIC_RESP);
	h.version = le16(PDC_PROTO_VERSION);
	h.opcode = le16(opcode);
	h.tag = le32(tag);
	h.status = le16(status);
	h.len = le16((uint16_t)body_len);
	memcpy(resp, &h, sizeof(h));
	c->cnt.requests++;
	if (status != PDC_ST_OK)
		c->cnt.errors++;
	return sizeof(h) + body_len;
}

size_t card_error_response(struct card *c, uint32_t tag, uint16_t opcode, uint16_t status,
			   void *resp)
{
	return put_hdr(c, tag, opcode, status, 0, resp);
}

static enum pdc_status run(struct card *c, const struct pdc_hdr *h, const uint8_t *body,
			   size_t body_len, uint8_t *out, size_t *out_len)
{
	const struct op_desc *op;

	if (le32(h->magic) != PDC_MAGIC_REQ)
		return PDC_ST_BAD_MAGIC;
	if (le16(h->version) != PDC_PROTO_VERSION)
		return PDC_ST_BAD_VERSION;
	if (h->status)
		return PDC_ST_BAD_PARAM;
	if (le16(h->len) != body_len)
		return PDC_ST_BAD_LENGTH;
	op = find_op(le16(h->opcode));
	if (!op)
		return PDC_ST_BAD_OPCODE;
	if (op->variable ? body_len < op->fixed_len : body_len != op->fixed_len)
		return PDC_ST_BAD_LENGTH;
	if (op->crypto && c->failed)
		return PDC_ST_SELF_TEST;
	return op->fn(c, body, body_len, out, out_len);
}

size_t card_dispatch(struct card *c, const uint8_t *req, size_t len, uint8_t *resp)
{
	struct pdc_hdr h = {0};
	enum pdc_status st;
	size_t body_len = 0;

	if (len >= sizeof(h))
		memcpy(&h, req, sizeof(h));
	if (len < sizeof(h) || len > PDC_MAX_MSG) {
		st = PDC_ST_BAD_LENGTH;
	} else {
		st = run(c, &h, req + sizeof(h), len - sizeof(h), resp + sizeof(h), &body_len);
		if (st != PDC_ST_OK) {
			/* never leak half-made output */
			mbedtls_platform_zeroize(resp + sizeof(h), PDC_MAX_BODY);
			body_len = 0;
		}
	}
	return put_hdr(c, le32(h.tag), le16(h.opcode), st, body_len, resp);
}
