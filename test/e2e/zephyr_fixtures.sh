#!/usr/bin/env bash
# Optional (issue 29): extxip-mcumgr's sample flow against real Zephyr 4.4.0
# smp_svr booted by MCUboot, and against MCUboot's own serial recovery, both
# under QEMU (mps2_an385). The fixtures are intercreate/smpclient's
# tests/fixtures/smp-server files; they are never part of this repository and
# this test never looks for them itself: set EXTXIP_ZEPHYR_FIXTURES to a
# directory holding
#   zephyr_4.4.0_smp_server_0eae053d_mps2_an385_serial_recovery_buf2048.{hex,signed.bin}
#   zephyr_4.4.0_smp_server_0eae053d_mps2_an385_serial_recovery_buf1024.signed.bin
#   zephyr_f33aa2bc4a43_smp_server_27c54835_mps2_an385_serial_recovery.{hex,signed.bin}
# Without them (or without qemu-system-arm) the test says so and SKIPs (77).
# QEMU is started as the fixtures' manifest.json says, with -serial pty for
# the socket chardev, so the client talks to a PTY as to a board's UART.
. "$(dirname "$0")/lib.sh"
FX=${EXTXIP_ZEPHYR_FIXTURES:-}
APP=zephyr_4.4.0_smp_server_0eae053d_mps2_an385_serial_recovery_buf2048
NEW=zephyr_4.4.0_smp_server_0eae053d_mps2_an385_serial_recovery_buf1024
REC=zephyr_f33aa2bc4a43_smp_server_27c54835_mps2_an385_serial_recovery
if [ -z "$FX" ]; then
  echo "SKIP: EXTXIP_ZEPHYR_FIXTURES not set (a directory with smpclient's tests/fixtures/smp-server files)"
  exit 77
fi
if ! command -v qemu-system-arm >/dev/null; then
  echo "SKIP: qemu-system-arm not installed"
  exit 77
fi
for f in $APP.hex $APP.signed.bin $NEW.signed.bin $REC.hex $REC.signed.bin; do
  [ -f "$FX/$f" ] || { echo "SKIP: $FX/$f missing"; exit 77; }
done

exits() { local want=$1 rc=0; shift; "$@" || rc=$?; [ "$rc" = "$want" ] || { echo "exit $rc, want $want"; return 1; }; }
image_hash() {  # the SHA256 TLV of a signed image, as image list prints it
  "$IMGTOOL" dumpinfo "$1" | awk '/type: SHA256/ {h=1; next}
    h && /data:/ {sub(/.*data:/, ""); d=1}
    h && d { for (i = 1; i <= NF; i++) if ($i ~ /^0x/) { s = s substr($i, 3) } if (length(s) >= 64) { print s; exit } }'
}

QEMU_PID=""
PTY=""
MTU=2048
zmcu() { "$MCUMGR" --conntype serial --connstring "dev=$PTY,baud=115200,mtu=$MTU" "$@"; }
answers() {  # answers CMD...: poll until the target answers CMD (boot, reset)
  for _ in $(seq 40); do
    zmcu -t 1 "$@" >/dev/null 2>&1 && return 0
    sleep 0.5
  done
  return 1
}
start_qemu() {  # start_qemu LOG LOADER-ARGS...: boot mps2_an385, set PTY
  local log=$1; shift
  qemu-system-arm -cpu cortex-m3 -machine mps2-an385 -nographic -serial pty -serial null \
    -monitor none "$@" >"$log" 2>&1 &
  QEMU_PID=$!
  BG_PIDS="$BG_PIDS $QEMU_PID"
  PTY=""
  for _ in $(seq 50); do
    PTY=$(grep -o '/dev/pts/[0-9]*' "$log" | head -1)
    [ -n "$PTY" ] && return 0
    sleep 0.1
  done
  echo "FAIL: QEMU gave no PTY:"; sed 's/^/  | /' "$log"
  return 1
}
stop_qemu() { kill "$QEMU_PID" 2>/dev/null; wait "$QEMU_PID" 2>/dev/null; QEMU_PID=""; }

