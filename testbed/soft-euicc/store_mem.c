// SPDX-License-Identifier: Apache-2.0
/*
 * The eUICC's non-volatile memory kept in process memory instead of files
 * (seuicc_config.nvm_in_memory): the same records as store.c - a data blob
 * plus a text side value under a name - for a load generator that runs many
 * eUICCs and must not pay file I/O per binding. Gone when the eUICC closes.
 */
#include "seuicc_internal.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct nvm_record {
	struct nvm_record *next;
	char *name;
	uint8_t *data;
	size_t len;
	char *side;
};

struct seuicc_nvm {
	struct nvm_record *head;
	long seq;
};

int nvm_new(struct seuicc_nvm **out)
{
	*out = calloc(1, sizeof(**out));
	return *out ? 0 : -ENOMEM;
}

static void record_free(struct nvm_record *r)
{
	free(r->name);
	free(r->data);
	free(r->side);
	free(r);
}

void nvm_free(struct seuicc_nvm *m)
{
	struct nvm_record *r, *next;

	if (!m)
		return;
	for (r = m->head; r; r = next) {
		next = r->next;
		record_free(r);
	}
	free(m);
}

static struct nvm_record **find(struct seuicc_nvm *m, const char *name)
{
	struct nvm_record **p;

	for (p = &m->head; *p; p = &(*p)->next)
		if (!strcmp((*p)->name, name))
			return p;
	return NULL;
}

/* Replaces a record of the same name as a whole, or changes nothing. */
int nvm_put(struct seuicc_nvm *m, const char *name, const uint8_t *data, size_t len,
	    const char *side)
{
	struct nvm_record *r = calloc(1, sizeof(*r)), **old;

	if (!r)
		return -ENOMEM;
	r->name = strdup(name);
	r->side = strdup(side);
	r->data = malloc(len ? len : 1);
	if (!r->name || !r->side || !r->data) {
		record_free(r);
		return -ENOMEM;
	}
	if (len)
		memcpy(r->data, data, len);
	r->len = len;
	old = find(m, name);
	if (old) {
		r->next = (*old)->next;
		record_free(*old);
		*old = r;
	} else {
		r->next = m->head;
		m->head = r;
	}
	return 0;
}

bool nvm_exists(struct seuicc_nvm *m, const char *name)
{
	return find(m, name) != NULL;
}

int nvm_get(struct seuicc_nvm *m, const char *name, uint8_t **data, size_t *len)
{
	struct nvm_record **p = find(m, name);

	if (!p)
		return -ENOENT;
	*data = malloc((*p)->len + 1);
	if (!*data)
		return -ENOMEM;
	memcpy(*data, (*p)->data, (*p)->len);
	(*data)[(*p)->len] = '\0';
	*len = (*p)->len;
	return 0;
}

int nvm_side(struct seuicc_nvm *m, const char *name, char *buf, size_t len)
{
	struct nvm_record **p = find(m, name);

	if (!p)
		return -ENOENT;
	snprintf(buf, len, "%s", (*p)->side);
	return 0;
}

int nvm_remove(struct seuicc_nvm *m, const char *name)
{
	struct nvm_record **p = find(m, name), *r;

	if (!p)
		return -ENOENT;
	r = *p;
	*p = r->next;
	record_free(r);
	return 0;
}

int nvm_list(struct seuicc_nvm *m, const char *prefix,
	     int (*fn)(const char *rest, void *arg), void *arg)
{
	size_t plen = strlen(prefix);
	int ret;

	for (struct nvm_record *r = m->head; r; r = r->next) {
		if (strncmp(r->name, prefix, plen))
			continue;
		ret = fn(r->name + plen, arg);
		if (ret)
			return ret;
	}
	return 0;
}

int nvm_next_seq(struct seuicc_nvm *m, long *seq)
{
	*seq = ++m->seq;
	return 0;
}
