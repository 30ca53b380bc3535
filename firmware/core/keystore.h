/* SPDX-License-Identifier: Apache-2.0 */
/*
 * keystore.h - the card's persistent key slots. The backing file is the
 * card's flash: all slots, encrypted and authenticated with AES-256-GCM
 * under a device key that lives in a second file (the card's fuses). A
 * file that fails authentication is refused, never half-used.
 *
 * File: "PDCKEYS1" | le32 version | le32 seq | nonce[12] | GCM(slots) | tag[16]
 * (the first 28 bytes are the GCM additional data).
 *
 * All calls return 0 or a negative errno:
 *   -EBADMSG  file tampered with or written under another device key
 *   -ENOKEY   key store present but its device key missing
 *   -EINVAL   file or device key of the wrong size/format
 *   -EIO etc. from the file system
 */
#ifndef CARD_KEYSTORE_H
#define CARD_KEYSTORE_H

#include <stdint.h>

#include <mbedtls/ctr_drbg.h>

#include "card/portdp_card.h"

#define KEYSTORE_DEVKEY_LEN 32

struct key_slot {
	uint8_t curve; /* PDC_CURVE_*, PDC_KEY_STOCK_AES256, 0 = empty */
	uint8_t priv[PDC_PRIVKEY_LEN]; /* EC scalar or AES-256 key */
};

struct keystore {
	char *path;
	uint8_t devkey[KEYSTORE_DEVKEY_LEN];
	uint32_t seq; /* writes so far */
	struct key_slot slot[PDC_KEY_SLOTS];
};

/*
 * Load @path with the device key in @devkey_path (NULL: "<path>.devkey").
 * A missing device key and store make a new card: a random device key and
 * an empty store. A missing store alone makes an empty one (factory reset).
 */
int keystore_open(struct keystore *ks, const char *path, const char *devkey_path,
		  mbedtls_ctr_drbg_context *rng);
void keystore_close(struct keystore *ks);

/* Write the store with slot @n set to @val (curve 0: empty), then apply it. */
int keystore_set(struct keystore *ks, unsigned int n, const struct key_slot *val,
		 mbedtls_ctr_drbg_context *rng);

/* Re-read the file and check it authenticates and matches memory. */
int keystore_check(const struct keystore *ks);

/*
 * The private key in slot @n when it is of @type (a curve id, or PDC_KEY_STOCK_AES256), or
 * why not: PDC_ST_BAD_SLOT, PDC_ST_SLOT_EMPTY, PDC_ST_BAD_KEY.
 */
enum pdc_status keystore_key(const struct keystore *ks, unsigned int n, unsigned int type,
			     const uint8_t **key);

#endif /* CARD_KEYSTORE_H */
