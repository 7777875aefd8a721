#!/usr/bin/env bash
# Issue 22, MCUboot compressed images end to end on the simulated device (a
# build with -DEXTXIP_BOOT_COMPRESSION=ON; CMake registers this test only there):
#  - `image upgrade` with a DFU package of LZMA2 + ARM-thumb images (COMPRESS=1
#    scripts/provision) uploads the compressed files, fewer bytes than the plain
#    ones; the bootloader inflates each into its primary at the reset, and
#    `image list` shows 2.0.0 running in all three slots 0, with the hash of the
#    plain image (what MCUboot's decompressed install leaves in the primary);
#  - an image only lands where it belongs, compressed or not: a package with
#    images 0 and 1 swapped, or 0 and 2, is refused before a byte is sent (the
#    client looks inside the compressed bodies), and the network core's
#    compressed build uploaded as image 0 by hand is refused by `image test`.
# Its own UDP port (lib.sh free_port) and flash dir ($WORK): parallel-safe.
. "$(dirname "$0")/lib.sh"
if ! grep -q '^EXTXIP_BOOT_COMPRESSION:BOOL=ON$' "$BUILD/CMakeCache.txt" 2>/dev/null; then
  echo "SKIP: $BUILD is not built with -DEXTXIP_BOOT_COMPRESSION=ON (no compressed install)"
  exit 77
fi
P=$(free_port)
D=$WORK/flash; mkdir -p "$D"
provision "$D"
COMPRESS=1 "$SRC/scripts/provision" "$BUILD" - 2.0.0 "$WORK/v2" >/dev/null
V2=$WORK/v2
PKG=$V2/dfu_application.zip
names=(internal_flash_update.bin net_core_app_update.bin qspi_flash_update.bin)
for n in 0 1 2; do
  check_out "image $n in the package is LZMA2 + ARM-thumb compressed" 'COMPRESSED_LZMA2 \(0x400\)' \
    "$IMGTOOL" dumpinfo "$V2/img$n-v2.0.0-c.bin"
  check_out "  ARM thumb filter too" 'COMPRESSED_ARM_THUMB \(0x800\)' cat "$WORK/out"
  check "  and is the package's ${names[$n]}" \
    cmp "$V2/img$n-v2.0.0-c.bin" <(unzip -p "$PKG" "${names[$n]}")
  check "  smaller than the plain image" \
    test "$(stat -c %s "$V2/img$n-v2.0.0-c.bin")" -lt "$(stat -c %s "$V2/img$n-v2.0.0.bin")"
done

# Swapped packages, written with Python's zipfile from the compressed images.
python3 -S - "$WORK" "$V2" <<'EOF'
import json, sys, zipfile
work, v2 = sys.argv[1], sys.argv[2]
names = {0: "internal_flash_update.bin", 1: "net_core_app_update.bin", 2: "qspi_flash_update.bin"}
img = {n: open(f"{v2}/img{n}-v2.0.0-c.bin", "rb").read() for n in names}
load = {0: 0x10200, 1: 0x1000000, 2: 0x120200}
def entry(n, src=None):
    src = n if src is None else src
    return {"type": "application", "board": "nrf5340dk_nrf5340_cpuapp", "soc": "nRF5340_CPUAPP_QKAA",
            "load_address": load[n], "image_index": str(n), "slot_index_primary": str(2 * n + 1),
            "slot_index_secondary": str(2 * n + 2), "version_MCUBOOT": "2.0.0",
            "size": len(img[src]), "file": names[src], "modtime": 1}
def pkg(name, entries):
    with zipfile.ZipFile(f"{work}/{name}.zip", "w") as z:
        z.writestr("manifest.json", json.dumps({"format-version": 1, "time": 1, "files": entries,
                                                "name": "t"}, indent=4))
        for n in names:
            z.writestr(names[n], img[n])
pkg("swapped01", [entry(0, 1), entry(1, 0), entry(2)])
pkg("swapped02", [entry(0, 2), entry(1), entry(2, 0)])
EOF

start_sim "$D" "$P" || exit 1
nothing_sent() { region_blank "$D/mx25r64.bin" 0x0 0x1000 && region_blank "$D/mx25r64.bin" 0xd4000 0x1000 &&
  region_blank "$D/mx25r64.bin" 0x160000 0x1000; }
