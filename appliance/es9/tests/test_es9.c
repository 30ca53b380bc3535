// SPDX-License-Identifier: Apache-2.0
/*
 * ES9+ end to end without a network: es9_handle() with a real SQLite
 * inventory holding TS.48 profiles, the soft crypto backend, the SGP.26
 * DPauth/DPpb keys, and a software eUICC (euicc_sim.c) that checks every
 * SM-DP+ signature and opens the bound profile package. Every negative case
 * checks the SGP.22 code and that the inventory (states and audit log) did
 * not change.
 */
#include <errno.h>
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>
#include <jansson.h>

#include "es9_internal.h"
#include "es2plus.h"
#include "../inventory/inv_internal.h"
#include "../inventory/tests/testdb.h"
#include "euicc_sim.h"

#define ADDRESS "testsmdpplus1.example.com"
/* The LPA address es9_handle() is told (audit rows). */
#define TEST_CLIENT "192.0.2.7:50123"

struct profile_def {
	const char *file;
	const char *matching_id;
	const char *cc;
};

/* Each test takes its own profiles, so the tests do not depend on each other's order. */
static const struct profile_def profiles[] = {
    {"TS48V2-SAIP2-1-BERTLV-UNIQUE.der", "MID-HAPPY", NULL},
    {"TS48V2-SAIP2-1-NOBERTLV-UNIQUE.der", "MID-CC", "1234"},
    {"TS48V2-SAIP2-3-BERTLV-UNIQUE.der", "MID-CC-RETRY", "9999"},
    {"TS48V2-SAIP2-3-NOBERTLV-UNIQUE.der", "MID-CANCEL", NULL},
    {"TS48V3-SAIP2-1-BERTLV-UNIQUE.der", "MID-NEG", NULL},
    {"TS48V3-SAIP2-1-NOBERTLV-UNIQUE.der", "MID-EXPIRE", NULL},
    {"TS48V3-SAIP2-3-BERTLV-UNIQUE.der", "MID-DLERR", NULL},
    {"TS48V3-SAIP2-3-NOBERTLV-UNIQUE.der", "MID-DEFAULT", NULL},
};

static char shared[256], tmpdir[64], pki[128];
static struct portdpd_config cfg;
static struct es9_service *svc;
static struct es9_worker *worker;
static struct inventory *view; /* the test's own connection, to look at the database */
static int64_t clock_offset;

static int64_t test_clock(void)
{
	return (int64_t)time(NULL) + clock_offset;
}

static uint8_t *slurp(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	uint8_t *buf;
	long n;

	if (!f)
		return NULL;
	fseek(f, 0, SEEK_END);
	n = ftell(f);
	rewind(f);
	buf = malloc((size_t)n);
	if (fread(buf, 1, (size_t)n, f) != (size_t)n) {
		free(buf);
		buf = NULL;
	}
	fclose(f);
	*len = (size_t)n;
	return buf;
}

static int start_service(void)
{
	char err[256];
	int ret;

	ret = es9_service_new(&cfg, &svc, err, sizeof(err));
	if (ret) {
		fprintf(stderr, "es9_service_new: %s\n", err);
		return ret;
	}
	es9_service_set_clock(svc, test_clock);
	return es9_worker_new(svc, &worker);
}

static void stop_service(void)
{
	es9_worker_free(worker);
	es9_service_free(svc);
	worker = NULL;
	svc = NULL;
}

static int setup(void **state)
{
	const char *env = getenv("SHARED");
	char cmd[512], path[768];
	size_t i;

	(void)state;
	snprintf(shared, sizeof(shared), "%s", env && *env ? env : ".");
	snprintf(tmpdir, sizeof(tmpdir), "/tmp/es9-test-XXXXXX");
	if (!mkdtemp(tmpdir))
		return -1;
	snprintf(pki, sizeof(pki), "%s/pki", tmpdir);
	snprintf(cmd, sizeof(cmd), "sh appliance/es9/tests/mkpki.sh %s", pki);
	if (system(cmd)) {
		fprintf(stderr, "mkpki.sh failed (run from the repository root)\n");
		return -1;
	}

	memset(&cfg, 0, sizeof(cfg));
	snprintf(cfg.smdp_address, sizeof(cfg.smdp_address), "%s", ADDRESS);
	cfg.listen_port = 8443; /* the port smdpAddress may name */
	snprintf(cfg.accel_uri, sizeof(cfg.accel_uri), "soft:");
	snprintf(cfg.dpauth_cert, sizeof(cfg.dpauth_cert),
		 "%s/testdata/sgp26/dpauth/CERT_S_SM_DPauth_ECDSA_NIST.der", shared);
	snprintf(cfg.dpauth_key, sizeof(cfg.dpauth_key),
		 "file:%s/testdata/sgp26/dpauth/SK_S_SM_DPauth_ECDSA_NIST.pem", shared);
	snprintf(cfg.dppb_cert, sizeof(cfg.dppb_cert),
		 "%s/testdata/sgp26/dppb/CERT_S_SM_DPpb_ECDSA_NIST.der", shared);
	snprintf(cfg.dppb_key, sizeof(cfg.dppb_key),
		 "file:%s/testdata/sgp26/dppb/SK_S_SM_DPpb_ECDSA_NIST.pem", shared);
	snprintf(cfg.ci_certs[0], sizeof(cfg.ci_certs[0]),
		 "%s/testdata/sgp26/ci/CERT_CI_ECDSA_NIST.der", shared);
	snprintf(cfg.ci_certs[1], sizeof(cfg.ci_certs[1]),
		 "%s/testdata/sgp26/ci/CERT_GSMA_TEST_CI_2017.der", shared);
	snprintf(cfg.ci_certs[2], sizeof(cfg.ci_certs[2]), "%s/ciA.der", pki);
	cfg.n_ci = 3;
	snprintf(cfg.db_path, sizeof(cfg.db_path), "%s/inventory.db", tmpdir);
	cfg.session_timeout_s = 300;
	cfg.max_body = 65536;

	if (inv_open(cfg.db_path, 0, &view))
		return -1;
	for (i = 0; i < sizeof(profiles) / sizeof(profiles[0]); i++) {
		struct inv_import opt = {0};
		struct inv_profile p;
		uint8_t *upp;
		size_t len;
		int ret;

		snprintf(path, sizeof(path), "%s/testdata/ts48/%s", shared, profiles[i].file);
		upp = slurp(path, &len);
		if (!upp)
			return -1;
		opt.matching_id = profiles[i].matching_id;
		opt.profile_class = -1;
		opt.confirmation_code = profiles[i].cc;
		ret = inv_import(view, upp, len, &opt, &p);
		free(upp);
		if (ret) {
			fprintf(stderr, "import %s: %d %s\n", path, ret, inv_errmsg(view));
			return -1;
		}
	}
	return start_service();
}

