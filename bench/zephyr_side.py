"""Side by side with Zephyr's own SMP server (part of `make bench`).

The same 256 KiB goes from the same client (this file, window 1, the same
chunk size) to Zephyr 4.4.0's smp_svr built for native_sim and to extxip-sim,
over UDP and over serial (a PTY on both). Figures: wall time (ours / Zephyr)
and server instructions per byte inside SMP request processing (callgrind,
inclusive cost of Zephyr's smp_process_request_packet and of our
smp_process; extxip-sim runs with its flash timing model off).

Two workloads, because native_sim has no image group (no MCUboot) and its
littlefs is 16 KiB (4 blocks of 4 KiB: a 4 KiB file is the largest that
fits), so a 256 KiB image upload to Zephyr cannot exist:
  echo    256 KiB through os echo, 1024 bytes a request: the same command on
          both, decode + handler + encode, nothing stored.
  upload  256 KiB through an upload handler into flash, 512-byte chunks:
          Zephyr fs upload of a 4 KiB file 64 times (littlefs on native_sim's
          flash), ours image upload of a 256 KiB image (NOR model, SHA-256 of
          the image at the end). Different storage paths: read it as "what a
          user's upload costs on each", not as like for like.

The Zephyr servers are found in $EXTXIP_ZEPHYR_SMP_DIR or on PATH by their
fixture names (intercreate/smpclient tests/fixtures/smp-server); a row whose
server is absent says so. Zephyr's UDP server binds port 1337 (fixed): the
UDP rows run only when 1337 is free and keep it for a few seconds.
"""
import base64
import os
import re
import select
import shutil
import signal
import socket
import struct
import subprocess
import sys
import termios
import time
import tty

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "test", "support"))
from smpwire import dec, enc, frame, pkt  # noqa: E402

TOTAL = 256 * 1024
ZEPHYR = {
    "udp": "zephyr_4.4.0_smp_server_0eae053d_native_sim_udp.exe",
    "serial_echo": "zephyr_4.4.0_smp_server_0eae053d_native_sim_serial_buf2048.exe",
    "serial_fs": "zephyr_4.4.0_smp_server_0eae053d_native_sim_serial_fs.exe",
}
FS_FILE = 4096


def find_zephyr(name):
    d = os.environ.get("EXTXIP_ZEPHYR_SMP_DIR")
    if d and os.path.exists(os.path.join(d, name)):
        return os.path.join(d, name)
    return shutil.which(name)


def port_free(port):
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        try:
            s.bind(("0.0.0.0", port))
            return True
        except OSError:
            return False


# ------------------------------------------------------------------ links

class UdpLink:
    def __init__(self, port):
        self.s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.s.settimeout(5)
        self.a = ("127.0.0.1", port)

    def xfer(self, p):
        self.s.sendto(p, self.a)
        while True:
            r = self.s.recv(65536)
            if r[6] == p[6]:
                return r

    def close(self):
        self.s.close()


class SerialLink:
    def __init__(self, path):
        self.fd = os.open(path, os.O_RDWR | os.O_NOCTTY)
        tty.setraw(self.fd)
        termios.tcflush(self.fd, termios.TCIFLUSH)
        self.buf = b""

    def _packet(self):
        data, started, used = b"", False, 0
        for ln in self.buf.split(b"\n")[:-1]:
            used += len(ln) + 1
            if ln.startswith(b"\x06\x09"):
                data, started = base64.b64decode(ln[2:]), True
            elif ln.startswith(b"\x04\x14") and started:
                data += base64.b64decode(ln[2:])
            else:
                continue
            if len(data) >= 2 and len(data) - 2 >= struct.unpack(">H", data[:2])[0]:
                self.buf = self.buf[used:]
                return data[2:2 + struct.unpack(">H", data[:2])[0] - 2]
        return None

    def xfer(self, p):
        os.write(self.fd, frame(p))
        end = time.monotonic() + 10
        while time.monotonic() < end:
            r = self._packet()
            if r is not None and r[6] == p[6]:
                return r
            if select.select([self.fd], [], [], 0.5)[0]:
                self.buf += os.read(self.fd, 65536)
        raise TimeoutError("no reply")

    def close(self):
        os.close(self.fd)


