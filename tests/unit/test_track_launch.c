/*
 * tests/unit/test_track_launch.c - track/launch.c: launch point and time
 * through the generic boost model, on flights of the simulator's missile
 * classes (sim/flight.h, solved for a range; the classes' figures are
 * not read here) and on the tracker's own estimates.
 *
 *  - boost basis from true first-stage states (true thrust acceleration
 *    from the flight's own velocity): the pad within a stated distance;
 *  - the unscented ellipse and time sigma against Monte Carlo of the same
 *    estimate and parameter distribution (coverage in a 99% binomial
 *    acceptance region), for the boost and the ballistic basis;
 *  - the ballistic basis from true post-burnout states: point and time
 *    within the bounds the model reaches on short-range flights;
 *  - end to end: a radar-tracked SRBM (fixed seeds), the tracker's launch
 *    estimate (first well-determined boost estimate) against the truth:
 *    RMS error bound and ellipse coverage in a binomial region;
 *  - the ballistic basis's steering-law term against a flight flown here
 *    (no simulator) with a linear tangent upper stage: the model's error
 *    is a large fraction of the boost ground range, and covered.
 */
#include <errno.h>
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "core/err.h"
#include "geo/geo.h"
#include "sim/flight.h"
#include "track/launch.h"
#include "track/model.h"
#include "track/predict.h"
#include "track/stats.h"
#include "track/tracker.h"

#include "test_track_util.h"

#define NX TRACK_NX

static double dist3(const double a[3], const double b[3])
{
	return sqrt((a[0] - b[0]) * (a[0] - b[0]) + (a[1] - b[1]) * (a[1] - b[1]) +
	            (a[2] - b[2]) * (a[2] - b[2]));
}

/* Fly class cls from a fixed site over range_km (minimum-energy shape). */
static void fly(const char *cls, double az_deg, double range_km, double loft, struct sim_flight *f)
{
	const struct sim_class *c = sim_class_find(cls);
	assert_non_null(c);
	struct geo_lla site = {geo_rad(39.2), geo_rad(125.7), 0.0};
	struct sim_launch_ctl ctl;
	struct mw_errbuf err = {{0}};
	int rc = sim_flight_solve_loft(c, &site, geo_rad(az_deg), range_km * 1e3, loft, 0.002, &ctl,
	                               NULL, NULL, &err);
	if (rc != 0)
		fail_msg("%s %.0f km: solve rc %d: %s", cls, range_km, rc, err.msg);
	struct sim_flight_opts o;
	sim_flight_opts_default(&o);
	assert_int_equal(sim_flight_fly(c, &site, &ctl, &o, true, f), 0);
}

/* True state at t with the thrust acceleration along v (central
 * difference of the velocity minus gravity and rotation terms). */
static void true_state(const struct sim_flight *f, double t, double x[NX])
{
	memset(x, 0, NX * sizeof(double));
	assert_int_equal(sim_flight_state(f, t, x, x + 3), 0);
	double r1[3], v1[3], r2[3], v2[3], ag[3];
	assert_int_equal(sim_flight_state(f, t - 0.25, r1, v1), 0);
	assert_int_equal(sim_flight_state(f, t + 0.25, r2, v2), 0);
	assert_int_equal(track_model_accel(x, 0, ag), 0);
	double vn = sqrt(x[3] * x[3] + x[4] * x[4] + x[5] * x[5]), at = 0.0;
	for (int j = 0; j < 3; j++)
		at += ((v2[j] - v1[j]) / 0.5 - ag[j]) * x[3 + j] / vn;
	x[TRACK_IX_AT] = at;
}

static void launch_ecef(const struct sim_flight *f, double p[3])
{
	struct geo_lla l = f->launch_lla;
	l.h_m = 0.0;
	geo_lla_to_ecef(&l, p);
}

static void boost_basis_from_first_stage_states_finds_the_pad(void **state)
{
	(void)state;
	/* Stated: from a true state a third of the way into the boost (first
	 * stage for every class), with the true thrust acceleration, the
	 * single-stage mass-depletion profile backwards lands within 3 km of
	 * the pad and 12 s of the lift-off (measured: 0.2-0.7 km, 1-5 s
	 * early). */
	struct {
		const char *cls;
		double az, range_km;
	} fl[] = {{"SRBM", 100, 300}, {"MRBM", 90, 1000}, {"IRBM", 84, 4600}, {"ICBM", 45, 10000}};
	for (size_t i = 0; i < sizeof(fl) / sizeof(fl[0]); i++) {
		struct sim_flight f;
		fly(fl[i].cls, fl[i].az, fl[i].range_km, 0.0, &f);
		double t = 0.3 * f.t_burnout_s, x[NX], pad[3];
		true_state(&f, t, x);
		launch_ecef(&f, pad);
		struct track_launch_detail d;
		assert_int_equal(track_launch_point(x, 1, NULL, 3600, &d), 0);
		double e = dist3(d.launch_ecef_m, pad), dt = d.t_launch_s + t;
		print_message(
		    "%s: basis %.0f s after lift-off (aT %.1f m/s^2): launch point %.2f km "
		    "off, time %+.1f s\n",
		    fl[i].cls, t, x[TRACK_IX_AT], e / 1e3, dt);
		if (e > 3000.0 || fabs(dt) > 12.0)
			fail_msg("%s: launch point %.0f m off (limit 3000), time %.1f s (limit 12)",
			         fl[i].cls, e, dt);
		sim_flight_finish(&f);
	}
}

/* Monte Carlo of (state ~ N(g), parameters ~ N(0, I)) through the same
 * deterministic model; count samples inside the UT ellipse and within
 * +-1.96 sigma of the UT time. */
