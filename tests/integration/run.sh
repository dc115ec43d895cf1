#!/bin/bash
# run.sh - integration tests: every tests/integration/NAME.stp and every
# tests/parity/NAME.stp is built into a module on the host, then all of
# them run one after another in ONE VM boot.
#
# An integration test passes when its stdout equals NAME.expected and its
# exit status is the one given by a "# status: N" line (default 0).
# A parity test has no expected file: the same script is also built as a
# user-space program (runtime/user/host.c) and run on the host, and the
# guest's stdout must be byte-identical to it, with the same exit status
# and the same ERROR/WARNING lines on stderr: the runtime core gives the
# same results in the kernel as in its user-space tests.
# Other header lines:
#   # compile: OPTIONS    extra sonde options for building (e.g. -g)
#   # run: OPTIONS        sonde-run options in the guest (e.g. -T 2, -c 'CMD')
#   # stderr: TEXT        TEXT must appear in the test's stderr
# Usage: tests/integration/run.sh [NAME...]   (NAME of either directory)
set -u
root=$(cd "$(dirname "$0")/../.." && pwd)
sonde=$root/build/sonde
work=$(mktemp -d "${TMPDIR:-/tmp}/sonde-it.XXXXXX")
trap 'rm -rf "$work"' EXIT
export TMPDIR=$work      # build dirs land here; the guest sees them read-only

if [ $# -gt 0 ]; then
	tests=()
	for n in "$@"; do
		for d in integration parity; do
			[ -f "$root/tests/$d/$n.stp" ] && tests+=("$root/tests/$d/$n.stp")
		done
	done
else
	tests=("$root"/tests/integration/*.stp "$root"/tests/parity/*.stp)
fi
is_parity() { [ "$(basename "$(dirname "$1")")" = parity ]; }

pass=0
fail=0
batch=$work/batch.sh
: > "$batch"
built=()

header() { sed -n "s/^# $1: //p" "$2"; }

# The user-space runtime, compiled once for the parity tests.
cc -O1 -c -I"$root/runtime/user" -I"$root/runtime" "$root"/runtime/user/host.c -o "$work/host.o" &&
	(cd "$work" && cc -O1 -c -I"$root/runtime" "$root"/runtime/core/*.c) ||
	{ echo "integration: the user-space runtime does not build"; exit 1; }

# Build every module on the host (two at a time: kbuild is mostly one core);
# a parity test also runs as a user-space program, its output the expected one.
build_one() {
	local stp=$1 name
	name=$(basename "$stp" .stp)
	eval "\"$sonde\" -p4 -m t_$name $(header compile "$stp") \"$stp\"" \
		> "$work/$name.ko-path" 2> "$work/$name.build"
	echo $? > "$work/$name.build-rc"
	is_parity "$stp" || return 0
	eval "\"$sonde\" -p3 -m t_$name $(header compile "$stp") \"$stp\"" > "$work/$name.c" &&
	cc -O1 -I"$root/runtime/user" -I"$root/runtime" -o "$work/$name.user" "$work/$name.c" \
		"$work"/*.o >> "$work/$name.build" 2>&1 || { echo 1 > "$work/$name.build-rc"; return; }
	(cd "$(dirname "$stp")" && "$work/$name.user" > "$work/$name.expected" 2> "$work/$name.user-err")
	echo $? > "$work/$name.user-rc"
}
export -f build_one header is_parity
export sonde work root
printf '%s\n' "${tests[@]}" | xargs -P 2 -I{} bash -c 'build_one "$@"' _ {}

for stp in "${tests[@]}"; do
	name=$(basename "$stp" .stp)
	if [ "$(cat "$work/$name.build-rc")" != 0 ]; then
		echo "FAIL $name: the module did not build"
		sed 's/^/    /' "$work/$name.build"
		fail=$((fail + 1))
		continue
	fi
	built+=("$name")
	cat >> "$batch" <<EOS
echo "@@@BEGIN $name"
$root/build/sonde-run $(header run "$stp") $(cat "$work/$name.ko-path") > \$SONDE_TMP/out 2> \$SONDE_TMP/err < /dev/null
rc=\$?
base64 \$SONDE_TMP/out
echo "@@@STDERR"
cat \$SONDE_TMP/err
echo "@@@END \$rc"
EOS
done

if [ ${#built[@]} -gt 0 ]; then
	start=$(date +%s.%N)
	(cd "$root/tests/integration" && "$sonde" --vm-exec /bin/sh "$batch") > "$work/guest.out" 2> "$work/guest.err"
	vm_rc=$?
	end=$(date +%s.%N)
	printf 'integration: %d tests ran in one VM boot in %.1f s\n' ${#built[@]} "$(echo "$end - $start" | bc)"
	# Split the guest's output into NAME.out / NAME.err / NAME.rc.
	awk -v dir="$work" '
		/^@@@BEGIN / { name = $2; file = dir "/" name ".out64"; printf "" > file; next }
		/^@@@STDERR$/ { file = dir "/" name ".err"; printf "" > file; next }
		/^@@@END / { print $2 > (dir "/" name ".rc"); file = ""; next }
		file != "" { print > file }
	' "$work/guest.out"
	# stdout came base64-encoded, so that the comparison is byte-exact
	for name in "${built[@]}"; do
		[ -f "$work/$name.out64" ] && base64 -d "$work/$name.out64" > "$work/$name.out"
	done
fi

# The ERROR and WARNING lines of a run's stderr (what both runtimes print).
diagnostics() { grep -E '^(ERROR|WARNING):' "$1"; }

for name in "${built[@]}"; do
	stp=$root/tests/integration/$name.stp
	expected=$root/tests/integration/$name.expected
	if [ -f "$stp" ]; then
		want_rc=$(header status "$stp"); want_rc=${want_rc:-0}
	else   # a parity test: expect what the user-space run did
		stp=$root/tests/parity/$name.stp
		expected=$work/$name.expected
		want_rc=$(cat "$work/$name.user-rc")
	fi
	problems=""
	if [ ! -f "$work/$name.rc" ]; then
		problems="no result from the VM (exit status $vm_rc)"
	else
		rc=$(cat "$work/$name.rc")
		[ "$rc" = "$want_rc" ] || problems="exit status $rc, expected $want_rc; "
		if ! cmp -s "$expected" "$work/$name.out"; then
			diff -a -u "$expected" "$work/$name.out" > "$work/$name.diff"
			problems+="stdout differs; "
		fi
		if [ -f "$work/$name.user-err" ] &&
		   ! diff -u <(diagnostics "$work/$name.user-err") <(diagnostics "$work/$name.err") \
			>> "$work/$name.diff"; then
			problems+="stderr's ERROR/WARNING lines differ from the user-space run; "
		fi
		while IFS= read -r text; do
			grep -qF -- "$text" "$work/$name.err" || problems+="stderr lacks '$text'; "
		done < <(header stderr "$stp")
	fi
	if [ -z "$problems" ]; then
		echo "PASS $name"
		pass=$((pass + 1))
	else
		echo "FAIL $name: $problems"
		[ -s "$work/$name.diff" ] && sed 's/^/    /' "$work/$name.diff"
		[ -f "$work/$name.err" ] && sed 's/^/    stderr: /' "$work/$name.err"
		fail=$((fail + 1))
	fi
done
if [ -n "${built[*]}" ] && [ $fail -gt 0 ]; then
	echo "--- guest stderr:"; tail -n 30 "$work/guest.err"
fi
echo "integration: $pass passed, $fail failed"
[ $fail -eq 0 ]
