// SPDX-License-Identifier: Apache-2.0
/*
 * Stock sealed at rest (schema v5): every UPP is stored as
 *
 *   "PDS" 01 || AES-256 key wrap (RFC 3394) of its own data key (40) || nonce (12)
 *            || AES-256-GCM ciphertext (as long as the UPP) || tag (16)
 *
 * with the magic and the profile's ICCID as associated data, so a blob moved to another
 * profile row does not open. The data key is fresh per profile; the wrapping key is the
 * stock key: in soft mode a 32-byte file created 0600 and refused when group or others may
 * read it. The plaintext exists only in the buffer inv_open_upp() hands out, which
 * inv_free_upp() wipes.
 *
 * A bench-only build (-DPORTDP_PLAINTEXT_STOCK) stores plaintext, for the cost comparison
 * of docs/benchmarks.md; nothing ships built that way.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/rand.h>
#include "inv_internal.h"

#define WRAP_LEN (INV_STOCK_KEY_LEN + 8)
#define NONCE_LEN 12
#define TAG_LEN 16
#define HDR_LEN (sizeof(inv_seal_magic) + WRAP_LEN + NONCE_LEN)

const uint8_t inv_seal_magic[4] = {'P', 'D', 'S', 0x01};

/* Set once at start (before workers open connections); read-only after. */
static uint8_t stock_key[INV_STOCK_KEY_LEN];
static bool stock_key_set;
/* The card path: the stock key is a card slot; data keys are wrapped there. */
static bool stock_on_card;
static inv_stock_wrap_fn card_wrap;
static void *card_wrap_ctx;

void inv_stock_key_set_card(inv_stock_wrap_fn wrap, void *ctx)
{
	stock_on_card = true;
	card_wrap = wrap;
	card_wrap_ctx = ctx;
}

int inv_stock_key_on_card(void)
{
	return stock_on_card;
}

void inv_stock_key_set(const uint8_t key[INV_STOCK_KEY_LEN])
{
	memcpy(stock_key, key, INV_STOCK_KEY_LEN);
	stock_key_set = true;
}

void inv_stock_key_clear(void)
{
	OPENSSL_cleanse(stock_key, sizeof(stock_key));
	stock_key_set = false;
}

bool inv_stock_key_loaded(void)
{
	return stock_key_set || (stock_on_card && card_wrap);
}

static int fail(char *msg, size_t len, int err, const char *fmt, const char *path)
{
	if (msg && len)
		snprintf(msg, len, fmt, path, strerror(-err));
	return err;
}

/* A fresh key into @path: written under a temporary name, then linked (never replaces one). */
static int create_key(const char *path, char *msg, size_t msg_len)
{
	uint8_t key[INV_STOCK_KEY_LEN];
	char tmp[4096];
	int fd, err = 0;

	if (snprintf(tmp, sizeof(tmp), "%s.new.%ld", path, (long)getpid()) >= (int)sizeof(tmp))
		return fail(msg, msg_len, -ENAMETOOLONG, "stock key %s: %s", path);
	if (RAND_priv_bytes(key, sizeof(key)) != 1)
		return fail(msg, msg_len, -EIO, "stock key %s: no random numbers (%s)", path);
	fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
	if (fd < 0)
		return fail(msg, msg_len, -errno, "stock key %s: cannot create it (%s)", path);
	if (fchmod(fd, 0600) || write(fd, key, sizeof(key)) != (ssize_t)sizeof(key) || fsync(fd))
		err = -errno ? -errno : -EIO;
	OPENSSL_cleanse(key, sizeof(key));
	close(fd);
	/* link() fails if another process made the key meanwhile: then that one is read. */
	if (!err && link(tmp, path) && errno != EEXIST)
		err = -errno;
	unlink(tmp);
	if (err)
		return fail(msg, msg_len, err, "stock key %s: cannot create it (%s)", path);
	return 0;
}

int inv_stock_key_load(const char *path, int create, char *msg, size_t msg_len)
{
	uint8_t key[INV_STOCK_KEY_LEN + 1];
	struct stat st;
	ssize_t n;
	int fd, err;

	if (!path || !*path)
		return fail(msg, msg_len, -EINVAL, "stock key '%s': no path (%s)", "");
	fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0 && errno == ENOENT && create) {
		err = create_key(path, msg, msg_len);
		if (err)
			return err;
		fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
	}
	if (fd < 0)
		return fail(msg, msg_len, -errno, "stock key %s: %s", path);
	if (fstat(fd, &st)) {
		err = -errno;
		close(fd);
		return fail(msg, msg_len, err, "stock key %s: %s", path);
	}
	if (!S_ISREG(st.st_mode) || (st.st_mode & 077)) {
		close(fd);
		if (msg && msg_len)
			snprintf(msg, msg_len,
				 "stock key %s: mode %04o: it must be a regular file only its owner"
				 " may read (chmod 600)",
				 path, (unsigned)(st.st_mode & 07777));
		return -EPERM;
	}
	n = read(fd, key, sizeof(key));
	close(fd);
	if (n != INV_STOCK_KEY_LEN) {
		OPENSSL_cleanse(key, sizeof(key));
		if (msg && msg_len)
			snprintf(msg, msg_len, "stock key %s: must hold exactly %d bytes", path,
				 INV_STOCK_KEY_LEN);
		return -EINVAL;
	}
	inv_stock_key_set(key);
	OPENSSL_cleanse(key, sizeof(key));
	return 0;
}

