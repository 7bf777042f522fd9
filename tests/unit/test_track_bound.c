/*
 * tests/unit/test_track_bound.c - the posterior Cramer-Rao bound of
 * track/bound.h against what it must be in cases solvable by hand:
 *
 *  1. The first radar measurement (no range rate) starts the bound with
 *     the tracker's prior and the measurement's information: along the
 *     line of sight the position variance is sigma_range^2 exactly (a
 *     range is the only along-line information), the velocity block is
 *     the prior (init_sigma_v^2 per axis, uncorrelated with position)
 *     and k's variance is init_sigma_k^2.
 *  2. Prediction over dt without measurement adds, to first order, dt^2
 *     times the velocity covariance and q dt^3 / 3 per axis to the
 *     position block (Phi ~ [I, dt I; 0, I] over 10 s at 100 km).
 *  3. A second measurement never adds uncertainty: the trace after it is
 *     below the predicted trace.
 *  4. Failures leave the bound unchanged; an inactive bound has no impact
 *     bound (-ERANGE).
 *  7. A line of sight starts the bound too, with a diffuse position prior
 *     (1,000 km): along its ray the position variance is the prior's
 *     exactly (a bearing says nothing there), across it (sigma rho)^2,
 *     and a second sensor's ray at angle theta brings the first ray's
 *     along-ray variance under (sigma rho_2 / sin theta)^2.
 *  5. The drag prior is the tracker's: a bound started on a ballistic
 *     state of a class with a beta range (IRBM energy) has k's variance
 *     the class prior's (track_beta_prior_k), one started in boost the
 *     flat init_sigma_k^2; at the truth's burnout k is reset to the class
 *     prior with no cross terms (radar measurements carry no k).
 *  6. In boost the prediction carries the boost model's stated
 *     thrust-direction error for the truth's thrust (estimated from the
 *     truth's velocity change): the velocity variance grows, over and
 *     above the isotropic q, by a^2 T sigma^2 dt along h (out of the
 *     trajectory plane, sigma_yaw) and along w (in it, sigma_pitch).
 *  8. With the thrust's size a state (TRACK_BOUND_THRUST_EST): a boost
 *     start holds aT at the tracker's prior, init_sigma_at^2, and the
 *     (r, v, k) block is the thrust-known bound's; a prediction over dt
 *     adds sigma_aT^2 dt^2 along v (the thrust's column u dt) to what
 *     the thrust-known one adds; after a second measurement the velocity along v is still less
 *     known than with the thrust known (information spent on aT); at
 *     the truth's burnout aT is marginalised, a thrust that starts
 *     again after a coast brings aT back at its prior, and a bound that
 *     never saw a boost is the thrust-known one to the bit.
 */
#include <errno.h>
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "core/obs.h"
#include "geo/geo.h"
#include "mat/mat.h"
#include "track/bound.h"
#include "track/model.h"
#include "track/tracker.h"

#define BN TRACK_BOUND_N

static const mw_time_ns T0 = (mw_time_ns)1800000000 * MW_NS_PER_S;

/* A radar at (37 N, 128 E, 100 m) measuring a point at (39 N, 128.5 E,
 * 100 km), noise-free (the bound does not use the measured values). */
static void radar_obs(mw_time_ns t, const double tgt[3], double sigma_r, struct mw_obs *o,
                      double los[3])
{
	struct geo_lla s = {
	    .lat_rad = 37.0 * GEO_PI / 180, .lon_rad = 128.0 * GEO_PI / 180, .h_m = 100.0};
	memset(o, 0, sizeof(*o));
	o->t_ns = t;
	o->kind = MW_OBS_RADAR;
	o->sensor_id = 1;
	memcpy(o->nation, "KOR", 4);
	geo_lla_to_ecef(&s, o->sensor_ecef_m);
	double rg, az, el;
	assert_int_equal(geo_ecef_to_aer(&s, o->sensor_ecef_m, tgt, &rg, &az, &el), 0);
	o->range_m = rg;
	o->az_rad = az;
	o->el_rad = el;
	o->sigma_range_m = sigma_r;
	o->sigma_az_rad = 1e-3;
	o->sigma_el_rad = 1e-3;
	for (int i = 0; i < 3; i++)
		los[i] = (tgt[i] - o->sensor_ecef_m[i]) / rg;
}

