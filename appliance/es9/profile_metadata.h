/* SPDX-License-Identifier: Apache-2.0 */
/*
 * StoreMetadataRequest (BF25) of one inventory profile: what AuthenticateClient
 * shows the end user (profileMetadata) and what the BPP stores on the eUICC.
 */
#ifndef PORTDP_ES9_PROFILE_METADATA_H
#define PORTDP_ES9_PROFILE_METADATA_H

#include <stddef.h>
#include <stdint.h>

#include "../inventory/inventory.h"

/**
 * Encode the metadata of @p into a malloc'd *@der. @notify_address: where the eUICC sends
 * its enable/disable/delete notifications (NULL: none asked). 0 or -EINVAL / -ENOMEM.
 */
int es9_profile_metadata(const struct inv_profile *p, const char *notify_address, uint8_t **der,
			 size_t *len);

#endif
