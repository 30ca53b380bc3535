// SPDX-License-Identifier: Apache-2.0
/*
 * The audit log as a hash chain (schema v6). Each audit row gets, from a trigger in the
 * statement that wrote it, its link in audit.hash: SHA-256(previous link || canonical encoding
 * of the row), the first row's previous link being 32 zero bytes. A change to any byte of a
 * row, a row removed or two rows swapped breaks the link of that row (or of the next one);
 * rows cut off the end, or a chain recomputed by whoever can write the file, are caught by the
 * checkpoints: the head of the chain signed by the unit's key (card slot or key file), kept
 * in audit_checkpoint and compared by inv_audit_verify().
 *
 * The link is computed by an SQL function registered on every connection (portdp_audit_link),
 * so the chain cannot be skipped by any writer of this library; a plain sqlite3 shell cannot
 * write an audit row at all (no such function), which is what we want.
 */
#include <errno.h>
#include <inttypes.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <openssl/evp.h>
#include "inv_internal.h"

/* Domain of the row encoding; bump with any change to it. */
static const char row_domain[] = "portdp-audit-row-1";
static EVP_MD *sha256_md;

static void put_u64(EVP_MD_CTX *c, uint64_t v)
{
	uint8_t b[8];
	int i;

	for (i = 7; i >= 0; i--, v >>= 8)
		b[i] = (uint8_t)v;
	EVP_DigestUpdate(c, b, 8);
}

/* One value, typed and length-prefixed: no two rows encode alike. */
static void put_value(EVP_MD_CTX *c, sqlite3_value *v)
{
	uint8_t tag;

	switch (sqlite3_value_type(v)) {
	case SQLITE_NULL:
		tag = 'n';
		EVP_DigestUpdate(c, &tag, 1);
		break;
	case SQLITE_INTEGER:
		tag = 'i';
		EVP_DigestUpdate(c, &tag, 1);
		put_u64(c, (uint64_t)sqlite3_value_int64(v));
		break;
	default: {
		const unsigned char *t = sqlite3_value_text(v);
		int n = sqlite3_value_bytes(v);

		tag = 't';
		EVP_DigestUpdate(c, &tag, 1);
		put_u64(c, (uint64_t)n);
		if (n > 0)
			EVP_DigestUpdate(c, t, (size_t)n);
		break;
	}
	}
}

/*
 * portdp_audit_link(prev, seq, time, profile_id, iccid, from_state, to_state, eid, actor,
 * detail): the link of one row. @prev NULL (the first row) is taken as 32 zero bytes.
 */
static void link_fn(sqlite3_context *ctx, int argc, sqlite3_value **argv)
{
	static const uint8_t zero[32];
	/* one digest context per connection (a connection is used by one thread at a time) */
	EVP_MD_CTX *c = sqlite3_user_data(ctx);
	uint8_t out[32];
	unsigned len = 0;
	int i;

	if (!EVP_DigestInit_ex(c, sha256_md, NULL)) {
		sqlite3_result_error(ctx, "audit chain: SHA-256 failed", -1);
		return;
	}
	if (sqlite3_value_type(argv[0]) == SQLITE_NULL) {
		EVP_DigestUpdate(c, zero, 32);
	} else if (sqlite3_value_type(argv[0]) == SQLITE_BLOB && sqlite3_value_bytes(argv[0]) == 32) {
		EVP_DigestUpdate(c, sqlite3_value_blob(argv[0]), 32);
	} else {
		sqlite3_result_error(ctx, "audit chain: previous link is not 32 bytes", -1);
		return;
	}
	EVP_DigestUpdate(c, row_domain, sizeof(row_domain));
	for (i = 1; i < argc; i++)
		put_value(c, argv[i]);
	if (!EVP_DigestFinal_ex(c, out, &len) || len != 32) {
		sqlite3_result_error(ctx, "audit chain: SHA-256 failed", -1);
		return;
	}
	sqlite3_result_blob(ctx, out, 32, SQLITE_TRANSIENT);
}

static void ctx_free(void *p)
{
	EVP_MD_CTX_free(p);
}

/* Fetched once: an implicit fetch by EVP_sha256() on every row costs more than the hash. */
static void fetch_sha256(void)
{
	sha256_md = EVP_MD_fetch(NULL, "SHA256", NULL);
}