static int teardown(void **state)
{
	char cmd[128];

	(void)state;
	stop_service();
	inv_close(view);
	snprintf(cmd, sizeof(cmd), "rm -rf %s", tmpdir);
	return system(cmd) ? -1 : 0;
}

/* ---- calling the SM-DP+ ------------------------------------------------- */

static int last_http;
static uint64_t server_ns; /* time spent inside es9_handle() + es9_worker_flush() */

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

/* One request as the server would run it: handle, then group commit. */
static json_t *call_keep(const char *function, const char *body)
{
	struct es9_response resp;
	char path[128];
	json_t *root = NULL;
	uint64_t t0;

	assert_non_null(body);
	snprintf(path, sizeof(path), "/gsma/rsp2/es9plus/%s", function);
	t0 = now_ns();
	es9_handle(worker, TEST_CLIENT, path, body, strlen(body), &resp);
	assert_int_equal(es9_worker_flush(worker), 0);
	server_ns += now_ns() - t0;
	last_http = resp.http_status;
	if (resp.body) {
		root = json_loadb(resp.body, resp.body_len, 0, NULL);
		assert_non_null(root);
	}
	free(resp.body);
	return root;
}

/* The same, for a malloc'd body that it frees. */
static json_t *call(const char *function, char *body)
{
	json_t *r = call_keep(function, body);

	free(body);
	return r;
}

static char *text(json_t *root)
{
	char *s = json_dumps(root, JSON_COMPACT);

	json_decref(root);
	return s;
}

static json_t *exec_status(json_t *root)
{
	return json_object_get(json_object_get(root, "header"), "functionExecutionStatus");
}

static void expect_ok(json_t *root)
{
	assert_int_equal(last_http, 200);
	if (strcmp(json_string_value(json_object_get(exec_status(root), "status")),
		   "Executed-Success")) {
		char *s = json_dumps(root, 0);

		fail_msg("not executed: %s", s);
	}
}

/* The answer failed with @subject/@reason; consumes @root. */
static void expect_code(json_t *root, const char *subject, const char *reason)
{
	json_t *scd;

	assert_non_null(root);
	assert_int_equal(last_http, 200);
	assert_string_equal(json_string_value(json_object_get(exec_status(root), "status")),
			    "Failed");
	scd = json_object_get(exec_status(root), "statusCodeData");
	if (strcmp(json_string_value(json_object_get(scd, "subjectCode")), subject) ||
	    strcmp(json_string_value(json_object_get(scd, "reasonCode")), reason))
		fail_msg("expected %s/%s, got %s/%s (%s)", subject, reason,
			 json_string_value(json_object_get(scd, "subjectCode")),
			 json_string_value(json_object_get(scd, "reasonCode")),
			 json_string_value(json_object_get(scd, "message")));
	json_decref(root);
}

static void call_expect(const char *function, char *body, const char *subject, const char *reason)
{
	expect_code(call(function, body), subject, reason);
}

/* ---- inventory snapshots ------------------------------------------------- */

struct snap {
	unsigned audit;
	unsigned sessions;
	char states[4096];
};

static int count_audit(const struct inv_audit *a, void *arg)
{
	(void)a;
	(*(unsigned *)arg)++;
	return 0;
}

static int list_state(const struct inv_profile *p, void *arg)
{
	char *s = arg;
	size_t n = strlen(s);

	snprintf(s + n, 4096 - n, "%lld:%d:%s;", (long long)p->id, p->state, p->eid);
	return 0;
}

static void snapshot(struct snap *s)
{
	memset(s, 0, sizeof(*s));
	assert_int_equal(inv_audit(view, 0, count_audit, &s->audit), 0);
	assert_int_equal(inv_list(view, -1, list_state, s->states), 0);
	s->sessions = es9_sessions_count(svc->sessions);
}

static void expect_unchanged(const struct snap *before)
{
	struct snap now;

	snapshot(&now);
	assert_int_equal(now.audit, before->audit);
	assert_string_equal(now.states, before->states);
	assert_int_equal(now.sessions, before->sessions);
}

static enum inv_state state_of(const char *matching_id)
{
	struct inv_profile p;

	assert_int_equal(inv_get_by_matching_id(view, matching_id, &p), 0);
	return p.state;
}

static void sim_sgp26(struct sim *s, const char *address)
{
	char cert[600], eum[600], key[600];

	snprintf(cert, sizeof(cert), "%s/testdata/sgp26/euicc/euicc.der", shared);
	snprintf(eum, sizeof(eum), "%s/testdata/sgp26/euicc/eum.der", shared);
	snprintf(key, sizeof(key), "%s/testdata/sgp26/euicc/euicc-key.pem", shared);
	assert_int_equal(sim_init(s, shared, cert, eum, key, address), 0);
}

static void sim_pki(struct sim *s, const char *euicc, const char *eum)
{
	char cert[600], eumc[600], key[600];

	snprintf(cert, sizeof(cert), "%s/%s.der", pki, euicc);
	snprintf(eumc, sizeof(eumc), "%s/%s.der", pki, eum);
	snprintf(key, sizeof(key), "%s/%s.pem", pki, euicc);
	assert_int_equal(sim_init(s, shared, cert, eumc, key, ADDRESS), 0);
}

/* InitiateAuthentication answered with success; returns its JSON text. */
static char *initiate(struct sim *s)
{
	json_t *r = call("initiateAuthentication", sim_initiate(s));

	expect_ok(r);
	return text(r);
}

/* Through AuthenticateClient; returns its answer's JSON text. */
static char *authenticate(struct sim *s, const char *matching_id)
{
	char *init = initiate(s), *req = sim_authenticate(s, init, matching_id);
	json_t *r;

	free(init);
	r = call("authenticateClient", req);
	expect_ok(r);
	return text(r);
}

/* ---- the tests ---------------------------------------------------------- */

static void happy_path(void **state)
{
	char path[600], *auth, *req, *bpp;
	uint8_t *upp;
	size_t upp_len;
	struct sim s;
	json_t *r;

	(void)state;
	sim_sgp26(&s, ADDRESS);
	auth = authenticate(&s, "MID-HAPPY");
	assert_int_equal(state_of("MID-HAPPY"), INV_ALLOCATED);
	assert_false(s.cc_required);
	req = sim_prepare_download(&s, auth, NULL);
	free(auth);
	r = call("getBoundProfilePackage", req);
	expect_ok(r);
	bpp = text(r);
	assert_int_equal(state_of("MID-HAPPY"), INV_DOWNLOADED);

	/* The eUICC recovers exactly the UPP of the inventory. */
	assert_int_equal(sim_load_bpp(&s, bpp), 0);
	free(bpp);
	snprintf(path, sizeof(path), "%s/testdata/ts48/%s", shared, profiles[0].file);
	upp = slurp(path, &upp_len);
	assert_int_equal(s.upp_len, upp_len);
	assert_memory_equal(s.upp, upp, upp_len);
	free(upp);

	r = call("handleNotification", sim_installation_result(&s, 1));
	assert_null(r);
	assert_int_equal(last_http, 204);
	assert_int_equal(state_of("MID-HAPPY"), INV_INSTALLED);

	/* A delete notification from the same eUICC, verified by its own chain. */
	r = call("handleNotification", sim_delete_notification(&s, s.iccid));
	assert_int_equal(last_http, 204);
	json_decref(r);
	assert_int_equal(state_of("MID-HAPPY"), INV_DELETED);
	sim_free(&s);
}

