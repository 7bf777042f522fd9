/*
 * fuzz/fuzz_scenario.c - fuzz target for the scenario parser
 * (sim_scenario_parse, sim/scenario.c).
 *
 * Built as a libFuzzer target with -Dfuzz=true (clang), or, by default, as
 * a corpus-replay program (MW_FUZZ_REPLAY) that `make test` runs over
 * fuzz/corpus/scenario/ under ASan+UBSan. Checks, beyond "no crash":
 * a failing parse leaves *out untouched and says something naming the
 * document; a successful one gives a scenario whose counts are within
 * the documented limits.
 */
#include <dirent.h>
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

#ifdef MW_FUZZ_REPLAY
/* Replay every file of the corpus directories given as arguments. */
int main(int argc, char **argv)
{
	size_t n = 0;
	for (int i = 1; i < argc; i++) {
		DIR *d = opendir(argv[i]);
		if (!d) {
			fprintf(stderr, "fuzz-scenario: cannot open %s\n", argv[i]);
			return 1;
		}
		struct dirent *e;
		while ((e = readdir(d))) {
			if (e->d_name[0] == '.')
				continue;
			char path[4096];
			snprintf(path, sizeof(path), "%s/%s", argv[i], e->d_name);
			FILE *f = fopen(path, "rb");
			if (!f)
				continue;
			static uint8_t buf[1 << 20];
			size_t len = fread(buf, 1, sizeof(buf), f);
			fclose(f);
			LLVMFuzzerTestOneInput(buf, len);
			n++;
		}
		closedir(d);
	}
	printf("fuzz-scenario: replayed %zu inputs\n", n);
	return n > 0 ? 0 : 1;
}
#endif
