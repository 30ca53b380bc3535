/* SPDX-License-Identifier: Apache-2.0 */
/*
 * ES10a/b/c as the LPA uses them: each command's request built (es10_req_*,
 * checked against hand-made vectors) and sent through a chip, each answer
 * decoded. A chip is anything that takes an ES10 command and gives its
 * answer: an es10_link over APDUs (PC/SC, AT modem) or an in-process eUICC.
 *
 * Return convention: 0 or a negative errno; chip->err says what.
 *  -EIO     the chip could not be reached (card removed, link lost)
 *  -EPROTO  the chip answered a status word that ends the command
 *  -EBADMSG the answer is malformed or not the command's
 * Commands whose answer carries a result code put it into *result (0 ok).
 */
#ifndef PORTDP_ES10_H
#define PORTDP_ES10_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "der.h" /* appliance/rsp */

struct es10_chip {
	/* One ES10 command (whole TLV or BPP segment); *resp malloc'd, NULL for none. */
	int (*call)(void *ctx, const uint8_t *cmd, size_t len, uint8_t **resp,
		    size_t *resp_len);
	/* Why the last call failed (transport / status word), for messages. */
	const char *(*error)(void *ctx);
	void *ctx;
	unsigned long calls;   /* ES10 commands sent */
	char err[256];
};

/* ---- requests (DER into @b) -------------------------------------------- */
void es10_req_get_eid(struct der_buf *b);                      /* BF3E { 5C 5A } */
void es10_req_info1(struct der_buf *b);                        /* BF20 */
void es10_req_info2(struct der_buf *b);                        /* BF22 */
void es10_req_challenge(struct der_buf *b);                    /* BF2E */
void es10_req_addresses(struct der_buf *b);                    /* BF3C */
void es10_req_set_default_dp(struct der_buf *b, const char *address); /* BF3F { 80 } */
void es10_req_profiles(struct der_buf *b, const char *iccid);  /* BF2D [ A0 { 5A } ] */
void es10_req_enable(struct der_buf *b, const char *iccid, bool refresh);  /* BF31 */
void es10_req_disable(struct der_buf *b, const char *iccid, bool refresh); /* BF32 */
void es10_req_delete(struct der_buf *b, const char *iccid);    /* BF33 { 5A } */
void es10_req_nickname(struct der_buf *b, const char *iccid, const char *nick); /* BF29 */
void es10_req_memory_reset(struct der_buf *b, uint8_t options); /* BF34 { 82 } */
void es10_req_list_notifications(struct der_buf *b);           /* BF28 */
void es10_req_retrieve_notification(struct der_buf *b, long seq); /* BF2B { A0 { 80 } } */
void es10_req_remove_notification(struct der_buf *b, long seq); /* BF30 { 80 } */
void es10_req_cancel_session(struct der_buf *b, const uint8_t *tid, size_t tid_len,
			     int reason);                       /* BF41 { 80 81 } */

/* eUICCMemoryReset options (bits of resetOptions). */
#define ES10_RESET_OPERATIONAL 0x80
#define ES10_RESET_TEST 0x40
#define ES10_RESET_DEFAULT_SMDP 0x20

/* ICCID as printed (19-20 digits, F-padded) to its 10 BCD bytes (nibble-swapped). */
int es10_iccid_to_bcd(const char *iccid, uint8_t bcd[10]);
int es10_iccid_from_bcd(const uint8_t bcd[10], char out[21]);

/* ---- segments of LoadBoundProfilePackage --------------------------------- */
struct es10_seg {
	const uint8_t *p;
	size_t len;
};
/**
 * es10_bpp_segments() - split a BPP (BF36) the way SGP.22 has the LPA send it:
 * BF36 header + BF23, A0, A1 header, each 88, A2 (if present), A3 header, each
 * 86. @segs: malloc'd array of pointers into @bpp.
 */
int es10_bpp_segments(const uint8_t *bpp, size_t len, struct es10_seg **segs, size_t *n);

/* ---- commands ---------------------------------------------------------- */
/** es10_call_tlv() - send @cmd and check the answer is one TLV of @tag (in @resp, malloc'd). */
int es10_call_tlv(struct es10_chip *c, const uint8_t *cmd, size_t len, uint32_t tag,
		  uint8_t **resp, size_t *resp_len);

int es10_get_eid(struct es10_chip *c, char eid[33]);
int es10_get_info1(struct es10_chip *c, uint8_t **der, size_t *len);
int es10_get_info2(struct es10_chip *c, uint8_t **der, size_t *len);
int es10_get_challenge(struct es10_chip *c, uint8_t challenge[16]);
int es10_get_addresses(struct es10_chip *c, char *default_dp, size_t dp_len, char *root_ds,
		       size_t ds_len);
int es10_set_default_dp(struct es10_chip *c, const char *address, int *result);

/**
 * es10_load_bpp() - LoadBoundProfilePackage segment by segment; stops at the
 * first segment the chip answers (an error PIR ends the load early).
 * @pir: the ProfileInstallationResult (BF37), malloc'd.
 */
int es10_load_bpp(struct es10_chip *c, const uint8_t *bpp, size_t len, uint8_t **pir,
		  size_t *pir_len);
int es10_cancel_session(struct es10_chip *c, const uint8_t *tid, size_t tid_len, int reason,
			uint8_t **resp, size_t *resp_len);

struct es10_profile {
	char iccid[21];
	uint8_t aid[16];
	size_t aid_len;
	int state;            /* 0 disabled, 1 enabled */
	int profile_class;    /* 0 test, 1 provisioning, 2 operational */
	char nickname[65];
	char provider[33];
	char name[65];
};
/** es10_get_profiles() - GetProfilesInfo; @iccid NULL: all. @list malloc'd. */
int es10_get_profiles(struct es10_chip *c, const char *iccid, struct es10_profile **list,
		      size_t *n);
int es10_enable(struct es10_chip *c, const char *iccid, bool refresh, int *result);
int es10_disable(struct es10_chip *c, const char *iccid, bool refresh, int *result);
int es10_delete(struct es10_chip *c, const char *iccid, int *result);
int es10_set_nickname(struct es10_chip *c, const char *iccid, const char *nick, int *result);
int es10_memory_reset(struct es10_chip *c, uint8_t options, int *result);

struct es10_notification {
	long seq;
	uint8_t event;        /* NotificationEvent bits: 0x80 install, 0x40 enable, 0x20 disable,
			       * 0x10 delete */
	char address[256];
	char iccid[21];
};
int es10_list_notifications(struct es10_chip *c, struct es10_notification **list, size_t *n);
/** es10_retrieve_notification() - the PendingNotification of @seq (BF37 or 30), malloc'd. */
int es10_retrieve_notification(struct es10_chip *c, long seq, uint8_t **der, size_t *len);
int es10_remove_notification(struct es10_chip *c, long seq, int *result);

#endif
