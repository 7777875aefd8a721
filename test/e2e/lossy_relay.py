#!/usr/bin/env python3
"""A lossy UDP link for the e2e tests: listens on LISTEN_PORT, forwards
every datagram to the device at DEVICE_PORT and the replies back to the
client that sent last, dropping every Nth datagram in each direction
(requests and replies counted separately). Standard library only.

  lossy_relay.py LISTEN_PORT DEVICE_PORT N

Prints "ready" once bound, and on SIGTERM/SIGINT one line with what it
forwarded and dropped.
"""
import select
import signal
import socket
import sys


def main():
    listen_port, device_port, every = int(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3])
    outer = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    outer.bind(("127.0.0.1", listen_port))
    inner = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    inner.connect(("127.0.0.1", device_port))
    stats = {"up": 0, "up_dropped": 0, "down": 0, "down_dropped": 0}
    client = None
    done = []
    signal.signal(signal.SIGTERM, lambda *a: done.append(1))
    signal.signal(signal.SIGINT, lambda *a: done.append(1))
    print("ready", flush=True)
    while not done:
        try:
            ready, _, _ = select.select([outer, inner], [], [], 0.2)
        except InterruptedError:
            continue
        for s in ready:
            if s is outer:
                pkt, client = outer.recvfrom(65536)
                stats["up"] += 1
                if stats["up"] % every == 0:
                    stats["up_dropped"] += 1
                else:
                    inner.send(pkt)
            else:
                try:
                    pkt = inner.recv(65536)
                except ConnectionRefusedError:
                    continue
                stats["down"] += 1
                if stats["down"] % every == 0:
                    stats["down_dropped"] += 1
                elif client is not None:
                    outer.sendto(pkt, client)
    print("relay: %(up)d requests (%(up_dropped)d dropped), %(down)d replies "
          "(%(down_dropped)d dropped)" % stats, flush=True)


if __name__ == "__main__":
    main()
