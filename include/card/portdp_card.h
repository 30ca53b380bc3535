/* SPDX-License-Identifier: (GPL-2.0 OR Apache-2.0) */
/*
 * portdp_card.h - the Port-DP+ card protocol, shared by the card firmware
 * (firmware/) and the kernel driver (kernel/). Described in
 * docs/card-protocol.md. Everything on the wire is little-endian, every
 * struct has a fixed size with explicit padding (checked at build time at
 * the end of this file).
 *
 * Part 1 is transport-neutral: message header, opcodes, status codes,
 * capability bits and one request/response body per opcode. A transport
 * carries whole messages (header + body); USB bulk endpoints carry the same
 * messages. Part 2 is the PCIe transport: the layout of BAR2 of the
 * ivshmem-doorbell device (control block, request ring, completion ring,
 * payload area) and the doorbell/MSI-X vectors. Part 3 is the USB
 * transport (vendor requests and the info block; framing described there).
 *
 * Version rule: PDC_PROTO_VERSION (the major, in every header) changes
 * whenever a layout or meaning in this file changes incompatibly.
 * PDC_PROTO_MINOR (in pdc_info only) counts compatible additions: new
 * opcodes and capability bits. Hosts test the capability bit of a command.
 *   minor 0: the first set of commands.
 *   minor 1: ECDH_SLOT (PDC_CAP_ECDH_SLOT).
 *   minor 2: PCIe notification hints (PDC_CARD_EVENT_IDX, struct pdc_ctrl).
 *   minor 3: stock keys and sealed UPPs (PDC_CAP_SEALED_UPP, status KEY_REJECTED).
 *   minor 4: re-sealing a UPP for a transfer (PDC_CAP_RESEAL, RESEAL_*).
 */
#ifndef PORTDP_CARD_H
#define PORTDP_CARD_H

#ifdef __KERNEL__
#include <linux/types.h>
#include <linux/build_bug.h>
typedef __u8 pdc_u8;
typedef __le16 pdc_le16;
typedef __le32 pdc_le32;
typedef __le64 pdc_le64;
#else
/*
 * The compiler's own fixed-width types (GCC, Clang), so that firmware needs
 * no libc type header; macros, as the kernel side owns the typedefs.
 */
#include <assert.h>
#define pdc_u8		__UINT8_TYPE__
#define pdc_le16	__UINT16_TYPE__
#define pdc_le32	__UINT32_TYPE__
#define pdc_le64	__UINT64_TYPE__
#endif
#define PDC_STATIC_ASSERT(c, msg) static_assert(c, msg)

/* Bit n of a 32-bit flag word (the kernel's BIT() is not in user space). */
#define PDC_BIT(n)		(1u << (n))

/*
 * ======================================================================
 * Part 1: transport-neutral command protocol
 * ======================================================================
 */

#define PDC_PROTO_VERSION	1
#define PDC_PROTO_MINOR		4

#define PDC_MAGIC_REQ		0x51434450u	/* "PDCQ" in memory */
#define PDC_MAGIC_RESP		0x52434450u	/* "PDCR" in memory */

/* Largest message (header + body) in either direction. */
#define PDC_MAX_MSG		4096
#define PDC_MAX_BODY		(PDC_MAX_MSG - (int)sizeof(struct pdc_hdr))

/**
 * struct pdc_hdr - first 16 bytes of every request and response.
 * @magic:   PDC_MAGIC_REQ or PDC_MAGIC_RESP.
 * @version: PDC_PROTO_VERSION.
 * @opcode:  enum pdc_opcode; a response echoes the request's.
 * @tag:     chosen by the host, echoed in the response.
 * @status:  request: 0; response: enum pdc_status.
 * @len:     body bytes that follow the header (<= PDC_MAX_BODY). A response
 *           with status != PDC_ST_OK has len 0.
 */
struct pdc_hdr {
	pdc_le32 magic;
	pdc_le16 version;
	pdc_le16 opcode;
	pdc_le32 tag;
	pdc_le16 status;
	pdc_le16 len;
};

/* Each opcode's request -> response body ("+ data": variable-length tail). */
enum pdc_opcode {
	PDC_OP_GET_INFO			= 0x0001, /* -> pdc_info */
	PDC_OP_SELF_TEST		= 0x0002, /* -> pdc_self_test_resp */
	PDC_OP_GET_COUNTERS		= 0x0003, /* -> pdc_counters */
	PDC_OP_RANDOM			= 0x0010, /* pdc_random_req -> bytes */

	PDC_OP_KEY_GENERATE		= 0x0020, /* pdc_key_generate_req -> pdc_key_public_resp */
	PDC_OP_KEY_GET_PUBLIC		= 0x0021, /* pdc_slot_req -> pdc_key_public_resp */
	PDC_OP_KEY_DESTROY		= 0x0022, /* pdc_slot_req -> (empty) */
	PDC_OP_KEY_LIST			= 0x0023, /* (empty) -> pdc_key_list_resp */
	PDC_OP_STOCK_KEY_GENERATE	= 0x0024, /* pdc_slot_req -> (empty) (1.3) */
	PDC_OP_STOCK_WRAP		= 0x0025, /* pdc_stock_wrap_req -> pdc_stock_wrap_resp (1.3) */

	PDC_OP_ECDSA_SIGN		= 0x0030, /* pdc_ecdsa_sign_req -> pdc_ecdsa_sign_resp */
	PDC_OP_ECDSA_VERIFY		= 0x0031, /* pdc_ecdsa_verify_req -> empty|BAD_SIGNATURE */
	PDC_OP_ECDH_SLOT		= 0x0032, /* pdc_ecdh_slot_req -> pdc_ecdh_shared_resp */

