#!/usr/bin/env bash
# Run every test suite against build/qemu-system-x86_64 and sum up.
# Each suite speaks TAP; the last line is "N passed, N failed".
#   check.sh              every suite (and build-nokvm's, build-asan's if
#                         NOKVM_BUILD_DIR, ASAN_BUILD_DIR name them)
#   check.sh --asan-only  only ASAN_BUILD_DIR's suites
. "$(dirname "$0")/common.sh"

asan_only=
if [ "${1:-}" = --asan-only ]; then
    asan_only=1
    [ -n "${ASAN_BUILD_DIR:-}" ] || die "--asan-only needs ASAN_BUILD_DIR"
fi

passed=0 failed=0 skipped=0 todos=0
log_dir=$BUILD_DIR/test-logs

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

if [ -z "$asan_only" ]; then
    export QTEST_QEMU_BINARY=$BUILD_DIR/qemu-system-x86_64
    [ -x "$QTEST_QEMU_BINARY" ] ||
        die "$QTEST_QEMU_BINARY is missing: run 'make' first"
    mkdir -p "$log_dir"

    run_tap warnings "$TOP/scripts/check-warnings.py" "$BUILD_DIR" "$SRC_DIR"
    run_tap qtest-xen-platform "$BUILD_DIR/tests/qtest/xen-platform-test" \
        --tap -k
    run_tap qtest-xen-ioapic "$BUILD_DIR/tests/qtest/xen-ioapic-test" --tap -k
    qemu=$QTEST_QEMU_BINARY
    run_tap guest "$TOP/tests/guest/run.sh" "$qemu" "$BUILD_DIR/tests-guest"
    run_tap guest-xen-hvm "$TOP/tests/guest/xen-hvm/run.sh" "$qemu" \
        "$BUILD_DIR/tests-guest/xen-hvm"

    run_tap guest-xen-events "$TOP/tests/guest/xen-events/run.sh" "$qemu" \
        "$BUILD_DIR/tests-guest/xen-events"
    run_tap linux "$TOP/tests/linux/run.sh" "$qemu" "$BUILD_DIR/tests-linux"
    run_tap xtf "$TOP/tests/xtf/run.sh" "$qemu" "$BUILD_DIR/tests-xtf"
    XTF_MACHINE=microvm XTF_CPU=qemu64 run_tap xtf-microvm \
        "$TOP/tests/xtf/run.sh" "$qemu" "$BUILD_DIR/tests-xtf"
    run_tap qemu-qtests "$TOP/tests/qemu-qtests/run.sh" "$qemu" "$BUILD_DIR"

    # The same suites on QEMU configured without KVM (Xen guests need TCG)
    if [ -n "${NOKVM_BUILD_DIR:-}" ]; then
        nokvm=$NOKVM_BUILD_DIR/qemu-system-x86_64
        [ -x "$nokvm" ] ||
            die "$nokvm is missing: run 'make build-nokvm' first"
        run_tap warnings-nokvm "$TOP/scripts/check-warnings.py" \
            "$NOKVM_BUILD_DIR" "$SRC_DIR"
        QTEST_QEMU_BINARY=$nokvm run_tap qtest-xen-platform-nokvm \
            "$NOKVM_BUILD_DIR/tests/qtest/xen-platform-test" --tap -k
        QTEST_QEMU_BINARY=$nokvm run_tap qtest-xen-ioapic-nokvm \
            "$NOKVM_BUILD_DIR/tests/qtest/xen-ioapic-test" --tap -k
        run_tap guest-xen-hvm-nokvm "$TOP/tests/guest/xen-hvm/run.sh" \
            "$nokvm" "$NOKVM_BUILD_DIR/tests-guest/xen-hvm"
        run_tap guest-xen-events-nokvm "$TOP/tests/guest/xen-events/run.sh" \
            "$nokvm" "$NOKVM_BUILD_DIR/tests-guest/xen-events"
        # the scenarios that reach every backend and callback route, PVH
        # and migration: the Linux suite's code paths, at a third of its time
        run_tap linux-nokvm "$TOP/tests/linux/run.sh" "$nokvm" \
            "$NOKVM_BUILD_DIR/tests-linux" default-pc callbacks smp pvh migrate
    fi
