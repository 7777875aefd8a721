#!/usr/bin/env python3
"""Regenerate the seed corpora in corpus/<harness>/ (committed; run again only
when the request set changes). Sources: the SMP requests of docs/protocol.md §6/§7
built here, imgtool 2.4.0 vector bytes from test/vectors, and the board's
pm_static.yml. Small images for the image harness are signed by
extxip-imgtool (pass its path) with MCUboot's dev key from the vectors.
`mkseeds.py --boot IMGTOOL MKSEEDS_BOOT` writes only corpus/boot (see
boot_seeds)."""
import os, shutil, subprocess, sys

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
sys.dont_write_bytecode = True  # no __pycache__ in the source tree
sys.path.insert(0, os.path.join(ROOT, "test", "support"))
from smpwire import enc, frame, pkt  # noqa: E402
VEC = os.environ.get("EXTXIP_VECTORS", os.path.join(ROOT, "test", "vectors"))

def vec(name):
    with open(os.path.join(VEC, "images", name), "rb") as f:
        return f.read()

def write(h, name, data):
    d = os.path.join(HERE, "corpus", h)
    os.makedirs(d, exist_ok=True)
    with open(os.path.join(d, name), "wb") as f:
        f.write(data)

def main():
    for h in ("cbor", "smp", "serial", "image", "layout"):
        shutil.rmtree(os.path.join(HERE, "corpus", h), ignore_errors=True)
    img1 = vec("img1-v1.0.0.signed.bin")
    import hashlib
    sha = hashlib.sha256(img1).digest()
    # image digest of img2 v1 in its primary (from imgtool verify output)
    txt = open(os.path.join(VEC, "images", "verify-ec-p256.txt")).read()
    def digest(name):
        i = txt.index("== " + name); j = txt.index("Image digest: ", i) + 14
        return bytes.fromhex(txt[j:j + 64])
    h2 = digest("img2-v1.0.0.signed.bin")
    reqs = {
        "echo": pkt(2, 0, 0, enc({"d": "hello"})),
        "echo-v1": pkt(2, 0, 0, enc({"d": "x"}), ver=0),
        "taskstat": pkt(0, 0, 2, enc({})),
        "datetime-set": pkt(2, 0, 4, enc({"datetime": "2024-01-02T03:04:05.678"})),
        "reset": pkt(2, 0, 5, enc({"force": 1})),
        "params": pkt(0, 0, 6, b""),
        "info": pkt(0, 0, 7, enc({"format": "snrvbmpio"})),
        "bootinfo": pkt(0, 0, 8, enc({"query": "mode"})),
        "state-read": pkt(0, 1, 0, enc({})),
        "state-test": pkt(2, 1, 0, enc({"hash": h2, "confirm": False})),
        "state-confirm": pkt(2, 1, 0, enc({"confirm": True})),
        "upload-first": pkt(2, 1, 1, enc({"image": 1, "len": len(img1), "off": 0, "sha": sha,
                                           "data": img1[:512], "upgrade": False})),
        "upload-next": pkt(2, 1, 1, enc({"off": 512, "data": img1[512:1024]})),
        "erase": pkt(2, 1, 5, enc({"slot": 3})),
        "slotinfo": pkt(0, 1, 6, b""),
        "two-requests": pkt(0, 1, 0, b"") + pkt(2, 0, 0, enc({"d": "y"}), seq=2),
        # statistics, settings, file, shell, enumeration, Zephyr basic (Zephyr's group docs)
        "stat-list": pkt(0, 2, 1, enc({})),
        "stat-show": pkt(0, 2, 0, enc({"name": "smp_svr_stats"})),
        "settings-write": pkt(2, 3, 0, enc({"name": "app/k", "val": b"v1"})),
        "settings-read": pkt(0, 3, 0, enc({"name": "app/k", "max_size": 8})),
        "settings-delete": pkt(2, 3, 1, enc({"name": "app/k"})),
        "settings-commit": pkt(2, 3, 2, enc({})),
        "settings-load": pkt(0, 3, 3, enc({})),
        "fs-upload": pkt(2, 8, 0, enc({"len": 5, "off": 0, "data": b"hello", "name": "/f.txt"})),
        "fs-download": pkt(0, 8, 0, enc({"off": 0, "name": "/f.txt"})),
        "fs-stat": pkt(0, 8, 1, enc({"name": "/f.txt"})),
        "fs-hash": pkt(0, 8, 2, enc({"name": "/f.txt", "type": "sha256", "off": 1, "len": 3})),
        "fs-types": pkt(0, 8, 3, enc({})),
        "fs-close": pkt(2, 8, 4, enc({})),
        "fs-upload-then-hash": pkt(2, 8, 0, enc({"len": 2, "off": 0, "data": b"ab", "name": "/g"}))
                               + pkt(0, 8, 2, enc({"name": "/g"}), seq=2),
        "shell-exec": pkt(2, 9, 0, enc({"argv": ["settings", "set", "app/x", "1"]})),
        "enum-count": pkt(0, 10, 0, enc({})),
        "enum-list": pkt(0, 10, 1, enc({})),
        "enum-single": pkt(0, 10, 2, enc({"index": 1})),
        "enum-details": pkt(0, 10, 3, enc({"groups": [0, 2, 63]})),
        "storage-erase": pkt(2, 63, 0, enc({})),
    }
    for n, p in reqs.items():
        write("smp", n, b"\x00" + p)          # control byte 0: packet as is
        write("serial", n, b"\x07" + frame(p))
        body = p[8:]
        if body and n in ("echo", "state-test", "upload-first", "info", "datetime-set", "erase"):
            write("cbor", n, body)
    write("serial", "noise-then-frame", b"\x03uart:~$ help\r\n" + frame(reqs["echo"]))
    write("serial", "split-two", b"\x11" + frame(reqs["upload-first"]))
    # CBOR shapes beyond requests: indefinite containers/strings, tags, floats, deep nesting
    write("cbor", "indef", bytes.fromhex("bf6164a2616101616282010261639f0102ff5f4101420203ff7f616161ffff"))
    write("cbor", "tags-floats", bytes.fromhex("d818a1fb3ff199999999999af97c00c11a514b67b0f6f7e0f820"))
    write("cbor", "deep", b"\x81" * 15 + b"\x00")
    write("cbor", "wide-ints", bytes.fromhex("a3636f66661b0000000000000200636c656e1affffffff6169"
                                             "3b7fffffffffffffff"))
    # images: vectors and tiny ones from extxip-imgtool
    write("image", "img1-v1", b"\x00" + img1)
    write("image", "img1-seccnt", b"\x00" + vec("img1-v3.1.4+159.seccnt7.signed.bin"))
    if len(sys.argv) > 1:
        tool, tmp = sys.argv[1], os.path.join(HERE, ".tmp-seeds")
        os.makedirs(tmp, exist_ok=True)
        raw = os.path.join(tmp, "p.raw")
        with open(raw, "wb") as f:
            f.write(bytes((i * 7 + 3) & 0xff for i in range(300)))
        key = os.path.join(VEC, "images", "keys", "mcuboot-dev-ec-p256.pem")
        for name, extra in (("tiny-ec-dep", ["--key", key, "--dependencies", "(0,1.0.0)"]),
                            ("tiny-ec", ["--key", key]), ("tiny-hashonly", []),
                            ("tiny-ed25519", ["--key", os.path.join(VEC, "images", "keys",
                                                                    "mcuboot-dev-ed25519.pem")])):
            out = os.path.join(tmp, name + ".bin")
            subprocess.run([tool, "sign", *extra, "--version", "1.2.3+4", "--header-size", "0x20", "--pad-header",
                            "--slot-size", "0x1000", "--align", "4", raw, out], check=True)
            write("image", name, b"\x01" + open(out, "rb").read())
        shutil.rmtree(tmp)
    write("layout", "board", open(os.path.join(ROOT, "boards", "nrf5340dk", "pm_static.yml"), "rb").read())
    write("layout", "minimal", b"""mcuboot: {address: 0x0, size: 0x10000, region: flash_primary}
mcuboot_primary: {address: 0x10000, size: 0xd4000, region: flash_primary}
mcuboot_secondary: {address: 0x0, size: 0xd4000, device: MX25R64, region: external_flash}
mcuboot_primary_1: {address: 0x0, size: 0x40000, device: flash_ctrl, region: ram_flash}
mcuboot_secondary_1: {address: 0xd4000, size: 0x40000, device: MX25R64}
mcuboot_primary_2: {address: 0x120000, size: 0x40000, region: external_flash}
mcuboot_secondary_2: {address: 0x160000, size: 0x40000, device: MX25R64}
settings_storage: {address: 0xf0000, size: 0x10000}
""")
    write("layout", "aliases", b"""a: &x [one, two]
b: {address: 0x10, size: 0x20, span: *x, end_address: 0x40}
c: !!str 12
""")

