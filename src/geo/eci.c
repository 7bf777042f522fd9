/*
 * geo/eci.c - Earth rotation angle and ECEF <-> ECI.
 *
 * What it is for: ballistic flight is integrated most simply in an inertial
 * frame (no Coriolis or centrifugal terms), while sensors and outputs are
 * Earth-fixed. This file turns one into the other.
 *
 * How it works: the ECI frame here is ECEF rotated back about z by the
 * Earth rotation angle (ERA) of IERS Conventions 2010 eq. 5.15,
 *     ERA(Tu) = 2 pi (0.7790572732640 + 1.00273781191135448 Tu),
 *     Tu = JD(UT1) - 2451545.0,
 * evaluated with UT1 = UTC. Tu is split into whole days (exact, integer
 * nanoseconds) and the fraction of a day so the angle keeps ~1e-12 rad of
 * precision for any date within centuries of J2000.
 *     r_eci = Rz(-ERA) r_ecef,          v_eci = Rz(-ERA) (v_ecef + w x r_ecef)
 *     r_ecef = Rz(ERA) r_eci,           v_ecef = Rz(ERA) v_eci - w x r_ecef
 * with w = (0, 0, GEO_OMEGA_E_RAD_S) (TR8350.2 table 3.1).
 *
 * What is neglected, and what it costs:
 *  - Precession (~50"/yr) and nutation (18.6 yr term 17", shorter terms
 *    ~1"): the frame is not GCRF/J2000 but a frame whose z axis is the
 *    Earth-fixed pole. Its orientation error against GCRF is up to
 *    ~0.4 deg in 2026 (irrelevant inside mwlink, which never compares ECI
 *    vectors with external catalogues); its *rotation rate* against a truly
 *    inertial frame is ~1e-11 rad/s, so the fictitious acceleration is
 *    ~|v| * 1e-11 ~ 1e-7 m/s^2 for 7 km/s, i.e. < 1 m of position error
 *    after a 1 h flight, and ~1 cm after a 10 min flight.
 *  - Polar motion (~0.3" = 1.5e-6 rad, ~10 m at the surface): the rotation
 *    axis is taken as the ECEF z axis. This tilts w by 1.5e-6 rad: the
 *    error in w x r is ~0.7 mm/s at the surface and in the centrifugal
 *    acceleration ~5e-8 m/s^2, < 1 m after 1 h.
 *  - UT1-UTC (|UT1-UTC| < 0.9 s by definition of UTC): ERA is off by up to
 *    0.9 s * w = 6.6e-5 rad (~420 m at the equator). This is a constant
 *    rotation of the whole ECI frame during a flight; because every
 *    mwlink conversion uses the same ERA for a given t_ns, ECEF -> ECI ->
 *    ECEF round trips are exact and flight dynamics are unaffected. It
 *    only matters if ECI vectors were exchanged with systems using UT1.
 *  Over a flight of < 1 h the combined effect on an ECEF trajectory is
 *  therefore well under 1 m, far below sensor noise (tens of metres).
 *
 * Invariants:
 *  1. geo_era_rad returns a value in [0, 2 pi).
 *  2. geo_eci_to_ecef(t, geo_ecef_to_eci(t, r, v)) = (r, v) to rounding.
 *  3. A point fixed on the Earth has ECI speed |w| * distance from the
 *     z axis.
 */
#include "geo/geo.h"

#include <math.h>

/* J2000.0 epoch with UT1 = UTC: 2000-01-01T12:00:00 UTC = Unix 946728000 s
 * = 10957 days + 43200 s. */
#define GEO_J2000_DAYS   10957LL
#define GEO_J2000_REM_NS 43200000000000LL
#define GEO_DAY_NS       86400000000000LL

double geo_era_rad(int64_t t_ns)
{
	/* Split t - J2000 into whole days and a remainder in [0, 1 day)
	 * without overflow for any int64 t_ns: split t_ns first, then subtract
	 * J2000 = 10957 days + 43200 s after the Unix epoch. */
	int64_t days = t_ns / GEO_DAY_NS - GEO_J2000_DAYS;
	int64_t rem = t_ns % GEO_DAY_NS - GEO_J2000_REM_NS; /* (-2 days, 1 day) */
	while (rem < 0) {
		rem += GEO_DAY_NS;
		days -= 1;
	}
	double frac = (double)rem / (double)GEO_DAY_NS;
	double tu = (double)days + frac;
	/* 1.00273781191135448 Tu = Tu + 0.00273781191135448 Tu; the whole
	 * days of the first term are whole turns and drop out. */
	double turns = 0.7790572732640 + frac + 0.00273781191135448 * tu;
	turns -= floor(turns);
	double era = 2.0 * GEO_PI * turns;
	if (era >= 2.0 * GEO_PI)
		era -= 2.0 * GEO_PI;
	if (era < 0.0)
		era = 0.0;
	return era;
}

/* out = Rz(ang) in, where Rz(ang) rotates the frame (not the vector) by ang:
 * x' = cos x + sin y, y' = -sin x + cos y. */
static void rot_z(double ang, const double in[3], double out[3])
{
	double c = cos(ang), s = sin(ang);
	double x = c * in[0] + s * in[1];
	double y = -s * in[0] + c * in[1];
	out[0] = x;
	out[1] = y;
	out[2] = in[2];
}

void geo_ecef_to_eci(int64_t t_ns, const double r_ecef[3], const double v_ecef[3], double r_eci[3],
                     double v_eci[3])
{
	double era = geo_era_rad(t_ns);
	const double w = GEO_OMEGA_E_RAD_S;
	double vi[3] = {v_ecef[0] - w * r_ecef[1], v_ecef[1] + w * r_ecef[0], v_ecef[2]};
	double r[3];

	rot_z(-era, r_ecef, r);
	rot_z(-era, vi, v_eci);
	r_eci[0] = r[0];
	r_eci[1] = r[1];
	r_eci[2] = r[2];
}

void geo_eci_to_ecef(int64_t t_ns, const double r_eci[3], const double v_eci[3], double r_ecef[3],
                     double v_ecef[3])
{
	double era = geo_era_rad(t_ns);
	const double w = GEO_OMEGA_E_RAD_S;
	double r[3], v[3];

	rot_z(era, r_eci, r);
	rot_z(era, v_eci, v);
	v_ecef[0] = v[0] + w * r[1];
	v_ecef[1] = v[1] - w * r[0];
	v_ecef[2] = v[2];
	r_ecef[0] = r[0];
	r_ecef[1] = r[1];
	r_ecef[2] = r[2];
}
