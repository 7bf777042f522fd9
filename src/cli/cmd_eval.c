/*
 * cli/cmd_eval.c - `mwlink eval SCENARIO --runs N [--json FILE]`:
 * Monte Carlo evaluation of the tracker against the simulator's truth.
 *
 * For each run r (seed = the scenario's seed + r, or --seed + r) the
 * simulator (sim/sim.h) produces truth samples and observations in time
 * order; every observation goes to a fresh tracker (track/tracker.h).
 * Every --step seconds of scenario time each flying object is scored:
 *
 *   - the confirmed track that claims it (the track whose last
 *     observation came from it; with several, the one with the most
 *     updates) is compared with the truth at the scoring time t, by
 *     its published estimate predicted from its last update to t
 *     (est_at, track_info_est_at: the tracker's own IMM prediction, so a
 *     boost track's carries the chance of a burnout since its last
 *     update; what a user of the track sees at t; a coasting track is
 *     scored where it is said to be now, not by its last estimate
 *     repeated in every bin): position and velocity error, NEES of
 *     (r, v) (6 dof) and of each alone (3 dof);
 *   - impact prediction (track_info_predict): miss distance to the true
 *     impact point, whether the true impact lies inside the predicted 95%
 *     ellipse, impact time error and its predicted sigma; launch point
 *     and time error likewise;
 *   - the posterior Cramer-Rao bound for the same run (track/bound.h,
 *     predicted to t like the estimate): an information
 *     recursion J+ = (Phi J^-1 Phi^T + Q)^-1 + H^T R^-1 H along the TRUE
 *     trajectory over the measurements of that object the run actually
 *     produced (Jacobians by central differences of the model and the
 *     measurement functions at the truth; association known, so no
 *     clutter information-reduction factor) on the state (r, v, k) with
 *     the true k of the object's class, started at the object's first
 *     radar observation with the tracker's own prior (velocity and k),
 *     with the filter's process noise: the ballistic model's q and
 *     density-scaled q_k while the truth coasts, the boost model's q
 *     while it thrusts; its position bound and its impact-point bound
 *     (the unscented impact transform of the true state with the bound
 *     covariance), and the impact bound conditioned on k (k known).
 *
 * Samples are binned by time since the object's launch (bin = step), one
 * sample per (run, object, bin), so a bin's ANEES over its n samples has
 * the two-sided 95% acceptance region [chi2(0.025, 6n), chi2(0.975, 6n)]/n
 * (samples of different runs and objects are independent). ANEES is
 * reported for all samples and for midcourse samples (truth phase).
 * GOSPA (p = 2, c = 10 km, alpha = 2) between confirmed tracks and flying
 * objects is averaged per bin of scenario time. Times to first confirmed
 * track and first impact prediction are measured from the object's first
 * observation (confirmation exactly; prediction at --step resolution).
 * A track break is a new track number claiming an object that is not
 * linked (track_info.prev_id) to a number that claimed it before; linked
 * numbers (burnout hand-over) are counted apart. A swap is a change of
 * the object a track number claims between two scoring times. A
 * duplicate is an (object, scoring time) claimed by more than one
 * confirmed track. Impact samples of objects 60 s or more past their
 * own burnout are also summed apart (the acceptance criterion per
 * object in scenarios that mix classes).
 *
 * Impact consistency (JSON only): after burnout, the true impact's squared
 * Mahalanobis distance d2 under the predicted East-North covariance (2 dof,
 * mean 2 when the ellipse is right) and its along- and cross-track parts
 * (error along / across the horizontal direction away from the launch
 * point over the predicted variance in that direction, 1 each) per bin
 * (impact_d2_*_after_burnout); and per run (impact_d2_runs) the same
 * from 60 s after burnout and over the coasting samples alone. A coast
 * without observations repeats one published prediction in every bin,
 * so its bins are one draw per run: a bootstrap over runs
 * (scripts/impact-d2) tells sampling noise from a real misstatement.
 *
 * Diagnosis (--rtn FILE, opt-in; nothing else changes): one JSON line per
 * scored sample with the object (id, class), whether the truth is in
 * midcourse (mid), the drag parameter (k, sigma_k and the run's true k),
 * the state error and the filter's and the bound's
 * (r, v) covariance in the truth's radial / along / cross-plane frame,
 * the truth's unit velocity in that frame (uv),
 * and the impact's along/cross-track normalised errors (docs/tracking.md
 * "ICBM cross-track (session 7)"); after burnout with an impact
 * prediction also in95 (inside the 95% ellipse, as the coverage counts)
 * and its d2 (scripts/track-accept --bootstrap). --plots FILE (opt-in): each object
 * plot's fate - which track took it, its noise and gate statistics
 * (plot_fate below). --feed-class CLASS (opt-in): the tracker is fed only
 * that class's plots and the false alarms, the simulator's draws
 * unchanged, so the class's tracks can be compared sample by sample with
 * the full run's (docs/tracking.md "Own plots lost (session 11, branch
 * mixmrbm)"). --start-after-burnout S (opt-in): each object's plots reach
 * the tracker and the bound only from S seconds after its burnout, so its
 * tracks start in midcourse and carry nothing of the boost phase
 * (docs/tracking.md "Started after burnout (session 18)").
 *
 * Output: a table on stdout and, with --json FILE, the same as JSON.
 * Exit 0 when the evaluation ran (whatever the figures), 1 if it failed,
 * 2 on bad usage.
 */
#include <ctype.h>
#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "cli/cli.h"
#include "cli/eval_meas.h"
#include "core/err.h"
#include "core/log.h"
#include "core/time.h"
#include "geo/geo.h"
#include "mat/mat.h"
#include "sim/flight.h"
#include "sim/scenario.h"
#include "sim/sim.h"
#include "track/bound.h"
#include "track/meas.h"
#include "track/model.h"
#include "track/predict.h"
#include "track/stats.h"
#include "track/tracker.h"

#define GOSPA_C_M 10000.0
#define MAX_BINS  1024
#define NB        6 /* NEES state: r, v */
#define NP        7 /* PCRLB state: r, v, k (the drag parameter, as the filter) */

struct bin {
	int n, n_mid;
	double pos2, vel2, nees, nees_mid, pcrlb_pos2;
	int n_pcrlb;
	int n_imp, n_cover, n_imp_post, n_cover_post;
	double imp2, imp_pcrlb2, imp_pcrlb_kk2, dt_imp2, sig_t2;
	int n_imp_pcrlb;
	int n_launch;
	double launch2, launch_dt2;
	/* launch ellipse coverage, time bias, predicted time sigma, time in +-1.96 sigma */
	int n_lcover, n_ltcover;
	double launch_dt, launch_sig2, launch_axis2;
	/* launch consistency: squared Mahalanobis distance of the true pad
	 * (2 dof), and the squared errors along the ellipse's major and
	 * minor axes, raw (m^2) and over their predicted variances */
	double launch_d2, launch_emaj2, launch_emin2, launch_zmaj2, launch_zmin2;
	double gospa;
	int n_gospa;
	/* samples from tracks in a coast (no update for coast_max_s): their
	 * state is a prediction over the coast, scored at the bin time */
	int n_coast;
	double nees_coast;
	double nees_r, nees_v; /* NEES of position and of velocity alone (3 dof each) */
	/* impact samples of objects 60 s or more past burnout (the issue's
	 * "after 60 s of midcourse", per object whatever its class) that
	 * have a bound: squared miss and bound */
	int n_crit;
	double crit_imp2, crit_pcrlb2;
	/* midcourse samples split (docs/tracking.md "SRBM burnout and
	 * re-entry"): position and velocity NEES; those whose track still
	 * held the boost mode likelier at its last update (mu_boost >= 0.5:
	 * a prediction from data that cannot show the burnout yet); the drag
	 * parameter's squared error over its variance against the run's own
	 * RV, its sigma, and how many had a sigma point of k below zero */
	double nees_mid_r, nees_mid_v;
	int n_mid_bm;
	double nees_mid_bm;
	int n_mid_k, n_mid_kneg;
	double k_nees_mid, k_sig_mid;
	/* impact consistency after burnout: the true impact's squared
	 * Mahalanobis distance under the predicted 2x2 East-North covariance
	 * (2 dof: mean 2 when consistent), its square (for the spread), and
	 * the squared error along and across the track over the predicted
	 * variance in that direction (1 each) */
	int n_imp_d2;
	double imp_d2, imp_d2sq, imp_d2_along, imp_d2_cross;
};

/* Impact consistency of one run, over the samples of objects 60 s or
 * more past burnout (as n_crit): per-run figures for a bootstrap over
 * runs (the bins of one run are one draw, not independent). */
struct run_d2 {
	uint64_t seed;
	int n, n_out95;
	double d2, d2_along, d2_cross;
	int n_coast; /* of those, samples of a coasting track (no update for coast_max_s) */
	double d2_coast;
};

/* Per launched object over all runs (JSON "launches"): which objects
 * miss. Samples after burnout: impact coverage and d2; those of them
 * whose track took a clutter plot or another object's plot (track_info
 * n_upd_clutter, n_upd_switch: "impure"); midcourse NEES; and the coast
 * draws (struct coast_draw) of the object. */
struct obj_acc {
	uint32_t id;
	char name[32];
	char cls[16];
	int n_post, n_cover_post, n_d2;
	double d2;
	int n_impure, n_cover_impure;
	int n_mid;
	double nees_mid;
	int n_cd, n_cd_in;
	double cd_d2;
};

/* One coast draw: the impact prediction of an object's track when it
 * enters a coast (no update for coast_max_s) after burnout. A coast
 * repeats that one prediction in every bin until the next update, so
 * these, not the bins, are the independent samples of a coast. */
struct coast_draw {
	uint64_t seed;
	uint32_t id;
	double t_update_s;  /* the track's last update, seconds since launch */
	double t_burnout_s; /* the object's burnout, seconds since launch */
	double d2, d2_along, d2_cross;
	int inside;
	uint32_t n_updates, n_upd_clutter, n_upd_switch;
	double sigma_major_m, miss_m;
	/* the state's consistency at the coast's first scoring time: NEES
	 * of (r, v) (6 dof) and of r and v alone (3 each), and the drag
	 * parameter's error over its sigma against the run's own RV */
	double nees, nees_r, nees_v, k_z;
	/* the predicted ellipse's major axis and the miss vector, degrees
	 * from the along-track direction (counter-clockwise; the axis in
	 * (-90, 90]), and the minor semi-axis over the major */
	double major_deg, miss_deg, axis_ratio;
};

struct obj_run {
	int in_coast; /* the track claiming it was coasting at the last scoring time */
	mw_time_ns first_obs_ns;
	mw_time_ns confirm_ns;    /* first confirmed track's confirmation time */
	mw_time_ns first_pred_ns; /* first scoring time with an impact prediction */
	uint32_t track_ids[32];
	int n_track_ids;
	int breaks, handovers;
	struct track_bound pb;
	double last_nees_bin; /* unused */
	/* scored_launch: the launch estimate of a track with no basis of the tracker's */
	uint32_t lbal_track;
	int has_lbal;
	struct track_lbal_sched lbal;
	struct track_point_pred lbal_pred;
};

struct claim {
	uint32_t track_id;
	uint32_t truth_id;
};

struct eval {
	int runs;
	double step_s;
	uint64_t seed;
	int seed_set;
	const char *json_path;
	const char *scenario;
	uint32_t trace_id;          /* --trace: an object whose association is printed */
	char nation[MW_NATION_LEN]; /* --nation: only this nation's sensors ("" = all) */
	char feed_class[16];        /* --feed-class: only this class's plots and false alarms */
	char beta_prior_arg[128];   /* the --beta-prior arguments as given ("" = default) */
	int q_ballistic_set;        /* --q-ballistic given (diagnosis) */
	int q_boost_set;            /* --q-boost given (diagnosis) */
	int burnout_allow_set;      /* --burnout-allow given (diagnosis) */
	int bound_thrust;           /* --bound-thrust: struct track_bound's thrust_mode */
	double boost_tau_s;         /* --boost-tau: constant burnout hazard (s), 0 = not given */
	int q_at_set;               /* --q-at given (diagnosis) */
	int score_boost_mode;       /* --score-boost-mode (diagnosis) */
	int boost_adapt_set;        /* --boost-adapt given (diagnosis) */
	int grav_err;               /* --grav-err (enum track_grav_err), or -1: from the scenario */
	/* --start-after-burnout: plots from each object's burnout + S on; < 0: all */
	double start_after_burnout_s;
	struct track_config tcfg;
	struct bin bins[MAX_BINS];
	struct bin gbins[MAX_BINS];
	/* summary */
	int n_objects_total, n_confirmed, n_predicted;
	double confirm_lat_sum, pred_lat_sum;
	int breaks, swaps, handovers;
	int dup_samples; /* (object, scoring time) pairs claimed by more than one confirmed track */
	double launch2;
	int n_launch_final;
	struct run_d2 *rd2; /* [runs] */
	int cur_run;
	FILE *rtn; /* --rtn FILE: per-sample errors and covariances in the truth's RTN frame */
	struct obj_acc *oacc; /* [n_oacc], by the simulator's object index */
	size_t n_oacc;
	struct coast_draw *cd;
	size_t n_cd, cap_cd;
	FILE *meas_audit_f; /* --meas-audit FILE (cli/eval_meas.h), opened at parse */
	struct meas_audit *ma;
	FILE *plots;         /* --plots FILE: each object plot's fate (plot_fate below) */
	struct mw_obs *pend; /* the tracker's pending scan, mirrored */
	size_t n_pend, cap_pend;
	struct track_info *snap; /* the tracks before that scan is processed */
	size_t n_snap, cap_snap;
	uint64_t cur_seed;
};

