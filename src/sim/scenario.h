/*
 * sim/scenario.h - scenario files: nations, their sensors, launches, a
 * random seed and exercise injects (format: docs/scenario-format.md).
 *
 * A scenario is parsed and validated once; the result is immutable and
 * may be shared by any number of runs (struct sim, sim/sim.h) and threads.
 * Every error names the JSON path of the offending value and what was
 * expected, e.g.
 *   "x.json: $.launches[2].aim.range_km: expected a number > 0, got string"
 */
#ifndef MW_SIM_SCENARIO_H
#define MW_SIM_SCENARIO_H

#include <stdbool.h>
#include <stdint.h>

#include "core/err.h"
#include "core/time.h"

struct sim_scenario; /* opaque, parsed + validated scenario */

/* Limits (a scenario beyond them is rejected with MW_EJSON). */
#define SIM_MAX_NATIONS  16
#define SIM_MAX_SENSORS  64
#define SIM_MAX_LAUNCHES 256
#define SIM_MAX_INJECTS  1024

/*
 * Read, parse and validate a scenario file. Returns 0 and *out (free with
 * sim_scenario_free), or -errno when the file cannot be read, -MW_EJSON
 * for malformed JSON or a value of the wrong shape. Whether each launch
 * is within its class's envelope is found when a run solves it (sim_new_ex
 * names the launch's JSON path). err (may be NULL) gets
 * "path: $.json.path: what was expected".
 */
int sim_scenario_load(const char *path, struct sim_scenario **out, struct mw_errbuf *err);

/* The same from text in memory; name is used in error messages. */
int sim_scenario_parse(const char *json_text, const char *name, struct sim_scenario **out,
                       struct mw_errbuf *err);

void sim_scenario_free(struct sim_scenario *sc);

/* The scenario's random seed ("seed", default 1). */
uint64_t sim_scenario_seed(const struct sim_scenario *sc);

/* Name, start time, end time (0 if the file gives none: the run ends
 * 60 s after the last impact), the exercise flag, and counts. */
const char *sim_scenario_name(const struct sim_scenario *sc);
mw_time_ns sim_scenario_start_ns(const struct sim_scenario *sc);
mw_time_ns sim_scenario_end_ns(const struct sim_scenario *sc);
bool sim_scenario_exercise(const struct sim_scenario *sc);
/* "truth_gravity": "j4": the truth adds EGM96's zonal J3 and J4. */
bool sim_scenario_truth_j4(const struct sim_scenario *sc);
size_t sim_scenario_launch_count(const struct sim_scenario *sc);
size_t sim_scenario_sensor_count(const struct sim_scenario *sc);

#endif
