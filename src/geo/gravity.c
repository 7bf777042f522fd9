/*
 * geo/gravity.c - gravitational acceleration of the WGS84 Earth truncated
 * to degree 2 (mu + J2), its Jacobian, and the apparent acceleration of a
 * free body in the rotating ECEF frame.
 *
 * What it is for: the simulator integrates ballistic flight with it and
 * the tracker's filters predict with it (and need d(g)/d(r) to propagate
 * covariances and to compute the Cramer-Rao bound).
 *
 * How it works: the potential truncated after J2 is
 *     U(r) = mu / r + k (1 / r^3 - 3 z^2 / r^5),    k = mu J2 a^2 / 2,
 * (U = mu/r [1 - J2 (a/r)^2 P2(z/r)], P2(s) = (3 s^2 - 1)/2). Using
 * grad r^n = n r^(n-2) x and
 * Hess r^n = n r^(n-2) I + n (n-2) r^(n-4) x x^T:
 *     g = -mu x / r^3 - 3 k x / r^5 - 6 k z e3 / r^5 + 15 k z^2 x / r^7
 *     G = mu H(r^-1) + k H(r^-3)
 *         - 3 k [2 e3 e3^T / r^5 - 10 z (e3 x^T + x e3^T) / r^7 + z^2 H(r^-5)].
 * Componentwise g is the familiar
 *     g_xy = -mu x_xy / r^3 [1 - 3/2 J2 (a/r)^2 (5 z^2/r^2 - 1)]
 *     g_z  = -mu z / r^3    [1 - 3/2 J2 (a/r)^2 (5 z^2/r^2 - 3)].
 * The J2 field is symmetric about z, so the same formula holds in ECEF and
 * in the quasi-inertial ECI of geo/eci.c (which shares its z axis).
 * In ECEF, a = g - w x (w x r) - 2 w x v with w = (0, 0, omega_e).
 *
 * Accuracy: degree-2 truncation differs from the full EGM96 field by up
 * to ~1e-3 m/s^2 (J3, J4 and tesserals) near the surface; at the equator
 * mu+J2 plus centrifugal gives 9.78028 m/s^2 against the WGS84 normal
 * gravity 9.7803253 m/s^2 (TR8350.2 table 3.4).
 *
 * Invariants:
 *  1. |r| < 1 m or non-finite r -> -EDOM, outputs untouched.
 *  2. G is symmetric (it is the Hessian of a potential) and its trace is 0
 *     (Laplace's equation) to rounding.
 */
#include "geo/geo.h"

#include <errno.h>
#include <math.h>

static int check_r(const double r[3], double *rn)
{
	if (!isfinite(r[0]) || !isfinite(r[1]) || !isfinite(r[2]))
		return -EDOM;
	double n = sqrt(r[0] * r[0] + r[1] * r[1] + r[2] * r[2]);
	if (n < 1.0)
		return -EDOM;
	*rn = n;
	return 0;
}

int geo_gravity_j2(const double r_m[3], double g_m_s2[3])
{
	double r;
	int rc = check_r(r_m, &r);
	if (rc < 0)
		return rc;
	const double mu = GEO_GM_M3_S2;
	const double k = 0.5 * mu * GEO_J2 * GEO_WGS84_A_M * GEO_WGS84_A_M;
	double z = r_m[2];
	double r2 = r * r, r3 = r2 * r, r5 = r3 * r2, r7 = r5 * r2;
	double cx = -mu / r3 - 3.0 * k / r5 + 15.0 * k * z * z / r7;

	g_m_s2[0] = cx * r_m[0];
	g_m_s2[1] = cx * r_m[1];
	g_m_s2[2] = cx * z - 6.0 * k * z / r5;
	return 0;
}

