// SPDX-License-Identifier: Apache-2.0
/*
 * The group commit of one completion sweep, made durable on the ring.
 *
 * A sweep runs every queued request of every ready connection through the
 * ES9+ layer and commits once (es9_worker_flush_async). When that commit owes
 * an fsync (db_sync = full: the inventory's COMMIT writes the WAL without
 * syncing), the sweep becomes a parked batch: its answers wait on their
 * connections while IORING_OP_FSYNC (DATASYNC) of the WAL runs, and the worker
 * goes on with the next sweeps, each with its own commit. A worker has at most
 * one fsync in flight; when it completes, it releases, oldest first, exactly
 * the batches committed before it was submitted, and one new fsync covers all
 * batches parked meanwhile. So batches are released strictly in sequence
 * (without relying on the order in which fsyncs of one file complete), and
 * nothing reaches an LPA before it is durable.
 *
 * A connection belongs to at most one parked batch; its later requests stay in
 * its HTTP stream (and the kernel's socket buffer) until that batch is
 * released. That keeps its answers in request order and bounds what a
 * pipelining client can queue.
 *
 * A failed fsync: the batch is committed (other workers may already have read
 * it) but maybe not on disk. Linux reports a writeback error once per open
 * file, so a later fsync may "succeed" over pages that never reached the disk,
 * and SQLite's recovery stops at the first bad WAL frame: later commits are no
 * safer. So the server latches: that batch, every parked one and every later
 * ES9+ request (no longer handled) are answered 500 until portdpd is restarted;
 * restart recovery then works from what really is on disk.
 */
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "log.h"
#include "server_int.h"

struct server_test_hooks server_test_hooks;

static bool durability_lost(struct worker *w)
{
	return __atomic_load_n(&w->srv->durability_lost, __ATOMIC_ACQUIRE);
}

static void lose_durability(struct worker *w, uint64_t seq, int res)
{
	STAT_ADD(w, flush_failures, 1);
	if (!__atomic_exchange_n(&w->srv->durability_lost, true, __ATOMIC_ACQ_REL))
		srv_err("worker %u: fsync of the inventory WAL failed (batch %llu): %s; its commits "
			"may not be on disk, so every ES9+ request is answered 500 from now on: "
			"restart portdpd",
			w->index, (unsigned long long)seq, strerror(-res));
}

/* Nothing of @c's work may report success: the state it describes is not (known to be) durable. */
static void fail_work(struct conn *c)
{
	struct http_item *it;

	for (it = c->work; it; it = it->next)
		if (it->kind == HTTP_ITEM_ES9) {
			free(it->resp.body);
			it->resp = (struct es9_response){.http_status = 500};
		}
}

/* One fdatasync of the WAL for every batch parked so far that no fsync in flight covers. */
static void submit_fsync(struct worker *w)
{
	unsigned delay = server_test_hooks.fsync_delay_ms
			     ? server_test_hooks.fsync_delay_ms(w->index, w->next_seq)
			     : 0;
	struct io_uring_sqe *sqe;

	if (delay) {
		/* Keep the pair in one submission: a link does not span two. */
		if (io_uring_sq_space_left(&w->ring) < 2)
			io_uring_submit(&w->ring);
		w->fsync_delay.tv_sec = delay / 1000;
		w->fsync_delay.tv_nsec = (long)(delay % 1000) * 1000000;
		sqe = worker_sqe(w);
		io_uring_prep_timeout(sqe, &w->fsync_delay, 0, 0);
		/* A hard link: the timeout's -ETIME must not cancel the fsync. */
		sqe->flags |= IOSQE_IO_HARDLINK;
		io_uring_sqe_set_data(sqe, NULL);
	}
	sqe = worker_sqe(w);
	io_uring_prep_fsync(sqe, w->fsync_fd, IORING_FSYNC_DATASYNC);
	io_uring_sqe_set_data(sqe, &w->fsync_op);
	w->fsync_busy = true;
	w->fsync_covers = w->next_seq;
}

/* Parks the answers of every connection of @list that has some; false when out of memory. */
static bool batch_park(struct worker *w, struct conn *list, int fd)
{
	struct batch *b = calloc(1, sizeof(*b));
	struct conn *c;

	if (!b)
		return false;
	b->seq = ++w->next_seq;
	for (c = list; c; c = c->ready_next) {
		if (!c->work)
			continue;
		c->parked = c->work;
		c->work = NULL;
		c->parked_in = b;
		c->parked_next = b->conns;
		b->conns = c;
	}
	if (w->parked_tail)
		w->parked_tail->next = b;
	else
		w->parked_head = b;
	w->parked_tail = b;
	w->fsync_fd = fd;
	/*
	 * An fsync already in flight may have started before this commit: the batch waits
	 * for the next one, which then covers every batch parked meanwhile (fewer, larger
	 * fsyncs than one per sweep: measured cheaper and faster under load).
	 */
	if (!w->fsync_busy)
		submit_fsync(w);
	return true;
}

