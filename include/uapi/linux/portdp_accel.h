/* SPDX-License-Identifier: ((GPL-2.0 WITH Linux-syscall-note) OR Apache-2.0) */
/*
 * portdp_accel.h - user interface of /dev/portdp-accelN (docs/uapi.md).
 *
 * One ioctl per card command. Every argument struct has a fixed size and
 * explicit padding; reserved fields must be zero. Pointers travel as __u64.
 * The same commands can be submitted asynchronously with io_uring
 * IORING_OP_URING_CMD: sqe->cmd_op is the ioctl number and the SQE payload
 * (sqe->cmd) holds a struct portdp_uring_cmd that points at the same
 * argument struct; the CQE res is what the ioctl would have returned.
 *
 * Errors: -EINVAL bad argument, -EFAULT bad pointer, -ENOTTY unknown
 * command, -EBADMSG signature did not verify, -ENOENT empty key slot,
 * -EEXIST occupied key slot, -ENOSPC session table full or session used up,
 * -EKEYREJECTED a sealed UPP's data key does not unwrap with that stock key,
 * -ETIMEDOUT card did not answer in time (the device resets itself),
 * -EIO card failure, -ENODEV device gone or not ready, -EBUSY queue full.
 */
#ifndef _UAPI_LINUX_PORTDP_ACCEL_H
#define _UAPI_LINUX_PORTDP_ACCEL_H

#include <linux/const.h>
#include <linux/ioctl.h>
#include <linux/types.h>

#define PORTDP_CURVE_P256	1
#define PORTDP_CURVE_BP256R1	2

#define PORTDP_PUBKEY_LEN	65	/* 04 || X || Y */
#define PORTDP_PRIVKEY_LEN	32
#define PORTDP_SIG_LEN		64	/* raw r || s */
#define PORTDP_SHARED_LEN	32
#define PORTDP_DIGEST_MAX	64
#define PORTDP_HOST_ID_MAX	16
#define PORTDP_EID_LEN		16
#define PORTDP_KEY_SLOTS	32
#define PORTDP_RANDOM_MAX	1024
#define PORTDP_BSP_MAX_SEGMENT	1020
#define PORTDP_BSP_MAX_PLAIN_ENC 1007
#define PORTDP_BSP_MAX_PLAIN_MAC 1008
#define PORTDP_AES_MAX_DATA	3968
#define PORTDP_STOCK_KEY_LEN	32
#define PORTDP_STOCK_WRAP_LEN	40
#define PORTDP_UPP_NONCE_LEN	12
#define PORTDP_UPP_TAG_LEN	16
#define PORTDP_UPP_AAD_MAX	32
#define PORTDP_UPP_MAX_LEN	(256 * 1024)
#define PORTDP_UPP_DATA_MAX	4064
/* portdp_key_list.curve of a stock key slot (AES-256, no public half) */
#define PORTDP_KEY_STOCK_AES256	0x10

/* Card capability bits in portdp_info.caps (the card protocol's PDC_CAP_*). */
#define PORTDP_CAP_P256		_BITUL(0)
#define PORTDP_CAP_BP256R1	_BITUL(1)
#define PORTDP_CAP_KEY_SLOTS	_BITUL(2)
#define PORTDP_CAP_ECDSA_SIGN	_BITUL(3)
#define PORTDP_CAP_ECDSA_VERIFY	_BITUL(4)
#define PORTDP_CAP_SESSION	_BITUL(5)
#define PORTDP_CAP_REPLACE_KEYS	_BITUL(6)
#define PORTDP_CAP_ECDH_RAW	_BITUL(7)
#define PORTDP_CAP_AES_CBC	_BITUL(8)
#define PORTDP_CAP_AES_CMAC	_BITUL(9)
#define PORTDP_CAP_RANDOM	_BITUL(10)
#define PORTDP_CAP_ECDH_SLOT	_BITUL(11)	/* PORTDP_IOC_ECDH_SLOT */
#define PORTDP_CAP_SEALED_UPP	_BITUL(12)	/* PORTDP_IOC_STOCK_*, PORTDP_IOC_UPP_* */
#define PORTDP_CAP_RESEAL	_BITUL(13)	/* PORTDP_IOC_RESEAL_* */

