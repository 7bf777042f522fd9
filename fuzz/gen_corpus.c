/*
 * fuzz/gen_corpus.c - writes the seed corpora fuzz/corpus/envelope/ and
 * fuzz/corpus/payload/ (committed). Run from the repository root after a
 * build:   build/fuzz/gen-corpus fuzz/corpus
 *
 * Every seed is built with the real encoders and signed with the fixed
 * test keys of fuzz_common.h (Ed25519 is deterministic, so the output is
 * the same on every run), so the fuzzers start from inputs that pass
 * every check and mutate from there: observations (radar, radar with
 * range rate, line of sight, one the sensor declared exercise, in an
 * exercise and in a real envelope), a track with launch and impact estimates,
 * an exercise alert, batches of 1, 3 and 64 (deep proofs), an envelope
 * from an origin without a key, link-control frames, a mixed stream, and
 * a few malformed frames.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "core/buf.h"
#include "core/err.h"
#include "core/obs.h"
#include "fuzz_common.h"
#include "wire/envelope.h"
#include "wire/frame.h"
#include "wire/payload.h"

#define T0 (INT64_C(1702944000) * MW_NS_PER_S)

static const char *outdir;

static void die(const char *what)
{
	fprintf(stderr, "gen-corpus: %s\n", what);
	exit(1);
}

static void put(const char *sub, const char *name, const void *p, size_t n)
{
	char path[1024];
	snprintf(path, sizeof(path), "%s/%s/%s", outdir, sub, name);
	FILE *f = fopen(path, "wb");
	if (!f || fwrite(p, 1, n, f) != n || fclose(f) != 0)
		die(path);
}

static void put_buf(const char *sub, const char *name, const struct mw_buf *b)
{
	put(sub, name, mw_buf_peek(b), mw_buf_used(b));
}

/* The seeds must be what they claim: an envelope frame that decodes and
 * verifies against the fuzz keyring with the expected result. */
static void check_env(const struct mw_buf *b, int expect)
{
	static struct wire_keyring *kr;
	if (!kr && fuzz_keyring(&kr) < 0)
		die("keyring");
	struct wire_frame f;
	struct wire_envelope e;
	if (wire_frame_peek(b, FUZZ_MAX_FRAME, &f) != (int)mw_buf_used(b) ||
	    wire_envelope_decode(f.payload, f.len, &e) != 0)
		die("seed envelope does not decode");
	int rc = wire_verify(kr, NULL, &e);
	if (rc == 0)
		rc = wire_payload_check(&e.hdr);
	wire_envelope_finish(&e);
	if (rc != expect)
		die("seed envelope does not verify as expected");
}

/* payload corpus entries: selector byte + message */
static void put_sel(const char *name, uint8_t sel, const struct mw_buf *b)
{
	size_t n = mw_buf_used(b);
	uint8_t *p = malloc(n + 1);
	if (!p)
		die("out of memory");
	p[0] = sel;
	memcpy(p + 1, mw_buf_peek(b), n);
	put("payload", name, p, n + 1);
	free(p);
}

static struct mw_obs radar(const char *nation, int i)
{
	struct mw_obs o;
	memset(&o, 0, sizeof(o));
	o.t_ns = T0 + i * 100 * MW_NS_PER_MS;
	o.sensor_id = 7;
	memcpy(o.nation, nation, MW_NATION_LEN);
	o.kind = MW_OBS_RADAR;
	o.sensor_ecef_m[0] = -3052000;
	o.sensor_ecef_m[1] = 4039000;
	o.sensor_ecef_m[2] = 3853000;
	o.range_m = 600000 + 1000 * i;
	o.az_rad = 5.4;
	o.el_rad = 0.3;
	o.sigma_range_m = 30;
	o.sigma_az_rad = 1e-3;
	o.sigma_el_rad = 1e-3;
	return o;
}

static struct mw_obs los(const char *nation)
{
	struct mw_obs o = radar(nation, 0);
	o.kind = MW_OBS_LOS;
	o.range_m = o.az_rad = o.el_rad = 0;
	o.sigma_range_m = o.sigma_az_rad = o.sigma_el_rad = 0;
	o.sensor_ecef_m[0] = 42164000;
	o.sensor_ecef_m[1] = o.sensor_ecef_m[2] = 0;
	double f[3][3] = {{0, 1, 0}, {0, 0, 1}, {-1, 0, 0}};
	memcpy(o.frame_ecef, f, sizeof(f));
	o.los_x_rad = 0.01;
	o.los_y_rad = 0.02;
	o.sigma_los_rad = 3e-5;
	return o;
}

