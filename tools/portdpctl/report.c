// SPDX-License-Identifier: Apache-2.0
/* portdpctl list, show and audit: reading the inventory for an operator. */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "portdpctl.h"

static const char *class_name(int c)
{
	static const char *const names[] = {"test", "provisioning", "operational"};

	return c >= 0 && c <= 2 ? names[c] : "?";
}

static int list_row(const struct inv_profile *p, void *arg)
{
	++*(unsigned *)arg;
	printf("%-20s %-10s %-24s %-32s %-12s %s\n", p->iccid, inv_state_name(p->state),
	       p->matching_id, p->eid[0] ? p->eid : "-", class_name(p->profile_class),
	       p->profile_name);
	return 0;
}

int cmd_list(struct inventory *inv, int argc, char **argv)
{
	static const struct option opts[] = {
	    {"state", required_argument, NULL, 's'},
	    {NULL, 0, NULL, 0},
	};
	enum inv_state s;
	unsigned n = 0;
	int c, state = -1;

	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		if (c != 's')
			return EXIT_USAGE;
		if (inv_state_parse(optarg, &s))
			return ctl_error(EXIT_USAGE,
					 "--state: available, allocated, downloaded,"
					 " installed, deleted or error, not '%s'",
					 optarg);
		state = s;
	}
	if (optind != argc)
		return ctl_error(EXIT_USAGE, "list: unexpected argument '%s'", argv[optind]);
	printf("%-20s %-10s %-24s %-32s %-12s %s\n", "ICCID", "STATE", "MATCHING ID", "EID",
	       "CLASS", "NAME");
	if (inv_list(inv, state, list_row, &n))
		return ctl_error(EXIT_FAIL, "%s", inv_errmsg(inv));
	fprintf(stderr, "%u profile%s\n", n, n == 1 ? "" : "s");
	return EXIT_OK;
}

static void print_hex(const uint8_t *b, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		printf("%02X", b[i]);
}

static const char *fmt_time(int64_t t, char *buf, size_t size)
{
	time_t tt = (time_t)t;
	struct tm tm;

	if (!gmtime_r(&tt, &tm) || !strftime(buf, size, "%Y-%m-%dT%H:%M:%SZ", &tm))
		snprintf(buf, size, "%" PRId64, t);
	return buf;
}

int cmd_show(struct inventory *inv, int argc, char **argv)
{
	struct inv_profile p;
	char tbuf[32];
	int status;

	if (argc != 2)
		return ctl_error(EXIT_USAGE, "show: give one ICCID or matching ID");
	status = ctl_find_profile(inv, argv[1], &p);
	if (status)
		return status;
	printf("id:               %" PRId64 "\n", p.id);
	printf("iccid:            %s\n", p.iccid);
	printf("matching_id:      %s\n", p.matching_id);
	printf("state:            %s\n", inv_state_name(p.state));
	printf("service_provider: %s\n", p.sp_name);
	printf("profile_name:     %s\n", p.profile_name);
	printf("profile_class:    %s\n", class_name(p.profile_class));
	printf("reuse:            %s\n",
	       p.reuse == INV_REUSE_AFTER_DELETE ? "after-delete" : "never");
	printf("confirmation:     %s\n", p.cc_required ? "required" : "none");
	printf("upp_bytes:        %zu\n", p.upp_len);
	printf("owner:            %s\n", p.owner[0] ? p.owner : "- (direct stock)");
	printf("profile_type:     %s\n", p.profile_type[0] ? p.profile_type : "-");
	printf("order:            %s\n", inv_order_name(p.order));
	printf("order_eid:        %s\n", p.order_eid[0] ? p.order_eid : "-");
	printf("eid:              %s\n", p.eid[0] ? p.eid : "-");
	printf("transaction_id:   ");
	if (p.transaction_id_len)
		print_hex(p.transaction_id, p.transaction_id_len);
	else
		printf("-");
	printf("\n");
	if (p.state == INV_ALLOCATED)
		printf("deadline:         %s\n", fmt_time(p.deadline, tbuf, sizeof(tbuf)));
	return EXIT_OK;
}

static int audit_row(const struct inv_audit *a, void *arg)
{
	char tbuf[32];

	(void)arg;
	printf("%-6" PRId64 " %s %-20s %-10s -> %-10s %-32s %-10s %s\n", a->seq,
	       fmt_time(a->time, tbuf, sizeof(tbuf)), a->iccid, a->from, a->to,
	       a->eid[0] ? a->eid : "-", a->actor, a->detail);
	return 0;
}

int cmd_audit(struct inventory *inv, int argc, char **argv)
{
	static const struct option opts[] = {
	    {"since", required_argument, NULL, 's'},
	    {NULL, 0, NULL, 0},
	};
	long long since = 0;
	char *end;
	int c;

	if (argc > 1 && (!strcmp(argv[1], "verify") || !strcmp(argv[1], "export") ||
			 !strcmp(argv[1], "checkpoint")))
		return cmd_audit_chain(inv, argc - 1, argv + 1);
	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		if (c != 's')
			return EXIT_USAGE;
		errno = 0;
		since = strtoll(optarg, &end, 10);
		if (errno || end == optarg || *end || since < 0)
			return ctl_error(EXIT_USAGE, "--since: a sequence number, not '%s'",
					 optarg);
	}
	if (optind != argc)
		return ctl_error(EXIT_USAGE, "audit: unexpected argument '%s'", argv[optind]);
	printf("%-6s %-20s %-20s %-10s    %-10s %-32s %-10s %s\n", "SEQ", "TIME", "ICCID", "FROM",
	       "TO", "EID", "ACTOR", "DETAIL");
	if (inv_audit(inv, since, audit_row, NULL))
		return ctl_error(EXIT_FAIL, "%s", inv_errmsg(inv));
	return EXIT_OK;
}
