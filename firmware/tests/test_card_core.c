// SPDX-License-Identifier: Apache-2.0
/*
 * test_card_core.c - every card command through card_handle(), good and
 * bad inputs, with OpenSSL as the independent other side.
 */
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>
#include <openssl/rand.h>

#include "fw_test_util.h"

struct fx {
	char *dir;
	struct card *card;
};

static int setup(void **state)
{
	struct fx *f = calloc(1, sizeof(*f));

	f->dir = fw_tmpdir();
	f->card = fw_card_open(f->dir, 4);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fx *f = *state;

	card_close(f->card);
	fw_rm_rf(f->dir);
	free(f->dir);
	free(f);
	return 0;
}

static struct fw_resp r;

static void gen_key(struct card *c, uint8_t slot, uint8_t curve, uint8_t pub[65])
{
	struct pdc_key_generate_req g = {.slot = slot, .curve = curve};
	struct pdc_key_public_resp kp;

	assert_int_equal(fw_call(c, PDC_OP_KEY_GENERATE, &g, sizeof(g), &r), PDC_ST_OK);
	assert_int_equal(r.len, sizeof(kp));
	memcpy(&kp, r.body, sizeof(kp));
	assert_int_equal(kp.slot, slot);
	assert_int_equal(kp.curve, curve);
	assert_int_equal(kp.pub[0], 0x04);
	memcpy(pub, kp.pub, 65);
}

static void test_info_selftest(void **state)
{
	struct fx *f = *state;
	struct pdc_info info;
	struct pdc_self_test_resp st;

	assert_int_equal(fw_call(f->card, PDC_OP_GET_INFO, NULL, 0, &r), PDC_ST_OK);
	assert_int_equal(r.len, sizeof(info));
	memcpy(&info, r.body, sizeof(info));
	assert_int_equal(info.proto_version, PDC_PROTO_VERSION);
	assert_true(info.caps & PDC_CAP_P256);
	assert_true(info.caps & PDC_CAP_BP256R1);
	assert_true(info.caps & PDC_CAP_REPLACE_KEYS);
	assert_true(info.caps & PDC_CAP_ECDH_SLOT);
	assert_int_equal(info.proto_minor, PDC_PROTO_MINOR);
	assert_int_equal(info.key_slots, PDC_KEY_SLOTS);
	assert_int_equal(info.max_sessions, 4);
	assert_int_equal(info.max_msg, PDC_MAX_MSG);
	assert_non_null(memchr(info.fw_name, 0, sizeof(info.fw_name)));
	assert_string_equal(info.fw_name, "portdp-card 0.1.0");

	assert_int_equal(fw_call(f->card, PDC_OP_SELF_TEST, NULL, 0, &r), PDC_ST_OK);
	memcpy(&st, r.body, sizeof(st));
	assert_int_equal(st.run, 0x7f);
	assert_int_equal(st.failed, 0);
	/* a body where none belongs */
	assert_int_equal(fw_call(f->card, PDC_OP_GET_INFO, "x", 1, &r), PDC_ST_BAD_LENGTH);
}

static void test_header_errors(void **state)
{
	struct fx *f = *state;
	uint8_t msg[PDC_MAX_MSG + 16] = {0};
	struct pdc_hdr h = {PDC_MAGIC_REQ, PDC_PROTO_VERSION, PDC_OP_GET_INFO, 77, 0, 0};
	struct pdc_hdr b;

	memcpy(msg, &h, sizeof(h));
	assert_int_equal(fw_call_raw(f->card, msg, sizeof(h), &r), PDC_ST_OK);
	assert_int_equal(r.tag, 77);

	b = h, b.magic ^= 1;
	memcpy(msg, &b, sizeof(b));
	assert_int_equal(fw_call_raw(f->card, msg, sizeof(b), &r), PDC_ST_BAD_MAGIC);
	b = h, b.version = 2;
	memcpy(msg, &b, sizeof(b));
	assert_int_equal(fw_call_raw(f->card, msg, sizeof(b), &r), PDC_ST_BAD_VERSION);
	b = h, b.opcode = 0x7777;
	memcpy(msg, &b, sizeof(b));
	assert_int_equal(fw_call_raw(f->card, msg, sizeof(b), &r), PDC_ST_BAD_OPCODE);
	assert_int_equal(r.opcode, 0x7777);
	b = h, b.status = 1;
	memcpy(msg, &b, sizeof(b));
	assert_int_equal(fw_call_raw(f->card, msg, sizeof(b), &r), PDC_ST_BAD_PARAM);
	b = h, b.len = 4; /* says 4, carries 0 */
	memcpy(msg, &b, sizeof(b));
	assert_int_equal(fw_call_raw(f->card, msg, sizeof(b), &r), PDC_ST_BAD_LENGTH);
	/* shorter than a header, empty, longer than PDC_MAX_MSG */
	assert_int_equal(fw_call_raw(f->card, msg, 7, &r), PDC_ST_BAD_LENGTH);
	assert_int_equal(fw_call_raw(f->card, msg, 0, &r), PDC_ST_BAD_LENGTH);
	memcpy(msg, &h, sizeof(h));
	assert_int_equal(fw_call_raw(f->card, msg, PDC_MAX_MSG + 1, &r), PDC_ST_BAD_LENGTH);
	assert_int_equal(r.tag, 77);
}

