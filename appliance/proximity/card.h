/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The Port-DP+ as a card: ES9+ over ISO 7816-4 APDUs (docs/apdu-binding.md), served from
 * portdpd's own ES9+ service (its sessions, inventory and keys) through one es9_worker.
 *
 * Transport-independent: pdp_card_apdu() takes one command APDU and gives its response
 * APDU. A reader transport (vpcd.c for pcscd + vsmartcard-vpcd; an NFC controller in card
 * emulation; an RFCOMM channel or GATT service) only moves those bytes and calls
 * pdp_card_reset() when a new phone or reader powers the card up.
 *
 * Framing (the one ES10 uses towards an eUICC's ISD-R, so an LPA reuses its APDU layer):
 * SELECT by PDP_CARD_AID, each request as STORE DATA blocks (CLA 80, INS E2, P1 11 more /
 * 91 last, P2 block number from 00), the answer fetched with 61xx + GET RESPONSE. A request
 * is one BER-TLV: 'A2' RemoteProfileProvisioningRequest (ES9+'s ASN.1 binding, answered
 * with 'A2' RemoteProfileProvisioningResponse, or 9000 alone for a handled notification),
 * or 'E1' ProfileOfferListRequest (answered with 'E1' ProfileOfferListResponse).
 * Status words: 6A80 a request that is no ES9+ request (or a notification that does not
 * decode), 6A84 too long, 6F00 the Port-DP+ failed; the framing's own: 6E00 class,
 * 6D00 instruction, 6700 length, 6A86 P1-P2 / block order, 6985 GET RESPONSE with nothing
 * pending or STORE DATA before SELECT, 6A82 another AID. A refused APDU changes nothing.
 *
 * One struct pdp_card per card face; not thread-safe (one reader talks to it at a time).
 */
#ifndef PORTDP_PROXIMITY_CARD_H
#define PORTDP_PROXIMITY_CARD_H

#include <stddef.h>
#include <stdint.h>

/* Our AID: 'F0' (a proprietary, unregistered RID) "PORTDP" 'ES9' version 01. */
#define PDP_CARD_AID "F0504F52544450455339" "01"
#define PDP_CARD_AID_LEN 11
/* Offers listed at most in one ProfileOfferListResponse. */
#define PDP_CARD_MAX_OFFERS 64

struct es9_worker;
struct pdp_card;

/** pdp_card_new() - a card face on @w (which the card uses alone, from the caller's thread). */
int pdp_card_new(struct es9_worker *w, const char *smdp_address, struct pdp_card **out);
void pdp_card_free(struct pdp_card *c);
/** pdp_card_reset() - power on / reset: no channel but the basic one, nothing selected. */
void pdp_card_reset(struct pdp_card *c);
/**
 * pdp_card_apdu() - one command APDU (@cmd, @len) in, its response APDU (data + SW1 SW2)
 * out into @resp, which has room for PDP_CARD_MAX_RESP bytes. Never fails: every error
 * is a status word.
 */
void pdp_card_apdu(struct pdp_card *c, const uint8_t *cmd, size_t len, uint8_t *resp,
		   size_t *resp_len);
#define PDP_CARD_MAX_RESP (65536 + 2)
/** pdp_card_atr() - the ATR a reader transport presents. */
const uint8_t *pdp_card_atr(size_t *len);

/**
 * pdp_card_request() - one whole request (the BER-TLV a STORE DATA sequence carried), as
 * the card serves it: 0 with a malloc'd answer (NULL, 0: none) or a negative errno
 * (-EBADMSG, -ENOSPC, -EIO). For transports that frame requests themselves.
 */
int pdp_card_request(struct pdp_card *c, const uint8_t *req, size_t len, uint8_t **resp,
		     size_t *resp_len);

/**
 * pdp_card_offers() - the ProfileOfferListResponse ('E1') for up to @max available
 * profiles of direct stock (no operator order), oldest first. 0 or a negative errno.
 */
int pdp_card_offers(struct es9_worker *w, const char *smdp_address, unsigned max,
		    uint8_t **der, size_t *len);

#endif
