/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Pending notifications (SGP.22 3.5): the eUICC keeps each signed
 * notification (ES10b ListNotification / RetrieveNotificationsList) until the
 * LPA has handed it to the SM-DP+ at its notificationAddress (ES9+
 * HandleNotification) and then removed it (ES10b RemoveNotificationFromList).
 * A notification whose sending fails stays for a later run.
 */
#ifndef PORTDP_LPA_NOTIFY_H
#define PORTDP_LPA_NOTIFY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <jansson.h>

#include "download.h"

/** lpa_notification_request() - the handleNotification body {pendingNotification}. */
json_t *lpa_notification_request(const uint8_t *der, size_t len);

/** lpa_notify() - send pending notification @seq over @c and drop it once accepted. */
enum lpa_result lpa_notify(struct es10_chip *chip, struct es9_client *c, long seq);

struct lpa_notify_opts {
	struct es9_client_opts client; /* smdp_address is each notification's own */
	/*
	 * A Port-DP+ card in reach (client carries ES9+ to it): notifications for its SM-DP+
	 * (same host as card_address) go to the card, the others through @http.
	 */
	const char *card_address;
	struct es9_client_opts http;
	/*
	 * Tests only: send every notification with one bit of its signature flipped
	 * and keep them all; the result is LPA_STOPPED when the SM-DP+ answered
	 * each with HTTP 200/204 (it must ignore them without saying why).
	 */
	bool spoil_signature;
};

/**
 * lpa_notify_pending() - send every pending notification, oldest first, each
 * to the address it names; one line per notification on stdout.
 * Returns LPA_OK when none is left pending, else the result of the first
 * that stays (LPA_E_NETWORK, LPA_E_SMDP_REFUSED, LPA_E_LOCAL).
 */
enum lpa_result lpa_notify_pending(struct es10_chip *chip, const struct lpa_notify_opts *o);

#endif
