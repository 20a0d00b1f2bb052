#!/usr/bin/env python3
"""A Debian PVHVM Linux guest under TCG's Xen emulation, scenario by scenario.

    scenarios.py QEMU IMAGES OUTDIR [SCENARIO...]

IMAGES is build-images.sh's output; each scenario boots the guest (its
console log and QMP socket in OUTDIR) and checks what the guest sees
and what QEMU reports over QMP.  Prints TAP.
"""

import os
import re
import shutil
import sys
import time

from guest import Guest, GuestError

E1000 = (0x8086, 0x100e)
VIRTIO_NET = (0x1af4, 0x1000)
MAC = "52:54:00:12:34:56"


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

    def diag(self, text):
        for line in str(text).splitlines():
            print("# " + line, flush=True)


class Env:
    def __init__(self, qemu, images, out):
        self.qemu, self.images, self.out = qemu, images, out
        # guestfwd serves this as http://10.0.2.100/ (cmd: gets no commas)
        self.http = os.path.join(out, "http-reply")
        with open(self.http, "w") as f:
            f.write("HTTP/1.0 200 OK\r\nContent-Type: text/plain\r\n\r\n"
                    "xen-net-marker-5853\n")

    def disk(self, name):
        """A fresh copy of the root image for one boot."""
        path = os.path.join(self.out, name + ".img")
        shutil.copyfile(os.path.join(self.images, "root.img"), path)
        return path

    def guest(self, name, args, **kw):
        return Guest(self.qemu, self.images,
                     os.path.join(self.out, name + ".console.log"), args, **kw)

    def netdev(self, ident):
        return ("user,id=%s,guestfwd=tcp:10.0.2.100:80-cmd:cat %s"
                % (ident, self.http))


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


def default_setup(env, name, machine):
    """An IDE disk and an e1000 beside a xen-disk and a xen-net device on
    the same backing: the same image, the same MAC."""
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
            "-device", "xen-console,chardev=hvc"]
    return img, hvc, env.guest(name, args, machine=machine, reboot=True)


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
        dmesg = "\n".join(g.reported("dmesg"))
        t.check("Xen HVM callback vector for event delivery is enabled"
                in dmesg, what + "console: callback vector enabled")
        t.check("Grant table initialized" in dmesg,
                what + "console: grant table initialized")
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


SCENARIOS = {
    "default-pc": lambda t, env: scenario_default(t, env, "pc"),
    "default-q35": lambda t, env: scenario_default(t, env, "q35"),
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
