// SPDX-License-Identifier: Apache-2.0
/*
 * The plant's pre-assignment plan (CSV: EID,ICCID[,MATCHING_ID]; '#' comments,
 * an optional header line) and the EUM ranges. A plan is checked whole before
 * anything starts: every bad line, duplicate EID or ICCID is reported with its
 * line number.
 */
#include "line.h"

#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

static bool digits(const char *s, size_t min, size_t max)
{
	size_t n = strlen(s);

	if (n < min || n > max)
		return false;
	for (size_t i = 0; i < n; i++)
		if (!isdigit((unsigned char)s[i]))
			return false;
	return true;
}

static bool mid_ok(const char *s)
{
	size_t n = strlen(s);

	if (n > 64)
		return false;
	for (size_t i = 0; i < n; i++)
		if (!isalnum((unsigned char)s[i]) && s[i] != '-')
			return false;
	return true;
}

/* Split @line at commas into at most @max trimmed fields. */
static size_t split(char *line, char **f, size_t max)
{
	size_t n = 0;
	char *p = line;

	for (;;) {
		char *c = strchr(p, ',');
		char *end;

		if (n == max)
			return max + 1;
		if (c)
			*c = '\0';
		while (isspace((unsigned char)*p))
			p++;
		end = p + strlen(p);
		while (end > p && isspace((unsigned char)end[-1]))
			*--end = '\0';
		f[n++] = p;
		if (!c)
			return n;
		p = c + 1;
	}
}

int plan_load(const char *path, struct plan *p, FILE *errs)
{
	FILE *fp = fopen(path, "r");
	char line[512];
	unsigned lineno = 0, bad = 0;
	unsigned *at = NULL;

	memset(p, 0, sizeof(*p));
	if (!fp) {
		fprintf(errs, "plan %s: %s\n", path, strerror(errno));
		return -errno;
	}
	while (fgets(line, sizeof(line), fp)) {
		char *f[4];
		size_t nf;
		struct plan_entry e = { 0 };

		lineno++;
		if (!strchr(line, '\n') && !feof(fp)) {
			fprintf(errs, "plan %s:%u: line too long\n", path, lineno);
			bad++;
			int ch;

			while ((ch = fgetc(fp)) != EOF && ch != '\n')
				;
			continue;
		}
		line[strcspn(line, "\r\n")] = '\0';
		if (!line[strspn(line, " \t")] || line[strspn(line, " \t")] == '#')
			continue;
		nf = split(line, f, 3);
		if (lineno == 1 && nf >= 2 && !strcasecmp(f[0], "eid"))
			continue; /* header */
		if (nf < 2 || nf > 3) {
			fprintf(errs, "plan %s:%u: want EID,ICCID[,MATCHING_ID]\n", path, lineno);
			bad++;
			continue;
		}
		if (!digits(f[0], 32, 32)) {
			fprintf(errs, "plan %s:%u: EID '%s' is not 32 digits\n", path, lineno, f[0]);
			bad++;
			continue;
		}
		if (!digits(f[1], 18, 20)) {
			fprintf(errs, "plan %s:%u: ICCID '%s' is not 18-20 digits\n", path, lineno,
				f[1]);
			bad++;
			continue;
		}
		if (nf == 3 && (!f[2][0] || !mid_ok(f[2]))) {
			fprintf(errs, "plan %s:%u: matching ID '%s' is not [A-Za-z0-9-]{1,64}\n",
				path, lineno, f[2]);
			bad++;
			continue;
		}
		snprintf(e.eid, sizeof(e.eid), "%s", f[0]);
		snprintf(e.iccid, sizeof(e.iccid), "%s", f[1]);
		if (nf == 3)
			snprintf(e.matching_id, sizeof(e.matching_id), "%s", f[2]);
		for (size_t i = 0; i < p->n; i++) {
			if (!strcmp(p->e[i].eid, e.eid)) {
				fprintf(errs, "plan %s:%u: EID %s already assigned on line %u\n", path,
					lineno, e.eid, at[i]);
				bad++;
				goto next;
			}
			if (!strcmp(p->e[i].iccid, e.iccid)) {
				fprintf(errs, "plan %s:%u: ICCID %s already assigned on line %u\n",
					path, lineno, e.iccid, at[i]);
				bad++;
				goto next;
			}
		}
		{
			struct plan_entry *ne = realloc(p->e, (p->n + 1) * sizeof(*ne));
			unsigned *na = realloc(at, (p->n + 1) * sizeof(*na));

			if (ne)
				p->e = ne;
			if (na)
				at = na;
			if (!ne || !na) {
				fclose(fp);
				free(at);
				return -ENOMEM;
			}
			at[p->n] = lineno;
			p->e[p->n++] = e;
		}
next:;
	}
	fclose(fp);
	free(at);
	if (!bad && !p->n) {
		fprintf(errs, "plan %s: no assignments\n", path);
		bad++;
	}
	return bad ? -EINVAL : 0;
}

const struct plan_entry *plan_find_eid(const struct plan *p, const char *eid)
{
	for (size_t i = 0; i < p->n; i++)
		if (!strcmp(p->e[i].eid, eid))
			return &p->e[i];
	return NULL;
}

bool plan_has_iccid(const struct plan *p, const char *iccid)
{
	for (size_t i = 0; i < p->n; i++)
		if (!strcmp(p->e[i].iccid, iccid))
			return true;
	return false;
}

void plan_free(struct plan *p)
{
	free(p->e);
	memset(p, 0, sizeof(*p));
}

int eid_range_parse(const char *s, struct eid_range *r)
{
	const char *dash = strchr(s, '-');

	if (dash) {
		size_t n = (size_t)(dash - s);

		if (n != 32 || strlen(dash + 1) != 32)
			return -EINVAL;
		memcpy(r->lo, s, 32);
		r->lo[32] = '\0';
		memcpy(r->hi, dash + 1, 33);
	} else {
		size_t n = strlen(s);

		if (!n || n > 32)
			return -EINVAL;
		memset(r->lo, '0', 32);
		memset(r->hi, '9', 32);
		memcpy(r->lo, s, n);
		memcpy(r->hi, s, n);
		r->lo[32] = r->hi[32] = '\0';
	}
	if (!digits(r->lo, 32, 32) || !digits(r->hi, 32, 32) || strcmp(r->lo, r->hi) > 0)
		return -EINVAL;
	return 0;
}

bool eid_in_ranges(const char *eid, const struct eid_range *r, size_t n)
{
	if (!n)
		return true;
	for (size_t i = 0; i < n; i++)
		if (strcmp(eid, r[i].lo) >= 0 && strcmp(eid, r[i].hi) <= 0)
			return true;
	return false;
}
