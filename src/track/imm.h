/*
 * track/imm.h - interacting multiple model (IMM) estimator with two
 * unscented filters on the same state and dynamics that differ in their
 * process noise:
 *
 *   TRACK_MODE_BALLISTIC  gravity + drag (x6 = k), small white
 *                         acceleration; the thrust component aT of the
 *                         state is unused: at every mixing it is reset to
 *                         0 with variance sigma_at0^2 (the thrust a boost
 *                         would start with); its prediction includes a
 *                         burnout inside the interval (imm.c,
 *                         burnout_in_interval)
 *   TRACK_MODE_BOOST      gravity and thrust aT at the angle x6 = alpha
 *                         off the velocity in the trajectory plane, the
 *                         thrust growing as the propellant burns, no drag
 *                         (model.h); random walks of aT and alpha, a
 *                         small white acceleration and a direction error
 *                         across v (model.h, "boost model error"), and a
 *                         stage change that re-learns aT
 *                         (track_imm_update_from)
 *
 * Mode switching is a continuous-time Markov chain: over dt the
 * probability of staying in boost is exp(-dt / tau) with tau =
 * track_imm_boost_tau_s() (tau_boost_s, shortened by the thrust: a stage
 * whose thrust acceleration is a burns out within Isp g0 / a; and the
 * hazard at least the rate of rise of a over a_ref) and of
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
	/* A prediction from a boost probability below this leaves the boost
	 * model out ("pruning" below; 0: never, the plain IMM). */
	double prune_mu;
	/* Burnout hazard from the thrust (imm.c, track_imm_boost_tau_s):
	 * the specific impulse (s) of the mass-depletion bound on the
	 * remaining burn; 0 = the constant tau_boost_s alone. */
	double burnout_isp_s;
	/* ... and at most Isp g0 a_ref / aT^2 (imm.c, ibid.): the hazard
	 * the thrust's rate of rise over burnout_aref_m_s2; 0 = off. */
	double burnout_aref_m_s2;
	/* Diagnosis only (mwlink eval --burnout-allow; docs/tracking.md
	 * "Along the velocity at burnout (session 12, branch alongv)"):
	 * TRACK_BURNOUT_ALLOW_ON (0, the tracker's) adds the burnout inside
	 * the interval (imm.c, burnout_in_interval) in full; _OFF leaves it
	 * out; _MEAN adds its mean shift w E[d] alone, no covariance. */
	int burnout_allow;
	/* A stage change (imm.c, track_imm_update_from): the thrust
	 * acceleration's 1 sigma (m/s^2) added to the thrusting model's aT
	 * when a boost-dominated prediction misses a plot; 0 = off. */
	double stage_at_sigma_m_s2;
	/* ... taken only when the widened thrusting model accepts the plot
	 * and its likelihood is at least this many times the plain
	 * prediction's (a Bayes factor; track_imm_update_from); 0 = any miss
	 * (session 23's rule). */
	double stage_bf_min;
	/* "Accepts": the widened model's NIS within the chi-square quantile
	 * of this probability (the tracker's gate_prob, 0.9999). */
	double stage_nis_p;
};
#define TRACK_BURNOUT_ALLOW_ON   0
#define TRACK_BURNOUT_ALLOW_OFF  1
#define TRACK_BURNOUT_ALLOW_MEAN 2

/* Mean time to burnout (s) of the boost mode whose thrust acceleration
 * estimate is a = at_m_s2: min(tau_boost_s, Isp g0 / a, Isp g0 a_ref /
 * a^2) with Isp = burnout_isp_s, a_ref = burnout_aref_m_s2. */
double track_imm_boost_tau_s(const struct track_imm_cfg *cfg, double at_m_s2);

struct track_imm {
	double mu[TRACK_N_MODES]; /* mode probabilities, sum 1 */
	struct track_gauss m[TRACK_N_MODES];
};

