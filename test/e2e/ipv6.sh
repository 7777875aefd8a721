#!/usr/bin/env bash
# SMP over UDP on IPv6 loopback: the device binds [::1]:PORT, answers each
# request to the sender's address, and the client takes mcumgr's [addr]:port.
. "$(dirname "$0")/lib.sh"
P=$(python3 -S -c 'import socket
s = socket.socket(socket.AF_INET6, socket.SOCK_DGRAM); s.bind(("::1", 0))
print(s.getsockname()[1])') || { echo "no IPv6 loopback on this machine"; exit 1; }
D=$WORK/flash; mkdir -p "$D"
provision "$D"
"$SIM" run --flash-dir "$D" --udp "[::1]:$P" --no-serial --key "$KEY" >"$D/sim.log" 2>&1 &
SIM_PID=$!
v6() { "$MCUMGR" --conntype udp --connstring "[::1]:$P" -t 30 "$@"; }
end=$((SECONDS + HANG))  # until the device answers on ::1 (a hang bound only)
until v6 -t 0.5 echo up >/dev/null 2>&1 || [ $SECONDS -ge $end ]; do sleep 0.1; done
check_out "echo over IPv6" '^hello6$' v6 echo hello6
check_out "image list over IPv6" 'version: 1\.0\.0' v6 image list
check_out "device says where it listens" 'SMP over UDP at \[::1\]' cat "$D/sim.log"
stop_sim
finish
