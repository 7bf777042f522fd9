/*
 * sim/flight.c - 3-DOF flight of a ballistic missile over the rotating
 * WGS84 Earth, the missile classes, and the (apogee, range) solver.
 *
 * Model. A point mass in the Earth-fixed (ECEF) frame:
 *
 *   r'' = g(r) [mu + J2, geo_gravity_j2]
 *         + Omega^2 (x, y, 0)              centrifugal   } rotating Earth
 *         + 2 Omega (v_y, -v_x, 0)         Coriolis      }
 *         + T(t)/m(t) u(t)                 thrust, while boosting
 *         - rho(h) |v| v / (2 beta)        drag (beta = m / (Cd A))
 *
 * The air co-rotates with the Earth, so the airspeed is the ECEF velocity.
 * rho is the US 1976 standard atmosphere (geo_air_density) at the
 * geodetic height; above 300 km it is taken as zero (there rho < 2e-11
 * kg/m^3 and drag is below 1e-8 of gravity for any class here).
 *
 * Boost. Stages burn one after another at constant mass flow
 * mdot = prop/burn, thrust = mdot * Isp * g0 (vacuum Isp throughout:
 * illustrative, see the classes). A stage's dry mass drops when it burns
 * out. The thrust points straight up (geocentric) for vertical_s, then in
 * a fixed plane through the Earth's centre (set by the launch heading) at
 * an elevation above the local horizontal that falls from 90 deg to
 * pitch_final at cut-off as pitch_final + (90 deg - pitch_final) (1 - s)^2,
 * s the fraction of the time from the vertical rise's end to cut-off
 * (fastest at first; this comment said "linearly" until session 25, the
 * code has been quadratic since the solver's commit). Cut-off comes at
 * burn_frac of the total burn time (energy management; stages not yet lit
 * are never lit). After cut-off the re-entry vehicle coasts with
 * ballistic coefficient beta.
 *
 * Integration. Dormand-Prince 5(4) (Dormand & Prince 1980; Hairer,
 * Norsett & Wanner, Solving ODEs I, sec. II.5) with local error control
 * err = rms_i(e_i / (atol_i + rtol max(|y0_i|, |y1_i|))) <= 1, step factor
 * 0.9 err^(-1/5) clamped to [0.2, 5]. The flight is cut into segments at
 * every discontinuity of the force (end of vertical rise, staging,
 * cut-off), and no step crosses a segment boundary, so the 5th order is
 * kept everywhere. Every accepted step stores a node (t, r, v, a); the
 * state between nodes is a cubic Hermite interpolant of position (from r,
 * v) and of velocity (from v, a), the dense output used by the sensors.
 * Steps are at most 5 s (max_step_s) so that the interpolant follows the
 * dynamics: its error grows as h^4, and with 60 s steps over a lofted
 * ICBM's coast it was 0.2 m and 1 mm/s, oscillating with the steps'
 * period, an acceleration error of ~1e-4 m/s^2 that the tracker's coast
 * covariance saw as an ANEES swinging bin to bin; at 5 s it is 0.1 mm,
 * 1 um/s, 1.3e-6 m/s^2 (the central difference's own floor).
 * Stated error (measured; tests/unit/test_sim.c holds the limits in
 * brackets): with the run tolerances, a vacuum ballistic flight of 400 to
 * 9,000 km matches the Kepler closed form to 0.1 ms in flight time and
 * 0.2 m in range and apogee [1 ms, 1 m]; the dense output of a whole IRBM
 * flight stays within 0.12 m of an integration with 100x tighter
 * tolerances and steps <= 2 s [1 m].
 *
 * Events. Impact: the geodetic height falls below 0 on the way down; the
 * crossing is found by bisection on the step's interpolant, and the step
 * is then re-taken to end exactly at impact. Apogee: where dh/dt =
 * n_geodetic . v changes sign (bisection again). Re-entry: the first time
 * after apogee below SIM_REENTRY_ALT_M.
 *
 * Solver. Given (azimuth, range R, apogee H), the unknowns are the final
 * pitch theta and the burn fraction f. For fixed theta, the range grows
 * with f; along the curve range = R the apogee grows with theta. So:
 *   1. theta_opt = argmax range(theta, f=1) (golden section) gives the
 *      class's maximum range from this site and heading: R above it is out
 *      of the envelope.
 *   2. inner: f*(theta) with range(theta, f*) = R (Illinois regula falsi
 *      on log(range / R), nearly linear in f).
 *   3. outer: theta on [theta_lo, theta_opt] or [theta_opt, theta_hi]
 *      (the pitches at which full burn just reaches R) with
 *      apogee(theta, f*(theta)) = H; H outside [apogee(theta_lo),
 *      apogee(theta_hi)] is out of the envelope.
 *   4. The heading is corrected by the difference between the requested
 *      and the achieved launch->impact azimuth (Earth rotation bends the
 *      ground track) and 1-3 are repeated, with a secant update of the
 *      heading, until within 0.05 deg (2-4 passes, at most 6). Later
 *      passes reuse the maximum-range pitch of the first.
 * The solver flies with looser tolerances (rtol 1e-7, 1 m) than the run,
 * 2-3x fewer steps; range and apogee then differ from the run's by up to
 * 1.1e-4 relative (measured for the four classes), small against the
 * solver's 0.2% goal and the 1% requirement, which the tests check on the
 * run's own flight. For a trajectory
 * shape (sim_flight_solve_loft), sim_flight_envelope first finds the
 * lowest, minimum-energy (least burn, golden section on theta) and highest
 * apogees at the range, and the shape picks an apogee between them.
 *
 * Invariants:
 *  1. Flights are pure functions of (class, site, controls, options).
 *  2. Node times are non-decreasing; equal times only at segment
 *     boundaries; the last node is the impact.
 *  3. On failure nothing is left allocated in *f.
 */
#include "sim/flight.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "sim/sim.h"

/*
 * Missile classes. ILLUSTRATIVE figures, chosen so that the rocket
 * equation and this flight model give envelopes like the publicly
 * reported ones (SRBM up to ~800 km, e.g. KN-23/Scud family; MRBM
 * ~1,000-2,000 km, Nodong; IRBM ~3,000-5,500 km, Hwasong-12, which flew
 * 4,600 km with a 970 km apogee on 4 Oct 2022; ICBM > 5,500 km, Hwasong-
 * 15/18, which flew lofted to 4,475 km (2017) and 6,648 km (2023)
 * apogee; ranges as reported by the Japanese MoD and ROK JCS). They are
 * not the parameters of any real missile.
 *
 * The re-entry vehicle's ballistic coefficient is not one value per class:
 * real RVs of a class differ, and a tracker's drag prior describes that
 * spread. Each run draws beta from a lognormal whose central 95 % is
 * [beta_lo, beta_hi] (sim.c, draw_beta); beta_kg_m2 is its median (the
 * geometric mean of the two). IRBM and ICBM: 5,000-15,000 kg/m^2, the
 * range of heavy compact RVs in an open compilation attributed to
 * Wilkening, Science & Global Security 8 (2000) 183-215 (docs/tracking.md
 * "Drag prior per threat class": secondary, not checked against the
 * paper). SRBM and MRBM: a factor of two either side of 8,000 and
 * 10,000 kg/m^2, a simulator assumption (no published range was found).
 */
