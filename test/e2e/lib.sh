# Shared by the e2e tests: start a simulated device in a fresh flash dir and
# drive it with extxip-mcumgr. Each test passes its own UDP port so tests can
# run in parallel. Expects BUILD (build dir) and SRC (source dir) set.
set -u
SIM="${EXTXIP_SIM:-$BUILD/port/posix/extxip-sim}"  # another board's sim: EXTXIP_SIM + EXTXIP_BOARD
MCUMGR="$BUILD/tools/mcumgr/extxip-mcumgr"
IMGTOOL="$BUILD/tools/imgtool/extxip-imgtool"
KEY="$SRC/boards/${EXTXIP_BOARD:-nrf5340dk}/extxip-dev-ec-p256.pem"
E2E_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
SMP_RAW=(python3 -S "$E2E_DIR/smp_raw.py")
FAILS=0
CHECKS=0

WORK=$(mktemp -d "${TMPDIR:-/tmp}/extxip-e2e.XXXXXX")
SIM_PID=""
SIM_PORT=""
SIM_LOG=""
BG_PIDS=""   # other background processes a test started (clients, relays)
cleanup() {
  local p
  for p in $BG_PIDS; do kill "$p" 2>/dev/null; done
  [ -n "$SIM_PID" ] && kill "$SIM_PID" 2>/dev/null && wait "$SIM_PID" 2>/dev/null
  rm -rf "$WORK"
  release_ports
}
trap cleanup EXIT

# Each check leaves the command's output in $WORK/out (written via out.new,
# so a check may itself read the previous check's $WORK/out).
run_out() { "$@" >"$WORK/out.new" 2>&1; local rc=$?; mv "$WORK/out.new" "$WORK/out"; return $rc; }
check() {  # check "what" command... : the command must succeed
  local what=$1; shift
  CHECKS=$((CHECKS + 1))
  if run_out "$@"; then echo "ok: $what"; else
    FAILS=$((FAILS + 1)); echo "FAIL: $what"; sed 's/^/  | /' "$WORK/out"; fi
}
check_fails() {  # the command must fail (non-zero exit)
  local what=$1; shift
  CHECKS=$((CHECKS + 1))
  if run_out "$@"; then
    FAILS=$((FAILS + 1)); echo "FAIL (succeeded): $what"; sed 's/^/  | /' "$WORK/out"
  else echo "ok: $what (failed as expected)"; fi
}
check_out() {  # check_out "what" PATTERN command... : succeeds and prints PATTERN
  local what=$1 pat=$2; shift 2
  CHECKS=$((CHECKS + 1))
  if run_out "$@" && grep -Eq -- "$pat" "$WORK/out"; then echo "ok: $what"; else
    FAILS=$((FAILS + 1)); echo "FAIL: $what (want /$pat/)"; sed 's/^/  | /' "$WORK/out"; fi
}

