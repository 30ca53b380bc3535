// SPDX-License-Identifier: Apache-2.0
/*
 * One worker thread: its own io_uring, its own SO_REUSEPORT listener, its own
 * es9_worker. Each loop iteration is one completion sweep: dispatch all
 * CQEs, then run the batch (worker_process_ready), then submit.
 */
#include <stdio.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "log.h"
#include "server_int.h"

/*
 * Evicted connections give their fd back at once but keep their memory until
 * their last CQE (one ring round trip); past this many closing connections, a
 * full worker refuses instead of evicting more (a bound on that memory).
 */
#define EVICT_PENDING_MAX 1024

uint64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

struct io_uring_sqe *worker_sqe(struct worker *w)
{
	struct io_uring_sqe *sqe = io_uring_get_sqe(&w->ring);

	while (!sqe) {
		/* SQ full: hand what we have to the kernel and retry. */
		io_uring_submit(&w->ring);
		sqe = io_uring_get_sqe(&w->ring);
	}
	return sqe;
}

static void arm_accept(struct worker *w, bool es2)
{
	struct io_uring_sqe *sqe = worker_sqe(w);
	int fd = es2 ? w->listen_fd_es2 : w->listen_fd;

	if (w->multishot)
		io_uring_prep_multishot_accept(sqe, fd, NULL, NULL, SOCK_CLOEXEC);
	else
		io_uring_prep_accept(sqe, fd, NULL, NULL, SOCK_CLOEXEC);
	io_uring_sqe_set_data(sqe, es2 ? &w->accept_es2_op : &w->accept_op);
	if (es2)
		w->accept_es2_armed = true;
	else
		w->accept_armed = true;
}

static void arm_tick(struct worker *w)
{
	struct io_uring_sqe *sqe = worker_sqe(w);

	w->tick_ts.tv_sec = 0;
	w->tick_ts.tv_nsec = WORKER_TICK_MS * 1000000L;
	io_uring_prep_timeout(sqe, &w->tick_ts, 0, 0);
	io_uring_sqe_set_data(sqe, &w->tick_op);
}

static void arm_stop_read(struct worker *w)
{
	struct io_uring_sqe *sqe = worker_sqe(w);

	io_uring_prep_read(sqe, w->stop_fd, &w->stop_val, sizeof(w->stop_val), 0);
	io_uring_sqe_set_data(sqe, &w->stop_op);
}

static void on_accept(struct worker *w, struct io_uring_cqe *cqe, bool es2)
{
	struct portdp_server *srv = w->srv;
	int fd = cqe->res;
	struct ip_key ip;
	unsigned open;
	struct conn *c;

	if (!(cqe->flags & IORING_CQE_F_MORE)) {
		if (es2)
			w->accept_es2_armed = false;
		else
			w->accept_armed = false;
	}
	if (fd < 0) {
		if (fd == -EINVAL && w->multishot && !w->accepted_any) {
			/* Kernel without multishot accept: fall back to one accept per SQE. */
			srv_info("worker %u: multishot accept unavailable, using single accept",
				 w->index);
			w->multishot = false;
		} else if (fd != -ECANCELED && !w->stopping) {
			srv_warn("worker %u: accept: %s", w->index, strerror(-fd));
			/* EMFILE and friends: retry on the next tick, not in a busy loop. */
			w->accept_backoff = true;
		}
		return;
	}
	w->accepted_any = true;
	if (w->stopping) {
		close(fd);
		return;
	}
	/* One client address holds at most max_conns_per_ip (a rejected one is closed at once). */
	if (ip_key_of_fd(fd, &ip)) {
		close(fd); /* already reset by the peer */
		return;
	}
	if (ip_table_get(srv->ips, &ip, srv->lim.max_conns_per_ip)) {
		STAT_ADD(w, rejected_per_ip, 1);
		close(fd);
		return;
	}
	/*
	 * Full (this worker's share, or the whole process): the oldest idle or
	 * handshaking connection gives way; with none, the new one is closed.
	 */
	open = __atomic_add_fetch(&srv->open_conns, 1, __ATOMIC_RELAXED);
	if ((open > srv->lim.max_conns || w->nconns - w->nclosing >= srv->worker_share) &&
	    (w->nclosing >= EVICT_PENDING_MAX || !worker_evict_oldest(w))) {
		__atomic_fetch_sub(&srv->open_conns, 1, __ATOMIC_RELAXED);
		ip_table_put(srv->ips, &ip);
		STAT_ADD(w, rejected_full, 1);
		close(fd);
		return;
	}
	c = conn_new(w, fd, &ip, es2);
	if (!c) {
		__atomic_fetch_sub(&srv->open_conns, 1, __ATOMIC_RELAXED);
		ip_table_put(srv->ips, &ip);
		close(fd);
		return;
	}
	STAT_ADD(w, accepted, 1);
	/*
	 * Evictable from the start (it is in its handshake): a burst of accepts
	 * handled before any connection is serviced must still find the oldest
	 * to give way, not run the list dry and turn real clients away.
	 */
	conn_update_evictable(c);
	conn_mark_ready(c);
}

