/*
 * track/tracker.h - the multi-target ballistic tracker.
 *
 * Feed observations (core/obs.h) in the order they arrive; read tracks.
 * The tracker is deterministic: its state is a pure function of the
 * ordered sequence of calls and their arguments. It never reads a clock;
 * "now" is the latest observation time it has seen.
 *
 * Scans. Observations with the same (nation, sensor_id, t_ns) that arrive
 * consecutively form one scan and are associated together (global
 * nearest neighbour: one observation per track, one track per
 * observation, by an optimal 2-D assignment). A scan is processed when
 * an observation of another scan arrives or on track_tracker_flush().
 *
 * Late data. A scan older than a track's last update is an
 * out-of-sequence measurement for that track: it is associated against
 * the track's state retrodicted to the scan time, inserted into the
 * track's measurement history and the track is re-filtered from the
 * stored posterior just before it, so the result is exactly what
 * in-order processing would have given. The bound: each track keeps its
 * last history_len updates; a measurement older than the oldest kept
 * posterior cannot be applied to that track (counted in obs_too_late).
 *
 * Life cycle of a track (M-of-N on revisit slots of slot_s seconds
 * counted from the track's first observation):
 *
 *      unassigned radar obs, or two unassigned lines of sight
 *      from different sensors whose rays meet (triangulation)
 *              |
 *              v
 *        +-----------+  M hits in the first N slots  +-----------+
 *        | TENTATIVE |------------------------------>| CONFIRMED |
 *        +-----------+                                +-----------+
 *              | N slots passed, fewer than M hits         | no update for coast_max_s
 *              v                                           | (unless in a long coast,
 *          (deleted)                                   (deleted)  below), or age > max_age_s
 *
 * "M hits" also needs the updates to fix the track in three dimensions:
 * two radar measurements, or lines of sight from two viewpoints (the
 * pair that started an IR track not counted); a false alarm fed one
 * space-IR sensor's rays is never confirmed (tracker.c, confirm_evidence).
 *
 * Long coast: a confirmed ballistic track above the atmosphere is
 * predictable, so it is kept past coast_max_s while its predicted
 * position sigma stays under coast_long_sigma_max_m (and the bounds
 * below hold), for a radar to re-acquire it through the gate of its
 * predicted covariance (docs/tracking.md, "Deletion").
 *
 * Track numbers start at 1, increase by one per new track and are never
 * reused within a tracker's life.
 */
#ifndef MW_TRACK_TRACKER_H
#define MW_TRACK_TRACKER_H

#include <stddef.h>
#include <stdint.h>

#include "core/log.h"
#include "core/obs.h"
#include "core/time.h"
#include "track/imm.h"
#include "track/predict.h"

/*
 * Threat class by range, from the energy of a ballistic state (see
 * track_class_of_state): the usual split by maximum ground range -
 * SRBM < 1,000 km, MRBM < 3,000 km, IRBM < 5,500 km, ICBM beyond.
 * UNKNOWN until a track has a ballistic estimate good enough to classify.
 */
enum track_class {
	TRACK_CLASS_UNKNOWN = 0,
	TRACK_CLASS_SRBM,
	TRACK_CLASS_MRBM,
	TRACK_CLASS_IRBM,
	TRACK_CLASS_ICBM,
	TRACK_CLASS_N
};
const char *track_class_str(enum track_class c);

/*
 * Maximum ground range (m) over a spherical Earth (mean radius) of an
 * unpowered body with the energy of the ECEF state x (r, v; Earth-fixed
 * velocity): the surface-equivalent speed v_s from the energy
 * v^2/2 - mu/|r|, Q = v_s^2 R / mu, and the maximum range angle psi
 * with sin(psi/2) = Q / (2 - Q) (Bate, Mueller & White, Fundamentals of
 * Astrodynamics, 1971, ch. 6). Energy is conserved along the ballistic
 * arc, so any post-burnout state gives the same figure, lofted or not.
 * Q >= 1 (orbital) returns INFINITY. -1 for a state below the surface.
 */