static void track_msg(struct mw_buf *out)
{
	double pos[3] = {-3.1e6, 4.0e6, 3.9e6}, vel[3] = {1500, -2200, 800};
	double cov[21], lpos[3] = {-3.05e6, 4.05e6, 3.85e6}, lcov[6] = {1e6, 0, 0, 1e6, 0, 1e6};
	double ipos[3] = {-3.6e6, 3.7e6, 3.7e6}, ien[3] = {4e6, 1e5, 1e6};
	for (unsigned i = 0; i < 6; i++)
		for (unsigned j = i; j < 6; j++)
			cov[wire_upper_index(6, i, j)] = i == j ? (i < 3 ? 400.0 : 25.0) : 1.0;
	Mwlink__LaunchPoint lp = MWLINK__LAUNCH_POINT__INIT;
	lp.n_pos_ecef_m = 3;
	lp.pos_ecef_m = lpos;
	lp.n_cov_upper = 6;
	lp.cov_upper = lcov;
	lp.has_t_launch_ns = lp.has_sigma_t_s = 1;
	lp.t_launch_ns = T0 - 60 * MW_NS_PER_S;
	lp.sigma_t_s = 2;
	Mwlink__ImpactPoint ip = MWLINK__IMPACT_POINT__INIT;
	ip.n_pos_ecef_m = 3;
	ip.pos_ecef_m = ipos;
	ip.has_t_impact_ns = ip.has_sigma_t_s = 1;
	ip.t_impact_ns = T0 + 600 * MW_NS_PER_S;
	ip.sigma_t_s = 5;
	ip.has_ellipse_semi_major_m = ip.has_ellipse_semi_minor_m = ip.has_ellipse_orient_deg = 1;
	ip.ellipse_semi_major_m = 5000;
	ip.ellipse_semi_minor_m = 2000;
	ip.ellipse_orient_deg = 40;
	ip.n_cov_en = 3;
	ip.cov_en = ien;
	Mwlink__Track t = MWLINK__TRACK__INIT;
	t.has_track_id = t.has_t_ns = t.has_phase = t.has_status = t.has_quality = 1;
	t.track_id = 1;
	t.t_ns = T0;
	t.n_pos_ecef_m = t.n_vel_ecef_m_s = 3;
	t.pos_ecef_m = pos;
	t.vel_ecef_m_s = vel;
	t.n_cov_upper = 21;
	t.cov_upper = cov;
	t.phase = MWLINK__PHASE__PHASE_MIDCOURSE;
	t.status = MWLINK__TRACK_STATUS__TRACK_CONFIRMED;
	t.quality = 0.9;
	t.has_n_updates = 1;
	t.n_updates = 40;
	t.launch = &lp;
	t.impact = &ip;
	if (wire_track_check(&t) != 0 || wire_msg_encode(&t.base, out) < 0)
		die("track");
}

static void alert_msg(struct mw_buf *out)
{
	static char id[] = "JPN-A-1", ev[] = "Missile launch", a1[] = "JP-01", a2[] = "JP-47";
	char *areas[] = {a1, a2};
	Mwlink__Alert a = MWLINK__ALERT__INIT;
	a.alert_id = id;
	a.has_status = a.has_msg_type = a.has_sent_ns = a.has_onset_ns = 1;
	a.status = MWLINK__ALERT_STATUS__ALERT_EXERCISE;
	a.msg_type = MWLINK__ALERT_MSG_TYPE__ALERT_MSG_ALERT;
	a.event = ev;
	a.n_areas = 2;
	a.areas = areas;
	a.sent_ns = T0;
	a.onset_ns = T0 + 600 * MW_NS_PER_S;
	if (wire_alert_check(&a) != 0 || wire_msg_encode(&a.base, out) < 0)
		die("alert");
}

/* Encode one body per payload, sign them as one batch, frame each; each
 * frame must verify and pass the payload check with result expect. */
