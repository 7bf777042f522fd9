/*
 * track/meas.c - radar and space-IR line-of-sight measurement models.
 *
 * How it works: track_meas_prepare() validates an mw_obs and precomputes
 * the rotation from ECEF into the frame the angles are defined in (the
 * radar's local ENU at its geodetic position, or the IR sensor's own
 * frame given in the observation), so h(x) is a subtraction, a 3x3
 * rotation and two atan2 calls. The filter never subtracts angles
 * itself: every residual goes through track_meas_residual(), which wraps
 * angular components, so an azimuth of 359.9 deg against a prediction of
 * 0.1 deg gives a residual of -0.2 deg, not 359.8.
 *
 * track_meas_h_jac() adds the analytic Jacobian, bounds on the position
 * Hessians and the second-order mean terms 1/2 tr(Hess_i P_rr) for the
 * filter's linearised measurement prediction (ukf.h).
 * track_meas_prepare_near() reuses the ENU rotation of the previous
 * measurement of the same radar (a scan is one sensor).
 *
 * Invariants:
 *  1. A prepared measurement has nz in {2, 3, 4}, finite z, positive
 *     finite variances.
 *  2. Residuals of angles are in (-pi, pi].
 */
#include "track/meas.h"

#include <errno.h>
#include <math.h>
#include <string.h>

#include "geo/geo.h"
#include "track/v2d.h"

/* Plausibility limits on what a sensor may claim about itself. */
#define MIN_SIGMA_M    1e-3
#define MIN_SIGMA_RAD  1e-9
#define MAX_SIGMA_M    1e6
#define MAX_SIGMA_RAD  0.5
#define MAX_SIGMA_RR   1e4
#define MIN_SIGMA_RR   1e-4
#define MAX_SENSOR_R_M 1e8 /* beyond GEO (4.2e7 m) with margin */
#define MIN_SENSOR_R_M 6.0e6

double track_wrap_pi(double a)
{
	if (a > -GEO_PI && a <= GEO_PI)
		return a;
	a = fmod(a + GEO_PI, 2.0 * GEO_PI);
	if (a <= 0.0)
		a += 2.0 * GEO_PI;
	return a - GEO_PI;
}

/* lo <= v <= hi for finite lo and hi (every caller's): NaN and the
 * infinities fail a compare, so no isfinite test is needed. */
static bool in_range(double v, double lo, double hi)
{
	return v >= lo && v <= hi;
}

static int prepare(const struct mw_obs *obs, const struct track_meas *prev, struct track_meas *m);

int track_meas_prepare(const struct mw_obs *obs, struct track_meas *m)
{
	return prepare(obs, NULL, m);
}

int track_meas_prepare_near(const struct mw_obs *obs, const struct track_meas *prev,
                            struct track_meas *m)
{
	return prepare(obs, prev, m);
}

