"""make bench, BLE rows: upload the 256 KiB image over Bluetooth LE through
BlueZ's controller emulator (btvirt, two emulated LE controllers: the
device's and the client's) and report

1. efficiency: image bytes / LL payload bytes carried (both directions,
   from the client's HCI ACL counts), against the floor for the chosen
   ATT_MTU and SMP buffer (every request packed to the buffer, every write
   packed to MTU-3, each write paying 4 L2CAP + 3 ATT header bytes);
2. a projected goodput on a modelled link (stated in MODEL) for our run's
   LL packet count, against the same model's floor and against nRF Connect
   Device Manager's published ~36 kB/s with pipelining (a quoted figure,
   not measured here).

The emulator has no air timing, so no wall time is reported for it.
The second row is the same upload over an encrypted link (--ble-security
authen, passkey pairing first): the goodput model counts 247 data bytes per
LL PDU (the MIC), and the pairing is given as SM PDUs (and the modelled air
time of one connection event each) plus the host time it took on the
emulator (P-256 and AES-CMAC in mbedTLS on both sides)."""
import math
import os
import re
import shutil
import socket
import subprocess
import time

# Connection model: 7.5 ms interval, LE 1M PHY (8 us/byte), data length
# extension (251-byte LL payloads), no encryption. One LL data PDU takes
# (1 preamble + 4 access address + 2 header + payload + 3 CRC) bytes of air,
# then T_IFS, the peer's empty PDU (10 bytes), T_IFS.
INTERVAL_US = 7500
T_IFS = 150


def ll_air_us(payload):
    return (1 + 4 + 2 + payload + 3) * 8


SLOT_US = ll_air_us(251) + T_IFS + ll_air_us(0) + T_IFS
PER_EVENT = INTERVAL_US // SLOT_US
MODEL = (f"7.5 ms interval, 1M PHY, DLE 251, {PER_EVENT} x 251-byte PDUs per event "
         f"({SLOT_US} us each incl. ack + 2 T_IFS), responses ride in the acks")
NRF_CDM_BPS = 36000  # quoted: nRF Connect Device Manager with pipelining


def _floor(B, size, pkt_max, mtu):
    """LL payload bytes (both ways) and 251-byte LL packets (upstream) of a
    perfectly packed upload."""
    up = down = pk = 0
    off = 0
    per = mtu - 3
    while off < size:
        n = min(B.max_data(off, size, pkt_max), size - off)
        p = B.upload_pkt_len(off, n, size, off == 0)
        writes = math.ceil(p / per)
        up += p + 7 * writes
        full, last = divmod(p, per)
        pk += full * math.ceil((per + 7) / 251) + (math.ceil((last + 7) / 251) if last else 0)
        r = B.rsp_pkt_len(off + n)
        down += r + 7 * math.ceil(r / per)
        off += n
    return up, down, pk


def bench_ble(b, work, imgs):
    """The plain row, then the same upload over an encrypted link
    (--ble-security authen: passkey pairing first)."""
    return _bench(b, work, imgs, False) + _bench(b, work, imgs, True)