	PDC_OP_SESSION_CREATE		= 0x0040, /* pdc_session_create_req -> .._resp */
	PDC_OP_BSP_SEAL			= 0x0041, /* pdc_bsp_seal_req + data -> .._resp + TLV */
	PDC_OP_SESSION_REPLACE_KEYS	= 0x0042, /* pdc_session_req -> pdc_replace_keys_resp+TLV */
	PDC_OP_SESSION_CLOSE		= 0x0043, /* pdc_session_req -> (empty) */
	PDC_OP_UPP_OPEN			= 0x0044, /* pdc_upp_open_req -> (empty) (1.3) */
	PDC_OP_UPP_DATA			= 0x0045, /* pdc_upp_data_req + data -> (empty) (1.3) */
	PDC_OP_UPP_FINISH		= 0x0046, /* pdc_upp_finish_req -> empty|BAD_SIGNATURE */
	PDC_OP_UPP_SEAL			= 0x0047, /* pdc_bsp_seal_req -> pdc_bsp_seal_resp + TLV */
	PDC_OP_RESEAL_OPEN		= 0x0048, /* pdc_reseal_open_req -> .._resp (1.4) */
	PDC_OP_RESEAL_DATA		= 0x0049, /* pdc_upp_data_req + data -> data (1.4) */
	PDC_OP_RESEAL_FINISH		= 0x004a, /* pdc_upp_finish_req -> pdc_reseal_finish_resp */
	PDC_OP_RESEAL_ABORT		= 0x004b, /* pdc_session_req -> (empty) (1.4) */

	/* Crypto API helpers (kernel kpp/akcipher/skcipher/shash), not for DP keys. */
	PDC_OP_ECDH_RAW_PUBLIC		= 0x0050, /* pdc_ecdh_raw_req -> pdc_ecdh_public_resp */
	PDC_OP_ECDH_RAW_SHARED		= 0x0051, /* pdc_ecdh_raw_req -> pdc_ecdh_shared_resp */
	PDC_OP_AES_CBC			= 0x0060, /* pdc_aes_cbc_req + data -> .._resp + data */
	PDC_OP_AES_CMAC			= 0x0061, /* pdc_aes_cmac_req + data -> pdc_aes_cmac_resp */
};

/*
 * Status codes. Any malformed request gets one of these with an empty body;
 * a failed request changes no card state.
 */
enum pdc_status {
	PDC_ST_OK		= 0,
	PDC_ST_BAD_MAGIC	= 1,	/* header magic wrong */
	PDC_ST_BAD_VERSION	= 2,	/* header version unsupported */
	PDC_ST_BAD_OPCODE	= 3,	/* unknown opcode */
	PDC_ST_BAD_LENGTH	= 4,	/* message/body/field length wrong */
	PDC_ST_BAD_PARAM	= 5,	/* reserved field not 0, bad flag, bad tag */
	PDC_ST_BAD_SLOT		= 6,	/* slot number out of range */
	PDC_ST_SLOT_EMPTY	= 7,	/* no key in that slot */
	PDC_ST_SLOT_IN_USE	= 8,	/* generate into an occupied slot */
	PDC_ST_BAD_CURVE	= 9,	/* curve id unknown or not supported */
	PDC_ST_BAD_KEY		= 10,	/* point not on curve / scalar out of range */
	PDC_ST_BAD_SESSION	= 11,	/* session handle unknown or stale */
	PDC_ST_NO_RESOURCES	= 12,	/* session table full */
	PDC_ST_SESSION_LIMIT	= 13,	/* session used up its segment budget */
	PDC_ST_BAD_SIGNATURE	= 14,	/* ECDSA verify: signature does not match */
	PDC_ST_CRYPTO		= 15,	/* internal crypto failure */
	PDC_ST_STORAGE		= 16,	/* key store could not be written */
	PDC_ST_TOO_LARGE	= 17,	/* response would not fit (resp_cap) */
	PDC_ST_BAD_TRANSPORT	= 18,	/* ring entry offsets/lengths invalid */
	PDC_ST_SELF_TEST	= 19,	/* card failed its self-test, crypto refused */
	PDC_ST_KEY_REJECTED	= 20,	/* (1.3) key unwrap failed: other stock key or tampered */
	PDC_ST__COUNT
};

/* Curve ids; the same numbers as enum pdp_curve of libportdp-accel. */
#define PDC_CURVE_P256		1
#define PDC_CURVE_BP256R1	2

/* Capability bits in pdc_info.caps. */
#define PDC_CAP_P256		PDC_BIT(0)
#define PDC_CAP_BP256R1		PDC_BIT(1)
#define PDC_CAP_KEY_SLOTS	PDC_BIT(2)	/* KEY_* ops, slots persist */
#define PDC_CAP_ECDSA_SIGN	PDC_BIT(3)
#define PDC_CAP_ECDSA_VERIFY	PDC_BIT(4)
#define PDC_CAP_SESSION		PDC_BIT(5)	/* SESSION_CREATE, BSP_SEAL, CLOSE */
#define PDC_CAP_REPLACE_KEYS	PDC_BIT(6)
#define PDC_CAP_ECDH_RAW	PDC_BIT(7)
#define PDC_CAP_AES_CBC		PDC_BIT(8)
#define PDC_CAP_AES_CMAC	PDC_BIT(9)
#define PDC_CAP_RANDOM		PDC_BIT(10)
#define PDC_CAP_ECDH_SLOT	PDC_BIT(11)	/* minor 1 */
#define PDC_CAP_SEALED_UPP	PDC_BIT(12)	/* minor 3: STOCK_*, UPP_* */
#define PDC_CAP_RESEAL		PDC_BIT(13)	/* minor 4: RESEAL_* */

