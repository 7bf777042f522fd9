# tests/integration/check.sh - sourced by the shell integration tests
# (cli_geo.sh, cli_sim.sh, cli_eval.sh): one line per check, "ok   WHAT"
# or "FAIL WHAT: why", failures counted in $fails; the script ends with
# `check_done`, which prints the count and sets the exit status.
fails=0
ok() { echo "ok   $1"; }
bad() {
	echo "FAIL $1"
	fails=$((fails + 1))
}
# check DESCRIPTION EXPECTED_EXIT EXPECTED_SUBSTRING COMMAND...: runs the
# command (stdout and stderr together) and checks its exit status and,
# unless EXPECTED_SUBSTRING is empty, that its output contains it.
check() {
	local what=$1 want_rc=$2 want_out=$3
	shift 3
	local out rc
	out=$("$@" 2>&1)
	rc=$?
	if [ "$rc" != "$want_rc" ]; then
		bad "$what: exit $rc, want $want_rc; output: $(tail -c 600 <<<"$out")"
	elif [ -n "$want_out" ] && ! grep -qF -- "$want_out" <<<"$out"; then
		bad "$what: output lacks '$want_out': $(tail -c 600 <<<"$out")"
	else
		ok "$what"
	fi
}
check_done() {
	echo "$fails failed"
	[ "$fails" = 0 ]
}
