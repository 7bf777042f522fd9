/*
 * mat/mat.h - small fixed-size dense linear algebra (up to 9x9).
 *
 * Matrices are row-major arrays of double passed as pointers with their
 * dimensions: an n x m matrix A is A[i*m + j]; a stack `double P[6][6]`
 * is passed as &P[0][0]. No allocation, no global state. Dimensions are
 * asserted to be in 1..MAT_MAX (programming errors, not input errors).
 *
 * Aliasing: an output may not alias an input unless the function says so.
 *
 * Numerical failures are input errors and come back as codes, never
 * garbage: -MW_ENOTSPD when a matrix that must be symmetric positive
 * definite is not (asymmetric beyond a relative 1e-9, a non-positive or
 * non-finite pivot), -MW_EILLCOND when the matrix is SPD but so badly
 * conditioned (reciprocal condition estimate below 1e-14) that a solve
 * would be noise. Outputs are untouched on failure.
 */
#ifndef MW_MAT_MAT_H
#define MW_MAT_MAT_H

#include <stdbool.h>

#define MAT_MAX 9

void mat_zero(double *A, int n, int m);
void mat_identity(double *A, int n);
void mat_copy(double *dst, const double *src, int n, int m);
/* C = A(n x m) * B(m x p) */
void mat_mul(double *C, const double *A, const double *B, int n, int m, int p);
/* C = A(n x m) * B(p x m)^T  -> n x p */
void mat_mul_abt(double *C, const double *A, const double *B, int n, int m, int p);
/* C = A(m x n)^T * B(m x p)  -> n x p */
void mat_mul_atb(double *C, const double *A, const double *B, int n, int m, int p);
/* y = A(n x m) x */
void mat_mul_vec(double *y, const double *A, const double *x, int n, int m);
/* C = A B A^T for A n x m, B m x m (the covariance transform) */
void mat_abat(double *C, const double *A, const double *B, int n, int m);
void mat_transpose(double *At, const double *A, int n, int m);
/* C = A + B, C = A - B (C may alias A or B) */
void mat_add(double *C, const double *A, const double *B, int n, int m);
void mat_sub(double *C, const double *A, const double *B, int n, int m);
/* A *= s (in place) */
void mat_scale(double *A, double s, int n, int m);
/* A = (A + A^T) / 2 in place */
void mat_symmetrise(double *A, int n);
double mat_trace(const double *A, int n);

/* Lower-triangular L with A = L L^T. -MW_ENOTSPD / -MW_EILLCOND. */
int mat_cholesky(double *L, const double *A, int n);
/* X (n x m) solving A X = B for SPD A. */
int mat_spd_solve(double *X, const double *A, const double *B, int n, int m);
/* Ainv = A^-1 for SPD A; the result is exactly symmetric. */
int mat_spd_inverse(double *Ainv, const double *A, int n);
/* log(det A) for SPD A. */
int mat_spd_logdet(const double *A, int n, double *logdet);
/* d2 = x^T A^-1 x for SPD A (Mahalanobis distance squared). */
int mat_spd_mahalanobis(const double *A, const double *x, int n, double *d2);
/* True if A is symmetric (relative tol 1e-9) and Cholesky succeeds. */
bool mat_is_spd(const double *A, int n);
/* Eigen-decomposition of a symmetric matrix (Jacobi): eigenvalues
 * ascending in w, eigenvectors as columns of V. -MW_ENOCONVERGE if
 * the sweeps do not converge. */
int mat_sym_eig(const double *A, int n, double *w, double *V);

#endif
