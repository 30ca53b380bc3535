// SPDX-License-Identifier: Apache-2.0
/*
 * portdp-sealed-bench: A3 of one binding (a UPP of --len bytes sealed as 86 segments on a
 * fresh session) two ways, rounds taking turns so both see the same machine:
 *   card  pdp_bsp_seal_sealed(): the backend opens the sealed UPP (on dev: the card,
 *         UPP_OPEN/DATA/FINISH/SEAL; the plaintext never reaches the host)
 *   host  the host opens it (OpenSSL unwrap + AES-256-GCM with a stock key in memory, as
 *         portdpd does with a stock key file) and seals each segment with pdp_bsp_seal()
 * Prints per mode the median time per UPP and UPPs per second (median of the rounds).
 *
 *   portdp-sealed-bench [--uri URI] [--len BYTES] [--n UPPS] [--rounds R]
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/rand.h>

#include "portdp/accel.h"
#include "portdp/scp03t.h"

#define DEV_SLOT "slot:30"
#define MAX_ROUNDS 64

static const uint8_t aad[] = "PDS\001"
			     "89445000000000000018";

struct upp {
	uint8_t wrapped[PDP_STOCK_WRAP_LEN], nonce[PDP_UPP_NONCE_LEN], tag[PDP_UPP_TAG_LEN];
	uint8_t *ct;
	size_t len;
	uint8_t host_kek[32], host_wrapped[PDP_STOCK_WRAP_LEN]; /* the same UPP, host stock key */
};

static double now(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return t.tv_sec + t.tv_nsec / 1e9;
}

static int cipher(const EVP_CIPHER *c, int enc, const uint8_t *key, const uint8_t *iv,
		  const uint8_t *in, int len, uint8_t *out, uint8_t *tag)
{
	EVP_CIPHER_CTX *cx = EVP_CIPHER_CTX_new();
	int n = 0, m = 0, ok, gcm = tag != NULL;

	ok = cx && EVP_CipherInit_ex2(cx, c, key, iv, enc, NULL) &&
	     (!gcm || EVP_CipherUpdate(cx, NULL, &n, aad, sizeof(aad) - 1)) &&
	     EVP_CipherUpdate(cx, out, &n, in, len) &&
	     (!gcm || enc || EVP_CIPHER_CTX_ctrl(cx, EVP_CTRL_GCM_SET_TAG, 16, tag)) &&
	     EVP_CipherFinal_ex(cx, out + n, &m) &&
	     (!gcm || !enc || EVP_CIPHER_CTX_ctrl(cx, EVP_CTRL_GCM_GET_TAG, 16, tag));
	EVP_CIPHER_CTX_free(cx);
	return ok ? n + m : -1;
}

/*
 * A3 the host way: open with the host stock key, then the segments submitted at once and
 * reaped (portdpd's BPP_SEAL_BATCH).
 */
static int host_a3(struct pdp_accel *a, struct pdp_session *s, const struct upp *u, uint8_t *out)
{
	uint8_t dk[40], *pt = OPENSSL_malloc(u->len);
	size_t off, n, seg, done = 0;
	int rc = 0;

	if (!pt ||
	    cipher(EVP_aes_256_wrap(), 0, u->host_kek, NULL, u->host_wrapped, 40, dk, NULL) != 32 ||
	    cipher(EVP_aes_256_gcm(), 0, dk, u->nonce, u->ct, (int)u->len, pt, (uint8_t *)u->tag) <
		0)
		rc = -EBADMSG;
	struct pdp_op ops[256], *ptrs[256];
	unsigned k = 0, sub = 0, got = 0;

	for (off = 0; !rc && off < u->len && k < 256; off += n, k++) {
		n = u->len - off < PDP_BSP_MAX_PLAIN_ENC ? u->len - off : PDP_BSP_MAX_PLAIN_ENC;
		seg = pdp_bsp_segment_len(0x86, n);
		memset(&ops[k], 0, sizeof(ops[k]));
		ops[k].type = PDP_OP_BSP_SEAL;
		ops[k].u.seal = (typeof(ops[k].u.seal)){s, 0x86, pt + off, n, out + done, seg};
		ptrs[k] = &ops[k];
		done += seg;
	}
	while (!rc && got < k) {
		if (sub < k) {
			int r = pdp_submit(a, ptrs + sub, k - sub);

			if (r < 0 && r != -EAGAIN)
				rc = r;
			else if (r > 0)
				sub += (unsigned)r;
		}
		if (!rc) {
			int r = pdp_reap(a, ptrs + got, sub - got, 1);

			if (r < 0)
				rc = r;
			else
				got += (unsigned)r;
		}
	}
	for (off = 0; !rc && off < k; off++)
		rc = ops[off].status;
	OPENSSL_cleanse(dk, sizeof(dk));
	OPENSSL_clear_free(pt, u->len);
	return rc;
}

