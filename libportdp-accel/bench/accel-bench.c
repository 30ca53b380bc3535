// SPDX-License-Identifier: Apache-2.0
/*
 * portdp-accel-bench: throughput and latency of the accel.h operations on
 * one backend, one at a time through the sync calls and in async batches.
 *
 *   portdp-accel-bench [--uri URI] [--key KEY_URI] [--n OPS] [--ops LIST]
 *                      [--batches LIST] [--rounds R] [--seal-len BYTES] [--csv FILE]
 *
 * LIST: comma-separated; ops sign,verify,session,seal; batches e.g. 1,8,64,256
 * (0 = the sync calls). Without --key a key is made for the run (soft: a file
 * in /tmp, dev: slot 31) and destroyed afterwards. Latency of an async op is
 * from its batch's pdp_submit() to the pdp_reap() that returned it.
 *
 * --rounds R runs every mode of an op R times, the modes taking turns, and
 * pools the rounds: on a shared, noisy machine (a TCG guest next to other
 * work) each mode then sees the same mix of quiet and busy moments. cpu_us is
 * this process's CPU time (user + system, which includes the kernel's submit
 * and completion work done in its context) per op. best_ops_per_s is the
 * fastest round's rate: what the mode does when the machine is quiet.
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

#include <openssl/core_names.h>
#include <openssl/evp.h>

#include "portdp/accel.h"

#define MAX_BATCH 4096
#define DEV_BENCH_SLOT "slot:31"

enum bench_op { B_SIGN, B_VERIFY, B_SESSION, B_SEAL, B_NOPS };
static const char *const op_names[B_NOPS] = {"sign", "verify", "session", "seal"};

struct bench {
	struct pdp_accel *a;
	struct pdp_key *key;
	uint8_t pub[PDP_PUBKEY_LEN];	   /* the key's public half, for verify */
	uint8_t euicc_pub[PDP_PUBKEY_LEN]; /* a peer for session create */
	uint8_t msg[256], sig[PDP_SIG_LEN];
	struct pdp_session *seal_session;
	size_t seal_len;
	unsigned n;
	FILE *csv;
};

struct result {
	double ops_per_s, p50_us, p90_us, p99_us, max_us, cpu_us, best_ops_per_s;
};

/* One mode's pooled rounds: every op's latency, wall and CPU time. */
struct pool {
	double *lat;
	unsigned n, cap;
	double wall_us, cpu_us;
	double best; /* ops/s of the fastest round: the quiet-machine figure */
};

/* Adds one round of @n ops in @wall_us (and @cpu_us) to @p. */
static void pool_add(struct pool *p, unsigned n, double wall_us, double cpu_us)
{
	p->n += n;
	p->wall_us += wall_us;
	p->cpu_us += cpu_us;
	if (wall_us > 0 && n / (wall_us / 1e6) > p->best)
		p->best = n / (wall_us / 1e6);
}

static const uint8_t host_id[8] = "benchhst";
static const uint8_t eid[PDP_EID_LEN] = "8904903212345123";

static double now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e6 + ts.tv_nsec / 1e3;
}