int inv_audit_chain_register(sqlite3 *db)
{
	static pthread_once_t once = PTHREAD_ONCE_INIT;
	EVP_MD_CTX *c;

	pthread_once(&once, fetch_sha256);
	c = sha256_md ? EVP_MD_CTX_new() : NULL;
	if (!c)
		return SQLITE_NOMEM;
	return sqlite3_create_function_v2(db, "portdp_audit_link", 10,
					  SQLITE_UTF8 | SQLITE_DETERMINISTIC | SQLITE_INNOCUOUS, c,
					  link_fn, NULL, NULL, ctx_free);
}

/* ---- checkpoints -------------------------------------------------------------------- */

static void be64(uint8_t *b, uint64_t v)
{
	int i;

	for (i = 7; i >= 0; i--, v >>= 8)
		b[i] = (uint8_t)v;
}

void inv_checkpoint_message(const struct inv_checkpoint *c, uint8_t msg[INV_CHECKPOINT_MSG_LEN])
{
	static const char domain[16] = "portdp-ckpt-1";

	memcpy(msg, domain, 16);
	be64(msg + 16, (uint64_t)c->head_seq);
	be64(msg + 24, (uint64_t)c->time);
	memcpy(msg + 32, c->head, 32);
}

int inv_audit_head(struct inventory *inv, int64_t *seq, uint8_t head[32])
{
	sqlite3_stmt *st;
	int rc;

	if (!inv || !seq || !head)
		return -EINVAL;
	rc = sqlite3_prepare_v2(inv->db, "SELECT seq, hash FROM audit ORDER BY seq DESC LIMIT 1",
				-1, &st, NULL);
	if (rc != SQLITE_OK)
		return inv_sql_error(inv, rc, "audit head");
	rc = sqlite3_step(st);
	*seq = 0;
	memset(head, 0, 32);
	if (rc == SQLITE_ROW) {
		*seq = sqlite3_column_int64(st, 0);
		if (sqlite3_column_bytes(st, 1) == 32)
			memcpy(head, sqlite3_column_blob(st, 1), 32);
		rc = SQLITE_DONE;
	}
	sqlite3_finalize(st);
	return rc == SQLITE_DONE ? 0 : inv_sql_error(inv, rc, "audit head");
}

int inv_checkpoint_add(struct inventory *inv, struct inv_checkpoint *c)
{
	sqlite3_stmt *st;
	int rc, err;

	if (!inv || !c || c->head_seq < 0)
		return -EINVAL;
	rc = sqlite3_prepare_v2(inv->db,
				"INSERT INTO audit_checkpoint(head_seq, time, head, signer_pub, sig, reason)"
				" VALUES (?, ?, ?, ?, ?, ?)",
				-1, &st, NULL);
	if (rc != SQLITE_OK)
		return inv_sql_error(inv, rc, "add checkpoint");
	sqlite3_bind_int64(st, 1, c->head_seq);
	sqlite3_bind_int64(st, 2, c->time);
	sqlite3_bind_blob(st, 3, c->head, 32, SQLITE_STATIC);
	sqlite3_bind_blob(st, 4, c->signer_pub, sizeof(c->signer_pub), SQLITE_STATIC);
	sqlite3_bind_blob(st, 5, c->sig, sizeof(c->sig), SQLITE_STATIC);
	sqlite3_bind_text(st, 6, c->reason, -1, SQLITE_STATIC);
	err = inv_step_done(inv, st, "add checkpoint");
	sqlite3_finalize(st);
	if (!err) {
		c->id = sqlite3_last_insert_rowid(inv->db);
		inv_owe_sync(inv);
	}
	return err;
}

int inv_checkpoint_sign(struct inventory *inv,
			int (*sign)(const uint8_t *msg, size_t len, uint8_t sig[64], void *arg),
			void *arg, const uint8_t pub[65], const char *reason, int64_t now,
			struct inv_checkpoint *out)
{
	uint8_t msg[INV_CHECKPOINT_MSG_LEN];
	struct inv_checkpoint c = {0};
	int own, rc, err;

	if (!inv || !sign || !pub || !reason)
		return -EINVAL;
	/*
	 * The head read and the checkpoint written in one write transaction: read first in a
	 * deferred one, a commit by another connection in between would make the write fail
	 * (SQLITE_BUSY_SNAPSHOT) or sign a head that is no longer the head.
	 */
	own = sqlite3_get_autocommit(inv->db);
	if (own) {
		rc = sqlite3_exec(inv->db, "BEGIN IMMEDIATE", NULL, NULL, NULL);
		if (rc != SQLITE_OK)
			return inv_sql_error(inv, rc, "begin checkpoint");
	}
	err = inv_audit_head(inv, &c.head_seq, c.head);
	c.time = now;
	memcpy(c.signer_pub, pub, sizeof(c.signer_pub));
	snprintf(c.reason, sizeof(c.reason), "%s", reason);
	inv_checkpoint_message(&c, msg);
	if (!err && sign(msg, sizeof(msg), c.sig, arg))
		err = inv_fail(inv, -EIO, "signing the audit checkpoint failed");
	if (!err)
		err = inv_checkpoint_add(inv, &c);
	if (own) {
		rc = sqlite3_exec(inv->db, err ? "ROLLBACK" : "COMMIT", NULL, NULL, NULL);
		if (!err && rc != SQLITE_OK) {
			err = inv_sql_error(inv, rc, "commit checkpoint");
			sqlite3_exec(inv->db, "ROLLBACK", NULL, NULL, NULL);
		}
	}
	if (!err && out)
		*out = c;
	return err;
}

