/*
 * track/model.c - ballistic motion in ECEF: gravity (mu + J2), Earth
 * rotation terms, drag with an estimated inverse ballistic coefficient,
 * RK4 propagation, process noise (white acceleration, the random walks
 * on k and aT, and the stated gravity-model error: a Gauss-Markov
 * acceleration of the size of what mu + J2 leaves out of a real Earth,
 * by altitude). See model.h for the equations.
 *
 * The acceleration runs at every RK4 stage of every sigma point, so it
 * is written for cost: gravity with one division and one square root,
 * the geodetic height for drag by one Bowring step (no iteration; within
 * nanometres of geo_ecef_to_lla, unit-tested) and the density from
 * geo_air_density (tabulated, exact).
 *
 * Invariants:
 *  1. Pure functions of their arguments; no state.
 *  2. A propagation either returns 0 with a finite result or a negative
 *     code with the output untouched.
 */
#include "track/model.h"

#include <assert.h>
#include <errno.h>
#include <math.h>
#include <string.h>

#include "geo/geo.h"
#include "track/v2d.h"

#define FROZEN_ORDER2_MAX_H_S 1.0 /* see step_frozen */

/*
 * Geodetic height by one step of Bowring's formula from his parametric
 * latitude guess tan(beta) = a z / (b p) (Bowring 1976, Survey Review
 * 23(181)), with sines and cosines from square roots (no trigonometric
 * call, no iteration). The latitude error of one step is ~1e-10 rad near
 * the surface and the height is stationary in the latitude (h = p cos +
 * z sin - a sqrt(1 - e^2 sin^2) is the distance along the normal), so the
 * height error is below a micrometre up to the drag ceiling; the unit
 * test bounds it against geo_ecef_to_lla (iterated to 1e-15 rad) at 1 mm
 * from -5 to 400 km at all latitudes.
 */
double track_model_height_fast_m(const double r[3])
{
	const double a = GEO_WGS84_A_M, b = GEO_WGS84_B_M, e2 = GEO_WGS84_E2;
	const double ep2 = e2 / (1.0 - e2);
	double p = sqrt(r[0] * r[0] + r[1] * r[1]), z = r[2];
	double u = a * z, w = b * p, n0 = sqrt(u * u + w * w);
	if (!(n0 > 0.0))
		return -a; /* the centre: below any height of interest */
	double sb = u / n0, cb = w / n0;
	double num = z + ep2 * b * sb * sb * sb, den = p - e2 * a * cb * cb * cb;
	double n1 = sqrt(num * num + den * den);
	double sl = num / n1, cl = den / n1;
	return p * cl + z * sl - a * sqrt(1.0 - e2 * sl * sl);
}

double track_model_height_m(const double r[3])
{
	double rn = sqrt(r[0] * r[0] + r[1] * r[1] + r[2] * r[2]);
	if (rn - GEO_WGS84_B_M > TRACK_DRAG_CEILING_M || !isfinite(rn))
		return rn - GEO_WGS84_A_M;
	return track_model_height_fast_m(r);
}

/* isfinite(v[0]) && isfinite(v[1]) && isfinite(v[2]), exactly: v - v
 * is an exact 0 for a finite v and NaN for an infinite or NaN one (no
 * -ffast-math: the compiler keeps the subtractions). */
static inline int all_finite3(const double v[3])
{
	return (v[0] - v[0]) + (v[1] - v[1]) + (v[2] - v[2]) == 0.0;
}

/* Every entry of a state finite (all_finite3's test over eight). */
static inline int all_finite8(const double v[TRACK_NX])
{
	double s = 0.0;
	for (int i = 0; i < TRACK_NX; i++)
		s += v[i] - v[i];
	return s == 0.0;
}

/*
 * geo_accel_ecef (mu + J2 gravity, centrifugal and Coriolis terms, the
 * same formulas) with the powers of 1/r as products of one division and
 * one square root, and |r| returned for the drag test: the filter
 * evaluates it at every RK4 stage of every sigma point.
 */
static inline __attribute__((always_inline)) int accel_grav(const double x[TRACK_NX], double a[3],
                                                            double *rn)
{
	const double mu = GEO_GM_M3_S2;
	const double k = 0.5 * mu * GEO_J2 * GEO_WGS84_A_M * GEO_WGS84_A_M;
	const double w = GEO_OMEGA_E_RAD_S;
	double r2 = x[0] * x[0] + x[1] * x[1] + x[2] * x[2];
	/* |r| >= 1 m, r and v finite (all_finite3: one test for three). */
	if (!(r2 >= 1.0 && r2 < INFINITY) || !all_finite3(x + 3))
		return -EDOM;
	double r = sqrt(r2), ir2 = 1.0 / r2, ir = r * ir2;
	double im3 = ir * ir2, im5 = im3 * ir2, im7 = im5 * ir2, z = x[2];
	double cx = -mu * im3 - 3.0 * k * im5 + 15.0 * k * z * z * im7;
	a[0] = cx * x[0] + w * w * x[0] + 2.0 * w * x[4];
	a[1] = cx * x[1] + w * w * x[1] - 2.0 * w * x[3];
	a[2] = cx * z - 6.0 * k * z * im5;
	*rn = r;
	return 0;
}

/* The thrusting model's thrust, aT (cos(alpha) u + sin(alpha) w), added
 * to a: w is r's part across u, normalised (track_model_thrust_frame's w
 * by a shorter road; at r parallel to v, a vertical rise, the angle has
 * no plane and only the thrust along v is left). One code for the scalar
 * and the paired RK4 (deriv2: lane by lane), so both give the same
 * doubles. */
static inline __attribute__((always_inline)) void thrust_add(const double x[TRACK_NX], double a[3])
{
	double vn = sqrt(x[3] * x[3] + x[4] * x[4] + x[5] * x[5]);
	if (vn > 1.0) {
		double u[3] = {x[3] / vn, x[4] / vn, x[5] / vn};
		double ru = x[0] * u[0] + x[1] * u[1] + x[2] * u[2];
		double w[3] = {x[0] - ru * u[0], x[1] - ru * u[1], x[2] - ru * u[2]};
		double wn = sqrt(w[0] * w[0] + w[1] * w[1] + w[2] * w[2]);
		double at = x[TRACK_IX_AT], ca = at * cos(x[TRACK_IX_ALPHA]);
		double sw = wn > 0.0 ? at * sin(x[TRACK_IX_ALPHA]) / wn : 0.0;
		for (int i = 0; i < 3; i++)
			a[i] += ca * u[i] + sw * w[i];
	}
}

/* The thrust's growth daT/dt (model.h). */
static inline double thrust_growth(double at)
{
	return at > 0.0 && at < TRACK_THRUST_GROWTH_MAX_M_S2 ? at * at / TRACK_THRUST_VE_M_S : 0.0;
}

