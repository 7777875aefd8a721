"""SMP wire helpers for the Python test tools (standard library only):
the CBOR subset SMP uses, the 8-byte SMP header and the serial (console)
framing. Shared by test/fuzz/mkseeds.py, test/stress/udp_clients.py and
test/e2e/smp_raw.py, which import it with
    sys.path.insert(0, <repo>/test/support); sys.dont_write_bytecode = True
"""
import base64
import os
import select
import struct
import time


def _head(major, n):
    if n < 24: return bytes([major << 5 | n])
    if n < 256: return bytes([major << 5 | 24, n])
    if n < 65536: return bytes([major << 5 | 25]) + struct.pack(">H", n)
    if n < 2**32: return bytes([major << 5 | 26]) + struct.pack(">I", n)
    return bytes([major << 5 | 27]) + struct.pack(">Q", n)


def enc(v):
    """CBOR of bool, int, bytes, str, list, dict (definite lengths, keys in dict order)."""
    if isinstance(v, bool): return b"\xf5" if v else b"\xf4"
    if isinstance(v, int): return _head(0, v) if v >= 0 else _head(1, -1 - v)
    if isinstance(v, bytes): return _head(2, len(v)) + v
    if isinstance(v, str): b = v.encode(); return _head(3, len(b)) + b
    if isinstance(v, list): return _head(4, len(v)) + b"".join(enc(x) for x in v)
    if isinstance(v, dict): return _head(5, len(v)) + b"".join(enc(k) + enc(x) for k, x in v.items())
    raise TypeError(v)


def dec(b, i=0):
    """Decode the CBOR item at b[i] (indefinite items and tags accepted, floats
    refused); returns (value, index after it)."""
    ib = b[i]; major, ai = ib >> 5, ib & 31; i += 1
    if ai < 24: n = ai
    elif ai in (24, 25, 26, 27):
        k = 1 << (ai - 24); n = int.from_bytes(b[i:i + k], "big"); i += k
    elif ai == 31: n = None
    else: raise ValueError("reserved")
    if major == 0: return n, i
    if major == 1: return -1 - n, i
    if major in (2, 3):
        if n is None:
            out = b""
            while b[i] != 0xff:
                part, i = dec(b, i); out += part if isinstance(part, bytes) else part.encode()
            i += 1
            return (out if major == 2 else out.decode()), i
        v = b[i:i + n]; return (v if major == 2 else v.decode()), i + n
    if major == 4:
        out = []
        while (n is None and b[i] != 0xff) or (n is not None and len(out) < n):
            v, i = dec(b, i); out.append(v)
        return out, i + (1 if n is None else 0)
    if major == 5:
        out, c = {}, 0
        while (n is None and b[i] != 0xff) or (n is not None and c < n):
            k, i = dec(b, i); v, i = dec(b, i); out[k] = v; c += 1
        return out, i + (1 if n is None else 0)
    if major == 6: return dec(b, i)
    if ai == 20: return False, i
    if ai == 21: return True, i
    if ai in (22, 23): return None, i
    raise ValueError("unsupported simple/float")


def pkt(op, group, cid, body, seq=1, ver=1):
    """SMP packet: header (docs/protocol.md §1; ver 1 = SMP v2) + body bytes."""
    return struct.pack(">BBHHBB", (ver << 3) | op, 0, len(body), group, seq, cid) + body


def crc16(data):
    """CRC-16/XMODEM of the serial framing."""
    crc = 0
    for b in data:
        crc ^= b << 8
        for _ in range(8):
            crc = ((crc << 1) ^ 0x1021) if crc & 0x8000 else crc << 1
            crc &= 0xFFFF
    return crc


def frame(p):
    """Packet p as console lines: length + p + CRC, base64, 124-char lines."""
    b = struct.pack(">H", len(p) + 2) + p + struct.pack(">H", crc16(p))
    t = base64.b64encode(b)
    out, first = b"", True
    while t:
        out += (b"\x06\x09" if first else b"\x04\x14") + t[:124] + b"\n"
        t, first = t[124:], False
    return out


def read_frame(fd, wait):
    """The first whole SMP packet framed on console lines read from fd (the
    inverse of frame(): start and continuation lines, the length, a correct
    CRC), or None after `wait` seconds. Other console output on the line, and
    fragments that do not decode, are passed over."""
    buf, acc = b"", None
    end = time.time() + wait
    while time.time() < end:
        if select.select([fd], [], [], 0.05)[0]:
            buf += os.read(fd, 4096)
        while b"\n" in buf:
            line, buf = buf.split(b"\n", 1)
            line = line.strip(b"\r")
            i6, i4 = line.rfind(b"\x06\x09"), line.rfind(b"\x04\x14")
            try:
                if i6 >= 0:
                    acc = base64.b64decode(line[i6 + 2:])
                elif i4 >= 0 and acc is not None:
                    acc += base64.b64decode(line[i4 + 2:])
                else:
                    continue
            except ValueError:
                acc = None
                continue
            n = struct.unpack(">H", acc[:2])[0] if len(acc) >= 2 else 1 << 20
            if len(acc) - 2 >= n:
                p, c = acc[2:2 + n - 2], acc[2 + n - 2:2 + n]
                acc = None
                if n >= 2 and struct.pack(">H", crc16(p)) == c:
                    return p
    return None
