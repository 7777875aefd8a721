"""Peers for the client's error tests and the second-central test.
usage: fake_peer.py SOCKET nosmp|drop|hold|secwrite [SECONDS]
  nosmp  a peripheral named NoSmp whose GATT database has no SMP service
  drop   a peripheral named Dropper with the SMP service that ends the link
         as soon as an SMP request is written
  hold   a central that connects to "Zephyr" and stays connected
  secwrite  a central that writes the SMP characteristic (handle 12) without
         pairing; prints "refused XX secreq" (the ATT error, and whether a
         Security Request came), or what it got instead
Prints "ready" once advertising (or connected), then serves until SECONDS."""
import struct
import sys
import time

from hcitest import SMP_CHR, SMP_SVC, Hci, smp_echo

path, mode = sys.argv[1], sys.argv[2]
life = float(sys.argv[3]) if len(sys.argv) > 3 else 20.0
h = Hci(path)
h.init()


def err(op, handle, code):
    return struct.pack("<BBHB", 1, op, handle, code)


def serve(pdu, smp):
    op = pdu[0]
    if op == 0x02:
        return b"\x03" + struct.pack("<H", 247)
    if op == 0x06:
        if smp and pdu[7:] == SMP_SVC:
            return b"\x07" + struct.pack("<HH", 1, 4)
        return err(op, 1, 0x0A)
    if op == 0x08 and smp and struct.unpack_from("<H", pdu, 1)[0] <= 2:
        return b"\x09\x15" + struct.pack("<HBH", 2, 0x14, 3) + SMP_CHR
    if op == 0x04 and smp and struct.unpack_from("<H", pdu, 1)[0] <= 4:
        return b"\x05\x01" + struct.pack("<HH", 4, 0x2902)
    if op == 0x12:
        return b"\x13"
    if op == 0x52 and smp and struct.unpack_from("<H", pdu, 1)[0] == 3:
        h.disconnect()
        return None
    if op & 0x40 or op & 1:
        return None
    return err(op, struct.unpack_from("<H", pdu, 1)[0] if len(pdu) >= 3 else 0, 0x0A)


if mode == "secwrite":
    if not h.scan_connect():
        print("not connected", flush=True)
        sys.exit(1)
    h.att_send(b"\x12\x0c\x00" + smp_echo("x"))
    r = h.att_wait(3.0)
    end = time.time() + 1.0
    while not h.sm and time.time() < end:
        h.pump(0.05)
    if r and r[0] == 0x01 and len(r) == 5:
        print("refused %02x%s" % (r[4], " secreq" if any(p[:1] == b"\x0b" for p in h.sm) else ""),
              flush=True)
    else:
        print("got %r" % (r,), flush=True)
    h.disconnect()
    sys.exit(0)

if mode == "hold":
    ok = h.scan_connect()
    print("ready" if ok else "not connected", flush=True)
    end = time.time() + life
    while h.connected and time.time() < end:
        h.pump(0.1)
    h.disconnect()
    sys.exit(0 if ok else 1)

smp = mode == "drop"
h.advertise(b"Dropper" if smp else b"NoSmp")
print("ready", flush=True)
end = time.time() + life
while time.time() < end:
    h.pump(0.05)
    while h.att and h.connected:
        r = serve(h.att.pop(0), smp)
        if r:
            h.att_send(r)
    if not h.connected and h.handle is not None and h.disc_reason is not None:
        h.handle = None
        h.disc_reason = None
        h.cmd(0x200A, b"\x01")
