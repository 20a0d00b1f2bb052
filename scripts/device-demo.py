#!/usr/bin/env python3
"""make run: the xen-platform device and a PV driver's hand-over.

Starts build/qemu-system-x86_64 with the platform device, an IDE disk
and an e1000 NIC, then plays the part of a guest's PV driver through the
qtest accelerator (port accesses exactly as a guest makes them), showing
QEMU's own view (QMP) at each step.
"""

import os
import tempfile

from qemu_harness import Machine


def show(m, title):
    pci = [d for bus in m.qmp("query-pci") for d in bus["devices"]]
    drives = [b["device"] for b in m.qmp("query-block")]
    print("  %s" % title)
    print("    PCI devices: %s" % ", ".join(
        "%02x.%x %s" % (d["slot"], d["function"], d["qdev_id"] or
                        d["class_info"].get("desc", "?")) for d in pci))
    print("    drives:      %s" % (", ".join(drives) or "(none)"))


def main():
    with tempfile.TemporaryDirectory() as tmp:
        img = os.path.join(tmp, "disk.img")
        with open(img, "wb") as f:
            f.truncate(64 << 20)
        m = Machine(["-device", "xen-platform,id=xp",
                     "-drive", "file=%s,format=raw,if=ide,id=disk0" % img,
                     "-netdev", "user,id=net0",
                     "-device", "e1000,netdev=net0,id=nic0"])
        try:
            show(m, "QEMU at power-on:")
            print()
            print("  A PV driver comes up and talks to the platform device:")
            print("    inw  0x10 -> 0x%04x   magic: the device is there"
                  % m.inw(0x10))
            print("    inb  0x12 -> %d        protocol version" % m.inb(0x12))
            m.out("w", 0x12, 3)
            print("    outw 0x12 <- 3        product: Linux")
            m.out("l", 0x10, 0x060100)
            print("    outl 0x10 <- 0x60100  build number")
            print("    inw  0x10 -> 0x%04x   not blacklisted" % m.inw(0x10))
            m.out("w", 0x10, 0x3)
            print("    outw 0x10 <- 0x3      unplug disks and NICs")
            print()
            show(m, "QEMU after the unplug:")
            print("    the device's record: %s" % m.qmp(
                "qom-get", path="xp", property="unplugged-devices"))
            print()
            m.qmp("system_reset")
            show(m, "QEMU after the guest reboots (the same QEMU goes on):")
            print()
            print("  Every step is in docs/xen/xen-platform.rst; "
                  "make check tests them all.")
        finally:
            m.close()


if __name__ == "__main__":
    main()
