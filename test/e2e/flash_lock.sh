#!/usr/bin/env bash
# Two simulators on one --flash-dir would both write the same flash files.
# A second `run` (or a `program`) on a directory a running device holds is
# refused at once with one line naming the holder's pid; `info` only reads
# and still works; once the first device stops, the directory is free again
# (the lock dies with its process, even a killed one: no stale lock file).
. "$(dirname "$0")/lib.sh"
D="$WORK/flash"
provision "$D"
port=$(free_port)
start_sim "$D" "$port" || exit 1
first=$SIM_PID
check_fails "a second run on the same flash dir is refused" \
  timeout 20 "$SIM" run --flash-dir "$D" --udp "127.0.0.1:$(free_port)" --no-serial --key "$KEY"
check_out "the refusal names the running device's pid" "in use by another extxip-sim \\(pid $first\\)" cat "$WORK/out"
check "the refusal is one line" test "$(grep -c . "$WORK/out")" = 1
check_fails "program into a flash dir a device holds is refused" \
  "$SIM" program --flash-dir "$D" 0 "$WORK/none.bin"
check_out "program's refusal names the pid too" "pid $first" cat "$WORK/out"
check_out "info still reads a running device's flash" "slot" "$SIM" info --flash-dir "$D" --key "$KEY"
check "the first device still answers" "$MCUMGR" --conntype udp --connstring "127.0.0.1:$port" echo still
kill -9 "$first"; wait "$first" 2>/dev/null; SIM_PID=""
port2=$(free_port)
start_sim "$D" "$port2" && echo "ok: after the first device was killed, the directory takes a new one" ||
  { FAILS=$((FAILS + 1)); echo "FAIL: stale lock after kill -9"; }
check "and it answers" "$MCUMGR" --conntype udp --connstring "127.0.0.1:$port2" echo again
echo "$CHECKS checks, $FAILS failed"
[ "$FAILS" = 0 ]
