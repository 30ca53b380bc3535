// SPDX-License-Identifier: Apache-2.0
/*
 * portdp-pki: a test PKI for Port-DP+ in one process: a CI, an EUM with
 * SGP.22 nameConstraints, N eUICCs, DPauth/DPpb certificates and a DP TLS
 * server certificate. One EUM key signs all eUICCs, so thousands take
 * seconds. Test use only: keys are written unencrypted.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include <openssl/bn.h>
#include <openssl/conf.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509v3.h>

#include "eid.h"

#define MAX_SANS 16
#define MAX_OPERATORS 16

struct opts {
	const char *dir;
	const char *curve;
	const char *ci_name;
	const char *eum_org;
	const char *eid_prefix;
	unsigned long long eid_start;
	unsigned count, outside;
	const char *dp_org;
	const char *dp_cn;
	const char *sans[MAX_SANS];
	unsigned n_sans;
	const char *operators[MAX_OPERATORS];
	unsigned n_operators;
	const char *units[MAX_OPERATORS];
	unsigned n_units;
	long days;
};

/* An issuing identity: certificate and private key. */
struct party {
	X509 *cert;
	EVP_PKEY *key;
};

static void die(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	fprintf(stderr, "portdp-pki: ");
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	ERR_print_errors_fp(stderr);
	exit(1);
}

static void usage(FILE *f)
{
	fprintf(
	    f,
	    "usage: portdp-pki [options] DIR\n"
	    "Makes an SGP.22 test PKI in DIR (created if missing). TEST USE ONLY.\n"
	    "\n"
	    "options:\n"
	    "  -n, --euiccs N        eUICCs to issue (default 1)\n"
	    "      --curve C         p256 (default) or bp256 for every key\n"
	    "      --ci-name CN      CI common name (default \"Port-DP Test CI\")\n"
	    "      --eum-org O       EUM organisation, also the permitted O (default\n"
	    "                        \"Port-DP Test EUM\")\n"
	    "      --eid-prefix D    EID prefix the EUM may issue (default 89049032)\n"
	    "      --eid-start N     serial part of the first EID (default 1)\n"
	    "      --outside N       also issue N eUICCs whose EIDs lie outside the EUM's\n"
	    "                        range (negative tests; default 0)\n"
	    "      --dp-org O        DPauth/DPpb/TLS subject O (default \"Port-DP Test\")\n"
	    "      --dp-cn CN        DPauth/DPpb subject CN (default \"TEST SM-DP+\")\n"
	    "      --san S           TLS subjectAltName entry, DNS:name or IP:addr;\n"
	    "                        repeatable (default DNS:testsmdpplus1.example.com,\n"
	    "                        DNS:localhost, IP:127.0.0.1); first DNS is the CN\n"
	    "      --days N          validity from yesterday (default 3650)\n"
	    "      --operator NAME   ES2+: also an operator CA and a client certificate for\n"
	    "                        NAME (repeatable; see operators/ below)\n"
	    "      --unit NAME       transfers between units: also a unit CA and a unit\n"
	    "                        certificate for NAME (repeatable; see units/ below)\n"
	    "  -h, --help            this text\n"
	    "\n"
	    "files written into DIR (keys are unencrypted PKCS#8 PEM):\n"
	    "  ci.der ci.pem ci-key.pem               CI, self-signed (policy 2.23.146.1.2.1.0)\n"
	    "  eum.der eum.pem eum-key.pem            EUM (CA, nameConstraints O + EID prefix)\n"
	    "  dpauth.der dpauth.pem dpauth-key.pem   CERT.DPauth (policy ...1.4)\n"
	    "  dppb.der dppb.pem dppb-key.pem         CERT.DPpb (policy ...1.5)\n"
	    "  dptls.der dptls.pem dptls-key.pem      DP TLS server cert (policy ...1.3)\n"
	    "  dptls-chain.pem                        dptls.pem followed by ci.pem\n"
	    "  euicc/EID.der euicc/EID-key.pem        one pair per eUICC (subject\n"
	    "                                         serialNumber = EID)\n"
	    "  euicc/list.txt                         the EIDs, one a line\n"
	    "  outside/EID.der outside/EID-key.pem    with --outside: EIDs outside the\n"
	    "  outside/list.txt                       EUM's range (signed by the EUM)\n"
	    "  with --operator (ES2+, all P-256, in operators/):\n"
	    "  opca.pem opca-key.pem                  the operator CA (portdpd es2_client_ca)\n"
	    "  NAME.pem NAME-key.pem                  client certificate O=Test Operator,CN=NAME\n"
	    "  opsrv.pem opsrv-key.pem                the operators' HTTPS server (IP:127.0.0.1,\n"
	    "                                         DNS:localhost) for progress reports\n"
	    "  unit.pem unit-key.pem                  portdpd's client certificate towards them\n"
	    "  with --unit (transfer identities, all P-256, in units/):\n"
	    "  uca.pem uca-key.pem                    the unit CA (portdpctl transfer --ca)\n"
	    "  NAME.pem NAME-key.pem                  unit certificate O=Port-DP Units,CN=NAME\n"
	    "                                         (digitalSignature, keyAgreement; client and\n"
	    "                                         server auth, for the online transfer API)\n");
}