static const struct sim_class classes[] = {
    {
        .name = "SRBM",
        .n_stages = 1,
        .stage = {{.prop_kg = 4200, .dry_kg = 900, .burn_s = 70, .isp_s = 255}},
        .payload_kg = 800,
        .cda_boost_m2 = 0.25,
        .beta_kg_m2 = 8000,
        .beta_lo_kg_m2 = 4000,
        .beta_hi_kg_m2 = 16000,
        .vertical_s = 4,
        .burn_frac_min = 0.35,
        .pitch_min_rad = 0.17453292519943295, /* 10 deg */
        .pitch_max_rad = 1.48352986419518,    /* 85 deg */
    },
    {
        .name = "MRBM",
        .n_stages = 1,
        .stage = {{.prop_kg = 12500, .dry_kg = 2000, .burn_s = 110, .isp_s = 265}},
        .payload_kg = 1000,
        .cda_boost_m2 = 0.45,
        .beta_kg_m2 = 10000,
        .beta_lo_kg_m2 = 5000,
        .beta_hi_kg_m2 = 20000,
        .vertical_s = 6,
        .burn_frac_min = 0.35,
        .pitch_min_rad = 0.17453292519943295,
        .pitch_max_rad = 1.48352986419518,
    },
    {
        .name = "IRBM",
        .n_stages = 1,
        .stage = {{.prop_kg = 22000, .dry_kg = 2000, .burn_s = 140, .isp_s = 315}},
        .payload_kg = 650,
        .cda_boost_m2 = 0.6,
        .beta_kg_m2 = 8660,
        .beta_lo_kg_m2 = 5000,
        .beta_hi_kg_m2 = 15000,
        .vertical_s = 8,
        .burn_frac_min = 0.35,
        .pitch_min_rad = 0.17453292519943295,
        .pitch_max_rad = 1.48352986419518,
    },
    {
        .name = "ICBM",
        .n_stages = 2,
        .stage = {{.prop_kg = 55000, .dry_kg = 5000, .burn_s = 125, .isp_s = 290},
                  {.prop_kg = 14500, .dry_kg = 1500, .burn_s = 160, .isp_s = 330}},
        .payload_kg = 1200,
        .cda_boost_m2 = 1.5,
        .beta_kg_m2 = 8660,
        .beta_lo_kg_m2 = 5000,
        .beta_hi_kg_m2 = 15000,
        .vertical_s = 10,
        .burn_frac_min = 0.3,
        .pitch_min_rad = 0.2617993877991494, /* 15 deg: keeps ranges < 18,500 km */
        .pitch_max_rad = 1.53588974175501,   /* 88 deg */
    },
};

size_t sim_class_count(void)
{
	return sizeof(classes) / sizeof(classes[0]);
}

const struct sim_class *sim_class_at(size_t i)
{
	return i < sim_class_count() ? &classes[i] : NULL;
}

const struct sim_class *sim_class_find(const char *name)
{
	if (!name)
		return NULL;
	for (size_t i = 0; i < sim_class_count(); i++)
		if (strcasecmp(name, classes[i].name) == 0)
			return &classes[i];
	return NULL;
}

void sim_flight_opts_default(struct sim_flight_opts *o)
{
	o->rotating = true;
	o->j2 = true;
	o->j3j4 = false;
	o->drag = true;
	o->rtol = 1e-10;
	o->atol_m = 1e-3;
	o->atol_m_s = 1e-6;
	/* 5 s: the cubic Hermite dense output between nodes follows the
	 * dynamics to 0.1 mm, 1 um/s over a lofted ICBM's coast; at 60 s it
	 * was off by 0.2 m, 1 mm/s with the steps' period, which the tracker
	 * saw (tests/unit/test_sim.c, lofted_coast_dense_output_...). */
	o->max_step_s = 5;
	o->max_time_s = 3 * 3600;
}

/* ---- small vector helpers ---- */

static double dot3(const double a[3], const double b[3])
{
	return a[0] * b[0] + a[1] * b[1] + a[2] * b[2];
}

static double norm3(const double a[3])
{
	return sqrt(dot3(a, a));
}

static void cross3(const double a[3], const double b[3], double c[3])
{
	double x = a[1] * b[2] - a[2] * b[1];
	double y = a[2] * b[0] - a[0] * b[2];
	double z = a[0] * b[1] - a[1] * b[0];
	c[0] = x;
	c[1] = y;
	c[2] = z;
}

static void unit3(double a[3])
{
	double n = norm3(a);
	if (n > 0) {
		a[0] /= n;
		a[1] /= n;
		a[2] /= n;
	}
}

/* ---- the equation of motion ---- */

#define DRAG_CEILING_M 300000.0

/* One piece of the flight with smooth forces. */
struct segment {
	double t0_s, t1_s;
	bool thrust;      /* boosting */
	bool vertical;    /* thrust straight up */
	double m0_kg;     /* mass at t0 */
	double mdot_kg_s; /* mass flow */
	double thrust_n;
	double cda_m2;     /* boost drag, used when thrust */
	double beta_kg_m2; /* coast drag; <= 0: none */
};

struct fctx {
	const struct sim_flight_opts *o;
	struct segment seg;
	double plane_n[3]; /* unit normal of the thrust plane */
	double pitch_t0_s; /* pitch programme: 90 deg at t0 ... */
	double pitch_t1_s; /* ... pitch_final at t1 */
	double pitch_final_rad;
	int bad; /* an evaluation failed (-EDOM) */
};

static double height_m(const double r[3])
{
	struct geo_lla lla;
	if (geo_ecef_to_lla(r, &lla) != 0)
		return -1e9;
	return lla.h_m;
}

static double density_at(const double r[3])
{
	/* cheap test first: the polar radius bounds the ellipsoid from inside */
	if (norm3(r) > GEO_WGS84_A_M + DRAG_CEILING_M)
		return 0;
	double h = height_m(r);
	if (h > DRAG_CEILING_M)
		return 0;
	return geo_air_density(h);
}

/*
 * Zonal harmonics J3, J4 (sim_flight_opts.j3j4): the gradient of the
 * degree-n zonal potential U_n = -mu J_n R^n P_n(u) / r^(n+1), u = z/r:
 *   a_i = -mu J_n R^n / r^(n+2) [ -(n+1) P_n(u) x_i / r
 *                                 + P_n'(u) (delta_iz - u x_i / r) ]
 * (the same expression with n = 2 gives geo_gravity_j2's J2 term;
 * unit test sim_zonal_j2_matches_geo_gravity). J_n = -C_n0 with the
 * unnormalised C_n0 = sqrt(2n + 1) x the normalised EGM96 coefficient
 * (NIMA TR8350.2, 3rd ed., 2000, the EGM96 coefficients it adopts:
 * C30 = 0.957254173792e-6, C40 = 0.539873863789e-6 normalised).
 */
