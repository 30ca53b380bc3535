// SPDX-License-Identifier: Apache-2.0
/*
 * Life cycle of the ES9+ layer: the shared service (configuration, our
 * certificates, trusted CIs, session table), one worker per thread (crypto
 * backend, key handles, inventory connection), group commit and expiry.
 */
#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "codec.h"
#include "es9_internal.h"

static int64_t wall_clock(void)
{
	return (int64_t)time(NULL);
}

/* One write per line: stderr is unbuffered, and a line per binding is on the hot path. */
void es9_log(const char *fmt, ...)
{
	char line[512];
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(line + 5, sizeof(line) - 6, fmt, ap);
	va_end(ap);
	if (n < 0)
		return;
	if ((size_t)n > sizeof(line) - 7)
		n = sizeof(line) - 7; /* truncated: the line still ends */
	memcpy(line, "es9: ", 5);
	line[5 + n] = '\n';
	fwrite(line, 1, 5 + n + 1, stderr);
}

void es9_service_set_clock(struct es9_service *svc, int64_t (*clock)(void))
{
	svc->clock = clock ? clock : wall_clock;
}

static int load_dp_cert(struct es9_service *svc, const char *path, enum pdp_cert_role role,
			struct pdp_cert **out, char *err, unsigned err_len)
{
	enum pdp_cert_status st;

	st = pdp_cert_load(path, out);
	if (st) {
		snprintf(err, err_len, "%s: %s", path, pdp_cert_strerror(st));
		return -EINVAL;
	}
	st = pdp_cert_verify_dp(svc->verifier, *out, role, (time_t)es9_now(svc));
	if (st) {
		snprintf(err, err_len, "%s: does not verify under the configured CIs: %s", path,
			 pdp_cert_strerror(st));
		return -EINVAL;
	}
	return 0;
}

static int load_certs(struct es9_service *svc, char *err, unsigned err_len)
{
	const struct portdpd_config *cfg = &svc->cfg;
	enum pdp_cert_status st;
	unsigned i;
	int ret;

	if (pdp_cert_verifier_new(&svc->verifier)) {
		snprintf(err, err_len, "out of memory");
		return -ENOMEM;
	}
	if (cfg->n_ci == 0 || cfg->n_ci > PORTDP_MAX_CI) {
		snprintf(err, err_len, "no ci_cert configured");
		return -EINVAL;
	}
	for (i = 0; i < cfg->n_ci; i++) {
		st = pdp_cert_verifier_add_ci_file(svc->verifier, cfg->ci_certs[i]);
		if (st) {
			snprintf(err, err_len, "%s: %s", cfg->ci_certs[i], pdp_cert_strerror(st));
			return -EINVAL;
		}
	}
	ret = load_dp_cert(svc, cfg->dpauth_cert, PDP_CERT_ROLE_DP_AUTH, &svc->dpauth_cert, err,
			   err_len);
	if (!ret)
		ret = load_dp_cert(svc, cfg->dppb_cert, PDP_CERT_ROLE_DP_PB, &svc->dppb_cert, err,
				   err_len);
	if (ret)
		return ret;
	if (pdp_cert_aki(svc->dpauth_cert, svc->dpauth_ci, &svc->dpauth_ci_len)) {
		snprintf(err, err_len, "%s: no authority key identifier", cfg->dpauth_cert);
		return -EINVAL;
	}
	if (es9_cert_smdp_oid(svc->dpauth_cert, svc->smdp_oid, sizeof(svc->smdp_oid),
			      &svc->smdp_oid_len)) {
		snprintf(err, err_len, "%s: no SM-DP+ OID (subjectAltName registeredID)",
			 cfg->dpauth_cert);
		return -EINVAL;
	}
	return 0;
}

