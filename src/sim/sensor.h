/*
 * sim/sensor.h - sensor models: ground/ship radars and space-based
 * infrared, their fields of regard, Earth-curvature masking, detection
 * probability, false alarms and measurement noise. Internal to sim/.
 */
#ifndef MW_SIM_SENSOR_H
#define MW_SIM_SENSOR_H

#include <stdbool.h>
#include <stdint.h>

#include "core/obs.h"
#include "geo/geo.h"
#include "sim/rng.h"

#define SIM_KNOT_M_S (1852.0 / 3600.0) /* the international knot */

enum sim_sensor_kind {
	SIM_SENSOR_RADAR = 1, /* ground or ship radar: range, az, el [, range rate] */
	SIM_SENSOR_SPACE_IR,  /* space-based IR: line-of-sight angles */
};

struct sim_sensor {
	enum sim_sensor_kind kind;
	uint32_t id; /* unique within the nation */
	char nation[MW_NATION_LEN];
	char name[48];
	struct geo_lla lla; /* position (a ship under way or an orbiting
	                     * sensor: at scenario start, sim_sensor_pose) */
	double ecef_m[3];   /* derived */
	double update_s;    /* scan / revisit period */
	double phase_s;     /* first scan at scenario start + phase_s */
	double pd;          /* probability of detection of an object in coverage */
	double fa_per_scan; /* mean number of false alarms per scan (Poisson) */

	/* radar */
	double boresight_az_rad;
	double half_width_az_rad; /* >= pi: all round */
	double min_el_rad, max_el_rad;
	double min_range_m, max_range_m;
	double sigma_range_m, sigma_az_rad, sigma_el_rad;
	double sigma_range_rate_m_s; /* <= 0: no range rate */
	double clearance_m;          /* horizon masking: line of sight must clear the
	                              * ellipsoid raised by this much (default 0) */

	/* space IR */
	double aim_ecef_m[3]; /* point the boresight looks at (default: nadir) */
	double fov_half_rad;  /* field of regard: cone around the boresight */
	double sigma_los_rad;
	double cloud_top_m;      /* sees objects only above this height */
	bool plumes_only;        /* sees boosting objects only (scenario "sees":
	                          * "plumes", the default); false: also bodies
	                          * after burnout ("all", a tracking layer) */
	double frame_ecef[3][3]; /* derived: rows x, y, z (boresight) */

	/* a ship under way (scenario "course_deg", "speed_kn"): a great
	 * circle from lla at constant speed; lla and ecef_m are the start,
	 * vel_ecef_m_s the velocity at the pose's time (sim_sensor_pose) */
	bool moving;
	double course_rad; /* initial course, from north, clockwise */
	double speed_m_s;
	double vel_ecef_m_s[3]; /* derived; zero for a fixed sensor */

	/* space IR in a circular two-body orbit (scenario "orbit"): the
	 * boresight is the geocentric nadir, and lla, ecef_m, aim_ecef_m and
	 * frame_ecef hold the pose at scenario start */
	bool orbiting;
	double orbit_radius_m;     /* from the Earth's centre */
	double orbit_incl_rad;     /* inclination */
	double orbit_node_lon_rad; /* longitude of the ascending node at start */
	double orbit_arg_lat_rad;  /* argument of latitude at start */
};

/* Compute the derived fields (ecef_m, frame; an orbiting sensor's lla
 * and aim too, at scenario start). 0 or -EINVAL. */
int sim_sensor_prepare(struct sim_sensor *s);

/*
 * The sensor as it is t_s seconds after scenario start: *out = *s, with an
 * orbiting sensor's position (ecef_m, lla) moved along its orbit (the
 * inertial frame is the ECEF frame at start; the Earth turns under it at
 * GEO_OMEGA_E_RAD_S) and its nadir frame with it, and a moving ship's
 * position moved along its great circle with vel_ecef_m_s its velocity
 * there. A fixed sensor's pose is itself. 0, or -EINVAL for a degenerate
 * pose.
 */
int sim_sensor_pose(const struct sim_sensor *s, double t_s, struct sim_sensor *out);

/*
 * Geometry only: is a target at ECEF tgt inside the radar's coverage
 * (range limits, azimuth sector, elevation limits) and not masked by the
 * Earth? 1 yes, 0 no. range/az/el (may be NULL) get the true values when
 * 1 is returned.
 */
int sim_radar_covers(const struct sim_sensor *s, const double tgt_m[3], double *range_m,
                     double *az_rad, double *el_rad);

/* Space IR: in the field of regard, not behind the Earth, above the cloud
 * tops and, for a plumes-only sensor, boosting. 1 yes, 0 no. */
int sim_ir_covers(const struct sim_sensor *s, const double tgt_m[3], bool boosting);

/* Noisy measurement of a target (truth_id) at t. For radar, tgt_v is used
 * for the range rate. */
void sim_sensor_measure(const struct sim_sensor *s, struct sim_rng *rng, mw_time_ns t_ns,
                        const double tgt_m[3], const double tgt_v_m_s[3], uint32_t truth_id,
                        struct mw_obs *obs);

/* A false alarm, uniformly spread over the coverage (truth_id 0). */
void sim_sensor_false_alarm(const struct sim_sensor *s, struct sim_rng *rng, mw_time_ns t_ns,
                            struct mw_obs *obs);

const char *sim_sensor_kind_str(enum sim_sensor_kind k);

#endif
