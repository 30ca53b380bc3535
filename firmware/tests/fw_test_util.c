// SPDX-License-Identifier: Apache-2.0
/*
 * fw_test_util.c - firmware test helpers (fw_test_util.h).
 */
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <openssl/core_names.h>
#include <openssl/ec.h>
#include <openssl/param_build.h>

#include "fw_test_util.h"

char *fw_tmpdir(void)
{
	const char *base = getenv("TMPDIR");
	char *d;

	assert_true(asprintf(&d, "%s/fwtest.XXXXXX", base ? base : "/tmp") > 0);
	assert_non_null(mkdtemp(d));
	return d;
}

static int rm_one(const char *p, const struct stat *sb, int flag, struct FTW *ftw)
{
	(void)sb;
	(void)flag;
	(void)ftw;
	return remove(p);
}

void fw_rm_rf(const char *dir)
{
	nftw(dir, rm_one, 16, FTW_DEPTH | FTW_PHYS);
}

char *fw_path(const char *dir, const char *name)
{
	char *p;

	assert_true(asprintf(&p, "%s/%s", dir, name) > 0);
	return p;
}

struct card *fw_card_open(const char *dir, unsigned int max_sessions)
{
	struct card_config cfg = {0};
	struct card *c = NULL;
	char *ks = fw_path(dir, "keystore");

	cfg.keystore_path = ks;
	cfg.max_sessions = max_sessions;
	assert_int_equal(card_open(&cfg, &c), 0);
	free(ks);
	return c;
}

uint16_t fw_call_raw(struct card *c, const void *msg, size_t len, struct fw_resp *r)
{
	static uint8_t resp[PDC_MAX_MSG];
	struct pdc_hdr h;
	size_t rlen = 0;

	memset(resp, 0xa5, sizeof(resp));
	assert_int_equal(card_handle(c, msg, len, resp, &rlen), 0);
	assert_true(rlen >= sizeof(h) && rlen <= PDC_MAX_MSG);
	memcpy(&h, resp, sizeof(h));
	assert_int_equal(h.magic, PDC_MAGIC_RESP);
	assert_int_equal(h.version, PDC_PROTO_VERSION);
	assert_int_equal(rlen, sizeof(h) + h.len);
	if (h.status != PDC_ST_OK)
		assert_int_equal(h.len, 0);
	assert_true(h.status < PDC_ST__COUNT);
	r->tag = h.tag;
	r->opcode = h.opcode;
	r->status = h.status;
	r->len = h.len;
	memcpy(r->body, resp + sizeof(h), h.len);
	return h.status;
}

uint16_t fw_call(struct card *c, uint16_t opcode, const void *body, size_t len, struct fw_resp *r)
{
	static uint32_t next_tag = 0x1000;
	uint8_t msg[PDC_MAX_MSG];
	struct pdc_hdr h = {0};
	uint32_t tag = next_tag++;

	assert_true(len <= PDC_MAX_BODY);
	h.magic = PDC_MAGIC_REQ;
	h.version = PDC_PROTO_VERSION;
	h.opcode = opcode;
	h.tag = tag;
	h.len = (uint16_t)len;
	memcpy(msg, &h, sizeof(h));
	if (len)
		memcpy(msg + sizeof(h), body, len);
	fw_call_raw(c, msg, sizeof(h) + len, r);
	assert_int_equal(r->tag, tag);
	assert_int_equal(r->opcode, opcode);
	return r->status;
}

size_t fw_hex(const char *hex, uint8_t *out, size_t cap)
{
	size_t n = strlen(hex) / 2, i;

	assert_true(n <= cap);
	for (i = 0; i < n; i++) {
		unsigned int v;

		assert_int_equal(sscanf(hex + 2 * i, "%2x", &v), 1);
		out[i] = (uint8_t)v;
	}
	return n;
}

const char *fw_shared_dir(void)
{
	const char *s = getenv("SHARED");

	return s && *s ? s : ".";
}

static const char *curve_name(unsigned int curve)
{
	return curve == PDC_CURVE_P256 ? "prime256v1" : "brainpoolP256r1";
}

EVP_PKEY *fw_ossl_keygen(unsigned int curve)
{
	EVP_PKEY *k = EVP_PKEY_Q_keygen(NULL, NULL, "EC", curve_name(curve));

	assert_non_null(k);
	return k;
}

