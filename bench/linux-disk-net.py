#!/usr/bin/env python3
"""Disk and network throughput of a PVHVM Linux guest under TCG's Xen
emulation: the PV devices against their emulated and virtio peers.

    python3 bench/linux-disk-net.py [QEMU] [IMAGES]

One boot of the tests/linux guest (initramfs shell, 1 vCPU, 512 MiB) with
  - three 300 MiB sparse raw images: an IDE disk (sda, ata_piix), a
    xen-disk (xvda, blkfront) and a virtio-blk disk (vda);
  - three NICs, each on its own slirp netdev and subnet 10.0.N.0/24:
    e1000 (N=1), xen-net-device (N=2), virtio-net-pci (N=3).
The guest boots with xen_emul_unplug=unnecessary: Linux then unplugs no
emulated device and still binds blkfront and netfront.  (By default it
unplugs the IDE disk and every PCI NIC, virtio-net included; with
xen_emul_unplug=never it binds neither blkfront nor netfront.)

Disk: busybox dd on the whole device, host side QEMU's default
cache=writeback, so the image is in the host page cache:
  - write, read: bs=1M, 256 MiB written (oflag=direct, from /dev/zero),
    then read back (iflag=direct): one 1 MiB request at a time from dd;
  - read-128k: the same 256 MiB in 128 KiB direct reads;
  - read-4k: 16 MiB in 4 KiB direct reads (a request's round trip);
  - read-cached: 256 MiB through the guest's page cache, emptied first
    (its readahead makes the requests).
Linux's blkfront makes requests of 128 KiB at most (its
max_indirect_segments of 32), virtio-blk of up to 1 MiB, so a 1 MiB
direct read is 8 requests on one and one on the other.
Net: busybox wget -O /dev/null of a 64 MiB HTTP reply served by the
netdev's guestfwd (10.0.N.100:80), and wget --post-file of 64 MiB to a
second guestfwd (10.0.N.101:80) that reads and drops it; the guest has
a static 10.0.N.15/24 on each NIC, so the subnet route binds each
transfer to its NIC.
Each figure is the median of 3 runs (the runs interleave the devices),
timed in the guest from /proc/timer_list's "now at" (ns) around the
command; MB = 10^6 bytes.  A transfer still running after 120 s stops
the run and prints QEMU's view of the event channels (a lost
notification hung xvda about once in 30 runs before patch 0019 made
TCG's LOCKed instructions barriers against QEMU's backend threads).

QEMU defaults to build/qemu-system-x86_64, IMAGES to
build/tests-linux/images (made by make check; built here with
tests/linux/build-images.sh when absent).

    python3 bench/linux-disk-net.py --append "ARGS" [QEMU] [IMAGES]

adds ARGS to the guest's kernel command line, module parameters
included (MODULE.PARAM=VALUE, as Debian's initramfs passes them): e.g.
xen_blkfront.max_indirect_segments=256 lets blkfront make requests of
1 MiB, to see what the request size costs.  That is guest tuning; the
targets are for the stock guest.

    python3 bench/linux-disk-net.py --iothread [QEMU] [IMAGES]

runs the xen-disk and the virtio-blk disk each in an iothread of its own
(-object iothread, the device's iothread=) instead of QEMU's main loop.
"""

import os
import statistics
import subprocess
import sys
import tempfile

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(ROOT, "tests", "linux"))
from guest import Guest, GuestError  # noqa: E402

DISK_MB = 256
NET_BYTES = 64 << 20
RUNS = 3
TIMEOUT = 120       # s for one transfer; 10-60x what one takes
DD = "dd bs=%s count=%d 2>/dev/null "
RAW = "if=/dev/%(dev)s of=/dev/null"
DISK_OPS = [
    ("write", DD % ("1M", DISK_MB) +
     "if=/dev/zero of=/dev/%(dev)s oflag=direct"),
    ("read", DD % ("1M", DISK_MB) + RAW + " iflag=direct"),
    ("read-128k", DD % ("128k", DISK_MB * 8) + RAW + " iflag=direct"),
    ("read-4k", DD % ("4k", 4096) + RAW + " iflag=direct"),
    ("read-cached", "echo 3 >/proc/sys/vm/drop_caches; " +
     DD % ("1M", DISK_MB) + RAW),
]
DISK_BYTES = {"write": DISK_MB << 20, "read": DISK_MB << 20,
              "read-128k": DISK_MB << 20, "read-4k": 4096 * 4096,
              "read-cached": DISK_MB << 20}
