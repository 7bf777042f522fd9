/*
 * fuzz/fuzz_scenario.c - fuzz target for the scenario parser
 * (sim_scenario_parse, sim/scenario.c).
 *
 * Built as a libFuzzer target with -Dfuzz=true (clang), or, by default,
 * with fuzz/replay.c as replay-scenario, which `make test` runs over
 * fuzz/corpus/scenario/ under ASan+UBSan. Checks, beyond "no crash":
 * a failing parse leaves *out untouched and says something naming the
 * document; a successful one gives a scenario whose counts are within
 * the documented limits.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/err.h"
#include "sim/scenario.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *text = malloc(size + 1);
	if (!text)
		return 0;
	memcpy(text, data, size);
	text[size] = '\0';
	struct sim_scenario *sentinel = (struct sim_scenario *)&text; /* any non-NULL */
	struct sim_scenario *sc = sentinel;
	struct mw_errbuf err = {{0}};
	int rc = sim_scenario_parse(text, "fuzz", &sc, &err);
	if (rc < 0) {
		if (sc != sentinel || strncmp(err.msg, "fuzz", 4) != 0)
			abort();
	} else {
		if (sim_scenario_launch_count(sc) > SIM_MAX_LAUNCHES ||
		    sim_scenario_sensor_count(sc) > SIM_MAX_SENSORS || sim_scenario_seed(sc) == 0)
			abort();
		sim_scenario_free(sc);
	}
	free(text);
	return 0;
}
