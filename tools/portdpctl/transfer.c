// SPDX-License-Identifier: Apache-2.0
/*
 * portdpctl transfer export | import | reissue | receipt: stock moved between units (UC4).
 * Every subcommand names this unit's identity: --key URI (card slot:N or file:PATH),
 * --cert UNIT.pem (its certificate), --ca CA.pem (the CA that issues unit certificates).
 *
 * Order of the steps, so that a crash anywhere leaves each ICCID in one unit's stock or in a
 * bundle only its destination can import:
 *  export: build and sign the bundle in memory; in one transaction the profiles leave
 *    (state 6), the signed bundle is recorded and the audit head signed; commit (durable);
 *    then the file is written (temporary name, fsync, rename). A crash before the commit
 *    changes nothing; after it, "transfer reissue" writes the recorded bundle again.
 *  import: every check first (structure, signer chain, signature, destination, not imported
 *    before, every UPP opened); then one transaction adds all profiles, records the bundle
 *    id with the signed receipt and signs the audit head; then the receipt file is written
 *    (an import of the same bundle again writes it again, changing nothing else).
 * PORTDP_TEST_KILL_AT=STEP (tests only) kills the process with SIGKILL at a named step;
 * PORTDP_TEST_STOP_AT=STEP stops it (SIGSTOP) there, for a look at its memory.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <inttypes.h>
#include <libgen.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rand.h>
#include <openssl/x509.h>
#include <openssl/x509_vfy.h>
#include "bundle.h"
#include "portdpctl.h"
#include "upp.h"
#include "unit.h"

#define MAX_ICCIDS 1024

struct ident {
	struct unit_opts opt;
	struct unit_key u;
	uint8_t *cert_der;
	int cert_len;
	uint8_t fp[32];
	X509_STORE *ca;
	struct pdp_stock_key *stock; /* the card path: the stock key, on the unit key's card */
};

static void kill_point(const char *step)
{
	const char *at = getenv("PORTDP_TEST_KILL_AT");

	if (at && !strcmp(at, step))
		raise(SIGKILL);
	/* tests only: stop there, so a test can read this process' memory */
	at = getenv("PORTDP_TEST_STOP_AT");
	if (at && !strcmp(at, step))
		raise(SIGSTOP);
}

static void sha256(const uint8_t *p, size_t n, uint8_t out[32])
{
	EVP_Digest(p, n, out, NULL, EVP_sha256(), NULL);
}

static X509 *read_pem_cert(const char *path)
{
	FILE *f = fopen(path, "r");
	X509 *x;

	if (!f)
		return NULL;
	x = PEM_read_X509(f, NULL, NULL, NULL);
	fclose(f);
	return x;
}

static void subject_of(X509 *x, char *out, size_t size)
{
	X509_NAME_oneline(X509_get_subject_name(x), out, (int)size);
}

/* The unit's key, certificate (matching the key) and the unit CA. */
static int ident_open(struct ident *id)
{
	uint8_t pub[PDP_PUBKEY_LEN];
	X509 *x;
	int st;

	if (!id->opt.cert || !id->opt.ca)
		return ctl_error(EXIT_USAGE, "transfer: --key, --cert and --ca are required");
	st = unit_key_open(id->opt.accel, id->opt.key, &id->u);
	if (st)
		return st;
	if (unit_cert_pub(id->opt.cert, pub))
		return EXIT_FAIL;
	if (memcmp(pub, id->u.pub, sizeof(pub)))
		return ctl_error(EXIT_FAIL, "%s is not the certificate of the unit key %s",
				 id->opt.cert, id->opt.key);
	x = read_pem_cert(id->opt.cert);
	id->cert_len = x ? i2d_X509(x, &id->cert_der) : -1;
	X509_free(x);
	if (id->cert_len <= 0 || id->cert_len > BUNDLE_MAX_CERT)
		return ctl_error(EXIT_FAIL, "%s: unusable certificate", id->opt.cert);
	sha256(id->cert_der, (size_t)id->cert_len, id->fp);
	/* the card path: the card re-seals each UPP, so both keys must be on that card */
	if (ctl_stock_slot()) {
		int err = pdp_stock_key_load(id->u.accel, ctl_stock_slot(), &id->stock);
		struct pdp_accel_info info;

		if (!err && (pdp_accel_info(id->u.accel, &info) ||
			     !(info.caps & PDP_ACCEL_CAP_RESEAL)))
			err = -EOPNOTSUPP;
		if (err)
			return ctl_error(
			    EXIT_FAIL,
			    "the stock key is on the card (%s): transfers need the unit"
			    " key %s on the same card, which re-seals the UPPs (%s)",
			    ctl_stock_slot(), id->opt.key,
			    err == -EOPNOTSUPP ? "card protocol 1.4" : strerror(-err));
	}
	id->ca = X509_STORE_new();
	if (!id->ca || X509_STORE_load_file(id->ca, id->opt.ca) != 1)
		return ctl_error(EXIT_FAIL, "%s: cannot load the unit CA", id->opt.ca);
	return EXIT_OK;
}

