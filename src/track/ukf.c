/*
 * track/ukf.c - unscented Kalman filter prediction and update (see
 * ukf.h for the sigma-point set and the Joseph-form update).
 *
 * Cost (docs/tracking.md "Speed"): the covariance prediction and the
 * measurement prediction are linearised where the model is linear to
 * well below the noise (tested against the sigma points: the
 * non-thrusting model above the air, the range's curvature computed
 * exactly, the angles' by a bound); the sigma-point
 * paths skip the points whose result equals the centre's exactly (L is
 * lower triangular); the update uses the rank-nz form of the Joseph
 * update, with its small loops specialised per measurement size. Long
 * exo-atmospheric predictions (|dt| > TRACK_LIN_MAX_DT_S, no thrust)
 * take the map's second-order expansion with the Gaussian's moments
 * (track_ukf_predict_so), once per such prediction.
 *
 * Invariants:
 *  1. Every output covariance is symmetrised and passes Cholesky; if it
 *     does not, the step fails with -MW_ENOTSPD and the output is
 *     untouched (never a silently broken track). Debug builds also
 *     assert it (track_gauss_check) after every step.
 *  2. Measurement residuals are formed only through track_meas_residual
 *     or its inline copy resid_nz (angles wrapped).
 *  3. A predicted covariance is a Gram matrix (the sigma points'
 *     deviations, or Phi L with P = L L^T) plus Q, with its diagonal
 *     raised by TRACK_P_FLOOR_REL of itself (ukf.h): positive definite
 *     by construction, with or without process noise.
 */
#include "track/ukf.h"

#include <assert.h>
#include <errno.h>
#include <math.h>
#include <stddef.h>
#include <string.h>

#include "core/err.h"
#include "geo/geo.h"
#include "mat/mat.h"
#include "track/chol.h"
#include "track/gravity_err.h"
#include "track/v2d.h"

#define N    TRACK_NX
#define NSIG (2 * N + 1)

/* Weights for alpha = 1, beta = 2, kappa = 0. */
#define WM0 0.0
#define WC0 2.0
#define WI  (1.0 / (2.0 * N))
/* Unroll a loop over the NSIG sigma points completely. */
#define UNROLL_NSIG _Pragma("GCC unroll 17")

#ifndef NDEBUG
void track_gauss_check(const struct track_gauss *g)
{
	assert(mat_is_spd(g->P, N));
	for (int i = 0; i < N; i++)
		assert(isfinite(g->x[i]));
}
#endif