static int prepare(const struct mw_obs *obs, const struct track_meas *prev, struct track_meas *m)
{
	struct track_meas t;
	memset(&t, 0, sizeof(t));
	double sr = 0.0;
	for (int k = 0; k < 3; k++) {
		if (!isfinite(obs->sensor_ecef_m[k]))
			return -EINVAL;
		sr += obs->sensor_ecef_m[k] * obs->sensor_ecef_m[k];
		t.sensor_ecef_m[k] = obs->sensor_ecef_m[k];
	}
	sr = sqrt(sr);
	if (sr < MIN_SENSOR_R_M || sr > MAX_SENSOR_R_M)
		return -EINVAL;
	t.kind = obs->kind;
	if (obs->kind == MW_OBS_RADAR) {
		if (!in_range(obs->range_m, 1.0, 1e8) ||
		    !in_range(obs->az_rad, -GEO_PI, 2 * GEO_PI) ||
		    !in_range(obs->el_rad, -GEO_PI / 2, GEO_PI / 2) ||
		    !in_range(obs->sigma_range_m, MIN_SIGMA_M, MAX_SIGMA_M) ||
		    !in_range(obs->sigma_az_rad, MIN_SIGMA_RAD, MAX_SIGMA_RAD) ||
		    !in_range(obs->sigma_el_rad, MIN_SIGMA_RAD, MAX_SIGMA_RAD))
			return -EINVAL;
		t.nz = 3;
		t.z[0] = obs->range_m;
		t.z[1] = obs->az_rad;
		t.z[2] = obs->el_rad;
		t.r_var[0] = obs->sigma_range_m * obs->sigma_range_m;
		t.r_var[1] = obs->sigma_az_rad * obs->sigma_az_rad;
		t.r_var[2] = obs->sigma_el_rad * obs->sigma_el_rad;
		t.is_angle[1] = t.is_angle[2] = true;
		if (obs->has_range_rate) {
			if (!in_range(obs->range_rate_m_s, -1e5, 1e5) ||
			    !in_range(obs->sigma_range_rate_m_s, MIN_SIGMA_RR, MAX_SIGMA_RR))
				return -EINVAL;
			for (int k = 0; k < 3; k++) {
				if (!in_range(obs->sensor_vel_ecef_m_s[k], -1e5, 1e5))
					return -EINVAL;
				t.sensor_vel_ecef_m_s[k] = obs->sensor_vel_ecef_m_s[k];
			}
			t.nz = 4;
			t.z[3] = obs->range_rate_m_s;
			t.r_var[3] = obs->sigma_range_rate_m_s * obs->sigma_range_rate_m_s;
		}
		if (prev && prev->kind == MW_OBS_RADAR &&
		    memcmp(prev->sensor_ecef_m, t.sensor_ecef_m, sizeof(t.sensor_ecef_m)) == 0) {
			/* Same radar: the same ENU rotation (geo_ecef_to_lla is
			 * iterative; a scan is one sensor). */
			memcpy(t.rot, prev->rot, sizeof(t.rot));
		} else {
			struct geo_lla lla;
			if (geo_ecef_to_lla(t.sensor_ecef_m, &lla) < 0)
				return -EINVAL;
			geo_enu_rotation(lla.lat_rad, lla.lon_rad, t.rot);
		}
	} else if (obs->kind == MW_OBS_LOS) {
		if (!in_range(obs->los_x_rad, -GEO_PI / 2, GEO_PI / 2) ||
		    !in_range(obs->los_y_rad, -GEO_PI / 2, GEO_PI / 2) ||
		    !in_range(obs->sigma_los_rad, MIN_SIGMA_RAD, MAX_SIGMA_RAD))
			return -EINVAL;
		/* The frame must be orthonormal (rows unit, mutually orthogonal). */
		for (int i = 0; i < 3; i++)
			for (int j = 0; j < 3; j++) {
				double d = 0.0;
				for (int k = 0; k < 3; k++) {
					if (!isfinite(obs->frame_ecef[i][k]))
						return -EINVAL;
					d += obs->frame_ecef[i][k] * obs->frame_ecef[j][k];
				}
				if (fabs(d - (i == j ? 1.0 : 0.0)) > 1e-6)
					return -EINVAL;
			}
		t.nz = 2;
		t.z[0] = obs->los_x_rad;
		t.z[1] = obs->los_y_rad;
		t.r_var[0] = t.r_var[1] = obs->sigma_los_rad * obs->sigma_los_rad;
		t.is_angle[0] = t.is_angle[1] = true;
		memcpy(t.rot, obs->frame_ecef, sizeof(t.rot));
		t.plumes_only = obs->plumes_only;
	} else {
		return -EINVAL;
	}
	*m = t;
	return 0;
}

/* The sensor-frame vector s = rot (r - sensor) and the offset d =
 * r - sensor (ECEF) of a state: what h and its Jacobian both start from. */
static inline __attribute__((always_inline)) void
sensor_vec(const struct track_meas *m, const double x[TRACK_NX], double d[3], double s[3])
{
	d[0] = x[0] - m->sensor_ecef_m[0];
	d[1] = x[1] - m->sensor_ecef_m[1];
	d[2] = x[2] - m->sensor_ecef_m[2];
	for (int i = 0; i < 3; i++)
		s[i] = m->rot[i][0] * d[0] + m->rot[i][1] * d[1] + m->rot[i][2] * d[2];
}

/* h from d and s (sensor_vec); *hor_m: the horizontal distance (radar). */
static inline __attribute__((always_inline)) int h_of_s(const struct track_meas *m,
                                                        const double x[TRACK_NX], const double d[3],
                                                        const double s[3], double z[TRACK_NZ_MAX],
                                                        double *hor_m)
{
	if (m->kind == MW_OBS_RADAR) {
		double hor = sqrt(s[0] * s[0] + s[1] * s[1]);
		double rng = sqrt(hor * hor + s[2] * s[2]);
		if (!(rng > 1e-3) || !isfinite(rng))
			return -EDOM;
		double az = atan2(s[0], s[1]);
		if (az < 0.0)
			az += 2.0 * GEO_PI;
		z[0] = rng;
		z[1] = az;
		z[2] = atan2(s[2], hor);
		if (m->nz == 4)
			z[3] = (d[0] * (x[3] - m->sensor_vel_ecef_m_s[0]) +
			        d[1] * (x[4] - m->sensor_vel_ecef_m_s[1]) +
			        d[2] * (x[5] - m->sensor_vel_ecef_m_s[2])) /
			       rng;
		*hor_m = hor;
		return 0;
	}
	if (!(s[2] > 1e-9 * (fabs(s[0]) + fabs(s[1]) + 1.0)) || !isfinite(s[2]))
		return -EDOM;
	z[0] = atan2(s[0], s[2]);
	z[1] = atan2(s[1], s[2]);
	*hor_m = 0.0;
	return 0;
}

