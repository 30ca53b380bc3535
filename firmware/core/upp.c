// SPDX-License-Identifier: Apache-2.0
/*
 * upp.c - stock keys and sealed UPPs on the card (upp.h). Every request is
 * checked whole before anything changes; the one exception is documented
 * in the protocol: a GCM tag that does not verify ends the UPP (its
 * buffers are wiped), so a tampered blob can never be sealed afterwards.
 */
#include <stdlib.h>
#include <string.h>

#include <mbedtls/gcm.h>
#include <mbedtls/platform_util.h>

#include "bsp.h"
#include "card_priv.h"
#include "keywrap.h"
#include "upp.h"
#include "wire.h"

struct upp_ctx {
	uint8_t dk[PDC_STOCK_KEY_LEN]; /* data key, wiped once the tag is checked */
	uint8_t nonce[PDC_UPP_NONCE_LEN];
	uint8_t aad[PDC_UPP_AAD_MAX];
	size_t aad_len;
	uint32_t len;  /* ciphertext = plaintext bytes */
	uint32_t got;  /* ciphertext bytes taken */
	uint32_t done; /* plaintext bytes sealed */
	bool verified; /* tag checked: @buf holds plaintext */
	uint8_t *buf;
};

void upp_drop(struct session_table *t, struct session *s)
{
	struct upp_ctx *u = s->upp;

	if (!u)
		return;
	mbedtls_platform_zeroize(u->buf, u->len);
	free(u->buf);
	mbedtls_platform_zeroize(u, sizeof(*u));
	free(u);
	s->upp = NULL;
	t->upps--;
}

enum pdc_status op_stock_key_generate(struct card *c, const uint8_t *body, size_t len, uint8_t *out,
				      size_t *out_len)
{
	struct pdc_slot_req r;
	struct key_slot ks;
	enum pdc_status st = PDC_ST_OK;

	(void)len;
	(void)out;
	memcpy(&r, body, sizeof(r));
	if (!all_zero(r.rsvd, sizeof(r.rsvd)))
		return PDC_ST_BAD_PARAM;
	if (r.slot >= PDC_KEY_SLOTS)
		return PDC_ST_BAD_SLOT;
	if (c->ks.slot[r.slot].curve)
		return PDC_ST_SLOT_IN_USE;
	ks.curve = PDC_KEY_STOCK_AES256;
	if (mbedtls_ctr_drbg_random(&c->drbg, ks.priv, sizeof(ks.priv)))
		st = PDC_ST_CRYPTO;
	else if (keystore_set(&c->ks, r.slot, &ks, &c->drbg))
		st = PDC_ST_STORAGE;
	mbedtls_platform_zeroize(&ks, sizeof(ks));
	*out_len = 0;
	return st;
}

enum pdc_status op_stock_wrap(struct card *c, const uint8_t *body, size_t len, uint8_t *out,
			      size_t *out_len)
{
	struct pdc_stock_wrap_req r;
	const uint8_t *kek;
	enum pdc_status st;

	(void)len;
	memcpy(&r, body, sizeof(r));
	if (!all_zero(r.rsvd, sizeof(r.rsvd)))
		st = PDC_ST_BAD_PARAM;
	else
		st = keystore_key(&c->ks, r.slot, PDC_KEY_STOCK_AES256, &kek);
	if (st == PDC_ST_OK)
		st = keywrap_wrap(kek, r.key, out);
	mbedtls_platform_zeroize(&r, sizeof(r));
	if (st == PDC_ST_OK)
		*out_len = PDC_STOCK_WRAP_LEN;
	return st;
}

/* The session of @handle that may still seal, or why not. */
static enum pdc_status find_session(struct card *c, uint32_t handle, struct session **s)
{
	*s = sessions_find(&c->sessions, handle);
	if (!*s)
		return PDC_ST_BAD_SESSION;
	if ((*s)->sealed >= SESSION_MAX_SEGMENTS)
		return PDC_ST_SESSION_LIMIT;
	return PDC_ST_OK;
}

enum pdc_status op_upp_open(struct card *c, const uint8_t *body, size_t len, uint8_t *out,
			    size_t *out_len)
{
	struct pdc_upp_open_req r;
	struct upp_ctx *u = NULL;
	struct session *s;
	const uint8_t *kek;
	uint32_t ct_len;
	enum pdc_status st;

	(void)len;
	(void)out;
	memcpy(&r, body, sizeof(r));
	ct_len = le32(r.ct_len);
	if (r.rsvd)
		return PDC_ST_BAD_PARAM;
	if (r.aad_len < 1 || r.aad_len > PDC_UPP_AAD_MAX || ct_len < 1 || ct_len > PDC_UPP_MAX_LEN)
		return PDC_ST_BAD_LENGTH;
	if (!all_zero(r.aad + r.aad_len, PDC_UPP_AAD_MAX - r.aad_len))
		return PDC_ST_BAD_PARAM;
	st = keystore_key(&c->ks, r.slot, PDC_KEY_STOCK_AES256, &kek);
	if (st != PDC_ST_OK)
		return st;
	st = find_session(c, le32(r.handle), &s);
	if (st != PDC_ST_OK)
		return st;
	if (s->upp)
		return PDC_ST_BAD_PARAM; /* one UPP per session at a time */
	if (c->sessions.upps >= PDC_UPP_MAX_OPEN)
		return PDC_ST_NO_RESOURCES;
	u = calloc(1, sizeof(*u));
	if (!u || !(u->buf = malloc(ct_len))) {
		free(u);
		return PDC_ST_NO_RESOURCES;
	}
	st = keywrap_unwrap(kek, r.wrapped, u->dk);
	if (st != PDC_ST_OK) {
		free(u->buf);
		mbedtls_platform_zeroize(u, sizeof(*u));
		free(u);
		return st;
	}
	memcpy(u->nonce, r.nonce, sizeof(u->nonce));
	memcpy(u->aad, r.aad, r.aad_len);
	u->aad_len = r.aad_len;
	u->len = ct_len;
	s->upp = u;
	c->sessions.upps++;
	*out_len = 0;
	return PDC_ST_OK;
}