static void initiate_negative(void **state)
{
	static const char *const foreign_ports[] = {
	    ADDRESS ":8444", ADDRESS ":443", ADDRESS ":08443", ADDRESS ":65536",
	    ADDRESS ":0",    ADDRESS ":",    ADDRESS ":+8443", ADDRESS ":8443:8443",
	};
	static const char *bodies[][3] = {
	    /* body, subject, reason */
	    {"not json", "1.2", "2.1"},
	    {"[]", "1.2", "2.1"},
	    {"{}", "1.2", "2.2"},
	    {"{\"euiccChallenge\":5,\"euiccInfo1\":\"vyA=\",\"smdpAddress\":\"x\"}", "1.2", "2.1"},
	    {"{\"euiccChallenge\":\"AAAAAAAAAAAAAAAAAAAAAA==\",\"euiccInfo1\":\"vyA\","
	     "\"smdpAddress\":\"x\"}",
	     "1.2", "2.1"},
	    /* a 15-byte challenge */
	    {"{\"euiccChallenge\":\"AAAAAAAAAAAAAAAAAAAA\",\"euiccInfo1\":\"vyAA\","
	     "\"smdpAddress\":\"" ADDRESS "\"}",
	     "1.2", "2.1"},
	    /* BF20 truncated / garbage DER */
	    {"{\"euiccChallenge\":\"AAAAAAAAAAAAAAAAAAAAAA==\",\"euiccInfo1\":\"vyAF\","
	     "\"smdpAddress\":\"" ADDRESS "\"}",
	     "1.2", "2.1"},
	    {"{\"euiccChallenge\":\"AAAAAAAAAAAAAAAAAAAAAA==\",\"euiccInfo1\":\"3q2+7w==\","
	     "\"smdpAddress\":\"" ADDRESS "\"}",
	     "1.2", "2.1"},
	    {"{\"euiccChallenge\":\"AAAAAAAAAAAAAAAAAAAAAA==\",\"smdpAddress\":\"" ADDRESS "\"}",
	     "1.2", "2.2"},
	};
	struct snap before;
	struct sim s;
	size_t i;
	json_t *r;

	(void)state;
	snapshot(&before);
	for (i = 0; i < sizeof(bodies) / sizeof(bodies[0]); i++)
		call_expect("initiateAuthentication", strdup(bodies[i][0]), bodies[i][1],
			    bodies[i][2]);
	expect_unchanged(&before);

	/* Not our address; then the accepted spellings. */
	sim_sgp26(&s, "other.example.com");
	call_expect("initiateAuthentication", sim_initiate(&s), "8.8.1", "3.8");
	sim_free(&s);
	sim_sgp26(&s, ADDRESS ":x1");
	call_expect("initiateAuthentication", sim_initiate(&s), "8.8.1", "3.8");
	sim_free(&s);
	sim_sgp26(&s, ADDRESS ".evil");
	call_expect("initiateAuthentication", sim_initiate(&s), "8.8.1", "3.8");
	sim_free(&s);
	/* Our name with a port we do not serve is another server's address. */
	for (i = 0; i < sizeof(foreign_ports) / sizeof(foreign_ports[0]); i++) {
		sim_sgp26(&s, foreign_ports[i]);
		call_expect("initiateAuthentication", sim_initiate(&s), "8.8.1", "3.8");
		sim_free(&s);
	}
	expect_unchanged(&before);

	sim_sgp26(&s, "TestSMDPplus1.Example.COM:8443");
	r = call("initiateAuthentication", sim_initiate(&s));
	expect_ok(r);
	json_decref(r);
	sim_free(&s);

	/* A port named in smdp_address (forwarded to us) is served too; the listen port stays. */
	stop_service();
	snprintf(cfg.smdp_address, sizeof(cfg.smdp_address), "%s:443", ADDRESS);
	assert_int_equal(start_service(), 0);
	for (i = 0; i < 3; i++) {
		sim_sgp26(&s, i == 0 ? ADDRESS ":443" : i == 1 ? ADDRESS ":8443" : ADDRESS);
		r = call("initiateAuthentication", sim_initiate(&s));
		expect_ok(r);
		json_decref(r);
		sim_free(&s);
	}
	sim_sgp26(&s, ADDRESS ":444");
	call_expect("initiateAuthentication", sim_initiate(&s), "8.8.1", "3.8");
	sim_free(&s);
	stop_service();
	snprintf(cfg.smdp_address, sizeof(cfg.smdp_address), "%s:0443", ADDRESS);
	assert_int_equal(start_service(), -EINVAL);
	snprintf(cfg.smdp_address, sizeof(cfg.smdp_address), "%s", ADDRESS);
	assert_int_equal(start_service(), 0);

	/* An old eUICC; an eUICC that cannot verify our certificates. */
	snapshot(&before);
	sim_sgp26(&s, ADDRESS);
	s.faults = SIM_OLD_SVN;
	call_expect("initiateAuthentication", sim_initiate(&s), "8.8.3", "3.1");
	sim_free(&s);
	sim_pki(&s, "euicc-in", "eumA");
	s.faults = SIM_NO_DP_CI;
	call_expect("initiateAuthentication", sim_initiate(&s), "8.8.4", "3.7");
	sim_free(&s);
	expect_unchanged(&before);

	/* An eUICC that signs only under a CI we do not trust. */
	sim_pki(&s, "euicc-b", "eumB");
	snapshot(&before);
	call_expect("initiateAuthentication", sim_initiate(&s), "8.8.2", "3.1");
	expect_unchanged(&before);
	sim_free(&s);
}

