/*
 * tests/unit/test_wire.c - wire/: framing, envelope and payload encoding
 * and validation, Merkle batch signatures, verification and its cache.
 */
#include <errno.h>
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>
#include <openssl/sha.h>

#include "core/buf.h"
#include "core/err.h"
#include "core/obs.h"
#include "wire/envelope.h"
#include "wire/frame.h"
#include "wire/merkle.h"
#include "wire/mwlink.pb-c.h"
#include "wire/payload.h"
#include "wire/sign.h"

#define PI 3.14159265358979323846
#define T0 (INT64_C(1702944000) * MW_NS_PER_S) /* 2023-12-19T00:00:00Z */

/* Error codes compared by name, so a failure says "MW_EPROOF != MW_ESIG". */
#define assert_err(actual, expected)                                                               \
	do {                                                                                       \
		int a_ = (actual), e_ = (expected);                                                \
		if (a_ != e_)                                                                      \
			fail_msg("%s: got %d (%s), expected %d (%s)", #actual, a_, mw_errname(a_), \
			         e_, mw_errname(e_));                                              \
	} while (0)

/* ---- fixtures ---- */

static struct mw_obs radar_obs(void)
{
	struct mw_obs o;
	memset(&o, 0, sizeof(o));
	o.t_ns = T0 + 123456789;
	o.sensor_id = 42;
	memcpy(o.nation, "KOR", 4);
	o.kind = MW_OBS_RADAR;
	o.sensor_ecef_m[0] = -3052000.5;
	o.sensor_ecef_m[1] = 4039000.25;
	o.sensor_ecef_m[2] = 3853000.125;
	o.range_m = 812345.5;
	o.az_rad = 5.5;
	o.el_rad = 0.31;
	o.sigma_range_m = 25;
	o.sigma_az_rad = 1e-3;
	o.sigma_el_rad = 2e-3;
	o.truth_id = 7;
	return o;
}

static struct mw_obs los_obs(void)
{
	struct mw_obs o = radar_obs();
	o.kind = MW_OBS_LOS;
	o.range_m = o.az_rad = o.el_rad = 0;
	o.sigma_range_m = o.sigma_az_rad = o.sigma_el_rad = 0;
	o.sensor_ecef_m[0] = 42164000;
	o.sensor_ecef_m[1] = 0;
	o.sensor_ecef_m[2] = 0;
	/* a rotation: x' = (0,1,0), y' = (0,0,1), z' = (-1,0,0) (boresight to Earth) */
	double f[3][3] = {{0, 1, 0}, {0, 0, 1}, {-1, 0, 0}};
	memcpy(o.frame_ecef, f, sizeof(f));
	o.los_x_rad = 0.05;
	o.los_y_rad = -0.12;
	o.sigma_los_rad = 2e-5;
	return o;
}

struct fx {
	struct wire_signer *kor;
	struct wire_signer *usa;
	struct wire_keyring *kr;
	struct wire_sigcache *cache;
};

static int fx_setup(void **state)
{
	struct fx *f = calloc(1, sizeof(*f));
	assert_non_null(f);
	assert_err(wire_signer_generate("KOR", &f->kor), 0);
	assert_err(wire_signer_generate("USA", &f->usa), 0);
	assert_err(wire_keyring_new(8, &f->kr), 0);
	assert_err(wire_keyring_add(f->kr, "KOR", wire_signer_key(f->kor)), 0);
	assert_err(wire_keyring_add(f->kr, "USA", wire_signer_key(f->usa)), 0);
	assert_err(wire_sigcache_new(64, &f->cache), 0);
	*state = f;
	return 0;
}

static int fx_teardown(void **state)
{
	struct fx *f = *state;
	wire_signer_free(f->kor);
	wire_signer_free(f->usa);
	wire_keyring_free(f->kr);
	wire_sigcache_free(f->cache);
	free(f);
	return 0;
}

/* Encode an observation body of origin `origin` with sequence seq into b
 * (appended); returns its offset in b via *off and its length. */
static size_t make_body(struct mw_buf *b, const char *origin, uint64_t seq, size_t *off)
{
	struct mw_obs o = radar_obs();
	memcpy(o.nation, origin, 4);
	o.t_ns += (mw_time_ns)seq;
	struct mw_buf pl;
	mw_buf_init(&pl, 4096);
	assert_true(wire_obs_encode(&o, &pl) > 0);
	struct wire_body body;
	memset(&body, 0, sizeof(body));
	memcpy(body.origin, origin, 4);
	body.seq = seq;
	body.kind = WIRE_KIND_OBSERVATION;
	body.n_release = 3;
	memcpy(body.release[0], "KOR", 4);
	memcpy(body.release[1], "USA", 4);
	memcpy(body.release[2], "JPN", 4);
	body.exercise = true;
	body.data_t_ns = o.t_ns;
	body.payload = mw_buf_peek(&pl);
	body.payload_len = mw_buf_used(&pl);
	*off = mw_buf_used(b);
	int n = wire_body_encode(&body, b);
	assert_true(n > 0);
	mw_buf_finish(&pl);
	return (size_t)n;
}

/* A signed batch of n observation bodies and one frame per envelope. */
struct batch {
	size_t n;
	struct mw_buf bodies;
	struct wire_slice *sl;
	struct wire_auth *auth;
	struct mw_buf *frames;
};

/* Bodies differ between calls (a fresh sequence range), so two batches never
 * share a root: Ed25519 is deterministic and identical batches would. */
static uint64_t next_seq = 1000;

static void batch_make(struct batch *bt, struct wire_signer *s, size_t n)
{
	uint64_t seq0 = next_seq;
	next_seq += n;
	bt->n = n;
	mw_buf_init(&bt->bodies, 64u << 20);
	size_t *off = calloc(n, sizeof(*off));
	bt->sl = calloc(n, sizeof(*bt->sl));
	bt->auth = calloc(n, sizeof(*bt->auth));
	bt->frames = calloc(n, sizeof(*bt->frames));
	assert_non_null(off);
	assert_non_null(bt->sl);
	assert_non_null(bt->auth);
	assert_non_null(bt->frames);
	for (size_t i = 0; i < n; i++)
		bt->sl[i].len = make_body(&bt->bodies, wire_signer_origin(s), seq0 + i, &off[i]);
	for (size_t i = 0; i < n; i++) /* pointers only once the buffer stopped growing */
		bt->sl[i].p = mw_buf_peek(&bt->bodies) + off[i];
	assert_err(wire_batch_sign(s, bt->sl, n, bt->auth), 0);
	for (size_t i = 0; i < n; i++) {
		mw_buf_init(&bt->frames[i], WIRE_FRAME_MAX_DEFAULT);
		assert_true(wire_envelope_frame(bt->sl[i].p, bt->sl[i].len, &bt->auth[i],
		                                &bt->frames[i]) > 0);
	}
	free(off);
}

static void batch_free(struct batch *bt)
{
	for (size_t i = 0; i < bt->n; i++)
		mw_buf_finish(&bt->frames[i]);
	mw_buf_finish(&bt->bodies);
	free(bt->frames);
	free(bt->auth);
	free(bt->sl);
}

/* An auth of the right shape for (index, count), filled from seed. */
static void auth_fill(struct wire_auth *a, uint32_t index, uint32_t count, unsigned seed)
{
	memset(a, 0, sizeof(*a));
	for (size_t k = 0; k < sizeof(a->signature); k++)
		a->signature[k] = (uint8_t)(seed * 7 + k);
	for (size_t k = 0; k < sizeof(a->root); k++)
		a->root[k] = (uint8_t)(seed * 13 + k);
	a->leaf_index = index;
	a->leaf_count = count;
	a->proof_len = (uint32_t)wire_merkle_proof_len(index, count);
	for (uint32_t j = 0; j < a->proof_len; j++)
		for (size_t k = 0; k < 32; k++)
			a->proof[j][k] = (uint8_t)(seed + 31 * j + k);
}

/* The fields a split view points at, copied (to join them again). */
static void auth_of_view(const struct wire_auth_view *v, struct wire_auth *a)
{
	memset(a, 0, sizeof(*a));
	memcpy(a->signature, v->signature, 64);
	memcpy(a->root, v->root, 32);
	a->leaf_index = v->leaf_index;
	a->leaf_count = v->leaf_count;
	a->proof_len = v->proof_len;
	for (uint32_t j = 0; j < v->proof_len; j++)
		memcpy(a->proof[j], v->proof[j], 32);
}

/* The hand-written canonical form is byte for byte what protobuf-c
 * encodes, split inverts it, and split refuses every other encoding: for
 * each single-byte change, truncation or extension of an envelope, split
 * either fails or gives parts that join back to exactly the changed bytes
 * (so a journal storing split parts always returns the bytes it got). */
static void envelope_split_and_join_are_exact_inverses(void **state)
{
	(void)state;
	static const uint32_t counts[] = {1, 2, 3, 7, 127, 128, 129, 1024, 16385, 65536};
	static const size_t blens[] = {1, 127, 128, 300, 16384, 20000};
	uint8_t *body = malloc(20000);
	assert_non_null(body);
	for (size_t k = 0; k < 20000; k++)
		body[k] = (uint8_t)(k * 31 + 5);
	struct mw_buf pb, jb, xb;
	mw_buf_init(&pb, 1u << 20);
	mw_buf_init(&jb, 1u << 20);
	mw_buf_init(&xb, 1u << 20);
	unsigned seed = 1;
	for (size_t c = 0; c < sizeof(counts) / sizeof(counts[0]); c++) {
		uint32_t n = counts[c];
		uint32_t idxs[] = {0, n / 2, n - 1, n > 2 ? 1 : 0};
		for (size_t b = 0; b < sizeof(blens) / sizeof(blens[0]); b++) {
			for (size_t ii = 0; ii < 4; ii++, seed++) {
				struct wire_auth a, got;
				auth_fill(&a, idxs[ii], n, seed);
				mw_buf_reset(&pb);
				mw_buf_reset(&jb);
				int pn = wire_envelope_encode(body, blens[b], &a, &pb);
				int jn = wire_envelope_join(body, blens[b], &a, &jb);
				if (pn <= 0 || jn != pn ||
				    wire_envelope_joined_len(blens[b], &a) != (size_t)jn ||
				    memcmp(mw_buf_peek(&pb), mw_buf_peek(&jb), (size_t)jn) != 0)
					fail_msg(
					    "count %u index %u body %zu: join %d bytes, protobuf-c "
					    "%d, or they differ",
					    n, idxs[ii], blens[b], jn, pn);
				struct wire_slice sl;
				struct wire_auth_view v;
				assert_err(
				    wire_envelope_split(mw_buf_peek(&jb), (size_t)jn, &sl, &v), 0);
				auth_of_view(&v, &got);
				assert_int_equal(sl.len, blens[b]);
				/* the body is read in place: after the tag and its length */
				assert_true(sl.p == mw_buf_peek(&jb) + 2 ||
				            sl.p == mw_buf_peek(&jb) + 3 ||
				            sl.p == mw_buf_peek(&jb) + 4);
				assert_memory_equal(sl.p, body, blens[b]);
				assert_memory_equal(got.signature, a.signature, 64);
				assert_memory_equal(got.root, a.root, 32);
				assert_int_equal(got.leaf_index, a.leaf_index);
				assert_int_equal(got.leaf_count, a.leaf_count);
				assert_int_equal(got.proof_len, a.proof_len);
				assert_memory_equal(got.proof, a.proof, (size_t)a.proof_len * 32);
			}
		}
	}
	/* mutations of one small envelope: every byte, three ways each */
	struct wire_auth a;
	auth_fill(&a, 5, 9, 77);
	mw_buf_reset(&jb);
	int jn = wire_envelope_join(body, 40, &a, &jb);
	assert_true(jn > 0);
	uint8_t orig[512], mut[520];
	memcpy(orig, mw_buf_peek(&jb), (size_t)jn);
	unsigned accepted = 0, refused = 0;
	for (int i = 0; i < jn; i++) {
		static const uint8_t xs[] = {0x01, 0x80, 0xff};
		for (size_t x = 0; x < 3; x++) {
			memcpy(mut, orig, (size_t)jn);
			mut[i] ^= xs[x];
			struct wire_slice sl;
			struct wire_auth got;
			struct wire_auth_view v;
			if (wire_envelope_split(mut, (size_t)jn, &sl, &v) != 0) {
				refused++;
				continue;
			}
			accepted++;
			auth_of_view(&v, &got);
			mw_buf_reset(&xb);
			int xn = wire_envelope_join(sl.p, sl.len, &got, &xb);
			if (xn != jn || memcmp(mw_buf_peek(&xb), mut, (size_t)jn) != 0)
				fail_msg(
				    "byte %d ^ 0x%02x: split accepted bytes join does not give "
				    "back",
				    i, xs[x]);
		}
	}
	/* body, signature, root and proof bytes may change; tags, lengths and
	 * the varints mostly may not */
	assert_true(accepted > 0);
	assert_true(refused > 0);
	struct wire_slice sl;
	struct wire_auth_view got;
	for (int cut = 0; cut < jn; cut++)
		assert_err(wire_envelope_split(orig, (size_t)cut, &sl, &got), -MW_EDECODE);
	memcpy(mut, orig, (size_t)jn);
	mut[jn] = 0x38; /* an unknown field 7 after the auth */
	mut[jn + 1] = 0x01;
	assert_err(wire_envelope_split(mut, (size_t)jn + 2, &sl, &got), -MW_EDECODE);
	/* a non-minimal varint (leaf_count 9 as 0x89 0x00) is refused */
	uint8_t *p = mut;
	memcpy(p, orig, (size_t)jn);
	/* find the 0x20 0x09 leaf_count field right after 0x18 0x05 */
	int at = -1;
	for (int i = 0; i + 3 < jn; i++)
		if (p[i] == 0x18 && p[i + 1] == 0x05 && p[i + 2] == 0x20 && p[i + 3] == 0x09)
			at = i + 3;
	assert_true(at > 0);
	memmove(p + at + 1, p + at, (size_t)(jn - at));
	p[at] = 0x89;
	p[at + 1] = 0x00;
	p[2 + 40 + 1]++; /* the auth length (body of 40: 0x0a 0x28 body 0x12 len) */
	assert_err(wire_envelope_split(p, (size_t)jn + 1, &sl, &got), -MW_EDECODE);
	struct wire_auth bad = a;
	bad.proof_len--; /* a proof of the wrong length is not joined */
	mw_buf_reset(&xb);
	assert_err(wire_envelope_join(body, 40, &bad, &xb), -EINVAL);
	assert_int_equal(wire_envelope_joined_len(40, &bad), 0);
	mw_buf_finish(&pb);
	mw_buf_finish(&jb);
	mw_buf_finish(&xb);
	free(body);
}

/* wire_envelope_decode reads a canonical envelope without protobuf-c's
 * Envelope unpack (its fast path) and any other encoding with it: the same
 * envelope with its two fields swapped (valid protobuf, not canonical)
 * decodes to the same body, header and auth, and both verify. */
static void decode_fast_path_equals_protobuf_path(void **state)
{
	struct fx *fx = *state;
	struct batch bt;
	batch_make(&bt, fx->kor, 5);
	for (size_t i = 0; i < bt.n; i++) {
		const uint8_t *f = mw_buf_peek(&bt.frames[i]) + WIRE_FRAME_HDR_LEN;
		size_t n = mw_buf_used(&bt.frames[i]) - WIRE_FRAME_HDR_LEN;
		struct wire_slice sl;
		struct wire_auth_view v;
		assert_err(wire_envelope_split(f, n, &sl, &v), 0);
		size_t bfield = (size_t)(sl.p - f) + sl.len; /* tag, length, body */
		uint8_t swapped[2048];
		assert_true(n <= sizeof(swapped));
		memcpy(swapped, f + bfield, n - bfield);
		memcpy(swapped + (n - bfield), f, bfield);
		assert_err(wire_envelope_split(swapped, n, &sl, &v), -MW_EDECODE);
		struct wire_envelope a, b;
		assert_err(wire_envelope_decode(f, n, &a), 0);
		assert_err(wire_envelope_decode(swapped, n, &b), 0);
		assert_int_equal(a.body_len, b.body_len);
		assert_memory_equal(a.body, b.body, a.body_len);
		assert_memory_equal(&a.auth, &b.auth, sizeof(a.auth));
		assert_string_equal(a.hdr.origin, b.hdr.origin);
		assert_int_equal(a.hdr.seq, b.hdr.seq);
		assert_int_equal(a.hdr.payload_len, b.hdr.payload_len);
		assert_memory_equal(a.hdr.payload, b.hdr.payload, a.hdr.payload_len);
		assert_err(wire_verify(fx->kr, NULL, &a), 0);
		assert_err(wire_verify(fx->kr, NULL, &b), 0);
		wire_envelope_finish(&a);
		wire_envelope_finish(&b);
	}
	batch_free(&bt);
}

/* The whole receive path for one frame's bytes: frame, envelope, verify. */
static int receive(const uint8_t *p, size_t n, const struct wire_keyring *kr,
                   struct wire_sigcache *cache)
{
	struct wire_frame fr;
	int rc = wire_frame_parse(p, n, WIRE_FRAME_MAX_DEFAULT, &fr);
	if (rc < 0)
		return rc;
	if ((size_t)rc != n)
		return -EPROTO; /* trailing bytes: not what these tests send */
	if (fr.type != WIRE_FT_ENVELOPE)
		return -MW_EFRAME;
	struct wire_envelope e;
	rc = wire_envelope_decode(fr.payload, fr.len, &e);
	if (rc < 0)
		return rc;
	rc = wire_verify(kr, cache, &e);
	if (rc == 0)
		rc = wire_payload_check(&e.hdr);
	wire_envelope_finish(&e);
	return rc;
}

