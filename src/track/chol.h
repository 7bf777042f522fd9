/*
 * track/chol.h - the filter's hot-path Cholesky (internal to track/).
 *
 * Why not mat_cholesky: mat/ checks symmetry to a relative 1e-9 and
 * estimates the condition number on every factorisation, which is what
 * a general-purpose routine should do, but in the tracker's inner loop
 * (several 8x8 factorisations per measurement update) those checks cost
 * about three times the factorisation itself. Here the covariances are
 * symmetric by construction (Joseph-form updates, symmetrised
 * transforms), so only the positive-pivot test is needed; debug builds
 * still run the full mat_is_spd check on every filter output
 * (track_gauss_check).
 *
 * Row-major n x n (n <= 9), lower triangle of L written, upper zeroed.
 */
#ifndef MW_TRACK_CHOL_H
#define MW_TRACK_CHOL_H

#include <errno.h>
#include <float.h>
#include <math.h>

#include "core/err.h"
#include "track/v2d.h"

/* Unroll the next loop completely when its trip count (<= 9) is known at
 * compile time: the filter's small fixed-size loops (same operations in
 * the same order, so the same doubles; gcc and clang both accept it). */
#define TRACK_UNROLL _Pragma("GCC unroll 9")

#define TRACK_CHOL_MAX 9 /* largest n of track_chol_check */

/* The pivot tests below read !(s > 0.0 && s <= DBL_MAX): true exactly
 * where !(s > 0.0) || !isfinite(s) is (s <= 0, NaN or +inf), in two
 * compares instead of isfinite's mask and compare. */

/*
 * The factorisation for a size known at compile time once inlined: the
 * loops are unrolled completely (the filter's 8 x 8 spends a third of
 * its instructions on loop control otherwise); the same operations in
 * the same order as for any n, so the same doubles.
 */
static inline __attribute__((always_inline)) int track_chol_n(double *L, const double *A,
                                                              const int n)
{
	TRACK_UNROLL
	for (int i = 0; i < n; i++) {
		TRACK_UNROLL
		for (int j = 0; j <= i; j++) {
			double s = A[i * n + j];
			TRACK_UNROLL
			for (int k = 0; k < j; k++)
				s -= L[i * n + k] * L[j * n + k];
			if (i == j) {
				if (!(s > 0.0 && s <= DBL_MAX))
					return -MW_ENOTSPD;
				L[i * n + i] = sqrt(s);
			} else {
				L[i * n + j] = s / L[j * n + j];
			}
		}
		TRACK_UNROLL
		for (int j = i + 1; j < n; j++)
			L[i * n + j] = 0.0;
	}
	return 0;
}

/* A = L L^T; -MW_ENOTSPD on a non-positive or non-finite pivot. */
static inline int track_chol(double *L, const double *A, int n)
{
	switch (n) {
	case 2:
		return track_chol_n(L, A, 2);
	case 3:
		return track_chol_n(L, A, 3);
	case 4:
		return track_chol_n(L, A, 4);
	case 8:
		return track_chol_n(L, A, 8);
	default:
		return track_chol_n(L, A, n);
	}
}

/*
 * Is A positive definite? The same factorisation, with the factor kept
 * in a local array and the off-diagonal entries multiplied by the
 * reciprocal of their pivot instead of divided by it: one division per
 * row instead of a chain of them (what the linearised measurement
 * prediction needs of the state's covariance: the check, not the
 * factor). The verdict can differ from track_chol's only for a matrix
 * singular to rounding. track_chol_factor_ns factors the leading n x n
 * block of a matrix with row stride `stride` into L (n x n, lower
 * triangle written; the square-root prediction keeps it);
 * track_chol_check_ns checks that block; track_chol_check_n a whole
 * n x n matrix.
 */