static void mc_against_ut(const struct track_gauss *g, int boost, int n, uint64_t seed,
                          const struct track_point_pred *ut, int *in, int *tin)
{
	/* The tests use diagonal covariances: independent components. */
	double L[NX];
	for (int i = 0; i < NX; i++)
		for (int j = 0; j < NX; j++)
			assert_true(i == j || g->P[i * NX + j] == 0.0);
	for (int i = 0; i < NX; i++)
		L[i] = sqrt(g->P[i * NX + i]);
	uint64_t rng = seed;
	*in = *tin = 0;
	double t0 = ut->t_ns * 1e-9, st = 0.0, st2 = 0.0;
	for (int k = 0; k < n; k++) {
		double x[NX], z[TRACK_LAUNCH_NPAR];
		for (int i = 0; i < NX; i++)
			x[i] = g->x[i] + L[i] * rng_gauss(&rng);
		for (int i = 0; i < TRACK_LAUNCH_NPAR; i++)
			z[i] = rng_gauss(&rng);
		struct track_launch_detail d;
		assert_int_equal(track_launch_point(x, boost, z, 3600, &d), 0);
		if (boost) {
			/* The stated thrust-direction error of the boost basis
			 * (launch.h): a Gaussian displacement with the covariance
			 * the model integrated along this sample's backward boost. */
			const double *Q = d.thrust_dir_cov_ecef_m2;
			double Lq[9] = {0};
			for (int i = 0; i < 3; i++)
				for (int j = 0; j <= i; j++) {
					double v = Q[3 * i + j];
					for (int m = 0; m < j; m++)
						v -= Lq[3 * i + m] * Lq[3 * j + m];
					if (i == j)
						Lq[3 * i + i] = sqrt(fmax(v, 0.0));
					else
						Lq[3 * i + j] =
						    Lq[3 * j + j] > 0 ? v / Lq[3 * j + j] : 0.0;
				}
			double w3[3] = {rng_gauss(&rng), rng_gauss(&rng), rng_gauss(&rng)};
			for (int i = 0; i < 3; i++)
				for (int j = 0; j <= i; j++)
					d.launch_ecef_m[i] += Lq[3 * i + j] * w3[j];
			/* and the steering plane: w T |D| / 3 across the ground
			 * track, D from the basis's ground point */
			double lat = rng_gauss(&rng), D[3], dn = 0.0, up[3], rn = 0.0;
			for (int i = 0; i < 3; i++) {
				D[i] = d.launch_ecef_m[i] - d.burnout_ground_ecef_m[i];
				dn += D[i] * D[i];
				rn += d.launch_ecef_m[i] * d.launch_ecef_m[i];
			}
			dn = sqrt(dn);
			rn = sqrt(rn);
			for (int i = 0; i < 3; i++)
				up[i] = d.launch_ecef_m[i] / rn;
			double cr[3] = {up[1] * D[2] - up[2] * D[1], up[2] * D[0] - up[0] * D[2],
			                up[0] * D[1] - up[1] * D[0]};
			double cn = sqrt(cr[0] * cr[0] + cr[1] * cr[1] + cr[2] * cr[2]);
			double sc = GEO_OMEGA_E_RAD_S * fabs(d.t_launch_s) * dn / 3.0;
			for (int i = 0; i < 3; i++)
				d.launch_ecef_m[i] += cn > 0 ? lat * sc * cr[i] / cn : 0.0;
			/* and the steering law's duration: the backward boost's
			 * duration scaled by 1 + TRACK_LAUNCH_STEER_SIG z */
			d.t_launch_s *= 1.0 + TRACK_LAUNCH_STEER_SIG * rng_gauss(&rng);
		} else {
			/* The steering-law terms of the ballistic basis, as defined
			 * in launch.h: offset and duration scaled by 1 + s z,
			 * a Coriolis-scale displacement across the ground track. */
			double zs = rng_gauss(&rng);
			double f = 1.0 + TRACK_LAUNCH_STEER_SIG * zs;
			double sdur =
			    TRACK_LAUNCH_STEER_SIG +
			    d.icbm_weight * (TRACK_LAUNCH_STEER_SIG_T - TRACK_LAUNCH_STEER_SIG);
			double ft = 1.0 + sdur * zs;
			double lat = rng_gauss(&rng);
			double D[3], dn = 0.0;
			for (int i = 0; i < 3; i++) {
				D[i] = d.launch_ecef_m[i] - d.burnout_ground_ecef_m[i];
				dn += D[i] * D[i];
			}
			dn = sqrt(dn);
			double up[3], rn = sqrt(d.launch_ecef_m[0] * d.launch_ecef_m[0] +
			                        d.launch_ecef_m[1] * d.launch_ecef_m[1] +
			                        d.launch_ecef_m[2] * d.launch_ecef_m[2]);
			for (int i = 0; i < 3; i++)
				up[i] = d.launch_ecef_m[i] / rn;
			double cr[3] = {up[1] * D[2] - up[2] * D[1], up[2] * D[0] - up[0] * D[2],
			                up[0] * D[1] - up[1] * D[0]};
			double cn = sqrt(cr[0] * cr[0] + cr[1] * cr[1] + cr[2] * cr[2]);
			double dur = d.t_burnout_s - d.t_launch_s;
			double sc = GEO_OMEGA_E_RAD_S * dur * dn / 3.0;
			for (int i = 0; i < 3; i++)
				d.launch_ecef_m[i] = d.burnout_ground_ecef_m[i] + f * D[i] +
				                     (cn > 0 ? lat * sc * cr[i] / cn : 0.0);
			d.t_launch_s = d.t_burnout_s - ft * dur;
		}
		int r = track_point_in_ellipse(ut, d.launch_ecef_m, NULL);
		assert_true(r >= 0);
		*in += r;
		*tin += fabs(d.t_launch_s - t0) <= 1.96 * ut->sigma_t_s;
		st += d.t_launch_s;
		st2 += d.t_launch_s * d.t_launch_s;
	}
	double m = st / n;
	print_message(
	    "Monte Carlo launch time %.1f s, sigma %.1f s; unscented %.1f s, sigma %.1f s\n", m,
	    sqrt(fmax(0.0, st2 / n - m * m)), t0, ut->sigma_t_s);
}

static void check_binom(const char *what, int k, int n)
{
	int lo, hi;
	assert_int_equal(track_binom_accept(n, 0.95, 0.99, &lo, &hi), 0);
	print_message("%s: %d of %d inside (99%% binomial region [%d, %d])\n", what, k, n, lo, hi);
	if (k < lo || k > hi)
		fail_msg("%s: %d of %d outside [%d, %d]", what, k, n, lo, hi);
}

