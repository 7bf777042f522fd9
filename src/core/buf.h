/*
 * core/buf.h - bounded buffers.
 *
 * struct mw_buf is a growable byte buffer with a hard maximum set at
 * init: it grows by doubling up to `max` and refuses (-ENOBUFS) anything
 * beyond, so a peer can never make a node allocate without limit. Bytes
 * are appended at the end and consumed from the front (a stream buffer
 * for framing); consumption is O(1) and the unread bytes are moved to
 * the front lazily, only when room is needed.
 *
 * struct mw_ring is a fixed-capacity FIFO of fixed-size elements,
 * allocated once at init; push on a full ring returns -ENOBUFS.
 *
 * Invariants:
 *  1. off <= len <= cap <= max for mw_buf; data is NULL iff cap == 0.
 *  2. A failing call leaves the buffer exactly as it was.
 *  3. Size arithmetic is checked for overflow before it is done.
 */
#ifndef MW_CORE_BUF_H
#define MW_CORE_BUF_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct mw_buf {
	uint8_t *data;
	size_t off; /* first unread byte */
	size_t len; /* end of valid bytes */
	size_t cap;
	size_t max;
};

/* Caller-owned storage; no allocation until the first append. */
void mw_buf_init(struct mw_buf *b, size_t max);
void mw_buf_finish(struct mw_buf *b);

/* Unread bytes and their count. */
static inline const uint8_t *mw_buf_peek(const struct mw_buf *b)
{
	return b->data ? b->data + b->off : NULL;
}
static inline size_t mw_buf_used(const struct mw_buf *b)
{
	return b->len - b->off;
}

/* Make room for n more bytes; -ENOBUFS if used + n would exceed max,
 * -ENOMEM if allocation fails. */
int mw_buf_reserve(struct mw_buf *b, size_t n);
int mw_buf_append(struct mw_buf *b, const void *p, size_t n);
/* Pointer to n writable bytes at the end (after mw_buf_reserve); commit
 * what was written with mw_buf_commit. */
uint8_t *mw_buf_tail(struct mw_buf *b);
size_t mw_buf_tailroom(const struct mw_buf *b);
void mw_buf_commit(struct mw_buf *b, size_t n);
/* Drop n bytes from the front (n <= used). */
void mw_buf_consume(struct mw_buf *b, size_t n);
void mw_buf_reset(struct mw_buf *b);

struct mw_ring {
	uint8_t *slots;
	size_t elem_size;
	size_t capacity;
	size_t head; /* index of the oldest element */
	size_t count;
};

int mw_ring_init(struct mw_ring *r, size_t elem_size, size_t capacity);
void mw_ring_finish(struct mw_ring *r);
int mw_ring_push(struct mw_ring *r, const void *elem);
/* Copy out and remove the oldest element; -ENOENT if empty. */
int mw_ring_pop(struct mw_ring *r, void *elem);
/* Pointer to the i-th oldest element (i < count), valid until the next push/pop. */
void *mw_ring_at(const struct mw_ring *r, size_t i);
static inline size_t mw_ring_count(const struct mw_ring *r)
{
	return r->count;
}
static inline bool mw_ring_full(const struct mw_ring *r)
{
	return r->count == r->capacity;
}

#endif
