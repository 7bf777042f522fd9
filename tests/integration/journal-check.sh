#!/bin/sh
# integration-journal-check: `mwlink journal check` on a clean journal
# (exit 0, report lists rows, origins, gaps, cursors), on a journal with
# one damaged envelope byte (exit 1, names the row), and on garbage
# (exit 1, clear message); `mwlink journal dump` lists the records and
# stops at the damaged one. Usage: journal-check.sh MWLINK FIXTURE
set -u
MWLINK=$1
FIXTURE=$2
dir=$(mktemp -d "${TMPDIR:-/tmp}/mwjcheck.XXXXXX")
trap 'rm -rf "$dir"' EXIT
fail() { echo "FAIL: $*"; exit 1; }

"$FIXTURE" "$dir/j.db" || fail "fixture"
out=$("$MWLINK" journal check "$dir/j.db"); rc=$?
echo "$out"
[ $rc -eq 0 ] || fail "clean journal: exit $rc"
echo "$out" | grep -q "rows          52 " || fail "row count"
echo "$out" | grep -q "pos           1..52" || fail "pos range"
echo "$out" | grep -q "ROK      rows 47, seq 1..50, 3 missing in 2 gaps: 10-11 30" || fail "ROK gaps"
echo "$out" | grep -q "JPN      rows 5, seq 100..104$" || fail "JPN range"
echo "$out" | grep -q "USA      rx (their pos received) 47, acked (our pos they confirmed) 40" || fail "cursors"
echo "$out" | grep -q "RESULT        ok" || fail "result"

dump=$("$MWLINK" journal dump "$dir/j.db") || fail "dump: exit $?"
[ "$(echo "$dump" | wc -l)" -eq 53 ] || fail "dump: want header + 52 lines"
echo "$dump" | head -1 | grep -q "^pos	origin	seq	kind	exercise	release	data_time	from_peer	from_pos	len$" || fail "dump header"
echo "$dump" | grep -q "^21	ROK	23	1	0	JPN,ROK,USA	2023-12-19T00:00:00.000+00:00	USA	21	200$" || fail "dump line for pos 21"
echo "$dump" | tail -1 | grep -q "^52	JPN	104	1	0	JPN,ROK,USA	.*	-	0	200$" || fail "dump last line"
[ "$("$MWLINK" journal dump "$dir/j.db" --from 50 | wc -l)" -eq 4 ] || fail "dump --from"
"$MWLINK" journal dump "$dir/j.db" --from x >/dev/null 2>&1; [ $? -eq 2 ] || fail "dump --from x"

# flip one byte inside the envelope of (ROK, 23)
python3 - "$dir/j.db" <<'PY' || fail "patch"
import sys
p = sys.argv[1]
b = bytearray(open(p, 'rb').read())
i = b.find(b"ENVELOPE-ROK-00023|")
assert i >= 0, "marker not found"
b[i + 40] ^= 0x20
open(p, 'wb').write(b)
PY
out=$("$MWLINK" journal check "$dir/j.db"); rc=$?
echo "$out"
[ $rc -eq 1 ] || fail "damaged journal: exit $rc"
echo "$out" | grep -q "SHA-256 mismatch" || fail "damage not named"
echo "$out" | grep -q "(ROK,23)" || fail "row not named"

derr=$("$MWLINK" journal dump "$dir/j.db" 2>&1 >/dev/null); rc=$?
echo "$derr"
[ $rc -eq 1 ] || fail "dump of damaged journal: exit $rc"
echo "$derr" | grep -q "pos 21 (ROK,23): SHA-256 mismatch" || fail "dump: damage not named"

head -c 10000 /dev/urandom > "$dir/garbage.db"
err=$("$MWLINK" journal check "$dir/garbage.db" 2>&1); rc=$?
echo "$err"
[ $rc -eq 1 ] || fail "garbage: exit $rc"
echo "$err" | grep -q "MW_EJOURNAL" || fail "garbage message"

"$MWLINK" journal check "$dir/none.db" 2>/dev/null; [ $? -eq 1 ] || fail "missing file"
"$MWLINK" journal check 2>/dev/null; [ $? -eq 2 ] || fail "usage"
"$MWLINK" journal frob x 2>/dev/null; [ $? -eq 2 ] || fail "unknown subcommand"
echo "PASS"