void fw_ossl_pub(EVP_PKEY *k, uint8_t pub[PDC_PUBKEY_LEN])
{
	size_t n = 0;

	assert_int_equal(
	    EVP_PKEY_get_octet_string_param(k, OSSL_PKEY_PARAM_PUB_KEY, pub, PDC_PUBKEY_LEN, &n),
	    1);
	assert_int_equal(n, PDC_PUBKEY_LEN);
}

void fw_ossl_priv(EVP_PKEY *k, uint8_t priv[PDC_PRIVKEY_LEN])
{
	BIGNUM *d = NULL;

	assert_int_equal(EVP_PKEY_get_bn_param(k, OSSL_PKEY_PARAM_PRIV_KEY, &d), 1);
	assert_int_equal(BN_bn2binpad(d, priv, PDC_PRIVKEY_LEN), PDC_PRIVKEY_LEN);
	BN_clear_free(d);
}

EVP_PKEY *fw_ossl_from_pub(unsigned int curve, const uint8_t pub[PDC_PUBKEY_LEN])
{
	OSSL_PARAM_BLD *b = OSSL_PARAM_BLD_new();
	OSSL_PARAM *p;
	EVP_PKEY_CTX *ctx = EVP_PKEY_CTX_new_from_name(NULL, "EC", NULL);
	EVP_PKEY *k = NULL;

	OSSL_PARAM_BLD_push_utf8_string(b, OSSL_PKEY_PARAM_GROUP_NAME, curve_name(curve), 0);
	OSSL_PARAM_BLD_push_octet_string(b, OSSL_PKEY_PARAM_PUB_KEY, pub, PDC_PUBKEY_LEN);
	p = OSSL_PARAM_BLD_to_param(b);
	assert_int_equal(EVP_PKEY_fromdata_init(ctx), 1);
	assert_int_equal(EVP_PKEY_fromdata(ctx, &k, EVP_PKEY_PUBLIC_KEY, p), 1);
	OSSL_PARAM_free(p);
	OSSL_PARAM_BLD_free(b);
	EVP_PKEY_CTX_free(ctx);
	return k;
}

int fw_ossl_verify(EVP_PKEY *pub, const uint8_t *digest, size_t dlen, const uint8_t sig[64])
{
	ECDSA_SIG *s = ECDSA_SIG_new();
	EVP_PKEY_CTX *ctx = EVP_PKEY_CTX_new(pub, NULL);
	unsigned char *der = NULL;
	int der_len, rc;

	ECDSA_SIG_set0(s, BN_bin2bn(sig, 32, NULL), BN_bin2bn(sig + 32, 32, NULL));
	der_len = i2d_ECDSA_SIG(s, &der);
	assert_true(der_len > 0);
	assert_int_equal(EVP_PKEY_verify_init(ctx), 1);
	rc = EVP_PKEY_verify(ctx, der, (size_t)der_len, digest, dlen);
	OPENSSL_free(der);
	ECDSA_SIG_free(s);
	EVP_PKEY_CTX_free(ctx);
	return rc == 1;
}

void fw_ossl_sign(EVP_PKEY *k, const uint8_t *digest, size_t dlen, uint8_t sig[64])
{
	EVP_PKEY_CTX *ctx = EVP_PKEY_CTX_new(k, NULL);
	unsigned char der[80];
	const unsigned char *p = der;
	size_t der_len = sizeof(der);
	ECDSA_SIG *s;

	assert_int_equal(EVP_PKEY_sign_init(ctx), 1);
	assert_int_equal(EVP_PKEY_sign(ctx, der, &der_len, digest, dlen), 1);
	s = d2i_ECDSA_SIG(NULL, &p, (long)der_len);
	assert_non_null(s);
	BN_bn2binpad(ECDSA_SIG_get0_r(s), sig, 32);
	BN_bn2binpad(ECDSA_SIG_get0_s(s), sig + 32, 32);
	ECDSA_SIG_free(s);
	EVP_PKEY_CTX_free(ctx);
}

void fw_ossl_ecdh(EVP_PKEY *k, EVP_PKEY *peer, uint8_t z[32])
{
	EVP_PKEY_CTX *ctx = EVP_PKEY_CTX_new(k, NULL);
	size_t n = 32;

	assert_int_equal(EVP_PKEY_derive_init(ctx), 1);
	assert_int_equal(EVP_PKEY_derive_set_peer(ctx, peer), 1);
	assert_int_equal(EVP_PKEY_derive(ctx, z, &n), 1);
	assert_int_equal(n, 32);
	EVP_PKEY_CTX_free(ctx);
}