#define SIM_J3 (-0.957254173792e-6 * 2.6457513110645907) /* sqrt(7) */
#define SIM_J4 (-0.539873863789e-6 * 3.0)                /* sqrt(9) */

void sim_gravity_zonal(int n, double jn, const double r[3], double a[3])
{
	double rn = norm3(r), u = r[2] / rn, p, dp;
	switch (n) {
	case 2:
		p = 0.5 * (3.0 * u * u - 1.0);
		dp = 3.0 * u;
		break;
	case 3:
		p = 0.5 * (5.0 * u * u * u - 3.0 * u);
		dp = 0.5 * (15.0 * u * u - 3.0);
		break;
	case 4:
		p = (35.0 * u * u * u * u - 30.0 * u * u + 3.0) / 8.0;
		dp = (140.0 * u * u * u - 60.0 * u) / 8.0;
		break;
	default:
		a[0] = a[1] = a[2] = 0.0;
		return;
	}
	double c = -GEO_GM_M3_S2 * jn * pow(GEO_WGS84_A_M / rn, n) / (rn * rn);
	for (int i = 0; i < 3; i++)
		a[i] = c * (-(n + 1) * p * r[i] / rn + dp * ((i == 2) - u * r[i] / rn));
}

/* Gravity + rotation terms. */
static int accel_free(const struct sim_flight_opts *o, const double r[3], const double v[3],
                      double a[3])
{
	if (o->j2) {
		int rc = geo_gravity_j2(r, a);
		if (rc < 0)
			return rc;
		if (o->j3j4) {
			double a3[3], a4[3];
			sim_gravity_zonal(3, SIM_J3, r, a3);
			sim_gravity_zonal(4, SIM_J4, r, a4);
			for (int i = 0; i < 3; i++)
				a[i] += a3[i] + a4[i];
		}
	} else {
		double rn = norm3(r);
		if (!(rn >= 1.0))
			return -EDOM;
		double k = -GEO_GM_M3_S2 / (rn * rn * rn);
		a[0] = k * r[0];
		a[1] = k * r[1];
		a[2] = k * r[2];
	}
	if (o->rotating) {
		const double w = GEO_OMEGA_E_RAD_S;
		a[0] += w * w * r[0] + 2 * w * v[1];
		a[1] += w * w * r[1] - 2 * w * v[0];
	}
	return 0;
}

int sim_flight_accel(const double r_m[3], const double v_m_s[3], double beta_kg_m2,
                     const struct sim_flight_opts *opts, double a_m_s2[3])
{
	double a[3];
	int rc = accel_free(opts, r_m, v_m_s, a);
	if (rc < 0)
		return rc;
	if (opts->drag && beta_kg_m2 > 0) {
		double rho = density_at(r_m);
		double vn = norm3(v_m_s);
		double k = rho * vn / (2 * beta_kg_m2);
		for (int i = 0; i < 3; i++)
			a[i] -= k * v_m_s[i];
	}
	memcpy(a_m_s2, a, sizeof(a));
	return 0;
}

static void rhs(struct fctx *cx, double t, const double y[6], double dy[6])
{
	const double *r = y, *v = y + 3;
	double a[3];
	if (accel_free(cx->o, r, v, a) < 0) {
		cx->bad = -EDOM;
		memset(dy, 0, 6 * sizeof(double));
		return;
	}
	const struct segment *sg = &cx->seg;
	double vn = norm3(v);
	if (sg->thrust) {
		double m = sg->m0_kg - sg->mdot_kg_s * (t - sg->t0_s);
		double up[3] = {r[0], r[1], r[2]};
		unit3(up);
		double u[3];
		if (sg->vertical) {
			memcpy(u, up, sizeof(u));
		} else {
			double fwd[3];
			cross3(cx->plane_n, up, fwd);
			unit3(fwd);
			double s = (t - cx->pitch_t0_s) / (cx->pitch_t1_s - cx->pitch_t0_s);
			if (s > 1)
				s = 1;
			if (s < 0)
				s = 0;
			double el = cx->pitch_final_rad +
			            (GEO_PI / 2 - cx->pitch_final_rad) * (1 - s) * (1 - s);
			for (int i = 0; i < 3; i++)
				u[i] = cos(el) * fwd[i] + sin(el) * up[i];
		}
		double acc = sg->thrust_n / m;
		double dk = 0;
		if (cx->o->drag && sg->cda_m2 > 0)
			dk = 0.5 * density_at(r) * vn * sg->cda_m2 / m;
		for (int i = 0; i < 3; i++)
			a[i] += acc * u[i] - dk * v[i];
	} else if (cx->o->drag && sg->beta_kg_m2 > 0) {
		double k = density_at(r) * vn / (2 * sg->beta_kg_m2);
		for (int i = 0; i < 3; i++)
			a[i] -= k * v[i];
	}
	dy[0] = v[0];
	dy[1] = v[1];
	dy[2] = v[2];
	dy[3] = a[0];
	dy[4] = a[1];
	dy[5] = a[2];
}

/* ---- Dormand-Prince 5(4) ---- */

static const double DP_C[7] = {0, 1.0 / 5, 3.0 / 10, 4.0 / 5, 8.0 / 9, 1, 1};
static const double DP_A[7][6] = {
    {0},
    {1.0 / 5},
    {3.0 / 40, 9.0 / 40},
    {44.0 / 45, -56.0 / 15, 32.0 / 9},
    {19372.0 / 6561, -25360.0 / 2187, 64448.0 / 6561, -212.0 / 729},
    {9017.0 / 3168, -355.0 / 33, 46732.0 / 5247, 49.0 / 176, -5103.0 / 18656},
    {35.0 / 384, 0, 500.0 / 1113, 125.0 / 192, -2187.0 / 6784, 11.0 / 84},
};
/* 5th-order weights minus 4th-order weights */
static const double DP_E[7] = {71.0 / 57600,      0,          -71.0 / 16695, 71.0 / 1920,
                               -17253.0 / 339200, 22.0 / 525, -1.0 / 40};

/* One step of size h from (t, y) with k1 = f(t, y). Fills y1, k7 = f(t+h, y1)
 * and the scaled error norm. */
static double dp_step(struct fctx *cx, double t, const double y[6], const double k1[6], double h,
                      double y1[6], double k7[6])
{
	double k[7][6];
	memcpy(k[0], k1, sizeof(k[0]));
	double yt[6];
	for (int s = 1; s < 7; s++) {
		for (int i = 0; i < 6; i++) {
			double acc = 0;
			for (int j = 0; j < s; j++)
				acc += DP_A[s][j] * k[j][i];
			yt[i] = y[i] + h * acc;
		}
		rhs(cx, t + DP_C[s] * h, yt, k[s]);
	}
	/* stage 7 is evaluated at the 5th-order solution (FSAL) */
	memcpy(y1, yt, sizeof(yt));
	memcpy(k7, k[6], sizeof(k[6]));
	const struct sim_flight_opts *o = cx->o;
	double sum = 0;
	for (int i = 0; i < 6; i++) {
		double e = 0;
		for (int j = 0; j < 7; j++)
			e += DP_E[j] * k[j][i];
		e *= h;
		double sc =
		    (i < 3 ? o->atol_m : o->atol_m_s) + o->rtol * fmax(fabs(y[i]), fabs(y1[i]));
		sum += (e / sc) * (e / sc);
	}
	return sqrt(sum / 6);
}

