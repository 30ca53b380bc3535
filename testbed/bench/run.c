// SPDX-License-Identifier: Apache-2.0
/*
 * portdp-bench run: start portdpd (or use a running one), drive the
 * downloads, then report throughput, CPU per binding, latency percentiles,
 * and check through the inventory that every completed binding installed
 * exactly one profile, none bound twice.
 */
#include "bench.h"

#include <dirent.h>
#include <errno.h>
#include <ftw.h>
#include <getopt.h>
#include <limits.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "config.h"
#include "inventory.h"

#define TARGET_PER_MIN 100000.0

struct run_args {
	const char *dir, *connect, *csv;
	unsigned long concurrency, workers, threads, verify_every, rounds;
	long server_pid;
	double duration;
	bool default_smdp, keep_profiles, crash_ok, es2, floor;
	const char *portdpd; /* --portdpd: another build's daemon (A/B runs) */
	enum bench_conn modes[16];
	unsigned n_modes;
};

static void usage(FILE *f)
{
	fprintf(f,
		"usage: portdp-bench run --dir D --concurrency C --duration S\n"
		"                        [--workers W | --connect HOST:PORT [--server-pid PID]]\n"
		"                        [--threads T] [--csv FILE] [--default-smdp] "
		"[--keep-profiles]\n"
		"  --workers W      start portdpd from D/portdpd.conf with W workers (default 2)\n"
		"  --connect H:P    use a running portdpd instead (CPU only with --server-pid)\n"
		"  --threads T      client threads (default 1), each one epoll loop\n"
		"  --csv FILE       one row per completed binding\n"
		"  --default-smdp   send no matching ID: the SM-DP+ picks any available profile\n"
		"  --keep-profiles  keep installed UPPs in the eUICCs' memory (files on tmpfs)\n"
		"  --es2            then, in the same portdpd: ES2+ orders (downloadOrder +\n"
		"                   confirmOrder) for as many of operator benchop's profiles\n"
		"                   (setup --es2), their downloads, and their progress reports\n"
		"                   to a test operator endpoint; server CPU per binding of both\n"
		"  --rounds N       with --es2: plain and ES2+ phases alternate N times (each\n"
		"                   --duration long), so that both see the same machine; the\n"
		"                   cost is taken over all rounds (default 1)\n"
		"  --verify-every N the soft eUICCs fully verify 1 binding in N per slot (default 1:\n"
		"                   all); the others only sign, make the one-time key and read the\n"
		"                   ICCID from StoreMetadata (reported as such)\n"
		"  --crash-ok       the server may be killed: a binding that loses its connection\n"
		"                   counts as cut (not failed) and its slot stops; the inventory\n"
		"                   may then hold more installs than completed bindings\n"
		"  --connection M[,M...]  how the LPAs use connections: keep-alive (default: one\n"
		"                   per eUICC for the run), per-binding (a new one per binding),\n"
		"                   per-call (a new TCP+TLS connection per ES9+ call, no session\n"
		"                   resumption), or all (= per-call,per-binding,keep-alive); each\n"
		"                   mode listed runs --duration against the same portdpd, in order\n"
		"                   (repeat modes to interleave), then a summary compares them\n"
		"  --floor          time one binding's server crypto (and a TLS 1.3 handshake's) on\n"
		"                   this machine with portdpd's library calls, and compare (implied\n"
		"                   when --connection lists more than one mode)\n"
		"  --portdpd PATH   start this portdpd instead of the one beside portdp-bench\n");
}

static int num(const char *s, unsigned long min, unsigned long max, unsigned long *out)
{
	char *end;

	errno = 0;
	if (*s < '0' || *s > '9')
		return -EINVAL;
	*out = strtoul(s, &end, 10);
	return errno || *end || *out < min || *out > max ? -EINVAL : 0;
}