/* Device states, as in sysfs "state" and portdp_info.state. */
#define PORTDP_STATE_PROBING	0
#define PORTDP_STATE_READY	1
#define PORTDP_STATE_RESETTING	2
#define PORTDP_STATE_DEAD	3	/* card does not answer; retried */
#define PORTDP_STATE_REMOVED	4
#define PORTDP_STATE_FAILED	5	/* self-test failed: only GET_INFO, SELF_TEST, */
					/* GET_COUNTERS work; the rest is -EIO */

/** struct portdp_info - PORTDP_IOC_GET_INFO [out]. */
struct portdp_info {
	__u32 proto_version;
	__u32 caps;			/* card capability bits (PDC_CAP_*) */
	__u32 fw_version;		/* major << 16 | minor << 8 | patch */
	__u16 key_slots;
	__u16 max_sessions;
	__u32 session_max_segments;
	__u32 state;			/* PORTDP_STATE_* */
	__u8 serial[16];
	char fw_name[32];
};

/** struct portdp_self_test - PORTDP_IOC_SELF_TEST [out]: bits run/failed. */
struct portdp_self_test {
	__u32 run;
	__u32 failed;
};

/** struct portdp_card_counters - PORTDP_IOC_GET_COUNTERS [out]. */
struct portdp_card_counters {
	__u64 requests;
	__u64 errors;
	__u64 signs;
	__u64 verifies;
	__u64 sessions_created;
	__u64 segments_sealed;
	__u64 ecdh_raw;
	__u64 aes_ops;
	__u64 random_bytes;
	__u64 resets;
	__u32 sessions_open;
	__u32 keys_stored;
};

/** struct portdp_random - PORTDP_IOC_RANDOM: @len (1..1024) bytes to @buf. */
struct portdp_random {
	__u64 buf;
	__u32 len;
	__u32 rsvd;
};

/**
 * struct portdp_key - PORTDP_IOC_KEY_GENERATE [in slot, curve; out pub],
 * PORTDP_IOC_KEY_GET_PUBLIC [in slot; out curve, pub],
 * PORTDP_IOC_KEY_DESTROY [in slot].
 */
struct portdp_key {
	__u8 slot;
	__u8 curve;
	__u16 rsvd;
	__u8 pub[PORTDP_PUBKEY_LEN];
	__u8 rsvd2[3];
};

/** struct portdp_key_list - PORTDP_IOC_KEY_LIST [out]. */
struct portdp_key_list {
	__u32 used;			/* bit n: slot n holds a key */
	__u8 curve[PORTDP_KEY_SLOTS];
};

/** struct portdp_ecdsa_sign - PORTDP_IOC_ECDSA_SIGN: digest in, r||s out. */
struct portdp_ecdsa_sign {
	__u8 slot;
	__u8 digest_len;		/* 1..64 */
	__u16 rsvd;
	__u8 digest[PORTDP_DIGEST_MAX];
	__u8 sig[PORTDP_SIG_LEN];	/* [out] */
};

/** struct portdp_ecdsa_verify - PORTDP_IOC_ECDSA_VERIFY: 0 or -EBADMSG. */
struct portdp_ecdsa_verify {
	__u8 curve;
	__u8 digest_len;
	__u16 rsvd;
	__u8 pub[PORTDP_PUBKEY_LEN];
	__u8 rsvd2[3];
	__u8 digest[PORTDP_DIGEST_MAX];
	__u8 sig[PORTDP_SIG_LEN];
};