static int cmp_double(const void *x, const void *y)
{
	double a = *(const double *)x, b = *(const double *)y;

	return a < b ? -1 : a > b;
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {{"uri", 1, NULL, 'u'},
					     {"len", 1, NULL, 'l'},
					     {"n", 1, NULL, 'n'},
					     {"rounds", 1, NULL, 'r'},
					     {NULL, 0, NULL, 0}};
	const char *uri = "dev:";
	char skuri[64];
	unsigned n = 20, rounds = 5, r, i, mode;
	struct pdp_accel *a;
	struct pdp_stock_key *sk = NULL;
	struct upp u = {.len = 12000};
	uint8_t *pt, *out, dk[32], euicc_pub[PDP_PUBKEY_LEN], ot[PDP_PUBKEY_LEN], eid[16] = {0};
	double t[2][MAX_ROUNDS];
	size_t outlen;
	int c, rc;
	EVP_PKEY *ek;
	size_t pl = sizeof(euicc_pub);

	while ((c = getopt_long(argc, argv, "u:l:n:r:", opts, NULL)) != -1) {
		if (c == 'u')
			uri = optarg;
		else if (c == 'l')
			u.len = strtoul(optarg, NULL, 0);
		else if (c == 'n')
			n = strtoul(optarg, NULL, 0);
		else if (c == 'r')
			rounds = strtoul(optarg, NULL, 0);
		else
			return 2;
	}
	if (!u.len || u.len > PDP_UPP_MAX_LEN || !n || !rounds || rounds > MAX_ROUNDS)
		return 2;
	rc = pdp_accel_open(uri, &a);
	if (rc) {
		fprintf(stderr, "portdp-sealed-bench: %s: %s\n", uri, strerror(-rc));
		return 1;
	}
	if (!strncmp(uri, "dev", 3))
		snprintf(skuri, sizeof(skuri), DEV_SLOT);
	else
		snprintf(skuri, sizeof(skuri), "file:/tmp/sealed-bench-%d.key", (int)getpid());
	pdp_key_destroy(a, skuri);
	rc = pdp_stock_key_generate(a, skuri, &sk);
	if (rc) {
		fprintf(stderr, "portdp-sealed-bench: stock key %s: %s\n", skuri, strerror(-rc));
		return 1;
	}
	pt = malloc(u.len);
	u.ct = malloc(u.len);
	out = malloc(u.len + u.len / 8 + 64);
	RAND_bytes(pt, (int)u.len);
	RAND_bytes(dk, 32);
	RAND_bytes(u.nonce, 12);
	RAND_bytes(u.host_kek, 32);
	pdp_stock_wrap(a, sk, dk, u.wrapped);
	cipher(EVP_aes_256_wrap(), 1, u.host_kek, NULL, dk, 32, u.host_wrapped, NULL);
	cipher(EVP_aes_256_gcm(), 1, dk, u.nonce, pt, (int)u.len, u.ct, u.tag);
	ek = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "prime256v1");
	EVP_PKEY_get_octet_string_param(ek, "encoded-pub-key", euicc_pub, sizeof(euicc_pub), &pl);

	for (r = 0; r < rounds; r++)
		for (mode = 0; mode < 2; mode++) {
			double t0 = now();

			for (i = 0; i < n; i++) {
				struct pdp_session *s;
				struct pdp_sealed_upp su = {
				    aad, sizeof(aad) - 1, u.wrapped, u.nonce, u.ct, u.len, u.tag};

				rc = pdp_session_create(a, PDP_CURVE_P256, euicc_pub,
							(const uint8_t *)"bench", 5, eid, ot, &s);
				if (rc)
					break;
				outlen = u.len + u.len / 8 + 64;
				rc = mode ? host_a3(a, s, &u, out)
					  : pdp_bsp_seal_sealed(a, s, sk, &su, out, &outlen);
				pdp_session_close(a, s);
				if (rc)
					break;
			}
			if (rc) {
				fprintf(stderr, "portdp-sealed-bench: %s: %s\n",
					mode ? "host" : "card", strerror(-rc));
				return 1;
			}
			t[mode][r] = (now() - t0) / n;
		}
	for (mode = 0; mode < 2; mode++) {
		qsort(t[mode], rounds, sizeof(double), cmp_double);
		printf("%s,%s,%zu,%u,%u,%.1f,%.1f\n", pdp_accel_backend(a),
		       mode ? "host-opens" : "backend-opens", u.len, n, rounds,
		       t[mode][rounds / 2] * 1e6, 1 / t[mode][rounds / 2]);
	}
	pdp_key_destroy(a, skuri);
	if (!strncmp(skuri, "file:", 5))
		unlink(skuri + 5);
	pdp_stock_key_free(sk);
	EVP_PKEY_free(ek);
	free(pt);
	free(u.ct);
	free(out);
	pdp_accel_close(a);
	return 0;
}