/*
 * Key type of a stock key slot (minor 3), reported where a curve id goes
 * (pdc_key_list_resp.curve): an AES-256 key that wraps the data keys of
 * sealed UPPs. It has no public half and does no ECDSA/ECDH.
 */
#define PDC_KEY_STOCK_AES256	0x10

#define PDC_PUBKEY_LEN		65	/* 04 || X || Y */
#define PDC_PRIVKEY_LEN		32
#define PDC_SIG_LEN		64	/* raw r || s */
#define PDC_SHARED_LEN		32	/* ECDH x coordinate */
#define PDC_DIGEST_MAX		64	/* ECDSA input: a hash, truncated as X9.62 says */
#define PDC_HOST_ID_MAX		16
#define PDC_EID_LEN		16
#define PDC_AES_BLOCK		16
#define PDC_AES_KEY_MAX		32

#define PDC_KEY_SLOTS		32	/* slots 0..31 */
#define PDC_RANDOM_MAX		1024
#define PDC_BSP_MAX_SEGMENT	1020	/* whole 86/87/88 TLV incl. MAC */
#define PDC_BSP_MAX_PLAIN_ENC	1007	/* 86/87 plaintext per segment */
#define PDC_BSP_MAX_PLAIN_MAC	1008	/* 88 plaintext per segment */
#define PDC_AES_MAX_DATA	3968	/* AES_CBC / AES_CMAC data per request */
#define PDC_STOCK_KEY_LEN	32	/* AES-256 data key and stock key */
#define PDC_STOCK_WRAP_LEN	40	/* RFC 3394 wrap of a 32-byte key */
#define PDC_UPP_NONCE_LEN	12	/* AES-256-GCM nonce */
#define PDC_UPP_TAG_LEN		16	/* AES-256-GCM tag */
#define PDC_UPP_AAD_MAX		32	/* associated data ("PDS" 01 || ICCID) */
#define PDC_UPP_MAX_LEN		(256u * 1024u)	/* one sealed UPP's ciphertext */
#define PDC_UPP_DATA_MAX	4064	/* ciphertext bytes per UPP_DATA */
#define PDC_UPP_MAX_OPEN	16	/* UPPs open on the card at once */
#define PDC_RESEAL_MAX_OPEN	8	/* re-seals open on the card at once */
#define PDC_XFER_ID_LEN		16	/* transfer bundle id */
#define PDC_ICCID_MAX		20	/* ICCID, decimal digits */

/* ---- GET_INFO -------------------------------------------------------- */
struct pdc_info {
	pdc_le32 proto_version;		/* PDC_PROTO_VERSION */
	pdc_le32 caps;			/* PDC_CAP_* */
	pdc_le32 fw_version;		/* major << 16 | minor << 8 | patch */
	pdc_le16 key_slots;		/* PDC_KEY_SLOTS */
	pdc_le16 max_sessions;
	pdc_le16 max_msg;		/* PDC_MAX_MSG */
	pdc_le16 proto_minor;		/* PDC_PROTO_MINOR (0 on older cards) */
	pdc_le32 session_max_segments;	/* seals per session before SESSION_LIMIT */
	pdc_u8 serial[16];		/* card serial, stable across restarts */
	char fw_name[32];		/* NUL-padded, e.g. "portdp-card 0.1.0" */
};

/* ---- SELF_TEST ------------------------------------------------------- */
#define PDC_SELFTEST_DRBG	PDC_BIT(0)
#define PDC_SELFTEST_AES	PDC_BIT(1)
#define PDC_SELFTEST_CMAC	PDC_BIT(2)
#define PDC_SELFTEST_KDF	PDC_BIT(3)	/* X9.63 KDF known answer */
#define PDC_SELFTEST_ECDSA	PDC_BIT(4)	/* pairwise sign/verify */
#define PDC_SELFTEST_ECDH	PDC_BIT(5)	/* pairwise agreement */
#define PDC_SELFTEST_KEYSTORE	PDC_BIT(6)	/* backing file readable, integrity ok */

struct pdc_self_test_resp {
	pdc_le32 run;		/* PDC_SELFTEST_* bits that ran */
	pdc_le32 failed;	/* bits that failed; 0 = all good */
};

/* ---- GET_COUNTERS ---------------------------------------------------- */
struct pdc_counters {
	pdc_le64 requests;		/* all messages handled */
	pdc_le64 errors;		/* responses with status != OK */
	pdc_le64 signs;
	pdc_le64 verifies;
	pdc_le64 sessions_created;
	pdc_le64 segments_sealed;
	pdc_le64 ecdh_raw;
	pdc_le64 aes_ops;
	pdc_le64 random_bytes;
	pdc_le64 resets;		/* ring resets and card restarts */
	pdc_le32 sessions_open;
	pdc_le32 keys_stored;
};

/* ---- RANDOM ---------------------------------------------------------- */
struct pdc_random_req {
	pdc_le16 len;			/* 1..PDC_RANDOM_MAX */
	pdc_le16 rsvd;
};

/* ---- key slots ------------------------------------------------------- */
struct pdc_key_generate_req {
	pdc_u8 slot;			/* < PDC_KEY_SLOTS, must be empty */
	pdc_u8 curve;			/* PDC_CURVE_* */
	pdc_le16 rsvd;
};

struct pdc_slot_req {
	pdc_u8 slot;
	pdc_u8 rsvd[3];
};

struct pdc_key_public_resp {
	pdc_u8 slot;
	pdc_u8 curve;
	pdc_le16 rsvd;
	pdc_u8 pub[PDC_PUBKEY_LEN];
	pdc_u8 rsvd2[3];
};

struct pdc_key_list_resp {
	pdc_le32 used;			/* bit n set: slot n holds a key */
	pdc_u8 curve[PDC_KEY_SLOTS];	/* curve of slot n, 0 if empty */
};