static inline __attribute__((always_inline)) int track_chol_factor_ns(double *L, const double *A,
                                                                      const int n, const int stride)
{
	/* Rows i and i + 1 side by side (track/v2d.h): entry (i, j) and
	 * (i + 1, j), j < i, are the same sum A_.j - sum_{k < j} L_.k L_jk in
	 * the same order as one at a time, then (i, i), (i + 1, i) and (i + 1,
	 * i + 1) in row order; so every entry, and the first failing pivot,
	 * are those of the row-by-row factorisation. pr[k] holds the pair's
	 * column k. */
	double inv[TRACK_CHOL_MAX];
	TRACK_UNROLL
	for (int i = 0; i + 1 < n; i += 2) {
		track_v2d pr[TRACK_CHOL_MAX];
		TRACK_UNROLL
		for (int j = 0; j <= i; j++) {
			track_v2d v = track_v2_set(A[i * stride + j], A[(i + 1) * stride + j]);
			TRACK_UNROLL
			for (int k = 0; k < j; k++)
				v -= pr[k] * track_v2_dup(L[j * n + k]);
			if (j < i) {
				pr[j] = v * track_v2_dup(inv[j]);
				L[i * n + j] = pr[j][0];
				L[(i + 1) * n + j] = pr[j][1];
				continue;
			}
			double s = v[0];
			if (!(s > 0.0 && s <= DBL_MAX))
				return -MW_ENOTSPD;
			double d = sqrt(s);
			L[i * n + i] = d;
			inv[i] = 1.0 / d;
			L[(i + 1) * n + i] = v[1] * inv[i];
		}
		double s = A[(i + 1) * stride + i + 1];
		TRACK_UNROLL
		for (int k = 0; k <= i; k++)
			s -= L[(i + 1) * n + k] * L[(i + 1) * n + k];
		if (!(s > 0.0 && s <= DBL_MAX))
			return -MW_ENOTSPD;
		double d = sqrt(s);
		L[(i + 1) * n + i + 1] = d;
		inv[i + 1] = 1.0 / d;
	}
	if (n % 2) { /* the last row of an odd n alone */
		const int i = n - 1;
		TRACK_UNROLL
		for (int j = 0; j <= i; j++) {
			double s = A[i * stride + j];
			TRACK_UNROLL
			for (int k = 0; k < j; k++)
				s -= L[i * n + k] * L[j * n + k];
			if (i == j) {
				if (!(s > 0.0 && s <= DBL_MAX))
					return -MW_ENOTSPD;
				double d = sqrt(s);
				L[i * n + i] = d;
				inv[i] = 1.0 / d;
			} else {
				L[i * n + j] = s * inv[j];
			}
		}
	}
	return 0;
}

static inline __attribute__((always_inline)) int track_chol_check_ns(const double *A, const int n,
                                                                     const int stride)
{
	double L[TRACK_CHOL_MAX * TRACK_CHOL_MAX];
	return track_chol_factor_ns(L, A, n, stride);
}

static inline __attribute__((always_inline)) int track_chol_check_n(const double *A, const int n)
{
	return track_chol_check_ns(A, n, n);
}

static inline int track_chol_check(const double *A, int n)
{
	if (n == 8)
		return track_chol_check_n(A, 8);
	return n >= 1 && n <= TRACK_CHOL_MAX ? track_chol_check_n(A, n) : -EINVAL;
}

/* B (n x m) <- A^-1 B given L. */
static inline void track_chol_solve(const double *L, double *B, int n, int m)
{
	for (int c = 0; c < m; c++) {
		for (int i = 0; i < n; i++) {
			double s = B[i * m + c];
			for (int k = 0; k < i; k++)
				s -= L[i * n + k] * B[k * m + c];
			B[i * m + c] = s / L[i * n + i];
		}
		for (int i = n - 1; i >= 0; i--) {
			double s = B[i * m + c];
			for (int k = i + 1; k < n; k++)
				s -= L[k * n + i] * B[k * m + c];
			B[i * m + c] = s / L[i * n + i];
		}
	}
}

/* x^T A^-1 x given L. */
static inline double track_chol_mahal(const double *L, const double *x, int n)
{
	double y[16], d2 = 0.0;
	for (int i = 0; i < n; i++) {
		double s = x[i];
		for (int k = 0; k < i; k++)
			s -= L[i * n + k] * y[k];
		y[i] = s / L[i * n + i];
		d2 += y[i] * y[i];
	}
	return d2;
}

static inline double track_chol_logdet(const double *L, int n)
{
	double s = 0.0;
	for (int i = 0; i < n; i++)
		s += log(L[i * n + i]);
	return 2.0 * s;
}

#endif
