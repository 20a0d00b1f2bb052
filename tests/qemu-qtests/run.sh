#!/usr/bin/env bash
# QEMU's own qtests that cover what our patches change in QEMU's core,
# run against our build:  run.sh QEMU BUILD_DIR  ->  TAP
#
#   pxe-test              SeaBIOS and iPXE boot over a NIC under TCG: the
#                         translator and helpers (0008, 0009, 0018, 0019,
#                         0040-0045), IRQ delivery, physmem (0017, 0020)
#   migration-test        precopy and postcopy of a TCG guest that keeps
#                         writing: dirty logging (0020), the CPU's and
#                         the APIC's migration state (0023, 0043)
#   rtc-test              RTC interrupts through the IOAPIC and the 8259,
#                         whose EOIs 0012 reports
#   i440fx-test q35-test  PAM and SMRAM windows opening and closing: the
#                         memory map changes 0017 is about
#   display-vga-test      VGA, which marks its RAM dirty (0020)
#   test-x86-cpuid-compat CPUID and CPU properties (0007, 0023)
#   cpu-plug-test         vCPU hotplug: CPU realize and reset
#   endianness-test       port and MMIO dispatch
#
# The host's KVM is hidden (a private mount namespace puts /dev/null on
# /dev/kvm), so a test that asks for "-accel kvm -accel tcg" runs under
# TCG here as on a host without KVM; without the rights to do that the
# tests run as they are.
# SPDX-License-Identifier: GPL-2.0-or-later
set -uo pipefail
qemu=${1:?usage: run.sh QEMU BUILD_DIR}
build=${2:?usage: run.sh QEMU BUILD_DIR}
qemu=$(realpath "$qemu") build=$(realpath "$build")
export QTEST_QEMU_BINARY=$qemu
# some write scratch files under ./tests (pxe-test): keep them in the build
cd "$build" || exit 1

# test binary, then g_test paths to run (none: all of its tests)
TESTS=(
    "pxe-test"
    "migration-test -p /x86_64/migration/precopy/tcp/plain -p /x86_64/migration/postcopy/plain"
    "rtc-test"
    "i440fx-test"
    "q35-test"
    "display-vga-test"
    "test-x86-cpuid-compat"
    "cpu-plug-test"
    "endianness-test"
)

hide_kvm() {
    if [ -e /dev/kvm ] && unshare -m true 2>/dev/null; then
        unshare -m sh -c 'mount --bind /dev/null /dev/kvm && exec "$@"' \
            sh "$@"
    else
        "$@"
    fi
}

n=0 failed=0
for t in "${TESTS[@]}"; do
    set -- $t
    bin=$build/tests/qtest/$1
    shift
    if [ ! -x "$bin" ]; then
        n=$((n + 1)) failed=$((failed + 1))
        echo "not ok $n - $(basename "$bin"): not built"
        continue
    fi
    # renumber the test's own TAP lines into this stream
    while IFS= read -r line; do
        case $line in
        "ok "*|"not ok "*)
            n=$((n + 1))
            status=${line%% [0-9]*}
            rest=${line#"$status "}
            rest=${rest#*[0-9] }
            rest=${rest#- }
            [ "$status" = "not ok" ] && failed=$((failed + 1))
            echo "$status $n - $(basename "$bin"): $rest"
            ;;
        "# exit status "*)
            if [ "${line#\# exit status }" != 0 ]; then
                n=$((n + 1)) failed=$((failed + 1))
                echo "not ok $n - $(basename "$bin"): ${line#\# }"
            fi
            ;;
        "#"*) echo "$line" ;;
        esac
    done < <(hide_kvm "$bin" --tap -k "$@" 2>&1; echo "# exit status $?")
done
echo "1..$n"
[ "$failed" = 0 ]
