/*
 * track/tracker.c - multi-target tracker: scans, gating, global nearest
 * neighbour assignment, initiation, M-of-N confirmation, deletion and
 * exact out-of-sequence processing (see tracker.h for the contract and
 * the life-cycle diagram).
 *
 * How a scan is processed:
 *   1. Every observation is validated and prepared (track_meas_prepare);
 *      malformed ones are counted and dropped.
 *   2. For every track, the base is the newest stored posterior at or
 *      before the scan time (the newest of all for in-sequence data; an
 *      older one for late data). Tracks without one are not eligible.
 *   3. A cheap conservative pre-gate in ECEF (extrapolated position vs
 *      the observation's point or ray, with 5-sigma + 50 m/s^2 slack,
 *      plus a drag bound below 300 km, drag_slack_m, and the unscented
 *      prediction's curvature for tracks wide against their range,
 *      ut_sigma) picks candidate observations; radar scans are sorted by
 *      ECEF x so that a track only looks at a window of them (binary
 *      search, so a scan costs O((T + O) log O) plus the candidates, not
 *      O(T x O)).
 *      Tracks wider than 1 km (fresh ones) also get an ellipsoid test
 *      (pregate_ell_*): their sphere is tens of km across.
 *      The track's IMM prediction is made once, at its first candidate,
 *      and reused for every other candidate and by the update.
 *      cfg.brute_gate skips this step (every pair gets the full gate):
 *      the reference that the tests and the benchmark compare against.
 *   4. Each candidate pair gets every IMM model's predicted measurement;
 *      the pair is kept if some model gates it (d^2 <= chi2_nz(gate_prob))
 *      with cost -2 ln sum_j mu_j N_j (the mixture likelihood up to a
 *      constant; for one model d^2 + ln det S), see track_imm_gate; a
 *      plumes-only line of sight weighs the non-thrusting model by
 *      TRACK_PLUME_COAST_P and gates on the boost model alone.
 *   5. Tracks and observations linked by kept pairs form clusters
 *      (union-find); each cluster is an optimal 2-D assignment (assign.c)
 *      with one "miss" column per track costing chi2 + the mixture's
 *      ln det term, so a track takes an observation only when that is
 *      cheaper than taking none.
 *   6. Assigned pairs are filtered: in-sequence ones by one IMM update;
 *      late ones by inserting the measurement into the track's history
 *      and re-running the updates after it (exact OOSM).
 *   7. Unassigned radar observations no older than max_init_lag_s start
 *      tentative tracks (single-point start: position and its covariance
 *      by the unscented transform of (range, az, el); velocity prior of
 *      init_sigma_v_m_s per axis, with the range rate where given).
 *      Unassigned lines of sight are paired with pooled ones of other
 *      sensors (2-D assignment on the rays' normalised miss distance) and
 *      a pair starts a track by triangulation; unpaired ones are pooled
 *      for los_pair_window_s. A radar plot or line of sight inside the
 *      wide region chi2_nz(1 - 1e-9) of a confirmed track that took no
 *      observation of the scan starts nothing and is not pooled
 *      (init_suppress, los_suppressed: its tail plot or ray, not a new
 *      object).
 *   8. Track management: M-of-N confirmation (with 3-D evidence,
 *      confirm_evidence), deletions (tracker.h).
 *      A confirmed ballistic track above the atmosphere is not deleted
 *      after coast_max_s but enters a "long coast": kept while its
 *      predicted position sigma stays under a bound (re-checked every
 *      coast_long_check_s by a ballistic prediction to now, chained
 *      from check to check),
 *      its predicted position is above ground and its coast is under
 *      coast_long_max_s; at most coast_long_max_tracks at once. While
 *      it coasts it is gated on its ballistic model alone, and step 3's
 *      pre-gate is taken around the last check's ballistic prediction
 *      (lc_pregate) instead of the last update extrapolated with the
 *      boost model's slack, which covers the whole sky after a few
 *      minutes; step 4 gates on the exact IMM prediction from the last
 *      update; GNN decides competition with others.
 *   9. Duplicates: a young ballistic track that continues an older track
 *      seen in boost retires it (merge_burnout_duplicates); two
 *      confirmed tracks whose estimates agree over several checks and
 *      never shared a scan are one object: the younger's plots go into
 *      the older one's history, the younger is deleted (merge_duplicates).
 *
 * Invariants:
 *  1. Deterministic: tracks are kept in creation order, clusters are
 *     processed in order of their smallest track index, and nothing
 *     depends on pointer values, clocks or hash order.
 *  2. A track's history is sorted by time, holds 1..history_len entries,
 *     and entry k holds the posterior after applying entry k's
 *     measurement to entry k-1's posterior (entry 0: the start state).
 *     The history is a ring (HAT(k, i)): dropping the oldest entry moves
 *     nothing.
 *  3. All memory is allocated in track_tracker_new() except one block per
 *     track (at its start) and the per-scan pair list and cluster
 *     matrices, which are bounded by max_tracks x max_scan_obs and grow
 *     geometrically (never shrink): a scan in steady state allocates
 *     nothing.
 */
#include "track/tracker.h"

#include <assert.h>
#include <errno.h>
#include <math.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "core/err.h"
#include "geo/geo.h"
#include "mat/mat.h"
#include "track/assign.h"
#include "track/chol.h"
#include "track/meas.h"
#include "track/launch.h"
#include "track/predict.h"
#include "track/stats.h"

#define N TRACK_NX

/* Initiation suppression region: chi2_nz(1 - INIT_SUPPRESS_P) around a
 * confirmed track (see init_suppress). */
#define INIT_SUPPRESS_P 1e-9
/* Duplicate merge test: chi2_6(1 - DUP_P) (merge_duplicates). */
#define DUP_P 1e-4

struct hist {
	mw_time_ns t_ns;
	struct track_imm post;
	struct track_meas m;
	uint32_t truth_id;
	/* boost_adapt (track_config): the held lateral acceleration estimate
	 * up to this entry (zero when the entry it was predicted from was not
	 * in boost) and the thrusting model's statement for predictions from
	 * this entry (lat_q 0: the configured one; lat_sp 0: model.h's). */
	struct track_lat_est lat;
	double lat_q, lat_sp;
	/* The mixture's mean and variances of post (imm_moments), set by
	 * hist_moments after every write of post: the pre-gate, the merge
	 * candidates and the management read them up to ~5 times per entry
	 * and scan (hist_mx; docs/tracking.md "Speed", sixth round). */
	double mx[N], mvar[N];
};

struct trk {
	uint32_t id;
	enum track_state state;
	mw_time_ns first_t_ns, confirmed_t_ns;
	uint64_t slot_hits; /* bit s: at least one update in slot s since first_t_ns */
	/* Confirmation evidence (confirm_evidence): radar measurements
	 * applied (the start included), and the distinct viewpoints of the
	 * lines of sight applied as updates (not a pair that started the
	 * track): 0, 1 (ir_view0 the first) or 2. */
	uint32_t n_radar;
	int n_ir_views;
	double ir_view0[3];
	/* Position dimensions those measurements fixed (confirm_evidence):
	 * 3 a radar plot (its range rate not counted), 2 a line of sight,
	 * 4 the pair of rays that started an IR track. */
	uint32_t ev_dims;
	uint32_t n_updates;
	uint32_t truth_id;
	/* Simulation only, association purity (track_info): updates from
	 * clutter (truth_id 0), and updates from an object other than the
	 * one of the previous non-clutter update (truth_obj). */
	uint32_t n_upd_clutter, n_upd_switch, truth_obj;
	uint32_t prev_id;
	enum track_class cls; /* threat class (drag prior) */
	int classified;       /* cls set (at a burnout or a first good ballistic estimate) */
	int cls_reset;        /* ... at a burnout: k was reset before the class prior */
	mw_time_ns cls_t_ns;  /* time of the history entry the class prior was applied to */
	int del;              /* scratch of manage() */
	/* Duplicate merge (merge_duplicates): the older track whose estimate
	 * this one's has matched at dup_n consecutive checks since dup_t0_ns
	 * (the last at dup_last_ns); 0 none. */
	uint32_t dup_with;
	int dup_n;
	mw_time_ns dup_t0_ns, dup_last_ns;
	int long_coast;          /* in a long coast (counted in n_long_coast) */
	mw_time_ns coast_chk_ns; /* long coast: next predicted-sigma check */
	/* Long coast: the ballistic model's prediction from the last update
	 * to lc_t_ns, made by the last check (keep_coasting, chained from
	 * check to check); the base of the long-coast pre-gate (lc_pregate). */
	int has_lc;
	mw_time_ns lc_t_ns;
	struct track_gauss lc;
	int has_boost_est;
	mw_time_ns boost_est_t_ns;
	struct track_gauss boost_est;
	int has_boost0; /* launch basis: first well-determined boost estimate (launch.h) */
	mw_time_ns boost0_t_ns;
	struct track_gauss boost0;
	/* Ballistic-basis launch estimate (launch_bal_refresh) and when it
	 * was made (track_lbal_due). */
	int has_launch_bal;
	struct track_lbal_sched lbal;
	struct track_point_pred launch_bal;
	/* The last prediction made in process_scan (predict_to_scan): from
	 * cp_base (a history entry's posterior, time cp_base_ns) to
	 * cp_t_ns. */
	int has_cp;
	int cp_noprune;             /* the kept prediction was made without pruning */
	double cp_lat_q, cp_lat_sp; /* ... from an entry with this statement (hist_cfg) */
	mw_time_ns cp_t_ns, cp_base_ns;
	struct track_imm cp, cp_base;
	int h_count;
	int h0;          /* ring: entry i is h[(h0 + i) % h_cap] */
	int h_cap;       /* history_len */
	struct hist h[]; /* history_len entries */
};

/* History entry i (0 oldest .. h_count - 1 newest) of track k. A ring,
 * so that dropping the oldest entry of a full history is O(1): shifting
 * 16 entries of ~1.4 kB per update was 7% of the time on the exercise. */
#define HAT(k, i) (&(k)->h[((k)->h0 + (i)) % (k)->h_cap])

struct los_entry {
	struct mw_obs obs;
	struct track_meas m;
	double dir[3]; /* unit ray, ECEF */
};

/* merge_burnout_duplicates: an older track, its x key and radius. */
struct mg_cand {
	double key, rad;
	int i;
};

struct pair {
	int trk, obs;
	double cost;
	struct track_zpred zp[TRACK_N_MODES]; /* reused by the update */
};

/* A pair's place in the cluster order: key = (root, trk, obs) packed
 * (root < max_tracks + max_scan_obs <= 1e6 + 8192 < 2^21, trk and obs <
 * 2^21: check_config's limits), idx its index in pairs. The pairs
 * themselves (~2 KB each with their predicted measurements) stay put. */
struct pair_ord {
	uint64_t key;
	size_t idx;
};

struct track_tracker {
	struct track_config cfg;
	struct track_imm_cfg imm_noprune; /* cfg.imm with prune_mu = 0 (imm_cfg) */
	struct track_imm_memo imm_memo;   /* the scan predictions' (predict_to_scan) */
	struct mw_log *log;
	double gate[TRACK_NZ_MAX + 1];
	double init_supp[TRACK_NZ_MAX + 1]; /* chi2_nz(1 - INIT_SUPPRESS_P) */
	double dup_gate;                    /* chi2_6(1 - DUP_P) */
	size_t n_hit;                       /* trk_hit is valid for tracks [0, n_hit) */
	mw_time_ns now_ns;
	uint32_t next_id;
	struct track_counters ctr;

	struct trk **trk;
	size_t n_trk;
	size_t n_long_coast; /* tracks with long_coast set (<= coast_long_max_tracks) */

	/* pending scan */
	struct mw_obs *pend;
	size_t n_pend;

	/* per-scan scratch */
	struct track_meas *meas;
	int *meas_ok;
	double (*obs_pt)[3]; /* radar: ECEF point; LOS: unit ray direction */
	double *obs_sig_m;   /* radar: position sigma scale; LOS: angle sigma */
	int *obs_order;      /* radar obs sorted by obs_pt x */
	double *obs_xs;      /* their obs_pt x in that order (the x window's search) */
	int *obs_assigned;   /* track index or -1 */
	int *obs_pair;       /* index of the assigned pair in pairs */
	int *obs_supp;       /* radar obs in a silent confirmed track's init_supp region */
	double *obs_tent;    /* lowest pair cost of a tentative track (stage_pair) */
	int *obs_firm;       /* a confirmed track gated the obs (ray_no_evidence) */
	int *supp_obs;       /* unassigned radar obs, by obs_pt x (init_suppress) */
	int *trk_hit;        /* track was assigned an observation in this scan */
	int *trk_base;       /* base history index or -1 */
	struct track_imm *pred;
	double *trk_miss; /* miss cost */
	int *trk_pred_ok;
	struct pair *pairs;
	size_t n_pairs, cap_pairs;
	struct pair_ord *pord;     /* cap_pairs: the pairs sorted by cluster */
	struct pair_ord *pord_tmp; /* cap_pairs: order_pairs' merge buffer */
	int *obs_tmp;              /* max_scan_obs: sort_obs_x's merge buffer */
	int *uf;                   /* union-find over n_trk + n_obs nodes */
	int *cl_rows, *cl_cols, *col_map;
	double *cl_cost;
	size_t cap_cl_cost;
	int *cl_sol;
	struct track_assign_ws ws;

	/* merge_burnout_duplicates scratch (max_tracks, 2 x, 3 x) */
	struct mg_cand *mg;
	int *mg_dyn, *mg_tmp;
	/* their merge sorts' second buffers (max_tracks, 3 x) */
	struct mg_cand *mg_sort;
	int *mg_isort;

	/* unassigned lines of sight awaiting a partner (oldest first) */
	struct los_entry *pool;
	size_t n_pool;
};

static const char *const state_names[] = {
    [TRACK_TENTATIVE] = "tentative", [TRACK_CONFIRMED] = "confirmed"};
static const char *const phase_names[] = {[TRACK_PHASE_BOOST] = "boost",
                                          [TRACK_PHASE_MIDCOURSE] = "midcourse",
                                          [TRACK_PHASE_TERMINAL] = "terminal"};

const char *track_state_str(enum track_state s)
{
	return (s == TRACK_TENTATIVE || s == TRACK_CONFIRMED) ? state_names[s] : "?";
}

const char *track_phase_str(enum track_phase p)
{
	return (p >= TRACK_PHASE_BOOST && p <= TRACK_PHASE_TERMINAL) ? phase_names[p] : "?";
}

void track_config_default(struct track_config *c)
{
	*c = (struct track_config){
	    .max_tracks = 4096,
	    .max_scan_obs = 4096,
	    .history_len = 16,
	    .gate_prob = 0.9999,
	    .confirm_m = 3,
	    .confirm_n = 8,
	    .slot_s = 1.0,
	    .coast_max_s = 30.0,
	    .max_age_s = 7200.0,
	    .max_init_lag_s = 2.0,
	    .init_sigma_v_m_s = 3000.0,
	    .init_k = 1.0,
	    .init_sigma_k = 1.0,
	    /*
	     * A new track's boost hypothesis is a missile's boost: its thrust
	     * prior 20 +- 20 m/s^2 covers the net thrust of a ballistic
	     * missile in boost (a lift-off thrust-to-weight of 1.3-3 gives
	     * 3-20 m/s^2, growing to 50-100 at burnout; the simulator's
	     * 25-80). At 0 +- 20 (sessions 1-22) a young track whose boost
	     * probability dipped while tentative had its boost model pulled
	     * to the ballistic model's 0 by the mixing and, with the
	     * thrust's angle a state, never learnt the thrust on two distant
	     * radars: the mixed exercise's ICBM lost its track twice at
	     * seeds 201-300, none at 20 (docs/tracking.md "The thrust's
	     * angle and growth as states (session 23)").
	     */
	    .init_at_m_s2 = 20.0,
	    .init_sigma_at_m_s2 = 20.0,
	    .init_mu_boost = 0.5,
	    /*
	     * Drag prior per class (docs/tracking.md, "Drag prior"): the
	     * heavy re-entry vehicles of the long-range classes, beta
	     * 5,000-15,000 kg/m^2 (open-literature range, sources there) as
	     * the central 95% of a lognormal: k = 1.20 +- 0.34. SRBM and MRBM
	     * keep the flat prior: no published range was found for them,
	     * and they include bodies that do not separate.
	     */
	    .beta_prior =
	        {[TRACK_CLASS_IRBM] = {5000.0, 15000.0}, [TRACK_CLASS_ICBM] = {5000.0, 15000.0}},
	    .class_sigma_v_max_m_s = 100.0,
	    .los_pair_window_s = 0.5,
	    .los_pool = 256,
	    .init_mu_boost_los = 0.9,
	    .boost_coast_max_s = 5.0,
	    /*
	     * Long coast. 300 km: the motion model's drag ceiling (model.h,
	     * TRACK_DRAG_CEILING_M: drag < 1e-6 m/s^2 above it), so the prediction
	     * is gravity only and the covariance grows only by the state's
	     * own uncertainty and q. 20 km of position sigma (a choice, not
	     * tuned): the volume a radar would search to re-acquire, whose
	     * 0.9999 gate (4.6 sigma a side) is ~100 km across if
	     * isotropic; wider, a plot in it could as well be another
	     * object's. The lofted ICBM's
	     * ballistic-mode sigma grew from 0.03 to 0.9 km over its
	     * 2,580 s coast (docs/tracking.md, "Long coast"). 3,600 s
	     * covers an ICBM's coast; 1e-3: a ballistic track.
	     */
	    .coast_long_max_tracks = 64,
	    .coast_long_max_s = 3600.0,
	    .coast_long_sigma_max_m = 20e3,
	    .coast_long_min_h_m = 300e3,
	    .coast_long_mu_boost_max = 1e-3,
	    .coast_long_check_s = 10.0,
	    .dup_merge = 1,
	    .firm_first = 1,
	    .imm =
	        {
	            /*
	             * Ballistic q: what the equations of motion leave out. The
	             * model has the simulator's default truth's forces (mu + J2,
	             * rotation, drag with the 1976 atmosphere); what is left is
	             * the RK4 error, measured against the truth over the lofted
	             * ICBM's 2,580 s coast at 0.2 m and 0.5 mm/s (q ~ 1e-10).
	             * Not a wide margin over it: over an unobserved coast the
	             * white q is all that moves the NEES (the filter's
	             * covariance is the PCRLB's there), and it lands in the
	             * directions the dynamics pin (velocity given position);
	             * q = 1e-9 took the ICBM coast's ANEES from 6.2 to 4.2.
	             * 1e-10 was set against a truth whose dense output was off
	             * the dynamics by 0.2 m, 1 mm/s (60 s Hermite steps; now
	             * 5 s, sim/flight.c); against the smooth truth 1e-10 took
	             * the ICBM coast's ANEES from 6.29 to 4.98 and 2e-11 from
	             * 6.29 to 5.53, terminal window 5.66-6.60, IRBM coast
	             * 6.04-6.07 (seeds 1-25; docs/tracking.md "ICBM impact
	             * coverage"). Earlier "1e-11 overconfident (8-9.6)" was
	             * that truth's wiggle. The RK4 error itself, measured
	             * (track_model_propagate's 10 s steps against 0.5 s steps
	             * over the lofted ICBM's coast from 1,000 km): 9 mm and
	             * 7.6 um/s after 2,400 s, where 2e-11 states 0.30 m and
	             * 0.22 mm/s per axis (unit test
	             * ballistic_q_covers_the_rk4_error_over_a_long_coast).
	             * Stating that error at every 100 s of the coast needs q
	             * >= 1.6e-13 (worst at 100 s: 0.4 mm); q = 2e-12 states
	             * 3.6x it in sigma there and 16-20x after 1,200-2,400 s -
	             * the margin, 3x at least. 2e-11 (session 6) was 11x at
	             * the worst point because 2e-12 failed the debug SPD
	             * check of a 1,471 s prediction (unit test
	             * imm_predict_mode_is_the_full_predictions_model): the
	             * predicted covariance is now a Gram matrix with a
	             * relative floor (ukf.h TRACK_P_FLOOR_REL), SPD without
	             * q (docs/tracking.md "SPD long predictions and q
	             * (session 7, branch sqrtp)").
	             * A real Earth's gravity differs from mu + J2 by
	             * 1e-5..3e-4 m/s^2 (EGM96): that is
	             * grav_err (model.h), a time-correlated error, not more q -
	             * TRACK_GRAV_ERR_EGM96 to field, TRACK_GRAV_ERR_J3J4 against
	             * the simulator's "truth_gravity": "j4" (docs/tracking.md).
	             */
	            .motion = {{.thrust = 0,
	                        .q_acc_m2_s3 = 2e-12,
	                        .q_k = 1e-4,
	                        .grav_err = TRACK_GRAV_ERR_NONE},
	                       /*
	                        * The thrusting model estimates the thrust's
	                        * angle and growth (model.h), so its statement
	                        * is what is left of a burn between plots:
	                        * white q_acc 1 (was 25), the angle's walk 1e-4
	                        * rad^2/s (0.1 rad over 100 s), the thrust's
	                        * walk 25 m^2/s^5 (at 2 a stage change took an
	                        * ICBM track's boost for a burnout: 3 breaks at
	                        * seeds 31-60, 0 at 25), pitch and yaw 0.005 rad
	                        * (was 0.1, 0.03 with thrust along v). The
	                        * oracle and the runs that set these:
	                        * docs/tracking.md "The boost known: an oracle"
	                        * and "The thrust's angle and growth as states".
	                        */
	                       {.thrust = 1,
	                        .q_acc_m2_s3 = 1.0,
	                        .q_alpha_rad2_s = 1e-4,
	                        .q_at_m2_s5 = 25.0,
	                        .pitch_sigma_rad = 0.005,
	                        .yaw_sigma_rad = 0.005,
	                        .grav_err = TRACK_GRAV_ERR_NONE}},
	            .sigma_at0_m_s2 = 10.0,
	            .tau_boost_s = 60.0,
	            /* Burnout hazard: the mean time to burnout is at most
	             * Isp g0 / aT (imm.c, track_imm_boost_tau_s); 255 s is
	             * the centre of launch.c's Isp prior. */
	            .burnout_isp_s = 255.0,
	            /* ... and the hazard at least the thrust's rate of rise
	             * over 2 g (imm.c, ibid.). */
	            .burnout_aref_m_s2 = 2.0 * 9.80665,
	            /* A stage change (imm.h, track_imm_update_from), taken
	             * when the widened thrust explains the plot with a Bayes
	             * factor of at least 20 ("strong" on Kass and Raftery's
	             * 1995 scale). */
	            .stage_at_sigma_m_s2 = 30.0,
	            .stage_bf_min = 20.0,
	            .stage_nis_p = 0.9999, /* gate_prob's */
	            /*
	             * Ballistic -> boost: an RV in midcourse does not thrust
	             * again. At 1e5 s (p = 1e-5 per second) with the mode floor
	             * at 1e-6, one radar plot in the 1e-4 tail of its noise
	             * (outside the ballistic model's 0.9999 gate, inside the
	             * wider boost model's) gave a likelihood ratio ~1e4 and
	             * lifted the boost probability to 0.1-0.4 in midcourse; the
	             * moment-matched estimate then carried the boost model's
	             * covariance (IRBM midcourse ANEES 3.4-4.3 late, impact
	             * sigma 8-27 km for a scan). With 1e7 s and the floor at
	             * 1e-8 (imm.c) such a plot lifts it to ~1e-4; a real burn
	             * after a coast still wins within a few scans (likelihood
	             * ratios of 10-1000 per scan).
	             */
	            .tau_ballistic_s = 1e7,
	            /* imm.h "pruning": below the boost probability under which
	             * the ballistic model alone is published (PUBLISH_MINOR_MU). */
	            .prune_mu = TRACK_PRUNE_MU,
	        },
	};
}