static void sign_batch_expect(struct wire_signer *s, enum wire_kind kind, bool exercise,
                              struct mw_buf *payloads, size_t n, struct mw_buf *frames, int expect)
{
	struct mw_buf bodies;
	mw_buf_init(&bodies, 16u << 20);
	size_t *off = calloc(n, sizeof(*off));
	struct wire_slice *sl = calloc(n, sizeof(*sl));
	struct wire_auth *auth = calloc(n, sizeof(*auth));
	if (!off || !sl || !auth)
		die("out of memory");
	for (size_t i = 0; i < n; i++) {
		struct wire_body b;
		memset(&b, 0, sizeof(b));
		memcpy(b.origin, wire_signer_origin(s), MW_NATION_LEN);
		b.seq = 1 + i;
		b.kind = kind;
		b.n_release = 3;
		memcpy(b.release[0], "KOR", 4);
		memcpy(b.release[1], "USA", 4);
		memcpy(b.release[2], "JPN", 4);
		b.exercise = exercise;
		b.data_t_ns = T0 + (mw_time_ns)i;
		b.payload = mw_buf_peek(&payloads[i]);
		b.payload_len = mw_buf_used(&payloads[i]);
		off[i] = mw_buf_used(&bodies);
		int len = wire_body_encode(&b, &bodies);
		if (len < 0)
			die("body");
		sl[i].len = (size_t)len;
	}
	for (size_t i = 0; i < n; i++)
		sl[i].p = mw_buf_peek(&bodies) + off[i];
	if (wire_batch_sign(s, sl, n, auth) != 0)
		die("sign");
	for (size_t i = 0; i < n; i++) {
		mw_buf_init(&frames[i], 1 << 20);
		if (wire_envelope_frame(sl[i].p, sl[i].len, &auth[i], &frames[i]) < 0)
			die("frame");
		check_env(&frames[i], expect);
	}
	mw_buf_finish(&bodies);
	free(off);
	free(sl);
	free(auth);
}

static void sign_batch(struct wire_signer *s, enum wire_kind kind, bool exercise,
                       struct mw_buf *payloads, size_t n, struct mw_buf *frames)
{
	sign_batch_expect(s, kind, exercise, payloads, n, frames,
	                  strcmp(wire_signer_origin(s), "CHN") ? 0 : -MW_ENOKEY);
}

static void obs_payloads(const char *nation, struct mw_buf *p, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		mw_buf_init(&p[i], 1 << 16);
		struct mw_obs o = i % 3 == 2 ? los(nation) : radar(nation, (int)i);
		if (i % 3 == 1) {
			o.has_range_rate = true;
			o.range_rate_m_s = -1500 - (double)i;
			o.sigma_range_rate_m_s = 1;
		}
		if (wire_obs_encode(&o, &p[i]) < 0)
			die("obs");
	}
}

static void free_bufs(struct mw_buf *b, size_t n)
{
	for (size_t i = 0; i < n; i++)
		mw_buf_finish(&b[i]);
}

