#!/usr/bin/env bash
# Boot the test guests of this folder under TCG and report TAP.
#   run.sh QEMU OUTDIR
set -uo pipefail
qemu=$1 out=$2
here=$(cd "$(dirname "$0")" && pwd)
mkdir -p "$out"

# boot_sector SOURCE OUTPUT [CPP FLAGS]: assemble a 512-byte boot sector
boot_sector() {
    local src=$1 bin=$2; shift 2
    gcc -E -P "$@" "$src" -o "$bin.s" &&
    as --32 "$bin.s" -o "$bin.o" &&
    ld -m elf_i386 -Ttext 0x7c00 --oformat binary "$bin.o" -o "$bin"
}
boot_sector "$here/boot-replug.S" "$out/boot-replug-pc.bin" -DLEGACY_IDE &&
boot_sector "$here/boot-replug.S" "$out/boot-replug-q35.bin" &&
boot_sector "$here/log-flood.S" "$out/log-flood.bin" &&
boot_sector "$here/xen-shutdown.S" "$out/xen-poweroff.bin" -DREASON=0 &&
boot_sector "$here/xen-shutdown.S" "$out/xen-reboot.bin" -DREASON=1 &&
boot_sector "$here/xen-shutdown.S" "$out/xen-crash.bin" -DREASON=3 ||
    { echo "Bail out! cannot build the test guests"; exit 1; }

n=0
echo "1..8"
for machine in pc q35; do
    n=$((n + 1))
    img=$out/boot-replug-$machine.img
    cp "$out/boot-replug-$machine.bin" "$img" && truncate -s 1M "$img"
    timeout 120 "$qemu" -machine "$machine" -accel tcg -display none \
        -nodefaults -serial none -device xen-platform \
        -drive "file=$img,format=raw,if=ide,index=0" \
        -netdev user,id=n0 -device e1000,netdev=n0,addr=6 \
        -device isa-debug-exit,iobase=0xf4,iosize=1 >"$out/$machine.log" 2>&1
    rc=$?
    if [ "$rc" = $(( (0x21 << 1) | 1 )) ]; then
        echo "ok $n - $machine: unplugged disk and NIC are back after the guest's reboot, and it boots from the disk"
    else
        echo "not ok $n - $machine: boot-replug exit status $rc (67 expected; 3: a check failed; 124: timeout)"
    fi
done

# log-flood.S: 10 MiB of guest log cost a bounded number of log lines
n=$((n + 1))
img=$out/log-flood.img
cp "$out/log-flood.bin" "$img" && truncate -s 1M "$img"
rate=20
start=$(date +%s%N)
timeout 300 "$qemu" -machine pc -accel tcg -display none -nodefaults \
    -serial none -device "xen-platform,log-lines-per-sec=$rate" \
    -drive "file=$img,format=raw,if=ide,index=0" \
    -device isa-debug-exit,iobase=0xf4,iosize=1 >"$out/log-flood.log" 2>&1
rc=$?
secs=$(( ($(date +%s%N) - start) / 1000000000 + 1 ))
lines=$(grep -c 'xen-platform: guest:' "$out/log-flood.log")
dropped=$(awk '/guest log lines dropped/ {
                  for (i = 1; i <= NF; i++) if ($(i + 1) == "guest") n += $i
              } END { print n + 0 }' "$out/log-flood.log")
budget=$(( rate * (secs + 1) ))
if [ "$rc" = 67 ] && [ "$lines" -le "$budget" ] && [ "${dropped:-0}" -gt 0 ] &&
   grep -q 'guest: !$' "$out/log-flood.log"; then
    echo "ok $n - 10 MiB log flood: $lines lines logged in ${secs}s (budget $budget), ${dropped} reported dropped, device still answers"
else
    echo "not ok $n - log flood: exit status $rc, $lines lines in ${secs}s (budget $budget), dropped ${dropped:-none}"
fi

# xen-shutdown.S: sched_op(SCHEDOP_shutdown) under TCG's Xen mode
for t in poweroff:0 reboot:67 crash:1; do
    n=$((n + 1))
    name=${t%:*} want=${t#*:}
    img=$out/xen-$name.img
    cp "$out/xen-$name.bin" "$img" && truncate -s 1M "$img"
    timeout 60 "$qemu" -machine pc -accel tcg,xen-version=0x4000a \
        -display none -nodefaults -serial none -action panic=exit-failure \
        -drive "file=$img,format=raw,if=ide,index=0" \
        -device isa-debug-exit,iobase=0xf4,iosize=1 >"$out/xen-$name.log" 2>&1
    rc=$?
    if [ "$rc" = "$want" ]; then
        echo "ok $n - Xen sched_op shutdown ($name): QEMU exit status $rc"
    else
        echo "not ok $n - Xen sched_op shutdown ($name): exit status $rc, $want expected (3: the hypercall failed; 124: timeout)"
    fi
done

# the Xen tuning properties of -accel tcg, as KVM's: accepted, and checked
n=$((n + 1))
timeout 60 "$qemu" -machine pc -nodefaults -display none -serial none \
    -accel tcg,xen-version=0x4000a,xen-gnttab-max-frames=128,xen-evtchn-max-pirq=512 \
    -drive "file=$out/xen-poweroff.img,format=raw,if=ide,index=0" \
    >"$out/accel-ok.log" 2>&1
rc=$?
if [ "$rc" = 0 ]; then
    echo "ok $n - -accel tcg takes xen-gnttab-max-frames and xen-evtchn-max-pirq"
else
    echo "not ok $n - -accel tcg with Xen tuning properties: exit status $rc"
fi
n=$((n + 1))
timeout 60 "$qemu" -machine pc -nodefaults -display none \
    -accel tcg,xen-version=0x4000a,xen-gnttab-max-frames=70000 \
    >"$out/accel-bad.log" 2>&1
rc=$?
if [ "$rc" = 1 ] && grep -q "xen-gnttab-max-frames" "$out/accel-bad.log"; then
    echo "ok $n - an out-of-range xen-gnttab-max-frames is an error that names it"
else
    echo "not ok $n - xen-gnttab-max-frames=70000: exit status $rc, $(head -c 200 "$out/accel-bad.log")"
fi
