// SPDX-License-Identifier: Apache-2.0
/*
 * portdpctl import: UPP files into the inventory, all in one transaction
 * (one fsync for a whole batch). A file that fails is reported and leaves
 * nothing behind; the others are kept.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include "portdpctl.h"

#define UPP_FILE_MAX (4u << 20) /* far above any real profile package */

static int read_upp(const char *path, uint8_t **buf, size_t *len, const char **why)
{
	struct stat sb;
	ssize_t n;
	int fd;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		*why = strerror(errno);
		return -errno;
	}
	if (fstat(fd, &sb) || !S_ISREG(sb.st_mode) || sb.st_size <= 0 ||
	    sb.st_size > UPP_FILE_MAX) {
		*why = "not a regular file of 1 byte .. 4 MiB";
		close(fd);
		return -EINVAL;
	}
	*buf = malloc(sb.st_size);
	if (!*buf) {
		close(fd);
		*why = strerror(ENOMEM);
		return -ENOMEM;
	}
	n = read(fd, *buf, sb.st_size);
	close(fd);
	if (n != sb.st_size) {
		free(*buf);
		*why = n < 0 ? strerror(errno) : "short read";
		return -EIO;
	}
	*len = sb.st_size;
	return 0;
}

static int parse_class(const char *s)
{
	if (!strcmp(s, "test"))
		return 0;
	if (!strcmp(s, "provisioning"))
		return 1;
	if (!strcmp(s, "operational"))
		return 2;
	return -1;
}

int cmd_import(struct inventory *inv, int argc, char **argv)
{
	static const struct option opts[] = {
	    {"sp", required_argument, NULL, 's'},
	    {"name", required_argument, NULL, 'n'},
	    {"class", required_argument, NULL, 'c'},
	    {"reuse", required_argument, NULL, 'r'},
	    {"cc", required_argument, NULL, 'C'},
	    {"matching-id", required_argument, NULL, 'm'},
	    {"owner", required_argument, NULL, 'o'},
	    {"profile-type", required_argument, NULL, 't'},
	    {NULL, 0, NULL, 0},
	};
	struct inv_import opt = {.profile_class = -1, .reuse = INV_REUSE_NEVER};
	struct inv_profile p;
	unsigned ok = 0, failed = 0;
	const char *why;
	uint8_t *upp = NULL;
	size_t len = 0;
	int c, i, err;

	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (c) {
		case 's':
			opt.sp_name = optarg;
			break;
		case 'n':
			opt.profile_name = optarg;
			break;
		case 'c':
			opt.profile_class = parse_class(optarg);
			if (opt.profile_class < 0)
				return ctl_error(EXIT_USAGE,
						 "--class: test, provisioning or"
						 " operational, not '%s'",
						 optarg);
			break;
		case 'r':
			if (!strcmp(optarg, "never"))
				opt.reuse = INV_REUSE_NEVER;
			else if (!strcmp(optarg, "after-delete"))
				opt.reuse = INV_REUSE_AFTER_DELETE;
			else
				return ctl_error(
				    EXIT_USAGE, "--reuse: never or after-delete, not '%s'", optarg);
			break;
		case 'C':
			opt.confirmation_code = optarg;
			break;
		case 'm':
			opt.matching_id = optarg;
			break;
		case 'o':
			opt.owner = optarg;
			break;
		case 't':
			opt.profile_type = optarg;
			break;
		default:
			return EXIT_USAGE;
		}
	}
	if (optind >= argc)
		return ctl_error(EXIT_USAGE, "import: no UPP files given");
	if (opt.matching_id && argc - optind > 1)
		return ctl_error(EXIT_USAGE, "--matching-id names one profile: give one file");

	if (inv_begin(inv))
		return ctl_error(EXIT_FAIL, "%s", inv_errmsg(inv));
	for (i = optind; i < argc; i++) {
		err = read_upp(argv[i], &upp, &len, &why);
		if (err) {
			ctl_error(EXIT_FAIL, "%s: %s", argv[i], why);
			failed++;
			continue;
		}
		err = inv_import(inv, upp, len, &opt, &p);
		free(upp);
		if (err) {
			ctl_error(EXIT_FAIL, "%s: not imported: %s", argv[i], inv_errmsg(inv));
			failed++;
			continue;
		}
		printf("%-20s %-24s %s\n", p.iccid, p.matching_id, argv[i]);
		ok++;
	}
	if (inv_commit(inv)) {
		ctl_error(EXIT_FAIL, "nothing imported: %s", inv_errmsg(inv));
		return EXIT_FAIL;
	}
	fprintf(stderr, "imported %u, failed %u\n", ok, failed);
	return failed ? EXIT_FAIL : EXIT_OK;
}
