/*
 * tests/unit/test_track_filter.c - track/model.c, meas.c, ukf.c, imm.c:
 * the motion model against conserved quantities, the measurement models
 * against geo/, and the filters' statistical consistency (NEES inside
 * two-sided chi-square bounds over fixed-seed Monte Carlo runs) on a
 * ballistic truth integrated here by an independent fine-step RK4 on
 * geo_accel_ecef.
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
#include "core/obs.h"
#include "geo/geo.h"
#include "mat/mat.h"
#include "track/imm.h"
#include "track/meas.h"
#include "track/model.h"
#include "track/stats.h"
#include "track/tracker.h"
#include "track/ukf.h"
#include "track/chol.h"

#define NX TRACK_NX

#include "test_track_util.h"

#define PREGATE_SIGMAS_TEST 5.0 /* tracker.c PREGATE_SIGMAS */

/* ---- model ---- */

/* Jacobi integral of the rotating frame: 1/2 v^2 - 1/2 w^2 (x^2+y^2) + V(r),
 * V = -mu/r + mu J2 a^2 / (2 r^3) (3 z^2/r^2 - 1). */
static double jacobi(const double x[6])
{
	double r2 = x[0] * x[0] + x[1] * x[1] + x[2] * x[2], r = sqrt(r2);
	double v2 = x[3] * x[3] + x[4] * x[4] + x[5] * x[5];
	double w = GEO_OMEGA_E_RAD_S, mu = GEO_GM_M3_S2, a = GEO_WGS84_A_M;
	double V = -mu / r + mu * GEO_J2 * a * a / (2 * r2 * r) * (3 * x[2] * x[2] / r2 - 1);
	return 0.5 * v2 - 0.5 * w * w * (x[0] * x[0] + x[1] * x[1]) + V;
}

static void model_conserves_jacobi_integral_and_reverses(void **state)
{
	(void)state;
	struct geo_lla p = {geo_rad(40), geo_rad(127), 400e3};
	double x[NX];
	geo_lla_to_ecef(&p, x);
	double ve[3] = {5000, 2000, 500};
	geo_vec_enu_to_ecef(&p, ve, x + 3);
	x[6] = 0.0; /* no drag: the integral is conserved */
	double y[NX], z[NX];
	assert_int_equal(track_model_propagate(x, 300.0, 0, y), 0);
	double dj = fabs(jacobi(y) - jacobi(x)) / fabs(jacobi(x));
	if (dj > 1e-10)
		fail_msg("Jacobi integral drift %.3e over 300 s", dj);
	assert_int_equal(track_model_propagate(y, -300.0, 0, z), 0);
	double e = 0;
	for (int i = 0; i < 3; i++)
		e += (z[i] - x[i]) * (z[i] - x[i]);
	if (sqrt(e) > 1e-3)
		fail_msg("forward-backward 300 s position error %.3e m", sqrt(e));
	/* Against the independent 0.1 s truth integrator. */
	double t[6];
	memcpy(t, x, sizeof(t));
	truth_step(t, 300.0);
	double d = 0;
	for (int i = 0; i < 3; i++)
		d += (t[i] - y[i]) * (t[i] - y[i]);
	if (sqrt(d) > 0.5)
		fail_msg("10 s RK4 vs 0.1 s RK4 over 300 s: %.3f m", sqrt(d));
}

static void model_drag_slows_reentry_and_grows_with_theta(void **state)
{
	(void)state;
	struct geo_lla p = {geo_rad(35), geo_rad(135), 30e3};
	double x[NX];
	geo_lla_to_ecef(&p, x);
	double ve[3] = {3000, 0, -2000};
	geo_vec_enu_to_ecef(&p, ve, x + 3);
	double a0[3], a1[3], a2[3];
	x[6] = 0.0;
	assert_int_equal(track_model_accel(x, 0, a0), 0);
	x[6] = 1.0;
	assert_int_equal(track_model_accel(x, 0, a1), 0);
	x[6] = 2.0;
	assert_int_equal(track_model_accel(x, 0, a2), 0);
	/* Drag = -1/2 rho theta |v| v: opposite to v, linear in theta. */
	double rho = geo_air_density(track_model_height_m(x));
	double vn = sqrt(x[3] * x[3] + x[4] * x[4] + x[5] * x[5]);
	for (int i = 0; i < 3; i++) {
		double want = -0.5 * rho * 1e-4 * vn * x[3 + i];
		if (fabs((a1[i] - a0[i]) - want) > 1e-9 * vn * vn * rho + 1e-12)
			fail_msg("drag axis %d: %.6g want %.6g", i, a1[i] - a0[i], want);
		assert_true(fabs((a2[i] - a0[i]) - 2 * (a1[i] - a0[i])) < 1e-9);
	}
}

/* The drag parameter's random walk acts only where the air acts: zero
 * above the drag ceiling, q_k at sea level, scaled by the density
 * between (k neither changes nor is observed in vacuum, and a walk
 * there would erase what the ascent taught the filter). */
static void drag_parameter_walk_scales_with_air_density(void **state)
{
	(void)state;
	const struct track_motion mo = {.thrust = 0, .q_acc_m2_s3 = 1e-4, .q_k = 1e-4};
	const double hs[] = {400e3, 120e3, 50e3, 10e3, 0.0};
	for (size_t i = 0; i < sizeof(hs) / sizeof(hs[0]); i++) {
		struct geo_lla p = {geo_rad(40), geo_rad(130), hs[i]};
		double x[TRACK_NX] = {0};
		geo_lla_to_ecef(&p, x);
		x[TRACK_IX_K] = 1.0;
		double P[TRACK_NX * TRACK_NX] = {0};
		track_model_add_q(P, 100.0, &mo, x);
		double want =
		    hs[i] > 300e3 ? 0.0 : 1e-4 * 100.0 * geo_air_density(hs[i]) / TRACK_RHO0_KG_M3;
		double got = P[TRACK_IX_K * TRACK_NX + TRACK_IX_K];
		if (fabs(got - want) > 1e-9 * want + 1e-300)
			fail_msg("h %.0f m: Q_kk %.6g, want %.6g", hs[i], got, want);
		/* the kinematic part does not depend on the height */
		if (fabs(P[0] - 1e-4 * 1e6 / 3.0) > 1e-9)
			fail_msg("Q_rr %.6g", P[0]);
	}
}

/* The gravity-model error's Gauss-Markov displacement covariance
 * (track_model_gm_q) against a Monte Carlo of the process itself: 4,000
 * stationary Ornstein-Uhlenbeck accelerations (exact discretisation at
 * 0.5 s) integrated to (dr, dv) over intervals from 0.05 to 4 correlation
 * times; sample variances and covariance within 6% (the sample variance's
 * standard error at n = 4,000 is 2.2%), the closed form and the series
 * continuous where they meet, and the limits: the rank-one constant
 * acceleration (dt^4/4, dt^3/2, dt^2) s^2 for dt << tau, white noise of
 * density 2 s^2 tau for dt >> tau. */
static void gravity_error_covariance_matches_a_gauss_markov_monte_carlo(void **state)
{
	(void)state;
	const double sig = 2e-5, tau = 400.0, h = 0.5;
	const double dts[] = {20.0, 200.0, 800.0, 1600.0};
	const int n = 4000;
	uint64_t rng = 0x9e3779b97f4a7c15ull;
	for (size_t k = 0; k < sizeof(dts) / sizeof(dts[0]); k++) {
		double srr = 0, srv = 0, svv = 0;
		const double phi = exp(-h / tau), w = sig * sqrt(1.0 - phi * phi);
		int steps = (int)(dts[k] / h + 0.5);
		for (int i = 0; i < n; i++) {
			double a = sig * rng_gauss(&rng), r = 0, v = 0;
			for (int j = 0; j < steps; j++) {
				/* exact for a linear in the step (trapezoid) */
				double a1 = phi * a + w * rng_gauss(&rng);
				r += v * h + h * h * (a / 3.0 + a1 / 6.0);
				v += 0.5 * h * (a + a1);
				a = a1;
			}
			srr += r * r;
			srv += r * v;
			svv += v * v;
		}
		double q[3];
		track_model_gm_q(sig, tau, dts[k], q);
		double got[3] = {srr / n, srv / n, svv / n};
		const char *nm[3] = {"var(dr)", "cov(dr, dv)", "var(dv)"};
		for (int c = 0; c < 3; c++)
			if (!(fabs(got[c] / q[c] - 1.0) < 0.06))
				fail_msg(
				    "dt %.0f s: %s Monte Carlo %.6g, formula %.6g (ratio %.4f)",
				    dts[k], nm[c], got[c], q[c], got[c] / q[c]);
	}
	/* series / closed form at x = 0.05 */
	double a[3], b[3];
	track_model_gm_q(1.0, 100.0, 5.0 * (1 - 1e-12), a);
	track_model_gm_q(1.0, 100.0, 5.0 * (1 + 1e-12), b);
	for (int c = 0; c < 3; c++)
		if (!(fabs(a[c] / b[c] - 1.0) < 1e-8))
			fail_msg("discontinuity at x = 0.05, term %d: %.12g vs %.12g", c, a[c],
			         b[c]);
	/* limits */
	double dt = 1.0, q[3];
	track_model_gm_q(1.0, 1e4, dt, q);
	if (!(fabs(q[0] / 0.25 - 1) < 1e-3 && fabs(q[1] / 0.5 - 1) < 1e-3 && fabs(q[2] - 1) < 1e-3))
		fail_msg("dt << tau: %.6g %.6g %.6g, want 0.25 0.5 1", q[0], q[1], q[2]);
	dt = 1e6;
	track_model_gm_q(1.0, 10.0, dt, q);
	double qw = 2.0 * 10.0;
	if (!(fabs(q[2] / (qw * dt) - 1) < 1e-4 &&
	      fabs(q[0] / (qw * dt * dt * dt / 3.0) - 1) < 1e-4))
		fail_msg("dt >> tau: %.6g %.6g, want %.6g %.6g", q[2], q[0], qw * dt,
		         qw * dt * dt * dt / 3.0);
}

/* sigma_g: zero when the truth's gravity is the model's; for the J3/J4
 * zonal field it is the RMS over the sphere of that field's acceleration,
 * per axis - checked against a quadrature of |a|^2 / 3 over latitude of
 * the gradient of the J3, J4 potential written out here; for EGM96 the
 * tabulated field falls with height (3.2e-4 m/s^2 per axis at the
 * surface, 1.2e-5 at 4,000 km) and exceeds the J3/J4 part alone. The
 * stated error adds nothing to Q when it is NONE (bit-identical). */
static void gravity_error_sigma_is_the_rms_of_the_omitted_field(void **state)
{
	(void)state;
	const double J[2] = {-0.957254173792e-6 * sqrt(7.0), -0.539873863789e-6 * 3.0};
	const double hs[] = {0.0, 300e3, 1500e3, 4500e3};
	for (size_t k = 0; k < sizeof(hs) / sizeof(hs[0]); k++) {
		double rn = GEO_WGS84_A_M + hs[k], acc = 0.0, wsum = 0.0;
		for (int i = 0; i < 2000; i++) {
			double u =
			    -1.0 + (i + 0.5) / 1000.0; /* sin(latitude), uniform on the sphere */
			double ar = 0.0, at = 0.0;
			for (int m = 0; m < 2; m++) {
				int n = 3 + m;
				double p = n == 3 ? 0.5 * (5 * u * u * u - 3 * u)
				                  : (35 * u * u * u * u - 30 * u * u + 3) / 8.0;
				double dp = n == 3 ? 0.5 * (15 * u * u - 3)
				                   : (140 * u * u * u - 60 * u) / 8.0;
				double c =
				    GEO_GM_M3_S2 * J[m] * pow(GEO_WGS84_A_M / rn, n) / (rn * rn);
				ar += c * (n + 1) * p;             /* radial */
				at += -c * dp * sqrt(1.0 - u * u); /* along the meridian */
			}
			acc += ar * ar + at * at;
			wsum += 1.0;
		}
		double want = sqrt(acc / wsum / 3.0);
		double r[3] = {rn, 0.0, 0.0};
		double got = track_model_grav_sigma(r, TRACK_GRAV_ERR_J3J4);
		if (!(fabs(got / want - 1.0) < 1e-3))
			fail_msg("h %.0f km: J3/J4 sigma %.6g, quadrature %.6g", hs[k] / 1e3, got,
			         want);
		double e = track_model_grav_sigma(r, TRACK_GRAV_ERR_EGM96);
		if (!(e > got))
			fail_msg("h %.0f km: EGM96 sigma %.6g not above the J3/J4 part %.6g",
			         hs[k] / 1e3, e, got);
		if (track_model_grav_sigma(r, TRACK_GRAV_ERR_NONE) != 0.0)
			fail_msg("NONE gives a non-zero sigma");
	}
	double r0[3] = {GEO_WGS84_A_M, 0, 0}, r4[3] = {GEO_WGS84_A_M + 4000e3, 0, 0};
	double s0 = track_model_grav_sigma(r0, TRACK_GRAV_ERR_EGM96);
	double s4 = track_model_grav_sigma(r4, TRACK_GRAV_ERR_EGM96);
	if (!(fabs(s0 - 3.234e-4) < 1e-7 && fabs(s4 - 1.243e-5) < 1e-8))
		fail_msg("EGM96 sigma %.4g at 0 km, %.4g at 4,000 km", s0, s4);
	struct track_motion mo = {.thrust = 0, .q_acc_m2_s3 = 1e-9, .q_k = 1e-4};
	double x[TRACK_NX] = {GEO_WGS84_A_M + 500e3, 0, 0, 0, 7000, 0, 1, 0};
	double P0[TRACK_NX * TRACK_NX] = {0}, P1[TRACK_NX * TRACK_NX] = {0};
	track_model_add_q(P0, 7.0, &mo, x);
	if (P0[0] != 1e-9 * 343.0 / 3.0 || P0[3 * TRACK_NX + 3] != 1e-9 * 7.0)
		fail_msg("NONE: Q_rr %.17g, Q_vv %.17g", P0[0], P0[3 * TRACK_NX + 3]);
	mo.grav_err = TRACK_GRAV_ERR_EGM96;
	track_model_add_q(P1, 7.0, &mo, x);
	double g[3];
	track_model_gm_q(track_model_grav_sigma(x, TRACK_GRAV_ERR_EGM96), TRACK_GRAV_TAU_S, 7.0, g);
	if (!(fabs(P1[3 * TRACK_NX + 3] - P0[3 * TRACK_NX + 3] - g[2]) < 1e-12 * g[2] + 1e-25))
		fail_msg("EGM96: Q_vv %.6g, want %.6g", P1[3 * TRACK_NX + 3],
		         P0[3 * TRACK_NX + 3] + g[2]);
}

static void linearised_prediction_matches_sigma_points_in_midcourse(void **state)
{
	(void)state;
	struct track_gauss g;
	memset(&g, 0, sizeof(g));
	struct geo_lla p = {geo_rad(40), geo_rad(130), 500e3};
	geo_lla_to_ecef(&p, g.x);
	double ve[3] = {4000, 3000, 800};
	geo_vec_enu_to_ecef(&p, ve, g.x + 3);
	g.x[TRACK_IX_K] = 1.0;
	g.x[TRACK_IX_AT] = 25.0;
	/* An early-track covariance: 1 km, 300 m/s, correlated. */
	double sd[NX] = {1000, 800, 1200, 300, 200, 250, 0.5, 10};
	for (int i = 0; i < NX; i++)
		for (int j = 0; j < NX; j++)
			g.P[i * NX + j] =
			    (i == j ? 1.0 : (i < 6 && j < 6 ? 0.3 : 0.0)) * sd[i] * sd[j];
	/* The non-thrusting model (the thrusting one is never linearised:
	 * ukf.h; track_ukf_predict_lin refuses it). */
	{
		struct track_motion mo = {
		    .thrust = 1, .q_acc_m2_s3 = 1.0, .q_k = 1e-4, .q_at_m2_s5 = 1.0};
		struct track_gauss b0;
		assert_int_equal(track_ukf_predict_lin(&g, 1.0, &mo, &b0), -EINVAL);
		mo.thrust = 0;
		double dts[] = {1.0, 5.0, 10.0};
		for (int d = 0; d < 3; d++) {
			struct track_gauss a, b;
			assert_int_equal(track_ukf_predict_ut(&g, dts[d], &mo, &a), 0);
			assert_int_equal(track_ukf_predict_lin(&g, dts[d], &mo, &b), 0);
			double dx = 0, num = 0, den = 0;
			for (int i = 0; i < 3; i++)
				dx += (a.x[i] - b.x[i]) * (a.x[i] - b.x[i]);
			/* Compare in units of the UT's own standard deviations. */
			for (int i = 0; i < NX; i++)
				for (int j = 0; j < NX; j++) {
					double s2 = sqrt(a.P[i * NX + i] * a.P[j * NX + j]);
					double e = (a.P[i * NX + j] - b.P[i * NX + j]) / s2;
					num += e * e;
					den += 1;
				}
			double rel = sqrt(num / den);
			if (getenv("TRACK_TEST_VERBOSE"))
				print_message("dt %.0f: mean diff %.3f m, cov diff %.2e\n", dts[d],
				              sqrt(dx), rel);
			/* identical to rounding */
			if (sqrt(dx) > 0.01 || rel > 1e-6)
				fail_msg("dt %.0f s: UT vs linearised: mean %.3f m, "
				         "covariance %.3e (relative to sigmas)",
				         dts[d], sqrt(dx), rel);
		}
	}
}

/*
 * The ballistic white q stands for what the equations of motion leave
 * out, and against the simulator's mu + J2 truth that is the RK4 error
 * of track_model_propagate's own steps (10 s above 300 km). Measured
 * over a lofted ICBM's coast from 1,000 km against the same integrator
 * at 0.5 s steps (RK4's error falls as h^4: 1.6e5 times smaller): the
 * default q must state at least 3 times that error in sigma (the
 * margin) in position and velocity at every 100 s of 2,400 s, and not
 * more than 10 times it where it is closest (a q that drowns the
 * directions the dynamics pin made the coast's ANEES fall;
 * docs/tracking.md "Ballistic q from the integration error", "SPD long
 * predictions and q").
 */
static void ballistic_q_covers_the_rk4_error_over_a_long_coast(void **state)
{
	(void)state;
	struct track_config tc;
	track_config_default(&tc);
	double q = tc.imm.motion[TRACK_MODE_BALLISTIC].q_acc_m2_s3;
	double a[TRACK_NX] = {0}, b[TRACK_NX];
	struct geo_lla p = {geo_rad(39.3), geo_rad(127.0), 1000e3};
	geo_lla_to_ecef(&p, a);
	double ve[3] = {330.0, 25.0, 6000.0};
	geo_vec_enu_to_ecef(&p, ve, a + 3);
	a[TRACK_IX_K] = 1.0;
	memcpy(b, a, sizeof(b));
	double worst_r = 0, worst_v = 0;
	for (int t = 100; t <= 2400; t += 100) {
		assert_int_equal(track_model_propagate(a, 100.0, 0, a), 0);
		for (int k = 0; k < 200; k++)
			assert_int_equal(track_model_propagate(b, 0.5, 0, b), 0);
		double dr = 0, dv = 0;
		for (int i = 0; i < 3; i++) {
			dr += (a[i] - b[i]) * (a[i] - b[i]);
			dv += (a[i + 3] - b[i + 3]) * (a[i + 3] - b[i + 3]);
		}
		/* the stated 3-D sigmas of the white acceleration over t */
		double sr = sqrt(3.0 * q * t * t * t / 3.0), sv = sqrt(3.0 * q * t);
		if (!(3.0 * sqrt(dr) <= sr && 3.0 * sqrt(dv) <= sv))
			fail_msg("t %d s: RK4 error %.4g m, %.4g m/s above a third of the stated "
			         "%.4g m, %.4g m/s",
			         t, sqrt(dr), sqrt(dv), sr, sv);
		if (sqrt(dr) / sr > worst_r)
			worst_r = sqrt(dr) / sr;
		if (sqrt(dv) / sv > worst_v)
			worst_v = sqrt(dv) / sv;
	}
	printf("  q %.3g: RK4 error at most %.3f (position) and %.3f (velocity) of the stated "
	       "sigma\n",
	       q, worst_r, worst_v);
	if (!(worst_r > 0.1 || worst_v > 0.1))
		fail_msg("q %.3g states over 10x the RK4 error (%.4f, %.4f of its sigma)", q,
		         worst_r, worst_v);
}

/* R = F P F^T in long double, F given as double (Phi) or long double (Fl). */
static void ref_phi_p_phit(long double *R, const double *Phi, const long double *Fl,
                           const double *P)
{
	long double F[NX * NX], TP[NX * NX];
	for (int i = 0; i < NX * NX; i++)
		F[i] = Phi ? (long double)Phi[i] : Fl[i];
	for (int i = 0; i < NX; i++)
		for (int j = 0; j < NX; j++) {
			long double s = 0;
			for (int k = 0; k < NX; k++)
				s += F[i * NX + k] * P[k * NX + j];
			TP[i * NX + j] = s;
		}
	for (int i = 0; i < NX; i++)
		for (int j = 0; j < NX; j++) {
			long double s = 0;
			for (int k = 0; k < NX; k++)
				s += TP[i * NX + k] * F[j * NX + k];
			R[i * NX + j] = s;
		}
}

/*
 * Long predictions stay SPD without white q (ukf.h TRACK_P_FLOOR_REL;
 * docs/tracking.md "SPD long predictions and q (session 7, branch
 * sqrtp)"). States near orbital speed 1,000-1,500 km up (they stay in
 * vacuum over the hour), each with a position/velocity covariance whose
 * equilibrated condition number is 1e12 (eigenvalues 1 .. 1e-12 in a
 * random basis of the scaled space: 30 m, 0.5 m/s), predicted with q = 0
 * over 3,000 s in one unscented step and as a chain of 300 linearised
 * 10 s steps (the long-coast check's chain). Every result must pass
 * the debug build's SPD check (mat_is_spd: Cholesky and a reciprocal
 * condition above 1e-14), match the exact linear propagation Phi P
 * Phi^T (Phi from the variational equations over 3,000 s, the product in
 * long double) to 1e-3 of sqrt(P_ii P_jj), and state no direction below
 * it: the eigenvalues of P_ref in P's whitened coordinates are at most
 * 1 + 1e-3 (the floor may only widen the directions the dynamics pin).
 * Then a prediction through the air to terminal speed (the velocity
 * becomes a function of position and k: the covariance collapses
 * towards rank 5), also with q = 0, must pass the same check.
 */
