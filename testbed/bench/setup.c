// SPDX-License-Identifier: Apache-2.0
/*
 * portdp-bench setup: a bench directory from nothing. Test PKI through
 * portdp-pki, one identity dir per eUICC, portdpd.conf, and an inventory of
 * N synthetic profiles (TS.48 UPPs with fresh ICCIDs) imported in one
 * transaction. Refuses a directory that already holds an inventory.
 */
#include "bench.h"

#include <dirent.h>
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "inventory.h"
#include "x509_subject.h"
#include <openssl/pem.h>

#define SMDP_HOST "testsmdpplus1.example.com"
#define MAX_TEMPLATES 64
#define MAX_UPP (1u << 20)

struct setup_args {
	const char *dir, *ts48;
	unsigned long profiles, euiccs, es2;
	bool sync_full;
};

struct tmpl {
	uint8_t *upp;
	size_t len;
	char name[256];
};

static void usage(FILE *f)
{
	fprintf(
	    f, "usage: portdp-bench setup --dir D --profiles N --euiccs K [--db-sync full|normal]\n"
	       "                           [--ts48 DIR] [--es2 M]\n"
	       "  --ts48 DIR   TS.48 UPPs (default $SHARED/testdata/ts48)\n"
	       "  --es2 M      also M profiles of operator benchop for run --es2 (ES2+ orders\n"
	       "               and progress reports; operator PKI from portdp-pki --operator)\n");
}

static int parse_ul(const char *s, unsigned long max, unsigned long *out)
{
	char *end;

	errno = 0;
	if (*s < '0' || *s > '9')
		return -EINVAL;
	*out = strtoul(s, &end, 10);
	return errno || *end || *out == 0 || *out > max ? -EINVAL : 0;
}

static int parse_args(int argc, char **argv, struct setup_args *a)
{
	static const struct option opts[] = {
	    {"dir", required_argument, NULL, 'd'},
	    {"profiles", required_argument, NULL, 'n'},
	    {"euiccs", required_argument, NULL, 'k'},
	    {"db-sync", required_argument, NULL, 's'},
	    {"ts48", required_argument, NULL, 't'},
	    {"es2", required_argument, NULL, 'E'},
	    {"help", no_argument, NULL, 'h'},
	    {},
	};
	int c;

	a->sync_full = true;
	while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (c) {
		case 'd':
			a->dir = optarg;
			break;
		case 'n':
			if (parse_ul(optarg, 10000000, &a->profiles)) {
				fprintf(stderr, "portdp-bench: --profiles must be 1..10000000\n");
				return -EINVAL;
			}
			break;
		case 'k':
			if (parse_ul(optarg, 100000, &a->euiccs)) {
				fprintf(stderr, "portdp-bench: --euiccs must be 1..100000\n");
				return -EINVAL;
			}
			break;
		case 's':
			if (strcmp(optarg, "full") && strcmp(optarg, "normal")) {
				fprintf(stderr, "portdp-bench: --db-sync must be full or normal\n");
				return -EINVAL;
			}
			a->sync_full = !strcmp(optarg, "full");
			break;
		case 't':
			a->ts48 = optarg;
			break;
		case 'E':
			if (parse_ul(optarg, 10000000, &a->es2)) {
				fprintf(stderr, "portdp-bench: --es2 must be 1..10000000\n");
				return -EINVAL;
			}
			break;
		case 'h':
			usage(stdout);
			exit(0);
		default:
			usage(stderr);
			return -EINVAL;
		}
	}
	if (optind != argc || !a->dir || !a->profiles || !a->euiccs) {
		usage(stderr);
		return -EINVAL;
	}
	if (a->dir && strlen(a->dir) > BENCH_DIR_MAX) {
		fprintf(stderr, "portdp-bench: --dir longer than %d characters\n", BENCH_DIR_MAX);
		return -EINVAL;
	}
	return 0;
}

static int read_file(const char *path, uint8_t **out, size_t *len)
{
	FILE *f = fopen(path, "rb");
	uint8_t *buf;
	size_t n;

	if (!f)
		return -errno;
	buf = malloc(MAX_UPP + 1);
	if (!buf) {
		fclose(f);
		return -ENOMEM;
	}
	n = fread(buf, 1, MAX_UPP + 1, f);
	fclose(f);
	if (n == 0 || n > MAX_UPP) {
		free(buf);
		return -EFBIG;
	}
	*out = buf;
	*len = n;
	return 0;
}