/* Allocations of a previous process belong to sessions that no longer exist. */
static int recover_inventory(struct es9_service *svc, char *err, unsigned err_len)
{
	struct inventory *inv;
	unsigned released = 0;
	char msg[320];
	int ret;

	/* The message says why (a full disk, a newer schema: a downgrade), not only an errno. */
	ret = inv_open_err(svc->cfg.db_path, svc->cfg.db_sync_full, &inv, msg, sizeof(msg));
	if (ret) {
		snprintf(err, err_len, "cannot open inventory: %s", msg);
		return ret;
	}
	inv_set_actor(inv, "es9");
	/* Another inventory's key (or none) stops the start, not every binding after it. */
	ret = inv_stock_key_check(inv);
	if (ret) {
		snprintf(err, err_len, "inventory: %s", inv_errmsg(inv));
		inv_close(inv);
		return ret;
	}
	ret = inv_expire(inv, INT64_MAX, &released);
	if (ret)
		snprintf(err, err_len, "inventory recovery: %s", inv_errmsg(inv));
	else if (released)
		es9_log("restart: %u allocation(s) of ended sessions released", released);
	inv_close(inv);
	return ret;
}

int es9_service_new(const struct portdpd_config *cfg, struct es9_service **out, char *err,
		    unsigned err_len)
{
	struct es9_service *svc;
	size_t i;
	int ret;

	*out = NULL;
	if (!cfg->smdp_address[0] || strlen(cfg->smdp_address) >= sizeof(svc->host)) {
		snprintf(err, err_len, "smdp_address is not set");
		return -EINVAL;
	}
	svc = calloc(1, sizeof(*svc));
	if (!svc) {
		snprintf(err, err_len, "out of memory");
		return -ENOMEM;
	}
	svc->cfg = *cfg;
	svc->clock = wall_clock;
	for (i = 0; cfg->smdp_address[i] && cfg->smdp_address[i] != ':'; i++)
		svc->host[i] = (char)tolower((unsigned char)cfg->smdp_address[i]);
	if (!i || (cfg->smdp_address[i] &&
		   es9_parse_port(cfg->smdp_address + i + 1, strlen(cfg->smdp_address + i + 1),
				  &svc->address_port))) {
		snprintf(err, err_len, "smdp_address %s: want host or host:port (1..65535)",
			 cfg->smdp_address);
		free(svc);
		return -EINVAL;
	}
	if (svc->cfg.session_timeout_s == 0)
		svc->cfg.session_timeout_s = 300;

	ret = load_certs(svc, err, err_len);
	if (!ret)
		ret = es9_sessions_new(&svc->sessions);
	/* Before the recovery, which under a live daemon would release its sessions' profiles. */
	if (!ret)
		ret = inv_instance_lock(svc->cfg.db_path, &svc->instance, err, err_len);
	if (!ret)
		ret = recover_inventory(svc, err, err_len);
	if (ret) {
		es9_service_free(svc);
		return ret;
	}
	*out = svc;
	return 0;
}

void es9_service_free(struct es9_service *svc)
{
	if (!svc)
		return;
	es9_sessions_free(svc->sessions);
	pdp_cert_free(svc->dpauth_cert);
	pdp_cert_free(svc->dppb_cert);
	pdp_cert_verifier_free(svc->verifier);
	inv_instance_unlock(svc->instance);
	free(svc);
}

/*
 * A key that is not the one in its certificate only shows up as every
 * download failing on the eUICC side: refuse to start instead (a wrong card
 * slot in the configuration is the usual cause).
 */
static int check_key_matches_cert(struct pdp_key *key, const struct pdp_cert *cert,
				  const char *what)
{
	uint8_t key_pub[PDP_PUBKEY_LEN], cert_pub[PDP_PUBKEY_LEN];
	enum pdp_curve key_curve, cert_curve;

	if (pdp_key_public(key, key_pub, &key_curve) ||
	    pdp_cert_public_key(cert, cert_pub, &cert_curve) != PDP_CERT_OK)
		return -EINVAL;
	if (key_curve != cert_curve || memcmp(key_pub, cert_pub, sizeof(key_pub))) {
		es9_log("%s key is not the key of %s certificate", what, what);
		return -EKEYREJECTED;
	}
	return 0;
}

