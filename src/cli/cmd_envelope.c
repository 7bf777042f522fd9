/*
 * cli/cmd_envelope.c - `mwlink envelope demo`: the wire format and origin
 * authentication end to end, in one process, with nothing faked.
 *
 * It generates a throw-away Ed25519 key in memory (never written), encodes
 * a batch of radar observations as envelope bodies, signs the batch once
 * (Merkle root), frames one envelope, then plays the receiver: parses the
 * frame, decodes the envelope, verifies it against a keyring holding only
 * the public key, and prints what it found. It verifies the rest of the
 * batch through the verified-batch cache, forwards the bytes as a relay
 * would, and finally changes single bytes (in the body, the signature)
 * and shows each rejection with its error name.
 *
 * Exit status: 0 when every step behaved as it must (honest bytes accepted,
 * every tampered copy rejected), 1 otherwise, 2 for bad usage.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "core/buf.h"
#include "core/err.h"
#include "core/obs.h"
#include "core/time.h"
#include "wire/envelope.h"
#include "wire/frame.h"
#include "wire/payload.h"
#include "wire/sign.h"

#define DEMO_MAX_BATCH 1024

static void usage(FILE *f)
{
	fprintf(f,
	        "usage: mwlink envelope demo [--batch N]\n"
	        "\n"
	        "Sign, frame, decode and verify an observation envelope with a\n"
	        "throw-away Ed25519 key, then tamper with it and show the rejection.\n"
	        "  --batch N   envelopes signed with one signature (1..%d, default 4)\n",
	        DEMO_MAX_BATCH);
}

static void hex(const uint8_t *p, size_t n, size_t show)
{
	for (size_t i = 0; i < n && i < show; i++)
		printf("%02x", p[i]);
	if (n > show)
		printf("...");
}

static struct mw_obs demo_obs(size_t i)
{
	struct mw_obs o;
	memset(&o, 0, sizeof(o));
	o.t_ns = mw_time_now_ns() + (mw_time_ns)i * 100 * MW_NS_PER_MS;
	o.sensor_id = 1;
	memcpy(o.nation, "KOR", 4);
	o.kind = MW_OBS_RADAR;
	/* a notional radar near 36.0N 127.0E (ECEF, m) */
	o.sensor_ecef_m[0] = -3094630;
	o.sensor_ecef_m[1] = 4106719;
	o.sensor_ecef_m[2] = 3727890;
	o.range_m = 412000 + 2100.0 * (double)i;
	o.az_rad = 5.61;
	o.el_rad = 0.21;
	o.has_range_rate = true;
	o.range_rate_m_s = 1850;
	o.sigma_range_m = 30;
	o.sigma_az_rad = 1e-3;
	o.sigma_el_rad = 1e-3;
	o.sigma_range_rate_m_s = 2;
	return o;
}

/* Receive one frame as a node would; returns 0 or the first error. */
static int receive(const uint8_t *p, size_t n, const struct wire_keyring *kr,
                   struct wire_sigcache *cache, struct wire_envelope *out)
{
	struct wire_frame f;
	int rc = wire_frame_parse(p, n, WIRE_FRAME_MAX_DEFAULT, &f);
	if (rc < 0)
		return rc;
	if (f.type != WIRE_FT_ENVELOPE)
		return -MW_EFRAME;
	struct wire_envelope e;
	rc = wire_envelope_decode(f.payload, f.len, &e);
	if (rc < 0)
		return rc;
	rc = wire_verify(kr, cache, &e);
	if (rc == 0)
		rc = wire_payload_check(&e.hdr);
	if (rc < 0 || !out)
		wire_envelope_finish(&e);
	else
		*out = e;
	return rc;
}