/* A diagnosis output file of option opt (--rtn, --plots, --meas-audit):
 * opened for writing in *f (a file the option named before is closed);
 * 0, or -1 with the reason on stderr. */
static int open_out(const char *opt, const char *fn, FILE **f)
{
	if (*f)
		fclose(*f);
	*f = fopen(fn, "w");
	if (!*f) {
		fprintf(stderr, "mwlink eval: %s: cannot write '%s': %s\n", opt, fn,
		        strerror(errno));
		return -1;
	}
	return 0;
}

static void eval_usage(FILE *f)
{
	fprintf(f, "usage: mwlink eval SCENARIO [--runs N] [--step S] [--seed N] [--json FILE]\n"
	           "                   [--gate-prob P] [--trace ID] [--nation CODE] [--rtn FILE]\n"
	           "                   [--grav-err none|j3j4|egm96] [--beta-prior CLASS=LO:HI]\n"
	           "                   [--q-ballistic Q] [--q-boost Q] [--meas-audit FILE]\n"
	           "                   [--plots FILE] [--feed-class CLASS]\n"
	           "                   [--burnout-allow on|off|mean] [--boost-tau S] [--q-at Q]\n"
	           "                   [--start-after-burnout S] [--bound-thrust est|known]\n"
	           "                   [--score-boost-mode] [--boost-adapt off|on|pitch]\n"
	           "  Monte Carlo runs of simulator -> tracker, scored against truth:\n"
	           "  RMSE, ANEES with 95%% chi-square bounds, impact error and ellipse\n"
	           "  coverage, PCRLB, launch error, latencies, breaks, swaps, GOSPA.\n"
	           "  --runs N    number of runs (default 10), seeds scenario seed + 0..N-1\n"
	           "  --step S    scoring interval and bin width in seconds (default 10)\n"
	           "  --seed N    base seed instead of the scenario's\n"
	           "  --json FILE write the results as JSON too\n"
	           "  --rtn FILE  write one JSON line per scored sample: the state error,\n"
	           "              the filter's and the bound's (r, v) covariance in the\n"
	           "              truth's radial/along/cross-plane frame (diagnosis)\n"
	           "  --meas-audit FILE  write per sensor kind, flight phase, elevation\n"
	           "              and range band the observations' errors against the\n"
	           "              truth and the filter's innovations, normalised by the\n"
	           "              stated R and the filter's S (diagnosis, cli/eval_meas.c)\n"
	           "  --plots FILE  write one JSON line per plot of an object with a\n"
	           "              confirmed track: its noise against R, its gate statistics\n"
	           "              against that track and which track took it (diagnosis)\n"
	           "  --feed-class CLASS  feed the tracker only the plots of objects of\n"
	           "              that class (and the false alarms): the same draws without\n"
	           "              the other objects' plots; the others are scored untracked\n"
	           "              (diagnosis)\n"
	           "  --gate-prob P  the tracker's gate probability instead of the default\n"
	           "  --q-ballistic Q  the ballistic mode's white acceleration q (m^2/s^3)\n"
	           "              instead of the default (diagnosis)\n"
	           "  --q-boost Q  the boost mode's isotropic white acceleration q (m^2/s^3)\n"
	           "              instead of the default; its thrust walk and steering\n"
	           "              error are kept (diagnosis)\n"
	           "  --burnout-allow on|off|mean  the non-thrusting model's allowance for a\n"
	           "              burnout inside the interval: in full (default), left out,\n"
	           "              or its mean shift alone (diagnosis)\n"
	           "  --boost-tau S  a constant mean time to burnout S (s) instead of the\n"
	           "              hazard from the thrust (diagnosis)\n");
	fprintf(f, "  --q-at Q  the boost mode's thrust walk q_at (m^2/s^5) instead of the\n"
	           "              default (diagnosis)\n"
	           "  --bound-thrust est|known  the PCRLB while the truth thrusts: the\n"
	           "              thrust's size a state with the tracker's prior and walk,\n"
	           "              as the filter's (default), or known, only the boost\n"
	           "              model's white noise added (track/bound.h)\n"
	           "  --start-after-burnout S  feed the tracker (and the bound) each\n"
	           "              object's plots only from S seconds after its burnout on:\n"
	           "              tracks start in midcourse, without the boost phase\n"
	           "              (diagnosis)\n"
	           "  --score-boost-mode  score a track whose boost probability is above 0.5\n"
	           "              by its thrusting mode's own prediction, not the published\n"
	           "              mixture (diagnosis)\n"
	           "  --boost-adapt off|on|pitch  the boost mode's white acceleration (on),\n"
	           "              and its pitch sigma too (pitch), from each track's own\n"
	           "              estimate of its held lateral thrust; off: the default\n"
	           "              (diagnosis; --rtn then carries the estimate and the\n"
	           "              truth's lateral thrust)\n"
	           "  --beta-prior CLASS=LO:HI  the drag prior of a threat class (SRBM, MRBM,\n"
	           "              IRBM, ICBM) as a beta range in kg/m^2, the central 95%%\n"
	           "              of a lognormal; CLASS=flat: none (diagnosis)\n"
	           "  --trace ID  print on stderr the tracker's log and, for every\n"
	           "              observation of object ID, the gate statistics of the\n"
	           "              tracks near it as they stand before its scan (and\n"
	           "              any scan still buffered) is processed (diagnosis)\n"
	           "  --nation CODE  feed the tracker (and the bound) only the observations\n"
	           "              of that nation's sensors (KOR, USA, JPN...), as a node's\n"
	           "              national tracker sees them\n"
	           "  --grav-err G   the gravity-model error the tracker states (none,\n"
	           "              j3j4, egm96); default: matched to the scenario's truth\n"
	           "              (none for \"truth_gravity\": \"j2\", j3j4 for \"j4\")\n");
}

/* The true pad's error along the launch ellipse's major and minor axes
 * (East-North plane of the predicted point), raw and over the axes'
 * predicted variances, added to bn. */
static void launch_axes(const struct track_point_pred *lp, const double lecef[3], struct bin *bn)
{
	double enu[3];
	geo_ecef_to_enu(&lp->lla, lecef, enu);
	/* major axis direction: orient clockwise from north -> (east, north) */
	double ue = sin(lp->orient_rad), un = cos(lp->orient_rad);
	double emaj = enu[0] * ue + enu[1] * un, emin = -enu[0] * un + enu[1] * ue;
	const double *C = lp->cov_en_m2;
	double vmaj = ue * ue * C[0] + 2 * ue * un * C[1] + un * un * C[3];
	double vmin = un * un * C[0] - 2 * ue * un * C[1] + ue * ue * C[3];
	bn->launch_emaj2 += emaj * emaj;
	bn->launch_emin2 += emin * emin;
	if (vmaj > 0.0)
		bn->launch_zmaj2 += emaj * emaj / vmaj;
	if (vmin > 0.0)
		bn->launch_zmin2 += emin * emin / vmin;
}

/* The true impact's error along and across the track (the horizontal
 * direction away from the launch point, at the predicted impact) over
 * the predicted variances in those directions. */
static void impact_track_axes(const struct track_point_pred *ip, const double imp_ecef[3],
                              const double launch_ecef[3], double *z2_along, double *z2_cross)
{
	double enu[3], le[3];
	geo_ecef_to_enu(&ip->lla, imp_ecef, enu);
	geo_ecef_to_enu(&ip->lla, launch_ecef, le);
	double nl = hypot(le[0], le[1]);
	double ue = nl > 0 ? -le[0] / nl : 0.0, un = nl > 0 ? -le[1] / nl : 1.0;
	double ea = enu[0] * ue + enu[1] * un, ec = -enu[0] * un + enu[1] * ue;
	const double *C = ip->cov_en_m2;
	double va = ue * ue * C[0] + 2 * ue * un * C[1] + un * un * C[3];
	double vc = un * un * C[0] - 2 * ue * un * C[1] + ue * ue * C[3];
	*z2_along = va > 0.0 ? ea * ea / va : NAN;
	*z2_cross = vc > 0.0 ? ec * ec / vc : NAN;
}

static double dist3(const double *a, const double *b)
{
	double s = 0;
	for (int i = 0; i < 3; i++)
		s += (a[i] - b[i]) * (a[i] - b[i]);
	return sqrt(s);
}

/* ---- one run ---- */

/* The object's true drag parameter k = 1/(beta TRACK_THETA_UNIT) from the
 * RV this run flew (the coast beta; NAN-free: 0 if none). */
static double true_k(const struct sim_object_info *oi)
{
	if (!(oi->beta_kg_m2 > 0))
		return 0.0;
	return 1.0 / (oi->beta_kg_m2 * TRACK_THETA_UNIT);
}

/* The drag parameter of a midcourse sample against the run's own RV
 * (kt > 0): (k - kt)^2 / P_kk, sigma_k, and whether the unscented
 * transform's sigma points of this estimate (ukf.c: x +- sqrt(n) L's
 * columns, L the Cholesky factor of P) reach k < 0. */
static void mid_k_stats(struct bin *bn, const struct track_gauss *gs, double kt)
{
	double pkk = gs->P[TRACK_IX_K * TRACK_NX + TRACK_IX_K];
	if (!(kt > 0.0) || !(pkk > 0.0))
		return;
	double L[TRACK_NX * TRACK_NX], e = gs->x[TRACK_IX_K] - kt;
	if (mat_cholesky(L, gs->P, TRACK_NX) < 0)
		return;
	double lmax = 0.0;
	for (int j = 0; j < TRACK_NX; j++)
		lmax = fmax(lmax, fabs(L[TRACK_IX_K * TRACK_NX + j]));
	bn->n_mid_k++;
	bn->k_nees_mid += e * e / pkk;
	bn->k_sig_mid += sqrt(pkk);
	bn->n_mid_kneg += gs->x[TRACK_IX_K] - sqrt((double)TRACK_NX) * lmax < 0.0;
}

/* --grav-err names, indexed by enum track_grav_err (track/model.h). */
static const char *const grav_err_names[3] = {[TRACK_GRAV_ERR_NONE] = "none",
                                              [TRACK_GRAV_ERR_J3J4] = "j3j4",
                                              [TRACK_GRAV_ERR_EGM96] = "egm96"};

static int find_obj(const struct sim *s, uint32_t id)
{
	for (size_t i = 0; i < sim_object_count(s); i++)
		if (sim_object(s, i)->id == id)
			return (int)i;
	return -1;
}

static int claim_truth(struct claim **cl, size_t *n, size_t *cap, uint32_t track_id,
                       uint32_t truth_id)
{
	for (size_t i = 0; i < *n; i++)
		if ((*cl)[i].track_id == track_id) {
			int changed = (*cl)[i].truth_id != truth_id;
			(*cl)[i].truth_id = truth_id;
			return changed;
		}
	if (*n == *cap) {
		size_t nc = *cap ? 2 * *cap : 64;
		struct claim *p = realloc(*cl, nc * sizeof(*p));
		if (!p)
			return -ENOMEM;
		*cl = p;
		*cap = nc;
	}
	(*cl)[(*n)++] = (struct claim){track_id, truth_id};
	return 0;
}

/*
 * A track's estimate at t_ns (>= its last update), as a user of the
 * published track sees it: the published estimate (the moment-matched
 * IMM posterior) predicted by the unscented filter with the model of its
 * more probable mode - the thrusting one while the track is in boost,
 * else the ballistic one, the same forward model its impact prediction
 * uses. Not the IMM's own mixture prediction: over a long coast its
 * boost mode (probability ~coast / tau_ballistic_s, a re-ignition
 * hypothesis extrapolating a thrust prior) is thousands of km wide, and
 * moment-matching it into one Gaussian gives a covariance no user would
 * be shown (ICBM, 3 runs: ANEES 0.04 after 2,500 s of coast against
 * 4.6 at 410 s).
 */
static int est_at(const struct track_info *k, const struct track_config *tc, int boost_mode,
                  mw_time_ns t_ns, struct track_gauss *out)
{
	if (boost_mode && k->imm.mu[TRACK_MODE_BOOST] > 0.5) {
		/* --score-boost-mode (diagnosis): the thrusting mode alone */
		double dt = (double)(t_ns - k->t_ns) * 1e-9;
		if (!(dt > 0.0)) {
			*out = k->imm.m[TRACK_MODE_BOOST];
			return 0;
		}
		return track_imm_predict_mode(&k->imm, dt, &tc->imm, TRACK_MODE_BOOST, out);
	}
	return track_info_est_at(k, &tc->imm, t_ns, out);
}

/*
 * --rtn FILE (diagnosis, docs/tracking.md "ICBM cross-track (session 7)"):
 * one JSON line per scored sample with the state error, the filter's
 * covariance and the bound's covariance of (r, v) rotated into the
 * truth's local frame - radial R = r/|r|, cross-plane N = r x v/|r x v|,
 * along T = N x R (position rows 0-2, velocity rows 3-5) - and the
 * impact's along/cross-track normalised errors when predicted.
 */
static void rtn_rot(const double r[3], const double v[3], double M[3][3])
{
	double n[3] = {r[1] * v[2] - r[2] * v[1], r[2] * v[0] - r[0] * v[2],
	               r[0] * v[1] - r[1] * v[0]};
	double nr = sqrt(r[0] * r[0] + r[1] * r[1] + r[2] * r[2]);
	double nn = sqrt(n[0] * n[0] + n[1] * n[1] + n[2] * n[2]);
	for (int i = 0; i < 3; i++) {
		M[0][i] = r[i] / nr;
		M[2][i] = n[i] / nn;
	}
	M[1][0] = M[2][1] * M[0][2] - M[2][2] * M[0][1];
	M[1][1] = M[2][2] * M[0][0] - M[2][0] * M[0][2];
	M[1][2] = M[2][0] * M[0][1] - M[2][1] * M[0][0];
}