/* The output holds private keys: new directories are the owner's alone. */
static void mkdir_p(const char *path)
{
	if (mkdir(path, 0700) && errno != EEXIST)
		die("mkdir %s: %s", path, strerror(errno));
}

/*
 * @secret: a private key. Its file is made (or, left by an earlier run, cut back to) 0600
 * before a byte of the key is written, and a planted link is not followed.
 */
static FILE *open_out_file(const char *dir, const char *name, int secret)
{
	char path[4096];
	FILE *f = NULL;
	int fd;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | (secret ? O_NOFOLLOW : 0),
		  secret ? 0600 : 0666);
	if (fd >= 0 && (!secret || !fchmod(fd, 0600)))
		f = fdopen(fd, "w");
	if (!f)
		die("%s: %s", path, strerror(errno));
	return f;
}

static FILE *open_out(const char *dir, const char *name)
{
	return open_out_file(dir, name, 0);
}

static void close_out(FILE *f, const char *name)
{
	if (ferror(f) | fclose(f))
		die("writing %s failed", name);
}

static void write_cert(const char *dir, const char *base, X509 *x, int der, int pem)
{
	char name[512];
	FILE *f;

	if (der) {
		snprintf(name, sizeof(name), "%s.der", base);
		f = open_out(dir, name);
		if (!i2d_X509_fp(f, x))
			die("encode %s", name);
		close_out(f, name);
	}
	if (pem) {
		snprintf(name, sizeof(name), "%s.pem", base);
		f = open_out(dir, name);
		if (!PEM_write_X509(f, x))
			die("encode %s", name);
		close_out(f, name);
	}
}

static void write_key(const char *dir, const char *base, EVP_PKEY *k)
{
	char name[512];
	FILE *f;

	snprintf(name, sizeof(name), "%s-key.pem", base);
	f = open_out_file(dir, name, 1);
	if (!PEM_write_PrivateKey(f, k, NULL, NULL, 0, NULL, NULL))
		die("encode %s", name);
	close_out(f, name);
}

static EVP_PKEY *new_key(const char *group)
{
	EVP_PKEY *k = EVP_PKEY_Q_keygen(NULL, NULL, "EC", group);

	if (!k)
		die("key generation on %s failed", group);
	return k;
}

static X509_NAME *make_name(const char *const *kv)
{
	X509_NAME *n = X509_NAME_new();

	for (; n && kv[0]; kv += 2)
		if (kv[1] && !X509_NAME_add_entry_by_txt(n, kv[0], MBSTRING_UTF8,
							 (const unsigned char *)kv[1], -1, -1, 0))
			die("name attribute %s=%s", kv[0], kv[1]);
	if (!n)
		die("out of memory");
	return n;
}

static void add_ext(X509 *x, X509V3_CTX *ctx, int nid, const char *value)
{
	X509_EXTENSION *e = X509V3_EXT_nconf_nid(NULL, ctx, nid, value);

	if (!e || !X509_add_ext(x, e, -1))
		die("extension %s = %s", OBJ_nid2sn(nid), value);
	X509_EXTENSION_free(e);
}

