// SPDX-License-Identifier: Apache-2.0
/*
 * Network-layer tests: the real server (io_uring, OpenSSL, libhttp-parser)
 * on 127.0.0.1 with a real TLS client, over the ES9+ test double. The
 * SIGTERM case runs portdpd's own main() (portdpd-echo) as a process.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <limits.h>
#include <poll.h>
#include <pthread.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>
#include <openssl/err.h>

#include "../log.h"
#include "../server.h"
#include "../server_int.h"
#include "echo_es9.h"
#include "tls_client.h"

#define IO_TIMEOUT_MS 3000

static char g_dir[] = "/tmp/portdp-server-test.XXXXXX";
static char g_ca[256], g_chain[256], g_key[256];
static struct portdpd_config g_cfg;
static struct portdp_server_limits g_lim;
static struct es9_service *g_svc;
static struct portdp_server *g_srv;
static uint16_t g_port;
static SSL_CTX *g_ctx;

/*
 * fsync test hooks (server_int.h): the next g_delay_count fsyncs are held back g_delay_ms
 * (a slow disk), the next g_fail_count complete with -EIO (a failing one).
 */
static unsigned g_delay_ms;
static int g_delay_count, g_fail_count;
static unsigned long g_fsyncs; /* fsync completions seen */

static bool take_one(int *count)
{
	int n = __atomic_load_n(count, __ATOMIC_ACQUIRE);

	while (n > 0)
		if (__atomic_compare_exchange_n(count, &n, n - 1, false, __ATOMIC_ACQ_REL,
						__ATOMIC_ACQUIRE))
			return true;
	return false;
}

static unsigned hook_fsync_delay(unsigned worker, uint64_t seq)
{
	(void)worker;
	(void)seq;
	return take_one(&g_delay_count) ? __atomic_load_n(&g_delay_ms, __ATOMIC_RELAXED) : 0;
}

static int hook_fsync_result(unsigned worker, uint64_t seq, int res)
{
	(void)worker;
	(void)seq;
	__atomic_fetch_add(&g_fsyncs, 1, __ATOMIC_RELAXED);
	return take_one(&g_fail_count) ? -EIO : res;
}

static unsigned long fsyncs(void)
{
	return __atomic_load_n(&g_fsyncs, __ATOMIC_RELAXED);
}

static long elapsed_ms(const struct timespec *t0)
{
	struct timespec t1;

	clock_gettime(CLOCK_MONOTONIC, &t1);
	return (t1.tv_sec - t0->tv_sec) * 1000 + (t1.tv_nsec - t0->tv_nsec) / 1000000;
}

static void sleep_ms(long ms)
{
	struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};

	nanosleep(&ts, NULL);
}

/* The project's test-PKI tool, next to this test in the build tree (build/bin/portdp-pki). */
static bool find_pki_tool(char *path, size_t size)
{
	char exe[PATH_MAX];
	ssize_t n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);

	if (n <= 0)
		return false;
	exe[n] = '\0';
	/* build/appliance/server/tests/test-server -> build/bin/portdp-pki */
	snprintf(path, size, "%s/../../../bin/portdp-pki", dirname(exe));
	return access(path, X_OK) == 0;
}

/* Test PKI: the project's tool when present, else a CA and a leaf from the openssl CLI. */
static int make_pki(void)
{
	char cmd[2 * PATH_MAX + 64], tool[PATH_MAX];

	if (find_pki_tool(tool, sizeof(tool))) {
		printf("# test PKI from %s\n", tool);
		snprintf(cmd, sizeof(cmd), "'%s' '%s' >/dev/null", tool, g_dir);
		if (system(cmd))
			return -1;
		snprintf(g_ca, sizeof(g_ca), "%s/ci.pem", g_dir);
		snprintf(g_chain, sizeof(g_chain), "%s/dptls-chain.pem", g_dir);
		snprintf(g_key, sizeof(g_key), "file:%s/dptls-key.pem", g_dir);
		return 0;
	}
	printf("# test PKI from the openssl CLI (portdp-pki not built)\n");
	snprintf(
	    cmd, sizeof(cmd),
	    "set -e; cd %s; exec 2>/dev/null; "
	    "openssl ecparam -name prime256v1 -genkey -noout -out ca.key; "
	    "openssl req -x509 -new -key ca.key -subj /CN=Port-DP-Test-CA -days 2 -out ca.pem; "
	    "openssl ecparam -name prime256v1 -genkey -noout -out srv.key; "
	    "openssl req -new -key srv.key -subj /CN=localhost -out srv.csr; "
	    "printf 'subjectAltName=DNS:localhost\\nbasicConstraints=CA:FALSE\\n"
	    "keyUsage=digitalSignature\\nextendedKeyUsage=serverAuth\\n' > srv.ext; "
	    "openssl x509 -req -in srv.csr -CA ca.pem -CAkey ca.key -CAcreateserial -days 2 "
	    "-extfile srv.ext -out srv.pem; cat srv.pem ca.pem > chain.pem",
	    g_dir);
	if (system(cmd))
		return -1;
	snprintf(g_ca, sizeof(g_ca), "%s/ca.pem", g_dir);
	snprintf(g_chain, sizeof(g_chain), "%s/chain.pem", g_dir);
	snprintf(g_key, sizeof(g_key), "file:%s/srv.key", g_dir);
	return 0;
}

static void base_config(struct portdpd_config *cfg, struct portdp_server_limits *lim)
{
	portdpd_config_defaults(cfg);
	cfg->listen_port = 0;
	cfg->workers = 2;
	cfg->max_body = 4096;
	snprintf(cfg->tls_cert, sizeof(cfg->tls_cert), "%s", g_chain);
	snprintf(cfg->tls_key, sizeof(cfg->tls_key), "%s", g_key);
	portdp_server_limits_defaults(lim);
	lim->max_conns = 400;
	lim->max_header = 2048;
	lim->handshake_timeout_ms = 1000;
	lim->idle_timeout_ms = 800;
	lim->request_timeout_ms = 1200;
	lim->drain_timeout_ms = 3000;
}

static int group_setup(void **state)
{
	char err[256];

	(void)state;
	if (!mkdtemp(g_dir) || make_pki())
		return -1;
	base_config(&g_cfg, &g_lim);
	server_test_hooks.fsync_delay_ms = hook_fsync_delay;
	server_test_hooks.fsync_result = hook_fsync_result;
	if (es9_service_new(&g_cfg, &g_svc, err, sizeof(err)))
		return -1;
	if (portdp_server_start(&g_cfg, &g_lim, g_svc, &g_srv, err, sizeof(err))) {
		fprintf(stderr, "server start: %s\n", err);
		return -1;
	}
	g_port = portdp_server_port(g_srv);
	g_ctx = tc_ctx_new(g_ca, 0, 0);
	return g_ctx ? 0 : -1;
}

