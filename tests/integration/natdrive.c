/*
 * tests/integration/natdrive.c - driver for the national-tracking
 * integration test (run.py national). Three modes:
 *
 *   natdrive feed SCENARIO SEED NATION HOST:PORT PKI SPEED
 *       Run the simulator (sim/) and stream every observation of
 *       NATION's sensors to the node's ingest port, one TLS connection per
 *       sensor with that sensor's certificate (PKI/<nat>/sensor-<id>.crt),
 *       in simulation time order, paced at SPEED times real time (0 = as
 *       fast as possible). Prints "sent N" at the end.
 *
 *   natdrive check SCENARIO SEED JOURNAL KEYDIR ORIGIN
 *       Read a node's journal file; for every TRACK envelope of ORIGIN
 *       print one JSON line: seq, exercise, whether the origin signature
 *       verifies against KEYDIR/<NAT>.pub, the decoded track, the distance
 *       from its position to the nearest simulated object's true position
 *       at the track's time (err_m) and, when it carries an impact
 *       prediction, the distance from the predicted to that object's true
 *       impact point (impact_err_m), and the payload in hex.
 *
 *   natdrive replay JOURNAL NATION
 *       Feed every record of JOURNAL through a fresh national tracker
 *       (net/national.h, default configuration) and print one line per
 *       emitted Track payload: "<exercise 0|1> <data_t_ns> <hex>". Compared
 *       by run.py with the TRACK envelopes the node journaled: replaying
 *       a journal must give the same tracks, byte for byte.
 */
#include <errno.h>
#include <math.h>
#include <netdb.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <openssl/err.h>
#include <openssl/ssl.h>

#include "core/buf.h"
#include "core/time.h"
#include "geo/geo.h"
#include "net/sensor_client.h"
#include "net/national.h"
#include "net/node.h"
#include "net/tls.h"
#include "sim/scenario.h"
#include "sim/sim.h"
#include "store/journal.h"
#include "wire/envelope.h"
#include "wire/frame.h"
#include "wire/payload.h"

#define MAX_SENSORS 16

static void hex(const uint8_t *p, size_t n)
{
	for (size_t i = 0; i < n; i++)
		printf("%02x", p[i]);
}

static int load_sim(const char *path, const char *seed_s, struct sim_scenario **sc, struct sim **s)
{
	struct mw_errbuf err = {{0}};
	if (sim_scenario_load(path, sc, &err) != 0) {
		fprintf(stderr, "natdrive: %s: %s\n", path, err.msg);
		return -1;
	}
	struct sim_opts so;
	sim_opts_default(&so);
	so.seed = strtoull(seed_s, NULL, 10);
	if (sim_new_ex(*sc, &so, s, &err) != 0) {
		fprintf(stderr, "natdrive: sim: %s\n", err.msg);
		return -1;
	}
	return 0;
}

/* ------------------------------------------------------------------ feed */

struct sconn {
	uint32_t id;
	int fd;
	SSL_CTX *ctx;
	SSL *ssl;
};

