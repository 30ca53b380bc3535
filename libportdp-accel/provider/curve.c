// SPDX-License-Identifier: Apache-2.0
/* The two SGP.22 curves by their OpenSSL group names (and the aliases OpenSSL accepts). */
#include <strings.h>

#include "provider.h"

const char *portdp_curve_name(enum pdp_curve curve)
{
	switch (curve) {
	case PDP_CURVE_P256:
		return "prime256v1";
	case PDP_CURVE_BP256R1:
		return "brainpoolP256r1";
	default:
		return NULL;
	}
}

enum pdp_curve portdp_curve_from_name(const char *name)
{
	if (!name)
		return PDP_CURVE_NONE;
	if (!strcasecmp(name, "prime256v1") || !strcasecmp(name, "P-256") ||
	    !strcasecmp(name, "secp256r1"))
		return PDP_CURVE_P256;
	if (!strcasecmp(name, "brainpoolP256r1"))
		return PDP_CURVE_BP256R1;
	return PDP_CURVE_NONE;
}