fi

# The tests that feed QEMU a guest's bad input, on QEMU built with
# AddressSanitizer and UBSan (make build-asan), its reports fatal: the
# process that makes one aborts (halt_on_error, abort_on_error,
# -fno-sanitize-recover), and run_san fails the suite if it finds one,
# whatever the harness made of the abort.  Leaks are not looked for.
if [ -n "${ASAN_BUILD_DIR:-}" ]; then
    asan=$ASAN_BUILD_DIR/qemu-system-x86_64
    [ -x "$asan" ] || die "$asan is missing: run 'make build-asan' first"
    log_dir=$ASAN_BUILD_DIR/test-logs
    san_dir=$log_dir/sanitizers
    rm -rf "$san_dir"
    mkdir -p "$san_dir"
    san_opts=halt_on_error=1:abort_on_error=1:print_stacktrace=1
    export ASAN_OPTIONS=detect_leaks=0:$san_opts:log_path=$san_dir/asan
    export UBSAN_OPTIONS=$san_opts
    # ASan's first swapcontext() (QEMU's coroutines) logs this warning
    ctx_warning="ASan doesn't fully support makecontext/swapcontext"
    san_report=': runtime error: |==[0-9]+==ERROR: [A-Za-z]+Sanitizer'

    # run_san NAME OUTDIR COMMAND...: run_tap NAME COMMAND..., and one
    # more failure if a sanitizer reported anything meanwhile: in a file
    # of ASan's log_path (kept in sanitizers/NAME), or (UBSan writes to
    # stderr, whatever log_path says) in the suite's stderr or in a file
    # it wrote under OUTDIR (if not empty)
    run_san() {
        local name=$1 dir=$2 stamp=$san_dir/.start f reports=() scan
        shift 2
        touch "$stamp"
        run_tap "$name" "$@"
        for f in "$san_dir"/asan.*; do
            [ -e "$f" ] || continue
            if grep -v -q -F "$ctx_warning" "$f"; then
                mkdir -p "$san_dir/$name"
                mv "$f" "$san_dir/$name/"
                reports+=("$san_dir/$name/${f##*/}")
            else
                rm -f "$f"
            fi
        done
        scan=("$log_dir/$name.stderr")
        [ -z "$dir" ] || scan+=("$dir")
        while read -r f; do
            reports+=("$f")
        done < <(find "${scan[@]}" -type f -newer "$stamp" ! -name '*.img' \
                     -print0 | xargs -0 -r grep -l -E "$san_report" || true)
        [ "${#reports[@]}" = 0 ] && return
        failed=$((failed + 1))
        printf '  %-28s sanitizer reports: 1 more failure\n' "$name"
        say "$name: sanitizer reports in ${reports[*]}; the first:"
        grep -h -E -A 25 "$san_report" "${reports[0]}" | head -n 30 >&2
    }

    QTEST_QEMU_BINARY=$asan run_san qtest-xen-platform-asan "" \
        "$ASAN_BUILD_DIR/tests/qtest/xen-platform-test" --tap -k
    QTEST_QEMU_BINARY=$asan run_san qtest-xen-ioapic-asan "" \
        "$ASAN_BUILD_DIR/tests/qtest/xen-ioapic-test" --tap -k
    out=$ASAN_BUILD_DIR/tests-guest/xen-hvm
    run_san guest-xen-hvm-asan "$out" \
        "$TOP/tests/guest/xen-hvm/run.sh" "$asan" "$out"
    out=$ASAN_BUILD_DIR/tests-guest/xen-events
    run_san guest-xen-events-asan "$out" \
        "$TOP/tests/guest/xen-events/run.sh" "$asan" "$out"
    out=$ASAN_BUILD_DIR/tests-linux
    run_san linux-asan "$out" "$TOP/tests/linux/run.sh" "$asan" "$out" \
        default-pc bad-input bad-blk bad-net bad-xenstore iothread \
        exec-coherence migrate balloon balloon-slack pvh-bad-kernel \
        pvh-formats net-rx net-tx
    unset ASAN_OPTIONS UBSAN_OPTIONS
fi

echo "$passed passed, $failed failed, $skipped skipped, $todos known failures"
[ "$failed" = 0 ]
