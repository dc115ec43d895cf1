#!/bin/bash
# run.sh - hostile inputs for the translator.  Every case is a script made
# here (deterministically) and run through `sonde -p3` (parse, analyze,
# generate C) under a time and a memory limit.  A case passes when sonde
# either succeeds or fails cleanly: exit status 1 with at least one
# diagnostic about the file ("FILE:LINE:COL: error: ...", or "FILE: error:"
# for the file as a whole, e.g. "the script has no probes").  A crash
# (status >= 128), a timeout, an exhausted memory limit, an internal
# compiler error or any other exit status fails it.
#
# Limits per case: $ROBUST_TIMEOUT seconds (default 20), $ROBUST_MEM_KB of
# virtual memory (default 2 GB), 8 MB of stack (or $stack KB for the case).
set -u
root=$(cd "$(dirname "$0")/../.." && pwd)
sonde=$root/build/sonde
tmo=${ROBUST_TIMEOUT:-20}
mem=${ROBUST_MEM_KB:-2097152}
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
results=$dir/results     # one PASS/FAIL line per case (cases run in subshells)

# rep N TEXT: TEXT (one line) repeated N times, no newline
rep() {
	yes -- "$2" | head -n "$1" | tr -d '\n'
}

# garbage N SEED: N pseudo-random bytes (all 256 values), the same every run
garbage() {
	awk -v n="$1" -v seed="$2" 'BEGIN {
		x = seed
		for (i = 0; i < n; i++) {
			x = (x * 1103515245 + 12345) % 2147483648
			printf "%c", int(x / 65536) % 256
		}
	}' | LC_ALL=C tr -d '\000' | head -c "$1"
}

# check NAME: runs $dir/NAME.stp and judges the result
check() {
	local name=$1 f=$dir/$1.stp rc
	(ulimit -v "$mem"; ulimit -s "${stack:-8192}"; exec timeout -k 5 "$tmo" "$sonde" -p3 "$f") \
		>/dev/null 2>"$dir/$name.err"
	rc=$?
	local why=""
	if [ $rc -eq 124 ] || [ $rc -eq 137 ]; then
		why="timed out after ${tmo}s"
	elif [ $rc -ge 128 ]; then
		why="killed by signal $((rc - 128))"
	elif grep -q "internal compiler error\|out of memory" "$dir/$name.err"; then
		why="$(grep -m1 "internal compiler error\|out of memory" "$dir/$name.err")"
	elif [ $rc -eq 1 ] && ! grep -aEq "^$f(:[0-9]+:[0-9]+)?: error: " "$dir/$name.err"; then
		why="exit status 1 without an error naming the file"
	elif [ $rc -ne 0 ] && [ $rc -ne 1 ]; then
		why="exit status $rc"
	fi
	if [ -z "$why" ]; then
		echo "PASS $name (exit $rc)" | tee -a "$results"
	else
		echo "FAIL $name: $why" | tee -a "$results"
		head -5 "$dir/$name.err" | cut -c1-200 | sed 's/^/    /'
	fi
	rm -f "$f" "$dir/$name.err"
}

# case NAME: stdin becomes $dir/NAME.stp, then check NAME
case_() {
	cat >"$dir/$1.stp"
	check "$1"
}

N=100000                     # nesting depth
MB=1048576

# --- nothing and almost nothing
: | case_ empty
printf '\n\n\t  \n' | case_ blank
printf '# a\n// b\n/* c\n */\n' | case_ only_comments
printf 'probe begin { exit() } # no newline at the end' | case_ no_final_newline

# --- binary garbage and NUL bytes
garbage 65536 42 | case_ garbage
{ printf 'probe begin {\n'; garbage 4096 7; printf '\n}\n'; } | case_ garbage_in_probe
printf 'probe begin { x = 1 }\0probe end { }\n' | case_ nul_byte
printf 'probe begin { printf("a\0b") }\n' | case_ nul_in_string
printf '\xef\xbb\xbfprobe begin { }\n' | case_ utf8_bom
printf 'probe begin { \xff\xfe }\n' | case_ invalid_utf8

# --- deep nesting
{ printf 'probe begin { x = '; rep $N '('; printf 1; rep $N ')'; printf ' }\n'; } | case_ deep_parens
{ printf 'probe begin '; rep $N '{'; rep $N '}'; printf '\n'; } | case_ deep_blocks
{ printf 'probe begin { x = '; rep $N '!'; printf '1 }\n'; } | case_ deep_unary
{ printf 'probe begin { x = '; rep $N '- '; printf '1 }\n'; } | case_ deep_minus
{ printf 'probe begin { x = 1'; rep $N ' + 1'; printf ' }\n'; } | case_ long_sum
{ printf 'probe begin { x = '; rep $N 'x = '; printf '1 }\n'; } | case_ deep_assign
{ printf 'probe begin { x = '; rep $N '1 ? 1 : '; printf '1 }\n'; } | case_ deep_ternary
{ printf 'probe begin { '; rep $N 'if (1) '; printf 'x = 1 }\n'; } | case_ deep_if
{ printf 'probe begin { '; rep $N 'while (1) '; printf 'break }\n'; } | case_ deep_while
{ printf 'function f(x) { return x }\nprobe begin { x = '; rep $N 'f('; printf 1; rep $N ')'; printf ' }\n'; } | case_ deep_calls
{ printf 'global a\nprobe begin { x = '; rep $N 'a['; printf 1; rep $N ']'; printf ' }\n'; } | case_ deep_index
{ printf 'probe begin if ('; rep 3000 '1 + '; printf '1), end if ('; rep 3000 '1 + '; printf '1) { }\n'; } | case_ deep_probe_cond
{ printf 'probe begin { x = "a"'; rep $N ' . "a"'; printf ' }\n'; } | case_ long_concat
{ printf 'probe begin { x = '; rep $N '(1 + '; printf 1; rep $N ')'; printf ' }\n'; } | case_ deep_mixed
{ printf 'probe begin { x = $x'; rep $N '->a'; printf ' }\n'; } | case_ long_target_chain

