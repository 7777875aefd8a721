#!/usr/bin/env bash
# The sample's flow, end to end over UDP: v1 flashed, upload v2 of images
# 0, 1, 2 with extxip-mcumgr, test each by the digest imgtool verify prints,
# reset, and see v2 running after a real pass through the bootloader.
. "$(dirname "$0")/lib.sh"
P=$(free_port)
D=$WORK/flash; mkdir -p "$D"
provision "$D"
build_images 2.0.0 "$WORK/v2"
start_sim "$D" "$P" || exit 1

check_out "v1 running" 'image=0 slot=0.*' mcu "$P" image list
check_out "v1 version listed" 'version: 1\.0\.0' mcu "$P" image list
for n in 0 1 2; do
  check "upload image $n v2" mcu "$P" --quiet image upload "$WORK/v2/img$n-v2.0.0.bin" -n "$n"
done
check_out "v2 in secondary of image 2" 'version: 2\.0\.0' mcu "$P" image list
for n in 0 1 2; do
  h=$(digest "$WORK/v2/img$n-v2.0.0.bin")
  check "test image $n ($h)" mcu "$P" image test "$h"
done
check_out "pending after test" 'pending' mcu "$P" image list
check "reset" mcu "$P" reset
wait_reboot "$P"
check_out "v2 running after reset" 'version: 2\.0\.0' mcu "$P" image list
check_fails "no v1 left" grep -q "version: 1.0.0" "$WORK/out"
check_out "boot log shows the upgrade" 'image 0: upgraded 1\.0\.0 -> 2\.0\.0' cat "$D/sim.log"
check_out "the board it ran on" "extxip-sim: ${EXTXIP_BOARD:-nrf5340dk}_nrf5340_cpuapp \\(simulated\\)" cat "$D/sim.log"
finish
