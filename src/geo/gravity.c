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

/* Hessian of r^n at x: n r^(n-2) I + n (n-2) r^(n-4) x x^T, added with
 * weight w; rn2 = r^(n-2), rn4 = r^(n-4) (products of 1/r: pow() was 5% of
 * a tracker update). */
static void add_hess_rpow(const double x[3], int n, double rn2, double rn4, double w,
                          double G[3][3])
{
	double a = w * n * rn2;
	double b = w * n * (n - 2) * rn4;
	for (int i = 0; i < 3; i++)
		for (int j = 0; j < 3; j++)
			G[i][j] += (i == j ? a : 0.0) + b * x[i] * x[j];
}

int geo_gravity_j2_jacobian(const double r_m[3], double G[3][3])
{
	double r;
	int rc = check_r(r_m, &r);
	if (rc < 0)
		return rc;
	const double mu = GEO_GM_M3_S2;
	const double k = 0.5 * mu * GEO_J2 * GEO_WGS84_A_M * GEO_WGS84_A_M;
	double z = r_m[2];
	double ir = 1.0 / r, ir2 = ir * ir;
	double im3 = ir2 * ir, im5 = im3 * ir2, im7 = im5 * ir2, im9 = im7 * ir2;
	double out[3][3] = {{0}};

	add_hess_rpow(r_m, -1, im3, im5, mu, out);
	add_hess_rpow(r_m, -3, im5, im7, k, out);
	add_hess_rpow(r_m, -5, im7, im9, -3.0 * k * z * z, out);
	out[2][2] += -3.0 * k * 2.0 * im5;
	for (int i = 0; i < 3; i++) {
		/* -3k * (-10 z / r^7) (e3 x^T + x e3^T) */
		double c = 30.0 * k * z * im7;
		out[2][i] += c * r_m[i];
		out[i][2] += c * r_m[i];
	}
	for (int i = 0; i < 3; i++)
		for (int j = 0; j < 3; j++)
			G[i][j] = out[i][j];
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
