/*
 * tests/unit/test_net_national.c - the node's national tracking
 * (net/national.c): journal observations in, Track payloads out.
 *
 * Input is a simulated SRBM seen by two KOR radars (sim/), each
 * observation wrapped in a signed OBSERVATION envelope as the node makes
 * them. What is pinned down: replaying a journal gives the same Track
 * payloads byte for byte (design invariant 7) - both against the live
 * pattern (journal appends interleaved with catch-up reads and the
 * node's own TRACK envelopes appended) and against direct feeding;
 * exercise input gives only exercise tracks (invariant 6); partners'
 * observations are used only when enabled and nobody's tracks ever are
 * (invariant 5); the per-track rate limit; a DELETED update once a
 * shared track is dropped; the silent replay of a restart.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>
#include <openssl/evp.h>

#include "core/buf.h"
#include "net/national.h"
#include "net/nodeconf.h"
#include "sim/scenario.h"
#include "sim/sim.h"
#include "store/journal.h"
#include "wire/envelope.h"
#include "wire/payload.h"
#include "wire/sign.h"

static const char *SCENARIO =
    "{\"name\":\"unit-national\",\"seed\":5,\"exercise\":false,"
    "\"start_time\":\"2026-12-03T00:00:00+00:00\",\"truth_step_s\":1.0,"
    "\"nations\":[{\"code\":\"KOR\",\"name\":\"Korea\",\"sensors\":["
    "{\"id\":1,\"name\":\"r1\",\"type\":\"radar\",\"platform\":\"ground\",\"lat_deg\":36.9,"
    "\"lon_deg\":127.45,\"height_m\":150,\"boresight_az_deg\":340,\"half_width_az_deg\":60,"
    "\"min_el_deg\":1.0,\"max_el_deg\":85,\"max_range_km\":800,\"update_s\":1.0,\"pd\":0.95,"
    "\"false_alarms_per_scan\":0.05,\"sigma_range_m\":30,\"sigma_az_deg\":0.1,"
    "\"sigma_el_deg\":0.1},"
    "{\"id\":2,\"name\":\"r2\",\"type\":\"radar\",\"platform\":\"ground\",\"lat_deg\":35.45,"
    "\"lon_deg\":128.4,\"height_m\":200,\"boresight_az_deg\":345,\"half_width_az_deg\":60,"
    "\"min_el_deg\":1.0,\"max_el_deg\":85,\"max_range_km\":800,\"update_s\":2.0,\"pd\":0.95,"
    "\"false_alarms_per_scan\":0.05,\"sigma_range_m\":30,\"sigma_az_deg\":0.1,"
    "\"sigma_el_deg\":0.1}]}],"
    "\"launches\":[{\"id\":1,\"name\":\"SRBM-1\",\"nation\":\"PRK\",\"class\":\"SRBM\","
    "\"t_s\":10,\"site\":{\"lat_deg\":39.2,\"lon_deg\":125.67},"
    "\"aim\":{\"target\":{\"lat_deg\":35.1,\"lon_deg\":129.05},\"shape\":\"minimum_energy\"}}]}";

/* Rate limit of the tests: a few seconds keeps the impact predictions
 * (the costly part under the sanitizers) few. */
#define INTERVAL_NS (4 * MW_NS_PER_S)

/* One journal-like record with its own bytes. */
struct rec {
	struct store_rec r;
	uint8_t *bytes;
};

struct fixture {
	struct wire_signer *signer;
	struct rec *recs;
	size_t n;
	mw_time_ns end_ns;
};

/* An emitted Track payload. */
struct out {
	bool exercise;
	int64_t data_t_ns;
	uint8_t *p;
	size_t len;
};

struct outs {
	struct out *v;
	size_t n, cap;
	/* optional: append each as an own TRACK envelope to this journal */
	struct store_journal *j;
	struct wire_signer *signer;
	uint64_t *seq;
};

