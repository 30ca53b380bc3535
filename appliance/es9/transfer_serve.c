// SPDX-License-Identifier: Apache-2.0
/*
 * xfer_handle() (transfer_serve.h): the source side of an online pull, and where a unit
 * hands back what it owes (receipts, its audit). Runs in the worker's group like ES2+, so
 * an answer leaves only once what it says is durable; each function changes the inventory
 * in its own savepoint, all or nothing.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

#include "../../tools/portdpctl/bundle.h"
#include "../inventory/x509_subject.h"
#include "../rsp/b64.h"
#include "../rsp/json_obj.h"
#include "es9_internal.h"
#include "transfer_serve.h"

struct xcall {
	struct es9_worker *w;
	struct rsp_json req;
	const uint8_t *peer;
	size_t peer_len;
	uint8_t peer_fp[32], peer_pub[65];
	char peer_subject[INV_SUBJECT_MAX];
	/* this unit */
	uint8_t *self;
	size_t self_len;
	uint8_t self_fp[32];
	/* the answer */
	const char *status; /* Executed, Refused, Failed */
	char reason[384];
	char *out; /* extra members, JSON text after the status, or NULL */
};

static void kill_point(const char *step)
{
	const char *at = getenv("PORTDP_TEST_KILL_AT");

	if (at && !strcmp(at, step))
		raise(SIGKILL);
}

void xfer_answer_released(const char *path)
{
	char step[96];

	if (!getenv("PORTDP_TEST_KILL_AT") ||
	    strncmp(path, XFER_PATH_PREFIX, strlen(XFER_PATH_PREFIX)))
		return;
	snprintf(step, sizeof(step), "rack-%s-durable", path + strlen(XFER_PATH_PREFIX));
	kill_point(step);
}

