/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Internals shared by server.c (lifecycle), worker.c (the io_uring loop) and
 * conn.c (one TLS/HTTP connection). Everything in a worker and its
 * connections is touched by that worker's thread only; struct portdp_server
 * fields written after start are atomics.
 */
#ifndef PORTDP_SERVER_INT_H
#define PORTDP_SERVER_INT_H

#include <liburing.h>
#include <pthread.h>
#include <stdbool.h>

#include "buf.h"
#include "http.h"
#include "server.h"
#include "tls.h"

#define CONN_RX_SIZE 16384
/* Stop reading from a client that does not read its responses. */
#define CONN_OUT_HIGH_WATER (256u << 10)
/*
 * Lingering close: after the last answer, FIN our side and read (and drop)
 * what the client still sends for a while, so that unread request bytes do
 * not turn our close into a reset that destroys the answer in flight.
 */
#define CONN_LINGER_MS 2000
#define CONN_LINGER_MAX_BYTES (1u << 20)
#define WORKER_TICK_MS 100
#define WORKER_EXPIRE_MS 1000

enum op_kind {
	OP_ACCEPT,
	OP_ACCEPT_ES2,
	OP_STOP,
	OP_TICK,
	OP_RECV,
	OP_SEND,
	OP_FSYNC,
};

/* io_uring user_data points at one of these. */
struct op {
	enum op_kind kind;
	struct conn *conn;
};

enum deadline_kind {
	DL_HANDSHAKE,
	DL_IDLE,
	DL_REQUEST,
	DL_LINGER,
};

/* A client address as a table key: IPv4 as v4-mapped IPv6. */
struct ip_key {
	uint8_t b[16];
};

struct conn {
	struct worker *w;
	struct conn *prev, *next; /* the worker's list of open connections */
	/* The worker's evictable list, oldest first (limits.c): handshaking or idle. */
	struct conn *evict_prev, *evict_next;
	bool evictable;
	bool ip_counted; /* holds one count of @ip in the server's per-address table */
	struct ip_key ip;
	struct conn *ready_next;  /* this sweep's list of connections to service */
	bool in_ready;
	int fd;
	SSL *ssl;
	BIO *rbio, *wbio;
	bool hs_done;
	bool close_after_send; /* send what is queued, then close */
	bool answers_done;     /* a final answer (or a TLS failure) ended the stream */
	bool shut_sent;	       /* TLS close_notify queued */
	bool closing;	       /* socket shut down; freed once no op is in flight */
	bool lingering;	       /* answered and FIN sent: draining the client's leftovers */
	bool es2;	       /* came in on the ES2+ listener (operator, mutual TLS) */
	char *op_subject;      /* ES2+: the verified client certificate's subject (malloc'd) */
	uint8_t *unit_der;     /* ES2+: the certificate when it chains to transfer_ca, or NULL */
	size_t unit_len;
	size_t lingered;       /* bytes dropped while lingering */
	bool recv_busy, send_busy;
	bool activity; /* a request was answered or bytes left: re-arm idle */
	unsigned inflight;
	struct http_stream hs;
	unsigned begun_seen;
	enum deadline_kind dl_kind;
	uint64_t deadline_ms;
	struct http_item *work; /* taken from hs for this sweep */
	/* Answered but not yet durable: held until @parked_in's fsync (commit.c). */
	struct batch *parked_in;
	struct http_item *parked;
	struct conn *parked_next; /* the batch's list of connections */
	struct buf out[2];	  /* out[0] is being sent from out_off, out[1] queues */
	char peer[64];		  /* "IP:port" of the client, "" until conn_peer() */
	size_t out_off;
	struct op recv_op, send_op;
	char rx[CONN_RX_SIZE];
};

/*
 * One sweep's group commit waiting for the disk (commit.c). Batches are
 * released in @seq order, each once an fsync submitted after its commit has
 * completed.
 */
struct batch {
	struct batch *next;
	uint64_t seq;
	struct conn *conns;
};

/*
 * Test hooks (all NULL in portdpd): @fsync_delay_ms holds a batch's fsync back
 * (a linked timeout before it), @fsync_result may replace its result. While
 * either is set, every fsync goes through the ring.
 */
struct server_test_hooks {
	unsigned (*fsync_delay_ms)(unsigned worker, uint64_t seq);
	int (*fsync_result)(unsigned worker, uint64_t seq, int res);
};
extern struct server_test_hooks server_test_hooks;

struct worker_stats {
	uint64_t accepted, rejected_full, rejected_per_ip, evicted_idle, requests, http_errors,
	    tls_failures, handshake_timeouts, idle_timeouts, request_timeouts, flushes,
	    flush_failures, malloc_trims;
};

