"""A small HCI host in Python for the BLE tests: talks H4 to one of btvirt's
emulated LE controllers (its bt-server-le Unix socket) and plays either a
raw ATT central (att_raw.py: bad input the real client never sends) or a
fake peripheral (fake_peer.py: a device without the SMP service, or one that
drops the link mid-command). Facts from the Bluetooth Core spec: H4 packet
types, HCI opcodes and events (Vol 4 Part E), ACL/L2CAP framing (Vol 3
Part A), ATT PDUs (Vol 3 Part F)."""
import socket
import struct
import time

SMP_SVC = bytes.fromhex("84aa6074528a8b86d34cb71d1ddc538d")
SMP_CHR = bytes.fromhex("487c997411269eae014ecefb28782eda")


class Hci:
    def __init__(self, path):
        self.s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.s.connect(path)
        self.buf = b""
        self.credits = 1
        self.acl_mtu = 27
        self.handle = None
        self.connected = False
        self.disc_reason = None
        self.att = []        # ATT PDUs received, oldest first
        self.sm = []         # Security Manager PDUs received (CID 6)
        self.l2 = b""
        self.l2_need = 0
        self.adv = []        # (addr_type, addr, ad)
        self.conn_events = []
        self.done = {}

    # -- wire
    def _read(self, timeout):
        self.s.settimeout(max(timeout, 0.001))
        try:
            d = self.s.recv(65536)
        except socket.timeout:
            return False
        if not d:
            raise EOFError("controller closed")
        self.buf += d
        return True

    def _next(self):
        b = self.buf
        if not b:
            return None
        t = b[0]
        if t == 4 and len(b) >= 3 and len(b) >= 3 + b[2]:
            n = 3 + b[2]
        elif t == 2 and len(b) >= 5 and len(b) >= 5 + struct.unpack_from("<H", b, 3)[0]:
            n = 5 + struct.unpack_from("<H", b, 3)[0]
        elif t in (2, 4):
            return None
        else:
            raise ValueError("bad H4 type %d" % t)
        p, self.buf = b[:n], b[n:]
        return p

    def pump(self, timeout=0.05):
        end = time.time() + timeout
        while True:
            p = self._next()
            if p is not None:
                self._handle(p)
                return True
            left = end - time.time()
            if left <= 0 or not self._read(left):
                return False

    def _handle(self, p):
        if p[0] == 4:
            code, plen = p[1], p[2]
            e = p[3:3 + plen]
            if code == 0x0E:
                self.credits = e[0]
                op = struct.unpack_from("<H", e, 1)[0]
                self.done[op] = (e[3] if len(e) > 3 else 0, e[4:])
            elif code == 0x0F:
                self.credits = e[1]
                op = struct.unpack_from("<H", e, 2)[0]
                self.done[op] = (e[0], b"")
            elif code == 0x13:
                for i in range(e[0]):
                    h, c = struct.unpack_from("<HH", e, 1 + 4 * i)
                    if h == self.handle:
                        self.acl_free = min(self.acl_total, self.acl_free + c)
            elif code == 0x05:
                if struct.unpack_from("<H", e, 1)[0] == self.handle:
                    self.connected = False
                    self.disc_reason = e[3]
            elif code == 0x3E and e[0] == 0x02:
                n = e[1]
                i = 2
                for _ in range(n):
                    at, addr, dl = e[i + 1], e[i + 2:i + 8], e[i + 8]
                    self.adv.append((at, addr, e[i + 9:i + 9 + dl]))
                    i += 10 + dl
            elif code == 0x3E and e[0] == 0x01:
                self.conn_events.append(e)
                if e[1] == 0:
                    self.handle = struct.unpack_from("<H", e, 2)[0] & 0xFFF
                    self.peer = e[6:12]
                    self.connected = True
                    self.acl_free = self.acl_total
        elif p[0] == 2:
            hf, ln = struct.unpack_from("<HH", p, 1)
            d = p[5:5 + ln]
            if (hf >> 12) & 3 != 1:
                self.l2 = d
                self.l2_need = 4 + struct.unpack_from("<H", d, 0)[0] if len(d) >= 2 else 0
            else:
                self.l2 += d
            if self.l2_need and len(self.l2) >= self.l2_need:
                cid = struct.unpack_from("<H", self.l2, 2)[0]
                if cid == 4:
                    self.att.append(self.l2[4:self.l2_need])
                elif cid == 6:
                    self.sm.append(self.l2[4:self.l2_need])
                self.l2 = b""
                self.l2_need = 0

    def cmd(self, op, params=b"", timeout=3.0):
        end = time.time() + timeout
        while self.credits < 1:
            if not self.pump(end - time.time()) and time.time() > end:
                raise TimeoutError("no command credit")
        self.done.pop(op, None)
        self.credits -= 1
        self.s.sendall(struct.pack("<BHB", 1, op, len(params)) + params)
        while op not in self.done:
            if not self.pump(end - time.time()) and time.time() > end:
                raise TimeoutError("command 0x%04x" % op)
        return self.done[op]

    def init(self):
        self.cmd(0x0C03)
        self.cmd(0x0C01, bytes.fromhex("ffffffffff1f0020"))
        self.cmd(0x2001, bytes.fromhex("4f00000000000000"))
        st, r = self.cmd(0x2002)
        self.acl_mtu, self.acl_total = struct.unpack_from("<HB", r, 0)
        self.acl_free = self.acl_total

    # -- ACL / ATT
    def l2cap_send(self, cid, pdu):
        data = struct.pack("<HH", len(pdu), cid) + pdu
        off = 0
        while off < len(data):
            end = time.time() + 3
            while self.acl_free < 1:
                if not self.connected:
                    raise EOFError("disconnected")
                if not self.pump(end - time.time()) and time.time() > end:
                    raise TimeoutError("no ACL credit")
            k = min(self.acl_mtu, len(data) - off)
            flags = 0x0000 if off == 0 else 0x1000
            self.s.sendall(struct.pack("<BHH", 2, self.handle | flags, k) + data[off:off + k])
            self.acl_free -= 1
            off += k

    def att_send(self, pdu):
        self.l2cap_send(4, pdu)

    def att_wait(self, timeout=2.0, want=None):
        """Next ATT PDU (optionally with opcode want), or None on timeout."""
        end = time.time() + timeout
        while True:
            for i, p in enumerate(self.att):
                if want is None or p[0] == want:
                    return self.att.pop(i)
            if time.time() > end:
                return None
            self.pump(min(0.05, max(end - time.time(), 0.001)))

    def disconnect(self):
        if self.connected:
            self.cmd(0x0406, struct.pack("<HB", self.handle, 0x13))
            end = time.time() + 2
            while self.connected and time.time() < end:
                self.pump(0.05)

    # -- central
    def scan_connect(self, name=b"Zephyr", timeout=5.0):
        self.cmd(0x200B, bytes.fromhex("01100010000000"))
        self.cmd(0x200C, b"\x01\x00")
        end = time.time() + timeout
        found = None
        while found is None and time.time() < end:
            for at, addr, ad in self.adv:
                if name in ad:
                    found = (at, addr)
            if found is None:
                self.pump(0.05)
        self.cmd(0x200C, b"\x00\x00")
        if found is None:
            return False
        cc = struct.pack("<HHBB6sBHHHHHH", 0x60, 0x30, 0, found[0], found[1], 0, 6, 6, 0, 200, 0, 0)
        self.cmd(0x200D, cc)
        end = time.time() + 3
        while not self.conn_events and time.time() < end:
            self.pump(0.05)
        return self.connected

    # -- peripheral
    def advertise(self, name):
        self.cmd(0x2006, bytes.fromhex("a000f000000000000000000000" "0700"))
        ad = b"\x02\x01\x06" + bytes([len(name) + 1, 0x09]) + name
        self.cmd(0x2008, bytes([len(ad)]) + ad.ljust(31, b"\0"))
        self.cmd(0x200A, b"\x01")


def smp_echo(text, seq=0):
    """An SMP v1 OS echo request: {"d": text}."""
    t = text.encode()
    assert len(t) < 24
    body = b"\xa1\x61d" + bytes([0x60 + len(t)]) + t
    return struct.pack(">BBHHBB", 2, 0, len(body), 0, seq, 0) + body
