// SPDX-License-Identifier: Apache-2.0
/* The unit's key and certificate (unit.h). */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include "portdpctl.h"
#include "unit.h"

int unit_opt(struct unit_opts *o, int c)
{
	switch (c) {
	case 'k':
		o->key = optarg;
		return 1;
	case 'c':
		o->cert = optarg;
		return 1;
	case 'C':
		o->ca = optarg;
		return 1;
	case 'A':
		o->accel = optarg;
		return 1;
	}
	return 0;
}

int unit_key_open(const char *accel_uri, const char *key_uri, struct unit_key *u)
{
	enum pdp_curve curve;
	struct stat sb;
	int err;

	memset(u, 0, sizeof(*u));
	if (!key_uri || !*key_uri)
		return ctl_error(EXIT_USAGE, "the unit key is needed (--key file:PATH | slot:N)");
	/* A key file anyone can read is no unit identity. */
	if (!strncmp(key_uri, "file:", 5)) {
		if (stat(key_uri + 5, &sb))
			return ctl_error(EXIT_FAIL, "unit key %s: %s", key_uri + 5, strerror(errno));
		if (sb.st_mode & 077)
			return ctl_error(EXIT_FAIL,
					 "unit key %s: mode %03o is too open (want 0600 or stricter)",
					 key_uri + 5, (unsigned)(sb.st_mode & 0777));
	}
	err = pdp_accel_open(accel_uri, &u->accel);
	if (err)
		return ctl_error(EXIT_FAIL, "cannot open the accelerator %s: %s",
				 accel_uri ? accel_uri : "(default)", strerror(-err));
	err = pdp_key_load(u->accel, key_uri, &u->key);
	if (!err)
		err = pdp_key_public(u->key, u->pub, &curve);
	if (!err && curve != PDP_CURVE_P256)
		err = -EINVAL;
	if (err) {
		unit_key_close(u);
		return ctl_error(EXIT_FAIL, "unit key %s: %s", key_uri,
				 err == -EINVAL ? "not a P-256 private key" : strerror(-err));
	}
	return EXIT_OK;
}

void unit_key_close(struct unit_key *u)
{
	pdp_key_free(u->key);
	pdp_accel_close(u->accel);
	memset(u, 0, sizeof(*u));
}

static int sign_with(const uint8_t *msg, size_t len, uint8_t sig[64], void *arg)
{
	struct unit_key *u = arg;

	return pdp_sign(u->accel, u->key, msg, len, sig);
}

int unit_checkpoint(struct inventory *inv, struct unit_key *u, const char *reason,
		    struct inv_checkpoint *out)
{
	return inv_checkpoint_sign(inv, sign_with, u, u->pub, reason, time(NULL), out);
}

int unit_cert_pub(const char *cert_path, uint8_t pub[PDP_PUBKEY_LEN])
{
	FILE *f = fopen(cert_path, "r");
	X509 *x = NULL;
	char group[32] = "";
	size_t n = 0;

	if (!f)
		return ctl_error(EXIT_FAIL, "%s: %s", cert_path, strerror(errno));
	x = PEM_read_X509(f, NULL, NULL, NULL);
	fclose(f);
	if (!x || !EVP_PKEY_get_group_name(X509_get0_pubkey(x), group, sizeof(group), NULL) ||
	    strcmp(group, "prime256v1") ||
	    !EVP_PKEY_get_octet_string_param(X509_get0_pubkey(x), "encoded-pub-key", pub,
					     PDP_PUBKEY_LEN, &n) ||
	    n != PDP_PUBKEY_LEN) {
		X509_free(x);
		return ctl_error(EXIT_FAIL, "%s: not a PEM certificate with a P-256 key", cert_path);
	}
	X509_free(x);
	return EXIT_OK;
}
