#!/usr/bin/env bash
# The flash conformance suite on the Cortex-M33 firmware's own flash devices
# (extxip-flash-conf.elf, port/mps2-an505/flash_conf_main.c): the checks the
# host backends pass in flash_conformance_*, run under QEMU on the memory
# windows the firmware uses as its internal, network-core and QSPI flash.
# Runs after qemu_m33_smp (same firmware build dir, CTest DEPENDS).
# Usage: qemu_flash_conf.sh SRC_DIR HOST_BUILD_DIR FW_BUILD_DIR
set -u
HANG=${EXTXIP_TEST_HANG:-300}  # bounds a hung step only; never a verdict on a slow machine
src=$1 host=$2 fw=$3
[ -f "$fw/build.ninja" ] || { echo "SKIP: no firmware build in $fw (qemu_m33_smp skipped?)"; exit 77; }
timeout $HANG cmake --build "$fw" --target extxip-flash-conf >"$fw/build-flash-conf.log" 2>&1 ||
  { tail -20 "$fw/build-flash-conf.log"; echo "FAIL: firmware build"; exit 1; }
log="$fw/uart-flash-conf.log"
: > "$log"
qemu-system-arm -M mps2-an505 -display none -monitor none -nodefaults \
  -chardev "file,id=uart0,path=$log" -serial chardev:uart0 \
  -kernel "$fw/extxip-flash-conf.elf" </dev/null >/dev/null 2>&1 &
q=$!
trap 'kill $q 2>/dev/null' EXIT
# The suite prints its last line and halts: wait on that line (a bound only
# for a hung run, never a verdict).
for _ in $(seq 1200); do
  grep -qa 'flash conformance: [0-9]* failed' "$log" && break
  kill -0 $q 2>/dev/null || break
  sleep 0.1
done
tr -d '\r' < "$log"
grep -qa 'flash conformance: 0 failed' "$log" || { echo "FAIL: the firmware's flash devices fail the conformance suite"; exit 1; }
echo "ok: the firmware's three flash devices pass the conformance suite"