static int group_teardown(void **state)
{
	char cmd[PATH_MAX + 16];

	(void)state;
	if (g_srv) {
		portdp_server_stop(g_srv);
		portdp_server_free(g_srv);
	}
	es9_service_free(g_svc);
	SSL_CTX_free(g_ctx);
	snprintf(cmd, sizeof(cmd), "rm -rf %s", g_dir);
	return system(cmd) ? -1 : 0;
}

/* One POST on @c; asserts 200 and returns the body (caller frees via tc_resp_free). */
static void post(struct tc_conn *c, const char *fn, const char *body, struct tc_resp *r)
{
	char req[8192];
	int n = tc_format_post(req, sizeof(req), fn, body);

	assert_true(n > 0);
	assert_int_equal(tc_write(c, req, n), 0);
	assert_int_equal(tc_read_response(c, r), 0);
}

static void assert_json_headers(const struct tc_resp *r)
{
	const char *ct = tc_header(r, "Content-Type"), *ap = tc_header(r, "X-Admin-Protocol");

	assert_non_null(ct);
	assert_memory_equal(ct, "application/json;charset=UTF-8\n", 31);
	assert_non_null(ap);
	assert_memory_equal(ap, "gsma/rsp/v2.2.0", 15);
}

static void wait_open_conns(unsigned want)
{
	struct portdp_server_stats st;
	int i;

	for (i = 0; i < 200; i++) {
		portdp_server_get_stats(g_srv, &st);
		if (st.open_conns == want)
			return;
		sleep_ms(10);
	}
	fail_msg("open connections stay at %u, want %u", st.open_conns, want);
}

static void handshake_and_resume(int version)
{
	SSL_CTX *ctx = tc_ctx_new(g_ca, version, version);
	SSL_SESSION *sess;
	struct tc_conn c;
	struct tc_resp r;

	assert_non_null(ctx);
	assert_int_equal(tc_connect(&c, ctx, g_port, NULL, IO_TIMEOUT_MS), 0);
	assert_int_equal(SSL_version(c.ssl), version);
	post(&c, "echo", "{\"hello\":\"world\"}", &r);
	assert_int_equal(r.status, 200);
	assert_true(r.keep_alive);
	assert_json_headers(&r);
	assert_int_equal(r.body_len, 17);
	assert_memory_equal(r.body, "{\"hello\":\"world\"}", 17);
	tc_resp_free(&r);
	/* TLS 1.3 tickets arrive after the handshake; the read above consumed them. */
	sess = SSL_get1_session(c.ssl);
	assert_non_null(sess);
	tc_close(&c);

	assert_int_equal(tc_connect(&c, ctx, g_port, sess, IO_TIMEOUT_MS), 0);
	assert_int_equal(SSL_session_reused(c.ssl), 1);
	post(&c, "initiateAuthentication", "{}", &r);
	assert_int_equal(r.status, 200);
	tc_resp_free(&r);
	tc_close(&c);
	SSL_SESSION_free(sess);
	SSL_CTX_free(ctx);
}

static void test_tls12_handshake_and_resumption(void **state)
{
	(void)state;
	handshake_and_resume(TLS1_2_VERSION);
}

static void test_tls13_handshake_and_resumption(void **state)
{
	(void)state;
	handshake_and_resume(TLS1_3_VERSION);
}

static void test_keepalive_several_requests(void **state)
{
	struct tc_conn c;
	struct tc_resp r;
	char body[64], want[128];
	int i;

	(void)state;
	assert_int_equal(tc_connect(&c, g_ctx, g_port, NULL, IO_TIMEOUT_MS), 0);
	for (i = 0; i < 5; i++) {
		snprintf(body, sizeof(body), "{\"n\":%d}", i);
		post(&c, "authenticateClient", body, &r);
		assert_int_equal(r.status, 200);
		assert_true(r.keep_alive);
		snprintf(want, sizeof(want), "\"function\":\"authenticateClient\",\"length\":%zu",
			 strlen(body));
		assert_non_null(strstr(r.body, want));
		tc_resp_free(&r);
	}
	tc_close(&c);
}

static void test_pipelined_requests_in_order(void **state)
{
	unsigned long synced = fsyncs();
	static char all[40000];
	struct tc_conn c;
	struct tc_resp r;
	char body[64];
	size_t len = 0;
	int i, n;

	(void)state;
	assert_int_equal(tc_connect(&c, g_ctx, g_port, NULL, IO_TIMEOUT_MS), 0);
	for (i = 0; i < 20; i++) {
		snprintf(body, sizeof(body), "{\"seq\":%d}", i);
		n = tc_format_post(all + len, sizeof(all) - len, "echo", body);
		assert_true(n > 0);
		len += n;
	}
	/* One write: all twenty arrive in one TLS record, so in one batch. */
	assert_int_equal(tc_write(&c, all, len), 0);
	for (i = 0; i < 20; i++) {
		assert_int_equal(tc_read_response(&c, &r), 0);
		assert_int_equal(r.status, 200);
		snprintf(body, sizeof(body), "{\"seq\":%d}", i);
		assert_int_equal(r.body_len, strlen(body));
		assert_memory_equal(r.body, body, r.body_len);
		tc_resp_free(&r);
	}
	/* Group commit: the batch waits for one fsync, not one per request. */
	assert_true(fsyncs() - synced >= 1);
	assert_true(fsyncs() - synced <= 2);
	tc_close(&c);
}

static void expect_rejected(const char *req, size_t len, int status)
{
	struct tc_conn c;
	struct tc_resp r;
	const char *conn;

	assert_int_equal(tc_connect(&c, g_ctx, g_port, NULL, IO_TIMEOUT_MS), 0);
	assert_int_equal(tc_write(&c, req, len), 0);
	assert_int_equal(tc_read_response(&c, &r), 0);
	if (r.status != status)
		fail_msg("request %.40s...: status %d, want %d", req, r.status, status);
	conn = tc_header(&r, "Connection");
	assert_non_null(conn);
	assert_memory_equal(conn, "close", 5);
	assert_non_null(tc_header(&r, "X-Admin-Protocol"));
	if (status == 405)
		assert_non_null(tc_header(&r, "Allow"));
	tc_resp_free(&r);
	assert_true(tc_wait_closed(&c, 1000));
	tc_close(&c);
}

#define HDRS                                                                                       \
	"Host: localhost\r\nX-Admin-Protocol: gsma/rsp/v2.2.2\r\nContent-Type: "                   \
	"application/json\r\n"
#define PATH "/gsma/rsp2/es9plus/initiateAuthentication"

