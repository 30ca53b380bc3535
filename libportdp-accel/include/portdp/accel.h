/* SPDX-License-Identifier: Apache-2.0 */
/**
 * @file accel.h
 * @brief libportdp-accel: the one crypto API of Port-DP+ user space.
 *
 * Every call returns 0 on success or a negative errno:
 *  -EINVAL   bad argument (length, curve, tag, NULL)
 *  -EBADMSG  signature or MAC did not verify
 *  -ENOENT   key not found (URI names nothing)
 *  -ENOMEM   out of memory
 *  -EIO      backend/card failure
 *  -EAGAIN   (async) queue full
 *  -ENOSPC   output buffer too small
 *  -ENODEV   backend not available (e.g. "dev:" without the card)
 *  -EEXIST   pdp_key_generate() on a URI that already holds a key
 *  -EACCES   no permission to open the device
 *  -EOPNOTSUPP the backend cannot do this (a card driver without the command)
 *
 * Backends sit behind one vtable and are picked by URI in pdp_accel_open():
 *   "soft:"                     OpenSSL 3 in this process
 *   "dev:/dev/portdp-accel0"    the card through the kernel driver
 *   "dev:"                      the first card present (/dev/portdp-accelN)
 *   "dev:[PATH]?sync=uring&depth=64"  options: sync calls as plain ioctl
 *                               (sync=ioctl, default) or through a 1-deep
 *                               io_uring; async ops in flight (1..4096, 256)
 * On dev, sign and verify hash on the host (SHA-256) and the card works on
 * the digest; a card's answer is checked before it is passed on (a bad one
 * is -EIO); the driver's -ETIMEDOUT is -EIO, its -EBUSY is -EAGAIN.
 *
 * Private keys are reached by handle only (struct pdp_key). Session keys
 * (S-ENC, S-MAC, MAC chaining value, block counter) live inside the backend
 * (struct pdp_session): a caller can seal segments with them but never read
 * them. On the card they never reach host memory.
 *
 * Thread safety: one struct pdp_accel per thread (like one io_uring per
 * worker). Keys and sessions belong to the accel that made them.
 */
#ifndef PORTDP_ACCEL_H
#define PORTDP_ACCEL_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/** Elliptic curves of SGP.22 (the values are what the card protocol uses). */
enum pdp_curve {
	PDP_CURVE_NONE = 0,
	PDP_CURVE_P256 = 1,     /**< NIST P-256 (prime256v1) */
	PDP_CURVE_BP256R1 = 2,  /**< brainpoolP256r1 */
};

#define PDP_PUBKEY_LEN 65 /**< uncompressed point 04||X||Y */
#define PDP_SIG_LEN 64    /**< raw r||s, as SGP.22 puts it on the wire */
#define PDP_AES_KEY_LEN 16
#define PDP_EID_LEN 16
/** A whole 86/87/88 TLV (tag, length, data, MAC) is at most this long. */
#define PDP_BSP_MAX_SEGMENT 1020
/** Plaintext that fits one encrypted segment (86/87). */
#define PDP_BSP_MAX_PLAIN_ENC 1007
/** Plaintext that fits one MAC-only segment (88). */
#define PDP_BSP_MAX_PLAIN_MAC 1008

struct pdp_accel;
struct pdp_key;
struct pdp_session;

/**
 * pdp_accel_open() - open a backend.
 * @uri: [in] "soft:" or "dev:[path][?options]"; NULL means $PORTDP_ACCEL or "soft:".
 * @out: [out] the new instance.
 */
int pdp_accel_open(const char *uri, struct pdp_accel **out);
void pdp_accel_close(struct pdp_accel *accel);
/** Backend name ("soft", "dev"), for logs and the benchmark. */
const char *pdp_accel_backend(const struct pdp_accel *accel);

/**
 * pdp_key_load() - get a handle on a private key.
 * @key_uri: [in] soft: "file:/path/key.pem" (PEM, EC P-256 or brainpoolP256r1);
 *           dev: "slot:N".
 */
int pdp_key_load(struct pdp_accel *accel, const char *key_uri,
		 struct pdp_key **out);
/** pdp_key_public() - the public half, uncompressed, and its curve. */
int pdp_key_public(const struct pdp_key *key, uint8_t pub[PDP_PUBKEY_LEN],
		   enum pdp_curve *curve);
void pdp_key_free(struct pdp_key *key);

