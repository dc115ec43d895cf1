#!/bin/sh
# check.sh LOG - checks the guest's console log written by guest-init.sh.
# Prints one line per failed expectation; exits 1 if any failed.
log=$1
fails=0

# section NAME: the lines of case NAME, from "=== NAME" to "--- end"
section() {
	awk -v n="$1" '$1 == "===" && $2 == n { on = 1 } on { print } on && /^--- end/ { exit }' "$log"
}
# expect NAME PATTERN...: every extended regex matches a line of the case
expect() {
	name=$1; shift
	for pat in "$@"; do
		if ! section "$name" | grep -Eq -- "$pat"; then
			echo "FAIL $name: no line matches /$pat/"
			fails=$((fails + 1))
		fi
	done
}
# reject NAME PATTERN...: no line of the case matches
reject() {
	name=$1; shift
	for pat in "$@"; do
		if section "$name" | grep -Eq -- "$pat"; then
			echo "FAIL $name: unexpected /$pat/"
			fails=$((fails + 1))
		fi
	done
}
# ticks NAME LO HI: the end probe's tick count is in [LO, HI]
ticks() {
	t=$(section "$1" | sed -n 's/.*ticks=\([0-9]*\).*/\1/p' | head -n1)
	if [ -z "$t" ] || [ "$t" -lt "$2" ] || [ "$t" -gt "$3" ]; then
		echo "FAIL $1: ticks=$t, wanted $2..$3"
		fails=$((fails + 1))
	fi
}

expect basic 'rc=0' '^hello$' 'reads>0=1 ticks='
ticks basic 17 21
expect exit 'rc=0' '^hello$' '^exiting$' 'ticks=5$'
expect bad 'rc=1' \
	'^ERROR: cannot probe kernel.function\("sonde_no_such_function"\) \(bad.stp:3:1\): no such function$'
reject bad hello 'end probe ran'
expect kret 'rc=0' 'returns>0=1 maxret>0=1 target>0=1'
expect black 'rc=1' \
	'^ERROR: cannot probe kernel.function\("kprobe_int3_handler"\).return \(black.stp:3:1\): function cannot be probed \(blacklisted, inlined or notrace\)$'
reject black hello
expect missed 'rc=0' \
	'^WARNING: [1-9][0-9]* missed kretprobe instances of kernel.function\("vfs_read"\).return$' \
	'^sonde-run: loaded module sonde_hand_missed$' '^sonde-run: probes started$' \
	'^sonde-run: stopping: the command exited$' '^sonde-run: unloaded module sonde_hand_missed$'
expect busy 'rc=0' '^hello$' 'reads>0=1'
expect flood 'rc=0' '^flood end$' \
	'^WARNING: [1-9][0-9]* output records \([1-9][0-9]* bytes\) were dropped: the output buffer was full$'
expect error 'rc=1' '^error probe ran$' \
	"^ERROR: division by zero near operator '/' at hand.stp:1:20$" \
	'^WARNING: Number of errors: 1, skipped probes: 0$'
reject error '^hello$' 'end probe ran'
expect outfile 'rc=0'
reject outfile hello
expect outfile-content '^hello$' 'ticks=(9|10|11)$'
expect sigint 'rc=0' '^hello$' 'reads>0=1 ticks='
expect killed 'sonde_hand_basic' 'reads>0=1 ticks='
expect stale 'rc=0' '^hello$' \
	'^sonde-run: removed stale module sonde_hand_basic \(loader pid [0-9]+ is gone\)$'
expect ctl '^start rc=0$' '^start-again rc=1$' '^stop rc=0$' '^stop-again rc=0$' \
	'h e l l o' 'e x i t i n g' 't i c k s = 5' \
	'^stop-before-start rc=0$' '^start-after-stop rc=1$' \
	'00000004 00000028 00000000 00000000' '^rmmod rc=0$'
reject ctl 'rmmod rc=[1-9]'
expect final '^=== final'
reject final 'sonde_'
reject dmesg 'WARNING|BUG|Oops|lockdep|stall'
for n in basic exit bad black kret missed busy flood error outfile sigint stale; do
	reject "$n" '^sonde_hand'       # lsmod: every module was unloaded
done

if [ "$fails" -gt 0 ]; then
	echo "runtime tests: $fails failed (log: $log)"
	exit 1
fi
echo "runtime tests: all passed"
