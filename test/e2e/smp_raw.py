#!/usr/bin/env python3
"""Raw SMP image-upload requests over UDP, for the e2e tests that need
requests the client never makes (wrong sha, oversized len, off beyond len).
Standard library only: the CBOR and the header come from
test/support/smpwire.py. Header per docs/protocol.md §1: v2 (version bits 01), write op 2,
group 1 (image), id 1 (upload).

  smp_raw.py PORT upload FILE [--image N] [--len L|none] [--sha HEX|--sha-len N]
             [--off O] [--from A] [--count N] [--all] [--chunk N] [--src PORT]

--src binds the local UDP port: the device tells uploaders apart by their
address, so requests of one session come from one port. Sends one upload request carrying FILE[A:A+N] at offset O (defaults: the
first chunk of FILE with its real len and sha), or with --all the whole
file chunk by chunk from offset O, following the device's "off". Prints
every reply as one JSON line. Exit: 0 device OK, 1 device error (rc or
err in the reply), 3 no reply.
"""
import hashlib
import json
import os
import socket
import sys


sys.dont_write_bytecode = True  # no __pycache__ in the source tree
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "support"))
from smpwire import dec, enc, pkt  # noqa: E402


def hexify(v):
    """Byte strings of a decoded reply as hex, so it prints as JSON."""
    if isinstance(v, bytes):
        return v.hex()
    if isinstance(v, list):
        return [hexify(x) for x in v]
    if isinstance(v, dict):
        return {k: hexify(x) for k, x in v.items()}
    return v


class Link:
    def __init__(self, port, src=0, timeout=3.0):
        self.s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.s.bind(("127.0.0.1", src))
        self.s.settimeout(timeout)
        self.addr = ("127.0.0.1", port)
        self.seq = 0

    def upload(self, body):
        self.seq = (self.seq + 1) & 0xff
        req = pkt(2, 1, 1, enc(body), self.seq)  # v2 write, image group, upload
        for _ in range(3):
            self.s.sendto(req, self.addr)
            try:
                while True:
                    rsp_pkt, _ = self.s.recvfrom(65536)
                    if len(rsp_pkt) >= 8 and rsp_pkt[6] == self.seq:
                        rsp, _ = dec(rsp_pkt, 8)
                        return hexify(rsp)
            except socket.timeout:
                continue
        return None


def is_error(rsp):
    return ("rc" in rsp and rsp["rc"] != 0) or "err" in rsp


def main(argv):
    port = int(argv[1])
    if argv[2] != "upload":
        sys.exit("usage: smp_raw.py PORT upload FILE [options]")
    data = open(argv[3], "rb").read()
    opt = {"--image": None, "--len": None, "--sha": None, "--sha-len": None,
           "--off": "0", "--from": None, "--count": None, "--chunk": "1024",
           "--src": "0"}
    send_all = False
    i = 4
    while i < len(argv):
        if argv[i] == "--all":
            send_all = True
            i += 1
            continue
        if argv[i] not in opt or i + 1 >= len(argv):
            sys.exit("smp_raw.py: bad option %s" % argv[i])
        opt[argv[i]] = argv[i + 1]
        i += 2
    sha = hashlib.sha256(data).digest()
    if opt["--sha"] is not None:
        sha = bytes.fromhex(opt["--sha"])
    if opt["--sha-len"] is not None:  # a sha of the wrong size: the real one cut or padded
        n = int(opt["--sha-len"], 0)
        sha = (sha * 2)[:n]
    length = len(data)
    if opt["--len"] == "none":  # first chunk without "len"
        length = -1
    elif opt["--len"] is not None:
        length = int(opt["--len"], 0)
    off = int(opt["--off"], 0)
    chunk = int(opt["--chunk"], 0)
    link = Link(port, int(opt["--src"], 0))

    def request(o, piece):
        body = {"off": o, "data": piece}
        if o == 0:
            if length >= 0:
                body["len"] = length
            body["sha"] = sha
            if opt["--image"] is not None:
                body["image"] = int(opt["--image"], 0)
        rsp = link.upload(body)
        print(json.dumps(rsp, sort_keys=True))
        sys.stdout.flush()
        return rsp

    if not send_all:
        start = int(opt["--from"], 0) if opt["--from"] is not None else off
        count = int(opt["--count"], 0) if opt["--count"] is not None else chunk
        rsp = request(off, data[start:start + count])
        if rsp is None:
            return 3
        return 1 if is_error(rsp) else 0
    rsp = None
    while True:
        rsp = request(off, data[off:off + chunk])
        if rsp is None:
            return 3
        if is_error(rsp):
            return 1
        if rsp.get("off", -1) >= len(data):
            return 0
        if rsp.get("off", -1) <= off and off != 0:
            print("no progress at off %d" % off, file=sys.stderr)
            return 1
        off = rsp["off"]


if __name__ == "__main__":
    sys.exit(main(sys.argv))