static int refuse(struct xcall *c, const char *status, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static int refuse(struct xcall *c, const char *status, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(c->reason, sizeof(c->reason), fmt, ap);
	va_end(ap);
	c->status = status;
	return -1;
}

static void hex(const uint8_t *p, size_t n, char *out)
{
	size_t i;

	for (i = 0; i < n; i++)
		sprintf(out + 2 * i, "%02x", p[i]);
}

static const char *str_member(struct xcall *c, const char *name)
{
	const struct rsp_json_member *m = rsp_json_get(&c->req, name);

	return m && m->type == RSP_JSON_STRING ? m->str : NULL;
}

static void sha256(const uint8_t *p, size_t n, uint8_t out[32])
{
	EVP_Digest(p, n, out, NULL, EVP_sha256(), NULL);
}

static int cert_pub(X509 *x, uint8_t pub[65])
{
	char group[32] = "";
	size_t n = 0;

	return EVP_PKEY_get_group_name(X509_get0_pubkey(x), group, sizeof(group), NULL) &&
		       !strcmp(group, "prime256v1") &&
		       EVP_PKEY_get_octet_string_param(X509_get0_pubkey(x), "encoded-pub-key", pub,
						       65, &n) &&
		       n == 65
		   ? 0
		   : -1;
}

/* This unit's certificate (unit_cert), checked against audit_key. */
static int load_self(struct xcall *c)
{
	struct es9_worker *w = c->w;
	uint8_t pub[65], kpub[PDP_PUBKEY_LEN];
	enum pdp_curve curve;
	unsigned char *der = NULL;
	FILE *f;
	X509 *x;
	int n;

	if (!w->audit_key || !w->svc->cfg.unit_cert[0])
		return refuse(c, "Refused",
			      "this unit has no transfer identity (audit_key and "
			      "unit_cert)");
	/* a bundle answered before its export is on disk could leave a profile in two stocks */
	if (!w->svc->cfg.db_sync_full)
		return refuse(c, "Refused", "this unit serves transfers only with db_sync = full");
	f = fopen(w->svc->cfg.unit_cert, "r");
	x = f ? PEM_read_X509(f, NULL, NULL, NULL) : NULL;
	if (f)
		fclose(f);
	if (!x || cert_pub(x, pub) || pdp_key_public(w->audit_key, kpub, &curve) ||
	    curve != PDP_CURVE_P256 || memcmp(pub, kpub, 65) || (n = i2d_X509(x, &der)) <= 0) {
		X509_free(x);
		es9_log("transfer: unit_cert %s is not the certificate of audit_key",
			w->svc->cfg.unit_cert);
		return refuse(c, "Failed", "the source's unit certificate is unusable");
	}
	X509_free(x);
	c->self = der;
	c->self_len = (size_t)n;
	sha256(der, (size_t)n, c->self_fp);
	return 0;
}

/* The caller: a unit of transfer_ca with a P-256 key, not this unit. */
static int load_peer(struct xcall *c)
{
	const uint8_t *p = c->peer;
	X509 *x;

	if (!c->peer)
		return refuse(c, "Refused",
			      "the client certificate is not a unit certificate of "
			      "transfer_ca");
	x = d2i_X509(NULL, &p, (long)c->peer_len);
	if (!x || cert_pub(x, c->peer_pub)) {
		X509_free(x);
		return refuse(c, "Refused", "the client certificate has no P-256 key");
	}
	inv_x509_subject(x, c->peer_subject, sizeof(c->peer_subject));
	X509_free(x);
	sha256(c->peer, c->peer_len, c->peer_fp);
	if (!memcmp(c->peer_fp, c->self_fp, 32))
		return refuse(c, "Refused", "the client is this unit");
	return 0;
}

static int sign_with(const uint8_t *msg, size_t len, uint8_t sig[64], void *arg)
{
	struct es9_worker *w = arg;

	return pdp_sign(w->accel, w->audit_key, msg, len, sig);
}

static int checkpoint(struct es9_worker *w, const char *reason)
{
	uint8_t pub[PDP_PUBKEY_LEN];
	enum pdp_curve curve;

	if (pdp_key_public(w->audit_key, pub, &curve))
		return -EIO;
	return inv_checkpoint_sign(w->inv, sign_with, w, pub, reason, es9_now(w->svc), NULL);
}

static int answer_bundle(struct xcall *c, const uint8_t bid[16], const uint8_t *b, size_t len,
			 unsigned n, int reissued)
{
	char id[33], *b64 = NULL;
	size_t cap;

	hex(bid, 16, id);
	if (rsp_b64_encode(b, len, &b64) < 0)
		return refuse(c, "Failed", "out of memory");
	cap = strlen(b64) + 160;
	c->out = malloc(cap);
	if (c->out)
		snprintf(c->out, cap,
			 ",\"bundleId\":\"%s\",\"profiles\":%u,\"reissued\":%s,\"bundle\":\"%s\"",
			 id, n, reissued ? "true" : "false", b64);
	free(b64);
	return c->out ? 0 : refuse(c, "Failed", "out of memory");
}

static int do_pull(struct xcall *c)
{
	struct es9_worker *w = c->w;
	const char *rid = str_member(c, "requestId"), *cnt = str_member(c, "count"),
		   *type = str_member(c, "profileType");
	uint8_t bid[16], *old = NULL, *dest = NULL;
	size_t old_len = 0, dest_len = 0;
	int has_receipt = 0, err;
	unsigned long count;
	char *end = NULL, idhex[33], why[256], reason[64];
	int64_t *ids = NULL;
	unsigned n = 0;
	struct bundle_buf b = {0};
	struct inv_transfer_out t;
	struct bundle parsed;
	const char *pwhy;

	if (unhex16(rid, bid))
		return refuse(c, "Refused", "requestId must be 32 hex digits");
	hex(bid, 16, idhex);
	/* A request seen before: the same bundle again, never a second set of profiles. */
	err = inv_transfer_get_bundle(w->inv, bid, &old, &old_len, &has_receipt);
	if (!err) {
		err = inv_transfer_dest_cert(w->inv, bid, &dest, &dest_len);
		if (err || dest_len != c->peer_len || memcmp(dest, c->peer, dest_len)) {
			free(old);
			free(dest);
			return err ? refuse(c, "Failed", "inventory: %s", inv_errmsg(w->inv))
				   : refuse(c, "Refused",
					    "request %s belongs to another unit: nothing sent",
					    idhex);
		}
		free(dest);
		if (has_receipt) {
			free(old);
			c->out = strdup(",\"received\":true");
			return c->out ? 0 : refuse(c, "Failed", "out of memory");
		}
		err = bundle_parse(old, old_len, &parsed, &pwhy);
		if (err) {
			free(old);
			return refuse(c, "Failed", "recorded bundle %s does not parse", idhex);
		}
		err = answer_bundle(c, bid, old, old_len, parsed.count, 1);
		bundle_free(&parsed);
		free(old);
		return err;
	}
	if (err != -ENOENT)
		return refuse(c, "Failed", "inventory: %s", inv_errmsg(w->inv));
	if (!inv_transfer_seen(w->inv, bid, NULL, NULL))
		return refuse(c, "Refused", "request %s names a bundle this unit imported", idhex);
	count = cnt ? strtoul(cnt, &end, 10) : 0;
	if (!cnt || !*cnt || *end || !count || count > BUNDLE_MAX_ITEMS)
		return refuse(c, "Refused", "count must be a string of 1..%d", BUNDLE_MAX_ITEMS);
	kill_point("rack-pull-begin");
	ids = calloc(count, sizeof(*ids));
	if (!ids)
		return refuse(c, "Failed", "out of memory");
	if (inv_transfer_pick(w->inv, type && *type ? type : NULL, (unsigned)count, ids, &n)) {
		free(ids);
		return refuse(c, "Failed", "inventory: %s", inv_errmsg(w->inv));
	}
	if (n < count) {
		free(ids);
		return refuse(c, "Refused",
			      "only %u available profile%s%s%s, %lu asked: nothing moved", n,
			      n == 1 ? "" : "s", type && *type ? " of type " : "",
			      type && *type ? type : "", count);
	}
	err = bundle_build(w->inv, w->accel, w->audit_key, w->stock, BUNDLE_TRANSFER, bid, c->self,
			   c->self_len, c->peer_fp, c->peer_pub, ids, n, &b, why, sizeof(why));
	if (err) {
		free(ids);
		free(b.p);
		return refuse(c, "Failed", "%s", why);
	}
	t = (struct inv_transfer_out){.kind = 1,
				      .dest_cert = c->peer,
				      .dest_cert_len = c->peer_len,
				      .dest_subject = c->peer_subject,
				      .bundle = b.p,
				      .bundle_len = b.len};
	memcpy(t.id, bid, 16);
	err = inv_atomic_begin(w->inv);
	if (!err) {
		err = inv_transfer_out(w->inv, &t, ids, n);
		snprintf(reason, sizeof(reason), "transfer out %s", idhex);
		if (!err)
			err = checkpoint(w, reason);
		if (!err)
			kill_point("rack-pull-before-commit");
		err = inv_atomic_end(w->inv, err);
	}
	free(ids);
	if (err) {
		free(b.p);
		return refuse(c, "Failed", "nothing moved: %s", inv_errmsg(w->inv));
	}
	es9_log("transfer: bundle %s, %u profiles for %s", idhex, n, c->peer_subject);
	err = answer_bundle(c, bid, b.p, b.len, n, 0);
	free(b.p);
	return err;
}

static int do_receipt(struct xcall *c)
{
	struct es9_worker *w = c->w;
	const char *r64 = str_member(c, "receipt");
	uint8_t *buf = NULL, *bundle = NULL, digest[32];
	size_t blen = 0;
	ssize_t len;
	struct bundle b = {0};
	const char *why;
	int has_receipt = 0, err, ret = -1;
	char idhex[33];

	len = r64 ? rsp_b64_decode(r64, strlen(r64), &buf) : -EINVAL;
	if (len <= 0)
		return refuse(c, "Refused", "receipt must be base64");
	if (bundle_parse(buf, (size_t)len, &b, &why)) {
		refuse(c, "Refused", "receipt refused: %s", why);
		goto out;
	}
	hex(b.id, 16, idhex);
	if (b.kind != BUNDLE_RECEIPT || memcmp(b.dest_fp, c->self_fp, 32)) {
		refuse(c, "Refused", "not a receipt for this unit");
		goto out;
	}
	/* signed by the caller, who is the bundle's destination, for that bundle's bytes */
	if (b.signer_cert_len != c->peer_len || memcmp(b.signer_cert, c->peer, c->peer_len) ||
	    pdp_verify(w->accel, PDP_CURVE_P256, c->peer_pub, buf, b.signed_len, b.sig)) {
		refuse(c, "Refused", "receipt for %s is not signed by this client", idhex);
		goto out;
	}
	err = inv_transfer_get_bundle(w->inv, b.id, &bundle, &blen, &has_receipt);
	if (err) {
		refuse(c, err == -ENOENT ? "Refused" : "Failed", "bundle %s: %s", idhex,
		       err == -ENOENT ? "not issued by this unit" : inv_errmsg(w->inv));
		goto out;
	}
	{
		uint8_t *dest = NULL;
		size_t dest_len = 0;

		err = inv_transfer_dest_cert(w->inv, b.id, &dest, &dest_len);
		sha256(bundle, blen, digest);
		if (err || dest_len != c->peer_len || memcmp(dest, c->peer, dest_len) ||
		    memcmp(digest, b.digest, 32)) {
			free(dest);
			refuse(c, "Refused",
			       "receipt for %s: not its destination, or another bundle", idhex);
			goto out;
		}
		free(dest);
	}
	if (!has_receipt) {
		kill_point("rack-receipt-before-commit");
		if (inv_transfer_set_receipt(w->inv, b.id, buf, (size_t)len)) {
			refuse(c, "Failed", "inventory: %s", inv_errmsg(w->inv));
			goto out;
		}
		es9_log("transfer: bundle %s received by %s", idhex, c->peer_subject);
	}
	c->out = malloc(96);
	if (c->out)
		snprintf(c->out, 96, ",\"bundleId\":\"%s\",\"stored\":%s", idhex,
			 has_receipt ? "false" : "true");
	ret = c->out ? 0 : refuse(c, "Failed", "out of memory");
out:
	bundle_free(&b);
	free(bundle);
	free(buf);
	return ret;
}

struct pin {
	struct pdp_accel *accel;
	const uint8_t *pub;
};

static int check_sig(const struct inv_checkpoint *ck, void *arg)
{
	uint8_t msg[INV_CHECKPOINT_MSG_LEN];
	struct pin *p = arg;

	if (memcmp(p->pub, ck->signer_pub, 65))
		return 1;
	inv_checkpoint_message(ck, msg);
	return pdp_verify(p->accel, PDP_CURVE_P256, p->pub, msg, sizeof(msg), ck->sig) != 0;
}

/* An audit export of the caller, verified against its key, kept in <db>.audit-in/. */
static int do_audit(struct xcall *c)
{
	struct es9_worker *w = c->w;
	const char *a64 = str_member(c, "audit");
	uint8_t *buf = NULL, digest[32];
	char dir[600], tmp[800], path[700], fp[17], dh[17], msg[256];
	struct inventory *ex = NULL;
	struct inv_audit_fault f;
	struct pin p = {w->accel, c->peer_pub};
	unsigned nck = 0;
	int64_t rows = 0;
	ssize_t len;
	int fd, err, ret = -1;

	len = a64 ? rsp_b64_decode(a64, strlen(a64), &buf) : -EINVAL;
	if (len <= 0)
		return refuse(c, "Refused", "audit must be base64");
	sha256(buf, (size_t)len, digest);
	hex(c->peer_fp, 8, fp);
	hex(digest, 8, dh);
	snprintf(dir, sizeof(dir), "%s.audit-in", w->svc->cfg.db_path);
	if (mkdir(dir, 0700) && errno != EEXIST) {
		refuse(c, "Failed", "cannot make %s: %s", dir, strerror(errno));
		goto out;
	}
	snprintf(path, sizeof(path), "%s/%s-%s.db", dir, fp, dh);
	snprintf(tmp, sizeof(tmp), "%s.tmp%d", path, (int)gettid());
	fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (fd < 0 || write(fd, buf, (size_t)len) != len || fsync(fd)) {
		if (fd >= 0)
			close(fd);
		unlink(tmp);
		refuse(c, "Failed", "cannot write %s", tmp);
		goto out;
	}
	close(fd);
	err = inv_audit_open_export(tmp, &ex, msg, sizeof(msg));
	if (!err)
		err = inv_audit_verify(ex, check_sig, &p, &f, &rows, &nck);
	if (err) {
		unlink(tmp);
		refuse(c, "Refused", "audit export refused: %s",
		       err == -EBADMSG ? f.what : (ex ? inv_errmsg(ex) : msg));
		goto out;
	}
	if (rename(tmp, path)) {
		unlink(tmp);
		refuse(c, "Failed", "cannot keep %s", path);
		goto out;
	}
	es9_log("transfer: audit of %s (%lld rows, %u checkpoints) kept in %s", c->peer_subject,
		(long long)rows, nck, path);
	c->out = malloc(strlen(path) + 96);
	if (c->out)
		sprintf(c->out, ",\"rows\":%lld,\"checkpoints\":%u,\"file\":\"%s\"",
			(long long)rows, nck, path);
	ret = c->out ? 0 : refuse(c, "Failed", "out of memory");
out:
	inv_close(ex);
	free(buf);
	return ret;
}

static char *render(struct xcall *c)
{
	size_t cap = strlen(c->reason) * 6 + (c->out ? strlen(c->out) : 0) + 96;
	char *s = malloc(cap), *o;
	const char *r;

	if (!s)
		return NULL;
	o = s + sprintf(s, "{\"status\":\"%s\"", c->status);
	if (c->reason[0]) {
		o += sprintf(o, ",\"reason\":\"");
		for (r = c->reason; *r; r++) {
			if (*r == '"' || *r == '\\')
				*o++ = '\\';
			*o++ = (unsigned char)*r < 0x20 ? ' ' : *r;
		}
		*o++ = '"';
	}
	if (c->out)
		o += sprintf(o, "%s", c->out);
	sprintf(o, "}");
	return s;
}

void xfer_handle(struct es9_worker *w, const char *client, const uint8_t *unit_der, size_t unit_len,
		 const char *path, const char *body, size_t body_len, struct es9_response *resp)
{
	struct xcall c = {.w = w, .peer = unit_der, .peer_len = unit_len, .status = "Executed"};
	const char *fn = path + strlen(XFER_PATH_PREFIX);
	struct es9_call tx = {0};
	char actor[INV_ACTOR_MAX];
	int (*op)(struct xcall *) = !strcmp(fn, "pull")	     ? do_pull
				    : !strcmp(fn, "receipt") ? do_receipt
				    : !strcmp(fn, "audit")   ? do_audit
							     : NULL;

	memset(resp, 0, sizeof(*resp));
	resp->http_status = 404;
	if (!op)
		return;
	resp->http_status = 500;
	if (es9_worker_txn(w, &tx))
		refuse(&c, "Failed", "inventory unavailable");
	else if (!load_self(&c) && !load_peer(&c)) {
		if (rsp_json_parse(&c.req, body, body_len)) {
			refuse(&c, "Refused", "request is not a JSON object: %s", c.req.err);
		} else {
			snprintf(actor, sizeof(actor), "transfer unit=%.60s client=%.40s",
				 c.peer_subject, client ? client : "");
			inv_set_actor(w->inv, actor);
			op(&c);
			inv_set_actor(w->inv, "es9");
		}
		rsp_json_free(&c.req);
	}
	if (strcmp(c.status, "Executed"))
		es9_log("transfer %s from %s: %s: %s", fn, c.peer_subject[0] ? c.peer_subject : "?",
			c.status, c.reason);
	resp->body = render(&c);
	if (resp->body) {
		resp->http_status = 200;
		resp->body_len = strlen(resp->body);
	}
	free(c.out);
	OPENSSL_free(c.self);
}