/* SGP.22 EUM rule: permitted DirName O=<org>, serialNumber=<EID prefix>. */
static void add_name_constraints(X509 *x, const char *org, const char *prefix)
{
	const char *kv[] = {"O", org, "serialNumber", prefix, NULL, NULL};
	NAME_CONSTRAINTS *nc = NAME_CONSTRAINTS_new();
	GENERAL_SUBTREE *st = GENERAL_SUBTREE_new();

	if (!nc || !st)
		die("out of memory");
	nc->permittedSubtrees = sk_GENERAL_SUBTREE_new_null();
	st->base->type = GEN_DIRNAME;
	st->base->d.directoryName = make_name(kv);
	if (!nc->permittedSubtrees || !sk_GENERAL_SUBTREE_push(nc->permittedSubtrees, st))
		die("out of memory");
	if (!X509_add1_ext_i2d(x, NID_name_constraints, nc, 1, X509V3_ADD_DEFAULT))
		die("nameConstraints");
	NAME_CONSTRAINTS_free(nc);
}

struct cert_spec {
	X509_NAME *subject;
	EVP_PKEY *key;
	const struct party *issuer; /* NULL: self-signed */
	long days;
	const char *const *exts; /* NULL-terminated pairs: short name, value */
	const char *nc_org;	 /* set: add the EUM nameConstraints */
	const char *nc_prefix;
};

static CONF *empty_conf(void)
{
	static CONF *conf;

	if (!conf)
		conf = NCONF_new(NULL);
	if (!conf)
		die("out of memory");
	return conf;
}

static X509 *make_cert(const struct cert_spec *s)
{
	X509 *x = X509_new(), *issuer_cert;
	EVP_PKEY *sign_key = s->issuer ? s->issuer->key : s->key;
	const char *const *e;
	ASN1_INTEGER *serial;
	X509V3_CTX ctx;
	BIGNUM *bn = BN_new();

	if (!x || !bn)
		die("out of memory");
	/* Positive 127-bit random serial. */
	if (!BN_rand(bn, 127, BN_RAND_TOP_ANY, BN_RAND_BOTTOM_ANY) ||
	    !(serial = BN_to_ASN1_INTEGER(bn, NULL)) || !X509_set_serialNumber(x, serial))
		die("serial");
	ASN1_INTEGER_free(serial);
	BN_free(bn);
	issuer_cert = s->issuer ? s->issuer->cert : x;
	if (!X509_set_version(x, X509_VERSION_3) || !X509_set_subject_name(x, s->subject) ||
	    !X509_set_issuer_name(x, X509_get_subject_name(issuer_cert)) ||
	    !X509_gmtime_adj(X509_getm_notBefore(x), -86400) ||
	    !X509_time_adj_ex(X509_getm_notAfter(x), s->days, 0, NULL) ||
	    !X509_set_pubkey(x, s->key))
		die("certificate fields");
	X509V3_set_ctx(&ctx, issuer_cert, x, NULL, NULL, 0);
	X509V3_set_nconf(&ctx, empty_conf()); /* certificatePolicies insists on one */
	for (e = s->exts; e && e[0]; e += 2)
		add_ext(x, &ctx, OBJ_sn2nid(e[0]), e[1]);
	if (s->nc_org)
		add_name_constraints(x, s->nc_org, s->nc_prefix);
	if (!X509_sign(x, sign_key, EVP_sha256()))
		die("signing");
	return x;
}

