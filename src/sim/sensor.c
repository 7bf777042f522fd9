/*
 * sim/sensor.c - sensor models for the simulator.
 *
 * Radar (ground or ship, stationary in ECEF). Each scan, every object
 * inside the coverage is detected with probability pd, and a Poisson
 * number (mean fa_per_scan) of false alarms is spread uniformly over the
 * coverage (range, azimuth sector, elevation band). Coverage is
 *   min_range <= range <= max_range,
 *   |az - boresight_az| <= half_width_az (wrapped),
 *   min_el <= el <= max_el  (el in the local geodetic ENU frame),
 * and the line of sight must clear the Earth (geo_visible with
 * clearance_m): for a sensor on the ground a positive elevation already
 * implies it, but not for a mast-top sensor with min_el < 0 looking past
 * the horizon, nor for targets low beyond it. Measurements are the true
 * (range, az, el[, range rate]) plus independent zero-mean Gaussian noise
 * with the configured sigmas; az is wrapped to [0, 2pi) and el clamped
 * to [-pi/2, pi/2]. The range rate is (r_t - r_s) . v_t / |r_t - r_s|
 * (the sensor is fixed in ECEF).
 *
 * Space IR (e.g. a GEO early-warning satellite). The sensor frame has z
 * the boresight (from the satellite to aim_ecef_m, default the sub-
 * satellite point), x = unit(pole x z) (east for a GEO satellite),
 * y = z x x. An object is seen when it is boosting, above cloud_top_m,
 * within fov_half of the boresight and not behind the Earth's limb. The
 * measurement is (atan2(s_x, s_z), atan2(s_y, s_z)) + N(0, sigma_los)
 * each, with s = frame * unit(tgt - sat), as core/obs.h defines.
 *
 * All figures in the example scenarios are illustrative.
 *
 * Invariants:
 *  1. Every random draw comes from the rng passed in (one stream a
 *     sensor), so a run is reproducible and sensors are independent.
 *  2. Observations carry the sensor's position, nation, id and sigmas.
 */
#include "sim/sensor.h"

#include <errno.h>
#include <math.h>
#include <string.h>

static double wrap_2pi(double a)
{
	a = fmod(a, 2 * GEO_PI);
	if (a < 0)
		a += 2 * GEO_PI;
	return a;
}

static double wrap_pi(double a)
{
	a = wrap_2pi(a);
	return a > GEO_PI ? a - 2 * GEO_PI : a;
}

static void unit3(double a[3])
{
	double n = sqrt(a[0] * a[0] + a[1] * a[1] + a[2] * a[2]);
	if (n > 0)
		for (int i = 0; i < 3; i++)
			a[i] /= n;
}

static void cross3(const double a[3], const double b[3], double c[3])
{
	c[0] = a[1] * b[2] - a[2] * b[1];
	c[1] = a[2] * b[0] - a[0] * b[2];
	c[2] = a[0] * b[1] - a[1] * b[0];
}

const char *sim_sensor_kind_str(enum sim_sensor_kind k)
{
	switch (k) {
	case SIM_SENSOR_RADAR:
		return "radar";
	case SIM_SENSOR_SPACE_IR:
		return "space_ir";
	}
	return "?";
}

/* The IR frame from the position and the aim point: z the boresight, x
 * across the pole (or the ECEF x axis looking along the pole). */
static int ir_frame(struct sim_sensor *s)
{
	double z[3];
	for (int i = 0; i < 3; i++)
		z[i] = s->aim_ecef_m[i] - s->ecef_m[i];
	if (sqrt(z[0] * z[0] + z[1] * z[1] + z[2] * z[2]) < 1.0)
		return -EINVAL;
	unit3(z);
	double pole[3] = {0, 0, 1}, x[3], y[3];
	cross3(pole, z, x);
	if (sqrt(x[0] * x[0] + x[1] * x[1] + x[2] * x[2]) < 1e-9) {
		double e[3] = {1, 0, 0}; /* looking along the axis */
		cross3(e, z, x);
	}
	unit3(x);
	cross3(z, x, y);
	memcpy(s->frame_ecef[0], x, sizeof(x));
	memcpy(s->frame_ecef[1], y, sizeof(y));
	memcpy(s->frame_ecef[2], z, sizeof(z));
	return 0;
}

/* An orbiting sensor's ECEF position t_s after start: a circle in the
 * inertial frame that is the ECEF frame at start, node at
 * orbit_node_lon_rad, then the Earth's rotation. */
static void orbit_ecef(const struct sim_sensor *s, double t_s, double r[3])
{
	const double a = s->orbit_radius_m, ci = cos(s->orbit_incl_rad),
	             si = sin(s->orbit_incl_rad);
	const double u = s->orbit_arg_lat_rad + sqrt(GEO_GM_M3_S2 / (a * a * a)) * t_s;
	const double cu = cos(u), su = sin(u), co = cos(s->orbit_node_lon_rad),
	             so = sin(s->orbit_node_lon_rad);
	const double xi = a * (co * cu - so * su * ci), yi = a * (so * cu + co * su * ci),
	             th = GEO_OMEGA_E_RAD_S * t_s;
	r[0] = cos(th) * xi + sin(th) * yi;
	r[1] = -sin(th) * xi + cos(th) * yi;
	r[2] = a * su * si;
}

