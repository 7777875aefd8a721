#!/usr/bin/env bash
# `extxip-sim run --power-cut-after N`: the device dies at flash operation N
# (exit 3), and the next start goes back through the bootloader, which
# finishes the interrupted update. Here the cut falls inside the update boot:
# v2 of all three images pending, power cut part-way through the copy; the
# restarted device boots the whole v2 set (never a mixed 0+2 pair).
. "$(dirname "$0")/lib.sh"
P=$(free_port)
D=$WORK/flash; mkdir -p "$D"
provision "$D"
build_images 2.0.0 "$WORK/v2"
start_sim "$D" "$P" || exit 1
for n in 0 1 2; do
  check "upload image $n v2" mcu "$P" --quiet image upload "$WORK/v2/img$n-v2.0.0.bin" -n "$n"
  check "test image $n" mcu "$P" image test "$(digest "$WORK/v2/img$n-v2.0.0.bin")"
done
stop_sim

# Power on with a cut armed: the update boot copies ~300 KB; op 120 is mid-copy.
rc=0
timeout 60 "$SIM" run --flash-dir "$D" --udp "127.0.0.1:$P" --no-serial --key "$KEY" \
  --power-cut-after 120 >"$WORK/cut.log" 2>&1 || rc=$?
CHECKS=$((CHECKS + 1))
if [ "$rc" = 3 ]; then echo "ok: device died at the cut (exit 3)"; else
  FAILS=$((FAILS + 1)); echo "FAIL: exit status $rc, want 3"; sed 's/^/  | /' "$WORK/cut.log"; fi
check_out "the cut is reported" 'power cut after flash operation 120' cat "$WORK/cut.log"
check_fails "no SMP server came up before the cut" grep -q 'SMP server running' "$WORK/cut.log"

start_sim "$D" "$P" || exit 1
check_out "recovery boot finished the update" 'image 0 \(internal application part\): 2\.0\.0 valid' cat "$D/sim.log"
check_out "the XIP half matches the internal half" 'found its XIP part .*link id 2' cat "$D/sim.log"
check_out "image list: v2 running" 'image=2 slot=0' mcu "$P" image list
check_fails "no v1 left in any primary" grep -q 'version: 1\.0\.0' "$WORK/out"
stop_sim
finish