int es9_worker_new(struct es9_service *svc, struct es9_worker **out)
{
	struct es9_worker *w;
	int ret;

	*out = NULL;
	w = calloc(1, sizeof(*w));
	if (!w)
		return -ENOMEM;
	w->svc = svc;
	ret = pdp_accel_open(svc->cfg.accel_uri[0] ? svc->cfg.accel_uri : NULL, &w->accel);
	if (!ret)
		ret = pdp_key_load(w->accel, svc->cfg.dpauth_key, &w->dpauth_key);
	if (!ret)
		ret = pdp_key_load(w->accel, svc->cfg.dppb_key, &w->dppb_key);
	if (!ret)
		ret = check_key_matches_cert(w->dpauth_key, svc->dpauth_cert, "DPauth");
	if (!ret)
		ret = check_key_matches_cert(w->dppb_key, svc->dppb_cert, "DPpb");
	if (!ret && portdpd_stock_on_card(&svc->cfg)) {
		ret = pdp_stock_key_load(w->accel, svc->cfg.stock_key, &w->stock);
		if (ret)
			es9_log("stock_key %s: no stock key there on %s (%d)", svc->cfg.stock_key,
				pdp_accel_backend(w->accel), ret);
	}
	if (!ret)
		ret =
		    inv_open(svc->cfg.db_path,
			     svc->cfg.db_sync_full ? INV_SYNC_DEFERRED : INV_SYNC_NORMAL, &w->inv);
	if (!ret)
		ret = inv_set_actor(w->inv, "es9");
	if (!ret && svc->cfg.audit_key[0]) {
		ret = pdp_key_load(w->accel, svc->cfg.audit_key, &w->audit_key);
		if (ret)
			es9_log("audit_key %s: cannot load it (%d)", svc->cfg.audit_key, ret);
		w->audit_seq = -1;
	}
	if (ret) {
		es9_log("worker setup failed (%d)", ret);
		es9_worker_free(w);
		return ret;
	}
	*out = w;
	return 0;
}

void es9_worker_free(struct es9_worker *w)
{
	if (!w)
		return;
	if (w->inv) {
		if (w->in_txn)
			inv_commit(w->inv);
		inv_close(w->inv);
	}
	pdp_key_free(w->dpauth_key);
	pdp_key_free(w->dppb_key);
	pdp_key_free(w->audit_key);
	pdp_stock_key_free(w->stock);
	pdp_accel_close(w->accel);
	free(w);
}

void es9_audit_as(struct es9_worker *w, const char *client, const uint8_t *tid, size_t tid_len)
{
	char actor[INV_ACTOR_MAX], hex[2 * ES9_CALL_TID_MAX + 1];
	int n;

	n = snprintf(actor, sizeof(actor), "es9");
	if (tid_len && tid_len <= ES9_CALL_TID_MAX) {
		es9_hex_encode(tid, tid_len, hex);
		n += snprintf(actor + n, sizeof(actor) - n, " tid=%s", hex);
	}
	if (client && *client)
		snprintf(actor + n, sizeof(actor) - n, " client=%s", client);
	if (inv_set_actor(w->inv, actor))
		es9_log("audit actor: %s", inv_errmsg(w->inv));
}

enum es9_status es9_worker_txn(struct es9_worker *w, struct es9_call *c)
{
	/* Per request, not per transaction: one group commit carries many requests. */
	es9_audit_as(w, c->client, c->tid, c->tid_len);
	if (w->in_txn)
		return ES9_OK;
	if (inv_begin(w->inv)) {
		es9_log("inventory begin: %s", inv_errmsg(w->inv));
		return es9_fail(c, ES9_E_INTERNAL, "inventory unavailable");
	}
	w->in_txn = 1;
	return ES9_OK;
}

