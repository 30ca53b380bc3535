/* SPDX-License-Identifier: Apache-2.0 */
/*
 * portdpctl card: the accelerator card's keys and certificates, through
 * libportdp-accel (dev backend) and the driver's sysfs. Every subcommand
 * checks its arguments before it opens the card, so a usage error never
 * reaches the card.
 */
#ifndef PORTDP_PORTDPCTL_CARD_H
#define PORTDP_PORTDPCTL_CARD_H

#include <stddef.h>
#include <stdint.h>

#include <openssl/evp.h>

#include "portdp/accel.h"

#define CARD_DEFAULT_DEV "/dev/portdp-accel0"
#define CARD_SYSFS_CLASS "/sys/class/misc"

/* Options a subcommand accepts (struct card_args.allowed). */
enum {
	CARD_OPT_SLOT = 1 << 0,
	CARD_OPT_CURVE = 1 << 1,
	CARD_OPT_SUBJECT = 1 << 2,
	CARD_OPT_OUT = 1 << 3,
	CARD_OPT_CERT = 1 << 4,
	CARD_OPT_CONFIG = 1 << 5,
	CARD_OPT_ROLE = 1 << 6,
};

struct card_args {
	const char *dev;      /* --dev, default CARD_DEFAULT_DEV */
	int slot;	      /* --slot, -1 if not given */
	enum pdp_curve curve; /* --curve, default P-256 */
	const char *subject;  /* --subject "/O=.../CN=..." */
	const char *out;      /* --out FILE */
	const char *cert;     /* --cert FILE */
	const char *config;   /* --config portdpd.conf */
	const char *role;     /* --role tls|dpauth|dppb */
	char slot_uri[16];    /* "slot:N" */
	char accel_uri[300];  /* "dev:<dev>" */
};

/* card.c */
/* Parses the subcommand's options (argv[0] = subcommand); EXIT_OK or EXIT_USAGE. */
int card_parse_args(int argc, char **argv, unsigned allowed, unsigned required,
		    struct card_args *a);
/* Opens the card named by @a; prints the error and returns NULL if it cannot. */
struct pdp_accel *card_open(const struct card_args *a);
/* accel.h's errno contract in an operator's words. */
const char *card_strerror(int err);
const char *card_curve_name(enum pdp_curve curve);
/* The public half as an OpenSSL key (for CSRs and comparisons); NULL on bad input. */
EVP_PKEY *card_pub_pkey(const uint8_t pub[PDP_PUBKEY_LEN], enum pdp_curve curve);
/*
 * card_write_file() - write @len bytes to @path through a temporary file in
 * the same directory, fsync, then rename (@replace) or link (no clobber:
 * -EEXIST if @path exists). A failure leaves @path as it was. 0 or -errno.
 */
int card_write_file(const char *path, const void *data, size_t len, int replace, unsigned mode);

/* The subcommands: argv[0] is the subcommand name, the result an exit status. */
int card_status(int argc, char **argv);
int card_list(int argc, char **argv);
int card_keygen(int argc, char **argv);
int card_destroy(int argc, char **argv);
int card_csr(int argc, char **argv);
int card_install_cert(int argc, char **argv);

#endif