#ifdef PORTDP_PLAINTEXT_STOCK
size_t inv_sealed_len(size_t upp_len)
{
	return upp_len;
}
#else
size_t inv_sealed_len(size_t upp_len)
{
	return HDR_LEN + upp_len + TAG_LEN;
}
#endif

#ifndef PORTDP_PLAINTEXT_STOCK
/* AES-256-GCM of @in (@len) into @out with @key/@nonce and AAD magic||iccid; 0 or -EIO. */
static int gcm(int enc, const uint8_t *key, const uint8_t *nonce, const char *iccid,
	       const uint8_t *in, size_t len, uint8_t *out, uint8_t *tag)
{
	EVP_CIPHER_CTX *cx = EVP_CIPHER_CTX_new();
	int n, ok;

	if (!cx || len > INT32_MAX)
		ok = 0;
	else
		ok = EVP_CipherInit_ex2(cx, EVP_aes_256_gcm(), key, nonce, enc, NULL) &&
		     EVP_CipherUpdate(cx, NULL, &n, inv_seal_magic, sizeof(inv_seal_magic)) &&
		     EVP_CipherUpdate(cx, NULL, &n, (const uint8_t *)iccid, (int)strlen(iccid)) &&
		     EVP_CipherUpdate(cx, out, &n, in, (int)len) &&
		     (enc || EVP_CIPHER_CTX_ctrl(cx, EVP_CTRL_GCM_SET_TAG, TAG_LEN, tag)) &&
		     EVP_CipherFinal_ex(cx, out + n, &n) &&
		     (!enc || EVP_CIPHER_CTX_ctrl(cx, EVP_CTRL_GCM_GET_TAG, TAG_LEN, tag));
	EVP_CIPHER_CTX_free(cx);
	return ok ? 0 : -EIO;
}

/* RFC 3394 wrap (@enc) or unwrap of a 32-byte data key with the stock key (keywrap.c). */
static int wrap(int enc, const uint8_t *in, uint8_t *out)
{
	return inv_keywrap(enc, stock_key, in, out) ? -EIO : 0;
}
#endif

int inv_seal(const char *iccid, const uint8_t *upp, size_t len, uint8_t *out, char *msg,
	     size_t msg_len)
{
#ifdef PORTDP_PLAINTEXT_STOCK
	(void)iccid, (void)msg, (void)msg_len;
	memcpy(out, upp, len);
	return 0;
#else
	uint8_t dek[INV_STOCK_KEY_LEN];
	uint8_t *p = out;
	int err;

	if (stock_on_card && !card_wrap) {
		snprintf(msg, msg_len,
			 "the stock key is on the card: import with portdpctl -k slot:N");
		return -ENOKEY;
	}
	if (!stock_key_set && !stock_on_card) {
		snprintf(msg, msg_len,
			 "no stock key: UPPs are sealed at rest (schema v5) with the"
			 " key next to the inventory (portdpctl init makes it)");
		return -ENOKEY;
	}
	memcpy(p, inv_seal_magic, sizeof(inv_seal_magic));
	p += sizeof(inv_seal_magic);
	err = RAND_priv_bytes(dek, sizeof(dek)) == 1 && RAND_bytes(p + WRAP_LEN, NONCE_LEN) == 1
		  ? (stock_on_card ? card_wrap(card_wrap_ctx, dek, p) : wrap(1, dek, p))
		  : -EIO;
	p += WRAP_LEN;
	if (!err)
		err = gcm(1, dek, p, iccid, upp, len, p + NONCE_LEN, p + NONCE_LEN + len);
	OPENSSL_cleanse(dek, sizeof(dek));
	if (err)
		snprintf(msg, msg_len, "sealing the UPP of %s failed", iccid);
	return err;
#endif
}

