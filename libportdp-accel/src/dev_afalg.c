// SPDX-License-Identifier: Apache-2.0
/*
 * Does AF_ALG reach the card? The driver registers "cbc-aes-portdp" and
 * "cmac-aes-portdp" below AES-NI (generic "cbc(aes)" users keep the CPU), so
 * we ask for them by driver name; but kernels from 7.2 on keep off-CPU
 * drivers out of AF_ALG, and without a card the driver computes on the CPU
 * (its fallback). So ask at run time: one block
 * through libkcapi must give the right answer and move the card's own AES
 * counter. (Another process using the card at the same moment could move
 * it too; the answer is a hint for operators, nothing depends on it.)
 */
#include <errno.h>
#include <string.h>

#include <kcapi.h>
#include <openssl/err.h>

#include "dev.h"

static const uint8_t probe_key[16] = "portdp-probe-key";
static const uint8_t probe_in[16] = "one probe block.";

static int aes_ops(struct dev_accel *da, uint64_t *out)
{
	struct portdp_card_counters c;
	int ret = dev_call(da, PORTDP_IOC_GET_COUNTERS, &c);

	if (!ret)
		*out = c.aes_ops;
	return ret;
}

/* What the card must answer, from OpenSSL: AES-128-CBC (IV 0) or AES-CMAC of probe_in. */
static int expected(int cmac, uint8_t out[16])
{
	size_t n = 16;
	int len = 0, ok;

	if (cmac) {
		ok = EVP_Q_mac(NULL, "CMAC", NULL, "AES-128-CBC", NULL, probe_key, 16, probe_in, 16,
			       out, 16, &n) != NULL;
	} else {
		EVP_CIPHER_CTX *ctx = EVP_CIPHER_CTX_new();
		uint8_t iv[16] = {0};

		ok = ctx && EVP_EncryptInit_ex2(ctx, EVP_aes_128_cbc(), probe_key, iv, NULL) &&
		     EVP_CIPHER_CTX_set_padding(ctx, 0) &&
		     EVP_EncryptUpdate(ctx, out, &len, probe_in, 16) && len == 16;
		EVP_CIPHER_CTX_free(ctx);
	}
	ERR_clear_error();
	return ok ? 0 : -EIO;
}

/* One block of cbc-aes-portdp or cmac-aes-portdp through AF_ALG; 0 if it ran. */
static int through_af_alg(int cmac, uint8_t out[16])
{
	struct kcapi_handle *h = NULL;
	uint8_t iv[16] = {0};
	ssize_t n = -1;

	if (cmac) {
		if (!kcapi_md_init(&h, "cmac-aes-portdp", 0) && !kcapi_md_setkey(h, probe_key, 16))
			n = kcapi_md_digest(h, probe_in, 16, out, 16);
		kcapi_md_destroy(h);
	} else {
		if (!kcapi_cipher_init(&h, "cbc-aes-portdp", 0) && !kcapi_cipher_setkey(h, probe_key, 16))
			n = kcapi_cipher_encrypt(h, probe_in, 16, iv, out, 16,
						 KCAPI_ACCESS_HEURISTIC);
		kcapi_cipher_destroy(h);
	}
	return n == 16 ? 0 : -EIO;
}

static int probe(struct dev_accel *da, int cmac)
{
	uint8_t got[16], want[16];
	uint64_t before, after;

	if (aes_ops(da, &before) || expected(cmac, want) || through_af_alg(cmac, got) ||
	    aes_ops(da, &after))
		return 0;
	return after > before && !memcmp(got, want, 16);
}

void dev_afalg_probe(struct dev_accel *da, int *cbc, int *cmac)
{
	*cbc = probe(da, 0);
	*cmac = probe(da, 1);
}
