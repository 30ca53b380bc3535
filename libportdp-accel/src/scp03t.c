// SPDX-License-Identifier: Apache-2.0
/*
 * SCP03t segments (SGP.22 BSP): AES-128-CBC with a counter-derived ICV and
 * AES-CMAC chaining. Layout matched against vectors/bsp.json "ciphering".
 */
#include <errno.h>
#include <pthread.h>
#include <string.h>

#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>

#include "bsp_ctx.h"
#include "portdp/accel.h"

#define AES_BLOCK 16

int bsp_ctx_init(struct bsp_ctx *cx)
{
	EVP_MAC *mac = NULL;
	OSSL_PARAM params[] = {
	    OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_CIPHER, "AES-128-CBC", 0),
	    OSSL_PARAM_construct_end(),
	};

	memset(cx, 0, sizeof(*cx));
	cx->enc = EVP_CIPHER_CTX_new();
	cx->dec = EVP_CIPHER_CTX_new();
	mac = EVP_MAC_fetch(NULL, "CMAC", NULL);
	if (mac)
		cx->cmac = EVP_MAC_CTX_new(mac);
	EVP_MAC_free(mac);
	if (!cx->enc || !cx->dec || !cx->cmac)
		goto fail;
	/* The cipher name is parsed once here; later inits only swap the key. */
	if (!EVP_MAC_CTX_set_params(cx->cmac, params))
		goto fail;
	if (!EVP_EncryptInit_ex2(cx->enc, EVP_aes_128_cbc(), NULL, NULL, NULL) ||
	    !EVP_DecryptInit_ex2(cx->dec, EVP_aes_128_cbc(), NULL, NULL, NULL))
		goto fail;
	EVP_CIPHER_CTX_set_padding(cx->enc, 0);
	EVP_CIPHER_CTX_set_padding(cx->dec, 0);
	return 0;
fail:
	bsp_ctx_fini(cx);
	return -ENOMEM;
}

void bsp_ctx_fini(struct bsp_ctx *cx)
{
	EVP_CIPHER_CTX_free(cx->enc);
	EVP_CIPHER_CTX_free(cx->dec);
	EVP_MAC_CTX_free(cx->cmac);
	memset(cx, 0, sizeof(*cx));
}

size_t pdp_bsp_max_plain(uint8_t tag)
{
	switch (tag) {
	case PDP_BSP_TAG_PROFILE:
	case PDP_BSP_TAG_ENC:
		return PDP_BSP_MAX_PLAIN_ENC;
	case PDP_BSP_TAG_MAC:
		return PDP_BSP_MAX_PLAIN_MAC;
	default:
		return 0;
	}
}

static size_t ber_len_size(size_t n)
{
	return n < 0x80 ? 1 : n < 0x100 ? 2 : 3;
}

static size_t ber_len_put(uint8_t *p, size_t n)
{
	if (n < 0x80) {
		p[0] = n;
		return 1;
	}
	if (n < 0x100) {
		p[0] = 0x81;
		p[1] = n;
		return 2;
	}
	p[0] = 0x82;
	p[1] = n >> 8;
	p[2] = n;
	return 3;
}

static size_t data_len(uint8_t tag, size_t in_len)
{
	if (tag == PDP_BSP_TAG_MAC)
		return in_len;
	return (in_len / AES_BLOCK + 1) * AES_BLOCK; /* 80 00.. always adds >= 1 byte */
}

size_t pdp_bsp_segment_len(uint8_t tag, size_t in_len)
{
	size_t max = pdp_bsp_max_plain(tag), body;

	if (!max || !in_len || in_len > max)
		return 0;
	body = data_len(tag, in_len) + PDP_BSP_MAC_LEN;
	return 1 + ber_len_size(body) + body;
}

/* ICV = AES(S-ENC, counter as a 16-byte big-endian block); leaves @cx->enc keyed. */
static int make_icv(struct bsp_ctx *cx, const struct pdp_scp03t *s, uint8_t icv[AES_BLOCK])
{
	static const uint8_t zero_iv[AES_BLOCK];
	uint8_t block[AES_BLOCK] = {0};
	int n;

	block[12] = s->counter >> 24;
	block[13] = s->counter >> 16;
	block[14] = s->counter >> 8;
	block[15] = s->counter;
	/* CBC of one block with a zero IV is ECB: one key schedule serves both. */
	if (!EVP_EncryptInit_ex2(cx->enc, NULL, s->s_enc, zero_iv, NULL) ||
	    !EVP_EncryptUpdate(cx->enc, icv, &n, block, AES_BLOCK) || n != AES_BLOCK)
		return -EIO;
	return 0;
}

