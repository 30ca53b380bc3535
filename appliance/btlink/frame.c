/* SPDX-License-Identifier: Apache-2.0 */
/* The btlink frame on a stream: read and write whole frames under a deadline. */
#include "btlink.h"

#include <errno.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

static const char *const errs[] = {
    [1] = "peer closed the link",
    [2] = "frame truncated: the peer closed inside a frame",
    [3] = "frame length 0",
    [4] = "frame length above 65545",
    [5] = "unknown or wrong-direction frame type",
    [6] = "timed out inside a frame or waiting for the answer",
    [7] = "link read/write failed",
    [8] = "APDU handler failed",
    [9] = "the Port-DP+ answered with an error frame",
    [10] = "response APDU shorter than its status word",
};

const char *btlink_strerror(int err)
{
	int i = -err;

	if (i > 0 && i < (int)(sizeof(errs) / sizeof(errs[0])) && errs[i])
		return errs[i];
	return "unknown btlink error";
}

static long long now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000LL + ts.tv_nsec / 1000000;
}

/*
 * Reads exactly n bytes before deadline (ms, monotonic; < 0: none). Returns
 * n, or BTLINK_E_CLOSED when the stream ended before the first byte,
 * BTLINK_E_TRUNCATED after some, BTLINK_E_TIMEOUT or BTLINK_E_IO.
 */
static int read_full(int fd, uint8_t *p, size_t n, long long deadline, size_t already)
{
	size_t got = 0;

	while (got < n) {
		struct pollfd pfd = {.fd = fd, .events = POLLIN};
		int wait = -1;

		if (deadline >= 0) {
			long long left = deadline - now_ms();

			if (left <= 0)
				return BTLINK_E_TIMEOUT;
			wait = left > 60000 ? 60000 : (int)left;
		}
		int r = poll(&pfd, 1, wait);

		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0)
			return BTLINK_E_IO;
		if (r == 0)
			continue; /* the deadline check above decides */
		ssize_t k = read(fd, p + got, n - got);

		if (k < 0 && (errno == EINTR || errno == EAGAIN))
			continue;
		if (k < 0 && errno == ECONNRESET)
			return got + already ? BTLINK_E_TRUNCATED : BTLINK_E_CLOSED;
		if (k < 0)
			return BTLINK_E_IO;
		if (k == 0)
			return got + already ? BTLINK_E_TRUNCATED : BTLINK_E_CLOSED;
		got += (size_t)k;
	}
	return (int)n;
}

/*
 * At most this much per send(): Linux's RFCOMM sendmsg allocates every
 * segment of one call before it sends any, so a call larger than the
 * socket's send buffer (in segments of the link's MTU, as small as 127
 * bytes) waits forever. Seen with 60 KB frames on emulated controllers.
 */
#define WRITE_CHUNK 4096

static int write_full(int fd, const uint8_t *p, size_t n)
{
	while (n) {
		size_t m = n < WRITE_CHUNK ? n : WRITE_CHUNK;
		/* MSG_NOSIGNAL: a peer gone must not kill the server with SIGPIPE. */
		ssize_t k = send(fd, p, m, MSG_NOSIGNAL);

		if (k < 0 && errno == ENOTSOCK)
			k = write(fd, p, m);
		if (k < 0 && errno == EINTR)
			continue;
		if (k <= 0)
			return BTLINK_E_IO;
		p += k;
		n -= (size_t)k;
	}
	return 0;
}

int btlink_send(int fd, enum btlink_type t, const uint8_t *p, size_t len)
{
	uint8_t hdr[BTLINK_HDR] = {(uint8_t)t, (uint8_t)(len >> 16), (uint8_t)(len >> 8),
				   (uint8_t)len};

	if (len == 0)
		return BTLINK_E_ZERO;
	if (len > BTLINK_MAX_PAYLOAD)
		return BTLINK_E_OVERSIZE;
	/* One write for small frames: fewer RFCOMM packets for a short APDU. */
	if (len <= 1020) {
		uint8_t buf[BTLINK_HDR + 1020];

		memcpy(buf, hdr, BTLINK_HDR);
		memcpy(buf + BTLINK_HDR, p, len);
		return write_full(fd, buf, BTLINK_HDR + len);
	}
	int r = write_full(fd, hdr, BTLINK_HDR);

	return r ? r : write_full(fd, p, len);
}

/*
 * timeout_ms bounds the whole frame from its first byte (< 0: none);
 * first_ms bounds the wait for that first byte (< 0: none).
 */
