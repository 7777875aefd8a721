#!/usr/bin/env bash
# What the transports do at their edges, as a real device (Zephyr 4.4.0's
# native_sim SMP server, test/vectors/zephyr) does: UDP requests beyond the
# advertised buf_size refused with rc 9, requests sent while the device
# reboots lost (not answered late with a stale seq), a serial frame half-sent
# before a reset not completed after it.
. "$(dirname "$0")/lib.sh"
P=$(free_port)
D=$WORK/flash; mkdir -p "$D"
provision "$D"
start_sim "$D" "$P" || exit 1
TF=(python3 -S "$E2E_DIR/transport_fidelity.py")
check "UDP: oversize requests refused (rc 9), nothing written" "${TF[@]}" oversize "$P"
check "UDP: a request during the reboot is lost" "${TF[@]}" reboot "$P" "$SIM_PID"
check "serial: a half frame does not survive a reset" "${TF[@]}" halfframe "$P" "$D/tty"
check "device still answers" mcu "$P" echo still
finish
