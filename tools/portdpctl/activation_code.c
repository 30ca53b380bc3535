// SPDX-License-Identifier: Apache-2.0
/*
 * Activation codes (SGP.22 4.1): "1$<SM-DP+ address>$<matching ID>", with
 * "$<SM-DP+ OID>$1" appended when a confirmation code is required (the OID
 * left empty here), and "LPA:" in front when the code is shown as a QR.
 * The command `ac` prints it, draws it in the terminal and/or writes a PNG.
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "portdpctl.h"

int ac_valid_host(const char *host)
{
	const char *colon = strchr(host, ':');
	size_t n = colon ? (size_t)(colon - host) : strlen(host);
	size_t i, label = 0;

	if (n < 1 || n > 253)
		return 0;
	for (i = 0; i < n; i++) {
		char c = host[i];

		if (c == '.') {
			if (!label || host[i - 1] == '-')
				return 0;
			label = 0;
		} else if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
			   (c >= '0' && c <= '9') || (c == '-' && label)) {
			if (++label > 63)
				return 0;
		} else {
			return 0;
		}
	}
	if (!label || host[n - 1] == '-')
		return 0;
	if (colon) {
		char *end;
		long port = strtol(colon + 1, &end, 10);

		if (!colon[1] || *end || port < 1 || port > 65535 || colon[1] == '0' ||
		    colon[1] == '+' || colon[1] == '-')
			return 0;
	}
	return 1;
}

int ac_format(const struct inv_profile *p, const char *host, char *out, size_t size)
{
	int n =
	    snprintf(out, size, "LPA:1$%s$%s%s", host, p->matching_id, p->cc_required ? "$$1" : "");

	return n < 0 || (size_t)n >= size ? -ENOSPC : 0;
}

int cmd_ac(struct inventory *inv, int argc, char **argv)
{
	static const struct option opts[] = {
	    {"host", required_argument, NULL, 'H'},
	    {"qr", no_argument, NULL, 'q'},
	    {"png", required_argument, NULL, 'p'},
	    {NULL, 0, NULL, 0},
	};
	const char *host = NULL, *png = NULL, *name;
	struct inv_profile p;
	char ac[512];
	int c, qr = 0, status, err;

	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (c) {
		case 'H':
			host = optarg;
			break;
		case 'q':
			qr = 1;
			break;
		case 'p':
			png = optarg;
			break;
		default:
			return EXIT_USAGE;
		}
	}
	if (optind != argc - 1)
		return ctl_error(EXIT_USAGE, "ac: give one ICCID or matching ID");
	name = argv[optind];
	if (!host)
		return ctl_error(EXIT_USAGE, "ac: --host SMDP_ADDRESS is required");
	if (!ac_valid_host(host))
		return ctl_error(EXIT_USAGE,
				 "--host: '%s' is not an SM-DP+ address"
				 " (host name with optional :port)",
				 host);
	status = ctl_find_profile(inv, name, &p);
	if (status)
		return status;
	if (p.state != INV_AVAILABLE)
		fprintf(stderr, "portdpctl: note: profile %s is %s, not available\n", p.iccid,
			inv_state_name(p.state));
	if (ac_format(&p, host, ac, sizeof(ac)))
		return ctl_error(EXIT_FAIL, "activation code too long");
	printf("%s\n", ac);
	if (qr) {
		err = qr_print_terminal(ac, stdout);
		if (err)
			return ctl_error(EXIT_FAIL, "QR code: %s", strerror(-err));
	}
	if (png) {
		err = qr_write_png(ac, png);
		if (err)
			return ctl_error(EXIT_FAIL, "%s: %s", png, strerror(-err));
	}
	return EXIT_OK;
}