static void long_prediction_of_an_ill_conditioned_state_stays_spd_without_q(void **state)
{
	(void)state;
	const struct track_motion mo = {.thrust = 0, .q_acc_m2_s3 = 0.0, .q_k = 0.0};
	uint64_t rng = 5;
	int ncase = 0;
	double worst_d = 0, worst_w = 0, worst_rc = 1;
	for (int c = 0; c < 6; c++) {
		struct track_gauss g;
		memset(&g, 0, sizeof(g));
		struct geo_lla p = {geo_rad(30 + 10 * rng_unif(&rng)), geo_rad(130),
		                    1000e3 + 500e3 * rng_unif(&rng)};
		double az = 2 * GEO_PI * rng_unif(&rng), vh = 7000 + 300 * rng_unif(&rng);
		double ve[3] = {vh * sin(az), vh * cos(az), 500 * (rng_unif(&rng) - 0.5)};
		geo_lla_to_ecef(&p, g.x);
		geo_vec_enu_to_ecef(&p, ve, g.x + 3);
		g.x[TRACK_IX_K] = 1.0;
		/* U: a random orthogonal basis (Gram-Schmidt) */
		double U[36];
		for (int j = 0; j < 6; j++) {
			double v[6], nn = 0;
			for (int i = 0; i < 6; i++)
				v[i] = rng_gauss(&rng);
			for (int k = 0; k < j; k++) {
				double d = 0;
				for (int i = 0; i < 6; i++)
					d += v[i] * U[i * 6 + k];
				for (int i = 0; i < 6; i++)
					v[i] -= d * U[i * 6 + k];
			}
			for (int i = 0; i < 6; i++)
				nn += v[i] * v[i];
			for (int i = 0; i < 6; i++)
				U[i * 6 + j] = v[i] / sqrt(nn);
		}
		const double sd[6] = {30, 30, 30, 0.5, 0.5, 0.5};
		for (int i = 0; i < 6; i++)
			for (int j = 0; j <= i; j++) {
				double s = 0;
				for (int k = 0; k < 6; k++)
					s += U[i * 6 + k] * pow(1e12, -k / 5.0) * U[j * 6 + k];
				g.P[i * NX + j] = g.P[j * NX + i] = sd[i] * sd[j] * s;
			}
		g.P[TRACK_IX_K * NX + TRACK_IX_K] = 0.09;
		g.P[TRACK_IX_AT * NX + TRACK_IX_AT] = 100.0;
		double rc0;
		assert_int_equal(mat_spd_rcond(g.P, NX, &rc0), 0);
		/* The references, Phi P Phi^T in long double: for the unscented
		 * step Phi over 3,000 s from the variational equations with the
		 * Jacobian at every RK4 stage (the derivative of the RK4 map the
		 * sigma points go through); for the chain the product of its own
		 * 10 s state-transition matrices along its own mean. */
		const double T = 3000.0;
		double xr[NX], Phi[NX * NX];
		assert_int_equal(track_model_propagate_stm_opt(g.x, T, 0, xr, Phi), 0);
		if (!(track_model_height_m(xr) > 400e3))
			continue;
		long double Pr[2][NX * NX], Fc[NX * NX];
		ref_phi_p_phit(Pr[0], Phi, NULL, g.P);
		struct track_gauss ut, ch = g;
		assert_int_equal(track_ukf_predict_ut(&g, T, &mo, &ut), 0);
		for (int i = 0; i < NX; i++)
			for (int j = 0; j < NX; j++)
				Fc[i * NX + j] = i == j;
		for (int k = 0; k < 300; k++) {
			double xs[NX], Fk[NX * NX];
			assert_int_equal(track_model_propagate_stm(ch.x, 10.0, 0, xs, Fk), 0);
			long double Fn[NX * NX];
			for (int i = 0; i < NX; i++)
				for (int j = 0; j < NX; j++) {
					long double sum = 0;
					for (int l = 0; l < NX; l++)
						sum += Fk[i * NX + l] * Fc[l * NX + j];
					Fn[i * NX + j] = sum;
				}
			memcpy(Fc, Fn, sizeof(Fc));
			assert_int_equal(track_ukf_predict(&ch, 10.0, &mo, &ch), 0);
			if (memcmp(xs, ch.x, sizeof(xs)) != 0)
				fail_msg("case %d: the chain's mean left its reference at %d s", c,
				         10 * (k + 1));
			if (!mat_is_spd(ch.P, NX))
				fail_msg("case %d: the chain's covariance is not SPD after %d s", c,
				         10 * (k + 1));
		}
		ref_phi_p_phit(Pr[1], NULL, Fc, g.P);
		for (int m = 0; m < 2; m++) {
			const double *P = m ? ch.P : ut.P;
			const char *name = m ? "chain of 10 s steps" : "one unscented step";
			const long double *R = Pr[m];
			double rc;
			if (!mat_is_spd(P, NX) || mat_spd_rcond(P, NX, &rc) < 0)
				fail_msg("case %d, %s: covariance not SPD", c, name);
			worst_rc = fmin(worst_rc, rc);
			double d = 0;
			for (int i = 0; i < NX; i++)
				for (int j = 0; j < NX; j++) {
					long double s = sqrtl(R[i * NX + i] * R[j * NX + j]);
					d = fmax(
					    d, (double)(fabsl(P[i * NX + j] - R[i * NX + j]) / s));
				}
			/* W = L^-1 P_ref L^-T with P = L L^T (long double) */
			double L[NX * NX];
			assert_int_equal(mat_cholesky(L, P, NX), 0);
			long double Y[NX * NX], W[NX * NX];
			for (int col = 0; col < NX; col++)
				for (int i = 0; i < NX; i++) {
					long double s = R[i * NX + col];
					for (int k = 0; k < i; k++)
						s -= L[i * NX + k] * Y[k * NX + col];
					Y[i * NX + col] = s / L[i * NX + i];
				}
			for (int row = 0; row < NX; row++)
				for (int i = 0; i < NX; i++) {
					long double s = Y[row * NX + i];
					for (int k = 0; k < i; k++)
						s -= L[i * NX + k] * W[row * NX + k];
					W[row * NX + i] = s / L[i * NX + i];
				}
			double Wd[NX * NX], w[NX], V[NX * NX];
			for (int i = 0; i < NX; i++)
				for (int j = 0; j < NX; j++)
					Wd[i * NX + j] =
					    (double)(0.5L * (W[i * NX + j] + W[j * NX + i]));
			assert_int_equal(mat_sym_eig(Wd, NX, w, V), 0);
			if (getenv("TRACK_TEST_VERBOSE"))
				print_message(
				    "case %d, %s: rcond %.3g (P0 %.3g), max |P - P_ref| "
				    "%.2e of the sigmas, whitened P_ref eigenvalues %.3g .. "
				    "%.6f\n",
				    c, name, rc, rc0, d, w[0], w[NX - 1]);
			if (!(d <= 1e-3))
				fail_msg("case %d, %s: P differs from Phi P Phi^T by %.3e of the "
				         "sigmas (max 1e-3)",
				         c, name, d);
			/* the chain is the linear propagation; the unscented step
			 * differs from it by its second-order terms */
			const double wtol = m ? 1e-5 : 1e-2;
			if (!(w[NX - 1] <= 1.0 + wtol))
				fail_msg("case %d, %s: P understates Phi P Phi^T by %.6f in a "
				         "direction (max 1 + %g)",
				         c, name, w[NX - 1], wtol);
			worst_d = fmax(worst_d, d);
			worst_w = fmax(worst_w, w[NX - 1]);
		}
		ncase++;
	}
	print_message("long predictions (q = 0, condition 1e12, 3,000 s): %d states, rcond >= "
	              "%.3g, within %.2e of Phi P Phi^T, whitened eigenvalues <= %.6f\n",
	              ncase, worst_rc, worst_d, worst_w);
	assert_true(ncase >= 3);

	/* Into the air to terminal speed (q = 0): 60 km, 3 km/s at 60 deg down,
	 * 300 s (the model's density is held at its -4 km value below that). */
	struct track_gauss a, o;
	memset(&a, 0, sizeof(a));
	struct geo_lla p = {geo_rad(38), geo_rad(127), 60e3};
	geo_lla_to_ecef(&p, a.x);
	double ve[3] = {0, 1500, -2600};
	geo_vec_enu_to_ecef(&p, ve, a.x + 3);
	a.x[TRACK_IX_K] = 1.0;
	const double sda[NX] = {300, 300, 300, 5, 5, 5, 0.3, 3};
	for (int i = 0; i < NX; i++)
		a.P[i * NX + i] = sda[i] * sda[i];
	const struct track_motion mk = {.thrust = 0, .q_acc_m2_s3 = 0.0, .q_k = 0.0};
	assert_int_equal(track_ukf_predict(&a, 300.0, &mk, &o), 0);
	double rc, vn = sqrt(o.x[3] * o.x[3] + o.x[4] * o.x[4] + o.x[5] * o.x[5]);
	if (!mat_is_spd(o.P, NX) || mat_spd_rcond(o.P, NX, &rc) < 0)
		fail_msg("prediction to terminal speed: covariance not SPD");
	print_message("to terminal speed (%.1f m/s, velocity sigma %.3g m/s): rcond %.3g\n", vn,
	              sqrt(o.P[3 * NX + 3] + o.P[4 * NX + 4] + o.P[5 * NX + 5]), rc);
}

/*
 * Right after an SRBM's burnout the drag parameter is back at the flat
 * prior, k = 1 +- 1, so the unscented transform's sigma points reach
 * k = 1 - sqrt(8) = -1.8 while the track climbs through air that still
 * decelerates it (38 km, rho ~ 4e-3 kg/m^3: ~1 m/s^2 per unit of k at
 * 2 km/s). A k <= 0 has no drag (model.h, since session 14: before, the
 * drag was linear in k through zero, an anti-drag below it), so the
 * drag has a kink at k = 0 where the transform's second-order accuracy
 * does not hold; its mean and covariance over 2 and 10 s still agree
 * with a Monte Carlo of the same Gaussian (10,000 draws, k < 0 in 16% of
 * them, through the model's own RK4): the mean within 0.02 sigma, the
 * covariance within 0.07 in correlation units, the largest difference
 * being cov(v, k) at 10 s (the transform's sigma point at k = -1.8
 * carries no drag: -3.23 against the draws' -4.12; 0.034 at 2 s; the
 * linear drag's transform was within 0.06). So the negative sigma
 * points are not a source of inconsistency (docs/tracking.md "SRBM
 * burnout and re-entry", "A negative drag parameter (session 14)"; k's
 * NEES there is 0.5-1.2 in the salvo's eval).
 */

static void ut_prediction_with_negative_k_sigma_points_matches_monte_carlo(void **state)
{
	(void)state;
	struct track_gauss g;
	memset(&g, 0, sizeof(g));
	struct geo_lla p = {geo_rad(39.5), geo_rad(125.5), 38e3};
	geo_lla_to_ecef(&p, g.x);
	double ve[3] = {300, 1500, 1300}; /* 2 km/s, 40 deg up */
	geo_vec_enu_to_ecef(&p, ve, g.x + 3);
	g.x[TRACK_IX_K] = 1.0;
	double sd[NX] = {40, 50, 60, 8, 10, 12, 1.0, 10};
	for (int i = 0; i < NX; i++)
		for (int j = 0; j < NX; j++)
			g.P[i * NX + j] =
			    (i == j ? 1.0 : (i < 6 && j < 6 ? 0.4 : 0.0)) * sd[i] * sd[j];
	/* No process noise: the transform of P alone against the draws. */
	struct track_motion mo = {.thrust = 0, .q_acc_m2_s3 = 0.0, .q_k = 0.0, .q_at_m2_s5 = 0.0};
	double L[NX * NX];
	assert_int_equal(mat_cholesky(L, g.P, NX), 0);
	/* The UT's sigma points of k reach below zero. */
	double lmax = 0.0;
	for (int j = 0; j < NX; j++)
		lmax = fmax(lmax, fabs(L[TRACK_IX_K * NX + j]));
	assert_true(g.x[TRACK_IX_K] - sqrt((double)NX) * lmax < -1.5);
	enum { NMC = 10000 };
	static double Y[NMC][NX];
	const double dts[] = {2.0, 10.0};
	for (int d = 0; d < 2; d++) {
		struct track_gauss a;
		assert_int_equal(track_ukf_predict_ut(&g, dts[d], &mo, &a), 0);
		uint64_t rng = 0x5eed0000ULL + (uint64_t)d;
		double mean[NX], C[NX * NX];
		int nneg = 0;
		for (int m = 0; m < NMC; m++) {
			double x[NX];
			draw_state(&g, L, &rng, x);
			nneg += x[TRACK_IX_K] < 0.0;
			assert_int_equal(track_model_propagate(x, dts[d], 0, Y[m]), 0);
		}
		sample_moments((const double(*)[NX])Y, NMC, mean, C);
		/* k < 0 in ~16% of the draws (P(z < -1) = 0.159). */
		if (nneg < NMC / 8 || nneg > NMC / 5)
			fail_msg("draws with k < 0: %d of %d, want ~%d", nneg, NMC,
			         NMC * 159 / 1000);
		/* The Monte Carlo's own error: sigma / sqrt(N) = 0.010 sigma on
		 * the mean, ~sqrt(2 / N) = 0.014 on a variance. Bounds 4x. */
		double wm = 0.0, wc = 0.0;
		for (int i = 0; i < 7; i++) {
			double si = sqrt(C[i * NX + i]);
			wm = fmax(wm, fabs(a.x[i] - mean[i]) / si);
			for (int j = 0; j < 7; j++) {
				double s2 = si * sqrt(C[j * NX + j]);
				wc = fmax(wc, fabs(a.P[i * NX + j] - C[i * NX + j]) / s2);
			}
		}
		if (getenv("TRACK_TEST_VERBOSE"))
			print_message("dt %.0f s: k < 0 in %d draws (mean k %.5f); UT vs Monte "
			              "Carlo: mean %.4f "
			              "sigma, covariance %.4f (correlation units)\n",
			              dts[d], nneg, mean[TRACK_IX_K], wm, wc);
		if (wm > 0.04 || wc > 0.08)
			fail_msg("dt %.0f s: UT vs Monte Carlo of the same Gaussian: mean off by "
			         "%.4f sigma (max 0.04), covariance by %.4f (max 0.08)",
			         dts[d], wm, wc);
	}
}

/* The drag model's non-iterative (one Bowring step) geodetic height
 * against geo_ecef_to_lla (iterated to 1e-15 rad): within 1 mm from -5
 * to 400 km at every latitude and longitude, poles and equator
 * included. */
static void fast_geodetic_height_matches_iterated(void **state)
{
	(void)state;
	uint64_t rng = 5;
	double worst = 0.0;
	for (int c = 0; c < 20000; c++) {
		double lat = geo_rad(-90.0 + 180.0 * rng_unif(&rng));
		if (c % 100 == 0)
			lat = geo_rad(c % 200 ? 90.0 : -90.0);
		if (c % 100 == 1)
			lat = 0.0;
		struct geo_lla l = {lat, geo_rad(-180.0 + 360.0 * rng_unif(&rng)),
		                    -5e3 + 405e3 * rng_unif(&rng)};
		double r[3];
		geo_lla_to_ecef(&l, r);
		struct geo_lla back;
		assert_int_equal(geo_ecef_to_lla(r, &back), 0);
		double e = fabs(track_model_height_fast_m(r) - back.h_m);
		if (e > worst)
			worst = e;
		if (!(e <= 1e-3))
			fail_msg("fast height at lat %.6f deg, h %.3f m: off by %.3g m",
			         lat * 180.0 / GEO_PI, back.h_m, e);
	}
	if (getenv("TRACK_TEST_VERBOSE"))
		print_message("fast geodetic height: worst difference %.3g m\n", worst);
}

/*
 * The non-thrusting model's state-transition matrix with A frozen at the
 * step midpoint (vacuum: track_model_propagate_stm) against RK4 on the
 * variational equations with A at every stage (frozen_vacuum = 0), 3,000
 * states 320 to 3,000 km up, 2-7 km/s in any direction, steps of 0.2-25 s
 * either way (the longer ones cross several 10 s steps, some down into
 * the drag layer where the full RK4 is used): the state is the same
 * double, and Phi P0 Phi^T for P0 = diag(100 m, 10 m/s, 1, 10 m/s^2)^2
 * within 1e-5 of each sigma (relative to sqrt(P_ii P_jj); worst seen
 * 1.9e-6, at 10 s steps).
 * Every other case is the thrusting model's (20-60 km up, 1-3 km/s, aT
 * 0-60 m/s^2, alpha -0.2..0.2 rad: model.h; steps up to 3 s), whose Phi
 * is track_model_stm's central
 * differences: it must predict the propagation of the state moved by
 * 1e-3 of the sigmas above (the linear term, within 1e-3 of the move's
 * size in every component: the thrust's angle and growth included).
 */
static void stm_frozen_in_vacuum_matches_full_rk4(void **state)
{
	(void)state;
	uint64_t rng = 11;
	static const double dts[] = {0.2, 1.0, -1.0, 3.0, 10.0, -10.0, 25.0};
	const double sd[NX] = {100, 100, 100, 10, 10, 10, 1, 10};
	double worst = 0.0, worst2 = 0.0;
	for (int c = 0; c < 3000; c++) {
		struct geo_lla l = {geo_rad(-90.0 + 180.0 * rng_unif(&rng)),
		                    geo_rad(-180.0 + 360.0 * rng_unif(&rng)),
		                    320e3 + 2680e3 * rng_unif(&rng)};
		double x[NX] = {0};
		geo_lla_to_ecef(&l, x);
		double u[3], un = 0.0;
		for (int i = 0; i < 3; i++) {
			u[i] = rng_unif(&rng) - 0.5;
			un += u[i] * u[i];
		}
		double sp = 2e3 + 5e3 * rng_unif(&rng);
		for (int i = 0; i < 3; i++)
			x[3 + i] = sp * u[i] / sqrt(un);
		x[6] = 2.0 * rng_unif(&rng);
		double dt = dts[c % 7];
		/* every other case the thrusting model's */
		int thrust = (c / 7) % 2;
		x[TRACK_IX_AT] = thrust ? 60.0 * rng_unif(&rng) : 0.0;
		if (thrust) {
			/* a boost: 20-60 km up, 1-3 km/s, steps up to 3 s (0.5 s
			 * RK4 steps throughout, model.c step_for) */
			l.h_m = 20e3 + 40e3 * rng_unif(&rng);
			geo_lla_to_ecef(&l, x);
			double f = (1e3 + 2e3 * rng_unif(&rng)) / sp;
			for (int i = 0; i < 3; i++)
				x[3 + i] *= f;
			x[TRACK_IX_ALPHA] = 0.4 * (rng_unif(&rng) - 0.5);
			dt = copysign(fmin(fabs(dt), 3.0), dt);
		}
		double yf[NX], yr[NX], Ff[NX * NX], Fr[NX * NX];
		assert_int_equal(track_model_propagate_stm(x, dt, thrust, yf, Ff), 0);
		if (thrust) {
			double y0[NX], z[NX], y1[NX];
			assert_int_equal(track_model_propagate(x, dt, 1, y0), 0);
			for (int i = 0; i < NX; i++)
				if (yf[i] != y0[i])
					fail_msg("case %d: thrusting state component %d differs", c,
					         i);
			for (int i = 0; i < NX; i++)
				z[i] = x[i] + 1e-3 * sd[i] * (rng_unif(&rng) - 0.5);
			assert_int_equal(track_model_propagate(z, dt, 1, y1), 0);
			for (int i = 0; i < NX; i++) {
				double lin = 0.0, mv = 0.0;
				for (int k = 0; k < NX; k++) {
					lin += Ff[i * NX + k] * (z[k] - x[k]);
					mv += fabs(Ff[i * NX + k]) * 1e-3 * sd[k];
				}
				double e = fabs(y1[i] - y0[i] - lin) / mv;
				if (e > worst)
					worst = e;
				if (!(e <= 1e-3))
					fail_msg(
					    "case %d (dt %g): thrusting Phi row %d predicts %.6g, "
					    "the propagation moved %.6g",
					    c, dt, i, lin, y1[i] - y0[i]);
			}
			continue;
		}
		assert_int_equal(track_model_propagate_stm_opt(x, dt, 0, yr, Fr), 0);
		for (int i = 0; i < NX; i++)
			if (yf[i] != yr[i])
				fail_msg("case %d: state component %d %.17g != %.17g", c, i, yf[i],
				         yr[i]);
		const double tol = 1e-5;
		double Pf[NX * NX], Pr[NX * NX];
		for (int i = 0; i < NX; i++)
			for (int j = 0; j < NX; j++) {
				double a = 0.0, b = 0.0;
				for (int k = 0; k < NX; k++) {
					a += Ff[i * NX + k] * sd[k] * sd[k] * Ff[j * NX + k];
					b += Fr[i * NX + k] * sd[k] * sd[k] * Fr[j * NX + k];
				}
				Pf[i * NX + j] = a;
				Pr[i * NX + j] = b;
			}
		for (int i = 0; i < NX; i++)
			for (int j = 0; j < NX; j++) {
				double e = fabs(Pf[i * NX + j] - Pr[i * NX + j]) /
				           sqrt(Pr[i * NX + i] * Pr[j * NX + j]);
				if (e > worst)
					worst = e;
				if (fabs(dt) <= 1.0 && e > worst2)
					worst2 = e; /* second-order exp(hA) steps */
				if (!(e <= tol))
					fail_msg(
					    "case %d (h %.0f m, dt %g s): P[%d][%d] %.10g vs %.10g "
					    "(%.3g of the sigmas)",
					    c, l.h_m, dt, i, j, Pf[i * NX + j], Pr[i * NX + j], e);
			}
	}
	if (getenv("TRACK_TEST_VERBOSE"))
		print_message("frozen-A STM: worst difference %.3g (thrusting Phi's linear term: "
		              "of the move; the others: of the sigmas), %.3g in steps <= 1 s\n",
		              worst, worst2);
}

/*
 * The frozen vacuum step's written-out second-order factor (model.c
 * frozen_order2, ninth speed round) against the Horner loop it replaced
 * (track_model_frozen_order2_ok): the same bytes for 40,000 Jacobians -
 * the J2 gravity gradient plus the centrifugal term at random points
 * 6,400-45,000 km from the centre and the Coriolis block; a tenth with
 * one gradient entry an exact zero of either sign (where only sums of
 * zeros could differ); steps of -1 to 1 s (every step the frozen
 * second-order path takes). An A of another shape is refused (-EINVAL).
 */
static void stm_frozen_order2_matches_horner_bit_for_bit(void **state)
{
	(void)state;
	uint64_t rng = 29;
	const double w = GEO_OMEGA_E_RAD_S;
	for (int c = 0; c < 40000; c++) {
		double r[3], rn = 6.4e6 + 3.86e7 * rng_unif(&rng), un = 0.0;
		for (int i = 0; i < 3; i++) {
			r[i] = rng_unif(&rng) - 0.5;
			un += r[i] * r[i];
		}
		for (int i = 0; i < 3; i++)
			r[i] *= rn / sqrt(un);
		double G[3][3], A[3][NX] = {{0}};
		assert_int_equal(geo_gravity_j2_jacobian(r, G), 0);
		for (int i = 0; i < 3; i++)
			for (int j = 0; j < 3; j++)
				A[i][j] = G[i][j];
		A[0][0] += w * w;
		A[1][1] += w * w;
		A[0][4] += 2.0 * w;
		A[1][3] -= 2.0 * w;
		if (c % 10 == 3 || c % 10 == 4)
			A[c % 3][(c / 10) % 3] = (c / 10) % 2 ? -0.0 : 0.0;
		double hs = -1.0 + 2.0 * rng_unif(&rng);
		if (c % 100 == 7 || c % 100 == 8)
			hs = c % 200 < 100 ? 1.0 : -1.0;
		int ok = track_model_frozen_order2_ok((const double(*)[NX])A, hs);
		if (ok != 1)
			fail_msg("case %d (|r| %.0f m, step %.17g s): the written-out "
			         "factor differs from the Horner loop (check returned %d)",
			         c, rn, hs, ok);
	}
	double A[3][NX] = {{0}};
	A[0][3] = 1e-3; /* not Coriolis-shaped */
	assert_int_equal(track_model_frozen_order2_ok((const double(*)[NX])A, 0.5), -EINVAL);
	A[0][3] = 0.0;
	A[1][TRACK_IX_K] = 1e-3; /* a drag column */
	assert_int_equal(track_model_frozen_order2_ok((const double(*)[NX])A, 0.5), -EINVAL);
	A[1][TRACK_IX_K] = 0.0;
	A[2][TRACK_IX_AT] = 1.0; /* a thrust column */
	assert_int_equal(track_model_frozen_order2_ok((const double(*)[NX])A, 0.5), -EINVAL);
}

/*
 * track_model_propagate_pair against track_model_propagate one state at
 * a time, bit for bit: 6,000 pairs of states 60-3,000 km up (some in the
 * drag layer, computed lane by lane), 1-7 km/s in any direction (one in
 * 11 pairs with the first at rest: the thrust term's other branch), x6 0-2
 * (k, or the thrusting model's alpha), with thrust (aT 0-60 m/s^2, and
 * its growth) or without, steps of -25 to 25 s; the
 * second state either independent or a sigma-point-like neighbour of the first (metres and m/s off,
 * as the unscented prediction pairs them). Where the pair path is taken each output is the same
 * bytes as the scalar one; where it declines (1: different steps or a failure) the outputs are
 * untouched. It must be taken for most neighbours (the common case), in the drag layer and with one
 * state at rest too.
 */
static void propagate_pair_matches_one_at_a_time_bit_for_bit(void **state)
{
	(void)state;
	uint64_t rng = 41;
	int taken = 0, declined = 0, taken_near = 0, near = 0, drag_taken = 0, rest_taken = 0;
	static const double dts[] = {1.0, -1.0, 0.3, 2.5, 10.0, -10.0, 25.0};
	for (int c = 0; c < 6000; c++) {
		double x[2][NX];
		const int thrust = c % 3 == 1;
		const int nb = c % 2; /* neighbour or independent */
		const int low = c % 5 == 0;
		for (int s2 = 0; s2 < 2; s2++) {
			struct geo_lla l = {geo_rad(-90.0 + 180.0 * rng_unif(&rng)),
			                    geo_rad(-180.0 + 360.0 * rng_unif(&rng)),
			                    low ? 60e3 + 200e3 * rng_unif(&rng)
			                        : 320e3 + 2680e3 * rng_unif(&rng)};
			memset(x[s2], 0, sizeof(x[s2]));
			geo_lla_to_ecef(&l, x[s2]);
			double u[3], un = 0.0;
			for (int i = 0; i < 3; i++) {
				u[i] = rng_unif(&rng) - 0.5;
				un += u[i] * u[i];
			}
			double sp = c % 97 == 5 ? 0.5 : 1e3 + 6e3 * rng_unif(&rng);
			for (int i = 0; i < 3; i++)
				x[s2][3 + i] = sp * u[i] / sqrt(un);
			x[s2][TRACK_IX_K] = c % 7 == 3 ? 0.0 : 2.0 * rng_unif(&rng);
			x[s2][TRACK_IX_AT] = thrust ? 60.0 * rng_unif(&rng) : 0.0;
		}
		if (nb) {
			memcpy(x[1], x[0], sizeof(x[0]));
			for (int i = 0; i < 3; i++) {
				x[1][i] += 500.0 * (rng_unif(&rng) - 0.5);
				x[1][3 + i] += 20.0 * (rng_unif(&rng) - 0.5);
			}
			x[1][TRACK_IX_AT] += thrust ? rng_unif(&rng) : 0.0;
		}
		if (c % 11 == 4) /* the first at rest (a fresh track's centre) */
			x[0][3] = x[0][4] = x[0][5] = 0.0;
		double dt = dts[c % 7];
		double ra[NX], rb[NX], pa[NX], pb[NX];
		int rca = track_model_propagate(x[0], dt, thrust, ra);
		int rcb = track_model_propagate(x[1], dt, thrust, rb);
		for (int i = 0; i < NX; i++)
			pa[i] = pb[i] = -12345.0;
		int rc = track_model_propagate_pair(x[0], x[1], dt, thrust, pa, pb);
		if (nb)
			near++;
		if (rc == 0) {
			taken++;
			if (nb)
				taken_near++;
			if (low && !thrust && x[0][TRACK_IX_K] != 0.0)
				drag_taken++;
			if (thrust && c % 11 == 4)
				rest_taken++;
			if (rca != 0 || rcb != 0)
				fail_msg("case %d: the pair path succeeded where the scalar one "
				         "failed (%d, %d)",
				         c, rca, rcb);
			for (int i = 0; i < NX; i++)
				if (memcmp(&pa[i], &ra[i], sizeof(double)) ||
				    memcmp(&pb[i], &rb[i], sizeof(double)))
					fail_msg(
					    "case %d (thrust %d, dt %g): component %d: pair %.17g, "
					    "%.17g, one at a time %.17g, %.17g",
					    c, thrust, dt, i, pa[i], pb[i], ra[i], rb[i]);
		} else {
			assert_int_equal(rc, 1);
			declined++;
			for (int i = 0; i < NX; i++)
				if (pa[i] != -12345.0 || pb[i] != -12345.0)
					fail_msg("case %d: declined but wrote component %d", c, i);
		}
	}
	if (getenv("TRACK_TEST_VERBOSE"))
		print_message("propagate pair: %d taken, %d declined; neighbours %d of %d; "
		              "taken in the drag layer with k != 0: %d\n",
		              taken, declined, taken_near, near, drag_taken);
	if (!(taken_near >= near * 9 / 10))
		fail_msg("the pair path took only %d of %d vacuum neighbour pairs", taken_near,
		         near);
	if (!(rest_taken > 10))
		fail_msg("the pair path took only %d pairs with one state at rest", rest_taken);
	if (!(drag_taken > 100))
		fail_msg("the pair path took only %d drag-layer pairs", drag_taken);
}

/* ---- measurement models ---- */

static void radar_model_matches_geo_aer_and_wraps_azimuth(void **state)
{
	(void)state;
	struct geo_lla sp = {geo_rad(35), geo_rad(130), 100};
	double s[3];
	geo_lla_to_ecef(&sp, s);
	/* Target due north, slightly east: az just above 0. */
	double tgt[NX] = {0};
	geo_aer_to_ecef(&sp, s, 600e3, 1e-4, geo_rad(20), tgt);
	tgt[3] = 100;
	tgt[4] = -200;
	tgt[5] = 300;
	struct mw_obs o;
	uint64_t rng = 1;
	make_radar_obs(s, tgt, 10, 1e-3, 0.5, &rng, &o);
	o.az_rad = 2 * GEO_PI - 1e-4; /* measured just west of north */
	struct track_meas m;
	assert_int_equal(track_meas_prepare(&o, &m), 0);
	double z[4];
	assert_int_equal(track_meas_h(&m, tgt, z), 0);
	double r, az, el;
	assert_int_equal(geo_ecef_to_aer(&sp, s, tgt, &r, &az, &el), 0);
	assert_true(fabs(z[0] - r) < 1e-6);
	assert_true(fabs(z[1] - az) < 1e-12);
	assert_true(fabs(z[2] - el) < 1e-12);
	double d[4];
	track_meas_residual(&m, m.z, z, d);
	if (fabs(d[1] - (-2e-4)) > 1e-12)
		fail_msg("azimuth residual across north %.6g, want -2e-4", d[1]);
	/* Range rate by finite difference of range. */
	double t2[NX];
	for (int i = 0; i < 3; i++)
		t2[i] = tgt[i] + 1e-3 * tgt[3 + i];
	double r2, a2, e2;
	geo_ecef_to_aer(&sp, s, t2, &r2, &a2, &e2);
	assert_true(fabs(z[3] - (r2 - r) / 1e-3) < 1e-3);
	/* Malformed observations are rejected. */
	struct mw_obs bad = o;
	bad.sigma_range_m = 0;
	assert_int_equal(track_meas_prepare(&bad, &m), -EINVAL);
	bad = o;
	bad.range_m = NAN;
	assert_int_equal(track_meas_prepare(&bad, &m), -EINVAL);
	bad = o;
	bad.kind = 7;
	assert_int_equal(track_meas_prepare(&bad, &m), -EINVAL);
}