/*
 * Pruning (docs/tracking.md "Speed", fifth round). A prediction from an
 * IMM whose boost probability is below cfg->prune_mu (TRACK_PRUNE_MU in
 * the tracker) drops the boost model: the result has mu = {1, 0} exactly
 * and m[TRACK_MODE_BOOST] a copy of the ballistic model (the pruned
 * form), and the measurement prediction and update of a pruned IMM run
 * the ballistic model alone; so does every later prediction from the
 * pruned posterior. Below 1e-3 the tracker already publishes the
 * ballistic model alone and gates a long coast on it alone; what the
 * boost model still did there is detect a new burn. It comes back
 * (revival, track_imm_update_from) when the update of a pruned
 * prediction finds the ballistic model's normalised innovation squared
 * above the chi-square 0.99 quantile of the measurement's size: a boost
 * model is born from the ballistic model of the posterior the prediction
 * was made from (aT = 0 with sigma_at0, the ballistic model's own aT;
 * alpha at its prior, track_gauss_alpha_prior),
 * with probability TRACK_REVIVE_MU, predicted with the boost dynamics and
 * weighed against the (unchanged) ballistic model on the same plot - the
 * IMM update of the two - so a burn's plot lifts it at once; if its
 * probability stays below prune_mu the next prediction prunes it again.
 * A burn (metres per s^2 against the ballistic q of 2e-12 m^2/s^3) drives
 * the ballistic innovations past that quantile within a scan or two. The
 * born model's covariance gets the boost model's process noise over
 * TRACK_REVIVE_SPREAD_S on top of the ballistic one: the plain IMM's
 * boost model, a filter with the boost model's q run on the same plots,
 * is that much wider than the ballistic model, and one born with the
 * ballistic covariance alone took ~15 s longer to take up the thrust
 * (unit test pruned_imm_revives_the_boost_model_at_a_burn). The
 * ballistic model is not mixed with the born one: at 1e-3 its 10 s
 * spread, mixed in at the IMM's weight, tripled a midcourse track's
 * velocity variance at every false revival (1% of the plots).
 * TRACK_REVIVE_MU = 1e-6, the plain IMM's boost probability in a quiet
 * midcourse (1e-6 - 1e-4): the born model is wide, so a tail plot of the
 * ballistic model gives it likelihood ratios of 1e2 - 1e4; revived at
 * 1e-3 or 1e-4 such plots left it above prune_mu, the published estimate
 * became the inflated mixture and the next prediction mixed the born
 * model's spread into the ballistic one (irbm-over-japan, 25 seeds:
 * coverage after burnout in [0.90, 0.98] in 108 of 120 bins instead of
 * 116, a track lost in the coast, velocity RMSE 0.03 -> 0.05 m/s). A burn
 * gives ratios of 1e5 and more within a scan or two.
 */
#define TRACK_PRUNE_MU        1e-3
#define TRACK_REVIVE_MU       1e-6
#define TRACK_REVIVE_SPREAD_S 10.0
/* Is s in the pruned form (mu[TRACK_MODE_BOOST] == 0)? */
int track_imm_pruned(const struct track_imm *s);

/*
 * x6 is each model's own (model.h): k in the non-thrusting model, the
 * thrust angle alpha in the thrusting one. Where one model's Gaussian
 * stands for the other's - the IMM's mixing, the combined estimate, a
 * revived or a new boost model - its x6 is replaced, uncorrelated with
 * the rest of the state:
 *  - track_gauss_alpha_prior: alpha's prior, 0 +- TRACK_ALPHA_SIGMA0_RAD
 *    (a gravity turn), its C row zero;
 *  - track_gauss_k_of: k as the non-thrusting model bal holds it (mean,
 *    variance, C row).
 * The mixing's spread terms then leave the two apart: a model's x6 is
 * mixed only with the other model's copy of the same quantity.
 */
void track_gauss_alpha_prior(struct track_gauss *g);
void track_gauss_k_of(struct track_gauss *g, const struct track_gauss *bal);

/* Mix and predict every model over dt_s; out->mu are the predicted mode
 * probabilities. out (which may be in) is untouched on failure. The
 * mixed start of each model takes the other model's x6 as its own
 * (track_gauss_alpha_prior, track_gauss_k_of). */
int track_imm_predict(const struct track_imm *in, double dt_s, const struct track_imm_cfg *cfg,
                      struct track_imm *out);

