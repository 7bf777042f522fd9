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
 *     (r, v, k), the tracker's prior at the first radar measurement
 *     (velocity init_sigma_v per axis, k init_sigma_k), the ballistic
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
	const struct track_motion *mo =
	    &tc->imm.motion[pb->boost ? TRACK_MODE_BOOST : TRACK_MODE_BALLISTIC];
	double q = mo->q_acc_m2_s3;
	for (int k = 0; k < 3; k++) {
		Pp[k * TRACK_BOUND_N + k] += q * dt * dt * dt / 3;
		Pp[k * TRACK_BOUND_N + k + 3] += q * dt * dt / 2;
		Pp[(k + 3) * TRACK_BOUND_N + k] += q * dt * dt / 2;
		Pp[(k + 3) * TRACK_BOUND_N + k + 3] += q * dt;
	}
	Pp[BOUND_NB * TRACK_BOUND_N + BOUND_NB] += track_model_q_k(x8, mo) * dt;
	mat_symmetrise(Pp, TRACK_BOUND_N);
	return 0;
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
	if (!pb->active) {
		if (o->kind != MW_OBS_RADAR)
			return 0; /* one line of sight has no range: radar starts */
		/* Prior as the tracker's: position information from this
		 * measurement, velocity sigma init_sigma_v per axis, k's. */
		for (int i = 0; i < TRACK_BOUND_N; i++)
			J[i * TRACK_BOUND_N + i] =
			    i < 3          ? 0.0
			    : i < BOUND_NB ? 1.0 / (tc->init_sigma_v_m_s * tc->init_sigma_v_m_s)
			                   : 1.0 / (tc->init_sigma_k * tc->init_sigma_k);
	} else {
		double Pp[TRACK_BOUND_N * TRACK_BOUND_N];
		rc = track_bound_predict(pb, tc, o->t_ns, Pp);
		if (rc < 0)
			return rc;
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