static void ident_close(struct ident *id)
{
	pdp_stock_key_free(id->stock);
	if (id->u.accel)
		unit_key_close(&id->u);
	OPENSSL_free(id->cert_der);
	X509_STORE_free(id->ca);
}

/* A unit certificate issued by our CA, with a P-256 key: its X509 (caller frees) or NULL. */
static X509 *verify_unit_cert(struct ident *id, const uint8_t *der, size_t len, char *why,
			      size_t why_len)
{
	const uint8_t *p = der;
	X509 *x = d2i_X509(NULL, &p, (long)len);
	X509_STORE_CTX *c = X509_STORE_CTX_new();
	int ok = 0;

	if (!x || p != der + len) {
		snprintf(why, why_len, "the signer certificate does not parse");
	} else if (!c || X509_STORE_CTX_init(c, id->ca, x, NULL) != 1) {
		snprintf(why, why_len, "out of memory");
	} else if (X509_verify_cert(c) != 1) {
		snprintf(why, why_len, "unknown signer: its certificate is not issued by %s (%s)",
			 id->opt.ca, X509_verify_cert_error_string(X509_STORE_CTX_get_error(c)));
	} else {
		ok = 1;
	}
	X509_STORE_CTX_free(c);
	if (!ok) {
		X509_free(x);
		return NULL;
	}
	return x;
}

static int cert_pub(X509 *x, uint8_t pub[65])
{
	char group[32] = "";
	size_t n = 0;

	return EVP_PKEY_get_group_name(X509_get0_pubkey(x), group, sizeof(group), NULL) &&
			   !strcmp(group, "prime256v1") &&
			   EVP_PKEY_get_octet_string_param(X509_get0_pubkey(x), "encoded-pub-key",
							   pub, 65, &n) &&
			   n == 65
		       ? 0
		       : -1;
}

/* Write @p to @path through a temporary file, fsync'd, renamed, directory fsync'd. */
static int write_file(const char *path, const uint8_t *p, size_t n, const char *kill_half)
{
	char tmp[4096], dir[4096];
	size_t done = 0;
	ssize_t w;
	int fd;

	snprintf(tmp, sizeof(tmp), "%s.tmp", path);
	fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (fd < 0)
		return -errno;
	while (done < n) {
		if (kill_half && done >= n / 2)
			kill_point(kill_half);
		w = write(fd, p + done, n - done > n / 2 + 1 ? n / 2 + 1 : n - done);
		if (w < 0) {
			close(fd);
			unlink(tmp);
			return -errno;
		}
		done += (size_t)w;
	}
	if (fsync(fd) || close(fd)) {
		unlink(tmp);
		return -EIO;
	}
	if (rename(tmp, path))
		return -errno;
	snprintf(dir, sizeof(dir), "%s", path);
	fd = open(dirname(dir), O_RDONLY | O_DIRECTORY);
	if (fd >= 0) {
		fsync(fd);
		close(fd);
	}
	return 0;
}

static int read_file(const char *path, uint8_t **buf, size_t *len)
{
	FILE *f = fopen(path, "rb");
	long n;

	if (!f)
		return -errno;
	if (fseek(f, 0, SEEK_END) || (n = ftell(f)) < 0 || n > (1L << 30) ||
	    fseek(f, 0, SEEK_SET)) {
		fclose(f);
		return -EFBIG;
	}
	*buf = malloc((size_t)n + 1);
	if (!*buf || fread(*buf, 1, (size_t)n, f) != (size_t)n) {
		free(*buf);
		fclose(f);
		return -EIO;
	}
	fclose(f);
	*len = (size_t)n;
	return 0;
}

