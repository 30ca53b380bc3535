/* SPDX-License-Identifier: Apache-2.0 */
/*
 * btlink: the Port-DP+ APDU binding over a byte stream (Bluetooth RFCOMM on a
 * kit; any stream socket in tests). docs/proximity-bluetooth.md is the
 * specification; in short, every frame is
 *
 *   type (1 byte) | length (3 bytes, big endian) | payload (length bytes)
 *
 * with type 0x01 a command APDU (LPA -> Port-DP+), 0x02 its response APDU
 * (Port-DP+ -> LPA) and 0x7F an error (Port-DP+ -> LPA: one code byte, then
 * a UTF-8 text; the Port-DP+ closes the link after it). Exactly one response
 * or error answers each command, in order. Length is 1..BTLINK_MAX_PAYLOAD.
 *
 * Functions return 0 (or a length) on success and a negative enum
 * btlink_err on failure; btlink_strerror() names it.
 */
#ifndef PORTDP_BTLINK_H
#define PORTDP_BTLINK_H

#include <stddef.h>
#include <stdint.h>

#define BTLINK_HDR 4
/* An extended-length command APDU: 4 header + 3 Lc + 65535 data + 3 Le. */
#define BTLINK_MAX_PAYLOAD 65545u
/* RFCOMM channel when no SDP record is looked up (see the doc). */
#define BTLINK_DEFAULT_CHANNEL 22
/* Service class UUID of the SDP record: 6d8a1e2c-5e0b-4c7e-9a51-706f72746470 */
#define BTLINK_SERVICE_UUID "6d8a1e2c-5e0b-4c7e-9a51-706f72746470"

enum btlink_type {
	BTLINK_CAPDU = 0x01,
	BTLINK_RAPDU = 0x02,
	BTLINK_ERROR = 0x7f,
};

enum btlink_err {
	BTLINK_E_CLOSED = -1,	 /* peer closed at a frame boundary (not an error) */
	BTLINK_E_TRUNCATED = -2, /* peer closed inside a frame */
	BTLINK_E_ZERO = -3,	 /* length 0 */
	BTLINK_E_OVERSIZE = -4,	 /* length above BTLINK_MAX_PAYLOAD */
	BTLINK_E_TYPE = -5,	 /* unknown or wrong-direction frame type */
	BTLINK_E_TIMEOUT = -6,	 /* peer silent mid-frame (or for the answer) too long */
	BTLINK_E_IO = -7,	 /* read/write failed (errno kept) */
	BTLINK_E_HANDLER = -8,	 /* the APDU handler failed */
	BTLINK_E_REMOTE = -9,	 /* the Port-DP+ answered with an error frame */
	BTLINK_E_SHORT = -10,	 /* response APDU shorter than SW1 SW2 */
};

/* Error frame codes (first payload byte of a BTLINK_ERROR frame). */
enum btlink_errcode {
	BTLINK_EC_TRUNCATED = 1,
	BTLINK_EC_ZERO = 2,
	BTLINK_EC_OVERSIZE = 3,
	BTLINK_EC_TYPE = 4,
	BTLINK_EC_TIMEOUT = 5,
	BTLINK_EC_INTERNAL = 6,
};

const char *btlink_strerror(int err);

/*
 * The APDU handler the server calls once per command APDU. *rlen is the size
 * of rapdu (BTLINK_MAX_PAYLOAD) on entry, the response length on return (at
 * least 2: SW1 SW2). Nonzero return: the server answers SW 6F00 and goes on.
 */
typedef int (*btlink_handler)(void *ctx, const uint8_t *capdu, size_t len, uint8_t *rapdu,
			      size_t *rlen);

struct btlink_opts {
	int frame_timeout_ms; /* a started frame must be complete within this (0: 10000) */
	int idle_timeout_ms;  /* no frame at all for this long ends the link (0: none) */
};

/*
 * Serves one connected stream until the peer closes it or breaks the framing.
 * Bad framing is answered with an error frame (when the peer still reads)
 * and ends the link. Returns 0 after a clean close by the peer, else the
 * btlink_err that ended it; counts the APDUs served into *napdu if not NULL.
 */
int btlink_serve(int fd, btlink_handler h, void *ctx, const struct btlink_opts *o,
		 unsigned long *napdu);

/* Frames: one read or write of a whole frame; for tests and both sides. */
int btlink_send(int fd, enum btlink_type t, const uint8_t *p, size_t len);
/* Reads one frame; returns its payload length and type, or a btlink_err. */
int btlink_recv(int fd, enum btlink_type *t, uint8_t *p, size_t cap, int timeout_ms);

/*
 * Client: sends a command APDU and waits for its response (timeout_ms for
 * the whole answer). An error frame gives BTLINK_E_REMOTE with its text in
 * errbuf (if not NULL).
 */
int btlink_transmit(int fd, const uint8_t *capdu, size_t len, uint8_t *rapdu, size_t *rlen,
		    int timeout_ms, char *errbuf, size_t errlen);

/*
 * An LPA's spec of a Port-DP+ over Bluetooth: "bt:XX:XX:XX:XX:XX:XX" or
 * "bt:XX:XX:XX:XX:XX:XX@CHANNEL" (default BTLINK_DEFAULT_CHANNEL). Fills
 * addr (18 bytes) and *channel; -EINVAL for anything else.
 */
int btlink_parse_spec(const char *spec, char addr[18], int *channel);

/* RFCOMM (BlueZ sockets). addr "XX:XX:XX:XX:XX:XX"; NULL or "any" to listen on all. */
int btlink_rfcomm_listen(const char *addr, int channel);
int btlink_rfcomm_connect(const char *addr, int channel, int timeout_ms);

#endif
