/* SPDX-License-Identifier: Apache-2.0 */
/* State shared by the files of the software eUICC (not a public interface). */
#ifndef PORTDP_SEUICC_INTERNAL_H
#define PORTDP_SEUICC_INTERNAL_H

#include <stdbool.h>
#include <openssl/evp.h>

#include "soft_euicc.h"
#include "portdp/accel.h"
#include "portdp/cert.h"
#include "portdp/scp03t.h"
#include "der.h"

#define SEUICC_ADDR_MAX 256

/* Where one download stands; each ES10b step needs the one before it. */
enum seuicc_stage {
	SEUICC_IDLE = 0,
	SEUICC_CHALLENGED,     /* GetEUICCChallenge done */
	SEUICC_AUTHENTICATED,  /* AuthenticateServer answered OK */
	SEUICC_PREPARED,       /* PrepareDownload answered OK: one-time key exists */
};

struct seuicc_session {
	enum seuicc_stage stage;
	uint8_t challenge[16];
	uint8_t tid[16];
	size_t tid_len;
	char server_address[SEUICC_ADDR_MAX];  /* serverAddress of serverSigned1 */
	char lpa_address[SEUICC_ADDR_MAX];     /* what the LPA dialled (with port) */
	EVP_PKEY *ot_key;                      /* otSK/otPK.EUICC.ECKA */
	uint8_t ot_pub[PDP_PUBKEY_LEN];
	uint8_t dppb_pub[PDP_PUBKEY_LEN];
	enum pdp_curve dppb_curve;
	uint8_t smdp_oid[64];                  /* DER OID TLV from CERT.DPpb, may be empty */
	size_t smdp_oid_len;
	uint8_t dpauth_oid[64];                /* DER OID TLV from CERT.DPauth: signed on cancel */
	size_t dpauth_oid_len;
	uint8_t euicc_sig1_tlv[3 + PDP_SIG_LEN]; /* 5F37 40 r||s, signed into smdpSignature2 */
	size_t euicc_sig1_tlv_len;
};

struct seuicc {
	struct pdp_accel *accel;
	struct pdp_key *key;
	struct pdp_cert *euicc_cert;
	struct pdp_cert *eum_cert;
	struct pdp_cert_verifier *verifier;
	enum pdp_curve curve;
	uint8_t eid[PDP_EID_LEN];
	char eid_hex[33];
	char state_dir[512];
	time_t now;
	long next_seq;
	unsigned n_profiles;                   /* for distinct ISD-P AIDs */
	bool sign_only;                        /* SEUICC_CHECK_SIGN_ONLY */
	struct seuicc_nvm *nvm;                /* in-memory NVM, NULL: files under state_dir */
	EVP_PKEY_CTX *keygen[2];               /* one-time key generation, per curve, reused */
	struct seuicc_session s;
	struct seuicc_load *load;              /* LoadBoundProfilePackage in progress */
	char default_dp[SEUICC_ADDR_MAX];      /* SetDefaultDpAddress (RAM only) */
	char err[256];
};

