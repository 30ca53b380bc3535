/* SPDX-License-Identifier: Apache-2.0 */
/*
 * A strict software eUICC: the ES10b side of SGP.22 played for real, for
 * tests and the demo. Commands and answers are the DER an eUICC exchanges
 * with its LPA; every check a real eUICC makes is made (certificate chains
 * by CI key id, signatures, challenge/transactionId/address echoes, BSP MACs,
 * ICCID of the profile), and the first failure ends the command with the
 * SGP.22 error answer.
 *
 * Identity directory (--euicc DIR):
 *   euicc.der       CERT.EUICC.ECDSA (DER or PEM)
 *   euicc-key.pem   SK.EUICC.ECDSA
 *   eum.der         CERT.EUM.ECDSA
 *   ci*.der / ci*.pem  trusted CI certificates (or given in the config)
 * State directory (installed profiles and pending notifications survive the
 * process, so a later run can delete a profile and notify):
 *   profiles/<ICCID>.upp, profiles/<ICCID>.meta, notifications/<seq>.der, seq
 *
 * Return convention of every call: 0 or a negative errno. ES10b commands
 * that produce an SGP.22 answer return 0 and put the answer's error code
 * (0 for an OK answer) into *sgp_err; negative errno means no answer at all
 * (-EINVAL: the command DER is malformed, -ENOMEM, -EIO: key/file trouble,
 * -ENOENT: no such profile/notification, -EEXIST: profile already there).
 */
#ifndef PORTDP_SOFT_EUICC_H
#define PORTDP_SOFT_EUICC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#define SEUICC_MAX_CI 8

struct seuicc_config {
	const char *identity_dir;               /* required */
	const char *state_dir;                  /* writable; NULL: identity_dir */
	const char *ci_files[SEUICC_MAX_CI];    /* none given: identity_dir/ci*.{der,pem} */
	unsigned n_ci;
	time_t now;                             /* certificate check time, 0: time(NULL) */
	/* Profiles and notifications in process memory, lost at close: for load generators
	 * running many eUICCs (no file I/O per download). state_dir is then unused. */
	bool nvm_in_memory;
};

struct seuicc;

int seuicc_open(const struct seuicc_config *cfg, struct seuicc **out, char *err,
		unsigned err_len);
void seuicc_close(struct seuicc *e);

/* What the eUICC checks in the downloads that follow. */
enum seuicc_checks {
	SEUICC_CHECK_ALL = 0, /* the strict eUICC (default) */
	/*
	 * Load generators only, and only when they say so in their output: no
	 * certificate, signature, BSP MAC or decryption check and no key agreement.
	 * The eUICC still parses every message, checks the challenge, address and
	 * transactionId echoes, signs euiccSigned1/euiccSigned2/the PIR, makes the
	 * one-time key, and takes ICCID and notification data from the BPP's
	 * StoreMetadata (plaintext, its MACs unchecked). The UPP is not recovered.
	 */
	SEUICC_CHECK_SIGN_ONLY,
};

/** seuicc_set_checks() - choose the checks of the next downloads. */
void seuicc_set_checks(struct seuicc *e, enum seuicc_checks checks);

/** seuicc_power_cycle() - the card lost power: a download in progress is gone. */
void seuicc_power_cycle(struct seuicc *e);

/** seuicc_eid_hex() - the EID as 32 decimal digits (from CERT.EUICC). */
const char *seuicc_eid_hex(const struct seuicc *e);
/** seuicc_strerror() - what went wrong in the last failed command, for logs. */
const char *seuicc_last_error(const struct seuicc *e);

/* ---- ES10b: DER in, malloc'd DER out ----------------------------------- */

/** GetEUICCInfo1: BF20 { svn, CI PKIds for verification, for signing }. */
int seuicc_get_info1(struct seuicc *e, uint8_t **out, size_t *out_len);
/** GetEUICCInfo2: BF22. */
int seuicc_get_info2(struct seuicc *e, uint8_t **out, size_t *out_len);
/** GetEUICCChallenge: a fresh 16-byte challenge, remembered for AuthenticateServer. */
int seuicc_get_challenge(struct seuicc *e, uint8_t challenge[16]);

/**
 * seuicc_authenticate_server() - ES10b.AuthenticateServer.
 * @req: AuthenticateServerRequest (BF38). @smdp_address: NULL as on a real
 * card (which never receives it: serverAddress is the LPA's check, and it is
 * the address the profile's notifications go to); in-process load generators
 * may pass the address they dialled, which is then checked and used instead.
 * @resp: AuthenticateServerResponse (BF38), ok or authenticateResponseError.
 * @sgp_err: 0 or AuthenticateErrorCode.
 */