/* ---- framing ---- */

static void frame_roundtrip_every_type(void **state)
{
	(void)state;
	struct mw_buf b;
	mw_buf_init(&b, 1 << 16);
	const char msg[] = "payload";
	for (int t = WIRE_FT_ENVELOPE; t <= WIRE_FT_MAX; t++)
		assert_err(wire_frame_append(&b, (enum wire_frame_type)t, msg, (size_t)t), 0);
	assert_err(wire_frame_append(&b, WIRE_FT_HEARTBEAT, NULL, 0), 0);
	for (int t = WIRE_FT_ENVELOPE; t <= WIRE_FT_MAX; t++) {
		struct wire_frame f;
		int n = wire_frame_peek(&b, 1024, &f);
		assert_int_equal(n, WIRE_FRAME_HDR_LEN + t);
		assert_int_equal(f.type, t);
		assert_int_equal(f.len, t);
		assert_memory_equal(f.payload, msg, (size_t)t);
		assert_string_not_equal(wire_frame_type_str(t), "?");
		mw_buf_consume(&b, (size_t)n);
	}
	struct wire_frame f;
	assert_int_equal(wire_frame_peek(&b, 1024, &f), WIRE_FRAME_HDR_LEN);
	assert_int_equal(f.len, 0);
	assert_null(f.payload);
	mw_buf_consume(&b, WIRE_FRAME_HDR_LEN);
	assert_err(wire_frame_peek(&b, 1024, &f), -EAGAIN);
	mw_buf_finish(&b);
}

static void frame_header_is_byte_exact(void **state)
{
	(void)state;
	uint8_t h[WIRE_FRAME_HDR_LEN];
	assert_err(wire_frame_header(h, WIRE_FT_ACK, 0x01020304), 0);
	const uint8_t want[] = {0x4D, 0x57, 0x01, 0x03, 0x00, 0x00, 0x01, 0x02, 0x03, 0x04};
	assert_memory_equal(h, want, sizeof(want));
	assert_err(wire_frame_header(h, (enum wire_frame_type)0, 1), -EINVAL);
	assert_err(wire_frame_header(h, (enum wire_frame_type)6, 1), -EINVAL);
	assert_err(wire_frame_header(h, WIRE_FT_ACK, (size_t)WIRE_FRAME_MAX_LIMIT + 1), -EMSGSIZE);
}

static void frame_truncated_at_every_byte_needs_more(void **state)
{
	struct fx *fx = *state;
	struct batch bt;
	batch_make(&bt, fx->kor, 3);
	const uint8_t *p = mw_buf_peek(&bt.frames[1]);
	size_t n = mw_buf_used(&bt.frames[1]);
	struct wire_frame f;
	memset(&f, 0xA5, sizeof(f));
	struct wire_frame untouched = f;
	for (size_t k = 0; k < n; k++) {
		assert_err(wire_frame_parse(p, k, WIRE_FRAME_MAX_DEFAULT, &f), -EAGAIN);
		assert_memory_equal(&f, &untouched, sizeof(f));
	}
	assert_int_equal(wire_frame_parse(p, n, WIRE_FRAME_MAX_DEFAULT, &f), (int)n);
	/* A truncated envelope message (the frame length claiming less) never
	 * decodes as a valid envelope. */
	const uint8_t *pl = p + WIRE_FRAME_HDR_LEN;
	size_t pn = n - WIRE_FRAME_HDR_LEN;
	for (size_t k = 0; k < pn; k++) {
		struct wire_envelope e;
		int rc = wire_envelope_decode(pl, k, &e);
		if (rc != -MW_EDECODE && rc != -MW_EFIELD)
			fail_msg("prefix %zu/%zu of an envelope: got %s, expected MW_EDECODE or "
			         "MW_EFIELD",
			         k, pn, mw_errname(rc));
	}
	batch_free(&bt);
}

static void frame_oversized_is_refused_from_the_header_alone(void **state)
{
	(void)state;
	uint8_t h[WIRE_FRAME_HDR_LEN];
	assert_err(wire_frame_header(h, WIRE_FT_ENVELOPE, 4097), 0);
	struct wire_frame f;
	/* only the header present: the payload never needs to be buffered */
	assert_err(wire_frame_parse(h, sizeof(h), 4096, &f), -EMSGSIZE);
	assert_err(wire_frame_header(h, WIRE_FT_ENVELOPE, 4096), 0);
	assert_err(wire_frame_parse(h, sizeof(h), 4096, &f), -EAGAIN);
	/* length 0xFFFFFFFF */
	memset(h + 6, 0xFF, 4);
	assert_err(wire_frame_parse(h, sizeof(h), WIRE_FRAME_MAX_LIMIT, &f), -EMSGSIZE);
	assert_err(wire_frame_parse(h, sizeof(h), 0, &f), -EINVAL);
	assert_err(wire_frame_parse(h, sizeof(h), WIRE_FRAME_MAX_LIMIT + 1, &f), -EINVAL);
}

static void frame_bad_magic_version_type_flags_are_refused_at_once(void **state)
{
	(void)state;
	uint8_t good[WIRE_FRAME_HDR_LEN + 1];
	assert_err(wire_frame_header(good, WIRE_FT_HELLO, 1), 0);
	good[WIRE_FRAME_HDR_LEN] = 0;
	struct wire_frame f;
	assert_int_equal(wire_frame_parse(good, sizeof(good), 64, &f), (int)sizeof(good));
	/* each of the first six bytes, wrong, with only the bytes up to it present */
	const struct {
		size_t at;
		uint8_t v;
	} bad[] = {{0, 'm'}, {0, 0}, {1, 'w'}, {2, 0},    {2, 2},
	           {3, 0},   {3, 6}, {3, 255}, {4, 0x80}, {5, 1}};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		uint8_t p[sizeof(good)];
		memcpy(p, good, sizeof(p));
		p[bad[i].at] = bad[i].v;
		for (size_t n = bad[i].at + 1; n <= sizeof(p); n++)
			if (wire_frame_parse(p, n, 64, &f) != -MW_EFRAME)
				fail_msg("byte %zu = 0x%02x with %zu bytes present: got %s, "
				         "expected MW_EFRAME",
				         bad[i].at, bad[i].v, n,
				         mw_errname(wire_frame_parse(p, n, 64, &f)));
	}
}

static void frame_stream_decodes_byte_by_byte(void **state)
{
	struct fx *fx = *state;
	struct batch bt;
	uint64_t seq0 = next_seq;
	batch_make(&bt, fx->kor, 7);
	struct mw_buf wire, rx;
	mw_buf_init(&wire, 1 << 20);
	mw_buf_init(&rx, 1 << 16);
	for (size_t i = 0; i < bt.n; i++)
		assert_err(
		    mw_buf_append(&wire, mw_buf_peek(&bt.frames[i]), mw_buf_used(&bt.frames[i])),
		    0);
	size_t got = 0;
	const uint8_t *w = mw_buf_peek(&wire);
	for (size_t k = 0; k < mw_buf_used(&wire); k++) {
		assert_err(mw_buf_append(&rx, &w[k], 1), 0);
		struct wire_frame f;
		int n = wire_frame_peek(&rx, WIRE_FRAME_MAX_DEFAULT, &f);
		if (n == -EAGAIN)
			continue;
		assert_true(n > 0);
		assert_int_equal((size_t)n, mw_buf_used(&bt.frames[got]));
		struct wire_envelope e;
		assert_err(wire_envelope_decode(f.payload, f.len, &e), 0);
		assert_err(wire_verify(fx->kr, fx->cache, &e), 0);
		assert_int_equal(e.hdr.seq, seq0 + got);
		wire_envelope_finish(&e);
		mw_buf_consume(&rx, (size_t)n);
		got++;
	}
	assert_int_equal(got, bt.n);
	mw_buf_finish(&wire);
	mw_buf_finish(&rx);
	batch_free(&bt);
}

/* ---- observation ---- */

static void obs_equal(const struct mw_obs *a, const struct mw_obs *b)
{
	assert_int_equal(a->t_ns, b->t_ns);
	assert_int_equal(a->sensor_id, b->sensor_id);
	assert_string_equal(a->nation, b->nation);
	assert_int_equal(a->kind, b->kind);
	if (a->exercise != b->exercise)
		fail_msg("exercise: %d vs %d", a->exercise, b->exercise);
	assert_memory_equal(a->sensor_ecef_m, b->sensor_ecef_m, sizeof(a->sensor_ecef_m));
	if (a->kind == MW_OBS_RADAR) {
		assert_true(a->range_m == b->range_m && a->az_rad == b->az_rad &&
		            a->el_rad == b->el_rad);
		assert_true(a->sigma_range_m == b->sigma_range_m &&
		            a->sigma_az_rad == b->sigma_az_rad &&
		            a->sigma_el_rad == b->sigma_el_rad);
		assert_int_equal(a->has_range_rate, b->has_range_rate);
		if (a->has_range_rate)
			assert_true(a->range_rate_m_s == b->range_rate_m_s &&
			            a->sigma_range_rate_m_s == b->sigma_range_rate_m_s);
		assert_memory_equal(a->sensor_vel_ecef_m_s, b->sensor_vel_ecef_m_s,
		                    sizeof(a->sensor_vel_ecef_m_s));
	} else {
		assert_memory_equal(a->frame_ecef, b->frame_ecef, sizeof(a->frame_ecef));
		assert_true(a->los_x_rad == b->los_x_rad && a->los_y_rad == b->los_y_rad &&
		            a->sigma_los_rad == b->sigma_los_rad);
		if (a->plumes_only != b->plumes_only)
			fail_msg("plumes_only: %d vs %d", a->plumes_only, b->plumes_only);
	}
}

static void obs_roundtrip_radar_los_and_range_rate_bit_exact(void **state)
{
	(void)state;
	struct mw_obs in[3] = {radar_obs(), radar_obs(), los_obs()};
	in[1].has_range_rate = true;
	in[1].range_rate_m_s = -2345.678;
	in[1].sigma_range_rate_m_s = 0.5;
	for (int i = 0; i < 3; i++) {
		struct mw_buf b;
		mw_buf_init(&b, 4096);
		assert_true(wire_obs_encode(&in[i], &b) > 0);
		struct mw_obs out;
		memset(&out, 0x5A, sizeof(out));
		assert_err(wire_obs_decode(mw_buf_peek(&b), mw_buf_used(&b), &out), 0);
		obs_equal(&in[i], &out);
		assert_int_equal(out.truth_id, 0); /* never on the wire */
		/* the truth id leaves no trace in the bytes */
		struct mw_obs notruth = in[i];
		notruth.truth_id = 0;
		struct mw_buf b2;
		mw_buf_init(&b2, 4096);
		assert_true(wire_obs_encode(&notruth, &b2) > 0);
		assert_int_equal(mw_buf_used(&b), mw_buf_used(&b2));
		assert_memory_equal(mw_buf_peek(&b), mw_buf_peek(&b2), mw_buf_used(&b));
		mw_buf_finish(&b);
		mw_buf_finish(&b2);
	}
}

/* Observation.exercise (field 7): the sensor's declaration travels with
 * the data. Sent only when true, so a live observation's bytes are what
 * they were before the field existed; an explicit false decodes as false. */
static void obs_exercise_flag_round_trips_and_is_absent_when_false(void **state)
{
	(void)state;
	struct mw_obs in[2] = {radar_obs(), los_obs()};
	for (int i = 0; i < 2; i++) {
		struct mw_buf live, ex;
		mw_buf_init(&live, 4096);
		mw_buf_init(&ex, 4096);
		in[i].exercise = false;
		int n_live = wire_obs_encode(&in[i], &live);
		in[i].exercise = true;
		int n_ex = wire_obs_encode(&in[i], &ex);
		assert_true(n_live > 0 && n_ex > 0);
		if (n_ex != n_live + 2) /* one tag byte (7 << 3 | 0) and one value byte */
			fail_msg("exercise adds %d bytes, expected 2", n_ex - n_live);
		Mwlink__Observation *m =
		    mwlink__observation__unpack(NULL, mw_buf_used(&ex), mw_buf_peek(&ex));
		assert_non_null(m);
		assert_true(m->has_exercise && m->exercise);
		mwlink__observation__free_unpacked(m, NULL);
		m = mwlink__observation__unpack(NULL, mw_buf_used(&live), mw_buf_peek(&live));
		assert_non_null(m);
		assert_false(m->has_exercise);
		/* an explicit exercise = false on the wire reads as false */
		m->has_exercise = 1;
		m->exercise = 0;
		struct mw_buf expl;
		mw_buf_init(&expl, 4096);
		assert_true(wire_msg_encode(&m->base, &expl) > 0);
		mwlink__observation__free_unpacked(m, NULL);
		struct mw_obs out;
		memset(&out, 0x5A, sizeof(out));
		assert_err(wire_obs_decode(mw_buf_peek(&expl), mw_buf_used(&expl), &out), 0);
		assert_false(out.exercise);
		memset(&out, 0x5A, sizeof(out));
		assert_err(wire_obs_decode(mw_buf_peek(&ex), mw_buf_used(&ex), &out), 0);
		assert_true(out.exercise);
		obs_equal(&in[i], &out);
		memset(&out, 0x5A, sizeof(out));
		assert_err(wire_obs_decode(mw_buf_peek(&live), mw_buf_used(&live), &out), 0);
		assert_false(out.exercise);
		mw_buf_finish(&live);
		mw_buf_finish(&ex);
		mw_buf_finish(&expl);
	}
}

/* LineOfSight.plumes_only (field 5): an early-warning sensor's "I see
 * burning motors only", which the tracker weighs (track/imm.h). Sent only
 * when true, so every other line of sight (and every signed payload made
 * before the field) is byte for byte what it was; a radar observation
 * never carries it. */
static void obs_plumes_only_round_trips_and_is_absent_when_false(void **state)
{
	(void)state;
	struct mw_obs in = los_obs();
	struct mw_buf plain, plume;
	mw_buf_init(&plain, 4096);
	mw_buf_init(&plume, 4096);
	int n_plain = wire_obs_encode(&in, &plain);
	in.plumes_only = true;
	int n_plume = wire_obs_encode(&in, &plume);
	assert_true(n_plain > 0 && n_plume > 0);
	if (n_plume != n_plain + 2) /* tag (5 << 3 | 0) and value inside LineOfSight */
		fail_msg("plumes_only adds %d bytes, expected 2", n_plume - n_plain);
	Mwlink__Observation *m =
	    mwlink__observation__unpack(NULL, mw_buf_used(&plume), mw_buf_peek(&plume));
	assert_non_null(m);
	assert_non_null(m->los);
	assert_true(m->los->has_plumes_only && m->los->plumes_only);
	mwlink__observation__free_unpacked(m, NULL);
	m = mwlink__observation__unpack(NULL, mw_buf_used(&plain), mw_buf_peek(&plain));
	assert_non_null(m);
	assert_false(m->los->has_plumes_only);
	mwlink__observation__free_unpacked(m, NULL);
	struct mw_obs out;
	memset(&out, 0x5A, sizeof(out));
	assert_err(wire_obs_decode(mw_buf_peek(&plume), mw_buf_used(&plume), &out), 0);
	assert_true(out.plumes_only);
	obs_equal(&in, &out);
	memset(&out, 0x5A, sizeof(out));
	assert_err(wire_obs_decode(mw_buf_peek(&plain), mw_buf_used(&plain), &out), 0);
	assert_false(out.plumes_only);
	/* a radar observation: the flag is a line of sight's only */
	struct mw_obs r = radar_obs();
	r.plumes_only = true;
	struct mw_buf rb;
	mw_buf_init(&rb, 4096);
	assert_true(wire_obs_encode(&r, &rb) > 0);
	memset(&out, 0x5A, sizeof(out));
	assert_err(wire_obs_decode(mw_buf_peek(&rb), mw_buf_used(&rb), &out), 0);
	assert_false(out.plumes_only);
	mw_buf_finish(&plain);
	mw_buf_finish(&plume);
	mw_buf_finish(&rb);
}

/* A radar that moves says so: Radar.sensor_vel_ecef_m_s, 3 values, sent
 * only when not zero (a fixed radar's payload is byte for byte what it
 * was), round-trips exactly; 2 values, a non-finite one or a speed above
 * 100 km/s is a field error. */