# a call chain f0 -> f1 -> ... -> f10000, in a 1 MB stack: no pass may
# recurse along the call graph
{ for i in $(seq 0 9999); do printf 'function f%d() { return f%d() }\n' $i $((i + 1)); done
  printf 'function f10000() { return 1 }\nprobe begin { println(f0()) }\n'; } |
	stack=1024 case_ long_call_chain

# --- 1 MB on one line
{ printf 'probe begin { '; rep $((MB / 6)) 'x = 1;'; printf ' }\n'; } | case_ mb_statements
{ printf 'probe begin { '; rep $((MB / 4)) '{ }'; printf ' }\n'; } | case_ mb_blocks
{ rep $((MB / 16)) 'probe begin { }'; printf '\n'; } | case_ mb_probes
{ printf 'global a0'; rep $((MB / 8)) ', a'; printf '\nprobe begin { }\n'; } | case_ mb_globals
{ printf 'probe begin { printf("%%d"'; rep $((MB / 3)) ', 1'; printf ') }\n'; } | case_ mb_args
{ printf 'probe begin { x = "'; rep $MB 'a'; printf '" }\n'; } | case_ mb_string
{ printf 'probe begin { x = "a"'; rep $((MB / 4)) ' "a"'; printf ' }\n'; } | case_ mb_adjacent_strings
{ printf 'probe begin { '; rep $MB 'a'; printf ' = 1 }\n'; } | case_ mb_identifier
{ printf 'probe begin { x = 1 } /* '; rep $MB '*'; printf ' */\n'; } | case_ mb_comment
{ printf 'probe begin { x = 1 } '; rep $MB '@'; printf '\n'; } | case_ mb_lex_errors
{ printf 'probe begin { x = 1 } '; rep $((MB / 2)) ') '; printf '\n'; } | case_ mb_syntax_errors
{ printf 'probe begin { '; rep $((MB / 8)) 'x = 1 +; '; printf ' }\n'; } | case_ mb_errors_in_block
{ rep $((MB / 10)) '%( 1 %? '; printf '\n'; } | case_ mb_preprocessor
garbage $MB 1234 | tr '\n' ' ' | case_ mb_garbage
# 10,000 globals in one probe: the generated locking must stay linear
{ printf 'global g0'; seq -f ', g%g' 1 9999 | tr -d '\n'; printf '\nprobe begin { ';
  seq -f 'g%g = 1;' 0 9999 | tr '\n' ' '; printf '}\n'; } | case_ many_globals

# --- a few bytes that multiply
{ printf 'probe '; rep 60 '{begin,end}.'; printf 'x { }\n'; } | case_ brace_expansion_bomb
for i in $(seq 1 15); do
	printf 'probe a%d = a%d, a%d, a%d, a%d { }\n' $i $((i + 1)) $((i + 1)) $((i + 1)) $((i + 1))
done | { cat; printf 'probe a16 = begin { }\nprobe a1 { }\n'; } | case_ alias_fanout_bomb

# --- unterminated constructs
printf 'probe begin { printf("abc) }\n' | case_ unterminated_string
printf 'probe begin { x = "abc\\' | case_ unterminated_string_backslash
printf 'probe begin { x = 1 }\n/* no end\n\n' | case_ unterminated_comment
printf 'probe begin { x = 1 }\n%%{ int x;\n' | case_ unterminated_embedded
printf 'probe begin { x = 1 } %%\n' | case_ lone_percent
printf 'probe begin {\n  x = 1\n' | case_ unterminated_block
printf 'probe begin { x = (1 + 2 }\n' | case_ unbalanced_paren

# --- unbalanced preprocessor conditionals
printf '%%( 1 == 1 %%? probe begin { } \n' | case_ pp_no_end
printf '%%( 1 == 1 %%? probe begin { } %%: probe end { }\n' | case_ pp_no_end_else
printf 'probe begin { } %%)\n' | case_ pp_stray_end
printf 'probe begin { } %%: %%?\n' | case_ pp_stray_else
printf '%%(\n' | case_ pp_open_only
{ rep 2000 '%( 1 == 1 %? '; printf 'probe begin { }'; rep 2000 ' %)'; printf '\n'; } | case_ pp_deep
{ rep 2000 '%( 1 == 1 %? '; printf 'probe begin { }\n'; } | case_ pp_deep_unclosed

pass=$(grep -c '^PASS' "$results")
fail=$(grep -c '^FAIL' "$results")
echo "robustness: $pass passed, $fail failed"
[ "$fail" -eq 0 ]