refused() {  # refused NAME ERE: exit 2, one "Error:" line matching ERE, no secondary touched
  local name=$1 pat=$2 rc=0
  mcu "$P" image upgrade "$WORK/$name.zip" >"$WORK/out" 2>&1 || rc=$?
  CHECKS=$((CHECKS + 1))
  if [ "$rc" = 2 ] && grep -Eq -- "^Error: .*$pat" "$WORK/out" && nothing_sent
  then echo "ok: $name refused: $(cat "$WORK/out")"; else
    FAILS=$((FAILS + 1)); echo "FAIL: $name: exit $rc, want 2 and /$pat/ and blank secondaries"
    sed 's/^/  | /' "$WORK/out"; fi
}
refused swapped01 'net_core_app_update\.bin \(image 0\): image 0 runs on the application core, but this is a network core build'
refused swapped02 'qspi_flash_update\.bin: depends on image 0, its own index: built for another image'

# By hand: the network core's compressed build as image 0 (its vector table is
# inside the compressed body): the device refuses it at `image test`.
check_out "the compressed network core build uploads as image 0" '^Done$' \
  mcu "$P" --quiet image upload "$V2/img1-v2.0.0-c.bin" -n 0
rc=0; mcu "$P" image test "$(digest "$V2/img1-v2.0.0-c.bin")" >"$WORK/t.out" 2>&1 || rc=$?
check "  image test refuses it (exit 1)" test "$rc" = 1
check_out "  for its vector table" IMG_MGMT_ERR_INVALID_IMAGE_VECTOR_TABLE cat "$WORK/t.out"
check "  its slot is erased again" mcu "$P" image erase 1

check_out "the compressed package upgrades image 0" 'image 0: 1\.0\.0 -> 2\.0\.0' \
  mcu "$P" image upgrade "$PKG"
check_out "  image 1" 'image 1: 1\.0\.0 -> 2\.0\.0' cat "$WORK/out"
check_out "  image 2" 'image 2: 1\.0\.0 -> 2\.0\.0' cat "$WORK/out"
up=$(( $(stat -c %s "$V2/img0-v2.0.0-c.bin") + $(stat -c %s "$V2/img1-v2.0.0-c.bin") + $(stat -c %s "$V2/img2-v2.0.0-c.bin") ))
prog=$(sed -n 's/^boot: .* sectors erased, \([0-9]*\) bytes programmed$/\1/p' "$D/sim.log" | tail -n 1)
check "the update boot programmed more bytes ($prog) than were uploaded ($up): it inflated them" \
  test "${prog:-0}" -gt "$up"
mcu "$P" --json image list >"$WORK/list.json" 2>&1
for n in 0 1 2; do
  check_out "after the reset image $n runs 2.0.0" \
    "\"image\":$n,\"slot\":0,\"version\":\"2\\.0\\.0\"[^}]*\"active\":true" cat "$WORK/list.json"
  h=$(digest "$V2/img$n-v2.0.0.bin")
  check_out "  with the plain image's hash (installed decompressed)" \
    "\"image\":$n,\"slot\":0,[^}]*\"hash\":\"$h\"" cat "$WORK/list.json"
done
check_out "a second run: nothing to do" 'already runs this package' mcu "$P" image upgrade "$PKG"

# By hand, as the peers do it: upload a compressed image 1, test it, reset.
# The primary then shows the plain image's hash, not the uploaded file's:
# the client's reset report must still say installed, and exit 0.
COMPRESS=1 "$SRC/scripts/provision" "$BUILD" - 3.0.0 "$WORK/v3" >/dev/null
check_out "a compressed image 1 v3 uploads by hand" '^Done$' \
  mcu "$P" --quiet image upload "$WORK/v3/img1-v3.0.0-c.bin" -n 1
check "  image test" mcu "$P" image test "$(digest "$WORK/v3/img1-v3.0.0-c.bin")"
rc=0; mcu "$P" reset >"$WORK/reset.out" 2>&1 || rc=$?
check "  reset exits 0" test "$rc" = 0
check_out "  and reports it installed" '^image 1: 3\.0\.0 installed$' cat "$WORK/reset.out"
check_out "  the primary runs the plain v3" \
  "\"image\":1,\"slot\":0,[^}]*\"hash\":\"$(digest "$WORK/v3/img1-v3.0.0.bin")\"" \
  mcu "$P" --json image list
finish