double track_class_max_range_m(const double x[6]);
enum track_class track_class_of_range(double max_range_m);

/*
 * Drag prior of a threat class: the lognormal distribution of the
 * ballistic coefficient beta = m / (C_D A) whose central 95% interval is
 * [lo_kg_m2, hi_kg_m2], as the moments of k = 1 / (beta TRACK_THETA_UNIT)
 * (see track_beta_prior_k). lo = hi = 0: no class prior (the flat
 * init_k +- init_sigma_k stays).
 */
struct track_beta_range {
	double lo_kg_m2, hi_kg_m2;
};
/* Mean and sigma of k for a beta range; -EINVAL for a bad range. */
int track_beta_prior_k(const struct track_beta_range *b, double *k, double *sigma_k);

/*
 * The drag parameter is positive (k = C_D A / (m TRACK_THETA_UNIT)).
 * Mean and sigma of k ~ N(m, s^2) conditioned on k > 0: the truncated
 * normal's moments (Johnson, Kotz & Balakrishnan, Continuous Univariate
 * Distributions vol. 1, 2nd ed., Wiley 1994, sec. 10.1): a = -m / s,
 * l = phi(a) / (1 - Phi(a)), mean m + s l, variance s^2 (1 + a l - l^2).
 * The flat prior 1 +- 1 becomes 1.2876 +- 0.7935. -EINVAL unless m is
 * finite and s > 0 finite; -ERANGE when P(k > 0) underflows (m < -30 s).
 * Outputs untouched on failure.
 */
int track_k_positive_moments(double m, double s, double *mean, double *sigma);

/*
 * Condition the Gaussian g on k > 0 in place: the exact mean and
 * covariance of the joint Gaussian truncated to positive k (k's moments
 * as above; the rest moved by its regression on k), and the consider
 * cross-covariance C likewise. Negligible mass below zero changes
 * nothing. Error (g untouched): -EINVAL for P_kk <= 0, the errors of
 * track_k_positive_moments.
 */
int track_k_positive(struct track_gauss *g);