/* "per-call,keep-alive,...": appended to a->modes; "all" is the three. */
static int parse_modes(const char *list, struct run_args *a)
{
	char buf[256], *save = NULL, *tok;

	if (snprintf(buf, sizeof(buf), "%s", list) >= (int)sizeof(buf))
		return -EINVAL;
	for (tok = strtok_r(buf, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
		int m = -1;

		if (!strcmp(tok, "all")) {
			if (a->n_modes + 3 > 16)
				return -EINVAL;
			a->modes[a->n_modes++] = CONN_PER_CALL;
			a->modes[a->n_modes++] = CONN_PER_BINDING;
			a->modes[a->n_modes++] = CONN_KEEP_ALIVE;
			continue;
		}
		for (int i = 0; i < CONN_MODES; i++)
			if (!strcmp(tok, bench_conn_name[i]))
				m = i;
		if (m < 0 || a->n_modes == 16)
			return -EINVAL;
		a->modes[a->n_modes++] = (enum bench_conn)m;
	}
	return a->n_modes ? 0 : -EINVAL;
}

static int parse_args(int argc, char **argv, struct run_args *a)
{
	static const struct option opts[] = {
	    {"dir", required_argument, NULL, 'd'},
	    {"concurrency", required_argument, NULL, 'c'},
	    {"duration", required_argument, NULL, 't'},
	    {"workers", required_argument, NULL, 'w'},
	    {"connect", required_argument, NULL, 'C'},
	    {"server-pid", required_argument, NULL, 'p'},
	    {"threads", required_argument, NULL, 'T'},
	    {"csv", required_argument, NULL, 'o'},
	    {"default-smdp", no_argument, NULL, 'D'},
	    {"keep-profiles", no_argument, NULL, 'K'},
	    {"verify-every", required_argument, NULL, 'V'},
	    {"crash-ok", no_argument, NULL, 'X'},
	    {"es2", no_argument, NULL, 'E'},
	    {"rounds", required_argument, NULL, 'R'},
	    {"connection", required_argument, NULL, 'M'},
	    {"floor", no_argument, NULL, 'F'},
	    {"portdpd", required_argument, NULL, 'P'},
	    {"help", no_argument, NULL, 'h'},
	    {},
	};
	unsigned long v;
	char *end;
	int c;

	a->workers = 2;
	a->threads = 1;
	a->verify_every = 1;
	a->rounds = 1;
	while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (c) {
		case 'd':
			a->dir = optarg;
			break;
		case 'c':
			if (num(optarg, 1, 10000, &a->concurrency))
				goto bad;
			break;
		case 't':
			errno = 0;
			a->duration = strtod(optarg, &end);
			if (errno || *end || !(a->duration > 0 && a->duration <= 86400))
				goto bad;
			break;
		case 'w':
			if (num(optarg, 1, 256, &a->workers))
				goto bad;
			break;
		case 'C':
			a->connect = optarg;
			break;
		case 'p':
			if (num(optarg, 1, INT_MAX, &v))
				goto bad;
			a->server_pid = (long)v;
			break;
		case 'T':
			if (num(optarg, 1, BENCH_MAX_THREADS, &a->threads))
				goto bad;
			break;
		case 'o':
			a->csv = optarg;
			break;
		case 'D':
			a->default_smdp = true;
			break;
		case 'K':
			a->keep_profiles = true;
			break;
		case 'V':
			if (num(optarg, 1, 1000000, &a->verify_every))
				goto bad;
			break;
		case 'X':
			a->crash_ok = true;
			break;
		case 'E':
			a->es2 = true;
			break;
		case 'R':
			if (num(optarg, 1, 1000, &a->rounds))
				goto bad;
			break;
		case 'M':
			if (parse_modes(optarg, a))
				goto bad;
			break;
		case 'F':
			a->floor = true;
			break;
		case 'P':
			a->portdpd = optarg;
			break;
		case 'h':
			usage(stdout);
			exit(0);
		default:
			usage(stderr);
			return -EINVAL;
		}
	}
	if (optind != argc || !a->dir || !a->concurrency || !a->duration)
		goto bad;
	if (a->dir && strlen(a->dir) > BENCH_DIR_MAX) {
		fprintf(stderr, "portdp-bench: --dir longer than %d characters\n", BENCH_DIR_MAX);
		return -EINVAL;
	}
	if (a->es2 && (a->connect || a->default_smdp)) {
		fprintf(stderr, "portdp-bench: --es2 starts its own portdpd and uses matching IDs\n");
		return -EINVAL;
	}
	if (a->es2 && a->n_modes > 1) {
		fprintf(stderr, "portdp-bench: --es2 runs one --connection mode\n");
		return -EINVAL;
	}
	if (!a->n_modes)
		a->modes[a->n_modes++] = CONN_KEEP_ALIVE;
	if (a->n_modes > 1)
		a->floor = true;
	if (a->threads > a->concurrency) {
		fprintf(stderr, "portdp-bench: --threads must not exceed --concurrency\n");
		return -EINVAL;
	}
	return 0;
bad:
	fprintf(stderr, "portdp-bench: bad or missing argument%s%s\n", optind < argc ? ": " : "",
		optind < argc ? argv[optind - 1] : "");
	usage(stderr);
	return -EINVAL;
}

/* ---- inputs from the bench directory ---------------------------------- */

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static void free_list(char **v, size_t n)
{
	for (size_t i = 0; v && i < n; i++)
		free(v[i]);
	free(v);
}

static int push(char ***v, size_t *n, size_t *cap, const char *s)
{
	if (*n == *cap) {
		size_t c = *cap ? 2 * *cap : 256;
		char **bigger = realloc(*v, c * sizeof(**v));

		if (!bigger)
			return -ENOMEM;
		*v = bigger;
		*cap = c;
	}
	(*v)[*n] = strdup(s);
	return (*v)[(*n)++] ? 0 : -ENOMEM;
}

static int list_euiccs(const char *dir, char ***out, size_t *n)
{
	char path[PATH_MAX];
	struct dirent *d;
	size_t cap = 0;
	DIR *dp;

	*out = NULL;
	*n = 0;
	bench_path(path, sizeof(path), "%s/euiccs", dir);
	dp = opendir(path);
	if (!dp)
		return -errno;
	while ((d = readdir(dp))) {
		char sub[PATH_MAX + 300];

		if (d->d_name[0] == '.')
			continue;
		bench_path(sub, sizeof(sub), "%s/%s", path, d->d_name);
		if (push(out, n, &cap, sub)) {
			closedir(dp);
			return -ENOMEM;
		}
	}
	closedir(dp);
	if (*n)
		qsort(*out, *n, sizeof(**out), cmp_str);
	return 0;
}

struct mid_list {
	char **v;
	size_t n, cap;
	int err;
	uint64_t upp_bytes; /* of the BENCH profiles: their mean is the floor's UPP */
	size_t n_bench;
	bool count_only; /* --default-smdp: no list, only the UPP bytes */
};

static int add_mid(const struct inv_profile *p, void *arg)
{
	struct mid_list *m = arg;

	if (strncmp(p->matching_id, "BENCH", 5))
		return 0;
	m->upp_bytes += p->upp_len;
	m->n_bench++;
	if (m->count_only)
		return 0;
	m->err = push(&m->v, &m->n, &m->cap, p->matching_id);
	return m->err;
}