/* ---- export ------------------------------------------------------------------------- */

static int sign_buf(struct ident *id, struct bundle_buf *w)
{
	uint8_t sig[64];
	int err;

	if (w->oom)
		return -ENOMEM;
	err = pdp_sign(id->u.accel, id->u.key, w->p, w->len, sig);
	if (!err)
		bb_bytes(w, sig, 64);
	return err ? err : (w->oom ? -ENOMEM : 0);
}

static int transfer_export(struct inventory *inv, int argc, char **argv)
{
	static const struct option opts[] = {
	    UNIT_OPTS,
	    {"to", required_argument, NULL, 't'},
	    {"count", required_argument, NULL, 'n'},
	    {"type", required_argument, NULL, 'T'},
	    {"iccid", required_argument, NULL, 'i'},
	    {"return", no_argument, NULL, 'r'},
	    {"out", required_argument, NULL, 'o'},
	    {NULL, 0, NULL, 0},
	};
	struct ident id = {0};
	const char *to = NULL, *type = NULL, *out = NULL, *iccids[MAX_ICCIDS];
	unsigned n_iccids = 0, count = 0, n = 0, i;
	int c, ret = 0, st = EXIT_FAIL, err;
	int64_t *ids = NULL;
	X509 *dest = NULL;
	uint8_t dest_pub[65], dest_fp[32], bid[16], *dest_der = NULL;
	int dest_len;
	char subject[INV_SUBJECT_MAX], hex[33];
	struct bundle_buf w = {0};
	struct inv_transfer_out t;

	while ((c = getopt_long(argc, argv, "o:", opts, NULL)) != -1) {
		if (unit_opt(&id.opt, c))
			continue;
		switch (c) {
		case 't':
			to = optarg;
			break;
		case 'n':
			count = (unsigned)strtoul(optarg, NULL, 10);
			if (!count || count > BUNDLE_MAX_ITEMS)
				return ctl_error(EXIT_USAGE, "--count: 1..%d", BUNDLE_MAX_ITEMS);
			break;
		case 'T':
			type = optarg;
			break;
		case 'i':
			if (n_iccids == MAX_ICCIDS)
				return ctl_error(EXIT_USAGE, "at most %d --iccid", MAX_ICCIDS);
			iccids[n_iccids++] = optarg;
			break;
		case 'r':
			ret = 1;
			break;
		case 'o':
			out = optarg;
			break;
		default:
			return EXIT_USAGE;
		}
	}
	if (optind != argc || !to || !out || (!count && !n_iccids) || (count && n_iccids) ||
	    (type && !count))
		return ctl_error(EXIT_USAGE, "usage: transfer export --to DEST.pem (--count N"
					     " [--type T] | --iccid ICCID...) [--return] -o FILE"
					     " --key URI --cert UNIT.pem --ca CA.pem");
	if (ret && !n_iccids)
		return ctl_error(EXIT_USAGE, "a return names its profiles (--iccid)");
	if (!access(out, F_OK))
		return ctl_error(EXIT_FAIL, "%s exists: a bundle is never overwritten", out);
	st = ident_open(&id);
	if (st)
		goto done;
	st = EXIT_FAIL;
	dest = read_pem_cert(to);
	if (!dest) {
		ctl_error(EXIT_FAIL, "%s: not a PEM certificate", to);
		goto done;
	}
	dest_der = NULL;
	dest_len = i2d_X509(dest, &dest_der);
	{
		char why[256];
		X509 *chk = dest_len > 0 ? verify_unit_cert(&id, dest_der, (size_t)dest_len, why,
							     sizeof(why))
					 : NULL;

		if (!chk) {
			ctl_error(EXIT_FAIL, "destination %s: %s", to, why);
			goto done;
		}
		X509_free(chk);
	}
	if (cert_pub(dest, dest_pub)) {
		ctl_error(EXIT_FAIL, "destination %s: not a P-256 key", to);
		goto done;
	}
	sha256(dest_der, (size_t)dest_len, dest_fp);
	if (!memcmp(dest_fp, id.fp, 32)) {
		ctl_error(EXIT_FAIL, "the destination is this unit");
		goto done;
	}
	subject_of(dest, subject, sizeof(subject));
	ids = calloc(count ? count : n_iccids, sizeof(*ids));
	if (!ids)
		goto done;
	if (count) {
		if (inv_transfer_pick(inv, type, count, ids, &n)) {
			ctl_error(EXIT_FAIL, "%s", inv_errmsg(inv));
			goto done;
		}
		if (n < count) {
			ctl_error(EXIT_FAIL, "only %u available profile%s%s%s, %u asked: nothing moved",
				  n, n == 1 ? "" : "s", type ? " of type " : "", type ? type : "",
				  count);
			goto done;
		}
	} else {
		for (i = 0; i < n_iccids; i++) {
			struct inv_profile p;

			err = inv_get_by_iccid(inv, iccids[i], &p);
			if (err) {
				ctl_error(EXIT_FAIL, "ICCID %s: %s", iccids[i],
					  err == -ENOENT ? "not in this inventory" : inv_errmsg(inv));
				goto done;
			}
			if (p.state != INV_AVAILABLE || p.order != INV_ORDER_DIRECT ||
			    p.cc_required) {
				ctl_error(EXIT_FAIL, "ICCID %s is %s%s: only available direct stock"
						     " without a confirmation code moves; nothing moved",
					  iccids[i], inv_state_name(p.state),
					  p.order != INV_ORDER_DIRECT ? " (ordered)"
					  : p.cc_required	       ? " (confirmation code)"
								       : "");
				goto done;
			}
			ids[n++] = p.id;
		}
	}
	/* the bundle, sealed and signed, before anything changes */
	if (RAND_bytes(bid, 16) != 1)
		goto done;
	{
		char why[256];

		err = bundle_build(inv, id.u.accel, id.u.key, id.stock,
				   ret ? BUNDLE_RETURN : BUNDLE_TRANSFER, bid, id.cert_der,
				   (size_t)id.cert_len, dest_fp, dest_pub, ids, n, &w, why, sizeof(why));
		if (err) {
			ctl_error(EXIT_FAIL, "%s", why);
			goto done;
		}
	}
	kill_point("export-signed");
	/* one transaction: the profiles leave, the bundle is recorded, the head is signed */
	hex16(bid, hex);
	t = (struct inv_transfer_out){.kind = ret ? 2 : 1,
				      .dest_cert = dest_der,
				      .dest_cert_len = (size_t)dest_len,
				      .dest_subject = subject,
				      .bundle = w.p,
				      .bundle_len = w.len};
	memcpy(t.id, bid, 16);
	err = inv_atomic_begin(inv);
	if (!err) {
		char reason[64];

		err = inv_transfer_out(inv, &t, ids, n);
		snprintf(reason, sizeof(reason), "transfer out %s", hex);
		if (!err)
			err = unit_checkpoint(inv, &id.u, reason, NULL);
		if (!err)
			kill_point("export-before-commit");
		err = inv_atomic_end(inv, err);
	}
	if (err) {
		ctl_error(EXIT_FAIL, "nothing moved: %s", inv_errmsg(inv));
		goto done;
	}
	kill_point("export-committed");
	err = write_file(out, w.p, w.len, "export-half-written");
	if (err) {
		ctl_error(EXIT_FAIL,
			  "%u profiles left in bundle %s, but writing %s failed (%s): write it "
			  "again with 'transfer reissue %s -o FILE'",
			  n, hex, out, strerror(-err), hex);
		goto done;
	}
	kill_point("export-done");
	printf("bundle %s: %u profile%s for %s written to %s\n", hex, n, n == 1 ? "" : "s",
	       subject, out);
	st = EXIT_OK;
done:
	free(ids);
	free(w.p);
	X509_free(dest);
	OPENSSL_free(dest_der);
	ident_close(&id);
	return st;
}

