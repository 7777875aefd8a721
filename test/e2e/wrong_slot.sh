#!/usr/bin/env bash
# Issue 32: an image only ever lands where it belongs. Each image below is
# correctly signed with the device's key; none is built for the slot it is
# sent to, or it asks for something the device does not do:
#  - `image test` refuses it with a clear code before anything is marked:
#    the network core's build uploaded as image 0 (a swapped package): 29
#    INVALID_IMAGE_VECTOR_TABLE; image 1 ROM-fixed to image 2's primary: 25
#    INVALID_FLASH_ADDRESS; LZMA2-compressed, encrypted, non-bootable: 22
#    INVALID_IMAGE_HEADER (an encrypted image was 23 "header magic", a
#    compressed one was scheduled);
#  - padded files carry their own "test" trailer, so the upload alone makes
#    them pending: the bootloader refuses them at reset with a reason in the
#    boot log and the bootReport, copies nothing, and v1 keeps running;
#  - the network core's build programmed into image 0's primary is not booted:
#    the device enters serial recovery instead of jumping into it.
. "$(dirname "$0")/lib.sh"
v1_device_v2_images
SIGNF=$BUILD/test/support/extxip-test-sign-flags
n1=(--key "$KEY" --version 2.0.0 --header-size 0x200 --pad-header --align 4 --slot-size 0x40000)
n0=(--key "$KEY" --version 2.0.0 --header-size 0x200 --pad-header --align 4 --slot-size 0xd4000)
"$IMGTOOL" sign "${n1[@]}" --rom-fixed 0x120000 "$V2/net.raw" "$WORK/rom1.bin" >/dev/null
"$IMGTOOL" sign "${n1[@]}" --rom-fixed 0x120000 --pad "$V2/net.raw" "$WORK/rom1pad.bin" >/dev/null
"$IMGTOOL" sign "${n1[@]}" --non-bootable "$V2/net.raw" "$WORK/nb1.bin" >/dev/null
"$IMGTOOL" sign "${n1[@]}" --non-bootable --pad "$V2/net.raw" "$WORK/nb1pad.bin" >/dev/null
"$IMGTOOL" sign "${n0[@]}" --pad "$V2/net.raw" "$WORK/net-as-0pad.bin" >/dev/null
"$SIGNF" "$KEY" 2.0.0 0x40000 0x400 "$V2/net.raw" "$WORK/lzma2.bin"
"$SIGNF" "$KEY" 2.0.0 0x40000 0x4 "$V2/net.raw" "$WORK/enc.bin"
hash_of() { "$IMGTOOL" verify "$1" | sed -n 's/^Image digest: //p'; }
start_sim "$D" "$P" --boot-report || exit 1

refused_test() {  # refused_test WHAT FILE IMAGE ERRNAME: upload, then test refused, nothing pending
  local what=$1 f=$2 n=$3 err=$4 rc=0
  check_out "$what: uploads as image $n" '^Done$' mcu "$P" --quiet image upload "$f" -n "$n"
  mcu "$P" image test "$(hash_of "$f")" >"$WORK/t.out" 2>&1 || rc=$?
  check_out "  test refused: $err" "$err" cat "$WORK/t.out"
  check "  exit status 1" test "$rc" = 1
  check_fails "  nothing pending" grep -q '"pending":true' <(mcu "$P" --json image list)
  check "  the slot is erased for the next case" mcu "$P" image erase "$(( 2 * n + 1 ))"
}
refused_test "the network core's build" "$V2/img1-v2.0.0.bin" 0 IMG_MGMT_ERR_INVALID_IMAGE_VECTOR_TABLE
refused_test "the application part" "$V2/img0-v2.0.0.bin" 1 IMG_MGMT_ERR_INVALID_IMAGE_VECTOR_TABLE
refused_test "image 1 ROM-fixed to image 2's primary" "$WORK/rom1.bin" 1 IMG_MGMT_ERR_INVALID_FLASH_ADDRESS
refused_test "LZMA2-compressed" "$WORK/lzma2.bin" 1 'IMG_MGMT_ERR_INVALID_IMAGE_HEADER\b'
refused_test "encrypted" "$WORK/enc.bin" 1 'IMG_MGMT_ERR_INVALID_IMAGE_HEADER\b'
refused_test "non-bootable" "$WORK/nb1.bin" 1 'IMG_MGMT_ERR_INVALID_IMAGE_HEADER\b'

exits() { local want=$1 rc=0; shift; "$@" || rc=$?; [ "$rc" = "$want" ] || { echo "exit status $rc, want $want"; return 1; }; }
boot_refuses() {  # boot_refuses WHAT FILE IMAGE REASON: pending by its trailer, refused at reset
  local what=$1 f=$2 n=$3 why=$4 pri before boots
  pri=$([ "$n" = 0 ] && echo "flash_primary.bin 0x10000 0xd4000" || echo "flash_ctrl.bin 0x0 0x40000")
  set -- $pri
  before=$(region_sum "$D/$1" "$2" "$3")
  boots=$(grep -c 'power on' "$D/sim.log")
  check_out "$what (padded, its own test trailer) uploads as image $n" '^Done$' \
    mcu "$P" --quiet image upload "$f" -n "$n"
  check_out "reset reports image $n refused by the bootloader (exit 1)" \
    "image $n: 2\\.0\\.0 refused by the bootloader" exits 1 mcu "$P" reset
  wait_ready "$P"
  check_out "  boot log: refused, $why" "boot: image $n: pending upgrade to 2\\.0\\.0 refused: $why" \
    bash -c "tac '$D/sim.log' | sed '/power on (boot $((boots + 1)))/q' | tac"
  check_out "  bootReport says so" "image $n: upgrade refused \\(${why%%:*}\\)" mcu "$P" --json image list
  check_out "  v1 still runs" "\"image\":$n,\"slot\":0,\"version\":\"1\\.0\\.0\"[^}]*\"active\":true" \
    cat "$WORK/out"
  check "  nothing was copied into the primary" test "$(region_sum "$D/$1" "$2" "$3")" = "$before"
}
boot_refuses "the network core's build" "$WORK/net-as-0pad.bin" 0 \
  'image not built for this slot: built for another slot'
boot_refuses "image 1 ROM-fixed to image 2's primary" "$WORK/rom1pad.bin" 1 \
  "image not built for this slot: ROM-fixed to another slot's address"
boot_refuses "non-bootable image 1" "$WORK/nb1pad.bin" 1 \
  'header flags not supported: image is marked non-bootable'
check_out "its own image 1 is still taken" '^Done$' mcu "$P" --quiet image upload "$V2/img1-v2.0.0.bin" -n 1
check "  and tested" mcu "$P" image test "$(hash_of "$V2/img1-v2.0.0.bin")"
check "reset" mcu "$P" reset
wait_reboot "$P"
check_out "  and installed" '"image":1,"slot":0,"version":"2\.0\.0"[^}]*"active":true' \
  mcu "$P" --json image list
stop_sim

# A network-core build in image 0's primary (flashed over SWD): never booted.
"$SIM" program --flash-dir "$D" 0 "$V2/img1-v2.0.0.bin" >/dev/null 2>&1
start_sim "$D" "$P" || exit 1
check_out "image 0's primary holds the network core's build: not bootable" \
  'boot: image 0 \(internal application part\): NOT bootable: image not built for this slot' \
  cat "$D/sim.log"
check_out "  serial recovery instead of a jump into it" 'serial recovery' cat "$D/sim.log"
check_fails "  the application did not start" grep -q 'SMP server running' \
  <(tac "$D/sim.log" | sed '/power on/q')
finish
