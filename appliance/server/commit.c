// SPDX-License-Identifier: Apache-2.0
/*
 * The group commit and its fsync (on the ring when the disk is slow).
 *
 * A sweep runs every queued request of every ready connection through the
 * ES9+ layer; their answers are parked in a batch (sequence number per
 * worker). With db_sync = full the inventory's COMMIT writes the WAL without
 * syncing (INV_SYNC_DEFERRED) and es9_worker_flush_async() hands out the
 * WAL's fd: the batch's answers wait until an fdatasync of it, started after
 * their commit, has succeeded.
 *
 * Every sweep commits at once (the write lock, which the workers share, is
 * then never held while a disk works), and at most one fsync per worker is in
 * flight: the batches committed meanwhile wait for the next one, submitted
 * when it completes, which covers them all. So a group of batches grows with
 * the disk's latency, and a completion releases, oldest first, exactly the
 * batches committed before it was submitted: batches are released strictly
 * in sequence, without relying on the order in which fsyncs of one file
 * complete.
 *
 * Where the fsync runs is chosen by its recent latency (EWMA): a slow one
 * (above FSYNC_RING_ABOVE_US) goes to the ring and the worker keeps working;
 * a fast one is done right here, as a plain fdatasync() after the COMMIT,
 * because handing it to the ring (an io-wq thread, two more wakeups) then
 * costs more than the wait (measured on 2 busy cores: 20% fewer bindings/min
 * with 0.2-2 ms fsyncs, 7% more with 5 ms ones; see docs/benchmarks.md).
 * Either way nothing reaches an LPA before it is durable, and the fsync runs
 * outside the write lock (which is where the big gain over the old in-COMMIT
 * fsync comes from: 1.7x with 5 ms fsyncs and 2 workers).
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
 * ES9+ request (no longer handled) are answered with an SGP.22 execution error
 * (es9_answer_unstored(): HTTP 200, not a bare 500) until portdpd is restarted;
 * restart recovery then works from what really is on disk.
 */
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "log.h"
#include "server_int.h"
#include "../es9/es2plus.h"
#include "../es9/transfer_serve.h"

/* fsync latency (EWMA) above which it goes to the ring, and below which it comes back. */
#define FSYNC_RING_ABOVE_US 4000
#define FSYNC_INLINE_BELOW_US 2000

struct server_test_hooks server_test_hooks;

static bool durability_lost(struct worker *w)
{
	return __atomic_load_n(&w->srv->durability_lost, __ATOMIC_ACQUIRE);
}

static void lose_durability(struct worker *w, uint64_t seq, int res)
{
	STAT_ADD(w, flush_failures, 1);
	if (!__atomic_exchange_n(&w->srv->durability_lost, true, __ATOMIC_ACQ_REL))
		srv_err(
		    "worker %u: fsync of the inventory WAL failed (batch %llu): %s; its commits "
		    "may not be on disk, so every ES9+ request is answered with an execution error "
		    "from now on: "
		    "restart portdpd",
		    w->index, (unsigned long long)seq, strerror(-res));
}

/* What an LPA is told when its request's changes are not (known to be) on disk. */
#define WHY_COMMIT_FAILED "Inventory could not store the change (disk full or I/O error)"
#define WHY_DURABILITY_LOST "Inventory durability lost (fsync failed); portdpd needs a restart"

/*
 * Nothing of @c's work may report success: the state it describes is not (known to be)
 * durable. Each ES9+ request gets an SGP.22 execution error instead (es9_answer_unstored()).
 */
static void fail_work(struct conn *c, const char *why)
{
	struct http_item *it;

	for (it = c->work; it; it = it->next)
		if (it->kind == HTTP_ITEM_ES9)
			es9_answer_unstored(&it->resp, why);
}

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + ts.tv_nsec;
}

/* Feeds one fsync's latency into the average that picks where the next one runs. */
static void fsync_took(struct worker *w, uint64_t ns)
{
	unsigned us = ns / 1000 > 10000000 ? 10000000 : (unsigned)(ns / 1000);

	w->fsync_avg_us = w->fsync_avg_us - w->fsync_avg_us / 16 + us / 16;
	if (w->fsync_on_ring ? w->fsync_avg_us < FSYNC_INLINE_BELOW_US
			     : w->fsync_avg_us > FSYNC_RING_ABOVE_US) {
		w->fsync_on_ring = !w->fsync_on_ring;
		srv_debug("worker %u: WAL fsyncs take %u us on average: %s", w->index,
			  w->fsync_avg_us,
			  w->fsync_on_ring ? "on the ring from now on" : "in the worker again");
	}
}

/* One fdatasync of the WAL on the ring for every batch parked so far. */
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
	w->fsync_started_ns = now_ns();
}

