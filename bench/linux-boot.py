#!/usr/bin/env python3
"""Boot time of a PVHVM Linux guest under TCG: Xen mode against xen_nopv.

    python3 bench/linux-boot.py [QEMU] [IMAGES]

Boots the tests/linux guest (1 vCPU, 512 MiB, -accel tcg,xen-version=
0x4000a; a xen-disk and an IDE disk, a xen-net device and an e1000)
3 times in Xen mode and 3 times with "xen_nopv" on the kernel's command
line (same QEMU flags), alternating.  With xen_nopv Linux 6.1 still
detects Xen but uses none of its PV interfaces: no event channels, grant
table, xenstore or PV drivers.

Per boot, on the host's monotonic clock: from power-on (QMP "cont"; QEMU
starts paused with -S, so its own start-up is not counted) to the first
console line from userspace, /init's "XTEST: stage initramfs".  That time
is split with the kernel's printk timestamp of "Run /init as init
process" (the kernel's clock, from its start to userspace); the rest is
SeaBIOS, loading and decompressing the kernel, and the kernel's earliest
setup.  For information, also until /init has loaded the drivers and
waits for commands ("XTEST: ready"; blkfront and netfront connect in Xen
mode only).  Prints medians and the ratio Xen/xen_nopv (target <= 1.2).

QEMU defaults to build/qemu-system-x86_64, IMAGES to
build/tests-linux/images (made by make check; built here with
tests/linux/build-images.sh when absent).
"""

import os
import re
import statistics
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(ROOT, "tests", "linux"))
from guest import Guest, GuestError  # noqa: E402

BOOTS = 3
MODES = [("Xen", ""), ("xen_nopv", "xen_nopv")]


def images_dir(tmp):
    images = sys.argv[2] if len(sys.argv) > 2 else \
        os.path.join(ROOT, "build", "tests-linux", "images")
    if not os.path.exists(os.path.join(images, "vmlinuz")):
        images = os.path.join(tmp, "images")
        subprocess.run([os.path.join(ROOT, "tests", "linux",
                                     "build-images.sh"), images],
                       check=True, stdout=subprocess.DEVNULL)
    return images


def boot(qemu, images, tmp, append):
    """(power-on to userspace, kernel's own time to /init, to ready), s"""
    for name in ("xen", "ide"):
        with open(os.path.join(tmp, name + ".img"), "wb") as f:
            f.truncate(64 << 20)
    args = ["-drive", "file=%s/xen.img,if=xen,format=raw" % tmp,
            "-drive", "file=%s/ide.img,if=ide,index=0,format=raw" % tmp,
            "-netdev", "user,id=pv", "-device", "xen-net-device,netdev=pv",
            "-netdev", "user,id=emu", "-device", "e1000,netdev=emu"]
    g = Guest(qemu, images, os.path.join(tmp, "console.log"), args,
              scenario="shell", append=append)
    try:
        t0 = time.monotonic()
        g.start()
        g.expect(r"^XTEST: stage initramfs$", 300)
        t_user = time.monotonic() - t0
        g.ready(300)
        t_ready = time.monotonic() - t0
        kernel = None
        for line in g.seen:
            m = re.match(r"\[ *(\d+\.\d+)\] Run /init as init process", line)
            if m:
                kernel = float(m.group(1))
        if kernel is None:
            raise SystemExit("no \"Run /init as init process\" on the console")
        # both modes detect Xen; only Xen mode sets up event channels
        if ("xen:events: Xen HVM callback vector for event delivery is "
                "enabled" in "\n".join(g.seen)) != (append != "xen_nopv"):
            raise SystemExit("the kernel's Xen mode does not match "
                             "\"%s\"" % append)
    finally:
        g.close()
    return t_user, kernel, t_ready


def main():
    qemu = sys.argv[1] if len(sys.argv) > 1 else \
        os.path.join(ROOT, "build", "qemu-system-x86_64")
    runs = {name: [] for name, _ in MODES}
    with tempfile.TemporaryDirectory() as tmp:
        images = images_dir(tmp)
        for i in range(BOOTS):
            for name, append in MODES:
                try:
                    runs[name].append(boot(qemu, images, tmp, append))
                except GuestError as e:
                    raise SystemExit("%s boot %d stuck: %s" % (name, i, e))
    med = {name: [statistics.median(r[i] for r in rs) for i in range(3)]
           for name, rs in runs.items()}
    row = "%-28s %12s %13s %13s %11s"
    print(row % ("seconds, median of %d boots" % BOOTS, "power-on to",
                 "kernel start", "before the", "(to /init"))
    print(row % ("", "userspace", "to /init", "kernel clock", "ready)"))
    for name, _ in MODES:
        print(row % (("  " + name,) + tuple("%.2f" % x for x in (
            med[name][0], med[name][1], med[name][0] - med[name][1],
            med[name][2]))))
    for name, _ in MODES:
        print("power-on to userspace, each %s boot: %s" % (name, "  ".join(
            "%.2f" % r[0] for r in runs[name])))
    ratio = med["Xen"][0] / med["xen_nopv"][0]
    print("Xen/xen_nopv, power-on to userspace: %.2f  (target <= 1.2: %s)"
          % (ratio, "met" if ratio <= 1.2 else "MISSED"))


if __name__ == "__main__":
    main()
