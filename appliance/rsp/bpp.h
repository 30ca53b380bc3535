/* SPDX-License-Identifier: Apache-2.0 */
/**
 * @file bpp.h
 * @brief Bound Profile Package: build (SM-DP+) and open (software eUICC).
 *
 * BF36 { BF23 InitialiseSecureChannelRequest,
 *        A0 { 87 ConfigureISDP },
 *        A1 { 88 StoreMetadata segments },
 *        [A2 { 87 ReplaceSessionKeys }],
 *        A3 { 86 profile segments } }
 *
 * Segments (SCP03t, see portdp/scp03t.h): a whole 86/87/88 TLV (tag,
 * length, data, 8-byte C-MAC) is at most 1020 bytes, i.e. at most 1007
 * plaintext bytes for 86/87 and 1008 for 88. The UPP and StoreMetadata are
 * cut into byte ranges of that many bytes, ignoring PE boundaries: the
 * eUICC concatenates the decrypted 86 data and parses the PEs from the
 * stream (SGP.22 2.5.5; osmo-smdpp cuts the UPP the same way). One 87
 * segment each carries ConfigureISDP and ReplaceSessionKeys.
 *
 * Return convention: 0 or a negative errno.
 */
#ifndef PORTDP_RSP_BPP_H
#define PORTDP_RSP_BPP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "sgp22.h"

