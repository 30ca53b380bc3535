// SPDX-License-Identifier: Apache-2.0
/*
 * portdp-line: run a factory line of stations against the local portdpd.
 *
 *   portdp-line --smdp HOST:PORT --report DIR [--cacert FILE] [--resolve H:P:ADDR]
 *               (--station SPEC)... [--pcsc-all] [--plan FILE] [--eum-range R]...
 *               [--inventory DB] [--max-failures N] [--count N] [--idle-exit S]
 *               [--extended | --no-extended] [--block N] [--le] [--quiet]
 *
 * SPEC: pcsc:READER | at:TTY | at-csim:TTY | inproc:CARDS | loopback:CARDS
 * (CARDS: a file of "IDENTITY_DIR STATE_DIR" lines, software eUICCs run one after
 * the other in this process: benchmarks). --pcsc-all: a station per PC/SC reader.
 *
 * The terminal shows each station (EID, step, seconds) and the totals; the
 * report directory gets run-<time>-<pid>.csv (a row per chip, flushed as it
 * happens) and its -summary.txt. The LPA's own messages go to DIR/line.log.
 * Exit status: 0 when every chip ended installed or skipped; 1 when some failed,
 * were refused or pulled, or a station was taken out; 2 for bad arguments or a
 * bad plan (nothing started).
 */
#include "line.h"

#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <curl/curl.h>

#include "inventory.h"

#define MAX_STATIONS 256

static volatile sig_atomic_t got_signal;

static void on_signal(int sig)
{
	(void)sig;
	got_signal = 1;
}

static void usage(void)
{
	fprintf(stderr,
		"usage: portdp-line --smdp HOST:PORT --report DIR (--station SPEC | --pcsc-all)...\n"
		"  --station SPEC     pcsc:READER, at:TTY, at-csim:TTY, inproc:CARDS, loopback:CARDS\n"
		"  --pcsc-all         one station per PC/SC reader pcscd knows\n"
		"  --plan FILE        pre-assignment CSV: EID,ICCID[,MATCHING_ID]\n"
		"  --eum-range R      EIDs to serve: a prefix (89049032) or LOW-HIGH (repeatable)\n"
		"  --inventory DB     portdpd's inventory: plan ICCIDs checked and resolved,\n"
		"                     allocations of pulled chips released there (without it:\n"
		"                     by cancelSession, also at once)\n"
		"  --cacert FILE      TLS trust anchors of portdpd\n"
		"  --resolve H:P:ADDR connect to ADDR for H:P\n"
		"  --max-failures N   failures in a row that take a station out (default 3)\n"
		"  --count N          stop after N chips\n"
		"  --idle-exit S      stop once no chip came for S seconds\n"
		"  --timeout S        per ES9+ request (default 30)\n"
		"  --extended         extended-length APDUs on PC/SC readers even when the card's\n"
		"                     ATR or the reader does not announce them (default: where\n"
		"                     both do, ~31 instead of ~75 APDUs per download; line.log\n"
		"                     says what was chosen and why)\n"
		"  --no-extended      short APDUs on PC/SC readers whatever they announce\n"
		"  --block N          STORE DATA block size, short or extended (short: 1..255;\n"
		"                     PC/SC default 255 with Le, extended 4096; modems 120;\n"
		"                     --no-extended --block 120: as widely used LPAs send)\n"
		"  --le               short APDUs: Le=00 on a command's last block (no 61xx +\n"
		"                     GET RESPONSE when the card answers at once)\n"
		"  --quiet            no live display (progress lines every 5 s)\n");
}

static int load_cards(struct station *s, const char *path)
{
	FILE *fp = fopen(path, "r");
	char a[600], b[600];

	if (!fp)
		return -errno;
	while (fscanf(fp, "%599s %599s", a, b) == 2) {
		s->cards_ident = realloc(s->cards_ident, (s->n_cards + 1) * sizeof(char *));
		s->cards_state = realloc(s->cards_state, (s->n_cards + 1) * sizeof(char *));
		s->cards_ident[s->n_cards] = strdup(a);
		s->cards_state[s->n_cards++] = strdup(b);
	}
	fclose(fp);
	return 0;
}

