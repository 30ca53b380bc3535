// SPDX-License-Identifier: Apache-2.0
/*
 * The four ES2+ order functions. Each reads and checks everything first (the profile, its
 * owner, its order state, the EID and matching ID), picking the SGP.22 code of a refusal, and
 * then makes one inventory transition; the database refuses anything the checks missed.
 */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "es2_call.h"

#define MID_CHARS "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz-"

/* ICCID as ES2+ sends it: 19-20 digits, a trailing F pads an odd length (SGP.22 ICCID). */
static enum es2_status get_iccid(struct es2_call *c, char out[INV_ICCID_MAX])
{
	const char *s;
	size_t n;
	enum es2_status st = es2_opt_string(c, "iccid", &s);

	if (st)
		return st == ES2_E_FIELD_INVALID ? ES2_E_ICCID_INVALID : st;
	if (!s)
		return es2_fail(c, ES2_E_ICCID_MISSING, "iccid is missing");
	n = strlen(s);
	if (n && (s[n - 1] == 'F' || s[n - 1] == 'f'))
		n--;
	if (n < 10 || n >= INV_ICCID_MAX || strspn(s, "0123456789") != n)
		return es2_fail(c, ES2_E_ICCID_INVALID, "iccid must be 10..20 digits");
	memcpy(out, s, n);
	out[n] = '\0';
	return ES2_OK;
}

/* Optional EID: 32 digits (SGP.22 EID); "" when absent. */
static enum es2_status get_eid(struct es2_call *c, char out[33])
{
	const char *s;
	enum es2_status st = es2_opt_string(c, "eid", &s);
	int i;

	out[0] = '\0';
	if (st)
		return st == ES2_E_FIELD_INVALID ? ES2_E_EID_INVALID : st;
	if (!s)
		return ES2_OK;
	if (strlen(s) != 32 || strspn(s, "0123456789") != 32)
		return es2_fail(c, ES2_E_EID_INVALID, "eid must be 32 digits");
	for (i = 0; i <= 32; i++)
		out[i] = (char)toupper((unsigned char)s[i]);
	return ES2_OK;
}

/* The profile named by iccid, which must be this operator's. */
static enum es2_status own_profile(struct es2_call *c, struct inv_profile *p)
{
	char iccid[INV_ICCID_MAX];
	enum es2_status st = get_iccid(c, iccid);
	int err;

	if (st)
		return st;
	err = inv_get_by_iccid(c->inv, iccid, p);
	if (err == -ENOENT)
		return es2_fail(c, ES2_E_ICCID_UNKNOWN, "no profile %s", iccid);
	if (err)
		return es2_fail(c, ES2_E_INTERNAL, "inventory: %s", inv_errmsg(c->inv));
	/* Another operator's profile, or direct stock: the same answer, nothing revealed. */
	if (strcmp(p->owner, c->op.name))
		return es2_fail(c, ES2_E_ICCID_NOT_ALLOWED, "profile %s is not %s's", iccid,
				c->op.name);
	return ES2_OK;
}

static enum es2_status transition_failed(struct es2_call *c, int err, const struct inv_profile *p)
{
	if (err == -EBUSY)
		return es2_fail(c, ES2_E_ICCID_TRANSITION, "profile %s: %s", p->iccid,
				inv_errmsg(c->inv));
	return es2_fail(c, ES2_E_INTERNAL, "inventory: %s", inv_errmsg(c->inv));
}

/* The order must be in @want with no session holding the profile. */
static enum es2_status need_order(struct es2_call *c, const struct inv_profile *p,
				  enum inv_order want, enum es2_status code)
{
	if (p->order != want || p->state != INV_AVAILABLE)
		return es2_fail(c, code, "profile %s is %s, order %s", p->iccid,
				inv_state_name(p->state), inv_order_name(p->order));
	return ES2_OK;
}

/* Whether this operator has any profile of @type (else the type is unknown to it). */
static int has_type_cb(const struct inv_profile *p, void *arg)
{
	const char **want = arg;

	if (!strcmp(p->owner, want[0]) && !strcmp(p->profile_type, want[1])) {
		want[2] = "";
		return 1;
	}
	return 0;
}

