/*
 * track/ukf.h - unscented Kalman filter steps on the ballistic state of
 * model.h with the measurements of meas.h.
 *
 * Sigma points: the scaled unscented transform with alpha = 1, beta = 2,
 * kappa = 0 (lambda = 0): 2n points x +- sqrt(n) L_i (L the Cholesky
 * factor of P) with mean weights 1/(2n), plus the centre point with mean
 * weight 0 and covariance weight 2. All weights are non-negative, so
 * every transformed covariance is a sum of positive semi-definite terms.
 *
 * Update: K = Pxz S^-1, x+ = x + K nu, and the covariance in Joseph form
 * with the statistically linearised H = Pxz^T P^-1 and the effective
 * noise R_eff = S - H P H^T (>= R: the Schur complement of the joint
 * sigma-point covariance): P+ = (I - K H) P (I - K H)^T + K R_eff K^T.
 * It equals P - K S K^T in exact arithmetic but stays symmetric positive
 * definite under rounding.
 */
#ifndef MW_TRACK_UKF_H
#define MW_TRACK_UKF_H

#include "track/meas.h"
#include "track/model.h"

/* C: the cross-covariance of the state's error with the gravity-model
 * error's unit Gauss-Markov acceleration b (TRACK_NX x 3, row-major; a
 * Schmidt consider parameter, track/gravity_err.h). All zero unless a
 * motion model states a gravity-model error; creators zero it. */
struct track_gauss {
	double x[TRACK_NX];
	double P[TRACK_NX * TRACK_NX];
	double C[TRACK_NX * 3];
};

/* Predicted measurement of a Gaussian state. */
struct track_zpred {
	int nz;
	int lin; /* 1: linearised (Jacobian) prediction, R_eff = R exactly */
	double zhat[TRACK_NZ_MAX];
	double S[TRACK_NZ_MAX * TRACK_NZ_MAX];
	/* The cross-covariance Pxz (TRACK_NX x nz) held by column, as the
	 * update reads it: PxzT[a * TRACK_NX + i] = Pxz_ia = cov(x_i, z_a);
	 * columns nz.. zero. */
	_Alignas(16) double PxzT[TRACK_NZ_MAX * TRACK_NX];
	double logdet_S;
	double Ls[TRACK_NZ_MAX * TRACK_NZ_MAX]; /* Cholesky factor of S */
	int has_hc;                             /* 1: HC set (the state carries C); 0: HC unset */
	double HC[TRACK_NZ_MAX * 3];            /* H C (track/gravity_err.h) */
	/* The mode probability track_imm_zpredict weighed this prediction
	 * with and its log, kept for track_imm_update (the same log of the
	 * same mu: not taken twice); NAN from this file's functions. */
	double mu, log_mu;
	/* Last: the linearised prediction (lin) leaves it unset. */
	double Lp[TRACK_NX * TRACK_NX]; /* Cholesky factor of the state's P (lin = 0) */
};

/*
 * Predict over dt_s (any sign; 0 copies) with motion model mo.
 * -MW_ENOTSPD if P is not SPD, -EDOM if propagation fails.
 *
 * The thrusting model is always predicted by its sigma points
 * (track_ukf_predict_ut): its thrust turns with the velocity and the
 * estimated angle, and grows as aT^2 (model.h). For the non-thrusting
 * model, where the dynamics are linear to well below the noise over the
 * interval - above TRACK_LIN_MIN_H_M (no drag), for |dt| <=
 * TRACK_LIN_MAX_DT_S - the covariance is propagated with the exact
 * state-transition matrix of the mean trajectory (variational
 * equations, track_model_propagate_stm): P = Phi P Phi^T + Q, at a
 * fraction of the cost of 17 sigma-point propagations. A longer gap
 * from and to above TRACK_LIN_MIN_H_M takes the map's second-order
 * expansion with the Gaussian's moments (track_ukf_predict_so: 36
 * propagations; the sigma points misstate the quadratic terms there,
 * the linearisation drops them). Elsewhere (drag, a stated gravity
 * error over a long gap) the sigma points are propagated.
 * The unit tests bound the difference between the two where the first
 * is used. The measurement prediction is linearised where h is nearly
 * linear (track_ukf_zpredict below).
 */