static void test_random(void **state)
{
	struct fx *f = *state;
	struct pdc_random_req q = {.len = 32};
	uint8_t a[32];

	assert_int_equal(fw_call(f->card, PDC_OP_RANDOM, &q, sizeof(q), &r), PDC_ST_OK);
	assert_int_equal(r.len, 32);
	memcpy(a, r.body, 32);
	assert_int_equal(fw_call(f->card, PDC_OP_RANDOM, &q, sizeof(q), &r), PDC_ST_OK);
	assert_memory_not_equal(a, r.body, 32);
	q.len = PDC_RANDOM_MAX;
	assert_int_equal(fw_call(f->card, PDC_OP_RANDOM, &q, sizeof(q), &r), PDC_ST_OK);
	assert_int_equal(r.len, PDC_RANDOM_MAX);
	q.len = PDC_RANDOM_MAX + 1;
	assert_int_equal(fw_call(f->card, PDC_OP_RANDOM, &q, sizeof(q), &r), PDC_ST_BAD_LENGTH);
	q.len = 0;
	assert_int_equal(fw_call(f->card, PDC_OP_RANDOM, &q, sizeof(q), &r), PDC_ST_BAD_LENGTH);
	q.len = 8, q.rsvd = 1;
	assert_int_equal(fw_call(f->card, PDC_OP_RANDOM, &q, sizeof(q), &r), PDC_ST_BAD_PARAM);
	assert_int_equal(fw_call(f->card, PDC_OP_RANDOM, &q, 2, &r), PDC_ST_BAD_LENGTH);
}

static void test_key_slots(void **state)
{
	struct fx *f = *state;
	struct pdc_key_generate_req g = {.slot = 3, .curve = PDC_CURVE_P256};
	struct pdc_slot_req s = {.slot = 3};
	struct pdc_key_public_resp kp;
	struct pdc_key_list_resp kl;
	uint8_t pub[65], pub2[65];

	gen_key(f->card, 3, PDC_CURVE_P256, pub);
	gen_key(f->card, 31, PDC_CURVE_BP256R1, pub2);
	assert_int_equal(fw_call(f->card, PDC_OP_KEY_GENERATE, &g, sizeof(g), &r),
			 PDC_ST_SLOT_IN_USE);
	assert_int_equal(fw_call(f->card, PDC_OP_KEY_GET_PUBLIC, &s, sizeof(s), &r), PDC_ST_OK);
	memcpy(&kp, r.body, sizeof(kp));
	assert_memory_equal(kp.pub, pub, 65);
	assert_int_equal(fw_call(f->card, PDC_OP_KEY_LIST, NULL, 0, &r), PDC_ST_OK);
	memcpy(&kl, r.body, sizeof(kl));
	assert_int_equal(kl.used, (1u << 3) | (1u << 31));
	assert_int_equal(kl.curve[3], PDC_CURVE_P256);
	assert_int_equal(kl.curve[31], PDC_CURVE_BP256R1);
	assert_int_equal(kl.curve[0], 0);

	/* bad inputs */
	g.slot = PDC_KEY_SLOTS;
	assert_int_equal(fw_call(f->card, PDC_OP_KEY_GENERATE, &g, sizeof(g), &r), PDC_ST_BAD_SLOT);
	g.slot = 4, g.curve = 3;
	assert_int_equal(fw_call(f->card, PDC_OP_KEY_GENERATE, &g, sizeof(g), &r),
			 PDC_ST_BAD_CURVE);
	g.curve = 0;
	assert_int_equal(fw_call(f->card, PDC_OP_KEY_GENERATE, &g, sizeof(g), &r),
			 PDC_ST_BAD_CURVE);
	g.curve = PDC_CURVE_P256, g.rsvd = 1;
	assert_int_equal(fw_call(f->card, PDC_OP_KEY_GENERATE, &g, sizeof(g), &r),
			 PDC_ST_BAD_PARAM);
	s.slot = 4;
	assert_int_equal(fw_call(f->card, PDC_OP_KEY_GET_PUBLIC, &s, sizeof(s), &r),
			 PDC_ST_SLOT_EMPTY);
	s.slot = 200;
	assert_int_equal(fw_call(f->card, PDC_OP_KEY_DESTROY, &s, sizeof(s), &r), PDC_ST_BAD_SLOT);
	s.slot = 3, s.rsvd[2] = 9;
	assert_int_equal(fw_call(f->card, PDC_OP_KEY_DESTROY, &s, sizeof(s), &r), PDC_ST_BAD_PARAM);

	/* destroy, then the slot is empty and can be generated again */
	s.rsvd[2] = 0;
	assert_int_equal(fw_call(f->card, PDC_OP_KEY_DESTROY, &s, sizeof(s), &r), PDC_ST_OK);
	assert_int_equal(fw_call(f->card, PDC_OP_KEY_GET_PUBLIC, &s, sizeof(s), &r),
			 PDC_ST_SLOT_EMPTY);
	assert_int_equal(fw_call(f->card, PDC_OP_KEY_DESTROY, &s, sizeof(s), &r),
			 PDC_ST_SLOT_EMPTY);
	gen_key(f->card, 3, PDC_CURVE_P256, pub2);
	assert_memory_not_equal(pub, pub2, 65);
}

