#!/usr/bin/env bash
# The nRF Connect SDK DFU package, one device:
#  - bad packages (no manifest, a file not in the zip, image index out of range, not an
#    MCUboot image, hash mismatch, zip bombs, path traversal) are refused with one line,
#    exit 2, before a single packet leaves (a UDP sink counts them);
#  - an index the device does not list is refused before anything is uploaded;
#  - the linked pair goes all or nothing: image 2 refused by the device (one that does not
#    answer slot info), image 0 (already uploaded) stays unmarked and the device is not reset;
#  - a package of image 0 alone is uploaded and marked, and the bootloader's refusal
#    (its linked partner is not moving with it) comes back as the reason, from bootReport or without it;
#  - the full package upgrades 0, 1, 2 (--confirm: permanent); a second run does nothing;
#  - manifests as other writers spell them (integer image_index, format-version 0) load;
#  - images that would land where they do not belong are refused before a byte is sent
#    (issue 32): images 0 and 1 swapped (file and size), image 1 ROM-fixed to image 2's
#    primary, a load_address that is another image's, header flags the device does not
#    implement (LZMA1, encryption), the compression flags without the TLVs of a compressed
#    image, and a non-bootable image.
. "$(dirname "$0")/lib.sh"
v1_device_v2_images
SIGNF=$BUILD/test/support/extxip-test-sign-flags
n1=(--key "$KEY" --version 2.0.0 --header-size 0x200 --pad-header --align 4 --slot-size 0x40000)
"$IMGTOOL" sign "${n1[@]}" --rom-fixed 0x120000 "$V2/net.raw" "$WORK/rom1.bin" >/dev/null
"$IMGTOOL" sign "${n1[@]}" --non-bootable "$V2/net.raw" "$WORK/nonboot1.bin" >/dev/null
for f in 0x200 0x400 0xc00 0x4; do
  "$SIGNF" "$KEY" 2.0.0 0x40000 $f "$V2/net.raw" "$WORK/flags$f.bin"
done
# Random payloads do not compress (imgtool then writes a plain image): the
# network core's vector table, then zeros.
{ head -c 1024 "$V2/net.raw"; head -c 65536 /dev/zero; } >"$WORK/netz.raw"
"$IMGTOOL" sign "${n1[@]}" --compression lzma2 "$WORK/netz.raw" "$WORK/comp1.bin" >/dev/null
"$IMGTOOL" dfu-package -o "$WORK/good.zip" 0="$V2/img0-v2.0.0.bin" 1="$V2/img1-v2.0.0.bin" \
  2="$V2/img2-v2.0.0.bin"

# Packages with one thing wrong each, written with Python's zipfile.
python3 -S - "$WORK" "$V2" <<'EOF'
import json, os, sys, zipfile, zlib
work, v2 = sys.argv[1], sys.argv[2]
names = {0: "internal_flash_update.bin", 1: "net_core_app_update.bin", 2: "qspi_flash_update.bin"}
img = {n: open(f"{v2}/img{n}-v2.0.0.bin", "rb").read() for n in names}
load = {0: 0x10200, 1: 0x1000000, 2: 0x120200}   # the SDK's per-image load addresses
def entry(n, file=None, index=None):
    return {"type": "application", "board": "nrf5340dk_nrf5340_cpuapp", "soc": "nRF5340_CPUAPP_QKAA",
            "load_address": load[n], "image_index": str(n) if index is None else index,
            "slot_index_primary": str(2 * n + 1), "slot_index_secondary": str(2 * n + 2),
            "version_MCUBOOT": "2.0.0", "size": len(img[n]), "file": file or names[n], "modtime": 1}
def pkg(name, files, entries, fv=1, comp=zipfile.ZIP_STORED):
    with zipfile.ZipFile(f"{work}/{name}.zip", "w", comp) as z:
        if entries is not None:
            z.writestr("manifest.json", json.dumps({"format-version": fv, "time": 1,
                                                    "files": entries, "name": "t"}, indent=4))
        for fname, data in files.items():
            z.writestr(fname, data)