static void obs_sensor_velocity_round_trips_and_is_absent_when_zero(void **state)
{
	(void)state;
	struct mw_obs in = radar_obs();
	struct mw_buf fixed, moving;
	mw_buf_init(&fixed, 4096);
	mw_buf_init(&moving, 4096);
	int n_fixed = wire_obs_encode(&in, &fixed);
	in.sensor_vel_ecef_m_s[0] = 7.25;
	in.sensor_vel_ecef_m_s[1] = -3.5;
	in.sensor_vel_ecef_m_s[2] = 1.0 / 3.0;
	int n_moving = wire_obs_encode(&in, &moving);
	assert_true(n_fixed > 0 && n_moving > 0);
	if (n_moving != n_fixed + 26) /* tag, length 24, 3 doubles inside Radar */
		fail_msg("the velocity adds %d bytes, expected 26", n_moving - n_fixed);
	Mwlink__Observation *m =
	    mwlink__observation__unpack(NULL, mw_buf_used(&fixed), mw_buf_peek(&fixed));
	assert_non_null(m);
	assert_non_null(m->radar);
	assert_int_equal(m->radar->n_sensor_vel_ecef_m_s, 0);
	mwlink__observation__free_unpacked(m, NULL);
	struct mw_obs out;
	memset(&out, 0x5A, sizeof(out));
	assert_err(wire_obs_decode(mw_buf_peek(&moving), mw_buf_used(&moving), &out), 0);
	assert_memory_equal(out.sensor_vel_ecef_m_s, in.sensor_vel_ecef_m_s,
	                    sizeof(in.sensor_vel_ecef_m_s));
	obs_equal(&in, &out);
	memset(&out, 0x5A, sizeof(out));
	assert_err(wire_obs_decode(mw_buf_peek(&fixed), mw_buf_used(&fixed), &out), 0);
	for (int k = 0; k < 3; k++)
		assert_true(out.sensor_vel_ecef_m_s[k] == 0.0);
	/* malformed on the wire: two values */
	m = mwlink__observation__unpack(NULL, mw_buf_used(&moving), mw_buf_peek(&moving));
	assert_non_null(m);
	m->radar->n_sensor_vel_ecef_m_s = 2;
	uint8_t buf[512];
	size_t n = mwlink__observation__pack(m, buf);
	assert_err(wire_obs_decode(buf, n, &out), -MW_EFIELD);
	mwlink__observation__free_unpacked(m, NULL);
	/* out of range: refused by the encoder's check */
	struct mw_buf bad;
	mw_buf_init(&bad, 4096);
	in.sensor_vel_ecef_m_s[2] = NAN;
	assert_err(wire_obs_encode(&in, &bad), -MW_EFIELD);
	in.sensor_vel_ecef_m_s[2] = 2e5;
	assert_err(wire_obs_encode(&in, &bad), -MW_EFIELD);
	mw_buf_finish(&bad);
	mw_buf_finish(&fixed);
	mw_buf_finish(&moving);
}

static void obs_out_of_range_values_are_refused(void **state)
{
	(void)state;
	struct {
		const char *what;
		struct mw_obs o;
	} c[20];
	size_t n = 0;
#define BAD(desc, base, stmt)                                                                      \
	do {                                                                                       \
		c[n].what = desc;                                                                  \
		c[n].o = base;                                                                     \
		struct mw_obs *o = &c[n].o;                                                        \
		stmt;                                                                              \
		n++;                                                                               \
	} while (0)
	BAD("NaN range", radar_obs(), o->range_m = NAN);
	BAD("zero range", radar_obs(), o->range_m = 0);
	BAD("az = 2pi", radar_obs(), o->az_rad = 2 * PI);
	BAD("negative az", radar_obs(), o->az_rad = -0.1);
	BAD("el > pi/2", radar_obs(), o->el_rad = 1.6);
	BAD("zero sigma", radar_obs(), o->sigma_az_rad = 0);
	BAD("inf sensor pos", radar_obs(), o->sensor_ecef_m[1] = INFINITY);
	BAD("lower-case nation", radar_obs(), memcpy(o->nation, "kor", 4));
	BAD("2-letter nation", radar_obs(), memcpy(o->nation, "KR\0", 4));
	BAD("unknown kind", radar_obs(), o->kind = (enum mw_obs_kind)9);
	BAD("zero time", radar_obs(), o->t_ns = 0);
	BAD("range rate NaN", radar_obs(),
	    (o->has_range_rate = true, o->range_rate_m_s = NAN, o->sigma_range_rate_m_s = 1));
	BAD("range rate no sigma", radar_obs(), (o->has_range_rate = true, o->range_rate_m_s = 1));
	BAD("frame not orthonormal", los_obs(), o->frame_ecef[0][0] = 0.1);
	BAD("los behind sensor", los_obs(), o->los_x_rad = PI / 2);
	BAD("los sigma zero", los_obs(), o->sigma_los_rad = 0);
	BAD("frame NaN", los_obs(), o->frame_ecef[2][2] = NAN);
#undef BAD
	for (size_t i = 0; i < n; i++) {
		struct mw_buf b;
		mw_buf_init(&b, 4096);
		int rc = wire_obs_encode(&c[i].o, &b);
		if (rc != -MW_EFIELD)
			fail_msg("%s: encode gave %s, expected MW_EFIELD", c[i].what,
			         mw_errname(rc));
		assert_int_equal(mw_buf_used(&b), 0);
		mw_buf_finish(&b);
	}
}

static void obs_missing_fields_on_the_wire_are_refused(void **state)
{
	(void)state;
	double pos[3] = {1, 2, 6400000};
	Mwlink__Radar r = MWLINK__RADAR__INIT;
	r.has_range_m = r.has_az_rad = r.has_el_rad = 1;
	r.range_m = 1000;
	r.az_rad = 1;
	r.el_rad = 0.1;
	r.has_sigma_range_m = r.has_sigma_az_rad = r.has_sigma_el_rad = 1;
	r.sigma_range_m = r.sigma_az_rad = r.sigma_el_rad = 0.01;
	Mwlink__Observation m = MWLINK__OBSERVATION__INIT;
	m.has_t_ns = m.has_sensor_id = 1;
	m.t_ns = T0;
	m.sensor_id = 1;
	m.nation = (char *)"JPN";
	m.n_sensor_ecef_m = 3;
	m.sensor_ecef_m = pos;
	m.measurement_case = MWLINK__OBSERVATION__MEASUREMENT_RADAR;
	m.radar = &r;
	struct mw_obs out;
	struct mw_buf b;
	mw_buf_init(&b, 4096);
	assert_true(wire_msg_encode(&m.base, &b) > 0);
	assert_err(wire_obs_decode(mw_buf_peek(&b), mw_buf_used(&b), &out), 0);
	/* each required field removed in turn */
	for (int k = 0; k < 6; k++) {
		Mwlink__Observation mm = m;
		Mwlink__Radar rr = r;
		mm.radar = &rr;
		switch (k) {
		case 0:
			mm.has_t_ns = 0;
			break;
		case 1:
			mm.nation = NULL;
			break;
		case 2:
			mm.n_sensor_ecef_m = 2;
			break;
		case 3:
			mm.measurement_case = MWLINK__OBSERVATION__MEASUREMENT__NOT_SET;
			break;
		case 4:
			rr.has_sigma_el_rad = 0;
			break;
		case 5:
			rr.has_range_rate_m_s = 1; /* range rate without its sigma */
			break;
		}
		mw_buf_reset(&b);
		assert_true(wire_msg_encode(&mm.base, &b) >= 0);
		int rc = wire_obs_decode(mw_buf_peek(&b), mw_buf_used(&b), &out);
		if (rc != -MW_EFIELD)
			fail_msg("case %d: got %s, expected MW_EFIELD", k, mw_errname(rc));
	}
	const uint8_t garbage[] = {0xFF, 0xFF, 0xFF};
	assert_err(wire_obs_decode(garbage, sizeof(garbage), &out), -MW_EDECODE);
	/* field number 0 in a non-minimal tag (0x82 0x00), which protobuf-c
	 * itself lets through as an unknown field (found by fuzz-payload) */
	const uint8_t field0[] = {0x82, 0x00, 0x00};
	assert_err(wire_obs_decode(field0, sizeof(field0), &out), -MW_EDECODE);
	Mwlink__Ack *ack = NULL;
	assert_err(wire_ack_decode(field0, sizeof(field0), &ack), -MW_EDECODE);
	assert_null(ack);
	mw_buf_finish(&b);
}

/* ---- track, alert, link control ---- */

struct track_fx {
	Mwlink__Track t;
	Mwlink__LaunchPoint lp;
	Mwlink__ImpactPoint ip;
	double pos[3], vel[3], cov[21], lpos[3], lcov[6], ipos[3], ien[3], len[3];
};

static void track_fx_init(struct track_fx *f)
{
	mwlink__track__init(&f->t);
	mwlink__launch_point__init(&f->lp);
	mwlink__impact_point__init(&f->ip);
	double pos[3] = {-3.1e6, 4.0e6, 3.9e6}, vel[3] = {1500, -2200, 800.5};
	memcpy(f->pos, pos, sizeof(pos));
	memcpy(f->vel, vel, sizeof(vel));
	for (unsigned i = 0; i < 6; i++)
		for (unsigned j = i; j < 6; j++)
			f->cov[wire_upper_index(6, i, j)] = i == j ? (i < 3 ? 400.0 : 25.0) : 1.5;
	f->t.has_track_id = f->t.has_t_ns = 1;
	f->t.track_id = 17;
	f->t.t_ns = T0 + 5;
	f->t.n_pos_ecef_m = f->t.n_vel_ecef_m_s = 3;
	f->t.pos_ecef_m = f->pos;
	f->t.vel_ecef_m_s = f->vel;
	f->t.n_cov_upper = 21;
	f->t.cov_upper = f->cov;
	f->t.has_phase = f->t.has_status = f->t.has_quality = 1;
	f->t.phase = MWLINK__PHASE__PHASE_MIDCOURSE;
	f->t.status = MWLINK__TRACK_STATUS__TRACK_CONFIRMED;
	f->t.quality = 0.8;
	double lpos[3] = {-3.05e6, 4.05e6, 3.85e6}, lcov[6] = {1e6, 10, 20, 2e6, 30, 3e6};
	memcpy(f->lpos, lpos, sizeof(lpos));
	memcpy(f->lcov, lcov, sizeof(lcov));
	f->lp.n_pos_ecef_m = 3;
	f->lp.pos_ecef_m = f->lpos;
	f->lp.n_cov_upper = 6;
	f->lp.cov_upper = f->lcov;
	f->lp.has_t_launch_ns = f->lp.has_sigma_t_s = 1;
	f->lp.t_launch_ns = T0 - 100 * MW_NS_PER_S;
	f->lp.sigma_t_s = 2.5;
	/* Launch ellipse (fields 5-8). */
	f->lp.has_ellipse_semi_major_m = f->lp.has_ellipse_semi_minor_m = 1;
	f->lp.has_ellipse_orient_deg = 1;
	f->lp.ellipse_semi_major_m = 3500;
	f->lp.ellipse_semi_minor_m = 800;
	f->lp.ellipse_orient_deg = 100;
	double len[3] = {1.5e6, 2e5, 3e5};
	memcpy(f->len, len, sizeof(len));
	f->lp.n_cov_en = 3;
	f->lp.cov_en = f->len;
	f->t.launch = &f->lp;
	double ipos[3] = {-3.6e6, 3.7e6, 3.7e6}, ien[3] = {4e6, 1e5, 1e6};
	memcpy(f->ipos, ipos, sizeof(ipos));
	memcpy(f->ien, ien, sizeof(ien));
	f->ip.n_pos_ecef_m = 3;
	f->ip.pos_ecef_m = f->ipos;
	f->ip.has_t_impact_ns = f->ip.has_sigma_t_s = 1;
	f->ip.t_impact_ns = T0 + 600 * MW_NS_PER_S;
	f->ip.sigma_t_s = 4;
	f->ip.has_ellipse_semi_major_m = f->ip.has_ellipse_semi_minor_m = 1;
	f->ip.has_ellipse_orient_deg = 1;
	f->ip.ellipse_semi_major_m = 4900;
	f->ip.ellipse_semi_minor_m = 2400;
	f->ip.ellipse_orient_deg = 35;
	f->ip.n_cov_en = 3;
	f->ip.cov_en = f->ien;
	f->t.impact = &f->ip;
}

/* The unpack arena: a full Track (launch and impact point) unpacks inside
 * 2 KiB without malloc; in an arena too small for it, the parts that do
 * not fit spill to malloc, the message is the same, and releasing it frees
 * exactly those (ASan's leak check fails the test otherwise). */
static void arena_unpack_fits_or_spills_with_the_same_result(void **state)
{
	(void)state;
	struct track_fx f;
	track_fx_init(&f);
	struct mw_buf b;
	mw_buf_init(&b, 4096);
	assert_true(wire_msg_encode(&f.t.base, &b) > 0);
	size_t caps[] = {2048, 200, 0};
	for (size_t k = 0; k < sizeof(caps) / sizeof(caps[0]); k++) {
		_Alignas(16) unsigned char buf[2048];
		struct wire_arena ar;
		wire_arena_init(&ar, caps[k] ? buf : NULL, caps[k]);
		Mwlink__Track *t = mwlink__track__unpack(&ar.pc, mw_buf_used(&b), mw_buf_peek(&b));
		assert_non_null(t);
		if (caps[k] == 2048 && ar.spilled)
			fail_msg("a Track spilled out of a 2048-byte arena (used %zu)", ar.used);
		if (caps[k] < 2048 && !ar.spilled)
			fail_msg("a %zu-byte arena held a whole Track (used %zu)", caps[k],
			         ar.used);
		if (ar.used > caps[k])
			fail_msg("arena used %zu of %zu bytes", ar.used, caps[k]);
		assert_err(wire_track_check(t), 0);
		assert_memory_equal(t->cov_upper, f.cov, sizeof(f.cov));
		assert_memory_equal(t->launch->cov_upper, f.lcov, sizeof(f.lcov));
		assert_int_equal(t->impact->t_impact_ns, f.ip.t_impact_ns);
		if (((uintptr_t)t->cov_upper) % _Alignof(double) != 0)
			fail_msg("misaligned double array at %p", (void *)t->cov_upper);
		wire_arena_free_msg(&ar, &t->base);
	}
	mw_buf_finish(&b);
}

static void track_roundtrip_keeps_covariance_launch_and_impact(void **state)
{
	(void)state;
	struct track_fx f;
	track_fx_init(&f);
	assert_err(wire_track_check(&f.t), 0);
	struct mw_buf b;
	mw_buf_init(&b, 4096);
	assert_true(wire_msg_encode(&f.t.base, &b) > 0);
	Mwlink__Track *t = NULL;
	assert_err(wire_track_decode(mw_buf_peek(&b), mw_buf_used(&b), &t), 0);
	assert_int_equal(t->track_id, 17);
	assert_int_equal(t->n_cov_upper, 21);
	assert_memory_equal(t->cov_upper, f.cov, sizeof(f.cov));
	assert_memory_equal(t->vel_ecef_m_s, f.vel, sizeof(f.vel));
	assert_int_equal(t->phase, MWLINK__PHASE__PHASE_MIDCOURSE);
	assert_non_null(t->launch);
	assert_memory_equal(t->launch->cov_upper, f.lcov, sizeof(f.lcov));
	assert_int_equal(t->launch->t_launch_ns, f.lp.t_launch_ns);
	assert_true(t->launch->has_ellipse_semi_major_m && t->launch->ellipse_semi_major_m == 3500);
	assert_true(t->launch->ellipse_orient_deg == 100);
	assert_int_equal(t->launch->n_cov_en, 3);
	assert_memory_equal(t->launch->cov_en, f.len, sizeof(f.len));
	assert_non_null(t->impact);
	assert_true(t->impact->ellipse_semi_major_m == 4900);
	assert_true(t->impact->ellipse_orient_deg == 35);
	assert_int_equal(t->impact->t_impact_ns, f.ip.t_impact_ns);
	wire_msg_free(t);
	/* upper-triangle index order is the documented one */
	assert_int_equal(wire_upper_index(6, 0, 5), 5);
	assert_int_equal(wire_upper_index(6, 1, 1), 6);
	assert_int_equal(wire_upper_index(6, 2, 2), 11);
	assert_int_equal(wire_upper_index(6, 5, 5), 20);
	assert_int_equal(wire_upper_index(3, 1, 2), 4);
	mw_buf_finish(&b);
}

static void track_bad_fields_are_refused(void **state)
{
	(void)state;
	for (int k = 0; k < 15; k++) {
		struct track_fx f;
		track_fx_init(&f);
		switch (k) {
		case 0:
			f.cov[3] = NAN;
			break;
		case 1:
			f.t.n_cov_upper = 20;
			break;
		case 2:
			f.cov[wire_upper_index(6, 4, 4)] = 0;
			break;
		case 3:
			f.cov[wire_upper_index(6, 0, 1)] = 1e5; /* |c01| > sqrt(c00 c11) */
			break;
		case 4:
			f.t.phase = MWLINK__PHASE__PHASE_UNSPECIFIED;
			break;
		case 5:
			f.t.status = (Mwlink__TrackStatus)9;
			break;
		case 6:
			f.t.quality = 1.5;
			break;
		case 7:
			f.t.track_id = 0;
			break;
		case 8:
			f.ip.ellipse_semi_minor_m = 5000; /* minor > major */
			break;
		case 9:
			f.ip.ellipse_orient_deg = 180;
			break;
		case 10:
			f.lp.n_cov_upper = 5;
			break;
		case 11:
			f.vel[0] = 2e5; /* faster than anything that flies */
			break;
		case 12:
			f.lp.has_ellipse_orient_deg = 0; /* launch ellipse: all three or none */
			break;
		case 13:
			f.lp.ellipse_semi_minor_m = 4000; /* launch minor > major */
			break;
		case 14:
			f.len[1] = 1e7; /* launch |c_en| > sqrt(c_ee c_nn) */
			break;
		}
		int rc = wire_track_check(&f.t);
		if (rc != -MW_EFIELD)
			fail_msg("case %d: check gave %s, expected MW_EFIELD", k, mw_errname(rc));
		struct mw_buf b;
		mw_buf_init(&b, 4096);
		assert_true(wire_msg_encode(&f.t.base, &b) > 0);
		Mwlink__Track *t = NULL;
		rc = wire_track_decode(mw_buf_peek(&b), mw_buf_used(&b), &t);
		if (rc != -MW_EFIELD)
			fail_msg("case %d: decode gave %s, expected MW_EFIELD", k, mw_errname(rc));
		assert_null(t);
		mw_buf_finish(&b);
	}
}

