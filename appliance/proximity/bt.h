/* SPDX-License-Identifier: Apache-2.0 */
/*
 * portdpd's card face on Bluetooth: an RFCOMM channel where each btlink frame
 * (docs/proximity-bluetooth.md) carries one command APDU to pdp_card_apdu()
 * (card.h) and its response back. config: card_bt = CHANNEL (1-30), on every
 * local adapter. One phone at a time; a phone that goes away is a removed card.
 */
#ifndef PORTDP_PROXIMITY_BT_H
#define PORTDP_PROXIMITY_BT_H

struct es9_service;
struct pdp_bt;

/**
 * pdp_bt_start() - listen on RFCOMM @channel, open the card face's worker (in the
 * caller's thread, before portdpd drops root) and start the thread. 0, or a negative
 * errno with @err saying why (no Bluetooth, channel taken).
 */
int pdp_bt_start(struct es9_service *svc, const char *smdp_address, int channel,
		 struct pdp_bt **out, char *err, unsigned err_len);
/** pdp_bt_stop() - drop the phone (if any), end the thread, free everything. NULL: no-op. */
void pdp_bt_stop(struct pdp_bt *b);

#endif
