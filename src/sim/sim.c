/*
 * sim/sim.c - a simulation run: flights solved and integrated once, then
 * truth and observations generated lazily in time order.
 *
 * sim_new() solves each launch's controls (sim_flight_solve for an
 * explicit apogee, sim_flight_solve_loft for a trajectory shape), flies
 * it with the run tolerances and keeps the dense output. Objects are
 * sorted by id. Nothing else is precomputed: sim_next() pulls events from
 * a set of sources, each with a next time:
 *
 *   source 0      truth: a sample of every flying object at start + k *
 *                 truth_step, plus each object's impact instant (phase
 *                 "impacted");
 *   source 1 + i  sensor i: a scan at start + phase + k * update_s (phase:
 *                 the sensor's phase_s, or drawn per run),
 *                 producing detections (objects by id) then false alarms.
 *
 * The source with the smallest next time (ties: lowest source number)
 * fills a batch buffer, which sim_next() then hands out one event a call.
 * Memory is O(objects x nodes + one batch), whatever the scenario length.
 *
 * Randomness: sensor i draws from its own xoshiro256** stream seeded with
 * (seed, i + 1) (sim/rng.h), so a run is a pure function of (scenario,
 * seed), and changing one sensor does not change the others' noise. Launch
 * j's RV ballistic coefficient is drawn once per run from the stream
 * (seed, RNG_STREAM_BETA + j) (draw_beta): each seed flies a different RV
 * of the class, so a Monte Carlo over seeds samples the class's spread of
 * beta as a tracker's drag prior describes it. With "sensor_phase":
 * "draw", sensor i's first scan is drawn once per run from the stream
 * (seed, RNG_STREAM_PHASE + i) (draw_phase).
 *
 * Invariants:
 *  1. Event times never decrease.
 *  2. Same scenario and seed, same events, bit for bit.
 *  3. A batch never exceeds n_objects + SIM_MAX_FA_PER_SCAN events.
 */
#include "sim/sim.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sim/sim_impl.h"

#define SOLVE_TOL        0.002        /* solver goal, fraction of apogee and range */
#define RNG_STREAM_BETA  (1ull << 32) /* above any sensor's stream (i + 1) */
#define RNG_STREAM_PHASE (2ull << 32) /* above the launches' beta streams */

const char *sim_phase_str(enum sim_phase p)
{
	switch (p) {
	case SIM_PHASE_BOOST:
		return "boost";
	case SIM_PHASE_MIDCOURSE:
		return "midcourse";
	case SIM_PHASE_TERMINAL:
		return "terminal";
	case SIM_PHASE_IMPACTED:
		return "impacted";
	}
	return "?";
}

void sim_opts_default(struct sim_opts *o)
{
	o->seed = 0;
	o->truth_step_s = -1; /* the scenario's */
}

static int cmp_obj_id(const void *a, const void *b)
{
	const struct object *x = a, *y = b;
	return (x->info.id > y->info.id) - (x->info.id < y->info.id);
}

/* 97.5 % point of the standard normal (Abramowitz & Stegun 1964, 26.2). */
#define Z975 1.959963984540054

double sim_class_beta_draw(const struct sim_class *c, uint64_t seed, size_t launch_idx)
{
	if (!c || !(c->beta_lo_kg_m2 > 0 && c->beta_hi_kg_m2 > c->beta_lo_kg_m2))
		return c ? c->beta_kg_m2 : 0.0;
	double lo = log(c->beta_lo_kg_m2), hi = log(c->beta_hi_kg_m2);
	struct sim_rng r;
	sim_rng_seed(&r, seed, RNG_STREAM_BETA + launch_idx);
	return exp(0.5 * (lo + hi) + 0.5 * (hi - lo) / Z975 * sim_rng_normal(&r));
}

/* The RV's ballistic coefficient for this run: the launch's own if the
 * scenario gives one, the class's median if the scenario says "rv_beta":
 * "median", else sim_class_beta_draw. */
static double draw_beta(const struct sim_launch_spec *L, bool median, uint64_t seed, size_t idx)
{
	if (L->beta_kg_m2 > 0)
		return L->beta_kg_m2;
	if (median)
		return L->cls->beta_kg_m2;
	return sim_class_beta_draw(L->cls, seed, idx);
}

/* Sensor i's first scan for this run: its phase_s, or with "sensor_phase":
 * "draw" a time drawn uniformly over one scan period after it from the
 * stream (seed, RNG_STREAM_PHASE + i). When a sensor scans relative to a
 * launch is not something a real launch controls: a Monte Carlo over
 * seeds then samples every scan phase instead of repeating one (which,
 * with whole-second launches and scans, put every run's second-stage
 * cut-off 0.04 s after a plot: docs/tracking.md, "Burnout bins"). */