# ------------------------------------------------------------------ workloads

def w_echo(link):
    s = "z" * 1024
    for i in range(TOTAL // 1024):
        r = link.xfer(pkt(2, 0, 0, enc({"d": s}), seq=i & 0xFF))
        if dec(r[8:])[0].get("r") != s:
            raise RuntimeError("echo answered %r" % dec(r[8:])[0])


def w_fs_upload(link):
    data = bytes((i * 7) & 0xFF for i in range(FS_FILE))
    seq = 0
    for _ in range(TOTAL // FS_FILE):
        off = 0
        while off < FS_FILE:
            body = {"name": "/lfs1/bench.bin", "off": off, "data": data[off:off + 512]}
            if off == 0:
                body["len"] = FS_FILE
            seq = (seq + 1) & 0xFF
            d = dec(link.xfer(pkt(2, 8, 0, enc(body), seq=seq))[8:])[0]
            if "off" not in d:
                raise RuntimeError("fs upload answered %r" % d)
            off = d["off"]


def w_image_upload(image):
    data = open(image, "rb").read()
    import hashlib
    sha = hashlib.sha256(data).digest()

    def go(link):
        off, seq = 0, 0
        while off < len(data):
            body = {"image": 0, "off": off, "data": data[off:off + 512]}
            if off == 0:
                body.update({"len": len(data), "sha": sha})
            seq = (seq + 1) & 0xFF
            d = dec(link.xfer(pkt(2, 1, 1, enc(body), seq=seq))[8:])[0]
            if "off" not in d:
                raise RuntimeError("image upload answered %r" % d)
            off = d["off"]
    return go


# ------------------------------------------------------------------ servers

class Server:
    def __init__(self, cmd, logpath, ready_re, cwd=None):
        self.logpath = logpath
        self.logf = open(logpath, "wb")
        self.p = subprocess.Popen(cmd, stdout=self.logf, stderr=subprocess.STDOUT, cwd=cwd,
                                  stdin=subprocess.DEVNULL)
        end = time.monotonic() + 60
        self.m = None
        while time.monotonic() < end and self.p.poll() is None:
            self.m = re.search(ready_re, open(logpath, "rb").read())
            if self.m:
                break
            time.sleep(0.05)
        if not self.m:
            self.stop()
            raise RuntimeError("server did not start: " + open(logpath, "rb").read()[-300:].decode(
                errors="replace"))

    def stop(self):
        if self.p.poll() is None:
            self.p.send_signal(signal.SIGTERM)
            try:
                self.p.wait(30)
            except subprocess.TimeoutExpired:
                self.p.kill()
                self.p.wait()
        self.logf.close()


def start_zephyr(exe, transport, work, tag, cg=None):
    cmd = [exe]
    if cg:
        cmd = ["valgrind", "--tool=callgrind", f"--callgrind-out-file={cg}"] + cmd
    log = os.path.join(work, tag + ".log")
    if transport == "udp":
        s = Server(cmd, log, rb"smp_udp: Started", cwd=work)
        time.sleep(0.3)
        return s, lambda: UdpLink(1337)
    s = Server(cmd, log, rb"connected to pseudotty: (\S+)", cwd=work)
    path = s.m.group(1).decode()
    time.sleep(0.3)
    return s, lambda: SerialLink(path)


def start_ours(b, transport, work, tag, key, cg=None):
    d = os.path.join(work, "flash-" + tag)
    shutil.rmtree(d, ignore_errors=True)
    subprocess.run([os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))),
                                 "scripts/provision"), b, d, "1.0.0"], check=True,
                   capture_output=True)
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as so:
        so.bind(("127.0.0.1", 0))
        port = so.getsockname()[1]
    link = os.path.join(d, "tty")
    cmd = [os.path.join(b, "port/posix/extxip-sim"), "run", "--flash-dir", d, "--udp",
           f"127.0.0.1:{port}", "--serial-link", link, "--timing", "none", "--key", key]
    if cg:
        cmd = ["valgrind", "--tool=callgrind", f"--callgrind-out-file={cg}"] + cmd
    s = Server(cmd, os.path.join(work, tag + ".log"), rb"SMP server running")
    time.sleep(0.2)
    return s, (lambda: UdpLink(port)) if transport == "udp" else (lambda: SerialLink(link))


