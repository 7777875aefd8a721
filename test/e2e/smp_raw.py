#!/usr/bin/env python3
"""Raw SMP image-upload requests over UDP, for the e2e tests that need
requests the client never makes (wrong sha, oversized len, off beyond len).
Standard library only: the CBOR used here (maps of text keys to uint,
bytes, text, bool) is encoded by hand, replies are decoded by a small
reader. Header per spec smp.md §2: v2 (version bits 01), write op 2,
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
import socket
import struct
import sys


def enc_head(major, n):
    if n < 24:
        return bytes([major << 5 | n])
    if n < 0x100:
        return bytes([major << 5 | 24, n])
    if n < 0x10000:
        return bytes([major << 5 | 25]) + struct.pack(">H", n)
    if n < 0x100000000:
        return bytes([major << 5 | 26]) + struct.pack(">I", n)
    return bytes([major << 5 | 27]) + struct.pack(">Q", n)


def enc(v):
    if v is True:
        return b"\xf5"
    if v is False:
        return b"\xf4"
    if isinstance(v, int):
        return enc_head(0, v) if v >= 0 else enc_head(1, -1 - v)
    if isinstance(v, bytes):
        return enc_head(2, len(v)) + v
    if isinstance(v, str):
        b = v.encode()
        return enc_head(3, len(b)) + b
    if isinstance(v, dict):
        out = enc_head(5, len(v))
        for k, x in v.items():
            out += enc(k) + enc(x)
        return out
    raise TypeError(v)


def dec(b, i=0):
    """Decode one item at b[i]; returns (value, next index)."""
    ib = b[i]
    major, ai = ib >> 5, ib & 31
    i += 1
    if ai == 31:  # indefinite
        if major == 4:
            out = []
            while b[i] != 0xff:
                v, i = dec(b, i)
                out.append(v)
            return out, i + 1
        if major == 5:
            out = {}
            while b[i] != 0xff:
                k, i = dec(b, i)
                v, i = dec(b, i)
                out[k] = v
            return out, i + 1
        raise ValueError("indefinite string not supported")
    if ai < 24:
        n = ai
    elif ai in (24, 25, 26, 27):
        size = 1 << (ai - 24)
        n = int.from_bytes(b[i:i + size], "big")
        i += size
    else:
        raise ValueError("bad additional info %d" % ai)
    if major == 0:
        return n, i
    if major == 1:
        return -1 - n, i
    if major == 2:
        return b[i:i + n].hex(), i + n
    if major == 3:
        return b[i:i + n].decode(), i + n
    if major == 4:
        out = []
        for _ in range(n):
            v, i = dec(b, i)
            out.append(v)
        return out, i
    if major == 5:
        out = {}
        for _ in range(n):
            k, i = dec(b, i)
            v, i = dec(b, i)
            out[k] = v
        return out, i
    if major == 7:
        return {20: False, 21: True, 22: None}.get(ai), i
    raise ValueError("major %d not supported" % major)


class Link:
    def __init__(self, port, src=0, timeout=3.0):
        self.s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.s.bind(("127.0.0.1", src))
        self.s.settimeout(timeout)
        self.addr = ("127.0.0.1", port)
        self.seq = 0

    def upload(self, body):
        payload = enc(body)
        self.seq = (self.seq + 1) & 0xff
        hdr = struct.pack(">BBHHBB", 0x08 | 2, 0, len(payload), 1, self.seq, 1)
        for _ in range(3):
            self.s.sendto(hdr + payload, self.addr)
            try:
                while True:
                    pkt, _ = self.s.recvfrom(65536)
                    if len(pkt) >= 8 and pkt[6] == self.seq:
                        rsp, _ = dec(pkt, 8)
                        return rsp
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
