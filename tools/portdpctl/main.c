// SPDX-License-Identifier: Apache-2.0
/*
 * portdpctl entry point: global options, the command table, opening the
 * inventory. Exit status: 0 done, 1 failed, 2 usage error.
 */
#include <errno.h>
#include <getopt.h>
#include <pwd.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include "portdp/accel.h"
#include "portdpctl.h"

static const char usage_text[] =
    "usage: portdpctl -d DB COMMAND [ARGS]\n"
    "  init                                 create (or migrate) the inventory\n"
    "  import [--sp NAME] [--name NAME] [--class test|provisioning|operational]\n"
    "         [--reuse never|after-delete] [--cc CODE] [--matching-id ID]\n"
    "         [--owner OPERATOR [--profile-type TYPE]] FILE.der...\n"
    "                                       owned profiles wait for an ES2+ order\n"
    "  list [--state STATE]                 ICCID, state, matching ID, EID, class, name\n"
    "  show ICCID|MATCHING_ID\n"
    "  ac ICCID|MATCHING_ID --host SMDP_ADDRESS [--qr] [--png FILE]\n"
    "  audit [--since SEQ]\n"
    "  audit verify [--cert UNIT.pem | --key URI] [--export FILE]\n"
    "                                       check the hash chain and the signed checkpoints\n"
    "  audit export FILE                    rows, chain and checkpoints, to travel with receipts\n"
    "  audit checkpoint --key URI [--reason TEXT]   sign the chain's head (card slot:N or\n"
    "                                       file:PATH; --accel URI, default $PORTDP_ACCEL)\n"
    "  expire                               release expired allocations\n"
    "  operator add NAME (--cert CHAIN.pem | --subject DN) [--url https://...]\n"
    "  operator list | pause NAME | resume NAME   ES2+ operators and their report queue\n"
    "  queue [pause NAME | resume NAME]     progress reports pending per operator, oldest age\n"
    "  download-order (ICCID | --owner OP --type TYPE) [--eid EID]\n"
    "  confirm-order ICCID [--eid EID] [--matching-id ID] [--cc CODE] [--release]\n"
    "  release-profile ICCID\n"
    "  cancel-order ICCID --available|--unavailable\n"
    "                                       ES2+ orders from the command line (owned profiles)\n"
    "  transfer export --to DEST.pem (--count N [--type T] | --iccid ICCID...) [--return]\n"
    "                  -o FILE              profiles leave for another unit in a signed bundle\n"
    "  transfer import BUNDLE [--receipt FILE]   all or nothing; writes a signed receipt\n"
    "  transfer reissue BUNDLE_ID -o FILE   a lost bundle again (until its receipt is back)\n"
    "  transfer receipt RECEIPT             store the destination's receipt\n"
    "  transfer pull --from https://HOST:PORT --count N [--type T] [--retries N]\n"
    "                  pull from a portdpd over mutual TLS; resumes a pending pull\n"
    "  transfer sync --to https://HOST:PORT [--no-audit] [--progress-wait S]\n"
    "                  send upstream what this unit owes: receipts, its audit\n"
    "                  (transfer: --key URI --cert UNIT.pem --ca UNIT-CA.pem [--accel URI])\n"
    "  card SUBCOMMAND ...                  the accelerator card: status, list, keygen,\n"
    "                                       destroy, csr, install-cert (no -d needed;\n"
    "                                       'portdpctl card -h' for details)\n"
    "options: -d DB  inventory file;  --sync  fsync every commit (synchronous=FULL)\n"
    "         -k FILE  stock key the UPPs are sealed with (default DB.stock-key; init and\n"
    "                  import make it, 0600, when missing), or -k slot:N: a stock key on the\n"
    "                  card ($PORTDP_ACCEL, default dev:), made there by init/import when the\n"
    "                  slot is empty; UPPs then open only on the card. No command prints a UPP.\n"
    "Every command may run while portdpd serves DB (SQLite serializes the writers; the\n"
    "database refuses any illegal transition). Audit rows name portdpctl and your uid.\n";

