// SPDX-License-Identifier: Apache-2.0
/*
 * fork() safety of the provider's locks. A child gets only the forking
 * thread, so a card mutex that another thread held at fork() time would stay
 * locked in the child for ever. The atfork handlers take every provider's
 * list lock and card locks before fork() (waiting for card calls in flight to
 * end) and release them on both sides afterwards; the child then replaces
 * the accels on first use (fork rule in provider.h). glibc drops these
 * handlers when the module is unloaded.
 */
#include <pthread.h>

#include "provider.h"

static pthread_mutex_t registry_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_once_t registry_once = PTHREAD_ONCE_INIT;
static struct portdp_prov *registry; /* every live provider context */

static void prepare(void)
{
	struct portdp_prov *p;
	struct portdp_card *c;

	pthread_mutex_lock(&registry_lock);
	for (p = registry; p; p = p->next) {
		pthread_mutex_lock(&p->cards_lock);
		for (c = p->cards; c; c = c->next)
			pthread_mutex_lock(&c->lock);
	}
}

/* Same order as prepare(), so both sides end with everything unlocked. */
static void release(void)
{
	struct portdp_prov *p;
	struct portdp_card *c;

	for (p = registry; p; p = p->next) {
		for (c = p->cards; c; c = c->next)
			pthread_mutex_unlock(&c->lock);
		pthread_mutex_unlock(&p->cards_lock);
	}
	pthread_mutex_unlock(&registry_lock);
}

static void install(void)
{
	pthread_atfork(prepare, release, release);
}

void portdp_fork_register(struct portdp_prov *prov)
{
	pthread_once(&registry_once, install);
	pthread_mutex_lock(&registry_lock);
	prov->next = registry;
	registry = prov;
	pthread_mutex_unlock(&registry_lock);
}

void portdp_fork_unregister(struct portdp_prov *prov)
{
	struct portdp_prov **pp;

	pthread_mutex_lock(&registry_lock);
	for (pp = &registry; *pp; pp = &(*pp)->next)
		if (*pp == prov) {
			*pp = prov->next;
			break;
		}
	pthread_mutex_unlock(&registry_lock);
}
