#!/usr/bin/env bash
# Boot the xen-hvm test kernel under TCG with Xen 4.10 emulation, once as
# an Intel CPU (vmcall) and once as an AMD one (vmmcall); report TAP.
#   run.sh QEMU OUTDIR
# The kernel's log is OUTDIR/xen-hvm-{intel,amd}.log, QEMU's own output
# OUTDIR/xen-hvm-{intel,amd}.qemu.log; xen-hvm.c lists the check numbers.
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

echo "1..2"
n=0 failed=0
for vendor in intel amd; do
    n=$((n + 1))
    case $vendor in
    intel) cpu=GenuineIntel insn=vmcall ;;
    amd)   cpu=AuthenticAMD insn=vmmcall ;;
    esac
    log=$out/xen-hvm-$vendor.log
    rm -f "$log"
    timeout 60 "$qemu" -machine pc -accel tcg,xen-version=0x4000a \
        -cpu "qemu64,vendor=$cpu" -display none -nodefaults \
        -serial "file:$log" -device isa-debug-exit,iobase=0xf4,iosize=1 \
        -kernel "$out/xen-hvm.elf" -append "$vendor" \
        >"$out/xen-hvm-$vendor.qemu.log" 2>&1
    rc=$?
    if [ "$rc" = 67 ]; then
        echo "ok $n - $vendor: Xen 4.10 CPUID leaves, hypercall page with $insn, hypercalls"
        continue
    fi
    failed=$((failed + 1))
    if [ "$rc" = 124 ]; then
        why="timeout"
    elif [ $((rc % 2)) = 1 ] && [ "$rc" -ge 3 ] && [ "$rc" -le 65 ]; then
        why="check $(( (rc - 1) / 2 )) failed"
    else
        why="QEMU failed"
    fi
    echo "not ok $n - $vendor: exit status $rc ($why; 67 expected), see $log"
    # the kernel's last words and QEMU's complaints, as TAP diagnostics
    tail -n 3 "$log" 2>/dev/null | sed 's/^/# /'
    tail -n 3 "$out/xen-hvm-$vendor.qemu.log" | sed 's/^/# /'
done
[ "$failed" = 0 ]