static void los_model_matches_definition_and_rejects_behind(void **state)
{
	(void)state;
	struct geo_lla sp = {0, geo_rad(128), 35786e3};
	double s[3];
	geo_lla_to_ecef(&sp, s);
	struct geo_lla tp = {geo_rad(39), geo_rad(125), 50e3};
	double tgt[NX] = {0}, look[3];
	geo_lla_to_ecef(&tp, tgt);
	struct geo_lla lp = {geo_rad(38), geo_rad(126), 0};
	geo_lla_to_ecef(&lp, look);
	double F[3][3];
	los_frame(s, look, F);
	struct mw_obs o;
	uint64_t rng = 3;
	make_los_obs(s, F, tgt, 1e-5, &rng, &o);
	struct track_meas m;
	assert_int_equal(track_meas_prepare(&o, &m), 0);
	double z[4];
	assert_int_equal(track_meas_h(&m, tgt, z), 0);
	double d[3] = {tgt[0] - s[0], tgt[1] - s[1], tgt[2] - s[2]}, u[3];
	for (int i = 0; i < 3; i++)
		u[i] = F[i][0] * d[0] + F[i][1] * d[1] + F[i][2] * d[2];
	assert_true(fabs(z[0] - atan2(u[0], u[2])) < 1e-15);
	assert_true(fabs(z[1] - atan2(u[1], u[2])) < 1e-15);
	/* A target behind the sensor is outside the model. */
	double behind[NX] = {0};
	for (int i = 0; i < 3; i++)
		behind[i] = s[i] + 1.5 * s[i];
	assert_int_equal(track_meas_h(&m, behind, z), -EDOM);
	/* A non-orthonormal frame is rejected. */
	o.frame_ecef[0][0] *= 1.1;
	assert_int_equal(track_meas_prepare(&o, &m), -EINVAL);
}

/*
 * track_meas_h_pair (the unscented measurement prediction's sigma points
 * two at a time) gives each state exactly track_meas_h's doubles: 4,000
 * pairs of random states around a radar (with and without range rate;
 * ranges 1 m - 3,000 km, some within 1 mm of the sensor, where h is
 * undefined) and a geostationary IR sensor (some states behind it), bytes
 * compared; where either state is undefined it returns -EDOM and leaves
 * both outputs untouched.
 */
static void meas_h_pair_matches_one_at_a_time_bit_for_bit(void **state)
{
	(void)state;
	uint64_t rng = 77;
	struct geo_lla rp = {geo_rad(37), geo_rad(127), 50};
	struct geo_lla gp = {0, geo_rad(128), 35786e3};
	struct geo_lla lp = {geo_rad(38), geo_rad(126), 0};
	double radar[3], geo_s[3], look[3], F[3][3];
	geo_lla_to_ecef(&rp, radar);
	geo_lla_to_ecef(&gp, geo_s);
	geo_lla_to_ecef(&lp, look);
	los_frame(geo_s, look, F);
	struct track_meas ms[3];
	struct mw_obs o;
	double tgt[NX] = {0};
	geo_aer_to_ecef(&rp, radar, 800e3, 0.3, 0.4, tgt);
	make_radar_obs(radar, tgt, 10, 1e-3, 0.0, &rng, &o);
	assert_int_equal(track_meas_prepare(&o, &ms[0]), 0);
	make_radar_obs(radar, tgt, 10, 1e-3, 0.5, &rng, &o);
	assert_int_equal(track_meas_prepare(&o, &ms[1]), 0);
	make_los_obs(geo_s, F, tgt, 1e-5, &rng, &o);
	assert_int_equal(track_meas_prepare(&o, &ms[2]), 0);
	int n_ok = 0, n_dom = 0;
	for (int c = 0; c < 4000; c++) {
		const struct track_meas *m = &ms[c % 3];
		double x[2][NX];
		for (int l = 0; l < 2; l++) {
			const double *base = m->kind == MW_OBS_RADAR ? radar : geo_s;
			double r = c % 50 == 7 ? 1e-4 : pow(10.0, 6.5 * rng_unif(&rng));
			/* IR: mostly towards the Earth, one case in five anywhere
			 * (half of those behind the sensor) */
			const int fwd = m->kind != MW_OBS_RADAR && c % 5 != 0;
			double dir[3], n = 0.0;
			for (int i = 0; i < 3; i++) {
				dir[i] = rng_gauss(&rng) +
				         (fwd ? 4.0 * (look[i] - geo_s[i]) / 35786e3 : 0.0);
				n += dir[i] * dir[i];
			}
			n = sqrt(n);
			for (int i = 0; i < 3; i++) {
				x[l][i] = base[i] + r * dir[i] / n;
				x[l][3 + i] = 3000.0 * rng_gauss(&rng);
			}
			x[l][6] = rng_gauss(&rng);
			x[l][7] = rng_gauss(&rng);
		}
		double za[TRACK_NZ_MAX], zb[TRACK_NZ_MAX], pa[TRACK_NZ_MAX], pb[TRACK_NZ_MAX];
		for (int i = 0; i < TRACK_NZ_MAX; i++)
			za[i] = zb[i] = pa[i] = pb[i] = -1.25;
		int ra = track_meas_h(m, x[0], za), rb = track_meas_h(m, x[1], zb);
		int rp2 = track_meas_h_pair(m, x[0], x[1], pa, pb);
		if (ra == 0 && rb == 0) {
			if (rp2 != 0)
				fail_msg("case %d: pair failed (%d) where both states have h", c,
				         rp2);
			if (memcmp(za, pa, sizeof(double) * (size_t)m->nz) != 0 ||
			    memcmp(zb, pb, sizeof(double) * (size_t)m->nz) != 0)
				fail_msg(
				    "case %d (nz %d): pair %.17g %.17g / %.17g %.17g, one at a "
				    "time %.17g %.17g / %.17g %.17g",
				    c, m->nz, pa[0], pa[1], pb[0], pb[1], za[0], za[1], zb[0],
				    zb[1]);
			n_ok++;
		} else {
			if (rp2 != -EDOM)
				fail_msg(
				    "case %d: pair returned %d where one state has no h (%d, %d)",
				    c, rp2, ra, rb);
			for (int i = 0; i < TRACK_NZ_MAX; i++)
				if (pa[i] != -1.25 || pb[i] != -1.25)
					fail_msg("case %d: output %d written on failure", c, i);
			n_dom++;
		}
	}
	print_message("h pairs: %d compared, %d undefined\n", n_ok, n_dom);
	if (n_ok < 3000 || n_dom < 50)
		fail_msg("coverage: %d compared (want >= 3000), %d undefined (want >= 50)", n_ok,
		         n_dom);
}

/*
 * The linearised measurement prediction (analytic Jacobian plus the
 * second-order mean terms, track_ukf_zpredict_lin) against the sigma
 * points (track_ukf_zpredict_ut) wherever track_ukf_zpredict chooses the
 * first: radars (with and without range rate) at ranges 150-3,000 km and
 * elevations 1-80 deg, and a geostationary IR sensor, with random
 * correlated covariances whose position sigmas span 1 m - 3 km.
 * Tolerances (stated, in the units the filter uses them in): predicted
 * mean within 0.02 of the measurement sigma; S and Pxz within 0.02 of
 * sqrt(S_aa S_bb) resp. sqrt(P_ii S_aa); the updated mean within 0.02 of
 * the updated sigma and the updated covariance within 0.02 of the
 * updated sigmas. Both outcomes of the choice must occur.
 */
static void random_cov(uint64_t *rng, double sp, double sv, double *P)
{
	/* P = A A^T + diag, A with correlated position/velocity columns. */
	double A[NX * NX], sd[NX] = {sp, sp, sp, sv, sv, sv, 0.3, 5.0};
	for (int i = 0; i < NX; i++)
		for (int j = 0; j < NX; j++)
			A[i * NX + j] = (i == j ? 1.0 : 0.4 * rng_gauss(rng)) * sd[i] *
			                exp(0.5 * rng_gauss(rng)) / sqrt(2.0);
	for (int i = 0; i < NX; i++)
		for (int j = 0; j < NX; j++) {
			double v = i == j ? 0.1 * sd[i] * sd[i] : 0.0;
			for (int k = 0; k < NX; k++)
				v += A[i * NX + k] * A[j * NX + k];
			P[i * NX + j] = v;
		}
}

/* One random estimate and measurement for the zprediction tests: a
 * target 150-3,000 km from a radar at 37 N 129 E (or seen from a GEO IR
 * sensor at 128 E), kind 0 radar, 1 radar + range rate, 2 LOS. */
static void random_meas_case(uint64_t *rng, int kind, struct track_gauss *g, struct mw_obs *o)
{
	struct geo_lla rp = {geo_rad(37), geo_rad(129), 200};
	double radar[3];
	geo_lla_to_ecef(&rp, radar);
	struct geo_lla gp = {0, geo_rad(128), 35786e3};
	double geo_s[3];
	geo_lla_to_ecef(&gp, geo_s);
	double rng_m = 150e3 * pow(20.0, rng_unif(rng));
	double el = geo_rad(1.0 + 79.0 * rng_unif(rng)), az = 2 * GEO_PI * rng_unif(rng);
	memset(g, 0, sizeof(*g));
	geo_aer_to_ecef(&rp, radar, rng_m, az, el, g->x);
	for (int i = 0; i < 3; i++)
		g->x[3 + i] = 3000.0 * rng_gauss(rng);
	g->x[TRACK_IX_K] = 1.0;
	double sp = pow(10.0, 3.5 * rng_unif(rng));
	random_cov(rng, sp, 0.1 * sp + 1.0, g->P);
	if (kind < 2) {
		make_radar_obs(radar, g->x, 5.0 + 45.0 * rng_unif(rng), 2e-4 + 2e-3 * rng_unif(rng),
		               kind ? 0.5 + 5.0 * rng_unif(rng) : 0.0, rng, o);
	} else {
		double F[3][3];
		los_frame(geo_s, g->x, F);
		make_los_obs(geo_s, F, g->x, 1e-6 + 3e-5 * rng_unif(rng), rng, o);
	}
}

/*
 * The 6-D path (ukf.c, kat_decoupled): a state whose k and aT are exactly
 * uncorrelated with (r, v) gets the 8-D filter's doubles. Each case is
 * run twice: decoupled, and with one cross term set to 1e-300 (which
 * takes the 8-D path and changes no other double: its products vanish in
 * the rounding of every other entry). Linearised prediction over 1-10 s
 * (ballistic model), measurement prediction and update (radar, radar with
 * range rate, GEO IR): every entry equal (==), the cross terms 0 against
 * below 1e-290.
 */
static int same_but_cross(const double *a, const double *b, int rows, int cols, int r0)
{
	for (int i = 0; i < rows; i++)
		for (int j = 0; j < cols; j++) {
			double x = a[i * cols + j], y = b[i * cols + j];
			int cross = cols == NX ? (i < 6) != (j < 6) : i >= r0;
			if (cross ? !(fabs(x - y) < 1e-290) : !(x == y))
				return i * cols + j + 1;
		}
	return 0;
}

static void decoupled_k_and_at_give_the_8d_filter_doubles(void **state)
{
	(void)state;
	uint64_t rng = 4711;
	const struct track_motion mo = {.thrust = 0, .q_acc_m2_s3 = 1e-9, .q_k = 1e-4};
	int n_lin = 0, n_ut = 0, n_pred = 0;
	for (int c = 0; c < 1500; c++) {
		struct track_gauss gd, g8;
		struct mw_obs o;
		random_meas_case(&rng, c % 3, &gd, &o);
		for (int i = 0; i < 6; i++)
			for (int j = 6; j < NX; j++)
				gd.P[i * NX + j] = gd.P[j * NX + i] = 0.0;
		g8 = gd;
		g8.P[0 * NX + 6] = g8.P[6 * NX + 0] = 1e-300;
		struct track_gauss pd, p8;
		double dt = 1.0 + 9.0 * rng_unif(&rng);
		if (track_ukf_predict_lin(&gd, dt, &mo, &pd) == 0) {
			assert_int_equal(track_ukf_predict_lin(&g8, dt, &mo, &p8), 0);
			int e = same_but_cross(pd.P, p8.P, NX, NX, 0);
			if (e || memcmp(pd.x, p8.x, sizeof(pd.x)) != 0)
				fail_msg("case %d: prediction differs (P entry %d)", c, e - 1);
			n_pred++;
		}
		struct track_meas m;
		assert_int_equal(track_meas_prepare(&o, &m), 0);
		struct track_zpred zd, z8;
		if (track_ukf_zpredict(&gd, &m, &zd) < 0)
			continue;
		assert_int_equal(track_ukf_zpredict(&g8, &m, &z8), 0);
		assert_int_equal(zd.lin, z8.lin);
		const int nz = m.nz;
		int e = same_but_cross(zd.PxzT, z8.PxzT, nz, NX, 0); /* cross: state rows 6, 7 */
		if (e || memcmp(zd.zhat, z8.zhat, sizeof(double) * (size_t)nz) != 0 ||
		    memcmp(zd.S, z8.S, sizeof(double) * (size_t)(nz * nz)) != 0 ||
		    zd.logdet_S != z8.logdet_S)
			fail_msg("case %d: measurement prediction differs (Pxz entry %d)", c,
			         e - 1);
		struct track_gauss ud, u8;
		double nd, n8;
		if (track_ukf_update(&gd, &zd, &m, &ud, &nd) < 0)
			continue;
		assert_int_equal(track_ukf_update(&g8, &z8, &m, &u8, &n8), 0);
		e = same_but_cross(ud.P, u8.P, NX, NX, 0);
		if (e || nd != n8)
			fail_msg("case %d (%s): update differs (P entry %d)", c,
			         zd.lin ? "linearised" : "sigma points", e - 1);
		for (int i = 0; i < NX; i++)
			if (!(ud.x[i] == u8.x[i]))
				fail_msg("case %d: updated x[%d] %.17g vs %.17g", c, i, ud.x[i],
				         u8.x[i]);
		if (zd.lin)
			n_lin++;
		else
			n_ut++;
	}
	print_message("6-D path: %d predictions, %d linearised and %d sigma-point updates "
	              "identical to the 8-D path\n",
	              n_pred, n_lin, n_ut);
	if (n_pred < 1000 || n_lin < 300 || n_ut < 300)
		fail_msg("too few cases: %d predictions, %d linearised, %d sigma-point updates",
		         n_pred, n_lin, n_ut);
}

/*
 * The sigma-point prediction propagates a sigma point that differs from
 * the centre only in k (and in aT without thrust, or where L[7][6] = 0)
 * as the centre itself over a step above the drag ceiling (ukf.c,
 * k_inert_step): the result must be the 17-point transform written out
 * in full, bit for bit. 600 states 310-3,000 km up, both models, steps
 * 0.2-10 s both ways, half of them with k and aT correlated.
 */
static void ut_prediction_matches_the_full_17_point_transform(void **state)
{
	(void)state;
	uint64_t rng = 2024;
	const struct track_motion mos[2] = {
	    {.thrust = 0, .q_acc_m2_s3 = 1e-9, .q_k = 1e-4},
	    {.thrust = 1, .q_acc_m2_s3 = 25.0, .q_k = 1e-4, .q_at_m2_s5 = 50.0}};
	int n = 0;
	for (int c = 0; c < 600; c++) {
		struct geo_lla p = {geo_rad(-60 + 120 * rng_unif(&rng)),
		                    geo_rad(360 * rng_unif(&rng)), 310e3 + 2700e3 * rng_unif(&rng)};
		struct track_gauss g;
		memset(&g, 0, sizeof(g));
		geo_lla_to_ecef(&p, g.x);
		double v[3] = {4000 * rng_gauss(&rng), 4000 * rng_gauss(&rng),
		               500 * rng_gauss(&rng)};
		geo_vec_enu_to_ecef(&p, v, g.x + 3);
		g.x[TRACK_IX_K] = 1.0;
		g.x[TRACK_IX_AT] = 40.0 * rng_unif(&rng);
		random_cov(&rng, pow(10.0, 1.0 + 3.0 * rng_unif(&rng)),
		           100.0 * rng_unif(&rng) + 1.0, g.P);
		if (c % 2)
			g.P[6 * NX + 7] = g.P[7 * NX + 6] = 0.0;
		const struct track_motion *mo = &mos[c % 4 < 2];
		double dt = (0.2 + 9.8 * rng_unif(&rng)) * (c % 7 == 3 ? -1.0 : 1.0);
		struct track_gauss out;
		if (track_ukf_predict_ut(&g, dt, mo, &out) < 0)
			continue;
		/* The transform written out in full (ukf.h: lambda = 0). */
		double L[NX * NX], X[2 * NX + 1][NX];
		assert_int_equal(track_chol(L, g.P, NX), 0);
		const double sc = sqrt((double)NX);
		memcpy(X[0], g.x, sizeof(X[0]));
		for (int j = 0; j < NX; j++)
			for (int i = 0; i < NX; i++) {
				X[1 + j][i] = g.x[i] + sc * L[i * NX + j];
				X[1 + NX + j][i] = g.x[i] - sc * L[i * NX + j];
			}
		for (int k = 0; k < 2 * NX + 1; k++)
			assert_int_equal(track_model_propagate(X[k], dt, mo->thrust, X[k]), 0);
		struct track_gauss ref;
		memset(&ref, 0, sizeof(ref));
		for (int k = 0; k < 2 * NX + 1; k++)
			for (int i = 0; i < NX; i++)
				ref.x[i] += (k ? 1.0 / (2.0 * NX) : 0.0) * X[k][i];
		for (int k = 0; k < 2 * NX + 1; k++) {
			double d[NX], w = k ? 1.0 / (2.0 * NX) : 2.0;
			for (int i = 0; i < NX; i++)
				d[i] = X[k][i] - ref.x[i];
			for (int i = 0; i < NX; i++)
				for (int j = 0; j <= i; j++)
					ref.P[i * NX + j] += w * d[i] * d[j];
		}
		for (int i = 0; i < NX; i++)
			for (int j = 0; j < i; j++)
				ref.P[j * NX + i] = ref.P[i * NX + j];
		track_model_add_q(ref.P, dt, mo, g.x);
		for (int i = 0; i < NX; i++) /* the relative floor (ukf.h) */
			ref.P[i * NX + i] += TRACK_P_FLOOR_REL * ref.P[i * NX + i];
		for (int i = 0; i < NX; i++) {
			if (!(out.x[i] == ref.x[i]))
				fail_msg("case %d: x[%d] %.17g, full transform %.17g", c, i,
				         out.x[i], ref.x[i]);
			for (int j = 0; j < NX; j++)
				if (!(out.P[i * NX + j] == ref.P[i * NX + j]))
					fail_msg("case %d: P[%d][%d] %.17g, full transform %.17g",
					         c, i, j, out.P[i * NX + j], ref.P[i * NX + j]);
		}
		n++;
	}
	print_message("sigma-point prediction: %d cases identical to the full 17-point "
	              "transform\n",
	              n);
	assert_true(n >= 500);
}

static void linearised_zprediction_matches_sigma_points_where_chosen(void **state)
{
	(void)state;
	uint64_t rng = 77;
	int n_lin = 0, n_ut = 0;
	double worst[6] = {0};
	for (int c = 0; c < 3000; c++) {
		struct track_gauss g;
		struct mw_obs o;
		random_meas_case(&rng, c % 3, &g, &o);
		struct track_meas m;
		assert_int_equal(track_meas_prepare(&o, &m), 0);
		struct track_zpred a, b;
		assert_int_equal(track_ukf_zpredict(&g, &m, &a), 0);
		if (!a.lin) {
			n_ut++;
			continue;
		}
		n_lin++;
		assert_int_equal(track_ukf_zpredict_ut(&g, &m, &b), 0);
		const int nz = m.nz;
		double d[TRACK_NZ_MAX];
		track_meas_residual(&m, a.zhat, b.zhat, d);
		for (int i = 0; i < nz; i++) {
			double e = fabs(d[i]) / sqrt(m.r_var[i]);
			worst[0] = fmax(worst[0], e);
			for (int j = 0; j < nz; j++) {
				double es = fabs(a.S[i * nz + j] - b.S[i * nz + j]) /
				            sqrt(b.S[i * nz + i] * b.S[j * nz + j]);
				worst[1] = fmax(worst[1], es);
			}
			for (int k = 0; k < NX; k++) {
				double ex = fabs(a.PxzT[i * NX + k] - b.PxzT[i * NX + k]) /
				            sqrt(g.P[k * NX + k] * b.S[i * nz + i]);
				worst[2] = fmax(worst[2], ex);
			}
		}
		struct track_gauss ua, ub;
		assert_int_equal(track_ukf_update(&g, &a, &m, &ua, NULL), 0);
		assert_int_equal(track_ukf_update(&g, &b, &m, &ub, NULL), 0);
		for (int i = 0; i < NX; i++) {
			double e = fabs(ua.x[i] - ub.x[i]) / sqrt(ub.P[i * NX + i]);
			worst[3] = fmax(worst[3], e);
			for (int j = 0; j < NX; j++) {
				double ep = fabs(ua.P[i * NX + j] - ub.P[i * NX + j]) /
				            sqrt(ub.P[i * NX + i] * ub.P[j * NX + j]);
				worst[4] = fmax(worst[4], ep);
			}
		}
	}
	if (getenv("TRACK_TEST_VERBOSE"))
		print_message("linearised %d, sigma points %d; worst: mean %.2e sigma, S %.2e, "
		              "Pxz %.2e, updated mean %.2e, updated P %.2e\n",
		              n_lin, n_ut, worst[0], worst[1], worst[2], worst[3], worst[4]);
	if (n_lin < 300 || n_ut < 300)
		fail_msg("both paths must be exercised: linearised %d, sigma points %d", n_lin,
		         n_ut);
	const char *what[5] = {"predicted mean", "S", "Pxz", "updated mean", "updated P"};
	for (int i = 0; i < 5; i++)
		if (!(worst[i] <= 0.02))
			fail_msg(
			    "linearised vs sigma-point prediction: %s differs by %.3g (> 0.02)",
			    what[i], worst[i]);
}

/*
 * track_ukf_zpredict_ut forms and sums only the sigma points whose h
 * differs from the centre's (docs/tracking.md "Speed", fourth round).
 * Reference: the full scaled unscented transform written out here - all
 * 17 points, h at each, the mean in residual space about the centre,
 * S = sum w dz dz^T + R, Pxz = sum w dx dz^T - on the same random
 * geometries as above (radar, radar with range rate, GEO IR). The two
 * are the same sums regrouped, so they agree to rounding: within 1e-9
 * of the measurement sigma (mean), of sqrt(S_aa S_bb) (S) and of
 * sqrt(P_ii S_aa) (Pxz).
 */
static void zprediction_sigma_points_match_the_full_17_point_sums(void **state)
{
	(void)state;
	uint64_t rng = 78;
	double worst[3] = {0};
	for (int c = 0; c < 1500; c++) {
		struct track_gauss g;
		struct mw_obs o;
		random_meas_case(&rng, c % 3, &g, &o);
		struct track_meas m;
		assert_int_equal(track_meas_prepare(&o, &m), 0);
		struct track_zpred b;
		assert_int_equal(track_ukf_zpredict_ut(&g, &m, &b), 0);
		/* The reference transform. */
		const int nz = m.nz, ns = 2 * NX + 1;
		double L[NX * NX], X[2 * NX + 1][NX], Z[2 * NX + 1][TRACK_NZ_MAX];
		assert_int_equal(mat_cholesky(L, g.P, NX), 0);
		for (int k = 0; k < ns; k++)
			for (int i = 0; i < NX; i++) {
				int j = (k - 1) % NX;
				double d = k == 0 ? 0.0 : sqrt((double)NX) * L[i * NX + j];
				X[k][i] = g.x[i] + (k == 0 ? 0.0 : (k <= NX ? d : -d));
			}
		for (int k = 0; k < ns; k++)
			assert_int_equal(track_meas_h(&m, X[k], Z[k]), 0);
		double zhat[TRACK_NZ_MAX] = {0}, S[16] = {0}, Pxz[NX * TRACK_NZ_MAX] = {0};
		for (int k = 1; k < ns; k++) {
			double d[TRACK_NZ_MAX];
			track_meas_residual(&m, Z[k], Z[0], d);
			for (int i = 0; i < nz; i++)
				zhat[i] += d[i] / (2.0 * NX);
		}
		for (int i = 0; i < nz; i++)
			zhat[i] += Z[0][i];
		for (int k = 0; k < ns; k++) {
			double w = k == 0 ? 2.0 : 1.0 / (2.0 * NX), dz[TRACK_NZ_MAX];
			track_meas_residual(&m, Z[k], zhat, dz);
			for (int i = 0; i < nz; i++) {
				for (int j = 0; j < nz; j++)
					S[i * nz + j] += w * dz[i] * dz[j];
				for (int r = 0; r < NX; r++)
					Pxz[r * nz + i] += w * (X[k][r] - g.x[r]) * dz[i];
			}
		}
		for (int i = 0; i < nz; i++)
			S[i * nz + i] += m.r_var[i];
		double d[TRACK_NZ_MAX];
		track_meas_residual(&m, b.zhat, zhat, d);
		for (int i = 0; i < nz; i++) {
			worst[0] = fmax(worst[0], fabs(d[i]) / sqrt(m.r_var[i]));
			for (int j = 0; j < nz; j++)
				worst[1] = fmax(worst[1], fabs(b.S[i * nz + j] - S[i * nz + j]) /
				                              sqrt(S[i * nz + i] * S[j * nz + j]));
			for (int r = 0; r < NX; r++)
				worst[2] =
				    fmax(worst[2], fabs(b.PxzT[i * NX + r] - Pxz[r * nz + i]) /
				                       sqrt(g.P[r * NX + r] * S[i * nz + i]));
		}
	}
	if (getenv("TRACK_TEST_VERBOSE"))
		print_message("sigma-point moments vs the full 17-point sums: mean %.2e sigma, "
		              "S %.2e, Pxz %.2e\n",
		              worst[0], worst[1], worst[2]);
	const char *what[3] = {"predicted mean", "S", "Pxz"};
	for (int i = 0; i < 3; i++)
		if (!(worst[i] <= 1e-9))
			fail_msg(
			    "sigma-point moments: %s differs from the full sums by %.3g (> 1e-9)",
			    what[i], worst[i]);
}

