/*
 * track/launch.h - launch point and launch time of a ballistic missile
 * by back-propagation through a generic boost-phase model.
 *
 * Two bases (see launch.c for the model, its sources and invariants):
 *
 *  - boost basis: an estimate made while the track was in boost (IMM
 *    thrust mode), with its thrust acceleration aT (net of drag,
 *    model.h). It is propagated backwards in a gravity turn (thrust
 *    along the velocity, no drag; the estimate's thrust angle is not held
 *    back to the lift-off, launch.c) whose
 *    thrust acceleration follows the constant-thrust, constant-mass-flow
 *    profile of a rocket anchored at the estimated aT:
 *    a(s) = aT / (1 + aT s / (Isp g0)) s seconds before the estimate,
 *    until the speed falls to 50 m/s (the vertical rise) or h = 0.
 *
 *  - ballistic basis: a post-burnout estimate (the track never saw the
 *    boost). The ballistic arc is propagated backwards; the burnout
 *    point on it and the boost before it are found together: for a
 *    candidate burnout time on the ascending arc, a staged gravity-turn
 *    boost (stage count from the burnout speed, every stage with the same
 *    mass ratio mu, burn time Isp (1 - mu) / (F/W), thrust acceleration
 *    g0 (F/W) / (1 - t (F/W) / Isp)) is fitted so that, propagated
 *    backwards, its speed reaches zero exactly at its own ignition time;
 *    the candidate is moved along the arc until that happens at h = 0.
 *
 * Uncertainty: the unscented transform (Julier's kappa = 3 - n, sigma
 * points at +-sqrt(3) sigma) of the state (r, v and k for the ballistic
 * basis; r, v, aT and the parameter Isp for the boost basis); for the
 * ballistic basis a tensor
 * Gauss-Hermite rule over its three model parameters (Isp, lift-off and
 * upper-stage thrust-to-weight, each standard normal through a transform
 * to its physical range) at the mean state, and the stated steering-law
 * and steering-plane errors (TRACK_LAUNCH_STEER_SIG), all added; for the
 * boost basis the steering-plane error, the unseen boost's stated
 * thrust-direction error (model.h) integrated along the backward boost
 * and the steering law's duration error (TRACK_LAUNCH_STEER_SIG of the
 * backward boost's duration), added to the transform's spread. The
 * output is the launch point and time of the central point (the model at
 * the mean state and nominal parameters, not the weighted mean: see
 * launch_ut), on the WGS84 ellipsoid, its 2x2 East-North covariance
 * about that point, the 95% ellipse (semi-axes, orientation clockwise
 * from north) and the launch time's sigma.
 */
#ifndef MW_TRACK_LAUNCH_H
#define MW_TRACK_LAUNCH_H

#include "core/time.h"
#include "track/predict.h"
#include "track/ukf.h"

/* Launch estimate from a boost-mode estimate g at t_ns (g->x[TRACK_IX_AT]
 * the thrust acceleration). Returns 0, -ERANGE (no sigma point reaches
 * the ground within the search bounds), -EDOM, -MW_ENOTSPD. */
int track_launch_from_boost(const struct track_gauss *g, mw_time_ns t_ns,
                            struct track_point_pred *out);

/* Launch estimate from a post-burnout estimate g at t_ns through the
 * generic boost model; max_s bounds the ballistic arc searched backwards.
 * Returns 0, -ERANGE, -EDOM, -MW_ENOTSPD, -ENOMEM. */
int track_launch_from_ballistic(const struct track_gauss *g, mw_time_ns t_ns, double max_s,
                                struct track_point_pred *out);