static int feed(char **a)
{
	const char *nation = a[2], *addr = a[3], *pki = a[4];
	double speed = strtod(a[5], NULL);
	struct sim_scenario *sc = NULL;
	struct sim *s = NULL;
	struct sconn cs[MAX_SENSORS];
	size_t nc = 0;
	int rc = 1;
	long sent = 0;
	struct mw_buf out;
	mw_buf_init(&out, 1u << 16);
	signal(SIGPIPE, SIG_IGN);
	if (load_sim(a[0], a[1], &sc, &s) != 0)
		goto done;
	char low[4] = {0};
	for (int i = 0; i < 3; i++)
		low[i] = (char)(nation[i] - 'A' + 'a');
	for (size_t i = 0; i < sim_sensor_count(s) && nc < MAX_SENSORS; i++) {
		struct sim_sensor_info si;
		if (sim_sensor_info(s, i, &si) != 0 || strcmp(si.nation, nation) != 0)
			continue;
		char ca[600], crt[600], key[600];
		snprintf(ca, sizeof(ca), "%s/ca.crt", pki);
		snprintf(crt, sizeof(crt), "%s/%s/sensor-%u.crt", pki, low, si.id);
		snprintf(key, sizeof(key), "%s/%s/sensor-%u.key", pki, low, si.id);
		struct mw_errbuf err = {{0}};
		struct sconn *c = &cs[nc];
		memset(c, 0, sizeof(*c));
		c->id = si.id;
		if (net_tls_ctx_new(ca, crt, key, &c->ctx, &err) != 0) {
			fprintf(stderr, "natdrive: sensor %u: %s\n", si.id, err.msg);
			goto done;
		}
		nc++;
		c->fd = net_tcp_connect(addr, NULL);
		if (c->fd < 0) {
			fprintf(stderr, "natdrive: connect %s: %s\n", addr, strerror(errno));
			goto done;
		}
		c->ssl = SSL_new(c->ctx);
		SSL_set_fd(c->ssl, c->fd);
		if (SSL_connect(c->ssl) != 1) {
			fprintf(stderr, "natdrive: TLS handshake failed for sensor %u\n", si.id);
			goto done;
		}
	}
	if (nc == 0) {
		fprintf(stderr, "natdrive: the scenario has no sensor of %s\n", nation);
		goto done;
	}
	int64_t t0_sim = sim_start_ns(s), t0_mono = mw_time_mono_ns();
	struct sim_event ev;
	int r;
	while ((r = sim_next(s, &ev)) == 1) {
		if (ev.type != SIM_EV_OBS || strcmp(ev.obs.nation, nation) != 0)
			continue;
		struct sconn *c = NULL;
		for (size_t i = 0; i < nc; i++)
			if (cs[i].id == ev.obs.sensor_id)
				c = &cs[i];
		if (!c)
			continue;
		if (speed > 0) {
			int64_t due = t0_mono + (int64_t)((double)(ev.obs.t_ns - t0_sim) / speed);
			int64_t d = due - mw_time_mono_ns();
			if (d > 0) {
				struct timespec ts = {(time_t)(d / MW_NS_PER_S),
				                      (long)(d % MW_NS_PER_S)};
				nanosleep(&ts, NULL);
			}
		}
		mw_buf_reset(&out);
		if (mw_buf_reserve(&out, WIRE_FRAME_HDR_LEN) != 0)
			goto done;
		mw_buf_commit(&out, WIRE_FRAME_HDR_LEN);
		int n = wire_obs_encode(&ev.obs, &out);
		if (n < 0) {
			fprintf(stderr, "natdrive: encode: %d\n", n);
			goto done;
		}
		wire_frame_header(out.data + out.off, WIRE_FT_OBSERVATION, (size_t)n);
		const uint8_t *p = mw_buf_peek(&out);
		size_t left = mw_buf_used(&out);
		while (left) {
			int w = SSL_write(c->ssl, p, (int)left);
			if (w <= 0) {
				fprintf(stderr, "natdrive: connection lost after %ld\n", sent);
				goto done;
			}
			p += w;
			left -= (size_t)w;
		}
		sent++;
	}
	if (r < 0) {
		fprintf(stderr, "natdrive: sim_next: %d\n", r);
		goto done;
	}
	printf("sent %ld\n", sent);
	rc = 0;
done:
	for (size_t i = 0; i < nc; i++) {
		if (cs[i].ssl) {
			SSL_shutdown(cs[i].ssl);
			SSL_free(cs[i].ssl);
		}
		if (cs[i].fd > 0)
			close(cs[i].fd);
		SSL_CTX_free(cs[i].ctx);
	}
	mw_buf_finish(&out);
	sim_free(s);
	sim_scenario_free(sc);
	return rc;
}

/* ----------------------------------------------------------------- check */

struct check_ctx {
	struct sim *s;
	struct wire_keyring *kr;
	const char *origin;
	long n;
};

static double dist3(const double *a, const double *b)
{
	double dx = a[0] - b[0], dy = a[1] - b[1], dz = a[2] - b[2];
	return sqrt(dx * dx + dy * dy + dz * dz);
}