static void authenticate_negative(void **state)
{
	static const struct {
		unsigned fault;
		const char *subject, *reason;
	} faults[] = {
	    {SIM_BAD_SIG1, "8.1", "6.1"},
	    {SIM_BAD_CHALLENGE, "8.1", "6.1"},
	    {SIM_BAD_ADDRESS, "8.1", "6.1"},
	    {SIM_BAD_SIGNED_TID, "8.10.1", "3.9"},
	};
	struct snap before;
	char *init, *good;
	struct sim s;
	size_t i;
	json_t *r;

	(void)state;
	sim_sgp26(&s, ADDRESS);
	init = initiate(&s);
	snapshot(&before);

	/* Each broken answer fails with its code; the session survives unchanged. */
	for (i = 0; i < sizeof(faults) / sizeof(faults[0]); i++) {
		s.faults = faults[i].fault;
		call_expect("authenticateClient", sim_authenticate(&s, init, "MID-NEG"),
			    faults[i].subject, faults[i].reason);
	}
	s.faults = 0;
	call_expect("authenticateClient", sim_authenticate(&s, init, "NO-SUCH-MID"), "8.2.6",
		    "3.8");
	call_expect("authenticateClient", sim_authenticate(&s, init, "MID-HAPPY"), "8.2", "1.2");

	/* Unknown transactionId, wrong types, bad base64, truncated and garbage DER. */
	good = sim_authenticate(&s, init, "MID-NEG");
	r = json_loads(good, 0, NULL);
	json_object_set_new(r, "transactionId", json_string("00112233445566778899AABBCCDDEEFF"));
	call_expect("authenticateClient", text(r), "8.10.1", "3.9");
	r = json_loads(good, 0, NULL);
	json_object_set_new(r, "transactionId", json_string("0011X"));
	call_expect("authenticateClient", text(r), "1.2", "2.1");
	r = json_loads(good, 0, NULL);
	json_object_set_new(r, "transactionId", json_integer(7));
	call_expect("authenticateClient", text(r), "1.2", "2.1");
	r = json_loads(good, 0, NULL);
	json_object_del(r, "authenticateServerResponse");
	call_expect("authenticateClient", text(r), "1.2", "2.2");
	r = json_loads(good, 0, NULL);
	{
		/* cut the DER in the middle, keeping valid base64 */
		const char *b64 =
		    json_string_value(json_object_get(r, "authenticateServerResponse"));
		char *cut = strndup(b64, (strlen(b64) / 2) & ~3u);

		json_object_set_new(r, "authenticateServerResponse", json_string(cut));
		free(cut);
	}
	call_expect("authenticateClient", text(r), "1.2", "2.1");
	r = json_loads(good, 0, NULL);
	json_object_set_new(r, "authenticateServerResponse", json_string("vzgDAQEB"));
	call_expect("authenticateClient", text(r), "1.2", "2.1");
	expect_unchanged(&before);

	/* The untouched session still works, once. */
	r = call_keep("authenticateClient", good);
	expect_ok(r);
	json_decref(r);
	assert_int_equal(state_of("MID-NEG"), INV_ALLOCATED);
	snapshot(&before);
	call_expect("authenticateClient", good, "8.10.1", "3.9"); /* replay */
	expect_unchanged(&before);
	free(init);
	sim_free(&s);
}

static void chain_negative(void **state)
{
	struct snap before;
	struct sim s;
	char *init;

	(void)state;
	/* EID outside the range its EUM may issue. */
	sim_pki(&s, "euicc-out", "eumA");
	init = initiate(&s);
	snapshot(&before);
	call_expect("authenticateClient", sim_authenticate(&s, init, "MID-CANCEL"), "8.1.3", "6.1");
	expect_unchanged(&before);
	free(init);
	sim_free(&s);

	/* A chain under a CI we do not know, although the eUICC claimed ours. */
	sim_pki(&s, "euicc-b", "eumB");
	s.faults = SIM_CLAIM_DP_CI;
	init = initiate(&s);
	snapshot(&before);
	call_expect("authenticateClient", sim_authenticate(&s, init, "MID-CANCEL"), "8.11.1",
		    "3.9");
	expect_unchanged(&before);
	free(init);
	sim_free(&s);

	/* Certificates past their validity (the SGP.26 EUM ends in January 2051). */
	sim_sgp26(&s, ADDRESS);
	clock_offset = (int64_t)(2051 - 2026) * 365 * 24 * 3600;
	if (test_clock() > 2557440000) { /* 2051-01-15, after the EUM's notAfter */
		init = initiate(&s);
		snapshot(&before);
		call_expect("authenticateClient", sim_authenticate(&s, init, "MID-CANCEL"), "8.1.2",
			    "6.3");
		expect_unchanged(&before);
		free(init);
	}
	clock_offset = 0;
	sim_free(&s);

	/* The same test PKI in range is accepted (our chain rule, not OpenSSL's). */
	sim_pki(&s, "euicc-in", "eumA");
	init = initiate(&s);
	{
		char *req = sim_authenticate(&s, init, "MID-CANCEL");
		json_t *r = call("authenticateClient", req);

		expect_ok(r);
		json_decref(r);
	}
	/* and cancelled again by a signed CancelSession */
	snapshot(&before);
	s.faults = SIM_BAD_CANCEL_SIG;
	call_expect("cancelSession", sim_cancel(&s, 0), "8.1", "6.1");
	s.faults = SIM_BAD_CANCEL_OID;
	call_expect("cancelSession", sim_cancel(&s, 0), "8.8", "3.10");
	expect_unchanged(&before);
	assert_int_equal(state_of("MID-CANCEL"), INV_ALLOCATED);
	s.faults = 0;
	{
		json_t *r = call("cancelSession", sim_cancel(&s, 0));

		expect_ok(r);
		json_decref(r);
	}
	assert_int_equal(state_of("MID-CANCEL"), INV_AVAILABLE);
	call_expect("cancelSession", sim_cancel(&s, 0), "8.10.1", "3.9");
	free(init);
	sim_free(&s);
}

static void confirmation_code(void **state)
{
	struct snap before;
	char *auth, *req;
	struct sim s;
	json_t *r;
	int i;

	(void)state;
	sim_sgp26(&s, ADDRESS);
	auth = authenticate(&s, "MID-CC");
	snapshot(&before);
	s.faults = SIM_NO_HASH_CC;
	call_expect("getBoundProfilePackage", sim_prepare_download(&s, auth, "1234"), "8.2.7",
		    "2.2");
	s.faults = 0;
	call_expect("getBoundProfilePackage", sim_prepare_download(&s, auth, "4321"), "8.2.7",
		    "3.8");
	assert_true(s.cc_required);
	s.faults = SIM_BAD_SIG2;
	call_expect("getBoundProfilePackage", sim_prepare_download(&s, auth, "1234"), "8.1", "6.1");
	expect_unchanged(&before);
	s.faults = 0;
	req = sim_prepare_download(&s, auth, "1234");
	r = call_keep("getBoundProfilePackage", req);
	expect_ok(r);
	json_decref(r);
	assert_int_equal(state_of("MID-CC"), INV_DOWNLOADED);
	/* replayed GetBoundProfilePackage */
	snapshot(&before);
	call_expect("getBoundProfilePackage", req, "8.10.1", "3.9");
	expect_unchanged(&before);
	free(auth);
	sim_free(&s);

	/* Wrong codes until the retries are spent: the profile returns to the stock. */
	sim_sgp26(&s, ADDRESS);
	auth = authenticate(&s, "MID-CC-RETRY");
	for (i = 1; i < ES9_CC_MAX_FAILURES; i++)
		call_expect("getBoundProfilePackage", sim_prepare_download(&s, auth, "0000"),
			    "8.2.7", "3.8");
	assert_int_equal(state_of("MID-CC-RETRY"), INV_ALLOCATED);
	call_expect("getBoundProfilePackage", sim_prepare_download(&s, auth, "0000"), "8.2.7",
		    "6.4");
	assert_int_equal(state_of("MID-CC-RETRY"), INV_AVAILABLE);
	call_expect("getBoundProfilePackage", sim_prepare_download(&s, auth, "9999"), "8.10.1",
		    "3.9");
	free(auth);
	sim_free(&s);
}

