/*
 * mat/mat.c - small fixed-size dense linear algebra for the estimators.
 *
 * What it is for: the tracker, fusion and impact prediction work with
 * state vectors of at most 9 elements (position, velocity, a ballistic
 * coefficient ...) and their covariances. They need products (P = F P F^T
 * + Q), SPD solves (Kalman gain, Mahalanobis gating), log-determinants
 * (likelihoods), square roots (sigma points) and, for error ellipses, the
 * eigen-decomposition of a symmetric matrix. This file does exactly that,
 * with no allocation and no state: everything lives in the caller's
 * arrays or in fixed MAT_MAX x MAT_MAX scratch on the stack.
 *
 * Storage: an n x m matrix A is a row-major array of double, A[i*m + j].
 * Vectors are plain arrays. A lower-triangular factor L is stored as a
 * full n x n matrix whose strict upper triangle is zero.
 *
 * How the SPD routines work: every one of them starts with chol_factor(),
 * which (1) rejects non-finite entries and asymmetry, (2) runs the
 * column-wise Cholesky algorithm on the symmetric part (A + A^T)/2,
 * classifying every pivot, and (3) computes L^-1 to obtain the exact
 * 1-norm condition number of the diagonally scaled matrix. Solves then
 * use forward and back substitution with L; the inverse is L^-T L^-1.
 *
 * The conditioning test is on the *equilibrated* matrix H = D^-1/2 A D^-1/2
 * with D = diag(A), so H has a unit diagonal. Cholesky is invariant under
 * that scaling (it factors H exactly as it factors A, up to the scaling),
 * and its forward error is governed by cond(H), not cond(A) (van der
 * Sluis 1969; Higham, Accuracy and Stability of Numerical Algorithms,
 * 2nd ed., sections 7.3 and 10.1). A covariance mixing m^2 and (m/s)^2,
 * or diag(1, 1e-17), is therefore fine; a matrix whose *correlations*
 * make it nearly singular, such as B B^T with B rank deficient, is not.
 * Hilbert(9) has rcond(H) of about 1e-12 and is accepted (its solves
 * lose about 11 digits, which the caller asked for).
 *
 * Pivot classification. The pivot d_j = a_jj - sum_k L_jk^2 of an SPD
 * matrix is positive; a computed pivot d_j <= tol_j = 2 (n+1) eps |a_jj|
 * (the rounding level of that subtraction, Higham ch. 10) or a
 * non-finite one stops the factorisation. Whether that means "indefinite"
 * or "singular to working precision" cannot be read off d_j: in a
 * rank-deficient product B B^T the Schur complement amplifies rounding by
 * the condition of the leading block (pivots down to -3e-9 a_jj were seen
 * in 1e5 random rank-deficient products of sizes 2..9). So the failed matrix is classified by the
 * smallest eigenvalue of its scaled form H = D^-1/2 A D^-1/2 (Jacobi, failure path only): a_jj < 0,
 * or a_jj = 0 with a non-zero entry in row j -> -MW_ENOTSPD lambda_min(H) < -n * MAT_PSD_RTOL ->
 * -MW_ENOTSPD otherwise (positive semidefinite up to a relative     -> -MW_EILLCOND perturbation of
 * MAT_PSD_RTOL per entry, e.g. the zero matrix or a rank-deficient product) (zero diagonal entries,
 * whose rows are then zero, get scale 1).
 *
 * Invariants:
 *  1. Dimensions are in 1..MAT_MAX (asserted: a wrong size is a bug).
 *  2. A function that fails returns a negative code and has not written to
 *     any output; results are computed in local scratch and copied last.
 *  3. A matrix passes chol_factor() only if all entries are finite, it is
 *     symmetric to a relative 1e-9 (entry-wise against max(|a_ij|, |a_ji|,
 *     sqrt(|a_ii a_jj|))), every pivot is above tol_j and the scaled
 *     reciprocal 1-norm condition number is at least MAT_RCOND_MIN.
 *  4. mat_spd_inverse() and mat_abat() compute one triangle and mirror it,
 *     so their symmetric results are exactly symmetric.
 *  5. Outputs may alias inputs only where mat.h says so.
 *  6. No result holds Inf or NaN: non-finite right-hand sides are -EINVAL,
 *     and a result that overflows (possible only for extreme scales, such
 *     as diag(1e300, 1e-300)) is -ERANGE.
 */