static double cpu_now_us(void)
{
	struct rusage ru;

	getrusage(RUSAGE_SELF, &ru);
	return (ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) * 1e6 + ru.ru_utime.tv_usec +
	       ru.ru_stime.tv_usec;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

static void summarize(struct pool *p, struct result *r)
{
	unsigned n = p->n;

	qsort(p->lat, n, sizeof(*p->lat), cmp_double);
	r->ops_per_s = n / (p->wall_us / 1e6);
	r->p50_us = p->lat[n / 2];
	r->p90_us = p->lat[n * 9 / 10];
	r->p99_us = p->lat[n * 99 / 100 < n ? n * 99 / 100 : n - 1];
	r->max_us = p->lat[n - 1];
	r->cpu_us = p->cpu_us / n;
	r->best_ops_per_s = p->best;
}

/* Room for @more latencies in @p; -ENOMEM. */
static int pool_reserve(struct pool *p, unsigned more)
{
	double *lat;

	if (p->n + more <= p->cap)
		return 0;
	lat = realloc(p->lat, (size_t)(p->n + more) * sizeof(*lat));
	if (!lat)
		return -ENOMEM;
	p->lat = lat;
	p->cap = p->n + more;
	return 0;
}

/* Sessions made by the benchmark are closed outside the timed part. */
static void close_all(struct bench *b, struct pdp_session **s, unsigned n)
{
	unsigned i;

	for (i = 0; i < n; i++)
		if (s[i])
			pdp_session_close(b->a, s[i]);
}

static void fill_op(struct bench *b, enum bench_op which, struct pdp_op *op, uint8_t *out,
		    size_t out_cap)
{
	memset(op, 0, sizeof(*op));
	switch (which) {
	case B_SIGN:
		op->type = PDP_OP_SIGN;
		op->u.sign.key = b->key;
		op->u.sign.msg = b->msg;
		op->u.sign.msg_len = sizeof(b->msg);
		op->u.sign.sig = out;
		break;
	case B_VERIFY:
		op->type = PDP_OP_VERIFY;
		op->u.verify.curve = PDP_CURVE_P256;
		op->u.verify.pub = b->pub;
		op->u.verify.msg = b->msg;
		op->u.verify.msg_len = sizeof(b->msg);
		op->u.verify.sig = b->sig;
		break;
	case B_SESSION:
		op->type = PDP_OP_SESSION_CREATE;
		op->u.session_create.curve = PDP_CURVE_P256;
		op->u.session_create.peer_pub = b->euicc_pub;
		op->u.session_create.host_id = host_id;
		op->u.session_create.host_id_len = sizeof(host_id);
		op->u.session_create.eid = eid;
		op->u.session_create.ot_pub = out;
		break;
	default:
		op->type = PDP_OP_BSP_SEAL;
		op->u.seal.session = b->seal_session;
		op->u.seal.tag = 0x86;
		op->u.seal.in = b->msg; /* content does not matter; length does */
		op->u.seal.in_len = b->seal_len;
		op->u.seal.out = out;
		op->u.seal.out_len = out_cap;
		break;
	}
}

static int run_sync(struct bench *b, enum bench_op which, struct pool *p)
{
	static uint8_t plain[PDP_BSP_MAX_PLAIN_ENC], out[PDP_BSP_MAX_SEGMENT];
	static struct pdp_session *made[128];
	double *lat, t0, c0, t, closing = 0, closing_cpu = 0;
	unsigned i, open = 0;
	int ret = pool_reserve(p, b->n);
	size_t n;

	if (ret)
		return ret;
	lat = p->lat + p->n;
	t0 = now_us();
	c0 = cpu_now_us();
	for (i = 0; i < b->n && !ret; i++) {
		t = now_us();
		switch (which) {
		case B_SIGN:
			ret = pdp_sign(b->a, b->key, b->msg, sizeof(b->msg), out);
			break;
		case B_VERIFY:
			ret = pdp_verify(b->a, PDP_CURVE_P256, b->pub, b->msg, sizeof(b->msg),
					 b->sig);
			break;
		case B_SESSION:
			ret = pdp_session_create(b->a, PDP_CURVE_P256, b->euicc_pub, host_id,
						 sizeof(host_id), eid, out, &made[open]);
			if (!ret)
				open++;
			break;
		default:
			n = sizeof(out);
			ret =
			    pdp_bsp_seal(b->a, b->seal_session, 0x86, plain, b->seal_len, out, &n);
			break;
		}
		lat[i] = now_us() - t;
		if (open == 128) { /* stay well below the card's session table; not timed */
			t = now_us();
			closing_cpu -= cpu_now_us();
			close_all(b, made, open);
			open = 0;
			closing_cpu += cpu_now_us();
			closing += now_us() - t;
		}
	}
	if (!ret)
		pool_add(p, b->n, now_us() - t0 - closing, cpu_now_us() - c0 - closing_cpu);
	close_all(b, made, open);
	return ret;
}

static int run_async(struct bench *b, enum bench_op which, unsigned batch, struct pool *p)
{
	static struct pdp_op ops[MAX_BATCH], *ptrs[MAX_BATCH], *done[MAX_BATCH];
	static uint8_t outs[MAX_BATCH][PDP_BSP_MAX_SEGMENT];
	static struct pdp_session *made[MAX_BATCH];
	unsigned i, total = 0, got, rounds = (b->n + batch - 1) / batch;
	double *lat, t0, c0, t, tc, closing = 0, closing_cpu = 0;
	int ret = pool_reserve(p, rounds * batch), k;

	if (ret)
		return ret;
	lat = p->lat + p->n;
	t0 = now_us();
	c0 = cpu_now_us();
	while (total < rounds * batch && !ret) {
		for (i = 0; i < batch; i++) {
			fill_op(b, which, &ops[i], outs[i], sizeof(outs[i]));
			ops[i].user = (void *)(uintptr_t)i;
			ptrs[i] = &ops[i];
		}
		t = now_us();
		k = pdp_submit(b->a, ptrs, batch);
		if (k != (int)batch) {
			ret = k < 0 ? k : -EAGAIN;
			break;
		}
		for (got = 0; got < batch;) {
			k = pdp_reap(b->a, done, batch - got, batch - got);
			if (k <= 0) {
				ret = k ? k : -EIO;
				break;
			}
			/* One clock read per reap: a clock read can cost a syscall in a guest. */
			tc = now_us() - t;
			for (i = 0; i < (unsigned)k; i++) {
				if (done[i]->status && !ret)
					ret = done[i]->status;
				lat[total + got + i] = tc;
				if (which == B_SESSION)
					made[(uintptr_t)done[i]->user] =
					    done[i]->u.session_create.session;
			}
			got += k;
		}
		if (which == B_SESSION) {
			tc = now_us();
			closing_cpu -= cpu_now_us();
			close_all(b, made, batch);
			memset(made, 0, sizeof(made[0]) * batch);
			closing_cpu += cpu_now_us();
			closing += now_us() - tc;
		}
		total += batch;
	}
	if (!ret)
		pool_add(p, total, now_us() - t0 - closing, cpu_now_us() - c0 - closing_cpu);
	return ret;
}

static int setup(struct bench *b, const char *key_uri, char *made_uri, size_t made_len)
{
	EVP_PKEY *peer = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "prime256v1");
	size_t n = 0;
	int ret;

	if (!peer || !EVP_PKEY_get_octet_string_param(peer, OSSL_PKEY_PARAM_PUB_KEY, b->euicc_pub,
						      PDP_PUBKEY_LEN, &n)) {
		EVP_PKEY_free(peer);
		return -EIO;
	}
	EVP_PKEY_free(peer);
	made_uri[0] = '\0';
	if (key_uri) {
		ret = pdp_key_load(b->a, key_uri, &b->key);
	} else {
		if (!strcmp(pdp_accel_backend(b->a), "dev"))
			snprintf(made_uri, made_len, "%s", DEV_BENCH_SLOT);
		else
			snprintf(made_uri, made_len, "file:/tmp/portdp-accel-bench-%d.pem",
				 (int)getpid());
		pdp_key_destroy(b->a, made_uri);
		ret = pdp_key_generate(b->a, made_uri, PDP_CURVE_P256, &b->key);
		if (ret)
			made_uri[0] = '\0';
	}
	if (ret)
		return ret;
	memset(b->msg, 0x42, sizeof(b->msg));
	ret = pdp_key_public(b->key, b->pub, NULL);
	if (!ret)
		ret = pdp_sign(b->a, b->key, b->msg, sizeof(b->msg), b->sig);
	return ret;
}