struct track_config {
	size_t max_tracks;           /* live tracks, tentative included */
	size_t max_scan_obs;         /* observations in one scan */
	int history_len;             /* per-track updates kept for late data, >= 2 */
	double gate_prob;            /* chi-square gate probability */
	int confirm_m, confirm_n;    /* M of N slots */
	double slot_s;               /* revisit slot */
	double coast_max_s;          /* delete a confirmed track after this without update */
	double max_age_s;            /* delete any track older than this */
	double max_init_lag_s;       /* an unassigned obs older than now - this starts no track */
	double init_sigma_v_m_s;     /* velocity prior of a single-point radar start */
	double init_k, init_sigma_k; /* drag parameter prior (units of TRACK_THETA_UNIT) */
	double init_at_m_s2, init_sigma_at_m_s2; /* thrust prior */
	double init_mu_boost;                    /* boost mode probability of a new track */
	/*
	 * Drag prior per threat class (docs/tracking.md, "Drag prior").
	 * A track is classified (track_class_of_state) at every burnout
	 * (boost -> ballistic in sequence: the drag parameter learned in
	 * boost is the booster stack's, so k is first reset to the flat
	 * init_k +- init_sigma_k) and, if never seen in boost, at its first
	 * confirmed ballistic estimate with velocity sigma (sqrt of the trace)
	 * below class_sigma_v_max_m_s. The flat prior is then replaced by
	 * the class's (a scalar pseudo-measurement of k that turns the flat
	 * prior into the class prior, so what the track has learned about k
	 * is kept). Every sigma must be below init_sigma_k.
	 */
	struct track_beta_range beta_prior[TRACK_CLASS_N];
	double class_sigma_v_max_m_s;
	/* Starts from space IR: two lines of sight from different sensors
	 * within los_pair_window_s whose rays pass within the 0.9999 gate. */
	double los_pair_window_s;
	size_t los_pool;          /* unassigned LOS observations kept for pairing */
	double init_mu_boost_los; /* IR sees plumes: boost probability of an IR start */
	/* A confirmed track in boost (boost probability > 0.5) without an
	 * update for boost_coast_max_s is lost: extrapolating an unknown
	 * thrust (or a burnout the space IR cannot see) diverges. Its launch
	 * basis and number pass to a younger non-boosting track started
	 * after its last update whose state its ballistic extrapolation
	 * reaches (see docs/tracking.md, "burnout hand-over"). */
	double boost_coast_max_s;
	/* Long coast. A confirmed track without an update for coast_max_s
	 * whose last estimate is ballistic (boost probability below
	 * coast_long_mu_boost_max) and at least coast_long_min_h_m high is
	 * kept (a "long coast") while: its coast is at most coast_long_max_s,
	 * its predicted position sigma (sqrt of the trace of the predicted
	 * mixture's position covariance) is at most coast_long_sigma_max_m
	 * and its predicted position is above the ground (re-checked every
	 * coast_long_check_s; a failed prediction ends it), and at most
	 * coast_long_max_tracks tracks coast at once (older tracks first;
	 * 0 disables long coasts). */
	size_t coast_long_max_tracks;
	double coast_long_max_s;
	double coast_long_sigma_max_m;
	double coast_long_min_h_m;
	double coast_long_mu_boost_max;
	double coast_long_check_s;
	struct track_imm_cfg imm;
	/* 0 (default): a conservative spatial pre-gate picks the candidate
	 * observations of each track (tracker.c step 3). 1: every track is
	 * tested against every observation with the full gate - the
	 * reference the pre-gate is tested and benchmarked against. */
	int brute_gate;
	/* 1 (default): two confirmed tracks whose position-velocity
	 * estimates agree (chi-square on their difference, several checks
	 * over seconds, never sharing a scan) are one object: the younger
	 * one's plots go to the older one, which keeps its number, and the
	 * younger is deleted (docs/tracking.md, "Duplicate merge"). 0: off. */
	int dup_merge;
	/* 1 (default): a radar scan's plots are assigned among the
	 * confirmed tracks first and only what is left among the tentative
	 * tracks, and a space-IR ray that a confirmed track also gated
	 * counts for no tentative track's confirmation (docs/tracking.md,
	 * "Duplicates under interleaved scans"). 0: one joint assignment of
	 * all tracks, every update counting (the behaviour before; for tests
	 * that need a duplicate to form). */
	int firm_first;
	/* The thrusting model's statement from the track's own held lateral
	 * acceleration (imm.h track_lat_est; docs/tracking.md "Boost
	 * statement from the held lateral acceleration (session 13, branch
	 * adaptq)"): TRACK_BOOST_ADAPT_OFF (0, the default) states imm's
	 * q_acc and model.h's pitch sigma for every track; _Q states, for the
	 * next predictions of a track in boost whose estimate is determined,
	 * the q_acc of imm.h track_lat_statement; _PITCH its pitch sigma too.
	 * Diagnosis (mwlink eval --boost-adapt). */
	int boost_adapt;
};
#define TRACK_BOOST_ADAPT_OFF   0
#define TRACK_BOOST_ADAPT_Q     1
#define TRACK_BOOST_ADAPT_PITCH 2
void track_config_default(struct track_config *c);

enum track_state { TRACK_TENTATIVE = 1, TRACK_CONFIRMED = 2 };
enum track_phase { TRACK_PHASE_BOOST = 1, TRACK_PHASE_MIDCOURSE, TRACK_PHASE_TERMINAL };
const char *track_state_str(enum track_state s);
const char *track_phase_str(enum track_phase p);