/* ---- import ------------------------------------------------------------------------- */

struct opened {
	uint8_t *upp;
	size_t len;
};

/*
 * The card path of import: the card opens the envelope with the unit key and re-seals the UPP
 * into the stored form under the stock key (a fresh data key). @blob: malloc'd, as stored.
 * The card checks the envelope's tag over the bundle id and the ICCID; the UPP itself is not
 * parsed (its plaintext never reaches the host), the signed bundle vouches for its ICCID.
 */
static int card_open(struct ident *id, const struct bundle *b, const struct bundle_item *it,
		     uint8_t **blob, size_t *blob_len)
{
	struct pdp_sealed_form in = {.kind = PDP_SEAL_XFER}, out = {.kind = PDP_SEAL_STOCK};
	uint8_t aad[4 + 20], *p;
	size_t n = strlen(it->iccid), ct_len;
	int err;

	if (it->sealed_len <= PDP_UPP_TAG_LEN || it->sealed_len - PDP_UPP_TAG_LEN > PDP_UPP_MAX_LEN)
		return -EBADMSG;
	ct_len = it->sealed_len - PDP_UPP_TAG_LEN;
	in.unit = id->u.key;
	memcpy(in.id, b->id, sizeof(in.id));
	memcpy(in.pub, it->eph_pub, sizeof(in.pub));
	memcpy(in.nonce, it->nonce, sizeof(in.nonce));
	memcpy(in.tag, it->sealed + ct_len, sizeof(in.tag));
	memcpy(aad, "PDS\001", 4);
	memcpy(aad + 4, it->iccid, n);
	out.stock = id->stock;
	out.aad = aad;
	out.aad_len = 4 + n;
	/* the stored form: "PDS" 01 || wrap || nonce || ct || tag (appliance/inventory/seal.c) */
	p = malloc(4 + PDP_STOCK_WRAP_LEN + PDP_UPP_NONCE_LEN + ct_len + PDP_UPP_TAG_LEN);
	if (!p)
		return -ENOMEM;
	err = pdp_upp_reseal(id->u.accel, it->iccid, &in, it->sealed, ct_len, &out,
			     p + 4 + PDP_STOCK_WRAP_LEN + PDP_UPP_NONCE_LEN);
	if (err) {
		free(p);
		return err;
	}
	memcpy(p, aad, 4);
	memcpy(p + 4, out.wrapped, PDP_STOCK_WRAP_LEN);
	memcpy(p + 4 + PDP_STOCK_WRAP_LEN, out.nonce, PDP_UPP_NONCE_LEN);
	memcpy(p + 4 + PDP_STOCK_WRAP_LEN + PDP_UPP_NONCE_LEN + ct_len, out.tag, PDP_UPP_TAG_LEN);
	*blob = p;
	*blob_len = 4 + PDP_STOCK_WRAP_LEN + PDP_UPP_NONCE_LEN + ct_len + PDP_UPP_TAG_LEN;
	return 0;
}