static void sign_verify_curve(struct card *c, uint8_t slot, uint8_t curve)
{
	struct pdc_ecdsa_sign_req sq = {.slot = slot, .digest_len = 32};
	struct pdc_ecdsa_verify_req vq = {.curve = curve, .digest_len = 32};
	uint8_t pub[65], sig[64];
	EVP_PKEY *opub, *okey;

	gen_key(c, slot, curve, pub);
	RAND_bytes(sq.digest, 32);
	assert_int_equal(fw_call(c, PDC_OP_ECDSA_SIGN, &sq, sizeof(sq), &r), PDC_ST_OK);
	assert_int_equal(r.len, 64);
	memcpy(sig, r.body, 64);

	/* OpenSSL accepts the card's signature, and rejects it for another digest */
	opub = fw_ossl_from_pub(curve, pub);
	assert_true(fw_ossl_verify(opub, sq.digest, 32, sig));
	sq.digest[0] ^= 0x80;
	assert_false(fw_ossl_verify(opub, sq.digest, 32, sig));
	sq.digest[0] ^= 0x80;

	/* the card's verify accepts it too, and not a flipped one */
	memcpy(vq.pub, pub, 65);
	memcpy(vq.digest, sq.digest, 32);
	memcpy(vq.sig, sig, 64);
	assert_int_equal(fw_call(c, PDC_OP_ECDSA_VERIFY, &vq, sizeof(vq), &r), PDC_ST_OK);
	vq.sig[10] ^= 1;
	assert_int_equal(fw_call(c, PDC_OP_ECDSA_VERIFY, &vq, sizeof(vq), &r),
			 PDC_ST_BAD_SIGNATURE);

	/* and the card verifies what OpenSSL signed */
	okey = fw_ossl_keygen(curve);
	fw_ossl_pub(okey, vq.pub);
	fw_ossl_sign(okey, vq.digest, 32, vq.sig);
	assert_int_equal(fw_call(c, PDC_OP_ECDSA_VERIFY, &vq, sizeof(vq), &r), PDC_ST_OK);
	vq.digest[31] ^= 1;
	assert_int_equal(fw_call(c, PDC_OP_ECDSA_VERIFY, &vq, sizeof(vq), &r),
			 PDC_ST_BAD_SIGNATURE);
	EVP_PKEY_free(opub);
	EVP_PKEY_free(okey);
}

static void test_ecdsa(void **state)
{
	struct fx *f = *state;
	struct pdc_ecdsa_sign_req sq = {.slot = 1, .digest_len = 32};
	struct pdc_ecdsa_verify_req vq = {.curve = PDC_CURVE_P256, .digest_len = 32};
	uint8_t pub[65];
	EVP_PKEY *opub;
	int i;

	for (i = 0; i < 4; i++) {
		sign_verify_curve(f->card, 10 + i, PDC_CURVE_P256);
		sign_verify_curve(f->card, 20 + i, PDC_CURVE_BP256R1);
	}
	/* a 48-byte digest (SHA-384) is truncated as X9.62 says, like OpenSSL */
	gen_key(f->card, 1, PDC_CURVE_P256, pub);
	sq.digest_len = 48;
	RAND_bytes(sq.digest, 48);
	assert_int_equal(fw_call(f->card, PDC_OP_ECDSA_SIGN, &sq, sizeof(sq), &r), PDC_ST_OK);
	opub = fw_ossl_from_pub(PDC_CURVE_P256, pub);
	assert_true(fw_ossl_verify(opub, sq.digest, 48, r.body));
	EVP_PKEY_free(opub);

	/* bad inputs */
	sq.digest_len = 0;
	assert_int_equal(fw_call(f->card, PDC_OP_ECDSA_SIGN, &sq, sizeof(sq), &r),
			 PDC_ST_BAD_LENGTH);
	sq.digest_len = 65;
	assert_int_equal(fw_call(f->card, PDC_OP_ECDSA_SIGN, &sq, sizeof(sq), &r),
			 PDC_ST_BAD_LENGTH);
	sq.digest_len = 32; /* bytes 32..47 still set: not zero */
	assert_int_equal(fw_call(f->card, PDC_OP_ECDSA_SIGN, &sq, sizeof(sq), &r),
			 PDC_ST_BAD_PARAM);
	memset(sq.digest + 32, 0, 32);
	sq.slot = 2;
	assert_int_equal(fw_call(f->card, PDC_OP_ECDSA_SIGN, &sq, sizeof(sq), &r),
			 PDC_ST_SLOT_EMPTY);
	sq.slot = 99;
	assert_int_equal(fw_call(f->card, PDC_OP_ECDSA_SIGN, &sq, sizeof(sq), &r), PDC_ST_BAD_SLOT);
	assert_int_equal(fw_call(f->card, PDC_OP_ECDSA_SIGN, &sq, sizeof(sq) - 1, &r),
			 PDC_ST_BAD_LENGTH);
	/* a public key that is no point */
	memcpy(vq.pub, pub, 65);
	vq.pub[64] ^= 1;
	assert_int_equal(fw_call(f->card, PDC_OP_ECDSA_VERIFY, &vq, sizeof(vq), &r),
			 PDC_ST_BAD_KEY);
	vq.pub[64] ^= 1;
	vq.pub[0] = 0x02;
	assert_int_equal(fw_call(f->card, PDC_OP_ECDSA_VERIFY, &vq, sizeof(vq), &r),
			 PDC_ST_BAD_KEY);
	vq.pub[0] = 0x04;
	vq.curve = 7;
	assert_int_equal(fw_call(f->card, PDC_OP_ECDSA_VERIFY, &vq, sizeof(vq), &r),
			 PDC_ST_BAD_CURVE);
	/* r = s = 0 is no signature */
	vq.curve = PDC_CURVE_P256;
	assert_int_equal(fw_call(f->card, PDC_OP_ECDSA_VERIFY, &vq, sizeof(vq), &r),
			 PDC_ST_BAD_SIGNATURE);
}

