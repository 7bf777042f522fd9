/*
 * tests/unit/test_mat.c - mat/: products, Cholesky and SPD routines,
 * symmetric eigen-decomposition, factor updates, failure classification.
 *
 * Random matrices come from a fixed-seed splitmix64 generator, so every
 * run sees the same numbers. Tolerances are relative and derived from
 * the usual backward-error bounds (a few n * eps, times the condition
 * number where a forward error is compared).
 */
#include <errno.h>
#include <float.h>
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "core/err.h"
#include "mat/mat.h"

#define NN       (MAT_MAX * MAT_MAX)
#define SENTINEL 12345.678

/* ---- helpers ---- */

struct rng {
	uint64_t s;
};

/* splitmix64 (Steele, Lea, Flood 2014). */
static uint64_t rng_next(struct rng *r)
{
	uint64_t z = (r->s += UINT64_C(0x9E3779B97F4A7C15));
	z = (z ^ (z >> 30)) * UINT64_C(0xBF58476D1CE4E5B9);
	z = (z ^ (z >> 27)) * UINT64_C(0x94D049BB133111EB);
	return z ^ (z >> 31);
}

/* Uniform in [-1, 1). */
static double rng_unit(struct rng *r)
{
	return (double)(rng_next(r) >> 11) * (2.0 / 9007199254740992.0) - 1.0;
}

static void rand_mat(struct rng *r, double *A, int n, int m)
{
	for (int i = 0; i < n * m; i++)
		A[i] = rng_unit(r);
}

/* A = B B^T + 0.05 n I with B random n x n: SPD with a moderate condition. */
static void rand_spd(struct rng *r, double *A, int n)
{
	double B[NN];
	rand_mat(r, B, n, n);
	mat_mul_abt(A, B, B, n, n, n);
	for (int i = 0; i < n; i++)
		A[i * n + i] += 0.05 * n;
}

static double max_abs(const double *A, int count)
{
	double m = 0.0;
	for (int i = 0; i < count; i++)
		m = fmax(m, fabs(A[i]));
	return m;
}

static double max_abs_diff(const double *A, const double *B, int count)
{
	double m = 0.0;
	for (int i = 0; i < count; i++)
		m = fmax(m, fabs(A[i] - B[i]));
	return m;
}

static void fill(double *A, int count)
{
	for (int i = 0; i < count; i++)
		A[i] = SENTINEL;
}

static void assert_untouched(const double *A, int count, const char *what)
{
	for (int i = 0; i < count; i++)
		if (A[i] != SENTINEL)
			fail_msg("%s[%d] written on failure: %g", what, i, A[i]);
}

static void assert_close(double got, double want, double tol, const char *what)
{
	if (!(fabs(got - want) <= tol))
		fail_msg("%s: got %.17g, want %.17g (diff %.3g > tol %.3g)", what, got, want,
		         fabs(got - want), tol);
}

static void assert_rc(int got, int want, const char *what)
{
	if (got != want)
		fail_msg("%s: got %d (%s), want %d (%s)", what, got, mw_errname(got), want,
		         mw_errname(want));
}

/* Every SPD function fails with `want` on A and leaves its outputs alone. */
static void assert_spd_fails(const double *A, int n, int want, const char *what)
{
	double out[NN], v[MAT_MAX], s = SENTINEL;
	double b[NN];
	for (int i = 0; i < n * n; i++)
		b[i] = 1.0;
	char label[160];

	fill(out, NN);
	snprintf(label, sizeof(label), "%s: mat_cholesky", what);
	assert_rc(mat_cholesky(out, A, n), want, label);
	assert_untouched(out, NN, label);

	fill(out, NN);
	snprintf(label, sizeof(label), "%s: mat_spd_solve", what);
	assert_rc(mat_spd_solve(out, A, b, n, n), want, label);
	assert_untouched(out, NN, label);

	fill(v, MAT_MAX);
	snprintf(label, sizeof(label), "%s: mat_spd_solve_vec", what);
	assert_rc(mat_spd_solve_vec(v, A, b, n), want, label);
	assert_untouched(v, MAT_MAX, label);

	fill(out, NN);
	snprintf(label, sizeof(label), "%s: mat_spd_inverse", what);
	assert_rc(mat_spd_inverse(out, A, n), want, label);
	assert_untouched(out, NN, label);

	snprintf(label, sizeof(label), "%s: mat_spd_logdet", what);
	assert_rc(mat_spd_logdet(A, n, &s), want, label);
	assert_untouched(&s, 1, label);

	snprintf(label, sizeof(label), "%s: mat_spd_mahalanobis", what);
	assert_rc(mat_spd_mahalanobis(A, b, n, &s), want, label);
	assert_untouched(&s, 1, label);

	snprintf(label, sizeof(label), "%s: mat_spd_rcond", what);
	assert_rc(mat_spd_rcond(A, n, &s), want, label);
	assert_untouched(&s, 1, label);

	if (mat_is_spd(A, n))
		fail_msg("%s: mat_is_spd said true", what);
}

/* ---- products against hand-computed results ---- */

