#!/usr/bin/env bash
# tests/integration/cli_geo.sh MWLINK - runs the real `mwlink geo` binary and
# checks its output and exit statuses (0 ok, 1 failed, 2 usage).
set -u
M=$1
. "$(dirname "$0")/check.sh"
check "lla2ecef at (0,0,0) is (a,0,0)" 0 "x 6378137.000 m" "$M" geo lla2ecef 0 0 0
check "lla2ecef at the north pole is z = b" 0 "z 6356752.314 m" "$M" geo lla2ecef 90 45 0
check "ecef2lla back to the demo point" 0 "lat 39.030000" \
	"$M" geo ecef2lla -2898597.393 4026405.776 3994904.738
# GeographicLib README: Wellington to Salamanca 19959679.267 m
check "inverse Wellington-Salamanca" 0 "distance 19959.679267 km" \
	"$M" geo inverse -41.32 174.81 40.96 -5.50
# GeographicLib README: 20000 km SW of Perth is (32.11195529, -63.95925278)
check "direct from Perth" 0 "lat 32.111955" "$M" geo direct -32.06 115.74 225 20000
check "atmo at sea level (US 1976: 1.225 kg/m^3)" 0 "density 1.225 kg/m^3" "$M" geo atmo 0
check "ecef2lla at the centre fails" 1 "centre" "$M" geo ecef2lla 0 0 0
check "latitude out of range is usage" 2 "LAT_DEG" "$M" geo lla2ecef 91 0 0
check "non-number is usage" 2 "expected a number" "$M" geo atmo abc
check "missing argument is usage" 2 "expected 4 arguments" "$M" geo inverse 1 2 3
check "unknown subcommand is usage" 2 "unknown subcommand" "$M" geo frobnicate
check "below -5 km is usage" 2 "H_M" "$M" geo atmo -6000
check "--help exits 0" 0 "lla2ecef" "$M" geo --help
check "listed in mwlink help" 0 "  geo " "$M" help
check_done
