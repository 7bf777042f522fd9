/*
 * geo/geodesic.c - geodesics on the WGS84 ellipsoid (Vincenty 1975).
 *
 * What it is for: ground ranges between launch, impact and sensor sites
 * ("how far from the capital is the predicted impact point"), and the
 * point at a given distance and bearing (footprints, test scenarios).
 *
 * How it works: T. Vincenty, "Direct and inverse solutions of geodesics
 * on the ellipsoid with application of nested equations", Survey Review
 * 23(176), 1975, pp. 88-93. Both problems map the ellipsoid onto the
 * auxiliary sphere (reduced latitude tan U = (1 - f) tan(lat)):
 *  - inverse: iterate the longitude on the auxiliary sphere, lambda,
 *    from lambda = L (the ellipsoidal longitude difference) until it
 *    changes by < 1e-13 rad (~0.6 um), then s = b A (sigma - d_sigma);
 *  - direct: iterate the arc sigma from s / (b A) until it changes by
 *    < 1e-13 rad, then map back.
 * Vincenty's series are truncated at order f^3 (u^8), an error of ~0.1 mm
 * on Earth-sized lines (Karney 2013, J. Geodesy 87:43-55, sec. 1), within
 * the 1 mm required here. The reduced latitude is computed as
 * atan2((1 - f) sin(lat), cos(lat)) so the poles need no special case.
 *
 * Limitation (stated in geo.h): for nearly antipodal points (within
 * about 0.5 deg of the antipode on or near the equator) the lambda
 * iteration can fail to converge; geo_inverse then returns
 * -MW_ENOCONVERGE rather than a wrong answer. Exactly coincident points
 * give distance 0 with both azimuths 0.
 *
 * Invariants:
 *  1. Outputs are written only on success; longitudes are returned in
 *     (-pi, pi], azimuths in [0, 2 pi).
 *  2. geo_direct(p1, az1, geo_inverse(p1, p2).dist) reproduces p2 to
 *     better than 1 mm wherever geo_inverse converges.
 */
#include "geo/geo.h"

#include <errno.h>
#include <math.h>

#include "core/err.h"

#define GEOD_MAX_ITER 200
#define GEOD_TOL_RAD  1e-13

static double wrap_pi(double x)
{
	x = remainder(x, 2.0 * GEO_PI); /* [-pi, pi] */
	if (x <= -GEO_PI)
		x += 2.0 * GEO_PI;
	return x;
}

static double wrap_2pi(double x)
{
	x = fmod(x, 2.0 * GEO_PI);
	if (x < 0.0)
		x += 2.0 * GEO_PI;
	if (x >= 2.0 * GEO_PI)
		x = 0.0;
	return x;
}

static void reduced_lat(double lat, double *su, double *cu)
{
	double u = atan2((1.0 - GEO_WGS84_F) * sin(lat), cos(lat));
	*su = sin(u);
	*cu = cos(u);
}

static void series_ab(double cos2a, double *A, double *B)
{
	const double a = GEO_WGS84_A_M, b = GEO_WGS84_B_M;
	double u2 = cos2a * (a * a - b * b) / (b * b);
	*A = 1.0 + u2 / 16384.0 * (4096.0 + u2 * (-768.0 + u2 * (320.0 - 175.0 * u2)));
	*B = u2 / 1024.0 * (256.0 + u2 * (-128.0 + u2 * (74.0 - 47.0 * u2)));
}

static double delta_sigma(double B, double ss, double cs, double c2sm)
{
	return B * ss *
	       (c2sm + B / 4.0 *
	                   (cs * (-1.0 + 2.0 * c2sm * c2sm) -
	                    B / 6.0 * c2sm * (-3.0 + 4.0 * ss * ss) * (-3.0 + 4.0 * c2sm * c2sm)));
}

static int finite_lla(const struct geo_lla *p)
{
	return isfinite(p->lat_rad) && isfinite(p->lon_rad) && fabs(p->lat_rad) <= GEO_PI / 2;
}

