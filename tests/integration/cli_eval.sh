#!/usr/bin/env bash
# tests/integration/cli_eval.sh MWLINK SRCDIR - runs the real `mwlink eval`
# on the IRBM scenario with and without --nation (and the stated gravity-
# model error against a J2 and a J4 truth): a national run feeds the
# tracker only that nation's sensors (JPN's radars see the IRBM from about
# 120 s after launch, the alliance's sensors from about 60 s), records the
# nation in the JSON, and bad codes are refused with a message (exit
# statuses: 0 ok, 1 failed, 2 usage); the per-launch "launches" and the
# coast draws agree with the bins and scripts/eval-merge sums them.
set -u
M=$1
S=${2:-.}/examples/scenarios
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
. "$(dirname "$0")/check.sh"

check "all sensors, 1 run" 0 "objects 1: confirmed 1" \
	"$M" eval "$S/irbm-over-japan.json" --runs 1 --json "$T/all.json" --rtn "$T/all.rtn"
# A false alarm's km-wide tentative track took the missile's space-IR rays
# (the joint assignment compares d^2 alone) and two sensors' rays
# confirmed it: a second warning on one missile for 30 s (session 8; rays
# gated by a confirmed track now count for no confirmation).
check "ICBM seed 88: no second confirmed track on the missile" 0 \
	"object-times claimed by a second confirmed track 0" \
	"$M" eval "$S/icbm-lofted-sea-of-japan.json" --runs 1 --seed 88
# A GEO early-warning sensor's ray of a burning IRBM passed through a
# midcourse SRBM track's predicted position, and that track took it: 2
# swaps, 1 break, 1 duplicate (session 15). The sensor sees plumes only and
# says so; a ballistic track takes no plume (docs/tracking.md,
# "Plumes-only lines of sight").
check "mixed exercise seed 126: no track takes another object's plume" 0 \
	"track breaks 0 (and 0 burnout hand-overs to a linked number), swaps 0" \
	bash -c 'set -o pipefail; "$0" eval "$1" --runs 1 --seed 126 | tee "$2"' \
	"$M" "$S/mixed-exercise.json" "$T/m126.txt"
check "mixed exercise seed 126: no duplicate track" 0 \
	"object-times claimed by a second confirmed track 0" cat "$T/m126.txt"
# Space sensors alone, six of them in low orbit (session 17): the track
# holds through midcourse and the PCRLB, which starts from the first line
# of sight, is printed in every midcourse bin (it waited for a radar plot
# before, so this scenario had none).
check "tracking layer alone, 2 runs: one track each" 0 \
	"track breaks 0 (and 0 burnout hand-overs to a linked number), swaps 0" \
	"$M" eval "$S/irbm-tracking-layer.json" --runs 2 --json "$T/tl.json"
check "tracking layer: a PCRLB in every midcourse bin" 0 "bound in every midcourse bin" \
	python3 -c '
import json, sys
b = [x for x in json.load(open(sys.argv[1]))["bins"] if x.get("n_midcourse")]
ok = len(b) > 100 and all(x.get("n_pcrlb") == x["n"] and x["pcrlb_pos_m"] > 0 for x in b)
print("bound in every midcourse bin" if ok else "bins without a bound", len(b))
sys.exit(0 if ok else 1)' "$T/tl.json"
check "JPN's sensors only, 1 run" 0 "objects 1: confirmed 1" \
	"$M" eval "$S/irbm-over-japan.json" --runs 1 --nation JPN --json "$T/jpn.json"
check "--nation with a lower-case code" 2 "expected a three-letter upper-case nation code" \
	"$M" eval "$S/irbm-over-japan.json" --runs 1 --nation jpn
check "--nation with a two-letter code" 2 "expected a three-letter upper-case nation code" \
	"$M" eval "$S/irbm-over-japan.json" --runs 1 --nation JP
check "--nation without a value" 2 "unknown or incomplete option '--nation'" \
	"$M" eval "$S/irbm-over-japan.json" --nation
check "--nation of a nation with no sensor in the scenario" 1 "the scenario has no sensor of CHN" \
	"$M" eval "$S/irbm-over-japan.json" --runs 1 --nation CHN
