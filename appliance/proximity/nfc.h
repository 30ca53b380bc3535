/* SPDX-License-Identifier: Apache-2.0 */
/*
 * portdpd's card face on an NFC controller in card emulation (libnfc): a phone that taps
 * the kit talks ISO 14443-4 to it, each command APDU goes to pdp_card_apdu() (card.h).
 * config: card_nfc = CONNSTRING (libnfc's, e.g. pn532_uart:/dev/ttyS0). Needs a PN532 or
 * PN533 that libnfc drives in target mode (docs/apdu-binding.md §8). Built when libnfc is
 * there (pkg-config libnfc); elsewhere pdp_nfc_start() says so and portdpd does not start.
 */
#ifndef PORTDP_PROXIMITY_NFC_H
#define PORTDP_PROXIMITY_NFC_H

struct es9_service;
struct pdp_nfc;

/**
 * pdp_nfc_start() - open the NFC device and the card face's worker (in the caller's thread,
 * before portdpd drops root) and start the emulation thread: one phone after the other.
 * 0, or a negative errno with @err saying why (no such device, libnfc not built in).
 */
int pdp_nfc_start(struct es9_service *svc, const char *smdp_address, const char *connstring,
		  struct pdp_nfc **out, char *err, unsigned err_len);
/** pdp_nfc_stop() - abort the emulation, end the thread, free everything. NULL: no-op. */
void pdp_nfc_stop(struct pdp_nfc *n);

#endif
