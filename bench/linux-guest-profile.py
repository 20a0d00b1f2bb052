#!/usr/bin/env python3
"""Where a PVHVM Linux guest under TCG's Xen emulation spends its time
while it reads a disk: a sampling profile of the guest's kernel.

    python3 bench/linux-guest-profile.py [QEMU] [IMAGES] [DEV] [BS]

One boot of the tests/linux guest (1 vCPU, 512 MiB) with a xen-disk
(xvda) and a virtio-blk disk (vda), 128 MiB each; DEV (default xvda) is
first written, then read 6 times with dd iflag=direct in blocks of BS
(default 1M) while a second QMP client samples the vCPU's RIP (HMP
"info registers") every 2 ms.  Samples are resolved against the guest's
/proc/kallsyms and printed by function, with the share of samples in
native_safe_halt: the time the guest waited for the disk.

The RIP is the one of the last translated block the vCPU left, so code
that ends blocks often (hypercalls, MSR accesses, halts) is sampled a
little more than it runs; compare devices within one boot, not the
absolute figures.
"""

import bisect
import collections
import os
import re
import sys
import tempfile
import threading
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(ROOT, "tests", "linux"))
from guest import Guest  # noqa: E402
from qemu.qmp.legacy import QEMUMonitorProtocol  # noqa: E402

DISK_MB = 128
KERNEL = 0xffff800000000000


def sample(mon, stop, samples):
    while not stop.is_set():
        out = mon.cmd("human-monitor-command",
                      **{"command-line": "info registers"})
        out = out if isinstance(out, str) else out.get("return", "")
        m = re.search(r"RIP=([0-9a-f]+)", out)
        if m:
            samples[int(m.group(1), 16)] += 1
        time.sleep(0.002)


def symbols(g, pcs):
    """(address, name) of the kernel's functions around @pcs."""
    table = set()
    for prefix in {"%x" % (pc >> 16) for pc in pcs} | \
            {"%x" % ((pc >> 16) - 1) for pc in pcs}:
        _, out = g.run("grep -i '^%s' /proc/kallsyms" % prefix)
        for line in out:
            f = line.split()
            if len(f) >= 3 and re.fullmatch(r"[0-9a-f]+", f[0]):
                table.add((int(f[0], 16), f[2]))
    return sorted(table)


def main():
    qemu = sys.argv[1] if len(sys.argv) > 1 else \
        os.path.join(ROOT, "build", "qemu-system-x86_64")
    images = sys.argv[2] if len(sys.argv) > 2 else \
        os.path.join(ROOT, "build", "tests-linux", "images")
    dev = sys.argv[3] if len(sys.argv) > 3 else "xvda"
    bs = sys.argv[4] if len(sys.argv) > 4 else "1M"
    count = (DISK_MB << 20) // int(bs[:-1]) // \
        {"k": 1 << 10, "M": 1 << 20}[bs[-1]]
    with tempfile.TemporaryDirectory() as tmp:
        args = []
        for name, opt in (("xen", "if=xen"), ("virtio", "if=virtio")):
            img = os.path.join(tmp, name + ".img")
            with open(img, "wb") as f:
                f.truncate(DISK_MB << 20)
            args += ["-drive", "file=%s,%s,format=raw" % (img, opt)]
        mon_path = os.path.join(tmp, "sampler.qmp")
        args += ["-qmp", "unix:%s,server=on,wait=off" % mon_path]
        g = Guest(qemu, images, os.path.join(tmp, "console.log"), args,
                  scenario="shell", append="xen_emul_unplug=unnecessary")
        try:
            g.start()
            g.ready()
            g.run("echo 0 >/proc/sys/kernel/kptr_restrict; dd bs=1M "
                  "count=%d if=/dev/zero of=/dev/%s oflag=direct"
                  % (DISK_MB, dev))
            mon = QEMUMonitorProtocol(mon_path)
            mon.connect()
            samples = collections.Counter()
            stop = threading.Event()
            sampler = threading.Thread(target=sample,
                                       args=(mon, stop, samples))
            sampler.start()
            g.run("for i in 1 2 3 4 5 6; do dd bs=%s count=%d if=/dev/%s "
                  "of=/dev/null iflag=direct 2>/dev/null; done"
                  % (bs, count, dev), timeout=600)
            stop.set()
            sampler.join()
            mon.close()
            kernel = collections.Counter()
            for pc, n in samples.items():
                kernel[pc >> 16] += n
            hot = [pc << 16 for pc, _ in kernel.most_common(12)
                   if pc << 16 >= KERNEL]
            table = symbols(g, hot)
        finally:
            g.close()
    addrs = [a for a, _ in table]
    by_name = collections.Counter()
    for pc, n in samples.items():
        i = bisect.bisect_right(addrs, pc) - 1
        if pc < KERNEL:
            by_name["(user)"] += n
        elif i >= 0 and pc - addrs[i] < 0x4000:
            by_name[table[i][1]] += n
        else:
            by_name["(kernel, elsewhere)"] += n
    total = sum(by_name.values())
    print("%d samples of the guest's RIP during %s direct reads of %s"
          % (total, bs, dev))
    for name, n in by_name.most_common(30):
        print("%6.2f%%  %s" % (100.0 * n / total, name))


if __name__ == "__main__":
    main()