/* Structure, signer, signature: a bundle (or receipt) we may believe. 0 or prints why. */
static int check_signed(struct ident *id, const char *path, const uint8_t *buf, size_t len,
			struct bundle *b, X509 **signer)
{
	uint8_t pub[65];
	const char *why;
	char reason[320];

	if (bundle_parse(buf, len, b, &why))
		return ctl_error(EXIT_FAIL, "%s refused, nothing changed: %s", path, why);
	*signer = verify_unit_cert(id, b->signer_cert, b->signer_cert_len, reason, sizeof(reason));
	if (!*signer) {
		bundle_free(b);
		return ctl_error(EXIT_FAIL, "%s refused, nothing changed: %s", path, reason);
	}
	if (cert_pub(*signer, pub) ||
	    pdp_verify(id->u.accel, PDP_CURVE_P256, pub, buf, b->signed_len, b->sig)) {
		bundle_free(b);
		X509_free(*signer);
		*signer = NULL;
		return ctl_error(EXIT_FAIL,
				 "%s refused, nothing changed: the signature does not verify (the "
				 "file was altered)",
				 path);
	}
	return EXIT_OK;
}

static int write_receipt(const char *path, const uint8_t *r, size_t n)
{
	int err = write_file(path, r, n, NULL);

	if (err)
		return ctl_error(EXIT_FAIL, "writing the receipt %s: %s", path, strerror(-err));
	return EXIT_OK;
}