static void alert_roundtrip_and_rules(void **state)
{
	(void)state;
	char *areas[] = {(char *)"JP-01", (char *)"JP-02"};
	char *refs[] = {(char *)"KOR-A-1"};
	Mwlink__Alert a = MWLINK__ALERT__INIT;
	a.alert_id = (char *)"KOR-A-2";
	a.has_status = a.has_msg_type = a.has_sent_ns = 1;
	a.status = MWLINK__ALERT_STATUS__ALERT_EXERCISE;
	a.msg_type = MWLINK__ALERT_MSG_TYPE__ALERT_MSG_UPDATE;
	a.event = (char *)"Missile launch";
	a.n_areas = 2;
	a.areas = areas;
	a.n_references = 1;
	a.references = refs;
	a.has_track_id = 1;
	a.track_id = 17;
	a.sent_ns = T0;
	a.has_expires_ns = 1;
	a.expires_ns = T0 + 3600 * MW_NS_PER_S;
	a.headline = (char *)"Take shelter";
	assert_err(wire_alert_check(&a), 0);
	struct mw_buf b;
	mw_buf_init(&b, 4096);
	assert_true(wire_msg_encode(&a.base, &b) > 0);
	Mwlink__Alert *d = NULL;
	assert_err(wire_alert_decode(mw_buf_peek(&b), mw_buf_used(&b), &d), 0);
	assert_string_equal(d->alert_id, "KOR-A-2");
	assert_int_equal(d->n_areas, 2);
	assert_string_equal(d->areas[1], "JP-02");
	assert_string_equal(d->references[0], "KOR-A-1");
	wire_msg_free(d);
	Mwlink__Alert x = a;
	x.n_references = 0; /* an update must say what it updates */
	assert_err(wire_alert_check(&x), -MW_EFIELD);
	x = a;
	x.n_areas = 0;
	assert_err(wire_alert_check(&x), -MW_EFIELD);
	x = a;
	x.status = MWLINK__ALERT_STATUS__ALERT_STATUS_UNSPECIFIED;
	assert_err(wire_alert_check(&x), -MW_EFIELD);
	x = a;
	x.expires_ns = T0 - 1;
	assert_err(wire_alert_check(&x), -MW_EFIELD);
	x = a;
	x.alert_id = (char *)"";
	assert_err(wire_alert_check(&x), -MW_EFIELD);
	mw_buf_finish(&b);
}

static void link_control_roundtrip_and_rules(void **state)
{
	(void)state;
	struct mw_buf b;
	mw_buf_init(&b, 4096);
	Mwlink__Cursor c1 = MWLINK__CURSOR__INIT, c2 = MWLINK__CURSOR__INIT;
	c1.origin = (char *)"KOR";
	c1.has_seq = 1;
	c1.seq = 99;
	c2.origin = (char *)"JPN";
	c2.has_seq = 1;
	c2.seq = 0;
	Mwlink__Cursor *cs[] = {&c1, &c2};
	Mwlink__Hello h = MWLINK__HELLO__INIT;
	h.has_protocol_version = 1;
	h.protocol_version = WIRE_PROTOCOL_VERSION;
	h.nation = (char *)"USA";
	h.node_name = (char *)"usa-hub-1";
	h.n_resume = 2;
	h.resume = cs;
	assert_err(wire_hello_check(&h), 0);
	assert_true(wire_msg_frame(WIRE_FT_HELLO, &h.base, &b) > 0);
	struct wire_frame f;
	assert_true(wire_frame_peek(&b, 4096, &f) > 0);
	assert_int_equal(f.type, WIRE_FT_HELLO);
	Mwlink__Hello *hd = NULL;
	assert_err(wire_hello_decode(f.payload, f.len, &hd), 0);
	assert_string_equal(hd->nation, "USA");
	assert_int_equal(hd->n_resume, 2);
	assert_int_equal(hd->resume[0]->seq, 99);
	wire_msg_free(hd);
	c2.origin = (char *)"KOR"; /* two cursors for one origin */
	assert_err(wire_hello_check(&h), -MW_EFIELD);
	c2.origin = (char *)"JPN";
	h.nation = (char *)"US";
	assert_err(wire_hello_check(&h), -MW_EFIELD);

	Mwlink__EnvelopeRef r = MWLINK__ENVELOPE_REF__INIT;
	r.origin = (char *)"KOR";
	r.has_seq = 1;
	r.seq = 5;
	Mwlink__EnvelopeRef *rs[] = {&r};
	Mwlink__Ack a = MWLINK__ACK__INIT;
	a.n_refs = 1;
	a.refs = rs;
	a.n_cursors = 1;
	a.cursors = cs;
	mw_buf_reset(&b);
	assert_true(wire_msg_encode(&a.base, &b) > 0);
	Mwlink__Ack *ad = NULL;
	assert_err(wire_ack_decode(mw_buf_peek(&b), mw_buf_used(&b), &ad), 0);
	assert_int_equal(ad->refs[0]->seq, 5);
	wire_msg_free(ad);
	r.seq = 0;
	assert_err(wire_ack_check(&a), -MW_EFIELD);

	Mwlink__Heartbeat hb = MWLINK__HEARTBEAT__INIT;
	hb.has_send_t_ns = hb.has_echo_t_ns = hb.has_echo_hold_ns = 1;
	hb.send_t_ns = T0;
	hb.echo_t_ns = T0 - 1000;
	hb.echo_hold_ns = 300;
	mw_buf_reset(&b);
	assert_true(wire_msg_encode(&hb.base, &b) > 0);
	Mwlink__Heartbeat *hbd = NULL;
	assert_err(wire_heartbeat_decode(mw_buf_peek(&b), mw_buf_used(&b), &hbd), 0);
	assert_int_equal(hbd->echo_t_ns, T0 - 1000);
	wire_msg_free(hbd);
	hb.has_send_t_ns = 0;
	assert_err(wire_heartbeat_check(&hb), -MW_EFIELD);
	mw_buf_finish(&b);
}

/* ---- envelope body ---- */

static struct wire_body good_body(const uint8_t *payload, size_t len)
{
	struct wire_body b;
	memset(&b, 0, sizeof(b));
	memcpy(b.origin, "KOR", 4);
	b.seq = 1;
	b.kind = WIRE_KIND_OBSERVATION;
	b.n_release = 2;
	memcpy(b.release[0], "USA", 4);
	memcpy(b.release[1], "JPN", 4);
	b.exercise = false;
	b.data_t_ns = T0;
	b.payload = payload;
	b.payload_len = len;
	return b;
}

static void body_roundtrip_and_release_set(void **state)
{
	(void)state;
	const uint8_t pl[] = {1, 2, 3};
	struct wire_body in = good_body(pl, sizeof(pl));
	in.exercise = true;
	in.seq = (uint64_t)INT64_MAX; /* the largest seq a journal holds */
	struct mw_buf b;
	mw_buf_init(&b, 4096);
	assert_true(wire_body_encode(&in, &b) > 0);
	struct wire_body out;
	void *st = NULL;
	assert_err(wire_body_decode(mw_buf_peek(&b), mw_buf_used(&b), &out, &st), 0);
	assert_string_equal(out.origin, "KOR");
	assert_true(out.seq == (uint64_t)INT64_MAX);
	assert_int_equal(out.kind, WIRE_KIND_OBSERVATION);
	assert_int_equal(out.n_release, 2);
	assert_true(out.exercise);
	assert_int_equal(out.data_t_ns, T0);
	assert_int_equal(out.payload_len, 3);
	assert_memory_equal(out.payload, pl, 3);
	assert_true(wire_body_releasable_to(&out, "JPN"));
	assert_false(wire_body_releasable_to(&out, "CHN"));
	assert_false(wire_body_releasable_to(&out, "KOR")); /* the origin is not implied */
	wire_body_storage_free(st);
	mw_buf_finish(&b);
}

/* What protobuf-c packs for body b (wire_body_encode must write exactly it). */
static size_t pb_pack_body(const struct wire_body *b, uint8_t *out, size_t cap)
{
	char *rel[WIRE_MAX_RELEASE];
	for (uint32_t i = 0; i < b->n_release; i++)
		rel[i] = (char *)b->release[i];
	Mwlink__EnvelopeBody m = MWLINK__ENVELOPE_BODY__INIT;
	m.origin = (char *)b->origin;
	m.has_seq = 1;
	m.seq = b->seq;
	m.has_kind = 1;
	m.kind = (Mwlink__Kind)b->kind;
	m.n_releasable_to = b->n_release;
	m.releasable_to = rel;
	m.has_exercise = 1;
	m.exercise = b->exercise;
	m.has_data_t_ns = 1;
	m.data_t_ns = b->data_t_ns;
	m.has_payload = 1;
	m.payload.data = (uint8_t *)b->payload;
	m.payload.len = b->payload_len;
	size_t n = protobuf_c_message_get_packed_size(&m.base);
	assert_true(n <= cap);
	return protobuf_c_message_pack(&m.base, out);
}

/* protobuf-c's unpack of a body compared field by field with split's. */
static void body_split_matches_protobuf(const uint8_t *p, size_t n, const char *what)
{
	struct wire_body b;
	if (wire_body_split(p, n, &b) != 0)
		return;
	Mwlink__EnvelopeBody *m = mwlink__envelope_body__unpack(NULL, n, p);
	if (!m)
		fail_msg("%s: split accepted %zu bytes protobuf-c does not unpack", what, n);
	bool same =
	    m->origin && strcmp(m->origin, b.origin) == 0 && m->has_seq && m->seq == b.seq &&
	    m->has_kind && (int)m->kind == (int)b.kind && m->n_releasable_to == b.n_release &&
	    m->has_exercise && (m->exercise != 0) == b.exercise && m->has_data_t_ns &&
	    m->data_t_ns == b.data_t_ns && m->has_payload && m->payload.len == b.payload_len &&
	    (!b.payload_len || memcmp(m->payload.data, b.payload, b.payload_len) == 0);
	for (uint32_t i = 0; same && i < b.n_release; i++)
		same = strcmp(m->releasable_to[i], b.release[i]) == 0;
	if (!same)
		fail_msg("%s: split read seq %llu kind %d n_release %u payload %zu B, protobuf-c "
		         "seq %llu kind %d n_release %zu payload %zu B",
		         what, (unsigned long long)b.seq, (int)b.kind, b.n_release, b.payload_len,
		         (unsigned long long)m->seq, (int)m->kind, m->n_releasable_to,
		         m->payload.len);
	mwlink__envelope_body__free_unpacked(m, NULL);
}

/* wire_body_encode writes what protobuf-c packs, and wire_body_split (the
 * receiver's decoder without protobuf-c) reads every such body, with the
 * values protobuf-c reads; any
 * byte changed, cut or added either leaves it reading what protobuf-c
 * reads or makes it refuse (the decoder then unpacks with protobuf-c);
 * other valid encodings are refused, and still decode. */
static void body_split_reads_what_protobuf_reads_or_refuses(void **state)
{
	(void)state;
	uint8_t pl[300];
	for (size_t i = 0; i < sizeof(pl); i++)
		pl[i] = (uint8_t)(i * 7 + 1);
	const uint64_t seqs[] = {1, 127, 128, 16383, 16384, (uint64_t)INT64_MAX};
	const size_t plens[] = {1, 127, 128, 300};
	static const char nat[][4] = {"USA", "JPN", "GBR", "AUS", "CAN", "NZL"};
	struct mw_buf b;
	mw_buf_init(&b, 4096);
	for (size_t k = 0; k < 6 * 4 * 3; k++) {
		struct wire_body in = good_body(pl, plens[k % 4]);
		in.seq = seqs[k % 6];
		in.kind = (enum wire_kind)(WIRE_KIND_OBSERVATION + (int)(k % 3));
		in.exercise = k % 2;
		in.data_t_ns = k % 5 == 0 ? 1 : T0 + (int64_t)k;
		in.n_release = (uint32_t)(1 + k % 6);
		for (uint32_t r = 0; r < in.n_release; r++)
			memcpy(in.release[r], nat[r], 4);
		mw_buf_reset(&b);
		assert_true(wire_body_encode(&in, &b) > 0);
		uint8_t *p = (uint8_t *)mw_buf_peek(&b);
		size_t n = mw_buf_used(&b);
		uint8_t pb[512];
		size_t pbn = pb_pack_body(&in, pb, sizeof(pb));
		if (pbn != n || memcmp(pb, p, n) != 0)
			fail_msg("case %zu: wire_body_encode wrote %zu bytes, protobuf-c packs %zu "
			         "(or other bytes)",
			         k, n, pbn);
		struct wire_body out;
		assert_err(wire_body_split(p, n, &out), 0);
		assert_err(wire_body_check(&out), 0);
		assert_string_equal(out.origin, "KOR");
		assert_true(out.seq == in.seq);
		assert_int_equal(out.kind, in.kind);
		assert_int_equal(out.n_release, in.n_release);
		assert_memory_equal(out.release, in.release, in.n_release * MW_NATION_LEN);
		assert_int_equal(out.exercise, in.exercise);
		assert_int_equal(out.data_t_ns, in.data_t_ns);
		assert_int_equal(out.payload_len, in.payload_len);
		assert_ptr_equal(out.payload, p + n - in.payload_len); /* into p */
		body_split_matches_protobuf(p, n, "encoded");
		/* every single-byte change, every cut, one byte more */
		uint8_t mut[512];
		assert_true(n + 1 <= sizeof(mut));
		for (size_t i = 0; i < n && k % 9 == 0; i++)
			for (unsigned x = 1; x < 256; x <<= 1) {
				memcpy(mut, p, n);
				mut[i] ^= (uint8_t)x;
				body_split_matches_protobuf(mut, n, "one byte changed");
			}
		for (size_t cut = 0; cut < n; cut++)
			assert_err(wire_body_split(p, cut, &out), -MW_EDECODE);
		memcpy(mut, p, n);
		mut[n] = 0;
		assert_err(wire_body_split(mut, n + 1, &out), -MW_EDECODE);
	}
	/* valid for protobuf-c, not the written form: refused by split,
	 * decoded by the decoder's protobuf-c path all the same */
	struct wire_body in = good_body(pl, 3);
	mw_buf_reset(&b);
	assert_true(wire_body_encode(&in, &b) > 0);
	const uint8_t *p = mw_buf_peek(&b);
	size_t n = mw_buf_used(&b);
	uint8_t alt[64];
	struct wire_body out;
	void *st = NULL;
	/* an unknown field (number 15, varint 0) after the payload */
	memcpy(alt, p, n);
	alt[n] = 0x78;
	alt[n + 1] = 0x00;
	assert_err(wire_body_split(alt, n + 2, &out), -MW_EDECODE);
	assert_err(wire_body_decode(alt, n + 2, &out, &st), 0);
	wire_body_storage_free(st);
	/* seq as a two-byte varint for 1 (not minimal) */
	assert_int_equal(p[5], 0x10);
	assert_int_equal(p[6], 0x01);
	memcpy(alt, p, 6);
	alt[6] = 0x81;
	alt[7] = 0x00;
	memcpy(alt + 8, p + 7, n - 7);
	assert_err(wire_body_split(alt, n + 1, &out), -MW_EDECODE);
	assert_err(wire_body_decode(alt, n + 1, &out, &st), 0);
	assert_true(out.seq == 1);
	wire_body_storage_free(st);
	/* origin after seq */
	memcpy(alt, p + 5, 2);
	memcpy(alt + 2, p, 5);
	memcpy(alt + 7, p + 7, n - 7);
	assert_err(wire_body_split(alt, n, &out), -MW_EDECODE);
	assert_err(wire_body_decode(alt, n, &out, &st), 0);
	assert_string_equal(out.origin, "KOR");
	wire_body_storage_free(st);
	mw_buf_finish(&b);
}

