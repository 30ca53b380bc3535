// SPDX-License-Identifier: Apache-2.0
/*
 * Connection limits, the way nginx (limit_conn, reusable connections) and
 * HAProxy (maxconn, per-source trackers) set them:
 * - a count of open connections per client address, shared by the workers
 *   (one client cannot take the whole table);
 * - when a worker's share of max_conns is full, its oldest evictable
 *   connection (still in the TLS handshake, or idle between requests, or
 *   lingering after its last answer) gives way to the new one, so a flood of
 *   idle TLS or silent TCP connections cannot lock a real client out;
 * - after many connections have gone, freed memory goes back to the kernel
 *   (glibc keeps free chunks of each worker's arena otherwise: see README).
 */
#include <arpa/inet.h>
#include <malloc.h>
#include <netinet/in.h>
#include <sys/random.h>
#include <sys/socket.h>

#include "log.h"
#include "server_int.h"

#define IP_BUCKETS 4096 /* power of 2 */
/* Trim once a worker freed this many connections, at most once a second in all. */
#define TRIM_AFTER_FREED 32
#define TRIM_INTERVAL_MS 1000

struct ip_entry {
	struct ip_entry *next;
	struct ip_key ip;
	unsigned count;
};

struct ip_table {
	pthread_mutex_t lock;
	uint64_t seed; /* random: clients cannot pick addresses that share a bucket */
	struct ip_entry *bucket[IP_BUCKETS];
};

struct ip_table *ip_table_new(void)
{
	struct ip_table *t = calloc(1, sizeof(*t));

	if (!t)
		return NULL;
	if (getrandom(&t->seed, sizeof(t->seed), 0) != sizeof(t->seed))
		t->seed = (uint64_t)now_ms() * 0x9e3779b97f4a7c15ull;
	pthread_mutex_init(&t->lock, NULL);
	return t;
}

void ip_table_free(struct ip_table *t)
{
	struct ip_entry *e, *next;
	unsigned i;

	if (!t)
		return;
	for (i = 0; i < IP_BUCKETS; i++)
		for (e = t->bucket[i]; e; e = next) {
			next = e->next;
			free(e);
		}
	pthread_mutex_destroy(&t->lock);
	free(t);
}

static unsigned ip_hash(const struct ip_table *t, const struct ip_key *ip)
{
	uint64_t h = t->seed;
	unsigned i;

	for (i = 0; i < sizeof(ip->b); i++) {
		h ^= ip->b[i];
		h *= 0x100000001b3ull;
		h ^= h >> 29;
	}
	return (unsigned)(h ^ (h >> 32)) & (IP_BUCKETS - 1);
}

int ip_table_get(struct ip_table *t, const struct ip_key *ip, unsigned max)
{
	struct ip_entry **pe, *e;
	int rc = 0;

	pthread_mutex_lock(&t->lock);
	pe = &t->bucket[ip_hash(t, ip)];
	for (e = *pe; e && memcmp(&e->ip, ip, sizeof(*ip)); e = e->next)
		;
	if (!e) {
		e = calloc(1, sizeof(*e));
		if (!e) {
			rc = -ENOMEM;
			goto out;
		}
		e->ip = *ip;
		e->next = *pe;
		*pe = e;
	}
	if (e->count >= max)
		rc = -EMFILE;
	else
		e->count++;
out:
	pthread_mutex_unlock(&t->lock);
	return rc;
}

void ip_table_put(struct ip_table *t, const struct ip_key *ip)
{
	struct ip_entry **pe, *e;

	pthread_mutex_lock(&t->lock);
	for (pe = &t->bucket[ip_hash(t, ip)]; (e = *pe); pe = &e->next) {
		if (memcmp(&e->ip, ip, sizeof(*ip)))
			continue;
		if (!--e->count) {
			*pe = e->next;
			free(e);
		}
		break;
	}
	pthread_mutex_unlock(&t->lock);
}

int ip_key_of_fd(int fd, struct ip_key *ip)
{
	struct sockaddr_storage ss;
	socklen_t len = sizeof(ss);

	memset(ip, 0, sizeof(*ip));
	if (getpeername(fd, (struct sockaddr *)&ss, &len))
		return -errno;
	if (ss.ss_family == AF_INET) {
		ip->b[10] = ip->b[11] = 0xff;
		memcpy(ip->b + 12, &((struct sockaddr_in *)&ss)->sin_addr, 4);
	} else if (ss.ss_family == AF_INET6) {
		memcpy(ip->b, &((struct sockaddr_in6 *)&ss)->sin6_addr, 16);
	} else {
		return -EAFNOSUPPORT;
	}
	return 0;
}

void conn_evict_unlink(struct conn *c)
{
	struct worker *w = c->w;

	if (!c->evictable)
		return;
	if (c->evict_prev)
		c->evict_prev->evict_next = c->evict_next;
	else
		w->evict_head = c->evict_next;
	if (c->evict_next)
		c->evict_next->evict_prev = c->evict_prev;
	else
		w->evict_tail = c->evict_prev;
	c->evict_prev = c->evict_next = NULL;
	c->evictable = false;
}

/*
 * Evictable: nothing of a request is in progress. A connection joins at the
 * tail when it becomes so and keeps its place while it stays so, which
 * orders the list by how long each has been idle.
 */
void conn_update_evictable(struct conn *c)
{
	struct worker *w = c->w;
	bool want = !c->closing && (c->lingering || !c->hs_done || conn_is_idle(c));

	if (want == c->evictable)
		return;
	if (!want) {
		conn_evict_unlink(c);
		return;
	}
	c->evictable = true;
	c->evict_next = NULL;
	c->evict_prev = w->evict_tail;
	if (w->evict_tail)
		w->evict_tail->evict_next = c;
	else
		w->evict_head = c;
	w->evict_tail = c;
}

bool worker_evict_oldest(struct worker *w)
{
	struct conn *c = w->evict_head;

	if (!c)
		return false;
	srv_debug("fd %d: evicted (%s) to make room", c->fd,
		  c->lingering ? "lingering" : c->hs_done ? "idle" : "in handshake");
	STAT_ADD(w, evicted_idle, 1);
	/*
	 * The descriptor goes now, not at the last CQE: the ring holds its own
	 * reference to the socket for the recv still in flight (which the
	 * shutdown completes), and the new connection needs the slot.
	 */
	shutdown(c->fd, SHUT_RDWR);
	close(c->fd);
	c->fd = -1;
	conn_close(c);
	return true;
}

/*
 * Each worker thread allocates from its own glibc arena; free chunks in the
 * middle of an arena are only returned to the kernel by malloc_trim(), so
 * after a burst of connections RSS would stay at its peak (README: Memory).
 */
void worker_maybe_trim(struct worker *w)
{
	static uint64_t last_ms; /* guarded by trim_lock */
	struct portdp_server *srv = w->srv;
	uint64_t now;

	if (w->freed_since_trim < TRIM_AFTER_FREED)
		return;
	if (pthread_mutex_trylock(&srv->trim_lock))
		return;
	now = now_ms();
	if (now - last_ms >= TRIM_INTERVAL_MS) {
		last_ms = now;
		w->freed_since_trim = 0;
		malloc_trim(0);
		STAT_ADD(w, malloc_trims, 1);
	}
	pthread_mutex_unlock(&srv->trim_lock);
}
