#!/usr/bin/env bash
# Boot the HVM tests of XTF, the Xen Test Framework, under TCG with Xen
# 4.10 emulation and its forced emulation prefix (xen-fep=on, as Xen's
# hvm_fep, which XTF's emulator tests need) and report TAP: one test per
# image and environment (hvm64, hvm32pae, hvm32pse, hvm32; the PV images
# need a PV-capable hypervisor and are left out).
#   run.sh QEMU OUTDIR
# XTF comes as a tarball, xtf-*.tar.gz, in $XTF_DIR (default: shared/xtf
# next to this repository); OUTDIR/xtf is where it is unpacked and built,
# once: a later run reuses the build.  Each image boots with -kernel on a
# pc with a xen-console and no PIT (the firmware would leave its tick on
# the PIC's vector 8, which a test that opens an interrupt window, such
# as xsa-308, takes as a double fault; Xen starts the tests with no timer
# programmed), and with qboot as its firmware: on Xen the test is the
# domain's firmware and nothing has run on the secondary vCPUs before
# it, which a test that starts them with VCPUOP_initialise needs (Xen
# answers -EEXIST for a vCPU that has run); SeaBIOS starts them and
# parks them, qboot leaves them waiting for their SIPI, as Xen does.
# Its console log is OUTDIR/logs/ENV-NAME.log,
# QEMU's own output OUTDIR/logs/ENV-NAME.qemu.log.  The console's last
# "Test result:" line decides: SUCCESS is ok, SKIP is ok with a TAP
# SKIP directive, FAILURE, ERROR, no result, or no exit within
# $XTF_TIMEOUT seconds (default 20) is not ok.
# $XTF_TESTS, when set, is a space-separated list of test names to run
# instead of all of them.  $XTF_MACHINE, when set, is the machine to boot
# them on instead (microvm: no firmware, no PCI; logs then in
# OUTDIR/logs-microvm), $XTF_BIOS the firmware instead of qboot.rom, and
# $XTF_CPU the CPU model instead of max (all TCG has, as the recent
# hosts Xen runs on: UMIP, for instance, which XTF's umip test needs).
# A test listed in known-failures that fails is
# reported as TAP TODO, with the reason given there.
# SPDX-License-Identifier: GPL-2.0-or-later
set -uo pipefail
here=$(cd "$(dirname "$0")" && pwd)
TOP=$(cd "$here/../.." && pwd)
usage="usage: run.sh QEMU OUTDIR"
qemu=${1:?$usage} out=${2:?$usage}
xtf_dir=${XTF_DIR:-$TOP/../shared/xtf}
limit=${XTF_TIMEOUT:-20}
machine=${XTF_MACHINE:-pc,pit=off}
bios=${XTF_BIOS:-qboot.rom}
cpu=${XTF_CPU:-max}
kind=${XTF_MACHINE:+ ${XTF_MACHINE%%,*}}
logs=$out/logs${XTF_MACHINE:+-${XTF_MACHINE%%,*}}
envs="hvm64 hvm32pae hvm32pse hvm32"

tarball=
for f in "$xtf_dir"/xtf-*.tar.gz; do
    [ -f "$f" ] && tarball=$f
done
if [ -z "$tarball" ]; then
    echo "1..1"
    echo "ok 1 - xtf # SKIP XTF not found at $xtf_dir"
    exit 0
fi

# bail REASON FILE: the end of FILE as TAP diagnostics, then give up
bail() {
    tail -n 20 "$2" | sed 's/^/# /'
    echo "Bail out! $1"
    exit 1
}

# Build once: the stamp names the tarball that the tree was built from.
src=$out/xtf stamp=$out/xtf/.built-from
mkdir -p "$logs" || exit 1
if [ ! -f "$stamp" ] || [ "$(cat "$stamp")" != "$tarball" ]; then
    rm -rf "$src"
    tar -xzf "$tarball" -C "$out" >"$out/build.log" 2>&1 ||
        bail "cannot unpack $tarball" "$out/build.log"
    [ -d "$src" ] || bail "$tarball has no xtf/ folder" "$out/build.log"
    nice make -C "$src" -j"$(nproc)" >>"$out/build.log" 2>&1 ||
        bail "cannot build XTF" "$out/build.log"
    echo "$tarball" >"$stamp"