/* An orbiting sensor at t_s: position, geodetic position, nadir aim and
 * frame. */
static int orbit_place(struct sim_sensor *s, double t_s)
{
	orbit_ecef(s, t_s, s->ecef_m);
	if (geo_ecef_to_lla(s->ecef_m, &s->lla) < 0)
		return -EINVAL;
	memset(s->aim_ecef_m, 0, sizeof(s->aim_ecef_m)); /* geocentric nadir */
	return ir_frame(s);
}

/* A ship's position t_s after start: its great circle from the start
 * point (geo_direct on the ellipsoid), at its own height. */
static int ship_ecef(const struct sim_sensor *s, double t_s, struct geo_lla *lla, double r[3])
{
	if (geo_direct(&s->lla, s->course_rad, s->speed_m_s * t_s, lla) < 0)
		return -EINVAL;
	lla->h_m = s->lla.h_m;
	geo_lla_to_ecef(lla, r);
	return 0;
}

/* A ship at t_s: position, and its velocity by a 0.1 s forward
 * difference (the great circle's curvature changes it by ~1e-6 m/s). */
static int ship_place(struct sim_sensor *out, const struct sim_sensor *s, double t_s)
{
	const double h = 0.1;
	struct geo_lla l1;
	double r1[3];
	if (ship_ecef(s, t_s, &out->lla, out->ecef_m) < 0 || ship_ecef(s, t_s + h, &l1, r1) < 0)
		return -EINVAL;
	for (int k = 0; k < 3; k++)
		out->vel_ecef_m_s[k] = (r1[k] - out->ecef_m[k]) / h;
	return 0;
}

int sim_sensor_prepare(struct sim_sensor *s)
{
	if (!s || !(s->update_s > 0) || !(s->pd >= 0 && s->pd <= 1) || !(s->fa_per_scan >= 0))
		return -EINVAL;
	if (s->orbiting) {
		if (s->kind != SIM_SENSOR_SPACE_IR ||
		    !(s->orbit_radius_m > GEO_WGS84_A_M + 100e3 && s->orbit_radius_m < 1e9))
			return -EINVAL;
		return orbit_place(s, 0.0);
	}
	if (s->moving) {
		if (s->kind != SIM_SENSOR_RADAR || !(s->speed_m_s > 0 && s->speed_m_s < 1000))
			return -EINVAL;
		const struct sim_sensor start = *s; /* ship_place reads start, writes s */
		return ship_place(s, &start, 0.0);
	}
	geo_lla_to_ecef(&s->lla, s->ecef_m);
	if (s->kind == SIM_SENSOR_SPACE_IR)
		return ir_frame(s);
	return s->kind == SIM_SENSOR_RADAR ? 0 : -EINVAL;
}

int sim_sensor_pose(const struct sim_sensor *s, double t_s, struct sim_sensor *out)
{
	*out = *s;
	if (s->moving)
		return ship_place(out, s, t_s);
	return s->orbiting ? orbit_place(out, t_s) : 0;
}

int sim_radar_covers(const struct sim_sensor *s, const double tgt_m[3], double *range_m,
                     double *az_rad, double *el_rad)
{
	double d[3] = {tgt_m[0] - s->ecef_m[0], tgt_m[1] - s->ecef_m[1], tgt_m[2] - s->ecef_m[2]};
	double r2 = d[0] * d[0] + d[1] * d[1] + d[2] * d[2];
	/* cheap rejection before the trigonometry */
	if (r2 > s->max_range_m * s->max_range_m || r2 < s->min_range_m * s->min_range_m)
		return 0;
	double rg, az, el;
	if (geo_ecef_to_aer(&s->lla, s->ecef_m, tgt_m, &rg, &az, &el) < 0)
		return 0;
	if (el < s->min_el_rad || el > s->max_el_rad)
		return 0;
	if (s->half_width_az_rad < GEO_PI &&
	    fabs(wrap_pi(az - s->boresight_az_rad)) > s->half_width_az_rad)
		return 0;
	if (!geo_visible(s->ecef_m, tgt_m, s->clearance_m))
		return 0;
	if (range_m)
		*range_m = rg;
	if (az_rad)
		*az_rad = az;
	if (el_rad)
		*el_rad = el;
	return 1;
}

int sim_ir_covers(const struct sim_sensor *s, const double tgt_m[3], bool boosting)
{
	if (!boosting && s->plumes_only)
		return 0;
	double d[3] = {tgt_m[0] - s->ecef_m[0], tgt_m[1] - s->ecef_m[1], tgt_m[2] - s->ecef_m[2]};
	unit3(d);
	const double *z = s->frame_ecef[2];
	double c = d[0] * z[0] + d[1] * z[1] + d[2] * z[2];
	if (c < cos(s->fov_half_rad))
		return 0;
	if (!geo_visible(s->ecef_m, tgt_m, 0))
		return 0;
	struct geo_lla lla;
	if (geo_ecef_to_lla(tgt_m, &lla) < 0 || lla.h_m < s->cloud_top_m)
		return 0;
	return 1;
}

