// SPDX-License-Identifier: Apache-2.0
/*
 * The event-driven client of portdp-bench: a few threads, each one epoll loop
 * with many download slots. A slot is one eUICC plus its LPA state machine
 * and one HTTPS connection (https_conn.c), kept alive for the run, or replaced
 * for every binding or every call (--connection); it runs bindings back to
 * back. All eUICC work (signatures, key agreement, BSP opening) runs
 * inline in the thread that received the answer: the client's CPU cost is
 * real and is reported next to the server's.
 */
#include "bench.h"

#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/epoll.h>

#include "b64.h" /* appliance/rsp */
#include "der.h"
#include "json_obj.h" /* appliance/rsp */
#include "https_conn.h"
#include "soft_euicc.h"

/* An answer bigger than this is not ES9+ (a large BPP is ~100 KiB). */
#define ANSWER_MAX (4u << 20)
/* Give up when this many bindings failed and none completed: the setup is wrong. */
#define FAIL_ABORT 50
#define DRAIN_MAX_NS (60ull * 1000000000ull)
#define MAX_KEEP 8
/* Per request, as the libcurl client had: an answer that takes longer fails the binding. */
#define REQUEST_TIMEOUT_NS (60ull * 1000000000ull)
#define TICK_MS 100

const char *const bench_conn_name[CONN_MODES] = {
    [CONN_KEEP_ALIVE] = "keep-alive",
    [CONN_PER_BINDING] = "per-binding",
    [CONN_PER_CALL] = "per-call",
};

const char *const bench_step_name[STEP_COUNT] = {
    "initiateAuthentication",
    "authenticateClient",
    "getBoundProfilePackage",
    "handleNotification",
};

struct worker;

struct slot {
	struct worker *w;
	unsigned idx;
	struct seuicc *e;
	struct https_conn conn;
	bool active;
	bool full;	    /* this binding runs every eUICC check */
	bool lost;	    /* the connection failed (no answer, not an SGP.22 one) */
	bool refused;	    /* the SM-DP+ answered with an SGP.22 failure status */
	uint64_t n_started; /* bindings this slot started */
	enum bench_step step;
	const char *mid;
	uint8_t tid[16];
	size_t tid_len;
	char tid_hex[33];
	uint8_t *keep[MAX_KEEP]; /* DER decoded from the current answer */
	unsigned n_keep;
	uint64_t t0, t_req, euicc_ns;
	uint32_t lat[STEP_COUNT];
	long pir_seq;
	char iccid[21];
};

struct shared {
	const struct bench_opts *o;
	atomic_size_t next_mid;
	atomic_uint_fast64_t failed, completed;
	uint64_t t_start, deadline;
	FILE *csv;
};

struct worker {
	struct shared *sh;
	unsigned id;
	int epfd;
	struct https_target target;
	struct slot *slots;
	unsigned n_slots, n_active;
	struct bench_result res;
	int ret;
	pthread_t th;
};

/* ---- small helpers ----------------------------------------------------- */

static void fail_note(struct slot *s, const char *fmt, const char *a, const char *b)
{
	struct bench_result *r = &s->w->res;

	if (!r->first_error[0])
		snprintf(r->first_error, sizeof(r->first_error), fmt, a, b);
}

static uint8_t *keep(struct slot *s, uint8_t *p)
{
	if (s->n_keep == MAX_KEEP) {
		free(p);
		return NULL;
	}
	s->keep[s->n_keep++] = p;
	return p;
}

static void drop_kept(struct slot *s)
{
	for (unsigned i = 0; i < s->n_keep; i++)
		free(s->keep[i]);
	s->n_keep = 0;
}

/* {"k1":"v1",...}: every value here is base64, hex or a host name (nothing to escape). */
static char *json_strings(unsigned n, const char *const *kv)
{
	size_t len = 3;
	char *out, *p;

	for (unsigned i = 0; i < 2 * n; i++) {
		if (!kv[i])
			return NULL;
		len += strlen(kv[i]) + 4;
	}
	out = malloc(len);
	if (!out)
		return NULL;
	p = out;
	*p++ = '{';
	for (unsigned i = 0; i < n; i++)
		p += sprintf(p, "%s\"%s\":\"%s\"", i ? "," : "", kv[2 * i], kv[2 * i + 1]);
	*p++ = '}';
	*p = '\0';
	return out;
}

