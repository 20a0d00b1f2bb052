#!/usr/bin/env bash
# Boot the xen-hvm test kernel under TCG with Xen 4.10 emulation, as an
# Intel CPU (vmcall) with an IDE disk and an e1000 NIC for the kernel to
# unplug, as an AMD one (vmmcall) without, and once more as Intel to
# fuzz the hypercalls; report TAP.  lib/guest.sh's guest_boot says how.
#   run.sh QEMU OUTDIR
# The kernel's log is OUTDIR/xen-hvm-{intel,amd,fuzz}.log, QEMU's own
# output OUTDIR/xen-hvm-{intel,amd,fuzz}.qemu.log; xen-hvm.c lists the
# check numbers.  The intel run's disk is OUTDIR/xen-hvm-disk.img.
# SPDX-License-Identifier: GPL-2.0-or-later
set -uo pipefail
here=$(cd "$(dirname "$0")" && pwd)
. "$here/../lib/guest.sh"
guest_start xen-hvm "$here" "$@"

# 1 MiB, 2048 sectors: the size the kernel checks in ATA IDENTIFY
disk=$out/xen-hvm-disk.img
rm -f "$disk"
truncate -s 1M "$disk" || {
    echo "Bail out! cannot create $disk"
    exit 1
}

intel=qemu64,vendor=GenuineIntel amd=qemu64,vendor=AuthenticAMD
echo "1..3"
guest_boot xen-hvm intel "intel unplug" 60 \
    "Xen 4.10 CPUID leaves, hypercall page with vmcall, hypercalls, CPL 3, unplug, long mode" \
    -cpu "$intel" -drive "file=$disk,if=ide,format=raw" -nic user,model=e1000
guest_boot xen-hvm amd amd 60 \
    "Xen 4.10 CPUID leaves, hypercall page with vmmcall, hypercalls, CPL 3, long mode" \
    -cpu "$amd"
guest_boot xen-hvm fuzz "intel fuzz" 300 \
    "1000000 random hypercalls, then xen_version still right" \
    -cpu "$intel"
[ "$guest_failed" = 0 ]
