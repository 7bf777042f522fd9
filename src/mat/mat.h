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
 * would be noise. Outputs are untouched on failure. mat.c's header comment
 * says precisely how pivots and the condition estimate are classified (a
 * pivot that is zero to rounding level, e.g. a rank-deficient product or
 * the zero matrix, is -MW_EILLCOND; the condition number is that of the
 * diagonally scaled matrix, so diag(1, 1e-17) is fine). Results never
 * hold Inf/NaN: a non-finite right-hand side (B, b, x) is -EINVAL and a
 * result that would overflow is -ERANGE.
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
/* y = A(n x m)^T x  -> m-vector */
void mat_mul_tvec(double *y, const double *A, const double *x, int n, int m);
/* C = A B A^T for A n x m, B m x m (the covariance transform) */
void mat_abat(double *C, const double *A, const double *B, int n, int m);
/* At may alias A when the matrix is square (in-place transpose). */
void mat_transpose(double *At, const double *A, int n, int m);
/* C = A + B, C = A - B (C may alias A or B) */
void mat_add(double *C, const double *A, const double *B, int n, int m);
void mat_sub(double *C, const double *A, const double *B, int n, int m);
/* A *= s (in place) */
void mat_scale(double *A, double s, int n, int m);
/* A = (A + A^T) / 2 in place */
void mat_symmetrise(double *A, int n);
double mat_trace(const double *A, int n);

/* Lower-triangular L with A = L L^T (positive diagonal, strict upper
 * triangle zero). -MW_ENOTSPD / -MW_EILLCOND. */
int mat_cholesky(double *L, const double *A, int n);
/* X (n x m) solving A X = B for SPD A. */
int mat_spd_solve(double *X, const double *A, const double *B, int n, int m);
/* Ainv = A^-1 for SPD A; the result is exactly symmetric. */
int mat_spd_inverse(double *Ainv, const double *A, int n);
/* log(det A) for SPD A. */
int mat_spd_logdet(const double *A, int n, double *logdet);
/* d2 = x^T A^-1 x for SPD A (Mahalanobis distance squared). */
int mat_spd_mahalanobis(const double *A, const double *x, int n, double *d2);
/* True if A is symmetric (relative tol 1e-9) and Cholesky succeeds
 * (so also false for an SPD matrix failing the conditioning test). */
bool mat_is_spd(const double *A, int n);
/* Eigen-decomposition of a symmetric matrix (Jacobi): eigenvalues
 * ascending in w, eigenvectors as columns of V. -MW_ENOCONVERGE if
 * the sweeps do not converge. -EINVAL if A has a non-finite entry or is
 * asymmetric beyond a relative 1e-9. Each eigenvector's largest-magnitude
 * component is positive (deterministic signs). */
int mat_sym_eig(const double *A, int n, double *w, double *V);

/* ---- additions for square-root / sigma-point filters ---- */

/* Largest column count mat_tria() accepts: 2n+1 sigma points plus n noise
 * columns of a square-root UKF/CKF, with room to spare. */
#define MAT_TRIA_MAX_COLS (4 * MAT_MAX)

/* True if A has only finite entries and is symmetric to a relative 1e-9
 * (the test the SPD functions apply). */
bool mat_is_symmetric(const double *A, int n);
/* x solving A x = b for SPD A (mat_spd_solve with one column). X may alias
 * B in mat_spd_solve and x may alias b here. -EINVAL if b is not finite. */
int mat_spd_solve_vec(double *x, const double *A, const double *b, int n);
/* Reciprocal 1-norm condition number of D^-1/2 A D^-1/2, D = diag(A), for
 * SPD A (the quantity compared with 1e-14). */
int mat_spd_rcond(const double *A, int n, double *rcond);
/* X (n x m) solving L X = B, resp. L^T X = B, for lower-triangular L with
 * a non-zero diagonal (only the lower triangle is read). X may alias B.
 * -EINVAL if L has a zero or non-finite diagonal or B a non-finite entry. */
int mat_tril_solve(double *X, const double *L, const double *B, int n, int m);
int mat_tril_solve_t(double *X, const double *L, const double *B, int n, int m);
/* In place: L becomes the Cholesky factor (positive diagonal) of
 * L L^T + x x^T, resp. L L^T - x x^T. L must be lower triangular with a
 * non-zero diagonal (-EINVAL otherwise, or if x is not finite). The
 * downdate returns -MW_ENOTSPD if the result would be indefinite and
 * -MW_EILLCOND if it would be singular to rounding level; L is untouched
 * on failure. */
int mat_chol_update(double *L, const double *x, int n);
int mat_chol_downdate(double *L, const double *x, int n);
/* Lower-triangular S (n x n, diagonal >= 0) with S S^T = A A^T for A
 * n x k, 1 <= k <= MAT_TRIA_MAX_COLS (the "tria" operation of square-root
 * filters, by Householder LQ). If k < n the trailing columns of S are zero.
 * -EINVAL if A has a non-finite entry. S may not alias A. */
int mat_tria(double *S, const double *A, int n, int k);

#endif
