#!/bin/busybox sh
# guest-init.sh - /init of the test guest built by tests/runtime/run.sh.
# Runs each case with sonde-run and prints its exit status, stdout and
# stderr between markers that run.sh checks on the host.
/bin/busybox --install -s /bin
echo
mount -t proc proc /proc
mount -t sysfs sys /sys
mount -t devtmpfs dev /dev
cd /m
L=/m/sonde-run

show() {
	echo "=== $1 rc=$2"
	echo "--- stdout"
	if [ "$(wc -l </tmp/out)" -gt 50 ]; then
		echo "lines: $(wc -l </tmp/out)"; tail -n 1 /tmp/out
	else
		cat /tmp/out
	fi
	echo "--- stderr"; cat /tmp/err
	echo "--- lsmod"; lsmod | grep sonde_
	echo "--- end"
}
# a command that keeps calling vfs_read until it is killed
READER='while :; do dd if=/proc/version of=/dev/null 2>/dev/null; sleep 0.1; done'

case_() {   # case_ NAME sonde-run-args...
	name=$1; shift
	$L "$@" >/tmp/out 2>/tmp/err
	show "$name" $?
}

case_ basic -T 2 -c "$READER" sonde_hand_basic.ko
case_ exit -T 20 sonde_hand_exit.ko
case_ bad sonde_hand_bad.ko
case_ kret -c 'dd if=/proc/version of=/dev/null 2>/dev/null' sonde_hand_kret.ko
case_ black sonde_hand_black.ko
# a read blocked on a pipe holds the only kretprobe instance: dd misses
case_ missed -v -c 'sleep 2 | dd of=/dev/null 2>/dev/null & sleep 0.5; dd if=/proc/version of=/dev/null 2>/dev/null; wait' sonde_hand_missed.ko
case_ busy -c 'dd if=/dev/zero of=/dev/null bs=1 count=100000 2>/dev/null' sonde_hand_basic.ko
# (the flood's output goes through a pipe: it may not fit in memory)
{ $L -T 2 sonde_hand_flood.ko 2>/tmp/err; echo $? >/tmp/rc; } | tail -n 1 >/tmp/out
show flood "$(cat /tmp/rc)"
case_ error sonde_hand_error.ko
case_ outfile -o /tmp/file -T 1 sonde_hand_basic.ko
echo "=== outfile-content"; cat /tmp/file; echo "--- end"

# SIGINT runs the end probes
$L -c "$READER" sonde_hand_basic.ko >/tmp/out 2>/tmp/err &
pid=$!
sleep 1
kill -INT $pid
wait $pid
show sigint $?

# a loader killed with SIGKILL leaves its module behind; the next run
# removes it
$L sonde_hand_basic.ko >/tmp/out 2>/tmp/err &
pid=$!
sleep 1
kill -KILL $pid
wait $pid
echo "=== killed"; lsmod | grep sonde_
# ctl was closed by the kill: the end probe ran, its output waits in data
dd if=/proc/sonde_hand_basic/data bs=70000 2>/dev/null | tr -c 'a-z0-9=>\n' ' '
echo "--- end"
case_ stale -T 1 sonde_hand_basic.ko

# the control file by hand: start twice, stop twice
echo "=== ctl"
insmod /m/sonde_hand_exit.ko
exec 3>/proc/sonde_hand_exit/ctl
echo start >&3; echo "start rc=$?"
echo start >&3; echo "start-again rc=$?"
sleep 1
echo stop >&3; echo "stop rc=$?"
echo stop >&3; echo "stop-again rc=$?"
exec 3>&-
dd if=/proc/sonde_hand_exit/data bs=70000 2>/dev/null | od -An -c | tr -s ' '
rmmod sonde_hand_exit; echo "rmmod rc=$?"
# stop before start: nothing runs, the stream is just DONE
insmod /m/sonde_hand_basic.ko
exec 3>/proc/sonde_hand_basic/ctl
echo stop >&3; echo "stop-before-start rc=$?"
echo start >&3; echo "start-after-stop rc=$?"
exec 3>&-
dd if=/proc/sonde_hand_basic/data bs=70000 2>/dev/null | od -An -tx4
rmmod sonde_hand_basic; echo "rmmod rc=$?"
echo "--- end"

echo "=== final"; lsmod | grep sonde_; echo "--- end"
echo "=== dmesg"; dmesg | grep -iE 'warn|bug|oops|sonde|lockdep|rcu'; echo "--- end"
poweroff -f