/* ---- dense output ---- */

static void hermite(double s, double h, const double p0[3], const double m0[3], const double p1[3],
                    const double m1[3], double out[3])
{
	double s2 = s * s, s3 = s2 * s;
	double h00 = 2 * s3 - 3 * s2 + 1, h10 = s3 - 2 * s2 + s;
	double h01 = -2 * s3 + 3 * s2, h11 = s3 - s2;
	for (int i = 0; i < 3; i++)
		out[i] = h00 * p0[i] + h10 * h * m0[i] + h01 * p1[i] + h11 * h * m1[i];
}

/* State between (t0, y0, f0) and (t1, y1, f1) at t. */
static void interp(double t0, const double y0[6], const double f0[6], double t1, const double y1[6],
                   const double f1[6], double t, double r[3], double v[3])
{
	double h = t1 - t0;
	double s = h > 0 ? (t - t0) / h : 0;
	hermite(s, h, y0, y0 + 3, y1, y1 + 3, r);
	hermite(s, h, y0 + 3, f0 + 3, y1 + 3, f1 + 3, v);
}

static int push_node(struct sim_flight *f, bool keep, double t, const double y[6],
                     const double dy[6])
{
	if (!keep)
		return 0;
	if (f->n_nodes == f->cap_nodes) {
		size_t nc = f->cap_nodes ? 2 * f->cap_nodes : 256;
		if (nc > SIZE_MAX / sizeof(struct sim_node))
			return -ENOMEM;
		struct sim_node *nn = realloc(f->nodes, nc * sizeof(*nn));
		if (!nn)
			return -ENOMEM;
		f->nodes = nn;
		f->cap_nodes = nc;
	}
	struct sim_node *n = &f->nodes[f->n_nodes++];
	n->t_s = t;
	memcpy(n->r, y, 3 * sizeof(double));
	memcpy(n->v, y + 3, 3 * sizeof(double));
	memcpy(n->a, dy + 3, 3 * sizeof(double));
	return 0;
}

/* dh/dt: geodetic normal . v */
static double hdot(const double r[3], const double v[3], double *h_out)
{
	struct geo_lla lla;
	if (geo_ecef_to_lla(r, &lla) != 0) {
		*h_out = -1e9;
		return 0;
	}
	*h_out = lla.h_m;
	double n[3] = {cos(lla.lat_rad) * cos(lla.lon_rad), cos(lla.lat_rad) * sin(lla.lon_rad),
	               sin(lla.lat_rad)};
	return dot3(n, v);
}

/* ---- the flight ---- */

struct run {
	struct fctx cx;
	struct sim_flight *f;
	bool keep;
	double t;
	double y[6], k1[6];
	double h_step;
	double hgt, hd; /* height and dh/dt at t */
	bool apogee_seen;
	bool reentry_seen;
	bool impacted;
	bool airborne; /* has been above 1 m */
};

/* Search in a step [t0, t1] for the root of g (bisection, 60 halvings max). */
enum gfn { G_HEIGHT, G_HDOT, G_HEIGHT_REENTRY };

static double gval(enum gfn g, const double r[3], const double v[3])
{
	double h;
	double hd = hdot(r, v, &h);
	switch (g) {
	case G_HEIGHT:
		return h;
	case G_HDOT:
		return hd;
	case G_HEIGHT_REENTRY:
		return h - SIM_REENTRY_ALT_M;
	}
	return 0;
}

static double find_root(enum gfn g, double t0, const double y0[6], const double f0[6], double t1,
                        const double y1[6], const double f1[6])
{
	double r[3], v[3];
	double a = t0, b = t1;
	double ga = gval(g, y0, y0 + 3);
	for (int i = 0; i < 60 && b - a > 1e-7; i++) {
		double m = 0.5 * (a + b);
		interp(t0, y0, f0, t1, y1, f1, m, r, v);
		double gm = gval(g, r, v);
		if ((gm > 0) == (ga > 0)) {
			a = m;
			ga = gm;
		} else {
			b = m;
		}
	}
	return 0.5 * (a + b);
}

static int run_segment(struct run *rn)
{
	struct fctx *cx = &rn->cx;
	const struct sim_flight_opts *o = cx->o;
	struct sim_flight *f = rn->f;
	double t1 = cx->seg.t1_s;
	rhs(cx, rn->t, rn->y, rn->k1);
	int rc = push_node(f, rn->keep, rn->t, rn->y, rn->k1);
	if (rc < 0)
		return rc;
	double h = rn->h_step;
	while (rn->t < t1 && !rn->impacted) {
		if (h > o->max_step_s)
			h = o->max_step_s;
		double hu = h;
		bool last = false;
		if (rn->t + hu >= t1 - 1e-9 * fmax(1.0, t1)) {
			hu = t1 - rn->t;
			last = true;
		}
		double y1[6], k7[6];
		double err = dp_step(cx, rn->t, rn->y, rn->k1, hu, y1, k7);
		if (cx->bad)
			return cx->bad;
		if (!(err <= 1.0)) {
			double fac = isfinite(err) ? fmax(0.2, 0.9 * pow(err, -0.2)) : 0.2;
			h = hu * fac;
			if (h < 1e-9)
				return -MW_ENOCONVERGE;
			continue;
		}
		f->n_steps++;
		double t_new = last ? t1 : rn->t + hu;
		double hgt1;
		double hd1 = hdot(y1, y1 + 3, &hgt1);
		if (hgt1 > 1.0)
			rn->airborne = true;
		/* apogee: dh/dt from + to - */
		if (rn->hd > 0 && hd1 <= 0) {
			double ta = find_root(G_HDOT, rn->t, rn->y, rn->k1, t_new, y1, k7);
			double r[3], v[3], ha;
			interp(rn->t, rn->y, rn->k1, t_new, y1, k7, ta, r, v);
			hdot(r, v, &ha);
			if (ha > f->apogee_m) {
				f->apogee_m = ha;
				f->t_apogee_s = ta;
				rn->apogee_seen = true;
			}
		}
		if (rn->apogee_seen && !rn->reentry_seen && rn->hgt >= SIM_REENTRY_ALT_M &&
		    hgt1 < SIM_REENTRY_ALT_M) {
			f->t_reentry_s =
			    find_root(G_HEIGHT_REENTRY, rn->t, rn->y, rn->k1, t_new, y1, k7);
			rn->reentry_seen = true;
		}
		if (rn->airborne && hgt1 < 0) {
			if (cx->seg.thrust)
				return -MW_EENVELOPE; /* flew into the ground while boosting */
			double ti = find_root(G_HEIGHT, rn->t, rn->y, rn->k1, t_new, y1, k7);
			if (ti > rn->t) {
				dp_step(cx, rn->t, rn->y, rn->k1, ti - rn->t, y1, k7);
				t_new = ti;
			}
			rn->impacted = true;
			f->t_impact_s = t_new;
			hd1 = hdot(y1, y1 + 3, &hgt1);
		}
		rn->t = t_new;
		memcpy(rn->y, y1, sizeof(y1));
		memcpy(rn->k1, k7, sizeof(k7));
		rn->hgt = hgt1;
		rn->hd = hd1;
		rc = push_node(f, rn->keep, rn->t, rn->y, rn->k1);
		if (rc < 0)
			return rc;
		if (!last)
			h = hu * fmin(5.0, fmax(0.2, 0.9 * pow(fmax(err, 1e-10), -0.2)));
	}
	rn->h_step = h;
	return 0;
}

