/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Transfer bundles between units (issue 11, UC4): the file format (bundle.c, a parser of
 * outside input with no other dependency, fuzzed by fuzz/harness/fuzz_bundle.c) and the
 * per-profile envelope (bundle_seal.c).
 *
 * Layout, all integers big-endian:
 *   "PDPXFER1"                      magic (8)
 *   kind                            u8: 1 transfer, 2 return, 3 receipt
 *   bundle_id                       16 random bytes naming the bundle (a receipt: the bundle's)
 *   created                         u64 unix time
 *   signer certificate              u16 length + DER (the signing unit's certificate)
 *   destination                     32: SHA-256 of the destination unit's certificate DER
 *   digest                          32: a receipt: SHA-256 of the bundle it answers; else 0
 *   count                           u32 items
 *   item * count:
 *     iccid                         u8 length (10..20) + decimal digits
 *     sp_name, profile_name, type   u8 length (0..64) + bytes, each
 *     class, reuse                  u8, u8
 *     eph_pub                       65: the sender's one-time P-256 key (uncompressed)
 *     nonce                         12
 *     sealed UPP                    u32 length + AES-256-GCM ciphertext || tag (16)
 *                                   (a receipt's items carry the ICCID only: all lengths 0,
 *                                   eph_pub and nonce zero)
 *   signature                       64: ECDSA-SHA256 r||s by the signer over all of the above
 * Nothing may follow the signature.
 *
 * Envelope of one UPP: z = ECDH(eph, destination unit key); key = HKDF-SHA256(z, salt =
 * bundle_id, info = "portdp-xfer-1" || eph_pub || iccid), 32 bytes; AES-256-GCM with that key
 * and the nonce, AAD = bundle_id || iccid. A fresh eph per profile.
 */
#ifndef PORTDPCTL_BUNDLE_H
#define PORTDPCTL_BUNDLE_H

#include <stddef.h>
#include <stdint.h>

#define BUNDLE_MAGIC "PDPXFER1"
#define BUNDLE_MAX_ITEMS 100000
#define BUNDLE_MAX_CERT 4096

enum bundle_kind { BUNDLE_TRANSFER = 1, BUNDLE_RETURN = 2, BUNDLE_RECEIPT = 3 };

struct bundle_item {
	char iccid[21];
	char sp_name[65], profile_name[65], profile_type[65];
	uint8_t profile_class, reuse;
	uint8_t eph_pub[65];
	uint8_t nonce[12];
	const uint8_t *sealed; /* points into the parsed buffer */
	size_t sealed_len;
};

struct bundle {
	enum bundle_kind kind;
	uint8_t id[16];
	uint64_t created;
	const uint8_t *signer_cert; /* into the buffer */
	size_t signer_cert_len;
	uint8_t dest_fp[32];
	uint8_t digest[32];
	uint32_t count;
	struct bundle_item *items; /* malloc'd */
	size_t signed_len;         /* bytes the signature covers */
	uint8_t sig[64];
};

/*
 * Parse @buf (kept by the caller: the bundle points into it). 0, or -EINVAL with @why (a
 * static string) saying what is wrong. Checks structure only, not the signature.
 */
int bundle_parse(const uint8_t *buf, size_t len, struct bundle *b, const char **why);
void bundle_free(struct bundle *b);

/* A bundle id as 32 hex digits (@out: 33 bytes), and back: 0, or -1 when @s (may be NULL) is not
 * 32 of them. */
void hex16(const uint8_t id[16], char out[33]);
int unhex16(const char *s, uint8_t id[16]);

/* A growing buffer for writing a bundle. */
struct bundle_buf {
	uint8_t *p;
	size_t len, cap;
	int oom;
};
void bb_bytes(struct bundle_buf *w, const void *p, size_t n);
void bb_u8(struct bundle_buf *w, uint8_t v);
void bb_u16(struct bundle_buf *w, uint16_t v);
void bb_u32(struct bundle_buf *w, uint32_t v);
void bb_u64(struct bundle_buf *w, uint64_t v);
void bb_str8(struct bundle_buf *w, const char *s);
/* Header up to and including count; items follow, then the signature. */
void bundle_write_head(struct bundle_buf *w, enum bundle_kind kind, const uint8_t id[16],
		       uint64_t created, const uint8_t *cert, size_t cert_len,
		       const uint8_t dest_fp[32], const uint8_t digest[32], uint32_t count);
void bundle_write_item(struct bundle_buf *w, const struct bundle_item *it);

/* bundle_seal.c: the envelope. 0 or -errno. @out: malloc'd ciphertext || tag. */
int bundle_seal(const uint8_t id[16], const char *iccid, const uint8_t dest_pub[65],
		const uint8_t *upp, size_t upp_len, uint8_t eph_pub[65], uint8_t nonce[12],
		uint8_t **out, size_t *out_len);
/* @z: the ECDH secret the destination computed with its key (pdp_ecdh) and eph_pub. */
int bundle_open(const uint8_t id[16], const char *iccid, const uint8_t eph_pub[65],
		const uint8_t z[32], const uint8_t nonce[12], const uint8_t *sealed,
		size_t sealed_len, uint8_t **upp, size_t *upp_len);

/*
 * bundle_build.c: write and sign a transfer (@kind 1) or return (2) bundle @bid of inventory
 * profiles @ids into @w, each UPP sealed for @dest_pub, signed by @key (certificate
 * @signer_der). @stock: the card path (the card on @accel re-seals each stored UPP), NULL:
 * the host opens them. Changes nothing in @inv. 0 or -errno with @why.
 */
struct inventory;
struct pdp_accel;
struct pdp_key;
struct pdp_stock_key;
int bundle_build(struct inventory *inv, struct pdp_accel *accel, struct pdp_key *key,
		 struct pdp_stock_key *stock, int kind,
		 const uint8_t bid[16], const uint8_t *signer_der, size_t signer_len,
		 const uint8_t dest_fp[32], const uint8_t dest_pub[65], const int64_t *ids,
		 unsigned n, struct bundle_buf *w, char *why, size_t why_len);

#endif