static int check_config(const struct track_config *c, struct mw_log *log)
{
	const char *bad = NULL;
	if (c->max_tracks < 1 || c->max_tracks > 1000000)
		bad = "max_tracks";
	else if (c->max_scan_obs < 1 || c->max_scan_obs > TRACK_ASSIGN_MAX)
		bad = "max_scan_obs";
	else if (c->history_len < 2 || c->history_len > 1024)
		bad = "history_len";
	else if (!(c->gate_prob > 0.5 && c->gate_prob < 1.0))
		bad = "gate_prob";
	else if (c->confirm_n < 1 || c->confirm_n > 64 || c->confirm_m < 1 ||
	         c->confirm_m > c->confirm_n)
		bad = "confirm_m/confirm_n";
	else if (!(c->slot_s > 0.0) || !(c->coast_max_s > 0.0) || !(c->max_age_s > 0.0) ||
	         !(c->max_init_lag_s >= 0.0))
		bad = "slot_s/coast_max_s/max_age_s/max_init_lag_s";
	else if (!(c->init_sigma_v_m_s > 0.0) || !(c->init_sigma_k > 0.0) ||
	         !(c->init_sigma_at_m_s2 > 0.0) || !isfinite(c->init_k) ||
	         !isfinite(c->init_at_m_s2))
		bad = "init_*";
	else if (!(c->init_mu_boost > 0.0 && c->init_mu_boost < 1.0) ||
	         !(c->init_mu_boost_los > 0.0 && c->init_mu_boost_los < 1.0))
		bad = "init_mu_boost/init_mu_boost_los";
	else if (!(c->boost_coast_max_s > 0.0))
		bad = "boost_coast_max_s";
	else if (c->coast_long_max_tracks > c->max_tracks || !(c->coast_long_max_s > 0.0) ||
	         !(c->coast_long_max_s <= c->max_age_s) || !(c->coast_long_sigma_max_m > 0.0) ||
	         !(c->coast_long_min_h_m >= 0.0) ||
	         !(c->coast_long_mu_boost_max > 0.0 && c->coast_long_mu_boost_max <= 0.5) ||
	         !(c->coast_long_check_s > 0.0))
		bad = "coast_long_*";
	else if (!(c->los_pair_window_s >= 0.0 && c->los_pair_window_s <= 10.0) ||
	         c->los_pool + c->max_scan_obs > TRACK_ASSIGN_MAX)
		bad = "los_pair_window_s/los_pool (los_pool + max_scan_obs <= 8192)";
	else if (!(c->imm.tau_boost_s > 0.0) || !(c->imm.tau_ballistic_s > 0.0) ||
	         !(c->imm.sigma_at0_m_s2 > 0.0) || !(c->imm.burnout_isp_s >= 0.0) ||
	         !(c->imm.burnout_aref_m_s2 >= 0.0) ||
	         !(c->imm.prune_mu >= 0.0 && c->imm.prune_mu < 0.5))
		bad = "imm";
	else if (!(c->imm.stage_at_sigma_m_s2 >= 0.0) || !(c->imm.stage_bf_min >= 0.0) ||
	         (c->imm.stage_at_sigma_m_s2 > 0.0 && c->imm.stage_bf_min > 0.0 &&
	          !(c->imm.stage_nis_p > 0.5 && c->imm.stage_nis_p < 1.0)))
		bad = "imm.stage_* (sigma >= 0, Bayes factor >= 0, 0.5 < nis_p < 1)";
	for (int j = 0; j < TRACK_CLASS_N && !bad; j++) {
		const struct track_beta_range *br = &c->beta_prior[j];
		double kc, sc;
		if (br->lo_kg_m2 == 0.0 && br->hi_kg_m2 == 0.0)
			continue;
		if (track_beta_prior_k(br, &kc, &sc) < 0 || !(sc < c->init_sigma_k))
			bad = "beta_prior (0 < lo < hi, k sigma below init_sigma_k)";
	}
	if (!bad && !(c->class_sigma_v_max_m_s > 0.0))
		bad = "class_sigma_v_max_m_s";
	for (int j = 0; j < TRACK_N_MODES && !bad; j++) {
		const struct track_motion *mo = &c->imm.motion[j];
		if (!(mo->q_acc_m2_s3 > 0.0) || !(mo->q_k >= 0.0) || !(mo->q_at_m2_s5 >= 0.0) ||
		    mo->grav_err < TRACK_GRAV_ERR_NONE || mo->grav_err > TRACK_GRAV_ERR_EGM96)
			bad = "imm.motion";
	}
	if (bad) {
		mw_logf(log, MW_LOG_ERROR, "track", "invalid tracker configuration: %s", bad);
		return -EINVAL;
	}
	return 0;
}

void track_tracker_free(struct track_tracker *t)
{
	if (!t)
		return;
	for (size_t i = 0; i < t->n_trk; i++)
		free(t->trk[i]);
	free(t->trk);
	free(t->pend);
	free(t->meas);
	free(t->meas_ok);
	free(t->obs_pt);
	free(t->obs_sig_m);
	free(t->obs_order);
	free(t->obs_xs);
	free(t->obs_assigned);
	free(t->obs_pair);
	free(t->obs_supp);
	free(t->obs_tent);
	free(t->obs_firm);
	free(t->supp_obs);
	free(t->obs_tmp);
	free(t->trk_hit);
	free(t->trk_base);
	free(t->pred);
	free(t->trk_miss);
	free(t->trk_pred_ok);
	free(t->pairs);
	free(t->pord);
	free(t->pord_tmp);
	free(t->uf);
	free(t->cl_rows);
	free(t->cl_cols);
	free(t->col_map);
	free(t->cl_cost);
	free(t->cl_sol);
	track_assign_ws_finish(&t->ws);
	free(t->pool);
	free(t->mg);
	free(t->mg_dyn);
	free(t->mg_tmp);
	free(t->mg_sort);
	free(t->mg_isort);
	free(t);
}

int track_tracker_new(const struct track_config *cfg, struct mw_log *log,
                      struct track_tracker **out)
{
	int rc = check_config(cfg, log);
	if (rc < 0)
		return rc;
	struct track_tracker *t = calloc(1, sizeof(*t));
	if (!t)
		return -ENOMEM;
	t->cfg = *cfg;
	t->log = log;
	t->next_id = 1;
	t->imm_noprune = cfg->imm;
	t->imm_noprune.prune_mu = 0.0;
	track_imm_memo_init(&t->imm_memo);
	track_assign_ws_init(&t->ws);
	for (int nz = 1; nz <= TRACK_NZ_MAX; nz++)
		t->gate[nz] = track_chi2_quantile(cfg->gate_prob, nz);
	for (int nz = 1; nz <= TRACK_NZ_MAX; nz++)
		t->init_supp[nz] = track_chi2_quantile(1.0 - INIT_SUPPRESS_P, nz);
	t->dup_gate = track_chi2_quantile(1.0 - DUP_P, 6);
	size_t nt = cfg->max_tracks, no = cfg->max_scan_obs;
	t->trk = calloc(nt, sizeof(*t->trk));
	t->pend = calloc(no, sizeof(*t->pend));
	t->meas = calloc(no, sizeof(*t->meas));
	t->meas_ok = calloc(no, sizeof(int));
	t->obs_pt = calloc(no, sizeof(*t->obs_pt));
	t->obs_sig_m = calloc(no, sizeof(double));
	t->obs_order = calloc(no, sizeof(int));
	t->obs_xs = calloc(no, sizeof(double));
	t->obs_assigned = calloc(no, sizeof(int));
	t->obs_pair = calloc(no, sizeof(int));
	t->obs_supp = calloc(no, sizeof(int));
	t->obs_tent = calloc(no, sizeof(double));
	t->obs_firm = calloc(no, sizeof(int));
	t->supp_obs = calloc(no, sizeof(int));
	t->obs_tmp = calloc(no, sizeof(int));
	t->trk_hit = calloc(nt, sizeof(int));
	t->trk_base = calloc(nt, sizeof(int));
	t->pred = calloc(nt, sizeof(*t->pred));
	t->trk_miss = calloc(nt, sizeof(double));
	t->trk_pred_ok = calloc(nt, sizeof(int));
	t->uf = calloc(nt + no, sizeof(int));
	t->cl_rows = calloc(nt, sizeof(int));
	t->cl_cols = calloc(no, sizeof(int));
	t->col_map = calloc(no, sizeof(int));
	t->cl_sol = calloc(nt > no ? nt : no, sizeof(int));
	t->pool = calloc(cfg->los_pool ? cfg->los_pool : 1, sizeof(*t->pool));
	t->mg = calloc(nt, sizeof(*t->mg));
	t->mg_dyn = calloc(2 * nt, sizeof(int));
	t->mg_tmp = calloc(3 * nt, sizeof(int));
	t->mg_sort = calloc(nt, sizeof(*t->mg_sort));
	t->mg_isort = calloc(3 * nt, sizeof(int));
	if (!t->trk || !t->pend || !t->meas || !t->meas_ok || !t->obs_pt || !t->obs_sig_m ||
	    !t->obs_order || !t->obs_xs || !t->obs_assigned || !t->obs_pair || !t->obs_supp ||
	    !t->obs_tent || !t->obs_firm || !t->supp_obs || !t->obs_tmp || !t->trk_hit ||
	    !t->trk_base || !t->pred || !t->trk_miss || !t->trk_pred_ok || !t->uf || !t->cl_rows ||
	    !t->cl_cols || !t->col_map || !t->cl_sol || !t->pool || !t->mg || !t->mg_dyn ||
	    !t->mg_tmp || !t->mg_sort || !t->mg_isort) {
		track_tracker_free(t);
		return -ENOMEM;
	}
	*out = t;
	return 0;
}

mw_time_ns track_tracker_now(const struct track_tracker *t)
{
	return t->now_ns;
}

size_t track_tracker_count(const struct track_tracker *t)
{
	return t->n_trk;
}

size_t track_tracker_pending(const struct track_tracker *t, struct mw_obs *first)
{
	if (t->n_pend && first)
		*first = t->pend[0];
	return t->n_pend;
}

void track_tracker_counters(const struct track_tracker *t, struct track_counters *out)
{
	*out = t->ctr;
}

static double ns_to_s(mw_time_ns d)
{
	return (double)d * 1e-9;
}

/* ---- threat class and drag prior ---- */

static const char *const class_names[TRACK_CLASS_N] = {[TRACK_CLASS_UNKNOWN] = "unknown",
                                                       [TRACK_CLASS_SRBM] = "SRBM",
                                                       [TRACK_CLASS_MRBM] = "MRBM",
                                                       [TRACK_CLASS_IRBM] = "IRBM",
                                                       [TRACK_CLASS_ICBM] = "ICBM"};

const char *track_class_str(enum track_class c)
{
	return ((int)c >= 0 && c < TRACK_CLASS_N) ? class_names[c] : "?";
}

#define CLASS_R_M 6371008.8 /* mean Earth radius R1 of GRS 80 (Moritz 2000, J. Geodesy 74) */

double track_class_max_range_m(const double x[6])
{
	double r = sqrt(x[0] * x[0] + x[1] * x[1] + x[2] * x[2]);
	double v2 = x[3] * x[3] + x[4] * x[4] + x[5] * x[5];
	if (!(r > 6.0e6) || !isfinite(v2))
		return -1.0;
	/* surface-equivalent speed squared from the energy */
	double vs2 = v2 + 2.0 * GEO_GM_M3_S2 * (1.0 / CLASS_R_M - 1.0 / r);
	if (!(vs2 > 0.0))
		return 0.0;
	double q = vs2 * CLASS_R_M / GEO_GM_M3_S2;
	if (q >= 1.0)
		return INFINITY;
	return CLASS_R_M * 2.0 * asin(q / (2.0 - q));
}

/* Class limits by maximum range (km): the usual split, e.g. the US
 * definitions (ICBM > 5,500 km as in the START treaty's glossary). */
enum track_class track_class_of_range(double max_range_m)
{
	if (!(max_range_m >= 0.0))
		return TRACK_CLASS_UNKNOWN;
	if (max_range_m < 1000e3)
		return TRACK_CLASS_SRBM;
	if (max_range_m < 3000e3)
		return TRACK_CLASS_MRBM;
	if (max_range_m < 5500e3)
		return TRACK_CLASS_IRBM;
	return TRACK_CLASS_ICBM;
}

int track_beta_prior_k(const struct track_beta_range *b, double *k, double *sigma_k)
{
	if (!b || !(b->lo_kg_m2 > 0.0) || !(b->hi_kg_m2 > b->lo_kg_m2) || !isfinite(b->hi_kg_m2))
		return -EINVAL;
	const double z = 1.959963984540054; /* standard normal 0.975 quantile */
	/* ln k = -ln beta - ln TRACK_THETA_UNIT is normal: median and sigma */
	double m = -0.5 * (log(b->lo_kg_m2) + log(b->hi_kg_m2)) - log(TRACK_THETA_UNIT);
	double s = (log(b->hi_kg_m2) - log(b->lo_kg_m2)) / (2.0 * z);
	double mean = exp(m + 0.5 * s * s);
	*k = mean;
	*sigma_k = mean * sqrt(expm1(s * s));
	return 0;
}

int track_k_positive_moments(double m, double s, double *mean, double *sigma)
{
	if (!isfinite(m) || !isfinite(s) || !(s > 0.0))
		return -EINVAL;
	double a = -m / s;
	if (a > 30.0)
		return -ERANGE;
	/* 1 - Phi(a) = erfc(a / sqrt 2) / 2, accurate in the upper tail */
	double q = 0.5 * erfc(a * 0.7071067811865476);
	double l = exp(-0.5 * a * a) * 0.3989422804014327 / q; /* phi(a) / q */
	double v = 1.0 + a * l - l * l;
	if (!(v > 0.0))
		return -ERANGE;
	*mean = m + s * l;
	*sigma = s * sqrt(v);
	return 0;
}

/*
 * track_k_positive: condition the Gaussian g on k > 0 (density
 * truncation of one coordinate; exact first two moments of the truncated
 * joint Gaussian). With the regression of the state on k, x = m + P_xk / P_kk (k - m_k)
 * + e (e independent of k), truncating k to its positive part moves the
 * mean by P_xk / P_kk (E[k | k > 0] - m_k) and takes
 * P_xk P_kx (P_kk - V) / P_kk^2 off the covariance (V = Var[k | k > 0]);
 * the consider cross-covariance C (gravity_err.h) loses
 * P_xk C_k (P_kk - V) / P_kk^2 by the same regression. Where k's mass
 * below zero is negligible nothing moves.
 */
int track_k_positive(struct track_gauss *g)
{
	const int K = TRACK_IX_K;
	double pkk = g->P[K * N + K], mk, sk;
	if (!(pkk > 0.0))
		return -EINVAL;
	int rc = track_k_positive_moments(g->x[K], sqrt(pkk), &mk, &sk);
	if (rc < 0)
		return rc;
	double d = (mk - g->x[K]) / pkk, shrink = (pkk - sk * sk) / (pkk * pkk), pk[N];
	for (int i = 0; i < N; i++)
		pk[i] = g->P[i * N + K];
	for (int i = 0; i < N; i++) {
		g->x[i] += pk[i] * d;
		for (int l = 0; l < N; l++)
			g->P[i * N + l] -= pk[i] * pk[l] * shrink;
	}
	mat_symmetrise(g->P, N);
	double ck[3] = {g->C[K * 3], g->C[K * 3 + 1], g->C[K * 3 + 2]};
	for (int i = 0; i < N; i++)
		for (int b = 0; b < 3; b++)
			g->C[i * 3 + b] -= pk[i] * ck[b] * shrink;
	return 0;
}

/*
 * Replace the flat drag prior of post by class cls's: of its
 * non-thrusting model, whose x6 is k (model.h; the pruned form's boost
 * model too, its copy).
 * reset: first forget what was learned about k (at a burnout: the
 * booster stack's drag, not the re-entry vehicle's) - k back to the flat
 * prior, its cross-covariances zero. Then a scalar pseudo-measurement
 * z of k with variance r such that flat prior x pseudo-measurement =
 * class prior (1/r = 1/s_c^2 - 1/s_0^2, z/r = k_c/s_c^2 - k_0/s_0^2):
 * the information about k the track has gathered is kept, only the
 * prior changes (Gaussian in k). A class without a range (SRBM, MRBM,
 * unknown) keeps the flat prior's positive part: the posterior
 * conditioned on k > 0 (track_k_positive; after a reset 1.2876 +- 0.7935, the
 * moments of N(1, 1) truncated at zero).
 */
/*
 * Mean and variances (diagonal of the covariance) of the moment-matched
 * IMM mixture: what the pre-gate needs of track_imm_combine, with the
 * same arithmetic in the same order (so bit-identical), without the
 * 8x8 outer products (combine was 5% of a scan's time).
 */
static void imm_moments(const struct track_imm *im, double x[N], double var[N])
{
	if (track_imm_pruned(im)) { /* weights {1, 0}: the ballistic model's */
		for (int i = 0; i < N; i++) {
			x[i] = im->m[TRACK_MODE_BALLISTIC].x[i];
			var[i] = im->m[TRACK_MODE_BALLISTIC].P[i * N + i];
		}
		return;
	}
	/* Summed in locals (the same operations in the same order; the
	 * compiler need not assume x, var alias im, and vectorises). */
	double sx[N], sv[N];
	for (int i = 0; i < N; i++) {
		sx[i] = 0.0;
		sv[i] = 0.0;
	}
	for (int j = 0; j < TRACK_N_MODES; j++)
		for (int i = 0; i < N; i++)
			sx[i] += im->mu[j] * im->m[j].x[i];
	for (int j = 0; j < TRACK_N_MODES; j++)
		for (int i = 0; i < N; i++) {
			double d = im->m[j].x[i] - sx[i];
			sv[i] += im->mu[j] * (im->m[j].P[i * N + i] + d * d);
		}
	/* x6 is k in the combined estimate (track_imm_combine): the
	 * non-thrusting model's, whose copy the thrusting model enters with */
	const struct track_gauss *b = &im->m[TRACK_MODE_BALLISTIC];
	sx[TRACK_IX_K] = b->x[TRACK_IX_K];
	sv[TRACK_IX_K] = b->P[TRACK_IX_K * N + TRACK_IX_K];
	memcpy(x, sx, sizeof(sx));
	memcpy(var, sv, sizeof(sv));
}

/* Set h's cached mixture moments from h->post (after every write of it). */
static void hist_moments(struct hist *h)
{
	imm_moments(&h->post, h->mx, h->mvar);
}

/* The mixture's mean (hist_mx) and variances (h->mvar) of a history
 * entry's posterior: the cache hist_moments set (debug builds check that
 * it is current). Read in place, not copied. */
static const double *hist_mx(const struct hist *h)
{
#ifndef NDEBUG
	double cx[N], cv[N];
	imm_moments(&h->post, cx, cv);
	assert(memcmp(cx, h->mx, sizeof(cx)) == 0 && memcmp(cv, h->mvar, sizeof(cv)) == 0);
#endif
	return h->mx;
}

static void class_prior(const struct track_config *c, enum track_class cls, int reset,
                        struct track_imm *post)
{
	const int K = TRACK_IX_K;
	double s0 = c->init_sigma_k, kc, sc;
	/* k is the non-thrusting model's x6 alone (model.h); a pruned IMM's
	 * boost model is its copy (imm.c invariant 5). */
	const int nk = track_imm_pruned(post) ? TRACK_N_MODES : 1;
	for (int j = 0; j < nk && reset; j++) {
		struct track_gauss *g = &post->m[j];
		for (int i = 0; i < N; i++)
			g->P[K * N + i] = g->P[i * N + K] = 0.0;
		for (int b = 0; b < 3; b++)
			g->C[K * 3 + b] = 0.0; /* gravity_err.h: a reset is independent of b */
		g->x[K] = c->init_k;
		g->P[K * N + K] = s0 * s0;
	}
	if (track_beta_prior_k(&c->beta_prior[cls], &kc, &sc) < 0) {
		/* No class range: the flat prior's positive part (k > 0), applied
		 * to what the track now holds (docs/tracking.md "Mixed exercise
		 * by class (session 10, branch mixcls)"). */
		for (int j = 0; j < nk; j++)
			(void)track_k_positive(&post->m[j]); /* < 0: left as it is */
		return;
	}
	double info = 1.0 / (sc * sc) - 1.0 / (s0 * s0); /* > 0 (check_config) */
	double r = 1.0 / info, z = (kc / (sc * sc) - c->init_k / (s0 * s0)) * r;
	for (int j = 0; j < nk; j++) {
		struct track_gauss *g = &post->m[j];
		double S = g->P[K * N + K] + r, gain[N], innov = z - g->x[K];
		for (int i = 0; i < N; i++)
			gain[i] = g->P[i * N + K] / S;
		for (int i = 0; i < N; i++) {
			g->x[i] += gain[i] * innov;
			for (int l = 0; l < N; l++)
				g->P[i * N + l] -= gain[i] * gain[l] * S;
		}
		mat_symmetrise(g->P, N);
		/* The consider cross-covariance (gravity_err.h): C -= gain (H C), H = e_K. */
		double ck[3] = {g->C[K * 3], g->C[K * 3 + 1], g->C[K * 3 + 2]};
		for (int i = 0; i < N; i++)
			for (int b = 0; b < 3; b++)
				g->C[i * 3 + b] -= gain[i] * ck[b];
	}
}