/* What the inventory holds before the run: the baseline of the sanity checks. */
struct inv_baseline {
	unsigned installed, available;
	int64_t audit_seq;
};

static int last_seq(const struct inv_audit *a, void *arg)
{
	*(int64_t *)arg = a->seq;
	return 0;
}

static int inventory_before(const char *db, bool want_mids, struct mid_list *mids,
			    struct inv_baseline *b)
{
	struct inventory *inv;
	char msg[256];
	int ret;

	ret = inv_open_err(db, 0, &inv, msg, sizeof(msg));
	if (ret) {
		fprintf(stderr, "portdp-bench: %s: %s\n", db, msg);
		return ret;
	}
	ret = inv_count(inv, INV_INSTALLED, &b->installed);
	if (!ret)
		ret = inv_count(inv, INV_AVAILABLE, &b->available);
	b->audit_seq = 0;
	if (!ret)
		ret = inv_audit(inv, 0, last_seq, &b->audit_seq);
	mids->count_only = !want_mids;
	if (!ret) {
		ret = inv_list(inv, INV_AVAILABLE, add_mid, mids);
		if (!ret && mids->err)
			ret = mids->err;
	}
	if (ret)
		fprintf(stderr, "portdp-bench: inventory: %s\n", inv_errmsg(inv));
	inv_close(inv);
	return ret;
}

/* ---- sanity after the run ---------------------------------------------- */

struct audit_scan {
	int64_t *ids;
	size_t n, cap;
	int err;
};

static int collect_downloaded(const struct inv_audit *a, void *arg)
{
	struct audit_scan *s = arg;

	if (strcmp(a->to, "downloaded"))
		return 0;
	if (s->n == s->cap) {
		size_t c = s->cap ? 2 * s->cap : 4096;
		int64_t *v = realloc(s->ids, c * sizeof(*v));

		if (!v) {
			s->err = -ENOMEM;
			return 1;
		}
		s->ids = v;
		s->cap = c;
	}
	s->ids[s->n++] = a->profile_id;
	return 0;
}

static int cmp_i64(const void *a, const void *b)
{
	int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;

	return x < y ? -1 : x > y;
}

static int cmp_iccid(const void *a, const void *b)
{
	return strcmp((const char *)a, (const char *)b);
}

/* Prints the checks; returns 0 when every one holds. */
static int inventory_after(const char *db, const struct inv_baseline *b, struct bench_result *r,
			   bool crash_ok)
{
	struct audit_scan scan = {0};
	struct inventory *inv;
	unsigned installed = 0, dup_bind = 0, dup_iccid = 0, wrong = 0;
	char msg[256];
	int ret, bad = 0;

	ret = inv_open_err(db, 0, &inv, msg, sizeof(msg));
	if (ret) {
		fprintf(stderr, "portdp-bench: %s: %s\n", db, msg);
		return ret;
	}
	ret = inv_count(inv, INV_INSTALLED, &installed);
	if (!ret)
		ret = inv_audit(inv, b->audit_seq, collect_downloaded, &scan);
	if (!ret)
		ret = scan.err;
	for (size_t i = 0; !ret && i < r->n_iccids; i++) {
		struct inv_profile p;

		if (inv_get_by_iccid(inv, r->iccids[i], &p) || p.state != INV_INSTALLED ||
		    strcasecmp(p.eid, r->eids[i]))
			wrong++;
	}
	if (ret) {
		fprintf(stderr, "portdp-bench: inventory: %s\n", inv_errmsg(inv));
		inv_close(inv);
		free(scan.ids);
		return ret;
	}
	inv_close(inv);
	qsort(scan.ids, scan.n, sizeof(*scan.ids), cmp_i64);
	for (size_t i = 1; i < scan.n; i++)
		dup_bind += scan.ids[i] == scan.ids[i - 1];
	qsort(r->iccids, r->n_iccids, sizeof(*r->iccids), cmp_iccid);
	for (size_t i = 1; i < r->n_iccids; i++)
		dup_iccid += !strcmp(r->iccids[i], r->iccids[i - 1]);
	free(scan.ids);

	/* A server killed after it committed an install, before its answer left: one more. */
	bool count_ok = crash_ok ? installed - b->installed >= r->completed &&
				       installed - b->installed <= r->completed + r->cut
				 : installed - b->installed == r->completed;

	bad |= !count_ok;
	printf("sanity: inventory installed %u -> %u (+%u), completed bindings %llu%s: %s\n",
	       b->installed, installed, installed - b->installed, (unsigned long long)r->completed,
	       crash_ok ? " (+ at most the cut ones)" : "", count_ok ? "OK" : "MISMATCH");
	bad |= dup_bind != 0;
	printf("sanity: BPPs handed out (audit 'downloaded') %zu, profiles bound twice %u: %s\n",
	       scan.n, dup_bind, dup_bind ? "FAIL" : "OK");
	bad |= dup_iccid != 0 || wrong != 0;
	printf("sanity: ICCIDs the eUICCs installed %zu, duplicates %u, not installed for that EID "
	       "in the inventory %u: %s\n",
	       r->n_iccids, dup_iccid, wrong, dup_iccid || wrong ? "FAIL" : "OK");
	return bad ? -EPROTO : 0;
}

/* ---- the daemon ---------------------------------------------------------- */

static int free_port(uint16_t *port)
{
	struct sockaddr_in sa = {.sin_family = AF_INET};
	socklen_t len = sizeof(sa);
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);

	if (fd < 0)
		return -errno;
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (bind(fd, (struct sockaddr *)&sa, sizeof(sa)) ||
	    getsockname(fd, (struct sockaddr *)&sa, &len)) {
		close(fd);
		return -errno;
	}
	*port = ntohs(sa.sin_port);
	close(fd);
	return 0;
}

