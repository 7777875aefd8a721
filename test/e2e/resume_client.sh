#!/usr/bin/env bash
# Resume after the client goes away: the device's flash is slowed to the
# MX25R64's worst-case figures in real time, a client uploading image 2 is
# killed mid-upload, and a new client (a new UDP port, so a new peer) runs
# the same upload: it continues from the device's offset, not from 0, and
# the result is the file, byte for byte.
. "$(dirname "$0")/lib.sh"
P=$(free_port)
D=$WORK/flash; mkdir -p "$D"
provision "$D"
build_images 2.0.0 "$WORK/v2"
F=$WORK/v2/img2-v2.0.0.bin
start_sim "$D" "$P" --timing worst --real-time || exit 1

mcu "$P" image upload "$F" -n 2 >"$WORK/up1.out" 2>"$WORK/up1.err" &
UP=$!; BG_PIDS="$BG_PIDS $UP"
check "first upload reaches 30%" wait_progress "$WORK/up1.err" 30
kill -9 "$UP" 2>/dev/null; wait "$UP" 2>/dev/null
check_fails "first upload did not finish" grep -q '^Done' "$WORK/up1.out"
last=$(sed -n 's/^upload: *\([0-9]*\)%.*/\1/p' "$WORK/up1.err" | tail -n 1)
echo "  (client killed after ${last}%)"

check_out "second upload completes" '"ok":true' mcu "$P" --json image upload "$F" -n 2
cp "$WORK/out" "$WORK/up2.json"
from=$(sed -n 's/.*"resumed_from":\([0-9]*\).*/\1/p' "$WORK/up2.json")
size=$(stat -c %s "$F")
echo "  (resumed from offset $from of $size)"
check "resumed, not restarted at 0 (from $from)" test "${from:-0}" -gt 0
check "resume point at or past what the killed client saw acked" \
  test "${from:-0}" -ge $((size * ${last:-100} / 100 - 4096))
check_out "device answers that the file matches" '"match":true' cat "$WORK/up2.json"
h=$(digest "$F")
check_out "image list shows the file's digest" "hash: $h" mcu "$P" image list
check "slot bytes equal the file" test "$(region_sum "$D/mx25r64.bin" 0x160000 "$size")" = \
  "$(sha256sum <"$F" | cut -d' ' -f1)"
check "test the resumed image" mcu "$P" image test "$h"
finish
