// SPDX-License-Identifier: Apache-2.0
/*
 * portdpd.conf reader: "key = value" lines, '#' comments, blank lines.
 * The file is parsed into a copy and only committed when every line is
 * valid, so a bad file leaves the caller's configuration untouched.
 */
#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../config.h"

#define CONF_MAX_WORKERS 256
#define CONF_MAX_BODY (16u << 20)
#define CONF_LINE_MAX 2048

void portdpd_config_defaults(struct portdpd_config *cfg)
{
	long n = sysconf(_SC_NPROCESSORS_ONLN);

	memset(cfg, 0, sizeof(*cfg));
	strcpy(cfg->listen_addr, "127.0.0.1");
	cfg->listen_port = 8443;
	cfg->workers = n > 0 ? (n > CONF_MAX_WORKERS ? CONF_MAX_WORKERS : (unsigned)n) : 1;
	strcpy(cfg->smdp_address, "testsmdpplus1.example.com");
	strcpy(cfg->accel_uri, "soft:");
	strcpy(cfg->db_path, "/var/lib/portdp/inventory.db");
	cfg->session_timeout_s = 300;
	cfg->max_body = 65536;
	cfg->db_sync_full = 1;
	cfg->max_conns = 4096;
	cfg->max_conns_per_ip = 256;
	cfg->handshake_timeout_ms = 10000;
	cfg->idle_timeout_ms = 30000;
	cfg->request_timeout_ms = 15000;
	cfg->es2_port = 8444;
	cfg->progress_retry_max = 300;
	cfg->progress_timeout = 10;
	cfg->audit_interval = 300;
	cfg->es2_call_retention = 7 * 86400;
}

static int set_err(char *err, unsigned err_len, int rc, const char *fmt, ...)
{
	va_list ap;

	if (err && err_len) {
		va_start(ap, fmt);
		vsnprintf(err, err_len, fmt, ap);
		va_end(ap);
	}
	return rc;
}

static int parse_uint(const char *s, unsigned long min, unsigned long max, unsigned long *out)
{
	unsigned long v;
	char *end;

	if (!isdigit((unsigned char)*s))
		return -EINVAL;
	errno = 0;
	v = strtoul(s, &end, 10);
	if (errno || *end || v < min || v > max)
		return -ERANGE;
	*out = v;
	return 0;
}

static int copy_str(char *dst, size_t size, const char *val)
{
	size_t n = strlen(val);

	if (n == 0 || n >= size)
		return -ENAMETOOLONG;
	memcpy(dst, val, n + 1);
	return 0;
}

#define STR_KEY(name, field)                                                                       \
	{                                                                                          \
		name, offsetof(struct portdpd_config, field),                                      \
		    sizeof(((struct portdpd_config *)0)->field)                                    \
	}

static const struct str_key {
	const char *name;
	size_t off;
	size_t size;
} str_keys[] = {
    STR_KEY("listen", listen_addr),    STR_KEY("smdp_address", smdp_address),
    STR_KEY("tls_cert", tls_cert),     STR_KEY("tls_key", tls_key),
    STR_KEY("accel", accel_uri),       STR_KEY("dpauth_cert", dpauth_cert),
    STR_KEY("dpauth_key", dpauth_key), STR_KEY("dppb_cert", dppb_cert),
    STR_KEY("dppb_key", dppb_key),     STR_KEY("db", db_path),
    STR_KEY("ossl_modules", ossl_modules), STR_KEY("user", user),
    STR_KEY("es2_tls_cert", es2_tls_cert), STR_KEY("es2_tls_key", es2_tls_key),
    STR_KEY("es2_client_ca", es2_client_ca),
    STR_KEY("progress_cert", progress_cert), STR_KEY("progress_key", progress_key),
    STR_KEY("progress_ca", progress_ca), STR_KEY("audit_key", audit_key),
    STR_KEY("stock_key", stock_key), STR_KEY("transfer_ca", transfer_ca),
    STR_KEY("unit_cert", unit_cert),
};

