#!/usr/bin/env bash
# Boot the xen-hvm test kernel under TCG with Xen 4.10 emulation, as an
# Intel CPU (vmcall) with an IDE disk and an e1000 NIC for the kernel to
# unplug, as an AMD one (vmmcall) without, as Intel with a second vCPU
# to start through VCPUOP_initialise, and once more as Intel to fuzz the
# hypercalls and xenstore's ring; report TAP.  lib/guest.sh's guest_boot says how.
#   run.sh QEMU OUTDIR
# The kernel's log is OUTDIR/xen-hvm-{intel,amd,smp,fuzz}.log, QEMU's
# own output OUTDIR/xen-hvm-{intel,amd,smp,fuzz}.qemu.log; xen-hvm.c
# lists the check numbers.  The intel run's disk is OUTDIR/xen-hvm-disk.img.
# Then the hypervisor console: what the kernel wrote with console_io is
# in the intel run's QEMU output, in the amd run's xen-console-io
# chardev (OUTDIR/xen-hvm-amd.console) instead, and a chardev id that
# names nothing stops QEMU.
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
echo "1..11"
guest_boot xen-hvm intel "intel unplug" 60 \
    "Xen 4.10 CPUID leaves, hypercall page with vmcall, hypercalls, CPL 3, unplug, long mode" \
    -cpu "$intel" -drive "file=$disk,if=ide,format=raw" -nic user,model=e1000
console=$out/xen-hvm-amd.console
rm -f "$console"
guest_accel=xen-console-io=hcon,xen-gnttab-max-frames=128,xen-evtchn-max-pirq=512 \
guest_boot xen-hvm amd "amd tuned" 60 \
    "Xen 4.10 CPUID leaves, hypercall page with vmmcall, hypercalls, CPL 3, long mode, xen-gnttab-max-frames and xen-evtchn-max-pirq" \
    -cpu "$amd" -chardev "file,id=hcon,path=$console"
# the CPUID leaves by version, as under KVM: each version's HVM features
for v in 4.4:0x40004 4.5:0x40005 4.6:0x40006 4.17:0x40011; do
    guest_xen_version=${v#*:} guest_boot xen-hvm "cpuid-${v%%:*}" \
        "intel v${v%%:*}" 60 \
        "xen-version=${v#*:}: CPUID 0x40000001 and 0x40000004 as Xen ${v%%:*} has them" \
        -cpu "$intel"
done
guest_boot xen-hvm smp "intel smp" 60 \
    "a second vCPU started with VCPUOP_initialise and VCPUOP_up, and the contexts Xen refuses" \
    -cpu "$intel" -smp 2
guest_boot xen-hvm fuzz "intel fuzz" 300 \
    "garbage in xenstore's ring, then 1000000 random hypercalls; xen_version still right" \
    -cpu "$intel"

# console_io: the lines check 0x29 and check 0x28 write
hello='xen-hvm: hello from console_io' lm='xen-hvm: console_io in long mode'
failed=0
tap() {
    guest_tests=$((guest_tests + 1))
    if [ "$1" = 0 ]; then
        echo "ok $guest_tests - $2"
    else
        echo "not ok $guest_tests - $2"
        failed=1
    fi
}
qlog=$out/xen-hvm-intel.qemu.log
grep -qF "info: xen console: $hello" "$qlog" && grep -qF "$lm" "$qlog"
tap $? "console_io: the kernel's lines in QEMU's output after 'xen console: '"

alog=$out/xen-hvm-amd.qemu.log
grep -qxF "$hello" "$console" && grep -qF "$lm" "$console" &&
    ! grep -qF "$hello" "$alog"
tap $? "console_io: with xen-console-io, the lines in the chardev only"

timeout 30 "$qemu" -machine pc -display none -nodefaults \
    -accel tcg,xen-version=0x4000a,xen-console-io=nothere \
    >"$out/xen-hvm-nochardev.log" 2>&1
rc=$?
[ "$rc" = 1 ] && grep -q "xen-console-io: no chardev with id 'nothere'" \
    "$out/xen-hvm-nochardev.log"
tap $? "console_io: xen-console-io naming no chardev stops QEMU (status $rc)"
[ "$guest_failed" = 0 ] && [ "$failed" = 0 ]
