/*
 * sim/sim_impl.h - the run's internals, shared by sim.c and ndjson.c only.
 */
#ifndef MW_SIM_SIM_IMPL_H
#define MW_SIM_SIM_IMPL_H

#include "sim/rng.h"
#include "sim/scenario_impl.h"
#include "sim/sim.h"

#define SIM_MAX_FA_PER_SCAN 1024

struct object {
	struct sim_object_info info;
	struct sim_flight flight; /* dense output, times relative to launch */
};

struct sensor_state {
	struct sim_rng rng;
	uint64_t k;     /* next scan number */
	double phase_s; /* first scan at start + phase_s (drawn per run: "sensor_phase") */
	mw_time_ns next_ns;
};

struct sim {
	const struct sim_scenario *sc;
	uint64_t seed;
	double truth_step_s;
	mw_time_ns start_ns, end_ns;

	size_t n_obj;
	struct object *obj;
	size_t *impact_order; /* object indices by impact time */
	size_t next_impact;   /* index into impact_order */

	uint64_t truth_k;
	mw_time_ns next_tick_ns;

	struct sensor_state *ss;

	struct sim_event *batch;
	size_t batch_n, batch_pos, batch_cap;
};

#endif