void es9_session_step(struct es9_worker *w, struct es9_session *s, enum es9_step to,
		      int64_t deadline)
{
	if (w->in_txn && w->n_taken < ES9_GROUP_STEPS_MAX) {
		struct es9_step_taken *t = &w->taken[w->n_taken++];

		memcpy(t->tid, s->tid, ES9_TID_LEN);
		t->from = s->step;
		t->to = to;
		t->deadline = s->deadline;
	}
	s->step = to;
	s->deadline = deadline;
}

/* The group's commit failed: its sessions go back to where the rolled-back inventory is. */
static void undo_steps(struct es9_worker *w)
{
	struct es9_sessions *t = w->svc->sessions;
	int64_t now = es9_now(w->svc);
	struct es9_session *s;
	unsigned undone = 0;

	while (w->n_taken) {
		struct es9_step_taken *step = &w->taken[--w->n_taken];

		/* Ended, expired or busy meanwhile: nothing to rewind. */
		if (es9_session_claim(t, step->tid, ES9_TID_LEN, step->to, now, &s))
			continue;
		s->step = step->from;
		s->deadline = step->deadline;
		es9_session_put(t, s);
		undone++;
	}
	if (undone)
		es9_log("inventory commit failed: %u session(s) back to their previous step",
			undone);
}

int es9_worker_flush_async(struct es9_worker *w, int *fsync_fd)
{
	int ret;

	*fsync_fd = -1;
	if (w->in_txn) {
		w->in_txn = 0;
		ret = inv_commit(w->inv);
		if (ret) {
			es9_log("inventory commit: %s", inv_errmsg(w->inv));
			inv_rollback(w->inv);
			undo_steps(w);
			return ret < 0 ? ret : -EIO;
		}
	}
	w->n_taken = 0;
	*fsync_fd = inv_durable_fd(w->inv);
	return 0;
}

int es9_worker_flush(struct es9_worker *w)
{
	int fd, ret = es9_worker_flush_async(w, &fd);

	if (!ret && fd >= 0 && fdatasync(fd)) {
		ret = -errno;
		es9_log("inventory: fdatasync of the WAL failed: %s", strerror(errno));
	}
	return ret;
}

static void release_expired(const struct es9_session *s, void *arg)
{
	struct es9_worker *w = arg;
	int ret;

	if (s->step != ES9_STEP_AUTHENTICATED)
		return; /* nothing allocated yet, or the BPP is out: the profile stays */
	es9_audit_as(w, NULL, s->tid, ES9_TID_LEN);
	ret = inv_release(w->inv, s->profile.id, s->tid, ES9_TID_LEN, "session expired");
	if (ret && ret != -EBUSY)
		es9_log("expiry: release of profile %lld failed (%d)", (long long)s->profile.id,
			ret);
}

void es9_service_expire(struct es9_service *svc, struct es9_worker *w)
{
	int64_t now = es9_now(svc);
	struct es9_call c = {0};
	unsigned n, released = 0;
	int joined = w->in_txn, fd;

	if (es9_worker_txn(w, &c))
		return;
	n = es9_sessions_expire(svc->sessions, now, release_expired, w);
	/* Backstop for allocations whose session ended without us seeing it. */
	es9_audit_as(w, NULL, NULL, 0);
	if (inv_expire(w->inv, now, &released))
		es9_log("expiry: %s", inv_errmsg(w->inv));
	es9_audit_checkpoint(w, now);
	/*
	 * An open group commit (the server's, waiting for its fsync) takes the releases along;
	 * else they commit now without waiting for the disk: no answer rests on them, and a
	 * release lost to a power loss is redone by the next expiry or the restart recovery.
	 */
	if (!joined)
		es9_worker_flush_async(w, &fd);
	if (n || released)
		es9_log("expiry: %u session(s) ended, %u allocation(s) released", n, released);
}
