#!/usr/bin/env python3
"""A Debian PVHVM Linux guest under TCG's Xen emulation, scenario by scenario.

    scenarios.py QEMU IMAGES OUTDIR [SCENARIO...]

IMAGES is build-images.sh's output; each scenario boots the guest (its
console log and QMP socket in OUTDIR) and checks what the guest sees
and what QEMU reports over QMP.  Prints TAP.
"""

import hashlib
import json
import os
import re
import shutil
import socket
import struct
import subprocess
import sys
import time

from guest import Guest, GuestError
from qemu.qmp.legacy import QEMUMonitorProtocol  # noqa: E402 (guest's path)

E1000 = (0x8086, 0x100e)
VIRTIO_NET = (0x1af4, 0x1000)
MAC = "52:54:00:12:34:56"
# e2fsck and debugfs live in sbin, outside a user's PATH
SBIN_ENV = dict(os.environ,
                PATH=os.environ.get("PATH", "") + ":/usr/sbin:/sbin")


class Tap:
    def __init__(self):
        self.n = 0
        self.failed = 0

    def check(self, ok, what, detail=""):
        self.n += 1
        if not ok:
            self.failed += 1
        print("%s %d - %s%s" % ("ok" if ok else "not ok", self.n, what,
                                "" if ok or not detail else " (%s)" % detail),
              flush=True)
        return ok

    def skip(self, what, why):
        self.n += 1
        print("ok %d - %s # SKIP %s" % (self.n, what, why), flush=True)

    def diag(self, text):
        for line in str(text).splitlines():
            print("# " + line, flush=True)


class Env:
    def __init__(self, qemu, images, out):
        self.qemu, self.images, self.out = qemu, images, out
        # guestfwd serves this as http://10.0.2.100/ (cmd: gets no commas)
        self.http = os.path.join(out, "http-reply")
        body = "xen-net-marker-5853\n"
        with open(self.http, "w") as f:
            f.write("HTTP/1.0 200 OK\r\nContent-Type: text/plain\r\n"
                    "Content-Length: %d\r\n\r\n%s" % (len(body), body))

    def disk(self, name):
        """A fresh copy of the root image for one boot."""
        path = os.path.join(self.out, name + ".img")
        shutil.copyfile(os.path.join(self.images, "root.img"), path)
        return path

    def guest(self, name, args, **kw):
        return Guest(self.qemu, self.images,
                     os.path.join(self.out, name + ".console.log"), args, **kw)

    def netdev(self, ident):
        # the server reads the request to its end: closing with it unread
        # would send a RST, which can cut the reply short
        return ('user,id=%s,guestfwd=tcp:10.0.2.100:80-cmd:'
                'sh -c "cat %s; cat >/dev/null"' % (ident, self.http))


def pci_ids(g):
    return [(d["id"]["vendor"], d["id"]["device"])
            for bus in g.qmp("query-pci") for d in bus["devices"]]


def block_devs(g):
    return sorted(b["device"] for b in g.qmp("query-block") if b["device"])


def net_up_and_fetch(g, dev="eth0"):
    """Static address on @dev, then an HTTP GET through slirp's guestfwd."""
    status, out = g.run("ip addr add 10.0.2.15/24 dev %s && "
                        "ip link set %s up && "
                        "wget -q -O - http://10.0.2.100/" % (dev, dev))
    return status == 0 and "xen-net-marker-5853" in out, out


def default_setup(env, name, machine, reboot=True, smp=1, extra=()):
    """An IDE disk and an e1000 beside a xen-disk and a xen-net device on
    the same backing: the same image, the same MAC; extra: more QEMU
    arguments."""
    img = env.disk(name)
    hvc = os.path.join(env.out, name + ".hvc.log")
    args = ["-drive", "file=%s,if=xen,format=raw,file.locking=off" % img,
            "-drive", "file=%s,if=ide,index=0,format=raw,file.locking=off"
            % img,
            "-netdev", env.netdev("pv"),
            "-device", "xen-net-device,netdev=pv,mac=" + MAC,
            "-netdev", "user,id=emu",
            "-device", "e1000,netdev=emu,mac=" + MAC,
            "-chardev", "file,id=hvc,path=" + hvc,
            "-device", "xen-console,chardev=hvc"] + list(extra)
    return img, hvc, env.guest(name, args, machine=machine, reboot=reboot,
                               smp=smp)


def scenario_default(t, env, machine="pc"):
    name = "default-" + machine
    what = "%s: " % name
    img, hvc, g = default_setup(env, name, machine)
    try:
        t.check(E1000 in pci_ids(g) and "ide0-hd0" in block_devs(g),
                what + "before boot: the e1000 and the IDE disk are there")
        g.start()
        g.ready()
        t.check(E1000 not in pci_ids(g),
                what + "the guest unplugged the e1000 (query-pci)")
        devs = block_devs(g)
        t.check("ide0-hd0" not in devs and "xvda" in " ".join(devs) or
                "ide0-hd0" not in devs and len(devs) == 1,
                what + "the IDE disk is gone, the xen-disk stays "
                "(query-block)", devs)
        blocks = g.reported("block")
        t.check(any(b.startswith("xvda ") and b.endswith(" vbd")
                    for b in blocks) and
                not any(b.startswith("sd") for b in blocks),
                what + "the guest has xvda (blkfront) and no sdX", blocks)
        nets = [n for n in g.reported("net") if not n.startswith("lo ")]
        t.check(nets == ["eth0 vif " + MAC],
                what + "the guest's only NIC is netfront's eth0", nets)
        t.check(g.reported("root") == ["/dev/xvda mounted"] and
                g.reported("rootwrite") == ["boots 1"],
                what + "root on /dev/xvda, written on first boot")
        # xen-block offers indirect descriptors: blkfront's requests grow
        # from 11 segments (44 KiB) to its default of 32 (128 KiB)
        status, out = g.run("cat /sys/block/xvda/queue/max_hw_sectors_kb")
        t.check(status == 0 and out == ["128"],
                what + "blkfront makes 128 KiB (indirect) requests", out)
        status, out = g.run(
            "dd if=/dev/urandom of=/var/big bs=64k count=128 2>/dev/null"
            " && md5sum </var/big && sync"
            " && echo 3 >/proc/sys/vm/drop_caches && md5sum </var/big")
        t.check(status == 0 and len(out) == 2 and out[0] == out[1],
                what + "8 MiB written and read back through the page cache "
                "and indirect requests are the same", out)
        dmesg = "\n".join(g.reported("dmesg"))
        t.check("Xen HVM callback vector for event delivery is enabled"
                in dmesg, what + "console: callback vector enabled")
        t.check("Grant table initialized" in dmesg,
                what + "console: grant table initialized")
        status, out = g.run("dmesg | grep -o 'IOAPIC\\[0\\]: .*GSI [0-9-]*'")
        t.check(status == 0 and len(out) == 1 and out[0].endswith("GSI 0-47"),
                what + "the IO-APIC has Xen's 48 entries (GSIs 0-47)", out)
        ok, out = net_up_and_fetch(g)
        t.check(ok, what + "netfront moves an HTTP GET through slirp", out)
        g.run("echo hvc0-says-hello >/dev/hvc0")
        time.sleep(0.5)
        with open(hvc, errors="replace") as f:
            t.check("hvc0-says-hello" in f.read(),
                    what + "the PV console (hvc0) reaches its chardev")
        # write, sync, reboot: the data must be there on the next boot
        status, _ = g.run("echo token-5853 >/var/token && sync")
        g.proc.stdin.write(b"reboot -f\n")
        g.proc.stdin.flush()
        g.expect(r"^XTEST: stage initramfs$", 120)
        g.ready()
        status, out = g.run("cat /var/token; cat /var/xtest-boots")
        t.check(status == 0 and out == ["token-5853", "2"],
                what + "the write survives sync and reboot, on xvda", out)
        t.check(E1000 not in pci_ids(g),
                what + "after the reboot the e1000 is unplugged again")
    except GuestError as e:
        t.check(False, what + "the guest ran to the end", e)
    t.check(g.close() == 0, what + "QEMU exits cleanly at poweroff")


def small_disk(env, name, mb=8):
    path = os.path.join(env.out, name + ".img")
    with open(path, "wb") as f:
        f.truncate(mb << 20)
    return path


# xen_emul_unplug= value -> what goes: (primary master, aux IDE disk, NIC)
UNPLUG = {
    "never": (False, False, False),
    "unnecessary": (False, False, False),
    "ide-disks": (True, True, False),
    "aux-ide-disks": (False, True, False),
    "nics": (False, False, True),
    "all": (True, True, True),
}


def scenario_unplug(t, env, option):
    """xen_emul_unplug=OPTION: exactly the devices asked for go."""
    name = "unplug-" + option
    what = "%s: " % name
    gone = UNPLUG[option]
    args = ["-drive", "file=%s,if=xen,format=raw" % env.disk(name),
            "-drive", "file=%s,if=ide,index=0,format=raw"
            % small_disk(env, name + "-hda"),
            "-drive", "file=%s,if=ide,index=1,format=raw"
            % small_disk(env, name + "-hdb"),
            "-netdev", "user,id=pv", "-device", "xen-net-device,netdev=pv",
            "-netdev", "user,id=emu", "-device", "e1000,netdev=emu"]
    g = env.guest(name, args, scenario="shell",
                  append="xen_emul_unplug=" + option)
    try:
        g.start()
        g.ready()
        devs = block_devs(g)
        now = ("ide0-hd0" not in devs, "ide0-hd1" not in devs,
               E1000 not in pci_ids(g))
        t.check(now == gone, what + "unplugged (hda, hdb, e1000) = %s" %
                (gone,), "QMP says %s" % (now,))
        sd = [b for b in g.reported("block") if b.startswith("sd")]
        e1000 = [n for n in g.reported("net") if " e1000 " in n]
        t.check(len(sd) == 2 - gone[0] - gone[1] and
                len(e1000) == 1 - gone[2],
                what + "the guest sees exactly the emulated devices left",
                "sd: %s, e1000: %s" % (sd, e1000))
    except GuestError as e:
        t.check(False, what + "the guest ran to the end", e)
    t.check(g.close() == 0, what + "QEMU exits cleanly at poweroff")


def interrupts(g):
    status, out = g.run("cat /proc/interrupts")
    return out


def irq_count(line):
    """Sum of the per-CPU counts of a /proc/interrupts line."""
    total = 0
    for field in line.split()[1:]:
        if not field.isdigit():
            break
        total += int(field)
    return total


def scenario_callback(t, env, name, append="", smp=1, accel=None,
                      nic="xen-net-device", expect=None):
    """Event delivery by one route; netfront (or a virtio NIC) carries
    traffic, and /proc/interrupts shows which interrupt carried it."""
    what = "callback-%s: " % name
    trace = os.path.join(env.out, "callback-%s.trace" % name)
    args = ["-netdev", env.netdev("n0"), "-device", nic + ",netdev=n0",
            "-drive", "file=%s,if=xen,format=raw" % env.disk("cb-" + name),
            "-trace", "enable=xen_tcg_upcall", "-D", trace]
    kw = {"accel": accel} if accel else {}
    g = env.guest("callback-" + name, args, scenario="shell", smp=smp,
                  append=append, **kw)
    try:
        g.start()
        g.ready()
        dev = "eth0"
        ok, out = net_up_and_fetch(g, dev)
        t.check(ok, what + "an HTTP GET through %s" % nic, out)
        lines = interrupts(g)
        match = [l for l in lines if re.search(expect, l)]
        t.check(len(match) == 1 and irq_count(match[0]) > 0,
                what + "/proc/interrupts: %s, and it fired" % expect,
                match or lines)
        return g, lines, trace
    except GuestError as e:
        t.check(False, what + "the guest ran to the end", e)
        return g, [], trace
    finally:
        t.check(g.close() == 0, what + "QEMU exits cleanly at poweroff")


def scenario_callbacks(t, env):
    intx_ioapic = r"IO-APIC.*xen-platform-pci"
    scenario_callback(t, env, "intx-ioapic", "xen_no_vector_callback",
                      expect=intx_ioapic)
    scenario_callback(t, env, "intx-ioapic-nomsi",
                      "xen_no_vector_callback pci=nomsi", expect=intx_ioapic)
    scenario_callback(t, env, "intx-pic", "xen_no_vector_callback noapic",
                      expect=r"XT-PIC.*xen-platform-pci")
    scenario_callback(t, env, "vector", expect=r"^ *HYP:")
    # Xen 4.17's CPUID offers the per-vCPU vector, which Linux then uses
    g, lines, trace = scenario_callback(
        t, env, "vcpu-vector", smp=2, accel="tcg,xen-version=0x40011",
        expect=r"^ *HYP:")
    with open(trace, errors="replace") as f:
        log = f.read()
    t.check(all("cpu %d vcpu-vector" % c in log for c in (0, 1)) and
            "cpu 0 vector " not in log,
            "callback-vcpu-vector: both vCPUs got upcalls by their own "
            "vector, never by the domain-wide one")
    # a virtio NIC whose interrupts the guest routes as Xen PIRQs (kept:
    # by default Linux has every emulated NIC unplugged, virtio's too)
    scenario_callback(t, env, "pirq-msix", "xen_emul_unplug=never",
                      nic="virtio-net-pci",
                      expect=r"xen-pirq.*msi-x.*virtio0-input")
    scenario_callback(t, env, "pirq-intx", "xen_emul_unplug=never pci=nomsi",
                      nic="virtio-net-pci",
                      expect=r"xen-pirq.*ioapic-level.*virtio0")