static void flight_reset(struct sim_flight *f)
{
	memset(f, 0, sizeof(*f));
	f->apogee_m = -1e9;
}

/* Final bookkeeping once impacted. */
static int finish_run(struct run *rn)
{
	struct sim_flight *f = rn->f;
	if (!rn->impacted)
		return -ETIMEDOUT;
	if (!rn->apogee_seen) {
		f->apogee_m = f->launch_lla.h_m;
		f->t_apogee_s = 0;
	}
	if (!rn->reentry_seen)
		f->t_reentry_s = f->t_apogee_s;
	int rc = geo_ecef_to_lla(rn->y, &f->impact_lla);
	if (rc < 0)
		return rc;
	double az2;
	rc = geo_inverse(&f->launch_lla, &f->impact_lla, &f->range_m, &f->az_rad, &az2);
	if (rc < 0)
		return rc;
	return 0;
}

static void run_init(struct run *rn, const struct sim_flight_opts *o, struct sim_flight *f,
                     bool keep, const double r0[3], const double v0[3])
{
	memset(rn, 0, sizeof(*rn));
	rn->cx.o = o;
	rn->f = f;
	rn->keep = keep;
	memcpy(rn->y, r0, 3 * sizeof(double));
	memcpy(rn->y + 3, v0, 3 * sizeof(double));
	rn->h_step = 0.5;
	rn->hd = hdot(r0, v0, &rn->hgt);
	rn->airborne = rn->hgt > 1.0;
}

int sim_flight_fly(const struct sim_class *c, const struct geo_lla *site,
                   const struct sim_launch_ctl *ctl, const struct sim_flight_opts *opts,
                   bool keep_nodes, struct sim_flight *out)
{
	if (!c || !site || !ctl || !opts || !out || !(ctl->burn_frac > 0 && ctl->burn_frac <= 1) ||
	    c->n_stages < 1 || c->n_stages > SIM_MAX_STAGES)
		return -EINVAL;
	struct sim_flight f;
	flight_reset(&f);
	f.launch_lla = *site;
	f.beta_kg_m2 = c->beta_kg_m2;
	double r0[3], v0[3] = {0, 0, 0};
	geo_lla_to_ecef(site, r0);

	struct run rn;
	run_init(&rn, opts, &f, keep_nodes, r0, v0);
	/* thrust plane through the Earth's centre containing the heading */
	double d_enu[3] = {sin(ctl->heading_rad), cos(ctl->heading_rad), 0}, d[3];
	geo_vec_enu_to_ecef(site, d_enu, d);
	double up0[3] = {r0[0], r0[1], r0[2]};
	unit3(up0);
	cross3(up0, d, rn.cx.plane_n);
	unit3(rn.cx.plane_n);

	double t_total = 0;
	for (int i = 0; i < c->n_stages; i++)
		t_total += c->stage[i].burn_s;
	double t_cut = ctl->burn_frac * t_total;
	rn.cx.pitch_t0_s = c->vertical_s;
	rn.cx.pitch_t1_s = fmax(t_cut, c->vertical_s + 1.0);
	rn.cx.pitch_final_rad = ctl->pitch_final_rad;

	int rc = 0;
	double ts = 0; /* start of the stage */
	for (int s = 0; s < c->n_stages && ts < t_cut && rc == 0; s++) {
		const struct sim_stage *st = &c->stage[s];
		double te = fmin(ts + st->burn_s, t_cut);
		double above = c->payload_kg;
		for (int k = s + 1; k < c->n_stages; k++)
			above += c->stage[k].prop_kg + c->stage[k].dry_kg;
		double mdot = st->prop_kg / st->burn_s;
		/* split at the end of the vertical rise */
		double cuts[3] = {ts, te, te};
		int n = 1;
		if (c->vertical_s > ts && c->vertical_s < te) {
			cuts[1] = c->vertical_s;
			n = 2;
		}
		for (int k = 0; k < n && rc == 0; k++) {
			struct segment *sg = &rn.cx.seg;
			sg->t0_s = cuts[k];
			sg->t1_s = cuts[k + 1];
			sg->thrust = true;
			sg->vertical = sg->t0_s < c->vertical_s;
			sg->mdot_kg_s = mdot;
			sg->m0_kg = above + st->dry_kg + st->prop_kg - mdot * (sg->t0_s - ts);
			sg->thrust_n = mdot * st->isp_s * SIM_G0_M_S2;
			sg->cda_m2 = c->cda_boost_m2;
			sg->beta_kg_m2 = 0;
			rc = run_segment(&rn);
		}
		ts += st->burn_s;
	}
	if (rc == 0) {
		f.t_burnout_s = rn.t;
		struct segment *sg = &rn.cx.seg;
		memset(sg, 0, sizeof(*sg));
		sg->t0_s = rn.t;
		sg->t1_s = opts->max_time_s;
		sg->beta_kg_m2 = c->beta_kg_m2;
		rn.h_step = fmin(rn.h_step, 1.0);
		rc = run_segment(&rn);
	}
	if (rc == 0)
		rc = finish_run(&rn);
	if (rc < 0) {
		free(f.nodes);
		return rc;
	}
	*out = f;
	return 0;
}

int sim_flight_coast(const double r0_m[3], const double v0_m_s[3], double beta_kg_m2,
                     const struct sim_flight_opts *opts, bool keep_nodes, struct sim_flight *out)
{
	if (!r0_m || !v0_m_s || !opts || !out)
		return -EINVAL;
	struct sim_flight f;
	flight_reset(&f);
	int rc = geo_ecef_to_lla(r0_m, &f.launch_lla);
	if (rc < 0)
		return rc;
	f.beta_kg_m2 = beta_kg_m2;
	struct run rn;
	run_init(&rn, opts, &f, keep_nodes, r0_m, v0_m_s);
	rn.cx.seg.t0_s = 0;
	rn.cx.seg.t1_s = opts->max_time_s;
	rn.cx.seg.beta_kg_m2 = beta_kg_m2;
	rc = run_segment(&rn);
	if (rc == 0)
		rc = finish_run(&rn);
	if (rc < 0) {
		free(f.nodes);
		return rc;
	}
	*out = f;
	return 0;
}