static void boost_basis_ellipse_and_time_sigma_match_monte_carlo(void **state)
{
	(void)state;
	struct sim_flight f;
	fly("MRBM", 90, 1000, 0.0, &f);
	struct track_gauss g;
	memset(&g, 0, sizeof(g));
	true_state(&f, 35.0, g.x);
	g.x[TRACK_IX_ALPHA] = 0.0; /* the thrusting model's x6 */
	double sd[NX] = {150, 150, 150, 15, 15, 15, 0.0, 2.0};
	for (int i = 0; i < NX; i++)
		g.P[i * NX + i] = i == TRACK_IX_ALPHA ? 1e-6 : sd[i] * sd[i];
	struct track_point_pred ut;
	assert_int_equal(track_launch_from_boost(&g, 0, &ut), 0);
	print_message("boost basis: ellipse %.2f x %.2f km, time sigma %.1f s\n",
	              ut.semi_major_m / 1e3, ut.semi_minor_m / 1e3, ut.sigma_t_s);
	int in, tin;
	const int n = 300;
	mc_against_ut(&g, 1, n, 42, &ut, &in, &tin);
	check_binom("boost basis, point", in, n);
	check_binom("boost basis, time", tin, n);
	sim_flight_finish(&f);
}

static void ballistic_basis_ellipse_and_time_sigma_match_monte_carlo(void **state)
{
	(void)state;
	struct sim_flight f;
	fly("SRBM", 100, 300, 0.0, &f);
	struct track_gauss g;
	memset(&g, 0, sizeof(g));
	true_state(&f, f.t_burnout_s + 40.0, g.x);
	g.x[TRACK_IX_AT] = 0.0;
	g.x[TRACK_IX_K] = 0.0;
	double sd[NX] = {100, 100, 100, 5, 5, 5, 0.0, 0.0};
	for (int i = 0; i < NX; i++)
		g.P[i * NX + i] = sd[i] > 0 ? sd[i] * sd[i] : 1e-6;
	struct track_point_pred ut;
	assert_int_equal(track_launch_from_ballistic(&g, 0, 3600, &ut), 0);
	print_message("ballistic basis: ellipse %.2f x %.2f km, time sigma %.1f s\n",
	              ut.semi_major_m / 1e3, ut.semi_minor_m / 1e3, ut.sigma_t_s);
	int in, tin;
	const int n = 100;
	mc_against_ut(&g, 0, n, 7, &ut, &in, &tin);
	check_binom("ballistic basis, point", in, n);
	check_binom("ballistic basis, time", tin, n);
	sim_flight_finish(&f);
}

/* A state with the covariance of a good radar track: 50 m, 1 m/s per
 * axis (k and aT all but known). */
static void good_radar_track(const double x[NX], struct track_gauss *g)
{
	memset(g, 0, sizeof(*g));
	memcpy(g->x, x, sizeof(g->x));
	static const double sd[NX] = {50, 50, 50, 1, 1, 1, 1e-3, 1e-3};
	for (int q = 0; q < NX; q++)
		g->P[q * NX + q] = sd[q] * sd[q];
}

static void ballistic_basis_from_post_burnout_states_of_short_range_flights(void **state)
{
	(void)state;
	/* Stated: SRBM and MRBM, true states 5, 60 and 200 s after burnout
	 * (nominal model parameters): launch point within 12 km, launch time
	 * within 30 s (measured 3.9-6.6 km, 0.5-15 s late; the gravity turn
	 * against the simulator's pitch programme is the model's weak point,
	 * docs/tracking.md), burnout found within 10 s (measured 1-4 s), and
	 * the pad inside the 95% ellipse of the (near-exact) state. */
	struct {
		const char *cls;
		double az, range_km;
	} fl[] = {{"SRBM", 100, 300}, {"SRBM", 150, 450}, {"MRBM", 90, 1000}};
	double worst = 0.0, worst_t = 0.0;
	for (size_t i = 0; i < sizeof(fl) / sizeof(fl[0]); i++) {
		struct sim_flight f;
		fly(fl[i].cls, fl[i].az, fl[i].range_km, 0.0, &f);
		double pad[3];
		launch_ecef(&f, pad);
		const double after[] = {5.0, 60.0, 200.0};
		for (int k = 0; k < 3; k++) {
			double t = f.t_burnout_s + after[k], x[NX];
			true_state(&f, t, x);
			x[TRACK_IX_AT] = 0.0;
			struct track_launch_detail d;
			assert_int_equal(track_launch_point(x, 0, NULL, 3600, &d), 0);
			double e = dist3(d.launch_ecef_m, pad), dt = d.t_launch_s + t;
			print_message(
			    "%s %.0f km, %3.0f s after burnout: %.1f km off, time %+.1f s "
			    "(burnout found %+.0f s, true %+.0f s)\n",
			    fl[i].cls, fl[i].range_km, after[k], e / 1e3, dt, d.t_burnout_s,
			    -after[k]);
			worst = fmax(worst, e);
			worst_t = fmax(worst_t, fabs(dt));
			/* The model error is inside the stated uncertainty: the
			 * transform of the true state with the covariance of a
			 * good radar track (50 m, 1 m/s) puts the pad inside the
			 * 95% ellipse and the lift-off within 1.96 sigma. (With
			 * 1 m, 0.01 m/s the SRBM pad lies just outside, at
			 * d2 6.6: 90 m across track against a 100 m semi-minor
			 * axis - the across-track model error of a short boost is
			 * not in the model; docs/tracking.md.) */
			struct track_gauss g;
			good_radar_track(x, &g);
			struct track_point_pred lp;
			assert_int_equal(track_launch_from_ballistic(&g, 0, 3600, &lp), 0);
			double d2, tl = lp.t_ns * 1e-9 + t;
			int in = track_point_in_ellipse(&lp, pad, &d2);
			if (in != 1 || fabs(tl) > 1.96 * lp.sigma_t_s)
				fail_msg(
				    "%s %.0f km: pad at d2 %.1f of the ellipse (%.1f x %.1f km), "
				    "time %+.1f s against sigma %.1f s",
				    fl[i].cls, fl[i].range_km, d2, lp.semi_major_m / 1e3,
				    lp.semi_minor_m / 1e3, tl, lp.sigma_t_s);
			if (fabs(d.t_burnout_s + after[k]) > 10.0)
				fail_msg("%s: burnout found at %+.1f s, true %+.1f s", fl[i].cls,
				         d.t_burnout_s, -after[k]);
		}
		sim_flight_finish(&f);
	}
	if (worst > 12e3 || worst_t > 30.0)
		fail_msg("worst launch point %.1f km (limit 12), time %.1f s (limit 30)",
		         worst / 1e3, worst_t);
}