/* Sends @body (JSON, freed here) to the ES9+ function of @step. */
static int post(struct slot *s, enum bench_step step, char *body)
{
	const struct bench_opts *o = s->w->sh->o;
	char path[96];
	int ret;

	if (!body)
		return -ENOMEM;
	/* Those LPAs open a fresh connection (and a full handshake) here. */
	if (o->conn_mode == CONN_PER_CALL || (o->conn_mode == CONN_PER_BINDING && step == STEP_IA))
		https_hang_up(&s->conn, &s->w->target);
	s->step = step;
	snprintf(path, sizeof(path), "/gsma/rsp2/es9plus/%s", bench_step_name[step]);
	s->t_req = mono_ns();
	ret = https_post(&s->conn, &s->w->target, path, body, strlen(body));
	free(body);
	if (ret) {
		s->lost = ret != -ENOMEM;
		fail_note(s, "HTTPS: %s%s", s->conn.err ?: strerror(-ret), "");
	}
	return ret;
}

/* A string member of the object @in of an answer (NULL: the top object), or NULL. */
static const char *answer_str(const struct rsp_json *root, const struct rsp_json_member *in,
			      const char *name, size_t *len)
{
	const struct rsp_json_member *m =
	    in ? rsp_json_get_in(root, in, name) : rsp_json_get(root, name);

	if (!m || m->type != RSP_JSON_STRING)
		return NULL;
	if (len)
		*len = m->len;
	return m->str;
}

/* A base64 DER field of the answer that must be exactly one TLV of @tag. */
static int answer_tlv(struct slot *s, const struct rsp_json *root, const char *name, uint32_t tag,
		      struct der_tlv *out)
{
	size_t vlen;
	const char *v = answer_str(root, NULL, name, &vlen);
	uint8_t *der;
	ssize_t len;

	if (!v || (len = rsp_b64_decode(v, vlen, &der)) < 0) {
		fail_note(s, "answer field %s%s missing or not base64", name, "");
		return -EBADMSG;
	}
	if (!keep(s, der) || der_parse_exact(der, (size_t)len, out) || out->tag != tag) {
		fail_note(s, "answer field %s%s is not the TLV expected", name, "");
		return -EBADMSG;
	}
	return 0;
}

static int set_tid(struct slot *s, const struct rsp_json *root)
{
	const char *hex = answer_str(root, NULL, "transactionId", NULL) ?: "";
	size_t n = strlen(hex);

	if (n < 2 || n > 32 || n % 2)
		return -EBADMSG;
	for (size_t i = 0; i < n / 2; i++) {
		char pair[3] = {hex[2 * i], hex[2 * i + 1], 0}, *end;

		s->tid[i] = (uint8_t)strtoul(pair, &end, 16);
		if (*end || !pair[0] || pair[0] == '+' || pair[0] == '-' || pair[0] == ' ')
			return -EBADMSG;
	}
	s->tid_len = n / 2;
	for (size_t i = 0; i < s->tid_len; i++)
		sprintf(s->tid_hex + 2 * i, "%02X", s->tid[i]);
	return 0;
}

static int same_tid(struct slot *s, const struct rsp_json *root)
{
	const char *v = answer_str(root, NULL, "transactionId", NULL);

	if (v && !strcasecmp(v, s->tid_hex))
		return 0;
	fail_note(s, "answer is about another transactionId%s%s", "", "");
	return -EBADMSG;
}

/* ---- the binding, step by step ----------------------------------------- */

static int euicc_step_start(struct slot *s)
{
	s->euicc_ns -= mono_ns();
	return 0;
}

static void euicc_step_end(struct slot *s)
{
	s->euicc_ns += mono_ns();
}