/*
 * Classify track k on its newest posterior and apply the class's drag
 * prior: at a burnout (reset k first), or once, at the first confirmed
 * ballistic estimate whose velocity is known to class_sigma_v_max_m_s.
 * Energy from the ballistic mode's (r, v).
 */
static void classify(const struct track_tracker *t, struct trk *k, int burnout)
{
	struct hist *h = HAT(k, k->h_count - 1);
	const struct track_gauss *g = &h->post.m[TRACK_MODE_BALLISTIC];
	if (!burnout) {
		if (k->classified || k->state != TRACK_CONFIRMED ||
		    !(h->post.mu[TRACK_MODE_BOOST] < 0.5))
			return;
		double pvv = g->P[3 * N + 3] + g->P[4 * N + 4] + g->P[5 * N + 5];
		if (!(sqrt(pvv) < t->cfg.class_sigma_v_max_m_s))
			return;
	}
	k->cls = track_class_of_range(track_class_max_range_m(g->x));
	k->classified = 1;
	k->cls_reset = burnout;
	k->cls_t_ns = h->t_ns;
	class_prior(&t->cfg, k->cls, burnout, &h->post);
	hist_moments(h);
}

static enum track_phase phase_of(const struct track_gauss *g, double mu_boost)
{
	if (mu_boost > 0.5)
		return TRACK_PHASE_BOOST;
	double h = track_model_height_m(g->x);
	double rv = g->x[0] * g->x[3] + g->x[1] * g->x[4] + g->x[2] * g->x[5];
	if (h < 100e3 && rv < 0.0)
		return TRACK_PHASE_TERMINAL;
	return TRACK_PHASE_MIDCOURSE;
}

/*
 * The published estimate (track_info.est; docs/tracking.md "Open items"
 * (d)). The IMM posterior is a two-component Gaussian mixture. While the
 * boost mode's probability mu_b is below PUBLISH_MINOR_MU the ballistic
 * mode alone is published, not the moment-matched mixture. Why: every
 * probability statement a user makes from the published Gaussian (a 95%
 * ellipse, a gate) changes by at most the total-variation distance
 * between the mixture and its ballistic component, which is
 * mu_b * TV(boost, ballistic) <= mu_b: below 1e-3, a 95% region holds
 * >= 94.9% of the mixture's mass. The moment match, instead, is ruled by
 * the minor mode's far tail: its covariance gains mu_b * (P_b + d d^T)
 * with d the two means' difference, and a boost mode 1e-6 probable whose
 * extrapolated thrust puts its velocity ~1,000 sigma away inflates the
 * velocity covariance 1.7x (IRBM, 2-s radars without range rate: velocity
 * ANEES 3.0 -> 1.78 while the error stayed 0.032 m/s). A moments-based
 * test would keep exactly those cases, so the threshold is on the mass.
 * The full mixture stays in track_info.imm; above the threshold (boost,
 * burnout) the moment match is published as before.
 */
#define PUBLISH_MINOR_MU 1e-3

static void publish(const struct track_imm *im, struct track_gauss *out)
{
	if (im->mu[TRACK_MODE_BOOST] < PUBLISH_MINOR_MU)
		*out = im->m[TRACK_MODE_BALLISTIC];
	else
		track_imm_combine(im, out);
}

/* ic with a track's own thrusting-model statement (boost_adapt: q_acc,
 * and the pitch sigma, 0 = model.h's) in a copy in buf, or ic itself
 * when it has none (q_acc 0). */
static inline const struct track_imm_cfg *cfg_stated(const struct track_imm_cfg *ic, double q_acc,
                                                     double pitch, struct track_imm_cfg *buf)
{
	if (__builtin_expect(!(q_acc > 0.0), 1))
		return ic;
	*buf = *ic;
	buf->motion[TRACK_MODE_BOOST].q_acc_m2_s3 = q_acc;
	buf->motion[TRACK_MODE_BOOST].pitch_sigma_rad = pitch;
	return buf;
}

int track_info_est_at(const struct track_info *ti, const struct track_imm_cfg *cfg, mw_time_ns t_ns,
                      struct track_gauss *out)
{
	double dt = ns_to_s(t_ns - ti->t_ns);
	if (!(dt > 0.0)) {
		*out = ti->est;
		return 0;
	}
	/* A published ballistic mode is predicted alone: mixing the
	 * negligible boost mode in (weight ~mu_b) would bring back the
	 * far-tail inflation the publish rule leaves out (mixed exercise,
	 * 3 runs: coast ANEES 4.19 -> 3.75 at 1,000 s with the mixing). */
	if (ti->imm.mu[TRACK_MODE_BOOST] < PUBLISH_MINOR_MU)
		return track_ukf_predict(&ti->imm.m[TRACK_MODE_BALLISTIC], dt,
		                         &cfg->motion[TRACK_MODE_BALLISTIC], out);
	struct track_imm_cfg cbuf; /* boost_adapt: the track's own statement */
	cfg = cfg_stated(cfg, ti->boost_q_acc_m2_s3, ti->boost_pitch_rad, &cbuf);
	struct track_imm p;
	int rc = track_imm_predict(&ti->imm, dt, cfg, &p);
	if (rc < 0)
		return rc;
	publish(&p, out);
	return 0;
}

int track_tracker_get(const struct track_tracker *t, size_t i, struct track_info *out)
{
	if (i >= t->n_trk)
		return -ENOENT;
	const struct trk *k = t->trk[i];
	const struct hist *h = HAT(k, k->h_count - 1);
	struct track_info r;
	memset(&r, 0, sizeof(r));
	r.id = k->id;
	r.state = k->state;
	r.t_ns = h->t_ns;
	r.first_t_ns = k->first_t_ns;
	r.confirmed_t_ns = k->confirmed_t_ns;
	r.n_updates = k->n_updates;
	r.mu_boost = h->post.mu[TRACK_MODE_BOOST];
	r.imm = h->post;
	publish(&h->post, &r.est);
	r.phase = phase_of(&r.est, r.mu_boost);
	r.truth_id = k->truth_id;
	r.prev_id = k->prev_id;
	r.cls = k->cls;
	r.has_boost_est = k->has_boost_est;
	r.boost_est_t_ns = k->boost_est_t_ns;
	r.boost_est = k->boost_est;
	r.has_boost0 = k->has_boost0;
	r.boost0_t_ns = k->boost0_t_ns;
	r.boost0 = k->boost0;
	r.has_launch_bal = k->has_launch_bal;
	r.launch_bal = k->launch_bal;
	r.n_upd_clutter = k->n_upd_clutter;
	r.n_upd_switch = k->n_upd_switch;
	r.boost_q_acc_m2_s3 = h->lat_q;
	r.boost_pitch_rad = h->lat_sp;
	r.boost_lat_m_s2[0] = r.boost_lat_m_s2[1] = NAN;
	r.boost_lat_se_m_s2[0] = r.boost_lat_se_m_s2[1] = NAN;
	if (t->cfg.boost_adapt)
		(void)track_lat_est_get(&h->lat, r.boost_lat_m_s2, r.boost_lat_se_m_s2,
		                        &r.boost_lat_neff);
	*out = r;
	return 0;
}

/* Least thrust acceleration of a last-within-reach launch basis (m/s^2,
 * launch.c's BASIS_AT_MIN): below it the estimate does not thrust. */
#define LAUNCH_REACH_AT_MIN 5.0

#define PREDICT_MAX_S 7200.0 /* longest flight searched: 2 h (ICBMs fly ~30-40 min) */

/* Ballistic-basis launch estimate refreshes (track_lbal_due): at most
 * LBAL_MAX, the n-th once the time since the first is at least twice
 * the previous one's, and at least LBAL_MIN_S (0, 10, 20, 40 s after
 * the first). */
#define LBAL_MAX   4
#define LBAL_MIN_S 10.0

int track_lbal_due(struct track_lbal_sched *s, mw_time_ns t_ns)
{
	if (s->n >= LBAL_MAX)
		return 0;
	if (s->n) {
		double since = ns_to_s(t_ns - s->t0_ns), last = ns_to_s(s->last_ns - s->t0_ns);
		if (since < fmax(2.0 * last, LBAL_MIN_S))
			return 0;
	} else {
		s->t0_ns = t_ns;
	}
	s->last_ns = t_ns;
	s->n++;
	return 1;
}

/*
 * The launch estimate of a track seen in boost whose boost basis cannot
 * reach back to the lift-off (no boost0, boost_est beyond
 * track_launch_boost_reach): the ballistic basis (launch.h) from the
 * published estimate, once past burnout (boost probability < 0.5). The
 * estimate after burnout improves for some tens of seconds (the mode
 * switch, then the ballistic arc pinned by more plots: JPN's IRBM 45 ->
 * 16 km over 30 s), and each estimate costs tens of milliseconds (~60
 * nested burnout searches), so it is refreshed on a doubling schedule
 * (LBAL_*) rather than at every update or every track_info_predict
 * call. A failed refresh keeps the previous estimate.
 */
static void launch_bal_refresh(struct trk *k, const struct track_imm *post, mw_time_ns t_ns)
{
	if (!k->has_boost_est || k->has_boost0 || track_launch_boost_reach(&k->boost_est) ||
	    !(post->mu[TRACK_MODE_BOOST] < 0.5))
		return;
	/* No thrust seen (launch.h): the on-demand estimate from the current
	 * state. Without this test every track whose boost probability passed
	 * 0.5 for a few plots at its start paid four ballistic-basis launch
	 * estimates (~30 M instructions each) inside its updates: bench-track's
	 * 100 objects went from 51 M to 13.5 G instructions per timed pass. */
	if (!track_launch_thrust_seen(&k->boost_est))
		return;
	if (!track_lbal_due(&k->lbal, t_ns))
		return;
	struct track_gauss est;
	struct track_point_pred lp;
	publish(post, &est);
	if (track_predict_launch(&est, t_ns, 0, PREDICT_MAX_S, &lp) == 0) {
		k->has_launch_bal = 1;
		k->launch_bal = lp;
	}
}

int track_info_launch_on_demand(const struct track_info *ti)
{
	return !ti->has_boost_est ||
	       (!ti->has_boost0 && !track_launch_boost_reach(&ti->boost_est) &&
	        !ti->has_launch_bal);
}

int track_info_predict(const struct track_info *ti, struct track_point_pred *impact,
                       struct track_point_pred *launch)
{
	int rc = 0;
	if (impact)
		rc = track_predict_impact(&ti->est, ti->t_ns, PREDICT_MAX_S, impact);
	if (rc == 0 && launch) {
		if (ti->has_boost0)
			rc = track_launch_from_boost(&ti->boost0, ti->boost0_t_ns, launch);
		else if (ti->has_boost_est && track_launch_boost_reach(&ti->boost_est))
			rc = track_launch_from_boost(&ti->boost_est, ti->boost_est_t_ns, launch);
		else if (ti->has_boost_est)
			rc = -ERANGE; /* seen only late in the boost */
		else
			rc = track_predict_launch(&ti->est, ti->t_ns, 0, PREDICT_MAX_S, launch);
		/* No boost basis that reaches the lift-off: once past burnout
		 * the ballistic basis, the tracker's (launch_bal_refresh), or
		 * from the current estimate if the tracker has none (a boost
		 * basis that failed). */
		if (rc == -ERANGE && ti->has_boost_est && ti->has_launch_bal) {
			*launch = ti->launch_bal;
			rc = 0;
		} else if (rc == -ERANGE && ti->has_boost_est && ti->mu_boost < 0.5) {
			rc = track_predict_launch(&ti->est, ti->t_ns, 0, PREDICT_MAX_S, launch);
		}
	}
	return rc;
}

/* ---- history and filtering ---- */

/* Newest history index with t <= t_ns, or -1. */
static int base_index(const struct trk *k, mw_time_ns t_ns)
{
	for (int i = k->h_count - 1; i >= 0; i--)
		if (HAT(k, i)->t_ns <= t_ns)
			return i;
	return -1;
}

/*
 * The IMM configuration for a prediction of track k from its posterior
 * at t_ns. The boost model is pruned (imm.h) only PRUNE_AFTER_BOOST_S
 * after the track's start and PRUNE_AFTER_BOOST_S after its last boost
 * posterior (has_boost_est: mu_boost > 0.5 after 3+ updates): between a
 * multi-stage missile's stages the boost probability dips below 1e-3
 * for a few scans, and the plain IMM's boost model, kept through the gap
 * with its thrust estimate, takes up the next stage at once; pruned there and revived by the next
 * stage's plots, the lofted ICBM's second stage (70-80 s) was followed with ANEES 150 and 480 m
 * position RMSE instead of 2.4 and 80 m, and two tracks broke (10 seeds). A track that never
 * boosted prunes from PRUNE_AFTER_BOOST_S after its start on (before that its boost probability may
 * not yet have passed 0.5: a track started late in a burn).
 */
#define PRUNE_AFTER_BOOST_S 120.0
/*
 * In the boost window a pair's association cost weighs the boost model
 * at least at this probability (imm.h track_imm_cost_boost_floor). After
 * a coast between stages the IMM calls ballistic, the boost probability
 * is ~1e-5 at the next stage's ignition: a plot only the boost model
 * gates then cost -2 ln mu_boost ~ 23 more than the miss, so the track
 * took none of the next stage's plots, and initiation suppression kept
 * them from starting a track - the track went stale for ~30 s until a
 * second track took the object (tracker test
 * staging_called_a_burnout_keeps_one_track, with its 20-s coast: 6 of 6
 * runs before session 27). The floor touches the association only: the update weighs the
 * modes at their own probabilities, and the plot revives the boost
 * model. Session 24's try, a likelier return to boost in the IMM itself
 * (tau_ballistic 20-50 s), made the first coast bins cautious.
 */
#define BOOST_WINDOW_MU_MIN 0.01
/* Track k's boost window at t_ns: it was boost-dominated (has_boost_est)
 * within PRUNE_AFTER_BOOST_S. */
static int boost_window(const struct trk *k, mw_time_ns t_ns)
{
	return k->has_boost_est && !(ns_to_s(t_ns - k->boost_est_t_ns) > PRUNE_AFTER_BOOST_S);
}

static const struct track_imm_cfg *imm_cfg(const struct track_tracker *t, const struct trk *k,
                                           mw_time_ns t_ns)
{
	if (!(ns_to_s(t_ns - k->first_t_ns) > PRUNE_AFTER_BOOST_S) || boost_window(k, t_ns))
		return &t->imm_noprune;
	return &t->cfg.imm;
}

/* The configuration for predictions from history entry h: imm_cfg's,
 * with h's statement (cfg_stated). */
static inline const struct track_imm_cfg *hist_cfg(const struct track_tracker *t,
                                                   const struct trk *k, const struct hist *h,
                                                   struct track_imm_cfg *buf)
{
	return cfg_stated(imm_cfg(t, k, h->t_ns), h->lat_q, h->lat_sp, buf);
}

/*
 * boost_adapt: entry hn's estimate and statement from the entry it was
 * predicted from (its estimate lat0, boost probability mu0) and the
 * prediction pred over dt_s. The estimate restarts (empty) unless the
 * base was in boost and the prediction carried the thrusting model; a
 * statement is made only for an entry in boost whose estimate is
 * determined (imm.h track_lat_statement).
 */
static __attribute__((noinline)) void lat_next(const struct track_config *c,
                                               const struct track_lat_est *lat0, double mu0,
                                               const struct track_imm *pred, double dt_s,
                                               struct hist *hn)
{
	hn->lat_q = 0.0;
	hn->lat_sp = 0.0;
	if (!(mu0 > 0.5) || !(pred->mu[TRACK_MODE_BOOST] > 0.0)) {
		memset(&hn->lat, 0, sizeof(hn->lat));
		return;
	}
	hn->lat = *lat0;
	track_lat_est_add(&hn->lat, pred->m[TRACK_MODE_BOOST].x, hn->post.m[TRACK_MODE_BOOST].x,
	                  dt_s);
	double q, sp;
	if (!(hn->post.mu[TRACK_MODE_BOOST] > 0.5) ||
	    track_lat_statement(&hn->lat, hn->post.m[TRACK_MODE_BOOST].x[TRACK_IX_AT], &q, &sp) < 0)
		return;
	hn->lat_q = q;
	if (c->boost_adapt == TRACK_BOOST_ADAPT_PITCH)
		hn->lat_sp = sp;
}

/* One IMM step: predict post over dt, update with m (pred_out, if not
 * NULL, gets the prediction). */
static int imm_step(const struct track_imm_cfg *ic, const struct track_imm *post, double dt_s,
                    const struct track_meas *m, struct track_imm *out, struct track_imm *pred_out)
{
	struct track_imm pred;
	struct track_zpred zp[TRACK_N_MODES];
	int rc = track_imm_predict(post, dt_s, ic, &pred);
	if (rc == 0)
		rc = track_imm_zpredict(&pred, m, zp, NULL);
	if (rc == 0)
		rc = track_imm_update_from(post, dt_s, ic, &pred, zp, m, out);
	if (rc == 0 && pred_out)
		*pred_out = pred;
	return rc;
}

static void mark_slot(const struct track_tracker *t, struct trk *k, mw_time_ns t_ns)
{
	double s = floor(ns_to_s(t_ns - k->first_t_ns) / t->cfg.slot_s);
	if (s >= 0.0 && s < 64.0)
		k->slot_hits |= UINT64_C(1) << (int)s;
}

/*
 * Apply measurement m at t_ns to track k whose base history index is b
 * (prediction pred already computed from h[b]). In sequence (b is the
 * newest entry): append. Late: insert after b and re-filter the rest.
 * With evidence 0 (ray_no_evidence) the update counts for no M-of-N slot
 * and no 3-D evidence.
 */
/*
 * Burnout lag. The boost model may extrapolate the thrust for a few
 * scans past the real cut-off (space IR frames cannot show it); the
 * hand-over and merge bounds below allow (|aT| + 3 sigma) over up to
 * BURNOUT_LAG_S. (A one-off inflation of the ballistic model's
 * covariance by that lag when the mode turned ballistic was dropped: the
 * IMM's own prediction now includes a burnout inside every interval,
 * imm.c, and the inflation - ~135 m/s of velocity sigma for an SRBM -
 * threw away what the climb after burnout teaches the drag parameter.)
 */
#define BURNOUT_LAG_S 3.0

/*
 * Confirmation evidence (docs/tracking.md, "Confirmation"). M of N
 * counts slots with an update, but a line of sight has no range: a
 * tentative track started by one clutter plot and then fed the rays of
 * one space-IR sensor (whose rays of a real missile pass through the
 * track's wide start covariance, anywhere along them) was confirmed
 * 400-500 km from any object (SRBM salvo seed 93: a duplicate warning
 * claimed by object 3's rays). A tentative track is confirmed only when
 * its updates fix it in three dimensions: two radar measurements, or
 * lines of sight from two viewpoints at least IR_VIEW_BASE_M apart
 * (GEO sensors are tens of thousands of km apart; the rays from one
 * sensor of one object stay nearly parallel). The two rays that started
 * an IR track do not count: a pair of unrelated rays (a false alarm, two
 * objects) meets somewhere too; the next frames of both sensors do, and
 * they arrive within the M-of-N window (4 s revisits against 8 slots).
 */
#define IR_VIEW_BASE_M 100e3
/*
 * And the hits must say more than the state needs: at least
 * CONFIRM_MIN_DIMS position dimensions (ev_dims), 6 for position and
 * velocity plus 2 to spare. A radar plot fixes 3 and a line of sight 2;
 * one radar plot and two rays from two viewpoints fix 7, which any start
 * plot meets exactly: the plot fixes the position at its time, the rays
 * fix it at theirs, and the velocity is whatever joins them. In the mixed
 * exercise's seed 363 a radar false alarm so started took the first
 * plume rays of SRBM 101, 7.8 s later, from both GEO sensors (3 km/s of
 * velocity prior: the rays passed inside its 20-km position spread) and
 * was confirmed with a velocity fitted to join the false alarm to the
 * missile; the missile's next radar plot was 28 in d^2 from it, and a
 * track started 1.6 s later took the object (a break; 1 in the 8,000
 * object-runs of seeds 1-400). Radar tracks (3 plots: 9) and IR-started tracks (the
 * pair and one ray from each sensor: 8) confirm as before; a radar start
 * with rays waits for one more hit, which a track joining a false alarm
 * to a missile does not get.
 */
#define CONFIRM_MIN_DIMS 8

/* The position dimensions measurement m fixes (ev_dims): a radar plot 3
 * (its range rate not counted), a line of sight 2. */
static uint32_t position_dims(const struct track_meas *m)
{
	return m->kind == MW_OBS_RADAR ? 3 : 2;
}

static void note_evidence(struct trk *k, const struct track_meas *m)
{
	if (k->ev_dims < UINT32_MAX - 3)
		k->ev_dims += position_dims(m);
	if (m->kind == MW_OBS_RADAR) {
		if (k->n_radar < UINT32_MAX)
			k->n_radar++;
		return;
	}
	if (k->n_ir_views == 0) {
		memcpy(k->ir_view0, m->sensor_ecef_m, sizeof(k->ir_view0));
		k->n_ir_views = 1;
		return;
	}
	if (k->n_ir_views == 1) {
		double d2 = 0.0;
		for (int i = 0; i < 3; i++)
			d2 += (m->sensor_ecef_m[i] - k->ir_view0[i]) *
			      (m->sensor_ecef_m[i] - k->ir_view0[i]);
		if (d2 > IR_VIEW_BASE_M * IR_VIEW_BASE_M)
			k->n_ir_views = 2;
	}
}

static int confirm_evidence(const struct trk *k)
{
	return (k->n_radar >= 2 || k->n_ir_views >= 2) && k->ev_dims >= CONFIRM_MIN_DIMS;
}

