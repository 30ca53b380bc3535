// SPDX-License-Identifier: Apache-2.0
/* Loading the eUICC's identity (certificates, key, trusted CIs) and its lifetime. */
#include "seuicc_internal.h"

#include <dirent.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

int seuicc_fail(struct seuicc *e, int ret, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(e->err, sizeof(e->err), fmt, ap);
	va_end(ap);
	return ret;
}

time_t seuicc_now(const struct seuicc *e)
{
	return e->now ? e->now : time(NULL);
}

void seuicc_session_reset(struct seuicc *e)
{
	seuicc_load_free(e);
	EVP_PKEY_free(e->s.ot_key);
	OPENSSL_cleanse(&e->s, sizeof(e->s));
}

void seuicc_power_cycle(struct seuicc *e)
{
	uint64_t t0 = seuicc_cpu_start();

	seuicc_session_reset(e);
	seuicc_cpu_stop(t0, true);
}

void seuicc_set_checks(struct seuicc *e, enum seuicc_checks checks)
{
	e->sign_only = checks == SEUICC_CHECK_SIGN_ONLY;
}

const char *seuicc_eid_hex(const struct seuicc *e)
{
	return e->eid_hex;
}

const char *seuicc_last_error(const struct seuicc *e)
{
	return e->err;
}

static bool ci_name(const char *n)
{
	size_t l = strlen(n);

	return !strncmp(n, "ci", 2) && l > 4 &&
	       (!strcmp(n + l - 4, ".der") || !strcmp(n + l - 4, ".pem"));
}

/* Trust every ci*.der / ci*.pem of the identity directory. */
static int add_dir_cis(struct seuicc *e, const char *dir, char *err, unsigned err_len)
{
	struct dirent *d;
	unsigned added = 0;
	DIR *dp = opendir(dir);

	if (!dp) {
		snprintf(err, err_len, "%s: %s", dir, strerror(errno));
		return -errno;
	}
	while ((d = readdir(dp))) {
		char path[1024];
		enum pdp_cert_status st;

		if (!ci_name(d->d_name))
			continue;
		snprintf(path, sizeof(path), "%s/%s", dir, d->d_name);
		st = pdp_cert_verifier_add_ci_file(e->verifier, path);
		if (st) {
			snprintf(err, err_len, "%s: %s", path, pdp_cert_strerror(st));
			closedir(dp);
			return -EINVAL;
		}
		added++;
	}
	closedir(dp);
	if (!added) {
		snprintf(err, err_len, "%s: no ci*.der/ci*.pem trusted CI certificate", dir);
		return -ENOENT;
	}
	return 0;
}

static int load_cert(const char *dir, const char *name, struct pdp_cert **out, char *err,
		     unsigned err_len)
{
	char path[1024];
	enum pdp_cert_status st;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	st = pdp_cert_load(path, out);
	if (st) {
		snprintf(err, err_len, "%s: %s", path, pdp_cert_strerror(st));
		return -EINVAL;
	}
	return 0;
}

/* The private key must belong to CERT.EUICC, or every signature would fail later. */
static int check_key_matches(struct seuicc *e, char *err, unsigned err_len)
{
	uint8_t kpub[PDP_PUBKEY_LEN], cpub[PDP_PUBKEY_LEN];
	enum pdp_curve kc, cc;

	if (pdp_key_public(e->key, kpub, &kc) ||
	    pdp_cert_public_key(e->euicc_cert, cpub, &cc) || kc != cc ||
	    memcmp(kpub, cpub, sizeof(kpub))) {
		snprintf(err, err_len, "euicc-key.pem does not match euicc.der");
		return -EINVAL;
	}
	e->curve = kc;
	return 0;
}

static int prepare_state_dir(const char *dir, char *err, unsigned err_len)
{
	char path[1024];
	static const char *const sub[] = { "", "/profiles", "/notifications" };

	for (unsigned i = 0; i < 3; i++) {
		snprintf(path, sizeof(path), "%s%s", dir, sub[i]);
		if (mkdir(path, 0700) && errno != EEXIST) {
			snprintf(err, err_len, "%s: %s", path, strerror(errno));
			return -errno;
		}
	}
	return 0;
}

