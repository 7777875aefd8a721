#!/usr/bin/env python3
"""Seeds for fuzz_hci and fuzz_att (test/fuzz/corpus/{hci,att}), written from
the Core spec's packet layouts and an SMP echo request. Re-run to regenerate:
python3 test/fuzz/mkseeds_ble.py"""
import os
import struct

here = os.path.dirname(os.path.abspath(__file__))
SMP_SVC = bytes.fromhex("84aa6074528a8b86d34cb71d1ddc538d")
body = b"\xa1\x61d\x62hi"
ECHO = struct.pack(">BBHHBB", 2, 0, len(body), 0, 1, 0) + body


def evt(code, p):
    return bytes([4, code, len(p)]) + p


def cc(op, ret=b"\x00"):
    return evt(0x0E, bytes([1]) + struct.pack("<H", op) + ret)


def acl(h, first, d):
    return struct.pack("<BHH", 2, h | (0 if first else 0x1000), len(d)) + d


def l2(cid, p):
    return struct.pack("<HH", len(p), cid) + p


def write(d, name, data):
    os.makedirs(os.path.join(here, "corpus", d), exist_ok=True)
    with open(os.path.join(here, "corpus", d, name), "wb") as f:
        f.write(data)


bring_up = (cc(0x0C03) + cc(0x0C01) + cc(0x2001) + cc(0x2002, b"\x00\x45\x00\x04") +
            cc(0x2003, b"\x00\x20" + b"\0" * 7) + cc(0x1009, b"\x00" + bytes(range(6))) +
            cc(0x2006) + cc(0x2008) + cc(0x2009) + cc(0x200A))
conn = evt(0x3E, bytes([1, 0]) + struct.pack("<HBB6sHHHB", 1, 0, 0, bytes(6), 6, 0, 200, 0))
ncp = evt(0x13, b"\x01" + struct.pack("<HH", 1, 4))
att = [b"\x02" + struct.pack("<H", 247), b"\x12\x0d\x00\x01\x00",
       b"\x52\x0c\x00" + ECHO[:5], b"\x52\x0c\x00" + ECHO[5:]]
stream = bring_up + conn
for a in att:
    p = l2(4, a)
    stream += acl(1, 1, p[:7]) + acl(1, 0, p[7:]) + ncp
stream += evt(0x05, b"\x00\x01\x00\x13")
write("hci", "session", b"\x3f" + stream)
write("hci", "bytewise", b"\x00" + stream[:200])
write("hci", "oversized-acl", b"\x10" + bring_up + conn + struct.pack("<BHH", 2, 1, 2000) + b"\0" * 40)
write("hci", "adv-report", b"\x20" + evt(0x3E, b"\x02\x01\x00\x00" + bytes(6) + b"\x03\x02\x01\x06\xc0"))

def recs(*pdus):
    return b"".join(bytes([len(p)]) + p for p in pdus)

write("att", "discovery", b"\x1a" + recs(
    b"\x02\xf2\x01", b"\x10\x01\x00\xff\xff\x00\x28", b"\x06\x01\x00\xff\xff\x00\x28" + SMP_SVC,
    b"\x08\x0a\x00\x0d\x00\x03\x28", b"\x04\x0c\x00\x0d\x00", b"\x0a\x03\x00", b"\x0a\x05\x00"))
write("att", "smp-echo", b"\x05" + recs(b"\x02\x40\x00", b"\x12\x0d\x00\x01\x00",
                                        b"\x52\x0c\x00" + ECHO[:3], b"\x52\x0c\x00" + ECHO[3:]))
write("att", "bad", b"\x00" + recs(b"\x0a\x99\x00", b"\x12\x03\x00abc", b"\x0c\x03\x00\x00\x00",
                                   b"\x12\x0c\x00" + ECHO + b"xx", b"\x52\x0c\x00" + b"\x02\x00\xff\xff" + b"\0" * 4,
                                   b"\xd2\x01\x00sig", b"\x1b\x0c\x00n"))
