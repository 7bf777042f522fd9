/*
 * track/bound.h - the posterior Cramer-Rao lower bound (PCRLB) of the
 * tracker's estimation problem for one object, along its true
 * trajectory, and the bound on its impact-point prediction.
 *
 * Used by `mwlink eval` and the statistical acceptance test: the issue's
 * criterion "impact-point RMS error within 1.5 times the PCRLB-based
 * bound" is measured against track_bound_impact().
 */
#ifndef MW_TRACK_BOUND_H
#define MW_TRACK_BOUND_H

#include "core/obs.h"
#include "core/time.h"
#include "track/tracker.h"

#define TRACK_BOUND_N 7 /* bound state: r (3), v (3), k */

struct track_bound {
	/* Set by the caller before the first update (0 in a zeroed b): how
	 * the bound treats the truth's thrust while it thrusts.
	 * TRACK_BOUND_THRUST_KNOWN: the thrust is known, only the boost
	 * model's white noise is added (the bound of sessions 1-20).
	 * TRACK_BOUND_THRUST_EST: its size and angle are states, as the
	 * filter's aT and alpha (model.h): the tracker's priors at the start
	 * (init_sigma_at_m_s2, TRACK_ALPHA_SIGMA0_RAD), the boost model's
	 * walks q_at and q_alpha, and the thrusting model's transition at
	 * the truth's thrust and angle; marginalised at the truth's
	 * burnout. */
	int thrust_mode;
	int active;
	int boost;                               /* the truth was in boost at t_ns */
	double P[TRACK_BOUND_N * TRACK_BOUND_N]; /* the bound covariance of (r, v, k) */
	double x[TRACK_BOUND_N];                 /* the true state at t_ns */
	mw_time_ns t_ns;                         /* last measurement */
	double thrust_m_s2; /* the truth's thrust over the last interval (boost) */
	double alpha_rad;   /* ... and its angle off the velocity (model.h) */
	/* TRACK_BOUND_THRUST_EST while boost: the covariance of (r, v,
	 * alpha, aT); P is its leading block with k's prior for alpha's */
	double Pa[TRACK_NX * TRACK_NX];
};

#define TRACK_BOUND_THRUST_KNOWN 0
#define TRACK_BOUND_THRUST_EST   1

/*
 * Add measurement o of the object, whose true state at o->t_ns is xt
 * (r, v and its true k; boost: the truth thrusts). The first
 * measurement starts the bound with the tracker's prior (tc; a line of
 * sight with a diffuse position prior as well, bound.c). b starts
 * zeroed. Returns 0, -EINVAL for a
 * malformed measurement, -EDOM or -MW_ENOTSPD on numerical failure (b
 * unchanged).
 */
int track_bound_update(struct track_bound *b, const struct track_config *tc, const struct mw_obs *o,
                       const double xt[TRACK_BOUND_N], int boost);

/* The bound's covariance predicted from its last measurement to t_ns
 * (no measurement): the bound for a prediction to t_ns. */
int track_bound_predict(const struct track_bound *b, const struct track_config *tc, mw_time_ns t_ns,
                        double P[TRACK_BOUND_N * TRACK_BOUND_N]);

/*
 * The impact-point bound at the last measurement: the bound covariance
 * at the true state pushed through the tracker's impact transform
 * (track_predict_impact). var_m2: trace of its East-North covariance
 * (the bound on the mean squared miss distance); var_known_k_m2 (may be
 * NULL): the same conditioned on k (a genie that knows the ballistic
 * coefficient). -ERANGE if not active or not predictable.
 */
int track_bound_impact(const struct track_bound *b, double *var_m2, double *var_known_k_m2);

#endif