int inv_unseal(const char *iccid, const uint8_t *blob, size_t blob_len, uint8_t *out,
	       size_t *out_len, char *msg, size_t msg_len)
{
#ifdef PORTDP_PLAINTEXT_STOCK
	(void)iccid, (void)msg, (void)msg_len;
	memcpy(out, blob, blob_len);
	*out_len = blob_len;
	return 0;
#else
	uint8_t dek[INV_STOCK_KEY_LEN];
	const uint8_t *p = blob + sizeof(inv_seal_magic);
	size_t len;
	int err;

	if (blob_len < HDR_LEN + TAG_LEN || memcmp(blob, inv_seal_magic, sizeof(inv_seal_magic))) {
		snprintf(msg, msg_len, "the stored UPP of %s is not sealed", iccid);
		return -EBADMSG;
	}
	if (stock_on_card) {
		snprintf(msg, msg_len,
			 "the stock key is on the card: the UPP of %s opens only there, in a"
			 " binding",
			 iccid);
		return -EOPNOTSUPP;
	}
	if (!stock_key_set) {
		snprintf(msg, msg_len, "no stock key to open the UPP of %s", iccid);
		return -ENOKEY;
	}
	len = blob_len - HDR_LEN - TAG_LEN;
	if (wrap(0, p, dek)) {
		snprintf(msg, msg_len,
			 "the stock key does not open the UPP of %s"
			 " (another inventory's key file?)",
			 iccid);
		return -EKEYREJECTED;
	}
	/* The tag is checked before the caller may use any byte (GCM final). */
	err = gcm(0, dek, p + WRAP_LEN, iccid, p + WRAP_LEN + NONCE_LEN, len, out,
		  (uint8_t *)p + WRAP_LEN + NONCE_LEN + len);
	OPENSSL_cleanse(dek, sizeof(dek));
	if (err) {
		OPENSSL_cleanse(out, len);
		snprintf(msg, msg_len, "the sealed UPP of %s fails its integrity check", iccid);
		return -EBADMSG;
	}
	*out_len = len;
	return 0;
#endif
}

#ifndef PORTDP_PLAINTEXT_STOCK
int inv_seal_split(const char *iccid, uint8_t *blob, size_t blob_len, struct inv_sealed *out)
{
	size_t n = strlen(iccid);

	if (blob_len < HDR_LEN + 1 + TAG_LEN || memcmp(blob, inv_seal_magic, sizeof(inv_seal_magic)) ||
	    sizeof(inv_seal_magic) + n > INV_SEAL_AAD_MAX)
		return -EBADMSG;
	out->blob = blob;
	out->blob_len = blob_len;
	memcpy(out->aad, inv_seal_magic, sizeof(inv_seal_magic));
	memcpy(out->aad + sizeof(inv_seal_magic), iccid, n);
	out->aad_len = sizeof(inv_seal_magic) + n;
	out->wrapped = blob + sizeof(inv_seal_magic);
	out->nonce = out->wrapped + WRAP_LEN;
	out->ct = out->nonce + NONCE_LEN;
	out->ct_len = blob_len - HDR_LEN - TAG_LEN;
	out->tag = out->ct + out->ct_len;
	return 0;
}
#else
int inv_seal_split(const char *iccid, uint8_t *blob, size_t blob_len, struct inv_sealed *out)
{
	(void)iccid, (void)blob, (void)blob_len, (void)out;
	return -EBADMSG;
}
#endif

void inv_free_upp(uint8_t *upp, size_t len)
{
	if (!upp)
		return;
	OPENSSL_cleanse(upp, len);
	free(upp);
}

/*
 * SQL function portdp_seal_upp(iccid, der) for the v5 migration: seals a plaintext UPP of the
 * older schema in place; an error (no key) fails the migration's one transaction.
 */
static void sql_seal(sqlite3_context *ctx, int argc, sqlite3_value **argv)
{
	const char *iccid = (const char *)sqlite3_value_text(argv[0]);
	const uint8_t *der = sqlite3_value_blob(argv[1]);
	size_t len = (size_t)sqlite3_value_bytes(argv[1]);
	char msg[256];
	uint8_t *out;

	(void)argc;
	if (!iccid || !der) {
		sqlite3_result_error(ctx, "portdp_seal_upp: no ICCID or UPP", -1);
		return;
	}
	/* Already sealed (a migration re-run on a partly sealed file cannot happen: one txn). */
	if (len >= sizeof(inv_seal_magic) && !memcmp(der, inv_seal_magic, sizeof(inv_seal_magic))) {
		sqlite3_result_value(ctx, argv[1]);
		return;
	}
	out = malloc(inv_sealed_len(len));
	if (!out) {
		sqlite3_result_error_nomem(ctx);
		return;
	}
	if (inv_seal(iccid, der, len, out, msg, sizeof(msg))) {
		free(out);
		sqlite3_result_error(ctx, msg, -1);
		return;
	}
	sqlite3_result_blob64(ctx, out, inv_sealed_len(len), free);
}

int inv_seal_register(sqlite3 *db)
{
	return sqlite3_create_function(db, "portdp_seal_upp", 2, SQLITE_UTF8 | SQLITE_DIRECTONLY,
				       NULL, sql_seal, NULL, NULL);
}