static void products_match_hand_computed_values(void **state)
{
	(void)state;
	const double A[2 * 3] = {1, 2, 3, 4, 5, 6};
	const double B[3 * 2] = {7, 8, 9, 10, 11, 12};
	double C[NN];

	mat_mul(C, A, B, 2, 3, 2);
	const double AB[4] = {58, 64, 139, 154};
	assert_true(max_abs_diff(C, AB, 4) == 0.0);

	/* A (2x3) * A^T -> 2x2 */
	mat_mul_abt(C, A, A, 2, 3, 2);
	const double AAt[4] = {14, 32, 32, 77};
	assert_true(max_abs_diff(C, AAt, 4) == 0.0);

	/* A^T (3x2 of A 2x3) * A -> 3x3 */
	mat_mul_atb(C, A, A, 3, 2, 3);
	const double AtA[9] = {17, 22, 27, 22, 29, 36, 27, 36, 45};
	assert_true(max_abs_diff(C, AtA, 9) == 0.0);

	double y[3];
	const double x3[3] = {1, -1, 2};
	mat_mul_vec(y, A, x3, 2, 3);
	assert_close(y[0], 5, 0, "A x [0]");
	assert_close(y[1], 11, 0, "A x [1]");
	const double x2[2] = {1, -1};
	mat_mul_tvec(y, A, x2, 2, 3);
	assert_close(y[0], -3, 0, "A^T x [0]");
	assert_close(y[1], -3, 0, "A^T x [1]");
	assert_close(y[2], -3, 0, "A^T x [2]");

	mat_transpose(C, A, 2, 3);
	const double At[6] = {1, 4, 2, 5, 3, 6};
	assert_true(max_abs_diff(C, At, 6) == 0.0);

	/* F P F^T for a constant-velocity F with dt = 2 and P = diag(4, 1):
	 * [[1,2],[0,1]] diag(4,1) [[1,0],[2,1]] = [[8,2],[2,1]]. */
	const double F[4] = {1, 2, 0, 1}, P[4] = {4, 0, 0, 1};
	mat_abat(C, F, P, 2, 2);
	const double FPFt[4] = {8, 2, 2, 1};
	assert_true(max_abs_diff(C, FPFt, 4) == 0.0);
	/* Non-square: H (1x2) P H^T with H = [1 3] -> 4 + 9 = 13. */
	const double H[2] = {1, 3};
	mat_abat(C, H, P, 1, 2);
	assert_close(C[0], 13, 0, "H P H^T");

	double S[4] = {1, 2, 4, 3};
	mat_symmetrise(S, 2);
	assert_close(S[1], 3, 0, "symmetrise [0][1]");
	assert_close(S[2], 3, 0, "symmetrise [1][0]");
	assert_close(mat_trace(S, 2), 4, 0, "trace");

	double D[6];
	mat_add(D, F, P, 2, 2);
	const double FpP[4] = {5, 2, 0, 2};
	assert_true(max_abs_diff(D, FpP, 4) == 0.0);
	mat_sub(D, D, P, 2, 2); /* aliasing C with A is allowed */
	assert_true(max_abs_diff(D, F, 4) == 0.0);
	mat_scale(D, -2.0, 2, 2);
	const double m2F[4] = {-2, -4, 0, -2};
	assert_true(max_abs_diff(D, m2F, 4) == 0.0);

	mat_identity(D, 2);
	const double I2[4] = {1, 0, 0, 1};
	assert_true(max_abs_diff(D, I2, 4) == 0.0);
	mat_zero(D, 2, 2);
	assert_true(max_abs(D, 4) == 0.0);
	mat_copy(D, A, 2, 3);
	assert_true(max_abs_diff(D, A, 6) == 0.0);

	/* In-place square transpose. */
	double Q[9] = {1, 2, 3, 4, 5, 6, 7, 8, 9};
	mat_transpose(Q, Q, 3, 3);
	const double Qt[9] = {1, 4, 7, 2, 5, 8, 3, 6, 9};
	assert_true(max_abs_diff(Q, Qt, 9) == 0.0);
}

