#!/usr/bin/env python3
"""A guestfwd cmd for uploads: reads one HTTP request from stdin, writes
its body to the file named by the first argument (or drops it), answers
200 with an empty body.

    guestfwd=tcp:IP:PORT-cmd:python3 http-sink.py [FILE]
"""

import sys

length = 0
for line in sys.stdin.buffer:
    if line.lower().startswith(b"content-length:"):
        length = int(line.split(b":")[1])
    if line in (b"\r\n", b"\n"):
        break
out = open(sys.argv[1], "wb") if len(sys.argv) > 1 else None
while length > 0:
    chunk = sys.stdin.buffer.read1(min(length, 1 << 20))
    if not chunk:
        break
    length -= len(chunk)
    if out:
        out.write(chunk)
if out:
    out.close()
sys.stdout.buffer.write(b"HTTP/1.0 200 OK\r\nContent-Length: 0\r\n\r\n")