static bool port_open(uint16_t port)
{
	struct sockaddr_in sa = {.sin_family = AF_INET, .sin_port = htons(port)};
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	bool ok;

	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	ok = fd >= 0 && !connect(fd, (struct sockaddr *)&sa, sizeof(sa));
	if (fd >= 0)
		close(fd);
	return ok;
}

static int start_portdpd(const char *dir, const char *daemon, unsigned long workers, uint16_t port,
			 uint16_t es2_port, pid_t *out)
{
	char bin[PATH_MAX], conf[PATH_MAX], log[PATH_MAX], p[16], w[16], e[16];
	pid_t pid;
	int status;

	if (daemon)
		snprintf(bin, sizeof(bin), "%s", daemon);
	else if (bench_bin_path("portdpd", bin, sizeof(bin)))
		return -ENOENT;
	bench_path(conf, sizeof(conf), "%s/portdpd.conf", dir);
	bench_path(log, sizeof(log), "%s/portdpd.log", dir);
	snprintf(p, sizeof(p), "%u", (unsigned)port);
	snprintf(w, sizeof(w), "%lu", workers);
	snprintf(e, sizeof(e), "%u", (unsigned)es2_port);
	pid = fork();
	if (pid < 0)
		return -errno;
	if (pid == 0) {
		if (!freopen(log, "a", stderr) || !freopen("/dev/null", "w", stdout))
			_exit(127);
		if (es2_port)
			execl(bin, "portdpd", "-c", conf, "-p", p, "-w", w, "--es2-port", e,
			      "--foreground", (char *)NULL);
		else
			execl(bin, "portdpd", "-c", conf, "-p", p, "-w", w, "--foreground",
			      (char *)NULL);
		_exit(127);
	}
	for (int i = 0; i < 200; i++) {
		if (port_open(port)) {
			*out = pid;
			return 0;
		}
		if (waitpid(pid, &status, WNOHANG) == pid)
			break;
		usleep(50000);
	}
	fprintf(stderr, "portdp-bench: portdpd did not start; see %s\n", log);
	kill(pid, SIGKILL);
	waitpid(pid, &status, 0);
	return -EIO;
}

static void stop_portdpd(pid_t pid)
{
	int status;

	kill(pid, SIGTERM);
	for (int i = 0; i < 100; i++) {
		if (waitpid(pid, &status, WNOHANG) == pid)
			return;
		usleep(50000);
	}
	kill(pid, SIGKILL);
	waitpid(pid, &status, 0);
}

static int rm_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st;
	(void)flag;
	(void)ftw;
	return remove(path);
}

/* ---- the report ---------------------------------------------------------- */

static void print_row(const char *name, struct samples *s)
{
	samples_sort(s);
	printf("  %-24s %8.2f %8.2f %8.2f %8.2f\n", name, samples_pct(s, 50) / 1e3,
	       samples_pct(s, 90) / 1e3, samples_pct(s, 99) / 1e3, samples_pct(s, 100) / 1e3);
}

static void report(struct bench_result *r, double elapsed, int64_t server_ns, uint64_t client_ns,
		   int64_t machine_ns)
{
	double per_min = elapsed > 0 ? (double)r->completed * 60.0 / elapsed : 0;
	double n = r->completed ? (double)r->completed : 1;

	printf("bindings: completed %llu, failed %llu", (unsigned long long)r->completed,
	       (unsigned long long)r->failed);
	if (r->failed)
		printf(" (IA %llu, AC %llu, GBPP %llu, HN %llu, eUICC refused BPP %llu)",
		       (unsigned long long)r->failed_at[STEP_IA],
		       (unsigned long long)r->failed_at[STEP_AC],
		       (unsigned long long)r->failed_at[STEP_GBPP],
		       (unsigned long long)r->failed_at[STEP_HN],
		       (unsigned long long)r->failed_at[STEP_COUNT]);
	if (r->failed)
		printf(", answered with an SGP.22 status %llu",
		       (unsigned long long)r->failed_sgp22);
	if (r->cut)
		printf(", cut by the server going away %llu", (unsigned long long)r->cut);
	printf(", in %.2f s%s\n", elapsed,
	       r->exhausted ? " (inventory's bench profiles ran out)" : "");
	if (r->first_error[0])
		printf("first failure: %s\n", r->first_error);
	printf("throughput: %.0f bindings/min (%.1f/s); target %.0f/min: %s\n", per_min,
	       per_min / 60.0, TARGET_PER_MIN,
	       per_min >= TARGET_PER_MIN ? "reached" : "NOT reached");
	if (server_ns >= 0)
		printf("server CPU: %.2f s, %.3f ms per binding (%.2f cores busy)\n",
		       server_ns / 1e9, server_ns / 1e6 / n,
		       elapsed > 0 ? server_ns / 1e9 / elapsed : 0);
	else
		printf("server CPU: not measured (--connect without --server-pid)\n");
	printf("client CPU: %.2f s, %.3f ms per binding (%.2f cores busy; eUICC crypto included)\n",
	       client_ns / 1e9, client_ns / 1e6 / n, elapsed > 0 ? client_ns / 1e9 / elapsed : 0);
	printf("client verification: %llu of %llu completed bindings fully verified by the eUICC%s\n",
	       (unsigned long long)r->verified, (unsigned long long)r->completed,
	       r->verified == r->completed ? "" : " (the rest sign-only, see 'client:' above)");
	printf("latency (ms)                    p50      p90      p99      max\n");
	print_row("whole binding", &r->total);
	for (int i = 0; i < STEP_COUNT; i++)
		print_row(bench_step_name[i], &r->step[i]);
	print_row("eUICC compute (wall)", &r->euicc);
	if (machine_ns >= 0 && server_ns >= 0 && elapsed > 0)
		printf("machine: %.2f of %ld cores busy; other processes %.2f cores (noise if > "
		       "0.05)\n",
		       machine_ns / 1e9 / elapsed, sysconf(_SC_NPROCESSORS_ONLN),
		       (machine_ns - server_ns - (int64_t)client_ns) / 1e9 / elapsed);
}