static int cmp_name(const void *a, const void *b)
{
	return strcmp(((const struct tmpl *)a)->name, ((const struct tmpl *)b)->name);
}

/* Every *.der of @dir that upp_set_iccid() can rewrite; sorted, so a setup is repeatable. */
static int load_templates(const char *dir, struct tmpl *t, unsigned *n)
{
	DIR *dp = opendir(dir);
	struct dirent *d;
	char path[PATH_MAX];

	*n = 0;
	if (!dp) {
		fprintf(stderr, "portdp-bench: %s: %s\n", dir, strerror(errno));
		return -errno;
	}
	while ((d = readdir(dp)) && *n < MAX_TEMPLATES) {
		size_t l = strlen(d->d_name);
		struct tmpl *x = &t[*n];

		if (l < 5 || strcmp(d->d_name + l - 4, ".der") || l >= sizeof(x->name))
			continue;
		bench_path(path, sizeof(path), "%s/%s", dir, d->d_name);
		if (read_file(path, &x->upp, &x->len))
			continue;
		memcpy(x->name, d->d_name, l + 1);
		(*n)++;
	}
	closedir(dp);
	qsort(t, *n, sizeof(*t), cmp_name);
	if (!*n) {
		fprintf(stderr, "portdp-bench: no *.der UPP in %s\n", dir);
		return -ENOENT;
	}
	return 0;
}

static int run_pki(const char *dir, unsigned long euiccs, bool operators)
{
	char pki[PATH_MAX], bin[PATH_MAX], n[32];
	int status;
	pid_t pid;

	if (bench_bin_path("portdp-pki", bin, sizeof(bin)))
		return -ENOENT;
	bench_path(pki, sizeof(pki), "%s/pki", dir);
	snprintf(n, sizeof(n), "%lu", euiccs);
	pid = fork();
	if (pid < 0)
		return -errno;
	if (pid == 0) {
		if (!freopen("/dev/null", "w", stdout))
			_exit(127);
		if (operators)
			execl(bin, "portdp-pki", "-n", n, "--operator", "benchop", pki,
			      (char *)NULL);
		else
			execl(bin, "portdp-pki", "-n", n, pki, (char *)NULL);
		_exit(127);
	}
	if (waitpid(pid, &status, 0) < 0 || !WIFEXITED(status) || WEXITSTATUS(status)) {
		fprintf(stderr, "portdp-bench: %s -n %s %s failed\n", bin, n, pki);
		return -EIO;
	}
	return 0;
}

/* euiccs/NNNNN/{euicc.der,euicc-key.pem,eum.der,ci.der}: what the soft eUICC opens. */
static int make_identities(const char *dir, unsigned long want)
{
	char list[PATH_MAX], line[128], path[PATH_MAX], target[PATH_MAX];
	unsigned long i = 0;
	FILE *f;

	bench_path(path, sizeof(path), "%s/euiccs", dir);
	if (mkdir(path, 0700))
		return -errno;
	bench_path(list, sizeof(list), "%s/pki/euicc/list.txt", dir);
	f = fopen(list, "r");
	if (!f)
		return -errno;
	while (fgets(line, sizeof(line), f)) {
		static const char *const link[][2] = {
		    {"euicc/%s.der", "euicc.der"},
		    {"euicc/%s-key.pem", "euicc-key.pem"},
		    {"eum.der", "eum.der"},
		    {"ci.der", "ci.der"},
		};

		line[strcspn(line, "\r\n")] = '\0';
		if (strlen(line) != 32)
			continue;
		bench_path(path, sizeof(path), "%s/euiccs/%05lu", dir, i);
		if (mkdir(path, 0700))
			break;
		for (unsigned k = 0; k < 4; k++) {
			char rel[128], dst[PATH_MAX];

			snprintf(rel, sizeof(rel), link[k][0], line);
			bench_path(target, sizeof(target), "../../pki/%s", rel);
			bench_path(dst, sizeof(dst), "%s/%s", path, link[k][1]);
			if (symlink(target, dst)) {
				fclose(f);
				return -errno;
			}
		}
		i++;
	}
	fclose(f);
	if (i != want) {
		fprintf(stderr, "portdp-bench: %s names %lu eUICCs, wanted %lu\n", list, i, want);
		return -EIO;
	}
	return 0;
}

