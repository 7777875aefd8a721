#!/usr/bin/env bash
# The linked pair (image 0 internal part + image 2 XIP part, each depending
# on the other's version): testing only one of them installs nothing at
# reset (both primaries byte-identical, both still v1, the reason in the
# boot log and in image list's bootReport); once the partner is tested too,
# both move to v2 in one boot, and the app finds its XIP part (link id 2).
. "$(dirname "$0")/lib.sh"
P=$(free_port)
D=$WORK/flash; mkdir -p "$D"
provision "$D"
build_images 2.0.0 "$WORK/v2"
start_sim "$D" "$P" --boot-report || exit 1
primaries() { region_sum "$D/flash_primary.bin" 0x10000 0xd4000; region_sum "$D/mx25r64.bin" 0x120000 0x40000; }
reboot() { mcu "$P" reset >/dev/null && wait_reboot "$P"; }
exits() {  # exits N command...: the command exits with status N
  local want=$1 rc=0; shift
  "$@" || rc=$?
  [ "$rc" = "$want" ] || { echo "exit status $rc, want $want"; return 1; }
}
last_boot() { tac "$D/sim.log" | sed '/\*\*\* power on/q' | tac; }
h0=$(digest "$WORK/v2/img0-v2.0.0.bin"); h2=$(digest "$WORK/v2/img2-v2.0.0.bin")

check "upload image 0 v2 only" mcu "$P" --quiet image upload "$WORK/v2/img0-v2.0.0.bin" -n 0
check_out "test image 0 v2 warns: its partner image 2 is not pending" \
  'warning: image 0 is pending but its linked partner image 2 is not' mcu "$P" image test "$h0"
before=$(primaries)
# The client knows the pair rule: reset warns first, waits for the device
# and says the bootloader refused (exit 1), instead of 'Done' and exit 0.
check_out "reset says image 0 was refused, with the bootloader's reason (exit 1)" \
  'image 0: 2\.0\.0 refused by the bootloader: image 0: upgrade refused' exits 1 mcu "$P" reset
check_out "  after warning before the reset" 'warning: image 0 is pending but its linked partner' cat "$WORK/out"
check "device back" wait_ready "$P"
check_out "boot log: image 0 refused, partner not pending" \
  'image 0: pending upgrade to 2\.0\.0 refused: linked image neither moves with it nor is accepted' last_boot
check_fails "boot log: nothing upgraded" grep -q 'upgraded' <(last_boot)
check "both primaries byte-identical (nothing copied)" test "$(primaries)" = "$before"
check_out "image 0 still runs 1.0.0" '"image":0,"slot":0,"version":"1\.0\.0"' mcu "$P" --json image list
check_out "image 2 still runs 1.0.0" '"image":2,"slot":0,"version":"1\.0\.0"' cat "$WORK/out"
check_out "bootReport says why" 'image 0: upgrade refused \(linked image neither moves with it nor is accepted\)' cat "$WORK/out"
check_out "image 0 v2 stays pending" '"image":0,"slot":1,[^}]*"pending":true' cat "$WORK/out"

check "upload image 2 v2" mcu "$P" --quiet image upload "$WORK/v2/img2-v2.0.0.bin" -n 2
check "test image 2 v2" mcu "$P" image test "$h2"
check_fails "  no pair warning once both are pending" grep -q warning "$WORK/out"
check_out "reset reports both installed (exit 0)" 'image 2: 2\.0\.0 installed' mcu "$P" reset
check_out "  image 0 too" 'image 0: 2\.0\.0 installed' cat "$WORK/out"
check "device back" wait_ready "$P"
check_out "boot log: image 0 upgraded" 'image 0: upgraded 1\.0\.0 -> 2\.0\.0' last_boot
check_out "boot log: image 2 upgraded" 'image 2: upgraded 1\.0\.0 -> 2\.0\.0' last_boot
check_out "app finds the v2 XIP part" 'XIP part at .* \(link id 2\)' last_boot
check_out "image 0 runs v2" "\"image\":0,\"slot\":0,\"version\":\"2\\.0\\.0\",\"hash\":\"$h0\"" \
  mcu "$P" --json image list
check_out "image 2 runs v2" "\"image\":2,\"slot\":0,\"version\":\"2\\.0\\.0\",\"hash\":\"$h2\"" cat "$WORK/out"
check_out "image 1 untouched" '"image":1,"slot":0,"version":"1\.0\.0"' cat "$WORK/out"

# The other way round: only the XIP part of a v3 pair.
build_images 3.0.0 "$WORK/v3"
check "upload image 2 v3 only" mcu "$P" --quiet image upload "$WORK/v3/img2-v3.0.0.bin" -n 2
check "test image 2 v3" mcu "$P" image test "$(digest "$WORK/v3/img2-v3.0.0.bin")"
before=$(primaries)
check_out "reset says image 2 was refused (exit 1)" 'image 2: 3\.0\.0 refused by the bootloader' \
  exits 1 mcu "$P" reset
check "device back" wait_ready "$P"
check_out "boot log: image 2 refused" 'image 2: pending upgrade to 3\.0\.0 refused' last_boot
check "both primaries byte-identical" test "$(primaries)" = "$before"
check_out "both still v2" '"image":0,"slot":0,"version":"2\.0\.0".*"image":2,"slot":0,"version":"2\.0\.0"' \
  mcu "$P" --json image list
finish
