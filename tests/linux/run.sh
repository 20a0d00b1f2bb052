#!/usr/bin/env bash
# The Linux scenarios, for make check: run.sh QEMU OUTDIR [SCENARIO...]
# Builds the guest (build-images.sh) into OUTDIR/images, then boots it
# once per scenario (scenarios.py); prints TAP.
# SPDX-License-Identifier: GPL-2.0-or-later
set -uo pipefail
qemu=${1:?usage: run.sh QEMU OUTDIR [SCENARIO...]}
out=${2:?usage: run.sh QEMU OUTDIR [SCENARIO...]}
shift 2
here=$(cd "$(dirname "$0")" && pwd)
mkdir -p "$out"

if ! "$here/build-images.sh" "$out/images" >"$out/build-images.log" 2>&1; then
    sed 's/^/# /' "$out/build-images.log"
    echo "Bail out! cannot build the Linux guest (build-images.sh)"
    exit 1
fi
exec python3 "$here/scenarios.py" "$qemu" "$out/images" "$out" "$@"
