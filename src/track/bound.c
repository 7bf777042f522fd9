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
 *     coasts, the boost model's while it thrusts. The thrust itself is
 *     unknown to any estimator that does not know the missile: with
 *     TRACK_BOUND_THRUST_EST (mwlink eval's default) its size and angle
 *     are states as the filter's aT and alpha (model.h) - the tracker's
 *     priors init_sigma_at and TRACK_ALPHA_SIGMA0_RAD, the boost model's
 *     walks q_at and q_alpha, the thrusting model's transition at the
 *     truth's thrust and angle - and are marginalised at the truth's
 *     burnout; k is then not a state (the thrusting model has no drag)
 *     and the (r, v, k) marginal holds k's prior; with THRUST_KNOWN (sessions
 *     1-20) it is known, only the boost model's white noise is added and
 *     the thrust's own Jacobian is left out, which bounds an easier
 *     problem than the filter's (docs/tracking.md, "The bound with the
 *     thrust a state (session 21)").
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

/* Does pb carry the thrust's size and angle as states (struct track_bound)? */
static int carries_at(const struct track_bound *pb)
{
	return pb->boost && pb->thrust_mode == TRACK_BOUND_THRUST_EST;
}

/*
 * pb's covariance predicted from its last measurement to t_ns (Phi P
 * Phi^T + Q along the true trajectory, no measurement) in its n states
 * (TRACK_BOUND_N, or TRACK_NX when it carries alpha and aT: x6 is then
 * alpha), with the truth's thrust `thrust` at angle `alpha` over the
 * interval (boost).
 */
static int predict_n(const struct track_bound *pb, const struct track_config *tc, mw_time_ns t_ns,
                     double thrust, double alpha, int n, double *Pp)
{
	const double *P0 = n == TRACK_NX ? pb->Pa : pb->P;
	double dt = (double)(t_ns - pb->t_ns) * 1e-9;
	if (!(dt > 0)) {
		memcpy(Pp, P0, sizeof(double) * n * n);
		return 0;
	}
	double x8[TRACK_NX] = {0}, Phi[TRACK_NX * TRACK_NX];
	memcpy(x8, pb->x, sizeof(pb->x));
	x8[TRACK_IX_AT] = pb->boost ? thrust : 0.0;
	/* n = TRACK_NX: the thrusting model's transition at the truth's
	 * thrust and angle; else the non-thrusting model's (the thrust's own
	 * Jacobian left out, THRUST_KNOWN) */
	if (n == TRACK_NX)
		x8[TRACK_IX_ALPHA] = alpha;
	int rc = track_model_stm(x8, dt, n, Phi);
	if (rc < 0)
		return rc;
	mat_abat(Pp, Phi, P0, n, n);
	/* The filter's own process noise (track_model_add_q): white
	 * acceleration, the density-scaled walk of k and, in boost, the
	 * stated thrust-direction error across v for the truth's thrust (and
	 * the walks of alpha and aT where they are states). */
	const struct track_motion *mo =
	    &tc->imm.motion[pb->boost ? TRACK_MODE_BOOST : TRACK_MODE_BALLISTIC];
	double Q8[TRACK_NX * TRACK_NX] = {0};
	track_model_add_q(Q8, dt, mo, x8);
	for (int a = 0; a < n; a++)
		for (int c = 0; c < n; c++)
			Pp[a * n + c] += Q8[a * TRACK_NX + c];
	mat_symmetrise(Pp, n);
	return 0;
}

/* Pn's leading TRACK_BOUND_N block (n >= TRACK_BOUND_N) into P7. */
static void lead_block(const double *Pn, int n, double P7[TRACK_BOUND_N * TRACK_BOUND_N])
{
	for (int a = 0; a < TRACK_BOUND_N; a++)
		for (int c = 0; c < TRACK_BOUND_N; c++)
			P7[a * TRACK_BOUND_N + c] = Pn[a * n + c];
}

/* x6 of the n x n P set to variance v, uncorrelated (a prior: k's where
 * the thrusting states' x6 was alpha, alpha's where it was k). */
static void x6_prior(double *P, int n, double v)
{
	for (int i = 0; i < n; i++)
		P[i * n + BOUND_NB] = P[BOUND_NB * n + i] = 0.0;
	P[BOUND_NB * n + BOUND_NB] = v;
}

