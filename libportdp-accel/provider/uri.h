/* SPDX-License-Identifier: Apache-2.0 */
/*
 * "portdp:" key URIs, the only way a key is named to the provider:
 *
 *   portdp:dev=/dev/portdp-accel0;slot=3   key slot 3 on that card
 *   portdp:dev;slot=3                      slot 3 on the first card ("dev:")
 *   portdp:slot=3                          slot 3 on the configured accel
 *                                          (config "accel", $PORTDP_ACCEL, "dev:")
 *   portdp:soft;file=/path/key.pem         PEM key on the soft backend: tests
 *                                          and development only, the key is a file
 *
 * Attributes are separated by ';', each at most once, values may use %XX
 * escapes (e.g. a ';' in a path). Anything else is rejected with a reason.
 */
#ifndef PORTDP_URI_H
#define PORTDP_URI_H

#include <limits.h>
#include <stddef.h>

#define PORTDP_URI_SCHEME "portdp"

enum portdp_uri_accel {
	PORTDP_ACCEL_DEFAULT = 0, /* not named: configuration decides */
	PORTDP_ACCEL_DEV,
	PORTDP_ACCEL_SOFT,
};

struct portdp_uri {
	enum portdp_uri_accel accel;
	char dev[PATH_MAX];	    /* PORTDP_ACCEL_DEV: device path, "" = first card */
	char key_uri[PATH_MAX + 8]; /* libportdp-accel key URI: "slot:N" or "file:PATH" */
	int slot;		    /* -1 unless a slot is named */
};

/* Longest slot number a URI may name (the card protocol has one byte). */
#define PORTDP_URI_SLOT_MAX 255

/**
 * portdp_uri_parse() - check and split a "portdp:" URI.
 * @text: [in] the URI.
 * @out:  [out] filled only on success.
 * @why:  [out] on failure, a short reason for the error message.
 * Returns 0 or -EINVAL.
 */
int portdp_uri_parse(const char *text, struct portdp_uri *out, char *why, size_t why_len);

#endif