void sim_flight_finish(struct sim_flight *f)
{
	if (!f)
		return;
	free(f->nodes);
	f->nodes = NULL;
	f->n_nodes = f->cap_nodes = 0;
}

int sim_flight_state(const struct sim_flight *f, double t_s, double r_m[3], double v_m_s[3])
{
	if (!f || !f->nodes || f->n_nodes == 0)
		return -EINVAL;
	const struct sim_node *nd = f->nodes;
	size_t n = f->n_nodes;
	if (!(t_s >= nd[0].t_s && t_s <= nd[n - 1].t_s))
		return -ERANGE;
	if (t_s == nd[n - 1].t_s) {
		memcpy(r_m, nd[n - 1].r, sizeof(nd[0].r));
		memcpy(v_m_s, nd[n - 1].v, sizeof(nd[0].v));
		return 0;
	}
	/* last node with t <= t_s (so at a discontinuity, the right-limit node) */
	size_t lo = 0, hi = n - 1; /* nd[lo].t <= t_s < nd[hi].t */
	while (hi - lo > 1) {
		size_t mid = lo + (hi - lo) / 2;
		if (nd[mid].t_s <= t_s)
			lo = mid;
		else
			hi = mid;
	}
	const struct sim_node *a = &nd[lo], *b = &nd[lo + 1];
	double y0[6], f0[6], y1[6], f1[6];
	memcpy(y0, a->r, 3 * sizeof(double));
	memcpy(y0 + 3, a->v, 3 * sizeof(double));
	memcpy(f0, a->v, 3 * sizeof(double));
	memcpy(f0 + 3, a->a, 3 * sizeof(double));
	memcpy(y1, b->r, 3 * sizeof(double));
	memcpy(y1 + 3, b->v, 3 * sizeof(double));
	memcpy(f1, b->v, 3 * sizeof(double));
	memcpy(f1 + 3, b->a, 3 * sizeof(double));
	interp(a->t_s, y0, f0, b->t_s, y1, f1, t_s, r_m, v_m_s);
	return 0;
}

/* ---- the solver ---- */

double sim_min_energy_apogee_m(double range_m)
{
	const double R0 = 6371000.0, mu = GEO_GM_M3_S2;
	double psi = range_m / R0;
	if (psi <= 0)
		return 0;
	if (psi > GEO_PI)
		psi = GEO_PI;
	double sh = sin(psi / 2);
	double v2 = mu / R0 * 2 * sh / (1 + sh);
	double gam = GEO_PI / 4 - psi / 4;
	double hmom = R0 * sqrt(v2) * cos(gam);
	double eps = v2 / 2 - mu / R0;
	double a = -mu / (2 * eps);
	double e = sqrt(fmax(0.0, 1 + 2 * eps * hmom * hmom / (mu * mu)));
	return a * (1 + e) - R0;
}

struct solver {
	const struct sim_class *c;
	const struct geo_lla *site;
	struct sim_flight_opts o;
	double heading;
	size_t n;
	bool have_p_opt; /* max-range pitch found (reused by later heading passes) */
	double p_opt;
};

struct shot {
	int rc;
	double range_m, apogee_m, az_rad;
};

static struct shot shoot(struct solver *sv, double pitch, double frac)
{
	struct sim_launch_ctl ctl = {
	    .heading_rad = sv->heading, .pitch_final_rad = pitch, .burn_frac = frac};
	struct sim_flight f;
	struct shot s = {0};
	sv->n++;
	s.rc = sim_flight_fly(sv->c, sv->site, &ctl, &sv->o, false, &f);
	if (s.rc == -MW_EENVELOPE) { /* crashed while boosting: no range at all */
		s.rc = 0;
		return s;
	}
	if (s.rc < 0)
		return s;
	s.range_m = f.range_m;
	s.apogee_m = f.apogee_m;
	s.az_rad = f.az_rad;
	return s;
}

/* Illinois regula falsi for g(x) = 0 on [a, b] with g(a), g(b) of opposite
 * signs; fn returns g and may fail. */
typedef int (*g_fn)(struct solver *sv, double x, double *g, void *ud);

static int illinois(struct solver *sv, g_fn fn, void *ud, double a, double ga, double b, double gb,
                    double gtol, double *x_out)
{
	int side = 0;
	for (int it = 0; it < 60; it++) {
		double x = (a * gb - b * ga) / (gb - ga);
		if (!isfinite(x) || x <= fmin(a, b) || x >= fmax(a, b))
			x = 0.5 * (a + b);
		double gx;
		int rc = fn(sv, x, &gx, ud);
		if (rc < 0)
			return rc;
		if (fabs(gx) <= gtol || fabs(b - a) < 1e-12) {
			*x_out = x;
			return 0;
		}
		if ((gx > 0) == (gb > 0)) {
			b = x;
			gb = gx;
			if (side == -1)
				ga /= 2;
			side = -1;
		} else {
			a = x;
			ga = gx;
			if (side == 1)
				gb /= 2;
			side = 1;
		}
	}
	return -MW_ENOCONVERGE;
}

struct inner_ud {
	double pitch, range_m;
	struct shot last;
};

/* log(range / R): nearly linear in the burn fraction, so regula falsi
 * converges in a few steps (range itself grows roughly exponentially). */
static double lrange(double range_m, double R)
{
	return log(fmax(range_m, 1.0) / R);
}

static int g_range_of_frac(struct solver *sv, double frac, double *g, void *ud)
{
	struct inner_ud *u = ud;
	struct shot s = shoot(sv, u->pitch, frac);
	if (s.rc < 0)
		return s.rc;
	u->last = s;
	*g = lrange(s.range_m, u->range_m);
	return 0;
}

/* f*(pitch): burn fraction reaching range R. 1 on success (out filled),
 * 0 if R is not reachable at this pitch, <0 error. */
static int inner(struct solver *sv, double pitch, double range_m, double tol, double *frac,
                 struct shot *out)
{
	struct shot s1 = shoot(sv, pitch, 1.0);
	if (s1.rc < 0)
		return s1.rc;
	if (s1.range_m < range_m)
		return 0;
	if (fabs(s1.range_m - range_m) <= tol * range_m) {
		*frac = 1.0;
		*out = s1;
		return 1;
	}
	double fmin_ = sv->c->burn_frac_min;
	struct shot s0 = shoot(sv, pitch, fmin_);
	if (s0.rc < 0)
		return s0.rc;
	if (s0.range_m > range_m)
		return 0;
	struct inner_ud u = {.pitch = pitch, .range_m = range_m};
	double f;
	int rc = illinois(sv, g_range_of_frac, &u, fmin_, lrange(s0.range_m, range_m), 1.0,
	                  lrange(s1.range_m, range_m), tol, &f);
	if (rc < 0)
		return rc;
	*frac = f;
	*out = u.last;
	return 1;
}

struct outer_ud {
	double range_m, apogee_m, tol;
	double frac;
	struct shot last;
};

