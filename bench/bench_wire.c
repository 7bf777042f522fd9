/*
 * bench/bench_wire.c - `make bench-wire`: what batch signing buys.
 *
 * Measured in the same run, on one core, optimised build:
 *   baseline  one Ed25519 signature per envelope: sign + verify per envelope
 *             (libsodium, the primitive wire/sign.c uses since session 6)
 *   batched   one signature per batch of B envelopes (Merkle root), each
 *             envelope verified alone by the receiver through the
 *             verified-batch cache (one Ed25519 verify per batch + its
 *             Merkle path per envelope), for B = 1, 16, 64, 256, 1024
 * Envelopes carry a 256-byte payload (the benchmark size). Prints
 * envelopes/s for signing and for verifying, and the ratio to the baseline.
 * The receive figure includes decoding the frame and the envelope, i.e.
 * all the work a node does before journaling.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "core/buf.h"
#include "core/err.h"
#include "core/time.h"
#include "wire/envelope.h"
#include "wire/frame.h"
#include "wire/sign.h"

#define PAYLOAD_LEN 256
#define TOTAL       8192 /* envelopes per measurement */

struct run {
	double sign_per_s;
	double recv_per_s;
	size_t frame_len;
};

static void die(const char *what, int rc)
{
	fprintf(stderr, "bench-wire: %s: %s\n", what, mw_errname(rc));
	exit(1);
}

static struct run measure(struct wire_signer *s, const struct wire_keyring *kr, size_t batch)
{
	static uint8_t payload[PAYLOAD_LEN];
	memset(payload, 0xA5, sizeof(payload));
	struct mw_buf bodies, frames;
	mw_buf_init(&bodies, 64u << 20);
	mw_buf_init(&frames, 64u << 20);
	size_t *off = calloc(TOTAL, sizeof(*off));
	size_t *foff = calloc(TOTAL + 1, sizeof(*foff));
	struct wire_slice *sl = calloc(TOTAL, sizeof(*sl));
	struct wire_auth *auth = calloc(TOTAL, sizeof(*auth));
	if (!off || !foff || !sl || !auth)
		die("alloc", -ENOMEM);
	for (size_t i = 0; i < TOTAL; i++) {
		struct wire_body b;
		memset(&b, 0, sizeof(b));
		memcpy(b.origin, "KOR", 4);
		b.seq = 1 + i;
		b.kind = WIRE_KIND_OBSERVATION;
		b.n_release = 2;
		memcpy(b.release[0], "USA", 4);
		memcpy(b.release[1], "JPN", 4);
		b.data_t_ns = INT64_C(1702944000) * MW_NS_PER_S + (mw_time_ns)i;
		b.payload = payload;
		b.payload_len = sizeof(payload);
		off[i] = mw_buf_used(&bodies);
		int rc = wire_body_encode(&b, &bodies);
		if (rc < 0)
			die("body", rc);
		sl[i].len = (size_t)rc;
	}
	for (size_t i = 0; i < TOTAL; i++)
		sl[i].p = mw_buf_peek(&bodies) + off[i];

	struct run r;
	mw_time_ns t0 = mw_time_mono_ns();
	for (size_t i = 0; i < TOTAL; i += batch) {
		size_t n = TOTAL - i < batch ? TOTAL - i : batch;
		int rc = wire_batch_sign(s, sl + i, n, auth + i);
		if (rc < 0)
			die("sign", rc);
	}
	mw_time_ns t1 = mw_time_mono_ns();
	r.sign_per_s = TOTAL / ((double)(t1 - t0) / 1e9);
	for (size_t i = 0; i < TOTAL; i++) {
		foff[i] = mw_buf_used(&frames);
		int rc = wire_envelope_frame(sl[i].p, sl[i].len, &auth[i], &frames);
		if (rc < 0)
			die("frame", rc);
	}
	foff[TOTAL] = mw_buf_used(&frames);
	r.frame_len = foff[1] - foff[0];