/* ---- ECDSA ------------------------------------------------------------ */
struct pdc_ecdsa_sign_req {
	pdc_u8 slot;
	pdc_u8 digest_len;		/* 1..PDC_DIGEST_MAX */
	pdc_le16 rsvd;
	pdc_u8 digest[PDC_DIGEST_MAX];	/* only digest_len bytes used, rest 0 */
};

struct pdc_ecdsa_sign_resp {
	pdc_u8 sig[PDC_SIG_LEN];
};

struct pdc_ecdsa_verify_req {
	pdc_u8 curve;
	pdc_u8 digest_len;		/* 1..PDC_DIGEST_MAX */
	pdc_le16 rsvd;
	pdc_u8 pub[PDC_PUBKEY_LEN];
	pdc_u8 rsvd2[3];
	pdc_u8 digest[PDC_DIGEST_MAX];
	pdc_u8 sig[PDC_SIG_LEN];
};

/*
 * ECDH_SLOT: the shared secret Z (x coordinate) of a slot's private key with
 * a peer public key on the slot's curve. Z leaves the card, as in any
 * PKCS#11 derive-to-host: this is ECDH key exchange for card-resident keys
 * (OpenSSL provider, TLS); the private key itself never does.
 */
struct pdc_ecdh_slot_req {
	pdc_u8 slot;
	pdc_u8 rsvd[3];
	pdc_u8 peer_pub[PDC_PUBKEY_LEN];	/* 04 || X || Y on the slot's curve */
	pdc_u8 rsvd2[3];
};

/* ---- sessions (SGP.22 key agreement + SCP03t/BSP) -------------------- */
struct pdc_session_create_req {
	pdc_u8 curve;
	pdc_u8 host_id_len;		/* 1..PDC_HOST_ID_MAX */
	pdc_le16 rsvd;
	pdc_u8 peer_pub[PDC_PUBKEY_LEN];	/* otPK.EUICC.ECKA */
	pdc_u8 rsvd2[3];
	pdc_u8 host_id[PDC_HOST_ID_MAX];
	pdc_u8 eid[PDC_EID_LEN];
};

struct pdc_session_create_resp {
	pdc_le32 handle;
	pdc_u8 ot_pub[PDC_PUBKEY_LEN];	/* otPK.DP.ECKA */
	pdc_u8 rsvd[3];
};

/* Followed by in_len bytes of plaintext (body length = 8 + in_len). */
struct pdc_bsp_seal_req {
	pdc_le32 handle;
	pdc_u8 tag;			/* 0x86, 0x87 or 0x88 */
	pdc_u8 rsvd;
	pdc_le16 in_len;		/* 1..1007 (86/87), 1..1008 (88) */
};

/* Followed by seg_len bytes: the whole TLV tag || len || data || MAC8. */
struct pdc_bsp_seal_resp {
	pdc_le16 seg_len;
	pdc_le16 rsvd;
};

struct pdc_session_req {
	pdc_le32 handle;
};

/* Followed by seg_len bytes: the 87 TLV carrying ReplaceSessionKeysRequest. */
struct pdc_replace_keys_resp {
	pdc_le32 new_handle;		/* session with the PPKs, block counter 1 */
	pdc_le16 seg_len;
	pdc_le16 rsvd;
};

/* ---- stock key and sealed UPPs (minor 3, PDC_CAP_SEALED_UPP) -------- */
/*
 * STOCK_WRAP: RFC 3394 wrap of a data key the host chose, under the stock
 * key in @slot (import seals a UPP with it). There is no unwrap command:
 * a data key is unwrapped only inside UPP_OPEN and stays on the card.
 */
struct pdc_stock_wrap_req {
	pdc_u8 slot;
	pdc_u8 rsvd[3];
	pdc_u8 key[PDC_STOCK_KEY_LEN];
};

struct pdc_stock_wrap_resp {
	pdc_u8 wrapped[PDC_STOCK_WRAP_LEN];
};

/*
 * UPP_OPEN attaches a sealed UPP to an open session: the card unwraps the
 * data key with the stock key in @slot (KEY_REJECTED if it does not open),
 * then takes ct_len bytes of ciphertext in order by UPP_DATA, checks the GCM
 * tag in UPP_FINISH (BAD_SIGNATURE: the UPP is dropped and wiped) and only
 * then seals the plaintext, in order, as 86 segments with UPP_SEAL (body
 * struct pdc_bsp_seal_req, tag 0x86, no data: in_len plaintext bytes taken
 * from the card's copy). After the last byte the UPP is wiped; closing the
 * session or a reset wipes it too. The plaintext never leaves the card.
 */
struct pdc_upp_open_req {
	pdc_le32 handle;		/* session that seals the 86 segments */
	pdc_u8 slot;			/* stock key slot */
	pdc_u8 aad_len;			/* 1..PDC_UPP_AAD_MAX */
	pdc_le16 rsvd;
	pdc_le32 ct_len;		/* 1..PDC_UPP_MAX_LEN */
	pdc_u8 wrapped[PDC_STOCK_WRAP_LEN];
	pdc_u8 nonce[PDC_UPP_NONCE_LEN];
	pdc_u8 aad[PDC_UPP_AAD_MAX];	/* aad_len bytes used, rest 0 */
};

/* Followed by len bytes of ciphertext at @offset (= bytes taken so far). */
struct pdc_upp_data_req {
	pdc_le32 handle;
	pdc_le32 offset;
	pdc_le16 len;			/* 1..PDC_UPP_DATA_MAX */
	pdc_le16 rsvd;
};

struct pdc_upp_finish_req {
	pdc_le32 handle;
	pdc_u8 tag[PDC_UPP_TAG_LEN];
};