check "--grav-err with an unknown name" 2 "expected none, j3j4 or egm96" \
	"$M" eval "$S/irbm-over-japan.json" --runs 1 --grav-err j5
check "--bound-thrust with an unknown name" 2 "--bound-thrust 'knwn': expected known or est" \
	"$M" eval "$S/irbm-over-japan.json" --runs 1 --bound-thrust knwn
check "--beta-prior with an unknown class" 2 "expected CLASS=LO:HI or CLASS=flat" \
	"$M" eval "$S/irbm-over-japan.json" --runs 1 --beta-prior XRBM=5000:15000
check "--beta-prior with LO above HI" 2 "expected LO:HI in kg/m^2 with 0 < LO < HI" \
	"$M" eval "$S/irbm-over-japan.json" --runs 1 --beta-prior IRBM=15000:5000
check "--beta-prior without HI" 2 "expected LO:HI in kg/m^2 with 0 < LO < HI" \
	"$M" eval "$S/irbm-over-japan.json" --runs 1 --beta-prior IRBM=5000
# the diagnoses of session 8 (coast2): IRBM=flat drops the IRBM's drag
# prior (k 1.20 +- 0.34 -> the flat 1 +- 1); --q-ballistic sets the
# ballistic q, --q-boost (session 11, bq) the boost mode's isotropic q
# (given here at its default, 25), --bound-thrust (session 21) whether
# the PCRLB learns the thrust (est, the default) or knows it; all
# recorded in the JSON
check "--q-ballistic out of range" 2 "--q-ballistic: expected a number in" \
	"$M" eval "$S/irbm-over-japan.json" --runs 1 --q-ballistic 0
check "--q-boost out of range" 2 "--q-boost: expected a number in" \
	"$M" eval "$S/irbm-over-japan.json" --runs 1 --q-boost 0
check "--beta-prior IRBM=flat, 1 run" 0 "objects 1: confirmed 1" \
	"$M" eval "$S/irbm-over-japan.json" --runs 1 --beta-prior IRBM=flat --q-ballistic 3e-12 \
	--q-boost 25 --bound-thrust known --json "$T/flat.json" --rtn "$T/flat.rtn"