static void product_identities_hold_on_random_matrices(void **state)
{
	(void)state;
	struct rng r = {1};
	for (int n = 1; n <= MAT_MAX; n++)
		for (int m = 1; m <= MAT_MAX; m++) {
			int p = 1 + (n + m) % MAT_MAX;
			double A[NN], B[NN], I[NN], C[NN], AB[NN], ABt[NN], At[NN], Bt[NN],
			    BtAt[NN];
			rand_mat(&r, A, n, m);
			rand_mat(&r, B, m, p);
			/* A I = A exactly. */
			mat_identity(I, m);
			mat_mul(C, A, I, n, m, m);
			assert_true(max_abs_diff(C, A, n * m) == 0.0);
			/* (AB)^T = B^T A^T: same products in the same order, so exact. */
			mat_mul(AB, A, B, n, m, p);
			mat_transpose(ABt, AB, n, p);
			mat_transpose(At, A, n, m);
			mat_transpose(Bt, B, m, p);
			mat_mul(BtAt, Bt, At, p, m, n);
			assert_true(max_abs_diff(ABt, BtAt, n * p) == 0.0);
			/* abt(A, B^T) and atb(A^T, B) equal mul(A, B) exactly. */
			mat_mul_abt(C, A, Bt, n, m, p);
			assert_true(max_abs_diff(C, AB, n * p) == 0.0);
			mat_mul_atb(C, At, B, n, m, p);
			assert_true(max_abs_diff(C, AB, n * p) == 0.0);
			/* A x = column of A B for x a column of B. */
			double x[MAT_MAX], y[MAT_MAX];
			for (int k = 0; k < m; k++)
				x[k] = B[k * p];
			mat_mul_vec(y, A, x, n, m);
			for (int i = 0; i < n; i++)
				assert_true(y[i] == AB[i * p]);
			/* A B A^T for square B: equals (A B) A^T; exactly symmetric. */
			double Bs[NN], ABs[NN], ref[NN], got[NN];
			rand_mat(&r, Bs, m, m);
			mat_symmetrise(Bs, m);
			mat_mul(ABs, A, Bs, n, m, m);
			mat_mul_abt(ref, ABs, A, n, m, n);
			mat_abat(got, A, Bs, n, m);
			double tol = 4.0 * m * DBL_EPSILON * (max_abs(ref, n * n) + 1.0) * m;
			if (!(max_abs_diff(got, ref, n * n) <= tol))
				fail_msg("abat n=%d m=%d: diff %g > %g", n, m,
				         max_abs_diff(got, ref, n * n), tol);
			for (int i = 0; i < n; i++)
				for (int j = 0; j < i; j++)
					assert_true(got[i * n + j] == got[j * n + i]);
		}
}

/* ---- Cholesky and SPD routines ---- */

static void cholesky_reconstructs_random_spd_of_every_size(void **state)
{
	(void)state;
	struct rng r = {2};
	double worst = 0.0;
	for (int n = 1; n <= MAT_MAX; n++)
		for (int trial = 0; trial < 20; trial++) {
			double A[NN], L[NN], LLt[NN];
			rand_spd(&r, A, n);
			int rc = mat_cholesky(L, A, n);
			assert_rc(rc, 0, "mat_cholesky of random SPD");
			for (int i = 0; i < n; i++) {
				if (!(L[i * n + i] > 0))
					fail_msg("n=%d L[%d][%d] = %g not positive", n, i, i,
					         L[i * n + i]);
				for (int j = i + 1; j < n; j++)
					assert_true(L[i * n + j] == 0.0);
			}
			mat_mul_abt(LLt, L, L, n, n, n);
			double rel = max_abs_diff(LLt, A, n * n) / max_abs(A, n * n);
			worst = fmax(worst, rel);
			if (!(rel <= 1e-12))
				fail_msg("n=%d trial %d: |LL^T - A| / |A| = %g > 1e-12", n, trial,
				         rel);
			assert_true(mat_is_spd(A, n));
		}
	print_message("cholesky: worst relative reconstruction error %.3g\n", worst);
}

static void spd_solve_inverse_logdet_mahalanobis_agree(void **state)
{
	(void)state;
	struct rng r = {3};
	double worst_res = 0.0, worst_inv = 0.0;
	for (int n = 1; n <= MAT_MAX; n++)
		for (int trial = 0; trial < 10; trial++) {
			int m = 1 + trial % 3;
			double A[NN], B[NN], X[NN], AX[NN], Ainv[NN], AiA[NN], I[NN];
			rand_spd(&r, A, n);
			rand_mat(&r, B, n, m);
			double rcond = 0;
			assert_rc(mat_spd_rcond(A, n, &rcond), 0, "rcond");
			assert_true(rcond > 1e-14 && rcond <= 1.0 + 1e-12);

			/* Residual of the solve, relative to |A| |X| (backward error). */
			assert_rc(mat_spd_solve(X, A, B, n, m), 0, "solve");
			mat_mul(AX, A, X, n, n, m);
			double res = max_abs_diff(AX, B, n * m) /
			             (n * max_abs(A, n * n) * max_abs(X, n * m));
			worst_res = fmax(worst_res, res);
			if (!(res <= 1e-14))
				fail_msg("n=%d solve residual %g", n, res);

			/* X may alias B. */
			double Bc[NN];
			memcpy(Bc, B, sizeof(B));
			assert_rc(mat_spd_solve(Bc, A, Bc, n, m), 0, "solve aliased");
			assert_true(max_abs_diff(Bc, X, n * m) == 0.0);
			double xv[MAT_MAX], bv[MAT_MAX];
			for (int i = 0; i < n; i++)
				bv[i] = B[i * m];
			assert_rc(mat_spd_solve_vec(xv, A, bv, n), 0, "solve_vec");
			for (int i = 0; i < n; i++)
				assert_true(xv[i] == X[i * m]);

			/* Inverse: exactly symmetric, A^-1 A = I to cond * eps. */
			assert_rc(mat_spd_inverse(Ainv, A, n), 0, "inverse");
			for (int i = 0; i < n; i++)
				for (int j = 0; j < i; j++)
					if (Ainv[i * n + j] != Ainv[j * n + i])
						fail_msg("inverse not exactly symmetric at %d,%d",
						         i, j);
			mat_mul(AiA, Ainv, A, n, n, n);
			mat_identity(I, n);
			double ierr = max_abs_diff(AiA, I, n * n);
			worst_inv = fmax(worst_inv, ierr * rcond);
			if (!(ierr <= 100.0 * n * DBL_EPSILON / rcond))
				fail_msg("n=%d |A^-1 A - I| = %g, rcond %g", n, ierr, rcond);

			/* logdet = sum of log eigenvalues. */
			double ld = 0, w[MAT_MAX], V[NN], sumlog = 0.0;
			assert_rc(mat_spd_logdet(A, n, &ld), 0, "logdet");
			assert_rc(mat_sym_eig(A, n, w, V), 0, "eig");
			for (int i = 0; i < n; i++)
				sumlog += log(w[i]);
			assert_close(ld, sumlog, 1e-11 * (1.0 + fabs(sumlog)), "logdet vs eig");

			/* Mahalanobis = x^T A^-1 x by the explicit inverse. */
			double d2 = -1, Aix[MAT_MAX], ref = 0.0;
			assert_rc(mat_spd_mahalanobis(A, bv, n, &d2), 0, "mahalanobis");
			mat_mul_vec(Aix, Ainv, bv, n, n);
			for (int i = 0; i < n; i++)
				ref += bv[i] * Aix[i];
			assert_close(d2, ref, ref * (1e-13 + 20.0 * n * DBL_EPSILON / rcond),
			             "mahalanobis vs inverse");
		}
	print_message("spd: worst solve backward error %.3g, worst |A^-1 A - I| * rcond %.3g\n",
	              worst_res, worst_inv);
}

