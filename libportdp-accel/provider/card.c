// SPDX-License-Identifier: Apache-2.0
/*
 * The provider's accel pool: one libportdp-accel instance per accel URI,
 * opened on first use, each behind its own mutex (accel.h allows one thread
 * per accel at a time). Also where a forked child gets its own accel (fork
 * rule in provider.h) and where the soft backend is pointed at the private
 * library context, so its OpenSSL calls never come back into this provider.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <openssl/crypto.h>

#include "provider.h"

/* The accel URI for a parsed key URI: the URI's own, else the configuration's. */
const char *portdp_accel_uri(const struct portdp_prov *prov, const struct portdp_uri *uri)
{
	static __thread char buf[PATH_MAX + 8];
	const char *env;

	switch (uri->accel) {
	case PORTDP_ACCEL_SOFT:
		return "soft:";
	case PORTDP_ACCEL_DEV:
		snprintf(buf, sizeof(buf), "dev:%s", uri->dev);
		return buf;
	default:
		break;
	}
	if (prov->accel_default)
		return prov->accel_default;
	env = getenv("PORTDP_ACCEL");
	if (env && *env)
		return env;
	return "dev:"; /* slot keys without a named accel: the first card */
}

/* Open @card->accel with the private library context as this thread's default. */
static int card_open(struct portdp_prov *prov, struct portdp_card *card)
{
	OSSL_LIB_CTX *prev = OSSL_LIB_CTX_set0_default(prov->libctx);
	int ret;

	ret = pdp_accel_open(card->accel_uri, &card->accel);
	OSSL_LIB_CTX_set0_default(prev);
	if (ret) {
		card->accel = NULL;
		PORTDP_ERR(prov, PORTDP_R_ACCEL, "cannot open accel '%s': %s", card->accel_uri,
			   portdp_errno_str(ret));
		return ret;
	}
	card->pid = getpid();
	card->gen++;
	return 0;
}

int portdp_card_get(struct portdp_prov *prov, const char *accel_uri, struct portdp_card **out)
{
	struct portdp_card *c;
	int ret = 0;

	pthread_mutex_lock(&prov->cards_lock);
	for (c = prov->cards; c; c = c->next)
		if (!strcmp(c->accel_uri, accel_uri))
			goto found;
	c = calloc(1, sizeof(*c));
	if (!c || !(c->accel_uri = strdup(accel_uri))) {
		free(c);
		ret = -ENOMEM;
		PORTDP_ERR(prov, PORTDP_R_INTERNAL, "out of memory");
		goto out;
	}
	pthread_mutex_init(&c->lock, NULL);
	/* Open now so a bad accel is reported where the key is named. */
	ret = card_open(prov, c);
	if (ret) {
		pthread_mutex_destroy(&c->lock);
		free(c->accel_uri);
		free(c);
		goto out;
	}
	c->next = prov->cards;
	prov->cards = c;
found:
	*out = c;
out:
	pthread_mutex_unlock(&prov->cards_lock);
	return ret;
}

int portdp_card_enter(struct portdp_prov *prov, struct portdp_card *card)
{
	int ret;

	pthread_mutex_lock(&card->lock);
	if (card->accel && card->pid != getpid()) {
		/* Forked: the parent's accel stays untouched (see the fork rule). */
		card->accel = NULL;
	}
	if (!card->accel) {
		ret = card_open(prov, card);
		if (ret) {
			pthread_mutex_unlock(&card->lock);
			return ret;
		}
	}
	card->saved = OSSL_LIB_CTX_set0_default(prov->libctx);
	return 0;
}

void portdp_card_leave(struct portdp_prov *prov, struct portdp_card *card)
{
	(void)prov;
	OSSL_LIB_CTX_set0_default(card->saved);
	card->saved = NULL;
	pthread_mutex_unlock(&card->lock);
}

/* Free a key handle, unless it belongs to a parent's accel (fork rule) or an old one. */
void portdp_card_free_handle(struct portdp_prov *prov, struct portdp_card *card,
			     struct pdp_key *handle, unsigned gen)
{
	pthread_mutex_lock(&card->lock);
	if (card->accel && card->pid == getpid() && gen == card->gen) {
		OSSL_LIB_CTX *prev = OSSL_LIB_CTX_set0_default(prov->libctx);

		pdp_key_free(handle);
		OSSL_LIB_CTX_set0_default(prev);
	}
	pthread_mutex_unlock(&card->lock);
}

/* Provider teardown: every key object is gone by now (libcrypto frees them first). */
void portdp_cards_free(struct portdp_prov *prov)
{
	struct portdp_card *c, *next;

	for (c = prov->cards; c; c = next) {
		next = c->next;
		if (c->accel && c->pid == getpid()) {
			OSSL_LIB_CTX *prev = OSSL_LIB_CTX_set0_default(prov->libctx);

			pdp_accel_close(c->accel);
			OSSL_LIB_CTX_set0_default(prev);
		}
		pthread_mutex_destroy(&c->lock);
		free(c->accel_uri);
		free(c);
	}
	prov->cards = NULL;
}
