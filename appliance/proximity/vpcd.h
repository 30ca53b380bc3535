/* SPDX-License-Identifier: Apache-2.0 */
/*
 * portdpd's card face in a vsmartcard-vpcd reader (pcscd): a thread that connects to the
 * vpcd driver on 127.0.0.1:port as its virtual card and serves pdp_card_apdu() (card.h)
 * with an es9_worker of its own on portdpd's ES9+ service. config: card_vpcd = PORT.
 * For tests and for a kit whose phone-facing reader is driven through pcscd; an NFC or
 * Bluetooth transport calls pdp_card_apdu() the same way.
 */
#ifndef PORTDP_PROXIMITY_VPCD_H
#define PORTDP_PROXIMITY_VPCD_H

#include <stdint.h>

struct es9_service;
struct pdp_vpcd;

/**
 * pdp_vpcd_start() - open the worker (in the caller's thread: before portdpd drops root)
 * and start the thread; it connects (and reconnects when vpcd drops it) until stopped.
 */
int pdp_vpcd_start(struct es9_service *svc, const char *smdp_address, uint16_t port,
		   struct pdp_vpcd **out, char *err, unsigned err_len);
/** pdp_vpcd_stop() - end the thread (at most ~200 ms) and free everything. NULL: no-op. */
void pdp_vpcd_stop(struct pdp_vpcd *v);

#endif