#ifdef __cplusplus
extern "C" {
#endif

struct pdp_accel;
struct pdp_session;
struct pdp_op;
struct pdp_scp03t;
struct pdp_sealed_upp;
struct pdp_stock_key;

/* ---- Build (SM-DP+ side) ---------------------------------------------- */

/** How bpp_build() drives the accelerator. */
enum bpp_seal_mode {
	BPP_SEAL_SYNC = 0,  /**< one pdp_bsp_seal() call per segment */
	BPP_SEAL_BATCH = 1, /**< pdp_submit() all segments of a stage at once */
};

struct bpp_build_in {
	/** The signed InitialiseSecureChannelRequest, one whole BF23 TLV. */
	const uint8_t *isc;
	size_t isc_len;
	/** ConfigureISDPRequest plaintext, one whole BF24 TLV (<= 1007 bytes). */
	const uint8_t *configure_isdp;
	size_t configure_isdp_len;
	/** StoreMetadataRequest plaintext, one whole BF25 TLV. */
	const uint8_t *store_metadata;
	size_t store_metadata_len;
	/** The UPP (a validated SAIP file). */
	const uint8_t *upp;
	size_t upp_len;
	/**
	 * Or the UPP still sealed (then @upp is NULL and @upp_len its length): A3 is made by
	 * pdp_bsp_seal_sealed() with @stock, so on the card the plaintext never reaches the
	 * host (docs/sealed-stock.md).
	 */
	const struct pdp_sealed_upp *sealed;
	struct pdp_stock_key *stock;
	/** true: add A2 (fresh PPKs via pdp_session_replace_keys) and seal A3 with them. */
	bool replace_session_keys;
	enum bpp_seal_mode mode;
};

/**
 * bpp_build() - bind a profile.
 * @session: [in] the session from pdp_session_create(); it is advanced
 *           (block counter, MAC chain) by every 87/88 (and 86 without PPKs).
 * @out, @out_len: [out] the BF36 TLV, malloc'd (free()); exactly one
 *           allocation for the output, plus one for the op table in batch
 *           mode; none per segment.
 * BPP_SEAL_BATCH requires no other ops in flight on @accel (-EBUSY):
 * bpp_build() reaps everything it finds. Segments of one session are
 * submitted in order; the backend executes one session's ops in order.
 * Returns 0, -EINVAL (an input is not one TLV of the expected tag, or
 * ConfigureISDP is too long), -ENOMEM, or the accelerator's error.
 */
int bpp_build(struct pdp_accel *accel, struct pdp_session *session, const struct bpp_build_in *in,
	      uint8_t **out, size_t *out_len);

/**
 * bpp_build_isc() - make and sign the InitialiseSecureChannelRequest.
 * @isc: [in] transaction_id, host_id and smdp_otpk set (smdp_sign ignored).
 * @euicc_otpk: [in] otPK.EUICC.ECKA from euiccSigned2.
 * @sign: [in] signs @tbs into @sig (e.g. a wrapper of pdp_sign with
 *        SK.DPpb); return 0 or a negative errno.
 * @b: [out] receives the BF23 TLV.
 */
typedef int (*bpp_sign_fn)(void *ctx, const uint8_t *tbs, size_t tbs_len,
			   uint8_t sig[SGP22_SIG_LEN]);
int bpp_build_isc(struct der_buf *b, const struct sgp22_isc *isc,
		  const uint8_t euicc_otpk[SGP22_OTPK_LEN], bpp_sign_fn sign, void *ctx);

/* ---- Open (eUICC side) ------------------------------------------------ */

/** Where bpp_open() stopped (maps onto ProfileInstallationResult errors). */
struct bpp_open_error {
	int err;		 /**< negative errno of the failed step */
	unsigned bpp_command_id; /**< enum sgp22_bpp_command */
	unsigned error_reason;	 /**< enum sgp22_error_reason */
	uint32_t container;	 /**< 0xBF36, 0xBF23, 0xA0..0xA3 */
	unsigned segment;	 /**< index within the container, from 0 */
	const char *what;	 /**< short static text of the check */
};

enum bpp_open_flags {
	/**
	 * Accept the deviations of a deployed SM-DP+ (osmo-smdpp, recorded in
	 * vectors/bsp.json bpp_decode): each segment TLV wrapped once more in
	 * an OCTET STRING of the same tag, and 86 segments above 1020 bytes.
	 * Never set on a product path.
	 */
	BPP_OPEN_LEGACY = 1u << 0,
};

struct bpp_open_opts {
	unsigned flags; /**< enum bpp_open_flags */
	/**
	 * Profile protection keys to use for A3 when the BPP has no A2
	 * (osmo-smdpp seals A3 with fixed PPKs and omits A2). NULL: A3 uses
	 * the session keys, as SGP.22 says. Ignored if A2 is present.
	 */
	const struct pdp_scp03t *ppk_without_a2;
};

/** What bpp_open() recovered. Pointers into @bpp_open()'s out buffer or input. */
struct bpp_open_result {
	struct sgp22_isc isc;	 /**< points into the BPP */
	uint8_t *configure_isdp; /**< BF24 plaintext */
	size_t configure_isdp_len;
	uint8_t *store_metadata; /**< BF25 plaintext */
	size_t store_metadata_len;
	bool has_ppk;			       /**< A2 was present */
	struct sgp22_replace_session_keys ppk; /**< from A2 */
	uint8_t *upp;			       /**< the recovered profile */
	size_t upp_len;
	uint8_t *mem; /**< one allocation holding the above; free() */
};

/**
 * bpp_open() - parse BF36 strictly and undo every segment in order.
 * @session: [in/out] the eUICC's session keys (pdp_sgp22_derive() after
 *           ECDH with smdpOtpk); advanced segment by segment.
 * @opts: [in] NULL for strict SGP.22.
 * @res: [out] on success; free(res->mem) afterwards.
 * @error: [out] on failure (may be NULL): which container, which segment,
 *         which check; bpp_command_id/error_reason ready for a
 *         ProfileInstallationResult (e.g. MAC failure in A3 ->
 *         loadProfileElements / scp03tSecurityError).
 * Checks: outer and container tags and order, ISC structure (remoteOpId 1,
 * keyType 88, keyLen 16), segment tags, 1020-byte limit, C-MAC, padding,
 * that A0 yields one BF24 TLV, A1 one BF25 TLV, A2 one BF26 TLV, that the
 * recovered profile is a valid UPP (upp_parse; else loadProfileElements /
 * installFailedDueToPEProcessingError) and that its ICCID equals
 * StoreMetadata's 5A (iccidMismatch; skipped with BPP_OPEN_LEGACY).
 * Not checked here: smdpSign (the caller verifies it over
 * res->isc.signed_part || 5F49 41 euiccOtpk with CERT.DPpb) and the
 * transactionId (the caller compares it with its session).
 * Returns 0, -EBADMSG (structure), -EACCES (C-MAC / padding: security
 * error), -ENOMEM, -EINVAL.
 */
int bpp_open(const uint8_t *bpp, size_t bpp_len, struct pdp_scp03t *session,
	     const struct bpp_open_opts *opts, struct bpp_open_result *res,
	     struct bpp_open_error *error);

#ifdef __cplusplus
}
#endif
#endif /* PORTDP_RSP_BPP_H */
