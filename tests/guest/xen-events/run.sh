#!/usr/bin/env bash
# Boot the xen-events test kernel under TCG with Xen 4.10 emulation, once
# per event-channel callback route, and report TAP: one test per route.
# Each boot runs its route's checks with keep-going, so that a failure
# does not hide the checks after it; the FAILED lines then show as TAP
# diagnostics.  lib/guest.sh's guest_boot says how.
#   run.sh QEMU OUTDIR
# The kernel's log is OUTDIR/xen-events-ROUTE.log, QEMU's own output
# OUTDIR/xen-events-ROUTE.qemu.log; xen-events.c lists the check numbers.
# SPDX-License-Identifier: GPL-2.0-or-later
set -uo pipefail
here=$(cd "$(dirname "$0")" && pwd)
. "$here/../lib/guest.sh"
guest_start xen-events "$here" "$@"

# boot ROUTE DESCRIPTION: one TAP test
boot() {
    guest_boot xen-events "$1" "$1 keep-going" 30 "$2" -cpu qemu64
}

echo "1..6"
boot none "no route: send pends port, selector, upcall flag, no interrupt; mask, unmask; SCHEDOP_block"
boot gsi "GSI 22 through the IOAPIC: one level interrupt per send, again while the flag stays, IF=0, mask, off"
boot intx-ioapic "platform device INTA through the IOAPIC: one interrupt per send, level while the flag stays"
boot intx-pic "platform device INTA through the 8259: one interrupt per send, level while the flag stays"
boot vector "HVM_PARAM_CALLBACK_IRQ vector: no EOI, injected while the flag stays, IF=0, VIRQ_TIMER, SCHEDOP_block"
boot vcpu-vector "HVMOP_set_evtchn_upcall_vector: an edge through the LAPIC, before the domain vector and a GSI"
[ "$guest_failed" = 0 ]