NEW_HASH=$(image_hash "$FX/$NEW.signed.bin")
REC_HASH=$(image_hash "$FX/$REC.signed.bin")
[ ${#NEW_HASH} = 64 ] && [ ${#REC_HASH} = 64 ] || { echo "FAIL: no SHA256 TLV in the fixtures"; exit 1; }

# 1. Zephyr 4.4.0 smp_svr (all groups, buf 2048) booted by MCUboot: the
# sample's flow. This MCUboot is a RAM-load build: Zephyr's img_mgmt answers
# state writes (test, confirm) with rc 8 there, which the client must report
# as the device's error (exit 1), not as a link failure.
start_qemu "$WORK/app.log" -device loader,file="$FX/$APP.hex" \
  -device loader,file="$FX/$APP.signed.bin",addr=0x20050000 || exit 1
check "zephyr: boots and answers echo" answers echo up
check_out "zephyr: os info (ours; Go mcumgr has none)" '^Zephyr$' zmcu os info
check_out "zephyr: os info a" 'Zephyr .*mps2' zmcu os info a
check_out "zephyr: bootloader info, off in this build (rc 8)" 'MGMT_ERR_ENOTSUP' \
  exits 1 zmcu bootloader info mode
check_out "zephyr: datetime, off in this build (rc 8)" 'MGMT_ERR_ENOTSUP' exits 1 zmcu datetime
check_out "zephyr: mpstat, off in this build (rc 8)" 'MGMT_ERR_ENOTSUP' exits 1 zmcu mpstat
check_out "zephyr: taskstat" 'mcumgr smp' zmcu taskstat
check_out "zephyr: params" '^buf_size: 2048$' zmcu params
check_out "zephyr: upload of another build to slot 1" '^Done$' \
  zmcu --quiet image upload "$FX/$NEW.signed.bin"
check_out "zephyr: the upload is in slot 1, whole" "\"slot\":1,\"version\":\"[^\"]*\",\"hash\":\"$NEW_HASH\"" \
  zmcu --json image list
check_out "zephyr: image test, refused by this RAM-load build (rc 8)" 'MGMT_ERR_ENOTSUP' \
  exits 1 zmcu image test "$NEW_HASH"
check_out "zephyr: reset" '^Done$' zmcu reset
check "zephyr: answers again after the reset" answers echo up
check_out "zephyr: image confirm, refused as image test was (rc 8)" 'MGMT_ERR_ENOTSUP' \
  exits 1 zmcu image confirm
check_out "zephyr: slot 1 kept the upload across the reset" "\"hash\":\"$NEW_HASH\"" zmcu --json image list
stop_qemu

# 2. MCUboot's own serial recovery (booted alone it stays there; recovery
# buffer 1024): upload, reset, and the uploaded Zephyr app then runs.
MTU=1024
start_qemu "$WORK/rec.log" -device loader,file="$FX/$REC.hex" || exit 1
check "recovery: answers params" answers params
check_out "recovery: params" '^buf_size: 1024$' zmcu params
check_out "recovery: no image yet" '^\{"images":\[\]\}$' zmcu --json image list
check_out "recovery: echo, which MCUboot refuses (rc 8)" 'MGMT_ERR_ENOTSUP' exits 1 zmcu echo hi
check_out "recovery: image upload" '^Done$' zmcu --quiet image upload "$FX/$REC.signed.bin"
check_out "recovery: reset" '^Done$' zmcu reset
check "recovery: the uploaded app boots and answers echo" answers echo up
check_out "recovery: the running image is the one uploaded" \
  "\"slot\":0,\"version\":\"[^\"]*\",\"hash\":\"$REC_HASH\",\"bootable\":true,\"pending\":false,\"confirmed\":true,\"active\":true" \
  zmcu --json image list
stop_qemu
finish
