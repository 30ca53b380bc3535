// SPDX-License-Identifier: Apache-2.0
/* CPU time of the server (from /proc, any process) and of the bench itself. */
#include "bench.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

int proc_cpu_ns(pid_t pid, uint64_t *ns)
{
	uint64_t sys;

	return proc_cpu_split_ns(pid, ns, &sys);
}

int proc_cpu_split_ns(pid_t pid, uint64_t *ns, uint64_t *sys_ns)
{
	unsigned long long utime, stime;
	char path[64], buf[1024], *p;
	long hz = sysconf(_SC_CLK_TCK);
	size_t n;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%ld/stat", (long)pid);
	f = fopen(path, "r");
	if (!f)
		return -errno;
	n = fread(buf, 1, sizeof(buf) - 1, f);
	fclose(f);
	buf[n] = '\0';
	/* comm (field 2) may hold spaces and parentheses: fields restart after the last ')'. */
	p = strrchr(buf, ')');
	if (!p || hz <= 0 ||
	    sscanf(p + 1, " %*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %llu %llu", &utime,
		   &stime) != 2)
		return -EBADMSG;
	*ns = (utime + stime) * (1000000000ull / (unsigned long long)hz);
	*sys_ns = stime * (1000000000ull / (unsigned long long)hz);
	return 0;
}

uint64_t self_cpu_ns(void)
{
	struct rusage ru;

	getrusage(RUSAGE_SELF, &ru);
	return (uint64_t)(ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) * 1000000000ull +
	       (uint64_t)(ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) * 1000ull;
}

uint64_t mono_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

/* Busy CPU time of the whole machine (all cores, /proc/stat), in ns. */
int machine_busy_ns(uint64_t *ns)
{
	unsigned long long v[8] = {0};
	long hz = sysconf(_SC_CLK_TCK);
	FILE *f = fopen("/proc/stat", "r");
	int n;

	if (!f)
		return -errno;
	n = fscanf(f, "cpu %llu %llu %llu %llu %llu %llu %llu %llu", &v[0], &v[1], &v[2], &v[3],
		   &v[4], &v[5], &v[6], &v[7]);
	fclose(f);
	if (n != 8 || hz <= 0)
		return -EBADMSG;
	/* user nice system idle iowait irq softirq steal: all but idle and iowait */
	*ns = (v[0] + v[1] + v[2] + v[5] + v[6] + v[7]) * (1000000000ull / (unsigned long long)hz);
	return 0;
}