static void issue_euiccs(const struct opts *o, const struct party *eum, const char *sub,
			 const char *prefix, unsigned long long start, unsigned n)
{
	/* clang-format off */
	static const char *const exts[] = {
		"subjectKeyIdentifier", "hash",
		"authorityKeyIdentifier", "keyid:always",
		"keyUsage", "critical,digitalSignature",
		"certificatePolicies", "critical,2.23.146.1.2.1.1",
		NULL, NULL,
	};
	/* clang-format on */
	char dir[4096], eid[EID_DIGITS + 1], name[64];
	FILE *list;
	unsigned i;

	snprintf(dir, sizeof(dir), "%s/%s", o->dir, sub);
	mkdir_p(dir);
	list = open_out(dir, "list.txt");
	for (i = 0; i < n; i++) {
		const char *kv[] = {"O",  o->eum_org,	"serialNumber", eid,
				    "CN", "Test eUICC", NULL,		NULL};
		struct cert_spec s = {.issuer = eum, .days = o->days, .exts = exts};
		X509 *x;

		if (eid_make(prefix, start + i, eid))
			die("EID prefix %s and serial %llu do not fit 30 digits", prefix,
			    start + i);
		s.subject = make_name(kv);
		s.key = new_key(o->curve);
		x = make_cert(&s);
		write_cert(dir, eid, x, 1, 0);
		snprintf(name, sizeof(name), "%s", eid);
		write_key(dir, name, s.key);
		fprintf(list, "%s\n", eid);
		X509_free(x);
		X509_NAME_free(s.subject);
		EVP_PKEY_free(s.key);
	}
	close_out(list, "list.txt");
}

static void issue_dp(const struct opts *o, const struct party *ci, const char *base,
		     const char *policy)
{
	const char *kv[] = {"O", o->dp_org, "CN", o->dp_cn, NULL, NULL};
	/* clang-format off */
	const char *exts[] = {
		"subjectKeyIdentifier", "hash",
		"authorityKeyIdentifier", "keyid:always",
		"keyUsage", "critical,digitalSignature",
		"certificatePolicies", policy,
		"subjectAltName", "RID:2.999.10",
		NULL, NULL,
	};
	/* clang-format on */
	struct cert_spec s = {.issuer = ci, .days = o->days, .exts = exts};
	X509 *x;

	s.subject = make_name(kv);
	s.key = new_key(o->curve);
	x = make_cert(&s);
	write_cert(o->dir, base, x, 1, 1);
	write_key(o->dir, base, s.key);
	X509_free(x);
	X509_NAME_free(s.subject);
	EVP_PKEY_free(s.key);
}

static void issue_tls(const struct opts *o, const struct party *ci)
{
	char san[2048] = "", *cn = NULL, chain_name[] = "dptls-chain.pem";
	/* clang-format off */
	const char *exts[] = {
		"subjectKeyIdentifier", "hash",
		"authorityKeyIdentifier", "keyid:always",
		"keyUsage", "critical,digitalSignature",
		"extendedKeyUsage", "critical,serverAuth,clientAuth",
		"certificatePolicies", "2.23.146.1.2.1.3",
		"subjectAltName", san,
		NULL, NULL,
	};
	/* clang-format on */
	struct cert_spec s = {.issuer = ci, .days = o->days, .exts = exts};
	unsigned i;
	FILE *f;
	X509 *x;

	for (i = 0; i < o->n_sans; i++) {
		if (!cn && !strncmp(o->sans[i], "DNS:", 4))
			cn = (char *)o->sans[i] + 4;
		if (strlen(san) + strlen(o->sans[i]) + 2 >= sizeof(san))
			die("too many subjectAltNames");
		if (i)
			strcat(san, ",");
		strcat(san, o->sans[i]);
	}
	{
		const char *kv[] = {"O", o->dp_org, "CN", cn ? cn : "localhost", NULL, NULL};

		s.subject = make_name(kv);
	}
	s.key = new_key(o->curve);
	x = make_cert(&s);
	write_cert(o->dir, "dptls", x, 1, 1);
	write_key(o->dir, "dptls", s.key);
	f = open_out(o->dir, chain_name);
	if (!PEM_write_X509(f, x) || !PEM_write_X509(f, ci->cert))
		die("encode %s", chain_name);
	close_out(f, chain_name);
	X509_free(x);
	X509_NAME_free(s.subject);
	EVP_PKEY_free(s.key);
}

/* An end-entity certificate of @ca for @cn with extended key usage @eku (and @san). */
static void issue_leaf(const char *dir, const char *base, const struct party *ca, const char *org,
		       const char *cn, const char *eku, const char *san, long days)
{
	const char *kv[] = {"O", org, "CN", cn, NULL, NULL};
	/* clang-format off */
	const char *exts[] = {
		"subjectKeyIdentifier", "hash",
		"authorityKeyIdentifier", "keyid:always",
		"keyUsage", "critical,digitalSignature",
		"extendedKeyUsage", eku,
		san ? "subjectAltName" : NULL, san,
		NULL, NULL,
	};
	/* clang-format on */
	struct cert_spec s = {.issuer = ca, .days = days, .exts = exts};
	X509 *x;

	s.subject = make_name(kv);
	s.key = new_key("P-256");
	x = make_cert(&s);
	write_cert(dir, base, x, 0, 1);
	write_key(dir, base, s.key);
	X509_free(x);
	X509_NAME_free(s.subject);
	EVP_PKEY_free(s.key);
}

