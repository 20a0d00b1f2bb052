#!/bin/sh
# Build the xen-hvm test kernel: build.sh OUTDIR -> OUTDIR/xen-hvm.elf
# SPDX-License-Identifier: GPL-2.0-or-later
set -e
out=${1:?usage: build.sh OUTDIR}
here=$(cd "$(dirname "$0")" && pwd)
mkdir -p "$out"

# The kernel runs with CR4.OSFXSR clear, so no SSE from the vectorizer
# (-mgeneral-regs-only); -fno-pie because Debian's gcc defaults to PIE.
cflags="-m32 -ffreestanding -fno-pic -fno-pie -fno-stack-protector -nostdlib
        -O2 -mgeneral-regs-only -fno-asynchronous-unwind-tables -Wall -Wextra"

gcc $cflags -c "$here/entry.S" -o "$out/xen-hvm-entry.o"
# long-mode.S has 64-bit code (.code64) too, but goes into a 32-bit object
gcc $cflags -c "$here/long-mode.S" -o "$out/xen-hvm-long-mode.o"
gcc $cflags -c "$here/xen-hvm.c" -o "$out/xen-hvm.o"
gcc $cflags -c "$here/hypercalls.c" -o "$out/xen-hvm-hypercalls.o"
gcc $cflags -c "$here/unplug.c" -o "$out/xen-hvm-unplug.o"
ld -m elf_i386 -T "$here/xen-hvm.ld" -o "$out/xen-hvm.elf" \
    "$out/xen-hvm-entry.o" "$out/xen-hvm-long-mode.o" "$out/xen-hvm.o" \
    "$out/xen-hvm-hypercalls.o" "$out/xen-hvm-unplug.o"
