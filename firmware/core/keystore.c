// SPDX-License-Identifier: Apache-2.0
/*
 * keystore.c - key slots persisted in an AES-GCM sealed file (keystore.h).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <mbedtls/gcm.h>
#include <mbedtls/platform_util.h>

#include "keystore.h"

#define KS_MAGIC "PDCKEYS1"
#define KS_VERSION 1
#define KS_AAD_LEN 28
#define KS_NONCE_OFF 16
#define KS_SLOT_LEN (1 + 3 + PDC_PRIVKEY_LEN) /* curve, pad, scalar */
#define KS_BODY_LEN (PDC_KEY_SLOTS * KS_SLOT_LEN)
#define KS_TAG_LEN 16
#define KS_FILE_LEN (KS_AAD_LEN + KS_BODY_LEN + KS_TAG_LEN)

static int read_exact(const char *path, uint8_t *buf, size_t len)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	struct stat st;
	ssize_t n;
	int ret = 0;

	if (fd < 0)
		return -errno;
	if (fstat(fd, &st) < 0) {
		ret = -errno;
		goto out;
	}
	if (!S_ISREG(st.st_mode) || (size_t)st.st_size != len) {
		ret = -EINVAL;
		goto out;
	}
	n = read(fd, buf, len);
	if (n < 0)
		ret = -errno;
	else if ((size_t)n != len)
		ret = -EIO;
out:
	close(fd);
	return ret;
}

/* Write to "<path>.tmp", fsync, rename: the old file stays until the new is whole. */
static int write_atomic(const char *path, const uint8_t *buf, size_t len, int excl)
{
	size_t plen = strlen(path);
	char *tmp = malloc(plen + 5);
	int fd, ret = 0;

	if (!tmp)
		return -ENOMEM;
	memcpy(tmp, path, plen);
	memcpy(tmp + plen, ".tmp", 5);
	fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (fd < 0) {
		ret = -errno;
		goto out;
	}
	errno = 0;
	if (write(fd, buf, len) != (ssize_t)len || fsync(fd) < 0)
		ret = errno ? -errno : -EIO;
	if (close(fd) < 0 && !ret)
		ret = -errno;
	if (!ret && excl && link(tmp, path) < 0)
		ret = -errno;
	else if (!ret && !excl && rename(tmp, path) < 0)
		ret = -errno;
	if (ret || excl)
		unlink(tmp);
out:
	free(tmp);
	return ret;
}

static void pack_slots(const struct key_slot *slot, uint8_t *body)
{
	unsigned int i;

	memset(body, 0, KS_BODY_LEN);
	for (i = 0; i < PDC_KEY_SLOTS; i++) {
		body[i * KS_SLOT_LEN] = slot[i].curve;
		memcpy(body + i * KS_SLOT_LEN + 4, slot[i].priv, PDC_PRIVKEY_LEN);
	}
}

static int unpack_slots(const uint8_t *body, struct key_slot *slot)
{
	unsigned int i;

	for (i = 0; i < PDC_KEY_SLOTS; i++) {
		const uint8_t *p = body + i * KS_SLOT_LEN;

		if ((p[0] > PDC_CURVE_BP256R1 && p[0] != PDC_KEY_STOCK_AES256) || p[1] || p[2] ||
		    p[3])
			return -EINVAL;
		slot[i].curve = p[0];
		memcpy(slot[i].priv, p + 4, PDC_PRIVKEY_LEN);
	}
	return 0;
}

static void put_le32(uint8_t *p, uint32_t v)
{
	p[0] = v;
	p[1] = v >> 8;
	p[2] = v >> 16;
	p[3] = v >> 24;
}

static uint32_t get_le32(const uint8_t *p)
{
	return p[0] | p[1] << 8 | p[2] << 16 | (uint32_t)p[3] << 24;
}

/* Seal @slot with @seq into a file image. */
static int seal_file(const struct keystore *ks, const struct key_slot *slot, uint32_t seq,
		     mbedtls_ctr_drbg_context *rng, uint8_t img[KS_FILE_LEN])
{
	uint8_t body[KS_BODY_LEN];
	mbedtls_gcm_context gcm;
	int ret = -EIO;

	memcpy(img, KS_MAGIC, 8);
	put_le32(img + 8, KS_VERSION);
	put_le32(img + 12, seq);
	if (mbedtls_ctr_drbg_random(rng, img + KS_NONCE_OFF, 12))
		return -EIO;
	pack_slots(slot, body);
	mbedtls_gcm_init(&gcm);
	if (!mbedtls_gcm_setkey(&gcm, MBEDTLS_CIPHER_ID_AES, ks->devkey, 256) &&
	    !mbedtls_gcm_crypt_and_tag(&gcm, MBEDTLS_GCM_ENCRYPT, KS_BODY_LEN, img + KS_NONCE_OFF,
				       12, img, KS_AAD_LEN, body, img + KS_AAD_LEN, KS_TAG_LEN,
				       img + KS_AAD_LEN + KS_BODY_LEN))
		ret = 0;
	mbedtls_gcm_free(&gcm);
	mbedtls_platform_zeroize(body, sizeof(body));
	return ret;
}

