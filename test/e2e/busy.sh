#!/usr/bin/env bash
# One uploader at a time: while a client uploads (flash slowed to worst-case
# figures), a second client's upload of another image is refused with
# MGMT_ERR_EBUSY (exit 1, error named) and does not disturb the first one;
# so is its erase of the slot being uploaded (an erase of another slot is
# allowed and leaves the upload alone).
# A session whose client vanished blocks others for the busy time (5 s),
# then another client may take over.
. "$(dirname "$0")/lib.sh"
P=$(free_port)
D=$WORK/flash; mkdir -p "$D"
provision "$D"
build_images 2.0.0 "$WORK/v2"
start_sim "$D" "$P" --timing worst --real-time || exit 1
exits() { local want=$1 rc=0; shift; "$@" || rc=$?; [ "$rc" = "$want" ] || { echo "exit $rc, want $want"; return 1; }; }
busy_upload() {  # busy_upload FILE IMAGE: must fail with exit 1 and name EBUSY
  local rc=0
  mcu "$P" image upload "$1" -n "$2" "${@:3}" || rc=$?
  [ "$rc" = 1 ] || { echo "exit status $rc, want 1"; return 1; }
}

mcu "$P" image upload "$WORK/v2/img2-v2.0.0.bin" -n 2 >"$WORK/a.out" 2>"$WORK/a.err" &
A=$!; BG_PIDS="$BG_PIDS $A"
check "first client's upload under way" wait_progress "$WORK/a.err" 10
check_out "second client refused while the first uploads" 'MGMT_ERR_EBUSY' \
  busy_upload "$WORK/v2/img1-v2.0.0.bin" 1
check_out "second client refused for the same image too" 'MGMT_ERR_EBUSY' \
  busy_upload "$WORK/v2/img0-v2.0.0.bin" 2 --force  # (the wrong image on purpose: the device judges)
check_out "second client's erase of the slot being uploaded refused" 'MGMT_ERR_EBUSY' \
  exits 1 mcu "$P" image erase 5
check_out "second client's erase of another slot allowed" '^Done$' \
  mcu "$P" image erase 3
rc=0; wait "$A" || rc=$?
check "first client's upload completed (exit $rc)" test "$rc" = 0
check_out "first client says Done" '^Done$' cat "$WORK/a.out"
check "image 2 secondary holds the first client's file" \
  test "$(region_sum "$D/mx25r64.bin" 0x160000 "$(stat -c %s "$WORK/v2/img2-v2.0.0.bin")")" = \
  "$(sha256sum <"$WORK/v2/img2-v2.0.0.bin" | cut -d' ' -f1)"
check_fails "image 1 secondary untouched by the refused client" \
  bash -c "'$SIM' info --flash-dir '$D' | grep -q 'slot 3 .*version'"

# The owner vanishes mid-upload: others wait out the busy time, then take over.
mcu "$P" image upload "$WORK/v2/img1-v2.0.0.bin" -n 1 >"$WORK/b.out" 2>"$WORK/b.err" &
B=$!; BG_PIDS="$BG_PIDS $B"
check "owner's upload under way" wait_progress "$WORK/b.err" 20
kill -9 "$B" 2>/dev/null; wait "$B" 2>/dev/null
t0=$(date +%s.%N)
check_out "another client refused right after the owner vanished" 'MGMT_ERR_EBUSY' \
  busy_upload "$WORK/v2/img0-v2.0.0.bin" 0
sleep "$(python3 -c "import sys; print(max(0.0, 5.3 - ($(date +%s.%N) - $t0)))")"
check_out "after the busy time another client takes over" '^Done$' \
  mcu "$P" --quiet image upload "$WORK/v2/img0-v2.0.0.bin" -n 0
check_out "image 0 secondary holds its file" "hash: $(digest "$WORK/v2/img0-v2.0.0.bin")" \
  mcu "$P" image list
finish