/* y = T x, Y = T X T^T with T = blockdiag(M, M), X of stride ld. */
static void rtn_cov(double M[3][3], const double *X, int ld, double Y[36])
{
	double T[36] = {0}, A[36];
	for (int i = 0; i < 3; i++)
		for (int j = 0; j < 3; j++)
			T[i * 6 + j] = T[(i + 3) * 6 + j + 3] = M[i][j];
	for (int i = 0; i < 6; i++)
		for (int j = 0; j < 6; j++) {
			double a = 0.0;
			for (int k = 0; k < 6; k++)
				a += T[i * 6 + k] * X[k * ld + j];
			A[i * 6 + j] = a;
		}
	for (int i = 0; i < 6; i++)
		for (int j = 0; j < 6; j++) {
			double a = 0.0;
			for (int k = 0; k < 6; k++)
				a += A[i * 6 + k] * T[j * 6 + k];
			Y[i * 6 + j] = a;
		}
}

static void rtn_print_arr(FILE *f, const char *key, const double *a, int n)
{
	fprintf(f, ",\"%s\":[", key);
	for (int i = 0; i < n; i++)
		fprintf(f, "%s%.9g", i ? "," : "", a[i]);
	fputc(']', f);
}

/*
 * The launch estimate scored for track k of the object of orun: the
 * tracker's (track_info_predict) where the tracker has a basis of its
 * own. Where it has none (track_info_launch_on_demand: a track never
 * seen in boost, or seen without a thrust), track_info_predict makes a
 * ballistic-basis estimate from the track's estimate on every call (tens
 * of milliseconds), and the node does not share it (net/national.c).
 * Here it is made on the tracker's own schedule for such estimates
 * (track_lbal_due: 0, 10, 20 and 40 s after the first scored sample) and
 * the last one made is scored in between. Made at every scored sample, a
 * --start-after-burnout run of the mixed exercise took 13 times as long
 * as the plain run (now 1.25 times). A failed estimate keeps the
 * previous one, as the tracker's does. 0, or -ERANGE while there is
 * none.
 */
static int scored_launch(struct obj_run *orun, const struct track_info *k,
                         struct track_point_pred *lp)
{
	if (!track_info_launch_on_demand(k))
		return track_info_predict(k, NULL, lp);
	if (orun->lbal_track != k->id) {
		orun->lbal_track = k->id;
		orun->has_lbal = 0;
		orun->lbal = (struct track_lbal_sched){0};
	}
	struct track_point_pred p;
	if (track_lbal_due(&orun->lbal, k->t_ns) && track_info_predict(k, NULL, &p) == 0) {
		orun->lbal_pred = p;
		orun->has_lbal = 1;
	}
	if (!orun->has_lbal)
		return -ERANGE;
	*lp = orun->lbal_pred;
	return 0;
}

/* --boost-adapt's --rtn fields: the truth's lateral thrust at t in its
 * own thrust frame (w, h; bq's method: a central difference of the
 * truth's velocity over +-0.05 s less the model's forces at the truth's
 * state, no thrust, k = 0), NaN outside the burn. */
static void truth_lat(const struct sim *s, const struct sim_object_info *oi, mw_time_ns t,
                      const struct sim_truth *tt, double lat[2])
{
	const mw_time_ns hs = MW_NS_PER_S / 20;
	lat[0] = lat[1] = NAN;
	if (t - hs <= oi->launch_t_ns || t + hs >= oi->burnout_t_ns)
		return;
	struct sim_truth a, b;
	if (sim_truth_at(s, oi->id, t - hs, &a) < 0 || sim_truth_at(s, oi->id, t + hs, &b) < 0)
		return;
	double x[TRACK_NX] = {0}, g[3], u[3], w[3], h[3];
	memcpy(x, tt->r_ecef_m, sizeof(tt->r_ecef_m));
	memcpy(x + 3, tt->v_ecef_m_s, sizeof(tt->v_ecef_m_s));
	if (track_model_accel(x, 0, g) < 0 || track_model_thrust_frame(x, u, w, h) < 0)
		return;
	double e[3];
	for (int i = 0; i < 3; i++)
		e[i] = (b.v_ecef_m_s[i] - a.v_ecef_m_s[i]) / 0.1 - g[i];
	lat[0] = e[0] * w[0] + e[1] * w[1] + e[2] * w[2];
	lat[1] = e[0] * h[0] + e[1] * h[1] + e[2] * h[2];
}

static void rtn_sample(const struct eval *ev, const struct sim_object_info *oi,
                       const struct sim_truth *tt, double t_launch_s, double since_upd_s,
                       double mu_boost, const double e[NB], const struct track_gauss *gs,
                       const double *Pb, double za, double zc, int in95, double d2,
                       const struct track_info *k, const double tlat[2])
{
	const double *Pf = gs->P;
	double M[3][3], er[6], Yf[36], Yb[36], uv[3];
	const double *v = tt->v_ecef_m_s, origin[3] = {0.0, 0.0, 0.0};
	const double vn = dist3(v, origin);
	rtn_rot(tt->r_ecef_m, v, M);
	for (int i = 0; i < 3; i++) {
		er[i] = M[i][0] * e[0] + M[i][1] * e[1] + M[i][2] * e[2];
		er[3 + i] = M[i][0] * e[3] + M[i][1] * e[4] + M[i][2] * e[5];
		/* the truth's unit velocity in the same frame (along-v splits) */
		uv[i] = vn > 0.0 ? (M[i][0] * v[0] + M[i][1] * v[1] + M[i][2] * v[2]) / vn : 0.0;
	}
	rtn_cov(M, Pf, TRACK_NX, Yf);
	fprintf(ev->rtn,
	        "{\"seed\":%" PRIu64 ",\"id\":%" PRIu32 ",\"class\":\"%s\",\"t\":%.1f"
	        ",\"mid\":%d,\"since_upd\":%.3f,\"mu_b\":%.6g,\"k\":%.6g,\"sigma_k\":%.6g"
	        ",\"k_true\":%.6g",
	        ev->rd2[ev->cur_run].seed, oi->id, oi->missile_class, t_launch_s,
	        tt->phase == SIM_PHASE_MIDCOURSE, since_upd_s, mu_boost, gs->x[TRACK_IX_K],
	        sqrt(gs->P[TRACK_IX_K * TRACK_NX + TRACK_IX_K]), true_k(oi));
	rtn_print_arr(ev->rtn, "e", er, 6);
	rtn_print_arr(ev->rtn, "Pf", Yf, 36);
	rtn_print_arr(ev->rtn, "uv", uv, 3);
	if (Pb) {
		rtn_cov(M, Pb, NP, Yb);
		rtn_print_arr(ev->rtn, "Pb", Yb, 36);
	}
	if (isfinite(za) && isfinite(zc))
		fprintf(ev->rtn, ",\"za\":%.9g,\"zc\":%.9g", za, zc);
	/* the impact prediction after burnout as the coverage counts it:
	 * inside the 95% ellipse, and its d^2 where it has one */
	if (in95 >= 0)
		fprintf(ev->rtn, ",\"in95\":%d", in95);
	if (in95 >= 0 && isfinite(d2))
		fprintf(ev->rtn, ",\"d2\":%.9g", d2);
	if (ev->boost_adapt_set) {
		/* JSON has no NaN: null */
		const double la[7] = {k->boost_lat_m_s2[0],
		                      k->boost_lat_m_s2[1],
		                      k->boost_lat_se_m_s2[0],
		                      k->boost_lat_se_m_s2[1],
		                      k->boost_lat_neff,
		                      tlat[0],
		                      tlat[1]};
		fputs(",\"lat\":[", ev->rtn);
		for (int i = 0; i < 7; i++)
			fprintf(ev->rtn, isfinite(la[i]) ? "%s%.4g" : "%snull", i ? "," : "",
			        la[i]);
		fprintf(ev->rtn, "],\"qb\":%.4g,\"sp\":%.4g", k->boost_q_acc_m2_s3,
		        k->boost_pitch_rad);
	}
	fputs("}\n", ev->rtn);
}

static int add_coast_draw(struct eval *ev, const struct sim_object_info *oi,
                          const struct track_info *k, const struct track_point_pred *ip, double d2,
                          double za, double zc, int in, double miss_m, const double nees3[3],
                          const struct track_gauss *gs)
{
	double pkk = gs->P[TRACK_IX_K * TRACK_NX + TRACK_IX_K], kt = true_k(oi);
	/* along-track: away from the launch point, at the predicted impact */
	double enu[3], le[3], lecef[3], iecef[3];
	struct geo_lla ll = oi->launch_lla, il = oi->impact_lla;
	ll.h_m = il.h_m = 0.0;
	geo_lla_to_ecef(&ll, lecef);
	geo_lla_to_ecef(&il, iecef);
	geo_ecef_to_enu(&ip->lla, iecef, enu);
	geo_ecef_to_enu(&ip->lla, lecef, le);
	double az_along = atan2(-le[0], -le[1]); /* clockwise from north */
	double maj = GEO_PI / 2 - ip->orient_rad - (GEO_PI / 2 - az_along);
	maj = remainder(maj, GEO_PI);
	double mis = remainder(atan2(enu[1], enu[0]) - (GEO_PI / 2 - az_along), 2 * GEO_PI);
	if (ev->n_cd == ev->cap_cd) {
		size_t nc = ev->cap_cd ? 2 * ev->cap_cd : 256;
		struct coast_draw *p = realloc(ev->cd, nc * sizeof(*p));
		if (!p)
			return -ENOMEM;
		ev->cd = p;
		ev->cap_cd = nc;
	}
	ev->cd[ev->n_cd++] = (struct coast_draw){
	    .seed = ev->rd2[ev->cur_run].seed,
	    .id = oi->id,
	    .t_update_s = (double)(k->t_ns - oi->launch_t_ns) * 1e-9,
	    .t_burnout_s = (double)(oi->burnout_t_ns - oi->launch_t_ns) * 1e-9,
	    .d2 = d2,
	    .d2_along = za,
	    .d2_cross = zc,
	    .inside = in,
	    .n_updates = k->n_updates,
	    .n_upd_clutter = k->n_upd_clutter,
	    .n_upd_switch = k->n_upd_switch,
	    .sigma_major_m = ip->semi_major_m / 2.4477, /* 95% semi-axis / sqrt(chi2_2(0.95)) */
	    .miss_m = miss_m,
	    .nees = nees3[0],
	    .nees_r = nees3[1],
	    .nees_v = nees3[2],
	    .k_z = pkk > 0.0 && kt > 0.0 ? (gs->x[TRACK_IX_K] - kt) / sqrt(pkk) : NAN,
	    .major_deg = maj * 180.0 / GEO_PI,
	    .miss_deg = mis * 180.0 / GEO_PI,
	    .axis_ratio = ip->semi_major_m > 0.0 ? ip->semi_minor_m / ip->semi_major_m : NAN,
	};
	return 0;
}