struct worker {
	struct portdp_server *srv;
	unsigned index;
	pthread_t thread;
	bool thread_started;
	struct io_uring ring;
	bool ring_ok;
	int listen_fd;
	int listen_fd_es2; /* -1 when ES2+ is off */
	int stop_fd;
	uint64_t stop_val;
	struct op accept_op, accept_es2_op, stop_op, tick_op;
	bool accept_es2_armed;
	struct __kernel_timespec tick_ts;
	bool multishot, accept_armed, accept_backoff, accepted_any;
	bool stopping;
	uint64_t stop_deadline_ms;
	uint64_t next_expire_ms;
	struct es9_worker *es9;
	struct conn *conns;
	unsigned nconns;
	unsigned nclosing; /* of @nconns, closed and waiting for their last CQE */
	struct conn *evict_head, *evict_tail;
	unsigned freed_since_trim; /* connections freed since memory was last trimmed */
	struct conn *ready;
	struct batch *parked_head, *parked_tail; /* oldest first */
	uint64_t next_seq;
	/* At most one WAL fsync in flight; it covers the batches up to @fsync_covers. */
	struct op fsync_op;
	bool fsync_busy;
	int fsync_fd;
	uint64_t fsync_covers;
	uint64_t fsync_started_ns;
	/* Recent fsync latency (EWMA, µs) and the choice it drives (commit.c). */
	unsigned fsync_avg_us;
	bool fsync_on_ring;
	struct __kernel_timespec fsync_delay; /* test hook only */
	struct worker_stats st;
	char plain[CONN_RX_SIZE];
	struct buf scratch;
	int rc;
};

struct portdp_server {
	struct portdpd_config cfg;
	struct portdp_server_limits lim;
	struct http_limits http_lim, http_lim_es2;
	struct es9_service *svc;
	SSL_CTX *ssl_ctx;
	SSL_CTX *ssl_ctx_es2; /* NULL: no ES2+ listener */
	X509_STORE *unit_store; /* transfer_ca alone: which ES2+ clients are units */
	uint16_t port, port_es2;
	unsigned nworkers;
	struct worker *workers;
	unsigned open_conns;   /* atomic: the max_conns cap is process-wide */
	int lock_fd;	       /* the address:port name lock (listen.c), -1 if none */
	int lock_fd_es2;       /* the same for the ES2+ listener */
	unsigned worker_share; /* max_conns / workers, rounded up: one worker's own cap */
	struct ip_table *ips;  /* open connections per client address (limits.c) */
	pthread_mutex_t trim_lock; /* one malloc_trim at a time */
	bool multishot_accept; /* first guess from the probe; -EINVAL falls back at run time */
	pthread_mutex_t lock;
	pthread_cond_t cond;
	unsigned ready_workers, failed_workers;
	/* atomic: a WAL fsync failed; nothing is answered as done any more (commit.c) */
	bool durability_lost;
	char start_err[256];
};

#define STAT_ADD(w, field, n) __atomic_fetch_add(&(w)->st.field, (n), __ATOMIC_RELAXED)

uint64_t now_ms(void);
struct io_uring_sqe *worker_sqe(struct worker *w);
void *worker_main(void *arg);

/* conn.c */
/*
 * @ip: the address whose count (ip_table_get) the connection holds, or NULL.
 * @es2: accepted on the ES2+ listener (mutual TLS, ES2+ functions).
 */
struct conn *conn_new(struct worker *w, int fd, const struct ip_key *ip, bool es2);
void conn_on_recv(struct conn *c, int res);
void conn_on_send(struct conn *c, int res);
void conn_close(struct conn *c);
void conn_mark_ready(struct conn *c);
/* Frees @c once it is closing, out of the ready list and has no op in flight. */
void conn_put(struct conn *c);
bool conn_is_idle(const struct conn *c);
void conn_service(struct conn *c);
void conn_answer_work(struct conn *c);
void conn_destroy_all(struct worker *w);
/* peer.c: the client's "IP:port" ("[IPv6]:port"), looked up at the first request; "" if unknown. */
const char *conn_peer(struct conn *c);

/* limits.c: per-address counts, the evictable list, memory trim */
struct ip_table;
struct ip_table *ip_table_new(void);
void ip_table_free(struct ip_table *t);
/* Takes one count for @ip unless it holds @max already. 0, -EMFILE (at max) or -ENOMEM. */
int ip_table_get(struct ip_table *t, const struct ip_key *ip, unsigned max);
void ip_table_put(struct ip_table *t, const struct ip_key *ip);
int ip_key_of_fd(int fd, struct ip_key *ip);
/* Puts @c on or off the evictable list after its state changed (conn_service). */
void conn_update_evictable(struct conn *c);
void conn_evict_unlink(struct conn *c);
/* Closes the worker's oldest evictable connection; false if there is none. */
bool worker_evict_oldest(struct worker *w);
/* Gives freed memory back to the kernel once connections left and the worker is quiet. */
void worker_maybe_trim(struct worker *w);

/* commit.c */
void worker_process_ready(struct worker *w);
void batch_on_fsync(struct worker *w, int res);
/* After the ring is gone: forget every parked batch (their answers are dropped). */
void batch_drop_all(struct worker *w);

#endif
