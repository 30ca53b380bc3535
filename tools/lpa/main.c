// SPDX-License-Identifier: Apache-2.0
/*
 * portdp-lpa: an LPA with a software eUICC, for tests and the demo.
 *   portdp-lpa --ac 'LPA:1$host:port$MATCHINGID' --euicc DIR [--cc CODE]
 *              [--cacert FILE] [--resolve host:port:addr] [--out upp.der]
 *   portdp-lpa --delete ICCID --euicc DIR [--cacert FILE] [--resolve ...]
 *   portdp-lpa notify --euicc DIR [--cacert FILE] [--resolve ...]
 * Exit status: enum lpa_result (0 only when installed and notified, or the
 * notification held on request; 6 when declined with --reject and the SM-DP+
 * accepted the cancel; for notify 0 only when no notification is left pending).
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "download.h"
#include "notify.h"

struct cli {
	const char *ac, *cc, *cacert, *resolve, *connect_to, *out, *delete_iccid;
	const char *state_dir, *stop_after, *replay, *spoil_cancel;
	bool reject, hold_notification, notify, spoil_signature;
	const char *ci[SEUICC_MAX_CI];
	unsigned n_ci;
	const char *euicc_dir;
	long timeout;
	bool verbose;
};

static void usage(void)
{
	fprintf(stderr,
		"usage: portdp-lpa --euicc DIR (--ac CODE | --delete ICCID) [options]\n"
		"       portdp-lpa notify --euicc DIR [options]   send the pending notifications\n"
		"  --ac 'LPA:1$host:port$MATCHINGID'  activation code of the profile\n"
		"  --cc CODE            confirmation code\n"
		"  --euicc DIR          eUICC identity: euicc.der euicc-key.pem eum.der ci*.der\n"
		"  --ci FILE            trusted CI certificate (repeatable; default DIR/ci*)\n"
		"  --state DIR          eUICC memory (installed profiles, notifications);\n"
		"                       default the --euicc DIR\n"
		"  --cacert FILE        TLS trust anchors (PEM)\n"
		"  --resolve H:P:ADDR   connect to ADDR for H:P (curl --resolve)\n"
		"  --connect-to H:P:H2:P2  connect to H2:P2 for H:P (curl --connect-to)\n"
		"  --out FILE           write the recovered UPP here\n"
		"  --delete ICCID       delete an installed profile and notify its SM-DP+\n"
		"  --timeout SEC        per request (default 30)\n"
		"  --stop-after FN      stop after ES9+ function FN (tests)\n"
		"  --replay FN          send ES9+ function FN twice, report the replay (tests)\n"
		"  --reject             decline the profile at the confirmation step: the\n"
		"                       eUICC and the SM-DP+ cancel the session (endUserRejection)\n"
		"  --spoil-cancel WHAT  before the real cancelSession send one the SM-DP+ must\n"
		"                       refuse, WHAT = signature | transaction (tests)\n"
		"  --hold-notifications  install, but leave the installation result pending on\n"
		"                       the eUICC (a device that lost its link); notify sends it\n"
		"  --spoil-signature    notify only: send each with one signature bit flipped\n"
		"                       and keep it pending; exit 5 when all were taken (tests)\n"
		"  -v, --verbose\n");
}

static int parse_args(int argc, char **argv, struct cli *a)
{
	static const struct option opts[] = {
		{ "ac", required_argument, NULL, 'a' },
		{ "cc", required_argument, NULL, 'c' },
		{ "euicc", required_argument, NULL, 'e' },
		{ "ci", required_argument, NULL, 'i' },
		{ "state", required_argument, NULL, 's' },
		{ "cacert", required_argument, NULL, 'C' },
		{ "resolve", required_argument, NULL, 'r' },
		{ "connect-to", required_argument, NULL, 'T' },
		{ "out", required_argument, NULL, 'o' },
		{ "delete", required_argument, NULL, 'd' },
		{ "timeout", required_argument, NULL, 't' },
		{ "stop-after", required_argument, NULL, 'S' },
		{ "replay", required_argument, NULL, 'R' },
		{ "reject", no_argument, NULL, 'J' },
		{ "spoil-cancel", required_argument, NULL, 'X' },
		{ "hold-notifications", no_argument, NULL, 'H' },
		{ "spoil-signature", no_argument, NULL, 'Y' },
		{ "verbose", no_argument, NULL, 'v' },
		{ "help", no_argument, NULL, 'h' },
		{ 0 },
	};
	int ch;

	memset(a, 0, sizeof(*a));
	a->timeout = 30;
	while ((ch = getopt_long(argc, argv, "vh", opts, NULL)) != -1) {
		switch (ch) {
		case 'a': a->ac = optarg; break;
		case 'c': a->cc = optarg; break;
		case 'e': a->euicc_dir = optarg; break;
		case 'i':
			if (a->n_ci == SEUICC_MAX_CI)
				return -EINVAL;
			a->ci[a->n_ci++] = optarg;
			break;
		case 's': a->state_dir = optarg; break;
		case 'C': a->cacert = optarg; break;
		case 'r': a->resolve = optarg; break;
		case 'T': a->connect_to = optarg; break;
		case 'o': a->out = optarg; break;
		case 'd': a->delete_iccid = optarg; break;
		case 't':
			a->timeout = strtol(optarg, NULL, 10);
			if (a->timeout <= 0 || a->timeout > 3600)
				return -EINVAL;
			break;
		case 'S': a->stop_after = optarg; break;
		case 'R': a->replay = optarg; break;
		case 'J': a->reject = true; break;
		case 'X':
			if (strcmp(optarg, "signature") && strcmp(optarg, "transaction"))
				return -EINVAL;
			a->spoil_cancel = optarg;
			break;
		case 'H': a->hold_notification = true; break;
		case 'Y': a->spoil_signature = true; break;
		case 'v': a->verbose = true; break;
		default: return -EINVAL;
		}
	}
	if (optind < argc && !strcmp(argv[optind], "notify")) {
		a->notify = true;
		optind++;
	}
	if (optind != argc || !a->euicc_dir)
		return -EINVAL;
	if (a->notify)
		return a->ac || a->delete_iccid || a->hold_notification || a->cc || a->out ||
		       a->stop_after || a->replay || a->reject || a->spoil_cancel ? -EINVAL : 0;
	if (!!a->ac == !!a->delete_iccid || a->spoil_signature ||
	    (a->hold_notification && !a->ac))
		return -EINVAL;
	return 0;
}

static int write_out(const char *path, const uint8_t *data, size_t len)
{
	FILE *fp = fopen(path, "wb");
	int ok;

	if (!fp)
		return -errno;
	ok = fwrite(data, 1, len, fp) == len;
	ok &= fclose(fp) == 0;
	return ok ? 0 : -EIO;
}

/* The TLS and network options every SM-DP+ connection of this run shares. */
static struct es9_client_opts client_opts(const struct cli *a, const char *address)
{
	return (struct es9_client_opts){
		.smdp_address = address,
		.cacert = a->cacert,
		.resolve = a->resolve,
		.connect_to = a->connect_to,
		.timeout_s = a->timeout,
		.verbose = a->verbose,
	};
}