# Ports for devices: picked outside the kernel's ephemeral range, so no client's
# source port (any process's) can take one between the pick and the device's
# bind, and reserved (a directory per port, owned by this test's pid), so no
# other test of any build dir or worktree on the machine picks it while this one
# runs. The kernel's own pick (bind to port 0, then close) had both races: two
# tests or a client could get the same port (seen as e2e_dfu_exit/e2e_dfu_fleet
# failing once under a parallel ctest).
PORT_DIR="${TMPDIR:-/tmp}/extxip-e2e-ports"
free_port() {  # an unused local UDP port, reserved for this test until it exits
  python3 -S - "$PORT_DIR" "$$" <<'EOF_PORT'
import os, random, socket, sys
d, owner = sys.argv[1], sys.argv[2]
os.makedirs(d, exist_ok=True)
lo, hi = 32768, 60999
try:
    lo, hi = map(int, open("/proc/sys/net/ipv4/ip_local_port_range").read().split())
except (OSError, ValueError):
    pass
span = (10000, lo - 1) if lo > 12000 else (hi + 1, 65535)
def alive(pid):
    try:
        os.kill(pid, 0)
        return True
    except ProcessLookupError:
        return False
    except OSError:
        return True
for _ in range(1000):
    port = random.randint(*span)
    r = os.path.join(d, str(port))
    try:
        os.mkdir(r)
    except FileExistsError:
        try:  # a reservation whose test is gone (killed before its cleanup)
            if not alive(int(open(os.path.join(r, "owner")).read())):
                os.remove(os.path.join(r, "owner")); os.rmdir(r)
        except (OSError, ValueError):
            pass
        continue
    open(os.path.join(r, "owner"), "w").write(owner)
    try:
        s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        s.bind(("127.0.0.1", port))
        s.close()
    except OSError:  # someone outside these tests has it: keep it reserved, try another
        continue
    print(port)
    sys.exit(0)
sys.exit("free_port: no free port in %d..%d" % span)
EOF_PORT
}
release_ports() {  # drop this test's reservations
  local r
  for r in "$PORT_DIR"/*/owner; do
    [ -f "$r" ] && [ "$(cat "$r" 2>/dev/null)" = "$$" ] && rm -rf "$(dirname "$r")"
  done
  return 0
}

provision() {  # provision FLASHDIR: v1 of all three parts, as make run does
  "$SRC/scripts/provision" "$BUILD" "$1" 1.0.0 >/dev/null
}
v1_device_v2_images() {  # sets P (a free port), D (a v1 device's flash dir) and V2 (v2 images)
  P=$(free_port)
  D=$WORK/flash; mkdir -p "$D"
  provision "$D"
  build_images 2.0.0 "$WORK/v2"
  V2=$WORK/v2
}
build_images() {  # build_images VERSION OUTDIR
  "$SRC/scripts/provision" "$BUILD" - "$1" "$2" >/dev/null
}

# Waits end on a readiness signal (a log line, a port that answers), never on
# the clock; their bound (HANG seconds) only ends a hung test, and is far
# beyond what a loaded machine needs. Client timeouts (-t) likewise.
HANG=${EXTXIP_TEST_HANG:-300}
start_sim() {  # start_sim FLASHDIR PORT [extra args]; log appended to FLASHDIR/sim.log
  local dir=$1 port=$2; shift 2
  SIM_LOG="$dir/sim.log"
  "$SIM" run --flash-dir "$dir" --udp "127.0.0.1:$port" --serial-link "$dir/tty" \
    --key "$KEY" "$@" >>"$SIM_LOG" 2>&1 &
  SIM_PID=$! SIM_PORT=$port
  wait_ready "$port"
}
booted() {  # how many times the device of $SIM_LOG has powered on (all its runs)
  grep -c '^\*\*\* power on (boot ' "$SIM_LOG" 2>/dev/null || true
}
BOOT_MARK=0
wait_ready() {  # poll echo until the device on port $1 answers (boot may take a moment)
  local end=$((SECONDS + HANG))
  while [ $SECONDS -lt $end ]; do
    if "$MCUMGR" --conntype udp --connstring "127.0.0.1:$1" -t 0.5 echo up >/dev/null 2>&1; then
      [ -n "$SIM_LOG" ] && [ "$1" = "${SIM_PORT:-}" ] && BOOT_MARK=$(booted)
      return 0
    fi
    # the device start_sim started has exited: it will not come up
    if [ "$1" = "${SIM_PORT:-}" ] && [ -n "$SIM_PID" ] && ! kill -0 "$SIM_PID" 2>/dev/null; then
      break
    fi
    sleep 0.1
  done
  echo "device on port $1 did not come up"; [ -n "$SIM_LOG" ] && cat "$SIM_LOG"
  return 1
}
wait_reboot() {  # wait_reboot PORT: after a reset, until the device has powered on again
  # (its log's next "power on" line; the device may answer the old run's
  # requests until then) and answers on PORT
  local end=$((SECONDS + HANG))
  until [ "$(booted)" -gt "$BOOT_MARK" ]; do
    [ $SECONDS -lt $end ] || { echo "device did not power on again"; tail -n 20 "$SIM_LOG"; return 1; }
    sleep 0.05
  done
  wait_ready "$1"
}
sanitizer_clean() {  # no ASan/UBSan/LSan report in FILE
  ! grep -Eq 'ERROR: (Address|Leak)Sanitizer|runtime error:' "$1"
}
stop_sim() {  # SIGTERM, then the device must exit 0 with no sanitizer report
  [ -n "$SIM_PID" ] || return 0
  local rc=0
  kill "$SIM_PID" 2>/dev/null
  wait "$SIM_PID" 2>/dev/null || rc=$?
  SIM_PID=""
  CHECKS=$((CHECKS + 1))
  if [ "$rc" = 0 ] && sanitizer_clean "$SIM_LOG"; then echo "ok: device stopped cleanly"; else
    FAILS=$((FAILS + 1)); echo "FAIL: device exit status $rc or sanitizer report"
    tail -n 40 "$SIM_LOG" | sed 's/^/  | /'; fi
}
kill_sim() {  # SIGKILL: power pulled, nothing flushed beyond what the flash files hold
  [ -n "$SIM_PID" ] || return 0
  kill -9 "$SIM_PID" 2>/dev/null
  wait "$SIM_PID" 2>/dev/null
  SIM_PID=""
}
mcu() {  # mcu PORT args...
  local port=$1; shift
  # --reset-timeout: a reset with images pending waits for the update boot;
  # 300 s bounds a hung device only (an ASan sim on a busy host is slow).
  "$MCUMGR" --conntype udp --connstring "127.0.0.1:$port" -t 30 --reset-timeout 300 "$@"
}
mcu_serial() {  # mcu_serial FLASHDIR args... : over the device's PTY (FLASHDIR/tty)
  local dir=$1; shift
  "$MCUMGR" --conntype serial --connstring "dev=$dir/tty,baud=115200" -t 30 --reset-timeout 300 "$@"
}
region() {  # region FILE OFFSET SIZE: those bytes of a flash file on stdout
  dd if="$1" iflag=skip_bytes,count_bytes skip=$(($2)) count=$(($3)) bs=64K status=none
}
region_sum() {  # region_sum FILE OFFSET SIZE: sha256 of those bytes
  region "$@" | sha256sum | cut -d' ' -f1
}
region_blank() {  # region_blank FILE OFFSET SIZE: all 0xff
  cmp -s <(region "$@") <(head -c $(($3)) /dev/zero | tr '\0' '\377')
}
wait_for() {  # wait_for FILE ERE: until a line of FILE matches (HANG bound)
  local end=$((SECONDS + HANG))
  while [ $SECONDS -lt $end ]; do
    grep -Eq -- "$2" "$1" 2>/dev/null && return 0
    sleep 0.05
  done
  return 1
}
wait_progress() {  # wait_progress FILE PCT: the client's plain progress reached PCT% (HANG bound)
  local end=$((SECONDS + HANG))
  while [ $SECONDS -lt $end ]; do
    [ -f "$1" ] && awk -v p="$2" '/^upload: *[0-9]+%/ { v = $2 + 0; if (v >= p) f = 1 }
      END { exit !f }' "$1" && return 0
    sleep 0.05
  done
  return 1
}

digest() {  # the "Image digest" imgtool verify prints
  "$IMGTOOL" verify -k "$KEY" "$1" | sed -n 's/^Image digest: //p'
}
finish() {
  local p
  for p in $BG_PIDS; do kill "$p" 2>/dev/null; done
  stop_sim
  echo "$((CHECKS - FAILS)) passed, $FAILS failed"
  [ "$FAILS" = 0 ]
}
