#!/usr/bin/env bash
# The sample's flow over Bluetooth LE, as its README types it
# (mcumgr --conntype ble --connstring peer_name='Zephyr' ...): echo, image
# list, upload v2 of images 0/1/2, test each by imgtool's digest, reset (the
# device goes through the bootloader and advertises again), reconnect, list.
. "$(dirname "$0")/lib_ble.sh"
start_btvirt
D=$WORK/flash; mkdir -p "$D"
provision "$D"
build_images 2.0.0 "$WORK/v2"
start_ble_sim "$D" || exit 1

check_out "echo over BLE" '^hello ble$' mcub echo "hello ble"
check_out "v1 listed over BLE" 'version: 1\.0\.0' mcub image list
for n in 0 1 2; do
  check "upload -e -n $n of v2 over BLE" mcub --quiet image upload -e -n "$n" "$WORK/v2/img$n-v2.0.0.bin"
done
check_out "v2 in the secondary slots" 'version: 2\.0\.0' mcub image list
for n in 0 1 2; do
  h=$(digest "$WORK/v2/img$n-v2.0.0.bin")
  check "test image $n by digest" mcub image test "$h"
done
check_out "pending after test" 'pending' mcub image list
check "reset over BLE" mcub reset
check "device boots and advertises again" wait_adverts 2 boot
check_out "v2 running after reconnect" 'version: 2\.0\.0' mcub image list
check_fails "no v1 left" grep -q "version: 1.0.0" "$WORK/out"
check_out "boot log shows the upgrade" 'image 0: upgraded 1\.0\.0 -> 2\.0\.0' cat "$D/sim.log"
check_out "the device saw the central connect and leave" 'ble: disconnected' cat "$D/sim.log"
finish