out=$(python3 - "$T/all.json" "$T/all.rtn" "$T/flat.json" "$T/flat.rtn" <<'PY'
import json, sys
a = json.load(open(sys.argv[1]))
f = json.load(open(sys.argv[3]))
ra = [json.loads(l) for l in open(sys.argv[2])]
rf = [json.loads(l) for l in open(sys.argv[4])]
bad = []
if "beta_prior" in a or f.get("beta_prior") != "IRBM=flat":
    bad.append(f"JSON beta_prior: default {a.get('beta_prior')!r}, flat {f.get('beta_prior')!r}")
if "q_ballistic_m2_s3" in a or f.get("q_ballistic_m2_s3") != 3e-12:
    bad.append(f"JSON q_ballistic_m2_s3: default {a.get('q_ballistic_m2_s3')!r}, "
               f"given {f.get('q_ballistic_m2_s3')!r}")
if "q_boost_m2_s3" in a or f.get("q_boost_m2_s3") != 25.0:
    bad.append(f"JSON q_boost_m2_s3: default {a.get('q_boost_m2_s3')!r}, "
               f"given {f.get('q_boost_m2_s3')!r}")
if a.get("bound_thrust") != "est" or f.get("bound_thrust") != "known":
    bad.append(f"JSON bound_thrust: default {a.get('bound_thrust')!r}, "
               f"given known {f.get('bound_thrust')!r}")
if not ra or any(r.get("id") != a["launches"][0]["id"] or r.get("class") != "IRBM"
                 or r.get("mid") not in (0, 1)
                 or not (r.get("sigma_k", 0) > 0 and r.get("k_true", 0) > 0) for r in ra):
    bad.append("--rtn lines without the object's id, class, phase, sigma_k or true k")
if not any(r["mid"] for r in ra) or all(r["mid"] for r in ra):
    bad.append("--rtn: no midcourse sample, or only midcourse samples (boost is scored too)")
# over the exo-atmospheric coast nothing measures k: sigma_k is the prior's
ka = [r["sigma_k"] for r in ra if r["t"] == 800.0]
kf = [r["sigma_k"] for r in rf if r["t"] == 800.0]
# (flat: N(1, 1) given k > 0, 1.2876 +- 0.7935, tracker.h track_k_positive_moments)
if not (ka and kf and abs(ka[0] - 0.34) < 0.02 and abs(kf[0] - 0.7935) < 0.05):
    bad.append(f"sigma_k at 800 s: default {ka}, flat {kf}; want ~0.34 and ~0.79")
print("; ".join(bad) if bad else
      f"sigma_k over the coast {ka[0]:.3f} (class prior) and {kf[0]:.3f} (IRBM=flat)")
sys.exit(1 if bad else 0)
PY
)
if [ $? -eq 0 ]; then ok "$out"; else bad "$out"; fi
# scripts/rtn-runs --by-id (session 10, mixcls): one line per object whose
# d6 parts add up to the block's ANEES - 6 and whose samples are the block's
out=$(python3 - "${2:-.}/scripts/rtn-runs" "$T/all.rtn" <<'PY'
import re, subprocess, sys
r = subprocess.run([sys.argv[1], sys.argv[2], "--mid", "--by-id", "--boot", "200"],
                   capture_output=True, text=True)
pooled = re.search(r"pooled over .*?: (\d+) samples, (\d+) runs, ANEES ([0-9.]+)", r.stdout)
objs = re.findall(r"^  (\d+) (\S+) +n +(\d+) runs +(\d+) ANEES +([0-9.]+) .*? d6 ([-+][0-9.]+)",
                  r.stdout, re.M)
bad = []
if r.returncode != 0 or not pooled or not objs:
    bad.append(f"rtn-runs --by-id: status {r.returncode}, pooled line {bool(pooled)}, "
               f"{len(objs)} object lines: {r.stderr.strip()[:200]}")
else:
    n, a = int(pooled.group(1)), float(pooled.group(3))
    if sum(int(o[2]) for o in objs) != n:
        bad.append(f"object samples {[o[2] for o in objs]} do not add up to {n}")
    if abs(sum(float(o[5]) for o in objs) - (a - 6.0)) > 0.002 * len(objs) + 0.006:
        bad.append(f"d6 parts {[o[5] for o in objs]} do not add up to ANEES - 6 = {a - 6:.3f}")
    if any(o[1] != "IRBM" for o in objs):
        bad.append(f"object classes {[o[1] for o in objs]}, want IRBM")
print("; ".join(bad) if bad else
      f"rtn-runs --by-id: {len(objs)} object line(s), d6 adds up to ANEES - 6")
sys.exit(1 if bad else 0)
PY
)
if [ $? -eq 0 ]; then ok "$out"; else bad "$out"; fi
# scripts/rtn-coast (session 11, reacq): the IRBM's unobserved coast paired
# with the end of its arc - a linear map keeps a sample's NEES, and 300-600
# s into the coast the prediction still is one (to 1e-3)
out=$(python3 - "${2:-.}/scripts/rtn-coast" "$T/all.rtn" <<'PY'
import re, subprocess, sys
r = subprocess.run([sys.argv[1], sys.argv[2], "--class", "IRBM"], capture_output=True, text=True)
anc = re.search(r"^anchor 0 +(\d+) +(\d+) +([0-9.]+) ", r.stdout, re.M)
c3 = re.search(r"^coast 300 +(\d+) +(\d+) +([0-9.]+) +([-0-9.]+)\(", r.stdout, re.M)
bad = []
if r.returncode != 0 or not anc or not c3:
    bad.append(f"rtn-coast: status {r.returncode}, anchor line {bool(anc)}, 300-s line "
               f"{bool(c3)}: {r.stderr.strip()[:200]}")
elif not abs(float(c3.group(4))) < 1e-3:
    bad.append(f"rtn-coast: NEES 300-600 s into the coast moved by {c3.group(4)} from the "
               f"arc's end {anc.group(3)}, want < 1e-3")
print("; ".join(bad) if bad else
      f"rtn-coast: arc's end NEES {anc.group(3)}, 300-600 s into the coast {c3.group(3)}")
sys.exit(1 if bad else 0)
PY
)
if [ $? -eq 0 ]; then ok "$out"; else bad "$out"; fi
# the tracker's stated gravity error follows the scenario's truth unless told
python3 - "$S/irbm-over-japan.json" "$T/j4.json" <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
d["truth_gravity"] = "j4"
json.dump(d, open(sys.argv[2], "w"))
PY
check "a j4 truth: the tracker states J3/J4" 0 "gravity-model error stated: j3j4" \
	"$M" eval "$T/j4.json" --runs 1 --json "$T/j4-eval.json"