static int client_for(const struct cli *a, const char *address, struct es9_client **c)
{
	struct es9_client_opts co = client_opts(a, address);
	int ret = es9_client_new(&co, c);

	if (ret)
		fprintf(stderr, "portdp-lpa: HTTP client: %s\n", strerror(-ret));
	return ret;
}

static enum lpa_result do_download(const struct cli *a, struct seuicc *e)
{
	struct lpa_download_opts o = {
		.confirmation_code = a->cc,
		.stop_after = a->stop_after,
		.replay = a->replay,
		.reject = a->reject,
		.hold_notification = a->hold_notification,
		.verbose = a->verbose,
	};
	struct es9_client *c;
	char err[200], iccid[21];
	enum lpa_result r;

	if (a->spoil_cancel)
		o.spoil_cancel = !strcmp(a->spoil_cancel, "signature") ?
					 LPA_CANCEL_SPOIL_SIGNATURE : LPA_CANCEL_SPOIL_TRANSACTION;
	if (activation_code_parse(a->ac, &o.ac, err, sizeof(err))) {
		fprintf(stderr, "portdp-lpa: %s\n", err);
		return LPA_E_LOCAL;
	}
	if (client_for(a, o.ac.smdp_address, &c))
		return LPA_E_LOCAL;
	r = lpa_download(e, c, &o, iccid);
	es9_client_free(c);
	if (iccid[0] && a->out) {
		uint8_t *upp;
		size_t len;

		if (seuicc_profile_upp(e, iccid, &upp, &len) || write_out(a->out, upp, len)) {
			fprintf(stderr, "portdp-lpa: cannot write %s\n", a->out);
			r = r == LPA_OK ? LPA_E_LOCAL : r;
		} else {
			free(upp);
		}
	}
	if (r == LPA_OK)
		printf("installed %s on %s from %s\n", iccid, seuicc_eid_hex(e), o.ac.smdp_address);
	return r;
}

static enum lpa_result do_delete(const struct cli *a, struct seuicc *e)
{
	struct es9_client *c;
	char address[256];
	enum lpa_result r;
	long seq;

	if (seuicc_profile_smdp(e, a->delete_iccid, address, sizeof(address)) ||
	    seuicc_delete_profile(e, a->delete_iccid, &seq)) {
		fprintf(stderr, "portdp-lpa: delete %s: %s\n", a->delete_iccid,
			seuicc_last_error(e)[0] ? seuicc_last_error(e) : "no such profile");
		return LPA_E_LOCAL;
	}
	if (client_for(a, address, &c))
		return LPA_E_LOCAL;
	r = lpa_notify(e, c, seq);
	es9_client_free(c);
	if (r == LPA_OK)
		printf("deleted %s from %s, notified %s\n", a->delete_iccid, seuicc_eid_hex(e),
		       address);
	return r;
}

static enum lpa_result do_notify(const struct cli *a, struct seuicc *e)
{
	struct lpa_notify_opts o = {
		.client = client_opts(a, NULL),
		.spoil_signature = a->spoil_signature,
	};

	return lpa_notify_pending(e, &o);
}

int main(int argc, char **argv)
{
	struct seuicc_config ec = { 0 };
	struct seuicc *e;
	struct cli a;
	char err[300];
	enum lpa_result r;
	int ret;

	if (parse_args(argc, argv, &a)) {
		usage();
		return LPA_E_LOCAL;
	}
	ec.identity_dir = a.euicc_dir;
	ec.state_dir = a.state_dir;
	ec.n_ci = a.n_ci;
	for (unsigned i = 0; i < a.n_ci; i++)
		ec.ci_files[i] = a.ci[i];
	ret = seuicc_open(&ec, &e, err, sizeof(err));
	if (ret) {
		fprintf(stderr, "portdp-lpa: eUICC %s: %s\n", a.euicc_dir, err);
		return LPA_E_LOCAL;
	}
	r = a.notify ? do_notify(&a, e) : a.ac ? do_download(&a, e) : do_delete(&a, e);
	seuicc_close(e);
	return r;
}
