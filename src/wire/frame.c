/*
 * wire/frame.c - length-prefixed frames (format in frame.h).
 *
 * How it works: wire_frame_parse() looks at the header bytes that are
 * present, one at a time, and fails on the first one that cannot start a
 * valid frame; once the 10 header bytes are there it checks the length
 * against the configured maximum, and only then waits for the payload.
 *
 * Invariants:
 *  1. Never reads p[i] for i >= n.
 *  2. -EMSGSIZE is decided from the header alone: an oversized frame never
 *     makes a caller buffer its payload.
 *  3. A returned frame's payload lies entirely inside p[0..n).
 */
#include "wire/frame.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "core/err.h"

const char *wire_frame_type_str(int type)
{
	switch (type) {
	case WIRE_FT_ENVELOPE:
		return "ENVELOPE";
	case WIRE_FT_HELLO:
		return "HELLO";
	case WIRE_FT_ACK:
		return "ACK";
	case WIRE_FT_HEARTBEAT:
		return "HEARTBEAT";
	case WIRE_FT_OBSERVATION:
		return "OBSERVATION";
	default:
		return "?";
	}
}

static int type_valid(unsigned t)
{
	return t >= WIRE_FT_ENVELOPE && t <= WIRE_FT_MAX;
}

int wire_frame_parse(const uint8_t *p, size_t n, uint32_t max_payload, struct wire_frame *out)
{
	if ((!p && n) || !out || max_payload == 0 || max_payload > WIRE_FRAME_MAX_LIMIT)
		return -EINVAL;
	/* Byte by byte, so garbage is refused as early as possible. */
	if (n > 0 && p[0] != WIRE_FRAME_MAGIC0)
		return -MW_EFRAME;
	if (n > 1 && p[1] != WIRE_FRAME_MAGIC1)
		return -MW_EFRAME;
	if (n > 2 && p[2] != WIRE_FRAME_VERSION)
		return -MW_EFRAME;
	if (n > 3 && !type_valid(p[3]))
		return -MW_EFRAME;
	if (n > 4 && p[4] != 0)
		return -MW_EFRAME; /* no flags defined in version 1 */
	if (n > 5 && p[5] != 0)
		return -MW_EFRAME;
	if (n < WIRE_FRAME_HDR_LEN)
		return -EAGAIN;
	uint32_t len = (uint32_t)p[6] << 24 | (uint32_t)p[7] << 16 | (uint32_t)p[8] << 8 | p[9];
	if (len > max_payload)
		return -EMSGSIZE;
	if (n - WIRE_FRAME_HDR_LEN < len)
		return -EAGAIN;
	out->type = (enum wire_frame_type)p[3];
	out->flags = 0;
	out->len = len;
	out->payload = len ? p + WIRE_FRAME_HDR_LEN : NULL;
	return (int)(WIRE_FRAME_HDR_LEN + len);
}

int wire_frame_peek(const struct mw_buf *b, uint32_t max_payload, struct wire_frame *out)
{
	if (!b)
		return -EINVAL;
	return wire_frame_parse(mw_buf_peek(b), mw_buf_used(b), max_payload, out);
}

int wire_frame_header(uint8_t hdr[WIRE_FRAME_HDR_LEN], enum wire_frame_type type, size_t len)
{
	if (!hdr || !type_valid((unsigned)type))
		return -EINVAL;
	if (len > WIRE_FRAME_MAX_LIMIT)
		return -EMSGSIZE;
	hdr[0] = WIRE_FRAME_MAGIC0;
	hdr[1] = WIRE_FRAME_MAGIC1;
	hdr[2] = WIRE_FRAME_VERSION;
	hdr[3] = (uint8_t)type;
	hdr[4] = 0;
	hdr[5] = 0;
	hdr[6] = (uint8_t)(len >> 24);
	hdr[7] = (uint8_t)(len >> 16);
	hdr[8] = (uint8_t)(len >> 8);
	hdr[9] = (uint8_t)len;
	return 0;
}

int wire_frame_append(struct mw_buf *out, enum wire_frame_type type, const void *payload,
                      size_t len)
{
	uint8_t hdr[WIRE_FRAME_HDR_LEN];
	if (!out || (!payload && len))
		return -EINVAL;
	int rc = wire_frame_header(hdr, type, len);
	if (rc < 0)
		return rc;
	rc = mw_buf_reserve(out, WIRE_FRAME_HDR_LEN + len);
	if (rc < 0)
		return rc;
	/* Cannot fail now: room is reserved. */
	mw_buf_append(out, hdr, sizeof(hdr));
	if (len)
		mw_buf_append(out, payload, len);
	return 0;
}

