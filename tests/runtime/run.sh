#!/bin/sh
# run.sh - the kernel runtime's regression test: builds the hand-written
# module variants (build-modules.sh) and a static sonde-run, boots them in
# a QEMU guest (guest-init.sh runs the cases), and checks the output.
#   KVER=...   kernel release to build for and boot (default: the one
#              under /lib/modules);  SMP=2;  KEEP=1 keeps the work dir
set -eu
repo=$(cd "$(dirname "$0")/../.." && pwd)
kver=${KVER:-$(ls /lib/modules | head -n1)}
work=$(mktemp -d /tmp/sonde-rt.XXXXXX)
[ -n "${KEEP:-}" ] || trap 'rm -rf "$work"' EXIT

KVER=$kver "$repo/tests/runtime/build-modules.sh" "$work/ko"
mkdir -p "$work/root/bin" "$work/root/m" "$work/root/proc" "$work/root/sys" \
	"$work/root/dev" "$work/root/tmp"
cc -static -O2 -Wall -I"$repo/runtime" -o "$work/root/m/sonde-run" \
	"$repo"/loader/*.c -lpthread
cp "$work"/ko/*.ko "$work/root/m/"
cp "$(command -v busybox)" "$work/root/bin/busybox"
cp "$repo/tests/runtime/guest-init.sh" "$work/root/init"
chmod +x "$work/root/init"
(cd "$work/root" && find . | cpio -o -H newc --quiet) >"$work/initrd.cpio"

timeout 300 qemu-system-x86_64 -accel tcg -m 512 -smp "${SMP:-2}" \
	-kernel "/boot/vmlinuz-$kver" -initrd "$work/initrd.cpio" \
	-append 'console=ttyS0 quiet panic=-1' -nographic -no-reboot \
	</dev/null >"$work/console.log" 2>&1 || true
esc=$(printf '\033')
tr -d '\r' <"$work/console.log" | sed "s/$esc\[[0-9;?]*[a-zA-Z]//g" >"$work/out.log"
cp "$work/out.log" "${LOG:-/tmp/sonde-runtime-test.log}"
exec "$repo/tests/runtime/check.sh" "$work/out.log"
