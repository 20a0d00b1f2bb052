"""Start build/qemu-system-x86_64 under the qtest accelerator and talk to it.

A small helper for the demo and benchmarks: qtest commands (port and
memory access as a guest would make them) on one socket, QMP on another.
"""

import json
import os
import socket
import subprocess
import tempfile

TOP = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
QEMU = os.environ.get("QEMU", os.path.join(TOP, "build", "qemu-system-x86_64"))


class Machine:
    def __init__(self, args, machine="pc"):
        self.dir = tempfile.mkdtemp(prefix="xp-")
        qtest_path = os.path.join(self.dir, "qtest.sock")
        qmp_path = os.path.join(self.dir, "qmp.sock")
        qtest_srv = self._listen(qtest_path)
        qmp_srv = self._listen(qmp_path)
        self.log = os.path.join(self.dir, "qemu.log")
        cmd = [QEMU, "-machine", machine, "-accel", "qtest",
               "-qtest", "unix:" + qtest_path, "-qtest-log", "/dev/null",
               "-qmp", "unix:" + qmp_path,
               "-display", "none", "-nodefaults", "-D", self.log] + args
        self.proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL)
        self.qtest = qtest_srv.accept()[0].makefile("rw")
        self.qmp_sock = qmp_srv.accept()[0]
        self.qmp_file = self.qmp_sock.makefile("rw")
        json.loads(self.qmp_file.readline())          # greeting
        self.qmp("qmp_capabilities")

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
        self.qmp_file.write(json.dumps({"execute": cmd, "arguments": args}) + "\n")
        self.qmp_file.flush()
        while True:
            msg = json.loads(self.qmp_file.readline())
            if "return" in msg:
                return msg["return"]
            if "error" in msg:
                raise RuntimeError(msg["error"]["desc"])

    def hmp(self, line):
        return self.qmp("human-monitor-command", **{"command-line": line})

    def close(self):
        try:
            self.qmp("quit")
        except (OSError, RuntimeError, ValueError):
            pass
        try:
            self.proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