static void basis_requires_a_well_determined_thrust(void **state)
{
	(void)state;
	struct track_gauss g;
	memset(&g, 0, sizeof(g));
	struct geo_lla p = {geo_rad(39), geo_rad(125), 20e3};
	geo_lla_to_ecef(&p, g.x);
	double ve[3] = {300, 0, 800};
	geo_vec_enu_to_ecef(&p, ve, g.x + 3);
	g.x[TRACK_IX_AT] = 30.0;
	g.P[TRACK_IX_AT * NX + TRACK_IX_AT] = 3.57 * 3.57; /* 11.9% */
	assert_true(track_launch_basis_ok(&g));
	g.P[TRACK_IX_AT * NX + TRACK_IX_AT] = 3.63 * 3.63; /* 12.1% */
	assert_false(track_launch_basis_ok(&g));
	g.P[TRACK_IX_AT * NX + TRACK_IX_AT] = 1.0;
	g.x[TRACK_IX_AT] = 4.0; /* below 5 m/s^2 */
	assert_false(track_launch_basis_ok(&g));
	g.x[TRACK_IX_AT] = 30.0;
	memset(g.x + 3, 0, 3 * sizeof(double)); /* at rest */
	assert_false(track_launch_basis_ok(&g));
	geo_vec_enu_to_ecef(&p, ve, g.x + 3);
	/* x6 is the thrusting model's thrust angle (model.h) */
	g.x[TRACK_IX_ALPHA] = 0.5; /* 29 deg: the most a basis may carry */
	assert_true(track_launch_basis_ok(&g));
	g.x[TRACK_IX_ALPHA] = -0.5;
	assert_true(track_launch_basis_ok(&g));
	g.x[TRACK_IX_ALPHA] = 0.6; /* an estimate gone wrong */
	assert_false(track_launch_basis_ok(&g));
	g.x[TRACK_IX_ALPHA] = -0.6;
	assert_false(track_launch_basis_ok(&g));
	g.x[TRACK_IX_ALPHA] = NAN;
	assert_false(track_launch_basis_ok(&g));
}

/* One radar's plots of flight f at 1 Hz from t0 to t1 s after lift-off
 * (10 m, 0.5 mrad, 1 m/s range rate), labelled object 1 of nation, into
 * tracker tr, then a flush. */
static void feed_radar(struct track_tracker *tr, const struct sim_flight *f, const double radar[3],
                       double t0, double t1, const char *nation, uint64_t *rng)
{
	for (double t = t0; t <= t1; t += 1.0) {
		double s[6];
		assert_int_equal(sim_flight_state(f, t, s, s + 3), 0);
		struct mw_obs o;
		make_radar_obs(radar, s, 10.0, 5e-4, 1.0, rng, &o);
		o.t_ns = (mw_time_ns)llround(t * 1e9);
		o.sensor_id = 1;
		memcpy(o.nation, nation, 4);
		o.truth_id = 1;
		assert_int_equal(track_tracker_process(tr, &o), 0);
	}
	assert_int_equal(track_tracker_flush(tr), 0);
}

/* The first confirmed track of tr (with a boost-basis estimate if
 * need_boost0) into *ti: 1, or 0 if there is none. */
static int first_confirmed(const struct track_tracker *tr, int need_boost0, struct track_info *ti)
{
	for (size_t i = 0; i < track_tracker_count(tr); i++) {
		assert_int_equal(track_tracker_get(tr, i, ti), 0);
		if (ti->state == TRACK_CONFIRMED && (!need_boost0 || ti->has_boost0))
			return 1;
	}
	return 0;
}

static void tracked_srbm_launch_estimate_is_accurate_and_covered(void **state)
{
	(void)state;
	/* An SRBM seen from lift-off + 15 s by a radar 150 km down-range at
	 * 1 Hz (10 m, 0.5 mrad, 1 m/s range rate), 20 fixed seeds, the
	 * tracker's launch estimate after burnout (its boost basis) against
	 * the pad. Stated: RMS point error < 3 km, RMS time error < 25 s,
	 * and ellipse coverage in the 99% binomial region of 0.95 or above
	 * it (a conservative ellipse passes, an optimistic one fails). */
	struct sim_flight f;
	fly("SRBM", 100, 300, 0.0, &f);
	double pad[3];
	launch_ecef(&f, pad);
	struct geo_lla rp = {geo_rad(39.0), geo_rad(127.4), 50};
	double radar[3];
	geo_lla_to_ecef(&rp, radar);
	struct track_config tc;
	track_config_default(&tc);
	const int runs = 20;
	int n = 0, in = 0, tin = 0;
	double e2 = 0.0, t2 = 0.0;
	for (int run = 0; run < runs; run++) {
		uint64_t rng = 9000 + 104729ull * (uint64_t)run;
		struct track_tracker *tr = NULL;
		assert_int_equal(track_tracker_new(&tc, NULL, &tr), 0);
		double t_end = f.t_burnout_s + 30.0;
		feed_radar(tr, &f, radar, 15.0, t_end, "KOR", &rng);
		struct track_info ti;
		if (!first_confirmed(tr, 1, &ti)) {
			track_tracker_free(tr);
			continue;
		}
		struct track_point_pred lp;
		assert_int_equal(track_info_predict(&ti, NULL, &lp), 0);
		double e = dist3(lp.ecef_m, pad), dt = lp.t_ns * 1e-9;
		e2 += e * e;
		t2 += dt * dt;
		in += track_point_in_ellipse(&lp, pad, NULL) == 1;
		tin += fabs(dt) <= 1.96 * lp.sigma_t_s;
		n++;
		if (run == 0)
			print_message("run 0: basis %.0f s after lift-off, launch %.2f km off "
			              "(ellipse %.2f x %.2f km), time %+.1f s (sigma %.1f s)\n",
			              ti.boost0_t_ns * 1e-9, e / 1e3, lp.semi_major_m / 1e3,
			              lp.semi_minor_m / 1e3, dt, lp.sigma_t_s);
		track_tracker_free(tr);
	}
	if (n < runs - 2)
		fail_msg("only %d of %d runs gave a boost-basis launch estimate", n, runs);
	int lo, hi;
	assert_int_equal(track_binom_accept(n, 0.95, 0.99, &lo, &hi), 0);
	double rms = sqrt(e2 / n), rmst = sqrt(t2 / n);
	print_message("%d runs: RMS launch error %.2f km, RMS time error %.1f s; ellipse covers "
	              "%d, time within 1.96 sigma %d (99%% region of 0.95: [%d, %d])\n",
	              n, rms / 1e3, rmst, in, tin, lo, hi);
	if (rms > 3000.0 || rmst > 25.0)
		fail_msg("RMS launch error %.0f m (limit 3000), time %.1f s (limit 25)", rms, rmst);
	if (in < lo || tin < lo)
		fail_msg("coverage point %d, time %d below %d of %d", in, tin, lo, n);
	sim_flight_finish(&f);
}

