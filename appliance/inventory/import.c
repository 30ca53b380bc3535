// SPDX-License-Identifier: Apache-2.0
/*
 * Import of one Unbound Profile Package: the whole UPP is validated and its
 * ProfileHeader read (appliance/rsp), every option checked, and only then
 * the profile row (with its audit row, by trigger) and the UPP are written in
 * one transaction. Anything wrong leaves the database as it was.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <openssl/rand.h>
#include "inv_internal.h"
#include "../rsp/upp.h"

#define TEXT_MAX (INV_TEXT_MAX - 1)
#define CC_MAX 64

/* 20 symbols in groups of 5 (like 04386-AGYFT-A74Y8-3F815); no look-alike 0/O, 1/I. */
int inv_random_matching_id(struct inventory *inv, char out[INV_MATCHING_ID_MAX])
{
	static const char alphabet[] = "23456789ABCDEFGHJKLMNPQRSTUVWXYZ"; /* 32 symbols */
	uint8_t rnd[20];
	int i, o = 0;

	if (RAND_bytes(rnd, sizeof(rnd)) != 1)
		return inv_fail(inv, -EIO, "no random numbers for a matching ID");
	for (i = 0; i < 20; i++) {
		if (i && i % 5 == 0)
			out[o++] = '-';
		out[o++] = alphabet[rnd[i] & 31];
	}
	out[o] = '\0';
	return 0;
}

static int check_text(struct inventory *inv, const char *s, size_t len, const char *what)
{
	size_t i;

	if (len > TEXT_MAX)
		return inv_fail(inv, -EINVAL, "%s longer than %d bytes", what, TEXT_MAX);
	for (i = 0; i < len; i++)
		if ((unsigned char)s[i] < 0x20 || s[i] == 0x7f)
			return inv_fail(inv, -EINVAL, "%s contains control characters", what);
	return 0;
}

static int check_options(struct inventory *inv, const struct inv_import *opt)
{
	int err;

	if (opt->matching_id && !inv_valid_matching_id(opt->matching_id))
		return inv_fail(inv, -EINVAL,
				"matching ID must be 1..%d characters of 0-9, A-Z, a-z and '-'",
				INV_MATCHING_ID_MAX - 1);
	if (opt->profile_class < -1 || opt->profile_class > 2)
		return inv_fail(inv, -EINVAL, "profile class must be 0, 1 or 2");
	if (opt->reuse != INV_REUSE_NEVER && opt->reuse != INV_REUSE_AFTER_DELETE)
		return inv_fail(inv, -EINVAL, "unknown reuse policy");
	if (opt->sp_name) {
		err = check_text(inv, opt->sp_name, strlen(opt->sp_name), "service provider name");
		if (err)
			return err;
	}
	if (opt->profile_name) {
		err = check_text(inv, opt->profile_name, strlen(opt->profile_name), "profile name");
		if (err)
			return err;
	}
	if (opt->profile_type) {
		size_t n = strlen(opt->profile_type);

		if (!n || n > TEXT_MAX || opt->profile_type[strspn(opt->profile_type,
			" !\"#$%&'()*+,-./0123456789:;<=>?@ABCDEFGHIJKLMNOPQRSTUVWXYZ[\\]^_`"
			"abcdefghijklmnopqrstuvwxyz{|}~")])
			return inv_fail(inv, -EINVAL, "profile type must be 1..%d printable ASCII"
						      " characters", TEXT_MAX);
	}
	if (opt->owner) {
		struct inv_operator op;

		err = inv_operator_get(inv, opt->owner, &op);
		if (err)
			return err == -ENOENT ? inv_fail(inv, -ENOENT, "unknown operator '%s'"
								     " (portdpctl operator add)",
							 opt->owner)
					      : err;
	}
	if (opt->confirmation_code) {
		size_t n = strlen(opt->confirmation_code);

		if (!n || n > CC_MAX)
			return inv_fail(inv, -EINVAL, "confirmation code must be 1..%d characters",
					CC_MAX);
		err = check_text(inv, opt->confirmation_code, n, "confirmation code");
		if (err)
			return err;
	}
	return 0;
}

static int insert(struct inventory *inv, const uint8_t *upp, size_t upp_len, const char *iccid,
		  const char *mid, const char *sp, const char *name, int name_len, int pclass,
		  enum inv_reuse reuse, const uint8_t *cc_hash, const struct inv_import *opt,
		  const uint8_t *presealed, int64_t *id)
{
	uint8_t *sealed = NULL;
	sqlite3_stmt *st;
	char msg[200];
	int err;

	err = inv_write_begin(inv);
	if (err)
		return err;
	st = inv_stmt(inv, ST_INSERT_PROFILE);
	if (!st) {
		err = -EIO;
		goto out;
	}
	sqlite3_bind_text(st, 1, iccid, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, mid, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 3, sp, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 4, name, name_len, SQLITE_STATIC);
	sqlite3_bind_int(st, 5, pclass);
	sqlite3_bind_int(st, 6, reuse);
	if (cc_hash)
		sqlite3_bind_blob(st, 7, cc_hash, 32, SQLITE_STATIC);
	sqlite3_bind_text(st, 8, inv->actor, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 9, (sqlite3_int64)upp_len);
	if (opt->owner)
		sqlite3_bind_text(st, 10, opt->owner, -1, SQLITE_STATIC);
	if (opt->profile_type)
		sqlite3_bind_text(st, 11, opt->profile_type, -1, SQLITE_STATIC);
	inv_owe_sync(inv);
	err = inv_step_done(inv, st, "import");
	if (err)
		goto out;
	*id = sqlite3_last_insert_rowid(inv->db);
	st = inv_stmt(inv, ST_INSERT_UPP);
	if (!st) {
		err = -EIO;
		goto out;
	}
	if (!presealed) {
		sealed = malloc(inv_sealed_len(upp_len));
		if (!sealed) {
			err = -ENOMEM;
			goto out;
		}
		err = inv_seal(iccid, upp, upp_len, sealed, msg, sizeof(msg));
		if (err) {
			inv_fail(inv, err, "%s", msg);
			goto out;
		}
	}
	sqlite3_bind_int64(st, 1, *id);
	sqlite3_bind_blob64(st, 2, presealed ? presealed : sealed, inv_sealed_len(upp_len),
			    SQLITE_STATIC);
	err = inv_step_done(inv, st, "import UPP");
out:
	free(sealed);
	return inv_write_end(inv, err);
}