/*
 * track_ukf_zpredict_ut bit for bit against its scalar form (session 12,
 * tspeed11: the residuals and their mean two components at a time with
 * the wrap test as a lane mask, Pxz held by column in zp, S symmetrised
 * inside the moments). Reference: the unscented moments as they were
 * written one component at a time (1500e44), kept here: the points of
 * L's columns 0..nh-1, h at each, the mean about the centre's h, S and
 * Pxz with the centre's weight WC0 + 2 (N - nh) WI, R added, then the
 * symmetrisation and S's factor. Half the radar cases put the target
 * within 1 mrad of north, where the sigma points' azimuths straddle 0 /
 * 2 pi and the residuals wrap (counted: the test fails if none did).
 */
static void ut_moments_reference(const struct track_gauss *g, const struct track_meas *m,
                                 struct track_zpred *r)
{
	const double WI = 1.0 / (2.0 * NX);
	double L[NX * NX], X[2 * NX + 1][NX], Z[2 * NX + 1][TRACK_NZ_MAX];
	memset(r, 0, sizeof(*r));
	assert_int_equal(track_chol(L, g->P, NX), 0);
	const int nz = m->nz, nh = nz == 4 ? 6 : 3;
	const double c = sqrt((double)NX);
	memcpy(X[0], g->x, sizeof(X[0]));
	for (int j = 0; j < nh; j++)
		for (int i = 0; i < NX; i++) {
			double d = c * L[i * NX + j];
			X[1 + j][i] = g->x[i] + d;
			X[1 + NX + j][i] = g->x[i] - d;
		}
	assert_int_equal(track_meas_h(m, X[0], Z[0]), 0);
	for (int j = 0; j < nh; j++) {
		assert_int_equal(track_meas_h(m, X[1 + j], Z[1 + j]), 0);
		assert_int_equal(track_meas_h(m, X[1 + NX + j], Z[1 + NX + j]), 0);
	}
	double acc[TRACK_NZ_MAX] = {0}, PT[TRACK_NZ_MAX][NX] = {{0}};
	for (int k = 1; k < 2 * NX + 1; k++) {
		if ((k - 1) % NX >= nh)
			continue;
		double d[TRACK_NZ_MAX];
		track_meas_residual(m, Z[k], Z[0], d);
		for (int i = 0; i < nz; i++)
			acc[i] += WI * d[i];
	}
	for (int i = 0; i < nz; i++)
		r->zhat[i] = Z[0][i] + acc[i];
	for (int k = 0; k < 2 * NX + 1; k++) {
		if (k > 0 && (k - 1) % NX >= nh)
			continue;
		double dz[TRACK_NZ_MAX];
		track_meas_residual(m, Z[k], r->zhat, dz);
		double w = k == 0 ? 2.0 + 2.0 * (NX - nh) * WI : WI;
		for (int i = 0; i < nz; i++) {
			const double wdi = w * dz[i];
			for (int j = 0; j < nz; j++)
				r->S[i * nz + j] += wdi * dz[j];
		}
		if (k == 0)
			continue;
		for (int i = 0; i < NX; i++) {
			const double wdx = w * (X[k][i] - g->x[i]);
			for (int j = 0; j < nz; j++)
				PT[j][i] += wdx * dz[j];
		}
	}
	memcpy(r->PxzT, PT, sizeof(PT));
	for (int i = 0; i < nz; i++)
		r->S[i * nz + i] += m->r_var[i];
	mat_symmetrise(r->S, nz);
	assert_int_equal(track_chol(r->Ls, r->S, nz), 0);
	r->logdet_S = track_chol_logdet(r->Ls, nz);
}

static void zprediction_ut_matches_the_scalar_moments_bit_for_bit(void **state)
{
	(void)state;
	uint64_t rng = 1211;
	int n = 0, n_wrap = 0;
	for (int c = 0; c < 3000; c++) {
		struct track_gauss g;
		struct mw_obs o;
		const int kind = c % 3;
		random_meas_case(&rng, kind, &g, &o);
		if (kind < 2 && (c / 3) % 2) { /* the target near north of the radar */
			struct geo_lla rp = {geo_rad(37), geo_rad(129), 200};
			double radar[3], x[3];
			geo_lla_to_ecef(&rp, radar);
			double rng_m = 150e3 * pow(20.0, rng_unif(&rng));
			double az = 1e-3 * (2.0 * rng_unif(&rng) - 1.0);
			if (az < 0.0)
				az += 2.0 * GEO_PI;
			geo_aer_to_ecef(&rp, radar, rng_m, az, geo_rad(2.0 + 60.0 * rng_unif(&rng)),
			                x);
			memcpy(g.x, x, sizeof(x));
			make_radar_obs(radar, g.x, 20.0, 1e-3, kind ? 2.0 : 0.0, &rng, &o);
		}
		struct track_meas m;
		assert_int_equal(track_meas_prepare(&o, &m), 0);
		struct track_zpred a, r;
		memset(&a, 0xa5, sizeof(a));
		if (track_ukf_zpredict_ut(&g, &m, &a) < 0)
			continue;
		ut_moments_reference(&g, &m, &r);
		const int nz = m.nz;
		if (a.nz != nz || a.lin != 0 ||
		    memcmp(a.zhat, r.zhat, sizeof(double) * (size_t)nz) != 0 ||
		    memcmp(a.S, r.S, sizeof(double) * (size_t)(nz * nz)) != 0 ||
		    memcmp(a.PxzT, r.PxzT, sizeof(a.PxzT)) != 0 ||
		    memcmp(a.Ls, r.Ls, sizeof(double) * (size_t)(nz * nz)) != 0 ||
		    memcmp(&a.logdet_S, &r.logdet_S, sizeof(double)) != 0)
			fail_msg("case %d (kind %d): unscented measurement prediction differs from "
			         "the scalar moments",
			         c, kind);
		n++;
		/* did a residual wrap? (an azimuth point on the other side of north) */
		if (m.kind == MW_OBS_RADAR) {
			double z0[TRACK_NZ_MAX], zk[TRACK_NZ_MAX], x[NX], L[NX * NX];
			assert_int_equal(track_chol(L, g.P, NX), 0);
			assert_int_equal(track_meas_h(&m, g.x, z0), 0);
			for (int j = 0; j < 3; j++)
				for (int s = -1; s <= 1; s += 2) {
					for (int i = 0; i < NX; i++)
						x[i] =
						    g.x[i] + s * (sqrt((double)NX) * L[i * NX + j]);
					if (track_meas_h(&m, x, zk) == 0 &&
					    fabs(zk[1] - z0[1]) > GEO_PI) {
						n_wrap++;
						j = 3;
						break;
					}
				}
		}
	}
	if (getenv("TRACK_TEST_VERBOSE"))
		print_message("unscented measurement prediction vs scalar moments: %d cases "
		              "compared bytewise, %d with wrapped azimuth residuals\n",
		              n, n_wrap);
	assert_true(n > 2000);
	assert_true(n_wrap > 100);
}

/* ---- filter consistency ---- */

struct scen {
	int use_los; /* 0 radar only, 1 radar + 2 IR, 2 IR only (after radar start) */
	int use_imm;
	int n_runs;
	int n_steps;            /* 1 s apart */
	int burn_steps;         /* truth thrusts at 30 m/s^2 for the first burn_steps s */
	int burn_start;         /* ... from burn_start s on (0: from the start) */
	double prune_mu;        /* track_imm_cfg.prune_mu (0: the plain IMM) */
	double tau_ballistic_s; /* 0: 1e5 s */
	double mu0_boost;
	int first_boost[64];  /* per run: first step >= burn_start with mu_boost > 0.5, or -1 */
	int n_pruned_coast;   /* predictions pruned during the coast before the burn */
	int n_coast;          /* predictions from step 20 to burn_start */
	double mu_boost[200]; /* mean over runs */
	double nees[200];     /* ANEES per step (6-D r, v) */
	double rmse_pos[200];
	double mean_nis; /* radar NIS averaged */
	int n_nis;
};

static void run_scenario(struct scen *sc, uint64_t seed)
{
	struct geo_lla rp = {geo_rad(35), geo_rad(130), 100};
	double radar[3];
	geo_lla_to_ecef(&rp, radar);
	/* Two GEO IR sensors. */
	struct geo_lla g1 = {0, geo_rad(100), 35786e3}, g2 = {0, geo_rad(160), 35786e3};
	double ir1[3], ir2[3], F1[3][3], F2[3][3], look[3];
	geo_lla_to_ecef(&g1, ir1);
	geo_lla_to_ecef(&g2, ir2);
	struct geo_lla lp = {geo_rad(40), geo_rad(130), 0};
	geo_lla_to_ecef(&lp, look);
	los_frame(ir1, look, F1);
	los_frame(ir2, look, F2);
	struct track_imm_cfg cfg = {
	    .motion = {{.thrust = 0, .q_acc_m2_s3 = 1e-6, .q_k = 1e-6},
	               {.thrust = 1, .q_acc_m2_s3 = 25.0, .q_k = 1e-6, .q_at_m2_s5 = 4.0}},
	    .sigma_at0_m_s2 = 10.0,
	    .tau_boost_s = 60,
	    .tau_ballistic_s = sc->tau_ballistic_s > 0.0 ? sc->tau_ballistic_s : 1e5,
	    .prune_mu = sc->prune_mu};
	sc->n_pruned_coast = sc->n_coast = 0;
	memset(sc->nees, 0, sizeof(sc->nees));
	memset(sc->rmse_pos, 0, sizeof(sc->rmse_pos));
	memset(sc->mu_boost, 0, sizeof(sc->mu_boost));
	sc->mean_nis = 0;
	sc->n_nis = 0;
	for (int run = 0; run < sc->n_runs; run++) {
		uint64_t rng = seed + 1000003ull * (uint64_t)run;
		/* Truth: 400 km up, north-west of the radar, flying east so the
		 * radar's azimuth crosses north. */
		struct geo_lla tp = {geo_rad(40), geo_rad(127), 400e3};
		double tr[6];
		geo_lla_to_ecef(&tp, tr);
		double ve[3] = {5500, 300, 0};
		geo_vec_enu_to_ecef(&tp, ve, tr + 3);
		/* Prior: truth + N(0, P0). */
		double sd[NX] = {2000, 2000, 2000, 200, 200, 200, 0.5, 10.0};
		struct track_gauss g;
		memset(&g, 0, sizeof(g));
		for (int i = 0; i < 6; i++)
			g.x[i] = tr[i] + sd[i] * rng_gauss(&rng);
		g.x[6] = 1.0 + sd[6] * rng_gauss(&rng);
		g.x[7] = 0.0;
		for (int i = 0; i < NX; i++)
			g.P[i * NX + i] = sd[i] * sd[i];
		struct track_imm imm = {.mu = {1.0 - sc->mu0_boost, sc->mu0_boost}, .m = {g, g}};
		track_gauss_alpha_prior(&imm.m[TRACK_MODE_BOOST]); /* x6 is alpha there (model.h) */
		if (run < 64)
			sc->first_boost[run] = -1;
		for (int k = 0; k < sc->n_steps; k++) {
			truth_step_thrust(tr, 1.0,
			                  k >= sc->burn_start && k < sc->burn_steps ? 30.0 : 0.0);
			struct mw_obs obs[3];
			int n_obs = 0;
			if (sc->use_los != 2 || k < 5)
				make_radar_obs(radar, tr, 10.0, 1e-3, (k % 2) ? 1.0 : 0.0, &rng,
				               &obs[n_obs++]);
			if (sc->use_los) {
				make_los_obs(ir1, F1, tr, 2e-5, &rng, &obs[n_obs++]);
				make_los_obs(ir2, F2, tr, 2e-5, &rng, &obs[n_obs++]);
			}
			for (int j = 0; j < n_obs; j++) {
				struct track_meas m;
				assert_int_equal(track_meas_prepare(&obs[j], &m), 0);
				double dt = j == 0 ? 1.0 : 0.0;
				if (sc->use_imm) {
					struct track_imm p;
					struct track_zpred zp[2];
					struct track_imm_gate gt;
					assert_int_equal(track_imm_predict(&imm, dt, &cfg, &p), 0);
					if (k >= 20 && k < sc->burn_start) {
						sc->n_coast++;
						sc->n_pruned_coast += track_imm_pruned(&p);
					}
					assert_int_equal(track_imm_zpredict(&p, &m, zp, &gt), 0);
					assert_int_equal(
					    track_imm_update_from(&imm, dt, &cfg, &p, zp, &m, &imm),
					    0);
					if (m.kind == MW_OBS_RADAR) {
						sc->mean_nis += gt.d2 / m.nz;
						sc->n_nis++;
					}
				} else {
					struct track_gauss p;
					struct track_zpred zp;
					double nis;
					assert_int_equal(
					    track_ukf_predict(&g, dt, &cfg.motion[0], &p), 0);
					assert_int_equal(track_ukf_zpredict(&p, &m, &zp), 0);
					assert_int_equal(track_ukf_update(&p, &zp, &m, &g, &nis),
					                 0);
					if (m.kind == MW_OBS_RADAR) {
						sc->mean_nis += nis / m.nz;
						sc->n_nis++;
					}
				}
			}
			sc->mu_boost[k] += imm.mu[1] / sc->n_runs;
			if (run < 64 && sc->first_boost[run] < 0 && k >= sc->burn_start &&
			    sc->burn_start > 0 && imm.mu[1] > 0.5)
				sc->first_boost[run] = k;
			struct track_gauss est = g;
			if (sc->use_imm)
				track_imm_combine(&imm, &est);
			double e[6], d2 = nees_rv6(&est, tr, e);
			sc->nees[k] += d2 / sc->n_runs;
			sc->rmse_pos[k] += (e[0] * e[0] + e[1] * e[1] + e[2] * e[2]) / sc->n_runs;
		}
	}
	for (int k = 0; k < sc->n_steps; k++)
		sc->rmse_pos[k] = sqrt(sc->rmse_pos[k]);
	sc->mean_nis /= sc->n_nis;
}

/* ANEES at a few well-separated times inside 99% two-sided bounds
 * (Bonferroni over the checked times keeps the family level near 95%). */
static void check_anees_at(const struct scen *sc, const char *what, const int *checked,
                           size_t n_checked)
{
	double lo, hi;
	track_anees_bounds(6, sc->n_runs, 0.99, &lo, &hi);
	if (getenv("TRACK_TEST_VERBOSE"))
		for (int k = 0; k < sc->n_steps; k++)
			print_message("%s: t=%d ANEES %.3f mu_boost %.4f RMSE %.1f\n", what, k + 1,
			              sc->nees[k], sc->mu_boost[k], sc->rmse_pos[k]);
	for (size_t i = 0; i < n_checked; i++) {
		int k = checked[i];
		if (k >= sc->n_steps)
			continue;
		print_message("%s: t=%d s ANEES %.3f bounds [%.3f, %.3f] pos RMSE %.1f m\n", what,
		              k + 1, sc->nees[k], lo, hi, sc->rmse_pos[k]);
		if (sc->nees[k] < lo || sc->nees[k] > hi)
			fail_msg("%s: ANEES %.3f at t=%d s outside [%.3f, %.3f]", what, sc->nees[k],
			         k + 1, lo, hi);
	}
}

/* From a 2 km / 200 m/s prior the first ~20 s are a transient in which
 * the filter is conservative (ANEES about 4.7-4.9 of 6: the large prior
 * and the sigma-point spread overstate the early covariance); the
 * checks are at 30, 45 and 60 s. */
static void check_anees(const struct scen *sc, const char *what)
{
	static const int checked[] = {29, 44, 59};
	check_anees_at(sc, what, checked, 3);
}

/*
 * The thrusting model is predicted by its sigma points alone (ukf.h): its
 * thrust turns with the velocity and the estimated angle alpha, and grows
 * as aT^2 / v_e (model.h). Against a Monte Carlo of the same model: 24
 * boost states 20-150 km up, 0.3-3 km/s, aT 10-80 m/s^2 with sigma 1-10,
 * alpha -0.15..0.15 rad with sigma 0.02-0.1, random correlated
 * covariances (position sigmas 30-300 m), steps of 1 and 5 s, no process
 * noise; 2,000 draws through track_model_propagate. The predicted mean
 * within 0.12 of its sigma in every component and the covariance within
 * 0.12 of sqrt(P_ii P_jj) (the Monte Carlo's own errors: ~0.02 and
 * ~0.03). The thrust's angle must move the prediction: alpha's sigma
 * points are not the centre's.
 */
static void thrusting_prediction_matches_monte_carlo(void **state)
{
	(void)state;
	uint64_t rng = 4242;
	double worst_x = 0.0, worst_p = 0.0;
	/* no process noise: q_acc 0, no walks, a direction error far below
	 * any spread (0 would mean model.h's) */
	const struct track_motion mo = {
	    .thrust = 1, .pitch_sigma_rad = 1e-12, .yaw_sigma_rad = 1e-12};
	enum { NMC = 2000 };
	static double Y[NMC][NX];
	for (int c = 0; c < 24; c++) {
		struct track_gauss g;
		memset(&g, 0, sizeof(g));
		struct geo_lla p = {geo_rad(-60.0 + 120.0 * rng_unif(&rng)),
		                    geo_rad(360.0 * rng_unif(&rng)), 20e3 + 130e3 * rng_unif(&rng)};
		geo_lla_to_ecef(&p, g.x);
		/* climbing at 20-70 deg */
		double vn = 300.0 + 2700.0 * rng_unif(&rng),
		       el = geo_rad(20.0 + 50.0 * rng_unif(&rng));
		double az = 2.0 * GEO_PI * rng_unif(&rng);
		double ve[3] = {vn * cos(el) * sin(az), vn * cos(el) * cos(az), vn * sin(el)};
		geo_vec_enu_to_ecef(&p, ve, g.x + 3);
		g.x[TRACK_IX_ALPHA] = 0.3 * (rng_unif(&rng) - 0.5);
		g.x[TRACK_IX_AT] = 10.0 + 70.0 * rng_unif(&rng);
		random_cov(&rng, 30.0 * pow(10.0, rng_unif(&rng)), 3.0 + 7.0 * rng_unif(&rng), g.P);
		const double sa[2] = {0.02 + 0.08 * rng_unif(&rng), 1.0 + 9.0 * rng_unif(&rng)};
		for (int r = 0; r < 2; r++) {
			const int ix = r ? TRACK_IX_AT : TRACK_IX_ALPHA;
			double f = sa[r] / sqrt(g.P[ix * NX + ix]);
			for (int i = 0; i < NX; i++) {
				g.P[ix * NX + i] *= f;
				g.P[i * NX + ix] *= f;
			}
		}
		/* alpha uncorrelated at the start (as the prior it is born
		 * with), so that its covariance with the velocity below is the
		 * prediction's */
		for (int i = 0; i < NX; i++)
			if (i != TRACK_IX_ALPHA)
				g.P[i * NX + TRACK_IX_ALPHA] = g.P[TRACK_IX_ALPHA * NX + i] = 0.0;
		double L[NX * NX];
		assert_int_equal(track_chol(L, g.P, NX), 0);
		const double dt = c % 2 ? 5.0 : 1.0;
		struct track_gauss a;
		assert_int_equal(track_ukf_predict(&g, dt, &mo, &a), 0);
		double m[NX], C[NX * NX];
		for (int n = 0; n < NMC; n++) {
			double x[NX];
			draw_state(&g, L, &rng, x);
			assert_int_equal(track_model_propagate(x, dt, 1, Y[n]), 0);
		}
		sample_moments((const double(*)[NX])Y, NMC, m, C);
		for (int i = 0; i < NX; i++) {
			double e = fabs(a.x[i] - m[i]) / sqrt(C[i * NX + i]);
			worst_x = fmax(worst_x, e);
			if (!(e <= 0.12))
				fail_msg("case %d (dt %g): mean component %d %.9g, Monte Carlo "
				         "%.9g (%.3f "
				         "of its sigma)",
				         c, dt, i, a.x[i], m[i], e);
			for (int j = 0; j < NX; j++) {
				double ep = fabs(a.P[i * NX + j] - C[i * NX + j]) /
				            sqrt(C[i * NX + i] * C[j * NX + j]);
				worst_p = fmax(worst_p, ep);
				if (!(ep <= 0.12))
					fail_msg("case %d (dt %g): P[%d][%d] %.6g, Monte Carlo "
					         "%.6g (%.3f "
					         "of the sigmas)",
					         c, dt, i, j, a.P[i * NX + j], C[i * NX + j], ep);
			}
		}
		/* alpha moves the prediction: the velocity across v gains
		 * ~aT dt P_alpha,alpha of covariance with it */
		double u[3], w[3], h[3], cw = 0.0;
		assert_int_equal(track_model_thrust_frame(g.x, u, w, h), 0);
		for (int i = 0; i < 3; i++)
			cw += w[i] * (a.P[(3 + i) * NX + TRACK_IX_ALPHA] -
			              g.P[(3 + i) * NX + TRACK_IX_ALPHA]);
		const double paa = g.P[TRACK_IX_ALPHA * NX + TRACK_IX_ALPHA];
		if (!(cw > 0.5 * g.x[TRACK_IX_AT] * dt * paa))
			fail_msg(
			    "case %d: alpha's covariance with the velocity across v grew by %.4g, "
			    "not ~aT dt P_aa = %.4g",
			    c, cw, g.x[TRACK_IX_AT] * dt * paa);
	}
	if (getenv("TRACK_TEST_VERBOSE"))
		print_message("thrusting prediction against Monte Carlo: worst mean %.3f, "
		              "covariance %.3f (of the sigmas)\n",
		              worst_x, worst_p);
}

/*
 * The check-only factorisation (track_chol_check, reciprocal pivots: the
 * linearised measurement prediction's SPD test of the state covariance)
 * gives track_chol's verdict: 4,000 random 8 x 8 covariances, half of
 * them shifted by -s I with s 0.5 - 1.5 times the shift at which
 * track_chol stops succeeding (found by bisection): both sides of
 * singular, close to it.
 */
static void chol_check_agrees_with_factorisation(void **state)
{
	(void)state;
	uint64_t rng = 99;
	int n_spd = 0, n_not = 0;
	for (int c = 0; c < 4000; c++) {
		double P[NX * NX], L[NX * NX];
		random_cov(&rng, pow(10.0, 4.0 * rng_unif(&rng)), pow(10.0, 3.0 * rng_unif(&rng)),
		           P);
		if (c % 2) {
			/* bisect the shift s at which P - s I stops being SPD */
			double lo = 0.0, hi = P[0];
			for (int i = 1; i < NX; i++)
				hi = fmin(hi, P[i * NX + i]);
			for (int it = 0; it < 60; it++) {
				double mid = 0.5 * (lo + hi), Q[NX * NX];
				memcpy(Q, P, sizeof(Q));
				for (int i = 0; i < NX; i++)
					Q[i * NX + i] -= mid;
				if (track_chol(L, Q, NX) == 0)
					lo = mid;
				else
					hi = mid;
			}
			double sh = lo * (0.5 + rng_unif(&rng));
			for (int i = 0; i < NX; i++)
				P[i * NX + i] -= sh;
		}
		int a = track_chol(L, P, NX), b = track_chol_check(P, NX);
		if (a != b)
			fail_msg("case %d: track_chol %d, track_chol_check %d", c, a, b);
		if (a == 0)
			n_spd++;
		else
			n_not++;
	}
	if (n_spd < 2000 || n_not < 500)
		fail_msg("both verdicts should occur: %d SPD, %d not", n_spd, n_not);
}

/* The row-by-row factorisation with reciprocal pivots that
 * track_chol_factor_ns computes two rows at a time (chol.h). */
static int chol_rows_reference(double *L, const double *A, int n, int stride)
{
	double inv[TRACK_CHOL_MAX];
	for (int i = 0; i < n; i++)
		for (int j = 0; j <= i; j++) {
			double s = A[i * stride + j];
			for (int k = 0; k < j; k++)
				s -= L[i * n + k] * L[j * n + k];
			if (i == j) {
				if (!(s > 0.0) || !isfinite(s))
					return -MW_ENOTSPD;
				L[i * n + i] = sqrt(s);
				inv[i] = 1.0 / L[i * n + i];
			} else {
				L[i * n + j] = s * inv[j];
			}
		}
	return 0;
}

/*
 * track_chol_factor_ns (the square-root prediction's factor and the
 * check-only factorisation) gives the row-by-row factorisation's doubles
 * bit for bit and its verdict: 3,000 random covariances, n = 8, the
 * leading 6 x 6 and 7 x 7 blocks (stride 8: an odd n takes the single-row
 * tail), a third of them shifted to within 0.5-1.5x of singular.
 */
static void chol_factor_pairs_match_row_by_row_bit_for_bit(void **state)
{
	(void)state;
	uint64_t rng = 7;
	int n_cmp = 0, n_not = 0;
	for (int c = 0; c < 3000; c++) {
		double P[NX * NX];
		random_cov(&rng, pow(10.0, 4.0 * rng_unif(&rng)), pow(10.0, 3.0 * rng_unif(&rng)),
		           P);
		if (c % 3 == 2) {
			double lo = 0.0, hi = P[0], Lt[NX * NX];
			for (int i = 1; i < NX; i++)
				hi = fmin(hi, P[i * NX + i]);
			for (int it = 0; it < 60; it++) {
				double mid = 0.5 * (lo + hi), Q[NX * NX];
				memcpy(Q, P, sizeof(Q));
				for (int i = 0; i < NX; i++)
					Q[i * NX + i] -= mid;
				if (chol_rows_reference(Lt, Q, NX, NX) == 0)
					lo = mid;
				else
					hi = mid;
			}
			double sh = lo * (0.5 + rng_unif(&rng));
			for (int i = 0; i < NX; i++)
				P[i * NX + i] -= sh;
		}
		for (int n = 6; n <= NX; n++) {
			double La[NX * NX], Lb[NX * NX];
			int a = chol_rows_reference(La, P, n, NX);
			int b = n == 6   ? track_chol_factor_ns(Lb, P, 6, NX)
			        : n == 7 ? track_chol_factor_ns(Lb, P, 7, NX)
			                 : track_chol_factor_ns(Lb, P, NX, NX);
			if (a != b)
				fail_msg("case %d n %d: row by row %d, in pairs %d", c, n, a, b);
			if (a < 0) {
				n_not++;
				continue;
			}
			for (int i = 0; i < n; i++)
				for (int j = 0; j <= i; j++)
					if (memcmp(&La[i * n + j], &Lb[i * n + j],
					           sizeof(double)) != 0)
						fail_msg("case %d n %d: L[%d][%d] %.17g row by "
						         "row, %.17g "
						         "in pairs",
						         c, n, i, j, La[i * n + j], Lb[i * n + j]);
			n_cmp++;
		}
	}
	if (n_cmp < 5000 || n_not < 300)
		fail_msg("both verdicts should occur: %d compared, %d not SPD", n_cmp, n_not);
}