static int sigma_points(const struct track_gauss *g, double X[NSIG][N], double L[N * N])
{
	int rc = track_chol(L, g->P, N);
	if (rc < 0)
		return rc;
	const double c = sqrt((double)N);
	memcpy(X[0], g->x, sizeof(X[0]));
	/* two entries of a sigma point at a time (track/v2d.h: the same
	 * operations) */
	const track_v2d cc = track_v2_dup(c);
	TRACK_UNROLL
	for (int j = 0; j < N; j++)
		TRACK_UNROLL
	for (int i = 0; i < N; i += 2) {
		track_v2d d = cc * track_v2_set(L[i * N + j], L[(i + 1) * N + j]);
		track_v2d x = track_v2_load(&g->x[i]);
		track_v2_store(&X[1 + j][i], x + d);
		track_v2_store(&X[1 + N + j][i], x - d);
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

/*
 * Are k and aT uncorrelated with (r, v) in P - exact zeros? The
 * ballistic model in vacuum: aT is reset (uncorrelated) at every mixing
 * and k enters the dynamics only through drag, so nothing correlates
 * them, and the filter on (r, v) is a 6-D one: the 8-D operations on
 * those rows give P's own entries back (sums of exact zeros), and the
 * 6-D ones below (update_nz with nr = 6, chol_check_kat) the same doubles
 * with a quarter to two fifths less work.
 */
static int kat_decoupled(const double *P)
{
	for (int i = 0; i < 6; i++)
		if (P[i * N + 6] != 0.0 || P[i * N + 7] != 0.0)
			return 0;
	return 1;
}

/* track_chol_check(P, N) for a decoupled P: the same verdict (the 8 x 8
 * factor of a block-diagonal matrix is the blocks' factors). */
static int chol_check_kat(const double *P)
{
	int rc = track_chol_check_ns(P, 6, N);
	if (rc < 0)
		return rc;
	return track_chol_check_ns(P + 6 * N + 6, 2, N);
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
	if (mo->thrust) /* ukf.h */
		return track_ukf_predict_ut(in, dt_s, mo, out);
	/* |r| - a is below the geodetic height: a conservative test. */
	if (fabs(dt_s) <= TRACK_LIN_MAX_DT_S && rn - GEO_WGS84_A_M >= TRACK_LIN_MIN_H_M)
		return track_ukf_predict_lin(in, dt_s, mo, out);
	if (track_ukf_so_ok(in, dt_s, mo)) {
		int rc = track_ukf_predict_so(in, dt_s, mo, out);
		if (rc <= 0)
			return rc;
		/* 1: the mean's arc ends below TRACK_LIN_MIN_H_M */
	}
	return track_ukf_predict_ut(in, dt_s, mo, out);
}

/*
 * The long exo-atmospheric prediction (docs/tracking.md "Long
 * exo-atmospheric predictions (session 9, branch lcoast)"). Over a long
 * unobserved coast the map's second-order terms show in the directions
 * the dynamics pin, and neither the linearisation (drops them: reads
 * overconfident) nor the 17 sigma points (at +-sqrt(8) sigma: a
 * quadratic term's variance 4.5x the Gaussian's along L's columns, and
 * none of the cross terms: cautious) state them. This is the map's
 * second-order expansion in L's coordinates (x = m + L z, z ~ N(0, I))
 * with the Gaussian's moments, its derivatives taken by differences at
 * h = sqrt(3) (the Gaussian's fourth moment, 3: Norgaard's divided
 * differences): f(m + L z) ~ f0 + sum_j g_j z_j + 1/2 sum_jk H_jk z_j z_k,
 *   g_j  = (f(m + h l_j) - f(m - h l_j)) / 2h,
 *   H_jj = (f(m + h l_j) + f(m - h l_j) - 2 f0) / h^2,
 *   H_jk = (f(m + h (l_j + l_k)) - f(m + h l_j) - f(m + h l_k) + f0) / h^2,
 * mean f0 + 1/2 sum_j H_jj, covariance sum_j g_j g_j^T + 1/2 sum_j H_jj
 * H_jj^T + sum_{j<k} H_jk H_jk^T (E z^4 = 3, E z_j^2 z_k^2 = 1): a Gram
 * matrix, positive semi-definite by construction (invariant 3). L's
 * last column moves aT alone, which enters nothing without thrust: its
 * g is the column itself and its H zero, exactly; the other 7 columns
 * are propagated, 1 + 14 + 21 = 36 points (the sigma points: 13 to 15).
 * The k/aT block is P's own doubles (inert: the linearised path's
 * rule). Taken for |dt| > TRACK_LIN_MAX_DT_S without thrust or a stated
 * gravity error (track_ukf_so_ok), from a mean above TRACK_LIN_MIN_H_M
 * whose propagated mean ends above it too; otherwise the sigma points.
 */
#define SO_NC (N - 1)                                   /* columns propagated */
#define SO_NP (1 + 2 * SO_NC + SO_NC * (SO_NC - 1) / 2) /* points */
#define SO_H  1.7320508075688772                        /* sqrt(3) */

static void p_floor(double *P);

int track_ukf_so_ok(const struct track_gauss *in, double dt_s, const struct track_motion *mo)
{
	if (!(fabs(dt_s) > TRACK_LIN_MAX_DT_S) || mo->thrust || mo->grav_err != TRACK_GRAV_ERR_NONE)
		return 0;
	const double *r = in->x;
	double rn = sqrt(r[0] * r[0] + r[1] * r[1] + r[2] * r[2]);
	return rn - GEO_WGS84_A_M >= TRACK_LIN_MIN_H_M;
}

int track_ukf_predict_so(const struct track_gauss *in, double dt_s, const struct track_motion *mo,
                         struct track_gauss *out)
{
	double L[N * N];
	int rc = track_chol(L, in->P, N);
	if (rc < 0)
		return rc;
	double X[SO_NP][N];
	memcpy(X[0], in->x, sizeof(X[0]));
	rc = track_model_propagate(X[0], dt_s, 0, X[0]);
	if (rc < 0)
		return rc;
	const double *f0 = X[0];
	double fr = sqrt(f0[0] * f0[0] + f0[1] * f0[1] + f0[2] * f0[2]);
	if (!(fr - GEO_WGS84_A_M >= TRACK_LIN_MIN_H_M))
		return 1;
	/* X[1 + j] = m + h l_j, X[1 + SO_NC + j] = m - h l_j, then m + h
	 * (l_j + l_k) for j < k in order */
	int np = 1;
	for (int j = 0; j < SO_NC; j++) {
		for (int i = 0; i < N; i++) {
			X[1 + j][i] = in->x[i] + SO_H * L[i * N + j];
			X[1 + SO_NC + j][i] = in->x[i] - SO_H * L[i * N + j];
		}
	}
	np += 2 * SO_NC;
	for (int j = 0; j < SO_NC; j++)
		for (int k = j + 1; k < SO_NC; k++, np++)
			for (int i = 0; i < N; i++)
				X[np][i] = in->x[i] + SO_H * (L[i * N + j] + L[i * N + k]);
	for (int p = 1; p < SO_NP; p += 2) {
		if (p + 1 < SO_NP &&
		    track_model_propagate_pair(X[p], X[p + 1], dt_s, 0, X[p], X[p + 1]) == 0)
			continue;
		for (int q = p; q < p + 2 && q < SO_NP; q++) {
			rc = track_model_propagate(X[q], dt_s, 0, X[q]);
			if (rc < 0)
				return rc;
		}
	}
	/* The Gram matrix's columns: g_j (N of them), sqrt(1/2) H_jj, H_jk. */
	enum { NCOL = N + SO_NC + SO_NC * (SO_NC - 1) / 2 };
	double M[NCOL][N];
	struct track_gauss g;
	memset(&g, 0, sizeof(g));
	memcpy(g.x, f0, sizeof(g.x));
	const double ih2 = 1.0 / (SO_H * SO_H), i2h = 0.5 / SO_H, sh = sqrt(0.5);
	for (int j = 0; j < SO_NC; j++) {
		const double *a = X[1 + j], *b = X[1 + SO_NC + j];
		for (int i = 0; i < 6; i++) {
			double hjj = (a[i] + b[i] - 2.0 * f0[i]) * ih2;
			M[j][i] = (a[i] - b[i]) * i2h;
			M[N + j][i] = sh * hjj;
			g.x[i] += 0.5 * hjj;
		}
		for (int i = 6; i < N; i++) { /* k and aT are inert */
			M[j][i] = L[i * N + j];
			M[N + j][i] = 0.0;
		}
	}
	for (int i = 0; i < N; i++) /* L's aT column: aT alone */
		M[N - 1][i] = L[i * N + N - 1];
	int c = N + SO_NC, q = 1 + 2 * SO_NC;
	for (int j = 0; j < SO_NC; j++)
		for (int k = j + 1; k < SO_NC; k++, c++, q++) {
			for (int i = 0; i < 6; i++)
				M[c][i] = (X[q][i] - X[1 + j][i] - X[1 + k][i] + f0[i]) * ih2;
			for (int i = 6; i < N; i++)
				M[c][i] = 0.0;
		}
	for (int i = 0; i < N; i++)
		for (int j = 0; j <= i; j++) {
			double v = 0.0;
			for (int col = 0; col < NCOL; col++)
				v += M[col][i] * M[col][j];
			g.P[i * N + j] = g.P[j * N + i] = v;
		}
	for (int a = 6; a < N; a++)
		for (int b = 6; b < N; b++)
			g.P[a * N + b] = in->P[a * N + b];
	track_model_add_q(g.P, dt_s, mo, in->x);
	memcpy(g.C, in->C, sizeof(g.C));
	p_floor(g.P);
	*out = g;
	track_gauss_check(out);
	return 0;
}

/*
 * P' = Phi P Phi^T in square-root form (docs/tracking.md "SPD long
 * predictions and q"): with P = L L^T (Cholesky), M = Phi L and P' = M
 * M^T, the Gram matrix of M's rows. A Gram matrix is positive
 * semi-definite whatever M is, so M's rounding (n eps |Phi| |L|) costs
 * accuracy, not definiteness; the only indefiniteness left is the
 * Gram's own rounding, at most ~n eps of sqrt(P'_ii P'_jj) - the
 * equilibrated matrix's rounding level. The product T = Phi P, T
 * Phi^T it replaces rounds at n eps |Phi| |P| |Phi|^T, which for a P
 * with strong correlations and a Phi that stretches them is far above
 * the pinned directions' variance: without white q, chained 10 s
 * predictions of a state whose equilibrated condition was 1e9 (1e12)
 * fell below mat/'s conditioning limit after 2,540 s (590 s); in this
 * form they stay above 1e-12 over 2,580 s (docs ibid.).
 *
 * Phi's rows 6 and 7 are unit rows (track_model_propagate_stm), so M's
 * are L's, and the k/aT block of the result is P's (their Gram, taken
 * as P's own doubles). n = 6 where P's k and aT are decoupled
 * (kat_decoupled) and Phi's top rows have zero k and aT columns
 * (vacuum, no thrust): L is block diagonal, M's top rows have exact
 * zeros there, and the result keeps the zero cross terms exactly (the
 * same doubles as n = 8 with such a P). Lower triangle computed and
 * mirrored: exactly symmetric. About the product's multiply-adds plus
 * the factor's n square roots and n divisions: 23% more instructions
 * in track_ukf_predict_lin, 1.9% in the tracker at 100 objects
 * (callgrind, docs ibid.).
 */
/*
 * z6, z7 (n = 8): Phi's top rows have exact zeros in column 6 (k: in
 * vacuum) or in columns 6 and 7 (no thrust either), checked by the
 * caller. Their products with L are then +-0, which the sums below leave
 * out: every sum starts at +0, and in round-to-nearest a sum is -0 only
 * if both addends are, so a running sum is never -0 and s + (+-0) = s
 * (L is finite: its factorisation succeeded). With both columns zero,
 * M's top rows are +0 in columns 6 and 7 (such sums of +-0 only) and
 * the Gram's products with them are left out the same way. The same
 * doubles as the full sums.
 */
static inline __attribute__((always_inline)) void sqrt_gram_n(double *C, const double *Phi,
                                                              const double *L, const double *P,
                                                              const int n, const int z6,
                                                              const int z7)
{
	/* M = Phi L stored by columns, MT[k][i] = M_ik = sum_{k' >= k} Phi_ik'
	 * L_k'k, rows i and i + 1 side by side (track/v2d.h: each entry the
	 * same sum in the same order as one at a time). */
	double MT[N][N];
	TRACK_UNROLL
	for (int i = 0; i < 6; i += 2) {
		track_v2d ph[N];
		TRACK_UNROLL
		for (int k = 0; k < n; k++)
			ph[k] = track_v2_set(Phi[i * N + k], Phi[(i + 1) * N + k]);
		TRACK_UNROLL
		for (int j = 0; j < n; j++) {
			track_v2d v = track_v2_dup(0.0);
			TRACK_UNROLL
			for (int k = j; k < n; k++)
				if (!((k == 6 && z6) || (k == 7 && z7)))
					v += ph[k] * track_v2_dup(L[k * n + j]);
			track_v2_store(&MT[j][i], v);
		}
	}
	/* Rows 6.. of Phi are unit rows: M's are L's, zero above the diagonal. */
	TRACK_UNROLL
	for (int i = 6; i < n; i++) {
		TRACK_UNROLL
		for (int j = 0; j <= i; j++)
			MT[j][i] = L[i * n + j];
		TRACK_UNROLL
		for (int j = i + 1; j < n; j++)
			MT[j][i] = 0.0;
	}
	/* C_ij = sum_k M_ik M_jk for rows i and i + 1 side by side: j <= i
	 * (and the diagonal of i + 1) for the top rows, j < 6 for rows 6, 7
	 * (the k/aT block: below). */
	TRACK_UNROLL
	for (int i = 0; i < n; i += 2) {
		const int jmax = i < 6 ? i + 2 : 6;
		TRACK_UNROLL
		for (int j = 0; j < jmax; j++) {
			track_v2d v = track_v2_dup(0.0);
			TRACK_UNROLL
			for (int k = 0; k < n; k++)
				if (!(k >= 6 && z6 && z7))
					v += track_v2_load(&MT[k][i]) * track_v2_dup(MT[k][j]);
			if (j <= i)
				C[i * N + j] = C[j * N + i] = v[0];
			C[(i + 1) * N + j] = C[j * N + i + 1] = v[1];
		}
	}
	for (int i = 0; i < 6; i++) /* n = 6: the decoupled k/aT, exactly */
		for (int b = n; b < N; b++)
			C[i * N + b] = C[b * N + i] = 0.0;
	/* The k/aT block: Phi's unit rows give L's rows there, whose Gram is
	 * P's block (to rounding): P's own doubles. */
	for (int a = 6; a < N; a++)
		for (int b = 6; b < N; b++)
			C[a * N + b] = P[a * N + b];
}

/* The form of the square-root product for this Phi and P (above): 6
 * (n = 6), or N + 2 z6 + z7 (n = N, z6: Phi's column 6 zero in the top
 * rows, z7: column 7). */
static int sqrt_phi_n(const double *Phi, const double *P)
{
	/* columns 6 and 7 side by side: lane l is non-zero where an entry
	 * of column 6 + l is (!= 0.0, as NaN is) */
	track_v2l nz = track_v2_load(&Phi[6]) != track_v2_dup(0.0);
	for (int i = 1; i < 6; i++)
		nz |= track_v2_load(&Phi[i * N + 6]) != track_v2_dup(0.0);
	const int z6 = !nz[0], z7 = !nz[1];
	if (z6 && z7 && kat_decoupled(P))
		return 6;
	return N + 2 * z6 + z7;
}

/*
 * The relative floor of every predicted covariance: P_ii += d P_ii, d =
 * TRACK_P_FLOOR_REL (ukf.h). In the equilibrated matrix H = D^-1/2 P
 * D^-1/2 (D = diag P, unit diagonal) that adds d to every eigenvalue,
 * so lambda_min(H) >= d / (1 + d) up to the Gram's rounding (~n eps =
 * 2e-15), whatever the dynamics did to the directions they pin.
 */
static void p_floor(double *P)
{
	for (int i = 0; i < N; i++)
		P[i * N + i] += TRACK_P_FLOOR_REL * P[i * N + i];
}

int track_ukf_predict_lin(const struct track_gauss *in, double dt_s, const struct track_motion *mo,
                          struct track_gauss *out)
{
	double x[N], Phi[N * N], L[N * N];
	if (mo->thrust)
		return -EINVAL;
	int rc = track_model_propagate_stm(in->x, dt_s, 0, x, Phi);
	if (rc < 0)
		return rc;
	const int form = sqrt_phi_n(Phi, in->P), n = form == 6 ? 6 : N;
	/* P's leading n x n block = L L^T (chol.h: one division per row) */
	rc = n == 6 ? track_chol_factor_ns(L, in->P, 6, N) : track_chol_factor_ns(L, in->P, N, N);
	if (rc < 0)
		return rc;
	/* Nothing fails from here: the result is written straight to out
	 * unless out is in (no copy of the whole state). */
	struct track_gauss tmp, *g = out == in ? &tmp : out;
	memcpy(g->x, x, sizeof(x));
	switch (form) {
	case 6:
		sqrt_gram_n(g->P, Phi, L, in->P, 6, 0, 0);
		break;
	case N + 3: /* vacuum, not decoupled */
		sqrt_gram_n(g->P, Phi, L, in->P, N, 1, 1);
		break;
	default:
		sqrt_gram_n(g->P, Phi, L, in->P, N, 0, 0);
		break;
	}
	if (mo->grav_err == TRACK_GRAV_ERR_NONE) {
		/* track_model_add_q: its gravity sigma is 0 without the error */
		track_model_add_q_sigma(g->P, dt_s, mo, in->x, 0.0);
		memcpy(g->C, in->C, sizeof(g->C));
	} else {
		double PhiC[N * TRACK_GRAV_NB]; /* gravity_err.h */
		track_grav_phic_stm(Phi, in->C, PhiC);
		track_grav_predict(g, in, PhiC, dt_s, mo);
	}
	p_floor(g->P);
	if (g == &tmp)
		*out = tmp;
	track_gauss_check(out);
	return 0;
}

/*
 * Does every point at which RK4 evaluates the derivative over this step
 * stay above the drag ceiling (model.h TRACK_DRAG_CEILING_M, 300 km above the
 * polar radius: no drag term there, so k enters nothing)? The stage
 * points are within |v| |dt| + a_max dt^2 of the start, a_max = 20 m/s^2
 * (gravity, Coriolis and centrifugal terms) + |aT|; 1 km of margin on
 * top.
 */
static int k_inert_step(const double x[N], double dt_s)
{
	double rn = sqrt(x[0] * x[0] + x[1] * x[1] + x[2] * x[2]);
	double vn = sqrt(x[3] * x[3] + x[4] * x[4] + x[5] * x[5]);
	double dt = fabs(dt_s);
	double amax = 20.0 + fabs(x[TRACK_IX_AT]);
	return rn - GEO_WGS84_B_M - vn * dt - amax * dt * dt - 1e3 > TRACK_DRAG_CEILING_M;
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
	const int kin = k_inert_step(in->x, dt_s);
	/* Which sigma points are propagated and which are the centre's
	 * result with their own inert components (below); the decisions read
	 * each point before it is propagated and the centre's aT, which the
	 * propagation leaves as it is (daT/dt = 0), as the one-pass loop
	 * did. The propagated ones go two at a time
	 * (track_model_propagate_pair: the same doubles), in order; a pair
	 * the pair path does not take goes one at a time (the same result or
	 * the first error, as before). */
	int prop[NSIG], np = 0, copy_at[NSIG] = {0}, copy_kat[NSIG] = {0};
	for (int k = 0; k < NSIG; k++) {
		/* In the non-thrusting model aT is inert (daT/dt = 0, and it
		 * enters no other derivative). The sigma points of L's last
		 * column differ from the centre only in aT (L is lower
		 * triangular): the centre's propagated state with their own
		 * aT, exactly. The same for L's k column (k and aT differ) over
		 * a step that stays above the drag ceiling (k_inert_step): k
		 * enters only the drag. In the thrusting model both enter the
		 * thrust (model.h): every point is propagated. */
		if (!mo->thrust && (k == N || k == 2 * N)) {
			copy_at[k] = 1;
			continue;
		}
		if (kin && !mo->thrust && (k == N - 1 || k == 2 * N - 1)) {
			copy_kat[k] = 1;
			continue;
		}
		prop[np++] = k;
	}
	for (int p = 0; p < np; p += 2) {
		if (p + 1 < np &&
		    track_model_propagate_pair(X[prop[p]], X[prop[p + 1]], dt_s, mo->thrust,
		                               X[prop[p]], X[prop[p + 1]]) == 0)
			continue;
		for (int q = p; q < p + 2 && q < np; q++) {
			rc = track_model_propagate(X[prop[q]], dt_s, mo->thrust, X[prop[q]]);
			if (rc < 0)
				return rc;
		}
	}
	for (int k = 0; k < NSIG; k++) {
		if (copy_at[k]) {
			double at = X[k][TRACK_IX_AT];
			memcpy(X[k], X[0], sizeof(X[0]));
			X[k][TRACK_IX_AT] = at;
		} else if (copy_kat[k]) {
			double kk = X[k][TRACK_IX_K], at = X[k][TRACK_IX_AT];
			memcpy(X[k], X[0], sizeof(X[0]));
			X[k][TRACK_IX_K] = kk;
			X[k][TRACK_IX_AT] = at;
		}
	}
	struct track_gauss g;
	memset(&g, 0, sizeof(g));
	/* the mean's entries two at a time (track/v2d.h: each the same sum
	 * in the same order) */
	for (int k = 0; k < NSIG; k++) {
		const track_v2d w = track_v2_dup(wm(k));
		TRACK_UNROLL
		for (int i = 0; i < N; i += 2)
			track_v2_store(&g.x[i],
			               track_v2_load(&g.x[i]) + w * track_v2_load(&X[k][i]));
	}
	/* P's lower triangle, entries (i, j) and (i, j + 1) side by side
	 * (track/v2d.h: each the same sum in the same order; a row's last
	 * pair may reach one entry above the diagonal, which the mirror
	 * below overwrites). */
	for (int k = 0; k < NSIG; k++) {
		double d[N];
		TRACK_UNROLL
		for (int i = 0; i < N; i += 2)
			track_v2_store(&d[i], track_v2_load(&X[k][i]) - track_v2_load(&g.x[i]));
		double w = wc(k);
		TRACK_UNROLL
		for (int i = 0; i < N; i++) {
			track_v2d wd = track_v2_dup(w * d[i]);
			TRACK_UNROLL
			for (int j = 0; j <= i; j += 2)
				track_v2_store(&g.P[i * N + j], track_v2_load(&g.P[i * N + j]) +
				                                    wd * track_v2_load(&d[j]));
		}
	}
	for (int i = 0; i < N; i++)
		for (int j = 0; j < i; j++)
			g.P[j * N + i] = g.P[i * N + j];
	if (mo->grav_err == TRACK_GRAV_ERR_NONE) {
		track_model_add_q_sigma(g.P, dt_s, mo, in->x, 0.0); /* as above */
		memcpy(g.C, in->C, sizeof(g.C));
	} else {
		double PhiC[N * TRACK_GRAV_NB]; /* gravity_err.h */
		track_grav_phic_sigma((const double(*)[N])X, L, in->C, PhiC);
		track_grav_predict(&g, in, PhiC, dt_s, mo);
	}
	/* P is a weighted Gram matrix of the deviations (all weights >= 0,
	 * ukf.h): positive semi-definite up to its rounding, ~NSIG eps of
	 * sqrt(P_ii P_jj); the floor (p_floor) lifts it off. Positive
	 * definiteness is checked by the next factorisation (sigma points
	 * or the update) and asserted in debug builds. */
	p_floor(g.P);
	*out = g;
	track_gauss_check(out);
	return 0;
}

/* Pxz = P H^T held by column, PT[a][i] = Pxz_ia (rows 0..nr-1, nr
 * even; the others are left as they are), H's columns 0..nc-1, two rows
 * at a time (track/v2d.h: each entry the same sum in the same order);
 * then S = H Pxz without R. */
static inline __attribute__((always_inline)) void lin_moments(const double *P, const double *H,
                                                              double PT[TRACK_NZ_MAX][N], double *S,
                                                              const int nz, const int nc,
                                                              const int nr)
{
	track_v2d h[TRACK_NZ_MAX][6];
	for (int a = 0; a < nz; a++)
		for (int k = 0; k < nc; k++)
			h[a][k] = track_v2_dup(H[a * N + k]);
	for (int i = 0; i < nr; i += 2) {
		track_v2d pk[6];
		for (int k = 0; k < nc; k++)
			pk[k] = track_v2_set(P[i * N + k], P[(i + 1) * N + k]);
		for (int a = 0; a < nz; a++) {
			track_v2d v = track_v2_dup(0.0);
			for (int k = 0; k < nc; k++)
				v += pk[k] * h[a][k];
			track_v2_store(&PT[a][i], v);
		}
	}
	/* S = H Pxz (+ R: the caller), lower triangle mirrored */
	for (int a = 0; a < nz; a++)
		for (int b = 0; b <= a; b++) {
			double v = 0.0;
			for (int k = 0; k < nc; k++)
				v += H[a * N + k] * PT[b][k];
			S[a * nz + b] = S[b * nz + a] = v;
		}
}

/* The linearised prediction from z = h(x), H and the mean terms corr,
 * for a known nz and number of non-zero rows nr of Pxz (the copies below
 * have constant sizes). The moments and S's factor are made in locals,
 * zp is written only once nothing can fail: every field before Lp as a
 * zeroed struct filled with them would hold (the same bytes but for
 * padding). */
static inline __attribute__((always_inline)) int
zpredict_lin_nr(const struct track_gauss *g, const struct track_meas *m,
                const double z[TRACK_NZ_MAX], const double H[TRACK_NZ_MAX * N],
                const double corr[TRACK_NZ_MAX], struct track_zpred *zp, const int nz, const int nr)
{
	/* H has non-zero columns 0..2 (and 3..5 for the range rate). */
	const int nc = nz == 4 ? 6 : 3;
	int rc;
	/* Pxz straight into zp (no copy; on failure zp is partly written,
	 * which the callers discard: ukf.h) */
	double(*const PT)[N] = (double(*)[N])zp->PxzT;
	double S[TRACK_NZ_MAX * TRACK_NZ_MAX], *const Ls = zp->Ls;
	const size_t szs = sizeof(double) * nz * nz;
	lin_moments(g->P, H, PT, S, nz, nc, nr);
	for (int i = 0; i < nz; i++)
		S[i * nz + i] += m->r_var[i];
	rc = track_chol(Ls, S, nz);
	if (rc < 0)
		return rc;
	zp->nz = nz;
	zp->lin = 1;
	for (int i = 0; i < nz; i++)
		zp->zhat[i] = z[i] + corr[i];
	for (int i = nz; i < TRACK_NZ_MAX; i++)
		zp->zhat[i] = 0.0;
	memcpy(zp->S, S, szs);
	memset(zp->S + nz * nz, 0, sizeof(zp->S) - szs);
	if (nr < N) /* nr = 6: the columns' rows 6, 7 zero */
		for (int a = 0; a < nz; a++)
			track_v2_store(&PT[a][6], track_v2_dup(0.0));
	memset(zp->PxzT + nz * N, 0, sizeof(zp->PxzT) - sizeof(double) * nz * N);
	memset(zp->Ls + nz * nz, 0, sizeof(zp->Ls) - szs);
	zp->logdet_S = track_chol_logdet(Ls, nz);
	/* HC is read only where has_hc (as the unscented path's) */
	zp->has_hc = track_grav_has_c(g);
	if (zp->has_hc)
		track_grav_hc_jac(H, nc, g->C, nz, zp->HC);
	zp->mu = zp->log_mu = NAN;
	return 0; /* Lp: not set */
}

/* zpredict_lin_nr after the state's check, nr by its decoupling. */
static inline __attribute__((always_inline)) int
zpredict_lin_nz(const struct track_gauss *g, const struct track_meas *m,
                const double z[TRACK_NZ_MAX], const double H[TRACK_NZ_MAX * N],
                const double corr[TRACK_NZ_MAX], struct track_zpred *zp, const int nz)
{
	/* The state's covariance must be SPD, as for the sigma points; its
	 * factor Lp is not needed here (R_eff = R, no rounding guard). */
	const int dec = kat_decoupled(g->P);
	int rc = dec ? chol_check_kat(g->P) : track_chol_check(g->P, N);
	if (rc < 0)
		return rc;
	/* Pxz = P H^T (N x nz); decoupled: rows 6, 7 are exact zeros. nr
	 * known at compile time: the copies below have constant sizes. */
	return dec ? zpredict_lin_nr(g, m, z, H, corr, zp, nz, 6)
	           : zpredict_lin_nr(g, m, z, H, corr, zp, nz, N);
}

static int zpredict_lin(const struct track_gauss *g, const struct track_meas *m,
                        const double z[TRACK_NZ_MAX], const double H[TRACK_NZ_MAX * N],
                        const double corr[TRACK_NZ_MAX], struct track_zpred *zp)
{
	switch (m->nz) { /* nz known: the loops unroll, the copies are fixed */
	case 2:
		return zpredict_lin_nz(g, m, z, H, corr, zp, 2);
	case 3:
		return zpredict_lin_nz(g, m, z, H, corr, zp, 3);
	default:
		return zpredict_lin_nz(g, m, z, H, corr, zp, 4);
	}
}

/*
 * Is h close enough to linear over the state's spread? With the
 * second-order mean terms included, what the linearised prediction
 * neglects is led by the second-order covariance term v_i = 1/2
 * tr((Hess_i P_rr)^2) <= 2 e_i^2, e_i = 1/2 |Hess_i| tr(P_rr); v_i must be
 * below 2 TRACK_ZLIN_TOL^2 of the component's variance. For the angles
 * the bound e_i <= TRACK_ZLIN_TOL sigma_i is used; for the radar range,
 * Hess = (I - u u^T) / range (u the line of sight, H's first row), v is
 * computed exactly, tr((Q P Q P)) / (2 range^2) = (|P|_F^2 - 2 |P u|^2 +
 * (u^T P u)^2) / (2 range^2): the bound counts the along-range variance,
 * which the range's curvature does not see, and the cross-range spread
 * twice. The range rate has no mean term, so its e (plus |P_rv| / range
 * <= sqrt(tr P_rr tr P_vv) / range) must be below TRACK_ZLIN_TOL^2 of its
 * sigma.
 */
static int zlin_ok(const struct track_gauss *g, const struct track_meas *m,
                   const double H[TRACK_NZ_MAX * N], const double hess[TRACK_NZ_MAX])
{
	double srr = g->P[0] + g->P[N + 1] + g->P[2 * N + 2];
	for (int i = 0; i < m->nz; i++) {
		double e = 0.5 * hess[i] * srr, tol = TRACK_ZLIN_TOL;
		if (i == 0 && m->kind == MW_OBS_RADAR) {
			if (e * e <= tol * tol * m->r_var[0])
				continue;    /* the bound suffices */
			const double *u = H; /* d range / d r */
			double w[3], f2 = 0.0, w2 = 0.0, a = 0.0;
			for (int r = 0; r < 3; r++) {
				w[r] = g->P[r * N] * u[0] + g->P[r * N + 1] * u[1] +
				       g->P[r * N + 2] * u[2];
				for (int c = 0; c < 3; c++)
					f2 += g->P[r * N + c] * g->P[r * N + c];
				w2 += w[r] * w[r];
				a += u[r] * w[r];
			}
			double v = 0.5 * (f2 - 2.0 * w2 + a * a) * hess[0] * hess[0];
			if (!(v <= 2.0 * tol * tol * m->r_var[0]))
				return 0;
			continue;
		}
		if (i == 3) {
			double svv = g->P[3 * N + 3] + g->P[4 * N + 4] + g->P[5 * N + 5];
			e += sqrt(srr * svv) * hess[0];
			tol = TRACK_ZLIN_TOL * TRACK_ZLIN_TOL;
		}
		if (!(e * e <= tol * tol * m->r_var[i]))
			return 0;
	}
	return 1;
}

int track_ukf_zpredict(const struct track_gauss *g, const struct track_meas *m,
                       struct track_zpred *zp)
{
	double z[TRACK_NZ_MAX], H[TRACK_NZ_MAX * N], hess[TRACK_NZ_MAX], corr[TRACK_NZ_MAX];
	if (track_meas_h_jac(m, g->x, g->P, z, H, hess, corr) == 0 && zlin_ok(g, m, H, hess))
		return zpredict_lin(g, m, z, H, corr, zp);
	return track_ukf_zpredict_ut(g, m, zp);
}

int track_ukf_zpredict_lin(const struct track_gauss *g, const struct track_meas *m,
                           struct track_zpred *zp)
{
	double z[TRACK_NZ_MAX], H[TRACK_NZ_MAX * N], hess[TRACK_NZ_MAX], corr[TRACK_NZ_MAX];
	int rc = track_meas_h_jac(m, g->x, g->P, z, H, hess, corr);
	if (rc < 0)
		return rc;
	return zpredict_lin(g, m, z, H, corr, zp);
}

/* m's angle components as lane masks for resid_nz: ang[p] has lane l
 * all ones where component 2 p + l is an angle. */
struct resid_ang {
	track_v2l ang[TRACK_NZ_MAX / 2];
};

static inline __attribute__((always_inline)) struct resid_ang
resid_ang_of(const struct track_meas *m)
{
	struct resid_ang r;
	for (int p = 0; p < TRACK_NZ_MAX / 2; p++)
		r.ang[p] =
		    (track_v2l){m->is_angle[2 * p] ? -1 : 0, m->is_angle[2 * p + 1] ? -1 : 0};
	return r;
}

/* track_meas_residual for a fixed nz, with track_wrap_pi's in-range
 * test inline (same values): components two at a time (track/v2d.h: a
 * packed subtract rounds each lane as the scalar one; the test per lane
 * is the scalar's, is_angle && !(r > -pi && r <= pi), as a compare
 * mask, a NaN r failing both compares as it does there), and a lane
 * that needs it wrapped by track_wrap_pi as before. */
static inline __attribute__((always_inline)) void resid_nz(const struct track_meas *m,
                                                           const struct resid_ang *ra,
                                                           const double *a, const double *b,
                                                           double *d, const int nz)
{
	int i = 0;
	for (; i + 1 < nz; i += 2) {
		track_v2d r = track_v2_load(&a[i]) - track_v2_load(&b[i]);
		track_v2l out =
		    ra->ang[i / 2] & ~((r > track_v2_dup(-GEO_PI)) & (r <= track_v2_dup(GEO_PI)));
		if (out[0] | out[1]) {
			if (out[0])
				r[0] = track_wrap_pi(r[0]);
			if (out[1])
				r[1] = track_wrap_pi(r[1]);
		}
		track_v2_store(&d[i], r);
	}
	if (i < nz) {
		double r = a[i] - b[i];
		if (m->is_angle[i] && !(r > -GEO_PI && r <= GEO_PI))
			r = track_wrap_pi(r);
		d[i] = r;
	}
}

/*
 * The sigma-point moments for a fixed nz (inlined per nz so the small
 * loops unroll; the same operations in the same order as a generic
 * loop): the mean in residual space about the centre point's
 * prediction, then S (without R) and Pxz.
 */
static inline __attribute__((always_inline)) void
ut_moments(const struct track_gauss *g, const struct track_meas *m, double X[NSIG][N],
           double Z[NSIG][TRACK_NZ_MAX], struct track_zpred *p, const int nz, const int nh)
{
	/* The sigma points of L's columns nh.. have the centre's Z exactly
	 * (track_ukf_zpredict_ut): their residual from Z[0] is an exact 0
	 * (left out of the mean); their residual from zhat is the centre's,
	 * so they join its S term with their weights (2 (N - nh) WI + WC0);
	 * and their +- pairs' X - x cancel (in exact arithmetic; in
	 * rounding to ~1e-16 of |x|), so they add nothing to Pxz. */
	_Alignas(16) double acc[TRACK_NZ_MAX] = {0};
	const struct resid_ang ra = resid_ang_of(m);
	double(*PT)[N] = (double(*)[N])p->PxzT; /* Pxz^T, zeroed by the caller */
	/* The loops over the points unrolled: which points are skipped is
	 * then known at compile time (nh is). */
	UNROLL_NSIG
	for (int k = 1; k < NSIG; k++) {
		if ((k - 1) % N >= nh)
			continue;
		_Alignas(16) double d[TRACK_NZ_MAX];
		resid_nz(m, &ra, Z[k], Z[0], d, nz);
		int i = 0; /* two at a time, as resid_nz */
		for (; i + 1 < nz; i += 2)
			track_v2_store(&acc[i], track_v2_load(&acc[i]) +
			                            track_v2_dup(WI) * track_v2_load(&d[i]));
		if (i < nz)
			acc[i] += WI * d[i];
	}
	for (int i = 0; i < nz; i++)
		p->zhat[i] = Z[0][i] + acc[i];
	UNROLL_NSIG
	for (int k = 0; k < NSIG; k++) {
		if (k > 0 && (k - 1) % N >= nh)
			continue;
		double dz[TRACK_NZ_MAX];
		resid_nz(m, &ra, Z[k], p->zhat, dz, nz);
		double w = k == 0 ? WC0 + 2.0 * (N - nh) * WI : WI;
		/* S's row i two entries at a time (the same sums, same order) */
		for (int i = 0; i < nz; i++) {
			const double wdi = w * dz[i];
			int j = 0;
			for (; j + 1 < nz; j += 2)
				track_v2_store(&p->S[i * nz + j],
				               track_v2_load(&p->S[i * nz + j]) +
				                   track_v2_dup(wdi) * track_v2_load(&dz[j]));
			if (j < nz)
				p->S[i * nz + j] += wdi * dz[j];
		}
		if (k == 0)
			continue; /* X[0] - x = 0 */
		/* Two rows of Pxz at a time, held by column (track/v2d.h:
		 * each entry the same sum in the same order). */
		for (int i = 0; i < N; i += 2) {
			track_v2d wdx =
			    track_v2_dup(w) * (track_v2_load(&X[k][i]) - track_v2_load(&g->x[i]));
			for (int j = 0; j < nz; j++)
				track_v2_store(&PT[j][i], track_v2_load(&PT[j][i]) +
				                              wdx * track_v2_dup(dz[j]));
		}
	}
	/* mat_symmetrise(S, nz) with nz known (the same operations; the
	 * caller adds R to the diagonal, which this does not read) */
	for (int i = 0; i < nz; i++)
		for (int j = 0; j < i; j++) {
			double s = 0.5 * (p->S[i * nz + j] + p->S[j * nz + i]);
			p->S[i * nz + j] = s;
			p->S[j * nz + i] = s;
		}
}

int track_ukf_zpredict_ut(const struct track_gauss *g, const struct track_meas *m,
                          struct track_zpred *zp)
{
	double X[NSIG][N], Z[NSIG][TRACK_NZ_MAX];
	/* Made in zp itself (no copy of the whole struct at the end): on
	 * failure zp holds partial results, which the callers discard
	 * (ukf.h). */
	struct track_zpred *const p = zp;
	int rc = track_chol(p->Lp, g->P, N);
	if (rc < 0)
		return rc;
	const int nz = m->nz;
	/* h reads the position (and for the range rate the velocity): the
	 * first nh state components. L is lower triangular, so the sigma
	 * points of columns j >= nh equal the centre there and have the
	 * centre's h exactly (10 of 17 evaluations for angles and range);
	 * ut_moments needs neither their X nor their Z, so only the centre
	 * and the points of columns 0..nh-1 are formed (as sigma_points). */
	const int nh = nz == 4 ? 6 : 3;
	const double c = sqrt((double)N);
	memcpy(X[0], g->x, sizeof(X[0]));
	const track_v2d cc = track_v2_dup(c); /* as sigma_points */
	for (int j = 0; j < nh; j++)
		TRACK_UNROLL
	for (int i = 0; i < N; i += 2) {
		track_v2d d = cc * track_v2_set(p->Lp[i * N + j], p->Lp[(i + 1) * N + j]);
		track_v2d x = track_v2_load(&g->x[i]);
		track_v2_store(&X[1 + j][i], x + d);
		track_v2_store(&X[1 + N + j][i], x - d);
	}
	/* h of the centre, then of each +- pair of points two at a time
	 * (track_meas_h_pair: the same doubles; every failure is -EDOM,
	 * so the order does not change what is returned). */
	rc = track_meas_h(m, X[0], Z[0]);
	if (rc < 0)
		return rc;
	for (int j = 0; j < nh; j++) {
		rc = track_meas_h_pair(m, X[1 + j], X[1 + N + j], Z[1 + j], Z[1 + N + j]);
		if (rc < 0)
			return rc;
	}
	memset(p->zhat, 0, sizeof(p->zhat));
	memset(p->S, 0, sizeof(p->S));
	memset(p->PxzT, 0, sizeof(p->PxzT));
	p->nz = nz;
	p->lin = 0;
	switch (nz) {
	case 2:
		ut_moments(g, m, X, Z, p, 2, nh);
		break;
	case 3:
		ut_moments(g, m, X, Z, p, 3, nh);
		break;
	default:
		ut_moments(g, m, X, Z, p, 4, nh);
		break;
	}
	for (int i = 0; i < nz; i++)
		p->S[i * nz + i] += m->r_var[i];
	/* S symmetrised by ut_moments */
	rc = track_chol(p->Ls, p->S, nz);
	if (rc < 0)
		return rc;
	p->logdet_S = track_chol_logdet(p->Ls, nz);
	p->has_hc = track_grav_has_c(g);
	if (p->has_hc)
		track_grav_hc_pxz(p->Lp, p->PxzT, g->C, nz, p->HC);
	p->mu = p->log_mu = NAN;
	return 0;
}

/* track_ukf_innovation for a fixed nz: the residual and track_chol_mahal,
 * inlined with nz known (the same doubles). */
static inline __attribute__((always_inline)) double
innovation_nz(const struct track_zpred *zp, const struct track_meas *m, double *nu, const int nz)
{
	for (int i = 0; i < nz; i++) { /* track_meas_residual, the test inline */
		double r = m->z[i] - zp->zhat[i];
		if (m->is_angle[i] && !(r > -GEO_PI && r <= GEO_PI))
			r = track_wrap_pi(r);
		nu[i] = r;
	}
	return track_chol_mahal(zp->Ls, nu, nz);
}

int track_ukf_innovation(const struct track_zpred *zp, const struct track_meas *m,
                         double nu[TRACK_NZ_MAX], double *d2)
{
	switch (zp->nz == m->nz ? zp->nz : 0) {
	case 2:
		*d2 = innovation_nz(zp, m, nu, 2);
		return 0;
	case 3:
		*d2 = innovation_nz(zp, m, nu, 3);
		return 0;
	case 4:
		*d2 = innovation_nz(zp, m, nu, 4);
		return 0;
	default:
		track_meas_residual(m, m->z, zp->zhat, nu);
		*d2 = track_chol_mahal(zp->Ls, nu, zp->nz);
		return 0;
	}
}

/*
 * The update for a fixed nz (inlined per nz so that the small loops
 * unroll): K = Pxz S^-1 row by row through the Cholesky factor of S,
 * then the Joseph form with the rank-nz structure. The loops over rows
 * (K, U, the state) and over the columns of a row of P run two entries
 * at a time (track/v2d.h: each entry the same sum in the same order as
 * one at a time, so the same doubles); K, U and Pxz are held by column
 * for that (KT[a][i] = K_ia).
 */
static inline __attribute__((always_inline)) int
update_nz(const struct track_gauss *g, const struct track_zpred *zp, const struct track_meas *m,
          const double nu[TRACK_NZ_MAX], struct track_gauss *out, const int nz, const int nr)
{
	/* nr = 6: k and aT decoupled (kat_decoupled, and Pxz's rows 6, 7
	 * zero): their rows of K and U are exact zeros, so their rows and
	 * columns of P and their x are the input's. nr is even. */
	const double *Ls = zp->Ls;
	const double(*PT)[N] = (const double(*)[N])zp->PxzT; /* PT[a][i] = Pxz_ia */
	/* K (N x nz): row i solves S k_i = pxz_i (L y = pxz_i, L^T k_i = y). */
	/* The pivots' reciprocals once (nz divisions instead of 2 N nz; the
	 * products differ from the quotients by at most an ulp). */
	_Alignas(16) double KT[TRACK_NZ_MAX][N];
	double il[TRACK_NZ_MAX];
	for (int a = 0; a < nz; a++)
		il[a] = 1.0 / Ls[a * nz + a];
	TRACK_UNROLL
	for (int i = 0; i < nr; i += 2) {
		track_v2d y[TRACK_NZ_MAX], k[TRACK_NZ_MAX];
		for (int a = 0; a < nz; a++) {
			track_v2d v = track_v2_load(&PT[a][i]);
			for (int b = 0; b < a; b++)
				v -= track_v2_dup(Ls[a * nz + b]) * y[b];
			y[a] = v * track_v2_dup(il[a]);
		}
		for (int a = nz - 1; a >= 0; a--) {
			track_v2d v = y[a];
			for (int b = a + 1; b < nz; b++)
				v -= track_v2_dup(Ls[b * nz + a]) * k[b];
			k[a] = v * track_v2_dup(il[a]);
		}
		for (int a = 0; a < nz; a++)
			track_v2_store(&KT[a][i], k[a]);
	}
	/*
	 * S' = S + D, D >= 0 diagonal: the rounding guard R_eff >= R of
	 * the Joseph form. R_eff = S - H P H^T with H P H^T = Pxz^T P^-1
	 * Pxz = W^T W, W = Lp^-1 Pxz. The linearised prediction
	 * (zp->lin) has R_eff = R exactly, so D = 0.
	 */
	double Sd[TRACK_NZ_MAX * TRACK_NZ_MAX];
	const double *Se = zp->S; /* the linearised prediction's S' = S */
	if (!zp->lin) {
		for (int a = 0; a < nz * nz; a++)
			Sd[a] = zp->S[a];
		Se = Sd;
		/* W's columns c, c + 1 side by side and H P H^T's diagonal
		 * entries i, i + 1 (track/v2d.h: each the same sum in the same
		 * order as one at a time); an odd nz's last column alone. */
		double W[N * TRACK_NZ_MAX];
		const double *Lp = zp->Lp;
		for (int c = 0; c + 1 < nz; c += 2)
			TRACK_UNROLL
		for (int i = 0; i < N; i++) {
			track_v2d v = track_v2_set(PT[c][i], PT[c + 1][i]);
			TRACK_UNROLL
			for (int k = 0; k < i; k++)
				v -= track_v2_dup(Lp[i * N + k]) * track_v2_load(&W[k * nz + c]);
			track_v2_store(&W[i * nz + c], v / track_v2_dup(Lp[i * N + i]));
		}
		if (nz % 2)
			for (int i = 0, c = nz - 1; i < N; i++) {
				double v = PT[c][i];
				for (int k = 0; k < i; k++)
					v -= Lp[i * N + k] * W[k * nz + c];
				W[i * nz + c] = v / Lp[i * N + i];
			}
		double hph[TRACK_NZ_MAX];
		for (int i = 0; i + 1 < nz; i += 2) {
			track_v2d h = track_v2_dup(0.0);
			for (int k = 0; k < N; k++)
				h += track_v2_load(&W[k * nz + i]) * track_v2_load(&W[k * nz + i]);
			hph[i] = h[0];
			hph[i + 1] = h[1];
		}
		if (nz % 2) {
			const int i = nz - 1;
			hph[i] = 0.0;
			for (int k = 0; k < N; k++)
				hph[i] += W[k * nz + i] * W[k * nz + i];
		}
		for (int i = 0; i < nz; i++) {
			double reff = zp->S[i * nz + i] - hph[i];
			if (reff < m->r_var[i])
				Sd[i * nz + i] += m->r_var[i] - reff;
		}
	}
	/*
	 * Joseph form with the rank-nz structure: with A = I - K H,
	 * A P A^T + K R_eff K^T = P - K Pxz^T - Pxz K^T + K S' K^T
	 * (H P = Pxz^T, H P H^T + R_eff = S'), O(N^2 nz) instead of O(N^3);
	 * computed on the lower triangle and mirrored (exactly symmetric).
	 */
	_Alignas(16) double UT[TRACK_NZ_MAX][N]; /* (K S' - Pxz)^T */
	TRACK_UNROLL
	for (int i = 0; i < nr; i += 2)
		TRACK_UNROLL
	for (int b = 0; b < nz; b++) {
		track_v2d v = track_v2_dup(0.0);
		for (int a = 0; a < nz; a++)
			v += track_v2_load(&KT[a][i]) * track_v2_dup(Se[a * nz + b]);
		track_v2_store(&UT[b][i], v - track_v2_load(&PT[b][i]));
	}
	struct track_gauss r;
	/* Row i's entries j <= i in pairs; an odd row's last pair computes
	 * (i, i + 1) too (i + 1 < nr: in bounds), which is not kept. */
	TRACK_UNROLL
	for (int i = 0; i < nr; i++) {
		track_v2d u[TRACK_NZ_MAX], k[TRACK_NZ_MAX];
		for (int a = 0; a < nz; a++) {
			u[a] = track_v2_dup(UT[a][i]);
			k[a] = track_v2_dup(KT[a][i]);
		}
		TRACK_UNROLL
		for (int j = 0; j <= i; j += 2) {
			track_v2d v = track_v2_dup(0.0);
			TRACK_UNROLL
			for (int a = 0; a < nz; a++)
				v += u[a] * track_v2_load(&KT[a][j]) -
				     k[a] * track_v2_load(&PT[a][j]);
			v += track_v2_load(&g->P[i * N + j]);
			r.P[i * N + j] = r.P[j * N + i] = v[0];
			if (j + 1 <= i)
				r.P[i * N + j + 1] = r.P[(j + 1) * N + i] = v[1];
		}
	}
	for (int i = nr; i < N; i++)
		for (int j = 0; j <= i; j++)
			r.P[i * N + j] = r.P[j * N + i] = g->P[i * N + j];
	for (int i = 0; i < nr; i += 2) {
		track_v2d dx = track_v2_dup(0.0);
		for (int a = 0; a < nz; a++)
			dx += track_v2_load(&KT[a][i]) * track_v2_dup(nu[a]);
		track_v2_store(&r.x[i], track_v2_load(&g->x[i]) + dx);
	}
	for (int i = nr; i < N; i++)
		r.x[i] = g->x[i];
	for (int i = 0; i < N; i++) {
		if (!isfinite(r.x[i]))
			return -EDOM;
		if (!(r.P[i * N + i] > 0.0))
			return -MW_ENOTSPD;
	}
	if (zp->has_hc) {
		double K[N * TRACK_NZ_MAX]; /* row-major; rows nr.. exact zeros */
		for (int i = 0; i < N; i++)
			for (int a = 0; a < nz; a++)
				K[i * nz + a] = i < nr ? KT[a][i] : 0.0;
		track_grav_update_c(r.C, g->C, K, zp->HC, nz);
		*out = r;
		return 0;
	}
	/* C is g's: copied once, straight (out may be g: then it is there) */
	memcpy(out->x, r.x, sizeof(r.x));
	memcpy(out->P, r.P, sizeof(r.P));
	if (out != g)
		memcpy(out->C, g->C, sizeof(out->C));
	return 0;
}

int track_ukf_update(const struct track_gauss *g, const struct track_zpred *zp,
                     const struct track_meas *m, struct track_gauss *out, double *nis)
{
	double nu[TRACK_NZ_MAX], d2;
	int rc = track_ukf_innovation(zp, m, nu, &d2);
	if (rc < 0)
		return rc;
	int dec = kat_decoupled(g->P);
	for (int a = 0; dec && a < zp->nz; a++) /* Pxz's rows 6, 7 */
		if (zp->PxzT[a * N + 6] != 0.0 || zp->PxzT[a * N + 7] != 0.0)
			dec = 0;
	switch (zp->nz * 2 + dec) {
	case 4:
		rc = update_nz(g, zp, m, nu, out, 2, N);
		break;
	case 5:
		rc = update_nz(g, zp, m, nu, out, 2, 6);
		break;
	case 6:
		rc = update_nz(g, zp, m, nu, out, 3, N);
		break;
	case 7:
		rc = update_nz(g, zp, m, nu, out, 3, 6);
		break;
	case 8:
		rc = update_nz(g, zp, m, nu, out, 4, N);
		break;
	case 9:
		rc = update_nz(g, zp, m, nu, out, 4, 6);
		break;
	default:
		return -EINVAL;
	}
	if (rc < 0)
		return rc;
	if (nis)
		*nis = d2;
	track_gauss_check(out);
	return 0;
}