static int add_station(struct line *l, const char *spec)
{
	struct station *s;
	static const struct {
		const char *prefix;
		enum station_kind kind;
	} kinds[] = { { "pcsc:", ST_PCSC },	{ "at:", ST_AT },	 { "at-csim:", ST_AT_CSIM },
		      { "inproc:", ST_INPROC }, { "loopback:", ST_LOOPBACK } };

	if (l->n_st == MAX_STATIONS)
		return -ENOSPC;
	s = &l->st[l->n_st];
	memset(s, 0, sizeof(*s));
	for (size_t i = 0; i < sizeof(kinds) / sizeof(kinds[0]); i++) {
		size_t n = strlen(kinds[i].prefix);

		if (strncmp(spec, kinds[i].prefix, n))
			continue;
		s->kind = kinds[i].kind;
		snprintf(s->target, sizeof(s->target), "%s", spec + n);
		snprintf(s->name, sizeof(s->name), "%s", spec);
		if ((s->kind == ST_INPROC || s->kind == ST_LOOPBACK) && load_cards(s, s->target))
			return -ENOENT;
		s->idx = l->n_st++;
		s->line = l;
		return 0;
	}
	return -EINVAL;
}

static int add_all_readers(struct line *l)
{
	struct pcsc_ctx *p;
	char err[200], *names;
	size_t n;
	int ret = pcsc_ctx_open(&p, err, sizeof(err));

	if (ret) {
		fprintf(stderr, "portdp-line: %s\n", err);
		return ret;
	}
	ret = pcsc_readers(p, &names, &n);
	for (char *s = names; !ret && s && *s; s += strlen(s) + 1) {
		char spec[300];

		snprintf(spec, sizeof(spec), "pcsc:%s", s);
		ret = add_station(l, spec);
	}
	free(names);
	pcsc_ctx_close(p);
	return ret;
}

/* Plan lines checked against the inventory: known ICCIDs, free or already theirs. */
static int plan_check_inventory(struct line *l)
{
	int bad = 0;

	for (size_t i = 0; i < l->plan.n; i++) {
		struct plan_entry *e = &l->plan.e[i];
		struct inv_profile p;

		if (!eid_in_ranges(e->eid, l->ranges, l->n_ranges)) {
			fprintf(stderr, "plan: EID %s is outside the EUM ranges\n", e->eid);
			bad++;
		}
		if (!l->inv)
			continue;
		if (inv_get_by_iccid(l->inv, e->iccid, &p)) {
			fprintf(stderr, "plan: ICCID %s (EID %s) is not in the inventory\n", e->iccid,
				e->eid);
			bad++;
			continue;
		}
		if (e->matching_id[0] && strcmp(e->matching_id, p.matching_id)) {
			fprintf(stderr, "plan: ICCID %s has matching ID %s, not %s\n", e->iccid,
				p.matching_id, e->matching_id);
			bad++;
			continue;
		}
		snprintf(e->matching_id, sizeof(e->matching_id), "%s", p.matching_id);
		if (p.state != INV_AVAILABLE && strcmp(p.eid, e->eid)) {
			fprintf(stderr, "plan: ICCID %s is %s%s%s, not free for EID %s\n", e->iccid,
				inv_state_name(p.state), p.eid[0] ? " for EID " : "", p.eid, e->eid);
			bad++;
		}
	}
	for (size_t i = 0; !l->inv && i < l->plan.n; i++)
		if (!l->plan.e[i].matching_id[0]) {
			fprintf(stderr, "plan: line for EID %s has no matching ID and there is no "
					"--inventory to find it\n",
				l->plan.e[i].eid);
			bad++;
		}
	return bad ? -EINVAL : 0;
}

/* Totals as text (the live display's header and the summary). */
static void totals(struct line *l, char *buf, size_t len, double elapsed)
{
	unsigned ok = 0, sk = 0, fa = 0, re = 0, pu = 0, out = 0;

	for (unsigned i = 0; i < l->n_st; i++) {
		ok += l->st[i].ok;
		sk += l->st[i].skipped;
		fa += l->st[i].failed;
		re += l->st[i].refused;
		pu += l->st[i].pulled;
		out += l->st[i].out;
	}
	snprintf(buf, len,
		 "%.0f s  chips %lu  installed %u  skipped %u  failed %u  refused %u  pulled %u  "
		 "%.1f bindings/min  stations out %u/%u",
		 elapsed, l->cards, ok, sk, fa, re, pu, elapsed > 0 ? ok * 60.0 / elapsed : 0, out,
		 l->n_st);
}

