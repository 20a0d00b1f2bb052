#!/usr/bin/env bash
# Make $SRC_DIR: the cached QEMU tree, with patches/qemu/*.patch applied in
# order and our files laid over it.
#
# The patched tree is rebuilt only when the QEMU version or a patch changed
# (a stamp records both).  It is made in a scratch directory and renamed
# into place, so a failed patch never leaves a tree that looks good.  Our
# own files are copied only when their content differs, so that ninja
# rebuilds just what changed.
. "$(dirname "$0")/common.sh"

pristine=$1
[ -f "$pristine/.complete" ] || die "$pristine is not a complete QEMU tree"

stamp_of() {
    { cat "$pristine/VERSION"; for p in "$TOP"/patches/qemu/*.patch; do
        [ -e "$p" ] && { echo "$p"; cat "$p"; }; done; } | sha256sum | cut -d' ' -f1
}
want=$(stamp_of)

if [ "$(cat "$SRC_DIR/.xp-patched" 2>/dev/null)" != "$want" ]; then
    tmp=$SRC_DIR.tmp
    rm -rf "$tmp"
    say "copying QEMU $(cat "$pristine/VERSION") to $(basename "$SRC_DIR") and applying our patches"
    # cp -a keeps timestamps, so files no patch touches are not rebuilt
    cp -a "$pristine" "$tmp"
    rm -f "$tmp/.complete"
    for p in "$TOP"/patches/qemu/*.patch; do
        [ -e "$p" ] || continue
        if ! out=$(patch -d "$tmp" -p1 --forward --batch --no-backup-if-mismatch -s <"$p" 2>&1); then
            echo "$out" >&2
            rm -rf "$tmp"
            die "patch $(basename "$p") does not apply to QEMU $(cat "$pristine/VERSION"): rebase it (the tree is left as it was)"
        fi
    done
    echo "$want" >"$tmp/.xp-patched"
    rm -rf "$SRC_DIR"
    mv "$tmp" "$SRC_DIR"
fi

# Lay our tree over it.  Our files must be new files: replacing one of
# QEMU's is done with a patch, where it can be seen.
cd "$TOP"
new_manifest=$(mktemp)
trap 'rm -f "$new_manifest"' EXIT
for d in $OVERLAY_DIRS; do
    [ -d "$d" ] && find "$d" -type f ! -name '*~' ! -name '.*'
done | sort >"$new_manifest"

while read -r f; do
    if [ -e "$pristine/$f" ]; then
        die "$f exists in QEMU already; change QEMU's files with a patch in patches/qemu, not with the overlay"
    fi
    if ! cmp -s "$f" "$SRC_DIR/$f"; then
        mkdir -p "$SRC_DIR/$(dirname "$f")"
        cp "$f" "$SRC_DIR/$f"
    fi
done <"$new_manifest"

# Files we no longer have must not linger in the source tree.
if [ -f "$SRC_DIR/.xp-overlay" ]; then
    comm -23 "$SRC_DIR/.xp-overlay" "$new_manifest" | while read -r f; do
        rm -f "$SRC_DIR/$f"
    done
fi
cp "$new_manifest" "$SRC_DIR/.xp-overlay"