static void download_error_and_notifications(void **state)
{
	struct snap before;
	char *auth, *req, *bpp;
	struct sim s;
	json_t *r;

	(void)state;
	/* The eUICC refuses PrepareDownload: session over, profile back. */
	sim_sgp26(&s, ADDRESS);
	auth = authenticate(&s, "MID-DLERR");
	call_expect("getBoundProfilePackage", sim_download_error(&s, 2), "8.1", "4.2");
	assert_int_equal(state_of("MID-DLERR"), INV_AVAILABLE);
	free(auth);
	sim_free(&s);

	/* Download it for real, then notifications that must change nothing. */
	sim_sgp26(&s, ADDRESS);
	auth = authenticate(&s, "MID-DLERR");
	req = sim_prepare_download(&s, auth, NULL);
	r = call("getBoundProfilePackage", req);
	expect_ok(r);
	bpp = text(r);
	assert_int_equal(sim_load_bpp(&s, bpp), 0);
	snapshot(&before);
	s.faults = SIM_BAD_PIR_SIG;
	assert_null(call("handleNotification", sim_installation_result(&s, 1)));
	assert_int_equal(last_http, 204);
	s.faults = 0;
	call_expect("handleNotification", strdup("{\"pendingNotification\":\"vzcA\"}"), "1.2",
		    "2.1");
	call_expect("handleNotification", strdup("{\"pendingNotification\":true}"), "1.2", "2.1");
	/* delete of a profile bound to another eUICC */
	{
		struct sim other;

		sim_pki(&other, "euicc-in", "eumA");
		assert_null(call("handleNotification", sim_delete_notification(&other, s.iccid)));
		sim_free(&other);
	}
	expect_unchanged(&before);
	assert_int_equal(state_of("MID-DLERR"), INV_DOWNLOADED);

	/* An installation failure, verified, puts it back into the stock. */
	assert_null(call("handleNotification", sim_installation_result(&s, 0)));
	assert_int_equal(state_of("MID-DLERR"), INV_AVAILABLE);
	/* the same result again: the session is gone, nothing changes */
	snapshot(&before);
	assert_null(call("handleNotification", sim_installation_result(&s, 1)));
	assert_int_equal(last_http, 204);
	expect_unchanged(&before);
	free(bpp);
	free(auth);
	sim_free(&s);
}

/* A DP key that is not its certificate's key (a wrong card slot) stops the worker at start. */
static void key_must_match_certificate(void **state)
{
	char saved[sizeof(cfg.dppb_key)];

	(void)state;
	stop_service();
	memcpy(saved, cfg.dppb_key, sizeof(saved));
	memcpy(cfg.dppb_key, cfg.dpauth_key, sizeof(saved));
	assert_int_equal(start_service(), -EKEYREJECTED);
	assert_null(worker);
	memcpy(cfg.dppb_key, saved, sizeof(saved));
	stop_service();
	assert_int_equal(start_service(), 0);
}

/*
 * A second service on an inventory in use is refused before its restart recovery (which
 * would release the first one's allocations); the first keeps its sessions.
 */
static void second_service_refused(void **state)
{
	struct es9_service *second = NULL;
	char err[512], want[64];
	struct sim s;
	char *auth;

	(void)state;
	sim_sgp26(&s, ADDRESS);
	auth = authenticate(&s, "MID-EXPIRE");
	assert_int_equal(state_of("MID-EXPIRE"), INV_ALLOCATED);
	assert_int_equal(es9_service_new(&cfg, &second, err, sizeof(err)), -EBUSY);
	assert_null(second);
	snprintf(want, sizeof(want), "in use by another portdpd (pid %ld)", (long)getpid());
	assert_non_null(strstr(err, want));
	assert_int_equal(state_of("MID-EXPIRE"), INV_ALLOCATED);
	/* Released with the service: the next one starts (and recovers). */
	stop_service();
	assert_int_equal(start_service(), 0);
	assert_int_equal(state_of("MID-EXPIRE"), INV_AVAILABLE);
	free(auth);
	sim_free(&s);
}

static void expiry_and_restart(void **state)
{
	struct sim s;
	char *auth;

	(void)state;
	sim_sgp26(&s, ADDRESS);
	auth = authenticate(&s, "MID-EXPIRE");
	free(auth);
	assert_int_equal(state_of("MID-EXPIRE"), INV_ALLOCATED);
	es9_service_expire(svc, worker);
	assert_int_equal(state_of("MID-EXPIRE"), INV_ALLOCATED);
	clock_offset = cfg.session_timeout_s + 1;
	es9_service_expire(svc, worker);
	clock_offset = 0;
	assert_int_equal(state_of("MID-EXPIRE"), INV_AVAILABLE);
	call_expect("getBoundProfilePackage", sim_prepare_download(&s, NULL, NULL) ?: strdup("{}"),
		    "1.2", "2.2");
	sim_free(&s);

	/* A restart forgets sessions; their allocations go back to the stock. */
	sim_sgp26(&s, ADDRESS);
	auth = authenticate(&s, "MID-EXPIRE");
	assert_int_equal(state_of("MID-EXPIRE"), INV_ALLOCATED);
	stop_service();
	assert_int_equal(start_service(), 0);
	assert_int_equal(state_of("MID-EXPIRE"), INV_AVAILABLE);
	call_expect("getBoundProfilePackage", sim_prepare_download(&s, auth, NULL), "8.10.1",
		    "3.9");
	free(auth);
	sim_free(&s);
}

/* The confirmation code of the profile allocated now (NULL if it needs none). */
static int find_allocated(const struct inv_profile *p, void *arg)
{
	*(const char **)arg = p->matching_id[0] ? strdup(p->matching_id) : NULL;
	return 1;
}