static const struct uint_key {
	const char *name;
	size_t off;
	unsigned long min, max;
	const char *why;
} uint_keys[] = {
    {"max_conns", offsetof(struct portdpd_config, max_conns), 16, 1000000,
     "max_conns must be 16..1000000"},
    {"max_conns_per_ip", offsetof(struct portdpd_config, max_conns_per_ip), 1, 1000000,
     "max_conns_per_ip must be 1..1000000"},
    {"handshake_timeout_ms", offsetof(struct portdpd_config, handshake_timeout_ms), 100, 600000,
     "handshake_timeout_ms must be 100..600000"},
    {"idle_timeout_ms", offsetof(struct portdpd_config, idle_timeout_ms), 100, 3600000,
     "idle_timeout_ms must be 100..3600000"},
    {"request_timeout_ms", offsetof(struct portdpd_config, request_timeout_ms), 100, 600000,
     "request_timeout_ms must be 100..600000"},
    {"es2_call_retention", offsetof(struct portdpd_config, es2_call_retention), 1, 3650 * 86400,
     "es2_call_retention must be 1..315360000 seconds"},
};

/* Applies one key/value to @cfg. Returns 0 or -errno with a message in @why. */
static int apply_key(struct portdpd_config *cfg, const char *key, const char *val, const char **why)
{
	unsigned long v;
	size_t i;
	int rc;

	for (i = 0; i < sizeof(str_keys) / sizeof(str_keys[0]); i++) {
		if (strcmp(key, str_keys[i].name))
			continue;
		rc = copy_str((char *)cfg + str_keys[i].off, str_keys[i].size, val);
		*why = "value empty or too long";
		return rc;
	}
	for (i = 0; i < sizeof(uint_keys) / sizeof(uint_keys[0]); i++) {
		if (strcmp(key, uint_keys[i].name))
			continue;
		*why = uint_keys[i].why;
		rc = parse_uint(val, uint_keys[i].min, uint_keys[i].max, &v);
		if (!rc)
			*(unsigned *)((char *)cfg + uint_keys[i].off) = v;
		return rc;
	}
	if (!strcmp(key, "ci_cert")) {
		*why = "too many ci_cert lines, or value empty or too long";
		if (cfg->n_ci >= PORTDP_MAX_CI)
			return -E2BIG;
		rc = copy_str(cfg->ci_certs[cfg->n_ci], sizeof(cfg->ci_certs[0]), val);
		if (!rc)
			cfg->n_ci++;
		return rc;
	}
	if (!strcmp(key, "audit_interval")) {
		*why = "audit_interval is 1..86400 seconds";
		rc = parse_uint(val, 1, 86400, &v);
		if (!rc)
			cfg->audit_interval = v;
		return rc;
	}
	if (!strcmp(key, "progress_retry_max") || !strcmp(key, "progress_timeout")) {
		*why = "progress_retry_max and progress_timeout are 1..86400 seconds";
		rc = parse_uint(val, 1, 86400, &v);
		if (!rc && key[9] == 'r')
			cfg->progress_retry_max = v;
		else if (!rc)
			cfg->progress_timeout = v;
		return rc;
	}
	if (!strcmp(key, "card_nfc")) {
		*why = "card_nfc is a libnfc connstring (at most 127 bytes)";
		return copy_str(cfg->card_nfc, sizeof(cfg->card_nfc), val);
	}
	if (!strcmp(key, "card_bt")) {
		*why = "card_bt is an RFCOMM channel, 1..30";
		rc = parse_uint(val, 1, 30, &v);
		if (!rc)
			cfg->card_bt_channel = (int)v;
		return rc;
	}
	if (!strcmp(key, "card_vpcd")) {
		*why = "card_vpcd must be 0..65535";
		rc = parse_uint(val, 0, 65535, &v);
		if (!rc)
			cfg->card_vpcd_port = v;
		return rc;
	}
	if (!strcmp(key, "es2_port")) {
		*why = "es2_port must be 0..65535";
		rc = parse_uint(val, 0, 65535, &v);
		if (!rc)
			cfg->es2_port = v;
		return rc;
	}
	if (!strcmp(key, "port")) {
		*why = "port must be 0..65535";
		rc = parse_uint(val, 0, 65535, &v);
		if (!rc)
			cfg->listen_port = v;
		return rc;
	}
	if (!strcmp(key, "workers")) {
		*why = "workers must be 1..256";
		rc = parse_uint(val, 1, CONF_MAX_WORKERS, &v);
		if (!rc)
			cfg->workers = v;
		return rc;
	}
	if (!strcmp(key, "session_timeout")) {
		*why = "session_timeout must be 1..86400 seconds";
		rc = parse_uint(val, 1, 86400, &v);
		if (!rc)
			cfg->session_timeout_s = v;
		return rc;
	}
	if (!strcmp(key, "max_body")) {
		*why = "max_body must be 1..16777216 bytes";
		rc = parse_uint(val, 1, CONF_MAX_BODY, &v);
		if (!rc)
			cfg->max_body = v;
		return rc;
	}
	if (!strcmp(key, "db_sync")) {
		*why = "db_sync must be full or normal";
		if (!strcmp(val, "full"))
			cfg->db_sync_full = 1;
		else if (!strcmp(val, "normal"))
			cfg->db_sync_full = 0;
		else
			return -EINVAL;
		return 0;
	}
	*why = "unknown key";
	return -EINVAL;
}