static void report_conn(const struct bench_result *r, enum bench_conn mode, int64_t server_ns)
{
	double n = r->completed ? (double)r->completed : 1;

	printf("connections: %s: %llu TLS handshakes (%.2f per binding, %llu resumed)",
	       bench_conn_name[mode], (unsigned long long)r->handshakes, r->handshakes / n,
	       (unsigned long long)r->resumed);
	if (server_ns >= 0 && r->handshakes && r->handshakes * 2 >= r->completed)
		printf("; server CPU / handshakes %.3f ms", server_ns / 1e6 / r->handshakes);
	printf("\n");
}

static void print_floor(const struct bench_floor *f)
{
	printf("crypto floor (this machine, now; portdpd's library calls, thread CPU, fastest of "
	       "5 rounds): one binding %.3f ms = DPauth sign %.3f + eUICC chain %.3f + 3 eUICC "
	       "verifies %.3f + 2 DPpb signs %.3f + key agreement %.3f + ReplaceSessionKeys and "
	       "BSP of %zu UPP bytes %.3f\n",
	       f->binding_us / 1e3, f->ia_sign_us / 1e3, f->chain_us / 1e3, 3 * f->verify_us / 1e3,
	       2 * f->sign_us / 1e3, f->session_us / 1e3, f->upp_len, f->bsp_us / 1e3);
	if (f->have_tls)
		printf("crypto floor: one TLS 1.3 full handshake's server crypto %.3f ms (X25519 "
		       "share + derive, CertificateVerify with the DP TLS key, HKDF-SHA384 "
		       "schedule, AES-256-GCM of the flight; no tickets)\n",
		       f->tls_us / 1e3);
}

struct phase {
	enum bench_conn mode;
	uint64_t n;
	double per_min, server_ms, hs;
};

/* Mean server CPU per binding and handshakes per binding of the phases of @mode. */
static bool mode_mean(const struct phase *ph, unsigned n, enum bench_conn mode, double *ms,
		      double *hs)
{
	double sum = 0, h = 0;
	unsigned k = 0;

	for (unsigned i = 0; i < n; i++)
		if (ph[i].mode == mode && ph[i].server_ms >= 0) {
			sum += ph[i].server_ms;
			h += ph[i].hs;
			k++;
		}
	if (!k)
		return false;
	*ms = sum / k;
	*hs = h / k;
	return true;
}

static void summary(const struct phase *ph, unsigned n, const struct bench_floor *f)
{
	double ka = 0, ka_hs = 0, ms, hs;
	bool have_ka = mode_mean(ph, n, CONN_KEEP_ALIVE, &ka, &ka_hs);

	printf("\nsummary (phases in order, one portdpd; the machine is shared: compare "
	       "repeated, interleaved phases)\n");
	printf("  %-12s %13s %18s %12s %13s %15s\n", "connection", "bindings/min",
	       "server ms/binding", "handshakes", "x keep-alive", "x crypto floor");
	for (unsigned i = 0; i < n; i++) {
		double fl = f ? (f->binding_us + (f->have_tls ? ph[i].hs * f->tls_us : 0)) / 1e3 : 0;

		printf("  %-12s %13.0f %18.3f %12.2f", bench_conn_name[ph[i].mode], ph[i].per_min,
		       ph[i].server_ms, ph[i].hs);
		if (have_ka && ka > 0)
			printf(" %13.2f", ph[i].server_ms / ka);
		else
			printf(" %13s", "-");
		if (fl > 0)
			printf(" %15.2f", ph[i].server_ms / fl);
		printf("\n");
	}
	for (int m = 0; m < CONN_MODES; m++) {
		if (m == CONN_KEEP_ALIVE || !have_ka || !mode_mean(ph, n, (enum bench_conn)m, &ms, &hs) ||
		    hs - ka_hs < 0.5)
			continue;
		printf("%s: server CPU per binding %.3f ms = %.2fx keep-alive (%.3f ms); per "
		       "handshake (the difference over %.2f more handshakes) %.3f ms",
		       bench_conn_name[m], ms, ms / ka, ka, hs - ka_hs, (ms - ka) / (hs - ka_hs));
		if (f && f->have_tls)
			printf(" = %.2fx its crypto (%.3f ms)", (ms - ka) / (hs - ka_hs) / (f->tls_us / 1e3),
			       f->tls_us / 1e3);
		printf("\n");
	}
	if (f && have_ka)
		printf("keep-alive: server CPU per binding %.3f ms = %.2fx the crypto floor (%.3f ms)\n",
		       ka, ka / (f->binding_us / 1e3), f->binding_us / 1e3);
}

/*
 * The ES2+ phase (after the plain one, same portdpd, as long): each binding ordered first
 * over ES2+ (orders placed concurrently, ahead of the downloads), then until the progress
 * queue is empty. 0 when every order and binding succeeded and the queue drained.
 */
/* Server CPU and bindings of each path over all rounds (--rounds). */
struct es2_tally {
	int64_t plain_ns, es2_ns;
	uint64_t plain_n, es2_n;
};