# (name, -drive options or -device, guest's name, driver)
DISKS = [("IDE", "if=ide,index=0", "sda", "sd"),
         ("xen-disk", "-device xen-disk,vdev=xvda", "xvda", "vbd"),
         ("virtio-blk", "-device virtio-blk-pci", "vda", "virtio_blk")]
NICS = [("e1000", "e1000", "e1000"),                 # (name, -device, driver)
        ("xen-net", "xen-net-device", "vif"),
        ("virtio-net", "virtio-net-pci", "virtio_net")]


def split_args(argv):
    """(--append's words, --iothread, the positional arguments) of @argv"""
    append, iothread = "", False
    while argv and argv[0].startswith("--"):
        if argv[0] == "--append" and len(argv) > 1:
            append, argv = argv[1], argv[2:]
        elif argv[0] == "--iothread":
            iothread, argv = True, argv[1:]
        else:
            raise SystemExit("unknown option " + argv[0])
    return append, iothread, argv


APPEND, IOTHREAD, ARGS = split_args(sys.argv[1:])
REQUEST_KB = []                 # the guest's max_sectors_kb: xvda, vda


def images_dir(tmp):
    images = ARGS[1] if len(ARGS) > 1 else \
        os.path.join(ROOT, "build", "tests-linux", "images")
    if not os.path.exists(os.path.join(images, "vmlinuz")):
        images = os.path.join(tmp, "images")
        subprocess.run([os.path.join(ROOT, "tests", "linux",
                                     "build-images.sh"), images],
                       check=True, stdout=subprocess.DEVNULL)
    return images


def qemu_args(tmp):
    args = []
    for n, (name, opt, _, _) in enumerate(DISKS):
        img = os.path.join(tmp, name + ".img")
        with open(img, "wb") as f:
            f.truncate(300 << 20)
        if not opt.startswith("-device "):
            args += ["-drive", "file=%s,%s,format=raw" % (img, opt)]
            continue
        args += ["-drive", "file=%s,if=none,id=disk%d,format=raw" % (img, n),
                 "-device", "%s,drive=disk%d" % (opt.split()[1], n)]
        if IOTHREAD:
            args[-1] += ",iothread=io%d" % n
            args += ["-object", "iothread,id=io%d" % n]
    # guestfwd's cmd: talks to slirp over a loopback TCP socket: it must
    # read the request (cat >/dev/null), or closing with it unread sends
    # a RST that cuts the reply short.  No commas in there.
    http = os.path.join(tmp, "http-reply")
    with open(http, "wb") as f:
        f.write(b"HTTP/1.0 200 OK\r\nContent-Length: %d\r\n\r\n" % NET_BYTES)
        f.truncate(f.tell() + NET_BYTES)
    # guestfwd's cmd for the uploads: reads the request and drops it
    sink = os.path.join(ROOT, "tests", "linux", "http-sink.py")
    for n, (name, dev, _) in enumerate(NICS, 1):
        args += ["-netdev", 'user,id=n%d,net=10.0.%d.0/24,guestfwd=tcp:'
                 '10.0.%d.100:80-cmd:sh -c "cat %s; cat >/dev/null",'
                 'guestfwd=tcp:10.0.%d.101:80-cmd:%s %s'
                 % (n, n, n, http, n, sys.executable, sink),
                 "-device", "%s,netdev=n%d" % (dev, n)]
    return args


def timed(g, command):
    """Seconds that @command takes in the guest (it must succeed)."""
    status, out = g.run("ns; t0=$n; %s; s=$?; ns; echo T $s $((n - t0))"
                        % command, timeout=TIMEOUT)
    status, ns = out[-1].split()[1:]
    if status != "0":
        raise SystemExit("guest: %r failed: %s" % (command, out))
    return int(ns) / 1e9


def main():
    qemu = ARGS[0] if ARGS else \
        os.path.join(ROOT, "build", "qemu-system-x86_64")
    with tempfile.TemporaryDirectory() as tmp:
        g = Guest(qemu, images_dir(tmp), os.path.join(tmp, "console.log"),
                  qemu_args(tmp), scenario="shell",
                  append="xen_emul_unplug=unnecessary " + APPEND)
        try:
            g.start()
            g.ready()
            results = measure(g)
        except GuestError as e:
            # say so rather than wait: QEMU's view of the event channels
            ports = [(p["port"], p["type"], p["remote-domain"],
                      "pending" if p["pending"] else "",
                      "masked" if p["masked"] else "")
                     for p in g.qmp("xen-event-list")]
            raise SystemExit("guest stuck: %s\nevent channels: %s"
                             % (e, ports))
        finally:
            g.close()
    report(results)