/* track_model_accel, inlined into the RK4 stages (deriv); |r| (accel_grav's)
 * to *rn_out. */
static inline __attribute__((always_inline)) int accel_rn(const double x[TRACK_NX], int thrust,
                                                          double a[3], double *rn_out)
{
	double rn;
	int rc = accel_grav(x, a, &rn);
	if (rc < 0)
		return rc;
	*rn_out = rn;
	/* Drag only in the non-thrusting model and for k > 0 (model.h, "a
	 * negative k has no drag"). */
	if (!thrust && rn - GEO_WGS84_B_M < TRACK_DRAG_CEILING_M && x[6] > 0.0) {
		double h = track_model_height_m(x);
		double rho = h < -4000.0 ? geo_air_density(-4000.0) : geo_air_density(h);
		double vn = sqrt(x[3] * x[3] + x[4] * x[4] + x[5] * x[5]);
		double k = -0.5 * rho * x[6] * TRACK_THETA_UNIT * vn;
		a[0] += k * x[3];
		a[1] += k * x[4];
		a[2] += k * x[5];
	}
	if (thrust)
		thrust_add(x, a);
	if (!all_finite3(a))
		return -EDOM;
	return 0;
}

static inline __attribute__((always_inline)) int accel(const double x[TRACK_NX], int thrust,
                                                       double a[3])
{
	double rn;
	return accel_rn(x, thrust, a, &rn);
}

int track_model_accel(const double x[TRACK_NX], int thrust, double a[3])
{
	return accel(x, thrust, a);
}

/* The RK4 step at a state whose |r| = sqrt(x^2 + y^2 + z^2) is rn
 * (step_for; the RK4 loops read rn from their first stage). */
static double step_for_rn(double rn)
{
	double h = rn - GEO_WGS84_A_M; /* <= geodetic height: conservative */
	if (h > 300e3)
		return 10.0;
	if (h > 80e3)
		return 2.0;
	return 0.5;
}

static double step_for(const double x[TRACK_NX])
{
	return step_for_rn(sqrt(x[0] * x[0] + x[1] * x[1] + x[2] * x[2]));
}

/* Inlined into its two RK4 loops (one call site each): the call itself
 * was ~15% of its cost. */
static inline __attribute__((always_inline)) int deriv_rn(const double x[TRACK_NX], int thrust,
                                                          double d[TRACK_NX], double *rn)
{
	double a[3];
	int rc = accel_rn(x, thrust, a, rn);
	if (rc < 0)
		return rc;
	d[0] = x[3];
	d[1] = x[4];
	d[2] = x[5];
	d[3] = a[0];
	d[4] = a[1];
	d[5] = a[2];
	d[6] = 0.0;
	d[7] = thrust ? thrust_growth(x[TRACK_IX_AT]) : 0.0;
	return 0;
}

static inline __attribute__((always_inline)) int deriv(const double x[TRACK_NX], int thrust,
                                                       double d[TRACK_NX])
{
	double rn;
	return deriv_rn(x, thrust, d, &rn);
}

int track_model_propagate(const double x[TRACK_NX], double dt_s, int thrust, double out[TRACK_NX])
{
	double y[TRACK_NX], k1[TRACK_NX], k2[TRACK_NX], k3[TRACK_NX], k4[TRACK_NX], t[TRACK_NX];
	if (!isfinite(dt_s))
		return -EINVAL;
	memcpy(y, x, sizeof(y));
	double rem = fabs(dt_s), sgn = dt_s < 0 ? -1.0 : 1.0;
	int guard = 0;
	while (rem > 0.0) {
		double h = step_for(y);
		if (h > rem)
			h = rem;
		/* Avoid a sliver of a last step. */
		if (rem - h < 1e-6)
			h = rem;
		double hs = h * sgn;
		/* The four stages in one loop (deriv inlined once): t = y +
		 * 0.5 h k1, y + 0.5 h k2, y + h k3 - the same operations as
		 * written out; the first stage reads y itself. */
		double *ks[4] = {k1, k2, k3, k4};
		for (int st = 0; st < 4; st++) {
			if (st) {
				const double c = st == 3 ? hs : 0.5 * hs;
				for (int i = 0; i < TRACK_NX; i++)
					t[i] = y[i] + c * ks[st - 1][i];
			}
			int rc = deriv(st ? t : y, thrust, ks[st]);
			if (rc < 0)
				return rc;
		}
		for (int i = 0; i < TRACK_NX; i++)
			y[i] += hs / 6.0 * (k1[i] + 2.0 * k2[i] + 2.0 * k3[i] + k4[i]);
		rem -= h;
		if (++guard > 10000000)
			return -EDOM;
	}
	if (!all_finite8(y))
		return -EDOM;
	memcpy(out, y, sizeof(y));
	return 0;
}

/*
 * Two states through the RK4 of track_model_propagate at once, each in
 * one lane of an SSE2 register (track/v2d.h: the same IEEE operations
 * per lane, so each lane's doubles are the scalar code's). The
 * expressions are accel_grav's, step_for's and the RK4's, written for
 * track_v2d (a scalar operand is broadcast); the drag term (density
 * tables) of the non-thrusting model and the thrusting model's thrust
 * and growth are computed lane by lane with accel's own scalar code
 * (thrust_add, thrust_growth). Only the same steps are paired; different steps,
 * or a lane the scalar code would fail (its checks are evaluated per
 * lane the same way), return 1 with the outputs untouched and the
 * caller propagates the two one at a time, which gives the same
 * result and the same error. Unit test
 * propagate_pair_matches_one_at_a_time_bit_for_bit.
 */
typedef track_v2d v2x[TRACK_NX];

/* accel_grav + accel's drag or thrust term for both lanes; 0, or 1 if a
 * lane leaves the paired case (above). */
