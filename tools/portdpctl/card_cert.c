// SPDX-License-Identifier: Apache-2.0
/*
 * portdpctl card install-cert: a certificate issued for a slot's key goes
 * where portdpd reads it. It is refused unless its public key is the slot's,
 * it has not expired, and (with --config) the configuration's key for that
 * role names the same slot on the same card. The destination is replaced
 * atomically, so portdpd never reads half a file.
 *
 *   --out DEST                      write to DEST
 *   --config portdpd.conf --role R  write to the config's tls_cert (R = tls,
 *                                   a PEM chain), dpauth_cert or dppb_cert
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

#include "card.h"
#include "config.h"
#include "portdpctl.h"

#define CERT_FILE_MAX (1u << 20)

/* The whole file, at most CERT_FILE_MAX bytes. */
static int read_file(const char *path, unsigned char **data, size_t *len)
{
	unsigned char *buf;
	FILE *f = fopen(path, "rbe");
	size_t n;

	if (!f)
		return -errno;
	buf = malloc(CERT_FILE_MAX + 1);
	if (!buf) {
		fclose(f);
		return -ENOMEM;
	}
	n = fread(buf, 1, CERT_FILE_MAX + 1, f);
	fclose(f);
	if (n == 0 || n > CERT_FILE_MAX) {
		free(buf);
		return n ? -EFBIG : -ENODATA;
	}
	*data = buf;
	*len = n;
	return 0;
}

/* PEM (leaf first, then any chain) or one DER certificate; NULL if neither. */
static STACK_OF(X509) * parse_certs(const unsigned char *data, size_t len, int *is_pem)
{
	STACK_OF(X509) *certs = sk_X509_new_null();
	BIO *bio = BIO_new_mem_buf(data, (int)len);
	const unsigned char *p = data;
	X509 *x;

	*is_pem = 0;
	if (!certs || !bio)
		goto fail;
	while ((x = PEM_read_bio_X509(bio, NULL, NULL, NULL)))
		if (!sk_X509_push(certs, x)) {
			X509_free(x);
			goto fail;
		}
	ERR_clear_error();
	if (sk_X509_num(certs) > 0) {
		*is_pem = 1;
	} else {
		x = d2i_X509(NULL, &p, (long)len);
		if (!x || p != data + len || !sk_X509_push(certs, x)) {
			X509_free(x);
			goto fail;
		}
	}
	BIO_free(bio);
	return certs;
fail:
	BIO_free(bio);
	sk_X509_pop_free(certs, X509_free);
	return NULL;
}

/* The certificates as one PEM text (for a TLS chain file). */
static char *certs_pem(STACK_OF(X509) * certs, size_t *len)
{
	BIO *bio = BIO_new(BIO_s_mem());
	char *data, *out = NULL;
	long n;
	int i;

	if (!bio)
		return NULL;
	for (i = 0; i < sk_X509_num(certs); i++)
		if (!PEM_write_bio_X509(bio, sk_X509_value(certs, i)))
			goto done;
	n = BIO_get_mem_data(bio, &data);
	out = n > 0 ? malloc((size_t)n) : NULL;
	if (out) {
		memcpy(out, data, (size_t)n);
		*len = (size_t)n;
	}
done:
	BIO_free(bio);
	return out;
}

/* "dev:" (first card) or "dev:<dev>[?opts]" names the card @dev. */
static int accel_names_dev(const char *accel_uri, const char *dev)
{
	size_t n = strlen(dev);

	if (strncmp(accel_uri, "dev:", 4))
		return 0;
	accel_uri += 4;
	if (!*accel_uri || *accel_uri == '?')
		return !strcmp(dev, CARD_DEFAULT_DEV);
	return !strncmp(accel_uri, dev, n) && (!accel_uri[n] || accel_uri[n] == '?');
}

/* "portdp:...;slot=N;..." with dev=<dev> (or no device, or bare "dev": the first card). */
static int portdp_uri_names(const char *uri, const char *dev, int slot)
{
	char buf[512], *tok, *save, want[16];
	int slot_ok = 0, dev_ok = 1;

	if (strncmp(uri, "portdp:", 7) || strlen(uri) >= sizeof(buf))
		return 0;
	strcpy(buf, uri + 7);
	snprintf(want, sizeof(want), "slot=%d", slot);
	for (tok = strtok_r(buf, ";", &save); tok; tok = strtok_r(NULL, ";", &save)) {
		if (!strcmp(tok, want))
			slot_ok = 1;
		else if (!strncmp(tok, "dev=", 4))
			dev_ok = !strcmp(tok + 4, dev);
		else if (!strcmp(tok, "dev"))
			dev_ok = !strcmp(dev, CARD_DEFAULT_DEV);
		else if (!strcmp(tok, "soft") || !strncmp(tok, "file=", 5))
			return 0;
	}
	return slot_ok && dev_ok;
}

