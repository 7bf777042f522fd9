/*
 * track/gravity_err.c - the gravity-model error as a Schmidt consider
 * parameter: the cross-covariance C of the state's error with the unit
 * Gauss-Markov acceleration b, through predictions and updates (the
 * equations are in gravity_err.h).
 *
 * Invariants:
 *  1. Pure functions of their arguments; no state.
 *  2. The covariance terms added to P are symmetric by construction
 *     (computed on the lower triangle and mirrored).
 *  3. With sigma_g = 0 (grav_err NONE) nothing is added to P and C' =
 *     f Phi C (0 for C = 0); the callers skip these functions for NONE.
 */
#include "track/gravity_err.h"

#include <errno.h>
#include <math.h>
#include <stdint.h>
#include <string.h>

#define N  TRACK_NX
#define NB TRACK_GRAV_NB

/* Does the motion state a gravity-model error at all? */
static int sigma_any(const struct track_motion *mo)
{
	return mo->grav_err != TRACK_GRAV_ERR_NONE;
}

void track_grav_gammas(double tau_s, double dt_s, double g[4])
{
	double adt = fabs(dt_s), x = adt / tau_s;
	if (!(adt > 0.0) || !(tau_s > 0.0)) {
		g[0] = g[1] = g[2] = 0.0;
		g[3] = 1.0;
		return;
	}
	double t2 = tau_s * tau_s, om = -expm1(-x); /* 1 - e^-x */
	double gr, g1r;
	if (x < 1e-2) {
		/* x - (1 - e^-x) and 1 - e^-x (1 + x) cancel to x^2 / 2:
		 * their series (next terms below 1e-14 relative). */
		double x2 = x * x;
		gr = t2 * x2 * (0.5 - x / 6.0 + x2 / 24.0 - x2 * x / 120.0 + x2 * x2 / 720.0);
		g1r = t2 * x2 * (0.5 - x / 3.0 + x2 / 8.0 - x2 * x / 30.0 + x2 * x2 / 144.0);
	} else {
		gr = t2 * (x - om);
		g1r = t2 * (om - x * exp(-x));
	}
	g[0] = gr;
	g[1] = (dt_s < 0.0 ? -1.0 : 1.0) * tau_s * om;
	g[2] = g1r;
	g[3] = 1.0 - om;
}

int track_grav_has_c(const struct track_gauss *g)
{
	/* The bits ORed (vectorised, no branch per entry; a -0.0 counts as
	 * non-zero, which only costs the H C of a zero C). */
	uint64_t u[N * NB], o = 0;
	memcpy(u, g->C, sizeof(u));
	for (int i = 0; i < N * NB; i++)
		o |= u[i];
	return o != 0;
}

/*
 * The gravity error's part of an interval, per unit of nothing: the
 * displacement D (r, v) it adds has covariance Q, coefficient G on b at
 * the start (D = G b0 + independent) and cross-covariance Cb with b at
 * the end; f = Cov(b_end, b0).
 */
struct gm_terms {
	double Q[6][6], G[6][3], Cb[6][3], f;
};

/* One short interval (kinematic displacement, sigma_g s): Q = s^2
 * track_model_gm_q per axis, G = s Gamma, Cb = s Gamma1. */
static void terms_short(double s, double dt_s, struct gm_terms *t)
{
	double g[4], q[3];
	track_grav_gammas(TRACK_GRAV_TAU_S, dt_s, g);
	track_model_gm_q(s, TRACK_GRAV_TAU_S, dt_s, q);
	if (dt_s < 0.0)
		q[1] = -q[1]; /* backwards: dv = -int a, dr = +int ... a */
	memset(t, 0, sizeof(*t));
	for (int k = 0; k < 3; k++) {
		t->Q[k][k] = q[0];
		t->Q[k][3 + k] = t->Q[3 + k][k] = q[1];
		t->Q[3 + k][3 + k] = q[2];
		t->G[k][k] = s * g[0];
		t->G[3 + k][k] = s * g[1];
		t->Cb[k][k] = s * g[2];
		t->Cb[3 + k][k] = s * g[1];
	}
	t->f = g[3];
}

/*
 * A long interval: over one interval the kinematic displacement leaves
 * out the gravity gradient, which over a coast of a large part of an
 * orbit (the 2,000 s of a lofted ICBM) reshapes how an acceleration
 * moves the state (a Monte Carlo's one-step 2,000 s coast NEES 10.4
 * against 6). Split into n chunks of at most GRAV_CHUNK_S along the
 * mean path, each a short interval with its own sigma_g (mean of its
 * ends) and state transition Phi_i (6 x 6 of track_model_propagate_stm),
 * composed exactly:
 *   Q  <- Phi Q Phi^T + Q_i + Phi Cb G_i^T + G_i Cb^T Phi^T
 *   G  <- Phi G + F G_i          (F = Cov(b_i, b0), the chunks' f so far)
 *   Cb <- f_i Phi Cb + Cb_i,     F <- f_i F
 * (the first is the consider prediction itself with P = Q, C = Cb).
 * -EDOM if a propagation fails (the caller falls back to one chunk).
 */
