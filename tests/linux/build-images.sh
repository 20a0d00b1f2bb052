#!/usr/bin/env bash
# Build the Linux test guest from Debian bookworm's own packages:
#   build-images.sh OUTDIR  ->  OUTDIR/vmlinuz, initramfs.cpio.gz, root.img
#
# Host needs: apt (apt-get download, apt-cache), dpkg (dpkg-deb), e2fsprogs
# (mke2fs -d), gzip, coreutils, findutils, gcc with a static glibc
# (libc6-dev) for xen-garbage.c, Xen's public headers (libxen-dev) for
# xen-blkgarbage.c and xen-netgarbage.c; xz-utils only if the modules are
# .ko.xz.
# The kernel and busybox-static are downloaded and unpacked into the cache,
# never installed.  That busybox is a static amd64 binary, so it also runs
# here and stands in for depmod (kmod) and cpio.
#
# Downloads and unpacked packages are cached under $CACHE_DIR/linux and kept
# until Debian publishes a newer version; the outputs are rebuilt from them
# on every run (a few seconds), so running it again is always safe.
set -euo pipefail

out=${1:?usage: build-images.sh OUTDIR}
here=$(cd "$(dirname "$0")" && pwd)
cache=${CACHE_DIR:-$HOME/.cache/xen-platform}/linux
PATH=$PATH:/usr/sbin:/sbin   # mke2fs lives in sbin, outside a user's PATH

# Drivers the tests use.  Their dependencies come from modules.dep; built-in
# ones are skipped.  crc32c_generic: ext4's metadata_csum needs crc32c, which
# the kernel would otherwise ask a modprobe for.
MODULES=(e1000 virtio_pci virtio_net virtio_blk ata_piix ahci sd_mod
         crc32c_generic ext4 xen-blkfront xen-netfront
         xen-evtchn xen-gntalloc        # these two: xen-*garbage
         xen-privcmd)                   # xen-populate's hypercalls

die() { echo "build-images.sh: error: $*" >&2; exit 1; }

for c in apt-get apt-cache dpkg-deb mke2fs gzip find sort gcc; do
    command -v "$c" >/dev/null ||
        die "$c not found: install apt, dpkg, e2fsprogs, gzip, findutils, gcc"
done
mkdir -p "$cache" "$out"

# fetch PKG: download the candidate version of PKG into the cache and unpack
# it there (once); prints the directory it is unpacked in.
fetch() {
    local pkg=$1 ver dir
    ver=$(apt-cache show --no-all-versions "$pkg" 2>/dev/null |
          sed -n 's/^Version: //p' | head -n 1)
    [ -n "$ver" ] || die "apt knows no package $pkg: run 'apt-get update'"
    dir=$cache/${pkg}_$ver
    if [ ! -d "$dir" ]; then
        # as root apt warns that _apt cannot write the cache: harmless
        (cd "$cache" && apt-get download -q "$pkg=$ver") >&2 ||
            die "apt-get download $pkg=$ver failed"
        rm -rf "$dir.tmp"
        dpkg-deb -x "$cache/${pkg}_${ver//:/%3a}_"*.deb "$dir.tmp"
        mv "$dir.tmp" "$dir"
    fi
    echo "$dir"
}

# linux-image-amd64 is a meta package: the kernel is its one dependency.
kernel_package() {
    apt-cache depends linux-image-amd64 2>/dev/null |
        sed -n 's/^ *Depends: //p' | head -n 1
}
kpkg=$(kernel_package)
if [ -z "$kpkg" ] && [ "$(id -u)" = 0 ]; then
    # a fresh machine may have no package lists yet
    apt-get update -q >&2 || die "apt-get update failed"
    kpkg=$(kernel_package)
fi
[ -n "$kpkg" ] || die "cannot resolve linux-image-amd64: run 'apt-get update'"
kdir=$(fetch "$kpkg")
bb=$(fetch busybox-static)/bin/busybox
"$bb" true || die "cannot run $bb: the host must be amd64"

kver=$(ls "$kdir/lib/modules")
mods=$kdir/lib/modules/$kver
# The package ships no modules.dep (its postinst runs depmod): make one.
[ -s "$mods/modules.dep" ] || "$bb" depmod -b "$kdir" "$kver"

