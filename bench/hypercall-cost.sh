#!/usr/bin/env bash
# What a Xen hypercall costs a guest under TCG, next to a port read.
#
# Boots tests/guest/xen-hvm with "intel bench" under
# -accel tcg,xen-version=0x4000a -no-reboot: the kernel times 1,000,000
# xen_version(XENVER_version) calls through the hypercall page and
# 1,000,000 inb from port 0x61 (PC speaker/PIT, read by a device model)
# with rdtsc, and prints the average of each.  The target is a hypercall
# costing at most twice the inb; the verdict says whether it is met, and
# the exit status is 0 whenever the figures could be measured.
#
# Without icount, TCG's rdtsc is the host's cycle counter (plus an
# offset), so the figures are host cycles: what the emulation costs on
# this machine, not what a real CPU would take.  They vary with the host's
# load from run to run; the ratio less so.
#
#   bench/hypercall-cost.sh [QEMU]     (default: build/qemu-system-x86_64)
#
# SPDX-License-Identifier: GPL-2.0-or-later
set -uo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
qemu=${1:-$top/build/qemu-system-x86_64}
tmp=$(mktemp -d) || exit 1
trap 'rm -rf "$tmp"' EXIT

"$top/tests/guest/xen-hvm/build.sh" "$tmp" >"$tmp/build.log" 2>&1 || {
    cat "$tmp/build.log" >&2
    echo "hypercall-cost: cannot build the xen-hvm kernel" >&2
    exit 1
}

timeout 300 "$qemu" -machine pc -accel tcg,xen-version=0x4000a -no-reboot \
    -cpu qemu64,vendor=GenuineIntel -display none -nodefaults \
    -serial "file:$tmp/serial.log" -device isa-debug-exit,iobase=0xf4,iosize=1 \
    -kernel "$tmp/xen-hvm.elf" -append "intel bench" >"$tmp/qemu.log" 2>&1
rc=$?
figure() {
    sed -n "s/^$1=\([0-9][0-9]*\)\$/\1/p" "$tmp/serial.log" 2>/dev/null
}
hc=$(figure hypercall_cycles) io=$(figure inb_cycles) ratio=$(figure ratio_x100)
if [ "$rc" != 67 ] || [ -z "$hc" ] || [ -z "$io" ] || [ -z "$ratio" ]; then
    # 67 is the kernel's success; see tests/guest/xen-hvm/xen-hvm.c
    echo "hypercall-cost: the guest failed (exit status $rc, 67 expected)" >&2
    tail -n 5 "$tmp/serial.log" "$tmp/qemu.log" >&2 2>/dev/null
    exit 1
fi

echo "hypercall_cycles=$hc"
echo "inb_cycles=$io"
echo "ratio_x100=$ratio"
times=$((ratio / 100)).$(printf %02d $((ratio % 100)))
if [ "$ratio" -le 200 ]; then
    echo "verdict: met: a hypercall costs ${times}x an inb (target: at most 2x)"
else
    echo "verdict: MISSED: a hypercall costs ${times}x an inb (target: at most 2x)"
fi