static int start_binding(struct slot *s)
{
	const struct bench_opts *o = s->w->sh->o;
	uint8_t challenge[16], *info1;
	size_t info1_len;
	char *ch64, *info64, *body;
	int ret;

	s->mid = NULL;
	if (!o->default_smdp) {
		size_t i = atomic_fetch_add(&s->w->sh->next_mid, 1);

		if (o->mids_taken)
			__atomic_fetch_add(o->mids_taken, 1, __ATOMIC_RELEASE);
		/* ES2+: the operator's order for it may still be on its way. */
		while (o->mids_ready && i < o->n_mids &&
		       i >= __atomic_load_n(o->mids_ready, __ATOMIC_ACQUIRE) &&
		       !__atomic_load_n(o->orders_done, __ATOMIC_ACQUIRE))
			usleep(200);
		if (i >= o->n_mids ||
		    (o->mids_ready && i >= __atomic_load_n(o->mids_ready, __ATOMIC_ACQUIRE))) {
			s->w->res.exhausted = true;
			return -ENOENT;
		}
		s->mid = o->mids[i];
	}
	s->t0 = mono_ns();
	if (!s->w->res.first_start_ns)
		s->w->res.first_start_ns = s->t0;
	s->euicc_ns = 0;
	memset(s->lat, 0, sizeof(s->lat));
	s->iccid[0] = '\0';
	s->w->res.started++;
	s->full = s->n_started++ % o->verify_every == 0;
	seuicc_set_checks(s->e, s->full ? SEUICC_CHECK_ALL : SEUICC_CHECK_SIGN_ONLY);
	euicc_step_start(s);
	ret = seuicc_get_challenge(s->e, challenge);
	if (!ret)
		ret = seuicc_get_info1(s->e, &info1, &info1_len);
	euicc_step_end(s);
	if (ret)
		return ret;
	rsp_b64_encode(challenge, sizeof(challenge), &ch64); /* NULL when it fails */
	rsp_b64_encode(info1, info1_len, &info64);
	free(info1);
	body = json_strings(3, (const char *const[]){"smdpAddress", o->dial_address,
						     "euiccChallenge", ch64, "euiccInfo1", info64});
	free(ch64);
	free(info64);
	return post(s, STEP_IA, body);
}

/* deviceInfo of a generic LTE handset: TAC, GSM and E-UTRAN release 15. */
static void put_ctx_params1(struct der_buf *b, const char *matching_id)
{
	static const uint8_t tac[8] = {0x35, 0x29, 0x06, 0x11, 0, 0, 0, 0};
	static const uint8_t rel15[3] = {15, 0, 0};

	der_begin(b, 0xA0);
	if (matching_id)
		der_put(b, 0x80, matching_id, strlen(matching_id));
	der_begin(b, 0xA1);
	der_put(b, 0x80, tac, sizeof(tac));
	der_begin(b, 0xA1);
	der_put(b, 0x80, rel15, sizeof(rel15));
	der_put(b, 0x85, rel15, sizeof(rel15));
	der_end(b);
	der_end(b);
	der_end(b);
}

/* Runs @cmd's answer through base64 into the next request; frees what it made. */
static char *b64_field_body(struct slot *s, const char *name, uint8_t *der, size_t len)
{
	char *b64, *body;

	rsp_b64_encode(der, len, &b64); /* NULL when it fails */
	free(der);
	body = json_strings(2, (const char *const[]){"transactionId", s->tid_hex, name, b64});
	free(b64);
	return body;
}

