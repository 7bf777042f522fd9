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
 * Feeding a node: with --connect HOST:PORT (or --node-config INI) the
 * observations of one nation's sensors are streamed instead to that
 * nation's node, over TLS, one connection per sensor with that sensor's
 * client certificate (net/sensor_client.h), exactly as real sensors do:
 *
 *   mwlink sim SCENARIO --connect HOST:PORT --ca CA --cert CRT --key KEY
 *              [--sign-key KEY] [--nation XXX] [--speed F | --as-fast-as-possible]
 *              [--keep-times] [--node-config INI]
 *
 * --sign-key (a '{id}' pattern like --cert's) signs every observation with
 * the sensor's own Ed25519 key (Observation.sensor_sig), which a node
 * with [ingest] sensor_keys verifies before journaling.
 *
 * Pacing: an observation of data time t is sent at wall-clock
 * start + (t - t_first) / F (F = --speed, default 1); with F = 0 as fast
 * as the node takes them, its TCP window being the back-pressure (the
 * node stops reading while its journal queue is full). Data times are
 * shifted by one constant so the first observation sent is 'now' (spacing
 * kept: a tracker needs the true intervals), unless --keep-times.
 * Truth samples are never sent. The exercise rule is in
 * feed_check_exercise(). The library never reads a clock; only this file
 * paces.
 *
 * Invariants of the feed:
 *  1. Only observations of the chosen nation's fed sensors are sent, each
 *     on the connection of its own sensor's certificate.
 *  2. Every observation of an exercise scenario is sent with
 *     Observation.exercise = true (each connection is marked exercise),
 *     so the node journals it as exercise data whatever its [ingest]
 *     exercise setting; with --node-config, an exercise scenario is
 *     still refused for a node configured live (defence in depth).
 *  3. Observations are sent in sim_next() order, never dropped: a write
 *     that cannot complete within FEED_SEND_TIMEOUT_MS fails the run.
 *  4. Paced (F > 0), everything of one data time is written to the
 *     sockets before anything of a later data time is queued, so no
 *     sensor's frames wait behind another's, even when the feed runs
 *     behind schedule; only as fast as possible (F = 0) fills 16 KiB
 *     buffers.
 */
#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <signal.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cli/cli.h"
#include "core/err.h"
#include "core/time.h"
#include "sim/scenario.h"
#include "sim/sim.h"
#include "net/nodeconf.h"
#include "net/pki.h"
#include "net/sensor_client.h"
#include "net/tls.h"

static void sim_usage(FILE *f)
{
	fprintf(f,
	        "usage: mwlink sim SCENARIO.json [options]\n"
	        "  --out FILE        write NDJSON to FILE (default: stdout)\n"
	        "  --seed N          random seed (default: the scenario's \"seed\")\n"
	        "  --truth-step S    seconds between truth samples (default: the scenario's, 1;\n"
	        "                    0: none)\n"
	        "  --quiet           no progress bar or summary on stderr\n"
	        "Feeding a node (instead of writing NDJSON):\n"
	        "  --connect HOST:PORT  the node's sensor ingest port ([listen] ingest)\n"
	        "  --cert CRT --key KEY sensor client certificate and key; a '{id}' in both\n"
	        "                    is replaced by each sensor number (one connection per\n"
	        "                    sensor of --nation), e.g. run/pki/kor/sensor-{id}.crt;\n"
	        "                    without it, only that certificate's sensor is fed\n"
	        "  --ca CA           CA the node's certificate must chain to\n"
	        "  --sign-key KEY    sign each observation with the sensor's signing key\n"
	        "                    ('{id}' as in --cert), e.g. run/pki/kor/sensor-{id}.sign.key\n"
	        "  --nation XXX      whose sensors to feed (default: the certificate's or\n"
	        "                    the --node-config's nation)\n"
	        "  --speed F         play F times faster than real time (default 1);\n"
	        "                    0: as fast as the node takes them (back-pressure)\n"
	        "  --as-fast-as-possible   same as --speed 0\n"
	        "  --keep-times      send the scenario's own data times (default: shift them\n"
	        "                    so the first observation sent is 'now')\n"
	        "  --node-config INI the node's configuration: refuses an exercise scenario\n"
	        "                    for a node with [ingest] exercise = no, and gives\n"
	        "                    defaults for --connect, --ca, --nation. An exercise\n"
	        "                    scenario's observations carry exercise = true and the\n"
	        "                    node keeps them as exercise data, so it is not required\n"
	        "Format of scenarios and output: docs/scenario-format.md; feeding a node:\n"
	        "docs/operations.md\n");
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

/* Options of the --connect mode. */
struct sim_feed_opts {
	const char *connect, *ca, *cert, *key, *sign_key, *nation, *node_config;
	double speed; /* 0: as fast as possible */
	bool keep_times;
	bool speed_given;
};

/* Where to feed, settled by sim_feed_prepare(). */
struct sim_feed_target {
	char connect[300];
	char ca[NET_PATH_MAX];
	char nation[MW_NATION_LEN];
	bool exercise; /* the scenario is an exercise: mark every observation */
};

/* ---- --connect: feed a node's ingest port in (scaled) real time ---- */

#define FEED_SEND_TIMEOUT_MS 30000 /* a node that takes nothing this long is stuck */
#define FEED_CHECK_WAIT_MS   300   /* time for a node to refuse a sensor after the handshake */

struct feed_sensor {
	uint32_t id;
	char cert[512], key[512], sign_key[512]; /* sign_key "": unsigned */
	struct net_sensor_conn *conn;
	uint64_t n;
};

/* Copy pattern to out with every "{id}" replaced by id. -1 if too long. */
static int subst_id(const char *pattern, uint32_t id, char *out, size_t cap)
{
	size_t o = 0;
	for (const char *p = pattern; *p;) {
		if (strncmp(p, "{id}", 4) == 0) {
			int n = snprintf(out + o, cap - o, "%" PRIu32, id);
			if (n < 0 || (size_t)n >= cap - o)
				return -1;
			o += (size_t)n;
			p += 4;
		} else {
			if (o + 1 >= cap)
				return -1;
			out[o++] = *p++;
		}
	}
	out[o] = '\0';
	return 0;
}

static int cert_identity(const char *path, struct net_cert_identity *id)
{
	struct mw_errbuf err = {{0}};
	X509 *x = NULL;
	int rc = net_pki_read_cert(path, &x, &err);
	if (rc == 0)
		rc = net_pki_cert_identity(x, id, &err);
	X509_free(x);
	if (rc)
		fprintf(stderr, "mwlink sim: %s\n", err.msg);
	return rc;
}

static void feed_progress(double frac, uint64_t sent, double data_s, double wall_s)
{
	const int width = 30;
	int fill = (int)(frac * width + 0.5);
	char bar[64];
	for (int i = 0; i < width; i++)
		bar[i] = i < fill ? '#' : '.';
	bar[width] = '\0';
	fprintf(stderr, "\r[%s] %3.0f%%  sent %" PRIu64 "  data +%.0f s  wall %.1f s ", bar,
	        frac * 100, sent, data_s, wall_s);
	fflush(stderr);
}

static void sleep_until_mono(mw_time_ns t)
{
	for (;;) {
		mw_time_ns d = t - mw_time_mono_ns();
		if (d <= 0)
			return;
		struct timespec ts = {(time_t)(d / MW_NS_PER_S), (long)(d % MW_NS_PER_S)};
		nanosleep(&ts, NULL);
	}
}

/*
 * The exercise rule (design invariant 6): every Observation of an
 * exercise scenario carries exercise = true (sim_feed marks each sensor
 * connection), and the node makes an exercise envelope of it whatever
 * its [ingest] exercise setting; a partner receiving a real envelope
 * around an exercise-declared observation rejects it
 * (exercise_mismatch). So the flag travels with the data and no client
 * check is needed for safety. This function is defence in depth: when
 * --node-config shows that the node is configured live, an exercise
 * scenario is refused anyway (pointing a simulator at a live node is a
 * mistake, even though the data would stay exercise data; and a node
 * older than the Observation.exercise field would ignore it). A scenario
 * that is not an exercise may feed either kind of node (an exercise node
 * marks its data exercise: the safe direction).
 */
static int feed_check_exercise(const char *path, const struct sim_scenario *sc,
                               const struct net_node_conf *nc, const char *node_config, bool quiet)
{
	bool ex = sim_scenario_exercise(sc);
	if (ex && !nc) {
		if (!quiet)
			fprintf(stderr,
			        "mwlink sim: note: %s is an exercise scenario: every observation "
			        "is sent with exercise = true and the node journals it as "
			        "exercise data\n",
			        path);
		return 0;
	}
	if (ex && !nc->ingest_exercise) {
		fprintf(stderr,
		        "mwlink sim: %s is an exercise scenario but node %s (%s) has "
		        "[ingest] exercise = no: refusing to feed simulated data to a live "
		        "node (set exercise = yes in [ingest] for a simulator-driven "
		        "exercise)\n",
		        path, nc->name, node_config);
		return 1;
	}
	if (!quiet && !ex) {
		if (nc && nc->ingest_exercise)
			fprintf(stderr,
			        "mwlink sim: note: %s is not flagged exercise; node %s has "
			        "[ingest] exercise = yes and journals it as exercise data\n",
			        path, nc->name);
		else
			fprintf(stderr,
			        "mwlink sim: note: %s is not flagged exercise: the node journals "
			        "these simulated observations as live data unless its [ingest] "
			        "exercise = yes\n",
			        path);
	}
	return 0;
}

/*
 * Before flying anything: load --node-config, settle --connect, --ca and
 * the nation, and apply the exercise rule. 0, 1 (refused) or 2 (usage).
 */
static int sim_feed_prepare(const char *path, const struct sim_scenario *sc,
                            const struct sim_feed_opts *fo, bool quiet, struct sim_feed_target *t)
{
	struct mw_errbuf err = {{0}};
	struct net_node_conf *nc = NULL;
	int status = 1;
	char *connect = t->connect, *ca = t->ca, *nation = t->nation;
	size_t connect_cap = sizeof(t->connect), ca_cap = sizeof(t->ca);
	if (fo->node_config) {
		nc = calloc(1, sizeof(*nc));
		if (!nc || net_conf_load(nc, fo->node_config, &err) != 0) {
			fprintf(stderr, "mwlink sim: --node-config: %s\n",
			        nc ? err.msg : "out of memory");
			goto done;
		}
		if (!nc->listen_ingest.port) {
			fprintf(stderr,
			        "mwlink sim: --node-config %s: the node has no ingest port\n",
			        fo->node_config);
			goto done;
		}
		snprintf(connect, connect_cap, "%s:%u", nc->listen_ingest.host,
		         (unsigned)nc->listen_ingest.port);
		snprintf(ca, ca_cap, "%s", nc->ca);
		memcpy(nation, nc->nation, MW_NATION_LEN);
		if (fo->nation && strcmp(fo->nation, nc->nation) != 0) {
			fprintf(stderr,
			        "mwlink sim: --nation %s, but node %s (%s) is of nation %s and "
			        "ingests only its own sensors\n",
			        fo->nation, nc->name, fo->node_config, nc->nation);
			goto done;
		}
		if (fo->connect) {
			struct net_addr a;
			if (net_addr_parse(fo->connect, &a) != 0 ||
			    a.port != nc->listen_ingest.port) {
				fprintf(stderr,
				        "mwlink sim: --connect %s is not the ingest port (%s) of "
				        "--node-config %s\n",
				        fo->connect, connect, fo->node_config);
				goto done;
			}
		}
	}
	if (fo->connect)
		snprintf(connect, connect_cap, "%s", fo->connect);
	if (fo->ca)
		snprintf(ca, ca_cap, "%s", fo->ca);
	if (fo->nation)
		memcpy(nation, fo->nation, MW_NATION_LEN);
	if (!connect[0] || !ca[0]) {
		fprintf(stderr, "mwlink sim: feeding a node needs --connect HOST:PORT and --ca CA "
		                "(or --node-config INI)\n");
		status = 2;
		goto done;
	}
	if (feed_check_exercise(path, sc, nc, fo->node_config, quiet))
		goto done;
	t->exercise = sim_scenario_exercise(sc);

	status = 0;
done:
	free(nc);
	return status;
}

static int sim_feed(const char *path, struct sim *s, const struct sim_feed_opts *fo,
                    struct sim_feed_target *t, bool quiet)
{
	int status = 1;
	struct feed_sensor *fs = NULL;
	size_t n_fs = 0;
	const char *connect = t->connect, *ca = t->ca;
	char *nation = t->nation;
	struct mw_errbuf err = {{0}};

	/* Which sensors: every sensor of the nation ({id} pattern), or the one
	 * the certificate names. */
	bool pattern = strstr(fo->cert, "{id}") != NULL;
	if (pattern != (strstr(fo->key, "{id}") != NULL) ||
	    (fo->sign_key && pattern != (strstr(fo->sign_key, "{id}") != NULL))) {
		fprintf(stderr, "mwlink sim: --cert, --key (and --sign-key) must all contain "
		                "'{id}' or none\n");
		status = 2;
		goto done;
	}
	struct net_cert_identity single;
	memset(&single, 0, sizeof(single));
	if (!pattern) {
		if (cert_identity(fo->cert, &single))
			goto done;
		if (!single.is_sensor) {
			fprintf(stderr, "mwlink sim: %s is not a sensor certificate\n", fo->cert);
			goto done;
		}
		if (nation[0] && strcmp(nation, single.nation) != 0) {
			fprintf(stderr, "mwlink sim: %s is a sensor of %s, not of %s\n", fo->cert,
			        single.nation, nation);
			goto done;
		}
		memcpy(nation, single.nation, MW_NATION_LEN);
	}
	if (!nation[0]) {
		fprintf(stderr, "mwlink sim: which nation's sensors? give --nation XXX (a '{id}' "
		                "certificate pattern does not say)\n");
		status = 2;
		goto done;
	}
	size_t ns = sim_sensor_count(s);
	fs = calloc(ns ? ns : 1, sizeof(*fs));
	if (!fs) {
		fprintf(stderr, "mwlink sim: out of memory\n");
		goto done;
	}
	for (size_t i = 0; i < ns; i++) {
		struct sim_sensor_info si;
		if (sim_sensor_info(s, i, &si) || strcmp(si.nation, nation) != 0)
			continue;
		if (!pattern && si.id != single.sensor_id)
			continue;
		struct feed_sensor *f = &fs[n_fs];
		f->id = si.id;
		if (!pattern) {
			snprintf(f->cert, sizeof(f->cert), "%s", fo->cert);
			snprintf(f->key, sizeof(f->key), "%s", fo->key);
			snprintf(f->sign_key, sizeof(f->sign_key), "%s",
			         fo->sign_key ? fo->sign_key : "");
		} else if (subst_id(fo->cert, si.id, f->cert, sizeof(f->cert)) ||
		           subst_id(fo->key, si.id, f->key, sizeof(f->key)) ||
		           subst_id(fo->sign_key ? fo->sign_key : "", si.id, f->sign_key,
		                    sizeof(f->sign_key))) {
			fprintf(stderr, "mwlink sim: --cert/--key/--sign-key: path too long\n");
			goto done;
		}
		n_fs++;
	}
	if (n_fs == 0) {
		if (pattern)
			fprintf(stderr, "mwlink sim: %s has no sensor of nation %s\n", path,
			        nation);
		else
			fprintf(stderr,
			        "mwlink sim: %s has no sensor %s/%" PRIu32 " (the sensor of %s)\n",
			        path, nation, single.sensor_id, fo->cert);
		goto done;
	}
	/* Check every certificate before connecting: a clear message here beats
	 * a node closing the connection without a word. */
	for (size_t i = 0; i < n_fs; i++) {
		struct net_cert_identity id;
		if (cert_identity(fs[i].cert, &id)) {
			if (pattern && access(fs[i].cert, F_OK) != 0) {
				uint32_t top = 0;
				for (size_t k = 0; k < n_fs; k++)
					top = fs[k].id > top ? fs[k].id : top;
				fprintf(
				    stderr,
				    "mwlink sim: the scenario has %zu sensors of %s, numbered up "
				    "to %" PRIu32 ": each needs its certificate (mwlink keys "
				    "--sensors %" PRIu32 " makes sensor-1..%" PRIu32 ")\n",
				    n_fs, nation, top, top, top);
			}
			goto done;
		}
		if (!id.is_sensor || strcmp(id.nation, nation) != 0 || id.sensor_id != fs[i].id) {
			fprintf(stderr,
			        "mwlink sim: %s is the certificate of %s, not of sensor %s/%" PRIu32
			        "\n",
			        fs[i].cert, id.cn, nation, fs[i].id);
			goto done;
		}
	}
	signal(SIGPIPE, SIG_IGN);
	for (size_t i = 0; i < n_fs; i++) {
		SSL_CTX *ctx = NULL;
		if (net_tls_ctx_new(ca, fs[i].cert, fs[i].key, &ctx, &err)) {
			fprintf(stderr, "mwlink sim: sensor %s/%" PRIu32 ": %s\n", nation, fs[i].id,
			        err.msg);
			goto done;
		}
		int rc = net_sensor_connect(connect, ctx, FEED_SEND_TIMEOUT_MS, &fs[i].conn, &err);
		SSL_CTX_free(ctx); /* the connection keeps its own reference */
		if (rc == 0)
			net_sensor_set_exercise(fs[i].conn, t->exercise);
		if (rc == 0 && fs[i].sign_key[0] &&
		    (rc = net_sensor_sign_with(fs[i].conn, fs[i].sign_key, nation, &err)) != 0) {
			fprintf(stderr, "mwlink sim: sensor %s/%" PRIu32 ": %s\n", nation, fs[i].id,
			        err.msg);
			goto done;
		}
		if (rc) {
			fprintf(stderr, "mwlink sim: sensor %s/%" PRIu32 ": %s%s\n", nation,
			        fs[i].id, err.msg,
			        rc == -ECONNREFUSED ? " (is the node running, and is this its "
			                              "[listen] ingest address?)"
			                            : "");
			goto done;
		}
	}
	for (size_t i = 0; i < n_fs; i++) {
		if (net_sensor_check(fs[i].conn, i == 0 ? FEED_CHECK_WAIT_MS : 0, &err)) {
			fprintf(stderr, "mwlink sim: sensor %s/%" PRIu32 " (%s) at %s: %s\n",
			        nation, fs[i].id, fs[i].cert, connect, err.msg);
			goto done;
		}
	}
	if (!quiet) {
		fprintf(stderr, "mwlink sim: feeding %zu sensor%s of %s to %s (", n_fs,
		        n_fs == 1 ? "" : "s", nation, connect);
		if (fo->speed > 0)
			fprintf(stderr, "%gx real time", fo->speed);
		else
			fprintf(stderr, "as fast as the node takes them");
		fprintf(stderr, ", %s)\n",
		        fo->keep_times ? "the scenario's own data times"
		                       : "data times shifted so the first observation is now");
	}

	bool tty = !quiet && isatty(2);
	mw_time_ns span = sim_end_ns(s) - sim_start_ns(s);
	mw_time_ns t_first = 0, t_last = INT64_MIN, shift = 0, mono0 = mw_time_mono_ns(),
	           last_draw = 0, last_check = mono0;
	uint64_t sent = 0;
	uint32_t bad = 0; /* the sensor whose connection failed */
	bool first = true;
	struct sim_event ev;
	int rc;
	while ((rc = sim_next(s, &ev)) == 1) {
		if (ev.type != SIM_EV_OBS || strcmp(ev.obs.nation, nation) != 0)
			continue;
		size_t fi = 0;
		while (fi < n_fs && fs[fi].id != ev.obs.sensor_id)
			fi++;
		if (fi == n_fs)
			continue; /* a sensor this run does not feed */
		if (first) {
			first = false;
			t_first = ev.obs.t_ns;
			mono0 = mw_time_mono_ns();
			shift = fo->keep_times ? 0 : mw_time_now_ns() - t_first;
		}
		mw_time_ns now = mw_time_mono_ns();
		if (fo->speed > 0 && ev.obs.t_ns != t_last) {
			/* A sensor reports what it measured when it measured it:
			 * what is buffered from an earlier data time leaves now,
			 * late or not. (Flushing only before a sleep let a feed
			 * that ran behind schedule hold a quiet sensor's frames
			 * until 16 KiB filled: the node saw data up to minutes
			 * of data time out of order at 100x.) */
			for (size_t i = 0; i < n_fs; i++) {
				bad = fs[i].id;
				if (net_sensor_flush(fs[i].conn, &err))
					goto lost;
			}
		}
		t_last = ev.obs.t_ns;
		if (fo->speed > 0) {
			mw_time_ns due =
			    mono0 + (mw_time_ns)((double)(ev.obs.t_ns - t_first) / fo->speed);
			if (due > now) {
				for (size_t i = 0; i < n_fs; i++) {
					bad = fs[i].id;
					if (net_sensor_flush(fs[i].conn, &err))
						goto lost;
				}
				sleep_until_mono(due);
				now = mw_time_mono_ns();
			}
		}
		if (now - last_check > MW_NS_PER_S) {
			last_check = now;
			for (size_t i = 0; i < n_fs; i++) {
				bad = fs[i].id;
				if (net_sensor_check(fs[i].conn, 0, &err))
					goto lost;
			}
		}
		struct mw_obs o = ev.obs;
		o.t_ns += shift;
		bad = fs[fi].id;
		if (net_sensor_send(fs[fi].conn, &o, &err))
			goto lost;
		fs[fi].n++;
		sent++;
		if (tty && now - last_draw > 100 * MW_NS_PER_MS) {
			feed_progress(
			    span > 0 ? (double)(ev.obs.t_ns - sim_start_ns(s)) / (double)span : 1,
			    sent, mw_time_to_s(ev.obs.t_ns - t_first), mw_time_to_s(now - mono0));
			last_draw = now;
		}
	}
	if (rc < 0) {
		fprintf(stderr, "%smwlink sim: run failed: %s\n", tty ? "\n" : "", mw_strerror(rc));
		goto done;
	}
	for (size_t i = 0; i < n_fs; i++) {
		bad = fs[i].id;
		if (net_sensor_flush(fs[i].conn, &err))
			goto lost;
	}
	/* a last look: did the node close any connection while we wrote? */
	for (size_t i = 0; i < n_fs; i++) {
		bad = fs[i].id;
		if (net_sensor_check(fs[i].conn, 0, &err))
			goto lost;
	}
	double wall = mw_time_to_s(mw_time_mono_ns() - mono0);
	if (tty)
		feed_progress(1, sent, mw_time_to_s(span), wall);
	if (!quiet) {
		fprintf(stderr,
		        "%smwlink sim: sent %" PRIu64 " observations of %s to %s in %.2f s:",
		        tty ? "\n" : "", sent, nation, connect, wall);
		for (size_t i = 0; i < n_fs; i++)
			fprintf(stderr, " sensor %" PRIu32 " %" PRIu64 "%s", fs[i].id, fs[i].n,
			        i + 1 < n_fs ? "," : "");
		fprintf(stderr, "; data times shifted by %+.3f s\n", mw_time_to_s(shift));
	}
	printf("sent %" PRIu64 "\n", sent);
	fflush(stdout);
	status = 0;
	goto done;
lost:
	fprintf(stderr,
	        "%smwlink sim: sensor %s/%" PRIu32 " at %s: %s; %" PRIu64
	        " observations had been queued\n",
	        tty ? "\n" : "", nation, bad, connect, err.msg, sent);
done:
	for (size_t i = 0; i < n_fs; i++)
		net_sensor_close(fs[i].conn);
	free(fs);
	return status;
}

int cmd_sim(int argc, char **argv)
{
	const char *path = NULL, *out_path = NULL;
	struct sim_opts opts;
	sim_opts_default(&opts);
	struct sim_feed_opts feed = {.speed = 1};
	bool quiet = false;
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];
		if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0) {
			sim_usage(stdout);
			return 0;
		} else if (strcmp(a, "--quiet") == 0 || strcmp(a, "-q") == 0) {
			quiet = true;
		} else if (strcmp(a, "--as-fast-as-possible") == 0) {
			feed.speed = 0;
			feed.speed_given = true;
		} else if (strcmp(a, "--keep-times") == 0) {
			feed.keep_times = true;
		} else if (strcmp(a, "--connect") == 0 || strcmp(a, "--ca") == 0 ||
		           strcmp(a, "--cert") == 0 || strcmp(a, "--key") == 0 ||
		           strcmp(a, "--sign-key") == 0 || strcmp(a, "--nation") == 0 ||
		           strcmp(a, "--node-config") == 0 || strcmp(a, "--speed") == 0) {
			if (i + 1 >= argc) {
				fprintf(stderr, "mwlink sim: %s needs a value\n", a);
				return 2;
			}
			const char *v = argv[++i];
			if (strcmp(a, "--connect") == 0) {
				feed.connect = v;
			} else if (strcmp(a, "--ca") == 0) {
				feed.ca = v;
			} else if (strcmp(a, "--cert") == 0) {
				feed.cert = v;
			} else if (strcmp(a, "--key") == 0) {
				feed.key = v;
			} else if (strcmp(a, "--sign-key") == 0) {
				feed.sign_key = v;
			} else if (strcmp(a, "--node-config") == 0) {
				feed.node_config = v;
			} else if (strcmp(a, "--nation") == 0) {
				if (!net_nation_valid(v)) {
					fprintf(
					    stderr,
					    "mwlink sim: --nation: expected an ISO 3166-1 alpha-3 "
					    "code such as KOR, got '%s'\n",
					    v);
					return 2;
				}
				feed.nation = v;
			} else {
				char *end = NULL;
				errno = 0;
				double sp = strtod(v, &end);
				if (end == v || *end || errno || !isfinite(sp) || sp < 0 ||
				    sp > 1e6) {
					fprintf(
					    stderr,
					    "mwlink sim: --speed: expected a factor in [0, 1e6] "
					    "(0: as fast as possible), got '%s'\n",
					    v);
					return 2;
				}
				feed.speed = sp;
				feed.speed_given = true;
			}
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
	bool feeding = feed.connect || feed.cert || feed.key || feed.node_config || feed.ca;
	if (!feeding && (feed.speed_given || feed.keep_times || feed.nation || feed.sign_key)) {
		fprintf(stderr, "mwlink sim: --speed, --keep-times, --nation and --sign-key apply "
		                "only with --connect\n");
		return 2;
	}
	if (feeding && out_path) {
		fprintf(stderr, "mwlink sim: --out and --connect do not go together (run the "
		                "simulator twice with the same seed to get both)\n");
		return 2;
	}
	if (feeding && (!feed.cert || !feed.key)) {
		fprintf(stderr, "mwlink sim: --connect needs the sensor certificate and key "
		                "(--cert and --key)\n");
		return 2;
	}

	struct mw_errbuf err = {{0}};
	struct sim_scenario *sc = NULL;
	int rc = sim_scenario_load(path, &sc, &err);
	if (rc < 0) {
		fprintf(stderr, "mwlink sim: %s\n", err.msg);
		return 1;
	}
	struct sim_feed_target target;
	memset(&target, 0, sizeof(target));
	if (feeding && (rc = sim_feed_prepare(path, sc, &feed, quiet, &target)) != 0) {
		sim_scenario_free(sc);
		return rc;
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
	if (feeding) {
		int st = sim_feed(path, s, &feed, &target, quiet);
		sim_free(s);
		sim_scenario_free(sc);
		return st;
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