static int write_conf(const char *dir, const char *abs, bool sync_full, bool es2)
{
	char path[PATH_MAX];
	FILE *f;

	bench_path(path, sizeof(path), "%s/portdpd.conf", dir);
	f = fopen(path, "wx");
	if (!f)
		return -errno;
	fprintf(f,
		"# portdp-bench setup; portdp-bench run overrides port and workers\n"
		"listen = 127.0.0.1\nport = 8443\nsmdp_address = %s\n"
		"tls_cert = %s/pki/dptls-chain.pem\ntls_key = file:%s/pki/dptls-key.pem\n"
		"accel = soft:\n"
		"dpauth_cert = %s/pki/dpauth.der\ndpauth_key = file:%s/pki/dpauth-key.pem\n"
		"dppb_cert = %s/pki/dppb.der\ndppb_key = file:%s/pki/dppb-key.pem\n"
		"ci_cert = %s/pki/ci.der\ndb = %s/inventory.db\ndb_sync = %s\n"
		"session_timeout = 300\n"
		"# every bench connection comes from 127.0.0.1: no per-address cap below max_conns\n"
		"max_conns_per_ip = 4096\n",
		SMDP_HOST, abs, abs, abs, abs, abs, abs, abs, abs, sync_full ? "full" : "normal");
	if (es2)
		fprintf(f,
			"# ES2+ (run --es2 passes --es2-port) and progress reports to benchop\n"
			"es2_client_ca = %s/pki/operators/opca.pem\n"
			"progress_cert = %s/pki/operators/unit.pem\n"
			"progress_key = %s/pki/operators/unit-key.pem\n"
			"progress_ca = %s/pki/operators/opca.pem\n"
			"progress_retry_max = 1\n",
			abs, abs, abs, abs);
	return fclose(f) ? -errno : 0;
}

static int import_profiles(const char *dir, unsigned long n, struct tmpl *t, unsigned nt,
			   bool sync_full, unsigned long es2)
{
	char path[PATH_MAX], msg[256], iccid[21], mid[INV_MATCHING_ID_MAX];
	struct inventory *inv;
	uint8_t *buf;
	uint64_t t0 = mono_ns();
	int ret;

	/* The stock key where portdpd looks by default (<db>.stock-key), made 0600. */
	bench_path(path, sizeof(path), "%s/inventory.db" INV_STOCK_KEY_SUFFIX, dir);
	ret = inv_stock_key_load(path, 1, msg, sizeof(msg));
	if (ret) {
		fprintf(stderr, "portdp-bench: %s\n", msg);
		return ret;
	}
	bench_path(path, sizeof(path), "%s/inventory.db", dir);
	ret = inv_open_err(path, sync_full, &inv, msg, sizeof(msg));
	if (ret) {
		fprintf(stderr, "portdp-bench: %s: %s\n", path, msg);
		return ret;
	}
	inv_set_actor(inv, "portdp-bench");
	buf = malloc(MAX_UPP);
	ret = buf ? inv_begin(inv) : -ENOMEM;
	if (!ret && es2) {
		struct inv_operator op = {.name = "benchop"};
		char cert[PATH_MAX];
		FILE *f;
		X509 *x;

		/* The operator's subject, as portdpd's ES2+ listener will read it. */
		bench_path(cert, sizeof(cert), "%s/pki/operators/benchop.pem", dir);
		f = fopen(cert, "r");
		x = f ? PEM_read_X509(f, NULL, NULL, NULL) : NULL;
		if (f)
			fclose(f);
		ret = x ? inv_x509_subject(x, op.subject, sizeof(op.subject)) : -EIO;
		X509_free(x);
		if (!ret)
			ret = inv_operator_add(inv, &op);
		if (ret)
			fprintf(stderr, "portdp-bench: operator benchop: %s\n", inv_errmsg(inv));
	}
	for (unsigned long i = 0; i < n + es2 && !ret; i++) {
		const struct tmpl *x = &t[i % nt];
		struct inv_import opt = {.matching_id = i < n ? mid : NULL,
					 .sp_name = "Port-DP Bench",
					 .profile_class = -1,
					 .reuse = INV_REUSE_NEVER,
					 .owner = i < n ? NULL : "benchop",
					 .profile_type = i < n ? NULL : "bench"};

		snprintf(mid, sizeof(mid), BENCH_MID_FMT, (unsigned)(i + 1));
		bench_iccid(i + 1, iccid);
		memcpy(buf, x->upp, x->len);
		ret = upp_set_iccid(buf, x->len, iccid);
		if (ret) {
			fprintf(stderr, "portdp-bench: %s: cannot set ICCID %s: %s\n", x->name,
				iccid, strerror(-ret));
			break;
		}
		ret = inv_import(inv, buf, x->len, &opt, NULL);
		if (ret)
			fprintf(stderr, "portdp-bench: import %s (ICCID %s): %s\n", mid, iccid,
				ret == -EIO ? inv_errmsg(inv) : strerror(-ret));
	}
	if (!ret)
		ret = inv_commit(inv);
	else if (buf)
		inv_rollback(inv);
	free(buf);
	if (!ret)
		printf("inventory: %lu profiles (+%lu of operator benchop) from %u TS.48 templates "
		       "imported in %.2f s (one transaction)\n",
		       n, es2, nt, (double)(mono_ns() - t0) / 1e9);
	inv_close(inv);
	return ret;
}

