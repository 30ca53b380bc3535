// SPDX-License-Identifier: Apache-2.0
/*
 * portdp-lpa: an LPA for one eUICC: the software eUICC in-process (--euicc
 * DIR), or a chip in a PC/SC reader or behind an AT modem (--chip SPEC).
 *   portdp-lpa (--euicc DIR | --chip SPEC) --ac 'LPA:1$host:port$MATCHINGID'
 *              [--cc CODE] [--cacert FILE] [--resolve host:port:addr] [--out upp.der]
 *   portdp-lpa ... notify                 send the pending notifications
 *   portdp-lpa ... list | eid             GetProfilesInfo / GetEID
 *   portdp-lpa ... enable|disable ICCID   EnableProfile / DisableProfile (+ notify)
 *   portdp-lpa ... delete ICCID           DeleteProfile (a disabled profile) + notify
 *   portdp-lpa ... nickname ICCID NAME    SetNickname
 * Exit status: enum lpa_result (0 only when installed and notified, or the
 * notification held on request; 6 when declined with --reject and the SM-DP+
 * accepted the cancel; for notify 0 only when no notification is left pending;
 * 7 when the chip stopped answering).
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "chip.h"
#include "download.h"
#include "dp_card.h"
#include "notify.h"
#include "soft_euicc.h"

struct cli {
	const char *ac, *cc, *cacert, *resolve, *connect_to, *out, *delete_iccid, *chip, *aid;
	const char *stop_es10, *cmd, *arg1, *arg2;
	bool extended, no_extended;
	const char *state_dir, *stop_after, *replay, *spoil_cancel;
	bool reject, hold_notification, notify, spoil_signature;
	const char *ci[SEUICC_MAX_CI];
	unsigned n_ci;
	const char *euicc_dir;
	long timeout;
	bool verbose;
	bool asn1; /* --binding asn1 */
	const char *dp_card, *offer; /* --dp-card SPEC, --offer MATCHINGID */
};

/* The Port-DP+ card of --dp-card and the SM-DP+ address it serves (its offers say it). */
static struct dp_card *dp_card;
static char dp_card_address[256];

