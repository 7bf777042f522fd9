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
 *     decode again and verify with the same result.
 */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/buf.h"
#include "core/err.h"
#include "fuzz_common.h"
#include "wire/envelope.h"
#include "wire/frame.h"
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

static void envelope(const struct wire_keyring *kr, struct wire_sigcache *cache,
                     const struct wire_frame *f)
{
	struct wire_envelope e;
	if (wire_envelope_decode(f->payload, f->len, &e) < 0)
		return;
	if (wire_body_check(&e.hdr) != 0)
		abort();
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