/* ---- re-sealing a UPP (minor 4, PDC_CAP_RESEAL) --------------------- */
/*
 * A UPP goes from one sealed form to another without its plaintext leaving
 * the card (transfers between units, docs/transfers.md). The two forms:
 *   STOCK: AES-256-GCM under a data key wrapped (RFC 3394) by the stock key
 *          in a slot; the nonce and the AAD (1..PDC_UPP_AAD_MAX bytes) given.
 *   XFER:  the envelope of a transfer bundle: z = ECDH(one-time key, unit
 *          key), key = HKDF-SHA256(z, salt = bundle id, info =
 *          "portdp-xfer-1" || one-time pub || ICCID), AES-256-GCM, AAD =
 *          bundle id || ICCID. Input: the unit key is the P-256 key in
 *          @in_slot, the one-time pub given. Output: the card draws the
 *          one-time key for the destination's @peer_pub and returns its pub.
 * Output STOCK: the card draws a fresh data key (returned wrapped under the
 * stock key in @out_slot) and a fresh nonce. When one side is XFER, a STOCK
 * side's AAD must end with the ICCID. RESEAL_OPEN answers a handle; the
 * ciphertext goes through in order by RESEAL_DATA (pdc_upp_data_req; every
 * piece but the last a multiple of 16 bytes), each answered by as many bytes
 * of output ciphertext; RESEAL_FINISH takes the input's tag and, only if it
 * verifies, answers the output's tag. A tag that fails (BAD_SIGNATURE) ends
 * the re-seal (the host drops what it got); so does RESEAL_ABORT, a reset,
 * and RESEAL_FINISH itself.
 */
#define PDC_SEAL_STOCK		1
#define PDC_SEAL_XFER		2

struct pdc_reseal_open_req {
	pdc_u8 in_kind;			/* PDC_SEAL_* */
	pdc_u8 out_kind;
	pdc_u8 in_slot;			/* STOCK: stock key; XFER: P-256 unit key */
	pdc_u8 out_slot;		/* STOCK: stock key; XFER: 0 */
	pdc_le32 ct_len;		/* 1..PDC_UPP_MAX_LEN */
	pdc_u8 iccid_len;		/* with an XFER side 1..PDC_ICCID_MAX, else 0 */
	pdc_u8 aad_len;			/* with a STOCK side 1..PDC_UPP_AAD_MAX, else 0 */
	pdc_le16 rsvd;
	pdc_u8 iccid[PDC_ICCID_MAX];	/* iccid_len bytes used, rest 0 */
	pdc_u8 aad[PDC_UPP_AAD_MAX];	/* STOCK AAD, aad_len bytes used, rest 0 */
	pdc_u8 in_id[PDC_XFER_ID_LEN];	/* XFER in: bundle id, else 0 */
	pdc_u8 out_id[PDC_XFER_ID_LEN];	/* XFER out: bundle id, else 0 */
	pdc_u8 in_wrapped[PDC_STOCK_WRAP_LEN]; /* STOCK in, else 0 */
	pdc_u8 in_nonce[PDC_UPP_NONCE_LEN];
	pdc_u8 in_pub[PDC_PUBKEY_LEN];	/* XFER in: the one-time pub, else 0 */
	pdc_u8 peer_pub[PDC_PUBKEY_LEN];	/* XFER out: destination unit key, else 0 */
	pdc_u8 rsvd2[2];
};

struct pdc_reseal_open_resp {
	pdc_le32 handle;
	pdc_u8 out_nonce[PDC_UPP_NONCE_LEN];
	pdc_u8 out_wrapped[PDC_STOCK_WRAP_LEN];	/* STOCK out, else 0 */
	pdc_u8 out_pub[PDC_PUBKEY_LEN];		/* XFER out: one-time pub, else 0 */
	pdc_u8 rsvd[3];
};

struct pdc_reseal_finish_resp {
	pdc_u8 tag[PDC_UPP_TAG_LEN];
};

/* ---- raw ECDH (kernel kpp "ecdh-nist-p256" only) --------------------- */
/*
 * The host gives the private scalar; the card does not keep it. This exists
 * because the kernel's kpp API sets private keys from outside; DP keys and
 * session keys never use it.
 */
struct pdc_ecdh_raw_req {
	pdc_u8 curve;
	pdc_u8 rsvd[3];
	pdc_u8 priv[PDC_PRIVKEY_LEN];		/* big-endian, 0 < d < n */
	pdc_u8 peer_pub[PDC_PUBKEY_LEN];	/* RAW_SHARED only; zero for RAW_PUBLIC */
	pdc_u8 rsvd2[3];
};

struct pdc_ecdh_public_resp {
	pdc_u8 pub[PDC_PUBKEY_LEN];
	pdc_u8 rsvd[3];
};

struct pdc_ecdh_shared_resp {
	pdc_u8 shared[PDC_SHARED_LEN];
};

/* ---- raw AES (kernel skcipher "cbc(aes)", shash "cmac(aes)") ---------- */
#define PDC_AES_DECRYPT		0
#define PDC_AES_ENCRYPT		1

/* Followed by data_len bytes, a non-zero multiple of 16, <= PDC_AES_MAX_DATA. */
struct pdc_aes_cbc_req {
	pdc_u8 key_len;			/* 16, 24 or 32 */
	pdc_u8 dir;			/* PDC_AES_ENCRYPT / PDC_AES_DECRYPT */
	pdc_le16 data_len;
	pdc_u8 key[PDC_AES_KEY_MAX];	/* key_len bytes used, rest 0 */
	pdc_u8 iv[PDC_AES_BLOCK];
};

/* Followed by data_len bytes of output. */
struct pdc_aes_cbc_resp {
	pdc_u8 iv_out[PDC_AES_BLOCK];	/* last ciphertext block: IV to chain on */
	pdc_le16 data_len;
	pdc_le16 rsvd;
};

