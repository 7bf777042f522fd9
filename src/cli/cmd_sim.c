/*
 * cli/cmd_sim.c - `mwlink sim SCENARIO`: run the flight and sensor
 * simulator on a scenario file and write truth and observations as
 * NDJSON (docs/scenario-format.md), as fast as it can.
 *
 *   mwlink sim SCENARIO [--out FILE] [--seed N] [--truth-step S] [--quiet]
 *
 * Output is deterministic for a seed (same bytes). A progress bar is drawn
 * on stderr when stderr is a terminal (and not --quiet); a summary line
 * follows. Exit status: 0 ok, 1 the scenario or the run failed (message
 * names the JSON path and what was expected), 2 bad usage.
 *
 * Real-time streaming to a node (--connect HOST:PORT, --speed F) will
 * pace the same sim_next() events against the wall clock; the library
 * never reads a clock, so only this file will change.
 */
#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli/cli.h"
#include "core/err.h"
#include "core/time.h"
#include "sim/scenario.h"
#include "sim/sim.h"

static void sim_usage(FILE *f)
{
	fprintf(f,
	        "usage: mwlink sim SCENARIO.json [options]\n"
	        "  --out FILE        write NDJSON to FILE (default: stdout)\n"
	        "  --seed N          random seed (default: the scenario's \"seed\")\n"
	        "  --truth-step S    seconds between truth samples (default: the scenario's, 1;\n"
	        "                    0: none)\n"
	        "  --quiet           no progress bar or summary on stderr\n"
	        "Format of scenarios and output: docs/scenario-format.md\n");
}

static void progress(double frac, uint64_t n_lines, double elapsed_s)
{
	const int width = 40;
	int fill = (int)(frac * width + 0.5);
	char bar[64];
	for (int i = 0; i < width; i++)
		bar[i] = i < fill ? '#' : '.';
	bar[width] = '\0';
	fprintf(stderr, "\r[%s] %3.0f%%  %" PRIu64 " lines  %.1f s", bar, frac * 100, n_lines,
	        elapsed_s);
	fflush(stderr);
}

