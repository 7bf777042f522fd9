/*
 * wire/envelope.h - the Envelope: what nodes share, signed by its origin.
 *
 *   Envelope     { bytes body; Auth auth; }        (frame type ENVELOPE)
 *   EnvelopeBody { origin, seq, kind, releasable_to[], exercise,
 *                  data_t_ns, payload }             (the signed bytes)
 *
 * The origin encodes the body once; from then on the body travels and is
 * journaled as those exact bytes. Receivers decode it to read the header
 * fields and hash it as is to verify the signature, so a relay that
 * forwards an envelope must forward its bytes unchanged and verification
 * never depends on re-encoding.
 *
 * Decoding validates every field (see docs/protocol.md, "Limits"):
 * -MW_EDECODE when the bytes are not the protobuf message, -MW_EFIELD when
 * a field is missing or out of range.
 */
#ifndef MW_WIRE_ENVELOPE_H
#define MW_WIRE_ENVELOPE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/buf.h"
#include "core/obs.h"
#include "core/time.h"
#include "wire/frame.h"
#include "wire/sign.h"

enum wire_kind {
	WIRE_KIND_OBSERVATION = 1,
	WIRE_KIND_TRACK = 2,
	WIRE_KIND_ALERT = 3,
};

#define WIRE_MAX_RELEASE 32 /* nations in a releasability set */
/* Bytes of an encoded EnvelopeBody (and so of its payload): 1 KiB less
 * than the default frame maximum, so an envelope whose Auth carries the
 * longest proof (16 hashes, about 680 bytes with the signature and root)
 * still fits a default-size frame. */
#define WIRE_MAX_BODY (WIRE_FRAME_MAX_DEFAULT - 1024u)

/* "OBSERVATION", "TRACK", "ALERT"; "?" otherwise. */
const char *wire_kind_str(int kind);

/* The fields of an EnvelopeBody. */
struct wire_body {
	char origin[MW_NATION_LEN];
	uint64_t seq; /* 1..INT64_MAX (journals store it signed) */
	enum wire_kind kind;
	uint32_t n_release; /* 1..WIRE_MAX_RELEASE, no duplicates */
	char release[WIRE_MAX_RELEASE][MW_NATION_LEN];
	bool exercise;
	mw_time_ns data_t_ns;   /* > 0 */
	const uint8_t *payload; /* encoded Observation/Track/Alert; not owned */
	size_t payload_len;     /* 1..WIRE_MAX_BODY */
};

/* Validate b (the same rules as decoding). 0 or -MW_EFIELD. */
int wire_body_check(const struct wire_body *b);
/* Is nation in the releasability set? */
bool wire_body_releasable_to(const struct wire_body *b, const char *nation);

/* Validate and append the encoded EnvelopeBody to out; returns the number
 * of bytes appended. -MW_EFIELD, -EMSGSIZE (encoding longer than
 * WIRE_MAX_BODY), -ENOBUFS, -ENOMEM; out unchanged on error. */
int wire_body_encode(const struct wire_body *b, struct mw_buf *out);

/* Decode and validate an EnvelopeBody. out->payload points into a copy
 * owned by *storage, which the caller frees with wire_body_storage_free(). */
int wire_body_decode(const uint8_t *p, size_t n, struct wire_body *out, void **storage);
void wire_body_storage_free(void *storage);

/* Append an encoded Envelope {body, auth}; returns bytes appended. */
int wire_envelope_encode(const uint8_t *body, size_t body_len, const struct wire_auth *auth,
                         struct mw_buf *out);
/* The same wrapped in an ENVELOPE frame (header + Envelope). */
int wire_envelope_frame(const uint8_t *body, size_t body_len, const struct wire_auth *auth,
                        struct mw_buf *out);

/*
 * The canonical Envelope encoding, by hand (no protobuf-c): exactly the
 * bytes wire_envelope_encode produces for (body, auth) -
 *
 *   0x0a varint(body_len) body
 *   0x12 varint(auth_len) 0x0a 0x40 signature(64) 0x12 0x20 root(32)
 *        0x18 varint(leaf_index) 0x20 varint(leaf_count)
 *        { 0x2a 0x20 proof[j](32) } for j < proof_len
 *
 * with minimal varints. A journal stores an envelope in that form as its
 * body plus a compact reference to the batch's authentication
 * (store/journal.c, format 4) and rebuilds the exact bytes with join.
 *
 * wire_envelope_joined_len: the length join would produce (0 if auth is
 * out of range). wire_envelope_join appends it to out: bytes appended,
 * -EINVAL (body empty or longer than WIRE_MAX_BODY, leaf_count 0 or above
 * WIRE_MERKLE_MAX_LEAVES, leaf_index >= leaf_count, proof_len not
 * wire_merkle_proof_len(leaf_index, leaf_count)), -ENOBUFS, -ENOMEM.
 *
 * wire_envelope_split: 0 if p[0..n) is exactly join(body, auth) for some
 * body and auth within those ranges (then *body and *auth point into p:
 * nothing is copied), -MW_EDECODE for anything else - another field
 * order, a non-minimal varint, an unknown field, a proof of the wrong
 * length - even if it is a valid envelope: split(p) == 0 implies
 * join(split(p)) == p, byte for byte. It checks no signature. Outputs
 * untouched on error.
 */
