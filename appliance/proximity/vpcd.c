// SPDX-License-Identifier: Apache-2.0
/*
 * vpcd's wire: TCP, each message a 2-byte big-endian length and its payload. The driver
 * speaks first; a 1-byte payload is a control (00 power off, 01 power on, 02 reset,
 * 04 send the ATR), anything longer a command APDU that gets one response APDU back.
 */
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>
#include <arpa/inet.h>

#include "../es9/es9.h"
#include "card.h"
#include "vpcd.h"

#define VPCD_MAX_CMD (7 + 65535 + 2)

struct pdp_vpcd {
	struct es9_worker *w;
	struct pdp_card *card;
	uint16_t port;
	pthread_t thread;
	atomic_bool stop;
	uint8_t cmd[VPCD_MAX_CMD];
	uint8_t resp[2 + PDP_CARD_MAX_RESP];
};

/* Reads exactly @n bytes, giving up when asked to stop (polls every 100 ms). */
static int read_full(struct pdp_vpcd *v, int fd, uint8_t *p, size_t n)
{
	struct pollfd pfd = {.fd = fd, .events = POLLIN};
	int one = 1;

	while (n) {
		ssize_t r;

		if (atomic_load(&v->stop))
			return -1;
		if (poll(&pfd, 1, 100) == 0)
			continue;
		r = read(fd, p, n);
		if (r <= 0)
			return -1;
		p += r;
		n -= (size_t)r;
	}
	/* vpcd sends length and payload apart: ACK at once, not after the delayed ACK. */
	setsockopt(fd, IPPROTO_TCP, TCP_QUICKACK, &one, sizeof(one));
	return 0;
}

static int send_msg(struct pdp_vpcd *v, int fd, const uint8_t *p, size_t n)
{
	v->resp[0] = (uint8_t)(n >> 8);
	v->resp[1] = (uint8_t)n;
	if (p != v->resp + 2)
		memmove(v->resp + 2, p, n);
	return write(fd, v->resp, n + 2) == (ssize_t)(n + 2) ? 0 : -1;
}

static void serve(struct pdp_vpcd *v, int fd)
{
	while (!atomic_load(&v->stop)) {
		uint8_t hdr[2];
		size_t n, rlen = 0, al;
		const uint8_t *atr;

		if (read_full(v, fd, hdr, 2))
			return;
		n = (size_t)hdr[0] << 8 | hdr[1];
		if (!n || n > sizeof(v->cmd) || read_full(v, fd, v->cmd, n))
			return;
		if (n == 1) {
			if (v->cmd[0] <= 2) {
				pdp_card_reset(v->card);
			} else if (v->cmd[0] == 4) {
				atr = pdp_card_atr(&al);
				if (send_msg(v, fd, atr, al))
					return;
			}
			continue;
		}
		/* The answer is built in place after the 2 length bytes. */
		pdp_card_apdu(v->card, v->cmd, n, v->resp + 2, &rlen);
		if (send_msg(v, fd, v->resp + 2, rlen))
			return;
	}
}

static void *vpcd_main(void *arg)
{
	struct pdp_vpcd *v = arg;
	struct sockaddr_in sa = {.sin_family = AF_INET, .sin_port = htons(v->port)};
	struct timespec pause = {0, 200 * 1000000L};
	int one = 1;

	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	while (!atomic_load(&v->stop)) {
		int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);

		if (fd >= 0 && !connect(fd, (struct sockaddr *)&sa, sizeof(sa))) {
			setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
			pdp_card_reset(v->card);
			serve(v, fd);
			/* The reader let go (or pcscd went away): a removed card, sessions stay. */
			pdp_card_reset(v->card);
		}
		if (fd >= 0)
			close(fd);
		nanosleep(&pause, NULL);
	}
	return NULL;
}

int pdp_vpcd_start(struct es9_service *svc, const char *smdp_address, uint16_t port,
		   struct pdp_vpcd **out, char *err, unsigned err_len)
{
	struct pdp_vpcd *v = calloc(1, sizeof(*v));
	int ret;

	if (!v) {
		snprintf(err, err_len, "card face: out of memory");
		return -ENOMEM;
	}
	v->port = port;
	ret = es9_worker_new(svc, &v->w);
	if (!ret)
		ret = pdp_card_new(v->w, smdp_address, &v->card);
	if (!ret)
		ret = -pthread_create(&v->thread, NULL, vpcd_main, v);
	if (ret) {
		snprintf(err, err_len, "card face on vpcd port %u: %s", port, strerror(-ret));
		pdp_card_free(v->card);
		if (v->w)
			es9_worker_free(v->w);
		free(v);
		return ret;
	}
	*out = v;
	return 0;
}

void pdp_vpcd_stop(struct pdp_vpcd *v)
{
	if (!v)
		return;
	atomic_store(&v->stop, true);
	pthread_join(v->thread, NULL);
	pdp_card_free(v->card);
	es9_worker_flush(v->w);
	es9_worker_free(v->w);
	free(v);
}
