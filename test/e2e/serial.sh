#!/usr/bin/env bash
# The sample's flow over the PTY serial transport (UART console framing):
# v1 flashed, upload v2 of all three images through the device's serial
# port, test each, reset over serial, and see v2 running after a pass
# through the bootloader; the serial link still answers after the reset.
. "$(dirname "$0")/lib.sh"
P=$(free_port)
D=$WORK/flash; mkdir -p "$D"
provision "$D"
build_images 2.0.0 "$WORK/v2"
start_sim "$D" "$P" || exit 1

check_out "echo over serial" '^hello serial$' mcu_serial "$D" echo "hello serial"
check_out "v1 listed over serial" 'version: 1\.0\.0' mcu_serial "$D" image list
check_out "serial upload image 0 v2" '^Done$' mcu_serial "$D" --quiet image upload \
  "$WORK/v2/img0-v2.0.0.bin" -n 0
# mtu= as Go mcumgr means it (and its users type it): the packet budget, mtu * 3 / 4 - 13
# bytes, never the line length; lines stay within the console's 127 bytes. mtu=2048 used
# to make 2044-character lines the device drops (NMP timeout at offset 0).
for m in 1:2048:1523 2:512:371; do
  n=${m%%:*}; mtu=${m#*:}; mtu=${mtu%%:*}; pkt=${m##*:}
  check_out "serial upload image $n v2 with mtu=$mtu: $pkt-byte packets" \
    "^\\{\"ok\":true,\"off\":[0-9]+,.*\"packet_max\":$pkt," \
    "$MCUMGR" --conntype serial --connstring "dev=$D/tty,baud=115200,mtu=$mtu" -t 5 --json \
    image upload "$WORK/v2/img$n-v2.0.0.bin" -n "$n"
  check_fails "no warning or note for mtu=$mtu" grep -Eiq 'warning|timeout' "$WORK/out"
done
for n in 0 1 2; do
  h=$(digest "$WORK/v2/img$n-v2.0.0.bin")
  check_out "secondary of image $n holds the file ($h)" "hash: $h" mcu_serial "$D" image list
  check "serial test image $n" mcu_serial "$D" image test "$h"
done
check_out "three pending" '("pending":true.*){3}' bash -c "'$MCUMGR' --conntype udp --connstring 127.0.0.1:$P --json image list"
check_out "serial reset" '^Done$' mcu_serial "$D" reset
wait_reboot "$P"
check_out "serial answers after reset" '^again$' mcu_serial "$D" echo again
check_out "v2 running after reset (serial)" 'version: 2\.0\.0' mcu_serial "$D" image list
check_fails "no v1 left" grep -q "version: 1.0.0" "$WORK/out"
for n in 0 1 2; do
  check_out "boot log: image $n upgraded" "image $n: upgraded 1\.0\.0 -> 2\.0\.0" cat "$D/sim.log"
done
check_out "serial confirm" 'confirmed' mcu_serial "$D" image confirm
check_out "device error over serial: erase of the running slot" 'IMG_MGMT_ERR_NO_FREE_SLOT' \
  bash -c "'$MCUMGR' --conntype serial --connstring dev=$D/tty,baud=115200 -t 30 image erase 0; [ \$? = 1 ]"
finish