#define GRAV_LONG_MIN_S 30.0
#define GRAV_CHUNK_S    120.0
#define GRAV_CHUNK_MAX  32
static int terms_long(const double x[TRACK_NX], double dt_s, const struct track_motion *mo,
                      struct gm_terms *t)
{
	int n = (int)ceil(fabs(dt_s) / GRAV_CHUNK_S);
	if (n > GRAV_CHUNK_MAX)
		n = GRAV_CHUNK_MAX;
	double h = dt_s / n, y[TRACK_NX], Phi[TRACK_NX * TRACK_NX];
	memcpy(y, x, sizeof(y));
	memset(t, 0, sizeof(*t));
	t->f = 1.0;
	double s0 = track_model_grav_sigma(y, mo->grav_err);
	for (int c = 0; c < n; c++) {
		double yn[TRACK_NX];
		int rc = track_model_propagate_stm(y, h, mo->thrust, yn, Phi);
		if (rc < 0)
			return rc;
		double s1 = track_model_grav_sigma(yn, mo->grav_err);
		struct gm_terms u;
		terms_short(0.5 * (s0 + s1), h, &u);
		/* A = Phi Q, B = Phi Cb, E = Phi G (6 x 6 block of Phi) */
		double A[6][6], B[6][3], E[6][3];
		for (int i = 0; i < 6; i++) {
			for (int j = 0; j < 6; j++) {
				double v = 0.0;
				for (int k = 0; k < 6; k++)
					v += Phi[i * TRACK_NX + k] * t->Q[k][j];
				A[i][j] = v;
			}
			for (int b = 0; b < 3; b++) {
				double vb = 0.0, ve = 0.0;
				for (int k = 0; k < 6; k++) {
					vb += Phi[i * TRACK_NX + k] * t->Cb[k][b];
					ve += Phi[i * TRACK_NX + k] * t->G[k][b];
				}
				B[i][b] = vb;
				E[i][b] = ve;
			}
		}
		for (int i = 0; i < 6; i++)
			for (int j = 0; j <= i; j++) {
				double v = u.Q[i][j];
				for (int k = 0; k < 6; k++)
					v += A[i][k] * Phi[j * TRACK_NX + k];
				for (int b = 0; b < 3; b++)
					v += B[i][b] * u.G[j][b] + u.G[i][b] * B[j][b];
				t->Q[i][j] = t->Q[j][i] = v;
			}
		for (int i = 0; i < 6; i++)
			for (int b = 0; b < 3; b++) {
				t->G[i][b] = E[i][b] + t->f * u.G[i][b];
				t->Cb[i][b] = u.f * B[i][b] + u.Cb[i][b];
			}
		t->f *= u.f;
		memcpy(y, yn, sizeof(y));
		s0 = s1;
	}
	return 0;
}

/* The short interval's consider terms with Gamma's structure (G = s
 * [g_r I; g_v I; 0], Cb = s [g1_r I; g_v I; 0]): the hot path. */
static void predict_short(struct track_gauss *out, const double *PhiC, double s, double dt_s)
{
	double g[4];
	track_grav_gammas(TRACK_GRAV_TAU_S, dt_s, g);
	const double gr = s * g[0], gv = s * g[1], g1r = s * g[2], f = g[3];
	/* T = Phi C G^T (N x 6): column j < 3 is g_r (Phi C)_j, 3 + j is
	 * g_v (Phi C)_j. P += T + T^T on the lower triangle, mirrored. */
	double T[N][6];
	for (int i = 0; i < N; i++)
		for (int j = 0; j < 3; j++) {
			T[i][j] = gr * PhiC[i * NB + j];
			T[i][3 + j] = gv * PhiC[i * NB + j];
		}
	for (int i = 0; i < N; i++)
		for (int j = 0; j <= i; j++) {
			double v = (j < 6 ? T[i][j] : 0.0) + (i < 6 ? T[j][i] : 0.0);
			out->P[i * N + j] += v;
			out->P[j * N + i] = out->P[i * N + j];
		}
	for (int i = 0; i < N; i++)
		for (int b = 0; b < NB; b++) {
			double v = f * PhiC[i * NB + b];
			if (i == b)
				v += g1r;
			else if (i == 3 + b)
				v += gv;
			out->C[i * NB + b] = v;
		}
}

