// SPDX-License-Identifier: Apache-2.0
/*
 * Schema v7: the eUICC notifications (enable, disable) taken for operators' profiles, so that
 * a notification the LPA sends again (its 204 lost, a copy of the eUICC's memory) is reported
 * to the operator once. A delete needs no record: it changes the profile, and a replay finds
 * nothing left to change. Its own file: one self-contained migration, schema.c only lists it.
 *  - key (eid, seq): an eUICC numbers its notifications itself (seqNumber, SGP.22
 *    NotificationMetadata), one counter for all its profiles;
 *  - written in the transaction of the report it causes; never changed.
 */
#include "inv_internal.h"

/* clang-format off */
const char inv_schema_v7_notifications[] =
	"CREATE TABLE euicc_notification ("
	"  eid        TEXT NOT NULL CHECK (length(eid) = 32 AND eid NOT GLOB '*[^0-9A-F]*'),"
	"  seq        INTEGER NOT NULL CHECK (seq >= 0),"
	"  profile_id INTEGER NOT NULL REFERENCES profile(id),"
	"  event      INTEGER NOT NULL CHECK (event BETWEEN 0 AND 3),"
	"  time       INTEGER NOT NULL DEFAULT (unixepoch()),"
	"  PRIMARY KEY (eid, seq)"
	") WITHOUT ROWID;"
	"CREATE TRIGGER euicc_notification_fixed BEFORE UPDATE ON euicc_notification"
	"  BEGIN SELECT RAISE(ABORT, 'a recorded notification is immutable'); END;";
/* clang-format on */