int geo_inverse(const struct geo_lla *p1, const struct geo_lla *p2, double *dist_m, double *az1_rad,
                double *az2_rad)
{
	const double f = GEO_WGS84_F;
	if (!finite_lla(p1) || !finite_lla(p2))
		return -EDOM;
	double L = wrap_pi(p2->lon_rad - p1->lon_rad);
	double su1, cu1, su2, cu2;
	reduced_lat(p1->lat_rad, &su1, &cu1);
	reduced_lat(p2->lat_rad, &su2, &cu2);

	double lambda = L, ss = 0, cs = 0, sigma = 0, cos2a = 0, c2sm = 0, sl = 0, cl = 0;
	int converged = 0;
	for (int it = 0; it < GEOD_MAX_ITER; it++) {
		sl = sin(lambda);
		cl = cos(lambda);
		double t1 = cu2 * sl, t2 = cu1 * su2 - su1 * cu2 * cl;
		ss = hypot(t1, t2);
		if (ss == 0.0) { /* coincident points */
			*dist_m = 0.0;
			*az1_rad = 0.0;
			*az2_rad = 0.0;
			return 0;
		}
		cs = su1 * su2 + cu1 * cu2 * cl;
		sigma = atan2(ss, cs);
		double sa = cu1 * cu2 * sl / ss;
		cos2a = 1.0 - sa * sa;
		c2sm = (cos2a != 0.0) ? cs - 2.0 * su1 * su2 / cos2a : 0.0; /* equatorial */
		double C = f / 16.0 * cos2a * (4.0 + f * (4.0 - 3.0 * cos2a));
		double prev = lambda;
		lambda = L + (1.0 - C) * f * sa *
		                 (sigma + C * ss * (c2sm + C * cs * (-1.0 + 2.0 * c2sm * c2sm)));
		if (!isfinite(lambda) || fabs(lambda) > GEO_PI + 1e-9)
			break;
		if (fabs(lambda - prev) < GEOD_TOL_RAD) {
			converged = 1;
			sl = sin(lambda);
			cl = cos(lambda);
			break;
		}
	}
	if (!converged)
		return -MW_ENOCONVERGE;

	double A, B;
	series_ab(cos2a, &A, &B);
	double s = GEO_WGS84_B_M * A * (sigma - delta_sigma(B, ss, cs, c2sm));
	double a1 = atan2(cu2 * sl, cu1 * su2 - su1 * cu2 * cl);
	double a2 = atan2(cu1 * sl, -su1 * cu2 + cu1 * su2 * cl);
	*dist_m = s;
	*az1_rad = wrap_2pi(a1);
	*az2_rad = wrap_2pi(a2);
	return 0;
}

int geo_direct(const struct geo_lla *p1, double az1_rad, double dist_m, struct geo_lla *p2)
{
	const double f = GEO_WGS84_F;
	if (!finite_lla(p1) || !isfinite(az1_rad) || !isfinite(dist_m))
		return -EDOM;
	double su1, cu1;
	reduced_lat(p1->lat_rad, &su1, &cu1);
	double sa1 = sin(az1_rad), ca1 = cos(az1_rad);
	double sigma1 = atan2(su1, cu1 * ca1);
	double sa = cu1 * sa1;
	double cos2a = 1.0 - sa * sa;
	double A, B;
	series_ab(cos2a, &A, &B);

	double s0 = dist_m / (GEO_WGS84_B_M * A);
	double sigma = s0, ss = 0, cs = 0, c2sm = 0;
	int converged = 0;
	for (int it = 0; it < GEOD_MAX_ITER; it++) {
		c2sm = cos(2.0 * sigma1 + sigma);
		ss = sin(sigma);
		cs = cos(sigma);
		double next = s0 + delta_sigma(B, ss, cs, c2sm);
		if (fabs(next - sigma) < GEOD_TOL_RAD) {
			sigma = next;
			converged = 1;
			break;
		}
		sigma = next;
	}
	if (!converged)
		return -MW_ENOCONVERGE;
	c2sm = cos(2.0 * sigma1 + sigma);
	ss = sin(sigma);
	cs = cos(sigma);

	double tmp = su1 * ss - cu1 * cs * ca1;
	double lat2 = atan2(su1 * cs + cu1 * ss * ca1, (1.0 - f) * hypot(sa, tmp));
	double lam = atan2(ss * sa1, cu1 * cs - su1 * ss * ca1);
	double C = f / 16.0 * cos2a * (4.0 + f * (4.0 - 3.0 * cos2a));
	double L = lam - (1.0 - C) * f * sa *
	                     (sigma + C * ss * (c2sm + C * cs * (-1.0 + 2.0 * c2sm * c2sm)));
	p2->lat_rad = lat2;
	p2->lon_rad = wrap_pi(p1->lon_rad + L);
	p2->h_m = p1->h_m;
	return 0;
}
