#!/usr/bin/env bash
# Boot the extxip firmware in QEMU mps2-an505 with UART0 on a PTY.
# Usage: run-qemu.sh FW_BUILD_DIR [--pty-file F] [--log F] [--background]
#                    [--boot ELF] [--bare]
#   --boot: another bootloader ELF of the build (extxip-boot-serial.elf);
#   --bare: no images loaded (a blank device: the bootloader finds nothing).
#   Loads the bootloader ELF, and the signed images where the flash map puts
#   them (QEMU's loader writes through the non-secure aliases: SSRAM1
#   0x00000000 = internal/net-core flash at 0x10000000, PSRAM 0x80000000 = QSPI).
#   The PTY path is printed (and written to --pty-file); the UART output is
#   also logged (--log, default FW_BUILD_DIR/uart.log).
#   The script keeps the PTY open itself: otherwise QEMU sees a hang-up each
#   time a client closes it and polls for the next one only once a second.
#   Foreground: runs until Ctrl-C. --background: returns once the application
#   serves SMP (prints "pid N"), or fails after 60 s.
set -eu
fw=$1; shift
ptyfile="" log="$fw/uart.log" bg=0 boot=extxip-boot.elf bare=0
while [ $# -gt 0 ]; do
  case $1 in
    --pty-file) ptyfile=$2; shift 2 ;;
    --log) log=$2; shift 2 ;;
    --background) bg=1; shift ;;
    --boot) boot=$2; shift 2 ;;
    --bare) bare=1; shift ;;
    *) echo "run-qemu.sh: unknown option $1" >&2; exit 2 ;;
  esac
done
for f in "$boot" app.internal.signed.bin app.external.signed.bin net.signed.bin qemu-load.env; do
  [ -f "$fw/$f" ] || { echo "run-qemu.sh: $fw/$f missing (build the firmware first)" >&2; exit 2; }
done
command -v qemu-system-arm >/dev/null || { echo "run-qemu.sh: qemu-system-arm not installed (apt-get install qemu-system-arm)" >&2; exit 2; }
: > "$log"
# Each primary's load address, from the board's map (CMakeLists.txt writes it).
. "$fw/qemu-load.env"
images=()
[ $bare = 1 ] || images=(
  -device "loader,file=$fw/app.internal.signed.bin,addr=$LOAD_IMAGE0,force-raw=on"
  -device "loader,file=$fw/net.signed.bin,addr=$LOAD_IMAGE1,force-raw=on"
  -device "loader,file=$fw/app.external.signed.bin,addr=$LOAD_IMAGE2,force-raw=on")
out=$(mktemp)
qemu-system-arm -M mps2-an505 -display none -monitor none -nodefaults \
  -chardev "pty,id=uart0,logfile=$log" -serial chardev:uart0 \
  -kernel "$fw/$boot" "${images[@]}" \
  >"$out" 2>&1 </dev/null &
qpid=$!
pty=""
# Waits below end early on the line they wait for, on a halt or on QEMU's
# exit; their bound (EXTXIP_TEST_HANG, 300 s) only ends a hung start.
hang=${EXTXIP_TEST_HANG:-300}
end=$((SECONDS + hang))
while [ $SECONDS -lt $end ]; do
  pty=$(grep -o '/dev/pts/[0-9]*' "$out" || true)
  [ -n "$pty" ] && break
  kill -0 $qpid 2>/dev/null || { cat "$out" >&2; exit 1; }
  sleep 0.05
done
[ -n "$pty" ] || { echo "run-qemu.sh: no PTY from QEMU" >&2; kill $qpid; exit 1; }
rm -f "$out"
# Hold the PTY open (never read it: replies belong to the client).
sleep infinity 3<>"$pty" >/dev/null 2>&1 </dev/null &
hpid=$!
[ -n "$ptyfile" ] && echo "$pty" > "$ptyfile"
if [ $bg = 1 ]; then
  end=$((SECONDS + hang))
  while [ $SECONDS -lt $end ]; do
    grep -qa -e 'app: SMP server on UART0' -e 'boot: serial recovery on UART0' "$log" &&
      { echo "pid $qpid $hpid"; echo "pty $pty"; exit 0; }
    grep -qa -e 'halted' -e 'FAULT' "$log" && break
    kill -0 $qpid 2>/dev/null || break
    sleep 0.1
  done
  echo "run-qemu.sh: device did not come up; UART log:" >&2
  tr -d '\r' < "$log" | grep -av $'^\x06\x09\|^\x04\x14' >&2 || true
  kill $qpid $hpid 2>/dev/null || true
  exit 1
fi
trap 'kill $qpid $hpid 2>/dev/null || true' EXIT INT TERM
echo "QEMU mps2-an505 running (pid $qpid); UART0 on $pty; log $log"
echo "try: extxip-mcumgr --conntype serial --connstring dev=$pty image list"
# Show the console (boot messages), not the SMP frames.
tail -n +1 -f "$log" --pid=$qpid | sed -u "s/\r//g" | grep -av --line-buffered $'^\x06\x09\|^\x04\x14' || true