#include "mat/mat.h"

#include <assert.h>
#include <errno.h>
#include <float.h>
#include <math.h>
#include <string.h>

#include "core/err.h"

#define MAT_SYM_RTOL          1e-9
#define MAT_RCOND_MIN         1e-14
#define MAT_PSD_RTOL          1e-13
#define MAT_JACOBI_MAX_SWEEPS 60
#define MAT_NN                (MAT_MAX * MAT_MAX)

#define DIM_OK(n) ((n) >= 1 && (n) <= MAT_MAX)

void mat_zero(double *A, int n, int m)
{
	assert(DIM_OK(n) && DIM_OK(m));
	for (int i = 0; i < n * m; i++)
		A[i] = 0.0;
}

void mat_identity(double *A, int n)
{
	assert(DIM_OK(n));
	for (int i = 0; i < n; i++)
		for (int j = 0; j < n; j++)
			A[i * n + j] = i == j ? 1.0 : 0.0;
}

void mat_copy(double *dst, const double *src, int n, int m)
{
	assert(DIM_OK(n) && DIM_OK(m));
	memmove(dst, src, sizeof(double) * (size_t)(n * m));
}

void mat_mul(double *C, const double *A, const double *B, int n, int m, int p)
{
	assert(DIM_OK(n) && DIM_OK(m) && DIM_OK(p));
	for (int i = 0; i < n; i++)
		for (int j = 0; j < p; j++) {
			double s = 0.0;
			for (int k = 0; k < m; k++)
				s += A[i * m + k] * B[k * p + j];
			C[i * p + j] = s;
		}
}

void mat_mul_abt(double *C, const double *A, const double *B, int n, int m, int p)
{
	assert(DIM_OK(n) && DIM_OK(m) && DIM_OK(p));
	for (int i = 0; i < n; i++)
		for (int j = 0; j < p; j++) {
			double s = 0.0;
			for (int k = 0; k < m; k++)
				s += A[i * m + k] * B[j * m + k];
			C[i * p + j] = s;
		}
}

void mat_mul_atb(double *C, const double *A, const double *B, int n, int m, int p)
{
	assert(DIM_OK(n) && DIM_OK(m) && DIM_OK(p));
	for (int i = 0; i < n; i++)
		for (int j = 0; j < p; j++) {
			double s = 0.0;
			for (int k = 0; k < m; k++)
				s += A[k * n + i] * B[k * p + j];
			C[i * p + j] = s;
		}
}

void mat_mul_vec(double *y, const double *A, const double *x, int n, int m)
{
	assert(DIM_OK(n) && DIM_OK(m));
	for (int i = 0; i < n; i++) {
		double s = 0.0;
		for (int k = 0; k < m; k++)
			s += A[i * m + k] * x[k];
		y[i] = s;
	}
}

void mat_mul_tvec(double *y, const double *A, const double *x, int n, int m)
{
	assert(DIM_OK(n) && DIM_OK(m));
	for (int j = 0; j < m; j++) {
		double s = 0.0;
		for (int k = 0; k < n; k++)
			s += A[k * m + j] * x[k];
		y[j] = s;
	}
}

void mat_abat(double *C, const double *A, const double *B, int n, int m)
{
	assert(DIM_OK(n) && DIM_OK(m));
	double AB[MAT_NN];
	mat_mul(AB, A, B, n, m, m);
	/* C = (A B) A^T; compute the lower triangle and mirror so that a
	 * symmetric B gives an exactly symmetric C. */
	for (int i = 0; i < n; i++)
		for (int j = 0; j <= i; j++) {
			double s = 0.0;
			for (int k = 0; k < m; k++)
				s += AB[i * m + k] * A[j * m + k];
			C[i * n + j] = s;
			C[j * n + i] = s;
		}
}