static void mahalanobis_of_known_case(void **state)
{
	(void)state;
	/* diag(4, 9): x = (2, 3) -> 1 + 1 = 2. logdet = log 36. */
	const double A[4] = {4, 0, 0, 9}, x[2] = {2, 3};
	double d2 = 0, ld = 0;
	assert_rc(mat_spd_mahalanobis(A, x, 2, &d2), 0, "mahalanobis");
	assert_close(d2, 2.0, 1e-15, "d2");
	assert_rc(mat_spd_logdet(A, 2, &ld), 0, "logdet");
	assert_close(ld, log(36.0), 1e-15, "logdet");
	/* [[2,1],[1,2]]: L = [[sqrt2, 0], [1/sqrt2, sqrt(3/2)]]. */
	const double B[4] = {2, 1, 1, 2};
	double L[4];
	assert_rc(mat_cholesky(L, B, 2), 0, "chol 2x2");
	assert_close(L[0], sqrt(2.0), 1e-15, "L00");
	assert_close(L[2], 1.0 / sqrt(2.0), 1e-15, "L10");
	assert_close(L[3], sqrt(1.5), 1e-15, "L11");
	assert_true(L[1] == 0.0);
	/* Non-finite x is refused. */
	const double xn[2] = {NAN, 1};
	d2 = SENTINEL;
	assert_rc(mat_spd_mahalanobis(A, xn, 2, &d2), -EINVAL, "NaN x");
	assert_untouched(&d2, 1, "d2");
}

/* ---- failure classification ---- */

static void non_spd_inputs_are_rejected_and_outputs_untouched(void **state)
{
	(void)state;
	/* Asymmetric beyond 1e-9 relative. */
	const double asym[4] = {2, 1, 1.00001, 2};
	assert_spd_fails(asym, 2, -MW_ENOTSPD, "asymmetric");
	/* Asymmetry at 1e-12 relative is accepted (rounding in P = F P F^T). */
	const double nearsym[4] = {2, 1, 1 + 1e-12, 2};
	assert_true(mat_is_spd(nearsym, 2));
	assert_true(mat_is_symmetric(nearsym, 2));
	assert_false(mat_is_symmetric(asym, 2));
	/* Indefinite. */
	const double indef[4] = {1, 2, 2, 1};
	assert_spd_fails(indef, 2, -MW_ENOTSPD, "indefinite [[1,2],[2,1]]");
	const double negdiag[9] = {1, 0, 0, 0, -1, 0, 0, 0, 1};
	assert_spd_fails(negdiag, 3, -MW_ENOTSPD, "diag(1,-1,1)");
	/* Zero diagonal with a non-zero off-diagonal is indefinite. */
	const double zd[4] = {0, 1, 1, 0};
	assert_spd_fails(zd, 2, -MW_ENOTSPD, "[[0,1],[1,0]]");
	/* Non-finite entries. */
	double bad[9] = {4, 1, 0, 1, 4, 1, 0, 1, 4};
	bad[4] = NAN;
	assert_spd_fails(bad, 3, -MW_ENOTSPD, "NaN on diagonal");
	bad[4] = 4;
	bad[1] = bad[3] = INFINITY;
	assert_spd_fails(bad, 3, -MW_ENOTSPD, "Inf off diagonal");
	bad[1] = bad[3] = 1;
	bad[8] = -INFINITY;
	assert_spd_fails(bad, 3, -MW_ENOTSPD, "-Inf on diagonal");
	/* Near overflow: the pivot arithmetic overflows -> not SPD, no garbage. */
	const double huge[4] = {DBL_MAX, DBL_MAX, DBL_MAX, DBL_MAX};
	double L[4];
	fill(L, 4);
	assert_true(mat_cholesky(L, huge, 2) < 0);
	assert_untouched(L, 4, "L (huge)");
}

