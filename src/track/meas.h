/*
 * track/meas.h - measurement models for the observations of core/obs.h.
 *
 *   radar  z = [range_m, az_rad, el_rad (, range_rate_m_s)] in the
 *          sensor's local ENU frame at its geodetic position; az from
 *          north clockwise in [0, 2pi), el = atan2(up, horizontal).
 *          range rate = (r - s) . v / |r - s| (sensor fixed in ECEF).
 *   LOS    z = [los_x_rad, los_y_rad] = [atan2(s0, s2), atan2(s1, s2)]
 *          with s = F (r - s_sensor), F = obs.frame_ecef (rows = sensor
 *          axes in ECEF); valid only for s2 > 0.
 *
 * Angles wrap: residuals are always formed with track_meas_residual(),
 * which wraps every angular component into (-pi, pi].
 */
#ifndef MW_TRACK_MEAS_H
#define MW_TRACK_MEAS_H

#include <stdbool.h>

#include "core/obs.h"
#include "track/model.h"

#define TRACK_NZ_MAX 4

/* An observation prepared for the filter (sensor geometry precomputed). */
struct track_meas {
	enum mw_obs_kind kind;
	int nz;
	double z[TRACK_NZ_MAX];
	double r_var[TRACK_NZ_MAX]; /* R is diagonal: variances */
	bool is_angle[TRACK_NZ_MAX];
	double sensor_ecef_m[3];
	double sensor_vel_ecef_m_s[3]; /* radar: the sensor's velocity (0: fixed),
	                                * the range rate's reference */
	double rot[3][3];              /* ECEF -> ENU (radar) or sensor frame (LOS) */
	bool plumes_only;              /* LOS from a sensor that sees burning motors only
	                                * (mw_obs.plumes_only): only a thrusting object
	                                * makes it (imm.h, TRACK_PLUME_COAST_P) */
};

/*
 * Check an observation (finite values, positive plausible sigmas,
 * angles in range, orthonormal LOS frame) and prepare it. -EINVAL if the
 * observation is malformed (a counted input error, not an assert).
 */
int track_meas_prepare(const struct mw_obs *obs, struct track_meas *m);

/* The same, reusing the ENU rotation of prev (a measurement prepared by
 * these functions, or NULL) when both are radar at the same sensor
 * position: identical result without the iterative geodetic conversion. */
int track_meas_prepare_near(const struct mw_obs *obs, const struct track_meas *prev,
                            struct track_meas *m);

/* z = h(x). -EDOM where the model is undefined (zero range, LOS behind). */
int track_meas_h(const struct track_meas *m, const double x[TRACK_NX], double z[TRACK_NZ_MAX]);

/* z = h(x) of two states at once: za = h(xa), zb = h(xb), each the same
 * doubles as track_meas_h's (nz components written). -EDOM if either is
 * undefined; za and zb are then untouched. */
int track_meas_h_pair(const struct track_meas *m, const double xa[TRACK_NX],
                      const double xb[TRACK_NX], double za[TRACK_NZ_MAX], double zb[TRACK_NZ_MAX]);

/*
 * z = h(x), its Jacobian H = dh/dx (nz x TRACK_NX, row-major, rows of
 * TRACK_NX; rows nz.. are not written), per component a bound on the spectral norm of the Hessian
 * of h with respect to position (for the range rate: the position block
 * only; its position-velocity block has norm 1/range), and the
 * second-order mean terms corr_i = 1/2 tr(Hess_i P_rr) for the
 * covariance P (TRACK_NX^2; 0 for the range rate). -EDOM where h or H is
 * undefined (as track_meas_h, and a radar target within 1 mm of the
 * zenith line).
 */
int track_meas_h_jac(const struct track_meas *m, const double x[TRACK_NX], const double *P,
                     double z[TRACK_NZ_MAX], double H[TRACK_NZ_MAX * TRACK_NX],
                     double hess[TRACK_NZ_MAX], double corr[TRACK_NZ_MAX]);

/* d = a - b with angular components wrapped into (-pi, pi]. */
void track_meas_residual(const struct track_meas *m, const double *a, const double *b, double *d);

/* Wrap an angle into (-pi, pi]. */
double track_wrap_pi(double a);

#endif