void mat_transpose(double *At, const double *A, int n, int m)
{
	assert(DIM_OK(n) && DIM_OK(m));
	assert(At != A || n == m);
	if (At == A) {
		for (int i = 0; i < n; i++)
			for (int j = i + 1; j < n; j++) {
				double t = At[i * n + j];
				At[i * n + j] = At[j * n + i];
				At[j * n + i] = t;
			}
		return;
	}
	for (int i = 0; i < n; i++)
		for (int j = 0; j < m; j++)
			At[j * n + i] = A[i * m + j];
}

void mat_add(double *C, const double *A, const double *B, int n, int m)
{
	assert(DIM_OK(n) && DIM_OK(m));
	for (int i = 0; i < n * m; i++)
		C[i] = A[i] + B[i];
}

void mat_sub(double *C, const double *A, const double *B, int n, int m)
{
	assert(DIM_OK(n) && DIM_OK(m));
	for (int i = 0; i < n * m; i++)
		C[i] = A[i] - B[i];
}

void mat_scale(double *A, double s, int n, int m)
{
	assert(DIM_OK(n) && DIM_OK(m));
	for (int i = 0; i < n * m; i++)
		A[i] *= s;
}

void mat_symmetrise(double *A, int n)
{
	assert(DIM_OK(n));
	for (int i = 0; i < n; i++)
		for (int j = 0; j < i; j++) {
			double s = 0.5 * (A[i * n + j] + A[j * n + i]);
			A[i * n + j] = s;
			A[j * n + i] = s;
		}
}

double mat_trace(const double *A, int n)
{
	assert(DIM_OK(n));
	double s = 0.0;
	for (int i = 0; i < n; i++)
		s += A[i * n + i];
	return s;
}

/* ---- checks ---- */

static bool all_finite(const double *A, int count)
{
	for (int i = 0; i < count; i++)
		if (!isfinite(A[i]))
			return false;
	return true;
}

/* Symmetric to a relative MAT_SYM_RTOL; entries must already be finite. */
static bool symmetric_ok(const double *A, int n)
{
	for (int i = 0; i < n; i++)
		for (int j = 0; j < i; j++) {
			double a = A[i * n + j], b = A[j * n + i];
			double scale = fmax(fabs(a), fabs(b));
			scale = fmax(scale, sqrt(fabs(A[i * n + i])) * sqrt(fabs(A[j * n + j])));
			if (!(fabs(a - b) <= MAT_SYM_RTOL * scale))
				return false;
		}
	return true;
}

bool mat_is_symmetric(const double *A, int n)
{
	assert(DIM_OK(n));
	return all_finite(A, n * n) && symmetric_ok(A, n);
}

/* ---- triangular solves ---- */

/* x = L^-1 b in place for lower-triangular L with non-zero diagonal. */
static void fwd_subst(const double *L, double *x, int n)
{
	for (int i = 0; i < n; i++) {
		double s = x[i];
		for (int k = 0; k < i; k++)
			s -= L[i * n + k] * x[k];
		x[i] = s / L[i * n + i];
	}
}

/* x = L^-T b in place. */
static void back_subst_t(const double *L, double *x, int n)
{
	for (int i = n - 1; i >= 0; i--) {
		double s = x[i];
		for (int k = i + 1; k < n; k++)
			s -= L[k * n + i] * x[k];
		x[i] = s / L[i * n + i];
	}
}

static bool tril_ok(const double *L, int n)
{
	for (int i = 0; i < n; i++) {
		if (!(L[i * n + i] != 0.0) || !isfinite(L[i * n + i]))
			return false;
		for (int j = 0; j < i; j++)
			if (!isfinite(L[i * n + j]))
				return false;
	}
	return true;
}