static void singular_and_ill_conditioned_inputs_return_eillcond(void **state)
{
	(void)state;
	/* Zero matrix and rank-1 [[1,1],[1,1]]: singular PSD. */
	double Z[NN] = {0};
	for (int n = 1; n <= MAT_MAX; n++)
		assert_spd_fails(Z, n, -MW_EILLCOND, "zero matrix");
	const double ones[4] = {1, 1, 1, 1};
	assert_spd_fails(ones, 2, -MW_EILLCOND, "[[1,1],[1,1]]");
	/* Correlation 1 - 1e-15: rcond ~ 5e-16. */
	const double c15[4] = {1, 1 - 1e-15, 1 - 1e-15, 1};
	assert_spd_fails(c15, 2, -MW_EILLCOND, "correlation 1-1e-15");
	/* Correlation 1 - 1e-12: rcond ~ 5e-13, accepted. */
	const double c12[4] = {1, 1 - 1e-12, 1 - 1e-12, 1};
	double rc = 0;
	assert_rc(mat_spd_rcond(c12, 2, &rc), 0, "correlation 1-1e-12");
	assert_close(rc, 0.25 * (1 - (1 - 1e-12) * (1 - 1e-12)), 1e-3 * rc, "rcond 1-1e-12");
	/* Rank-deficient products B B^T, B n x (n-1) or n x n/2, every size,
	 * scaled arbitrarily: singular to working precision. */
	struct rng r = {4};
	for (int n = 2; n <= MAT_MAX; n++)
		for (int trial = 0; trial < 10; trial++) {
			int k = trial % 2 ? n - 1 : (n + 1) / 2;
			if (k >= n)
				k = n - 1;
			double B[NN], A[NN];
			rand_mat(&r, B, n, k);
			mat_mul_abt(A, B, B, n, k, n);
			mat_scale(A, pow(10.0, (trial - 5) * 20), n, n);
			char what[64];
			snprintf(what, sizeof(what), "rank %d product, n=%d", k, n);
			assert_spd_fails(A, n, -MW_EILLCOND, what);
		}
}

/* A = Q diag(lambda) Q^T with Q orthogonal (eigenvectors of a random
 * symmetric matrix): the classification must follow the spectrum. */
static void verdict_follows_the_spectrum(void **state)
{
	(void)state;
	struct rng r = {9};
	int count[3] = {0, 0, 0};
	for (int trial = 0; trial < 900; trial++) {
		int n = 1 + trial % MAT_MAX;
		int kind = (trial / MAT_MAX) % 3; /* 0 PD, 1 one negative, 2 one zero */
		double S[NN], Q[NN], w[MAT_MAX], lam[MAT_MAX], QL[NN], A[NN], L[NN];
		rand_mat(&r, S, n, n);
		mat_symmetrise(S, n);
		assert_rc(mat_sym_eig(S, n, w, Q), 0, "eig for Q");
		for (int i = 0; i < n; i++)
			lam[i] = pow(10.0, -3.0 * (rng_unit(&r) + 1.0) / 2.0); /* 1e-3..1 */
		int want = 0;
		if (kind == 1) {
			lam[trial % n] = -lam[trial % n];
			want = -MW_ENOTSPD;
		} else if (kind == 2 && n > 1) {
			lam[trial % n] = 0.0;
			want = -MW_EILLCOND;
		}
		for (int i = 0; i < n; i++)
			for (int j = 0; j < n; j++)
				QL[i * n + j] = Q[i * n + j] * lam[j];
		mat_mul_abt(A, QL, Q, n, n, n);
		mat_symmetrise(A, n);
		int rc = mat_cholesky(L, A, n);
		if (rc != want)
			fail_msg("trial %d n=%d kind %d: got %s, want %s", trial, n, kind,
			         mw_errname(rc), mw_errname(want));
		count[want == 0 ? 0 : want == -MW_ENOTSPD ? 1 : 2]++;
	}
	print_message("verdicts: %d PD accepted, %d indefinite, %d singular classified\n", count[0],
	              count[1], count[2]);
}

