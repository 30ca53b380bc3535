// SPDX-License-Identifier: Apache-2.0
/* ES10b GetEUICCInfo1/2 and GetEUICCChallenge. */
#include "seuicc_internal.h"

#include <errno.h>
#include <string.h>

/* SGP.22 v2.2.2, what lpac advertises and our SM-DP+ supports. */
static const uint8_t svn[3] = { 2, 2, 2 };
static const uint8_t profile_version[3] = { 2, 3, 1 };
static const uint8_t firmware_version[3] = { 1, 0, 0 };
static const uint8_t pp_version[3] = { 1, 0, 0 };
/* ETSI TS 102 226 extended card resource: 1 app installed, 1 MB NVM, 64 KB RAM. */
static const uint8_t ext_card_resource[] = { 0x81, 0x01, 0x00, 0x82, 0x04, 0x00, 0x10, 0x00,
					     0x00, 0x83, 0x02, 0x00, 0x10 };
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

static void put_info2(struct seuicc *e, struct der_buf *b)
{
	der_begin(b, 0xBF22);
	der_put(b, 0x81, profile_version, 3);
	der_put(b, 0x82, svn, 3);
	der_put(b, 0x83, firmware_version, 3);
	der_put(b, 0x84, ext_card_resource, sizeof(ext_card_resource));
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