static const char *allocated_cc(void)
{
	const char *mid = NULL, *cc = NULL;
	size_t i;

	assert_int_equal(inv_list(view, INV_ALLOCATED, find_allocated, &mid), 0);
	assert_non_null(mid);
	for (i = 0; i < sizeof(profiles) / sizeof(profiles[0]); i++)
		if (!strcmp(profiles[i].matching_id, mid))
			cc = profiles[i].cc;
	free((void *)mid);
	return cc;
}

static void default_smdp(void **state)
{
	char *auth, *req;
	unsigned before, after;
	struct sim s;
	json_t *r;

	(void)state;
	/* No matchingId: the next available profile (factory line). */
	assert_int_equal(inv_count(view, INV_DOWNLOADED, &before), 0);
	sim_sgp26(&s, ADDRESS);
	auth = authenticate(&s, NULL);
	req = sim_prepare_download(&s, auth, allocated_cc());
	r = call("getBoundProfilePackage", req);
	expect_ok(r);
	json_decref(r);
	assert_int_equal(inv_count(view, INV_DOWNLOADED, &after), 0);
	assert_int_equal(after, before + 1);
	free(auth);
	sim_free(&s);
}

/* The remaining TS.48 profiles, each downloaded and installed; reports the SM-DP+'s time. */
static const char *const bench_files[] = {
    "TS48V1-A-UNIQUE.der",
    "TS48V1-B-UNIQUE.der",
    "TS48V4-SAIP2-1A-NOBERTLV-UNIQUE.der",
    "TS48V4-SAIP2-1B-NOBERTLV-UNIQUE.der",
    "TS48V4-SAIP2-3-BERTLV-UNIQUE.der",
    "TS48V4-SAIP2-3-NOBERTLV-UNIQUE.der",
    "TS48V5-SAIP2-1A-NOBERTLV-UNIQUE.der",
    "TS48V5-SAIP2-1B-NOBERTLV-UNIQUE.der",
    "TS48V5-SAIP2-3-BERTLV-SUCI-UNIQUE.der",
    "TS48V5-SAIP2-3-NOBERTLV-UNIQUE.der",
};

static void every_ts48_profile(void **state)
{
	char path[600], mid[32], *auth, *req, *bpp;
	uint64_t total = 0;
	struct sim s;
	size_t i, upp_len;
	uint8_t *upp;
	json_t *r;

	(void)state;
	sim_sgp26(&s, ADDRESS);
	for (i = 0; i < sizeof(bench_files) / sizeof(bench_files[0]); i++) {
		struct inv_import opt = {0};
		struct inv_profile p;

		snprintf(path, sizeof(path), "%s/testdata/ts48/%s", shared, bench_files[i]);
		upp = slurp(path, &upp_len);
		assert_non_null(upp);
		snprintf(mid, sizeof(mid), "MID-TS48-%zu", i);
		opt.matching_id = mid;
		opt.profile_class = -1;
		assert_int_equal(inv_import(view, upp, upp_len, &opt, &p), 0);

		server_ns = 0;
		auth = authenticate(&s, mid);
		req = sim_prepare_download(&s, auth, NULL);
		r = call("getBoundProfilePackage", req);
		expect_ok(r);
		total += server_ns;
		bpp = text(r);
		assert_int_equal(sim_load_bpp(&s, bpp), 0);
		assert_int_equal(s.upp_len, upp_len);
		assert_memory_equal(s.upp, upp, upp_len);
		assert_null(call("handleNotification", sim_installation_result(&s, 1)));
		assert_int_equal(state_of(mid), INV_INSTALLED);
		free(bpp);
		free(auth);
		free(upp);
	}
	printf("# SM-DP+ time per download (initiate+authenticate+BPP, soft backend, "
	       "group commit per call): %.2f ms over %zu TS.48 profiles\n",
	       (double)total / 1e6 / (double)i, i);
	sim_free(&s);
}

/* The last audit row of the profile with ICCID @iccid. */
struct last_row {
	const char *iccid;
	struct inv_audit a;
};

static int find_last_row(const struct inv_audit *a, void *arg)
{
	struct last_row *l = arg;

	if (!strcmp(a->iccid, l->iccid))
		l->a = *a;
	return 0;
}

/* The last audit row of @s's profile: the move, the transaction and the LPA's address. */
static void expect_last_audit(const struct sim *s, const char *from, const char *to)
{
	struct last_row l = {.iccid = s->iccid};
	char actor[INV_ACTOR_MAX];

	assert_int_equal(inv_audit(view, 0, find_last_row, &l), 0);
	assert_string_equal(l.a.from, from);
	assert_string_equal(l.a.to, to);
	snprintf(actor, sizeof(actor), "es9 tid=%s client=" TEST_CLIENT, s->tid_hex);
	assert_string_equal(l.a.actor, actor);
}

/* Import @file as @mid and download it to @s; the eUICC opens the BPP. */
static void download(struct sim *s, const char *file, const char *mid)
{
	struct inv_import opt = {.matching_id = mid, .profile_class = -1};
	char path[600], *auth, *bpp;
	uint8_t *upp;
	size_t len;
	json_t *r;

	snprintf(path, sizeof(path), "%s/testdata/ts48/%s", shared, file);
	upp = slurp(path, &len);
	assert_non_null(upp);
	assert_int_equal(inv_import(view, upp, len, &opt, NULL), 0);
	free(upp);
	auth = authenticate(s, mid);
	r = call("getBoundProfilePackage", sim_prepare_download(s, auth, NULL));
	expect_ok(r);
	bpp = text(r);
	assert_int_equal(sim_load_bpp(s, bpp), 0);
	assert_int_equal(state_of(mid), INV_DOWNLOADED);
	free(bpp);
	free(auth);
}

/* One request whose group commit fails, as on a full disk; returns its answer's status. */
static const char *call_commit_fails(const char *function, const char *body)
{
	static char status[32];
	struct es9_response resp;
	char path[128];
	json_t *root;

	snprintf(path, sizeof(path), "/gsma/rsp2/es9plus/%s", function);
	es9_handle(worker, TEST_CLIENT, path, body, strlen(body), &resp);
	/* What a full disk does at COMMIT time (SQLite rolls the group back), without one. */
	assert_int_equal(sqlite3_exec(worker->inv->db, "ROLLBACK", NULL, NULL, NULL), SQLITE_OK);
	assert_int_equal(es9_worker_flush(worker), -EIO);
	root = json_loadb(resp.body, resp.body_len, 0, NULL);
	snprintf(status, sizeof(status), "%s",
		 json_string_value(json_object_get(exec_status(root), "status")) ?: "?");
	json_decref(root);
	free(resp.body);
	return status;
}

