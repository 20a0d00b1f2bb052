#!/usr/bin/env python3
"""Time from a guest's unplug write until it completes, for 1, 8 and 32 disks.

The guest is played through the qtest accelerator: the port write returns
once QEMU has handled it, so the round trip of that write is the unplug
(drain, flush, removal of every disk). The first four disks are IDE;
the rest alternate between SCSI disks behind one virtio-scsi HBA and NVMe
controllers.

"idle": nothing in flight. "in flight": just before the unplug, a 4 MiB
asynchronous write is submitted on every disk (HMP qemu-io aio_write),
so the unplug has to wait for all of them; afterwards every image is
checked to hold the written bytes.

Each figure is the median of 5 runs, in milliseconds, next to the round
trip of a plain port read in the same QEMU.

    python3 bench/unplug-latency.py
"""

import os
import statistics
import sys
import tempfile
import time

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "scripts"))
from qemu_harness import Machine  # noqa: E402


def disk_args(n, tmp):
    args = ["-device", "xen-platform", "-device", "virtio-scsi-pci,id=hba"]
    for i in range(n):
        img = os.path.join(tmp, "d%d.img" % i)
        with open(img, "wb") as f:
            f.truncate(16 << 20)
        drive = "file=%s,format=raw,id=d%d" % (img, i)
        if i < 4:
            args += ["-drive", drive + ",if=ide,index=%d" % i]
        elif i % 2:
            args += ["-drive", drive + ",if=none",
                     "-device", "scsi-hd,drive=d%d,bus=hba.0,scsi-id=%d"
                     % (i, i // 2)]
        else:
            args += ["-drive", drive + ",if=none",
                     "-device", "nvme,drive=d%d,serial=s%d" % (i, i)]
    return args


WRITE = 4 << 20
PATTERN = 0x5a


def one_run(n, in_flight):
    with tempfile.TemporaryDirectory() as tmp:
        m = Machine(disk_args(n, tmp))
        try:
            t0 = time.perf_counter()
            m.inw(0x10)
            t_read = time.perf_counter() - t0
            if in_flight:
                for i in range(n):
                    m.hmp('qemu-io d%d "aio_write -P 0x%x 0 %d"'
                          % (i, PATTERN, WRITE))
            t0 = time.perf_counter()
            m.out("w", 0x10, 0x1 | 0x8)
            t_unplug = time.perf_counter() - t0
            left = [b["device"] for b in m.qmp("query-block")
                    if b["device"].startswith("d")]
            assert not left, left
        finally:
            m.close()
        if in_flight:
            for i in range(n):
                with open(os.path.join(tmp, "d%d.img" % i), "rb") as f:
                    assert f.read(WRITE) == bytes([PATTERN]) * WRITE, i
    return t_unplug * 1e3, t_read * 1e3


def main():
    print("%-6s %-10s %12s %14s" % ("disks", "writes", "unplug ms",
                                    "port read ms"))
    for n in (1, 8, 32):
        for in_flight in (False, True):
            runs = [one_run(n, in_flight) for _ in range(5)]
            print("%-6d %-10s %12.2f %14.3f"
                  % (n, "in flight" if in_flight else "idle",
                     statistics.median(r[0] for r in runs),
                     statistics.median(r[1] for r in runs)))


if __name__ == "__main__":
    main()
