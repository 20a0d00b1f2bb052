#!/usr/bin/env bash
# Fetch QEMU 10.0.x from Debian trixie's "qemu" source package and unpack
# it (dpkg-source checks the signature and checksums and applies Debian's
# patches).  apt runs with a private configuration under $CACHE_DIR: the
# system's sources stay as they are, and only a deb-src line is used.
#
# The unpacked tree is cached as $CACHE_DIR/qemu-<version>; once one is
# there nothing is fetched again (QEMU_REFETCH=1 asks for trixie's newest).
# Prints the path of the tree to use.
. "$(dirname "$0")/common.sh"

MIRROR=${DEBIAN_MIRROR:-http://deb.debian.org/debian}
APT_DIR=$CACHE_DIR/apt
KEYRING=/usr/share/keyrings/debian-archive-keyring.gpg

cached() {
    local d
    for d in $(ls -d "$CACHE_DIR"/qemu-"$QEMU_SERIES".* 2>/dev/null | sort -V -r); do
        [ -f "$d/.complete" ] && { echo "$d"; return 0; }
    done
    return 1
}

if [ -z "${QEMU_REFETCH:-}" ] && tree=$(cached); then
    echo "$tree"
    exit 0
fi

mkdir -p "$APT_DIR"/{lists/partial,archives/partial,sources.list.d,preferences.d} "$CACHE_DIR"
echo "deb-src [signed-by=$KEYRING] $MIRROR trixie main" > "$APT_DIR/sources.list"
APT_OPTS=(-o "Dir::Etc::SourceList=$APT_DIR/sources.list"
          -o "Dir::Etc::SourceParts=$APT_DIR/sources.list.d"
          -o "Dir::Etc::PreferencesParts=$APT_DIR/preferences.d"
          -o "Dir::State::Lists=$APT_DIR/lists"
          -o "Dir::Cache=$APT_DIR"
          -o "APT::Sandbox::User=root")

say "fetching the index of trixie's source packages (deb-src, private apt config in $APT_DIR)"
if ! apt-get "${APT_OPTS[@]}" -q update >"$APT_DIR/update.log" 2>&1 ||
   grep -q '^[WE]:.*trixie' "$APT_DIR/update.log"; then
    cat "$APT_DIR/update.log" >&2
    if tree=$(cached); then
        say "warning: cannot reach trixie's deb-src; using the cached $tree"
        echo "$tree"; exit 0
    fi
    die "cannot read trixie's deb-src index from $MIRROR; set DEBIAN_MIRROR to a Debian mirror you can reach (once fetched, the source is cached in $CACHE_DIR and needs no network)"
fi

want=${QEMU_DEB_VERSION:-}
if [ -z "$want" ]; then
    want=$(apt-cache "${APT_OPTS[@]}" showsrc qemu | sed -n 's/^Version: //p' | sort -V | tail -n 1)
fi
[ -n "$want" ] || die "trixie's deb-src has no 'qemu' source package"
upstream=${want#*:}; upstream=${upstream%%-*}; upstream=${upstream%%+*}
case "$upstream" in
"$QEMU_SERIES".*) ;;
*) die "qemu source version $want is not QEMU $QEMU_SERIES.x, which this tree is made for; set QEMU_DEB_VERSION to a $QEMU_SERIES.x version of trixie's qemu source package, or port patches/qemu" ;;
esac

dest=$CACHE_DIR/qemu-$upstream
if [ -f "$dest/.complete" ]; then echo "$dest"; exit 0; fi

work=$(mktemp -d "$CACHE_DIR/fetch.XXXXXX")
trap 'rm -rf "$work"' EXIT
say "downloading and unpacking qemu $want (about 40 MB)"
(cd "$work" && apt-get "${APT_OPTS[@]}" -q source "qemu=$want" >fetch.log 2>&1) || {
    tail -n 20 "$work/fetch.log" >&2
    die "apt-get source qemu=$want failed (is dpkg-dev installed? run 'make deps')"
}
unpacked=$(find "$work" -mindepth 1 -maxdepth 1 -type d -name 'qemu-*' | head -n 1)
[ -n "$unpacked" ] && [ -f "$unpacked/VERSION" ] || die "apt-get source produced no QEMU tree"
[ "$(cat "$unpacked/VERSION")" = "$upstream" ] ||
    die "unpacked tree says VERSION $(cat "$unpacked/VERSION"), expected $upstream"
# Firmware sources and quilt's bookkeeping are not needed: firmware comes
# from Debian's binary packages.
rm -rf "$unpacked/roms" "$unpacked/.pc"
touch "$unpacked/.complete"
rm -rf "$dest"
mv "$unpacked" "$dest"
say "cached QEMU $upstream in $dest ($(du -sh "$dest" | cut -f1))"
echo "$dest"