static int apply_update(struct track_tracker *t, struct trk *k, int b, int evidence,
                        const struct track_imm *pred, const struct track_zpred zp[TRACK_N_MODES],
                        const struct track_meas *m, mw_time_ns t_ns, uint32_t truth_id)
{
	struct track_imm post;
	/* In sequence (b the newest entry), the new entry's slot is
	 * HAT(k, h_count) - a free one, or the oldest entry's, which is
	 * dropped below and is not b (history_len >= 2): the update is
	 * written there directly (it leaves its output untouched on
	 * failure), not copied (~1.5 kB per update). */
	const int in_seq = b == k->h_count - 1;
	struct track_imm *dst = in_seq ? &HAT(k, k->h_count)->post : &post;
	/* pred is HAT(k, b)'s posterior predicted to t_ns (the boost model
	 * is revived from there if the plot asks for it, imm.h). */
	struct track_imm_cfg cbuf;
	const double dt_b = ns_to_s(t_ns - HAT(k, b)->t_ns);
	int rc = track_imm_update_from(&HAT(k, b)->post, dt_b, hist_cfg(t, k, HAT(k, b), &cbuf),
	                               pred, zp, m, dst);
	if (rc < 0) {
		t->ctr.update_failures++;
		return rc;
	}
	t->ctr.updates++;
	/* The long-coast chain (keep_coasting) ran from the newest posterior,
	 * which changes now (late data re-runs the entries after b): the
	 * next check starts it again from the last update. */
	k->has_lc = 0;
	struct track_lat_est lat0;
	double mu0 = 0.0;
	if (t->cfg.boost_adapt) {
		lat0 = HAT(k, b)->lat;
		mu0 = HAT(k, b)->post.mu[TRACK_MODE_BOOST];
	}
	const int cap = t->cfg.history_len;
	int pos = b + 1;
	if (k->h_count == cap) {
		/* Drop the oldest entry (it is at or before b). */
		k->h0 = (k->h0 + 1) % cap;
		k->h_count--;
		pos--;
	}
	/* Late insertion: move the entries after pos up by one. */
	for (int i = k->h_count; i > pos; i--)
		*HAT(k, i) = *HAT(k, i - 1);
	k->h_count++;
	struct hist *hn = HAT(k, pos); /* field by field: no temporary of ~1.8 kB */
	assert(!in_seq || &hn->post == dst);
	hn->t_ns = t_ns;
	if (!in_seq)
		hn->post = post;
	hn->m = *m;
	hn->truth_id = truth_id;
	hist_moments(hn);
	if (t->cfg.boost_adapt)
		lat_next(&t->cfg, &lat0, mu0, pred, dt_b, hn);
	/* Re-filter the entries after a late insertion. */
	for (int i = pos + 1; i < k->h_count; i++) {
		struct track_imm np, npred;
		double dt = ns_to_s(HAT(k, i)->t_ns - HAT(k, i - 1)->t_ns);
		const struct track_imm_cfg *ic = hist_cfg(t, k, HAT(k, i - 1), &cbuf);
		rc = imm_step(ic, &HAT(k, i - 1)->post, dt, &HAT(k, i)->m, &np,
		              t->cfg.boost_adapt ? &npred : NULL);
		if (t->cfg.boost_adapt && rc < 0)
			memset(&npred, 0, sizeof(npred)); /* no thrusting prediction: restart */
		if (rc < 0) {
			/* Keep the prediction so the chain stays continuous. */
			t->ctr.update_failures++;
			if (track_imm_predict(&HAT(k, i - 1)->post, dt, ic, &np) < 0)
				np = HAT(k, i - 1)->post;
		} else {
			t->ctr.updates++;
		}
		if (k->classified && HAT(k, i)->t_ns == k->cls_t_ns)
			class_prior(&t->cfg, k->cls, k->cls_reset, &np);
		HAT(k, i)->post = np;
		hist_moments(HAT(k, i));
		if (t->cfg.boost_adapt)
			lat_next(&t->cfg, &HAT(k, i - 1)->lat,
			         HAT(k, i - 1)->post.mu[TRACK_MODE_BOOST], &npred, dt, HAT(k, i));
	}
	k->n_updates++;
	if (!truth_id) {
		k->n_upd_clutter++;
	} else {
		k->n_upd_switch += k->truth_obj && truth_id != k->truth_obj;
		k->truth_obj = truth_id;
	}
	if (evidence)
		note_evidence(k, m);
	if (pos == k->h_count - 1)
		k->truth_id = truth_id;
	if (pos == k->h_count - 1) {
		int burnout = pos >= 1 && k->has_boost_est &&
		              HAT(k, pos - 1)->post.mu[TRACK_MODE_BOOST] > 0.5 &&
		              HAT(k, pos)->post.mu[TRACK_MODE_BOOST] < 0.5;
		classify(t, k, burnout);
	}
	const struct track_imm *last = &HAT(k, k->h_count - 1)->post;
	if (last->mu[TRACK_MODE_BOOST] > 0.5 && k->n_updates >= 3) {
		const struct track_gauss *nb = &last->m[TRACK_MODE_BOOST];
		/* No well-determined basis before the boost leaves the boost
		 * basis's reach (launch.h): the last estimate within reach is
		 * the basis (its thrust known or not: the transform states
		 * it), rather than none until burnout. */
		if (!k->has_boost0 && k->has_boost_est && !track_launch_boost_reach(nb) &&
		    track_launch_boost_reach(&k->boost_est) &&
		    k->boost_est.x[TRACK_IX_AT] > LAUNCH_REACH_AT_MIN) {
			k->has_boost0 = 1;
			k->boost0_t_ns = k->boost_est_t_ns;
			k->boost0 = k->boost_est;
		}
		k->has_boost_est = 1;
		k->boost_est_t_ns = HAT(k, k->h_count - 1)->t_ns;
		/* The thrusting model's own estimate: the launch basis is
		 * back-propagated through a thrusting model, and the mixture's
		 * aT is pulled towards the non-thrusting model's 0 and widened
		 * by the mode spread (imm.c's burnout correction keeps the
		 * non-thrusting model at ~1% during a burn). */
		k->boost_est = *nb;
		if (!k->has_boost0 && track_launch_basis_ok(&k->boost_est)) {
			k->has_boost0 = 1;
			k->boost0_t_ns = k->boost_est_t_ns;
			k->boost0 = k->boost_est;
		}
	}
	if (pos == k->h_count - 1)
		launch_bal_refresh(k, last, HAT(k, k->h_count - 1)->t_ns);
	if (evidence)
		mark_slot(t, k, t_ns);
	return 0;
}

/* ---- initiation ---- */

/* Add a tentative track with start state g (position and its covariance
 * and the velocity prior set; k and aT priors filled in here) at o's
 * time. */
static int new_track(struct track_tracker *t, struct track_gauss *g, double mu_boost,
                     const struct mw_obs *o, const struct track_meas *m, uint32_t n_obs)
{
	g->x[TRACK_IX_K] = t->cfg.init_k;
	g->P[TRACK_IX_K * N + TRACK_IX_K] = t->cfg.init_sigma_k * t->cfg.init_sigma_k;
	g->x[TRACK_IX_AT] = t->cfg.init_at_m_s2;
	g->P[TRACK_IX_AT * N + TRACK_IX_AT] = t->cfg.init_sigma_at_m_s2 * t->cfg.init_sigma_at_m_s2;
	mat_symmetrise(g->P, N);
	if (track_chol_check(g->P, N) < 0)
		return -MW_ENOTSPD;
	/* Only the header and the first history entry are zeroed: an entry
	 * is read only after it was written whole (HAT(k, i), i < h_count);
	 * zeroing all history_len entries was half of a new track's cost.
	 * Of the first entry, not the models post.m[] and the measurement m
	 * either (1.7 kB, four fifths of it): both are assigned whole below,
	 * so every member holds the same value as after a whole memset. */
	size_t sz = sizeof(struct trk) + (size_t)t->cfg.history_len * sizeof(struct hist);
	struct trk *k = malloc(sz);
	if (!k)
		return -ENOMEM;
	memset(k, 0, sizeof(*k));
	memset(&k->h[0], 0, offsetof(struct hist, post.m));
	memset(&k->h[0].truth_id, 0, sizeof(struct hist) - offsetof(struct hist, truth_id));
	/* Every entry's statement is the configured one until lat_next sets
	 * it (boost_adapt; without it they stay 0: hist_cfg). */
	for (int i = 1; i < t->cfg.history_len; i++)
		k->h[i].lat_q = k->h[i].lat_sp = 0.0;
	k->id = t->next_id++;
	k->state = TRACK_TENTATIVE;
	k->first_t_ns = o->t_ns;
	k->n_updates = n_obs;
	k->n_radar = m->kind == MW_OBS_RADAR;
	k->ev_dims = position_dims(m) * n_obs; /* a plot, or the pair of rays */
	k->truth_id = o->truth_id;
	k->truth_obj = o->truth_id;
	k->n_upd_clutter = !o->truth_id;
	k->h_count = 1;
	k->h0 = 0;
	k->h_cap = t->cfg.history_len;
	HAT(k, 0)->t_ns = o->t_ns;
	HAT(k, 0)->post.mu[TRACK_MODE_BALLISTIC] = 1.0 - mu_boost;
	HAT(k, 0)->post.mu[TRACK_MODE_BOOST] = mu_boost;
	HAT(k, 0)->post.m[0] = *g;
	HAT(k, 0)->post.m[1] = *g;
	track_gauss_alpha_prior(&HAT(k, 0)->post.m[1]); /* x6 is alpha there (model.h) */
	HAT(k, 0)->m = *m;
	HAT(k, 0)->truth_id = o->truth_id;
	hist_moments(HAT(k, 0));
	mark_slot(t, k, o->t_ns);
	t->trk[t->n_trk++] = k;
	t->ctr.tracks_created++;
	return 0;
}

/*
 * Two lines of sight from different sensors: triangulate. Returns 1 and
 * the start state (at b's time) if the rays meet within the gate, else
 * 0. Position: weighted least squares of the perpendicular distances to
 * both rays (information sum (I - u u^T)/(range x angle sigma)^2),
 * inflated by (v_max dt)^2 per axis for the time between the two.
 */
#define LOS_VMAX_M_S 7500.0 /* fastest object expected (ICBM burnout speed) */
static int triangulate(const struct track_tracker *t, const struct los_entry *a,
                       const struct mw_obs *ob, const double ub[3], double sig_ang_b,
                       struct track_gauss *g, double *d2)
{
	const double *pa = a->obs.sensor_ecef_m, *ua = a->dir, *pb = ob->sensor_ecef_m;
	double w0[3], bb = 0, d = 0, e = 0;
	for (int i = 0; i < 3; i++) {
		w0[i] = pa[i] - pb[i];
		bb += ua[i] * ub[i];
		d += ua[i] * w0[i];
		e += ub[i] * w0[i];
	}
	double den = 1.0 - bb * bb;
	if (den < 1e-4) /* rays within ~0.6 deg of parallel: no depth */
		return 0;
	double sa = (bb * e - d) / den, sb = (e - bb * d) / den;
	if (!(sa > 0) || !(sb > 0))
		return 0;
	double dt = fabs(ns_to_s(ob->t_ns - a->obs.t_ns));
	double sig_a = sa * sqrt(a->m.r_var[0]), sig_b = sb * sig_ang_b;
	double sig_t = LOS_VMAX_M_S * dt;
	double miss2 = 0;
	for (int i = 0; i < 3; i++) {
		double q = (pa[i] + sa * ua[i]) - (pb[i] + sb * ub[i]);
		miss2 += q * q;
	}
	double var = sig_a * sig_a + sig_b * sig_b + sig_t * sig_t;
	if (miss2 > t->gate[1] * var)
		return 0;
	*d2 = miss2 / var;
	double I3[9] = {0}, rhs[3] = {0};
	const double *us[2] = {ua, ub}, *ps[2] = {pa, pb};
	double ws[2] = {1.0 / (sig_a * sig_a), 1.0 / (sig_b * sig_b)};
	for (int r = 0; r < 2; r++)
		for (int i = 0; i < 3; i++)
			for (int j = 0; j < 3; j++) {
				double pij = ((i == j) - us[r][i] * us[r][j]) * ws[r];
				I3[i * 3 + j] += pij;
				rhs[i] += pij * ps[r][j];
			}
	double C[9], X[3];
	if (mat_spd_inverse(C, I3, 3) < 0)
		return 0;
	mat_mul_vec(X, C, rhs, 3, 3);
	memset(g, 0, sizeof(*g));
	double sv2 = t->cfg.init_sigma_v_m_s * t->cfg.init_sigma_v_m_s;
	for (int i = 0; i < 3; i++) {
		g->x[i] = X[i];
		for (int j = 0; j < 3; j++)
			g->P[i * N + j] = C[i * 3 + j] + (i == j) * sig_t * sig_t;
		g->P[(3 + i) * N + 3 + i] = sv2;
	}
	return 1;
}

/* Drop pooled lines of sight too old to pair with anything from now on. */
static void prune_pool(struct track_tracker *t)
{
	size_t w = 0;
	for (size_t i = 0; i < t->n_pool; i++)
		if (ns_to_s(t->now_ns - t->pool[i].obs.t_ns) <= t->cfg.los_pair_window_s)
			t->pool[w++] = t->pool[i];
	t->n_pool = w;
}

static void pool_los(struct track_tracker *t, size_t j)
{
	if (!t->cfg.los_pool)
		return;
	if (t->n_pool == t->cfg.los_pool) {
		memmove(&t->pool[0], &t->pool[1], (t->n_pool - 1) * sizeof(t->pool[0]));
		t->n_pool--;
	}
	struct los_entry *e = &t->pool[t->n_pool++];
	e->obs = t->pend[j];
	e->m = t->meas[j];
	memcpy(e->dir, t->obs_pt[j], sizeof(e->dir));
}

/*
 * Unassigned lines of sight of this scan (idx[0..n)) against the pooled
 * ones of other sensors: a 2-D assignment on the normalised miss
 * distance of the two rays (chi-square 1 dof gate, one "no partner"
 * column per observation at the gate value), so that in a salvo each ray
 * goes to the partner that explains it best overall rather than to the
 * first ghost intersection. Paired: a new track at the later time;
 * unpaired: pooled for the next sensor's scan.
 */
static int los_initiation(struct track_tracker *t, const int *idx, int n)
{
	prune_pool(t);
	int np = (int)t->n_pool;
	if (n == 0)
		return 0;
	int ncol = np + n;
	size_t need = (size_t)n * (size_t)ncol;
	if (need > t->cap_cl_cost) {
		double *c = realloc(t->cl_cost, need * sizeof(double));
		if (!c)
			return -ENOMEM;
		t->cl_cost = c;
		t->cap_cl_cost = need;
	}
	for (size_t e = 0; e < need; e++)
		t->cl_cost[e] = INFINITY;
	struct track_gauss g;
	for (int r = 0; r < n; r++) {
		size_t j = (size_t)idx[r];
		const struct mw_obs *o = &t->pend[j];
		t->cl_cost[(size_t)r * ncol + np + r] = t->gate[1];
		for (int c = 0; c < np; c++) {
			const struct los_entry *a = &t->pool[c];
			double d2;
			if ((a->obs.sensor_id == o->sensor_id &&
			     memcmp(a->obs.nation, o->nation, MW_NATION_LEN) == 0) ||
			    fabs(ns_to_s(o->t_ns - a->obs.t_ns)) > t->cfg.los_pair_window_s)
				continue;
			if (triangulate(t, a, o, t->obs_pt[j], t->obs_sig_m[j], &g, &d2))
				t->cl_cost[(size_t)r * ncol + c] = d2;
		}
	}
	int rc = track_assign(&t->ws, t->cl_cost, n, ncol, t->cl_sol, NULL);
	if (rc < 0)
		return rc == -ENOMEM ? rc : 0;
	int used_any = 0;
	for (int r = 0; r < n; r++) {
		size_t j = (size_t)idx[r];
		int c = t->cl_sol[r];
		if (c >= np) {
			continue;
		}
		const struct los_entry *a = &t->pool[c];
		double d2;
		if (!triangulate(t, a, &t->pend[j], t->obs_pt[j], t->obs_sig_m[j], &g, &d2))
			continue;
		int a_later = a->obs.t_ns > t->pend[j].t_ns;
		rc = new_track(t, &g, t->cfg.init_mu_boost_los, a_later ? &a->obs : &t->pend[j],
		               a_later ? &a->m : &t->meas[j], 2);
		if (rc == -ENOMEM)
			return rc;
		if (rc == 0) {
			t->ctr.los_starts++;
			mw_logf(t->log, MW_LOG_DEBUG, "track",
			        "track %u started from lines of sight %.3s/%u + %.3s/%u (d2 %.2f)",
			        t->trk[t->n_trk - 1]->id, a->obs.nation, (unsigned)a->obs.sensor_id,
			        t->pend[j].nation, (unsigned)t->pend[j].sensor_id, d2);
		}
		t->pool[c].obs.t_ns = INT64_MIN; /* used: removed below */
		used_any = 1;
	}
	if (used_any) {
		size_t w = 0;
		for (size_t i = 0; i < t->n_pool; i++)
			if (t->pool[i].obs.t_ns != INT64_MIN)
				t->pool[w++] = t->pool[i];
		t->n_pool = w;
	}
	for (int r = 0; r < n; r++)
		if (t->cl_sol[r] >= np)
			pool_los(t, (size_t)idx[r]);
	return 0;
}

static int start_radar_track(struct track_tracker *t, const struct mw_obs *o,
                             const struct track_meas *m)
{
	if (t->n_trk >= t->cfg.max_tracks) {
		t->ctr.tracks_dropped_full++;
		return -ENOSPC;
	}
	/* Unscented transform of (range, az, el) -> ECEF position, each
	 * point geo_aer_to_ecef's (geo_aer_to_ecef_rot: m's ENU rotation is the one
	 * it would compute from the sensor's geodetic position, which
	 * track_meas_prepare found for these bytes). */
	assert(m->kind == MW_OBS_RADAR);
	const int nm = 3;
	const double c = sqrt((double)nm);
	double sd[3] = {sqrt(m->r_var[0]), sqrt(m->r_var[1]), sqrt(m->r_var[2])};
	double pts[7][3];
	geo_aer_to_ecef_rot(&m->rot[0][0], o->sensor_ecef_m, o->range_m, o->az_rad, o->el_rad,
	                    pts[0]);
	for (int d = 0; d < nm; d++)
		for (int s = 0; s < 2; s++) {
			double z[3] = {o->range_m, o->az_rad, o->el_rad};
			z[d] += (s ? -c : c) * sd[d];
			geo_aer_to_ecef_rot(&m->rot[0][0], o->sensor_ecef_m, z[0], z[1], z[2],
			                    pts[1 + 2 * d + s]);
		}
	struct track_gauss g;
	memset(&g, 0, sizeof(g));
	/* Weights alpha = 1, kappa = 0: centre 0 (mean) / 2 (cov), others 1/6. */
	for (int p = 1; p < 7; p++)
		for (int i = 0; i < 3; i++)
			g.x[i] += pts[p][i] / 6.0;
	for (int p = 0; p < 7; p++) {
		double w = p == 0 ? 2.0 : 1.0 / 6.0, d[3];
		for (int i = 0; i < 3; i++)
			d[i] = pts[p][i] - g.x[i];
		for (int i = 0; i < 3; i++)
			for (int j = 0; j < 3; j++)
				g.P[i * N + j] += w * d[i] * d[j];
	}
	double sv2 = t->cfg.init_sigma_v_m_s * t->cfg.init_sigma_v_m_s;
	for (int i = 0; i < 3; i++)
		g.P[(3 + i) * N + 3 + i] = sv2;
	if (m->nz == 4) {
		double u[3], n = 0.0;
		for (int i = 0; i < 3; i++) {
			u[i] = g.x[i] - o->sensor_ecef_m[i];
			n += u[i] * u[i];
		}
		n = sqrt(n);
		double us = 0.0; /* the sensor's own speed along the line of sight */
		for (int i = 0; i < 3; i++) {
			u[i] /= n;
			us += u[i] * m->sensor_vel_ecef_m_s[i];
		}
		for (int i = 0; i < 3; i++) {
			g.x[3 + i] = (o->range_rate_m_s + us) * u[i];
			for (int j = 0; j < 3; j++)
				g.P[(3 + i) * N + 3 + j] =
				    sv2 * ((i == j) - u[i] * u[j]) + m->r_var[3] * u[i] * u[j];
		}
	}
	return new_track(t, &g, t->cfg.init_mu_boost, o, m, 1);
}

/* ---- pre-gate ---- */

/* The geodetic position of the last radar seen in a scan: a scan
 * comes from one sensor, so geo_ecef_to_lla (iterative) runs once per
 * scan, not once per observation. */
/* Observation geometry for the pre-gate. A radar plot's point is
 * geo_aer_to_ecef's arithmetic with the ENU rotation that
 * track_meas_prepare_near set from the same sensor position (the
 * rotation geo_aer_to_ecef would compute again, with two sincos per plot). */
static void obs_geometry(struct track_tracker *t, size_t j)
{
	const struct mw_obs *o = &t->pend[j];
	const struct track_meas *m = &t->meas[j];
	if (m->kind == MW_OBS_RADAR) {
		geo_aer_to_ecef_rot(&m->rot[0][0], o->sensor_ecef_m, o->range_m, o->az_rad,
		                    o->el_rad, t->obs_pt[j]);
		double ang = sqrt(m->r_var[1] > m->r_var[2] ? m->r_var[1] : m->r_var[2]);
		t->obs_sig_m[j] = sqrt(m->r_var[0] + 2.0 * (o->range_m * ang) * (o->range_m * ang));
	} else {
		/* Ray direction in ECEF: F^T s with s along (tan x, tan y, 1). */
		double s[3] = {tan(o->los_x_rad), tan(o->los_y_rad), 1.0};
		double n = sqrt(s[0] * s[0] + s[1] * s[1] + 1.0);
		for (int i = 0; i < 3; i++)
			t->obs_pt[j][i] = (o->frame_ecef[0][i] * s[0] + o->frame_ecef[1][i] * s[1] +
			                   o->frame_ecef[2][i] * s[2]) /
			                  n;
		t->obs_sig_m[j] = sqrt(m->r_var[0]);
	}
}

/* Is observation a before b: by ECEF x, then by index (a total order
 * but for NaN x, which sorts by index). */
static int obs_x_before(const double (*pt)[3], int a, int b)
{
	double xa = pt[a][0], xb = pt[b][0];
	return xa < xb || (!(xa > xb) && a < b);
}

/*
 * idx[0..n) sorted by obs_x_before (the order qsort_r with a comparator
 * gave before; it is total, so the result is the same) by a bottom-up
 * merge sort with the comparison inline; tmp holds n ints.
 */
static void sort_obs_x(int *idx, int *tmp, int n, const double (*pt)[3])
{
	int *a = idx, *b = tmp;
	for (int w = 1; w < n; w *= 2) {
		for (int lo = 0; lo < n; lo += 2 * w) {
			int mid = lo + w < n ? lo + w : n, hi = lo + 2 * w < n ? lo + 2 * w : n;
			int i = lo, j = mid, o = lo;
			while (i < mid && j < hi)
				b[o++] = obs_x_before(pt, a[j], a[i]) ? a[j++] : a[i++];
			while (i < mid)
				b[o++] = a[i++];
			while (j < hi)
				b[o++] = a[j++];
		}
		int *s = a;
		a = b;
		b = s;
	}
	if (a != idx)
		memcpy(idx, a, (size_t)n * sizeof(int));
}