allf = {names[n]: img[n] for n in names}
pkg("nomanifest", allf, None)
pkg("missingfile", {names[0]: img[0]}, [entry(0), entry(2)])
pkg("index16", allf, [entry(0), entry(1), entry(2, index="16")])
pkg("index5", allf, [entry(0), entry(1), entry(2, index="5")])
pkg("notmcuboot", {**allf, names[1]: os.urandom(len(img[1]))}, [entry(0), entry(1), entry(2)])
bad = bytearray(img[2]); bad[0x1000] ^= 1
pkg("hash", {**allf, names[2]: bytes(bad)}, [entry(0), entry(1), entry(2)])
pkg("traversal", {"../" + names[0]: img[0]}, [entry(0, file="../" + names[0])])
pkg("absolute", {"/tmp/" + names[0]: img[0]}, [entry(0, file="/tmp/" + names[0])])
# Zip bomb, ratio: 8 MiB of zeros deflate to ~8 KiB.
pkg("ratio", {**allf, "pad.bin": bytes(8 << 20)}, [entry(0)], comp=zipfile.ZIP_DEFLATED)
# Zip bomb, lying sizes: a deflated entry whose headers declare 1000 bytes but which
# inflates to its real 98 KiB.
liar2 = entry(2); del liar2["size"]   # the manifest's size is optional: zip headers only
pkg("liar", allf, [entry(0), entry(1), liar2], comp=zipfile.ZIP_DEFLATED)
raw = bytearray(open(f"{work}/liar.zip", "rb").read())
real = len(img[2]).to_bytes(4, "little")
for sig, off in ((b"PK\x03\x04", 22), (b"PK\x01\x02", 24)):   # uncompressed-size fields
    i = 0
    while (i := raw.find(sig, i)) >= 0:
        if raw[i + off:i + off + 4] == real:
            raw[i + off:i + off + 4] = (1000).to_bytes(4, "little")
        i += 4
open(f"{work}/liar.zip", "wb").write(raw)
# Zip bomb, huge declared size (100 MiB) in both headers.
pkg("huge", allf, [entry(0), entry(1), entry(2)])
raw = bytearray(open(f"{work}/huge.zip", "rb").read())
real = len(img[1]).to_bytes(4, "little")
for sig, off in ((b"PK\x03\x04", 22), (b"PK\x01\x02", 24)):
    i = 0
    while (i := raw.find(sig, i)) >= 0:
        if raw[i + off:i + off + 4] == real:
            raw[i + off:i + off + 4] = (100 << 20).to_bytes(4, "little")
        i += 4
open(f"{work}/huge.zip", "wb").write(raw)
open(f"{work}/notzip.zip", "wb").write(b"not a zip at all")
# Only image 0 (its linked partner 2 missing), and the other spellings of a manifest.
pkg("only0", {names[0]: img[0]}, [entry(0)])
pkg("intindex", allf, [entry(0, index=0), entry(1, index=1), entry(2, index=2)], fv=0)
pkg("badversion", allf, [entry(0), entry(1), {**entry(2), "version_MCUBOOT": "3.0.0"}])
# Manifests that are not exactly one JSON object: a raw 0x00 after a number (jansson drops
# it and parses on unless the reader checks), one inside a string, trailing garbage.
def rawpkg(name, text):
    with zipfile.ZipFile(f"{work}/{name}.zip", "w") as z:
        z.writestr("manifest.json", text)
        for fname, data in allf.items():
            z.writestr(fname, data)
good = json.dumps({"format-version": 1, "time": 1, "files": [entry(0), entry(1), entry(2)],
                   "name": "t"}, indent=4).encode()
