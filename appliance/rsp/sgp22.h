/* SPDX-License-Identifier: Apache-2.0 */
/**
 * @file sgp22.h
 * @brief SGP.22 v2 message codecs (RSPDefinitions, testdata/asn1/rsp.asn).
 *
 * One struct per message; the same code encodes and decodes, so the server
 * and the software eUICC agree by construction. Decoded structs are
 * zero-copy: every struct sgp22_bytes points into the caller's input, which
 * must outlive the struct. Encoders read the same structs (pointers to the
 * caller's bytes) and append DER to a struct der_buf.
 *
 * Conventions for every function here:
 *  - sgp22_decode_X(buf, len, out): @buf must be exactly one TLV of the
 *    message's tag (no trailing bytes). Returns 0, -EBADMSG (malformed,
 *    wrong tag, wrong field size, missing mandatory field) or -EINVAL (NULL
 *    argument). On error @out is zeroed. Unknown trailing fields of a
 *    SEQUENCE are skipped if well formed (rsp.asn has EXTENSIBILITY
 *    IMPLIED: real eUICCs of later SGP.22 versions add fields).
 *  - sgp22_encode_X(b, in): appends one TLV to @b. Returns 0, -EINVAL (a
 *    field of @in has an impossible size) or the der_buf error (-ENOMEM,
 *    -ENOSPC). On -EINVAL nothing is appended.
 *
 * Tags: rsp.asn uses AUTOMATIC TAGS, which apply only to SEQUENCEs/CHOICEs
 * none of whose components carries an explicit tag. The resulting wire tags
 * are written next to each field below.
 *
 * ---- What each signature covers (facts; checked against osmo-smdpp) ----
 * All signatures are ECDSA-SHA256; on the wire 5F37 40 || r || s.
 *  serverSignature1 (SK.DPauth):  the serverSigned1 TLV (30 ..).
 *  euiccSignature1 (SK.EUICC):    the euiccSigned1 TLV (30 ..) as received.
 *  smdpSignature2 (SK.DPpb):      smdpSigned2 TLV (30 ..) || 5F37 40 ||
 *                                 euiccSignature1 (the whole 67-byte TLV).
 *  euiccSignature2 (SK.EUICC):    euiccSigned2 TLV (30 ..) || 5F37 40 ||
 *                                 smdpSignature2 (the whole 67-byte TLV).
 *  smdpSign in InitialiseSecureChannelRequest (SK.DPpb):
 *                                 the TLVs 82 remoteOpId || 80 transactionId
 *                                 || A6 controlRefTemplate || 5F49 smdpOtpk
 *                                 (BF23 header NOT included) || 5F49 41 ||
 *                                 euiccOtpk (otPK.EUICC.ECKA from
 *                                 euiccSigned2). Not euiccSignature2.
 *  euiccSignPIR (SK.EUICC):       the profileInstallationResultData TLV
 *                                 (BF27 ..) as received.
 *  euiccNotificationSignature:    the tbsOtherNotification TLV (BF2F ..).
 *  euiccCancelSessionSignature:   the euiccCancelSessionSigned TLV (30 ..).
 * Decoders keep the exact received bytes of each signed TLV in a
 * struct sgp22_bytes named *_raw; verify over those, never re-encode.
 */
#ifndef PORTDP_RSP_SGP22_H
#define PORTDP_RSP_SGP22_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "der.h"

