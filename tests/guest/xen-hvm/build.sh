#!/usr/bin/env bash
# Build the xen-hvm test kernel: build.sh OUTDIR -> OUTDIR/xen-hvm.elf
# SPDX-License-Identifier: GPL-2.0-or-later
set -eu
out=${1:?usage: build.sh OUTDIR}
here=$(cd "$(dirname "$0")" && pwd)
. "$here/../lib/guest.sh"

# long-mode.S has 64-bit code (.code64) too, but goes into a 32-bit object
guest_build "$out" xen-hvm "$here/xen-hvm.ld" "$here/user.S" \
    "$here/long-mode.S" "$here/xen-hvm.c" "$here/hypercalls.c" \
    "$here/unplug.c" "$here/vcpu-start.c"