def scenario_blacklist(t, env):
    """The host blacklists Linux's product (3): the guest must leave its
    emulated devices alone."""
    what = "blacklist: "
    args = ["-global", "xen-platform.blacklist=linux:*",
            "-drive", "file=%s,if=ide,index=0,format=raw" % env.disk("bl"),
            "-netdev", "user,id=emu", "-device", "e1000,netdev=emu"]
    g = env.guest("blacklist", args, scenario="shell")
    try:
        g.start()
        g.ready()
        status, out = g.run("dmesg | grep -i 'blacklisted by host'")
        t.check(status == 0 and out,
                what + "the guest says it is blacklisted", out)
        t.check(E1000 in pci_ids(g) and "ide0-hd0" in block_devs(g),
                what + "the e1000 and the IDE disk are still there (QMP)")
        t.check(any(b.startswith("sda ") for b in g.reported("block")) and
                any(" e1000 " in n for n in g.reported("net")),
                what + "the guest drives them (sda, e1000's eth0)")
    except GuestError as e:
        t.check(False, what + "the guest ran to the end", e)
    t.check(g.close() == 0, what + "QEMU exits cleanly at poweroff")


def scenario_reboot(t, env):
    """A guest reboot: the reset gives the devices back, the guest boots
    again and unplugs them again."""
    what = "reboot: "
    img, hvc, g = default_setup(env, "reboot", "pc")
    try:
        g.start()
        g.ready()
        t.check(E1000 not in pci_ids(g), what + "first boot: unplugged")
        g.proc.stdin.write(b"reboot -f\n")
        g.proc.stdin.flush()
        g.wait_event("RESET")
        g.qmp("stop")
        t.check(E1000 in pci_ids(g) and "ide0-hd0" in block_devs(g),
                what + "after the reset the e1000 and the IDE disk are back")
        g.qmp("cont")
        g.expect(r"^XTEST: stage initramfs$", 120)
        g.ready()
        t.check(E1000 not in pci_ids(g) and
                "ide0-hd0" not in block_devs(g),
                what + "second boot: unplugged again")
    except GuestError as e:
        t.check(False, what + "the guest ran to the end", e)
    t.check(g.close() == 0, what + "QEMU exits cleanly at poweroff")


def scenario_smp(t, env, abi="FIFO"):
    """2 vCPUs: event channels and IPIs on both, by the event channel ABI
    the guest prefers (FIFO) or by the 2-level one (xen.fifo_events=0)."""
    fifo = abi == "FIFO"
    name = "smp" if fifo else "smp-2level"
    what = name + ": "
    args = ["-drive", "file=%s,if=xen,format=raw" % env.disk(name),
            "-netdev", env.netdev("n0"), "-device", "xen-net-device,netdev=n0"]
    g = env.guest(name, args, smp=2,
                  append="" if fifo else "xen.fifo_events=0")
    try:
        g.start()
        g.ready()
        line = "xen:events: Using %s ABI" % ("FIFO-based" if fifo
                                              else "2-level")
        abis = [l for l in g.reported("dmesg") if "ABI" in l]
        t.check(len(abis) == 1 and line in abis[0],
                what + "dmesg: " + line, abis)
        t.check(g.reported("root") == ["/dev/xvda mounted"],
                what + "root on /dev/xvda (blkfront)", g.reported("root"))
        # work on both vCPUs: IPIs (resched, call-function) fly between them
        g.run("for c in 0 1 0 1; do taskset -c $c ls / >/dev/null; done")
        # and on the disk, from both
        status, out = g.run("for c in 0 1; do taskset -c $c dd if=/dev/xvda "
                            "of=/dev/null bs=64k count=256 iflag=direct "
                            "skip=$((c * 256)) 2>&1 || exit 1; done")
        t.check(status == 0, what + "blkfront reads from both vCPUs", out)
        ok, out = net_up_and_fetch(g)
        t.check(ok, what + "netfront works", out)
        lines = interrupts(g)
        t.diag("\n".join(l for l in lines if "xen" in l or "HYP" in l))
        def per_cpu(pattern):
            for l in lines:
                if re.search(pattern, l):
                    return [int(x) for x in l.split()[1:3]]
            return None
        t.check(per_cpu(r"^ *HYP:") and min(per_cpu(r"^ *HYP:")) > 0,
                what + "upcalls on both vCPUs", per_cpu(r"^ *HYP:"))
        # each vCPU has its own IPI event channels: reschedN, callfuncsingleN
        ipis = [per_cpu(r"%s%d$" % (kind, c))
                for kind in ("resched", "callfuncsingle") for c in (0, 1)]
        t.check(all(ipi and ipi[i % 2] > 0 for i, ipi in enumerate(ipis)),
                what + "reschedule and call-function IPIs on both vCPUs",
                ipis)
        # a waiter sleeps in SCHEDOP_poll until the holder's kick
        _, out = g.run("dmesg | grep -i 'pv spinlocks'")
        t.check(any("PV spinlocks enabled" in l for l in out),
                what + "Linux uses PV spinlocks (SCHEDOP_poll)", out)
        # the PV devices' event channels: xenstore, blkfront, netfront
        events = [per_cpu(r"xen-dyn.*event\s+%s$" % dev)
                  for dev in ("xenbus", "blkif", "eth0")]
        t.check(all(e and sum(e) > 0 for e in events),
                what + "xenbus, blkif and eth0 events fired", events)
    except GuestError as e:
        t.check(False, what + "the guest ran to the end", e)
    t.check(g.close() == 0, what + "QEMU exits cleanly at poweroff")


def proc_stat_steal(g):
    """The guest's steal time, /proc/stat's "cpu" line, or None."""
    _, out = g.run("head -n 1 /proc/stat")
    try:
        return int(out[0].split()[8])
    except (IndexError, ValueError):
        return None


# how long the pvclock scenario keeps both vCPUs busy while it compares
# the guest's clock with the host's
PVCLOCK_LOAD_S = int(os.environ.get("PVCLOCK_LOAD_S", "10"))


def scenario_pvclock(t, env):
    """Xen's pvclock under TCG: Linux takes the xen clocksource, its date
    comes from shared_info's wallclock, and its clock stays monotonic and
    in step with the host's while both vCPUs are busy; the runstate area
    gives it steal time when the host is busy too."""
    what = "pvclock: "
    args = ["-drive", "file=%s,if=xen,format=raw" % env.disk("pvclock")]
    g = env.guest("pvclock", args, smp=2)
    try:
        g.start()
        g.ready()
        _, out = g.run("cat /sys/devices/system/clocksource/clocksource0/"
                       "current_clocksource")
        t.check(out == ["xen"], what + "Linux's clocksource is xen", out)
        _, out = g.run("dmesg | grep -ci 'disable pv timer'")
        t.check(out == ["0"], what + "no \"Xen doesn't support pvclock\"",
                out)
        _, out = g.run("date +%s")
        skew = abs(int(out[0]) - time.time()) if out else None
        t.check(skew is not None and skew < 10,
                what + "the guest's date is the host's (shared_info's "
                "wallclock)", "%s s apart" % skew)
        _, before = g.run("cat /proc/uptime")
        host0 = time.monotonic()
        status, out = g.run(
            "for c in 0 1; do taskset -c $c timeout %d sh -c "
            "'while :; do :; done' & done; wait; i=0; "
            "while [ $i -lt 300 ]; do cat /proc/uptime; i=$((i + 1)); done "
            "| awk '$1 < last { back++ } { last = $1 } "
            "END { print back + 0 }'" % PVCLOCK_LOAD_S,
            timeout=PVCLOCK_LOAD_S + 120)
        host1 = time.monotonic()
        _, after = g.run("cat /proc/uptime")
        t.check(status == 0 and out == ["0"],
                what + "300 readings of the clock never go back", out)
        guest_s = float(after[0].split()[0]) - float(before[0].split()[0])
        drift = guest_s - (host1 - host0)
        t.diag("%s%.2f s of guest time in %.2f s of the host's, %d s of "
               "load on both vCPUs: drift %+.3f s"
               % (what, guest_s, host1 - host0, PVCLOCK_LOAD_S, drift))
        t.check(abs(drift) < 0.5, what + "in step with the host's clock "
                "under load (within 0.5 s)", "%+.3f s" % drift)

        # steal: the vCPU threads wait for the host's CPUs while two host
        # processes spin too; the guest sees that time in its runstate
        steal0 = proc_stat_steal(g)
        hogs = [subprocess.Popen(["sh", "-c", "while :; do :; done"])
                for _ in range(2)]
        try:
            g.run("for c in 0 1; do taskset -c $c timeout 5 sh -c "
                  "'while :; do :; done' & done; wait", timeout=120)
        finally:
            for h in hogs:
                h.kill()
                h.wait()
        steal1 = proc_stat_steal(g)
        t.diag("%ssteal %s -> %s (jiffies, /proc/stat)"
               % (what, steal0, steal1))
        t.check(steal0 is not None and steal1 is not None and
                steal1 > steal0, what + "steal time shows in /proc/stat "
                "when the host is busy (runstate)", (steal0, steal1))
    except (GuestError, ValueError, IndexError) as e:
        t.check(False, what + "the guest ran to the end", e)
    t.check(g.close() == 0, what + "QEMU exits cleanly at poweroff")


def tagged(out, tag):
    """A guest program's "TAG: key words..." lines (xen-garbage's
    XGARBAGE, xen-populate's XPOP): {key: [words]}, the last line of each
    key."""
    found = {}
    for line in out:
        if line.startswith(tag + ": "):
            words = line.split()[1:]
            found[words[0]] = words[1:]
    return found


def qemu_rss_kib(g):
    try:
        with open("/proc/%d/status" % g.proc.pid) as f:
            for line in f:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1])
    except OSError:
        pass
    return None


def lapic_isr(g, smp):
    """The vectors in service in each vCPU's local APIC (HMP info lapic)."""
    isr = []
    for cpu in range(smp):
        dump = g.qmp("human-monitor-command",
                     **{"command-line": "info lapic %d" % cpu})
        m = re.search(r"^ISR\s+(.*)$", dump, re.M)
        isr.append(m.group(1).split() if m and "none" not in m.group(1)
                   else [])
    return isr


GARBAGE_PORTS = 1000000
GARBAGE_HYPERCALLS = 1000000


def scenario_bad_input(t, env, smp=1):
    """A guest process throws garbage at the platform ports (iopl) and
    makes random hypercalls from user mode (with 2 vCPUs, one such
    process on each): QEMU stays up, answers each hypercall -EPERM, and
    the PV disk keeps its data."""
    name = "bad-input" if smp == 1 else "bad-input-smp%d" % smp
    what = name + ": "
    # the default scenario's machine, with -no-reboot: a crash ends QEMU
    img, hvc, g = default_setup(env, name, "pc", reboot=False, smp=smp)
    data = "/var/bad-input.dat"
    after = "/var/bad-input-after.dat"
    md5 = {}

    def guest_md5(path):
        status, out = g.run("md5sum " + path)
        return out[0].split()[0] if status == 0 and out else None

    try:
        g.start()
        g.ready()
        devs = block_devs(g)
        t.check(E1000 not in pci_ids(g) and "ide0-hd0" not in devs and
                g.reported("root") == ["/dev/xvda mounted"],
                what + "booted on xvda, the e1000 and the IDE disk unplugged",
                devs)
        status, _ = g.run("dd if=/dev/urandom of=%s bs=1M count=8 "
                          "2>/dev/null && sync" % data)
        md5[data] = guest_md5(data)
        t.check(status == 0 and md5[data],
                what + "8 MiB of random data written to the PV root, synced",
                md5[data])
        g.qmp("query-status")            # takes the boot's QMP events
        g.events = []
        rss = qemu_rss_kib(g)

        # one process per vCPU, each with its own seed; with more than
        # one, the platform flags have more than one writer ("shared")
        cmd = "xen-garbage %d %d" % (GARBAGE_PORTS, GARBAGE_HYPERCALLS)
        if smp == 1:
            cmd += " 5853 >/tmp/xg0"
        else:
            cmd = ("(s=0; for c in %s; do taskset -c $c %s $((5853 + c)) "
                   "shared >/tmp/xg$c & done; for p in $(jobs -p); do "
                   "wait $p || s=1; done; exit $s)"
                   % (" ".join(map(str, range(smp))), cmd))
        start = time.monotonic()
        status, _ = g.run(cmd, timeout=300)
        took = time.monotonic() - start
        xs = []
        for c in range(smp):
            _, out = g.run("cat /tmp/xg%d" % c)
            xs.append(tagged(out, "XGARBAGE"))
            t.diag("\n".join(l for l in out if l.startswith("XGARBAGE: ")))
        t.diag("xen-garbage ran %.1f s; QEMU's RSS %s -> %s KiB"
               % (took, rss, qemu_rss_kib(g)))
        sums = [x.get("summary", []) for x in xs]
        t.check(status == 0 and
                all(s[:4] == ["ports", str(GARBAGE_PORTS), "hypercalls",
                              str(GARBAGE_HYPERCALLS)] for s in sums),
                what + "%d xen-garbage: %d port accesses and %d hypercalls "
                "each, exit status 0" % (smp, GARBAGE_PORTS,
                                         GARBAGE_HYPERCALLS),
                "status %d, %s" % (status, sums))
        t.check(all(s[4:] == ["eperm", str(GARBAGE_HYPERCALLS),
                              "other", "0"] and
                    x.get("calls", [])[2:] == ["clobbered", "0"]
                    for s, x in zip(sums, xs)),
                what + "every user-mode VMCALL/VMMCALL (64-bit and compat) "
                "got -EPERM and kept every other register",
                [(s[4:], x.get("calls")) for s, x in zip(sums, xs)])
        t.check(all(x.get("io", [])[4:] == ["badreads", "0"] and
                    x.get("after", [])[:4] == ["magic", "0x49d2",
                                               "version", "1"]
                    for x in xs),
                what + "the ports read as documented throughout, the "
                "device still answers the magic and version 1",
                [(x.get("io"), x.get("after")) for x in xs])
        t.check(all(x.get("signals") == ["segv", "0", "ill", "0", "fpe",
                                         "0", "bus", "0", "trap", "0"]
                    for x in xs),
                what + "no access or call faulted",
                [x.get("signals") for x in xs])

        t.check(g.qmp("query-status").get("status") == "running",
                what + "QEMU still answers QMP: running")
        # an idle guest has no interrupt in service; one stuck there (an
        # EOI that never reached the APIC) blocks every lower vector
        isr = lapic_isr(g, smp)
        if any(isr):
            time.sleep(1)
            isr = lapic_isr(g, smp)
        t.check(not any(isr), what + "no vector stays in service in any "
                "vCPU's local APIC (info lapic)", "ISR per vCPU: %s" % isr)
        unplugs = [e["data"] for e in g.events
                   if e["event"] == "XEN_PLATFORM_UNPLUG"]
        t.diag("%d XEN_PLATFORM_UNPLUG events from the garbage"
               % len(unplugs))
        removed = [d for d in unplugs if d["devices"]]
        t.check(not removed and block_devs(g) == devs,
                what + "the garbage's unplug requests found nothing left "
                "to remove; the xen-disk stays (query-block)",
                removed[:3] or block_devs(g))
        if unplugs:
            dev = unplugs[0]["device"]
            t.diag("%s: log-lines %s, log-dropped %s, unplugged-mask %s"
                   % (dev, g.qmp("qom-get", path=dev, property="log-lines"),
                      g.qmp("qom-get", path=dev, property="log-dropped"),
                      g.qmp("qom-get", path=dev,
                            property="unplugged-mask")))
        status, out = g.run("echo still-here", timeout=30)
        t.check(status == 0 and out == ["still-here"],
                what + "the guest still runs commands", out)
        status, _ = g.run("sync && echo 3 >/proc/sys/vm/drop_caches")
        t.check(status == 0 and md5[data] and guest_md5(data) == md5[data],
                what + "read back from the disk (caches dropped), the "
                "data is unchanged")
        ok, out = net_up_and_fetch(g)
        t.check(ok, what + "netfront still moves an HTTP GET", out)
        status, _ = g.run("dd if=/dev/urandom of=%s bs=64k count=16 "
                          "2>/dev/null && sync" % after)
        md5[after] = guest_md5(after)
        status2, _ = g.run("echo 3 >/proc/sys/vm/drop_caches")
        t.check(status == 0 and status2 == 0 and md5[after] and
                guest_md5(after) == md5[after],
                what + "a new 1 MiB write + sync works and reads back")
        # a clean file system for the host to read: no journal to replay
        status, out = g.run("mount -o remount,ro /")
        t.check(status == 0, what + "the root remounts read-only", out)
    except GuestError as e:
        t.check(False, what + "the guest ran to the end", e)
    status = g.close()
    t.check(status == 0, what + "QEMU exits cleanly at poweroff",
            "exit status %s%s" % (status, ": killed, the guest did not "
                                   "power off in 30 s" if status == -9
                                   else ""))

    # the image itself, read on the host
    fsck = subprocess.run(["e2fsck", "-fn", img], capture_output=True,
                          text=True, env=SBIN_ENV)
    t.check(fsck.returncode == 0,
            what + "host: e2fsck -fn finds the image's file system clean",
            fsck.stdout[-500:] + fsck.stderr[-500:])
    for path in (data, after):
        dump = subprocess.run(["debugfs", "-R", "cat " + path, img],
                              capture_output=True, env=SBIN_ENV)
        host = hashlib.md5(dump.stdout).hexdigest()
        t.check(dump.returncode == 0 and md5.get(path) == host,
                what + "host: %s in the image has the guest's md5 (%s)"
                % (path, md5.get(path)), "host: %s, %d bytes"
                % (host, len(dump.stdout)))


