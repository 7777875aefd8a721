"""ATT bad input against the device over an emulated controller: what the
real client never sends. Prints ok/FAIL per check; exit status = failures.
usage: att_raw.py BT_SERVER_LE_SOCKET"""
import struct
import sys
import time

from hcitest import Hci, smp_echo

fails = 0


def check(what, cond, detail=""):
    global fails
    if cond:
        print("ok: " + what)
    else:
        fails += 1
        print("FAIL: " + what + (" (" + detail + ")" if detail else ""))


def err_of(p):
    """(request opcode, handle, code) of an ATT Error Response, else None."""
    if p and p[0] == 0x01 and len(p) == 5:
        return (p[1], struct.unpack_from("<H", p, 2)[0], p[4])
    return None


def req(h, pdu, timeout=2.0):
    h.att_send(pdu)
    return h.att_wait(timeout)


def echo_ok(h, text, writes=None, timeout=2.0):
    """Send an echo request (optionally split into the given pieces) as
    write commands; True if the echoed text comes back in notifications."""
    pkt = smp_echo(text)
    pieces = writes(pkt) if writes else [pkt]
    for piece in pieces:
        h.att_send(b"\x52" + struct.pack("<H", SMP) + piece)
    got = b""
    end = time.time() + timeout
    while time.time() < end:
        p = h.att_wait(max(end - time.time(), 0.01), want=0x1B)
        if p is None:
            break
        got += p[3:]
        if len(got) >= 8 and len(got) >= 8 + struct.unpack_from(">H", got, 2)[0]:
            return text.encode() in got
    return False


h = Hci(sys.argv[1])
h.init()
check("connected to the device", h.scan_connect())
# ATT_MTU 64: small enough that "longer than the MTU" is easy to send.
p = req(h, b"\x02" + struct.pack("<H", 64))
check("MTU exchange answered with the device's 498", p == b"\x03" + struct.pack("<H", 498), repr(p))
SMP = 12  # value handle of the SMP characteristic (found by discovery below)
p = req(h, b"\x06\x01\x00\xff\xff\x00\x28" + bytes.fromhex("84aa6074528a8b86d34cb71d1ddc538d"))
check("SMP service found by UUID", p is not None and p[0] == 0x07, repr(p))

e = err_of(req(h, b"\x0a\x99\x00"))
check("read of an unknown handle: Invalid Handle", e == (0x0A, 0x99, 0x01), repr(e))
e = err_of(req(h, b"\x0a\x00\x00"))
check("read of handle 0: Invalid Handle", e == (0x0A, 0, 0x01), repr(e))
e = err_of(req(h, b"\x12\x50\x00hi"))
check("write request to an unknown handle: Invalid Handle", e == (0x12, 0x50, 0x01), repr(e))
e = err_of(req(h, b"\x12\x03\x00Evil"))
check("write request to the device name: Write Not Permitted", e == (0x12, 3, 0x03), repr(e))
e = err_of(req(h, b"\x12\x0b\x00\x00"))
check("write to a characteristic declaration: Write Not Permitted", e == (0x12, 11, 0x03), repr(e))
e = err_of(req(h, b"\x0a" + struct.pack("<H", SMP)))
check("read of the SMP value: Read Not Permitted", e == (0x0A, SMP, 0x02), repr(e))
e = err_of(req(h, b"\x0c\x03\x00\x00\x00"))
check("read blob (not served): Request Not Supported", e == (0x0C, 0, 0x06), repr(e))
e = err_of(req(h, b"\x12\x0d\x00\x01\x00\x00"))
check("CCCD write of 3 bytes: Invalid Attribute Value Length", e == (0x12, 13, 0x0D), repr(e))
e = err_of(req(h, b"\x12" + struct.pack("<H", SMP) + b"x" * 70))
check("write request longer than the MTU: Invalid PDU", e == (0x12, 0, 0x04), repr(e))
h.att_send(b"\x52\x77\x00junk")  # write command to an unknown handle: no answer
h.att_send(b"\x52" + struct.pack("<H", SMP) + b"y" * 80)  # longer than the MTU: dropped
h.att_send(b"\xd2\x01\x00sig")  # signed write command: not served, ignored
check("commands with bad handles/lengths get no answer", h.att_wait(0.3) is None)

# Notifications not enabled: the request is served, the response is dropped.
check("no notification before the CCCD is written", not echo_ok(h, "early", timeout=0.5))
p = req(h, b"\x12\x0d\x00\x01\x00")
check("notifications enabled", p == b"\x13", repr(p))
check("echo answered once subscribed", echo_ok(h, "sub"))

pkt = smp_echo("split")
allsplit = all(echo_ok(h, "split", writes=lambda p, k=k: [p[:k], p[k:]])
               for k in range(1, len(pkt)))
check("a request split at every byte boundary (%d splits) is answered each time" %
      (len(pkt) - 1), allsplit)
check("a request in 1-byte writes is answered",
      echo_ok(h, "bytes", writes=lambda p: [p[i:i + 1] for i in range(len(p))]))

# A fragment running past the SMP header's length: the partial packet is
# dropped (Zephyr: Value Not Allowed on a write request, silence on a command).
bad = smp_echo("over")
hdr = bytearray(bad)
e = err_of(req(h, b"\x12" + struct.pack("<H", SMP) + bytes(hdr) + b"extra"))
check("write request overrunning the SMP length: Value Not Allowed", e == (0x12, SMP, 0x13), repr(e))
h.att_send(b"\x52" + struct.pack("<H", SMP) + bad[:5])
h.att_send(b"\x52" + struct.pack("<H", SMP) + bad[5:] + b"\xff\xff")
check("command overrunning the SMP length: no answer", h.att_wait(0.3) is None)
big = struct.pack(">BBHHBB", 2, 0, 0xFFF0, 0, 0, 0)
e = err_of(req(h, b"\x12" + struct.pack("<H", SMP) + big))
check("an SMP length beyond the device's buffer: Value Not Allowed", e == (0x12, SMP, 0x13), repr(e))
# An image upload whose one write overruns its own header: nothing is written.
up = bytes.fromhex("a4" "6564617461" "4400010203" "636f6666" "00" "636c656e" "19ffff" "64696d6167" "65" "00")
uph = struct.pack(">BBHHBB", 2, 0, len(up) - 3, 1, 1, 1)
e = err_of(req(h, b"\x12" + struct.pack("<H", SMP) + uph + up))
check("an upload request overrunning its length: Value Not Allowed", e == (0x12, SMP, 0x13), repr(e))
check("the device still serves after all of it", echo_ok(h, "alive"))
h.disconnect()
check("disconnected cleanly", not h.connected)
sys.exit(fails)