/* The seal rows' session, made only then: the session rows may fill the card's table. */
static int seal_session(struct bench *b)
{
	uint8_t out[PDP_PUBKEY_LEN];

	return b->seal_session ? 0
			       : pdp_session_create(b->a, PDP_CURVE_P256, b->euicc_pub, host_id,
						    sizeof(host_id), eid, out, &b->seal_session);
}

static void report(struct bench *b, const char *mode, enum bench_op op, unsigned n,
		   const struct result *r)
{
	printf("%-8s %-9s %10.0f %10.0f %9.1f %9.1f %9.1f %9.1f %7.1f\n", op_names[op], mode,
	       r->ops_per_s, r->best_ops_per_s, r->p50_us, r->p90_us, r->p99_us, r->max_us,
	       r->cpu_us);
	if (b->csv)
		fprintf(b->csv, "%s,%s,%s,%u,%.1f,%.1f,%.1f,%.1f,%.1f,%.1f,%.1f\n",
			pdp_accel_backend(b->a), op_names[op], mode, n, r->ops_per_s, r->p50_us,
			r->p90_us, r->p99_us, r->max_us, r->cpu_us, r->best_ops_per_s);
}

/* Parse "a,b,c" of unsigned numbers into @out; returns how many or -1. */
static int parse_list(const char *s, unsigned *out, int max)
{
	char *end;
	int n = 0;

	while (*s && n < max) {
		unsigned long v = strtoul(s, &end, 10);

		if (end == s || v > MAX_BATCH || (*end && *end != ','))
			return -1;
		out[n++] = v;
		s = *end ? end + 1 : end;
	}
	return *s ? -1 : n;
}