static void usage(void)
{
	fprintf(stderr,
		"usage: portdp-lpa (--euicc DIR | --chip SPEC) (--ac CODE | --delete ICCID) [options]\n"
		"       portdp-lpa (--euicc DIR | --chip SPEC) [options] COMMAND\n"
		"  COMMAND: notify | list | eid | offers | enable ICCID | disable ICCID | delete ICCID |\n"
		"           nickname ICCID NAME\n"
		"  --chip SPEC          pcsc:READER (name contains READER), at:TTY (AT+CCHO/CGLA),\n"
		"                       at-csim:TTY (AT+CSIM), loopback (the --euicc card through APDUs)\n"
		"  --aid HEX            ISD-R AID (default A0000005591010FFFFFFFF8900000100)\n"
		"  --extended           extended-length APDUs (PC/SC) even when the card's ATR or\n"
		"                       the reader does not announce them (default: where both do)\n"
		"  --no-extended        short APDUs (PC/SC) whatever card and reader announce\n"
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
		"  --binding json|asn1  ES9+ binding: JSON (default) or ASN.1 (SGP.22 6.6)\n"
		"  --dp-card SPEC       a Port-DP+ card (pcsc:READER; pcsc: finds it in any reader)\n"
		"                       carries ES9+ for its SM-DP+\n"
		"                       (downloads, notifications); command offers lists its profiles\n"
		"  --offer MATCHINGID   download that offer of the --dp-card (instead of --ac)\n"
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
		{ "chip", required_argument, NULL, 'P' },
		{ "aid", required_argument, NULL, 'A' },
		{ "extended", no_argument, NULL, 'E' },
		{ "no-extended", no_argument, NULL, 'N' },
		{ "stop-after-es10", required_argument, NULL, 'Z' },
		{ "binding", required_argument, NULL, 'B' },
		{ "dp-card", required_argument, NULL, 'D' },
		{ "offer", required_argument, NULL, 'O' },
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
		case 'P': a->chip = optarg; break;
		case 'A': a->aid = optarg; break;
		case 'E': a->extended = true; break;
		case 'N': a->no_extended = true; break;
		case 'Z': a->stop_es10 = optarg; break;
		case 'B':
			if (strcmp(optarg, "json") && strcmp(optarg, "asn1"))
				return -EINVAL;
			a->asn1 = !strcmp(optarg, "asn1");
			break;
		case 'D': a->dp_card = optarg; break;
		case 'O': a->offer = optarg; break;
		case 'v': a->verbose = true; break;
		default: return -EINVAL;
		}
	}
	if (optind < argc) {
		static const struct {
			const char *name;
			int args;
		} cmds[] = { { "notify", 0 }, { "list", 0 }, { "eid", 0 }, { "offers", 0 }, { "enable", 1 },
			     { "disable", 1 }, { "delete", 1 }, { "nickname", 2 } };
		bool found = false;

		a->cmd = argv[optind++];
		for (size_t i = 0; i < sizeof(cmds) / sizeof(cmds[0]); i++) {
			if (strcmp(a->cmd, cmds[i].name))
				continue;
			found = true;
			if (argc - optind != cmds[i].args)
				return -EINVAL;
			a->arg1 = cmds[i].args > 0 ? argv[optind] : NULL;
			a->arg2 = cmds[i].args > 1 ? argv[optind + 1] : NULL;
			optind = argc;
		}
		if (!found || a->ac || a->delete_iccid || a->offer)
			return -EINVAL;
		if (!strcmp(a->cmd, "offers"))
			return a->dp_card && !a->euicc_dir && !a->chip ? 0 : -EINVAL;
		a->notify = !strcmp(a->cmd, "notify");
		if (!a->notify && (a->hold_notification || a->cc || a->out || a->stop_after ||
				   a->replay || a->reject || a->spoil_cancel || a->spoil_signature))
			return -EINVAL;
		if (!a->notify)
			return (!a->euicc_dir && !a->chip) ? -EINVAL : 0;
	}
	if (a->offer && (a->ac || !a->dp_card))
		return -EINVAL;
	if (a->offer)
		a->ac = "offer"; /* made from the card's address once it is open */
	if (optind != argc || (!a->euicc_dir && !a->chip) ||
	    (a->chip && !strcmp(a->chip, "loopback") && !a->euicc_dir) ||
	    (a->chip && strcmp(a->chip, "loopback") && a->euicc_dir))
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
/* The host of an address ("host[:port]"), compared without regard to case. */
static bool same_host(const char *x, const char *y)
{
	size_t lx = strcspn(x, ":"), ly = strcspn(y, ":");

	return lx == ly && !strncasecmp(x, y, lx);
}