/* Closes connections past their deadline, and during a stop those with nothing in progress. */
static void sweep_conns(struct worker *w, uint64_t now)
{
	struct conn *c, *next;
	bool force = w->stopping && now >= w->stop_deadline_ms;

	for (c = w->conns; c; c = next) {
		next = c->next;
		if (c->closing)
			continue;
		/* Answers waiting for their fsync are not an idle or slow client. */
		if (c->parked_in && !force)
			continue;
		if (force || now >= c->deadline_ms) {
			if (!force && c->dl_kind == DL_HANDSHAKE)
				STAT_ADD(w, handshake_timeouts, 1);
			else if (!force && c->dl_kind == DL_IDLE)
				STAT_ADD(w, idle_timeouts, 1);
			else if (!force && c->dl_kind == DL_REQUEST)
				STAT_ADD(w, request_timeouts, 1);
			srv_debug("fd %d: %s timeout", c->fd,
				  force			       ? "drain"
				  : c->dl_kind == DL_HANDSHAKE ? "handshake"
				  : c->dl_kind == DL_IDLE      ? "idle"
				  : c->dl_kind == DL_LINGER    ? "linger"
							       : "request");
			conn_close(c);
		} else if (w->stopping && (!c->hs_done || conn_is_idle(c))) {
			conn_close(c);
		}
	}
}

static void begin_stop(struct worker *w)
{
	struct io_uring_sqe *sqe;

	if (w->stopping)
		return;
	w->stopping = true;
	w->stop_deadline_ms = now_ms() + w->srv->lim.drain_timeout_ms;
	if (w->accept_armed) {
		sqe = worker_sqe(w);
		io_uring_prep_cancel(sqe, &w->accept_op, 0);
		io_uring_sqe_set_data(sqe, NULL);
	}
	if (w->accept_es2_armed) {
		sqe = worker_sqe(w);
		io_uring_prep_cancel(sqe, &w->accept_es2_op, 0);
		io_uring_sqe_set_data(sqe, NULL);
	}
	/* Idle keep-alive connections go now, not at the next tick. */
	sweep_conns(w, now_ms());
}

/* Timeouts, graceful-stop progress and session expiry. */
static void on_tick(struct worker *w)
{
	uint64_t now = now_ms();

	sweep_conns(w, now);
	if (w->index == 0 && now >= w->next_expire_ms && !w->stopping) {
		w->next_expire_ms = now + WORKER_EXPIRE_MS;
		/* Joins an open group commit, else commits by itself (no answer waits for it). */
		es9_service_expire(w->srv->svc, w->es9);
	}
	w->accept_backoff = false;
	worker_maybe_trim(w);
	arm_tick(w);
}

static void dispatch(struct worker *w, struct io_uring_cqe *cqe)
{
	struct op *op = io_uring_cqe_get_data(cqe);

	if (!op)
		return; /* a cancel request's own completion */
	switch (op->kind) {
	case OP_ACCEPT:
		on_accept(w, cqe, false);
		break;
	case OP_ACCEPT_ES2:
		on_accept(w, cqe, true);
		break;
	case OP_STOP:
		begin_stop(w);
		break;
	case OP_TICK:
		on_tick(w);
		break;
	case OP_RECV:
		conn_on_recv(op->conn, cqe->res);
		break;
	case OP_SEND:
		conn_on_send(op->conn, cqe->res);
		break;
	case OP_FSYNC:
		batch_on_fsync(w, cqe->res);
		break;
	}
}

