# Build QEMU 10.0 with our Xen platform device and Xen-on-TCG support.
#
#   make            install missing build deps, fetch QEMU, patch, build
#   make check      build (also without KVM and with sanitizers), then run
#                   every test suite
#   make build-asan build with AddressSanitizer and UBSan in build-asan/
#   make check-asan build-asan, then run the tests make check runs on it
#   make check-xtf  build, then boot Xen's own tests (XTF, tests/xtf/run.sh),
#                   on pc and on microvm
#   make run        build, then boot the demo
#   make run-pvh    build, then boot the demo kernel as a Xen PVH guest
#   make install PREFIX=/opt/xen-qemu
#
# Caches live outside the clone (override CACHE_DIR / CCACHE_DIR).

CACHE_DIR ?= $(or $(XDG_CACHE_HOME),$(HOME)/.cache)/xen-platform
CCACHE_DIR ?= $(CACHE_DIR)/ccache
PREFIX ?= /usr/local
# cache hits whatever folder the clone is in (CI clones afresh)
CCACHE_BASEDIR ?= $(CURDIR)
CCACHE_NOHASHDIR ?= 1
export CACHE_DIR CCACHE_DIR CCACHE_BASEDIR CCACHE_NOHASHDIR

BUILD := build
QEMU := $(BUILD)/qemu-system-x86_64
NINJA_TARGETS := qemu-system-x86_64 tests/qtest/xen-platform-test \
	tests/qtest/xen-ioapic-test
# QEMU's own qtests for what our patches change (tests/qemu-qtests/run.sh)
QEMU_QTESTS := pxe-test migration-test rtc-test i440fx-test q35-test \
	display-vga-test test-x86-cpuid-compat cpu-plug-test endianness-test
# The second configuration make check tests: what a host that is not x86
# gets (no KVM), with Xen guests under TCG all the same
BUILD_NOKVM := build-nokvm
# AddressSanitizer and UndefinedBehaviorSanitizer, for the tests that feed
# QEMU a guest's bad input; either one's report stops QEMU (for UBSan,
# -fno-sanitize-recover)
BUILD_ASAN := build-asan
ASAN_CONFIGURE_FLAGS := --enable-asan --enable-ubsan \
	--extra-cflags=-fno-sanitize-recover=undefined \
	--extra-cflags=-fno-omit-frame-pointer

.PHONY: all deps fetch source configure build build-nokvm build-asan check \
	check-asan check-xtf run run-pvh install clean distclean
.DEFAULT_GOAL := all

all: build

deps:
	@scripts/deps.sh

fetch: deps
	@scripts/fetch-qemu.sh >/dev/null

source: deps
	@scripts/prepare-source.sh "$$(scripts/fetch-qemu.sh)"

configure: source
	@scripts/configure-qemu.sh

build: configure
	@ccache --max-size=3G >/dev/null 2>&1 || true
	@ninja -C $(BUILD) $(NINJA_TARGETS) \
	    $(addprefix tests/qtest/,$(QEMU_QTESTS)) || \
	    { echo "make: the QEMU build failed; see the errors above" >&2; exit 1; }
	@scripts/link-firmware.sh

build-nokvm: source
	@BUILD_DIR=$(CURDIR)/$(BUILD_NOKVM) EXTRA_CONFIGURE_FLAGS=--disable-kvm \
	    scripts/configure-qemu.sh
	@ccache --max-size=3G >/dev/null 2>&1 || true
	@ninja -C $(BUILD_NOKVM) $(NINJA_TARGETS) || \
	    { echo "make: the QEMU build without KVM failed; see the errors above" >&2; exit 1; }
	@BUILD_DIR=$(CURDIR)/$(BUILD_NOKVM) scripts/link-firmware.sh

build-asan: source
	@BUILD_DIR=$(CURDIR)/$(BUILD_ASAN) \
	    EXTRA_CONFIGURE_FLAGS="$(ASAN_CONFIGURE_FLAGS)" \
	    scripts/configure-qemu.sh
	@ccache --max-size=3G >/dev/null 2>&1 || true
	@ninja -C $(BUILD_ASAN) $(NINJA_TARGETS) || \
	    { echo "make: the QEMU build with sanitizers failed; see the errors above" >&2; exit 1; }
	@BUILD_DIR=$(CURDIR)/$(BUILD_ASAN) scripts/link-firmware.sh

check: build build-nokvm build-asan
	@NOKVM_BUILD_DIR=$(CURDIR)/$(BUILD_NOKVM) \
	    ASAN_BUILD_DIR=$(CURDIR)/$(BUILD_ASAN) scripts/check.sh

check-asan: build-asan
	@ASAN_BUILD_DIR=$(CURDIR)/$(BUILD_ASAN) scripts/check.sh --asan-only

check-xtf: build
	@tests/xtf/run.sh $(QEMU) $(CURDIR)/$(BUILD)/tests-xtf
	@XTF_MACHINE=microvm XTF_CPU=qemu64 tests/xtf/run.sh $(QEMU) $(CURDIR)/$(BUILD)/tests-xtf

run: build
	@scripts/run-demo.sh

run-pvh: build
	@scripts/run-demo.sh pvh

install: build
	@scripts/install.sh "$(PREFIX)"

clean:
	rm -rf $(BUILD) $(BUILD_NOKVM) $(BUILD_ASAN)

distclean: clean
	rm -rf qemu-src qemu-src.tmp
