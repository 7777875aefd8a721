#!/usr/bin/env bash
# Disconnect in the middle of an upload over BLE: the device's flash runs at
# the MX25R64's worst-case timing in real time, the uploading client is
# killed (SIGKILL: no goodbye, the device notices the lost link), and a new
# client reconnects and continues from the device's offset, not from 0.
. "$(dirname "$0")/lib_ble.sh"
start_btvirt
D=$WORK/flash; mkdir -p "$D"
provision "$D"
build_images 2.0.0 "$WORK/v2"
F=$WORK/v2/img2-v2.0.0.bin
start_ble_sim "$D" --timing worst --real-time || exit 1

mcub image upload "$F" -n 2 >"$WORK/up1.out" 2>"$WORK/up1.err" &
UP=$!; BG_PIDS="$BG_PIDS $UP"
check "first upload reaches 30%" wait_progress "$WORK/up1.err" 30
kill -9 "$UP" 2>/dev/null; wait "$UP" 2>/dev/null
check_fails "first upload did not finish" grep -q '^Done' "$WORK/up1.out"
last=$(sed -n 's/^upload: *\([0-9]*\)%.*/\1/p' "$WORK/up1.err" | tail -n 1)
echo "  (client killed after ${last}%)"
check "device notices the lost link and advertises again" wait_adverts 2

check_out "second upload completes" '"ok":true' mcub --json image upload "$F" -n 2
cp "$WORK/out" "$WORK/up2.json"
from=$(sed -n 's/.*"resumed_from":\([0-9]*\).*/\1/p' "$WORK/up2.json")
size=$(stat -c %s "$F")
echo "  (resumed from offset $from of $size)"
check "resumed, not restarted at 0 (from $from)" test "${from:-0}" -gt 0
check_out "device answers that the file matches" '"match":true' cat "$WORK/up2.json"
check "slot bytes equal the file" test "$(region_sum "$D/mx25r64.bin" 0x160000 "$size")" = \
  "$(sha256sum <"$F" | cut -d' ' -f1)"
finish