int track_meas_h(const struct track_meas *m, const double x[TRACK_NX], double z[TRACK_NZ_MAX])
{
	double d[3], s[3], hor;
	sensor_vec(m, x, d, s);
	return h_of_s(m, x, d, s, z, &hor);
}

/*
 * h of two states at once (the unscented prediction's sigma points):
 * state a in the low lane, b in the high one (track/v2d.h), through
 * sensor_vec's and h_of_s's IEEE operations in their order (packed
 * subtract, multiply, add, divide and square root round per lane as the
 * scalar ones; no FMA), so each lane's z is track_meas_h's, bit for bit.
 * The atan2 calls, the azimuth's wrap and the tests are per lane with
 * the scalar code. -EDOM if either is undefined; za and zb are then
 * untouched.
 */
int track_meas_h_pair(const struct track_meas *m, const double xa[TRACK_NX],
                      const double xb[TRACK_NX], double za[TRACK_NZ_MAX], double zb[TRACK_NZ_MAX])
{
	track_v2d d[3], s[3];
	for (int k = 0; k < 3; k++)
		d[k] = track_v2_set(xa[k], xb[k]) - track_v2_dup(m->sensor_ecef_m[k]);
	for (int i = 0; i < 3; i++)
		s[i] = track_v2_dup(m->rot[i][0]) * d[0] + track_v2_dup(m->rot[i][1]) * d[1] +
		       track_v2_dup(m->rot[i][2]) * d[2];
	/* Nothing fails after the tests: the components go straight out. */
	double *const zo[2] = {za, zb};
	if (m->kind == MW_OBS_RADAR) {
		const track_v2d hor = track_v2_sqrt(s[0] * s[0] + s[1] * s[1]);
		const track_v2d rng = track_v2_sqrt(hor * hor + s[2] * s[2]);
		for (int l = 0; l < 2; l++)
			if (!(rng[l] > 1e-3) || !isfinite(rng[l]))
				return -EDOM;
		if (m->nz == 4) {
			const double *vs = m->sensor_vel_ecef_m_s;
			const track_v2d rr =
			    (d[0] * (track_v2_set(xa[3], xb[3]) - track_v2_dup(vs[0])) +
			     d[1] * (track_v2_set(xa[4], xb[4]) - track_v2_dup(vs[1])) +
			     d[2] * (track_v2_set(xa[5], xb[5]) - track_v2_dup(vs[2]))) /
			    rng;
			za[3] = rr[0];
			zb[3] = rr[1];
		}
		for (int l = 0; l < 2; l++) {
			double az = atan2(s[0][l], s[1][l]);
			if (az < 0.0)
				az += 2.0 * GEO_PI;
			zo[l][0] = rng[l];
			zo[l][1] = az;
			zo[l][2] = atan2(s[2][l], hor[l]);
		}
		return 0;
	}
	for (int l = 0; l < 2; l++)
		if (!(s[2][l] > 1e-9 * (fabs(s[0][l]) + fabs(s[1][l]) + 1.0)) || !isfinite(s[2][l]))
			return -EDOM;
	for (int l = 0; l < 2; l++) {
		zo[l][0] = atan2(s[0][l], s[2][l]);
		zo[l][1] = atan2(s[1][l], s[2][l]);
	}
	return 0;
}

/* sum_ij A_ij B_ij of two symmetric 3 x 3 matrices (tr(A B)). */
static double tr_ab3(double A[3][3], double B[3][3])
{
	double t = 0.0;
	for (int i = 0; i < 3; i++)
		for (int j = 0; j < 3; j++)
			t += A[i][j] * B[i][j];
	return t;
}