#ifdef __cplusplus
extern "C" {
#endif

/** A byte range inside someone else's buffer (never owned). */
struct sgp22_bytes {
	const uint8_t *p;
	size_t len;
};

#define SGP22_SIG_LEN 64  /**< raw r||s */
#define SGP22_OTPK_LEN 65 /**< uncompressed point */
#define SGP22_CHALLENGE_LEN 16
#define SGP22_TID_MAX 16   /**< transactionId: 1..16 bytes */
#define SGP22_ICCID_LEN 10 /**< BCD, nibble-swapped, as EFiccid */
#define SGP22_MAX_PKIDS 8  /**< CI PKIds kept per list */

/* Message tags. */
#define SGP22_TAG_EUICC_INFO1 0xBF20
#define SGP22_TAG_PREPARE_DOWNLOAD 0xBF21
#define SGP22_TAG_EUICC_INFO2 0xBF22
#define SGP22_TAG_ISC 0xBF23
#define SGP22_TAG_CONFIGURE_ISDP 0xBF24
#define SGP22_TAG_STORE_METADATA 0xBF25
#define SGP22_TAG_REPLACE_SESSION_KEYS 0xBF26
#define SGP22_TAG_PIR_DATA 0xBF27
#define SGP22_TAG_NOTIFICATION_METADATA 0xBF2F
#define SGP22_TAG_BPP 0xBF36
#define SGP22_TAG_PIR 0xBF37
#define SGP22_TAG_AUTH_SERVER 0xBF38
#define SGP22_TAG_CANCEL_SESSION 0xBF41
#define SGP22_TAG_SIGNATURE 0x5F37
#define SGP22_TAG_OTPK 0x5F49
#define SGP22_TAG_ICCID 0x5A

/** A list of CI public key identifiers (SubjectKeyIdentifier, 04 ..). */
struct sgp22_pkid_list {
	unsigned n;				/**< > SGP22_MAX_PKIDS is -EBADMSG */
	struct sgp22_bytes id[SGP22_MAX_PKIDS]; /**< each 1..32 bytes */
};

/** EUICCInfo1 BF20 { 82 svn, A9 {04..} verification, AA {04..} signing } */
struct sgp22_euicc_info1 {
	uint8_t svn[3];
	struct sgp22_pkid_list ci_verify;
	struct sgp22_pkid_list ci_sign;
};
int sgp22_decode_euicc_info1(const uint8_t *buf, size_t len, struct sgp22_euicc_info1 *out);
int sgp22_encode_euicc_info1(struct der_buf *b, const struct sgp22_euicc_info1 *in);

/**
 * EUICCInfo2 BF22 { 81 profileVersion, 82 svn, 83 euiccFirmwareVer,
 * 84 extCardResource, 85 uiccCapability, [86 javacardVersion],
 * [87 globalplatformVersion], 88 rspCapability, A9 ci_verify, AA ci_sign,
 * [8B euiccCategory], [99 forbiddenProfilePolicyRules], 04 ppVersion,
 * 0C sasAcreditationNumber, [AC certificationDataObject] }.
 * Bit strings (uicc_capability, rsp_capability, forbidden_ppr) are kept
 * as their DER value bytes (first byte = unused bits).
 */
struct sgp22_euicc_info2 {
	uint8_t profile_version[3];
	uint8_t svn[3];
	uint8_t firmware_version[3];
	struct sgp22_bytes ext_card_resource;
	struct sgp22_bytes uicc_capability;
	bool has_javacard_version;
	uint8_t javacard_version[3];
	bool has_gp_version;
	uint8_t gp_version[3];
	struct sgp22_bytes rsp_capability;
	struct sgp22_pkid_list ci_verify;
	struct sgp22_pkid_list ci_sign;
	int euicc_category;		  /**< -1 if absent */
	struct sgp22_bytes forbidden_ppr; /**< len 0: absent */
	uint8_t pp_version[3];
	struct sgp22_bytes sas_accreditation;  /**< UTF8String, 0..64 */
	struct sgp22_bytes certification_data; /**< raw AC TLV value; len 0: absent */
};
int sgp22_decode_euicc_info2(const uint8_t *buf, size_t len, struct sgp22_euicc_info2 *out);
int sgp22_encode_euicc_info2(struct der_buf *b, const struct sgp22_euicc_info2 *in);

/**
 * CtxParams1 (CHOICE) as ctxParamsForCommonAuthentication:
 * A0 { [80 matchingId], A1 deviceInfo { 80 tac(4 or 8), A1 deviceCapabilities,
 * [82 imei(8)] } }. device_capabilities is the value of the A1 TLV, kept
 * raw (a sequence of optional VersionTypes; later versions add fields).
 */
struct sgp22_ctx_params1 {
	bool has_matching_id;
	struct sgp22_bytes matching_id; /**< UTF8String, may be empty */
	uint8_t tac[8];
	uint8_t tac_len; /**< 4 (SGP.22 v2.x, lpac) or 8 (our rsp.asn); encode: 0 means 8 */
	struct sgp22_bytes device_capabilities;
	bool has_imei;
	uint8_t imei[8];
	struct sgp22_bytes raw; /**< decode: the whole A0 TLV */
};
int sgp22_decode_ctx_params1(const uint8_t *buf, size_t len, struct sgp22_ctx_params1 *out);
int sgp22_encode_ctx_params1(struct der_buf *b, const struct sgp22_ctx_params1 *in);

/** ServerSigned1 30 { 80 transactionId, 81 euiccChallenge, 83 serverAddress, 84 serverChallenge }
 */
struct sgp22_server_signed1 {
	struct sgp22_bytes transaction_id;
	uint8_t euicc_challenge[16];
	struct sgp22_bytes server_address; /**< UTF8String */
	uint8_t server_challenge[16];
	struct sgp22_bytes raw; /**< decode: the signed 30 TLV */
};
int sgp22_decode_server_signed1(const uint8_t *buf, size_t len, struct sgp22_server_signed1 *out);
int sgp22_encode_server_signed1(struct der_buf *b, const struct sgp22_server_signed1 *in);

/**
 * AuthenticateServerRequest BF38 { 30 serverSigned1, 5F37 serverSignature1,
 * 04 euiccCiPKIdToBeUsed, 30 serverCertificate, A0 ctxParams1 }
 * (ES10b; the LPA builds it from the ES9+ InitiateAuthentication answer).
 * server_certificate: the whole certificate TLV.
 */
struct sgp22_auth_server_req {
	struct sgp22_server_signed1 server_signed1;
	uint8_t server_signature1[SGP22_SIG_LEN];
	struct sgp22_bytes ci_pkid;
	struct sgp22_bytes server_certificate;
	struct sgp22_ctx_params1 ctx_params1;
};
int sgp22_decode_auth_server_req(const uint8_t *buf, size_t len, struct sgp22_auth_server_req *out);
int sgp22_encode_auth_server_req(struct der_buf *b, const struct sgp22_auth_server_req *in);

/**
 * EuiccSigned1 30 { 80 transactionId, 83 serverAddress, 84 serverChallenge,
 * BF22 euiccInfo2, A0 ctxParams1 }.
 * Encoding: euicc_info2_raw (a whole BF22 TLV) is put as is if set, else
 * euicc_info2 is encoded. Decoding fills both.
 */
struct sgp22_euicc_signed1 {
	struct sgp22_bytes transaction_id;
	struct sgp22_bytes server_address;
	uint8_t server_challenge[16];
	struct sgp22_euicc_info2 euicc_info2;
	struct sgp22_bytes euicc_info2_raw;
	struct sgp22_ctx_params1 ctx_params1;
	struct sgp22_bytes raw; /**< decode: the signed 30 TLV */
};
int sgp22_decode_euicc_signed1(const uint8_t *buf, size_t len, struct sgp22_euicc_signed1 *out);
int sgp22_encode_euicc_signed1(struct der_buf *b, const struct sgp22_euicc_signed1 *in);

/** AuthenticateErrorCode values. */
enum sgp22_auth_error {
	SGP22_AUTH_INVALID_CERTIFICATE = 1,
	SGP22_AUTH_INVALID_SIGNATURE = 2,
	SGP22_AUTH_UNSUPPORTED_CURVE = 3,
	SGP22_AUTH_NO_SESSION_CONTEXT = 4,
	SGP22_AUTH_INVALID_OID = 5,
	SGP22_AUTH_EUICC_CHALLENGE_MISMATCH = 6,
	SGP22_AUTH_CI_PK_UNKNOWN = 7,
	SGP22_AUTH_UNDEFINED = 127,
};

/**
 * AuthenticateServerResponse BF38 CHOICE:
 *  ok:    A0 { 30 euiccSigned1, 5F37 euiccSignature1, 30 euiccCertificate,
 *              30 eumCertificate }
 *  error: A1 { 80 transactionId, 02 authenticateErrorCode }
 * euicc_signature1_tlv: decode: the received 5F37 TLV (67 bytes), which is
 * what smdpSignature2 covers.
 */
struct sgp22_auth_server_resp {
	bool ok;
	/* ok */
	struct sgp22_euicc_signed1 euicc_signed1;
	uint8_t euicc_signature1[SGP22_SIG_LEN];
	struct sgp22_bytes euicc_signature1_tlv;
	struct sgp22_bytes euicc_certificate;
	struct sgp22_bytes eum_certificate;
	/* error */
	struct sgp22_bytes error_transaction_id;
	unsigned error_code; /**< enum sgp22_auth_error */
};
int sgp22_decode_auth_server_resp(const uint8_t *buf, size_t len,
				  struct sgp22_auth_server_resp *out);
int sgp22_encode_auth_server_resp(struct der_buf *b, const struct sgp22_auth_server_resp *in);

/** SmdpSigned2 30 { 80 transactionId, 01 ccRequiredFlag, [5F49 bppEuiccOtpk] } */
struct sgp22_smdp_signed2 {
	struct sgp22_bytes transaction_id;
	bool cc_required;
	struct sgp22_bytes bpp_euicc_otpk; /**< len 0: absent */
	struct sgp22_bytes raw;		   /**< decode: the signed 30 TLV */
};
int sgp22_decode_smdp_signed2(const uint8_t *buf, size_t len, struct sgp22_smdp_signed2 *out);
int sgp22_encode_smdp_signed2(struct der_buf *b, const struct sgp22_smdp_signed2 *in);

/**
 * PrepareDownloadRequest BF21 { 30 smdpSigned2, 5F37 smdpSignature2,
 * [04 hashCc(32)], 30 smdpCertificate }.
 */
struct sgp22_prepare_download_req {
	struct sgp22_smdp_signed2 smdp_signed2;
	uint8_t smdp_signature2[SGP22_SIG_LEN];
	bool has_hash_cc;
	uint8_t hash_cc[32];
	struct sgp22_bytes smdp_certificate;
};
int sgp22_decode_prepare_download_req(const uint8_t *buf, size_t len,
				      struct sgp22_prepare_download_req *out);
int sgp22_encode_prepare_download_req(struct der_buf *b,
				      const struct sgp22_prepare_download_req *in);

/** EUICCSigned2 30 { 80 transactionId, 5F49 euiccOtpk, [04 hashCc(32)] } */
struct sgp22_euicc_signed2 {
	struct sgp22_bytes transaction_id;
	uint8_t euicc_otpk[SGP22_OTPK_LEN];
	bool has_hash_cc;
	uint8_t hash_cc[32];
	struct sgp22_bytes raw; /**< decode: the signed 30 TLV */
};
int sgp22_decode_euicc_signed2(const uint8_t *buf, size_t len, struct sgp22_euicc_signed2 *out);
int sgp22_encode_euicc_signed2(struct der_buf *b, const struct sgp22_euicc_signed2 *in);

/** DownloadErrorCode values. */
enum sgp22_download_error {
	SGP22_DL_INVALID_CERTIFICATE = 1,
	SGP22_DL_INVALID_SIGNATURE = 2,
	SGP22_DL_UNSUPPORTED_CURVE = 3,
	SGP22_DL_NO_SESSION_CONTEXT = 4,
	SGP22_DL_INVALID_TRANSACTION_ID = 5,
	SGP22_DL_UNDEFINED = 127,
};

/**
 * PrepareDownloadResponse BF21 CHOICE:
 *  ok:    A0 { 30 euiccSigned2, 5F37 euiccSignature2 }
 *  error: A1 { 80 transactionId, 02 downloadErrorCode }
 */
struct sgp22_prepare_download_resp {
	bool ok;
	struct sgp22_euicc_signed2 euicc_signed2;
	uint8_t euicc_signature2[SGP22_SIG_LEN];
	struct sgp22_bytes error_transaction_id;
	unsigned error_code; /**< enum sgp22_download_error */
};
int sgp22_decode_prepare_download_resp(const uint8_t *buf, size_t len,
				       struct sgp22_prepare_download_resp *out);
int sgp22_encode_prepare_download_resp(struct der_buf *b,
				       const struct sgp22_prepare_download_resp *in);

/**
 * InitialiseSecureChannelRequest BF23 { 82 remoteOpId(=1), 80 transactionId,
 * A6 { 80 keyType(88), 81 keyLen(10), 84 hostId(1..16) }, 5F49 smdpOtpk,
 * 5F37 smdpSign }.
 * signed_part: decode: the bytes from 82 to the end of 5F49 smdpOtpk (see
 * the top of this file). Decoding rejects remoteOpId != 1, keyType != 0x88,
 * keyLen != 16.
 */
struct sgp22_isc {
	struct sgp22_bytes transaction_id;
	struct sgp22_bytes host_id;
	uint8_t smdp_otpk[SGP22_OTPK_LEN];
	uint8_t smdp_sign[SGP22_SIG_LEN];
	struct sgp22_bytes signed_part;
};
int sgp22_decode_isc(const uint8_t *buf, size_t len, struct sgp22_isc *out);
/** Encodes BF23 with in->smdp_sign as the signature. */
int sgp22_encode_isc(struct der_buf *b, const struct sgp22_isc *in);
/**
 * sgp22_isc_tbs() - append to @b the bytes smdpSign covers:
 * 82 .. 80 .. A6 .. 5F49 smdpOtpk || 5F49 41 @euicc_otpk.
 */
int sgp22_isc_tbs(struct der_buf *b, const struct sgp22_isc *in,
		  const uint8_t euicc_otpk[SGP22_OTPK_LEN]);

/** ConfigureISDPRequest BF24 { [B8 { 06 dpOid, ... }] } */
struct sgp22_configure_isdp {
	struct sgp22_bytes dp_oid; /**< OID value bytes; len 0: absent */
};
int sgp22_decode_configure_isdp(const uint8_t *buf, size_t len, struct sgp22_configure_isdp *out);
int sgp22_encode_configure_isdp(struct der_buf *b, const struct sgp22_configure_isdp *in);

/** ProfileClass */
enum sgp22_profile_class {
	SGP22_CLASS_TEST = 0,
	SGP22_CLASS_PROVISIONING = 1,
	SGP22_CLASS_OPERATIONAL = 2,
};

/**
 * StoreMetadataRequest BF25 { 5A iccid(10), 91 serviceProviderName(0..32),
 * 92 profileName(0..64), [93 iconType], [94 icon(0..1024)],
 * [95 profileClass], [B6 notificationConfigurationInfo], [B7 profileOwner],
 * [99 profilePolicyRules] }. Optional constructed fields are kept as their
 * TLV value bytes (len 0 = absent).
 */
struct sgp22_store_metadata {
	uint8_t iccid[SGP22_ICCID_LEN];
	struct sgp22_bytes sp_name;
	struct sgp22_bytes profile_name;
	int icon_type;				/**< -1 absent, 0 jpg, 1 png */
	struct sgp22_bytes icon;		/**< only with icon_type >= 0 */
	int profile_class;			/**< -1 absent (= operational) */
	struct sgp22_bytes notification_config; /**< value of B6 */
	struct sgp22_bytes profile_owner;	/**< value of B7 */
	struct sgp22_bytes ppr;			/**< value of 99 (bit string) */
};
int sgp22_decode_store_metadata(const uint8_t *buf, size_t len, struct sgp22_store_metadata *out);
int sgp22_encode_store_metadata(struct der_buf *b, const struct sgp22_store_metadata *in);

/** ReplaceSessionKeysRequest BF26 { 80 initialMacChainingValue, 81 ppkEnc, 82 ppkCmac } */
struct sgp22_replace_session_keys {
	uint8_t initial_mcv[16];
	uint8_t ppk_enc[16];
	uint8_t ppk_cmac[16];
};
int sgp22_decode_replace_session_keys(const uint8_t *buf, size_t len,
				      struct sgp22_replace_session_keys *out);
int sgp22_encode_replace_session_keys(struct der_buf *b,
				      const struct sgp22_replace_session_keys *in);

/** NotificationEvent bit numbers (one bit set in a notification). */
enum sgp22_notification_event {
	SGP22_NOTIFY_INSTALL = 0,
	SGP22_NOTIFY_ENABLE = 1,
	SGP22_NOTIFY_DISABLE = 2,
	SGP22_NOTIFY_DELETE = 3,
};

/**
 * NotificationMetadata BF2F { 80 seqNumber, 81 profileManagementOperation
 * (BIT STRING, exactly one of bits 0..3 set), 0C notificationAddress,
 * [5A iccid] }.
 */
struct sgp22_notification_metadata {
	uint64_t seq_number;
	enum sgp22_notification_event operation;
	struct sgp22_bytes notification_address;
	bool has_iccid;
	uint8_t iccid[SGP22_ICCID_LEN];
	struct sgp22_bytes raw; /**< decode: the whole BF2F TLV */
};
int sgp22_decode_notification_metadata(const uint8_t *buf, size_t len,
				       struct sgp22_notification_metadata *out);
int sgp22_encode_notification_metadata(struct der_buf *b,
				       const struct sgp22_notification_metadata *in);

/** BppCommandId */
enum sgp22_bpp_command {
	SGP22_BPP_CMD_ISC = 0,
	SGP22_BPP_CMD_CONFIGURE_ISDP = 1,
	SGP22_BPP_CMD_STORE_METADATA = 2,
	SGP22_BPP_CMD_STORE_METADATA2 = 3,
	SGP22_BPP_CMD_REPLACE_SESSION_KEYS = 4,
	SGP22_BPP_CMD_LOAD_PROFILE_ELEMENTS = 5,
};

/** ErrorReason of ProfileInstallationResult */
enum sgp22_error_reason {
	SGP22_ERR_INCORRECT_INPUT_VALUES = 1,
	SGP22_ERR_INVALID_SIGNATURE = 2,
	SGP22_ERR_INVALID_TRANSACTION_ID = 3,
	SGP22_ERR_UNSUPPORTED_CRT_VALUES = 4,
	SGP22_ERR_UNSUPPORTED_REMOTE_OPERATION_TYPE = 5,
	SGP22_ERR_UNSUPPORTED_PROFILE_CLASS = 6,
	SGP22_ERR_SCP03T_STRUCTURE_ERROR = 7,
	SGP22_ERR_SCP03T_SECURITY_ERROR = 8,
	SGP22_ERR_ICCID_ALREADY_EXISTS = 9,
	SGP22_ERR_INSUFFICIENT_MEMORY = 10,
	SGP22_ERR_INTERRUPTION = 11,
	SGP22_ERR_PE_PROCESSING_ERROR = 12,
	SGP22_ERR_ICCID_MISMATCH = 13,
	SGP22_ERR_TEST_PROFILE_INVALID_NAA_KEY = 14,
	SGP22_ERR_PPR_NOT_ALLOWED = 15,
	SGP22_ERR_UNKNOWN = 127,
};

/**
 * ProfileInstallationResult BF37 {
 *   BF27 { 80 transactionId, BF2F notificationMetadata, [06 smdpOid],
 *          A2 finalResult { A0 success { 4F aid(5..16), 04 simaResponse }
 *                         | A1 error { 80 bppCommandId, 81 errorReason,
 *                                      [82 simaResponse] } } },
 *   5F37 euiccSignPIR }
 * (SuccessResult has a tagged field, so no automatic tags; ErrorResult has
 * none, so it gets 80/81/82.)
 * data_raw: decode: the BF27 TLV that euiccSignPIR covers.
 */
struct sgp22_pir {
	struct sgp22_bytes transaction_id;
	struct sgp22_notification_metadata notification;
	struct sgp22_bytes smdp_oid; /**< OID value bytes; len 0: absent */
	bool success;
	struct sgp22_bytes aid;		  /**< success */
	struct sgp22_bytes sima_response; /**< success: mandatory; error: len 0 = absent */
	unsigned bpp_command_id;	  /**< error: enum sgp22_bpp_command */
	unsigned error_reason;		  /**< error: enum sgp22_error_reason */
	uint8_t signature[SGP22_SIG_LEN];
	struct sgp22_bytes data_raw;
};
int sgp22_decode_pir(const uint8_t *buf, size_t len, struct sgp22_pir *out);
/** Encodes BF37 with in->signature; the BF27 part alone: sgp22_encode_pir_data(). */
int sgp22_encode_pir(struct der_buf *b, const struct sgp22_pir *in);
/** sgp22_encode_pir_data() - append the BF27 TLV (what euiccSignPIR covers). */
int sgp22_encode_pir_data(struct der_buf *b, const struct sgp22_pir *in);

/**
 * OtherSignedNotification 30 { BF2F tbsOtherNotification, 5F37 signature,
 * 30 euiccCertificate, 30 eumCertificate } (delete/enable/disable).
 * tbs.raw (decode) is what the signature covers.
 */
struct sgp22_other_notification {
	struct sgp22_notification_metadata tbs;
	uint8_t signature[SGP22_SIG_LEN];
	struct sgp22_bytes euicc_certificate;
	struct sgp22_bytes eum_certificate;
};
int sgp22_decode_other_notification(const uint8_t *buf, size_t len,
				    struct sgp22_other_notification *out);
int sgp22_encode_other_notification(struct der_buf *b, const struct sgp22_other_notification *in);

/** PendingNotification CHOICE: BF37 ProfileInstallationResult | 30 OtherSignedNotification */
struct sgp22_pending_notification {
	bool is_pir;
	struct sgp22_pir pir;
	struct sgp22_other_notification other;
};
int sgp22_decode_pending_notification(const uint8_t *buf, size_t len,
				      struct sgp22_pending_notification *out);
int sgp22_encode_pending_notification(struct der_buf *b,
				      const struct sgp22_pending_notification *in);

/** CancelSessionReason */
enum sgp22_cancel_reason {
	SGP22_CANCEL_END_USER_REJECTION = 0,
	SGP22_CANCEL_POSTPONED = 1,
	SGP22_CANCEL_TIMEOUT = 2,
	SGP22_CANCEL_PPR_NOT_ALLOWED = 3,
	SGP22_CANCEL_METADATA_MISMATCH = 4,	   /* SGP.22 v2.1 and later */
	SGP22_CANCEL_LOAD_BPP_EXECUTION_ERROR = 5, /* SGP.22 v2.1 and later */
	SGP22_CANCEL_UNDEFINED_REASON = 127,
};

/**
 * CancelSessionResponse BF41 CHOICE:
 *  ok:    A0 { 30 euiccCancelSessionSigned { 80 transactionId,
 *              81 smdpOid (OID value bytes), 82 reason },
 *              5F37 euiccCancelSessionSignature }
 *  error: 81 INTEGER (5 invalidTransactionId, 127 undefinedError)
 * signed_raw (decode): the 30 TLV the signature covers.
 */
struct sgp22_cancel_session_resp {
	bool ok;
	struct sgp22_bytes transaction_id;
	struct sgp22_bytes smdp_oid;
	unsigned reason; /**< enum sgp22_cancel_reason */
	uint8_t signature[SGP22_SIG_LEN];
	struct sgp22_bytes signed_raw;
	unsigned error_code;
};
int sgp22_decode_cancel_session_resp(const uint8_t *buf, size_t len,
				     struct sgp22_cancel_session_resp *out);
int sgp22_encode_cancel_session_resp(struct der_buf *b, const struct sgp22_cancel_session_resp *in);
/** sgp22_encode_cancel_session_signed() - the 30 TLV the eUICC signs. */
int sgp22_encode_cancel_session_signed(struct der_buf *b,
				       const struct sgp22_cancel_session_resp *in);

/* ---- Small helpers shared by the codecs and their users ---------------- */

/**
 * sgp22_iccid_to_string() - EFiccid BCD (nibble-swapped, F-padded) to a
 * decimal string. @out must hold 21 bytes. -EBADMSG on a non-decimal digit
 * before the F padding.
 */
int sgp22_iccid_to_string(const uint8_t iccid[SGP22_ICCID_LEN], char out[21]);
/** sgp22_iccid_from_string() - 18..20 decimal digits to BCD. -EINVAL otherwise. */
int sgp22_iccid_from_string(const char *s, uint8_t iccid[SGP22_ICCID_LEN]);

/** sgp22_put_signature() - append 5F37 40 || @sig. */
void sgp22_put_signature(struct der_buf *b, const uint8_t sig[SGP22_SIG_LEN]);

#ifdef __cplusplus
}
#endif
#endif /* PORTDP_RSP_SGP22_H */