static int g_apogee_of_pitch(struct solver *sv, double pitch, double *g, void *ud)
{
	struct outer_ud *u = ud;
	double frac;
	struct shot s;
	int rc = inner(sv, pitch, u->range_m, u->tol, &frac, &s);
	if (rc < 0)
		return rc;
	if (rc == 0)
		return -MW_ENOCONVERGE; /* left the feasible interval: should not happen */
	u->frac = frac;
	u->last = s;
	*g = s.apogee_m - u->apogee_m;
	return 0;
}

/* The pitch between lo (reaches R at full burn) and hi (does not) where
 * full burn just reaches R (bisection). */
static int edge_pitch(struct solver *sv, double lo, double hi, double range_m, double *edge,
                      struct shot *at)
{
	struct shot best = {0};
	bool have = false;
	for (int it = 0; it < 40 && fabs(hi - lo) > 2e-5; it++) {
		double m = 0.5 * (lo + hi);
		struct shot s = shoot(sv, m, 1.0);
		if (s.rc < 0)
			return s.rc;
		if (s.range_m >= range_m) {
			lo = m;
			best = s;
			have = true;
		} else {
			hi = m;
		}
	}
	if (!have) {
		best = shoot(sv, lo, 1.0);
		if (best.rc < 0)
			return best.rc;
	}
	*edge = lo;
	*at = best;
	return 0;
}

/* Golden section for the pitch of maximum range at full burn. */
static int max_range(struct solver *sv, double *p_opt, struct shot *s_opt)
{
	const struct sim_class *c = sv->c;
	const double gr = 0.6180339887498949;
	double a = c->pitch_min_rad, b = c->pitch_max_rad;
	double x1 = b - gr * (b - a), x2 = a + gr * (b - a);
	struct shot s1 = shoot(sv, x1, 1), s2 = shoot(sv, x2, 1);
	while (b - a > 1e-3) {
		if (s1.rc < 0 || s2.rc < 0)
			break;
		if (s1.range_m > s2.range_m) {
			b = x2;
			x2 = x1;
			s2 = s1;
			x1 = b - gr * (b - a);
			s1 = shoot(sv, x1, 1);
		} else {
			a = x1;
			x1 = x2;
			s1 = s2;
			x2 = a + gr * (b - a);
			s2 = shoot(sv, x2, 1);
		}
	}
	if (s1.rc < 0 || s2.rc < 0)
		return s1.rc < 0 ? s1.rc : s2.rc;
	*p_opt = s1.range_m > s2.range_m ? x1 : x2;
	*s_opt = s1.range_m > s2.range_m ? s1 : s2;
	return 0;
}

/* The feasible pitch at the lofted (or depressed) end for range R, and
 * the flight there. */
static int edge_side(struct solver *sv, double R, double p_opt, bool lofted, double tol,
                     double *edge, double *f_edge, struct shot *s_edge)
{
	const struct sim_class *c = sv->c;
	double far = lofted ? c->pitch_max_rad : c->pitch_min_rad;
	struct shot s_far = shoot(sv, far, 1.0);
	if (s_far.rc < 0)
		return s_far.rc;
	if (s_far.range_m >= R) {
		double fe;
		int rc = inner(sv, far, R, tol, &fe, s_edge);
		if (rc < 0)
			return rc;
		if (rc == 0)
			return -MW_ENOCONVERGE;
		*edge = far;
		*f_edge = fe;
		return 0;
	}
	*f_edge = 1.0;
	return edge_pitch(sv, p_opt, far, R, edge, s_edge);
}

static int check_range(struct solver *sv, double R, double az, double tol, double *p_opt,
                       double *f_opt, struct shot *s_me, struct shot *s_max, struct mw_errbuf *err)
{
	const struct sim_class *c = sv->c;
	struct shot s_opt;
	int rc = 0;
	if (sv->have_p_opt) { /* a later heading pass: the optimum pitch barely moves */
		*p_opt = sv->p_opt;
		s_opt = shoot(sv, *p_opt, 1.0);
		rc = s_opt.rc;
	} else {
		rc = max_range(sv, p_opt, &s_opt);
		sv->have_p_opt = rc == 0;
		sv->p_opt = *p_opt;
	}
	if (rc < 0)
		return rc;
	if (s_max)
		*s_max = s_opt;
	if (R > s_opt.range_m) {
		mw_errbuf_set(err,
		              "range %.0f km is beyond the %s's maximum of %.0f km from this site "
		              "on azimuth %.1f deg",
		              R / 1e3, c->name, s_opt.range_m / 1e3, geo_deg(az));
		return -MW_EENVELOPE;
	}
	rc = inner(sv, *p_opt, R, tol, f_opt, s_me);
	if (rc < 0)
		return rc;
	if (rc == 0) {
		struct shot smin = shoot(sv, *p_opt, c->burn_frac_min);
		mw_errbuf_set(err, "range %.0f km is below the %s's minimum of %.0f km", R / 1e3,
		              c->name, smin.range_m / 1e3);
		return -MW_EENVELOPE;
	}
	return 0;
}

static int solve_pass(struct solver *sv, const struct sim_aim *aim, double tol,
                      struct sim_launch_ctl *ctl, struct shot *res, struct mw_errbuf *err)
{
	const struct sim_class *c = sv->c;
	const double R = aim->range_m, H = aim->apogee_m;
	double p_opt, f_opt;
	struct shot s_me;
	int rc = check_range(sv, R, aim->azimuth_rad, tol / 4, &p_opt, &f_opt, &s_me, NULL, err);
	if (rc < 0)
		return rc;
	if (fabs(s_me.apogee_m - H) <= tol / 2 * H) {
		*ctl = (struct sim_launch_ctl){sv->heading, p_opt, f_opt};
		*res = s_me;
		return 0;
	}
	bool lofted = H > s_me.apogee_m;
	double edge, f_edge;
	struct shot s_edge;
	rc = edge_side(sv, R, p_opt, lofted, tol / 4, &edge, &f_edge, &s_edge);
	if (rc < 0)
		return rc;
	if (lofted ? s_edge.apogee_m < H : s_edge.apogee_m > H) {
		if (fabs(s_edge.apogee_m - H) <= tol / 2 * H) { /* at the edge, within tolerance */
			*ctl = (struct sim_launch_ctl){sv->heading, edge, f_edge};
			*res = s_edge;
			return 0;
		}
		mw_errbuf_set(
		    err,
		    "apogee %.0f km is %s the %s's %s apogee of %.0f km at a range of %.0f "
		    "km",
		    H / 1e3, lofted ? "above" : "below", c->name, lofted ? "highest" : "lowest",
		    s_edge.apogee_m / 1e3, R / 1e3);
		return -MW_EENVELOPE;
	}
	struct outer_ud u = {.range_m = R, .apogee_m = H, .tol = tol / 4};
	double p;
	rc = illinois(sv, g_apogee_of_pitch, &u, p_opt, s_me.apogee_m - H, edge,
	              s_edge.apogee_m - H, tol / 2 * H, &p);
	if (rc < 0)
		return rc;
	*ctl = (struct sim_launch_ctl){sv->heading, p, u.frac};
	*res = u.last;
	return 0;
}