def measure(g):
    blocks = g.reported("block")
    for name, _, dev, drv in DISKS:
        if not any(b.startswith(dev + " ") and b.endswith(" " + drv)
                   for b in blocks):
            raise SystemExit("no %s disk %s in the guest: %s"
                             % (name, dev, blocks))
    eth = {}                                    # driver -> interface
    for line in g.reported("net"):
        iface, drv = line.split()[:2]
        eth[drv] = iface
    for n, (name, _, drv) in enumerate(NICS, 1):
        if drv not in eth:
            raise SystemExit("no %s NIC in the guest: %s"
                             % (name, g.reported("net")))
        g.run("ip addr add 10.0.%d.15/24 dev %s && ip link set %s up"
              % (n, eth[drv], eth[drv]))
    status, out = g.run("cat /sys/block/xvda/queue/max_sectors_kb "
                        "/sys/block/vda/queue/max_sectors_kb")
    REQUEST_KB.extend(out if status == 0 else [])
    # a guest clock in ns without forking: /proc/timer_list's 3rd line
    g.run("ns() { { read -r _; read -r _; read -r _ _ n _; } "
          "</proc/timer_list; }")
    # what the uploads post: busybox wget reads it as a C string
    g.run("mkdir -p /tmp && head -c %d /dev/zero | tr '\\000' x >/tmp/up"
          % NET_BYTES)
    runs = {}
    for _ in range(RUNS):
        for name, _, dev, _ in DISKS:
            for op, cmd in DISK_OPS:
                runs.setdefault((name, op), []).append(timed(
                    g, cmd % {"dev": dev}))
        for n, (name, _, _) in enumerate(NICS, 1):
            runs.setdefault((name, "TCP up"), []).append(timed(
                g, "wget -q -O /dev/null --post-file /tmp/up "
                "http://10.0.%d.101/" % n))
            runs.setdefault((name, "TCP"), []).append(timed(
                g, "wget -q -O /dev/null http://10.0.%d.100/" % n))
    size = dict(DISK_BYTES, TCP=NET_BYTES)
    size["TCP up"] = NET_BYTES
    return {key: size[key[1]] / 1e6 / t
            for key, ts in runs.items() for t in [statistics.median(ts)]}


def report(mbs):
    ops = [op for op, _ in DISK_OPS]
    if APPEND:
        print("guest kernel command line + %s" % APPEND)
    if IOTHREAD:
        print("xen-disk and virtio-blk each in an iothread of its own")
    if len(REQUEST_KB) == 2:
        print("largest request: xen-disk %s KiB, virtio-blk %s KiB"
              % tuple(REQUEST_KB))
    print("MB/s (median of %d) " % RUNS + "".join("%12s" % op for op in ops))
    for name, _, _, _ in DISKS:
        print("  %-18s" % name + "".join("%12.1f" % mbs[name, op]
                                         for op in ops))
    print("xen-disk/virtio-blk " + "".join(
        "%12.2f" % (mbs["xen-disk", op] / mbs["virtio-blk", op])
        for op in ops))
    print("MB/s (median of %d)     TCP down, up (64 MiB over slirp)" % RUNS)
    for name, _, _ in NICS:
        print("  %-20s %7.1f %7.1f" % (name, mbs[name, "TCP"],
                                        mbs[name, "TCP up"]))
    print("ratios                        target")
    # "well ahead of IDE": more than 1
    for a, b, op, cmp, limit in [("xen-disk", "virtio-blk", "read", ">=", 0.8),
                                 ("xen-disk", "virtio-blk", "write", ">=", 0.8),
                                 ("xen-disk", "IDE", "read", ">", 1),
                                 ("xen-disk", "IDE", "write", ">", 1),
                                 ("xen-net", "virtio-net", "TCP", ">=", 0.8),
                                 ("xen-net", "virtio-net", "TCP up", ">=",
                                  0.8),
                                 ("xen-net", "e1000", "TCP", "", 0)]:
        r = mbs[a, op] / mbs[b, op]
        met = r >= limit if cmp == ">=" else r > limit
        print("  %-30s %5.2f  %s" % ("%s/%s %s" % (a, b, op), r, cmp and
              "%s %g %s" % (cmp, limit, "met" if met else "MISSED")))


if __name__ == "__main__":
    main()