struct track_info {
	uint32_t id;
	enum track_state state;
	enum track_phase phase;
	mw_time_ns t_ns;           /* time of the estimate (last update) */
	mw_time_ns first_t_ns;     /* first observation */
	mw_time_ns confirmed_t_ns; /* 0 while tentative */
	uint32_t n_updates;
	double mu_boost;
	struct track_gauss est; /* moment-matched IMM estimate at t_ns */
	struct track_imm imm;   /* the full IMM state at t_ns */
	uint32_t truth_id;      /* simulation only: truth_id of the last observation used */
	uint32_t prev_id;       /* a lost boost track this one continues (0: none) */
	enum track_class cls;   /* threat class (UNKNOWN until classified) */
	/* The last estimate made while the track was in boost (mode
	 * probability > 0.5, at least 3 updates): the basis for launch-point
	 * back-propagation through the thrusting model. */
	int has_boost_est;
	mw_time_ns boost_est_t_ns;
	struct track_gauss boost_est;
	/* The first boost estimate that track_launch_basis_ok accepts: the
	 * launch basis, preferred to boost_est (the last one) because less
	 * of the boost, and usually no staging, lies between it and the
	 * lift-off. */
	int has_boost0;
	mw_time_ns boost0_t_ns;
	struct track_gauss boost0;
	/* Seen in boost without a basis the boost model reaches back from
	 * (launch.h track_launch_boost_reach): the ballistic-basis launch
	 * estimate from a post-burnout estimate, made by the tracker at the
	 * first post-burnout update and refreshed 10, 20 and 40 s after it
	 * (tracker.c launch_bal_refresh). */
	int has_launch_bal;
	struct track_point_pred launch_bal;
	/* Simulation only (truth ids): association purity. Updates from
	 * clutter (truth_id 0, the start included) and updates whose object
	 * differs from the previous non-clutter update's (a neighbour's
	 * measurement taken, or the track moving to another object): both 0
	 * when every measurement came from one object. */
	uint32_t n_upd_clutter;
	uint32_t n_upd_switch;
	/* boost_adapt (tracker.h track_config): the thrusting model's
	 * statement for predictions from this estimate (0: the configured
	 * one), and the held lateral acceleration estimate behind it (w, h;
	 * NaN while it has too few samples or the track is not in boost). */
	double boost_q_acc_m2_s3, boost_pitch_rad;
	double boost_lat_m_s2[2], boost_lat_se_m_s2[2], boost_lat_neff;
};

struct track_point_pred;
/*
 * Impact prediction (forward, no thrust) and launch prediction (backward
 * through the boost model from boost0, else boost_est if within the
 * boost basis's reach (launch.h), if the track was seen in boost; else,
 * or if that fails, the ballistic basis: launch_bal once past burnout
 * for a track seen in boost, from est for a track never seen in boost;
 * see launch.h) for a track; see predict.h. Either output may
 * be NULL. Returns 0 or the first failure (-ERANGE: not yet predictable).
 */
int track_info_predict(const struct track_info *ti, struct track_point_pred *impact,
                       struct track_point_pred *launch);

/*
 * Whether track_info_predict's launch estimate is made on demand: the
 * ballistic basis from ti->est, tens of milliseconds per call, for a
 * track never seen in boost or one whose boost estimate never saw a
 * thrust (a fresh track's boost probability above 0.5, then none: no
 * boost basis, no launch_bal). Else it is the tracker's own basis.
 */
int track_info_launch_on_demand(const struct track_info *ti);

/*
 * When a ballistic-basis launch estimate is made (tens of milliseconds
 * each, launch.h): at most four, at 0, 10, 20 and 40 s after the first
 * (each once the time since the first is at least twice the previous
 * one's). The tracker's for a track seen in boost (track_info
 * launch_bal), and `mwlink eval`'s where track_info_launch_on_demand
 * (the node does not share those: net/national.c). Zero-initialise;
 * track_lbal_due returns 1 and records t_ns when one is due at t_ns,
 * else 0.
 */
struct track_lbal_sched {
	int n;
	mw_time_ns t0_ns, last_ns;
};
int track_lbal_due(struct track_lbal_sched *s, mw_time_ns t_ns);

/*
 * The published estimate predicted to t_ns. A track whose published
 * estimate is its ballistic mode (boost probability below 1e-3): that
 * mode predicted by the ballistic model alone. Otherwise the full IMM
 * (ti->imm) predicted by track_imm_predict with cfg (so a boost track's
 * prediction carries the chance of a burnout inside the interval), then
 * published by the rule of track_tracker_get. t_ns at or before
 * ti->t_ns gives ti->est. out is untouched on failure.
 */