/**
 * struct portdp_ecdh_slot - PORTDP_IOC_ECDH_SLOT: ECDH of the key in @slot
 * with @peer_pub (uncompressed, on the slot's curve); the shared secret Z
 * (x coordinate) comes back in @shared. Z leaves the card as in a PKCS#11
 * derive-to-host; the private key does not. Needs PORTDP_CAP_ECDH_SLOT.
 */
struct portdp_ecdh_slot {
	__u8 slot;
	__u8 rsvd[3];
	__u8 peer_pub[PORTDP_PUBKEY_LEN];
	__u8 rsvd2[3];
	__u8 shared[PORTDP_SHARED_LEN];	/* [out] */
};

/**
 * struct portdp_session_create - PORTDP_IOC_SESSION_CREATE: SGP.22 key
 * agreement on the card; only the handle and otPK.DP.ECKA come back.
 */
struct portdp_session_create {
	__u8 curve;
	__u8 host_id_len;		/* 1..16 */
	__u16 rsvd;
	__u32 handle;			/* [out] */
	__u8 peer_pub[PORTDP_PUBKEY_LEN];
	__u8 rsvd2[3];
	__u8 host_id[PORTDP_HOST_ID_MAX];
	__u8 eid[PORTDP_EID_LEN];
	__u8 ot_pub[PORTDP_PUBKEY_LEN];	/* [out] */
	__u8 rsvd3[3];
};

/** struct portdp_bsp_seal - PORTDP_IOC_BSP_SEAL: one SCP03t segment. */
struct portdp_bsp_seal {
	__u32 handle;
	__u8 tag;			/* 0x86, 0x87, 0x88 */
	__u8 rsvd;
	__u16 in_len;			/* 1..1007 (86/87), 1..1008 (88) */
	__u64 in;
	__u64 out;
	__u32 out_cap;			/* >= the TLV; 1020 always fits */
	__u32 out_len;			/* [out] */
};

/** struct portdp_replace_keys - PORTDP_IOC_SESSION_REPLACE_KEYS. */
struct portdp_replace_keys {
	__u32 handle;
	__u32 new_handle;		/* [out] */
	__u64 out;			/* [out] the sealed 87 TLV */
	__u32 out_cap;
	__u32 out_len;			/* [out] */
};

/** struct portdp_session - PORTDP_IOC_SESSION_CLOSE. */
struct portdp_session {
	__u32 handle;
	__u32 rsvd;
};

/**
 * struct portdp_ecdh_raw - PORTDP_IOC_ECDH_RAW_PUBLIC (priv in, pub out) and
 * PORTDP_IOC_ECDH_RAW_SHARED (priv, peer_pub in, shared out). The card keeps
 * nothing; not for DP or session keys.
 */
struct portdp_ecdh_raw {
	__u8 curve;
	__u8 rsvd[3];
	__u8 priv[PORTDP_PRIVKEY_LEN];
	__u8 peer_pub[PORTDP_PUBKEY_LEN];
	__u8 rsvd2[3];
	__u8 pub[PORTDP_PUBKEY_LEN];	/* [out] */
	__u8 rsvd3[3];
	__u8 shared[PORTDP_SHARED_LEN];	/* [out] */
};

/*
 * Stock keys and sealed UPPs (PORTDP_CAP_SEALED_UPP, docs/sealed-stock.md).
 * PORTDP_IOC_STOCK_KEY_GENERATE takes a struct portdp_key (@slot only; the
 * AES-256 stock key is drawn on the card and never leaves it).
 */

/** struct portdp_stock_wrap - PORTDP_IOC_STOCK_WRAP: RFC 3394 wrap of @key. */
struct portdp_stock_wrap {
	__u8 slot;
	__u8 rsvd[3];
	__u8 key[PORTDP_STOCK_KEY_LEN];
	__u8 wrapped[PORTDP_STOCK_WRAP_LEN];	/* [out] */
};

/**
 * struct portdp_upp_open - PORTDP_IOC_UPP_OPEN: attach a sealed UPP to session
 * @handle; its data key is unwrapped on the card with the stock key in @slot.
 * Then PORTDP_IOC_UPP_DATA in order, PORTDP_IOC_UPP_FINISH (-EBADMSG: the tag
 * does not verify, the UPP is dropped), and PORTDP_IOC_UPP_SEAL per segment.
 */