/* With --config: the destination for --role, after checking its key names our slot. */
static int config_dest(const struct card_args *a, struct portdpd_config *cfg, const char **dest)
{
	char err[512];
	const char *key;
	int ok;

	portdpd_config_defaults(cfg);
	if (portdpd_config_load(cfg, a->config, err, sizeof(err)))
		return ctl_error(EXIT_FAIL, "%s", err);
	if (!strcmp(a->role, "tls")) {
		key = cfg->tls_key;
		*dest = cfg->tls_cert;
		ok = portdp_uri_names(key, a->dev, a->slot);
	} else {
		key = strcmp(a->role, "dpauth") ? cfg->dppb_key : cfg->dpauth_key;
		*dest = strcmp(a->role, "dpauth") ? cfg->dppb_cert : cfg->dpauth_cert;
		ok = !strcmp(key, a->slot_uri) && accel_names_dev(cfg->accel_uri, a->dev);
	}
	if (!**dest)
		return ctl_error(EXIT_FAIL, "%s: no %s_cert line", a->config, a->role);
	if (!ok)
		return ctl_error(EXIT_FAIL,
				 "%s: the %s key is '%s' (accel '%s'), not slot %d of %s: "
				 "fix the configuration first",
				 a->config, a->role, key, cfg->accel_uri, a->slot, a->dev);
	return EXIT_OK;
}

/* The leaf must carry the slot's public key and still be valid. */
static int check_leaf(const struct card_args *a, X509 *leaf)
{
	struct pdp_accel *accel = card_open(a);
	uint8_t pub[PDP_PUBKEY_LEN];
	struct pdp_key *key = NULL;
	EVP_PKEY *slot_pk = NULL;
	enum pdp_curve curve;
	int err, st = EXIT_OK;

	if (!accel)
		return EXIT_FAIL;
	err = pdp_key_load(accel, a->slot_uri, &key);
	if (!err)
		err = pdp_key_public(key, pub, &curve);
	if (err) {
		st = ctl_error(EXIT_FAIL, "%s slot %d: %s", a->dev, a->slot, card_strerror(err));
		goto out;
	}
	slot_pk = card_pub_pkey(pub, curve);
	if (!slot_pk || EVP_PKEY_eq(X509_get0_pubkey(leaf), slot_pk) != 1) {
		st = ctl_error(EXIT_FAIL, "%s: its public key is not the key in slot %d", a->cert,
			       a->slot);
		goto out;
	}
	if (X509_cmp_current_time(X509_get0_notAfter(leaf)) <= 0)
		st = ctl_error(EXIT_FAIL, "%s: the certificate has expired", a->cert);
out:
	EVP_PKEY_free(slot_pk);
	pdp_key_free(key);
	pdp_accel_close(accel);
	ERR_clear_error();
	return st;
}

int card_install_cert(int argc, char **argv)
{
	struct portdpd_config *cfg = NULL;
	unsigned char *data = NULL;
	STACK_OF(X509) *certs = NULL;
	const char *dest = NULL;
	char *pem = NULL;
	size_t len = 0, out_len;
	const void *out;
	struct card_args a;
	int st, err, is_pem;

	st = card_parse_args(argc, argv,
			     CARD_OPT_SLOT | CARD_OPT_CERT | CARD_OPT_OUT | CARD_OPT_CONFIG |
				 CARD_OPT_ROLE,
			     CARD_OPT_SLOT | CARD_OPT_CERT, &a);
	if (st)
		return st;
	if (!a.out == !a.config || !a.config != !a.role)
		return ctl_error(
		    EXIT_USAGE, "card install-cert: give --out DEST, or --config FILE with --role");
	err = read_file(a.cert, &data, &len);
	if (err)
		return ctl_error(EXIT_FAIL, "%s: %s", a.cert,
				 err == -EFBIG ? "larger than 1 MiB" : strerror(-err));
	certs = parse_certs(data, len, &is_pem);
	if (!certs) {
		st = ctl_error(EXIT_FAIL, "%s: no PEM or DER X.509 certificate", a.cert);
		goto out;
	}
	dest = a.out;
	if (a.config) {
		cfg = malloc(sizeof(*cfg));
		if (!cfg) {
			st = ctl_error(EXIT_FAIL, "out of memory");
			goto out;
		}
		st = config_dest(&a, cfg, &dest);
		if (st)
			goto out;
	}
	st = check_leaf(&a, sk_X509_value(certs, 0));
	if (st)
		goto out;
	out = data;
	out_len = len;
	/* portdpd reads the TLS chain as PEM; the DP certificates as DER or PEM. */
	if (a.role && !strcmp(a.role, "tls") && !is_pem) {
		pem = certs_pem(certs, &out_len);
		if (!pem) {
			st = ctl_error(EXIT_FAIL, "cannot encode %s as PEM", a.cert);
			goto out;
		}
		out = pem;
	}
	err = card_write_file(dest, out, out_len, 1, 0644);
	if (err) {
		st = ctl_error(EXIT_FAIL, "%s: %s (nothing changed)", dest, strerror(-err));
		goto out;
	}
	printf("installed %s as %s (%d certificate%s, key in %s slot %d)\n", a.cert, dest,
	       sk_X509_num(certs), sk_X509_num(certs) == 1 ? "" : "s", a.dev, a.slot);
out:
	sk_X509_pop_free(certs, X509_free);
	free(pem);
	free(data);
	free(cfg);
	return st;
}