/*
 * What a prediction computes from dt_s and the chain's time constants
 * alone - the transition matrix's two exp() and the burnout quadrature's
 * moments (imm.c) - kept from the last prediction made with this memo and
 * reused when the inputs are the same doubles (keys compared with ==;
 * the values are what the computation gives for them, so the output is
 * the same bit for bit with or without a memo). At 1-s scans every
 * track's prediction has the same dt_s and, below ~3 g of thrust, the
 * same boost time constant. The caller owns it (the tracker keeps one);
 * one memo is not shared between threads. track_imm_memo_init empties it.
 */
struct track_imm_memo {
	double exp_x[2], exp_y[2]; /* exp(exp_x[i]) == exp_y[i] */
	double q_dt, q_tau;        /* key of the quadrature's moments */
	double q_ef[2], q_eff[3];
};
void track_imm_memo_init(struct track_imm_memo *mo);

/* track_imm_predict with a memo (NULL: none); the same output. Unlike
 * track_imm_predict's, a failed prediction may leave out partly written
 * (untouched if out is in): the boost model's prediction goes straight
 * to out, not through a copy. */
int track_imm_predict_memo(const struct track_imm *in, double dt_s, const struct track_imm_cfg *cfg,
                           struct track_imm_memo *mo, struct track_imm *out);

/* Model j's prediction alone: the same doubles as out->m[j] of
 * track_imm_predict (the other model is neither mixed for nor
 * predicted). out is untouched on failure. */
int track_imm_predict_mode(const struct track_imm *in, double dt_s, const struct track_imm_cfg *cfg,
                           enum track_mode j, struct track_gauss *out);

/*
 * Association statistics of a measurement against the IMM prediction.
 * The prediction is a mixture (after burnout, say, the boost model
 * extrapolates the thrust and the ballistic one does not, hundreds of
 * metres apart): a single moment-matched Gaussian would gate out the
 * truth sitting on the less probable mode, so the gate is the union of
 * the models' gates and the cost is the mixture's likelihood:
 *   d2     = min_j d2_j                                (gate: d2 <= chi2)
 *   cost   = -2 ln sum_j mu_j p_j exp(-(d2_j + ln det S_j)/2)
 *   logdet = -2 ln sum_j mu_j exp(-(ln det S_j)/2)     (cost at d2_j = 0;
 *            the "miss" cost of a gate g is g + logdet)
 * For one model these are d2, d2 + ln det S and ln det S.
 *
 * p_j is the probability that model j makes the measurement at all,
 * relative to the boost model's: 1, except for a plumes-only line of
 * sight (track_meas.plumes_only), which a non-thrusting object does not
 * make: p = TRACK_PLUME_COAST_P for the ballistic model. The update
 * (track_imm_update) weighs the modes by the same p_j, so a plume taken
 * says the object was thrusting. For such a measurement d2 is the boost
 * model's alone, INFINITY when it is pruned: a track that cannot be
 * thrusting gates no plume. logdet keeps p_j = 1, so a pair's cost
 * carries -2 ln p against the miss: a track whose boost probability is
 * mu pays ~ -2 ln(mu + TRACK_PLUME_COAST_P) for a plume, 27.6 when it
 * is ballistic, more than any gate (chi2_2(0.9999) = 18.4).
 *
 * Why: a GEO early-warning sensor's line of sight is a ray through
 * thousands of kilometres of sky; a midcourse track whose state lies near
 * the ray of another object's burning stage gated it as well as that
 * object's own track did, and took it (the mixed exercise, seed 126: an
 * SRBM track 240 s after launch took a boosting IRBM's ray at d2 3.0 - two
 * swaps, a break and a duplicate).
 */
/* The relative probability that a non-thrusting object makes a plumes-only
 * detection: 0 for the sensor. A floor keeps the mixture defined; at 1e-6
 * (TRACK_REVIVE_MU, a quiet midcourse's boost probability) the boost
 * model's own term decides wherever a track's boost probability is above
 * that. */
#define TRACK_PLUME_COAST_P 1e-6
struct track_imm_gate {
	double d2;
	double cost;
	double logdet;
};

/* Per-model predicted measurements (zp[] feed track_imm_update) and the
 * association statistics (gate may be NULL). */
int track_imm_zpredict(const struct track_imm *pred, const struct track_meas *m,
                       struct track_zpred zp[TRACK_N_MODES], struct track_imm_gate *gate);