/* The UPP attached to @handle's session, or why there is none. */
static enum pdc_status find_upp(struct card *c, uint32_t handle, struct session **s)
{
	enum pdc_status st = find_session(c, handle, s);

	if (st == PDC_ST_OK && !(*s)->upp)
		st = PDC_ST_BAD_PARAM;
	return st;
}

enum pdc_status op_upp_data(struct card *c, const uint8_t *body, size_t len, uint8_t *out,
			    size_t *out_len)
{
	struct pdc_upp_data_req r;
	struct session *s;
	struct upp_ctx *u;
	size_t n;
	enum pdc_status st;

	(void)out;
	memcpy(&r, body, sizeof(r));
	n = le16(r.len);
	if (len != sizeof(r) + n || n < 1 || n > PDC_UPP_DATA_MAX)
		return PDC_ST_BAD_LENGTH;
	if (r.rsvd)
		return PDC_ST_BAD_PARAM;
	st = find_upp(c, le32(r.handle), &s);
	if (st != PDC_ST_OK)
		return st;
	u = s->upp;
	if (u->verified || le32(r.offset) != u->got)
		return PDC_ST_BAD_PARAM; /* in order, once */
	if (n > u->len - u->got)
		return PDC_ST_BAD_LENGTH;
	memcpy(u->buf + u->got, body + sizeof(r), n);
	u->got += n;
	*out_len = 0;
	return PDC_ST_OK;
}

enum pdc_status op_upp_finish(struct card *c, const uint8_t *body, size_t len, uint8_t *out,
			      size_t *out_len)
{
	struct pdc_upp_finish_req r;
	mbedtls_gcm_context gcm;
	struct session *s;
	struct upp_ctx *u;
	uint8_t *pt;
	enum pdc_status st;
	int rc;

	(void)len;
	(void)out;
	memcpy(&r, body, sizeof(r));
	st = find_upp(c, le32(r.handle), &s);
	if (st != PDC_ST_OK)
		return st;
	u = s->upp;
	if (u->verified)
		return PDC_ST_BAD_PARAM;
	if (u->got != u->len)
		return PDC_ST_BAD_LENGTH;
	pt = malloc(u->len);
	if (!pt)
		return PDC_ST_NO_RESOURCES;
	/* mbedTLS decrypts only out of place; it wipes @pt itself when the tag fails. */
	mbedtls_gcm_init(&gcm);
	rc = mbedtls_gcm_setkey(&gcm, MBEDTLS_CIPHER_ID_AES, u->dk, 256);
	if (!rc)
		rc = mbedtls_gcm_auth_decrypt(&gcm, u->len, u->nonce, sizeof(u->nonce), u->aad,
					      u->aad_len, r.tag, sizeof(r.tag), u->buf, pt);
	mbedtls_gcm_free(&gcm);
	if (rc) {
		mbedtls_platform_zeroize(pt, u->len);
		free(pt);
		upp_drop(&c->sessions, s);
		return rc == MBEDTLS_ERR_GCM_AUTH_FAILED ? PDC_ST_BAD_SIGNATURE : PDC_ST_CRYPTO;
	}
	free(u->buf); /* ciphertext: nothing secret */
	u->buf = pt;
	u->verified = true;
	mbedtls_platform_zeroize(u->dk, sizeof(u->dk));
	*out_len = 0;
	return PDC_ST_OK;
}

enum pdc_status op_upp_seal(struct card *c, const uint8_t *body, size_t len, uint8_t *out,
			    size_t *out_len)
{
	struct pdc_bsp_seal_req r;
	struct pdc_bsp_seal_resp resp = {0};
	struct session *s;
	struct upp_ctx *u;
	size_t in_len, seg_len;
	enum pdc_status st;

	(void)len;
	memcpy(&r, body, sizeof(r));
	in_len = le16(r.in_len);
	if (r.rsvd || r.tag != 0x86)
		return PDC_ST_BAD_PARAM;
	if (in_len < 1 || in_len > PDC_BSP_MAX_PLAIN_ENC)
		return PDC_ST_BAD_LENGTH;
	st = find_upp(c, le32(r.handle), &s);
	if (st != PDC_ST_OK)
		return st;
	u = s->upp;
	if (!u->verified)
		return PDC_ST_BAD_PARAM;
	if (in_len > u->len - u->done)
		return PDC_ST_BAD_LENGTH;
	st = bsp_seal(&s->keys, r.tag, u->buf + u->done, in_len, out + sizeof(resp),
		      PDC_MAX_BODY - sizeof(resp), &seg_len);
	if (st != PDC_ST_OK)
		return st;
	s->sealed++;
	c->cnt.segments_sealed++;
	u->done += in_len;
	if (u->done == u->len)
		upp_drop(&c->sessions, s);
	resp.seg_len = le16((uint16_t)seg_len);
	memcpy(out, &resp, sizeof(resp));
	*out_len = sizeof(resp) + seg_len;
	return PDC_ST_OK;
}