/* ES2+: an operator CA, a client certificate per operator, the endpoint's and ours. */
static void issue_operators(const struct opts *o)
{
	/* clang-format off */
	static const char *const ca_exts[] = {
		"subjectKeyIdentifier", "hash",
		"basicConstraints", "critical,CA:TRUE,pathlen:0",
		"keyUsage", "critical,keyCertSign,cRLSign",
		NULL, NULL,
	};
	/* clang-format on */
	const char *kv[] = {"O", "Port-DP Test Operators", "CN", "Operator CA", NULL, NULL};
	struct cert_spec s = {.days = o->days, .exts = ca_exts};
	char dir[4096];
	struct party ca;
	unsigned i;

	snprintf(dir, sizeof(dir), "%s/operators", o->dir);
	mkdir_p(dir);
	s.subject = make_name(kv);
	ca.key = s.key = new_key("P-256");
	ca.cert = make_cert(&s);
	X509_NAME_free(s.subject);
	write_cert(dir, "opca", ca.cert, 0, 1);
	write_key(dir, "opca", ca.key);
	for (i = 0; i < o->n_operators; i++)
		issue_leaf(dir, o->operators[i], &ca, "Test Operator", o->operators[i],
			   "clientAuth", NULL, o->days);
	issue_leaf(dir, "opsrv", &ca, "Test Operator", "localhost", "serverAuth",
		   "DNS:localhost,IP:127.0.0.1", o->days);
	issue_leaf(dir, "unit", &ca, o->dp_org, "Port-DP unit", "clientAuth", NULL, o->days);
	X509_free(ca.cert);
	EVP_PKEY_free(ca.key);
}

/* Transfers between units: a unit CA and one certificate (and key) per unit. */
static void issue_units(const struct opts *o)
{
	/* clang-format off */
	static const char *const ca_exts[] = {
		"subjectKeyIdentifier", "hash",
		"basicConstraints", "critical,CA:TRUE,pathlen:0",
		"keyUsage", "critical,keyCertSign,cRLSign",
		NULL, NULL,
	};
	/* clang-format on */
	const char *kv[] = {"O", "Port-DP Units", "CN", "Unit CA", NULL, NULL};
	struct cert_spec s = {.days = o->days, .exts = ca_exts};
	char dir[4096];
	struct party ca;
	unsigned i;

	snprintf(dir, sizeof(dir), "%s/units", o->dir);
	mkdir_p(dir);
	s.subject = make_name(kv);
	ca.key = s.key = new_key("P-256");
	ca.cert = make_cert(&s);
	X509_NAME_free(s.subject);
	write_cert(dir, "uca", ca.cert, 0, 1);
	write_key(dir, "uca", ca.key);
	for (i = 0; i < o->n_units; i++) {
		/* clang-format off */
		const char *exts[] = {
			"subjectKeyIdentifier", "hash",
			"authorityKeyIdentifier", "keyid:always",
			"keyUsage", "critical,digitalSignature,keyAgreement",
			"extendedKeyUsage", "clientAuth,serverAuth",
			NULL, NULL,
		};
		/* clang-format on */
		const char *ukv[] = {"O", "Port-DP Units", "CN", o->units[i], NULL, NULL};
		struct cert_spec u = {.issuer = &ca, .days = o->days, .exts = exts};
		X509 *x;

		u.subject = make_name(ukv);
		u.key = new_key("P-256");
		x = make_cert(&u);
		write_cert(dir, o->units[i], x, 0, 1);
		write_key(dir, o->units[i], u.key);
		X509_free(x);
		X509_NAME_free(u.subject);
		EVP_PKEY_free(u.key);
	}
	X509_free(ca.cert);
	EVP_PKEY_free(ca.key);
}