/* SESSION_CREATE with an OpenSSL "eUICC"; returns the handle and the receiver. */
static uint32_t make_session(struct card *c, unsigned int curve, struct fw_scp03t *rx)
{
	struct pdc_session_create_req q = {.curve = (uint8_t)curve, .host_id_len = 8};
	struct pdc_session_create_resp resp;
	EVP_PKEY *euicc = fw_ossl_keygen(curve), *otpk;
	uint8_t z[32];

	fw_ossl_pub(euicc, q.peer_pub);
	memset(q.host_id, 0x80, 8);
	RAND_bytes(q.eid, 16);
	assert_int_equal(fw_call(c, PDC_OP_SESSION_CREATE, &q, sizeof(q), &r), PDC_ST_OK);
	assert_int_equal(r.len, sizeof(resp));
	memcpy(&resp, r.body, sizeof(resp));
	assert_int_not_equal(resp.handle, 0);
	otpk = fw_ossl_from_pub(curve, resp.ot_pub);
	fw_ossl_ecdh(euicc, otpk, z);
	fw_ossl_derive(z, q.host_id, 8, q.eid, rx);
	EVP_PKEY_free(euicc);
	EVP_PKEY_free(otpk);
	return resp.handle;
}

/* BSP_SEAL; returns status, TLV in @tlv/@tlv_len */
static uint16_t seal(struct card *c, uint32_t handle, uint8_t tag, const uint8_t *in, size_t in_len,
		     uint8_t *tlv, size_t *tlv_len)
{
	uint8_t body[8 + 1100];
	struct pdc_bsp_seal_req q = {.handle = handle, .tag = tag, .in_len = (uint16_t)in_len};
	struct pdc_bsp_seal_resp resp;

	memcpy(body, &q, sizeof(q));
	memcpy(body + 8, in, in_len);
	if (fw_call(c, PDC_OP_BSP_SEAL, body, 8 + in_len, &r) != PDC_ST_OK)
		return r.status;
	memcpy(&resp, r.body, sizeof(resp));
	assert_int_equal(r.len, 4 + resp.seg_len);
	memcpy(tlv, r.body + 4, resp.seg_len);
	*tlv_len = resp.seg_len;
	return PDC_ST_OK;
}

static void test_sessions_bsp(void **state)
{
	struct fx *f = *state;
	struct fw_scp03t rx;
	uint8_t in[1100], tlv[1100], out[1100];
	size_t tlv_len;
	uint32_t h;
	unsigned int curve;

	for (curve = PDC_CURVE_P256; curve <= PDC_CURVE_BP256R1; curve++) {
		struct pdc_session_req cq;

		h = make_session(f->card, curve, &rx);
		RAND_bytes(in, sizeof(in));
		/* 87, 88, 86 at the edges: 1, 15, 16, 1007 (86/87), 1008 (88) */
		assert_int_equal(seal(f->card, h, 0x87, in, 3, tlv, &tlv_len), PDC_ST_OK);
		assert_int_equal(fw_ossl_open(&rx, tlv, tlv_len, out), 3);
		assert_memory_equal(out, in, 3);
		assert_int_equal(seal(f->card, h, 0x88, in, 1008, tlv, &tlv_len), PDC_ST_OK);
		assert_int_equal(tlv_len, PDC_BSP_MAX_SEGMENT);
		assert_int_equal(fw_ossl_open(&rx, tlv, tlv_len, out), 1008);
		assert_memory_equal(out, in, 1008);
		assert_int_equal(seal(f->card, h, 0x86, in, 1007, tlv, &tlv_len), PDC_ST_OK);
		assert_int_equal(tlv_len, PDC_BSP_MAX_SEGMENT);
		assert_int_equal(fw_ossl_open(&rx, tlv, tlv_len, out), 1007);
		assert_memory_equal(out, in, 1007);
		assert_int_equal(seal(f->card, h, 0x86, in, 16, tlv, &tlv_len), PDC_ST_OK);
		assert_int_equal(fw_ossl_open(&rx, tlv, tlv_len, out), 16);

		/* bad inputs change nothing: the next good segment still opens */
		assert_int_equal(seal(f->card, h, 0x86, in, 1008, tlv, &tlv_len),
				 PDC_ST_BAD_LENGTH);
		assert_int_equal(seal(f->card, h, 0x88, in, 1009, tlv, &tlv_len),
				 PDC_ST_BAD_LENGTH);
		assert_int_equal(seal(f->card, h, 0x87, in, 0, tlv, &tlv_len), PDC_ST_BAD_LENGTH);
		assert_int_equal(seal(f->card, h, 0x85, in, 5, tlv, &tlv_len), PDC_ST_BAD_PARAM);
		assert_int_equal(seal(f->card, h ^ 0x400, 0x87, in, 5, tlv, &tlv_len),
				 PDC_ST_BAD_SESSION);
		assert_int_equal(seal(f->card, 0, 0x87, in, 5, tlv, &tlv_len), PDC_ST_BAD_SESSION);
		assert_int_equal(seal(f->card, h, 0x87, in, 15, tlv, &tlv_len), PDC_ST_OK);
		assert_int_equal(fw_ossl_open(&rx, tlv, tlv_len, out), 15);

		cq.handle = h;
		assert_int_equal(fw_call(f->card, PDC_OP_SESSION_CLOSE, &cq, sizeof(cq), &r),
				 PDC_ST_OK);
		assert_int_equal(seal(f->card, h, 0x87, in, 5, tlv, &tlv_len), PDC_ST_BAD_SESSION);
		assert_int_equal(fw_call(f->card, PDC_OP_SESSION_CLOSE, &cq, sizeof(cq), &r),
				 PDC_ST_BAD_SESSION);
	}
}