#define TRACK_LIN_MIN_H_M  120e3
#define TRACK_LIN_MAX_DT_S 10.0
/*
 * Every predicted covariance is formed as a Gram matrix - the sigma
 * points' weighted deviations, or the linearised path's M = Phi L with
 * P = L L^T - so it is positive semi-definite up to its own rounding
 * (~17 eps relative to sqrt(P_ii P_jj)) without any process noise;
 * then its diagonal is raised by TRACK_P_FLOOR_REL of itself. That
 * floor is what a stored 8 x 8 covariance can resolve, not white noise:
 * it lifts every eigenvalue of the equilibrated matrix D^-1/2 P D^-1/2
 * (D = diag P) by 1e-11, so its reciprocal 1-norm condition number is
 * at least 1e-11 / 8^1.5 = 4.4e-13, 44x mat/'s conditioning limit
 * (1e-14, MAT_RCOND_MIN), and no pivot of the next factorisation can
 * fall to rounding level; a variance grows by 1e-11 of itself (a sigma
 * by 5e-12) per prediction. Directions the dynamics pin below it (drag
 * at terminal speed: the velocity a function of position and k; a state
 * known to 1e12 in condition stretched for an hour) are stated
 * conservatively at the floor. docs/tracking.md "SPD long predictions
 * and q (session 7, branch sqrtp)".
 */
#define TRACK_P_FLOOR_REL 1e-11

int track_ukf_predict(const struct track_gauss *in, double dt_s, const struct track_motion *mo,
                      struct track_gauss *out);
int track_ukf_predict_ut(const struct track_gauss *in, double dt_s, const struct track_motion *mo,
                         struct track_gauss *out);
/* The linearised prediction of the non-thrusting model (mo->thrust = 0;
 * -EINVAL for the thrusting one). */
int track_ukf_predict_lin(const struct track_gauss *in, double dt_s, const struct track_motion *mo,
                          struct track_gauss *out);
/* The long exo-atmospheric prediction (ukf.c): |dt| > TRACK_LIN_MAX_DT_S,
 * no thrust, no stated gravity error, the mean above TRACK_LIN_MIN_H_M
 * (track_ukf_so_ok); the map's second-order expansion with the
 * Gaussian's moments. 1 (out untouched) if the mean's arc ends below
 * TRACK_LIN_MIN_H_M, else as track_ukf_predict. */
int track_ukf_so_ok(const struct track_gauss *in, double dt_s, const struct track_motion *mo);
int track_ukf_predict_so(const struct track_gauss *in, double dt_s, const struct track_motion *mo,
                         struct track_gauss *out);

/*
 * Predicted measurement (mean, innovation covariance, cross-covariance).
 *
 * Where h is close to linear over the state's spread - the second-order
 * term of every component, bounded by e = 1/2 |Hess h_i| tr(P_rr), below
 * TRACK_ZLIN_TOL of that component's sigma (a confirmed track seen by a
 * radar hundreds of km away) - the prediction is linearised with the
 * second-order mean terms (track_ukf_zpredict_lin: zhat = h(x) + 1/2
 * tr(Hess_i P_rr), S = H P H^T + R, Pxz = P H^T with the analytic
 * Jacobian; one h evaluation instead of 17; the variance it leaves out
 * is below 2 TRACK_ZLIN_TOL^2 of R). Elsewhere (fresh tracks, large
 * spreads, near the sensor) the sigma points are used
 * (track_ukf_zpredict_ut). The unit test bounds the difference between
 * the two where the first is used.
 */
#define TRACK_ZLIN_TOL 0.05
/* These return 0 with *zp set, or a negative code with *zp's contents
 * unspecified (partly written: discard them). */
int track_ukf_zpredict(const struct track_gauss *g, const struct track_meas *m,
                       struct track_zpred *zp);
int track_ukf_zpredict_ut(const struct track_gauss *g, const struct track_meas *m,
                          struct track_zpred *zp);
int track_ukf_zpredict_lin(const struct track_gauss *g, const struct track_meas *m,
                           struct track_zpred *zp);

/* Innovation nu = z - zhat (angles wrapped) and its Mahalanobis d^2. */
int track_ukf_innovation(const struct track_zpred *zp, const struct track_meas *m,
                         double nu[TRACK_NZ_MAX], double *d2);

/* Update g with measurement m, given zp = track_ukf_zpredict(g, m). */
int track_ukf_update(const struct track_gauss *g, const struct track_zpred *zp,
                     const struct track_meas *m, struct track_gauss *out, double *nis);

/* Debug-build check that g's covariance is SPD (asserts); with NDEBUG
 * an inline no-op (no call on the filter's hot path). */
#ifndef NDEBUG
void track_gauss_check(const struct track_gauss *g);
#else
static inline void track_gauss_check(const struct track_gauss *g)
{
	(void)g;
}
#endif

#endif