struct wire_auth_view {
	const uint8_t *signature; /* WIRE_SIG_LEN bytes */
	const uint8_t *root;      /* WIRE_HASH_LEN bytes */
	uint32_t leaf_index, leaf_count, proof_len;
	const uint8_t *proof[WIRE_MERKLE_MAX_DEPTH]; /* WIRE_HASH_LEN bytes each */
};
size_t wire_envelope_joined_len(size_t body_len, const struct wire_auth *auth);
int wire_envelope_join(const uint8_t *body, size_t body_len, const struct wire_auth *auth,
                       struct mw_buf *out);
int wire_envelope_split(const uint8_t *p, size_t n, struct wire_slice *body,
                        struct wire_auth_view *auth);

/*
 * wire_body_split: the fields of an EnvelopeBody in the form
 * wire_body_encode writes (protobuf-c's: fields 1-7 in order, each once,
 * releasable_to 1..WIRE_MAX_RELEASE times; nation codes of 3 letters A-Z,
 * minimal varints, kind and exercise one byte, nothing after the payload),
 * read without protobuf-c: 0 and *out filled (out->payload points into p;
 * wire_body_check not applied), or -MW_EDECODE for anything else, even a
 * valid body (then decode it with protobuf-c: wire_body_decode). When it
 * returns 0, *out holds exactly what protobuf-c unpacks from p
 * (fuzz-envelope checks it). *out untouched on error.
 */
int wire_body_split(const uint8_t *p, size_t n, struct wire_body *out);

/* A decoded envelope. */
struct wire_envelope {
	struct wire_body hdr; /* decoded body fields; hdr.payload points into storage */
	const uint8_t *body;  /* the exact signed body bytes, inside storage */
	size_t body_len;
	struct wire_auth auth;
	void *storage; /* private: owns body, payload */
};

/*
 * Decode an Envelope (a frame payload) and its body; validate both.
 * 0, -MW_EDECODE, -MW_EFIELD, -ENOMEM. On success release with
 * wire_envelope_finish(); on failure nothing is to be released.
 * Auth rules checked here: signature 64 bytes, root 32 bytes,
 * 1 <= leaf_count <= WIRE_MERKLE_MAX_LEAVES, leaf_index < leaf_count,
 * every proof entry 32 bytes, at most WIRE_MERKLE_MAX_DEPTH entries.
 */
int wire_envelope_decode(const uint8_t *p, size_t n, struct wire_envelope *out);
void wire_envelope_finish(struct wire_envelope *e);

/*
 * Caller storage for decoding one envelope at a time without a malloc: a
 * receiver decodes hundreds of thousands of envelopes per second, and a
 * malloc + free of a block per envelope let the allocator shrink and regrow
 * its heap (page faults) over and over. The decoded fields live in the
 * scratch until wire_envelope_finish(); decoding the next envelope into
 * the same scratch before that is a programming error. Contents private.
 */
#define WIRE_ENV_SCRATCH_BYTES 4096
struct wire_env_scratch {
	void *env, *body; /* the unpacked messages */
	struct wire_arena arena;
	bool in_use;
	bool owned; /* malloc'ed by wire_envelope_decode: freed by finish */
	_Alignas(16) unsigned char buf[WIRE_ENV_SCRATCH_BYTES];
};

/* wire_envelope_decode into caller storage s (same results and errors);
 * s must outlive *out and is free again after wire_envelope_finish(out),
 * or at once if the decode failed. */
int wire_envelope_decode_in(struct wire_env_scratch *s, const uint8_t *p, size_t n,
                            struct wire_envelope *out);

/* Verify the origin's signature of a decoded envelope (wire_verify_body on
 * its origin, body and auth): 0, -MW_ENOKEY, -MW_EPROOF, -MW_ESIG, -EIO. */
int wire_verify(const struct wire_keyring *kr, struct wire_sigcache *cache,
                const struct wire_envelope *e);

#endif
