#!/usr/bin/env bash
# examples/nodes/run-demo.sh BUILD_DIR [SCENARIO] [SPEED] - the hub
# deployment of examples/nodes/{rok,usa,jpn}.ini fed by the simulator, for
# `make demo`. Every step runs the real binaries:
#
#   1. a development PKI in run/pki with 11 sensor certificates a nation
#      (the default scenario's US space sensors are numbers 10 and 11;
#      an older run/pki with fewer is recreated)
#   2. USA (the hub), ROK and JPN from the example configurations, fresh
#      journals in run/{usa,rok,jpn}
#   3. `mwlink sim SCENARIO --node-config <nation>.ini` three times at
#      once: each nation's simulated sensors feed that nation's node over
#      TLS with their sensor certificates, SPEED times faster than real time
#   4. every few seconds, what each node has journaled, by origin and kind
#      (`mwlink journal dump`); at the end `mwlink journal check`
#   5. the nodes are stopped (SIGTERM) and the script exits
#
# The example release rules let observations go to the US hub only and
# tracks everywhere (KOR and JPN tracks reach each other through the
# hub), so ROK and JPN end with their own observations and everyone's
# tracks, and USA with all of it. SPEED defaults to 20: at 100x a busy
# 2-core machine lets the node fall a second or two behind, which is
# minutes of data time, and the national trackers then see their own
# sensors' data out of order by more than they keep (tracks break).
# Everything binds to 127.0.0.1 (the example configurations); the fixed
# example ports 7401-7403, 7501-7503 and 8401-8403 (HTTP API) must be free.
#
# Simulated launches are never fed to a node as live data: the nodes run
# from copies of the example configurations in run/conf/ with
# `[ingest] exercise = yes`, so everything the demo journals is
# exercise-flagged (DESIGN invariant 6: exercise never becomes real).
set -euo pipefail
B=${1:-build-rel}
SCEN=${2:-examples/scenarios/irbm-over-japan.json}
SPEED=${3:-20}
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
cd "$ROOT"
M="$B/src/cli/mwlink"
D="$B/src/daemon/mwlinkd"

if [ ! -f run/pki/usa/sensor-11.crt ] || [ ! -f run/pki/jpn/node.crt ] ||
	[ ! -f run/pki/usa/sensor-11.sign.key ]; then
	"$M" keys --out run/pki --nations KOR,USA,JPN --sensors 11 --force
fi
rm -rf run/rok run/usa run/jpn run/sim-*.log run/conf
mkdir -p run/conf
for n in rok usa jpn; do
	# same configuration, exercise mode, paths re-rooted for run/conf/
	sed -e 's|\.\./\.\./run/|../|g' -e 's/^exercise *= *no$/exercise = yes/' \
		"examples/nodes/$n.ini" >"run/conf/$n.ini"
	grep -q '^exercise = yes$' "run/conf/$n.ini" || {
		echo "run/conf/$n.ini: could not switch [ingest] exercise on" >&2
		exit 1
	}
done

pids=()
sims=()
cleanup() {
	for p in "${sims[@]}" "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
	for p in "${sims[@]}" "${pids[@]}"; do wait "$p" 2>/dev/null || true; done
}
trap cleanup EXIT

# what a journal holds: "KOR exercise obs 452, USA exercise obs 1179" (kind
# 1 = observation, 2 = track, 3 = alert; wire/envelope.h; LIVE would mean
# not exercise-flagged)
summary() {
	local db=$1
	[ -f "$db" ] || { echo "(no journal yet)"; return; }
	"$M" journal dump "$db" 2>/dev/null | awk -F'\t' '
		NR > 1 { n[$2 " " ($5 == 1 ? "exercise " : "LIVE ") ($4 == 1 ? "obs" : $4 == 2 ? "track" : $4 == 3 ? "alert" : "kind" $4)]++ }
		END { for (k in n) print k " " n[k] }' | sort | paste -sd, | sed 's/,/, /g;s/^$/empty/'
}

for n in usa rok jpn; do
	mkdir -p "run/$n"
	"$D" --config "run/conf/$n.ini" --log-format text 2>"run/$n/node.log" &
	pids+=($!)
	for _ in $(seq 50); do
		grep -q "ready" "run/$n/node.log" 2>/dev/null && break
		if ! kill -0 "${pids[-1]}" 2>/dev/null; then
			echo "node $n did not start (are ports 7401-7403/7501-7503 free?):" >&2
			sed 's/^/  /' "run/$n/node.log" >&2
			exit 1
		fi
		sleep 0.1
	done
	grep -q "ready" "run/$n/node.log" || { echo "node $n not ready after 5 s" >&2; exit 1; }
	echo "  node $n started (pid ${pids[-1]}, log run/$n/node.log)"
