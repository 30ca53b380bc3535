// SPDX-License-Identifier: Apache-2.0
/*
 * One in-process writer lock per database file. SQLite lets one connection
 * write at a time; a second one that asks polls with its busy handler,
 * sleeping milliseconds between tries (measured: 3.8 ms sleeps under two
 * portdpd workers). Connections of this process to the same file queue on
 * this mutex before they ask SQLite, so waiters sleep on a futex and wake as
 * soon as the writer commits. Other processes (portdpctl) still meet
 * SQLite's busy handler.
 */
#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <time.h>

#include "inv_internal.h"

struct inv_write_lock {
	pthread_mutex_t mutex;
	dev_t dev;
	ino_t ino;
	unsigned refs; /* guarded by registry_lock */
	struct inv_write_lock *next;
};

static pthread_mutex_t registry_lock = PTHREAD_MUTEX_INITIALIZER;
static struct inv_write_lock *registry;

int inv_write_lock_get(const char *path, struct inv_write_lock **out)
{
	struct inv_write_lock *l;
	struct stat st;

	*out = NULL;
	if (stat(path, &st))
		return 0; /* no file of its own (":memory:", URIs): nothing to share */
	pthread_mutex_lock(&registry_lock);
	for (l = registry; l; l = l->next)
		if (l->dev == st.st_dev && l->ino == st.st_ino)
			break;
	if (!l) {
		l = calloc(1, sizeof(*l));
		if (!l) {
			pthread_mutex_unlock(&registry_lock);
			return -ENOMEM;
		}
		pthread_mutex_init(&l->mutex, NULL);
		l->dev = st.st_dev;
		l->ino = st.st_ino;
		l->next = registry;
		registry = l;
	}
	l->refs++;
	pthread_mutex_unlock(&registry_lock);
	*out = l;
	return 0;
}

void inv_write_lock_put(struct inv_write_lock *l)
{
	struct inv_write_lock **pp;

	if (!l)
		return;
	pthread_mutex_lock(&registry_lock);
	if (--l->refs == 0) {
		for (pp = &registry; *pp != l; pp = &(*pp)->next)
			;
		*pp = l->next;
		pthread_mutex_destroy(&l->mutex);
		free(l);
	}
	pthread_mutex_unlock(&registry_lock);
}

int inv_write_lock_acquire(struct inv_write_lock *l, unsigned timeout_ms)
{
	struct timespec until;

	if (!l)
		return 0;
	clock_gettime(CLOCK_REALTIME, &until);
	until.tv_sec += timeout_ms / 1000;
	until.tv_nsec += (long)(timeout_ms % 1000) * 1000000;
	if (until.tv_nsec >= 1000000000) {
		until.tv_sec++;
		until.tv_nsec -= 1000000000;
	}
	/*
	 * Bounded like SQLite's own wait: a writer that never lets go (or this
	 * thread holding a group on another connection) ends in SQLite's
	 * SQLITE_BUSY after the same time, never in a hang.
	 */
	return pthread_mutex_timedlock(&l->mutex, &until) ? -EBUSY : 0;
}

void inv_write_lock_release(struct inv_write_lock *l)
{
	if (l)
		pthread_mutex_unlock(&l->mutex);
}