static int recv_frame(int fd, enum btlink_type *t, uint8_t *p, size_t cap, int first_ms,
		      int timeout_ms)
{
	uint8_t hdr[BTLINK_HDR];
	int r = read_full(fd, hdr, 1, first_ms < 0 ? -1 : now_ms() + first_ms, 0);

	if (r < 0)
		return r;
	long long deadline = timeout_ms < 0 ? -1 : now_ms() + timeout_ms;

	r = read_full(fd, hdr + 1, BTLINK_HDR - 1, deadline, 1);
	if (r < 0)
		return r;
	size_t len = (size_t)hdr[1] << 16 | (size_t)hdr[2] << 8 | hdr[3];

	*t = (enum btlink_type)hdr[0];
	if (hdr[0] != BTLINK_CAPDU && hdr[0] != BTLINK_RAPDU && hdr[0] != BTLINK_ERROR)
		return BTLINK_E_TYPE;
	if (len == 0)
		return BTLINK_E_ZERO;
	if (len > BTLINK_MAX_PAYLOAD || len > cap)
		return BTLINK_E_OVERSIZE;
	r = read_full(fd, p, len, deadline, BTLINK_HDR);
	return r < 0 ? r : (int)len;
}

int btlink_recv(int fd, enum btlink_type *t, uint8_t *p, size_t cap, int timeout_ms)
{
	return recv_frame(fd, t, p, cap, timeout_ms, timeout_ms);
}

static void send_error(int fd, enum btlink_errcode code, const char *text)
{
	uint8_t buf[128];
	size_t n = strlen(text);

	if (n > sizeof(buf) - 1)
		n = sizeof(buf) - 1;
	buf[0] = (uint8_t)code;
	memcpy(buf + 1, text, n);
	(void)btlink_send(fd, BTLINK_ERROR, buf, n + 1);
}

int btlink_serve(int fd, btlink_handler h, void *ctx, const struct btlink_opts *o,
		 unsigned long *napdu)
{
	static const struct btlink_opts defaults = {0};
	int frame_ms, idle_ms;
	unsigned long n = 0;
	int ret;
	/* Frames are up to 64 KiB: on the heap, not on a thread's stack. */
	uint8_t *cap = malloc(BTLINK_MAX_PAYLOAD), *rap = malloc(BTLINK_MAX_PAYLOAD);

	if (!cap || !rap) {
		free(cap);
		free(rap);
		return BTLINK_E_IO;
	}
	if (!o)
		o = &defaults;
	frame_ms = o->frame_timeout_ms > 0 ? o->frame_timeout_ms : 10000;
	idle_ms = o->idle_timeout_ms > 0 ? o->idle_timeout_ms : -1;
	for (;;) {
		enum btlink_type t;
		int len = recv_frame(fd, &t, cap, BTLINK_MAX_PAYLOAD, idle_ms, frame_ms);

		if (len == BTLINK_E_CLOSED) {
			ret = 0;
			break;
		}
		if (len < 0) {
			static const struct {
				int err;
				enum btlink_errcode code;
			} map[] = {
			    {BTLINK_E_TRUNCATED, BTLINK_EC_TRUNCATED},
			    {BTLINK_E_ZERO, BTLINK_EC_ZERO},
			    {BTLINK_E_OVERSIZE, BTLINK_EC_OVERSIZE},
			    {BTLINK_E_TYPE, BTLINK_EC_TYPE},
			    {BTLINK_E_TIMEOUT, BTLINK_EC_TIMEOUT},
			};
			for (size_t i = 0; i < sizeof(map) / sizeof(map[0]); i++)
				if (map[i].err == len)
					send_error(fd, map[i].code, btlink_strerror(len));
			ret = len;
			break;
		}
		if (t != BTLINK_CAPDU) {
			send_error(fd, BTLINK_EC_TYPE, "only command APDU frames (type 0x01) go to the Port-DP+");
			ret = BTLINK_E_TYPE;
			break;
		}
		size_t rlen = BTLINK_MAX_PAYLOAD;

		if (h(ctx, cap, (size_t)len, rap, &rlen) != 0 || rlen < 2 || rlen > BTLINK_MAX_PAYLOAD) {
			/* SW 6F00: no precise diagnosis; the link stays up. */
			rap[0] = 0x6f;
			rap[1] = 0x00;
			rlen = 2;
		}
		n++;
		if (btlink_send(fd, BTLINK_RAPDU, rap, rlen) != 0) {
			ret = BTLINK_E_IO;
			break;
		}
	}
	if (napdu)
		*napdu = n;
	free(cap);
	free(rap);
	return ret;
}

int btlink_transmit(int fd, const uint8_t *capdu, size_t len, uint8_t *rapdu, size_t *rlen,
		    int timeout_ms, char *errbuf, size_t errlen)
{
	enum btlink_type t;
	int r = btlink_send(fd, BTLINK_CAPDU, capdu, len);

	if (errbuf && errlen)
		errbuf[0] = 0;
	if (r)
		return r;
	r = btlink_recv(fd, &t, rapdu, *rlen, timeout_ms);
	if (r < 0)
		return r;
	if (t == BTLINK_ERROR) {
		if (errbuf && errlen) {
			size_t n = (size_t)r - 1 < errlen - 1 ? (size_t)r - 1 : errlen - 1;

			memcpy(errbuf, rapdu + 1, n);
			errbuf[n] = 0;
		}
		return BTLINK_E_REMOTE;
	}
	if (t != BTLINK_RAPDU)
		return BTLINK_E_TYPE;
	if (r < 2)
		return BTLINK_E_SHORT;
	*rlen = (size_t)r;
	return 0;
}