static void boost_basis_reach_ends_at_2_km_s(void **state)
{
	(void)state;
	/* Stated (launch.h): a boost estimate faster than 2,000 m/s is out
	 * of the boost basis's reach, however well its thrust is known. */
	struct track_gauss g;
	memset(&g, 0, sizeof(g));
	struct geo_lla p = {geo_rad(39), geo_rad(126), 60e3};
	geo_lla_to_ecef(&p, g.x);
	double ve[3] = {1100, 0, 1500}; /* 1,860 m/s */
	geo_vec_enu_to_ecef(&p, ve, g.x + 3);
	g.x[TRACK_IX_AT] = 60.0;
	g.P[TRACK_IX_AT * NX + TRACK_IX_AT] = 1.0;
	assert_true(track_launch_boost_reach(&g));
	assert_true(track_launch_basis_ok(&g));
	double ve2[3] = {1300, 0, 1600}; /* 2,062 m/s */
	geo_vec_enu_to_ecef(&p, ve2, g.x + 3);
	assert_false(track_launch_boost_reach(&g));
	assert_false(track_launch_basis_ok(&g));
}

static void irbm_seen_in_its_last_seconds_of_boost_gets_a_covering_estimate(void **state)
{
	(void)state;
	/* A national view: an IRBM (4,600 km) first seen 8 s before its
	 * burnout by one radar down-range at 1 Hz (10 m, 0.5 mrad, 1 m/s),
	 * tracked to 40 s after burnout, 8 fixed seeds. The boost seen is
	 * too fast for the boost basis (launch.h, 2 km/s), so the tracker's
	 * estimate is the ballistic basis after burnout. Stated: every run
	 * gives an estimate, none from a boost basis, every time sigma below
	 * 300 s and 95% semi-major axis below 400 km (before: bases in the
	 * last seconds of the burn, time sigmas of 10^2-10^4 s, the pad
	 * outside the ellipse in 60% of the eval's estimates); the pad
	 * inside the ellipse and the lift-off within 1.96 sigma in the 99%
	 * binomial region of 0.95 or above. */
	struct sim_flight f;
	fly("IRBM", 84, 4600, 0.0, &f);
	double pad[3];
	launch_ecef(&f, pad);
	struct geo_lla rp = {geo_rad(40.8), geo_rad(140.7), 50};
	double radar[3];
	geo_lla_to_ecef(&rp, radar);
	struct track_config tc;
	track_config_default(&tc);
	const int runs = 8;
	int n = 0, in = 0, tin = 0;
	int n_b0 = 0;
	double e2 = 0.0, t2 = 0.0, sig_max = 0.0, ax_max = 0.0;
	for (int run = 0; run < runs; run++) {
		uint64_t rng = 7100 + 104729ull * (uint64_t)run;
		struct track_tracker *tr = NULL;
		assert_int_equal(track_tracker_new(&tc, NULL, &tr), 0);
		double t_end = f.t_burnout_s + 40.0;
		feed_radar(tr, &f, radar, f.t_burnout_s - 8.0, t_end, "JPN", &rng);
		struct track_info ti;
		if (!first_confirmed(tr, 0, &ti))
			fail_msg("run %d: no confirmed track", run);
		if (ti.has_boost0) {
			n_b0++;
			print_message("run %d: a boost basis at %.1f s from a track first seen at "
			              "%.1f s\n",
			              run, ti.boost0_t_ns * 1e-9, ti.first_t_ns * 1e-9);
		}
		struct track_point_pred lp;
		int rc = track_info_predict(&ti, NULL, &lp);
		if (rc != 0)
			fail_msg("run %d: no launch estimate (rc %d, boost seen %d)", run, rc,
			         ti.has_boost_est);
		double e = dist3(lp.ecef_m, pad), dt = lp.t_ns * 1e-9;
		e2 += e * e;
		t2 += dt * dt;
		sig_max = fmax(sig_max, lp.sigma_t_s);
		ax_max = fmax(ax_max, lp.semi_major_m);
		in += track_point_in_ellipse(&lp, pad, NULL) == 1;
		tin += fabs(dt) <= 1.96 * lp.sigma_t_s;
		n++;
		if (run == 0)
			print_message(
			    "run 0: launch %.2f km off (ellipse %.1f x %.1f km), time %+.1f s "
			    "(sigma %.1f s)\n",
			    e / 1e3, lp.semi_major_m / 1e3, lp.semi_minor_m / 1e3, dt,
			    lp.sigma_t_s);
		track_tracker_free(tr);
	}
	int lo, hi;
	assert_int_equal(track_binom_accept(n, 0.95, 0.99, &lo, &hi), 0);
	print_message("%d runs: RMS launch error %.2f km, RMS time error %.1f s, largest time "
	              "sigma %.1f s, largest semi-major %.1f km; ellipse covers %d, time within "
	              "1.96 sigma %d (99%% region of 0.95: [%d, %d])\n",
	              n, sqrt(e2 / n) / 1e3, sqrt(t2 / n), sig_max, ax_max / 1e3, in, tin, lo, hi);
	if (n_b0)
		fail_msg("%d of %d runs used a boost basis beyond its reach", n_b0, n);
	if (sig_max > 300.0 || ax_max > 400e3)
		fail_msg("largest time sigma %.1f s (limit 300), semi-major %.0f m (limit 400 km)",
		         sig_max, ax_max);
	if (in < lo || tin < lo)
		fail_msg("coverage point %d, time %d below %d of %d", in, tin, lo, n);
	sim_flight_finish(&f);
}

