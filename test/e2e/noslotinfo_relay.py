#!/usr/bin/env python3
"""A UDP relay for the e2e tests that plays a device without image slot info (an older
Zephyr, or one built without CONFIG_MCUMGR_GRP_IMG_SLOT_INFO): every request for
group 1 (image) command 6 (slot info) is answered {"rc": 8} (MGMT_ERR_ENOTSUP, as
Zephyr's SMP layer answers a command it has no handler for); everything else goes to
the device at DEVICE_PORT and its replies back. Standard library only.

  noslotinfo_relay.py LISTEN_PORT DEVICE_PORT

Prints "ready" once bound; on SIGTERM one line with how many slot info requests it
answered.
"""
import select
import signal
import socket
import struct
import sys


def main():
    listen_port, device_port = int(sys.argv[1]), int(sys.argv[2])
    outer = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    outer.bind(("127.0.0.1", listen_port))
    inner = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    inner.connect(("127.0.0.1", device_port))
    client = None
    answered = 0
    done = []
    signal.signal(signal.SIGTERM, lambda *a: done.append(1))
    print("ready", flush=True)
    body = bytes([0xA1, 0x62, ord("r"), ord("c"), 0x08])  # {"rc": 8}
    while not done:
        try:
            ready, _, _ = select.select([outer, inner], [], [], 0.2)
        except InterruptedError:
            continue
        for s in ready:
            if s is outer:
                pkt, client = outer.recvfrom(65536)
                if len(pkt) >= 8:
                    op, flags, _, group, seq, cid = struct.unpack(">BBHHBB", pkt[:8])
                    if group == 1 and cid == 6 and (op & 7) == 0:
                        hdr = struct.pack(">BBHHBB", (op & ~7) | 1, flags, len(body), group, seq, cid)
                        outer.sendto(hdr + body, client)
                        answered += 1
                        continue
                inner.send(pkt)
            else:
                try:
                    pkt = inner.recv(65536)
                except ConnectionRefusedError:
                    continue
                if client is not None:
                    outer.sendto(pkt, client)
    print("relay: answered %d slot info requests with rc 8" % answered, flush=True)


if __name__ == "__main__":
    main()
