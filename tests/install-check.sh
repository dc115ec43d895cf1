#!/bin/bash
# install-check.sh - `make install` into a temporary prefix gives a sonde
# that finds its runtime, tapsets, templates and loader there: it builds a
# module using a tapset function (-p4), from a directory outside the tree.
set -eu
root=$(cd "$(dirname "$0")/.." && pwd)
prefix=$(mktemp -d "${TMPDIR:-/tmp}/sonde-install.XXXXXX")
trap 'rm -rf "$prefix"' EXIT
make -s -C "$root" install PREFIX="$prefix" > /dev/null
test -x "$prefix/libexec/sonde/sonde-run"
cd "$prefix"
ko=$(TMPDIR=$prefix "$prefix/bin/sonde" -p4 -e 'probe begin { println(execname()); exit() }')
case "$ko" in
"$prefix"/*.ko) test -f "$ko" ;;
*) echo "install-check: unexpected -p4 output: $ko"; exit 1 ;;
esac
echo "install-check: 1 passed, 0 failed"