static int score_time(struct eval *ev, struct sim *s, struct track_tracker *tr,
                      struct obj_run *obs_run, mw_time_ns t, mw_time_ns t0, struct claim **cl,
                      size_t *ncl, size_t *capcl)
{
	size_t nobj = sim_object_count(s);
	size_t ntr = track_tracker_count(tr);
	struct track_info *ti = calloc(ntr ? ntr : 1, sizeof(*ti));
	struct track_gauss *gt = calloc(ntr ? ntr : 1, sizeof(*gt));
	int *gt_ok = calloc(ntr ? ntr : 1, sizeof(*gt_ok));
	double *tpos = calloc(nobj ? nobj : 1, 3 * sizeof(double));
	double *epos = calloc(ntr ? ntr : 1, 3 * sizeof(double));
	double *dmat = calloc((ntr ? ntr : 1) * (nobj ? nobj : 1), sizeof(double));
	int rc = -ENOMEM;
	if (!ti || !gt || !gt_ok || !tpos || !epos || !dmat)
		goto out;
	/* Every confirmed track's state at the scoring time t, predicted
	 * from its last update (est_at): a track seen a scan ago moves a
	 * scan's worth; a coasting track is scored where its estimate says
	 * the object is now, against the truth now - not its last estimate
	 * against the truth of that time, repeated in every bin. */
	size_t nconf = 0;
	for (size_t i = 0; i < ntr; i++) {
		struct track_info x;
		track_tracker_get(tr, i, &x);
		if (x.state != TRACK_CONFIRMED)
			continue;
		gt_ok[nconf] = est_at(&x, &ev->tcfg, ev->score_boost_mode, t, &gt[nconf]) == 0;
		for (int a = 0; a < 3; a++)
			epos[3 * nconf + a] = gt_ok[nconf] ? gt[nconf].x[a] : x.est.x[a];
		ti[nconf++] = x;
	}
	size_t nfly = 0;
	for (size_t o = 0; o < nobj; o++) {
		const struct sim_object_info *oi = sim_object(s, o);
		if (t < oi->launch_t_ns || t > oi->impact_t_ns)
			continue;
		struct sim_truth tt;
		if (sim_truth_at(s, oi->id, t, &tt) < 0)
			continue;
		memcpy(&tpos[3 * nfly], tt.r_ecef_m, sizeof(tt.r_ecef_m));
		nfly++;
	}
	/* GOSPA over confirmed tracks and flying objects. */
	for (size_t i = 0; i < nconf; i++)
		for (size_t j = 0; j < nfly; j++)
			dmat[i * nfly + j] = dist3(&epos[3 * i], &tpos[3 * j]);
	struct track_gospa g;
	if (track_gospa(dmat, (int)nconf, (int)nfly, GOSPA_C_M, 2.0, &g) == 0) {
		long gb = (long)((t - t0) / mw_time_from_s(ev->step_s));
		if (gb >= 0 && gb < MAX_BINS) {
			ev->gbins[gb].gospa += g.gospa;
			ev->gbins[gb].n_gospa++;
		}
	}
	/* Swaps: claims of confirmed tracks. */
	for (size_t i = 0; i < nconf; i++)
		if (ti[i].truth_id) {
			int ch = claim_truth(cl, ncl, capcl, ti[i].id, ti[i].truth_id);
			if (ch < 0)
				goto out;
			ev->swaps += ch;
		}
	/* Per object. */
	for (size_t o = 0; o < nobj; o++) {
		const struct sim_object_info *oi = sim_object(s, o);
		if (t < oi->launch_t_ns || t > oi->impact_t_ns)
			continue;
		struct sim_truth tnow;
		if (sim_truth_at(s, oi->id, t, &tnow) < 0)
			continue;
		long b = (long)((t - oi->launch_t_ns) / mw_time_from_s(ev->step_s));
		if (b < 0 || b >= MAX_BINS)
			continue;
		struct obj_run *orun = &obs_run[o];
		int best = -1;
		for (size_t i = 0; i < nconf; i++)
			if (ti[i].truth_id == oi->id &&
			    (best < 0 || ti[i].n_updates > ti[best].n_updates))
				best = (int)i;
		if (best < 0)
			continue;
		for (size_t i = 0; i < nconf; i++)
			if (ti[i].truth_id == oi->id && (int)i != best) {
				ev->dup_samples++;
				break;
			}
		const struct track_info *k = &ti[best];
		int known = 0, linked = 0;
		for (int q = 0; q < orun->n_track_ids; q++) {
			known |= orun->track_ids[q] == k->id;
			linked |= k->prev_id && orun->track_ids[q] == k->prev_id;
		}
		if (!known) {
			/* A new number for this object is a break, unless the
			 * tracker says it continues one (burnout hand-over). */
			if (orun->n_track_ids > 0 && !linked)
				orun->breaks++;
			if (linked)
				orun->handovers++;
			if (orun->n_track_ids < 32)
				orun->track_ids[orun->n_track_ids++] = k->id;
		}
		if (!orun->confirm_ns)
			orun->confirm_ns = k->confirmed_t_ns;
		if (!gt_ok[best])
			continue;
		const struct sim_truth *tt = &tnow;
		const struct track_gauss *gs = &gt[best];
		struct bin *bn = &ev->bins[b];
		double e[NB], P6[NB * NB], nees;
		for (int a = 0; a < 3; a++) {
			e[a] = gs->x[a] - tt->r_ecef_m[a];
			e[3 + a] = gs->x[3 + a] - tt->v_ecef_m_s[a];
		}
		for (int a = 0; a < NB; a++)
			for (int c = 0; c < NB; c++)
				P6[a * NB + c] = gs->P[a * TRACK_NX + c];
		if (mat_spd_mahalanobis(P6, e, NB, &nees) < 0)
			continue;
		double P3r[9], P3v[9], nr = NAN, nv = NAN;
		for (int a = 0; a < 3; a++)
			for (int c = 0; c < 3; c++) {
				P3r[a * 3 + c] = P6[a * NB + c];
				P3v[a * 3 + c] = P6[(a + 3) * NB + c + 3];
			}
		if (mat_spd_mahalanobis(P3r, e, 3, &nr) < 0 ||
		    mat_spd_mahalanobis(P3v, e + 3, 3, &nv) < 0)
			continue;
		bn->nees_r += nr;
		bn->nees_v += nv;
		bn->n++;
		bn->pos2 += e[0] * e[0] + e[1] * e[1] + e[2] * e[2];
		bn->vel2 += e[3] * e[3] + e[4] * e[4] + e[5] * e[5];
		bn->nees += nees;
		int mid = tt->phase == SIM_PHASE_MIDCOURSE;
		if (mid) {
			bn->n_mid++;
			bn->nees_mid += nees;
			bn->nees_mid_r += nr;
			bn->nees_mid_v += nv;
			if (k->mu_boost >= 0.5) {
				bn->n_mid_bm++;
				bn->nees_mid_bm += nees;
			}
			mid_k_stats(bn, gs, true_k(oi));
			ev->oacc[o].n_mid++;
			ev->oacc[o].nees_mid += nees;
		}
		const int coasting = (double)(t - k->t_ns) * 1e-9 > ev->tcfg.coast_max_s;
		const int coast_start = coasting && !orun->in_coast;
		orun->in_coast = coasting;
		if (coasting) {
			bn->n_coast++;
			bn->nees_coast += nees;
		}
		double Pb[NP * NP], rtn_za = NAN, rtn_zc = NAN, rtn_d2 = NAN;
		int rtn_in = -1;
		int pb_ok = 0;
		if (orun->pb.active && track_bound_predict(&orun->pb, &ev->tcfg, t, Pb) == 0) {
			pb_ok = 1;
			bn->pcrlb_pos2 += Pb[0] + Pb[NP + 1] + Pb[2 * NP + 2];
			bn->n_pcrlb++;
		}
		/* Impact and launch. */
		struct track_point_pred ip, lp;
		double imp_ecef[3];
		struct geo_lla il = oi->impact_lla;
		il.h_m = 0.0;
		geo_lla_to_ecef(&il, imp_ecef);
		if (track_info_predict(k, &ip, NULL) == 0) {
			double miss = dist3(ip.ecef_m, imp_ecef);
			double d2 = NAN;
			int in = track_point_in_ellipse(&ip, imp_ecef, &d2) == 1;
			bn->n_imp++;
			bn->imp2 += miss * miss;
			bn->n_cover += in;
			if (t > oi->burnout_t_ns) {
				bn->n_imp_post++;
				bn->n_cover_post += in;
				double za = NAN, zc = NAN, lecef[3];
				struct geo_lla ll = oi->launch_lla;
				ll.h_m = 0.0;
				geo_lla_to_ecef(&ll, lecef);
				impact_track_axes(&ip, imp_ecef, lecef, &za, &zc);
				rtn_za = za;
				rtn_zc = zc;
				rtn_in = in;
				rtn_d2 = d2;
				int ok = isfinite(d2) && isfinite(za) && isfinite(zc);
				bn->n_imp_d2 += ok;
				if (!ok)
					d2 = za = zc = 0.0;
				bn->imp_d2 += d2;
				bn->imp_d2sq += d2 * d2;
				bn->imp_d2_along += za;
				bn->imp_d2_cross += zc;
				struct obj_acc *oa = &ev->oacc[o];
				int impure = k->n_upd_clutter || k->n_upd_switch;
				oa->n_post++;
				oa->n_cover_post += in;
				oa->n_d2 += ok;
				oa->d2 += d2;
				oa->n_impure += impure;
				oa->n_cover_impure += impure && in;
				if (ok && coast_start) {
					oa->n_cd++;
					oa->n_cd_in += in;
					oa->cd_d2 += d2;
					const double n3[3] = {nees, nr, nv};
					if (add_coast_draw(ev, oi, k, &ip, d2, za, zc, in, miss, n3,
					                   gs) < 0)
						goto out;
				}
				struct run_d2 *rr = &ev->rd2[ev->cur_run];
				if (ok && t >= oi->burnout_t_ns + 60 * MW_NS_PER_S) {
					rr->n++;
					rr->n_out95 += !in;
					rr->d2 += d2;
					rr->d2_along += za;
					rr->d2_cross += zc;
					if ((double)(t - k->t_ns) * 1e-9 > ev->tcfg.coast_max_s) {
						rr->n_coast++;
						rr->d2_coast += d2;
					}
				}
			}
			double dti = (double)(ip.t_ns - oi->impact_t_ns) * 1e-9;
			bn->dt_imp2 += dti * dti;
			bn->sig_t2 += ip.sigma_t_s * ip.sigma_t_s;
			if (!orun->first_pred_ns)
				orun->first_pred_ns = t;
			/* PCRLB at the impact point: the bound covariance at the
			 * true state pushed through the same transform. */
			double vb, vk;
			if (orun->pb.active && orun->pb.t_ns >= k->t_ns - 5 * MW_NS_PER_S &&
			    track_bound_impact(&orun->pb, &vb, &vk) == 0) {
				bn->imp_pcrlb2 += vb;
				bn->imp_pcrlb_kk2 += vk;
				bn->n_imp_pcrlb++;
				if (t >= oi->burnout_t_ns + 60 * MW_NS_PER_S) {
					bn->n_crit++;
					bn->crit_imp2 += miss * miss;
					bn->crit_pcrlb2 += vb;
				}
			}
		}
		if (ev->rtn) {
			double tlat[2] = {NAN, NAN};
			if (ev->boost_adapt_set)
				truth_lat(s, oi, t, tt, tlat);
			rtn_sample(ev, oi, tt, (double)(t - oi->launch_t_ns) * 1e-9,
			           (double)(t - k->t_ns) * 1e-9, k->mu_boost, e, gs,
			           pb_ok ? Pb : NULL, rtn_za, rtn_zc, rtn_in, rtn_d2, k, tlat);
		}
		if (scored_launch(orun, k, &lp) == 0) {
			double lecef[3];
			struct geo_lla ll = oi->launch_lla;
			geo_lla_to_ecef(&ll, lecef);
			double miss = dist3(lp.ecef_m, lecef);
			double dtl = (double)(lp.t_ns - oi->launch_t_ns) * 1e-9;
			bn->n_launch++;
			bn->launch2 += miss * miss;
			bn->launch_dt2 += dtl * dtl;
			bn->launch_dt += dtl;
			bn->launch_sig2 += lp.sigma_t_s * lp.sigma_t_s;
			bn->launch_axis2 += lp.semi_major_m * lp.semi_major_m;
			double d2 = 0.0;
			bn->n_lcover += track_point_in_ellipse(&lp, lecef, &d2) == 1;
			bn->launch_d2 += d2;
			launch_axes(&lp, lecef, bn);
			bn->n_ltcover += fabs(dtl) <= 1.96 * lp.sigma_t_s;
		}
	}
	rc = 0;
out:
	free(ti);
	free(gt);
	free(gt_ok);
	free(tpos);
	free(epos);
	free(dmat);
	return rc;
}

/*
 * --trace ID: for an observation of object ID, print on stderr what the
 * tracker's gate sees before the observation's scan is processed (and
 * which scan is still buffered, not yet shown in the tracks): every
 * live track within 100 km of it (or claiming the object), its state,
 * the time since its last update, its boost probability and the
 * squared Mahalanobis distance of the observation under each model of
 * its IMM predicted to the observation time, against the gate.
 */
