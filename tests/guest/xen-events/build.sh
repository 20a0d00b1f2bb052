#!/bin/sh
# Build the xen-events test kernel: build.sh OUTDIR -> OUTDIR/xen-events.elf
# SPDX-License-Identifier: GPL-2.0-or-later
set -e
out=${1:?usage: build.sh OUTDIR}
here=$(cd "$(dirname "$0")" && pwd)
mkdir -p "$out"

# The kernel runs with CR4.OSFXSR clear, so no SSE from the vectorizer
# (-mgeneral-regs-only); -fno-pie because Debian's gcc defaults to PIE.
cflags="-m32 -ffreestanding -fno-pic -fno-pie -fno-stack-protector -nostdlib
        -O2 -mgeneral-regs-only -fno-asynchronous-unwind-tables -Wall -Wextra"

gcc $cflags -c "$here/entry.S" -o "$out/xen-events-entry.o"
gcc $cflags -c "$here/xen-events.c" -o "$out/xen-events.o"
ld -m elf_i386 -T "$here/xen-events.ld" -o "$out/xen-events.elf" \
    "$out/xen-events-entry.o" "$out/xen-events.o"
