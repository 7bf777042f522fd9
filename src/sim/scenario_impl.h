/*
 * sim/scenario_impl.h - the parsed scenario, for sim/ only (other modules
 * see the opaque struct sim_scenario of sim/scenario.h).
 */
#ifndef MW_SIM_SCENARIO_IMPL_H
#define MW_SIM_SCENARIO_IMPL_H

#include <jansson.h>

#include "sim/flight.h"
#include "sim/scenario.h"
#include "sim/sensor.h"

struct sim_launch_spec {
	uint32_t id;
	char name[32];
	char nation[MW_NATION_LEN];
	const struct sim_class *cls;
	mw_time_ns t_ns;
	struct geo_lla site;
	double azimuth_rad; /* launch point -> impact point (from the target if given) */
	double range_m;
	double beta_kg_m2; /* the RV's ballistic coefficient; 0: drawn per run */
	bool has_apogee;   /* else: loft */
	double apogee_m;
	double loft; /* -1 depressed .. 0 minimum energy .. +1 lofted */
	bool has_target;
	struct geo_lla target;
	char path[32]; /* "$.launches[3]", for error messages */
};

struct sim_nation {
	char code[MW_NATION_LEN];
	char name[48];
};

struct sim_scenario {
	char name[64];
	char description[512];
	uint64_t seed;
	bool exercise;
	bool truth_j3j4;     /* "truth_gravity": "j4" (sim_flight_opts.j3j4) */
	bool rv_beta_median; /* "rv_beta": "median": every RV at its class's median */
	/* "sensor_phase": "draw": each run draws each sensor's first scan
	 * uniformly in [phase_s, phase_s + update_s) (sim.c, draw_phase) */
	bool sensor_phase_draw;
	mw_time_ns start_ns;
	mw_time_ns end_ns; /* 0: last impact + SIM_END_MARGIN_S */
	double truth_step_s;
	size_t n_nations;
	struct sim_nation nations[SIM_MAX_NATIONS];
	size_t n_sensors;
	struct sim_sensor sensors[SIM_MAX_SENSORS];
	size_t n_launches;
	struct sim_launch_spec launches[SIM_MAX_LAUNCHES];
	json_t *injects; /* the "injects" array as given (owned reference), or NULL */
};

#define SIM_END_MARGIN_S 60.0

#endif
