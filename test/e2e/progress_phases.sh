#!/usr/bin/env bash
# The client says what is happening (issue 26 #7): Ctrl-C during an upload exits 130
# and says a second run resumes; that run says "resumed at offset N" before its bar and
# its rate counts from there (never "0 B/s" on a line); a run of an upload the device
# already has says so and sends nothing; image upgrade shows its phases after the
# upload (marking, resetting, waiting for the device while the bootloader installs).
. "$(dirname "$0")/lib.sh"
v1_device_v2_images
F=$V2/img2-v2.0.0.bin
size=$(stat -c %s "$F")
# The MX25R64's worst-case timing in real time: slow enough to interrupt.
start_sim "$D" "$P" --timing worst --real-time || exit 1
# The client itself in the background (not through a shell function: the signal
# must reach it, not a subshell).
"$MCUMGR" --conntype udp --connstring "127.0.0.1:$P" -t 5 image upload "$F" -n 2 \
  >"$WORK/up1.out" 2>"$WORK/up1.err" &
UP=$!; BG_PIDS="$BG_PIDS $UP"
check "the upload reaches 20%" wait_progress "$WORK/up1.err" 20 30
kill -INT "$UP" 2>/dev/null
rc=0; wait "$UP" 2>/dev/null || rc=$?
check "Ctrl-C exits 130" test "$rc" = 130
check "  and says a second run resumes, at which offset" \
  grep -Eq '^interrupted at offset [0-9]+ of '"$size"': .*run the same upload again to resume$' "$WORK/up1.err"
check "  no Done" bash -c "! grep -q Done '$WORK/up1.out'"

mcu "$P" image upload "$F" -n 2 >"$WORK/up2.out" 2>"$WORK/up2.err"
check "the second run completes" grep -q '^Done$' "$WORK/up2.out"
first=$(grep -m1 -n . "$WORK/up2.err" | cut -d: -f2-)
check "  its first line says where it resumed (before the bar)" \
  bash -c "[[ '$first' =~ ^resumed\ at\ offset\ [1-9][0-9]*\ of\ $size ]]"
check "  every progress line has a rate (not 0 B/s, not --:--)" \
  bash -c "grep '^upload:' '$WORK/up2.err' | grep -q . && ! grep -Eq '^upload:.*( 0 B/s|--:--)' '$WORK/up2.err'"
check "  the bar starts past the resume point (not at 0%)" \
  bash -c "! grep -Eq '^upload: +0%' '$WORK/up2.err'"
check "  'resumed' is not said after the bar" bash -c "tail -n 1 '$WORK/up2.err' | grep -vq resumed"

mcu "$P" image upload "$F" -n 2 >"$WORK/up3.out" 2>"$WORK/up3.err"
check "a run of a finished upload completes" grep -q '^Done$' "$WORK/up3.out"
check "  and says it is already on the device" grep -q "^already on the device: all $size bytes" "$WORK/up3.err"
check "  not 'resumed', no bar" bash -c "! grep -Eq 'resumed|^upload:' '$WORK/up3.err'"

"$MCUMGR" --conntype udp --connstring "127.0.0.1:$P" -t 5 image upgrade "$V2/dfu_application.zip" \
  >"$WORK/upg1.out" 2>"$WORK/upg1.err" &
UP=$!; BG_PIDS="$BG_PIDS $UP"
# 20% of the package is 58 KiB of image 0: past its first 32 KiB checkpoint, which is
# what a device that restarts resumes from.
check "image upgrade: the upload reaches 20%" wait_progress "$WORK/upg1.err" 20 30
kill -INT "$UP" 2>/dev/null
rc=0; wait "$UP" 2>/dev/null || rc=$?
check "  Ctrl-C exits 130" test "$rc" = 130
check "  and says a second run resumes" grep -q 'run the same image upgrade again to resume$' "$WORK/upg1.err"
stop_sim

start_sim "$D" "$P" || exit 1
mcu "$P" image upgrade "$V2/dfu_application.zip" >"$WORK/upg.out" 2>"$WORK/upg.err"
check "image upgrade succeeds" grep -q '^image 0: 1.0.0 -> 2.0.0' "$WORK/upg.out"
check "  image 0 resumed where Ctrl-C left it, said before its bar" \
  bash -c "head -n 2 '$WORK/upg.err' | grep -Eq '^image 0: resumed at offset [1-9][0-9]* of '"
check "  image 2 (uploaded by image upload above) is already on the device" \
  grep -q '^image 2: already on the device' "$WORK/upg.err"
check "  no progress line without a rate" bash -c "! grep -Eq '^upload:.*( 0 B/s|--:--)' '$WORK/upg.err'"
order=$(grep -En '^(upload: 100%|marking images [0-9, ]+ for test|resetting|waiting for the device: the bootloader is installing|the device is back after)' \
  "$WORK/upg.err" | cut -d: -f2 | cut -c1-8 | tr '\n' ' ')
check "  phases after the upload, in order: '$order'" \
  test "$order" = "upload marking  resettin waiting  the devi "
# On a terminal (script(1) gives the client a PTY): the bar ends at 100% on its own
# line, each phase follows on its own, and no bar is drawn under them.
if command -v script >/dev/null; then
  build_images 3.0.0 "$WORK/v3"
  script -qfec "'$MCUMGR' --conntype udp --connstring 127.0.0.1:$P -t 30 --reset-timeout 300 image upgrade '$WORK/v3/dfu_application.zip'" \
    /dev/null > "$WORK/tty.raw"
  tr '\r' '\n' < "$WORK/tty.raw" | grep -v '^$' > "$WORK/tty"
  check "TTY: the upgrade to v3 succeeds" grep -q '^image 0: 2.0.0 -> 3.0.0' "$WORK/tty"
  check "TTY: the bar ends at 100% right before 'marking'" \
    bash -c "grep -B1 '^marking images' '$WORK/tty' | head -n 1 | grep -q '^\[#*\] 100%'"
  check "TTY: no bar after the phases began" \
    bash -c "! sed -n '/^marking images/,\$p' '$WORK/tty' | grep -q '^\['"
fi
finish
