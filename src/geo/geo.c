/*
 * geo/geo.c - WGS84 geodetic <-> ECEF <-> ENU <-> AER, and line-of-sight
 * visibility over the ellipsoid.
 *
 * What it is for: every position that enters or leaves mwlink is geodetic
 * (lat, lon, h) at the edges and ECEF inside. Sensors measure range,
 * azimuth and elevation in their local East-North-Up frame. This file is
 * the one place those conversions live.
 *
 * How it works:
 *  - geodetic -> ECEF is the closed form X = (N + h) cos(lat) cos(lon),
 *    Y = (N + h) cos(lat) sin(lon), Z = (N (1 - e^2) + h) sin(lat) with the
 *    prime-vertical radius N = a / sqrt(1 - e^2 sin^2(lat)).
 *  - ECEF -> geodetic uses Bowring's (1976) parametric-latitude formula
 *        tan(lat) = (Z + e'^2 b sin^3(beta)) / (p - e^2 a cos^3(beta)),
 *        tan(beta) = (1 - f) tan(lat)
 *    iterated to a fixed point (each step gains roughly three orders of
 *    magnitude near the surface; at 10,000 km altitude still more than
 *    one), then h = p cos(lat) + Z sin(lat) - a sqrt(1 - e^2 sin^2(lat)),
 *    which is well conditioned at every latitude including the poles.
 *    The unit tests pin the round trip to < 1 mm (in practice ~1e-8 m)
 *    from pole to pole, h from -1 km to 10,000 km.
 *  - ENU: rows of R are the unit east, north and up vectors at the
 *    reference point; enu = R (ecef - ecef_ref), ecef = R^T enu + ecef_ref.
 *  - Visibility: scale z by (a + c) / (b + c) so that the ellipsoid raised
 *    by the clearance c becomes a sphere of radius a + c; the segment is
 *    masked if its point nearest to the centre lies strictly between the
 *    two end points and inside that sphere.
 *
 * Invariants:
 *  1. geo_ecef_to_lla returns lon in (-pi, pi] (the antimeridian is +pi),
 *     lat in [-pi/2, pi/2], and lon = 0 on the polar axis.
 *  2. Within 1 m of the Earth's centre, or for non-finite input,
 *     geo_ecef_to_lla returns -EDOM and leaves *lla untouched.
 *  3. No function keeps state; all are thread-safe.
 */
#include "geo/geo.h"

#include <errno.h>
#include <math.h>

/* e'^2 = e^2 / (1 - e^2), second eccentricity squared, TR8350.2 table 3.3 */
#define GEO_WGS84_EP2 (GEO_WGS84_E2 / (1.0 - GEO_WGS84_E2))

void geo_lla_to_ecef(const struct geo_lla *lla, double ecef_m[3])
{
	double sl = sin(lla->lat_rad), cl = cos(lla->lat_rad);
	double so = sin(lla->lon_rad), co = cos(lla->lon_rad);
	double n = GEO_WGS84_A_M / sqrt(1.0 - GEO_WGS84_E2 * sl * sl);

	ecef_m[0] = (n + lla->h_m) * cl * co;
	ecef_m[1] = (n + lla->h_m) * cl * so;
	ecef_m[2] = (n * (1.0 - GEO_WGS84_E2) + lla->h_m) * sl;
}

int geo_ecef_to_lla(const double ecef_m[3], struct geo_lla *lla)
{
	const double a = GEO_WGS84_A_M, b = GEO_WGS84_B_M, e2 = GEO_WGS84_E2;
	double x = ecef_m[0], y = ecef_m[1], z = ecef_m[2];

	if (!isfinite(x) || !isfinite(y) || !isfinite(z))
		return -EDOM;
	double p = hypot(x, y);
	if (hypot(p, z) < 1.0)
		return -EDOM;

	double lon = (p == 0.0) ? 0.0 : atan2(y, x);
	if (lon <= -GEO_PI)
		lon = GEO_PI;

	/* Start from the geocentric-to-geodetic first guess, then Bowring. */
	double lat = atan2(z, p * (1.0 - e2));
	for (int i = 0; i < 12; i++) {
		double beta = atan2((1.0 - GEO_WGS84_F) * sin(lat), cos(lat));
		double sb = sin(beta), cb = cos(beta);
		double next =
		    atan2(z + GEO_WGS84_EP2 * b * sb * sb * sb, p - e2 * a * cb * cb * cb);
		double d = fabs(next - lat);
		lat = next;
		if (d < 1e-15)
			break;
	}
	if (lat > GEO_PI / 2)
		lat = GEO_PI / 2;
	if (lat < -GEO_PI / 2)
		lat = -GEO_PI / 2;

	double sl = sin(lat), cl = cos(lat);
	double h = p * cl + z * sl - a * sqrt(1.0 - e2 * sl * sl);

	lla->lat_rad = lat;
	lla->lon_rad = lon;
	lla->h_m = h;
	return 0;
}

