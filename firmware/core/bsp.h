/* SPDX-License-Identifier: Apache-2.0 */
/*
 * bsp.h - SGP.22 session key derivation (X9.63 KDF, SHA-256) and SCP03t
 * segment sealing on mbedTLS. Byte-identical to the host soft backend
 * (libportdp-accel/include/portdp/scp03t.h); checked with bsp.json.
 */
#ifndef CARD_BSP_H
#define CARD_BSP_H

#include <stddef.h>
#include <stdint.h>

#include "card/portdp_card.h"

/* Keys and progress of one SCP03t instance. */
struct bsp_keys {
	uint8_t s_enc[16];
	uint8_t s_mac[16];
	uint8_t mcv[16];
	uint32_t counter; /* block counter of the next segment, starts at 1 */
};

/* ANSI X9.63 KDF with SHA-256. */
enum pdc_status bsp_x963_kdf(const uint8_t *z, size_t zlen, const uint8_t *shared_info,
			     size_t si_len, uint8_t *out, size_t out_len);

/*
 * SharedInfo = 0x88 || 0x10 || len(host_id) || host_id || 0x10 || eid;
 * 48 bytes of output = initial MCV || S-ENC || S-MAC; counter 1.
 */
enum pdc_status bsp_derive(const uint8_t z[PDC_SHARED_LEN], const uint8_t *host_id,
			   size_t host_id_len, const uint8_t eid[PDC_EID_LEN],
			   struct bsp_keys *out);

/* Most plaintext bytes one segment of @tag carries, 0 for a bad tag. */
size_t bsp_max_plain(uint8_t tag);

/*
 * One segment tag || BER len || data || MAC8 into @out (capacity @out_cap).
 * Advances @k only on success.
 */
enum pdc_status bsp_seal(struct bsp_keys *k, uint8_t tag, const uint8_t *in, size_t in_len,
			 uint8_t *out, size_t out_cap, size_t *out_len);

#endif /* CARD_BSP_H */