def inclusive(cgfile, func):
    out = subprocess.run(["callgrind_annotate", "--inclusive=yes", "--threshold=100", cgfile],
                         capture_output=True, text=True).stdout
    best = 0
    for line in out.splitlines():
        m = re.match(r"\s*([\d,]+)\s", line)
        if m and re.search(r"[\s:]" + re.escape(func) + r"(\s|$|\.isra|\.part|\.constprop|\s\[)", line):
            best = max(best, int(m.group(1).replace(",", "")))
    return best


def measure(start, workload, work, tag, func):
    """Wall time (best of 2, no valgrind) and instructions of func (callgrind run)."""
    best = None
    for _ in range(2):
        srv, mk = start(None)
        try:
            link = mk()
            t0 = time.monotonic()
            workload(link)
            wall = time.monotonic() - t0
            link.close()
        finally:
            srv.stop()
        best = wall if best is None else min(best, wall)
    cg = os.path.join(work, tag + ".cg.out")
    if os.path.exists(cg):
        os.remove(cg)
    srv, mk = start(cg)
    try:
        link = mk()
        workload(link)
        link.close()
    finally:
        srv.stop()
    ins = inclusive(cg, func) if os.path.exists(cg) else 0
    return best, ins


def bench_zephyr(b, work_root, imgs, key, log):
    work = os.path.join(work_root, "zephyr")
    os.makedirs(work, exist_ok=True)
    rows = []
    plan = [
        ("udp", "echo", ZEPHYR["udp"], w_echo, w_echo),
        ("udp", "upload", ZEPHYR["udp"], w_fs_upload, w_image_upload(imgs["upload"])),
        ("serial", "echo", ZEPHYR["serial_echo"], w_echo, w_echo),
        ("serial", "upload", ZEPHYR["serial_fs"], w_fs_upload, w_image_upload(imgs["upload"])),
    ]
    for transport, wl, zname, zwork, owork in plan:
        row = {"figure": "zephyr", "transport": transport, "workload": wl, "bytes": TOTAL,
               "zephyr_server": zname}
        exe = find_zephyr(zname)
        if not exe:
            row["error"] = "Zephyr native_sim server absent (EXTXIP_ZEPHYR_SMP_DIR / PATH)"
            rows.append(row)
            continue
        if not shutil.which("valgrind"):
            row["error"] = "valgrind not installed"
            rows.append(row)
            continue
        if transport == "udp" and not port_free(1337):
            row["error"] = "UDP port 1337 (fixed in Zephyr's server) is in use"
            rows.append(row)
            continue
        tag = f"{transport}-{wl}"
        try:
            log(f"zephyr side by side: {tag}: Zephyr native_sim ...")
            zw, zi = measure(lambda cg: start_zephyr(exe, transport, work, "z-" + tag, cg), zwork,
                             work, "z-" + tag, "smp_process_request_packet")
            log(f"zephyr side by side: {tag}: extxip-sim ...")
            ow, oi = measure(lambda cg: start_ours(b, transport, work, "o-" + tag, key, cg), owork,
                             work, "o-" + tag, "smp_process")
        except Exception as e:  # report, never fail
            row["error"] = str(e)[:200]
            rows.append(row)
            continue
        row.update({"zephyr_wall_s": zw, "ours_wall_s": ow, "wall_ratio": ow / zw,
                    "zephyr_instructions": zi, "ours_instructions": oi,
                    "zephyr_per_byte": zi / TOTAL, "ours_per_byte": oi / TOTAL,
                    "instr_ratio": (oi / zi) if zi else None})
        rows.append(row)
    return rows
