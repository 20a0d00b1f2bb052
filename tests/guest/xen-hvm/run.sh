#!/usr/bin/env bash
# Boot the xen-hvm test kernel under TCG with Xen 4.10 emulation, as an
# Intel CPU (vmcall) with an IDE disk and an e1000 NIC for the kernel to
# unplug, as an AMD one (vmmcall) without, and once more as Intel to
# fuzz the hypercalls; report TAP.  -no-reboot: a triple fault (say,
# while the kernel switches to long mode) would otherwise boot it again
# and again until the timeout; this way QEMU exits at once, with 0.
#   run.sh QEMU OUTDIR
# The kernel's log is OUTDIR/xen-hvm-{intel,amd,fuzz}.log, QEMU's own
# output OUTDIR/xen-hvm-{intel,amd,fuzz}.qemu.log; xen-hvm.c lists the
# check numbers.  The intel run's disk is OUTDIR/xen-hvm-disk.img.
# SPDX-License-Identifier: GPL-2.0-or-later
set -uo pipefail
qemu=${1:?usage: run.sh QEMU OUTDIR} out=${2:?usage: run.sh QEMU OUTDIR}
here=$(cd "$(dirname "$0")" && pwd)
mkdir -p "$out"

"$here/build.sh" "$out" >"$out/xen-hvm-build.log" 2>&1 || {
    sed 's/^/# /' "$out/xen-hvm-build.log"
    echo "Bail out! cannot build xen-hvm.elf"
    exit 1
}

# 1 MiB, 2048 sectors: the size the kernel checks in ATA IDENTIFY
disk=$out/xen-hvm-disk.img
rm -f "$disk"
truncate -s 1M "$disk" || {
    echo "Bail out! cannot create $disk"
    exit 1
}

n=0 failed=0
# boot NAME VENDOR CMDLINE TIMEOUT DESCRIPTION [QEMU ARG...]: one TAP test
boot() {
    local name=$1 vendor=$2 append=$3 limit=$4 what=$5 cpu rc why
    local log=$out/xen-hvm-$name.log qlog=$out/xen-hvm-$name.qemu.log
    shift 5
    n=$((n + 1))
    case $vendor in
    intel) cpu=GenuineIntel ;;
    amd)   cpu=AuthenticAMD ;;
    esac
    rm -f "$log"
    timeout "$limit" "$qemu" -machine pc -accel tcg,xen-version=0x4000a \
        -cpu "qemu64,vendor=$cpu" -display none -nodefaults -no-reboot \
        -serial "file:$log" -device isa-debug-exit,iobase=0xf4,iosize=1 \
        -kernel "$out/xen-hvm.elf" -append "$append" "$@" >"$qlog" 2>&1
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
    elif [ "$rc" = 65 ]; then
        why="an exception before the first check"
    elif [ $((rc % 2)) = 1 ] && [ "$rc" -ge 3 ]; then
        why="check $(( (rc - 1) / 2 )) failed"
    else
        why="QEMU failed"
    fi
    echo "not ok $n - $name: exit status $rc ($why; 67 expected), see $log"
    # the kernel's last words and QEMU's complaints, as TAP diagnostics
    tail -n 3 "$log" 2>/dev/null | sed 's/^/# /'
    tail -n 3 "$qlog" | sed 's/^/# /'
}

echo "1..3"
boot intel intel "intel unplug" 60 \
    "Xen 4.10 CPUID leaves, hypercall page with vmcall, hypercalls, CPL 3, unplug, long mode" \
    -drive "file=$disk,if=ide,format=raw" -nic user,model=e1000
boot amd amd amd 60 \
    "Xen 4.10 CPUID leaves, hypercall page with vmmcall, hypercalls, CPL 3, long mode"
boot fuzz intel "intel fuzz" 300 \
    "1000000 random hypercalls, then xen_version still right"
[ "$failed" = 0 ]
