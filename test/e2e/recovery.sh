#!/usr/bin/env bash
# The bootloader's serial recovery (issue 13 #2): entered with the recovery
# button held at power-on, and on its own when no consistent image set can
# boot (here: image 0's primary damaged). In recovery, SMP answers from the
# bootloader: image list, upload (a complete upload is scheduled at once),
# reset; the next boot installs what was sent through the normal power-safe
# copy, and the application runs again. And when the set boots but the
# application faults (here: an XIP part of another build, programmed over
# SWD, without dependencies to tell), the lockup reset brings the bootloader
# to recovery instead of the same fault again.
. "$(dirname "$0")/lib.sh"
P=$(free_port)
D=$WORK/flash; mkdir -p "$D"
provision "$D"
build_images 2.0.0 "$WORK/v2"
last_boot() { tac "$D/sim.log" | sed '/\*\*\* power on/q' | tac; }
reboot() { mcu "$P" reset >/dev/null && wait_reboot "$P"; }

start_sim "$D" "$P" --recovery || exit 1
check_out "button held: the bootloader serves recovery" 'recovery button held: serial recovery' last_boot
check_fails "the application did not start" grep -q 'app: SMP server running' <(last_boot)
check_out "recovery answers image list over serial" 'version: 1\.0\.0' mcu_serial "$D" image list
for i in 0 1 2; do
  check "recovery upload of image $i v2 over serial" \
    mcu_serial "$D" --quiet image upload "$WORK/v2/img$i-v2.0.0.bin" -n "$i"
done
check_out "uploads are scheduled (pending, permanent)" '"image":2,"slot":1,[^}]*"pending":true,[^}]*"permanent":true' \
  mcu "$P" --json image list
check "reset" reboot
for i in 0 1 2; do
  check_out "boot installs image $i v2" "image $i: upgraded 1\\.0\\.0 -> 2\\.0\\.0" last_boot
done
check_out "the application runs v2" 'XIP part at .* \(link id 2\)' last_boot
stop_sim

# Damage image 0's primary (a sector of its code): nothing consistent boots,
# so the bootloader enters recovery by itself; the operator sends v2 of the
# internal part again (its bytes differ from the damaged primary) and the XIP
# part it belongs with.
printf '\x00\x00\x00\x00' | dd of="$D/flash_primary.bin" bs=1 seek=$((0x10000 + 0x4000)) conv=notrunc 2>/dev/null
start_sim "$D" "$P" || exit 1
check_out "damaged primary: recovery entered by itself" 'no consistent image set: serial recovery' last_boot
check "recovery upload of image 0 v2" mcu "$P" --quiet image upload "$WORK/v2/img0-v2.0.0.bin" -n 0
check "recovery upload of image 2 v2 (already installed: named with its partner)" \
  mcu "$P" --quiet image upload "$WORK/v2/img2-v2.0.0.bin" -n 2
check "reset" reboot
check_out "boot repairs image 0" 'image 0: upgraded' last_boot
check_out "the application runs again" 'XIP part at .* \(link id 2\)' last_boot
check_out "and answers as the application" '^alive$' mcu "$P" echo alive
stop_sim

"$SIM" mkpayload --part xip --size 131072 --link-id 9 --seed 9 -o "$WORK/xip9.raw" >/dev/null
"$IMGTOOL" sign --key "$KEY" --version 2.0.0 --header-size 0x200 --pad-header --align 4 \
  --slot-size 0x40000 "$WORK/xip9.raw" "$WORK/xip9.bin" >/dev/null
"$SIM" program --flash-dir "$D" 2 "$WORK/xip9.bin" >/dev/null
start_sim "$D" "$P" || exit 1
check_out "an XIP part of another build: the application faults" 'app: fault: no matching XIP code' cat "$D/sim.log"
check_out "the lockup reset brings recovery, not the same fault" 'the last run locked up: serial recovery' last_boot
check "recovery upload of the matching XIP part" \
  mcu "$P" --quiet image upload "$WORK/v2/img2-v2.0.0.bin" -n 2
check "reset" reboot
check_out "the application runs again" 'XIP part at .* \(link id 2\)' last_boot
finish