static void truth(double x[BN])
{
	struct geo_lla p = {
	    .lat_rad = 39.0 * GEO_PI / 180, .lon_rad = 128.5 * GEO_PI / 180, .h_m = 100e3};
	geo_lla_to_ecef(&p, x);
	x[3] = 1500.0;
	x[4] = -800.0;
	x[5] = -1200.0;
	x[6] = 1.25;
}

/* The default configuration, the truth, one 30 m radar measurement of it
 * at T0 and the bound after it (the start of most cases below). */
static void first_radar_update(struct track_config *tc, double x[BN], struct mw_obs *o,
                               double los[3], struct track_bound *b)
{
	track_config_default(tc);
	truth(x);
	radar_obs(T0, x, 30.0, o, los);
	memset(b, 0, sizeof(*b));
	assert_int_equal(track_bound_update(b, tc, o, x, 0), 0);
}

static double quad(const double *P, const double u[3])
{
	double s = 0.0;
	for (int i = 0; i < 3; i++)
		for (int j = 0; j < 3; j++)
			s += u[i] * P[i * BN + j] * u[j];
	return s;
}

static void first_radar_measurement_gives_range_variance_along_the_line_and_the_prior(void **st)
{
	(void)st;
	struct track_config tc;
	double x[BN], los[3];
	struct mw_obs o;
	struct track_bound b;
	first_radar_update(&tc, x, &o, los, &b);
	assert_true(b.active);
	double vlos = quad(b.P, los);
	if (fabs(vlos - 900.0) > 900.0 * 1e-4)
		fail_msg("variance along the line of sight %.6f m^2, want 900 (30 m)", vlos);
	for (int i = 3; i < 6; i++)
		for (int j = 0; j < BN; j++) {
			double want = i == j ? tc.init_sigma_v_m_s * tc.init_sigma_v_m_s : 0.0;
			if (fabs(b.P[i * BN + j] - want) > 1e-6 * (fabs(want) + 1.0))
				fail_msg("P[%d][%d] = %g, want %g (velocity prior)", i, j,
				         b.P[i * BN + j], want);
		}
	/* An SRBM-energy ballistic start: the flat prior's positive part (k > 0),
	 * as the tracker's class prior for a class without a range. */
	double km, sk;
	assert_int_equal(track_k_positive_moments(tc.init_k, tc.init_sigma_k, &km, &sk), 0);
	double pkk = b.P[6 * BN + 6], wk = sk * sk;
	if (fabs(pkk - wk) > 1e-9 * wk)
		fail_msg("k variance %g, want %g", pkk, wk);
	/* Across the line the angles give range * sigma_angle: hundreds of
	 * metres at ~250 km, far above the range's 30 m. */
	double tr = b.P[0] + b.P[BN + 1] + b.P[2 * BN + 2];
	assert_true(tr > 900.0 + 2 * 1e4);
}

static void prediction_adds_velocity_spread_times_dt_squared(void **st)
{
	(void)st;
	struct track_config tc;
	double x[BN], los[3];
	struct mw_obs o;
	struct track_bound b;
	first_radar_update(&tc, x, &o, los, &b);
	double P[BN * BN];
	const double dt = 10.0;
	assert_int_equal(track_bound_predict(&b, &tc, T0 + 10 * MW_NS_PER_S, P), 0);
	double q = tc.imm.motion[TRACK_MODE_BALLISTIC].q_acc_m2_s3;
	double tr0 = b.P[0] + b.P[BN + 1] + b.P[2 * BN + 2];
	double trv = b.P[3 * BN + 3] + b.P[4 * BN + 4] + b.P[5 * BN + 5];
	double want = tr0 + dt * dt * trv + 3 * q * dt * dt * dt / 3;
	double got = P[0] + P[BN + 1] + P[2 * BN + 2];
	if (fabs(got - want) > 0.01 * want)
		fail_msg("predicted position trace %.6g m^2, want %.6g (1%%)", got, want);
	/* Predicting to the same time is the identity. */
	assert_int_equal(track_bound_predict(&b, &tc, T0, P), 0);
	assert_memory_equal(P, b.P, sizeof(P));
}

