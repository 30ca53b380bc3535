// SPDX-License-Identifier: Apache-2.0
/*
 * One client connection: ciphertext in from io_uring recv, TLS over memory
 * BIOs, plaintext into the HTTP stream, responses back out through TLS and
 * io_uring send. The group commit over the connections of one sweep is
 * commit.c.
 */
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <unistd.h>

#include <openssl/err.h>

#include "log.h"
#include "server_int.h"
#include "../inventory/inventory.h"

struct conn *conn_new(struct worker *w, int fd, const struct ip_key *ip, bool es2)
{
	struct portdp_server *srv = w->srv;
	struct conn *c = calloc(1, sizeof(*c));
	int one = 1;

	if (!c)
		return NULL;
	c->es2 = es2;
	c->ssl = tls_conn_new(es2 ? srv->ssl_ctx_es2 : srv->ssl_ctx, &c->rbio, &c->wbio);
	if (!c->ssl) {
		ERR_clear_error();
		free(c);
		return NULL;
	}
	/* Responses are complete messages: do not let Nagle hold them back. */
	setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	c->w = w;
	c->fd = fd;
	if (ip) {
		c->ip = *ip;
		c->ip_counted = true;
	}
	c->recv_op = (struct op){OP_RECV, c};
	c->send_op = (struct op){OP_SEND, c};
	http_stream_init(&c->hs, es2 ? &srv->http_lim_es2 : &srv->http_lim);
	c->dl_kind = DL_HANDSHAKE;
	c->deadline_ms = now_ms() + srv->lim.handshake_timeout_ms;
	c->next = w->conns;
	if (w->conns)
		w->conns->prev = c;
	w->conns = c;
	w->nconns++;
	return c;
}

static void conn_free(struct conn *c)
{
	struct worker *w = c->w;
	struct http_item *it, *next;

	if (c->prev)
		c->prev->next = c->next;
	else
		w->conns = c->next;
	if (c->next)
		c->next->prev = c->prev;
	w->nconns--;
	w->nclosing--;
	w->freed_since_trim++;
	conn_evict_unlink(c);
	if (c->ip_counted)
		ip_table_put(w->srv->ips, &c->ip);
	__atomic_fetch_sub(&w->srv->open_conns, 1, __ATOMIC_RELAXED);
	if (c->fd >= 0)
		close(c->fd);
	SSL_free(c->ssl);
	free(c->op_subject);
	OPENSSL_free(c->unit_der);
	http_stream_release(&c->hs);
	for (it = c->work; it; it = next) {
		next = it->next;
		http_item_free(it);
	}
	for (it = c->parked; it; it = next) {
		next = it->next;
		http_item_free(it);
	}
	buf_free(&c->out[0]);
	buf_free(&c->out[1]);
	free(c);
}

void conn_put(struct conn *c)
{
	if (c->closing && !c->inflight && !c->in_ready && !c->parked_in)
		conn_free(c);
}

/* Shutting the socket down completes any recv/send in flight; the free follows their CQEs. */
void conn_close(struct conn *c)
{
	if (c->closing)
		return;
	c->closing = true;
	c->w->nclosing++;
	conn_evict_unlink(c);
	if (c->fd >= 0)
		shutdown(c->fd, SHUT_RDWR);
	conn_put(c);
}

void conn_mark_ready(struct conn *c)
{
	if (c->in_ready || c->closing)
		return;
	c->in_ready = true;
	c->ready_next = c->w->ready;
	c->w->ready = c;
}

bool conn_is_idle(const struct conn *c)
{
	return c->hs_done && !c->hs.in_message && !c->hs.head && !c->work && !c->parked_in &&
	       !c->send_busy && c->out[0].len == c->out_off && !c->out[1].len;
}

/* Moves what TLS produced (handshake, alerts, records) to the output queue. */
static int drain_tls(struct conn *c)
{
	size_t n = BIO_ctrl_pending(c->wbio);
	int got;

	if (!n)
		return 0;
	if (buf_reserve(&c->out[1], n))
		return -ENOMEM;
	got = BIO_read(c->wbio, c->out[1].data + c->out[1].len, n);
	if (got > 0)
		c->out[1].len += got;
	return 0;
}

