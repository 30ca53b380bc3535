/* SPDX-License-Identifier: Apache-2.0 */
/**
 * @file scp03t.h
 * @brief Software SCP03t (SGP.22 BSP) with explicit keys.
 *
 * Used by the soft backend (keys hidden inside struct pdp_session), by the
 * software eUICC in tools/ (which must see its keys) and by tests.
 *
 * One segment (tag 86/87 encrypted, 88 MAC-only):
 *   ICV      = AES-ECB(S-ENC, 16-byte big-endian block counter)
 *   data     = AES-128-CBC(S-ENC, ICV, plain || 80 00..)      (86/87 only)
 *   C-MAC    = AES-CMAC(S-MAC, MCV || tag || BER length || data)
 *   TLV      = tag || BER length(data + 8) || data || C-MAC[0..7]
 *   MCV     := C-MAC (all 16 bytes); counter := counter + 1 (also for 88)
 *
 * All calls return 0 or a negative errno:
 *   -EINVAL   bad tag, length, or a TLV that is not well formed
 *   -ENOSPC   output buffer too small
 *   -EBADMSG  C-MAC mismatch or bad padding (state unchanged)
 *   -EIO      OpenSSL failure
 */
#ifndef PORTDP_SCP03T_H
#define PORTDP_SCP03T_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#define PDP_BSP_TAG_PROFILE 0x86 /**< encrypted, A3 profile segments */
#define PDP_BSP_TAG_ENC 0x87	 /**< encrypted, A0/A2 */
#define PDP_BSP_TAG_MAC 0x88	 /**< MAC only, A1 StoreMetadata */
#define PDP_BSP_MAC_LEN 8

/** Explicit SCP03t state. counter is the block counter of the next segment. */
struct pdp_scp03t {
	uint8_t s_enc[16];
	uint8_t s_mac[16];
	uint8_t mcv[16];
	uint32_t counter;
};

/**
 * pdp_x963_kdf_sha256() - ANSI X9.63 KDF with SHA-256:
 * out = SHA256(z || ctr32be(1) || shared_info) || SHA256(z || ctr(2) || ..) ..
 */
int pdp_x963_kdf_sha256(const uint8_t *z, size_t zlen, const uint8_t *shared_info, size_t si_len,
			uint8_t *out, size_t out_len);

/**
 * pdp_sgp22_derive() - the SGP.22 session key derivation.
 * SharedInfo = 0x88 || 0x10 || len(host_id) || host_id || 0x10 || eid (as
 * matched against vectors/bsp.json); 48 bytes of KDF output are
 * initial MCV || S-ENC || S-MAC. @out gets counter 1.
 * @host_id_len: 1..16.
 */
int pdp_sgp22_derive(const uint8_t *z, size_t zlen, const uint8_t *host_id, size_t host_id_len,
		     const uint8_t eid[16], struct pdp_scp03t *out);

/** pdp_scp03t_init() - a fresh instance from explicit keys; counter = 1. */
void pdp_scp03t_init(struct pdp_scp03t *s, const uint8_t enc[16], const uint8_t mac[16],
		     const uint8_t mcv[16]);

/**
 * pdp_bsp_max_plain() - most plaintext bytes one segment of @tag carries
 * (PDP_BSP_MAX_PLAIN_ENC for 86/87, PDP_BSP_MAX_PLAIN_MAC for 88), or 0 for
 * an unknown tag. Callers split a profile into chunks of this size.
 */
size_t pdp_bsp_max_plain(uint8_t tag);

/**
 * pdp_bsp_segment_len() - length of the whole TLV pdp_scp03t_seal() makes
 * for @in_len plaintext bytes of @tag, or 0 if @in_len is out of range.
 */
size_t pdp_bsp_segment_len(uint8_t tag, size_t in_len);

/**
 * pdp_scp03t_seal() - make one segment and advance @s.
 * @in_len: 1..pdp_bsp_max_plain(@tag).
 * @out_len: [in] capacity of @out, [out] bytes written.
 * On error @s is unchanged.
 */
int pdp_scp03t_seal(struct pdp_scp03t *s, uint8_t tag, const uint8_t *in, size_t in_len,
		    uint8_t *out, size_t *out_len);

/**
 * pdp_scp03t_open() - check and undo one segment (the eUICC side).
 * Verifies the C-MAC in constant time, then advances @s, decrypts 86/87
 * and strips the 80 00.. padding (88: copies the data).
 * @tlv: exactly one whole segment (tag, BER length, data, MAC). The
 *       1020-byte limit is not enforced here: deployed SM-DP+s send 1040-byte
 *       86 segments (bsp.json bpp_decode); a strict caller checks @tlv_len.
 *       The data length must be a multiple of 16 for 86/87.
 * @tag: [out] the segment's tag.
 * @out_len: [in] capacity of @out (the data length is always enough),
 *           [out] plaintext bytes.
 * On error @s is unchanged.
 */
int pdp_scp03t_open(struct pdp_scp03t *s, const uint8_t *tlv, size_t tlv_len, uint8_t *tag,
		    uint8_t *out, size_t *out_len);

#ifdef __cplusplus
}
#endif
#endif /* PORTDP_SCP03T_H */
