#!/usr/bin/env python3
"""make bench: run every benchmark, print one table, write BUILD/bench.json.

Each figure: our value, the floor (or baseline) measured or computed in the
same run, and their ratio. Nothing here passes or fails on time; a run that
cannot measure something says why in the table.

  bench/bench.py BUILD_DIR [--quick]
      [--only serial,serialflash,udpflash,cpu,crypto,boot,validate,size,firmware,fwecdsa,zephyr,ble,bleflash,fleet,compress]

--quick skips the 115200-baud serial runs (the slowest, ~1 min each) and runs the
fleet figure with untimed flash (real-time datasheet flash takes ~3 min).
compress: compressed images (issue 22); its install rows need a build with
-DEXTXIP_BOOT_COMPRESSION=ON (make bench COMPRESS=1), else they say so.
zephyr: side by side with Zephyr's own SMP server when its native_sim build
is present (bench/zephyr_side.py; EXTXIP_ZEPHYR_SMP_DIR); else rows say why.
"""
import argparse
import json
import math
import os
import re
import shutil
import signal
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
KEY = os.path.join(ROOT, "boards/nrf5340dk/extxip-dev-ec-p256.pem")
UPLOAD_SIZE = 256 * 1024
CHUNKS = [128, 512, 1024, 2048]
BAUDS = [115200, 1000000]
SIGN = ["--key", KEY, "--header-size", "0x200", "--pad-header", "--align", "4"]


def log(msg):
    print(msg, file=sys.stderr, flush=True)


def run(cmd, **kw):
    return subprocess.run(cmd, check=True, capture_output=True, text=True, **kw)


def jlines(text):
    return [json.loads(l) for l in text.splitlines() if l.startswith("{")]


# ---------------------------------------------------------------- images