static void test_session_create_errors(void **state)
{
	struct fx *f = *state;
	struct pdc_session_create_req q = {.curve = PDC_CURVE_P256, .host_id_len = 8};
	struct pdc_session_req cq;
	EVP_PKEY *k = fw_ossl_keygen(PDC_CURVE_P256);
	struct fw_scp03t rx;
	uint32_t h[4];
	int i;

	fw_ossl_pub(k, q.peer_pub);
	q.host_id_len = 0;
	assert_int_equal(fw_call(f->card, PDC_OP_SESSION_CREATE, &q, sizeof(q), &r),
			 PDC_ST_BAD_LENGTH);
	q.host_id_len = 17;
	assert_int_equal(fw_call(f->card, PDC_OP_SESSION_CREATE, &q, sizeof(q), &r),
			 PDC_ST_BAD_LENGTH);
	q.host_id_len = 2, q.host_id[5] = 1;
	assert_int_equal(fw_call(f->card, PDC_OP_SESSION_CREATE, &q, sizeof(q), &r),
			 PDC_ST_BAD_PARAM);
	q.host_id[5] = 0, q.curve = 9;
	assert_int_equal(fw_call(f->card, PDC_OP_SESSION_CREATE, &q, sizeof(q), &r),
			 PDC_ST_BAD_CURVE);
	/* a P-256 point is no brainpool point */
	q.curve = PDC_CURVE_BP256R1;
	assert_int_equal(fw_call(f->card, PDC_OP_SESSION_CREATE, &q, sizeof(q), &r),
			 PDC_ST_BAD_KEY);
	q.curve = PDC_CURVE_P256, q.rsvd2[1] = 1;
	assert_int_equal(fw_call(f->card, PDC_OP_SESSION_CREATE, &q, sizeof(q), &r),
			 PDC_ST_BAD_PARAM);
	EVP_PKEY_free(k);

	/* the table holds 4 (max_sessions of this card) */
	for (i = 0; i < 4; i++)
		h[i] = make_session(f->card, PDC_CURVE_P256, &rx);
	q.rsvd2[1] = 0;
	assert_int_equal(fw_call(f->card, PDC_OP_SESSION_CREATE, &q, sizeof(q), &r),
			 PDC_ST_NO_RESOURCES);
	cq.handle = h[2];
	assert_int_equal(fw_call(f->card, PDC_OP_SESSION_CLOSE, &cq, sizeof(cq), &r), PDC_ST_OK);
	h[2] = make_session(f->card, PDC_CURVE_P256, &rx);
	/* handles differ even in the same table slot */
	assert_int_not_equal(h[2], cq.handle);
	card_reset(f->card);
	for (i = 0; i < 4; i++) {
		cq.handle = h[i];
		assert_int_equal(fw_call(f->card, PDC_OP_SESSION_CLOSE, &cq, sizeof(cq), &r),
				 PDC_ST_BAD_SESSION);
	}
}

static void test_replace_keys(void **state)
{
	struct fx *f = *state;
	struct pdc_session_req q;
	struct pdc_replace_keys_resp resp;
	struct fw_scp03t rx, ppk;
	uint8_t tlv[1100], out[1100], in[600];
	size_t tlv_len;
	uint32_t h;

	h = make_session(f->card, PDC_CURVE_P256, &rx);
	RAND_bytes(in, sizeof(in));
	assert_int_equal(seal(f->card, h, 0x87, in, 4, tlv, &tlv_len), PDC_ST_OK);
	assert_int_equal(fw_ossl_open(&rx, tlv, tlv_len, out), 4);

	q.handle = h;
	assert_int_equal(fw_call(f->card, PDC_OP_SESSION_REPLACE_KEYS, &q, sizeof(q), &r),
			 PDC_ST_OK);
	memcpy(&resp, r.body, sizeof(resp));
	assert_int_equal(r.len, sizeof(resp) + resp.seg_len);
	assert_int_not_equal(resp.new_handle, h);
	assert_int_equal(r.body[sizeof(resp)], 0x87);
	/* BF26 {80 MCV, 81 ppkEnc, 82 ppkCmac} under the old session */
	assert_int_equal(fw_ossl_open(&rx, r.body + sizeof(resp), resp.seg_len, out), 57);
	assert_int_equal(out[0], 0xbf);
	assert_int_equal(out[1], 0x26);
	assert_int_equal(out[2], 54);
	assert_int_equal(out[3], 0x80);
	assert_int_equal(out[21], 0x81);
	assert_int_equal(out[39], 0x82);
	memcpy(ppk.mcv, out + 5, 16);
	memcpy(ppk.enc, out + 23, 16);
	memcpy(ppk.mac, out + 41, 16);
	ppk.counter = 1;
	/* the new session seals with the PPKs */
	assert_int_equal(seal(f->card, resp.new_handle, 0x86, in, 600, tlv, &tlv_len), PDC_ST_OK);
	assert_int_equal(fw_ossl_open(&ppk, tlv, tlv_len, out), 600);
	assert_memory_equal(out, in, 600);
	/* the old session goes on where the 87 left it */
	assert_int_equal(seal(f->card, h, 0x88, in, 20, tlv, &tlv_len), PDC_ST_OK);
	assert_int_equal(fw_ossl_open(&rx, tlv, tlv_len, out), 20);
	q.handle = 12345;
	assert_int_equal(fw_call(f->card, PDC_OP_SESSION_REPLACE_KEYS, &q, sizeof(q), &r),
			 PDC_ST_BAD_SESSION);
}