static void scaling_does_not_make_a_matrix_ill_conditioned(void **state)
{
	(void)state;
	/* diag(1, 1e-17): unscaled cond 1e17, but the solve is exact; the
	 * conditioning test is on D^-1/2 A D^-1/2 = I (see mat.c). */
	const double A[4] = {1, 0, 0, 1e-17};
	const double b[2] = {3, 2e-17};
	double x[2], rc = 0;
	assert_rc(mat_spd_rcond(A, 2, &rc), 0, "diag(1,1e-17) rcond");
	assert_close(rc, 1.0, 1e-15, "rcond of a diagonal matrix");
	assert_rc(mat_spd_solve_vec(x, A, b, 2), 0, "diag(1,1e-17) solve");
	assert_close(x[0], 3.0, 1e-15, "x0");
	assert_close(x[1], 2.0, 1e-15, "x1");
	/* A covariance mixing (1000 km)^2 and (1 mm/s)^2 with correlation 0.5. */
	double P[4] = {1e12, 0, 0, 1e-6};
	P[1] = P[2] = 0.5 * sqrt(P[0] * P[3]);
	double Pinv[4], I[4], PiP[4];
	assert_rc(mat_spd_inverse(Pinv, P, 2), 0, "graded covariance inverse");
	mat_mul(PiP, Pinv, P, 2, 2, 2);
	mat_identity(I, 2);
	/* Compare in the scaled sense: (P^-1 P)_ij sqrt(p_ii / p_jj) = (H^-1 H)_ij ~ I. */
	for (int i = 0; i < 2; i++)
		for (int j = 0; j < 2; j++) {
			double s = PiP[i * 2 + j] * sqrt(P[i * 3] / P[j * 3]);
			assert_close(s, I[i * 2 + j], 1e-14, "scaled P^-1 P");
		}
}

static void overflowing_results_are_erange_not_inf(void **state)
{
	(void)state;
	/* Perfectly conditioned after scaling, but 1e300 / 1e-300 overflows. */
	const double A[4] = {1e300, 0, 0, 1e-300};
	const double b[2] = {1, 1e10};
	double x[2], Ai[4], d2 = SENTINEL;
	fill(x, 2);
	assert_rc(mat_spd_solve_vec(x, A, b, 2), -ERANGE, "solve overflow");
	assert_untouched(x, 2, "x");
	assert_rc(mat_spd_mahalanobis(A, b, 2, &d2), -ERANGE, "mahalanobis overflow");
	assert_untouched(&d2, 1, "d2");
	const double Asub[4] = {1, 0, 0, 1e-310};
	fill(Ai, 4);
	assert_rc(mat_spd_inverse(Ai, Asub, 2), -ERANGE, "inverse overflow");
	assert_untouched(Ai, 4, "Ainv");
	/* Non-finite right-hand side. */
	const double I[4] = {1, 0, 0, 1}, bn[2] = {1, INFINITY};
	assert_rc(mat_spd_solve_vec(x, I, bn, 2), -EINVAL, "solve with Inf b");
	assert_untouched(x, 2, "x");
}

static void hilbert9_is_accepted_and_solves_to_its_condition(void **state)
{
	(void)state;
	/* Hilbert(9): cond_2 about 4.9e11. Accepted: rcond
	 * of the scaled matrix is ~1e-12 > 1e-14. Solve H x = H 1. */
	const int n = 9;
	double H[NN], one[MAT_MAX], b[MAT_MAX], x[MAT_MAX], Hx[MAT_MAX], rc = 0;
	for (int i = 0; i < n; i++) {
		one[i] = 1.0;
		for (int j = 0; j < n; j++)
			H[i * n + j] = 1.0 / (i + j + 1);
	}
	mat_mul_vec(b, H, one, n, n);
	assert_rc(mat_spd_rcond(H, n, &rc), 0, "Hilbert 9 rcond");
	assert_rc(mat_spd_solve_vec(x, H, b, n), 0, "Hilbert 9 solve");
	mat_mul_vec(Hx, H, x, n, n);
	double res = max_abs_diff(Hx, b, n) / max_abs(b, n);
	double err = max_abs_diff(x, one, n);
	print_message("hilbert9: scaled rcond %.3g, relative residual %.3g, max error %.3g\n", rc,
	              res, err);
	assert_true(rc > 1e-14 && rc < 1e-9);
	if (!(res <= 1e-14))
		fail_msg("Hilbert 9 residual %g", res);
	/* Forward error bounded by cond * eps with a margin: ~ 1e12 * 2e-16. */
	if (!(err <= 1e-3))
		fail_msg("Hilbert 9 forward error %g", err);
}

/* ---- eigen-decomposition ---- */

static void check_eig(const double *A, int n, const char *what)
{
	double w[MAT_MAX], V[NN], VD[NN], R[NN], VtV[NN], I[NN];
	int rc = mat_sym_eig(A, n, w, V);
	assert_rc(rc, 0, what);
	for (int i = 1; i < n; i++)
		if (!(w[i - 1] <= w[i]))
			fail_msg("%s: eigenvalues not ascending: w[%d]=%g w[%d]=%g", what, i - 1,
			         w[i - 1], i, w[i]);
	for (int i = 0; i < n; i++)
		for (int j = 0; j < n; j++)
			VD[i * n + j] = V[i * n + j] * w[j];
	mat_mul_abt(R, VD, V, n, n, n);
	double scale = max_abs(A, n * n) + DBL_MIN;
	double rec = max_abs_diff(R, A, n * n) / scale;
	if (!(rec <= 1e-13))
		fail_msg("%s: |V W V^T - A| / |A| = %g", what, rec);
	mat_mul_atb(VtV, V, V, n, n, n);
	mat_identity(I, n);
	double orth = max_abs_diff(VtV, I, n * n);
	if (!(orth <= 1e-13))
		fail_msg("%s: |V^T V - I| = %g", what, orth);
	/* Sign convention: largest-magnitude component positive. */
	for (int c = 0; c < n; c++) {
		int big = 0;
		for (int r = 1; r < n; r++)
			if (fabs(V[r * n + c]) > fabs(V[big * n + c]))
				big = r;
		assert_true(V[big * n + c] > 0);
	}
}

