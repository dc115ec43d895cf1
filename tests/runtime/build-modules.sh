#!/bin/sh
# build-modules.sh OUTDIR - builds every variant of hand_module.c into
# OUTDIR/sonde_hand_<variant>.ko with kbuild, warnings as errors.
#   KVER=6.1.0-56-amd64 (default: the release under /lib/modules)
#   SONDE_RUNTIME=DIR   runtime tree to build against (default: the repo's)
set -eu
out=$(mkdir -p "$1" && cd "$1" && pwd)
repo=$(cd "$(dirname "$0")/../.." && pwd)
kver=${KVER:-$(ls /lib/modules | head -n1)}
kdir=/lib/modules/$kver/build
rt=${SONDE_RUNTIME:-$repo/runtime}

build() {   # build NAME VARIANT EXTRA-CFLAGS
	d=$out/build-$1
	rm -rf "$d" && mkdir -p "$d"
	printf '#include "sonde_runtime.c"\n' >"$d/runtime.c"
	printf '#define HAND_VARIANT %s\n#include "%s/tests/runtime/hand_module.c"\n' \
		"$2" "$repo" >"$d/script.c"
	cat >"$d/Kbuild" <<EOK
obj-m := $1.o
$1-y := script.o runtime.o
ccflags-y := -I$rt -I$repo/runtime -Werror $3
EOK
	make -s -C "$kdir" M="$d" modules >"$d/build.log" 2>&1 || {
		cat "$d/build.log" >&2
		exit 1
	}
	if grep -i 'warning' "$d/build.log" >&2; then
		echo "build-modules.sh: $1 built with warnings" >&2
		exit 1
	fi
	cp "$d/$1.ko" "$out/"
}

build sonde_hand_basic 1 ""
build sonde_hand_exit 1 "-DHAND_EXIT_TICKS=5"
build sonde_hand_bad 2 ""
build sonde_hand_kret 3 ""
build sonde_hand_flood 4 "-DSONDE_BUFSIZE=262144"
build sonde_hand_error 5 ""
build sonde_hand_black 6 ""
build sonde_hand_missed 7 ""