def _run(b, work, img, image, secure, tag, sim_extra=(), dirty=None, idle_first=False):
    """One upload of img as image `image` over btvirt: (the client's JSON result,
    its ble-stats). sim_extra: more simulator flags (flash timing); dirty: an
    image programmed into the secondary first; idle_first: let the device
    erase it in the background before the upload. The result's wall_s is the
    client's upload time. Raises on failure."""
    import bench as B
    btvirt = shutil.which("btvirt") or ("/usr/bin/btvirt" if os.path.exists("/usr/bin/btvirt") else None)
    shim = os.path.join(b, "test/ble/libbtvirt_shim.so")
    if not btvirt or not os.path.exists(shim):
        raise RuntimeError("btvirt (bluez-test-tools) or the shim not available")
    sim = os.path.join(b, "port/posix/extxip-sim")
    mcumgr = os.path.join(b, "tools/mcumgr/extxip-mcumgr")
    d = os.path.join(work, tag)
    shutil.rmtree(d, ignore_errors=True)
    os.makedirs(os.path.join(d, "bt"))
    B.run([os.path.join(B.ROOT, "scripts/provision"), b, d, "1.0.0"])
    if dirty:
        B.run([sim, "program", "--flash-dir", d, "mcuboot_secondary", dirty])
    sock = os.path.join(d, "bt", "bt-server-le")
    env = dict(os.environ, EXTXIP_BTVIRT_DIR=os.path.join(d, "bt"), LD_PRELOAD=shim)
    bt = subprocess.Popen([btvirt, "-s"], env=env, stdout=subprocess.DEVNULL,
                          stderr=subprocess.DEVNULL)
    s = None
    try:
        for _ in range(100):
            if os.path.exists(sock):
                break
            time.sleep(0.05)
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as so:
            so.bind(("127.0.0.1", 0))
            port = so.getsockname()[1]
        sec = ["--ble-security", "authen", "--ble-passkey", "123456"] if secure else []
        s = B.Proc([sim, "run", "--flash-dir", d, "--udp", f"127.0.0.1:{port}", "--no-serial",
                    "--key", B.KEY, "--ble", "unix:" + sock] + sec + list(sim_extra),
                   os.path.join(d, "sim.log"))
        for _ in range(200):
            if "ble: advertising" in open(os.path.join(d, "sim.log")).read():
                break
            time.sleep(0.05)
        if idle_first:
            B.wait_idle_erased(d, s)
        cs = f"peer_name=Zephyr,ctlr_path=unix:{sock}" + (",passkey=123456" if secure else "")
        t0 = time.monotonic()
        out = subprocess.run([mcumgr, "--conntype", "ble", "--connstring", cs,
                              "--bond-file", os.path.join(d, "bonds"), "--json", "--quiet",
                              "-t", "30", "image", "upload", img, "-n", str(image)],
                             capture_output=True, text=True,
                             env=dict(os.environ, EXTXIP_BLE_STATS="1"))
        wall = time.monotonic() - t0
        res = B.jlines(out.stdout)
        m = re.search(r"ble-stats: (.*)", out.stderr)
        if out.returncode != 0 or not res or not res[-1].get("ok") or not m:
            raise RuntimeError("upload failed: " + (out.stdout + out.stderr).strip()[-300:])
    finally:
        if s:
            s.stop()
        bt.terminate()
        bt.wait(5)
    res[-1]["wall_s"] = wall
    return res[-1], dict(zip(m.group(1).split()[0::2], map(int, m.group(1).split()[1::2])))


def floor_s(size, pkt_max, mtu):
    """Modelled air time of a perfectly packed upload of size bytes (the floor)."""
    import bench as B
    return math.ceil(_floor(B, size, pkt_max, mtu)[2] / PER_EVENT) * INTERVAL_US / 1e6


def upload(b, work, img, image, tag):
    """Upload img as image `image` (unencrypted) and give its modelled air time
    (the LL packets it took, on MODEL): {bytes, mtu, packet_max, model_s} or {error}."""
    try:
        u, st = _run(b, work, img, image, False, "dev-ble-" + tag)
    except Exception as e:  # report, never fail
        return {"error": str(e)}
    return {"bytes": os.path.getsize(img), "mtu": st["mtu"], "packet_max": u["packet_max"],
            "model_s": math.ceil(st["ll251_tx_pkts"] / PER_EVENT) * INTERVAL_US / 1e6}


def _bench(b, work, imgs, secure):
    import bench as B
    try:
        u, st = _run(b, work, imgs["upload"], 0, secure, "dev-ble-enc" if secure else "dev-ble")
    except Exception as e:  # report, never fail
        return [{"figure": "ble_enc" if secure else "ble", "error": str(e)}]
    size = os.path.getsize(imgs["upload"])
    mtu = st["mtu"]
    ll = st["acl_tx_bytes"] + st["acl_rx_bytes"]
    up_f, down_f, pk_f = _floor(B, size, u["packet_max"], mtu)
    eff, eff_f = size / ll, size / (up_f + down_f)
    t_ours = math.ceil(st["ll251_tx_pkts"] / PER_EVENT) * INTERVAL_US / 1e6
    t_floor = math.ceil(pk_f / PER_EVENT) * INTERVAL_US / 1e6
    extra = {}
    if secure:
        if not st.get("encrypted"):
            return [{"figure": "ble_enc", "error": "the link was not encrypted"}]
        # Encrypted: each LL PDU carries a 4-byte MIC, 247 bytes of data in 251.
        t_ours = math.ceil(st["ll247_tx_pkts"] / PER_EVENT) * INTERVAL_US / 1e6
        # Pairing on air: every SM PDU waits for the peer's answer, one
        # connection event per PDU at least (passkey entry: 20 rounds).
        extra = {"pair_host_ms": st["pair_us"] / 1000, "sm_pdus": st["sm_pdus"],
                 "pair_air_ms": st["sm_pdus"] * INTERVAL_US / 1000}
    return [dict({
        "figure": "ble_enc" if secure else "ble", "bytes": size, "mtu": mtu, "packet_max": u["packet_max"],
        "window": u["window"], "requests": u["requests"], "ll_payload_bytes": ll,
        "acl_tx_bytes": st["acl_tx_bytes"], "acl_rx_bytes": st["acl_rx_bytes"],
        "smp_tx_bytes": st["smp_tx_bytes"], "efficiency": eff, "floor_efficiency": eff_f,
        "ratio": eff / eff_f, "ll251_pkts": st["ll251_tx_pkts"], "floor_ll251_pkts": pk_f,
        "model": MODEL, "projected_Bps": size / t_ours, "floor_projected_Bps": size / t_floor,
        "projected_ratio": t_floor / t_ours, "nrf_cdm_quoted_Bps": NRF_CDM_BPS,
        "vs_nrf_cdm": size / t_ours / NRF_CDM_BPS,
    }, **extra)]


