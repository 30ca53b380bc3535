// SPDX-License-Identifier: Apache-2.0
/*
 * Download progress for the operator that owns a profile (ES2+ handleDownloadProgressInfo,
 * SGP.22 §5.3.5): queued in the inventory in the transaction of the change it reports; the
 * sender (appliance/progress) delivers it. Direct stock (no owner) reports to nobody.
 * Notification points: 1 eligibility and retry limit check, 2 confirmation failure, 3 BPP
 * download, 4 BPP installation; then the eUICC's delete (5), enable (101) and disable (102)
 * notifications (es9_point_of_event(); progress.h says why 101/102).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "../rsp/sgp22.h"
#include "es9_internal.h"
#include "progress.h"

int es9_point_of_event(int event)
{
	switch (event) {
	case SGP22_NOTIFY_DELETE:
		return ES9_POINT_DELETE;
	case SGP22_NOTIFY_ENABLE:
		return ES9_POINT_ENABLE;
	case SGP22_NOTIFY_DISABLE:
		return ES9_POINT_DISABLE;
	default:
		return 0;
	}
}

/* Appends @s (our own ASCII: ICCIDs, EIDs, names checked at import, base64) as a JSON string. */
static int put_str(char **p, size_t *left, const char *s)
{
	const char *c;
	int n;

	for (c = s; *c; c++)
		if (*c == '"' || *c == '\\' || (unsigned char)*c < 0x20 || (unsigned char)*c > 0x7e)
			return -1;
	n = snprintf(*p, *left, "\"%s\"", s);
	if (n < 0 || (size_t)n >= *left)
		return -1;
	*p += n;
	*left -= n;
	return 0;
}

static int put_raw(char **p, size_t *left, const char *s)
{
	size_t n = strlen(s);

	if (n >= *left)
		return -1;
	memcpy(*p, s, n + 1);
	*p += n;
	*left -= n;
	return 0;
}

int es9_progress(struct es9_worker *w, const struct inv_profile *p, const char *eid, int point,
		 enum es9_status failure, const char *result_b64)
{
	const struct es9_status_info *info = es9_status_info(failure);
	char ts[32], num[8], *body, *o;
	time_t now = (time_t)es9_now(w->svc);
	size_t left;
	struct tm tm;
	int err = 0;

	if (!p->owner[0])
		return 0;
	left = 512 + (result_b64 ? strlen(result_b64) : 0);
	body = o = malloc(left);
	if (!body)
		return -1;
	gmtime_r(&now, &tm);
	strftime(ts, sizeof(ts), "%Y-%m-%dT%H:%M:%SZ", &tm);
	snprintf(num, sizeof(num), "%d", point);
	err |= put_raw(&o, &left, "{");
	if (eid && *eid) {
		err |= put_raw(&o, &left, "\"eid\":");
		err |= put_str(&o, &left, eid);
		err |= put_raw(&o, &left, ",");
	}
	err |= put_raw(&o, &left, "\"iccid\":");
	err |= put_str(&o, &left, p->iccid);
	err |= put_raw(&o, &left, ",\"profileType\":");
	err |= put_str(&o, &left, p->profile_type);
	err |= put_raw(&o, &left, ",\"timestamp\":");
	err |= put_str(&o, &left, ts);
	err |= put_raw(&o, &left, ",\"notificationPointId\":");
	err |= put_raw(&o, &left, num);
	err |= put_raw(&o, &left, ",\"notificationPointStatus\":{\"status\":");
	if (failure == ES9_OK) {
		err |= put_raw(&o, &left, "\"Executed-Success\"}");
	} else {
		err |= put_raw(&o, &left, "\"Failed\",\"statusCodeData\":{\"subjectCode\":");
		err |= put_str(&o, &left, info->subject);
		err |= put_raw(&o, &left, ",\"reasonCode\":");
		err |= put_str(&o, &left, info->reason);
		err |= put_raw(&o, &left, ",\"message\":");
		err |= put_str(&o, &left, info->message);
		err |= put_raw(&o, &left, "}}");
	}
	if (result_b64) {
		err |= put_raw(&o, &left, ",\"resultData\":");
		err |= put_str(&o, &left, result_b64);
	}
	err |= put_raw(&o, &left, "}");
	if (err) {
		es9_log("progress report for %s: does not fit", p->iccid);
		free(body);
		return -1;
	}
	err = inv_progress_add(w->inv, p->owner, p->id, body);
	if (err)
		es9_log("progress report for %s: %s", p->iccid, inv_errmsg(w->inv));
	free(body);
	return err ? -1 : 0;
}
