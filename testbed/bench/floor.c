// SPDX-License-Identifier: Apache-2.0
/*
 * The crypto floor of one binding on this machine: what portdpd's
 * cryptography alone costs, timed with the library calls portdpd makes
 * (libportdp-accel on the configured backend, the DP keys of the config), so
 * the server CPU the run measured can be put against it.
 *
 * One binding, as appliance/es9 does it:
 *   IA    pdp_random x2, pdp_sign (DPauth)
 *   AC    CERT.EUICC parsed and checked under the cached EUM
 *         (pdp_cert_verify_euicc_chain: one ECDSA verify), pdp_verify
 *         (euiccSignature1), pdp_sign (DPpb)
 *   GBPP  pdp_verify (euiccSignature2), pdp_session_create (one-time key,
 *         ECDH, KDF), pdp_sign (DPpb, InitialiseSecureChannel),
 *         pdp_session_replace_keys, pdp_bsp_seal of ConfigureISDP, StoreMetadata
 *         and the UPP's bytes (86 segments)
 *   HN    pdp_verify (euiccSignPIR)
 * A TLS 1.3 full handshake's server-side crypto, as OpenSSL negotiates it with
 * the bench client (X25519, TLS_AES_256_GCM_SHA384, the DP TLS key): key share
 * generation and derivation, the CertificateVerify signature, the key
 * schedule's HMACs (HKDF-SHA384: 20) and the AEAD of the server's flight
 * (~2 KiB) and the client's Finished. Session tickets are left out (a policy,
 * not a need).
 *
 * Times are this thread's CPU time (CLOCK_THREAD_CPUTIME_ID): time lost to
 * other processes on a shared machine does not count; the fastest of a few
 * rounds is kept.
 */
#include "bench.h"

#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/pem.h>

#include "config.h"
#include <portdp/accel.h>
#include <portdp/cert.h>

#define ROUNDS 5
#define PER_ROUND 16

static uint64_t thread_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

struct floor_ctx {
	struct pdp_accel *accel;
	struct pdp_key *dpauth, *dppb, *euicc_key;
	struct pdp_cert_verifier *ver;
	uint8_t *euicc_der, *eum_der;
	size_t euicc_len, eum_len;
	uint8_t euicc_pub[PDP_PUBKEY_LEN];
	enum pdp_curve curve;
	uint8_t eid[PDP_EID_LEN];
	uint8_t msg[160], sig[PDP_SIG_LEN];
	uint8_t *plain, *out;
	size_t upp_len;
	/* TLS */
	EVP_PKEY *tls_key, *x_peer;
	EVP_PKEY_CTX *x_gen;
	EVP_MAC_CTX *hmac;
	EVP_CIPHER *gcm;
};

static int read_all(const char *path, uint8_t **out, size_t *len)
{
	FILE *f = fopen(path, "rb");
	long n;

	if (!f)
		return -errno;
	if (fseek(f, 0, SEEK_END) || (n = ftell(f)) <= 0 || fseek(f, 0, SEEK_SET) ||
	    !(*out = malloc((size_t)n)) || fread(*out, 1, (size_t)n, f) != (size_t)n) {
		fclose(f);
		return -EIO;
	}
	fclose(f);
	*len = (size_t)n;
	return 0;
}

/* ---- one binding's server crypto, step by step ------------------------ */

/*
 * Kept out of line so that run-conn-callgrind can weigh each operation as a binding
 * does (3 signatures, 3 verifications, ...) from callgrind's per-function counts.
 */
#define FLOOR_OP __attribute__((noinline))

static FLOOR_OP int op_sign(struct floor_ctx *x, struct pdp_key *k)
{
	return pdp_sign(x->accel, k, x->msg, sizeof(x->msg), x->sig);
}

static FLOOR_OP int op_verify(struct floor_ctx *x)
{
	static uint8_t sig[PDP_SIG_LEN];
	static int have;

	if (!have) {
		if (pdp_sign(x->accel, x->euicc_key, x->msg, sizeof(x->msg), sig))
			return -EIO;
		have = 1;
	}
	return pdp_verify(x->accel, x->curve, x->euicc_pub, x->msg, sizeof(x->msg), sig);
}

