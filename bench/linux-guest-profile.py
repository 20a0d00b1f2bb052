#!/usr/bin/env python3
"""Where the time of a disk read goes, xen-disk against virtio-blk: the
CPU each QEMU thread spends per MiB, and the functions (QEMU's, the
host kernel's, the guest kernel's) that the vCPU thread spends it in.

    python3 bench/linux-guest-profile.py [QEMU] [IMAGES] [BS]

One boot of the tests/linux guest (1 vCPU, 512 MiB) with a xen-disk
(xvda) and a virtio-blk disk (vda), 128 MiB each, QEMU started with
-perfmap (so that perf can name the code TCG translated: the guest's
PC) and debug-threads=on (so that its threads have names).  Each disk
is written, then read 6 times with dd iflag=direct in blocks of BS
(default 1M) while `perf record -F 4000` samples QEMU.  Needs perf
(Debian's linux-perf) and the right to profile QEMU (root, or
kernel.perf_event_paranoid <= 1).

The guest's addresses are resolved against its /proc/kallsyms and
shown as "guest:FUNCTION"; a sample is 0.25 ms of one thread's CPU.
The guest's own counts come first: the requests each disk completed
(/sys/block/DEV/stat) and the interrupts its driver took
(/proc/interrupts) per MiB, and how busy the vCPU thread was.
"""

import bisect
import collections
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(ROOT, "tests", "linux"))
from guest import Guest  # noqa: E402

DISK_MB = 128
READS = 6
HZ = 4000
KERNEL = 0xffff800000000000
DEVS = ("xvda", "vda")
IRQ_NAMES = {"xvda": "blkif", "vda": "virtio0-req"}


def guest_counts(g, dev):
    """(reads completed, interrupts taken) of DEV so far, in the guest."""
    _, stat = g.run("cat /sys/block/%s/stat" % dev)
    _, irqs = g.run("grep %s /proc/interrupts" % IRQ_NAMES[dev])
    taken = sum(int(f) for line in irqs
                for f in line.split()[1:] if f.isdigit())
    return int(stat[0].split()[0]), taken


def kernel_symbols(g):
    """Sorted (address, name) of the guest kernel's text symbols."""
    g.run("echo 0 >/proc/sys/kernel/kptr_restrict")
    _, out = g.run("grep -i ' t ' /proc/kallsyms", timeout=300)
    table = []
    for line in out:
        f = line.split()
        if len(f) >= 3 and re.fullmatch(r"[0-9a-f]+", f[0]):
            table.append((int(f[0], 16), f[2]))
    return sorted(table)


def report(data, table):
    """{thread name: samples}, {vCPU symbol: samples} of a perf.data."""
    addrs = [a for a, _ in table]
    out = subprocess.run(["perf", "report", "-i", data, "--stdio", "-q",
                          "-n", "--sort", "comm,sym", "--percent-limit",
                          "0"], capture_output=True, text=True).stdout
    threads, vcpu = collections.Counter(), collections.Counter()
    for line in out.splitlines():
        m = re.match(r"\s*[\d.]+%\s+(\d+)\s+(.+?)\s+\[.\]\s+(.*)", line)
        if not m:
            continue
        n, comm, sym = int(m.group(1)), m.group(2), m.group(3).strip()
        threads[comm] += n
        if not comm.startswith("CPU "):
            continue
        pc = re.match(r"guest-0x([0-9a-f]+)", sym)
        if pc:
            a = int(pc.group(1), 16)
            i = bisect.bisect_right(addrs, a) - 1
            sym = "guest:" + (table[i][1] if a >= KERNEL and i >= 0
                              else "(user)")
        vcpu[sym] += n
    return threads, vcpu


def main():
    if not shutil.which("perf"):
        raise SystemExit("perf is not installed (Debian: linux-perf)")
    qemu = sys.argv[1] if len(sys.argv) > 1 else \
        os.path.join(ROOT, "build", "qemu-system-x86_64")
    images = sys.argv[2] if len(sys.argv) > 2 else \
        os.path.join(ROOT, "build", "tests-linux", "images")
    bs = sys.argv[3] if len(sys.argv) > 3 else "1M"
    count = (DISK_MB << 20) // int(bs[:-1]) // \
        {"k": 1 << 10, "M": 1 << 20}[bs[-1]]
    results = {}
    with tempfile.TemporaryDirectory() as tmp:
        args = ["-perfmap", "-name", "profiled,debug-threads=on"]
        for name, opt in (("xen", "if=xen"), ("virtio", "if=virtio")):
            img = os.path.join(tmp, name + ".img")
            with open(img, "wb") as f:
                f.truncate(DISK_MB << 20)
            args += ["-drive", "file=%s,%s,format=raw" % (img, opt)]
        g = Guest(qemu, images, os.path.join(tmp, "console.log"), args,
                  scenario="shell", append="xen_emul_unplug=unnecessary")
        try:
            g.start()
            g.ready()
            table = kernel_symbols(g)
            for dev in DEVS:
                g.run("dd bs=1M count=%d if=/dev/zero of=/dev/%s "
                      "oflag=direct 2>/dev/null" % (DISK_MB, dev), 300)
                data = os.path.join(tmp, dev + ".data")
                perf = subprocess.Popen(["perf", "record", "-q", "-F",
                                         str(HZ), "-p", str(g.proc.pid),
                                         "-o", data],
                                        stderr=subprocess.DEVNULL)
                time.sleep(1)
                before = guest_counts(g, dev)
                t0 = time.monotonic()
                g.run("for i in $(seq %d); do dd bs=%s count=%d "
                      "if=/dev/%s of=/dev/null iflag=direct 2>/dev/null; "
                      "done" % (READS, bs, count, dev), timeout=600)
                seconds = time.monotonic() - t0
                after = guest_counts(g, dev)
                perf.send_signal(2)
                perf.wait()
                results[dev] = (seconds,) + report(data, table) + \
                    (tuple(a - b for a, b in zip(after, before)),)
        finally:
            g.close()

    mib = READS * DISK_MB
    print("%d MiB read in blocks of %s from each disk, QEMU sampled at "
          "%d Hz" % (mib, bs, HZ))
    for dev in DEVS:
        print("  %-5s %6.2f s, %7.1f MB/s" % (dev, results[dev][0],
                                              mib * 1.048576 /
                                              results[dev][0]))
    print("per MiB, in the guest             xvda     vda")
    for i, what in enumerate(("requests", "interrupts")):
        print("  %-28s %7.2f %7.2f" % (what, *(
            results[dev][3][i] / mib for dev in DEVS)))
    print("  %-28s %6.0f%% %6.0f%%" % ("vCPU thread busy", *(
        100.0 * results[dev][1].get("CPU 0/TCG", 0) / HZ / results[dev][0]
        for dev in DEVS)))
    print("CPU ms per MiB, by QEMU thread    xvda     vda")
    names = collections.Counter()
    for dev in DEVS:
        names.update(results[dev][1])
    for name, _ in names.most_common(8):
        print("  %-28s %7.3f %7.3f" % (name, *(
            results[dev][1][name] * 1000.0 / HZ / mib for dev in DEVS)))
    print("vCPU thread's samples, by function    xvda     vda")
    syms = collections.Counter()
    for dev in DEVS:
        syms.update(results[dev][2])
    for sym, _ in syms.most_common(30):
        print("  %-36s %7d %7d" % (sym[:36], *(results[dev][2][sym]
                                              for dev in DEVS)))


if __name__ == "__main__":
    main()