/* Full 16-byte CMAC over MCV || header || data. */
static int cmac(struct bsp_ctx *cx, const struct pdp_scp03t *s, const uint8_t *hdr, size_t hdr_len,
		const uint8_t *data, size_t len, uint8_t mac[16])
{
	size_t n;

	if (!EVP_MAC_init(cx->cmac, s->s_mac, 16, NULL) || !EVP_MAC_update(cx->cmac, s->mcv, 16) ||
	    !EVP_MAC_update(cx->cmac, hdr, hdr_len) || !EVP_MAC_update(cx->cmac, data, len) ||
	    !EVP_MAC_final(cx->cmac, mac, &n, 16) || n != 16)
		return -EIO;
	return 0;
}

int bsp_seal(struct bsp_ctx *cx, struct pdp_scp03t *s, uint8_t tag, const uint8_t *in,
	     size_t in_len, uint8_t *out, size_t *out_len)
{
	size_t seg = pdp_bsp_segment_len(tag, in_len), dlen, hlen;
	uint8_t icv[AES_BLOCK], last[AES_BLOCK], mac[16];
	int n, ret;

	if (!seg || !in || !out || !out_len || s->counter == UINT32_MAX)
		return -EINVAL;
	if (*out_len < seg)
		return -ENOSPC;
	dlen = data_len(tag, in_len);
	out[0] = tag;
	hlen = 1 + ber_len_put(out + 1, dlen + PDP_BSP_MAC_LEN);

	if (tag == PDP_BSP_TAG_MAC) {
		memmove(out + hlen, in, in_len);
	} else {
		size_t full = in_len / AES_BLOCK * AES_BLOCK, rest = in_len - full;
		int m;

		ret = make_icv(cx, s, icv);
		if (ret)
			return ret;
		memset(last, 0, sizeof(last));
		memcpy(last, in + full, rest);
		last[rest] = 0x80;
		ret = !EVP_EncryptInit_ex2(cx->enc, NULL, NULL, icv, NULL) ||
		      !EVP_EncryptUpdate(cx->enc, out + hlen, &n, in, full) ||
		      !EVP_EncryptUpdate(cx->enc, out + hlen + full, &m, last, AES_BLOCK) ||
		      (size_t)n + m != dlen;
		/* A profile segment's tail is UPP plaintext: not left on the stack. */
		OPENSSL_cleanse(last, sizeof(last));
		if (ret)
			return -EIO;
	}
	ret = cmac(cx, s, out, hlen, out + hlen, dlen, mac);
	if (ret)
		return ret;
	memcpy(out + hlen + dlen, mac, PDP_BSP_MAC_LEN);
	memcpy(s->mcv, mac, 16);
	s->counter++;
	*out_len = seg;
	return 0;
}

/* Parse tag and BER length of one whole segment; returns header length or <0. */
static int parse_header(const uint8_t *tlv, size_t tlv_len, size_t *len)
{
	size_t h;

	if (tlv_len < 2)
		return -EINVAL;
	if (tlv[1] < 0x80) {
		*len = tlv[1];
		h = 2;
	} else if (tlv[1] == 0x81 && tlv_len >= 3) {
		*len = tlv[2];
		h = 3;
	} else if (tlv[1] == 0x82 && tlv_len >= 4) {
		*len = (size_t)tlv[2] << 8 | tlv[3];
		h = 4;
	} else {
		return -EINVAL;
	}
	if (h + *len != tlv_len)
		return -EINVAL;
	return h;
}

