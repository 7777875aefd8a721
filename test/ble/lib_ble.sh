# Shared by the BLE tests: the e2e helpers (lib.sh) plus a private btvirt
# (BlueZ's controller emulator) whose bt-server-le socket gives every client
# that connects its own emulated LE controller. The device (extxip-sim --ble)
# and each extxip-mcumgr run are such clients.
. "$SRC/test/e2e/lib.sh"
BT_DIR=$WORK/bt
BT_SOCK=$BT_DIR/bt-server-le
BTVIRT_PID=""
ble_cleanup() {
  cleanup
  [ -n "$BTVIRT_PID" ] && kill "$BTVIRT_PID" 2>/dev/null && wait "$BTVIRT_PID" 2>/dev/null
}
trap ble_cleanup EXIT

start_btvirt() {  # or exit 77 (SKIP) when the emulator cannot run here
  local bin
  bin=$(command -v btvirt || true)
  [ -z "$bin" ] && [ -x /usr/bin/btvirt ] && bin=/usr/bin/btvirt
  if [ -z "$bin" ]; then echo "SKIP: btvirt not installed (Debian package bluez-test-tools)"; exit 77; fi
  mkdir -p "$BT_DIR"
  # The shim (btvirt_shim.c) stands in for AF_ALG and moves the server sockets into BT_DIR.
  EXTXIP_BTVIRT_DIR=$BT_DIR LD_PRELOAD=$BTVIRT_SHIM "$bin" -s >"$WORK/btvirt.log" 2>&1 &
  BTVIRT_PID=$!
  local end=$((SECONDS + 120))  # a hung emulator only: a slow start is no reason to skip
  while [ $SECONDS -lt $end ]; do
    [ -S "$BT_SOCK" ] && return 0
    kill -0 "$BTVIRT_PID" 2>/dev/null || break
    sleep 0.05
  done
  echo "SKIP: btvirt did not start:"; cat "$WORK/btvirt.log"
  exit 77
}

CS="peer_name=Zephyr,ctlr_path=unix:$BT_SOCK"
mcub() {  # mcub args... : extxip-mcumgr over BLE through its own emulated controller
  "$MCUMGR" --conntype ble --connstring "$CS" -t 30 --reset-timeout 300 "$@"
}
adverts() {  # how many times the device has started advertising (boots and disconnects)
  grep -c '^ble: advertising' "$SIM_LOG" 2>/dev/null || true
}
boot_adverts() {  # how many boots reached advertising
  grep -c '^ble: advertising as' "$SIM_LOG" 2>/dev/null || true
}
wait_adverts() {  # wait_adverts N [boot]: until the device has advertised N times (HANG bound)
  local f=adverts end=$((SECONDS + HANG))
  [ "${2:-}" = boot ] && f=boot_adverts
  while [ $SECONDS -lt $end ]; do
    [ "$($f)" -ge "$1" ] && return 0
    sleep 0.05
  done
  echo "device did not advertise (want $1)"; tail -n 20 "$SIM_LOG"
  return 1
}
start_ble_sim() {  # start_ble_sim FLASHDIR [extra args]: UDP too (for boot readiness)
  local dir=$1; shift
  P=$(free_port)
  start_sim "$dir" "$P" --ble "unix:$BT_SOCK" "$@" || return 1
  wait_adverts 1
}
rc_is() {  # rc_is CODE command...: succeeds when the command exits with CODE
  local want=$1; shift; "$@"; [ $? = "$want" ]
}