static void body_bad_fields_are_refused(void **state)
{
	(void)state;
	const uint8_t pl[] = {1};
	for (int k = 0; k < 9; k++) {
		struct wire_body x = good_body(pl, 1);
		switch (k) {
		case 0:
			x.n_release = 0; /* empty releasability */
			break;
		case 1:
			memcpy(x.release[1], "USA", 4); /* duplicate */
			break;
		case 2:
			memcpy(x.origin, "Kor", 4);
			break;
		case 3:
			memcpy(x.release[0], "USAX", 4); /* not NUL-terminated at 3 */
			break;
		case 4:
			x.seq = 0;
			break;
		case 5:
			x.kind = (enum wire_kind)4;
			break;
		case 6:
			x.payload_len = 0;
			break;
		case 7:
			x.data_t_ns = 0;
			break;
		case 8:
			x.n_release = WIRE_MAX_RELEASE + 1;
			break;
		}
		struct mw_buf b;
		mw_buf_init(&b, 4096);
		int rc = wire_body_encode(&x, &b);
		if (rc != -MW_EFIELD)
			fail_msg("case %d: encode gave %s, expected MW_EFIELD", k, mw_errname(rc));
		assert_int_equal(mw_buf_used(&b), 0);
		mw_buf_finish(&b);
	}
	/* On the wire: a missing exercise flag is refused, never read as "real";
	 * an unknown kind value is refused. */
	char *rel[] = {(char *)"USA"};
	Mwlink__EnvelopeBody m = MWLINK__ENVELOPE_BODY__INIT;
	m.origin = (char *)"KOR";
	m.has_seq = m.has_kind = m.has_exercise = m.has_data_t_ns = m.has_payload = 1;
	m.seq = 1;
	m.kind = MWLINK__KIND__KIND_TRACK;
	m.n_releasable_to = 1;
	m.releasable_to = rel;
	m.data_t_ns = T0;
	m.payload.data = (uint8_t *)pl;
	m.payload.len = 1;
	for (int k = 0; k < 4; k++) {
		Mwlink__EnvelopeBody mm = m;
		if (k == 1)
			mm.has_exercise = 0;
		if (k == 2)
			mm.kind = (Mwlink__Kind)77;
		if (k == 3)
			mm.origin = (char *)"KORE";
		struct mw_buf b;
		mw_buf_init(&b, 4096);
		assert_true(wire_msg_encode(&mm.base, &b) > 0);
		struct wire_body out;
		void *st = NULL;
		int rc = wire_body_decode(mw_buf_peek(&b), mw_buf_used(&b), &out, &st);
		assert_err(rc, k == 0 ? 0 : -MW_EFIELD);
		wire_body_storage_free(st);
		mw_buf_finish(&b);
	}
}

/* seq is uint64 on the wire but every node journals it as a signed 64-bit
 * SQLite integer (store refuses seq > INT64_MAX with -EINVAL). A signed
 * envelope with seq >= 2^63 used to pass decoding and verification and
 * then fail to journal: never acked, resent forever, blocking the link.
 * Decoding must refuse it as malformed (MW_EFIELD) like any other bad
 * field, and the link-control messages that carry seqs likewise. */
static void seq_beyond_int64_is_refused_at_decode(void **state)
{
	(void)state;
	const uint8_t pl[] = {1};
	const uint64_t big = (uint64_t)INT64_MAX + 1;
	for (int k = 0; k < 2; k++) {
		struct wire_body x = good_body(pl, 1);
		x.seq = k ? big : (uint64_t)INT64_MAX;
		struct mw_buf b;
		mw_buf_init(&b, 4096);
		int rc = wire_body_encode(&x, &b);
		if (k ? rc != -MW_EFIELD : rc <= 0)
			fail_msg("encode seq %llu gave %s", (unsigned long long)x.seq,
			         mw_errname(rc));
		mw_buf_finish(&b);
	}
	char *rel[] = {(char *)"USA"};
	Mwlink__EnvelopeBody m = MWLINK__ENVELOPE_BODY__INIT;
	m.origin = (char *)"KOR";
	m.has_seq = m.has_kind = m.has_exercise = m.has_data_t_ns = m.has_payload = 1;
	m.kind = MWLINK__KIND__KIND_TRACK;
	m.n_releasable_to = 1;
	m.releasable_to = rel;
	m.data_t_ns = T0;
	m.payload.data = (uint8_t *)pl;
	m.payload.len = 1;
	const uint64_t seqs[] = {(uint64_t)INT64_MAX, big, UINT64_MAX};
	for (int k = 0; k < 3; k++) {
		m.seq = seqs[k];
		struct mw_buf b;
		mw_buf_init(&b, 4096);
		assert_true(wire_msg_encode(&m.base, &b) > 0);
		struct wire_body out;
		void *st = NULL;
		int rc = wire_body_decode(mw_buf_peek(&b), mw_buf_used(&b), &out, &st);
		if (rc != (k == 0 ? 0 : -MW_EFIELD))
			fail_msg("decode seq %llu gave %s", (unsigned long long)seqs[k],
			         mw_errname(rc));
		wire_body_storage_free(st);
		mw_buf_finish(&b);
	}
	/* Ack refs and cursors, Hello resume cursors */
	Mwlink__EnvelopeRef ref = MWLINK__ENVELOPE_REF__INIT;
	Mwlink__EnvelopeRef *refs[] = {&ref};
	Mwlink__Cursor cur = MWLINK__CURSOR__INIT;
	Mwlink__Cursor *curs[] = {&cur};
	ref.origin = cur.origin = (char *)"KOR";
	ref.has_seq = cur.has_seq = 1;
	for (int k = 0; k < 2; k++) {
		uint64_t v = k ? big : (uint64_t)INT64_MAX;
		int want = k ? -MW_EFIELD : 0;
		Mwlink__Ack a = MWLINK__ACK__INIT;
		ref.seq = v;
		cur.seq = 1;
		a.n_refs = 1;
		a.refs = refs;
		assert_err(wire_ack_check(&a), want);
		ref.seq = 1;
		cur.seq = v;
		a.n_cursors = 1;
		a.cursors = curs;
		assert_err(wire_ack_check(&a), want);
		Mwlink__Hello h = MWLINK__HELLO__INIT;
		h.has_protocol_version = 1;
		h.protocol_version = 1;
		h.nation = (char *)"USA";
		h.n_resume = 1;
		h.resume = curs;
		assert_err(wire_hello_check(&h), want);
	}
}

/* ---- Merkle tree ---- */

static void sha256_2(const uint8_t *a, size_t an, const uint8_t *b, size_t bn, uint8_t pre,
                     uint8_t out[32])
{
	uint8_t buf[1 + 64];
	assert_true(an + bn <= 64);
	buf[0] = pre;
	memcpy(buf + 1, a, an);
	if (bn)
		memcpy(buf + 1 + an, b, bn);
	SHA256(buf, 1 + an + bn, out);
}

static void merkle_matches_the_documented_construction(void **state)
{
	(void)state;
	const uint8_t x[] = "alpha", y[] = "bravo", z[] = "charlie";
	uint8_t l[3][32], want[32], n01[32];
	sha256_2(x, 5, NULL, 0, 0x00, l[0]);
	sha256_2(y, 5, NULL, 0, 0x00, l[1]);
	sha256_2(z, 7, NULL, 0, 0x00, l[2]);
	uint8_t got[32];
	assert_err(wire_merkle_leaf(NULL, x, 5, got), 0);
	assert_memory_equal(got, l[0], 32);
	/* three leaves: root = H(1 || H(1 || l0 || l1) || l2); l2 carried up */
	sha256_2(l[0], 32, l[1], 32, 0x01, n01);
	sha256_2(n01, 32, l[2], 32, 0x01, want);
	struct wire_merkle t;
	assert_err(wire_merkle_build(NULL, &t, (const uint8_t(*)[32])l, 3), 0);
	assert_memory_equal(wire_merkle_root(&t), want, 32);
	uint8_t proof[16][32];
	assert_int_equal(wire_merkle_proof(&t, 2, proof), 1);
	assert_memory_equal(proof[0], n01, 32);
	assert_int_equal(wire_merkle_proof(&t, 0, proof), 2);
	assert_memory_equal(proof[0], l[1], 32);
	assert_memory_equal(proof[1], l[2], 32);
	wire_merkle_finish(&t);
	/* one leaf: the root is the leaf, no proof */
	assert_err(wire_merkle_build(NULL, &t, (const uint8_t(*)[32])l, 1), 0);
	assert_memory_equal(wire_merkle_root(&t), l[0], 32);
	assert_int_equal(wire_merkle_proof(&t, 0, proof), 0);
	wire_merkle_finish(&t);
	assert_err(wire_merkle_build(NULL, &t, (const uint8_t(*)[32])l, 0), -EINVAL);
}

/* wire_merkle_proof_keys names, for every proof entry, the tree node it
 * is: checked against the tree itself for every leaf of batches 1..70. */
static void merkle_proof_keys_name_the_nodes_the_proof_holds(void **state)
{
	(void)state;
	enum { MAXN = 70 };
	uint8_t leaves[MAXN][32];
	for (int i = 0; i < MAXN; i++) {
		uint8_t v = (uint8_t)(i + 100);
		assert_err(wire_merkle_leaf(NULL, &v, 1, leaves[i]), 0);
	}
	for (uint32_t n = 1; n <= MAXN; n++) {
		struct wire_merkle t;
		assert_err(wire_merkle_build(NULL, &t, (const uint8_t(*)[32])leaves, n), 0);
		for (uint32_t i = 0; i < n; i++) {
			uint8_t proof[16][32];
			uint32_t keys[16];
			int len = wire_merkle_proof(&t, i, proof);
			int kl = wire_merkle_proof_keys(i, n, keys);
			if (kl != len)
				fail_msg("n %u leaf %u: %d keys for a proof of %d", n, i, kl, len);
			for (int k = 0; k < kl; k++) {
				uint32_t lvl = keys[k] >> 16, idx = keys[k] & 0xffff;
				if (lvl >= t.n_levels || idx >= t.width[lvl])
					fail_msg(
					    "n %u leaf %u entry %d: key %u:%u outside the tree", n,
					    i, k, lvl, idx);
				assert_memory_equal(proof[k], t.nodes[t.offset[lvl] + idx], 32);
				if (k > 0 && keys[k] >> 16 <= keys[k - 1] >> 16)
					fail_msg("levels do not increase");
			}
		}
		wire_merkle_finish(&t);
	}
	uint32_t keys[16];
	assert_err(wire_merkle_proof_keys(0, 0, keys), -EINVAL);
	assert_err(wire_merkle_proof_keys(5, 5, keys), -EINVAL);
	assert_err(wire_merkle_proof_keys(0, WIRE_MERKLE_MAX_LEAVES + 1, keys), -EINVAL);
	assert_int_equal(wire_merkle_proof_keys(65535, 65536, keys), 16);
	assert_int_equal(keys[15], WIRE_MERKLE_KEY(15, 0));
}

static void merkle_every_proof_climbs_to_the_root(void **state)
{
	(void)state;
	enum { MAXN = 70 };
	uint8_t leaves[MAXN][32];
	for (int i = 0; i < MAXN; i++) {
		uint8_t v = (uint8_t)i;
		assert_err(wire_merkle_leaf(NULL, &v, 1, leaves[i]), 0);
	}
	for (uint32_t n = 1; n <= MAXN; n++) {
		struct wire_merkle t;
		assert_err(wire_merkle_build(NULL, &t, (const uint8_t(*)[32])leaves, n), 0);
		int depth = 0;
		while ((1u << depth) < n)
			depth++;
		for (uint32_t i = 0; i < n; i++) {
			uint8_t proof[16][32], root[32];
			int len = wire_merkle_proof(&t, i, proof);
			assert_int_equal(len, wire_merkle_proof_len(i, n));
			assert_true(len <= depth);
			assert_err(wire_merkle_root_from_proof(NULL, leaves[i], i, n,
			                                       (const uint8_t(*)[32])proof,
			                                       (size_t)len, root),
			           0);
			assert_memory_equal(root, wire_merkle_root(&t), 32);
			if (len > 0)
				assert_err(wire_merkle_root_from_proof(NULL, leaves[i], i, n,
				                                       (const uint8_t(*)[32])proof,
				                                       (size_t)len - 1, root),
				           -MW_EPROOF);
			/* the proof of leaf i does not prove another leaf */
			if (n > 1) {
				uint32_t j = (i + 1) % n;
				if (wire_merkle_root_from_proof(NULL, leaves[j], i, n,
				                                (const uint8_t(*)[32])proof,
				                                (size_t)len, root) == 0)
					assert_memory_not_equal(root, wire_merkle_root(&t), 32);
			}
		}
		wire_merkle_finish(&t);
	}
	assert_int_equal(wire_merkle_proof_len(0, WIRE_MERKLE_MAX_LEAVES), 16);
	assert_int_equal(wire_merkle_proof_len(WIRE_MERKLE_MAX_LEAVES - 1, WIRE_MERKLE_MAX_LEAVES),
	                 16);
	assert_err(wire_merkle_proof_len(0, WIRE_MERKLE_MAX_LEAVES + 1), -EINVAL);
	assert_err(wire_merkle_proof_len(5, 5), -EINVAL);
}

/* The level walk of merkle.c's header comment, as wire_merkle_proof_len
 * computed it before the closed form: the reference it must match. */
static int proof_len_walk(uint32_t index, uint32_t count)
{
	int len = 0;
	for (uint32_t w = count, i = index; w > 1; w = (w + 1) / 2, i /= 2)
		if ((i & 1) || i + 1 < w)
			len++;
	return len;
}

/* wire_merkle_proof_keys as it was before the branch-free loop. */
static int proof_keys_walk(uint32_t index, uint32_t count, uint32_t keys[WIRE_MERKLE_MAX_DEPTH])
{
	int len = 0;
	uint32_t lvl = 0;
	for (uint32_t w = count, i = index; w > 1; w = (w + 1) / 2, i /= 2, lvl++) {
		if (i & 1)
			keys[len++] = WIRE_MERKLE_KEY(lvl, i - 1);
		else if (i + 1 < w)
			keys[len++] = WIRE_MERKLE_KEY(lvl, i + 1);
	}
	return len;
}

/* Both walks for one (index, count): same length, same keys. */
static void check_len_and_keys(uint32_t i, uint32_t n)
{
	int got = wire_merkle_proof_len(i, n), want = proof_len_walk(i, n);
	if (got != want)
		fail_msg("proof_len(%u, %u) = %d, walk says %d", i, n, got, want);
	uint32_t k[WIRE_MERKLE_MAX_DEPTH], kw[WIRE_MERKLE_MAX_DEPTH];
	int kl = wire_merkle_proof_keys(i, n, k), klw = proof_keys_walk(i, n, kw);
	if (kl != klw)
		fail_msg("proof_keys(%u, %u) length %d, walk says %d", i, n, kl, klw);
	for (int j = 0; j < kl; j++)
		if (k[j] != kw[j])
			fail_msg("proof_keys(%u, %u)[%d] = %#x, walk says %#x", i, n, j, k[j],
			         kw[j]);
}

/* wire_merkle_proof_len (closed form) and wire_merkle_proof_keys
 * (branch-free) equal the level walks they replaced for every (index, count)
 * with count <= 4096, and for every index of the largest and some
 * odd-shaped large counts up to WIRE_MERKLE_MAX_LEAVES. */
static void merkle_proof_len_and_keys_match_the_level_walk(void **state)
{
	(void)state;
	static const uint32_t big[] = {4097,  8191,  8192,  8193,  32767,
	                               32768, 32769, 40000, 65535, WIRE_MERKLE_MAX_LEAVES};
	for (uint32_t n = 1; n <= 4096; n++)
		for (uint32_t i = 0; i < n; i++)
			check_len_and_keys(i, n);
	for (size_t b = 0; b < sizeof(big) / sizeof(big[0]); b++)
		for (uint32_t i = 0; i < big[b]; i++)
			check_len_and_keys(i, big[b]);
}

/* A hasher reused across proofs (its per-level memo warm) climbs to exactly
 * the root a fresh one does, for honest proofs and for proofs with any one
 * sibling byte flipped, in every order of leaves. */
static void merkle_reused_hasher_gives_the_same_roots_as_a_fresh_one(void **state)
{
	(void)state;
	enum { N = 37 };
	uint8_t leaves[N][32];
	for (int i = 0; i < N; i++) {
		uint8_t v[2] = {(uint8_t)i, 0x5a};
		assert_err(wire_merkle_leaf(NULL, v, sizeof(v), leaves[i]), 0);
	}
	struct wire_merkle t;
	assert_err(wire_merkle_build(NULL, &t, (const uint8_t(*)[32])leaves, N), 0);
	struct wire_hasher h;
	assert_err(wire_hasher_init(&h), 0);
	int hits = 0;
	for (int pass = 0; pass < 3; pass++) {
		for (uint32_t k = 0; k < N; k++) {
			/* pass 0 in order, pass 1 backwards, pass 2 strided */
			uint32_t i = pass == 0 ? k : pass == 1 ? N - 1 - k : (k * 7) % N;
			uint8_t proof[16][32], warm[32], cold[32];
			int len = wire_merkle_proof(&t, i, proof);
			assert_true(len >= 0);
			for (int flip = -1; flip < len; flip++) {
				if (flip >= 0)
					proof[flip][(i + (uint32_t)flip) % 32] ^= 0x01;
				assert_err(wire_merkle_root_from_proof(&h, leaves[i], i, N,
				                                       (const uint8_t(*)[32])proof,
				                                       (size_t)len, warm),
				           0);
				assert_err(wire_merkle_root_from_proof(NULL, leaves[i], i, N,
				                                       (const uint8_t(*)[32])proof,
				                                       (size_t)len, cold),
				           0);
				assert_memory_equal(warm, cold, 32);
				if (flip < 0)
					assert_memory_equal(warm, wire_merkle_root(&t), 32);
				else
					assert_memory_not_equal(warm, wire_merkle_root(&t), 32);
				if (flip >= 0)
					proof[flip][(i + (uint32_t)flip) % 32] ^= 0x01;
			}
		}
		for (int l = 0; l < WIRE_MERKLE_MAX_DEPTH; l++)
			hits += h.memo_ok[l];
	}
	assert_true(hits > 0); /* the memo was filled and consulted */
	wire_hasher_finish(&h);
	wire_merkle_finish(&t);
}

