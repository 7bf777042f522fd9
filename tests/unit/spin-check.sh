#!/usr/bin/env bash
# Model-check the link resume/ack protocol as implemented in src/net/node.c
# (docs/spin/resume_ack.pml) with SPIN, exhaustively (no bitstate):
#   safety    N = 3 envelopes made by the origin, which may send them
#             before their commit under a durable seq reservation and
#             crash: assertions (durable before ack, at most once, no seq
#             reuse, release filter, Ack sanity, quiescent state =
#             everything released and not lost in a crash committed once
#             and acknowledged) and end states (5.7 M states);
#   liveness  N = 2 (N = 3 is tens of millions of states with the
#             fairness copies): the ltl claim 'delivered' under weak
#             fairness (pan -a -f);
#   mutants   each breaks one rule of the implementation; spin must catch
#             each one (an assertion in safety mode, an acceptance cycle
#             of the ltl claim in liveness mode), which shows the checks
#             are not vacuous.
# Both runs must be complete searches (no depth truncation).
# Usage: spin-check.sh MODEL.pml   (needs spin and a C compiler)
# docs/spin/three_nodes.pml (origin -> two receivers, origin -> relay ->
# destination) is checked by a section of its own, below: spin-check.sh
# three_nodes.pml [--full] (--full: the bigger runs of make spin-full).
set -euo pipefail
model=$(cd "$(dirname "$1")" && pwd)/$(basename "$1")
full=${2:-}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cd "$work"

if [ "$(basename "$model")" = three_nodes.pml ]; then
	# run3 NAME EXPECT SPIN-DEFINES: EXPECT ok (complete search, no
	# error) or caught (an assertion must fail: the broken rule loses data)
	rc=0
	run3() {
		local name=$1 expect=$2
		shift 2
		rm -f pan pan.* ./*.trail
		spin "$@" -a "$model" >spin.out
		# -O1 for the complete searches; a mutant stops early: -O0 compiles
		# in a quarter of the time
		cc "$([ "$expect" = ok ] && echo -O1 || echo -O0)" -w -DSAFETY -DNOCLAIM -DCOLLAPSE \
			-o pan pan.c
		local t0 t1 out errs states
		t0=$(date +%s.%N)
		out=$(./pan -m20000 2>&1) || true
		t1=$(date +%s.%N)
		errs=$(echo "$out" | sed -n 's/.*errors: \([0-9]*\).*/\1/p' | head -n1)
		states=$(echo "$out" | sed -n 's/^ *\([0-9.e+]*\) states, stored.*/\1/p' | head -n1)
		local secs
		secs=$(echo "$t0 $t1" | awk '{printf "%.1f", $2 - $1}')
		if [ "$expect" = ok ]; then
			if [ "${errs:-x}" = 0 ] && ! echo "$out" | grep -q "max search depth too small"; then
				echo "spin three_nodes $name: verified, $states states (${secs} s wall)"
			else
				echo "$out" | grep -v "^\s*$" | head -40
				echo "spin three_nodes $name: FAILED (errors=${errs:-none})"
				rc=1
			fi
		else
			local how
			how=$(echo "$out" | grep -m1 -o "assertion violated.*" | cut -c1-60 || true)
			if [ "${errs:-0}" != 0 ] && [ -n "$how" ]; then
				echo "spin three_nodes $name: caught after $states states ($how...)"
			else
				echo "spin three_nodes $name: NOT caught (errors=${errs:-none})"
				rc=1
			fi
		fi
	}
	if [ "$full" = --full ]; then
		# bigger bounds: connection drops on top of the kills, and which
		# kills the relay's early-forwarding loss needs (N = 3 is more
		# than 10 million states: not run)
		run3 "fanout, 1 drop" ok -DFANOUT -DMAXDISC=1
		run3 "chain, 2 drops" ok -DCHAIN -DMAXDISC=2
		run3 "chain, relay forwards on the origin's notice, 1 drop" ok \
			-DCHAIN -DRELAY_EARLY=2 -DMAXDISC=1
		run3 "chain, relay always forwards early, relay never crashes" ok \
			-DCHAIN -DRELAY_EARLY=1 -DCRASH1=0
		run3 "chain, relay always forwards early, origin never crashes" ok \
			-DCHAIN -DRELAY_EARLY=1 -DCRASH0=0
		[ $rc = 0 ] && echo "spin: three_nodes full runs verified"
		exit $rc
	fi
	# (a) the origin's own envelopes before their commit, two receivers
	#     not linked to each other (the hub's own data to KOR and JPN)
	run3 "fanout (early send only with one eligible peer)" ok -DFANOUT -DMAXDISC=0
	run3 "fanout mutant: early send to two peers" caught -DFANOUT -DEARLY_ANY=1
	# (b) origin -> relay -> destination, each crashing
	run3 "chain (relays forward durable records only)" ok -DCHAIN
	run3 "chain mutant: Ack before the commit" caught -DCHAIN -DACK_ON_RECEIPT=1
	run3 "chain mutant: relay forwards before its commit" caught -DCHAIN -DRELAY_EARLY=1
	run3 "chain, relay forwards what the origin said it committed" ok \
		-DCHAIN -DRELAY_EARLY=2 -DMAXDISC=0
	run3 "chain mutant: ... using a notice of another connection" caught \
		-DCHAIN -DRELAY_EARLY=2 -DNOTICE_ANY_EP=1 -DMAXDISC=0
	[ $rc = 0 ] && echo "spin: three_nodes model verified; all mutants caught"
	exit $rc
fi

