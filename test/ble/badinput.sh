#!/usr/bin/env bash
# ATT bad input over the emulated link (att_raw.py plays a central sending
# what the real client never does): unknown handles, writes longer than the
# MTU, writes to non-writable handles, requests before notifications are
# enabled, a request split at every byte boundary, fragments overrunning the
# SMP length. Each gets Zephyr's answer (ATT error or silent drop), the
# device keeps serving, and no flash byte changes.
. "$(dirname "$0")/lib_ble.sh"
start_btvirt
D=$WORK/flash; mkdir -p "$D"
provision "$D"
start_ble_sim "$D" || exit 1
before=$(cat "$D"/*.bin | sha256sum)
python3 -S "$(dirname "$0")/att_raw.py" "$BT_SOCK" >"$WORK/raw.out" 2>&1
rc=$?
sed 's/^/  raw: /' "$WORK/raw.out"
CHECKS=$((CHECKS + 1))
if [ "$rc" = 0 ]; then echo "ok: every ATT bad-input check"; else
  FAILS=$((FAILS + 1)); echo "FAIL: $rc ATT bad-input checks"; fi
check "device advertises again after the raw central left" wait_adverts 2
check_out "the real client still works" '^still here$' mcub echo "still here"
check "flash unchanged" test "$(cat "$D"/*.bin | sha256sum)" = "$before"
finish
