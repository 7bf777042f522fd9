/*
 * fuzz/fuzz_payload.c - the payload and link-control decoders on their
 * own. The first input byte selects the decoder (mod 7: Observation,
 * Track, Alert, Hello, Ack, Heartbeat, EnvelopeBody); the rest is the
 * message.
 *
 * Beyond "no crash, no over-read, no leak" it asserts (abort on failure):
 *  1. whatever decodes passes its check function;
 *  2. an observation that decodes re-encodes, decodes again, and its
 *     second encoding is byte-identical to the first (struct <-> message
 *     conversion loses nothing);
 *  3. a decoded message re-packs into bytes that decode again;
 *  4. an observation with a sensor signature (field 8) holds it as its
 *     last 66 bytes, and the signed bytes (everything before) are the
 *     observation's encoding again (they decode, unsigned, to the same
 *     observation); the signature is verified under the fixed KOR key
 *     (fuzz_common.h), which only the seed's signature passes.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/buf.h"
#include "wire/envelope.h"
#include "wire/payload.h"
#include "wire/sign.h"
#include "fuzz_common.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const uint8_t *kor_pub(void)
{
	static uint8_t pub[WIRE_PUBKEY_LEN];
	static int state; /* 0 not yet, 1 ok, -1 failed */
	if (state == 0) {
		struct wire_signer *s = NULL;
		state = fuzz_signer("KOR", 0x11, &s) == 0 && wire_signer_public_raw(s, pub) == 0
		            ? 1
		            : -1;
		wire_signer_free(s);
	}
	return state == 1 ? pub : NULL;
}

static void obs(const uint8_t *p, size_t n)
{
	struct mw_obs o, o2;
	struct wire_obs_sig sig;
	if (wire_obs_decode_sig(p, n, &o, &sig) != 0)
		return;
	if (wire_obs_check(&o) != 0)
		abort();
	if (sig.present) {
		if (sig.signed_len + WIRE_OBS_SIG_TRAILER != n || p[sig.signed_len] != 0x42)
			abort();
		struct wire_obs_sig none;
		if (wire_obs_decode_sig(p, sig.signed_len, &o2, &none) != 0 || none.present)
			abort(); /* the prefix holds no field 8 of its own */
		const uint8_t *pub = kor_pub();
		if (pub)
			(void)wire_obs_sig_verify(pub, p, &sig);
	}
	struct mw_buf a, b;
	mw_buf_init(&a, 1 << 16);
	mw_buf_init(&b, 1 << 16);
	if (wire_obs_encode(&o, &a) <= 0)
		abort();
	if (wire_obs_decode(mw_buf_peek(&a), mw_buf_used(&a), &o2) != 0)
		abort();
	if (wire_obs_encode(&o2, &b) <= 0)
		abort();
	if (mw_buf_used(&a) != mw_buf_used(&b) ||
	    memcmp(mw_buf_peek(&a), mw_buf_peek(&b), mw_buf_used(&a)) != 0)
		abort();
	mw_buf_finish(&a);
	mw_buf_finish(&b);
}

/* Re-pack a decoded message; it must decode again with the same decoder. */
static void repack(const ProtobufCMessage *m, int (*dec)(const uint8_t *, size_t, void **))
{
	struct mw_buf a;
	mw_buf_init(&a, 1 << 20);
	if (wire_msg_encode(m, &a) < 0)
		abort();
	void *m2 = NULL;
	if (dec(mw_buf_peek(&a), mw_buf_used(&a), &m2) != 0)
		abort();
	wire_msg_free(m2);
	mw_buf_finish(&a);
}

#define DECODER(name, type)                                                                        \
	static int dec_##name(const uint8_t *p, size_t n, void **out)                              \
	{                                                                                          \
		return wire_##name##_decode(p, n, (type **)out);                                   \
	}
DECODER(track, Mwlink__Track)
DECODER(alert, Mwlink__Alert)
DECODER(hello, Mwlink__Hello)
DECODER(ack, Mwlink__Ack)
DECODER(heartbeat, Mwlink__Heartbeat)

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 1)
		return 0;
	const uint8_t *p = data + 1;
	size_t n = size - 1;
	static int (*const decs[])(const uint8_t *, size_t, void **) = {
	    NULL, dec_track, dec_alert, dec_hello, dec_ack, dec_heartbeat,
	};
	unsigned sel = data[0] % 7;
	if (sel == 0) {
		obs(p, n);
	} else if (sel == 6) {
		struct wire_body b;
		void *st = NULL;
		if (wire_body_decode(p, n, &b, &st) == 0) {
			if (wire_body_check(&b) != 0)
				abort();
			(void)wire_payload_check(&b);
			wire_body_storage_free(st);
		}
	} else {
		void *m = NULL;
		if (decs[sel](p, n, &m) == 0) {
			repack(m, decs[sel]);
			wire_msg_free(m);
		}
	}
	return 0;
}