# check FILE MODE OPT [N] -> sets out (pan's output) and errs. The full
# runs use -O2 and N = 3 for safety; mutants stop at their first error, so
# -O0 (fast to compile), and N = 2 (each is caught there: the crash cases
# need only two envelopes, one lost and one reusing its seq).
check() {
	local file=$1 mode=$2 opt=$3 n=${4:-3}
	rm -f pan pan.* ./*.trail
	if [ "$mode" = safety ]; then
		spin -DN="$n" -a "$file" >spin.out
		cc "$opt" -w -DSAFETY -DNOCLAIM -o pan pan.c
		out=$(./pan -m20000 2>&1) || true
	else
		spin -DN=2 -DLIVENESS -a "$file" >spin.out
		cc "$opt" -w -DNFAIR=3 -o pan pan.c
		out=$(./pan -a -f -m20000 2>&1) || true
	fi
	errs=$(echo "$out" | sed -n 's/.*errors: \([0-9]*\).*/\1/p' | head -n1)
	errs=${errs:-none}
}

rc=0
for mode in safety liveness; do
	check "$model" $mode -O2
	states=$(echo "$out" | sed -n 's/^ *\([0-9.e+]*\) states, stored\(.*\)/\1\2/p' | head -n1)
	secs=$(echo "$out" | sed -n 's/^pan: elapsed time \([0-9.e+]*\) .*/\1/p')
	echo "spin resume_ack $mode: errors=$errs states stored=$states (${secs:-?} s)"
	if [ "$errs" != 0 ] || echo "$out" | grep -q "max search depth too small"; then
		echo "$out"
		echo "spin: resume_ack $mode check FAILED"
		rc=1
	fi
done

# Mutants: each breaks one rule of the implementation; spin must catch it.
mutate() { # name mode sed-expression
	sed -e "$3" "$model" >mutant.pml
	if cmp -s mutant.pml "$model"; then
		echo "mutant $1: sed did not apply"
		rc=1
		return
	fi
	check mutant.pml "$2" -O0 2
	local how
	if [ "$2" = safety ]; then
		how=$(echo "$out" | grep -m1 -o "assertion violated.*" | cut -c1-72 || true)
	else
		how=$(echo "$out" | grep -m1 -o "acceptance cycle" || true)
	fi
	if [ "$errs" = 0 ] || [ "$errs" = none ] || [ -z "$how" ]; then
		echo "mutant $1: NOT caught ($2, errors=$errs)"
		rc=1
	else
		echo "mutant $1: caught ($2: $how)"
	fi
}
# durable_cb() acks the frames received, not those whose outcome is durable
mutate ack-received safety 's/k = rx_rep - rx_base;/k = rx_max - rx_base;/'
# duplicates are detected against committed envelopes only, not pending ones
mutate no-pending-dedup safety 's/:: r_held\[k\] == 0 \&\& r_pend\[k\] == 0 ->/:: r_held[k] == 0 ->/'
# after a reconnect the sender goes on from where it stopped sending, a
# cursor the receiver never confirmed, instead of acked_pos + 1
mutate resume-unconfirmed safety 's/tx_next = acked + 1;/skip;/'
# the sender sends envelopes not released to the receiver's nation
mutate no-release-filter safety 's/SENDABLE(tx_next) \&\& eligible\[pos_u\[tx_next\]\] \&\& fifo_count/SENDABLE(tx_next) \&\& fifo_count/'
# a duplicate is noted as durable at once instead of in the journal's FIFO
# order (so before the pending first copy of the same envelope)
mutate dup-durable-at-once safety 's|pq!0,rx_max /\* note \*/|rx_dur = rx_max|'
# with frames still in flight the sender counts everything scanned as done
mutate skip-done-in-flight safety 's/:: atomic { fifo_count == 0 \&\& tx_next > acked + 1 ->/:: atomic { tx_next > acked + 1 ->/'
# a resent duplicate of a committed envelope is dropped without a cursor
# note, so no Ack ever counts it
mutate dup-not-acked liveness 's|pq!0,rx_max /\* note \*/|if :: r_pend[k] != 0 -> pq!0,rx_max :: else -> skip fi|'
# the sender never counts trailing positions not released to the peer
# as done (pump() without its final FIFO-empty rule): caught as a stuck
# quiescent state
mutate no-pump-end safety 's/:: atomic { fifo_count == 0 \&\& tx_next > acked + 1 ->/:: atomic { false ->/'
# on a new connection the receiver counts frames from its durable cursor
# instead of the highest from_pos it used: notes of the new connection
# then do not move the cursor past the old connection's, no Ack comes
mutate rx-base-from-durable safety 's/rx_base = rx_max; rx_frames = 0;/rx_base = rx_dur; rx_frames = 0;/'
# own envelopes before their commit (docs/protocol.md):
# after a crash the origin restarts its sequence after the highest seq it
# committed, ignoring the reservation: a seq a peer already holds from
# before the crash is used again for another envelope
mutate reuse-unreserved-seq safety 's/:: res_dur > own_seq -> own_seq = res_dur/:: false -> skip/'
# pending own envelopes are sent whether or not their seq is reserved
mutate send-unreserved safety 's/(p <= s_dur || seq_of\[pos_u\[p\]\] <= res_dur)/(p <= next_pos)/'
# the reservation counts as soon as it is asked, before it is durable
mutate reserve-not-durable safety 's/seq_of\[pos_u\[p\]\] <= res_dur)/seq_of[pos_u[p]] <= res_want)/'
# the acked cursor is persisted beyond the committed positions: after a
# crash the positions given to new envelopes count as acknowledged
mutate acked-above-committed safety 's/acked_disk = (acked <= s_dur -> acked : s_dur)/acked_disk = acked/'
[ $rc = 0 ] && echo "spin: resume/ack model verified; all mutants caught"
exit $rc
