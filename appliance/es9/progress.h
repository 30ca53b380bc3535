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
	ES9_POINT_NOTIFICATION = 5,
};

/**
 * Queue a handleDownloadProgressInfo for @p's owner in the worker's open transaction (the
 * caller's change and its report commit together). @failure ES9_OK: Executed-Success, else
 * Failed with its codes; @result_b64: the eUICC's notification (resultData) or NULL.
 * 0, or -1 (logged): the caller must undo its change. Nothing for direct stock.
 */
int es9_progress(struct es9_worker *w, const struct inv_profile *p, const char *eid, int point,
		 enum es9_status failure, const char *result_b64);

#endif