/* The position-velocity block (6 x 6) of the mixture's covariance,
 * about the mixture mean x (hist_mx). */
static void mixture_pv(const struct track_imm *im, const double x[N], double C[6][6])
{
	for (int a = 0; a < 6; a++)
		for (int b = 0; b < 6; b++)
			C[a][b] = 0.0;
	for (int j = 0; j < TRACK_N_MODES; j++) {
		double d[6];
		for (int i = 0; i < 6; i++)
			d[i] = im->m[j].x[i] - x[i];
		for (int a = 0; a < 6; a++)
			for (int b = 0; b < 6; b++)
				C[a][b] += im->mu[j] * (im->m[j].P[a * N + b] + d[a] * d[b]);
	}
}

#define PREGATE_SIGMAS  5.0
#define PREGATE_ACC     50.0  /* m/s^2: unmodelled acceleration slack (thrust) */
#define PREGATE_SLACK_M 500.0 /* the drag bound's margin on the lowest height */

/*
 * The slack (m) drag adds to a pre-gate sphere over a step of dt_s from
 * the state x (0 where the step stays above the drag ceiling). The
 * constant-velocity sphere's PREGATE_ACC covers gravity and thrust, not
 * drag, which in the last seconds of a re-entry is hundreds of m/s^2 (an
 * ICBM's RV 9 km up at 6 km/s: ~900 m/s^2, 0.8 km over a 1.3-s late
 * plot's prediction; docs/tracking.md "The pre-gate against brute force
 * (session 14)"). The prediction's sigma points lie within sqrt(TRACK_NX)
 * of their spread (sig_r, sig_v: the square roots of the traces of P_rr
 * and P_vv at the start; k's sigma) of the mean, so each one's drag is at
 * most a = 0.5 rho(h_min) k_max theta v_max^2: the density at the lowest
 * point any of them reaches (its start less the distance v_max |dt| and
 * PREGATE_SLACK_M), k's positive part (k <= 0 has no drag, model.h) and
 * the fastest speed (drag only slows; gravity adds at most PREGATE_ACC
 * |dt|). It sets the prediction's mean back by at most d = min(a dt^2 /
 * 2, |v| dt) (drag at most stops it; a sigma point's own speed beyond
 * |v| is the spread, which PREGATE_SIGMAS sig_q holds). The slack is 2 d:
 * the mean's shift, and as much again for the spread, which drag changes
 * little where it matters (a tight track's sigma points slow alike).
 * Checked against brute force on 232 reseeded runs of the example
 * scenarios (the same doc section).
 */
static double drag_slack_m(const double x[N], double var_k, double sig_r, double sig_v, double dt_s)
{
	const double reach_s = sqrt((double)TRACK_NX); /* the sigma points' */
	double adt = fabs(dt_s);
	double vn = sqrt(x[3] * x[3] + x[4] * x[4] + x[5] * x[5]);
	double vmax = vn + reach_s * sig_v + PREGATE_ACC * adt;
	double r = sqrt(x[0] * x[0] + x[1] * x[1] + x[2] * x[2]);
	double reach = reach_s * sig_r + vmax * adt + PREGATE_SLACK_M;
	/* |r| - b is above the geodetic height: when that is above the
	 * ceiling by the reach, no drag anywhere (no height computed) */
	if (r - GEO_WGS84_B_M - reach >= TRACK_DRAG_CEILING_M)
		return 0.0;
	double hmin = track_model_height_m(x) - reach;
	if (!isfinite(hmin) || !isfinite(vmax))
		return INFINITY;
	if (!(hmin < TRACK_DRAG_CEILING_M))
		return 0.0;
	double rho = geo_air_density(hmin < -4000.0 ? -4000.0 : hmin);
	double kmax =
	    (x[TRACK_IX_K] > 0.0 ? x[TRACK_IX_K] : 0.0) + reach_s * sqrt(var_k > 0.0 ? var_k : 0.0);
	double d = 0.25 * rho * kmax * TRACK_THETA_UNIT * vmax * vmax * adt * adt;
	if (d > vn * adt)
		d = vn * adt;
	return 2.0 * d;
}

/*
 * The unscented measurement prediction's curvature term. A track whose
 * spread is not small against its range from the sensor (a fresh track:
 * tens of km after a few seconds without a plot, 100-500 km from the
 * radar) gets its measurement prediction from sigma points sqrt(TRACK_NX)
 * = 2.8 of its spread out, where the range's curvature alone puts a
 * point d across the line of sight d^2 / (2 r) further: up to s_ut =
 * TRACK_NX sig_q^2 / (2 r), r the track's range less the sigma points'
 * reach (sig_q, the square root of the trace, is at least the spread in
 * any one direction). That is kilometres, added to the predicted range's
 * spread whose linear part - the plot's 10 m, and the track's spread
 * along the line of sight, thin for a track started with a range rate -
 * is all the sphere and the ellipsoid assumed; the angles' curvature is
 * of the same order (d^2 / r in position). So both now add s_ut to the
 * observation's sigma. The pairs the ellipsoid had lost (fresh tracks of
 * 12 of 112 reseeded runs of the example scenarios, predicted 5.7-7.7 s
 * from their one plot, sig_q 24-33 km at 89-450 km) lay 1.04-5.6 of its
 * own scale out; with s_ut every run's pre-gate is brute force's
 * (docs/tracking.md "The pre-gate against brute force (session 14)"). A
 * confirmed track (sig_q ~10 m at >= 10 km) adds ~0.05 m.
 */
static inline double ut_sigma(double sig_q, double range_m)
{
	double r = range_m - sqrt((double)TRACK_NX) * sig_q; /* the nearest sigma point's */
	return r > 0.0 ? 0.5 * TRACK_NX * sig_q * sig_q / r : INFINITY;
}

/* A line of sight from sensor position s along unit u, and a point q:
 * q's distance along the ray (negative behind the sensor) in *along, and
 * its squared distance from the ray's line as the return value. */
static double ray_perp2(const double s[3], const double u[3], const double q[3], double *along)
{
	double d[3], a = 0.0, perp2 = 0.0;
	for (int i = 0; i < 3; i++) {
		d[i] = q[i] - s[i];
		a += d[i] * u[i];
	}
	for (int i = 0; i < 3; i++) {
		double e = d[i] - a * u[i];
		perp2 += e * e;
	}
	*along = a;
	return perp2;
}

/* pregate_ok for a radar observation j (the scan loop's first pass:
 * its candidates are radar ones). */
static inline int pregate_radar(const struct track_tracker *t, size_t j, const double q[3],
                                double sig_q, double su, double slack, double lim2_all)
{
	double d2 = 0.0;
	for (int i = 0; i < 3; i++)
		d2 += (q[i] - t->obs_pt[j][i]) * (q[i] - t->obs_pt[j][i]);
	/* lim2_all: lim^2 below with the scan's largest obs_sig_m, the
	 * same operations (process_scan); each is monotone, so no radar
	 * observation's lim^2 is above it, and d2 beyond it fails the test
	 * below too (without its square root). */
	if (d2 > lim2_all)
		return 0;
	double lim =
	    PREGATE_SIGMAS * sqrt(sig_q * sig_q + t->obs_sig_m[j] * t->obs_sig_m[j] + su * su) +
	    slack;
	return d2 <= lim * lim;
}

/* Is obs j possibly within the gate of a track at q with radius sig_q?
 * su: ut_sigma at the track's range from the scan's radar (radar obs). */
static int pregate_ok(const struct track_tracker *t, size_t j, const double q[3], double sig_q,
                      double su, double slack, double lim2_all)
{
	const struct mw_obs *o = &t->pend[j];
	if (t->meas[j].kind == MW_OBS_RADAR)
		return pregate_radar(t, j, q, sig_q, su, slack, lim2_all);
	double along, perp2 = ray_perp2(o->sensor_ecef_m, t->obs_pt[j], q, &along);
	if (along <= 0.0)
		return 0;
	double so = along * t->obs_sig_m[j] * 1.5;
	double sr = ut_sigma(sig_q, along); /* at the ray's own range to the track */
	double lim = PREGATE_SIGMAS * sqrt(sig_q * sig_q + so * so + sr * sr) + slack;
	return perp2 <= lim * lim;
}

/*
 * The tighter pre-gate of tracks with a wide spread (sig_q above
 * PREGATE_FINE_M: fresh tracks, whose 3 km/s velocity prior makes the
 * sphere of pregate_ok tens of km across). Same inputs as pregate_ok
 * (the mixture's moments, constant-velocity extrapolation, the
 * observation's isotropic sigma bound, the acceleration slack), but the
 * extrapolated position covariance as an ellipsoid instead of a sphere
 * of radius sqrt(trace): C = Prr + dt (Prv + Pvr) + dt^2 Pvv + sig_o^2 I
 * (the constant-velocity part of the prediction; gravity's effect on the
 * covariance over a few seconds is ~1e-6 of it). The slack ball is
 * added by the Minkowski-sum bound E(a^2 C) + B(s) inside
 * E((1 + 1/p) a^2 C + (1 + p) s^2 I) for any p > 0. The threshold a^2 is
 * the larger of PREGATE_SIGMAS^2 and the gate's chi-square, times
 * PREGATE_FINE_MARGIN^2 for the nonlinearity of (range, az, el) over
 * the spread. Radar only; an observation outside is not zpredicted.
 */
#define PREGATE_FINE_M      1000.0
#define PREGATE_FINE_MARGIN 1.25

struct pregate_ell {
	double L[6]; /* Cholesky factor of C_tot (lower, packed: 00 10 11 20 21 22) */
	int ok;
};

static void pregate_ell_init(struct pregate_ell *e, double C6[6][6], double dt, double sig_o,
                             double slack, double a2)
{
	double C[3][3];
	for (int i = 0; i < 3; i++)
		for (int j = 0; j < 3; j++)
			C[i][j] = C6[i][j] + dt * (C6[i][3 + j] + C6[3 + i][j]) +
			          dt * dt * C6[3 + i][3 + j];
	for (int i = 0; i < 3; i++)
		C[i][i] += sig_o * sig_o;
	/* p = R / s with R^2 = a^2 tr(C) / 3: for a sphere, (R + s)^2. */
	double tr = C[0][0] + C[1][1] + C[2][2];
	double fa = a2, fb = 0.0;
	if (slack > 0.0 && tr > 0.0) {
		double p = sqrt(a2 * tr / 3.0) / slack;
		fa = (1.0 + 1.0 / p) * a2;
		fb = (1.0 + p) * slack * slack;
	}
	for (int i = 0; i < 3; i++)
		for (int j = 0; j < 3; j++)
			C[i][j] = fa * C[i][j] + (i == j ? fb : 0.0);
	e->ok = 0;
	double l00 = C[0][0];
	if (!(l00 > 0.0))
		return;
	l00 = sqrt(l00);
	double l10 = C[1][0] / l00, l20 = C[2][0] / l00;
	double l11 = C[1][1] - l10 * l10;
	if (!(l11 > 0.0))
		return;
	l11 = sqrt(l11);
	double l21 = (C[2][1] - l20 * l10) / l11;
	double l22 = C[2][2] - l20 * l20 - l21 * l21;
	if (!(l22 > 0.0))
		return;
	l22 = sqrt(l22);
	e->L[0] = l00;
	e->L[1] = l10;
	e->L[2] = l11;
	e->L[3] = l20;
	e->L[4] = l21;
	e->L[5] = l22;
	e->ok = isfinite(l00 + l11 + l22);
}

/* Is d = q - obs inside the ellipsoid (d^T C_tot^-1 d <= 1)? Not ok: yes. */
static int pregate_ell_in(const struct pregate_ell *e, const double q[3], const double o[3])
{
	if (!e->ok)
		return 1;
	const double *L = e->L;
	double y0 = (q[0] - o[0]) / L[0];
	double y1 = (q[1] - o[1] - L[1] * y0) / L[2];
	double y2 = (q[2] - o[2] - L[3] * y0 - L[4] * y1) / L[5];
	return y0 * y0 + y1 * y1 + y2 * y2 <= 1.0;
}

/* ---- union-find ---- */

static int uf_find(int *uf, int a)
{
	while (uf[a] != a) {
		uf[a] = uf[uf[a]];
		a = uf[a];
	}
	return a;
}

static void uf_union(int *uf, int a, int b)
{
	a = uf_find(uf, a);
	b = uf_find(uf, b);
	/* Smaller index becomes the root: deterministic. */
	if (a < b)
		uf[b] = a;
	else if (b < a)
		uf[a] = b;
}

static int add_pair(struct track_tracker *t, int i, int j, double cost,
                    const struct track_zpred zp[TRACK_N_MODES])
{
	if (t->n_pairs == t->cap_pairs) {
		size_t nc = t->cap_pairs ? 2 * t->cap_pairs : 1024;
		size_t lim = t->cfg.max_tracks * t->cfg.max_scan_obs;
		if (nc > lim)
			nc = lim;
		if (nc <= t->n_pairs)
			return -ENOSPC;
		struct pair *p = realloc(t->pairs, nc * sizeof(*p));
		if (!p)
			return -ENOMEM;
		t->pairs = p;
		struct pair_ord *o = realloc(t->pord, nc * sizeof(*o));
		if (!o)
			return -ENOMEM;
		t->pord = o;
		o = realloc(t->pord_tmp, nc * sizeof(*o));
		if (!o)
			return -ENOMEM;
		t->pord_tmp = o;
		t->cap_pairs = nc;
	}
	struct pair *p = &t->pairs[t->n_pairs++];
	p->trk = i;
	p->obs = j;
	p->cost = cost;
	if (p->zp != zp) /* zp may already be this slot (process_scan) */
		memcpy(p->zp, zp, sizeof(p->zp));
	return 0;
}

/*
 * Association in two stages (docs/tracking.md, "Duplicates under
 * interleaved scans"): stage 0 assigns the scan's observations among the
 * confirmed tracks, stage 1 what is left among the tentative tracks -
 * the firm-track priority of radar trackers (plots update established
 * tracks first; only the rest go to tentative tracks and initiation).
 * One joint assignment compares tracks by d^2 alone (each track's miss
 * column costs chi2 + its own ln det S, so ln det S cancels between
 * tracks): a tentative track started by a false alarm 30 km from a
 * missile, whose prediction a few seconds on is km wide, gated the
 * missile's plots at d^2 1-2 and took them from the missile's confirmed
 * track (d^2 2-9, sigma 7-90 m); two such plots confirmed it, and it
 * was then never updated again - a second public warning on one missile
 * for the 30 s coast (SRBM salvo: every duplicate in seeds 1-25).
 * Priority goes by likelihood, not by state alone: a confirmed track's
 * pair stays out of stage 0 when some tentative track's pair with the
 * same observation costs less (pair cost = -2 ln of the mixture
 * likelihood, ln det S included: a km-wide tentative track's density
 * at the plot is far below a tight confirmed track's even at a smaller
 * d^2). Without that, a missile's track in midcourse took a space-IR
 * ray of a missile in boost behind it on the same line of sight (d^2
 * ~10 against the boosting missile's own tentative track's 1; equal
 * ln det S, set by the sensor's noise), a swap and a break (SRBM seed 4).
 * Lines of sight keep the one joint assignment: a ray has no range, so
 * it cannot say which track along it is the object, and a fresh
 * tentative track's angular spread made the likelihood still prefer
 * the coasting track behind (SRBM seed 66); a space-IR scan is all
 * rays (a scan is one sensor), so only radar scans are staged.
 */
static int stage_pair(const struct track_tracker *t, const struct pair *q, int stage)
{
	if (!t->cfg.firm_first || t->meas[q->obs].kind != MW_OBS_RADAR)
		return stage == 0;
	if (t->trk[q->trk]->state == TRACK_CONFIRMED)
		return stage == 0 && !(q->cost > t->obs_tent[q->obs]);
	return stage == 1 && t->obs_assigned[q->obs] < 0;
}

/*
 * A space-IR ray that a confirmed track also gated updates the tentative
 * track it is assigned to but counts for neither its M of N nor its 3-D
 * evidence. Rays keep the one joint assignment (stage_pair), which
 * compares tracks by d^2 alone, and a km-wide tentative track started
 * by a false alarm gates a missile's rays at d^2 ~1: two such rays from
 * two sensors confirmed it, a second warning on one missile for its
 * 30 s coast (ICBM seed 88, mixed exercise seed 17; docs/tracking.md,
 * "Results", eighth session). A real missile's own tentative track
 * behind a confirmed one on the line of sight still takes the ray and
 * is confirmed by its radar plots or by rays no confirmed track gates.
 */
static int ray_no_evidence(const struct track_tracker *t, const struct trk *k, int j)
{
	return t->cfg.firm_first && k->state != TRACK_CONFIRMED &&
	       t->meas[j].kind != MW_OBS_RADAR && t->obs_firm[j];
}

/* Order the pairs of one association stage (stage_pair) by (cluster
 * root, track, observation) in t->pord[0..n) (the order solve_cluster
 * reads them in; keys are unique). Returns n. */
static size_t order_pairs(struct track_tracker *t, int stage)
{
	size_t n = 0;
	for (size_t p = 0; p < t->n_pairs; p++) {
		const struct pair *q = &t->pairs[p];
		if (!stage_pair(t, q, stage))
			continue;
		uint64_t root = (uint64_t)uf_find(t->uf, q->trk);
		t->pord[n].key = root << 42 | (uint64_t)q->trk << 21 | (uint64_t)q->obs;
		t->pord[n].idx = p;
		n++;
	}
	/* Bottom-up merge sort by key (unique: the order is total). */
	struct pair_ord *a = t->pord, *b = t->pord_tmp;
	for (size_t w = 1; w < n; w *= 2) {
		for (size_t lo = 0; lo < n; lo += 2 * w) {
			size_t mid = lo + w < n ? lo + w : n, hi = lo + 2 * w < n ? lo + 2 * w : n;
			size_t i = lo, j = mid, o = lo;
			while (i < mid && j < hi)
				b[o++] = a[j].key < a[i].key ? a[j++] : a[i++];
			while (i < mid)
				b[o++] = a[i++];
			while (j < hi)
				b[o++] = a[j++];
		}
		struct pair_ord *sw = a;
		a = b;
		b = sw;
	}
	if (a != t->pord)
		memcpy(t->pord, a, n * sizeof(*a));
	return n;
}

/* Solve one cluster: pairs pord[p0..p1) all in the same component. */
static int solve_cluster(struct track_tracker *t, size_t p0, size_t p1)
{
	int nr = 0, nc = 0;
	for (size_t p = p0; p < p1; p++) {
		const struct pair *q = &t->pairs[t->pord[p].idx];
		int i = q->trk, j = q->obs;
		if (nr == 0 || t->cl_rows[nr - 1] != i)
			t->cl_rows[nr++] = i;
		if (t->col_map[j] < 0) {
			t->col_map[j] = nc;
			t->cl_cols[nc++] = j;
		}
	}
	if (nr == 1 && nc == 1) {
		/* One track, one plot (one pair: the keys are unique): what
		 * track_assign gives - its search takes the plot's column on
		 * cost <= miss (ties to the unassigned column it reaches
		 * first), else the miss - without the matrix, for finite
		 * costs (it rejects NaN and -inf and fails on two +inf). */
		const size_t pi = t->pord[p0].idx;
		const struct pair *q = &t->pairs[pi];
		double c = q->cost, miss = t->trk_miss[q->trk];
		if (isfinite(c) && isfinite(miss)) {
			t->col_map[q->obs] = -1;
			if (c <= miss) {
				t->obs_assigned[q->obs] = q->trk;
				t->obs_pair[q->obs] = (int)pi;
			}
			return 0;
		}
	}
	if (nr > TRACK_ASSIGN_MAX / 2 || nc > TRACK_ASSIGN_MAX / 2) {
		for (int c = 0; c < nc; c++)
			t->col_map[t->cl_cols[c]] = -1;
		return -ENOSPC;
	}
	int ncol = nc + nr;
	size_t need = (size_t)nr * (size_t)ncol;
	if (need > t->cap_cl_cost) {
		double *c = realloc(t->cl_cost, need * sizeof(double));
		if (!c)
			return -ENOMEM;
		t->cl_cost = c;
		t->cap_cl_cost = need;
	}
	for (size_t e = 0; e < need; e++)
		t->cl_cost[e] = INFINITY;
	int r = -1, last = -1;
	for (size_t p = p0; p < p1; p++) {
		const struct pair *q = &t->pairs[t->pord[p].idx];
		if (q->trk != last) {
			last = q->trk;
			r++;
			t->cl_cost[(size_t)r * ncol + nc + r] = t->trk_miss[last];
		}
		t->cl_cost[(size_t)r * ncol + t->col_map[q->obs]] = q->cost;
	}
	int rc = track_assign(&t->ws, t->cl_cost, nr, ncol, t->cl_sol, NULL);
	if (rc == 0) {
		for (int i = 0; i < nr; i++)
			if (t->cl_sol[i] < nc)
				t->obs_assigned[t->cl_cols[t->cl_sol[i]]] = t->cl_rows[i];
		for (size_t p = p0; p < p1; p++) {
			const struct pair *q = &t->pairs[t->pord[p].idx];
			if (t->obs_assigned[q->obs] == q->trk)
				t->obs_pair[q->obs] = (int)t->pord[p].idx;
		}
	}
	for (int c = 0; c < nc; c++)
		t->col_map[t->cl_cols[c]] = -1;
	return rc;
}

static int assign_stage(struct track_tracker *t, size_t no, int stage)
{
	const int nt = (int)t->n_trk;
	size_t n = 0;
	for (int a = 0; a < nt + (int)no; a++)
		t->uf[a] = a;
	for (size_t p = 0; p < t->n_pairs; p++)
		if (stage_pair(t, &t->pairs[p], stage)) {
			uf_union(t->uf, t->pairs[p].trk, nt + t->pairs[p].obs);
			n++;
		}
	if (!n)
		return 0;
	n = order_pairs(t, stage);
	for (size_t p0 = 0; p0 < n;) {
		uint64_t root = t->pord[p0].key >> 42;
		size_t p1 = p0 + 1;
		while (p1 < n && t->pord[p1].key >> 42 == root)
			p1++;
		int rc = solve_cluster(t, p0, p1);
		if (rc == -ENOMEM)
			return rc;
		p0 = p1;
	}
	return 0;
}

/* ---- management ---- */

