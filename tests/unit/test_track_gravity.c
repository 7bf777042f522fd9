/*
 * tests/unit/test_track_gravity.c - track/gravity_err.c: the
 * gravity-model error carried as a Schmidt consider parameter (the
 * cross-covariance C of the state's error with the unit Gauss-Markov
 * acceleration). A Monte Carlo of a long track and coast whose truth
 * has a Gauss-Markov acceleration of the stated size: the filter's
 * covariance must match the errors (ANEES inside its two-sided 95%
 * chi-square region), where stating the error per interval as
 * independent (the filter before C) is overconfident; and the two ways
 * of forming Phi C (the state-transition matrix, the sigma points) and
 * H C (the Jacobian, Pxz) must agree.
 */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "core/obs.h"
#include "geo/geo.h"
#include "track/gravity_err.h"
#include "track/imm.h"
#include "track/meas.h"
#include "track/model.h"
#include "track/stats.h"
#include "track/ukf.h"

#define NX TRACK_NX

#include "test_track_util.h"

/* NEES of the (r, v) error e under the covariance P's top-left 6 x 6. */
static double nees6(const double e[6], const double *P)
{
	double P6[36], L[36];
	for (int a = 0; a < 6; a++)
		for (int b = 0; b < 6; b++)
			P6[a * 6 + b] = P[a * NX + b];
	/* Cholesky, then |L^-1 e|^2 */
	for (int i = 0; i < 6; i++)
		for (int j = 0; j <= i; j++) {
			double s = P6[i * 6 + j];
			for (int k = 0; k < j; k++)
				s -= L[i * 6 + k] * L[j * 6 + k];
			if (i == j) {
				assert_true(s > 0.0);
				L[i * 6 + i] = sqrt(s);
			} else {
				L[i * 6 + j] = s / L[j * 6 + j];
			}
		}
	double y[6], d = 0.0;
	for (int i = 0; i < 6; i++) {
		double s = e[i];
		for (int k = 0; k < i; k++)
			s -= L[i * 6 + k] * y[k];
		y[i] = s / L[i * 6 + i];
		d += y[i] * y[i];
	}
	return d;
}

#define GM_RUNS   200
#define GM_TRACK  60 /* updates, every GM_DT_S */
#define GM_DT_S   10.0
#define GM_COAST  3 /* coast checkpoints */
#define GM_CHECKS (2 + GM_COAST)

/*
 * One Monte Carlo of the tracked and coasting object. The truth: a
 * near-circular orbit ~1,000 km up (no drag), integrated by the
 * independent 0.1 s RK4 of test_track_util.h, plus a Gauss-Markov
 * acceleration a = sigma_g(r) b per axis, b of unit variance and
 * correlation time TRACK_GRAV_TAU_S (exact discrete steps of 1 s, a held
 * over each second), sigma_g the filter's own EGM96 figure - the world
 * the stated error describes. One radar under the track measures range
 * (2 m) and angles (2 urad, 2-4 m) every 10 s for 600 s; then the
 * estimate is predicted over a coast of 300, 1,000 and 2,000 s in one
 * step, and at the end of the track and 1,000 s into the coast by a
 * chain of 10 s predictions. forget = 1 zeroes C before every
 * prediction: each interval's gravity error independent of the past,
 * the filter before the consider parameter.
 * NEES (6 dof) at: [0] the last update, [1] the chained coast, [2..]
 * the one-step coasts.
 */
