// SPDX-License-Identifier: Apache-2.0
/*
 * The ES2+ order functions from the command line, for a plant without an operator system:
 * download-order, confirm-order, release-profile, cancel-order. They act for the profile's
 * owner on the inventory directly (the same guarded transitions and audit rows as portdpd's
 * ES2+ listener; the actor is "portdpctl").
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <string.h>
#include "portdpctl.h"

static int owned(struct inventory *inv, const char *iccid, struct inv_profile *p)
{
	int err = inv_get_by_iccid(inv, iccid, p);

	if (err == -ENOENT || err == -EINVAL)
		return ctl_error(EXIT_FAIL, "no profile with ICCID '%s'", iccid);
	if (err)
		return ctl_error(EXIT_FAIL, "%s", inv_errmsg(inv));
	if (!p->owner[0])
		return ctl_error(EXIT_FAIL,
				 "%s is direct stock (imported without --owner): "
				 "no orders",
				 iccid);
	return EXIT_OK;
}

static int done(struct inventory *inv, int err, int64_t id)
{
	struct inv_profile p;

	if (err)
		return ctl_error(EXIT_FAIL, "%s", inv_errmsg(inv));
	if (inv_get_by_id(inv, id, &p))
		return ctl_error(EXIT_FAIL, "%s", inv_errmsg(inv));
	printf("%-20s %-11s %-24s %s\n", p.iccid, inv_order_name(p.order),
	       p.order >= INV_ORDER_CONFIRMED ? p.matching_id : "-",
	       p.order_eid[0] ? p.order_eid : "-");
	return EXIT_OK;
}

/* download-order (ICCID | --owner OP --type TYPE) [--eid EID] */
static int download_order(struct inventory *inv, int argc, char **argv)
{
	static const struct option opts[] = {
	    {"owner", required_argument, NULL, 'o'},
	    {"type", required_argument, NULL, 't'},
	    {"eid", required_argument, NULL, 'e'},
	    {NULL, 0, NULL, 0},
	};
	const char *owner = NULL, *type = NULL, *eid = NULL;
	struct inv_profile p;
	int64_t id;
	int c, st;

	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		if (c == 'o')
			owner = optarg;
		else if (c == 't')
			type = optarg;
		else if (c == 'e')
			eid = optarg;
		else
			return EXIT_USAGE;
	}
	if (optind + 1 == argc && !owner && !type) {
		st = owned(inv, argv[optind], &p);
		return st ? st : done(inv, inv_order_reserve(inv, p.id, eid), p.id);
	}
	if (optind != argc || !owner || !type)
		return ctl_error(EXIT_USAGE,
				 "download-order (ICCID | --owner OP --type TYPE) [--eid EID]");
	st = inv_order_reserve_type(inv, owner, type, eid, &id);
	return done(inv, st, id);
}

/* confirm-order ICCID [--eid EID] [--matching-id ID] [--cc CODE] [--release] */
static int confirm_order(struct inventory *inv, int argc, char **argv)
{
	static const struct option opts[] = {
	    {"eid", required_argument, NULL, 'e'},
	    {"matching-id", required_argument, NULL, 'm'},
	    {"cc", required_argument, NULL, 'c'},
	    {"release", no_argument, NULL, 'r'},
	    {NULL, 0, NULL, 0},
	};
	const char *eid = NULL, *mid = NULL, *cc = NULL;
	struct inv_profile p;
	int c, st, release = 0;

	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		if (c == 'e')
			eid = optarg;
		else if (c == 'm')
			mid = optarg;
		else if (c == 'c')
			cc = optarg;
		else if (c == 'r')
			release = 1;
		else
			return EXIT_USAGE;
	}
	if (optind + 1 != argc)
		return ctl_error(EXIT_USAGE, "confirm-order ICCID [--eid EID] [--matching-id ID]"
					     " [--cc CODE] [--release]");
	st = owned(inv, argv[optind], &p);
	return st ? st : done(inv, inv_order_confirm(inv, p.id, eid, mid, cc, release), p.id);
}

int cmd_order(struct inventory *inv, int argc, char **argv)
{
	struct inv_profile p;
	int st, available;

	if (!strcmp(argv[0], "download-order"))
		return download_order(inv, argc, argv);
	if (!strcmp(argv[0], "confirm-order"))
		return confirm_order(inv, argc, argv);
	if (!strcmp(argv[0], "release-profile")) {
		if (argc != 2)
			return ctl_error(EXIT_USAGE, "release-profile ICCID");
		st = owned(inv, argv[1], &p);
		return st ? st : done(inv, inv_order_release(inv, p.id), p.id);
	}
	/* cancel-order ICCID --available|--unavailable */
	if (argc != 3 || (strcmp(argv[2], "--available") && strcmp(argv[2], "--unavailable")))
		return ctl_error(EXIT_USAGE, "cancel-order ICCID --available|--unavailable");
	available = !strcmp(argv[2], "--available");
	st = owned(inv, argv[1], &p);
	return st ? st : done(inv, inv_order_cancel(inv, p.id, available, "portdpctl"), p.id);
}
