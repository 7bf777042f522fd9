/*
 * track/bound.c - the posterior Cramer-Rao lower bound of the tracker's
 * problem along one object's true trajectory (bound.h).
 *
 * The recursion (Tichavsky, Muravchik & Nehorai 1998, additive Gaussian
 * noise): J+ = (Phi J^-1 Phi^T + Q)^-1 + H^T R^-1 H, with Phi and H
 * Jacobians by central differences at the TRUE state and the
 * measurements the run actually produced (association known: no
 * information-reduction factor for clutter).
 *
 * Invariants:
 *  1. The bound uses the filter's own model and knowledge: state
 *     (r, v, k), the tracker's prior at the first measurement (velocity
 *     init_sigma_v per axis, k init_sigma_k; position: none for a radar
 *     plot, a diffuse BOUND_LOS_PRIOR_M for a line of sight, whose own
 *     information has no range), the ballistic
 *     model's white acceleration and density-scaled q_k' while the truth
 *     coasts, the boost model's while it thrusts (the thrust itself is
 *     unknown to any estimator that does not know the missile; white
 *     noise of that density is what the filter's thrust state stands
 *     for, and the thrust's own Jacobian is left out).
 *  2. The state's k is the object's true drag parameter, so the bound is
 *     evaluated for that one value of k (a Bayesian bound for a fixed
 *     parameter value is not a per-value lower bound where k is never
 *     observed: docs/tracking.md, "Evaluation").
 *  3. No global state; b is unchanged on failure.
 */
#include <errno.h>
#include <math.h>
#include <string.h>

#include "core/err.h"
#include "mat/mat.h"
#include "track/bound.h"
#include "track/meas.h"
#include "track/model.h"
#include "track/predict.h"

#define BOUND_NB 6 /* r, v */
/* Position prior (1 sigma per axis) of a bound started by a line of
 * sight: the tracker starts an IR track from the rays alone (two
 * sensors' rays meet), so the bound's own prior must leave position to
 * the rays; 1,000 km adds 1e-12 m^-2 against the 2e-6 m^-2 across a GEO
 * sensor's ray (20 urad from 36,000 km), and keeps the first
 * covariance invertible. */
#define BOUND_LOS_PRIOR_M 1e6

/* Jacobian of h at x (nz x TRACK_BOUND_N, the k column zero) by central differences. */
static int meas_jacobian(const struct track_meas *m, const double x7[TRACK_BOUND_N], double *H)
{
	double x[TRACK_NX] = {0};
	memcpy(x, x7, sizeof(double) * TRACK_BOUND_N);
	static const double st[BOUND_NB] = {1.0, 1.0, 1.0, 1e-3, 1e-3, 1e-3};
	for (int i = 0; i < m->nz; i++)
		H[i * TRACK_BOUND_N + BOUND_NB] = 0.0;
	for (int j = 0; j < BOUND_NB; j++) {
		double xp[TRACK_NX], xm[TRACK_NX], zp[TRACK_NZ_MAX], zm[TRACK_NZ_MAX],
		    d[TRACK_NZ_MAX];
		memcpy(xp, x, sizeof(xp));
		memcpy(xm, x, sizeof(xm));
		xp[j] += st[j];
		xm[j] -= st[j];
		if (track_meas_h(m, xp, zp) < 0 || track_meas_h(m, xm, zm) < 0)
			return -EDOM;
		track_meas_residual(m, zp, zm, d);
		for (int i = 0; i < m->nz; i++)
			H[i * TRACK_BOUND_N + j] = d[i] / (2 * st[j]);
	}
	return 0;
}

/*
 * The bound's covariance predicted from its last measurement to t_ns
 * (Phi P Phi^T + Q along the true trajectory, no measurement): the
 * bound for a prediction, as the filter's own prediction to t_ns.
 */