struct portdp_upp_open {
	__u32 handle;
	__u8 slot;
	__u8 aad_len;			/* 1..32 */
	__u16 rsvd;
	__u32 ct_len;			/* 1..PORTDP_UPP_MAX_LEN */
	__u32 rsvd2;
	__u8 wrapped[PORTDP_STOCK_WRAP_LEN];
	__u8 nonce[PORTDP_UPP_NONCE_LEN];
	__u8 aad[PORTDP_UPP_AAD_MAX];
};

/** struct portdp_upp_data - PORTDP_IOC_UPP_DATA: @len ciphertext bytes at @offset. */
struct portdp_upp_data {
	__u32 handle;
	__u32 offset;			/* bytes given so far */
	__u32 len;			/* 1..PORTDP_UPP_DATA_MAX */
	__u32 rsvd;
	__u64 in;
};

/** struct portdp_upp_finish - PORTDP_IOC_UPP_FINISH: check the GCM tag. */
struct portdp_upp_finish {
	__u32 handle;
	__u32 rsvd;
	__u8 tag[PORTDP_UPP_TAG_LEN];
};

/** struct portdp_upp_seal - PORTDP_IOC_UPP_SEAL: the next @in_len bytes as one 86 segment. */
struct portdp_upp_seal {
	__u32 handle;
	__u8 tag;			/* 0x86 */
	__u8 rsvd;
	__u16 in_len;			/* 1..1007 */
	__u64 out;
	__u32 out_cap;			/* >= the TLV; 1020 always fits */
	__u32 out_len;			/* [out] */
};

/*
 * Re-sealing a UPP on the card (PORTDP_CAP_RESEAL, docs/transfers.md "The card
 * path"): from the stock form or a transfer bundle's envelope to either, the
 * plaintext never out of the card. PORTDP_IOC_RESEAL_OPEN answers @handle and
 * the output's nonce and wrapped key (stock) or one-time public key
 * (transfer); PORTDP_IOC_RESEAL_DATA passes ciphertext in order (every piece
 * but the last a multiple of 16 bytes) and answers as many output bytes;
 * PORTDP_IOC_RESEAL_FINISH checks the input's tag (-EBADMSG: it does not
 * verify, the re-seal is dropped, the output must be thrown away) and answers
 * the output's tag. PORTDP_IOC_RESEAL_ABORT (struct portdp_session) drops one.
 */
#define PORTDP_SEAL_STOCK	1
#define PORTDP_SEAL_XFER	2
#define PORTDP_XFER_ID_LEN	16
#define PORTDP_ICCID_MAX	20
#define PORTDP_RESEAL_MAX_OPEN	8

struct portdp_reseal_open {
	__u8 in_kind;			/* PORTDP_SEAL_* */
	__u8 out_kind;
	__u8 in_slot;			/* stock key, or the P-256 unit key */
	__u8 out_slot;			/* stock key; 0 for a transfer output */
	__u32 ct_len;			/* 1..PORTDP_UPP_MAX_LEN */
	__u8 iccid_len;			/* with a transfer side 10..20, else 0 */
	__u8 aad_len;			/* with a stock side 1..32, else 0 */
	__u16 rsvd;
	__u32 handle;			/* [out] */
	__u8 iccid[PORTDP_ICCID_MAX];
	__u8 aad[PORTDP_UPP_AAD_MAX];	/* the stock form's; ends with the ICCID */
	__u8 in_id[PORTDP_XFER_ID_LEN];	/* transfer in: its bundle id */
	__u8 out_id[PORTDP_XFER_ID_LEN];	/* transfer out: its bundle id */
	__u8 in_wrapped[PORTDP_STOCK_WRAP_LEN];	/* stock in */
	__u8 in_nonce[PORTDP_UPP_NONCE_LEN];
	__u8 in_pub[PORTDP_PUBKEY_LEN];	/* transfer in: the sender's one-time key */
	__u8 peer_pub[PORTDP_PUBKEY_LEN];	/* transfer out: the destination's unit key */
	__u8 rsvd2[2];
	__u8 out_nonce[PORTDP_UPP_NONCE_LEN];	/* [out] */
	__u8 out_wrapped[PORTDP_STOCK_WRAP_LEN];	/* [out] stock out */
	__u8 out_pub[PORTDP_PUBKEY_LEN];	/* [out] transfer out: the one-time key */
	__u8 rsvd3[3];
};

