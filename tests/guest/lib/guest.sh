# Bash functions for the test kernels' build.sh and run.sh, which
# source this file: . "$here/../lib/guest.sh"
# SPDX-License-Identifier: GPL-2.0-or-later

guest_lib=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)

# guest_build OUTDIR NAME LDSCRIPT SOURCE...: compile this folder's
# entry.S, guest.c and xen.c and the kernel's SOURCEs (C or assembly)
# into OUTDIR/NAME-objs/, and link them into OUTDIR/NAME.elf with
# LDSCRIPT (guest.ld, or one that INCLUDEs it).
guest_build() {
    local out=$1 name=$2 script=$3 src obj o objs=()
    shift 3
    # The kernels run with CR4.OSFXSR clear, so no SSE from the vectorizer
    # (-mgeneral-regs-only); -fno-pie because Debian's gcc defaults to PIE.
    local cflags=(-m32 -ffreestanding -fno-pic -fno-pie -fno-stack-protector
                  -nostdlib -O2 -mgeneral-regs-only
                  -fno-asynchronous-unwind-tables -Wall -Wextra
                  -I "$guest_lib")
    mkdir -p "$out/$name-objs" || return
    for src in "$guest_lib/entry.S" "$guest_lib/guest.c" "$guest_lib/xen.c" \
               "$@"; do
        obj=$out/$name-objs/$(basename "${src%.*}").o
        for o in "${objs[@]}"; do
            if [ "$o" = "$obj" ]; then
                echo "guest_build: two sources make $obj" >&2
                return 1
            fi
        done
        gcc "${cflags[@]}" -c "$src" -o "$obj" || return
        objs+=("$obj")
    done
    ld -m elf_i386 -L "$guest_lib" -T "$script" -o "$out/$name.elf" \
        "${objs[@]}"
}

# guest_start NAME DIR QEMU OUTDIR: what DIR/run.sh QEMU OUTDIR does
# first: set qemu and out (OUTDIR) for guest_boot, make OUTDIR, and run
# DIR/build.sh OUTDIR, its output in OUTDIR/NAME-build.log; if that
# fails, the log as TAP diagnostics and "Bail out!".
guest_start() {
    local name=$1 dir=$2 usage="usage: run.sh QEMU OUTDIR"
    qemu=${3:?$usage} out=${4:?$usage}
    mkdir -p "$out" || exit 1
    "$dir/build.sh" "$out" >"$out/$name-build.log" 2>&1 && return
    sed 's/^/# /' "$out/$name-build.log"
    echo "Bail out! cannot build $name.elf"
    exit 1
}

# guest_boot NAME TEST CMDLINE TIMEOUT DESCRIPTION [QEMU ARG...]: one TAP
# test, numbered on from the last.  Boot OUTDIR/NAME.elf with CMDLINE
# under TCG with Xen 4.10 emulation on a pc with nothing but COM1 and
# isa-debug-exit (-nodefaults; the QEMU ARGs add the CPU and any
# device); ok if the kernel exits with EXIT_SUCCESS (status 67) within
# TIMEOUT seconds.  -no-reboot: a triple fault (say, while a kernel
# switches modes) would otherwise boot it again and again until the
# timeout; this way QEMU exits at once, with 0.  The kernel's log is
# OUTDIR/NAME-TEST.log, QEMU's own output OUTDIR/NAME-TEST.qemu.log.
# guest_accel, if set, adds properties to -accel tcg (a,b=c form);
# guest_xen_version, if set, replaces xen-version=0x4000a.
# guest_failed counts the tests that failed.
guest_tests=0 guest_failed=0
guest_boot() {
    local name=$1 test=$2 append=$3 limit=$4 what=$5 rc why
    local log=$out/$name-$test.log qlog=$out/$name-$test.qemu.log
    shift 5
    guest_tests=$((guest_tests + 1))
    rm -f "$log"
    timeout "$limit" "$qemu" -machine pc \
        -accel "tcg,xen-version=${guest_xen_version:-0x4000a}${guest_accel:+,$guest_accel}" \
        -display none -nodefaults -no-reboot \
        -serial "file:$log" -device isa-debug-exit,iobase=0xf4,iosize=1 \
        -kernel "$out/$name.elf" -append "$append" "$@" >"$qlog" 2>&1
    rc=$?
    if [ "$rc" = 67 ]; then
        echo "ok $guest_tests - $test: $what"
        return
    fi
    guest_failed=$((guest_failed + 1))
    if [ "$rc" = 124 ]; then
        why="timeout"
    elif [ "$rc" = 0 ]; then
        why="the guest reset, a triple fault perhaps"
    elif [ "$rc" = 65 ]; then
        why="code 0x20: a fault outside any check"
    elif [ $((rc % 2)) = 1 ] && [ "$rc" -ge 3 ]; then
        why="check $(( (rc - 1) / 2 )) failed"
    else
        why="QEMU failed"
    fi
    echo "not ok $guest_tests - $test: exit status $rc ($why; 67 expected)," \
         "see $log"
    # As TAP diagnostics: every failed check (with keep-going, more than
    # one) with the line before it, what it saw unless that is another
    # check's; the kernel's last words; QEMU's complaints.
    awk '/^FAILED/ {
             if (NR > 1 && prev !~ /^(ok|FAILED) /) keep[NR - 1] = 1
             keep[NR] = 1
         }
         { line[NR] = $0; prev = $0 }
         END {
             for (i = 1; i <= NR; i++)
                 if (keep[i] || i > NR - 3) print "# " line[i]
         }' "$log" 2>/dev/null
    tail -n 3 "$qlog" | sed 's/^/# /'
}