static void test_ecdh_raw(void **state)
{
	struct fx *f = *state;
	struct pdc_ecdh_raw_req q = {.curve = PDC_CURVE_P256};
	EVP_PKEY *a = fw_ossl_keygen(PDC_CURVE_P256), *b = fw_ossl_keygen(PDC_CURVE_P256);
	uint8_t pub[65], z[32];

	fw_ossl_priv(a, q.priv);
	fw_ossl_pub(a, pub);
	assert_int_equal(fw_call(f->card, PDC_OP_ECDH_RAW_PUBLIC, &q, sizeof(q), &r), PDC_ST_OK);
	assert_int_equal(r.len, sizeof(struct pdc_ecdh_public_resp));
	assert_memory_equal(r.body, pub, 65);

	fw_ossl_pub(b, q.peer_pub);
	assert_int_equal(fw_call(f->card, PDC_OP_ECDH_RAW_PUBLIC, &q, sizeof(q), &r),
			 PDC_ST_BAD_PARAM);
	assert_int_equal(fw_call(f->card, PDC_OP_ECDH_RAW_SHARED, &q, sizeof(q), &r), PDC_ST_OK);
	assert_int_equal(r.len, 32);
	fw_ossl_ecdh(b, a, z);
	assert_memory_equal(r.body, z, 32);

	q.peer_pub[40] ^= 1;
	assert_int_equal(fw_call(f->card, PDC_OP_ECDH_RAW_SHARED, &q, sizeof(q), &r),
			 PDC_ST_BAD_KEY);
	q.peer_pub[40] ^= 1;
	memset(q.priv, 0, 32); /* d = 0 */
	assert_int_equal(fw_call(f->card, PDC_OP_ECDH_RAW_SHARED, &q, sizeof(q), &r),
			 PDC_ST_BAD_KEY);
	memset(q.priv, 0xff, 32); /* d >= n */
	assert_int_equal(fw_call(f->card, PDC_OP_ECDH_RAW_SHARED, &q, sizeof(q), &r),
			 PDC_ST_BAD_KEY);
	q.curve = 0;
	assert_int_equal(fw_call(f->card, PDC_OP_ECDH_RAW_SHARED, &q, sizeof(q), &r),
			 PDC_ST_BAD_CURVE);
	EVP_PKEY_free(a);
	EVP_PKEY_free(b);
}

/* Z of a slot key with a peer equals OpenSSL's Z of the peer with the slot's public key. */
static void ecdh_slot_curve(struct card *c, uint8_t slot, uint8_t curve)
{
	struct pdc_ecdh_slot_req q = {.slot = slot};
	EVP_PKEY *peer = fw_ossl_keygen(curve), *slot_key;
	uint8_t pub[65], z[32];

	gen_key(c, slot, curve, pub);
	slot_key = fw_ossl_from_pub(curve, pub);
	fw_ossl_pub(peer, q.peer_pub);
	assert_int_equal(fw_call(c, PDC_OP_ECDH_SLOT, &q, sizeof(q), &r), PDC_ST_OK);
	assert_int_equal(r.len, PDC_SHARED_LEN);
	fw_ossl_ecdh(peer, slot_key, z);
	assert_memory_equal(r.body, z, 32);
	EVP_PKEY_free(peer);
	EVP_PKEY_free(slot_key);
}