int bsp_open(struct bsp_ctx *cx, struct pdp_scp03t *s, const uint8_t *tlv, size_t tlv_len,
	     uint8_t *tag, uint8_t *out, size_t *out_len)
{
	uint8_t icv[AES_BLOCK], mac[16];
	size_t len, dlen, plain;
	int hlen, ret, n;
	uint8_t t;

	if (!tlv || !tag || !out || !out_len || s->counter == UINT32_MAX)
		return -EINVAL;
	t = tlv[0];
	if (!pdp_bsp_max_plain(t))
		return -EINVAL;
	hlen = parse_header(tlv, tlv_len, &len);
	if (hlen < 0)
		return hlen;
	if (len <= PDP_BSP_MAC_LEN)
		return -EINVAL;
	dlen = len - PDP_BSP_MAC_LEN;
	if (t != PDP_BSP_TAG_MAC && dlen % AES_BLOCK)
		return -EINVAL;
	if (*out_len < dlen)
		return -ENOSPC;

	ret = cmac(cx, s, tlv, hlen, tlv + hlen, dlen, mac);
	if (ret)
		return ret;
	if (CRYPTO_memcmp(mac, tlv + hlen + dlen, PDP_BSP_MAC_LEN))
		return -EBADMSG;

	if (t == PDP_BSP_TAG_MAC) {
		memmove(out, tlv + hlen, dlen);
		plain = dlen;
	} else {
		ret = make_icv(cx, s, icv);
		if (ret)
			return ret;
		if (!EVP_DecryptInit_ex2(cx->dec, NULL, s->s_enc, icv, NULL) ||
		    !EVP_DecryptUpdate(cx->dec, out, &n, tlv + hlen, dlen) || (size_t)n != dlen)
			return -EIO;
		plain = dlen;
		while (plain && out[plain - 1] == 0x00)
			plain--;
		/* Padding is always present, so an all-zero tail or a missing 80 is forged. */
		if (!plain || out[plain - 1] != 0x80 || dlen - plain >= AES_BLOCK) {
			OPENSSL_cleanse(out, dlen);
			return -EBADMSG;
		}
		plain--;
	}
	memcpy(s->mcv, mac, 16);
	s->counter++;
	*tag = t;
	*out_len = plain;
	return 0;
}

void pdp_scp03t_init(struct pdp_scp03t *s, const uint8_t enc[16], const uint8_t mac[16],
		     const uint8_t mcv[16])
{
	memcpy(s->s_enc, enc, 16);
	memcpy(s->s_mac, mac, 16);
	memcpy(s->mcv, mcv, 16);
	s->counter = 1;
}

/* The public explicit-key calls share one context per thread. */
static pthread_key_t tls_key;
static pthread_once_t tls_once = PTHREAD_ONCE_INIT;
static int tls_key_ok;

static void tls_free(void *p)
{
	bsp_ctx_fini(p);
	OPENSSL_free(p);
}

static void tls_init(void)
{
	tls_key_ok = !pthread_key_create(&tls_key, tls_free);
}

static struct bsp_ctx *thread_ctx(void)
{
	struct bsp_ctx *cx;

	pthread_once(&tls_once, tls_init);
	if (!tls_key_ok)
		return NULL;
	cx = pthread_getspecific(tls_key);
	if (cx)
		return cx;
	cx = OPENSSL_malloc(sizeof(*cx));
	if (!cx)
		return NULL;
	if (bsp_ctx_init(cx)) {
		OPENSSL_free(cx);
		return NULL;
	}
	if (pthread_setspecific(tls_key, cx)) {
		tls_free(cx);
		return NULL;
	}
	return cx;
}

int pdp_scp03t_seal(struct pdp_scp03t *s, uint8_t tag, const uint8_t *in, size_t in_len,
		    uint8_t *out, size_t *out_len)
{
	struct bsp_ctx *cx;

	if (!s)
		return -EINVAL;
	cx = thread_ctx();
	if (!cx)
		return -ENOMEM;
	return bsp_seal(cx, s, tag, in, in_len, out, out_len);
}

int pdp_scp03t_open(struct pdp_scp03t *s, const uint8_t *tlv, size_t tlv_len, uint8_t *tag,
		    uint8_t *out, size_t *out_len)
{
	struct bsp_ctx *cx;

	if (!s)
		return -EINVAL;
	cx = thread_ctx();
	if (!cx)
		return -ENOMEM;
	return bsp_open(cx, s, tlv, tlv_len, tag, out, out_len);
}