int transfer_import(struct inventory *inv, int argc, char **argv)
{
	static const struct option opts[] = {
	    UNIT_OPTS,
	    {"receipt", required_argument, NULL, 'o'},
	    {NULL, 0, NULL, 0},
	};
	struct ident id = {0};
	const char *path, *rpath = NULL, *dup = NULL;
	char rbuf[4096], subject[INV_SUBJECT_MAX], hex[33], actor[INV_ACTOR_MAX];
	uint8_t *buf = NULL, *old = NULL, digest[32], src_fp[32];
	size_t len = 0, old_len = 0;
	struct bundle b = {0};
	struct opened *op = NULL;
	struct bundle_buf r = {0};
	X509 *signer = NULL;
	int c, st = EXIT_FAIL, err;
	uint32_t i;

	while ((c = getopt_long(argc, argv, "o:", opts, NULL)) != -1) {
		if (unit_opt(&id.opt, c))
			continue;
		if (c != 'o')
			return EXIT_USAGE;
		rpath = optarg;
	}
	if (optind != argc - 1)
		return ctl_error(EXIT_USAGE, "usage: transfer import BUNDLE [--receipt FILE]"
					     " --key URI --cert UNIT.pem --ca CA.pem");
	path = argv[optind];
	if (!rpath) {
		snprintf(rbuf, sizeof(rbuf), "%s.receipt", path);
		rpath = rbuf;
	}
	st = ident_open(&id);
	if (st)
		goto done;
	st = EXIT_FAIL;
	err = read_file(path, &buf, &len);
	if (err) {
		ctl_error(EXIT_FAIL, "%s: %s", path, strerror(-err));
		goto done;
	}
	if (check_signed(&id, path, buf, len, &b, &signer))
		goto done;
	hex16(b.id, hex);
	if (b.kind == BUNDLE_RECEIPT) {
		ctl_error(EXIT_FAIL, "%s is a receipt, not a bundle (use 'transfer receipt')", path);
		goto done;
	}
	if (memcmp(b.dest_fp, id.fp, 32)) {
		ctl_error(EXIT_FAIL, "%s refused, nothing changed: bundle %s is for another unit",
			  path, hex);
		goto done;
	}
	if (!inv_transfer_seen(inv, b.id, &old, &old_len)) {
		ctl_error(EXIT_FAIL,
			  "%s refused, nothing changed: bundle %s was imported before (replay); "
			  "its receipt is written again to %s",
			  path, hex, rpath);
		write_receipt(rpath, old, old_len);
		goto done;
	}
	subject_of(signer, subject, sizeof(subject));
	/* every UPP opened and checked before anything changes */
	op = calloc(b.count, sizeof(*op));
	if (!op)
		goto done;
	for (i = 0; i < b.count; i++) {
		struct upp_header info;
		uint8_t z[32];

		if (id.stock) {
			err = card_open(&id, &b, &b.items[i], &op[i].upp, &op[i].len);
			if (err) {
				ctl_error(EXIT_FAIL, "%s refused, nothing changed: profile %s %s",
					  path, b.items[i].iccid,
					  err == -EBADMSG || err == -EINVAL
					      ? "does not open with this unit's key"
					      : strerror(-err));
				goto done;
			}
			continue;
		}
		err = pdp_ecdh(id.u.accel, id.u.key, b.items[i].eph_pub, z);
		if (!err)
			err = bundle_open(b.id, b.items[i].iccid, b.items[i].eph_pub, z,
					  b.items[i].nonce, b.items[i].sealed, b.items[i].sealed_len,
					  &op[i].upp, &op[i].len);
		OPENSSL_cleanse(z, sizeof(z));
		if (!err && (upp_parse(op[i].upp, op[i].len, &info) ||
			     strcmp(info.iccid, b.items[i].iccid)))
			err = -EPROTO;
		if (err) {
			ctl_error(EXIT_FAIL, "%s refused, nothing changed: profile %s %s", path,
				  b.items[i].iccid,
				  err == -EPROTO ? "does not carry its own ICCID"
						 : "does not open with this unit's key");
			goto done;
		}
	}
	kill_point("import-opened");
	/* the receipt: this unit signs what it took */
	sha256(b.signer_cert, b.signer_cert_len, src_fp);
	sha256(buf, len, digest);
	bundle_write_head(&r, BUNDLE_RECEIPT, b.id, (uint64_t)time(NULL), id.cert_der,
			  (size_t)id.cert_len, src_fp, digest, b.count);
	for (i = 0; i < b.count; i++) {
		struct bundle_item it = {0};

		memcpy(it.iccid, b.items[i].iccid, sizeof(it.iccid));
		bundle_write_item(&r, &it);
	}
	err = sign_buf(&id, &r);
	if (err) {
		ctl_error(EXIT_FAIL, "signing the receipt: %s", strerror(-err));
		goto done;
	}
	snprintf(actor, sizeof(actor), "portdpctl uid=%u transfer-in %.32s", (unsigned)getuid(),
		 hex);
	inv_set_actor(inv, actor);
	err = inv_atomic_begin(inv);
	for (i = 0; !err && i < b.count; i++) {
		const struct bundle_item *it = &b.items[i];

		if (b.kind == BUNDLE_RETURN) {
			char detail[128];

			snprintf(detail, sizeof(detail), "returned bundle=%s", hex);
			/* the card path keeps the stored UPP it sent (op[i]: checked only) */
			err = inv_transfer_return(inv, it->iccid, b.signer_cert, b.signer_cert_len,
						  id.stock ? NULL : op[i].upp,
						  id.stock ? 0 : op[i].len, detail);
		} else {
			struct inv_import opt = {
			    .sp_name = it->sp_name,
			    .profile_name = it->profile_name,
			    .profile_class = it->profile_class,
			    .reuse = it->reuse ? INV_REUSE_AFTER_DELETE : INV_REUSE_NEVER,
			    .profile_type = it->profile_type[0] ? it->profile_type : NULL,
			};

			err = id.stock ? inv_import_sealed(inv, it->iccid, op[i].upp, op[i].len,
							   &opt, NULL)
				       : inv_import(inv, op[i].upp, op[i].len, &opt, NULL);
			if (err == -EEXIST) {
				/* one we sent back to the signer, coming here again: as a return */
				char detail[128];

				snprintf(detail, sizeof(detail), "came back bundle=%s", hex);
				err = inv_transfer_return(inv, it->iccid, b.signer_cert,
							  b.signer_cert_len,
							  id.stock ? NULL : op[i].upp,
							  id.stock ? 0 : op[i].len, detail);
				if (err)
					dup = it->iccid;
			}
		}
		if (!err && i == b.count / 2)
			kill_point("import-half");
	}
	if (!err)
		err = inv_transfer_in(inv, b.id, subject, b.kind, b.count, r.p, r.len);
	if (!err) {
		char reason[64];

		snprintf(reason, sizeof(reason), "transfer in %s", hex);
		err = unit_checkpoint(inv, &id.u, reason, NULL);
	}
	if (!err)
		kill_point("import-before-commit");
	err = inv_atomic_end(inv, err);
	if (err) {
		if (dup)
			ctl_error(EXIT_FAIL,
				  "%s refused, nothing changed: ICCID %s is already in stock here",
				  path, dup);
		else
			ctl_error(EXIT_FAIL, "%s refused, nothing changed: %s", path,
				  inv_errmsg(inv));
		goto done;
	}
	kill_point("import-committed");
	st = write_receipt(rpath, r.p, r.len);
	if (!st)
		printf("bundle %s: %u profile%s from %s %s; receipt in %s\n", hex, b.count,
		       b.count == 1 ? "" : "s", subject,
		       b.kind == BUNDLE_RETURN ? "back in stock" : "imported", rpath);
done:
	for (i = 0; op && i < b.count; i++) {
		if (op[i].upp)
			OPENSSL_cleanse(op[i].upp, op[i].len);
		free(op[i].upp);
	}
	free(op);
	free(r.p);
	free(old);
	bundle_free(&b);
	X509_free(signer);
	free(buf);
	ident_close(&id);
	return st;
}