static inline __attribute__((always_inline)) int deriv2(const v2x x, int thrust, v2x d,
                                                        track_v2d *rn)
{
	const double mu = GEO_GM_M3_S2;
	const double k = 0.5 * mu * GEO_J2 * GEO_WGS84_A_M * GEO_WGS84_A_M;
	const double w = GEO_OMEGA_E_RAD_S;
	track_v2d r2 = x[0] * x[0] + x[1] * x[1] + x[2] * x[2];
	track_v2d vf = (x[3] - x[3]) + (x[4] - x[4]) + (x[5] - x[5]);
	for (int l = 0; l < 2; l++)
		if (!(r2[l] >= 1.0 && r2[l] < INFINITY) || !(vf[l] == 0.0))
			return 1;
	track_v2d r = track_v2_sqrt(r2), ir2 = 1.0 / r2, ir = r * ir2;
	track_v2d im3 = ir * ir2, im5 = im3 * ir2, im7 = im5 * ir2, z = x[2];
	track_v2d cx = -mu * im3 - 3.0 * k * im5 + 15.0 * k * z * z * im7;
	track_v2d a[3];
	*rn = r;
	a[0] = cx * x[0] + w * w * x[0] + 2.0 * w * x[4];
	a[1] = cx * x[1] + w * w * x[1] - 2.0 * w * x[3];
	a[2] = cx * z - 6.0 * k * z * im5;
	/* accel's drag term, lane by lane (scalar: the same code on the
	 * lane's doubles; a lane without drag - above the ceiling or k <= 0 -
	 * is left as it is) */
	for (int l = 0; l < 2 && !thrust; l++)
		if (r[l] - GEO_WGS84_B_M < TRACK_DRAG_CEILING_M && x[6][l] > 0.0) {
			double xl[TRACK_NX];
			for (int i = 0; i < TRACK_NX; i++)
				xl[i] = x[i][l];
			double h = track_model_height_m(xl);
			double rho = h < -4000.0 ? geo_air_density(-4000.0) : geo_air_density(h);
			double vn = sqrt(xl[3] * xl[3] + xl[4] * xl[4] + xl[5] * xl[5]);
			double kd = -0.5 * rho * xl[6] * TRACK_THETA_UNIT * vn;
			for (int i = 0; i < 3; i++)
				a[i][l] += kd * xl[3 + i];
		}
	double g7[2] = {0.0, 0.0};
	for (int l = 0; l < 2 && thrust; l++) { /* thrust_add, lane by lane */
		double xl[TRACK_NX], al[3] = {a[0][l], a[1][l], a[2][l]};
		for (int i = 0; i < TRACK_NX; i++)
			xl[i] = x[i][l];
		thrust_add(xl, al);
		for (int i = 0; i < 3; i++)
			a[i][l] = al[i];
		g7[l] = thrust_growth(xl[TRACK_IX_AT]);
	}
	track_v2d af = (a[0] - a[0]) + (a[1] - a[1]) + (a[2] - a[2]);
	if (!(af[0] == 0.0 && af[1] == 0.0))
		return 1;
	d[0] = x[3];
	d[1] = x[4];
	d[2] = x[5];
	d[3] = a[0];
	d[4] = a[1];
	d[5] = a[2];
	d[6] = track_v2_dup(0.0);
	d[7] = track_v2_load(g7);
	return 0;
}

int track_model_propagate_pair(const double xa[TRACK_NX], const double xb[TRACK_NX], double dt_s,
                               int thrust, double outa[TRACK_NX], double outb[TRACK_NX])
{
	v2x y, k1, k2, k3, k4, t;
	if (!isfinite(dt_s))
		return 1;
	for (int i = 0; i < TRACK_NX; i++)
		y[i] = track_v2_set(xa[i], xb[i]);
	double rem = fabs(dt_s), sgn = dt_s < 0 ? -1.0 : 1.0;
	int guard = 0;
	while (rem > 0.0) {
		/* The first stage before the step: each lane's step as
		 * track_model_propagate takes it, from the lane's |r| (deriv2's
		 * sqrt(x^2 + y^2 + z^2), step_for's expression), a different
		 * step_for being the same step where both are clamped to what
		 * remains; either way out returns 1 with the outputs
		 * untouched. */
		track_v2d r1;
		if (deriv2(y, thrust, k1, &r1))
			return 1;
		double h = step_for_rn(r1[0]), hb = step_for_rn(r1[1]);
		if (h > rem)
			h = rem;
		if (rem - h < 1e-6)
			h = rem;
		if (hb > rem)
			hb = rem;
		if (rem - hb < 1e-6)
			hb = rem;
		if (hb != h)
			return 1;
		double hs = h * sgn;
		track_v2d rt;
		for (int i = 0; i < TRACK_NX; i++)
			t[i] = y[i] + 0.5 * hs * k1[i];
		if (deriv2(t, thrust, k2, &rt))
			return 1;
		for (int i = 0; i < TRACK_NX; i++)
			t[i] = y[i] + 0.5 * hs * k2[i];
		if (deriv2(t, thrust, k3, &rt))
			return 1;
		for (int i = 0; i < TRACK_NX; i++)
			t[i] = y[i] + hs * k3[i];
		if (deriv2(t, thrust, k4, &rt))
			return 1;
		for (int i = 0; i < TRACK_NX; i++)
			y[i] += hs / 6.0 * (k1[i] + 2.0 * k2[i] + 2.0 * k3[i] + k4[i]);
		rem -= h;
		if (++guard > 10000000)
			return 1;
	}
	track_v2d yf = track_v2_dup(0.0);
	for (int i = 0; i < TRACK_NX; i++)
		yf += y[i] - y[i];
	if (!(yf[0] == 0.0 && yf[1] == 0.0))
		return 1;
	for (int i = 0; i < TRACK_NX; i++) {
		outa[i] = y[i][0];
		outb[i] = y[i][1];
	}
	return 0;
}

/* A = d f / d x at x for the non-thrusting model (only rows 3..5 are
 * non-trivial; rows 0..2 are
 * [0 I 0 0], rows 6..7 zero). Returns rows 3..5 as a 3 x TRACK_NX block.
 * vacuum: the caller has found |x_r| - b >= TRACK_DRAG_CEILING_M with the same
 * expression (stages_in_vacuum), so the drag test below is false and is
 * not made again. */
static int jac_rows(const double x[TRACK_NX], int vacuum, double A[3][TRACK_NX])
{
	double G[3][3];
	int rc = geo_gravity_j2_jacobian(x, G);
	if (rc < 0)
		return rc;
	const double w = GEO_OMEGA_E_RAD_S;
	for (int i = 0; i < 3; i++) { /* two entries per store */
		track_v2_store(&A[i][0], track_v2_load(G[i]));
		track_v2_store(&A[i][2], track_v2_set(G[i][2], 0.0));
		track_v2_store(&A[i][4], track_v2_dup(0.0));
		track_v2_store(&A[i][6], track_v2_dup(0.0));
	}
	A[0][0] += w * w;
	A[1][1] += w * w;
	A[0][4] += 2.0 * w;
	A[1][3] -= 2.0 * w;
	if (vacuum)
		return 0;
	double vn = sqrt(x[3] * x[3] + x[4] * x[4] + x[5] * x[5]);
	if (!vacuum &&
	    sqrt(x[0] * x[0] + x[1] * x[1] + x[2] * x[2]) - GEO_WGS84_B_M < TRACK_DRAG_CEILING_M &&
	    x[6] > 0.0 && vn > 0.0) {
		double rho = geo_air_density(track_model_height_m(x));
		double c = -0.5 * rho * TRACK_THETA_UNIT;
		for (int i = 0; i < 3; i++) {
			for (int j = 0; j < 3; j++)
				A[i][3 + j] +=
				    c * x[6] * ((i == j) * vn + x[3 + i] * x[3 + j] / vn);
			A[i][TRACK_IX_K] += c * vn * x[3 + i];
		}
	}
	return 0;
}