check "a j4 truth with --grav-err egm96" 0 "gravity-model error stated: egm96" \
	"$M" eval "$T/j4.json" --runs 1 --grav-err egm96
check "the default truth: the tracker states none" 0 "gravity-model error stated: none" \
	"$M" eval "$S/irbm-over-japan.json" --runs 1 --nation KOR
out=$(python3 - "$T/all.json" "$T/jpn.json" <<'PY'
import json, sys
a = json.load(open(sys.argv[1]))
j = json.load(open(sys.argv[2]))
fa = a["bins"][0]["t_since_launch_s"]
fj = j["bins"][0]["t_since_launch_s"]
bad = []
if "nation" in a:
    bad.append(f"all-sensor run names a nation: {a['nation']}")
if a.get("grav_err") != "none":
    bad.append(f"default run's JSON grav_err is {a.get('grav_err')!r}, want 'none'")
if j.get("nation") != "JPN":
    bad.append(f"national run's JSON nation is {j.get('nation')!r}, want 'JPN'")
if not (fa <= 80 and fj >= 100):
    bad.append(f"first scored bin {fa} s (all sensors, want <= 80) and {fj} s (JPN, want >= 100)")
# midcourse samples split (session 6, srbm): position / velocity NEES,
# the boost-mode samples, the drag parameter against the run's own RV
nm = nk = 0
for b in a["bins"]:
    n = b.get("n_midcourse", 0)
    if not n:
        continue
    nm += 1
    if not ("anees_midcourse_pos" in b and "anees_midcourse_vel" in b
            and 0 <= b.get("n_midcourse_boost_mode", -1) <= n):
        bad.append(f"bin {b['t_since_launch_s']}: midcourse split missing or inconsistent")
    if b.get("n_midcourse_k"):
        nk += 1
        if not (b["n_midcourse_k"] <= n and b["k_sigma_midcourse"] > 0
                and 0 <= b["k_sigma_point_below_zero_midcourse"] <= 1
                and b["k_nees_midcourse"] >= 0):
            bad.append(f"bin {b['t_since_launch_s']}: k fields inconsistent")
if nm == 0 or nk == 0:
    bad.append(f"no midcourse bins with the split ({nm}) or with k fields ({nk})")
print("; ".join(bad) if bad else f"first scored bin {fa:.0f} s with all sensors, {fj:.0f} s with JPN's")
sys.exit(1 if bad else 0)
PY
)
if [ $? -eq 0 ]; then ok "$out"; else bad "$out"; fi
# which objects miss (session 7, mixcov): per launch "launches" and the
# coast draws, consistent with the bins, and merged by scripts/eval-merge
out=$(python3 - "$T/all.json" "${2:-.}/scripts/eval-merge" "$T/m.json" <<'PY'
import json, subprocess, sys
a = json.load(open(sys.argv[1]))
bad = []
ls = a.get("launches", [])
if len(ls) != 1 or ls[0]["class"] != "IRBM":
    bad.append(f"launches: {ls!r}, want the one IRBM")
else:
    x = ls[0]
    nb = sum(b.get("n_impact_after_burnout", 0) for b in a["bins"])
    ni = sum(round(b["impact_cover95_after_burnout"] * b["n_impact_after_burnout"])
             for b in a["bins"] if b.get("n_impact_after_burnout"))
    if (x["n_impact_after_burnout"], x["n_inside95_after_burnout"]) != (nb, ni):
        bad.append(f"launch counts {x['n_impact_after_burnout']}/{x['n_inside95_after_burnout']}"
                   f" != the bins' {nb}/{ni}")
    if not 0 <= x["n_impure_after_burnout"] <= x["n_impact_after_burnout"]:
        bad.append("impure count out of range")
    cd = a.get("coast_draws", [])
    if len(cd) != x["n_coast_draws"] or any(c["id"] != x["id"] for c in cd):
        bad.append(f"{len(cd)} coast draws, launch says {x['n_coast_draws']}")
    if any(not (c["d2"] >= 0 and c["t_burnout_s"] < c["t_update_s"]
                and c["inside95"] == (c["d2"] <= 2.4477468306808166 ** 2)) for c in cd):
        bad.append(f"a coast draw is inconsistent: {cd!r}")
subprocess.run([sys.argv[2], sys.argv[3], sys.argv[1], sys.argv[1]], check=True)
m = json.load(open(sys.argv[3]))
if "launches" in m and ls:
    x = m["launches"][0]
    if (x["n_impact_after_burnout"] != 2 * ls[0]["n_impact_after_burnout"]
            or len(m["coast_draws"]) != 2 * len(a["coast_draws"])):
        bad.append("eval-merge does not sum the launches or join the coast draws")
else:
    bad.append("eval-merge dropped the launches")
print("; ".join(bad) if bad else
      f"launches and {len(a['coast_draws'])} coast draws consistent with the bins, merged")
sys.exit(1 if bad else 0)
PY
)
if [ $? -eq 0 ]; then ok "$out"; else bad "$out"; fi
# --plots and --feed-class (session 11, mixmrbm): diagnosis only - the
# eval's JSON is the same with --plots, and with the scenario's one class
# fed (the JSON records feed_class); each plot line names a fate, and
# scripts/plot-fate splits them
check "--plots, 1 run" 0 "objects 1: confirmed 1" \
	"$M" eval "$S/irbm-over-japan.json" --runs 1 --json "$T/plots.json" --plots "$T/plots.jsonl"