static void sym_eig_reconstructs_and_orders(void **state)
{
	(void)state;
	const double A[4] = {2, 1, 1, 2};
	double w[2], V[4];
	assert_rc(mat_sym_eig(A, 2, w, V), 0, "[[2,1],[1,2]]");
	assert_close(w[0], 1.0, 4e-16, "w0");
	assert_close(w[1], 3.0, 8e-16, "w1");
	assert_close(fabs(V[0]), sqrt(0.5), 1e-15, "v0");
	check_eig(A, 2, "[[2,1],[1,2]]");

	struct rng r = {5};
	for (int n = 1; n <= MAT_MAX; n++)
		for (int trial = 0; trial < 10; trial++) {
			double S[NN];
			char what[64];
			rand_mat(&r, S, n, n);
			mat_symmetrise(S, n);
			snprintf(what, sizeof(what), "random symmetric n=%d", n);
			check_eig(S, n, what);
			rand_spd(&r, S, n);
			snprintf(what, sizeof(what), "random SPD n=%d", n);
			check_eig(S, n, what);
		}
	/* Degenerate and special cases. */
	double Z[NN] = {0};
	check_eig(Z, 5, "zero");
	double I[NN];
	mat_identity(I, 9);
	check_eig(I, 9, "identity");
	double ones[NN];
	for (int i = 0; i < 16; i++)
		ones[i] = 1.0;
	check_eig(ones, 4, "rank-1 ones(4)");
	double w4[4], V4[16];
	assert_rc(mat_sym_eig(ones, 4, w4, V4), 0, "ones(4)");
	assert_close(w4[3], 4.0, 1e-14, "ones(4) largest");
	assert_close(w4[0], 0.0, 1e-14, "ones(4) smallest");
	/* Graded: eigenvalues 1e12 and 1e-6 both to relative accuracy. */
	const double G[4] = {1e12, 0.5e3, 0.5e3, 1e-6};
	double wg[2], Vg[4];
	assert_rc(mat_sym_eig(G, 2, wg, Vg), 0, "graded");
	double det = 1e12 * 1e-6 - 0.25e6;
	assert_close(wg[0] * wg[1], det, 1e-12 * det, "graded: product = det");
	/* Errors: asymmetric, NaN; outputs untouched. */
	const double asym[4] = {1, 2, 3, 4};
	fill(w, 2);
	fill(V, 4);
	assert_rc(mat_sym_eig(asym, 2, w, V), -EINVAL, "eig of asymmetric");
	assert_untouched(w, 2, "w");
	assert_untouched(V, 4, "V");
	const double nan[4] = {1, NAN, NAN, 1};
	assert_rc(mat_sym_eig(nan, 2, w, V), -EINVAL, "eig of NaN");
	assert_untouched(w, 2, "w");
}

/* ---- square-root filter helpers ---- */

static void cholesky_update_and_downdate_match_refactoring(void **state)
{
	(void)state;
	struct rng r = {6};
	for (int n = 1; n <= MAT_MAX; n++)
		for (int trial = 0; trial < 5; trial++) {
			double A[NN], L[NN], x[MAT_MAX], Ap[NN], Lp[NN], L0[NN];
			rand_spd(&r, A, n);
			rand_mat(&r, x, n, 1);
			assert_rc(mat_cholesky(L, A, n), 0, "chol");
			memcpy(L0, L, sizeof(L));
			memcpy(Ap, A, sizeof(A));
			for (int i = 0; i < n; i++)
				for (int j = 0; j < n; j++)
					Ap[i * n + j] += x[i] * x[j];
			assert_rc(mat_cholesky(Lp, Ap, n), 0, "chol of A + x x^T");
			assert_rc(mat_chol_update(L, x, n), 0, "update");
			double e = max_abs_diff(L, Lp, n * n) / max_abs(Lp, n * n);
			if (!(e <= 1e-12))
				fail_msg("n=%d update differs from refactoring by %g", n, e);
			assert_rc(mat_chol_downdate(L, x, n), 0, "downdate");
			e = max_abs_diff(L, L0, n * n) / max_abs(L0, n * n);
			if (!(e <= 1e-10))
				fail_msg("n=%d downdate differs from the original by %g", n, e);
		}
	/* Downdating below zero: [[1]] - (2)(2) is indefinite. */
	double L1[1] = {1.0};
	const double x2[1] = {2.0};
	assert_rc(mat_chol_downdate(L1, x2, 1), -MW_ENOTSPD, "downdate to -3");
	assert_true(L1[0] == 1.0);
	const double x1[1] = {1.0};
	assert_rc(mat_chol_downdate(L1, x1, 1), -MW_EILLCOND, "downdate to 0");
	assert_true(L1[0] == 1.0);
	const double xn[1] = {NAN};
	assert_rc(mat_chol_update(L1, xn, 1), -EINVAL, "update with NaN");
	assert_true(L1[0] == 1.0);
}