/*
 * CMAC in chunks without card state: the host keeps a 16-byte chaining
 * state (zero at the start). A chunk without PDC_CMAC_FINAL must be a
 * non-zero multiple of 16 bytes and returns the new state; the FINAL chunk
 * carries the last 1..16+ bytes of the message (0 bytes only for an empty
 * message, i.e. with a zero state) and returns the MAC.
 */
#define PDC_CMAC_FINAL		PDC_BIT(0)

/* Followed by data_len bytes (<= PDC_AES_MAX_DATA). */
struct pdc_aes_cmac_req {
	pdc_u8 key_len;			/* 16, 24 or 32 */
	pdc_u8 flags;			/* PDC_CMAC_FINAL */
	pdc_le16 data_len;
	pdc_u8 key[PDC_AES_KEY_MAX];
	pdc_u8 state[PDC_AES_BLOCK];
};

struct pdc_aes_cmac_resp {
	pdc_u8 out[PDC_AES_BLOCK];	/* new state, or the MAC if FINAL */
};

/*
 * ======================================================================
 * Part 2: PCIe transport (QEMU ivshmem-doorbell, card = ivshmem peer 0)
 * ======================================================================
 */

/*
 * BAR2 layout (offsets fixed; the card also publishes them in pdc_ctrl):
 *   0x0000  struct pdc_ctrl       control block, one page
 *   0x1000  request ring          PDC_RING_ENTRIES x struct pdc_ring_req
 *   0x2000  completion ring       PDC_RING_ENTRIES x struct pdc_ring_cpl
 *   0x4000  payload area          up to the end of BAR2
 * The host places request and response messages anywhere in the payload
 * area (suggested: slot i at PDC_BAR2_PAYLOAD + i * PDC_MAX_MSG, request and
 * response in the same slot; the card copies a request out of BAR2 before
 * it writes the response).
 */
#define PDC_SHM_MAGIC		0x4d484450u	/* "PDHM" in memory */
#define PDC_BAR2_CTRL		0x0000
#define PDC_BAR2_REQ_RING	0x1000
#define PDC_BAR2_CPL_RING	0x2000
#define PDC_BAR2_PAYLOAD	0x4000
#define PDC_BAR2_MIN_SIZE	(1024u * 1024u)
#define PDC_RING_ENTRIES	64		/* power of two */

/* Guest -> card doorbell (BAR0 0x0c: (0 << 16) | vector). */
#define PDC_DB_VEC_REQUEST	0	/* new requests or a reset request */
/* Card -> guest MSI-X vectors. */
#define PDC_IRQ_VEC_COMPLETION	0	/* new completions */
#define PDC_IRQ_VEC_STATE	1	/* state/generation changed (vector 0 if only one) */

enum pdc_card_state {
	PDC_STATE_OFF		= 0,	/* BAR2 all zero: no card behind it yet */
	PDC_STATE_RESETTING	= 1,
	PDC_STATE_READY		= 2,	/* rings live */
	PDC_STATE_FAILED	= 3,	/* self-test failed; rings answer SELF_TEST */
};

/**
 * struct pdc_ctrl - control block at BAR2 offset 0.
 *
 * Lines 0 and 2 are written by the card, line 1 by the driver; nobody
 * writes the other side's fields. Indices are free-running u32; entry =
 * index % PDC_RING_ENTRIES.
 *
 * Reset handshake: the driver stops submitting, writes its own req_prod
 * and cpl_cons to 0, then writes a new non-zero reset_req cookie and rings
 * PDC_DB_VEC_REQUEST. The card sets state RESETTING, closes all sessions,
 * drops pending requests, sets req_cons = cpl_prod = 0, increments
 * generation, writes reset_ack = reset_req, sets state READY and raises
 * PDC_IRQ_VEC_STATE. A card that restarts on its own also increments
 * generation and raises PDC_IRQ_VEC_STATE: in-flight requests are lost and
 * the driver must reset before submitting again.
 *
 * Notification hints (PDC_CARD_EVENT_IDX in card_features, used only when the driver sets
 * PDC_HOST_EVENT_IDX in host_features before its reset request; the card
 * latches the choice at the reset): each side publishes the index at which
 * it wants to be woken, like virtio's event index. The driver rings the
 * doorbell only when its req_prod moves from old to new past req_event
 * (pdc_need_event()); the card sets req_event = req_cons before it sleeps
 * and looks at req_prod once more after a full barrier. The card raises the
 * completion vector only when cpl_prod moves past cpl_event; the driver
 * sets cpl_event = cpl_cons when it has taken every completion and looks at
 * cpl_prod once more after a full barrier. Without the hints the driver
 * rings for every request and the card raises the vector after every pass
 * over the request ring.
 */
struct pdc_ctrl {
	/* line 0: card-written identity and layout */
	pdc_le32 magic;			/* PDC_SHM_MAGIC once the card is up */
	pdc_le16 version;		/* PDC_PROTO_VERSION */
	pdc_le16 ring_entries;		/* PDC_RING_ENTRIES */
	pdc_le32 state;			/* enum pdc_card_state */
	pdc_le32 generation;		/* bumps on every reset/restart */
	pdc_le32 reset_ack;		/* last reset_req served */
	pdc_le32 req_ring_off;		/* PDC_BAR2_REQ_RING */
	pdc_le32 cpl_ring_off;		/* PDC_BAR2_CPL_RING */
	pdc_le32 payload_off;		/* PDC_BAR2_PAYLOAD */
	pdc_le32 payload_size;		/* BAR2 size - payload_off */
	pdc_le32 max_msg;		/* PDC_MAX_MSG */
	pdc_le32 caps;			/* same as pdc_info.caps */
	pdc_le32 card_features;		/* PDC_CARD_*: what this PCIe front end does */
	pdc_u8 rsvd0[16];
	/* line 1: driver-written */
	pdc_le32 req_prod;		/* requests published */
	pdc_le32 cpl_cons;		/* completions consumed */
	pdc_le32 reset_req;		/* reset cookie, see above */
	pdc_le32 host_features;		/* PDC_HOST_*, read by the card at a reset */
	pdc_le32 cpl_event;		/* wake me when cpl_prod passes this */
	pdc_u8 rsvd1[44];
	/* line 2: card-written ring progress */
	pdc_le32 req_cons;		/* requests taken by the card */
	pdc_le32 cpl_prod;		/* completions published */
	pdc_le32 req_event;		/* ring me when req_prod passes this */
	pdc_u8 rsvd2[52];
};