/*
 * The state-transition matrix keeps rows 6 and 7 (k, aT) equal to those
 * of the identity (dk/dt = daT/dt = 0), so only its top 6 rows (6 x 8,
 * row-major, TOP entries) are integrated. dPhi = A Phi with A of
 * jac_rows: rows 0..2 of dPhi are rows 3..5 of Phi, rows 3..5 are A Phi
 * where Phi's rows 6, 7 are unit rows.
 */
#define TOP (6 * TRACK_NX)
static void phi_deriv(double A[3][TRACK_NX], const double *Phi, double *dPhi)
{
	const int n = TRACK_NX;
	for (int i = 0; i < 3; i++)
		for (int j = 0; j < n; j++)
			dPhi[i * n + j] = Phi[(3 + i) * n + j];
	for (int i = 0; i < 3; i++)
		for (int j = 0; j < n; j++) {
			double s = 0.0;
			for (int k = 0; k < 6; k++)
				s += A[i][k] * Phi[k * n + j];
			if (j >= 6)
				s += A[i][j];
			dPhi[(3 + i) * n + j] = s;
		}
}

/*
 * One step of the variational equations with A (rows 3..5 of jac_rows)
 * held constant and no k or aT column (vacuum, no thrust): the 6 x 6
 * block S = I + hA + (hA)^2/2 + (hA)^3/6 + (hA)^4/24 - what RK4 gives
 * for a constant A; to second order for steps up to 1 s, see below - in
 * Horner form, A X costing 3 x 6 x 6 products (rows 0..2 of A X are
 * rows 3..5 of X). Then F's top rows = S F (on
 * the first step F is [I 0] and becomes [S 0]); F's columns 6, 7 stay
 * as they were mapped by S (A has no k / aT column here).
 */
/*
 * step_frozen's second-order factor M = I + hA (I + hA/2) written out
 * (ninth round, docs/tracking.md "Speed"): the same doubles as the
 * Horner loop of step_frozen, which this replaces for steps up to
 * FROZEN_ORDER2_MAX_H_S. With e = h/2, Gij = A[i][j] (j < 3: the
 * gravity gradient and the centrifugal term), c = A[0][4] = 2w, d =
 * A[1][3] = -2w (the Coriolis block; its other entries exact zeros,
 * asserted in step_frozen):
 *   M0 = I + e A         = [I, e I; e G, I + e Cor]
 *   T  = A M0, rows 0..2 = M0's rows 3..5,
 *        rows 3..5       = G M0's top rows + Cor M0's bottom rows:
 *     T[3][j] = G0j + c (e G1j),  T[3][3+j] = G0j e + c M0[4][3+j]
 *     T[4][j] = G1j + d (e G0j),  T[4][3+j] = G1j e + d M0[3][3+j]
 *     T[5][j] = G2j,              T[5][3+j] = G2j e
 *   M  = I + h T.
 * Why these are the loop's doubles: the loop's sums are ((p0 + p1) +
 * p2) + p3 with p_k = A[i][k] M0[k][j]; M0's top rows are unit rows and
 * e times unit rows, so two of p0..p2 are exact zeros (of either sign)
 * and the third is G_ij (times 1) or G_ij e; x + (+-0) = x for x != 0.
 * The loop's A x 1 and x e products are the same doubles as G_ij and
 * G_ij e here. A zero whose sign could differ (a sum of zeros only)
 * enters M only as I + h (+-0), which is the same +0 or 1 either way
 * (h and A finite), so the terms that are exact zeros are left out and
 * M's entries that are +0 whatever A is are written as 0.0; M0's own
 * entries are written with the loop's additions (0.0 + e G), so they
 * match it too. Unit test
 * stm_frozen_order2_matches_horner_bit_for_bit.
 */
static void frozen_order2(double A[3][TRACK_NX], double hs, double *M, const int ld)
{
	const double e = 0.5 * hs, c = A[0][4], d = A[1][3];
	/* M0's rows 3..5: [e G | R], R = I + e Cor (1.0 + e 0 = 1, 0.0 +
	 * e 0 = +0: the loop's doubles) */
	/* Columns 0 and 1 side by side (track/v2d.h: each lane the scalar
	 * expression's operations in its order), column 2 alone. */
	const track_v2d ve = track_v2_dup(e), vh = track_v2_dup(hs), z = track_v2_dup(0.0);
	double eg[3][3];
	for (int i = 0; i < 3; i++) {
		track_v2_store(eg[i], z + ve * track_v2_load(A[i]));
		eg[i][2] = 0.0 + e * A[i][2];
	}
	const double mc = 0.0 + e * c, md = 0.0 + e * d;
	/* M's rows 0..2: I + h M0's rows 3..5 */
	for (int i = 0; i < 3; i++) {
		track_v2_store(&M[i * ld], track_v2_set(i == 0 ? 1.0 : 0.0, i == 1 ? 1.0 : 0.0) +
		                               vh * track_v2_load(eg[i]));
		M[i * ld + 2] = (i == 2 ? 1.0 : 0.0) + hs * eg[i][2];
	}
	M[3] = M[ld + 4] = M[2 * ld + 5] = 0.0 + hs;
	M[4] = 0.0 + hs * mc;
	M[ld + 3] = 0.0 + hs * md;
	M[5] = M[ld + 5] = M[2 * ld + 3] = M[2 * ld + 4] = 0.0;
	/* M's rows 3..5: I + h T, T's rows 3..5 = A M0 as in the comment */
	{
		const track_v2d t3 = track_v2_load(A[0]) + track_v2_dup(c) * track_v2_load(eg[1]),
		                t4 = track_v2_load(A[1]) + track_v2_dup(d) * track_v2_load(eg[0]);
		track_v2_store(&M[3 * ld], z + vh * t3);
		track_v2_store(&M[4 * ld], z + vh * t4);
		track_v2_store(&M[5 * ld], z + vh * track_v2_load(A[2]));
		const int j = 2;
		M[3 * ld + j] = 0.0 + hs * (A[0][j] + c * eg[1][j]);
		M[4 * ld + j] = 0.0 + hs * (A[1][j] + d * eg[0][j]);
		M[5 * ld + j] = 0.0 + hs * A[2][j];
	}
	M[3 * ld + 3] = 1.0 + hs * (A[0][0] * e + c * md);
	M[3 * ld + 4] = 0.0 + hs * (A[0][1] * e + c);
	M[3 * ld + 5] = 0.0 + hs * (A[0][2] * e);
	M[4 * ld + 3] = 0.0 + hs * (A[1][0] * e + d);
	M[4 * ld + 4] = 1.0 + hs * (A[1][1] * e + d * mc);
	M[4 * ld + 5] = 0.0 + hs * (A[1][2] * e);
	M[5 * ld + 3] = 0.0 + hs * (A[2][0] * e);
	M[5 * ld + 4] = 0.0 + hs * (A[2][1] * e);
	M[5 * ld + 5] = 1.0 + hs * (A[2][2] * e);
}

