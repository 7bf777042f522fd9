/*
 * cli/cmd_geo.c - `mwlink geo`: WGS84 conversions, geodesics and the
 * standard atmosphere from the command line (src/geo/ exposed for
 * operators, exercise planners and the demo).
 *
 *   mwlink geo lla2ecef LAT_DEG LON_DEG H_M
 *   mwlink geo ecef2lla X_M Y_M Z_M
 *   mwlink geo inverse LAT1 LON1 LAT2 LON2      distance (km), azimuths (deg)
 *   mwlink geo direct LAT LON AZ_DEG DIST_KM    point reached
 *   mwlink geo atmo H_M                         US Standard Atmosphere 1976
 *
 * Output is one "name value unit" line per quantity on stdout. Exit
 * status: 0 ok, 1 the computation failed (e.g. a point at the Earth's
 * centre), 2 bad usage (message on stderr names the bad argument).
 */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "core/err.h"
#include "geo/geo.h"

static void geo_usage(FILE *f)
{
	fprintf(f,
	        "usage: mwlink geo SUBCOMMAND ARGS...\n"
	        "  lla2ecef LAT_DEG LON_DEG H_M       geodetic (WGS84) -> ECEF metres\n"
	        "  ecef2lla X_M Y_M Z_M               ECEF metres -> geodetic\n"
	        "  inverse LAT1 LON1 LAT2 LON2        geodesic distance (km) and azimuths (deg)\n"
	        "  direct LAT LON AZ_DEG DIST_KM      point reached along a geodesic\n"
	        "  atmo H_M                           US Standard Atmosphere 1976 at height\n"
	        "Angles in decimal degrees (north and east positive).\n");
}

/* Parse argv[i] as a finite double within [lo, hi]; on failure print why. */
static int parse_num(const char *what, const char *s, double lo, double hi, double *out)
{
	char *end = NULL;
	errno = 0;
	double v = strtod(s, &end);
	if (end == s || *end != '\0' || errno == ERANGE || !isfinite(v)) {
		fprintf(stderr, "mwlink geo: %s: expected a number, got '%s'\n", what, s);
		return -1;
	}
	if (v < lo || v > hi) {
		fprintf(stderr, "mwlink geo: %s: %s is outside [%g, %g]\n", what, s, lo, hi);
		return -1;
	}
	*out = v;
	return 0;
}

static int want_args(const char *sub, int argc, int n)
{
	if (argc != n + 2) {
		fprintf(stderr, "mwlink geo %s: expected %d arguments, got %d\n", sub, n, argc - 2);
		geo_usage(stderr);
		return -1;
	}
	return 0;
}

int cmd_geo(int argc, char **argv)
{
	if (argc < 2) {
		geo_usage(stderr);
		return 2;
	}
	const char *sub = argv[1];
	if (strcmp(sub, "--help") == 0 || strcmp(sub, "-h") == 0 || strcmp(sub, "help") == 0) {
		geo_usage(stdout);
		return 0;
	}
	if (strcmp(sub, "lla2ecef") == 0) {
		double lat, lon, h, r[3];
		if (want_args(sub, argc, 3) < 0 || parse_num("LAT_DEG", argv[2], -90, 90, &lat) ||
		    parse_num("LON_DEG", argv[3], -360, 360, &lon) ||
		    parse_num("H_M", argv[4], -1e7, 1e9, &h))
			return 2;
		struct geo_lla p = {geo_rad(lat), geo_rad(lon), h};
		geo_lla_to_ecef(&p, r);
		printf("x %.3f m\ny %.3f m\nz %.3f m\n", r[0], r[1], r[2]);
		return 0;
	}
	if (strcmp(sub, "ecef2lla") == 0) {
		double r[3];
		struct geo_lla p;
		if (want_args(sub, argc, 3) < 0 || parse_num("X_M", argv[2], -1e9, 1e9, &r[0]) ||
		    parse_num("Y_M", argv[3], -1e9, 1e9, &r[1]) ||
		    parse_num("Z_M", argv[4], -1e9, 1e9, &r[2]))
			return 2;
		int rc = geo_ecef_to_lla(r, &p);
		if (rc < 0) {
			fprintf(stderr,
			        "mwlink geo ecef2lla: %s (point within 1 m of the Earth's "
			        "centre has no latitude)\n",
			        mw_strerror(rc));
			return 1;
		}
		printf("lat %.9f deg\nlon %.9f deg\nh %.4f m\n", geo_deg(p.lat_rad),
		       geo_deg(p.lon_rad), p.h_m);
		return 0;
	}
	if (strcmp(sub, "inverse") == 0) {
		double v[4], s, a1, a2;
		static const char *names[] = {"LAT1", "LON1", "LAT2", "LON2"};
		if (want_args(sub, argc, 4) < 0)
			return 2;
		for (int i = 0; i < 4; i++)
			if (parse_num(names[i], argv[2 + i], (i % 2) ? -360 : -90,
			              (i % 2) ? 360 : 90, &v[i]))
				return 2;
		struct geo_lla p1 = {geo_rad(v[0]), geo_rad(v[1]), 0};
		struct geo_lla p2 = {geo_rad(v[2]), geo_rad(v[3]), 0};
		int rc = geo_inverse(&p1, &p2, &s, &a1, &a2);
		if (rc < 0) {
			fprintf(stderr, "mwlink geo inverse: %s\n", mw_strerror(rc));
			return 1;
		}
		printf("distance %.6f km\naz1 %.6f deg\naz2 %.6f deg\n", s / 1000.0, geo_deg(a1),
		       geo_deg(a2));
		return 0;
	}
	if (strcmp(sub, "direct") == 0) {
		double lat, lon, az, dist;
		struct geo_lla q;
		if (want_args(sub, argc, 4) < 0 || parse_num("LAT", argv[2], -90, 90, &lat) ||
		    parse_num("LON", argv[3], -360, 360, &lon) ||
		    parse_num("AZ_DEG", argv[4], -360, 360, &az) ||
		    parse_num("DIST_KM", argv[5], 0, 1e6, &dist))
			return 2;
		struct geo_lla p = {geo_rad(lat), geo_rad(lon), 0};
		int rc = geo_direct(&p, geo_rad(az), dist * 1000.0, &q);
		if (rc < 0) {
			fprintf(stderr, "mwlink geo direct: %s\n", mw_strerror(rc));
			return 1;
		}
		printf("lat %.9f deg\nlon %.9f deg\n", geo_deg(q.lat_rad), geo_deg(q.lon_rad));
		return 0;
	}
	if (strcmp(sub, "atmo") == 0) {
		double h;
		struct geo_atmo a;
		if (want_args(sub, argc, 1) < 0 || parse_num("H_M", argv[2], -5000, 1e9, &h))
			return 2;
		int rc = geo_atmosphere(h, &a);
		if (rc < 0) {
			fprintf(stderr, "mwlink geo atmo: %s\n", mw_strerror(rc));
			return 1;
		}
		printf("density %.6g kg/m^3\npressure %.6g Pa\ntemperature %.3f K\n"
		       "speed_of_sound %.2f m/s\n",
		       a.density_kg_m3, a.pressure_pa, a.temperature_k, a.speed_of_sound_m_s);
		return 0;
	}
	fprintf(stderr, "mwlink geo: unknown subcommand '%s'\n", sub);
	geo_usage(stderr);
	return 2;
}