static FLOOR_OP int op_chain(struct floor_ctx *x)
{
	struct pdp_cert *eum, *euicc = NULL;
	enum pdp_cert_role failed;
	int ret = -EIO;

	eum = pdp_cert_verifier_lookup(x->ver, x->eum_der, x->eum_len);
	if (!eum && pdp_cert_parse(x->eum_der, x->eum_len, &eum))
		return -EIO;
	if (!pdp_cert_parse(x->euicc_der, x->euicc_len, &euicc) &&
	    pdp_cert_verify_euicc_chain(x->ver, eum, euicc, time(NULL), &failed) == PDP_CERT_OK)
		ret = 0;
	pdp_cert_free(euicc);
	pdp_cert_free(eum);
	return ret;
}

/* Key agreement, fresh profile keys, and every BSP segment of the BPP. */
static FLOOR_OP int op_session_bsp(struct floor_ctx *x, uint64_t *session_ns, uint64_t *seal_ns)
{
	static const uint8_t host_id[16] = "portdp-floor";
	struct pdp_session *s = NULL, *ppk = NULL;
	uint8_t ot_pub[PDP_PUBKEY_LEN];
	size_t out_len, off;
	uint64_t t0 = thread_ns(), t1;
	int ret;

	ret = pdp_session_create(x->accel, x->curve, x->euicc_pub, host_id, sizeof(host_id), x->eid,
				 ot_pub, &s);
	t1 = thread_ns();
	*session_ns += t1 - t0;
	if (ret)
		return ret;
	/* ConfigureISDP (87, ~20 bytes), StoreMetadata (88, ~100 bytes), ReplaceSessionKeys. */
	out_len = PDP_BSP_MAX_SEGMENT;
	ret = pdp_bsp_seal(x->accel, s, 0x87, x->plain, 20, x->out, &out_len);
	out_len = PDP_BSP_MAX_SEGMENT;
	ret = ret ?: pdp_bsp_seal(x->accel, s, 0x88, x->plain, 100, x->out, &out_len);
	out_len = PDP_BSP_MAX_SEGMENT;
	ret = ret ?: pdp_session_replace_keys(x->accel, s, x->out, &out_len, &ppk);
	for (off = 0; !ret && off < x->upp_len; off += PDP_BSP_MAX_PLAIN_ENC) {
		size_t n = x->upp_len - off < PDP_BSP_MAX_PLAIN_ENC ? x->upp_len - off
								     : PDP_BSP_MAX_PLAIN_ENC;

		out_len = PDP_BSP_MAX_SEGMENT;
		ret = pdp_bsp_seal(x->accel, ppk, 0x86, x->plain + off, n, x->out, &out_len);
	}
	pdp_session_close(x->accel, ppk);
	pdp_session_close(x->accel, s);
	*seal_ns += thread_ns() - t1;
	return ret;
}

/* ---- a TLS 1.3 handshake's server crypto ---------------------------- */