int wire_msg_encode(const ProtobufCMessage *m, struct mw_buf *out)
{
	if (!m || !out)
		return -EINVAL;
	size_t len = protobuf_c_message_get_packed_size(m);
	if (len > WIRE_FRAME_MAX_LIMIT)
		return -EMSGSIZE;
	int rc = mw_buf_reserve(out, len);
	if (rc < 0)
		return rc;
	if (len)
		protobuf_c_message_pack(m, mw_buf_tail(out));
	mw_buf_commit(out, len);
	return (int)len;
}

int wire_msg_frame(enum wire_frame_type type, const ProtobufCMessage *m, struct mw_buf *out)
{
	uint8_t hdr[WIRE_FRAME_HDR_LEN];
	if (!m || !out)
		return -EINVAL;
	size_t len = protobuf_c_message_get_packed_size(m);
	int rc = wire_frame_header(hdr, type, len);
	if (rc < 0)
		return rc;
	rc = mw_buf_reserve(out, sizeof(hdr) + len);
	if (rc < 0)
		return rc;
	mw_buf_append(out, hdr, sizeof(hdr));
	if (len)
		protobuf_c_message_pack(m, mw_buf_tail(out));
	mw_buf_commit(out, len);
	return (int)(sizeof(hdr) + len);
}

int wire_msg_sane(const ProtobufCMessage *m)
{
	if (!m)
		return -MW_EDECODE;
	for (unsigned i = 0; i < m->n_unknown_fields; i++)
		if (m->unknown_fields[i].tag == 0)
			return -MW_EDECODE;
	const ProtobufCMessageDescriptor *d = m->descriptor;
	const char *base = (const char *)m;
	for (unsigned i = 0; i < d->n_fields; i++) {
		const ProtobufCFieldDescriptor *f = &d->fields[i];
		if (f->type != PROTOBUF_C_TYPE_MESSAGE)
			continue;
		if (f->flags & PROTOBUF_C_FIELD_FLAG_ONEOF) {
			uint32_t which;
			memcpy(&which, base + f->quantifier_offset, sizeof(which));
			if (which != f->id)
				continue;
		}
		if (f->label == PROTOBUF_C_LABEL_REPEATED) {
			size_t n;
			ProtobufCMessage **arr;
			memcpy(&n, base + f->quantifier_offset, sizeof(n));
			memcpy(&arr, base + f->offset, sizeof(arr));
			for (size_t k = 0; k < n; k++)
				if (wire_msg_sane(arr[k]) < 0)
					return -MW_EDECODE;
		} else {
			ProtobufCMessage *sub;
			memcpy(&sub, base + f->offset, sizeof(sub));
			if (sub && wire_msg_sane(sub) < 0)
				return -MW_EDECODE;
		}
	}
	return 0;
}

/* ---- arena allocator for unpacking ---- */

#define ARENA_ALIGN 16u /* >= alignof(max_align_t) on the supported ABIs */

static void *arena_alloc(void *ud, size_t n)
{
	struct wire_arena *a = ud;
	size_t off = (a->used + (ARENA_ALIGN - 1)) & ~(size_t)(ARENA_ALIGN - 1);
	if (off <= a->cap && n <= a->cap - off) {
		a->used = off + n;
		return a->buf + off;
	}
	a->spilled = true;
	return malloc(n ? n : 1);
}

static void arena_free(void *ud, void *p)
{
	struct wire_arena *a = ud;
	uintptr_t u = (uintptr_t)p, b = (uintptr_t)a->buf;
	if (p && (u < b || u - b >= a->cap))
		free(p);
}

void wire_arena_init(struct wire_arena *a, void *buf, size_t cap)
{
	a->pc.alloc = arena_alloc;
	a->pc.free = arena_free;
	a->pc.allocator_data = a;
	a->buf = buf;
	a->cap = buf ? cap : 0;
	a->used = 0;
	a->spilled = false;
}

void wire_arena_free_msg(struct wire_arena *a, ProtobufCMessage *m)
{
	if (m && a->spilled)
		protobuf_c_message_free_unpacked(m, &a->pc);
}
