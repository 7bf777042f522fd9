/*
 * tests/unit/test_track_util.h - helpers shared by the track tests: a
 * fixed-seed PRNG, draws from a Gaussian and sample moments, an
 * independent truth integrator (fine-step RK4 on
 * geo_accel_ecef, optional thrust along the velocity) and synthesis of
 * noisy radar and line-of-sight observations exactly as core/obs.h
 * defines them. Header-only (static functions) to keep each test one
 * program. Include after <cmocka.h> (the helpers assert).
 */
#ifndef MW_TEST_TRACK_UTIL_H
#define MW_TEST_TRACK_UTIL_H

#include <math.h>
#include <stdint.h>
#include <string.h>

#include "core/obs.h"
#include "geo/geo.h"
#include "mat/mat.h"
#include "track/model.h"
#include "track/ukf.h"

static inline uint64_t rng_next(uint64_t *s)
{
	uint64_t z = (*s += 0x9e3779b97f4a7c15ULL);
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}
static inline double rng_unif(uint64_t *s)
{
	return ((double)(rng_next(s) >> 11) + 0.5) * (1.0 / 9007199254740992.0);
}
static inline double rng_gauss(uint64_t *s)
{
	double u1 = rng_unif(s), u2 = rng_unif(s);
	return sqrt(-2.0 * log(u1)) * cos(2.0 * GEO_PI * u2);
}

/* One draw x ~ N(g.x, L L^T), L the lower Cholesky factor of g.P. */
static inline void draw_state(const struct track_gauss *g, const double *L, uint64_t *rng,
                              double x[TRACK_NX])
{
	double w[TRACK_NX];
	for (int i = 0; i < TRACK_NX; i++)
		w[i] = rng_gauss(rng);
	for (int i = 0; i < TRACK_NX; i++) {
		x[i] = g->x[i];
		for (int j = 0; j <= i; j++)
			x[i] += L[i * TRACK_NX + j] * w[j];
	}
}

/* The sample mean m and covariance C (n - 1 in the denominator) of the
 * n states Y. */
static inline void sample_moments(const double (*Y)[TRACK_NX], int n, double m[TRACK_NX],
                                  double C[TRACK_NX * TRACK_NX])
{
	for (int i = 0; i < TRACK_NX; i++)
		m[i] = 0.0;
	for (int i = 0; i < TRACK_NX * TRACK_NX; i++)
		C[i] = 0.0;
	for (int k = 0; k < n; k++)
		for (int i = 0; i < TRACK_NX; i++)
			m[i] += Y[k][i] / n;
	for (int k = 0; k < n; k++)
		for (int i = 0; i < TRACK_NX; i++)
			for (int j = 0; j < TRACK_NX; j++)
				C[i * TRACK_NX + j] +=
				    (Y[k][i] - m[i]) * (Y[k][j] - m[j]) / (n - 1);
}

/* Independent truth: RK4 at 0.1 s on geo_accel_ecef (no drag, exo),
 * plus a thrust acceleration of thrust_m_s2 along the velocity. */
static inline void truth_step_full(double s[6], double dt, double thrust_m_s2, double theta_m2_kg);
static inline void truth_step(double s[6], double dt)
{
	truth_step_full(s, dt, 0.0, 0.0);
}
static inline void truth_step_thrust(double s[6], double dt, double thrust_m_s2)
{
	truth_step_full(s, dt, thrust_m_s2, 0.0);
}
/* The RK4 of truth_step_full at steps of at most h_max, plus, with lat
 * (NULL: none), a held lateral acceleration lat[0] w + lat[1] h in the
 * state's thrust frame (track_model_thrust_frame: w in the trajectory
 * plane across v, h out of it). */
static inline void truth_step_rk4(double s[6], double dt, double h_max, double thrust_m_s2,
                                  double theta_m2_kg, const double *lat);
/* With drag -1/2 rho(h) theta |v| v, h geodetic (geo_air_density). */
static inline void truth_step_full(double s[6], double dt, double thrust_m_s2, double theta_m2_kg)
{
	truth_step_rk4(s, dt, 0.1, thrust_m_s2, theta_m2_kg, NULL);
}
static inline void truth_step_rk4(double s[6], double dt, double h_max, double thrust_m_s2,
                                  double theta_m2_kg, const double *lat)
{
	int n = (int)ceil(fabs(dt) / h_max);
	double h = dt / n;
	for (int it = 0; it < n; it++) {
		double k[4][6], t[6];
		for (int st = 0; st < 4; st++) {
			const double c = st == 0 ? 0.0 : (st == 3 ? 1.0 : 0.5);
			for (int i = 0; i < 6; i++)
				t[i] = s[i] + (st ? c * h * k[st - 1][i] : 0.0);
			double a[3];
			assert_int_equal(geo_accel_ecef(t, t + 3, a), 0);
			double vn = sqrt(t[3] * t[3] + t[4] * t[4] + t[5] * t[5]);
			for (int i = 0; i < 3; i++)
				a[i] += thrust_m_s2 * t[3 + i] / vn;
			if (theta_m2_kg > 0) {
				struct geo_lla l;
				assert_int_equal(geo_ecef_to_lla(t, &l), 0);
				double rho = geo_air_density(l.h_m);
				for (int i = 0; i < 3; i++)
					a[i] -= 0.5 * rho * theta_m2_kg * vn * t[3 + i];
			}
			if (lat) {
				double x8[TRACK_NX] = {0}, u[3], w[3], hh[3];
				memcpy(x8, t, sizeof(t));
				assert_int_equal(track_model_thrust_frame(x8, u, w, hh), 0);
				for (int i = 0; i < 3; i++)
					a[i] += lat[0] * w[i] + lat[1] * hh[i];
			}
			for (int i = 0; i < 3; i++) {
				k[st][i] = t[3 + i];
				k[st][3 + i] = a[i];
			}
		}
		for (int i = 0; i < 6; i++)
			s[i] += h / 6.0 * (k[0][i] + 2 * k[1][i] + 2 * k[2][i] + k[3][i]);
	}
}