static void test_http_errors(void **state)
{
	static const struct {
		const char *req;
		int status;
	} cases[] = {
	    {"GET " PATH " HTTP/1.1\r\n" HDRS "\r\n", 405},
	    {"PUT " PATH " HTTP/1.1\r\n" HDRS "Content-Length: 2\r\n\r\n{}", 405},
	    {"POST /index.html HTTP/1.1\r\n" HDRS "Content-Length: 2\r\n\r\n{}", 404},
	    {"POST /gsma/rsp2/es9plus/../x HTTP/1.1\r\n" HDRS "Content-Length: 2\r\n\r\n{}", 404},
	    {"POST /gsma/rsp2/es9plus/ HTTP/1.1\r\n" HDRS "Content-Length: 2\r\n\r\n{}", 404},
	    {"POST " PATH "?x=1 HTTP/1.1\r\n" HDRS "Content-Length: 2\r\n\r\n{}", 404},
	    {"POST " PATH " HTTP/1.1\r\n" HDRS
	     "Transfer-Encoding: chunked\r\n\r\n2\r\n{}\r\n0\r\n\r\n",
	     411},
	    {"POST " PATH " HTTP/1.1\r\n" HDRS "\r\n", 411},
	    /* Far above max_body: refused from the headers, the body is never sent. */
	    {"POST " PATH " HTTP/1.1\r\n" HDRS "Content-Length: 1000000\r\n\r\n", 413},
	    {"POST " PATH " HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
	     "Content-Length: 2\r\n\r\n{}",
	     400},
	    {"POST " PATH " HTTP/1.1\r\nHost: x\r\nX-Admin-Protocol: gsma/rsp/v3.0.0\r\n"
	     "Content-Type: application/json\r\nContent-Length: 2\r\n\r\n{}",
	     400},
	    {"POST " PATH " HTTP/1.1\r\nHost: x\r\nX-Admin-Protocol: gsma/rsp/v2.2\r\n"
	     "Content-Type: application/json\r\nContent-Length: 2\r\n\r\n{}",
	     400},
	    {"POST " PATH " HTTP/1.1\r\nHost: x\r\nX-Admin-Protocol: gsma/rsp/v2.2.2\r\n"
	     "Content-Type: text/plain\r\nContent-Length: 2\r\n\r\n{}",
	     415},
	    {"POST " PATH " HTTP/1.1\r\n" HDRS "Content-Length: 2\r\nContent-Length: 3\r\n\r\n{}",
	     400},
	    {"POST " PATH " HTTP/1.1\r\n" HDRS "Expect: something\r\nContent-Length: 2\r\n\r\n{}",
	     417},
	    {"HELLO WORLD\r\n\r\n", 400},
	    /* HTTP/1.1 without Host. */
	    {"POST " PATH " HTTP/1.1\r\nX-Admin-Protocol: gsma/rsp/v2.2.2\r\n"
	     "Content-Type: application/json\r\nContent-Length: 2\r\n\r\n{}",
	     400},
	    {"POST " PATH " HTTP/1.1\r\nBad Header Line\r\n\r\n", 400},
	};
	char big[4096];
	size_t i, n;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		expect_rejected(cases[i].req, strlen(cases[i].req), cases[i].status);
	/* Headers beyond max_header (2048 here). */
	n = snprintf(big, sizeof(big), "POST " PATH " HTTP/1.1\r\n" HDRS "X-Filler: ");
	memset(big + n, 'a', 2500);
	n += 2500;
	n += snprintf(big + n, sizeof(big) - n, "\r\nContent-Length: 2\r\n\r\n{}");
	expect_rejected(big, n, 431);
	/* A valid request after a bad one on a pipelined stream still gets its answer first. */
	wait_open_conns(0);
}

static void test_error_after_good_pipelined(void **state)
{
	char req[2048];
	struct tc_conn c;
	struct tc_resp r;
	int n;

	(void)state;
	n = tc_format_post(req, sizeof(req), "echo", "{\"first\":1}");
	n += snprintf(req + n, sizeof(req) - n, "GET / HTTP/1.1\r\n\r\n");
	assert_int_equal(tc_connect(&c, g_ctx, g_port, NULL, IO_TIMEOUT_MS), 0);
	assert_int_equal(tc_write(&c, req, n), 0);
	assert_int_equal(tc_read_response(&c, &r), 0);
	assert_int_equal(r.status, 200);
	assert_memory_equal(r.body, "{\"first\":1}", 11);
	tc_resp_free(&r);
	assert_int_equal(tc_read_response(&c, &r), 0);
	assert_int_equal(r.status, 405);
	tc_resp_free(&r);
	assert_true(tc_wait_closed(&c, 1000));
	tc_close(&c);
}

static void test_truncated_request_then_close(void **state)
{
	char req[1024];
	struct tc_conn c;
	struct tc_resp r;
	int n;

	(void)state;
	n = tc_format_post(req, sizeof(req), "echo", "{\"truncated\":true}");
	assert_int_equal(tc_connect(&c, g_ctx, g_port, NULL, IO_TIMEOUT_MS), 0);
	assert_int_equal(tc_write(&c, req, n - 5), 0);
	sleep_ms(50);
	tc_close(&c);
	/* And in the middle of the headers, without TLS close_notify. */
	assert_int_equal(tc_connect(&c, g_ctx, g_port, NULL, IO_TIMEOUT_MS), 0);
	assert_int_equal(tc_write(&c, req, 30), 0);
	close(c.fd);
	c.fd = -1;
	tc_close(&c);
	wait_open_conns(0);
	/* The server is unharmed. */
	assert_int_equal(tc_connect(&c, g_ctx, g_port, NULL, IO_TIMEOUT_MS), 0);
	post(&c, "echo", "{}", &r);
	assert_int_equal(r.status, 200);
	tc_resp_free(&r);
	tc_close(&c);
	wait_open_conns(0);
}

static void test_garbage_instead_of_client_hello(void **state)
{
	static const char junk[] = "GET / HTTP/1.1\r\nHost: localhost\r\n\r\n";
	struct portdp_server_stats before, after;
	unsigned char rnd[512];
	struct tc_conn c;
	size_t i;

	(void)state;
	portdp_server_get_stats(g_srv, &before);
	assert_int_equal(tc_tcp_connect(&c, g_port, IO_TIMEOUT_MS), 0);
	assert_int_equal(tc_write(&c, junk, strlen(junk)), 0);
	assert_true(tc_wait_closed(&c, 2000));
	tc_close(&c);
	for (i = 0; i < sizeof(rnd); i++)
		rnd[i] = (unsigned char)(i * 131 + 7);
	assert_int_equal(tc_tcp_connect(&c, g_port, IO_TIMEOUT_MS), 0);
	assert_int_equal(tc_write(&c, rnd, sizeof(rnd)), 0);
	assert_true(tc_wait_closed(&c, 2000));
	tc_close(&c);
	portdp_server_get_stats(g_srv, &after);
	assert_true(after.tls_failures >= before.tls_failures + 2);
	wait_open_conns(0);
}

