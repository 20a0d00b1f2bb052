#!/usr/bin/env bash
# Build the xen-events test kernel: build.sh OUTDIR -> OUTDIR/xen-events.elf
# SPDX-License-Identifier: GPL-2.0-or-later
set -eu
out=${1:?usage: build.sh OUTDIR}
here=$(cd "$(dirname "$0")" && pwd)
. "$here/../lib/guest.sh"

guest_build "$out" xen-events "$guest_lib/guest.ld" "$here/xen-events.c"
