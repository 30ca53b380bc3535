// SPDX-License-Identifier: Apache-2.0
/* The card face on an RFCOMM channel: btlink's serve loop around pdp_card_apdu(). */
#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "../es9/es9.h"
#include "btlink.h"
#include "bt.h"
#include "card.h"
#include "../server/log.h"

/* A phone silent this long is taken for gone (it keeps nothing: sessions stay). */
#define BT_IDLE_MS 60000

struct pdp_bt {
	struct es9_worker *w;
	struct pdp_card *card;
	int channel;
	int listen_fd;
	atomic_int phone_fd; /* -1: none; pdp_bt_stop() shuts it down to end the serve loop */
	pthread_t thread;
	atomic_bool stop;
};

static int handle_apdu(void *ctx, const uint8_t *capdu, size_t len, uint8_t *rapdu, size_t *rlen)
{
	struct pdp_bt *b = ctx;

	/* btlink's buffer holds BTLINK_MAX_PAYLOAD, more than the card's largest answer. */
	if (*rlen < PDP_CARD_MAX_RESP)
		return -1;
	pdp_card_apdu(b->card, capdu, len, rapdu, rlen);
	return 0;
}

static void *bt_main(void *arg)
{
	struct pdp_bt *b = arg;
	struct btlink_opts o = { .idle_timeout_ms = BT_IDLE_MS };
	struct pollfd p = { .fd = b->listen_fd, .events = POLLIN };

	while (!atomic_load(&b->stop)) {
		unsigned long n = 0;
		int fd, ret;

		if (poll(&p, 1, 200) <= 0)
			continue;
		fd = accept4(b->listen_fd, NULL, NULL, SOCK_CLOEXEC);
		if (fd < 0)
			continue;
		atomic_store(&b->phone_fd, fd);
		if (atomic_load(&b->stop)) { /* pdp_bt_stop() may have looked before the store */
			atomic_store(&b->phone_fd, -1);
			close(fd);
			break;
		}
		pdp_card_reset(b->card);
		ret = btlink_serve(fd, handle_apdu, b, &o, &n);
		if (ret && ret != BTLINK_E_CLOSED)
			srv_info("card face on Bluetooth: phone link ended after %lu APDUs: %s", n,
				 btlink_strerror(ret));
		/* The phone went away: a removed card (its sessions stay, and expire). */
		pdp_card_reset(b->card);
		atomic_store(&b->phone_fd, -1);
		close(fd);
	}
	return NULL;
}

int pdp_bt_start(struct es9_service *svc, const char *smdp_address, int channel,
		 struct pdp_bt **out, char *err, unsigned err_len)
{
	struct pdp_bt *b = calloc(1, sizeof(*b));
	int ret;

	if (!b) {
		snprintf(err, err_len, "card face: out of memory");
		return -ENOMEM;
	}
	b->channel = channel;
	atomic_init(&b->phone_fd, -1);
	b->listen_fd = btlink_rfcomm_listen(NULL, channel);
	if (b->listen_fd < 0) {
		ret = b->listen_fd;
		snprintf(err, err_len, "card_bt: RFCOMM channel %d: %s%s", channel, strerror(-ret),
			 ret == -EAFNOSUPPORT ? " (no Bluetooth in this kernel)" : "");
		free(b);
		return ret;
	}
	ret = es9_worker_new(svc, &b->w);
	if (!ret)
		ret = pdp_card_new(b->w, smdp_address, &b->card);
	if (!ret)
		ret = -pthread_create(&b->thread, NULL, bt_main, b);
	if (ret) {
		snprintf(err, err_len, "card face on RFCOMM channel %d: %s", channel,
			 strerror(-ret));
		pdp_card_free(b->card);
		if (b->w)
			es9_worker_free(b->w);
		close(b->listen_fd);
		free(b);
		return ret;
	}
	*out = b;
	return 0;
}

void pdp_bt_stop(struct pdp_bt *b)
{
	int fd;

	if (!b)
		return;
	atomic_store(&b->stop, true);
	fd = atomic_load(&b->phone_fd);
	if (fd >= 0)
		shutdown(fd, SHUT_RDWR); /* btlink_serve() sees the close */
	pthread_join(b->thread, NULL);
	close(b->listen_fd);
	pdp_card_free(b->card);
	es9_worker_flush(b->w);
	es9_worker_free(b->w);
	free(b);
}