static void gm_monte_carlo(int forget, double anees[GM_CHECKS])
{
	const struct track_motion mo = {.thrust = 0,
	                                .q_acc_m2_s3 = 1e-10,
	                                .q_k = 0.0,
	                                .q_at_m2_s5 = 0.0,
	                                .grav_err = TRACK_GRAV_ERR_EGM96};
	static const double coast_s[GM_COAST] = {300.0, 1000.0, 2000.0};
	const double chain_s = 1000.0;
	struct geo_lla rp = {geo_rad(38), geo_rad(135), 0};
	double radar[3];
	geo_lla_to_ecef(&rp, radar);
	double sum[GM_CHECKS] = {0};
	const double f1 = exp(-1.0 / TRACK_GRAV_TAU_S), w1 = sqrt(1.0 - f1 * f1);
	for (int run = 0; run < GM_RUNS; run++) {
		uint64_t rng = 0x5eed0000ull + 7919ull * (uint64_t)run;
		struct geo_lla tp = {geo_rad(38), geo_rad(120), 1000e3};
		double tr[6];
		geo_lla_to_ecef(&tp, tr);
		double ve[3] = {7300.0, 0.0, 20.0};
		geo_vec_enu_to_ecef(&tp, ve, tr + 3);
		double b[3];
		for (int i = 0; i < 3; i++)
			b[i] = rng_gauss(&rng);
			/* the truth over dt (whole seconds) */
#define TRUTH_ADVANCE(dt_whole_s)                                                                  \
	for (int sec = 0; sec < (int)(dt_whole_s); sec++) {                                        \
		double x8[NX] = {0};                                                               \
		memcpy(x8, tr, sizeof(tr));                                                        \
		double sg = track_model_grav_sigma(x8, TRACK_GRAV_ERR_EGM96);                      \
		truth_step(tr, 1.0);                                                               \
		for (int i = 0; i < 3; i++) {                                                      \
			tr[i] += 0.5 * sg * b[i];                                                  \
			tr[3 + i] += sg * b[i];                                                    \
			b[i] = f1 * b[i] + w1 * rng_gauss(&rng);                                   \
		}                                                                                  \
	}
		struct track_gauss g;
		memset(&g, 0, sizeof(g));
		const double sd[NX] = {100, 100, 100, 1, 1, 1, 0.1, 0.1};
		for (int i = 0; i < 6; i++)
			g.x[i] = tr[i] + sd[i] * rng_gauss(&rng);
		g.x[TRACK_IX_K] = 1.0;
		for (int i = 0; i < NX; i++)
			g.P[i * NX + i] = sd[i] * sd[i];
		for (int k = 0; k < GM_TRACK; k++) {
			TRUTH_ADVANCE(GM_DT_S);
			struct mw_obs o;
			make_radar_obs(radar, tr, 2.0, 2e-6, 0.0, &rng, &o);
			struct track_meas m;
			assert_int_equal(track_meas_prepare(&o, &m), 0);
			struct track_gauss p;
			struct track_zpred zp;
			double nis;
			if (forget)
				memset(g.C, 0, sizeof(g.C));
			assert_int_equal(track_ukf_predict(&g, GM_DT_S, &mo, &p), 0);
			assert_int_equal(track_ukf_zpredict(&p, &m, &zp), 0);
			assert_int_equal(track_ukf_update(&p, &zp, &m, &g, &nis), 0);
		}
		double e[6];
		for (int i = 0; i < 6; i++)
			e[i] = g.x[i] - tr[i];
		sum[0] += nees6(e, g.P);
		/* the coast: one-step predictions at the checkpoints, and the
		 * chain of 10 s predictions to chain_s */
		struct track_gauss c = g;
		double t = 0.0;
		int next = 0;
		while (next < GM_COAST) {
			TRUTH_ADVANCE(GM_DT_S);
			t += GM_DT_S;
			struct track_gauss cn;
			if (forget)
				memset(c.C, 0, sizeof(c.C));
			if (t <= chain_s) {
				assert_int_equal(track_ukf_predict(&c, GM_DT_S, &mo, &cn), 0);
				c = cn;
			}
			if (fabs(t - chain_s) < 1e-9) {
				for (int i = 0; i < 6; i++)
					e[i] = c.x[i] - tr[i];
				sum[1] += nees6(e, c.P);
			}
			if (fabs(t - coast_s[next]) < 1e-9) {
				struct track_gauss q;
				struct track_gauss g0 = g;
				if (forget)
					memset(g0.C, 0, sizeof(g0.C));
				assert_int_equal(track_ukf_predict(&g0, t, &mo, &q), 0);
				for (int i = 0; i < 6; i++)
					e[i] = q.x[i] - tr[i];
				sum[2 + next] += nees6(e, q.P);
				next++;
			}
		}
#undef TRUTH_ADVANCE
	}
	for (int c = 0; c < GM_CHECKS; c++)
		anees[c] = sum[c] / GM_RUNS;
}