static FLOOR_OP int op_tls(struct floor_ctx *x)
{
	static const uint8_t key[48];
	uint8_t secret[32], sig[PDP_SIG_DER_MAX + 16], mac[64], tag[16], buf[2048 + 16];
	size_t len = sizeof(secret), slen = sizeof(sig), mlen;
	EVP_PKEY *share = NULL;
	EVP_PKEY_CTX *d = NULL;
	EVP_MD_CTX *md = NULL;
	EVP_CIPHER_CTX *c = NULL;
	int ok = 0, n;

	/* Key share: generate ours, derive with the client's. */
	if (EVP_PKEY_keygen(x->x_gen, &share) != 1 || !(d = EVP_PKEY_CTX_new(share, NULL)) ||
	    EVP_PKEY_derive_init(d) != 1 || EVP_PKEY_derive_set_peer(d, x->x_peer) != 1 ||
	    EVP_PKEY_derive(d, secret, &len) != 1)
		goto out;
	/* CertificateVerify: the DP TLS key signs the transcript. */
	if (!(md = EVP_MD_CTX_new()) ||
	    EVP_DigestSignInit_ex(md, NULL, "SHA256", NULL, NULL, x->tls_key, NULL) != 1 ||
	    EVP_DigestSign(md, sig, &slen, buf, 130) != 1)
		goto out;
	/* Key schedule: HKDF-Extract/Expand-Label, the Finished MACs. */
	for (int i = 0; i < 20; i++) {
		mlen = sizeof(mac);
		if (!EVP_MAC_init(x->hmac, key, sizeof(key), NULL) ||
		    !EVP_MAC_update(x->hmac, buf, 64) || !EVP_MAC_final(x->hmac, mac, &mlen, mlen))
			goto out;
	}
	/* The server's encrypted flight (~2 KiB) and the client's Finished. */
	if (!(c = EVP_CIPHER_CTX_new()))
		goto out;
	for (int i = 0; i < 2; i++) {
		if (!EVP_EncryptInit_ex2(c, x->gcm, key, key + 32, NULL) ||
		    !EVP_EncryptUpdate(c, buf, &n, buf, i ? 64 : 2048) ||
		    !EVP_EncryptFinal_ex(c, buf, &n) ||
		    !EVP_CIPHER_CTX_ctrl(c, EVP_CTRL_GCM_GET_TAG, sizeof(tag), tag))
			goto out;
	}
	ok = 1;
out:
	EVP_CIPHER_CTX_free(c);
	EVP_MD_CTX_free(md);
	EVP_PKEY_CTX_free(d);
	EVP_PKEY_free(share);
	return ok ? 0 : -EIO;
}

/* ---- setup ------------------------------------------------------------ */

static int tls_setup(struct floor_ctx *x, const char *tls_key_uri)
{
	const char *path = strncmp(tls_key_uri, "file:", 5) ? NULL : tls_key_uri + 5;
	OSSL_PARAM p[2] = {OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST, "SHA384", 0),
			   OSSL_PARAM_construct_end()};
	EVP_MAC *mac;
	FILE *f;

	/* A card key (portdp:) has no file: its handshake floor is the card's, not timed here. */
	if (!path || !(f = fopen(path, "r")))
		return -ENOENT;
	x->tls_key = PEM_read_PrivateKey(f, NULL, NULL, NULL);
	fclose(f);
	x->x_gen = EVP_PKEY_CTX_new_from_name(NULL, "X25519", NULL);
	if (!x->tls_key || !x->x_gen || EVP_PKEY_keygen_init(x->x_gen) != 1 ||
	    EVP_PKEY_keygen(x->x_gen, &x->x_peer) != 1)
		return -EIO;
	mac = EVP_MAC_fetch(NULL, "HMAC", NULL);
	x->hmac = mac ? EVP_MAC_CTX_new(mac) : NULL;
	EVP_MAC_free(mac);
	x->gcm = EVP_CIPHER_fetch(NULL, "AES-256-GCM", NULL);
	if (!x->hmac || !x->gcm || !EVP_MAC_CTX_set_params(x->hmac, p))
		return -EIO;
	return 0;
}

static int setup(struct floor_ctx *x, const struct portdpd_config *cfg, const char *euicc_dir,
		 size_t upp_len)
{
	char path[PATH_MAX + 64];
	struct pdp_cert *euicc = NULL;
	int ret;

	x->upp_len = upp_len;
	x->plain = calloc(1, upp_len + PDP_BSP_MAX_PLAIN_ENC);
	x->out = malloc(PDP_BSP_MAX_SEGMENT);
	memset(x->msg, 0x5a, sizeof(x->msg));
	if (!x->plain || !x->out)
		return -ENOMEM;
	if ((ret = pdp_accel_open(cfg->accel_uri, &x->accel)) ||
	    (ret = pdp_key_load(x->accel, cfg->dpauth_key, &x->dpauth)) ||
	    (ret = pdp_key_load(x->accel, cfg->dppb_key, &x->dppb)))
		return ret;
	bench_path(path, sizeof(path), "file:%s/euicc-key.pem", euicc_dir);
	if ((ret = pdp_key_load(x->accel, path, &x->euicc_key)))
		return ret;
	bench_path(path, sizeof(path), "%s/euicc.der", euicc_dir);
	if ((ret = read_all(path, &x->euicc_der, &x->euicc_len)))
		return ret;
	bench_path(path, sizeof(path), "%s/eum.der", euicc_dir);
	if ((ret = read_all(path, &x->eum_der, &x->eum_len)))
		return ret;
	if (pdp_cert_verifier_new(&x->ver))
		return -ENOMEM;
	for (unsigned i = 0; i < cfg->n_ci; i++)
		if (pdp_cert_verifier_add_ci_file(x->ver, cfg->ci_certs[i]) != PDP_CERT_OK)
			return -EINVAL;
	if (pdp_cert_parse(x->euicc_der, x->euicc_len, &euicc) ||
	    pdp_cert_public_key(euicc, x->euicc_pub, &x->curve) || pdp_cert_eid(euicc, x->eid)) {
		pdp_cert_free(euicc);
		return -EINVAL;
	}
	pdp_cert_free(euicc);
	/* The EUM's signature is checked once, then cached, as in portdpd. */
	if (op_chain(x))
		return -EINVAL;
	return tls_setup(x, cfg->tls_key);
}