static void obs_header(const struct sim_sensor *s, mw_time_ns t_ns, struct mw_obs *obs)
{
	memset(obs, 0, sizeof(*obs));
	obs->t_ns = t_ns;
	obs->sensor_id = s->id;
	memcpy(obs->nation, s->nation, sizeof(obs->nation));
	obs->nation[MW_NATION_LEN - 1] = '\0';
	memcpy(obs->sensor_ecef_m, s->ecef_m, sizeof(obs->sensor_ecef_m));
	if (s->kind == SIM_SENSOR_RADAR) {
		obs->kind = MW_OBS_RADAR;
		obs->sigma_range_m = s->sigma_range_m;
		obs->sigma_az_rad = s->sigma_az_rad;
		obs->sigma_el_rad = s->sigma_el_rad;
		obs->has_range_rate = s->sigma_range_rate_m_s > 0;
		obs->sigma_range_rate_m_s = obs->has_range_rate ? s->sigma_range_rate_m_s : 0;
		memcpy(obs->sensor_vel_ecef_m_s, s->vel_ecef_m_s, sizeof(obs->sensor_vel_ecef_m_s));
	} else {
		obs->kind = MW_OBS_LOS;
		memcpy(obs->frame_ecef, s->frame_ecef, sizeof(obs->frame_ecef));
		obs->sigma_los_rad = s->sigma_los_rad;
		obs->plumes_only = s->plumes_only;
	}
}

static double clamp_el(double el)
{
	return el > GEO_PI / 2 ? GEO_PI / 2 : (el < -GEO_PI / 2 ? -GEO_PI / 2 : el);
}

void sim_sensor_measure(const struct sim_sensor *s, struct sim_rng *rng, mw_time_ns t_ns,
                        const double tgt_m[3], const double tgt_v_m_s[3], uint32_t truth_id,
                        struct mw_obs *obs)
{
	obs_header(s, t_ns, obs);
	obs->truth_id = truth_id;
	double d[3] = {tgt_m[0] - s->ecef_m[0], tgt_m[1] - s->ecef_m[1], tgt_m[2] - s->ecef_m[2]};
	if (s->kind == SIM_SENSOR_RADAR) {
		double rg = 0, az = 0, el = 0;
		(void)geo_ecef_to_aer(&s->lla, s->ecef_m, tgt_m, &rg, &az, &el);
		obs->range_m = rg + s->sigma_range_m * sim_rng_normal(rng);
		obs->az_rad = wrap_2pi(az + s->sigma_az_rad * sim_rng_normal(rng));
		obs->el_rad = clamp_el(el + s->sigma_el_rad * sim_rng_normal(rng));
		if (obs->has_range_rate) {
			const double *vs = s->vel_ecef_m_s; /* the range rate is relative */
			double rr = rg > 0 ? (d[0] * (tgt_v_m_s[0] - vs[0]) +
			                      d[1] * (tgt_v_m_s[1] - vs[1]) +
			                      d[2] * (tgt_v_m_s[2] - vs[2])) /
			                         rg
			                   : 0;
			obs->range_rate_m_s = rr + s->sigma_range_rate_m_s * sim_rng_normal(rng);
		}
	} else {
		double sv[3];
		for (int k = 0; k < 3; k++)
			sv[k] = s->frame_ecef[k][0] * d[0] + s->frame_ecef[k][1] * d[1] +
			        s->frame_ecef[k][2] * d[2];
		obs->los_x_rad = atan2(sv[0], sv[2]) + s->sigma_los_rad * sim_rng_normal(rng);
		obs->los_y_rad = atan2(sv[1], sv[2]) + s->sigma_los_rad * sim_rng_normal(rng);
	}
}

void sim_sensor_false_alarm(const struct sim_sensor *s, struct sim_rng *rng, mw_time_ns t_ns,
                            struct mw_obs *obs)
{
	obs_header(s, t_ns, obs);
	obs->truth_id = 0;
	if (s->kind == SIM_SENSOR_RADAR) {
		double w = s->half_width_az_rad < GEO_PI ? s->half_width_az_rad : GEO_PI;
		obs->range_m =
		    s->min_range_m + (s->max_range_m - s->min_range_m) * sim_rng_uniform(rng);
		obs->az_rad = wrap_2pi(s->boresight_az_rad + w * (2 * sim_rng_uniform(rng) - 1));
		obs->el_rad =
		    s->min_el_rad + (s->max_el_rad - s->min_el_rad) * sim_rng_uniform(rng);
		if (obs->has_range_rate)
			obs->range_rate_m_s = 3000.0 * (2 * sim_rng_uniform(rng) - 1);
	} else {
		/* uniform over the cone's tangent-plane disc */
		double t = tan(s->fov_half_rad), x, y;
		do {
			x = 2 * sim_rng_uniform(rng) - 1;
			y = 2 * sim_rng_uniform(rng) - 1;
		} while (x * x + y * y > 1);
		obs->los_x_rad = atan(x * t);
		obs->los_y_rad = atan(y * t);
	}
}