static bool has_type(struct es2_call *c, const char *type)
{
	const char *want[3] = {c->op.name, type, NULL};

	inv_list(c->inv, -1, has_type_cb, want);
	return want[2] != NULL;
}

enum es2_status es2_download_order(struct es2_call *c)
{
	const struct rsp_json_member *m = rsp_json_get(&c->req, "iccid");
	const char *type;
	char eid[33];
	struct inv_profile p;
	int64_t id;
	int err;
	enum es2_status st = get_eid(c, eid);

	if (!st)
		st = es2_opt_string(c, "profileType", &type);
	if (st)
		return st;
	if (!m && !type)
		return es2_fail(c, ES2_E_ICCID_MISSING, "neither iccid nor profileType given");
	if (m) {
		st = own_profile(c, &p);
		if (st)
			return st;
		if (type && strcmp(type, p.profile_type))
			return es2_fail(c, ES2_E_TYPE_MISMATCH, "profile %s is of type '%s'",
					p.iccid, p.profile_type);
		st = need_order(c, &p, INV_ORDER_UNORDERED, ES2_E_ICCID_UNAVAILABLE);
		if (st)
			return st;
		err = inv_order_reserve(c->inv, p.id, eid[0] ? eid : NULL);
		if (err)
			return transition_failed(c, err, &p);
	} else {
		err = inv_order_reserve_type(c->inv, c->op.name, type, eid[0] ? eid : NULL, &id);
		if (err == -ENOENT)
			return es2_fail(
			    c, has_type(c, type) ? ES2_E_TYPE_EXHAUSTED : ES2_E_TYPE_UNKNOWN,
			    "no unordered profile of type '%s' left", type);
		if (err)
			return es2_fail(c, ES2_E_INTERNAL, "inventory: %s", inv_errmsg(c->inv));
		if (inv_get_by_id(c->inv, id, &p))
			return es2_fail(c, ES2_E_INTERNAL, "inventory: %s", inv_errmsg(c->inv));
	}
	es2_out(c, "iccid", p.iccid);
	return ES2_OK;
}

enum es2_status es2_confirm_order(struct es2_call *c)
{
	const struct rsp_json_member *rf = rsp_json_get(&c->req, "releaseFlag");
	const char *mid, *cc, *smds;
	char eid[33];
	struct inv_profile p;
	int err;
	enum es2_status st = own_profile(c, &p);

