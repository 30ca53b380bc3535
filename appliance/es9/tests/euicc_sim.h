/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The eUICC + LPA side of the ES9+ tests: builds each request JSON from the
 * previous answer with the SGP.26 test eUICC (its key signs through the soft
 * backend), checks the SM-DP+'s signatures, and opens the bound profile
 * package. Faults can be injected to drive the negative cases.
 */
#ifndef ES9_TEST_EUICC_SIM_H
#define ES9_TEST_EUICC_SIM_H

#include <stddef.h>
#include <stdint.h>

#include <portdp/accel.h>

enum sim_fault {
	SIM_BAD_SIG1 = 1u << 0,	      /* flip a bit of euiccSignature1 */
	SIM_BAD_CHALLENGE = 1u << 1,  /* sign another serverChallenge */
	SIM_BAD_SIG2 = 1u << 2,	      /* flip a bit of euiccSignature2 */
	SIM_NO_HASH_CC = 1u << 3,     /* no hashCc although required */
	SIM_BAD_SIGNED_TID = 1u << 4, /* sign another transactionId */
	SIM_BAD_CANCEL_SIG = 1u << 5,
	SIM_BAD_CANCEL_OID = 1u << 6,
	SIM_BAD_PIR_SIG = 1u << 7,
	SIM_BAD_ADDRESS = 1u << 8, /* sign another serverAddress */
	SIM_CLAIM_DP_CI = 1u << 9, /* offer the DP's CI for signing, whatever the EUM's is */
	SIM_OLD_SVN = 1u << 10,	   /* euiccInfo1 says SGP.22 v1.1 */
	SIM_NO_DP_CI = 1u << 11,   /* cannot verify the DP's CI */
};

struct sim {
	struct pdp_accel *accel;
	struct pdp_key *key; /* SK.EUICC.ECDSA */
	uint8_t *euicc_cert, *eum_cert;
	size_t euicc_cert_len, eum_cert_len;
	uint8_t eid[PDP_EID_LEN];
	uint8_t dp_ci[32]; /* CI of the DP certificates (verification list) */
	size_t dp_ci_len;
	uint8_t eum_ci[32]; /* CI of our EUM (signing list) */
	size_t eum_ci_len;
	enum pdp_curve dp_curve;
	uint8_t dpauth_pub[PDP_PUBKEY_LEN], dppb_pub[PDP_PUBKEY_LEN];
	unsigned faults;	    /* enum sim_fault */
	char address[256];	    /* smdpAddress the LPA uses */
	const char *signed_address; /* serverAddress the eUICC signs (NULL: from serverSigned1) */

	/* session state, as a real eUICC keeps it */
	uint8_t euicc_challenge[16];
	uint8_t tid[16];
	size_t tid_len;
	char tid_hex[33];
	uint8_t server_challenge[16];
	char server_address[256];
	uint8_t sig1_do[3 + PDP_SIG_LEN];
	uint8_t sig2_do[3 + PDP_SIG_LEN]; /* smdpSignature2 as received */
	int cc_required;
	void *otsk; /* EVP_PKEY otSK.EUICC.ECKA */
	uint8_t otpk[PDP_PUBKEY_LEN];
	char iccid[21]; /* from profileMetadata */
	uint8_t *upp;	/* recovered from the BPP */
	size_t upp_len;
};

/**
 * Load an eUICC: its certificate, its EUM's certificate, its key (PEM file),
 * and the SGP.26 DP certificates from @shared/testdata/sgp26. 0 or -errno.
 */
int sim_init(struct sim *s, const char *shared, const char *euicc_cert, const char *eum_cert,
	     const char *euicc_key, const char *address);
void sim_free(struct sim *s);

/* Each returns a malloc'd request JSON, or NULL when the previous answer is unusable. */
char *sim_initiate(struct sim *s);
char *sim_authenticate(struct sim *s, const char *init_answer, const char *matching_id);
char *sim_prepare_download(struct sim *s, const char *auth_answer, const char *cc);
/** Check and open the BPP of @bpp_answer; 0 with s->upp set, or -errno. */
int sim_load_bpp(struct sim *s, const char *bpp_answer);
char *sim_installation_result(struct sim *s, int success);
char *sim_delete_notification(struct sim *s, const char *iccid);
char *sim_cancel(struct sim *s, unsigned reason);
/** A PrepareDownloadResponse error (downloadErrorCode @code) for the current session. */
char *sim_download_error(struct sim *s, unsigned code);

#endif