static inline void make_radar_obs(const double sensor[3], const double tgt[6], double sr, double sa,
                                  double srr, uint64_t *rng, struct mw_obs *o)
{
	memset(o, 0, sizeof(*o));
	o->kind = MW_OBS_RADAR;
	memcpy(o->sensor_ecef_m, sensor, sizeof(o->sensor_ecef_m));
	struct geo_lla lla;
	assert_int_equal(geo_ecef_to_lla(sensor, &lla), 0);
	double r, az, el;
	assert_int_equal(geo_ecef_to_aer(&lla, sensor, tgt, &r, &az, &el), 0);
	o->range_m = r + sr * rng_gauss(rng);
	az += sa * rng_gauss(rng);
	az = fmod(az, 2 * GEO_PI);
	if (az < 0)
		az += 2 * GEO_PI;
	o->az_rad = az;
	o->el_rad = el + sa * rng_gauss(rng);
	o->sigma_range_m = sr;
	o->sigma_az_rad = o->sigma_el_rad = sa;
	if (srr > 0) {
		double d[3] = {tgt[0] - sensor[0], tgt[1] - sensor[1], tgt[2] - sensor[2]};
		o->has_range_rate = true;
		o->range_rate_m_s =
		    (d[0] * tgt[3] + d[1] * tgt[4] + d[2] * tgt[5]) / r + srr * rng_gauss(rng);
		o->sigma_range_rate_m_s = srr;
	}
}

/* A LOS sensor frame looking at `look` from `sensor`. */
static inline void los_frame(const double sensor[3], const double look[3], double F[3][3])
{
	double z[3], n = 0;
	for (int i = 0; i < 3; i++) {
		z[i] = look[i] - sensor[i];
		n += z[i] * z[i];
	}
	n = sqrt(n);
	for (int i = 0; i < 3; i++)
		z[i] /= n;
	double up[3] = {0, 0, 1};
	double x[3] = {up[1] * z[2] - up[2] * z[1], up[2] * z[0] - up[0] * z[2],
	               up[0] * z[1] - up[1] * z[0]};
	n = sqrt(x[0] * x[0] + x[1] * x[1] + x[2] * x[2]);
	for (int i = 0; i < 3; i++)
		x[i] /= n;
	double y[3] = {z[1] * x[2] - z[2] * x[1], z[2] * x[0] - z[0] * x[2],
	               z[0] * x[1] - z[1] * x[0]};
	for (int i = 0; i < 3; i++) {
		F[0][i] = x[i];
		F[1][i] = y[i];
		F[2][i] = z[i];
	}
}

static inline void make_los_obs(const double sensor[3], double F[3][3], const double tgt[6],
                                double sig, uint64_t *rng, struct mw_obs *o)
{
	memset(o, 0, sizeof(*o));
	o->kind = MW_OBS_LOS;
	memcpy(o->sensor_ecef_m, sensor, sizeof(o->sensor_ecef_m));
	memcpy(o->frame_ecef, F, sizeof(o->frame_ecef));
	double d[3] = {tgt[0] - sensor[0], tgt[1] - sensor[1], tgt[2] - sensor[2]}, s[3];
	for (int i = 0; i < 3; i++)
		s[i] = F[i][0] * d[0] + F[i][1] * d[1] + F[i][2] * d[2];
	o->los_x_rad = atan2(s[0], s[2]) + sig * rng_gauss(rng);
	o->los_y_rad = atan2(s[1], s[2]) + sig * rng_gauss(rng);
	o->sigma_los_rad = sig;
}

/* The 6-state NEES of est against the truth tr (position, velocity),
 * with e = est - tr (e may be NULL). */
static inline double nees_rv6(const struct track_gauss *est, const double tr[6], double e[6])
{
	double P6[36], d2, ebuf[6], *ev = e ? e : ebuf;
	for (int i = 0; i < 6; i++) {
		ev[i] = est->x[i] - tr[i];
		for (int j = 0; j < 6; j++)
			P6[i * 6 + j] = est->P[i * TRACK_NX + j];
	}
	assert_int_equal(mat_spd_mahalanobis(P6, ev, 6, &d2), 0);
	return d2;
}

#endif
