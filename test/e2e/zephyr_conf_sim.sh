#!/usr/bin/env bash
# The recorded replies of Zephyr 4.4.0's serial servers (the all-groups
# mps2_an385 build and the native_sim build with the file group,
# test/vectors/zephyr) replayed over the serial PTY of the real extxip-sim,
# a fresh device for each file; keys, types and codes must be Zephyr's
# except the rows of test/vectors/zephyr/differences.txt (smp_conf.py).
# zephyr_conf_* compares the same through the server library on a rig; this
# covers the simulator's own transport, services and flash.
. "$(dirname "$0")/lib.sh"
for f in mps2_an385_all_groups native_sim_serial_fs; do
  P=$(free_port)
  D=$WORK/$f; mkdir -p "$D"
  provision "$D"
  start_sim "$D" "$P" || exit 1
  check "$f: extxip-sim answers as Zephyr (recorded replies)" \
    python3 -S "$E2E_DIR/smp_conf.py" "$SRC/test/vectors/zephyr/$f.txt" "$D/tty"
  sed -n '/requests:/,$p' "$WORK/out"
  stop_sim
done
finish