int track_bound_predict(const struct track_bound *pb, const struct track_config *tc,
                        mw_time_ns t_ns, double Pp[TRACK_BOUND_N * TRACK_BOUND_N])
{
	double dt = (double)(t_ns - pb->t_ns) * 1e-9;
	if (!(dt > 0)) {
		memcpy(Pp, pb->P, sizeof(pb->P));
		return 0;
	}
	double x8[TRACK_NX] = {0}, Phi[TRACK_BOUND_N * TRACK_BOUND_N];
	memcpy(x8, pb->x, sizeof(pb->x));
	int rc = track_model_stm(x8, dt, TRACK_BOUND_N, Phi);
	if (rc < 0)
		return rc;
	mat_abat(Pp, Phi, pb->P, TRACK_BOUND_N, TRACK_BOUND_N);
	/* The filter's own process noise (track_model_add_q): white
	 * acceleration, the density-scaled walk of k and, in boost, the
	 * stated thrust-direction error across v for the truth's thrust. */
	const struct track_motion *mo =
	    &tc->imm.motion[pb->boost ? TRACK_MODE_BOOST : TRACK_MODE_BALLISTIC];
	double Q8[TRACK_NX * TRACK_NX] = {0};
	x8[TRACK_IX_AT] = pb->boost ? pb->thrust_m_s2 : 0.0;
	track_model_add_q(Q8, dt, mo, x8);
	for (int a = 0; a < TRACK_BOUND_N; a++)
		for (int c = 0; c < TRACK_BOUND_N; c++)
			Pp[a * TRACK_BOUND_N + c] += Q8[a * TRACK_NX + c];
	mat_symmetrise(Pp, TRACK_BOUND_N);
	return 0;
}

/* The tracker's drag prior for the class of true state xt (its energy,
 * as the tracker classifies, tracker.c): the class's sigma of k where
 * tc->beta_prior has a range for it, else the flat prior's positive part
 * (k > 0, track_k_positive_moments), as the tracker's class_prior. */
static double k_prior_sigma(const struct track_config *tc, const double xt[TRACK_BOUND_N])
{
	enum track_class c = track_class_of_range(track_class_max_range_m(xt));
	double kc, sc;
	if (c > TRACK_CLASS_UNKNOWN && c < TRACK_CLASS_N &&
	    track_beta_prior_k(&tc->beta_prior[c], &kc, &sc) == 0)
		return sc;
	if (track_k_positive_moments(tc->init_k, tc->init_sigma_k, &kc, &sc) == 0)
		return sc;
	return tc->init_sigma_k;
}

/* The truth's thrust over [pb->t_ns, t_ns]: the size of its mean
 * acceleration (velocity change over the interval) less the model's
 * gravity, rotation and drag (true k) averaged over the two ends. */
static double truth_thrust(const struct track_bound *pb, const double xt[TRACK_BOUND_N],
                           mw_time_ns t_ns)
{
	double dt = (double)(t_ns - pb->t_ns) * 1e-9;
	if (!(dt > 1e-3) || dt > 10.0)
		return pb->thrust_m_s2;
	double x0[TRACK_NX] = {0}, x1[TRACK_NX] = {0}, a0[3], a1[3];
	memcpy(x0, pb->x, sizeof(pb->x));
	memcpy(x1, xt, sizeof(double) * TRACK_BOUND_N);
	if (track_model_accel(x0, 0, a0) < 0 || track_model_accel(x1, 0, a1) < 0)
		return pb->thrust_m_s2;
	double s = 0.0;
	for (int i = 0; i < 3; i++) {
		double d = (xt[3 + i] - pb->x[3 + i]) / dt - 0.5 * (a0[i] + a1[i]);
		s += d * d;
	}
	return sqrt(s);
}

/*
 * One step of the bound. The filter's own model: the drag parameter k is
 * a state with the filter's prior (init_k +- init_sigma_k, information
 * 1/init_sigma_k^2 at the start) and random walk q_k; the white
 * acceleration is the ballistic model's while the truth coasts and the
 * boost model's while it thrusts (the thrust is unknown to the estimator,
 * the filter covers it with that noise and the thrust state). Phi is the
 * non-thrusting model's at the true state (the thrust's own Jacobian is
 * left out: a gravity turn changes Phi little over a scan).
 */