static const char *default_sans[] = {"DNS:testsmdpplus1.example.com", "DNS:localhost",
				     "IP:127.0.0.1"};

static unsigned long parse_num(const char *s, const char *what, unsigned long max)
{
	char *end;
	unsigned long long v;

	errno = 0;
	v = strtoull(s, &end, 10);
	if (errno || end == s || *end || v > max || s[0] == '-')
		die("bad %s: %s", what, s);
	return v;
}

static void parse_args(int argc, char **argv, struct opts *o)
{
	static const struct option longopts[] = {
	    {"euiccs", required_argument, NULL, 'n'},
	    {"curve", required_argument, NULL, 'c'},
	    {"ci-name", required_argument, NULL, 'C'},
	    {"eum-org", required_argument, NULL, 'e'},
	    {"eid-prefix", required_argument, NULL, 'p'},
	    {"eid-start", required_argument, NULL, 's'},
	    {"outside", required_argument, NULL, 'x'},
	    {"dp-org", required_argument, NULL, 'o'},
	    {"dp-cn", required_argument, NULL, 'N'},
	    {"san", required_argument, NULL, 'S'},
	    {"days", required_argument, NULL, 'd'},
	    {"operator", required_argument, NULL, 'O'},
	    {"unit", required_argument, NULL, 'U'},
	    {"help", no_argument, NULL, 'h'},
	    {NULL, 0, NULL, 0},
	};
	int c;

	*o = (struct opts){.curve = "prime256v1",
			   .ci_name = "Port-DP Test CI",
			   .eum_org = "Port-DP Test EUM",
			   .eid_prefix = "89049032",
			   .eid_start = 1,
			   .count = 1,
			   .dp_org = "Port-DP Test",
			   .dp_cn = "TEST SM-DP+",
			   .days = 3650};
	while ((c = getopt_long(argc, argv, "n:h", longopts, NULL)) != -1) {
		switch (c) {
		case 'n':
			o->count = parse_num(optarg, "--euiccs", 10000000);
			break;
		case 'c':
			if (!strcmp(optarg, "p256"))
				o->curve = "prime256v1";
			else if (!strcmp(optarg, "bp256"))
				o->curve = "brainpoolP256r1";
			else
				die("--curve: p256 or bp256");
			break;
		case 'C':
			o->ci_name = optarg;
			break;
		case 'e':
			o->eum_org = optarg;
			break;
		case 'p':
			if (eid_prefix_ok(optarg))
				die("--eid-prefix: 1..%d decimal digits", EID_DIGITS - 4);
			o->eid_prefix = optarg;
			break;
		case 's':
			o->eid_start = parse_num(optarg, "--eid-start", (unsigned long)-1);
			break;
		case 'x':
			o->outside = parse_num(optarg, "--outside", 1000000);
			break;
		case 'o':
			o->dp_org = optarg;
			break;
		case 'N':
			o->dp_cn = optarg;
			break;
		case 'S':
			if (o->n_sans == MAX_SANS)
				die("at most %d --san", MAX_SANS);
			o->sans[o->n_sans++] = optarg;
			break;
		case 'd':
			o->days = parse_num(optarg, "--days", 100000);
			break;
		case 'O':
			if (o->n_operators == MAX_OPERATORS)
				die("at most %d --operator", MAX_OPERATORS);
			if (!*optarg || strlen(optarg) > 64 ||
			    optarg[strspn(optarg, "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"
						  "abcdefghijklmnopqrstuvwxyz._-")])
				die("--operator %s: 1..64 of 0-9 A-Z a-z . _ -", optarg);
			o->operators[o->n_operators++] = optarg;
			break;
		case 'U':
			if (o->n_units == MAX_OPERATORS)
				die("at most %d --unit", MAX_OPERATORS);
			if (!*optarg || strlen(optarg) > 64 ||
			    optarg[strspn(optarg, "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"
						  "abcdefghijklmnopqrstuvwxyz._-")])
				die("--unit %s: 1..64 of 0-9 A-Z a-z . _ -", optarg);
			o->units[o->n_units++] = optarg;
			break;
		case 'h':
			usage(stdout);
			exit(0);
		default:
			usage(stderr);
			exit(2);
		}
	}
	if (optind + 1 != argc) {
		usage(stderr);
		exit(2);
	}
	o->dir = argv[optind];
	/* Check everything before the first file is written. */
	for (c = 0; c < (int)o->n_sans; c++)
		if (strncmp(o->sans[c], "DNS:", 4) && strncmp(o->sans[c], "IP:", 3))
			die("--san %s: want DNS:name or IP:address", o->sans[c]);
	{
		char eid[EID_DIGITS + 1], outside[EID_DIGITS];

		eid_prefix_outside(o->eid_prefix, outside);
		if (eid_make(o->eid_prefix, o->eid_start + o->count, eid) ||
		    eid_make(outside, o->eid_start + o->outside, eid))
			die("EIDs from --eid-start %llu on do not fit after prefix %s",
			    o->eid_start, o->eid_prefix);
	}
	if (!o->n_sans) {
		memcpy(o->sans, default_sans, sizeof(default_sans));
		o->n_sans = sizeof(default_sans) / sizeof(default_sans[0]);
	}
}

