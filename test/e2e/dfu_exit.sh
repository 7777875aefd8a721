#!/usr/bin/env bash
# image upgrade's exit status is the same in the one-device and the table modes
# (--devices FILE -j N), and the usage text says it:
#   0 every device updated or up to date, 1 some device answered with a failure,
#   3 otherwise: some device never answered (before, during or after its reset);
# a device that never answers is 3 either way, as for every other command.
. "$(dirname "$0")/lib.sh"
v1_device_v2_images
"$IMGTOOL" dfu-package -o "$WORK/good.zip" 0="$V2/img0-v2.0.0.bin" 1="$V2/img1-v2.0.0.bin" \
  2="$V2/img2-v2.0.0.bin"
"$IMGTOOL" dfu-package -o "$WORK/only0.zip" 0="$V2/img0-v2.0.0.bin"

# A UDP sink: bound (no ICMP refusal), never answers.
python3 -S -c 'import socket, sys, time
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); s.bind(("127.0.0.1", 0))
print(s.getsockname()[1], flush=True)
while True: s.recv(4096)' >"$WORK/sink.port" &
BG_PIDS="$BG_PIDS $!"
for _ in $(seq 50); do [ -s "$WORK/sink.port" ] && break; sleep 0.05; done
SP=$(cat "$WORK/sink.port")
NP=$(free_port)  # nothing listens here: refused at once

status() {  # status WHAT WANT command...: the command's exit status is WANT
  local what=$1 want=$2 rc=0; shift 2
  "$@" >"$WORK/out" 2>&1 || rc=$?
  CHECKS=$((CHECKS + 1))
  if [ "$rc" = "$want" ]; then echo "ok: $what: exit $rc"; else
    FAILS=$((FAILS + 1)); echo "FAIL: $what: exit $rc, want $want"; sed 's/^/  | /' "$WORK/out"; fi
}
one() { "$MCUMGR" --conntype udp --connstring "127.0.0.1:$1" -t 0.5 --reset-timeout 10 image upgrade "$2"; }
table() { local f=$WORK/dev.$RANDOM; shift 0; printf '%s\n' "${@:2}" >"$f"
  "$MCUMGR" --conntype udp --devices "$f" -j 2 -t 0.5 --reset-timeout 10 image upgrade "$1"; }

status "one device that never answers" 3 one "$SP" "$WORK/good.zip"
status "a table of one device that never answers" 3 table "$WORK/good.zip" "127.0.0.1:$SP"
status "one device nobody listens for" 3 one "$NP" "$WORK/good.zip"
status "a table of it" 3 table "$WORK/good.zip" "127.0.0.1:$NP"

start_sim "$D" "$P" || exit 1
status "one device refusing (image 0 without its partner)" 1 one "$P" "$WORK/only0.zip"
status "a refusing device and a silent one: 1 (a device answered with a failure)" 1 \
  table "$WORK/only0.zip" "127.0.0.1:$P" "127.0.0.1:$SP"
status "an updated device and a silent one: 3" 3 \
  table "$WORK/good.zip" "127.0.0.1:$P" "127.0.0.1:$SP"
status "one device up to date" 0 one "$P" "$WORK/good.zip"
status "a table of it" 0 table "$WORK/good.zip" "127.0.0.1:$P"
check_out "the usage text gives image upgrade's exit status" \
  'image upgrade: 0 every device .* 1 .*answered with a failure.* 3 .*never answered' \
  sh -c "'$MCUMGR' --help | tr -s ' \n' ' '"
finish
