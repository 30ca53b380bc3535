// SPDX-License-Identifier: Apache-2.0
/*
 * portdpctl card keygen / destroy / list: key slots through libportdp-accel.
 * The private keys never leave the card; what is printed is the public half.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "card.h"
#include "portdpctl.h"

static void print_pub(const uint8_t pub[PDP_PUBKEY_LEN])
{
	unsigned i;

	for (i = 0; i < PDP_PUBKEY_LEN; i++)
		printf("%02x", pub[i]);
}

/* One line: "slot N  curve  public-key-hex". */
static int print_slot(struct pdp_key *key, int slot)
{
	uint8_t pub[PDP_PUBKEY_LEN];
	enum pdp_curve curve;
	int err = pdp_key_public(key, pub, &curve);

	if (err)
		return err;
	printf("slot %-3d %-6s ", slot, card_curve_name(curve));
	print_pub(pub);
	putchar('\n');
	return 0;
}

int card_keygen(int argc, char **argv)
{
	struct pdp_accel *accel;
	struct pdp_key *key;
	struct card_args a;
	int st, err;

	st = card_parse_args(argc, argv, CARD_OPT_SLOT | CARD_OPT_CURVE, CARD_OPT_SLOT, &a);
	if (st)
		return st;
	accel = card_open(&a);
	if (!accel)
		return EXIT_FAIL;
	err = pdp_key_generate(accel, a.slot_uri, a.curve, &key);
	if (err) {
		pdp_accel_close(accel);
		return ctl_error(EXIT_FAIL, "keygen in %s slot %d: %s", a.dev, a.slot,
				 card_strerror(err));
	}
	err = print_slot(key, a.slot);
	pdp_key_free(key);
	pdp_accel_close(accel);
	if (err)
		return ctl_error(EXIT_FAIL, "slot %d: public key: %s", a.slot, card_strerror(err));
	return EXIT_OK;
}

int card_destroy(int argc, char **argv)
{
	struct pdp_accel *accel;
	struct card_args a;
	int st, err;

	st = card_parse_args(argc, argv, CARD_OPT_SLOT, CARD_OPT_SLOT, &a);
	if (st)
		return st;
	accel = card_open(&a);
	if (!accel)
		return EXIT_FAIL;
	err = pdp_key_destroy(accel, a.slot_uri);
	pdp_accel_close(accel);
	if (err)
		return ctl_error(EXIT_FAIL, "destroy %s slot %d: %s", a.dev, a.slot,
				 card_strerror(err));
	printf("slot %d emptied\n", a.slot);
	return EXIT_OK;
}

int card_list(int argc, char **argv)
{
	struct pdp_accel_info info;
	struct pdp_accel *accel;
	struct card_args a;
	unsigned slot, used = 0;
	int st, err;

	st = card_parse_args(argc, argv, 0, 0, &a);
	if (st)
		return st;
	accel = card_open(&a);
	if (!accel)
		return EXIT_FAIL;
	err = pdp_accel_info(accel, &info);
	if (err) {
		pdp_accel_close(accel);
		return ctl_error(EXIT_FAIL, "card %s: %s", a.dev, card_strerror(err));
	}
	for (slot = 0; slot < info.key_slots && !st; slot++) {
		char uri[16];
		struct pdp_key *key;

		snprintf(uri, sizeof(uri), "slot:%u", slot);
		err = pdp_key_load(accel, uri, &key);
		if (err == -ENOENT)
			continue;
		if (!err) {
			err = print_slot(key, (int)slot);
			pdp_key_free(key);
			used++;
		} else if (err == -EINVAL) {
			/* no public half: a stock key (sealed UPPs), or a key this tool cannot use */
			struct pdp_stock_key *sk;

			err = pdp_stock_key_load(accel, uri, &sk);
			if (!err) {
				printf("slot %-3u %-6s (AES-256 stock key of sealed UPPs, no public half)\n",
				       slot, "stock");
				pdp_stock_key_free(sk);
				used++;
			}
		}
		if (err)
			st = ctl_error(EXIT_FAIL, "slot %u: %s", slot, card_strerror(err));
	}
	pdp_accel_close(accel);
	if (!st)
		printf("%u of %u slots hold a key\n", used, info.key_slots);
	return st;
}
