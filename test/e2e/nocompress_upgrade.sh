#!/usr/bin/env bash
# Issue 22, the other side: a device built WITHOUT -DEXTXIP_BOOT_COMPRESSION (the
# default) given a compressed DFU package (COMPRESS=1 scripts/provision). The client
# cannot know the device's build: it uploads, and the device refuses to mark image 0
# (`image test`: rc 22 IMG_MGMT_ERR_INVALID_IMAGE_HEADER, as its bootloader would
# refuse the flags); `image upgrade` exits 1 saying so, nothing is marked, the device
# is not reset and keeps running v1. (In a build with the option this is
# compressed_upgrade.sh's success: this test SKIPs there.)
# Its own UDP port (lib.sh free_port) and flash dir ($WORK): parallel-safe.
. "$(dirname "$0")/lib.sh"
if grep -q '^EXTXIP_BOOT_COMPRESSION:BOOL=ON$' "$BUILD/CMakeCache.txt" 2>/dev/null; then
  echo "SKIP: $BUILD is built with -DEXTXIP_BOOT_COMPRESSION=ON (see compressed_upgrade.sh)"
  exit 77
fi
P=$(free_port)
D=$WORK/flash; mkdir -p "$D"
provision "$D"
COMPRESS=1 "$SRC/scripts/provision" "$BUILD" - 2.0.0 "$WORK/v2" >/dev/null
start_sim "$D" "$P" || exit 1
boots=$(booted)
rc=0; mcu "$P" image upgrade "$WORK/v2/dfu_application.zip" >"$WORK/up.out" 2>&1 || rc=$?
check "a compressed package on a device without the option: exit 1" test "$rc" = 1
check_out "  the device refuses to mark it, with its code" \
  '^Error: image 0 mark: device error group 1 \(image\) rc 22 \(IMG_MGMT_ERR_INVALID_IMAGE_HEADER\); nothing marked' \
  cat "$WORK/up.out"
mcu "$P" --json image list >"$WORK/list.json" 2>&1
check_fails "  nothing is pending" grep -q '"pending":true' "$WORK/list.json"
check_out "  v1 still runs" '"image":0,"slot":0,"version":"1\.0\.0"[^}]*"active":true' cat "$WORK/list.json"
check "  and the device was not reset" test "$(booted)" = "$boots"
finish
