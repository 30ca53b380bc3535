/* SPDX-License-Identifier: Apache-2.0 */
/*
 * btlink framing over a socketpair: the server (a thread running
 * btlink_serve with a test handler) against a client that sends good frames
 * and every kind of bad one. Each bad frame must be answered with its error
 * frame (when the client still reads), end the link, and never reach the
 * handler.
 */
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cmocka.h>

#include "btlink.h"

struct server {
	int fd;
	int ret;
	unsigned long napdu;
	unsigned long calls;
	struct btlink_opts opts;
	pthread_t th;
};

/* The test handler: INS EE fails; INS B0 answers 60000 bytes; else the
 * command reversed. Always SW 9000. */
static int handler(void *ctx, const uint8_t *c, size_t len, uint8_t *r, size_t *rlen)
{
	struct server *s = ctx;
	size_t n;

	s->calls++;
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
	assert_true(n + 2 <= *rlen);
	r[n] = 0x90;
	r[n + 1] = 0x00;
	*rlen = n + 2;
	return 0;
}

static void *serve(void *arg)
{
	struct server *s = arg;

	s->ret = btlink_serve(s->fd, handler, s, &s->opts, &s->napdu);
	close(s->fd);
	return NULL;
}

static int start(struct server *s, int frame_ms)
{
	int sv[2];

	memset(s, 0, sizeof(*s));
	assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
	s->fd = sv[0];
	s->opts.frame_timeout_ms = frame_ms;
	assert_int_equal(pthread_create(&s->th, NULL, serve, s), 0);
	return sv[1];
}

static void join(struct server *s)
{
	pthread_join(s->th, NULL);
}

static void test_round_trips(void **st)
{
	(void)st;
	struct server s;
	int c = start(&s, 2000);
	static uint8_t cap[BTLINK_MAX_PAYLOAD], rap[BTLINK_MAX_PAYLOAD];
	size_t rlen;
	char err[128];

	/* a short APDU */
	uint8_t sel[] = {0x00, 0xa4, 0x04, 0x00, 0x02, 0x3f, 0x00};

	rlen = sizeof(rap);
	assert_int_equal(btlink_transmit(c, sel, sizeof(sel), rap, &rlen, 2000, err, sizeof(err)), 0);
	assert_int_equal(rlen, sizeof(sel) + 2);
	assert_int_equal(rap[0], 0x00);
	assert_int_equal(rap[sizeof(sel) - 1], 0x00);
	assert_int_equal(rap[1], 0x3f);
	assert_int_equal(rap[rlen - 2], 0x90);

	/* the largest command: an extended APDU with 65535 bytes of data */
	for (size_t i = 0; i < BTLINK_MAX_PAYLOAD; i++)
		cap[i] = (uint8_t)(i ^ 0x5a);
	cap[1] = 0xe2;
	rlen = sizeof(rap);
	assert_int_equal(btlink_transmit(c, cap, BTLINK_MAX_PAYLOAD - 2, rap, &rlen, 5000, err,
					 sizeof(err)),
			 0);
	assert_int_equal(rlen, BTLINK_MAX_PAYLOAD);
	assert_int_equal(rap[0], cap[BTLINK_MAX_PAYLOAD - 3]);

	/* a long answer (a BPP segment run) */
	uint8_t rd[] = {0x80, 0xb0, 0x00, 0x00};

	rlen = sizeof(rap);
	assert_int_equal(btlink_transmit(c, rd, sizeof(rd), rap, &rlen, 5000, err, sizeof(err)), 0);
	assert_int_equal(rlen, 60002);
	assert_int_equal(rap[59999], (uint8_t)(59999 * 7));

	/* the handler fails: SW 6F00, and the link goes on */
	uint8_t bad[] = {0x80, 0xee, 0x00, 0x00};

	rlen = sizeof(rap);
	assert_int_equal(btlink_transmit(c, bad, sizeof(bad), rap, &rlen, 2000, err, sizeof(err)), 0);
	assert_int_equal(rlen, 2);
	assert_int_equal(rap[0], 0x6f);
	rlen = sizeof(rap);
	assert_int_equal(btlink_transmit(c, sel, sizeof(sel), rap, &rlen, 2000, err, sizeof(err)), 0);

	/* a clean close ends the server with 0 */
	close(c);
	join(&s);
	assert_int_equal(s.ret, 0);
	assert_int_equal(s.napdu, 5);
}

/* Sends raw bytes, half-closes, and reads back the error frame. */
static void expect_error(const uint8_t *raw, size_t n, int want_ret, int want_code,
			 unsigned long want_calls)
{
	struct server s;
	int c = start(&s, 300);
	uint8_t buf[256];
	enum btlink_type t;

	assert_int_equal(write(c, raw, n), (ssize_t)n);
	/* the peer keeps reading but sends nothing more (its length lied) */
	if (want_code != BTLINK_EC_TIMEOUT)
		shutdown(c, SHUT_WR);
	int r = btlink_recv(c, &t, buf, sizeof(buf), 5000);

	assert_true(r >= 2);
	assert_int_equal(t, BTLINK_ERROR);
	assert_int_equal(buf[0], want_code);
	buf[r] = 0;
	print_message("# error frame %d: %s\n", buf[0], (char *)buf + 1);
	/* then the server closes the link */
	assert_int_equal(btlink_recv(c, &t, buf, sizeof(buf), 5000), BTLINK_E_CLOSED);
	close(c);
	join(&s);
	assert_int_equal(s.ret, want_ret);
	assert_int_equal(s.calls, want_calls);
}