static void test_slowloris_request_timeout(void **state)
{
	static const char head[] = "POST " PATH " HTTP/1.1\r\nX-Slow: ";
	struct timespec t0;
	struct tc_conn c;
	bool closed = false;
	long el;
	int i;

	(void)state;
	assert_int_equal(tc_connect(&c, g_ctx, g_port, NULL, IO_TIMEOUT_MS), 0);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	assert_int_equal(tc_write(&c, head, strlen(head)), 0);
	/* One header byte every 100 ms: activity, but never a whole request. */
	for (i = 0; i < 40 && !closed; i++) {
		if (tc_write(&c, "a", 1)) {
			closed = true;
			break;
		}
		closed = tc_wait_closed(&c, 100);
	}
	el = elapsed_ms(&t0);
	assert_true(closed);
	/* request_timeout is 1200 ms; the sweep runs every 100 ms. */
	assert_true(el >= 1100);
	assert_true(el < 2500);
	tc_close(&c);
}

static void test_idle_and_handshake_timeouts(void **state)
{
	struct portdp_server_stats before, after;
	struct timespec t0;
	struct tc_conn c, raw;
	struct tc_resp r;
	long el;

	(void)state;
	portdp_server_get_stats(g_srv, &before);
	assert_int_equal(tc_connect(&c, g_ctx, g_port, NULL, IO_TIMEOUT_MS), 0);
	assert_int_equal(tc_tcp_connect(&raw, g_port, IO_TIMEOUT_MS), 0);
	post(&c, "echo", "{}", &r);
	tc_resp_free(&r);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	assert_true(tc_wait_closed(&c, 2500));
	el = elapsed_ms(&t0);
	assert_true(el >= 700 && el < 2000);
	/* The raw TCP client never sent a ClientHello: handshake timeout (1000 ms). */
	assert_true(tc_wait_closed(&raw, 2500));
	tc_close(&c);
	tc_close(&raw);
	portdp_server_get_stats(g_srv, &after);
	assert_true(after.timeouts >= before.timeouts + 2);
}

static void test_200_concurrent_connections(void **state)
{
	enum { N = 200 };
	static struct tc_conn cs[N];
	struct portdpd_config cfg;
	struct portdp_server_limits lim;
	struct portdp_server *srv;
	struct portdp_server_stats st;
	struct tc_resp r;
	char req[512], body[64], err[256];
	uint16_t port;
	int i, n;

	(void)state;
	/*
	 * A server of its own whose timeouts cannot close the first connections
	 * while the last are still being made: 200 TLS handshakes take longer
	 * than the shared server's 800 ms idle timeout on a loaded machine or
	 * under ASan.
	 */
	base_config(&cfg, &lim);
	lim.idle_timeout_ms = lim.handshake_timeout_ms = lim.request_timeout_ms = 30000;
	assert_int_equal(portdp_server_start(&cfg, &lim, g_svc, &srv, err, sizeof(err)), 0);
	port = portdp_server_port(srv);
	for (i = 0; i < N; i++)
		assert_int_equal(tc_connect(&cs[i], g_ctx, port, NULL, IO_TIMEOUT_MS), 0);
	portdp_server_get_stats(srv, &st);
	assert_true(st.open_conns >= N);
	for (i = 0; i < N; i++) {
		snprintf(body, sizeof(body), "{\"conn\":%d}", i);
		n = tc_format_post(req, sizeof(req), "echo", body);
		assert_int_equal(tc_write(&cs[i], req, n), 0);
	}
	for (i = 0; i < N; i++) {
		snprintf(body, sizeof(body), "{\"conn\":%d}", i);
		assert_int_equal(tc_read_response(&cs[i], &r), 0);
		assert_int_equal(r.status, 200);
		assert_int_equal(r.body_len, strlen(body));
		assert_memory_equal(r.body, body, r.body_len);
		tc_resp_free(&r);
	}
	for (i = 0; i < N; i++)
		tc_close(&cs[i]);
	for (i = 0; i < 100; i++) {
		portdp_server_get_stats(srv, &st);
		if (!st.open_conns)
			break;
		sleep_ms(20);
	}
	assert_int_equal(st.open_conns, 0);
	assert_int_equal(portdp_server_stop(srv), 0);
	portdp_server_free(srv);
}

static void test_expect_100_continue(void **state)
{
	static const char head[] = "POST /gsma/rsp2/es9plus/echo HTTP/1.1\r\n" HDRS
				   "Expect: 100-continue\r\nContent-Length: 9\r\n\r\n";
	struct tc_conn c;
	struct tc_resp r;

	(void)state;
	assert_int_equal(tc_connect(&c, g_ctx, g_port, NULL, IO_TIMEOUT_MS), 0);
	assert_int_equal(tc_write(&c, head, strlen(head)), 0);
	assert_int_equal(tc_read_response(&c, &r), 0);
	assert_int_equal(r.status, 100);
	tc_resp_free(&r);
	assert_int_equal(tc_write(&c, "{\"x\":42}\n", 9), 0);
	assert_int_equal(tc_read_response(&c, &r), 0);
	assert_int_equal(r.status, 200);
	assert_memory_equal(r.body, "{\"x\":42}\n", 9);
	tc_resp_free(&r);
	tc_close(&c);
}

static void test_no_content_and_body_limit(void **state)
{
	static char body[4097];
	struct tc_conn c;
	struct tc_resp r;

	(void)state;
	assert_int_equal(tc_connect(&c, g_ctx, g_port, NULL, IO_TIMEOUT_MS), 0);
	post(&c, "empty", "{}", &r);
	assert_int_equal(r.status, 204);
	assert_null(tc_header(&r, "Content-Length"));
	assert_int_equal(r.body_len, 0);
	tc_resp_free(&r);
	/* Exactly max_body is accepted... */
	memset(body, 'x', 4096);
	body[0] = '"';
	body[4095] = '"';
	post(&c, "echo", body, &r);
	assert_int_equal(r.status, 200);
	assert_int_equal(r.body_len, 4096);
	tc_resp_free(&r);
	tc_close(&c);
	/* ...one byte more is not. */
	memset(body, 'x', 4097);
	{
		static char req[8192];
		int n = snprintf(req, sizeof(req),
				 "POST " PATH " HTTP/1.1\r\n" HDRS "Content-Length: 4097\r\n\r\n");

		memcpy(req + n, body, 4097);
		expect_rejected(req, n + 4097, 413);
	}
}

/* An answer replaced because its changes are not on disk (echo_es9's es9_answer_unstored()). */
static void assert_unstored(const struct tc_resp *r)
{
	static const char prefix[] = "{\"unstored\":\"Inventory";

	assert_int_equal(r->status, 200);
	assert_true(r->body_len > sizeof(prefix) - 1);
	assert_memory_equal(r->body, prefix, sizeof(prefix) - 1);
}

