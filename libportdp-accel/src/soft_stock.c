// SPDX-License-Identifier: Apache-2.0
/*
 * Sealed stock on the soft backend: the stock key is a 32-byte file only its
 * owner may read; a sealed UPP is opened into one buffer inside
 * soft_seal_sealed(), sealed segment by segment and wiped before the call
 * returns. The same bytes the card makes (firmware/core/upp.c).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/rand.h>

#include "soft.h"

static int stock_new(struct pdp_accel *accel, const uint8_t key[PDP_STOCK_KEY_LEN],
		     struct pdp_stock_key **out)
{
	struct pdp_stock_key *k = OPENSSL_zalloc(sizeof(*k));

	if (!k)
		return -ENOMEM;
	k->owner = accel;
	memcpy(k->key, key, PDP_STOCK_KEY_LEN);
	*out = k;
	return 0;
}

int soft_stock_generate(struct pdp_accel *accel, const char *key_uri, struct pdp_stock_key **out)
{
	const char *path = soft_key_path(key_uri);
	uint8_t key[PDP_STOCK_KEY_LEN];
	int fd, ret = 0;

	if (!path)
		return -EINVAL;
	if (RAND_priv_bytes(key, sizeof(key)) != 1)
		return -EIO;
	fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
	if (fd < 0) {
		ret = errno == EEXIST ? -EEXIST : errno == ENOENT ? -ENOENT : -EIO;
		goto out;
	}
	if (fchmod(fd, 0600) || write(fd, key, sizeof(key)) != (ssize_t)sizeof(key) || fsync(fd))
		ret = -EIO;
	if (close(fd))
		ret = -EIO;
	if (ret)
		unlink(path);
	else
		ret = stock_new(accel, key, out);
out:
	OPENSSL_cleanse(key, sizeof(key));
	return ret;
}

int soft_stock_load(struct pdp_accel *accel, const char *key_uri, struct pdp_stock_key **out)
{
	const char *path = soft_key_path(key_uri);
	uint8_t key[PDP_STOCK_KEY_LEN + 1];
	struct stat st;
	ssize_t n;
	int fd, ret;

	if (!path)
		return -EINVAL;
	fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0)
		return errno == ENOENT ? -ENOENT : errno == EACCES ? -EACCES : -EIO;
	if (fstat(fd, &st) || !S_ISREG(st.st_mode) || (st.st_mode & 077)) {
		close(fd);
		return -EPERM;
	}
	n = read(fd, key, sizeof(key));
	close(fd);
	ret = n == PDP_STOCK_KEY_LEN ? stock_new(accel, key, out) : -EINVAL;
	OPENSSL_cleanse(key, sizeof(key));
	return ret;
}

int soft_stock_wrap(struct pdp_accel *accel, struct pdp_stock_key *key,
		    const uint8_t data_key[PDP_STOCK_KEY_LEN], uint8_t wrapped[PDP_STOCK_WRAP_LEN])
{
	EVP_CIPHER_CTX *cx = EVP_CIPHER_CTX_new();
	int n = 0, m = 0, ok;

	(void)accel;
	ok = cx && EVP_EncryptInit_ex2(cx, EVP_aes_256_wrap(), key->key, NULL, NULL) &&
	     EVP_EncryptUpdate(cx, wrapped, &n, data_key, PDP_STOCK_KEY_LEN) &&
	     EVP_EncryptFinal_ex(cx, wrapped + n, &m) && n + m == PDP_STOCK_WRAP_LEN;
	EVP_CIPHER_CTX_free(cx);
	if (!ok)
		ERR_clear_error();
	return ok ? 0 : -EIO;
}

static int unwrap(const struct pdp_stock_key *key, const uint8_t *wrapped,
		  uint8_t dk[PDP_STOCK_KEY_LEN])
{
	EVP_CIPHER_CTX *cx = EVP_CIPHER_CTX_new();
	int n = 0, m = 0, ok;

	if (!cx)
		return -ENOMEM;
	ok = EVP_DecryptInit_ex2(cx, EVP_aes_256_wrap(), key->key, NULL, NULL) &&
	     EVP_DecryptUpdate(cx, dk, &n, wrapped, PDP_STOCK_WRAP_LEN) &&
	     EVP_DecryptFinal_ex(cx, dk + n, &m) && n + m == PDP_STOCK_KEY_LEN;
	EVP_CIPHER_CTX_free(cx);
	if (!ok) {
		ERR_clear_error();
		OPENSSL_cleanse(dk, PDP_STOCK_KEY_LEN);
	}
	return ok ? 0 : -EKEYREJECTED;
}

/* GCM open of @upp into @pt; -EBADMSG when the tag does not verify. */
static int gcm_open(const uint8_t dk[PDP_STOCK_KEY_LEN], const struct pdp_sealed_upp *upp,
		    uint8_t *pt)
{
	EVP_CIPHER_CTX *cx = EVP_CIPHER_CTX_new();
	int n, ok;

	if (!cx)
		return -ENOMEM;
	ok = EVP_DecryptInit_ex2(cx, EVP_aes_256_gcm(), dk, upp->nonce, NULL) &&
	     EVP_DecryptUpdate(cx, NULL, &n, upp->aad, (int)upp->aad_len) &&
	     EVP_DecryptUpdate(cx, pt, &n, upp->ct, (int)upp->ct_len) &&
	     EVP_CIPHER_CTX_ctrl(cx, EVP_CTRL_GCM_SET_TAG, PDP_UPP_TAG_LEN, (void *)upp->tag) &&
	     EVP_DecryptFinal_ex(cx, pt + n, &n);
	EVP_CIPHER_CTX_free(cx);
	if (!ok)
		ERR_clear_error();
	return ok ? 0 : -EBADMSG;
}

int soft_seal_sealed(struct pdp_accel *accel, struct pdp_session *session,
		     struct pdp_stock_key *key, const struct pdp_sealed_upp *upp, uint8_t *out,
		     size_t out_len)
{
	uint8_t dk[PDP_STOCK_KEY_LEN];
	uint8_t *pt;
	size_t off, n, seg, done = 0;
	int ret;

	pt = OPENSSL_malloc(upp->ct_len);
	if (!pt)
		return -ENOMEM;
	ret = unwrap(key, upp->wrapped, dk);
	if (!ret)
		ret = gcm_open(dk, upp, pt);
	OPENSSL_cleanse(dk, sizeof(dk));
	/* Nothing is sealed before the whole UPP verified. */
	for (off = 0; !ret && off < upp->ct_len; off += n) {
		n = upp->ct_len - off < PDP_BSP_MAX_PLAIN_ENC ? upp->ct_len - off
							      : PDP_BSP_MAX_PLAIN_ENC;
		seg = out_len - done;
		ret = soft_bsp_seal(accel, session, PDP_BSP_TAG_PROFILE, pt + off, n, out + done,
				    &seg);
		done += seg;
	}
	OPENSSL_clear_free(pt, upp->ct_len);
	return ret;
}