static void a_second_measurement_never_adds_uncertainty(void **st)
{
	(void)st;
	struct track_config tc;
	double x[BN], x1[TRACK_NX] = {0}, los[3];
	struct mw_obs o;
	struct track_bound b;
	first_radar_update(&tc, x, &o, los, &b);
	double trp1 = b.P[0] + b.P[BN + 1] + b.P[2 * BN + 2];
	memcpy(x1, x, sizeof(x));
	assert_int_equal(track_model_propagate(x1, 1.0, 0, x1), 0);
	double xt[BN];
	memcpy(xt, x1, sizeof(xt));
	radar_obs(T0 + MW_NS_PER_S, xt, 30.0, &o, los);
	double P[BN * BN];
	assert_int_equal(track_bound_predict(&b, &tc, T0 + MW_NS_PER_S, P), 0);
	assert_int_equal(track_bound_update(&b, &tc, &o, xt, 0), 0);
	for (int i = 0; i < BN; i++)
		if (!(b.P[i * BN + i] <= P[i * BN + i] * (1 + 1e-9)))
			fail_msg("variance %d grew in an update: %g > predicted %g", i,
			         b.P[i * BN + i], P[i * BN + i]);
	/* Two fixes 1 s apart observe the velocity: v ~ (r2 - r1) / 1 s, so
	 * each axis' variance is at most about the two fixes' position
	 * variances summed (10% for the dynamics), far below the prior. */
	for (int i = 3; i < 6; i++)
		if (!(b.P[i * BN + i] <= 1.1 * 2 * trp1))
			fail_msg("velocity variance %d: %g, above 2.2 x %g (two fixes)", i,
			         b.P[i * BN + i], trp1);
}

static void failures_leave_the_bound_unchanged(void **st)
{
	(void)st;
	struct track_config tc;
	track_config_default(&tc);
	double x[BN], los[3], v, vk;
	truth(x);
	struct track_bound b, b0;
	memset(&b, 0, sizeof(b));
	assert_int_equal(track_bound_impact(&b, &v, &vk), -ERANGE);
	struct mw_obs o;
	radar_obs(T0, x, 30.0, &o, los);
	assert_int_equal(track_bound_update(&b, &tc, &o, x, 0), 0);
	b0 = b;
	/* A malformed measurement (zero sigma): -EINVAL, b unchanged. */
	o.sigma_range_m = 0.0;
	o.t_ns = T0 + MW_NS_PER_S;
	assert_int_equal(track_bound_update(&b, &tc, &o, x, 0), -EINVAL);
	assert_memory_equal(&b, &b0, sizeof(b));
}

/* A GEO sensor over (0 N, lon_deg E) looking straight at tgt (frame:
 * z the ray, x across the pole), noise sigma; u gets the ray. Returns the
 * range. */
static double los_obs(mw_time_ns t, double lon_deg, const double tgt[3], double sigma,
                      struct mw_obs *o, double u[3])
{
	struct geo_lla s = {.lat_rad = 0.0, .lon_rad = lon_deg * GEO_PI / 180, .h_m = 35786e3};
	memset(o, 0, sizeof(*o));
	o->t_ns = t;
	o->kind = MW_OBS_LOS;
	o->sensor_id = 10;
	memcpy(o->nation, "USA", 4);
	geo_lla_to_ecef(&s, o->sensor_ecef_m);
	double rho = 0.0, x[3];
	for (int i = 0; i < 3; i++) {
		u[i] = tgt[i] - o->sensor_ecef_m[i];
		rho += u[i] * u[i];
	}
	rho = sqrt(rho);
	for (int i = 0; i < 3; i++)
		u[i] /= rho;
	x[0] = -u[1]; /* (0, 0, 1) x u */
	x[1] = u[0];
	x[2] = 0.0;
	double xn = hypot(x[0], x[1]);
	for (int i = 0; i < 3; i++) {
		o->frame_ecef[0][i] = x[i] / xn;
		o->frame_ecef[2][i] = u[i];
	}
	o->frame_ecef[1][0] = u[1] * o->frame_ecef[0][2] - u[2] * o->frame_ecef[0][1];
	o->frame_ecef[1][1] = u[2] * o->frame_ecef[0][0] - u[0] * o->frame_ecef[0][2];
	o->frame_ecef[1][2] = u[0] * o->frame_ecef[0][1] - u[1] * o->frame_ecef[0][0];
	o->sigma_los_rad = sigma;
	return rho;
}

