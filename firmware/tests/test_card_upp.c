// SPDX-License-Identifier: Apache-2.0
/*
 * test_card_upp.c - stock keys and sealed UPPs on the card (protocol 1.3):
 * the key wrap against OpenSSL and RFC 3394, a UPP sealed by OpenSSL opened
 * on the card and sealed as 86 segments that an independent SCP03t receiver
 * opens to the same bytes; every tampered field, bad length and bad order
 * refused with nothing output, and nothing changed by a refused request.
 */
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>
#include <openssl/rand.h>

#include "fw_test_util.h"
#include "keywrap.h"

#define STOCK_SLOT 5
#define EC_SLOT 6

struct fx {
	char *dir;
	struct card *card;
};

static struct fw_resp r;

static int setup(void **state)
{
	struct fx *f = calloc(1, sizeof(*f));
	struct pdc_slot_req s = {.slot = STOCK_SLOT};
	struct pdc_key_generate_req g = {.slot = EC_SLOT, .curve = PDC_CURVE_P256};

	f->dir = fw_tmpdir();
	f->card = fw_card_open(f->dir, 20);
	assert_int_equal(fw_call(f->card, PDC_OP_STOCK_KEY_GENERATE, &s, sizeof(s), &r), PDC_ST_OK);
	assert_int_equal(r.len, 0);
	assert_int_equal(fw_call(f->card, PDC_OP_KEY_GENERATE, &g, sizeof(g), &r), PDC_ST_OK);
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

/* A sealed UPP as the inventory stores it, made with OpenSSL and the card's STOCK_WRAP. */
struct sealed {
	uint8_t aad[24];
	size_t aad_len;
	uint8_t wrapped[40], nonce[12], tag[16];
	uint8_t *pt, *ct;
	size_t len;
};

static void gcm_seal(const uint8_t dk[32], struct sealed *s)
{
	EVP_CIPHER_CTX *cx = EVP_CIPHER_CTX_new();
	int n;

	assert_true(EVP_EncryptInit_ex2(cx, EVP_aes_256_gcm(), dk, s->nonce, NULL));
	assert_true(EVP_EncryptUpdate(cx, NULL, &n, s->aad, (int)s->aad_len));
	assert_true(EVP_EncryptUpdate(cx, s->ct, &n, s->pt, (int)s->len));
	assert_true(EVP_EncryptFinal_ex(cx, s->ct + n, &n));
	assert_true(EVP_CIPHER_CTX_ctrl(cx, EVP_CTRL_GCM_GET_TAG, 16, s->tag));
	EVP_CIPHER_CTX_free(cx);
}

static void make_sealed(struct card *c, size_t len, struct sealed *s)
{
	struct pdc_stock_wrap_req w = {.slot = STOCK_SLOT};
	static const char aad[] = "PDS\001"
				  "8944500000000000001";

	memset(s, 0, sizeof(*s));
	s->aad_len = sizeof(aad) - 1;
	memcpy(s->aad, aad, s->aad_len);
	s->len = len;
	s->pt = malloc(len);
	s->ct = malloc(len);
	RAND_bytes(s->pt, (int)len);
	RAND_bytes(w.key, sizeof(w.key));
	RAND_bytes(s->nonce, sizeof(s->nonce));
	assert_int_equal(fw_call(c, PDC_OP_STOCK_WRAP, &w, sizeof(w), &r), PDC_ST_OK);
	assert_int_equal(r.len, 40);
	memcpy(s->wrapped, r.body, 40);
	gcm_seal(w.key, s);
}

static void free_sealed(struct sealed *s)
{
	free(s->pt);
	free(s->ct);
}

static uint32_t make_session(struct card *c, struct fw_scp03t *rx)
{
	struct pdc_session_create_req q = {.curve = PDC_CURVE_P256, .host_id_len = 8};
	struct pdc_session_create_resp resp;
	EVP_PKEY *euicc = fw_ossl_keygen(PDC_CURVE_P256), *otpk;
	uint8_t z[32];

	fw_ossl_pub(euicc, q.peer_pub);
	memset(q.host_id, 0x80, 8);
	RAND_bytes(q.eid, 16);
	assert_int_equal(fw_call(c, PDC_OP_SESSION_CREATE, &q, sizeof(q), &r), PDC_ST_OK);
	memcpy(&resp, r.body, sizeof(resp));
	otpk = fw_ossl_from_pub(PDC_CURVE_P256, resp.ot_pub);
	fw_ossl_ecdh(euicc, otpk, z);
	fw_ossl_derive(z, q.host_id, 8, q.eid, rx);
	EVP_PKEY_free(euicc);
	EVP_PKEY_free(otpk);
	return resp.handle;
}

static uint16_t upp_open(struct card *c, uint32_t h, uint8_t slot, const struct sealed *s)
{
	struct pdc_upp_open_req q = {.handle = h, .slot = slot, .aad_len = (uint8_t)s->aad_len};

	q.ct_len = (uint32_t)s->len;
	memcpy(q.wrapped, s->wrapped, 40);
	memcpy(q.nonce, s->nonce, 12);
	memcpy(q.aad, s->aad, s->aad_len);
	return fw_call(c, PDC_OP_UPP_OPEN, &q, sizeof(q), &r);
}

static uint16_t upp_data(struct card *c, uint32_t h, uint32_t off, const uint8_t *p, size_t n)
{
	static uint8_t body[sizeof(struct pdc_upp_data_req) + PDC_UPP_DATA_MAX + 16];
	struct pdc_upp_data_req q = {.handle = h, .offset = off, .len = (uint16_t)n};

	memcpy(body, &q, sizeof(q));
	memcpy(body + sizeof(q), p, n);
	return fw_call(c, PDC_OP_UPP_DATA, body, sizeof(q) + n, &r);
}

static uint16_t upp_feed(struct card *c, uint32_t h, const struct sealed *s)
{
	size_t off, n;
	uint16_t st;

	for (off = 0; off < s->len; off += n) {
		n = s->len - off < PDC_UPP_DATA_MAX ? s->len - off : PDC_UPP_DATA_MAX;
		st = upp_data(c, h, (uint32_t)off, s->ct + off, n);
		if (st)
			return st;
		assert_int_equal(r.len, 0);
	}
	return PDC_ST_OK;
}

static uint16_t upp_finish(struct card *c, uint32_t h, const uint8_t tag[16])
{
	struct pdc_upp_finish_req q = {.handle = h};

	memcpy(q.tag, tag, 16);
	return fw_call(c, PDC_OP_UPP_FINISH, &q, sizeof(q), &r);
}

/* UPP_SEAL of @n bytes; the TLV into @tlv. */
static uint16_t upp_seal(struct card *c, uint32_t h, uint8_t tag, size_t n, uint8_t *tlv,
			 size_t *tlv_len)
{
	struct pdc_bsp_seal_req q = {.handle = h, .tag = tag, .in_len = (uint16_t)n};
	struct pdc_bsp_seal_resp resp;

	if (fw_call(c, PDC_OP_UPP_SEAL, &q, sizeof(q), &r) != PDC_ST_OK) {
		assert_int_equal(r.len, 0);
		return r.status;
	}
	memcpy(&resp, r.body, sizeof(resp));
	assert_int_equal(r.len, 4 + resp.seg_len);
	memcpy(tlv, r.body + 4, resp.seg_len);
	*tlv_len = resp.seg_len;
	return PDC_ST_OK;
}

/* Seal all of @s in 1007-byte segments and open them with @rx: the plaintext comes back. */
static void seal_all(struct card *c, uint32_t h, struct fw_scp03t *rx, const struct sealed *s)
{
	uint8_t tlv[1100], out[1100];
	size_t off, n, tlv_len;

	for (off = 0; off < s->len; off += n) {
		n = s->len - off < PDC_BSP_MAX_PLAIN_ENC ? s->len - off : PDC_BSP_MAX_PLAIN_ENC;
		assert_int_equal(upp_seal(c, h, 0x86, n, tlv, &tlv_len), PDC_ST_OK);
		assert_int_equal(tlv[0], 0x86);
		assert_int_equal(fw_ossl_open(rx, tlv, tlv_len, out), (int)n);
		assert_memory_equal(out, s->pt + off, n);
	}
}

static void test_keywrap(void **state)
{
	/* RFC 3394 4.6: 256 bits of key data with a 256-bit KEK */
	uint8_t kek[32], key[32], want[40], got[40], back[32];
	EVP_CIPHER_CTX *cx;
	int n, m;

	(void)state;
	fw_hex("000102030405060708090A0B0C0D0E0F101112131415161718191A1B1C1D1E1F", kek, 32);
	fw_hex("00112233445566778899AABBCCDDEEFF000102030405060708090A0B0C0D0E0F", key, 32);
	fw_hex("28C9F404C4B810F4CBCCB35CFB87F8263F5786E2D80ED326CBC7F0E71A99F43BFB988B9B7A02DD21",
	       want, 40);
	assert_int_equal(keywrap_wrap(kek, key, got), PDC_ST_OK);
	assert_memory_equal(got, want, 40);
	assert_int_equal(keywrap_unwrap(kek, got, back), PDC_ST_OK);
	assert_memory_equal(back, key, 32);
	got[39] ^= 1;
	assert_int_equal(keywrap_unwrap(kek, got, back), PDC_ST_KEY_REJECTED);
	assert_true(fw_hex("00", back, 1) == 1);

	/* the same bytes as OpenSSL's AES-256 wrap, the soft path's */
	RAND_bytes(kek, 32);
	RAND_bytes(key, 32);
	cx = EVP_CIPHER_CTX_new();
	assert_true(EVP_EncryptInit_ex2(cx, EVP_aes_256_wrap(), kek, NULL, NULL));
	assert_true(EVP_EncryptUpdate(cx, want, &n, key, 32));
	assert_true(EVP_EncryptFinal_ex(cx, want + n, &m));
	assert_int_equal(n + m, 40);
	EVP_CIPHER_CTX_free(cx);
	assert_int_equal(keywrap_wrap(kek, key, got), PDC_ST_OK);
	assert_memory_equal(got, want, 40);
}

static void test_stock_slots(void **state)
{
	struct fx *f = *state;
	struct pdc_slot_req s = {.slot = STOCK_SLOT};
	struct pdc_stock_wrap_req w = {.slot = STOCK_SLOT};
	struct pdc_ecdsa_sign_req sg = {.slot = STOCK_SLOT, .digest_len = 32};
	struct pdc_ecdh_slot_req eh = {.slot = STOCK_SLOT};
	struct pdc_key_list_resp kl;
	uint8_t first[40];

	/* in the list, as a stock key; no public half, no ECDSA, no ECDH */
	assert_int_equal(fw_call(f->card, PDC_OP_KEY_LIST, NULL, 0, &r), PDC_ST_OK);
	memcpy(&kl, r.body, sizeof(kl));
	assert_true(kl.used & (1u << STOCK_SLOT));
	assert_int_equal(kl.curve[STOCK_SLOT], PDC_KEY_STOCK_AES256);
	assert_int_equal(fw_call(f->card, PDC_OP_KEY_GET_PUBLIC, &s, sizeof(s), &r),
			 PDC_ST_BAD_KEY);
	assert_int_equal(fw_call(f->card, PDC_OP_ECDSA_SIGN, &sg, sizeof(sg), &r), PDC_ST_BAD_KEY);
	eh.peer_pub[0] = 4;
	assert_int_equal(fw_call(f->card, PDC_OP_ECDH_SLOT, &eh, sizeof(eh), &r), PDC_ST_BAD_KEY);
	/* occupied slots refused, bad slot, reserved bytes */
	assert_int_equal(fw_call(f->card, PDC_OP_STOCK_KEY_GENERATE, &s, sizeof(s), &r),
			 PDC_ST_SLOT_IN_USE);
	s.slot = EC_SLOT;
	assert_int_equal(fw_call(f->card, PDC_OP_STOCK_KEY_GENERATE, &s, sizeof(s), &r),
			 PDC_ST_SLOT_IN_USE);
	s.slot = PDC_KEY_SLOTS;
	assert_int_equal(fw_call(f->card, PDC_OP_STOCK_KEY_GENERATE, &s, sizeof(s), &r),
			 PDC_ST_BAD_SLOT);
	s.slot = 9;
	s.rsvd[1] = 1;
	assert_int_equal(fw_call(f->card, PDC_OP_STOCK_KEY_GENERATE, &s, sizeof(s), &r),
			 PDC_ST_BAD_PARAM);
	assert_int_equal(fw_call(f->card, PDC_OP_STOCK_KEY_GENERATE, &s, 3, &r), PDC_ST_BAD_LENGTH);

	/* wrap: deterministic per key, only with a stock key */
	memset(w.key, 0x5a, 32);
	assert_int_equal(fw_call(f->card, PDC_OP_STOCK_WRAP, &w, sizeof(w), &r), PDC_ST_OK);
	assert_int_equal(r.len, 40);
	memcpy(first, r.body, 40);
	assert_int_equal(fw_call(f->card, PDC_OP_STOCK_WRAP, &w, sizeof(w), &r), PDC_ST_OK);
	assert_memory_equal(r.body, first, 40);
	w.slot = EC_SLOT;
	assert_int_equal(fw_call(f->card, PDC_OP_STOCK_WRAP, &w, sizeof(w), &r), PDC_ST_BAD_KEY);
	w.slot = 9;
	assert_int_equal(fw_call(f->card, PDC_OP_STOCK_WRAP, &w, sizeof(w), &r), PDC_ST_SLOT_EMPTY);
	w.slot = 200;
	assert_int_equal(fw_call(f->card, PDC_OP_STOCK_WRAP, &w, sizeof(w), &r), PDC_ST_BAD_SLOT);
	w.slot = STOCK_SLOT;
	w.rsvd[0] = 1;
	assert_int_equal(fw_call(f->card, PDC_OP_STOCK_WRAP, &w, sizeof(w), &r), PDC_ST_BAD_PARAM);

	/* the stock key survives a restart of the card (the key store) */
	card_close(f->card);
	f->card = fw_card_open(f->dir, 20);
	w.rsvd[0] = 0;
	assert_int_equal(fw_call(f->card, PDC_OP_STOCK_WRAP, &w, sizeof(w), &r), PDC_ST_OK);
	assert_memory_equal(r.body, first, 40);
	/* and goes with KEY_DESTROY */
	s.slot = STOCK_SLOT;
	s.rsvd[1] = 0;
	assert_int_equal(fw_call(f->card, PDC_OP_KEY_DESTROY, &s, sizeof(s), &r), PDC_ST_OK);
	assert_int_equal(fw_call(f->card, PDC_OP_STOCK_WRAP, &w, sizeof(w), &r), PDC_ST_SLOT_EMPTY);
}

static void test_good_path(void **state)
{
	struct fx *f = *state;
	static const size_t lens[] = {1, 16, 1007, 1008, 4064, 4065, 30001};
	struct fw_scp03t rx;
	struct sealed s;
	uint8_t tlv[1100], out[1100];
	size_t i, tlv_len;
	uint32_t h;

	for (i = 0; i < sizeof(lens) / sizeof(lens[0]); i++) {
		make_sealed(f->card, lens[i], &s);
		h = make_session(f->card, &rx);
		/* a segment before and after the UPP on the same session: it stays in step */
		assert_int_equal(upp_open(f->card, h, STOCK_SLOT, &s), PDC_ST_OK);
		assert_int_equal(r.len, 0);
		assert_int_equal(upp_feed(f->card, h, &s), PDC_ST_OK);
		assert_int_equal(upp_finish(f->card, h, s.tag), PDC_ST_OK);
		assert_int_equal(r.len, 0);
		seal_all(f->card, h, &rx, &s);
		/* all sealed: the UPP is gone, the session goes on */
		assert_int_equal(upp_seal(f->card, h, 0x86, 1, tlv, &tlv_len), PDC_ST_BAD_PARAM);
		{
			uint8_t body[8 + 5] = {0};
			struct pdc_bsp_seal_req q = {.handle = h, .tag = 0x87, .in_len = 5};
			struct pdc_session_req cq = {.handle = h};

			memcpy(body, &q, 8);
			assert_int_equal(fw_call(f->card, PDC_OP_BSP_SEAL, body, sizeof(body), &r),
					 PDC_ST_OK);
			assert_int_equal(fw_ossl_open(&rx, r.body + 4, r.len - 4, out), 5);
			assert_int_equal(
			    fw_call(f->card, PDC_OP_SESSION_CLOSE, &cq, sizeof(cq), &r), PDC_ST_OK);
		}
		free_sealed(&s);
	}
}

/* A UPP with one thing wrong is refused where it shows, with an empty body. */
static void test_tampered(void **state)
{
	struct fx *f = *state;
	struct fw_scp03t rx;
	struct sealed s;
	uint8_t tlv[1100], bad[16];
	size_t tlv_len;
	uint32_t h;
	int what;

	make_sealed(f->card, 5000, &s);
	for (what = 0; what < 5; what++) {
		h = make_session(f->card, &rx);
		switch (what) {
		case 0: /* wrapped key */
			s.wrapped[3] ^= 0x10;
			assert_int_equal(upp_open(f->card, h, STOCK_SLOT, &s), PDC_ST_KEY_REJECTED);
			s.wrapped[3] ^= 0x10;
			break;
		case 1: /* ciphertext */
			s.ct[4321] ^= 1;
			assert_int_equal(upp_open(f->card, h, STOCK_SLOT, &s), PDC_ST_OK);
			assert_int_equal(upp_feed(f->card, h, &s), PDC_ST_OK);
			assert_int_equal(upp_finish(f->card, h, s.tag), PDC_ST_BAD_SIGNATURE);
			s.ct[4321] ^= 1;
			break;
		case 2: /* tag */
			memcpy(bad, s.tag, 16);
			bad[15] ^= 0x80;
			assert_int_equal(upp_open(f->card, h, STOCK_SLOT, &s), PDC_ST_OK);
			assert_int_equal(upp_feed(f->card, h, &s), PDC_ST_OK);
			assert_int_equal(upp_finish(f->card, h, bad), PDC_ST_BAD_SIGNATURE);
			break;
		case 3: /* associated data: another ICCID */
			s.aad[s.aad_len - 1] ^= 1;
			assert_int_equal(upp_open(f->card, h, STOCK_SLOT, &s), PDC_ST_OK);
			assert_int_equal(upp_feed(f->card, h, &s), PDC_ST_OK);
			assert_int_equal(upp_finish(f->card, h, s.tag), PDC_ST_BAD_SIGNATURE);
			s.aad[s.aad_len - 1] ^= 1;
			break;
		case 4: /* nonce */
			s.nonce[0] ^= 1;
			assert_int_equal(upp_open(f->card, h, STOCK_SLOT, &s), PDC_ST_OK);
			assert_int_equal(upp_feed(f->card, h, &s), PDC_ST_OK);
			assert_int_equal(upp_finish(f->card, h, s.tag), PDC_ST_BAD_SIGNATURE);
			s.nonce[0] ^= 1;
			break;
		}
		assert_int_equal(r.len, 0);
		/* nothing to seal: the UPP was dropped (or never opened) */
		assert_int_equal(upp_seal(f->card, h, 0x86, 100, tlv, &tlv_len), PDC_ST_BAD_PARAM);
		assert_int_equal(upp_finish(f->card, h, s.tag), PDC_ST_BAD_PARAM);
		/* the session is untouched: the good UPP opens on it afterwards */
		assert_int_equal(upp_open(f->card, h, STOCK_SLOT, &s), PDC_ST_OK);
		assert_int_equal(upp_feed(f->card, h, &s), PDC_ST_OK);
		assert_int_equal(upp_finish(f->card, h, s.tag), PDC_ST_OK);
		seal_all(f->card, h, &rx, &s);
	}
	/* another card's stock key (a fresh slot) does not open it */
	{
		struct pdc_slot_req sl = {.slot = 7};

		assert_int_equal(fw_call(f->card, PDC_OP_STOCK_KEY_GENERATE, &sl, sizeof(sl), &r),
				 PDC_ST_OK);
		h = make_session(f->card, &rx);
		assert_int_equal(upp_open(f->card, h, 7, &s), PDC_ST_KEY_REJECTED);
		assert_int_equal(upp_open(f->card, h, EC_SLOT, &s), PDC_ST_BAD_KEY);
		assert_int_equal(upp_open(f->card, h, 9, &s), PDC_ST_SLOT_EMPTY);
		assert_int_equal(upp_open(f->card, h, 32, &s), PDC_ST_BAD_SLOT);
	}
	free_sealed(&s);
}

/* Bounds, order and state: each refused request leaves the UPP where it was. */
static void test_bounds(void **state)
{
	struct fx *f = *state;
	struct pdc_upp_open_req q;
	struct fw_scp03t rx, rx2;
	struct sealed s;
	uint8_t tlv[1100], junk[1100] = {0};
	size_t tlv_len;
	uint32_t h, h2;

	make_sealed(f->card, 9000, &s);
	h = make_session(f->card, &rx);
	h2 = make_session(f->card, &rx2);
	/* open: lengths, reserved bytes, handles */
	memset(&q, 0, sizeof(q));
	q.handle = h;
	q.slot = STOCK_SLOT;
	q.aad_len = (uint8_t)s.aad_len;
	q.ct_len = 9000;
	memcpy(q.wrapped, s.wrapped, 40);
	memcpy(q.nonce, s.nonce, 12);
	memcpy(q.aad, s.aad, s.aad_len);
	q.ct_len = 0;
	assert_int_equal(fw_call(f->card, PDC_OP_UPP_OPEN, &q, sizeof(q), &r), PDC_ST_BAD_LENGTH);
	q.ct_len = PDC_UPP_MAX_LEN + 1;
	assert_int_equal(fw_call(f->card, PDC_OP_UPP_OPEN, &q, sizeof(q), &r), PDC_ST_BAD_LENGTH);
	q.ct_len = 9000;
	q.aad_len = 0;
	assert_int_equal(fw_call(f->card, PDC_OP_UPP_OPEN, &q, sizeof(q), &r), PDC_ST_BAD_LENGTH);
	q.aad_len = 33;
	assert_int_equal(fw_call(f->card, PDC_OP_UPP_OPEN, &q, sizeof(q), &r), PDC_ST_BAD_LENGTH);
	q.aad_len = (uint8_t)s.aad_len;
	q.aad[31] = 1;
	assert_int_equal(fw_call(f->card, PDC_OP_UPP_OPEN, &q, sizeof(q), &r), PDC_ST_BAD_PARAM);
	q.aad[31] = 0;
	q.rsvd = 1;
	assert_int_equal(fw_call(f->card, PDC_OP_UPP_OPEN, &q, sizeof(q), &r), PDC_ST_BAD_PARAM);
	q.rsvd = 0;
	q.handle = h ^ 0x400;
	assert_int_equal(fw_call(f->card, PDC_OP_UPP_OPEN, &q, sizeof(q), &r), PDC_ST_BAD_SESSION);
	q.handle = h;
	assert_int_equal(fw_call(f->card, PDC_OP_UPP_OPEN, &q, sizeof(q) - 1, &r),
			 PDC_ST_BAD_LENGTH);
	/* nothing was attached by the refusals: data, finish, seal find no UPP */
	assert_int_equal(upp_data(f->card, h, 0, s.ct, 100), PDC_ST_BAD_PARAM);
	assert_int_equal(upp_finish(f->card, h, s.tag), PDC_ST_BAD_PARAM);
	assert_int_equal(upp_seal(f->card, h, 0x86, 1, tlv, &tlv_len), PDC_ST_BAD_PARAM);

	assert_int_equal(fw_call(f->card, PDC_OP_UPP_OPEN, &q, sizeof(q), &r), PDC_ST_OK);
	/* one UPP per session */
	assert_int_equal(fw_call(f->card, PDC_OP_UPP_OPEN, &q, sizeof(q), &r), PDC_ST_BAD_PARAM);
	/* data: in order, inside the UPP, within the message; not on another session */
	assert_int_equal(upp_data(f->card, h, 1, s.ct, 100), PDC_ST_BAD_PARAM);
	assert_int_equal(upp_data(f->card, h2, 0, s.ct, 100), PDC_ST_BAD_PARAM);
	assert_int_equal(upp_data(f->card, h, 0, s.ct, PDC_UPP_DATA_MAX + 1), PDC_ST_BAD_LENGTH);
	assert_int_equal(upp_data(f->card, h, 0, s.ct, 0), PDC_ST_BAD_LENGTH);
	{
		uint8_t body[12 + 8];
		struct pdc_upp_data_req d = {.handle = h, .len = 10};

		memcpy(body, &d, 12);
		/* header says 10, body carries 8 */
		assert_int_equal(fw_call(f->card, PDC_OP_UPP_DATA, body, sizeof(body), &r),
				 PDC_ST_BAD_LENGTH);
		d.len = 8;
		d.rsvd = 1;
		memcpy(body, &d, 12);
		assert_int_equal(fw_call(f->card, PDC_OP_UPP_DATA, body, sizeof(body), &r),
				 PDC_ST_BAD_PARAM);
	}
	assert_int_equal(upp_data(f->card, h, 0, s.ct, 4000), PDC_ST_OK);
	assert_int_equal(upp_data(f->card, h, 0, s.ct, 4000), PDC_ST_BAD_PARAM); /* again */
	/* finish before all of it, seal before finish */
	assert_int_equal(upp_finish(f->card, h, s.tag), PDC_ST_BAD_LENGTH);
	assert_int_equal(upp_seal(f->card, h, 0x86, 100, tlv, &tlv_len), PDC_ST_BAD_PARAM);
	assert_int_equal(upp_data(f->card, h, 4000, s.ct + 4000, 4000), PDC_ST_OK);
	/* past the end */
	assert_int_equal(upp_data(f->card, h, 8000, junk, 1001), PDC_ST_BAD_LENGTH);
	assert_int_equal(upp_data(f->card, h, 8000, s.ct + 8000, 1000), PDC_ST_OK);
	assert_int_equal(upp_data(f->card, h, 9000, s.ct, 1), PDC_ST_BAD_LENGTH);
	assert_int_equal(upp_finish(f->card, h, s.tag), PDC_ST_OK);
	assert_int_equal(upp_finish(f->card, h, s.tag), PDC_ST_BAD_PARAM); /* once */
	assert_int_equal(upp_data(f->card, h, 9000, s.ct, 1), PDC_ST_BAD_PARAM);
	/* seal: tag 86 only, 1..1007, not past the end */
	assert_int_equal(upp_seal(f->card, h, 0x87, 100, tlv, &tlv_len), PDC_ST_BAD_PARAM);
	assert_int_equal(upp_seal(f->card, h, 0x88, 100, tlv, &tlv_len), PDC_ST_BAD_PARAM);
	assert_int_equal(upp_seal(f->card, h, 0x86, 1008, tlv, &tlv_len), PDC_ST_BAD_LENGTH);
	assert_int_equal(upp_seal(f->card, h, 0x86, 0, tlv, &tlv_len), PDC_ST_BAD_LENGTH);
	assert_int_equal(upp_seal(f->card, h2, 0x86, 100, tlv, &tlv_len), PDC_ST_BAD_PARAM);
	{
		struct pdc_bsp_seal_req sq = {.handle = h, .tag = 0x86, .rsvd = 1, .in_len = 10};

		assert_int_equal(fw_call(f->card, PDC_OP_UPP_SEAL, &sq, sizeof(sq), &r),
				 PDC_ST_BAD_PARAM);
		uint8_t longer[sizeof(sq) + 1] = {0};

		sq.rsvd = 0;
		/* UPP_SEAL carries no data */
		memcpy(longer, &sq, sizeof(sq));
		assert_int_equal(fw_call(f->card, PDC_OP_UPP_SEAL, longer, sizeof(longer), &r),
				 PDC_ST_BAD_LENGTH);
	}
	/* the refusals changed nothing: the whole UPP seals in order and opens */
	seal_all(f->card, h, &rx, &s);

	/* closing the session drops an open UPP; a reset drops them all */
	{
		struct pdc_session_req cq = {.handle = h2};
		struct pdc_counters cnt;

		q.handle = h2;
		assert_int_equal(fw_call(f->card, PDC_OP_UPP_OPEN, &q, sizeof(q), &r), PDC_ST_OK);
		assert_int_equal(fw_call(f->card, PDC_OP_SESSION_CLOSE, &cq, sizeof(cq), &r),
				 PDC_ST_OK);
		assert_int_equal(upp_data(f->card, h2, 0, s.ct, 10), PDC_ST_BAD_SESSION);
		q.handle = h;
		assert_int_equal(fw_call(f->card, PDC_OP_UPP_OPEN, &q, sizeof(q), &r), PDC_ST_OK);
		card_reset(f->card);
		assert_int_equal(upp_data(f->card, h, 0, s.ct, 10), PDC_ST_BAD_SESSION);
		assert_int_equal(fw_call(f->card, PDC_OP_GET_COUNTERS, NULL, 0, &r), PDC_ST_OK);
		memcpy(&cnt, r.body, sizeof(cnt));
		assert_int_equal(cnt.sessions_open, 0);
	}
	free_sealed(&s);
}

/* At most PDC_UPP_MAX_OPEN UPPs at once; closing one frees its place. */
static void test_open_limit(void **state)
{
	struct fx *f = *state;
	struct fw_scp03t rx;
	struct sealed s;
	uint32_t h[PDC_UPP_MAX_OPEN + 1];
	unsigned int i;

	make_sealed(f->card, 100, &s);
	for (i = 0; i <= PDC_UPP_MAX_OPEN; i++)
		h[i] = make_session(f->card, &rx);
	for (i = 0; i < PDC_UPP_MAX_OPEN; i++)
		assert_int_equal(upp_open(f->card, h[i], STOCK_SLOT, &s), PDC_ST_OK);
	assert_int_equal(upp_open(f->card, h[i], STOCK_SLOT, &s), PDC_ST_NO_RESOURCES);
	/* a tag failure frees its place too */
	assert_int_equal(upp_feed(f->card, h[0], &s), PDC_ST_OK);
	s.tag[0] ^= 1;
	assert_int_equal(upp_finish(f->card, h[0], s.tag), PDC_ST_BAD_SIGNATURE);
	s.tag[0] ^= 1;
	assert_int_equal(upp_open(f->card, h[i], STOCK_SLOT, &s), PDC_ST_OK);
	free_sealed(&s);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_keywrap),
	    cmocka_unit_test_setup_teardown(test_stock_slots, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_good_path, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_tampered, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_bounds, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_open_limit, setup, teardown),
	};

	cmocka_set_message_output(CM_OUTPUT_TAP);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