/* Update every model with m; re-weight modes. nis (may be NULL) is the
 * mixture's normalised innovation squared. */
int track_imm_update(const struct track_imm *pred, const struct track_zpred zp[TRACK_N_MODES],
                     const struct track_meas *m, struct track_imm *out);

/*
 * The association cost of track_imm_zpredict's statistics (zp its
 * predictions of m, cost its gate->cost) with the boost model's
 * probability raised to mu_min where it is below: the smaller of the two
 * costs. For a track in its boost window (tracker.c,
 * BOOST_WINDOW_MU_MIN): a next stage after a coast the IMM called
 * ballistic (mu_boost ~1e-5) is gated by the boost model alone, and at
 * its own probability such a pair costs more than the miss. The update,
 * which weighs the modes at their own probabilities, then revives the
 * boost model.
 */
double track_imm_cost_boost_floor(const struct track_zpred zp[TRACK_N_MODES],
                                  const struct track_meas *m, double mu_min, double cost);

/*
 * Does the revival (track_imm_update_from) of a pruned prediction pred of
 * base over dt_s gate m: the revived boost model's NIS <= gate_d2 (*d2
 * its NIS)? 1 yes, 0 no (also where pred is not pruned or a step
 * fails). For the tracker's initiation: a plot that a pruned track's
 * ballistic model does not gate never reaches the update's revival.
 */
int track_imm_revival_gates(const struct track_imm *base, double dt_s,
                            const struct track_imm_cfg *cfg, const struct track_imm *pred,
                            const struct track_meas *m, double gate_d2, double *d2);

/*
 * track_imm_update with revival (imm.h "pruning") and a stage change:
 * pred is base predicted over dt_s (track_imm_predict with cfg), zp its
 * measurement prediction. If pred is pruned and the ballistic model's NIS
 * exceeds the revival quantile, *out is the full IMM step from base with
 * the boost model revived; otherwise track_imm_update's result.
 *
 * Stage change: the thrusting model's thrust grows smoothly (model.h)
 * and its walk q_at follows a burn, not a step. At a staging the thrust
 * acceleration drops (the next stage's lift-off thrust-to-weight is
 * lower) or jumps, tens of m/s^2 within a second. If pred is boost-
 * dominated (mu_boost > 0.5) and the thrusting model's NIS on this plot
 * exceeds the chi-square 0.99 quantile of the measurement's size, the
 * step is predicted again from base with the thrusting model's aT
 * variance widened by cfg->stage_at_sigma_m_s2^2 (30 m/s^2: an SRBM's or
 * a first stage's whole cut-off acceleration). That step is taken, so
 * that the plot re-learns the thrust rather than pulling the track or
 * handing it to the ballistic model, only when the stage explains the
 * plot: the widened thrusting model's NIS is within the gate's quantile
 * (cfg->stage_nis_p) and its likelihood is at least cfg->stage_bf_min
 * (20) times the plain prediction's. Otherwise the update is the plain
 * one: a plot the thrust cannot explain (an angle miss across the
 * trajectory plane, a plot without range rate that does not see the
 * thrust) leaves aT's variance alone (docs/tracking.md "A stage change
 * needs evidence (session 24)"). stage_bf_min 0 asks for no evidence
 * (session 23's rule). A plot of a real burnout is taken the same way:
 * the widened thrust and the ballistic model weigh it.
 */
int track_imm_update_from(const struct track_imm *base, double dt_s,
                          const struct track_imm_cfg *cfg, const struct track_imm *pred,
                          const struct track_zpred zp[TRACK_N_MODES], const struct track_meas *m,
                          struct track_imm *out);

/* Moment-matched single Gaussian of the mixture. */
void track_imm_combine(const struct track_imm *imm, struct track_gauss *out);