check "--feed-class IRBM (the only class), 1 run" 0 "objects 1: confirmed 1" \
	"$M" eval "$S/irbm-over-japan.json" --runs 1 --json "$T/feed.json" --feed-class IRBM
check "--feed-class SRBM (no such object): nothing tracked" 0 "objects 1: confirmed 0" \
	"$M" eval "$S/irbm-over-japan.json" --runs 1 --feed-class SRBM
check "--feed-class with an unknown class" 2 "expected one of SRBM, MRBM, IRBM, ICBM" \
	"$M" eval "$S/irbm-over-japan.json" --runs 1 --feed-class Irbm
out=$(python3 - "$T/all.json" "$T/plots.json" "$T/feed.json" "$T/plots.jsonl" \
	"${2:-.}/scripts/plot-fate" <<'PY'
import json, subprocess, sys
bad = []
ref = open(sys.argv[1], "rb").read()
if open(sys.argv[2], "rb").read() != ref:
    bad.append("--plots: JSON differs from the plain run's")
a, fc = json.load(open(sys.argv[1])), json.load(open(sys.argv[3]))
if fc.pop("feed_class", None) != "IRBM" or fc != a:
    bad.append("--feed-class IRBM: JSON is not the plain run's with feed_class IRBM")
rows = [json.loads(l) for l in open(sys.argv[4])]
fates = {"got", "conf", "tent", "start", "free"}
if not rows or any(r["fate"] not in fates or r["cls"] != "IRBM" or r["u"] < 0 for r in rows):
    bad.append(f"{len(rows)} plot lines, or a bad fate, class or noise")
else:
    got = sum(r["fate"] == "got" for r in rows) / len(rows)
    if got < 0.99:
        bad.append(f"the own track got {got:.4f} of the plots")
    u = sum(r["u"] / r["nz"] for r in rows) / len(rows)
    if not 0.9 < u < 1.1:
        bad.append(f"mean u/nz {u:.3f}, want ~1")
r = subprocess.run([sys.argv[5], sys.argv[4], "--by-id"], capture_output=True, text=True)
if r.returncode != 0 or "IRBM" not in r.stdout:
    bad.append(f"plot-fate: status {r.returncode}: {r.stderr.strip()[:200]}")
print("; ".join(bad) if bad else
      f"JSON unchanged by --plots and --feed-class IRBM; {len(rows)} plot lines, got {got:.4f}")
sys.exit(1 if bad else 0)
PY
)
if [ $? -eq 0 ]; then ok "$out"; else bad "$out"; fi
# --start-after-burnout (session 18): the tracker and the bound get each
# object's plots only from S s after its burnout, so the track starts in
# midcourse: the plain run scores boost samples from 60 s, this one none.
check "--start-after-burnout 5, 1 run" 0 "objects 1: confirmed 1" \
	"$M" eval "$S/irbm-over-japan.json" --runs 1 --json "$T/sab.json" --start-after-burnout 5
