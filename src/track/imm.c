/*
 * track/imm.c - the two-model IMM of imm.h.
 *
 * Invariants:
 *  1. mu[j] >= TRACK_MU_FLOOR and sum mu = 1 after every step, so neither
 *     model is ever lost for good (a ballistic track can re-enter boost
 *     at staging).
 *  2. A model whose update is undefined (measurement model fails for
 *     its sigma points) keeps its prediction and gets likelihood 0;
 *     if both fail the update fails and the input is untouched.
 */
#include "track/imm.h"

#include <errno.h>
#include <math.h>
#include <string.h>

#include "core/err.h"
#include "mat/mat.h"
#include "track/chol.h"

#define N              TRACK_NX
#define TRACK_MU_FLOOR 1e-8 /* why this value: tau_ballistic_s in tracker.c */

static void normalise(double mu[TRACK_N_MODES])
{
	double s = 0.0;
	for (int j = 0; j < TRACK_N_MODES; j++) {
		if (!(mu[j] > TRACK_MU_FLOOR))
			mu[j] = TRACK_MU_FLOOR;
		s += mu[j];
	}
	for (int j = 0; j < TRACK_N_MODES; j++)
		mu[j] /= s;
}

/* The moment-matched Gaussian of the models m with weights w (the
 * mixing reads the posteriors in place, without copying them). */
static void combine_w(const struct track_gauss m[TRACK_N_MODES], const double w[TRACK_N_MODES],
                      struct track_gauss *out)
{
	struct track_gauss g;
	memset(&g, 0, sizeof(g));
	for (int j = 0; j < TRACK_N_MODES; j++)
		for (int i = 0; i < N; i++)
			g.x[i] += w[j] * m[j].x[i];
	for (int j = 0; j < TRACK_N_MODES; j++) {
		double d[N];
		for (int i = 0; i < N; i++)
			d[i] = m[j].x[i] - g.x[i];
		for (int a = 0; a < N; a++)
			for (int b = 0; b <= a; b++)
				g.P[a * N + b] += w[j] * (m[j].P[a * N + b] + d[a] * d[b]);
	}
	/* Lower triangle mirrored: the modes' P are exactly symmetric, so
	 * this equals the full sum symmetrised. */
	for (int a = 0; a < N; a++)
		for (int b = 0; b < a; b++)
			g.P[b * N + a] = g.P[a * N + b];
	*out = g;
}

void track_imm_combine(const struct track_imm *imm, struct track_gauss *out)
{
	combine_w(imm->m, imm->mu, out);
}

int track_imm_predict(const struct track_imm *in, double dt_s, const struct track_imm_cfg *cfg,
                      struct track_imm *out)
{
	double adt = fabs(dt_s);
	double p_bb = exp(-adt / cfg->tau_boost_s);
	double p_cc = exp(-adt / cfg->tau_ballistic_s);
	/* Pi[i][j] = P(mode j at k+1 | mode i at k) */
	double Pi[TRACK_N_MODES][TRACK_N_MODES] = {
	    [TRACK_MODE_BALLISTIC] = {[TRACK_MODE_BALLISTIC] = p_cc, [TRACK_MODE_BOOST] = 1 - p_cc},
	    [TRACK_MODE_BOOST] = {[TRACK_MODE_BALLISTIC] = 1 - p_bb, [TRACK_MODE_BOOST] = p_bb},
	};
	struct track_imm r;
	double c[TRACK_N_MODES];
	for (int j = 0; j < TRACK_N_MODES; j++) {
		c[j] = 0.0;
		for (int i = 0; i < TRACK_N_MODES; i++)
			c[j] += Pi[i][j] * in->mu[i];
	}
	for (int j = 0; j < TRACK_N_MODES; j++) {
		/* Mixed initial condition for model j. */
		double w[TRACK_N_MODES];
		for (int i = 0; i < TRACK_N_MODES; i++)
			w[i] = c[j] > 0 ? Pi[i][j] * in->mu[i] / c[j] : 0.0;
		struct track_gauss g0;
		combine_w(in->m, w, &g0);
		if (!cfg->motion[j].thrust) {
			/* The non-thrusting model holds aT = 0, uncorrelated. */
			for (int i = 0; i < N; i++)
				g0.P[i * N + TRACK_IX_AT] = g0.P[TRACK_IX_AT * N + i] = 0.0;
			g0.x[TRACK_IX_AT] = 0.0;
			g0.P[TRACK_IX_AT * N + TRACK_IX_AT] =
			    cfg->sigma_at0_m_s2 * cfg->sigma_at0_m_s2;
		}
		int rc = track_ukf_predict(&g0, dt_s, &cfg->motion[j], &r.m[j]);
		if (rc < 0)
			return rc;
		r.mu[j] = c[j];
	}
	normalise(r.mu);
	*out = r;
	return 0;
}

