#!/bin/bash
# run.sh - diagnostics tests: for every tests/errors/NAME.stp, the stderr of
# `sonde -p2 NAME.stp` (run in this directory) must equal NAME.expected
# exactly, caret lines included, and the exit status must be 1.
# A "# sonde: OPTIONS" line adds options (e.g. -p4 to reach kbuild).
set -u
dir=$(cd "$(dirname "$0")" && pwd)
sonde=$dir/../../build/sonde
pass=0
fail=0
cd "$dir"
for stp in *.stp; do
	name=${stp%.stp}
	opts=$(sed -n 's/^# sonde: //p' "$stp")
	opts=${opts:--p2}
	out=$(eval "\"$sonde\" $opts \"$stp\"" 2>&1 >/dev/null)
	rc=$?
	if [ $rc -eq 1 ] && [ "$out" = "$(cat "$name.expected")" ]; then
		echo "PASS $name"
		pass=$((pass + 1))
	else
		echo "FAIL $name (exit status $rc)"
		diff -u "$name.expected" <(printf '%s\n' "$out") | sed 's/^/    /'
		fail=$((fail + 1))
	fi
done
echo "errors: $pass passed, $fail failed"
[ $fail -eq 0 ]