/** struct portdp_reseal_data - @len bytes at @offset from @in, as many to @out. */
struct portdp_reseal_data {
	__u32 handle;
	__u32 offset;
	__u32 len;			/* 1..PORTDP_UPP_DATA_MAX */
	__u32 rsvd;
	__u64 in;
	__u64 out;
};

struct portdp_reseal_finish {
	__u32 handle;
	__u32 rsvd;
	__u8 tag[PORTDP_UPP_TAG_LEN];		/* the input's */
	__u8 out_tag[PORTDP_UPP_TAG_LEN];	/* [out] the output's */
};

#define PORTDP_AES_DECRYPT	0
#define PORTDP_AES_ENCRYPT	1

/** struct portdp_aes_cbc - PORTDP_IOC_AES_CBC; @iv is updated for chaining. */
struct portdp_aes_cbc {
	__u8 key_len;			/* 16, 24, 32 */
	__u8 dir;			/* PORTDP_AES_ENCRYPT / _DECRYPT */
	__u16 rsvd;
	__u32 len;			/* non-zero multiple of 16, <= 3968 */
	__u8 key[32];
	__u8 iv[16];			/* [in/out] */
	__u64 in;
	__u64 out;
};

#define PORTDP_CMAC_FINAL	1

/**
 * struct portdp_aes_cmac - PORTDP_IOC_AES_CMAC: one chunk; @state carries
 * the chaining value (zero at the start) and gets the MAC on FINAL.
 */
struct portdp_aes_cmac {
	__u8 key_len;
	__u8 flags;			/* PORTDP_CMAC_FINAL */
	__u16 rsvd;
	__u32 len;			/* <= 3968; multiple of 16 unless FINAL */
	__u8 key[32];
	__u8 state[16];			/* [in/out] */
	__u64 in;
};

/**
 * struct portdp_uring_cmd - SQE payload of IORING_OP_URING_CMD: @arg points
 * at the argument struct of the ioctl named by sqe->cmd_op. Fits a normal
 * 64-byte SQE (16 bytes of payload); SQE128 rings work too.
 */
struct portdp_uring_cmd {
	__u64 arg;
	__u32 flags;			/* 0 */
	__u32 rsvd;
};

/**
 * struct portdp_akcipher_slot_key - what crypto_akcipher_set_priv_key()
 * takes for "ecdsa-nist-p256-slot" (this driver's own algorithm name): a key
 * slot on the card, not key material (private keys never leave the card).
 */
struct portdp_akcipher_slot_key {
	__u8 magic[4];			/* "PDSL" */
	__u8 slot;
	__u8 rsvd[3];
};

#define PORTDP_IOC_MAGIC	0xD7

