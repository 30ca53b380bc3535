// SPDX-License-Identifier: Apache-2.0
/*
 * portdpctl card status: what the driver shows in sysfs (state, queue,
 * counters, per-command counts) next to what the card says through the
 * library (firmware, protocol, serial, capabilities). sysfs is read first so
 * that a card that does not answer is still described.
 */
#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "card.h"
#include "portdpctl.h"

/* The first line of sysfs attribute @dir/@name into @buf ("" if unreadable). */
static int read_attr(const char *dir, const char *name, char *buf, size_t size)
{
	char path[PATH_MAX];
	FILE *f;

	buf[0] = '\0';
	snprintf(path, sizeof(path), "%s/%s", dir, name);
	f = fopen(path, "re");
	if (!f)
		return -errno;
	if (!fgets(buf, (int)size, f))
		buf[0] = '\0';
	fclose(f);
	buf[strcspn(buf, "\n")] = '\0';
	return 0;
}

static int name_cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* counters/<command>, sorted, "name value" pairs four to a line. */
static void print_counters(const char *sysdir)
{
	char dir[PATH_MAX], val[32], *names[64];
	unsigned n = 0, i;
	struct dirent *e;
	DIR *d;

	snprintf(dir, sizeof(dir), "%s/counters", sysdir);
	d = opendir(dir);
	if (!d)
		return;
	while ((e = readdir(d)) && n < sizeof(names) / sizeof(names[0]))
		if (e->d_name[0] != '.' && (names[n] = strdup(e->d_name)))
			n++;
	closedir(d);
	qsort(names, n, sizeof(names[0]), name_cmp);
	printf("card commands:");
	for (i = 0; i < n; i++) {
		read_attr(dir, names[i], val, sizeof(val));
		printf("%s%s %s", i % 4 ? "  " : "\n  ", names[i], val[0] ? val : "?");
		free(names[i]);
	}
	putchar('\n');
}

static void print_caps(uint32_t caps)
{
	static const struct {
		uint32_t bit;
		const char *name;
	} names[] = {
	    {PDP_ACCEL_CAP_P256, "p256"},
	    {PDP_ACCEL_CAP_BP256R1, "bp256"},
	    {PDP_ACCEL_CAP_KEY_GENERATE, "keygen"},
	    {PDP_ACCEL_CAP_SIGN, "sign"},
	    {PDP_ACCEL_CAP_VERIFY, "verify"},
	    {PDP_ACCEL_CAP_SESSION, "session"},
	    {PDP_ACCEL_CAP_REPLACE_KEYS, "replace-keys"},
	    {PDP_ACCEL_CAP_ECDH, "ecdh"},
	    {PDP_ACCEL_CAP_RANDOM, "random"},
	    {PDP_ACCEL_CAP_ASYNC_QUEUE, "async-queue"},
	};
	unsigned i;

	printf("capabilities:");
	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (caps & names[i].bit)
			printf(" %s", names[i].name);
	putchar('\n');
}

int card_status(int argc, char **argv)
{
	static const char *const attrs[] = {
	    "state",	   "transport",	    "fw_version", "proto_version",  "serial",
	    "queue_depth", "inflight",	    "completed",  "errors",	    "timeouts",
	    "resets",	   "card_restarts", "key_slots",  "key_slots_used",
	};
	static const char *const link_attrs[] = {"link_speed", "link_plugs", "link_unplugs"};
	char sysdir[256], val[256];
	struct pdp_accel_info info;
	struct pdp_accel *accel;
	const char *base;
	struct card_args a;
	int st, err;
	unsigned i;

	st = card_parse_args(argc, argv, 0, 0, &a);
	if (st)
		return st;
	base = strrchr(a.dev, '/') + 1;
	snprintf(sysdir, sizeof(sysdir), "%s/%s", CARD_SYSFS_CLASS, base);
	printf("device: %s\n", a.dev);
	if (read_attr(sysdir, "state", val, sizeof(val))) {
		printf("sysfs: %s not found (driver not loaded?)\n", sysdir);
	} else {
		printf("sysfs: %s\n", sysdir);
		for (i = 0; i < sizeof(attrs) / sizeof(attrs[0]); i++) {
			err = read_attr(sysdir, attrs[i], val, sizeof(val));
			printf("  %-15s %s\n", attrs[i], err ? "(unreadable)" : val);
		}
		/* hot-pluggable links only (USB): the driver shows them there */
		for (i = 0; i < sizeof(link_attrs) / sizeof(link_attrs[0]); i++)
			if (!read_attr(sysdir, link_attrs[i], val, sizeof(val)))
				printf("  %-15s %s\n", link_attrs[i], val);
		print_counters(sysdir);
	}

	accel = card_open(&a);
	if (!accel)
		return EXIT_FAIL;
	err = pdp_accel_info(accel, &info);
	pdp_accel_close(accel);
	if (err)
		return ctl_error(EXIT_FAIL, "card %s: %s", a.dev, card_strerror(err));
	printf("library view (%s backend):\n", info.backend);
	printf("  firmware        %s %u.%u.%u\n", info.fw_name, info.fw_version >> 16,
	       (info.fw_version >> 8) & 0xff, info.fw_version & 0xff);
	printf("  protocol        %u (major)\n", info.proto_version);
	printf("  serial          ");
	for (i = 0; i < sizeof(info.serial); i++)
		printf("%02x", info.serial[i]);
	printf("\n  key slots       %u used of %u\n", info.key_slots_used, info.key_slots);
	printf("  sessions        %u at once\n", info.max_sessions);
	printf("  queue depth     %u\n", info.queue_depth);
	printf("  AF_ALG          cbc(aes) %s, cmac(aes) %s\n", info.af_alg_cbc ? "yes" : "no",
	       info.af_alg_cmac ? "yes" : "no");
	printf("  ");
	print_caps(info.caps);
	return EXIT_OK;
}