static void trace_obs(const struct eval *ev, const struct sim *s, const struct track_tracker *tr,
                      const struct mw_obs *o)
{
	const struct sim_object_info *oi = NULL;
	for (size_t i = 0; i < sim_object_count(s); i++)
		if (sim_object(s, i)->id == o->truth_id)
			oi = sim_object(s, i);
	struct track_meas m;
	if (!oi || track_meas_prepare(o, &m) < 0)
		return;
	struct sim_truth tt;
	if (sim_truth_at(s, oi->id, o->t_ns, &tt) < 0)
		return;
	double gate = track_chi2_quantile(ev->tcfg.gate_prob, m.nz);
	fprintf(stderr, "trace t+%.1f s obs %s/%u kind %d nz %d (gate %.1f)\n",
	        (double)(o->t_ns - oi->launch_t_ns) * 1e-9, o->nation, (unsigned)o->sensor_id,
	        (int)o->kind, m.nz, gate);
	/* The tracks below are as they stand now: a scan still buffered
	 * (this observation's own, or the one before it, which this
	 * observation will make the tracker process) has not yet started
	 * or updated any (session 18 read a plot that had joined a track
	 * as lost; docs/tracking.md "Started after burnout"). */
	struct mw_obs po;
	size_t np = track_tracker_pending(tr, &po);
	if (np)
		fprintf(stderr,
		        "  (not yet processed: %zu observation%s of the scan %s/%u at t+%.3f s; "
		        "the tracks below do not include %s)\n",
		        np, np == 1 ? "" : "s", po.nation, (unsigned)po.sensor_id,
		        (double)(po.t_ns - oi->launch_t_ns) * 1e-9, np == 1 ? "it" : "them");
	for (size_t i = 0; i < track_tracker_count(tr); i++) {
		struct track_info x;
		if (track_tracker_get(tr, i, &x) < 0)
			continue;
		double dt = (double)(o->t_ns - x.t_ns) * 1e-9;
		if (x.truth_id != oi->id && dist3(x.est.x, tt.r_ecef_m) > 100e3)
			continue;
		struct track_imm p;
		struct track_zpred zp[TRACK_N_MODES];
		double d2[TRACK_N_MODES] = {NAN, NAN};
		/* as the tracker predicts it (the boost model unpruned in the
		 * track's boost window) */
		if (dt >= 0 && track_tracker_predict(tr, i, o->t_ns, &p) == 0 &&
		    track_imm_zpredict(&p, &m, zp, NULL) == 0)
			for (int j = 0; j < TRACK_N_MODES; j++) {
				double nu[TRACK_NZ_MAX];
				if (zp[j].nz)
					track_ukf_innovation(&zp[j], &m, nu, &d2[j]);
			}
		/* The estimate's error at its own time in radial / along-track /
		 * cross-track axes of the truth, with the estimate's sigmas. */
		struct sim_truth tk;
		double ric[3] = {NAN, NAN, NAN}, sric[3] = {NAN, NAN, NAN}, nees = NAN,
		       nees_b = NAN;
		if (sim_truth_at(s, oi->id, x.t_ns, &tk) == 0) {
			double u[3][3], er[NB], P6[NB * NB];
			double nr =
			    sqrt(tk.r_ecef_m[0] * tk.r_ecef_m[0] + tk.r_ecef_m[1] * tk.r_ecef_m[1] +
			         tk.r_ecef_m[2] * tk.r_ecef_m[2]);
			for (int a = 0; a < 3; a++)
				u[0][a] = tk.r_ecef_m[a] / nr;
			double c[3] = {
			    tk.r_ecef_m[1] * tk.v_ecef_m_s[2] - tk.r_ecef_m[2] * tk.v_ecef_m_s[1],
			    tk.r_ecef_m[2] * tk.v_ecef_m_s[0] - tk.r_ecef_m[0] * tk.v_ecef_m_s[2],
			    tk.r_ecef_m[0] * tk.v_ecef_m_s[1] - tk.r_ecef_m[1] * tk.v_ecef_m_s[0]};
			double nc = sqrt(c[0] * c[0] + c[1] * c[1] + c[2] * c[2]);
			for (int a = 0; a < 3; a++)
				u[2][a] = c[a] / nc;
			u[1][0] = u[2][1] * u[0][2] - u[2][2] * u[0][1];
			u[1][1] = u[2][2] * u[0][0] - u[2][0] * u[0][2];
			u[1][2] = u[2][0] * u[0][1] - u[2][1] * u[0][0];
			for (int a = 0; a < 3; a++) {
				er[a] = x.est.x[a] - tk.r_ecef_m[a];
				er[3 + a] = x.est.x[3 + a] - tk.v_ecef_m_s[a];
			}
			for (int i2 = 0; i2 < 3; i2++) {
				double pe = 0, pv = 0;
				for (int a = 0; a < 3; a++) {
					pe += u[i2][a] * er[a];
					for (int b = 0; b < 3; b++)
						pv +=
						    u[i2][a] * x.est.P[a * TRACK_NX + b] * u[i2][b];
				}
				ric[i2] = pe;
				sric[i2] = sqrt(pv);
			}
			for (int a = 0; a < NB; a++)
				for (int b = 0; b < NB; b++)
					P6[a * NB + b] = x.est.P[a * TRACK_NX + b];
			if (mat_spd_mahalanobis(P6, er, NB, &nees) < 0)
				nees = NAN;
			/* The same for the ballistic mode alone. */
			for (int a = 0; a < NB; a++) {
				er[a] = x.imm.m[TRACK_MODE_BALLISTIC].x[a] -
				        (a < 3 ? tk.r_ecef_m[a] : tk.v_ecef_m_s[a - 3]);
				for (int b = 0; b < NB; b++)
					P6[a * NB + b] =
					    x.imm.m[TRACK_MODE_BALLISTIC].P[a * TRACK_NX + b];
			}
			if (mat_spd_mahalanobis(P6, er, NB, &nees_b) < 0)
				nees_b = NAN;
		}
		fprintf(stderr,
		        "  track %u (%s, truth %u, %u updates, prev %u) last update %.1f s ago, "
		        "mu_boost %.3g, k %.3f +- %.3f, error R/A/C %.1f/%.1f/%.1f m (sigma "
		        "%.1f/%.1f/%.1f) NEES %.1f (ballistic mode %.1f), d2 ballistic %.1f "
		        "boost %.1f\n",
		        (unsigned)x.id, track_state_str(x.state), (unsigned)x.truth_id,
		        (unsigned)x.n_updates, (unsigned)x.prev_id, dt, x.mu_boost,
		        x.est.x[TRACK_IX_K], sqrt(x.est.P[TRACK_IX_K * TRACK_NX + TRACK_IX_K]),
		        ric[0], ric[1], ric[2], sric[0], sric[1], sric[2], nees, nees_b,
		        d2[TRACK_MODE_BALLISTIC], d2[TRACK_MODE_BOOST]);
	}
}

/*
 * --plots FILE (diagnosis, opt-in; docs/tracking.md "Own plots lost
 * (session 11, branch mixmrbm)"): where each object's plots go. The eval
 * mirrors the tracker's pending scan (the tracker processes a scan when an
 * observation of another scan arrives, or on a flush: tracker.h), copies
 * the published tracks before the call that processes it and compares
 * them after. For every plot of a real object (truth_id != 0) that has a
 * confirmed track before the scan - its "own" track, the confirmed track
 * labelled with the object that has the most updates - one JSON line:
 *   seed, id, cls, ts (s since launch), nat, sen, kind, nz;
 *   u      the plot's noise against the truth, sum e_i^2 / R_ii (chi2_nz
 *          if the statement is the draw: eval_meas.c);
 *   own, own_n, dt   the own track, its updates, the time since its last;
 *   d2, cost, miss   the own track's IMM predicted to the plot's time
 *          (track_imm_predict, track_imm_zpredict: the tracker's gate and
 *          assignment statistics, not its exact path for a late scan or a
 *          long coast) - d2 the smallest mode's, cost the mixture's
 *          negative log-likelihood, miss the miss column's gate + ln det;
 *          null for a late plot (dt < 0);
 *   fate   got: a confirmed track labelled with the object before the scan
 *          took it (its update count grew and its label is the object);
 *          conf: another confirmed track; tent: a tentative track; start:
 *          a track new after the scan whose first observation is the
 *          scan's and whose label is the object; free: none of these;
 *   by, by_truth   the track that took it and its label before the scan.
 * Nothing else changes: the tracker is fed the same calls in the same
 * order (the copies are read-only), so the eval's other output is the
 * same with or without the option.
 */
static int same_scan_obs(const struct mw_obs *a, const struct mw_obs *b)
{
	return a->t_ns == b->t_ns && a->sensor_id == b->sensor_id && a->kind == b->kind &&
	       memcmp(a->nation, b->nation, MW_NATION_LEN) == 0;
}

static int plots_pre(struct eval *ev, const struct track_tracker *tr)
{
	ev->n_snap = 0;
	if (!ev->plots || !ev->n_pend)
		return 0;
	size_t n = track_tracker_count(tr);
	if (n > ev->cap_snap) {
		struct track_info *p = realloc(ev->snap, n * sizeof(*p));
		if (!p)
			return -ENOMEM;
		ev->snap = p;
		ev->cap_snap = n;
	}
	for (size_t i = 0; i < n; i++)
		if (track_tracker_get(tr, i, &ev->snap[ev->n_snap]) == 0)
			ev->n_snap++;
	return 0;
}

static const struct track_info *snap_find(const struct eval *ev, uint32_t id)
{
	size_t lo = 0, hi = ev->n_snap; /* creation order: ascending id */
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (ev->snap[mid].id < id)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo < ev->n_snap && ev->snap[lo].id == id ? &ev->snap[lo] : NULL;
}

static void plot_fate(struct eval *ev, const struct sim *s, const struct track_tracker *tr,
                      const struct mw_obs *o)
{
	const struct sim_object_info *oi = NULL;
	int oix = find_obj(s, o->truth_id);
	if (oix < 0)
		return;
	oi = sim_object(s, (size_t)oix);
	const struct track_info *own = NULL;
	for (size_t i = 0; i < ev->n_snap; i++) {
		const struct track_info *x = &ev->snap[i];
		if (x->state == TRACK_CONFIRMED && x->truth_id == o->truth_id &&
		    (!own || x->n_updates > own->n_updates))
			own = x;
	}
	if (!own)
		return;
	struct track_meas m;
	struct sim_truth tt;
	if (track_meas_prepare(o, &m) < 0 || sim_truth_at(s, o->truth_id, o->t_ns, &tt) < 0)
		return;
	double x[TRACK_NX] = {0}, zt[TRACK_NZ_MAX], e[TRACK_NZ_MAX], u = NAN;
	memcpy(x, tt.r_ecef_m, sizeof(tt.r_ecef_m));
	memcpy(x + 3, tt.v_ecef_m_s, sizeof(tt.v_ecef_m_s));
	if (track_meas_h(&m, x, zt) == 0) {
		track_meas_residual(&m, m.z, zt, e);
		u = 0;
		for (int i = 0; i < m.nz; i++)
			u += e[i] * e[i] / m.r_var[i];
	}
	double dt = (double)(o->t_ns - own->t_ns) * 1e-9, d2 = NAN, cost = NAN, miss = NAN;
	struct track_imm p;
	struct track_zpred zp[TRACK_N_MODES];
	struct track_imm_gate gt;
	if (dt >= 0 && track_imm_predict(&own->imm, dt, &ev->tcfg.imm, &p) == 0 &&
	    track_imm_zpredict(&p, &m, zp, &gt) == 0) {
		d2 = gt.d2;
		cost = gt.cost;
		miss = track_chi2_quantile(ev->tcfg.gate_prob, m.nz) + gt.logdet;
	}
	/* who took it */
	const char *fate = "free";
	uint32_t by = 0, by_truth = 0;
	struct track_info y;
	for (size_t i = 0; i < track_tracker_count(tr); i++) {
		if (track_tracker_get(tr, i, &y) < 0 || y.truth_id != o->truth_id)
			continue;
		const struct track_info *b = snap_find(ev, y.id);
		const char *f = NULL;
		if (b) {
			if (y.n_updates > b->n_updates)
				f = b->state != TRACK_CONFIRMED  ? "tent"
				    : b->truth_id == o->truth_id ? "got"
				                                 : "conf";
		} else if (y.first_t_ns == o->t_ns) {
			f = "start";
		}
		if (!f)
			continue;
		if (!by || !strcmp(f, "got")) {
			fate = f;
			by = y.id;
			by_truth = b ? b->truth_id : y.truth_id;
		}
	}
	fprintf(ev->plots,
	        "{\"seed\":%" PRIu64 ",\"id\":%u,\"cls\":\"%s\",\"ts\":%.3f,\"nat\":\"%.*s\","
	        "\"sen\":%u,\"kind\":%d,\"nz\":%d,\"u\":%.6g,\"own\":%u,\"own_n\":%u,\"dt\":%.3f,",
	        ev->cur_seed, (unsigned)o->truth_id, oi->missile_class,
	        (double)(o->t_ns - oi->launch_t_ns) * 1e-9, MW_NATION_LEN, o->nation,
	        (unsigned)o->sensor_id, (int)o->kind, m.nz, isfinite(u) ? u : -1.0,
	        (unsigned)own->id, (unsigned)own->n_updates, dt);
	if (isfinite(d2) && isfinite(cost) && isfinite(miss))
		fprintf(ev->plots, "\"d2\":%.6g,\"cost\":%.6g,\"miss\":%.6g,", d2, cost, miss);
	else
		fputs("\"d2\":null,\"cost\":null,\"miss\":null,", ev->plots);
	fprintf(ev->plots, "\"fate\":\"%s\",\"by\":%u,\"by_truth\":%u}\n", fate, (unsigned)by,
	        (unsigned)by_truth);
}

static void plots_post(struct eval *ev, const struct sim *s, const struct track_tracker *tr)
{
	if (!ev->plots)
		return;
	if (ev->n_snap)
		for (size_t j = 0; j < ev->n_pend; j++)
			if (ev->pend[j].truth_id)
				plot_fate(ev, s, tr, &ev->pend[j]);
	ev->n_pend = 0;
	ev->n_snap = 0;
}

/* track_tracker_process / _flush with the --plots bookkeeping. */
static int eval_process(struct eval *ev, const struct sim *s, struct track_tracker *tr,
                        const struct mw_obs *o)
{
	if (!ev->plots)
		return track_tracker_process(tr, o);
	int fresh = ev->n_pend && !same_scan_obs(&ev->pend[0], o);
	if (fresh && plots_pre(ev, tr) < 0)
		return -ENOMEM;
	int rc = track_tracker_process(tr, o);
	if (fresh)
		plots_post(ev, s, tr);
	if (rc == 0) {
		if (ev->n_pend == ev->cap_pend) {
			size_t cap = ev->cap_pend ? 2 * ev->cap_pend : 64;
			struct mw_obs *p = realloc(ev->pend, cap * sizeof(*p));
			if (!p)
				return -ENOMEM;
			ev->pend = p;
			ev->cap_pend = cap;
		}
		ev->pend[ev->n_pend++] = *o;
	}
	return rc;
}

static int eval_flush(struct eval *ev, const struct sim *s, struct track_tracker *tr)
{
	if (!ev->plots)
		return track_tracker_flush(tr);
	if (plots_pre(ev, tr) < 0)
		return -ENOMEM;
	int rc = track_tracker_flush(tr);
	plots_post(ev, s, tr);
	return rc;
}

