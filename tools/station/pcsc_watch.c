// SPDX-License-Identifier: Apache-2.0
/* One SCardGetStatusChange() for every station's card wait (pcsc_watch.h). */
#include "pcsc_watch.h"

#include <errno.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <winscard.h>

/*
 * pcscd serves 16 readers and a process talks to one pcscd; SCardGetStatusChange()
 * takes at most PCSCLITE_MAX_READERS_CONTEXTS entries (the PnP entry counts).
 */
#define WATCH_MAX PCSCLITE_MAX_READERS_CONTEXTS
/* A reader added between two waits is seen within this (a cancel can miss). */
#define WATCH_PERIOD_MS 500

struct watched {
	char name[128];
	DWORD state;             /* last dwEventState (without CHANGED) */
	bool known;              /* state read at least once */
};

static struct {
	pthread_once_t once;
	pthread_mutex_t mu;
	pthread_cond_t cond;     /* a state moved */
	bool up;                 /* the thread runs */
	SCARDCONTEXT ctx;
	struct watched r[WATCH_MAX];
	unsigned n;
	bool rebuild;            /* readers were added */
} w = { .once = PTHREAD_ONCE_INIT, .mu = PTHREAD_MUTEX_INITIALIZER,
	.cond = PTHREAD_COND_INITIALIZER };

/* Every reader's state unknown (pcscd gone): the waits say -ENODEV. */
static void all_unknown(void)
{
	pthread_mutex_lock(&w.mu);
	for (unsigned i = 0; i < w.n; i++) {
		w.r[i].state = SCARD_STATE_UNKNOWN;
		w.r[i].known = true;
	}
	w.rebuild = true;
	pthread_cond_broadcast(&w.cond);
	pthread_mutex_unlock(&w.mu);
}

static void *watch_main(void *arg)
{
	static SCARD_READERSTATE rs[WATCH_MAX + 1];
	DWORD pnp = 0;           /* pcscd's reader count, as the PnP entry reports it */
	unsigned n = 0, m = 0;   /* readers, entries (with the PnP one when there is room) */
	unsigned errors = 0;

	(void)arg;
	for (;;) {
		LONG rv;

		pthread_mutex_lock(&w.mu);
		if (w.rebuild) {
			for (unsigned i = 0; i < w.n; i++) {
				rs[i].szReader = w.r[i].name;
				rs[i].dwCurrentState = w.r[i].known && !(w.r[i].state & SCARD_STATE_UNKNOWN) ?
							       w.r[i].state : SCARD_STATE_UNAWARE;
			}
			n = w.n;
			/* pcscd's reader list: a reader plugged in later is seen */
			m = n;
			if (n < WATCH_MAX) {
				rs[n].szReader = "\\\\?PnP?\\Notification";
				rs[n].dwCurrentState = pnp;
				m++;
			}
			w.rebuild = false;
		}
		pthread_mutex_unlock(&w.mu);
		rv = SCardGetStatusChange(w.ctx, WATCH_PERIOD_MS, rs, m);
		if (rv == SCARD_E_TIMEOUT && m == n) {
			/* no PnP entry: readers not there yet are asked for again now and then */
			pthread_mutex_lock(&w.mu);
			for (unsigned i = 0; i < n; i++)
				if (w.r[i].state & SCARD_STATE_UNKNOWN)
					w.rebuild = true;
			pthread_mutex_unlock(&w.mu);
		}
		if (rv == SCARD_E_TIMEOUT || rv == SCARD_E_CANCELLED)
			continue;
		if (rv != SCARD_S_SUCCESS && ++errors == 5) {
			/* not a passing hiccup: the stations ask pcscd themselves again */
			pthread_mutex_lock(&w.mu);
			w.up = false;
			pthread_cond_broadcast(&w.cond);
			pthread_mutex_unlock(&w.mu);
			SCardReleaseContext(w.ctx);
			return NULL;
		}
		if (rv != SCARD_S_SUCCESS) {
			/* pcscd restarted or gone: a new context, every state read again */
			all_unknown();
			usleep(300000);
			SCardReleaseContext(w.ctx);
			if (SCardEstablishContext(SCARD_SCOPE_SYSTEM, NULL, NULL, &w.ctx) !=
			    SCARD_S_SUCCESS)
				w.ctx = 0;
			pthread_mutex_lock(&w.mu);
			for (unsigned i = 0; i < w.n; i++)
				w.r[i].known = false;
			w.rebuild = true;
			pthread_mutex_unlock(&w.mu);
			continue;
		}
		errors = 0;
		pthread_mutex_lock(&w.mu);
		for (unsigned i = 0; i < n; i++) {
			if (!(rs[i].dwEventState & SCARD_STATE_CHANGED) && w.r[i].known)
				continue;
			w.r[i].state = rs[i].dwEventState & ~SCARD_STATE_CHANGED;
			w.r[i].known = true;
		}
		for (unsigned i = 0; i < m; i++)
			rs[i].dwCurrentState = rs[i].dwEventState & ~SCARD_STATE_CHANGED;
		if (m > n)
			pnp = rs[n].dwCurrentState;
		/* pcscd's reader list moved: a reader that was unknown may exist now */
		if (m > n && (rs[n].dwEventState & SCARD_STATE_CHANGED))
			for (unsigned i = 0; i < n; i++)
				if (w.r[i].state & SCARD_STATE_UNKNOWN)
					w.rebuild = true;
		pthread_cond_broadcast(&w.cond);
		pthread_mutex_unlock(&w.mu);
	}
	return NULL;
}