static void a_line_of_sight_starts_the_bound_with_a_diffuse_position_prior(void **st)
{
	(void)st;
	struct track_config tc;
	track_config_default(&tc);
	double x[BN], u[3], u2[3];
	truth(x);
	struct mw_obs o;
	const double sig = 20e-6, prior2 = 1e12; /* bound.c's BOUND_LOS_PRIOR_M^2 */
	double rho = los_obs(T0, 128.5, x, sig, &o, u);
	struct track_bound b;
	memset(&b, 0, sizeof(b));
	assert_int_equal(track_bound_update(&b, &tc, &o, x, 0), 0);
	assert_true(b.active);
	double along = quad(b.P, u), across = quad(b.P, o.frame_ecef[0]),
	       across2 = quad(b.P, o.frame_ecef[1]), want = sig * rho * sig * rho;
	if (fabs(along - prior2) > 1e-6 * prior2)
		fail_msg("along the ray: variance %g, want the prior's %g", along, prior2);
	if (fabs(across - want) > 1e-3 * want || fabs(across2 - want) > 1e-3 * want)
		fail_msg("across the ray: variances %g and %g, want (sigma rho)^2 = %g", across,
		         across2, want);
	double sv2 = tc.init_sigma_v_m_s * tc.init_sigma_v_m_s;
	for (int i = 3; i < 6; i++)
		if (fabs(b.P[i * BN + i] - sv2) > 1e-9 * sv2)
			fail_msg("velocity variance %d: %g, want the prior %g", i, b.P[i * BN + i],
			         sv2);
	/* A second GEO sensor's ray at the same instant: the position
	 * information is the prior's plus each ray's (I - u u^T) / (sigma
	 * rho)^2, and the velocity stays apart, so the position block is
	 * that 3 x 3 matrix's inverse. */
	double rho2 = los_obs(T0, 80.0, x, sig, &o, u2);
	assert_int_equal(track_bound_update(&b, &tc, &o, x, 0), 0);
	double J[9], Pr[9], w1 = 1.0 / (sig * rho * sig * rho),
	                    w2 = 1.0 / (sig * rho2 * sig * rho2);
	for (int i = 0; i < 3; i++)
		for (int j = 0; j < 3; j++)
			J[i * 3 + j] = (i == j) * (1.0 / prior2 + w1 + w2) - w1 * u[i] * u[j] -
			               w2 * u2[i] * u2[j];
	assert_int_equal(mat_spd_inverse(Pr, J, 3), 0);
	for (int i = 0; i < 3; i++)
		for (int j = 0; j < 3; j++)
			if (fabs(b.P[i * BN + j] - Pr[i * 3 + j]) >
			    1e-6 * sqrt(Pr[i * 4] * Pr[j * 4]))
				fail_msg("two rays: position covariance (%d, %d) %g, want %g", i, j,
				         b.P[i * BN + j], Pr[i * 3 + j]);
	if (!(quad(b.P, u) < 1e-4 * prior2)) /* the rays meet: range known */
		fail_msg("two rays: along the first %g m^2", quad(b.P, u));
}

/* A state of IRBM energy: 300 km up over (39 N, 130 E), 5 km/s ECEF,
 * climbing. */
static void irbm_truth(double x[BN])
{
	struct geo_lla p = {
	    .lat_rad = 39.0 * GEO_PI / 180, .lon_rad = 130.0 * GEO_PI / 180, .h_m = 300e3};
	geo_lla_to_ecef(&p, x);
	double up[3], rn = sqrt(x[0] * x[0] + x[1] * x[1] + x[2] * x[2]);
	for (int i = 0; i < 3; i++)
		up[i] = x[i] / rn;
	double east[3] = {-up[1], up[0], 0.0}, en = hypot(up[0], up[1]);
	for (int i = 0; i < 3; i++)
		x[3 + i] = 5000.0 * (0.8 * east[i] / en + 0.6 * up[i]);
	x[6] = 0.83;
}