def bench_ble_flash(b, work, imgs):
    """Issue 28's BLE row: the upload that follows idle time, with the
    secondary's QSPI flash timed (typical and worst datasheet figures, real
    time). The slot held a consumed image; the device erased it when idle.
    btvirt has no air timing, so the emulated link is faster than any radio
    and the measured time is the device's own (flash, CPU, the emulator).
    Projected time on the modelled link: max(the modelled air time of the
    packets this run sent, the measured time) -- the device's work overlaps
    the air time at best, never beats either. Ratios: the link floor (a
    perfectly packed upload on MODEL) and the floor max(link, flash) over the
    projection. A projection, not a measured radio time."""
    import bench as B
    rows = []
    size = os.path.getsize(imgs["upload"])
    consumed = B.consumed_image(work, imgs["base0"], size + 16 * 1024)
    for timing in ("typical", "worst"):
        cfg = f"{timing}, slot erased when idle"
        B.log(f"ble+flash: {cfg} ...")
        try:
            u, st = _run(b, work, imgs["upload"], 0, False, f"dev-ble-flash-{timing}",
                         sim_extra=("--timing", timing, "--real-time", "--flash-pipeline", "on"),
                         dirty=consumed, idle_first=True)
        except Exception as e:  # report, never fail
            rows.append({"figure": "ble-flash", "config": cfg, "error": str(e)})
            continue
        air = math.ceil(st["ll251_tx_pkts"] / PER_EVENT) * INTERVAL_US / 1e6
        link = floor_s(size, u["packet_max"], st["mtu"])
        fl = B.flash_floor(size, timing, False)
        proj = max(air, u["wall_s"])
        rows.append({"figure": "ble-flash", "config": cfg, "timing": timing, "bytes": size,
                     "measured_s": u["wall_s"], "air_model_s": air, "projected_s": proj,
                     "link_floor_s": link, "flash_floor_s": fl, "floor_s": max(link, fl),
                     "ratio_link": link / proj, "ratio": max(link, fl) / proj, "model": MODEL})
    return rows


def fmt(r, w):
    if r["figure"] == "ble-flash":
        if "error" in r:
            w(f"{'ble flash ' + r['config']:<44}", "error: " + r["error"][-120:])
            return
        w(f"{'ble flash ' + r['config'] + ' proj. s':<44}", f"{r['projected_s']:>14.3f}",
          f"{r['floor_s']:>14.3f}", f"{r['ratio']:>7.3f}")
        w(f"{'  same vs the link floor alone':<44}", f"{r['projected_s']:>14.3f}",
          f"{r['link_floor_s']:>14.3f}", f"{r['ratio_link']:>7.3f}")
        w(f"{'  measured on the untimed emulator s':<44}", f"{r['measured_s']:>14.3f}",
          f"{r['flash_floor_s']:>14.3f}", f"{r['flash_floor_s'] / r['measured_s']:>7.3f}")
        return
    if r["figure"] == "ble_enc":
        w(f"{'ble encrypted: pairing, SM PDUs / modelled ms':<44}", f"{r['sm_pdus']:>14}",
          f"{r['pair_air_ms']:>14.1f}", "")
        w(f"{'  pairing host time on the emulator ms':<44}", f"{r['pair_host_ms']:>14.1f}", f"{'-':>14}", "")
        w(f"{'ble encrypted projected goodput B/s':<44}", f"{r['projected_Bps']:>14.0f}",
          f"{r['floor_projected_Bps']:>14.0f}", f"{r['projected_ratio']:>7.3f}")
        w("  model: as above, 247 data bytes per 251-byte PDU (4-byte MIC); the floor is unencrypted")
        return
    w(f"{'ble 256KiB image B / LL payload B (mtu ' + str(r['mtu']) + ')':<44}",
      f"{r['efficiency']:>14.3f}", f"{r['floor_efficiency']:>14.3f}", f"{r['ratio']:>7.3f}")
    w(f"{'ble projected goodput B/s (model below)':<44}", f"{r['projected_Bps']:>14.0f}",
      f"{r['floor_projected_Bps']:>14.0f}", f"{r['projected_ratio']:>7.3f}")
    w(f"{'  vs nRF Connect Device Manager (quoted)':<44}", f"{r['projected_Bps']:>14.0f}",
      f"{r['nrf_cdm_quoted_Bps']:>14.0f}", f"{r['vs_nrf_cdm']:>7.2f}")
    w(f"  model: {r['model']}")