static struct es9_client_opts client_opts(const struct cli *a, const char *address)
{
	/* The Port-DP+ card carries ES9+ for its own SM-DP+ (and only for it). */
	if (dp_card && (!address || same_host(address, dp_card_address)))
		return (struct es9_client_opts){
			.smdp_address = address,
			.timeout_s = a->timeout,
			.verbose = a->verbose,
			.asn1 = true,
			.der_call = dp_card_call,
			.der_ctx = dp_card,
		};
	return (struct es9_client_opts){
		.smdp_address = address,
		.cacert = a->cacert,
		.resolve = a->resolve,
		.connect_to = a->connect_to,
		.timeout_s = a->timeout,
		.verbose = a->verbose,
		.asn1 = a->asn1,
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

static enum lpa_result do_download(const struct cli *a, struct station_chip *sc,
				   struct seuicc *e)
{
	struct lpa_download_opts o = {
		.confirmation_code = a->cc,
		.stop_after = a->stop_after,
		.replay = a->replay,
		.reject = a->reject,
		.hold_notification = a->hold_notification,
		.verbose = a->verbose,
		.stop_after_es10 = a->stop_es10,
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
	r = lpa_download(&sc->chip, c, &o, iccid);
	es9_client_free(c);
	if (iccid[0] && a->out && e) {
		uint8_t *upp;
		size_t len;

		if (seuicc_profile_upp(e, iccid, &upp, &len) || write_out(a->out, upp, len)) {
			fprintf(stderr, "portdp-lpa: cannot write %s\n", a->out);
			r = r == LPA_OK ? LPA_E_LOCAL : r;
		} else {
			free(upp);
		}
	}
	if (r == LPA_OK) {
		char eid[33] = "?";

		es10_get_eid(&sc->chip, eid);
		printf("installed %s on %s from %s\n", iccid, eid, o.ac.smdp_address);
	}
	if (sc->apdus && a->verbose)
		fprintf(stderr, "lpa: %lu APDU round trips, %lu ES10 commands\n", sc->apdus,
			sc->chip.calls);
	return r;
}

/* Send the pending notification(s) for @iccid queued by the last ES10c step. */
static enum lpa_result notify_for(const struct cli *a, struct station_chip *sc, const char *iccid)
{
	struct es10_notification *list;
	enum lpa_result r = LPA_OK;
	size_t n;

	if (es10_list_notifications(&sc->chip, &list, &n)) {
		fprintf(stderr, "portdp-lpa: ListNotification: %s\n", sc->chip.err);
		return LPA_E_EUICC_REFUSED;
	}
	for (size_t i = 0; i < n; i++) {
		struct es9_client *c;
		enum lpa_result one;

		if (strcmp(list[i].iccid, iccid) || list[i].event == 0x80)
			continue;
		if (client_for(a, list[i].address, &c)) {
			r = LPA_E_LOCAL;
			continue;
		}
		one = lpa_notify(&sc->chip, c, list[i].seq);
		es9_client_free(c);
		if (one == LPA_OK)
			printf("notification %ld for %s sent to %s\n", list[i].seq, iccid,
			       list[i].address);
		else if (r == LPA_OK)
			r = one;
	}
	free(list);
	return r;
}

static const char *pm_result_str(int r)
{
	switch (r) {
	case 0: return "ok";
	case 1: return "no such profile";
	case 2: return "profile not in the state this needs";
	case 3: return "not allowed by policy";
	default: return "undefined error";
	}
}

/* enable | disable | delete | nickname: the ES10c step, then its notifications. */
static enum lpa_result do_manage(const struct cli *a, struct station_chip *sc, const char *cmd,
				 const char *iccid)
{
	int result = 127, ret;

	if (!strcmp(cmd, "enable"))
		ret = es10_enable(&sc->chip, iccid, false, &result);
	else if (!strcmp(cmd, "disable"))
		ret = es10_disable(&sc->chip, iccid, false, &result);
	else if (!strcmp(cmd, "delete"))
		ret = es10_delete(&sc->chip, iccid, &result);
	else
		ret = es10_set_nickname(&sc->chip, iccid, a->arg2, &result);
	if (ret) {
		fprintf(stderr, "portdp-lpa: %s %s: %s\n", cmd, iccid, sc->chip.err);
		return ret == -EIO ? LPA_E_CHIP_GONE : LPA_E_EUICC_REFUSED;
	}
	if (result) {
		fprintf(stderr, "portdp-lpa: %s %s: %s (%d)\n", cmd, iccid, pm_result_str(result),
			result);
		return LPA_E_EUICC_REFUSED;
	}
	printf("%s %s: ok\n", cmd, iccid);
	return strcmp(cmd, "nickname") ? notify_for(a, sc, iccid) : LPA_OK;
}

static enum lpa_result do_list(struct station_chip *sc)
{
	struct es10_profile *p;
	size_t n;

	if (es10_get_profiles(&sc->chip, NULL, &p, &n)) {
		fprintf(stderr, "portdp-lpa: GetProfilesInfo: %s\n", sc->chip.err);
		return LPA_E_EUICC_REFUSED;
	}
	for (size_t i = 0; i < n; i++) {
		char aid[33];

		for (size_t k = 0; k < p[i].aid_len; k++)
			sprintf(aid + 2 * k, "%02X", p[i].aid[k]);
		aid[2 * p[i].aid_len] = '\0';
		printf("%s %s %s class=%d provider=\"%s\" name=\"%s\" nickname=\"%s\"\n",
		       p[i].iccid, p[i].state ? "enabled" : "disabled", aid, p[i].profile_class,
		       p[i].provider, p[i].name, p[i].nickname);
	}
	free(p);
	return LPA_OK;
}

static enum lpa_result do_notify(const struct cli *a, struct station_chip *sc)
{
	struct lpa_notify_opts o = {
		.client = client_opts(a, NULL),
		.spoil_signature = a->spoil_signature,
		.card_address = dp_card ? dp_card_address : NULL,
	};

	if (dp_card) {
		struct dp_card *keep = dp_card;

		dp_card = NULL; /* the HTTPS options for the other SM-DP+s */
		o.http = client_opts(a, NULL);
		dp_card = keep;
	}

	return lpa_notify_pending(&sc->chip, &o);
}

int main(int argc, char **argv)
{
	struct seuicc_config ec = { 0 };
	struct station_chip *sc = NULL;
	struct seuicc *e = NULL;
	struct cli a;
	char err[300];
	enum lpa_result r;
	int ret;

	if (parse_args(argc, argv, &a)) {
		usage();
		return LPA_E_LOCAL;
	}
	if (a.dp_card) {
		struct dp_offer *offers;
		static char ac_buf[400];
		size_t n;

		ret = dp_card_open(a.dp_card, a.extended, &dp_card, err, sizeof(err));
		if (ret) {
			fprintf(stderr, "portdp-lpa: Port-DP+ card: %s\n", err);
			return ret == -ENODEV ? LPA_E_CHIP_GONE : LPA_E_LOCAL;
		}
		ret = dp_card_offers(dp_card, 64, dp_card_address, &offers, &n);
		if (ret) {
			fprintf(stderr, "portdp-lpa: Port-DP+ card offers: %s\n",
				ret == -EBADMSG ? "malformed answer" : dp_card_error(dp_card));
			dp_card_close(dp_card);
			return ret == -EIO ? LPA_E_CHIP_GONE : LPA_E_NETWORK;
		}
		if (a.cmd && !strcmp(a.cmd, "offers")) {
			printf("Port-DP+ %s: %zu offers\n", dp_card_address, n);
			for (size_t i = 0; i < n; i++)
				printf("%s %s class=%d provider=\"%s\" name=\"%s\"%s\n",
				       offers[i].matching_id, offers[i].iccid,
				       offers[i].profile_class, offers[i].provider, offers[i].name,
				       offers[i].cc_required ? " confirmation-code" : "");
			free(offers);
			dp_card_close(dp_card);
			return LPA_OK;
		}
		free(offers);
		if (a.offer) {
			snprintf(ac_buf, sizeof(ac_buf), "LPA:1$%s$%s", dp_card_address, a.offer);
			a.ac = ac_buf;
		}
	}
	if (a.euicc_dir) {
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
		ret = chip_inproc(e, a.chip != NULL, &sc);
		if (ret) {
			fprintf(stderr, "portdp-lpa: eUICC %s: %s\n", a.euicc_dir, strerror(-ret));
			seuicc_close(e);
			return LPA_E_LOCAL;
		}
	} else {
		struct chip_opts co = { .extended = a.extended	  ? APDU_FORCE_EXTENDED :
						    a.no_extended ? APDU_FORCE_SHORT :
								    APDU_AUTO };
		uint8_t aid[ES10_AID_MAX];

		if (a.aid && es10_aid_parse(a.aid, aid, &co.aid_len)) {
			fprintf(stderr, "portdp-lpa: bad AID %s\n", a.aid);
			return LPA_E_LOCAL;
		}
		co.aid = a.aid ? aid : NULL;
		ret = chip_open(a.chip, &co, &sc, err, sizeof(err));
		if (ret) {
			fprintf(stderr, "portdp-lpa: %s\n", err);
			return ret == -ENODEV ? LPA_E_CHIP_GONE : LPA_E_LOCAL;
		}
		if (a.verbose && sc->apdu_mode[0])
			fprintf(stderr, "lpa: %s: %s\n", sc->name, sc->apdu_mode);
	}
	if (a.notify) {
		r = do_notify(&a, sc);
	} else if (a.ac) {
		r = do_download(&a, sc, e);
	} else if (a.delete_iccid) {
		r = do_manage(&a, sc, "delete", a.delete_iccid);
	} else if (!strcmp(a.cmd, "list")) {
		r = do_list(sc);
	} else if (!strcmp(a.cmd, "eid")) {
		char eid[33];

		r = es10_get_eid(&sc->chip, eid) ? LPA_E_EUICC_REFUSED : LPA_OK;
		if (r == LPA_OK)
			printf("%s\n", eid);
		else
			fprintf(stderr, "portdp-lpa: GetEID: %s\n", sc->chip.err);
	} else {
		r = do_manage(&a, sc, a.cmd, a.arg1);
	}
	chip_close(sc);
	seuicc_close(e);
	if (dp_card && a.verbose)
		fprintf(stderr, "lpa: Port-DP+ card: %lu APDU round trips\n", dp_card_apdus(dp_card));
	dp_card_close(dp_card);
	return r;
}
