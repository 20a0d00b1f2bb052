#!/usr/bin/env bash
# make run: Debian's own PVHVM kernel under TCG with Xen emulation, on the
# terminal.  The guest boots on an IDE disk and an e1000 that sit beside a
# xen-disk and a xen-net device on the same image and MAC, unplugs the
# emulated twins, and gives a shell on its PV root.
# "run-demo.sh pvh" (make run-pvh): the same kernel as a Xen PVH guest on
# microvm, with no PCI and hvc0 as its console.
# (scripts/device-demo.py is the older demo: the platform device alone,
# driven port by port through qtest.)
. "$(dirname "$0")/common.sh"

qemu=$BUILD_DIR/qemu-system-x86_64
images=$BUILD_DIR/tests-linux/images
demo=$BUILD_DIR/demo
mkdir -p "$demo"
say "building the guest from Debian's packages (kernel, busybox) into $images"
"$TOP/tests/linux/build-images.sh" "$images" >&2
cp "$images/root.img" "$demo/root.img"

if [ "${1:-}" = pvh ]; then
    cat <<'EOT'

  Booting Debian 12's linux-image-amd64, the packaged vmlinuz, under plain
  TCG as a Xen PVH guest on microvm (-accel tcg,xen-version=0x40011):
  QEMU decompresses the vmlinux in the bzImage and starts it at its PVH
  entry.  What to look at:

  - "xen console:" lines: earlyprintk=xen through the console_io
    hypercall, then "Booting kernel on Xen PVH";
  - the console is hvc0 (a xen-console), root is /dev/xvda (blkfront),
    eth0 is netfront's; no PCI at all.  Try:
      ls /sys/bus/pci/devices /sys/bus/xen/devices; cat /sys/devices/system/cpu/online
      grep -i -e xen -e HYP /proc/interrupts
  - Ctrl-a c switches to QEMU's monitor ("info qtree": the xen-bus);
    "poweroff -f" in the guest, or Ctrl-a x, ends it.

EOT
    exec "$qemu" -machine microvm -accel tcg,xen-version=0x40011 -m 1G \
        -smp 2 -nodefaults -display none \
        -kernel "$images/vmlinuz" -initrd "$images/initramfs.cpio.gz" \
        -append "console=hvc0 earlyprintk=xen xtest=demo" \
        -chardev stdio,mux=on,id=con,signal=off \
        -device xen-console,chardev=con -mon chardev=con \
        -drive "file=$demo/root.img,if=xen,format=raw,file.locking=off" \
        -netdev user,id=pv -device xen-net-device,netdev=pv
fi

cat <<'EOT'

  Booting Debian 12's linux-image-amd64 under plain TCG, as a Xen HVM
  guest (-accel tcg,xen-version=0x4000a).  What to look at:

  - "Hypervisor detected: Xen HVM" and "platform_pci_unplug: ... unplug
    emulated NICs/disks": the guest asks the xen-platform device to unplug
    the IDE disk and the e1000 before its PV drivers take over;
  - "Xen HVM callback vector for event delivery is enabled", "Grant table
    initialized": event channels and grant tables, emulated by QEMU;
  - then a shell on /dev/xvda (blkfront) with eth0 from netfront.  Try:
      ls /sys/block /sys/class/net;  grep -i xen /proc/interrupts
      ip addr add 10.0.2.15/24 dev eth0; ip link set eth0 up; ping -c 3 10.0.2.2
  - Ctrl-a c switches to QEMU's monitor: "info pci" (no e1000 left),
    "info block"; Ctrl-a c again comes back.
  - "poweroff -f" in the guest, or Ctrl-a x, ends it.

EOT
exec "$qemu" -machine pc -accel tcg,xen-version=0x4000a -m 1G -nographic \
    -kernel "$images/vmlinuz" -initrd "$images/initramfs.cpio.gz" \
    -append "console=ttyS0 xtest=demo" \
    -drive "file=$demo/root.img,if=xen,format=raw,file.locking=off" \
    -drive "file=$demo/root.img,if=ide,index=0,format=raw,file.locking=off" \
    -netdev user,id=pv -device xen-net-device,netdev=pv,mac=52:54:00:12:34:56 \
    -netdev user,id=emu -device e1000,netdev=emu,mac=52:54:00:12:34:56