static void row_checkpoint(sqlite3_stmt *st, struct inv_checkpoint *c)
{
	const char *r;

	memset(c, 0, sizeof(*c));
	c->id = sqlite3_column_int64(st, 0);
	c->head_seq = sqlite3_column_int64(st, 1);
	c->time = sqlite3_column_int64(st, 2);
	if (sqlite3_column_bytes(st, 3) == 32)
		memcpy(c->head, sqlite3_column_blob(st, 3), 32);
	if (sqlite3_column_bytes(st, 4) == (int)sizeof(c->signer_pub))
		memcpy(c->signer_pub, sqlite3_column_blob(st, 4), sizeof(c->signer_pub));
	if (sqlite3_column_bytes(st, 5) == (int)sizeof(c->sig))
		memcpy(c->sig, sqlite3_column_blob(st, 5), sizeof(c->sig));
	r = (const char *)sqlite3_column_text(st, 6);
	snprintf(c->reason, sizeof(c->reason), "%s", r ? r : "");
}

int inv_checkpoint_list(struct inventory *inv, int (*cb)(const struct inv_checkpoint *, void *),
			void *arg)
{
	struct inv_checkpoint c;
	sqlite3_stmt *st;
	int rc;

	if (!inv || !cb)
		return -EINVAL;
	rc = sqlite3_prepare_v2(inv->db,
				"SELECT id, head_seq, time, head, signer_pub, sig, reason"
				" FROM audit_checkpoint ORDER BY id",
				-1, &st, NULL);
	if (rc != SQLITE_OK)
		return inv_sql_error(inv, rc, "checkpoints");
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		row_checkpoint(st, &c);
		if (cb(&c, arg)) {
			rc = SQLITE_DONE;
			break;
		}
	}
	sqlite3_finalize(st);
	return rc == SQLITE_DONE ? 0 : inv_sql_error(inv, rc, "checkpoints");
}

/* ---- verification ------------------------------------------------------------------- */

struct ckpts {
	struct inv_checkpoint *v;
	size_t n, cap;
};

static int collect(const struct inv_checkpoint *c, void *arg)
{
	struct ckpts *k = arg;

	if (k->n == k->cap) {
		size_t cap = k->cap ? 2 * k->cap : 16;
		struct inv_checkpoint *v = realloc(k->v, cap * sizeof(*v));

		if (!v)
			return -1;
		k->v = v;
		k->cap = cap;
	}
	k->v[k->n++] = *c;
	return 0;
}