static void make_env(struct wire_signer *signer, const char *origin, uint64_t seq, int kind,
                     bool exercise, int64_t t_ns, const uint8_t *payload, size_t len,
                     struct mw_buf *env)
{
	struct wire_body b;
	memset(&b, 0, sizeof(b));
	snprintf(b.origin, sizeof(b.origin), "%s", origin);
	b.seq = seq;
	b.kind = (enum wire_kind)kind;
	b.n_release = 2;
	snprintf(b.release[0], MW_NATION_LEN, "%s", origin);
	snprintf(b.release[1], MW_NATION_LEN, "%s", strcmp(origin, "USA") ? "USA" : "KOR");
	b.exercise = exercise;
	b.data_t_ns = t_ns;
	b.payload = payload;
	b.payload_len = len;
	struct mw_buf body;
	mw_buf_init(&body, WIRE_MAX_BODY);
	int rc = wire_body_encode(&b, &body);
	if (rc < 0)
		fail_msg("wire_body_encode: %d", rc);
	struct wire_slice sl = {mw_buf_peek(&body), mw_buf_used(&body)};
	struct wire_auth auth;
	if ((rc = wire_batch_sign(signer, &sl, 1, &auth)) != 0)
		fail_msg("wire_batch_sign: %d", rc);
	mw_buf_reset(env);
	if ((rc = wire_envelope_encode(sl.p, sl.len, &auth, env)) < 0)
		fail_msg("wire_envelope_encode: %d", rc);
	mw_buf_finish(&body);
}

/* Simulated observations of KOR's radars as OBSERVATION envelopes of
 * origin `origin` (the observation's nation is rewritten to it). */
static void build(struct fixture *f, const char *origin, bool exercise)
{
	memset(f, 0, sizeof(*f));
	EVP_PKEY *k = EVP_PKEY_Q_keygen(NULL, NULL, "ED25519");
	assert_non_null(k);
	assert_int_equal(wire_signer_new(origin, k, &f->signer), 0);
	EVP_PKEY_free(k);
	struct sim_scenario *sc = NULL;
	struct sim *s = NULL;
	struct mw_errbuf err = {{0}};
	if (sim_scenario_parse(SCENARIO, "unit", &sc, &err) != 0)
		fail_msg("scenario: %s", err.msg);
	assert_int_equal(sim_new(sc, 0, &s), 0);
	struct mw_buf pl, env;
	mw_buf_init(&pl, 4096);
	mw_buf_init(&env, WIRE_MAX_BODY + 4096);
	size_t cap = 4096;
	f->recs = calloc(cap, sizeof(*f->recs));
	struct sim_event ev;
	while (sim_next(s, &ev) == 1) {
		if (ev.type != SIM_EV_OBS)
			continue;
		snprintf(ev.obs.nation, sizeof(ev.obs.nation), "%s", origin);
		mw_buf_reset(&pl);
		assert_true(wire_obs_encode(&ev.obs, &pl) > 0);
		make_env(f->signer, origin, f->n + 1, WIRE_KIND_OBSERVATION, exercise, ev.obs.t_ns,
		         mw_buf_peek(&pl), mw_buf_used(&pl), &env);
		if (f->n == cap) {
			cap *= 2;
			f->recs = realloc(f->recs, cap * sizeof(*f->recs));
		}
		struct rec *r = &f->recs[f->n++];
		memset(r, 0, sizeof(*r));
		r->bytes = malloc(mw_buf_used(&env));
		memcpy(r->bytes, mw_buf_peek(&env), mw_buf_used(&env));
		snprintf(r->r.origin, sizeof(r->r.origin), "%s", origin);
		r->r.seq = f->n;
		r->r.pos = f->n;
		r->r.kind = WIRE_KIND_OBSERVATION;
		r->r.flags = exercise ? STORE_F_EXERCISE : 0;
		snprintf(r->r.release, sizeof(r->r.release), "%s,USA", origin);
		r->r.data_ns = ev.obs.t_ns;
		r->r.bytes = r->bytes;
		r->r.len = mw_buf_used(&env);
		f->end_ns = ev.obs.t_ns;
	}
	mw_buf_finish(&pl);
	mw_buf_finish(&env);
	sim_free(s);
	sim_scenario_free(sc);
	assert_true(f->n > 200);
}