static void test_group_commit_failure_answers_unstored(void **state)
{
	struct portdp_server_stats before, after;
	char req[1024];
	struct tc_conn c;
	struct tc_resp r;
	int n;

	(void)state;
	portdp_server_get_stats(g_srv, &before);
	assert_int_equal(tc_connect(&c, g_ctx, g_port, NULL, IO_TIMEOUT_MS), 0);
	/* Two requests in one batch: the group commit fails, so neither may report success. */
	n = tc_format_post(req, sizeof(req), "echo", "{\"a\":1}");
	n += tc_format_post(req + n, sizeof(req) - n, "failflush", "{}");
	assert_int_equal(tc_write(&c, req, n), 0);
	assert_int_equal(tc_read_response(&c, &r), 0);
	assert_unstored(&r);
	tc_resp_free(&r);
	assert_int_equal(tc_read_response(&c, &r), 0);
	assert_unstored(&r);
	assert_true(r.keep_alive);
	tc_resp_free(&r);
	/* The next batch commits normally. */
	post(&c, "echo", "{\"b\":2}", &r);
	assert_int_equal(r.status, 200);
	tc_resp_free(&r);
	tc_close(&c);
	portdp_server_get_stats(g_srv, &after);
	assert_true(after.flush_failures == before.flush_failures + 1);
}

/* A partial request: the connection is busy (not idle), so it is never evicted. */
static void start_partial_request(struct tc_conn *c)
{
	static const char head[] = "POST /gsma/rsp2/es9plus/echo HTTP/1.1\r\nHost: h\r\n";

	assert_int_equal(tc_write(c, head, sizeof(head) - 1), 0);
}

static void test_max_connections_cap(void **state)
{
	struct portdpd_config cfg;
	struct portdp_server_limits lim;
	struct portdp_server *srv;
	struct portdp_server_stats st;
	struct tc_conn cs[3], extra;
	struct tc_resp r;
	char err[256];
	int i, closed = 0;

	(void)state;
	base_config(&cfg, &lim);
	/* One worker: its share of max_conns is all of it (two would split it 2 + 2). */
	cfg.workers = 1;
	lim.max_conns = 3;
	lim.request_timeout_ms = 5000;
	assert_int_equal(portdp_server_start(&cfg, &lim, g_svc, &srv, err, sizeof(err)), 0);
	/* Full of idle connections: a new one still gets in, an idle one gives way. */
	for (i = 0; i < 3; i++)
		assert_int_equal(
		    tc_connect(&cs[i], g_ctx, portdp_server_port(srv), NULL, IO_TIMEOUT_MS), 0);
	sleep_ms(50);
	assert_int_equal(tc_connect(&extra, g_ctx, portdp_server_port(srv), NULL, IO_TIMEOUT_MS),
			 0);
	post(&extra, "echo", "{}", &r);
	assert_int_equal(r.status, 200);
	tc_resp_free(&r);
	for (i = 0; i < 3; i++)
		if (tc_wait_closed(&cs[i], 200))
			closed++;
	assert_int_equal(closed, 1);
	portdp_server_get_stats(srv, &st);
	assert_int_equal(st.evicted_idle, 1);
	assert_int_equal(st.rejected_full, 0);
	assert_int_equal(st.open_conns, 3);
	tc_close(&extra);
	for (i = 0; i < 3; i++)
		tc_close(&cs[i]);
	sleep_ms(100);
	/* Full of busy connections (a request in progress each): the new one is refused. */
	for (i = 0; i < 3; i++) {
		assert_int_equal(
		    tc_connect(&cs[i], g_ctx, portdp_server_port(srv), NULL, IO_TIMEOUT_MS), 0);
		start_partial_request(&cs[i]);
	}
	sleep_ms(100);
	assert_int_not_equal(
	    tc_connect(&extra, g_ctx, portdp_server_port(srv), NULL, IO_TIMEOUT_MS), 0);
	portdp_server_get_stats(srv, &st);
	assert_true(st.rejected_full >= 1);
	assert_int_equal(st.evicted_idle, 1);
	assert_int_equal(st.open_conns, 3);
	/* A slot frees up when one leaves. */
	tc_close(&cs[2]);
	sleep_ms(100);
	assert_int_equal(tc_connect(&extra, g_ctx, portdp_server_port(srv), NULL, IO_TIMEOUT_MS),
			 0);
	post(&extra, "echo", "{}", &r);
	assert_int_equal(r.status, 200);
	tc_resp_free(&r);
	tc_close(&extra);
	for (i = 0; i < 2; i++)
		tc_close(&cs[i]);
	assert_int_equal(portdp_server_stop(srv), 0);
	portdp_server_free(srv);
}

/* One client address holds at most max_conns_per_ip connections. */
static void test_per_address_cap(void **state)
{
	struct portdpd_config cfg;
	struct portdp_server_limits lim;
	struct portdp_server *srv;
	struct portdp_server_stats st;
	struct tc_conn cs[2], extra;
	struct tc_resp r;
	char err[256];
	int i;

	(void)state;
	base_config(&cfg, &lim);
	lim.max_conns_per_ip = 2;
	assert_int_equal(portdp_server_start(&cfg, &lim, g_svc, &srv, err, sizeof(err)), 0);
	for (i = 0; i < 2; i++)
		assert_int_equal(
		    tc_connect(&cs[i], g_ctx, portdp_server_port(srv), NULL, IO_TIMEOUT_MS), 0);
	assert_int_not_equal(
	    tc_connect(&extra, g_ctx, portdp_server_port(srv), NULL, IO_TIMEOUT_MS), 0);
	portdp_server_get_stats(srv, &st);
	assert_true(st.rejected_per_ip >= 1);
	assert_int_equal(st.evicted_idle, 0);
	assert_int_equal(st.open_conns, 2);
	post(&cs[0], "echo", "{}", &r);
	assert_int_equal(r.status, 200);
	tc_resp_free(&r);
	tc_close(&cs[1]);
	sleep_ms(100);
	assert_int_equal(tc_connect(&extra, g_ctx, portdp_server_port(srv), NULL, IO_TIMEOUT_MS),
			 0);
	tc_close(&extra);
	tc_close(&cs[0]);
	assert_int_equal(portdp_server_stop(srv), 0);
	portdp_server_free(srv);
}

/* Plain TCP connect to @addr:@port (IPv4 or IPv6 literal); the fd, or -1. */
static int tcp_connect_to(const char *addr, uint16_t port)
{
	struct sockaddr_storage ss = {0};
	struct sockaddr_in *in4 = (struct sockaddr_in *)&ss;
	struct sockaddr_in6 *in6 = (struct sockaddr_in6 *)&ss;
	socklen_t len;
	int fd;

	if (inet_pton(AF_INET, addr, &in4->sin_addr) == 1) {
		in4->sin_family = AF_INET;
		in4->sin_port = htons(port);
		len = sizeof(*in4);
	} else if (inet_pton(AF_INET6, addr, &in6->sin6_addr) == 1) {
		in6->sin6_family = AF_INET6;
		in6->sin6_port = htons(port);
		len = sizeof(*in6);
	} else {
		return -1;
	}
	fd = socket(ss.ss_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd >= 0 && connect(fd, (struct sockaddr *)&ss, len)) {
		close(fd);
		fd = -1;
	}
	return fd;
}