/* Hessian of the polar angle atan2(s_a, s_b) with respect to s (3 x 3). */
static void polar_hess(const double s[3], int ia, int ib, double G[3][3])
{
	double p2 = s[ia] * s[ia] + s[ib] * s[ib], p4 = p2 * p2;
	memset(G, 0, sizeof(double) * 9);
	G[ia][ia] = -2.0 * s[ia] * s[ib] / p4;
	G[ib][ib] = 2.0 * s[ia] * s[ib] / p4;
	G[ia][ib] = G[ib][ia] = (s[ia] * s[ia] - s[ib] * s[ib]) / p4;
}

int track_meas_h_jac(const struct track_meas *m, const double x[TRACK_NX], const double *P,
                     double z[TRACK_NZ_MAX], double H[TRACK_NZ_MAX * TRACK_NX],
                     double hess[TRACK_NZ_MAX], double corr[TRACK_NZ_MAX])
{
	/* d, s and the horizontal distance once for h and the Jacobian (the
	 * same doubles as computing them in each). */
	double d[3], s[3], hor;
	sensor_vec(m, x, d, s);
	int rc = h_of_s(m, x, d, s, z, &hor);
	if (rc < 0)
		return rc;
	const int nz = m->nz;
	/* Gradients with respect to the sensor-frame vector s (rows), then
	 * d/dx = d/ds rot (s = rot d, ds/dr = rot). */
	double gs[TRACK_NZ_MAX][3]; /* rows 0..na-1 set below, their zeros too */
	/* radar: hor2 and rng2 (rng2 = hor2 + s_u^2 rounds differently from
	 * h's hor^2 + s_u^2: h's range stays h's) */
	const double hor2 = s[0] * s[0] + s[1] * s[1], rng2 = hor2 + s[2] * s[2];
	const double rng = sqrt(rng2);
	if (m->kind == MW_OBS_RADAR) {
		if (!(hor > 1e-3))
			return -EDOM; /* azimuth undefined at the zenith */
		for (int i = 0; i < 3; i++)
			gs[0][i] = s[i] / rng;
		gs[1][0] = s[1] / hor2;
		gs[1][1] = -s[0] / hor2;
		gs[1][2] = 0.0;
		gs[2][0] = -s[2] * s[0] / (hor * rng2);
		gs[2][1] = -s[2] * s[1] / (hor * rng2);
		gs[2][2] = hor / rng2;
		/* Spectral-norm bounds of the position Hessians: range 1/rng;
		 * azimuth (polar angle about the vertical) 1/hor^2; elevation
		 * 1/rng^2 in its (hor, up) plane plus |u|/(rng^2 hor) from the
		 * curvature of hor across azimuth. */
		hess[0] = 1.0 / rng;
		hess[1] = 1.0 / hor2;
		hess[2] = (1.0 + fabs(s[2]) / hor) / rng2;
		if (nz == 4) {
			/* rr = d.w / rng, w = v - the sensor's velocity: d/dr =
			 * (w - rr u) / rng, d/dv = u. */
			const double *vs = m->sensor_vel_ecef_m_s;
			double w[3] = {x[3] - vs[0], x[4] - vs[1], x[5] - vs[2]};
			double rr = z[3], vn = sqrt(w[0] * w[0] + w[1] * w[1] + w[2] * w[2]);
			for (int i = 0; i < 3; i++) {
				H[3 * TRACK_NX + i] = (w[i] - rr * d[i] / rng) / rng;
				H[3 * TRACK_NX + 3 + i] = d[i] / rng;
			}
			track_v2_store(&H[3 * TRACK_NX + 6], track_v2_dup(0.0));
			hess[3] = 3.0 * vn / rng2; /* position block; caller adds the r-v term */
		}
	} else {
		double a = s[0] * s[0] + s[2] * s[2], b = s[1] * s[1] + s[2] * s[2];
		gs[0][0] = s[2] / a;
		gs[0][1] = 0.0;
		gs[0][2] = -s[0] / a;
		gs[1][0] = 0.0;
		gs[1][1] = s[2] / b;
		gs[1][2] = -s[1] / b;
		hess[0] = 1.0 / a;
		hess[1] = 1.0 / b;
	}
	/* H's position block = gs rot, and T = rot P_rr, Ps = T rot^T below:
	 * columns 0 and 1 side by side (track/v2d.h: each entry the same
	 * sum in the same order), column 2 alone. */
	int na = m->kind == MW_OBS_RADAR ? 3 : 2;
	const track_v2d q0 = track_v2_load(&m->rot[0][0]), q1 = track_v2_load(&m->rot[1][0]),
	                q2 = track_v2_load(&m->rot[2][0]);
	for (int r = 0; r < na; r++) {
		track_v2d v = track_v2_dup(gs[r][0]) * q0 + track_v2_dup(gs[r][1]) * q1 +
		              track_v2_dup(gs[r][2]) * q2;
		track_v2_store(&H[r * TRACK_NX], v);
		H[r * TRACK_NX + 2] =
		    gs[r][0] * m->rot[0][2] + gs[r][1] * m->rot[1][2] + gs[r][2] * m->rot[2][2];
		/* h reads only the position (the range rate: row 3 above) */
		H[r * TRACK_NX + 3] = 0.0;
		track_v2_store(&H[r * TRACK_NX + 4], track_v2_dup(0.0));
		track_v2_store(&H[r * TRACK_NX + 6], track_v2_dup(0.0));
	}
	/* Second-order mean terms 1/2 tr(Hess_i Ps), Ps = rot P_rr rot^T
	 * (the range rate has none: it is linearised only where the term is
	 * below a hundredth of its sigma). */
	double Ps[3][3], T[3][3], G[3][3];
	const track_v2d p0 = track_v2_load(&P[0 * TRACK_NX]), p1 = track_v2_load(&P[1 * TRACK_NX]),
	                p2 = track_v2_load(&P[2 * TRACK_NX]);
	for (int i = 0; i < 3; i++) {
		track_v2d v = track_v2_dup(m->rot[i][0]) * p0 + track_v2_dup(m->rot[i][1]) * p1 +
		              track_v2_dup(m->rot[i][2]) * p2;
		track_v2_store(&T[i][0], v);
		T[i][2] = m->rot[i][0] * P[0 * TRACK_NX + 2] + m->rot[i][1] * P[1 * TRACK_NX + 2] +
		          m->rot[i][2] * P[2 * TRACK_NX + 2];
	}
	/* Ps_ij = sum_k T_ik rot_jk: rot's columns as (rot_0k, rot_1k) pairs */
	const track_v2d c0 = track_v2_set(m->rot[0][0], m->rot[1][0]),
	                c1 = track_v2_set(m->rot[0][1], m->rot[1][1]),
	                c2 = track_v2_set(m->rot[0][2], m->rot[1][2]);
	for (int i = 0; i < 3; i++) {
		track_v2d v = track_v2_dup(T[i][0]) * c0 + track_v2_dup(T[i][1]) * c1 +
		              track_v2_dup(T[i][2]) * c2;
		track_v2_store(&Ps[i][0], v);
		Ps[i][2] = T[i][0] * m->rot[2][0] + T[i][1] * m->rot[2][1] + T[i][2] * m->rot[2][2];
	}
	memset(corr, 0, sizeof(double) * TRACK_NZ_MAX);
	if (m->kind == MW_OBS_RADAR) {
		const double r2 = rng2, r4 = r2 * r2;
		/* range: (I - u u^T) / rng */
		double uPu = 0.0;
		for (int i = 0; i < 3; i++)
			for (int j = 0; j < 3; j++)
				uPu += s[i] * Ps[i][j] * s[j];
		corr[0] = 0.5 * (Ps[0][0] + Ps[1][1] + Ps[2][2] - uPu / r2) / rng;
		/* azimuth atan2(e, n) */
		polar_hess(s, 0, 1, G);
		corr[1] = 0.5 * tr_ab3(G, Ps);
		/* elevation atan2(u, hor(e, n)) */
		double fh = -s[2] / r2, fhh = 2.0 * hor * s[2] / r4,
		       fhu = (s[2] * s[2] - hor2) / r4;
		double he = s[0] / hor, hn = s[1] / hor, h3 = hor2 * hor;
		G[0][0] = fhh * he * he + fh * s[1] * s[1] / h3;
		G[1][1] = fhh * hn * hn + fh * s[0] * s[0] / h3;
		G[0][1] = G[1][0] = fhh * he * hn - fh * s[0] * s[1] / h3;
		G[0][2] = G[2][0] = fhu * he;
		G[1][2] = G[2][1] = fhu * hn;
		G[2][2] = -fhh;
		corr[2] = 0.5 * tr_ab3(G, Ps);
	} else {
		polar_hess(s, 0, 2, G);
		corr[0] = 0.5 * tr_ab3(G, Ps);
		polar_hess(s, 1, 2, G);
		corr[1] = 0.5 * tr_ab3(G, Ps);
	}
	return 0;
}

void track_meas_residual(const struct track_meas *m, const double *a, const double *b, double *d)
{
	for (int i = 0; i < m->nz; i++) {
		double r = a[i] - b[i];
		d[i] = m->is_angle[i] ? track_wrap_pi(r) : r;
	}
}