static void drag_prior_is_the_trackers_class_prior(void **st)
{
	(void)st;
	struct track_config tc;
	track_config_default(&tc);
	double x[BN], los[3], kc, sc;
	irbm_truth(x);
	enum track_class c = track_class_of_range(track_class_max_range_m(x));
	if (c != TRACK_CLASS_IRBM && c != TRACK_CLASS_ICBM)
		fail_msg("test state classed %s, want IRBM or ICBM", track_class_str(c));
	assert_int_equal(track_beta_prior_k(&tc.beta_prior[c], &kc, &sc), 0);
	struct mw_obs o;
	radar_obs(T0, x, 30.0, &o, los);
	/* Ballistic at the start: the class prior. */
	struct track_bound b;
	memset(&b, 0, sizeof(b));
	assert_int_equal(track_bound_update(&b, &tc, &o, x, 0), 0);
	if (fabs(b.P[6 * BN + 6] - sc * sc) > 1e-9 * sc * sc)
		fail_msg("ballistic start: k variance %g, want the class's %g (sigma %.3f)",
		         b.P[6 * BN + 6], sc * sc, sc);
	/* In boost at the start: the flat prior. */
	memset(&b, 0, sizeof(b));
	assert_int_equal(track_bound_update(&b, &tc, &o, x, 1), 0);
	double w0 = tc.init_sigma_k * tc.init_sigma_k;
	if (fabs(b.P[6 * BN + 6] - w0) > 1e-9 * w0)
		fail_msg("boost start: k variance %g, want the flat %g", b.P[6 * BN + 6], w0);
	/* Burnout one second later: the class prior, no cross terms. */
	double x8[TRACK_NX] = {0}, xt[BN];
	memcpy(x8, x, sizeof(x));
	assert_int_equal(track_model_propagate(x8, 1.0, 0, x8), 0);
	memcpy(xt, x8, sizeof(xt));
	radar_obs(T0 + MW_NS_PER_S, xt, 30.0, &o, los);
	assert_int_equal(track_bound_update(&b, &tc, &o, xt, 0), 0);
	if (fabs(b.P[6 * BN + 6] - sc * sc) > 1e-9 * sc * sc)
		fail_msg("after burnout: k variance %g, want the class's %g", b.P[6 * BN + 6],
		         sc * sc);
	for (int i = 0; i < 6; i++)
		if (fabs(b.P[i * BN + 6]) > 1e-9 * sqrt(b.P[i * BN + i]) * sc)
			fail_msg("after burnout: cross term P[%d][k] = %g, want 0", i,
			         b.P[i * BN + 6]);
	/* A state of no class with a range (the SRBM-energy truth()): the flat
	 * prior's positive part (k > 0), 1.2876 +- 0.7935. */
	truth(x);
	radar_obs(T0, x, 30.0, &o, los);
	memset(&b, 0, sizeof(b));
	assert_int_equal(track_bound_update(&b, &tc, &o, x, 0), 0);
	double kp, skp;
	assert_int_equal(track_k_positive_moments(tc.init_k, tc.init_sigma_k, &kp, &skp), 0);
	if (fabs(b.P[6 * BN + 6] - skp * skp) > 1e-9 * skp * skp)
		fail_msg("SRBM-energy start: k variance %g, want the flat prior's positive part %g",
		         b.P[6 * BN + 6], skp * skp);
}

