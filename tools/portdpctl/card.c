// SPDX-License-Identifier: Apache-2.0
/*
 * portdpctl card: subcommand table, the option parser all subcommands share,
 * and small helpers (opening the card, error words, public keys, safe writes).
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <libgen.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/core_names.h>
#include <openssl/params.h>

#include "card.h"
#include "portdpctl.h"

static const char card_usage[] =
    "usage: portdpctl card SUBCOMMAND [--dev /dev/portdp-accelN] [OPTIONS]\n"
    "  status                               firmware, serial, state, queue, counters, slots\n"
    "  list                                 key slots holding a key (curve, public key)\n"
    "  keygen --slot N [--curve p256|bp256] generate a key in an empty slot\n"
    "  destroy --slot N                     empty a slot (the key is gone for good)\n"
    "  csr --slot N --subject /O=../CN=.. --out FILE.csr\n"
    "                                       PKCS#10 request signed by the slot's key\n"
    "  install-cert --slot N --cert FILE (--out DEST | --config portdpd.conf\n"
    "               --role tls|dpauth|dppb) check the certificate holds the slot's\n"
    "                                       public key, then store it (atomically)\n";

int card_parse_args(int argc, char **argv, unsigned allowed, unsigned required, struct card_args *a)
{
	static const struct option opts[] = {
	    {"dev", required_argument, NULL, 'D'},
	    {"slot", required_argument, NULL, 's'},
	    {"curve", required_argument, NULL, 'c'},
	    {"subject", required_argument, NULL, 'S'},
	    {"out", required_argument, NULL, 'o'},
	    {"cert", required_argument, NULL, 'C'},
	    {"config", required_argument, NULL, 'f'},
	    {"role", required_argument, NULL, 'r'},
	    {NULL, 0, NULL, 0},
	};
	static const struct {
		int opt;
		unsigned bit;
		const char *name;
	} bits[] = {
	    {'s', CARD_OPT_SLOT, "slot"},	{'c', CARD_OPT_CURVE, "curve"},
	    {'S', CARD_OPT_SUBJECT, "subject"}, {'o', CARD_OPT_OUT, "out"},
	    {'C', CARD_OPT_CERT, "cert"},	{'f', CARD_OPT_CONFIG, "config"},
	    {'r', CARD_OPT_ROLE, "role"},
	};
	unsigned seen = 0, i;
	char *end;
	long v;
	int c;

	memset(a, 0, sizeof(*a));
	a->dev = CARD_DEFAULT_DEV;
	a->slot = -1;
	a->curve = PDP_CURVE_P256;
	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		for (i = 0; i < sizeof(bits) / sizeof(bits[0]); i++)
			if (bits[i].opt == c) {
				if (!(allowed & bits[i].bit))
					return ctl_error(EXIT_USAGE, "card %s: no --%s here",
							 argv[0], bits[i].name);
				seen |= bits[i].bit;
			}
		switch (c) {
		case 'D':
			if (strncmp(optarg, "/dev/", 5) || strlen(optarg) > 200 ||
			    strstr(optarg, ".."))
				return ctl_error(EXIT_USAGE, "--dev %s: want /dev/NAME", optarg);
			a->dev = optarg;
			break;
		case 's':
			errno = 0;
			v = strtol(optarg, &end, 10);
			if (optarg[0] < '0' || optarg[0] > '9' || *end || errno || v > 255)
				return ctl_error(EXIT_USAGE, "--slot %s: want a slot number 0..255",
						 optarg);
			a->slot = (int)v;
			break;
		case 'c':
			if (!strcmp(optarg, "p256"))
				a->curve = PDP_CURVE_P256;
			else if (!strcmp(optarg, "bp256"))
				a->curve = PDP_CURVE_BP256R1;
			else
				return ctl_error(EXIT_USAGE, "--curve %s: want p256 or bp256",
						 optarg);
			break;
		case 'S':
			a->subject = optarg;
			break;
		case 'o':
			a->out = optarg;
			break;
		case 'C':
			a->cert = optarg;
			break;
		case 'f':
			a->config = optarg;
			break;
		case 'r':
			if (strcmp(optarg, "tls") && strcmp(optarg, "dpauth") &&
			    strcmp(optarg, "dppb"))
				return ctl_error(EXIT_USAGE, "--role %s: want tls, dpauth or dppb",
						 optarg);
			a->role = optarg;
			break;
		default:
			return ctl_error(EXIT_USAGE, "card %s: bad option", argv[0]);
		}
	}
	if (optind != argc)
		return ctl_error(EXIT_USAGE, "card %s: unexpected argument '%s'", argv[0],
				 argv[optind]);
	for (i = 0; i < sizeof(bits) / sizeof(bits[0]); i++)
		if ((required & bits[i].bit) && !(seen & bits[i].bit))
			return ctl_error(EXIT_USAGE, "card %s: --%s is required", argv[0],
					 bits[i].name);
	if ((a->out && !*a->out) || (a->cert && !*a->cert) || (a->config && !*a->config))
		return ctl_error(EXIT_USAGE, "card %s: empty file name", argv[0]);
	snprintf(a->slot_uri, sizeof(a->slot_uri), "slot:%d", a->slot);
	snprintf(a->accel_uri, sizeof(a->accel_uri), "dev:%s", a->dev);
	return EXIT_OK;
}

struct pdp_accel *card_open(const struct card_args *a)
{
	struct pdp_accel *accel = NULL;
	int err = pdp_accel_open(a->accel_uri, &accel);

	if (err) {
		ctl_error(EXIT_FAIL, "card %s: %s", a->dev, card_strerror(err));
		return NULL;
	}
	return accel;
}

const char *card_strerror(int err)
{
	switch (err) {
	case -EINVAL:
		return "invalid argument (slot number beyond the card's slots?)";
	case -ENOENT:
		return "no key in that slot";
	case -EEXIST:
		return "the slot holds a key already (destroy it first)";
	case -ENODEV:
		return "no such card (is the driver loaded?)";
	case -EIO:
		return "card failure";
	case -ENOMEM:
		return "out of memory";
	case -EBUSY:
	case -EAGAIN:
		return "card busy";
	default:
		return strerror(-err);
	}
}

const char *card_curve_name(enum pdp_curve curve)
{
	switch (curve) {
	case PDP_CURVE_P256:
		return "p256";
	case PDP_CURVE_BP256R1:
		return "bp256";
	default:
		return "?";
	}
}

EVP_PKEY *card_pub_pkey(const uint8_t pub[PDP_PUBKEY_LEN], enum pdp_curve curve)
{
	const char *group = curve == PDP_CURVE_P256	 ? "prime256v1"
			    : curve == PDP_CURVE_BP256R1 ? "brainpoolP256r1"
							 : NULL;
	OSSL_PARAM params[] = {
	    OSSL_PARAM_utf8_string(OSSL_PKEY_PARAM_GROUP_NAME, (char *)group, 0),
	    OSSL_PARAM_octet_string(OSSL_PKEY_PARAM_PUB_KEY, (void *)pub, PDP_PUBKEY_LEN),
	    OSSL_PARAM_END,
	};
	EVP_PKEY_CTX *ctx;
	EVP_PKEY *pkey = NULL;

	if (!group)
		return NULL;
	ctx = EVP_PKEY_CTX_new_from_name(NULL, "EC", NULL);
	if (!ctx || EVP_PKEY_fromdata_init(ctx) != 1 ||
	    EVP_PKEY_fromdata(ctx, &pkey, EVP_PKEY_PUBLIC_KEY, params) != 1)
		pkey = NULL;
	EVP_PKEY_CTX_free(ctx);
	return pkey;
}

int card_write_file(const char *path, const void *data, size_t len, int replace, unsigned mode)
{
	char dir_buf[PATH_MAX], tmp[PATH_MAX + 16];
	const char *p = data;
	int fd, err = 0;

	if (strlen(path) >= sizeof(dir_buf))
		return -ENAMETOOLONG;
	strcpy(dir_buf, path);
	snprintf(tmp, sizeof(tmp), "%s/.portdpctl-XXXXXX", dirname(dir_buf));
	fd = mkstemp(tmp);
	if (fd < 0)
		return -errno;
	while (len && !err) {
		ssize_t n = write(fd, p, len);

		if (n < 0 && errno != EINTR)
			err = -errno;
		else if (n > 0) {
			p += n;
			len -= (size_t)n;
		}
	}
	if (!err && (fchmod(fd, mode) || fsync(fd)))
		err = -errno;
	if (close(fd) && !err)
		err = -errno;
	if (!err && replace && rename(tmp, path))
		err = -errno;
	if (!err && !replace && link(tmp, path))
		err = -errno;
	if (err || !replace)
		unlink(tmp);
	return err;
}

int cmd_card(int argc, char **argv)
{
	static const struct {
		const char *name;
		int (*run)(int argc, char **argv);
	} subs[] = {
	    {"status", card_status},   {"list", card_list}, {"keygen", card_keygen},
	    {"destroy", card_destroy}, {"csr", card_csr},   {"install-cert", card_install_cert},
	};
	size_t i;

	if (argc < 2 || !strcmp(argv[1], "-h") || !strcmp(argv[1], "--help")) {
		fputs(card_usage, argc < 2 ? stderr : stdout);
		return argc < 2 ? EXIT_USAGE : EXIT_OK;
	}
	for (i = 0; i < sizeof(subs) / sizeof(subs[0]); i++)
		if (!strcmp(argv[1], subs[i].name)) {
			optind = 0; /* the subcommand starts a fresh getopt scan */
			return subs[i].run(argc - 1, argv + 1);
		}
	return ctl_error(EXIT_USAGE, "card: unknown subcommand '%s'", argv[1]);
}