/**
 * pdp_key_generate() - make a new private key and return a handle on it.
 * @key_uri: [in] soft: "file:/path/key.pem", written as PKCS#8 PEM with mode
 *           0600 (never overwrites: -EEXIST if the file exists);
 *           dev: "slot:N", generated on the card (-EEXIST if the slot is
 *           taken; the private key never leaves the card).
 * @curve:   [in] PDP_CURVE_P256 or PDP_CURVE_BP256R1.
 * @out:     [out] handle, as pdp_key_load() would return it.
 */
int pdp_key_generate(struct pdp_accel *accel, const char *key_uri, enum pdp_curve curve,
		     struct pdp_key **out);

/**
 * pdp_key_destroy() - delete the key named by @key_uri.
 * soft: removes the file, but only if it holds an EC private key (-EINVAL
 * otherwise); dev: empties the slot. -ENOENT if there is no key. Handles
 * already loaded stay valid on soft; on dev their next use fails (-ENOENT).
 */
int pdp_key_destroy(struct pdp_accel *accel, const char *key_uri);

/* ---- Signature encodings --------------------------------------------- */

/** Longest DER ECDSA-Sig-Value for a 256-bit curve. */
#define PDP_SIG_DER_MAX 72

/**
 * pdp_sig_raw_to_der() - r||s (SGP.22 wire form) to DER ECDSA-Sig-Value
 * (X.509, TLS). @der_len: [in] capacity, [out] bytes written.
 */
int pdp_sig_raw_to_der(const uint8_t raw[PDP_SIG_LEN], uint8_t *der, size_t *der_len);
/**
 * pdp_sig_der_to_raw() - strict DER ECDSA-Sig-Value to r||s.
 * -EINVAL unless @der is exactly one minimal SEQUENCE of two positive
 * INTEGERs of at most 32 significant bytes.
 */
int pdp_sig_der_to_raw(const uint8_t *der, size_t der_len, uint8_t raw[PDP_SIG_LEN]);

/* ---- Synchronous operations ------------------------------------------ */

/**
 * pdp_sign() - ECDSA with SHA-256 over @msg, result raw r||s.
 */
int pdp_sign(struct pdp_accel *accel, struct pdp_key *key,
	     const uint8_t *msg, size_t msg_len, uint8_t sig[PDP_SIG_LEN]);

/** Longest digest pdp_sign_digest() takes (SHA-512). */
#define PDP_DIGEST_MAX 64

/**
 * pdp_sign_digest() - ECDSA over a digest the caller computed (TLS, the
 * OpenSSL provider). @len: 1..PDP_DIGEST_MAX; digests longer than the curve
 * order are truncated as ECDSA says. Result raw r||s.
 */
int pdp_sign_digest(struct pdp_accel *accel, struct pdp_key *key, const uint8_t *digest,
		    size_t len, uint8_t sig[PDP_SIG_LEN]);

/**
 * pdp_ecdh() - static ECDH with a key handle: @z = x-coordinate of
 * key * @peer_pub. -EINVAL if @peer_pub is no point on the key's curve.
 */
int pdp_ecdh(struct pdp_accel *accel, struct pdp_key *key, const uint8_t peer_pub[PDP_PUBKEY_LEN],
	     uint8_t z[32]);

/**
 * pdp_verify() - check a raw r||s ECDSA-SHA256 signature with a public key.
 * Returns 0 if valid, -EBADMSG if not, -EINVAL if the key is no point on
 * @curve.
 */
int pdp_verify(struct pdp_accel *accel, enum pdp_curve curve,
	       const uint8_t pub[PDP_PUBKEY_LEN], const uint8_t *msg,
	       size_t msg_len, const uint8_t sig[PDP_SIG_LEN]);

/**
 * pdp_session_create() - the SM-DP+ side of the SGP.22 key agreement.
 * Generates the one-time key pair otPK/otSK.DP.ECKA on @curve, does ECDH
 * with @peer_pub (otPK.EUICC.ECKA), runs the X9.63 KDF (SHA-256) with
 * SharedInfo built from key type 0x88, key length 0x10, @host_id and @eid
 * exactly as SGP.22 (2.6.x) lays it out (checked by vectors/bsp.json), and
 * keeps S-ENC, S-MAC and the initial MAC chaining value in the new session
 * (block counter 1).
 * @host_id: [in] 1..16 bytes, the host id also sent in
 *           InitialiseSecureChannel.
 * @ot_pub:  [out] otPK.DP.ECKA, uncompressed.
 */
int pdp_session_create(struct pdp_accel *accel, enum pdp_curve curve,
		       const uint8_t peer_pub[PDP_PUBKEY_LEN],
		       const uint8_t *host_id, size_t host_id_len,
		       const uint8_t eid[PDP_EID_LEN],
		       uint8_t ot_pub[PDP_PUBKEY_LEN],
		       struct pdp_session **out);

