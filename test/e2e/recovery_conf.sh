#!/usr/bin/env bash
# Our bootloader's serial recovery answers as MCUboot's own (issue 29): the
# requests recorded from MCUboot's serial recovery (smpclient's fixture,
# test/vectors/zephyr/mcuboot_serial_recovery.txt) replayed over the PTY of
# extxip-sim run --recovery; keys, types and codes must be MCUboot's except
# the deliberate differences recovery_conf.py lists (and checks).
. "$(dirname "$0")/lib.sh"
P=$(free_port)
D=$WORK/flash; mkdir -p "$D"
provision "$D"
start_sim "$D" "$P" --recovery || exit 1
check_out "in recovery" 'serial recovery' cat "$D/sim.log"
check "recovery answers as MCUboot's (recorded replies)" \
  python3 -S "$E2E_DIR/recovery_conf.py" "$SRC/test/vectors/zephyr/mcuboot_serial_recovery.txt" "$D/tty"
sed -n '/requests:/,$p' "$WORK/out"   # the counts and the differences met
check_out "still in recovery, still answering" '^alive$' mcu "$P" echo alive
stop_sim
finish
