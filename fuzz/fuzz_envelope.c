/*
 * fuzz/fuzz_envelope.c - the receive path of a node link, byte stream in:
 * frames are cut from the input one after another (as a link reads them);
 * each frame is decoded according to its type; envelopes are decoded,
 * verified against the fixed test keyring (fuzz_common.h) and their
 * payload checked; link-control frames are decoded and checked.
 *
 * Beyond "no crash, no over-read, no leak" it asserts (abort on failure):
 *  1. a parsed frame lies inside the input and is at least a header long,
 *     and the same bytes less the last one parse as -EAGAIN;
 *  2. a decoded envelope's header passes wire_body_check;
 *  3. re-framing a decoded envelope (what a relay does) gives bytes that
 *     decode again and verify with the same result;
 *  4. the canonical form (wire_envelope_split/join, what a format 4
 *     journal stores): whatever the input, if split accepts an envelope,
 *     join of its parts gives back exactly those bytes, and the parts are
 *     what protobuf-c unpacks from them (wire_envelope_decode takes them
 *     from split for such envelopes); and split accepts every envelope
 *     wire_envelope_encode produced (the re-framed one of 3) whose proof
 *     has the length its (index, count) implies;
 *  5. likewise for the body: if wire_body_split accepts a body, protobuf-c
 *     unpacks the same fields from it (the decoder's fast path), and it
 *     accepts every body wire_body_encode produced.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/buf.h"
#include "core/err.h"
#include "fuzz_common.h"
#include "wire/envelope.h"
#include "wire/frame.h"
#include "wire/mwlink.pb-c.h"
#include "wire/payload.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int verify_all(const struct wire_keyring *kr, struct wire_sigcache *c,
                      const struct wire_envelope *e)
{
	int rc = wire_verify(kr, c, e);
	if (rc == 0)
		rc = wire_payload_check(&e->hdr);
	return rc;
}

/* Assertion 5 for the body bytes p[0..n); must_split: a valid body that
 * wire_body_encode wrote. */
static void canonical_body(const uint8_t *p, size_t n, bool must_split)
{
	struct wire_body b;
	if (wire_body_split(p, n, &b) != 0) {
		if (must_split)
			abort();
		return;
	}
	Mwlink__EnvelopeBody *m = mwlink__envelope_body__unpack(NULL, n, p);
	if (!m || wire_msg_sane(&m->base) != 0 || !m->origin || strcmp(m->origin, b.origin) != 0 ||
	    !m->has_seq || m->seq != b.seq || !m->has_kind || (int)m->kind != (int)b.kind ||
	    m->n_releasable_to != b.n_release || !m->has_exercise ||
	    (m->exercise != 0) != b.exercise || !m->has_data_t_ns || m->data_t_ns != b.data_t_ns ||
	    !m->has_payload || m->payload.len != b.payload_len ||
	    (b.payload_len && memcmp(m->payload.data, b.payload, b.payload_len) != 0))
		abort();
	for (uint32_t i = 0; i < b.n_release; i++)
		if (!m->releasable_to[i] || strcmp(m->releasable_to[i], b.release[i]) != 0)
			abort();
	mwlink__envelope_body__free_unpacked(m, NULL);
	/* and it writes them back the same way */
	if (wire_body_check(&b) == 0) {
		struct mw_buf out;
		mw_buf_init(&out, 2 * FUZZ_MAX_FRAME);
		if (wire_body_encode(&b, &out) != (int)n || mw_buf_used(&out) != n ||
		    memcmp(mw_buf_peek(&out), p, n) != 0)
			abort();
		mw_buf_finish(&out);
	}
}

/* Assertion 4 for the envelope bytes p[0..n); must_split: they came from
 * wire_envelope_encode. */
static void canonical(const uint8_t *p, size_t n, bool must_split)
{
	struct wire_slice body;
	struct wire_auth_view v;
	if (wire_envelope_split(p, n, &body, &v) != 0) {
		if (must_split)
			abort();
		return;
	}
	struct wire_auth a;
	memset(&a, 0, sizeof(a));
	memcpy(a.signature, v.signature, WIRE_SIG_LEN);
	memcpy(a.root, v.root, WIRE_HASH_LEN);
	a.leaf_index = v.leaf_index;
	a.leaf_count = v.leaf_count;
	a.proof_len = v.proof_len;
	for (uint32_t j = 0; j < v.proof_len; j++)
		memcpy(a.proof[j], v.proof[j], WIRE_HASH_LEN);
	canonical_body(body.p, body.len, false);
	struct mw_buf out;
	mw_buf_init(&out, 2 * FUZZ_MAX_FRAME);
	if (wire_envelope_join(body.p, body.len, &a, &out) != (int)n ||
	    memcmp(mw_buf_peek(&out), p, n) != 0)
		abort();
	mw_buf_finish(&out);
	/* protobuf-c reads the same fields from the same bytes (the decoder's
	 * fast path for canonical envelopes, wire_envelope_decode, relies on it) */
	Mwlink__Envelope *m = mwlink__envelope__unpack(NULL, n, p);
	if (!m || wire_msg_sane(&m->base) != 0 || !m->has_body || m->body.len != body.len ||
	    memcmp(m->body.data, body.p, body.len) != 0 || !m->auth || !m->auth->has_signature ||
	    m->auth->signature.len != WIRE_SIG_LEN ||
	    memcmp(m->auth->signature.data, a.signature, WIRE_SIG_LEN) != 0 || !m->auth->has_root ||
	    m->auth->root.len != WIRE_HASH_LEN ||
	    memcmp(m->auth->root.data, a.root, WIRE_HASH_LEN) != 0 || !m->auth->has_leaf_index ||
	    m->auth->leaf_index != a.leaf_index || !m->auth->has_leaf_count ||
	    m->auth->leaf_count != a.leaf_count || m->auth->n_proof != a.proof_len)
		abort();
	for (uint32_t j = 0; j < a.proof_len; j++)
		if (m->auth->proof[j].len != WIRE_HASH_LEN ||
		    memcmp(m->auth->proof[j].data, a.proof[j], WIRE_HASH_LEN) != 0)
			abort();
	mwlink__envelope__free_unpacked(m, NULL);
}

