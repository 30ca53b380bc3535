// SPDX-License-Identifier: Apache-2.0
/* Pending notifications: listed on the eUICC, sent to their SM-DP+, removed once taken. */
#include "notify.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "b64.h" /* appliance/rsp */

json_t *lpa_notification_request(const uint8_t *der, size_t len)
{
	char *der64 = NULL;
	json_t *req;

	if (rsp_b64_encode(der, len, &der64) < 0 || !der64)
		return NULL;
	req = json_pack("{s:s}", "pendingNotification", der64);
	free(der64);
	return req;
}

/*
 * POST one notification. The SM-DP+ answers HTTP 204 (or 200 with a success
 * header); only then may the eUICC forget it, whatever else came back.
 */
static enum lpa_result post(struct es9_client *c, const uint8_t *der, size_t len,
			    struct es9_status *st)
{
	json_t *req = lpa_notification_request(der, len), *resp = NULL;
	int ret;

	if (!req)
		return LPA_E_LOCAL;
	ret = es9_call(c, "handleNotification", req, &resp, st);
	json_decref(req);
	json_decref(resp);
	if (!ret && st->http_status != 200 && st->http_status != 204) {
		snprintf(st->message, sizeof(st->message), "HTTP status %ld", st->http_status);
		ret = -EIO;
	}
	if (!ret)
		return LPA_OK;
	return ret == -EPROTO ? LPA_E_SMDP_REFUSED : ret == -ENOMEM ? LPA_E_LOCAL : LPA_E_NETWORK;
}

/* ES10b.RemoveNotificationFromList; 0 when the eUICC removed it. */
static int remove_sent(struct es10_chip *chip, long seq)
{
	int result, ret = es10_remove_notification(chip, seq, &result);

	if (!ret && result) {
		snprintf(chip->err, sizeof(chip->err), "deleteNotificationStatus %d", result);
		ret = -ENOENT;
	}
	return ret;
}

enum lpa_result lpa_notify(struct es10_chip *chip, struct es9_client *c, long seq)
{
	struct es9_status st = { 0 };
	char buf[400];
	enum lpa_result r;
	uint8_t *der;
	size_t len;

	if (es10_retrieve_notification(chip, seq, &der, &len)) {
		fprintf(stderr, "portdp-lpa: no pending notification %ld\n", seq);
		return LPA_E_LOCAL;
	}
	r = post(c, der, len, &st);
	free(der);
	if (r != LPA_OK) {
		fprintf(stderr, "portdp-lpa: handleNotification: %s\n",
			es9_status_str(&st, buf, sizeof(buf)));
		return r;
	}
	if (remove_sent(chip, seq)) {
		fprintf(stderr, "portdp-lpa: notification %ld sent but not removed: %s\n", seq,
			chip->err);
		return LPA_E_LOCAL;
	}
	return LPA_OK;
}

/* One notification to its own address; says on stdout what became of it. */
static enum lpa_result notify_one(struct es10_chip *chip, const struct lpa_notify_opts *o,
				  const struct es10_notification *nm)
{
	struct es9_client_opts co = o->client;
	struct es9_status st = { 0 };
	struct es9_client *c = NULL;
	const char *address = nm->address;
	char buf[400];
	long seq = nm->seq;
	enum lpa_result r;
	uint8_t *der;
	size_t len;
	int ret;

	ret = es10_retrieve_notification(chip, seq, &der, &len);
	if (ret) {
		printf("notification %ld: kept pending: eUICC: %s\n", seq, strerror(-ret));
		return LPA_E_LOCAL;
	}
	if (o->card_address && (strcspn(address, ":") != strcspn(o->card_address, ":") ||
				strncasecmp(address, o->card_address, strcspn(address, ":"))))
		co = o->http;
	co.smdp_address = address;
	ret = es9_client_new(&co, &c);
	if (ret) {
		free(der);
		printf("notification %ld to %s: kept pending: HTTP client: %s\n", seq, address,
		       strerror(-ret));
		return LPA_E_LOCAL;
	}
	if (o->spoil_signature && len)
		der[len - 1] ^= 1; /* the signature is the last TLV of BF37 and of a delete */
	r = post(c, der, len, &st);
	es9_client_free(c);
	free(der);
	if (r != LPA_OK) {
		printf("notification %ld to %s: kept pending: %s\n", seq, address,
		       es9_status_str(&st, buf, sizeof(buf)));
		return r;
	}
	if (o->spoil_signature) {
		printf("notification %ld to %s with a spoiled signature: HTTP %ld, kept pending\n",
		       seq, address, st.http_status);
		return LPA_STOPPED;
	}
	if (remove_sent(chip, seq)) {
		printf("notification %ld to %s: accepted (HTTP %ld) but kept pending: %s\n", seq,
		       address, st.http_status, chip->err);
		return LPA_E_LOCAL;
	}
	printf("notification %ld to %s: accepted (HTTP %ld), removed\n", seq, address,
	       st.http_status);
	return LPA_OK;
}

enum lpa_result lpa_notify_pending(struct es10_chip *chip, const struct lpa_notify_opts *o)
{
	enum lpa_result r, first = LPA_OK;
	struct es10_notification *list;
	char eid[33] = "";
	size_t n;
	int ret;

	ret = es10_list_notifications(chip, &list, &n);
	if (ret) {
		fprintf(stderr, "portdp-lpa: eUICC ListNotification: %s\n", chip->err);
		return LPA_E_LOCAL;
	}
	if (!n) {
		es10_get_eid(chip, eid);
		printf("no pending notifications on %s\n", eid);
	}
	for (size_t i = 0; i < n; i++) {
		r = notify_one(chip, o, &list[i]);
		if (first == LPA_OK || (first == LPA_STOPPED && r != LPA_OK))
			first = r;
	}
	free(list);
	return first;
}
