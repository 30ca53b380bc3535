// SPDX-License-Identifier: Apache-2.0
/*
 * portdpctl audit verify | export | checkpoint: the tamper-evident audit (schema v6).
 *  verify [--cert UNIT.pem | --key URI] [--export FILE]
 *      walk the chain and every checkpoint; exit 0 when all fits, 1 naming the first row (or
 *      checkpoint) that does not. With --cert/--key every checkpoint must be signed by that
 *      unit; without, by one key throughout (the one the first checkpoint names).
 *  export FILE      the rows, chain and checkpoints in a new file (verify --export reads it)
 *  checkpoint --key URI [--reason TEXT]   sign the head now (also run periodically)
 */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "portdpctl.h"
#include "unit.h"

struct pin {
	struct pdp_accel *accel;
	uint8_t pub[PDP_PUBKEY_LEN];
	int pinned; /* pub set from --cert/--key (else from the first checkpoint) */
	int have;
};

static int check_sig(const struct inv_checkpoint *c, void *arg)
{
	uint8_t msg[INV_CHECKPOINT_MSG_LEN];
	struct pin *p = arg;

	if (!p->have) {
		memcpy(p->pub, c->signer_pub, sizeof(p->pub));
		p->have = 1;
	}
	if (memcmp(p->pub, c->signer_pub, sizeof(p->pub)))
		return 1;
	inv_checkpoint_message(c, msg);
	return pdp_verify(p->accel, PDP_CURVE_P256, p->pub, msg, sizeof(msg), c->sig) != 0;
}

static int audit_verify(struct inventory *inv, int argc, char **argv)
{
	static const struct option opts[] = {
	    {"cert", required_argument, NULL, 'c'},
	    {"key", required_argument, NULL, 'k'},
	    {"accel", required_argument, NULL, 'a'},
	    {"export", required_argument, NULL, 'e'},
	    {NULL, 0, NULL, 0},
	};
	const char *cert = NULL, *key = NULL, *accel = NULL, *export = NULL;
	struct inventory *ex = NULL;
	struct inv_audit_fault f;
	struct unit_key u = {0};
	struct pin p = {0};
	unsigned nck = 0;
	int64_t rows = 0;
	char msg[512];
	int c, err, status;

	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		if (c == 'c')
			cert = optarg;
		else if (c == 'k')
			key = optarg;
		else if (c == 'a')
			accel = optarg;
		else if (c == 'e')
			export = optarg;
		else
			return EXIT_USAGE;
	}
	if (optind != argc)
		return ctl_error(EXIT_USAGE, "audit verify: unexpected argument '%s'", argv[optind]);
	if (cert && key)
		return ctl_error(EXIT_USAGE, "audit verify: --cert or --key, not both");
	if (cert) {
		if (unit_cert_pub(cert, p.pub))
			return EXIT_FAIL;
		p.pinned = p.have = 1;
	}
	if (key) {
		status = unit_key_open(accel, key, &u);
		if (status)
			return status;
		memcpy(p.pub, u.pub, sizeof(p.pub));
		p.pinned = p.have = 1;
	}
	err = u.accel ? 0 : pdp_accel_open("soft:", &p.accel);
	if (u.accel)
		p.accel = u.accel;
	if (err)
		return ctl_error(EXIT_FAIL, "cannot open the soft backend: %s", strerror(-err));
	if (export) {
		err = inv_audit_open_export(export, &ex, msg, sizeof(msg));
		if (err) {
			status = ctl_error(EXIT_FAIL, "%s", msg);
			goto out;
		}
		inv = ex;
	}
	err = inv_audit_verify(inv, check_sig, &p, &f, &rows, &nck);
	if (err == -EBADMSG) {
		status = ctl_error(EXIT_FAIL, "audit verify FAILED at row %" PRId64 ": %s", f.seq,
				   f.what);
	} else if (err) {
		status = ctl_error(EXIT_FAIL, "audit verify: %s", inv_errmsg(inv));
	} else {
		printf("audit verify: ok, %" PRId64 " rows chained, %u checkpoint%s signed by %s\n",
		       rows, nck, nck == 1 ? "" : "s",
		       p.pinned ? "the given unit key" : (nck ? "one key (not pinned)" : "nobody"));
		status = EXIT_OK;
	}
out:
	inv_close(ex);
	if (u.accel)
		unit_key_close(&u);
	else
		pdp_accel_close(p.accel);
	return status;
}

static int audit_export(struct inventory *inv, int argc, char **argv)
{
	if (argc != 2)
		return ctl_error(EXIT_USAGE, "usage: audit export FILE");
	if (inv_audit_export(inv, argv[1]))
		return ctl_error(EXIT_FAIL, "audit export: %s", inv_errmsg(inv));
	printf("audit exported to %s\n", argv[1]);
	return EXIT_OK;
}

static int audit_checkpoint(struct inventory *inv, int argc, char **argv)
{
	static const struct option opts[] = {
	    {"key", required_argument, NULL, 'k'},
	    {"accel", required_argument, NULL, 'a'},
	    {"reason", required_argument, NULL, 'r'},
	    {NULL, 0, NULL, 0},
	};
	const char *key = NULL, *accel = NULL, *reason = "operator";
	struct inv_checkpoint ck;
	struct unit_key u;
	int c, err, status;

	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		if (c == 'k')
			key = optarg;
		else if (c == 'a')
			accel = optarg;
		else if (c == 'r')
			reason = optarg;
		else
			return EXIT_USAGE;
	}
	if (optind != argc)
		return ctl_error(EXIT_USAGE, "audit checkpoint: unexpected argument '%s'",
				 argv[optind]);
	if (strlen(reason) > 128)
		return ctl_error(EXIT_USAGE, "audit checkpoint: --reason is at most 128 bytes");
	status = unit_key_open(accel, key, &u);
	if (status)
		return status;
	err = unit_checkpoint(inv, &u, reason, &ck);
	unit_key_close(&u);
	if (err)
		return ctl_error(EXIT_FAIL, "audit checkpoint: %s", inv_errmsg(inv));
	printf("checkpoint %" PRId64 " signed: head at row %" PRId64 "\n", ck.id,
	       ck.head_seq);
	return EXIT_OK;
}

int cmd_audit_chain(struct inventory *inv, int argc, char **argv)
{
	if (!strcmp(argv[0], "verify"))
		return audit_verify(inv, argc, argv);
	if (!strcmp(argv[0], "export"))
		return audit_export(inv, argc, argv);
	return audit_checkpoint(inv, argc, argv);
}
