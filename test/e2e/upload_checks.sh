#!/usr/bin/env bash
# image upload checks the file locally before one byte is sent (issue 26 #4):
# a DFU package, a raw binary, a torn image and another image's file are
# refused in one line with a hint, exit 2, the device untouched; a normal
# and an imgtool --pad image still upload; --force sends anything (the
# device then judges, as the device-side tests need).
. "$(dirname "$0")/lib.sh"
D="$WORK/flash"
provision "$D"
build_images 2.0.0 "$WORK/v2"
P=$(free_port)
start_sim "$D" "$P" || exit 1
exits() { local want=$1 rc=0; shift; "$@" || rc=$?; [ "$rc" = "$want" ] || { echo "exit status $rc, want $want"; return 1; }; }
state() { mcu "$P" --json image list; }
before=$(state)
check_out "a DFU package is refused with a hint to image upgrade" \
  "is a zip file \\(a DFU package\\?\\): use 'image upgrade" exits 2 mcu "$P" image upload "$WORK/v2/dfu_application.zip" -n 0
head -c 5000 /dev/urandom > "$WORK/raw.bin"
check_out "a raw binary is refused: not an MCUboot image" 'is not an MCUboot image for image 1' \
  exits 2 mcu "$P" image upload "$WORK/raw.bin" -n 1
check_out "image 2's file sent as image 0 is refused" 'is not an MCUboot image for image 0: .*another image' \
  exits 2 mcu "$P" image upload "$WORK/v2/img2-v2.0.0.bin" -n 0
head -c 20000 "$WORK/v2/img1-v2.0.0.bin" > "$WORK/torn.bin"
check_out "a torn image is refused" 'is not an MCUboot image for image 1' \
  exits 2 mcu "$P" image upload "$WORK/torn.bin" -n 1
check "  the refusal is one line" test "$(grep -c . "$WORK/out")" = 1
check "  nothing reached the device" test "$(state)" = "$before"
check_out "a good image uploads" '^Done$' mcu "$P" --quiet image upload "$WORK/v2/img1-v2.0.0.bin" -n 1
check "imgtool --pad of image 1 v2.1.0" "$IMGTOOL" sign --key "$KEY" --version 2.1.0 --header-size 0x200 \
  --pad-header --align 4 --slot-size 0x40000 --pad "$WORK/v2/net.raw" "$WORK/pad.bin"
check_out "an imgtool --pad image uploads (its trailer is the device's to judge)" '^Done$' \
  mcu "$P" --quiet image upload "$WORK/pad.bin" -n 1
check_out "--force sends a raw binary anyway, and the device refuses it" 'INVALID_IMAGE_HEADER_MAGIC' \
  exits 1 mcu "$P" --quiet image upload "$WORK/raw.bin" -n 1 --force
echo "$CHECKS checks, $FAILS failed"
[ "$FAILS" = 0 ]
