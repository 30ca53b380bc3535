/* SPDX-License-Identifier: Apache-2.0 */
/* Progress reports to a profile's operator (see progress.c). */
#ifndef PORTDP_ES9_PROGRESS_H
#define PORTDP_ES9_PROGRESS_H

#include "../inventory/inventory.h"
#include "status_codes.h"

struct es9_worker;

enum {
	ES9_POINT_ELIGIBILITY = 1,
	ES9_POINT_CONFIRMATION_FAILURE = 2,
	ES9_POINT_BPP_DOWNLOAD = 3,
	ES9_POINT_BPP_INSTALLATION = 4,
	/*
	 * The eUICC's other notifications (resultData: the otherSignedNotification). 5 is the
	 * deletion. Enable and disable have no number of SGP.22's that we could find (a deployed
	 * SM-DP+ documents 5 = deleted and numbers these two privately, 101/102): they take
	 * 101 and 102, a private range that no later SGP.22 number can collide with, so an
	 * operator reading only the number never takes an enable for a deletion.
	 */
	ES9_POINT_DELETE = 5,
	ES9_POINT_ENABLE = 101,
	ES9_POINT_DISABLE = 102,
};

/* The point of an eUICC notification event (enum sgp22_notification_event), 0: none. */
int es9_point_of_event(int event);

/**
 * Queue a handleDownloadProgressInfo for @p's owner in the worker's open transaction (the
 * caller's change and its report commit together). @failure ES9_OK: Executed-Success, else
 * Failed with its codes; @result_b64: the eUICC's notification (resultData) or NULL.
 * 0, or -1 (logged): the caller must undo its change. Nothing for direct stock.
 */
int es9_progress(struct es9_worker *w, const struct inv_profile *p, const char *eid, int point,
		 enum es9_status failure, const char *result_b64);

#endif