static void ukf_radar_is_consistent_across_north(void **state)
{
	(void)state;
	struct scen sc = {.use_los = 0, .use_imm = 0, .n_runs = 40, .n_steps = 60};
	run_scenario(&sc, 1234);
	check_anees(&sc, "UKF radar");
	assert_true(sc.rmse_pos[59] < sc.rmse_pos[0]);
}

/*
 * A plumes-only line of sight (imm.h, TRACK_PLUME_COAST_P): the same ray
 * against the same two-model prediction (ballistic 0.7, boost 0.3, the
 * boost model 4 km off the ray in ECEF z), once as a tracking-layer ray
 * and once as an early-warning sensor's plume. The plume's gate is the
 * boost model's d^2 alone; its cost is -2 ln sum mu_j p_j N_j with p = 1e-6
 * for the ballistic model; the miss term (logdet) is the same; and the
 * update weighs the modes by the same p, so the plume leaves the boost
 * model at ~1. A pruned IMM gates no plume (d^2 = INFINITY).
 */
static void close_to(const char *what, double got, double want, double tol)
{
	if (!(fabs(got - want) <= tol * fmax(1.0, fabs(want))))
		fail_msg("%s: %.12g, want %.12g", what, got, want);
}

static void imm_plume_line_of_sight_says_thrusting(void **state)
{
	(void)state;
	struct geo_lla tp = {geo_rad(40), geo_rad(128), 150e3};
	double truth[6];
	geo_lla_to_ecef(&tp, truth);
	double ve[3] = {1500, 200, 1500};
	geo_vec_enu_to_ecef(&tp, ve, truth + 3);
	struct geo_lla sl = {0, geo_rad(120), 35786e3};
	double sensor[3], F[3][3];
	geo_lla_to_ecef(&sl, sensor);
	los_frame(sensor, truth, F);
	struct track_gauss g;
	memset(&g, 0, sizeof(g));
	memcpy(g.x, truth, sizeof(truth));
	g.x[TRACK_IX_K] = 1.0;
	const double sd[NX] = {1500, 1500, 1500, 50, 50, 50, 0.5, 5};
	for (int i = 0; i < NX; i++)
		g.P[i * NX + i] = sd[i] * sd[i];
	struct track_imm imm = {.mu = {0.7, 0.3}, .m = {g, g}};
	track_gauss_alpha_prior(&imm.m[TRACK_MODE_BOOST]); /* x6 is alpha there (model.h) */
	imm.m[TRACK_MODE_BOOST].x[TRACK_IX_AT] = 20.0;
	imm.m[TRACK_MODE_BOOST].x[2] += 4000.0; /* off the ray (ECEF z: across it) */
	uint64_t rng = 3;
	struct mw_obs o;
	make_los_obs(sensor, F, truth, 0.0, &rng, &o);
	o.sigma_los_rad = 2e-5;
	struct track_meas m[2];
	struct track_zpred zp[2][TRACK_N_MODES];
	struct track_imm_gate gt[2];
	struct track_imm up[2];
	for (int plume = 0; plume < 2; plume++) {
		o.plumes_only = plume != 0;
		assert_int_equal(track_meas_prepare(&o, &m[plume]), 0);
		assert_int_equal(m[plume].plumes_only, plume != 0);
		assert_int_equal(track_imm_zpredict(&imm, &m[plume], zp[plume], &gt[plume]), 0);
		assert_int_equal(track_imm_update(&imm, zp[plume], &m[plume], &up[plume]), 0);
	}
	double d2[TRACK_N_MODES], ln_n[TRACK_N_MODES], nu[TRACK_NZ_MAX];
	for (int j = 0; j < TRACK_N_MODES; j++) {
		track_ukf_innovation(&zp[0][j], &m[0], nu, &d2[j]);
		ln_n[j] = -0.5 * (d2[j] + zp[0][j].logdet_S);
	}
	const int B = TRACK_MODE_BOOST, C = TRACK_MODE_BALLISTIC;
	double want_plain = -2.0 * log(0.3 * exp(ln_n[B]) + 0.7 * exp(ln_n[C]));
	double want_plume =
	    -2.0 * log(0.3 * exp(ln_n[B]) + 0.7 * TRACK_PLUME_COAST_P * exp(ln_n[C]));
	double mu_plume = 0.3 * exp(ln_n[B]) / (0.3 * exp(ln_n[B]) + 0.7e-6 * exp(ln_n[C]));
	print_message("d2 boost %.2f ballistic %.2f; cost %.3f -> %.3f (plume); mu_boost after "
	              "the update %.4f -> %.8f\n",
	              d2[B], d2[C], gt[0].cost, gt[1].cost, up[0].mu[B], up[1].mu[B]);
	assert_true(d2[C] < 1e-6 && d2[B] > 2.0); /* the ray passes the ballistic model */
	close_to("plain gate: min d2", gt[0].d2, d2[C], 1e-9);
	close_to("plume gate: the boost model's d2", gt[1].d2, d2[B], 1e-9);
	close_to("plain cost", gt[0].cost, want_plain, 1e-9);
	close_to("plume cost", gt[1].cost, want_plume, 1e-9);
	close_to("the miss term is the same", gt[1].logdet, gt[0].logdet, 1e-12);
	close_to("plume update: mu_boost", up[1].mu[B], mu_plume, 1e-9);
	assert_true(up[0].mu[B] < 0.3 && up[1].mu[B] > 0.999);
	/* The same boost model's state update either way: the plume changes
	 * the weights, not the models. */
	assert_memory_equal(&up[0].m[B], &up[1].m[B], sizeof(up[0].m[B]));
	/* pruned: no model can make the plume */
	struct track_imm pr = imm;
	pr.mu[C] = 1.0;
	pr.mu[B] = 0.0;
	pr.m[B] = pr.m[C];
	struct track_imm_gate gp;
	assert_int_equal(track_imm_zpredict(&pr, &m[1], zp[1], &gp), 0);
	assert_true(isinf(gp.d2));
}

static void imm_radar_and_ir_is_consistent(void **state)
{
	(void)state;
	struct scen sc = {
	    .use_los = 1, .use_imm = 1, .n_runs = 40, .n_steps = 60, .mu0_boost = 0.1};
	run_scenario(&sc, 777);
	check_anees(&sc, "IMM radar+IR");
	/* Nothing thrusts: the boost mode dies out. */
	if (sc.mu_boost[30] > 0.01)
		fail_msg("mean boost probability %.4f at t=31 s of a coast", sc.mu_boost[30]);
}

static void imm_follows_thrust_and_burnout(void **state)
{
	(void)state;
	/* 30 m/s^2 thrust for 40 s, then coast; radar + IR. */
	struct scen sc = {.use_los = 1,
	                  .use_imm = 1,
	                  .n_runs = 40,
	                  .n_steps = 120,
	                  .burn_steps = 40,
	                  .mu0_boost = 0.5};
	run_scenario(&sc, 4242);
	if (sc.mu_boost[30] < 0.9)
		fail_msg("mean boost probability %.3f at t=31 s during thrust", sc.mu_boost[30]);
	if (sc.mu_boost[70] > 0.05)
		fail_msg("mean boost probability %.3f 30 s after burnout", sc.mu_boost[70]);
	static const int checked[] = {89, 119};
	check_anees_at(&sc, "IMM through burnout", checked, 2);
}

/*
 * Pruning (imm.h): a ballistic object coasts for 80 s, then burns at 30
 * m/s^2 for 40 s; radar only (10 m, 1 mrad at ~600 km, range rate every
 * other second). The same 30 runs (same seeds, so the same plots) with
 * the plain IMM and with the boost model pruned below 1e-3. Pruned: the
 * boost model is left out of most coast predictions, the burn revives
 * it (track_imm_update_from) and the burn is declared (mu_boost > 0.5)
 * in every run, on average at most 0.5 s later than by the plain IMM and
 * in no run more than 2 s later (measured: the same scan in every run),
 * both are consistent in the coast and after burnout (ANEES at 61 s and
 * 150 s; the tracker's tau_ballistic_s), and at every second the pruned
 * IMM's position RMSE is within 5% and its ANEES within 10% of the plain
 * IMM's - but for the burn's first 30 s, where the revived boost model
 * takes up the thrust later (25% and 2x; measured 1.18x and 1.66x, in
 * the first 12 s).
 */
static void pruned_imm_revives_the_boost_model_at_a_burn(void **state)
{
	(void)state;
	enum { RUNS = 30, START = 80 };
	static struct scen full, pr;
	full = (struct scen){.use_los = 0,
	                     .use_imm = 1,
	                     .n_runs = RUNS,
	                     .n_steps = 150,
	                     .burn_start = START,
	                     .burn_steps = START + 40,
	                     .tau_ballistic_s = 1e7, /* the tracker's */
	                     .mu0_boost = 0.1};
	pr = full;
	pr.prune_mu = 1e-3;
	run_scenario(&full, 9191);
	run_scenario(&pr, 9191);
	double sum_f = 0.0, sum_p = 0.0;
	int worst = -1000;
	for (int r = 0; r < RUNS; r++) {
		if (full.first_boost[r] < 0 || pr.first_boost[r] < 0)
			fail_msg(
			    "run %d: burn at %d s not declared (plain IMM at %d s, pruned at %d "
			    "s)",
			    r, START, full.first_boost[r], pr.first_boost[r]);
		sum_f += full.first_boost[r] - START;
		sum_p += pr.first_boost[r] - START;
		if (pr.first_boost[r] - full.first_boost[r] > worst)
			worst = pr.first_boost[r] - full.first_boost[r];
	}
	print_message("burn declared after %.2f s (plain IMM) and %.2f s (pruned), worst run "
	              "%+d s; coast predictions pruned: %d of %d\n",
	              sum_f / RUNS, sum_p / RUNS, worst, pr.n_pruned_coast, pr.n_coast);
	if (sum_p / RUNS > sum_f / RUNS + 0.5 || worst > 2)
		fail_msg(
		    "pruned IMM declares the burn %.2f s after its start (plain %.2f s), worst "
		    "run %+d s",
		    sum_p / RUNS, sum_f / RUNS, worst);
	if (pr.n_pruned_coast < pr.n_coast * 8 / 10)
		fail_msg("only %d of %d coast predictions pruned", pr.n_pruned_coast, pr.n_coast);
	if (full.n_pruned_coast != 0)
		fail_msg("the plain IMM pruned %d predictions", full.n_pruned_coast);
	/* The burn itself (ANEES ~3.4 of 6 at 111 s in both: the boost
	 * model's q is conservative for a constant thrust) is compared, not
	 * bounded. */
	static const int checked[] = {60, 149};
	check_anees_at(&full, "plain IMM through a burn after a coast", checked, 2);
	check_anees_at(&pr, "pruned IMM through a burn after a coast", checked, 2);
	if (getenv("PRUNE_VERBOSE"))
		for (int k = START - 3; k < START + 45; k++)
			print_message(
			    "t=%d: ANEES %.2f / %.2f, RMSE %.1f / %.1f, mu_b %.4f / %.4f\n", k + 1,
			    pr.nees[k], full.nees[k], pr.rmse_pos[k], full.rmse_pos[k],
			    pr.mu_boost[k], full.mu_boost[k]);
	for (int k = 0; k < full.n_steps; k++) {
		/* The burn's first 30 s: the revived boost model takes up the
		 * thrust a little later than the plain IMM's. */
		int onset = k >= START && k < START + 30;
		double ta = onset ? 1.0 : 0.1, tr = onset ? 0.25 : 0.05;
		if (fabs(pr.nees[k] - full.nees[k]) > ta * full.nees[k] ||
		    fabs(pr.rmse_pos[k] - full.rmse_pos[k]) > tr * full.rmse_pos[k])
			fail_msg(
			    "t=%d s: ANEES %.3f (pruned) vs %.3f, position RMSE %.1f vs %.1f m",
			    k + 1, pr.nees[k], full.nees[k], pr.rmse_pos[k], full.rmse_pos[k]);
	}
}

/*
 * A boost that is not a gravity turn, with burnout inside a scan
 * interval (issue 4, docs/tracking.md "Boost and burnout"). The truth's
 * thrust acceleration grows as the propellant burns, a(t) = a0 / (1 -
 * a0 t / v_e) with v_e = 2,800 m/s (the filter assumes 2,500), and
 * points alpha off the velocity in the trajectory plane, alpha uniform
 * in [-6, 6] deg per run (a pitch programme's angle of attack; the
 * filter states 0.1 rad); it burns out at 40 s + U(0, 1) s, so the
 * burnout falls inside a 1 s radar interval. Integrated here with
 * 0.01 s RK4 steps (thrust on or off per step by its start time).
 */
static void truth_step_steered(double s[6], double t0, double dt, double a0, double ve,
                               double alpha, double t_bo)
{
	const double h = 0.01;
	int n = (int)lround(dt / h);
	for (int it = 0; it < n; it++) {
		double t = t0 + it * h;
		double at = t < t_bo ? a0 / (1.0 - a0 * t / ve) : 0.0;
		double k[4][6], y[6];
		for (int st = 0; st < 4; st++) {
			const double c = st == 0 ? 0.0 : (st == 3 ? 1.0 : 0.5);
			for (int i = 0; i < 6; i++)
				y[i] = s[i] + (st ? c * h * k[st - 1][i] : 0.0);
			double a[3], x8[NX] = {0}, u[3], w[3], hh[3];
			assert_int_equal(geo_accel_ecef(y, y + 3, a), 0);
			memcpy(x8, y, sizeof(y));
			assert_int_equal(track_model_thrust_frame(x8, u, w, hh), 0);
			for (int i = 0; i < 3; i++) {
				a[i] += at * (cos(alpha) * u[i] + sin(alpha) * w[i]);
				k[st][i] = y[3 + i];
				k[st][3 + i] = a[i];
			}
		}
		for (int i = 0; i < 6; i++)
			s[i] += h / 6.0 * (k[0][i] + 2.0 * k[1][i] + 2.0 * k[2][i] + k[3][i]);
	}
}

#define STEER_STEPS 60
/* A prior drawn around the truth tr (sigmas 2 km, 200 m/s, k 0.5,
 * thrust 20 m/s^2 around a0), both IMM modes equally likely: the
 * burnout and staging tests' start. */
/* A state at (lat, lon, h) flying east at speed m/s, gam degrees above
 * the horizon. */
static void east_state(double lat_deg, double lon_deg, double h_m, double speed, double gam_deg,
                       double tr[6])
{
	struct geo_lla tp = {geo_rad(lat_deg), geo_rad(lon_deg), h_m};
	geo_lla_to_ecef(&tp, tr);
	const double gam = geo_rad(gam_deg), ve[3] = {speed * cos(gam), 0, speed * sin(gam)};
	geo_vec_enu_to_ecef(&tp, ve, tr + 3);
}

static struct track_imm boost_prior(const double tr[6], double a0, uint64_t *rng)
{
	const double sd[NX] = {2000, 2000, 2000, 200, 200, 200, 0.5, 20.0};
	struct track_gauss g;
	memset(&g, 0, sizeof(g));
	for (int i = 0; i < 6; i++)
		g.x[i] = tr[i] + sd[i] * rng_gauss(rng);
	g.x[6] = 1.0 + sd[6] * rng_gauss(rng);
	g.x[7] = a0 + sd[7] * rng_gauss(rng);
	for (int i = 0; i < NX; i++)
		g.P[i * NX + i] = sd[i] * sd[i];
	struct track_imm imm = {.mu = {0.5, 0.5}, .m = {g, g}};
	track_gauss_alpha_prior(&imm.m[TRACK_MODE_BOOST]); /* x6 is alpha there (model.h) */
	return imm;
}

static void imm_is_consistent_through_a_steered_boost_and_burnout(void **state)
{
	(void)state;
	const int n_runs = 40;
	struct track_config tc;
	track_config_default(&tc);
	struct geo_lla rp = {geo_rad(36), geo_rad(131), 100};
	double radar[3];
	geo_lla_to_ecef(&rp, radar);
	/* NEES by time since burnout: 1..STEER_STEPS-41 s (index 0 = the
	 * first scan after burnout), and during the burn. */
	double nees_bo[20] = {0}, nees_burn[STEER_STEPS] = {0}, mu_bo[20] = {0};
	uint64_t rng = 31337;
	for (int run = 0; run < n_runs; run++) {
		double tr[6];
		east_state(40, 127, 150e3, 3000, 25, tr);
		double alpha = geo_rad(-6.0 + 12.0 * rng_unif(&rng));
		double t_bo = 40.0 + rng_unif(&rng);
		const double a0 = 40.0, ve_true = 2800.0;
		struct track_imm imm = boost_prior(tr, a0, &rng);
		for (int k = 0; k < STEER_STEPS; k++) {
			truth_step_steered(tr, k, 1.0, a0, ve_true, alpha, t_bo);
			struct mw_obs o;
			make_radar_obs(radar, tr, 10.0, 1e-3, (k % 2) ? 1.0 : 0.0, &rng, &o);
			struct track_meas m;
			assert_int_equal(track_meas_prepare(&o, &m), 0);
			struct track_imm p;
			struct track_zpred zp[2];
			assert_int_equal(track_imm_predict(&imm, 1.0, &tc.imm, &p), 0);
			assert_int_equal(track_imm_zpredict(&p, &m, zp, NULL), 0);
			assert_int_equal(track_imm_update(&p, zp, &m, &imm), 0);
			struct track_gauss est;
			track_imm_combine(&imm, &est);
			double e[6], d2 = nees_rv6(&est, tr, e);
			double t = k + 1.0; /* time of this scan */
			nees_burn[k] += d2 / n_runs;
			int b = (int)ceil(t - t_bo) - 1; /* 0: first scan after burnout */
			if (t > t_bo && b < 20) {
				nees_bo[b] += d2 / n_runs;
				mu_bo[b] += imm.mu[TRACK_MODE_BOOST] / n_runs;
			}
		}
	}
	double lo, hi;
	track_anees_bounds(6, n_runs, 0.99, &lo, &hi);
	if (getenv("TRACK_TEST_VERBOSE"))
		for (int b = 0; b < 19; b++)
			print_message("steered: scan %d after burnout ANEES %.3f mu_boost %.4f\n",
			              b + 1, nees_bo[b], mu_bo[b]);
	/* During the burn (35 s: well after the prior's transient) and the
	 * 3rd and 10th scans after burnout: three checks at 99% each, the
	 * burn's against the upper bound alone (the thrust's walk, 25
	 * m^2/s^5, states the stage changes this single-stage truth does not
	 * have: 4.5 at 35 s, cautious, as the staging test's second stage;
	 * with the thrust along v and q_acc 25 it read 5.3). The
	 * first scan after burnout is printed, not checked: there the boost
	 * probability is still 0.97-0.98 (one distant radar cannot yet tell
	 * a missed part-second of thrust from noise), and a mixture whose
	 * prior gives a burnout in this second 1/60 is, conditioned on the
	 * burnout having happened, expected to look overconfident (ANEES
	 * 6.4-8.3 over seeds 1-8; 12.7 before the burnout correction). */
	struct {
		const char *what;
		double v;
	} chk[3] = {{"burn, t = 35 s", nees_burn[34]},
	            {"3rd scan after burnout", nees_bo[2]},
	            {"10th scan after burnout", nees_bo[9]}};
	print_message("steered boost: 1st scan after burnout ANEES %.3f (not checked)\n",
	              nees_bo[0]);
	for (int i = 0; i < 3; i++)
		print_message("steered boost: %s ANEES %.3f bounds [%.3f, %.3f]\n", chk[i].what,
		              chk[i].v, lo, hi);
	for (int i = 0; i < 3; i++)
		if ((i > 0 && chk[i].v < lo) || chk[i].v > hi)
			fail_msg("steered boost: %s ANEES %.3f outside [%.3f, %.3f]", chk[i].what,
			         chk[i].v, lo, hi);
	/* One radar 600-800 km away (1 mrad: ~700 m across the beam) sees
	 * a missed second of thrust (~25 m) mostly in range: the boost
	 * probability falls over a few scans (0.65 at the 3rd). */
	if (mu_bo[9] > 0.05)
		fail_msg("mean boost probability %.3f at the 10th scan after burnout", mu_bo[9]);
}

/* Three radars in ECEF, the IRBM's several radars late in its burn (the
 * burnout and staging tests). */
static void three_radars(double radar[3][3])
{
	const struct geo_lla rp[3] = {{geo_rad(36), geo_rad(131), 100},
	                              {geo_rad(38), geo_rad(134), 100},
	                              {geo_rad(41), geo_rad(136), 100}};
	for (int r = 0; r < 3; r++)
		geo_lla_to_ecef(&rp[r], radar[r]);
}

/*
 * A prediction across an unseen burnout (issue 4: IRBM seed 14, NEES 129
 * one second after its burnout). The end of a long burn: thrust growing
 * as the propellant burns, a(t) = a0 / (1 - a0 t / v_e) with a0 = 45
 * m/s^2 and v_e = 2,800 m/s (the filter's hazard assumes Isp 255 s, 2,500
 * m/s), 126-142 m/s^2 (13-14 g, an IRBM's last seconds) when it burns
 * out at 40 s + U(0, 1) s, inside a 1 s scan interval of three radars.
 * The published estimate (the moment-matched IMM, as track_info_est_at
 * publishes a boost track) of the last posterior before the burnout,
 * predicted to the first scan after it, is scored against the truth.
 * The prediction is a mixture: thrust went on (probability 1 - p) or
 * stopped inside the interval (p); the truth is in the second part, so
 * its NEES approaches (1 - p) / p along the velocity (plus the other
 * dimensions) as the sensors sharpen. With the chain's constant 60 s
 * (p = 1.7% per second) 40 runs gave a mean of 19.0 and a worst run of
 * 53.9; with the mass-depletion bound (p = 1 - exp(-a / (Isp g0)), ~5%
 * at 13 g) 11.7 and 31.4. Checked: every run under 50 (the issue's
 * threshold for "overconfident during boost or just after"), and the
 * ANEES of the burn at 35 s and of the 2nd and 10th scans after burnout
 * inside 99% bounds (a higher hazard must not make the burn cautious).
 */
static void imm_prediction_across_an_unseen_burnout_is_not_overconfident(void **state)
{
	(void)state;
	const int n_runs = 40;
	struct track_config tc;
	track_config_default(&tc);
	/* Three radars (30 m, 0.5 mrad, range rate 1 m/s; one scan each per
	 * second), as the IRBM's several radars late in its burn: the
	 * posterior's velocity sigma is a few m/s, so a second of missed
	 * thrust is tens of sigmas off unless the prediction allows it. */
	double radar[3][3];
	three_radars(radar);
	double nees_pred_max = 0.0, nees_pred_mean = 0.0, mu_pred_mean = 0.0;
	double nees_after[10] = {0}, nees_burn = 0.0;
	uint64_t rng = 4242;
	for (int run = 0; run < n_runs; run++) {
		double tr[6];
		east_state(40, 127, 150e3, 3000, 25, tr);
		double alpha = geo_rad(-3.0 + 6.0 * rng_unif(&rng));
		double t_bo = 40.0 + rng_unif(&rng);
		const double a0 = 45.0, ve_true = 2800.0;
		struct track_imm imm = boost_prior(tr, a0, &rng);
		for (int k = 0; k < 52; k++) {
			truth_step_steered(tr, k, 1.0, a0, ve_true, alpha, t_bo);
			double t = k + 1.0; /* time of this scan */
			struct track_imm p;
			assert_int_equal(track_imm_predict(&imm, 1.0, &tc.imm, &p), 0);
			int first_after = t > t_bo && t - 1.0 <= t_bo;
			for (int pass = 0; pass < 2; pass++) {
				/* pass 0: the prediction (scored at the first scan
				 * after burnout); pass 1: the posterior. */
				if (pass == 0 && !first_after)
					continue;
				for (int r = 0; pass == 1 && r < 3; r++) {
					struct mw_obs o;
					make_radar_obs(radar[r], tr, 10.0, 2e-4, 0.5, &rng, &o);
					struct track_meas m;
					struct track_zpred zp[2];
					struct track_imm q;
					assert_int_equal(track_meas_prepare(&o, &m), 0);
					if (r > 0)
						assert_int_equal(
						    track_imm_predict(&imm, 0.0, &tc.imm, &p), 0);
					assert_int_equal(track_imm_zpredict(&p, &m, zp, NULL), 0);
					assert_int_equal(track_imm_update(&p, zp, &m, &q), 0);
					imm = q;
				}
				const struct track_imm *im = pass == 0 ? &p : &imm;
				struct track_gauss est;
				track_imm_combine(im, &est);
				double e[6], d2 = nees_rv6(&est, tr, e);
				if (pass == 0) {
					nees_pred_max = fmax(nees_pred_max, d2);
					nees_pred_mean += d2 / n_runs;
					mu_pred_mean += p.mu[TRACK_MODE_BOOST] / n_runs;
					continue;
				}
				int b = (int)ceil(t - t_bo) - 1; /* 0: first scan after burnout */
				if (t > t_bo && b < 10)
					nees_after[b] += d2 / n_runs;
				if (k == 34)
					nees_burn += d2 / n_runs;
			}
		}
	}
	double lo, hi;
	track_anees_bounds(6, n_runs, 0.99, &lo, &hi);
	print_message("unseen burnout: predicted boost probability %.3f, NEES of the prediction "
	              "mean %.1f max %.1f (limit 50)\n",
	              mu_pred_mean, nees_pred_mean, nees_pred_max);
	if (getenv("TRACK_TEST_VERBOSE"))
		for (int b = 0; b < 10; b++)
			print_message("unseen burnout: scan %d after burnout ANEES %.3f\n", b + 1,
			              nees_after[b]);
	print_message("unseen burnout: burn at 35 s ANEES %.3f, 2nd/10th scan after %.3f/%.3f "
	              "bounds [%.3f, %.3f]\n",
	              nees_burn, nees_after[1], nees_after[9], lo, hi);
	if (!(nees_pred_max < 50.0))
		fail_msg("prediction across an unseen burnout: NEES %.1f (limit 50), mean %.1f",
		         nees_pred_max, nees_pred_mean);
	const double chk[3] = {nees_burn, nees_after[1], nees_after[9]};
	for (int i = 0; i < 3; i++)
		if (chk[i] < lo || chk[i] > hi)
			fail_msg("unseen burnout: ANEES %.3f (check %d) outside [%.3f, %.3f]",
			         chk[i], i, lo, hi);
}

