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

static bool in_range(double v, double lo, double hi)
{
	return isfinite(v) && v >= lo && v <= hi;
}

int track_meas_prepare(const struct mw_obs *obs, struct track_meas *m)
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
			t.nz = 4;
			t.z[3] = obs->range_rate_m_s;
			t.r_var[3] = obs->sigma_range_rate_m_s * obs->sigma_range_rate_m_s;
		}
		struct geo_lla lla;
		if (geo_ecef_to_lla(t.sensor_ecef_m, &lla) < 0)
			return -EINVAL;
		geo_enu_rotation(lla.lat_rad, lla.lon_rad, t.rot);
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
	} else {
		return -EINVAL;
	}
	*m = t;
	return 0;
}

int track_meas_h(const struct track_meas *m, const double x[TRACK_NX], double z[TRACK_NZ_MAX])
{
	double d[3] = {x[0] - m->sensor_ecef_m[0], x[1] - m->sensor_ecef_m[1],
	               x[2] - m->sensor_ecef_m[2]};
	double s[3];
	for (int i = 0; i < 3; i++)
		s[i] = m->rot[i][0] * d[0] + m->rot[i][1] * d[1] + m->rot[i][2] * d[2];
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
			z[3] = (d[0] * x[3] + d[1] * x[4] + d[2] * x[5]) / rng;
		return 0;
	}
	if (!(s[2] > 1e-9 * (fabs(s[0]) + fabs(s[1]) + 1.0)) || !isfinite(s[2]))
		return -EDOM;
	z[0] = atan2(s[0], s[2]);
	z[1] = atan2(s[1], s[2]);
	return 0;
}

void track_meas_residual(const struct track_meas *m, const double *a, const double *b, double *d)
{
	for (int i = 0; i < m->nz; i++) {
		double r = a[i] - b[i];
		d[i] = m->is_angle[i] ? track_wrap_pi(r) : r;
	}
}