static int es2_phase(const struct run_args *a, struct bench_opts *o,
		     const struct portdpd_config *cfg, pid_t spid, uint16_t es2_port,
		     int64_t plain_ns, uint64_t plain_n, struct es2_tally *t)
{
	struct bench_es2 e = {.smdp_address = cfg->smdp_address,
			      .es2_port = es2_port,
			      .clients = (unsigned)a->concurrency};
	struct bench_result r = {0};
	struct order_job *j = NULL;
	uint64_t s0, s1, s2, t_end;
	char **mids = NULL;
	size_t n_mids = 0, ordered = 0;
	unsigned left = 0;
	double plain, during, after, order_s = 0;
	int ret, oret;

	snprintf(e.cacert, sizeof(e.cacert), "%s/pki/ci.pem", a->dir);
	snprintf(e.client_cert, sizeof(e.client_cert), "%s/pki/operators/benchop.pem", a->dir);
	snprintf(e.client_key, sizeof(e.client_key), "%s/pki/operators/benchop-key.pem", a->dir);
	printf("\nES2+ phase (same portdpd, %.1f s): every binding ordered first over ES2+ "
	       "(downloadOrder + confirmOrder, mutual TLS, %u clients placing orders ahead of the "
	       "downloads), its progress reports delivered to portdp-test-operator\n",
	       a->duration, e.clients > 16 ? 16 : e.clients);
	fflush(stdout);
	if (proc_cpu_ns(spid, &s0))
		return 1;
	/* Room for twice the plain phase's bindings: the orders must not run out first. */
	ret = bench_es2_order_start(&e, cfg->db_path, 2 * plain_n + 2 * a->concurrency, &j, &mids,
				    &n_mids);
	if (ret)
		goto out;
	o->mids = mids;
	o->n_mids = n_mids;
	o->mids_ready = bench_es2_ready(j);
	o->orders_done = bench_es2_done(j);
	o->mids_taken = bench_es2_taken(j);
	ret = bench_drive(o, &r, NULL);
	bench_es2_order_stop(j);
	oret = bench_es2_order_finish(j, &ordered, &order_s);
	o->mids_ready = NULL;
	o->orders_done = NULL;
	o->mids_taken = NULL;
	if (!ret)
		ret = oret;
	if (ret || proc_cpu_ns(spid, &s1))
		goto out;
	ret = bench_es2_wait_queue(cfg->db_path, 120, &left);
	t_end = mono_ns();
	if (ret || proc_cpu_ns(spid, &s2))
		goto out;
	plain = plain_n ? plain_ns / 1e6 / plain_n : 0;
	during = r.completed ? (s1 - s0) / 1e6 / r.completed : 0;
	after = r.completed ? (s2 - s1) / 1e6 / r.completed : 0;
	printf("es2: orders placed %zu in %.2f s (%zu ahead of the last binding, never used), "
	       "bindings completed %llu, failed %llu%s\n",
	       ordered, order_s, ordered - (size_t)r.completed, (unsigned long long)r.completed,
	       (unsigned long long)r.failed, r.exhausted ? " (waited for orders)" : "");
	printf("es2: reports left in the queue %u (drained %.2f s after the last binding)\n", left,
	       (t_end - r.last_done_ns) / 1e9);
	printf("server CPU per binding: plain %.3f ms | ES2+ %.3f ms (orders, download, reports "
	       "queued and delivered meanwhile %.3f + delivery after %.3f)\n",
	       plain, during + after, during, after);
	printf("ES2+ cost: %+.3f ms per binding, %+.1f%% of the plain binding's server CPU "
	       "(target <= 15%%): %s\n",
	       during + after - plain, plain > 0 ? 100.0 * (during + after - plain) / plain : 0,
	       plain > 0 && (during + after - plain) / plain <= 0.15 ? "met" : "NOT met");
	ret = r.failed || left || !r.completed ? -EIO : 0;
	t->es2_ns += (int64_t)(s2 - s0);
	t->es2_n += r.completed;
out:
	if (ret)
		fprintf(stderr, "portdp-bench: ES2+ phase: %s\n", strerror(ret < 0 ? -ret : EIO));
	bench_result_free(&r);
	for (size_t i = 0; i < n_mids; i++)
		free(mids[i]);
	free(mids);
	return ret ? 1 : 0;
}

/* A plain phase of a later round: the direct stock's next matching IDs. */
static int plain_round(struct bench_opts *o, pid_t spid, char **mids, size_t n_mids, size_t *used,
		       struct es2_tally *t, unsigned long k, int64_t *ns, uint64_t *n)
{
	struct bench_result r = {0};
	uint64_t s0, s1;
	int ret;

	o->mids = mids + *used;
	o->n_mids = n_mids - *used;
	printf("\nround %lu: plain phase\n", k);
	if (proc_cpu_ns(spid, &s0))
		return 1;
	ret = bench_drive(o, &r, NULL);
	if (ret || proc_cpu_ns(spid, &s1)) {
		bench_result_free(&r);
		return 1;
	}
	*used += r.started;
	*ns = (int64_t)(s1 - s0);
	*n = r.completed;
	t->plain_ns += *ns;
	t->plain_n += r.completed;
	printf("plain: bindings completed %llu, failed %llu, server CPU %.3f ms per binding\n",
	       (unsigned long long)r.completed, (unsigned long long)r.failed,
	       r.completed ? *ns / 1e6 / r.completed : 0);
	ret = r.failed || !r.completed;
	bench_result_free(&r);
	return ret;
}