int mat_tril_solve(double *X, const double *L, const double *B, int n, int m)
{
	assert(DIM_OK(n) && DIM_OK(m));
	if (!tril_ok(L, n) || !all_finite(B, n * m))
		return -EINVAL;
	double Xl[MAT_NN], col[MAT_MAX];
	for (int j = 0; j < m; j++) {
		for (int i = 0; i < n; i++)
			col[i] = B[i * m + j];
		fwd_subst(L, col, n);
		for (int i = 0; i < n; i++)
			Xl[i * m + j] = col[i];
	}
	if (!all_finite(Xl, n * m))
		return -ERANGE;
	memcpy(X, Xl, sizeof(double) * (size_t)(n * m));
	return 0;
}

int mat_tril_solve_t(double *X, const double *L, const double *B, int n, int m)
{
	assert(DIM_OK(n) && DIM_OK(m));
	if (!tril_ok(L, n) || !all_finite(B, n * m))
		return -EINVAL;
	double Xl[MAT_NN], col[MAT_MAX];
	for (int j = 0; j < m; j++) {
		for (int i = 0; i < n; i++)
			col[i] = B[i * m + j];
		back_subst_t(L, col, n);
		for (int i = 0; i < n; i++)
			Xl[i * m + j] = col[i];
	}
	if (!all_finite(Xl, n * m))
		return -ERANGE;
	memcpy(X, Xl, sizeof(double) * (size_t)(n * m));
	return 0;
}

/* ---- Cholesky ---- */

static int jacobi(double *a, double *v, int n);

/* Why a finite, symmetric A stopped Cholesky (see the header comment). */
static int classify_failed(const double *A, int n)
{
	double sc[MAT_MAX], H[MAT_NN], V[MAT_NN];
	for (int i = 0; i < n; i++) {
		double aii = A[i * n + i];
		if (aii < 0)
			return -MW_ENOTSPD;
		if (aii == 0) {
			for (int j = 0; j < n; j++)
				if (A[i * n + j] != 0 || A[j * n + i] != 0)
					return -MW_ENOTSPD;
			sc[i] = 1.0;
		} else {
			sc[i] = 1.0 / sqrt(aii);
		}
	}
	for (int i = 0; i < n; i++)
		for (int j = 0; j < n; j++)
			H[i * n + j] = 0.5 * (A[i * n + j] + A[j * n + i]) * sc[i] * sc[j];
	if (!all_finite(H, n * n) || jacobi(H, V, n) < 0)
		return -MW_ENOTSPD;
	double lmin = H[0];
	for (int i = 1; i < n; i++)
		lmin = fmin(lmin, H[i * n + i]);
	return lmin < -n * MAT_PSD_RTOL ? -MW_ENOTSPD : -MW_EILLCOND;
}

/*
 * Factor A = L L^T (invariant 3). On success L (n x n, upper zero) and
 * Linv = L^-1 (lower triangular) are filled and *rcond holds the scaled
 * reciprocal condition number; on failure their contents are undefined
 * (they are always caller scratch, never a public output).
 */
