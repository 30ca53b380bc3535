/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The unit's identity for audit checkpoints and transfers: its key (a card slot "slot:N" on
 * "dev:", a PEM file "file:/path" in soft mode) and, for transfers, its certificate and the
 * CA that issues unit certificates.
 */
#ifndef PORTDPCTL_UNIT_H
#define PORTDPCTL_UNIT_H

#include <getopt.h>
#include <portdp/accel.h>
#include "inventory.h"

/* The options that name the unit's identity: --key URI, --cert PEM, --ca PEM, --accel URI. */
struct unit_opts {
	const char *key, *cert, *ca, *accel;
};

#define UNIT_OPTS                                                                                  \
	{"key", required_argument, NULL, 'k'}, {"cert", required_argument, NULL, 'c'},             \
	    {"ca", required_argument, NULL, 'C'},                                                  \
	{                                                                                          \
		"accel", required_argument, NULL, 'A'                                              \
	}

/* getopt_long's @c (its argument in optarg) into @o when it is one of UNIT_OPTS: 1, else 0. */
int unit_opt(struct unit_opts *o, int c);

struct unit_key {
	struct pdp_accel *accel;
	struct pdp_key *key;
	uint8_t pub[PDP_PUBKEY_LEN];
};

/*
 * Open @accel_uri (NULL: $PORTDP_ACCEL or soft:) and load @key_uri; a soft key file must be
 * 0600 or stricter. Prints its own error; EXIT_OK or EXIT_FAIL.
 */
int unit_key_open(const char *accel_uri, const char *key_uri, struct unit_key *u);
void unit_key_close(struct unit_key *u);

/*
 * Sign the head of the audit chain as it is in the caller's transaction (or now) and store
 * the checkpoint with @reason. 0 or -errno (message in inv_errmsg() or printed).
 */
int unit_checkpoint(struct inventory *inv, struct unit_key *u, const char *reason,
		    struct inv_checkpoint *out);

/* The uncompressed P-256 public key of a PEM certificate file; EXIT_OK or EXIT_FAIL. */
int unit_cert_pub(const char *cert_path, uint8_t pub[PDP_PUBKEY_LEN]);

#endif