/*
 * With C carried, the ANEES at the end of a 600 s track and over the
 * coast is inside its 95% region [chi2(0.025, 6n), chi2(0.975, 6n)] / n
 * (n = 200 runs: [5.53, 6.49]); with C forgotten before every
 * prediction (each interval's error independent, the filter before
 * this change) at least one checkpoint is above the region
 * (overconfident) - the test's power against the old filter.
 */
static void gravity_consider_is_consistent_over_a_long_track_and_coast(void **state)
{
	(void)state;
	static const char *what[GM_CHECKS] = {"end of track", "1,000 s chained coast",
	                                      "300 s coast", "1,000 s coast", "2,000 s coast"};
	double lo, hi, with[GM_CHECKS], without[GM_CHECKS];
	track_anees_bounds(6, GM_RUNS, 0.95, &lo, &hi);
	gm_monte_carlo(0, with);
	gm_monte_carlo(1, without);
	int old_out = 0;
	for (int c = 0; c < GM_CHECKS; c++) {
		print_message("%-22s ANEES %.2f (C forgotten: %.2f), region [%.2f, %.2f]\n",
		              what[c], with[c], without[c], lo, hi);
		if (!(with[c] >= lo && with[c] <= hi))
			fail_msg("%s: ANEES %.3f outside [%.3f, %.3f] with the consider covariance",
			         what[c], with[c], lo, hi);
		if (without[c] > hi)
			old_out++;
	}
	if (!old_out)
		fail_msg("forgetting C left every checkpoint inside: the test has no power");
}

/* A random SPD 8 x 8 (covariance of a midcourse estimate: position
 * sigmas 5-500 m, velocity 0.01-1 m/s, correlated) and a C with P - C
 * C^T SPD. */
static void random_state(uint64_t *rng, struct track_gauss *g)
{
	memset(g, 0, sizeof(*g));
	struct geo_lla tp = {geo_rad(-60 + 120 * rng_unif(rng)), geo_rad(360 * rng_unif(rng)),
	                     400e3 + 2000e3 * rng_unif(rng)};
	geo_lla_to_ecef(&tp, g->x);
	double ve[3] = {3000 + 4000 * rng_unif(rng), 500 * rng_gauss(rng), 300 * rng_gauss(rng)};
	geo_vec_enu_to_ecef(&tp, ve, g->x + 3);
	g->x[TRACK_IX_K] = 1.0;
	double A[NX * NX], sd[NX];
	for (int i = 0; i < NX; i++)
		sd[i] = i < 3 ? 5.0 * pow(100.0, rng_unif(rng))
		              : (i < 6 ? 0.01 * pow(100.0, rng_unif(rng)) : 0.1);
	for (int i = 0; i < NX * NX; i++)
		A[i] = rng_gauss(rng);
	/* P = D (A A^T / NX + I) D */
	for (int i = 0; i < NX; i++)
		for (int j = 0; j < NX; j++) {
			double s = i == j ? 1.0 : 0.0;
			for (int k = 0; k < NX; k++)
				s += A[i * NX + k] * A[j * NX + k] / NX;
			g->P[i * NX + j] = sd[i] * sd[j] * s;
		}
	/* C = 0.5 D A[:, 0..2] / sqrt(NX) (P - C C^T >= D D / 2 > 0) */
	for (int i = 0; i < NX; i++)
		for (int b = 0; b < 3; b++)
			g->C[i * 3 + b] = 0.5 * sd[i] * A[i * NX + b] / sqrt((double)NX);
}

/*
 * Phi C from the sigma points (track_ukf_predict_ut) against Phi C from
 * the state-transition matrix (track_ukf_predict_lin) over 1-10 s in
 * vacuum, where the two predictions are the same to well below the
 * noise: the predicted C within 1e-4 of sqrt(P_ii) per entry (C's
 * entries are covariances with a unit variable) and P within 1e-4 of
 * sqrt(P_ii P_jj); and H C from Pxz (unscented measurement prediction)
 * against H C from the Jacobian (linearised) for a distant radar, and
 * the updated C of both within 1e-3 of sqrt(P_ii). 200 random cases.
 */
