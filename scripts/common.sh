# Shared settings for the build scripts; sourced, never run.
# Everything here can be overridden from the environment or make's command line.

set -euo pipefail

TOP=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
CACHE_DIR=${CACHE_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/xen-platform}
QEMU_SERIES=${QEMU_SERIES:-10.0}
SRC_DIR=${SRC_DIR:-$TOP/qemu-src}
BUILD_DIR=${BUILD_DIR:-$TOP/build}

# Directories of our tree that mirror QEMU's layout and are laid over it.
OVERLAY_DIRS="hw include target accel qapi tests/qtest docs/xen"

say() { printf '%s: %s\n' "$(basename "$0")" "$*" >&2; }
die() { say "error: $*"; exit 1; }

# Where Debian's packages put firmware (qemu-system-data, seabios, ipxe-qemu)
FIRMWARE_DIRS="/usr/share/qemu /usr/share/seabios /usr/lib/ipxe/qemu"