/* card_features and host_features bits */
#define PDC_CARD_EVENT_IDX	PDC_BIT(0)	/* minor 2: the card honours the hints */
#define PDC_HOST_EVENT_IDX	PDC_BIT(0)	/* the driver wants them */

/*
 * Must the side that moved its index from @old to @cur notify the other,
 * which asked to be woken at index @event? (Free-running u32 indices.)
 */
static inline int pdc_need_event(unsigned int event, unsigned int cur, unsigned int old)
{
	return cur - event - 1 < cur - old;
}

/**
 * struct pdc_ring_req - one request ring entry (driver-written).
 * @tag:      host's id for this request, echoed in the completion.
 * @opcode:   copy of the message's opcode (for tracing); echoed.
 * @req_off:  BAR2 offset of the request message (header + body).
 * @req_len:  its length, sizeof(pdc_hdr)..PDC_MAX_MSG.
 * @resp_off: BAR2 offset where the card writes the response message.
 * @resp_cap: room there, at least PDC_MAX_MSG (so the card never has to
 *            drop a response after it changed state).
 * Both ranges must lie inside the payload area and the lengths hold;
 * otherwise the completion carries PDC_ST_BAD_TRANSPORT, resp_len 0, and
 * the request is not executed.
 */
struct pdc_ring_req {
	pdc_le32 tag;
	pdc_le16 opcode;
	pdc_le16 flags;			/* 0 */
	pdc_le32 req_off;
	pdc_le32 req_len;
	pdc_le32 resp_off;
	pdc_le32 resp_cap;
	pdc_le32 rsvd[2];
};

/**
 * struct pdc_ring_cpl - one completion ring entry (card-written).
 * @status:   the response header's status (or PDC_ST_BAD_TRANSPORT).
 * @resp_len: bytes of response message at the request's resp_off, 0 when
 *            no response message was written.
 */
struct pdc_ring_cpl {
	pdc_le32 tag;
	pdc_le16 opcode;
	pdc_le16 status;
	pdc_le32 resp_len;
	pdc_le32 rsvd;
};

/*
 * ======================================================================
 * Part 3: USB transport (vendor interface, bulk OUT requests, bulk IN answers)
 * ======================================================================
 *
 * One vendor-specific interface (class 0xff, subclass PDC_USB_SUBCLASS,
 * protocol PDC_USB_PROTOCOL) with one bulk IN and one bulk OUT endpoint (the
 * UDC numbers them; hosts find them from the descriptors). Every request
 * message is one bulk OUT transfer, every response message one bulk IN
 * transfer; a transfer ends with a short packet, or with a zero-length
 * packet when its length is a multiple of wMaxPacketSize (both directions).
 * A transfer is at most PDC_MAX_MSG bytes; the host reads with buffers of
 * exactly PDC_MAX_MSG. Responses come in any order and carry the request's
 * tag; an empty IN transfer carries nothing and is ignored. The host keeps at
 * most pdc_usb_info.max_inflight requests outstanding.
 *
 * Vendor control requests on the interface (bmRequestType vendor|interface):
 *   PDC_USB_REQ_INFO  (IN, wLength = sizeof(struct pdc_usb_info))
 *   PDC_USB_REQ_RESET (OUT, no data, wValue = host cookie): the card drops
 *       pending requests and unsent answers, closes all sessions and answers
 *       the status stage only when it is clean; answers sent after it
 *       belong to requests sent after it.
 * A stalled bulk endpoint means the card could not go on with that
 * direction: the host clears the halt and resets (PDC_USB_REQ_RESET); if
 * that fails, a USB port reset (re-enumeration keeps the key store).
 */
#define PDC_USB_VID		0x1209	/* pid.codes */
#define PDC_USB_PID		0x0001	/* its test PID */
#define PDC_USB_SUBCLASS	0x50
#define PDC_USB_PROTOCOL	0x01
#define PDC_USB_REQ_INFO	0x01
#define PDC_USB_REQ_RESET	0x02
#define PDC_USB_VERSION		1
/* pdc_usb_info.flags */
#define PDC_USB_INFO_FAILED	PDC_BIT(0)	/* self-test failed: PDC_STATE_FAILED */

/**
 * struct pdc_usb_info - answer to PDC_USB_REQ_INFO.
 * @usb_version:  PDC_USB_VERSION (changes only with this part's layout).
 * @proto_version: PDC_PROTO_VERSION of the messages.
 * @max_inflight: requests the host may have outstanding, 1..PDC_RING_ENTRIES.
 * @max_msg:      PDC_MAX_MSG.
 * @resets:       PDC_USB_REQ_RESETs served since the card powered on.
 * @flags:        PDC_USB_INFO_*; 0 on cards older than the field (it was
 *                reserved), which is right: they have no FAILED state to say.
 */
struct pdc_usb_info {
	pdc_le16 usb_version;
	pdc_le16 proto_version;
	pdc_le16 max_inflight;
	pdc_le16 max_msg;
	pdc_le32 resets;
	pdc_le32 flags;
};