int ctl_error(int status, const char *fmt, ...)
{
	va_list ap;

	fputs("portdpctl: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	if (status == EXIT_USAGE)
		fputs("try 'portdpctl -h'\n", stderr);
	return status;
}

int ctl_find_profile(struct inventory *inv, const char *name, struct inv_profile *p)
{
	int err = -ENOENT;

	/* An all-digit name is tried as an ICCID first, then as a matching ID. */
	if (name[0] && !name[strspn(name, "0123456789")] && strlen(name) < INV_ICCID_MAX)
		err = inv_get_by_iccid(inv, name, p);
	if (err == -ENOENT)
		err = inv_get_by_matching_id(inv, name, p);
	if (err == -EINVAL)
		return ctl_error(EXIT_USAGE, "'%s' is neither an ICCID nor a matching ID", name);
	if (err == -ENOENT)
		return ctl_error(EXIT_FAIL, "no profile with ICCID or matching ID '%s'", name);
	if (err)
		return ctl_error(EXIT_FAIL, "%s", inv_errmsg(inv));
	return EXIT_OK;
}

static int cmd_init(struct inventory *inv, int argc, char **argv)
{
	unsigned n;

	(void)argv;
	if (argc != 1)
		return ctl_error(EXIT_USAGE, "init takes no arguments");
	if (inv_count(inv, -1, &n))
		return ctl_error(EXIT_FAIL, "%s", inv_errmsg(inv));
	printf("inventory ready, %u profiles\n", n);
	return EXIT_OK;
}

static int cmd_expire(struct inventory *inv, int argc, char **argv)
{
	unsigned released;

	(void)argv;
	if (argc != 1)
		return ctl_error(EXIT_USAGE, "expire takes no arguments");
	if (inv_expire(inv, time(NULL), &released))
		return ctl_error(EXIT_FAIL, "%s", inv_errmsg(inv));
	printf("released %u expired allocation%s\n", released, released == 1 ? "" : "s");
	return EXIT_OK;
}

/*
 * Audit rows name the tool and the OS user who ran it (the real uid: sudo and setuid do not
 * hide who it was). An operator name, once portdpctl knows one, follows as " operator=NAME".
 */
static void set_actor(struct inventory *inv)
{
	struct passwd *pw = getpwuid(getuid());
	char actor[INV_ACTOR_MAX];

	snprintf(actor, sizeof(actor), "portdpctl uid=%u(%s)", (unsigned)getuid(),
		 pw ? pw->pw_name : "?");
	if (inv_set_actor(inv, actor))
		inv_set_actor(inv, "portdpctl");
}

static const struct command {
	const char *name;
	int (*run)(struct inventory *inv, int argc, char **argv);
	int creates; /* may create the database file (2: only the stock key) */
} commands[] = {
    {"init", cmd_init, 1},     {"import", cmd_import, 2}, {"list", cmd_list, 0},
    {"show", cmd_show, 0},     {"ac", cmd_ac, 0},	  {"audit", cmd_audit, 0},
    {"expire", cmd_expire, 0}, {"operator", cmd_operator, 0},
    {"queue", cmd_queue, 0}, {"transfer", cmd_transfer, 2},
    {"download-order", cmd_order, 0}, {"confirm-order", cmd_order, 0},
    {"release-profile", cmd_order, 0}, {"cancel-order", cmd_order, 0},
};

/* The card path of sealed stock (-k slot:N): the card wraps each data key at import. */
static struct pdp_accel *stock_accel;
static struct pdp_stock_key *stock_card_key;
static const char *stock_slot_uri;

const char *ctl_stock_slot(void)
{
	return stock_slot_uri;
}

static int card_wrap(void *ctx, const uint8_t dk[INV_STOCK_KEY_LEN],
		     uint8_t wrapped[INV_STOCK_KEY_LEN + 8])
{
	(void)ctx;
	return pdp_stock_wrap(stock_accel, stock_card_key, dk, wrapped);
}

/* Take the stock key in card slot @uri ($PORTDP_ACCEL, default "dev:"); @create: make it. */
static int stock_key_on_card(const char *uri, int create, char *msg, size_t msg_len)
{
	const char *accel = getenv("PORTDP_ACCEL");
	int err;

	err = pdp_accel_open(accel && *accel ? accel : "dev:", &stock_accel);
	if (err) {
		snprintf(msg, msg_len, "stock key %.64s: no card (%s)", uri, strerror(-err));
		return err;
	}
	err = pdp_stock_key_load(stock_accel, uri, &stock_card_key);
	if (err == -ENOENT && create) {
		err = pdp_stock_key_generate(stock_accel, uri, &stock_card_key);
		if (!err)
			fprintf(stderr, "portdpctl: made the stock key in %s on the card\n", uri);
	}
	if (err) {
		snprintf(msg, msg_len, "stock key %.64s: %s", uri,
			 err == -EINVAL	     ? "that slot holds another kind of key"
			 : err == -EOPNOTSUPP ? "the card has no stock keys (protocol 1.3)"
					      : strerror(-err));
		pdp_accel_close(stock_accel);
		stock_accel = NULL;
		return err;
	}
	inv_stock_key_set_card(card_wrap, NULL);
	stock_slot_uri = uri;
	return 0;
}
const char *ctl_db_path;

int main(int argc, char **argv)
{
	static const struct option opts[] = {
	    {"db", required_argument, NULL, 'd'},
	    {"sync", no_argument, NULL, 's'},
	    {"stock-key", required_argument, NULL, 'k'},
	    {"help", no_argument, NULL, 'h'},
	    {NULL, 0, NULL, 0},
	};
	const struct command *cmd = NULL;
	const char *db = NULL, *key = NULL;
	struct inventory *inv;
	char msg[512], key_path[4096];
	int c, sync_full = 0, status;
	size_t i;

	/* '+': stop at the command; its own options are parsed by the command */
	while ((c = getopt_long(argc, argv, "+d:k:h", opts, NULL)) != -1) {
		switch (c) {
		case 'd':
			db = optarg;
			break;
		case 's':
			sync_full = 1;
			break;
		case 'k':
			key = optarg;
			break;
		case 'h':
			fputs(usage_text, stdout);
			return EXIT_OK;
		default:
			fputs(usage_text, stderr);
			return EXIT_USAGE;
		}
	}
	if (optind >= argc)
		return ctl_error(EXIT_USAGE, "no command given");
	/* The card commands do not touch the inventory. */
	if (!strcmp(argv[optind], "card"))
		return cmd_card(argc - optind, argv + optind);
	for (i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
		if (!strcmp(argv[optind], commands[i].name))
			cmd = &commands[i];
	if (!cmd)
		return ctl_error(EXIT_USAGE, "unknown command '%s'", argv[optind]);
	if (!db || !*db)
		return ctl_error(EXIT_USAGE, "no inventory given (-d DB)");
	/* Only init makes a new file: a typo in -d must not create an empty inventory. */
	if (cmd->creates != 1 && access(db, F_OK))
		return ctl_error(EXIT_FAIL,
				 "no inventory at %s (create it with 'portdpctl -d %s init')", db,
				 db);
	/*
	 * The stock key: init and import make it when missing; the others read it when it is
	 * there (opening an inventory of before v5 seals its UPPs, which needs it).
	 */
	if (!key) {
		snprintf(key_path, sizeof(key_path), "%s%s", db, INV_STOCK_KEY_SUFFIX);
		key = key_path;
	}
	if (!strncmp(key, "slot:", 5)) {
		if (stock_key_on_card(key, cmd->creates != 0, msg, sizeof(msg)))
			return ctl_error(EXIT_FAIL, "%s", msg);
	} else if ((cmd->creates || !access(key, F_OK)) &&
		   inv_stock_key_load(key, cmd->creates != 0, msg, sizeof(msg))) {
		return ctl_error(EXIT_FAIL, "%s", msg);
	}
	/* a bundle or receipt leaves only after the change it records is on disk */
	if (!strcmp(cmd->name, "transfer"))
		sync_full = 1;
	if (inv_open_err(db, sync_full, &inv, msg, sizeof(msg)))
		return ctl_error(EXIT_FAIL, "cannot open inventory %s", msg);
	set_actor(inv);
	argc -= optind;
	argv += optind;
	optind = 0; /* the command starts a fresh getopt scan (0: full reinitialisation) */
	ctl_db_path = db;
	status = cmd->run(inv, argc, argv);
	inv_close(inv);
	pdp_stock_key_free(stock_card_key);
	pdp_accel_close(stock_accel);
	return status;
}