static int on_initiated(struct slot *s, const struct rsp_json *root)
{
	struct der_tlv signed1, sig1, pkid, cert;
	uint8_t *req, *resp;
	size_t req_len, resp_len;
	struct der_buf b;
	int sgp_err, ret;

	if (set_tid(s, root) || answer_tlv(s, root, "serverSigned1", DER_SEQUENCE, &signed1) ||
	    answer_tlv(s, root, "serverSignature1", 0x5F37, &sig1) ||
	    answer_tlv(s, root, "euiccCiPKIdToBeUsed", DER_OCTET_STRING, &pkid) ||
	    answer_tlv(s, root, "serverCertificate", DER_SEQUENCE, &cert))
		return -EBADMSG;
	der_buf_init(&b);
	der_begin(&b, 0xBF38);
	der_put_raw(&b, signed1.raw, signed1.raw_len);
	der_put_raw(&b, sig1.raw, sig1.raw_len);
	der_put_raw(&b, pkid.raw, pkid.raw_len);
	der_put_raw(&b, cert.raw, cert.raw_len);
	put_ctx_params1(&b, s->mid);
	der_end(&b);
	if (der_buf_take(&b, &req, &req_len))
		return -ENOMEM;
	euicc_step_start(s);
	ret = seuicc_authenticate_server(s->e, req, req_len, s->w->sh->o->dial_address, &resp,
					 &resp_len, &sgp_err);
	euicc_step_end(s);
	free(req);
	if (!ret && sgp_err) {
		free(resp);
		ret = -EPROTO;
	}
	if (ret) {
		fail_note(s, "eUICC AuthenticateServer: %s%s", seuicc_last_error(s->e), "");
		return ret;
	}
	return post(s, STEP_AC, b64_field_body(s, "authenticateServerResponse", resp, resp_len));
}

static int on_authenticated(struct slot *s, const struct rsp_json *root)
{
	struct der_tlv metadata, signed2, sig2, cert;
	uint8_t *req, *resp;
	size_t req_len, resp_len;
	struct der_buf b;
	int sgp_err, ret;

	if (same_tid(s, root) || answer_tlv(s, root, "profileMetadata", 0xBF25, &metadata) ||
	    answer_tlv(s, root, "smdpSigned2", DER_SEQUENCE, &signed2) ||
	    answer_tlv(s, root, "smdpSignature2", 0x5F37, &sig2) ||
	    answer_tlv(s, root, "smdpCertificate", DER_SEQUENCE, &cert))
		return -EBADMSG;
	/* Bench profiles carry no confirmation code: none is sent (the eUICC would refuse). */
	der_buf_init(&b);
	der_begin(&b, 0xBF21);
	der_put_raw(&b, signed2.raw, signed2.raw_len);
	der_put_raw(&b, sig2.raw, sig2.raw_len);
	der_put_raw(&b, cert.raw, cert.raw_len);
	der_end(&b);
	if (der_buf_take(&b, &req, &req_len))
		return -ENOMEM;
	euicc_step_start(s);
	ret = seuicc_prepare_download(s->e, req, req_len, &resp, &resp_len, &sgp_err);
	euicc_step_end(s);
	free(req);
	if (!ret && sgp_err) {
		free(resp);
		ret = -EPROTO;
	}
	if (ret) {
		fail_note(s, "eUICC PrepareDownload: %s%s", seuicc_last_error(s->e), "");
		return ret;
	}
	return post(s, STEP_GBPP, b64_field_body(s, "prepareDownloadResponse", resp, resp_len));
}

/* seqNumber of the PIR: BF37 { BF27 { 80 tid, BF2F { 80 seq ... */
static long pir_seq(const uint8_t *pir, size_t len)
{
	struct der_tlv t;
	uint64_t v;

	if (der_parse_exact(pir, len, &t) || der_find(&t, 0xBF27, &t) || der_find(&t, 0xBF2F, &t) ||
	    der_find(&t, 0x80, &t) || der_get_uint(&t, 0x7fffffff, &v))
		return -1;
	return (long)v;
}