static void consider_terms_agree_between_sigma_points_and_linearisation(void **state)
{
	(void)state;
	uint64_t rng = 99;
	const struct track_motion mo = {.thrust = 0,
	                                .q_acc_m2_s3 = 1e-9,
	                                .q_k = 1e-4,
	                                .q_at_m2_s5 = 0.0,
	                                .grav_err = TRACK_GRAV_ERR_EGM96};
	double worst_c = 0, worst_p = 0, worst_u = 0;
	for (int n = 0; n < 200; n++) {
		struct track_gauss g, a, b;
		random_state(&rng, &g);
		double dt = 1.0 + 9.0 * rng_unif(&rng);
		assert_int_equal(track_ukf_predict_lin(&g, dt, &mo, &a), 0);
		assert_int_equal(track_ukf_predict_ut(&g, dt, &mo, &b), 0);
		for (int i = 0; i < NX; i++) {
			double si = sqrt(a.P[i * NX + i]);
			for (int k = 0; k < 3; k++) {
				double d = fabs(a.C[i * 3 + k] - b.C[i * 3 + k]) / si;
				if (d > worst_c)
					worst_c = d;
			}
			for (int j = 0; j < NX; j++) {
				double d = fabs(a.P[i * NX + j] - b.P[i * NX + j]) /
				           sqrt(a.P[i * NX + i] * a.P[j * NX + j]);
				if (d > worst_p)
					worst_p = d;
			}
		}
		/* a radar ~1,000-3,000 km away: the linearised prediction */
		struct geo_lla tl;
		assert_int_equal(geo_ecef_to_lla(a.x, &tl), 0);
		struct geo_lla rl = {tl.lat_rad - geo_rad(8 + 10 * rng_unif(&rng)), tl.lon_rad, 0};
		double radar[3], tr[6];
		geo_lla_to_ecef(&rl, radar);
		memcpy(tr, a.x, sizeof(tr));
		struct mw_obs o;
		make_radar_obs(radar, tr, 20.0, 1e-4, 0.0, &rng, &o);
		struct track_meas m;
		assert_int_equal(track_meas_prepare(&o, &m), 0);
		struct track_zpred zl, zu;
		struct track_gauss ul, uu;
		double nis;
		assert_int_equal(track_ukf_zpredict_lin(&a, &m, &zl), 0);
		assert_int_equal(track_ukf_zpredict_ut(&a, &m, &zu), 0);
		assert_true(zl.has_hc && zu.has_hc);
		assert_int_equal(track_ukf_update(&a, &zl, &m, &ul, &nis), 0);
		assert_int_equal(track_ukf_update(&a, &zu, &m, &uu, &nis), 0);
		for (int i = 0; i < NX; i++) {
			double si = sqrt(ul.P[i * NX + i]);
			for (int k = 0; k < 3; k++) {
				double d = fabs(ul.C[i * 3 + k] - uu.C[i * 3 + k]) / si;
				if (d > worst_u)
					worst_u = d;
			}
		}
	}
	print_message("worst |dC| %.2e sigma, |dP| %.2e, updated |dC| %.2e sigma\n", worst_c,
	              worst_p, worst_u);
	if (!(worst_c < 1e-4 && worst_p < 1e-4 && worst_u < 1e-3))
		fail_msg("sigma points vs linearisation: C %.3g, P %.3g, updated C %.3g (sigmas)",
		         worst_c, worst_p, worst_u);
}

/*
 * The consider terms over one interval are the exact joint moments of
 * the kinematic displacement of a Gauss-Markov acceleration: the
 * gammas' series and closed forms meet, their limits are the constant
 * acceleration's (dt^2 / 2, dt), and Gamma Gamma^T <= the stationary
 * displacement covariance (track_model_gm_q) with equality as dt / tau
 * -> 0; and Cov(displacement, b(dt)) against a Monte Carlo (4,000
 * processes at 0.5 s steps, within 4 standard errors).
 */