static void tria_gives_the_triangular_square_root(void **state)
{
	(void)state;
	struct rng r = {7};
	for (int n = 1; n <= MAT_MAX; n++) {
		int ks[3] = {n, 2 * n + 1, 3 * n + 1};
		for (int t = 0; t < 3; t++) {
			int k = ks[t];
			double A[MAT_MAX * MAT_TRIA_MAX_COLS], S[NN], SSt[NN], AAt[NN], L[NN];
			rand_mat(&r, A, n, k);
			assert_rc(mat_tria(S, A, n, k), 0, "tria");
			for (int i = 0; i < n; i++) {
				assert_true(S[i * n + i] >= 0);
				for (int j = i + 1; j < n; j++)
					assert_true(S[i * n + j] == 0.0);
			}
			mat_mul_abt(SSt, S, S, n, n, n);
			/* k may exceed MAT_MAX, so A A^T by hand. */
			for (int i = 0; i < n; i++)
				for (int j = 0; j < n; j++) {
					double acc = 0.0;
					for (int q = 0; q < k; q++)
						acc += A[i * k + q] * A[j * k + q];
					AAt[i * n + j] = acc;
				}
			double e = max_abs_diff(SSt, AAt, n * n) / max_abs(AAt, n * n);
			if (!(e <= 1e-13))
				fail_msg("n=%d k=%d |S S^T - A A^T| rel %g", n, k, e);
			/* Unique with a positive diagonal: equals chol(A A^T). */
			assert_rc(mat_cholesky(L, AAt, n), 0, "chol(A A^T)");
			e = max_abs_diff(S, L, n * n) / max_abs(L, n * n);
			if (!(e <= 1e-11))
				fail_msg("n=%d k=%d tria differs from chol by %g", n, k, e);
		}
	}
	/* k < n: rank-deficient square root, trailing columns zero. */
	const double A[3 * 1] = {1, 2, 2};
	double S[9];
	assert_rc(mat_tria(S, A, 3, 1), 0, "tria k=1");
	assert_close(S[0], 1, 1e-15, "S00");
	assert_close(S[3], 2, 1e-15, "S10");
	assert_close(S[6], 2, 1e-15, "S20");
	assert_true(S[4] == 0 && S[7] == 0 && S[8] == 0);
	const double An[2] = {1, NAN};
	fill(S, 9);
	assert_rc(mat_tria(S, An, 1, 2), -EINVAL, "tria NaN");
	assert_untouched(S, 9, "S");
}

static void triangular_solves_invert_the_factor(void **state)
{
	(void)state;
	struct rng r = {8};
	for (int n = 1; n <= MAT_MAX; n++) {
		double A[NN], L[NN], B[NN], X[NN], LX[NN], Lt[NN];
		rand_spd(&r, A, n);
		assert_rc(mat_cholesky(L, A, n), 0, "chol");
		rand_mat(&r, B, n, 3);
		assert_rc(mat_tril_solve(X, L, B, n, 3), 0, "L X = B");
		mat_mul(LX, L, X, n, n, 3);
		assert_true(max_abs_diff(LX, B, n * 3) <= 1e-13 * (1 + max_abs(X, n * 3)));
		assert_rc(mat_tril_solve_t(X, L, B, n, 3), 0, "L^T X = B");
		mat_transpose(Lt, L, n, n);
		mat_mul(LX, Lt, X, n, n, 3);
		assert_true(max_abs_diff(LX, B, n * 3) <= 1e-13 * (1 + max_abs(X, n * 3)));
	}
	const double Ls[4] = {1, 0, 2, 0};
	const double b[2] = {1, 1};
	double x[2];
	fill(x, 2);
	assert_rc(mat_tril_solve(x, Ls, b, 2, 1), -EINVAL, "zero diagonal");
	assert_untouched(x, 2, "x");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(products_match_hand_computed_values),
	    cmocka_unit_test(product_identities_hold_on_random_matrices),
	    cmocka_unit_test(cholesky_reconstructs_random_spd_of_every_size),
	    cmocka_unit_test(spd_solve_inverse_logdet_mahalanobis_agree),
	    cmocka_unit_test(mahalanobis_of_known_case),
	    cmocka_unit_test(non_spd_inputs_are_rejected_and_outputs_untouched),
	    cmocka_unit_test(singular_and_ill_conditioned_inputs_return_eillcond),
	    cmocka_unit_test(verdict_follows_the_spectrum),
	    cmocka_unit_test(scaling_does_not_make_a_matrix_ill_conditioned),
	    cmocka_unit_test(overflowing_results_are_erange_not_inf),
	    cmocka_unit_test(hilbert9_is_accepted_and_solves_to_its_condition),
	    cmocka_unit_test(sym_eig_reconstructs_and_orders),
	    cmocka_unit_test(cholesky_update_and_downdate_match_refactoring),
	    cmocka_unit_test(tria_gives_the_triangular_square_root),
	    cmocka_unit_test(triangular_solves_invert_the_factor),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
