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

#include <math.h>

#include "core/err.h"

/* A = L L^T; -MW_ENOTSPD on a non-positive or non-finite pivot. */
static inline int track_chol(double *L, const double *A, int n)
{
	for (int i = 0; i < n; i++) {
		for (int j = 0; j <= i; j++) {
			double s = A[i * n + j];
			for (int k = 0; k < j; k++)
				s -= L[i * n + k] * L[j * n + k];
			if (i == j) {
				if (!(s > 0.0) || !isfinite(s))
					return -MW_ENOTSPD;
				L[i * n + i] = sqrt(s);
			} else {
				L[i * n + j] = s / L[j * n + j];
			}
		}
		for (int j = i + 1; j < n; j++)
			L[i * n + j] = 0.0;
	}
	return 0;
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