COHERENCE_ROUNDS = 50


def scenario_exec_coherence(t, env):
    """Code that arrives through blkfront and netfront, into a page that
    ran code before, runs as it arrived; virtio-blk and virtio-net are
    the control.  Under TCG a page written behind the CPU's back must
    lose its translated code."""
    what = "exec-coherence: "
    # the reply's body: page r is round r's code, mov $(0x20000000 + r),
    # %eax; ret (exec-coherence.c's ARRIVED)
    http = os.path.join(env.out, "coherence-reply")
    with open(http, "wb") as f:
        f.write(b"HTTP/1.0 200 OK\r\nContent-Length: %d\r\n\r\n"
                % (COHERENCE_ROUNDS * 4096))
        for r in range(COHERENCE_ROUNDS):
            code = b"\xb8" + struct.pack("<I", 0x20000000 + r) + b"\xc3"
            f.write(code.ljust(4096, b"\xcc"))
    args = ["-drive", "file=%s,if=xen,format=raw" % env.disk("coherence"),
            "-drive", "file=%s,if=xen,format=raw"
            % small_disk(env, "coherence-xen"),
            "-drive", "file=%s,if=virtio,format=raw"
            % small_disk(env, "coherence-virtio")]
    nics = [("xen-net-device", "vif", "netfront"),
            ("virtio-net-pci", "virtio_net", "virtio-net")]
    for n, (dev, _, _) in enumerate(nics, 1):
        # the reply is read before the request: see bench/linux-disk-net.py
        args += ["-netdev", 'user,id=n%d,net=10.0.%d.0/24,guestfwd=tcp:'
                 '10.0.%d.100:80-cmd:sh -c "cat %s; cat >/dev/null"'
                 % (n, n, n, http), "-device", "%s,netdev=n%d" % (dev, n)]
    # nothing unplugged: virtio-net must stay beside netfront
    g = env.guest("exec-coherence", args,
                  append="xen_emul_unplug=unnecessary")
    expect = ["XCOHERE: %d rounds stale-arrived 0 stale-store 0"
              % COHERENCE_ROUNDS]
    try:
        g.start()
        g.ready()
        for dev, drv, via in (("xvdb", "vbd", "blkfront"),
                              ("vda", "virtio_blk", "virtio-blk")):
            if not any(b.startswith(dev + " ") and b.endswith(" " + drv)
                       for b in g.reported("block")):
                t.check(False, what + "the guest has %s (%s)" % (dev, drv),
                        g.reported("block"))
                continue
            status, out = g.run("exec-coherence read /dev/%s %d"
                                % (dev, COHERENCE_ROUNDS), timeout=300)
            t.check(status == 0 and out == expect,
                    what + "%s: code read with O_DIRECT into a page that "
                    "ran code runs as read, and so do later stores "
                    "(%d rounds)" % (via, COHERENCE_ROUNDS), out)
        eth = {}
        for line in g.reported("net"):
            iface, drv = line.split()[:2]
            eth[drv] = iface
        for n, (_, drv, via) in enumerate(nics, 1):
            if drv not in eth:
                t.check(False, what + "the guest has a %s NIC" % drv,
                        g.reported("net"))
                continue
            status, out = g.run(
                "ip addr add 10.0.{n}.15/24 dev {i} && ip link set {i} up "
                "&& exec-coherence recv 10.0.{n}.100 80 {r}".format(
                    n=n, i=eth[drv], r=COHERENCE_ROUNDS), timeout=300)
            t.check(status == 0 and out == expect,
                    what + "%s: code received into a page that ran code "
                    "runs as received, and so do later stores (%d rounds)"
                    % (via, COHERENCE_ROUNDS), out)
    except GuestError as e:
        t.check(False, what + "the guest ran to the end", e)
    t.check(g.close() == 0, what + "QEMU exits cleanly at poweroff")


def check_root_disk(t, g, what, name):
    """xvda, the root disk, still writes 4 MiB and reads it back after
    the page cache is dropped"""
    status, out = g.run("dd if=/dev/urandom of=/var/%s bs=64k count=64 "
                        "2>/dev/null && md5sum </var/%s && sync && "
                        "echo 3 >/proc/sys/vm/drop_caches && md5sum </var/%s"
                        % (name, name, name))
    t.check(status == 0 and len(out) == 2 and out[0] == out[1],
            what + "xvda still writes and reads back 4 MiB", out)


def fuzz_counts(t, what, out, tag):
    """The counts on a test frontend's "TAG: fuzz N things: key N ..."
    line in @out, as {key: N}, the line shown as a diagnostic"""
    for line in out:
        if line.startswith(tag + ": fuzz "):
            t.diag(what + line[len(tag) + 2:])
            words = line.split(":", 2)[2].split()
            return {k: int(v) for k, v in zip(words[::2], words[1::2])}
    return {}


# what xen-blkgarbage sends that QEMU must refuse, per run
BLK_BAD_REQUESTS = 22
BLK_FUZZ_REQUESTS = 1000    # xen-blkgarbage's random ones, per ring layout


def scenario_bad_blk(t, env):
    """A guest process stands in for blkfront on a second xen-disk (xvdb)
    and sends good and malformed requests, indirect and direct, with the
    64-bit and then the 32-bit ring layout (xen-blkgarbage): each bad
    request is answered BLKIF_RSP_ERROR and logged once as a guest error,
    the good ones move the right data, QEMU reports nothing else and
    stays up, and the root disk keeps working.  1,000 random requests in
    each layout are all answered, each refused one logged once, and none
    writes to the sectors the good ones moved."""
    name = "bad-blk"
    what = name + ": "
    log = os.path.join(env.out, name + ".qemu.log")
    if os.path.exists(log):
        os.unlink(log)
    extra = ["-drive", "file=%s,if=xen,index=1,format=raw"
             % small_disk(env, name + "-xvdb"),
             "-d", "guest_errors", "-D", log]
    img, hvc, g = default_setup(env, name, "pc", reboot=False, extra=extra)
    fuzz_errors = 0
    try:
        g.start()
        g.ready()
        status, out = g.run("ls -1 /sys/bus/xen/drivers/vbd")
        vbds = sorted(v for v in out if v.startswith("vbd-"))
        t.check(status == 0 and len(vbds) == 2,
                what + "blkfront holds two vbds", out)
        vbd = vbds[-1]                   # xvdb: the larger vdev number
        status, _ = g.run("echo %s >/sys/bus/xen/drivers/vbd/unbind" % vbd)
        t.check(status == 0, what + "blkfront lets %s go" % vbd)
        for seed, protocol in enumerate(("x86_64-abi", "x86_32-abi"), 1):
            status, out = g.run("xen-blkgarbage %s %s %d %d"
                                % (vbd[len("vbd-"):], protocol,
                                   BLK_FUZZ_REQUESTS, seed), 300)
            summary = [l for l in out if l.startswith("XBLK: summary")]
            t.check(status == 0 and summary ==
                    ["XBLK: summary good 4 bad %d failed 0"
                     % BLK_BAD_REQUESTS],
                    what + "%s: each bad request refused, each random one "
                    "answered, the good ones move the right data"
                    % protocol, [l for l in out if "FAIL" in l] + summary)
            counts = fuzz_counts(t, what + protocol + ": ", out, "XBLK")
            fuzz_errors += counts.get("error", 0) + counts.get("notsupp", 0)
        check_root_disk(t, g, what, name)
    except GuestError as e:
        t.check(False, what + "the guest ran to the end", e)
    t.check(g.close() == 0, what + "QEMU exits cleanly at poweroff")
    with open(log, errors="replace") as f:
        lines = f.read().splitlines()
    blk = [l for l in lines if l.startswith("xen-block: ")]
    bad = 2 * BLK_BAD_REQUESTS + fuzz_errors
    t.check(len(blk) == bad,
            what + "one guest-error line per refused request (%d)" % bad,
            "%d lines: %s" % (len(blk), blk[:3]))
    with open(os.path.join(env.out, name + ".console.log"),
              errors="replace") as f:
        said = [l for l in f.read().splitlines()
                if re.search(r"I/O error|failed to copy|xen-block|"
                             r"frontend change error", l)]
    t.check(not said, what + "QEMU's stderr says nothing about them",
            said[:5])


XS_FUZZ_REQUESTS = 3000     # xen-xsgarbage's random xenstore requests


def scenario_bad_xenstore(t, env):
    """A guest process sends QEMU's xenstore random requests through
    /dev/xen/xenbus (xen-xsgarbage): each one the kernel lets through is
    answered with its type or an error, and afterwards xenstore, the
    xen-disk and the xen-net device still work."""
    name = "bad-xenstore"
    what = name + ": "
    img, hvc, g = default_setup(env, name, "pc", reboot=False)
    try:
        g.start()
        g.ready()
        status, out = g.run("xen-xsgarbage %d 1" % XS_FUZZ_REQUESTS, 300)
        summary = [l for l in out if l.startswith("XXS: summary")]
        fuzz_counts(t, what, out, "XXS")
        t.check(status == 0 and summary ==
                ["XXS: summary good 1 bad 0 failed 0"],
                what + "%d random requests each answered, xenstore still "
                "works" % XS_FUZZ_REQUESTS,
                [l for l in out if "FAIL" in l] + summary)
        check_root_disk(t, g, what, name)
        ok, out = net_up_and_fetch(g)
        t.check(ok, what + "netfront still fetches over HTTP", out)
    except GuestError as e:
        t.check(False, what + "the guest ran to the end", e)
    t.check(g.close() == 0, what + "QEMU exits cleanly at poweroff")


NET_BAD_PACKETS = 15        # xen-netgarbage's bad packets
NET_FUZZ_PACKETS = 1000     # and its random ones
NET_GSO_MSS, NET_GSO_PAYLOAD = 1448, 6000


def ipv4_frame_ok(frame):
    """(IP protocol, L4 header and data) of an IPv4 @frame whose IP and
    TCP/UDP checksums are right, or None"""
    if len(frame) < 34 or frame[12:14] != b"\x08\x00":
        return None
    ip = frame[14:34]
    total = struct.unpack("!H", ip[2:4])[0]
    l4 = frame[34:14 + total]
    pseudo = ip[12:20] + struct.pack("!BBH", 0, ip[9], len(l4))
    if inet_sum(ip) != 0xffff or inet_sum(pseudo + l4) != 0xffff:
        return None
    return ip[9], l4