static int ring_init(struct worker *w)
{
	struct io_uring_params p = {0};
	int rc;

	/* Bigger CQ than SQ: every connection can have a recv and a send pending. */
	p.flags = IORING_SETUP_CQSIZE | IORING_SETUP_SINGLE_ISSUER | IORING_SETUP_COOP_TASKRUN;
	p.cq_entries = 8192;
	rc = io_uring_queue_init_params(1024, &w->ring, &p);
	if (rc == -EINVAL) {
		memset(&p, 0, sizeof(p));
		p.flags = IORING_SETUP_CQSIZE;
		p.cq_entries = 8192;
		rc = io_uring_queue_init_params(1024, &w->ring, &p);
	}
	return rc;
}

static void report_ready(struct worker *w, int rc, const char *msg)
{
	struct portdp_server *srv = w->srv;

	pthread_mutex_lock(&srv->lock);
	if (rc) {
		srv->failed_workers++;
		if (!srv->start_err[0])
			snprintf(srv->start_err, sizeof(srv->start_err), "worker %u: %s: %s",
				 w->index, msg, strerror(-rc));
	} else {
		srv->ready_workers++;
	}
	pthread_cond_broadcast(&srv->cond);
	pthread_mutex_unlock(&srv->lock);
}

void *worker_main(void *arg)
{
	struct worker *w = arg;
	struct io_uring_cqe *cqe;
	unsigned head, n;
	int rc;

	rc = ring_init(w);
	if (rc) {
		report_ready(w, rc, "io_uring setup");
		w->rc = rc;
		return NULL;
	}
	w->ring_ok = true;
	rc = es9_worker_new(w->srv->svc, &w->es9);
	if (rc) {
		report_ready(w, rc < 0 ? rc : -EIO, "es9_worker_new");
		w->rc = rc;
		return NULL;
	}
	w->accept_op = (struct op){OP_ACCEPT, NULL};
	w->accept_es2_op = (struct op){OP_ACCEPT_ES2, NULL};
	w->stop_op = (struct op){OP_STOP, NULL};
	w->tick_op = (struct op){OP_TICK, NULL};
	w->fsync_op = (struct op){OP_FSYNC, NULL};
	w->multishot = w->srv->multishot_accept;
	arm_stop_read(w);
	arm_tick(w);
	report_ready(w, 0, NULL);

	/* A graceful stop also waits for the parked batches (and their fsync on the ring). */
	while (!w->stopping || w->nconns || w->accept_armed || w->accept_es2_armed ||
	       w->parked_head) {
		if (!w->stopping && !w->accept_armed && !w->accept_backoff)
			arm_accept(w, false);
		if (!w->stopping && w->listen_fd_es2 >= 0 && !w->accept_es2_armed &&
		    !w->accept_backoff)
			arm_accept(w, true);
		rc = io_uring_submit_and_wait(&w->ring, 1);
		if (rc < 0 && rc != -EINTR && rc != -EAGAIN && rc != -EBUSY && rc != -ETIME) {
			srv_err("worker %u: io_uring_submit_and_wait: %s", w->index, strerror(-rc));
			w->rc = rc;
			break;
		}
		n = 0;
		io_uring_for_each_cqe(&w->ring, head, cqe)
		{
			dispatch(w, cqe);
			n++;
		}
		io_uring_cq_advance(&w->ring, n);
		worker_process_ready(w);
	}
	/* Unaccepted connections in the backlog get a reset rather than a hang. */
	close(w->listen_fd);
	w->listen_fd = -1;
	if (w->listen_fd_es2 >= 0) {
		close(w->listen_fd_es2);
		w->listen_fd_es2 = -1;
	}
	/* Whatever the ES9+ layer still holds must be durable before we go. */
	if (es9_worker_flush(w->es9))
		srv_err("worker %u: final flush failed", w->index);
	return NULL;
}
