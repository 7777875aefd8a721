#!/usr/bin/env bash
# The Cortex-M33 bootloader with serial recovery (extxip-boot-serial.elf) on
# a blank device in QEMU: nothing to boot, so it serves SMP on UART0 itself;
# extxip-mcumgr uploads the three signed images over the UART (each is
# scheduled as it completes), resets, and the bootloader installs them with
# the normal copy and starts the application, which then answers.
# Runs after qemu_m33_smp (same firmware build dir, CTest DEPENDS).
# Usage: qemu_recovery.sh SRC_DIR HOST_BUILD_DIR FW_BUILD_DIR
set -u
HANG=${EXTXIP_TEST_HANG:-300}  # bounds a hung step only; never a verdict on a slow machine
src=$1 host=$2 fw=$3
mcumgr=$host/tools/mcumgr/extxip-mcumgr
log() { tr -d '\r' < "$fw/uart-recovery.log" | grep -av $'^\x06\x09\|^\x04\x14'; }
fail() { echo "FAIL: $*"; [ -f "$fw/uart-recovery.log" ] && { echo "--- UART log"; log; }; exit 1; }
[ -f "$fw/extxip-boot-serial.elf" ] || { echo "SKIP: no firmware build in $fw (qemu_m33_smp skipped?)"; exit 77; }
timeout $HANG cmake --build "$fw" >"$fw/build-recovery.log" 2>&1 || { tail -20 "$fw/build-recovery.log"; fail "firmware build"; }

qpids=""
cleanup() { [ -n "$qpids" ] && kill $qpids 2>/dev/null; true; }
trap cleanup EXIT
out=$(timeout $HANG "$src/port/mps2-an505/run-qemu.sh" "$fw" --background --bare \
      --boot extxip-boot-serial.elf --log "$fw/uart-recovery.log") || fail "device did not come up"
qpids=$(awk '/^pid/{print $2, $3}' <<<"$out")
pty=$(awk '/^pty/{print $2}' <<<"$out")
mm() { timeout $HANG "$mcumgr" --conntype serial --connstring "dev=$pty" -t 30 "$@"; }

log | grep -q 'boot: serial recovery on UART0' || fail "blank device: no recovery"
r=$(mm echo recovery) || fail "echo in recovery"
[ "$r" = "recovery" ] || fail "echo answered '$r'"
echo "ok: blank device, the bootloader serves SMP recovery"
mm image upload "$fw/app.internal.signed.bin" -n 0 >/dev/null 2>&1 || fail "recovery upload of image 0"
mm image upload "$fw/net.signed.bin" -n 1 >/dev/null 2>&1 || fail "recovery upload of image 1"
mm image upload "$fw/app.external.signed.bin" -n 2 >/dev/null 2>&1 || fail "recovery upload of image 2"
list=$(mm image list --json) || fail "image list in recovery"
grep -q '"pending":true' <<<"$list" || fail "uploads not scheduled: $list"
echo "ok: three images uploaded over the UART and scheduled"
# --no-wait: this test waits on the application's own readiness line below,
# not on the client's clock (the install under QEMU on a busy host is slow).
mm reset --no-wait >/dev/null || fail "reset"
for _ in $(seq 2400); do  # a bound for a hung device only (240 s), not a verdict
  log | grep -q 'app: SMP server on UART0' && break
  sleep 0.1
done
log | grep -q 'app: SMP server on UART0' || fail "application did not start after recovery"
r=$(mm echo "back") || fail "echo from the application"
[ "$r" = "back" ] || fail "echo answered '$r'"
echo "ok: reset installs them and the application runs"