static const char *default_ts48(char *buf, size_t len)
{
	const char *shared = getenv("SHARED");
	char exe[PATH_MAX];

	if (shared && *shared) {
		bench_path(buf, len, "%s/testdata/ts48", shared);
		return buf;
	}
	/* build/bin/portdp-bench -> the repository's own testdata/ */
	if (bench_bin_path("", exe, sizeof(exe)))
		return NULL;
	bench_path(buf, len, "%s../../testdata/ts48", exe);
	return buf;
}

int bench_setup(int argc, char **argv)
{
	struct setup_args a = {0};
	struct tmpl t[MAX_TEMPLATES] = {0};
	char ts48[PATH_MAX], abs[PATH_MAX], path[PATH_MAX];
	unsigned nt = 0;
	struct stat st;
	int ret;

	if (parse_args(argc, argv, &a))
		return 2;
	if (!a.ts48 && !(a.ts48 = default_ts48(ts48, sizeof(ts48))))
		return 1;
	for (unsigned i = 0; i < 2; i++) {
		bench_path(path, sizeof(path), "%s/%s", a.dir, i ? "pki" : "inventory.db");
		if (!stat(path, &st)) {
			fprintf(stderr, "portdp-bench: %s exists; set up in a new directory\n",
				path);
			return 1;
		}
	}
	/* Templates first: a bad --ts48 must leave no half-made directory behind. */
	ret = load_templates(a.ts48, t, &nt);
	if (ret)
		return 1;
	/* A trial rewrite on a copy proves each template has both ICCID places. */
	for (unsigned i = 0; i < nt; i++) {
		uint8_t *copy = malloc(t[i].len);
		char iccid[21];

		bench_iccid(1, iccid);
		if (copy)
			memcpy(copy, t[i].upp, t[i].len);
		if (!copy || upp_set_iccid(copy, t[i].len, iccid)) {
			fprintf(stderr,
				"portdp-bench: %s/%s: no ProfileHeader + EF.ICCID to rewrite\n",
				a.ts48, t[i].name);
			free(copy);
			ret = -EBADMSG;
			goto out;
		}
		free(copy);
	}
	if (mkdir(a.dir, 0700) && errno != EEXIST) {
		fprintf(stderr, "portdp-bench: %s: %s\n", a.dir, strerror(errno));
		ret = -errno;
		goto out;
	}
	if (!realpath(a.dir, abs)) {
		ret = -errno;
		goto out;
	}
	ret = run_pki(abs, a.euiccs, a.es2 > 0);
	if (!ret)
		ret = make_identities(abs, a.euiccs);
	if (!ret)
		printf("pki: CI, EUM, %lu eUICCs, DPauth, DPpb, TLS in %s/pki\n", a.euiccs, abs);
	if (!ret)
		ret = write_conf(abs, abs, a.sync_full, a.es2 > 0);
	if (!ret)
		ret = import_profiles(abs, a.profiles, t, nt, a.sync_full, a.es2);
	if (!ret)
		printf("setup: %s ready (portdpd.conf: db_sync = %s)\n", abs,
		       a.sync_full ? "full" : "normal");
	else
		fprintf(stderr, "portdp-bench: setup of %s failed (%s); remove the directory\n",
			abs, strerror(-ret));
out:
	for (unsigned i = 0; i < nt; i++)
		free(t[i].upp);
	return ret ? 1 : 0;
}
