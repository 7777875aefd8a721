#!/usr/bin/env bash
# `make run`-style start: scripts/run-sim with a fresh flash dir provisions
# v1 and starts the device in the foreground (here: in the background of
# this test, on a free port given by EXTXIP_UDP). It answers over UDP and
# the serial link; stopping it (SIGTERM) exits 0; a second start on the
# same flash dir does not provision again and keeps what was uploaded.
. "$(dirname "$0")/lib.sh"
P=$(free_port)
FD=$WORK/build-flash   # not created: run-sim must make it
run_sim() {
  EXTXIP_UDP=127.0.0.1:$P EXTXIP_SERIAL_LINK=$WORK/tty "$SRC/scripts/run-sim" "$BUILD" "$FD" \
    >>"$WORK/run.log" 2>&1 &
  SIM_PID=$!; SIM_LOG=$WORK/run.log
  wait_ready "$P"
}
check "run-sim provisions and starts" run_sim
check_out "provisioned v1 recorded" '^1\.0\.0$' cat "$FD/.provisioned"
# The provisioning build leaves the SDK's file names in the build folder (docs/walkthrough.md).
for f in zephyr/internal_flash_update.bin zephyr/net_core_app_update.bin zephyr/qspi_flash_update.bin \
         zephyr/internal_flash_signed.hex zephyr/qspi_flash_signed.hex zephyr/merged.hex \
         hci_ipc/zephyr/merged_CPUNET.hex mcuboot/zephyr/zephyr.hex zephyr/dfu_application.zip; do
  check "build folder has $f" test -s "$BUILD/$f"
done
check_out "  zephyr/internal_flash_update.bin is v1" 'Image version: 1\.0\.0' \
  "$IMGTOOL" verify "$BUILD/zephyr/internal_flash_update.bin"
check_out "echo over UDP" '^made run$' mcu "$P" echo "made run"
check_out "echo over the serial link" '^serial too$' \
  "$MCUMGR" --conntype serial --connstring "dev=$WORK/tty,baud=115200" -t 5 echo "serial too"
check_out "v1 of all three images runs" '(version: 1\.0\.0.*){3}' bash -c "'$MCUMGR' --conntype udp --connstring 127.0.0.1:$P image list | tr '\n' ' '"
check_out "log says where SMP is" "SMP over UDP at 127\\.0\\.0\\.1:$P" cat "$WORK/run.log"
check_out "the app started" 'app: SMP server running' cat "$WORK/run.log"
build_images 2.0.0 "$WORK/v2"
check "upload image 1 v2" mcu "$P" --quiet image upload "$WORK/v2/img1-v2.0.0.bin" -n 1
stamp=$(stat -c %Y.%N "$FD/.provisioned")
stop_sim
check_fails "serial link removed at exit" test -e "$WORK/tty"

check "second start on the same flash dir" run_sim
check "not provisioned again" test "$(stat -c %Y.%N "$FD/.provisioned")" = "$stamp"
check_out "the uploaded image is still there" "hash: $(digest "$WORK/v2/img1-v2.0.0.bin")" mcu "$P" image list
finish
