// SPDX-License-Identifier: Apache-2.0
/*
 * Profile metadata from the inventory row: ICCID, service provider name,
 * profile name and class (SGP.22 StoreMetadataRequest). The class is always
 * written, so the eUICC never falls back to its "operational" default for a
 * test profile.
 */
#include <errno.h>
#include <string.h>

#include "../rsp/sgp22.h"
#include "profile_metadata.h"

int es9_profile_metadata(const struct inv_profile *p, uint8_t **der, size_t *len)
{
	struct sgp22_store_metadata md;
	struct der_buf b;
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

	der_buf_init(&b);
	ret = sgp22_encode_store_metadata(&b, &md);
	if (ret) {
		der_buf_free(&b);
		return ret;
	}
	return der_buf_take(&b, der, len);
}