/* ---- signatures ---- */

static void signed_message_layout_is_byte_exact(void **state)
{
	(void)state;
	uint8_t root[32], m[WIRE_SIGNED_MSG_LEN];
	for (int i = 0; i < 32; i++)
		root[i] = (uint8_t)i;
	assert_err(wire_signed_msg("JPN", root, 0x00010203, m), 0);
	assert_memory_equal(m, "mwlink-batch-v1\0", 16);
	assert_memory_equal(m + 16, (char *)"JPN", 3);
	assert_memory_equal(m + 19, root, 32);
	const uint8_t cnt[] = {0x00, 0x01, 0x02, 0x03};
	assert_memory_equal(m + 51, cnt, 4);
	assert_err(wire_signed_msg("jpn", root, 1, m), -MW_EFIELD);
}

/* OpenSSL signs with EVP over msg; 0 or fails the test. */
static void openssl_sign(EVP_PKEY *k, const uint8_t *msg, size_t len, uint8_t sig[WIRE_SIG_LEN])
{
	EVP_MD_CTX *c = EVP_MD_CTX_new();
	assert_non_null(c);
	size_t siglen = WIRE_SIG_LEN;
	assert_int_equal(EVP_DigestSignInit(c, NULL, NULL, NULL, k), 1);
	assert_int_equal(EVP_DigestSign(c, sig, &siglen, msg, len), 1);
	assert_int_equal(siglen, WIRE_SIG_LEN);
	EVP_MD_CTX_free(c);
}

/* 1 if OpenSSL's EVP accepts sig over msg under k, 0 if not. */
static int openssl_verify(EVP_PKEY *k, const uint8_t *msg, size_t len,
                          const uint8_t sig[WIRE_SIG_LEN])
{
	EVP_MD_CTX *c = EVP_MD_CTX_new();
	assert_non_null(c);
	assert_int_equal(EVP_DigestVerifyInit(c, NULL, NULL, NULL, k), 1);
	int ok = EVP_DigestVerify(c, sig, WIRE_SIG_LEN, msg, len) == 1;
	EVP_MD_CTX_free(c);
	return ok;
}

/*
 * Observation.sensor_sig (field 8): the sensor's signature is appended as
 * the last 66 bytes (0x42 0x40 sig) and covers "mwlink-obs-v1" NUL ||
 * the unsigned encoding, which stays a byte-exact prefix; OpenSSL agrees
 * it verifies; one flipped bit anywhere, another sensor's key, field 8
 * not last, twice or of another length all fail.
 */
static void obs_sensor_sig_is_a_trailer_over_the_prefix_and_any_flip_fails(void **state)
{
	(void)state;
	struct wire_signer *s1 = NULL, *s2 = NULL;
	assert_err(wire_signer_generate("KOR", &s1), 0);
	assert_err(wire_signer_generate("KOR", &s2), 0);
	uint8_t pub1[WIRE_PUBKEY_LEN], pub2[WIRE_PUBKEY_LEN];
	assert_err(wire_signer_public_raw(s1, pub1), 0);
	assert_err(wire_signer_public_raw(s2, pub2), 0);
	struct mw_obs in[2] = {radar_obs(), los_obs()};
	in[0].exercise = true; /* field 7 precedes field 8 */
	for (int i = 0; i < 2; i++) {
		struct mw_buf plain, sig;
		mw_buf_init(&plain, 4096);
		mw_buf_init(&sig, 4096);
		int n0 = wire_obs_encode(&in[i], &plain);
		assert_true(n0 > 0);
		/* unsigned: decodes, no signature */
		struct mw_obs out;
		struct wire_obs_sig os;
		memset(&os, 0x5A, sizeof(os));
		assert_err(wire_obs_decode_sig(mw_buf_peek(&plain), (size_t)n0, &out, &os), 0);
		assert_false(os.present);
		assert_err(wire_obs_sig_verify(pub1, mw_buf_peek(&plain), &os), -MW_ESIG);
		/* signed, after 3 bytes already in the buffer (a frame header) */
		assert_int_equal(mw_buf_append(&sig, "hdr", 3), 0);
		assert_true(wire_obs_encode(&in[i], &sig) == n0);
		int n1 = wire_obs_sign(s1, &sig, 3);
		assert_int_equal(n1, n0 + WIRE_OBS_SIG_TRAILER);
		assert_int_equal(mw_buf_used(&sig), 3 + (size_t)n1);
		const uint8_t *p = mw_buf_peek(&sig) + 3;
		assert_memory_equal(p, mw_buf_peek(&plain), (size_t)n0);
		assert_int_equal(p[n0], 0x42);
		assert_int_equal(p[n0 + 1], 0x40);
		memset(&out, 0x5A, sizeof(out));
		assert_err(wire_obs_decode_sig(p, (size_t)n1, &out, &os), 0);
		obs_equal(&in[i], &out);
		assert_true(os.present);
		assert_int_equal(os.signed_len, (size_t)n0);
		assert_memory_equal(os.sig, p + n0 + 2, WIRE_SIG_LEN);
		assert_err(wire_obs_sig_verify(pub1, p, &os), 0);
		assert_err(wire_obs_sig_verify(pub2, p, &os), -MW_ESIG); /* another sensor's key */
		/* plain wire_obs_decode (a partner) reads it too */
		assert_err(wire_obs_decode(p, (size_t)n1, &out), 0);
		/* what is signed, checked by OpenSSL: the domain tag and the prefix */
		uint8_t msg[14 + 512];
		assert_true((size_t)n0 <= 512);
		memcpy(msg, "mwlink-obs-v1", 14);
		memcpy(msg + 14, p, (size_t)n0);
		assert_int_equal(openssl_verify(wire_signer_key(s1), msg, 14 + (size_t)n0, os.sig),
		                 1);
		assert_int_equal(openssl_verify(wire_signer_key(s1), msg + 14, (size_t)n0, os.sig),
		                 0);
		/* one flipped bit anywhere: no longer a valid signed observation */
		uint8_t f[600];
		assert_true((size_t)n1 <= sizeof(f));
		for (int k = 0; k < n1; k++) {
			for (int bit = 0; bit < 8; bit += 3) {
				memcpy(f, p, (size_t)n1);
				f[k] ^= (uint8_t)(1u << bit);
				struct wire_obs_sig fs;
				int rc = wire_obs_decode_sig(f, (size_t)n1, &out, &fs);
				if (rc == 0 && fs.present && wire_obs_sig_verify(pub1, f, &fs) == 0)
					fail_msg("byte %d bit %d flipped: still verifies", k, bit);
			}
		}
		/* field 8 must be last: another field after it is refused */
		memcpy(f, p, (size_t)n1);
		f[n1] = 0x38; /* field 7, varint */
		f[n1 + 1] = 0x01;
		assert_err(wire_obs_decode_sig(f, (size_t)n1 + 2, &out, &os), -MW_EFIELD);
		/* and once: a second field 8 before it is refused (it would be
		 * signed over while decoders read only the last) */
		memcpy(f, p, (size_t)n1);
		memcpy(f + n1, p + n0, WIRE_OBS_SIG_TRAILER);
		assert_err(wire_obs_decode_sig(f, (size_t)n1 + WIRE_OBS_SIG_TRAILER, &out, &os),
		           -MW_EFIELD);
		/* the trailer's bytes at the end of another field (an unknown
		 * field 9 wrapping them) with the real field 8 before it: the
		 * last 66 bytes match, but they are not field 8; refused */
		memcpy(f, p, (size_t)n1);
		f[n1] = 0x4A; /* field 9, length-delimited */
		f[n1 + 1] = WIRE_OBS_SIG_TRAILER;
		memcpy(f + n1 + 2, p + n0, WIRE_OBS_SIG_TRAILER);
		assert_err(wire_obs_decode_sig(f, (size_t)n1 + 2 + WIRE_OBS_SIG_TRAILER, &out, &os),
		           -MW_EFIELD);
		/* and 64 bytes long: a 63-byte field 8 is refused */
		memcpy(f, p, (size_t)n0);
		f[n0] = 0x42;
		f[n0 + 1] = 63;
		memcpy(f + n0 + 2, p + n0 + 2, 63);
		assert_err(wire_obs_decode_sig(f, (size_t)n0 + 65, &out, &os), -MW_EFIELD);
		mw_buf_finish(&plain);
		mw_buf_finish(&sig);
	}
	wire_signer_free(s1);
	wire_signer_free(s2);
}

/*
 * The node signs and verifies with libsodium and keeps its keys as OpenSSL
 * EVP_PKEYs (PEM files). Both are RFC 8032 Ed25519: the signature bytes
 * must be identical (deterministic signatures), and each library must
 * accept the other's and refuse the other's with one bit flipped. Partners
 * and journals written before the switch depend on this.
 */
static void signatures_interoperate_between_openssl_and_libsodium(void **state)
{
	struct fx *fx = *state;
	/* RFC 8032 section 7.1 TEST 1: the key pair both libraries must derive */
	static const uint8_t seed[32] = {0x9d, 0x61, 0xb1, 0x9d, 0xef, 0xfd, 0x5a, 0x60,
	                                 0xba, 0x84, 0x4a, 0xf4, 0x92, 0xec, 0x2c, 0xc4,
	                                 0x44, 0x49, 0xc5, 0x69, 0x7b, 0x32, 0x69, 0x19,
	                                 0x70, 0x3b, 0xac, 0x03, 0x1c, 0xae, 0x7f, 0x60};
	static const uint8_t rfc_pub[32] = {0xd7, 0x5a, 0x98, 0x01, 0x82, 0xb1, 0x0a, 0xb7,
	                                    0xd5, 0x4b, 0xfe, 0xd3, 0xc9, 0x64, 0x07, 0x3a,
	                                    0x0e, 0xe1, 0x72, 0xf3, 0xda, 0xa6, 0x23, 0x25,
	                                    0xaf, 0x02, 0x1a, 0x68, 0xf7, 0x07, 0x51, 0x1a};
	EVP_PKEY *rfc = EVP_PKEY_new_raw_private_key(EVP_PKEY_ED25519, NULL, seed, sizeof(seed));
	assert_non_null(rfc);
	struct wire_signer *fixed;
	assert_err(wire_signer_new("JPN", rfc, &fixed), 0);
	uint8_t pub[WIRE_PUBKEY_LEN];
	assert_err(wire_signer_public_raw(fixed, pub), 0);
	assert_memory_equal(pub, rfc_pub, sizeof(pub));
	struct wire_keyring *kr;
	assert_err(wire_keyring_new(4, &kr), 0);
	assert_err(wire_keyring_add_raw(kr, "JPN", rfc_pub), 0);
	assert_err(wire_keyring_add(kr, "KOR", wire_signer_key(fx->kor)), 0);

	struct wire_signer *signers[] = {fixed, fx->kor};
	const size_t sizes[] = {1, 8};
	for (size_t si = 0; si < 2; si++) {
		struct wire_signer *sg = signers[si];
		const char *origin = wire_signer_origin(sg);
		EVP_PKEY *pubkey = wire_keyring_get(kr, origin); /* public half only */
		assert_non_null(pubkey);
		for (size_t zi = 0; zi < 2; zi++) {
			size_t n = sizes[zi];
			struct batch bt;
			batch_make(&bt, sg, n);
			uint8_t msg[WIRE_SIGNED_MSG_LEN], osig[WIRE_SIG_LEN];
			assert_err(wire_signed_msg(origin, bt.auth[0].root, (uint32_t)n, msg), 0);
			/* the same bytes from OpenSSL's EVP and from the node */
			openssl_sign(wire_signer_key(sg), msg, sizeof(msg), osig);
			if (memcmp(osig, bt.auth[0].signature, WIRE_SIG_LEN) != 0)
				fail_msg("%s batch of %zu: OpenSSL's signature differs from the "
				         "node's (libsodium)",
				         origin, n);
			/* libsodium's signature verifies under OpenSSL */
			assert_int_equal(
			    openssl_verify(pubkey, msg, sizeof(msg), bt.auth[0].signature), 1);
			/* OpenSSL's signature, put into every envelope, verifies
			 * under the node (libsodium), alone and without a cache */
			for (size_t i = 0; i < n; i++) {
				struct wire_auth a = bt.auth[i];
				memcpy(a.signature, osig, WIRE_SIG_LEN);
				assert_err(wire_verify_body(kr, NULL, origin, bt.sl[i].p,
				                            bt.sl[i].len, &a),
				           0);
			}
			/* one flipped bit: refused by each, for every byte position
			 * of R and S tried (first, middle, last) */
			const size_t at[] = {0, 31, 32, 63};
			for (size_t k = 0; k < 4; k++) {
				struct wire_auth a = bt.auth[0];
				a.signature[at[k]] ^= 0x01;
				assert_err(wire_verify_body(kr, NULL, origin, bt.sl[0].p,
				                            bt.sl[0].len, &a),
				           -MW_ESIG);
				assert_int_equal(
				    openssl_verify(pubkey, msg, sizeof(msg), a.signature), 0);
			}
			batch_free(&bt);
		}
	}
	wire_keyring_free(kr);
	wire_signer_free(fixed);
	EVP_PKEY_free(rfc);
}

/*
 * A key of small order (here the identity point) makes R = identity, S = 0
 * a valid signature of every message under the cofactorless equation that
 * OpenSSL 3.0's EVP checks. The node's verification (libsodium) refuses
 * small-order keys and R, so a misconfigured keyring entry cannot be used
 * to forge.
 */
static void a_small_order_key_admits_no_forged_signature(void **state)
{
	struct fx *fx = *state;
	uint8_t identity[WIRE_PUBKEY_LEN] = {0x01};
	struct wire_keyring *kr;
	assert_err(wire_keyring_new(4, &kr), 0);
	assert_err(wire_keyring_add_raw(kr, "KOR", identity), 0);
	struct batch bt;
	batch_make(&bt, fx->kor, 1);
	struct wire_auth a = bt.auth[0];
	memset(a.signature, 0, WIRE_SIG_LEN);
	a.signature[0] = 0x01; /* R = the identity's encoding, S = 0 */
	uint8_t msg[WIRE_SIGNED_MSG_LEN];
	assert_err(wire_signed_msg("KOR", a.root, 1, msg), 0);
	/* the forgery is real: OpenSSL's EVP would accept it */
	int ossl = openssl_verify(wire_keyring_get(kr, "KOR"), msg, sizeof(msg), a.signature);
	if (ossl != 1)
		print_message("note: this OpenSSL refuses the small-order forgery too\n");
	assert_err(wire_verify_body(kr, NULL, "KOR", bt.sl[0].p, bt.sl[0].len, &a), -MW_ESIG);
	assert_err(wire_verify_body(kr, fx->cache, "KOR", bt.sl[0].p, bt.sl[0].len, &a), -MW_ESIG);
	batch_free(&bt);
	wire_keyring_free(kr);
}

static void batch_of_n_is_signed_once_and_each_envelope_verifies_alone(void **state)
{
	struct fx *fx = *state;
	const size_t sizes[] = {1, 2, 3, 7, 64, 1000};
	for (size_t si = 0; si < sizeof(sizes) / sizeof(sizes[0]); si++) {
		size_t n = sizes[si];
		struct batch bt;
		batch_make(&bt, fx->kor, n);
		/* one signature for the whole batch */
		for (size_t i = 1; i < n; i++) {
			assert_memory_equal(bt.auth[i].signature, bt.auth[0].signature, 64);
			assert_memory_equal(bt.auth[i].root, bt.auth[0].root, 32);
		}
		/* every envelope alone, no cache: a fresh receiver each time
		 * (checked for all of small batches, a spread of the big ones) */
		size_t step = n > 64 ? 97 : 1;
		for (size_t i = 0; i < n; i += step) {
			const uint8_t *p = mw_buf_peek(&bt.frames[i]);
			int rc = receive(p, mw_buf_used(&bt.frames[i]), fx->kr, NULL);
			if (rc != 0)
				fail_msg("batch %zu, envelope %zu alone: %s", n, i, mw_errname(rc));
			assert_int_equal(bt.auth[i].leaf_count, n);
			assert_int_equal(bt.auth[i].leaf_index, i);
			assert_int_equal(bt.auth[i].proof_len,
			                 wire_merkle_proof_len((uint32_t)i, (uint32_t)n));
		}
		/* split across two receivers by release rules (even / odd index):
		 * each verifies its share with one Ed25519 verification */
		struct wire_sigcache *ca, *cb;
		assert_err(wire_sigcache_new(16, &ca), 0);
		assert_err(wire_sigcache_new(16, &cb), 0);
		for (size_t i = 0; i < n; i++) {
			struct wire_sigcache *c = (i % 2) ? cb : ca;
			int rc = receive(mw_buf_peek(&bt.frames[i]), mw_buf_used(&bt.frames[i]),
			                 fx->kr, c);
			if (rc != 0)
				fail_msg("batch %zu, envelope %zu at receiver %c: %s", n, i,
				         (i % 2) ? 'B' : 'A', mw_errname(rc));
		}
		struct wire_sigcache_stats sa, sb;
		wire_sigcache_stats(ca, &sa);
		wire_sigcache_stats(cb, &sb);
		assert_int_equal(sa.verifies, 1);
		assert_int_equal(sa.hits, (n + 1) / 2 - 1);
		assert_int_equal(sb.verifies, n > 1 ? 1 : 0);
		assert_int_equal(sb.hits, n > 1 ? n / 2 - 1 : 0);
		wire_sigcache_free(ca);
		wire_sigcache_free(cb);
		batch_free(&bt);
	}
}

