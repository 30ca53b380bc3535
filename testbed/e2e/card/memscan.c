// SPDX-License-Identifier: Apache-2.0
/*
 * portdp-memscan: look for byte strings (one hex string a line in NEEDLES) in the memory
 * of a running process (/proc/PID/maps + /proc/PID/mem, every readable mapping) or in
 * files (-f). Prints each needle found and where; exits 0 when none is found, 1 when
 * some is, 2 on an error (a process that cannot be read is an error, not "clean").
 * For the guest tests, which have no python or gdb.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>
#include <unistd.h>

#define MAX_NEEDLES 256
#define MAX_NEEDLE 128

static unsigned char needle[MAX_NEEDLES][MAX_NEEDLE];
static size_t needle_len[MAX_NEEDLES], n_needles;
static unsigned long found_mask[MAX_NEEDLES];

static int load_needles(const char *path)
{
	FILE *f = fopen(path, "r");
	char line[2 * MAX_NEEDLE + 8];

	if (!f)
		return -1;
	while (n_needles < MAX_NEEDLES && fgets(line, sizeof(line), f)) {
		size_t i, len = strcspn(line, "\r\n");

		if (!len || len % 2 || len / 2 > MAX_NEEDLE)
			continue;
		for (i = 0; i < len / 2; i++) {
			unsigned v;

			if (sscanf(line + 2 * i, "%2x", &v) != 1)
				break;
			needle[n_needles][i] = (unsigned char)v;
		}
		if (i == len / 2)
			needle_len[n_needles++] = len / 2;
	}
	fclose(f);
	return n_needles ? 0 : -1;
}

/* Report every needle in @buf (@what: where it came from). */
static int scan(const unsigned char *buf, size_t len, const char *what)
{
	size_t i;
	int hits = 0;

	for (i = 0; i < n_needles; i++)
		if (memmem(buf, len, needle[i], needle_len[i])) {
			if (!found_mask[i]++)
				printf("found needle %zu in %s\n", i, what);
			hits++;
		}
	return hits;
}

static int scan_file(const char *path)
{
	FILE *f = fopen(path, "rb");
	unsigned char *buf = NULL;
	size_t len = 0, cap = 0, n;
	int hits;

	if (!f)
		return -1;
	do {
		if (len == cap && !(buf = realloc(buf, cap = cap ? 2 * cap : 65536)))
			return -1;
		n = fread(buf + len, 1, cap - len, f);
		len += n;
	} while (n);
	fclose(f);
	hits = scan(buf, len, path);
	free(buf);
	return hits;
}

static int scan_pid(const char *pid)
{
	char path[64], line[512];
	FILE *maps;
	int mem, hits = 0;
	unsigned long regions = 0, bytes = 0;

	snprintf(path, sizeof(path), "/proc/%s/maps", pid);
	maps = fopen(path, "r");
	snprintf(path, sizeof(path), "/proc/%s/mem", pid);
	mem = open(path, O_RDONLY);
	if (!maps || mem < 0)
		return -1;
	while (fgets(line, sizeof(line), maps)) {
		unsigned long lo, hi;
		char perms[8];
		unsigned char *buf;
		ssize_t got;

		if (sscanf(line, "%lx-%lx %7s", &lo, &hi, perms) != 3 || perms[0] != 'r')
			continue;
		if (strstr(line, "[vvar]") || strstr(line, "[vsyscall]"))
			continue;
		buf = malloc(hi - lo);
		if (!buf)
			return -1;
		got = pread(mem, buf, hi - lo, (off_t)lo);
		if (got > 0) {
			regions++;
			bytes += (unsigned long)got;
			hits += scan(buf, (size_t)got, line);
		}
		free(buf);
	}
	fclose(maps);
	close(mem);
	fprintf(stderr, "portdp-memscan: pid %s: %lu regions, %lu bytes read\n", pid, regions,
		bytes);
	return regions ? hits : -1;
}

int main(int argc, char **argv)
{
	int i, hits = 0, r;

	if (argc < 3 || load_needles(argv[1])) {
		fprintf(stderr, "usage: portdp-memscan NEEDLES.hex PID | -f FILE...\n");
		return 2;
	}
	if (!strcmp(argv[2], "-f")) {
		for (i = 3; i < argc; i++) {
			r = scan_file(argv[i]);
			if (r < 0)
				return 2;
			hits += r;
		}
	} else {
		hits = scan_pid(argv[2]);
		if (hits < 0) {
			fprintf(stderr, "portdp-memscan: cannot read pid %s: %s\n", argv[2],
				strerror(errno));
			return 2;
		}
	}
	return hits ? 1 : 0;
}