/* Layout checks: both compilers see the same sizes. */
PDC_STATIC_ASSERT(sizeof(struct pdc_hdr) == 16, "pdc_hdr");
PDC_STATIC_ASSERT(sizeof(struct pdc_info) == 72, "pdc_info");
PDC_STATIC_ASSERT(sizeof(struct pdc_self_test_resp) == 8, "pdc_self_test_resp");
PDC_STATIC_ASSERT(sizeof(struct pdc_counters) == 88, "pdc_counters");
PDC_STATIC_ASSERT(sizeof(struct pdc_random_req) == 4, "pdc_random_req");
PDC_STATIC_ASSERT(sizeof(struct pdc_key_generate_req) == 4, "pdc_key_generate_req");
PDC_STATIC_ASSERT(sizeof(struct pdc_slot_req) == 4, "pdc_slot_req");
PDC_STATIC_ASSERT(sizeof(struct pdc_key_public_resp) == 72, "pdc_key_public_resp");
PDC_STATIC_ASSERT(sizeof(struct pdc_key_list_resp) == 36, "pdc_key_list_resp");
PDC_STATIC_ASSERT(sizeof(struct pdc_ecdsa_sign_req) == 68, "pdc_ecdsa_sign_req");
PDC_STATIC_ASSERT(sizeof(struct pdc_ecdsa_verify_req) == 200, "pdc_ecdsa_verify_req");
PDC_STATIC_ASSERT(sizeof(struct pdc_ecdh_slot_req) == 72, "pdc_ecdh_slot_req");
PDC_STATIC_ASSERT(sizeof(struct pdc_session_create_req) == 104, "pdc_session_create_req");
PDC_STATIC_ASSERT(sizeof(struct pdc_session_create_resp) == 72, "pdc_session_create_resp");
PDC_STATIC_ASSERT(sizeof(struct pdc_bsp_seal_req) == 8, "pdc_bsp_seal_req");
PDC_STATIC_ASSERT(sizeof(struct pdc_bsp_seal_resp) == 4, "pdc_bsp_seal_resp");
PDC_STATIC_ASSERT(sizeof(struct pdc_replace_keys_resp) == 8, "pdc_replace_keys_resp");
PDC_STATIC_ASSERT(sizeof(struct pdc_stock_wrap_req) == 36, "pdc_stock_wrap_req");
PDC_STATIC_ASSERT(sizeof(struct pdc_stock_wrap_resp) == 40, "pdc_stock_wrap_resp");
PDC_STATIC_ASSERT(sizeof(struct pdc_upp_open_req) == 96, "pdc_upp_open_req");
PDC_STATIC_ASSERT(sizeof(struct pdc_upp_data_req) == 12, "pdc_upp_data_req");
PDC_STATIC_ASSERT(sizeof(struct pdc_upp_finish_req) == 20, "pdc_upp_finish_req");
PDC_STATIC_ASSERT(sizeof(struct pdc_upp_data_req) + PDC_UPP_DATA_MAX <= PDC_MAX_BODY,
		  "UPP_DATA fits a message");
PDC_STATIC_ASSERT(sizeof(struct pdc_reseal_open_req) == 280, "pdc_reseal_open_req");
PDC_STATIC_ASSERT(sizeof(struct pdc_reseal_open_resp) == 124, "pdc_reseal_open_resp");
PDC_STATIC_ASSERT(sizeof(struct pdc_reseal_finish_resp) == 16, "pdc_reseal_finish_resp");
PDC_STATIC_ASSERT(PDC_UPP_DATA_MAX % 16 == 0, "RESEAL_DATA pieces are whole GCM blocks");
PDC_STATIC_ASSERT(sizeof(struct pdc_ecdh_raw_req) == 104, "pdc_ecdh_raw_req");
PDC_STATIC_ASSERT(sizeof(struct pdc_ecdh_public_resp) == 68, "pdc_ecdh_public_resp");
PDC_STATIC_ASSERT(sizeof(struct pdc_aes_cbc_req) == 52, "pdc_aes_cbc_req");
PDC_STATIC_ASSERT(sizeof(struct pdc_aes_cbc_resp) == 20, "pdc_aes_cbc_resp");
PDC_STATIC_ASSERT(sizeof(struct pdc_aes_cmac_req) == 52, "pdc_aes_cmac_req");
PDC_STATIC_ASSERT(sizeof(struct pdc_ctrl) == 192, "pdc_ctrl");
PDC_STATIC_ASSERT(sizeof(struct pdc_ring_req) == 32, "pdc_ring_req");
PDC_STATIC_ASSERT(sizeof(unsigned int) == 4, "ring indices are 32-bit");
PDC_STATIC_ASSERT(sizeof(struct pdc_ring_cpl) == 16, "pdc_ring_cpl");
PDC_STATIC_ASSERT(sizeof(struct pdc_usb_info) == 16, "pdc_usb_info");
PDC_STATIC_ASSERT(PDC_RING_ENTRIES * sizeof(struct pdc_ring_req) <=
		  PDC_BAR2_CPL_RING - PDC_BAR2_REQ_RING, "request ring fits");
PDC_STATIC_ASSERT(PDC_RING_ENTRIES * sizeof(struct pdc_ring_cpl) <=
		  PDC_BAR2_PAYLOAD - PDC_BAR2_CPL_RING, "completion ring fits");
PDC_STATIC_ASSERT(PDC_BAR2_PAYLOAD + PDC_RING_ENTRIES * PDC_MAX_MSG <= PDC_BAR2_MIN_SIZE,
		  "one slot per ring entry fits in the minimum BAR2");

#endif /* PORTDP_CARD_H */