static int chol_factor(const double *A, int n, double *L, double *Linv, double *rcond)
{
	if (!all_finite(A, n * n) || !symmetric_ok(A, n))
		return -MW_ENOTSPD;

	for (int i = 0; i < n * n; i++)
		L[i] = 0.0;
	for (int j = 0; j < n; j++) {
		double ajj = A[j * n + j];
		double d = ajj;
		for (int k = 0; k < j; k++)
			d -= L[j * n + k] * L[j * n + k];
		double tol = 2.0 * (n + 1) * DBL_EPSILON * fabs(ajj);
		if (!isfinite(d))
			return -MW_ENOTSPD;
		if (d <= tol)
			return classify_failed(A, n);
		double ljj = sqrt(d);
		L[j * n + j] = ljj;
		for (int i = j + 1; i < n; i++) {
			double s = 0.5 * (A[i * n + j] + A[j * n + i]);
			for (int k = 0; k < j; k++)
				s -= L[i * n + k] * L[j * n + k];
			L[i * n + j] = s / ljj;
		}
	}

	/* Linv column by column: L Linv e_j = e_j. */
	for (int i = 0; i < n * n; i++)
		Linv[i] = 0.0;
	for (int j = 0; j < n; j++) {
		Linv[j * n + j] = 1.0 / L[j * n + j];
		for (int i = j + 1; i < n; i++) {
			double s = 0.0;
			for (int k = j; k < i; k++)
				s -= L[i * n + k] * Linv[k * n + j];
			Linv[i * n + j] = s / L[i * n + i];
		}
	}

	/* Scaled 1-norms: H = D^-1/2 A D^-1/2, H^-1 = D^1/2 A^-1 D^1/2, with
	 * (A^-1)_ij = sum_{k >= max(i,j)} Linv_ki Linv_kj. All a_jj > 0 here.
	 * Scaling each factor first keeps H^-1 finite even when A^-1 is not. */
	double sq[MAT_MAX];
	for (int i = 0; i < n; i++)
		sq[i] = sqrt(A[i * n + i]);
	double hnorm = 0.0, hinvnorm = 0.0;
	for (int j = 0; j < n; j++) {
		double cs = 0.0, ci = 0.0;
		for (int i = 0; i < n; i++) {
			cs += fabs(A[i * n + j]) / (sq[i] * sq[j]);
			double s = 0.0;
			for (int k = i > j ? i : j; k < n; k++)
				s += (Linv[k * n + i] * sq[i]) * (Linv[k * n + j] * sq[j]);
			ci += fabs(s);
		}
		hnorm = fmax(hnorm, cs);
		hinvnorm = fmax(hinvnorm, ci);
	}
	double rc = 1.0 / (hnorm * hinvnorm);
	/* NaN (inf * 0 somewhere) fails the comparison too. */
	if (!(rc >= MAT_RCOND_MIN))
		return -MW_EILLCOND;
	*rcond = rc;
	return 0;
}

int mat_cholesky(double *L, const double *A, int n)
{
	assert(DIM_OK(n));
	double Ll[MAT_NN], Li[MAT_NN], rc;
	int rv = chol_factor(A, n, Ll, Li, &rc);
	if (rv < 0)
		return rv;
	memcpy(L, Ll, sizeof(double) * (size_t)(n * n));
	return 0;
}

int mat_spd_rcond(const double *A, int n, double *rcond)
{
	assert(DIM_OK(n));
	double Ll[MAT_NN], Li[MAT_NN], rc;
	int rv = chol_factor(A, n, Ll, Li, &rc);
	if (rv < 0)
		return rv;
	*rcond = rc;
	return 0;
}

int mat_spd_solve(double *X, const double *A, const double *B, int n, int m)
{
	assert(DIM_OK(n) && DIM_OK(m));
	double Ll[MAT_NN], Li[MAT_NN], rc;
	int rv = chol_factor(A, n, Ll, Li, &rc);
	if (rv < 0)
		return rv;
	if (!all_finite(B, n * m))
		return -EINVAL;
	double Xl[MAT_NN], col[MAT_MAX];
	for (int j = 0; j < m; j++) {
		for (int i = 0; i < n; i++)
			col[i] = B[i * m + j];
		fwd_subst(Ll, col, n);
		back_subst_t(Ll, col, n);
		for (int i = 0; i < n; i++)
			Xl[i * m + j] = col[i];
	}
	if (!all_finite(Xl, n * m))
		return -ERANGE;
	memcpy(X, Xl, sizeof(double) * (size_t)(n * m));
	return 0;
}

int mat_spd_solve_vec(double *x, const double *A, const double *b, int n)
{
	return mat_spd_solve(x, A, b, n, 1);
}