/*
 * The bound's covariance predicted from its last measurement to t_ns:
 * the bound for a prediction, as the filter's own prediction to t_ns.
 * Carrying aT, the (r, v, k) marginal of the prediction.
 */
int track_bound_predict(const struct track_bound *pb, const struct track_config *tc,
                        mw_time_ns t_ns, double Pp[TRACK_BOUND_N * TRACK_BOUND_N])
{
	if (!carries_at(pb))
		return predict_n(pb, tc, t_ns, pb->thrust_m_s2, 0.0, TRACK_BOUND_N, Pp);
	double P8[TRACK_NX * TRACK_NX];
	int rc = predict_n(pb, tc, t_ns, pb->thrust_m_s2, pb->alpha_rad, TRACK_NX, P8);
	if (rc < 0)
		return rc;
	lead_block(P8, TRACK_NX, Pp);
	x6_prior(Pp, TRACK_BOUND_N, pb->P[BOUND_NB * TRACK_BOUND_N + BOUND_NB]); /* k's prior */
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

/* The truth's thrust over [pb->t_ns, t_ns]: its mean acceleration
 * (velocity change over the interval) less the model's gravity, rotation
 * and drag (true k) averaged over the two ends; its size, and its angle
 * off the velocity in the trajectory plane at the interval's start
 * (model.h's alpha; 0 where the frame is undefined). */
static double truth_thrust(const struct track_bound *pb, const double xt[TRACK_BOUND_N],
                           mw_time_ns t_ns, double *alpha)
{
	double dt = (double)(t_ns - pb->t_ns) * 1e-9;
	*alpha = pb->alpha_rad;
	if (!(dt > 1e-3) || dt > 10.0)
		return pb->thrust_m_s2;
	double x0[TRACK_NX] = {0}, x1[TRACK_NX] = {0}, a0[3], a1[3];
	memcpy(x0, pb->x, sizeof(pb->x));
	memcpy(x1, xt, sizeof(double) * TRACK_BOUND_N);
	if (track_model_accel(x0, 0, a0) < 0 || track_model_accel(x1, 0, a1) < 0)
		return pb->thrust_m_s2;
	double s = 0.0, d[3], u[3], w[3], h[3];
	for (int i = 0; i < 3; i++) {
		d[i] = (xt[3 + i] - pb->x[3 + i]) / dt - 0.5 * (a0[i] + a1[i]);
		s += d[i] * d[i];
	}
	*alpha = 0.0;
	if (track_model_thrust_frame(x0, u, w, h) == 0)
		*alpha = atan2(d[0] * w[0] + d[1] * w[1] + d[2] * w[2],
		               d[0] * u[0] + d[1] * u[1] + d[2] * u[2]);
	return sqrt(s);
}

/*
 * One step of the bound. The filter's own model: the drag parameter k is
 * a state with the filter's prior (init_k +- init_sigma_k, information
 * 1/init_sigma_k^2 at the start) and random walk q_k; the white
 * acceleration is the ballistic model's while the truth coasts and the
 * boost model's while it thrusts. While the truth thrusts, its thrust is
 * either known (THRUST_KNOWN: the boost model's noise alone, Phi the
 * non-thrusting model's at the true state, the thrust's own Jacobian
 * left out) or a state (THRUST_EST: aT and alpha with the tracker's
 * priors and walks, Phi the thrusting model's, so that the bound pays
 * for learning the thrust as the filter does; at the truth's burnout
 * they are marginalised, as the filter's non-thrusting model holds
 * neither, and k comes back with its prior).
 */
int track_bound_update(struct track_bound *pb, const struct track_config *tc,
                       const struct mw_obs *o, const double xt[TRACK_BOUND_N], int boost)
{
	struct track_meas m;
	if (track_meas_prepare(o, &m) < 0)
		return -EINVAL;
	double H7[TRACK_NZ_MAX * TRACK_BOUND_N];
	int rc = meas_jacobian(&m, xt, H7);
	if (rc < 0)
		return rc;
	/* the states after this step: aT too while the truth thrusts */
	const int est = boost && pb->thrust_mode == TRACK_BOUND_THRUST_EST;
	const int n = est ? TRACK_NX : TRACK_BOUND_N;
	double J[TRACK_NX * TRACK_NX] = {0};
	double thrust = 0.0, alpha = 0.0;
	const double va0 = TRACK_ALPHA_SIGMA0_RAD * TRACK_ALPHA_SIGMA0_RAD;
	const double iat = 1.0 / (tc->init_sigma_at_m_s2 * tc->init_sigma_at_m_s2);
	if (!pb->active) {
		/* Prior as the tracker's: position information from this
		 * measurement (a line of sight: and a diffuse prior), velocity
		 * sigma init_sigma_v per axis, k's: the flat prior in boost,
		 * the class's once ballistic (the tracker's class prior at its
		 * first ballistic estimate); aT's init_sigma_at. */
		double sk = boost ? tc->init_sigma_k : k_prior_sigma(tc, xt);
		double jr =
		    o->kind == MW_OBS_RADAR ? 0.0 : 1.0 / (BOUND_LOS_PRIOR_M * BOUND_LOS_PRIOR_M);
		const double jv = 1.0 / (tc->init_sigma_v_m_s * tc->init_sigma_v_m_s);
		for (int i = 0; i < 3; i++) {
			J[i * n + i] = jr;
			J[(3 + i) * n + 3 + i] = jv;
		}
		J[BOUND_NB * n + BOUND_NB] = 1.0 / (n == TRACK_NX ? va0 : sk * sk);
		if (n == TRACK_NX)
			J[TRACK_IX_AT * n + TRACK_IX_AT] = iat;
	} else {
		if (pb->boost) /* the truth's thrust over this interval (predict_n) */
			thrust = truth_thrust(pb, xt, o->t_ns, &alpha);
		const int n0 = carries_at(pb) ? TRACK_NX : TRACK_BOUND_N;
		double P0[TRACK_NX * TRACK_NX], Pp[TRACK_NX * TRACK_NX];
		rc = predict_n(pb, tc, o->t_ns, thrust, alpha, n0, P0);
		if (rc < 0)
			return rc;
		/* to n states: alpha and aT marginalised (the truth's burnout:
		 * x6 becomes k, below), or added with the tracker's priors (a
		 * thrust that starts again after a coast: x6 becomes alpha) */
		if (n0 == n) {
			memcpy(Pp, P0, sizeof(double) * n * n);
		} else if (n < n0) {
			lead_block(P0, n0, Pp);
		} else {
			memset(Pp, 0, sizeof(Pp));
			for (int a = 0; a < n0; a++)
				for (int c = 0; c < n0; c++)
					Pp[a * n + c] = P0[a * n0 + c];
			Pp[TRACK_IX_AT * n + TRACK_IX_AT] = 1.0 / iat;
			x6_prior(Pp, n, va0);
		}
		if (pb->boost && !boost) {
			/* Burnout: as the tracker, forget k (the booster's drag is
			 * not the RV's) and take the class prior, no cross terms. */
			double sk = k_prior_sigma(tc, xt);
			x6_prior(Pp, n, sk * sk);
		}
		rc = mat_spd_inverse(J, Pp, n);
		if (rc < 0)
			return rc;
	}
	/* H^T R^-1 H; H has no aT column */
	for (int a = 0; a < TRACK_BOUND_N; a++)
		for (int b = 0; b < TRACK_BOUND_N; b++)
			for (int i = 0; i < m.nz; i++)
				J[a * n + b] += H7[i * TRACK_BOUND_N + a] *
				                H7[i * TRACK_BOUND_N + b] / m.r_var[i];
	mat_symmetrise(J, n);
	double P[TRACK_NX * TRACK_NX];
	rc = mat_spd_inverse(P, J, n);
	if (rc < 0)
		return rc;
	/* (r, v, k): while alpha is x6 (est), k is not a state and holds its
	 * prior, the flat one's as at the start of a boost (the tracker's
	 * non-thrusting model learns the booster's drag, which the burnout
	 * forgets) */
	double k_var = pb->active ? pb->P[BOUND_NB * TRACK_BOUND_N + BOUND_NB]
	                          : tc->init_sigma_k * tc->init_sigma_k;
	if (est)
		memcpy(pb->Pa, P, sizeof(double) * n * n);
	lead_block(P, n, pb->P);
	if (est)
		x6_prior(pb->P, TRACK_BOUND_N, k_var);
	memcpy(pb->x, xt, sizeof(pb->x));
	pb->t_ns = o->t_ns;
	pb->boost = boost;
	pb->thrust_m_s2 = boost ? thrust : 0.0;
	pb->alpha_rad = boost ? alpha : 0.0;
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