int track_bound_update(struct track_bound *pb, const struct track_config *tc,
                       const struct mw_obs *o, const double xt[TRACK_BOUND_N], int boost)
{
	struct track_meas m;
	if (track_meas_prepare(o, &m) < 0)
		return -EINVAL;
	double H[TRACK_NZ_MAX * TRACK_BOUND_N];
	int rc = meas_jacobian(&m, xt, H);
	if (rc < 0)
		return rc;
	double J[TRACK_BOUND_N * TRACK_BOUND_N] = {0};
	double thrust = 0.0;
	if (!pb->active) {
		/* Prior as the tracker's: position information from this
		 * measurement (a line of sight: and a diffuse prior), velocity
		 * sigma init_sigma_v per axis, k's: the flat prior in boost,
		 * the class's once ballistic (the tracker's class prior at its
		 * first ballistic estimate). */
		double sk = boost ? tc->init_sigma_k : k_prior_sigma(tc, xt);
		double jr =
		    o->kind == MW_OBS_RADAR ? 0.0 : 1.0 / (BOUND_LOS_PRIOR_M * BOUND_LOS_PRIOR_M);
		for (int i = 0; i < TRACK_BOUND_N; i++)
			J[i * TRACK_BOUND_N + i] =
			    i < 3          ? jr
			    : i < BOUND_NB ? 1.0 / (tc->init_sigma_v_m_s * tc->init_sigma_v_m_s)
			                   : 1.0 / (sk * sk);
	} else {
		struct track_bound pi = *pb;
		if (pb->boost)
			pi.thrust_m_s2 = thrust = truth_thrust(pb, xt, o->t_ns);
		double Pp[TRACK_BOUND_N * TRACK_BOUND_N];
		rc = track_bound_predict(&pi, tc, o->t_ns, Pp);
		if (rc < 0)
			return rc;
		if (pb->boost && !boost) {
			/* Burnout: as the tracker, forget k (the booster's drag is
			 * not the RV's) and take the class prior, no cross terms. */
			double sk = k_prior_sigma(tc, xt);
			for (int i = 0; i < TRACK_BOUND_N; i++)
				Pp[i * TRACK_BOUND_N + BOUND_NB] =
				    Pp[BOUND_NB * TRACK_BOUND_N + i] = 0.0;
			Pp[BOUND_NB * TRACK_BOUND_N + BOUND_NB] = sk * sk;
		}
		rc = mat_spd_inverse(J, Pp, TRACK_BOUND_N);
		if (rc < 0)
			return rc;
	}
	for (int a = 0; a < TRACK_BOUND_N; a++)
		for (int b = 0; b < TRACK_BOUND_N; b++)
			for (int i = 0; i < m.nz; i++)
				J[a * TRACK_BOUND_N + b] += H[i * TRACK_BOUND_N + a] *
				                            H[i * TRACK_BOUND_N + b] / m.r_var[i];
	mat_symmetrise(J, TRACK_BOUND_N);
	double P[TRACK_BOUND_N * TRACK_BOUND_N];
	rc = mat_spd_inverse(P, J, TRACK_BOUND_N);
	if (rc < 0)
		return rc;
	memcpy(pb->P, P, sizeof(P));
	memcpy(pb->x, xt, sizeof(pb->x));
	pb->t_ns = o->t_ns;
	pb->boost = boost;
	pb->thrust_m_s2 = boost ? thrust : 0.0;
	pb->active = 1;
	return 0;
}

int track_bound_impact(const struct track_bound *b, double *var_m2, double *var_known_k_m2)
{
	if (!b->active)
		return -ERANGE;
	struct track_gauss gb;
	memset(&gb, 0, sizeof(gb));
	memcpy(gb.x, b->x, sizeof(b->x));
	for (int a = 0; a < TRACK_BOUND_N; a++)
		for (int c = 0; c < TRACK_BOUND_N; c++)
			gb.P[a * TRACK_NX + c] = b->P[a * TRACK_BOUND_N + c];
	gb.P[TRACK_IX_AT * TRACK_NX + TRACK_IX_AT] = 1e-10;
	struct track_point_pred bp;
	int rc = track_predict_impact(&gb, b->t_ns, 7200.0, &bp);
	if (rc < 0)
		return rc;
	double vk = NAN;
	if (var_known_k_m2) {
		/* Conditioned on k (Schur complement). */
		struct track_gauss gk = gb;
		double pkk = gb.P[TRACK_IX_K * TRACK_NX + TRACK_IX_K];
		for (int a = 0; a < TRACK_BOUND_N; a++)
			for (int c = 0; c < TRACK_BOUND_N; c++)
				gk.P[a * TRACK_NX + c] -= gb.P[a * TRACK_NX + TRACK_IX_K] *
				                          gb.P[TRACK_IX_K * TRACK_NX + c] / pkk;
		gk.P[TRACK_IX_K * TRACK_NX + TRACK_IX_K] = 1e-10;
		struct track_point_pred bk;
		rc = track_predict_impact(&gk, b->t_ns, 7200.0, &bk);
		if (rc < 0)
			return rc;
		vk = bk.cov_en_m2[0] + bk.cov_en_m2[3];
	}
	*var_m2 = bp.cov_en_m2[0] + bp.cov_en_m2[3];
	if (var_known_k_m2)
		*var_known_k_m2 = vk;
	return 0;
}
