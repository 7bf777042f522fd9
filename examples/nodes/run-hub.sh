#!/usr/bin/env bash
# examples/nodes/run-hub.sh BUILD_DIR - run the hub deployment of
# examples/nodes/{rok,usa,jpn}.ini for a few seconds and show what each
# node received. For `make demo`; every step runs the real binaries.
#
#   1. a development PKI in run/pki (kept if it exists)
#   2. USA (the hub), ROK and JPN from the example configurations
#   3. 200 observations from a ROK sensor and 100 from a JPN sensor
#   4. what each journal holds, by origin: ROK releases observations to
#      USA only (tracks and alerts also to JPN), JPN releases them to USA
#      only, so the hub holds everything and neither spoke sees the
#      other's observations.
# Everything binds to 127.0.0.1; the nodes are stopped at the end.
set -euo pipefail
B=${1:-build-rel}
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
cd "$ROOT"
M="$B/src/cli/mwlink"
D="$B/src/daemon/mwlinkd"
# (a PKI from before sensor signing keys existed is replaced)
[ -f run/pki/kor/sensor-1.sign.key ] || "$M" keys --out run/pki --nations KOR,USA,JPN --force
rm -rf run/rok run/usa run/jpn
pids=()
cleanup() {
	for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
	wait 2>/dev/null || true
}
trap cleanup EXIT
for n in usa rok jpn; do
	mkdir -p "run/$n"
	"$D" --config "examples/nodes/$n.ini" --log-format text 2>"run/$n/node.log" &
	pids+=($!)
	sleep 0.3
done
sleep 1
grep -h "link up" run/*/node.log | sed 's/^/  /' || true
"$M" inject --connect 127.0.0.1:7502 --ca run/pki/ca.crt --cert run/pki/kor/sensor-1.crt \
	--key run/pki/kor/sensor-1.key --sign-key run/pki/kor/sensor-1.sign.key \
	--count 200 --rate 400 | sed 's/^/  ROK sensor: /'
"$M" inject --connect 127.0.0.1:7503 --ca run/pki/ca.crt --cert run/pki/jpn/sensor-1.crt \
	--key run/pki/jpn/sensor-1.key --sign-key run/pki/jpn/sensor-1.sign.key \
	--count 100 --rate 400 | sed 's/^/  JPN sensor: /'
sleep 1.5
cleanup
pids=()
for n in rok usa jpn; do
	printf '  %s journal: ' "$n"
	sqlite3 "run/$n/journal.db" \
		"SELECT group_concat(origin || ' ' || c, ', ') FROM (SELECT origin, count(*) c FROM env GROUP BY origin);"
done