static void boost_prediction_carries_the_thrust_direction_error(void **st)
{
	(void)st;
	struct track_config tc;
	track_config_default(&tc);
	double x[BN], los[3];
	truth(x);
	x[6] = 0.0; /* no drag: the thrust alone acts beyond gravity */
	struct mw_obs o;
	radar_obs(T0, x, 30.0, &o, los);
	struct track_bound b;
	memset(&b, 0, sizeof(b));
	assert_int_equal(track_bound_update(&b, &tc, &o, x, 1), 0);
	/* The truth thrusts at 30 m/s^2 along v for 1 s. */
	const double a = 30.0;
	double x8[TRACK_NX] = {0}, xt[BN];
	memcpy(x8, x, sizeof(x));
	x8[TRACK_IX_AT] = a;
	assert_int_equal(track_model_propagate(x8, 1.0, 1, x8), 0);
	memcpy(xt, x8, sizeof(xt));
	radar_obs(T0 + MW_NS_PER_S, xt, 30.0, &o, los);
	assert_int_equal(track_bound_update(&b, &tc, &o, xt, 1), 0);
	if (fabs(b.thrust_m_s2 - a) > 0.01 * a)
		fail_msg("thrust from the truth %.3f m/s^2, want %.1f (1%%)", b.thrust_m_s2, a);
	/* Prediction over dt with and without the thrust term. */
	const double dt = 2.0;
	double P[BN * BN], P0[BN * BN];
	struct track_bound b0 = b;
	b0.thrust_m_s2 = 0.0;
	mw_time_ns t1 = T0 + 3 * MW_NS_PER_S;
	assert_int_equal(track_bound_predict(&b, &tc, t1, P), 0);
	assert_int_equal(track_bound_predict(&b0, &tc, t1, P0), 0);
	double xs[TRACK_NX] = {0}, u[3], w[3], h[3];
	memcpy(xs, b.x, sizeof(b.x));
	assert_int_equal(track_model_thrust_frame(xs, u, w, h), 0);
	double dv[BN * BN];
	for (int i = 0; i < BN * BN; i++)
		dv[i] = P[i] - P0[i];
	/* the thrusting model's stated direction error (tracker.c's config) */
	double a2 = b.thrust_m_s2 * b.thrust_m_s2 * TRACK_THRUST_NOISE_T_S;
	const struct track_motion *mb = &tc.imm.motion[TRACK_MODE_BOOST];
	double want_h = a2 * mb->yaw_sigma_rad * mb->yaw_sigma_rad * dt;
	double want_w = a2 * mb->pitch_sigma_rad * mb->pitch_sigma_rad * dt;
	double got_h = quad(dv + 3 * BN + 3, h), got_w = quad(dv + 3 * BN + 3, w);
	double got_u = quad(dv + 3 * BN + 3, u);
	if (fabs(got_h - want_h) > 1e-6 * want_h || fabs(got_w - want_w) > 1e-6 * want_w ||
	    fabs(got_u) > 1e-6 * want_h)
		fail_msg("added velocity variance along h %.6g (want %.6g), w %.6g (want %.6g), "
		         "u %.3g (want 0)",
		         got_h, want_h, got_w, want_w, got_u);
	/* and the position block dt^3/3 of the same density, along h */
	double gp = quad(dv, h), wp = want_h * dt * dt / 3.0;
	if (fabs(gp - wp) > 1e-6 * wp)
		fail_msg("added position variance along h %.6g, want %.6g", gp, wp);
}

/* The thrust-known and thrust-state bounds of a thrusting truth x (no
 * drag), both started in boost at T0. */
static void boost_pair(struct track_config *tc, double x[BN], struct track_bound *bk,
                       struct track_bound *be)
{
	track_config_default(tc);
	truth(x);
	x[6] = 0.0;
	double los[3];
	struct mw_obs o;
	radar_obs(T0, x, 30.0, &o, los);
	memset(bk, 0, sizeof(*bk));
	memset(be, 0, sizeof(*be));
	be->thrust_mode = TRACK_BOUND_THRUST_EST;
	assert_int_equal(track_bound_update(bk, tc, &o, x, 1), 0);
	assert_int_equal(track_bound_update(be, tc, &o, x, 1), 0);
}

