// SPDX-License-Identifier: Apache-2.0
/*
 * A chip over Bluetooth: the Port-DP+ APDU binding carried by btlink frames on
 * an RFCOMM channel (docs/proximity-bluetooth.md). Spec bt:ADDR[@CHANNEL].
 * The far end is a Port-DP+ (portdpd's card_bt), reached like a card.
 */
#include "chip.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "apdu.h"
#include "btlink.h"

/* An answer can wait for signatures and a disk commit on the far end (a slow kit). */
#define BT_ANSWER_MS 30000
#define BT_CONNECT_MS 10000

struct bt_tr {
	int fd;
	char why[160];
};

int chip_link_up(struct station_chip *c, const struct es10_transport *t,
		 const struct es10_link_opts *lo, char *err, size_t err_len);
void chip_link_opts(const struct chip_opts *o, struct es10_transport *tr,
		    struct es10_link_opts *lo);
void chip_bt_free(struct station_chip *c);

static int bt_xmit(void *ctx, const uint8_t *cmd, size_t len, uint8_t *resp, size_t *rlen)
{
	struct station_chip *c = ctx;
	struct bt_tr *t = c->tr;
	int ret;

	c->apdus++;
	*rlen = APDU_MAX_RESP;
	ret = btlink_transmit(t->fd, cmd, len, resp, rlen, BT_ANSWER_MS, t->why, sizeof(t->why));
	if (ret == 0)
		return 0;
	/* The link is gone (or broken mid-frame): the far end is out of reach. */
	c->gone = true;
	return ret == BTLINK_E_TIMEOUT ? -ETIMEDOUT : -ENODEV;
}

void chip_bt_free(struct station_chip *c)
{
	struct bt_tr *t = c->tr;

	if (!t)
		return;
	if (t->fd >= 0)
		close(t->fd);
	free(t);
}

int bt_chip(const char *spec, const struct chip_opts *o, struct station_chip **out, char *err,
	    size_t err_len)
{
	struct station_chip *c = calloc(1, sizeof(*c));
	struct bt_tr *t = calloc(1, sizeof(*t));
	struct es10_transport tr = { .transmit = bt_xmit };
	struct es10_link_opts lo = { 0 };
	char addr[18];
	int ch, ret;

	if (!c || !t) {
		free(c);
		free(t);
		return -ENOMEM;
	}
	c->kind = CHIP_BT;
	c->tr = t;
	t->fd = -1;
	if (btlink_parse_spec(spec, addr, &ch)) {
		snprintf(err, err_len, "%s: not bt:XX:XX:XX:XX:XX:XX[@CHANNEL]", spec);
		ret = -EINVAL;
		goto fail;
	}
	snprintf(c->name, sizeof(c->name), "%s@%d", addr, ch);
	t->fd = btlink_rfcomm_connect(addr, ch, BT_CONNECT_MS);
	if (t->fd < 0) {
		snprintf(err, err_len, "Bluetooth %s channel %d: %s", addr, ch, strerror(-t->fd));
		ret = -ENODEV;
		goto fail;
	}
	tr.ctx = c;
	chip_link_opts(o, &tr, &lo);
	ret = chip_link_up(c, &tr, &lo, err, err_len);
	if (ret)
		goto fail;
	*out = c;
	return 0;
fail:
	chip_close(c);
	return ret;
}