/*
 * Burnout hand-over. A boost track that lost its updates (space IR sees
 * only burning motors, so at burnout an IR-only track goes silent while
 * its thrust model keeps accelerating) is usually continued by a track a
 * radar started after burnout. Find the youngest-started candidate: not
 * in boost, started after lost's last update, and within reach of lost's
 * ballistic extrapolation: 5 sigma of both position spreads plus the
 * velocity error of having thrust for up to BURNOUT_LAG_S too long
 * (|aT| + 3 sigma) x BURNOUT_LAG_S over the gap, plus 2 km.
 */
static void handover(struct track_tracker *t, const struct trk *lost)
{
	const struct hist *hl = HAT(lost, lost->h_count - 1);
	struct track_gauss gl;
	track_imm_combine(&hl->post, &gl);
	double at = fabs(gl.x[TRACK_IX_AT]) + 3.0 * sqrt(gl.P[TRACK_IX_AT * N + TRACK_IX_AT]);
	int best = -1;
	double best_d = INFINITY;
	for (size_t i = 0; i < t->n_trk; i++) {
		struct trk *k = t->trk[i];
		if (k == lost || k->del || k->first_t_ns <= hl->t_ns || k->prev_id ||
		    k->has_boost_est)
			continue;
		const struct hist *hk = HAT(k, k->h_count - 1);
		if (hk->post.mu[TRACK_MODE_BOOST] > 0.5)
			continue;
		struct track_gauss gk;
		track_imm_combine(&hk->post, &gk);
		double dt = ns_to_s(hk->t_ns - hl->t_ns), x[TRACK_NX];
		if (track_model_propagate(gl.x, dt, 0, x) < 0)
			continue;
		double d2 = 0.0, s2 = 0.0;
		for (int a = 0; a < 3; a++) {
			d2 += (x[a] - gk.x[a]) * (x[a] - gk.x[a]);
			s2 +=
			    gl.P[a * N + a] + dt * dt * gl.P[(3 + a) * N + 3 + a] + gk.P[a * N + a];
		}
		double lim = 5.0 * sqrt(s2) + at * BURNOUT_LAG_S * dt + 2000.0;
		if (d2 <= lim * lim && d2 < best_d) {
			best_d = d2;
			best = (int)i;
		}
	}
	if (best < 0)
		return;
	struct trk *k = t->trk[best];
	k->prev_id = lost->id;
	if (lost->has_boost_est) {
		k->has_boost_est = 1;
		k->boost_est_t_ns = lost->boost_est_t_ns;
		k->boost_est = lost->boost_est;
		k->has_boost0 = lost->has_boost0;
		k->boost0_t_ns = lost->boost0_t_ns;
		k->boost0 = lost->boost0;
	}
	t->ctr.handovers++;
	mw_logf(t->log, MW_LOG_INFO, "track", "track %u continues boost track %u after burnout",
	        k->id, lost->id);
}

/*
 * Burnout duplicates. At burnout a boost-mode track can miss the gate
 * of the radar plots that follow (its model still extrapolates thrust),
 * and those plots start a second track of the same object. Both then
 * live on: the GNN gives each scan's plot to one of them, the old one
 * keeps the burnout error under a covariance that its few updates
 * shrink, and nothing retired either (handover() only runs when the
 * boost track gets no updates at all). Here a confirmed ballistic track
 * that started after an older track that was seen in boost, and whose
 * position and velocity agree with it within 5 sigma plus the burnout
 * lag error of that track's thrust, takes over:
 * the older track is retired and its launch basis and number passed on
 * as prev_id (a hand-over, not a new object). The older one is the one
 * retired because the newer exists only since plots missed its gate.
 * Two tracks that took plots from one scan are two objects and are
 * never merged (share_scan).
 */
/* Only tracks younger than this are checked (the split starts at burnout
 * and the test passes within seconds of the new track's confirmation):
 * this keeps the check O(young tracks x tracks) per scan. */
#define MERGE_WINDOW_S 120.0
/* ... and only a track started at most this long after the older one's
 * last estimate in boost: the split is a burnout effect (the lag tau
 * plus the M-of-N window is ~11 s). Without it a long-established track
 * that had inherited a boost basis was retired, minutes after burnout,
 * in favour of a 10-update track that one radar's plots had started
 * (IRBM seed 18, 220 s after launch: a 7.7 km impact miss). */
#define MERGE_AFTER_BOOST_S 30.0

/* Did one scan (same sensor, same time) update both tracks? A scan has
 * at most one plot per object that the GNN can give to only one track,
 * so then the two tracks follow two objects (e.g. a stage and its
 * payload after separation), not one. */
static int share_scan(const struct trk *a, const struct trk *b)
{
	for (int i = 0; i < a->h_count; i++) {
		const struct hist *p = HAT(a, i);
		for (int j = 0; j < b->h_count; j++) {
			const struct hist *q = HAT(b, j);
			if (p->t_ns == q->t_ns && p->m.kind == q->m.kind &&
			    memcmp(p->m.sensor_ecef_m, q->m.sensor_ecef_m,
			           sizeof(p->m.sensor_ecef_m)) == 0)
				return 1;
		}
	}
	return 0;
}
/*
 * Sub-quadratic candidate search (the test itself is unchanged). The
 * older tracks that can take part - confirmed, seen in boost at most
 * MERGE_WINDOW_S + MERGE_AFTER_BOOST_S ago - are sorted by the ECEF x of
 * their last estimate, each with a radius that bounds how far along x
 * the test can accept a younger track's estimate: the ballistic
 * propagation over |dt| <= boost_coast_max_s moves x by at most
 * |v_x| dt + acc dt^2 / 2 (acc: gravity + rotation < MG_ACC_M_S2, the
 * Coriolis term 2 w vmax, drag at the lowest height reachable at vmax;
 * speeds stay under |v| + MG_DV_M_S while acc dt <= MG_DV_M_S), and the
 * position test's limit is at most 5 (sqrt tr Pa + dt sqrt tr Va +
 * sqrt tr Pb) + (|aT| + 3 sigma) tau^2 / 2 (sqrt is subadditive). A
 * younger track looks only at the window of x within the largest radius
 * plus its own, then at those within their own radius, in index order,
 * so the first track the test accepts is the same as in a full scan.
 * Tracks without such a bound (drag too strong to bound, below -50 km)
 * and tracks that inherit a boost basis during the pass are tested by
 * every younger track (mg_dyn). Cost per pass O((A + B) log A + window).
 */
#define MG_ACC_M_S2 12.0   /* J2 gravity + centrifugal < 9.9 + 0.04 m/s^2 near the surface */
#define MG_DV_M_S   1000.0 /* speed change allowed over boost_coast_max_s */

/*
 * The candidate orders, by bottom-up merge sorts with the comparison
 * inline (they were qsort and qsort_r with comparators: ~2% of a scan at
 * 100 objects). Each order is total - (key, track index) with unique
 * indices, ints by value - so the result is the one qsort gave. MG_MERGE_SORT(T, a, b, n, before):
 * sorts a[0..n) with scratch b[0..n) and leaves the result in a. Runs of
 * MG_RUN are sorted in place by insertion first (three merge passes
 * fewer: 0.8% of a scan at 100 objects was the merge passes); the order
 * being total, any correct sort gives the same array.
 */
#define MG_RUN 8
#define MG_MERGE_SORT(T, a0, b0, n, before)                                                        \
	do {                                                                                       \
		T *a_ = (a0), *b_ = (b0);                                                          \
		for (size_t r_ = 0; r_ < (n); r_ += MG_RUN) {                                      \
			size_t e_ = r_ + MG_RUN < (n) ? r_ + MG_RUN : (n);                         \
			for (size_t k_ = r_ + 1; k_ < e_; k_++) {                                  \
				T v_ = a_[k_];                                                     \
				size_t q_ = k_;                                                    \
				for (; q_ > r_ && before(v_, a_[q_ - 1]); q_--)                    \
					a_[q_] = a_[q_ - 1];                                       \
				a_[q_] = v_;                                                       \
			}                                                                          \
		}                                                                                  \
		for (size_t w_ = MG_RUN; w_ < (n); w_ *= 2) {                                      \
			for (size_t lo_ = 0; lo_ < (n); lo_ += 2 * w_) {                           \
				size_t mid_ = lo_ + w_ < (n) ? lo_ + w_ : (n);                     \
				size_t hi_ = lo_ + 2 * w_ < (n) ? lo_ + 2 * w_ : (n);              \
				size_t i_ = lo_, j_ = mid_, o_ = lo_;                              \
				while (i_ < mid_ && j_ < hi_)                                      \
					b_[o_++] = before(a_[j_], a_[i_]) ? a_[j_++] : a_[i_++];   \
				while (i_ < mid_)                                                  \
					b_[o_++] = a_[i_++];                                       \
				while (j_ < hi_)                                                   \
					b_[o_++] = a_[j_++];                                       \
			}                                                                          \
			T *s_ = a_;                                                                \
			a_ = b_;                                                                   \
			b_ = s_;                                                                   \
		}                                                                                  \
		if (a_ != (a0))                                                                    \
			memcpy((a0), a_, (n) * sizeof(T));                                         \
	} while (0)

/* By x key, then track index (the order cmp_mg_key gave). */
#define MG_KEY_BEFORE(x, y) ((x).key < (y).key || ((x).key == (y).key && (x).i < (y).i))
#define INT_BEFORE(x, y)    ((x) < (y))

static void sort_mg_key(struct track_tracker *t, size_t n)
{
	MG_MERGE_SORT(struct mg_cand, t->mg, t->mg_sort, n, MG_KEY_BEFORE);
}

static void sort_mg_tmp(struct track_tracker *t, size_t n)
{
	MG_MERGE_SORT(int, t->mg_tmp, t->mg_isort, n, INT_BEFORE);
}

/* The x key and radius of an older track (above); 0: no bound. */
static int mg_bound(const struct track_tracker *t, const struct trk *a, struct mg_cand *c)
{
	const struct hist *ha = HAT(a, a->h_count - 1);
	const double *mx = hist_mx(ha), *mvar = ha->mvar;
	const double dtm = t->cfg.boost_coast_max_s;
	double v = sqrt(mx[3] * mx[3] + mx[4] * mx[4] + mx[5] * mx[5]);
	double vmax = v + MG_DV_M_S;
	double h = track_model_height_m(mx);
	if (!(h > -50e3))
		return 0;
	double acc = MG_ACC_M_S2 + 2.0 * GEO_OMEGA_E_RAD_S * vmax;
	double hmin = h - vmax * dtm - 1000.0;
	if (hmin < TRACK_DRAG_CEILING_M && mx[TRACK_IX_K] != 0.0)
		acc += 0.5 * geo_air_density(hmin < -4000.0 ? -4000.0 : hmin) *
		       fabs(mx[TRACK_IX_K]) * TRACK_THETA_UNIT * vmax * vmax;
	if (!(acc * dtm <= MG_DV_M_S))
		return 0;
	double at = fabs(a->boost_est.x[TRACK_IX_AT]) +
	            3.0 * sqrt(a->boost_est.P[TRACK_IX_AT * N + TRACK_IX_AT]);
	double sp = sqrt(mvar[0] + mvar[1] + mvar[2]), sv = sqrt(mvar[3] + mvar[4] + mvar[5]);
	c->key = mx[0];
	c->rad = fabs(mx[3]) * dtm + 0.5 * acc * dtm * dtm + 5.0 * (sp + dtm * sv) +
	         0.5 * at * BURNOUT_LAG_S * BURNOUT_LAG_S;
	return isfinite(c->key) && isfinite(c->rad);
}

/* The test's conditions on the pair alone (b younger): 0 rules it out. */
static int burnout_pair_ok(const struct trk *a, const struct trk *b)
{
	return !(a->del || a->state != TRACK_CONFIRMED || !a->has_boost_est ||
	         a->first_t_ns >= b->first_t_ns ||
	         ns_to_s(b->first_t_ns - a->boost_est_t_ns) > MERGE_AFTER_BOOST_S);
}

/* The test of one pair (b younger): 1 if b continues a. */
static int burnout_duplicate(const struct track_tracker *t, const struct trk *a,
                             const struct trk *b, const struct track_gauss *gb)
{
	const struct hist *hb = HAT(b, b->h_count - 1);
	if (!burnout_pair_ok(a, b))
		return 0;
	const struct hist *ha = HAT(a, a->h_count - 1);
	struct track_gauss ga;
	track_imm_combine(&ha->post, &ga);
	double dt = ns_to_s(hb->t_ns - ha->t_ns), x[TRACK_NX];
	if (fabs(dt) > t->cfg.boost_coast_max_s || track_model_propagate(ga.x, dt, 0, x) < 0)
		return 0;
	double at = fabs(a->boost_est.x[TRACK_IX_AT]) +
	            3.0 * sqrt(a->boost_est.P[TRACK_IX_AT * N + TRACK_IX_AT]);
	double tau = BURNOUT_LAG_S;
	double dr2 = 0.0, dv2 = 0.0, sr2 = 0.0, sv2 = 0.0;
	for (int c = 0; c < 3; c++) {
		dr2 += (x[c] - gb->x[c]) * (x[c] - gb->x[c]);
		dv2 += (x[3 + c] - gb->x[3 + c]) * (x[3 + c] - gb->x[3 + c]);
		sr2 += ga.P[c * N + c] + dt * dt * ga.P[(3 + c) * N + 3 + c] + gb->P[c * N + c];
		sv2 += ga.P[(3 + c) * N + 3 + c] + gb->P[(3 + c) * N + 3 + c];
	}
	double lr = 5.0 * sqrt(sr2) + 0.5 * at * tau * tau;
	double lv = 5.0 * sqrt(sv2) + at * tau;
	return !(dr2 > lr * lr || dv2 > lv * lv || share_scan(a, b));
}

static int young_candidate(const struct track_tracker *t, const struct trk *b)
{
	return !b->del && b->state == TRACK_CONFIRMED && !b->prev_id &&
	       !(ns_to_s(t->now_ns - b->first_t_ns) > MERGE_WINDOW_S) &&
	       !(HAT(b, b->h_count - 1)->post.mu[TRACK_MODE_BOOST] > 0.5);
}

static void merge_burnout_duplicates(struct track_tracker *t)
{
	int any = 0;
	for (size_t ib = 0; ib < t->n_trk && !any; ib++)
		any = young_candidate(t, t->trk[ib]);
	if (!any)
		return;
	size_t n_c = 0, n_dyn = 0;
	double rad_max = 0.0;
	for (size_t ia = 0; ia < t->n_trk; ia++) {
		const struct trk *a = t->trk[ia];
		if (a->del || a->state != TRACK_CONFIRMED || !a->has_boost_est ||
		    ns_to_s(t->now_ns - a->boost_est_t_ns) >
		        MERGE_WINDOW_S + MERGE_AFTER_BOOST_S + 1.0)
			continue;
		struct mg_cand c = {.i = (int)ia};
		if (!mg_bound(t, a, &c)) {
			t->mg_dyn[n_dyn++] = (int)ia;
			continue;
		}
		if (c.rad > rad_max)
			rad_max = c.rad;
		t->mg[n_c++] = c;
	}
	if (n_c)
		sort_mg_key(t, n_c);
	for (size_t ib = 0; ib < t->n_trk; ib++) {
		struct trk *b = t->trk[ib];
		if (!young_candidate(t, b))
			continue;
		const struct hist *hb = HAT(b, b->h_count - 1);
		const double *mx = hist_mx(hb), *mvar = hb->mvar;
		double rb = 5.0 * sqrt(mvar[0] + mvar[1] + mvar[2]);
		double lim = (rad_max + rb) * (1.0 + 1e-9) + 1.0;
		size_t n_tmp = 0;
		size_t lo = 0, hi = n_c;
		while (lo < hi) {
			size_t mid = (lo + hi) / 2;
			if (t->mg[mid].key < mx[0] - lim)
				lo = mid + 1;
			else
				hi = mid;
		}
		for (size_t c = lo; c < n_c && t->mg[c].key <= mx[0] + lim; c++)
			if ((size_t)t->mg[c].i < ib &&
			    fabs(t->mg[c].key - mx[0]) <= (t->mg[c].rad + rb) * (1.0 + 1e-9) + 1.0)
				t->mg_tmp[n_tmp++] = t->mg[c].i;
		for (size_t c = 0; c < n_dyn; c++)
			if ((size_t)t->mg_dyn[c] < ib)
				t->mg_tmp[n_tmp++] = t->mg_dyn[c];
		if (!n_tmp)
			continue;
		sort_mg_tmp(t, n_tmp);
		/* b's combined estimate only once a candidate passes the
		 * pair conditions (the same doubles, mostly not needed). */
		struct track_gauss gb;
		int have_gb = 0;
		for (size_t c = 0; c < n_tmp; c++) {
			if (c && t->mg_tmp[c] == t->mg_tmp[c - 1])
				continue;
			struct trk *a = t->trk[t->mg_tmp[c]];
			if (!burnout_pair_ok(a, b))
				continue;
			if (!have_gb) {
				track_imm_combine(&hb->post, &gb);
				have_gb = 1;
			}
			if (!burnout_duplicate(t, a, b, &gb))
				continue;
			a->del = 1;
			b->prev_id = a->id;
			b->has_boost_est = 1;
			b->boost_est_t_ns = a->boost_est_t_ns;
			b->boost_est = a->boost_est;
			b->has_boost0 = a->has_boost0;
			b->boost0_t_ns = a->boost0_t_ns;
			b->boost0 = a->boost0;
			t->ctr.handovers++;
			mw_logf(t->log, MW_LOG_INFO, "track",
			        "track %u continues boost track %u (duplicate after burnout)",
			        b->id, a->id);
			/* b now has a boost basis: a candidate older track for
			 * the younger ones after it, without a bound. */
			t->mg_dyn[n_dyn++] = (int)ib;
			break;
		}
	}
}

/*
 * Confirmed duplicates (docs/tracking.md, "Duplicate merge"). Two
 * confirmed tracks can follow one object - started from a plot outside
 * the initiation-suppression region or from a split plot, or left by a
 * burnout that merge_burnout_duplicates does not cover - and then split
 * its plots (each plot to the track on its side), so both drift under
 * covariances that shrink as if the sample were whole. The test: the
 * difference of the two position-velocity estimates at the later of
 * their last update times (the earlier one predicted by the IMM; each
 * the published estimate, track_tracker_get) against chi2_6(1 - DUP_P)
 * = 27.9 under Pa + Pb. The cross-covariance is neglected: two tracks of
 * one object that split its plots share no measurement, only the
 * object's unmodelled motion (the common process noise), which
 * correlates their errors positively, so Pa + Pb overstates the
 * difference's covariance and a duplicate passes at least as often as
 * the nominal 1 - 1e-4. What keeps two objects apart:
 *  - velocity is in the test: crossing objects differ by tens of m/s
 *    under sigmas of a few m/s, side-by-side ones by km under metres;
 *  - tracks that took plots of one scan (share_scan) are two objects the
 *    radar resolves and are never merged;
 *  - persistence: the pair must pass DUP_MIN_N consecutive checks (a
 *    check runs when either track was updated by the scan) over at least
 *    DUP_MIN_S, no two more than DUP_GAP_S apart; one failed check
 *    starts the count again.
 * The older track (smaller number: numbers are stable) is kept; the
 * younger one's plots that the older one's kept history covers (newer
 * than its oldest posterior, inside its chi2(1 - INIT_SUPPRESS_P)
 * region) are inserted into the older one's history and re-filtered -
 * the exact out-of-sequence path - so the kept track has both halves of
 * the object's plots; the younger is deleted (counter dup_merged).
 * Candidates: confirmed tracks updated within DUP_MAX_COAST_S, not long
 * coasting, sorted by ECEF x extrapolated to now, each with a radius
 * (DUP_SIG_MARGIN sqrt(gate) sigmas of its position spread extrapolated
 * to now, plus gravity and thrust over its coast); a track updated by
 * this scan looks at the window of the largest radius: O(T log T +
 * window) per scan.
 */
#define DUP_MIN_N       5
#define DUP_MIN_S       3.0
#define DUP_GAP_S       2.0
#define DUP_MAX_COAST_S 10.0
#define DUP_SIG_MARGIN  1.25

/* The published estimate of k's last posterior predicted to tc. */
static int dup_est(const struct track_tracker *t, const struct trk *k, mw_time_ns tc,
                   struct track_gauss *g)
{
	const struct hist *h = HAT(k, k->h_count - 1);
	struct track_imm p;
	const struct track_imm *im = &h->post;
	if (tc != h->t_ns) {
		struct track_imm_cfg cbuf;
		if (track_imm_predict(&h->post, ns_to_s(tc - h->t_ns), hist_cfg(t, k, h, &cbuf),
		                      &p) < 0)
			return -EDOM;
		im = &p;
	}
	if (im->mu[TRACK_MODE_BOOST] < PUBLISH_MINOR_MU)
		*g = im->m[TRACK_MODE_BALLISTIC];
	else
		track_imm_combine(im, g);
	return 0;
}

static int dup_test(const struct track_tracker *t, const struct trk *a, const struct trk *b,
                    double *d2)
{
	mw_time_ns ta = HAT(a, a->h_count - 1)->t_ns, tb = HAT(b, b->h_count - 1)->t_ns;
	mw_time_ns tc = ta > tb ? ta : tb;
	struct track_gauss ga, gb;
	if (dup_est(t, a, tc, &ga) < 0 || dup_est(t, b, tc, &gb) < 0)
		return -EDOM;
	double C[36], d[6];
	for (int i = 0; i < 6; i++) {
		d[i] = ga.x[i] - gb.x[i];
		for (int j = 0; j < 6; j++)
			C[i * 6 + j] = ga.P[i * N + j] + gb.P[i * N + j];
	}
	mat_symmetrise(C, 6);
	return mat_spd_mahalanobis(C, d, 6, d2);
}

