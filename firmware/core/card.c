// SPDX-License-Identifier: Apache-2.0
/*
 * card.c - card life cycle: power on (DRBG, curves, key store, self-test),
 * reset, power off.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <mbedtls/md.h>
#include <mbedtls/platform_util.h>

#include "card_priv.h"
#include "reseal.h"

/* Serial number: stable per device key, tells nothing about the key. */
static int derive_serial(struct card *c)
{
	static const char label[] = "portdp-card serial";
	const mbedtls_md_info_t *md = mbedtls_md_info_from_type(MBEDTLS_MD_SHA256);
	uint8_t h[32];

	if (!md || mbedtls_md_hmac(md, c->ks.devkey, sizeof(c->ks.devkey),
				   (const unsigned char *)label, sizeof(label) - 1, h))
		return -EIO;
	memcpy(c->serial, h, sizeof(c->serial));
	return 0;
}

/* Public keys of the stored slots; a scalar that is no key means a broken store. */
static int load_publics(struct card *c)
{
	unsigned int i;
	int ret = 0;

	for (i = 0; i < PDC_KEY_SLOTS && !ret; i++) {
		const struct key_slot *ks = &c->ks.slot[i];
		mbedtls_ecp_group *grp;
		mbedtls_mpi d;

		if (!ks->curve || ks->curve == PDC_KEY_STOCK_AES256)
			continue; /* empty, or a stock key: no public half */
		grp = ecc_group(&c->ecc, ks->curve);
		if (!grp)
			return -EBADMSG;
		mbedtls_mpi_init(&d);
		if (ecc_read_priv(grp, ks->priv, &d) != PDC_ST_OK ||
		    ecc_public_of(grp, &d, &c->drbg, c->slot_pub[i]) != PDC_ST_OK)
			ret = -EBADMSG;
		mbedtls_mpi_free(&d);
	}
	return ret;
}

int card_open(const struct card_config *cfg, struct card **out)
{
	static const char pers[] = "portdp-card drbg";
	struct card *c;
	uint32_t run;
	int ret;

	if (!cfg || !out || !cfg->keystore_path)
		return -EINVAL;
	c = calloc(1, sizeof(*c));
	if (!c)
		return -ENOMEM;
	mbedtls_entropy_init(&c->entropy);
	mbedtls_ctr_drbg_init(&c->drbg);
	ret = -EIO;
	if (mbedtls_ctr_drbg_seed(&c->drbg, mbedtls_entropy_func, &c->entropy,
				  (const unsigned char *)pers, sizeof(pers) - 1))
		goto free_drbg;
	/* Reseed now and then from the OS, as a card's TRNG would. */
	mbedtls_ctr_drbg_set_prediction_resistance(&c->drbg, MBEDTLS_CTR_DRBG_PR_OFF);
	if (ecc_init(&c->ecc))
		goto free_drbg;
	ret = sessions_init(&c->sessions, cfg->max_sessions ? cfg->max_sessions : SESSIONS_DEFAULT);
	if (ret)
		goto free_ecc;
	ret = keystore_open(&c->ks, cfg->keystore_path, cfg->device_key_path, &c->drbg);
	if (ret)
		goto free_sessions;
	ret = derive_serial(c);
	if (!ret)
		ret = load_publics(c);
	if (ret)
		goto free_keystore;
	c->failed = card_self_test(c, &run) != 0;
	*out = c;
	return 0;

free_keystore:
	keystore_close(&c->ks);
free_sessions:
	sessions_free(&c->sessions);
free_ecc:
	ecc_free(&c->ecc);
free_drbg:
	mbedtls_ctr_drbg_free(&c->drbg);
	mbedtls_entropy_free(&c->entropy);
	free(c);
	return ret;
}

void card_close(struct card *c)
{
	if (!c)
		return;
	keystore_close(&c->ks);
	sessions_free(&c->sessions);
	reseal_drop_all(c);
	ecc_free(&c->ecc);
	mbedtls_ctr_drbg_free(&c->drbg);
	mbedtls_entropy_free(&c->entropy);
	mbedtls_platform_zeroize(c, sizeof(*c));
	free(c);
}

void card_reset(struct card *c)
{
	sessions_close_all(&c->sessions);
	reseal_drop_all(c);
	c->cnt.resets++;
}

uint32_t card_caps(const struct card *c)
{
	(void)c;
	return PDC_CAP_P256 | PDC_CAP_BP256R1 | PDC_CAP_KEY_SLOTS | PDC_CAP_ECDSA_SIGN |
	       PDC_CAP_ECDSA_VERIFY | PDC_CAP_SESSION | PDC_CAP_REPLACE_KEYS | PDC_CAP_ECDH_RAW |
	       PDC_CAP_AES_CBC | PDC_CAP_AES_CMAC | PDC_CAP_RANDOM | PDC_CAP_ECDH_SLOT |
	       PDC_CAP_SEALED_UPP | PDC_CAP_RESEAL;
}

void card_break(struct card *c, uint32_t bits)
{
	uint32_t run;

	c->broken = bits;
	c->failed = card_self_test(c, &run) != 0;
}

uint32_t card_state(const struct card *c)
{
	return c->failed ? PDC_STATE_FAILED : PDC_STATE_READY;
}

int card_handle(struct card *c, const void *req, size_t len, void *resp, size_t *resp_len)
{
	if (!c || (!req && len) || !resp || !resp_len)
		return -EINVAL;
	*resp_len = card_dispatch(c, req, len, resp);
	return 0;
}