/* ---- re-issue and receipts at the source --------------------------------------------- */

static int transfer_reissue(struct inventory *inv, int argc, char **argv)
{
	static const struct option opts[] = {
	    UNIT_OPTS,
	    {"out", required_argument, NULL, 'o'},
	    {NULL, 0, NULL, 0},
	};
	uint8_t bid[16], *bundle = NULL;
	struct unit_opts unused = {0};
	const char *out = NULL;
	size_t len = 0;
	int has_receipt = 0, err, c;

	/* the identity options are accepted (and not needed): the bundle is as it was signed */
	while ((c = getopt_long(argc, argv, "o:", opts, NULL)) != -1) {
		if (unit_opt(&unused, c))
			continue;
		if (c != 'o')
			return EXIT_USAGE;
		out = optarg;
	}
	if (optind != argc - 1 || !out)
		return ctl_error(EXIT_USAGE, "usage: transfer reissue BUNDLE_ID -o FILE");
	if (unhex16(argv[optind], bid))
		return ctl_error(EXIT_USAGE, "a bundle id is 32 hex digits");
	if (!access(out, F_OK))
		return ctl_error(EXIT_FAIL, "%s exists: a bundle is never overwritten", out);
	err = inv_transfer_get_bundle(inv, bid, &bundle, &len, &has_receipt);
	if (err)
		return ctl_error(EXIT_FAIL, "%s: %s", argv[optind], inv_errmsg(inv));
	if (has_receipt) {
		free(bundle);
		return ctl_error(EXIT_FAIL,
				 "bundle %s was received by its destination (its receipt is here):"
				 " not issued again",
				 argv[optind]);
	}
	err = write_file(out, bundle, len, NULL);
	free(bundle);
	if (err)
		return ctl_error(EXIT_FAIL, "%s: %s", out, strerror(-err));
	printf("bundle %s written again to %s\n", argv[optind], out);
	return EXIT_OK;
}

