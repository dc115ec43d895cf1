#!/bin/bash
# run.sh - benchmarks (make bench).  Prints one line per measurement, the
# median of several runs, for docs/benchmarks.md:
#   p2-library   sonde -p2 of a script that calls every tapset function
#   p4-hello     sonde -p4 (translate + kbuild) of examples/hello.stp
#   vm-hello     sonde --vm examples/hello.stp, end to end (build + boot + run)
#   map-update, map-lookup, stat-add, stat-add-keyed, sprintf
#                the runtime core in user space (build/core-bench)
set -eu
root=$(cd "$(dirname "$0")/../.." && pwd)
sonde=$root/build/sonde
work=$(mktemp -d "${TMPDIR:-/tmp}/sonde-bench.XXXXXX")
trap 'rm -rf "$work"' EXIT
export TMPDIR=$work

# median wall time in ms of N runs of a command
median_ms() {
	local n=$1; shift
	for _ in $(seq "$n"); do
		local t0 t1
		t0=$(date +%s%N)
		"$@" > /dev/null 2>&1
		t1=$(date +%s%N)
		echo $(((t1 - t0) / 1000000))
	done | sort -n | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'
}

# A script that calls every function of the library (every overload),
# with a literal of the right type for each parameter.
{
	echo 'probe begin {'
	"$sonde" --dump-functions | awk -F'[()]' '/^[a-z_0-9]+:[a-z]+ \(/ {
		name = $1; sub(/:.*/, "", name)
		n = split($2, params, ", "); args = ""
		for (i = 1; i <= n; i++)
			args = args (i > 1 ? ", " : "") (params[i] ~ /:string$/ ? "\"x\"" : "1")
		printf "\tprintln(%s(%s))\n", name, args
	}'
	echo '}'
} > "$work/library.stp"
nfun=$(grep -c println "$work/library.stp")
"$sonde" -p2 "$work/library.stp" > /dev/null || { echo "bench: the library script does not pass -p2"; exit 1; }

echo "p2-library: $(median_ms 21 "$sonde" -p2 "$work/library.stp") ms median of 21 ($nfun functions)"
echo "p4-hello: $(median_ms 5 "$sonde" -p4 "$root/examples/hello.stp") ms median of 5"
echo "vm-hello: $(median_ms 3 "$sonde" --vm "$root/examples/hello.stp") ms median of 3"
"$root/build/core-bench"