int track_imm_zpredict(const struct track_imm *pred, const struct track_meas *m,
                       struct track_zpred zp[TRACK_N_MODES], struct track_imm_gate *gate)
{
	int ok = 0, rc = -EDOM;
	double d2[TRACK_N_MODES], a[TRACK_N_MODES], b[TRACK_N_MODES];
	double amax = -INFINITY, bmax = -INFINITY, d2min = INFINITY;
	for (int j = 0; j < TRACK_N_MODES; j++) {
		a[j] = b[j] = -INFINITY;
		rc = track_ukf_zpredict(&pred->m[j], m, &zp[j]);
		if (rc < 0) {
			zp[j].nz = 0;
			continue;
		}
		double nu[TRACK_NZ_MAX];
		track_ukf_innovation(&zp[j], m, nu, &d2[j]);
		ok++;
		if (d2[j] < d2min)
			d2min = d2[j];
		/* log(mu_j) - (d2_j + ln det S_j)/2 and its value at d2 = 0 */
		double lm = log(pred->mu[j]);
		a[j] = lm - 0.5 * (d2[j] + zp[j].logdet_S);
		b[j] = lm - 0.5 * zp[j].logdet_S;
		if (a[j] > amax)
			amax = a[j];
		if (b[j] > bmax)
			bmax = b[j];
	}
	if (!ok)
		return rc;
	double sa = 0.0, sb = 0.0;
	for (int j = 0; j < TRACK_N_MODES; j++) {
		if (!zp[j].nz)
			continue;
		sa += exp(a[j] - amax);
		sb += exp(b[j] - bmax);
	}
	if (gate) {
		gate->d2 = d2min;
		gate->cost = -2.0 * (amax + log(sa));
		gate->logdet = -2.0 * (bmax + log(sb));
	}
	return 0;
}

int track_imm_update(const struct track_imm *pred, const struct track_zpred zp[TRACK_N_MODES],
                     const struct track_meas *m, struct track_imm *out)
{
	struct track_imm r;
	double ll[TRACK_N_MODES];
	double llmax = -INFINITY;
	int ok = 0, rc = -EDOM;
	for (int j = 0; j < TRACK_N_MODES; j++) {
		ll[j] = -INFINITY;
		r.m[j] = pred->m[j];
		if (!zp[j].nz)
			continue;
		double nis;
		rc = track_ukf_update(&pred->m[j], &zp[j], m, &r.m[j], &nis);
		if (rc < 0) {
			r.m[j] = pred->m[j];
			continue;
		}
		ok++;
		ll[j] = log(pred->mu[j]) - 0.5 * nis - 0.5 * zp[j].logdet_S;
		if (ll[j] > llmax)
			llmax = ll[j];
	}
	if (!ok)
		return rc;
	for (int j = 0; j < TRACK_N_MODES; j++)
		r.mu[j] = isfinite(ll[j]) ? exp(ll[j] - llmax) : 0.0;
	normalise(r.mu);
	*out = r;
	return 0;
}

int track_imm_predict_mode(const struct track_imm *in, double dt_s, const struct track_imm_cfg *cfg,
                           enum track_mode j, struct track_gauss *out)
{
	if ((int)j < 0 || j >= TRACK_N_MODES)
		return -EINVAL;
	/* The same operations in the same order as model j's branch of
	 * track_imm_predict: the same doubles. */
	double adt = fabs(dt_s);
	double p_bb = exp(-adt / cfg->tau_boost_s);
	double p_cc = exp(-adt / cfg->tau_ballistic_s);
	double Pi[TRACK_N_MODES][TRACK_N_MODES] = {
	    [TRACK_MODE_BALLISTIC] = {[TRACK_MODE_BALLISTIC] = p_cc, [TRACK_MODE_BOOST] = 1 - p_cc},
	    [TRACK_MODE_BOOST] = {[TRACK_MODE_BALLISTIC] = 1 - p_bb, [TRACK_MODE_BOOST] = p_bb},
	};
	double cj = 0.0;
	for (int i = 0; i < TRACK_N_MODES; i++)
		cj += Pi[i][j] * in->mu[i];
	double w[TRACK_N_MODES];
	for (int i = 0; i < TRACK_N_MODES; i++)
		w[i] = cj > 0 ? Pi[i][j] * in->mu[i] / cj : 0.0;
	struct track_gauss g0;
	combine_w(in->m, w, &g0);
	if (!cfg->motion[j].thrust) {
		for (int i = 0; i < N; i++)
			g0.P[i * N + TRACK_IX_AT] = g0.P[TRACK_IX_AT * N + i] = 0.0;
		g0.x[TRACK_IX_AT] = 0.0;
		g0.P[TRACK_IX_AT * N + TRACK_IX_AT] = cfg->sigma_at0_m_s2 * cfg->sigma_at0_m_s2;
	}
	return track_ukf_predict(&g0, dt_s, &cfg->motion[j], out);
}
