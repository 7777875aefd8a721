# Shared by the e2e tests: start a simulated device in a fresh flash dir and
# drive it with extxip-mcumgr. Each test passes its own UDP port so tests can
# run in parallel. Expects BUILD (build dir) and SRC (source dir) set.
set -u
SIM="$BUILD/port/posix/extxip-sim"
MCUMGR="$BUILD/tools/mcumgr/extxip-mcumgr"
IMGTOOL="$BUILD/tools/imgtool/extxip-imgtool"
KEY="$SRC/boards/nrf5340dk/extxip-dev-ec-p256.pem"
FAILS=0
CHECKS=0

WORK=$(mktemp -d "${TMPDIR:-/tmp}/extxip-e2e.XXXXXX")
SIM_PID=""
cleanup() {
  [ -n "$SIM_PID" ] && kill "$SIM_PID" 2>/dev/null && wait "$SIM_PID" 2>/dev/null
  rm -rf "$WORK"
}
trap cleanup EXIT

check() {  # check "what" command... : the command must succeed
  local what=$1; shift
  CHECKS=$((CHECKS + 1))
  if "$@" >"$WORK/out" 2>&1; then echo "ok: $what"; else
    FAILS=$((FAILS + 1)); echo "FAIL: $what"; sed 's/^/  | /' "$WORK/out"; fi
}
check_fails() {  # the command must fail (non-zero exit)
  local what=$1; shift
  CHECKS=$((CHECKS + 1))
  if "$@" >"$WORK/out" 2>&1; then
    FAILS=$((FAILS + 1)); echo "FAIL (succeeded): $what"; sed 's/^/  | /' "$WORK/out"
  else echo "ok: $what (failed as expected)"; fi
}
check_out() {  # check_out "what" PATTERN command... : succeeds and prints PATTERN
  local what=$1 pat=$2; shift 2
  CHECKS=$((CHECKS + 1))
  if "$@" >"$WORK/out" 2>&1 && grep -Eq -- "$pat" "$WORK/out"; then echo "ok: $what"; else
    FAILS=$((FAILS + 1)); echo "FAIL: $what (want /$pat/)"; sed 's/^/  | /' "$WORK/out"; fi
}

provision() {  # provision FLASHDIR: v1 of all three parts, as make run does
  "$SRC/scripts/provision" "$BUILD" "$1" 1.0.0 >/dev/null
}
build_images() {  # build_images VERSION OUTDIR
  "$SRC/scripts/provision" "$BUILD" - "$1" "$2" >/dev/null
}

start_sim() {  # start_sim FLASHDIR PORT [extra args]
  local dir=$1 port=$2; shift 2
  "$SIM" run --flash-dir "$dir" --udp "127.0.0.1:$port" --serial-link "$dir/tty" \
    --key "$KEY" "$@" >"$dir/sim.log" 2>&1 &
  SIM_PID=$!
  wait_ready "$port"
}
wait_ready() {  # poll echo until the device answers (boot may take a moment)
  for _ in $(seq 1 100); do
    "$MCUMGR" --conntype udp --connstring "127.0.0.1:$1" -t 0.2 echo up >/dev/null 2>&1 && return 0
    sleep 0.1
  done
  echo "device on port $1 did not come up"; cat "$dir/sim.log" 2>/dev/null
  return 1
}
stop_sim() {
  [ -n "$SIM_PID" ] && kill "$SIM_PID" 2>/dev/null && wait "$SIM_PID" 2>/dev/null
  SIM_PID=""
}
mcu() {  # mcu PORT args...
  local port=$1; shift
  "$MCUMGR" --conntype udp --connstring "127.0.0.1:$port" -t 5 "$@"
}
digest() {  # the "Image digest" imgtool verify prints
  "$IMGTOOL" verify -k "$KEY" "$1" | sed -n 's/^Image digest: //p'
}
finish() {
  echo "$((CHECKS - FAILS)) passed, $FAILS failed"
  [ "$FAILS" = 0 ]
}