static void fixture_free(struct fixture *f)
{
	for (size_t i = 0; i < f->n; i++)
		free(f->recs[i].bytes);
	free(f->recs);
	wire_signer_free(f->signer);
}

static void outs_free(struct outs *o)
{
	for (size_t i = 0; i < o->n; i++)
		free(o->v[i].p);
	free(o->v);
}

static int collect(void *ud, bool exercise, int64_t data_t_ns, const uint8_t *p, size_t len)
{
	struct outs *o = ud;
	if (o->n == o->cap) {
		o->cap = o->cap ? 2 * o->cap : 64;
		o->v = realloc(o->v, o->cap * sizeof(*o->v));
	}
	struct out *e = &o->v[o->n++];
	e->exercise = exercise;
	e->data_t_ns = data_t_ns;
	e->p = malloc(len);
	memcpy(e->p, p, len);
	e->len = len;
	if (o->j) {
		/* the node's own TRACK envelope, appended as the node does */
		struct mw_buf env;
		mw_buf_init(&env, WIRE_MAX_BODY + 4096);
		uint64_t seq = ++*o->seq;
		make_env(o->signer, "KOR", seq, WIRE_KIND_TRACK, exercise, data_t_ns, p, len, &env);
		struct store_rec r;
		memset(&r, 0, sizeof(r));
		snprintf(r.origin, sizeof(r.origin), "KOR");
		r.seq = seq;
		r.kind = WIRE_KIND_TRACK;
		r.flags = exercise ? STORE_F_EXERCISE : 0;
		snprintf(r.release, sizeof(r.release), "KOR,USA");
		r.data_ns = data_t_ns;
		r.bytes = mw_buf_peek(&env);
		r.len = mw_buf_used(&env);
		int rc = store_journal_append(o->j, &r, NULL);
		mw_buf_finish(&env);
		if (rc != 0)
			fail_msg("append own track: %d", rc);
	}
	return 0;
}

static struct net_national *nat_new(struct outs *o, bool partner_obs)
{
	struct net_national_opts opt;
	memset(&opt, 0, sizeof(opt));
	snprintf(opt.nation, sizeof(opt.nation), "KOR");
	opt.partner_obs = partner_obs;
	opt.interval_ns = INTERVAL_NS;
	opt.max_tracks = 1000;
	opt.emit = collect;
	opt.ud = o;
	struct net_national *nat = NULL;
	assert_int_equal(net_national_new(&opt, &nat), 0);
	return nat;
}

static void feed_all(struct net_national *nat, const struct fixture *f)
{
	for (size_t i = 0; i < f->n; i++)
		assert_int_equal(net_national_feed(nat, &f->recs[i].r), 0);
}

static void assert_same(const struct outs *a, const struct outs *b, const char *what)
{
	if (a->n != b->n)
		fail_msg("%s: %zu payloads vs %zu", what, a->n, b->n);
	for (size_t i = 0; i < a->n; i++) {
		const struct out *x = &a->v[i], *y = &b->v[i];
		if (x->exercise != y->exercise || x->data_t_ns != y->data_t_ns ||
		    x->len != y->len || memcmp(x->p, y->p, x->len) != 0)
			fail_msg("%s: payload %zu differs (len %zu vs %zu, t %lld vs %lld)", what,
			         i, x->len, y->len, (long long)x->data_t_ns,
			         (long long)y->data_t_ns);
	}
}