# modules.dep lists each module's whole dependency closure, and a module's
# closure strictly contains each of its dependencies', so sorting the needed
# modules by closure size gives an order that insmod can follow.
load=$(awk -v want=" ${MODULES[*]//-/_} " '
    { p = $1; sub(/:$/, "", p); size[p] = NF - 1
      n = p; sub(/.*\//, "", n); sub(/\.ko.*/, "", n); gsub(/-/, "_", n)
      if (index(want, " " n " ")) { need[p] = 1; for (i = 2; i <= NF; i++) need[$i] = 1 } }
    END { for (p in need) print size[p], p }' "$mods/modules.dep" |
    sort -k1,1n -k2 | cut -d' ' -f2)
for m in "${MODULES[@]}"; do
    re="/${m//[-_]/[-_]}\.ko"
    grep -q "$re" <<<"$load" || grep -q "$re" "$mods/modules.builtin" ||
        die "module $m is neither in modules.dep nor built in"
done

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

# add_busybox DIR: busybox and a symlink for each of its applets
add_busybox() {
    mkdir -p "$1/bin" "$1/sbin" "$1/usr/bin" "$1/usr/sbin"
    cp "$bb" "$1/bin/busybox"
    "$bb" --list-full | while read -r a; do
        [ -e "$1/$a" ] || ln -s /bin/busybox "$1/$a"
    done
}

# initramfs: busybox, /init and the modules, uncompressed since busybox's
# insmod may not read .ko.xz; /etc/modules is the load order for /init.
ird=$work/initramfs
add_busybox "$ird"
mkdir -p "$ird/dev" "$ird/proc" "$ird/sys" "$ird/newroot" "$ird/etc"
install -m 755 "$here/init.sh" "$ird/init"
for p in $load; do
    dst=$ird/lib/modules/$kver/${p%.xz}
    mkdir -p "$(dirname "$dst")"
    case $p in
    *.xz) xz -dc "$mods/$p" >"$dst" ;;
    *) cp "$mods/$p" "$dst" ;;
    esac
    echo "${p%.xz}" >>"$ird/etc/modules"
done
cp "$mods/modules.builtin" "$mods/modules.order" "$ird/lib/modules/$kver/"
# modules.dep and .alias of these modules, for busybox modprobe (which the
# kernel also runs to load a module it wants, e.g. crypto-crc32c)
"$bb" depmod -b "$ird" "$kver"
(cd "$ird" && find . | LC_ALL=C sort | "$bb" cpio -o -H newc -R 0:0) 2>/dev/null |
    gzip -9n >"$out/initramfs.cpio.gz.tmp"

# root disk: busybox, the same /init (which tells the two apart by the
# marker) and the marker the guest checks before it switches to the disk.
rfs=$work/rootfs
add_busybox "$rfs"
mkdir -p "$rfs/dev" "$rfs/proc" "$rfs/sys" "$rfs/tmp" "$rfs/var" "$rfs/etc"
install -m 755 "$here/init.sh" "$rfs/init"
# the bad-input scenario's garbage thrower: static, so busybox's root runs it
gcc -static -no-pie -O2 -Wall -o "$rfs/bin/xen-garbage" \
    "$here/xen-garbage.c" ||
    die "cannot build xen-garbage.c: gcc -static needs libc6-dev"
# the exec-coherence scenario's code runner
gcc -static -no-pie -O2 -Wall -o "$rfs/bin/exec-coherence" \
    "$here/exec-coherence.c" ||
    die "cannot build exec-coherence.c: gcc -static needs libc6-dev"
# the simd-exceptions scenario's SSE fault cases
gcc -static -no-pie -O2 -Wall -o "$rfs/bin/simd-fault" \
    "$here/simd-fault.c" ||
    die "cannot build simd-fault.c: gcc -static needs libc6-dev"
gcc -static -no-pie -O2 -Wall -o "$rfs/bin/cpuid-fault" \
    "$here/cpuid-fault.c" ||
    die "cannot build cpuid-fault.c: gcc -static needs libc6-dev"
# the balloon-slack scenario's populate and give-back of single frames
gcc -static -no-pie -O2 -Wall -o "$rfs/bin/xen-populate" \
    "$here/xen-populate.c" ||
    die "cannot build xen-populate.c: gcc -static needs libc6-dev"
# the bad-blk and bad-net scenarios' blkfront and netfront stand-ins, and
# bad-xenstore's source of random xenstore requests
for prog in xen-blkgarbage xen-netgarbage xen-xsgarbage; do
    gcc -static -no-pie -O2 -Wall -o "$rfs/bin/$prog" \
        "$here/$prog.c" "$here/xen-frontend.c" ||
        die "cannot build $prog.c: it needs libxen-dev's xen/io/xs_wire.h"
done
echo "xen-platform test root, kernel $kver" >"$rfs/etc/xen-test-root"
rm -f "$out/root.img.tmp"
mke2fs -q -F -t ext4 -L xtest-root -d "$rfs" "$out/root.img.tmp" 64M >/dev/null

cp "$kdir/boot/vmlinuz-$kver" "$out/vmlinuz"
mv "$out/initramfs.cpio.gz.tmp" "$out/initramfs.cpio.gz"
mv "$out/root.img.tmp" "$out/root.img"
echo "build-images.sh: kernel $kver ($kpkg), $(wc -l <"$ird/etc/modules") modules, in $out"