static char *trim(char *s)
{
	char *e;

	while (isspace((unsigned char)*s))
		s++;
	e = s + strlen(s);
	while (e > s && isspace((unsigned char)e[-1]))
		*--e = '\0';
	return s;
}

int portdpd_config_load(struct portdpd_config *cfg, const char *path, char *err, unsigned err_len)
{
	struct portdpd_config *tmp;
	char line[CONF_LINE_MAX];
	const char *why;
	unsigned lineno = 0;
	int rc = 0;
	FILE *f;

	f = fopen(path, "re");
	if (!f)
		return set_err(err, err_len, -errno, "%s: %s", path, strerror(errno));
	tmp = malloc(sizeof(*tmp));
	if (!tmp) {
		fclose(f);
		return set_err(err, err_len, -ENOMEM, "out of memory");
	}
	*tmp = *cfg;
	/* ci_cert lines replace, not extend, the caller's list. */
	tmp->n_ci = 0;
	while (fgets(line, sizeof(line), f)) {
		char *key, *val, *eq, *hash;

		lineno++;
		if (!strchr(line, '\n') && !feof(f)) {
			rc = set_err(err, err_len, -E2BIG, "%s:%u: line too long", path, lineno);
			goto out;
		}
		hash = strchr(line, '#');
		if (hash)
			*hash = '\0';
		key = trim(line);
		if (!*key)
			continue;
		eq = strchr(key, '=');
		if (!eq) {
			rc = set_err(err, err_len, -EINVAL, "%s:%u: expected key = value", path,
				     lineno);
			goto out;
		}
		*eq = '\0';
		key = trim(key);
		val = trim(eq + 1);
		rc = apply_key(tmp, key, val, &why);
		if (rc) {
			set_err(err, err_len, rc, "%s:%u: %s: %s", path, lineno, key, why);
			goto out;
		}
	}
	if (ferror(f)) {
		rc = set_err(err, err_len, -EIO, "%s: read error", path);
		goto out;
	}
	if (tmp->n_ci == 0) {
		/* No ci_cert lines: keep what the caller had. */
		tmp->n_ci = cfg->n_ci;
		memcpy(tmp->ci_certs, cfg->ci_certs, sizeof(tmp->ci_certs));
	}
	*cfg = *tmp;
out:
	free(tmp);
	fclose(f);
	return rc;
}