int seuicc_authenticate_server(struct seuicc *e, const uint8_t *req, size_t req_len,
			       const char *smdp_address, uint8_t **resp, size_t *resp_len,
			       int *sgp_err);

/**
 * seuicc_prepare_download() - ES10b.PrepareDownload.
 * @req: PrepareDownloadRequest (BF21). @resp: PrepareDownloadResponse (BF21).
 * @sgp_err: 0 or DownloadErrorCode.
 */
int seuicc_prepare_download(struct seuicc *e, const uint8_t *req, size_t req_len,
			    uint8_t **resp, size_t *resp_len, int *sgp_err);

/**
 * seuicc_load_bpp() - ES8+ through ES10b.LoadBoundProfilePackage, whole BPP.
 * Opens every segment in order and stops at the first error.
 * @pir: [out] the signed ProfileInstallationResult (BF37), also kept as a
 *       pending notification.
 * @iccid: [out] the installed ICCID (21 bytes) on success.
 * @sgp_err: 0 or ErrorReason; @bpp_cmd: [out] BppCommandId on error.
 */
int seuicc_load_bpp(struct seuicc *e, const uint8_t *bpp, size_t bpp_len, uint8_t **pir,
		    size_t *pir_len, char iccid[21], int *sgp_err, int *bpp_cmd);

/** CancelSessionReason (SGP.22; 4, 5 and 127 are the later versions' additions). */
enum seuicc_cancel_reason {
	SEUICC_CANCEL_END_USER_REJECTION = 0,
	SEUICC_CANCEL_POSTPONED = 1,
	SEUICC_CANCEL_TIMEOUT = 2,
	SEUICC_CANCEL_PPR_NOT_ALLOWED = 3,
	SEUICC_CANCEL_METADATA_MISMATCH = 4,
	SEUICC_CANCEL_LOAD_BPP_EXECUTION_ERROR = 5,
	SEUICC_CANCEL_UNDEFINED_REASON = 127,
};

/** CancelSessionResponse error codes. */
enum seuicc_cancel_error {
	SEUICC_CANCEL_E_INVALID_TID = 5,
	SEUICC_CANCEL_E_UNDEFINED = 127,
};

/**
 * seuicc_cancel_session() - ES10b.CancelSession for the download in progress
 * (after an OK AuthenticateServer, before LoadBoundProfilePackage).
 * @tid, @tid_len: the transactionId (1..16 bytes) the LPA wants cancelled.
 * @reason: enum seuicc_cancel_reason; any other value is -EINVAL.
 * @resp: CancelSessionResponse (BF41): ok = euiccCancelSessionSigned
 *        { transactionId, smdpOid of CERT.DPauth, reason } signed with
 *        SK.EUICC, which ends the session; or an error, which leaves the
 *        session as it was.
 * @sgp_err: 0 or enum seuicc_cancel_error: invalidTransactionId when no
 *        download is in progress or @tid is not its transactionId;
 *        undefinedError when CERT.DPauth named no SM-DP+ OID (also always
 *        for SEUICC_CHECK_SIGN_ONLY, which reads no certificate).
 */
int seuicc_cancel_session(struct seuicc *e, const uint8_t *tid, size_t tid_len,
			  enum seuicc_cancel_reason reason, uint8_t **resp, size_t *resp_len,
			  int *sgp_err);

/**
 * seuicc_load_bpp_segment() - ES10b.LoadBoundProfilePackage as a card gets it:
 * one segment at a time (BF36 header + BF23, A0, A1 header, each 88, A2, A3
 * header, each 86; any cut at TLV boundaries where containers open works),
 * each processed as it comes. *@pir stays NULL while more is expected; the
 * first error or the last segment gives the ProfileInstallationResult.
 */
int seuicc_load_bpp_segment(struct seuicc *e, const uint8_t *seg, size_t len, uint8_t **pir,
			    size_t *pir_len, char iccid[21], int *sgp_err, int *bpp_cmd);

/**
 * seuicc_es10() - the eUICC's ISD-R: one ES10a/b/c command (a whole BER-TLV or
 * one LoadBoundProfilePackage segment) in, its answer out (*resp NULL: none).
 * -EOPNOTSUPP for an unknown command, -EBADMSG for a malformed one, -EPERM
 * when out of sequence (a BPP segment with no download prepared).
 */