/* Keep a (older), take b's plots into it, delete b. */
static void dup_merge(struct track_tracker *t, struct trk *a, struct trk *b)
{
	int taken = 0, skipped = 0;
	for (int i = 0; i < b->h_count; i++) {
		const struct hist *e = HAT(b, i);
		int ba = base_index(a, e->t_ns);
		if (ba < 0) {
			skipped++;
			continue;
		}
		struct track_imm pred;
		struct track_zpred zp[TRACK_N_MODES];
		struct track_imm_gate gt;
		struct track_imm_cfg cbuf;
		if (track_imm_predict(&HAT(a, ba)->post, ns_to_s(e->t_ns - HAT(a, ba)->t_ns),
		                      hist_cfg(t, a, HAT(a, ba), &cbuf), &pred) < 0 ||
		    track_imm_zpredict(&pred, &e->m, zp, &gt) < 0 ||
		    !(gt.d2 <= t->init_supp[e->m.nz])) {
			skipped++;
			continue;
		}
		struct hist ec = *e;
		if (apply_update(t, a, ba, 1, &pred, zp, &ec.m, ec.t_ns, ec.truth_id) == 0)
			taken++;
	}
	if (!a->has_boost_est && b->has_boost_est) {
		a->has_boost_est = 1;
		a->boost_est_t_ns = b->boost_est_t_ns;
		a->boost_est = b->boost_est;
		a->has_boost0 = b->has_boost0;
		a->boost0_t_ns = b->boost0_t_ns;
		a->boost0 = b->boost0;
	}
	if (!a->prev_id)
		a->prev_id = b->prev_id;
	b->del = 1;
	t->ctr.dup_merged++;
	mw_logf(t->log, MW_LOG_INFO, "track",
	        "track %u merged into track %u (duplicate: %d plots taken over, %d not)", b->id,
	        a->id, taken, skipped);
}

static int dup_candidate(const struct track_tracker *t, const struct trk *k)
{
	return !k->del && k->state == TRACK_CONFIRMED && !k->long_coast &&
	       !(ns_to_s(t->now_ns - HAT(k, k->h_count - 1)->t_ns) > DUP_MAX_COAST_S);
}

static void merge_duplicates(struct track_tracker *t)
{
	if (!t->cfg.dup_merge)
		return;
	const double sig = DUP_SIG_MARGIN * sqrt(t->dup_gate);
	size_t n_c = 0;
	double rad_max = 0.0;
	int any_hit = 0;
	for (size_t i = 0; i < t->n_trk; i++) {
		const struct trk *k = t->trk[i];
		if (!dup_candidate(t, k))
			continue;
		const struct hist *h = HAT(k, k->h_count - 1);
		const double *mx = hist_mx(h), *mvar = h->mvar;
		double dc = ns_to_s(t->now_ns - h->t_ns);
		double acc = MG_ACC_M_S2 + fabs(mx[TRACK_IX_AT]) + 3.0 * sqrt(mvar[TRACK_IX_AT]);
		struct mg_cand c = {.i = (int)i};
		c.key = mx[0] + mx[3] * dc;
		c.rad = sig * (sqrt(mvar[0] + mvar[1] + mvar[2]) +
		               dc * sqrt(mvar[3] + mvar[4] + mvar[5])) +
		        0.5 * acc * dc * dc + 100.0;
		if (!isfinite(c.key) || !isfinite(c.rad))
			continue;
		if (c.rad > rad_max)
			rad_max = c.rad;
		t->mg[n_c++] = c;
		any_hit |= i < t->n_hit && t->trk_hit[i];
	}
	if (!any_hit || n_c < 2)
		return;
	sort_mg_key(t, n_c);
	/* The hit tracks in index order, each with its position in mg
	 * (through the inverse map: the order a sort by index gave). */
	int *pos = t->mg_isort; /* 3 x max_tracks >= n_trk */
	for (size_t i = 0; i < t->n_hit; i++)
		pos[i] = -1;
	for (size_t c = 0; c < n_c; c++)
		if ((size_t)t->mg[c].i < t->n_hit)
			pos[t->mg[c].i] = (int)c;
	size_t n_h = 0;
	for (size_t i = 0; i < t->n_hit; i++)
		if (t->trk_hit[i] && pos[i] >= 0)
			t->mg_tmp[n_h++] = pos[i];
	for (size_t h = 0; h < n_h; h++) {
		const struct mg_cand *ch = &t->mg[t->mg_tmp[h]];
		double lim = ch->rad + rad_max;
		size_t lo = 0, hi = n_c;
		while (lo < hi) {
			size_t mid = (lo + hi) / 2;
			if (t->mg[mid].key < ch->key - lim)
				lo = mid + 1;
			else
				hi = mid;
		}
		for (size_t c = lo; c < n_c && t->mg[c].key <= ch->key + lim; c++) {
			const struct mg_cand *co = &t->mg[c];
			if (co->i == ch->i || fabs(co->key - ch->key) > co->rad + ch->rad)
				continue;
			/* A pair of two hit tracks is checked once, from the
			 * smaller index. */
			if ((size_t)co->i < t->n_hit && t->trk_hit[co->i] && co->i < ch->i)
				continue;
			struct trk *a = t->trk[co->i < ch->i ? co->i : ch->i];
			struct trk *b = t->trk[co->i < ch->i ? ch->i : co->i];
			if (a->del || b->del)
				continue;
			double d2;
			int pass =
			    !share_scan(a, b) && dup_test(t, a, b, &d2) == 0 && d2 <= t->dup_gate;
			if (!pass) {
				if (b->dup_with == a->id)
					b->dup_with = 0;
				continue;
			}
			if (b->dup_with == a->id &&
			    !(ns_to_s(t->now_ns - b->dup_last_ns) > DUP_GAP_S)) {
				b->dup_n++;
			} else {
				b->dup_with = a->id;
				b->dup_n = 1;
				b->dup_t0_ns = t->now_ns;
			}
			b->dup_last_ns = t->now_ns;
			if (b->dup_n >= DUP_MIN_N &&
			    !(ns_to_s(t->now_ns - b->dup_t0_ns) < DUP_MIN_S))
				dup_merge(t, a, b);
		}
	}
}

/*
 * On the ground: the last estimate descends and more time has passed
 * since it than its height takes at its vertical speed (+ 2 s). The
 * object has impacted; predicting on only drives the sigma points
 * through the ground and the dense air, where explicit RK4 with a
 * prior's km/s velocity spread is unstable.
 */
static int on_ground(const struct track_tracker *t, const struct trk *k)
{
	double coast = ns_to_s(t->now_ns - HAT(k, k->h_count - 1)->t_ns);
	if (!(coast > 2.0))
		return 0;
	const struct hist *hk = HAT(k, k->h_count - 1);
	const double *mx = hist_mx(hk);
	double rn = sqrt(mx[0] * mx[0] + mx[1] * mx[1] + mx[2] * mx[2]);
	double vr = (mx[0] * mx[3] + mx[1] * mx[4] + mx[2] * mx[5]) / rn;
	double h = track_model_height_m(mx);
	return vr < 0.0 && coast > h / -vr + 2.0;
}

/* A tentative track past its M-of-N window without M hits. */
static int tentative_expired(const struct track_tracker *t, const struct trk *k)
{
	if (k->state != TRACK_TENTATIVE)
		return 0;
	int hits = __builtin_popcountll(
	    k->slot_hits &
	    (t->cfg.confirm_n >= 64 ? ~UINT64_C(0) : (UINT64_C(1) << t->cfg.confirm_n) - 1));
	double age = ns_to_s(t->now_ns - k->first_t_ns);
	return hits < t->cfg.confirm_m && age >= t->cfg.confirm_n * t->cfg.slot_s;
}

/* Free the tracks marked del, keeping creation order. */
static void compact(struct track_tracker *t)
{
	size_t w = 0;
	for (size_t i = 0; i < t->n_trk; i++) {
		struct trk *k = t->trk[i];
		if (k->del) {
			mw_logf(t->log, MW_LOG_DEBUG, "track", "track %u deleted (%s)", k->id,
			        track_state_str(k->state));
			if (k->long_coast)
				t->n_long_coast--;
			free(k);
			t->ctr.tracks_deleted++;
			continue;
		}
		t->trk[w++] = k;
	}
	t->n_trk = w;
}

/*
 * Before a scan: drop the tracks that the last manage() would have kept
 * only because no scan came since - tentative tracks past their window
 * (a hit now lies outside their first N slots, so it cannot confirm
 * them) and tracks on the ground. Without this a clutter track from the
 * last scan before a quiet spell was predicted over the whole gap.
 */
static void drop_stale(struct track_tracker *t)
{
	int any = 0;
	for (size_t i = 0; i < t->n_trk; i++) {
		struct trk *k = t->trk[i];
		k->del = tentative_expired(t, k) || on_ground(t, k);
		any |= k->del;
	}
	if (any)
		compact(t);
}

/*
 * Long coast (tracker.h, struct track_config): called for a confirmed
 * track without an update for more than coast_max_s; 1 to keep it.
 * Entering needs a ballistic last estimate above coast_long_min_h_m and
 * a free slot; staying needs the coast under coast_long_max_s and, at
 * each check, a prediction to now whose position sigma is under
 * coast_long_sigma_max_m and whose position is above the ground. The
 * prediction is the ballistic model's: at the first check from the last
 * posterior (track_imm_predict_mode: that model's part of the IMM
 * prediction, the same doubles), then from the previous check's
 * (track_ukf_predict over the interval, no IMM re-mixing) - one model
 * without mode switching, so the chain is the same distribution up to
 * the unscented and integration approximations: within 5e-4 of a sigma
 * of the one-shot prediction over 2,400 s (unit test
 * chained_long_coast_prediction_matches_the_one_shot). Predicting over
 * the whole coast at every check cost O(coast^2). The gate itself
 * predicts from the last posterior (predict_to_scan).
 */
static int keep_coasting(struct track_tracker *t, struct trk *k, double coast)
{
	const struct track_config *c = &t->cfg;
	const struct hist *h = HAT(k, k->h_count - 1);
	if (!k->long_coast) {
		if (c->coast_long_max_tracks == 0 || k->state != TRACK_CONFIRMED ||
		    !(h->post.mu[TRACK_MODE_BOOST] < c->coast_long_mu_boost_max))
			return 0;
		if (!(track_model_height_m(hist_mx(h)) >= c->coast_long_min_h_m))
			return 0;
		if (t->n_long_coast >= c->coast_long_max_tracks) {
			t->ctr.coast_long_refused++;
			return 0;
		}
		k->long_coast = 1;
		k->coast_chk_ns = t->now_ns; /* check now */
		t->n_long_coast++;
		t->ctr.coast_long_started++;
		mw_logf(t->log, MW_LOG_DEBUG, "track", "track %u: long coast after %.1f s", k->id,
		        coast);
	}
	if (!(coast <= c->coast_long_max_s))
		goto lost;
	if (t->now_ns >= k->coast_chk_ns) {
		/* The ballistic mode's spread: the boost mode (probability
		 * ~coast / tau_ballistic_s, 1e-4 after 1,000 s) extrapolates a
		 * thrust prior over the whole coast, thousands of km wide; it
		 * stays in the mixture (a re-ignition hypothesis) but a long-
		 * coasting track is gated on its ballistic model alone (see
		 * lc_pregate). Only the ballistic model is predicted here,
		 * chained from the last check (above); the result is the
		 * long-coast pre-gate's base until the next check. */
		struct track_gauss gb;
		if (k->has_lc) {
			if (track_ukf_predict(&k->lc, ns_to_s(t->now_ns - k->lc_t_ns),
			                      &c->imm.motion[TRACK_MODE_BALLISTIC], &gb) < 0)
				goto lost;
		} else if (track_imm_predict_mode(&h->post, coast, imm_cfg(t, k, h->t_ns),
		                                  TRACK_MODE_BALLISTIC, &gb) < 0)
			goto lost;
		double sig = sqrt(gb.P[0] + gb.P[N + 1] + gb.P[2 * N + 2]);
		if (!(sig <= c->coast_long_sigma_max_m) || !(track_model_height_m(gb.x) > 0.0))
			goto lost;
		k->coast_chk_ns = t->now_ns + (mw_time_ns)(c->coast_long_check_s * 1e9);
		k->lc = gb;
		k->lc_t_ns = t->now_ns;
		k->has_lc = 1;
	}
	return 1;
lost:
	mw_logf(t->log, MW_LOG_DEBUG, "track", "track %u: long coast ends after %.1f s", k->id,
	        coast);
	t->ctr.coast_long_lost++;
	return 0;
}

static void manage(struct track_tracker *t)
{
	/* Pass 1: decide (every track still valid for the hand-over search). */
	for (size_t i = 0; i < t->n_trk; i++) {
		struct trk *k = t->trk[i];
		double age = ns_to_s(t->now_ns - k->first_t_ns);
		double coast = ns_to_s(t->now_ns - HAT(k, k->h_count - 1)->t_ns);
		k->del = 0;
		if (k->state == TRACK_TENTATIVE) {
			int hits = __builtin_popcountll(
			    k->slot_hits &
			    (t->cfg.confirm_n >= 64 ? ~UINT64_C(0)
			                            : (UINT64_C(1) << t->cfg.confirm_n) - 1));
			if (hits >= t->cfg.confirm_m && confirm_evidence(k)) {
				k->state = TRACK_CONFIRMED;
				k->confirmed_t_ns = HAT(k, k->h_count - 1)->t_ns;
				t->ctr.tracks_confirmed++;
				mw_logf(t->log, MW_LOG_DEBUG, "track", "track %u confirmed", k->id);
			} else if (age >= t->cfg.confirm_n * t->cfg.slot_s) {
				k->del = 1;
			}
		}
		if (k->long_coast && coast <= t->cfg.coast_max_s) {
			/* Updated again: the long coast is over. */
			k->long_coast = 0;
			k->has_lc = 0;
			t->n_long_coast--;
			t->ctr.coast_long_reacquired++;
			mw_logf(t->log, MW_LOG_DEBUG, "track", "track %u re-acquired", k->id);
		}
		if (k->state == TRACK_CONFIRMED && coast > t->cfg.coast_max_s &&
		    !keep_coasting(t, k, coast))
			k->del = 1;
		if (age > t->cfg.max_age_s)
			k->del = 1;
		if (!k->del && on_ground(t, k))
			k->del = 1;
		if (k->state == TRACK_CONFIRMED && coast > t->cfg.boost_coast_max_s &&
		    HAT(k, k->h_count - 1)->post.mu[TRACK_MODE_BOOST] > 0.5) {
			k->del = 1;
			t->ctr.boost_lost++;
			handover(t, k);
		}
	}
	merge_burnout_duplicates(t);
	merge_duplicates(t);
	compact(t);
}

/* ---- scans ---- */

/*
 * The pre-gate's sphere of a track from its base hb, dt_s later: the
 * constant-velocity extrapolation q of the mixture's mean, the spread
 * sig_q (sqrt of the trace of the position variances + |dt| sqrt of the
 * velocities') and the slack of an unmodelled acceleration plus the
 * estimated thrust (3 sigma) over dt, from the mixture's diagonal
 * moments (hist_mx). Shared by the gating pre-gate and the radar and IR
 * initiation suppression.
 */
static void cv_sphere(const struct hist *hb, double dt_s, double q[3], double *sig_q, double *slack)
{
	const double *mx = hist_mx(hb), *mvar = hb->mvar;
	for (int a = 0; a < 3; a++)
		q[a] = mx[a] + mx[3 + a] * dt_s;
	double sr = sqrt(mvar[0] + mvar[1] + mvar[2]), sv = sqrt(mvar[3] + mvar[4] + mvar[5]);
	*sig_q = sr + fabs(dt_s) * sv;
	double acc = PREGATE_ACC + fabs(mx[TRACK_IX_AT]) + 3.0 * sqrt(mvar[TRACK_IX_AT]);
	*slack = 0.5 * acc * dt_s * dt_s + drag_slack_m(mx, mvar[TRACK_IX_K], sr, sv, dt_s);
}

/*
 * Long-coast gating. A track in a long coast (keep_coasting) is gated on
 * its ballistic model alone: a pair is kept if the ballistic model's
 * predicted measurement gates it (its cost is still the mixture's). Why
 * the boost model may be left out of the gate: it entered the coast with
 * mu_boost < coast_long_mu_boost_max (1e-3) and the transition matrix
 * gives it c_boost = (1 - exp(-dt / tau_ballistic_s)) mu_ballistic +
 * exp(-dt / tau_boost_s) mu_boost <= 1e-3 + 3,600 / 1e7 at any time of
 * the coast; its prediction is a thrust prior extrapolated over minutes
 * (thousands of km). A plot that only it gates costs -2 ln(mu_b N_b +
 * mu_c N_c) against a miss of gate + logdet: with mu_b ~1e-3 and |S_b|
 * orders of magnitude above |S_c| such a pair loses to the miss unless
 * it lies just outside the ballistic gate (1e-4 tail) - a re-ignition
 * after a coast, which an RV does not do. Without the boost model the
 * pre-gate is tight: the sphere (and, for wide tracks, the ellipsoid)
 * around the ballistic prediction of the last check (k->lc, made every
 * coast_long_check_s; keep_coasting) extrapolated at constant
 * velocity to ts, with the acceleration slack PREGATE_ACC (the
 * ballistic model has gravity + rotation, < 12 m/s^2; below
 * TRACK_DRAG_CEILING_M a drag bound is added (drag_slack_m)), LC_SIG_MARGIN on the spread for
 * what the exact prediction to ts changes against lc (its IMM mixing
 * weights move with dt, the spread grows over ts - lc_t_ns) and
 * LC_SLACK_M. Used only for in-sequence data from the last update and
 * |ts - lc_t_ns| <= LC_MAX_DT_S. The exact IMM prediction (both models,
 * from the last update) is still made for a track with a candidate, so
 * gating and updates are unchanged wherever the ballistic gate decides.
 * Brute force (cfg.brute_gate) applies the same gate rule without the
 * pre-gate (unit test long_coast_pregate_gives_the_brute_force_result).
 */
#define LC_SIG_MARGIN 1.5
#define LC_SLACK_M    500.0
#define LC_MAX_DT_S   120.0

static int lc_pregate(const struct trk *k, int b, mw_time_ns ts, double q[3], double *sig_q,
                      double *slack, double *dt)
{
	if (!k->long_coast || !k->has_lc || b != k->h_count - 1)
		return 0;
	double d = ns_to_s(ts - k->lc_t_ns);
	if (!(fabs(d) <= LC_MAX_DT_S))
		return 0;
	const double *x = k->lc.x, *P = k->lc.P;
	double sr = P[0] + P[N + 1] + P[2 * N + 2];
	double sv = P[3 * N + 3] + P[4 * N + 4] + P[5 * N + 5];
	double sq = LC_SIG_MARGIN * (sqrt(sr) + fabs(d) * sqrt(sv));
	/* Drag where the step reaches below the drag ceiling (drag_slack_m;
	 * gravity adds at most PREGATE_ACC |d|), from the check's spread
	 * with the margin. */
	double sl = 0.5 * PREGATE_ACC * d * d + LC_SLACK_M +
	            drag_slack_m(x, P[TRACK_IX_K * N + TRACK_IX_K], LC_SIG_MARGIN * sqrt(sr),
	                         LC_SIG_MARGIN * sqrt(sv), d);
	if (!isfinite(sl) || !isfinite(sq))
		return 0;
	for (int a = 0; a < 3; a++)
		q[a] = x[a] + x[3 + a] * d;
	*sig_q = sq;
	*slack = sl;
	*dt = d;
	return 1;
}

/* The position-velocity covariance of the long-coast pre-gate's base,
 * with the margin (pregate_ell_init). */
static void lc_cov6(const struct trk *k, double C6[6][6])
{
	for (int a = 0; a < 6; a++)
		for (int c = 0; c < 6; c++)
			C6[a][c] = LC_SIG_MARGIN * LC_SIG_MARGIN * k->lc.P[a * N + c];
}

/* The ballistic model's d^2 of a long-coasting track's pair. */
static int ballistic_d2(const struct track_zpred *zb, const struct track_meas *m, double *d2)
{
	if (!zb->nz)
		return -EDOM;
	double nu[TRACK_NZ_MAX];
	return track_ukf_innovation(zb, m, nu, d2);
}

/*
 * A track's IMM prediction from history entry hb to the scan time ts.
 * Scans are per sensor: several sensors reporting at the same time are
 * several scans at one ts, and a track that coasts (long coasts: minutes
 * of sigma-point propagation) would be predicted from the same entry to
 * the same time at each. The last prediction is kept with its input and
 * reused when the input is the same - the entry's time and posterior
 * (compared bytewise) and ts - so the result is the same doubles. Only
 * predictions over more than PRED_KEEP_S are kept (shorter ones cost
 * less than the copies).
 */
#define PRED_KEEP_S 10.0
static int predict_to_scan(struct track_tracker *t, struct trk *k, const struct hist *hb,
                           mw_time_ns ts, struct track_imm *out)
{
	double dt = ns_to_s(ts - hb->t_ns);
	const struct track_imm_cfg *ic0 = imm_cfg(t, k, hb->t_ns);
	const int np = ic0 != &t->cfg.imm;
	struct track_imm_cfg cbuf;
	const struct track_imm_cfg *ic = cfg_stated(ic0, hb->lat_q, hb->lat_sp, &cbuf);
	if (!(fabs(dt) > PRED_KEEP_S))
		return track_imm_predict_memo(&hb->post, dt, ic, &t->imm_memo, out);
	if (k->has_cp && k->cp_t_ns == ts && k->cp_base_ns == hb->t_ns && k->cp_noprune == np &&
	    k->cp_lat_q == hb->lat_q && k->cp_lat_sp == hb->lat_sp &&
	    memcmp(&k->cp_base, &hb->post, sizeof(k->cp_base)) == 0) {
		*out = k->cp;
		return 0;
	}
	int rc = track_imm_predict_memo(&hb->post, dt, ic, &t->imm_memo, out);
	if (rc < 0)
		return rc;
	k->cp = *out;
	k->cp_t_ns = ts;
	k->cp_base_ns = hb->t_ns;
	k->cp_base = hb->post;
	k->has_cp = 1;
	k->cp_noprune = np;
	k->cp_lat_q = hb->lat_q;
	k->cp_lat_sp = hb->lat_sp;
	return 0;
}

/*
 * Is observation j inside confirmed track i's initiation-suppression
 * region (IMM gate statistic <= chi2_nz(1 - INIT_SUPPRESS_P))? Predicts
 * track i to the scan once (trk_pred_ok). 1 inside, 0 outside or no
 * measurement prediction, < 0 if the track's prediction failed.
 */
static int in_init_supp(struct track_tracker *t, size_t i, const struct hist *hb, mw_time_ns ts,
                        size_t j)
{
	if (!t->trk_pred_ok[i]) {
		int rc = predict_to_scan(t, t->trk[i], hb, ts, &t->pred[i]);
		if (rc < 0)
			return rc;
		t->trk_pred_ok[i] = 1;
	}
	/* A plume is no tail plot of a track called ballistic (its boost
	 * probability under prune_mu): it may be a new launch's - unless the
	 * track is in its boost window (its boost model carried: imm_cfg),
	 * where a plume its boost model gates is its next stage. */
	if (t->meas[j].plumes_only && !(t->pred[i].mu[TRACK_MODE_BOOST] >= t->cfg.imm.prune_mu) &&
	    !boost_window(t->trk[i], hb->t_ns))
		return 0;
	struct track_zpred zp[TRACK_N_MODES];
	struct track_imm_gate gt;
	if (track_imm_zpredict(&t->pred[i], &t->meas[j], zp, &gt) < 0)
		return 0;
	return gt.d2 <= t->init_supp[t->meas[j].nz];
}