/*
 * Staging without a gap (docs/tracking.md "Burnout bins (session 7,
 * branch burn2)"). The simulator's ICBM lights its second stage the
 * moment the first burns out: the thrust acceleration falls from ~56 to
 * ~17 m/s^2 between two plots and then rises again. Truth here: stage 1
 * a(t) = a1 / (1 - a1 t / v_e1), a1 = 40 m/s^2, v_e1 = 2,844 m/s (Isp
 * 290 s), staging at 20.5 s + U(0, 1) s (a ~56 m/s^2); stage 2 from 17
 * m/s^2 with v_e2 = 3,236 m/s (Isp 330 s), burnout at 50 s + U(0, 1) s;
 * three radars as in the unseen-burnout test, each plot through the
 * tracker's update (track_imm_update_from: with the stage change). The
 * boost model's thrust grows smoothly and walks, and cannot follow a 39
 * m/s^2 step within a scan: the first plot after the staging misses, the
 * stage change widens the thrust and the plot re-learns it (measured, 30
 * runs: mean boost probability 0.74, 0.72, 0.996 at the 1st-3rd scans
 * after staging; thrust error 26, 1.6, 0.8 m/s^2 rms; with the thrust
 * along v and without the stage change 0.71, 0.35, 0.97 and 30, 14, 5.8,
 * ~2 m/s^2, the IMM calling the staging a burnout for a scan; with this
 * model and the stage change off, 0.50, 0.43, 0.995 and 27, 12, 1.1).
 * Pinned: the thrust error at the 2nd scan after staging is under 5
 * m/s^2 rms (the stage change acts: imm.h "Stage change" asks the plot
 * to be explained by the widened thrust, Bayes factor >= 20), and
 * the dip is short - the mean boost probability is above 0.9 by the
 * 5th scan after staging and no run calls the second stage ballistic
 * for more than 2 scans in a row (measured: 2) - the boost model's
 * thrust is within 5 m/s^2 (rms over the runs) of the second stage's
 * 10 s after staging, the second stage's burn is not overconfident
 * (ANEES at 45 s below the 99% upper bound; measured 4.9, the boost
 * model's q is on the cautious side, so no lower bound) and the 10th
 * scan after the final burnout is consistent (inside 99% bounds).
 */
static double staged_thrust(double t, double ts, double t_bo)
{
	const double a1 = 40.0, ve1 = 2844.0, a2 = 17.0, ve2 = 3236.0;
	if (t < ts)
		return a1 / (1.0 - a1 * t / ve1);
	if (t < t_bo)
		return a2 / (1.0 - a2 * (t - ts) / ve2);
	return 0.0;
}

static void truth_step_staged(double s[6], double t0, double dt, double ts, double t_bo)
{
	const double h = 0.01;
	int n = (int)lround(dt / h);
	for (int it = 0; it < n; it++) {
		double t = t0 + it * h;
		double at = staged_thrust(t, ts, t_bo);
		double k[4][6], y[6];
		for (int st = 0; st < 4; st++) {
			const double c = st == 0 ? 0.0 : (st == 3 ? 1.0 : 0.5);
			for (int i = 0; i < 6; i++)
				y[i] = s[i] + (st ? c * h * k[st - 1][i] : 0.0);
			double a[3], vn = sqrt(y[3] * y[3] + y[4] * y[4] + y[5] * y[5]);
			assert_int_equal(geo_accel_ecef(y, y + 3, a), 0);
			for (int i = 0; i < 3; i++) {
				k[st][i] = y[3 + i];
				k[st][3 + i] = a[i] + at * y[3 + i] / vn;
			}
		}
		for (int i = 0; i < 6; i++)
			s[i] += h / 6.0 * (k[0][i] + 2.0 * k[1][i] + 2.0 * k[2][i] + k[3][i]);
	}
}

static void imm_keeps_the_boost_mode_across_a_staging_without_a_gap(void **state)
{
	(void)state;
	enum { RUNS = 30, STEPS = 62 };
	struct track_config tc;
	track_config_default(&tc);
	double radar[3][3];
	three_radars(radar);
	/* by scan after staging (0: the first scan after it) */
	double mu_st[12] = {0}, at_err2[12] = {0}, mu_burn1 = 0.0, nees_burn2 = 0.0;
	double nees_bo10 = 0.0;
	int worst_run_low = 0;
	uint64_t rng = 2026;
	for (int run = 0; run < RUNS; run++) {
		double tr[6];
		east_state(40, 127, 80e3, 2500, 40, tr);
		double ts = 20.5 + rng_unif(&rng), t_bo = 50.0 + rng_unif(&rng);
		struct track_imm imm = boost_prior(tr, 40.0, &rng);
		int low = 0;
		for (int k = 0; k < STEPS; k++) {
			truth_step_staged(tr, k, 1.0, ts, t_bo);
			double t = k + 1.0; /* time of this scan */
			struct track_imm p;
			for (int r = 0; r < 3; r++) {
				struct mw_obs o;
				make_radar_obs(radar[r], tr, 10.0, 2e-4, 0.5, &rng, &o);
				struct track_meas m;
				struct track_zpred zp[2];
				assert_int_equal(track_meas_prepare(&o, &m), 0);
				const double dt = r ? 0.0 : 1.0;
				assert_int_equal(track_imm_predict(&imm, dt, &tc.imm, &p), 0);
				assert_int_equal(track_imm_zpredict(&p, &m, zp, NULL), 0);
				/* the tracker's update: with the stage change */
				struct track_imm base = imm;
				assert_int_equal(
				    track_imm_update_from(&base, dt, &tc.imm, &p, zp, &m, &imm), 0);
			}
			double mub = imm.mu[TRACK_MODE_BOOST];
			int b = (int)ceil(t - ts) - 1; /* 0: first scan after staging */
			if (t > ts && b < 12) {
				double ea = imm.m[TRACK_MODE_BOOST].x[TRACK_IX_AT] -
				            staged_thrust(t, ts, t_bo);
				mu_st[b] += mub / RUNS;
				at_err2[b] += ea * ea / RUNS;
			}
			if (k == 14)
				mu_burn1 += mub / RUNS;
			/* consecutive scans of the second stage called ballistic */
			if (t > ts && t < t_bo) {
				low = mub < 0.5 ? low + 1 : 0;
				if (low > worst_run_low)
					worst_run_low = low;
			}
			int score = k == 44 || t - t_bo > 9.0;
			if (!score || (k != 44 && (int)ceil(t - t_bo) - 1 != 9))
				continue;
			struct track_gauss est;
			track_imm_combine(&imm, &est);
			double e[6], d2 = nees_rv6(&est, tr, e);
			if (k == 44)
				nees_burn2 += d2 / RUNS;
			else
				nees_bo10 += d2 / RUNS;
		}
	}
	double lo, hi;
	track_anees_bounds(6, RUNS, 0.99, &lo, &hi);
	for (int b = 0; b < 12; b++)
		print_message("staging: scan %2d after it: mean boost probability %.3f, boost "
		              "model's thrust error %.2f m/s^2 rms\n",
		              b + 1, mu_st[b], sqrt(at_err2[b]));
	print_message("staging: stage 1 at 15 s mean boost probability %.3f; longest run of "
	              "scans called ballistic in stage 2: %d; ANEES stage 2 at 45 s %.3f, 10th "
	              "scan after burnout %.3f, bounds [%.3f, %.3f]\n",
	              mu_burn1, worst_run_low, nees_burn2, nees_bo10, lo, hi);
	if (!(mu_burn1 > 0.9))
		fail_msg("stage 1: mean boost probability %.3f at 15 s, want > 0.9", mu_burn1);
	if (!(mu_st[4] > 0.9))
		fail_msg("mean boost probability %.3f at the 5th scan after staging, want > 0.9",
		         mu_st[4]);
	if (worst_run_low > 2)
		fail_msg("a run called the second stage ballistic for %d scans in a row (limit 2)",
		         worst_run_low);
	if (!(sqrt(at_err2[9]) < 5.0))
		fail_msg("boost model's thrust %.2f m/s^2 rms off the second stage's 10 s after "
		         "staging (limit 5)",
		         sqrt(at_err2[9]));
	/* The stage change re-learns the thrust at the first plots after
	 * the staging (measured 1.62; 12.18 with the stage change off). */
	if (!(sqrt(at_err2[1]) < 5.0))
		fail_msg("boost model's thrust %.2f m/s^2 rms off the second stage's at the 2nd "
		         "scan after staging (limit 5): the stage change did not re-learn it",
		         sqrt(at_err2[1]));
	if (nees_burn2 > hi || nees_bo10 < lo || nees_bo10 > hi)
		fail_msg("staging: ANEES %.3f (stage 2, 45 s) / %.3f (10th scan after burnout) "
		         "outside [%.3f, %.3f]",
		         nees_burn2, nees_bo10, lo, hi);
}

/*
 * The stage change needs evidence of a stage (imm.h, "Stage change"): a
 * plot that misses a boost-dominated prediction for a reason the thrust
 * cannot explain leaves the thrust's variance alone. Session 23's rule
 * widened aT by (30 m/s^2)^2 on any miss beyond the 0.99 quantile; a
 * plot that does not see the thrust then left it wide, and on the
 * mixed exercise's lost ICBM tracks (seeds 256, 277) two distant radars
 * re-widened it at every miss. Here: stage 1 of the staging test's
 * truth, 15 scans of its three radars, then one plot without range rate
 * taken 40-150 m off the truth across the trajectory plane (the thrust
 * acts in the plane). Checked at every offset whose plot is beyond the
 * 0.99 quantile: session 23's rule (stage_bf_min 0) would have widened
 * the thrust (the posterior aT variance at least doubles), and the
 * tracker's update is the plain update to the bit. Both of the rule's
 * conditions are seen to act: some plots the widened prediction accepts
 * (NIS within the gate) fail on the Bayes factor alone, and some are
 * refused by the gate alone.
 */
static void stage_change_needs_the_thrust_to_explain_the_miss(void **state)
{
	(void)state;
	enum { RUNS = 10 };
	struct track_config tc;
	track_config_default(&tc);
	assert_true(tc.imm.stage_bf_min > 1.0);
	struct track_imm_cfg any = tc.imm;
	any.stage_bf_min = 0.0; /* no evidence asked: session 23's rule */
	double radar[3][3];
	three_radars(radar);
	uint64_t rng = 77;
	int n_miss = 0, n_bf = 0, n_gate = 0;
	for (int run = 0; run < RUNS; run++) {
		double tr[6];
		east_state(40, 127, 80e3, 2500, 40, tr);
		struct track_imm imm = boost_prior(tr, 40.0, &rng);
		struct track_imm p, base;
		struct track_meas m;
		struct track_zpred zp[2];
		struct mw_obs o;
		for (int k = 0; k < 15; k++) {
			truth_step_staged(tr, k, 1.0, 1e9, 1e9);
			for (int r = 0; r < 3; r++) {
				make_radar_obs(radar[r], tr, 10.0, 2e-4, 0.5, &rng, &o);
				assert_int_equal(track_meas_prepare(&o, &m), 0);
				const double dt = r ? 0.0 : 1.0;
				assert_int_equal(track_imm_predict(&imm, dt, &tc.imm, &p), 0);
				assert_int_equal(track_imm_zpredict(&p, &m, zp, NULL), 0);
				base = imm;
				assert_int_equal(
				    track_imm_update_from(&base, dt, &tc.imm, &p, zp, &m, &imm), 0);
			}
		}
		assert_true(imm.mu[TRACK_MODE_BOOST] > 0.5);
		truth_step_staged(tr, 15, 1.0, 1e9, 1e9);
		double xf[NX] = {0}, u[3], w[3], h[3];
		memcpy(xf, tr, sizeof(tr));
		assert_int_equal(track_model_thrust_frame(xf, u, w, h), 0);
		assert_int_equal(track_imm_predict(&imm, 1.0, &tc.imm, &p), 0);
		/* the widened prediction (imm.c's), to tell the conditions apart */
		struct track_imm b2 = imm, p2;
		const int at = TRACK_IX_AT * NX + TRACK_IX_AT;
		b2.m[TRACK_MODE_BOOST].P[at] +=
		    tc.imm.stage_at_sigma_m_s2 * tc.imm.stage_at_sigma_m_s2;
		assert_int_equal(track_imm_predict(&b2, 1.0, &tc.imm, &p2), 0);
		const double q99 = track_chi2_quantile(0.99, 3),
		             gate = track_chi2_quantile(tc.imm.stage_nis_p, 3);
		const double zrng = rng_gauss(&rng), zaz = rng_gauss(&rng), zel = rng_gauss(&rng);
		for (double d = 40.0; d <= 150.0; d += 10.0) {
			double off[6];
			memcpy(off, tr, sizeof(off));
			for (int i = 0; i < 3; i++)
				off[i] += d * h[i];
			/* one noise draw per run, the offset alone varies */
			make_radar_obs(radar[0], off, 10.0, 2e-4, 0.0, &rng,
			               &o); /* no range rate */
			struct geo_lla rl;
			double r0, az0, el0;
			assert_int_equal(geo_ecef_to_lla(radar[0], &rl), 0);
			assert_int_equal(geo_ecef_to_aer(&rl, radar[0], off, &r0, &az0, &el0), 0);
			o.range_m = r0 + 10.0 * zrng;
			o.az_rad = az0 + 2e-4 * zaz;
			o.el_rad = el0 + 2e-4 * zel;
			assert_int_equal(track_meas_prepare(&o, &m), 0);
			assert_int_equal(track_imm_zpredict(&p, &m, zp, NULL), 0);
			double nu[TRACK_NZ_MAX], d2, e2;
			assert_int_equal(track_ukf_innovation(&zp[TRACK_MODE_BOOST], &m, nu, &d2),
			                 0);
			if (!(d2 > q99))
				continue; /* no miss: nothing to decide */
			struct track_zpred z2[2];
			assert_int_equal(track_imm_zpredict(&p2, &m, z2, NULL), 0);
			assert_int_equal(track_ukf_innovation(&z2[TRACK_MODE_BOOST], &m, nu, &e2),
			                 0);
			struct track_imm plain, now, old;
			assert_int_equal(track_imm_update(&p, zp, &m, &plain), 0);
			assert_int_equal(
			    track_imm_update_from(&imm, 1.0, &tc.imm, &p, zp, &m, &now), 0);
			assert_int_equal(track_imm_update_from(&imm, 1.0, &any, &p, zp, &m, &old),
			                 0);
			if (getenv("TRACK_TEST_VERBOSE"))
				print_message(
				    "stage change, run %d, %.0f m: plot NIS %.1f, widened %.1f; "
				    "posterior aT sigma %.2f m/s^2, %.2f with any miss a "
				    "stage\n",
				    run, d, d2, e2, sqrt(now.m[TRACK_MODE_BOOST].P[at]),
				    sqrt(old.m[TRACK_MODE_BOOST].P[at]));
			n_miss++;
			n_bf += e2 <= gate;
			n_gate += e2 > gate;
			assert_true(old.m[TRACK_MODE_BOOST].P[at] >
			            2.0 * plain.m[TRACK_MODE_BOOST].P[at]);
			assert_memory_equal(&now, &plain, sizeof(now));
		}
	}
	print_message("stage change: %d plots beyond the 0.99 quantile, none taken as a stage; "
	              "%d inside the widened prediction's gate (refused on the Bayes factor), %d "
	              "outside it\n",
	              n_miss, n_bf, n_gate);
	assert_true(n_miss >= RUNS);
	assert_true(n_bf > 0 && n_gate > 0);
}

/*
 * The burnout hazard (imm.c, track_imm_boost_tau_s; docs/tracking.md
 * "Burnout hazard (session 6, branch hazard)"): the boost mode's mean
 * time to burnout is min(tau_boost_s, Isp g0 / aT, Isp g0 a_ref / aT^2),
 * a_ref = 2 g: unchanged (60 s) below ~3 g, falling as 1/aT^2 above, so
 * the hazard rises as the burn goes on; an SRBM at its 8 g cut-off
 * switches with probability ~11% over a 1-s scan (the mass bound alone:
 * ~3%), and the IMM's predicted mode probabilities are the chain's.
 */
static void imm_burnout_hazard_rises_with_the_thrust(void **state)
{
	(void)state;
	struct track_config tc;
	track_config_default(&tc);
	const double g0 = 9.80665, isp = tc.imm.burnout_isp_s, aref = 2.0 * g0;
	assert_true(fabs(tc.imm.burnout_aref_m_s2 - aref) < 1e-12);
	/* Low thrust (and none, or a NaN): the constant tau_boost_s. */
	const double low[] = {-5.0, 0.0, 10.0, 20.0, 28.0, NAN};
	for (int i = 0; i < 6; i++) {
		double t = track_imm_boost_tau_s(&tc.imm, low[i]);
		if (t != tc.imm.tau_boost_s)
			fail_msg("aT %g: tau %.6f s, want tau_boost_s %.1f", low[i], t,
			         tc.imm.tau_boost_s);
	}
	/* Above ~28.6 m/s^2: Isp g0 a_ref / aT^2, strictly falling. */
	double prev = INFINITY;
	for (double a = 30.0; a <= 200.0; a += 10.0) {
		double t = track_imm_boost_tau_s(&tc.imm, a), want = isp * g0 * aref / (a * a);
		if (!(fabs(t - want) < 1e-12 * want) || !(t < prev))
			fail_msg("aT %.0f: tau %.6f s, want %.6f s below %.6f", a, t, want, prev);
		prev = t;
	}
	/* burnout_aref_m_s2 0: the mass bound alone (the configuration
	 * before); a_ref above aT: the bound is the smaller. */
	struct track_imm_cfg c1 = tc.imm;
	c1.burnout_aref_m_s2 = 0.0;
	double a8 = 8.0 * g0, t1 = track_imm_boost_tau_s(&c1, a8);
	double t4 = track_imm_boost_tau_s(&tc.imm, a8);
	assert_true(fabs(t1 - isp / 8.0) < 1e-9);
	assert_true(fabs(t4 - isp * 2.0 / 64.0) < 1e-9);
	c1.burnout_aref_m_s2 = 100.0;
	assert_true(fabs(track_imm_boost_tau_s(&c1, 50.0) - isp * g0 / 50.0) < 1e-9);
	double p1 = 1.0 - exp(-1.0 / t1), p4 = 1.0 - exp(-1.0 / t4);
	print_message("8 g cut-off: tau %.2f s -> %.2f s, burnout per 1-s scan %.3f -> %.3f\n", t1,
	              t4, p1, p4);
	if (!(p4 > 0.10 && p4 < 0.12 && p1 > 0.02 && p1 < 0.04))
		fail_msg(
		    "1-s burnout probability %.4f (bound alone %.4f), want 0.10-0.12 (0.02-0.04)",
		    p4, p1);
	/* The IMM's prediction uses the same tau: predicted mode
	 * probabilities are the chain's over dt. */
	struct geo_lla tp = {geo_rad(38), geo_rad(127), 40e3};
	struct track_gauss g;
	memset(&g, 0, sizeof(g));
	geo_lla_to_ecef(&tp, g.x);
	double ve[3] = {800, 300, 900};
	geo_vec_enu_to_ecef(&tp, ve, g.x + 3);
	g.x[TRACK_IX_K] = 1.0;
	g.x[TRACK_IX_AT] = a8;
	double sd[NX] = {30, 30, 30, 3, 3, 3, 0.5, 3.0};
	for (int i = 0; i < NX; i++)
		g.P[i * NX + i] = sd[i] * sd[i];
	struct track_imm in = {.mu = {0.01, 0.99}, .m = {g, g}}, out;
	track_gauss_alpha_prior(&in.m[TRACK_MODE_BOOST]);
	const double dt = 1.0;
	assert_int_equal(track_imm_predict(&in, dt, &tc.imm, &out), 0);
	double pbb = exp(-dt / t4), pcc = exp(-dt / tc.imm.tau_ballistic_s);
	double want = 0.99 * pbb + 0.01 * (1.0 - pcc);
	if (!(fabs(out.mu[TRACK_MODE_BOOST] - want) < 1e-12))
		fail_msg("predicted boost probability %.15f, chain %.15f", out.mu[TRACK_MODE_BOOST],
		         want);
}

/*
 * track_imm_predict_memo gives track_imm_predict's output bit for bit
 * with one memo shared by a sequence of predictions whose dt_s, boost
 * time constant (aT: 0 to 15 g, negative, NaN) and mode probabilities
 * (pruned, negligible, mixed) repeat and change from call to call, so
 * the memo's keys both hit and miss; also through predict_mode's path
 * (no memo). Fails if a memo slot is reused for another key.
 */
static void imm_predict_memo_matches_no_memo_bit_for_bit(void **state)
{
	(void)state;
	struct track_config tc;
	track_config_default(&tc);
	struct track_imm_cfg np = tc.imm;
	np.prune_mu = 0.0;
	struct geo_lla tp = {geo_rad(39), geo_rad(128), 90e3};
	struct track_gauss g;
	memset(&g, 0, sizeof(g));
	geo_lla_to_ecef(&tp, g.x);
	double ve[3] = {1500, 300, 1100};
	geo_vec_enu_to_ecef(&tp, ve, g.x + 3);
	g.x[TRACK_IX_K] = 1.0;
	double sd[NX] = {40, 40, 40, 4, 4, 4, 0.5, 3.0};
	for (int i = 0; i < NX; i++)
		g.P[i * NX + i] = sd[i] * sd[i];
	static const double ats[] = {0.0, 20.0, 50.0, 50.0, 80.0, 147.0, -3.0, 0.0, 20.0, NAN};
	static const double dts[] = {1.0, 1.0, 2.0, 1.0, 0.5, 1.0, 7.0, -1.0, 0.0, 1.0, 1.0};
	static const double mub[] = {0.5, 0.99, 1e-9, 0.0, 0.3, 1e-4};
	struct track_imm_memo mo;
	track_imm_memo_init(&mo);
	int n = 0, same = 0;
	for (int r = 0; r < 400; r++) {
		struct track_gauss gb = g;
		gb.x[TRACK_IX_AT] = ats[r % 10];
		track_gauss_alpha_prior(&gb);
		struct track_imm in = {.mu = {1.0 - mub[r % 6], mub[r % 6]}, .m = {g, gb}};
		const struct track_imm_cfg *ic = r % 3 ? &tc.imm : &np;
		double dt = dts[r % 11];
		struct track_imm a, b;
		memset(&a, 0xa5, sizeof(a));
		memset(&b, 0xa5, sizeof(b));
		int ra = track_imm_predict(&in, dt, ic, &a);
		int rb = track_imm_predict_memo(&in, dt, ic, &mo, &b);
		assert_int_equal(ra, rb);
		n++;
		if (ra == 0 && memcmp(&a, &b, sizeof(a)) != 0)
			fail_msg("call %d (aT %g, dt %g, mu_b %g): memo's prediction differs", r,
			         ats[r % 10], dt, mub[r % 6]);
		same += ra == 0;
	}
	print_message("%d predictions, %d compared bytewise\n", n, same);
	assert_true(same > 300);
}

/*
 * The mixture's moments (track_imm_combine: imm.c's combine_w, its mean,
 * exact-agreement choice and deviations two entries at a time in SSE2
 * lanes, session 11 tspeed10) against the scalar loops it replaced, kept
 * here as the reference: the same doubles, bit for bit. Random models
 * with some entries equal in both (+0 against -0 too, where the scalar
 * test picks model 0's bits) and some NaN.
 */
static void imm_combine_lanes_match_scalar_bit_for_bit(void **state)
{
	(void)state;
	uint64_t seed = 0x9e3779b97f4a7c15u;
	int n = 0;
	for (int r = 0; r < 2000; r++) {
		struct track_imm im;
		memset(&im, 0, sizeof(im));
		for (int j = 0; j < TRACK_N_MODES; j++) {
			for (int i = 0; i < NX; i++) {
				seed = seed * 6364136223846793005u + 1442695040888963407u;
				im.m[j].x[i] = ((double)(seed >> 11) / 9007199254740992.0 - 0.5) *
				               (i < 3   ? 1e7
				                : i < 6 ? 1e4
				                        : 10.0);
			}
			for (int a = 0; a < NX; a++)
				for (int b = 0; b <= a; b++) {
					seed = seed * 6364136223846793005u + 1442695040888963407u;
					double v =
					    ((double)(seed >> 11) / 9007199254740992.0 - 0.5) *
					    100.0;
					if (a == b)
						v = fabs(v) + 1.0;
					im.m[j].P[a * NX + b] = im.m[j].P[b * NX + a] = v;
				}
			for (int i = 0; i < NX * 3; i++) {
				seed = seed * 6364136223846793005u + 1442695040888963407u;
				im.m[j].C[i] = (double)(seed >> 40) - 8388608.0;
			}
		}
		/* entries equal in both models, +0 / -0, NaN */
		seed = seed * 6364136223846793005u + 1442695040888963407u;
		int e = (int)(seed >> 61);
		im.m[1].x[e] = im.m[0].x[e];
		if (r % 4 == 0) {
			im.m[0].x[(e + 3) % NX] = 0.0;
			im.m[1].x[(e + 3) % NX] = -0.0;
		}
		if (r % 7 == 0)
			im.m[r % 2].x[(e + 5) % NX] = NAN;
		seed = seed * 6364136223846793005u + 1442695040888963407u;
		double mb = (double)(seed >> 11) / 9007199254740992.0;
		im.mu[TRACK_MODE_BOOST] = mb > 0.0 ? mb : 0.5;
		im.mu[TRACK_MODE_BALLISTIC] = 1.0 - im.mu[TRACK_MODE_BOOST];
		struct track_gauss got, ref;
		memset(&got, 0xa5, sizeof(got));
		memset(&ref, 0, sizeof(ref));
		track_imm_combine(&im, &got);
		/* the scalar reference (imm.c before the lanes), the thrusting
		 * model entering with the non-thrusting model's k (x6: imm.h) */
		track_gauss_k_of(&im.m[TRACK_MODE_BOOST], &im.m[TRACK_MODE_BALLISTIC]);
		const double *w = im.mu;
		double d[TRACK_N_MODES][NX];
		for (int i = 0; i < NX; i++) {
			double s = 0.0;
			for (int j = 0; j < TRACK_N_MODES; j++)
				s += w[j] * im.m[j].x[i];
			ref.x[i] = im.m[0].x[i] == im.m[1].x[i] ? im.m[0].x[i] : s;
		}
		for (int j = 0; j < TRACK_N_MODES; j++)
			for (int i = 0; i < NX; i++)
				d[j][i] = im.m[j].x[i] - ref.x[i];
		for (int i = 0; i < NX * 3; i++) {
			double s = 0.0;
			for (int j = 0; j < TRACK_N_MODES; j++)
				s += w[j] * im.m[j].C[i];
			ref.C[i] = s;
		}
		for (int a = 0; a < NX; a++)
			for (int b = 0; b <= a; b++) {
				double s = 0.0;
				for (int j = 0; j < TRACK_N_MODES; j++)
					s += w[j] * (im.m[j].P[a * NX + b] + d[j][a] * d[j][b]);
				ref.P[a * NX + b] = ref.P[b * NX + a] = s;
			}
		if (memcmp(&got, &ref, sizeof(ref)) != 0)
			fail_msg("case %d: the mixture differs from the scalar loops", r);
		n++;
	}
	print_message("%d mixtures compared bytewise\n", n);
}

/* A thrusting state at 150 km over Korea (aT 50 m/s^2, 2.8 km/s) with a
 * diagonal covariance: the start of the burnout allowance's tests. */