/* A two-stage flight flown here (not by the simulator) with the launch
 * model's nominal profile (Isp 255 s, lift-off F/W 2.5, upper stage 3,
 * equal mass ratios 0.317: 128 s of burn, ~4.9 km/s): vertical to 50 m/s,
 * a pitch kick of kick_deg east, zero angle of attack (thrust along the
 * ECEF velocity) through the first stage, and in the upper stage either
 * the same gravity turn (lt_c = 0) or the linear tangent law tan(theta) =
 * tan(theta_1) - lt_c (t - T1) for the thrust's elevation theta above the
 * local horizontal in the vertical plane of the velocity (theta_1 the
 * flight-path angle at staging; the vacuum steering law of least burn
 * for a given burnout state: Bryson & Ho, Applied Optimal Control, 1975,
 * sec. 2.7). Gravity from the tracker's model, no drag. Returns the state
 * coast_s after burnout in x and its time since lift-off. */
#define LT_ISP_S 255.0
#define LT_MU    0.31673809540845504
#define LT_DEG   (3.14159265358979323846 / 180.0)
/* Stage thrust acceleration: g0 n / (1 - t n / Isp), t since ignition. */
static double lt_thrust(int stage, double t, double T1)
{
	double n = stage == 0 ? 2.5 : 3.0, tt = stage == 0 ? t : t - T1;
	return 9.80665 * n / (1.0 - tt * n / LT_ISP_S);
}

/* stage: 0 first, 1 upper, 2 burnt out (fixed over an RK4 step). */
static void lt_deriv(const double y[6], double t, int stage, double T1, double lt_c, double th1,
                     int kicked, double d[6])
{
	double x[NX] = {y[0], y[1], y[2], y[3], y[4], y[5], 0.0, 0.0}, a[3];
	assert_int_equal(track_model_accel(x, 0, a), 0);
	if (stage < 2) {
		double rn = sqrt(y[0] * y[0] + y[1] * y[1] + y[2] * y[2]), up[3], dir[3];
		double vn = sqrt(y[3] * y[3] + y[4] * y[4] + y[5] * y[5]);
		for (int i = 0; i < 3; i++)
			up[i] = y[i] / rn;
		if (!kicked) {
			memcpy(dir, up, sizeof(dir));
		} else if (stage == 0 || lt_c == 0.0) {
			for (int i = 0; i < 3; i++)
				dir[i] = y[3 + i] / vn;
		} else {
			double vu = y[3] * up[0] + y[4] * up[1] + y[5] * up[2], hz[3], hn = 0.0;
			for (int i = 0; i < 3; i++) {
				hz[i] = y[3 + i] - vu * up[i];
				hn += hz[i] * hz[i];
			}
			hn = sqrt(hn);
			double th = atan(tan(th1) - lt_c * (t - T1));
			for (int i = 0; i < 3; i++)
				dir[i] = cos(th) * hz[i] / hn + sin(th) * up[i];
		}
		double at = lt_thrust(stage, t, T1);
		for (int i = 0; i < 3; i++)
			a[i] += at * dir[i];
	}
	for (int i = 0; i < 3; i++) {
		d[i] = y[3 + i];
		d[3 + i] = a[i];
	}
}

static double lt_fly(const double pad[3], const struct geo_lla *pl, double kick_deg, double lt_c,
                     double coast_s, double x[NX], double bo_ecef[3])
{
	const double T1 = LT_ISP_S * (1.0 - LT_MU) / 2.5, T = T1 + LT_ISP_S * (1.0 - LT_MU) / 3.0;
	const double h = 0.1;
	double y[6] = {pad[0], pad[1], pad[2], 0, 0, 0}, t = 0.0, th1 = 0.0;
	int kicked = 0, staged = 0;
	/* East at the pad. */
	const double east[3] = {-sin(pl->lon_rad), cos(pl->lon_rad), 0.0};
	while (t < T + coast_s - 1e-9) {
		double vn = sqrt(y[3] * y[3] + y[4] * y[4] + y[5] * y[5]);
		if (!kicked && vn >= 50.0) {
			double rn = sqrt(y[0] * y[0] + y[1] * y[1] + y[2] * y[2]);
			double k = kick_deg * LT_DEG;
			for (int i = 0; i < 3; i++)
				y[3 + i] = vn * (cos(k) * y[i] / rn + sin(k) * east[i]);
			kicked = 1;
		}
		if (!staged && t >= T1 - 1e-9) {
			double rn = sqrt(y[0] * y[0] + y[1] * y[1] + y[2] * y[2]);
			double vu = (y[0] * y[3] + y[1] * y[4] + y[2] * y[5]) / rn;
			th1 = asin(vu / vn);
			staged = 1;
		}
		/* Steps end on the staging and burnout times (the thrust jumps). */
		double hs = h;
		if (t < T1 && t + hs > T1)
			hs = T1 - t;
		else if (t < T && t + hs > T)
			hs = T - t;
		double k1[6], k2[6], k3[6], k4[6], yt[6];
		int st = t < T1 - 1e-9 ? 0 : t < T - 1e-9 ? 1 : 2;
		lt_deriv(y, t, st, T1, lt_c, th1, kicked, k1);
		for (int i = 0; i < 6; i++)
			yt[i] = y[i] + 0.5 * hs * k1[i];
		lt_deriv(yt, t + 0.5 * hs, st, T1, lt_c, th1, kicked, k2);
		for (int i = 0; i < 6; i++)
			yt[i] = y[i] + 0.5 * hs * k2[i];
		lt_deriv(yt, t + 0.5 * hs, st, T1, lt_c, th1, kicked, k3);
		for (int i = 0; i < 6; i++)
			yt[i] = y[i] + hs * k3[i];
		lt_deriv(yt, t + hs, st, T1, lt_c, th1, kicked, k4);
		for (int i = 0; i < 6; i++)
			y[i] += hs / 6.0 * (k1[i] + 2 * k2[i] + 2 * k3[i] + k4[i]);
		t += hs;
		if (fabs(t - T) < 1e-9)
			memcpy(bo_ecef, y, 3 * sizeof(double));
	}
	memset(x, 0, NX * sizeof(double));
	memcpy(x, y, sizeof(y));
	return t;
}