static int on_bpp(struct slot *s, const struct rsp_json *root)
{
	struct der_tlv bpp;
	uint8_t *pir;
	size_t pir_len;
	int sgp_err, cmd, ret;
	char *pir64, *body;

	if (same_tid(s, root) || answer_tlv(s, root, "boundProfilePackage", 0xBF36, &bpp))
		return -EBADMSG;
	euicc_step_start(s);
	ret = seuicc_load_bpp(s->e, bpp.raw, bpp.raw_len, &pir, &pir_len, s->iccid, &sgp_err, &cmd);
	euicc_step_end(s);
	if (ret) {
		fail_note(s, "eUICC LoadBoundProfilePackage: %s%s", seuicc_last_error(s->e), "");
		return ret;
	}
	s->pir_seq = pir_seq(pir, pir_len);
	rsp_b64_encode(pir, pir_len, &pir64);
	free(pir);
	body = json_strings(1, (const char *const[]){"pendingNotification", pir64});
	free(pir64);
	if (sgp_err) {
		/* Installation failed: the SM-DP+ still hears of it, the binding counts as failed.
		 */
		fail_note(s, "eUICC refused the BPP: %s%s", seuicc_last_error(s->e), "");
		s->w->res.failed_at[STEP_COUNT]++;
		s->iccid[0] = '\0';
	}
	return post(s, STEP_HN, body);
}

static int record_iccid(struct bench_result *r, const char *iccid, const char *eid)
{
	if (r->n_iccids == r->cap_iccids) {
		size_t cap = r->cap_iccids ? 2 * r->cap_iccids : 4096;
		void *a = realloc(r->iccids, cap * sizeof(*r->iccids));
		void *b;

		if (!a)
			return -ENOMEM;
		r->iccids = a;
		b = realloc(r->eids, cap * sizeof(*r->eids));
		if (!b)
			return -ENOMEM;
		r->eids = b;
		r->cap_iccids = cap;
	}
	snprintf(r->iccids[r->n_iccids], 21, "%s", iccid);
	snprintf(r->eids[r->n_iccids], 33, "%s", eid);
	r->n_iccids++;
	return 0;
}

/* A device leaving the line takes its profile with it: the eUICC's memory stays small. */
static void forget_profile(struct slot *s)
{
	seuicc_profile_forget(s->e, s->iccid);
}

static int on_notified(struct slot *s)
{
	struct worker *w = s->w;
	struct bench_result *r = &w->res;
	uint64_t now = mono_ns();
	uint32_t total = (uint32_t)((now - s->t0) / 1000);
	int ret = 0;

	if (s->pir_seq > 0)
		seuicc_notification_sent(s->e, s->pir_seq);
	if (!s->iccid[0]) /* the eUICC refused the BPP: counted in on_bpp() */
		return -EPROTO;
	if (!w->sh->o->keep_profiles)
		forget_profile(s);
	r->completed++;
	r->verified += s->full;
	atomic_fetch_add(&w->sh->completed, 1);
	r->last_done_ns = now;
	ret |= samples_add(&r->total, total);
	for (int i = 0; i < STEP_COUNT; i++)
		ret |= samples_add(&r->step[i], s->lat[i]);
	ret |= samples_add(&r->euicc, (uint32_t)(s->euicc_ns / 1000));
	ret |= record_iccid(r, s->iccid, seuicc_eid_hex(s->e));
	if (w->sh->csv)
		fprintf(w->sh->csv, "%u,%u,%.3f,%u,%u,%u,%u,%u,%u,%s,%s\n", w->id, s->idx,
			(double)(s->t0 - w->sh->t_start) / 1e6, total, s->lat[STEP_IA],
			s->lat[STEP_AC], s->lat[STEP_GBPP], s->lat[STEP_HN],
			(unsigned)(s->euicc_ns / 1000), s->iccid, seuicc_eid_hex(s->e));
	return ret ? -ENOMEM : 0;
}

/* Header status of an ES9+ answer: 0 on Executed-Success/-WithWarning. */
static int answer_status(struct slot *s, const struct rsp_json *root)
{
	const struct rsp_json_member *fes =
	    rsp_json_get_in(root, rsp_json_get(root, "header"), "functionExecutionStatus");
	const struct rsp_json_member *scd = rsp_json_get_in(root, fes, "statusCodeData");
	const char *v = fes ? answer_str(root, fes, "status", NULL) : NULL;
	const char *subject = scd ? answer_str(root, scd, "subjectCode", NULL) : NULL;
	const char *reason = scd ? answer_str(root, scd, "reasonCode", NULL) : NULL;
	char code[64];

	if (!v)
		v = "";
	if (!strcmp(v, "Executed-Success") || !strcmp(v, "Executed-WithWarning"))
		return 0;
	s->refused = !strcmp(v, "Failed") && subject && reason;
	snprintf(code, sizeof(code), "%.24s/%.24s", subject ?: "?", reason ?: "?");
	fail_note(s, "SM-DP+ answered %s %s", *v ? v : "(no status)", code);
	return -EPROTO;
}