static void watch_start(void)
{
	const char *env = getenv("PORTDP_PCSC_WATCH");
	pthread_attr_t a;
	pthread_t th;

	if (env && !strcmp(env, "0"))
		return;
	if (SCardEstablishContext(SCARD_SCOPE_SYSTEM, NULL, NULL, &w.ctx) != SCARD_S_SUCCESS)
		return;
	pthread_attr_init(&a);
	pthread_attr_setdetachstate(&a, PTHREAD_CREATE_DETACHED);
	w.up = !pthread_create(&th, &a, watch_main, NULL);
	pthread_attr_destroy(&a);
	if (!w.up)
		SCardReleaseContext(w.ctx);
}

static bool met(DWORD st, enum pcsc_watch_for what, int events)
{
	if (what == WATCH_PRESENT)
		return (st & SCARD_STATE_PRESENT) && !(st & SCARD_STATE_MUTE);
	return (st & SCARD_STATE_EMPTY) || (events >= 0 && (int)(st >> 16) != events);
}

int pcsc_watch_wait(const char *reader, enum pcsc_watch_for what, int events,
		    unsigned timeout_ms)
{
	struct timespec until;
	unsigned i;
	int ret = 0;

	pthread_once(&w.once, watch_start);
	if (strlen(reader) >= sizeof(w.r[0].name))
		return 1;
	clock_gettime(CLOCK_REALTIME, &until);
	until.tv_sec += timeout_ms / 1000;
	until.tv_nsec += (long)(timeout_ms % 1000) * 1000000L;
	if (until.tv_nsec >= 1000000000L) {
		until.tv_sec++;
		until.tv_nsec -= 1000000000L;
	}
	pthread_mutex_lock(&w.mu);
	if (!w.up) {
		pthread_mutex_unlock(&w.mu);
		return 1;
	}
	for (i = 0; i < w.n && strcmp(w.r[i].name, reader); i++)
		;
	if (i == w.n) {
		if (w.n == WATCH_MAX) {
			pthread_mutex_unlock(&w.mu);
			return 1;
		}
		snprintf(w.r[i].name, sizeof(w.r[i].name), "%s", reader);
		w.r[i].known = false;
		w.n++;
		w.rebuild = true;
		SCardCancel(w.ctx); /* the watcher takes the new reader in at once */
	}
	for (;;) {
		if (!w.up) {
			ret = 1;
			break;
		}
		if (w.r[i].known && (w.r[i].state & SCARD_STATE_UNKNOWN)) {
			ret = -ENODEV;
			break;
		}
		if (w.r[i].known && met(w.r[i].state, what, events))
			break;
		if (pthread_cond_timedwait(&w.cond, &w.mu, &until) == ETIMEDOUT) {
			ret = -ETIMEDOUT;
			break;
		}
	}
	pthread_mutex_unlock(&w.mu);
	return ret;
}

int pcsc_watch_events(const char *reader)
{
	int ret = -1;

	pthread_mutex_lock(&w.mu);
	if (w.up)
		for (unsigned i = 0; i < w.n; i++)
			if (!strcmp(w.r[i].name, reader)) {
				if (w.r[i].known && !(w.r[i].state & SCARD_STATE_UNKNOWN))
					ret = (int)(w.r[i].state >> 16);
				break;
			}
	pthread_mutex_unlock(&w.mu);
	return ret;
}
