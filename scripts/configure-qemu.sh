#!/usr/bin/env bash
# Configure QEMU in $BUILD_DIR: x86_64 system emulator only, with Xen,
# KVM, TCG and slirp, and firmware found where Debian's packages put it.
# QEMU's configure hands meson the compiler itself, so meson's own ccache
# detection never applies: name ccache in the compiler.
# Reconfigures from scratch when the options change or a previous
# configure did not finish.
. "$(dirname "$0")/common.sh"

OPTS=(--target-list=x86_64-softmmu
      --python=/usr/bin/python3
      --without-default-features
      --enable-tcg --enable-kvm --enable-xen --enable-slirp --enable-pixman
      --enable-zstd --enable-bzip2 --enable-lz4 --enable-lzo
      --enable-fdt=system --disable-download --disable-install-blobs
      --disable-docs --disable-werror
      --cc="ccache gcc"
      --firmwarepath="$(echo $FIRMWARE_DIRS | tr " " :)"
      ${EXTRA_CONFIGURE_FLAGS:-})

want=$(printf '%s\n' "${OPTS[@]}" "$(cat "$SRC_DIR/VERSION")" | sha256sum | cut -d' ' -f1)
if [ "$(cat "$BUILD_DIR/.xp-configured" 2>/dev/null)" = "$want" ] &&
   [ -f "$BUILD_DIR/build.ninja" ]; then
    exit 0
fi

rm -rf "$BUILD_DIR"
mkdir -p "$BUILD_DIR"
say "configuring QEMU in $(basename "$BUILD_DIR")"
if ! (cd "$BUILD_DIR" && "$SRC_DIR/configure" "${OPTS[@]}" >configure.log 2>&1); then
    tail -n 30 "$BUILD_DIR/configure.log" >&2
    die "QEMU's configure failed (full log: $BUILD_DIR/configure.log); 'make deps' installs what it needs"
fi
echo "$want" >"$BUILD_DIR/.xp-configured"