assert b'"time": 1,' in good
rawpkg("nulnumber", good.replace(b'"time": 1,', b'"time": 1\0,', 1))
rawpkg("nulstring", good.replace(b'"name": "t"', b'"name": "t\0u"', 1))
rawpkg("trailing", good + b" x")
rawpkg("twoobjects", good + b" {}")
# Issue 32: images 0 and 1 swapped, file and size, each correctly signed.
pkg("swapped", allf, [{**entry(0), "file": names[1], "size": len(img[1])},
                      {**entry(1), "file": names[0], "size": len(img[0])}, entry(2)])
pkg("swapped02", allf, [{**entry(0), "file": names[2], "size": len(img[2])}, entry(1),
                        {**entry(2), "file": names[0], "size": len(img[0])}])
def with1(name, path, data=None):
    data = data if data is not None else open(path, "rb").read()
    pkg(name, {**allf, names[1]: data}, [entry(0), {**entry(1), "size": len(data)}, entry(2)])
with1("romfixed", f"{work}/rom1.bin")
with1("nonbootable", f"{work}/nonboot1.bin")
for f in ("0x200", "0x400", "0xc00", "0x4"):
    with1("flags" + f, f"{work}/flags{f}.bin")
# A compressed image whose protected area holds DECOMP_SIZE twice (the SHA-256
# TLV recomputed, so only the TLV rule refuses it): the device's walk refuses
# a repeated DECOMP_* entry, and so does the client's, which is the same code.
import hashlib, struct
c = bytearray(open(f"{work}/comp1.bin", "rb").read())
hs, ps, isz = struct.unpack_from("<HHI", c, 8)
po = hs + isz
assert struct.unpack_from("<HH", c, po)[0] == 0x6908 and ps >= 12
q = po + 4
while struct.unpack_from("<H", c, q)[0] != 0x70:
    q += 4 + struct.unpack_from("<H", c, q + 2)[0]
dup = bytes(c[q:q + 8])
c[po + ps:po + ps] = dup
struct.pack_into("<H", c, 10, ps + 8)
struct.pack_into("<H", c, po + 2, ps + 8)
u = po + ps + 8
assert struct.unpack_from("<HHH", c, u)[0] == 0x6907 and struct.unpack_from("<H", c, u + 4)[0] == 0x10
c[u + 8:u + 40] = hashlib.sha256(bytes(c[:u])).digest()
with1("dupdecomp", None, bytes(c))
pkg("loadaddr", allf, [entry(0), {**entry(1), "load_address": load[0]}, entry(2)])
EOF

# A UDP sink in place of a device: any packet a bad package lets out is counted.
python3 -S -c 'import signal, socket, sys
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); s.bind(("127.0.0.1", 0))
print(s.getsockname()[1], flush=True)
n = 0
def done(*_):
    open(sys.argv[1], "w").write(str(n)); sys.exit(0)
signal.signal(signal.SIGTERM, done)
while True:
    s.recv(4096); n += 1' "$WORK/sink.count" >"$WORK/sink.port" &
SINK=$!; BG_PIDS="$BG_PIDS $SINK"
end=$((SECONDS + HANG))  # the sink names its port once bound
until [ -s "$WORK/sink.port" ] || [ $SECONDS -ge $end ] || ! kill -0 "$SINK" 2>/dev/null; do sleep 0.05; done
SP=$(cat "$WORK/sink.port")