int main(int argc, char **argv)
{
	if (argc != 2) {
		fprintf(stderr, "usage: %s CORPUS_ROOT   (e.g. fuzz/corpus)\n", argv[0]);
		return 2;
	}
	outdir = argv[1];
	char path[1024];
	snprintf(path, sizeof(path), "%s/envelope", outdir);
	mkdir(path, 0755);
	snprintf(path, sizeof(path), "%s/payload", outdir);
	mkdir(path, 0755);

	struct wire_signer *kor, *jpn, *chn;
	if (fuzz_signer("KOR", 0x11, &kor) || fuzz_signer("JPN", 0x33, &jpn) ||
	    fuzz_signer("CHN", 0x44, &chn))
		die("keys");

	struct mw_buf stream;
	mw_buf_init(&stream, 16u << 20);

	/* observations: batches of 1, 3, 64 */
	struct mw_buf pl[64], fr[64];
	obs_payloads("KOR", pl, 1);
	sign_batch(kor, WIRE_KIND_OBSERVATION, false, pl, 1, fr);
	put_buf("envelope", "env-obs-radar-batch1", &fr[0]);
	mw_buf_append(&stream, mw_buf_peek(&fr[0]), mw_buf_used(&fr[0]));
	free_bufs(pl, 1);
	free_bufs(fr, 1);

	obs_payloads("KOR", pl, 3);
	sign_batch(kor, WIRE_KIND_OBSERVATION, true, pl, 3, fr);
	for (int i = 0; i < 3; i++) {
		char name[64];
		snprintf(name, sizeof(name), "env-obs-batch3-leaf%d", i);
		put_buf("envelope", name, &fr[i]);
		mw_buf_append(&stream, mw_buf_peek(&fr[i]), mw_buf_used(&fr[i]));
	}
	for (int i = 0; i < 3; i++) {
		char name[64];
		snprintf(name, sizeof(name), "obs-%d", i);
		put_sel(name, 0, &pl[i]);
	}
	free_bufs(pl, 3);
	free_bufs(fr, 3);

	obs_payloads("KOR", pl, 64);
	sign_batch(kor, WIRE_KIND_OBSERVATION, false, pl, 64, fr);
	put_buf("envelope", "env-obs-batch64-leaf37", &fr[37]);
	put_buf("envelope", "env-obs-batch64-leaf63", &fr[63]);
	free_bufs(pl, 64);
	free_bufs(fr, 64);

	/* an observation the sensor declared exercise (Observation.exercise):
	 * legal in an exercise envelope, MW_EEXERCISE in a real one */
	mw_buf_init(&pl[0], 1 << 16);
	struct mw_obs ox = radar("KOR", 5);
	ox.exercise = true;
	if (wire_obs_encode(&ox, &pl[0]) < 0)
		die("obs exercise");
	put_sel("obs-exercise", 0, &pl[0]);
	sign_batch(kor, WIRE_KIND_OBSERVATION, true, pl, 1, fr);
	put_buf("envelope", "env-obs-exercise", &fr[0]);
	free_bufs(fr, 1);
	sign_batch_expect(kor, WIRE_KIND_OBSERVATION, false, pl, 1, fr, -MW_EEXERCISE);
	put_buf("envelope", "env-obs-exercise-in-real-envelope", &fr[0]);
	free_bufs(pl, 1);
	free_bufs(fr, 1);

	/* a sensor-signed observation (Observation.sensor_sig, field 8; the
	 * fixed KOR key stands in for the sensor's), alone and in an envelope */
	mw_buf_init(&pl[0], 1 << 16);
	struct mw_obs osig = radar("KOR", 6);
	if (wire_obs_encode(&osig, &pl[0]) < 0 || wire_obs_sign(kor, &pl[0], 0) < 0)
		die("obs signed");
	put_sel("obs-signed", 0, &pl[0]);
	sign_batch(kor, WIRE_KIND_OBSERVATION, false, pl, 1, fr);
	put_buf("envelope", "env-obs-signed", &fr[0]);
	free_bufs(pl, 1);
	free_bufs(fr, 1);

	/* a track, an exercise alert, an origin without a key */
	mw_buf_init(&pl[0], 1 << 16);
	track_msg(&pl[0]);
	put_sel("track", 1, &pl[0]);
	sign_batch(kor, WIRE_KIND_TRACK, false, pl, 1, fr);
	put_buf("envelope", "env-track-batch1", &fr[0]);
	mw_buf_append(&stream, mw_buf_peek(&fr[0]), mw_buf_used(&fr[0]));
	free_bufs(pl, 1);
	free_bufs(fr, 1);

	mw_buf_init(&pl[0], 1 << 16);
	alert_msg(&pl[0]);
	put_sel("alert", 2, &pl[0]);
	sign_batch(jpn, WIRE_KIND_ALERT, true, pl, 1, fr);
	put_buf("envelope", "env-alert-exercise-jpn", &fr[0]);
	free_bufs(pl, 1);
	free_bufs(fr, 1);

	obs_payloads("CHN", pl, 1);
	sign_batch(chn, WIRE_KIND_OBSERVATION, false, pl, 1, fr);
	put_buf("envelope", "env-origin-without-key", &fr[0]);
	free_bufs(pl, 1);
	free_bufs(fr, 1);

	/* link control */
	struct mw_buf b;
	mw_buf_init(&b, 1 << 16);
	static char kor_s[] = "KOR", jpn_s[] = "JPN", usa_s[] = "USA", name[] = "usa-hub";
	Mwlink__Cursor c1 = MWLINK__CURSOR__INIT, c2 = MWLINK__CURSOR__INIT;
	c1.origin = kor_s;
	c1.has_seq = 1;
	c1.seq = 3;
	c2.origin = jpn_s;
	c2.has_seq = 1;
	c2.seq = 0;
	Mwlink__Cursor *cs[] = {&c1, &c2};
	Mwlink__Hello h = MWLINK__HELLO__INIT;
	h.has_protocol_version = h.has_max_frame = 1;
	h.protocol_version = WIRE_PROTOCOL_VERSION;
	h.max_frame = FUZZ_MAX_FRAME;
	h.nation = usa_s;
	h.node_name = name;
	h.n_resume = 2;
	h.resume = cs;
	wire_msg_frame(WIRE_FT_HELLO, &h.base, &b);
	put_buf("envelope", "link-hello", &b);
	mw_buf_append(&stream, mw_buf_peek(&b), mw_buf_used(&b));
	mw_buf_reset(&b);
	wire_msg_encode(&h.base, &b);
	put_sel("hello", 3, &b);

	Mwlink__EnvelopeRef r = MWLINK__ENVELOPE_REF__INIT;
	r.origin = kor_s;
	r.has_seq = 1;
	r.seq = 2;
	Mwlink__EnvelopeRef *rs[] = {&r};
	Mwlink__Ack a = MWLINK__ACK__INIT;
	a.n_refs = 1;
	a.refs = rs;
	a.n_cursors = 1;
	a.cursors = cs;
	mw_buf_reset(&b);
	wire_msg_frame(WIRE_FT_ACK, &a.base, &b);
	put_buf("envelope", "link-ack", &b);
	mw_buf_append(&stream, mw_buf_peek(&b), mw_buf_used(&b));
	mw_buf_reset(&b);
	wire_msg_encode(&a.base, &b);
	put_sel("ack", 4, &b);

	Mwlink__Heartbeat hb = MWLINK__HEARTBEAT__INIT;
	hb.has_send_t_ns = hb.has_echo_t_ns = hb.has_echo_hold_ns = 1;
	hb.send_t_ns = T0;
	hb.echo_t_ns = T0 - 5 * MW_NS_PER_MS;
	hb.echo_hold_ns = 20000;
	mw_buf_reset(&b);
	wire_msg_frame(WIRE_FT_HEARTBEAT, &hb.base, &b);
	put_buf("envelope", "link-heartbeat", &b);
	mw_buf_append(&stream, mw_buf_peek(&b), mw_buf_used(&b));
	mw_buf_reset(&b);
	wire_msg_encode(&hb.base, &b);
	put_sel("heartbeat", 5, &b);

	/* sensor ingest frame, and an EnvelopeBody on its own */
	struct mw_obs o = radar("USA", 1);
	mw_buf_reset(&b);
	struct mw_buf ob;
	mw_buf_init(&ob, 1 << 16);
	wire_obs_encode(&o, &ob);
	wire_frame_append(&b, WIRE_FT_OBSERVATION, mw_buf_peek(&ob), mw_buf_used(&ob));
	put_buf("envelope", "ingest-observation", &b);
	mw_buf_append(&stream, mw_buf_peek(&b), mw_buf_used(&b));
	struct wire_body body;
	memset(&body, 0, sizeof(body));
	memcpy(body.origin, "USA", 4);
	body.seq = 9;
	body.kind = WIRE_KIND_OBSERVATION;
	body.n_release = 1;
	memcpy(body.release[0], "JPN", 4);
	body.data_t_ns = o.t_ns;
	body.payload = mw_buf_peek(&ob);
	body.payload_len = mw_buf_used(&ob);
	mw_buf_reset(&b);
	wire_body_encode(&body, &b);
	put_sel("body", 6, &b);
	mw_buf_finish(&ob);

	put_buf("envelope", "stream-mixed", &stream);

	/* malformed: bad magic, half a frame, oversized length */
	uint8_t bad[WIRE_FRAME_HDR_LEN];
	wire_frame_header(bad, WIRE_FT_ENVELOPE, 3);
	bad[0] = 'X';
	put("envelope", "bad-magic", bad, sizeof(bad));
	put("envelope", "truncated", mw_buf_peek(&stream), mw_buf_used(&stream) / 2);
	wire_frame_header(bad, WIRE_FT_ENVELOPE, FUZZ_MAX_FRAME + 1);
	put("envelope", "oversized", bad, sizeof(bad));

	mw_buf_finish(&b);
	mw_buf_finish(&stream);
	wire_signer_free(kor);
	wire_signer_free(jpn);
	wire_signer_free(chn);
	printf("gen-corpus: wrote seeds under %s/envelope and %s/payload\n", outdir, outdir);
	return 0;
}