int main(int argc, char **argv)
{
	/* clang-format off */
	static const char *const ci_exts[] = {
		"subjectKeyIdentifier", "hash",
		"basicConstraints", "critical,CA:TRUE",
		"certificatePolicies", "critical,2.23.146.1.2.1.0",
		"keyUsage", "critical,keyCertSign,cRLSign",
		"subjectAltName", "RID:2.999.1",
		NULL, NULL,
	};
	/* clang-format on */
	static const char *const eum_exts[] = {
	    "subjectKeyIdentifier",
	    "hash",
	    "authorityKeyIdentifier",
	    "keyid:always",
	    "keyUsage",
	    "critical,keyCertSign",
	    "certificatePolicies",
	    "critical,2.23.146.1.2.1.2",
	    "subjectAltName",
	    "RID:2.999.5",
	    "basicConstraints",
	    "critical,CA:TRUE,pathlen:0",
	    NULL,
	    NULL,
	};
	char outside_prefix[EID_DIGITS];
	struct party ci, eum;
	struct opts o;

	parse_args(argc, argv, &o);
	mkdir_p(o.dir);

	{
		const char *kv[] = {"CN",      o.ci_name, "OU", "TESTCERT", "O",
				    "RSPTEST", "C",	  "IT", NULL,	    NULL};
		struct cert_spec s = {
		    .subject = make_name(kv), .days = o.days + 3650, .exts = ci_exts};

		ci.key = s.key = new_key(o.curve);
		ci.cert = make_cert(&s);
		X509_NAME_free(s.subject);
	}
	{
		const char *kv[] = {"C", "DE", "O", o.eum_org, "CN", "EUM Test", NULL, NULL};
		struct cert_spec s = {.subject = make_name(kv),
				      .issuer = &ci,
				      .days = o.days + 1825,
				      .exts = eum_exts};

		eum.key = s.key = new_key(o.curve);
		s.nc_org = o.eum_org;
		s.nc_prefix = o.eid_prefix;
		eum.cert = make_cert(&s);
		X509_NAME_free(s.subject);
	}
	write_cert(o.dir, "ci", ci.cert, 1, 1);
	write_key(o.dir, "ci", ci.key);
	write_cert(o.dir, "eum", eum.cert, 1, 1);
	write_key(o.dir, "eum", eum.key);

	issue_dp(&o, &ci, "dpauth", "critical,2.23.146.1.2.1.4");
	issue_dp(&o, &ci, "dppb", "critical,2.23.146.1.2.1.5");
	issue_tls(&o, &ci);
	issue_euiccs(&o, &eum, "euicc", o.eid_prefix, o.eid_start, o.count);
	if (o.outside) {
		eid_prefix_outside(o.eid_prefix, outside_prefix);
		issue_euiccs(&o, &eum, "outside", outside_prefix, o.eid_start, o.outside);
	}
	if (o.n_operators)
		issue_operators(&o);
	if (o.n_units)
		issue_units(&o);
	X509_free(ci.cert);
	EVP_PKEY_free(ci.key);
	X509_free(eum.cert);
	EVP_PKEY_free(eum.key);
	return 0;
}