/* One answer arrived: check it and move the slot on. 0 means the slot is busy again or done. */
static int on_answer(struct slot *s, int io)
{
	long http = s->conn.parser.status_code;
	struct rsp_json root;
	int ret;

	s->lat[s->step] = (uint32_t)((mono_ns() - s->t_req) / 1000);
	if (io < 0) {
		s->lost = io != -ETIMEDOUT; /* a hung server is a failure */
		fail_note(s, "HTTPS: %s%s", s->conn.err ?: strerror(-io),
			  io == -ETIMEDOUT ? " (no answer in 60 s)" : "");
		return -EIO;
	}
	if (http < 200 || http > 299) {
		char num[16];

		snprintf(num, sizeof(num), "%ld", http);
		fail_note(s, "HTTP status %s on %s", num, bench_step_name[s->step]);
		return -EIO;
	}
	if (s->step == STEP_HN && http == 204 && s->conn.ans_len == 0)
		return on_notified(s);
	ret = rsp_json_parse(&root, s->conn.ans ?: "", s->conn.ans_len);
	if (ret) {
		fail_note(s, "%s: answer is not a strict JSON object%s", bench_step_name[s->step],
			  ret == -ENOMEM ? " (out of memory)" : "");
		rsp_json_free(&root);
		return -EBADMSG;
	}
	ret = answer_status(s, &root);
	if (!ret) {
		switch (s->step) {
		case STEP_IA:
			ret = on_initiated(s, &root);
			break;
		case STEP_AC:
			ret = on_authenticated(s, &root);
			break;
		case STEP_GBPP:
			ret = on_bpp(s, &root);
			break;
		default:
			ret = on_notified(s);
			break;
		}
	}
	rsp_json_free(&root);
	drop_kept(s);
	return ret;
}

/* ---- the loop of one thread --------------------------------------------- */

static bool may_start(struct worker *w)
{
	struct shared *sh = w->sh;

	if (mono_ns() >= sh->deadline || w->res.exhausted)
		return false;
	return !(atomic_load(&sh->failed) >= FAIL_ABORT && atomic_load(&sh->completed) == 0);
}

/*
 * crash_ok: a binding whose connection was lost is counted as cut, not failed,
 * and its slot starts no other (the server is gone; the next run goes on).
 */
static bool server_gone(struct slot *s)
{
	if (!s->w->sh->o->crash_ok || !s->lost)
		return false;
	s->w->res.cut++;
	return true;
}

/* Start the slot's next binding, or park it; failures to start count as failed bindings. */
static void next_binding(struct slot *s)
{
	struct worker *w = s->w;

	while (may_start(w)) {
		s->lost = false;
		s->refused = false;
		if (!start_binding(s))
			return;
		if (w->res.exhausted)
			break;
		if (server_gone(s))
			break;
		w->res.failed++;
		w->res.failed_at[STEP_IA]++;
		atomic_fetch_add(&w->sh->failed, 1);
	}
	if (s->active) {
		s->active = false;
		w->n_active--;
	}
}

static void finished(struct slot *s, int io)
{
	struct worker *w = s->w;
	enum bench_step step = s->step;
	int ret;

	ret = on_answer(s, io);
	if (!ret && s->step != step)
		return; /* the next request of this binding is out */
	if (ret && server_gone(s)) {
		drop_kept(s);
		s->active = false;
		w->n_active--;
		return;
	}
	if (ret) {
		w->res.failed++;
		w->res.failed_sgp22 += s->refused;
		if (ret != -EPROTO || s->step != STEP_HN || s->iccid[0])
			w->res.failed_at[step]++;
		atomic_fetch_add(&w->sh->failed, 1);
		drop_kept(s);
	}
	next_binding(s);
}

