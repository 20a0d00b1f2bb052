#!/usr/bin/env bash
# Install the Debian 12 packages the build and the tests need, but only
# those that are missing.  meson >= 1.5 (QEMU 10.0 requires it) and a
# matching qemu-system-data come from bookworm-backports; nothing ever
# comes from trixie.
. "$(dirname "$0")/common.sh"

# package[/suite]: the suite pins where it must come from
PKGS="build-essential ninja-build pkg-config python3-venv flex bison
      libglib2.0-dev libpixman-1-dev libslirp-dev libxen-dev zlib1g-dev
      libfdt-dev liblzma-dev libzstd-dev libbz2-dev liblz4-dev liblzo2-dev
      zstd lz4 lzop ccache dpkg-dev patch xz-utils e2fsprogs
      libasan8 libubsan1
      meson/bookworm-backports
      qemu-system-data/bookworm-backports seabios/bookworm-backports ipxe-qemu"

BACKPORTS_LIST=/etc/apt/sources.list.d/bookworm-backports.sources

installed_ok() {
    local pkg=${1%/*} v
    v=$(dpkg-query -W -f='${db:Status-Abbrev} ${Version}' "$pkg" 2>/dev/null) || return 1
    case "$v" in ii*) ;; *) return 1 ;; esac
    # versions that only bookworm-backports has
    case "$pkg" in
    meson) dpkg --compare-versions "${v#* }" ge 1.5 || return 1 ;;
    qemu-system-data) dpkg --compare-versions "${v#* }" ge 1:10.0 || return 1 ;;
    esac
    return 0
}

missing=
for p in $PKGS; do
    installed_ok "$p" || missing="$missing $p"
done
[ -z "$missing" ] && exit 0

[ "$(id -u)" = 0 ] || die "missing packages:$missing; run 'make deps' as root or install them with apt-get"

if echo "$missing" | grep -q bookworm-backports && ! grep -rqs bookworm-backports /etc/apt/sources.list /etc/apt/sources.list.d/; then
    say "adding bookworm-backports to apt's sources ($BACKPORTS_LIST)"
    cat > "$BACKPORTS_LIST" <<EOS
Types: deb
URIs: http://deb.debian.org/debian
Suites: bookworm-backports
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg
EOS
fi

say "installing:$missing"
export DEBIAN_FRONTEND=noninteractive
apt-get update -q >/dev/null || die "apt-get update failed: check the network and /etc/apt/sources.list*"
# shellcheck disable=SC2086
apt-get install -y -q --no-install-recommends $missing ||
    die "apt-get install failed for:$missing"