int mat_spd_inverse(double *Ainv, const double *A, int n)
{
	assert(DIM_OK(n));
	double Ll[MAT_NN], Li[MAT_NN], rc;
	int rv = chol_factor(A, n, Ll, Li, &rc);
	if (rv < 0)
		return rv;
	double R[MAT_NN];
	for (int i = 0; i < n; i++)
		for (int j = 0; j <= i; j++) {
			double s = 0.0;
			for (int k = i; k < n; k++)
				s += Li[k * n + i] * Li[k * n + j];
			R[i * n + j] = s;
			R[j * n + i] = s;
		}
	if (!all_finite(R, n * n))
		return -ERANGE;
	memcpy(Ainv, R, sizeof(double) * (size_t)(n * n));
	return 0;
}

int mat_spd_logdet(const double *A, int n, double *logdet)
{
	assert(DIM_OK(n));
	double Ll[MAT_NN], Li[MAT_NN], rc;
	int rv = chol_factor(A, n, Ll, Li, &rc);
	if (rv < 0)
		return rv;
	double s = 0.0;
	for (int i = 0; i < n; i++)
		s += log(Ll[i * n + i]);
	*logdet = 2.0 * s;
	return 0;
}

int mat_spd_mahalanobis(const double *A, const double *x, int n, double *d2)
{
	assert(DIM_OK(n));
	double Ll[MAT_NN], Li[MAT_NN], rc;
	int rv = chol_factor(A, n, Ll, Li, &rc);
	if (rv < 0)
		return rv;
	if (!all_finite(x, n))
		return -EINVAL;
	double y[MAT_MAX];
	memcpy(y, x, sizeof(double) * (size_t)n);
	fwd_subst(Ll, y, n);
	double s = 0.0;
	for (int i = 0; i < n; i++)
		s += y[i] * y[i];
	if (!isfinite(s))
		return -ERANGE;
	*d2 = s;
	return 0;
}

bool mat_is_spd(const double *A, int n)
{
	assert(DIM_OK(n));
	double Ll[MAT_NN], Li[MAT_NN], rc;
	return chol_factor(A, n, Ll, Li, &rc) == 0;
}

/* ---- factor updates (square-root filters) ---- */

/*
 * Rank-one update/downdate of L (L L^T + sign x x^T) by a sequence of
 * hyperbolic/plane rotations, column by column (Golub and Van Loan,
 * Matrix Computations, 4th ed., section 6.5.4). Works on copies.
 */
static int chol_rank1(double *L, const double *x, int n, double sign)
{
	if (!tril_ok(L, n) || !all_finite(x, n))
		return -EINVAL;
	double Ll[MAT_NN], w[MAT_MAX];
	memcpy(Ll, L, sizeof(double) * (size_t)(n * n));
	memcpy(w, x, sizeof(double) * (size_t)n);
	for (int k = 0; k < n; k++) {
		double lkk = fabs(Ll[k * n + k]);
		/* The factor's own column sign is normalised to a positive diagonal. */
		if (Ll[k * n + k] < 0)
			for (int i = k; i < n; i++)
				Ll[i * n + k] = -Ll[i * n + k];
		double r2 = lkk * lkk + sign * w[k] * w[k];
		double tol = 2.0 * (n + 1) * DBL_EPSILON * lkk * lkk;
		if (!isfinite(r2) || r2 < -tol)
			return -MW_ENOTSPD;
		if (r2 <= tol)
			return -MW_EILLCOND;
		double r = sqrt(r2);
		double c = r / lkk, s = w[k] / lkk;
		Ll[k * n + k] = r;
		for (int i = k + 1; i < n; i++) {
			double lik = (Ll[i * n + k] + sign * s * w[i]) / c;
			w[i] = c * w[i] - s * lik;
			Ll[i * n + k] = lik;
		}
	}
	if (!all_finite(Ll, n * n))
		return -MW_ENOTSPD;
	memcpy(L, Ll, sizeof(double) * (size_t)(n * n));
	return 0;
}