static double draw_phase(const struct sim_sensor *se, bool draw, uint64_t seed, size_t idx)
{
	if (!draw)
		return se->phase_s;
	struct sim_rng r;
	sim_rng_seed(&r, seed, RNG_STREAM_PHASE + idx);
	return se->phase_s + se->update_s * sim_rng_uniform(&r);
}

static int fly_launch(const struct sim_launch_spec *L, bool j3j4, double beta_kg_m2,
                      struct object *o, struct mw_errbuf *err)
{
	struct sim_launch_ctl ctl;
	struct mw_errbuf e = {{0}};
	int rc;
	double H = L->apogee_m;
	/* the class with this run's RV: the solver aims the flight it flies */
	struct sim_class cls = *L->cls;
	cls.beta_kg_m2 = beta_kg_m2;
	if (L->has_apogee) {
		struct sim_aim aim = {L->azimuth_rad, L->range_m, L->apogee_m};
		rc = sim_flight_solve(&cls, &L->site, &aim, SOLVE_TOL, &ctl, NULL, &e);
	} else {
		rc = sim_flight_solve_loft(&cls, &L->site, L->azimuth_rad, L->range_m, L->loft,
		                           SOLVE_TOL, &ctl, &H, NULL, &e);
	}
	if (rc == 0) {
		struct sim_flight_opts fo;
		sim_flight_opts_default(&fo);
		fo.j3j4 = j3j4;
		rc = sim_flight_fly(&cls, &L->site, &ctl, &fo, true, &o->flight);
		if (rc < 0)
			snprintf(e.msg, sizeof(e.msg), "flight failed: %s", mw_strerror(rc));
	}
	if (rc < 0) {
		mw_errbuf_set(err, "%s (%s): %s", L->path, L->name,
		              e.msg[0] ? e.msg : mw_strerror(rc));
		return rc;
	}
	struct sim_object_info *in = &o->info;
	const struct sim_flight *f = &o->flight;
	memset(in, 0, sizeof(*in));
	in->id = L->id;
	snprintf(in->name, sizeof(in->name), "%s", L->name);
	snprintf(in->missile_class, sizeof(in->missile_class), "%s", L->cls->name);
	memcpy(in->nation, L->nation, sizeof(in->nation));
	in->launch_t_ns = L->t_ns;
	in->launch_lla = L->site;
	in->burnout_t_ns = L->t_ns + mw_time_from_s(f->t_burnout_s);
	in->apogee_t_ns = L->t_ns + mw_time_from_s(f->t_apogee_s);
	in->reentry_t_ns = L->t_ns + mw_time_from_s(f->t_reentry_s);
	in->impact_t_ns = L->t_ns + mw_time_from_s(f->t_impact_s);
	in->impact_lla = f->impact_lla;
	in->apogee_m = f->apogee_m;
	in->ground_range_m = f->range_m;
	in->azimuth_rad = f->az_rad;
	in->launch_heading_rad = ctl.heading_rad;
	in->requested_apogee_m = H;
	in->requested_range_m = L->range_m;
	in->beta_kg_m2 = beta_kg_m2;
	return 0;
}

int sim_new_ex(const struct sim_scenario *sc, const struct sim_opts *opts, struct sim **out,
               struct mw_errbuf *err)
{
	if (!sc || !out)
		return -EINVAL;
	struct sim_opts o;
	if (opts)
		o = *opts;
	else
		sim_opts_default(&o);
	struct sim *s = calloc(1, sizeof(*s));
	if (!s)
		return -ENOMEM;
	int rc = -ENOMEM;
	s->sc = sc;
	s->seed = o.seed ? o.seed : sc->seed;
	s->truth_step_s = o.truth_step_s >= 0 ? o.truth_step_s : sc->truth_step_s;
	s->start_ns = sc->start_ns;
	s->n_obj = sc->n_launches;
	s->obj = calloc(s->n_obj ? s->n_obj : 1, sizeof(*s->obj));
	s->impact_order = calloc(s->n_obj ? s->n_obj : 1, sizeof(*s->impact_order));
	s->ss = calloc(sc->n_sensors ? sc->n_sensors : 1, sizeof(*s->ss));
	if (!s->obj || !s->impact_order || !s->ss)
		goto fail;
	for (size_t i = 0; i < s->n_obj; i++) {
		double beta = draw_beta(&sc->launches[i], sc->rv_beta_median, s->seed, i);
		rc = fly_launch(&sc->launches[i], sc->truth_j3j4, beta, &s->obj[i], err);
		if (rc < 0)
			goto fail;
	}
	qsort(s->obj, s->n_obj, sizeof(*s->obj), cmp_obj_id);
	/* impact order: insertion sort (stable, by time then id) */
	for (size_t i = 0; i < s->n_obj; i++) {
		size_t j = i;
		while (j > 0 && s->obj[s->impact_order[j - 1]].info.impact_t_ns >
		                    s->obj[i].info.impact_t_ns) {
			s->impact_order[j] = s->impact_order[j - 1];
			j--;
		}
		s->impact_order[j] = i;
	}
	mw_time_ns last = s->start_ns;
	for (size_t i = 0; i < s->n_obj; i++)
		if (s->obj[i].info.impact_t_ns > last)
			last = s->obj[i].info.impact_t_ns;
	s->end_ns = sc->end_ns ? sc->end_ns : last + mw_time_from_s(SIM_END_MARGIN_S);
	for (size_t i = 0; i < sc->n_sensors; i++) {
		sim_rng_seed(&s->ss[i].rng, s->seed, i + 1);
		s->ss[i].k = 0;
		s->ss[i].phase_s = draw_phase(&sc->sensors[i], sc->sensor_phase_draw, s->seed, i);
		s->ss[i].next_ns = s->start_ns + mw_time_from_s(s->ss[i].phase_s);
	}
	s->truth_k = 0;
	s->next_tick_ns = s->truth_step_s > 0 ? s->start_ns : INT64_MAX;
	s->batch_cap = s->n_obj + SIM_MAX_FA_PER_SCAN;
	s->batch = calloc(s->batch_cap, sizeof(*s->batch));
	if (!s->batch) {
		rc = -ENOMEM;
		goto fail;
	}
	*out = s;
	return 0;
fail:
	sim_free(s);
	return rc;
}