/*
 * The reuseport group's BPF slot selector (listen.c) spreads connections
 * over every worker, for IPv4, IPv6, and IPv4 arriving on an IPv6 wildcard.
 */
static void test_connections_spread_over_workers(void **state)
{
	static const struct {
		const char *listen, *connect;
	} cases[] = {{"127.0.0.1", "127.0.0.1"}, {"::1", "::1"}, {"::", "127.0.0.1"}};
	enum { N = 64 };
	struct portdpd_config cfg;
	struct portdp_server_limits lim;
	struct portdp_server *srv;
	struct portdp_server_stats st;
	int fds[N], i, k;
	char err[256];
	size_t c;

	(void)state;
	for (c = 0; c < sizeof(cases) / sizeof(cases[0]); c++) {
		base_config(&cfg, &lim);
		cfg.workers = 4;
		snprintf(cfg.listen_addr, sizeof(cfg.listen_addr), "%s", cases[c].listen);
		if (portdp_server_start(&cfg, &lim, g_svc, &srv, err, sizeof(err))) {
			fprintf(stderr, "# %s: %s (skipped)\n", cases[c].listen, err);
			continue; /* no IPv6 on this machine */
		}
		for (i = 0; i < N; i++) {
			fds[i] = tcp_connect_to(cases[c].connect, portdp_server_port(srv));
			assert_true(fds[i] >= 0);
		}
		for (k = 0; k < 100; k++) {
			portdp_server_get_stats(srv, &st);
			if (st.accepted == N)
				break;
			sleep_ms(20);
		}
		assert_int_equal(st.accepted, N);
		for (i = 0; i < 4; i++) {
			uint64_t got = __atomic_load_n(&srv->workers[i].st.accepted, __ATOMIC_RELAXED);

			if (got < 4)
				fail_msg("%s: worker %d accepted %llu of %d", cases[c].listen, i,
					 (unsigned long long)got, N);
		}
		for (i = 0; i < N; i++)
			close(fds[i]);
		assert_int_equal(portdp_server_stop(srv), 0);
		portdp_server_free(srv);
	}
}

/* max_conns is fitted below RLIMIT_NOFILE (64 + 4 per worker kept free), the soft limit raised first. */
static void test_max_conns_fits_fd_limit(void **state)
{
	pid_t pid;
	int status;

	(void)state;
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		struct rlimit rl = {.rlim_cur = 150, .rlim_max = 300};
		struct portdpd_config cfg;
		struct portdp_server_limits lim;
		struct portdp_server *srv;
		struct portdp_server_stats st;
		char err[256];
		int rc = 1;

		srv_log_level = SRV_LOG_ERR;
		if (setrlimit(RLIMIT_NOFILE, &rl))
			_exit(2);
		base_config(&cfg, &lim);
		lim.max_conns = 4096;
		if (!portdp_server_start(&cfg, &lim, g_svc, &srv, err, sizeof(err))) {
			portdp_server_get_stats(srv, &st);
			getrlimit(RLIMIT_NOFILE, &rl);
			rc = st.max_conns == 300 - 64 - 4 * 2 && rl.rlim_cur == 300 ? 0 : 3;
			portdp_server_stop(srv);
			portdp_server_free(srv);
		}
		_exit(rc);
	}
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status));
	assert_int_equal(WEXITSTATUS(status), 0);
}

/* The fallback for kernels without multishot accept (before 5.19). */
static void test_single_shot_accept(void **state)
{
	struct portdpd_config cfg;
	struct portdp_server_limits lim;
	struct portdp_server *srv;
	struct portdp_server_stats st;
	struct tc_conn cs[20];
	struct tc_resp r;
	char err[256];
	int i;

	(void)state;
	base_config(&cfg, &lim);
	lim.single_accept = true;
	assert_int_equal(portdp_server_start(&cfg, &lim, g_svc, &srv, err, sizeof(err)), 0);
	for (i = 0; i < 20; i++)
		assert_int_equal(
		    tc_connect(&cs[i], g_ctx, portdp_server_port(srv), NULL, IO_TIMEOUT_MS), 0);
	for (i = 0; i < 20; i++) {
		post(&cs[i], "echo", "{}", &r);
		assert_int_equal(r.status, 200);
		tc_resp_free(&r);
		tc_close(&cs[i]);
	}
	portdp_server_get_stats(srv, &st);
	assert_int_equal(st.accepted, 20);
	assert_int_equal(portdp_server_stop(srv), 0);
	portdp_server_free(srv);
}

static int count_fds(void)
{
	struct dirent *d;
	DIR *dir = opendir("/proc/self/fd");
	int n = 0;

	assert_non_null(dir);
	while ((d = readdir(dir)))
		n += d->d_name[0] != '.';
	closedir(dir);
	return n;
}

static void test_graceful_stop_finishes_in_flight(void **state)
{
	struct portdpd_config cfg;
	struct portdp_server_limits lim;
	struct portdp_server *srv;
	struct tc_conn busy, idle, late;
	struct tc_resp r;
	struct timespec t0;
	char req[512], err[256];
	uint16_t port;
	int n;

	int fds = count_fds();

	(void)state;
	base_config(&cfg, &lim);
	lim.idle_timeout_ms = 30000;
	assert_int_equal(portdp_server_start(&cfg, &lim, g_svc, &srv, err, sizeof(err)), 0);
	port = portdp_server_port(srv);
	assert_int_equal(tc_connect(&busy, g_ctx, port, NULL, IO_TIMEOUT_MS), 0);
	assert_int_equal(tc_connect(&idle, g_ctx, port, NULL, IO_TIMEOUT_MS), 0);
	n = tc_format_post(req, sizeof(req), "slow", "{\"inflight\":1}");
	assert_int_equal(tc_write(&busy, req, n), 0);
	sleep_ms(50);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	assert_int_equal(portdp_server_stop(srv), 0);
	/* Quick: it waited for the 300 ms request, not for the 30 s idle connection. */
	assert_true(elapsed_ms(&t0) < 2000);
	assert_int_equal(tc_read_response(&busy, &r), 0);
	assert_int_equal(r.status, 200);
	assert_memory_equal(r.body, "{\"inflight\":1}", 14);
	tc_resp_free(&r);
	assert_true(tc_wait_closed(&busy, 1000));
	assert_true(tc_wait_closed(&idle, 1000));
	/* Nobody is listening any more. */
	assert_int_not_equal(tc_connect(&late, g_ctx, port, NULL, 500), 0);
	tc_close(&busy);
	tc_close(&idle);
	portdp_server_free(srv);
	/* Listeners, rings, eventfds and every accepted socket are gone. */
	assert_int_equal(count_fds(), fds);
}