static int transfer_receipt(struct inventory *inv, int argc, char **argv)
{
	static const struct option opts[] = {
	    UNIT_OPTS,
	    {NULL, 0, NULL, 0},
	};
	struct ident id = {0};
	uint8_t *buf = NULL, *dest = NULL, *bundle = NULL, digest[32];
	size_t len = 0, dest_len = 0, blen = 0;
	int c, st = EXIT_FAIL, has_receipt = 0;
	struct bundle b = {0};
	X509 *signer = NULL;
	char hex[33];

	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1)
		if (!unit_opt(&id.opt, c))
			return EXIT_USAGE;
	if (optind != argc - 1)
		return ctl_error(EXIT_USAGE, "usage: transfer receipt RECEIPT --key URI --cert"
					     " UNIT.pem --ca CA.pem");
	st = ident_open(&id);
	if (st)
		goto done;
	st = EXIT_FAIL;
	if (read_file(argv[optind], &buf, &len)) {
		ctl_error(EXIT_FAIL, "%s: cannot read", argv[optind]);
		goto done;
	}
	if (check_signed(&id, argv[optind], buf, len, &b, &signer))
		goto done;
	hex16(b.id, hex);
	if (b.kind != BUNDLE_RECEIPT || memcmp(b.dest_fp, id.fp, 32)) {
		ctl_error(EXIT_FAIL, "%s refused: not a receipt for this unit", argv[optind]);
		goto done;
	}
	if (inv_transfer_dest_cert(inv, b.id, &dest, &dest_len) ||
	    inv_transfer_get_bundle(inv, b.id, &bundle, &blen, &has_receipt)) {
		ctl_error(EXIT_FAIL, "%s refused: %s", argv[optind], inv_errmsg(inv));
		goto done;
	}
	sha256(bundle, blen, digest);
	if (dest_len != b.signer_cert_len || memcmp(dest, b.signer_cert, dest_len) ||
	    memcmp(digest, b.digest, 32)) {
		ctl_error(EXIT_FAIL,
			  "%s refused: not signed by the destination of bundle %s, or for another "
			  "bundle",
			  argv[optind], hex);
		goto done;
	}
	if (has_receipt) {
		printf("bundle %s: receipt already stored\n", hex);
		st = EXIT_OK;
		goto done;
	}
	if (inv_transfer_set_receipt(inv, b.id, buf, len)) {
		ctl_error(EXIT_FAIL, "%s", inv_errmsg(inv));
		goto done;
	}
	printf("bundle %s: receipt stored (%u profiles received); it is not issued again\n", hex,
	       b.count);
	st = EXIT_OK;
done:
	free(buf);
	free(dest);
	free(bundle);
	bundle_free(&b);
	X509_free(signer);
	ident_close(&id);
	return st;
}

int cmd_transfer(struct inventory *inv, int argc, char **argv)
{
	if (argc < 2)
		return ctl_error(EXIT_USAGE, "transfer export|import|reissue|receipt|pull|sync ...");
	argc--;
	argv++;
	if (!strcmp(argv[0], "export"))
		return transfer_export(inv, argc, argv);
	if (!strcmp(argv[0], "import"))
		return transfer_import(inv, argc, argv);
	if (!strcmp(argv[0], "reissue"))
		return transfer_reissue(inv, argc, argv);
	if (!strcmp(argv[0], "receipt"))
		return transfer_receipt(inv, argc, argv);
	if (!strcmp(argv[0], "pull"))
		return transfer_pull(inv, argc, argv);
	if (!strcmp(argv[0], "sync"))
		return transfer_sync(inv, argc, argv);
	return ctl_error(EXIT_USAGE, "transfer: unknown subcommand '%s'", argv[0]);
}
