/*
 * track/gravity_err.h - the gravity-model error carried as a Schmidt
 * consider parameter.
 *
 * The stated gravity-model error (model.h, "Gravity-model error") is an
 * acceleration a(t) = sigma_g(r) b(t), b a unit first-order Gauss-Markov
 * process per ECEF axis with correlation time tau = TRACK_GRAV_TAU_S.
 * It is not estimated: b keeps mean 0 and covariance I, but the filter
 * carries C = Cov(state error, b) (struct track_gauss.C, TRACK_NX x 3),
 * so that what b did to the estimate in one interval is known to go on
 * in the next (over 1,000 s of correlation the intervals are not
 * independent). Over an interval dt (x = |dt| / tau, f = e^-x, s =
 * sigma_g over the interval, Phi the interval's state transition):
 *
 *   displacement  d = s (Gamma b0 + n),  Gamma = [g_r I; g_v I; 0]
 *   P' = Phi P Phi^T + Q + s (Phi C Gamma^T + Gamma C^T Phi^T)
 *   C' = f Phi C + s Gamma1,             Gamma1 = [g1_r I; g_v I; 0]
 *
 * with Q the white terms plus s^2 times the displacement's stationary
 * covariance (track_model_gm_q, as before), and, for dt > 0,
 *   g_v  = tau (1 - e^-x)                      (int_0^dt e^-u/tau du)
 *   g_r  = tau dt - tau^2 (1 - e^-x)           (int_0^dt (dt - u) e^-u/tau du)
 *   g1_r = tau^2 (1 - e^-x (1 + x))            (int_0^dt u e^-u/tau du)
 * (g_r, g1_r -> dt^2/2 and g_v -> dt for dt << tau: the constant
 * acceleration); for dt < 0 the velocity terms change sign. The
 * displacement is the kinematic one (as Q's): the gravity gradient over
 * one interval is left out, as in Q.
 *
 * Phi C comes from the interval's state-transition matrix where the
 * prediction is linearised (track_ukf_predict_lin), and from the
 * propagated sigma points elsewhere (statistical linearisation: Phi =
 * Cov(x', x) P^-1, so Phi C = sum_j (X'_j+ - X'_j-) (L^-1 C)_j / (2
 * sqrt(n)), L the Cholesky factor of P): no extra propagation.
 *
 * Update with gain K (b is not estimated, its gain is 0; Joseph form):
 *   C+ = (I - K H) C = C - K (H C),
 * H C = H_r C_r for the linearised measurement prediction and Pxz^T
 * P^-1 C (the statistically linearised H) for the unscented one.
 *
 * The joint covariance [P C; C^T I] stays positive semi-definite under
 * all of these and under the IMM's mixing (a convex combination: C
 * mixes as sum_j w_j C_j) and its resets (a state reset to an
 * independent prior has its rows of C zeroed).
 *
 * Cost with grav_err NONE: nothing is computed (C stays 0; one test of
 * C for zero per measurement prediction); otherwise O(n^2 x 3) per
 * interval and per update, and no sigma point.
 */
#ifndef MW_TRACK_GRAVITY_ERR_H
#define MW_TRACK_GRAVITY_ERR_H

#include "track/model.h"
#include "track/ukf.h"

#define TRACK_GRAV_NB 3 /* components of b (ECEF axes) */

/* g[0] = g_r, g[1] = g_v (signed), g[2] = g1_r of an interval dt_s
 * for correlation time tau_s (per unit sigma; 0 if dt_s = 0), g[3] =
 * f = e^-x. */
void track_grav_gammas(double tau_s, double dt_s, double g[4]);

/* Is C non-zero anywhere? */
int track_grav_has_c(const struct track_gauss *g);

/*
 * The prediction's process noise and consider terms: out->P holds
 * Phi P Phi^T (without noise) on entry and gets track_model_add_q's
 * noise plus the cross terms; out->C is set. PhiC = Phi in->C
 * (TRACK_NX x 3). in is the start of the interval (for sigma_g).
 */
void track_grav_predict(struct track_gauss *out, const struct track_gauss *in, const double *PhiC,
                        double dt_s, const struct track_motion *mo);

/* Phi C from a state-transition matrix of track_model_propagate_stm
 * (TRACK_NX x TRACK_NX; its rows 6, 7 are unit rows). */
void track_grav_phic_stm(const double *Phi, const double *C, double *PhiC);

/* Phi C from the 2 TRACK_NX + 1 sigma points after propagation (X[0]
 * the centre, X[1 + j] and X[1 + TRACK_NX + j] the points +- sqrt(n)
 * L_j) and L, the Cholesky factor of the covariance they were drawn
 * from. */
void track_grav_phic_sigma(const double (*X)[TRACK_NX], const double *L, const double *C,
                           double *PhiC);

/* H C for the measurement prediction: from the Jacobian H (nz x
 * TRACK_NX, columns 0..nc-1 non-zero), or from Pxz (TRACK_NX x nz, held
 * by column as struct track_zpred's PxzT) and the Cholesky factor Lp of
 * P (Pxz^T P^-1 C). */
void track_grav_hc_jac(const double *H, int nc, const double *C, int nz, double *HC);
void track_grav_hc_pxz(const double *Lp, const double *PxzT, const double *C, int nz, double *HC);

/* Cout = C - K HC (K: TRACK_NX x nz). Cout may alias C. Inline so that
 * the update's per-nz copies (ukf.c, update_nz) unroll it. */
static inline __attribute__((always_inline)) void
track_grav_update_c(double *Cout, const double *C, const double *K, const double *HC, const int nz)
{
	for (int i = 0; i < TRACK_NX; i++)
		for (int b = 0; b < TRACK_GRAV_NB; b++) {
			double v = C[i * TRACK_GRAV_NB + b];
			for (int a = 0; a < nz; a++)
				v -= K[i * nz + a] * HC[a * TRACK_GRAV_NB + b];
			Cout[i * TRACK_GRAV_NB + b] = v;
		}
}

#endif