static void steering_law_term_covers_a_linear_tangent_upper_stage(void **state)
{
	(void)state;
	/* The ballistic basis states the steering law as TRACK_LAUNCH_STEER_SIG
	 * (0.3) of the boost ground range D. Physics, not the simulator: for
	 * the same burnout flight-path angle (30 deg), a boost that keeps
	 * zero angle of attack through the first stage (the atmosphere) but
	 * flies the vacuum-optimal linear tangent law in the upper stage
	 * (a 30% smaller kick, c = 0.0234 /s) burns out ~25 km higher and
	 * 40 km shorter than the gravity turn; the burnout search on its arc
	 * puts the pad 0.3-0.5 D uprange (flat-earth study, docs/tracking.md
	 * "Launch estimate widths"). Pinned down: the gravity-turn control
	 * flight is found within 3% of D (the term is not needed for the
	 * model's own law), the linear-tangent flight is off by more than
	 * 0.2 D (a steering term much below 0.3 would not cover it) and
	 * its pad lies inside the 95% ellipse with the lift-off within
	 * 1.96 sigma of a good track's (50 m, 1 m/s) estimate. */
	struct geo_lla pl = {.lat_rad = 40.0 * LT_DEG, .lon_rad = 128.0 * LT_DEG};
	double pad[3];
	geo_lla_to_ecef(&pl, pad);
	const struct {
		const char *law;
		double kick_deg, lt_c;
	} fl[] = {{"gravity turn", 11.05, 0.0}, {"linear tangent upper stage", 7.74, 0.0234}};
	for (size_t i = 0; i < sizeof(fl) / sizeof(fl[0]); i++) {
		double x[NX], bo[3], bog[3];
		double t = lt_fly(pad, &pl, fl[i].kick_deg, fl[i].lt_c, 30.0, x, bo);
		struct geo_lla bl;
		assert_int_equal(geo_ecef_to_lla(bo, &bl), 0);
		bl.h_m = 0.0;
		geo_lla_to_ecef(&bl, bog);
		struct track_launch_detail d;
		assert_int_equal(track_launch_point(x, 0, NULL, 3600, &d), 0);
		double e = dist3(d.launch_ecef_m, pad), D = dist3(bog, pad);
		double Dm = dist3(d.burnout_ground_ecef_m, d.launch_ecef_m);
		struct track_gauss g;
		good_radar_track(x, &g);
		struct track_point_pred lp;
		assert_int_equal(track_launch_from_ballistic(&g, 0, 3600, &lp), 0);
		double d2 = NAN, tl = lp.t_ns * 1e-9 + t;
		int in = track_point_in_ellipse(&lp, pad, &d2);
		print_message("%s: boost ground range %.0f km (burnout %.0f km high), the model's "
		              "%.0f km, n_stages %d, pad %.1f km off (%.2f D), d2 %.2f of the "
		              "ellipse (%.1f x %.1f km), time %+.1f s "
		              "against sigma %.1f s\n",
		              fl[i].law, D / 1e3, track_model_height_m(bo) / 1e3, Dm / 1e3,
		              d.n_stages, e / 1e3, e / D, d2, lp.semi_major_m / 1e3,
		              lp.semi_minor_m / 1e3, tl, lp.sigma_t_s);
		if (d.n_stages != 2)
			fail_msg("%s: %d stages chosen, want 2", fl[i].law, d.n_stages);
		if (i == 0 && e > 0.03 * D)
			fail_msg("gravity turn: pad %.1f km off, more than 3%% of D %.0f km",
			         e / 1e3, D / 1e3);
		if (i == 1 && e < 0.2 * D)
			fail_msg("linear tangent: pad only %.1f km off (%.2f D): the steering law "
			         "would not matter",
			         e / 1e3, e / D);
		if (in != 1 || fabs(tl) > 1.96 * lp.sigma_t_s)
			fail_msg("%s: pad at d2 %.2f, time %+.1f s against sigma %.1f s", fl[i].law,
			         d2, tl, lp.sigma_t_s);
	}
}

/*
 * A three-stage boost flown here (not by the simulator) with a given
 * total burn time: stage i burns T_i at the constant-thrust law of its
 * own thrust-to-weight n_i = Isp (1 - mu) / T_i (equal mass ratios mu),
 * thrust along the velocity (vertical to 50 m/s, then a kick of kick_deg
 * east and a gravity turn), gravity from geo_accel_ecef (the test
 * helper's independent RK4), no drag. Returns in x the state coast_s
 * after burnout and its time since lift-off.
 */
static double burn_fly(const double pad[3], const struct geo_lla *pl, double isp_s, double mu,
                       const double T[3], double kick_deg, double coast_s, double x[NX],
                       double *h_bo_m, double *vup_bo_m_s)
{
	double s[6], up[3], east[3] = {-sin(pl->lon_rad), cos(pl->lon_rad), 0.0};
	double rn = sqrt(pad[0] * pad[0] + pad[1] * pad[1] + pad[2] * pad[2]);
	for (int i = 0; i < 3; i++) {
		up[i] = pad[i] / rn;
		s[i] = pad[i];
		s[3 + i] = 0.1 * up[i]; /* at rest: thrust along v is up */
	}
	double t = 0.0;
	int kicked = 0;
	for (int st = 0; st < 3; st++) {
		double n = isp_s * (1.0 - mu) / T[st], ts = 0.0;
		while (ts < T[st] - 1e-9) {
			double h = fmin(0.1, T[st] - ts);
			double a = 9.80665 * n / (1.0 - (ts + 0.5 * h) * n / isp_s);
			truth_step_thrust(s, h, a);
			ts += h;
			t += h;
			double vn = sqrt(s[3] * s[3] + s[4] * s[4] + s[5] * s[5]);
			if (!kicked && vn >= 50.0) {
				double k = kick_deg * LT_DEG;
				for (int i = 0; i < 3; i++)
					s[3 + i] = vn * (cos(k) * up[i] + sin(k) * east[i]);
				kicked = 1;
			}
		}
	}
	double xb[NX] = {s[0], s[1], s[2], 0, 0, 0, 0, 0};
	*h_bo_m = track_model_height_m(xb);
	*vup_bo_m_s = 0.0;
	for (int i = 0; i < 3; i++)
		*vup_bo_m_s += s[3 + i] * s[i] / sqrt(s[0] * s[0] + s[1] * s[1] + s[2] * s[2]);
	truth_step(s, coast_s);
	memset(x, 0, NX * sizeof(double));
	memcpy(x, s, sizeof(s));
	return t + coast_s;
}