/* Runs portdpd-echo (portdpd's main over the ES9+ double) and stops it with SIGTERM. */
static void test_sigterm_with_request_in_flight(void **state)
{
	char exe[PATH_MAX], conf[PATH_MAX], line[512], req[512];
	int pipefd[2], status = -1, n, i;
	unsigned port = 0;
	struct tc_conn c;
	struct tc_resp r;
	FILE *f, *err;
	pid_t pid;

	(void)state;
	n = readlink("/proc/self/exe", exe, sizeof(exe) - 32);
	assert_true(n > 0);
	exe[n] = '\0';
	strcpy(strrchr(exe, '/') + 1, "portdpd-echo");
	snprintf(conf, sizeof(conf), "%s/portdpd.conf", g_dir);
	f = fopen(conf, "w");
	assert_non_null(f);
	fprintf(f,
		"# test\nlisten = 127.0.0.1\nport = 0\nworkers = 2\ntls_cert = %s\n"
		"tls_key = %s\nmax_body = 4096\nstock_key = %s/stock.key\n",
		g_chain, g_key, g_dir);
	fclose(f);
	assert_int_equal(pipe(pipefd), 0);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		dup2(pipefd[1], STDERR_FILENO);
		close(pipefd[0]);
		alarm(20); /* never outlive the test */
		execl(exe, exe, "-c", conf, "--foreground", "-w", "2", (char *)NULL);
		_exit(127);
	}
	close(pipefd[1]);
	err = fdopen(pipefd[0], "r");
	while (fgets(line, sizeof(line), err))
		if (sscanf(line, "portdpd: listening on 127.0.0.1:%u", &port) == 1)
			break;
	assert_true(port > 0);
	assert_int_equal(tc_connect(&c, g_ctx, port, NULL, IO_TIMEOUT_MS), 0);
	n = tc_format_post(req, sizeof(req), "slow", "{\"sigterm\":1}");
	assert_int_equal(tc_write(&c, req, n), 0);
	sleep_ms(50);
	kill(pid, SIGTERM);
	assert_int_equal(tc_read_response(&c, &r), 0);
	assert_int_equal(r.status, 200);
	assert_memory_equal(r.body, "{\"sigterm\":1}", 13);
	tc_resp_free(&r);
	tc_close(&c);
	for (i = 0; i < 300 && waitpid(pid, &status, WNOHANG) == 0; i++)
		sleep_ms(10);
	if (i == 300) {
		kill(pid, SIGKILL);
		waitpid(pid, &status, 0);
		fail_msg("portdpd did not exit after SIGTERM");
	}
	assert_true(WIFEXITED(status));
	assert_int_equal(WEXITSTATUS(status), 0);
	fclose(err);
}

/* ---- durable answers: nothing is sent before the fsync that covers it ---- */

static struct portdp_server *start_one_worker(uint16_t *port)
{
	struct portdpd_config cfg;
	struct portdp_server_limits lim;
	struct portdp_server *srv;
	char err[256];

	base_config(&cfg, &lim);
	cfg.workers = 1; /* every connection on one ring: one sequence of batches */
	assert_int_equal(portdp_server_start(&cfg, &lim, g_svc, &srv, err, sizeof(err)), 0);
	*port = portdp_server_port(srv);
	return srv;
}

/* Connects and runs one request, so TLS 1.3 tickets are read and the socket is quiet after. */
static void connect_warm(struct tc_conn *c, uint16_t port)
{
	struct tc_resp r;

	assert_int_equal(tc_connect(c, g_ctx, port, NULL, IO_TIMEOUT_MS), 0);
	post(c, "echo", "{}", &r);
	assert_int_equal(r.status, 200);
	tc_resp_free(&r);
}

static void send_post(struct tc_conn *c, const char *fn, const char *body)
{
	char req[1024];
	int n = tc_format_post(req, sizeof(req), fn, body);

	assert_true(n > 0);
	assert_int_equal(tc_write(c, req, n), 0);
}

/* True when nothing arrives on @c for @ms (no answer, not even part of one). */
static bool quiet_for(struct tc_conn *c, int ms)
{
	struct pollfd p = {.fd = c->fd, .events = POLLIN};

	return SSL_pending(c->ssl) == 0 && !c->rlen && poll(&p, 1, ms) == 0;
}

static void expect_answer(struct tc_conn *c, int status, const char *body)
{
	struct tc_resp r;

	assert_int_equal(tc_read_response(c, &r), 0);
	assert_int_equal(r.status, status);
	if (body) {
		assert_int_equal(r.body_len, strlen(body));
		assert_memory_equal(r.body, body, r.body_len);
	}
	tc_resp_free(&r);
}

static void test_answer_waits_for_its_fsync(void **state)
{
	unsigned long synced = fsyncs();
	struct timespec t0;
	struct tc_conn c;

	(void)state;
	connect_warm(&c, g_port);
	g_delay_ms = 400;
	__atomic_store_n(&g_delay_count, 1, __ATOMIC_RELEASE);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	send_post(&c, "echo", "{\"slowdisk\":1}");
	assert_true(quiet_for(&c, 300));
	expect_answer(&c, 200, "{\"slowdisk\":1}");
	assert_true(elapsed_ms(&t0) >= 390);
	assert_true(fsyncs() - synced >= 2);
	tc_close(&c);
}

/*
 * A younger batch whose commit is done waits for the older batch's fsync and then for
 * its own (submitted after its commit); the slow disk holds both back 300 ms.
 */
static void test_batches_released_in_order(void **state)
{
	struct portdp_server *srv;
	struct tc_conn a, b;
	uint16_t port;

	(void)state;
	srv = start_one_worker(&port);
	connect_warm(&a, port);
	connect_warm(&b, port);
	g_delay_ms = 300;
	__atomic_store_n(&g_delay_count, 2, __ATOMIC_RELEASE);
	send_post(&a, "echo", "{\"older\":1}");
	sleep_ms(100);
	send_post(&b, "echo", "{\"younger\":1}");
	assert_true(quiet_for(&b, 150));
	expect_answer(&a, 200, "{\"older\":1}");
	/* The older fsync did not cover the younger commit: b waits for its own. */
	assert_true(quiet_for(&b, 150));
	expect_answer(&b, 200, "{\"younger\":1}");
	tc_close(&a);
	tc_close(&b);
	assert_int_equal(portdp_server_stop(srv), 0);
	portdp_server_free(srv);
}

