#!/usr/bin/env bash
# QEMU run from its build tree looks for every data file, firmware
# included, under build/qemu-bundle/<absolute path>.  Point the firmware
# directories there at Debian's packages (the --firmwarepath given to
# configure), so that build/qemu-system-x86_64 needs no -L flag.
. "$(dirname "$0")/common.sh"

for d in $FIRMWARE_DIRS; do
    [ -d "$d" ] || die "firmware directory $d is missing: run 'make deps'"
    link=$BUILD_DIR/qemu-bundle$d
    [ "$(readlink "$link" 2>/dev/null)" = "$d" ] && continue
    mkdir -p "$(dirname "$link")"
    rm -rf "$link"
    ln -s "$d" "$link"
done
