#!/usr/bin/env python3
"""Compile each of our own C files again with warnings as errors.

QEMU's build runs without -Werror (Debian's GCC warns in some of QEMU's
own files), so a warning in one of ours would pass unnoticed.  This takes
each .c file of our overlay from the build's compile_commands.json and
runs its exact command once more with -Werror, output discarded.  TAP:
one test per file.

usage: check-warnings.py BUILD_DIR SRC_DIR
"""

import json
import os
import shlex
import subprocess
import sys


def our_c_files(src_dir):
    with open(os.path.join(src_dir, ".xp-overlay")) as f:
        return [line.strip() for line in f if line.strip().endswith(".c")]


def strict(command):
    """The compile command, with -Werror and its outputs thrown away."""
    args = shlex.split(command)
    out, i = [], 0
    while i < len(args):
        a = args[i]
        if a in ("-o", "-MF", "-MQ"):
            i += 2
            continue
        if a in ("-MD", "-MMD"):
            i += 1
            continue
        out.append(a)
        i += 1
    return out + ["-Werror", "-o", os.devnull]


def main():
    build_dir, src_dir = sys.argv[1], os.path.abspath(sys.argv[2])
    with open(os.path.join(build_dir, "compile_commands.json")) as f:
        db = json.load(f)
    by_file = {}
    for entry in db:
        path = os.path.normpath(os.path.join(entry["directory"],
                                             entry["file"]))
        by_file.setdefault(path, entry)
    files = our_c_files(src_dir)
    print("1..%d" % len(files))
    failed = 0
    for n, rel in enumerate(files, 1):
        entry = by_file.get(os.path.normpath(os.path.join(src_dir, rel)))
        if entry is None:
            print("ok %d - %s # SKIP not built in this configuration"
                  % (n, rel))
            continue
        r = subprocess.run(strict(entry["command"]), cwd=entry["directory"],
                           stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                           text=True)
        if r.returncode:
            failed += 1
            print("not ok %d - %s builds with -Werror" % (n, rel))
            for line in r.stdout.splitlines():
                print("# " + line)
        else:
            print("ok %d - %s builds with -Werror" % (n, rel))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