	if (!st)
		st = get_eid(c, eid);
	if (!st)
		st = es2_opt_string(c, "matchingId", &mid);
	if (!st)
		st = es2_opt_string(c, "confirmationCode", &cc);
	if (!st)
		st = es2_opt_string(c, "smdsAddress", &smds);
	if (st)
		return st;
	if (!rf)
		return es2_fail(c, ES2_E_FIELD_MISSING, "releaseFlag is missing");
	if (rf->type != RSP_JSON_BOOL)
		return es2_fail(c, ES2_E_FIELD_INVALID, "releaseFlag must be true or false");
	if (smds)
		return es2_fail(c, ES2_E_SMDS_UNSUPPORTED, "no SM-DS registration on this unit");
	if (mid && *mid && (strlen(mid) > 64 || mid[strspn(mid, MID_CHARS)]))
		return es2_fail(c, ES2_E_MID_INVALID,
				"matchingId must be 1..64 characters of 0-9, A-Z, a-z and '-'");
	if (cc && (!*cc || strlen(cc) > 64))
		return es2_fail(c, ES2_E_CC_INVALID, "confirmationCode must be 1..64 characters");
	st = need_order(c, &p, INV_ORDER_RESERVED, ES2_E_ICCID_TRANSITION);
	if (st)
		return st;
	if (eid[0] && p.order_eid[0] && strcmp(eid, p.order_eid))
		return es2_fail(c, ES2_E_EID_MISMATCH, "profile %s is ordered for EID %s", p.iccid,
				p.order_eid);
	/* An empty matching ID means the default SM-DP+ flow: the EID finds the profile. */
	if (mid && !*mid && !eid[0] && !p.order_eid[0])
		return es2_fail(c, ES2_E_EID_MISSING, "an empty matchingId needs an EID");
	/* A matching ID in use anywhere: the UPDATE meets the unique index (-EEXIST). */
	err = inv_order_confirm(c->inv, p.id, eid[0] ? eid : NULL, mid && *mid ? mid : NULL, cc,
				(int)rf->len);
	if (err == -EEXIST)
		return es2_fail(c, ES2_E_MID_IN_USE, "matchingId %s is in use", mid ? mid : "");
	if (err == -EINVAL)
		return es2_fail(c, ES2_E_CC_INVALID, "%s", inv_errmsg(c->inv));
	if (err)
		return transition_failed(c, err, &p);
	/* The order keeps the EID it had, else takes this one; only a generated ID is read back. */
	if (!p.order_eid[0] && eid[0])
		memcpy(p.order_eid, eid, sizeof(eid));
	if (!mid || !*mid) {
		if (inv_get_by_id(c->inv, p.id, &p))
			return es2_fail(c, ES2_E_INTERNAL, "inventory: %s", inv_errmsg(c->inv));
		mid = p.matching_id;
	}
	if (p.order_eid[0])
		es2_out(c, "eid", p.order_eid);
	es2_out(c, "matchingId", mid);
	es2_out(c, "smdpAddress", c->w->svc->cfg.smdp_address);
	return ES2_OK;
}

enum es2_status es2_cancel_order(struct es2_call *c)
{
	const char *mid, *fpsi;
	char eid[33];
	struct inv_profile p;
	int available, err;
	enum es2_status st = own_profile(c, &p);

	if (!st)
		st = get_eid(c, eid);
	if (!st)
		st = es2_opt_string(c, "matchingId", &mid);
	if (!st)
		st = es2_opt_string(c, "finalProfileStatusIndicator", &fpsi);
	if (st)
		return st;
	if (!fpsi)
		return es2_fail(c, ES2_E_ICCID_MISSING, "finalProfileStatusIndicator is missing");
	if (!strcmp(fpsi, "Available"))
		available = 1;
	else if (!strcmp(fpsi, "Unavailable"))
		available = 0;
	else
		return es2_fail(c, ES2_E_FIELD_INVALID,
				"finalProfileStatusIndicator must be Available or Unavailable");
	if (eid[0] && p.order_eid[0] && strcmp(eid, p.order_eid))
		return es2_fail(c, ES2_E_EID_MISMATCH, "profile %s is ordered for EID %s", p.iccid,
				p.order_eid);
	if (p.state != INV_AVAILABLE || p.order == INV_ORDER_UNAVAILABLE ||
	    (available && p.order == INV_ORDER_UNORDERED))
		return es2_fail(c, ES2_E_ICCID_TRANSITION, "profile %s is %s, order %s", p.iccid,
				inv_state_name(p.state), inv_order_name(p.order));
	if (mid && (p.order == INV_ORDER_CONFIRMED || p.order == INV_ORDER_RELEASED) &&
	    strcmp(mid, p.matching_id))
		return es2_fail(c, ES2_E_MID_MISMATCH, "another matchingId belongs to %s", p.iccid);
	err = inv_order_cancel(c->inv, p.id, available, "cancelOrder");
	if (err)
		return transition_failed(c, err, &p);
	return ES2_OK;
}

enum es2_status es2_release_profile(struct es2_call *c)
{
	struct inv_profile p;
	int err;
	enum es2_status st = own_profile(c, &p);

	if (!st)
		st = need_order(c, &p, INV_ORDER_CONFIRMED, ES2_E_ICCID_TRANSITION);
	if (st)
		return st;
	err = inv_order_release(c->inv, p.id);
	if (err)
		return transition_failed(c, err, &p);
	return ES2_OK;
}