done
for _ in $(seq 50); do
	up=0
	for n in rok jpn; do grep -q "link up" "run/$n/node.log" && up=$((up + 1)); done
	[ "$up" -ge 2 ] && break
	sleep 0.1
done
grep -h "link up" run/rok/node.log run/jpn/node.log | sed 's/^/  /' || true
# each node's HTTP API (docs/operations.md "HTTP API"), from its log
api_url() { sed -n 's|.*HTTP API on \(http://[^ ]*\) .*|\1|p' "run/$1/node.log" | head -n 1; }
for n in usa rok jpn; do
	u=$(api_url "$n")
	[ -n "$u" ] && echo "  $n HTTP API: ${u}metrics ${u}api/v1/health ${u}api/v1/links ${u}api/v1/tracks ${u}api/v1/events"
done

echo "  simulator: $SCEN at ${SPEED}x, each nation's sensors to its own node (exercise)"
for n in rok usa jpn; do
	nat=$(sed -n 's/^nation *= *//p' "run/conf/$n.ini" | head -n 1)
	low=$(echo "$nat" | tr 'A-Z' 'a-z')
	"$M" sim "$SCEN" --node-config "run/conf/$n.ini" --speed "$SPEED" \
		--cert "run/pki/$low/sensor-{id}.crt" --key "run/pki/$low/sensor-{id}.key" \
		--sign-key "run/pki/$low/sensor-{id}.sign.key" \
		>"run/sim-$n.log" 2>&1 &
	sims+=($!)
done

t0=$(date +%s)
running() { for p in "${sims[@]}"; do kill -0 "$p" 2>/dev/null && return 0; done; return 1; }
while running; do
	sleep 3
	el=$(($(date +%s) - t0))
	if [ "$el" -gt 110 ]; then
		echo "  the simulator is still running after 110 s: stopping it" >&2
		exit 1
	fi
	printf '  t+%3ss  ROK: %s | USA: %s | JPN: %s\n' "$el" "$(summary run/rok/journal.db)" \
		"$(summary run/usa/journal.db)" "$(summary run/jpn/journal.db)"
done
fail=0
for i in "${!sims[@]}"; do
	wait "${sims[$i]}" || fail=1
done
sims=()
for n in rok usa jpn; do
	grep -E "sent [0-9]+ observations|refus|cannot|failed|error" "run/sim-$n.log" |
		sed 's/^mwlink sim: /  sim -> '"$n"': /' || true
done
[ "$fail" = 0 ] || { echo "  a simulator feed failed (see above)" >&2; exit 1; }
sleep 1.5 # let the hub's links deliver the last envelopes
echo "  journals after the run (origin, kind, count):"
for n in rok usa jpn; do
	printf '    %-4s %s\n' "$n" "$(summary "run/$n/journal.db")"
done
if u=$(api_url usa) && [ -n "$u" ]; then
	echo "  USA's links as its HTTP API reports them (${u}api/v1/links, some fields):"
	python3 - "${u}api/v1/links" <<'EOP' | sed 's/^/    /' || true
import json, sys, urllib.request
d = json.load(urllib.request.urlopen(sys.argv[1], timeout=5))
for l in d["links"]:
    print(json.dumps({k: l[k] for k in ("name", "nation", "state", "rtt_ms", "backlog",
                                        "acked", "env_tx", "env_rx", "connects")}))
EOP
fi
echo "  national tracks as JPN received them through the US hub (newest three"
echo "  updates that carry an impact prediction; \`mwlink journal tracks\`):"
"$M" journal tracks run/jpn/journal.db | grep "impact" | tail -n 3 | sed 's/^/    /' ||
	echo "    (none with an impact prediction yet)"
cleanup
pids=()
for n in rok usa jpn; do
	if "$M" journal check "run/$n/journal.db" >"run/$n/check.txt" 2>&1; then
		echo "  journal check $n: clean ($(grep -m1 rows "run/$n/check.txt" | sed 's/^ *//' | tr -s ' ' | cut -c1-80))"
	else
		echo "  journal check $n: FAILED" >&2
		sed 's/^/    /' "run/$n/check.txt" >&2
		exit 1
	fi
done
