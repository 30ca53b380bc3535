// SPDX-License-Identifier: Apache-2.0
/*
 * Profile metadata from the inventory row: ICCID, service provider name,
 * profile name and class (SGP.22 StoreMetadataRequest). The class is always
 * written, so the eUICC never falls back to its "operational" default for a
 * test profile.
 *
 * notificationConfigurationInfo: an eUICC sends enable, disable and delete
 * notifications only where the metadata asks for them (the installation result
 * always goes to the SM-DP+ that installed). Every profile asks for delete to
 * us (the reuse of a deleted profile rests on it); an operator's profile asks
 * for enable and disable too, which we report to its operator (ES2+
 * HandleDownloadProgressInfo). Direct stock does not: the factory line's
 * enable would cost a notification per binding for nobody.
 */
#include <errno.h>
#include <string.h>

#include "../rsp/sgp22.h"
#include "profile_metadata.h"

/* NotificationEvent bits (BIT STRING, 4 bits used: 4 unused in the byte). */
#define EVENTS_DELETE 0x10
#define EVENTS_ENABLE_DISABLE_DELETE 0x70

/* B6's value: one NotificationConfigurationInformation { 80 events, 81 address }. */
static int notification_config(struct der_buf *b, const struct inv_profile *p,
			       const char *address)
{
	uint8_t events[2] = {4, p->owner[0] ? EVENTS_ENABLE_DISABLE_DELETE : EVENTS_DELETE};

	der_begin(b, 0x30);
	der_put(b, 0x80, events, sizeof(events));
	der_put(b, 0x81, address, strlen(address));
	der_end(b);
	return der_buf_error(b);
}

int es9_profile_metadata(const struct inv_profile *p, const char *notify_address, uint8_t **der,
			 size_t *len)
{
	struct sgp22_store_metadata md;
	struct der_buf b, cfg;
	int ret;

	memset(&md, 0, sizeof(md));
	if (sgp22_iccid_from_string(p->iccid, md.iccid))
		return -EINVAL;
	md.sp_name.p = (const uint8_t *)p->sp_name;
	md.sp_name.len = strnlen(p->sp_name, sizeof(p->sp_name));
	md.profile_name.p = (const uint8_t *)p->profile_name;
	md.profile_name.len = strnlen(p->profile_name, sizeof(p->profile_name));
	md.icon_type = -1;
	md.profile_class = p->profile_class;
	if (md.profile_class < SGP22_CLASS_TEST || md.profile_class > SGP22_CLASS_OPERATIONAL)
		return -EINVAL;

	der_buf_init(&cfg);
	if (notify_address && *notify_address) {
		ret = notification_config(&cfg, p, notify_address);
		if (ret) {
			der_buf_free(&cfg);
			return ret;
		}
		md.notification_config.p = cfg.data;
		md.notification_config.len = cfg.len;
	}
	der_buf_init(&b);
	ret = sgp22_encode_store_metadata(&b, &md);
	der_buf_free(&cfg);
	if (ret) {
		der_buf_free(&b);
		return ret;
	}
	return der_buf_take(&b, der, len);
}