/*
 * A failed group commit leaves the inventory as it was, and the sessions of that group go
 * back to their step before it: the LPA can repeat the step, or cancel the session, which
 * releases its profile now instead of at the allocation deadline.
 */
static void failed_commit_rewinds_sessions(void **state)
{
	struct inv_import opt = {.matching_id = "MID-FULL", .profile_class = -1};
	char path[600], *init, *ac, *auth, *pd;
	uint8_t *upp;
	size_t len;
	struct sim s;
	json_t *r;

	(void)state;
	snprintf(path, sizeof(path), "%s/testdata/ts48/%s", shared, "TS48v3_SAIP2.1_BERTLV.der");
	upp = slurp(path, &len);
	assert_non_null(upp);
	/* An ICCID of its own: every TS.48 file is taken by another test. */
	assert_int_equal(test_upp_set_iccid(upp, len, 424242, NULL), 0);
	assert_int_equal(inv_import(view, upp, len, &opt, NULL), 0);
	free(upp);
	sim_sgp26(&s, ADDRESS);
	init = initiate(&s);
	ac = sim_authenticate(&s, init, "MID-FULL");
	free(init);
	/* The answer went out as Executed-Success; the server replaces it (es9_answer_unstored). */
	call_commit_fails("authenticateClient", ac);
	assert_int_equal(state_of("MID-FULL"), INV_AVAILABLE);
	r = call("authenticateClient", ac);
	expect_ok(r);
	auth = text(r);
	assert_int_equal(state_of("MID-FULL"), INV_ALLOCATED);

	pd = sim_prepare_download(&s, auth, NULL);
	free(auth);
	call_commit_fails("getBoundProfilePackage", pd);
	free(pd);
	assert_int_equal(state_of("MID-FULL"), INV_ALLOCATED);
	r = call("cancelSession", sim_cancel(&s, 1));
	expect_ok(r);
	json_decref(r);
	assert_int_equal(state_of("MID-FULL"), INV_AVAILABLE);
	sim_free(&s);
}

/* One ES2+ call by operator opF; @fail_commit: its group commit fails as on a full disk. */
static json_t *es2_call_commit(const char *function, const char *body, bool fail_commit)
{
	struct es9_response resp;
	char path[128];
	json_t *root;

	snprintf(path, sizeof(path), "/gsma/rsp2/es2plus/%s", function);
	es2_handle(worker, "192.0.2.7:4000", "CN=opF,O=Test", path, body, strlen(body), &resp);
	if (fail_commit)
		assert_int_equal(sqlite3_exec(worker->inv->db, "ROLLBACK", NULL, NULL, NULL),
				 SQLITE_OK);
	assert_int_equal(es9_worker_flush(worker), fail_commit ? -EIO : 0);
	assert_int_equal(resp.http_status, 200);
	root = json_loadb(resp.body, resp.body_len, 0, NULL);
	assert_non_null(root);
	free(resp.body);
	return root;
}

/*
 * ES2+ calls share the ES9+ group commit: one whose commit fails leaves neither the order
 * nor the record of its answer, so the operator's retry with the same
 * functionCallIdentifier runs it again (instead of replaying an answer that never held).
 */
static void es2_failed_commit_changes_nothing(void **state)
{
	struct inv_operator op = {.name = "opF", .subject = "CN=opF,O=Test"};
	struct inv_import opt = {.matching_id = "MID-ES2F", .profile_class = -1, .owner = "opF"};
	struct inv_profile p;
	char path[600], iccid[21], body[256];
	uint8_t *upp;
	size_t len;
	json_t *r;

	(void)state;
	assert_int_equal(inv_operator_add(view, &op), 0);
	snprintf(path, sizeof(path), "%s/testdata/ts48/%s", shared, "TS48v3_SAIP2.1_BERTLV.der");
	upp = slurp(path, &len);
	assert_non_null(upp);
	assert_int_equal(test_upp_set_iccid(upp, len, 424243, iccid), 0);
	assert_int_equal(inv_import(view, upp, len, &opt, NULL), 0);
	free(upp);
	snprintf(body, sizeof(body),
		 "{\"header\":{\"functionRequesterIdentifier\":\"opF\","
		 "\"functionCallIdentifier\":\"f1\"},\"iccid\":\"%s\"}",
		 iccid);

	r = es2_call_commit("downloadOrder", body, true);
	json_decref(r); /* Executed-Success as built; the server sends es9_answer_unstored() */
	assert_int_equal(inv_get_by_iccid(view, iccid, &p), 0);
	assert_int_equal(p.order, INV_ORDER_UNORDERED);

	r = es2_call_commit("downloadOrder", body, false);
	expect_ok(r);
	json_decref(r);
	assert_int_equal(inv_get_by_iccid(view, iccid, &p), 0);
	assert_int_equal(p.order, INV_ORDER_RESERVED);
}

/*
 * A ProfileInstallationResult that no session claims (portdpd restarted, or the retention
 * passed) is verified with the eUICC key the inventory kept: it lands when it is the bound
 * eUICC's, for the bound ICCID, and the first time; anything else changes nothing.
 */
static void late_installation_result(void **state)
{
	char *good, *bad_sig, *wrong_iccid, *foreign, *failed;
	char iccid[sizeof(((struct sim *)0)->iccid)];
	struct snap before;
	struct sim s, other;
	unsigned sessions;

	(void)state;
	sim_sgp26(&s, ADDRESS);
	download(&s, "TS48v1_A.der", "MID-LATE");
	/* The results the LPA holds back, and forgeries of them. */
	good = sim_installation_result(&s, 1);
	s.faults = SIM_BAD_PIR_SIG;
	bad_sig = sim_installation_result(&s, 1);
	s.faults = 0;
	memcpy(iccid, s.iccid, sizeof(iccid));
	snprintf(s.iccid, sizeof(s.iccid), "%s", "8949449999999990023");
	wrong_iccid = sim_installation_result(&s, 1);
	memcpy(s.iccid, iccid, sizeof(iccid));
	sim_pki(&other, "euicc-in", "eumA"); /* another eUICC signs for this transaction */
	memcpy(other.tid, s.tid, sizeof(other.tid));
	other.tid_len = s.tid_len;
	memcpy(other.iccid, s.iccid, sizeof(other.iccid));
	foreign = sim_installation_result(&other, 1);
	assert_true(good && bad_sig && wrong_iccid && foreign);

	/* Restart: the session and its copy of PK.EUICC are gone. */
	stop_service();
	assert_int_equal(start_service(), 0);
	assert_int_equal(state_of("MID-LATE"), INV_DOWNLOADED);
	snapshot(&before);
	assert_null(call_keep("handleNotification", bad_sig));
	assert_int_equal(last_http, 204);
	assert_null(call_keep("handleNotification", wrong_iccid));
	assert_int_equal(last_http, 204);
	assert_null(call_keep("handleNotification", foreign));
	assert_int_equal(last_http, 204);
	expect_unchanged(&before);
	assert_null(call_keep("handleNotification", good));
	assert_int_equal(last_http, 204);
	assert_int_equal(state_of("MID-LATE"), INV_INSTALLED);
	expect_last_audit(&s, "downloaded", "installed");
	/* Replayed, or a forgery after it: nothing changes. */
	snapshot(&before);
	assert_null(call_keep("handleNotification", good));
	assert_null(call_keep("handleNotification", bad_sig));
	expect_unchanged(&before);
	free(good);
	free(bad_sig);
	free(wrong_iccid);
	free(foreign);
	sim_free(&other);

	/* No restart, but the session's retention is over: an installation failure lands. */
	download(&s, "TS48v2_SAIP2.1_NoBERTLV.der", "MID-LATE2");
	failed = sim_installation_result(&s, 0);
	assert_non_null(failed);
	sessions = es9_sessions_count(svc->sessions);
	clock_offset = ES9_NOTIFY_RETENTION_S + 1;
	es9_service_expire(svc, worker);
	clock_offset = 0;
	assert_int_equal(es9_sessions_count(svc->sessions), sessions - 1);
	assert_int_equal(state_of("MID-LATE2"), INV_DOWNLOADED);
	assert_null(call("handleNotification", failed));
	assert_int_equal(last_http, 204);
	assert_int_equal(state_of("MID-LATE2"), INV_AVAILABLE);
	expect_last_audit(&s, "downloaded", "available");
	sim_free(&s);
}

