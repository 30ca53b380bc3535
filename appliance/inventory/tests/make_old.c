// SPDX-License-Identifier: Apache-2.0
/*
 * inv-make-old DB VERSION: an empty inventory with the schema an older
 * portdpd made (user_version VERSION, its own migrations), so the upgrade
 * test (dist/tests/test-installed.sh) can fill it as that program would
 * and let the installed portdpd migrate it. A test rig: it never ships.
 */
#include <stdio.h>
#include <stdlib.h>

#include <sqlite3.h>

#include "inv_internal.h"

int main(int argc, char **argv)
{
	sqlite3 *db;
	int version, rc;

	if (argc != 3 || (version = atoi(argv[2])) < 1) {
		fprintf(stderr, "usage: inv-make-old DB VERSION\n");
		return 2;
	}
	if (sqlite3_open_v2(argv[1], &db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, NULL)) {
		fprintf(stderr, "inv-make-old: %s: %s\n", argv[1], sqlite3_errmsg(db));
		sqlite3_close(db);
		return 1;
	}
	rc = sqlite3_exec(db, "PRAGMA journal_mode = WAL", NULL, NULL, NULL);
	if (rc == SQLITE_OK)
		rc = inv_schema_create_old(db, version);
	if (rc)
		fprintf(stderr, "inv-make-old: schema v%d: %d\n", version, rc);
	sqlite3_close(db);
	return rc ? 1 : 0;
}
