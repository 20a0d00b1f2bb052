"""Start build/qemu-system-x86_64 under the qtest accelerator and talk to it.

A small helper for the demo and benchmarks: qtest commands (port and
memory access as a guest would make them) on one socket, QMP on another,
spoken with QEMU's own client (python/qemu/qmp in the QEMU source tree).
"""

import os
import socket
import subprocess
import sys
import tempfile

TOP = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(TOP, "qemu-src", "python"))
from qemu.qmp import ExecuteError  # noqa: E402
from qemu.qmp.legacy import QEMUMonitorProtocol  # noqa: E402
QEMU = os.environ.get("QEMU", os.path.join(TOP, "build", "qemu-system-x86_64"))


class Machine:
    def __init__(self, args, machine="pc"):
        self.dir = tempfile.mkdtemp(prefix="xp-")
        qtest_path = os.path.join(self.dir, "qtest.sock")
        qmp_path = os.path.join(self.dir, "qmp.sock")
        qtest_srv = self._listen(qtest_path)
        self.monitor = QEMUMonitorProtocol(qmp_path, server=True)
        self.log = os.path.join(self.dir, "qemu.log")
        cmd = [QEMU, "-machine", machine, "-accel", "qtest",
               "-qtest", "unix:" + qtest_path, "-qtest-log", "/dev/null",
               "-qmp", "unix:" + qmp_path,
               "-display", "none", "-nodefaults", "-D", self.log] + args
        self.proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL)
        self.qtest = qtest_srv.accept()[0].makefile("rw")
        self.monitor.accept(timeout=30)       # and qmp_capabilities

    @staticmethod
    def _listen(path):
        s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        s.bind(path)
        s.listen(1)
        return s

    def qtest_cmd(self, line):
        self.qtest.write(line + "\n")
        self.qtest.flush()
        while True:
            reply = self.qtest.readline().strip()
            if not reply.startswith("IRQ"):
                return reply

    def inw(self, port):
        return int(self.qtest_cmd("inw 0x%x" % port).split()[1], 16)

    def inb(self, port):
        return int(self.qtest_cmd("inb 0x%x" % port).split()[1], 16)

    def out(self, width, port, val):
        self.qtest_cmd("out%s 0x%x 0x%x" % (width, port, val))

    def qmp(self, cmd, **args):
        try:
            return self.monitor.cmd(cmd, **args)
        except ExecuteError as e:
            raise RuntimeError(str(e))

    def hmp(self, line):
        return self.qmp("human-monitor-command", **{"command-line": line})

    def close(self):
        try:
            self.qmp("quit")
        except Exception:       # QEMU may be gone already
            pass
        try:
            self.proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
        self.monitor.close()
