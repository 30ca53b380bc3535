// SPDX-License-Identifier: Apache-2.0
/*
 * Notifications the eUICC signs: NotificationMetadata, and the
 * OtherSignedNotification of a profile deletion (ES10c.DeleteProfile).
 * The ProfileInstallationResult is built in load_bpp.c, where its data is.
 */
#include "seuicc_internal.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* NotificationEvent bits in named-bit DER form: unused-bit count, one byte. */
#define EVENT_INSTALL 0x80
#define EVENT_DELETE 0x10

int seuicc_put_metadata(struct seuicc *e, struct der_buf *b, long seq, uint8_t event_bits,
			const char *address, const uint8_t *iccid_bcd)
{
	/* named bit list: trailing zero bits are not encoded */
	uint8_t unused = (uint8_t)__builtin_ctz(event_bits);
	uint8_t bits[2] = { unused, event_bits };

	(void)e;
	der_begin(b, 0xBF2F);
	der_put_uint(b, 0x80, (uint64_t)seq);
	der_put(b, 0x81, bits, sizeof(bits));
	der_put(b, DER_UTF8STRING, address, strlen(address));
	if (iccid_bcd)
		der_put(b, 0x5A, iccid_bcd, 10);
	der_end(b);
	return 0;
}

int seuicc_queue_notification(struct seuicc *e, uint8_t event_bits, const uint8_t iccid_bcd[10],
			      const char *address, long *seq)
{
	uint8_t *der = NULL;
	struct der_buf b;
	size_t len, clen, tbs_start;
	const uint8_t *cert;
	int ret = store_next_seq(e, seq);

	if (ret)
		return seuicc_fail(e, ret, "sequence number: %s", strerror(-ret));
	der_buf_init(&b);
	der_begin(&b, DER_SEQUENCE);
	tbs_start = b.len;
	seuicc_put_metadata(e, &b, *seq, event_bits, address, iccid_bcd);
	if (!b.err && seuicc_sign_tlv(e, b.data + tbs_start, b.len - tbs_start, &b)) {
		der_buf_free(&b);
		return seuicc_fail(e, -EIO, "signing the notification failed");
	}
	cert = pdp_cert_der(e->euicc_cert, &clen);
	der_put_raw(&b, cert, clen);
	cert = pdp_cert_der(e->eum_cert, &clen);
	der_put_raw(&b, cert, clen);
	der_end(&b);
	ret = der_buf_take(&b, &der, &len);
	if (ret)
		return seuicc_fail(e, ret, "encoding the notification failed");
	ret = store_notification_put(e, *seq, der, len, address);
	free(der);
	return ret ? seuicc_fail(e, ret, "state store: %s", strerror(-ret)) : 0;
}

int seuicc_delete_profile(struct seuicc *e, const char *iccid, long *seq)
{
	char smdp[SEUICC_ADDR_MAX];
	uint8_t bcd[10];
	int ret;

	if (iccid_to_bcd(iccid, bcd))
		return seuicc_fail(e, -EINVAL, "bad ICCID %s", iccid);
	ret = store_profile_smdp(e, iccid, smdp, sizeof(smdp));
	if (ret)
		return seuicc_fail(e, ret, "no installed profile %s", iccid);
	/* Queue first: a profile must never vanish without its notification. */
	ret = seuicc_queue_notification(e, EVENT_DELETE, bcd, smdp, seq);
	if (ret)
		return ret;
	ret = store_profile_remove(e, iccid);
	if (!ret)
		seuicc_profile_attr_remove(e, iccid);
	return ret ? seuicc_fail(e, ret, "state store: %s", strerror(-ret)) : 0;
}

int seuicc_notification_get(struct seuicc *e, long seq, uint8_t **der, size_t *len,
			    char *address, size_t address_len)
{
	return store_notification_get(e, seq, der, len, address, address_len);
}

int seuicc_notification_list(struct seuicc *e, long **seqs, size_t *n)
{
	return store_notification_list(e, seqs, n);
}

int seuicc_notification_sent(struct seuicc *e, long seq)
{
	return store_notification_remove(e, seq);
}

int seuicc_profile_forget(struct seuicc *e, const char *iccid)
{
	int ret = store_profile_remove(e, iccid);

	if (!ret)
		seuicc_profile_attr_remove(e, iccid);
	return ret;
}

int seuicc_profile_upp(struct seuicc *e, const char *iccid, uint8_t **upp, size_t *len)
{
	return store_profile_get(e, iccid, upp, len);
}

int seuicc_profile_smdp(struct seuicc *e, const char *iccid, char *buf, size_t len)
{
	return store_profile_smdp(e, iccid, buf, len);
}