void fw_ossl_cmac(const uint8_t *key, size_t key_len, const uint8_t *m, size_t len, uint8_t mac[16])
{
	EVP_MAC *alg = EVP_MAC_fetch(NULL, "CMAC", NULL);
	EVP_MAC_CTX *ctx = EVP_MAC_CTX_new(alg);
	const char *cipher = key_len == 16   ? "AES-128-CBC"
			     : key_len == 24 ? "AES-192-CBC"
					     : "AES-256-CBC";
	OSSL_PARAM p[] = {
	    OSSL_PARAM_construct_utf8_string("cipher", (char *)cipher, 0),
	    OSSL_PARAM_construct_end(),
	};
	size_t n = 16;

	assert_int_equal(EVP_MAC_init(ctx, key, key_len, p), 1);
	assert_int_equal(EVP_MAC_update(ctx, m, len), 1);
	assert_int_equal(EVP_MAC_final(ctx, mac, &n, 16), 1);
	EVP_MAC_CTX_free(ctx);
	EVP_MAC_free(alg);
}

void fw_ossl_derive(const uint8_t z[32], const uint8_t *host_id, size_t hlen, const uint8_t eid[16],
		    struct fw_scp03t *s)
{
	uint8_t si[64], out[64];
	size_t n = 0;
	uint32_t ctr;

	si[n++] = 0x88;
	si[n++] = 0x10;
	si[n++] = (uint8_t)hlen;
	memcpy(si + n, host_id, hlen);
	n += hlen;
	si[n++] = 16;
	memcpy(si + n, eid, 16);
	n += 16;
	for (ctr = 1; ctr <= 2; ctr++) {
		uint8_t c[4] = {0, 0, 0, (uint8_t)ctr};
		EVP_MD_CTX *md = EVP_MD_CTX_new();
		unsigned int l;

		EVP_DigestInit_ex(md, EVP_sha256(), NULL);
		EVP_DigestUpdate(md, z, 32);
		EVP_DigestUpdate(md, c, 4);
		EVP_DigestUpdate(md, si, n);
		EVP_DigestFinal_ex(md, out + 32 * (ctr - 1), &l);
		EVP_MD_CTX_free(md);
	}
	memcpy(s->mcv, out, 16);
	memcpy(s->enc, out + 16, 16);
	memcpy(s->mac, out + 32, 16);
	s->counter = 1;
}

int fw_ossl_open(struct fw_scp03t *s, const uint8_t *tlv, size_t len, uint8_t *out)
{
	uint8_t macin[16 + 1100], mac[16], ctr[16] = {0}, icv[16];
	size_t hdr, dlen;
	int n = 0, f = 0;
	EVP_CIPHER_CTX *cx;

	if (len < 2)
		return -1;
	if (tlv[1] < 0x80) {
		dlen = tlv[1];
		hdr = 2;
	} else if (tlv[1] == 0x81) {
		dlen = tlv[2];
		hdr = 3;
	} else if (tlv[1] == 0x82) {
		dlen = (size_t)tlv[2] << 8 | tlv[3];
		hdr = 4;
	} else {
		return -1;
	}
	if (hdr + dlen != len || dlen < 8 || len - 8 > sizeof(macin) - 16)
		return -1;
	memcpy(macin, s->mcv, 16);
	memcpy(macin + 16, tlv, len - 8);
	fw_ossl_cmac(s->mac, 16, macin, 16 + len - 8, mac);
	if (memcmp(mac, tlv + len - 8, 8))
		return -1;
	dlen -= 8;
	if (tlv[0] == 0x88) {
		memcpy(out, tlv + hdr, dlen);
		n = (int)dlen;
	} else {
		ctr[12] = s->counter >> 24;
		ctr[13] = s->counter >> 16;
		ctr[14] = s->counter >> 8;
		ctr[15] = s->counter;
		cx = EVP_CIPHER_CTX_new();
		EVP_EncryptInit_ex(cx, EVP_aes_128_ecb(), NULL, s->enc, NULL);
		EVP_CIPHER_CTX_set_padding(cx, 0);
		EVP_EncryptUpdate(cx, icv, &f, ctr, 16);
		EVP_DecryptInit_ex(cx, EVP_aes_128_cbc(), NULL, s->enc, icv);
		EVP_CIPHER_CTX_set_padding(cx, 0);
		EVP_DecryptUpdate(cx, out, &n, tlv + hdr, (int)dlen);
		EVP_CIPHER_CTX_free(cx);
		while (n > 0 && out[n - 1] == 0)
			n--;
		if (n == 0 || out[n - 1] != 0x80)
			return -1;
		n--;
	}
	memcpy(s->mcv, mac, 16);
	s->counter++;
	return n;
}
