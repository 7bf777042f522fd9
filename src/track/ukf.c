/*
 * track/ukf.c - unscented Kalman filter prediction and update (see
 * ukf.h for the sigma-point set and the Joseph-form update).
 *
 * Invariants:
 *  1. Every output covariance is symmetrised and passes Cholesky; if it
 *     does not, the step fails with -MW_ENOTSPD and the output is
 *     untouched (never a silently broken track). Debug builds also
 *     assert it (track_gauss_check) after every step.
 *  2. Measurement residuals are formed only through track_meas_residual
 *     (angles wrapped).
 */
#include "track/ukf.h"

#include <assert.h>
#include <errno.h>
#include <math.h>
#include <string.h>

#include "core/err.h"
#include "geo/geo.h"
#include "mat/mat.h"
#include "track/chol.h"

#define N    TRACK_NX
#define NSIG (2 * N + 1)

/* Weights for alpha = 1, beta = 2, kappa = 0. */
#define WM0 0.0
#define WC0 2.0
#define WI  (1.0 / (2.0 * N))

void track_gauss_check(const struct track_gauss *g)
{
#ifndef NDEBUG
	assert(mat_is_spd(g->P, N));
	for (int i = 0; i < N; i++)
		assert(isfinite(g->x[i]));
#else
	(void)g;
#endif
}

static int sigma_points(const struct track_gauss *g, double X[NSIG][N], double L[N * N])
{
	int rc = track_chol(L, g->P, N);
	if (rc < 0)
		return rc;
	const double c = sqrt((double)N);
	memcpy(X[0], g->x, sizeof(X[0]));
	for (int j = 0; j < N; j++)
		for (int i = 0; i < N; i++) {
			double d = c * L[i * N + j];
			X[1 + j][i] = g->x[i] + d;
			X[1 + N + j][i] = g->x[i] - d;
		}
	return 0;
}

static double wm(int k)
{
	return k == 0 ? WM0 : WI;
}
static double wc(int k)
{
	return k == 0 ? WC0 : WI;
}

int track_ukf_predict(const struct track_gauss *in, double dt_s, const struct track_motion *mo,
                      struct track_gauss *out)
{
	if (dt_s == 0.0) {
		*out = *in;
		return 0;
	}
	const double *r = in->x;
	double rn = sqrt(r[0] * r[0] + r[1] * r[1] + r[2] * r[2]);
	/* |r| - a is below the geodetic height: a conservative test. */
	int lin = fabs(dt_s) <= TRACK_LIN_MAX_DT_S && rn - GEO_WGS84_A_M >= TRACK_LIN_MIN_H_M;
	if (lin && mo->thrust) {
		/* Thrust acts along v/|v|: linear only if the direction is
		 * well known (speed sigma small against the speed). */
		const double *v = in->x + 3;
		double v2 = v[0] * v[0] + v[1] * v[1] + v[2] * v[2];
		double pvv = in->P[3 * N + 3] + in->P[4 * N + 4] + in->P[5 * N + 5];
		lin = pvv < TRACK_LIN_MAX_DIR_VAR * v2;
	}
	if (lin)
		return track_ukf_predict_lin(in, dt_s, mo, out);
	return track_ukf_predict_ut(in, dt_s, mo, out);
}

int track_ukf_predict_lin(const struct track_gauss *in, double dt_s, const struct track_motion *mo,
                          struct track_gauss *out)
{
	struct track_gauss g;
	double Phi[N * N];
	int rc = track_model_propagate_stm(in->x, dt_s, mo->thrust, g.x, Phi);
	if (rc < 0)
		return rc;
	mat_abat(g.P, Phi, in->P, N, N);
	mat_symmetrise(g.P, N);
	track_model_add_q(g.P, dt_s, mo, in->x);
	*out = g;
	track_gauss_check(out);
	return 0;
}

int track_ukf_predict_ut(const struct track_gauss *in, double dt_s, const struct track_motion *mo,
                         struct track_gauss *out)
{
	if (dt_s == 0.0) {
		*out = *in;
		return 0;
	}
	double X[NSIG][N], L[N * N];
	int rc = sigma_points(in, X, L);
	if (rc < 0)
		return rc;
	for (int k = 0; k < NSIG; k++) {
		rc = track_model_propagate(X[k], dt_s, mo->thrust, X[k]);
		if (rc < 0)
			return rc;
	}
	struct track_gauss g;
	memset(&g, 0, sizeof(g));
	for (int k = 0; k < NSIG; k++)
		for (int i = 0; i < N; i++)
			g.x[i] += wm(k) * X[k][i];
	for (int k = 0; k < NSIG; k++) {
		double d[N];
		for (int i = 0; i < N; i++)
			d[i] = X[k][i] - g.x[i];
		double w = wc(k);
		for (int i = 0; i < N; i++)
			for (int j = 0; j <= i; j++)
				g.P[i * N + j] += w * d[i] * d[j];
	}
	for (int i = 0; i < N; i++)
		for (int j = 0; j < i; j++)
			g.P[j * N + i] = g.P[i * N + j];
	track_model_add_q(g.P, dt_s, mo, in->x);
	/* Positive definiteness is checked by the next factorisation
	 * (sigma points or the update) and asserted in debug builds. */
	*out = g;
	track_gauss_check(out);
	return 0;
}