/**
 * pdp_bsp_seal() - one SCP03t segment with the session's keys.
 * @tag: 0x87 or 0x86: AES-CBC encrypt + C-MAC; 0x88: C-MAC only.
 * @in:  [in] plaintext, at most PDP_BSP_MAX_PLAIN_ENC (86/87) or
 *       PDP_BSP_MAX_PLAIN_MAC (88) bytes, at least 1.
 * @out: [out] the whole TLV tag||len||data||MAC8 (<= PDP_BSP_MAX_SEGMENT).
 * @out_len: [in] capacity of @out, [out] bytes written.
 * Advances the block counter and the MAC chaining value.
 */
int pdp_bsp_seal(struct pdp_accel *accel, struct pdp_session *session,
		 uint8_t tag, const uint8_t *in, size_t in_len,
		 uint8_t *out, size_t *out_len);

/**
 * pdp_session_replace_keys() - make fresh profile protection keys.
 * Draws random PPK-ENC, PPK-MAC and initial MAC chaining value inside the
 * backend, seals ReplaceSessionKeysRequest (BF26 {80 initialMacChainingValue,
 * 81 ppkEnc, 82 ppkCmac}: rsp.asn order, AUTOMATIC TAGS) as one 87 segment
 * with @session into @out, and returns a
 * new session holding the PPKs (block counter 1) for the 86 segments of A3.
 * The PPKs never leave the backend except inside that sealed segment.
 */
int pdp_session_replace_keys(struct pdp_accel *accel,
			     struct pdp_session *session, uint8_t *out,
			     size_t *out_len, struct pdp_session **ppk_session);

void pdp_session_close(struct pdp_accel *accel, struct pdp_session *session);

/** pdp_random() - @len bytes from the backend's DRBG. */
int pdp_random(struct pdp_accel *accel, uint8_t *buf, size_t len);

/* ---- What the backend is --------------------------------------------- */

/* Operations the backend offers (struct pdp_accel_info.caps). */
#define PDP_ACCEL_CAP_P256 (1u << 0)
#define PDP_ACCEL_CAP_BP256R1 (1u << 1)
#define PDP_ACCEL_CAP_KEY_GENERATE (1u << 2) /**< pdp_key_generate/destroy */
#define PDP_ACCEL_CAP_SIGN (1u << 3)	     /**< pdp_sign, pdp_sign_digest */
#define PDP_ACCEL_CAP_VERIFY (1u << 4)
#define PDP_ACCEL_CAP_SESSION (1u << 5)	     /**< session create, seal, close */
#define PDP_ACCEL_CAP_REPLACE_KEYS (1u << 6)
#define PDP_ACCEL_CAP_ECDH (1u << 7)	     /**< pdp_ecdh with a key handle */
#define PDP_ACCEL_CAP_RANDOM (1u << 8)
#define PDP_ACCEL_CAP_ASYNC_QUEUE (1u << 9)  /**< ops really run in parallel (io_uring) */
#define PDP_ACCEL_CAP_SEALED_UPP (1u << 10)  /**< pdp_stock_*, pdp_bsp_seal_sealed */
#define PDP_ACCEL_CAP_RESEAL (1u << 11)	     /**< pdp_upp_reseal */

struct pdp_accel_info {
	char backend[8];       /**< "soft", "dev" */
	char device[64];       /**< dev: the device path; soft: "" */
	char fw_name[32];      /**< dev: card firmware name; soft: "OpenSSL x.y.z" */
	uint32_t fw_version;   /**< dev: major << 16 | minor << 8 | patch; soft: 0 */
	uint32_t proto_version; /**< dev: card protocol version; soft: 0 */
	uint8_t serial[16];    /**< dev: card serial; soft: zeros */
	uint32_t caps;         /**< PDP_ACCEL_CAP_* */
	unsigned key_slots;    /**< dev: slots on the card; soft: 0 (keys are files) */
	unsigned key_slots_used; /**< dev: slots holding a key */
	unsigned max_sessions; /**< dev: sessions the card holds at once; soft: 0 = no limit */
	unsigned queue_depth;  /**< ops pdp_submit() can keep in flight */
	/** AF_ALG cbc-aes-portdp / cmac-aes-portdp reach the card (probed at
	 *  pdp_accel_info() time with libkcapi; always 0 on soft and on kernels >= 7.2). */
	int af_alg_cbc;
	int af_alg_cmac;
};

/** pdp_accel_info() - describe the backend (fills all of @out). */
int pdp_accel_info(struct pdp_accel *accel, struct pdp_accel_info *out);