static void teardown(struct floor_ctx *x)
{
	pdp_key_free(x->dpauth);
	pdp_key_free(x->dppb);
	pdp_key_free(x->euicc_key);
	if (x->accel)
		pdp_accel_close(x->accel);
	pdp_cert_verifier_free(x->ver);
	free(x->euicc_der);
	free(x->eum_der);
	free(x->plain);
	free(x->out);
	EVP_PKEY_free(x->tls_key);
	EVP_PKEY_free(x->x_peer);
	EVP_PKEY_CTX_free(x->x_gen);
	EVP_MAC_CTX_free(x->hmac);
	EVP_CIPHER_free(x->gcm);
}

static double min_d(double a, double b)
{
	return a < b ? a : b;
}

int bench_floor_measure(const struct portdpd_config *cfg, const char *euicc_dir, size_t upp_len,
			struct bench_floor *f)
{
	struct floor_ctx x = {0};
	int ret;

	memset(f, 0, sizeof(*f));
	f->upp_len = upp_len;
	ret = setup(&x, cfg, euicc_dir, upp_len);
	if (ret && !(ret == -ENOENT && x.accel && x.ver)) /* no TLS key file: binding only */
		goto out;
	f->have_tls = ret == 0;
	ret = 0;
	for (int r = 0; r < ROUNDS && !ret; r++) {
		uint64_t t[8] = {0}, t0, session = 0, seal = 0;
		uint8_t rnd[16];

		for (int i = 0; i < PER_ROUND && !ret; i++) {
			t0 = thread_ns();
			ret |= pdp_random(x.accel, rnd, sizeof(rnd));
			ret |= pdp_random(x.accel, rnd, sizeof(rnd));
			ret |= op_sign(&x, x.dpauth);
			t[0] += thread_ns() - t0;
			t0 = thread_ns();
			ret |= op_chain(&x);
			t[1] += thread_ns() - t0;
			t0 = thread_ns();
			ret |= op_verify(&x);
			t[2] += thread_ns() - t0;
			t0 = thread_ns();
			ret |= op_sign(&x, x.dppb);
			t[3] += thread_ns() - t0;
			ret |= op_session_bsp(&x, &session, &seal);
			if (f->have_tls) {
				t0 = thread_ns();
				ret |= op_tls(&x);
				t[4] += thread_ns() - t0;
			}
		}
		if (ret)
			break;
#define KEEP(field, ns) f->field = r ? min_d(f->field, (ns) / 1e3 / PER_ROUND) : (ns) / 1e3 / PER_ROUND
		KEEP(ia_sign_us, t[0]);
		KEEP(chain_us, t[1]);
		KEEP(verify_us, t[2]);
		KEEP(sign_us, t[3]);
		KEEP(session_us, session);
		KEEP(bsp_us, seal);
		KEEP(tls_us, t[4]);
#undef KEEP
	}
	/* IA sign (+ randoms), AC chain + verify + sign, GBPP verify + session + sign + BSP, HN verify. */
	f->binding_us = f->ia_sign_us + f->chain_us + 3 * f->verify_us + 2 * f->sign_us +
			f->session_us + f->bsp_us;
out:
	teardown(&x);
	return ret ? (ret < 0 ? ret : -EIO) : 0;
}