static void tls_failed(struct conn *c, const char *what)
{
	char detail[160];
	unsigned long e = ERR_get_error();

	ERR_error_string_n(e, detail, sizeof(detail));
	ERR_clear_error();
	STAT_ADD(c->w, tls_failures, 1);
	c->answers_done = true;
	srv_debug("fd %d: TLS %s failed: %s", c->fd, what, detail);
	/* Send the alert OpenSSL queued, then close. */
	c->close_after_send = true;
	c->shut_sent = true;
}

/* Runs the handshake and decrypts everything available into the HTTP stream. */
static void conn_pump_tls(struct conn *c)
{
	struct worker *w = c->w;
	int n, err;

	if (!c->hs_done) {
		n = SSL_do_handshake(c->ssl);
		if (n != 1) {
			err = SSL_get_error(c->ssl, n);
			if (err != SSL_ERROR_WANT_READ && err != SSL_ERROR_WANT_WRITE)
				tls_failed(c, "handshake");
			return;
		}
		c->hs_done = true;
		c->activity = true;
		if (c->es2) {
			/* OpenSSL verified the chain to the operator CA; keep who it is. */
			char subject[INV_SUBJECT_MAX];

			if (tls_peer_subject(c->ssl, subject, sizeof(subject)) ||
			    !(c->op_subject = strdup(subject))) {
				tls_failed(c, "client certificate");
				return;
			}
			/* A unit (online transfers) when it also chains to transfer_ca alone. */
			if (w->srv->unit_store)
				tls_peer_der_if(c->ssl, w->srv->unit_store, &c->unit_der,
						&c->unit_len);
		}
	}
	while (!c->hs.stopped) {
		n = SSL_read(c->ssl, w->plain, sizeof(w->plain));
		if (n <= 0) {
			err = SSL_get_error(c->ssl, n);
			if (err == SSL_ERROR_ZERO_RETURN) {
				/* close_notify: nothing more will come; answer what we have. */
				c->close_after_send = true;
			} else if (err != SSL_ERROR_WANT_READ) {
				tls_failed(c, "read");
			}
			return;
		}
		http_stream_feed(&c->hs, w->plain, n);
	}
}

void conn_on_recv(struct conn *c, int res)
{
	c->recv_busy = false;
	c->inflight--;
	if (c->closing) {
		conn_put(c);
		return;
	}
	if (c->lingering) {
		c->lingered += res > 0 ? res : 0;
		if (res <= 0 || c->lingered > CONN_LINGER_MAX_BYTES)
			conn_close(c);
		else
			conn_mark_ready(c);
		return;
	}
	if (res <= 0) {
		/* EOF or reset: a half-received request has no one to answer. */
		if (res < 0 && res != -ECONNRESET)
			srv_debug("fd %d: recv: %s", c->fd, strerror(-res));
		conn_close(c);
		return;
	}
	if (BIO_write(c->rbio, c->rx, res) != res) {
		conn_close(c);
		return;
	}
	conn_pump_tls(c);
	conn_mark_ready(c);
}

void conn_on_send(struct conn *c, int res)
{
	c->send_busy = false;
	c->inflight--;
	if (c->closing) {
		conn_put(c);
		return;
	}
	if (res <= 0) {
		conn_close(c);
		return;
	}
	c->out_off += res;
	c->activity = true;
	if (c->out_off == c->out[0].len) {
		struct buf t = c->out[0];

		/* Swap keeps both allocations for reuse. */
		c->out[0] = c->out[1];
		c->out[1] = t;
		c->out[1].len = 0;
		c->out_off = 0;
	}
	conn_mark_ready(c);
}

static void submit_recv(struct conn *c)
{
	struct io_uring_sqe *sqe = worker_sqe(c->w);

	io_uring_prep_recv(sqe, c->fd, c->rx, sizeof(c->rx), 0);
	io_uring_sqe_set_data(sqe, &c->recv_op);
	c->recv_busy = true;
	c->inflight++;
}

/* Everything is sent: FIN our side, then drop what still arrives (see CONN_LINGER_MS). */
static void conn_linger(struct conn *c)
{
	if (shutdown(c->fd, SHUT_WR)) {
		conn_close(c);
		return;
	}
	c->lingering = true;
	c->dl_kind = DL_LINGER;
	c->deadline_ms = now_ms() + CONN_LINGER_MS;
	if (!c->recv_busy)
		submit_recv(c);
}

static void conn_service_io(struct conn *c);

/* Submits what the connection needs next (a send, a recv, or its close), then files it as idle or not. */
void conn_service(struct conn *c)
{
	conn_service_io(c);
	conn_update_evictable(c);
}

