#!/usr/bin/env bash
# Issue 22: a board whose secondary slots are about 70 % of its primaries, as the
# nRF Connect SDK sizes them for compressed images (boards/nrf5340dk_compressed:
# image 0 0x94000 of 0xd4000, images 1 and 2 0x2c000 of 0x40000). The simulator is
# built for it in its own build dir inside this one (same compiler and sanitizers,
# -DEXTXIP_BOOT_COMPRESSION=ON, which the board requires: configuring it without is
# refused). On that device:
#  - slot info reports the smaller secondaries;
#  - an application image of 700000 bytes, more than its secondary, is refused up
#    front when plain: `image upgrade` before a byte is sent (slot info), `image
#    upload` by the device at the first chunk (rc IMG_MGMT_ERR_INVALID_IMAGE_TOO_LARGE,
#    as Zephyr's img_mgmt), the secondary left blank either way;
#  - the same image compressed fits, and the package with it upgrades all three
#    images: `image list` shows 2.0.0 running, image 0 with its plain hash.
# Its own UDP port (lib.sh free_port) and flash dir ($WORK): parallel-safe.
set -u
if ! grep -q '^EXTXIP_BOOT_COMPRESSION:BOOL=ON$' "$BUILD/CMakeCache.txt" 2>/dev/null; then
  echo "SKIP: $BUILD is not built with -DEXTXIP_BOOT_COMPRESSION=ON (no compressed install)"
  exit 77
fi
sub="$BUILD/board-nrf5340dk_compressed"
args=(-DCMAKE_BUILD_TYPE=RelWithDebInfo -DEXTXIP_BOARD=nrf5340dk_compressed)
[ -n "${EXTXIP_SUB_CC:-}" ] && args+=(-DCMAKE_C_COMPILER="$EXTXIP_SUB_CC")
[ "${EXTXIP_SUB_SANITIZE:-OFF}" = ON ] && args+=(-DEXTXIP_SANITIZE=ON)
lzma=$(sed -n 's/^EXTXIP_LZMA_SDK_SRC:PATH=//p' "$BUILD/CMakeCache.txt")
[ -n "$lzma" ] && args+=(-DEXTXIP_LZMA_SDK_SRC="$lzma")   # the tree this build fetched
nocomp=$(mktemp -d "${TMPDIR:-/tmp}/extxip-nocomp.XXXXXX")
if cmake -S "$SRC" -B "$nocomp" -G Ninja "${args[@]}" >"$nocomp.log" 2>&1 ||
   ! grep -q 'needs -DEXTXIP_BOOT_COMPRESSION=ON' "$nocomp.log"; then
  cat "$nocomp.log"; rm -rf "$nocomp" "$nocomp.log"
  echo "FAIL: the board configured without the decompressing bootloader"; exit 1
fi
rm -rf "$nocomp" "$nocomp.log"
echo "ok: the board refuses to configure without -DEXTXIP_BOOT_COMPRESSION=ON"
if ! cmake -S "$SRC" -B "$sub" -G Ninja "${args[@]}" -DEXTXIP_BOOT_COMPRESSION=ON \
     >"$BUILD/board-nrf5340dk_compressed.log" 2>&1 ||
   ! cmake --build "$sub" --target extxip-sim >>"$BUILD/board-nrf5340dk_compressed.log" 2>&1; then
  tail -20 "$BUILD/board-nrf5340dk_compressed.log"
  echo "FAIL: the nrf5340dk_compressed simulator did not build"; exit 1
fi
export EXTXIP_SIM="$sub/port/posix/extxip-sim" EXTXIP_BOARD=nrf5340dk_compressed
. "$(dirname "$0")/lib.sh"

P=$(free_port)
D=$WORK/flash; mkdir -p "$D"
# v1 plain on the flash (the primaries are the DK's), v2 compressed in the package.
COMPRESS=1 build_images 1.0.0 "$WORK/v1"
for n in 0 1 2; do "$SIM" program --flash-dir "$D" "$n" "$WORK/v1/img$n-v1.0.0.bin" >/dev/null; done
COMPRESS=1 build_images 2.0.0 "$WORK/v2"
V2=$WORK/v2
# Image 0 of 700000 bytes: fits its primary (0xd4000), not its secondary (0x94000).
"$SIM" mkpayload --part app --size 700000 --link-id 2 --seed 2 --code -o "$WORK/big.raw"
s0=(--key "$KEY" --version 2.0.0 --header-size 0x200 --pad-header --align 4 --slot-size 0xd4000
    --dependencies "(2,2.0.0)")