/*
 * Held lateral acceleration of a thrusting track (docs/tracking.md "Boost
 * statement from the held lateral acceleration (session 13, branch
 * adaptq)"; mwlink eval --boost-adapt, off by default). Written for a
 * thrusting model that puts the thrust along v (session 13; the
 * thrusting model now estimates the thrust's angle in the trajectory
 * plane, model.h, which leaves the estimator the out-of-plane part and
 * the angle's lag); a missile's pitch programme holds a
 * lateral thrust a_lat (0.4 m/s^2 for the simulator's ICBM, 5-6 for its
 * SRBMs) for tens of seconds. A filter that does not model it follows it
 * with a lag, and once that lag is steady the thrusting model's update
 * moves its velocity across v by a_lat dt on average (the estimate keeps
 * up with the truth, so its corrections make up what its prediction
 * left out), whatever the gain. The estimator is the exponentially
 * weighted least-squares fit of c_i = a dt_i + n_i to the updates'
 * corrections c_i (posterior minus prediction of the thrusting model's
 * velocity, projected on w and h of the prediction's thrust frame,
 * track_model_thrust_frame), n_i of one variance per update (the
 * corrections are driven by the measurement noise of one plot each, and
 * the innovations of a filter are white, so are the c_i about their
 * mean): a = S(c) / S(dt), its variance sigma^2 S(w^2) / S(dt)^2 with
 * sigma^2 the weighted mean square of the residuals (times n/(n-1)),
 * the sums weighted by exp(-age / TRACK_LAT_TAU_S).
 */
/* s: the truth's held thrust moves <= ~3 m/s^2 over 10 s (steeror) */
#define TRACK_LAT_TAU_S 10.0
struct track_lat_est {
	double sw, sw2, sdt, sdtdt;    /* sum of weights, of their squares, w dt, w dt^2 */
	double sc[2], scc[2], scdt[2]; /* per axis (w, h): w c, w c^2, w c dt */
};
/* Add the update of the thrusting model from xpred to xpost over dt_s
 * (> 0; otherwise, or if the frame is undefined, e is left as it is). */
void track_lat_est_add(struct track_lat_est *e, const double xpred[TRACK_NX],
                       const double xpost[TRACK_NX], double dt_s);
/* The estimate a[2] (w, h; m/s^2), its standard errors se[2] and the
 * effective number of samples (S(w)^2 / S(w^2)); -EAGAIN (a, se NaN)
 * with fewer than 3 effective samples or no elapsed time. */
int track_lat_est_get(const struct track_lat_est *e, double a[2], double se[2], double *neff);
/*
 * The thrusting model's statement from the estimate e of a track whose
 * thrust estimate is at_m_s2: 0 with *q_acc = max(TRACK_LAT_Q_FLOOR,
 * (a_w^2 + a_h^2 + se_w^2 + se_h^2) TRACK_THRUST_NOISE_T_S) and *pitch =
 * max(TRACK_LAT_PITCH_FLOOR_RAD, sqrt(a_w^2 + se_w^2) / at) (0 if at <=
 * 0: model.h's), once e has at least TRACK_LAT_NEFF_MIN effective samples
 * and se <= TRACK_LAT_SE_MAX_M_S2 on both axes; -EAGAIN (outputs 0)
 * before. a^2 + se^2 is the estimate's second moment about 0.
 * The white-equivalent time is Bar-Shalom, Li & Kirubarajan's (2001,
 * sec. 6.2) q ~ b^2 T for a held b at the revisit T (model.h
 * TRACK_THRUST_NOISE_T_S = 1 s), the rule by which imm's q_acc of 25
 * (the thrust-along-v model's) stated the 5 m/s^2 the SRBMs hold (bq);
 * the pitch sigma states the
 * same b as an angle of the thrust (a^2 sigma^2 T, model.h).
 * SE_MAX: used once it tells a held 5 m/s^2 from none at 5 sigma.
 * Q_FLOOR: what the simulator's truth leaves beyond the held part at the
 * 1-s revisit (bq: <= 1 m^2/s^3 outside the SRBMs' pitch plane).
 * PITCH_FLOOR: the ICBM truth's 0.9-1.3 deg angle of attack (bq).
 */
#define TRACK_LAT_NEFF_MIN        5.0
#define TRACK_LAT_SE_MAX_M_S2     1.0
#define TRACK_LAT_Q_FLOOR         1.0
#define TRACK_LAT_PITCH_FLOOR_RAD 0.02
int track_lat_statement(const struct track_lat_est *e, double at_m_s2, double *q_acc,
                        double *pitch);

#endif