static void consider_gammas_are_the_gauss_markov_moments(void **state)
{
	(void)state;
	const double tau = 400.0;
	double a[4], b[4];
	track_grav_gammas(tau, 4.0 * (1 - 1e-12), a);
	track_grav_gammas(tau, 4.0 * (1 + 1e-12), b);
	for (int c = 0; c < 3; c++)
		if (!(fabs(a[c] / b[c] - 1.0) < 1e-9))
			fail_msg("series / closed form at x = 0.01, term %d: %.12g vs %.12g", c,
			         a[c], b[c]);
	track_grav_gammas(1e6, 2.0, a);
	if (!(fabs(a[0] / 2.0 - 1) < 1e-5 && fabs(a[1] / 2.0 - 1) < 1e-5 &&
	      fabs(a[2] / 2.0 - 1) < 1e-5))
		fail_msg("dt << tau: %.8g %.8g %.8g, want 2 2 2", a[0], a[1], a[2]);
	track_grav_gammas(1e6, -2.0, b);
	if (!(b[0] == a[0] && b[1] == -a[1] && b[2] == a[2]))
		fail_msg("dt < 0: %.8g %.8g %.8g", b[0], b[1], b[2]);
	const double dts[] = {50.0, 400.0, 1600.0};
	uint64_t rng = 31337;
	for (size_t k = 0; k < sizeof(dts) / sizeof(dts[0]); k++) {
		double g[4], q[3];
		track_grav_gammas(tau, dts[k], g);
		track_model_gm_q(1.0, tau, dts[k], q);
		/* Q - Gamma Gamma^T must be PSD (the part independent of b0) */
		double r0 = q[0] - g[0] * g[0], r1 = q[1] - g[0] * g[1], r2 = q[2] - g[1] * g[1];
		if (!(r0 >= -1e-9 * q[0] && r2 >= -1e-9 * q[2] &&
		      r0 * r2 - r1 * r1 >= -1e-9 * q[0] * q[2]))
			fail_msg("dt %.0f: Q - Gamma Gamma^T not PSD (%.6g %.6g %.6g)", dts[k], r0,
			         r1, r2);
		const double h = 0.5, phi = exp(-h / tau), w = sqrt(1.0 - phi * phi);
		int steps = (int)(dts[k] / h + 0.5), n = 4000;
		double s0r = 0, s0v = 0, s1r = 0, s1v = 0;
		for (int i = 0; i < n; i++) {
			double b0 = rng_gauss(&rng), bb = b0, r = 0, v = 0;
			for (int j = 0; j < steps; j++) {
				double b1 = phi * bb + w * rng_gauss(&rng);
				r += v * h + h * h * (bb / 3.0 + b1 / 6.0);
				v += 0.5 * h * (bb + b1);
				bb = b1;
			}
			s0r += r * b0;
			s0v += v * b0;
			s1r += r * bb;
			s1v += v * bb;
		}
		double got[4] = {s0r / n, s0v / n, s1r / n, s1v / n},
		       want[4] = {g[0], g[1], g[2], g[1]};
		double var[4] = {q[0], q[2], q[0], q[2]};
		const char *nm[4] = {"cov(dr, b0)", "cov(dv, b0)", "cov(dr, b1)", "cov(dv, b1)"};
		for (int c = 0; c < 4; c++) {
			/* the standard error of a mean of x y (x, y jointly Gaussian,
			 * var(y) = 1): sqrt((var x + cov^2) / n); 4 of them */
			double se = sqrt((var[c] + want[c] * want[c]) / n);
			if (!(fabs(got[c] - want[c]) < 4.0 * se))
				fail_msg("dt %.0f s: %s Monte Carlo %.6g, formula %.6g (4 se %.3g)",
				         dts[k], nm[c], got[c], want[c], 4.0 * se);
		}
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(consider_gammas_are_the_gauss_markov_moments),
	    cmocka_unit_test(consider_terms_agree_between_sigma_points_and_linearisation),
	    cmocka_unit_test(gravity_consider_is_consistent_over_a_long_track_and_coast),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