int inv_import(struct inventory *inv, const uint8_t *upp, size_t upp_len,
	       const struct inv_import *opt, struct inv_profile *out)
{
	static const struct inv_import defaults = {.profile_class = -1};
	char mid[INV_MATCHING_ID_MAX];
	struct upp_header hdr;
	const char *name;
	uint8_t cc_hash[32];
	int64_t id = 0;
	int err, name_len, tries;

	if (!inv)
		return -EINVAL;
	if (!opt)
		opt = &defaults;
	if (!upp || !upp_len)
		return inv_fail(inv, -EINVAL, "empty UPP");
	err = check_options(inv, opt);
	if (err)
		return err;
	err = upp_parse(upp, upp_len, &hdr);
	if (err)
		return inv_fail(inv, -EINVAL, "UPP does not parse (%s)",
				err == -EBADMSG ? "malformed SAIP DER" : strerror(-err));
	if (strlen(hdr.iccid) < 10 || hdr.iccid[strspn(hdr.iccid, "0123456789")])
		return inv_fail(inv, -EINVAL, "UPP ProfileHeader has no usable ICCID ('%s')",
				hdr.iccid);
	if (opt->profile_name) {
		name = opt->profile_name;
		name_len = (int)strlen(name);
	} else {
		name = hdr.profile_type ? (const char *)hdr.profile_type : "";
		name_len = hdr.profile_type ? (int)hdr.profile_type_len : 0;
		err =
		    check_text(inv, name, name_len, "profileType of the UPP (use a profile name)");
		if (err)
			return err;
	}
	if (opt->confirmation_code) {
		err = inv_hash_cc(opt->confirmation_code, cc_hash);
		if (err)
			return inv_fail(inv, err, "cannot hash the confirmation code");
	}

	/* A generated matching ID that collides (2^-100) is drawn again; a given one is an error.
	 */
	for (tries = 0; tries < 3; tries++) {
		if (opt->matching_id) {
			snprintf(mid, sizeof(mid), "%s", opt->matching_id);
		} else {
			err = inv_random_matching_id(inv, mid);
			if (err)
				return err;
		}
		err = insert(inv, upp, upp_len, hdr.iccid, mid, opt->sp_name ? opt->sp_name : "",
			     name, name_len, opt->profile_class < 0 ? 2 : opt->profile_class,
			     opt->reuse, opt->confirmation_code ? cc_hash : NULL, opt, NULL, &id);
		if (err != -EEXIST)
			break;
		if (strstr(inv->errmsg, "profile.iccid")) {
			return inv_fail(inv, -EEXIST, "duplicate ICCID %s", hdr.iccid);
		}
		if (opt->matching_id)
			return inv_fail(inv, -EEXIST, "duplicate matching ID %s", mid);
	}
	if (err)
		return err;
	return out ? inv_get_by_id(inv, id, out) : 0;
}

int inv_import_sealed(struct inventory *inv, const char *iccid, const uint8_t *blob,
		      size_t blob_len, const struct inv_import *opt, struct inv_profile *out)
{
	const char *name;
	char mid[INV_MATCHING_ID_MAX];
	size_t upp_len;
	int64_t id = 0;
	int err = 0, tries;

	if (!inv || !opt)
		return -EINVAL;
	if (opt->confirmation_code || opt->matching_id)
		return inv_fail(inv, -EINVAL, "a sealed import takes no confirmation code nor"
					      " matching ID");
	err = check_options(inv, opt);
	if (err)
		return err;
	if (!iccid || strlen(iccid) < 10 || strlen(iccid) > 20 ||
	    iccid[strspn(iccid, "0123456789")])
		return inv_fail(inv, -EINVAL, "no usable ICCID");
	if (!blob || blob_len <= inv_sealed_len(0) ||
	    memcmp(blob, inv_seal_magic, sizeof(inv_seal_magic)))
		return inv_fail(inv, -EINVAL, "the sealed UPP of %s is not in the stored form", iccid);
	upp_len = blob_len - inv_sealed_len(0);
	name = opt->profile_name ? opt->profile_name : "";
	for (tries = 0; tries < 3; tries++) {
		err = inv_random_matching_id(inv, mid);
		if (err)
			return err;
		err = insert(inv, NULL, upp_len, iccid, mid, opt->sp_name ? opt->sp_name : "", name,
			     (int)strlen(name), opt->profile_class < 0 ? 2 : opt->profile_class,
			     opt->reuse, NULL, opt, blob, &id);
		if (err != -EEXIST)
			break;
		if (strstr(inv->errmsg, "profile.iccid"))
			return inv_fail(inv, -EEXIST, "duplicate ICCID %s", iccid);
	}
	if (err)
		return err;
	return out ? inv_get_by_id(inv, id, out) : 0;
}
