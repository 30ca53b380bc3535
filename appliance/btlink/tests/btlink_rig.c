/* SPDX-License-Identifier: Apache-2.0 */
/*
 * btlink-rig: the RFCOMM end-to-end rig of the VM guest (guest-btlink.sh).
 *   btlink-rig up DEV            power hciDEV up, page + inquiry scan on
 *   btlink-rig addr DEV          print hciDEV's address
 *   btlink-rig serve CH N        accept N RFCOMM links on channel CH, serve each
 *                                with the test handler, print "served K rc R"
 *   btlink-rig transmit ADDR CH [DATA ANSWER]
 *                                one link: short, extended (DATA bytes of data,
 *                                at most 65534: its echo fills the largest frame),
 *                                long-answer (ANSWER bytes) and handler-failure
 *                                APDUs, each checked (TAP)
 *   btlink-rig garbage ADDR CH   one link: a zero-length frame; expects the
 *                                error frame and the close
 * The handler is the one of test_btlink.c (reversed command, 9000; INS EE
 * fails; INS B0 answers P1P2 bytes, 60000 when 0). Sizes stay small enough for
 * the emulated controllers under TCG (a few KiB/s); the serve loop allows
 * 60 s per frame there.
 */
#include <bluetooth/bluetooth.h>
#include <bluetooth/hci.h>
#include <bluetooth/hci_lib.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "btlink.h"

static size_t XDATA = 4096;
static size_t ANSWER = 12000;

static int handler(void *ctx, const uint8_t *c, size_t len, uint8_t *r, size_t *rlen)
{
	size_t n;

	(void)ctx;
	if (len >= 2 && c[1] == 0xee)
		return -1;
	if (len >= 4 && c[1] == 0xb0) {
		n = (size_t)c[2] << 8 | c[3];
		if (n == 0)
			n = 60000;
		for (size_t i = 0; i < n; i++)
			r[i] = (uint8_t)(i * 7);
	} else {
		n = len;
		for (size_t i = 0; i < n; i++)
			r[i] = c[len - 1 - i];
	}
	if (n + 2 > *rlen)
		return -1;
	r[n] = 0x90;
	r[n + 1] = 0x00;
	*rlen = n + 2;
	return 0;
}

static int up(int dev)
{
	int s = socket(AF_BLUETOOTH, SOCK_RAW | SOCK_CLOEXEC, BTPROTO_HCI);
	struct hci_dev_req dr = {.dev_id = (uint16_t)dev, .dev_opt = SCAN_PAGE | SCAN_INQUIRY};

	if (s < 0) {
		perror("btlink-rig: HCI socket");
		return 1;
	}
	if (ioctl(s, HCIDEVUP, dev) < 0 && errno != EALREADY) {
		perror("btlink-rig: HCIDEVUP");
		return 1;
	}
	if (ioctl(s, HCISETSCAN, (unsigned long)&dr) < 0) {
		perror("btlink-rig: HCISETSCAN");
		return 1;
	}
	close(s);
	return 0;
}

static int addr(int dev)
{
	bdaddr_t a;
	char s[18];

	if (hci_devba(dev, &a) < 0) {
		perror("btlink-rig: hci_devba");
		return 1;
	}
	ba2str(&a, s);
	puts(s);
	return 0;
}

static int serve(int ch, int count)
{
	int l = btlink_rfcomm_listen(NULL, ch);

	if (l < 0) {
		fprintf(stderr, "btlink-rig: listen on channel %d: %s\n", ch, strerror(-l));
		return 1;
	}
	printf("listening %d\n", ch);
	fflush(stdout);
	for (int i = 0; i < count; i++) {
		int c = accept(l, NULL, NULL);
		unsigned long n = 0;

		if (c < 0) {
			perror("btlink-rig: accept");
			return 1;
		}
		struct btlink_opts o = {.frame_timeout_ms = 60000};
		int r = btlink_serve(c, handler, NULL, &o, &n);

		printf("served %lu rc %d (%s)\n", n, r, r ? btlink_strerror(r) : "clean close");
		fflush(stdout);
		close(c);
	}
	close(l);
	return 0;
}

static int tn;
static int tfail;