static void envelope(const struct wire_keyring *kr, struct wire_sigcache *cache,
                     const struct wire_frame *f)
{
	canonical(f->payload, f->len, false);
	struct wire_envelope e;
	if (wire_envelope_decode(f->payload, f->len, &e) < 0)
		return;
	if (wire_body_check(&e.hdr) != 0)
		abort();
	{
		/* a valid body re-encoded is in the form wire_body_split reads */
		struct mw_buf be;
		mw_buf_init(&be, 2 * FUZZ_MAX_FRAME);
		if (wire_body_encode(&e.hdr, &be) > 0)
			canonical_body(mw_buf_peek(&be), mw_buf_used(&be), true);
		mw_buf_finish(&be);
	}
	int rc = verify_all(kr, cache, &e);

	/* relay: forward body + auth; the result must be judged the same */
	struct mw_buf fwd;
	mw_buf_init(&fwd, 2 * FUZZ_MAX_FRAME);
	if (wire_envelope_frame(e.body, e.body_len, &e.auth, &fwd) < 0)
		abort();
	struct wire_frame f2;
	if (wire_frame_parse(mw_buf_peek(&fwd), mw_buf_used(&fwd), 2 * FUZZ_MAX_FRAME, &f2) < 0)
		abort();
	struct wire_envelope e2;
	if (wire_envelope_decode(f2.payload, f2.len, &e2) != 0)
		abort();
	if (e2.body_len != e.body_len || memcmp(e2.body, e.body, e.body_len) != 0)
		abort();
	if (verify_all(kr, NULL, &e2) != rc)
		abort();
	/* canonical unless the proof has the wrong length (refused at verify) */
	canonical(f2.payload, f2.len,
	          (int)e.auth.proof_len ==
	              wire_merkle_proof_len(e.auth.leaf_index, e.auth.leaf_count));
	wire_envelope_finish(&e2);
	mw_buf_finish(&fwd);
	wire_envelope_finish(&e);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct wire_keyring *kr; /* fuzz harness only: built once */
	if (!kr && fuzz_keyring(&kr) < 0)
		abort();
	struct wire_sigcache *cache;
	if (wire_sigcache_new(4, &cache) < 0)
		abort();
	size_t off = 0;
	while (off < size) {
		struct wire_frame f;
		int n = wire_frame_parse(data + off, size - off, FUZZ_MAX_FRAME, &f);
		if (n < 0)
			break;
		if ((size_t)n > size - off || n < WIRE_FRAME_HDR_LEN ||
		    (size_t)n != WIRE_FRAME_HDR_LEN + f.len)
			abort();
		if (f.len && (f.payload != data + off + WIRE_FRAME_HDR_LEN))
			abort();
		/* incremental: one byte less is "need more", never another verdict */
		struct wire_frame g;
		if (wire_frame_parse(data + off, (size_t)n - 1, FUZZ_MAX_FRAME, &g) != -EAGAIN)
			abort();
		switch (f.type) {
		case WIRE_FT_ENVELOPE:
			envelope(kr, cache, &f);
			break;
		case WIRE_FT_HELLO: {
			Mwlink__Hello *h = NULL;
			if (wire_hello_decode(f.payload, f.len, &h) == 0 &&
			    wire_hello_check(h) != 0)
				abort();
			wire_msg_free(h);
			break;
		}
		case WIRE_FT_ACK: {
			Mwlink__Ack *a = NULL;
			if (wire_ack_decode(f.payload, f.len, &a) == 0 && wire_ack_check(a) != 0)
				abort();
			wire_msg_free(a);
			break;
		}
		case WIRE_FT_HEARTBEAT: {
			Mwlink__Heartbeat *h = NULL;
			if (wire_heartbeat_decode(f.payload, f.len, &h) == 0 &&
			    wire_heartbeat_check(h) != 0)
				abort();
			wire_msg_free(h);
			break;
		}
		case WIRE_FT_OBSERVATION: {
			struct mw_obs o;
			if (wire_obs_decode(f.payload, f.len, &o) == 0 && wire_obs_check(&o) != 0)
				abort();
			break;
		}
		default:
			abort(); /* the parser admits only known types */
		}
		off += (size_t)n;
	}
	wire_sigcache_free(cache);
	return 0;
}