static int one_run(struct eval *ev, const struct sim_scenario *sc, uint64_t seed)
{
	struct sim *s = NULL;
	struct track_tracker *tr = NULL;
	struct obj_run *orun = NULL;
	struct claim *cl = NULL;
	size_t ncl = 0, capcl = 0;
	int rc = sim_new(sc, seed, &s);
	if (rc < 0) {
		fprintf(stderr, "mwlink eval: sim_new: %s\n", mw_strerror(rc));
		return rc;
	}
	if (ev->nation[0]) {
		size_t ns = sim_sensor_count(s), own = 0;
		for (size_t i = 0; i < ns; i++) {
			struct sim_sensor_info si;
			if (sim_sensor_info(s, i, &si) == 0 && !strcmp(si.nation, ev->nation))
				own++;
		}
		if (!own) {
			fprintf(stderr,
			        "mwlink eval: --nation %s: the scenario has no sensor of %s\n",
			        ev->nation, ev->nation);
			rc = -ENOENT;
			goto out;
		}
	}
	struct mw_log log;
	mw_log_init(&log, mw_log_sink_text, stderr, MW_LOG_DEBUG);
	rc = track_tracker_new(&ev->tcfg, ev->trace_id ? &log : NULL, &tr);
	if (rc < 0)
		goto out;
	size_t nobj = sim_object_count(s);
	orun = calloc(nobj ? nobj : 1, sizeof(*orun));
	if (!orun) {
		rc = -ENOMEM;
		goto out;
	}
	for (size_t o = 0; o < nobj; o++)
		orun[o].pb.thrust_mode = ev->bound_thrust;
	if (!ev->oacc) {
		ev->oacc = calloc(nobj ? nobj : 1, sizeof(*ev->oacc));
		if (!ev->oacc) {
			rc = -ENOMEM;
			goto out;
		}
		ev->n_oacc = nobj;
	}
	if (ev->n_oacc != nobj) {
		fprintf(stderr, "mwlink eval: the runs differ in their number of objects\n");
		rc = -EINVAL;
		goto out;
	}
	const mw_time_ns step_ns = mw_time_from_s(ev->step_s);
	/* --start-after-burnout's delay (< 0: off), in the plots' units */
	const mw_time_ns sab_ns = ev->start_after_burnout_s >= 0.0
	                              ? (mw_time_ns)llround(ev->start_after_burnout_s * 1e9)
	                              : -1;
	/* The scoring grid starts at the run's start: every step_s of scenario
	 * time, whatever the first event is (a false alarm at a drawn scan
	 * phase would otherwise set a grid the truth's samples never hit). */
	const mw_time_ns t0 = sim_start_ns(s);
	mw_time_ns last_scored = INT64_MIN;
	struct sim_event e;
	for (;;) {
		rc = sim_next(s, &e);
		if (rc < 0)
			goto out;
		if (rc == 0)
			break;
		if (e.type == SIM_EV_TRUTH) {
			mw_time_ns t = e.truth.t_ns;
			if (t != last_scored && (t - t0) % step_ns == 0) {
				rc = eval_flush(ev, s, tr);
				if (rc < 0)
					goto out;
				rc = score_time(ev, s, tr, orun, t, t0, &cl, &ncl, &capcl);
				if (rc < 0)
					goto out;
				last_scored = t;
			}
			continue;
		}
		if (e.type != SIM_EV_OBS)
			continue;
		if (ev->nation[0] && strcmp(e.obs.nation, ev->nation) != 0)
			continue;
		/* The plot's object, looked up once for the filters and the
		 * bound (-1: a false alarm, or an id the run does not have). */
		const int o = e.obs.truth_id ? find_obj(s, e.obs.truth_id) : -1;
		if (ev->feed_class[0] && o >= 0 &&
		    strcmp(sim_object(s, (size_t)o)->missile_class, ev->feed_class))
			continue;
		if (sab_ns >= 0 && o >= 0 &&
		    e.obs.t_ns < sim_object(s, (size_t)o)->burnout_t_ns + sab_ns)
			continue;
		if (o >= 0) {
			if (!orun[o].first_obs_ns)
				orun[o].first_obs_ns = e.obs.t_ns;
			struct sim_truth tt;
			if (sim_truth_at(s, e.obs.truth_id, e.obs.t_ns, &tt) == 0) {
				double xt[NP];
				memcpy(xt, tt.r_ecef_m, sizeof(tt.r_ecef_m));
				memcpy(xt + 3, tt.v_ecef_m_s, sizeof(tt.v_ecef_m_s));
				xt[NB] = true_k(sim_object(s, (size_t)o));
				(void)track_bound_update(&orun[o].pb, &ev->tcfg, &e.obs, xt,
				                         tt.phase == SIM_PHASE_BOOST);
			}
		}
		if (ev->trace_id && e.obs.truth_id == ev->trace_id)
			trace_obs(ev, s, tr, &e.obs);
		if (ev->ma)
			meas_audit_obs(ev->ma, s, tr, &ev->tcfg, &e.obs);
		rc = eval_process(ev, s, tr, &e.obs);
		if (rc < 0 && rc != -EINVAL && rc != -ENOSPC)
			goto out;
	}
	rc = eval_flush(ev, s, tr);
	if (rc < 0)
		goto out;
	for (size_t o = 0; o < nobj; o++) {
		const struct sim_object_info *oi = sim_object(s, o);
		struct obj_acc *oa = &ev->oacc[o];
		if (oa->id && oa->id != oi->id) {
			fprintf(stderr, "mwlink eval: the runs differ in their objects' order\n");
			rc = -EINVAL;
			goto out;
		}
		oa->id = oi->id;
		snprintf(oa->name, sizeof(oa->name), "%s", oi->name);
		snprintf(oa->cls, sizeof(oa->cls), "%s", oi->missile_class);
		ev->n_objects_total++;
		if (orun[o].confirm_ns && orun[o].first_obs_ns) {
			ev->n_confirmed++;
			ev->confirm_lat_sum +=
			    (double)(orun[o].confirm_ns - orun[o].first_obs_ns) * 1e-9;
		}
		if (orun[o].first_pred_ns && orun[o].first_obs_ns) {
			ev->n_predicted++;
			ev->pred_lat_sum +=
			    (double)(orun[o].first_pred_ns - orun[o].first_obs_ns) * 1e-9;
		}
		ev->breaks += orun[o].breaks;
		ev->handovers += orun[o].handovers;
	}
	rc = 0;
out:
	free(cl);
	free(orun);
	track_tracker_free(tr);
	sim_free(s);
	return rc;
}

/* ---- report ---- */