/* Decode every payload; count statuses; check rate limit and flags. */
static void check_outs(const struct outs *o, bool exercise, size_t *n_confirmed, size_t *n_deleted,
                       size_t *n_impact)
{
	*n_confirmed = *n_deleted = *n_impact = 0;
	uint64_t last_id = 0;
	int64_t last_t = 0;
	int last_phase = 0;
	for (size_t i = 0; i < o->n; i++) {
		Mwlink__Track *t = NULL;
		int rc = wire_track_decode(o->v[i].p, o->v[i].len, &t);
		if (rc != 0)
			fail_msg("payload %zu does not decode: %d", i, rc);
		if (o->v[i].exercise != exercise)
			fail_msg("payload %zu: exercise %d, expected %d", i, o->v[i].exercise,
			         exercise);
		if (exercise != (t->track_id >= NET_NATIONAL_EXERCISE_ID_BASE))
			fail_msg("track id %llu in the wrong range for exercise=%d",
			         (unsigned long long)t->track_id, exercise);
		if (t->status == MWLINK__TRACK_STATUS__TRACK_CONFIRMED) {
			(*n_confirmed)++;
			if (t->impact)
				(*n_impact)++;
			if (t->track_id == last_id && (int)t->phase == last_phase &&
			    t->t_ns - last_t < INTERVAL_NS)
				fail_msg("track %llu updated after %lld ns without a phase change",
				         (unsigned long long)t->track_id,
				         (long long)(t->t_ns - last_t));
			last_id = t->track_id; /* one track in this scenario at a time */
			last_t = t->t_ns;
			last_phase = (int)t->phase;
		} else if (t->status == MWLINK__TRACK_STATUS__TRACK_DELETED) {
			(*n_deleted)++;
		} else {
			fail_msg("payload %zu: status %d (tentative tracks are not shared)", i,
			         (int)t->status);
		}
		wire_msg_free(t);
	}
}

static void replay_of_journal_gives_identical_track_payloads(void **state)
{
	(void)state;
	struct fixture f;
	build(&f, "KOR", false);
	char dir[] = "/tmp/mwlink-national-XXXXXX";
	if (!mkdtemp(dir))
		fail_msg("mkdtemp: %s", strerror(errno));
	char path[128];
	snprintf(path, sizeof(path), "%s/j.db", dir);
	struct store_journal_opts jo;
	memset(&jo, 0, sizeof(jo));
	jo.path = path;
	struct store_journal *j = NULL;
	assert_int_equal(store_journal_open(&jo, &j, NULL), 0);

	/* live: append observations, catching up every few records (as the
	 * daemon's loop does), own TRACK envelopes appended as emitted */
	uint64_t seq = f.n;
	struct outs live = {.j = j, .signer = f.signer, .seq = &seq};
	struct net_national *nat = nat_new(&live, false);
	for (size_t i = 0; i < f.n; i++) {
		struct store_rec r = f.recs[i].r;
		assert_int_equal(store_journal_append(j, &r, NULL), 0);
		if (i % 7 == 3 || i + 1 == f.n)
			assert_true(net_national_catch_up(nat, j, 5) >= 0);
	}
	while (net_national_catch_up(nat, j, 0) > 0)
		;
	assert_int_equal(net_national_next_pos(nat), store_journal_last_pos(j) + 1);
	net_national_free(nat);
	size_t nc, nd, ni;
	check_outs(&live, false, &nc, &nd, &ni);
	if (nc < 10 || ni < nc / 2)
		fail_msg("live run: %zu confirmed updates, %zu with impact", nc, ni);

	/* replay of the whole journal (own tracks in it) in one read */
	struct outs rep = {0};
	nat = nat_new(&rep, false);
	int got = net_national_catch_up(nat, j, 0);
	assert_int_equal((size_t)got, f.n + live.n);
	net_national_free(nat);
	assert_same(&live, &rep, "journal replay");

	/* and direct feeding of the same observations */
	struct outs direct = {0};
	nat = nat_new(&direct, false);
	feed_all(nat, &f);
	net_national_free(nat);
	assert_same(&live, &direct, "direct feed");

	store_journal_free(j);
	outs_free(&live);
	outs_free(&rep);
	outs_free(&direct);
	char cmd[200];
	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	assert_int_equal(system(cmd), 0);
	fixture_free(&f);
}

