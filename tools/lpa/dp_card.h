/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The LPA's side of a Port-DP+ card (docs/apdu-binding.md): found on a PC/SC reader by
 * its AID, asked for its profile offers, and used as the ES9+ transport (the ASN.1
 * requests of es9_asn1.c carried by STORE DATA) for downloads and notifications.
 */
#ifndef PORTDP_LPA_DP_CARD_H
#define PORTDP_LPA_DP_CARD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* The Port-DP+ card's AID (appliance/proximity/card.h). */
#define DP_CARD_AID "F0504F5254445045533901"

struct dp_offer {
	char matching_id[65];
	char name[65];
	char provider[65];
	char iccid[21];
	int profile_class;
	bool cc_required;
};

struct dp_card;

/**
 * dp_card_open() - the card in @spec (pcsc:NAME, as --chip), selected by DP_CARD_AID;
 * "pcsc:" finds it: the first reader whose card selects the AID.
 */
int dp_card_open(const char *spec, bool extended, struct dp_card **out, char *err,
		 size_t err_len);
void dp_card_close(struct dp_card *d);
/** dp_card_call() - one request (whole BER-TLV) and its answer (malloc'd, NULL: 9000 alone). */
int dp_card_call(void *d, const uint8_t *req, size_t len, uint8_t **resp, size_t *resp_len);
/**
 * dp_card_offers() - ProfileOfferListRequest: the card's SM-DP+ address (host[:port] for
 * activation codes) and up to @max offers (*@list malloc'd). 0, -EIO (card gone),
 * -EPROTO (refused), -EBADMSG (answer malformed).
 */
int dp_card_offers(struct dp_card *d, unsigned max, char address[256], struct dp_offer **list,
		   size_t *n);
/** dp_card_apdus() - APDU round trips with the card so far. */
unsigned long dp_card_apdus(const struct dp_card *d);
/** dp_card_error() - why the last call failed. */
const char *dp_card_error(struct dp_card *d);

#endif
