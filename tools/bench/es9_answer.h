/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The few parts of an ES9+ JSON answer the bench client reads: the top-level
 * string members (transactionId and the base64 DER fields) and
 * header.functionExecutionStatus. Parsed with yajl's event parser, which
 * hands over the big boundProfilePackage string in one piece instead of
 * building it character by character (jansson: ~0.4 ms for 24 KiB, yajl: ~10 us).
 *
 * Strict where it matters: the whole text must be one JSON object (UTF-8
 * checked, nothing after it), and a member the client reads must not appear
 * twice. Other members and values of any type are allowed and skipped.
 */
#ifndef PORTDP_BENCH_ES9_ANSWER_H
#define PORTDP_BENCH_ES9_ANSWER_H

#include <stddef.h>

#define ES9_ANSWER_MAX_FIELDS 12

struct es9_answer {
	struct {
		char name[40];
		char *val; /* NUL-terminated copy */
		size_t len;
	} f[ES9_ANSWER_MAX_FIELDS];
	unsigned n;
	char status[48];	   /* functionExecutionStatus.status, "" if absent */
	char subject[32], reason[32]; /* its statusCodeData, "" if absent */
};

/** es9_answer_parse() - 0, -EBADMSG (not a JSON object as above) or -ENOMEM. */
int es9_answer_parse(const char *json, size_t len, struct es9_answer *a);
/** es9_answer_get() - a top-level string member, or NULL. */
const char *es9_answer_get(const struct es9_answer *a, const char *name);
/** es9_answer_get_len() - the same, with its length (@len) for binary-safe use. */
const char *es9_answer_get_len(const struct es9_answer *a, const char *name, size_t *len);
void es9_answer_free(struct es9_answer *a);

#endif