static void burnout_start(struct track_gauss *g)
{
	struct geo_lla tp = {geo_rad(40), geo_rad(127), 150e3};
	memset(g, 0, sizeof(*g));
	geo_lla_to_ecef(&tp, g->x);
	double ve[3] = {2500, 300, 1200};
	geo_vec_enu_to_ecef(&tp, ve, g->x + 3);
	g->x[TRACK_IX_K] = 1.0;
	g->x[TRACK_IX_AT] = 50.0;
	double sd[NX] = {30, 30, 30, 3, 3, 3, 0.5, 3.0};
	for (int i = 0; i < NX; i++)
		g->P[i * NX + i] = sd[i] * sd[i];
}

/*
 * The diagnosis switch of the burnout allowance (mwlink eval
 * --burnout-allow; docs/tracking.md "Along the velocity at burnout
 * (session 12, branch alongv)"): off, the non-thrusting model's
 * prediction is the one without the allowance; mean, it has the full
 * allowance's mean and the covariance without it, bit for bit; the
 * boost model is untouched by either.
 */
static void burnout_allowance_switch_off_and_mean_only(void **state)
{
	(void)state;
	struct track_config tc;
	track_config_default(&tc);
	struct track_gauss g;
	burnout_start(&g);
	struct track_imm in = {.mu = {0.1, 0.9}, .m = {g, g}}, on, off, mean;
	track_gauss_alpha_prior(&in.m[TRACK_MODE_BOOST]); /* x6 is alpha there */
	struct track_imm_cfg c = tc.imm;
	assert_int_equal(c.burnout_allow, TRACK_BURNOUT_ALLOW_ON);
	assert_int_equal(track_imm_predict(&in, 1.0, &c, &on), 0);
	c.burnout_allow = TRACK_BURNOUT_ALLOW_OFF;
	assert_int_equal(track_imm_predict(&in, 1.0, &c, &off), 0);
	c.burnout_allow = TRACK_BURNOUT_ALLOW_MEAN;
	assert_int_equal(track_imm_predict(&in, 1.0, &c, &mean), 0);
	const struct track_gauss *bon = &on.m[TRACK_MODE_BALLISTIC],
	                         *boff = &off.m[TRACK_MODE_BALLISTIC],
	                         *bmean = &mean.m[TRACK_MODE_BALLISTIC];
	assert_memory_equal(bmean->x, bon->x, sizeof(bon->x));
	assert_memory_equal(bmean->P, boff->P, sizeof(boff->P));
	assert_memory_equal(&off.m[TRACK_MODE_BOOST], &on.m[TRACK_MODE_BOOST], sizeof(on.m[0]));
	assert_memory_equal(&mean.m[TRACK_MODE_BOOST], &on.m[TRACK_MODE_BOOST], sizeof(on.m[0]));
	/* The allowance moves the mean along v and widens the along-v
	 * velocity variance (a burnout at s in [0, 1] s of 50 m/s^2). */
	double u[3], wv[3], h[3];
	assert_int_equal(track_model_thrust_frame(g.x, u, wv, h), 0);
	double dv = 0.0, von = 0.0, voff = 0.0;
	for (int i = 0; i < 3; i++) {
		dv += (bon->x[3 + i] - boff->x[3 + i]) * u[i];
		for (int j = 0; j < 3; j++) {
			von += u[i] * bon->P[(3 + i) * NX + 3 + j] * u[j];
			voff += u[i] * boff->P[(3 + i) * NX + 3 + j] * u[j];
		}
	}
	print_message("burnout allowance: mean shift along v %.2f m/s, along-v sigma %.2f -> %.2f "
	              "m/s\n",
	              dv, sqrt(voff), sqrt(von));
	assert_true(dv > 1.0 && dv < 25.0);
	assert_true(von > voff + 1.0);
}

/*
 * The burnout correction's moments against an independent quadrature:
 * both modes hold the same Gaussian (aT = 50 +- 3 m/s^2; the thrusting
 * model's x6 is alpha at its prior, 0: the thrust along v), so the
 * non-thrusting model's mixed start is that Gaussian with aT reset, and
 * its prediction must be the plain non-thrusting prediction plus
 * w E[d] in the mean and w Cov[d] + w (1 - w) E[d] E[d]^T in the (r, v)
 * covariance, with w = P(boost -> ballistic) / c_ballistic and the
 * moments of d = a (s dt - s^2/2, s) n over s ~ exp(-s/tau) on [0, dt]
 * (here a 20,000-point midpoint rule; imm.c uses Gauss-Legendre), the
 * direction's error the thrusting model's stated pitch (with alpha's
 * variance) and yaw.
 */
static void imm_burnout_correction_matches_quadrature(void **state)
{
	(void)state;
	struct track_config tc;
	track_config_default(&tc);
	struct track_gauss g;
	burnout_start(&g);
	/* The boost mode's mean time to burnout at aT = 50 m/s^2: Isp g0
	 * a_ref / aT^2 = 19.6 s, under the mass bound (50 s) and tau_boost_s. */
	const double dt = 2.0, tau = track_imm_boost_tau_s(&tc.imm, 50.0);
	assert_true(fabs(tau - tc.imm.burnout_isp_s * 9.80665 * tc.imm.burnout_aref_m_s2 / 2500.0) <
	            1e-9);
	struct track_imm in = {.mu = {0.5, 0.5}, .m = {g, g}}, out;
	track_gauss_alpha_prior(&in.m[TRACK_MODE_BOOST]);
	assert_int_equal(track_imm_predict(&in, dt, &tc.imm, &out), 0);
	/* The plain prediction of the mixed start (aT reset). */
	struct track_gauss g0 = g, ref;
	for (int i = 0; i < NX; i++)
		g0.P[i * NX + TRACK_IX_AT] = g0.P[TRACK_IX_AT * NX + i] = 0.0;
	g0.x[TRACK_IX_AT] = 0.0;
	g0.P[TRACK_IX_AT * NX + TRACK_IX_AT] = tc.imm.sigma_at0_m_s2 * tc.imm.sigma_at0_m_s2;
	assert_int_equal(track_ukf_predict(&g0, dt, &tc.imm.motion[TRACK_MODE_BALLISTIC], &ref), 0);
	double pbc = 1.0 - exp(-dt / tau), pcc = exp(-dt / tc.imm.tau_ballistic_s);
	double w = pbc / (pbc + pcc);
	const int nq = 20000;
	double sw = 0, ef[2] = {0, 0}, eff[3] = {0, 0, 0};
	for (int q = 0; q < nq; q++) {
		double s = (q + 0.5) * dt / nq, wq = exp(-s / tau);
		double fr = s * dt - 0.5 * s * s, fv = s;
		sw += wq;
		ef[0] += wq * fr;
		ef[1] += wq * fv;
		eff[0] += wq * fr * fr;
		eff[1] += wq * fr * fv;
		eff[2] += wq * fv * fv;
	}
	for (int i = 0; i < 2; i++)
		ef[i] /= sw;
	for (int i = 0; i < 3; i++)
		eff[i] /= sw;
	double a = 50.0, a2 = a * a + 9.0, u[3], wv[3], h[3], D[3][3];
	assert_int_equal(track_model_thrust_frame(g.x, u, wv, h), 0);
	const struct track_motion *mb = &tc.imm.motion[TRACK_MODE_BOOST];
	track_model_thrust_dir_cov(g.x,
	                           sqrt(mb->pitch_sigma_rad * mb->pitch_sigma_rad +
	                                TRACK_ALPHA_SIGMA0_RAD * TRACK_ALPHA_SIGMA0_RAD),
	                           mb->yaw_sigma_rad, D);
	double cal[3] = {a2 * eff[0] - a * a * ef[0] * ef[0], a2 * eff[1] - a * a * ef[0] * ef[1],
	                 a2 * eff[2] - a * a * ef[1] * ef[1]};
	double m[2] = {a * ef[0], a * ef[1]};
	double worst_x = 0.0, worst_p = 0.0;
	for (int i = 0; i < 6; i++) {
		double ex = ref.x[i] + w * m[i / 3] * u[i % 3];
		double e = fabs(out.m[TRACK_MODE_BALLISTIC].x[i] - ex) / sqrt(ref.P[i * NX + i]);
		worst_x = fmax(worst_x, e);
		for (int j = 0; j < 6; j++) {
			int bi = i / 3, bj = j / 3, ii = i % 3, jj = j % 3;
			int blk = bi + bj; /* 0 rr, 1 rv, 2 vv */
			double uu = u[ii] * u[jj];
			double ep = ref.P[i * NX + j] +
			            w * (cal[blk] * uu + a2 * eff[blk] * D[ii][jj]) +
			            w * (1.0 - w) * m[bi] * m[bj] * uu;
			double got = out.m[TRACK_MODE_BALLISTIC].P[i * NX + j];
			double rel =
			    fabs(got - ep) / sqrt(out.m[TRACK_MODE_BALLISTIC].P[i * NX + i] *
			                          out.m[TRACK_MODE_BALLISTIC].P[j * NX + j]);
			worst_p = fmax(worst_p, rel);
		}
	}
	print_message("burnout correction: w %.4g, E[dv] %.3f m/s, worst mean %.2e sigma, worst "
	              "P %.2e (correlation units)\n",
	              w, w * m[1], worst_x, worst_p);
	if (!(w * m[1] > 1.0))
		fail_msg("burnout correction: mean velocity shift %.3f m/s, expected > 1",
		         w * m[1]);
	if (!(worst_x < 1e-6) || !(worst_p < 1e-6))
		fail_msg("burnout correction: mean off by %.3g sigma, P off by %.3g (> 1e-6)",
		         worst_x, worst_p);
}

/* Generalised eigenvalues (ascending) of B over A, their 6 x 6 leading
 * blocks (the r, v blocks of two covariances; row strides lda, ldb): the
 * eigenvalues of L^-1 B L^-T with A = L L^T. */
static void gen_eigs6(const double *Ain, int lda, const double *Bin, int ldb, double w[6])
{
	double A[36], B[36], L[36], X[36], Xt[36], C[36], V[36];
	for (int i = 0; i < 6; i++)
		for (int j = 0; j < 6; j++) {
			A[i * 6 + j] = Ain[i * lda + j];
			B[i * 6 + j] = Bin[i * ldb + j];
		}
	assert_int_equal(mat_cholesky(L, A, 6), 0);
	assert_int_equal(mat_tril_solve(X, L, B, 6, 6), 0); /* L^-1 B */
	mat_transpose(Xt, X, 6, 6);
	assert_int_equal(mat_tril_solve(C, L, Xt, 6, 6), 0); /* L^-1 B L^-T */
	mat_symmetrise(C, 6);
	assert_int_equal(mat_sym_eig(C, 6, w, V), 0);
}

/* Largest eigenvalue of A^-1 B (6 x 6 r, v blocks of two states'
 * covariances): how much wider B is than A in its worst direction. */
static double max_gen_eig6(const double *A8, const double *B8)
{
	double w[6];
	gen_eigs6(A8, NX, B8, NX, w);
	return w[5];
}

/*
 * A ballistic track whose boost mode has a negligible probability (mu_boost
 * <= 1e-3, here 1e-4: a midcourse track whose last plots lifted it from
 * its floor) is predicted by the ballistic model from its own posterior:
 * the boost mode is not moment-matched into it. The boost mode's velocity
 * spread along the track is ~1e6 times the ballistic one's (its thrust is
 * re-drawn from 0 +- sigma_at0 at every mixing), so a weight of 1e-6
 * already doubles the ballistic variance in that direction; over a chain of
 * scans the inflation piles up where the radar measures least (IRBM's last
 * scans: the filter's covariance 5-30x the bound's, the coast's ANEES 5.2
 * against a bound of 6.1; docs/tracking.md "Covariance shape"). Checked
 * (a) for one prediction, bit for bit against the ballistic model alone,
 * (b) over 60 scans of one radar without range rate with the mode
 * probabilities held at (1 - 1e-4, 1e-4) before every prediction: the
 * ballistic mode's (r, v) covariance is that of a single ballistic UKF fed
 * the same plots, and (c) a boost mode above 1e-3 (a burnout) is still
 * mixed in (the prediction is wider).
 */
static void negligible_boost_mode_is_not_mixed_into_the_ballistic_prediction(void **state)
{
	(void)state;
	struct track_config tc;
	track_config_default(&tc);
	const struct track_motion *bal = &tc.imm.motion[TRACK_MODE_BALLISTIC];
	struct geo_lla tp = {geo_rad(40), geo_rad(134), 600e3};
	double truth[6];
	geo_lla_to_ecef(&tp, truth);
	double ve[3] = {3800, 500, 300};
	geo_vec_enu_to_ecef(&tp, ve, truth + 3);
	struct track_gauss gb, gs;
	memset(&gb, 0, sizeof(gb));
	memcpy(gb.x, truth, sizeof(truth));
	gb.x[TRACK_IX_K] = 1.0;
	double sb[NX] = {300, 300, 300, 30, 30, 30, 0.5, tc.imm.sigma_at0_m_s2};
	for (int i = 0; i < NX; i++)
		gb.P[i * NX + i] = sb[i] * sb[i];
	gs = gb;
	struct track_imm imm = {.mu = {1.0 - 1e-4, 1e-4}, .m = {gb, gb}};
	track_gauss_alpha_prior(&imm.m[TRACK_MODE_BOOST]); /* x6 is alpha there (model.h) */
	/* (a) one prediction from a midcourse-like ballistic mode and a wide
	 * boost mode. */
	{
		struct track_imm in = imm, out;
		double sn[NX] = {5, 5, 5, 0.02, 0.02, 0.02, 0.5, tc.imm.sigma_at0_m_s2};
		double sw[NX] = {30, 30, 30, 20, 20, 20, 0.5, tc.imm.sigma_at0_m_s2};
		memset(in.m[0].P, 0, sizeof(in.m[0].P));
		memset(in.m[1].P, 0, sizeof(in.m[1].P));
		for (int i = 0; i < NX; i++) {
			in.m[TRACK_MODE_BALLISTIC].P[i * NX + i] = sn[i] * sn[i];
			in.m[TRACK_MODE_BOOST].P[i * NX + i] = sw[i] * sw[i];
		}
		in.m[TRACK_MODE_BOOST].x[3] += 10.0;
		struct track_gauss ref;
		assert_int_equal(track_ukf_predict(&in.m[TRACK_MODE_BALLISTIC], 2.0, bal, &ref), 0);
		assert_int_equal(track_imm_predict(&in, 2.0, &tc.imm, &out), 0);
		double w = (1.0 - exp(-2.0 / tc.imm.tau_boost_s)) * 1e-4;
		print_message("one prediction, mu_boost 1e-4: the moment match would add %.3g "
		              "m^2/s^2 to a velocity variance of %.3g\n",
		              w * (sw[3] * sw[3] + 100.0), ref.P[3 * NX + 3]);
		if (memcmp(&out.m[TRACK_MODE_BALLISTIC], &ref, sizeof(ref)) != 0)
			fail_msg("mu_boost 1e-4: the ballistic prediction's vx variance %.6g, want "
			         "the ballistic model's alone %.6g",
			         out.m[TRACK_MODE_BALLISTIC].P[3 * NX + 3], ref.P[3 * NX + 3]);
		/* (c) a burnout in progress is still mixed. */
		in.mu[TRACK_MODE_BALLISTIC] = 0.95;
		in.mu[TRACK_MODE_BOOST] = 0.05;
		assert_int_equal(track_imm_predict(&in, 2.0, &tc.imm, &out), 0);
		double vb = out.m[TRACK_MODE_BALLISTIC].P[3 * NX + 3];
		print_message("mu_boost 0.05: vx variance %.4g (ballistic model alone %.4g)\n", vb,
		              ref.P[3 * NX + 3]);
		if (!(vb > 2.0 * ref.P[3 * NX + 3]))
			fail_msg("mu_boost 0.05: vx variance %.4g, want the boost mode mixed in "
			         "(> 2 x %.4g)",
			         vb, ref.P[3 * NX + 3]);
	}
	/* (b) 60 scans, 2 s apart, of a J/FPS-5-like radar (50 m, 0.08 deg,
	 * no range rate) 700 km away. */
	struct geo_lla sl = {geo_rad(38.1), geo_rad(138.4), 700};
	double sensor[3];
	geo_lla_to_ecef(&sl, sensor);
	uint64_t rng = 4242;
	double worst = 0.0;
	for (int k = 0; k < 60; k++) {
		truth_step(truth, 2.0);
		struct mw_obs o;
		make_radar_obs(sensor, truth, 50.0, geo_rad(0.08), 0.0, &rng, &o);
		struct track_meas m;
		assert_int_equal(track_meas_prepare(&o, &m), 0);
		imm.mu[TRACK_MODE_BALLISTIC] = 1.0 - 1e-4;
		imm.mu[TRACK_MODE_BOOST] = 1e-4;
		struct track_imm ip;
		struct track_zpred zp[TRACK_N_MODES], zs;
		assert_int_equal(track_imm_predict(&imm, 2.0, &tc.imm, &ip), 0);
		assert_int_equal(track_imm_zpredict(&ip, &m, zp, NULL), 0);
		assert_int_equal(track_imm_update(&ip, zp, &m, &imm), 0);
		/* The single ballistic UKF, with aT held as the IMM holds it. */
		for (int i = 0; i < NX; i++)
			gs.P[i * NX + TRACK_IX_AT] = gs.P[TRACK_IX_AT * NX + i] = 0.0;
		gs.x[TRACK_IX_AT] = 0.0;
		gs.P[TRACK_IX_AT * NX + TRACK_IX_AT] =
		    tc.imm.sigma_at0_m_s2 * tc.imm.sigma_at0_m_s2;
		struct track_gauss gp;
		assert_int_equal(track_ukf_predict(&gs, 2.0, bal, &gp), 0);
		assert_int_equal(track_ukf_zpredict(&gp, &m, &zs), 0);
		assert_int_equal(track_ukf_update(&gp, &zs, &m, &gs, NULL), 0);
		double e = max_gen_eig6(gs.P, imm.m[TRACK_MODE_BALLISTIC].P);
		if (e > worst)
			worst = e;
	}
	print_message("60 scans at mu_boost 1e-4: the ballistic mode's (r, v) covariance is at "
	              "most %.6f x the single ballistic filter's (largest generalised "
	              "eigenvalue)\n",
	              worst);
	if (!(worst < 1.0 + 1e-9))
		fail_msg("60 scans at mu_boost 1e-4: the ballistic mode's covariance is %.4g x the "
		         "single ballistic filter's in its widest direction, want 1",
		         worst);
}

/*
 * The default ballistic q over a long unobserved coast, the truth having
 * no process noise (the simulator's coast: the filter's own forces): 60 s
 * of a TPY-2-like radar (10 m, 0.02 deg, 0.5 m/s), then 1,500 s without
 * data, over 200 runs. A linear propagation leaves the NEES as it is; q
 * lands in the directions the dynamics pin (velocity given position), so
 * the coast's ANEES must stay inside its two-sided 99% region. The old
 * q = 1e-9 (a margin of 10 over the integration error) falls under it
 * here (5.32 against 5.39 at this seed; it took the lofted ICBM's coast
 * in `mwlink eval` from 6.2 to 4.2); its figure is printed beside the
 * default's. (A longer, better-measured arc - 120 s, 2,300 s - pushes
 * even 1e-10 under its region: 5.25, q -> 0 5.68. The "1e-11 is
 * overconfident late in the ICBM's coast" once measured against the
 * simulator was its truth's dense output wiggling off the dynamics, now
 * fixed; the default 2e-11 is ~30x the RK4 error,
 * ballistic_q_covers_the_rk4_error_over_a_long_coast.) *
 * 200 runs resolve the ANEES to a standard error of 0.25: too few to
 * choose the long prediction (session 8 read the sigma points' 5.76 as
 * cautious and the linearisation's 6.05 as right, with the arc's own
 * posterior at 5.89). The same runs at 20,000 (lcoast's scratch
 * program, seeds 777 and 1234): after the radar 6.008 / 5.990, after the
 * coast sigma points 5.940 / 5.915, linearisation 6.291 / 6.263, the
 * second-order prediction track_ukf_predict now takes 6.013 / 5.989
 * (region [5.937, 6.063]) - the ordering
 * long_coast_prediction_states_the_propagated_spread reads.
 */
/* One 1 s step of the long-coast tests' radar arc: predict g by 1 s and
 * update it with a plot of tgt (10 m, 0.02 deg, 0.5 m/s) from radar. */
static void radar_arc_step(struct track_gauss *g, const struct track_motion *mo,
                           const double radar[3], const double tgt[6], uint64_t *rng)
{
	struct track_gauss p;
	assert_int_equal(track_ukf_predict(g, 1.0, mo, &p), 0);
	struct mw_obs o;
	make_radar_obs(radar, tgt, 10.0, geo_rad(0.02), 0.5, rng, &o);
	struct track_meas m;
	struct track_zpred zp;
	assert_int_equal(track_meas_prepare(&o, &m), 0);
	assert_int_equal(track_ukf_zpredict(&p, &m, &zp), 0);
	assert_int_equal(track_ukf_update(&p, &zp, &m, g, NULL), 0);
}

/*
 * An unobserved exo-atmospheric coast (docs/tracking.md, "Long
 * exo-atmospheric predictions (session 9, branch lcoast)"): the state
 * after 60 s (or 3 s) of 1 Hz radar plots is predicted over 1,500 s, and draws
 * from that posterior carried by the model's own map
 * (track_model_propagate) are scored under the prediction. When the
 * prediction states their spread their mean NEES is 6 (no filter error
 * enters). Three arcs: this test's first one,
 * default_ballistic_q_keeps_a_long_coast_consistent's, and the first
 * one's first 3 s (a wide posterior). track_ukf_predict
 * takes the second-order prediction (track_ukf_predict_so) for such a
 * gap; the 17 sigma points and the linearisation (Phi P Phi^T, drops the
 * quadratic terms) are printed beside it. With 1,500 draws (the old
 * test: standard error 0.09) the three could not be told apart; with
 * 16,000 per arc (0.027) the sigma points read 5.968 and 5.933
 * (cautious), the linearisation 6.086 and 6.284 (overconfident), the
 * second-order prediction 6.002 and 6.007; after the 3-s arc the sigma
 * points read overconfident (6.671) and the linearisation fails (619.6).
 */
static void long_coast_prediction_states_the_propagated_spread(void **state)
{
	(void)state;
	struct track_config tc;
	track_config_default(&tc);
	struct track_motion mo = tc.imm.motion[TRACK_MODE_BALLISTIC];
	for (int arc = 0; arc < 3; arc++) {
		struct geo_lla tp = {geo_rad(39), geo_rad(128), 400e3};
		double x0[6];
		geo_lla_to_ecef(&tp, x0);
		double ve[3] = {2500, 1500, arc == 1 ? 4500 : 5000};
		geo_vec_enu_to_ecef(&tp, ve, x0 + 3);
		struct geo_lla rp = {geo_rad(arc == 1 ? 36 : 37), geo_rad(arc == 1 ? 138 : 136),
		                     100};
		double radar[3], tr[6];
		geo_lla_to_ecef(&rp, radar);
		memcpy(tr, x0, sizeof(tr));
		uint64_t rng = 4242 + (uint64_t)arc;
		struct track_gauss g;
		memset(&g, 0, sizeof(g));
		const double sd[NX] = {500, 500, 500, 30, 30, 30, 0.1, 1.0};
		for (int i = 0; i < NX; i++)
			g.P[i * NX + i] = sd[i] * sd[i];
		memcpy(g.x, x0, sizeof(x0));
		g.x[TRACK_IX_K] = 1.0;
		const int nplot = arc == 2 ? 3 : 60;
		for (int k = 1; k <= nplot; k++) {
			truth_step(tr, 1.0);
			radar_arc_step(&g, &mo, radar, tr, &rng);
		}
		const double T = 1500.0;
		/* the prediction, the sigma points, the linearisation */
		struct track_gauss pr[3];
		assert_true(track_ukf_so_ok(&g, T, &mo));
		assert_int_equal(track_ukf_predict(&g, T, &mo, &pr[0]), 0);
		assert_int_equal(track_ukf_predict_ut(&g, T, &mo, &pr[1]), 0);
		assert_int_equal(track_ukf_predict_lin(&g, T, &mo, &pr[2]), 0);
		double hend = track_model_height_m(pr[0].x);
		if (!(hend > 200e3))
			fail_msg("setup: the coast ends at %.0f km, want above the atmosphere",
			         hend * 1e-3);
		/* draws from the posterior's (r, v) block, k and aT at the mean */
		double L[36], P6[36], Pp[3][36];
		for (int i = 0; i < 6; i++)
			for (int j = 0; j < 6; j++) {
				P6[i * 6 + j] = g.P[i * NX + j];
				for (int c = 0; c < 3; c++)
					Pp[c][i * 6 + j] = pr[c].P[i * NX + j];
			}
		assert_int_equal(track_chol_factor_ns(L, P6, 6, 6), 0);
		enum { NS = 16000 };
		double an[3] = {0, 0, 0};
		for (int n = 0; n < NS; n++) {
			double z[6], xs[NX], xe[NX], e[6], d2;
			for (int i = 0; i < 6; i++)
				z[i] = rng_gauss(&rng);
			memcpy(xs, g.x, sizeof(xs));
			for (int i = 0; i < 6; i++)
				for (int j = 0; j <= i; j++)
					xs[i] += L[i * 6 + j] * z[j];
			assert_int_equal(track_model_propagate(xs, T, 0, xe), 0);
			for (int c = 0; c < 3; c++) {
				for (int i = 0; i < 6; i++)
					e[i] = xe[i] - pr[c].x[i];
				assert_int_equal(mat_spd_mahalanobis(Pp[c], e, 6, &d2), 0);
				an[c] += d2 / NS;
			}
		}
		double lo, hi;
		track_anees_bounds(6, NS, 0.99, &lo, &hi);
		print_message(
		    "arc %d: coast %.0f s to %.0f km, %d posterior draws: mean NEES %.3f "
		    "under track_ukf_predict (second order), %.3f under the sigma points, "
		    "%.3f under the linearisation; 99%% region [%.3f, %.3f]\n",
		    arc, T, hend * 1e-3, NS, an[0], an[1], an[2], lo, hi);
		if (!(an[0] >= lo && an[0] <= hi))
			fail_msg(
			    "arc %d: track_ukf_predict over an unobserved coast: mean NEES %.3f "
			    "outside [%.3f, %.3f]",
			    arc, an[0], lo, hi);
	}
}

