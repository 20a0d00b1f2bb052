#!/usr/bin/env bash
# Run every test suite against build/qemu-system-x86_64 and sum up.
# Each suite speaks TAP; the last line is "N passed, N failed".
. "$(dirname "$0")/common.sh"

export QTEST_QEMU_BINARY=$BUILD_DIR/qemu-system-x86_64
[ -x "$QTEST_QEMU_BINARY" ] || die "$QTEST_QEMU_BINARY is missing: run 'make' first"

passed=0 failed=0 skipped=0 todos=0
log_dir=$BUILD_DIR/test-logs
mkdir -p "$log_dir"

# run_tap NAME COMMAND...: run one TAP-producing suite, echo its results
run_tap() {
    local name=$1; shift
    local log=$log_dir/$name.tap rc=0
    say "running $name"
    "$@" >"$log" 2>"$log_dir/$name.stderr" || rc=$?
    local ok notok skip todo
    ok=$(grep -E -c '^ok ' "$log" || true)
    skip=$(grep -E -c '^ok .*# *SKIP' "$log" || true)
    # TAP TODO: a known failure, shown but not counted as one
    todo=$(grep -E -c '^not ok .*# *TODO' "$log" || true)
    notok=$(grep -E '^not ok ' "$log" | grep -E -v -c '# *TODO' || true)
    grep -E '^(not ok|ok .*# *SKIP)' "$log" | sed "s/^/  $name: /" >&2 || true
    if [ "$rc" != 0 ] && [ "$notok" = 0 ]; then
        # a crash or abort that TAP did not record is still a failure
        notok=1
        say "$name exited with status $rc; last lines of its stderr:"
        tail -n 15 "$log_dir/$name.stderr" >&2
    fi
    passed=$((passed + ok - skip)); skipped=$((skipped + skip))
    failed=$((failed + notok)); todos=$((todos + todo))
    printf '  %-28s %3d passed, %d failed%s\n' "$name" $((ok - skip)) "$notok" \
        "$([ "$todo" = 0 ] || echo ", $todo known failures (TODO)")"
}

run_tap warnings "$TOP/scripts/check-warnings.py" "$BUILD_DIR" "$SRC_DIR"
run_tap qtest-xen-platform "$BUILD_DIR/tests/qtest/xen-platform-test" --tap -k
run_tap guest "$TOP/tests/guest/run.sh" "$QTEST_QEMU_BINARY" "$BUILD_DIR/tests-guest"
run_tap guest-xen-hvm "$TOP/tests/guest/xen-hvm/run.sh" "$QTEST_QEMU_BINARY" \
    "$BUILD_DIR/tests-guest/xen-hvm"

run_tap guest-xen-events "$TOP/tests/guest/xen-events/run.sh" "$QTEST_QEMU_BINARY" \
    "$BUILD_DIR/tests-guest/xen-events"
run_tap linux "$TOP/tests/linux/run.sh" "$QTEST_QEMU_BINARY" "$BUILD_DIR/tests-linux"
run_tap xtf "$TOP/tests/xtf/run.sh" "$QTEST_QEMU_BINARY" "$BUILD_DIR/tests-xtf"
run_tap qemu-qtests "$TOP/tests/qemu-qtests/run.sh" "$QTEST_QEMU_BINARY" "$BUILD_DIR"

# The same suites on QEMU configured without KVM: Xen guests need only TCG
if [ -n "${NOKVM_BUILD_DIR:-}" ]; then
    nokvm=$NOKVM_BUILD_DIR/qemu-system-x86_64
    [ -x "$nokvm" ] || die "$nokvm is missing: run 'make build-nokvm' first"
    run_tap warnings-nokvm "$TOP/scripts/check-warnings.py" \
        "$NOKVM_BUILD_DIR" "$SRC_DIR"
    QTEST_QEMU_BINARY=$nokvm run_tap qtest-xen-platform-nokvm \
        "$NOKVM_BUILD_DIR/tests/qtest/xen-platform-test" --tap -k
    run_tap guest-xen-hvm-nokvm "$TOP/tests/guest/xen-hvm/run.sh" "$nokvm" \
        "$NOKVM_BUILD_DIR/tests-guest/xen-hvm"
    run_tap guest-xen-events-nokvm "$TOP/tests/guest/xen-events/run.sh" "$nokvm" \
        "$NOKVM_BUILD_DIR/tests-guest/xen-events"
    run_tap linux-nokvm "$TOP/tests/linux/run.sh" "$nokvm" \
        "$NOKVM_BUILD_DIR/tests-linux"
fi

echo "$passed passed, $failed failed, $skipped skipped, $todos known failures"
[ "$failed" = 0 ]