static int report(struct eval *ev)
{
	json_t *root = json_object();
	json_t *jb = json_array();
	if (!root || !jb)
		return -ENOMEM;
	printf("mwlink eval %s: %d runs, bins of %.0f s since launch%s%s, gravity-model error "
	       "stated: %s\n",
	       ev->scenario, ev->runs, ev->step_s, ev->nation[0] ? ", sensors of " : "", ev->nation,
	       grav_err_names[ev->grav_err]);
	printf("%6s %5s %10s %9s %7s %15s %7s %15s %9s %9s %9s %9s %12s %8s %8s %9s %5s\n", "t_s",
	       "n", "pos_rmse", "vel_rmse", "ANEES", "95% bounds", "ANEESmid", "95% bounds(mid)",
	       "pcrlb_pos", "imp_rms", "imp_pcrlb", "imp_pc_k", "cover95", "dtI_rms", "sigI_rms",
	       "launch_rms", "coast");
	int anees_mid_in = 0, anees_mid_bins = 0, cover_ok = 0, cover_bins = 0;
	int coast_in = 0, coast_bins = 0;
	for (int b = 0; b < MAX_BINS; b++) {
		const struct bin *x = &ev->bins[b];
		if (!x->n)
			continue;
		double lo = NAN, hi = NAN, lom = NAN, him = NAN;
		track_anees_bounds(6, x->n, 0.95, &lo, &hi);
		if (x->n_mid)
			track_anees_bounds(6, x->n_mid, 0.95, &lom, &him);
		double anees = x->nees / x->n, anees_mid = x->n_mid ? x->nees_mid / x->n_mid : NAN;
		if (x->n_mid >= 2) {
			anees_mid_bins++;
			anees_mid_in += anees_mid >= lom && anees_mid <= him;
			if (x->n_coast) {
				coast_bins++;
				coast_in += anees_mid >= lom && anees_mid <= him;
			}
		}
		double cover = x->n_imp ? (double)x->n_cover / x->n_imp : NAN;
		double cover_post = x->n_imp_post ? (double)x->n_cover_post / x->n_imp_post : NAN;
		if (x->n_imp_post >= 10) {
			cover_bins++;
			cover_ok += cover_post >= 0.90 && cover_post <= 0.98;
		}
		double pcrlb = x->n_pcrlb ? sqrt(x->pcrlb_pos2 / x->n_pcrlb) : NAN;
		double imp = x->n_imp ? sqrt(x->imp2 / x->n_imp) : NAN;
		double impb = x->n_imp_pcrlb ? sqrt(x->imp_pcrlb2 / x->n_imp_pcrlb) : NAN;
		double impk = x->n_imp_pcrlb ? sqrt(x->imp_pcrlb_kk2 / x->n_imp_pcrlb) : NAN;
		double dti = x->n_imp ? sqrt(x->dt_imp2 / x->n_imp) : NAN;
		double sgi = x->n_imp ? sqrt(x->sig_t2 / x->n_imp) : NAN;
		double lau = x->n_launch ? sqrt(x->launch2 / x->n_launch) : NAN;
		char cov[32];
		snprintf(cov, sizeof(cov), "%d/%d", x->n_cover, x->n_imp);
		printf("%6.0f %5d %10.1f %9.2f %7.2f [%5.2f,%6.2f] %7.2f [%5.2f,%6.2f] %9.1f %9.0f "
		       "%9.0f %9.0f %12s %8.2f %8.2f %9.0f %5d\n",
		       b * ev->step_s, x->n, sqrt(x->pos2 / x->n), sqrt(x->vel2 / x->n), anees, lo,
		       hi, anees_mid, lom, him, pcrlb, imp, impb, impk, cov, dti, sgi, lau,
		       x->n_coast);
		json_t *o = json_pack("{s:f,s:i,s:f,s:f,s:f,s:f,s:f,s:i}", "t_since_launch_s",
		                      b * ev->step_s, "n", x->n, "pos_rmse_m", sqrt(x->pos2 / x->n),
		                      "vel_rmse_m_s", sqrt(x->vel2 / x->n), "anees", anees,
		                      "anees_lo", lo, "anees_hi", hi, "n_midcourse", x->n_mid);
		if (!o)
			return -ENOMEM;
		if (x->n_mid) {
			json_object_set_new(o, "anees_midcourse", json_real(anees_mid));
			json_object_set_new(o, "anees_midcourse_lo", json_real(lom));
			json_object_set_new(o, "anees_midcourse_hi", json_real(him));
		}
		if (x->n_mid) {
			json_object_set_new(o, "anees_midcourse_pos",
			                    json_real(x->nees_mid_r / x->n_mid));
			json_object_set_new(o, "anees_midcourse_vel",
			                    json_real(x->nees_mid_v / x->n_mid));
			json_object_set_new(o, "n_midcourse_boost_mode", json_integer(x->n_mid_bm));
			if (x->n_mid_bm)
				json_object_set_new(o, "anees_midcourse_boost_mode",
				                    json_real(x->nees_mid_bm / x->n_mid_bm));
		}
		if (x->n_mid_k) {
			json_object_set_new(o, "n_midcourse_k", json_integer(x->n_mid_k));
			json_object_set_new(o, "k_nees_midcourse",
			                    json_real(x->k_nees_mid / x->n_mid_k));
			json_object_set_new(o, "k_sigma_midcourse",
			                    json_real(x->k_sig_mid / x->n_mid_k));
			json_object_set_new(o, "k_sigma_point_below_zero_midcourse",
			                    json_real((double)x->n_mid_kneg / x->n_mid_k));
		}
		if (x->n_pcrlb) {
			json_object_set_new(o, "pcrlb_pos_m", json_real(pcrlb));
			json_object_set_new(o, "n_pcrlb", json_integer(x->n_pcrlb));
		}
		if (x->n_crit) {
			json_object_set_new(o, "n_impact_criterion", json_integer(x->n_crit));
			json_object_set_new(o, "impact_rms_criterion_m",
			                    json_real(sqrt(x->crit_imp2 / x->n_crit)));
			json_object_set_new(o, "impact_pcrlb_criterion_m",
			                    json_real(sqrt(x->crit_pcrlb2 / x->n_crit)));
		}
		json_object_set_new(o, "anees_pos", json_real(x->nees_r / x->n));
		json_object_set_new(o, "anees_vel", json_real(x->nees_v / x->n));
		json_object_set_new(o, "n_coasting", json_integer(x->n_coast));
		if (x->n_coast)
			json_object_set_new(o, "anees_coasting",
			                    json_real(x->nees_coast / x->n_coast));
		json_object_set_new(o, "n_impact", json_integer(x->n_imp));
		if (x->n_imp) {
			json_object_set_new(o, "impact_rms_m", json_real(imp));
			json_object_set_new(o, "impact_cover95", json_real(cover));
			json_object_set_new(o, "impact_time_rms_s", json_real(dti));
			json_object_set_new(o, "impact_sigma_t_rms_s", json_real(sgi));
		}
		if (x->n_imp_post) {
			json_object_set_new(o, "impact_cover95_after_burnout",
			                    json_real(cover_post));
			json_object_set_new(o, "n_impact_after_burnout",
			                    json_integer(x->n_imp_post));
		}
		if (x->n_imp_d2) {
			double m = x->imp_d2 / x->n_imp_d2;
			json_object_set_new(o, "n_impact_d2_after_burnout",
			                    json_integer(x->n_imp_d2));
			json_object_set_new(o, "impact_d2_mean_after_burnout", json_real(m));
			json_object_set_new(o, "impact_d2_sq_mean_after_burnout",
			                    json_real(x->imp_d2sq / x->n_imp_d2));
			json_object_set_new(o, "impact_d2_along_mean_after_burnout",
			                    json_real(x->imp_d2_along / x->n_imp_d2));
			json_object_set_new(o, "impact_d2_cross_mean_after_burnout",
			                    json_real(x->imp_d2_cross / x->n_imp_d2));
		}
		if (x->n_imp_pcrlb) {
			json_object_set_new(o, "impact_pcrlb_m", json_real(impb));
			json_object_set_new(o, "impact_pcrlb_known_k_m", json_real(impk));
			json_object_set_new(o, "n_impact_pcrlb", json_integer(x->n_imp_pcrlb));
		}
		if (x->n_launch) {
			json_object_set_new(o, "launch_rms_m", json_real(lau));
			json_object_set_new(o, "launch_time_rms_s",
			                    json_real(sqrt(x->launch_dt2 / x->n_launch)));
			json_object_set_new(o, "n_launch", json_integer(x->n_launch));
			json_object_set_new(o, "launch_time_bias_s",
			                    json_real(x->launch_dt / x->n_launch));
			json_object_set_new(o, "launch_sigma_t_rms_s",
			                    json_real(sqrt(x->launch_sig2 / x->n_launch)));
			json_object_set_new(o, "launch_semi_major_rms_m",
			                    json_real(sqrt(x->launch_axis2 / x->n_launch)));
			json_object_set_new(o, "launch_cover95",
			                    json_real((double)x->n_lcover / x->n_launch));
			json_object_set_new(o, "launch_time_cover95",
			                    json_real((double)x->n_ltcover / x->n_launch));
			json_object_set_new(o, "launch_nees",
			                    json_real(x->launch_d2 / x->n_launch));
			json_object_set_new(o, "launch_err_major_rms_m",
			                    json_real(sqrt(x->launch_emaj2 / x->n_launch)));
			json_object_set_new(o, "launch_err_minor_rms_m",
			                    json_real(sqrt(x->launch_emin2 / x->n_launch)));
			json_object_set_new(o, "launch_z_major_rms",
			                    json_real(sqrt(x->launch_zmaj2 / x->n_launch)));
			json_object_set_new(o, "launch_z_minor_rms",
			                    json_real(sqrt(x->launch_zmin2 / x->n_launch)));
		}
		json_array_append_new(jb, o);
	}
	json_t *jg = json_array();
	for (int b = 0; b < MAX_BINS; b++)
		if (ev->gbins[b].n_gospa)
			json_array_append_new(
			    jg, json_pack("{s:f,s:f,s:i}", "t_s", b * ev->step_s, "gospa_m",
			                  ev->gbins[b].gospa / ev->gbins[b].n_gospa, "n",
			                  ev->gbins[b].n_gospa));
	double gsum = 0;
	int gn = 0;
	for (int b = 0; b < MAX_BINS; b++) {
		gsum += ev->gbins[b].gospa;
		gn += ev->gbins[b].n_gospa;
	}
	/* Launch estimate per bin (track_info_predict; true launch point in
	 * the 95% ellipse; launch time within +-1.96 predicted sigma). */
	printf("%6s %5s %10s %9s %9s %9s %11s %11s %10s %7s %9s %9s %6s %6s\n", "t_s", "n_lau",
	       "launch_km", "dtL_bias", "dtL_rms", "sigL_rms", "lcover95", "tcover95", "axis95_km",
	       "lNEES", "emaj_km", "emin_km", "zmaj", "zmin");
	int lau_n = 0, lau_in = 0, lau_tin = 0;
	for (int b = 0; b < MAX_BINS; b++) {
		const struct bin *x = &ev->bins[b];
		if (!x->n_launch)
			continue;
		char lc[32], tc[32];
		snprintf(lc, sizeof(lc), "%d/%d", x->n_lcover, x->n_launch);
		snprintf(tc, sizeof(tc), "%d/%d", x->n_ltcover, x->n_launch);
		printf(
		    "%6.0f %5d %10.2f %9.1f %9.1f %9.1f %11s %11s %10.2f %7.2f %9.2f %9.2f %6.2f "
		    "%6.2f\n",
		    b * ev->step_s, x->n_launch, sqrt(x->launch2 / x->n_launch) / 1e3,
		    x->launch_dt / x->n_launch, sqrt(x->launch_dt2 / x->n_launch),
		    sqrt(x->launch_sig2 / x->n_launch), lc, tc,
		    sqrt(x->launch_axis2 / x->n_launch) / 1e3, x->launch_d2 / x->n_launch,
		    sqrt(x->launch_emaj2 / x->n_launch) / 1e3,
		    sqrt(x->launch_emin2 / x->n_launch) / 1e3, sqrt(x->launch_zmaj2 / x->n_launch),
		    sqrt(x->launch_zmin2 / x->n_launch));
		lau_n += x->n_launch;
		lau_in += x->n_lcover;
		lau_tin += x->n_ltcover;
	}
	if (lau_n)
		printf(
		    "launch: %d estimates, true launch point inside the 95%% ellipse in %d (%.3f), "
		    "launch time within 1.96 sigma in %d (%.3f)\n",
		    lau_n, lau_in, (double)lau_in / lau_n, lau_tin, (double)lau_tin / lau_n);
	double conf_lat = ev->n_confirmed ? ev->confirm_lat_sum / ev->n_confirmed : NAN;
	double pred_lat = ev->n_predicted ? ev->pred_lat_sum / ev->n_predicted : NAN;
	printf("objects %d: confirmed %d (mean %.1f s from first observation), impact predicted "
	       "%d (mean %.1f s)\n",
	       ev->n_objects_total, ev->n_confirmed, conf_lat, ev->n_predicted, pred_lat);
	printf("track breaks %d (and %d burnout hand-overs to a linked number), swaps %d, mean "
	       "GOSPA %.0f m (c = %.0f m), object-times claimed by a second confirmed track %d\n",
	       ev->breaks, ev->handovers, ev->swaps, gn ? gsum / gn : NAN, GOSPA_C_M,
	       ev->dup_samples);
	printf("midcourse ANEES inside 95%% bounds in %d of %d bins (of which %d of %d bins with "
	       "coasting tracks); 95%%-ellipse coverage after burnout in [0.90, 0.98] in %d of %d "
	       "bins (with >= 10 predictions)\n",
	       anees_mid_in, anees_mid_bins, coast_in, coast_bins, cover_ok, cover_bins);
	json_object_set_new(root, "scenario", json_string(ev->scenario));
	json_object_set_new(root, "runs", json_integer(ev->runs));
	if (ev->nation[0])
		json_object_set_new(root, "nation", json_string(ev->nation));
	if (ev->feed_class[0])
		json_object_set_new(root, "feed_class", json_string(ev->feed_class));
	json_object_set_new(root, "grav_err", json_string(grav_err_names[ev->grav_err]));
	if (ev->q_ballistic_set)
		json_object_set_new(
		    root, "q_ballistic_m2_s3",
		    json_real(ev->tcfg.imm.motion[TRACK_MODE_BALLISTIC].q_acc_m2_s3));
	if (ev->boost_adapt_set) {
		static const char *const adapt_names[] = {"off", "on", "pitch"};
		json_object_set_new(root, "boost_adapt",
		                    json_string(adapt_names[ev->tcfg.boost_adapt]));
	}
	if (ev->q_boost_set)
		json_object_set_new(root, "q_boost_m2_s3",
		                    json_real(ev->tcfg.imm.motion[TRACK_MODE_BOOST].q_acc_m2_s3));
	if (ev->beta_prior_arg[0])
		json_object_set_new(root, "beta_prior", json_string(ev->beta_prior_arg));
	if (ev->burnout_allow_set) {
		static const char *const allow_names[] = {"on", "off", "mean"};
		json_object_set_new(root, "burnout_allow",
		                    json_string(allow_names[ev->tcfg.imm.burnout_allow]));
	}
	if (ev->score_boost_mode)
		json_object_set_new(root, "score_boost_mode", json_true());
	json_object_set_new(
	    root, "bound_thrust",
	    json_string(ev->bound_thrust == TRACK_BOUND_THRUST_EST ? "est" : "known"));
	if (ev->q_at_set)
		json_object_set_new(root, "q_at_m2_s5",
		                    json_real(ev->tcfg.imm.motion[TRACK_MODE_BOOST].q_at_m2_s5));
	if (ev->boost_tau_s > 0.0)
		json_object_set_new(root, "boost_tau_s", json_real(ev->boost_tau_s));
	if (ev->start_after_burnout_s >= 0.0)
		json_object_set_new(root, "start_after_burnout_s",
		                    json_real(ev->start_after_burnout_s));
	json_object_set_new(root, "step_s", json_real(ev->step_s));
	json_object_set_new(root, "bins", jb);
	/* per run: impact consistency from 60 s after burnout (struct run_d2) */
	json_t *jr = json_array();
	if (!jr)
		return -ENOMEM;
	for (int r = 0; r < ev->runs; r++) {
		const struct run_d2 *q = &ev->rd2[r];
		json_t *o = json_pack("{s:I,s:i,s:i}", "seed", (json_int_t)q->seed, "n", q->n,
		                      "n_outside95", q->n_out95);
		if (!o)
			return -ENOMEM;
		if (q->n) {
			json_object_set_new(o, "d2_mean", json_real(q->d2 / q->n));
			json_object_set_new(o, "d2_along_mean", json_real(q->d2_along / q->n));
			json_object_set_new(o, "d2_cross_mean", json_real(q->d2_cross / q->n));
		}
		json_object_set_new(o, "n_coast", json_integer(q->n_coast));
		if (q->n_coast) {
			json_object_set_new(o, "d2_coast_mean",
			                    json_real(q->d2_coast / q->n_coast));
		}
		json_array_append_new(jr, o);
	}
	json_object_set_new(root, "impact_d2_runs", jr);
	/* per launched object (struct obj_acc) and the coast draws */
	json_t *jl = json_array(), *jc = json_array();
	if (!jl || !jc)
		return -ENOMEM;
	for (size_t i = 0; i < ev->n_oacc; i++) {
		const struct obj_acc *a = &ev->oacc[i];
		json_t *o =
		    json_pack("{s:I,s:s,s:s,s:i,s:i,s:i,s:i,s:i,s:i,s:i}", "id", (json_int_t)a->id,
		              "name", a->name, "class", a->cls, "n_impact_after_burnout", a->n_post,
		              "n_inside95_after_burnout", a->n_cover_post,
		              "n_impact_d2_after_burnout", a->n_d2, "n_impure_after_burnout",
		              a->n_impure, "n_impure_inside95_after_burnout", a->n_cover_impure,
		              "n_midcourse", a->n_mid, "n_coast_draws", a->n_cd);
		if (!o)
			return -ENOMEM;
		json_object_set_new(o, "n_coast_draws_inside95", json_integer(a->n_cd_in));
		if (a->n_d2)
			json_object_set_new(o, "impact_d2_mean_after_burnout",
			                    json_real(a->d2 / a->n_d2));
		if (a->n_mid)
			json_object_set_new(o, "anees_midcourse",
			                    json_real(a->nees_mid / a->n_mid));
		if (a->n_cd)
			json_object_set_new(o, "coast_d2_mean", json_real(a->cd_d2 / a->n_cd));
		json_array_append_new(jl, o);
	}
	for (size_t i = 0; i < ev->n_cd; i++) {
		const struct coast_draw *c = &ev->cd[i];
		json_t *o = json_pack(
		    "{s:I,s:I,s:f,s:f,s:f,s:f,s:f,s:b,s:i,s:i,s:i,s:f,s:f,s:f,s:f,s:f}", "seed",
		    (json_int_t)c->seed, "id", (json_int_t)c->id, "t_update_s", c->t_update_s,
		    "t_burnout_s", c->t_burnout_s, "d2", c->d2, "d2_along", c->d2_along, "d2_cross",
		    c->d2_cross, "inside95", c->inside, "n_updates", (int)c->n_updates,
		    "n_upd_clutter", (int)c->n_upd_clutter, "n_upd_switch", (int)c->n_upd_switch,
		    "sigma_major_m", c->sigma_major_m, "miss_m", c->miss_m, "nees", c->nees,
		    "nees_pos", c->nees_r, "nees_vel", c->nees_v);
		if (o) {
			json_object_set_new(o, "major_deg", json_real(c->major_deg));
			json_object_set_new(o, "miss_deg", json_real(c->miss_deg));
			json_object_set_new(o, "axis_ratio", json_real(c->axis_ratio));
		}
		if (o && isfinite(c->k_z))
			json_object_set_new(o, "k_z", json_real(c->k_z));
		if (!o)
			return -ENOMEM;
		json_array_append_new(jc, o);
	}
	json_object_set_new(root, "launches", jl);
	json_object_set_new(root, "coast_draws", jc);
	json_object_set_new(root, "gospa", jg);
	json_object_set_new(root, "launch",
	                    json_pack("{s:i,s:i,s:i}", "n", lau_n, "inside_ellipse95", lau_in,
	                              "time_within_1_96_sigma", lau_tin));
	json_object_set_new(root, "summary",
	                    json_pack("{s:i,s:i,s:f,s:i,s:f,s:i,s:i,s:i,s:f,s:i,s:i,s:i,s:i}",
	                              "objects", ev->n_objects_total, "confirmed", ev->n_confirmed,
	                              "time_to_confirm_mean_s", conf_lat, "impact_predicted",
	                              ev->n_predicted, "time_to_first_impact_prediction_mean_s",
	                              pred_lat, "track_breaks", ev->breaks, "handovers",
	                              ev->handovers, "swaps", ev->swaps, "gospa_mean_m",
	                              gn ? gsum / gn : 0.0, "anees_midcourse_bins_inside",
	                              anees_mid_in, "anees_midcourse_bins", anees_mid_bins,
	                              "coverage_bins_ok", cover_ok, "coverage_bins", cover_bins));
	json_object_set_new(json_object_get(root, "summary"), "gospa_samples", json_integer(gn));
	json_object_set_new(json_object_get(root, "summary"), "duplicate_track_samples",
	                    json_integer(ev->dup_samples));
	json_object_set_new(json_object_get(root, "summary"), "anees_midcourse_coast_bins_inside",
	                    json_integer(coast_in));
	json_object_set_new(json_object_get(root, "summary"), "anees_midcourse_coast_bins",
	                    json_integer(coast_bins));
	int rc = 0;
	if (ev->json_path && json_dump_file(root, ev->json_path, JSON_INDENT(1) | JSON_SORT_KEYS)) {
		fprintf(stderr, "mwlink eval: cannot write %s\n", ev->json_path);
		rc = -EIO;
	}
	json_decref(root);
	return rc;
}

static int parse_pos(const char *what, const char *s, double lo, double hi, double *out)
{
	char *end = NULL;
	errno = 0;
	double v = strtod(s, &end);
	if (end == s || *end || errno || !isfinite(v) || v < lo || v > hi) {
		fprintf(stderr, "mwlink eval: %s: expected a number in [%g, %g], got '%s'\n", what,
		        lo, hi, s);
		return -1;
	}
	*out = v;
	return 0;
}

