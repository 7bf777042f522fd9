/*
 * wire/frame.h - length-prefixed frames on a byte stream.
 *
 * Every message between nodes (and from sensors to their node) travels in
 * a frame: a 10-byte header followed by `length` payload bytes.
 *
 *   offset size  field
 *   0      2     magic: 0x4D 0x57 ("MW")
 *   2      1     version: 1
 *   3      1     type (enum wire_frame_type)
 *   4      2     flags, big-endian; none defined in version 1, must be 0
 *   6      4     length of the payload in bytes, big-endian uint32
 *   10     len   payload: one encoded protobuf message, per type
 *
 * The decoder is incremental and stateless: give it whatever bytes have
 * arrived; it returns a complete frame, or -EAGAIN (need more bytes), or
 * an error as soon as the bytes present prove one: -MW_EFRAME for a bad
 * magic, version, type or flags (checked byte by byte, so garbage is
 * rejected after its first wrong byte), -EMSGSIZE when the length exceeds
 * the configured maximum (decided from the header alone, before any
 * payload is buffered or allocated). It never reads past the bytes given.
 */
#ifndef MW_WIRE_FRAME_H
#define MW_WIRE_FRAME_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <protobuf-c/protobuf-c.h>

#include "core/buf.h"

#define WIRE_FRAME_MAGIC0  0x4D /* 'M' */
#define WIRE_FRAME_MAGIC1  0x57 /* 'W' */
#define WIRE_FRAME_VERSION 1
#define WIRE_FRAME_HDR_LEN 10

/* Default and hard ceiling for the configured maximum payload size. */
#define WIRE_FRAME_MAX_DEFAULT (1u << 20)  /* 1 MiB */
#define WIRE_FRAME_MAX_LIMIT   (64u << 20) /* 64 MiB */

enum wire_frame_type {
	WIRE_FT_ENVELOPE = 1,    /* Envelope: signed data between nodes */
	WIRE_FT_HELLO = 2,       /* Hello: first frame on a link, both ways */
	WIRE_FT_ACK = 3,         /* Ack: durable acknowledgement */
	WIRE_FT_HEARTBEAT = 4,   /* Heartbeat: liveness and RTT */
	WIRE_FT_OBSERVATION = 5, /* Observation: sensor ingest (unsigned; TLS identifies) */
	WIRE_FT_MAX = WIRE_FT_OBSERVATION
};

struct wire_frame {
	enum wire_frame_type type;
	uint16_t flags;
	uint32_t len;           /* payload length */
	const uint8_t *payload; /* points into the caller's bytes; NULL if len == 0 */
};

/* "ENVELOPE", "HELLO", ...; "?" for anything else. */
const char *wire_frame_type_str(int type);

/*
 * Parse one frame at the start of p[0..n). max_payload is the configured
 * maximum payload length (1..WIRE_FRAME_MAX_LIMIT).
 * Returns the total frame size (header + payload, > 0) and fills *out
 * (payload pointing into p); the caller consumes that many bytes after it
 * has used the payload. Errors: -EAGAIN need more bytes, -EMSGSIZE
 * length > max_payload, -MW_EFRAME bad header, -EINVAL bad arguments.
 * *out is untouched on error.
 */
int wire_frame_parse(const uint8_t *p, size_t n, uint32_t max_payload, struct wire_frame *out);

/* The same over the unread bytes of a stream buffer (nothing consumed). */
int wire_frame_peek(const struct mw_buf *b, uint32_t max_payload, struct wire_frame *out);

/* Write a header for a payload of len bytes. -EINVAL for a bad type,
 * -EMSGSIZE for len > WIRE_FRAME_MAX_LIMIT. */
int wire_frame_header(uint8_t hdr[WIRE_FRAME_HDR_LEN], enum wire_frame_type type, size_t len);

/* Append header + payload to out. -ENOBUFS if out's maximum would be
 * exceeded (out unchanged), plus wire_frame_header's errors. */
int wire_frame_append(struct mw_buf *out, enum wire_frame_type type, const void *payload,
                      size_t len);

/*
 * Protobuf-level sanity of an unpacked message and its sub-messages:
 * protobuf-c 1.4 accepts a field number 0 written as a non-minimal varint
 * tag (e.g. 0x82 0x00) and keeps it as an unknown field, although field
 * numbers start at 1 and the minimal form of the same tag is refused.
 * Every decoder calls this so such input is refused consistently:
 * 0 or -MW_EDECODE.
 */
int wire_msg_sane(const ProtobufCMessage *m);

/*
 * A bump allocator for protobuf-c unpacking over caller memory, so that
 * decoding an envelope does not cost a malloc and a free per field: each
 * allocation is carved from buf (16-byte aligned); one that does not fit
 * comes from malloc and sets spilled. Frees of arena memory do nothing.
 * Release a message unpacked with &a->pc by wire_arena_free_msg(a, m),
 * which frees the spilled parts only (nothing to do when none spilled);
 * buf must outlive the message.
 */
struct wire_arena {
	ProtobufCAllocator pc; /* give &pc to protobuf-c's unpack */
	unsigned char *buf;
	size_t cap, used;
	bool spilled;
};
void wire_arena_init(struct wire_arena *a, void *buf, size_t cap);
void wire_arena_free_msg(struct wire_arena *a, ProtobufCMessage *m);

/* Append the encoded protobuf message m to out; returns bytes appended.
 * -ENOBUFS/-ENOMEM (out unchanged), -EMSGSIZE if larger than
 * WIRE_FRAME_MAX_LIMIT. */
int wire_msg_encode(const ProtobufCMessage *m, struct mw_buf *out);
/* Append m in a frame of the given type; returns bytes appended (header
 * included). Errors as wire_msg_encode and wire_frame_header. */
int wire_msg_frame(enum wire_frame_type type, const ProtobufCMessage *m, struct mw_buf *out);

#endif