int seuicc_es10(struct seuicc *e, const uint8_t *cmd, size_t len, uint8_t **resp,
		size_t *resp_len);

/*
 * The eUICC's own CPU time in this process (what a real chip would spend: opening
 * cards, ES10 commands, power cycles), summed over threads from their CPU clocks.
 * Counted only when PORTDP_EUICC_CPU names a file; seuicc_cpu_flush() and exit
 * write "OPEN_S ES10_S CALLS" (the totals so far) there. For benchmarks.
 */
struct seuicc_cpu {
	double open_s;          /* seuicc_open() + seuicc_close() */
	double es10_s;          /* seuicc_es10() + seuicc_power_cycle() */
	unsigned long long calls;
};
void seuicc_cpu_get(struct seuicc_cpu *c);
void seuicc_cpu_flush(void);

/* ---- ES10c: local profile management ------------------------------------ */

struct seuicc_profile_info {
	char iccid[21];
	uint8_t aid[16];
	int state;                 /* 0 disabled, 1 enabled */
	char nickname[65];
	const uint8_t *md;         /* StoreMetadata (BF25) as installed, may be NULL */
	size_t md_len;
};

/** seuicc_profiles() - the installed profiles, ICCID order; free with seuicc_profiles_free(). */
int seuicc_profiles(struct seuicc *e, struct seuicc_profile_info **list, size_t *n);
void seuicc_profiles_free(struct seuicc_profile_info *list, size_t n);

/* Result codes of EnableProfile/DisableProfile/DeleteProfile (SGP.22 5.7.16-18). */
enum seuicc_pm_result {
	SEUICC_PM_OK = 0,
	SEUICC_PM_NOT_FOUND = 1,
	SEUICC_PM_WRONG_STATE = 2,   /* not disabled (enable, delete) / not enabled (disable) */
	SEUICC_PM_POLICY = 3,
	SEUICC_PM_UNDEFINED = 127,
};

/** Enable @iccid (the enabled one, if any, is disabled); notifications as configured. */
int seuicc_enable_profile(struct seuicc *e, const char *iccid, int *result);
int seuicc_disable_profile(struct seuicc *e, const char *iccid, int *result);
/** ES10c.DeleteProfile: a disabled profile only; queues its signed delete notification. */
int seuicc_delete_disabled(struct seuicc *e, const char *iccid, int *result);
/** SetNickname: 0 ok, 1 iccidNotFound. */
int seuicc_set_nickname(struct seuicc *e, const char *iccid, const char *nick, int *result);
/** eUICCMemoryReset: options bits 0x80 operational, 0x40 test profiles; 0 ok, 1 nothingToDelete. */
int seuicc_memory_reset(struct seuicc *e, uint8_t options, int *result);

/* ---- profiles and notifications ---------------------------------------- */

/** seuicc_profile_upp() - the recovered UPP of an installed profile (malloc'd). */
int seuicc_profile_upp(struct seuicc *e, const char *iccid, uint8_t **upp, size_t *len);
/** seuicc_profile_smdp() - the SM-DP+ address a profile came from. */
int seuicc_profile_smdp(struct seuicc *e, const char *iccid, char *buf, size_t len);

/**
 * seuicc_delete_profile() - ES10c.DeleteProfile: removes the profile and
 * queues a signed OtherSignedNotification (delete) for its SM-DP+.
 * @seq: [out] the notification's sequence number.
 */
int seuicc_delete_profile(struct seuicc *e, const char *iccid, long *seq);

/**
 * seuicc_notification_get() - ES10b.RetrieveNotificationsList for one
 * sequence number: the PendingNotification DER (BF37 or an
 * OtherSignedNotification SEQUENCE) and its notificationAddress.
 */
int seuicc_notification_get(struct seuicc *e, long seq, uint8_t **der, size_t *len,
			    char *address, size_t address_len);
/**
 * seuicc_notification_list() - ES10b.ListNotification: the sequence numbers of
 * all pending notifications, ascending. @seqs: [out] malloc'd (NULL when @n is 0).
 */
int seuicc_notification_list(struct seuicc *e, long **seqs, size_t *n);
/**
 * seuicc_profile_forget() - drop an installed profile without a notification:
 * the device left the test line with it (a test harness's call, not ES10).
 */
int seuicc_profile_forget(struct seuicc *e, const char *iccid);

/** seuicc_notification_sent() - ES10b.RemoveNotificationFromList. */
int seuicc_notification_sent(struct seuicc *e, long seq);

#endif