static int tamper(const char *what, const struct mw_buf *frame, size_t at,
                  const struct wire_keyring *kr, int expect)
{
	size_t n = mw_buf_used(frame);
	uint8_t *q = malloc(n);
	if (!q)
		return 1;
	memcpy(q, mw_buf_peek(frame), n);
	q[at] ^= 0x01;
	int rc = receive(q, n, kr, NULL, NULL);
	free(q);
	printf("  flip bit 0 of byte %zu (%s): %s %s (%s)\n", at, what,
	       rc == 0 ? "ACCEPTED" : "rejected", rc == 0 ? "" : mw_errname(rc),
	       rc == 0 ? "tampering missed!" : mw_strerror(rc));
	return rc == expect ? 0 : 1;
}

static int demo(size_t nbatch)
{
	int fail = 1;
	struct wire_signer *signer = NULL;
	struct wire_keyring *kr = NULL;
	struct wire_sigcache *cache = NULL;
	struct mw_buf bodies, frame, fwd;
	struct wire_slice *sl = calloc(nbatch, sizeof(*sl));
	struct wire_auth *auth = calloc(nbatch, sizeof(*auth));
	size_t *off = calloc(nbatch, sizeof(*off));
	mw_buf_init(&bodies, 64u << 20);
	mw_buf_init(&frame, WIRE_FRAME_MAX_DEFAULT + WIRE_FRAME_HDR_LEN);
	mw_buf_init(&fwd, WIRE_FRAME_MAX_DEFAULT + WIRE_FRAME_HDR_LEN);
	int rc;
	if (!sl || !auth || !off) {
		fprintf(stderr, "mwlink envelope: out of memory\n");
		goto out;
	}

	/* 1. the origin: a key, observations, bodies, one signature */
	if ((rc = wire_signer_generate("KOR", &signer)) < 0) {
		fprintf(stderr, "mwlink envelope: key generation failed: %s\n", mw_strerror(rc));
		goto out;
	}
	uint8_t pub[WIRE_PUBKEY_LEN];
	wire_signer_public_raw(signer, pub);
	printf("origin KOR: throw-away Ed25519 key generated in memory, public key ");
	hex(pub, sizeof(pub), 32);
	printf("\n");

	size_t payload_len = 0;
	for (size_t i = 0; i < nbatch; i++) {
		struct mw_obs o = demo_obs(i);
		struct mw_buf pl;
		mw_buf_init(&pl, 1 << 16);
		if ((rc = wire_obs_encode(&o, &pl)) < 0) {
			fprintf(stderr, "mwlink envelope: observation: %s\n", mw_strerror(rc));
			mw_buf_finish(&pl);
			goto out;
		}
		payload_len = mw_buf_used(&pl);
		struct wire_body b;
		memset(&b, 0, sizeof(b));
		memcpy(b.origin, "KOR", 4);
		b.seq = 1 + i;
		b.kind = WIRE_KIND_OBSERVATION;
		b.n_release = 2;
		memcpy(b.release[0], "USA", 4);
		memcpy(b.release[1], "JPN", 4);
		b.exercise = true;
		b.data_t_ns = o.t_ns;
		b.payload = mw_buf_peek(&pl);
		b.payload_len = mw_buf_used(&pl);
		off[i] = mw_buf_used(&bodies);
		rc = wire_body_encode(&b, &bodies);
		mw_buf_finish(&pl);
		if (rc < 0) {
			fprintf(stderr, "mwlink envelope: body: %s\n", mw_strerror(rc));
			goto out;
		}
		sl[i].len = (size_t)rc;
	}
	for (size_t i = 0; i < nbatch; i++)
		sl[i].p = mw_buf_peek(&bodies) + off[i];
	printf("encoded %zu radar observations: Observation %zu bytes, EnvelopeBody %zu bytes "
	       "each (seq 1..%zu, releasable to USA JPN, exercise)\n",
	       nbatch, payload_len, sl[0].len, nbatch);

	mw_time_ns t0 = mw_time_mono_ns();
	if ((rc = wire_batch_sign(signer, sl, nbatch, auth)) < 0) {
		fprintf(stderr, "mwlink envelope: signing failed: %s\n", mw_strerror(rc));
		goto out;
	}
	mw_time_ns t1 = mw_time_mono_ns();
	printf("signed the batch once: %zu leaves, Merkle root ", nbatch);
	hex(auth[0].root, WIRE_HASH_LEN, 8);
	printf(", signature ");
	hex(auth[0].signature, WIRE_SIG_LEN, 8);
	printf(" (%.0f us)\n", (double)(t1 - t0) / 1e3);

	size_t pick = nbatch / 2;
	rc = wire_envelope_frame(sl[pick].p, sl[pick].len, &auth[pick], &frame);
	if (rc < 0) {
		fprintf(stderr, "mwlink envelope: framing failed: %s\n", mw_strerror(rc));
		goto out;
	}
	printf("framed envelope seq %zu: %zu bytes = %d header + %zu Envelope "
	       "(body %zu, signature 64, root 32, proof %u x 32)\n",
	       pick + 1, mw_buf_used(&frame), WIRE_FRAME_HDR_LEN,
	       mw_buf_used(&frame) - WIRE_FRAME_HDR_LEN, sl[pick].len, auth[pick].proof_len);
	printf("  header: ");
	hex(mw_buf_peek(&frame), WIRE_FRAME_HDR_LEN, WIRE_FRAME_HDR_LEN);
	printf("  (magic 'MW', version 1, type ENVELOPE, flags 0, length)\n");

	/* 2. a receiver that knows only the public key */
	if ((rc = wire_keyring_new(4, &kr)) < 0 || (rc = wire_sigcache_new(64, &cache)) < 0 ||
	    (rc = wire_keyring_add_raw(kr, "KOR", pub)) < 0) {
		fprintf(stderr, "mwlink envelope: keyring: %s\n", mw_strerror(rc));
		goto out;
	}
	struct wire_envelope e;
	rc = receive(mw_buf_peek(&frame), mw_buf_used(&frame), kr, cache, &e);
	if (rc < 0) {
		printf("receiver: REJECTED the honest envelope: %s\n", mw_errname(rc));
		goto out;
	}
	char when[64];
	mw_time_format(e.hdr.data_t_ns, 3, when, sizeof(when));
	printf("receiver: frame parsed, envelope decoded, origin signature VERIFIED\n");
	printf("  origin %s seq %llu kind %s exercise %s data time %s\n", e.hdr.origin,
	       (unsigned long long)e.hdr.seq, wire_kind_str((int)e.hdr.kind),
	       e.hdr.exercise ? "yes" : "no", when);
	printf("  releasable to:");
	for (uint32_t i = 0; i < e.hdr.n_release; i++)
		printf(" %s", e.hdr.release[i]);
	printf("\n  leaf %u of %u, proof %u hashes\n", e.auth.leaf_index, e.auth.leaf_count,
	       e.auth.proof_len);
	struct mw_obs o;
	if (wire_obs_decode(e.hdr.payload, e.hdr.payload_len, &o) == 0)
		printf("  observation: sensor %s/%u range %.1f m az %.4f rad el %.4f rad "
		       "range-rate %.1f m/s (sigmas %.0f m, %.1f mrad, %.1f mrad, %.1f m/s)\n",
		       o.nation, o.sensor_id, o.range_m, o.az_rad, o.el_rad, o.range_rate_m_s,
		       o.sigma_range_m, o.sigma_az_rad * 1e3, o.sigma_el_rad * 1e3,
		       o.sigma_range_rate_m_s);

	/* 3. a relay forwards the same bytes; the rest of the batch hits the cache */
	rc = wire_envelope_frame(e.body, e.body_len, &e.auth, &fwd);
	bool same = rc > 0 && mw_buf_used(&fwd) == mw_buf_used(&frame) &&
	            memcmp(mw_buf_peek(&fwd), mw_buf_peek(&frame), mw_buf_used(&fwd)) == 0;
	wire_envelope_finish(&e);
	printf("relay: re-framed the decoded envelope: %s\n",
	       same ? "byte-identical to what the origin sent" : "DIFFERENT BYTES");
	if (!same)
		goto out;
	for (size_t i = 0; i < nbatch; i++) {
		struct mw_buf f;
		mw_buf_init(&f, WIRE_FRAME_MAX_DEFAULT + WIRE_FRAME_HDR_LEN);
		rc = wire_envelope_frame(sl[i].p, sl[i].len, &auth[i], &f);
		if (rc > 0)
			rc = receive(mw_buf_peek(&f), mw_buf_used(&f), kr, cache, NULL);
		mw_buf_finish(&f);
		if (rc < 0) {
			printf("receiver: envelope %zu REJECTED: %s\n", i + 1, mw_errname(rc));
			goto out;
		}
	}
	struct wire_sigcache_stats st;
	wire_sigcache_stats(cache, &st);
	printf("receiver: all %zu envelopes of the batch verified; Ed25519 verifications run: "
	       "%llu, answered from the verified-batch cache: %llu\n",
	       nbatch, (unsigned long long)st.verifies, (unsigned long long)st.hits);

	/* 4. tampering */
	printf(
	    "tampering with the framed envelope (%zu bytes), each checked by a fresh receiver:\n",
	    mw_buf_used(&frame));
	size_t n = mw_buf_used(&frame);
	const uint8_t *p = mw_buf_peek(&frame);
	/* the signature and body positions, found in the bytes themselves */
	size_t sig_at = 0, body_at = 0;
	for (size_t i = 0; i + WIRE_SIG_LEN <= n; i++)
		if (memcmp(p + i, auth[pick].signature, WIRE_SIG_LEN) == 0)
			sig_at = i;
	for (size_t i = 0; i + sl[pick].len <= n; i++)
		if (memcmp(p + i, sl[pick].p, sl[pick].len) == 0)
			body_at = i;
	int bad = 0;
	bad |= tamper("last byte of the body, in the observation", &frame,
	              body_at + sl[pick].len - 1, kr, -MW_EPROOF);
	bad |= tamper("in the signature", &frame, sig_at + 10, kr, -MW_ESIG);
	bad |= tamper("frame magic", &frame, 0, kr, -MW_EFRAME);
	if (bad) {
		printf("unexpected result: see above\n");
		goto out;
	}
	printf("every tampered copy was rejected; the honest bytes were accepted\n");
	fail = 0;
out:
	wire_sigcache_free(cache);
	wire_keyring_free(kr);
	wire_signer_free(signer);
	mw_buf_finish(&bodies);
	mw_buf_finish(&frame);
	mw_buf_finish(&fwd);
	free(sl);
	free(auth);
	free(off);
	return fail;
}

int cmd_envelope(int argc, char **argv)
{
	if (argc < 2 || strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0) {
		usage(argc < 2 ? stderr : stdout);
		return argc < 2 ? 2 : 0;
	}
	if (strcmp(argv[1], "demo") != 0) {
		fprintf(stderr, "mwlink envelope: unknown action '%s' (expected 'demo')\n",
		        argv[1]);
		usage(stderr);
		return 2;
	}
	size_t nbatch = 4;
	for (int i = 2; i < argc; i++) {
		if (strcmp(argv[i], "--batch") == 0 && i + 1 < argc) {
			char *end;
			errno = 0;
			unsigned long v = strtoul(argv[++i], &end, 10);
			if (errno || *end || end == argv[i] || v < 1 || v > DEMO_MAX_BATCH) {
				fprintf(stderr,
				        "mwlink envelope: --batch: expected an integer in 1..%d, "
				        "got '%s'\n",
				        DEMO_MAX_BATCH, argv[i]);
				return 2;
			}
			nbatch = v;
		} else {
			fprintf(stderr, "mwlink envelope: unexpected argument '%s'\n", argv[i]);
			usage(stderr);
			return 2;
		}
	}
	return demo(nbatch);
}
