// SPDX-License-Identifier: Apache-2.0
/*
 * "operator add|list|pause|resume": who may order through ES2+. An operator is named by the
 * subject of its TLS client certificate (read from its PEM chain: the first certificate),
 * spelled exactly as portdpd's ES2+ listener reads it (x509_subject.h).
 */
#include <getopt.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <openssl/pem.h>
#include "portdpctl.h"
#include "x509_subject.h"

static int subject_of_pem(const char *path, char *out, size_t size)
{
	FILE *f = fopen(path, "r");
	X509 *x;
	int err;

	if (!f)
		return ctl_error(EXIT_FAIL, "%s: cannot open", path);
	x = PEM_read_X509(f, NULL, NULL, NULL);
	fclose(f);
	if (!x)
		return ctl_error(EXIT_FAIL, "%s: no PEM certificate", path);
	err = inv_x509_subject(x, out, size);
	X509_free(x);
	return err ? ctl_error(EXIT_FAIL, "%s: subject too long", path) : EXIT_OK;
}

static int op_add(struct inventory *inv, int argc, char **argv)
{
	static const struct option opts[] = {
	    {"cert", required_argument, NULL, 'c'},
	    {"subject", required_argument, NULL, 's'},
	    {"url", required_argument, NULL, 'u'},
	    {NULL, 0, NULL, 0},
	};
	struct inv_operator op = {0};
	const char *cert = NULL, *subject = NULL, *url = "";
	int c, st;

	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		if (c == 'c')
			cert = optarg;
		else if (c == 's')
			subject = optarg;
		else if (c == 'u')
			url = optarg;
		else
			return EXIT_USAGE;
	}
	if (optind + 1 != argc || !cert == !subject)
		return ctl_error(EXIT_USAGE,
				 "operator add NAME (--cert CHAIN.pem | --subject DN) [--url URL]");
	if (strlen(argv[optind]) >= sizeof(op.name) || strlen(url) >= sizeof(op.callback_url) ||
	    (subject && strlen(subject) >= sizeof(op.subject)))
		return ctl_error(EXIT_USAGE, "name, subject or URL too long");
	strcpy(op.name, argv[optind]);
	strcpy(op.callback_url, url);
	if (cert) {
		st = subject_of_pem(cert, op.subject, sizeof(op.subject));
		if (st)
			return st;
	} else {
		strcpy(op.subject, subject);
	}
	if (inv_operator_add(inv, &op))
		return ctl_error(EXIT_FAIL, "%s", inv_errmsg(inv));
	printf("%s\t%s\t%s\n", op.name, op.subject, op.callback_url);
	return EXIT_OK;
}

static int print_op(const struct inv_operator *op, void *arg)
{
	(void)arg;
	printf("%-16s %-7s %-40s %s\n", op->name, op->paused ? "paused" : "active",
	       op->callback_url[0] ? op->callback_url : "-", op->subject);
	return 0;
}

int cmd_operator(struct inventory *inv, int argc, char **argv)
{
	const char *sub = argc > 1 ? argv[1] : "";

	if (!strcmp(sub, "add"))
		return op_add(inv, argc - 1, argv + 1);
	if (!strcmp(sub, "list") && argc == 2) {
		printf("%-16s %-7s %-40s %s\n", "NAME", "QUEUE", "CALLBACK", "SUBJECT");
		return inv_operator_list(inv, print_op, NULL)
			   ? ctl_error(EXIT_FAIL, "%s", inv_errmsg(inv))
			   : EXIT_OK;
	}
	if ((!strcmp(sub, "pause") || !strcmp(sub, "resume")) && argc == 3) {
		if (inv_operator_set_paused(inv, argv[2], !strcmp(sub, "pause")))
			return ctl_error(EXIT_FAIL, "%s", inv_errmsg(inv));
		return EXIT_OK;
	}
	return ctl_error(EXIT_USAGE, "operator add|list|pause NAME|resume NAME");
}

static int print_queue(const char *op, unsigned pending, int64_t oldest, int paused, void *arg)
{
	int64_t now = *(int64_t *)arg;

	printf("%-16s %-7s %7u %10lld\n", op, paused ? "paused" : "active", pending,
	       pending ? (long long)(now - oldest) : 0LL);
	return 0;
}

/* "queue [pause NAME | resume NAME]": the progress reports waiting per operator. */
int cmd_queue(struct inventory *inv, int argc, char **argv)
{
	int64_t now = time(NULL);

	if (argc == 3 && (!strcmp(argv[1], "pause") || !strcmp(argv[1], "resume"))) {
		if (inv_operator_set_paused(inv, argv[2], !strcmp(argv[1], "pause")))
			return ctl_error(EXIT_FAIL, "%s", inv_errmsg(inv));
		return EXIT_OK;
	}
	if (argc != 1)
		return ctl_error(EXIT_USAGE, "queue [pause NAME | resume NAME]");
	printf("%-16s %-7s %7s %10s\n", "OPERATOR", "QUEUE", "PENDING", "OLDEST_S");
	if (inv_progress_stats(inv, print_queue, &now))
		return ctl_error(EXIT_FAIL, "%s", inv_errmsg(inv));
	return EXIT_OK;
}