fi

# The images, in a stable order: by test name, then environment.
images=()
for dir in "$src"/tests/*/; do
    name=$(basename "$dir")
    if [ -n "${XTF_TESTS:-}" ] && [[ " $XTF_TESTS " != *" $name "* ]]; then
        continue
    fi
    for env in $envs; do
        [ -f "$dir/test-$env-$name" ] && images+=("$env $name")
    done
done
echo "1..${#images[@]}"

# known ENV NAME: the reason tests/xtf/known-failures gives, if any
known() {
    awk -v env="$1" -v name="$2" '$1 == env && $2 == name {
        $1 = $2 = ""; sub(/^ +/, ""); print; exit }' "$here/known-failures"
}

n=0 failed=0
for image in "${images[@]}"; do
    read -r env name <<<"$image"
    n=$((n + 1))
    log=$logs/$env-$name.log qlog=$logs/$env-$name.qemu.log
    rm -f "$log"
    # the test's xl configuration (or its first variant's, NAME~VARIANT:
    # Xen's paging modes, all the same here): the last vcpus= and memory=
    cfg=$src/tests/$name/test-$env-$name.cfg
    [ -f "$cfg" ] || cfg=$(ls "$src/tests/$name/test-$env-$name"~*.cfg 2>/dev/null |
                           head -n 1)
    vcpus= mem=
    if [ -n "$cfg" ]; then
        vcpus=$(sed -n 's/^ *vcpus *= *"\{0,1\}\([0-9]*\).*/\1/p' "$cfg" | tail -n 1)
        mem=$(sed -n 's/^ *memory *= *"\{0,1\}\([0-9]*\).*/\1/p' "$cfg" | tail -n 1)
    fi
    timeout "$limit" "$qemu" -machine "$machine" -bios "$bios" \
        -accel tcg,xen-version=0x4000a,xen-fep=on -cpu "$cpu" \
        -display none -nodefaults -no-reboot \
        -smp "${vcpus:-1}" -m "${mem:-128}" \
        -kernel "$src/tests/$name/test-$env-$name" \
        -chardev "file,id=c0,path=$log" -device xen-console,chardev=c0 \
        >"$qlog" 2>&1
    rc=$?
    result=$(sed -n 's/^Test result: *//p' "$log" 2>/dev/null | tail -n 1)
    what="xtf$kind $env $name"
    case "$rc:$result" in
    *:SUCCESS*)
        echo "ok $n - $what: SUCCESS"
        todo=$(known "$env" "$name")
        [ -z "$todo" ] ||
            echo "# $env $name passes now: remove it from tests/xtf/known-failures"
        continue
        ;;
    *:SKIP*)
        # the reason: the last message that says "skip" or that something
        # is missing, or else the last message; a message starts with a
        # capital letter and may continue on the lines after it
        skip_re='[Ss]kip|unavailable|not (available|detected|supported)'
        why=$(grep -v -e '^ *$' "$log" |
              awk -v re="$skip_re" 'function done() { if (msg ~ re) skip = msg }
                   /^Test result:/ { exit }
                   /^[A-Z]/ { done(); msg = "" }
                   { msg = msg (msg ? " " : "") $0 }
                   END { done(); print skip ? skip : msg }')
        echo "ok $n - $what # SKIP ${why:-no reason given}"
        continue
        ;;
    124:*)
        why="timeout after ${limit}s${result:+ ($result)}"
        ;;
    *:?*)
        why=$result
        ;;
    *)
        why="no result, QEMU exit status $rc"
        ;;
    esac
    todo=$(known "$env" "$name")
    if [ -n "$todo" ]; then
        echo "not ok $n - $what: $why # TODO $todo"
        continue
    fi
    failed=$((failed + 1))
    echo "not ok $n - $what: $why"
    tail -n 10 "$log" 2>/dev/null | sed 's/^/#   /'
    tail -n 5 "$qlog" | sed 's/^/# qemu: /'
done
[ "$failed" = 0 ]