def boot_seeds(tool, gen):
    """corpus/boot: fuzz_boot's power-cut sweep snapshots. Images 0..2 at 1.0.0
    and 2.0.0 (0 and 2 naming each other at their own version, as
    scripts/provision signs them) and image 2 at 2.0.0 without dependencies,
    700-byte bodies for fuzz_boot's 2 KiB slots (--slot-size only feeds imgtool's own
    size check, which counts a swap-mode trailer), signed with MCUboot's dev
    Ed25519 key (fast to verify, so the fuzzer runs many boots a second);
    GEN is the fuzz_boot_mkseeds binary of a build."""
    out, tmp = os.path.join(HERE, "corpus", "boot"), os.path.join(HERE, ".tmp-boot")
    shutil.rmtree(out, ignore_errors=True)
    os.makedirs(out)
    os.makedirs(tmp, exist_ok=True)
    key = os.path.join(VEC, "images", "keys", "mcuboot-dev-ed25519.pem")
    for name, img, ver, deps in (("img0-v1", 0, "1.0.0", "(2,1.0.0)"), ("img1-v1", 1, "1.0.0", None),
                                 ("img2-v1", 2, "1.0.0", "(0,1.0.0)"), ("img0-v2", 0, "2.0.0", "(2,2.0.0)"),
                                 ("img1-v2", 1, "2.0.0", None), ("img2-v2", 2, "2.0.0", "(0,2.0.0)"),
                                 ("img2-v2-nodeps", 2, "2.0.0", None)):
        raw = os.path.join(tmp, name + ".raw")
        with open(raw, "wb") as f:
            f.write(bytes((i * (img * 2 + 3) + int(ver[0]) * 17 + (deps is None) * 5) & 0xff
                          for i in range(700)))
        extra = ["--dependencies", deps] if deps else []
        subprocess.run([tool, "sign", "--key", key, "--version", ver, "--header-size", "0x20",
                        "--pad-header", "--slot-size", "0x4000", "--align", "4", *extra, raw,
                        os.path.join(tmp, name + ".bin")], check=True)
    subprocess.run([gen, tmp, out], check=True)
    shutil.rmtree(tmp)

if len(sys.argv) == 4 and sys.argv[1] == "--boot":
    boot_seeds(sys.argv[2], sys.argv[3])
else:
    main()
