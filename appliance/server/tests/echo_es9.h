/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Test double of the ES9+ layer, for the network-layer tests only (the real
 * portdpd links appliance/es9). Function names after the ES9+ prefix:
 *   echo       200, the request body as the response body
 *   slow       like echo after 300 ms (requests in flight during a stop)
 *   failflush  200, but this batch's flush fails (expect 500 on the wire)
 *   empty      204, no body
 *   anything else: 200 {"header":...,"function":"<name>","length":N}
 */
#ifndef PORTDP_ECHO_ES9_H
#define PORTDP_ECHO_ES9_H

#include <stdbool.h>

extern unsigned long echo_es9_handled; /* es9_handle() calls */
extern unsigned long echo_es9_flushes; /* es9_worker_flush() calls that committed something */
extern unsigned long echo_es9_expires; /* es9_service_expire() calls */
extern unsigned long echo_es9_workers; /* live es9_worker objects */
/*
 * Commits: by default like db_sync = full in portdpd (es9_worker_flush_async() hands out
 * the fd of a per-worker temporary file to fdatasync before answering); true: the commit is
 * durable by itself (no fd, answers go out at once).
 */
extern bool echo_es9_sync_commit;

#endif