int sim_new(const struct sim_scenario *sc, uint64_t seed, struct sim **out)
{
	struct sim_opts o;
	sim_opts_default(&o);
	o.seed = seed;
	return sim_new_ex(sc, &o, out, NULL);
}

void sim_free(struct sim *s)
{
	if (!s)
		return;
	if (s->obj)
		for (size_t i = 0; i < s->n_obj; i++)
			sim_flight_finish(&s->obj[i].flight);
	free(s->obj);
	free(s->impact_order);
	free(s->ss);
	free(s->batch);
	free(s);
}

size_t sim_object_count(const struct sim *s)
{
	return s->n_obj;
}

const struct sim_object_info *sim_object(const struct sim *s, size_t i)
{
	return i < s->n_obj ? &s->obj[i].info : NULL;
}

mw_time_ns sim_start_ns(const struct sim *s)
{
	return s->start_ns;
}

mw_time_ns sim_end_ns(const struct sim *s)
{
	return s->end_ns;
}

uint64_t sim_seed(const struct sim *s)
{
	return s->seed;
}

size_t sim_sensor_count(const struct sim *s)
{
	return s->sc->n_sensors;
}

int sim_sensor_info(const struct sim *s, size_t i, struct sim_sensor_info *out)
{
	if (i >= s->sc->n_sensors)
		return -ENOENT;
	const struct sim_sensor *se = &s->sc->sensors[i];
	struct sim_sensor_info in;
	memset(&in, 0, sizeof(in));
	memcpy(in.nation, se->nation, sizeof(in.nation));
	in.id = se->id;
	memcpy(in.name, se->name, sizeof(in.name));
	in.kind = se->kind == SIM_SENSOR_RADAR ? MW_OBS_RADAR : MW_OBS_LOS;
	in.lla = se->lla;
	memcpy(in.ecef_m, se->ecef_m, sizeof(in.ecef_m));
	in.update_s = se->update_s;
	in.pd = se->pd;
	in.fa_per_scan = se->fa_per_scan;
	*out = in;
	return 0;
}

static enum sim_phase phase_at(const struct object *o, mw_time_ns t)
{
	const struct sim_object_info *in = &o->info;
	if (t >= in->impact_t_ns)
		return SIM_PHASE_IMPACTED;
	if (t < in->burnout_t_ns)
		return SIM_PHASE_BOOST;
	if (t >= in->reentry_t_ns && t >= in->apogee_t_ns)
		return SIM_PHASE_TERMINAL;
	return SIM_PHASE_MIDCOURSE;
}

/* State of object o at t, if it is flying (launch <= t <= impact). */
static int object_state(const struct object *o, mw_time_ns t, struct sim_truth *tr)
{
	if (t < o->info.launch_t_ns || t > o->info.impact_t_ns)
		return -ERANGE;
	double ts = mw_time_to_s(t - o->info.launch_t_ns);
	if (ts > o->flight.t_impact_s)
		ts = o->flight.t_impact_s;
	int rc = sim_flight_state(&o->flight, ts, tr->r_ecef_m, tr->v_ecef_m_s);
	if (rc < 0)
		return rc;
	tr->id = o->info.id;
	tr->t_ns = t;
	tr->phase = phase_at(o, t);
	return 0;
}

