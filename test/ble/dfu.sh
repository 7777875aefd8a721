#!/usr/bin/env bash
# The one-command update over Bluetooth LE: `extxip-mcumgr --conntype ble image upgrade
# dfu_application.zip` checks, uploads v2 of 0/1/2, marks, resets, reconnects once the
# device advertises again after its update boot, and reports each image upgraded; the
# same command again finds nothing to do.
. "$(dirname "$0")/lib_ble.sh"
start_btvirt
D=$WORK/flash; mkdir -p "$D"
provision "$D"
build_images 2.0.0 "$WORK/v2"
start_ble_sim "$D" || exit 1
check_out "image upgrade over BLE: 0, 1, 2 upgraded" 'image 2: 1\.0\.0 -> 2\.0\.0' \
  mcub -q --reset-timeout 300 image upgrade "$WORK/v2/dfu_application.zip"
check_out "images 0 and 1 too" 'image 0: 1\.0\.0 -> 2\.0\.0' cat "$WORK/out"
check_out "image 1" 'image 1: 1\.0\.0 -> 2\.0\.0' cat "$WORK/out"
check_out "the boot log shows the update" 'image 0: upgraded 1\.0\.0 -> 2\.0\.0' cat "$D/sim.log"
check_out "again: nothing to do" 'already runs this package' \
  mcub -q image upgrade "$WORK/v2/dfu_application.zip"
finish
