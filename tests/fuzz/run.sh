#!/bin/bash
# run.sh - runs build/fuzz-frontend (tests/fuzz/fuzz_frontend.c).
#
#   run.sh check    replay tests/fuzz/regressions/, then fuzz for
#                   $FUZZ_SECONDS (default 60) from tests/fuzz/corpus and
#                   every *.stp of the tree; exit 1 on any crash, sanitizer
#                   report, leak, timeout or memory blow-up.  Last line:
#                   "fuzz: N runs, 0 crashes".  (make fuzz-check, make test)
#   run.sh fuzz     fuzz until interrupted; new inputs go to build/fuzz-corpus
#                   (make fuzz; extra libFuzzer flags in $FUZZ_ARGS, e.g.
#                   FUZZ_ARGS=-jobs=2)
#   run.sh corpus   merge build/fuzz-corpus into tests/fuzz/corpus, keeping
#                   a small set of small inputs that reaches the same code
#                   (make fuzz-corpus)
#
# Findings are written to build/fuzz-artifacts/ (crash-*, leak-*,
# timeout-*, oom-*); reproduce one with `build/fuzz-frontend FILE`.
set -u
cd "$(dirname "$0")/../.."
bin=build/fuzz-frontend
fuzz=tests/fuzz
art=build/fuzz-artifacts
mkdir -p "$art"

# Limits: one input may take 10 s and the process 2 GB; fuzzed inputs are
# up to 4 KB (tests/robustness covers the big ones).
limits=(-timeout=10 -rss_limit_mb=2048 -artifact_prefix=$art/)
flags=("${limits[@]}" -max_len=4096 -dict=$fuzz/stap.dict)
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:detect_stack_use_after_return=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}

# Every script of the tree is a seed.
seeds=$(mktemp -d)
trap 'rm -rf "$seeds"' EXIT
find tests examples tapsets -name '*.stp' -not -path "$fuzz/*" |
	while read -r f; do cp "$f" "$seeds/$(echo "$f" | tr / _)"; done

case "${1:-check}" in
fuzz)
	mkdir -p build/fuzz-corpus
	# shellcheck disable=SC2086
	$bin "${flags[@]}" ${FUZZ_ARGS:-} build/fuzz-corpus $fuzz/corpus "$seeds"
	;;
corpus)
	mkdir -p build/fuzz-corpus
	merged=$(mktemp -d)
	# -use_counters=0: keep an input for the code it reaches, not for how
	# often it runs it (a few hundred inputs instead of thousands)
	if $bin "${flags[@]}" -merge=1 -use_counters=0 "$merged" $fuzz/corpus build/fuzz-corpus \
		"$seeds" >/dev/null 2>"$merged.log"; then
		rm -f $fuzz/corpus/*
		cp "$merged"/* $fuzz/corpus/
		echo "fuzz: tests/fuzz/corpus has $(ls $fuzz/corpus | wc -l) inputs," \
		     "$(cat $fuzz/corpus/* | wc -c) bytes"
	else
		tail -40 "$merged.log"
		echo "fuzz: merge failed"
		exit 1
	fi
	rm -rf "$merged" "$merged.log"
	;;
check)
	log=$seeds.log
	trap 'rm -rf "$seeds" "$log"' EXIT
	# 1. every input that once crashed the compiler must not any more; each
	#    runs twice, for state a pass wrongly keeps from one run to the next
	regressions=$(find $fuzz/regressions -type f -not -name '*.md' 2>/dev/null | sort)
	nreg=$(echo "$regressions" | grep -c . || true)
	if [ "$nreg" -gt 0 ]; then
		# shellcheck disable=SC2086
		if ! $bin "${limits[@]}" -runs=2 $regressions >"$log" 2>&1; then
			tail -60 "$log"
			echo "fuzz: a regression input fails again (see above)"
			exit 1
		fi
	fi
	# 2. a bounded run from the corpus; new inputs go to a scratch directory
	work=$(mktemp -d)
	trap 'rm -rf "$seeds" "$log" "$work"' EXIT
	seconds=${FUZZ_SECONDS:-60}
	bounded() {
		timeout -k 10 $((seconds + 60)) \
			$bin "${flags[@]}" -max_total_time="$seconds" -print_final_stats=1 \
			"$work" $fuzz/corpus "$seeds" >"$log" 2>&1
	}
	bounded
	rc=$?
	# LeakSanitizer cannot run under ptrace or in some containers; then
	# fuzz without it rather than fail for the environment
	if [ $rc -ne 0 ] && grep -q "LeakSanitizer has encountered a fatal error" "$log"; then
		echo "fuzz: LeakSanitizer does not work here; fuzzing without leak checks"
		export ASAN_OPTIONS=$ASAN_OPTIONS:detect_leaks=0
		bounded
		rc=$?
	fi
	runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log")
	runs=${runs:-$(grep -o '#[0-9]*' "$log" | tail -1 | tr -d '#')}
	if [ $rc -ne 0 ]; then
		tail -80 "$log"
		found=$(grep -o "$art/[a-z-]*[0-9a-f]*" "$log" | tail -1)
		echo "fuzz: ${runs:-?} runs, 1 crash${found:+ ($found;} reproduce with: $bin ${found:-FILE})"
		exit 1
	fi
	echo "fuzz: $nreg regression inputs replayed; ${runs:-?} runs in ${seconds}s, 0 crashes"
	;;
*)
	echo "usage: $0 check|fuzz|corpus" >&2
	exit 2
	;;
esac
