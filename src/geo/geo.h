/*
 * geo/geo.h - the Earth: WGS84 geodetic <-> ECEF <-> ENU, ECEF <-> ECI,
 * gravity (mu + J2), atmosphere, geodesics on the ellipsoid.
 *
 * Units: metres, seconds, radians inside; degrees only at the edges
 * (config, API, CAP, CoT, dashboard) through geo_deg()/geo_rad().
 * Frames:
 *   ECEF  Earth-centred Earth-fixed (WGS84), x through (0N, 0E), z north.
 *   ECI   here a "true-of-date"-like quasi-inertial frame that differs from
 *         ECEF only by the Earth rotation angle about z (see geo_era_rad);
 *         precession, nutation, polar motion and UT1-UTC are neglected
 *         (their effect over a missile's flight of < 1 h is far below the
 *         sensors' noise; see the eci.c header for figures).
 *   ENU   local East-North-Up at a geodetic reference point.
 *
 * Every function is pure and thread-safe.
 */
#ifndef MW_GEO_GEO_H
#define MW_GEO_GEO_H

#include <math.h>
#include <stdint.h>

/* WGS84 defining parameters, NIMA TR8350.2 (3rd ed., amendment 1, 2000), table 3.1 */
#define GEO_WGS84_A_M     6378137.0
#define GEO_WGS84_INV_F   298.257223563
#define GEO_WGS84_F       (1.0 / GEO_WGS84_INV_F)
#define GEO_WGS84_B_M     (GEO_WGS84_A_M * (1.0 - GEO_WGS84_F))
#define GEO_WGS84_E2      (GEO_WGS84_F * (2.0 - GEO_WGS84_F))
#define GEO_GM_M3_S2      3.986004418e14   /* TR8350.2 table 3.1 (incl. atmosphere) */
#define GEO_OMEGA_E_RAD_S 7.292115e-5      /* TR8350.2 table 3.1 */
#define GEO_J2            1.08262982131e-3 /* TR8350.2 table 3.2 (unnormalised -C20, EGM96) */
#define GEO_PI            3.14159265358979323846

static inline double geo_rad(double deg)
{
	return deg * (GEO_PI / 180.0);
}
static inline double geo_deg(double rad)
{
	return rad * (180.0 / GEO_PI);
}

struct geo_lla {
	double lat_rad; /* geodetic latitude, [-pi/2, pi/2] */
	double lon_rad; /* longitude, (-pi, pi] */
	double h_m;     /* height above the ellipsoid */
};

/* Geodetic -> ECEF. */
void geo_lla_to_ecef(const struct geo_lla *lla, double ecef_m[3]);

/*
 * ECEF -> geodetic, accurate to better than 1 mm (and 1e-12 rad) from the
 * Earth's surface to 10,000 km altitude and at the poles. On the polar
 * axis lon is 0. Returns -EDOM (out untouched) within 1 m of the Earth's
 * centre, where latitude is undefined, or for non-finite input.
 */
int geo_ecef_to_lla(const double ecef_m[3], struct geo_lla *lla);

/* Rotation matrix R such that enu = R * (ecef - ecef_ref). */
void geo_enu_rotation(double lat_rad, double lon_rad, double R[3][3]);
void geo_ecef_to_enu(const struct geo_lla *ref, const double ecef_m[3], double enu_m[3]);
void geo_enu_to_ecef(const struct geo_lla *ref, const double enu_m[3], double ecef_m[3]);
/* Rotate a vector (velocity, direction) between ECEF and the ENU axes at ref. */
void geo_vec_ecef_to_enu(const struct geo_lla *ref, const double v_ecef[3], double v_enu[3]);
void geo_vec_enu_to_ecef(const struct geo_lla *ref, const double v_enu[3], double v_ecef[3]);

/*
 * Range, azimuth (from north, clockwise, [0, 2pi)) and elevation of a
 * target seen from an observer, both in ECEF, in the observer's ENU frame.
 * Returns -EDOM if the two points coincide.
 */
int geo_ecef_to_aer(const struct geo_lla *obs, const double obs_ecef_m[3],
                    const double tgt_ecef_m[3], double *range_m, double *az_rad, double *el_rad);
/* The inverse: the ECEF point at (range, az, el) from the observer. */
void geo_aer_to_ecef(const struct geo_lla *obs, const double obs_ecef_m[3], double range_m,
                     double az_rad, double el_rad, double tgt_ecef_m[3]);
/* The same with the observer's ENU rotation already made (R: the 3 x 3
 * of geo_enu_rotation at the observer's latitude and longitude, row-major):
 * the same doubles as geo_aer_to_ecef, without its two sincos. Inline: the
 * tracker's radar track starts call it seven times a plot. */
