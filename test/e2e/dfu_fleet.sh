#!/usr/bin/env bash
# `extxip-mcumgr image upgrade PKG.zip --devices FILE -j N` on a bench of 16 simulated
# devices, UDP and serial mixed, as a production line would run it:
#  - device 1 drops off mid-upload (killed while its slow flash is being written),
#  - device 2 loses power in its update boot (--power-cut-after lands in the copy; the
#    harness powers it on again, as a line operator would, while the client waits),
#  - the other 14 update normally.
# The run must report 15 updated and 1 failed, exit 3 (no device refused; one stopped
# answering), and never let one device's
# failure stop the others. A second run for the dropped device resumes its upload where
# the device says it stopped and finishes.
. "$(dirname "$0")/lib.sh"
N=16
PORTS=()
for _ in $(seq "$N"); do PORTS+=("$(free_port)"); done
build_images 2.0.0 "$WORK/v2"
"$IMGTOOL" dfu-package -o "$WORK/dfu_application.zip" 0="$WORK/v2/img0-v2.0.0.bin" \
  1="$WORK/v2/img1-v2.0.0.bin" 2="$WORK/v2/img2-v2.0.0.bin"
provision "$WORK/base"

declare -a PIDS DIRS
start_dev() {  # start_dev I [extra sim args]: device I on its port and PTY link
  local i=$1; shift
  "$SIM" run --flash-dir "${DIRS[$i]}" --udp "127.0.0.1:${PORTS[$i]}" \
    --serial-link "${DIRS[$i]}/tty" --key "$KEY" "$@" >>"${DIRS[$i]}/sim.log" 2>&1 &
  PIDS[$i]=$!
  BG_PIDS="$BG_PIDS ${PIDS[$i]}"
}
: >"$WORK/devices"
for i in $(seq 0 $((N - 1))); do
  DIRS[$i]=$WORK/dev$i
  cp -r --sparse=always "$WORK/base" "${DIRS[$i]}"
  case $i in
    1) start_dev "$i" --timing typical --real-time ;;  # slow flash: killed mid-upload
    2) start_dev "$i" --power-cut-after 800 ;;         # ~330 ops upload, cut mid-copy
    *) start_dev "$i" ;;
  esac
  if [ $((i % 3)) = 0 ]; then  # every third one over its serial port
    echo "serial:dev=${DIRS[$i]}/tty,baud=115200" >>"$WORK/devices"
  else
    echo "udp:127.0.0.1:${PORTS[$i]}" >>"$WORK/devices"
  fi
done
for i in $(seq 0 $((N - 1))); do wait_ready "${PORTS[$i]}" || exit 1; done
for i in $(seq 0 $((N - 1))); do
  [ $((i % 3)) = 0 ] && { wait_for "${DIRS[$i]}/sim.log" 'SMP over serial' || exit 1; }
done

# Device 2's harness: when the power cut kills it (exit 3), power it on again
# (half a second off: the client is waiting for it to come back, up to --reset-timeout).
( wait_for "${DIRS[2]}/sim.log" 'power cut after flash operation' &&
  sleep 0.5 && exec "$SIM" run --flash-dir "${DIRS[2]}" --udp "127.0.0.1:${PORTS[2]}" \
    --serial-link "${DIRS[2]}/tty" --key "$KEY" >>"${DIRS[2]}/sim.log" 2>&1 ) &
REPOWER=$!
BG_PIDS="$BG_PIDS $REPOWER"
# Device 1 drops off once its upload is under way: image 0 has passed the device's first
# 32 KiB checkpoint (bytes at QSPI 36 KiB written; its real-time flash needs about a
# second more for the rest of the image).
( end=$((SECONDS + HANG)); while [ $SECONDS -lt $end ]; do region_blank "${DIRS[1]}/mx25r64.bin" 0x9000 32 || break; sleep 0.02
  done; kill -9 "${PIDS[1]}" ) &