def make_images(b, work):
    """v1/v2 of the sample (scripts/provision), a 256 KiB upload image, and a
    512 KiB image 0 with a delta that changes 5 % of its sectors."""
    sim = os.path.join(b, "port/posix/extxip-sim")
    imgtool = os.path.join(b, "tools/imgtool/extxip-imgtool")
    for ver in ("1.0.0", "2.0.0"):
        d = os.path.join(work, "v" + ver[0])
        run([os.path.join(ROOT, "scripts/provision"), b, "/nonexistent", ver, d])
        for n in range(3):
            shutil.copy(os.path.join(d, f"img{n}-v{ver}.bin"), os.path.join(d, f"img{n}.bin"))

    def sign(raw, out, ver, deps=None, slot="0xd4000"):
        cmd = [imgtool, "sign", *SIGN, "--version", ver, "--slot-size", slot]
        if deps:
            cmd += ["--dependencies", deps]
        run(cmd + [raw, out])

    # Exactly 256 KiB signed: find the signing overhead, then size the payload.
    raw = os.path.join(work, "up.raw")
    up = os.path.join(work, "upload-256k.bin")
    size = UPLOAD_SIZE - 700
    for _ in range(4):
        run([sim, "mkpayload", "--part", "app", "--size", str(size), "--seed", "7", "-o", raw])
        sign(raw, up, "1.1.0")
        got = os.path.getsize(up)
        if got == UPLOAD_SIZE:
            break
        size += UPLOAD_SIZE - got

    # Delta: 512 KiB app (128 sectors); change 5 % of the signed image's
    # sectors in total, counting the header sector and the TLV sector that
    # re-signing always changes.
    base_raw = os.path.join(work, "big.raw")
    run([sim, "mkpayload", "--part", "app", "--size", str(512 * 1024), "--seed", "1",
         "-o", base_raw])
    base = os.path.join(work, "big-v1.bin")
    sign(base_raw, base, "1.0.0", "(2,1.0.0)")
    sectors = math.ceil(os.path.getsize(base) / 4096)
    want = math.ceil(sectors * 0.05)
    data = bytearray(open(base_raw, "rb").read())
    # image sector k holds raw bytes [k*4096-0x200, (k+1)*4096-0x200); spread
    # the changed ones over the image, away from the first and last sector.
    picks = [1 + (i * (sectors - 3)) // max(1, want - 2) for i in range(max(0, want - 2))]
    for k in picks:
        at = k * 4096 - 0x200 + 2048
        for j in range(64):
            data[at + j] ^= 0x5A
    delta_raw = os.path.join(work, "big-delta.raw")
    open(delta_raw, "wb").write(bytes(data))
    delta = os.path.join(work, "big-v1.0.1.bin")
    sign(delta_raw, delta, "1.0.1", "(2,1.0.0)")
    # Count the sectors that really differ.
    a, c = open(base, "rb").read(), open(delta, "rb").read()
    n = max(len(a), len(c))
    a, c = a.ljust(n, b"\xff"), c.ljust(n, b"\xff")
    changed = sum(1 for k in range(0, n, 4096) if a[k:k + 4096] != c[k:k + 4096])
    return {"upload": up, "base0": base, "delta0": delta, "delta_sectors": sectors,
            "delta_changed": changed}


# ---------------------------------------------------------------- 1. serial

def b64_frame_bytes(pkt_len, line_chars=124):
    """Bytes on the wire for one SMP packet in serial framing (docs/protocol.md §9.1):
    2-byte length + packet + CRC16, base64, cut into lines of at most 124
    characters, each line with a 2-byte marker and a newline."""
    raw = pkt_len + 4
    chars = (raw + 2) // 3 * 4
    lines = (chars + line_chars - 1) // line_chars
    return chars + 3 * lines


def cbor_head(v):
    return 1 if v < 24 else 2 if v < 256 else 3 if v < 65536 else 5 if v < 2**32 else 9


def upload_pkt_len(off, n, total, first, sha_len=32, image=0):
    """SMP header + the smallest CBOR body an upload request can have (docs/protocol.md §7.5):
    first {"len","off","sha","data","image","upgrade"}, then {"off","data"}."""
    body = 1
    body += 4 + cbor_head(off) + 5 + cbor_head(n) + n
    if first:
        body += 4 + cbor_head(total) + 4 + cbor_head(sha_len) + sha_len
        body += 6 + cbor_head(image) + 8 + 1
    return 8 + body


def rsp_pkt_len(off):
    """Smallest upload response: header + {"off": off} as a definite map."""
    return 8 + 1 + 4 + cbor_head(off)


def max_data(off, size, pkt_max):
    """Largest chunk whose request packet fits pkt_max (the client's rule; the
    CBOR heads of "off" and "data" grow with the values, so it varies)."""
    n = pkt_max
    while n > 0 and upload_pkt_len(off, n, size, off == 0) > pkt_max:
        n -= 1
    return n


def serial_floor(size, pkt_max, baud):
    """Floor of a serial upload with packets of at most pkt_max bytes: every
    request's frame bytes up the line; down the line the responses, which on
    a full-duplex UART overlap the requests except the last one (for the
    `sum` form every response is counted as if the line were half duplex)."""
    up = down = 0
    off, last_rsp = 0, 0
    while off < size:
        n = min(max_data(off, size, pkt_max), size - off)
        up += b64_frame_bytes(upload_pkt_len(off, n, size, off == 0))
        last_rsp = b64_frame_bytes(rsp_pkt_len(off + n))
        down += last_rsp
        off += n
    byte_s = 10.0 / baud
    return {"up_bytes": up, "down_bytes": down,
            "floor_s": (up + last_rsp) * byte_s,       # full duplex
            "floor_sum_s": (up + down) * byte_s}       # every byte in turn


def boost():
    """Run the timed processes ahead of unrelated load on the machine (other
    builds share the CPUs); without privileges this quietly does nothing."""
    try:
        os.nice(-10)
    except OSError:
        pass


class Proc:
    def __init__(self, cmd, logpath):
        self.logf = open(logpath, "w")
        self.p = subprocess.Popen(cmd, stdout=self.logf, stderr=subprocess.STDOUT,
                                  preexec_fn=boost)

    def stop(self):
        if self.p.poll() is None:
            self.p.send_signal(signal.SIGTERM)
            try:
                self.p.wait(5)
            except subprocess.TimeoutExpired:
                self.p.kill()
                self.p.wait()
        self.logf.close()


def wait_path(path, proc, secs=10):
    t = time.time() + secs
    while time.time() < t:
        if os.path.exists(path):
            return True
        if proc.p.poll() is not None:
            return False
        time.sleep(0.05)
    return False


def serial_upload(b, work, img, baud, buf_size, window, tag, timing="none", dirty=None,
                  pipeline="on", idle_first=False, image=0):
    sim = os.path.join(b, "port/posix/extxip-sim")
    mcumgr = os.path.join(b, "tools/mcumgr/extxip-mcumgr")
    pace = os.path.join(b, "bench/bench-pace")
    d = os.path.join(work, "dev-" + tag)
    shutil.rmtree(d, ignore_errors=True)
    os.makedirs(d)
    run([os.path.join(ROOT, "scripts/provision"), b, d, "1.0.0"])
    if dirty:
        # A secondary slot that needs erasing: another, larger image already
        # there (not the upload itself, which the device would resume as done).
        run([sim, "program", "--flash-dir", d, "mcuboot_secondary", dirty])
    simlink, clink = os.path.join(d, "sim.tty"), os.path.join(d, "client.tty")
    import socket
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as so:
        so.bind(("127.0.0.1", 0))  # a free port: the simulator wants one
        port = so.getsockname()[1]
    simcmd = [sim, "run", "--flash-dir", d, "--udp", f"127.0.0.1:{port}", "--serial-link", simlink,
              "--timing", timing, "--key", KEY, "--flash-pipeline", pipeline]
    if timing != "none":
        simcmd.append("--real-time")  # the modelled flash time passes on the clock
    if buf_size:
        simcmd += ["--buf-size", str(buf_size)]
    s = Proc(simcmd, os.path.join(d, "sim.log"))
    r = None
    try:
        if not wait_path(simlink, s):
            raise RuntimeError("simulator did not start: see " + os.path.join(d, "sim.log"))
        r = Proc([pace, "--baud", str(baud), "--dev", simlink, "--link", clink],
                 os.path.join(d, "pace.log"))
        if not wait_path(clink, r):
            raise RuntimeError("pacing relay did not start")
        if idle_first:
            wait_idle_erased(d, s)
        cmd = [mcumgr, "--conntype", "serial", "--connstring", f"dev={clink},baud={baud}",
               "--json", "--quiet", "-t", "30", "image", "upload", img, "-n", str(image),
               "-w", str(window)]
        t0 = time.monotonic()
        out = subprocess.run(cmd, capture_output=True, text=True, preexec_fn=boost)
        wall = time.monotonic() - t0
        res = jlines(out.stdout)
        if out.returncode != 0 or not res or not res[-1].get("ok"):
            raise RuntimeError("upload failed: " + (out.stdout + out.stderr).strip()[-300:])
        res = res[-1]
        res["wall_s"] = wall
    finally:
        if r:
            r.stop()
        s.stop()
    # The relay's account of the up line: idle time while the client had
    # nothing queued (protocol waits and scheduling stalls alike).
    m = re.search(r"up line idle ([\d.]+) s in (\d+) gaps", open(os.path.join(d, "pace.log")).read())
    if m:
        res["up_idle_s"], res["up_gaps"] = float(m.group(1)), int(m.group(2))
    return res


def bench_serial(b, work, imgs, quick):
    rows = []
    size = os.path.getsize(imgs["upload"])
    configs = [("ours", None, 5), ("reference-like", 384, 1)]
    for baud in BAUDS:
        if quick and baud < 1000000:
            continue
        for name, buf, win in configs:
            # Best of N: the machine may be shared, and a stalled process only
            # ever makes a run slower, never faster than the link allows.
            tries = 3 if baud >= 1000000 else 1
            best, err = None, None
            for t in range(tries):
                log(f"serial: {baud} baud, {name} (run {t + 1}/{tries}) ...")
                try:
                    u = serial_upload(b, work, imgs["upload"], baud, buf, win, f"{name}-{baud}")
                    if best is None or u["seconds"] < best["seconds"]:
                        best = u
                except Exception as e:  # report, never fail
                    err = str(e)
            if best is None:
                rows.append({"figure": "serial", "config": name, "baud": baud, "error": err})
                continue
            u = best
            fl = serial_floor(size, u["packet_max"], baud)
            goodput = size / u["seconds"]
            rows.append({
                "figure": "serial", "config": name, "baud": baud, "bytes": size,
                "seconds": u["seconds"], "goodput_Bps": goodput,
                "floor_s": fl["floor_s"], "floor_goodput_Bps": size / fl["floor_s"],
                "ratio": fl["floor_s"] / u["seconds"],
                "floor_sum_s": fl["floor_sum_s"], "ratio_sum": fl["floor_sum_s"] / u["seconds"],
                "up_bytes": fl["up_bytes"], "down_bytes": fl["down_bytes"],
                "chunk": u["chunk"], "first_chunk": u["first_chunk"], "window": u["window"],
                "packet_max": u["packet_max"], "requests": u["requests"],
                "retransmits": u["retransmits"], "resyncs": u["resyncs"],
                "link_s": size * 10.0 / baud, "runs": tries,
                "up_idle_s": u.get("up_idle_s"), "up_gaps": u.get("up_gaps"),
            })
    return rows


# MX25R6435F (the secondary slots' QSPI NOR) as port/posix/simflash.c models
# it (docs/flash-model.md): 4 KiB sector erase, 256-byte page program.
QSPI = {"sector": 4096, "page": 256,
        "typical": {"erase_s": 0.040, "prog_s": 0.00085},
        "worst": {"erase_s": 0.384, "prog_s": 0.005376}}


# Block erase (SFDP erase type 2, 32 KiB; docs/flash-model.md): cheaper per
# byte than 8 sectors (typical 240 ms vs 320 ms, worst 1.92 s vs 3.07 s).
QSPI["block"] = 32768
QSPI["typical"]["block_s"], QSPI["worst"]["block_s"] = 0.240, 1.920


def flash_floor(size, timing, dirty, blocks=False):
    """Least time the secondary slot's flash needs for an upload of size bytes:
    program every page; erase every sector the image occupies when the slot
    is not blank (the sectors after it are not counted); with blocks, the
    whole 32 KiB blocks among them in one block erase each (slot 0 starts at
    a block boundary)."""
    t = QSPI[timing]
    pages = math.ceil(size / QSPI["page"])
    sectors = math.ceil(size / QSPI["sector"]) if dirty else 0
    if blocks and dirty:
        nblk = size // QSPI["block"]
        rest = sectors - nblk * (QSPI["block"] // QSPI["sector"])
        return pages * t["prog_s"] + nblk * t["block_s"] + rest * t["erase_s"]
    return pages * t["prog_s"] + sectors * t["erase_s"]


def consumed_image(work, base, size):
    """The secondary as the bootloader leaves it after installing `base`: its
    header sector erased, the rest of the old image (first size bytes) still
    there. Erase-when-idle makes such a slot blank."""
    out = os.path.join(work, "consumed-%d.bin" % size)
    data = bytearray(open(base, "rb").read()[:size])
    data[:4096] = b"\xff" * 4096
    open(out, "wb").write(bytes(data))
    return out


def bench_serial_flash(b, work, imgs):
    """Serial uploads at 1 Mbaud with the flash model on (real time): the
    serial rows above have --timing none (the device's flash takes no time).
    Floor: the slower of the link floor and the flash floor. Each case twice
    in the same run: the flash blocking every operation, sector erase only
    (--flash-pipeline off, as before issue 28), and in the background with
    block erase ahead (on; its flash floor counts block erases). Then the
    upload that follows idle time: the slot held a consumed image (header
    erased by the bootloader), the device erased it when idle, and the
    upload starts once the simulator says so."""
    rows = []
    size = os.path.getsize(imgs["upload"])
    baud = 1000000
    consumed = consumed_image(work, imgs["base0"], size + 16 * 1024)
    cases = [(t, dirty, pipe, False) for t in ("typical", "worst") for dirty in (False, True)
             for pipe in ("off", "on")]
    cases += [("typical", True, "on", True), ("worst", True, "on", True)]
    for timing, dirty, pipe, idle in cases:
        slot = ("slot erased when idle" if idle else "slot needs erase" if dirty else "blank slot")
        cfg = f"{timing}, {slot}, pipeline {pipe}"
        log(f"serial+flash: {baud} baud, {cfg} ...")
        try:
            u = serial_upload(b, work, imgs["upload"], baud, None, 5,
                              f"flash-{timing}-{int(dirty)}-{pipe}-{int(idle)}", timing,
                              (consumed if idle else imgs["base0"]) if dirty else None,
                              pipeline=pipe, idle_first=idle)
        except Exception as e:
            rows.append({"figure": "serial-flash", "config": cfg, "error": str(e)})
            continue
        link = serial_floor(size, u["packet_max"], baud)["floor_s"]
        fl = flash_floor(size, timing, dirty and not idle, blocks=(pipe == "on"))
        rows.append({"figure": "serial-flash", "config": cfg, "baud": baud,
                     "timing": timing, "dirty": dirty, "pipeline": pipe, "idle_first": idle,
                     "bytes": size, "seconds": u["seconds"],
                     "goodput_Bps": size / u["seconds"], "link_floor_s": link,
                     "flash_floor_s": fl, "floor_s": max(link, fl),
                     "sector_flash_floor_s": flash_floor(size, timing, dirty),
                     "ratio_link": link / u["seconds"], "ratio": max(link, fl) / u["seconds"],
                     "up_idle_s": u.get("up_idle_s"), "up_gaps": u.get("up_gaps")})
    return rows


def wait_idle_erased(d, proc, secs=120):
    """Let the device idle until its background eraser says it is done (the
    simulator logs it); the upload after it is the one measured."""
    log_path = os.path.join(d, "sim.log")
    t0 = time.monotonic()
    while time.monotonic() - t0 < secs:
        if proc.p.poll() is not None:
            raise RuntimeError("simulator stopped: see " + log_path)
        if "idle erase done" in open(log_path).read():
            return time.monotonic() - t0
        time.sleep(0.2)
    raise RuntimeError("background erase did not finish in %d s" % secs)


def udp_upload(b, work, img, timing, tag, pipeline="on"):
    sim = os.path.join(b, "port/posix/extxip-sim")
    mcumgr = os.path.join(b, "tools/mcumgr/extxip-mcumgr")
    d = os.path.join(work, "dev-" + tag)
    shutil.rmtree(d, ignore_errors=True)
    os.makedirs(d)
    run([os.path.join(ROOT, "scripts/provision"), b, d, "1.0.0"])
    import socket
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as so:
        so.bind(("127.0.0.1", 0))
        port = so.getsockname()[1]
    simcmd = [sim, "run", "--flash-dir", d, "--udp", f"127.0.0.1:{port}", "--timing", timing,
              "--key", KEY, "--flash-pipeline", pipeline]
    if timing != "none":
        simcmd.append("--real-time")
    s = Proc(simcmd, os.path.join(d, "sim.log"))
    try:
        time.sleep(0.5)
        cmd = [mcumgr, "--conntype", "udp", "--connstring", f"127.0.0.1:{port}", "--json",
               "--quiet", "-t", "30", "image", "upload", img, "-n", "0"]
        out = subprocess.run(cmd, capture_output=True, text=True, preexec_fn=boost)
        res = jlines(out.stdout)
        if out.returncode != 0 or not res or not res[-1].get("ok"):
            raise RuntimeError("upload failed: " + (out.stdout + out.stderr).strip()[-300:])
        return res[-1]
    finally:
        s.stop()


def bench_udp_flash(b, work, imgs):
    """UDP upload (loopback: the link costs ~nothing) with the flash model on,
    blank slot: the floor is the flash floor (programming every page). Each
    timing twice in the same run: the flash blocking every operation (before
    issue 28, --flash-pipeline off) and in the background (on)."""
    rows = []
    size = os.path.getsize(imgs["upload"])
    for timing, pipe in (("none", "on"), ("typical", "off"), ("typical", "on"),
                         ("worst", "off"), ("worst", "on")):
        log(f"udp+flash: {timing} timing, flash pipeline {pipe} ...")
        cfg = timing if timing == "none" else f"{timing}, pipeline {pipe}"
        try:
            u = udp_upload(b, work, imgs["upload"], timing, f"udp-{timing}-{pipe}", pipe)
        except Exception as e:
            rows.append({"figure": "udp-flash", "config": cfg, "error": str(e)})
            continue
        fl = flash_floor(size, timing, False) if timing != "none" else None
        rows.append({"figure": "udp-flash", "config": cfg, "timing": timing, "pipeline": pipe,
                     "bytes": size,
                     "seconds": u["seconds"], "goodput_Bps": size / u["seconds"],
                     "flash_floor_s": fl, "ratio": fl / u["seconds"] if fl else None,
                     "chunk": u.get("chunk"), "requests": u.get("requests")})
    return rows


# ---------------------------------------------------------------- compressed images

def compressed_build(b):
    try:
        return "EXTXIP_BOOT_COMPRESSION:BOOL=ON" in open(os.path.join(b, "CMakeCache.txt")).read()
    except OSError:
        return False


def bench_compress(b, work, quick):
    """Issue 22, MCUboot compressed images: the sample's three v2 images built from
    code-like parts (COMPRESS=1 scripts/provision, extxip-sim mkpayload --code), plain
    and signed with --compression lzma2armthumb. Per image: compressed / plain bytes;
    the upload time of the compressed image over serial at 1 Mbaud (best of 3) and
    on the BLE model (bench_ble: LL packets counted on btvirt, air time modelled) as a
    ratio to the plain image's link floor (below 1.0: faster than the link can carry
    the plain image), the plain upload's own ratio beside it. Then the update boot's
    install of all three, compressed against plain (bench-boot install): the flash
    model's time and the host instructions (callgrind), which only a build with
    -DEXTXIP_BOOT_COMPRESSION=ON can do."""
    sys.path.insert(0, HERE)
    import bench_ble
    d = {}
    for ver in ("1.0.0", "2.0.0"):
        d[ver] = os.path.join(work, "vc" + ver[0])
        run([os.path.join(ROOT, "scripts/provision"), b, "/nonexistent", ver, d[ver]],
            env=dict(os.environ, COMPRESS="1"))
    v1, v2 = d["1.0.0"], d["2.0.0"]
    plain_dir, comp_dir = os.path.join(work, "vc2-plain"), os.path.join(work, "vc2-comp")
    for x in (plain_dir, comp_dir):
        os.makedirs(x, exist_ok=True)
    for n in range(3):
        shutil.copy(os.path.join(v1, f"img{n}-v1.0.0.bin"), os.path.join(v1, f"img{n}.bin"))
        shutil.copy(os.path.join(v2, f"img{n}-v2.0.0.bin"), os.path.join(plain_dir, f"img{n}.bin"))
        shutil.copy(os.path.join(v2, f"img{n}-v2.0.0-c.bin"), os.path.join(comp_dir, f"img{n}.bin"))
    rows = []
    baud = 1000000
    for n in range(3):
        plain = os.path.join(plain_dir, f"img{n}.bin")
        comp = os.path.join(comp_dir, f"img{n}.bin")
        ps, cs = os.path.getsize(plain), os.path.getsize(comp)
        rows.append({"figure": "compress-bytes", "image": n, "plain_bytes": ps,
                     "compressed_bytes": cs, "ratio": cs / ps})
        for kind, img in (("compressed", comp), ("plain", plain)):
            best, err = None, None
            for t in range(1 if quick and kind == "plain" else 3):
                log(f"compress: serial {baud} baud, image {n} {kind} (run {t + 1}) ...")
                try:
                    u = serial_upload(b, work, img, baud, None, 5, f"comp-{n}-{kind}", image=n)
                    if best is None or u["seconds"] < best["seconds"]:
                        best = u
                except Exception as e:  # report, never fail
                    err = str(e)
            if best is None:
                rows.append({"figure": "compress-serial", "image": n, "kind": kind, "error": err})
                continue
            fl = serial_floor(ps, best["packet_max"], baud)["floor_s"]
            rows.append({"figure": "compress-serial", "image": n, "kind": kind, "baud": baud,
                         "bytes": os.path.getsize(img), "seconds": best["seconds"],
                         "plain_floor_s": fl, "ratio": best["seconds"] / fl})
        for kind, img in (("compressed", comp), ("plain", plain)):
            log(f"compress: ble model, image {n} {kind} ...")
            r = bench_ble.upload(b, work, img, n, f"comp-{n}-{kind}")
            if "error" in r:
                rows.append({"figure": "compress-ble", "image": n, "kind": kind, "error": r["error"]})
                continue
            fl = bench_ble.floor_s(ps, r["packet_max"], r["mtu"])
            rows.append({"figure": "compress-ble", "image": n, "kind": kind, "bytes": r["bytes"],
                         "model_s": r["model_s"], "plain_floor_s": fl, "ratio": r["model_s"] / fl,
                         "model": bench_ble.MODEL})
    if not compressed_build(b):
        rows.append({"figure": "compress-install", "config": "",
                     "error": "this build has no EXTXIP_BOOT_COMPRESSION (make bench COMPRESS=1)"})
        return rows
    boot = os.path.join(b, "bench/bench-boot")
    res = {}
    for kind, vd in (("plain", plain_dir), ("compressed", comp_dir)):
        log(f"compress: install of the three {kind} images (flash model, callgrind) ...")
        try:
            for timing in ("typical", "worst"):
                r = jlines(run([boot, "install", KEY, v1, vd, timing]).stdout)[-1]
                res[(kind, timing)] = r
            if shutil.which("valgrind"):
                counts, out, cg = callgrind([boot, "install", KEY, v1, vd, "none"], work,
                                            "install-" + kind)
                ins = counts["install"]
                fm = inclusive(cg, "install", r"simflash_(write|program|erase|read)\b|sf_(write|erase|read)")
                res[(kind, "cpu")] = {"ok": jlines(out)[-1]["ok"], "instructions": ins,
                                      "without_flash_model": ins - fm}
        except Exception as e:
            rows.append({"figure": "compress-install", "config": kind, "error": str(e)[-200:]})
            return rows
    for timing in ("typical", "worst"):
        p, c = res[("plain", timing)], res[("compressed", timing)]
        rows.append({"figure": "compress-install", "config": timing, "ok": p["ok"] and c["ok"],
                     "compressed_s": c["time_ns"] / 1e9, "plain_s": p["time_ns"] / 1e9,
                     "ratio": c["time_ns"] / p["time_ns"],
                     "compressed_bytes_programmed": c["bytes_programmed"],
                     "plain_bytes_programmed": p["bytes_programmed"],
                     "compressed_sig_verifications": c["sig_verifications"],
                     "plain_sig_verifications": p["sig_verifications"]})
    if ("plain", "cpu") in res:
        p, c = res[("plain", "cpu")], res[("compressed", "cpu")]
        rows.append({"figure": "compress-install", "config": "cpu", "ok": p["ok"] and c["ok"],
                     "compressed_instructions": c["instructions"],
                     "plain_instructions": p["instructions"],
                     "ratio": c["instructions"] / p["instructions"],
                     "compressed_core": c["without_flash_model"], "plain_core": p["without_flash_model"],
                     "ratio_core": c["without_flash_model"] / p["without_flash_model"]})
    return rows


# ---------------------------------------------------------------- callgrind

def callgrind(cmd, work, tag):
    """Run cmd under callgrind; returns ({dump label: instructions}, stdout)."""
    d = os.path.join(work, "cg-" + tag)
    shutil.rmtree(d, ignore_errors=True)
    os.makedirs(d)
    out = subprocess.run(["valgrind", "--tool=callgrind", "--collect-atstart=yes",
                          f"--callgrind-out-file={d}/cg.out", *cmd],
                         capture_output=True, text=True)
    if out.returncode != 0:
        raise RuntimeError(out.stderr.strip()[-400:])
    counts = {}
    for f in sorted(os.listdir(d)):
        label, total = None, None
        with open(os.path.join(d, f)) as fh:
            for line in fh:
                m = re.match(r"desc: Trigger: Client Request: (\S+)", line)
                if m:
                    label = m.group(1)
                m = re.match(r"(?:summary|totals): (\d+)", line)
                if m:
                    total = int(m.group(1))
        if label and total is not None:
            counts[label] = total
    return counts, out.stdout, d


def inclusive(dumpdir, label, func_re):
    """Inclusive instructions of functions matching func_re in one dump."""
    for f in os.listdir(dumpdir):
        p = os.path.join(dumpdir, f)
        if label not in open(p).read(2000):
            continue
        out = subprocess.run(["callgrind_annotate", "--inclusive=yes", "--threshold=100", p],
                             capture_output=True, text=True).stdout
        best = 0
        for line in out.splitlines():
            m = re.match(r"\s*([\d,]+)\s+\(.*?\)\s+\S*:?(\S+)", line) or \
                re.match(r"\s*([\d,]+)\s+\S*:?(\S+)", line)
            if m and re.search(func_re, line):
                best = max(best, int(m.group(1).replace(",", "")))
        return best
    return 0


def bench_cpu(b, work, imgs):
    if not shutil.which("valgrind"):
        return [{"figure": "cpu", "error": "valgrind not installed"}]
    log("cpu: callgrind over bench-smp-cpu ...")
    counts, out, d = callgrind([os.path.join(b, "bench/bench-smp-cpu"), imgs["upload"],
                                *map(str, CHUNKS)], work, "smp")
    info = {r["section"]: r for r in jlines(out)}
    floor = counts.get("memcpy")
    rows = []
    for c in CHUNKS:
        lab = f"upload-{c}"
        r = info.get(lab, {})
        ins = counts.get(lab)
        if ins is None or not r.get("ok"):
            rows.append({"figure": "cpu", "chunk": c, "error": "no result"})
            continue
        size = r["bytes"]
        flash = inclusive(d, lab, r"simflash_(write|program|erase|read)\b|sf_(write|erase|read)")
        sha = inclusive(d, lab, r"mbedtls_(internal_)?sha256_process|br_sha2small_round")
        rows.append({"figure": "cpu", "chunk": c, "bytes": size, "requests": r["requests"],
                     "instructions": ins, "per_byte": ins / size,
                     "floor_instructions": floor, "floor_per_byte": floor / size,
                     "ratio": ins / floor, "sim_flash_model_instructions": flash,
                     "sha256_instructions": sha,
                     # what is left once the end-of-upload SHA-256 check of the
                     # slot and the simulator's NOR model (hardware on a device)
                     # are taken out: decode, dispatch, write path, replies
                     "core_per_byte": (ins - sha - flash) / size})
    return rows


def bench_validate(b, work):
    if not shutil.which("valgrind"):
        return [{"figure": "validate", "error": "valgrind not installed"}]
    log("validate: callgrind over bench-boot validate ...")
    counts, out, d = callgrind([os.path.join(b, "bench/bench-boot"), "validate", KEY,
                                os.path.join(work, "v1")], work, "boot")
    r = jlines(out)[-1]
    n = r["hashed_bytes"]
    ins, fl = counts["boot"], counts["sha256"]
    verify = inclusive(d, "boot", r"image_validate\b")
    sig = inclusive(d, "boot", r"crypto_ecdsa_p256_verify|mbedtls_pk_verify|mbedtls_ecdsa_verify\b")
    return [{"figure": "validate", "ok": r["ok"], "hashed_bytes": n, "instructions": ins,
             "per_byte": ins / n, "floor_instructions": fl, "floor_per_byte": fl / n,
             "ratio": ins / fl, "sig_verifications": r["sig_verifications"],
             "signature_instructions": sig, "per_byte_without_signatures": (ins - sig) / n}]


CRYPTO_BENCHES = ["mbedtls", "bearssl-m31", "bearssl-m15", "bearssl-prime_i31", "bearssl-prime_i15"]


def bench_crypto(b, work):
    """lib/crypto's SHA-256 and ECDSA P-256 verify, per backend, through the
    shim (bench/crypto_bench.c): instructions per hashed byte and per verify.
    Host figures (x86-64, Debian's libmbedtls -O2 and libbearssl -Os)."""
    if not shutil.which("valgrind"):
        return [{"figure": "crypto", "error": "valgrind not installed"}]
    vec = os.path.join(ROOT, "test/vectors/images/img0-v1.0.0.signed.bin")
    rows, base = [], None
    for name in CRYPTO_BENCHES:
        exe = os.path.join(b, "bench/bench-crypto-" + name)
        if not os.path.exists(exe):
            rows.append({"figure": "crypto", "backend": name, "error": "not built"})
            continue
        log(f"crypto: callgrind over bench-crypto-{name} ...")
        try:
            counts, out, _ = callgrind([exe, vec], work, "crypto-" + name)
            r = jlines(out)[-1]
        except Exception as e:
            rows.append({"figure": "crypto", "backend": name, "error": str(e)})
            continue
        row = {"figure": "crypto", "backend": name, "ok": r["ok"],
               "sha256_per_byte": counts["sha256"] / r["sha_bytes"], "verify": counts["verify"]}
        if base is None:
            base = row
        row["verify_vs_mbedtls"] = row["verify"] / base["verify"]
        row["sha_vs_mbedtls"] = row["sha256_per_byte"] / base["sha256_per_byte"]
        rows.append(row)
    return rows


# ---------------------------------------------------------------- 3. overwrite

def bench_boot(b, work, imgs):
    log("boot: overwrite time (flash model) ...")
    out = subprocess.run([os.path.join(b, "bench/bench-boot"), "update", KEY,
                          os.path.join(work, "v1"), os.path.join(work, "v2"),
                          imgs["base0"], imgs["delta0"]], capture_output=True, text=True)
    rows = []
    for r in jlines(out.stdout):
        if r["section"] == "full":
            rows.append({"figure": "overwrite", "case": "full 3-image", "timing": r["timing"],
                         "ok": r["ok"], "time_s": r["time_ns"] / 1e9,
                         "floor_s": r["floor_ns"] / 1e9, "ratio": r["time_ns"] / r["floor_ns"],
                         "image_bytes": r["image_bytes"], "sectors_erased": r["sectors_erased"],
                         "bytes_programmed": r["bytes_programmed"]})
        else:
            rows.append({"figure": "overwrite", "case": "delta image 0", "timing": r["timing"],
                         "ok": r["ok"], "time_s": r["time_ns"] / 1e9,
                         "floor_s": r["full_copy_floor_ns"] / 1e9,
                         "ratio": r["time_ns"] / r["full_copy_floor_ns"],
                         "image_bytes": r["image_bytes"], "image_sectors": r["image_sectors"],
                         "changed_sectors": imgs["delta_changed"],
                         "sectors_erased": r["sectors_erased"],
                         "sectors_skipped": r["sectors_skipped"],
                         "bytes_programmed": r["bytes_programmed"]})
    if out.returncode != 0 or not rows:
        rows.append({"figure": "overwrite", "error": out.stderr.strip()[-300:] or "failed"})
    return rows


# ---------------------------------------------------------------- 5. footprint

# What the bootloader links of the core (lib/sources.cmake's boot, image and
# flash lists).
BOOT_SRC = ["lib/boot/boot.c", "lib/boot/boot_trailer.c", "lib/boot/boot_overwrite.c",
            "lib/image/image.c", "lib/flash/flash_area.c", "lib/flash/reclog.c",
            "lib/flash/crc32.c"]
SMP_SRC = ["lib/smp/smp.c", "lib/smp/smp_util.c", "lib/smp/smp_serial.c", "lib/cbor/cbor.c",
           "lib/mgmt/os_mgmt.c", "lib/mgmt/img_mgmt.c"]

# Recorded, not built here: issue 19's like-for-like measurement (same
# arm-none-eabi-gcc 12.2, -Os, --gc-sections, newlib-nano, same linker script,
# overwrite-only 3 images with ECDSA P-256, downgrade prevention and dependency
# checks; MCUboot at 2d4bacc built by hand with a stub port over the same
# memory map, booting this project's split application in QEMU).
MCUBOOT_RECORDED = [
    ("MCUboot+mbedTLS", 20800, 24, 21064),   # + the same mbedTLS 2.28, 6 KiB heap arena
    ("MCUboot+tinycrypt", 11572, 12, 14900),
]
MCUBOOT_SOURCE = "issue 19 (recorded by hand, MCUboot 2d4bacc; not built here)"


def elf_size(size_tool, elf):
    tot = run([size_tool, elf]).stdout.splitlines()[-1].split()
    return int(tot[0]), int(tot[1]), int(tot[2])


def bench_firmware(b):
    """The linked bootloader of port/mps2-an505 (as `make firmware` builds it,
    in BUILD/fw) against the recorded MCUboot figures."""
    size = shutil.which("arm-none-eabi-size")
    fw = os.path.join(b, "fw")
    if not size or not shutil.which("arm-none-eabi-gcc"):
        return [{"figure": "firmware", "error": "arm-none-eabi-gcc not installed"}]
    log("firmware: building port/mps2-an505 in " + fw + " ...")
    try:
        if not os.path.exists(os.path.join(fw, "build.ninja")):
            run(["cmake", "-S", os.path.join(ROOT, "port/mps2-an505"), "-B", fw, "-G", "Ninja",
                 "-DCMAKE_TOOLCHAIN_FILE=" + os.path.join(ROOT, "port/mps2-an505/cmake/arm-none-eabi.cmake"),
                 "-DEXTXIP_HOST_BUILD=" + b])
        run(["cmake", "--build", fw, "--target", "extxip-boot", "extxip-boot-serial"])
    except subprocess.CalledProcessError as e:
        return [{"figure": "firmware", "error": "firmware build failed: " + (e.stdout + e.stderr)[-200:]}]
    cache = open(os.path.join(fw, "CMakeCache.txt")).read()
    cfg = {k: (re.search(rf"^{k}:\w+=(.*)$", cache, re.M) or [None, "?"])[1]
           for k in ("EXTXIP_FW_CRYPTO", "EXTXIP_FW_BEARSSL_EC", "EXTXIP_FW_BOOT_LTO")}
    text, data, bss = elf_size(size, os.path.join(fw, "extxip-boot.elf"))
    crypto = cfg["EXTXIP_FW_CRYPTO"] + (" " + cfg["EXTXIP_FW_BEARSSL_EC"]
                                        if cfg["EXTXIP_FW_CRYPTO"] == "bearssl" else "")
    rows = [{"figure": "firmware", "part": f"extxip-boot ({crypto}, LTO {cfg['EXTXIP_FW_BOOT_LTO']})",
             "text": text, "data": data, "bss": bss, "flash": text + data, "ram": data + bss,
             "config": cfg, "source": "built in this run"}]
    for name, t, d, z in MCUBOOT_RECORDED:
        rows.append({"figure": "firmware", "part": name, "text": t, "data": d, "bss": z,
                     "flash": t + d, "ram": d + z, "source": MCUBOOT_SOURCE,
                     "ours_flash_ratio": (text + data) / (t + d), "ours_ram_ratio": (data + bss) / (d + z)})
    # The same bootloader with serial recovery (SMP server, CBOR, image and OS
    # groups): the cost of issue 13's defence in depth, like MCUboot's
    # CONFIG_MCUBOOT_SERIAL, and a build option like it.
    st, sd, sb = elf_size(size, os.path.join(fw, "extxip-boot-serial.elf"))
    rows.append({"figure": "firmware", "part": f"extxip-boot-serial ({crypto}, with serial recovery)",
                 "text": st, "data": sd, "bss": sb, "flash": st + sd, "ram": sd + sb,
                 "recovery_flash_cost": (st + sd) - (text + data), "source": "built in this run"})
    return rows


# Bootloader ECDSA backends (issue 28): each built as `make firmware` builds
# the bootloader, and its verify run once in QEMU (port/mps2-an505/verify_bench.c).
# EXTXIP_BOOT_ECDSA values (bearssl-i15 is br_ec_prime_i15 + the i15 verifier;
# wolfcrypt-cortexm is wolfCrypt's SP code in Thumb-2 assembly).
FW_ECDSA = ["bearssl-m31", "bearssl-i15", "wolfcrypt", "wolfcrypt-cortexm"]
TINYCRYPT_FLASH = 11572 + 12  # MCUboot + tinycrypt text + data, quoted (issue 19), not measured


def qemu_verify_bench(elf, logf):
    """Boot verify_bench.c under -icount shift=0 (one instruction per virtual
    ns: deterministic), return its "bench: key value" lines."""
    if os.path.exists(logf):
        os.remove(logf)
    q = subprocess.Popen(["qemu-system-arm", "-M", "mps2-an505", "-display", "none", "-monitor", "none",
                          "-nodefaults", "-icount", "shift=0", "-serial", "file:" + logf, "-kernel", elf],
                         stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        for _ in range(1200):  # a bound for a hung run only
            if os.path.exists(logf) and "bench: done" in open(logf, errors="replace").read():
                break
            time.sleep(0.1)
    finally:
        q.kill()
        q.wait()
    out = {}
    for l in open(logf, errors="replace").read().replace("\r", "").splitlines():
        m = re.match(r"bench: (\w+) (\d+)$", l)
        if m:
            out[m[1]] = int(m[2])
    return out


def bench_fw_ecdsa(b):
    """Bootloader flash (text+data of extxip-boot.elf), the verify's stack depth
    (painted stack) and instructions per verify (QEMU -icount, a timer
    calibrated on a loop of known length) for each ECDSA backend."""
    size = shutil.which("arm-none-eabi-size")
    if not size or not shutil.which("arm-none-eabi-gcc") or not shutil.which("qemu-system-arm"):
        return [{"figure": "fw-ecdsa", "error": "arm-none-eabi-gcc or qemu-system-arm not installed"}]
    rows = []
    for name in FW_ECDSA:
        fw = os.path.join(b, "fw-ecdsa-" + name)
        log(f"fw-ecdsa: {name}: building in {fw} ...")
        try:
            # Configured every run: the name sets the backend options.
            run(["cmake", "-S", os.path.join(ROOT, "port/mps2-an505"), "-B", fw, "-G", "Ninja",
                 "-DCMAKE_TOOLCHAIN_FILE=" + os.path.join(ROOT, "port/mps2-an505/cmake/arm-none-eabi.cmake"),
                 "-DEXTXIP_HOST_BUILD=" + b, "-DEXTXIP_BOOT_ECDSA=" + name])
            run(["cmake", "--build", fw, "--target", "extxip-boot", "extxip-verify-bench"])
        except subprocess.CalledProcessError as e:
            rows.append({"figure": "fw-ecdsa", "error": f"{name}: firmware build failed: " +
                         (e.stdout + e.stderr)[-200:]})
            continue
        text, data, _ = elf_size(size, os.path.join(fw, "extxip-boot.elf"))
        v = qemu_verify_bench(os.path.join(fw, "extxip-verify-bench.elf"), os.path.join(fw, "verify-bench.log"))
        if not v.get("good_ok") or not v.get("bad_refused") or not v.get("calib_ticks"):
            rows.append({"figure": "fw-ecdsa", "error": f"{name}: verify bench in QEMU failed: {v}"})
            continue
        per_tick = v["calib_instructions"] / v["calib_ticks"]
        cache = open(os.path.join(fw, "CMakeCache.txt")).read()
        cfg = {k: (re.search(rf"^{k}:\w+=(.*)$", cache, re.M) or [None, "?"])[1]
               for k in ("EXTXIP_FW_CRYPTO", "EXTXIP_FW_BEARSSL_EC", "EXTXIP_FW_WOLFSSL_SP")}
        rows.append({"figure": "fw-ecdsa", "backend": name, "config": cfg,
                     "text": text, "data": data, "flash": text + data, "stack": v["stack_bytes"],
                     "instructions": round(v["verify_ticks"] * per_tick),
                     "instructions_per_tick": per_tick, "target_flash": TINYCRYPT_FLASH,
                     "flash_vs_target": (text + data) / TINYCRYPT_FLASH,
                     "source": "built and run in QEMU in this run (instructions: -icount shift=0)"})
    ok = [r for r in rows if "backend" in r]
    base = next((r for r in ok if r["backend"] == "bearssl-m31"), None)
    for r in ok:
        if base:
            r["flash_vs_m31"] = r["flash"] / base["flash"]
            r["stack_vs_m31"] = r["stack"] / base["stack"]
            r["instructions_vs_m31"] = r["instructions"] / base["instructions"]
    if ok:
        small = min(ok, key=lambda r: r["flash"])
        meets = [r for r in ok if r["flash"] <= TINYCRYPT_FLASH]
        rows.append({"figure": "fw-ecdsa-pick", "smallest": small["backend"], "smallest_flash": small["flash"],
                     "meets_target": [r["backend"] for r in meets],
                     "fastest_meeting_target": min(meets, key=lambda r: r["instructions"])["backend"]
                     if meets else None})
    return rows


def bench_size(work):
    cc, size = shutil.which("arm-none-eabi-gcc"), shutil.which("arm-none-eabi-size")
    if not cc or not size:
        return [{"figure": "size", "error": "arm-none-eabi-gcc not installed "
                 "(apt-get install gcc-arm-none-eabi libnewlib-arm-none-eabi)"}]
    log("size: cortex-m33 -Os objects ...")
    d = os.path.join(work, "m33")
    os.makedirs(d, exist_ok=True)
    rows = []
    for name, srcs in (("bootloader core (boot+image+flash+reclog)", BOOT_SRC),
                       ("SMP core (smp+cbor+os+img mgmt)", SMP_SRC)):
        objs = []
        for s in srcs:
            o = os.path.join(d, os.path.basename(s) + ".o")
            run([cc, "-mcpu=cortex-m33", "-mthumb", "-Os", "-std=c11", "-ffunction-sections",
                 "-fdata-sections", "-Wall", "-Wextra", "-I", os.path.join(ROOT, "lib"),
                 "-c", os.path.join(ROOT, s), "-o", o])
            objs.append(o)
        out = run([size, "-t", *objs]).stdout.splitlines()
        tot = out[-1].split()
        text, data, bss = int(tot[0]), int(tot[1]), int(tot[2])
        rows.append({"figure": "size", "part": name, "text": text, "data": data, "bss": bss,
                     "flash_bytes": text + data, "objects": [os.path.basename(s) for s in srcs],
                     "per_object": out[1:-1]})
    return rows


# ---------------------------------------------------------------- fleet

FLEET = 16


def bench_fleet(b, work, quick):
    """`image upgrade PKG.zip --devices FILE`: wall time for 16 simulated devices at
    -j 16 against the same 16 one at a time (-j 1), each from v1 to v2 with the
    sample's package (scripts/provision's dfu_application.zip). Flash runs in real
    time at datasheet speed (--timing typical --real-time) so each device costs what
    a real one would; --quick: untimed flash (then the host's CPU is the limit)."""
    import socket
    sim = os.path.join(b, "port/posix/extxip-sim")
    mcumgr = os.path.join(b, "tools/mcumgr/extxip-mcumgr")
    pkg = os.path.join(work, "v2", "dfu_application.zip")
    base = os.path.join(work, "fleet-base")
    shutil.rmtree(base, ignore_errors=True)
    run([os.path.join(ROOT, "scripts/provision"), b, base, "1.0.0"])
    timing = ["--timing", "none"] if quick else ["--timing", "typical", "--real-time"]
    rows = []
    for jobs in (FLEET, 1):
        log(f"fleet: {FLEET} devices, -j {jobs} ...")
        socks = [socket.socket(socket.AF_INET, socket.SOCK_DGRAM) for _ in range(FLEET)]
        for so in socks:
            so.bind(("127.0.0.1", 0))
        ports = [so.getsockname()[1] for so in socks]
        for so in socks:
            so.close()
        sims = []
        try:
            for i, port in enumerate(ports):
                d = os.path.join(work, f"fleet{i}")
                shutil.rmtree(d, ignore_errors=True)
                shutil.copytree(base, d)
                sims.append(Proc([sim, "run", "--flash-dir", d, "--udp", f"127.0.0.1:{port}",
                                  "--no-serial", "--key", KEY, *timing],
                                 os.path.join(d, "sim.log")))
            for port in ports:
                for _ in range(100):
                    if subprocess.run([mcumgr, "--conntype", "udp", "--connstring",
                                       f"127.0.0.1:{port}", "-t", "0.2", "echo", "up"],
                                      capture_output=True).returncode == 0:
                        break
                    time.sleep(0.1)
            lst = os.path.join(work, "fleet.devices")
            with open(lst, "w") as f:
                f.write("".join(f"udp:127.0.0.1:{p}\n" for p in ports))
            t0 = time.monotonic()
            out = subprocess.run([mcumgr, "--conntype", "udp", "--devices", lst, "-j", str(jobs),
                                  "--json", "-q", "--reset-timeout", "60", "image", "upgrade",
                                  pkg], capture_output=True, text=True)
            wall = time.monotonic() - t0
        finally:
            for p in sims:
                p.stop()
        res = jlines(out.stdout)
        if out.returncode != 0 or not res or res[-1]["failed"]:
            return [{"figure": "fleet", "config": f"-j {jobs}",
                     "error": "upgrade failed: " + (out.stdout + out.stderr).strip()[-200:]}]
        rows.append({"jobs": jobs, "wall_s": wall, "devices": FLEET,
                     "per_device_s": [d["seconds"] for d in res[-1]["devices"]]})
    par, seq = rows[0], rows[1]
    return [{"figure": "fleet", "devices": FLEET, "jobs": FLEET, "timing": timing[1],
             "wall_s": par["wall_s"], "base_s": seq["wall_s"],
             "ratio": par["wall_s"] / seq["wall_s"], "speedup": seq["wall_s"] / par["wall_s"],
             "runs": rows}]


# ---------------------------------------------------------------- table

def fmt_rows(rows):
    lines = []
    w = lambda *c: lines.append("  ".join(c))
    w(f"{'figure':<44}", f"{'ours':>14}", f"{'floor/base':>14}", f"{'ratio':>7}")
    w("-" * 84)
    ours = None
    for r in rows:
        f = r["figure"]
        if "error" in r:
            lab = (f"vs Zephyr {r['transport']} {r['workload']}" if f == "zephyr"
                   else f + " " + str(r.get("config", r.get("chunk", r.get("image", "")))) +
                   (" " + r["kind"] if "kind" in r else ""))
            w(f"{lab:<44}", "n/a: " + r["error"][:72])
            continue
        if f == "serial":
            w(f"{'serial ' + str(r['baud']) + ' ' + r['config'] + ' goodput B/s':<44}",
              f"{r['goodput_Bps']:>14.0f}", f"{r['floor_goodput_Bps']:>14.0f}",
              f"{r['ratio']:>7.3f}")
        elif f == "cpu":
            w(f"{'udp upload instr/byte chunk ' + str(r['chunk']):<44}",
              f"{r['per_byte']:>14.2f}", f"{r['floor_per_byte']:>14.2f}", f"{r['ratio']:>7.1f}")
            w(f"{'  same without sha check + sim flash model':<44}",
              f"{r['core_per_byte']:>14.2f}", f"{r['floor_per_byte']:>14.2f}",
              f"{r['core_per_byte'] / r['floor_per_byte']:>7.1f}")
        elif f == "overwrite":
            w(f"{'overwrite ' + r['case'] + ' ' + r['timing'] + ' s':<44}",
              f"{r['time_s']:>14.3f}", f"{r['floor_s']:>14.3f}", f"{r['ratio']:>7.3f}")
        elif f == "validate":
            w(f"{'boot validate 0,1,2 instr/byte (vs sha256)':<44}",
              f"{r['per_byte']:>14.2f}", f"{r['floor_per_byte']:>14.2f}", f"{r['ratio']:>7.2f}")
            w(f"{'  same without the 3 signature checks':<44}",
              f"{r['per_byte_without_signatures']:>14.2f}", f"{r['floor_per_byte']:>14.2f}",
              f"{r['per_byte_without_signatures'] / r['floor_per_byte']:>7.2f}")
            w(f"{'  signature verifications':<44}", f"{r['sig_verifications']:>14}",
              f"{3:>14}", f"{r['sig_verifications'] / 3:>7.2f}")
        elif f == "zephyr":
            pre = f"vs Zephyr {r['transport']} {r['workload']} 256K"
            if r.get("instr_ratio") is None:
                w(f"{pre:<44}", "n/a: Zephyr's SMP function not found in the callgrind dump")
                continue
            w(f"{pre + ' wall s':<44}", f"{r['ours_wall_s']:>14.3f}", f"{r['zephyr_wall_s']:>14.3f}",
              f"{r['wall_ratio']:>7.2f}")
            w(f"{'  SMP processing instr/byte':<44}", f"{r['ours_per_byte']:>14.2f}",
              f"{r['zephyr_per_byte']:>14.2f}", f"{r['instr_ratio']:>7.2f}")
        elif f in ("ble", "ble_enc", "ble-flash"):
            import bench_ble
            bench_ble.fmt(r, w)
        elif f == "fleet":
            w(f"{'upgrade ' + str(r['devices']) + ' devices -j ' + str(r['jobs']) + ' vs -j 1 s':<44}",
              f"{r['wall_s']:>14.2f}", f"{r['base_s']:>14.2f}", f"{r['ratio']:>7.3f}")
        elif f == "size":
            w(f"{'m33 -Os objects, ' + r['part']:<44}", f"{r['flash_bytes']:>14}", f"{'-':>14}", "")
        elif f == "firmware":
            if r["source"].startswith("built"):
                ours = r
                w(f"{'linked ' + r['part']:<44}",
                  f"{'%d/%d/%d' % (r['text'], r['data'], r['bss']):>14}", f"{'text/data/bss':>14}", "")
            else:
                w(f"{'  flash vs ' + r['part'] + ' (recorded*)':<44}", f"{ours['flash']:>14}",
                  f"{r['flash']:>14}", f"{r['ours_flash_ratio']:>7.2f}")
                w(f"{'  RAM data+bss vs ' + r['part'] + ' (rec.*)':<44}", f"{ours['ram']:>14}",
                  f"{r['ram']:>14}", f"{r['ours_ram_ratio']:>7.2f}")
        elif f == "fw-ecdsa":
            m31 = next((x for x in rows if x.get("backend") == "bearssl-m31"), None)
            w(f"{'boot ' + r['backend'] + ' flash vs tinycrypt*':<44}", f"{r['flash']:>14}",
              f"{r['target_flash']:>14}", f"{r['flash_vs_target']:>7.3f}")
            if m31 is not None and r is not m31:
                w(f"{'  flash vs bearssl-m31':<44}", f"{r['flash']:>14}", f"{m31['flash']:>14}",
                  f"{r['flash_vs_m31']:>7.3f}")
            ref = f"{m31['instructions']:>14}" if m31 is not None and r is not m31 else f"{'':>14}"
            rat = f"{r['instructions_vs_m31']:>7.3f}" if "instructions_vs_m31" in r else ""
            w(f"{'  instr/verify (QEMU icount) vs m31':<44}", f"{r['instructions']:>14}", ref, rat)
            ref = f"{m31['stack']:>14}" if m31 is not None and r is not m31 else f"{'':>14}"
            rat = f"{r['stack_vs_m31']:>7.3f}" if "stack_vs_m31" in r else ""
            w(f"{'  verify stack bytes vs m31':<44}", f"{r['stack']:>14}", ref, rat)
        elif f == "fw-ecdsa-pick":
            meets = ", ".join(r["meets_target"]) or "none"
            w(f"{'boot smallest: ' + r['smallest'] + ' vs tinycrypt*':<44}", f"{r['smallest_flash']:>14}",
              f"{TINYCRYPT_FLASH:>14}", f"{r['smallest_flash'] / TINYCRYPT_FLASH:>7.3f}")
            w(f"{'  within ' + str(TINYCRYPT_FLASH) + ' B: ' + meets:<44}")
        elif f == "crypto":
            w(f"{r['backend'] + ': instr/verify (ratio: vs mbedtls)':<44}",
              f"{r['verify']:>14}", "", f"{r['verify_vs_mbedtls']:>7.2f}")
            w(f"{r['backend'] + ': sha256 instr/byte':<44}",
              f"{r['sha256_per_byte']:>14.2f}", "", f"{r['sha_vs_mbedtls']:>7.2f}")
        elif f == "serial-flash":
            w(f"{'serial 1M flash ' + r['config'] + ' B/s':<44}", f"{r['goodput_Bps']:>14.0f}",
              f"{r['bytes'] / r['floor_s']:>14.0f}", f"{r['ratio']:>7.3f}")
            w(f"{'  same vs the link floor alone':<44}", f"{r['goodput_Bps']:>14.0f}",
              f"{r['bytes'] / r['link_floor_s']:>14.0f}", f"{r['ratio_link']:>7.3f}")
            if r.get("dirty") and r.get("pipeline") == "on" and not r.get("idle_first"):
                sf = r["sector_flash_floor_s"]
                w(f"{'  same vs the sector-erase flash floor':<44}", f"{r['goodput_Bps']:>14.0f}",
                  f"{r['bytes'] / sf:>14.0f}", f"{max(sf, r['link_floor_s']) / r['seconds']:>7.3f}")
        elif f == "compress-bytes":
            w(f"{'compressed image ' + str(r['image']) + ' bytes (vs plain)':<44}",
              f"{r['compressed_bytes']:>14}", f"{r['plain_bytes']:>14}", f"{r['ratio']:>7.3f}")
        elif f == "compress-serial":
            w(f"{'  serial 1M ' + r['kind'] + ' s / plain link floor':<44}",
              f"{r['seconds']:>14.3f}", f"{r['plain_floor_s']:>14.3f}", f"{r['ratio']:>7.3f}")
        elif f == "compress-ble":
            w(f"{'  ble model ' + r['kind'] + ' s / plain link floor':<44}",
              f"{r['model_s']:>14.3f}", f"{r['plain_floor_s']:>14.3f}", f"{r['ratio']:>7.3f}")
        elif f == "compress-install":
            if r["config"] == "cpu":
                w(f"{'  install host instructions (vs plain)':<44}",
                  f"{r['compressed_instructions']:>14}", f"{r['plain_instructions']:>14}",
                  f"{r['ratio']:>7.3f}")
                w(f"{'  same without the sim flash model':<44}",
                  f"{r['compressed_core']:>14}", f"{r['plain_core']:>14}", f"{r['ratio_core']:>7.3f}")
            else:
                w(f"{'install 0,1,2 compressed ' + r['config'] + ' flash s (vs plain)':<44}",
                  f"{r['compressed_s']:>14.3f}", f"{r['plain_s']:>14.3f}", f"{r['ratio']:>7.3f}")
        elif f == "udp-flash":
            fl = f"{r['bytes'] / r['flash_floor_s']:>14.0f}" if r["flash_floor_s"] else f"{'-':>14}"
            rt = f"{r['ratio']:>7.3f}" if r["ratio"] else ""
            w(f"{'udp upload flash ' + r['config'] + ' B/s':<44}", f"{r['goodput_Bps']:>14.0f}", fl, rt)
    if ours is not None or any(r.get("figure") == "fw-ecdsa" for r in rows):
        lines.append("* " + MCUBOOT_SOURCE)
    return "\n".join(lines)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("build")
    ap.add_argument("--quick", action="store_true")
    ap.add_argument("--only",
                    default="serial,serialflash,udpflash,cpu,crypto,boot,validate,size,firmware,fwecdsa,zephyr,ble,bleflash,fleet,compress")
    ap.add_argument("--json", default=None)
    a = ap.parse_args()
    b = os.path.abspath(a.build)
    work = os.path.join(b, "benchwork")
    os.makedirs(work, exist_ok=True)
    only = a.only.split(",")
    log("images ...")
    imgs = make_images(b, work)
    rows = []
    if "serial" in only:
        rows += bench_serial(b, work, imgs, a.quick)
    if "serialflash" in only:
        rows += bench_serial_flash(b, work, imgs)
    if "udpflash" in only:
        rows += bench_udp_flash(b, work, imgs)
    if "cpu" in only:
        rows += bench_cpu(b, work, imgs)
    if "crypto" in only:
        rows += bench_crypto(b, work)
    if "boot" in only:
        rows += bench_boot(b, work, imgs)
    if "validate" in only:
        rows += bench_validate(b, work)
    if "size" in only:
        rows += bench_size(work)
    if "firmware" in only:
        rows += bench_firmware(b)
    if "fwecdsa" in only:
        rows += bench_fw_ecdsa(b)
    if "zephyr" in only:
        sys.path.insert(0, HERE)
        from zephyr_side import bench_zephyr
        rows += bench_zephyr(b, work, imgs, KEY, log)
    if "ble" in only:
        import bench_ble
        rows += bench_ble.bench_ble(b, work, imgs)
    if "bleflash" in only:
        import bench_ble
        rows += bench_ble.bench_ble_flash(b, work, imgs)
    if "fleet" in only:
        rows += bench_fleet(b, work, a.quick)
    if "compress" in only:
        rows += bench_compress(b, work, a.quick)
    out = a.json or os.path.join(b, "bench.json")
    with open(out, "w") as f:
        json.dump({"upload_bytes": os.path.getsize(imgs["upload"]),
                   "delta": {k: imgs[k] for k in ("delta_sectors", "delta_changed")},
                   "rows": rows}, f, indent=1)
    print(fmt_rows(rows))
    print(f"(JSON: {out})")


if __name__ == "__main__":
    main()