int mat_chol_update(double *L, const double *x, int n)
{
	assert(DIM_OK(n));
	return chol_rank1(L, x, n, 1.0);
}

int mat_chol_downdate(double *L, const double *x, int n)
{
	assert(DIM_OK(n));
	return chol_rank1(L, x, n, -1.0);
}

/*
 * S lower triangular with S S^T = A A^T, A n x k: Householder reflections
 * applied from the right reduce A to [S 0] (an LQ factorisation, the
 * transpose of QR of A^T). Column signs are then flipped so diag(S) >= 0.
 */
int mat_tria(double *S, const double *A, int n, int k)
{
	assert(DIM_OK(n) && k >= 1 && k <= MAT_TRIA_MAX_COLS);
	if (!all_finite(A, n * k))
		return -EINVAL;
	double W[MAT_MAX * MAT_TRIA_MAX_COLS];
	memcpy(W, A, sizeof(double) * (size_t)(n * k));
	int steps = n < k ? n : k;
	for (int i = 0; i < steps; i++) {
		/* Reflect row i's entries i..k-1 onto e_i. */
		double scale = 0.0;
		for (int j = i; j < k; j++)
			scale = fmax(scale, fabs(W[i * k + j]));
		if (scale == 0.0)
			continue;
		double norm2 = 0.0;
		for (int j = i; j < k; j++) {
			double t = W[i * k + j] / scale;
			norm2 += t * t;
		}
		double alpha = scale * sqrt(norm2);
		if (W[i * k + i] > 0)
			alpha = -alpha;
		/* v = row - alpha e_i; H = I - 2 v v^T / (v^T v). */
		double v[MAT_TRIA_MAX_COLS];
		for (int j = i; j < k; j++)
			v[j] = W[i * k + j];
		v[i] -= alpha;
		double vv = 0.0;
		for (int j = i; j < k; j++)
			vv += v[j] * v[j];
		if (vv == 0.0)
			continue;
		for (int r = i; r < n; r++) {
			double dot = 0.0;
			for (int j = i; j < k; j++)
				dot += W[r * k + j] * v[j];
			double f = 2.0 * dot / vv;
			for (int j = i; j < k; j++)
				W[r * k + j] -= f * v[j];
		}
		for (int j = i + 1; j < k; j++)
			W[i * k + j] = 0.0;
	}
	double Sl[MAT_NN];
	for (int i = 0; i < n; i++)
		for (int j = 0; j < n; j++)
			Sl[i * n + j] = (j <= i && j < k) ? W[i * k + j] : 0.0;
	for (int j = 0; j < n; j++)
		if (Sl[j * n + j] < 0)
			for (int i = j; i < n; i++)
				Sl[i * n + j] = -Sl[i * n + j];
	if (!all_finite(Sl, n * n))
		return -EINVAL;
	memcpy(S, Sl, sizeof(double) * (size_t)(n * n));
	return 0;
}

/* ---- symmetric eigen-decomposition ---- */

/*
 * Cyclic Jacobi (Golub and Van Loan section 8.5; Rutishauser's stable
 * rotation formulas): sweep over all pairs p < q, rotating in the (p,q)
 * plane so the rotated a_pq is zero. An off-diagonal entry is negligible,
 * and set to zero, when |a_pq| <= eps sqrt(|a_pp a_qq|) (the relative
 * test of Demmel and Veselic, which keeps small eigenvalues of graded
 * matrices accurate) or |a_pq| <= eps^2 ||A||_F. Converged when a whole
 * sweep needs no rotation; cyclic Jacobi converges quadratically, so
 * MAT_JACOBI_MAX_SWEEPS is far beyond what any 9 x 9 matrix needs.
 */
/* Diagonalise the symmetric a in place (eigenvalues end on its diagonal,
 * unsorted); v receives the eigenvectors as columns. */