/* ---- Sealed stock (docs/sealed-stock.md) ------------------------------ *
 * A UPP at rest is sealed: AES-256-GCM under a data key of its own, that
 * key wrapped (RFC 3394) by the stock key. The stock key lives in the
 * backend: soft, a 32-byte file only its owner may read; dev, a key slot of
 * the card, drawn there and never out of it. pdp_bsp_seal_sealed() turns a
 * sealed UPP straight into its 86 segments: on dev the card unwraps,
 * checks and seals, and the UPP's plaintext never exists in host memory;
 * on soft it exists only inside the call and is wiped before it returns.
 */
#define PDP_STOCK_KEY_LEN 32
#define PDP_STOCK_WRAP_LEN 40
#define PDP_UPP_NONCE_LEN 12
#define PDP_UPP_TAG_LEN 16
#define PDP_UPP_AAD_MAX 32
#define PDP_UPP_MAX_LEN (256u * 1024u)

struct pdp_stock_key;

/**
 * pdp_stock_key_generate() - a new stock key.
 * @key_uri: soft: "file:/path", 32 random bytes written 0600 (never over a
 *           file: -EEXIST); dev: "slot:N" on the card (-EEXIST if taken).
 */
int pdp_stock_key_generate(struct pdp_accel *accel, const char *key_uri,
			   struct pdp_stock_key **out);
/**
 * pdp_stock_key_load() - a handle on a stock key. soft: the file must be a
 * regular file of exactly 32 bytes without group/other permissions
 * (-EPERM); dev: the slot must hold a stock key (-ENOENT empty, -EINVAL
 * another kind of key).
 */
int pdp_stock_key_load(struct pdp_accel *accel, const char *key_uri,
		       struct pdp_stock_key **out);
void pdp_stock_key_free(struct pdp_stock_key *key);

/** pdp_stock_wrap() - RFC 3394 wrap of a data key (import seals a UPP with it). */
int pdp_stock_wrap(struct pdp_accel *accel, struct pdp_stock_key *key,
		   const uint8_t data_key[PDP_STOCK_KEY_LEN], uint8_t wrapped[PDP_STOCK_WRAP_LEN]);

/** A sealed UPP, in pieces (pointers into the stored blob). */
struct pdp_sealed_upp {
	const uint8_t *aad; /**< associated data, 1..PDP_UPP_AAD_MAX bytes */
	size_t aad_len;
	const uint8_t *wrapped; /**< PDP_STOCK_WRAP_LEN */
	const uint8_t *nonce;	/**< PDP_UPP_NONCE_LEN */
	const uint8_t *ct;	/**< ciphertext, 1..PDP_UPP_MAX_LEN bytes */
	size_t ct_len;
	const uint8_t *tag; /**< PDP_UPP_TAG_LEN */
};

/**
 * pdp_bsp_seal_sealed() - open a sealed UPP inside the backend and seal it
 * as the 86 segments of A3 (cut every PDP_BSP_MAX_PLAIN_ENC bytes), one
 * after the other into @out: the same bytes pdp_bsp_seal() makes from the
 * plaintext with the same session state.
 * @out_len: [in] capacity, [out] bytes written.
 * Returns -EKEYREJECTED (the data key does not unwrap with @key: another
 * stock key, or a tampered wrap), -EBADMSG (the GCM tag does not verify:
 * a flipped byte, another ICCID's associated data); then nothing of the
 * UPP was sealed and @session did not move. -ENOSPC: @out too small.
 * Any other error (the card gone, a timeout) may leave @session with part of
 * the UPP on it: close it. On error @out holds zeros.
 */
int pdp_bsp_seal_sealed(struct pdp_accel *accel, struct pdp_session *session,
			struct pdp_stock_key *key, const struct pdp_sealed_upp *upp, uint8_t *out,
			size_t *out_len);

/* ---- Re-sealing a UPP for a transfer (docs/transfers.md) ------------- *
 * A UPP goes from one sealed form to another inside the backend: on dev the
 * card opens, checks and seals again, and the plaintext never exists in host
 * memory; on soft it exists only inside the call. The forms:
 *   PDP_SEAL_STOCK: the stock form above (@stock, @aad, @wrapped, @nonce, @tag).
 *   PDP_SEAL_XFER:  the envelope of a transfer bundle (tools/portdpctl/bundle.h):
 *     z = ECDH(one-time key, unit key), key = HKDF-SHA256(z, salt = @id,
 *     info = "portdp-xfer-1" || @pub || ICCID), AES-256-GCM, AAD = @id || ICCID.
 *     Input: @unit is this unit's P-256 key, @pub the sender's one-time key.
 *     Output: the backend draws the one-time key for @peer_pub, sets @pub.
 */
