#!/bin/sh
# vm-init.sh - /init of the sonde guest, run by busybox sh as PID 1.
#
# Model (see docs/vm.md): the initramfs built by compiler/vm.c holds
# busybox, this script, /modules (insmod order, one file of /lib/modules a
# line) and /job (SONDE_CWD, SONDE_PATH and "set -- argv...").  We load
# the virtio/9p modules, mount the host's / read-only at $R with fresh
# /proc, /sys, /dev, debugfs, tracefs and a tmpfs /run on top, then run
# the job chrooted into $R with stdout/stderr on the virtio ports
# sonde.out/sonde.err.  sonde.ctl carries one line per message:
#   guest -> host: "start", "rc STATUS OUT_BYTES ERR_BYTES", "fail WHY"
#   host -> guest: "sig N" (forward signal N to the job), "bye" (power off)
# The byte counts (virtio_console's bytes_sent, from debugfs) let the host
# wait until every output byte has crossed before it lets us power off.
# Errors go to /dev/console (ttyS0), which the host shows on failure.

R=/mnt/host
PIDFILE=/run/.sonde-job-pid
export PATH=/bin:/sbin:/usr/bin:/usr/sbin

log() { echo "sonde-init: $*" >&2; }

die() {
	log "$*"
	[ -n "$ctl" ] && echo "fail $*" >&3
	poweroff -f
	sleep 3600
}

mount_basics() {
	mount -t proc proc /proc
	mount -t sysfs sysfs /sys
	mount -t devtmpfs devtmpfs /dev
	mount -t debugfs debugfs /sys/kernel/debug
}

load_modules() {
	while read -r m; do
		insmod "/lib/modules/$m" || die "insmod $m failed"
	done </modules
}

mount_host() {
	mount -t 9p -o trans=virtio,version=9p2000.L,ro,msize=262144,cache=loose \
		hostroot $R || die "cannot mount the host's root file system over 9p"
	mount -t proc proc $R/proc
	mount -t sysfs sysfs $R/sys
	mount -t devtmpfs devtmpfs $R/dev
	mkdir -p $R/dev/pts $R/dev/shm
	mount -t devpts -o newinstance,ptmxmode=0666 devpts $R/dev/pts
	mount -t tmpfs tmpfs $R/dev/shm
	mount -t debugfs debugfs $R/sys/kernel/debug
	mount -t tracefs tracefs $R/sys/kernel/tracing
	mount -t tmpfs -o mode=0755 tmpfs $R/run || die "cannot mount /run"
	mkdir -p $R/run/sonde
}

# find_port NAME: prints /dev/vportXpY of the virtio port called NAME.
find_port() {
	for d in /sys/class/virtio-ports/*; do
		[ "$(cat "$d/name" 2>/dev/null)" = "$1" ] || continue
		echo "/dev/${d##*/}"
		return 0
	done
	return 1
}

find_ports() {
	i=0
	until out=$(find_port sonde.out) && err=$(find_port sonde.err) &&
	      ctl=$(find_port sonde.ctl); do
		i=$((i + 1))
		[ $i -lt 1000 ] || { ctl=; die "virtio ports did not appear"; }
		sleep 0.01
	done
}

# bytes_sent DEV: how many bytes the guest has queued to port DEV.
bytes_sent() {
	while read -r key val; do
		[ "$key" = bytes_sent: ] && { echo "$val"; return; }
	done <"/sys/kernel/debug/virtio-ports/${1##*/}"
	echo 0
}

# forward SIG: sends signal SIG to the job once it has written its pid
# (setsid made that pid its process group id too).
forward() {
	n=0
	until pid=$(cat $R$PIDFILE 2>/dev/null); do
		n=$((n + 1))
		[ $n -lt 50 ] || return
		sleep 0.1
	done
	kill -"$1" -"$pid" 2>/dev/null	# the job's process group, as ^C would
}

# Host -> guest messages.  A read may see EOF until the host side of the
# port is reported connected, hence the retry.
control_loop() {
	while :; do
		read -r what arg <&3 || { sleep 0.05; continue; }
		case $what in
		sig) forward "$arg" ;;
		bye) poweroff -f ;;
		esac
	done
}

run_job() {
	busybox env -i PATH="$SONDE_PATH" HOME=/root LANG=C.UTF-8 \
		SONDE_TMP=/run/sonde TMPDIR=/run/sonde \
		busybox setsid busybox chroot $R /bin/sh -c \
		'echo $$ >'$PIDFILE'; cd -- "$1" || exit 1; unset OLDPWD; shift; exec "$@"' \
		sonde "$SONDE_CWD" "$@" <$R/dev/null >"$out" 2>"$err" 3>&-
}

/bin/busybox --install -s
mount_basics
load_modules
mount_host
find_ports
exec 3<>"$ctl"
. /job
control_loop &
echo start >&3
run_job "$@"
rc=$?
rm -f $R$PIDFILE
echo "rc $rc $(bytes_sent "$out") $(bytes_sent "$err")" >&3
wait
poweroff -f