/* Sends the answers of the batches the completed fsync covered, oldest first. */
static void batch_release(struct worker *w, uint64_t upto, bool failed)
{
	struct batch *b;
	struct conn *c, *next;

	while ((b = w->parked_head) && b->seq <= upto) {
		w->parked_head = b->next;
		if (!w->parked_head)
			w->parked_tail = NULL;
		for (c = b->conns; c; c = next) {
			next = c->parked_next;
			c->parked_in = NULL;
			c->parked_next = NULL;
			c->work = c->parked;
			c->parked = NULL;
			if (failed)
				fail_work(c);
			conn_answer_work(c);
			/* Sends the answers and takes the requests that waited in its stream. */
			conn_mark_ready(c);
			conn_put(c);
		}
		srv_debug("worker %u: batch %llu released (%s)", w->index,
			  (unsigned long long)b->seq, failed ? "500" : "durable");
		free(b);
	}
}

void batch_on_fsync(struct worker *w, int res)
{
	if (server_test_hooks.fsync_result)
		res = server_test_hooks.fsync_result(w->index, w->fsync_covers, res);
	w->fsync_busy = false;
	if (res < 0)
		lose_durability(w, w->fsync_covers, res);
	batch_release(w, w->fsync_covers, durability_lost(w));
	if (w->parked_head)
		submit_fsync(w);
}

void batch_drop_all(struct worker *w)
{
	struct batch *b;
	struct conn *c;

	while ((b = w->parked_head)) {
		w->parked_head = b->next;
		for (c = b->conns; c; c = c->parked_next)
			c->parked_in = NULL;
		free(b);
	}
	w->parked_tail = NULL;
	w->fsync_busy = false;
}

/* Commits what one request changed; on failure (rolled back) that request is answered 500. */
static void commit_one(struct worker *w, struct http_item *it, int *fd)
{
	int rc, rfd;

	rc = es9_worker_flush_async(w->es9, &rfd);
	if (rc) {
		STAT_ADD(w, flush_failures, 1);
		srv_err("commit of %s failed: %s; answering 500", it->path, strerror(-rc));
		free(it->resp.body);
		it->resp = (struct es9_response){.http_status = 500};
	} else if (rfd >= 0) {
		*fd = rfd;
	}
}

/*
 * Handles every request of this sweep and answers them: at once when their
 * commits are already durable (or failed: 500), else after the fsync of their
 * parked batch. Each request commits by itself right after it ran: with
 * deferred durability a COMMIT is cheap, and the inventory's write lock, which
 * the workers share, is then held for one request's SQL only, never across the
 * crypto of the requests after it. The fsync is what is grouped.
 */
void worker_process_ready(struct worker *w)
{
	struct conn *c, *next, *list = w->ready;
	bool lost = durability_lost(w);
	struct http_item *it;
	unsigned handled = 0;
	int fd = -1;

	w->ready = NULL;
	for (c = list; c; c = c->ready_next) {
		if (c->closing || c->parked_in)
			continue;
		c->work = http_stream_take(&c->hs);
		for (it = c->work; it; it = it->next) {
			if (it->kind != HTTP_ITEM_ES9)
				continue;
			if (lost) {
				it->resp = (struct es9_response){.http_status = 500};
				continue;
			}
			es9_handle(w->es9, it->path, it->body, it->body_len, &it->resp);
			commit_one(w, it, &fd);
			handled++;
		}
	}
	if (handled) {
		STAT_ADD(w, flushes, 1);
		srv_debug("worker %u: %u request(s) committed%s", w->index, handled,
			  fd >= 0 ? ", fsync queued" : "");
	}
	if (fd >= 0 && !batch_park(w, list, fd)) {
		/* No memory for a batch: wait for the disk here instead. */
		if (fdatasync(fd)) {
			lose_durability(w, w->next_seq, -errno);
			for (c = list; c; c = c->ready_next)
				fail_work(c);
		}
	}
	for (c = list; c; c = next) {
		next = c->ready_next;
		conn_answer_work(c);
		conn_service(c);
		c->in_ready = false;
		conn_put(c);
	}
}