static void test_ecdh_slot(void **state)
{
	struct fx *f = *state;
	struct pdc_ecdh_slot_req q = {.slot = 2};
	struct pdc_slot_req sr = {.slot = 2};
	EVP_PKEY *p256 = fw_ossl_keygen(PDC_CURVE_P256);
	uint8_t good[65];

	ecdh_slot_curve(f->card, 2, PDC_CURVE_P256);
	ecdh_slot_curve(f->card, 3, PDC_CURVE_BP256R1);
	fw_ossl_pub(p256, good);
	memcpy(q.peer_pub, good, 65);
	assert_int_equal(fw_call(f->card, PDC_OP_ECDH_SLOT, &q, sizeof(q), &r), PDC_ST_OK);

	/* bad inputs: each refused with its status and an empty body */
	q.peer_pub[40] ^= 1; /* off the curve */
	assert_int_equal(fw_call(f->card, PDC_OP_ECDH_SLOT, &q, sizeof(q), &r), PDC_ST_BAD_KEY);
	q.peer_pub[40] ^= 1;
	q.peer_pub[0] = 0x02; /* compressed points are not taken */
	assert_int_not_equal(fw_call(f->card, PDC_OP_ECDH_SLOT, &q, sizeof(q), &r), PDC_ST_OK);
	q.peer_pub[0] = 0x04;
	q.slot = 3; /* a P-256 point against the brainpool slot */
	assert_int_equal(fw_call(f->card, PDC_OP_ECDH_SLOT, &q, sizeof(q), &r), PDC_ST_BAD_KEY);
	q.slot = 4; /* empty */
	assert_int_equal(fw_call(f->card, PDC_OP_ECDH_SLOT, &q, sizeof(q), &r), PDC_ST_SLOT_EMPTY);
	q.slot = PDC_KEY_SLOTS;
	assert_int_equal(fw_call(f->card, PDC_OP_ECDH_SLOT, &q, sizeof(q), &r), PDC_ST_BAD_SLOT);
	q.slot = 2;
	q.rsvd[1] = 1;
	assert_int_equal(fw_call(f->card, PDC_OP_ECDH_SLOT, &q, sizeof(q), &r), PDC_ST_BAD_PARAM);
	q.rsvd[1] = 0;
	q.rsvd2[2] = 1;
	assert_int_equal(fw_call(f->card, PDC_OP_ECDH_SLOT, &q, sizeof(q), &r), PDC_ST_BAD_PARAM);
	q.rsvd2[2] = 0;
	assert_int_equal(fw_call(f->card, PDC_OP_ECDH_SLOT, &q, sizeof(q) - 1, &r),
			 PDC_ST_BAD_LENGTH);
	assert_int_equal(r.len, 0);
	/* nothing changed: the key is still there and still agrees */
	assert_int_equal(fw_call(f->card, PDC_OP_KEY_GET_PUBLIC, &sr, sizeof(sr), &r), PDC_ST_OK);
	assert_int_equal(fw_call(f->card, PDC_OP_ECDH_SLOT, &q, sizeof(q), &r), PDC_ST_OK);
	/* a destroyed key is gone for ECDH too */
	assert_int_equal(fw_call(f->card, PDC_OP_KEY_DESTROY, &sr, sizeof(sr), &r), PDC_ST_OK);
	assert_int_equal(fw_call(f->card, PDC_OP_ECDH_SLOT, &q, sizeof(q), &r), PDC_ST_SLOT_EMPTY);
	EVP_PKEY_free(p256);
}

static uint16_t aes_cbc(struct card *c, uint8_t key_len, uint8_t dir, const uint8_t *key,
			const uint8_t iv[16], const uint8_t *in, size_t len)
{
	uint8_t body[sizeof(struct pdc_aes_cbc_req) + PDC_AES_MAX_DATA + 16];
	struct pdc_aes_cbc_req q = {.key_len = key_len, .dir = dir, .data_len = (uint16_t)len};

	memcpy(q.key, key, key_len);
	memcpy(q.iv, iv, 16);
	memcpy(body, &q, sizeof(q));
	memcpy(body + sizeof(q), in, len);
	return fw_call(c, PDC_OP_AES_CBC, body, sizeof(q) + len, &r);
}

static void test_aes_cbc(void **state)
{
	struct fx *f = *state;
	static uint8_t in[PDC_AES_MAX_DATA + 16], ref[PDC_AES_MAX_DATA + 16];
	uint8_t key[32], iv[16];
	const EVP_CIPHER *ciph[] = {EVP_aes_128_cbc(), EVP_aes_192_cbc(), EVP_aes_256_cbc()};
	int k;

	RAND_bytes(in, sizeof(in));
	RAND_bytes(key, sizeof(key));
	RAND_bytes(iv, sizeof(iv));
	for (k = 0; k < 3; k++) {
		uint8_t kl = (uint8_t)(16 + 8 * k);
		EVP_CIPHER_CTX *cx = EVP_CIPHER_CTX_new();
		int n = 0;

		EVP_EncryptInit_ex(cx, ciph[k], NULL, key, iv);
		EVP_CIPHER_CTX_set_padding(cx, 0);
		EVP_EncryptUpdate(cx, ref, &n, in, PDC_AES_MAX_DATA);
		EVP_CIPHER_CTX_free(cx);
		assert_int_equal(
		    aes_cbc(f->card, kl, PDC_AES_ENCRYPT, key, iv, in, PDC_AES_MAX_DATA),
		    PDC_ST_OK);
		assert_int_equal(r.len, 20 + PDC_AES_MAX_DATA);
		assert_memory_equal(r.body + 20, ref, PDC_AES_MAX_DATA);
		assert_memory_equal(r.body, ref + PDC_AES_MAX_DATA - 16, 16); /* iv_out */
		assert_int_equal(aes_cbc(f->card, kl, PDC_AES_DECRYPT, key, iv, ref, 64),
				 PDC_ST_OK);
		assert_memory_equal(r.body + 20, in, 64);
		assert_memory_equal(r.body, ref + 48, 16);
	}
	assert_int_equal(aes_cbc(f->card, 20, PDC_AES_ENCRYPT, key, iv, in, 16), PDC_ST_BAD_LENGTH);
	assert_int_equal(aes_cbc(f->card, 16, 2, key, iv, in, 16), PDC_ST_BAD_PARAM);
	assert_int_equal(aes_cbc(f->card, 16, PDC_AES_ENCRYPT, key, iv, in, 17), PDC_ST_BAD_LENGTH);
	assert_int_equal(aes_cbc(f->card, 16, PDC_AES_ENCRYPT, key, iv, in, 0), PDC_ST_BAD_LENGTH);
	assert_int_equal(aes_cbc(f->card, 16, PDC_AES_ENCRYPT, key, iv, in, PDC_AES_MAX_DATA + 16),
			 PDC_ST_BAD_LENGTH);
	/* key bytes beyond key_len must be 0: key has 32 random bytes */
	assert_int_equal(aes_cbc(f->card, 16, PDC_AES_ENCRYPT, key, iv, in, 16), PDC_ST_OK);
}