	struct wire_sigcache *cache;
	if (wire_sigcache_new(1024, &cache) < 0)
		die("cache", -ENOMEM);
	const uint8_t *base = mw_buf_peek(&frames);
	t0 = mw_time_mono_ns();
	for (size_t i = 0; i < TOTAL; i++) {
		struct wire_frame f;
		int rc = wire_frame_parse(base + foff[i], foff[i + 1] - foff[i],
		                          WIRE_FRAME_MAX_DEFAULT, &f);
		if (rc < 0)
			die("parse", rc);
		struct wire_envelope e;
		rc = wire_envelope_decode(f.payload, f.len, &e);
		if (rc < 0)
			die("decode", rc);
		rc = wire_verify(kr, cache, &e);
		if (rc < 0)
			die("verify", rc);
		wire_envelope_finish(&e);
	}
	t1 = mw_time_mono_ns();
	r.recv_per_s = TOTAL / ((double)(t1 - t0) / 1e9);
	struct wire_sigcache_stats st;
	wire_sigcache_stats(cache, &st);
	if (st.verifies != (TOTAL + batch - 1) / batch)
		die("unexpected number of Ed25519 verifications", -EPROTO);
	wire_sigcache_free(cache);
	mw_buf_finish(&bodies);
	mw_buf_finish(&frames);
	free(off);
	free(foff);
	free(sl);
	free(auth);
	return r;
}

int main(void)
{
	struct wire_signer *s;
	struct wire_keyring *kr;
	int rc = wire_signer_generate("KOR", &s);
	if (rc < 0)
		die("keygen", rc);
	if ((rc = wire_keyring_new(2, &kr)) < 0 ||
	    (rc = wire_keyring_add(kr, "KOR", wire_signer_key(s))) < 0)
		die("keyring", rc);

	/* baseline: a signature per envelope, a verification per envelope
	 * (no cache: the receiver of single-signed envelopes can't share one) */
	uint8_t msg[PAYLOAD_LEN + 64];
	memset(msg, 0x5A, sizeof(msg));
	/* the node's own primitive (wire/sign.c): libsodium's Ed25519 */
	uint8_t pk[crypto_sign_ed25519_PUBLICKEYBYTES], sk[crypto_sign_ed25519_SECRETKEYBYTES];
	if (sodium_init() < 0 || crypto_sign_ed25519_keypair(pk, sk) != 0)
		die("libsodium key", -EIO);
	uint8_t sig[64];
	const int N = 2000;
	mw_time_ns t0 = mw_time_mono_ns();
	for (int i = 0; i < N; i++)
		if (crypto_sign_ed25519_detached(sig, NULL, msg, sizeof(msg), sk) != 0)
			die("sign", -EIO);
	mw_time_ns t1 = mw_time_mono_ns();
	for (int i = 0; i < N; i++)
		if (crypto_sign_ed25519_verify_detached(sig, msg, sizeof(msg), pk) != 0)
			die("verify", -EIO);
	mw_time_ns t2 = mw_time_mono_ns();
	sodium_memzero(sk, sizeof(sk));
	double base_sign = N / ((double)(t1 - t0) / 1e9);
	double base_verify = N / ((double)(t2 - t1) / 1e9);
	printf("bench-wire: %d-byte payloads, %d envelopes per run, one core\n", PAYLOAD_LEN,
	       TOTAL);
	printf("baseline (one Ed25519 signature per envelope): sign %.0f/s (%.1f us), verify "
	       "%.0f/s (%.1f us)\n",
	       base_sign, 1e6 / base_sign, base_verify, 1e6 / base_verify);
	printf("%8s %12s %10s %14s %10s %11s\n", "batch", "sign/s", "x base", "receive/s", "x base",
	       "frame bytes");
	const size_t batches[] = {1, 16, 64, 256, 1024};
	for (size_t k = 0; k < sizeof(batches) / sizeof(batches[0]); k++) {
		struct run r = measure(s, kr, batches[k]);
		printf("%8zu %12.0f %10.1f %14.0f %10.1f %11zu\n", batches[k], r.sign_per_s,
		       r.sign_per_s / base_sign, r.recv_per_s, r.recv_per_s / base_verify,
		       r.frame_len);
	}
	printf("target (issue 5): >= 100000 envelopes/s verified before journaling\n");
	wire_keyring_free(kr);
	wire_signer_free(s);
	return 0;
}
