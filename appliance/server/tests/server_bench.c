// SPDX-License-Identifier: Apache-2.0
/*
 * server-bench: keep-alive HTTPS load on a running portdpd (or portdpd-echo)
 * to measure the network layer: requests/s, and with -P the server's CPU
 * time per request (from /proc/PID/stat).
 *   server-bench -p PORT [-c CONNS] [-T THREADS] [-d SECONDS] [-b BODY] [-f FN] [-P PID]
 *                [-n | -r]   (-n: new connection and full handshake per request,
 *                             -r: new connection with session resumption)
 */
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "tls_client.h"

static uint16_t port;
static int conns_per_thread = 8, seconds = 5, body_size = 1500;
static const char *fn = "echo";
static volatile int stop;
static int new_conn_mode; /* -n: full handshake per request; -r: resumed handshake */
static int resume_mode;
static SSL_CTX *ctx;

struct thr {
	pthread_t t;
	unsigned long done, errors;
};

static void *run(void *arg)
{
	struct thr *th = arg;
	struct tc_conn *cs = calloc(conns_per_thread, sizeof(*cs));
	char *body = malloc(body_size + 1), *req = malloc(body_size + 1024);
	struct tc_resp r;
	int i, n;

	memset(body, 'A', body_size);
	body[0] = '"';
	body[body_size - 1] = '"';
	body[body_size] = '\0';
	n = tc_format_post(req, body_size + 1024, fn, body);
	for (i = 0; i < conns_per_thread; i++)
		if (tc_connect(&cs[i], ctx, port, NULL, 5000))
			th->errors++;
	while (!stop && new_conn_mode) {
		static __thread SSL_SESSION *sess;

		tc_close(&cs[0]);
		if (tc_connect(&cs[0], ctx, port, resume_mode ? sess : NULL, 5000) ||
		    tc_write(&cs[0], req, n) || tc_read_response(&cs[0], &r) || r.status != 200) {
			th->errors++;
			continue;
		}
		tc_resp_free(&r);
		if (resume_mode && !sess)
			sess = SSL_get1_session(cs[0].ssl);
		th->done++;
	}
	while (!stop) {
		/* One request in flight per connection, conns_per_thread per thread. */
		for (i = 0; i < conns_per_thread; i++)
			if (cs[i].ssl && tc_write(&cs[i], req, n))
				th->errors++;
		for (i = 0; i < conns_per_thread; i++) {
			if (!cs[i].ssl)
				continue;
			if (tc_read_response(&cs[i], &r) || r.status != 200) {
				th->errors++;
				tc_close(&cs[i]);
				tc_connect(&cs[i], ctx, port, NULL, 5000);
				continue;
			}
			tc_resp_free(&r);
			th->done++;
		}
	}
	for (i = 0; i < conns_per_thread; i++)
		tc_close(&cs[i]);
	free(cs);
	free(body);
	free(req);
	return NULL;
}

static double cpu_seconds(int pid)
{
	unsigned long ut, st;
	char path[64], buf[2048], *p;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%d/stat", pid);
	f = fopen(path, "r");
	if (!f || !fgets(buf, sizeof(buf), f)) {
		if (f)
			fclose(f);
		return -1;
	}
	fclose(f);
	p = strrchr(buf, ')');
	/* Fields 14 and 15 (utime, stime) after "pid (comm) state ...". */
	if (!p ||
	    sscanf(p + 2, "%*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %lu %lu", &ut, &st) != 2)
		return -1;
	return (double)(ut + st) / sysconf(_SC_CLK_TCK);
}

int main(int argc, char **argv)
{
	int threads = 2, pid = 0, opt, i;
	unsigned long done = 0, errors = 0;
	struct timespec t0, t1;
	double el, c0 = 0, c1 = 0;
	struct thr *ths;

	while ((opt = getopt(argc, argv, "p:c:T:d:b:f:P:nr")) != -1) {
		switch (opt) {
		case 'p':
			port = atoi(optarg);
			break;
		case 'c':
			conns_per_thread = atoi(optarg);
			break;
		case 'T':
			threads = atoi(optarg);
			break;
		case 'd':
			seconds = atoi(optarg);
			break;
		case 'b':
			body_size = atoi(optarg);
			break;
		case 'f':
			fn = optarg;
			break;
		case 'P':
			pid = atoi(optarg);
			break;
		case 'n':
			new_conn_mode = 1;
			break;
		case 'r':
			new_conn_mode = resume_mode = 1;
			break;
		default:
			fprintf(stderr, "usage: server-bench -p PORT [-c CONNS] [-T THREADS] "
					"[-d SECONDS] [-b BODY] [-f FN] [-P PID] [-n|-r]\n");
			return 2;
		}
	}
	if (!port || conns_per_thread < 1 || threads < 1 || body_size < 2 || seconds < 1)
		return 2;
	signal(SIGPIPE, SIG_IGN);
	ctx = tc_ctx_new(NULL, 0, 0);
	ths = calloc(threads, sizeof(*ths));
	for (i = 0; i < threads; i++)
		pthread_create(&ths[i].t, NULL, run, &ths[i]);
	sleep(1); /* handshakes done: measure steady keep-alive traffic */
	for (i = 0; i < threads; i++)
		done -= __atomic_load_n(&ths[i].done, __ATOMIC_RELAXED);
	if (pid)
		c0 = cpu_seconds(pid);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	sleep(seconds);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	if (pid)
		c1 = cpu_seconds(pid);
	for (i = 0; i < threads; i++)
		done += __atomic_load_n(&ths[i].done, __ATOMIC_RELAXED);
	stop = 1;
	for (i = 0; i < threads; i++) {
		pthread_join(ths[i].t, NULL);
		errors += ths[i].errors;
	}
	el = (t1.tv_sec - t0.tv_sec) + (t1.tv_nsec - t0.tv_nsec) / 1e9;
	printf("requests %lu in %.2f s: %.0f req/s, %lu errors, %d connections, body %d bytes\n",
	       done, el, done / el, errors, threads * conns_per_thread, body_size);
	if (pid && c0 >= 0 && c1 >= 0 && done)
		printf("server CPU %.2f s: %.1f us per request (%.0f%% of one core)\n", c1 - c0,
		       (c1 - c0) * 1e6 / done, (c1 - c0) * 100 / el);
	SSL_CTX_free(ctx);
	free(ths);
	return errors ? 1 : 0;
}