int sim_truth_at(const struct sim *s, uint32_t id, mw_time_ns t_ns, struct sim_truth *out)
{
	for (size_t i = 0; i < s->n_obj; i++) {
		if (s->obj[i].info.id != id)
			continue;
		struct sim_truth tr;
		int rc = object_state(&s->obj[i], t_ns, &tr);
		if (rc < 0)
			return rc;
		*out = tr;
		return 0;
	}
	return -ENOENT;
}

static mw_time_ns next_truth_ns(const struct sim *s)
{
	mw_time_ns t = s->next_tick_ns;
	if (s->truth_step_s > 0 && s->next_impact < s->n_obj) {
		mw_time_ns ti = s->obj[s->impact_order[s->next_impact]].info.impact_t_ns;
		if (ti < t)
			t = ti;
	}
	return t;
}

static void fill_truth(struct sim *s, mw_time_ns t)
{
	s->batch_n = s->batch_pos = 0;
	bool tick = t == s->next_tick_ns;
	for (size_t i = 0; i < s->n_obj; i++) {
		const struct object *o = &s->obj[i];
		bool impact_now = o->info.impact_t_ns == t;
		if (!(tick && t >= o->info.launch_t_ns && t < o->info.impact_t_ns) && !impact_now)
			continue;
		struct sim_event *ev = &s->batch[s->batch_n];
		memset(ev, 0, sizeof(*ev));
		ev->type = SIM_EV_TRUTH;
		if (object_state(o, t, &ev->truth) == 0)
			s->batch_n++;
	}
	while (s->next_impact < s->n_obj &&
	       s->obj[s->impact_order[s->next_impact]].info.impact_t_ns <= t)
		s->next_impact++;
	if (tick) {
		s->truth_k++;
		s->next_tick_ns =
		    s->start_ns + mw_time_from_s((double)s->truth_k * s->truth_step_s);
	}
}

static void fill_scan(struct sim *s, size_t si, mw_time_ns t)
{
	const struct sim_sensor *se = &s->sc->sensors[si];
	struct sensor_state *st = &s->ss[si];
	s->batch_n = s->batch_pos = 0;
	struct sim_sensor pose; /* a sensor that moves, where it is at t */
	if (se->orbiting || se->moving) {
		if (sim_sensor_pose(se, mw_time_to_s(t - s->start_ns), &pose) == 0)
			se = &pose;
		else /* cannot happen for a prepared orbit or ship */
			goto next;
	}
	for (size_t i = 0; i < s->n_obj; i++) {
		const struct object *o = &s->obj[i];
		if (t < o->info.launch_t_ns || t >= o->info.impact_t_ns)
			continue;
		struct sim_truth tr;
		if (object_state(o, t, &tr) < 0)
			continue;
		int cov = se->kind == SIM_SENSOR_RADAR
		              ? sim_radar_covers(se, tr.r_ecef_m, NULL, NULL, NULL)
		              : sim_ir_covers(se, tr.r_ecef_m, tr.phase == SIM_PHASE_BOOST);
		if (!cov)
			continue;
		if (sim_rng_uniform(&st->rng) >= se->pd)
			continue;
		struct sim_event *ev = &s->batch[s->batch_n++];
		memset(&ev->truth, 0, sizeof(ev->truth));
		ev->type = SIM_EV_OBS;
		sim_sensor_measure(se, &st->rng, t, tr.r_ecef_m, tr.v_ecef_m_s, o->info.id,
		                   &ev->obs);
	}
	uint32_t nfa = sim_rng_poisson(&st->rng, se->fa_per_scan);
	if (nfa > SIM_MAX_FA_PER_SCAN)
		nfa = SIM_MAX_FA_PER_SCAN;
	for (uint32_t k = 0; k < nfa; k++) {
		struct sim_event *ev = &s->batch[s->batch_n++];
		memset(&ev->truth, 0, sizeof(ev->truth));
		ev->type = SIM_EV_OBS;
		sim_sensor_false_alarm(se, &st->rng, t, &ev->obs);
	}
next:
	st->k++;
	st->next_ns = s->start_ns + mw_time_from_s(st->phase_s + (double)st->k * se->update_s);
}

int sim_next(struct sim *s, struct sim_event *ev)
{
	if (!s || !ev)
		return -EINVAL;
	while (s->batch_pos >= s->batch_n) {
		/* pick the source with the earliest next time */
		mw_time_ns best = next_truth_ns(s);
		size_t src = 0;
		for (size_t i = 0; i < s->sc->n_sensors; i++)
			if (s->ss[i].next_ns < best) {
				best = s->ss[i].next_ns;
				src = i + 1;
			}
		if (best > s->end_ns)
			return 0;
		if (src == 0)
			fill_truth(s, best);
		else
			fill_scan(s, src - 1, best);
	}
	*ev = s->batch[s->batch_pos++];
	return 1;
}