static int fault(struct inv_audit_fault *f, int64_t seq, int64_t ckpt, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
static int fault(struct inv_audit_fault *f, int64_t seq, int64_t ckpt, const char *fmt, ...)
{
	va_list ap;

	f->seq = seq;
	f->checkpoint = ckpt;
	va_start(ap, fmt);
	vsnprintf(f->what, sizeof(f->what), fmt, ap);
	va_end(ap);
	return 1;
}

/*
 * Recompute the link of one row with the function the trigger uses, so the verifier and the
 * writer cannot disagree about the encoding.
 */
static const char walk_sql[] =
    "SELECT a.seq, a.hash, a.hash, portdp_audit_link(?1, a.seq, a.time, a.profile_id, a.iccid,"
    " a.from_state, a.to_state, a.eid, a.actor, a.detail)"
    " FROM audit a WHERE a.seq = ?2";

int inv_audit_verify(struct inventory *inv,
		     int (*check_sig)(const struct inv_checkpoint *c, void *arg), void *arg,
		     struct inv_audit_fault *f, int64_t *rows, unsigned *checkpoints)
{
	struct ckpts k = {0};
	sqlite3_stmt *walk = NULL, *seqs = NULL;
	uint8_t prev[32];
	int have_prev = 0, rc, err = 0, bad = 0;
	int64_t expect = 1, seq, n = 0, last_chain = 0;
	size_t ci;

	if (!inv || !f)
		return -EINVAL;
	memset(f, 0, sizeof(*f));
	/* A read transaction: the rows, links and checkpoints seen are one snapshot. */
	rc = sqlite3_exec(inv->db, "BEGIN", NULL, NULL, NULL);
	if (rc != SQLITE_OK)
		return inv_sql_error(inv, rc, "begin audit verify");
	if (inv_checkpoint_list(inv, collect, &k)) {
		err = -EIO;
		goto out;
	}
	rc = sqlite3_prepare_v2(inv->db, walk_sql, -1, &walk, NULL);
	if (rc == SQLITE_OK)
		rc = sqlite3_prepare_v2(inv->db, "SELECT seq FROM audit ORDER BY seq", -1, &seqs,
					NULL);
	if (rc != SQLITE_OK) {
		err = inv_sql_error(inv, rc, "audit verify");
		goto out;
	}
	for (ci = 0; ci < k.n; ci++) {
		if (check_sig && check_sig(&k.v[ci], arg)) {
			bad = fault(f, k.v[ci].head_seq, k.v[ci].id,
				    "checkpoint %" PRId64 " (head at row %" PRId64
				    "): not signed by the unit's key",
				    k.v[ci].id, k.v[ci].head_seq);
			goto out;
		}
	}
	while (!bad && (rc = sqlite3_step(seqs)) == SQLITE_ROW) {
		seq = sqlite3_column_int64(seqs, 0);
		if (seq != expect) {
			bad = fault(f, expect, 0,
				    "row %" PRId64 " is missing (the next row is %" PRId64 ")",
				    expect, seq);
			break;
		}
		sqlite3_reset(walk);
		if (have_prev)
			sqlite3_bind_blob(walk, 1, prev, 32, SQLITE_STATIC);
		else
			sqlite3_bind_null(walk, 1);
		sqlite3_bind_int64(walk, 2, seq);
		rc = sqlite3_step(walk);
		if (rc != SQLITE_ROW) {
			err = inv_sql_error(inv, rc, "audit verify");
			goto out;
		}
		if (sqlite3_column_type(walk, 1) == SQLITE_NULL) {
			bad = fault(f, seq, 0, "row %" PRId64 " has no link in the chain", seq);
			break;
		}
		if (sqlite3_column_bytes(walk, 2) != 32 ||
		    memcmp(sqlite3_column_blob(walk, 2), sqlite3_column_blob(walk, 3), 32)) {
			bad = fault(f, seq, 0,
				    "row %" PRId64 " does not fit the chain (it was changed, moved, or"
				    " a row before it was removed)",
				    seq);
			break;
		}
		memcpy(prev, sqlite3_column_blob(walk, 2), 32);
		have_prev = 1;
		last_chain = seq;
		n++;
		expect = seq + 1;
		/* every checkpoint at this row must name this very link */
		for (ci = 0; ci < k.n; ci++)
			if (k.v[ci].head_seq == seq && memcmp(k.v[ci].head, prev, 32)) {
				bad = fault(f, seq, k.v[ci].id,
					    "row %" PRId64 " does not fit checkpoint %" PRId64
					    " (the chain up to it was rewritten)",
					    seq, k.v[ci].id);
				break;
			}
	}
	if (!bad && rc != SQLITE_DONE && rc != SQLITE_ROW) {
		err = inv_sql_error(inv, rc, "audit verify");
		goto out;
	}
	for (ci = 0; !bad && ci < k.n; ci++) {
		if (k.v[ci].head_seq > last_chain)
			bad = fault(f, last_chain + 1, k.v[ci].id,
				    "row %" PRId64 " is missing: checkpoint %" PRId64
				    " covers rows up to %" PRId64 ", the log ends at %" PRId64,
				    last_chain + 1, k.v[ci].id, k.v[ci].head_seq, last_chain);
		else if (k.v[ci].head_seq == 0 && memcmp(k.v[ci].head, (uint8_t[32]){0}, 32))
			bad = fault(f, 0, k.v[ci].id, "checkpoint %" PRId64 " names no row",
				    k.v[ci].id);
	}
out:
	if (rows)
		*rows = n;
	if (checkpoints)
		*checkpoints = (unsigned)k.n;
	sqlite3_finalize(walk);
	sqlite3_finalize(seqs);
	sqlite3_exec(inv->db, "COMMIT", NULL, NULL, NULL);
	free(k.v);
	if (err)
		return err;
	return bad ? -EBADMSG : 0;
}
