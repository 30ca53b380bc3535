/* SPDX-License-Identifier: Apache-2.0 */
/*
 * card.h - the transport-neutral card core. A front end (PCIe ring, USB
 * gadget, unit test) hands whole request messages (include/card/
 * portdp_card.h) to card_handle() and carries the response back.
 *
 * Calls return 0 or a negative errno. The card is single-threaded: one
 * front end thread owns a struct card.
 */
#ifndef CARD_CARD_H
#define CARD_CARD_H

#include <stddef.h>
#include <stdint.h>

#include "card/portdp_card.h"

struct card;

struct card_config {
	const char *keystore_path;   /* required */
	const char *device_key_path; /* NULL: "<keystore_path>.devkey" */
	unsigned int max_sessions;   /* 0: SESSIONS_DEFAULT (256) */
};

/*
 * card_open() - power the card on: seed the DRBG, load the key store
 * (-EBADMSG if tampered, -ENOKEY without its device key) and run the
 * self-test (a failure leaves the card in PDC_STATE_FAILED, not an error).
 */
int card_open(const struct card_config *cfg, struct card **out);
void card_close(struct card *card);

/*
 * card_handle() - execute one request message.
 * @resp: room for PDC_MAX_MSG bytes; gets a response message for every
 *        input, malformed or not.
 * @resp_len: [out] response bytes.
 * Returns 0, or -EINVAL only for NULL pointers.
 */
int card_handle(struct card *card, const void *req, size_t len, void *resp, size_t *resp_len);

/*
 * card_error_response() - a response header with @status for a request
 * the transport could not deliver whole (@tag/@opcode as far as known).
 */
size_t card_error_response(struct card *card, uint32_t tag, uint16_t opcode, uint16_t status,
			   void *resp);

/* card_reset() - drop all sessions (transport reset or card restart). */
void card_reset(struct card *card);

/* PDC_CAP_* bits, and PDC_STATE_READY or PDC_STATE_FAILED. */
uint32_t card_caps(const struct card *card);
uint32_t card_state(const struct card *card);

/*
 * card_break() - fault injection for tests: the self-test reports @bits
 * (PDC_SELFTEST_*) failed from now on (0 heals), and is run again, so the
 * card enters or leaves the FAILED state; the front end then restarts it.
 */
void card_break(struct card *card, uint32_t bits);

#endif /* CARD_CARD_H */