/* step_frozen's Horner factors: 4th order for steps over
 * FROZEN_ORDER2_MAX_H_S, 2nd order (frozen_order2's reference, for
 * track_model_frozen_order2_ok) if order2. */
static void frozen_horner(double A[3][TRACK_NX], double hs, double M[36], int order2)
{
	double T[36];
	static const double c4[4] = {1.0 / 4.0, 1.0 / 3.0, 1.0 / 2.0, 1.0};
	static const double c2[2] = {1.0 / 2.0, 1.0};
	const double *c = order2 ? c2 : c4;
	const int nf = order2 ? 2 : 4;
	/* First factor: A I = [0 I; A] exactly (the products with the unit
	 * matrix add exact zeros), M = I + c0 h A. */
	for (int i = 0; i < 36; i++)
		M[i] = (i % 7 == 0) ? 1.0 : 0.0;
	for (int i = 0; i < 3; i++) {
		M[i * 6 + 3 + i] = c[0] * hs;
		for (int j = 0; j < 6; j++)
			M[(3 + i) * 6 + j] += c[0] * hs * A[i][j];
	}
	/* A's velocity block is the Coriolis term alone (asserted in
	 * step_frozen): the products with its four exact zeros the sums
	 * below leave out (adding an exact zero to a sum leaves it
	 * unchanged: the same doubles as the full 6-term sums, in the same
	 * order). */
	const track_v2d v04 = track_v2_dup(A[0][4]), v13 = track_v2_dup(A[1][3]);
	track_v2d a[3][3];
	for (int i = 0; i < 3; i++)
		for (int j = 0; j < 3; j++)
			a[i][j] = track_v2_dup(A[i][j]);
	for (int r = 1; r < nf; r++) {
		/* T = A M; M = I + c h T */
		for (int i = 0; i < 3; i++)
			for (int j = 0; j < 6; j++)
				T[i * 6 + j] = M[(3 + i) * 6 + j];
		/* Two columns at a time (track/v2d.h: the same doubles). */
		for (int j = 0; j < 6; j += 2) {
			const track_v2d m0 = track_v2_load(&M[j]), m1 = track_v2_load(&M[6 + j]),
			                m2 = track_v2_load(&M[12 + j]);
			track_v2_store(&T[18 + j], a[0][0] * m0 + a[0][1] * m1 + a[0][2] * m2 +
			                               v04 * track_v2_load(&M[24 + j]));
			track_v2_store(&T[24 + j], a[1][0] * m0 + a[1][1] * m1 + a[1][2] * m2 +
			                               v13 * track_v2_load(&M[18 + j]));
			track_v2_store(&T[30 + j], a[2][0] * m0 + a[2][1] * m1 + a[2][2] * m2);
		}
		double f = c[r] * hs;
		for (int i = 0; i < 36; i++)
			M[i] = ((i % 7 == 0) ? 1.0 : 0.0) + f * T[i];
	}
}

static void step_frozen(double A[3][TRACK_NX], double hs, double *F, int first)
{
	double M[36];
	/* Steps up to FROZEN_ORDER2_MAX_H_S: exp(hA) to second order,
	 * I + hA (I + hA/2) (docs/tracking.md "Speed", fourth round). The
	 * terms left out, (hA)^3/6 + (hA)^4/24, are led by A^3's
	 * position-velocity block G + C^2 (G the gravity gradient, |G| <=
	 * 2 mu/r^3 = 3e-6 s^-2 at the surface, C the Coriolis block,
	 * |C|^2 = 2e-8 s^-2): at most 5e-7 s in Phi_rv (whose size is h),
	 * ~1e-10 in the other blocks - against 1e-5 of the sigmas in
	 * stm_frozen_in_vacuum_matches_full_rk4. */
	/* A's velocity block here is the Coriolis term alone (jac_rows in
	 * vacuum without thrust): A[0][4] = 2w, A[1][3] = -2w, the other
	 * four entries exact zeros. */
	assert(A[0][3] == 0.0 && A[0][5] == 0.0 && A[1][4] == 0.0 && A[1][5] == 0.0 &&
	       A[2][3] == 0.0 && A[2][4] == 0.0 && A[2][5] == 0.0);
	const int n = TRACK_NX;
	if (fabs(hs) <= FROZEN_ORDER2_MAX_H_S) {
		if (first) { /* F = [M 0] written in place */
			frozen_order2(A, hs, F, n);
			for (int i = 0; i < 6; i++)
				F[i * n + 6] = F[i * n + 7] = 0.0;
			return;
		}
		frozen_order2(A, hs, M, 6);
	} else {
		frozen_horner(A, hs, M, 0);
	}
	if (first) {
		for (int i = 0; i < 6; i++) {
			for (int j = 0; j < 6; j++)
				F[i * n + j] = M[i * 6 + j];
			F[i * n + 6] = F[i * n + 7] = 0.0;
		}
		return;
	}
	double G[TOP];
	for (int i = 0; i < 6; i++)
		for (int j = 0; j < n; j++) {
			double s = 0.0;
			for (int k = 0; k < 6; k++)
				s += M[i * 6 + k] * F[k * n + j];
			G[i * n + j] = s;
		}
	memcpy(F, G, sizeof(G));
}

int track_model_frozen_order2_ok(const double A[3][TRACK_NX], double hs)
{
	double Ac[3][TRACK_NX], M[36], R[36];
	memcpy(Ac, A, sizeof(Ac));
	if (Ac[0][3] != 0.0 || Ac[0][5] != 0.0 || Ac[1][4] != 0.0 || Ac[1][5] != 0.0 ||
	    Ac[2][3] != 0.0 || Ac[2][4] != 0.0 || Ac[2][5] != 0.0 || Ac[0][6] != 0.0 ||
	    Ac[1][6] != 0.0 || Ac[2][6] != 0.0 || Ac[0][7] != 0.0 || Ac[1][7] != 0.0 ||
	    Ac[2][7] != 0.0)
		return -EINVAL;
	frozen_order2(Ac, hs, M, 6);
	frozen_horner(Ac, hs, R, 1);
	return memcmp(M, R, sizeof(M)) == 0;
}