/*
 * G written out entry by entry. It is the sum, in this order, of
 * mu H(r^-1), k H(r^-3) and -3 k z^2 H(r^-5) (each Hessian
 * H(r^n) = a_n I + b_n x x^T with a_n = w n r^(n-2), b_n = w n (n-2) r^(n-4);
 * the powers of 1/r are products: pow() was 5% of a tracker update),
 * then -6 k e3 e3^T / r^5, then 30 k z / r^7 (e3 x^T + x e3^T). Each
 * entry is accumulated from 0 with the same IEEE operations in the same
 * order as the general 3 x 3 loop it replaced: 0 + (a_n [i = j] +
 * (b_n x_i) x_j), then + (...) per Hessian (off the diagonal 0 + (0 + q)
 * as in the loop: the sign of a zero included). Pairs of entries go through SSE2 lanes (GNU C
 * vectors: a packed add or multiply rounds each lane as the scalar
 * instruction does; x86-64 without FMA, as track/v2d.h explains): rows
 * (G_i0, G_i1) and the column pair (G_02, G_12); G_22 alone. So G is
 * the loop's to the bit (unit-geo,
 * gravity_jacobian_written_out_matches_the_loop_bit_for_bit); (b x_i) x_j
 * and (b x_j) x_i are both computed: the rounded G is not exactly
 * symmetric.
 */
typedef double v2 __attribute__((vector_size(16)));

int geo_gravity_j2_jacobian(const double r_m[3], double G[3][3])
{
	double r;
	int rc = check_r(r_m, &r);
	if (rc < 0)
		return rc;
	const double mu = GEO_GM_M3_S2;
	const double k = 0.5 * mu * GEO_J2 * GEO_WGS84_A_M * GEO_WGS84_A_M;
	const double *x = r_m;
	double z = r_m[2];
	double ir = 1.0 / r, ir2 = ir * ir;
	double im3 = ir2 * ir, im5 = im3 * ir2, im7 = im5 * ir2, im9 = im7 * ir2;
	double w5 = -3.0 * k * z * z;
	/* a_n and b_n for n = -1 (weight mu), -3 (k), -5 (w5) */
	const double a[3] = {mu * -1.0 * im3, k * -3.0 * im5, w5 * -5.0 * im7};
	const double b[3] = {mu * -1.0 * -3.0 * im5, k * -3.0 * -5.0 * im7, w5 * -5.0 * -7.0 * im9};
	const v2 x01 = {x[0], x[1]}, zero = {0.0, 0.0};
	v2 r0 = zero, r1 = zero, r2 = zero, c2 = zero; /* G_0., G_1., G_2., G_.2 */
	double g22 = 0.0;
	for (int n = 0; n < 3; n++) {
		v2 p = (v2){b[n], b[n]} * x01; /* b x_0, b x_1 */
		double p2 = b[n] * x[2];
		r0 += (v2){a[n], 0.0} + (v2){p[0], p[0]} * x01;
		r1 += (v2){0.0, a[n]} + (v2){p[1], p[1]} * x01;
		r2 += zero + (v2){p2, p2} * x01;
		c2 += zero + p * (v2){x[2], x[2]};
		g22 += a[n] + p2 * x[2];
	}
	g22 += -3.0 * k * 2.0 * im5;
	/* -3k * (-10 z / r^7) (e3 x^T + x e3^T): one product per entry */
	double c = 30.0 * k * z * im7;
	v2 cx = (v2){c, c} * x01;
	r2 += cx;
	c2 += cx;
	g22 += c * x[2];
	g22 += c * x[2];
	G[0][0] = r0[0], G[0][1] = r0[1], G[0][2] = c2[0];
	G[1][0] = r1[0], G[1][1] = r1[1], G[1][2] = c2[1];
	G[2][0] = r2[0], G[2][1] = r2[1], G[2][2] = g22;
	return 0;
}

int geo_accel_ecef(const double r_m[3], const double v_m_s[3], double a_m_s2[3])
{
	double g[3];
	if (!isfinite(v_m_s[0]) || !isfinite(v_m_s[1]) || !isfinite(v_m_s[2]))
		return -EDOM;
	int rc = geo_gravity_j2(r_m, g);
	if (rc < 0)
		return rc;
	const double w = GEO_OMEGA_E_RAD_S;
	/* -w x (w x r) = w^2 (x, y, 0); -2 w x v = 2 w (v_y, -v_x, 0) */
	a_m_s2[0] = g[0] + w * w * r_m[0] + 2.0 * w * v_m_s[1];
	a_m_s2[1] = g[1] + w * w * r_m[1] - 2.0 * w * v_m_s[0];
	a_m_s2[2] = g[2];
	return 0;
}