#define PORTDP_IOC_GET_INFO	_IOR(PORTDP_IOC_MAGIC, 0x01, struct portdp_info)
#define PORTDP_IOC_SELF_TEST	_IOR(PORTDP_IOC_MAGIC, 0x02, struct portdp_self_test)
#define PORTDP_IOC_GET_COUNTERS	_IOR(PORTDP_IOC_MAGIC, 0x03, struct portdp_card_counters)
#define PORTDP_IOC_RANDOM	_IOW(PORTDP_IOC_MAGIC, 0x10, struct portdp_random)
#define PORTDP_IOC_KEY_GENERATE	_IOWR(PORTDP_IOC_MAGIC, 0x20, struct portdp_key)
#define PORTDP_IOC_KEY_GET_PUBLIC _IOWR(PORTDP_IOC_MAGIC, 0x21, struct portdp_key)
#define PORTDP_IOC_KEY_DESTROY	_IOW(PORTDP_IOC_MAGIC, 0x22, struct portdp_key)
#define PORTDP_IOC_KEY_LIST	_IOR(PORTDP_IOC_MAGIC, 0x23, struct portdp_key_list)
#define PORTDP_IOC_STOCK_KEY_GENERATE _IOW(PORTDP_IOC_MAGIC, 0x24, struct portdp_key)
#define PORTDP_IOC_STOCK_WRAP	_IOWR(PORTDP_IOC_MAGIC, 0x25, struct portdp_stock_wrap)
#define PORTDP_IOC_ECDSA_SIGN	_IOWR(PORTDP_IOC_MAGIC, 0x30, struct portdp_ecdsa_sign)
#define PORTDP_IOC_ECDSA_VERIFY	_IOW(PORTDP_IOC_MAGIC, 0x31, struct portdp_ecdsa_verify)
#define PORTDP_IOC_ECDH_SLOT	_IOWR(PORTDP_IOC_MAGIC, 0x32, struct portdp_ecdh_slot)
#define PORTDP_IOC_SESSION_CREATE _IOWR(PORTDP_IOC_MAGIC, 0x40, struct portdp_session_create)
#define PORTDP_IOC_BSP_SEAL	_IOWR(PORTDP_IOC_MAGIC, 0x41, struct portdp_bsp_seal)
#define PORTDP_IOC_SESSION_REPLACE_KEYS \
	_IOWR(PORTDP_IOC_MAGIC, 0x42, struct portdp_replace_keys)
#define PORTDP_IOC_SESSION_CLOSE _IOW(PORTDP_IOC_MAGIC, 0x43, struct portdp_session)
#define PORTDP_IOC_UPP_OPEN	_IOW(PORTDP_IOC_MAGIC, 0x44, struct portdp_upp_open)
#define PORTDP_IOC_UPP_DATA	_IOW(PORTDP_IOC_MAGIC, 0x45, struct portdp_upp_data)
#define PORTDP_IOC_UPP_FINISH	_IOW(PORTDP_IOC_MAGIC, 0x46, struct portdp_upp_finish)
#define PORTDP_IOC_UPP_SEAL	_IOWR(PORTDP_IOC_MAGIC, 0x47, struct portdp_upp_seal)
#define PORTDP_IOC_RESEAL_OPEN	_IOWR(PORTDP_IOC_MAGIC, 0x48, struct portdp_reseal_open)
#define PORTDP_IOC_RESEAL_DATA	_IOW(PORTDP_IOC_MAGIC, 0x49, struct portdp_reseal_data)
#define PORTDP_IOC_RESEAL_FINISH _IOWR(PORTDP_IOC_MAGIC, 0x4a, struct portdp_reseal_finish)
#define PORTDP_IOC_RESEAL_ABORT	_IOW(PORTDP_IOC_MAGIC, 0x4b, struct portdp_session)
#define PORTDP_IOC_ECDH_RAW_PUBLIC _IOWR(PORTDP_IOC_MAGIC, 0x50, struct portdp_ecdh_raw)
#define PORTDP_IOC_ECDH_RAW_SHARED _IOWR(PORTDP_IOC_MAGIC, 0x51, struct portdp_ecdh_raw)
#define PORTDP_IOC_AES_CBC	_IOWR(PORTDP_IOC_MAGIC, 0x60, struct portdp_aes_cbc)
#define PORTDP_IOC_AES_CMAC	_IOWR(PORTDP_IOC_MAGIC, 0x61, struct portdp_aes_cmac)

#endif /* _UAPI_LINUX_PORTDP_ACCEL_H */
