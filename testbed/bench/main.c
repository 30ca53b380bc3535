// SPDX-License-Identifier: Apache-2.0
/*
 * portdp-bench: the binding benchmark of Port-DP+.
 *   portdp-bench setup --dir D --profiles N --euiccs K
 *   portdp-bench run --dir D --concurrency C --duration S [...]
 * See bench.h for the bench directory.
 */
#include "bench.h"

#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <string.h>
#include <unistd.h>

int bench_bin_path(const char *name, char *buf, size_t len)
{
	char exe[PATH_MAX];
	ssize_t n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
	char *slash;

	if (n <= 0)
		return -errno;
	exe[n] = '\0';
	slash = strrchr(exe, '/');
	if (!slash)
		return -ENOENT;
	slash[1] = '\0';
	if ((size_t)snprintf(buf, len, "%s%s", exe, name) >= len)
		return -ENAMETOOLONG;
	return 0;
}

int bench_path(char *buf, size_t len, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(buf, len, fmt, ap);
	va_end(ap);
	return n < 0 || (size_t)n >= len ? -ENAMETOOLONG : 0;
}

static void usage(FILE *f)
{
	fprintf(
	    f, "usage: portdp-bench setup --dir D --profiles N --euiccs K [--db-sync full|normal]\n"
	       "       portdp-bench run --dir D --concurrency C --duration S [--workers W |\n"
	       "                    --connect HOST:PORT [--server-pid PID]] [--threads T]\n"
	       "                    [--csv FILE] [--default-smdp] [--keep-profiles] "
	       "[--verify-every N]\n"
	       "                    [--crash-ok] [--connection per-call|per-binding|keep-alive|all]\n"
	       "                    [--floor] [--portdpd PATH]\n"
	       "       portdp-bench COMMAND --help\n");
}

int main(int argc, char **argv)
{
	if (argc < 2) {
		usage(stderr);
		return 2;
	}
	if (!strcmp(argv[1], "setup"))
		return bench_setup(argc - 1, argv + 1);
	if (!strcmp(argv[1], "run"))
		return bench_run(argc - 1, argv + 1);
	if (!strcmp(argv[1], "-h") || !strcmp(argv[1], "--help")) {
		usage(stdout);
		return 0;
	}
	usage(stderr);
	return 2;
}
