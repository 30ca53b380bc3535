// SPDX-License-Identifier: Apache-2.0
/* ES10b GetEUICCInfo1/2 and GetEUICCChallenge. */
#include "seuicc_internal.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

/* SGP.22 v2.2.2, what lpac advertises and our SM-DP+ supports. */
static const uint8_t svn[3] = { 2, 2, 2 };
static const uint8_t profile_version[3] = { 2, 3, 1 };
static const uint8_t firmware_version[3] = { 1, 0, 0 };
static const uint8_t pp_version[3] = { 1, 0, 0 };
/* Memory of the card, as eUICCs of 2020s phones report it: 1.5 MiB NVM for profiles. */
#define NVM_TOTAL (1536u << 10)
#define NVM_PER_PROFILE (40u << 10)   /* a TS.48 profile with its ISD-P, file system, keys */
#define RAM_FREE (12u << 10)
/* usimSupport, isimSupport, akaMilenage (bits 1, 2, 4), named-bit DER form. */
static const uint8_t uicc_capability[] = { 0x03, 0x68 };
/* additionalProfile, testProfileSupport (bits 0 and 3). */
static const uint8_t rsp_capability[] = { 0x04, 0x90 };

static void put_ci_list(struct seuicc *e, struct der_buf *b, uint32_t tag)
{
	unsigned n = pdp_cert_verifier_ci_count(e->verifier);

	der_begin(b, tag);
	for (unsigned i = 0; i < n; i++) {
		uint8_t id[PDP_KEYID_MAX];
		size_t len;

		if (!pdp_cert_verifier_ci_keyid(e->verifier, i, id, &len))
			der_put(b, DER_OCTET_STRING, id, len);
	}
	der_end(b);
}

int seuicc_get_info1(struct seuicc *e, uint8_t **out, size_t *out_len)
{
	struct der_buf b;

	der_buf_init(&b);
	der_begin(&b, 0xBF20);
	der_put(&b, 0x82, svn, sizeof(svn));
	put_ci_list(e, &b, 0xA9);
	put_ci_list(e, &b, 0xAA);
	der_end(&b);
	return der_buf_take(&b, out, out_len);
}

/*
 * ETSI TS 102 226 extended card resource information: installed
 * applications (one ISD-P per profile), free NVM, free RAM; each value in the
 * fewest bytes.
 */
static void put_card_resource(struct seuicc *e, struct der_buf *b)
{
	char (*iccids)[21] = NULL;
	size_t n = 0;
	uint32_t free_nvm;
	uint8_t v[16];
	size_t k = 0;

	if (store_profile_list(e, &iccids, &n))
		n = 0;
	free(iccids);
	free_nvm = n * NVM_PER_PROFILE < NVM_TOTAL ? NVM_TOTAL - (uint32_t)n * NVM_PER_PROFILE : 0;
	v[k++] = 0x81;
	v[k++] = 1;
	v[k++] = (uint8_t)(n > 255 ? 255 : n);
	v[k++] = 0x82;
	v[k++] = 3;
	v[k++] = (uint8_t)(free_nvm >> 16);
	v[k++] = (uint8_t)(free_nvm >> 8);
	v[k++] = (uint8_t)free_nvm;
	v[k++] = 0x83;
	v[k++] = 2;
	v[k++] = (uint8_t)(RAM_FREE >> 8);
	v[k++] = (uint8_t)RAM_FREE;
	der_put(b, 0x84, v, k);
}

static void put_info2(struct seuicc *e, struct der_buf *b)
{
	der_begin(b, 0xBF22);
	der_put(b, 0x81, profile_version, 3);
	der_put(b, 0x82, svn, 3);
	der_put(b, 0x83, firmware_version, 3);
	put_card_resource(e, b);
	der_put(b, 0x85, uicc_capability, sizeof(uicc_capability));
	der_put(b, 0x88, rsp_capability, sizeof(rsp_capability));
	put_ci_list(e, b, 0xA9);
	put_ci_list(e, b, 0xAA);
	der_put(b, DER_OCTET_STRING, pp_version, 3);
	der_put(b, DER_UTF8STRING, "PORTDP-SOFT-EUICC", 17);
	der_end(b);
}

int seuicc_put_info2(struct seuicc *e, struct der_buf *b)
{
	put_info2(e, b);
	return 0;
}

int seuicc_get_info2(struct seuicc *e, uint8_t **out, size_t *out_len)
{
	struct der_buf b;

	der_buf_init(&b);
	put_info2(e, &b);
	return der_buf_take(&b, out, out_len);
}

int seuicc_get_challenge(struct seuicc *e, uint8_t challenge[16])
{
	int ret;

	/* A new challenge abandons any download in progress, as on a real card. */
	seuicc_session_reset(e);
	ret = pdp_random(e->accel, e->s.challenge, sizeof(e->s.challenge));
	if (ret)
		return ret;
	memcpy(challenge, e->s.challenge, 16);
	e->s.stage = SEUICC_CHALLENGED;
	return 0;
}
