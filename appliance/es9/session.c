// SPDX-License-Identifier: Apache-2.0
/*
 * Session table: ES9_BUCKETS chains, one mutex per stripe of ES9_BUCKETS /
 * ES9_STRIPES chains. transactionIds are random, so their first bytes are a
 * good hash. Lock rule: a chain is read or changed only under its stripe's
 * mutex; a claimed session's fields belong to its claimer alone.
 */
#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "session.h"

#define ES9_BUCKETS 4096
#define ES9_STRIPES 64

struct es9_sessions {
	pthread_mutex_t lock[ES9_STRIPES];
	struct es9_session *bucket[ES9_BUCKETS];
	unsigned count[ES9_STRIPES];
};

static unsigned bucket_of(const uint8_t *tid)
{
	return ((unsigned)tid[0] << 8 | tid[1]) % ES9_BUCKETS;
}

static pthread_mutex_t *stripe_lock(struct es9_sessions *t, unsigned b)
{
	return &t->lock[b % ES9_STRIPES];
}

int es9_sessions_new(struct es9_sessions **out)
{
	struct es9_sessions *t = calloc(1, sizeof(*t));
	unsigned i;

	if (!t)
		return -ENOMEM;
	for (i = 0; i < ES9_STRIPES; i++)
		pthread_mutex_init(&t->lock[i], NULL);
	*out = t;
	return 0;
}

void es9_sessions_free(struct es9_sessions *t)
{
	unsigned i;

	if (!t)
		return;
	for (i = 0; i < ES9_BUCKETS; i++) {
		while (t->bucket[i]) {
			struct es9_session *s = t->bucket[i];

			t->bucket[i] = s->next;
			free(s);
		}
	}
	for (i = 0; i < ES9_STRIPES; i++)
		pthread_mutex_destroy(&t->lock[i]);
	free(t);
}

struct es9_session *es9_session_alloc(void)
{
	return calloc(1, sizeof(struct es9_session));
}

int es9_session_add(struct es9_sessions *t, struct es9_session *s)
{
	unsigned b = bucket_of(s->tid);
	struct es9_session *p;

	pthread_mutex_lock(stripe_lock(t, b));
	for (p = t->bucket[b]; p; p = p->next) {
		if (!memcmp(p->tid, s->tid, ES9_TID_LEN)) {
			pthread_mutex_unlock(stripe_lock(t, b));
			return -EEXIST;
		}
	}
	s->claimed = 0;
	s->next = t->bucket[b];
	t->bucket[b] = s;
	t->count[b % ES9_STRIPES]++;
	pthread_mutex_unlock(stripe_lock(t, b));
	return 0;
}

enum es9_status es9_session_claim(struct es9_sessions *t, const uint8_t *tid, size_t tid_len,
				  enum es9_step step, int64_t now, struct es9_session **out)
{
	enum es9_status st = ES9_E_TID_UNKNOWN;
	struct es9_session *p;
	unsigned b;

	*out = NULL;
	if (tid_len != ES9_TID_LEN)
		return ES9_E_TID_UNKNOWN; /* we only ever hand out 16-byte ids */
	b = bucket_of(tid);
	pthread_mutex_lock(stripe_lock(t, b));
	for (p = t->bucket[b]; p; p = p->next) {
		if (memcmp(p->tid, tid, ES9_TID_LEN))
			continue;
		if (!p->claimed && p->step == step && p->deadline >= now) {
			p->claimed = 1;
			*out = p;
			st = ES9_OK;
		}
		break;
	}
	pthread_mutex_unlock(stripe_lock(t, b));
	return st;
}

void es9_session_put(struct es9_sessions *t, struct es9_session *s)
{
	unsigned b = bucket_of(s->tid);

	pthread_mutex_lock(stripe_lock(t, b));
	s->claimed = 0;
	pthread_mutex_unlock(stripe_lock(t, b));
}

void es9_session_end(struct es9_sessions *t, struct es9_session *s)
{
	unsigned b = bucket_of(s->tid);
	struct es9_session **pp;

	pthread_mutex_lock(stripe_lock(t, b));
	for (pp = &t->bucket[b]; *pp; pp = &(*pp)->next) {
		if (*pp == s) {
			*pp = s->next;
			t->count[b % ES9_STRIPES]--;
			break;
		}
	}
	pthread_mutex_unlock(stripe_lock(t, b));
	free(s);
}

unsigned es9_sessions_expire(struct es9_sessions *t, int64_t now,
			     void (*cb)(const struct es9_session *, void *), void *arg)
{
	unsigned b, removed = 0;

	for (b = 0; b < ES9_BUCKETS; b++) {
		struct es9_session **pp, *gone = NULL;

		pthread_mutex_lock(stripe_lock(t, b));
		pp = &t->bucket[b];
		while (*pp) {
			struct es9_session *s = *pp;

			if (!s->claimed && s->deadline < now) {
				*pp = s->next;
				s->next = gone;
				gone = s;
				t->count[b % ES9_STRIPES]--;
			} else {
				pp = &s->next;
			}
		}
		pthread_mutex_unlock(stripe_lock(t, b));
		/* Callbacks run unlocked: they may touch the database. */
		while (gone) {
			struct es9_session *s = gone;

			gone = s->next;
			if (cb)
				cb(s, arg);
			free(s);
			removed++;
		}
	}
	return removed;
}

unsigned es9_sessions_count(struct es9_sessions *t)
{
	unsigned i, n = 0;

	for (i = 0; i < ES9_STRIPES; i++) {
		pthread_mutex_lock(&t->lock[i]);
		n += t->count[i];
		pthread_mutex_unlock(&t->lock[i]);
	}
	return n;
}