int track_model_propagate_stm(const double x[TRACK_NX], double dt_s, int thrust,
                              double out[TRACK_NX], double *Phi)
{
	if (!thrust)
		return track_model_propagate_stm_opt(x, dt_s, 1, out, Phi);
	/* The thrusting model (model.h): central differences. Phi first,
	 * so that out is written only when both succeed. */
	double y[TRACK_NX];
	int rc = track_model_stm(x, dt_s, TRACK_NX, Phi);
	if (rc == 0)
		rc = track_model_propagate(x, dt_s, 1, y);
	if (rc < 0)
		return rc;
	memcpy(out, y, sizeof(y));
	return 0;
}

/* Is every RK4 stage point of this step above the drag ceiling (no drag
 * term in A anywhere on it)? rs: the stage points' |r| as accel_grav
 * computed them (sqrt(x^2 + y^2 + z^2), the expression this test was
 * written with: the same doubles). */
static int stages_in_vacuum(const double rs[4])
{
	for (int st = 0; st < 4; st++)
		if (!(rs[st] - GEO_WGS84_B_M >= TRACK_DRAG_CEILING_M))
			return 0;
	return 1;
}

int track_model_propagate_stm_opt(const double x[TRACK_NX], double dt_s, int frozen_vacuum,
                                  double out[TRACK_NX], double *Phi)
{
	double y[TRACK_NX], Fl[TOP];
	double k[4][TRACK_NX], kp[4][TOP], ts[4][TRACK_NX], tp[TOP], A[3][TRACK_NX], rs[4];
	if (!isfinite(dt_s))
		return -EINVAL;
	memcpy(y, x, sizeof(y));
	double rem = fabs(dt_s), sgn = dt_s < 0 ? -1.0 : 1.0;
	int first = 1, direct = 0;
	while (rem > 0.0) {
		/* The state's RK4 stages first (the same operations as before:
		 * the state does not depend on Phi). Stage 0 (y itself; + 0.0
		 * changes at most a zero's sign) before the step size, which
		 * reads its |r|: step_for(y)'s, the same squares and sum. */
		for (int i = 0; i < TRACK_NX; i++)
			ts[0][i] = y[i] + 0.0;
		int rc = deriv_rn(ts[0], 0, k[0], &rs[0]);
		if (rc < 0)
			return rc;
		double h = step_for_rn(rs[0]);
		if (h > rem || rem - h < 1e-6)
			h = rem;
		double hs = h * sgn;
		for (int st = 1; st < 4; st++) {
			const double ch = (st == 3 ? 1.0 : 0.5) * hs;
			for (int i = 0; i < TRACK_NX; i++)
				ts[st][i] = y[i] + ch * k[st - 1][i];
			rc = deriv_rn(ts[st], 0, k[st], &rs[st]);
			if (rc < 0)
				return rc;
		}
		for (int i = 0; i < TRACK_NX; i++)
			y[i] += hs / 6.0 * (k[0][i] + 2.0 * k[1][i] + 2.0 * k[2][i] + k[3][i]);
		/* Variational equations. Without drag (every stage
		 * above TRACK_DRAG_CEILING_M), A is gravity + rotation only and varies
		 * along the step by |dG/dt| h ~ 3 (v/r) |G| h ~ 5e-9 s^-2 per
		 * second: A is frozen at the midpoint (stage 2's state), a
		 * second-order Magnus step whose error (h^3/12 |[A', A]| ~ 4e-10
		 * at h = 1 s, ~4e-7 at the 10 s step) is far below the process
		 * noise; unit test stm_frozen_in_vacuum_matches_full_rk4. With
		 * A constant, RK4 is the 4th-order Taylor series of exp(hA):
		 * step_frozen (second order for steps up to 1 s, where the
		 * rest is below 5e-7 relative). */
		if (frozen_vacuum && stages_in_vacuum(rs)) {
			/* A whole interval in one frozen step (a scan's
			 * prediction): the step's matrix goes straight into Phi
			 * once nothing can fail any more (invariant 2: the state
			 * is checked first; jac_rows at a stage point whose
			 * acceleration was defined cannot fail). */
			direct = first && h == rem;
			if (direct && !all_finite8(y))
				return -EDOM;
			rc = jac_rows(ts[1], 1, A);
			if (rc < 0)
				return rc;
			step_frozen(A, hs, direct ? Phi : Fl, first);
		} else {
			if (first) {
				memset(Fl, 0, sizeof(Fl));
				for (int i = 0; i < 6; i++)
					Fl[i * TRACK_NX + i] = 1.0;
			}
			for (int st = 0; st < 4; st++) {
				double c = st == 0 ? 0.0 : (st == 3 ? 1.0 : 0.5);
				for (int i = 0; i < TOP; i++)
					tp[i] = Fl[i] + (st ? c * hs * kp[st - 1][i] : 0.0);
				rc = jac_rows(ts[st], 0, A);
				if (rc < 0)
					return rc;
				phi_deriv(A, tp, kp[st]);
			}
			for (int i = 0; i < TOP; i++)
				Fl[i] += hs / 6.0 *
				         (kp[0][i] + 2.0 * kp[1][i] + 2.0 * kp[2][i] + kp[3][i]);
		}
		first = 0;
		rem -= h;
	}
	if (!direct) {
		if (!all_finite8(y))
			return -EDOM;
		memcpy(Phi, Fl, sizeof(Fl));
	}
	memcpy(out, y, sizeof(y));
	memset(Phi + TOP, 0, sizeof(double) * 2 * TRACK_NX);
	Phi[6 * TRACK_NX + 6] = Phi[7 * TRACK_NX + 7] = 1.0;
	return 0;
}

double track_model_q_k(const double x[TRACK_NX], const struct track_motion *mo)
{
	double rn = sqrt(x[0] * x[0] + x[1] * x[1] + x[2] * x[2]);
	if (!(rn - GEO_WGS84_B_M < TRACK_DRAG_CEILING_M))
		return 0.0;
	double h = track_model_height_m(x);
	double rho = h < -4000.0 ? geo_air_density(-4000.0) : geo_air_density(h);
	double s = rho / TRACK_RHO0_KG_M3;
	return mo->q_k * (s < 1.0 ? s : 1.0);
}