#define PDP_SEAL_STOCK 1
#define PDP_SEAL_XFER 2
#define PDP_XFER_ID_LEN 16

struct pdp_sealed_form {
	int kind; /**< PDP_SEAL_* */
	/* stock: the key, the AAD (ending with the ICCID when the other side is a transfer) */
	struct pdp_stock_key *stock;
	const uint8_t *aad;
	size_t aad_len;
	uint8_t wrapped[PDP_STOCK_WRAP_LEN]; /**< input; output: [out] a fresh data key's */
	/* transfer */
	struct pdp_key *unit;		   /**< input: this unit's P-256 key */
	uint8_t peer_pub[PDP_PUBKEY_LEN];  /**< output: the destination's unit key */
	uint8_t id[PDP_XFER_ID_LEN];	   /**< the bundle id */
	uint8_t pub[PDP_PUBKEY_LEN];	   /**< input; output: [out] the one-time key */
	/* both */
	uint8_t nonce[PDP_UPP_NONCE_LEN]; /**< input; output: [out] fresh */
	uint8_t tag[PDP_UPP_TAG_LEN];	  /**< input; output: [out] */
};

/**
 * pdp_upp_reseal() - re-seal @ct_len bytes of ciphertext @ct_in (form @in) as
 * @ct_out (the same length; form @out, its [out] fields set).
 * @iccid: the profile's ICCID, 10..20 digits (required with a transfer side).
 * Returns -EKEYREJECTED (a stock wrap that does not open), -EBADMSG (the input
 * fails its tag: tampered, another bundle, another unit's), -EINVAL (a bad
 * field, a key of the wrong kind). On error @ct_out and @out's fields are zeros.
 */
int pdp_upp_reseal(struct pdp_accel *accel, const char *iccid, const struct pdp_sealed_form *in,
		   const uint8_t *ct_in, size_t ct_len, struct pdp_sealed_form *out,
		   uint8_t *ct_out);

/* ---- Asynchronous operations ----------------------------------------- *
 * Fill struct pdp_op, pdp_submit() a batch, pdp_reap() completions. Buffers
 * named in an op must stay valid until the op completes. The soft backend
 * completes at submit time; the dev backend keeps many ops in flight (io_uring).
 */
enum pdp_op_type {
	PDP_OP_SIGN = 1,
	PDP_OP_VERIFY,
	PDP_OP_SESSION_CREATE,
	PDP_OP_BSP_SEAL,
	PDP_OP_RANDOM,
};

struct pdp_op {
	enum pdp_op_type type;
	int status;      /**< [out] 0 or negative errno, set on completion */
	void *user;      /**< [in] caller's cookie, untouched */
	union {
		struct {
			struct pdp_key *key;
			const uint8_t *msg;
			size_t msg_len;
			uint8_t *sig;            /* PDP_SIG_LEN */
		} sign;
		struct {
			enum pdp_curve curve;
			const uint8_t *pub;      /* PDP_PUBKEY_LEN */
			const uint8_t *msg;
			size_t msg_len;
			const uint8_t *sig;      /* PDP_SIG_LEN */
		} verify;
		struct {
			enum pdp_curve curve;
			const uint8_t *peer_pub;
			const uint8_t *host_id;
			size_t host_id_len;
			const uint8_t *eid;
			uint8_t *ot_pub;         /* [out] PDP_PUBKEY_LEN */
			struct pdp_session *session; /* [out] */
		} session_create;
		struct {
			struct pdp_session *session;
			uint8_t tag;
			const uint8_t *in;
			size_t in_len;
			uint8_t *out;
			size_t out_len;          /* [in] capacity [out] written */
		} seal;
		struct {
			uint8_t *buf;
			size_t len;
		} random;
	} u;
};

/**
 * pdp_submit() - queue @n ops. Returns the number queued (may be fewer than
 * @n when the backend's queue is full) or a negative errno.
 */
int pdp_submit(struct pdp_accel *accel, struct pdp_op *const *ops, unsigned n);

/**
 * pdp_reap() - collect up to @max completed ops into @done.
 * @min_wait: block until at least this many have completed (0: poll);
 *            never waits for more than pdp_inflight() ops.
 * Returns the number collected (0 if none is ready) or a negative errno.
 */
int pdp_reap(struct pdp_accel *accel, struct pdp_op **done, unsigned max,
	     unsigned min_wait);

/** Ops submitted and not yet reaped. */
unsigned pdp_inflight(const struct pdp_accel *accel);

#ifdef __cplusplus
}
#endif
#endif /* PORTDP_ACCEL_H */