static int jacobi(double *a, double *v, int n)
{
	mat_identity(v, n);
	double fro = 0.0;
	for (int i = 0; i < n * n; i++)
		fro = fmax(fro, fabs(a[i]));
	if (fro > 0) {
		double s = 0.0;
		for (int i = 0; i < n * n; i++)
			s += (a[i] / fro) * (a[i] / fro);
		fro *= sqrt(s);
	}
	double floor_abs = DBL_EPSILON * DBL_EPSILON * fro;

	bool converged = false;
	for (int sweep = 0; sweep < MAT_JACOBI_MAX_SWEEPS && !converged; sweep++) {
		bool rotated = false;
		for (int p = 0; p < n; p++)
			for (int q = p + 1; q < n; q++) {
				double apq = a[p * n + q];
				double app = a[p * n + p], aqq = a[q * n + q];
				if (fabs(apq) <= DBL_EPSILON * sqrt(fabs(app)) * sqrt(fabs(aqq)) ||
				    fabs(apq) <= floor_abs) {
					a[p * n + q] = a[q * n + p] = 0.0;
					continue;
				}
				rotated = true;
				double theta = (aqq - app) / (2.0 * apq);
				double t;
				if (fabs(theta) > 1e150)
					t = 0.5 / theta;
				else
					t = (theta >= 0 ? 1.0 : -1.0) /
					    (fabs(theta) + sqrt(theta * theta + 1.0));
				double c = 1.0 / sqrt(t * t + 1.0), s = t * c;
				a[p * n + p] = app - t * apq;
				a[q * n + q] = aqq + t * apq;
				a[p * n + q] = a[q * n + p] = 0.0;
				for (int r = 0; r < n; r++) {
					if (r == p || r == q)
						continue;
					double arp = a[r * n + p], arq = a[r * n + q];
					double np = c * arp - s * arq, nq = s * arp + c * arq;
					a[r * n + p] = a[p * n + r] = np;
					a[r * n + q] = a[q * n + r] = nq;
				}
				for (int r = 0; r < n; r++) {
					double vrp = v[r * n + p], vrq = v[r * n + q];
					v[r * n + p] = c * vrp - s * vrq;
					v[r * n + q] = s * vrp + c * vrq;
				}
			}
		converged = !rotated;
	}
	return converged ? 0 : -MW_ENOCONVERGE;
}

int mat_sym_eig(const double *A, int n, double *w, double *V)
{
	assert(DIM_OK(n));
	if (!all_finite(A, n * n) || !symmetric_ok(A, n))
		return -EINVAL;
	double a[MAT_NN], v[MAT_NN];
	for (int i = 0; i < n; i++)
		for (int j = 0; j < n; j++)
			a[i * n + j] = 0.5 * (A[i * n + j] + A[j * n + i]);
	int rv = jacobi(a, v, n);
	if (rv < 0)
		return rv;

	/* Sort ascending (insertion sort on an index), then fix each
	 * eigenvector's sign so its largest-magnitude component is positive. */
	int idx[MAT_MAX];
	for (int i = 0; i < n; i++)
		idx[i] = i;
	for (int i = 1; i < n; i++) {
		int t = idx[i], j = i - 1;
		while (j >= 0 && a[idx[j] * n + idx[j]] > a[t * n + t]) {
			idx[j + 1] = idx[j];
			j--;
		}
		idx[j + 1] = t;
	}
	double wl[MAT_MAX], Vl[MAT_NN];
	for (int c = 0; c < n; c++) {
		int src = idx[c];
		wl[c] = a[src * n + src];
		int big = 0;
		for (int r = 1; r < n; r++)
			if (fabs(v[r * n + src]) > fabs(v[big * n + src]))
				big = r;
		double sg = v[big * n + src] < 0 ? -1.0 : 1.0;
		for (int r = 0; r < n; r++)
			Vl[r * n + c] = sg * v[r * n + src];
	}
	memcpy(w, wl, sizeof(double) * (size_t)n);
	memcpy(V, Vl, sizeof(double) * (size_t)(n * n));
	return 0;
}
