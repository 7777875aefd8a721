#!/usr/bin/env bash
# A second central while one is connected: refused. The device serves one
# connection at a time and stops advertising while connected (as Zephyr's
# smp_svr with CONFIG_BT_MAX_CONN=1), so a second central's scan finds
# nothing and it exits "peer not found"; once the first leaves, the device
# advertises again and the second central is served.
. "$(dirname "$0")/lib_ble.sh"
start_btvirt
D=$WORK/flash; mkdir -p "$D"
provision "$D"
start_ble_sim "$D" || exit 1

python3 -S "$(dirname "$0")/fake_peer.py" "$BT_SOCK" hold 4 >"$WORK/hold.out" 2>&1 &
HOLD=$!; BG_PIDS="$BG_PIDS $HOLD"
check "first central connected" wait_for "$WORK/hold.out" '^ready'
check_out "second central refused: the device is not advertising" 'peer Zephyr not found' \
  rc_is 3 "$MCUMGR" --conntype ble --connstring "$CS,scan_timeout=1" echo second
check_out "the device saw one connection only" '^1$' grep -c '^ble: connected' "$SIM_LOG"
wait "$HOLD"
check "first central left; advertising again" wait_adverts 2
check_out "second central served now" '^second$' mcub echo second
finish
