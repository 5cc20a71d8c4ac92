#!/usr/bin/env python3
"""MULTI / SET / EXEC throughput: `multi_bench.py PORT N` prints transactions per second.

50 connections, each sending 16 transactions (48 commands) per round trip, until N
transactions are done in all. Every reply is read and checked (QUEUED, the EXEC array),
so a server that answered wrongly fails the run instead of looking fast.
"""
import selectors
import socket
import sys
import time

port, total = int(sys.argv[1]), int(sys.argv[2])
CLIENTS, PIPE = 50, 16
tx = b"*1\r\n$5\r\nMULTI\r\n*3\r\n$3\r\nSET\r\n$3\r\nkey\r\n$5\r\nvalue\r\n*1\r\n$4\r\nEXEC\r\n"
# +OK, +QUEUED, *1 +OK
reply = b"+OK\r\n+QUEUED\r\n*1\r\n+OK\r\n"
batch = tx * PIPE
want = reply * PIPE

sel = selectors.DefaultSelector()
conns = []
for _ in range(CLIENTS):
    s = socket.create_connection(("127.0.0.1", port))
    s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    conns.append(s)
sent = 0
start = time.perf_counter()
state = {}
for s in conns:
    if sent < total:
        s.sendall(batch)
        sent += PIPE
        state[s] = bytearray()
        sel.register(s, selectors.EVENT_READ)
done = 0
while state:
    for key, _ in sel.select():
        s = key.fileobj
        buf = state[s]
        chunk = s.recv(65536)
        if not chunk:
            sys.exit("server closed the connection")
        buf += chunk
        if len(buf) >= len(want):
            if bytes(buf[: len(want)]) != want:
                sys.exit("unexpected reply: %r" % bytes(buf[:80]))
            del buf[: len(want)]
            done += PIPE
            if sent < total:
                s.sendall(batch)
                sent += PIPE
            else:
                sel.unregister(s)
                del state[s]
elapsed = time.perf_counter() - start
print("%.0f" % (done / elapsed))