/* Hash flooding: 1,000 verified-batch tuples whose signatures all fall in
 * bucket 0 under the cache's old unkeyed bucket function (FNV-1a of the
 * 64 signature bytes; a signing partner grinds roots until its signature
 * does: 1 in 1,024). Under that function a lookup walked the one chain
 * (1,000 long). With the keyed function the chains stay Poisson-short,
 * nothing is refused, and every tuple is still a hit. */
static void sigcache_chains_stay_short_for_signatures_colliding_under_old_hash(void **state)
{
	(void)state;
	const size_t max = 1024, n = 1000;
	uint8_t pub[WIRE_PUBKEY_LEN], root[WIRE_HASH_LEN], sig[WIRE_SIG_LEN];
	memset(pub, 0x11, sizeof(pub));
	memset(root, 0x22, sizeof(root));
	for (size_t i = 0; i < WIRE_SIG_LEN; i++)
		sig[i] = (uint8_t)(i * 7 + 1);
	/* FNV-1a state after the first 56 bytes; trials vary the last 8 */
	uint64_t pre = 14695981039346656037u;
	for (size_t i = 0; i < WIRE_SIG_LEN - 8; i++)
		pre = (pre ^ sig[i]) * 1099511628211u;
	uint8_t(*keys)[WIRE_SIGCACHE_KEY_LEN] = calloc(n, sizeof(*keys));
	assert_non_null(keys);
	size_t k = 0;
	uint64_t trials = 0;
	for (uint64_t x = 1; k < n; x++) {
		trials++;
		uint64_t h = pre;
		for (int b = 0; b < 8; b++)
			h = (h ^ (uint8_t)(x >> (8 * b))) * 1099511628211u;
		if ((h & (max - 1)) != 0)
			continue;
		for (int b = 0; b < 8; b++)
			sig[WIRE_SIG_LEN - 8 + b] = (uint8_t)(x >> (8 * b));
		root[0] = (uint8_t)k; /* distinct batches */
		root[1] = (uint8_t)(k >> 8);
		wire_sigcache_key(pub, "ROK", root, 16, sig, keys[k++]);
	}
	struct wire_sigcache *c;
	assert_err(wire_sigcache_new(max, &c), 0);
	for (size_t i = 0; i < n; i++)
		wire_sigcache_insert(c, keys[i]);
	size_t hits = 0;
	for (size_t i = 0; i < n; i++)
		hits += wire_sigcache_lookup(c, keys[i]);
	struct wire_sigcache_stats st;
	wire_sigcache_stats(c, &st);
	print_message("%llu trials for %zu signatures in old bucket 0 (old chain %zu); keyed: "
	              "longest chain %llu, refused %llu, hits %zu\n",
	              (unsigned long long)trials, n, n, (unsigned long long)st.chain_max,
	              (unsigned long long)st.chain_full, hits);
	assert_int_equal(st.entries, n);
	assert_int_equal(hits, n);
	assert_int_equal(st.chain_full, 0);
	/* ~1 entry per bucket: P(a chain of 13+ among 1,024) ~ 2e-7 */
	if (st.chain_max > 12)
		fail_msg("longest chain %llu (bound 12)", (unsigned long long)st.chain_max);
	wire_sigcache_free(c);
	free(keys);
}

static void cache_hits_avoid_reverification_and_stay_bounded(void **state)
{
	struct fx *fx = *state;
	struct wire_sigcache *c;
	assert_err(wire_sigcache_new(2, &c), 0);
	struct batch b[3];
	for (int k = 0; k < 3; k++)
		batch_make(&b[k], fx->kor, 5);
	/* batch 0 and 1: 2 verifies, 8 hits */
	for (int k = 0; k < 2; k++)
		for (size_t i = 0; i < 5; i++)
			assert_err(receive(mw_buf_peek(&b[k].frames[i]),
			                   mw_buf_used(&b[k].frames[i]), fx->kr, c),
			           0);
	struct wire_sigcache_stats s;
	wire_sigcache_stats(c, &s);
	assert_int_equal(s.verifies, 2);
	assert_int_equal(s.hits, 8);
	assert_int_equal(s.misses, 2);
	assert_int_equal(s.entries, 2);
	assert_int_equal(s.evictions, 0);
	/* batch 2 evicts one entry; the cache never grows past 2 */
	assert_err(receive(mw_buf_peek(&b[2].frames[0]), mw_buf_used(&b[2].frames[0]), fx->kr, c),
	           0);
	wire_sigcache_stats(c, &s);
	assert_int_equal(s.verifies, 3);
	assert_int_equal(s.entries, 2);
	assert_int_equal(s.evictions, 1);
	/* whatever was evicted is verified again, correctly: at least one more
	 * verification (the evicted batch), at most one per batch (a cyclic
	 * pattern over 3 batches thrashes a 2-entry cache, as it would LRU) */
	for (int k = 0; k < 3; k++)
		assert_err(
		    receive(mw_buf_peek(&b[k].frames[4]), mw_buf_used(&b[k].frames[4]), fx->kr, c),
		    0);
	wire_sigcache_stats(c, &s);
	if (s.verifies < 4 || s.verifies > 6)
		fail_msg("verifies %llu, expected 4..6", (unsigned long long)s.verifies);
	assert_int_equal(s.entries, 2);
	/* a failed verification is counted and not cached */
	struct wire_auth bad = b[0].auth[1];
	bad.signature[7] ^= 0x10;
	uint64_t v0 = s.verifies;
	for (int r = 0; r < 2; r++)
		assert_err(
		    wire_verify_body(fx->kr, c, (char *)"KOR", b[0].sl[1].p, b[0].sl[1].len, &bad),
		    -MW_ESIG);
	wire_sigcache_stats(c, &s);
	assert_int_equal(s.verifies, v0 + 2);
	assert_int_equal(s.failures, 2);
	/* a replaced key does not inherit the old key's cache entries */
	wire_sigcache_clear(c);
	assert_err(
	    wire_verify_body(fx->kr, c, (char *)"KOR", b[0].sl[1].p, b[0].sl[1].len, &b[0].auth[1]),
	    0);
	assert_err(wire_keyring_add(fx->kr, "KOR", wire_signer_key(fx->usa)), 0);
	assert_err(
	    wire_verify_body(fx->kr, c, (char *)"KOR", b[0].sl[1].p, b[0].sl[1].len, &b[0].auth[1]),
	    -MW_ESIG);
	assert_err(wire_keyring_add(fx->kr, "KOR", wire_signer_key(fx->kor)), 0);
	for (int k = 0; k < 3; k++)
		batch_free(&b[k]);
	wire_sigcache_free(c);
}

/* Re-encode envelope i of bt after mutating its auth or body. */
static int receive_mutated(struct fx *fx, const struct batch *bt, size_t i,
                           void (*mut)(struct wire_auth *a, uint8_t *body, size_t len))
{
	struct wire_auth a = bt->auth[i];
	uint8_t *body = malloc(bt->sl[i].len);
	assert_non_null(body);
	memcpy(body, bt->sl[i].p, bt->sl[i].len);
	mut(&a, body, bt->sl[i].len);
	struct mw_buf f;
	mw_buf_init(&f, WIRE_FRAME_MAX_DEFAULT);
	int rc = wire_envelope_frame(body, bt->sl[i].len, &a, &f);
	if (rc > 0)
		rc = receive(mw_buf_peek(&f), mw_buf_used(&f), fx->kr, NULL);
	mw_buf_finish(&f);
	free(body);
	return rc;
}

static void mut_sig(struct wire_auth *a, uint8_t *b, size_t n)
{
	(void)b;
	(void)n;
	a->signature[33] ^= 0x04;
}
static void mut_root(struct wire_auth *a, uint8_t *b, size_t n)
{
	(void)b;
	(void)n;
	a->root[0] ^= 0x80;
}
static void mut_proof(struct wire_auth *a, uint8_t *b, size_t n)
{
	(void)b;
	(void)n;
	a->proof[a->proof_len - 1][31] ^= 0x01;
}
static void mut_body_payload(struct wire_auth *a, uint8_t *b, size_t n)
{
	(void)a;
	b[n - 1] ^= 0x01; /* last byte: inside the payload, still decodes */
}
static void mut_proof_short(struct wire_auth *a, uint8_t *b, size_t n)
{
	(void)b;
	(void)n;
	a->proof_len--;
}
static void mut_proof_long(struct wire_auth *a, uint8_t *b, size_t n)
{
	(void)b;
	(void)n;
	memcpy(a->proof[a->proof_len], a->proof[0], 32);
	a->proof_len++;
}
static void mut_index_other(struct wire_auth *a, uint8_t *b, size_t n)
{
	(void)b;
	(void)n;
	a->leaf_index = (a->leaf_index + 1) % a->leaf_count;
}
static void mut_index_out(struct wire_auth *a, uint8_t *b, size_t n)
{
	(void)b;
	(void)n;
	a->leaf_index = a->leaf_count;
}
static void mut_count(struct wire_auth *a, uint8_t *b, size_t n)
{
	(void)b;
	(void)n;
	a->leaf_count += 1; /* 7 -> 8 leaves: same proof length for index 3 */
}
static void mut_count_zero(struct wire_auth *a, uint8_t *b, size_t n)
{
	(void)b;
	(void)n;
	a->leaf_count = 0;
}
static void mut_none(struct wire_auth *a, uint8_t *b, size_t n)
{
	(void)b;
	(void)n;
	(void)a;
}

static void each_kind_of_tampering_is_refused_with_its_code(void **state)
{
	struct fx *fx = *state;
	struct batch bt;
	batch_make(&bt, fx->kor, 7);
	const size_t i = 3; /* leaf 3 of 7: proof of 3 entries */
	assert_int_equal(bt.auth[i].proof_len, 3);
	assert_err(receive_mutated(fx, &bt, i, mut_none), 0); /* control */
	assert_err(receive_mutated(fx, &bt, i, mut_sig), -MW_ESIG);
	assert_err(receive_mutated(fx, &bt, i, mut_root), -MW_EPROOF);
	assert_err(receive_mutated(fx, &bt, i, mut_proof), -MW_EPROOF);
	assert_err(receive_mutated(fx, &bt, i, mut_body_payload), -MW_EPROOF);
	assert_err(receive_mutated(fx, &bt, i, mut_proof_short), -MW_EPROOF);
	assert_err(receive_mutated(fx, &bt, i, mut_proof_long), -MW_EPROOF);
	assert_err(receive_mutated(fx, &bt, i, mut_index_other), -MW_EPROOF);
	assert_err(receive_mutated(fx, &bt, i, mut_index_out), -MW_EFIELD);
	assert_err(receive_mutated(fx, &bt, i, mut_count), -MW_ESIG);
	assert_err(receive_mutated(fx, &bt, i, mut_count_zero), -MW_EFIELD);

	/* wrong origin key: KOR's envelope checked against USA's key */
	struct wire_keyring *wrong;
	assert_err(wire_keyring_new(2, &wrong), 0);
	assert_err(wire_keyring_add(wrong, "KOR", wire_signer_key(fx->usa)), 0);
	assert_err(receive(mw_buf_peek(&bt.frames[i]), mw_buf_used(&bt.frames[i]), wrong, NULL),
	           -MW_ESIG);
	/* unknown nation: no key configured for KOR */
	struct wire_keyring *empty;
	assert_err(wire_keyring_new(2, &empty), 0);
	assert_err(wire_keyring_add(empty, "JPN", wire_signer_key(fx->usa)), 0);
	assert_err(receive(mw_buf_peek(&bt.frames[i]), mw_buf_used(&bt.frames[i]), empty, NULL),
	           -MW_ENOKEY);
	wire_keyring_free(wrong);
	wire_keyring_free(empty);

	/* a USA signer cannot pass off a body claiming origin KOR */
	struct wire_auth forged;
	assert_err(wire_batch_sign(fx->usa, &bt.sl[i], 1, &forged), 0);
	assert_err(wire_verify_body(fx->kr, NULL, (char *)"KOR", bt.sl[i].p, bt.sl[i].len, &forged),
	           -MW_ESIG);
	batch_free(&bt);
}

static void envelope_auth_fields_are_checked_at_decode(void **state)
{
	struct fx *fx = *state;
	struct batch bt;
	batch_make(&bt, fx->kor, 2);
	uint8_t proof_bytes[17][32];
	memset(proof_bytes, 7, sizeof(proof_bytes));
	for (int k = 0; k < 7; k++) {
		ProtobufCBinaryData pr[17];
		for (int j = 0; j < 17; j++) {
			pr[j].data = proof_bytes[j];
			pr[j].len = 32;
		}
		Mwlink__Auth a = MWLINK__AUTH__INIT;
		a.has_signature = a.has_root = a.has_leaf_index = a.has_leaf_count = 1;
		a.signature.data = bt.auth[0].signature;
		a.signature.len = 64;
		a.root.data = bt.auth[0].root;
		a.root.len = 32;
		a.leaf_index = 0;
		a.leaf_count = 2;
		a.n_proof = 1;
		a.proof = pr;
		Mwlink__Envelope e = MWLINK__ENVELOPE__INIT;
		e.has_body = 1;
		e.body.data = (uint8_t *)bt.sl[0].p;
		e.body.len = bt.sl[0].len;
		e.auth = &a;
		int want = -MW_EFIELD;
		switch (k) {
		case 0:
			want = 0;
			memcpy(proof_bytes[0], bt.auth[0].proof[0], 32);
			break;
		case 1:
			a.signature.len = 63;
			break;
		case 2:
			a.root.len = 33;
			break;
		case 3:
			a.n_proof = 17; /* longer than log2(max leaves) */
			break;
		case 4:
			pr[0].len = 31;
			break;
		case 5:
			e.auth = NULL;
			break;
		case 6:
			e.has_body = 0;
			break;
		}
		struct mw_buf b;
		mw_buf_init(&b, 1 << 16);
		assert_true(wire_msg_encode(&e.base, &b) > 0);
		struct wire_envelope d;
		int rc = wire_envelope_decode(mw_buf_peek(&b), mw_buf_used(&b), &d);
		if (rc != want)
			fail_msg("case %d: got %s, expected %s", k, mw_errname(rc),
			         mw_errname(want));
		if (rc == 0) {
			assert_err(wire_verify(fx->kr, NULL, &d), 0);
			wire_envelope_finish(&d);
		}
		mw_buf_finish(&b);
	}
	const uint8_t junk[] = {0x0a, 0x7f, 0x01};
	struct wire_envelope d;
	assert_err(wire_envelope_decode(junk, sizeof(junk), &d), -MW_EDECODE);
	/* a body that is not an EnvelopeBody inside a well-formed Envelope */
	struct wire_auth a1 = bt.auth[0];
	struct mw_buf b;
	mw_buf_init(&b, 1 << 16);
	assert_true(wire_envelope_encode(junk, sizeof(junk), &a1, &b) > 0);
	assert_err(wire_envelope_decode(mw_buf_peek(&b), mw_buf_used(&b), &d), -MW_EDECODE);
	mw_buf_finish(&b);
	batch_free(&bt);
}

static void relay_forwards_bytes_unchanged_and_any_changed_byte_is_caught(void **state)
{
	struct fx *fx = *state;
	const size_t sizes[] = {1, 7};
	for (size_t si = 0; si < 2; si++) {
		struct batch bt;
		batch_make(&bt, fx->kor, sizes[si]);
		size_t i = sizes[si] / 2;
		const uint8_t *p = mw_buf_peek(&bt.frames[i]);
		size_t n = mw_buf_used(&bt.frames[i]);
		/* an honest relay: decode, then forward body + auth as received;
		 * the bytes it sends are the origin's */
		struct wire_envelope e;
		assert_err(wire_envelope_decode(p + WIRE_FRAME_HDR_LEN, n - WIRE_FRAME_HDR_LEN, &e),
		           0);
		struct mw_buf fwd;
		mw_buf_init(&fwd, WIRE_FRAME_MAX_DEFAULT);
		assert_int_equal(wire_envelope_frame(e.body, e.body_len, &e.auth, &fwd), (int)n);
		assert_memory_equal(mw_buf_peek(&fwd), p, n);
		assert_memory_equal(e.body, bt.sl[i].p, bt.sl[i].len);
		/* the decoded body does not alias the receive buffer */
		assert_true(e.body < p || e.body >= p + n);
		wire_envelope_finish(&e);
		mw_buf_finish(&fwd);
		/* a relay that changes any one byte, in any way, is caught */
		uint8_t *q = malloc(n);
		assert_non_null(q);
		const uint8_t flips[] = {0x01, 0x80, 0xFF};
		for (size_t k = 0; k < n; k++)
			for (size_t fi = 0; fi < sizeof(flips); fi++) {
				memcpy(q, p, n);
				q[k] ^= flips[fi];
				int rc = receive(q, n, fx->kr, fx->cache);
				if (rc == 0)
					fail_msg("batch %zu: byte %zu ^ 0x%02x of %zu accepted",
					         sizes[si], k, flips[fi], n);
			}
		free(q);
		batch_free(&bt);
	}
}