int track_model_thrust_frame(const double x[TRACK_NX], double u[3], double w[3], double h[3])
{
	const double *r = x, *v = x + 3;
	double vn = sqrt(v[0] * v[0] + v[1] * v[1] + v[2] * v[2]);
	if (!(vn > 1.0))
		return -EDOM;
	for (int i = 0; i < 3; i++)
		u[i] = v[i] / vn;
	/* h = r x u / |r x u|; w = u x h points away from the Earth's
	 * centre (r . w = |r x u| > 0; it was h x u, towards it, until the
	 * thrust's angle made the sign matter: every use before read w w^T
	 * or its own projections). */
	double c[3] = {r[1] * u[2] - r[2] * u[1], r[2] * u[0] - r[0] * u[2],
	               r[0] * u[1] - r[1] * u[0]};
	double cn = sqrt(c[0] * c[0] + c[1] * c[1] + c[2] * c[2]);
	if (!(cn > 1e-6 * sqrt(r[0] * r[0] + r[1] * r[1] + r[2] * r[2])))
		return -EDOM;
	for (int i = 0; i < 3; i++)
		h[i] = c[i] / cn;
	w[0] = u[1] * h[2] - u[2] * h[1];
	w[1] = u[2] * h[0] - u[0] * h[2];
	w[2] = u[0] * h[1] - u[1] * h[0];
	return 0;
}

/* D = sp^2 w w^T + so^2 h h^T: the thrust direction error's covariance
 * per unit thrust (across v), or sd^2 (I - u u^T) with sd the larger of
 * the two when the frame is undefined (vertical flight). */
static void dir_cov(const double x[TRACK_NX], double sp, double so, double D[3][3])
{
	double u[3], w[3], h[3];
	if (track_model_thrust_frame(x, u, w, h) == 0) {
		/* D[i][0], D[i][1] side by side (track/v2d.h: each lane the
		 * scalar expression's operations in its order), D[i][2] alone */
		const track_v2d w01 = track_v2_load(w), h01 = track_v2_load(h);
		for (int i = 0; i < 3; i++) {
			const double a = sp * sp * w[i], b = so * so * h[i];
			track_v2_store(D[i], track_v2_dup(a) * w01 + track_v2_dup(b) * h01);
			D[i][2] = a * w[2] + b * h[2];
		}
		return;
	}
	const double *v = x + 3;
	double vn = sqrt(v[0] * v[0] + v[1] * v[1] + v[2] * v[2]);
	for (int i = 0; i < 3; i++)
		for (int j = 0; j < 3; j++)
			D[i][j] = vn > 0.0 ? sp * sp * ((i == j) - v[i] * v[j] / (vn * vn))
			                   : sp * sp * (i == j);
}

void track_model_thrust_dir_cov(const double x[TRACK_NX], double sp, double so, double D[3][3])
{
	dir_cov(x, sp, so, D);
}

/*
 * The thrusting model's stated thrust-direction error (model.h, "boost
 * model error"), added to P over dt for the state x at the start of the
 * interval: white acceleration across v of density a^2 D T, D of
 * dir_cov, a = max(aT, 0) the estimate's thrust; the pitch and yaw
 * sigmas are mo's where set (> 0), else model.h's.
 */
static void add_q_thrust(double *P, double dt, const double x[TRACK_NX],
                         const struct track_motion *mo)
{
	const int n = TRACK_NX;
	double at = x[TRACK_IX_AT] > 0.0 ? x[TRACK_IX_AT] : 0.0;
	double a2 = at * at;
	if (!(a2 > 0.0) || !isfinite(a2))
		return;
	double D[3][3];
	double sp, so;
	track_motion_dir_sigmas(mo, &sp, &so);
	dir_cov(x, sp, so, D);
	double q = a2 * TRACK_THRUST_NOISE_T_S;
	double qrr = q * dt * dt * dt / 3.0, qrv = q * dt * dt / 2.0, qvv = q * dt;
	/* entries (., 0) and (., 1) of each block side by side (track/v2d.h:
	 * the same operations per lane), (., 2) alone */
	const track_v2d vrr = track_v2_dup(qrr), vrv = track_v2_dup(qrv), vvv = track_v2_dup(qvv);
	for (int i = 0; i < 3; i++) {
		double *p0 = &P[i * n], *p3 = &P[(3 + i) * n];
		const track_v2d d = track_v2_load(D[i]);
		track_v2_store(p0, track_v2_load(p0) + vrr * d);
		track_v2_store(p0 + 3, track_v2_load(p0 + 3) + vrv * d);
		track_v2_store(p3, track_v2_load(p3) + vrv * d);
		track_v2_store(p3 + 3, track_v2_load(p3 + 3) + vvv * d);
		p0[2] += qrr * D[i][2];
		p0[5] += qrv * D[i][2];
		p3[2] += qrv * D[i][2];
		p3[5] += qvv * D[i][2];
	}
}

/*
 * sigma_g of TRACK_GRAV_ERR_EGM96 (m/s^2, per axis) at heights over the
 * equatorial radius: sqrt(sum_n (GM/r^2)^2 (R/r)^(2n) (n+1)(2n+1) c_n / 3)
 * with c_n from the EGM96 coefficients for n = 2 (C21, S21, C22, S22),
 * 3 and 4, and Kaula's (2n+1)(1e-5/n^2)^2 for n = 5..3000 (computed
 * offline; log-linear interpolation between the nodes). The low degrees
 * dominate above ~500 km (n <= 4 is 78% of it at 500 km, 97% at 3,000 km);
 * near the ground the short wavelengths add up (n <= 4 is 39% at 0 km).
 */
static const double grav_h_m[] = {0,      25e3,   50e3,   100e3,  150e3,  200e3,
                                  300e3,  400e3,  600e3,  800e3,  1000e3, 1500e3,
                                  2000e3, 3000e3, 4000e3, 6000e3, 10000e3};
static const double grav_sig[] = {3.234e-4, 2.351e-4, 2.131e-4, 1.877e-4, 1.707e-4, 1.575e-4,
                                  1.374e-4, 1.221e-4, 9.935e-5, 8.285e-5, 7.021e-5, 4.860e-5,
                                  3.517e-5, 2.009e-5, 1.243e-5, 5.568e-6, 1.641e-6};
#define GRAV_NODES (sizeof(grav_h_m) / sizeof(grav_h_m[0]))

/* EGM96 normalised zonal coefficients (TR8350.2's EGM96) for J3, J4. */
#define EGM96_C30 0.957254173792e-6
#define EGM96_C40 0.539873863789e-6

double track_model_grav_sigma(const double r[3], int grav_err)
{
	double rn = sqrt(r[0] * r[0] + r[1] * r[1] + r[2] * r[2]);
	if (!(rn > 1.0) || !isfinite(rn))
		return 0.0;
	const double R = GEO_WGS84_A_M;
	if (grav_err == TRACK_GRAV_ERR_J3J4) {
		/* n = 3, 4 zonal only: (n+1)(2n+1) = 28, 45. */
		double g = GEO_GM_M3_S2 / (rn * rn), q = R / rn, q2 = q * q, q6 = q2 * q2 * q2;
		double s =
		    28.0 * q6 * EGM96_C30 * EGM96_C30 + 45.0 * q6 * q2 * EGM96_C40 * EGM96_C40;
		return g * sqrt(s / 3.0);
	}
	if (grav_err != TRACK_GRAV_ERR_EGM96)
		return 0.0;
	double h = rn - R;
	if (h <= grav_h_m[0])
		return grav_sig[0];
	for (size_t i = 1; i < GRAV_NODES; i++)
		if (h <= grav_h_m[i]) {
			double f = (h - grav_h_m[i - 1]) / (grav_h_m[i] - grav_h_m[i - 1]);
			return grav_sig[i - 1] * pow(grav_sig[i] / grav_sig[i - 1], f);
		}
	/* Beyond the table the lowest degree left (2) falls as (R/r)^4. */
	double rl = R + grav_h_m[GRAV_NODES - 1], q = rl / rn;
	return grav_sig[GRAV_NODES - 1] * q * q * q * q;
}

