#!/usr/bin/env bash
# A lossy link: a UDP relay between client and device drops every Nth
# datagram in each direction (requests and replies). Uploads still complete
# (resync from the device's "off", retransmit on timeout) and the device
# holds exactly the file: the digest image list shows equals the one
# imgtool verify prints, and the images install at reset.
. "$(dirname "$0")/lib.sh"
P=$(free_port)
R=$(free_port)
D=$WORK/flash; mkdir -p "$D"
provision "$D"
build_images 2.0.0 "$WORK/v2"
start_sim "$D" "$P" || exit 1
relay() {  # relay N: (re)start the relay dropping every Nth datagram
  [ -n "${RELAY:-}" ] && { kill "$RELAY" 2>/dev/null; wait "$RELAY" 2>/dev/null; }
  python3 -S "$E2E_DIR/lossy_relay.py" "$R" "$P" "$1" >"$WORK/relay-$1.log" 2>&1 &
  RELAY=$!; BG_PIDS="$BG_PIDS $RELAY"
  wait_for "$WORK/relay-$1.log" '^ready'
}
# -t short: each datagram the relay drops costs one; -r generous: a loaded
# machine may hold a reply back past -t now and then, and a retry resyncs.
lossy() { "$MCUMGR" --conntype udp --connstring "127.0.0.1:$R" -t 0.2 -r 30 --first-timeout 0.5 "$@"; }
field() { sed -n "s/.*\"$1\":\\([0-9]*\\).*/\\1/p" "$WORK/out"; }

relay 7
check_out "echo through the relay" '^through$' lossy echo through
for n in 0 1 2; do
  f=$WORK/v2/img$n-v2.0.0.bin
  check_out "upload image $n v2, every 7th datagram lost" '"ok":true.*"match":true' \
    lossy --json image upload "$f" -n "$n"
  echo "  (requests $(field requests), retransmits $(field retransmits), resyncs $(field resyncs))"
done
kill "$RELAY"; wait "$RELAY" 2>/dev/null; RELAY=
check_out "relay dropped both ways" 'requests \([1-9][0-9]* dropped\).*replies \([1-9][0-9]* dropped\)' \
  cat "$WORK/relay-7.log"
sed 's/^/  /' "$WORK/relay-7.log"

relay 3
for n in 0 1 2; do
  h=$(digest "$WORK/v2/img$n-v2.0.0.bin")
  check_out "image list (every 3rd lost) shows image $n's verify digest" \
    "\"image\":$n,\"slot\":1,\"version\":\"2\\.0\\.0\",\"hash\":\"$h\"" lossy --json image list
done
check_out "re-upload image 1, every 3rd datagram lost: device says it already matches" '"match":true' \
  lossy --json image upload "$WORK/v2/img1-v2.0.0.bin" -n 1
check "erase slot 3, every 3rd lost" lossy image erase 3
check "  slot 3 blank" region_blank "$D/mx25r64.bin" 0xd4000 0x40000
check_out "upload image 1 again, every 3rd lost" '"ok":true.*"match":true' \
  lossy --json image upload "$WORK/v2/img1-v2.0.0.bin" -n 1
echo "  (requests $(field requests), retransmits $(field retransmits), resyncs $(field resyncs))"
for n in 0 1 2; do
  check "test image $n through the relay" lossy image test "$(digest "$WORK/v2/img$n-v2.0.0.bin")"
done
kill "$RELAY"; wait "$RELAY" 2>/dev/null; RELAY=
sed 's/^/  /' "$WORK/relay-3.log"
check "reset (direct link)" mcu "$P" reset
wait_reboot "$P"
for n in 0 1 2; do
  check_out "boot log: image $n upgraded" "image $n: upgraded 1\\.0\\.0 -> 2\\.0\\.0" cat "$D/sim.log"
done
finish
