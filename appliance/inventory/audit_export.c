// SPDX-License-Identifier: Apache-2.0
/*
 * An audit export: the audit rows with their links and the signed checkpoints, copied into a
 * fresh SQLite file that travels with transfer receipts. It holds no UPP and no key. The
 * same verifier reads it (inv_audit_open_export() gives a read-only handle on it), so an
 * export is checked exactly like the inventory it came from.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include "inv_internal.h"

int inv_audit_export(struct inventory *inv, const char *path)
{
	char *sql;
	int rc;

	if (!inv || !path || !*path)
		return -EINVAL;
	if (!access(path, F_OK))
		return inv_fail(inv, -EEXIST, "%s exists: an export never overwrites", path);
	sql = sqlite3_mprintf("ATTACH %Q AS x", path);
	rc = sql ? sqlite3_exec(inv->db, sql, NULL, NULL, NULL) : SQLITE_NOMEM;
	sqlite3_free(sql);
	if (rc != SQLITE_OK)
		return inv_sql_error(inv, rc, "audit export");
	/* one read snapshot of the three tables, one write transaction on the copy */
	rc = sqlite3_exec(inv->db,
			  "BEGIN;"
			  "CREATE TABLE x.audit AS SELECT * FROM main.audit ORDER BY seq;"
			  "CREATE TABLE x.audit_checkpoint AS"
			  "  SELECT * FROM main.audit_checkpoint ORDER BY id;"
			  "CREATE TABLE x.export(created INTEGER, format TEXT);"
			  "INSERT INTO x.export VALUES (unixepoch(), 'portdp-audit-export-1');"
			  "COMMIT;",
			  NULL, NULL, NULL);
	if (rc != SQLITE_OK) {
		inv_sql_error(inv, rc, "audit export");
		sqlite3_exec(inv->db, "ROLLBACK", NULL, NULL, NULL);
	}
	sqlite3_exec(inv->db, "DETACH x", NULL, NULL, NULL);
	if (rc != SQLITE_OK)
		unlink(path);
	return rc == SQLITE_OK ? 0 : -EIO;
}

int inv_audit_open_export(const char *path, struct inventory **out, char *msg, size_t msg_len)
{
	struct inventory *inv;
	int rc, ok = 0;
	sqlite3_stmt *st;

	inv = calloc(1, sizeof(*inv));
	if (!inv)
		return -ENOMEM;
	inv->wal_fd = -1;
	rc = sqlite3_open_v2(path, &inv->db, SQLITE_OPEN_READONLY, NULL);
	if (rc == SQLITE_OK)
		rc = inv_audit_chain_register(inv->db);
	if (rc == SQLITE_OK)
		rc = sqlite3_prepare_v2(inv->db, "SELECT format FROM export", -1, &st, NULL);
	if (rc == SQLITE_OK) {
		ok = sqlite3_step(st) == SQLITE_ROW && sqlite3_column_text(st, 0) &&
		     !strcmp((const char *)sqlite3_column_text(st, 0), "portdp-audit-export-1");
		sqlite3_finalize(st);
	}
	if (rc != SQLITE_OK || !ok) {
		snprintf(msg, msg_len, "%s: not an audit export (%s)", path,
			 inv->db ? sqlite3_errmsg(inv->db) : "out of memory");
		sqlite3_close(inv->db);
		free(inv);
		return -EINVAL;
	}
	*out = inv;
	return 0;
}
