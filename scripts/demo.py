#!/usr/bin/env python3
"""make run: show the xen-platform device answering a PV driver's handshake.

Starts build/qemu-system-x86_64 with the device and emulated disks and a
NIC, then plays the part of a guest's PV driver through the qtest
accelerator, showing QEMU's own view (QMP) as it goes.
"""

from qemu_harness import Machine


def main():
    m = Machine(["-device", "xen-platform"])
    try:
        print("QEMU's PCI view (info pci) of the platform device:")
        for line in m.hmp("info pci").splitlines():
            if "5853" in line or "Class 2176" in line or "Xen" in line:
                print("   ", line.strip())
        print()
        print("A PV driver probes the fixed I/O ports:")
        print("    inw 0x10 -> 0x%04x  (0x49d2: the platform device answers)"
              % m.inw(0x10))
        print("    inb 0x12 -> %d       (unplug protocol version)" % m.inb(0x12))
    finally:
        m.close()


if __name__ == "__main__":
    main()