static void display(struct line *l, FILE *tty, bool live, unsigned frame)
{
	char head[300];
	double now = now_s();

	pthread_mutex_lock(&l->mu);
	totals(l, head, sizeof(head), now - l->t0);
	if (!live) {
		if (frame % 20 == 0)
			fprintf(tty, "portdp-line: %s\n", head);
		pthread_mutex_unlock(&l->mu);
		return;
	}
	fprintf(tty, "\033[H\033[J%s\n", head);
	for (unsigned i = 0; i < l->n_st; i++) {
		struct station *s = &l->st[i];

		if (s->out)
			fprintf(tty, "%-28.28s OUT: %.90s\n", s->name, s->why_out);
		else if (s->t_card)
			fprintf(tty, "%-28.28s %-32s %-12s %5.1f s  ok %u\n", s->name,
				s->eid[0] ? s->eid : "-", s->step ? s->step : "", now - s->t_card,
				s->ok);
		else
			fprintf(tty, "%-28.28s %-32s %-12s %7s  ok %u\n", s->name,
				s->finished ? "finished" : "waiting for a chip", "", "", s->ok);
	}
	fflush(tty);
	pthread_mutex_unlock(&l->mu);
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "smdp", required_argument, NULL, 's' },
		{ "report", required_argument, NULL, 'r' },
		{ "station", required_argument, NULL, 'S' },
		{ "pcsc-all", no_argument, NULL, 'A' },
		{ "plan", required_argument, NULL, 'p' },
		{ "eum-range", required_argument, NULL, 'e' },
		{ "inventory", required_argument, NULL, 'i' },
		{ "cacert", required_argument, NULL, 'C' },
		{ "resolve", required_argument, NULL, 'R' },
		{ "max-failures", required_argument, NULL, 'm' },
		{ "count", required_argument, NULL, 'n' },
		{ "idle-exit", required_argument, NULL, 'I' },
		{ "timeout", required_argument, NULL, 't' },
		{ "quiet", no_argument, NULL, 'q' },
		{ "extended", no_argument, NULL, 'x' },
		{ "no-extended", no_argument, NULL, 'X' },
		{ "block", required_argument, NULL, 'b' },
		{ "le", no_argument, NULL, 'L' },
		{ "help", no_argument, NULL, 'h' },
		{ 0 },
	};
	static struct line l;
	const char *report_dir = NULL, *plan = NULL, *inv_path = NULL;
	bool all = false, quiet = false, any_bad;
	char csv[700], logp[600], summary[4096];
	size_t off;
	FILE *tty;
	int ch, fd;
	unsigned frame = 0;

	l.st = calloc(MAX_STATIONS, sizeof(*l.st));
	l.ranges = calloc(64, sizeof(*l.ranges));
	l.max_failures = 3;
	l.timeout_s = 30;
	pthread_mutex_init(&l.mu, NULL);
	while ((ch = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (ch) {
		case 's': snprintf(l.smdp, sizeof(l.smdp), "%s", optarg); break;
		case 'r': report_dir = optarg; break;
		case 'S':
			if (add_station(&l, optarg)) {
				fprintf(stderr, "portdp-line: bad station %s\n", optarg);
				return 2;
			}
			break;
		case 'A': all = true; break;
		case 'p': plan = optarg; break;
		case 'e':
			if (l.n_ranges == 64 || eid_range_parse(optarg, &l.ranges[l.n_ranges++])) {
				fprintf(stderr, "portdp-line: bad EUM range %s\n", optarg);
				return 2;
			}
			break;
		case 'i': inv_path = optarg; break;
		case 'C': l.cacert = optarg; break;
		case 'R': l.resolve = optarg; break;
		case 'm': l.max_failures = (unsigned)strtoul(optarg, NULL, 10); break;
		case 'n': l.count = strtoul(optarg, NULL, 10); break;
		case 'I': l.idle_exit_s = (unsigned)strtoul(optarg, NULL, 10); break;
		case 't': l.timeout_s = strtol(optarg, NULL, 10); break;
		case 'q': quiet = true; break;
		case 'x': l.extended = APDU_FORCE_EXTENDED; break;
		case 'X': l.extended = APDU_FORCE_SHORT; break;
		case 'b': l.block = (unsigned)strtoul(optarg, NULL, 10); break;
		case 'L': l.le_last = true; break;
		default: usage(); return 2;
		}
	}
	if (optind != argc || !l.smdp[0] || !report_dir || (!l.n_st && !all) || !l.max_failures) {
		usage();
		return 2;
	}
	if (all && add_all_readers(&l))
		return 2;
	if (!l.n_st) {
		fprintf(stderr, "portdp-line: no stations\n");
		return 2;
	}
	if (inv_path) {
		char msg[256];

		if (inv_open_err(inv_path, INV_SYNC_FULL, &l.inv, msg, sizeof(msg))) {
			fprintf(stderr, "portdp-line: inventory %s: %s\n", inv_path, msg);
			return 2;
		}
		inv_set_actor(l.inv, "portdp-line");
	}
	if (plan && (plan_load(plan, &l.plan, stderr) || plan_check_inventory(&l))) {
		fprintf(stderr, "portdp-line: the plan has errors: nothing started\n");
		return 2;
	}
	if (report_open(report_dir, &l.report, csv, sizeof(csv))) {
		fprintf(stderr, "portdp-line: cannot write a report in %s\n", report_dir);
		return 2;
	}
	/* The display keeps the terminal; the LPA flows' messages go to the log. */
	fd = dup(STDOUT_FILENO);
	tty = fd >= 0 ? fdopen(fd, "w") : stdout;
	snprintf(logp, sizeof(logp), "%s/line.log", report_dir);
	fd = open(logp, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
	if (fd >= 0) {
		fflush(stdout);
		fflush(stderr);
		dup2(fd, STDOUT_FILENO);
		dup2(fd, STDERR_FILENO);
		close(fd);
		setvbuf(stdout, NULL, _IOLBF, 0);
	}
	signal(SIGINT, on_signal);
	signal(SIGTERM, on_signal);
	signal(SIGPIPE, SIG_IGN);
	curl_global_init(CURL_GLOBAL_DEFAULT);
	fprintf(tty, "portdp-line: %u stations, report %s, log %s\n", l.n_st, csv, logp);
	l.t0 = l.last_card = now_s();
	for (unsigned i = 0; i < l.n_st; i++)
		pthread_create(&l.st[i].th, NULL, station_main, &l.st[i]);
	quiet = quiet || !isatty(fileno(tty));
	for (;;) {
		bool busy = false, all_done = true;

		usleep(250000);
		display(&l, tty, !quiet, frame++);
		pthread_mutex_lock(&l.mu);
		for (unsigned i = 0; i < l.n_st; i++) {
			busy |= l.st[i].t_card != 0;
			all_done &= l.st[i].finished;
		}
		if (got_signal)
			l.stop = true;
		if (l.idle_exit_s && !busy && now_s() - l.last_card > l.idle_exit_s)
			l.stop = true;
		pthread_mutex_unlock(&l.mu);
		if (all_done || (l.stop && !busy))
			break;
	}
	l.stop = true;
	for (unsigned i = 0; i < l.n_st; i++)
		pthread_join(l.st[i].th, NULL);
	display(&l, tty, !quiet, 0);
	totals(&l, summary, sizeof(summary), now_s() - l.t0);
	off = strlen(summary);
	off += (size_t)snprintf(summary + off, sizeof(summary) - off, "\nAPDU round trips %lu\n",
				l.apdus);
	any_bad = false;
	for (unsigned i = 0; i < l.n_st && off < sizeof(summary) - 200; i++) {
		struct station *s = &l.st[i];

		off += (size_t)snprintf(summary + off, sizeof(summary) - off,
					"%s: installed %u skipped %u failed %u refused %u pulled %u%s%s\n",
					s->name, s->ok, s->skipped, s->failed, s->refused, s->pulled,
					s->out ? " OUT: " : "", s->out ? s->why_out : "");
		any_bad |= s->failed || s->refused || s->pulled || s->out;
	}
	report_close(l.report, summary);
	fprintf(tty, "%s", summary);
	if (l.inv)
		inv_close(l.inv);
	return any_bad ? 1 : 0;
}