static uint16_t cmac(struct card *c, uint8_t key_len, const uint8_t *key, uint8_t flags,
		     uint8_t state[16], const uint8_t *in, size_t len)
{
	uint8_t body[sizeof(struct pdc_aes_cmac_req) + PDC_AES_MAX_DATA];
	struct pdc_aes_cmac_req q = {.key_len = key_len, .flags = flags, .data_len = (uint16_t)len};

	memcpy(q.key, key, key_len);
	memcpy(q.state, state, 16);
	memcpy(body, &q, sizeof(q));
	memcpy(body + sizeof(q), in, len);
	if (fw_call(c, PDC_OP_AES_CMAC, body, sizeof(q) + len, &r) == PDC_ST_OK) {
		assert_int_equal(r.len, 16);
		memcpy(state, r.body, 16);
	}
	return r.status;
}

static void test_aes_cmac(void **state)
{
	struct fx *f = *state;
	static const size_t lens[] = {0, 1, 15, 16, 17, 32, 100, 1000};
	uint8_t key[32], in[1000], ref[16], st[16];
	size_t i, kl;

	RAND_bytes(key, sizeof(key));
	RAND_bytes(in, sizeof(in));
	for (kl = 16; kl <= 32; kl += 8) {
		for (i = 0; i < sizeof(lens) / sizeof(lens[0]); i++) {
			size_t len = lens[i], head;

			fw_ossl_cmac(key, kl, in, len, ref);
			memset(st, 0, 16);
			assert_int_equal(
			    cmac(f->card, (uint8_t)kl, key, PDC_CMAC_FINAL, st, in, len),
			    PDC_ST_OK);
			assert_memory_equal(st, ref, 16);
			/* chunked: whole blocks first, the final chunk keeps 1..16+ bytes */
			if (len <= 16)
				continue;
			head = (len - 1) / 16 * 16;
			memset(st, 0, 16);
			assert_int_equal(cmac(f->card, (uint8_t)kl, key, 0, st, in, 16), PDC_ST_OK);
			if (head > 16)
				assert_int_equal(
				    cmac(f->card, (uint8_t)kl, key, 0, st, in + 16, head - 16),
				    PDC_ST_OK);
			assert_int_equal(cmac(f->card, (uint8_t)kl, key, PDC_CMAC_FINAL, st,
					      in + head, len - head),
					 PDC_ST_OK);
			assert_memory_equal(st, ref, 16);
		}
	}
	memset(st, 0, 16);
	assert_int_equal(cmac(f->card, 16, key, 0, st, in, 15), PDC_ST_BAD_LENGTH);
	assert_int_equal(cmac(f->card, 16, key, 0, st, in, 0), PDC_ST_BAD_LENGTH);
	assert_int_equal(cmac(f->card, 16, key, 2, st, in, 16), PDC_ST_BAD_PARAM);
	st[0] = 1;
	assert_int_equal(cmac(f->card, 16, key, PDC_CMAC_FINAL, st, in, 0), PDC_ST_BAD_LENGTH);
	assert_int_equal(cmac(f->card, 17, key, PDC_CMAC_FINAL, st, in, 1), PDC_ST_BAD_LENGTH);
}

static void test_counters(void **state)
{
	struct fx *f = *state;
	struct pdc_random_req q = {.len = 10};
	struct pdc_counters cnt;
	uint8_t pub[65];

	gen_key(f->card, 0, PDC_CURVE_P256, pub);
	assert_int_equal(fw_call(f->card, PDC_OP_RANDOM, &q, sizeof(q), &r), PDC_ST_OK);
	assert_int_equal(fw_call(f->card, 0x9999, NULL, 0, &r), PDC_ST_BAD_OPCODE);
	assert_int_equal(fw_call(f->card, PDC_OP_GET_COUNTERS, NULL, 0, &r), PDC_ST_OK);
	assert_int_equal(r.len, sizeof(cnt));
	memcpy(&cnt, r.body, sizeof(cnt));
	assert_int_equal(cnt.requests, 3); /* GET_COUNTERS itself not yet */
	assert_int_equal(cnt.errors, 1);
	assert_int_equal(cnt.random_bytes, 10);
	assert_int_equal(cnt.keys_stored, 1);
	assert_int_equal(cnt.sessions_open, 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown(test_info_selftest, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_header_errors, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_random, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_key_slots, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_ecdsa, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_sessions_bsp, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_session_create_errors, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_replace_keys, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_ecdh_raw, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_ecdh_slot, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_aes_cbc, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_aes_cmac, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_counters, setup, teardown),
	};

	cmocka_set_message_output(CM_OUTPUT_TAP);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