/*
 * Can boost-mode estimate g serve as the launch basis? Its thrust
 * acceleration must exceed 5 m/s^2 and be known to 12% (1 sigma), so
 * that every sigma point of the transform thrusts and the estimate has
 * settled (launch.c BASIS_AT_REL), its thrust angle must be within 0.5
 * rad, its speed must be above 50 m/s, and it must be within reach
 * (track_launch_boost_reach:
 * at most 2,000 m/s). The tracker keeps the FIRST such estimate of a track:
 * the later the basis, the more of the boost (and the more likely a
 * staging, which the single-stage profile backwards does not model) lies
 * between it and the lift-off. A first-order launch-time-spread score
 * that preferred later, better-determined estimates was tried and picked
 * second-stage estimates (IRBM eval: 29 km, 43 s off), so it was dropped.
 */
int track_launch_basis_ok(const struct track_gauss *g);

/* Can the boost basis reach back from g at all? Its speed must be at
 * most 2,000 m/s (beyond, the unseen burn history, not the estimate,
 * sets the launch time: launch.c BASIS_V_MAX). A track whose boost estimates are all beyond reach
 * gets the ballistic basis once past burnout (tracker.c track_info_predict). */
int track_launch_boost_reach(const struct track_gauss *g);

/* Was g's thrust seen at all? Its thrust acceleration is told from zero:
 * above 5 m/s^2 (the basis's least, launch.c BASIS_AT_MIN) and at least
 * 3 sigma. Most tracks start with the boost probability at 0.5 and some
 * pass 0.5 for a few plots with aT 0 +- 20 m/s^2: not a missile seen in
 * boost, so no launch basis of any kind comes from such an estimate. */
int track_launch_thrust_seen(const struct track_gauss *g);

/* Model details of one deterministic back-propagation (the central
 * sigma point), for tests and diagnostics. */
struct track_launch_detail {
	double t_launch_s;  /* launch time relative to the estimate, < 0 */
	double t_burnout_s; /* burnout time relative to the estimate (ballistic basis; 0 boost) */
	double burn_s;      /* modelled burn time (ballistic basis) */
	double h_burnout_m;
	double v_burnout_m_s;
	int n_stages;
	double launch_ecef_m[3];         /* on the ellipsoid */
	double burnout_ground_ecef_m[3]; /* below the burnout point (ballistic basis); the
	                                  * basis's ground point (boost basis) */
	/* Boost basis: ECEF covariance (row-major 3 x 3) of the launch point
	 * from the boost model's stated thrust-direction error integrated
	 * along the backward boost (0 for the ballistic basis). */
	double thrust_dir_cov_ecef_m2[9];
	/* Ballistic basis: weight of the ICBM class's published burn times
	 * (0 below 6 km/s of state energy at the ground, 1 from 7 km/s). */
	double icbm_weight;
};

/* Model parameters, standard normal: Isp, lift-off F/W, upper-stage F/W
 * (the boost basis uses only the first). */
#define TRACK_LAUNCH_NPAR 3

/* Ballistic basis: the steering-law uncertainty, 1 sigma, relative
 * to the boost ground range (launch point - burnout ground point:
 * TRACK_LAUNCH_STEER_SIG) and to the boost duration (TRACK_LAUNCH_STEER_SIG
 * blended to TRACK_LAUNCH_STEER_SIG_T with track_launch_detail.icbm_weight,
 * launch.c). Boost basis: the backward boost's duration, relative,
 * TRACK_LAUNCH_STEER_SIG (its gravity turn against the simulator's pitch
 * programme put the salvo's lift-offs ~10 s late from 40-50 s bases, with
 * the thrust-along-v model and with the thrust's angle estimated alike).
 * Both bases: across the ground track the
 * Coriolis scale w T |D| / 3 as 1 sigma (boost basis: D from the basis's
 * ground point). Added analytically to the transform's spread (launch.c). */
#define TRACK_LAUNCH_STEER_SIG   0.3
#define TRACK_LAUNCH_STEER_SIG_T 0.1

/* The same model on one state without state uncertainty: boost = 1 uses
 * the boost basis (x[TRACK_IX_AT]), 0 the ballistic one; z: the
 * TRACK_LAUNCH_NPAR standard-normal model parameters (NULL: nominal). */
int track_launch_point(const double x[TRACK_NX], int boost, const double *z, double max_s,
                       struct track_launch_detail *out);

#endif