static void test_zero_length(void **st)
{
	(void)st;
	const uint8_t f[] = {0x01, 0x00, 0x00, 0x00};

	expect_error(f, sizeof(f), BTLINK_E_ZERO, BTLINK_EC_ZERO, 0);
}

static void test_oversize(void **st)
{
	(void)st;
	/* 65546: one byte more than the largest extended command */
	const uint8_t f[] = {0x01, 0x01, 0x00, 0x0a, 0x00, 0xa4};

	expect_error(f, sizeof(f), BTLINK_E_OVERSIZE, BTLINK_EC_OVERSIZE, 0);
}

static void test_truncated_length(void **st)
{
	(void)st;
	const uint8_t f[] = {0x01, 0x00};

	expect_error(f, sizeof(f), BTLINK_E_TRUNCATED, BTLINK_EC_TRUNCATED, 0);
}

static void test_truncated_payload(void **st)
{
	(void)st;
	const uint8_t f[] = {0x01, 0x00, 0x00, 0x10, 0x00, 0xa4, 0x04};

	expect_error(f, sizeof(f), BTLINK_E_TRUNCATED, BTLINK_EC_TRUNCATED, 0);
}

static void test_wrong_type(void **st)
{
	(void)st;
	/* a response frame sent to the Port-DP+, and an unknown type */
	const uint8_t r[] = {0x02, 0x00, 0x00, 0x02, 0x90, 0x00};
	const uint8_t u[] = {0x33, 0x00, 0x00, 0x02, 0x90, 0x00};

	expect_error(r, sizeof(r), BTLINK_E_TYPE, BTLINK_EC_TYPE, 0);
	expect_error(u, sizeof(u), BTLINK_E_TYPE, BTLINK_EC_TYPE, 0);
}

static void test_stall_mid_frame(void **st)
{
	(void)st;
	/* the peer stays connected but never finishes its frame (300 ms limit) */
	const uint8_t f[] = {0x01, 0x00, 0x00, 0x08, 0x00, 0xa4};

	expect_error(f, sizeof(f), BTLINK_E_TIMEOUT, BTLINK_EC_TIMEOUT, 0);
}

/* The peer vanishes mid-frame (both directions): the server ends, no SIGPIPE. */
static void test_peer_gone(void **st)
{
	(void)st;
	struct server s;
	int c = start(&s, 2000);
	const uint8_t good[] = {0x01, 0x00, 0x00, 0x04, 0x00, 0xca, 0x00, 0x00};
	const uint8_t part[] = {0x01, 0x00, 0x01, 0x00, 0x00, 0xe2};
	uint8_t buf[64];
	enum btlink_type t;

	assert_int_equal(write(c, good, sizeof(good)), (ssize_t)sizeof(good));
	assert_int_equal(btlink_recv(c, &t, buf, sizeof(buf), 2000), 6);
	assert_int_equal(t, BTLINK_RAPDU);
	assert_int_equal(write(c, part, sizeof(part)), (ssize_t)sizeof(part));
	close(c);
	join(&s);
	assert_int_equal(s.ret, BTLINK_E_TRUNCATED);
	assert_int_equal(s.calls, 1);
	assert_int_equal(s.napdu, 1);
}

/* The client side: bad lengths are refused before anything is sent. */
static void test_client_limits(void **st)
{
	(void)st;
	uint8_t x[4] = {0}, r[8];
	size_t rl = sizeof(r);

	assert_int_equal(btlink_send(-1, BTLINK_CAPDU, x, 0), BTLINK_E_ZERO);
	assert_int_equal(btlink_send(-1, BTLINK_CAPDU, x, BTLINK_MAX_PAYLOAD + 1), BTLINK_E_OVERSIZE);
	assert_int_equal(btlink_transmit(-1, x, 0, r, &rl, 10, NULL, 0), BTLINK_E_ZERO);
	assert_string_equal(btlink_strerror(BTLINK_E_OVERSIZE), "frame length above 65545");
	assert_int_equal(btlink_rfcomm_connect("not-an-address", 1, 10), -22);
	assert_int_equal(btlink_rfcomm_connect("00:11:22:33:44:55", 31, 10), -22);
}

static void test_spec(void **st)
{
	(void)st;
	char a[18];
	int ch = 0;

	assert_int_equal(btlink_parse_spec("bt:00:AA:01:00:00:00", a, &ch), 0);
	assert_string_equal(a, "00:AA:01:00:00:00");
	assert_int_equal(ch, BTLINK_DEFAULT_CHANNEL);
	assert_int_equal(btlink_parse_spec("bt:00:aa:01:00:00:00@3", a, &ch), 0);
	assert_int_equal(ch, 3);
	const char *bad[] = {"00:AA:01:00:00:00", "bt:", "bt:00:AA:01:00:00", "bt:00:AA:01:00:00:0G",
			     "bt:00:00:00:00:00:00", "bt:00:AA:01:00:00:00@", "bt:00:AA:01:00:00:00@31",
			     "bt:00:AA:01:00:00:00@0", "bt:00:AA:01:00:00:00@2x", "bt:00:AA:01:00:00:00@-1",
			     "pcsc:reader"};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		assert_int_equal(btlink_parse_spec(bad[i], a, &ch), -22);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_round_trips),	  cmocka_unit_test(test_zero_length),
	    cmocka_unit_test(test_oversize),	  cmocka_unit_test(test_truncated_length),
	    cmocka_unit_test(test_truncated_payload), cmocka_unit_test(test_wrong_type),
	    cmocka_unit_test(test_stall_mid_frame),   cmocka_unit_test(test_peer_gone),
	    cmocka_unit_test(test_client_limits),	  cmocka_unit_test(test_spec),
	};

	cmocka_set_message_output(CM_OUTPUT_TAP);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