int bench_run(int argc, char **argv)
{
	struct run_args a = {0};
	struct bench_opts o = {0};
	struct portdpd_config cfg;
	struct mid_list mids = {0};
	struct inv_baseline base;
	struct bench_result r = {0};
	char conf[PATH_MAX], err[512], host[256];
	uint64_t s0 = 0, s1 = 0, k0 = 0, k1 = 0, c0, c1, m0 = 0, m1 = 0;
	int64_t server_ns = -1, machine_ns = -1;
	struct phase ph[16];
	struct bench_floor floor;
	bool have_floor = false;
	double elapsed;
	pid_t own = 0, spid, endpoint = 0;
	uint16_t port = 0, es2_port = 0, ep_port = 0;
	FILE *csv = NULL;
	int ret, rc = 1;

	if (parse_args(argc, argv, &a))
		return 2;
	bench_path(conf, sizeof(conf), "%s/portdpd.conf", a.dir);
	portdpd_config_defaults(&cfg);
	if (portdpd_config_load(&cfg, conf, err, sizeof(err))) {
		fprintf(stderr, "portdp-bench: %s (run portdp-bench setup first)\n", err);
		return 1;
	}
	o.dir = a.dir;
	o.smdp_address = cfg.smdp_address;
	o.concurrency = a.concurrency;
	o.threads = a.threads;
	o.duration_s = a.duration;
	o.default_smdp = a.default_smdp;
	o.keep_profiles = a.keep_profiles;
	o.verify_every = (unsigned)a.verify_every;
	o.crash_ok = a.crash_ok;
	snprintf(o.cacert, sizeof(o.cacert), "%s/pki/ci.pem", a.dir);
	if (list_euiccs(a.dir, &o.euicc_dirs, &o.n_euiccs) || o.n_euiccs < a.concurrency) {
		fprintf(stderr,
			"portdp-bench: %s/euiccs has %zu eUICCs; --concurrency %lu needs "
			"as many (setup --euiccs)\n",
			a.dir, o.n_euiccs, a.concurrency);
		goto out;
	}
	if (inventory_before(cfg.db_path, !a.default_smdp, &mids, &base))
		goto out;
	o.mids = mids.v;
	o.n_mids = mids.n;
	if (!a.default_smdp && !mids.n) {
		fprintf(stderr, "portdp-bench: no available BENCH profile left in %s\n",
			cfg.db_path);
		goto out;
	}

	if (a.connect) {
		const char *colon = strrchr(a.connect, ':');
		unsigned long p;

		if (!colon || colon == a.connect || (size_t)(colon - a.connect) >= sizeof(host) ||
		    num(colon + 1, 1, 65535, &p)) {
			fprintf(stderr, "portdp-bench: --connect wants HOST:PORT\n");
			goto out;
		}
		snprintf(host, sizeof(host), "%.*s", (int)(colon - a.connect), a.connect);
		port = (uint16_t)p;
		spid = (pid_t)a.server_pid;
	} else {
		snprintf(host, sizeof(host), "127.0.0.1");
		if (a.es2 && (free_port(&es2_port) || free_port(&ep_port) ||
			      bench_es2_start_endpoint(a.dir, cfg.db_path, ep_port, &endpoint)))
			goto out;
		if (free_port(&port) || start_portdpd(a.dir, a.portdpd, a.workers, port, es2_port, &own))
			goto out;
		spid = own;
	}
	snprintf(o.connect_host, sizeof(o.connect_host), "%s", host);
	o.port = port;
	snprintf(o.dial_address, sizeof(o.dial_address), "%s:%u", cfg.smdp_address, port);
	/* The eUICCs' memory lives on tmpfs: its fsyncs would otherwise bill the client. */
	snprintf(o.state_root, sizeof(o.state_root), "%s/portdp-bench-XXXXXX",
		 access("/dev/shm", W_OK) ? "/tmp" : "/dev/shm");
	if (!mkdtemp(o.state_root)) {
		fprintf(stderr, "portdp-bench: %s: %s\n", o.state_root, strerror(errno));
		goto out;
	}
	if (a.csv && !(csv = fopen(a.csv, "w"))) {
		fprintf(stderr, "portdp-bench: %s: %s\n", a.csv, strerror(errno));
		goto out;
	}

	printf("portdp-bench run: concurrency %lu, client threads %lu, duration %.1f s, %s, "
	       "server %s (%s, pid %ld), %s, db_sync %s\n",
	       a.concurrency, a.threads, a.duration,
	       a.default_smdp ? "no matching ID (default SM-DP+)" : "matching IDs",
	       own ? "portdpd started here" : "given", own ? "workers" : a.connect, (long)spid,
	       cfg.accel_uri, cfg.db_sync_full ? "full" : "normal");
	if (own)
		printf("portdpd: %lu workers on 127.0.0.1:%u (TLS, keep-alive)\n", a.workers,
		       (unsigned)port);
	if (a.verify_every == 1)
		printf("client: soft eUICCs verify every signature each binding (DPauth/DPpb: CI "
		       "signature cached by DER hash, validity/role checked each time), open the "
		       "whole BPP (MACs, decrypt, ICCID)");
	else
		printf("client: 1 in %lu bindings fully verified (each slot's binding 1, %lu, %lu, ...: "
		       "every signature, DP certificates, every BSP MAC, decrypt, ICCID); the other "
		       "%lu in %lu NOT verified: the soft eUICC only parses the messages, checks the "
		       "echoes, signs euiccSigned1/euiccSigned2/PIR, makes the one-time key and "
		       "takes the ICCID from StoreMetadata with its MACs unchecked",
		       a.verify_every, a.verify_every + 1, 2 * a.verify_every + 1, a.verify_every - 1,
		       a.verify_every);
	printf("; eUICC memory %s%s; installed profiles %s\n",
	       a.keep_profiles ? "in files on " : "in process memory",
	       a.keep_profiles ? o.state_root : "",
	       a.keep_profiles ? "kept" : "removed after each binding");
	fflush(stdout);

	if (a.floor) {
		size_t upp = mids.n_bench ? (size_t)(mids.upp_bytes / mids.n_bench) : 0;
		int fr = bench_floor_measure(&cfg, o.euicc_dirs[0], upp, &floor);

		if (fr)
			fprintf(stderr, "portdp-bench: crypto floor: %s\n", strerror(-fr));
		else
			print_floor(&floor);
		have_floor = !fr;
	}
	rc = 0;
	for (unsigned k = 0; k < a.n_modes && !rc; k++) {
		if (k) {
			/* The next phase takes the profiles still available. */
			bench_result_free(&r);
			free_list(mids.v, mids.n);
			memset(&mids, 0, sizeof(mids));
			if (inventory_before(cfg.db_path, !a.default_smdp, &mids, &base)) {
				rc = 1;
				break;
			}
			o.mids = mids.v;
			o.n_mids = mids.n;
			if (!a.default_smdp && !mids.n) {
				fprintf(stderr, "portdp-bench: no available BENCH profile left\n");
				rc = 1;
				break;
			}
		}
		o.conn_mode = a.modes[k];
		if (a.n_modes > 1)
			printf("\n== phase %u of %u: connection %s\n", k + 1, a.n_modes,
			       bench_conn_name[o.conn_mode]);
		fflush(stdout);
		server_ns = machine_ns = -1;
		m0 = 0;
		if (spid && proc_cpu_split_ns(spid, &s0, &k0))
			spid = 0;
		machine_busy_ns(&m0);
		c0 = self_cpu_ns();
		ret = bench_drive(&o, &r, k ? NULL : csv);
		c1 = self_cpu_ns();
		if (m0 && !machine_busy_ns(&m1))
			machine_ns = (int64_t)(m1 - m0);
		if (spid && !proc_cpu_split_ns(spid, &s1, &k1))
			server_ns = (int64_t)(s1 - s0);
		if (ret)
			fprintf(stderr, "portdp-bench: client: %s\n", strerror(-ret));
		if (own && !a.es2 && k + 1 == a.n_modes) {
			stop_portdpd(own);
			own = 0;
		}
		elapsed = (double)(r.last_done_ns > r.first_start_ns
					   ? r.last_done_ns - r.first_start_ns
					   : 0) /
			  1e9;
		report(&r, elapsed, server_ns, c1 - c0, machine_ns);
		if (server_ns > 0)
			printf("server CPU in the kernel: %.2f s, %.3f ms per binding (%.0f%%)\n",
			       (k1 - k0) / 1e9, r.completed ? (k1 - k0) / 1e6 / r.completed : 0,
			       100.0 * (k1 - k0) / server_ns);
		report_conn(&r, o.conn_mode, server_ns);
		ph[k] = (struct phase){.mode = o.conn_mode,
				       .n = r.completed,
				       .per_min = elapsed > 0 ? r.completed * 60.0 / elapsed : 0,
				       .server_ms = server_ns >= 0 && r.completed
							? server_ns / 1e6 / r.completed
							: -1,
				       .hs = r.completed ? (double)r.handshakes / r.completed : 0};
		if (inventory_after(cfg.db_path, &base, &r, a.crash_ok) || ret || r.failed ||
		    (!r.completed && !a.crash_ok) || r.resumed)
			rc = 1;
	}
	if (!rc && (a.n_modes > 1 || have_floor))
		summary(ph, a.n_modes, have_floor ? &floor : NULL);
	if (!rc && a.es2) {
		struct es2_tally t = {.plain_ns = server_ns, .plain_n = r.completed};
		size_t used = r.started;
		int64_t pns;
		uint64_t pn;

		o.mids = NULL; /* the plain phase's list stays in mids */
		rc = es2_phase(&a, &o, &cfg, own, es2_port, server_ns, r.completed, &t);
		for (unsigned long k = 2; !rc && k <= a.rounds; k++) {
			rc = plain_round(&o, own, mids.v, mids.n, &used, &t, k, &pns, &pn);
			if (!rc)
				rc = es2_phase(&a, &o, &cfg, own, es2_port, pns, pn, &t);
		}
		if (!rc && a.rounds > 1 && t.plain_n && t.es2_n) {
			double p = t.plain_ns / 1e6 / t.plain_n, e = t.es2_ns / 1e6 / t.es2_n;

			printf("\n%lu rounds, phases interleaved: plain %.3f ms per binding (%llu), "
			       "ES2+ %.3f ms (%llu)\nES2+ cost over all rounds: %+.3f ms per "
			       "binding, %+.1f%% (target <= 15%%): %s\n",
			       a.rounds, p, (unsigned long long)t.plain_n, e,
			       (unsigned long long)t.es2_n, e - p, 100.0 * (e - p) / p,
			       (e - p) / p <= 0.15 ? "met" : "NOT met");
		}
	}
	if (own) {
		stop_portdpd(own);
		own = 0;
	}
out:
	if (csv)
		fclose(csv);
	if (own)
		stop_portdpd(own);
	bench_es2_stop_endpoint(endpoint);
	if (o.state_root[0] && strstr(o.state_root, "portdp-bench-"))
		nftw(o.state_root, rm_entry, 16, FTW_DEPTH | FTW_PHYS);
	bench_result_free(&r);
	free_list(mids.v, mids.n);
	free_list(o.euicc_dirs, o.n_euiccs);
	return rc;
}
