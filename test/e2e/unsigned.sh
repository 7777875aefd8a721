#!/usr/bin/env bash
# Images the device must not run: unsigned (imgtool's own unsigned vector,
# and our v2 netcore image signed with no key), signed by an unknown key, and
# signed with MCUboot's published development key (anyone can sign with it;
# the device was started with its own --key and trusts nothing else).
# The image group refuses to test them (error named, not pending). A padded
# file carries its own "test" trailer, so the upload alone makes it pending:
# then the bootloader refuses it at reset ("refused" in the log, the reason
# over SMP in image list's bootReport), the old image keeps running.
. "$(dirname "$0")/lib.sh"
exits() {  # exits N command...: the command exits with status N
  local want=$1 rc=0; shift
  "$@" || rc=$?
  [ "$rc" = "$want" ] || { echo "exit status $rc, want $want"; return 1; }
}
P=$(free_port)
D=$WORK/flash; mkdir -p "$D"
provision "$D"
build_images 2.0.0 "$WORK/v2"
start_sim "$D" "$P" --boot-report || exit 1
common=(--version 2.0.0 --header-size 0x200 --pad-header --align 4 --slot-size 0x40000)
"$IMGTOOL" sign "${common[@]}" "$WORK/v2/net.raw" "$WORK/u1.bin" >/dev/null
"$IMGTOOL" sign "${common[@]}" --pad "$WORK/v2/net.raw" "$WORK/u1pad.bin" >/dev/null
"$IMGTOOL" keygen -k "$WORK/other.pem" -t ecdsa-p256 >/dev/null
"$IMGTOOL" sign "${common[@]}" --key "$WORK/other.pem" --version 2.1.0 --pad "$WORK/v2/net.raw" \
  "$WORK/o1pad.bin" >/dev/null
hash_of() { "$IMGTOOL" verify "$1" | sed -n 's/^Image digest: //p'; }
test_refused() {  # test_refused HASH: exit 1, the error named
  local rc=0
  mcu "$P" image test "$1" || rc=$?
  [ "$rc" = 1 ] || { echo "exit status $rc, want 1"; return 1; }
}
S1=0xd4000; SZ1=0x40000   # image 1 secondary in mx25r64.bin

V=$VECTORS/images/img0-v1.0.0.unsigned.bin
check_out "imgtool's unsigned vector uploads to image 0" '^Done$' mcu "$P" --quiet image upload "$V" -n 0
h=$(hash_of "$V")
check_out "  listed with its digest" "hash: $h" mcu "$P" image list
check_out "  test refused: no signature (5, not 23 'header magic')" 'IMG_MGMT_ERR_INVALID_TLV' test_refused "$h"
check_fails "  not pending" grep -q '"pending":true' <(mcu "$P" --json image list)

check_out "unsigned v2 (no key) uploads to image 1" '^Done$' mcu "$P" --quiet image upload "$WORK/u1.bin" -n 1
h=$(hash_of "$WORK/u1.bin")
before=$(region_sum "$D/mx25r64.bin" $S1 $SZ1)
check_out "  test refused: no signature (5, not 23 'header magic')" 'IMG_MGMT_ERR_INVALID_TLV' test_refused "$h"
check "  nothing written (no trailer)" test "$(region_sum "$D/mx25r64.bin" $S1 $SZ1)" = "$before"
check_out "  confirm refused too" 'IMG_MGMT_ERR' \
  bash -c "'$MCUMGR' --conntype udp --connstring 127.0.0.1:$P image confirm $h; [ \$? = 1 ]"

check_out "padded unsigned file (its own test trailer) uploads" '^Done$' \
  mcu "$P" --quiet image upload "$WORK/u1pad.bin" -n 1
check_out "  and is pending by its trailer alone" '"image":1,"slot":1,[^}]*"pending":true' \
  mcu "$P" --json image list
check_out "reset reports image 1 refused (exit 1)" 'image 1: .* refused by the bootloader' exits 1 mcu "$P" reset
wait_reboot "$P"
check_out "boot log: pending image 1 refused (no signature)" \
  'image 1: pending upgrade to .* refused: secondary image failed validation' cat "$D/sim.log"
check_out "old image 1 still runs" '"image":1,"slot":0,"version":"1\.0\.0"[^}]*"active":true' \
  mcu "$P" --json image list
check_out "refusal reported over SMP (bootReport)" \
  'image 1: upgrade refused \(secondary image failed validation\)' mcu "$P" --json image list
check_fails "refused image removed from the secondary" grep -q '"image":1,"slot":1' "$WORK/out"

check_out "image signed by an unknown key uploads" '^Done$' \
  mcu "$P" --quiet image upload "$WORK/o1pad.bin" -n 1
check_out "reset reports image 1 refused (exit 1)" 'image 1: .* refused by the bootloader' exits 1 mcu "$P" reset
wait_reboot "$P"
check_out "boot log: refused again" 'boot: image 1: pending upgrade to .* refused' \
  bash -c "tac '$D/sim.log' | sed '/power on (boot 3)/q' | tac"
check_out "old image 1 still runs" '"image":1,"slot":0,"version":"1\.0\.0"[^}]*"active":true' \
  mcu "$P" --json image list
V=$VECTORS/images/img1-v2.0.0.signed.bin
check_out "image signed with MCUboot's public dev key uploads" '^Done$' \
  mcu "$P" --quiet image upload "$V" -n 1
h=$(hash_of "$V")
check_out "  test refused: not a key this device trusts (5, not 23)" 'IMG_MGMT_ERR_INVALID_TLV' \
  test_refused "$h"
"$IMGTOOL" sign "${common[@]}" --key "$VECTORS/images/keys/mcuboot-dev-ec-p256.pem" --version 2.2.0 \
  --pad "$WORK/v2/net.raw" "$WORK/m1pad.bin" >/dev/null
check_out "padded file signed with MCUboot's dev key uploads (pending by its trailer)" '^Done$' \
  mcu "$P" --quiet image upload "$WORK/m1pad.bin" -n 1
check_out "reset reports image 1 refused (exit 1)" 'image 1: .* refused by the bootloader' exits 1 mcu "$P" reset
wait_reboot "$P"
check_out "boot log: refused" 'boot: image 1: pending upgrade to 2\.2\.0 refused' \
  bash -c "tac '$D/sim.log' | sed '/power on (boot 4)/q' | tac"
check_out "old image 1 still runs" '"image":1,"slot":0,"version":"1\.0\.0"[^}]*"active":true' \
  mcu "$P" --json image list
check_out "device still answers" '^alive$' mcu "$P" echo alive
finish