static int parse_ops(const char *s, int *want)
{
	char buf[128], *tok, *save;
	int i, found;

	if (strlen(s) >= sizeof(buf))
		return -1;
	strcpy(buf, s);
	memset(want, 0, sizeof(int) * B_NOPS);
	for (tok = strtok_r(buf, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
		for (found = 0, i = 0; i < B_NOPS; i++)
			if (!strcmp(tok, op_names[i]))
				want[i] = found = 1;
		if (!found)
			return -1;
	}
	return 0;
}

static void usage(void)
{
	fprintf(stderr, "usage: portdp-accel-bench [--uri URI] [--key KEY_URI] [--n OPS] "
			"[--ops sign,verify,session,seal]\n"
			"                          [--batches 0,1,8,64,256] [--seal-len 1..1007] "
			"[--rounds R] [--csv FILE]\n");
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
	    {"uri", required_argument, NULL, 'u'},     {"key", required_argument, NULL, 'k'},
	    {"n", required_argument, NULL, 'n'},       {"ops", required_argument, NULL, 'o'},
	    {"batches", required_argument, NULL, 'b'}, {"seal-len", required_argument, NULL, 's'},
	    {"csv", required_argument, NULL, 'c'},     {"rounds", required_argument, NULL, 'r'},
	    {"help", no_argument, NULL, 'h'},	       {NULL, 0, NULL, 0},
	};
	const char *uri = NULL, *key_uri = NULL, *csv = NULL;
	unsigned batches[16] = {0, 1, 8, 64, 256};
	int nbatches = 5, want[B_NOPS] = {1, 1, 1, 1}, c, i, op, ret = 0;
	unsigned rounds = 1, round;
	struct pool pools[16];
	struct bench b = {.n = 1000, .seal_len = PDP_BSP_MAX_PLAIN_ENC};
	char made_uri[80], mode[16], *end;
	struct result r;

	while ((c = getopt_long(argc, argv, "u:k:n:o:b:s:c:r:h", opts, NULL)) != -1) {
		switch (c) {
		case 'u':
			uri = optarg;
			break;
		case 'k':
			key_uri = optarg;
			break;
		case 'n':
			b.n = strtoul(optarg, &end, 10);
			if (*end || !b.n || b.n > 10000000) {
				usage();
				return 2;
			}
			break;
		case 'o':
			if (parse_ops(optarg, want)) {
				usage();
				return 2;
			}
			break;
		case 'b':
			nbatches = parse_list(optarg, batches, 16);
			if (nbatches <= 0) {
				usage();
				return 2;
			}
			break;
		case 's':
			b.seal_len = strtoul(optarg, &end, 10);
			if (*end || !b.seal_len || b.seal_len > PDP_BSP_MAX_PLAIN_ENC) {
				usage();
				return 2;
			}
			break;
		case 'c':
			csv = optarg;
			break;
		case 'r':
			rounds = strtoul(optarg, &end, 10);
			if (*end || !rounds || rounds > 1000) {
				usage();
				return 2;
			}
			break;
		default:
			usage();
			return c == 'h' ? 0 : 2;
		}
	}
	if (optind != argc) {
		usage();
		return 2;
	}
	ret = pdp_accel_open(uri, &b.a);
	if (ret) {
		fprintf(stderr, "portdp-accel-bench: open %s: %s\n", uri ? uri : "(default)",
			strerror(-ret));
		return 1;
	}
	ret = setup(&b, key_uri, made_uri, sizeof(made_uri));
	if (ret) {
		fprintf(stderr, "portdp-accel-bench: setup: %s\n", strerror(-ret));
		goto out;
	}
	if (csv) {
		b.csv = fopen(csv, "w");
		if (!b.csv) {
			fprintf(stderr, "portdp-accel-bench: %s: %s\n", csv, strerror(errno));
			ret = -errno;
			goto out;
		}
		fprintf(b.csv, "backend,op,mode,n,ops_per_s,p50_us,p90_us,p99_us,max_us,cpu_us,"
			       "best_ops_per_s\n");
	}
	printf(
	    "# backend %s, %u ops per row in %u round(s), seal %zu bytes, latency and CPU per op "
	    "in microseconds\n",
	    pdp_accel_backend(b.a), b.n, rounds, b.seal_len);
	printf("%-8s %-9s %10s %10s %9s %9s %9s %9s %7s\n", "op", "mode", "ops/s", "best", "p50",
	       "p90", "p99", "max", "cpu");
	for (op = 0; op < B_NOPS; op++) {
		unsigned n = b.n;

		if (!want[op])
			continue;
		/* Warm up caches, the card's queue and the CPU clock; not reported. */
		b.n = n < 100 ? n : 100;
		memset(pools, 0, sizeof(pools));
		ret = op == B_SEAL ? seal_session(&b) : 0;
		if (!ret)
			ret = run_sync(&b, op, &pools[0]);
		free(pools[0].lat);
		b.n = n;
		if (ret) {
			fprintf(stderr, "portdp-accel-bench: %s warm-up: %s\n", op_names[op],
				strerror(-ret));
			goto out;
		}
		memset(pools, 0, sizeof(pools));
		for (round = 0; round < rounds && !ret; round++) {
			for (i = 0; i < nbatches && !ret; i++) {
				if (batches[i])
					ret = run_async(&b, op, batches[i], &pools[i]);
				else
					ret = run_sync(&b, op, &pools[i]);
				if (ret)
					fprintf(stderr, "portdp-accel-bench: %s %s%u: %s\n",
						op_names[op], batches[i] ? "async" : "sync",
						batches[i], strerror(-ret));
			}
		}
		for (i = 0; i < nbatches; i++) {
			if (!ret) {
				if (batches[i])
					snprintf(mode, sizeof(mode), "async%u", batches[i]);
				else
					snprintf(mode, sizeof(mode), "sync");
				summarize(&pools[i], &r);
				report(&b, mode, op, pools[i].n, &r);
			}
			free(pools[i].lat);
		}
		if (ret)
			goto out;
	}
out:
	if (b.csv && fclose(b.csv) && !ret)
		ret = -EIO;
	if (b.seal_session)
		pdp_session_close(b.a, b.seal_session);
	pdp_key_free(b.key);
	if (made_uri[0])
		pdp_key_destroy(b.a, made_uri);
	pdp_accel_close(b.a);
	return ret ? 1 : 0;
}