/* A connection with answers parked takes its next request only after they are sent. */
static void test_pipelined_request_waits_for_parked_answer(void **state)
{
	unsigned long handled;
	struct portdp_server *srv;
	struct tc_conn c;
	uint16_t port;

	(void)state;
	srv = start_one_worker(&port);
	connect_warm(&c, port);
	g_delay_ms = 400;
	__atomic_store_n(&g_delay_count, 1, __ATOMIC_RELEASE);
	handled = __atomic_load_n(&echo_es9_handled, __ATOMIC_RELAXED);
	send_post(&c, "echo", "{\"n\":1}");
	sleep_ms(100);
	send_post(&c, "echo", "{\"n\":2}");
	sleep_ms(150);
	assert_int_equal(__atomic_load_n(&echo_es9_handled, __ATOMIC_RELAXED) - handled, 1);
	expect_answer(&c, 200, "{\"n\":1}");
	expect_answer(&c, 200, "{\"n\":2}");
	assert_int_equal(__atomic_load_n(&echo_es9_handled, __ATOMIC_RELAXED) - handled, 2);
	tc_close(&c);
	assert_int_equal(portdp_server_stop(srv), 0);
	portdp_server_free(srv);
}

/* A failed fsync: its batch, the batches parked behind it and all later requests: unstored. */
static void expect_unstored(struct tc_conn *c)
{
	struct tc_resp r;

	assert_int_equal(tc_read_response(c, &r), 0);
	assert_unstored(&r);
	tc_resp_free(&r);
}

static void test_fsync_failure_answers_unstored_from_then_on(void **state)
{
	struct portdp_server_stats before, after;
	struct portdp_server *srv;
	struct tc_conn a, b, c;
	unsigned long handled;
	uint16_t port;

	(void)state;
	srv = start_one_worker(&port);
	connect_warm(&a, port);
	connect_warm(&b, port);
	connect_warm(&c, port);
	portdp_server_get_stats(srv, &before);
	g_delay_ms = 300;
	__atomic_store_n(&g_delay_count, 1, __ATOMIC_RELEASE);
	__atomic_store_n(&g_fail_count, 1, __ATOMIC_RELEASE);
	send_post(&a, "echo", "{\"lost\":1}");
	sleep_ms(100);
	send_post(&b, "echo", "{\"parked\":1}");
	expect_unstored(&a);
	expect_unstored(&b);
	/* Latched: not even handled any more. */
	handled = __atomic_load_n(&echo_es9_handled, __ATOMIC_RELAXED);
	send_post(&c, "echo", "{\"later\":1}");
	expect_unstored(&c);
	assert_int_equal(__atomic_load_n(&echo_es9_handled, __ATOMIC_RELAXED), handled);
	portdp_server_get_stats(srv, &after);
	assert_true(after.flush_failures >= before.flush_failures + 1);
	tc_close(&a);
	tc_close(&b);
	tc_close(&c);
	assert_int_equal(portdp_server_stop(srv), 0);
	portdp_server_free(srv);
}

static void test_stop_waits_for_parked_batch(void **state)
{
	struct portdp_server *srv;
	struct timespec t0;
	struct tc_conn c;
	uint16_t port;

	(void)state;
	srv = start_one_worker(&port);
	connect_warm(&c, port);
	g_delay_ms = 500;
	__atomic_store_n(&g_delay_count, 1, __ATOMIC_RELEASE);
	send_post(&c, "echo", "{\"stop\":1}");
	sleep_ms(100);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	assert_int_equal(portdp_server_stop(srv), 0);
	assert_true(elapsed_ms(&t0) >= 300);
	expect_answer(&c, 200, "{\"stop\":1}");
	tc_close(&c);
	portdp_server_free(srv);
}

/* Without the hooks a fast disk's fsync runs in the worker itself: answers still come. */
static void test_fast_fsync_inline(void **state)
{
	struct server_test_hooks keep = server_test_hooks;
	struct portdp_server *srv;
	struct tc_conn c;
	struct tc_resp r;
	uint16_t port;
	int i;

	(void)state;
	memset(&server_test_hooks, 0, sizeof(server_test_hooks));
	srv = start_one_worker(&port);
	assert_int_equal(tc_connect(&c, g_ctx, port, NULL, IO_TIMEOUT_MS), 0);
	for (i = 0; i < 20; i++) {
		post(&c, "echo", "{\"inline\":1}", &r);
		assert_int_equal(r.status, 200);
		tc_resp_free(&r);
	}
	tc_close(&c);
	assert_int_equal(portdp_server_stop(srv), 0);
	portdp_server_free(srv);
	server_test_hooks = keep;
}

/* A commit that is durable by itself (no fd to sync) is answered at once. */
static void test_sync_commit_needs_no_fsync(void **state)
{
	unsigned long synced;
	struct tc_conn c;
	struct tc_resp r;

	(void)state;
	connect_warm(&c, g_port);
	__atomic_store_n(&echo_es9_sync_commit, true, __ATOMIC_RELEASE);
	synced = fsyncs();
	post(&c, "echo", "{\"sync\":1}", &r);
	__atomic_store_n(&echo_es9_sync_commit, false, __ATOMIC_RELEASE);
	assert_int_equal(r.status, 200);
	tc_resp_free(&r);
	assert_int_equal(fsyncs(), synced);
	tc_close(&c);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_tls12_handshake_and_resumption),
	    cmocka_unit_test(test_tls13_handshake_and_resumption),
	    cmocka_unit_test(test_keepalive_several_requests),
	    cmocka_unit_test(test_pipelined_requests_in_order),
	    cmocka_unit_test(test_http_errors),
	    cmocka_unit_test(test_error_after_good_pipelined),
	    cmocka_unit_test(test_truncated_request_then_close),
	    cmocka_unit_test(test_garbage_instead_of_client_hello),
	    cmocka_unit_test(test_slowloris_request_timeout),
	    cmocka_unit_test(test_idle_and_handshake_timeouts),
	    cmocka_unit_test(test_200_concurrent_connections),
	    cmocka_unit_test(test_expect_100_continue),
	    cmocka_unit_test(test_no_content_and_body_limit),
	    cmocka_unit_test(test_group_commit_failure_answers_unstored),
	    cmocka_unit_test(test_max_connections_cap),
	    cmocka_unit_test(test_per_address_cap),
	    cmocka_unit_test(test_connections_spread_over_workers),
	    cmocka_unit_test(test_max_conns_fits_fd_limit),
	    cmocka_unit_test(test_single_shot_accept),
	    cmocka_unit_test(test_graceful_stop_finishes_in_flight),
	    cmocka_unit_test(test_sigterm_with_request_in_flight),
	    cmocka_unit_test(test_answer_waits_for_its_fsync),
	    cmocka_unit_test(test_batches_released_in_order),
	    cmocka_unit_test(test_pipelined_request_waits_for_parked_answer),
	    cmocka_unit_test(test_fsync_failure_answers_unstored_from_then_on),
	    cmocka_unit_test(test_stop_waits_for_parked_batch),
	    cmocka_unit_test(test_sync_commit_needs_no_fsync),
	    cmocka_unit_test(test_fast_fsync_inline),
	};

	signal(SIGPIPE, SIG_IGN);
	if (getenv("PORTDP_DEBUG"))
		srv_log_level = SRV_LOG_DEBUG;
	cmocka_set_message_output(CM_OUTPUT_TAP);
	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
