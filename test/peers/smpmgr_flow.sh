#!/usr/bin/env bash
# Optional: the real smpmgr CLI (found on PATH) runs the sample's flow over
# the serial port against extxip-sim: upload v2 of images 0 and 2, test both,
# reset, read the state, confirm, then `upgrade` image 1 to v3; every step
# must exit 0 and the device must end on 2.0.0 / 3.0.0 / 2.0.0. Serial only:
# smpmgr's UDP port is fixed at 1337, which parallel tests cannot share
# (docs/compatibility.md has the UDP run). SKIPs (77) without smpmgr.
. "$(dirname "$0")/../e2e/lib.sh"
command -v smpmgr >/dev/null || { echo "SKIP: smpmgr not on PATH"; exit 77; }
P=$(free_port)
D=$WORK/flash; mkdir -p "$D"
provision "$D"
build_images 2.0.0 "$WORK/v2"
build_images 3.0.0 "$WORK/v3"
start_sim "$D" "$P" || exit 1
sm() { smpmgr --port "$D/tty" --timeout 30 "$@"; }
check "smpmgr image state-read" sm image state-read
check "smpmgr image upload image 0 v2" sm image upload "$WORK/v2/img0-v2.0.0.bin" --slot 0
check "smpmgr image upload image 2 v2" sm image upload "$WORK/v2/img2-v2.0.0.bin" --slot 2
check "smpmgr image state-write (test image 0)" sm image state-write "$(digest "$WORK/v2/img0-v2.0.0.bin")"
check "smpmgr image state-write (test image 2)" sm image state-write "$(digest "$WORK/v2/img2-v2.0.0.bin")"
check "smpmgr os reset" sm os reset
wait_reboot "$P"
check_out "smpmgr image state-read: v2 runs" "version='2\.0\.0'" sm image state-read
check "smpmgr image state-write --confirm" sm image state-write --confirm
check "smpmgr upgrade image 1 to v3" sm upgrade "$WORK/v3/img1-v3.0.0.bin" --slot 1
wait_reboot "$P"
check "smpmgr image state-read after upgrade" sm image state-read
check_out "image 1 runs 3.0.0" '"image":1,"slot":0,"version":"3\.0\.0"' mcu "$P" --json image list
check_out "images 0 and 2 run 2.0.0" '"image":0,"slot":0,"version":"2\.0\.0".*"image":2,"slot":0,"version":"2\.0\.0"' cat "$WORK/out"
finish