def scenario_bad_net(t, env):
    """A guest process stands in for netfront (xen-netgarbage) and
    transmits good and malformed packets: the good ones reach the host
    whole, checksummed and, for a GSO one, cut in segments of the size
    asked; each bad one is answered NETIF_RSP_ERROR in every slot, logged
    once as a guest error and reaches nobody; QEMU stays up.  Then 1,000
    random packets: every slot answered, a packet's slots alike, each
    refused packet logged once, and a good datagram still arrives."""
    name = "bad-net"
    what = name + ": "
    log = os.path.join(env.out, name + ".qemu.log")
    if os.path.exists(log):
        os.unlink(log)
    server = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    server.bind(("127.0.0.1", 0))
    server.listen(1)
    server.settimeout(60)
    sock = None
    args = ["-drive", "file=%s,if=xen,format=raw" % env.disk(name),
            "-netdev", "stream,id=d0,server=off,addr.type=inet,"
            "addr.host=127.0.0.1,addr.port=%d" % server.getsockname()[1],
            "-device", "xen-net-device,netdev=d0,mac=" + MAC,
            "-d", "guest_errors", "-D", log]
    g = env.guest(name, args, reboot=False)
    fuzz_errors = 0

    def frames(quiet):
        """The frames that reach the host until @quiet s pass without one"""
        got, data = [], b""
        sock.settimeout(quiet)
        while True:
            try:
                chunk = sock.recv(65536)
            except socket.timeout:
                break
            if not chunk:
                break
            data += chunk
            while len(data) >= 4 and len(data) >= 4 + \
                    struct.unpack("!I", data[:4])[0]:
                n = struct.unpack("!I", data[:4])[0]
                got.append(data[4:4 + n])
                data = data[4 + n:]
        return got

    try:
        g.start()
        sock, _ = server.accept()
        g.ready()
        status, out = g.run("ls -1 /sys/bus/xen/drivers/vif")
        vifs = [v for v in out if v.startswith("vif-")]
        t.check(status == 0 and len(vifs) == 1, what + "netfront holds a vif",
                out)
        status, _ = g.run("echo %s >/sys/bus/xen/drivers/vif/unbind"
                          % vifs[0])
        t.check(status == 0, what + "netfront lets %s go" % vifs[0])
        frames(1)                   # what netfront sent before it went
        status, out = g.run("xen-netgarbage %s" % vifs[0][len("vif-"):], 120)
        summary = [l for l in out if l.startswith("XNET: summary")]
        t.check(status == 0 and summary ==
                ["XNET: summary good 4 bad %d failed 0" % NET_BAD_PACKETS],
                what + "each bad packet refused in every slot, the good "
                "ones taken", [l for l in out if "FAIL" in l] + summary)
        got = frames(2)
        parsed = [ipv4_frame_ok(f) for f in got]
        udp = [p[1] for p in parsed if p and p[0] == 17]
        tcp = [p[1] for p in parsed if p and p[0] == 6]
        t.check(len(got) == 8 and all(parsed),
                what + "8 frames reach the host, all with right IP and "
                "TCP/UDP checksums", [len(f) for f in got])
        t.check([u[8:] for u in udp] ==
                [b"a" * 100, b"b" * 2958, b"a" * 100],
                what + "the UDP datagrams arrive whole, the one with a "
                "blank checksum checksummed", [len(u) for u in udp])
        pattern = bytes((i * 7 + i // 251) & 0xff
                        for i in range(NET_GSO_PAYLOAD))
        seqs = [struct.unpack("!I", s[4:8])[0] for s in tcp]
        t.check([len(s) - 20 for s in tcp] ==
                [NET_GSO_MSS] * 4 + [NET_GSO_PAYLOAD - 4 * NET_GSO_MSS] and
                seqs == [1000 + i * NET_GSO_MSS for i in range(5)] and
                b"".join(s[20:] for s in tcp) == pattern,
                what + "the GSO packet arrives as 5 segments of %d bytes "
                "at most, in sequence, its data whole" % NET_GSO_MSS,
                list(zip(seqs, [len(s) for s in tcp])))
        status, out = g.run("xen-netgarbage %s %d 1"
                            % (vifs[0][len("vif-"):], NET_FUZZ_PACKETS), 300)
        summary = [l for l in out if l.startswith("XNET: summary")]
        fuzz_errors = fuzz_counts(t, what, out, "XNET").get("error", 0)
        t.check(status == 0 and summary ==
                ["XNET: summary good 1 bad 0 failed 0"],
                what + "%d random packets each answered in every slot, "
                "all slots alike" % NET_FUZZ_PACKETS,
                [l for l in out if "FAIL" in l] + summary)
        got = frames(2)
        last = ipv4_frame_ok(got[-1]) if got else None
        t.check(last and last[0] == 17 and last[1][8:] == b"a" * 100,
                what + "after them a good datagram still arrives",
                len(got))
        status, out = g.run("echo still-here")
        t.check(status == 0 and out == ["still-here"],
                what + "the guest goes on")
    except (GuestError, OSError) as e:
        t.check(False, what + "the guest ran to the end", e)
    t.check(g.close() == 0, what + "QEMU exits cleanly at poweroff")
    close_sockets(sock, server)
    with open(log, errors="replace") as f:
        lines = f.read().splitlines()
    refused = [l for l in lines if re.match(r"vif\d+: tx packet .* refused", l)]
    bad = NET_BAD_PACKETS + fuzz_errors
    t.check(len(refused) == bad,
            what + "one guest-error line per refused packet (%d)" % bad,
            "%d lines: %s" % (len(refused), refused[:3]))


IOTHREAD_MB = 16


def scenario_iothread(t, env):
    """A xen-disk whose dataplane runs in an iothread (xvdb, iothread=):
    two writers at once, one in 1 MiB and one in 4 KiB direct requests,
    then two readers at once, with the VM stopped and continued while
    they read; the bytes on the image are the guest's, and what the
    guest reads back is what it wrote."""
    name = "iothread"
    what = name + ": "
    scratch = small_disk(env, name + "-xvdb", IOTHREAD_MB)
    extra = ["-object", "iothread,id=io0",
             "-drive", "file=%s,if=none,id=scratch,format=raw" % scratch,
             "-device", "xen-disk,id=xvdb,vdev=xvdb,drive=scratch,"
             "iothread=io0"]
    img, hvc, g = default_setup(env, name, "pc", reboot=False, extra=extra)
    half = IOTHREAD_MB << 19            # bytes in each writer's half
    try:
        g.start()
        g.ready()
        t.check(g.qmp("qom-get", path="/machine/peripheral/xvdb",
                      property="iothread") == "/objects/io0",
                what + "QEMU reports the xen-disk in iothread io0")
        status, out = g.run("dd if=/dev/urandom of=/var/pattern bs=1M "
                            "count=%d 2>/dev/null && md5sum </var/pattern"
                            % IOTHREAD_MB)
        pattern = out[-1].split()[0] if status == 0 and out else ""
        dd = "dd if=%s of=%s bs=%s count=%d skip=%d seek=%d %s 2>/dev/null"
        status, out = g.run(
            "(%s) & (%s) & wait %%1 && wait %%2 && echo both-done" %
            (dd % ("/var/pattern", "/dev/xvdb", "1M", half >> 20, 0, 0,
                   "oflag=direct conv=notrunc"),
             dd % ("/var/pattern", "/dev/xvdb", "4k", half >> 12,
                   half >> 12, half >> 12, "oflag=direct conv=notrunc")),
            120)
        t.check(status == 0 and out[-1:] == ["both-done"],
                what + "two writers at once, 1 MiB and 4 KiB requests", out)
        with open(scratch, "rb") as f:
            disk = hashlib.md5(f.read(IOTHREAD_MB << 20)).hexdigest()
        t.check(pattern and disk == pattern,
                what + "the image holds the guest's %d MiB" % IOTHREAD_MB,
                (pattern, disk))
        # the readers, with a stop and a cont of the VM in their middle:
        # the iothread's requests drain and then go on
        g.run("rm -f /var/r1 /var/r2; "
              "(%s) & (%s) &" %
              (dd % ("/dev/xvdb", "/var/r1", "128k", half >> 17, 0, 0,
                     "iflag=direct"),
               dd % ("/dev/xvdb", "/var/r2", "4k", half >> 12,
                     half >> 12, 0, "iflag=direct")))
        time.sleep(0.5)
        g.qmp("stop")
        stopped = g.qmp("query-status")["status"]
        time.sleep(0.5)
        g.qmp("cont")
        t.check(stopped == "paused" and
                g.qmp("query-status")["status"] == "running",
                what + "the VM stops and continues under the readers",
                stopped)
        status, out = g.run("wait; cat /var/r1 /var/r2 | md5sum", 120)
        t.check(status == 0 and out[-1:] and
                out[-1].split()[0] == pattern,
                what + "the two readers read back what was written",
                (pattern, out))
    except GuestError as e:
        t.check(False, what + "the guest ran to the end", e)
    t.check(g.close() == 0, what + "QEMU exits cleanly at poweroff")
    with open(os.path.join(env.out, name + ".console.log"),
              errors="replace") as f:
        said = [l for l in f.read().splitlines()
                if not l.startswith("# ") and
                re.search(r"I/O error|xen-block|qemu-system", l)]
    t.check(not said, what + "neither QEMU nor the guest reports an error",
            said[:5])


# QEMU's own tests/functional/test_x86_64_kvm_xen.py, moved to TCG: its
# seven guests (name: extra kernel options, extra QEMU options, and what
# each asserts: (command, pattern its output must contain)), with our
# Debian kernel and root disk in place of its downloaded ones.
UPSTREAM_KVM_XEN = {
    "guest": ("", [],
              [("grep xen-pirq.*msi /proc/interrupts", "virtio0-output")]),
    "nomsi": ("pci=nomsi", [],
              [("grep xen-pirq.* /proc/interrupts", "virtio0")]),
    "noapic_nomsi": ("noapic pci=nomsi", [],
                     [("grep xen-pirq /proc/interrupts", "virtio0")]),
    "vapic": ("", ["-cpu", "max,+xen-vapic"],
              [("grep xen-pirq /proc/interrupts", "acpi"),
               ("grep PCI-MSI /proc/interrupts", "virtio0-output")]),
    "novector": ("xen_no_vector_callback", [],
                 [("grep xen-platform-pci /proc/interrupts", "fasteoi")]),
    "novector_nomsi": ("pci=nomsi xen_no_vector_callback", [],
                       [("grep xen-platform-pci /proc/interrupts",
                         "IO-APIC")]),
    "novector_noapic": ("xen_no_vector_callback noapic", [],
                        [("grep xen-platform-pci /proc/interrupts",
                          "XT-PIC")]),
}


def scenario_upstream_kvm_xen(t, env, name):
    """One of upstream's KVM Xen guests, under TCG: 2 vCPUs, the root on
    a xen-disk, a virtio-net NIC the guest keeps (xen_emul_unplug=
    ide-disks), and upstream's assertions."""
    what = "upstream-kvm-xen %s: " % name
    append, qemu_args, checks = UPSTREAM_KVM_XEN[name]
    args = ["-drive", "file=%s,if=none,format=raw,id=drv0"
            % env.disk("upstream-" + name),
            "-device", "xen-disk,drive=drv0,vdev=xvda",
            "-device", "virtio-net-pci,netdev=unet",
            "-netdev", "user,id=unet"] + qemu_args
    g = env.guest("upstream-" + name, args, smp=2,
                  append="xen_emul_unplug=ide-disks " + append)
    try:
        g.start()
        g.ready()
        status, out = g.run("cat /proc/cmdline")
        t.check(status == 0 and "xen" in " ".join(out),
                what + "/proc/cmdline says xen", out)
        status, out = g.run('dmesg | grep "Grant table"')
        t.check(any("Grant table initialized" in l for l in out),
                what + "dmesg: Grant table initialized", out)
        t.check(g.reported("root") == ["/dev/xvda mounted"],
                what + "root on /dev/xvda", g.reported("root"))
        for command, pattern in checks:
            status, out = g.run(command)
            t.check(any(pattern in l for l in out),
                    what + "%s: %s" % (command, pattern), out)
    except GuestError as e:
        t.check(False, what + "the guest ran to the end", e)
    t.check(g.close() == 0, what + "QEMU exits cleanly at poweroff")


def scenario_pvh(t, env):
    """Debian's vmlinuz, as packaged, as a Xen PVH guest on microvm: no
    PCI, console on hvc0, root on a xen-disk, a xen-net NIC, 2 vCPUs
    with per-vCPU upcall vectors (Xen 4.17's CPUID offers them), then a
    reboot and a poweroff."""
    name = "pvh"
    what = name + ": "
    trace = os.path.join(env.out, name + ".trace")
    args = ["-drive", "file=%s,if=xen,format=raw" % env.disk(name),
            "-netdev", env.netdev("pv"),
            "-device", "xen-net-device,netdev=pv,mac=" + MAC,
            "-trace", "enable=xen_tcg_upcall", "-D", trace]
    append = "earlyprintk=xen"
    g = env.guest(name, args, machine="microvm", smp=2, reboot=True,
                  accel="tcg,xen-version=0x40011", console="hvc0",
                  append=append)
    try:
        g.start()
        g.ready()
        early = [l for l in g.seen if "xen console: " in l]
        t.check(any("Linux version" in l for l in early),
                what + "earlyprintk=xen: the kernel's first lines come "
                "through console_io", early[:2])
        dmesg = "\n".join(g.reported("dmesg"))
        t.check("Booting kernel on Xen PVH" in dmesg,
                what + "dmesg: Booting kernel on Xen PVH")
        # microvm has no HPET or ACPI PM timer: the TSC's rate is Xen's
        # pvclock's, whatever a calibration against the PIT makes of it
        status, tsc = g.run("dmesg | grep -i tsc")
        t.check(any(re.search(r"tsc: Detected [0-9.]+ MHz processor", l)
                    for l in tsc) and
                not any("calculate TSC khz" in l for l in tsc),
                what + "dmesg: the TSC's frequency is known", tsc)
        status, out = g.run("ls /sys/bus/pci/devices | wc -l")
        t.check(status == 0 and out == ["0"],
                what + "the guest has no PCI device", out)
        t.check(g.reported("root") == ["/dev/xvda mounted"] and
                g.reported("rootwrite") == ["boots 1"],
                what + "root on /dev/xvda (blkfront), written",
                g.reported("root"))
        nets = [n for n in g.reported("net") if not n.startswith("lo ")]
        t.check(nets == ["eth0 vif " + MAC],
                what + "the guest's only NIC is netfront's eth0", nets)
        ok, out = net_up_and_fetch(g)
        t.check(ok, what + "netfront moves an HTTP GET through slirp", out)
        status, out = g.run("cat /sys/devices/system/cpu/online")
        t.check(status == 0 and out == ["0-1"],
                what + "both vCPUs are online", out)
        g.run("for c in 0 1 0 1; do taskset -c $c ls / >/dev/null; done")
        lines = interrupts(g)
        hyp = [l for l in lines if re.search(r"^ *HYP:", l)]
        counts = [int(x) for x in hyp[0].split()[1:3]] if hyp else []
        t.check(len(counts) == 2 and min(counts) > 0,
                what + "event upcalls on both vCPUs", hyp or lines)
        g.proc.stdin.write(b"reboot -f\n")
        g.proc.stdin.flush()
        g.expect(r"^XTEST: stage initramfs$", 180)
        g.ready()
        status, out = g.run("cat /var/xtest-boots; "
                            "cat /sys/devices/system/cpu/online")
        t.check(status == 0 and out == ["2", "0-1"],
                what + "after a reboot it boots again, on xvda, both "
                "vCPUs up", out)
    except GuestError as e:
        t.check(False, what + "the guest ran to the end", e)
    t.check(g.close() == 0, what + "QEMU exits cleanly at poweroff")
    with open(trace, errors="replace") as f:
        log = f.read()
    t.check(all("cpu %d vcpu-vector" % c in log for c in (0, 1)) and
            "cpu 0 vector " not in log,
            what + "both vCPUs got upcalls by their own vector, never by "
            "the domain-wide one")

    # -no-reboot: the guest's reboot ends QEMU
    g = env.guest(name + "-no-reboot", [], machine="microvm",
                  console="hvc0", scenario="shell", append=append)
    try:
        g.start()
        g.ready()
        g.proc.stdin.write(b"reboot -f\n")
        g.proc.stdin.flush()
        status = g.proc.wait(60)
        t.check(status == 0 and
                not any("XTEST: stage" in l for l in g.seen[-20:]),
                what + "with -no-reboot, a reboot ends QEMU (status 0)",
                status)
    except (GuestError, subprocess.TimeoutExpired) as e:
        t.check(False, what + "with -no-reboot, a reboot ends QEMU", e)
    g.close()


def tiny_elf(notes=b"", entry=0x1000000):
    """An x86-64 ELF with one PT_LOAD of a page at 16 MiB and, if @notes,
    a PT_NOTE segment holding them."""
    phnum = 2 if notes else 1
    ehdr = (b"\x7fELF\x02\x01\x01" + bytes(9) +
            struct.pack("<HHIQQQIHHHHHH", 2, 62, 1, entry, 64, 0, 0, 64,
                        56, phnum, 0, 0, 0))
    load = struct.pack("<IIQQQQQQ", 1, 5, 0x1000, 0xffffffff81000000,
                       0x1000000, 0x1000, 0x2000, 0x1000)
    note = struct.pack("<IIQQQQQQ", 4, 4, 0x2000, 0, 0, len(notes),
                       len(notes), 4)
    head = ehdr + load + (note if notes else b"")
    code = b"\xf4" * 0x1000                        # hlt
    return head.ljust(0x1000, b"\0") + code + notes


def elf_note(name, kind, desc):
    pad = lambda b: b.ljust((len(b) + 3) & ~3, b"\0")
    return (struct.pack("<III", len(name), len(desc), kind) + pad(name) +
            pad(desc))


def tiny_bzimage(payload):
    """A bzImage setup header (protocol 2.15, one setup sector) and
    @payload as its compressed vmlinux."""
    setup = bytearray(1024)
    setup[0x1f1] = 1
    struct.pack_into("<H", setup, 0x1fe, 0xaa55)
    setup[0x202:0x206] = b"HdrS"
    struct.pack_into("<H", setup, 0x206, 0x20f)
    struct.pack_into("<II", setup, 0x248, 0, len(payload))
    return bytes(setup) + payload


def scenario_pvh_bad_kernel(t, env):
    """Kernels a Xen PVH guest on microvm cannot boot: QEMU says which
    file and why, and exits with status 1 (no crash, no hang)."""
    import gzip
    with open(os.path.join(env.images, "vmlinuz"), "rb") as f:
        vmlinuz = f.read()
    setup_sects = vmlinuz[0x1f1] or 4
    off, length = struct.unpack_from("<II", vmlinuz, 0x248)
    start = (setup_sects + 1) * 512 + off
    corrupt = bytearray(vmlinuz)
    for i in range(start + length // 2, start + length // 2 + 4096):
        corrupt[i] ^= 0x55
    xen = elf_note(b"Xen\0", 18, struct.pack("<Q", 0x1000000))
    entry_out = elf_note(b"Xen\0", 18, struct.pack("<Q", 0x3000000))
    short = elf_note(b"Xen\0", 18, b"\0\0")
    gz = lambda b: gzip.compress(b, mtime=0)
    cases = [
        ("truncated", vmlinuz[:start + length // 2],
         "is not within the file"),
        ("corrupt", bytes(corrupt), "payload is corrupt"),
        ("no-pvh-bzimage", tiny_bzimage(gz(tiny_elf())),
         "no Xen PVH entry note"),
        ("no-pvh-elf", tiny_elf(), "no PVH entry"),
        ("entry-outside", tiny_bzimage(gz(tiny_elf(entry_out))),
         "not within the code it loads"),
        ("short-note", tiny_bzimage(gz(tiny_elf(short))),
         "too few for an address"),
        ("note-past-segment", tiny_bzimage(gz(tiny_elf(xen[:-4]))),
         "runs past the end"),
        ("not-a-kernel", b"\0" * 8192, "neither a bzImage nor an ELF"),
    ]
    for name, data, why in cases:
        path = os.path.join(env.out, "pvh-bad-%s.img" % name)
        with open(path, "wb") as f:
            f.write(data)
        cmd = [env.qemu, "-machine", "microvm",
               "-accel", "tcg,xen-version=0x4000a", "-m", "256",
               "-display", "none", "-nodefaults", "-kernel", path]
        try:
            r = subprocess.run(cmd, capture_output=True, text=True,
                               timeout=60)
            status, err = r.returncode, r.stderr.strip()
        except subprocess.TimeoutExpired:
            status, err = "timeout", ""
        t.check(status == 1 and path in err and why in err,
                "pvh-bad-kernel: %s: exit status 1, and the error names "
                "the file and says '%s'" % (name, why),
                "status %s: %s" % (status, err[-300:]))
    # the control: the good tiny bzImage gets as far as the guest
    path = os.path.join(env.out, "pvh-bad-control.img")
    with open(path, "wb") as f:
        f.write(tiny_bzimage(gz(tiny_elf(xen))))
    r = subprocess.run([env.qemu, "-machine", "microvm", "-accel",
                        "tcg,xen-version=0x4000a", "-m", "256", "-display",
                        "none", "-nodefaults", "-kernel", path, "-S",
                        "-qmp", "stdio"], input='{"execute": '
                       '"qmp_capabilities"}\n{"execute": "quit"}\n',
                       capture_output=True, text=True, timeout=60)
    t.check(r.returncode == 0,
            "pvh-bad-kernel: control: the same tiny kernel with a good "
            "note loads", r.stderr[-300:])



# A guest that keeps xvdb, hvc0 and netfront busy: each record that
# dd reports written (O_DIRECT, then fsync) is announced on the console
# as "wdone N"; /var/stop ends the loops.  A fetch that was under way
# through slirp when the guest moved is lost with the source's host
# side: timeout ends it.
BUSY_GUEST = (
    "rm -f /var/stop; "
    "(i=0; while [ ! -e /var/stop ] && [ $i -lt 16000 ]; do i=$((i + 1)); "
    "printf rec%08d $i | dd of=/dev/xvdb bs=512 seek=$i count=1 "
    "conv=sync,notrunc,fsync oflag=direct 2>/dev/null || break; "
    "echo wdone $i; done) & "
    "(i=0; while [ ! -e /var/stop ]; do i=$((i + 1)); "
    "echo hvc-line-$i >/dev/hvc0; sleep 0.1; done) & "
    "(while [ ! -e /var/stop ]; do timeout 10 wget -q -O - "
    "http://10.0.2.100/ 2>/dev/null | grep -q marker && echo netok; "
    "sleep 0.3; done) &")


def busy_guest(env, name, hvc, disks, fmt, extra=()):
    """The guest on root and scratch @disks, with xen-net and a
    xen-console writing to @hvc."""
    args = []
    for d in disks:
        args += ["-drive", "file=%s,if=xen,format=%s" % (d, fmt)]
    return env.guest(name, args + [
        "-netdev", env.netdev("pv"),
        "-device", "xen-net-device,netdev=pv,mac=" + MAC,
        "-chardev", "file,id=hvc,path=" + hvc,
        "-device", "xen-console,chardev=hvc"] + list(extra), smp=2,
        stderr_apart=True)


def start_busy(t, g, what):
    g.start()
    g.ready()
    status, out = g.run("ip addr add 10.0.2.15/24 dev eth0 && "
                        "ip link set eth0 up && " + BUSY_GUEST)
    t.check(status == 0, what + "the busy loops started", out)
    g.expect(r"^netok$", 60)


def wdone(lines):
    return [int(l.split()[1]) for l in lines
            if re.fullmatch(r"wdone \d+", l)]


def join_console(lines, g):
    """@lines of the QEMUs that ran the guest so far, then the lines of
    @g, which has exited: a line the guest was writing when it moved on
    to the next QEMU ends on that one's console."""
    new = g.drain()
    if lines and lines[-1][1] and new:
        new = [lines.pop()[0] + new[0]] + new[1:]
    return lines + [(l, False) for l in new[:-1]] + \
        [(l, g.cut) for l in new[-1:]]


def first_gap(seen):
    """Where the numbers @seen stop counting 1, 2, 3..."""
    for i, n in enumerate(seen):
        if n != i + 1:
            return "record %d where %d was due, after %s" % (
                n, i + 1, seen[max(i - 3, 0):i])
    return ""


def records_missing(path, numbers):
    """Which of the records @numbers the raw image @path lacks."""
    with open(path, "rb") as f:
        data = f.read()
    return [n for n in numbers
            if data[n * 512:n * 512 + 11] != b"rec%08d" % n]


def busy_goes_on(t, g, what, after):
    """The writer passes record @after, netfront fetches, hvc0 writes."""
    deadline = time.monotonic() + 90
    while True:
        n = int(g.expect(r"^wdone \d+$", 90).group(0).split()[1])
        if n > after or time.monotonic() > deadline:
            break
    t.check(n > after, what + "the writer goes on (record %d after %d)"
            % (n, after))
    g.expect(r"^netok$", 60)
    t.check(True, what + "netfront fetches again")


def wait_migration(g, timeout=180):
    deadline = time.monotonic() + timeout
    while True:
        status = g.qmp("query-migrate").get("status")
        if status in ("completed", "failed", "cancelled") or \
           time.monotonic() > deadline:
            return status
        time.sleep(0.2)


def migrate_over_unix(src, dst, sock):
    """Live-migrate src's guest to dst, waiting with -incoming defer,
    over the UNIX socket sock: the migration's last status.  dst is
    killed if QMP fails on the way."""
    try:
        dst.qmp("migrate-incoming", uri="unix:" + sock)
        src.qmp("migrate-set-parameters", **{"max-bandwidth": 1 << 34})
        src.qmp("migrate", uri="unix:" + sock)
        return wait_migration(src)
    except GuestError:
        dst.proc.kill()
        dst.close(5)
        raise


def hand_over(t, src, dst, status, what):
    """After a migration from src to dst that ended in status: stop the
    source QEMU and, if the migration completed, run the guest on dst.
    Returns the source's exit status."""
    src.qmp("quit")
    exit_status = src.close(10)
    if status != "completed":
        raise GuestError("migration " + str(status))
    dst.qmp("cont")
    t.check(dst.qmp("query-status")["status"] == "running",
            what + "the destination runs the guest")
    return exit_status


# Kernel messages of a xenbus device that reconnects or goes away.
NOTICED = "xenbus|blkfront|netfront|vbd|vif|xvd|eth0|hvc|xen:|grant"


def scenario_migrate(t, env):
    """Live migration over unix, tcp, exec and file URIs, one hop each,
    after one the destination of which dies half way, while the guest
    writes records to a xen-disk, lines to hvc0 and fetches over
    netfront: the guest goes on each time, and every record it saw
    written is on the disk."""
    name = "migrate"
    what = name + ": "
    root = env.disk(name)
    scratch = small_disk(env, name + "-scratch")
    hop = [0]
    lines = []

    def start(incoming=()):
        n = hop[0]
        hvc = os.path.join(env.out, "%s.%d.hvc.log" % (name, n))
        hop[0] += 1
        return hvc, busy_guest(env, "%s.%d" % (name, n), hvc,
                               (root, scratch), "raw", incoming)

    sock = os.path.join(env.out, name + ".sock")
    state = os.path.join(env.out, name + ".state")
    hops = [("unix", "unix:" + sock, None),
            ("tcp", "tcp:127.0.0.1:%d" % (47000 + os.getpid() % 1000), None),
            ("exec", "exec:cat >" + state, "exec:cat " + state),
            ("file", "file:" + state, "file:" + state)]
    hvc, g = start()
    try:
        start_busy(t, g, what)
        status, out = g.run("echo klog $(dmesg | wc -l)")
        klog = [l.split()[1] for l in out if re.fullmatch(r"klog \d+", l)]

        # a destination that dies half way: the source goes on
        w = what + "destination killed: "
        _, dst = start(["-incoming", "defer"])
        dst.qmp("migrate-incoming", uri="unix:" + sock)
        g.qmp("migrate-set-parameters", **{"max-bandwidth": 1 << 20})
        g.qmp("migrate", uri="unix:" + sock)
        time.sleep(3)
        dst.proc.kill()
        dst.close(5)
        status = wait_migration(g, 60)
        t.check(status == "failed", w + "the migration failed", status)
        t.check(g.qmp("query-status")["status"] == "running",
                w + "the source still runs the guest")
        g.qmp("migrate-set-parameters", **{"max-bandwidth": 1 << 34})
        busy_goes_on(t, g, w, max(wdone(g.seen) or [0]))

        for kind, uri_out, uri_in in hops:
            w = what + kind + ": "
            if os.path.exists(state):
                os.unlink(state)
            hvc, dst = start(["-incoming", "defer"])
            if not uri_in:
                dst.qmp("migrate-incoming", uri=uri_out)
            g.qmp("migrate", uri=uri_out)
            status = wait_migration(g)
            if uri_in and status == "completed":
                dst.qmp("migrate-incoming", uri=uri_in)
                status = wait_migration(dst)
            t.check(status == "completed", w + "migration completed",
                    status)
            try:
                hand_over(t, g, dst, status, w)
            finally:
                lines = join_console(lines, g)
                g = dst
            busy_goes_on(t, g, w, max(wdone(l for l, _ in lines) or [0]))

        # the hvc loop writes a line every 0.1 s, but the last hop may
        # have been short: let it reach this destination's chardev
        # before it stops
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            with open(hvc, errors="replace") as f:
                if "hvc-line-" in f.read():
                    break
            time.sleep(0.2)
        status, out = g.run("touch /var/stop; sleep 1; "
                            "echo hvc0-after-migration >/dev/hvc0")
        # a frontend that reconnected, or a driver that saw its device
        # change, says so in the kernel's log
        status, out = g.run("dmesg | tail -n +$((%s + 1)) | grep -iE "
                            "'%s' | sed 's/^/knew /'"
                            % ((klog or ["0"])[0], NOTICED))
        t.check(klog and status in (0, 1) and
                not [l for l in out if l.startswith("knew ")],
                what + "the guest's frontends noticed nothing: no new "
                "kernel message from xenbus, blkfront, netfront or hvc",
                out[:10])
        time.sleep(0.5)
        with open(hvc, errors="replace") as f:
            text = f.read()
        t.check("hvc0-after-migration" in text and "hvc-line-" in text,
                what + "hvc0 goes on writing to the last destination's "
                "chardev")
        status, out = g.run("dd if=/dev/xvda of=/dev/null bs=64k count=64 "
                            "iflag=direct 2>&1")
        t.check(status == 0, what + "blkfront still reads xvda", out)
    except GuestError as e:
        t.check(False, what + "the guest ran to the end", e)
    t.check(g.close() == 0, what + "QEMU exits cleanly at poweroff")
    seen = wdone(l for l, _ in join_console(lines, g))
    t.check(seen == list(range(1, len(seen) + 1)),
            what + "the guest's records came one by one across the hops, "
            "none lost, none twice", first_gap(seen))
    missing = records_missing(scratch, seen)
    t.check(len(seen) > 100 and not missing,
            what + "all %d records the guest saw written are on the disk"
            % len(seen), missing[:10])


def size_appended(data, size):
    return data + struct.pack("<I", size)


def pvh_payload(fmt, vmlinux):
    """@vmlinux compressed as Linux's build compresses it for @fmt
    (scripts/Makefile.lib: the tools and their formats, and the size
    appended after all but gzip, whose own trailer has it), at the
    fastest levels: the format is the same."""
    import bz2
    import gzip
    import lzma
    tool = {"lzo": ["lzop", "-1", "-c", "-q"],
            "lz4": ["lz4", "-l", "-1", "-c", "-q"],
            "zstd": ["zstd", "-1", "-c", "-q"]}
    if fmt == "gzip":
        return gzip.compress(vmlinux, 1, mtime=0)
    if fmt == "bzip2":
        data = bz2.compress(vmlinux, 1)
    elif fmt == "lzma":
        data = lzma.compress(vmlinux, lzma.FORMAT_ALONE, preset=0)
    elif fmt == "xz":
        data = lzma.compress(vmlinux, lzma.FORMAT_XZ, lzma.CHECK_CRC32,
                             preset=0)
    else:
        data = subprocess.run(tool[fmt], input=vmlinux, capture_output=True,
                              check=True).stdout
    return size_appended(data, len(vmlinux))


def elf_loads(elf):
    """The PT_LOAD segments of the 64-bit ELF @elf: (paddr, bytes)."""
    phoff, = struct.unpack_from("<Q", elf, 32)
    phentsize, phnum = struct.unpack_from("<HH", elf, 54)
    loads = []
    for i in range(phnum):
        kind, _, off, _, paddr, filesz = struct.unpack_from(
            "<IIQQQQ", elf, phoff + i * phentsize)
        if kind == 1:
            loads.append((paddr, elf[off:off + filesz]))
    return loads


def scenario_pvh_formats(t, env):
    """Debian's kernel with its vmlinux compressed in each format Linux
    can choose, as a Xen PVH guest on microvm: QEMU decompresses it and
    puts its segments in guest memory byte for byte; a truncated or
    damaged payload is an error naming the file."""
    import lzma
    name = "pvh-formats"
    with open(os.path.join(env.images, "vmlinuz"), "rb") as f:
        vmlinuz = f.read()
    setup_sects = vmlinuz[0x1f1] or 4
    off, length = struct.unpack_from("<II", vmlinuz, 0x248)
    start = (setup_sects + 1) * 512 + off
    vmlinux = lzma.LZMADecompressor().decompress(vmlinuz[start:start +
                                                          length])
    loads = elf_loads(vmlinux)
    # the first and the last 64 KiB the segments load
    probes = [(loads[0][0], loads[0][1][:0x10000]),
              (loads[-1][0] + len(loads[-1][1]) - 0x10000,
               loads[-1][1][-0x10000:])]

    def image(payload):
        head = bytearray(vmlinuz[:start])
        struct.pack_into("<I", head, 0x24c, len(payload))
        return bytes(head) + payload

    def run(path, qmp=()):
        cmds = [{"execute": "qmp_capabilities"}] + list(qmp) + \
            [{"execute": "quit"}]
        try:
            r = subprocess.run(
                [env.qemu, "-machine", "microvm", "-accel",
                 "tcg,xen-version=0x4000a", "-m", "512", "-display", "none",
                 "-nodefaults", "-kernel", path, "-S", "-qmp", "stdio"],
                input="".join(json.dumps(c) + "\n" for c in cmds),
                capture_output=True, text=True, timeout=120)
            return r.returncode, r.stderr.strip()
        except subprocess.TimeoutExpired:
            return "timeout", ""

    for fmt in ("gzip", "bzip2", "lzma", "xz", "lzo", "lz4", "zstd"):
        what = "%s: %s: " % (name, fmt)
        payload = pvh_payload(fmt, vmlinux)
        path = os.path.join(env.out, "%s-%s.img" % (name, fmt))
        with open(path, "wb") as f:
            f.write(image(payload))
        dumps = [path + ".%d.mem" % i for i in range(len(probes))]
        status, err = run(path, [
            {"execute": "pmemsave", "arguments": {
                "val": addr, "size": len(data), "filename": dump}}
            for (addr, data), dump in zip(probes, dumps)])
        got = []
        for dump in dumps:
            if os.path.exists(dump):
                with open(dump, "rb") as f:
                    got.append(f.read())
                os.unlink(dump)
        t.check(status == 0 and got == [d for _, d in probes],
                what + "the vmlinux's segments are in guest memory as "
                "they are in the vmlinux", "status %s: %s" % (status,
                                                             err[-300:]))
        os.unlink(path)

        # bad payloads: cut in the middle (the size trailer kept), and
        # 4 KiB damaged in the middle
        stream = payload if fmt == "gzip" else payload[:-4]
        half = stream[:len(stream) // 2]
        bad = bytearray(stream)
        for i in range(len(bad) // 2, len(bad) // 2 + 4096):
            bad[i] ^= 0x55
        cases = [("truncated", half, r"truncated|corrupt")]
        if fmt not in ("lzma", "lz4"):
            # seen as such, or as output that overruns the stated size
            cases.append(("damaged", bytes(bad), r"corrupt|larger"))
        for case, data, why in cases:
            if fmt != "gzip":
                data = size_appended(data, len(vmlinux))
            path = os.path.join(env.out, "%s-%s-%s.img" % (name, fmt, case))
            with open(path, "wb") as f:
                f.write(image(data))
            status, err = run(path)
            t.check(status == 1 and path in err and re.search(why, err),
                    what + "%s: exit status 1, and the error names the "
                    "file and says why" % case,
                    "status %s: %s" % (status, err[-300:]))
            os.unlink(path)
        # lzma and lz4 carry no checksum: damage may go unseen, but
        # must not crash QEMU
        if fmt in ("lzma", "lz4"):
            path = os.path.join(env.out, "%s-%s-damaged.img" % (name, fmt))
            with open(path, "wb") as f:
                f.write(image(size_appended(bytes(bad), len(vmlinux))))
            status, err = run(path)
            t.check(status in (0, 1), what + "damaged: QEMU loads it or "
                    "says why, and does not crash",
                    "status %s: %s" % (status, err[-300:]))
            os.unlink(path)


def make_qcow2(env, path, size, backing=None):
    """A qcow2 image made by our QEMU itself (blockdev-create)."""
    open(path, "wb").close()
    qmp_path = path + ".qmp"
    mon = QEMUMonitorProtocol(qmp_path, server=True)
    proc = subprocess.Popen([env.qemu, "-machine", "none", "-nodefaults",
                             "-display", "none", "-qmp", "unix:" + qmp_path])
    try:
        mon.accept(timeout=30)
        mon.cmd("blockdev-add", driver="file", filename=path,
                **{"node-name": "proto"})
        opts = {"driver": "qcow2", "file": "proto", "size": size}
        if backing:
            opts.update({"backing-file": backing, "backing-fmt": "raw"})
        mon.cmd("blockdev-create", **{"job-id": "create", "options": opts})
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            jobs = mon.cmd("query-jobs")
            if all(j["status"] == "concluded" for j in jobs):
                break
            time.sleep(0.1)
        mon.cmd("job-dismiss", id="create")
        mon.cmd("quit")
    finally:
        try:
            proc.wait(30)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        try:
            mon.close()
        except (EOFError, OSError):
            pass        # QEMU quit first


def hmp(g, line):
    return g.qmp("human-monitor-command", **{"command-line": line})


def scenario_snapshots(t, env):
    """savevm and loadvm, three times, on qcow2 images, while the guest
    is busy as in the migrate scenario: after each loadvm the guest goes
    on from the snapshot, and its disk holds exactly what it wrote."""
    name = "snapshots"
    what = name + ": "
    root = os.path.join(env.out, name + ".qcow2")
    scratch = os.path.join(env.out, name + "-scratch.qcow2")
    backing = os.path.abspath(os.path.join(env.images, "root.img"))
    make_qcow2(env, root, os.path.getsize(backing), backing)
    make_qcow2(env, scratch, 8 << 20)
    hvc = os.path.join(env.out, name + ".hvc.log")
    g = busy_guest(env, name, hvc, (root, scratch), "qcow2")
    try:
        start_busy(t, g, what)
        for n in (1, 2, 3):
            w = what + "round %d: " % n
            g.expect(r"^wdone \d+$", 60)
            out = hmp(g, "savevm snap%d" % n)
            t.check(out == "", w + "savevm", out)
            busy_goes_on(t, g, w + "after savevm: ",
                         max(wdone(g.seen)) + 10)
            top = max(wdone(g.seen))
            out = hmp(g, "loadvm snap%d" % n)
            t.check(out == "" and
                    g.qmp("query-status")["status"] == "running",
                    w + "loadvm, and the guest runs", out)
            # the records start again from where the snapshot was
            last, rewound = top, None
            deadline = time.monotonic() + 60
            while rewound is None and time.monotonic() < deadline:
                k = int(g.expect(r"^wdone \d+$", 60).group(0).split()[1])
                if k <= last:
                    rewound = k
                last = k
            t.check(rewound is not None and rewound < top,
                    w + "the guest went back to the snapshot (record %s, "
                    "%d before loadvm)" % (rewound, top))
            busy_goes_on(t, g, w + "after loadvm: ", top)
        g.run("touch /var/stop; sleep 2")
        last = wdone(g.seen)[-1]
        status, out = g.run("dd if=/dev/xvdb bs=512 count=16001 "
                            "iflag=direct 2>/dev/null | tr '\\0' '\\n' | "
                            "grep '^rec' >/var/recs; wc -l </var/recs; "
                            "tail -n 1 /var/recs")
        ok = status == 0 and len(out) == 2 and out[1].startswith("rec")
        count, top = (int(out[0]), int(out[1][3:])) if ok else (0, 0)
        t.check(ok and count == top and top in (last, last + 1),
                what + "the disk has records 1 to %d, as the guest's last "
                "timeline wrote them" % last, out)
        g.run("echo hvc0-after-loadvm >/dev/hvc0")
        time.sleep(0.5)
        with open(hvc, errors="replace") as f:
            t.check("hvc0-after-loadvm" in f.read(),
                    what + "hvc0 still reaches its chardev")
    except GuestError as e:
        t.check(False, what + "the guest ran to the end", e)
    t.check(g.close() == 0, what + "QEMU exits cleanly at poweroff")


BALLOON_SYSFS = "/sys/devices/system/xen_memory/xen_memory0"


def balloon_to(g, kib, timeout=120):
    """Set the guest's memory to @kib KiB with QEMU's balloon command, as
    Xen's toolstack sets memory/target; the guest balloon driver's
    current_kb once it is met (or when @timeout passed)."""
    g.qmp("balloon", value=kib << 10)
    deadline = time.monotonic() + timeout
    while True:
        status, out = g.run("cat %s/info/current_kb" % BALLOON_SYSFS)
        current = int(out[0]) if status == 0 and out else None
        if current == kib or time.monotonic() > deadline:
            return current
        time.sleep(1)


def mem_total_kib(g):
    status, out = g.run("grep MemTotal /proc/meminfo")
    return int(out[0].split()[1]) if status == 0 and out else None


def scenario_balloon(t, env):
    """QEMU's balloon command has Linux's balloon driver give 192 MiB back
    (XENMEM_decrease_reservation) and take it again (XENMEM_populate_
    physmap): the guest's memory follows, query-balloon and BALLOON_CHANGE
    say so, QEMU's resident memory falls by what was given back, and the
    memory taken again works."""
    name = "balloon"
    what = name + ": "
    give = 192 << 10
    mem = 512 << 10
    g = env.guest(name, ["-drive", "file=%s,if=xen,format=raw"
                         % env.disk(name)], mem=mem >> 10)
    try:
        g.start()
        g.ready()
        status, out = g.run("cat %s/target_kb %s/info/current_kb"
                            % (BALLOON_SYSFS, BALLOON_SYSFS))
        t.check(status == 0 and len(out) == 2 and out[0] == out[1],
                what + "Linux's balloon driver is there, at its target", out)
        target = int(out[1])
        total = mem_total_kib(g)
        t.check(g.qmp("query-balloon") == {"actual": mem << 10},
                what + "query-balloon: all the RAM it was given")
        # the guest touches the memory its balloon will take back
        g.run("mkdir -p /mnt && mount -t tmpfs -o size=300m tmpfs /mnt && "
              "dd if=/dev/zero of=/mnt/fill bs=1M count=256 2>/dev/null; "
              "rm -f /mnt/fill; sync; echo 3 >/proc/sys/vm/drop_caches")
        rss_before = qemu_rss_kib(g)
        current = balloon_to(g, mem - give)
        rss_after = qemu_rss_kib(g)
        t.check(current == target - give,
                what + "the guest gave %d MiB back" % (give >> 10), current)
        t.check(g.qmp("query-balloon") == {"actual": (mem - give) << 10},
                what + "query-balloon: %d MiB less" % (give >> 10))
        changes = [e["data"]["actual"] for e in g.events
                   if e["event"] == "BALLOON_CHANGE"]
        t.check(changes and changes[-1] <= (mem - give // 2) << 10,
                what + "BALLOON_CHANGE events followed it", changes[-3:])
        t.check(total - mem_total_kib(g) >= give - 1024,
                what + "its MemTotal fell with it")
        t.diag("QEMU's RSS: %d MiB before, %d MiB after giving %d MiB back"
               % (rss_before >> 10, rss_after >> 10, give >> 10))
        if os.environ.get("ASAN_OPTIONS"):
            # the sanitizer's own allocations and quarantine grow meanwhile
            t.skip(what + "QEMU's resident memory fell",
                   "not measurable under AddressSanitizer")
        else:
            t.check(rss_before - rss_after >= give * 3 // 4,
                    what + "QEMU's resident memory fell by %d MiB"
                    % ((rss_before - rss_after) >> 10))
        current = balloon_to(g, mem)
        t.check(current == target and mem_total_kib(g) == total and
                g.qmp("query-balloon") == {"actual": mem << 10},
                what + "the guest took it all again", current)
        # what was written (its checksum on the way in) is what is read;
        # a frame still given back would read all ones
        status, out = g.run(
            "dd if=/dev/zero bs=1M count=224 2>/dev/null | "
            "tee /mnt/fill | md5sum && md5sum </mnt/fill", timeout=300)
        t.check(status == 0 and len(out) == 2 and out[0] == out[1],
                what + "224 MiB written and read back in the memory taken "
                "again", out)
    except GuestError as e:
        t.check(False, what + "the guest ran to the end", e)
    t.check(g.close() == 0, what + "QEMU exits cleanly at poweroff")


SLACK_PAGES = 256           # libxl's LIBXL_MAXMEM_CONSTANT: 1 MiB
SLACK_GFN = 0x200000        # 8 GiB: neither RAM nor a device in 512 MiB
RAM_GFN = 0x100             # 1 MiB: the kernel's own RAM
# a frame given back is what it was before: at 8 GiB a hole of QEMU's
# address space, which reads zero and drops writes
SLACK_HOLE = "zero"


def xpop_run(g, args):
    """Run xen-populate ARGS: (exit status, its XPOP words for ARGS'
    subcommand, the output lines)."""
    status, out = g.run("xen-populate " + args)
    return status, tagged(out, "XPOP").get(args.split()[0], []), out


def reservation_pages(g):
    """XENMEM_current_reservation and XENMEM_maximum_reservation, in
    pages, as the guest gets them (None where the call failed)."""
    status, words, _ = xpop_run(g, "reservation")
    if status or words[:1] != ["current"] or len(words) != 4:
        return None, None
    return int(words[1]), int(words[3])


def iomem_at(g, start, end):
    """The guest's /proc/iomem entries that overlap [start, end)."""
    status, out = g.run("cat /proc/iomem")
    found = []
    for line in out:
        m = re.match(r"\s*([0-9a-f]+)-([0-9a-f]+) : (.*)$", line)
        if m and int(m.group(1), 16) < end and int(m.group(2), 16) >= start:
            found.append(line.strip())
    return status == 0, found


def scenario_balloon_slack(t, env):
    """The 1 MiB of slack libxl gives a domain over its RAM: maximum
    reservation is RAM + 256 pages; XENMEM_populate_physmap puts fresh,
    zeroed pages at frames with no RAM (8 GiB up, in a 512 MiB guest),
    current reservation counts them, what the guest writes there survives
    a live migration, XENMEM_decrease_reservation takes them away again
    (the frame is the hole it was); a frame of RAM cannot be populated, nor a
    257th page of slack, each refusal logged once as a guest error.  A
    guest process (xen-populate) makes the calls through privcmd and
    reaches the frames through /dev/mem."""
    name = "balloon-slack"
    what = name + ": "
    mem = 512
    ram = mem << 8                      # in pages
    gfn = "0x%x" % SLACK_GFN
    root = env.disk(name)
    sock = os.path.join(env.out, name + ".sock")
    logs = [os.path.join(env.out, "%s.%d.qemu.log" % (name, n))
            for n in (0, 1)]
    for log in logs:
        if os.path.exists(log):
            os.unlink(log)

    # Linux's privcmd refuses a domU's hypercalls ("No target domain
    # found, blocking all hypercalls") unless loaded with unrestricted=1;
    # init.sh hands xen_privcmd.* of the command line to insmod
    def start(n, extra=()):
        return env.guest("%s.%d" % (name, n),
                         ["-drive", "file=%s,if=xen,format=raw" % root,
                          "-d", "guest_errors", "-D", logs[n]] + list(extra),
                         mem=mem, stderr_apart=True,
                         append="xen_privcmd.unrestricted=1")

    def check_reservation(g, w, want, why):
        have = reservation_pages(g)
        t.check(have == want, w + why, "current %s maximum %s" % have)

    def check_frame(g, w, at, want, why):
        status, words, out = xpop_run(g, "check %s %s" % (at, want))
        t.check(status == 0, w + why, words or out)

    g = start(0)
    try:
        g.start()
        g.ready()
        status, out = g.run("test -c /dev/xen/privcmd && test -c /dev/mem")
        t.check(status == 0 and "xen_privcmd loaded" in g.reported("module"),
                what + "xen-privcmd is loaded: /dev/xen/privcmd and /dev/mem "
                "are there", out + [m for m in g.reported("module")
                                    if "privcmd" in m])
        ok, found = iomem_at(g, SLACK_GFN << 12,
                             (SLACK_GFN + SLACK_PAGES + 1) << 12)
        t.diag("/proc/iomem at %s: %s" % (gfn, found or "nothing"))
        t.check(ok and all(" : PCI Bus " in f for f in found),
                what + "the guest's /proc/iomem has neither RAM nor a "
                "device at 8 GiB", found)
        current, maximum = reservation_pages(g)
        t.check(current == ram and maximum == ram + SLACK_PAGES,
                what + "current reservation: its RAM (%d pages); maximum: "
                "%d pages more" % (ram, SLACK_PAGES),
                "current %s maximum %s" % (current, maximum))
        if current is None:
            raise GuestError("xen-populate cannot make hypercalls")
        check_frame(g, what, gfn, SLACK_HOLE,
                    "frame %s reads %s before: a hole" % (gfn, SLACK_HOLE))

        status, words, out = xpop_run(g, "populate " + gfn)
        t.check(status == 0 and words[2:6] == ["asked", "1", "done", "1"],
                what + "a page populated at gfn %s" % gfn, words or out)
        check_reservation(g, what, (current + 1, maximum),
                          "current reservation counts it, maximum unchanged")
        check_frame(g, what, gfn, "zero", "the new page reads zero")
        status, words, out = xpop_run(g, "write %s 5853" % gfn)
        t.check(status == 0, what + "the guest writes a pattern there",
                words or out)
        check_frame(g, what, gfn, "5853", "and reads it back")
        t.diag("query-balloon: %s" % g.qmp("query-balloon"))

        # one hop to a second QEMU, over a UNIX socket
        w = what + "after migration: "
        dst = start(1, ["-incoming", "defer"])
        status = migrate_over_unix(g, dst, sock)
        t.check(status == "completed", what + "live migration completed",
                status)
        try:
            t.check(hand_over(t, g, dst, status, w) == 0,
                    what + "the source QEMU exits cleanly")
        finally:
            g = dst
        check_frame(g, w, gfn, "5853", "the page still holds the pattern")
        check_reservation(g, w, (current + 1, maximum),
                          "current reservation still counts it")

        status, words, out = xpop_run(g, "giveback " + gfn)
        t.check(status == 0 and words[2:6] == ["asked", "1", "done", "1"],
                w + "the page given back", words or out)
        check_frame(g, w, gfn, SLACK_HOLE,
                    "the frame reads %s again: no page behind it"
                    % SLACK_HOLE)
        status, words, out = xpop_run(g, "write %s 5853" % gfn)
        check_frame(g, w, gfn, SLACK_HOLE, "and drops what is written there")
        check_reservation(g, w, (current, maximum),
                          "current reservation back to the RAM")

        status, words, out = xpop_run(g, "populate 0x%x" % RAM_GFN)
        t.check(status == 1 and words[2:6] == ["asked", "1", "done", "0"],
                what + "a RAM frame (gfn 0x%x) cannot be populated"
                % RAM_GFN, words or out)
        check_reservation(g, what, (current, maximum),
                          "current reservation unchanged")

        status, words, out = xpop_run(g, "populate %s %d"
                                      % (gfn, SLACK_PAGES))
        t.check(status == 0 and words[2:6] == ["asked", str(SLACK_PAGES),
                                               "done", str(SLACK_PAGES)],
                what + "%d pages populated one by one from gfn %s"
                % (SLACK_PAGES, gfn), words or out)
        check_reservation(g, what, (current + SLACK_PAGES, maximum),
                          "current reservation counts them all")
        # the first is the page that held the pattern, given out again
        check_frame(g, what, gfn, "zero", "the first reads zero again")
        check_frame(g, what, "0x%x" % (SLACK_GFN + SLACK_PAGES - 1), "zero",
                    "the last reads zero")
        extra = "0x%x" % (SLACK_GFN + SLACK_PAGES)
        status, words, out = xpop_run(g, "populate " + extra)
        t.check(status == 1 and words[2:6] == ["asked", "1", "done", "0"],
                what + "a %dth page (gfn %s) is refused"
                % (SLACK_PAGES + 1, extra), words or out)
        status, words, out = xpop_run(g, "giveback %s %d"
                                      % (gfn, SLACK_PAGES))
        t.check(status == 0 and words[2:6] == ["asked", str(SLACK_PAGES),
                                               "done", str(SLACK_PAGES)],
                what + "all %d given back" % SLACK_PAGES, words or out)
        check_reservation(g, what, (current, maximum),
                          "current reservation back to the RAM")
        status, out = g.run("echo still-here")
        t.check(status == 0 and out == ["still-here"],
                what + "the guest still runs commands", out)
    except GuestError as e:
        t.check(False, what + "the guest ran to the end", e)
    t.check(g.close() == 0, what + "QEMU exits cleanly at poweroff")

    # the refusals, one guest-error line each, all on the destination
    said = []
    for log in logs:
        if os.path.exists(log):
            with open(log, errors="replace") as f:
                said += [l for l in f.read().splitlines()
                         if l.startswith("xen: cannot ")]
    want = ["xen: cannot populate gfn 0x%x order 0" % n
            for n in (RAM_GFN, SLACK_GFN + SLACK_PAGES)]
    t.check(len(said) == 2 and
            all(l.startswith(p + ":") for l, p in zip(said, want)),
            what + "QEMU's log has one guest-error line for each refusal, "
            "and no other", said[:6])


def close_sockets(*ends):
    for end in ends:
        if end:
            end.close()


def inet_sum(data):
    """The Internet checksum's one's complement sum of @data"""
    if len(data) % 2:
        data += b"\0"
    total = sum(struct.unpack("!%dH" % (len(data) // 2), data))
    while total >> 16:
        total = (total & 0xffff) + (total >> 16)
    return total


def ipv4_frame(dst_mac, src, dst, proto, l4, bad):
    """An Ethernet frame with an IPv4 packet from @src to @dst carrying
    the @proto header and payload @l4, whose checksum field is 0 and is
    filled in here: right, or wrong in one bit if @bad."""
    ip = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(l4), 1, 0, 64,
                     proto, 0, socket.inet_aton(src), socket.inet_aton(dst))
    ip = ip[:10] + struct.pack("!H", 0xffff - inet_sum(ip)) + ip[12:]
    pseudo = ip[12:20] + struct.pack("!BBH", 0, proto, len(l4))
    csum = 0xffff - inet_sum(pseudo + l4)
    if bad:
        csum ^= 0x0100
    at = 16 if proto == 6 else 6
    l4 = l4[:at] + struct.pack("!H", csum or 0xffff) + l4[at + 2:]
    return (bytes.fromhex(dst_mac.replace(":", "")) +
            bytes.fromhex("525400abcdef") + b"\x08\x00" + ip + l4)


NET_FLOOD = 600
NET_CSUM = [("udp", 17, False, 6), ("udp", 17, True, 5),
            ("tcp", 6, False, 4), ("tcp", 6, True, 3)]


def scenario_net_rx(t, env):
    """xen-net's receive side, with frames made by the test arriving
    through a stream netdev (TCP: QEMU reads a frame only when the NIC
    takes it, and the host drops none).  TCP and UDP packets with right
    checksums reach netfront marked as checked (NETRXF_data_validated,
    seen in QEMU's trace of the ring's responses), so the guest skips its
    own check; ones with a wrong checksum go up unmarked and the guest's
    IP stack drops them as such (InCsumErrors).  A burst larger than the
    receive ring all arrives though the guest sends nothing back."""
    what = "net-rx: "
    server = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    server.bind(("127.0.0.1", 0))
    server.listen(1)
    server.settimeout(60)
    port = server.getsockname()[1]
    sock = None
    g = env.guest("net-rx", [
        "-netdev", "stream,id=d0,server=off,addr.type=inet,"
        "addr.host=127.0.0.1,addr.port=%d" % port,
        "-device", "xen-net-device,netdev=d0,mac=" + MAC,
        "-trace", "xen_netdev_rx"], scenario="shell", stderr_apart=True)
    counters = "grep -A1 -E '^(Udp|Tcp):' /proc/net/snmp"

    def snmp():
        status, out = g.run(counters)
        rows = {}
        for head, vals in zip(out[0::2], out[1::2]):
            names, values = head.split()[1:], vals.split()[1:]
            rows[head.split()[0].rstrip(":")] = dict(zip(names, map(int,
                                                                    values)))
        return rows

    def send(frame):
        sock.sendall(struct.pack("!I", len(frame)) + frame)

    try:
        g.start()
        sock, _ = server.accept()
        g.ready()
        # nothing but what the test asks may leave the guest: no IPv6
        # neighbour or router discovery
        status, out = g.run("echo 1 >/proc/sys/net/ipv6/conf/all/"
                            "disable_ipv6 && ip link set eth0 up && "
                            "ip addr add 10.9.0.2/24 dev eth0")
        t.check(status == 0, what + "eth0 is up", out)
        before = snmp()
        for _, proto, bad, count in NET_CSUM:
            for i in range(count):
                if proto == 17:
                    l4 = struct.pack("!HHHH", 40000 + i, 9, 8 + 32, 0) + \
                        b"x" * 32
                else:       # a SYN to a closed port: the guest resets it
                    l4 = struct.pack("!HHIIBBHHH", 40000 + i, 9, 1000 + i,
                                     0, 5 << 4, 0x02, 8192, 0, 0)
                send(ipv4_frame(MAC, "10.9.0.1", "10.9.0.2", proto, l4,
                                bad))
        time.sleep(2)
        after = snmp()
        delta = {(p, k): after[p][k] - before[p][k]
                 for p in after for k in after[p]}
        t.check(delta["Udp", "NoPorts"] == 6 and
                delta["Udp", "InCsumErrors"] == 5,
                what + "the guest took the 6 right UDP packets and dropped "
                "the 5 wrong ones as checksum errors",
                {k: v for k, v in delta.items() if k[0] == "Udp"})
        t.check(delta["Tcp", "InSegs"] >= 4 and
                delta["Tcp", "InCsumErrors"] == 3,
                what + "the guest took the 4 right TCP segments and dropped "
                "the 3 wrong ones as checksum errors",
                {k: v for k, v in delta.items() if k[0] == "Tcp"})

        # More broadcast datagrams than netfront's 256 receive buffers, to
        # which the guest sends nothing back: once the ring is dry the
        # rest waits in QEMU until netfront posts buffers again, and
        # must not wait for the guest to send something
        before = after
        for i in range(NET_FLOOD):
            l4 = struct.pack("!HHHH", 40000, 9, 8 + 32, 0) + b"y" * 32
            send(ipv4_frame("ff:ff:ff:ff:ff:ff", "10.9.0.1", "10.9.0.255",
                            17, l4, False))
        deadline = time.monotonic() + 30
        while True:
            time.sleep(1)
            got = snmp()["Udp"]["IgnoredMulti"] - \
                before["Udp"]["IgnoredMulti"]
            if got >= NET_FLOOD or time.monotonic() > deadline:
                break
        t.check(got == NET_FLOOD,
                what + "%d broadcast datagrams in a burst all reach the "
                "guest, which sends nothing" % NET_FLOOD, got)
    except (GuestError, OSError) as e:
        t.check(False, what + "the guest ran to the end", e)
    t.check(g.close() == 0, what + "QEMU exits cleanly at poweroff")
    close_sockets(sock, server)
    with open(g.log.name + ".stderr", errors="replace") as f:
        flags = [int(m.group(1), 16) for m in
                 re.finditer(r"xen_netdev_rx .*flags 0x([0-9a-f]+)", f.read())]
    # the first responses are the test's frames, in the order sent
    sent = [bad for _, _, bad, count in NET_CSUM for _ in range(count)]
    got = flags[:len(sent)]
    t.check(len(got) == len(sent) and
            all(bool(f & 1) == (not bad) for f, bad in zip(got, sent)),
            what + "QEMU marked exactly the right ones data_validated",
            got)


NET_TX_MB = 8


def scenario_net_tx(t, env):
    """xen-net's transmit side: the guest uploads random bytes over TCP
    through slirp (no NULs: busybox wget posts a file as a C string),
    and the host receives exactly them.  With tx-offload
    (the default) netfront hands over TCP segments of up to 64 KiB in
    several slots (feature-sg, feature-gso-tcpv4) with their checksums
    left blank, which QEMU cuts and checksums for the peer; with
    tx-offload=off every packet fits one frame, as before."""
    sink = os.path.join(os.path.dirname(os.path.abspath(__file__)),
                        "http-sink.py")
    for offload in ("on", "off"):
        name = "net-tx-" + offload
        what = name + ": "
        body = os.path.join(env.out, name + ".body")
        if os.path.exists(body):
            os.unlink(body)
        g = env.guest(name, [
            "-netdev", "user,id=pv,guestfwd=tcp:10.0.2.101:80-cmd:%s %s %s"
            % (sys.executable, sink, body),
            "-device", "xen-net-device,netdev=pv,mac=%s,tx-offload=%s"
            % (MAC, offload),
            "-trace", "xen_netdev_tx"], scenario="shell", stderr_apart=True)
        try:
            g.start()
            g.ready()
            status, out = g.run(
                "ip link set eth0 up && ip addr add 10.0.2.15/24 dev eth0 && "
                "mkdir -p /tmp && tr -d '\\000' </dev/urandom | "
                "head -c %d >/tmp/up && md5sum </tmp/up && "
                "wget -q -O /dev/null --post-file /tmp/up "
                "http://10.0.2.101/ && echo posted" % (NET_TX_MB << 20), 180)
            sent = out[0].split()[0] if status == 0 and out else ""
            t.check(out[-1:] == ["posted"],
                    what + "the guest posts %d MiB over netfront" % NET_TX_MB,
                    out)
            got = ""
            if os.path.exists(body):
                with open(body, "rb") as f:
                    got = hashlib.md5(f.read()).hexdigest()
            t.check(sent and got == sent,
                    what + "the host received exactly the guest's bytes",
                    "%s sent, %s received" % (sent, got))
        except GuestError as e:
            t.check(False, what + "the guest ran to the end", e)
        t.check(g.close() == 0, what + "QEMU exits cleanly at poweroff")
        with open(g.log.name + ".stderr", errors="replace") as f:
            sizes = [(int(m.group(1)), "extra_info" in m.group(2)) for m in
                     re.finditer(r"xen_netdev_tx vif\d+ ref \d+ off \d+ "
                                 r"len (\d+) flags \S+(.*)", f.read())]
        big = [n for n, gso in sizes if n > 1514]
        if offload == "on":
            t.check(big and all(gso for n, gso in sizes if n > 1514) and
                    max(big) <= 65535,
                    what + "netfront sent TCP segments of more than a frame "
                    "(GSO), of up to 64 KiB",
                    "%d of %d packets, largest %d" % (len(big), len(sizes),
                                                      max(big or [0])))
        else:
            t.check(sizes and not big and not any(gso for _, gso in sizes),
                    what + "no packet larger than a frame, no GSO",
                    "%d packets, %d larger" % (len(sizes), len(big)))


SIMD_CASES = ("divss-0/0-masked", "divss-0/0-unmasked", "divss-1/0-unmasked",
              "divss-2/1-unmasked-ie", "ucomiss-denormal-unmasked",
              "ucomiss-denormal-masked", "addps-overflow-unmasked")


def scenario_cpuid_faulting(t, env):
    """CPUID faulting, which Xen (and KVM) offer every HVM guest: on an
    Intel vCPU Linux finds it (the cpuid_fault flag) and lets a process
    turn CPUID into SIGSEGV with arch_prctl(ARCH_SET_CPUID, 0), and it
    stays on through a live migration while that process keeps running
    CPUID (cpuid-fault.c)."""
    name = "cpuid-faulting"
    what = name + ": "
    root = env.disk(name)
    sock = os.path.join(env.out, name + ".sock")

    def start(n, extra=()):
        return env.guest("%s.%d" % (name, n),
                         ["-cpu", "qemu64,vendor=GenuineIntel",
                          "-drive", "file=%s,if=xen,format=raw" % root] +
                         list(extra))

    g = start(0)
    try:
        g.start()
        g.ready()
        status, out = g.run("grep -cw cpuid_fault /proc/cpuinfo")
        t.check(status == 0 and out == ["1"],
                what + "/proc/cpuinfo has the cpuid_fault flag", out)
        status, out = g.run("cpuid-fault probe")
        t.check(status == 0 and tagged(out, "XCPUID").get("probe") ==
                ["get", "1", "set", "0", "faulted", "1", "restored", "1"],
                what + "CPUID faults once a process asks, runs once it "
                "asks back", out)
        status, _ = g.run("rm -f /var/stop; "
                          "cpuid-fault loop >/var/cpuid-loop 2>&1 &")
        time.sleep(2)
        dst = start(1, ["-incoming", "defer"])
        status = migrate_over_unix(g, dst, sock)
        t.check(status == "completed", what + "live migration completed",
                status)
        try:
            hand_over(t, g, dst, status, what)
        finally:
            g = dst
        time.sleep(2)
        status, out = g.run("touch /var/stop; wait; cat /var/cpuid-loop")
        loop = tagged(out, "XCPUID").get("loop", [])
        t.check(len(loop) == 6 and loop[0] == "faulted" and
                loop[1] != "0" and loop[2:] == ["ran", "0", "restored", "1"],
                what + "the looping process's CPUID faulted every time, "
                "before and after the migration", out)
    except GuestError as e:
        t.check(False, what + "the guest ran to the end", e)
    t.check(g.close() == 0, what + "QEMU exits cleanly at poweroff")


def scenario_simd_exceptions(t, env):
    """SSE floating-point exceptions that MXCSR unmasks fault (#XM, which
    Linux turns into SIGFPE with the exception's si_code) and leave the
    destination register as it was; masked ones set their flag only:
    simd-fault.c's cases, each checked against what the SDM says."""
    what = "simd-exceptions: "
    args = ["-drive", "file=%s,if=xen,format=raw" % env.disk("simd")]
    g = env.guest("simd-exceptions", args)
    try:
        g.start()
        g.ready()
        status, out = g.run("simd-fault")
        for case in SIMD_CASES:
            line = [l for l in out if l.startswith("XSIMD: %s " % case)]
            t.check(len(line) == 1 and line[0].endswith(": ok"),
                    what + case, [l for l in out if case in l])
        t.check(status == 0, what + "simd-fault passed", out[-3:])
    except GuestError as e:
        t.check(False, what + "the guest ran to the end", e)
    t.check(g.close() == 0, what + "QEMU exits cleanly at poweroff")


SCENARIOS = {
    "default-pc": lambda t, env: scenario_default(t, env, "pc"),
    "default-q35": lambda t, env: scenario_default(t, env, "q35"),
    "unplug": lambda t, env: [scenario_unplug(t, env, o) for o in UNPLUG],
    "callbacks": scenario_callbacks,
    "blacklist": scenario_blacklist,
    "reboot": scenario_reboot,
    "smp": scenario_smp,
    "smp-2level": lambda t, env: scenario_smp(t, env, "2-level"),
    "pvclock": scenario_pvclock,
    "bad-input": lambda t, env: [scenario_bad_input(t, env, smp)
                                 for smp in (1, 2)],
    "exec-coherence": scenario_exec_coherence,
    "simd-exceptions": scenario_simd_exceptions,
    "cpuid-faulting": scenario_cpuid_faulting,
    "net-rx": scenario_net_rx,
    "net-tx": scenario_net_tx,
    "bad-blk": scenario_bad_blk,
    "bad-net": scenario_bad_net,
    "bad-xenstore": scenario_bad_xenstore,
    "iothread": scenario_iothread,
    "pvh": scenario_pvh,
    "pvh-bad-kernel": scenario_pvh_bad_kernel,
    "pvh-formats": scenario_pvh_formats,
    "migrate": scenario_migrate,
    "snapshots": scenario_snapshots,
    "balloon": scenario_balloon,
    "balloon-slack": scenario_balloon_slack,
    "upstream-kvm-xen": lambda t, env: [
        scenario_upstream_kvm_xen(t, env, n) for n in UPSTREAM_KVM_XEN],
}


def main():
    qemu, images, out = sys.argv[1:4]
    names = sys.argv[4:] or list(SCENARIOS)
    os.makedirs(out, exist_ok=True)
    t = Tap()
    env = Env(qemu, images, out)
    for name in names:
        start = time.monotonic()
        SCENARIOS[name](t, env)
        t.diag("%s: %.1f s" % (name, time.monotonic() - start))
    print("1..%d" % t.n)
    return 1 if t.failed else 0


if __name__ == "__main__":
    sys.exit(main())