/* Two workers on two threads send their request at the same moment. */
struct racer {
	struct es9_worker *w;
	const char *body;
	pthread_barrier_t *start;
	int ok;
};

static void *race(void *arg)
{
	struct racer *r = arg;
	struct es9_response resp;
	json_t *root;

	pthread_barrier_wait(r->start);
	es9_handle(r->w, TEST_CLIENT, "/gsma/rsp2/es9plus/authenticateClient", r->body,
		   strlen(r->body), &resp);
	if (es9_worker_flush(r->w))
		return NULL;
	root = json_loadb(resp.body, resp.body_len, 0, NULL);
	r->ok = !strcmp(json_string_value(json_object_get(exec_status(root), "status")),
			"Executed-Success");
	json_decref(root);
	free(resp.body);
	return NULL;
}

static int run_race(const char *body_a, const char *body_b)
{
	struct racer r[2] = {{.body = body_a}, {.body = body_b}};
	pthread_barrier_t start;
	pthread_t t[2];
	int i;

	pthread_barrier_init(&start, NULL, 2);
	for (i = 0; i < 2; i++) {
		assert_int_equal(es9_worker_new(svc, &r[i].w), 0);
		r[i].start = &start;
	}
	for (i = 0; i < 2; i++)
		assert_int_equal(pthread_create(&t[i], NULL, race, &r[i]), 0);
	for (i = 0; i < 2; i++) {
		pthread_join(t[i], NULL);
		es9_worker_free(r[i].w);
	}
	pthread_barrier_destroy(&start);
	return r[0].ok + r[1].ok;
}

static void concurrent_workers(void **state)
{
	struct sim a, b;
	char *ia, *ib, *ra, *rb;
	int round;

	(void)state;
	for (round = 0; round < 4; round++) {
		sim_sgp26(&a, ADDRESS);
		sim_pki(&b, "euicc-in", "eumA");
		ia = initiate(&a);
		ib = initiate(&b);
		/* the same session twice at once: one wins, the replay loses */
		ra = sim_authenticate(&a, ia, "MID-CANCEL");
		assert_int_equal(run_race(ra, ra), 1);
		assert_int_equal(state_of("MID-CANCEL"), INV_ALLOCATED);
		{
			json_t *r = call("cancelSession", sim_cancel(&a, 1));

			expect_ok(r);
			json_decref(r);
		}
		assert_int_equal(state_of("MID-CANCEL"), INV_AVAILABLE);
		free(ia);
		free(ra);
		/* two eUICCs, one profile, at once: bound to exactly one */
		ia = initiate(&a);
		ra = sim_authenticate(&a, ia, "MID-CANCEL");
		rb = sim_authenticate(&b, ib, "MID-CANCEL");
		assert_int_equal(run_race(ra, rb), 1);
		assert_int_equal(state_of("MID-CANCEL"), INV_ALLOCATED);
		/* give it back for the next round */
		clock_offset = cfg.session_timeout_s + 1;
		es9_service_expire(svc, worker);
		clock_offset = 0;
		assert_int_equal(state_of("MID-CANCEL"), INV_AVAILABLE);
		free(ia);
		free(ib);
		free(ra);
		free(rb);
		sim_free(&a);
		sim_free(&b);
	}
}

static void http_level(void **state)
{
	struct es9_response resp;
	char *big;

	(void)state;
	es9_handle(worker, NULL, "/gsma/rsp2/es9plus/nosuch", "{}", 2, &resp);
	assert_int_equal(resp.http_status, 404);
	assert_null(resp.body);
	es9_handle(worker, NULL, "/other", "{}", 2, &resp);
	assert_int_equal(resp.http_status, 404);
	big = calloc(1, cfg.max_body + 2);
	memset(big, ' ', cfg.max_body + 1);
	es9_handle(worker, NULL, "/gsma/rsp2/es9plus/initiateAuthentication", big, cfg.max_body + 1,
		   &resp);
	assert_int_equal(resp.http_status, 413);
	free(big);
}

/* Any 32 bytes: the stock key of this test's inventories. */
static const uint8_t test_stock_key[INV_STOCK_KEY_LEN] = {0x5e, 0xa1, 0xed};

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(happy_path),
	    cmocka_unit_test(initiate_negative),
	    cmocka_unit_test(authenticate_negative),
	    cmocka_unit_test(chain_negative),
	    cmocka_unit_test(confirmation_code),
	    cmocka_unit_test(download_error_and_notifications),
	    cmocka_unit_test(expiry_and_restart),
	    cmocka_unit_test(second_service_refused),
	    cmocka_unit_test(default_smdp),
	    cmocka_unit_test(every_ts48_profile),
	    cmocka_unit_test(concurrent_workers),
	    cmocka_unit_test(http_level),
	    cmocka_unit_test(key_must_match_certificate),
	    cmocka_unit_test(late_installation_result),
	    cmocka_unit_test(failed_commit_rewinds_sessions),
	    cmocka_unit_test(es2_failed_commit_changes_nothing),
	};

	cmocka_set_message_output(CM_OUTPUT_TAP);
	inv_stock_key_set(test_stock_key); /* UPPs are sealed at rest (schema v5) */
	return cmocka_run_group_tests(tests, setup, teardown);
}
