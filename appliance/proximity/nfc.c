// SPDX-License-Identifier: Apache-2.0
/*
 * libnfc's card emulation (nfc_emulate_target(): the controller answers the phone's
 * anticollision and RATS itself, then hands over each command APDU of the ISO-DEP link
 * and sends back what the io callback returns). One tap is one call; when the phone
 * leaves the field the call fails, the card face is reset and the next tap is awaited.
 * libnfc's emulation buffers hold short APDUs only (a command of at most 258 bytes, an
 * answer of at most 262), so a phone uses short APDUs with STORE DATA blocks of at most
 * 253 bytes; longer commands do not arrive whole and are refused as malformed.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "nfc.h"

#ifndef PORTDP_HAVE_LIBNFC

int pdp_nfc_start(struct es9_service *svc, const char *smdp_address, const char *connstring,
		  struct pdp_nfc **out, char *err, unsigned err_len)
{
	(void)svc, (void)smdp_address;
	*out = NULL;
	snprintf(err, err_len, "card_nfc = %s: this portdpd was built without libnfc", connstring);
	return -EOPNOTSUPP;
}

void pdp_nfc_stop(struct pdp_nfc *n)
{
	(void)n;
}

#else

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdlib.h>
#include <nfc/nfc-emulation.h>
#include <nfc/nfc.h>

#include "../es9/es9.h"
#include "card.h"

struct pdp_nfc {
	struct es9_worker *w;
	struct pdp_card *card;
	nfc_context *ctx;
	nfc_device *dev;
	nfc_connstring connstring;
	pthread_t thread;
	atomic_bool stop;
	uint8_t resp[PDP_CARD_MAX_RESP];
};

/* One command APDU of the phone in, its response out (or -1: end this tap). */
static int io(struct nfc_emulator *em, const uint8_t *in, const size_t in_len, uint8_t *out,
	      const size_t out_cap)
{
	struct pdp_nfc *n = em->user_data;
	size_t len = 0;

	if (atomic_load(&n->stop))
		return -1;
	pdp_card_apdu(n->card, in, in_len, n->resp, &len);
	if (len > out_cap) { /* only a short Le was possible: say the APDU was too long */
		n->resp[0] = 0x67;
		n->resp[1] = 0x00;
		len = 2;
	}
	memcpy(out, n->resp, len);
	return (int)len;
}

static void *nfc_main(void *arg)
{
	struct pdp_nfc *n = arg;
	/* ISO 14443-4 type A: SAK 20; ATS T0 75 (TA TB TC, FSCI 5), TB E2: FWI 14 (~5 s). */
	nfc_target nt = {
	    .nm = {.nmt = NMT_ISO14443A, .nbr = NBR_UNDEFINED},
	    .nti = {.nai = {.abtAtqa = {0x00, 0x04},
			    .abtUid = {0x08, 0x50, 0x44, 0x50},
			    .szUidLen = 4,
			    .btSak = 0x20,
			    .abtAts = {0x75, 0x77, 0xE2, 0x02},
			    .szAtsLen = 4}},
	};
	struct nfc_emulation_state_machine sm = {.io = io};
	struct nfc_emulator em = {.target = &nt, .state_machine = &sm, .user_data = n};

	while (!atomic_load(&n->stop)) {
		pdp_card_reset(n->card);
		/* Returns when the phone leaves (an error) or nfc_abort_command() (stop). */
		nfc_emulate_target(n->dev, &em, 0);
		/* Whatever the phone left half done stays with its session (expiry, cancel). */
	}
	return NULL;
}

int pdp_nfc_start(struct es9_service *svc, const char *smdp_address, const char *connstring,
		  struct pdp_nfc **out, char *err, unsigned err_len)
{
	struct pdp_nfc *n = calloc(1, sizeof(*n));
	int ret = 0;

	if (!n) {
		snprintf(err, err_len, "card_nfc: out of memory");
		return -ENOMEM;
	}
	nfc_init(&n->ctx);
	if (!n->ctx) {
		snprintf(err, err_len, "card_nfc: libnfc cannot start");
		free(n);
		return -EIO;
	}
	/* libnfc takes a whole nfc_connstring (1024 bytes), not a shorter string. */
	snprintf(n->connstring, sizeof(n->connstring), "%s", connstring);
	n->dev = nfc_open(n->ctx, n->connstring);
	if (!n->dev) {
		snprintf(err, err_len, "card_nfc: no NFC device at %s (libnfc connstring)",
			 connstring);
		nfc_exit(n->ctx);
		free(n);
		return -ENODEV;
	}
	ret = es9_worker_new(svc, &n->w);
	if (!ret)
		ret = pdp_card_new(n->w, smdp_address, &n->card);
	if (!ret)
		ret = -pthread_create(&n->thread, NULL, nfc_main, n);
	if (ret) {
		snprintf(err, err_len, "card_nfc on %s: %s", connstring, strerror(-ret));
		pdp_card_free(n->card);
		if (n->w)
			es9_worker_free(n->w);
		nfc_close(n->dev);
		nfc_exit(n->ctx);
		free(n);
		return ret;
	}
	*out = n;
	return 0;
}

void pdp_nfc_stop(struct pdp_nfc *n)
{
	if (!n)
		return;
	atomic_store(&n->stop, true);
	nfc_abort_command(n->dev);
	pthread_join(n->thread, NULL);
	pdp_card_free(n->card);
	es9_worker_flush(n->w);
	es9_worker_free(n->w);
	nfc_close(n->dev);
	nfc_exit(n->ctx);
	free(n);
}

#endif
