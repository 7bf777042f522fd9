/*
 * bench/bench_sim.c - `make bench-sim`: how many simulated seconds the
 * simulator produces per wall-clock second on one core, for a scenario
 * (default: examples/scenarios/mixed-exercise.json, 20 launches, all 14
 * sensors), against the target of 1,000 x real time (issue 3).
 *
 * It times, in one process and one thread:
 *   setup    sim_new(): every launch solved (apogee, range) and flown
 *   events   sim_next() over the whole scenario (truth + observations)
 *   ndjson   the same events rendered as NDJSON lines (what `mwlink sim`
 *            writes), into a buffer that is discarded
 * and prints simulated seconds / wall seconds for the end-to-end run
 * (setup + events + ndjson) and for the event stream alone, each with its
 * ratio to the target. Repeats the run REPS times and reports the best.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/err.h"
#include "core/time.h"
#include "sim/scenario.h"
#include "sim/sim.h"

#define TARGET_X 1000.0

int main(int argc, char **argv)
{
	const char *path = argc > 1 ? argv[1] : "examples/scenarios/mixed-exercise.json";
	int reps = argc > 2 ? atoi(argv[2]) : 3;
	if (reps < 1)
		reps = 1;
	struct sim_scenario *sc = NULL;
	struct mw_errbuf err = {{0}};
	if (sim_scenario_load(path, &sc, &err) < 0) {
		fprintf(stderr, "bench_sim: %s\n", err.msg);
		return 1;
	}
	double best_setup = 1e30, best_events = 1e30, best_ndjson = 1e30, best_total = 1e30;
	double span_s = 0;
	uint64_t n_events = 0, n_bytes = 0;
	for (int r = 0; r < reps; r++) {
		mw_time_ns t0 = mw_time_mono_ns();
		struct sim *s = NULL;
		if (sim_new_ex(sc, NULL, &s, &err) < 0) {
			fprintf(stderr, "bench_sim: %s\n", err.msg);
			sim_scenario_free(sc);
			return 1;
		}
		mw_time_ns t1 = mw_time_mono_ns();
		span_s = mw_time_to_s(sim_end_ns(s) - sim_start_ns(s));
		struct sim_event ev;
		uint64_t n = 0;
		while (sim_next(s, &ev) == 1)
			n++;
		mw_time_ns t2 = mw_time_mono_ns();
		sim_free(s);
		/* second pass with NDJSON rendering (a fresh run gives the same events) */
		struct sim *s2 = NULL;
		mw_time_ns t3 = mw_time_mono_ns();
		if (sim_new_ex(sc, NULL, &s2, &err) < 0) {
			sim_scenario_free(sc);
			return 1;
		}
		mw_time_ns t4 = mw_time_mono_ns();
		char line[SIM_NDJSON_LINE_MAX];
		uint64_t bytes = 0;
		int k;
		for (size_t i = 0; (k = sim_ndjson_preamble(s2, i, line, sizeof(line))) > 0; i++)
			bytes += (uint64_t)k;
		while (sim_next(s2, &ev) == 1) {
			k = sim_ndjson_event(&ev, line, sizeof(line));
			if (k > 0)
				bytes += (uint64_t)k;
		}
		mw_time_ns t5 = mw_time_mono_ns();
		sim_free(s2);
		double setup = mw_time_to_s(t1 - t0), events = mw_time_to_s(t2 - t1);
		double ndjson = mw_time_to_s(t5 - t4);
		double total = mw_time_to_s(t4 - t3) + ndjson;
		if (setup < best_setup)
			best_setup = setup;
		if (events < best_events)
			best_events = events;
		if (ndjson < best_ndjson)
			best_ndjson = ndjson;
		if (total < best_total)
			best_total = total;
		n_events = n;
		n_bytes = bytes;
	}
	printf("bench-sim: %s\n", path);
	printf("  scenario: %zu launches, %zu sensors, %.0f s simulated, %" PRIu64
	       " events, %.1f MB NDJSON\n",
	       sim_scenario_launch_count(sc), sim_scenario_sensor_count(sc), span_s, n_events,
	       (double)n_bytes / 1e6);
	printf("  best of %d: setup (solve + fly) %.3f s, events %.3f s, events + NDJSON %.3f s\n",
	       reps, best_setup, best_events, best_ndjson);
	double x_total = span_s / best_total, x_events = span_s / best_events;
	printf("  end to end (setup + events + NDJSON): %.0f simulated s per wall s = %.2f x the "
	       "%.0fx target\n",
	       x_total, x_total / TARGET_X, TARGET_X);
	printf("  event stream alone (sim_next):        %.0f simulated s per wall s = %.2f x the "
	       "%.0fx target\n",
	       x_events, x_events / TARGET_X, TARGET_X);
	printf("  %s\n", x_total >= TARGET_X ? "TARGET MET" : "TARGET NOT MET");
	sim_scenario_free(sc);
	return 0;
}