static void conn_service_io(struct conn *c)
{
	struct worker *w = c->w;
	struct portdp_server *srv = w->srv;
	struct io_uring_sqe *sqe;

	if (c->closing)
		return;
	if (c->lingering) {
		if (!c->recv_busy)
			submit_recv(c);
		return;
	}
	if (c->close_after_send && !c->shut_sent && c->hs_done) {
		/* Tell the peer we are done (close_notify) after the last response. */
		c->shut_sent = true;
		SSL_shutdown(c->ssl);
		ERR_clear_error();
	}
	if (drain_tls(c)) {
		conn_close(c);
		return;
	}
	if (!c->send_busy && c->out[0].len == c->out_off && c->out[1].len) {
		struct buf t = c->out[0];

		c->out[0] = c->out[1];
		c->out[1] = t;
		c->out[1].len = 0;
		c->out_off = 0;
	}
	if (!c->send_busy && c->out[0].len > c->out_off) {
		sqe = worker_sqe(w);
		io_uring_prep_send(sqe, c->fd, c->out[0].data + c->out_off,
				   c->out[0].len - c->out_off, MSG_NOSIGNAL);
		io_uring_sqe_set_data(sqe, &c->send_op);
		c->send_busy = true;
		c->inflight++;
	}
	if (c->close_after_send) {
		if (!c->send_busy)
			conn_linger(c);
		return;
	}
	if (w->stopping && (!c->hs_done || conn_is_idle(c))) {
		conn_close(c);
		return;
	}
	/* Deadlines: see struct portdp_server_limits. */
	if (c->hs_done) {
		if (c->hs.in_message) {
			if (c->hs.begun != c->begun_seen) {
				c->begun_seen = c->hs.begun;
				c->dl_kind = DL_REQUEST;
				c->deadline_ms = now_ms() + srv->lim.request_timeout_ms;
			}
		} else if (c->dl_kind != DL_IDLE || c->activity) {
			c->dl_kind = DL_IDLE;
			c->deadline_ms = now_ms() + srv->lim.idle_timeout_ms;
		}
		c->activity = false;
	}
	/* While answers wait for their fsync, later requests wait in the kernel's buffer. */
	if (!c->recv_busy && !c->hs.stopped && !c->parked_in &&
	    c->out[0].len - c->out_off + c->out[1].len < CONN_OUT_HIGH_WATER)
		submit_recv(c);
}

/* Encrypts one answer into the connection's TLS stream. */
static void conn_answer(struct conn *c, struct http_item *it)
{
	struct worker *w = c->w;
	bool keep = it->keep_alive && !w->stopping && it->kind != HTTP_ITEM_ERROR;
	int status = it->resp.http_status;

	w->scratch.len = 0;
	if (http_format_response_ct(&w->scratch, status, it->resp.content_type, it->resp.body,
				    it->resp.body_len, keep) ||
	    SSL_write(c->ssl, w->scratch.data, w->scratch.len) != (int)w->scratch.len) {
		ERR_clear_error();
		c->answers_done = true;
		c->close_after_send = true;
		return;
	}
	if (it->kind == HTTP_ITEM_CONTINUE)
		return;
	c->activity = true;
	if (it->kind == HTTP_ITEM_ES9)
		STAT_ADD(w, requests, 1);
	else
		STAT_ADD(w, http_errors, 1);
	srv_debug("fd %d: POST %s -> %d (%zu bytes)", c->fd,
		  it->kind == HTTP_ITEM_ES9 ? it->path : "-", status, it->resp.body_len);
	if (!keep) {
		c->answers_done = true;
		c->close_after_send = true;
	}
}

/* Answers the items of c->work in order (none once the stream has ended) and frees them. */
void conn_answer_work(struct conn *c)
{
	struct http_item *it;

	while ((it = c->work)) {
		c->work = it->next;
		if (!c->answers_done && !c->closing)
			conn_answer(c, it);
		http_item_free(it);
	}
}

/* After the ring is gone (no op can complete any more): free every connection. */
void conn_destroy_all(struct worker *w)
{
	while (w->conns) {
		w->conns->inflight = 0;
		w->conns->in_ready = false;
		if (!w->conns->closing)
			w->nclosing++;
		w->conns->closing = true;
		conn_put(w->conns);
	}
}