static int check_cb(void *ud, const struct store_rec *r)
{
	struct check_ctx *cx = ud;
	if (r->kind != WIRE_KIND_TRACK || strcmp(r->origin, cx->origin) != 0)
		return 0;
	struct wire_envelope e;
	if (wire_envelope_decode(r->bytes, r->len, &e) != 0) {
		printf("{\"seq\":%llu,\"decode\":false}\n", (unsigned long long)r->seq);
		return 0;
	}
	int vrc = wire_verify(cx->kr, NULL, &e);
	Mwlink__Track *t = NULL;
	int drc = wire_track_decode(e.hdr.payload, e.hdr.payload_len, &t);
	printf("{\"seq\":%llu,\"exercise\":%s,\"verified\":%s,\"data_t_ns\":%lld,\"decode\":%s",
	       (unsigned long long)r->seq, e.hdr.exercise ? "true" : "false",
	       vrc == 0 ? "true" : "false", (long long)e.hdr.data_t_ns,
	       drc == 0 ? "true" : "false");
	if (drc == 0) {
		/* nearest simulated object at the track's time */
		double best = INFINITY;
		uint32_t best_id = 0;
		for (size_t i = 0; i < sim_object_count(cx->s); i++) {
			const struct sim_object_info *oi = sim_object(cx->s, i);
			struct sim_truth tr;
			if (sim_truth_at(cx->s, oi->id, t->t_ns, &tr) != 0)
				continue;
			double d = dist3(tr.r_ecef_m, t->pos_ecef_m);
			if (d < best) {
				best = d;
				best_id = oi->id;
			}
		}
		printf(",\"track_id\":%llu,\"t_ns\":%lld,\"status\":%d,\"phase\":%d,"
		       "\"quality\":%.6f,\"n_updates\":%u,\"sigma_pos_m\":%.3f",
		       (unsigned long long)t->track_id, (long long)t->t_ns, (int)t->status,
		       (int)t->phase, t->quality, t->n_updates,
		       sqrt((t->cov_upper[0] + t->cov_upper[6] + t->cov_upper[11]) / 3.0));
		if (best_id)
			printf(",\"truth_id\":%u,\"err_m\":%.3f", best_id, best);
		if (t->impact) {
			printf(
			    ",\"impact\":{\"t_ns\":%lld,\"sigma_t_s\":%.4f,\"semi_major_m\":%.3f,"
			    "\"semi_minor_m\":%.3f,\"orient_deg\":%.4f",
			    (long long)t->impact->t_impact_ns, t->impact->sigma_t_s,
			    t->impact->ellipse_semi_major_m, t->impact->ellipse_semi_minor_m,
			    t->impact->ellipse_orient_deg);
			for (size_t i = 0; best_id && i < sim_object_count(cx->s); i++) {
				const struct sim_object_info *oi = sim_object(cx->s, i);
				if (oi->id != best_id)
					continue;
				double ti[3];
				geo_lla_to_ecef(&oi->impact_lla, ti);
				printf(",\"err_m\":%.3f,\"t_err_s\":%.3f",
				       dist3(ti, t->impact->pos_ecef_m),
				       (double)(t->impact->t_impact_ns - oi->impact_t_ns) / 1e9);
			}
			printf("}");
		}
		if (t->launch)
			printf(",\"launch\":true");
	}
	printf(",\"payload\":\"");
	hex(e.hdr.payload, e.hdr.payload_len);
	printf("\"}\n");
	wire_msg_free(t);
	wire_envelope_finish(&e);
	cx->n++;
	return 0;
}

static int check(char **a)
{
	struct sim_scenario *sc = NULL;
	struct sim *s = NULL;
	struct wire_keyring *kr = NULL;
	struct mw_errbuf err = {{0}};
	int rc = 1;
	if (load_sim(a[0], a[1], &sc, &s) != 0)
		goto done;
	if (wire_keyring_new(64, &kr) != 0 || net_keyring_load_dir(kr, a[3], &err) < 0) {
		fprintf(stderr, "natdrive: keys %s: %s\n", a[3], err.msg);
		goto done;
	}
	struct check_ctx cx = {s, kr, a[4], 0};
	int n = store_journal_dump_file(a[2], 1, check_cb, &cx, &err);
	if (n < 0) {
		fprintf(stderr, "natdrive: %s: %s\n", a[2], err.msg);
		goto done;
	}
	rc = 0;
done:
	wire_keyring_free(kr);
	sim_free(s);
	sim_scenario_free(sc);
	return rc;
}

/* ---------------------------------------------------------------- replay */

static int replay_emit(void *ud, bool exercise, int64_t data_t_ns, const uint8_t *p, size_t n)
{
	(void)ud;
	printf("%d %lld ", exercise ? 1 : 0, (long long)data_t_ns);
	hex(p, n);
	printf("\n");
	return 0;
}

static int replay_cb(void *ud, const struct store_rec *r)
{
	return net_national_feed(ud, r);
}

static int replay(char **a)
{
	struct net_national_opts o;
	memset(&o, 0, sizeof(o));
	snprintf(o.nation, sizeof(o.nation), "%s", a[1]);
	o.interval_ns = MW_NS_PER_S;
	o.max_tracks = 1000;
	o.emit = replay_emit;
	struct net_national *nat = NULL;
	if (net_national_new(&o, &nat) != 0)
		return 1;
	struct mw_errbuf err = {{0}};
	int n = store_journal_dump_file(a[0], 1, replay_cb, nat, &err);
	net_national_free(nat);
	if (n < 0) {
		fprintf(stderr, "natdrive: %s: %s\n", a[0], err.msg);
		return 1;
	}
	return 0;
}

int main(int argc, char **argv)
{
	if (argc == 8 && strcmp(argv[1], "feed") == 0)
		return feed(argv + 2);
	if (argc == 7 && strcmp(argv[1], "check") == 0)
		return check(argv + 2);
	if (argc == 4 && strcmp(argv[1], "replay") == 0)
		return replay(argv + 2);
	fprintf(stderr, "usage: natdrive feed SCENARIO SEED NATION HOST:PORT PKI SPEED\n"
	                "       natdrive check SCENARIO SEED JOURNAL KEYDIR ORIGIN\n"
	                "       natdrive replay JOURNAL NATION\n");
	return 2;
}
