#!/bin/sh
# Model-check the link resume/ack protocol (docs/spin/resume_ack.pml) with
# SPIN: exhaustive search for assertion violations and invalid end states.
# Usage: spin-check.sh MODEL.pml   (needs spin and a C compiler)
set -eu
model=$1
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cp "$model" "$work/model.pml"
cd "$work"
spin -a model.pml > spin.out
cc -O2 -w -DCOLLAPSE -o pan pan.c
./pan -m200000 -w22 > pan.out 2>&1 || true
cat pan.out
grep -q "errors: 0" pan.out || { echo "spin: the model has errors"; exit 1; }
if grep -q "assertion violated" pan.out; then exit 1; fi
echo "spin: resume/ack model verified"