/* Parks the answers of every connection of @list that has some; false when out of memory. */
static bool batch_park(struct worker *w, struct conn *list)
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
	return true;
}

/* Sends the answers of the parked batches up to @upto, oldest first. */
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
				fail_work(c, WHY_DURABILITY_LOST);
			for (struct http_item *it = c->work; it; it = it->next)
				if (it->kind == HTTP_ITEM_ES9)
					xfer_answer_released(it->path); /* test hook */
			conn_answer_work(c);
			/* Sends the answers and takes the requests that waited in its stream. */
			conn_mark_ready(c);
			conn_put(c);
		}
		srv_debug("worker %u: batch %llu released (%s)", w->index,
			  (unsigned long long)b->seq, failed ? "execution errors" : "durable");
		free(b);
	}
}

static void sync_inline(struct worker *w)
{
	uint64_t t0 = now_ns();
	int res = fdatasync(w->fsync_fd) ? -errno : 0;

	fsync_took(w, now_ns() - t0);
	if (res < 0)
		lose_durability(w, w->next_seq, res);
	batch_release(w, w->next_seq, durability_lost(w));
}

/* No fsync is in flight: make every parked batch durable, here or on the ring. */
static void sync_parked(struct worker *w)
{
	bool hooked = server_test_hooks.fsync_delay_ms || server_test_hooks.fsync_result;

	if (w->fsync_on_ring || hooked)
		submit_fsync(w);
	else
		sync_inline(w);
}

void batch_on_fsync(struct worker *w, int res)
{
	fsync_took(w, now_ns() - w->fsync_started_ns);
	if (server_test_hooks.fsync_result)
		res = server_test_hooks.fsync_result(w->index, w->fsync_covers, res);
	w->fsync_busy = false;
	if (res < 0)
		lose_durability(w, w->fsync_covers, res);
	batch_release(w, w->fsync_covers, durability_lost(w));
	/* The batches committed while it was in flight. */
	if (w->parked_head)
		sync_parked(w);
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

/*
 * Handles every request of this sweep and commits them as one group. Answers
 * go out at once when nothing was handled, the commit failed (execution errors) or it was
 * durable by itself or owed no fsync (allocations and releases only: see inv_durable_fd());
 * else once an fsync started after the commit has completed.
 */
void worker_process_ready(struct worker *w)
{
	struct conn *c, *next, *list = w->ready;
	bool lost = durability_lost(w);
	struct http_item *it;
	unsigned handled = 0;
	int rc, fd = -1;

	w->ready = NULL;
	for (c = list; c; c = c->ready_next) {
		if (c->closing || c->parked_in)
			continue;
		c->work = http_stream_take(&c->hs);
		for (it = c->work; it; it = it->next) {
			if (it->kind != HTTP_ITEM_ES9)
				continue;
			if (lost) {
				es9_answer_unstored(&it->resp, WHY_DURABILITY_LOST);
				continue;
			}
			if (c->es2 &&
			    !strncmp(it->path, XFER_PATH_PREFIX, strlen(XFER_PATH_PREFIX)))
				xfer_handle(w->es9, conn_peer(c), c->unit_der, c->unit_len,
					    it->path, it->body, it->body_len, &it->resp);
			else if (c->es2)
				es2_handle(w->es9, conn_peer(c), c->op_subject, it->path, it->body,
					   it->body_len, &it->resp);
			else
				es9_handle(w->es9, conn_peer(c), it->path, it->body, it->body_len,
					   &it->resp);
			handled++;
		}
	}
	if (handled) {
		rc = es9_worker_flush_async(w->es9, &fd);
		STAT_ADD(w, flushes, 1);
		srv_debug("worker %u: group commit of %u request(s): %d%s", w->index, handled, rc,
			  fd >= 0 ? ", fsync owed" : "");
		if (rc) {
			/* Rolled back: nothing of this sweep happened. */
			STAT_ADD(w, flush_failures, 1);
			srv_err("group commit of %u request(s) failed: %s; answering each with an "
				"execution error",
				handled, strerror(-rc));
			for (c = list; c; c = c->ready_next)
				fail_work(c, WHY_COMMIT_FAILED);
		} else if (fd >= 0) {
			w->fsync_fd = fd;
			if (!batch_park(w, list)) {
				/* No memory for a batch: wait for the disk here. */
				if (fdatasync(fd))
					lose_durability(w, w->next_seq, -errno);
				if (durability_lost(w))
					for (c = list; c; c = c->ready_next)
						fail_work(c, WHY_DURABILITY_LOST);
			} else if (!w->fsync_busy) {
				sync_parked(w);
			}
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