static void tap(int ok, const char *what)
{
	printf("%sok %d - %s\n", ok ? "" : "not ", ++tn, what);
	if (!ok)
		tfail = 1;
}

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static int transmit(const char *a, int ch)
{
	static uint8_t cap[BTLINK_MAX_PAYLOAD], rap[BTLINK_MAX_PAYLOAD];
	char err[128];
	size_t rl;
	double t0 = now();
	int fd = btlink_rfcomm_connect(a, ch, 10000);

	tap(fd >= 0, "RFCOMM link to the Port-DP+ side");
	if (fd < 0) {
		printf("# connect %s channel %d: %s\n", a, ch, strerror(-fd));
		return 1;
	}
	printf("# connected in %.0f ms\n", (now() - t0) * 1000);
	const uint8_t sel[] = {0x00, 0xa4, 0x04, 0x00, 0x03, 0xa0, 0x00, 0x01};

	rl = sizeof(rap);
	int r = btlink_transmit(fd, sel, sizeof(sel), rap, &rl, 10000, err, sizeof(err));

	tap(r == 0 && rl == sizeof(sel) + 2 && rap[0] == 0x01 && rap[rl - 2] == 0x90,
	    "short command APDU answered");
	/* an extended-length command: 00 Lc(3) data Le(2) */
	size_t ext = 4 + 3 + XDATA + 2;

	for (size_t i = 0; i < ext; i++)
		cap[i] = (uint8_t)(i * 3);
	cap[0] = 0x80;
	cap[1] = 0xe2;
	cap[4] = 0x00;
	cap[5] = (uint8_t)(XDATA >> 8);
	cap[6] = (uint8_t)XDATA;
	t0 = now();
	rl = sizeof(rap);
	r = btlink_transmit(fd, cap, ext, rap, &rl, 60000, err, sizeof(err));
	tap(r == 0 && rl == ext + 2 && rap[0] == cap[ext - 1], "extended command APDU answered");
	double t1 = now();
	const uint8_t rd[] = {0x80, 0xb0, (uint8_t)(ANSWER >> 8), (uint8_t)ANSWER};

	rl = sizeof(rap);
	r = btlink_transmit(fd, rd, sizeof(rd), rap, &rl, 60000, err, sizeof(err));
	tap(r == 0 && rl == ANSWER + 2 && rap[ANSWER - 1] == (uint8_t)((ANSWER - 1) * 7),
	    "long answer (a BPP-sized run)");
	printf("# FIGURE rfcomm: %zu bytes each way in %.0f ms, %zu-byte answer in %.0f ms (%.1f KB/s)\n",
	       ext, (t1 - t0) * 1000, ANSWER, (now() - t1) * 1000,
	       (2.0 * ext + ANSWER) / 1000 / (now() - t0));
	const uint8_t bad[] = {0x80, 0xee, 0x00, 0x00};

	rl = sizeof(rap);
	r = btlink_transmit(fd, bad, sizeof(bad), rap, &rl, 10000, err, sizeof(err));
	tap(r == 0 && rl == 2 && rap[0] == 0x6f && rap[1] == 0x00, "handler failure gives SW 6F00");
	close(fd);
	return tfail;
}

static int garbage(const char *a, int ch)
{
	uint8_t buf[256];
	enum btlink_type t;
	int fd = btlink_rfcomm_connect(a, ch, 10000);

	if (fd < 0) {
		printf("# connect: %s\n", strerror(-fd));
		tap(0, "RFCOMM link for the bad frame");
		return 1;
	}
	const uint8_t zero[] = {0x01, 0x00, 0x00, 0x00};

	if (write(fd, zero, sizeof(zero)) != (ssize_t)sizeof(zero))
		perror("write");
	int r = btlink_recv(fd, &t, buf, sizeof(buf) - 1, 10000);

	if (r > 0)
		buf[r] = 0;
	tap(r > 1 && t == BTLINK_ERROR && buf[0] == BTLINK_EC_ZERO,
	    "zero-length frame answered by error frame 2");
	if (r > 1)
		printf("# error frame: %s\n", (char *)buf + 1);
	r = btlink_recv(fd, &t, buf, sizeof(buf), 10000);
	tap(r == BTLINK_E_CLOSED || r == BTLINK_E_IO, "then the Port-DP+ side closed the link");
	close(fd);
	return tfail;
}

int main(int argc, char **argv)
{
	if (argc == 3 && !strcmp(argv[1], "up"))
		return up(atoi(argv[2]));
	if (argc == 3 && !strcmp(argv[1], "addr"))
		return addr(atoi(argv[2]));
	if (argc == 4 && !strcmp(argv[1], "serve"))
		return serve(atoi(argv[2]), atoi(argv[3]));
	if ((argc == 4 || argc == 6) && !strcmp(argv[1], "transmit")) {
		if (argc == 6) {
			XDATA = strtoul(argv[4], NULL, 10);
			ANSWER = strtoul(argv[5], NULL, 10);
			/* the echo of DATA must fit a frame: 9 + DATA + SW <= 65545 */
			if (XDATA < 1 || XDATA > 65534 || ANSWER < 1 || ANSWER > 65535) {
				fprintf(stderr, "btlink-rig: DATA is 1..65534, ANSWER 1..65535\n");
				return 2;
			}
		}
		return transmit(argv[2], atoi(argv[3]));
	}
	if (argc == 4 && !strcmp(argv[1], "garbage"))
		return garbage(argv[2], atoi(argv[3]));
	fprintf(stderr, "usage: btlink-rig up|addr DEV | serve CH N | transmit|garbage ADDR CH\n");
	return 2;
}
