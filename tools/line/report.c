// SPDX-License-Identifier: Apache-2.0
/*
 * The run's report: one CSV row per chip (written and flushed as it happens,
 * so a killed run leaves every row it finished) and a summary file at the end.
 * Each run gets its own files under the report directory.
 */
#include "line.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

struct report {
	FILE *csv;
	char base[512];
	pthread_mutex_t mu;
};

const char *result_name(enum line_result r)
{
	switch (r) {
	case RES_INSTALLED: return "installed";
	case RES_SKIPPED: return "skipped";
	case RES_FAILED: return "failed";
	case RES_REFUSED: return "refused";
	case RES_PULLED: return "pulled";
	case RES_RETRY: return "retry";
	}
	return "?";
}

int report_open(const char *dir, struct report **out, char *path, size_t path_len)
{
	struct report *r = calloc(1, sizeof(*r));
	char stamp[32], file[600];
	time_t t = time(NULL);
	struct tm tm;

	if (!r)
		return -ENOMEM;
	if (mkdir(dir, 0755) && errno != EEXIST) {
		free(r);
		return -errno;
	}
	gmtime_r(&t, &tm);
	strftime(stamp, sizeof(stamp), "%Y%m%dT%H%M%SZ", &tm);
	snprintf(r->base, sizeof(r->base), "%s/run-%s-%d", dir, stamp, (int)getpid());
	snprintf(file, sizeof(file), "%s.csv", r->base);
	r->csv = fopen(file, "w");
	if (!r->csv) {
		int e = -errno;

		free(r);
		return e;
	}
	fprintf(r->csv, "time,station,eid,iccid,matching_id,result,step,detail,seconds,apdus\n");
	fflush(r->csv);
	pthread_mutex_init(&r->mu, NULL);
	snprintf(path, path_len, "%s", file);
	*out = r;
	return 0;
}

/* CSV field: quoted when it holds a comma or a quote. */
static void field(FILE *f, const char *s)
{
	if (!strpbrk(s, ",\"\n")) {
		fputs(s, f);
		return;
	}
	fputc('"', f);
	for (; *s; s++) {
		if (*s == '"')
			fputc('"', f);
		fputc(*s == '\n' ? ' ' : *s, f);
	}
	fputc('"', f);
}

void report_add(struct report *r, const struct record *rec)
{
	char stamp[32];
	time_t t = time(NULL);
	struct tm tm;

	gmtime_r(&t, &tm);
	strftime(stamp, sizeof(stamp), "%Y-%m-%dT%H:%M:%SZ", &tm);
	pthread_mutex_lock(&r->mu);
	fprintf(r->csv, "%s,", stamp);
	field(r->csv, rec->station);
	fprintf(r->csv, ",%s,%s,", rec->eid, rec->iccid);
	field(r->csv, rec->matching_id);
	fprintf(r->csv, ",%s,%s,", result_name(rec->result), rec->step);
	field(r->csv, rec->detail);
	fprintf(r->csv, ",%.3f,%lu\n", rec->seconds, rec->apdus);
	fflush(r->csv);
	pthread_mutex_unlock(&r->mu);
}

void report_close(struct report *r, const char *summary)
{
	char file[600];
	FILE *f;

	if (!r)
		return;
	snprintf(file, sizeof(file), "%s-summary.txt", r->base);
	f = fopen(file, "w");
	if (f) {
		fputs(summary, f);
		fclose(f);
	}
	fclose(r->csv);
	pthread_mutex_destroy(&r->mu);
	free(r);
}
