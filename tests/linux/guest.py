"""Boot the Linux test guest under QEMU and talk to it.

The guest's /init (init.sh) reports on the serial console with lines
"XTEST: key value..." and, once it has booted, runs shell commands read
from that console: "XTEST: ready" when it waits for one, "XTEST: end N"
after each.  QMP is on a UNIX socket beside it, spoken with QEMU's own
client (python/qemu/qmp in the QEMU source tree we build).
"""

import asyncio
import os
import queue
import re
import subprocess
import sys
import threading
import time

TOP = os.path.dirname(os.path.dirname(os.path.dirname(
    os.path.abspath(__file__))))
sys.path.insert(0, os.path.join(TOP, "qemu-src", "python"))
from qemu.qmp import ExecuteError  # noqa: E402
from qemu.qmp.legacy import QEMUMonitorProtocol  # noqa: E402


class GuestError(Exception):
    pass


class Guest:
    def __init__(self, qemu, images, log, args, append="", machine="pc",
                 accel="tcg,xen-version=0x4000a", smp=1, mem=512,
                 reboot=False, scenario="root", console="ttyS0",
                 stderr_apart=False):
        self.log = open(log, "w")
        self.lines = queue.Queue()
        self.seen = []                  # every console line so far
        self.cut = False                # its output ended mid-line
        qmp_path = log + ".qmp"
        if os.path.exists(qmp_path):
            os.unlink(qmp_path)
        self.monitor = QEMUMonitorProtocol(qmp_path, server=True)
        # console hvc0: the guest's console is a xen-console on stdio
        stdio = (["-chardev", "stdio,id=con", "-device",
                  "xen-console,chardev=con"] if console == "hvc0"
                 else ["-serial", "stdio"])
        cmd = [qemu, "-machine", machine, "-accel", accel,
               "-m", str(mem), "-smp", str(smp), "-display", "none",
               "-nodefaults"] + stdio + ["-monitor", "none",
               "-qmp", "unix:" + qmp_path, "-S",
               "-kernel", os.path.join(images, "vmlinuz"),
               "-initrd", os.path.join(images, "initramfs.cpio.gz"),
               "-append", "console=%s panic=-1 xtest=%s %s"
               % (console, scenario, append)] + args
        if not reboot:
            cmd.append("-no-reboot")
        self.log.write("# " + " ".join(cmd) + "\n")
        # QEMU's own messages, unless @stderr_apart puts them in a file
        # beside the log, come with the console's (they can then split a
        # console line in two)
        err = open(log + ".stderr", "w") if stderr_apart else \
            subprocess.STDOUT
        self.proc = subprocess.Popen(cmd, stdin=subprocess.PIPE,
                                     stdout=subprocess.PIPE, stderr=err)
        if stderr_apart:
            err.close()         # the child has its own
        self.monitor.accept(timeout=30)     # and qmp_capabilities
        self.events = []
        threading.Thread(target=self._reader, daemon=True).start()
        self.started = time.monotonic()

    def _reader(self):
        for raw in self.proc.stdout:
            self.cut = not raw.endswith(b"\n")
            line = raw.decode("utf-8", "replace").rstrip("\r\n")
            self.log.write(line + "\n")
            self.log.flush()
            self.lines.put(line)
        self.lines.put(None)

    def start(self):
        """Let the vCPUs run (QEMU starts paused, for QMP checks)."""
        self.qmp("cont")

    def qmp(self, cmd, **args):
        try:
            ret = self.monitor.cmd(cmd, **args)
        except ExecuteError as e:
            raise GuestError("QMP %s: %s" % (cmd, e))
        finally:
            self.events.extend(self.monitor.get_events())
        return ret

    def wait_event(self, name, timeout=60):
        """Wait for the QMP event @name (or take one that came already)."""
        deadline = time.monotonic() + timeout
        self.events.extend(self.monitor.get_events())
        while True:
            for e in self.events:
                if e["event"] == name:
                    self.events.remove(e)
                    return e
            try:
                self.events.append(self.monitor.pull_event(
                    wait=max(deadline - time.monotonic(), 0.01)))
            except asyncio.TimeoutError:
                raise GuestError("timeout waiting for QMP event " + name)

    def _next(self, deadline, waiting_for):
        try:
            line = self.lines.get(
                timeout=max(deadline - time.monotonic(), 0.01))
        except queue.Empty:
            raise GuestError("timeout waiting for %s" % waiting_for)
        if line is None:
            raise GuestError("QEMU exited (status %s) waiting for %s"
                             % (self.proc.wait(), waiting_for))
        self.seen.append(line)
        if line.startswith("XTEST: fail"):
            raise GuestError(line)
        return line

    def expect(self, pattern, timeout=120):
        """The first console line from now on matching @pattern."""
        deadline = time.monotonic() + timeout
        while True:
            m = re.search(pattern, self._next(deadline, repr(pattern)))
            if m:
                return m

    def run(self, command, timeout=120):
        """Run a shell command in the guest: (status, output lines)."""
        self.proc.stdin.write((command + "\n").encode())
        self.proc.stdin.flush()
        out = []
        deadline = time.monotonic() + timeout
        while True:
            line = self._next(deadline, "the end of " + repr(command))
            # output without a final newline shares the line with the end
            m = re.search(r"XTEST: end (\d+)$", line)
            if m:
                if m.start():
                    out.append(line[:m.start()])
                return int(m.group(1)), out
            if line != "XTEST: ready":
                out.append(line)

    def ready(self, timeout=180):
        self.expect(r"^XTEST: ready$", timeout)

    def reported(self, key):
        """Values of the "XTEST: key ..." lines seen so far."""
        pre = "XTEST: %s " % key
        return [l[len(pre):] for l in self.seen if l.startswith(pre)]

    def drain(self):
        """Take the console lines not read yet into self.seen, once QEMU
        has exited; returns self.seen."""
        while True:
            try:
                line = self.lines.get(timeout=5)
            except queue.Empty:
                break
            if line is None:
                break
            self.seen.append(line)
        return self.seen

    def close(self, timeout=30):
        if self.proc.poll() is None:
            try:
                self.proc.stdin.write(b"poweroff -f\n")
                self.proc.stdin.flush()
            except OSError:
                pass
        try:
            status = self.proc.wait(timeout)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            status = self.proc.wait()
        try:
            self.monitor.close()
        except (EOFError, OSError):
            pass        # QEMU closed it first (quit, or killed)
        self.log.close()
        return status