static void icbm_launch_time_covers_boosts_drawn_from_the_published_burn_times(void **state)
{
	(void)state;
	/* Stated (launch.c, ICBM class): the thrust-to-weight prior is a
	 * burn-time prior - total burn lognormal, central 95% 170-340 s
	 * (published: solid ICBMs ~3 min, liquid ~4 min, Titan II 336 s),
	 * median 240 s. Boosts are drawn from that burn-time range directly
	 * (total T, first stage's share 0.37 exp(0.2 z) with a lift-off
	 * F/W of at least 1.2, Isp from the
	 * model's prior, mass ratios for an ideal 8.2 km/s, kick 1-3 deg,
	 * smaller if the boost would not climb),
	 * flown here and estimated from a good track's state (50 m, 1 m/s)
	 * 60 s after burnout. The launch time's error against the stated
	 * sigma without its steering-duration term (recovered from sigma_t:
	 * vt = (v_p (1 + s^2) + s^2 Dt^2), s the duration part at the
	 * state's ICBM weight (launch.h), the
	 * flights fly the model's own steering law) lies within 1.96 sigma
	 * in a 99% binomial region of 0.95, both sides: a burn-time
	 * statement too narrow or too wide, or off-centre, fails. With
	 * the F/W medians before session 10 (2.5, 3: a 175-180 s burn)
	 * this fails: 11 of 20 inside, mean error +31 s, RMS 37 s against
	 * 20 s stated (now 19 of 20, +1 s, 27 s against 30 s). The full
	 * sigma must cover at least the region's lower end too. */
	struct geo_lla pl = {.lat_rad = 40.0 * LT_DEG, .lon_rad = 127.0 * LT_DEG};
	double pad[3];
	geo_lla_to_ecef(&pl, pad);
	uint64_t rng = 20261201;
	const int n = 20; /* ~0.7 s of CPU each under ASan */
	int in_p = 0, in_full = 0;
	double vlo = 1e9, vhi = 0.0;
	double se = 0.0, se2 = 0.0, ss2 = 0.0;
	for (int k = 0; k < n; k++) {
		double isp = 255.0 * exp(0.08 * rng_gauss(&rng));
		double tb = 240.0 * exp(0.177 * rng_gauss(&rng));
		double mu = exp(-8200.0 / (3.0 * isp * 9.80665)), f1;
		/* The first stage must lift off: F/W at least 1.2 (Titan II's
		 * was 1.27), else its share is drawn again. */
		do
			f1 = 0.37 * exp(0.2 * rng_gauss(&rng));
		while (isp * (1.0 - mu) / (f1 * tb) < 1.2);
		double kick = 1.0 + 2.0 * rng_unif(&rng);
		double T[3] = {f1 * tb, 0.5 * (1.0 - f1) * tb, 0.5 * (1.0 - f1) * tb};
		double x[NX], t, hb, vub;
		/* A long, low-thrust burn needs a smaller kick to stay up: the
		 * kick is cut until the burnout is above 100 km and climbing. */
		for (int it = 0;; it++) {
			t = burn_fly(pad, &pl, isp, mu, T, kick, 60.0, x, &hb, &vub);
			if ((hb > 100e3 && vub > 0.0) || it == 8)
				break;
			kick *= 0.7;
		}
		struct track_launch_detail d;
		int rcp = track_launch_point(x, 0, NULL, 3600, &d);
		if (rcp != 0)
			fail_msg("draw %d (Isp %.0f s, burn %.0f s, kick %.1f deg, burnout %.0f km "
			         "high, climbing %.0f m/s): rc %d",
			         k, isp, tb, kick, hb / 1e3, vub, rcp);
		if (d.n_stages != 3)
			fail_msg("draw %d: %d stages (burnout %.0f m/s), want the ICBM class", k,
			         d.n_stages, d.v_burnout_m_s);
		vlo = fmin(vlo, d.v_burnout_m_s);
		vhi = fmax(vhi, d.v_burnout_m_s);
		struct track_gauss g;
		good_radar_track(x, &g);
		struct track_point_pred lp;
		assert_int_equal(track_launch_from_ballistic(&g, 0, 3600, &lp), 0);
		const double st =
		    TRACK_LAUNCH_STEER_SIG +
		    d.icbm_weight * (TRACK_LAUNCH_STEER_SIG_T - TRACK_LAUNCH_STEER_SIG);
		const double s2 = st * st;
		double Dt = d.t_launch_s - d.t_burnout_s;
		double vp = (lp.sigma_t_s * lp.sigma_t_s - s2 * Dt * Dt) / (1.0 + s2);
		assert_true(vp > 0.0);
		double e = lp.t_ns * 1e-9 + t; /* estimated minus true lift-off */
		in_p += fabs(e) <= 1.96 * sqrt(vp);
		in_full += fabs(e) <= 1.96 * lp.sigma_t_s;
		se += e;
		se2 += e * e;
		ss2 += vp;
	}
	print_message("ICBM boosts drawn from the burn-time prior (burnout %.0f-%.0f m/s): launch "
	              "time error mean %+.1f s, RMS %.1f s; stated sigma (parameters and state) "
	              "RMS %.1f s; full sigma covers %d\n",
	              vlo, vhi, se / n, sqrt(se2 / n), sqrt(ss2 / n), in_full);
	check_binom("ICBM burn-time prior, launch time (parameter part)", in_p, n);
	int lo, hi;
	assert_int_equal(track_binom_accept(n, 0.95, 0.99, &lo, &hi), 0);
	if (in_full < lo)
		fail_msg("full time sigma covers %d of %d, below %d", in_full, n, lo);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(boost_basis_from_first_stage_states_finds_the_pad),
	    cmocka_unit_test(boost_basis_ellipse_and_time_sigma_match_monte_carlo),
	    cmocka_unit_test(ballistic_basis_ellipse_and_time_sigma_match_monte_carlo),
	    cmocka_unit_test(ballistic_basis_from_post_burnout_states_of_short_range_flights),
	    cmocka_unit_test(basis_requires_a_well_determined_thrust),
	    cmocka_unit_test(tracked_srbm_launch_estimate_is_accurate_and_covered),
	    cmocka_unit_test(boost_basis_reach_ends_at_2_km_s),
	    cmocka_unit_test(irbm_seen_in_its_last_seconds_of_boost_gets_a_covering_estimate),
	    cmocka_unit_test(steering_law_term_covers_a_linear_tangent_upper_stage),
	    cmocka_unit_test(icbm_launch_time_covers_boosts_drawn_from_the_published_burn_times),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