static int slot_init(struct worker *w, struct slot *s, unsigned idx, const char *identity)
{
	const struct bench_opts *o = w->sh->o;
	/* Kept profiles go to files (tmpfs); otherwise no file I/O per binding. */
	struct seuicc_config cfg = {.identity_dir = identity, .nvm_in_memory = !o->keep_profiles};
	char state[600], err[300];
	int ret;

	s->w = w;
	s->idx = idx;
	snprintf(state, sizeof(state), "%s/%u", o->state_root, w->id * 100000 + idx);
	cfg.state_dir = state;
	ret = seuicc_open(&cfg, &s->e, err, sizeof(err));
	if (ret) {
		fprintf(stderr, "portdp-bench: eUICC %s: %s\n", identity, err);
		return ret;
	}
	https_conn_init(&s->conn, s, ANSWER_MAX);
	return 0;
}

/* Requests that waited longer than REQUEST_TIMEOUT_NS fail their binding. */
static void expire(struct worker *w, uint64_t now)
{
	for (unsigned i = 0; i < w->n_slots; i++) {
		struct slot *s = &w->slots[i];
		enum https_state st = s->conn.state;

		if (!s->active || st == HTTPS_CLOSED || st == HTTPS_IDLE ||
		    now - s->t_req < REQUEST_TIMEOUT_NS)
			continue;
		https_close(&s->conn, &w->target);
		finished(s, -ETIMEDOUT);
	}
}

static void *worker_main(void *arg)
{
	struct worker *w = arg;
	struct epoll_event ev[64];
	uint64_t next_tick = mono_ns() + TICK_MS * 1000000ull;

	for (unsigned i = 0; i < w->n_slots; i++) {
		w->slots[i].active = true;
		w->n_active++;
		next_binding(&w->slots[i]);
	}
	while (w->n_active) {
		int n = epoll_wait(w->epfd, ev, 64, TICK_MS);
		uint64_t now;

		if (n < 0 && errno != EINTR) {
			w->ret = -errno;
			break;
		}
		for (int i = 0; i < n; i++) {
			struct slot *s = ev[i].data.ptr;
			int r = https_progress(&s->conn, &w->target);

			if (r && s->active)
				finished(s, r < 0 ? r : 0);
		}
		now = mono_ns();
		if (now >= next_tick) {
			expire(w, now);
			next_tick = now + TICK_MS * 1000000ull;
		}
		if (now > w->sh->deadline + DRAIN_MAX_NS) {
			w->ret = -ETIMEDOUT;
			break;
		}
	}
	for (unsigned i = 0; i < w->n_slots; i++) {
		w->res.handshakes += w->slots[i].conn.handshakes;
		w->res.resumed += w->slots[i].conn.resumed;
	}
	return NULL;
}

static void worker_free(struct worker *w)
{
	for (unsigned i = 0; w->slots && i < w->n_slots; i++) {
		struct slot *s = &w->slots[i];

		https_close(&s->conn, &w->target);
		https_conn_free(&s->conn);
		seuicc_close(s->e);
		drop_kept(s);
	}
	free(w->slots);
	https_target_free(&w->target);
	if (w->epfd >= 0)
		close(w->epfd);
}

static int worker_init(struct worker *w, struct shared *sh, unsigned id, unsigned first, unsigned n)
{
	const struct bench_opts *o = sh->o;
	int ret;

	w->sh = sh;
	w->id = id;
	w->epfd = epoll_create1(EPOLL_CLOEXEC);
	w->slots = calloc(n, sizeof(*w->slots));
	if (w->epfd < 0 || !w->slots)
		return -ENOMEM;
	ret = https_target_init(&w->target, o->cacert, o->smdp_address, o->dial_address,
				o->connect_host, o->port, w->epfd);
	if (ret) {
		fprintf(stderr, "portdp-bench: TLS client for %s (CA %s): %s\n", o->dial_address,
			o->cacert, strerror(-ret));
		return ret;
	}
	w->n_slots = n;
	for (unsigned i = 0; i < n; i++) {
		ret = slot_init(w, &w->slots[i], i, o->euicc_dirs[first + i]);
		if (ret)
			return ret;
	}
	return 0;
}

