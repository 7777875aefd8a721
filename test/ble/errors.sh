#!/usr/bin/env bash
# The BLE client's errors, each one line and exit 3 like the other
# transports' link failures (2 for a bad connstring): no controller, peer not
# found within the scan timeout, a peer without the SMP service, and a peer
# that drops the link in the middle of a command.
. "$(dirname "$0")/lib_ble.sh"
start_btvirt
FP=(python3 -S "$(dirname "$0")/fake_peer.py" "$BT_SOCK")

check_out "no controller: one clear line" 'no controller at unix:' \
  rc_is 3 "$MCUMGR" --conntype ble --connstring "peer_name=Zephyr,ctlr_path=unix:$WORK/none" echo hi
check_out "bad connstring key" 'unrecognized key' \
  rc_is 2 "$MCUMGR" --conntype ble --connstring "peer_nam=Zephyr" echo hi
check_out "bad peer_id" 'peer_id wants' \
  rc_is 2 "$MCUMGR" --conntype ble --connstring "peer_id=12:34" echo hi
check_out "peer not found within the scan timeout" 'peer Nobody not found within 1 s' \
  rc_is 3 "$MCUMGR" --conntype ble --connstring "peer_name=Nobody,ctlr_path=unix:$BT_SOCK,scan_timeout=1" echo hi

"${FP[@]}" nosmp 20 >"$WORK/nosmp.out" 2>&1 &
BG_PIDS="$BG_PIDS $!"
check "fake peer without SMP advertising" wait_for "$WORK/nosmp.out" ready
check_out "peer without the SMP service" 'no SMP service' \
  rc_is 3 "$MCUMGR" --conntype ble --connstring "peer_name=NoSmp,ctlr_path=unix:$BT_SOCK" echo hi

"${FP[@]}" drop 20 >"$WORK/drop.out" 2>&1 &
BG_PIDS="$BG_PIDS $!"
check "fake dropping peer advertising" wait_for "$WORK/drop.out" ready
check_out "peer drops the link during a command" 'disconnected' \
  rc_is 3 "$MCUMGR" --conntype ble --connstring "peer_name=Dropper,ctlr_path=unix:$BT_SOCK" -t 2 echo hi
for p in $BG_PIDS; do kill "$p" 2>/dev/null; done
echo "$((CHECKS - FAILS)) passed, $FAILS failed"
[ "$FAILS" = 0 ]
