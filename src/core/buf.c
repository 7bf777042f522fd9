/*
 * core/buf.c - bounded byte buffer and ring (see buf.h).
 */
#include "core/buf.h"

#include <assert.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

void mw_buf_init(struct mw_buf *b, size_t max)
{
	memset(b, 0, sizeof(*b));
	b->max = max;
}

void mw_buf_finish(struct mw_buf *b)
{
	free(b->data);
	memset(b, 0, sizeof(*b));
}

int mw_buf_reserve(struct mw_buf *b, size_t n)
{
	size_t used = b->len - b->off;
	if (n > b->max || used > b->max - n)
		return -ENOBUFS;
	size_t need = used + n;
	if (b->cap - b->len >= n)
		return 0;
	if (b->cap >= need) {
		/* Enough room overall: slide unread bytes to the front. */
		memmove(b->data, b->data + b->off, used);
		b->len = used;
		b->off = 0;
		return 0;
	}
	size_t ncap = b->cap ? b->cap : 256;
	while (ncap < need)
		ncap = ncap > SIZE_MAX / 2 ? SIZE_MAX : ncap * 2;
	if (ncap > b->max)
		ncap = b->max;
	uint8_t *nd = malloc(ncap);
	if (!nd)
		return -ENOMEM;
	if (used)
		memcpy(nd, b->data + b->off, used);
	free(b->data);
	b->data = nd;
	b->cap = ncap;
	b->len = used;
	b->off = 0;
	return 0;
}

int mw_buf_append(struct mw_buf *b, const void *p, size_t n)
{
	if (n == 0)
		return 0;
	int rc = mw_buf_reserve(b, n);
	if (rc < 0)
		return rc;
	memcpy(b->data + b->len, p, n);
	b->len += n;
	return 0;
}

uint8_t *mw_buf_tail(struct mw_buf *b)
{
	return b->data ? b->data + b->len : NULL;
}

size_t mw_buf_tailroom(const struct mw_buf *b)
{
	return b->cap - b->len;
}

void mw_buf_commit(struct mw_buf *b, size_t n)
{
	assert(n <= b->cap - b->len);
	b->len += n;
}

void mw_buf_consume(struct mw_buf *b, size_t n)
{
	assert(n <= b->len - b->off);
	b->off += n;
	if (b->off == b->len)
		b->off = b->len = 0;
}

void mw_buf_reset(struct mw_buf *b)
{
	b->off = b->len = 0;
}

int mw_ring_init(struct mw_ring *r, size_t elem_size, size_t capacity)
{
	if (elem_size == 0 || capacity == 0 || capacity > SIZE_MAX / elem_size)
		return -EINVAL;
	uint8_t *s = calloc(capacity, elem_size);
	if (!s)
		return -ENOMEM;
	r->slots = s;
	r->elem_size = elem_size;
	r->capacity = capacity;
	r->head = 0;
	r->count = 0;
	return 0;
}

void mw_ring_finish(struct mw_ring *r)
{
	free(r->slots);
	memset(r, 0, sizeof(*r));
}

int mw_ring_push(struct mw_ring *r, const void *elem)
{
	if (r->count == r->capacity)
		return -ENOBUFS;
	size_t idx = (r->head + r->count) % r->capacity;
	memcpy(r->slots + idx * r->elem_size, elem, r->elem_size);
	r->count++;
	return 0;
}

int mw_ring_pop(struct mw_ring *r, void *elem)
{
	if (r->count == 0)
		return -ENOENT;
	if (elem)
		memcpy(elem, r->slots + r->head * r->elem_size, r->elem_size);
	r->head = (r->head + 1) % r->capacity;
	r->count--;
	return 0;
}

void *mw_ring_at(const struct mw_ring *r, size_t i)
{
	assert(i < r->count);
	return r->slots + ((r->head + i) % r->capacity) * r->elem_size;
}