/*
 * Initiation suppression (docs/tracking.md, "Open items" (e)/(f)).
 * A radar plot that no track took starts a tentative track - unless it
 * lies inside the much wider region d^2 <= chi2_nz(1 - INIT_SUPPRESS_P)
 * of a confirmed track that took no plot of this scan (a scan is one
 * sensor at one time). Such a plot is, far more likely than not, that
 * track's own tail plot (outside its gate with probability 1 - gate_prob
 * = 1e-4 per plot; ~1,000 plots per object and run, so one object in
 * ten gets one) and a track started from it is confirmed by the other
 * radars within seconds: a duplicate warning, and two tracks that then
 * split the object's plots so that both drift (f). The plot is not used
 * (the track takes a miss for it, as the assignment already decided).
 * A second object near a confirmed track is not suppressed when the
 * radar resolves the two: the track then takes one plot of the scan
 * (trk_hit) and the other starts a track; an object the radar does not
 * resolve yields one plot, which no rule can tell apart. Tracks in a
 * long coast are left out (their region can span the sky). Every
 * unassigned radar plot is tested against every such track whose
 * sphere holds it - the pre-gate's sphere (constant-velocity
 * extrapolation, sqrt of the trace, the acceleration slack) with
 * sqrt(chi2_4(1 - INIT_SUPPRESS_P)) x PREGATE_FINE_MARGIN = 8.4 sigma
 * instead of 5, so the whole region is inside it (d^2 bounds the
 * position part's Mahalanobis distance; the margin is for the
 * nonlinearity of the measurement) - after the assignment (only then is
 * it known which plots are free and which tracks took none). The free
 * plots are a subsequence of the x-sorted radar plots, so each track
 * looks at a window of them (binary search): O(T log U + candidates),
 * and a track predicted only if a free plot is in its sphere. Before,
 * the region was tested only for pairs that passed the gating
 * pre-gate (5 sigma, the 0.9999 gate's scale), so the region's outer
 * part (d^2 ~30-46 along the covariance's long axes) started tracks.
 * Brute force (cfg.brute_gate) runs the same test.
 * INIT_SUPPRESS_P = 1e-9: chi2_4 45.6, chi2_3 41.3 - a true plot of a
 * consistent track falls outside it once in 1e9 plots (the constant is
 * defined with the others, at the top).
 */
static void init_suppress(struct track_tracker *t, int n_radar, double max_obs_sig, mw_time_ns ts)
{
	int nu = 0;
	for (int c = 0; c < n_radar; c++) {
		int j = t->obs_order[c];
		t->obs_supp[j] = 0;
		if (t->obs_assigned[j] < 0)
			t->supp_obs[nu++] = j;
	}
	if (!nu)
		return;
	const double sig_n = sqrt(t->init_supp[TRACK_NZ_MAX]) * PREGATE_FINE_MARGIN;
	for (size_t i = 0; i < t->n_trk; i++) {
		struct trk *k = t->trk[i];
		int b = t->trk_base[i];
		if (k->state != TRACK_CONFIRMED || k->long_coast || t->trk_hit[i] || b < 0)
			continue;
		const struct hist *hb = HAT(k, b);
		double q[3], sig_q, slack;
		cv_sphere(hb, ns_to_s(ts - hb->t_ns), q, &sig_q, &slack);
		double lim = sig_n * sqrt(sig_q * sig_q + max_obs_sig * max_obs_sig) + slack;
		if (!isfinite(lim) || !isfinite(q[0]))
			continue;
		int lo = 0, hi = nu;
		while (lo < hi) {
			int mid = (lo + hi) / 2;
			if (t->obs_pt[t->supp_obs[mid]][0] < q[0] - lim)
				lo = mid + 1;
			else
				hi = mid;
		}
		for (int c = lo; c < nu && t->obs_pt[t->supp_obs[c]][0] <= q[0] + lim; c++) {
			int j = t->supp_obs[c];
			if (t->obs_supp[j])
				continue;
			double d2 = 0.0;
			for (int a = 0; a < 3; a++)
				d2 += (q[a] - t->obs_pt[j][a]) * (q[a] - t->obs_pt[j][a]);
			double lj =
			    sig_n * sqrt(sig_q * sig_q + t->obs_sig_m[j] * t->obs_sig_m[j]) + slack;
			if (!(d2 <= lj * lj))
				continue;
			int in = in_init_supp(t, i, hb, ts, (size_t)j);
			if (in < 0)
				break;
			if (in)
				t->obs_supp[j] = 1;
		}
	}
}

/*
 * The same rule for a line of sight (IR): an unassigned ray inside
 * chi2_2(1 - INIT_SUPPRESS_P) (41.4) of a confirmed track that took no
 * observation of the scan (the sensor's frame) is that track's tail ray,
 * not a new object, and is neither paired nor pooled (counter
 * init_suppressed). Before, rays were never suppressed: a tail ray could
 * pair with a ray of the other sensor and start a duplicate. A second
 * object the sensor resolves still gives a free ray (the track takes one
 * ray of the frame, so it is not tested). Only the few unassigned rays of
 * a scan are tested, against every such track: first the distance from
 * the track's constant-velocity extrapolation to the ray with the
 * suppression region's sigmas (PREGATE_FINE_MARGIN x sqrt(41.4) = 8
 * sigma of the track's and the ray's spread at the track's range, + the
 * acceleration slack), then the IMM gate statistic.
 */
static int los_suppressed(struct track_tracker *t, size_t j, mw_time_ns ts)
{
	const double sig_n = sqrt(t->init_supp[2]) * PREGATE_FINE_MARGIN;
	const struct mw_obs *o = &t->pend[j];
	for (size_t i = 0; i < t->n_trk; i++) {
		struct trk *k = t->trk[i];
		int b = t->trk_base[i];
		if (k->state != TRACK_CONFIRMED || k->long_coast || t->trk_hit[i] || b < 0)
			continue;
		const struct hist *hb = HAT(k, b);
		double q[3], sig_q, slack, along;
		cv_sphere(hb, ns_to_s(ts - hb->t_ns), q, &sig_q, &slack);
		double perp2 = ray_perp2(o->sensor_ecef_m, t->obs_pt[j], q, &along);
		if (!(along > 0.0))
			continue;
		double so = along * t->obs_sig_m[j] * 1.5;
		double lim = sig_n * sqrt(sig_q * sig_q + so * so) + slack;
		if (!isfinite(lim) || !(perp2 <= lim * lim))
			continue;
		if (in_init_supp(t, i, hb, ts, j) > 0)
			return 1;
	}
	return 0;
}

/*
 * A burn after the boost window (a next stage, a post-boost manoeuvre):
 * the track is pruned (imm.h), its ballistic model alone gates, and the
 * burn's first radar plot lies outside its gate and its initiation-
 * suppression region, so it is never assigned and the update's revival
 * never sees it. It started a second track, and the old one, confirmed,
 * was kept coasting with a stale prediction (docs/tracking.md "A next
 * stage after a coast": 580 km off 240 s after the ignition). So an
 * unassigned radar plot that would start a track is first offered to
 * the confirmed, in-sequence, pruned tracks that took nothing in this
 * scan: the one whose revived boost model gates it (NIS within the gate,
 * the smallest) takes it, and the update revives its boost model. Only
 * such plots are tested - outside every ballistic gate and suppression
 * region, inside a burn's reach - so the cost is a revival prediction
 * per candidate track, and a false alarm must fall inside that gate (a
 * few tens of metres of the track at a 1-s step) to be taken. Only a
 * track updated within REVIVAL_MAX_DT_S is offered the plot: the revived
 * model's thrust is 0 +- ~20 m/s^2, so its region grows as dt^2 (~1 km
 * at 5 s), and a track unseen for longer took false alarms 2-30 km off
 * (the long-coast test's clutter). Returns 1 if a track took plot j, 0
 * if none, < 0 on a failed prediction.
 */
#define REVIVAL_MAX_DT_S 3.0
static int revival_claims(struct track_tracker *t, size_t j, mw_time_ns ts, double max_obs_sig)
{
	const double sig_n = sqrt(t->init_supp[TRACK_NZ_MAX]) * PREGATE_FINE_MARGIN;
	int best = -1;
	double best_d2 = INFINITY;
	for (size_t i = 0; i < t->n_trk; i++) {
		struct trk *k = t->trk[i];
		int b = t->trk_base[i];
		if (k->state != TRACK_CONFIRMED || k->long_coast || t->trk_hit[i] || b < 0 ||
		    b != k->h_count - 1)
			continue;
		const struct hist *hb = HAT(k, b);
		const double dt = ns_to_s(ts - hb->t_ns);
		if (!(dt <= REVIVAL_MAX_DT_S))
			continue;
		double q[3], sig_q, slack;
		cv_sphere(hb, dt, q, &sig_q, &slack);
		double lim = sig_n * sqrt(sig_q * sig_q + max_obs_sig * max_obs_sig) + slack;
		double d2s = 0.0;
		for (int a = 0; a < 3; a++)
			d2s += (q[a] - t->obs_pt[j][a]) * (q[a] - t->obs_pt[j][a]);
		if (!(d2s <= lim * lim))
			continue;
		if (!t->trk_pred_ok[i]) {
			if (predict_to_scan(t, k, hb, ts, &t->pred[i]) < 0)
				return -EDOM;
			t->trk_pred_ok[i] = 1;
		}
		if (!track_imm_pruned(&t->pred[i]))
			continue;
		struct track_imm_cfg cbuf;
		double d2;
		if (track_imm_revival_gates(&hb->post, dt, hist_cfg(t, k, hb, &cbuf), &t->pred[i],
		                            &t->meas[j], t->gate[t->meas[j].nz], &d2) == 1 &&
		    d2 < best_d2) {
			best = (int)i;
			best_d2 = d2;
		}
	}
	if (best < 0)
		return 0;
	struct trk *k = t->trk[best];
	struct track_zpred zp[TRACK_N_MODES];
	if (track_imm_zpredict(&t->pred[best], &t->meas[j], zp, NULL) < 0)
		return 0;
	if (apply_update(t, k, t->trk_base[best], 1, &t->pred[best], zp, &t->meas[j], ts,
	                 t->pend[j].truth_id) < 0)
		return 0;
	t->trk_hit[best] = 1;
	t->obs_assigned[j] = best;
	t->ctr.revived++;
	return 1;
}

static int process_scan(struct track_tracker *t)
{
	const size_t no = t->n_pend;
	if (!no)
		return 0;
	t->n_pend = 0;
	t->ctr.scans++;
	const mw_time_ns ts = t->pend[0].t_ns;
	if (ts > t->now_ns)
		t->now_ns = ts;
	drop_stale(t);
	int n_radar = 0;
	const struct track_meas *prev_meas = NULL; /* reuse its ENU rotation */
	for (size_t j = 0; j < no; j++) {
		t->obs_assigned[j] = -1;
		t->col_map[j] = -1;
		t->meas_ok[j] = 0;
		if (track_meas_prepare_near(&t->pend[j], prev_meas, &t->meas[j]) < 0) {
			t->ctr.obs_rejected++;
			continue;
		}
		prev_meas = &t->meas[j];
		t->meas_ok[j] = 1;
		obs_geometry(t, j);
		if (t->meas_ok[j] && t->meas[j].kind == MW_OBS_RADAR)
			t->obs_order[n_radar++] = (int)j;
	}
	if (n_radar)
		sort_obs_x(t->obs_order, t->obs_tmp, n_radar, (const double(*)[3])t->obs_pt);
	for (int c = 0; c < n_radar; c++)
		t->obs_xs[c] = t->obs_pt[t->obs_order[c]][0];
	/* Line-of-sight observations after the radar ones. */
	int n_los = 0;
	double max_obs_sig = 0.0;
	/* The radar plots' sensor position (a scan is one sensor at one
	 * time; NULL if its plots disagree: then no curvature bound, ut_sigma
	 * infinite, every plot a candidate) for ut_sigma. */
	const double *scan_sensor = NULL;
	int sensor_agree = 1;
	for (size_t j = 0; j < no; j++) {
		if (!t->meas_ok[j])
			continue;
		if (t->meas[j].kind != MW_OBS_RADAR) {
			t->obs_order[n_radar + n_los++] = (int)j;
			continue;
		}
		if (t->obs_sig_m[j] > max_obs_sig)
			max_obs_sig = t->obs_sig_m[j];
		if (!scan_sensor)
			scan_sensor = t->pend[j].sensor_ecef_m;
		else if (memcmp(scan_sensor, t->pend[j].sensor_ecef_m, 3 * sizeof(double)) != 0)
			sensor_agree = 0;
	}
	if (!sensor_agree)
		scan_sensor = NULL;

	/* Gating. */
	t->n_pairs = 0;
	for (size_t i = 0; i < t->n_trk; i++) {
		struct trk *k = t->trk[i];
		t->trk_pred_ok[i] = 0;
		int b = base_index(k, ts);
		t->trk_base[i] = b;
		if (b < 0)
			continue;
		const struct hist *hb = HAT(k, b);
		const int brute = t->cfg.brute_gate;
		double q[3], sig_q, slack, dt;
		int lcg = !brute && lc_pregate(k, b, ts, q, &sig_q, &slack, &dt);
		if (!lcg) {
			dt = ns_to_s(ts - hb->t_ns); /* >= 0: base_index */
			cv_sphere(hb, dt, q, &sig_q, &slack);
		}
		/* The unscented curvature term at the track's range from the
		 * scan's radar (ut_sigma). */
		double su = 0.0;
		if (n_radar && !brute) {
			double r2 = 0.0;
			if (scan_sensor)
				for (int a = 0; a < 3; a++)
					r2 += (q[a] - scan_sensor[a]) * (q[a] - scan_sensor[a]);
			su = scan_sensor ? ut_sigma(sig_q, sqrt(r2)) : INFINITY;
		}
		/* Radar candidates: x window, then the full test. */
		int lo = 0, hi = n_radar;
		double lim2_all = INFINITY; /* pregate_ok's bound over the scan */
		if (n_radar && !brute) {
			double lim = PREGATE_SIGMAS *
			                 sqrt(sig_q * sig_q + max_obs_sig * max_obs_sig + su * su) +
			             slack;
			if (slack >= 0.0) /* every lim >= 0: their squares are monotone too */
				lim2_all = lim * lim;
			int a = 0, z = n_radar;
			while (a < z) {
				int mid = (a + z) / 2;
				if (t->obs_xs[mid] < q[0] - lim)
					a = mid + 1;
				else
					z = mid;
			}
			lo = a;
			/* The window's end by a linear scan (it holds a plot or
			 * two): the first x > q[0] + lim, as a binary search
			 * would find it (obs_xs is sorted). */
			const double xhi = q[0] + lim;
			while (a < n_radar && t->obs_xs[a] <= xhi)
				a++;
			hi = a;
		}
		/* Wide tracks: the ellipsoid test after the sphere (radar). */
		struct pregate_ell ell = {.ok = 0};
		int fine = !brute && n_radar && sig_q > PREGATE_FINE_M;
		if (fine) {
			double C6[6][6];
			if (lcg)
				lc_cov6(k, C6);
			else
				mixture_pv(&hb->post, hist_mx(hb), C6);
			double a2 = PREGATE_SIGMAS * PREGATE_SIGMAS;
			for (int nz = 3; nz <= TRACK_NZ_MAX; nz++)
				if (t->gate[nz] > a2)
					a2 = t->gate[nz];
			a2 *= PREGATE_FINE_MARGIN * PREGATE_FINE_MARGIN;
			pregate_ell_init(&ell, C6, dt, sqrt(max_obs_sig * max_obs_sig + su * su),
			                 slack, a2);
		}
		int have_pred = 0;
		for (size_t pass = 0; pass < 2; pass++) {
			size_t cnt = pass == 0 ? (size_t)(hi - lo) : (size_t)n_los;
			for (size_t c = 0; c < cnt; c++) {
				size_t j =
				    (size_t)
				        t->obs_order[pass == 0 ? lo + (int)c : n_radar + (int)c];
				if (!brute &&
				    !(pass == 0 ? pregate_radar(t, j, q, sig_q, su, slack, lim2_all)
				                : pregate_ok(t, j, q, sig_q, su, slack, lim2_all)))
					continue;
				if (fine && pass == 0 && !pregate_ell_in(&ell, q, t->obs_pt[j]))
					continue;
				if (!have_pred) {
					if (predict_to_scan(t, k, hb, ts, &t->pred[i]) < 0) {
						t->ctr.update_failures++;
						goto next_track;
					}
					have_pred = 1;
					t->trk_pred_ok[i] = 1;
					t->trk_miss[i] = NAN;
				}
				/* Predicted straight into the next pair's slot
				 * where there is one (add_pair then copies
				 * nothing: ~2.4 kB per pair). */
				struct track_zpred zbuf[TRACK_N_MODES];
				struct track_zpred *zp =
				    t->n_pairs < t->cap_pairs ? t->pairs[t->n_pairs].zp : zbuf;
				struct track_imm_gate gt;
				if (track_imm_zpredict(&t->pred[i], &t->meas[j], zp, &gt) < 0)
					continue;
				int nz = t->meas[j].nz;
				if (isnan(t->trk_miss[i]))
					t->trk_miss[i] = t->gate[nz] + gt.logdet;
				/* A long-coasting track: its ballistic model's gate
				 * alone (lc_pregate), and no plume (imm.h,
				 * TRACK_PLUME_COAST_P). */
				if (k->long_coast && (t->meas[j].plumes_only ||
				                      ballistic_d2(&zp[TRACK_MODE_BALLISTIC],
				                                   &t->meas[j], &gt.d2) < 0))
					continue;
				if (gt.d2 <= t->gate[nz]) {
					double cost = gt.cost;
					if (boost_window(k, hb->t_ns))
						cost = track_imm_cost_boost_floor(
						    zp, &t->meas[j], BOOST_WINDOW_MU_MIN, cost);
					int rc = add_pair(t, (int)i, (int)j, cost, zp);
					if (rc < 0)
						return rc;
				}
			}
		}
	next_track:;
	}
	t->ctr.gated_pairs += t->n_pairs;

	/* Clusters: confirmed tracks first, then tentative tracks with the
	 * observations left (stage_pair). */
	for (size_t j = 0; j < no; j++) {
		t->obs_tent[j] = INFINITY;
		t->obs_firm[j] = 0;
	}
	for (size_t p = 0; p < t->n_pairs; p++) {
		const struct pair *q = &t->pairs[p];
		if (t->trk[q->trk]->state == TRACK_CONFIRMED)
			t->obs_firm[q->obs] = 1;
		else if (q->cost < t->obs_tent[q->obs])
			t->obs_tent[q->obs] = q->cost;
	}
	for (int stage = 0; stage < 2; stage++) {
		int rc = assign_stage(t, no, stage);
		if (rc == -ENOMEM)
			return rc;
	}

	/* Updates, in track order. */
	for (size_t j = 0; j < no; j++) {
		int i = t->obs_assigned[j];
		if (i < 0)
			continue;
		struct trk *k = t->trk[i];
		int b = t->trk_base[i];
		int late = b != k->h_count - 1;
		if (apply_update(t, k, b, !ray_no_evidence(t, k, (int)j), &t->pred[i],
		                 t->pairs[t->obs_pair[j]].zp, &t->meas[j], ts,
		                 t->pend[j].truth_id) == 0 &&
		    late)
			t->ctr.obs_late++;
	}

	/* Initiation. */
	for (size_t i = 0; i < t->n_trk; i++)
		t->trk_hit[i] = 0;
	for (size_t j = 0; j < no; j++)
		if (t->obs_assigned[j] >= 0)
			t->trk_hit[t->obs_assigned[j]] = 1;
	t->n_hit = t->n_trk;
	if (!(ns_to_s(t->now_ns - ts) > t->cfg.max_init_lag_s))
		init_suppress(t, n_radar, max_obs_sig, ts);
	int n_los_new = 0;
	for (size_t j = 0; j < no; j++) {
		if (!t->meas_ok[j] || t->obs_assigned[j] >= 0)
			continue;
		if (ns_to_s(t->now_ns - ts) > t->cfg.max_init_lag_s) {
			t->ctr.obs_too_late++;
			continue;
		}
		if (t->meas[j].kind != MW_OBS_RADAR) {
			if (los_suppressed(t, j, ts)) {
				t->ctr.init_suppressed++;
				continue;
			}
			t->obs_order[n_los_new++] = (int)j; /* radar order no longer needed */
			continue;
		}
		if (t->obs_supp[j]) {
			t->ctr.init_suppressed++;
			continue;
		}
		if (revival_claims(t, j, ts, max_obs_sig) > 0)
			continue;
		int rc = start_radar_track(t, &t->pend[j], &t->meas[j]);
		if (rc == -ENOMEM)
			return rc;
	}
	int rc = los_initiation(t, t->obs_order, n_los_new);
	if (rc < 0)
		return rc;
	manage(t);
	return 0;
}

int track_tracker_flush(struct track_tracker *t)
{
	return process_scan(t);
}

static int same_scan(const struct mw_obs *a, const struct mw_obs *b)
{
	return a->t_ns == b->t_ns && a->sensor_id == b->sensor_id && a->kind == b->kind &&
	       memcmp(a->nation, b->nation, MW_NATION_LEN) == 0;
}

int track_tracker_process(struct track_tracker *t, const struct mw_obs *obs)
{
	t->ctr.obs_in++;
	if (t->n_pend && !same_scan(&t->pend[0], obs)) {
		int rc = process_scan(t);
		if (rc < 0)
			return rc;
	}
	if (t->n_pend == t->cfg.max_scan_obs) {
		t->ctr.obs_rejected++;
		return -ENOSPC;
	}
	t->pend[t->n_pend++] = *obs;
	return 0;
}

int track_tracker_predict(const struct track_tracker *t, size_t i, mw_time_ns t_ns,
                          struct track_imm *out)
{
	if (i >= t->n_trk)
		return -ENOENT;
	const struct trk *k = t->trk[i];
	const struct hist *h = HAT(k, k->h_count - 1);
	struct track_imm_cfg cbuf;
	return track_imm_predict(&h->post, ns_to_s(t_ns - h->t_ns), hist_cfg(t, k, h, &cbuf), out);
}