check "--start-after-burnout with a negative time" 2 \
	"--start-after-burnout: expected a number in [0, 100000], got '-1'" \
	"$M" eval "$S/irbm-over-japan.json" --runs 1 --start-after-burnout -1
check "--start-after-burnout: the track starts after burnout" 0 "no boost sample" \
	python3 -c '
import json, sys
a, s = (json.load(open(f)) for f in sys.argv[1:3])
boost = [x["t_since_launch_s"] for x in a["bins"] if x["n_midcourse"] < x["n"] and x["t_since_launch_s"] < 500]
first = s["bins"][0]
ok = (boost and s.get("start_after_burnout_s") == 5 and first["t_since_launch_s"] > max(boost)
      and first["n_midcourse"] == first["n"] and len(s["bins"]) > 100)
t0 = first["t_since_launch_s"]
if ok:
    print(f"no boost sample: first bin {t0:.0f} s, last boost bin of the plain run {max(boost):.0f} s")
else:
    print("a boost sample, or no record of the option:", boost[:3], first["t_since_launch_s"])
sys.exit(0 if ok else 1)' "$T/all.json" "$T/sab.json"
# --trace prints the tracks before the observation's scan is processed; a
# scan still buffered (session 19: session 18 read a plot that had joined
# a track as lost) is named, with its time, before them.
check "--trace names the scan not yet processed" 0 \
	"  (not yet processed: 1 observation of the scan USA/10 at t+45.191 s; the tracks below do not include it)" \
	"$M" eval "$S/irbm-over-japan.json" --runs 1 --trace 1
# scripts/track-accept (make accept-track): the chunks run, merge and are
# checked; two seeds leave no coverage bin with 10 predictions, which is
# "too few samples" (exit 1), never a pass; bad arguments exit 2.
check "track-accept, IRBM at 2 seeds in 2 chunks: too few samples" 1 \
	"/117 | 0/0 |" \
	"${2:-.}/scripts/track-accept" --mwlink "$M" --out "$T/acc" --seeds 2 --chunk 1 \
	--scenario irbm-over-japan
out=$(python3 - "$T/acc" <<'PY'
import json, os, sys
d = json.load(open(os.path.join(sys.argv[1], "irbm-over-japan.json")))
s = open(os.path.join(sys.argv[1], "summary.txt")).read()
bad = []
if d.get("runs") != 2 or d.get("merged_from") != 2:
    bad.append(f"merged runs {d.get('runs')} from {d.get('merged_from')} chunks, want 2 from 2")
if "too few samples" not in s or "criteria NOT met" not in s:
    bad.append("summary.txt lacks the verdict")
if not os.path.getsize(os.path.join(sys.argv[1], "irbm-over-japan.accept.txt")):
    bad.append("no eval-accept report")
print("; ".join(bad) if bad else "track-accept merged 2 chunks into 2 runs, report and summary written")
sys.exit(1 if bad else 0)
PY
)
if [ $? -eq 0 ]; then ok "$out"; else bad "$out"; fi
# An impact bin's RMS is judged from 10 predictions (as coverage is); two
# seeds' bins hold at most 2 each: listed apart, none judged.
out=$("${2:-.}/scripts/eval-accept" "$T/acc/irbm-over-japan.json")
if grep -qF "criterion impact RMS/bound not judged (fewer than 10 predictions): [(" <<<"$out" &&
	! grep -qF "criterion impact RMS/bound: " <<<"$out" &&
	grep -qF "thin up to" "$T/acc/summary.txt"; then
	ok "eval-accept lists 2 seeds' impact bins apart (fewer than 10 predictions), judges none"
else
	bad "eval-accept's thin impact bins: $(grep criterion <<<"$out"; grep irbm "$T/acc/summary.txt")"