void geo_enu_rotation(double lat_rad, double lon_rad, double R[3][3])
{
	double sl = sin(lat_rad), cl = cos(lat_rad);
	double so = sin(lon_rad), co = cos(lon_rad);

	R[0][0] = -so;
	R[0][1] = co;
	R[0][2] = 0.0;
	R[1][0] = -sl * co;
	R[1][1] = -sl * so;
	R[1][2] = cl;
	R[2][0] = cl * co;
	R[2][1] = cl * so;
	R[2][2] = sl;
}

void geo_vec_ecef_to_enu(const struct geo_lla *ref, const double v_ecef[3], double v_enu[3])
{
	double R[3][3], out[3];

	geo_enu_rotation(ref->lat_rad, ref->lon_rad, R);
	for (int i = 0; i < 3; i++)
		out[i] = R[i][0] * v_ecef[0] + R[i][1] * v_ecef[1] + R[i][2] * v_ecef[2];
	for (int i = 0; i < 3; i++)
		v_enu[i] = out[i];
}

void geo_vec_enu_to_ecef(const struct geo_lla *ref, const double v_enu[3], double v_ecef[3])
{
	double R[3][3], out[3];

	geo_enu_rotation(ref->lat_rad, ref->lon_rad, R);
	for (int i = 0; i < 3; i++)
		out[i] = R[0][i] * v_enu[0] + R[1][i] * v_enu[1] + R[2][i] * v_enu[2];
	for (int i = 0; i < 3; i++)
		v_ecef[i] = out[i];
}

void geo_ecef_to_enu(const struct geo_lla *ref, const double ecef_m[3], double enu_m[3])
{
	double r0[3], d[3];

	geo_lla_to_ecef(ref, r0);
	for (int i = 0; i < 3; i++)
		d[i] = ecef_m[i] - r0[i];
	geo_vec_ecef_to_enu(ref, d, enu_m);
}

void geo_enu_to_ecef(const struct geo_lla *ref, const double enu_m[3], double ecef_m[3])
{
	double r0[3], d[3];

	geo_lla_to_ecef(ref, r0);
	geo_vec_enu_to_ecef(ref, enu_m, d);
	for (int i = 0; i < 3; i++)
		ecef_m[i] = r0[i] + d[i];
}

int geo_ecef_to_aer(const struct geo_lla *obs, const double obs_ecef_m[3],
                    const double tgt_ecef_m[3], double *range_m, double *az_rad, double *el_rad)
{
	double d[3], enu[3];

	for (int i = 0; i < 3; i++)
		d[i] = tgt_ecef_m[i] - obs_ecef_m[i];
	geo_vec_ecef_to_enu(obs, d, enu);
	double horiz = hypot(enu[0], enu[1]);
	double range = hypot(horiz, enu[2]);
	if (!(range > 0.0) || !isfinite(range))
		return -EDOM;
	double az = atan2(enu[0], enu[1]);
	if (az < 0.0)
		az += 2.0 * GEO_PI;
	if (az >= 2.0 * GEO_PI)
		az = 0.0;
	*range_m = range;
	*az_rad = az;
	*el_rad = atan2(enu[2], horiz);
	return 0;
}

void geo_aer_to_ecef(const struct geo_lla *obs, const double obs_ecef_m[3], double range_m,
                     double az_rad, double el_rad, double tgt_ecef_m[3])
{
	double R[3][3];

	geo_enu_rotation(obs->lat_rad, obs->lon_rad, R);
	geo_aer_to_ecef_rot(&R[0][0], obs_ecef_m, range_m, az_rad, el_rad, tgt_ecef_m);
}

int geo_visible(const double obs_ecef_m[3], const double tgt_ecef_m[3], double clearance_m)
{
	double ra = GEO_WGS84_A_M + clearance_m;
	double rb = GEO_WGS84_B_M + clearance_m;
	if (!(ra > 0.0) || !(rb > 0.0))
		return 0;
	double k = ra / rb;
	double p[3] = {obs_ecef_m[0], obs_ecef_m[1], obs_ecef_m[2] * k};
	double q[3] = {tgt_ecef_m[0], tgt_ecef_m[1], tgt_ecef_m[2] * k};
	double d[3] = {q[0] - p[0], q[1] - p[1], q[2] - p[2]};
	double dd = d[0] * d[0] + d[1] * d[1] + d[2] * d[2];

	for (int i = 0; i < 3; i++)
		if (!isfinite(p[i]) || !isfinite(q[i]))
			return 0;
	if (dd == 0.0)
		return 1;
	/* Parameter of the point on the line nearest the centre. */
	double t = -(p[0] * d[0] + p[1] * d[1] + p[2] * d[2]) / dd;
	if (t <= 0.0 || t >= 1.0)
		return 1;
	double c[3] = {p[0] + t * d[0], p[1] + t * d[1], p[2] + t * d[2]};
	double dist = sqrt(c[0] * c[0] + c[1] * c[1] + c[2] * c[2]);
	return dist >= ra ? 1 : 0;
}