"$IMGTOOL" sign "${s0[@]}" "$WORK/big.raw" "$WORK/big0.bin" >/dev/null
"$IMGTOOL" sign "${s0[@]}" --compression lzma2armthumb "$WORK/big.raw" "$WORK/big0-c.bin" >/dev/null
"$IMGTOOL" dfu-package -o "$WORK/plain.zip" 0="$WORK/big0.bin" 1="$V2/img1-v2.0.0.bin" \
  2="$V2/img2-v2.0.0.bin"
"$IMGTOOL" dfu-package -o "$WORK/comp.zip" 0="$WORK/big0-c.bin" 1="$V2/img1-v2.0.0-c.bin" \
  2="$V2/img2-v2.0.0-c.bin"
check "the plain image 0 is larger than its secondary (606208 bytes)" \
  test "$(stat -c %s "$WORK/big0.bin")" -gt 606208
check "its compressed form is not" test "$(stat -c %s "$WORK/big0-c.bin")" -lt 606208

start_sim "$D" "$P" || exit 1
check_out "the device runs v1" '"image":0,"slot":0,"version":"1\.0\.0"' mcu "$P" --json image list
check_out "slot info: image 0's secondary is 606208 bytes (69.8 % of 868352)" \
  '"image":0,"slots":\[\{"slot":0,"size":868352[^]]*\{"slot":1,"size":606208' \
  mcu "$P" --json image slot-info
check_out "  images 1 and 2: 180224 (68.75 % of 262144)" \
  '"image":2,"slots":\[\{"slot":0,"size":262144[^]]*\{"slot":1,"size":180224' cat "$WORK/out"
secondaries_blank() { region_blank "$D/mx25r64.bin" 0x0 0x94000 &&
  region_blank "$D/mx25r64.bin" 0x94000 0x2c000 && region_blank "$D/mx25r64.bin" 0x160000 0x2c000; }
check "the secondaries are blank" secondaries_blank
boots=$(booted)

rc=0; mcu "$P" image upgrade "$WORK/plain.zip" >"$WORK/plain.out" 2>&1 || rc=$?
check "image upgrade with the plain 700000-byte image 0: exit 1" test "$rc" = 1
check_out "  refused before sending: it does not fit" \
  '^Error: image 0 \(internal_flash_update\.bin, [0-9]+ bytes\) does not fit its secondary slot on the device \(606208 bytes\); nothing sent$' \
  cat "$WORK/plain.out"
check "  nothing written" secondaries_blank
rc=0; mcu "$P" image upload -n 0 "$WORK/big0.bin" >"$WORK/up.out" 2>&1 || rc=$?
check "image upload of it: the device refuses the first chunk (exit 1)" test "$rc" = 1
check_out "  with Zephyr's code for it" 'IMG_MGMT_ERR_INVALID_IMAGE_TOO_LARGE|img too large' cat "$WORK/up.out"
check "  nothing written" secondaries_blank
check "  and the device was not reset" test "$(booted)" = "$boots"

check_out "the same image compressed: the package upgrades image 0" 'image 0: 1\.0\.0 -> 2\.0\.0' \
  mcu "$P" image upgrade "$WORK/comp.zip"
check_out "  image 1" 'image 1: 1\.0\.0 -> 2\.0\.0' cat "$WORK/out"
check_out "  image 2" 'image 2: 1\.0\.0 -> 2\.0\.0' cat "$WORK/out"
mcu "$P" --json image list >"$WORK/list.json" 2>&1
for n in 0 1 2; do
  check_out "after the reset image $n runs 2.0.0" \
    "\"image\":$n,\"slot\":0,\"version\":\"2\\.0\\.0\"[^}]*\"active\":true" cat "$WORK/list.json"
done
check_out "  image 0 is the 700000-byte plain image, inflated" \
  "\"image\":0,\"slot\":0,[^}]*\"hash\":\"$(digest "$WORK/big0.bin")\"" cat "$WORK/list.json"
finish
