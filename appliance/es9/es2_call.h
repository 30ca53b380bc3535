/* SPDX-License-Identifier: Apache-2.0 */
/* One ES2+ call inside this layer: the request, its operator, the answer's fields. */
#ifndef PORTDP_ES2_CALL_H
#define PORTDP_ES2_CALL_H

#include <stdbool.h>
#include "../inventory/inventory.h"
#include "../rsp/json_obj.h"
#include "es2_status.h"
#include "es9_internal.h"

#define ES2_OUT_MAX 4

struct es2_call {
	struct es9_worker *w;
	struct inventory *inv;
	struct inv_operator op;
	struct rsp_json req;
	struct {
		const char *name; /* literal */
		char value[INV_MATCHING_ID_MAX + 256];
	} out[ES2_OUT_MAX];
	unsigned n_out;
	char msg[192];
};

enum es2_status es2_fail(struct es2_call *c, enum es2_status st, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
/* An optional string field: NULL when absent; a field of another JSON type is invalid. */
enum es2_status es2_opt_string(struct es2_call *c, const char *name, const char **s);
void es2_out(struct es2_call *c, const char *name, const char *value);

enum es2_status es2_download_order(struct es2_call *c);
enum es2_status es2_confirm_order(struct es2_call *c);
enum es2_status es2_cancel_order(struct es2_call *c);
enum es2_status es2_release_profile(struct es2_call *c);

#endif
