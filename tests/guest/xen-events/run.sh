#!/usr/bin/env bash
# Boot the xen-events test kernel under TCG with Xen 4.10 emulation, once
# per event-channel callback route, and report TAP: one test per route.
# Each boot runs its route's checks with keep-going, so that a failure
# does not hide the checks after it; the FAILED lines then show as TAP
# diagnostics.  -no-reboot: a triple fault ends QEMU at once, with 0.
#   run.sh QEMU OUTDIR
# The kernel's log is OUTDIR/xen-events-ROUTE.log, QEMU's own output
# OUTDIR/xen-events-ROUTE.qemu.log; xen-events.c lists the check numbers.
# SPDX-License-Identifier: GPL-2.0-or-later
set -uo pipefail
qemu=${1:?usage: run.sh QEMU OUTDIR} out=${2:?usage: run.sh QEMU OUTDIR}
here=$(cd "$(dirname "$0")" && pwd)
mkdir -p "$out"

"$here/build.sh" "$out" >"$out/xen-events-build.log" 2>&1 || {
    sed 's/^/# /' "$out/xen-events-build.log"
    echo "Bail out! cannot build xen-events.elf"
    exit 1
}

n=0 failed=0
# boot ROUTE DESCRIPTION: one TAP test
boot() {
    local name=$1 what=$2 rc why
    local log=$out/xen-events-$name.log qlog=$out/xen-events-$name.qemu.log
    n=$((n + 1))
    rm -f "$log"
    timeout 30 "$qemu" -machine pc -accel tcg,xen-version=0x4000a \
        -cpu qemu64 -display none -nodefaults -no-reboot \
        -serial "file:$log" -device isa-debug-exit,iobase=0xf4,iosize=1 \
        -kernel "$out/xen-events.elf" -append "$name keep-going" \
        >"$qlog" 2>&1
    rc=$?
    if [ "$rc" = 67 ]; then
        echo "ok $n - $name: $what"
        return
    fi
    failed=$((failed + 1))
    if [ "$rc" = 124 ]; then
        why="timeout"
    elif [ "$rc" = 0 ]; then
        why="the guest reset, a triple fault perhaps"
    elif [ $((rc % 2)) = 1 ] && [ "$rc" -ge 3 ] && [ "$rc" -le 65 ]; then
        why="check $(( (rc - 1) / 2 )) failed first"
    else
        why="QEMU failed"
    fi
    echo "not ok $n - $name: exit status $rc ($why; 67 expected), see $log"
    # every failed check with what it saw, the kernel's last words, and
    # QEMU's complaints, as TAP diagnostics
    grep -B1 '^FAILED' "$log" 2>/dev/null | grep -v '^--$\|^ok ' |
        sed 's/^/# /'
    tail -n 2 "$log" 2>/dev/null | sed 's/^/# /'
    tail -n 3 "$qlog" | sed 's/^/# /'
}

echo "1..6"
boot none "no route: send pends port, selector, upcall flag, no interrupt; mask, unmask; SCHEDOP_block"
boot gsi "GSI 22 through the IOAPIC: one level interrupt per send, again while the flag stays, IF=0, mask, off"
boot intx-ioapic "platform device INTA through the IOAPIC: one interrupt per send, level while the flag stays"
boot intx-pic "platform device INTA through the 8259: one interrupt per send, level while the flag stays"
boot vector "HVM_PARAM_CALLBACK_IRQ vector: no EOI, injected while the flag stays, IF=0, VIRQ_TIMER, SCHEDOP_block"
boot vcpu-vector "HVMOP_set_evtchn_upcall_vector: an edge through the LAPIC, before the domain vector and a GSI"
[ "$failed" = 0 ]
