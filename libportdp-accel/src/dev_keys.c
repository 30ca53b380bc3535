// SPDX-License-Identifier: Apache-2.0
/*
 * Keys on the card, named "slot:N". A handle is the slot number plus the
 * public half, read (and checked) once when the handle is made.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "dev.h"

#define SLOT_PREFIX "slot:"

/* "slot:N" with N a plain decimal below the card's slot count; -EINVAL otherwise. */
int dev_parse_slot(const struct dev_accel *da, const char *key_uri, uint8_t *slot)
{
	const char *p = key_uri + strlen(SLOT_PREFIX);
	unsigned n = 0;
	size_t i;

	if (strncmp(key_uri, SLOT_PREFIX, strlen(SLOT_PREFIX)) || !*p || strlen(p) > 3)
		return -EINVAL;
	for (i = 0; p[i]; i++) {
		if (p[i] < '0' || p[i] > '9')
			return -EINVAL;
		n = n * 10 + (p[i] - '0');
	}
	if (n >= da->info.key_slots || n >= PORTDP_KEY_SLOTS)
		return -EINVAL;
	*slot = n;
	return 0;
}

/* A handle on @slot holding @pub on @curve, both as the card reported them. */
static int key_new(struct dev_accel *da, uint8_t slot, uint8_t curve, const uint8_t *pub,
		   struct pdp_key **out)
{
	struct dev_key *k;

	if (dev_check_point(da, curve, pub))
		return -EIO;
	k = calloc(1, sizeof(*k));
	if (!k)
		return -ENOMEM;
	k->base.owner = &da->base;
	k->base.curve = curve;
	memcpy(k->base.pub, pub, PDP_PUBKEY_LEN);
	k->slot = slot;
	*out = &k->base;
	return 0;
}

int dev_key_load(struct pdp_accel *accel, const char *key_uri, struct pdp_key **out)
{
	struct dev_accel *da = to_dev(accel);
	struct portdp_key arg = {0};
	int ret;

	ret = dev_parse_slot(da, key_uri, &arg.slot);
	if (ret)
		return ret;
	ret = dev_call(da, PORTDP_IOC_KEY_GET_PUBLIC, &arg);
	if (ret)
		return ret;
	return key_new(da, arg.slot, arg.curve, arg.pub, out);
}

void dev_key_free(struct pdp_key *key)
{
	free(key);
}

int dev_key_generate(struct pdp_accel *accel, const char *key_uri, enum pdp_curve curve,
		     struct pdp_key **out)
{
	struct dev_accel *da = to_dev(accel);
	struct portdp_key arg = {.curve = curve};
	int ret;

	ret = dev_parse_slot(da, key_uri, &arg.slot);
	if (ret)
		return ret;
	ret = dev_call(da, PORTDP_IOC_KEY_GENERATE, &arg);
	if (ret)
		return ret;
	ret = key_new(da, arg.slot, curve, arg.pub, out);
	if (ret == -EIO) {
		/* The card made a key we cannot use: do not leave it in the slot. */
		struct portdp_key del = {.slot = arg.slot};

		dev_call(da, PORTDP_IOC_KEY_DESTROY, &del);
	}
	return ret;
}

int dev_key_destroy(struct pdp_accel *accel, const char *key_uri)
{
	struct dev_accel *da = to_dev(accel);
	struct portdp_key arg = {0};
	int ret;

	ret = dev_parse_slot(da, key_uri, &arg.slot);
	if (ret)
		return ret;
	return dev_call(da, PORTDP_IOC_KEY_DESTROY, &arg);
}