static void keys_interoperate_as_pem_files(void **state)
{
	struct fx *fx = *state;
	char dir[] = "/tmp/mwlink-test-wire-XXXXXX";
	assert_non_null(mkdtemp(dir));
	char priv[128], pub[128];
	snprintf(priv, sizeof(priv), "%s/kor.key", dir);
	snprintf(pub, sizeof(pub), "%s/kor.pub", dir);
	assert_err(wire_signer_write_private_pem(fx->kor, priv), 0);
	assert_err(wire_signer_write_public_pem(fx->kor, pub), 0);
	struct wire_signer *s2;
	assert_err(wire_signer_new_pem("KOR", priv, &s2), 0);
	struct wire_keyring *kr;
	assert_err(wire_keyring_new(4, &kr), 0);
	assert_err(wire_keyring_add_pem(kr, (char *)"KOR", pub), 0);
	struct batch bt;
	batch_make(&bt, s2, 3);
	for (size_t i = 0; i < 3; i++)
		assert_err(
		    receive(mw_buf_peek(&bt.frames[i]), mw_buf_used(&bt.frames[i]), kr, NULL), 0);
	/* the files are what the openssl CLI writes and reads */
	FILE *f = fopen(priv, "r");
	assert_non_null(f);
	char line[80];
	assert_non_null(fgets(line, sizeof(line), f));
	assert_string_equal(line, "-----BEGIN PRIVATE KEY-----\n");
	fclose(f);
	f = fopen(pub, "r");
	assert_non_null(f);
	assert_non_null(fgets(line, sizeof(line), f));
	assert_string_equal(line, "-----BEGIN PUBLIC KEY-----\n");
	fclose(f);
	char cmd[512];
	snprintf(cmd, sizeof(cmd),
	         "openssl genpkey -algorithm ed25519 -out %s/o.key 2>/dev/null && "
	         "openssl pkey -in %s/o.key -pubout -out %s/o.pub 2>/dev/null",
	         dir, dir, dir);
	if (system(cmd) == 0) {
		char okey[128], opub[128];
		snprintf(okey, sizeof(okey), "%s/o.key", dir);
		snprintf(opub, sizeof(opub), "%s/o.pub", dir);
		struct wire_signer *so;
		assert_err(wire_signer_new_pem("JPN", okey, &so), 0);
		assert_err(wire_keyring_add_pem(kr, (char *)"JPN", opub), 0);
		struct wire_auth a;
		const uint8_t body[] = "x";
		struct wire_slice sl = {body, 1};
		assert_err(wire_batch_sign(so, &sl, 1, &a), 0);
		assert_err(wire_verify_body(kr, NULL, (char *)"JPN", body, 1, &a), 0);
		wire_signer_free(so);
		unlink(okey);
		unlink(opub);
	} else {
		print_message("openssl CLI not available: CLI-generated key check skipped\n");
	}
	/* missing and malformed files */
	assert_err(wire_keyring_add_pem(kr, (char *)"KOR", "/nonexistent/x.pub"), -ENOENT);
	assert_err(wire_signer_new_pem("KOR", pub, &s2 /* untouched */), -EINVAL);
	assert_err(wire_keyring_add_pem(kr, (char *)"kor", pub), -MW_EFIELD);
	batch_free(&bt);
	wire_signer_free(s2);
	wire_keyring_free(kr);
	unlink(priv);
	unlink(pub);
	rmdir(dir);
}

/* Looking a nation up never reads past the caller's string: a name shorter
 * than a nation code ("K", "") or not one ("KORX") finds nothing, and the
 * lookup is bounded by the string's terminator (ASan checks memcmp's whole
 * range, so an over-read of a 2-byte heap string is caught). */
static void keyring_lookup_of_a_short_or_odd_name_reads_only_that_name(void **state)
{
	struct fx *fx = *state;
	struct wire_keyring *kr;
	assert_err(wire_keyring_new(2, &kr), 0);
	assert_err(wire_keyring_add(kr, "KOR", wire_signer_key(fx->kor)), 0);
	const char *names[] = {"", "K", "KO", "KORX", "kor"};
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		size_t n = strlen(names[i]) + 1;
		char *h = malloc(n); /* exactly the string: no slack to over-read into */
		assert_non_null(h);
		memcpy(h, names[i], n);
		if (wire_keyring_get(kr, h) != NULL)
			fail_msg("'%s' found a key", names[i]);
		const uint8_t body[] = {1};
		struct wire_auth a;
		memset(&a, 0, sizeof(a));
		a.leaf_count = 1;
		assert_err(wire_verify_body(kr, NULL, h, body, 1, &a), -MW_ENOKEY);
		free(h);
	}
	char *k = malloc(4);
	assert_non_null(k);
	memcpy(k, "KOR", 4);
	assert_non_null(wire_keyring_get(kr, k));
	free(k);
	wire_keyring_free(kr);
}

static void keyring_is_bounded_and_validates(void **state)
{
	struct fx *fx = *state;
	struct wire_keyring *kr;
	assert_err(wire_keyring_new(1, &kr), 0);
	assert_err(wire_keyring_add(kr, "KOR", wire_signer_key(fx->kor)), 0);
	assert_err(wire_keyring_add(kr, "KOR", wire_signer_key(fx->usa)), 0); /* replace */
	assert_err(wire_keyring_add(kr, "USA", wire_signer_key(fx->usa)), -ENOSPC);
	assert_int_equal(wire_keyring_count(kr), 1);
	assert_null(wire_keyring_get(kr, "USA"));
	assert_non_null(wire_keyring_get(kr, "KOR"));
	uint8_t zero[32] = {0};
	struct wire_keyring *k2;
	assert_err(wire_keyring_new(0, &k2), -EINVAL);
	assert_err(wire_keyring_add_raw(kr, (char *)"K1R", zero), -MW_EFIELD);
	wire_keyring_free(kr);
	struct wire_signer *s = NULL;
	assert_err(wire_signer_generate("usa", &s), -MW_EFIELD);
	assert_null(s);
	struct wire_auth a;
	assert_err(wire_batch_sign(fx->kor, NULL, 0, &a), -EINVAL);
}

static void payload_check_ties_payload_to_envelope(void **state)
{
	(void)state;
	/* an observation of a JPN sensor inside a KOR envelope is refused */
	struct mw_obs o = radar_obs();
	memcpy(o.nation, "JPN", 4);
	struct mw_buf pl;
	mw_buf_init(&pl, 4096);
	assert_true(wire_obs_encode(&o, &pl) > 0);
	struct wire_body b = good_body(mw_buf_peek(&pl), mw_buf_used(&pl));
	assert_err(wire_payload_check(&b), -MW_EFIELD);
	memcpy(b.origin, "JPN", 4);
	assert_err(wire_payload_check(&b), 0);
	b.kind = WIRE_KIND_TRACK; /* an observation is not a track */
	assert_true(wire_payload_check(&b) < 0);
	/* an exercise alert inside a real envelope is refused */
	char *areas[] = {(char *)"JP-01"};
	Mwlink__Alert a = MWLINK__ALERT__INIT;
	a.alert_id = (char *)"A1";
	a.has_status = a.has_msg_type = a.has_sent_ns = 1;
	a.status = MWLINK__ALERT_STATUS__ALERT_EXERCISE;
	a.msg_type = MWLINK__ALERT_MSG_TYPE__ALERT_MSG_ALERT;
	a.event = (char *)"Missile";
	a.n_areas = 1;
	a.areas = areas;
	a.sent_ns = T0;
	mw_buf_reset(&pl);
	assert_true(wire_msg_encode(&a.base, &pl) > 0);
	b = good_body(mw_buf_peek(&pl), mw_buf_used(&pl));
	b.kind = WIRE_KIND_ALERT;
	b.exercise = false;
	assert_err(wire_payload_check(&b), -MW_EEXERCISE);
	b.exercise = true;
	assert_err(wire_payload_check(&b), 0);
	mw_buf_finish(&pl);
}

/* Invariant 6 for observations: a sensor's exercise declaration inside a
 * real envelope is refused with its own code (the receiver's
 * exercise_mismatch); a live-declared observation in an exercise envelope
 * is legal (an exercise node stamps whatever its sensors send). */
static void payload_check_refuses_exercise_observation_in_real_envelope(void **state)
{
	(void)state;
	struct mw_obs o = radar_obs();
	struct mw_buf pl;
	mw_buf_init(&pl, 4096);
	o.exercise = true;
	assert_true(wire_obs_encode(&o, &pl) > 0);
	struct wire_body b = good_body(mw_buf_peek(&pl), mw_buf_used(&pl));
	b.exercise = false;
	assert_err(wire_payload_check(&b), -MW_EEXERCISE);
	b.exercise = true;
	assert_err(wire_payload_check(&b), 0);
	/* the nation rule still comes first and keeps its code */
	memcpy(b.origin, "JPN", 4);
	b.exercise = false;
	assert_err(wire_payload_check(&b), -MW_EFIELD);
	mw_buf_reset(&pl);
	o.exercise = false;
	assert_true(wire_obs_encode(&o, &pl) > 0);
	b = good_body(mw_buf_peek(&pl), mw_buf_used(&pl));
	b.exercise = true;
	assert_err(wire_payload_check(&b), 0);
	b.exercise = false;
	assert_err(wire_payload_check(&b), 0);
	mw_buf_finish(&pl);
}

static void encoders_leave_a_full_buffer_unchanged(void **state)
{
	struct fx *fx = *state;
	struct batch bt;
	batch_make(&bt, fx->kor, 2);
	struct mw_buf small;
	mw_buf_init(&small, 64);
	assert_err(mw_buf_append(&small, "abc", 3), 0);
	assert_err(wire_envelope_frame(bt.sl[0].p, bt.sl[0].len, &bt.auth[0], &small), -ENOBUFS);
	assert_err(wire_body_encode(&(struct wire_body){0}, &small), -MW_EFIELD);
	struct mw_obs o = radar_obs();
	assert_err(wire_obs_encode(&o, &small), -ENOBUFS);
	uint8_t big[100] = {0};
	assert_err(wire_frame_append(&small, WIRE_FT_ACK, big, sizeof(big)), -ENOBUFS);
	assert_int_equal(mw_buf_used(&small), 3);
	assert_memory_equal(mw_buf_peek(&small), "abc", 3);
	/* and a decoder failure leaves the output untouched */
	struct wire_envelope e;
	memset(&e, 0x77, sizeof(e));
	struct wire_envelope before = e;
	const uint8_t junk[] = {0x12, 0x01};
	assert_true(wire_envelope_decode(junk, sizeof(junk), &e) < 0);
	assert_memory_equal(&e, &before, sizeof(e));
	struct wire_sigcache *c = NULL;
	assert_err(wire_sigcache_new(0, &c), -EINVAL);
	assert_null(c);
	mw_buf_finish(&small);
	batch_free(&bt);
}

static void largest_body_with_longest_proof_fits_a_default_frame(void **state)
{
	struct fx *fx = *state;
	size_t plen = WIRE_MAX_BODY - 64; /* leaves room for the body's header fields */
	uint8_t *pl = calloc(1, WIRE_MAX_BODY + 1);
	assert_non_null(pl);
	struct wire_body b = good_body(pl, plen);
	struct mw_buf body, frame;
	mw_buf_init(&body, 2 * WIRE_FRAME_MAX_DEFAULT);
	mw_buf_init(&frame, 2 * WIRE_FRAME_MAX_DEFAULT);
	int n = wire_body_encode(&b, &body);
	assert_true(n > 0 && (size_t)n <= WIRE_MAX_BODY);
	/* an auth as long as it gets: leaf 0 of 65536, 16 proof hashes */
	struct wire_auth a;
	memset(&a, 0xEE, sizeof(a));
	a.leaf_index = 0;
	a.leaf_count = WIRE_MERKLE_MAX_LEAVES;
	a.proof_len = WIRE_MERKLE_MAX_DEPTH;
	int fl = wire_envelope_frame(mw_buf_peek(&body), mw_buf_used(&body), &a, &frame);
	assert_true(fl > 0);
	struct wire_frame f;
	assert_int_equal(wire_frame_peek(&frame, WIRE_FRAME_MAX_DEFAULT, &f), fl);
	struct wire_envelope e;
	assert_err(wire_envelope_decode(f.payload, f.len, &e), 0);
	assert_err(wire_verify(fx->kr, NULL, &e), -MW_EPROOF);
	wire_envelope_finish(&e);
	/* a payload that makes the body too long is refused at encode time */
	b.payload_len = WIRE_MAX_BODY + 1; /* the payload alone is too long */
	mw_buf_reset(&body);
	assert_err(wire_body_encode(&b, &body), -MW_EFIELD);
	b.payload_len = WIRE_MAX_BODY; /* the payload fits, the body around it does not */
	assert_err(wire_body_encode(&b, &body), -EMSGSIZE);
	assert_int_equal(mw_buf_used(&body), 0);
	mw_buf_finish(&body);
	mw_buf_finish(&frame);
	free(pl);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(frame_roundtrip_every_type),
	    cmocka_unit_test(body_split_reads_what_protobuf_reads_or_refuses),
	    cmocka_unit_test(frame_header_is_byte_exact),
	    cmocka_unit_test_setup_teardown(frame_truncated_at_every_byte_needs_more, fx_setup,
	                                    fx_teardown),
	    cmocka_unit_test(frame_oversized_is_refused_from_the_header_alone),
	    cmocka_unit_test(frame_bad_magic_version_type_flags_are_refused_at_once),
	    cmocka_unit_test_setup_teardown(frame_stream_decodes_byte_by_byte, fx_setup,
	                                    fx_teardown),
	    cmocka_unit_test(obs_roundtrip_radar_los_and_range_rate_bit_exact),
	    cmocka_unit_test(obs_exercise_flag_round_trips_and_is_absent_when_false),
	    cmocka_unit_test(obs_plumes_only_round_trips_and_is_absent_when_false),
	    cmocka_unit_test(obs_sensor_velocity_round_trips_and_is_absent_when_zero),
	    cmocka_unit_test(obs_sensor_sig_is_a_trailer_over_the_prefix_and_any_flip_fails),
	    cmocka_unit_test(obs_out_of_range_values_are_refused),
	    cmocka_unit_test(obs_missing_fields_on_the_wire_are_refused),
	    cmocka_unit_test(track_roundtrip_keeps_covariance_launch_and_impact),
	    cmocka_unit_test(arena_unpack_fits_or_spills_with_the_same_result),
	    cmocka_unit_test(track_bad_fields_are_refused),
	    cmocka_unit_test(alert_roundtrip_and_rules),
	    cmocka_unit_test(link_control_roundtrip_and_rules),
	    cmocka_unit_test(body_roundtrip_and_release_set),
	    cmocka_unit_test(body_bad_fields_are_refused),
	    cmocka_unit_test(seq_beyond_int64_is_refused_at_decode),
	    cmocka_unit_test(merkle_matches_the_documented_construction),
	    cmocka_unit_test(merkle_every_proof_climbs_to_the_root),
	    cmocka_unit_test(merkle_proof_keys_name_the_nodes_the_proof_holds),
	    cmocka_unit_test(envelope_split_and_join_are_exact_inverses),
	    cmocka_unit_test_setup_teardown(decode_fast_path_equals_protobuf_path, fx_setup,
	                                    fx_teardown),
	    cmocka_unit_test(merkle_proof_len_and_keys_match_the_level_walk),
	    cmocka_unit_test(merkle_reused_hasher_gives_the_same_roots_as_a_fresh_one),
	    cmocka_unit_test(signed_message_layout_is_byte_exact),
	    cmocka_unit_test_setup_teardown(signatures_interoperate_between_openssl_and_libsodium,
	                                    fx_setup, fx_teardown),
	    cmocka_unit_test_setup_teardown(a_small_order_key_admits_no_forged_signature, fx_setup,
	                                    fx_teardown),
	    cmocka_unit_test_setup_teardown(
	        batch_of_n_is_signed_once_and_each_envelope_verifies_alone, fx_setup, fx_teardown),
	    cmocka_unit_test(sigcache_chains_stay_short_for_signatures_colliding_under_old_hash),
	    cmocka_unit_test_setup_teardown(cache_hits_avoid_reverification_and_stay_bounded,
	                                    fx_setup, fx_teardown),
	    cmocka_unit_test_setup_teardown(each_kind_of_tampering_is_refused_with_its_code,
	                                    fx_setup, fx_teardown),
	    cmocka_unit_test_setup_teardown(envelope_auth_fields_are_checked_at_decode, fx_setup,
	                                    fx_teardown),
	    cmocka_unit_test_setup_teardown(
	        relay_forwards_bytes_unchanged_and_any_changed_byte_is_caught, fx_setup,
	        fx_teardown),
	    cmocka_unit_test_setup_teardown(keys_interoperate_as_pem_files, fx_setup, fx_teardown),
	    cmocka_unit_test_setup_teardown(
	        keyring_lookup_of_a_short_or_odd_name_reads_only_that_name, fx_setup, fx_teardown),
	    cmocka_unit_test_setup_teardown(keyring_is_bounded_and_validates, fx_setup,
	                                    fx_teardown),
	    cmocka_unit_test(payload_check_ties_payload_to_envelope),
	    cmocka_unit_test(payload_check_refuses_exercise_observation_in_real_envelope),
	    cmocka_unit_test_setup_teardown(encoders_leave_a_full_buffer_unchanged, fx_setup,
	                                    fx_teardown),
	    cmocka_unit_test_setup_teardown(largest_body_with_longest_proof_fits_a_default_frame,
	                                    fx_setup, fx_teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