int track_ukf_zpredict(const struct track_gauss *g, const struct track_meas *m,
                       struct track_zpred *zp)
{
	double X[NSIG][N], Z[NSIG][TRACK_NZ_MAX];
	struct track_zpred p;
	int rc = sigma_points(g, X, p.Lp);
	if (rc < 0)
		return rc;
	const int nz = m->nz;
	for (int k = 0; k < NSIG; k++) {
		rc = track_meas_h(m, X[k], Z[k]);
		if (rc < 0)
			return rc;
	}
	memset(p.zhat, 0, sizeof(p.zhat));
	memset(p.S, 0, sizeof(p.S));
	memset(p.Pxz, 0, sizeof(p.Pxz));
	p.nz = nz;
	/* Mean in residual space about the centre point's prediction. */
	double acc[TRACK_NZ_MAX] = {0};
	for (int k = 1; k < NSIG; k++) {
		double d[TRACK_NZ_MAX];
		track_meas_residual(m, Z[k], Z[0], d);
		for (int i = 0; i < nz; i++)
			acc[i] += wm(k) * d[i];
	}
	for (int i = 0; i < nz; i++)
		p.zhat[i] = Z[0][i] + acc[i];
	for (int k = 0; k < NSIG; k++) {
		double dz[TRACK_NZ_MAX];
		track_meas_residual(m, Z[k], p.zhat, dz);
		double w = wc(k);
		for (int i = 0; i < nz; i++)
			for (int j = 0; j < nz; j++)
				p.S[i * nz + j] += w * dz[i] * dz[j];
		if (k == 0)
			continue; /* X[0] - x = 0 */
		for (int i = 0; i < N; i++) {
			double dx = X[k][i] - g->x[i];
			for (int j = 0; j < nz; j++)
				p.Pxz[i * nz + j] += w * dx * dz[j];
		}
	}
	for (int i = 0; i < nz; i++)
		p.S[i * nz + i] += m->r_var[i];
	mat_symmetrise(p.S, nz);
	rc = track_chol(p.Ls, p.S, nz);
	if (rc < 0)
		return rc;
	p.logdet_S = track_chol_logdet(p.Ls, nz);
	*zp = p;
	return 0;
}

int track_ukf_innovation(const struct track_zpred *zp, const struct track_meas *m,
                         double nu[TRACK_NZ_MAX], double *d2)
{
	track_meas_residual(m, m->z, zp->zhat, nu);
	*d2 = track_chol_mahal(zp->Ls, nu, zp->nz);
	return 0;
}

int track_ukf_update(const struct track_gauss *g, const struct track_zpred *zp,
                     const struct track_meas *m, struct track_gauss *out, double *nis)
{
	const int nz = zp->nz;
	double nu[TRACK_NZ_MAX], d2;
	int rc = track_ukf_innovation(zp, m, nu, &d2);
	if (rc < 0)
		return rc;
	/* K^T = S^-1 Pxz^T  (nz x N) */
	double Kt[TRACK_NZ_MAX * N], K[N * TRACK_NZ_MAX];
	mat_transpose(Kt, zp->Pxz, N, nz);
	track_chol_solve(zp->Ls, Kt, nz, N);
	mat_transpose(K, Kt, nz, N);
	/* H = Pxz^T P^-1 -> H^T = P^-1 Pxz (N x nz) */
	double Ht[N * TRACK_NZ_MAX], H[TRACK_NZ_MAX * N];
	memcpy(Ht, zp->Pxz, sizeof(double) * N * (size_t)nz);
	track_chol_solve(zp->Lp, Ht, N, nz);
	mat_transpose(H, Ht, N, nz);
	/* R_eff = S - H Pxz  (H P H^T = Pxz^T P^-1 Pxz = H Pxz) */
	double HPxz[TRACK_NZ_MAX * TRACK_NZ_MAX], Reff[TRACK_NZ_MAX * TRACK_NZ_MAX];
	mat_mul(HPxz, H, zp->Pxz, nz, N, nz);
	mat_sub(Reff, zp->S, HPxz, nz, nz);
	mat_symmetrise(Reff, nz);
	/* Guard rounding: R_eff >= R in exact arithmetic. */
	for (int i = 0; i < nz; i++)
		if (Reff[i * nz + i] < m->r_var[i])
			Reff[i * nz + i] = m->r_var[i];
	/* A = I - K H */
	double A[N * N], KH[N * N];
	mat_mul(KH, K, H, N, nz, N);
	mat_identity(A, N);
	mat_sub(A, A, KH, N, N);
	struct track_gauss r;
	double t1[N * N], t2[N * N];
	mat_abat(t1, A, g->P, N, N);
	mat_abat(t2, K, Reff, N, nz);
	mat_add(r.P, t1, t2, N, N);
	mat_symmetrise(r.P, N);
	double dx[N];
	mat_mul_vec(dx, K, nu, N, nz);
	for (int i = 0; i < N; i++) {
		r.x[i] = g->x[i] + dx[i];
		if (!isfinite(r.x[i]))
			return -EDOM;
	}
	*out = r;
	if (nis)
		*nis = d2;
	track_gauss_check(out);
	return 0;
}
