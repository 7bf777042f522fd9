/*
 * track/predict.h - impact and launch point prediction.
 *
 * Impact: the state is propagated without thrust (during boost this is
 * the instantaneous impact point: where the object would land if the
 * engines stopped now) until it meets the WGS84 ellipsoid (h = 0), for
 * each sigma point of the unscented transform of the (r, v, k)
 * estimate (2n+1 = 15 points, alpha = 1, beta = 2, kappa = 0). The
 * impact points are expressed in the local East-North plane at the
 * centre point's impact; their weighted mean and covariance give the
 * predicted impact point, its 2x2 covariance and the 95% ellipse
 * (semi-axes sqrt(-2 ln 0.05) = 2.4477 times the square roots of the
 * eigenvalues, orientation of the major axis clockwise from north), and
 * the impact time with its sigma.
 *
 * Launch: see track/launch.h (back-propagation through a generic
 * boost-phase model, unscented transform over the state and the model
 * parameters); track_predict_launch() dispatches to it.
 */
#ifndef MW_TRACK_PREDICT_H
#define MW_TRACK_PREDICT_H

#include "core/time.h"
#include "geo/geo.h"
#include "track/ukf.h"

#define TRACK_ELLIPSE_K95 2.4477468306808166 /* sqrt(-2 ln 0.05) */

struct track_point_pred {
	mw_time_ns t_ns; /* predicted time at the surface */
	double sigma_t_s;
	struct geo_lla lla; /* predicted point (h = 0) */
	double ecef_m[3];
	double cov_en_m2[4]; /* 2x2 East-North covariance, row-major */
	double semi_major_m; /* 95% ellipse */
	double semi_minor_m;
	double orient_rad; /* major axis, clockwise from north, [0, pi) */
};

/* Fill semi_major_m, semi_minor_m and orient_rad of r from its
 * cov_en_m2 (2x2 symmetric, row-major). */
void track_point_pred_ellipse(struct track_point_pred *r);

/* A point on the surface from its East-North mean en_m (metres, in the
 * tangent plane of ref, h = 0) and 2x2 covariance cov_en (row-major),
 * at t_ns + dt_s with time sigma sigma_t_s: the point taken to h = 0,
 * the 95% ellipse filled. Impact and launch predictions both end here. */
int track_point_pred_make(const struct geo_lla *ref, const double en_m[2], const double cov_en[4],
                          mw_time_ns t_ns, double dt_s, double sigma_t_s,
                          struct track_point_pred *out);

/*
 * Predict the impact of estimate g (at time t_ns). max_s bounds the
 * flight time searched (e.g. 7200 s). Returns 0, -ERANGE if some sigma
 * point does not reach the surface within max_s (orbit or too
 * uncertain), -MW_ENOTSPD, -EDOM.
 */
int track_predict_impact(const struct track_gauss *g, mw_time_ns t_ns, double max_s,
                         struct track_point_pred *out);

/* Predict the launch point and time of g: thrust = 1, g is a boost-mode
 * estimate (track_launch_from_boost); 0, a post-burnout one
 * (track_launch_from_ballistic, max_s of arc searched). */
int track_predict_launch(const struct track_gauss *g, mw_time_ns t_ns, int thrust, double max_s,
                         struct track_point_pred *out);

/*
 * Propagate one state to the surface (dir = +1 forward, -1 backward)
 * within max_s; for launch (dir -1) also stop when |v| < stop_speed.
 * On success *dt_s is the signed time taken and out the final state.
 */
int track_propagate_to_surface(const double x[TRACK_NX], int dir, int thrust, double max_s,
                               double stop_speed_m_s, double *dt_s, double out[TRACK_NX]);

/* Is the ECEF point p inside the 95% ellipse of pred? (local EN plane) */
int track_point_in_ellipse(const struct track_point_pred *pred, const double p_ecef[3], double *d2);

#endif