refused() {  # refused NAME ERE: exit 2 and one "Error:" line matching ERE
  local name=$1 pat=$2 rc=0
  "$MCUMGR" --conntype udp --connstring "127.0.0.1:$SP" -t 0.3 image upgrade \
    "$WORK/$name.zip" >"$WORK/out" 2>&1 || rc=$?
  CHECKS=$((CHECKS + 1))
  if [ "$rc" = 2 ] && [ "$(wc -l <"$WORK/out")" = 1 ] && grep -Eq -- "^Error: .*$pat" "$WORK/out"
  then echo "ok: $name refused: $(cat "$WORK/out")"; else
    FAILS=$((FAILS + 1)); echo "FAIL: $name: exit $rc, want 2 and /$pat/"; sed 's/^/  | /' "$WORK/out"; fi
}
refused nomanifest 'no manifest\.json'
refused missingfile 'names qspi_flash_update\.bin, which is not in the zip'
refused index16 'image index 16 out of range'
refused notmcuboot 'net_core_app_update\.bin: not an MCUboot image'
refused hash 'qspi_flash_update\.bin: hash mismatch'
refused traversal "unsafe entry name '\.\./internal_flash_update\.bin'"
refused absolute "unsafe entry name '/tmp/internal_flash_update\.bin'"
refused ratio "pad\.bin' compresses [0-9]+:1"
refused liar 'qspi_flash_update\.bin: holds more bytes than its declared 1000'
refused huge "net_core_app_update\.bin' declares 104857600 bytes"
refused notzip 'not a readable zip'
refused badversion 'manifest says version 3\.0\.0, the image header 2\.0\.0'
refused nulnumber 'manifest\.json: raw 0x00 byte at offset [0-9]+ \(not JSON text\)'
refused nulstring 'manifest\.json: raw 0x00 byte at offset [0-9]+ \(not JSON text\)'
refused trailing 'manifest\.json: end of file expected'
refused twoobjects 'manifest\.json: end of file expected'
refused swapped 'net_core_app_update\.bin \(image 0\): image 0 runs on the application core, but this is a network core build .*; nothing sent'
refused swapped02 'qspi_flash_update\.bin: depends on image 0, its own index: built for another image'
refused romfixed "net_core_app_update\.bin \(image 1\): ROM-fixed to 0x120000, image 2's primary, not image 1's \(0x0\); nothing sent"
refused nonbootable 'net_core_app_update\.bin \(image 1\): marked non-bootable'
refused flags0x200 'header flags 0x200 ask for LZMA1 compression, which the device does not implement'
# The compression flags alone (no DECOMP_* TLVs, a plain body): not a compressed image
# (real ones are accepted and judged by their plain image: compressed_upgrade.sh).
refused flags0x400 'header flags 0x400 ask for LZMA2 compression, but the image carries no valid decompressed-image TLVs'
refused flags0xc00 'header flags 0xc00 ask for LZMA2 compression, ARM thumb filter, but the image carries no'
refused dupdecomp 'header flags 0x400 ask for LZMA2 compression, but the image carries no valid decompressed-image TLVs'
refused flags0x4 'header flags 0x4 ask for encrypted \(AES-128\), which the device does not implement'
refused loadaddr "net_core_app_update\.bin \(image 1\): manifest load_address 0x10200 is image 0's, not image 1's \(0x1000000\)"
check_out "a missing package file is a local error" '^Error: .*No such file' \
  sh -c "'$MCUMGR' --conntype udp --connstring 127.0.0.1:$SP image upgrade '$WORK/none.zip' 2>&1; test \$? = 2"
kill "$SINK"; wait "$SINK" 2>/dev/null
check_out "not one packet reached the device for any bad package" '^0$' cat "$WORK/sink.count"

# The real device from here on; bootReport is opt-in on newer simulators.
BR=()
"$SIM" run --help 2>&1 | grep -q -- "--boot-report" && BR=(--boot-report)
start_sim "$D" "$P" "${BR[@]}" || exit 1
up() { "$MCUMGR" --conntype udp --connstring "127.0.0.1:$P" -t 30 --reset-timeout 300 "$@"; }
check_out "an index the device does not list is refused before any upload" \
  'image index 5 out of range: the device lists images 0\.\.2; nothing sent' \
  sh -c "$(declare -f up); MCUMGR='$MCUMGR' P=$P up image upgrade '$WORK/index5.zip' 2>&1; test \$? = 1"
check "and nothing was uploaded (image 2's secondary slot still blank)" \
  region_blank "$D/mx25r64.bin" 0x160000 0x1000

