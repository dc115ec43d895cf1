#!/bin/bash
# run.sh - the language tests: every case under tests/lang/ok and
# tests/lang/ko, run with `sonde -p2` in its own directory (see README.md).
#
#   tests/lang/run.sh              all cases
#   tests/lang/run.sh 'expr_*' ... only the cases whose names match
#   tests/lang/run.sh -v ...       also show the diffs of known failures
#
# Prints a line for each failure only, then
#   lang: N passed, N failed[, N skipped]
# where "skipped" counts the cases listed in known-failures.txt that still
# fail.  A listed case that passes is an XPASS and fails the run, so the
# list can only shrink.  Exit status 0 when every case passes or is listed.
set -u

dir=$(cd "$(dirname "$0")" && pwd)
sonde=${SONDE:-$dir/../../build/sonde}
known=$dir/known-failures.txt

# ---- some cases: run.sh --one OUTDIR KIND:NAME... -------------------------
# For each case writes OUTDIR/NAME.result: "pass", or "fail REASON", and
# keeps its stderr in OUTDIR/NAME.stderr.
run_case() {
	local out=$1 kind=$2 name=$3 first="" header rc result err
	cd "$dir/$kind" || return
	read -r first <"$name.stp"
	header=""
	[[ $first == "# sonde: "* ]] && header=${first#"# sonde: "}
	# the header is shell words: OPTIONS [-- SCRIPT ARGUMENTS]
	eval "set -- $header"
	local opts=() args=()
	while [ $# -gt 0 ] && [ "$1" != "--" ]; do opts+=("$1"); shift; done
	[ $# -gt 0 ] && shift
	args=("$@")
	err=$out/$name.stderr
	timeout 20 "$sonde" -p2 "${opts[@]}" "$name.stp" "${args[@]}" >"$out/$name.stdout" 2>"$err" </dev/null
	rc=$?
	result=pass
	if [ $rc -eq 124 ]; then
		result="fail timeout (more than 20 s)"
	elif [ $rc -ge 128 ]; then
		result="fail crash: exit $rc"
	elif [ "$kind" = ok ]; then
		if [ $rc -ne 0 ]; then
			result="fail exit status $rc, expected 0"
		elif [ -f "$name.expected" ]; then
			cmp -s "$name.expected" "$err" || result="fail stderr differs from $name.expected"
		elif [ -s "$err" ]; then
			result="fail unexpected output on stderr"
		fi
		if [ "$result" = pass ] && [ -f "$name.stdout" ] &&
		   ! cmp -s "$name.stdout" "$out/$name.stdout"; then
			result="fail stdout differs from $name.stdout"
		fi
	else
		if [ ! -f "$name.expected" ]; then
			result="fail no $name.expected"
		elif [ $rc -ne 1 ]; then
			result="fail exit status $rc, expected 1"
		elif ! cmp -s "$name.expected" "$err"; then
			result="fail stderr differs from $name.expected"
		fi
	fi
	echo "$result" >"$out/$name.result"
}

# Shows how a failed case's stderr (or stdout) differs from what it should be.
show_diff() {
	local kind=$1 name=$2 exp=$dir/$1/$2.expected
	if [ -f "$dir/$kind/$name.stdout" ] && ! cmp -s "$dir/$kind/$name.stdout" "$out/$name.stdout"; then
		diff -u --label "$kind/$name.stdout" --label "stdout of sonde -p2 $kind/$name.stp" \
			"$dir/$kind/$name.stdout" "$out/$name.stdout"
	elif [ -f "$exp" ]; then
		diff -u --label "$kind/$name.expected" --label "sonde -p2 $kind/$name.stp" \
			"$exp" "$out/$name.stderr"
	elif [ "$kind" = ko ] || [ -s "$out/$name.stderr" ]; then
		echo "--- stderr of sonde -p2 $kind/$name.stp"
		cat "$out/$name.stderr"
	fi | sed 's/^/    /'
}

if [ "${1:-}" = "--one" ]; then
	out=$2
	shift 2
	for c in "$@"; do
		run_case "$out" "${c%%:*}" "${c#*:}"
	done
	exit 0
fi

# ---- the whole run ----------------------------------------------------------
verbose=0
if [ "${1:-}" = "-v" ]; then
	verbose=1
	shift
fi
patterns=("$@")
[ ${#patterns[@]} -eq 0 ] && patterns=('*')

if [ ! -x "$sonde" ]; then
	echo "lang: $sonde not found (run make first)" >&2
	exit 2
fi

out=$(mktemp -d "${TMPDIR:-/tmp}/sonde-lang.XXXXXX")
trap 'rm -rf "$out"' EXIT

# Target variables are typed from a small BTF fixture (btf/make_btf.c), not
# from the kernel the host happens to have.
if ! ${CC:-cc} -o "$out/make_btf" "$dir/btf/make_btf.c" -lbpf ||
   ! "$out/make_btf" "$out/kernel.btf"; then
	echo "lang: cannot make the BTF fixture (btf/make_btf.c needs libbpf-dev)" >&2
	exit 2
fi
export SONDE_BTF=$out/kernel.btf

# the cases, as "KIND NAME" lines
cases=()
for kind in ok ko; do
	for stp in "$dir/$kind"/*.stp; do
		[ -e "$stp" ] || continue
		name=${stp##*/}
		name=${name%.stp}
		for p in "${patterns[@]}"; do
			# shellcheck disable=SC2053
			if [[ $name == $p ]]; then
				cases+=("$kind $name")
				break
			fi
		done
	done
done

# known failures: NAME  reason
declare -A listed=()
if [ -f "$known" ]; then
	while read -r name reason; do
		case $name in ''|'#'*) continue ;; esac
		listed[$name]=${reason:-"(no reason given)"}
	done <"$known"
fi

# in parallel, a few batches per CPU
jobs=$(nproc 2>/dev/null || echo 4)
batch=$(( (${#cases[@]} + 4 * jobs - 1) / (4 * jobs) ))
if [ ${#cases[@]} -gt 0 ]; then
	printf '%s\n' "${cases[@]}" | tr ' ' : |
		xargs -P "$jobs" -n "$batch" "$0" --one "$out"
fi

pass=0 fail=0 skip=0
declare -A seen=()
for c in "${cases[@]}"; do
	kind=${c% *} name=${c#* }
	if [ -n "${seen[$name]:-}" ]; then
		echo "FAIL $name: the name is used in both ok/ and ko/"
		fail=$((fail + 1))
		continue
	fi
	seen[$name]=1
	result="fail did not run"
	[ -f "$out/$name.result" ] && read -r result <"$out/$name.result"
	if [ "$result" = pass ]; then
		if [ -n "${listed[$name]:-}" ]; then
			echo "XPASS $name (remove it from known-failures.txt)"
			fail=$((fail + 1))
		else
			pass=$((pass + 1))
		fi
	elif [ -n "${listed[$name]:-}" ]; then
		skip=$((skip + 1))
		if [ $verbose -eq 1 ]; then
			echo "KNOWN $kind/$name (${result#fail }) - ${listed[$name]}"
			show_diff "$kind" "$name"
		fi
	else
		echo "FAIL $kind/$name (${result#fail })"
		show_diff "$kind" "$name"
		fail=$((fail + 1))
	fi
done

# a listed name that is no case at all is a stale entry (only checked
# when every case ran)
if [ "${patterns[*]}" = '*' ]; then
	for name in "${!listed[@]}"; do
		if [ -z "${seen[$name]:-}" ]; then
			echo "STALE $name is listed in known-failures.txt but is no case"
			fail=$((fail + 1))
		fi
	done
fi

line="lang: $pass passed, $fail failed"
[ $skip -gt 0 ] && line="$line, $skip skipped"
echo "$line"
[ $fail -eq 0 ]
