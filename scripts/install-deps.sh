#!/bin/sh
# install-deps.sh - installs the Debian packages sonde needs, if missing.
# Build: gcc make flex bison; unit tests: libcunit1-dev; fuzzing (make
# fuzz-check): clang libclang-rt-14-dev (libFuzzer, sanitizers); BTF: libbpf-dev;
# the VM target: qemu-system-x86, busybox-static, a kernel image and its
# headers (linux-image-amd64 + linux-headers-amd64), kmod.
set -e
packages="gcc make flex bison libcunit1-dev clang libclang-rt-14-dev libbpf-dev libelf-dev bc kmod cpio \
qemu-system-x86 busybox-static linux-image-amd64 linux-headers-amd64"
missing=""
for p in $packages; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" ||
		missing="$missing $p"
done
if [ -z "$missing" ]; then
	echo "install-deps: all packages present"
	exit 0
fi
if [ "$(id -u)" != 0 ]; then
	echo "install-deps: missing:$missing; run as root (or: sudo make deps)" >&2
	exit 1
fi
echo "install-deps: installing$missing"
export DEBIAN_FRONTEND=noninteractive
apt-get update -q
apt-get install -y -q --no-install-recommends $missing