void track_grav_predict(struct track_gauss *out, const struct track_gauss *in, const double *PhiC,
                        double dt_s, const struct track_motion *mo)
{
	struct gm_terms t;
	int lng =
	    fabs(dt_s) > GRAV_LONG_MIN_S && sigma_any(mo) && terms_long(in->x, dt_s, mo, &t) == 0;
	if (lng) {
		/* the white terms alone, then the chunks' Q */
		track_model_add_q_sigma(out->P, dt_s, mo, in->x, 0.0);
		for (int i = 0; i < 6; i++)
			for (int j = 0; j < 6; j++)
				out->P[i * N + j] += t.Q[i][j];
	} else {
		double s = track_model_grav_sigma_interval(in->x, dt_s, mo);
		track_model_add_q_sigma(out->P, dt_s, mo, in->x, s);
		predict_short(out, PhiC, s, dt_s);
		return;
	}
	/* P += Phi C G^T + G C^T Phi^T (G: rows 0..5), C' = f Phi C + Cb */
	for (int i = 0; i < N; i++)
		for (int j = 0; j <= i; j++) {
			double v = 0.0;
			for (int b = 0; b < NB; b++) {
				if (j < 6)
					v += PhiC[i * NB + b] * t.G[j][b];
				if (i < 6)
					v += t.G[i][b] * PhiC[j * NB + b];
			}
			out->P[i * N + j] += v;
			if (j != i)
				out->P[j * N + i] = out->P[i * N + j];
		}
	for (int i = 0; i < N; i++)
		for (int b = 0; b < NB; b++)
			out->C[i * NB + b] = t.f * PhiC[i * NB + b] + (i < 6 ? t.Cb[i][b] : 0.0);
}

void track_grav_phic_stm(const double *Phi, const double *C, double *PhiC)
{
	/* Rows 6, 7 of the model's Phi are unit rows (k and aT are
	 * constants of the motion, track_model_propagate_stm): a copy. */
	for (int i = 0; i < 6; i++)
		for (int b = 0; b < NB; b++) {
			double v = 0.0;
			for (int k = 0; k < N; k++)
				v += Phi[i * N + k] * C[k * NB + b];
			PhiC[i * NB + b] = v;
		}
	memcpy(PhiC + 6 * NB, C + 6 * NB, sizeof(double) * 2 * NB);
}

/* Y = L^-1 C (L lower triangular N x N, positive diagonal). */
static void lower_solve(const double *L, const double *C, double Y[N][NB])
{
	for (int i = 0; i < N; i++)
		for (int b = 0; b < NB; b++) {
			double v = C[i * NB + b];
			for (int k = 0; k < i; k++)
				v -= L[i * N + k] * Y[k][b];
			Y[i][b] = v / L[i * N + i];
		}
}

void track_grav_phic_sigma(const double (*X)[TRACK_NX], const double *L, const double *C,
                           double *PhiC)
{
	double Y[N][NB];
	lower_solve(L, C, Y);
	const double c2 = 2.0 * sqrt((double)N);
	memset(PhiC, 0, sizeof(double) * N * NB);
	for (int j = 0; j < N; j++) {
		double y[NB];
		for (int b = 0; b < NB; b++)
			y[b] = Y[j][b] / c2;
		for (int i = 0; i < N; i++) {
			double d = X[1 + j][i] - X[1 + N + j][i];
			for (int b = 0; b < NB; b++)
				PhiC[i * NB + b] += d * y[b];
		}
	}
}

void track_grav_hc_jac(const double *H, int nc, const double *C, int nz, double *HC)
{
	for (int a = 0; a < nz; a++)
		for (int b = 0; b < NB; b++) {
			double v = 0.0;
			for (int k = 0; k < nc; k++)
				v += H[a * N + k] * C[k * NB + b];
			HC[a * NB + b] = v;
		}
}

void track_grav_hc_pxz(const double *Lp, const double *PxzT, const double *C, int nz, double *HC)
{
	double Y[N][NB], W[N][TRACK_NZ_MAX];
	lower_solve(Lp, C, Y);
	for (int i = 0; i < N; i++)
		for (int a = 0; a < nz; a++) {
			double v = PxzT[a * N + i];
			for (int k = 0; k < i; k++)
				v -= Lp[i * N + k] * W[k][a];
			W[i][a] = v / Lp[i * N + i];
		}
	for (int a = 0; a < nz; a++)
		for (int b = 0; b < NB; b++) {
			double v = 0.0;
			for (int i = 0; i < N; i++)
				v += W[i][a] * Y[i][b];
			HC[a * NB + b] = v;
		}
}