/*
 * --beta-prior CLASS=LO:HI (diagnosis): the tracker's (and the bound's)
 * drag prior for one threat class, the central 95% of a lognormal in
 * beta (kg/m^2, tracker.h track_beta_range); CLASS=flat drops the class
 * prior (the flat init_k +- init_sigma_k stays). The tracker checks the
 * range when it is created.
 */
static int parse_beta_prior(const char *s, struct track_config *c)
{
	const char *eq = strchr(s, '=');
	int cls = -1;
	for (int j = 1; eq && j < TRACK_CLASS_N; j++) {
		const char *n = track_class_str((enum track_class)j);
		if (strlen(n) == (size_t)(eq - s) && !strncmp(s, n, (size_t)(eq - s)))
			cls = j;
	}
	if (cls < 0) {
		fprintf(stderr,
		        "mwlink eval: --beta-prior '%s': expected CLASS=LO:HI or CLASS=flat, "
		        "CLASS one of SRBM, MRBM, IRBM, ICBM\n",
		        s);
		return -1;
	}
	if (!strcmp(eq + 1, "flat")) {
		c->beta_prior[cls].lo_kg_m2 = c->beta_prior[cls].hi_kg_m2 = 0.0;
		return 0;
	}
	char *end;
	errno = 0;
	double lo = strtod(eq + 1, &end), hi = NAN;
	if (end != eq + 1 && *end == ':') {
		const char *h = end + 1;
		hi = strtod(h, &end);
		if (end == h || *end)
			hi = NAN;
	}
	if (errno || !(lo > 0 && hi > lo && hi < 1e7)) {
		fprintf(stderr,
		        "mwlink eval: --beta-prior '%s': expected LO:HI in kg/m^2 with "
		        "0 < LO < HI < 1e7 (or flat)\n",
		        s);
		return -1;
	}
	c->beta_prior[cls].lo_kg_m2 = lo;
	c->beta_prior[cls].hi_kg_m2 = hi;
	return 0;
}

int cmd_eval(int argc, char **argv)
{
	struct eval *ev = calloc(1, sizeof(*ev));
	if (!ev)
		return 1;
	ev->runs = 10;
	ev->step_s = 10.0;
	ev->bound_thrust = TRACK_BOUND_THRUST_EST;
	ev->grav_err = -1;
	ev->start_after_burnout_s = -1.0;
	track_config_default(&ev->tcfg);

	int status = 2;
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];
		double v;
		if (!strcmp(a, "--help") || !strcmp(a, "-h")) {
			eval_usage(stdout);
			status = 0;
			goto out;
		} else if (!strcmp(a, "--runs") && i + 1 < argc) {
			if (parse_pos("--runs", argv[++i], 1, 100000, &v))
				goto out;
			ev->runs = (int)v;
		} else if (!strcmp(a, "--step") && i + 1 < argc) {
			if (parse_pos("--step", argv[++i], 1, 600, &v))
				goto out;
			ev->step_s = v;
		} else if (!strcmp(a, "--seed") && i + 1 < argc) {
			if (parse_pos("--seed", argv[++i], 1, 9e15, &v))
				goto out;
			ev->seed = (uint64_t)v;
			ev->seed_set = 1;
		} else if (!strcmp(a, "--gate-prob") && i + 1 < argc) {
			if (parse_pos("--gate-prob", argv[++i], 0.5, 1.0, &v) || !(v < 1.0))
				goto out;
			ev->tcfg.gate_prob = v;
		} else if (!strcmp(a, "--q-ballistic") && i + 1 < argc) {
			if (parse_pos("--q-ballistic", argv[++i], 1e-16, 1e-6, &v))
				goto out;
			ev->tcfg.imm.motion[TRACK_MODE_BALLISTIC].q_acc_m2_s3 = v;
			ev->q_ballistic_set = 1;
		} else if (!strcmp(a, "--q-boost") && i + 1 < argc) {
			if (parse_pos("--q-boost", argv[++i], 1e-6, 1e4, &v))
				goto out;
			ev->tcfg.imm.motion[TRACK_MODE_BOOST].q_acc_m2_s3 = v;
			ev->q_boost_set = 1;
		} else if (!strcmp(a, "--burnout-allow") && i + 1 < argc) {
			const char *m = argv[++i];
			if (!strcmp(m, "on"))
				ev->tcfg.imm.burnout_allow = TRACK_BURNOUT_ALLOW_ON;
			else if (!strcmp(m, "off"))
				ev->tcfg.imm.burnout_allow = TRACK_BURNOUT_ALLOW_OFF;
			else if (!strcmp(m, "mean"))
				ev->tcfg.imm.burnout_allow = TRACK_BURNOUT_ALLOW_MEAN;
			else {
				fprintf(stderr,
				        "mwlink eval: --burnout-allow '%s': expected on, off "
				        "or mean\n",
				        m);
				goto out;
			}
			ev->burnout_allow_set = 1;
		} else if (!strcmp(a, "--bound-thrust") && i + 1 < argc) {
			const char *m = argv[++i];
			if (!strcmp(m, "known"))
				ev->bound_thrust = TRACK_BOUND_THRUST_KNOWN;
			else if (!strcmp(m, "est"))
				ev->bound_thrust = TRACK_BOUND_THRUST_EST;
			else {
				fprintf(stderr,
				        "mwlink eval: --bound-thrust '%s': expected known or est\n",
				        m);
				goto out;
			}
		} else if (!strcmp(a, "--boost-adapt") && i + 1 < argc) {
			const char *m = argv[++i];
			if (!strcmp(m, "off"))
				ev->tcfg.boost_adapt = TRACK_BOOST_ADAPT_OFF;
			else if (!strcmp(m, "on"))
				ev->tcfg.boost_adapt = TRACK_BOOST_ADAPT_Q;
			else if (!strcmp(m, "pitch"))
				ev->tcfg.boost_adapt = TRACK_BOOST_ADAPT_PITCH;
			else {
				fprintf(stderr, "mwlink eval: --boost-adapt: off, on or pitch\n");
				goto out;
			}
			ev->boost_adapt_set = ev->tcfg.boost_adapt != TRACK_BOOST_ADAPT_OFF;
		} else if (!strcmp(a, "--score-boost-mode")) {
			ev->score_boost_mode = 1;
		} else if (!strcmp(a, "--q-at") && i + 1 < argc) {
			if (parse_pos("--q-at", argv[++i], 1e-6, 1e5, &v))
				goto out;
			ev->tcfg.imm.motion[TRACK_MODE_BOOST].q_at_m2_s5 = v;
			ev->q_at_set = 1;
		} else if (!strcmp(a, "--start-after-burnout") && i + 1 < argc) {
			if (parse_pos("--start-after-burnout", argv[++i], 0.0, 1e5, &v))
				goto out;
			ev->start_after_burnout_s = v;
		} else if (!strcmp(a, "--boost-tau") && i + 1 < argc) {
			if (parse_pos("--boost-tau", argv[++i], 0.01, 1e5, &v))
				goto out;
			ev->boost_tau_s = v;
			ev->tcfg.imm.tau_boost_s = v;
			ev->tcfg.imm.burnout_isp_s = 0.0;
			ev->tcfg.imm.burnout_aref_m_s2 = 0.0;
		} else if (!strcmp(a, "--beta-prior") && i + 1 < argc) {
			if (parse_beta_prior(argv[++i], &ev->tcfg))
				goto out;
			size_t used = strlen(ev->beta_prior_arg);
			snprintf(ev->beta_prior_arg + used, sizeof(ev->beta_prior_arg) - used,
			         "%s%s", used ? " " : "", argv[i]);
		} else if (!strcmp(a, "--trace") && i + 1 < argc) {
			if (parse_pos("--trace", argv[++i], 1, 4294967295.0, &v))
				goto out;
			ev->trace_id = (uint32_t)v;
		} else if (!strcmp(a, "--nation") && i + 1 < argc) {
			const char *n = argv[++i];
			size_t len = strlen(n);
			if (len != 3 || !isupper((unsigned char)n[0]) ||
			    !isupper((unsigned char)n[1]) || !isupper((unsigned char)n[2])) {
				fprintf(stderr,
				        "mwlink eval: --nation '%s': expected a three-letter "
				        "upper-case nation code (ISO 3166-1 alpha-3, e.g. USA)\n",
				        n);
				goto out;
			}
			memcpy(ev->nation, n, len + 1);
		} else if (!strcmp(a, "--grav-err") && i + 1 < argc) {
			const char *g = argv[++i];
			int k = -1;
			for (int j = 0; j < 3; j++)
				if (!strcmp(g, grav_err_names[j]))
					k = j;
			if (k < 0) {
				fprintf(
				    stderr,
				    "mwlink eval: --grav-err '%s': expected none, j3j4 or egm96\n",
				    g);
				goto out;
			}
			ev->grav_err = k;
		} else if (!strcmp(a, "--json") && i + 1 < argc) {
			ev->json_path = argv[++i];
		} else if (!strcmp(a, "--meas-audit") && i + 1 < argc) {
			if (open_out("--meas-audit", argv[++i], &ev->meas_audit_f) != 0) {
				status = 1;
				goto out;
			}
		} else if (!strcmp(a, "--feed-class") && i + 1 < argc) {
			const char *c = argv[++i];
			int known = 0;
			for (int j = 1; j < TRACK_CLASS_N; j++)
				known |= !strcmp(c, track_class_str((enum track_class)j));
			if (!known || strlen(c) >= sizeof(ev->feed_class)) {
				fprintf(
				    stderr,
				    "mwlink eval: --feed-class '%s': expected one of SRBM, MRBM, "
				    "IRBM, ICBM\n",
				    c);
				goto out;
			}
			memcpy(ev->feed_class, c, strlen(c) + 1);
		} else if (!strcmp(a, "--plots") && i + 1 < argc) {
			if (open_out("--plots", argv[++i], &ev->plots) != 0) {
				status = 1;
				goto out;
			}
		} else if (!strcmp(a, "--rtn") && i + 1 < argc) {
			if (open_out("--rtn", argv[++i], &ev->rtn) != 0) {
				status = 1;
				goto out;
			}
		} else if (a[0] == '-') {
			fprintf(stderr, "mwlink eval: unknown or incomplete option '%s'\n", a);
			eval_usage(stderr);
			goto out;
		} else if (!ev->scenario) {
			ev->scenario = a;
		} else {
			fprintf(stderr, "mwlink eval: more than one scenario ('%s')\n", a);
			goto out;
		}
	}
	if (!ev->scenario) {
		fprintf(stderr, "mwlink eval: no SCENARIO given\n");
		eval_usage(stderr);
		goto out;
	}
	struct sim_scenario *sc = NULL;
	struct mw_errbuf err = {{0}};
	int rc = sim_scenario_load(ev->scenario, &sc, &err);
	if (rc < 0) {
		fprintf(stderr, "mwlink eval: %s\n", err.msg[0] ? err.msg : mw_strerror(rc));
		status = 1;
		goto out;
	}
	/* The tracker states the gravity error the truth has (model.h): none
	 * against the simulator's mu + J2, J3/J4 against "truth_gravity":
	 * "j4", unless --grav-err says otherwise. */
	if (ev->grav_err < 0)
		ev->grav_err =
		    sim_scenario_truth_j4(sc) ? TRACK_GRAV_ERR_J3J4 : TRACK_GRAV_ERR_NONE;
	for (int m = 0; m < TRACK_N_MODES; m++)
		ev->tcfg.imm.motion[m].grav_err = ev->grav_err;
	ev->rd2 = calloc((size_t)ev->runs, sizeof(*ev->rd2));
	if (ev->meas_audit_f)
		ev->ma = meas_audit_new();
	if (!ev->rd2 || (ev->meas_audit_f && !ev->ma)) {
		fprintf(stderr, "mwlink eval: out of memory\n");
		sim_scenario_free(sc);
		status = 1;
		goto out;
	}
	uint64_t base = ev->seed_set ? ev->seed : sim_scenario_seed(sc);
	status = 0;
	for (int r = 0; r < ev->runs; r++) {
		uint64_t seed = base + (uint64_t)r;
		if (seed == 0)
			seed = UINT64_C(0x9e3779b97f4a7c15);
		fprintf(stderr, "mwlink eval: run %d/%d (seed %" PRIu64 ")\n", r + 1, ev->runs,
		        seed);
		ev->cur_run = r;
		ev->cur_seed = seed;
		ev->rd2[r].seed = seed;
		rc = one_run(ev, sc, seed);
		if (rc < 0) {
			fprintf(stderr, "mwlink eval: run %d failed: %s\n", r + 1, mw_strerror(rc));
			status = 1;
			break;
		}
	}
	sim_scenario_free(sc);
	if (status == 0 && report(ev) < 0)
		status = 1;
	if (status == 0 && ev->ma && meas_audit_print(ev->ma, ev->meas_audit_f) < 0) {
		fprintf(stderr, "mwlink eval: --meas-audit: write failed\n");
		status = 1;
	}
out:
	if (ev && ev->rtn && fclose(ev->rtn) != 0 && status == 0) {
		fprintf(stderr, "mwlink eval: --rtn: write failed\n");
		status = 1;
	}
	if (ev && ev->plots && fclose(ev->plots) != 0 && status == 0) {
		fprintf(stderr, "mwlink eval: --plots: write failed\n");
		status = 1;
	}
	if (ev) {
		free(ev->pend);
		free(ev->snap);
		free(ev->rd2);
		free(ev->oacc);
		free(ev->cd);
		meas_audit_free(ev->ma);
	}
	if (ev && ev->meas_audit_f && fclose(ev->meas_audit_f) != 0 && status == 0) {
		fprintf(stderr, "mwlink eval: --meas-audit: write failed\n");
		status = 1;
	}
	free(ev);
	return status;
}