int track_info_est_at(const struct track_info *ti, const struct track_imm_cfg *cfg, mw_time_ns t_ns,
                      struct track_gauss *out);

struct track_counters {
	uint64_t obs_in;
	uint64_t obs_rejected; /* malformed (track_meas_prepare) or scan overflow */
	uint64_t obs_late;     /* applied out of sequence to at least one track */
	uint64_t obs_too_late; /* older than now - max_init_lag_s, used by no track, started none */
	uint64_t scans;
	uint64_t updates;         /* measurement updates applied (incl. re-filtering) */
	uint64_t update_failures; /* numerical failures (track kept, update skipped) */
	uint64_t tracks_created;
	uint64_t tracks_confirmed;
	uint64_t tracks_deleted;
	uint64_t tracks_dropped_full;   /* not created: max_tracks reached */
	uint64_t los_starts;            /* tracks started from two lines of sight */
	uint64_t boost_lost;            /* boost tracks lost for want of updates */
	uint64_t handovers;             /* ... whose launch basis passed to a younger track */
	uint64_t coast_long_started;    /* confirmed tracks kept past coast_max_s (long coast) */
	uint64_t coast_long_reacquired; /* ... updated again during their long coast */
	uint64_t coast_long_lost;       /* ... deleted: sigma, coast time, ground, prediction */
	uint64_t coast_long_refused;    /* eligible, deleted: coast_long_max_tracks reached */
	uint64_t gated_pairs;
	uint64_t init_suppressed; /* unassigned radar plots inside a confirmed track's
	                             initiation-suppression region: no track started */
	uint64_t dup_merged;      /* confirmed duplicates merged into an older track */
	uint64_t revived;         /* unassigned radar plots a pruned confirmed track's revived
	                             boost model gated: that track's, no track started */
};

struct track_tracker;

/* -EINVAL for a bad configuration (mw_log says which field), -ENOMEM. */
int track_tracker_new(const struct track_config *cfg, struct mw_log *log,
                      struct track_tracker **out);
void track_tracker_free(struct track_tracker *t);

/*
 * Add one observation. Returns 0 if accepted (it may only be buffered
 * until its scan is complete), -EINVAL if malformed (counted), or an
 * error from processing the previous scan (-ENOMEM).
 */
int track_tracker_process(struct track_tracker *t, const struct mw_obs *obs);

/* Process the pending scan, if any. */
int track_tracker_flush(struct track_tracker *t);

/*
 * Observations buffered for the scan being collected and not yet
 * processed (a scan - one sensor at one time - is processed when the
 * first observation of another scan arrives, or by
 * track_tracker_flush). If there are any and first is not NULL, *first
 * is a copy of the first of them (its time, nation and sensor name the
 * scan). Diagnosis (mwlink eval --trace): tracks read before a pending
 * scan is processed do not yet show what it will start or update.
 */
size_t track_tracker_pending(const struct track_tracker *t, struct mw_obs *first);

/* Latest observation time seen (0 before any). */
mw_time_ns track_tracker_now(const struct track_tracker *t);

/* Live tracks, in creation order (ascending id). */
size_t track_tracker_count(const struct track_tracker *t);
int track_tracker_get(const struct track_tracker *t, size_t i, struct track_info *out);

/*
 * Live track i's newest posterior predicted to t_ns as the tracker
 * predicts it for a scan at t_ns (its IMM configuration: the boost model
 * kept unpruned in the track's boost window, and the track's own
 * statement). Diagnosis (mwlink eval --trace). -ENOENT for no track i,
 * else track_imm_predict's result; out is untouched on failure.
 */
int track_tracker_predict(const struct track_tracker *t, size_t i, mw_time_ns t_ns,
                          struct track_imm *out);

void track_tracker_counters(const struct track_tracker *t, struct track_counters *out);

#endif