static void exercise_input_gives_only_exercise_tracks(void **state)
{
	(void)state;
	struct fixture f;
	build(&f, "KOR", true);
	struct outs o = {0};
	struct net_national *nat = nat_new(&o, false);
	feed_all(nat, &f);
	struct net_national_stats st;
	net_national_get_stats(nat, &st);
	if (st.obs_fed[0] != 0 || st.obs_fed[1] != f.n)
		fail_msg("fed real %llu exercise %llu of %zu", (unsigned long long)st.obs_fed[0],
		         (unsigned long long)st.obs_fed[1], f.n);
	assert_int_equal(net_national_live_tracks(nat, 0), 0);
	size_t nc, nd, ni;
	check_outs(&o, true, &nc, &nd, &ni);
	if (nc < 10)
		fail_msg("only %zu exercise updates", nc);
	net_national_free(nat);
	outs_free(&o);
	fixture_free(&f);
}

/* Position variance (trace of the 3x3 block) of a Track payload, the
 * impact ellipse's semi-major axis (0 if none) and t_ns. */
static double pos_var(const struct out *e, double *impact_major_m, int64_t *t_ns)
{
	Mwlink__Track *t = NULL;
	if (wire_track_decode(e->p, e->len, &t) != 0)
		fail_msg("a payload does not decode");
	double v = 0;
	for (unsigned i = 0; i < 3; i++)
		v += t->cov_upper[wire_upper_index(6, i, i)];
	*impact_major_m = t->impact ? t->impact->ellipse_semi_major_m : 0;
	*t_ns = t->t_ns;
	wire_msg_free(t);
	return v;
}

/* The real picture faces a real Earth and states its gravity-model
 * error (EGM96); the exercise picture is matched to the simulator's
 * mu + J2 truth and states none. The same observations, once real and
 * once exercise, give the same updates with a wider covariance in the
 * real picture. */
static void real_picture_states_a_real_earths_gravity_error(void **state)
{
	(void)state;
	struct fixture fr, fx;
	build(&fr, "KOR", false);
	build(&fx, "KOR", true);
	struct outs orl = {0}, oex = {0};
	struct net_national *nr = nat_new(&orl, false), *nx = nat_new(&oex, false);
	feed_all(nr, &fr);
	feed_all(nx, &fx);
	if (orl.n < 10 || orl.n != oex.n)
		fail_msg("real picture emitted %zu payloads, exercise %zu", orl.n, oex.n);
	/* Over 1 s between radar updates the error adds little; it shows
	 * in the mean, and the two pictures must differ. */
	double sum_log = 0;
	size_t wider = 0;
	for (size_t i = 0; i < orl.n; i++) {
		int64_t tr, tx;
		double ir, ix;
		double vr = pos_var(&orl.v[i], &ir, &tr), vx = pos_var(&oex.v[i], &ix, &tx);
		if (tr != tx)
			fail_msg("payload %zu: real at %lld ns, exercise at %lld ns", i,
			         (long long)tr, (long long)tx);
		sum_log += log(vr / vx);
		if (vr > vx)
			wider++;
	}
	double gmean = exp(sum_log / (double)orl.n);
	print_message("position variance real/exercise: geometric mean %.6f, wider in %zu of "
	              "%zu payloads\n",
	              gmean, wider, orl.n);
	if (!(gmean > 1.0) || wider * 2 < orl.n)
		fail_msg("the real picture's position covariance is not wider than the exercise "
		         "one's (geometric mean ratio %.6f, wider in %zu of %zu)",
		         gmean, wider, orl.n);
	net_national_free(nr);
	net_national_free(nx);
	outs_free(&orl);
	outs_free(&oex);
	fixture_free(&fr);
	fixture_free(&fx);
}

static void partner_observations_used_only_when_enabled(void **state)
{
	(void)state;
	struct fixture f;
	build(&f, "JPN", false);
	struct outs off = {0}, on = {0};
	struct net_national *nat = nat_new(&off, false);
	feed_all(nat, &f);
	struct net_national_stats st;
	net_national_get_stats(nat, &st);
	if (off.n != 0 || st.obs_partner_skip != f.n || st.obs_fed[0] != 0)
		fail_msg("partner_obs off: %zu payloads, %llu skipped of %zu", off.n,
		         (unsigned long long)st.obs_partner_skip, f.n);
	net_national_free(nat);
	nat = nat_new(&on, true);
	feed_all(nat, &f);
	net_national_get_stats(nat, &st);
	if (on.n < 10 || st.obs_fed[0] != f.n)
		fail_msg("partner_obs on: %zu payloads, %llu fed", on.n,
		         (unsigned long long)st.obs_fed[0]);
	net_national_free(nat);
	outs_free(&off);
	outs_free(&on);
	fixture_free(&f);
}