static void solver_init(struct solver *sv, const struct sim_class *c, const struct geo_lla *site,
                        double heading)
{
	memset(sv, 0, sizeof(*sv));
	sv->c = c;
	sv->site = site;
	sv->heading = heading;
	sim_flight_opts_default(&sv->o);
	sv->o.rtol = 1e-7;
	sv->o.atol_m = 1;
	sv->o.atol_m_s = 1e-3;
	sv->o.max_step_s = 60; /* the solver needs no dense output: its aims as before */
}

int sim_flight_envelope(const struct sim_class *c, const struct geo_lla *site, double heading_rad,
                        double range_m, struct sim_envelope *out, struct mw_errbuf *err)
{
	if (!c || !site || !out || !(range_m > 0) || !isfinite(heading_rad)) {
		mw_errbuf_set(err, "invalid envelope request");
		return -EINVAL;
	}
	struct solver sv;
	solver_init(&sv, c, site, heading_rad);
	const double tol = 5e-4;
	double p_opt, f_opt;
	struct shot s_opt, smax;
	int rc = check_range(&sv, range_m, heading_rad, tol, &p_opt, &f_opt, &s_opt, &smax, err);
	if (rc < 0)
		return rc;
	double p_lo, p_hi, f_lo, f_hi;
	struct shot s_lo, s_hi;
	rc = edge_side(&sv, range_m, p_opt, false, tol, &p_lo, &f_lo, &s_lo);
	if (rc == 0)
		rc = edge_side(&sv, range_m, p_opt, true, tol, &p_hi, &f_hi, &s_hi);
	if (rc < 0)
		return rc;
	/* minimum energy: the pitch that needs the least burn (golden section) */
	const double gr = 0.6180339887498949;
	double a = p_lo, b = p_hi;
	double x1 = b - gr * (b - a), x2 = a + gr * (b - a);
	double f1, f2;
	struct shot t1, t2;
	int r1 = inner(&sv, x1, range_m, tol, &f1, &t1);
	int r2 = inner(&sv, x2, range_m, tol, &f2, &t2);
	while (b - a > 1e-2 && r1 >= 0 && r2 >= 0) { /* f* is flat there: 0.6 deg will do */
		if (r1 == 0)
			f1 = 2;
		if (r2 == 0)
			f2 = 2;
		if (f1 < f2) {
			b = x2;
			x2 = x1;
			f2 = f1;
			t2 = t1;
			r2 = r1;
			x1 = b - gr * (b - a);
			r1 = inner(&sv, x1, range_m, tol, &f1, &t1);
		} else {
			a = x1;
			x1 = x2;
			f1 = f2;
			t1 = t2;
			r1 = r2;
			x2 = a + gr * (b - a);
			r2 = inner(&sv, x2, range_m, tol, &f2, &t2);
		}
	}
	if (r1 < 0 || r2 < 0)
		return r1 < 0 ? r1 : r2;
	if (r1 == 0 && r2 == 0)
		return -MW_ENOCONVERGE;
	bool first = r1 == 1 && (r2 == 0 || f1 < f2);
	out->max_range_m = smax.range_m;
	out->apogee_lo_m = s_lo.apogee_m;
	out->apogee_hi_m = s_hi.apogee_m;
	out->apogee_me_m = first ? t1.apogee_m : t2.apogee_m;
	out->burn_frac_me = first ? f1 : f2;
	out->pitch_me_rad = first ? x1 : x2;
	return 0;
}

int sim_flight_solve_loft(const struct sim_class *c, const struct geo_lla *site, double azimuth_rad,
                          double range_m, double loft, double tol_frac, struct sim_launch_ctl *ctl,
                          double *apogee_m, size_t *n_flights, struct mw_errbuf *err)
{
	if (!(loft >= -1 && loft <= 1)) {
		mw_errbuf_set(err, "loft %g outside [-1, 1]", loft);
		return -EINVAL;
	}
	struct sim_envelope env;
	int rc = sim_flight_envelope(c, site, azimuth_rad, range_m, &env, err);
	if (rc < 0)
		return rc;
	/* stay a little inside the edges, which move with the heading correction */
	double l = fmax(-0.95, fmin(0.95, loft));
	double H = env.apogee_me_m + (l >= 0 ? l * (env.apogee_hi_m - env.apogee_me_m)
	                                     : l * (env.apogee_me_m - env.apogee_lo_m));
	struct sim_aim aim = {.azimuth_rad = azimuth_rad, .range_m = range_m, .apogee_m = H};
	size_t n = 0;
	rc = sim_flight_solve(c, site, &aim, tol_frac, ctl, &n, err);
	if (n_flights)
		*n_flights = n;
	if (rc < 0)
		return rc;
	if (apogee_m)
		*apogee_m = H;
	return 0;
}

static double wrap_pi(double x)
{
	while (x > GEO_PI)
		x -= 2 * GEO_PI;
	while (x < -GEO_PI)
		x += 2 * GEO_PI;
	return x;
}

int sim_flight_solve(const struct sim_class *c, const struct geo_lla *site,
                     const struct sim_aim *aim, double tol_frac, struct sim_launch_ctl *ctl,
                     size_t *n_flights, struct mw_errbuf *err)
{
	if (!c || !site || !aim || !ctl || !(tol_frac > 0 && tol_frac < 0.1) ||
	    !(aim->range_m > 0) || !(aim->apogee_m > 0) || !isfinite(aim->azimuth_rad)) {
		mw_errbuf_set(err, "invalid solver request");
		return -EINVAL;
	}
	struct solver sv;
	solver_init(&sv, c, site, aim->azimuth_rad);
	int rc = -MW_ENOCONVERGE;
	struct sim_launch_ctl best;
	double prev_heading = 0, prev_az = 0;
	bool have_prev = false;
	for (int pass = 0; pass < 6; pass++) {
		struct shot res;
		rc = solve_pass(&sv, aim, tol_frac, &best, &res, err);
		if (rc < 0)
			break;
		double daz = wrap_pi(aim->azimuth_rad - res.az_rad);
		if (fabs(daz) < geo_rad(0.05)) {
			rc = 1;
			break;
		}
		/* secant on the heading: the achieved azimuth moves nearly one for one */
		double slope = 1.0;
		if (have_prev && fabs(wrap_pi(sv.heading - prev_heading)) > 1e-9) {
			slope = wrap_pi(res.az_rad - prev_az) / wrap_pi(sv.heading - prev_heading);
			slope = fmin(5.0, fmax(0.2, slope));
		}
		prev_heading = sv.heading;
		prev_az = res.az_rad;
		have_prev = true;
		sv.heading = wrap_pi(sv.heading + daz / slope);
		rc = -MW_ENOCONVERGE;
	}
	if (n_flights)
		*n_flights = sv.n;
	if (rc == -MW_ENOCONVERGE)
		mw_errbuf_set(err, "solver did not converge for %s (range %.0f km, apogee %.0f km)",
		              c->name, aim->range_m / 1e3, aim->apogee_m / 1e3);
	if (rc < 0)
		return rc;
	*ctl = best;
	return 0;
}