/* identity.c */
int seuicc_fail(struct seuicc *e, int ret, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
void seuicc_session_reset(struct seuicc *e);
time_t seuicc_now(const struct seuicc *e);

/* crypto_util.c: signatures as SGP.22 puts them (5F37 40 r||s) and ECDH. */
int seuicc_sign_tlv(struct seuicc *e, const uint8_t *msg, size_t len, struct der_buf *out);
int seuicc_verify_tlv(struct seuicc *e, enum pdp_curve curve, const uint8_t pub[PDP_PUBKEY_LEN],
		      const uint8_t *msg, size_t len, const struct der_tlv *sig_tlv);
int seuicc_verify_concat(struct seuicc *e, enum pdp_curve curve,
			 const uint8_t pub[PDP_PUBKEY_LEN], const uint8_t *a, size_t alen,
			 const uint8_t *b, size_t blen, const struct der_tlv *sig_tlv);
int seuicc_ecdh_keygen(struct seuicc *e, enum pdp_curve curve, EVP_PKEY **key,
		       uint8_t pub[PDP_PUBKEY_LEN]);
int seuicc_ecdh(EVP_PKEY *key, enum pdp_curve curve, const uint8_t peer[PDP_PUBKEY_LEN],
		uint8_t z[32]);
/* CERT.DPauth / CERT.DPpb of @cert_tlv: from the verified cache or freshly parsed. */
enum pdp_cert_status seuicc_dp_cert(struct seuicc *e, const struct der_tlv *cert_tlv,
				    struct pdp_cert **out);
int seuicc_cert_smdp_oid(const struct pdp_cert *cert, uint8_t *oid_tlv, size_t cap,
			 size_t *len);

/* answer_error.c: the [1] error answer of BF38/BF21 (@tag); ends the session. */
int seuicc_answer_error(struct seuicc *e, uint32_t tag, const struct der_tlv *tid, int code,
			uint8_t **resp, size_t *resp_len, int *sgp_err);

/* store.c: installed profiles and pending notifications. */
int store_profile_exists(struct seuicc *e, const char *iccid);
int store_profile_put(struct seuicc *e, const char *iccid, const uint8_t *upp, size_t len,
		      const char *smdp);
int store_profile_get(struct seuicc *e, const char *iccid, uint8_t **upp, size_t *len);
int store_profile_smdp(struct seuicc *e, const char *iccid, char *buf, size_t len);
int store_profile_remove(struct seuicc *e, const char *iccid);
int store_notification_put(struct seuicc *e, long seq, const uint8_t *der, size_t len,
			   const char *address);
int store_notification_get(struct seuicc *e, long seq, uint8_t **der, size_t *len,
			   char *address, size_t address_len);
int store_notification_remove(struct seuicc *e, long seq);
int store_notification_list(struct seuicc *e, long **seqs, size_t *n);
int store_next_seq(struct seuicc *e, long *seq);

/* store_mem.c: the in-memory NVM behind store.c (records by name). */
struct seuicc_nvm;
int nvm_new(struct seuicc_nvm **out);
void nvm_free(struct seuicc_nvm *m);
int nvm_put(struct seuicc_nvm *m, const char *name, const uint8_t *data, size_t len,
	    const char *side);
bool nvm_exists(struct seuicc_nvm *m, const char *name);
int nvm_get(struct seuicc_nvm *m, const char *name, uint8_t **data, size_t *len);
int nvm_side(struct seuicc_nvm *m, const char *name, char *buf, size_t len);
int nvm_remove(struct seuicc_nvm *m, const char *name);
/* Calls @fn with the rest of every name starting with @prefix; stops at its first error. */
int nvm_list(struct seuicc_nvm *m, const char *prefix,
	     int (*fn)(const char *rest, void *arg), void *arg);
int nvm_next_seq(struct seuicc_nvm *m, long *seq);

/* notification.c */
int seuicc_put_metadata(struct seuicc *e, struct der_buf *b, long seq, uint8_t event_bits,
			const char *address, const uint8_t *iccid_bcd);

/* load_bpp.c */
void seuicc_load_free(struct seuicc *e);

/* profiles.c: ES10c state of each installed profile (enabled, nickname, metadata). */
void seuicc_isdp_aid(long seq, uint8_t aid[16]);
int seuicc_profile_installed(struct seuicc *e, const char *iccid, const uint8_t aid[16],
			     const uint8_t *md, size_t md_len);
int seuicc_profile_attr_remove(struct seuicc *e, const char *iccid);
int store_attr_put(struct seuicc *e, const char *iccid, const uint8_t *der, size_t len);
int store_attr_get(struct seuicc *e, const char *iccid, uint8_t **der, size_t *len);
int store_attr_remove(struct seuicc *e, const char *iccid);
int store_profile_list(struct seuicc *e, char (**iccids)[21], size_t *n);

/* notification.c: an OtherSignedNotification for @event_bits, queued. */
int seuicc_queue_notification(struct seuicc *e, uint8_t event_bits, const uint8_t iccid_bcd[10],
			      const char *address, long *seq);

/* info.c */
int seuicc_put_info2(struct seuicc *e, struct der_buf *b);

/* iccid.c */
int iccid_from_bcd(const uint8_t bcd[10], char out[21]);
int iccid_from_plain_bcd(const uint8_t bcd[10], char out[21]);
int iccid_to_bcd(const char *iccid, uint8_t bcd[10]);

/* cpu_account.c: 0 when not counting; stop adds to the open or the ES10 total. */
uint64_t seuicc_cpu_start(void);
void seuicc_cpu_stop(uint64_t t0, bool es10);

#endif
