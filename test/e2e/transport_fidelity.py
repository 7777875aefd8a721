#!/usr/bin/env python3
"""Transport behaviour a real device has and a simulator can get wrong
(issue 13 item 9, issue 14), each checked against what Zephyr 4.4.0's own
native_sim SMP server does (test/vectors/zephyr/README.md):

  oversize   UDP requests longer than the advertised buf_size are refused
             with rc 9 (ECORRUPT) and change nothing; up to buf_size is served.
  reboot     a request that reaches the device while it reboots is lost, never
             answered after the boot (its reply would carry a stale seq).
  halfframe  a serial frame half-sent before a reset is not completed by the
             bytes sent after it: the decoder restarts with the device.

  transport_fidelity.py CASE UDP_PORT [PTY_PATH]
Exit 0 pass, 1 fail (reason on stdout).
"""
import os
import signal
import select
import socket
import sys
import termios
import time
import tty

sys.dont_write_bytecode = True
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "support"))
from smpwire import dec, enc, frame, pkt  # noqa: E402

HANG = float(os.environ.get("EXTXIP_TEST_HANG", "300"))

WR, RD = 2, 0


def fail(msg):
    print("FAIL:", msg)
    sys.exit(1)


class Udp:
    def __init__(self, port):
        self.s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.a = ("127.0.0.1", port)

    def send(self, p):
        self.s.sendto(p, self.a)

    def recv(self, timeout):
        self.s.settimeout(timeout)
        try:
            return self.s.recv(65536)
        except socket.timeout:
            return None

    def q(self, p, timeout=30.0):
        self.send(p)
        r = self.recv(timeout)
        if r is None:
            fail("no reply to seq %d" % p[6])
        return r, dec(r[8:])[0]

    def wait_up(self, seq, stale=None):
        # HANG bound only (a hung device), never a verdict on a slow one.
        end = time.time() + HANG
        while time.time() < end:
            self.send(pkt(WR, 0, 0, enc({"d": "up"}), seq=seq))
            r = self.recv(0.2)
            while r is not None and r[6] != seq:  # older tries answered late
                if r[6] == stale:
                    fail("a request sent before the reboot was answered after it: seq %d %r"
                         % (stale, dec(r[8:])[0]))
                r = self.recv(0.2)
            if r is not None:
                return
        fail("device did not come back")


def echo_pkt(total, seq):
    """An echo request exactly `total` bytes long (header included)."""
    k = total - 12
    while True:
        p = pkt(WR, 0, 0, enc({"d": "x" * k}), seq=seq)
        if len(p) == total:
            return p
        k -= 1


def oversize(u):
    params = u.q(pkt(RD, 0, 6, enc({}), seq=1))[1]
    bs = params.get("buf_size")
    if not isinstance(bs, int):
        fail("params: %r" % params)
    r, d = u.q(echo_pkt(bs - 8, 2))
    if "r" not in d:
        fail("echo of %d bytes (< buf_size %d) refused: %r" % (bs - 8, bs, d))
    for total in (bs + 1, bs + 500):
        r, d = u.q(echo_pkt(total, 3))
        if d != {"rc": 9} or r[6] != 3:
            fail("echo of %d bytes (> buf_size %d): want {rc: 9}, got %r" % (total, bs, d))
    before = u.q(pkt(RD, 1, 0, enc({}), seq=4))[1]
    chunk = enc({"image": 1, "len": 100000, "off": 0, "data": b"\xaa" * 60000, "sha": bytes(32)})
    r, d = u.q(pkt(WR, 1, 1, chunk, seq=5))
    if d != {"rc": 9}:
        fail("60000-byte upload chunk: want {rc: 9}, got %r" % d)
    after = u.q(pkt(RD, 1, 0, enc({}), seq=6))[1]
    if before != after:
        fail("image state changed by a refused oversize chunk")
    # the refused chunk opened no session: a first chunk at off 0 is still what it wants
    print("ok: oversize requests refused with rc 9, buf_size %d served" % bs)


def reboot(u, pid):
    # The device is held (SIGSTOP) while both datagrams reach its socket, so
    # the stale request is queued before the reset runs whatever the load:
    # otherwise a client descheduled between the two sends could deliver it
    # to the new boot, which rightly answers it.
    os.kill(pid, signal.SIGSTOP)
    try:
        u.send(pkt(WR, 0, 5, enc({}), seq=10))            # reset
        u.send(pkt(WR, 0, 0, enc({"d": "stale"}), seq=11))  # queued behind it
    finally:
        os.kill(pid, signal.SIGCONT)
    r = u.recv(30.0)
    if r is None or r[6] != 10:
        fail("reset not answered first: %r" % r)
    u.wait_up(12, stale=11)
    late = u.recv(0.5)  # the device is back; only seq 12 was asked since
    while late is not None and late[6] == 12:  # extra answers to the up probes
        late = u.recv(0.5)
    if late is not None:
        fail("a request sent during the reboot was answered after it: seq %d %r"
             % (late[6], dec(late[8:])[0]))
    r, d = u.q(pkt(WR, 0, 0, enc({"d": "fresh"}), seq=13))
    if r[6] != 13 or d != {"r": "fresh"}:
        fail("after the reboot: %r" % d)
    print("ok: request sent during the reboot lost, the next one answered")


def halfframe(u, pty):
    fd = os.open(pty, os.O_RDWR | os.O_NOCTTY)
    tty.setraw(fd)
    termios.tcflush(fd, termios.TCIFLUSH)
    f = frame(pkt(WR, 0, 0, enc({"d": "half" * 20}), seq=20))
    cut = len(f) // 2
    os.write(fd, f[:cut])
    time.sleep(0.2)
    u.send(pkt(WR, 0, 5, enc({}), seq=21))  # reset over UDP
    r = u.recv(30.0)
    if r is None or r[6] != 21:
        fail("reset not answered")
    time.sleep(0.5)
    u.wait_up(22)
    termios.tcflush(fd, termios.TCIFLUSH)
    os.write(fd, f[cut:])
    got = b""
    end = time.time() + 1.0
    while time.time() < end:
        if select.select([fd], [], [], 0.1)[0]:
            got += os.read(fd, 4096)
    if b"\x06\x09" in got:
        fail("the half frame from before the reset was completed and answered: %r" % got[:80])
    os.write(fd, frame(pkt(WR, 0, 0, enc({"d": "whole"}), seq=23)))
    got = b""
    end = time.time() + HANG  # ends at the frame's newline; the bound is for a hang
    while time.time() < end and not got.endswith(b"\n"):
        if select.select([fd], [], [], 0.1)[0]:
            got += os.read(fd, 4096)
    if not got.startswith(b"\x06\x09"):
        fail("a whole frame after it was not answered: %r" % got[:80])
    os.close(fd)
    print("ok: half frame across a reset dropped, the next frame answered")


def main():
    case, port = sys.argv[1], int(sys.argv[2])
    u = Udp(port)
    if case == "oversize":
        oversize(u)
    elif case == "reboot":
        reboot(u, int(sys.argv[3]))
    elif case == "halfframe":
        halfframe(u, sys.argv[3])
    else:
        fail("unknown case " + case)


main()