static void tracks_are_never_fed(void **state)
{
	(void)state;
	/* KOR's own tracks and a partner's: as TRACK records, never input */
	struct fixture f;
	build(&f, "KOR", false);
	struct outs o = {0};
	struct net_national *nat = nat_new(&o, false);
	feed_all(nat, &f);
	size_t n1 = o.n;
	assert_true(n1 > 0);
	struct outs o2 = {0};
	struct net_national *nat2 = nat_new(&o2, true);
	for (size_t i = 0; i < n1; i++) {
		struct mw_buf env;
		mw_buf_init(&env, WIRE_MAX_BODY + 4096);
		for (int k = 0; k < 2; k++) {
			const char *origin = k ? "USA" : "KOR";
			make_env(f.signer, origin, i + 1, WIRE_KIND_TRACK, false, o.v[i].data_t_ns,
			         o.v[i].p, o.v[i].len, &env);
			struct store_rec r;
			memset(&r, 0, sizeof(r));
			snprintf(r.origin, sizeof(r.origin), "%s", origin);
			r.seq = i + 1;
			r.pos = 2 * i + (size_t)k + 1;
			r.kind = WIRE_KIND_TRACK;
			r.bytes = mw_buf_peek(&env);
			r.len = mw_buf_used(&env);
			assert_int_equal(net_national_feed(nat2, &r), 0);
		}
		mw_buf_finish(&env);
	}
	struct net_national_stats st;
	net_national_get_stats(nat2, &st);
	if (o2.n != 0 || st.obs_fed[0] + st.obs_fed[1] != 0 || st.records != 2 * n1)
		fail_msg("tracks as input: %zu payloads out, %llu fed", o2.n,
		         (unsigned long long)(st.obs_fed[0] + st.obs_fed[1]));
	assert_int_equal(net_national_live_tracks(nat2, 0), 0);
	net_national_free(nat);
	net_national_free(nat2);
	outs_free(&o);
	outs_free(&o2);
	fixture_free(&f);
}

/* The scenario runs past the impact (false alarms only): the tracker
 * drops the track by its coast limit, and national sends DELETED once. */
