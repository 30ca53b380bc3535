// SPDX-License-Identifier: Apache-2.0
/*
 * The eUICC's own CPU time, for benchmarks that compare a host running the
 * software eUICC in process with one feeding it to a reader: what a real chip
 * would spend (opening the card, its ES10 commands, power cycles) is summed
 * across threads from each calling thread's CPU clock. Off unless
 * PORTDP_EUICC_CPU names a file; then seuicc_cpu_flush() (and exit) writes
 * "OPEN_S ES10_S CALLS" there, the totals so far.
 */
#include "seuicc_internal.h"

#include <fcntl.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

static atomic_int on = -1; /* -1: environment not read yet */
static atomic_ullong open_ns, es10_ns, calls;
static const char *out_path;

static bool enabled(void)
{
	int v = atomic_load_explicit(&on, memory_order_relaxed);

	if (v < 0) {
		const char *p = getenv("PORTDP_EUICC_CPU");

		out_path = p && *p ? p : NULL;
		v = out_path != NULL;
		atomic_store(&on, v);
		if (v)
			atexit(seuicc_cpu_flush);
	}
	return v;
}

uint64_t seuicc_cpu_start(void)
{
	struct timespec ts;

	if (!enabled() || clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts))
		return 0;
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

void seuicc_cpu_stop(uint64_t t0, bool es10)
{
	struct timespec ts;
	uint64_t t;

	if (!t0 || clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts))
		return;
	t = (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
	atomic_fetch_add(es10 ? &es10_ns : &open_ns, t - t0);
	atomic_fetch_add(&calls, 1);
}

void seuicc_cpu_get(struct seuicc_cpu *c)
{
	c->open_s = (double)atomic_load(&open_ns) / 1e9;
	c->es10_s = (double)atomic_load(&es10_ns) / 1e9;
	c->calls = atomic_load(&calls);
}

void seuicc_cpu_flush(void)
{
	struct seuicc_cpu c;
	char line[96];
	int fd, n;

	if (!enabled())
		return;
	seuicc_cpu_get(&c);
	n = snprintf(line, sizeof(line), "%.6f %.6f %llu\n", c.open_s, c.es10_s, c.calls);
	fd = open(out_path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd < 0)
		return;
	if (write(fd, line, (size_t)n) != n)
		(void)0; /* a benchmark's side file: nothing to do about it here */
	close(fd);
}