static void close_now(struct seuicc *e);

static int open_now(const struct seuicc_config *cfg, struct seuicc **out, char *err,
		    unsigned err_len)
{
	const char *dir = cfg->identity_dir;
	struct seuicc *e;
	char uri[1100];
	int ret;

	if (!dir || cfg->n_ci > SEUICC_MAX_CI)
		return -EINVAL;
	e = calloc(1, sizeof(*e));
	if (!e)
		return -ENOMEM;
	e->now = cfg->now;
	snprintf(e->state_dir, sizeof(e->state_dir), "%s",
		 cfg->state_dir ? cfg->state_dir : dir);
	ret = pdp_accel_open("soft:", &e->accel);
	if (ret) {
		snprintf(err, err_len, "crypto backend: %s", strerror(-ret));
		goto fail;
	}
	snprintf(uri, sizeof(uri), "file:%s/euicc-key.pem", dir);
	ret = pdp_key_load(e->accel, uri, &e->key);
	if (ret) {
		snprintf(err, err_len, "%s/euicc-key.pem: %s", dir, strerror(-ret));
		goto fail;
	}
	ret = load_cert(dir, "euicc.der", &e->euicc_cert, err, err_len);
	if (!ret)
		ret = load_cert(dir, "eum.der", &e->eum_cert, err, err_len);
	if (!ret)
		ret = check_key_matches(e, err, err_len);
	if (ret)
		goto fail;
	if (pdp_cert_eid(e->euicc_cert, e->eid)) {
		snprintf(err, err_len, "euicc.der: subject serialNumber is no 32-digit EID");
		ret = -EINVAL;
		goto fail;
	}
	for (unsigned i = 0; i < PDP_EID_LEN; i++)
		sprintf(e->eid_hex + 2 * i, "%02X", e->eid[i]);
	if (pdp_cert_verifier_new(&e->verifier)) {
		ret = -ENOMEM;
		goto fail;
	}
	for (unsigned i = 0; i < cfg->n_ci; i++) {
		enum pdp_cert_status st = pdp_cert_verifier_add_ci_file(e->verifier,
									cfg->ci_files[i]);
		if (st) {
			snprintf(err, err_len, "%s: %s", cfg->ci_files[i], pdp_cert_strerror(st));
			ret = -EINVAL;
			goto fail;
		}
	}
	if (!cfg->n_ci) {
		ret = add_dir_cis(e, dir, err, err_len);
		if (ret)
			goto fail;
	}
	if (cfg->nvm_in_memory)
		ret = nvm_new(&e->nvm);
	else
		ret = prepare_state_dir(e->state_dir, err, err_len);
	if (ret)
		goto fail;
	*out = e;
	return 0;
fail:
	close_now(e);
	return ret;
}

int seuicc_open(const struct seuicc_config *cfg, struct seuicc **out, char *err,
		unsigned err_len)
{
	uint64_t t0 = seuicc_cpu_start();
	int ret = open_now(cfg, out, err, err_len);

	seuicc_cpu_stop(t0, false);
	return ret;
}

void seuicc_close(struct seuicc *e)
{
	uint64_t t0;

	if (!e)
		return;
	t0 = seuicc_cpu_start();
	close_now(e);
	seuicc_cpu_stop(t0, false);
}

static void close_now(struct seuicc *e)
{
	seuicc_session_reset(e);
	nvm_free(e->nvm);
	for (unsigned i = 0; i < 2; i++)
		EVP_PKEY_CTX_free(e->keygen[i]);
	pdp_cert_verifier_free(e->verifier);
	pdp_cert_free(e->eum_cert);
	pdp_cert_free(e->euicc_cert);
	pdp_key_free(e->key);
	pdp_accel_close(e->accel);
	free(e);
}
