#!/usr/bin/env bash
# image upgrade with an image already pending on the device that the package does not
# hold: the reset would install it too, so the client says so before it sends anything
# and stops (exit 1, nothing uploaded, no reset); --force goes on, resets, and the
# report names the extra image.
. "$(dirname "$0")/lib.sh"
v1_device_v2_images
"$IMGTOOL" dfu-package -o "$WORK/app.zip" 0="$V2/img0-v2.0.0.bin" 2="$V2/img2-v2.0.0.bin"
start_sim "$D" "$P" || exit 1
up() { "$MCUMGR" --conntype udp --connstring "127.0.0.1:$P" -t 30 --reset-timeout 300 "$@"; }
h1=$(digest "$V2/img1-v2.0.0.bin")
check "image 1 v2 uploaded by hand" mcu "$P" image upload -n 1 "$V2/img1-v2.0.0.bin"
check "and marked for test" mcu "$P" image test "$h1"
check_out "image 1 is pending" '"image":1,"slot":1,[^}]*"pending":true' mcu "$P" --json image list
boots=$(grep -c 'power on' "$D/sim.log")

rc=0; up image upgrade "$WORK/app.zip" >"$WORK/p.out" 2>"$WORK/p.err" || rc=$?
check "a package without the pending image: exit 1" test "$rc" = 1
check_out "says so, in one line, before anything is sent" \
  '^Error: image 1 \(2\.0\.0\) is pending on the device and not in this package: the reset would install it too; nothing sent \(--force: upgrade and reset anyway\)$' \
  cat "$WORK/p.out"
check "one line" test "$(wc -l <"$WORK/p.out")" = 1
check_fails "nothing uploaded for image 0" grep -q '"image":0,"slot":1' <(mcu "$P" --json image list)
check "the device was not reset" test "$(grep -c 'power on' "$D/sim.log")" = "$boots"
echo "udp:127.0.0.1:$P" >"$WORK/devices"
rc=0; "$MCUMGR" -t 2 --devices "$WORK/devices" image upgrade "$WORK/app.zip" >"$WORK/t.out" 2>&1 || rc=$?
check "the table mode too: exit 1" test "$rc" = 1
check_out "its row says why" 'FAILED .*image 1 \(2\.0\.0\) is pending on the device and not in this package' cat "$WORK/t.out"

check_out "--force: upgraded, and the report names the extra image" \
  'note: image 1 \(2\.0\.0\) was pending and not in the package: this reset installed it too' \
  up --force image upgrade "$WORK/app.zip"
check_out "image 0 upgraded" 'image 0: 1\.0\.0 -> 2\.0\.0' cat "$WORK/out"
check_out "image 2 upgraded" 'image 2: 1\.0\.0 -> 2\.0\.0' cat "$WORK/out"
check_out "image 1 runs v2 too" '"image":1,"slot":0,"version":"2\.0\.0"' mcu "$P" --json image list
check_out "the usage text documents --force" 'image upgrade .*--force' sh -c "'$MCUMGR' --help | tr -s ' \n' ' '"
finish
