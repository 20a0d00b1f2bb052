#!/usr/bin/env bash
# make install PREFIX=DIR: the emulator and the data files it needs, laid
# out so that the relocatable binary finds them (DIR/bin, DIR/share/qemu).
# Firmware stays with Debian's packages (seabios, ipxe-qemu,
# qemu-system-data), where the binary looks for it.
. "$(dirname "$0")/common.sh"

prefix=${1:?usage: install.sh PREFIX}
bundle=$(find "$BUILD_DIR/qemu-bundle" -type d -path '*/share/qemu' | head -n 1)
[ -n "$bundle" ] || die "no data files in $BUILD_DIR/qemu-bundle: run 'make' first"

install -d "$prefix/bin" "$prefix/share/qemu"
install -m 755 "$BUILD_DIR/qemu-system-x86_64" "$prefix/bin/qemu-system-x86_64"
# qemu-bundle holds links into the build and source trees: copy what they
# point at, not the links, and skip files this build did not generate
(cd "$bundle" && find -L . -type f) | while read -r f; do
    install -D -m 644 "$bundle/$f" "$prefix/share/qemu/$f"
done
say "installed $prefix/bin/qemu-system-x86_64 and $prefix/share/qemu"
say "libxl: device_model_version=\"qemu-xen\" and device_model_override=\"$prefix/bin/qemu-system-x86_64\""