static void shared_track_deleted_once_and_restart_is_silent(void **state)
{
	(void)state;
	struct fixture f;
	build(&f, "KOR", false);
	struct outs o = {0};
	struct net_national *nat = nat_new(&o, false);
	size_t h = f.n / 2, n_before = 0;
	for (size_t i = 0; i < f.n; i++) {
		if (i == h)
			n_before = o.n;
		assert_int_equal(net_national_feed(nat, &f.recs[i].r), 0);
	}
	size_t nc, nd, ni;
	check_outs(&o, false, &nc, &nd, &ni);
	if (nd < 1)
		fail_msg("no DELETED update after the flight (%zu updates)", nc);
	struct net_national_stats st;
	net_national_get_stats(nat, &st);
	assert_int_equal(st.deletes_out, nd);
	net_national_free(nat);
	/* every shared track: exactly one DELETED, and nothing after it */
	for (size_t i = 0; i < o.n; i++) {
		Mwlink__Track *t = NULL;
		assert_int_equal(wire_track_decode(o.v[i].p, o.v[i].len, &t), 0);
		uint64_t id = t->track_id;
		bool del = t->status == MWLINK__TRACK_STATUS__TRACK_DELETED;
		wire_msg_free(t);
		size_t dels = 0, later = 0;
		for (size_t k = 0; k < o.n; k++) {
			assert_int_equal(wire_track_decode(o.v[k].p, o.v[k].len, &t), 0);
			if (t->track_id == id && t->status == MWLINK__TRACK_STATUS__TRACK_DELETED)
				dels++;
			if (t->track_id == id && k > i && del)
				later++;
			wire_msg_free(t);
		}
		if (dels != 1 || later != 0)
			fail_msg("track %llu: %zu DELETED updates, %zu updates after it",
			         (unsigned long long)id, dels, later);
	}

	/* a restart in the middle: everything before live_from is replayed
	 * silently, and what follows is exactly what the uninterrupted run
	 * emitted from the same record on */
	struct outs r2 = {0};
	nat = nat_new(&r2, false);
	net_national_set_live_from(nat, f.recs[h].r.pos);
	feed_all(nat, &f);
	if (n_before == 0 || r2.n != o.n - n_before)
		fail_msg("after restart: %zu payloads, uninterrupted %zu (of %zu)", r2.n,
		         o.n - n_before, o.n);
	for (size_t i = 0; i < r2.n; i++)
		if (r2.v[i].len != o.v[n_before + i].len ||
		    memcmp(r2.v[i].p, o.v[n_before + i].p, r2.v[i].len) != 0)
			fail_msg("after restart: payload %zu differs", i);
	net_national_get_stats(nat, &st);
	assert_int_equal(st.silent, n_before);
	net_national_free(nat);
	outs_free(&o);
	outs_free(&r2);
	fixture_free(&f);
}

static const char *const base_conf = "[node]\nnation = KOR\n"
                                     "[pki]\nca = ca.crt\ncert = n.crt\nkey = n.key\n"
                                     "sign_key = s.key\norigin_keys = keys\n"
                                     "[release]\nUSA = observation, track\n"
                                     "[journal]\npath = j.db\n[ingest]\nexercise = no\n";

static int load_conf(const char *extra, struct net_node_conf *c, struct mw_errbuf *err)
{
	char text[2048];
	snprintf(text, sizeof(text), "%s%s", base_conf, extra);
	return net_conf_load_string(c, "t.ini", text, "/base", err);
}

static void track_config_keys_have_documented_defaults_and_ranges(void **state)
{
	(void)state;
	struct net_node_conf *c = calloc(1, sizeof(*c));
	struct mw_errbuf err = {{0}};
	if (load_conf("", c, &err) != 0)
		fail_msg("minimal config: %s", err.msg);
	assert_true(c->track_enabled);
	assert_false(c->track_partner_obs);
	assert_int_equal(c->track_interval_ns, MW_NS_PER_S);
	assert_int_equal(c->track_max_tracks, 1000);
	if (load_conf("[track]\nenabled = no\npartner_observations = yes\ninterval = 250ms\n"
	              "max_tracks = 50\n",
	              c, &err) != 0)
		fail_msg("[track] keys: %s", err.msg);
	assert_false(c->track_enabled);
	assert_true(c->track_partner_obs);
	assert_int_equal(c->track_interval_ns, 250 * MW_NS_PER_MS);
	assert_int_equal(c->track_max_tracks, 50);
	assert_int_not_equal(load_conf("[track]\ninterval = 0s\n", c, &err), 0);
	if (!strstr(err.msg, "interval"))
		fail_msg("error does not name the key: %s", err.msg);
	assert_int_not_equal(load_conf("[track]\npartner_obs = yes\n", c, &err), 0);
	if (!strstr(err.msg, "partner_obs"))
		fail_msg("unknown key not named: %s", err.msg);
	free(c);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(replay_of_journal_gives_identical_track_payloads),
	    cmocka_unit_test(exercise_input_gives_only_exercise_tracks),
	    cmocka_unit_test(real_picture_states_a_real_earths_gravity_error),
	    cmocka_unit_test(partner_observations_used_only_when_enabled),
	    cmocka_unit_test(tracks_are_never_fed),
	    cmocka_unit_test(shared_track_deleted_once_and_restart_is_silent),
	    cmocka_unit_test(track_config_keys_have_documented_defaults_and_ranges),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
