#!/usr/bin/env bash
# image upgrade with an older package than the device runs: refused before a
# byte is sent (issue 26 #3; it used to upload 290 KiB, reset, then report the
# bootloader's refusal). --allow-downgrade sends it anyway, and the report
# then says what the bootloader did (downgrade prevention refuses it here).
. "$(dirname "$0")/lib.sh"
P=$(free_port)
D=$WORK/flash; mkdir -p "$D"
"$SRC/scripts/provision" "$BUILD" "$D" 2.0.0 >/dev/null
build_images 1.0.0 "$WORK/v1"
start_sim "$D" "$P" || exit 1
up() { "$MCUMGR" --conntype udp --connstring "127.0.0.1:$P" -t 30 --reset-timeout 300 "$@"; }
boots=$(grep -c 'power on' "$D/sim.log")
before=$(mcu "$P" --json image list)
rc=0; up image upgrade "$WORK/v1/dfu_application.zip" >"$WORK/p.out" 2>&1 || rc=$?
check "a v1 package on a v2 device: exit 1" test "$rc" = 1
check_out "says it is older than the running version, before anything is sent" \
  'image 0\): 1\.0\.0 is older than the running 2\.0\.0, which the bootloader refuses \(downgrade prevention\); nothing sent \(--allow-downgrade to try\)' \
  cat "$WORK/p.out"
check "nothing uploaded" test "$(mcu "$P" --json image list)" = "$before"
check "the device was not reset" test "$(grep -c 'power on' "$D/sim.log")" = "$boots"
rc=0; up image upgrade --allow-downgrade "$WORK/v1/dfu_application.zip" >"$WORK/a.out" 2>&1 || rc=$?
check "--allow-downgrade sends it and resets" test "$(grep -c 'power on' "$D/sim.log")" -gt "$boots"
check_out "  and reports the bootloader's refusal" 'refused|downgrade' cat "$WORK/a.out"
check "  exit 1" test "$rc" = 1
check_out "the device still runs 2.0.0" '"image":0,"slot":0,"version":"2\.0\.0"' mcu "$P" --json image list
echo "$CHECKS checks, $FAILS failed"
[ "$FAILS" = 0 ]