# The linked pair goes all or nothing: image 2 too large for its slot (signed for a
# bigger one) is refused by the device mid-package; image 0, already uploaded, must
# not be marked, and the device is not reset. (The client refuses such an image itself
# when the device reports its slot sizes, dfu_slots.sh; this device, played through a
# relay, does not answer slot info, as older Zephyr builds do not.)
"$SIM" mkpayload --part xip --size 300000 --link-id 2 --seed 2 -o "$WORK/big.raw"
"$IMGTOOL" sign --key "$KEY" --version 2.0.0 --header-size 0x200 --pad-header --align 4 \
  --slot-size 0x80000 --dependencies "(0,2.0.0)" "$WORK/big.raw" "$WORK/big2.bin" >/dev/null
"$IMGTOOL" dfu-package -o "$WORK/big.zip" 0="$V2/img0-v2.0.0.bin" 1="$V2/img1-v2.0.0.bin" \
  2="$WORK/big2.bin"
boots=$(grep -c 'power on' "$D/sim.log")
R=$(free_port)
python3 -S "$E2E_DIR/noslotinfo_relay.py" "$R" "$P" >"$WORK/relay.log" 2>&1 &
RELAY=$!; BG_PIDS="$BG_PIDS $RELAY"
wait_for "$WORK/relay.log" '^ready' 5
rc=0; "$MCUMGR" --conntype udp --connstring "127.0.0.1:$R" -t 30 --reset-timeout 300 \
  image upgrade "$WORK/big.zip" >"$WORK/big.out" 2>&1 || rc=$?
kill "$RELAY"; wait "$RELAY" 2>/dev/null
check "a refused upload in the pair: exit 1" test "$rc" = 1
check_out "it says why and that nothing was marked" \
  '^Error: image 2 upload: device error .*; nothing marked$' cat "$WORK/big.out"
check_out "image 0's upload is on the device" 'image=0 slot=1' mcu "$P" image list
check_fails "but not marked (no pending image anywhere)" grep -q pending "$WORK/out"
check "and the device was not reset" test "$(grep -c 'power on' "$D/sim.log")" = "$boots"

rc=0; up image upgrade "$WORK/only0.zip" >"$WORK/only0.out" 2>&1 || rc=$?
check "image 0 without its linked partner: exit 1" test "$rc" = 1
check_out "the bootloader's reason is reported" \
  'image 0: 1\.0\.0 -> 2\.0\.0 refused: image 0: upgrade refused \(linked image' \
  cat "$WORK/only0.out"

check_out "the whole package: 0, 1 and 2 upgraded" 'image 2: 1\.0\.0 -> 2\.0\.0' \
  up --confirm image upgrade "$WORK/good.zip"
check_out "image 0 too, confirmed" 'image 0: 1\.0\.0 -> 2\.0\.0 \(confirmed\)' cat "$WORK/out"
check_out "image 1 too" 'image 1: 1\.0\.0 -> 2\.0\.0' cat "$WORK/out"
check_out "--confirm made them permanent" 'flags: active confirmed' mcu "$P" image list
check_out "second run: nothing to do" 'already runs this package' up upgrade "$WORK/good.zip"
check_out "an integer image_index and format-version 0 load too" '"up_to_date":true' \
  up --json image upgrade "$WORK/intindex.zip"
stop_sim

if [ ${#BR[@]} -gt 0 ]; then  # a device without the bootReport key: the client says so
  rm -rf "$D"; mkdir -p "$D"; provision "$D"
  start_sim "$D" "$P" || exit 1
  up image upgrade "$WORK/only0.zip" >"$WORK/only0.out" 2>&1
  check_out "no bootReport: the client reports what the device runs" \
    'image 0: 1\.0\.0 -> 2\.0\.0 refused: still runs 1\.0\.0 \(the device gave no bootReport\)' \
    cat "$WORK/only0.out"
  stop_sim
fi
finish
