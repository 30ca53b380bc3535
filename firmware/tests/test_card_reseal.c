// SPDX-License-Identifier: Apache-2.0
/*
 * test_card_reseal.c - RESEAL_* (protocol 1.4): a stock-sealed UPP re-sealed
 * by the card for a destination opens with portdpctl's own bundle_open()
 * (tools/portdpctl/bundle_seal.c, linked in), a UPP bundle_seal() sealed for
 * the card's unit key is re-sealed into stock and back out to the same
 * bytes; every tampered field refused with no output tag and the re-seal
 * gone; every bad field refused changing nothing.
 */
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>
#include <openssl/rand.h>

#include "bundle.h"
#include "fw_test_util.h"

#define STOCK_SLOT 5
#define UNIT_SLOT 6
#define STOCK2_SLOT 7

static const char iccid[] = "89445000000000000018";
static const uint8_t stock_aad[] = "PDS\001"
				   "89445000000000000018";

struct fx {
	char *dir;
	struct card *card;
	uint8_t unit_pub[PDC_PUBKEY_LEN];
};

static struct fw_resp r;

static int setup(void **state)
{
	struct fx *f = calloc(1, sizeof(*f));
	struct pdc_slot_req s = {.slot = STOCK_SLOT}, s2 = {.slot = STOCK2_SLOT};
	struct pdc_key_generate_req g = {.slot = UNIT_SLOT, .curve = PDC_CURVE_P256};

	f->dir = fw_tmpdir();
	f->card = fw_card_open(f->dir, 8);
	assert_int_equal(fw_call(f->card, PDC_OP_STOCK_KEY_GENERATE, &s, sizeof(s), &r), PDC_ST_OK);
	assert_int_equal(fw_call(f->card, PDC_OP_STOCK_KEY_GENERATE, &s2, sizeof(s2), &r),
			 PDC_ST_OK);
	assert_int_equal(fw_call(f->card, PDC_OP_KEY_GENERATE, &g, sizeof(g), &r), PDC_ST_OK);
	memcpy(f->unit_pub, ((struct pdc_key_public_resp *)r.body)->pub, PDC_PUBKEY_LEN);
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

/* One sealed UPP in either form. */
struct blob {
	uint8_t kind;
	uint8_t wrapped[40], nonce[12], pub[65], id[16], tag[16];
	uint8_t *ct;
	size_t len;
};

/* A stock-sealed UPP of @pt as the inventory makes it (STOCK_WRAP + OpenSSL GCM). */
static void stock_seal(struct card *c, uint8_t slot, const uint8_t *pt, size_t len, struct blob *b)
{
	struct pdc_stock_wrap_req w = {.slot = slot};
	EVP_CIPHER_CTX *cx = EVP_CIPHER_CTX_new();
	int n;

	memset(b, 0, sizeof(*b));
	b->kind = PDC_SEAL_STOCK;
	b->len = len;
	b->ct = malloc(len);
	RAND_bytes(w.key, 32);
	RAND_bytes(b->nonce, 12);
	assert_int_equal(fw_call(c, PDC_OP_STOCK_WRAP, &w, sizeof(w), &r), PDC_ST_OK);
	memcpy(b->wrapped, r.body, 40);
	assert_true(EVP_EncryptInit_ex2(cx, EVP_aes_256_gcm(), w.key, b->nonce, NULL));
	assert_true(EVP_EncryptUpdate(cx, NULL, &n, stock_aad, sizeof(stock_aad) - 1));
	assert_true(EVP_EncryptUpdate(cx, b->ct, &n, pt, (int)len));
	assert_true(EVP_EncryptFinal_ex(cx, b->ct + n, &n));
	assert_true(EVP_CIPHER_CTX_ctrl(cx, EVP_CTRL_GCM_GET_TAG, 16, b->tag));
	EVP_CIPHER_CTX_free(cx);
}

/* A transfer-sealed UPP of @pt for @dest by portdpctl's bundle_seal(). */
static void xfer_seal(const uint8_t dest[65], const uint8_t *pt, size_t len, struct blob *b)
{
	uint8_t *out;
	size_t out_len;

	memset(b, 0, sizeof(*b));
	b->kind = PDC_SEAL_XFER;
	RAND_bytes(b->id, 16);
	assert_int_equal(bundle_seal(b->id, iccid, dest, pt, len, b->pub, b->nonce, &out, &out_len),
			 0);
	b->len = out_len - 16;
	b->ct = out;
	memcpy(b->tag, out + b->len, 16);
}

static void open_req(const struct blob *in, uint8_t in_slot, uint8_t out_kind, uint8_t out_slot,
		     const uint8_t dest[65], const uint8_t out_id[16],
		     struct pdc_reseal_open_req *q)
{
	memset(q, 0, sizeof(*q));
	q->in_kind = in->kind;
	q->out_kind = out_kind;
	q->in_slot = in_slot;
	q->out_slot = out_slot;
	q->ct_len = (uint32_t)in->len;
	if (in->kind == PDC_SEAL_XFER || out_kind == PDC_SEAL_XFER) {
		q->iccid_len = sizeof(iccid) - 1;
		memcpy(q->iccid, iccid, q->iccid_len);
	}
	if (in->kind == PDC_SEAL_STOCK || out_kind == PDC_SEAL_STOCK) {
		q->aad_len = sizeof(stock_aad) - 1;
		memcpy(q->aad, stock_aad, q->aad_len);
	}
	memcpy(q->in_nonce, in->nonce, 12);
	if (in->kind == PDC_SEAL_STOCK) {
		memcpy(q->in_wrapped, in->wrapped, 40);
	} else {
		memcpy(q->in_pub, in->pub, 65);
		memcpy(q->in_id, in->id, 16);
	}
	if (out_kind == PDC_SEAL_XFER) {
		memcpy(q->peer_pub, dest, 65);
		memcpy(q->out_id, out_id, 16);
	}
}

static uint16_t data(struct card *c, uint32_t h, uint32_t off, const uint8_t *p, size_t n)
{
	static uint8_t body[sizeof(struct pdc_upp_data_req) + PDC_UPP_DATA_MAX + 16];
	struct pdc_upp_data_req q = {.handle = h, .offset = off, .len = (uint16_t)n};

	memcpy(body, &q, sizeof(q));
	memcpy(body + sizeof(q), p, n);
	return fw_call(c, PDC_OP_RESEAL_DATA, body, sizeof(q) + n, &r);
}

/*
 * Run a whole re-seal of @in per @q; the result into @out (kind @q->out_kind).
 * Returns the first status that is not OK (the output is then not usable).
 */
static uint16_t reseal(struct card *c, const struct pdc_reseal_open_req *q, const struct blob *in,
		       struct blob *out)
{
	struct pdc_reseal_open_resp resp;
	struct pdc_upp_finish_req fq;
	size_t off, n;
	uint16_t st;

	memset(out, 0, sizeof(*out));
	out->kind = q->out_kind;
	st = fw_call(c, PDC_OP_RESEAL_OPEN, q, sizeof(*q), &r);
	if (st)
		return st;
	assert_int_equal(r.len, sizeof(resp));
	memcpy(&resp, r.body, sizeof(resp));
	memcpy(out->nonce, resp.out_nonce, 12);
	memcpy(out->wrapped, resp.out_wrapped, 40);
	memcpy(out->pub, resp.out_pub, 65);
	memcpy(out->id, q->out_id, 16);
	out->len = in->len;
	out->ct = malloc(in->len);
	for (off = 0; off < in->len; off += n) {
		n = in->len - off < PDC_UPP_DATA_MAX ? in->len - off : PDC_UPP_DATA_MAX;
		st = data(c, resp.handle, (uint32_t)off, in->ct + off, n);
		if (st)
			return st;
		assert_int_equal(r.len, n);
		memcpy(out->ct + off, r.body, n);
	}
	fq.handle = resp.handle;
	memcpy(fq.tag, in->tag, 16);
	st = fw_call(c, PDC_OP_RESEAL_FINISH, &fq, sizeof(fq), &r);
	if (st) {
		assert_int_equal(r.len, 0);
		/* the re-seal is gone */
		assert_int_equal(fw_call(c, PDC_OP_RESEAL_FINISH, &fq, sizeof(fq), &r),
				 PDC_ST_BAD_SESSION);
		return st;
	}
	assert_int_equal(r.len, 16);
	memcpy(out->tag, r.body, 16);
	return PDC_ST_OK;
}

/* Open a transfer-sealed @b with the OpenSSL key @dest and portdpctl's bundle_open(). */
static void xfer_open(EVP_PKEY *dest, const struct blob *b, const uint8_t *want, size_t len)
{
	EVP_PKEY *eph = fw_ossl_from_pub(PDC_CURVE_P256, b->pub);
	uint8_t z[32], *sealed = malloc(b->len + 16), *pt;
	size_t pt_len;

	fw_ossl_ecdh(dest, eph, z);
	memcpy(sealed, b->ct, b->len);
	memcpy(sealed + b->len, b->tag, 16);
	assert_int_equal(
	    bundle_open(b->id, iccid, b->pub, z, b->nonce, sealed, b->len + 16, &pt, &pt_len), 0);
	assert_int_equal(pt_len, len);
	assert_memory_equal(pt, want, len);
	free(pt);
	free(sealed);
	EVP_PKEY_free(eph);
}

/* stock -> transfer (export) -> ... and transfer (import) -> stock -> transfer, sizes at the edges.
 */
static void test_roundtrip(void **state)
{
	static const size_t sizes[] = {1, 15, 16, 17, 4064, 4065, 8128, 30001};
	struct fx *f = *state;
	EVP_PKEY *dest = fw_ossl_keygen(PDC_CURVE_P256);
	uint8_t dest_pub[65], id[16], *pt;
	struct pdc_reseal_open_req q;
	struct blob a, b, c2, d;
	size_t i;

	fw_ossl_pub(dest, dest_pub);
	for (i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
		pt = malloc(sizes[i]);
		RAND_bytes(pt, (int)sizes[i]);
		RAND_bytes(id, 16);
		/* export: stock -> destination */
		stock_seal(f->card, STOCK_SLOT, pt, sizes[i], &a);
		open_req(&a, STOCK_SLOT, PDC_SEAL_XFER, 0, dest_pub, id, &q);
		assert_int_equal(reseal(f->card, &q, &a, &b), PDC_ST_OK);
		xfer_open(dest, &b, pt, sizes[i]);
		/* import: bundle_seal() for the card's unit key -> stock (other slot) */
		xfer_seal(f->unit_pub, pt, sizes[i], &c2);
		open_req(&c2, UNIT_SLOT, PDC_SEAL_STOCK, STOCK2_SLOT, NULL, NULL, &q);
		free(b.ct);
		assert_int_equal(reseal(f->card, &q, &c2, &b), PDC_ST_OK);
		/* and that stock blob out again: the same plaintext */
		open_req(&b, STOCK2_SLOT, PDC_SEAL_XFER, 0, dest_pub, id, &q);
		assert_int_equal(reseal(f->card, &q, &b, &d), PDC_ST_OK);
		xfer_open(dest, &d, pt, sizes[i]);
		/* fresh one-time key and nonce every time */
		assert_memory_not_equal(d.pub, a.pub, 65);
		free(a.ct), free(b.ct), free(c2.ct), free(d.ct), free(pt);
	}
	EVP_PKEY_free(dest);
}

/* Each tampered field: no output tag, the re-seal dropped. */
static void test_tamper(void **state)
{
	struct fx *f = *state;
	EVP_PKEY *dest = fw_ossl_keygen(PDC_CURVE_P256), *other = fw_ossl_keygen(PDC_CURVE_P256);
	uint8_t dest_pub[65], other_pub[65], id[16] = {1}, pt[5000];
	struct pdc_reseal_open_req q;
	struct blob s, x, o;
	unsigned int k;

	fw_ossl_pub(dest, dest_pub);
	fw_ossl_pub(other, other_pub);
	RAND_bytes(pt, sizeof(pt));
	stock_seal(f->card, STOCK_SLOT, pt, sizeof(pt), &s);
	xfer_seal(f->unit_pub, pt, sizeof(pt), &x);
	for (k = 0; k < 2; k++) {
		struct blob *in = k ? &x : &s;
		uint8_t slot = k ? UNIT_SLOT : STOCK_SLOT;

		/* ciphertext, first and last byte; tag */
		in->ct[0] ^= 1;
		open_req(in, slot, PDC_SEAL_XFER, 0, dest_pub, id, &q);
		assert_int_equal(reseal(f->card, &q, in, &o), PDC_ST_BAD_SIGNATURE);
		free(o.ct);
		in->ct[0] ^= 1;
		in->ct[in->len - 1] ^= 0x80;
		assert_int_equal(reseal(f->card, &q, in, &o), PDC_ST_BAD_SIGNATURE);
		free(o.ct);
		in->ct[in->len - 1] ^= 0x80;
		in->tag[15] ^= 1;
		assert_int_equal(reseal(f->card, &q, in, &o), PDC_ST_BAD_SIGNATURE);
		free(o.ct);
		in->tag[15] ^= 1;
		/* nonce */
		q.in_nonce[3] ^= 1;
		assert_int_equal(reseal(f->card, &q, in, &o), PDC_ST_BAD_SIGNATURE);
		free(o.ct);
		q.in_nonce[3] ^= 1;
		/* the AAD: another ICCID (stock: the AAD) */
		if (k) {
			q.iccid[19] = '9';
			assert_int_equal(reseal(f->card, &q, in, &o), PDC_ST_BAD_SIGNATURE);
			free(o.ct);
			q.iccid[19] = '8';
			q.in_id[0] ^= 1; /* another bundle */
			assert_int_equal(reseal(f->card, &q, in, &o), PDC_ST_BAD_SIGNATURE);
			free(o.ct);
			q.in_id[0] ^= 1;
			/* a one-time key of someone else: another key */
			memcpy(q.in_pub, other_pub, 65);
			assert_int_equal(reseal(f->card, &q, in, &o), PDC_ST_BAD_SIGNATURE);
			free(o.ct);
			memcpy(q.in_pub, in->pub, 65);
			/* sealed for another unit: the card's key does not open it */
			open_req(in, UNIT_SLOT, PDC_SEAL_STOCK, STOCK_SLOT, NULL, NULL, &q);
			free(x.ct);
			xfer_seal(other_pub, pt, sizeof(pt), &x);
			open_req(&x, UNIT_SLOT, PDC_SEAL_STOCK, STOCK_SLOT, NULL, NULL, &q);
			assert_int_equal(reseal(f->card, &q, &x, &o), PDC_ST_BAD_SIGNATURE);
			free(o.ct);
		} else {
			q.aad[5] ^= 1;
			q.iccid[1] ^= 1; /* keep them alike: only the AAD of the blob differs */
			assert_int_equal(reseal(f->card, &q, in, &o), PDC_ST_BAD_SIGNATURE);
			free(o.ct);
			q.aad[5] ^= 1;
			q.iccid[1] ^= 1;
			/* the wrap: tampered, or under another stock key */
			q.in_wrapped[7] ^= 1;
			assert_int_equal(reseal(f->card, &q, in, &o), PDC_ST_KEY_REJECTED);
			q.in_wrapped[7] ^= 1;
			q.in_slot = STOCK2_SLOT;
			assert_int_equal(reseal(f->card, &q, in, &o), PDC_ST_KEY_REJECTED);
		}
	}
	/* none left open: all 8 can be opened */
	open_req(&s, STOCK_SLOT, PDC_SEAL_XFER, 0, dest_pub, id, &q);
	for (k = 0; k < PDC_RESEAL_MAX_OPEN; k++)
		assert_int_equal(fw_call(f->card, PDC_OP_RESEAL_OPEN, &q, sizeof(q), &r),
				 PDC_ST_OK);
	assert_int_equal(fw_call(f->card, PDC_OP_RESEAL_OPEN, &q, sizeof(q), &r),
			 PDC_ST_NO_RESOURCES);
	card_reset(f->card);
	assert_int_equal(fw_call(f->card, PDC_OP_RESEAL_OPEN, &q, sizeof(q), &r), PDC_ST_OK);
	free(s.ct), free(x.ct);
	EVP_PKEY_free(dest);
	EVP_PKEY_free(other);
}

/* Every bad field of RESEAL_OPEN refused; then bad DATA/FINISH/ABORT that change nothing. */
static void test_fields(void **state)
{
	struct fx *f = *state;
	EVP_PKEY *dest = fw_ossl_keygen(PDC_CURVE_P256);
	uint8_t dest_pub[65], id[16] = {2}, pt[100], big[sizeof(pt) + 1] = {0};
	struct pdc_reseal_open_req q, g;
	struct pdc_upp_finish_req fq = {0};
	struct pdc_session_req ab;
	struct blob s, o;
	uint32_t h;

	fw_ossl_pub(dest, dest_pub);
	RAND_bytes(pt, sizeof(pt));
	stock_seal(f->card, STOCK_SLOT, pt, sizeof(pt), &s);
	open_req(&s, STOCK_SLOT, PDC_SEAL_XFER, 0, dest_pub, id, &g);
#define BAD(field_change, want)                                                                    \
	do {                                                                                       \
		q = g;                                                                             \
		field_change;                                                                      \
		assert_int_equal(fw_call(f->card, PDC_OP_RESEAL_OPEN, &q, sizeof(q), &r), want);   \
		assert_int_equal(r.len, 0);                                                        \
	} while (0)
	BAD(q.in_kind = 0, PDC_ST_BAD_PARAM);
	BAD(q.in_kind = 3, PDC_ST_BAD_PARAM);
	BAD(q.out_kind = 0, PDC_ST_BAD_PARAM);
	BAD(q.rsvd = 1, PDC_ST_BAD_PARAM);
	BAD(q.rsvd2[1] = 1, PDC_ST_BAD_PARAM);
	BAD(q.ct_len = 0, PDC_ST_BAD_LENGTH);
	BAD(q.ct_len = PDC_UPP_MAX_LEN + 1, PDC_ST_BAD_LENGTH);
	BAD(q.iccid_len = 9, PDC_ST_BAD_LENGTH);
	BAD(q.iccid_len = 21, PDC_ST_BAD_LENGTH);
	BAD(q.iccid[3] = 'a', PDC_ST_BAD_PARAM);
	BAD(q.iccid_len = 19, PDC_ST_BAD_PARAM); /* a digit past the length */
	BAD(q.aad_len = 0, PDC_ST_BAD_LENGTH);
	BAD(q.aad_len = 33, PDC_ST_BAD_LENGTH);
	BAD(q.aad[30] = 1, PDC_ST_BAD_PARAM);
	BAD(q.aad[10] ^= 1, PDC_ST_BAD_PARAM); /* AAD without the ICCID */
	BAD(q.in_pub[0] = 4, PDC_ST_BAD_PARAM);
	BAD(q.in_id[0] = 4, PDC_ST_BAD_PARAM);
	BAD(q.out_slot = 1, PDC_ST_BAD_PARAM);
	BAD(q.in_slot = 32, PDC_ST_BAD_SLOT);
	BAD(q.in_slot = 9, PDC_ST_SLOT_EMPTY);
	BAD(q.in_slot = UNIT_SLOT, PDC_ST_BAD_KEY);
	BAD(q.peer_pub[64] ^= 1, PDC_ST_BAD_KEY); /* not on the curve */
	BAD(q.peer_pub[0] = 2, PDC_ST_BAD_KEY);
	/* stock out: its slot a stock key; no destination fields */
	open_req(&s, STOCK_SLOT, PDC_SEAL_STOCK, STOCK2_SLOT, NULL, NULL, &g);
	BAD(q.iccid_len = 20; memcpy(q.iccid, iccid, 20), PDC_ST_BAD_LENGTH);
	BAD(q.out_slot = UNIT_SLOT, PDC_ST_BAD_KEY);
	BAD(q.out_slot = 9, PDC_ST_SLOT_EMPTY);
	BAD(q.peer_pub[0] = 4, PDC_ST_BAD_PARAM);
	BAD(q.out_id[0] = 4, PDC_ST_BAD_PARAM);
	/* transfer in: the unit key must be a P-256 key; no wrap */
	open_req(&s, STOCK_SLOT, PDC_SEAL_XFER, 0, dest_pub, id, &g);
	g.in_kind = PDC_SEAL_XFER;
	memset(g.in_wrapped, 0, 40);
	memset(g.aad, 0, sizeof(g.aad));
	g.aad_len = 0;
	memcpy(g.in_pub, dest_pub, 65);
	BAD(q.in_slot = STOCK_SLOT, PDC_ST_BAD_KEY);
	BAD(q.in_wrapped[0] = 1, PDC_ST_BAD_PARAM);
	BAD(q.aad_len = 1; q.aad[0] = 1, PDC_ST_BAD_LENGTH);
#undef BAD
	/* a good one: DATA, FINISH and ABORT that are wrong change nothing */
	open_req(&s, STOCK_SLOT, PDC_SEAL_XFER, 0, dest_pub, id, &q);
	assert_int_equal(fw_call(f->card, PDC_OP_RESEAL_OPEN, &q, sizeof(q), &r), PDC_ST_OK);
	h = ((struct pdc_reseal_open_resp *)r.body)->handle;
	assert_int_equal(data(f->card, h + 1, 0, s.ct, 16), PDC_ST_BAD_SESSION);
	assert_int_equal(data(f->card, h, 16, s.ct, 16), PDC_ST_BAD_PARAM); /* out of order */
	assert_int_equal(data(f->card, h, 0, s.ct, 15), PDC_ST_BAD_LENGTH); /* not a block */
	memcpy(big, s.ct, sizeof(pt));
	assert_int_equal(data(f->card, h, 0, big, sizeof(pt) + 1), PDC_ST_BAD_LENGTH);
	assert_int_equal(data(f->card, h, 0, s.ct, 32), PDC_ST_OK);
	fq.handle = h;
	assert_int_equal(fw_call(f->card, PDC_OP_RESEAL_FINISH, &fq, sizeof(fq), &r),
			 PDC_ST_BAD_LENGTH); /* not all in yet: still open */
	assert_int_equal(data(f->card, h, 32, s.ct + 32, 68), PDC_ST_OK);
	ab.handle = h + 1;
	assert_int_equal(fw_call(f->card, PDC_OP_RESEAL_ABORT, &ab, sizeof(ab), &r),
			 PDC_ST_BAD_SESSION);
	ab.handle = h;
	assert_int_equal(fw_call(f->card, PDC_OP_RESEAL_ABORT, &ab, sizeof(ab), &r), PDC_ST_OK);
	assert_int_equal(fw_call(f->card, PDC_OP_RESEAL_FINISH, &fq, sizeof(fq), &r),
			 PDC_ST_BAD_SESSION);
	/* and a good one after all of that */
	assert_int_equal(reseal(f->card, &q, &s, &o), PDC_ST_OK);
	xfer_open(dest, &o, pt, sizeof(pt));
	free(o.ct), free(s.ct);
	EVP_PKEY_free(dest);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown(test_roundtrip, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_tamper, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_fields, setup, teardown),
	};

	cmocka_set_message_output(CM_OUTPUT_TAP);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