static int merge(struct bench_result *dst, const struct bench_result *src)
{
	int ret = 0;

	dst->started += src->started;
	dst->completed += src->completed;
	dst->failed += src->failed;
	dst->cut += src->cut;
	dst->failed_sgp22 += src->failed_sgp22;
	dst->verified += src->verified;
	dst->handshakes += src->handshakes;
	dst->resumed += src->resumed;
	for (int i = 0; i <= STEP_COUNT; i++)
		dst->failed_at[i] += src->failed_at[i];
	ret |= samples_merge(&dst->total, &src->total);
	for (int i = 0; i < STEP_COUNT; i++)
		ret |= samples_merge(&dst->step[i], &src->step[i]);
	ret |= samples_merge(&dst->euicc, &src->euicc);
	for (size_t i = 0; i < src->n_iccids; i++)
		ret |= record_iccid(dst, src->iccids[i], src->eids[i]);
	if (src->first_start_ns &&
	    (!dst->first_start_ns || src->first_start_ns < dst->first_start_ns))
		dst->first_start_ns = src->first_start_ns;
	if (src->last_done_ns > dst->last_done_ns)
		dst->last_done_ns = src->last_done_ns;
	dst->exhausted |= src->exhausted;
	if (!dst->first_error[0])
		memcpy(dst->first_error, src->first_error, sizeof(dst->first_error));
	return ret ? -ENOMEM : 0;
}

void bench_result_free(struct bench_result *r)
{
	samples_free(&r->total);
	for (int i = 0; i < STEP_COUNT; i++)
		samples_free(&r->step[i]);
	samples_free(&r->euicc);
	free(r->iccids);
	free(r->eids);
	memset(r, 0, sizeof(*r));
}

int bench_drive(const struct bench_opts *o, struct bench_result *res, FILE *csv)
{
	struct shared sh = {.o = o, .csv = csv};
	unsigned nt = o->threads, first = 0;
	struct worker *w;
	int ret = 0;

	if (!o->verify_every || !nt || nt > BENCH_MAX_THREADS || nt > o->concurrency ||
	    o->concurrency > o->n_euiccs)
		return -EINVAL;
	/* A server that closes a connection must not kill the client with SIGPIPE. */
	signal(SIGPIPE, SIG_IGN);
	w = calloc(nt, sizeof(*w));
	if (!w)
		return -ENOMEM;
	for (unsigned t = 0; t < nt; t++)
		w[t].epfd = -1;
	for (unsigned t = 0; t < nt && !ret; t++) {
		unsigned n = o->concurrency / nt + (t < o->concurrency % nt);

		ret = worker_init(&w[t], &sh, t, first, n);
		first += n;
	}
	if (csv)
		fprintf(
		    csv,
		    "thread,slot,start_ms,total_us,ia_us,ac_us,gbpp_us,hn_us,euicc_us,iccid,eid\n");
	sh.t_start = mono_ns();
	sh.deadline = sh.t_start + (uint64_t)(o->duration_s * 1e9);
	for (unsigned t = 0; t < nt && !ret; t++)
		if (pthread_create(&w[t].th, NULL, worker_main, &w[t]))
			ret = -EAGAIN;
	for (unsigned t = 0; t < nt; t++) {
		if (w[t].th) {
			pthread_join(w[t].th, NULL);
			if (w[t].ret && !ret)
				ret = w[t].ret;
		}
	}
	memset(res, 0, sizeof(*res));
	for (unsigned t = 0; t < nt; t++) {
		if (merge(res, &w[t].res) && !ret)
			ret = -ENOMEM;
		bench_result_free(&w[t].res);
		worker_free(&w[t]);
	}
	if (!res->first_start_ns)
		res->first_start_ns = sh.t_start;
	free(w);
	return ret;
}