fi
# --bootstrap: the chunks' --rtn reduced to NEES sums per (bin, seed) and
# resampled; its count of bins outside is the eval's
check "track-accept --bootstrap on the IRBM at 2 seeds" 1 \
	"no-bias bootstrap (100 resamples of 2 runs, each bin rescaled to ANEES 6): P(every bin inside)" \
	"${2:-.}/scripts/track-accept" --mwlink "$M" --out "$T/accb" --seeds 2 --chunk 1 \
	--scenario irbm-over-japan --bootstrap 100
# (the bins outside the bootstrap counts are the table's: 117 less those
# inside)
inside=$(sed -n 's/^| irbm-over-japan | \([0-9]*\)\/117 .*/\1/p' "$T/accb/summary.txt")
if [ -n "$inside" ] &&
	grep -q "bins outside $((117 - inside)) of 117, P(>= $((117 - inside)))" "$T/accb/summary.txt" &&
	grep -q "coverage with no bias (each bin's d2 rescaled to cover 95%)" "$T/accb/summary.txt" &&
	! grep -q "not its bins" "$T/accb/summary.txt" && ! ls "$T/accb"/*.rtn >/dev/null 2>&1; then
	ok "track-accept --bootstrap: $((117 - inside)) of 117 bins outside, as the eval counts; rtn files reduced"
else
	bad "track-accept --bootstrap: $(grep bootstrap "$T/accb/summary.txt")"
fi
# --bootstrap also reads the same errors against the PCRLB (from 20 s
# after an object's first midcourse sample): recomputed here from the
# eval's own --rtn of the same two runs, with a separate solver.
"$M" eval "$S/irbm-over-japan.json" --runs 2 --seed 1 --json "$T/pb.json" --rtn "$T/pb.rtn" \
	>/dev/null 2>&1
out=$(python3 - "$T/pb.rtn" "$T/accb/summary.txt" <<'PY'
import json, math, re, sys
def nees(P, e):
    # e^T P^-1 e by Gaussian elimination with partial pivoting
    a = [[P[6 * i + j] for j in range(6)] + [e[i]] for i in range(6)]
    for c in range(6):
        p = max(range(c, 6), key=lambda r: abs(a[r][c]))
        a[c], a[p] = a[p], a[c]
        for r in range(c + 1, 6):
            f = a[r][c] / a[c][c]
            for k in range(c, 7):
                a[r][k] -= f * a[c][k]
    x = [0.0] * 6
    for r in range(5, -1, -1):
        x[r] = (a[r][6] - sum(a[r][k] * x[k] for k in range(r + 1, 6))) / a[r][r]
    return sum(e[i] * x[i] for i in range(6))
first, runs = {}, {}
for line in open(sys.argv[1]):
    d = json.loads(line)
    if not d["mid"]:
        continue
    t0 = first.setdefault((d["seed"], d["id"]), d["t"])
    if d["t"] - t0 < 20.0:
        continue
    r = runs.setdefault(d["seed"], [0.0, 0.0, 0])
    r[0] += nees(d["Pf"], d["e"])
    r[1] += nees(d["Pb"], d["e"])
    r[2] += 1
n = sum(r[2] for r in runs.values())
f = sum(r[0] for r in runs.values()) / n
b = sum(r[1] for r in runs.values()) / n
line = [l for l in open(sys.argv[2]) if "against the PCRLB" in l]
want = (f"(the same errors, {n} midcourse samples 20 s or more after the first, of {len(runs)} runs): "
        f"ANEES against the filter {f:.3f} +- ")
ok = len(line) == 1 and want in line[0] and f"against the bound {b:.3f} +- " in line[0] \
    and f"filter - bound {f - b:+.3f} +- " in line[0] and n > 100 and len(runs) == 2
print(f"track-accept --bootstrap against the PCRLB: {n} samples, filter {f:.3f}, bound {b:.3f}"
      if ok else f"want '{want}' and bound {b:.3f} in: {line}")
sys.exit(0 if ok else 1)
PY
)
if [ $? -eq 0 ]; then ok "$out"; else bad "$out"; fi
# The reading's standard error is over the runs: with every sample of a
# run one draw (as a coast repeats one), a right filter's runs scatter
# as chi-square(6) means of 1 sample, not of 10, and the error must say
# so (a per-sample error would be sqrt(10) times too small). Synthetic
# rtn lines: 400 runs, e ~ N(0, I) once per run, repeated at t = 0-110 s
# (the first two samples, before 20 s, left out), Pb = I, Pf = 1.25 I.
out=$(python3 - "${2:-.}/scripts/track-accept" "$T/syn.rtn" <<'PY'
import importlib.machinery, importlib.util, json, math, random, re, sys
ld = importlib.machinery.SourceFileLoader("track_accept", sys.argv[1])
spec = importlib.util.spec_from_loader("track_accept", ld)
ta = importlib.util.module_from_spec(spec)
ld.exec_module(ta)
rnd = random.Random(7)
eye = [float(i == j) for i in range(6) for j in range(6)]
with open(sys.argv[2], "w") as f:
    for seed in range(1, 401):
        e = [rnd.gauss(0.0, 1.0) for _ in range(6)]
        for t in range(0, 120, 10):
            f.write(json.dumps({"seed": seed, "id": 1, "class": "IRBM", "t": float(t), "mid": 1,
                                "e": e, "Pf": [1.25 * x for x in eye], "Pb": eye}) + "\n")
r = ta.reduce_rtn(sys.argv[2], 10.0)
line = ta.against_bound(ta.load_accept().MERGE, r["bound"])
pairs = re.findall(r"([-+]?\d+\.\d+) \+- (\d+\.\d+)", line)  # filter, bound, difference
f_, m = [float(x) for x in pairs[0]], [float(x) for x in pairs[1]]
se = math.sqrt(12.0 / 400)
ok = ("4000 midcourse samples" in line and abs(m[1] / se - 1) < 0.2 and abs(m[0] - 6) < 4 * se
      and abs(f_[0] - m[0] / 1.25) < 0.002)
print(f"against the PCRLB, 400 synthetic runs of one draw: bound {m[0]:.3f} +- {m[1]:.3f} "
      f"(chi-square's {se:.3f}), filter {f_[0]:.3f}" if ok else f"unexpected: {line}")
sys.exit(0 if ok else 1)
PY
)
if [ $? -eq 0 ]; then ok "$out"; else bad "$out"; fi
# ... and it names the bins outside against one reading alone: synthetic
# sums of 100 runs of 10 samples per bin, 100 s (filter 5.0, bound 6.0)
# outside against the filter alone, 110 s (both 5.0) against both, 120 s
# (filter 6.0, bound 7.5) against the bound alone, 130 s inside.
out=$(python3 - "${2:-.}/scripts/track-accept" <<'PY'
import importlib.machinery, importlib.util, sys
ld = importlib.machinery.SourceFileLoader("track_accept", sys.argv[1])
spec = importlib.util.spec_from_loader("track_accept", ld)
ta = importlib.util.module_from_spec(spec)
ld.exec_module(ta)
want = {"100": (5.0, 6.0), "110": (5.0, 5.0), "120": (6.0, 7.5), "130": (6.0, 6.0)}
sums = {b: {str(sd): [10 * f, 10 * g, 10] for sd in range(1, 101)} for b, (f, g) in want.items()}
line = ta.against_bound(ta.load_accept().MERGE, sums)
ok = ("bins outside their region 2 against the filter, 2 against the bound, of 4; against the "
      "filter alone 1 (100 s), against the bound alone 1 (120 s)") in line
print("against the PCRLB: the bins outside against one reading alone named" if ok
      else f"unexpected: {line}")
sys.exit(0 if ok else 1)
PY
)
if [ $? -eq 0 ]; then ok "$out"; else bad "$out"; fi
check "track-accept --bootstrap 5" 2 "--bootstrap '5': expected a whole number from 100" \
	"${2:-.}/scripts/track-accept" --mwlink "$M" --bootstrap 5
check "track-accept --seeds 0" 2 "--seeds '0': expected a whole number from 1" \
	"${2:-.}/scripts/track-accept" --mwlink "$M" --seeds 0
check "track-accept --first-seed 0" 2 "--first-seed '0': expected a whole number from 1" \
	"${2:-.}/scripts/track-accept" --mwlink "$M" --first-seed 0
check "track-accept with an unknown scenario" 2 "no examples/scenarios/nope.json" \
	"${2:-.}/scripts/track-accept" --mwlink "$M" --scenario nope
check_done
