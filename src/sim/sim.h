/*
 * sim/sim.h - a simulation run: the scenario's flights integrated, its
 * sensors scheduled, truth and observations delivered in time order.
 *
 * sim_new() flies every launch of the scenario once (deterministic
 * Runge-Kutta integration with dense output, sim/flight.h) and keeps the
 * trajectories. sim_next() then produces events lazily, in non-decreasing
 * time order: a truth sample of every flying object every truth step, and
 * every observation (detection or false alarm) of every sensor scan. A run
 * is a pure function of (scenario, seed): same seed, same events, bit for
 * bit. It never reads a clock, so a later real-time streamer only has to
 * pace the events it gets from sim_next().
 */
#ifndef MW_SIM_SIM_H
#define MW_SIM_SIM_H

#include <stddef.h>
#include <stdint.h>

#include "core/obs.h"
#include "core/time.h"
#include "geo/geo.h"
#include "sim/scenario.h"

struct sim; /* a run: flights integrated, sensors scheduled */

enum sim_phase {
	SIM_PHASE_BOOST = 1, /* engines burning */
	SIM_PHASE_MIDCOURSE, /* after burnout, until below 100 km on the way down */
	SIM_PHASE_TERMINAL,  /* descending below 100 km (SIM_REENTRY_ALT_M) */
	SIM_PHASE_IMPACTED,  /* on the ground (only the final truth sample) */
};
#define SIM_REENTRY_ALT_M 100000.0

const char *sim_phase_str(enum sim_phase p); /* "boost", "midcourse", ... */

struct sim_object_info { /* per launched object, known once simulated */
	uint32_t id;
	char name[32];
	char missile_class[16]; /* "SRBM", "MRBM", "IRBM", "ICBM" */
	mw_time_ns launch_t_ns;
	struct geo_lla launch_lla;
	mw_time_ns burnout_t_ns;
	mw_time_ns impact_t_ns;
	struct geo_lla impact_lla;
	double apogee_m;       /* maximum height above the ellipsoid */
	double ground_range_m; /* geodesic launch point -> impact point */
	/* more, beyond the agreed API */
	char nation[MW_NATION_LEN]; /* the launching state, "" if not given */
	mw_time_ns apogee_t_ns;
	mw_time_ns reentry_t_ns;   /* first below SIM_REENTRY_ALT_M descending; 0 if never above */
	double azimuth_rad;        /* geodesic azimuth launch point -> impact point */
	double launch_heading_rad; /* heading flown at launch (solver output) */
	double requested_apogee_m; /* what the solver aimed at */
	double requested_range_m;
	double beta_kg_m2; /* the RV's ballistic coefficient in this run (drawn per run) */
};

struct sim_truth {
	uint32_t id;
	mw_time_ns t_ns;
	double r_ecef_m[3];
	double v_ecef_m_s[3];
	enum sim_phase phase;
};

enum sim_event_type { SIM_EV_TRUTH = 1, SIM_EV_OBS = 2 };

struct sim_event {
	enum sim_event_type type;
	struct sim_truth truth; /* SIM_EV_TRUTH */
	struct mw_obs obs;      /* SIM_EV_OBS */
};

/* Options for a run; sim_new() uses the defaults (sim_opts_default). */
struct sim_opts {
	uint64_t seed;       /* 0: the scenario's */
	double truth_step_s; /* truth sample period; 0: none; < 0 (default): the scenario's */
};
void sim_opts_default(struct sim_opts *o);

/*
 * Fly the scenario's launches and prepare the sensors. seed 0 means the
 * scenario's seed. The scenario must outlive the run. Returns 0, -ENOMEM,
 * or a flight error (-MW_EENVELOPE, -MW_ENOCONVERGE) for a launch the
 * solver cannot fly (sim_new_ex with an errbuf says which).
 */
int sim_new(const struct sim_scenario *sc, uint64_t seed, struct sim **out);
int sim_new_ex(const struct sim_scenario *sc, const struct sim_opts *opts, struct sim **out,
               struct mw_errbuf *err);
void sim_free(struct sim *s);

/*
 * The ballistic coefficient (kg/m^2) the RV of launch launch_idx flies in
 * the run with this seed, unless the scenario fixes it: lognormal with the
 * class's central 95 % [beta_lo, beta_hi] (median beta_kg_m2), from a
 * stream of its own (the sensors' noise does not move). The class's
 * beta_kg_m2 if it has no range; 0 for c NULL.
 */
struct sim_class;
double sim_class_beta_draw(const struct sim_class *c, uint64_t seed, size_t launch_idx);

size_t sim_object_count(const struct sim *s);
const struct sim_object_info *sim_object(const struct sim *s, size_t i);

/* The scenario's sensors, as the run uses them (index = scenario order). */
struct sim_sensor_info {
	char nation[MW_NATION_LEN];
	uint32_t id;
	char name[48];
	enum mw_obs_kind kind; /* MW_OBS_RADAR or MW_OBS_LOS (space IR) */
	struct geo_lla lla;
	double ecef_m[3];
	double update_s;
	double pd;
	double fa_per_scan;
};
size_t sim_sensor_count(const struct sim *s);
/* 0 and *out, or -ENOENT past the last sensor. */
int sim_sensor_info(const struct sim *s, size_t i, struct sim_sensor_info *out);

/*
 * Next event in non-decreasing time order (truth samples at a fixed step
 * and every observation); 1 = *ev filled, 0 = end of scenario, <0 error.
 * Events with equal times come truth first, then sensors in scenario
 * order, each sensor's detections by object id, false alarms last.
 */
int sim_next(struct sim *s, struct sim_event *ev);

/* The run's time span (sensors scan from start to end) and its seed. */
mw_time_ns sim_start_ns(const struct sim *s);
mw_time_ns sim_end_ns(const struct sim *s);
uint64_t sim_seed(const struct sim *s);

/*
 * Truth state of object id at any time t between its launch and impact
 * (cubic Hermite on the integrator's dense output; within 0.2 m of a far
 * finer integration, see sim/flight.c). -ENOENT for an unknown id, -ERANGE for
 * t outside [launch, impact].
 */
int sim_truth_at(const struct sim *s, uint32_t id, mw_time_ns t_ns, struct sim_truth *out);

/*
 * NDJSON output (docs/scenario-format.md): one JSON object a line, '\n'
 * terminated. sim_ndjson_preamble() renders line i of the preamble (the
 * run, then every object, then every sensor) and returns its length, 0
 * past the last line, -ENOBUFS if cap is too small. sim_ndjson_event()
 * renders one event. Output depends only on the run (deterministic).
 */
#define SIM_NDJSON_LINE_MAX 2048
int sim_ndjson_preamble(const struct sim *s, size_t i, char *buf, size_t cap);
int sim_ndjson_event(const struct sim_event *ev, char *buf, size_t cap);

#endif
