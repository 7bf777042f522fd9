/*
 * core/obs.h - the in-memory sensor observation shared by sim/ (which
 * makes them), track/ (which consumes them) and wire/ (which converts
 * them to and from the Observation protobuf message).
 *
 * This is a plain data type with no functions, kept in core/ because
 * three modules that must not depend on each other all need it (a
 * departure from the design's module table, recorded in docs/design-notes.md).
 *
 * Two kinds:
 *
 *  MW_OBS_RADAR  range, azimuth, elevation (and optionally range rate)
 *                of the target from the sensor, in the sensor's local
 *                East-North-Up frame at its geodetic position (azimuth
 *                from north, clockwise, [0, 2pi); elevation above the
 *                local horizontal plane, [-pi/2, pi/2]). Range rate is
 *                d|r_tgt - r_sensor|/dt in the ECEF frame, the
 *                sensor's own motion included: a radar that moves (a
 *                ship under way) says how in sensor_vel_ecef_m_s.
 *
 *  MW_OBS_LOS    a bearing-only line of sight from a space-based (or any)
 *                infrared sensor: two tangent-plane angles in the
 *                sensor's own frame. frame_ecef[k] is the k-th axis of
 *                that frame as an ECEF unit vector (rows: x, y, z; z is
 *                the boresight). With u the ECEF unit vector from sensor
 *                to target and s = frame_ecef * u:
 *                    los_x_rad = atan2(s[0], s[2])
 *                    los_y_rad = atan2(s[1], s[2])
 *                valid while s[2] > 0 (target in front of the sensor).
 *
 * Units are in the names. Sigmas are 1-sigma, independent, zero-mean
 * Gaussian (what the sensor claims about itself).
 */
#ifndef MW_CORE_OBS_H
#define MW_CORE_OBS_H

#include <stdbool.h>
#include <stdint.h>

#include "core/time.h"

enum mw_obs_kind {
	MW_OBS_RADAR = 1,
	MW_OBS_LOS = 2,
};

#define MW_NATION_LEN 4 /* ISO 3166-1 alpha-3 + NUL: "KOR", "USA", "JPN" */

struct mw_obs {
	mw_time_ns t_ns;            /* measurement time, UTC ns since the epoch */
	uint32_t sensor_id;         /* unique within the sensor's nation */
	char nation[MW_NATION_LEN]; /* nation that owns the sensor */
	enum mw_obs_kind kind;
	double sensor_ecef_m[3]; /* sensor position at t_ns */

	/* MW_OBS_RADAR */
	double range_m;
	double az_rad;
	double el_rad;
	bool has_range_rate;
	double range_rate_m_s;
	double sigma_range_m;
	double sigma_az_rad;
	double sigma_el_rad;
	double sigma_range_rate_m_s;
	/* The radar's velocity at t_ns in the ECEF frame: all zero for a
	 * sensor fixed on the Earth (Radar.sensor_vel_ecef_m_s, sent only
	 * when not zero). The range rate is u.(v_tgt - sensor_vel). */
	double sensor_vel_ecef_m_s[3];

	/* MW_OBS_LOS */
	double frame_ecef[3][3];
	double los_x_rad;
	double los_y_rad;
	double sigma_los_rad; /* same sigma on both angles */
	/* The sensor sees burning motors only (a short-wave early-warning
	 * sensor): a detection says the object was thrusting at t_ns. False:
	 * the sensor may also see bodies after burnout (a tracking-layer
	 * sensor against the cold sky), or does not say. LineOfSight.plumes_only. */
	bool plumes_only;

	/* The sensor declares this exercise (simulated) data: Observation.exercise,
	 * sent only when true. A node ingesting it marks its envelope exercise
	 * whatever its own [ingest] exercise setting (design invariant 6). */
	bool exercise;

	/* Simulation only, for scoring: the truth object measured, 0 for a
	 * false alarm or unknown. Never sent on the wire. */
	uint32_t truth_id;
};

#endif
