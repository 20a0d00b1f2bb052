#!/usr/bin/env bash
# Boot the Linux test guest that build-images.sh made, under TCG:
#   boot.sh QEMU OUTDIR [extra qemu args...]
# e.g. the root disk and a NIC:
#   -drive file=OUTDIR/root.img,if=ide,format=raw -nic user,model=e1000
# The console goes to OUTDIR/console.log; the exit status is 0 iff the
# guest's /init printed "XTEST: done".  Environment: XTEST_SCENARIO (basic),
# XTEST_APPEND (more kernel arguments), XTEST_TIMEOUT (300 seconds).
set -euo pipefail

qemu=${1:?usage: boot.sh QEMU OUTDIR [qemu args...]}
out=${2:?usage: boot.sh QEMU OUTDIR [qemu args...]}
shift 2
log=$out/console.log

start=$(date +%s%N)
rc=0
# panic=-1 with -no-reboot: a guest that panics ends QEMU at once instead of
# running into the timeout
timeout "${XTEST_TIMEOUT:-300}" "$qemu" -machine pc -accel tcg -m 512 \
    -nographic -no-reboot \
    -kernel "$out/vmlinuz" -initrd "$out/initramfs.cpio.gz" \
    -append "console=ttyS0 panic=-1 xtest=${XTEST_SCENARIO:-basic} ${XTEST_APPEND:-}" \
    "$@" </dev/null >"$log" 2>&1 || rc=$?
ms=$((($(date +%s%N) - start) / 1000000))

if grep -aq '^XTEST: done' "$log"; then
    echo "boot.sh: XTEST: done, QEMU ran $((ms / 1000)).$((ms % 1000 / 100)) s"
    exit 0
fi
echo "boot.sh: no 'XTEST: done' (QEMU exit status $rc; 124: timeout); see $log" >&2
grep -a '^XTEST: fail' "$log" >&2 || true
exit 1
