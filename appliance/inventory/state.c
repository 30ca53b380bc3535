// SPDX-License-Identifier: Apache-2.0
/* Names of the profile states, as printed by tools and stored in nothing but the audit output. */
#include <errno.h>
#include <string.h>
#include "inventory.h"

static const char *const state_names[] = {
    [INV_AVAILABLE] = "available", [INV_ALLOCATED] = "allocated", [INV_DOWNLOADED] = "downloaded",
    [INV_INSTALLED] = "installed", [INV_DELETED] = "deleted",	  [INV_ERROR] = "error",
    [INV_TRANSFERRED] = "transferred",
};

#define N_STATES (sizeof(state_names) / sizeof(state_names[0]))

const char *inv_state_name(enum inv_state s)
{
	return (unsigned)s < N_STATES ? state_names[s] : "unknown";
}

int inv_state_parse(const char *name, enum inv_state *s)
{
	unsigned i;

	for (i = 0; name && i < N_STATES; i++) {
		if (!strcmp(name, state_names[i])) {
			*s = (enum inv_state)i;
			return 0;
		}
	}
	return -EINVAL;
}