static inline void geo_aer_to_ecef_rot(const double *R, const double obs_ecef_m[3], double range_m,
                                       double az_rad, double el_rad, double tgt_ecef_m[3])
{
	double ce = cos(el_rad);
	double enu[3] = {range_m * ce * sin(az_rad), range_m * ce * cos(az_rad),
	                 range_m * sin(el_rad)};
	for (int i = 0; i < 3; i++)
		tgt_ecef_m[i] =
		    obs_ecef_m[i] + (R[i] * enu[0] + R[3 + i] * enu[1] + R[6 + i] * enu[2]);
}

/*
 * Earth rotation angle (rad, [0, 2pi)) at UTC time t_ns, IERS 2010
 * conventions eq. 5.15 with UT1 = UTC: ERA = 2pi(0.7790572732640 +
 * 1.00273781191135448 * (JD_UT1 - 2451545.0)).
 */
double geo_era_rad(int64_t t_ns);

/* Position and velocity ECEF <-> ECI at time t_ns (v includes omega x r). */
void geo_ecef_to_eci(int64_t t_ns, const double r_ecef[3], const double v_ecef[3], double r_eci[3],
                     double v_eci[3]);
void geo_eci_to_ecef(int64_t t_ns, const double r_eci[3], const double v_eci[3], double r_ecef[3],
                     double v_ecef[3]);

/*
 * Gravitational acceleration (mu + J2) at r, in the frame r is given in
 * (ECEF or ECI: J2 is symmetric about z so the formula is the same).
 * Excludes centrifugal and Coriolis terms (see geo_accel_ecef).
 * Returns -EDOM if |r| < 1 m.
 */
int geo_gravity_j2(const double r_m[3], double g_m_s2[3]);
/* d(g)/d(r), 3x3, row-major, for filters and the Cramer-Rao bound. */
int geo_gravity_j2_jacobian(const double r_m[3], double G[3][3]);

/*
 * Acceleration of a free body in the rotating ECEF frame: gravity (mu+J2)
 * plus centrifugal -w x (w x r) and Coriolis -2 w x v. Returns -EDOM as
 * geo_gravity_j2, and for a non-finite velocity.
 */
int geo_accel_ecef(const double r_m[3], const double v_m_s[3], double a_m_s2[3]);

/* Atmosphere at geometric height h_m. */
struct geo_atmo {
	double density_kg_m3;
	double pressure_pa;
	double temperature_k;
	double speed_of_sound_m_s;
};
/*
 * US Standard Atmosphere 1976 (NOAA-S/T 76-1562) from -5 km to 86 km;
 * above 86 km an exponential fit to the 1976 tables up to 1000 km; zero
 * density above 1000 km. Returns -EDOM for h < -5 km or non-finite h.
 */
int geo_atmosphere(double h_m, struct geo_atmo *out);
/* Density only; 0 above 1000 km and for invalid h (never fails). */
double geo_air_density(double h_m);
/* Self-check of the atmosphere's tables against their definitions (the
 * layer bases: the hydrostatic chain from P0; the log-densities of the
 * fit's nodes: log of the 86 km value and of Table I): 0 if they and the
 * temperatures/pressures from -5 to 84.852 km' agree to 1e-14 relative
 * (*max_rel, may be NULL: the largest relative difference), else -EDOM. */
int geo_atmosphere_tables_ok(double *max_rel);
/* Geometric height z_m <-> geopotential height (US Std. Atmosphere 1976,
 * r0 = 6356766 m): H = r0 z / (r0 + z), z = r0 H / (r0 - H). */
double geo_geopotential_m(double z_m);
double geo_geometric_m(double h_m);

/*
 * Geodesics on the WGS84 ellipsoid (Karney 2013 or Vincenty 1975 with
 * the antipodal cases handled): distance and forward azimuth from p1 to
 * p2 (heights ignored); and the point reached from p1 after dist_m along
 * azimuth az_rad. Accurate to 1 mm. Nearly antipodal points, where
 * Vincenty's iteration fails, are solved by a slower shooting method
 * (geodesic.c); -MW_ENOCONVERGE is returned only if that fails too (not
 * observed). -EDOM for non-finite input or |lat| > pi/2.
 */
int geo_inverse(const struct geo_lla *p1, const struct geo_lla *p2, double *dist_m, double *az1_rad,
                double *az2_rad);
int geo_direct(const struct geo_lla *p1, double az1_rad, double dist_m, struct geo_lla *p2);

/*
 * Is tgt visible from obs, taking the Earth's curvature into account: the
 * straight line of sight must not pass through the ellipsoid raised by
 * clearance_m (e.g. terrain and refraction margin)? Only the part of the
 * segment strictly between the end points is tested, so an end point on
 * (or below) the raised surface does not mask itself: a ground station at
 * h = 0 sees a satellite overhead even with clearance_m > 0, but not one
 * whose line of sight skims lower than clearance_m above the surface.
 * 1 = visible, 0 = masked (also for non-finite input).
 */
int geo_visible(const double obs_ecef_m[3], const double tgt_ecef_m[3], double clearance_m);

#endif
