/* SPDX-License-Identifier: Apache-2.0 */
/* A growable byte buffer: the connection's output queues and scratch space. */
#ifndef PORTDP_SERVER_BUF_H
#define PORTDP_SERVER_BUF_H

#include <errno.h>
#include <stdlib.h>
#include <string.h>

struct buf {
	char *data;
	size_t len;
	size_t cap;
};

/* Makes room for @extra more bytes. 0 or -ENOMEM (the buffer is unchanged). */
static inline int buf_reserve(struct buf *b, size_t extra)
{
	size_t cap;
	char *p;

	if (b->cap - b->len >= extra)
		return 0;
	if (extra > (size_t)-1 / 2 - b->len)
		return -ENOMEM;
	cap = b->cap ? b->cap : 4096;
	while (cap - b->len < extra)
		cap *= 2;
	p = realloc(b->data, cap);
	if (!p)
		return -ENOMEM;
	b->data = p;
	b->cap = cap;
	return 0;
}

static inline int buf_append(struct buf *b, const void *data, size_t len)
{
	int rc = buf_reserve(b, len);

	if (rc)
		return rc;
	memcpy(b->data + b->len, data, len);
	b->len += len;
	return 0;
}

static inline void buf_free(struct buf *b)
{
	free(b->data);
	b->data = NULL;
	b->len = b->cap = 0;
}

#endif
