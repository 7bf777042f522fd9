#!/usr/bin/env bash
# tests/integration/cli_sim.sh MWLINK SRCDIR - runs the real `mwlink sim`
# binary on the example scenarios: deterministic output for a seed,
# different output for another seed, the options, and errors that name
# the JSON path (exit statuses: 0 ok, 1 failed, 2 usage).
set -u
M=$1
S=${2:-.}/examples/scenarios
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
. "$(dirname "$0")/check.sh"

check "irbm run 1" 0 "" "$M" sim "$S/irbm-over-japan.json" --out "$T/a.ndjson" --quiet
check "irbm run 2, same seed" 0 "" "$M" sim "$S/irbm-over-japan.json" --out "$T/b.ndjson" --quiet
check "irbm run 3, seed 2" 0 "" "$M" sim "$S/irbm-over-japan.json" --out "$T/c.ndjson" --quiet --seed 2
if cmp -s "$T/a.ndjson" "$T/b.ndjson"; then ok "same seed, same bytes"; else bad "same seed gave different output"; fi
if cmp -s "$T/a.ndjson" "$T/c.ndjson"; then bad "seed 2 gave the same output"; else ok "other seed, other bytes"; fi
n=$(wc -l <"$T/a.ndjson")
if [ "$n" -gt 1000 ]; then ok "irbm output has $n lines"; else bad "irbm output has only $n lines"; fi
if head -n 1 "$T/a.ndjson" | grep -q '^{"type":"run","scenario":"irbm-over-japan"'; then
	ok "first line is the run"
else
	bad "first line: $(head -n 1 "$T/a.ndjson")"
fi
if grep -q '"type":"object".*"class":"IRBM".*"range_km":4[56][0-9][0-9]\.' "$T/a.ndjson" &&
	grep -q '"phase":"impacted"' "$T/a.ndjson"; then
	ok "object line with a ~4,600 km range, impact sample present"
else
	bad "object/impact lines missing"
fi
"$M" sim "$S/irbm-over-japan.json" --quiet --truth-step 0 >"$T/d.ndjson"
if grep -q '"type":"truth"' "$T/d.ndjson"; then bad "--truth-step 0 still wrote truth"; else ok "--truth-step 0: no truth"; fi
if python3 -c "
import json,sys
n=0
for l in open(sys.argv[1]):
    json.loads(l); n+=1
assert n>1000
" "$T/a.ndjson"; then ok "every line is JSON"; else bad "invalid JSON line"; fi

python3 - "$S/irbm-over-japan.json" "$T" <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
d["nations"][0]["sensors"][0]["max_range_km"] = "800"
json.dump(d, open(sys.argv[2] + "/bad-type.json", "w"))
d = json.load(open(sys.argv[1]))
d["launches"][0]["aim"] = {"azimuth_deg": 84, "range_km": 9000, "apogee_km": 900}
json.dump(d, open(sys.argv[2] + "/bad-range.json", "w"))
open(sys.argv[2] + "/bad-json.json", "w").write('{"name": "x",,}')
PY
check "wrong type names the JSON path" 1 '$.nations[0].sensors[0].max_range_km: expected a number' \
	"$M" sim "$T/bad-type.json" --quiet
check "out of envelope names the launch" 1 "\$.launches[0] (IRBM-1): range 9000 km is beyond the IRBM's maximum" \
	"$M" sim "$T/bad-range.json" --quiet
check "malformed JSON gives line:column" 1 "bad-json.json:1:" "$M" sim "$T/bad-json.json"
check "missing file" 1 "cannot open" "$M" sim "$T/none.json"
check "unknown option is usage" 2 "unknown option '--bogus'" "$M" sim "$S/irbm-over-japan.json" --bogus
check "bad seed is usage" 2 "--seed: expected an integer" "$M" sim "$S/irbm-over-japan.json" --seed x
check "no scenario is usage" 2 "no scenario file given" "$M" sim
check "--help exits 0" 0 "--truth-step" "$M" sim --help
check "listed in mwlink help" 0 "  sim " "$M" help
check "salvo of 8 runs, summary on stderr" 0 "8 objects" "$M" sim "$S/srbm-salvo-south-korea.json" --out "$T/e.ndjson"

check_done