/*
 * The lofted ICBM's coast per direction (docs/tracking.md "Long coasts and
 * re-acquisition (session 11, branch reacq)"). The test above scores the
 * mean NEES of the draws, which a prediction too wide in one direction
 * and too narrow in another can pass; in `mwlink eval` the ICBM's coast
 * ends with the filter 1.6x the bound (a linearisation along the truth)
 * in one direction and 0.73x it in another. Here the state after 240 s of
 * a Green Pine-like radar (2 s, 30 m, 0.1 deg, no range rate) on a climb
 * from 300 km at 6.7 km/s is predicted over 2,590 s (the scenario's coast,
 * to ~500 km on the way down), and 16,000 draws from the posterior
 * carried by the model's own map give the propagated covariance C; the
 * generalised eigenvalues of P over C (P's variance over the draws' per
 * direction) must all lie in [0.9, 1.1] (the sample covariance of 16,000
 * draws in 6-D: eigenvalues within ~(1 +- 0.02)^2). Printed beside it:
 * the 17 sigma points (1.75 in their widest direction) and the
 * linearisation (0.72 in its narrowest).
 */
static void icbm_coast_prediction_states_the_spread_per_direction(void **state)
{
	(void)state;
	struct track_config tc;
	track_config_default(&tc);
	struct track_motion mo = tc.imm.motion[TRACK_MODE_BALLISTIC];
	struct geo_lla tp = {geo_rad(39.0), geo_rad(125.8), 300e3};
	double tr[6];
	geo_lla_to_ecef(&tp, tr);
	double ve[3] = {300, 100, 6700};
	geo_vec_enu_to_ecef(&tp, ve, tr + 3);
	struct geo_lla rp = {geo_rad(36.9), geo_rad(127.45), 150};
	double radar[3];
	geo_lla_to_ecef(&rp, radar);
	uint64_t rng = 4242;
	struct track_gauss g;
	memset(&g, 0, sizeof(g));
	const double sd[NX] = {500, 500, 500, 30, 30, 30, 0.1, 1.0};
	for (int i = 0; i < NX; i++)
		g.P[i * NX + i] = sd[i] * sd[i];
	memcpy(g.x, tr, sizeof(tr));
	g.x[TRACK_IX_K] = 1.0;
	for (int k = 1; k <= 120; k++) {
		truth_step(tr, 2.0);
		struct track_gauss p;
		assert_int_equal(track_ukf_predict(&g, 2.0, &mo, &p), 0);
		struct mw_obs o;
		make_radar_obs(radar, tr, 30.0, geo_rad(0.1), 0.0, &rng, &o);
		struct track_meas m;
		struct track_zpred zp;
		assert_int_equal(track_meas_prepare(&o, &m), 0);
		assert_int_equal(track_ukf_zpredict(&p, &m, &zp), 0);
		assert_int_equal(track_ukf_update(&p, &zp, &m, &g, NULL), 0);
	}
	const double T = 2590.0;
	struct track_gauss pr[3];
	assert_true(track_ukf_so_ok(&g, T, &mo));
	assert_int_equal(track_ukf_predict(&g, T, &mo, &pr[0]), 0);
	assert_int_equal(track_ukf_predict_ut(&g, T, &mo, &pr[1]), 0);
	assert_int_equal(track_ukf_predict_lin(&g, T, &mo, &pr[2]), 0);
	double hend = track_model_height_m(pr[0].x);
	if (!(hend > 300e3 && hend < 800e3 && track_model_height_m(g.x) > hend))
		fail_msg("setup: the coast ends at %.0f km from %.0f km, want 300-800 km on the "
		         "way down",
		         hend * 1e-3, track_model_height_m(g.x) * 1e-3);
	double L[36], P6[36];
	for (int i = 0; i < 6; i++)
		for (int j = 0; j < 6; j++)
			P6[i * 6 + j] = g.P[i * NX + j];
	assert_int_equal(track_chol_factor_ns(L, P6, 6, 6), 0);
	enum { NS = 16000 };
	static double xe[NS][6];
	double mean[6] = {0};
	for (int n = 0; n < NS; n++) {
		double xs[NX], xo[NX], z[6];
		for (int i = 0; i < 6; i++)
			z[i] = rng_gauss(&rng);
		memcpy(xs, g.x, sizeof(xs));
		for (int i = 0; i < 6; i++)
			for (int j = 0; j <= i; j++)
				xs[i] += L[i * 6 + j] * z[j];
		assert_int_equal(track_model_propagate(xs, T, 0, xo), 0);
		for (int i = 0; i < 6; i++) {
			xe[n][i] = xo[i];
			mean[i] += xo[i] / NS;
		}
	}
	double C[36] = {0};
	for (int n = 0; n < NS; n++)
		for (int i = 0; i < 6; i++)
			for (int j = 0; j < 6; j++)
				C[i * 6 + j] +=
				    (xe[n][i] - mean[i]) * (xe[n][j] - mean[j]) / (NS - 1);
	double w[3][6];
	for (int c = 0; c < 3; c++)
		gen_eigs6(C, 6, pr[c].P, NX, w[c]);
	print_message("ICBM-like coast %.0f s to %.0f km, %d draws: P over the draws' covariance "
	              "per direction: second order %.3f-%.3f, sigma points %.3f-%.3f, "
	              "linearisation %.3f-%.3f\n",
	              T, hend * 1e-3, NS, w[0][0], w[0][5], w[1][0], w[1][5], w[2][0], w[2][5]);
	if (!(w[0][0] >= 0.9 && w[0][5] <= 1.1))
		fail_msg("track_ukf_predict over the ICBM-like coast: P / C per direction "
		         "%.3f-%.3f, want within [0.9, 1.1]",
		         w[0][0], w[0][5]);
}

static void default_ballistic_q_keeps_a_long_coast_consistent(void **state)
{
	(void)state;
	struct track_config tc;
	track_config_default(&tc);
	struct geo_lla tp = {geo_rad(39), geo_rad(128), 400e3};
	double x0[6];
	geo_lla_to_ecef(&tp, x0);
	double ve[3] = {2500, 1500, 4500};
	geo_vec_enu_to_ecef(&tp, ve, x0 + 3);
	struct geo_lla rp = {geo_rad(36), geo_rad(138), 100};
	double radar[3];
	geo_lla_to_ecef(&rp, radar);
	enum { NUPD = 60, NRUN = 200 };
	const double coast_s = 1500.0;
	/* One truth for every run (only the noise differs). */
	static double tr[NUPD + 1][6];
	memcpy(tr[0], x0, sizeof(x0));
	for (int k = 1; k <= NUPD; k++) {
		memcpy(tr[k], tr[k - 1], sizeof(tr[k]));
		truth_step(tr[k], 1.0);
	}
	double tend[6];
	memcpy(tend, tr[NUPD], sizeof(tend));
	truth_step(tend, coast_s);
	struct geo_lla le;
	assert_int_equal(geo_ecef_to_lla(tend, &le), 0);
	const double qs[2] = {tc.imm.motion[TRACK_MODE_BALLISTIC].q_acc_m2_s3, 1e-9};
	double an_end[2] = {0, 0}, an_coast[2] = {0, 0};
	for (int c = 0; c < 2; c++) {
		struct track_motion mo = tc.imm.motion[TRACK_MODE_BALLISTIC];
		mo.q_acc_m2_s3 = qs[c];
		uint64_t rng = 777;
		for (int r = 0; r < NRUN; r++) {
			struct track_gauss g;
			memset(&g, 0, sizeof(g));
			double sd[NX] = {500, 500, 500, 30, 30, 30, 0.1, 1.0};
			for (int i = 0; i < NX; i++)
				g.P[i * NX + i] = sd[i] * sd[i];
			for (int i = 0; i < 6; i++)
				g.x[i] = tr[0][i] + sd[i] * rng_gauss(&rng);
			g.x[TRACK_IX_K] = 1.0;
			for (int k = 1; k <= NUPD; k++)
				radar_arc_step(&g, &mo, radar, tr[k], &rng);
			double e[6], P6[36], d2;
			for (int i = 0; i < 6; i++) {
				e[i] = g.x[i] - tr[NUPD][i];
				for (int j = 0; j < 6; j++)
					P6[i * 6 + j] = g.P[i * NX + j];
			}
			assert_int_equal(mat_spd_mahalanobis(P6, e, 6, &d2), 0);
			an_end[c] += d2 / NRUN;
			struct track_gauss gc;
			assert_int_equal(track_ukf_predict(&g, coast_s, &mo, &gc), 0);
			for (int i = 0; i < 6; i++) {
				e[i] = gc.x[i] - tend[i];
				for (int j = 0; j < 6; j++)
					P6[i * 6 + j] = gc.P[i * NX + j];
			}
			assert_int_equal(mat_spd_mahalanobis(P6, e, 6, &d2), 0);
			an_coast[c] += d2 / NRUN;
		}
	}
	double lo, hi;
	track_anees_bounds(6, NRUN, 0.99, &lo, &hi);
	print_message("long coast (%.0f s, ends at %.0f km), %d runs: ANEES after the radar "
	              "%.3f, after the coast %.3f with the default q %.1e; %.3f -> %.3f with q "
	              "%.1e; 99%% region [%.3f, %.3f]\n",
	              coast_s, le.h_m * 1e-3, NRUN, an_end[0], an_coast[0], qs[0], an_end[1],
	              an_coast[1], qs[1], lo, hi);
	if (!(le.h_m > 300e3))
		fail_msg("setup: the coast ends at %.0f km, want above the atmosphere",
		         le.h_m * 1e-3);
	if (!(an_end[0] >= lo && an_end[0] <= hi))
		fail_msg("ANEES after the radar %.3f outside [%.3f, %.3f]", an_end[0], lo, hi);
	if (!(an_coast[0] >= lo && an_coast[0] <= hi))
		fail_msg("ANEES after a %.0f s coast %.3f outside [%.3f, %.3f] (q %.1e)", coast_s,
		         an_coast[0], lo, hi, qs[0]);
}

static void ukf_ir_only_after_radar_start_is_consistent(void **state)
{
	(void)state;
	struct scen sc = {.use_los = 2, .use_imm = 0, .n_runs = 40, .n_steps = 60};
	run_scenario(&sc, 99);
	check_anees(&sc, "UKF IR only");
}

/*
 * imm.h track_lat_est (docs/tracking.md "Boost statement from the held
 * lateral acceleration (session 13, branch adaptq)"): a thrusting truth
 * (30 m/s^2 along v) that holds a lateral acceleration (a_w, a_h) in its
 * own thrust frame, tracked by the thrusting model alone with its thrust
 * angle held at 0 (the thrust along v, the estimator's premise) from two
 * radars, a plot every 0.5 s: the estimate from the updates'
 * corrections converges to the held acceleration within its standard
 * error (every run within 3.5 se, the mean z^2 over runs near 1), and
 * with nothing held the statement is the floor.
 */
static int lat_run(const double lat[2], const struct track_motion *mo, uint64_t seed, double a[2],
                   double se[2], double *q, double *sp)
{
	uint64_t rng = seed;
	/* two radars, plots alternating every 0.5 s */
	struct geo_lla rp[2] = {{geo_rad(40), geo_rad(128.5), 100},
	                        {geo_rad(38), geo_rad(127.5), 100}};
	double radar[2][3];
	geo_lla_to_ecef(&rp[0], radar[0]);
	geo_lla_to_ecef(&rp[1], radar[1]);
	struct geo_lla tp = {geo_rad(40), geo_rad(127), 40e3};
	double tr[6];
	geo_lla_to_ecef(&tp, tr);
	double ve[3] = {1200, 300, 1200};
	geo_vec_enu_to_ecef(&tp, ve, tr + 3);
	/* alpha (x6) held at 0 (1e-6 rad, no walk): the estimator's premise
	 * is the thrust along v (imm.h track_lat_est) */
	const double sd[NX] = {100, 100, 100, 30, 30, 30, 1e-6, 5.0};
	struct track_gauss g;
	memset(&g, 0, sizeof(g));
	for (int i = 0; i < 6; i++)
		g.x[i] = tr[i] + sd[i] * rng_gauss(&rng);
	g.x[6] = 0.0;
	g.x[7] = 30.0 + sd[7] * rng_gauss(&rng);
	for (int i = 0; i < NX; i++)
		g.P[i * NX + i] = sd[i] * sd[i];
	struct track_lat_est e;
	memset(&e, 0, sizeof(e));
	for (int k = 0; k < 120; k++) {
		truth_step_rk4(tr, 0.5, 0.05, 30.0, 0.0, lat); /* test_track_util.h */
		struct mw_obs o;
		make_radar_obs(radar[k % 2], tr, 10.0, 2e-4, 1.0, &rng, &o);
		struct track_meas m;
		assert_int_equal(track_meas_prepare(&o, &m), 0);
		struct track_gauss p;
		struct track_zpred zp;
		double nis;
		assert_int_equal(track_ukf_predict(&g, 0.5, mo, &p), 0);
		assert_int_equal(track_ukf_zpredict(&p, &m, &zp), 0);
		assert_int_equal(track_ukf_update(&p, &zp, &m, &g, &nis), 0);
		track_lat_est_add(&e, p.x, g.x, 0.5);
	}
	double neff;
	assert_int_equal(track_lat_est_get(&e, a, se, &neff), 0);
	assert_true(neff > 35.0 && neff < 45.0); /* (1 + f) / (1 - f), f = exp(-0.05): 40 */
	int rc = track_lat_statement(&e, g.x[TRACK_IX_AT], q, sp);
	if (getenv("LAT_VERBOSE"))
		print_message("a %.3f %.3f se %.3f %.3f neff %.1f rc %d\n", a[0], a[1], se[0],
		              se[1], neff, rc);
	return rc;
}

static void held_lateral_acceleration_estimate_converges_within_its_error(void **state)
{
	(void)state;
	enum { RUNS = 20 };
	/* The filter's statement: main's (q_acc 25, pitch 0.1) and the
	 * adapted one of a track that holds little (the floors). */
	const struct track_motion mos[2] = {
	    {.thrust = 1, .q_acc_m2_s3 = 25.0, .q_k = 1e-6, .q_at_m2_s5 = 4.0},
	    {.thrust = 1,
	     .q_acc_m2_s3 = TRACK_LAT_Q_FLOOR,
	     .q_k = 1e-6,
	     .q_at_m2_s5 = 4.0,
	     .pitch_sigma_rad = TRACK_LAT_PITCH_FLOOR_RAD}};
	const double held[2][2] = {{3.0, -0.8}, {0.0, 0.0}};
	for (int c = 0; c < 4; c++) {
		const double *hl = held[c % 2];
		const struct track_motion *mo = &mos[c / 2];
		double z2[2] = {0, 0}, worst = 0, se_max = 0, q_max = 0, sp_max = 0;
		int n_det = 0;
		for (int r = 0; r < RUNS; r++) {
			double a[2], se[2], q, sp;
			int rc = lat_run(hl, mo, 77 + 1009ull * (uint64_t)r, a, se, &q, &sp);
			n_det += rc == 0;
			for (int i = 0; i < 2; i++) {
				double z = (a[i] - hl[i]) / se[i];
				z2[i] += z * z / RUNS;
				worst = fmax(worst, fabs(z));
				se_max = fmax(se_max, se[i]);
			}
			q_max = fmax(q_max, q);
			sp_max = fmax(sp_max, sp);
			if (rc == 0) {
				/* the statement is the estimate's second moment */
				double b2 =
				    a[0] * a[0] + a[1] * a[1] + se[0] * se[0] + se[1] * se[1];
				assert_true(fabs(q - fmax(b2, TRACK_LAT_Q_FLOOR)) <
				            1e-12 * (1 + q));
			}
		}
		print_message(
		    "held (%.1f, %.1f) m/s^2, q_acc %.0f: z^2 %.2f / %.2f, worst |z| %.2f, "
		    "se <= %.3f, determined %d/%d, q <= %.3f, pitch <= %.4f\n",
		    hl[0], hl[1], mo->q_acc_m2_s3, z2[0], z2[1], worst, se_max, n_det, RUNS, q_max,
		    sp_max);
		if (worst > 3.5 || z2[0] > 2.0 || z2[1] > 2.0)
			fail_msg("held (%.1f, %.1f): z^2 %.2f / %.2f, worst |z| %.2f", hl[0], hl[1],
			         z2[0], z2[1], worst);
		/* Nothing held, the adapted statement: the floor in every run. */
		if (c == 3 && (n_det != RUNS || q_max != TRACK_LAT_Q_FLOOR ||
		               sp_max != TRACK_LAT_PITCH_FLOOR_RAD))
			fail_msg("nothing held: %d/%d determined, q up to %.3f, pitch up to %.4f",
			         n_det, RUNS, q_max, sp_max);
	}
	/* Too few samples: no statement. */
	struct track_lat_est e;
	memset(&e, 0, sizeof(e));
	double x0[NX] = {6.4e6, 0, 0, 1000, 1000, 0, 0, 30}, x1[NX];
	memcpy(x1, x0, sizeof(x1));
	x1[4] += 1.0;
	track_lat_est_add(&e, x0, x1, 1.0);
	track_lat_est_add(&e, x0, x1, 1.0);
	double q, sp;
	assert_int_equal(track_lat_statement(&e, 30.0, &q, &sp), -EAGAIN);
	assert_true(q == 0.0 && sp == 0.0);
}

/*
 * A negative drag parameter has no drag (model.h). The state is a fresh
 * clutter track's of the mixed exercise (bench-track's pass, the pair
 * the pre-gate and brute force disagreed on): 12.5 km up, falling at
 * 1.35 km/s, its sigma point at k = 1 - sqrt(8) = -1.83. With the drag
 * term taken as it stood (an anti-drag growing as |v|^2) that point's
 * speed blew up inside the 6.84-s prediction; now it propagates as k =
 * 0 bit for bit (in r and v), in the scalar and the paired RK4 of the
 * non-thrusting model (the thrusting one has no drag: model.h), and its
 * speed grows only by gravity.
 */
static const double fresh_low_x[TRACK_NX] = {-3415469.0599582726,
                                             3561223.7798991567,
                                             4047503.0210326966,
                                             -862.38132387177711,
                                             -1748.5230942906594,
                                             -1318.5428900320685,
                                             1.0,
                                             0.0};

static void negative_drag_parameter_has_no_drag(void **state)
{
	(void)state;
	const double dt = 6.841;
	{
		double xn[TRACK_NX], x0[TRACK_NX], yn[TRACK_NX], y0[TRACK_NX], pa[TRACK_NX],
		    pb[TRACK_NX];
		memcpy(xn, fresh_low_x, sizeof(xn));
		memcpy(x0, fresh_low_x, sizeof(x0));
		xn[TRACK_IX_K] = 1.0 - sqrt(8.0);
		x0[TRACK_IX_K] = 0.0;
		xn[TRACK_IX_AT] = x0[TRACK_IX_AT] = 0.0;
		assert_int_equal(track_model_propagate(xn, dt, 0, yn), 0);
		assert_int_equal(track_model_propagate(x0, dt, 0, y0), 0);
		assert_memory_equal(yn, y0, 6 * sizeof(double));
		double v0 = sqrt(xn[3] * xn[3] + xn[4] * xn[4] + xn[5] * xn[5]);
		double v1 = sqrt(yn[3] * yn[3] + yn[4] * yn[4] + yn[5] * yn[5]);
		print_message("k = %.2f: |v| %.1f -> %.1f m/s over %.3f s\n", xn[TRACK_IX_K], v0,
		              v1, dt);
		assert_true(v1 <= v0 + (10.0 + xn[TRACK_IX_AT]) * dt);
		/* The paired RK4's drag lane: k < 0 beside k > 0. */
		double xp[TRACK_NX], yp[TRACK_NX];
		memcpy(xp, fresh_low_x, sizeof(xp));
		xp[TRACK_IX_AT] = xn[TRACK_IX_AT];
		assert_int_equal(track_model_propagate(xp, dt, 0, yp), 0);
		int rc = track_model_propagate_pair(xn, xp, dt, 0, pa, pb);
		assert_true(rc == 0 || rc == 1);
		if (rc == 0) {
			assert_memory_equal(pa, yn, sizeof(pa));
			assert_memory_equal(pb, yp, sizeof(pb));
		}
	}
}

/*
 * The same fresh track's IMM (both models from one radar plot: position
 * sigma ~18 m, velocity 2-2.8 km/s per axis, k = 1 +- 1, aT = 0 +- 20)
 * predicted 6.84 s: the prediction's position spread stays within the
 * constant-velocity spread the tracker's pre-gate assumes
 * (sqrt(tr P_rr) + dt sqrt(tr P_vv), tracker.c cv_sphere) and its mean
 * within that sphere (5 sigma + the 50 m/s^2 slack and 3 sigma of aT).
 * Before k < 0 lost its drag the mean was 104 km off and 55 km under the
 * ground, with a position sigma of 441 km against the sphere's 29 km.
 */
static void fresh_low_track_prediction_stays_in_its_sphere(void **state)
{
	(void)state;
	static const double Prr[9] = {360.79619140913763,  25.998427591893474, -8.8351517611630079,
	                              25.998427591893474,  332.20203069482159, 72.903633112707695,
	                              -8.8351517611630079, 72.903633112707695, 309.10126275903451};
	static const double Pvv[9] = {7791731.2846923843,  -2449827.8132219808, -1847389.408509403,
	                              -2449827.8132219808, 4032846.3872309937,  -3745678.3391646524,
	                              -1847389.408509403,  -3745678.3391646524, 6175423.3280766215};
	struct track_config tc;
	track_config_default(&tc);
	struct track_imm in;
	memset(&in, 0, sizeof(in));
	for (int j = 0; j < TRACK_N_MODES; j++) {
		struct track_gauss *g = &in.m[j];
		memcpy(g->x, fresh_low_x, sizeof(g->x));
		for (int a = 0; a < 3; a++)
			for (int b = 0; b < 3; b++) {
				g->P[a * TRACK_NX + b] = Prr[a * 3 + b];
				g->P[(3 + a) * TRACK_NX + 3 + b] = Pvv[a * 3 + b];
			}
		g->P[TRACK_IX_K * TRACK_NX + TRACK_IX_K] = 1.0;
		g->P[TRACK_IX_AT * TRACK_NX + TRACK_IX_AT] = 400.0;
		in.mu[j] = 0.5;
	}
	const double dt = 6.841;
	struct track_imm out;
	assert_int_equal(track_imm_predict(&in, dt, &tc.imm, &out), 0);
	double sig_q = sqrt(Prr[0] + Prr[4] + Prr[8]) + dt * sqrt(Pvv[0] + Pvv[4] + Pvv[8]);
	double slack = 0.5 * (50.0 + 3.0 * 20.0) * dt * dt;
	for (int j = 0; j < TRACK_N_MODES; j++) {
		const struct track_gauss *g = &out.m[j];
		double d2 = 0.0, tr = 0.0;
		for (int a = 0; a < 3; a++) {
			double cv = fresh_low_x[a] + fresh_low_x[3 + a] * dt;
			d2 += (g->x[a] - cv) * (g->x[a] - cv);
			tr += g->P[a * TRACK_NX + a];
		}
		print_message("model %d: mean %.0f m from the constant-velocity point, position "
		              "spread %.0f m (sphere %.0f m + slack %.0f m)\n",
		              j, sqrt(d2), sqrt(tr), sig_q, slack);
		assert_true(sqrt(tr) <= sig_q);
		assert_true(sqrt(d2) <= PREGATE_SIGMAS_TEST * sig_q + slack);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(model_conserves_jacobi_integral_and_reverses),
	    cmocka_unit_test(model_drag_slows_reentry_and_grows_with_theta),
	    cmocka_unit_test(drag_parameter_walk_scales_with_air_density),
	    cmocka_unit_test(gravity_error_covariance_matches_a_gauss_markov_monte_carlo),
	    cmocka_unit_test(gravity_error_sigma_is_the_rms_of_the_omitted_field),
	    cmocka_unit_test(linearised_prediction_matches_sigma_points_in_midcourse),
	    cmocka_unit_test(ut_prediction_with_negative_k_sigma_points_matches_monte_carlo),
	    cmocka_unit_test(ballistic_q_covers_the_rk4_error_over_a_long_coast),
	    cmocka_unit_test(long_prediction_of_an_ill_conditioned_state_stays_spd_without_q),
	    cmocka_unit_test(fast_geodetic_height_matches_iterated),
	    cmocka_unit_test(stm_frozen_in_vacuum_matches_full_rk4),
	    cmocka_unit_test(stm_frozen_order2_matches_horner_bit_for_bit),
	    cmocka_unit_test(propagate_pair_matches_one_at_a_time_bit_for_bit),
	    cmocka_unit_test(radar_model_matches_geo_aer_and_wraps_azimuth),
	    cmocka_unit_test(los_model_matches_definition_and_rejects_behind),
	    cmocka_unit_test(meas_h_pair_matches_one_at_a_time_bit_for_bit),
	    cmocka_unit_test(linearised_zprediction_matches_sigma_points_where_chosen),
	    cmocka_unit_test(zprediction_sigma_points_match_the_full_17_point_sums),
	    cmocka_unit_test(zprediction_ut_matches_the_scalar_moments_bit_for_bit),
	    cmocka_unit_test(thrusting_prediction_matches_monte_carlo),
	    cmocka_unit_test(chol_check_agrees_with_factorisation),
	    cmocka_unit_test(chol_factor_pairs_match_row_by_row_bit_for_bit),
	    cmocka_unit_test(ukf_radar_is_consistent_across_north),
	    cmocka_unit_test(imm_plume_line_of_sight_says_thrusting),
	    cmocka_unit_test(imm_radar_and_ir_is_consistent),
	    cmocka_unit_test(ukf_ir_only_after_radar_start_is_consistent),
	    cmocka_unit_test(imm_follows_thrust_and_burnout),
	    cmocka_unit_test(pruned_imm_revives_the_boost_model_at_a_burn),
	    cmocka_unit_test(decoupled_k_and_at_give_the_8d_filter_doubles),
	    cmocka_unit_test(ut_prediction_matches_the_full_17_point_transform),
	    cmocka_unit_test(imm_is_consistent_through_a_steered_boost_and_burnout),
	    cmocka_unit_test(imm_burnout_hazard_rises_with_the_thrust),
	    cmocka_unit_test(imm_burnout_correction_matches_quadrature),
	    cmocka_unit_test(burnout_allowance_switch_off_and_mean_only),
	    cmocka_unit_test(negligible_boost_mode_is_not_mixed_into_the_ballistic_prediction),
	    cmocka_unit_test(default_ballistic_q_keeps_a_long_coast_consistent),
	    cmocka_unit_test(long_coast_prediction_states_the_propagated_spread),
	    cmocka_unit_test(icbm_coast_prediction_states_the_spread_per_direction),
	    cmocka_unit_test(imm_prediction_across_an_unseen_burnout_is_not_overconfident),
	    cmocka_unit_test(imm_predict_memo_matches_no_memo_bit_for_bit),
	    cmocka_unit_test(imm_combine_lanes_match_scalar_bit_for_bit),
	    cmocka_unit_test(imm_keeps_the_boost_mode_across_a_staging_without_a_gap),
	    cmocka_unit_test(stage_change_needs_the_thrust_to_explain_the_miss),
	    cmocka_unit_test(held_lateral_acceleration_estimate_converges_within_its_error),
	    cmocka_unit_test(negative_drag_parameter_has_no_drag),
	    cmocka_unit_test(fresh_low_track_prediction_stays_in_its_sphere),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
