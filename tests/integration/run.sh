#!/bin/bash
# run.sh - integration tests: every tests/integration/NAME.stp is built into a
# module on the host, then all of them run one after another in ONE VM boot.
# A test passes when its stdout equals NAME.expected and its exit status is
# the one given by a "# status: N" line (default 0).  Other header lines:
#   # compile: OPTIONS    extra sonde options for building (e.g. -g)
#   # run: OPTIONS        sonde-run options in the guest (e.g. -T 2, -c 'CMD')
#   # stderr: TEXT        TEXT must appear in the test's stderr
# Usage: tests/integration/run.sh [NAME...]
set -u
root=$(cd "$(dirname "$0")/../.." && pwd)
sonde=$root/build/sonde
work=$(mktemp -d "${TMPDIR:-/tmp}/sonde-it.XXXXXX")
trap 'rm -rf "$work"' EXIT
export TMPDIR=$work      # build dirs land here; the guest sees them read-only

if [ $# -gt 0 ]; then
	tests=()
	for n in "$@"; do tests+=("$root/tests/integration/$n.stp"); done
else
	tests=("$root"/tests/integration/*.stp)
fi

pass=0
fail=0
batch=$work/batch.sh
: > "$batch"
built=()

header() { sed -n "s/^# $1: //p" "$2"; }

# Build every module on the host (two at a time: kbuild is mostly one core).
build_one() {
	local stp=$1 name
	name=$(basename "$stp" .stp)
	eval "\"$sonde\" -p4 -m t_$name $(header compile "$stp") \"$stp\"" \
		> "$work/$name.ko-path" 2> "$work/$name.build"
	echo $? > "$work/$name.build-rc"
}
export -f build_one header
export sonde work
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
cat \$SONDE_TMP/out
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
		/^@@@BEGIN / { name = $2; file = dir "/" name ".out"; printf "" > file; next }
		/^@@@STDERR$/ { file = dir "/" name ".err"; printf "" > file; next }
		/^@@@END / { print $2 > (dir "/" name ".rc"); file = ""; next }
		file != "" { print > file }
	' "$work/guest.out"
fi

for name in "${built[@]}"; do
	stp=$root/tests/integration/$name.stp
	want_rc=$(header status "$stp"); want_rc=${want_rc:-0}
	problems=""
	if [ ! -f "$work/$name.rc" ]; then
		problems="no result from the VM (exit status $vm_rc)"
	else
		rc=$(cat "$work/$name.rc")
		[ "$rc" = "$want_rc" ] || problems="exit status $rc, expected $want_rc; "
		if ! diff -u "$root/tests/integration/$name.expected" "$work/$name.out" > "$work/$name.diff"; then
			problems+="stdout differs; "
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