static void thrust_state_pays_for_learning_the_thrust(void **st)
{
	(void)st;
	struct track_config tc;
	double x[BN];
	struct track_bound bk, be;
	const double a = 30.0;
	boost_pair(&tc, x, &bk, &be);
	/* The start: the priors of aT and of the thrust angle alpha (Pa's
	 * x6, model.h), no cross terms; (r, v, k) as thrust-known, k's
	 * prior in P (k is not a state of the thrusting model). */
	const double sa2 = tc.init_sigma_at_m_s2 * tc.init_sigma_at_m_s2;
	const double sl2 = TRACK_ALPHA_SIGMA0_RAD * TRACK_ALPHA_SIGMA0_RAD;
	if (fabs(be.Pa[TRACK_IX_AT * TRACK_NX + TRACK_IX_AT] - sa2) > 1e-9 * sa2)
		fail_msg("start: aT variance %g, want init_sigma_at^2 %g",
		         be.Pa[TRACK_IX_AT * TRACK_NX + TRACK_IX_AT], sa2);
	if (fabs(be.Pa[TRACK_IX_ALPHA * TRACK_NX + TRACK_IX_ALPHA] - sl2) > 1e-9 * sl2)
		fail_msg("start: alpha variance %g, want %g",
		         be.Pa[TRACK_IX_ALPHA * TRACK_NX + TRACK_IX_ALPHA], sl2);
	for (int i = 0; i < BN; i++) {
		for (int x6 = TRACK_IX_ALPHA; x6 <= TRACK_IX_AT; x6++)
			if (i != x6 && be.Pa[i * TRACK_NX + x6] != 0.0)
				fail_msg("start: P[%d][%d] = %g, want 0", i, x6,
				         be.Pa[i * TRACK_NX + x6]);
		for (int j = 0; j < BN; j++)
			if (be.P[i * BN + j] != bk.P[i * BN + j] ||
			    (i < 6 && j < 6 && be.Pa[i * TRACK_NX + j] != bk.P[i * BN + j]))
				fail_msg("start: P[%d][%d] %g / %g, want the thrust-known %g", i, j,
				         be.P[i * BN + j], be.Pa[i * TRACK_NX + j],
				         bk.P[i * BN + j]);
	}
	/* The truth thrusts at a along v for 1 s; second measurement. */
	double x8[TRACK_NX] = {0}, xt[BN], los[3];
	memcpy(x8, x, sizeof(x));
	x8[TRACK_IX_AT] = a;
	assert_int_equal(track_model_propagate(x8, 1.0, 1, x8), 0);
	memcpy(xt, x8, sizeof(xt));
	struct mw_obs o;
	radar_obs(T0 + MW_NS_PER_S, xt, 30.0, &o, los);
	/* The prediction to it: sigma_aT^2 dt^2 more along v. */
	double Pk[BN * BN], Pe[BN * BN];
	assert_int_equal(track_bound_predict(&bk, &tc, o.t_ns, Pk), 0);
	assert_int_equal(track_bound_predict(&be, &tc, o.t_ns, Pe), 0);
	double u[3], w[3], h[3];
	double xs[TRACK_NX] = {0};
	memcpy(xs, x, sizeof(double) * BN);
	assert_int_equal(track_model_thrust_frame(xs, u, w, h), 0);
	double du = quad(Pe + 3 * BN + 3, u) - quad(Pk + 3 * BN + 3, u);
	if (fabs(du - sa2) > 0.01 * sa2)
		fail_msg("prediction over 1 s: along v %.6g more, want sigma_aT^2 dt^2 = %g (1%%)",
		         du, sa2);
	assert_int_equal(track_bound_update(&bk, &tc, &o, xt, 1), 0);
	assert_int_equal(track_bound_update(&be, &tc, &o, xt, 1), 0);
	double vk = quad(bk.P + 3 * BN + 3, u), ve = quad(be.P + 3 * BN + 3, u);
	if (!(ve > vk))
		fail_msg(
		    "after a second measurement along v %.6g, want above the thrust-known %.6g", ve,
		    vk);
	for (int i = 0; i < BN; i++)
		for (int j = 0; j < BN; j++)
			if (i < 6 && j < 6 ? be.P[i * BN + j] != be.Pa[i * TRACK_NX + j]
			                   : (i != j && be.P[i * BN + j] != 0.0))
				fail_msg("P is not Pa's (r, v) block with k's prior at [%d][%d]", i,
				         j);
	/* Burnout 1 s later: aT marginalised; the next prediction of both
	 * is the non-thrusting model's in 7 states. */
	memcpy(x8, xt, sizeof(xt));
	x8[TRACK_IX_AT] = 0.0;
	assert_int_equal(track_model_propagate(x8, 1.0, 0, x8), 0);
	double xb[BN];
	memcpy(xb, x8, sizeof(xb));
	radar_obs(T0 + 2 * MW_NS_PER_S, xb, 30.0, &o, los);
	double P7[BN * BN];
	assert_int_equal(track_bound_predict(&be, &tc, o.t_ns, P7), 0);
	assert_int_equal(track_bound_update(&be, &tc, &o, xb, 0), 0);
	assert_false(be.boost);
	/* the marginal: the predicted (r, v) block plus this measurement,
	 * never above the prediction */
	double tp = 0.0, tu = 0.0;
	for (int i = 0; i < 6; i++) {
		tp += P7[i * BN + i];
		tu += be.P[i * BN + i];
	}
	if (!(tu < tp))
		fail_msg("burnout update: trace %g, want below the marginal prediction's %g", tu,
		         tp);
	/* A thrust that starts again after the coast (a next stage): aT
	 * comes back with the tracker's prior, uncorrelated (a plot does not
	 * measure it). */
	memcpy(x8, xb, sizeof(xb));
	x8[TRACK_IX_AT] = 0.0;
	assert_int_equal(track_model_propagate(x8, 1.0, 0, x8), 0);
	memcpy(xt, x8, sizeof(xt));
	radar_obs(T0 + 3 * MW_NS_PER_S, xt, 30.0, &o, los);
	assert_int_equal(track_bound_update(&be, &tc, &o, xt, 1), 0);
	assert_true(be.boost);
	if (fabs(be.Pa[TRACK_IX_AT * TRACK_NX + TRACK_IX_AT] - sa2) > 1e-9 * sa2)
		fail_msg("restart: aT variance %g, want init_sigma_at^2 %g",
		         be.Pa[TRACK_IX_AT * TRACK_NX + TRACK_IX_AT], sa2);
	for (int i = 0; i < BN; i++)
		for (int x6 = TRACK_IX_ALPHA; x6 <= TRACK_IX_AT; x6++)
			if (i != x6 && be.Pa[i * TRACK_NX + x6] != 0.0)
				fail_msg("restart: P[%d][%d] = %g, want 0", i, x6,
				         be.Pa[i * TRACK_NX + x6]);
	if (fabs(be.Pa[TRACK_IX_ALPHA * TRACK_NX + TRACK_IX_ALPHA] - sl2) > 1e-9 * sl2)
		fail_msg("restart: alpha variance %g, want %g",
		         be.Pa[TRACK_IX_ALPHA * TRACK_NX + TRACK_IX_ALPHA], sl2);
	/* A bound that never thrusts: the thrust-known one to the bit. */
	first_radar_update(&tc, x, &o, los, &bk);
	struct track_bound bc;
	memset(&bc, 0, sizeof(bc));
	bc.thrust_mode = TRACK_BOUND_THRUST_EST;
	assert_int_equal(track_bound_update(&bc, &tc, &o, x, 0), 0);
	assert_memory_equal(bc.P, bk.P, sizeof(bc.P));
	assert_int_equal(track_bound_predict(&bk, &tc, T0 + 5 * MW_NS_PER_S, Pk), 0);
	assert_int_equal(track_bound_predict(&bc, &tc, T0 + 5 * MW_NS_PER_S, Pe), 0);
	assert_memory_equal(Pk, Pe, sizeof(Pk));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(
	        first_radar_measurement_gives_range_variance_along_the_line_and_the_prior),
	    cmocka_unit_test(prediction_adds_velocity_spread_times_dt_squared),
	    cmocka_unit_test(a_second_measurement_never_adds_uncertainty),
	    cmocka_unit_test(failures_leave_the_bound_unchanged),
	    cmocka_unit_test(a_line_of_sight_starts_the_bound_with_a_diffuse_position_prior),
	    cmocka_unit_test(drag_prior_is_the_trackers_class_prior),
	    cmocka_unit_test(boost_prediction_carries_the_thrust_direction_error),
	    cmocka_unit_test(thrust_state_pays_for_learning_the_thrust),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
