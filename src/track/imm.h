/*
 * track/imm.h - interacting multiple model (IMM) estimator with two
 * unscented filters on the same state and dynamics that differ in their
 * process noise:
 *
 *   TRACK_MODE_BALLISTIC  gravity + drag, small white acceleration; the
 *                         thrust component aT of the state is unused: at
 *                         every mixing it is reset to 0 with variance
 *                         sigma_at0^2 (the thrust a boost would start with)
 *   TRACK_MODE_BOOST      the same plus thrust aT along the velocity (a
 *                         random walk) and a larger white acceleration for
 *                         steering and staging
 *
 * Mode switching is a continuous-time Markov chain: over dt the
 * probability of staying in boost is exp(-dt / tau_boost_s) and of
 * staying ballistic exp(-dt / tau_ballistic_s). The cycle is the
 * standard one (Blom & Bar-Shalom 1988): mix, predict each model,
 * update each model, re-weight the modes by their likelihoods.
 */
#ifndef MW_TRACK_IMM_H
#define MW_TRACK_IMM_H

#include "track/ukf.h"

enum track_mode { TRACK_MODE_BALLISTIC = 0, TRACK_MODE_BOOST = 1, TRACK_N_MODES = 2 };

struct track_imm_cfg {
	struct track_motion motion[TRACK_N_MODES];
	double sigma_at0_m_s2; /* thrust uncertainty on entering boost */
	double tau_boost_s;
	double tau_ballistic_s;
};

struct track_imm {
	double mu[TRACK_N_MODES]; /* mode probabilities, sum 1 */
	struct track_gauss m[TRACK_N_MODES];
};

/* Mix and predict every model over dt_s; out->mu are the predicted mode
 * probabilities. */
int track_imm_predict(const struct track_imm *in, double dt_s, const struct track_imm_cfg *cfg,
                      struct track_imm *out);

/* Per-model predicted measurements and the gate distance of the
 * moment-matched mixture; zp[] feed track_imm_update. */
int track_imm_zpredict(const struct track_imm *pred, const struct track_meas *m,
                       struct track_zpred zp[TRACK_N_MODES], double *d2, double *logdet_S);

/* Update every model with m; re-weight modes. nis (may be NULL) is the
 * mixture's normalised innovation squared. */
int track_imm_update(const struct track_imm *pred, const struct track_zpred zp[TRACK_N_MODES],
                     const struct track_meas *m, struct track_imm *out);

/* Moment-matched single Gaussian of the mixture. */
void track_imm_combine(const struct track_imm *imm, struct track_gauss *out);

#endif
