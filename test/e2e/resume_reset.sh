#!/usr/bin/env bash
# Resume after the device loses power mid-upload: slowed flash, the device
# process is SIGKILLed while a client uploads a big image 1, started again
# on the same flash files, and the same upload continues from the device's
# persisted checkpoint (not 0). The result verifies, is tested, and boots.
. "$(dirname "$0")/lib.sh"
P=$(free_port)
D=$WORK/flash; mkdir -p "$D"
provision "$D"
# A network-core image of ~200 KiB (slot 256 KiB): several checkpoints long.
"$SIM" mkpayload --part net --size 200000 --link-id 3 --seed 3 -o "$WORK/net.raw"
F=$WORK/img1-v3.0.0.bin
"$IMGTOOL" sign --key "$KEY" --version 3.0.0 --header-size 0x200 --pad-header --align 4 \
  --slot-size 0x40000 "$WORK/net.raw" "$F" >/dev/null
size=$(stat -c %s "$F")
start_sim "$D" "$P" --timing worst --real-time || exit 1

mcu "$P" image upload "$F" -n 1 >"$WORK/up1.out" 2>"$WORK/up1.err" &
UP=$!; BG_PIDS="$BG_PIDS $UP"
check "upload reaches 40% (past the first 32 KiB checkpoint)" wait_progress "$WORK/up1.err" 40
kill_sim
kill -9 "$UP" 2>/dev/null; wait "$UP" 2>/dev/null
check_fails "interrupted upload did not finish" grep -q '^Done' "$WORK/up1.out"
"$SIM" info --flash-dir "$D" --key "$KEY" >"$WORK/info.txt" 2>&1
sed -n 's/^ *\(slot 3 .*\); trailer.*/  (\1)/p' "$WORK/info.txt"
check_out "power pulled mid-upload: slot 3 holds a partial image" 'slot 3 [^:]*: (unparseable|version 3)' cat "$WORK/info.txt"
check_fails "the partial image does not validate" grep -q 'slot 3 .*, valid;' "$WORK/info.txt"

start_sim "$D" "$P" || exit 1
check_out "device boots v1 after the cut" 'image 1 \(network core\): 1\.0\.0 valid' cat "$D/sim.log"
check_out "same upload again completes" '"ok":true' mcu "$P" --json image upload "$F" -n 1
cp "$WORK/out" "$WORK/up2.json"
from=$(sed -n 's/.*"resumed_from":\([0-9]*\).*/\1/p' "$WORK/up2.json")
echo "  (resumed from offset $from of $size)"
check "resumed from a checkpoint, not 0 (from $from)" test "${from:-0}" -gt 0
check "resume point is a 32 KiB checkpoint" test $(( ${from:-1} % 32768 )) = 0
check_out "device answers that the file matches" '"match":true' cat "$WORK/up2.json"
check "slot bytes equal the file" test "$(region_sum "$D/mx25r64.bin" 0xd4000 "$size")" = \
  "$(sha256sum <"$F" | cut -d' ' -f1)"
h=$(digest "$F")
check_out "imgtool verify accepts the file" 'Image was correctly validated' "$IMGTOOL" verify -k "$KEY" "$F"
check_out "image list shows it" "hash: $h" mcu "$P" image list
check "test it" mcu "$P" image test "$h"
check "reset" mcu "$P" reset
wait_reboot "$P"
check_out "boot log: image 1 upgraded to 3.0.0" 'image 1: upgraded 1\.0\.0 -> 3\.0\.0' cat "$D/sim.log"
check_out "image 1 runs 3.0.0" 'image=1 slot=0' mcu "$P" image list
check_out "image 1 slot 0 is 3.0.0 with the file's hash" "version: 3\.0\.0" \
  bash -c "'$MCUMGR' --conntype udp --connstring 127.0.0.1:$P --json image list | grep -o '\"image\":1,\"slot\":0,\"version\":\"3.0.0\",\"hash\":\"$h\"' | sed 's/.*/version: 3.0.0/'"
finish