BG_PIDS="$BG_PIDS $!"

t0=$(date +%s.%N)
rc=0
"$MCUMGR" --conntype udp -t 3 --reset-timeout 300 --devices "$WORK/devices" -j 8 --json \
  image upgrade "$WORK/dfu_application.zip" >"$WORK/fleet.json" 2>"$WORK/fleet.err" || rc=$?
t1=$(date +%s.%N)
echo "fleet run: $(python3 -S -c "print(round($t1 - $t0, 1))") s"
CHECKS=$((CHECKS + 1))
if [ "$rc" = 3 ]; then echo "ok: exit status 3 (a device stopped answering, none refused)"; else
  FAILS=$((FAILS + 1)); echo "FAIL: exit status $rc, want 3"; cat "$WORK/fleet.err"; fi
check_out "one progress bar over the whole run (stops short by the dropped device's part)" \
  '^ok$' awk '/^upload:/ { p = $2 + 0; if (p < last) bad = 1; last = p; n++ }
    END { print (n >= 5 && !bad && last >= 90 && last < 100) ? "ok" : "bad " n " " last }' \
  "$WORK/fleet.err"
check_out "fleet summary: 15 ok, 1 failed, every image upgraded on them" '^ok$' \
  python3 -S - "$WORK/fleet.json" <<'EOF'
import json, sys
r = json.load(open(sys.argv[1]))
assert (r["ok"], r["failed"]) == (15, 1), (r["ok"], r["failed"])
for i, d in enumerate(r["devices"]):
    if i == 1:
        assert not d["ok"] and "upload" in d["error"], d
        continue
    assert d["ok"], (i, d)
    assert [(x["image"], x["from"], x["to"], x["result"]) for x in d["images"]] == \
        [(n, "1.0.0", "2.0.0", "upgraded") for n in (0, 1, 2)], d
print("ok")
EOF
[ -n "${DFU_DEBUG:-}" ] && tail -n 30 "${DIRS[2]}/sim.log"
check_out "the power cut fell in device 2's update boot" 'power cut after flash operation 800' \
  cat "${DIRS[2]}/sim.log"
check_out "device 2's restart finished the whole v2 set" \
  'image 2 \(QSPI XIP application part\): 2\.0\.0 valid' cat "${DIRS[2]}/sim.log"
check_out "the table names each device" 'DEVICE +RESULT' \
  "$MCUMGR" --conntype udp -t 10 --devices <(sed -n '4,5p' "$WORK/devices") -j 2 -q \
  image upgrade "$WORK/dfu_application.zip"
check_out "a second run finds them up to date" '2 of 2 devices updated' cat "$WORK/out"

# The dropped device comes back: the same command resumes its upload.
start_dev 1
wait_ready "${PORTS[1]}" || exit 1
check_out "second run for the dropped device: resumed and upgraded" '"ok":true' \
  "$MCUMGR" --conntype udp --connstring "127.0.0.1:${PORTS[1]}" -t 10 --json -q \
  image upgrade "$WORK/dfu_application.zip"
check_out "it sent only what the device lacked (resumed, not from 0)" '^ok$' \
  python3 -S -c 'import json, sys
d = json.load(open(sys.argv[1]))["devices"][0]
print("  uploaded %d bytes, resumed from %d" % (d["uploaded"], d["resumed_from"]))
assert 0 < d["uploaded"] < int(sys.argv[2]), d
print("ok")' "$WORK/out" "$(cat "$WORK"/v2/img[012]-v2.0.0.bin | wc -c)"

kill "$REPOWER" 2>/dev/null
for i in $(seq 0 $((N - 1))); do kill "${PIDS[$i]}" 2>/dev/null; done
for i in $(seq 0 $((N - 1))); do
  sanitizer_clean "${DIRS[$i]}/sim.log" || { FAILS=$((FAILS + 1)); echo "FAIL: sanitizer report dev$i"; }
done
finish