/* Authenticate and open a file image into @slot and @seq. */
static int open_file(const uint8_t devkey[KEYSTORE_DEVKEY_LEN], const uint8_t img[KS_FILE_LEN],
		     struct key_slot *slot, uint32_t *seq)
{
	uint8_t body[KS_BODY_LEN];
	mbedtls_gcm_context gcm;
	int ret = -EBADMSG;

	if (memcmp(img, KS_MAGIC, 8) || get_le32(img + 8) != KS_VERSION)
		return -EBADMSG;
	mbedtls_gcm_init(&gcm);
	if (!mbedtls_gcm_setkey(&gcm, MBEDTLS_CIPHER_ID_AES, devkey, 256) &&
	    !mbedtls_gcm_auth_decrypt(&gcm, KS_BODY_LEN, img + KS_NONCE_OFF, 12, img, KS_AAD_LEN,
				      img + KS_AAD_LEN + KS_BODY_LEN, KS_TAG_LEN, img + KS_AAD_LEN,
				      body))
		ret = unpack_slots(body, slot) ? -EBADMSG : 0;
	if (!ret)
		*seq = get_le32(img + 12);
	mbedtls_gcm_free(&gcm);
	mbedtls_platform_zeroize(body, sizeof(body));
	return ret;
}

static int load_or_make_devkey(struct keystore *ks, const char *devkey_path, int store_exists,
			       mbedtls_ctr_drbg_context *rng)
{
	int ret = read_exact(devkey_path, ks->devkey, KEYSTORE_DEVKEY_LEN);

	if (ret != -ENOENT)
		return ret;
	/* A store without its device key can never be opened again. */
	if (store_exists)
		return -ENOKEY;
	if (mbedtls_ctr_drbg_random(rng, ks->devkey, KEYSTORE_DEVKEY_LEN))
		return -EIO;
	return write_atomic(devkey_path, ks->devkey, KEYSTORE_DEVKEY_LEN, 1);
}

int keystore_open(struct keystore *ks, const char *path, const char *devkey_path,
		  mbedtls_ctr_drbg_context *rng)
{
	uint8_t img[KS_FILE_LEN];
	char *dk_default = NULL;
	struct stat st;
	int store_exists, ret;

	memset(ks, 0, sizeof(*ks));
	if (!path || !*path)
		return -EINVAL;
	ks->path = strdup(path);
	if (!ks->path)
		return -ENOMEM;
	if (!devkey_path) {
		if (asprintf(&dk_default, "%s.devkey", path) < 0) {
			ret = -ENOMEM;
			goto fail;
		}
		devkey_path = dk_default;
	}
	store_exists = stat(path, &st) == 0;
	ret = load_or_make_devkey(ks, devkey_path, store_exists, rng);
	if (ret)
		goto fail;
	if (store_exists) {
		ret = read_exact(path, img, sizeof(img));
		if (ret == -EINVAL)
			ret = -EBADMSG; /* wrong size: cut or padded */
		if (!ret)
			ret = open_file(ks->devkey, img, ks->slot, &ks->seq);
	} else {
		ret = seal_file(ks, ks->slot, 0, rng, img);
		if (!ret)
			ret = write_atomic(path, img, sizeof(img), 0);
	}
	if (ret)
		goto fail;
	free(dk_default);
	return 0;
fail:
	free(dk_default);
	keystore_close(ks);
	return ret;
}

void keystore_close(struct keystore *ks)
{
	free(ks->path);
	mbedtls_platform_zeroize(ks, sizeof(*ks));
}

int keystore_set(struct keystore *ks, unsigned int n, const struct key_slot *val,
		 mbedtls_ctr_drbg_context *rng)
{
	struct key_slot next[PDC_KEY_SLOTS];
	uint8_t img[KS_FILE_LEN];
	int ret;

	if (n >= PDC_KEY_SLOTS)
		return -EINVAL;
	memcpy(next, ks->slot, sizeof(next));
	next[n] = *val;
	ret = seal_file(ks, next, ks->seq + 1, rng, img);
	if (!ret)
		ret = write_atomic(ks->path, img, sizeof(img), 0);
	if (!ret) {
		memcpy(ks->slot, next, sizeof(next));
		ks->seq++;
	}
	mbedtls_platform_zeroize(next, sizeof(next));
	return ret;
}

enum pdc_status keystore_key(const struct keystore *ks, unsigned int n, unsigned int type,
			     const uint8_t **key)
{
	if (n >= PDC_KEY_SLOTS)
		return PDC_ST_BAD_SLOT;
	if (!ks->slot[n].curve)
		return PDC_ST_SLOT_EMPTY;
	if (ks->slot[n].curve != type)
		return PDC_ST_BAD_KEY;
	*key = ks->slot[n].priv;
	return PDC_ST_OK;
}

int keystore_check(const struct keystore *ks)
{
	struct key_slot slot[PDC_KEY_SLOTS];
	uint8_t img[KS_FILE_LEN];
	uint32_t seq = 0;
	int ret;

	ret = read_exact(ks->path, img, sizeof(img));
	if (ret == -EINVAL)
		ret = -EBADMSG;
	if (!ret)
		ret = open_file(ks->devkey, img, slot, &seq);
	if (!ret && (seq != ks->seq || memcmp(slot, ks->slot, sizeof(slot))))
		ret = -EBADMSG;
	mbedtls_platform_zeroize(slot, sizeof(slot));
	return ret;
}