void track_model_gm_q(double sigma, double tau_s, double dt_s, double q[3])
{
	double dt = fabs(dt_s), s2 = sigma * sigma;
	if (!(s2 > 0.0) || !(tau_s > 0.0) || !(dt > 0.0)) {
		q[0] = q[1] = q[2] = 0.0;
		return;
	}
	double x = dt / tau_s, fv, fr;
	if (x < 0.05) {
		/* Series (the closed forms cancel to x^2 and x^4). */
		fv = x * x *
		     (1.0 - x / 3.0 + x * x / 12.0 - x * x * x / 60.0 + x * x * x * x / 360.0);
		fr = x * x * x * x *
		     (0.25 - x / 15.0 + x * x / 72.0 - x * x * x / 420.0 + x * x * x * x / 2880.0);
	} else {
		double e = exp(-x);
		fv = 2.0 * (x - 1.0 + e);
		fr = 2.0 * x * x * x / 3.0 - x * x - 2.0 * x * e + 2.0 - 2.0 * e;
	}
	double t2 = tau_s * tau_s;
	q[2] = s2 * t2 * fv;      /* var(dv) */
	q[1] = 0.5 * dt * q[2];   /* cov(dr, dv) = dt/2 var(dv) (the kernel's symmetry) */
	q[0] = s2 * t2 * t2 * fr; /* var(dr) */
}

/* sigma_g along the interval: at the start for short intervals; for a
 * long one the mean over the mean path, propagated in chunks of at most
 * GRAV_PATH_CHUNK_S (trapezoid over the chunk ends; the start's value
 * if the propagation fails). */
#define GRAV_PATH_MIN_S   30.0
#define GRAV_PATH_CHUNK_S 120.0
#define GRAV_PATH_MAX_N   32
static double grav_sigma_path(const double x[TRACK_NX], double dt_s, const struct track_motion *mo)
{
	double s0 = track_model_grav_sigma(x, mo->grav_err);
	double adt = fabs(dt_s);
	if (!(s0 > 0.0) || !(adt > GRAV_PATH_MIN_S))
		return s0;
	int n = (int)ceil(adt / GRAV_PATH_CHUNK_S);
	if (n > GRAV_PATH_MAX_N)
		n = GRAV_PATH_MAX_N;
	double h = dt_s / n, y[TRACK_NX], sum = 0.5 * s0;
	memcpy(y, x, sizeof(y));
	for (int i = 1; i <= n; i++) {
		if (track_model_propagate(y, h, mo->thrust, y) < 0)
			return s0;
		double si = track_model_grav_sigma(y, mo->grav_err);
		sum += i == n ? 0.5 * si : si;
	}
	return sum / n;
}

double track_model_grav_sigma_interval(const double x[TRACK_NX], double dt_s,
                                       const struct track_motion *mo)
{
	if (mo->grav_err == TRACK_GRAV_ERR_NONE || !(fabs(dt_s) > 0.0))
		return 0.0;
	return grav_sigma_path(x, dt_s, mo);
}

void track_model_add_q(double *P, double dt_s, const struct track_motion *mo,
                       const double x[TRACK_NX])
{
	track_model_add_q_sigma(P, dt_s, mo, x, track_model_grav_sigma_interval(x, dt_s, mo));
}

void track_model_add_q_sigma(double *P, double dt_s, const struct track_motion *mo,
                             const double x[TRACK_NX], double sigma_g)
{
	double dt = fabs(dt_s);
	double qrr = mo->q_acc_m2_s3 * dt * dt * dt / 3.0;
	double qrv = mo->q_acc_m2_s3 * dt * dt / 2.0;
	double qvv = mo->q_acc_m2_s3 * dt;
	if (mo->grav_err != TRACK_GRAV_ERR_NONE && dt > 0.0) {
		double g[3];
		track_model_gm_q(sigma_g, TRACK_GRAV_TAU_S, dt, g);
		qrr += g[0];
		qrv += g[1];
		qvv += g[2];
	}
	for (int k = 0; k < 3; k++) {
		P[k * TRACK_NX + k] += qrr;
		P[k * TRACK_NX + k + 3] += qrv;
		P[(k + 3) * TRACK_NX + k] += qrv;
		P[(k + 3) * TRACK_NX + k + 3] += qvv;
	}
	/* x6: alpha's walk in the thrusting model, k's in the other */
	P[TRACK_IX_K * TRACK_NX + TRACK_IX_K] +=
	    (mo->thrust ? mo->q_alpha_rad2_s : track_model_q_k(x, mo)) * dt;
	P[TRACK_IX_AT * TRACK_NX + TRACK_IX_AT] += mo->q_at_m2_s5 * dt;
	if (mo->thrust)
		add_q_thrust(P, dt, x, mo);
}

int track_model_stm(const double x[TRACK_NX], double dt_s, int n, double *Phi)
{
	static const double step[TRACK_NX] = {1.0, 1.0, 1.0, 1e-3, 1e-3, 1e-3, 1e-3, 1e-3};
	if (n != 6 && n != 7 && n != TRACK_NX)
		return -EINVAL;
	const int thrust = n == TRACK_NX; /* the thrusting model, alpha's and aT's columns too */
	double col[TRACK_NX][TRACK_NX];
	for (int j = 0; j < n; j++) {
		double xp[TRACK_NX], xm[TRACK_NX], yp[TRACK_NX], ym[TRACK_NX];
		memcpy(xp, x, sizeof(xp));
		memcpy(xm, x, sizeof(xm));
		xp[j] += step[j];
		xm[j] -= step[j];
		int rc = track_model_propagate(xp, dt_s, thrust, yp);
		if (rc == 0)
			rc = track_model_propagate(xm, dt_s, thrust, ym);
		if (rc < 0)
			return rc;
		for (int i = 0; i < n; i++)
			col[j][i] = (yp[i] - ym[i]) / (2.0 * step[j]);
	}
	for (int i = 0; i < n; i++)
		for (int j = 0; j < n; j++)
			Phi[i * n + j] = col[j][i];
	return 0;
}