int cmd_sim(int argc, char **argv)
{
	const char *path = NULL, *out_path = NULL;
	struct sim_opts opts;
	sim_opts_default(&opts);
	bool quiet = false;
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];
		if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0) {
			sim_usage(stdout);
			return 0;
		} else if (strcmp(a, "--quiet") == 0 || strcmp(a, "-q") == 0) {
			quiet = true;
		} else if (strcmp(a, "--out") == 0 || strcmp(a, "--seed") == 0 ||
		           strcmp(a, "--truth-step") == 0) {
			if (i + 1 >= argc) {
				fprintf(stderr, "mwlink sim: %s needs a value\n", a);
				return 2;
			}
			const char *v = argv[++i];
			char *end = NULL;
			errno = 0;
			if (strcmp(a, "--out") == 0) {
				out_path = v;
			} else if (strcmp(a, "--seed") == 0) {
				unsigned long long s = strtoull(v, &end, 10);
				if (end == v || *end || errno || v[0] == '-') {
					fprintf(
					    stderr,
					    "mwlink sim: --seed: expected an integer in 0..2^64-1, "
					    "got '%s'\n",
					    v);
					return 2;
				}
				opts.seed = s;
			} else {
				double s = strtod(v, &end);
				if (end == v || *end || errno || !isfinite(s) || s < 0 ||
				    s > 3600) {
					fprintf(stderr,
					        "mwlink sim: --truth-step: expected seconds in [0, "
					        "3600], "
					        "got '%s'\n",
					        v);
					return 2;
				}
				opts.truth_step_s = s;
			}
		} else if (a[0] == '-' && a[1]) {
			fprintf(stderr, "mwlink sim: unknown option '%s'\n", a);
			sim_usage(stderr);
			return 2;
		} else if (!path) {
			path = a;
		} else {
			fprintf(stderr, "mwlink sim: more than one scenario given ('%s')\n", a);
			return 2;
		}
	}
	if (!path) {
		fprintf(stderr, "mwlink sim: no scenario file given\n");
		sim_usage(stderr);
		return 2;
	}

	struct mw_errbuf err = {{0}};
	struct sim_scenario *sc = NULL;
	int rc = sim_scenario_load(path, &sc, &err);
	if (rc < 0) {
		fprintf(stderr, "mwlink sim: %s\n", err.msg);
		return 1;
	}
	bool tty = !quiet && isatty(2);
	if (!quiet)
		fprintf(stderr, "mwlink sim: %s: solving and flying %zu launches...\n", path,
		        sim_scenario_launch_count(sc));
	mw_time_ns t0 = mw_time_mono_ns();
	struct sim *s = NULL;
	rc = sim_new_ex(sc, &opts, &s, &err);
	if (rc < 0) {
		fprintf(stderr, "mwlink sim: %s: %s\n", path,
		        err.msg[0] ? err.msg : mw_strerror(rc));
		sim_scenario_free(sc);
		return 1;
	}
	FILE *out = stdout;
	if (out_path && strcmp(out_path, "-") != 0) {
		out = fopen(out_path, "w");
		if (!out) {
			fprintf(stderr, "mwlink sim: --out %s: %s\n", out_path, strerror(errno));
			sim_free(s);
			sim_scenario_free(sc);
			return 1;
		}
	}
	static char obuf[1 << 16];
	setvbuf(out, obuf, _IOFBF, sizeof(obuf));

	char line[SIM_NDJSON_LINE_MAX];
	uint64_t n_lines = 0, n_truth = 0, n_obs = 0, n_fa = 0;
	int status = 0;
	for (size_t i = 0;; i++) {
		int n = sim_ndjson_preamble(s, i, line, sizeof(line));
		if (n <= 0) {
			if (n < 0)
				status = 1;
			break;
		}
		fwrite(line, 1, (size_t)n, out);
		n_lines++;
	}
	mw_time_ns span = sim_end_ns(s) - sim_start_ns(s);
	mw_time_ns last_draw = 0;
	struct sim_event ev;
	while (status == 0 && (rc = sim_next(s, &ev)) == 1) {
		int n = sim_ndjson_event(&ev, line, sizeof(line));
		if (n < 0) {
			fprintf(stderr, "mwlink sim: output line too long\n");
			status = 1;
			break;
		}
		fwrite(line, 1, (size_t)n, out);
		n_lines++;
		if (ev.type == SIM_EV_TRUTH)
			n_truth++;
		else if (ev.obs.truth_id)
			n_obs++;
		else
			n_fa++;
		if (tty && (n_lines & 1023) == 0) {
			mw_time_ns now = mw_time_mono_ns();
			if (now - last_draw > 100 * MW_NS_PER_MS) {
				mw_time_ns t =
				    ev.type == SIM_EV_TRUTH ? ev.truth.t_ns : ev.obs.t_ns;
				progress(span > 0 ? (double)(t - sim_start_ns(s)) / (double)span
				                  : 1,
				         n_lines, mw_time_to_s(now - t0));
				last_draw = now;
			}
		}
	}
	if (rc < 0) {
		fprintf(stderr, "mwlink sim: run failed: %s\n", mw_strerror(rc));
		status = 1;
	}
	if (fflush(out) != 0 || ferror(out)) {
		fprintf(stderr, "mwlink sim: write failed: %s\n", strerror(errno));
		status = 1;
	}
	if (out != stdout)
		fclose(out);
	double wall = mw_time_to_s(mw_time_mono_ns() - t0);
	if (tty)
		progress(1, n_lines, wall);
	if (!quiet)
		fprintf(stderr,
		        "%smwlink sim: %" PRIu64 " lines: %" PRIu64 " truth, %" PRIu64
		        " detections, %" PRIu64 " false alarms; %zu objects, %.0f s simulated "
		        "in %.2f s (seed %" PRIu64 ")\n",
		        tty ? "\n" : "", n_lines, n_truth, n_obs, n_fa, sim_object_count(s),
		        mw_time_to_s(span), wall, sim_seed(s));
	sim_free(s);
	sim_scenario_free(sc);
	return status;
}
