#!/usr/bin/env bash
# image upgrade checks each package image against the device's slot sizes (image slot
# info, SMP group 1 command 6) before it sends anything: an image larger than its
# secondary slot is refused in one line, nothing uploaded, in one-device and table mode.
# A device that does not answer slot info (an older Zephyr) is not blocked: the run goes
# on and says the sizes were not checked; the device itself then refuses the image.
. "$(dirname "$0")/lib.sh"
P=$(free_port)
R=$(free_port)
D=$WORK/flash; mkdir -p "$D"
provision "$D"
build_images 2.0.0 "$WORK/v2"
V2=$WORK/v2
# Image 2 signed for a bigger slot than the device's (0x40000): 300000 bytes of payload.
"$SIM" mkpayload --part xip --size 300000 --link-id 2 --seed 2 -o "$WORK/big.raw"
"$IMGTOOL" sign --key "$KEY" --version 2.0.0 --header-size 0x200 --pad-header --align 4 \
  --slot-size 0x80000 --dependencies "(0,2.0.0)" "$WORK/big.raw" "$WORK/big2.bin" >/dev/null
"$IMGTOOL" dfu-package -o "$WORK/big.zip" 0="$V2/img0-v2.0.0.bin" 1="$V2/img1-v2.0.0.bin" \
  2="$WORK/big2.bin"
"$IMGTOOL" dfu-package -o "$WORK/good.zip" 0="$V2/img0-v2.0.0.bin" 1="$V2/img1-v2.0.0.bin" \
  2="$V2/img2-v2.0.0.bin"
start_sim "$D" "$P" || exit 1
up() { local port=$1; shift
  "$MCUMGR" --conntype udp --connstring "127.0.0.1:$port" -t 30 --reset-timeout 300 "$@"; }
nothing_sent() { ! mcu "$P" --json image list | grep -q '"slot":1'; }
boots=$(grep -c 'power on' "$D/sim.log")

rc=0; up "$P" image upgrade "$WORK/big.zip" >"$WORK/big.out" 2>"$WORK/big.err" || rc=$?
check "an image larger than its secondary: exit 1" test "$rc" = 1
check_out "refused in one line, before any upload" \
  '^Error: image 2 \(qspi_flash_update\.bin, [0-9]+ bytes\) does not fit its secondary slot on the device \(262144 bytes\); nothing sent$' \
  cat "$WORK/big.out"
check "one line" test "$(wc -l <"$WORK/big.out")" = 1
check "nothing was uploaded (no secondary slot holds an image)" nothing_sent
check "and the device was not reset" test "$(grep -c 'power on' "$D/sim.log")" = "$boots"
echo "udp:127.0.0.1:$P" >"$WORK/devices"
rc=0; "$MCUMGR" -t 2 --devices "$WORK/devices" image upgrade "$WORK/big.zip" >"$WORK/tab.out" 2>&1 || rc=$?
check "the table mode too: exit 1" test "$rc" = 1
check_out "its row says why" 'FAILED .*image 2 \(qspi_flash_update\.bin, [0-9]+ bytes\) does not fit its secondary slot' \
  cat "$WORK/tab.out"
check "nothing was uploaded" nothing_sent

# A device without slot info, played by a relay that answers that one command rc 8.
python3 -S "$E2E_DIR/noslotinfo_relay.py" "$R" "$P" >"$WORK/relay.log" 2>&1 &
RELAY=$!; BG_PIDS="$BG_PIDS $RELAY"
wait_for "$WORK/relay.log" '^ready' 5
check_out "the relay hides slot info" '^\{"rc":8\}$' sh -c "$(declare -f up); MCUMGR='$MCUMGR' up $R --json image slot-info; true"
rc=0; up "$R" image upgrade "$WORK/big.zip" >"$WORK/nosi.out" 2>&1 || rc=$?
check "without slot info the device refuses the image itself: exit 1" test "$rc" = 1
check_out "the client said the sizes were not checked" \
  'note: the device does not report its slot sizes \(slot info: .*\); image sizes not checked before the upload' \
  cat "$WORK/nosi.out"
check_out "and the device's refusal is the reason" '^Error: image 2 upload: device error' cat "$WORK/nosi.out"
check_out "the good package through the same relay upgrades, with the note" \
  'image sizes not checked' up "$R" image upgrade "$WORK/good.zip"
check_out "image 2 upgraded" 'image 2: 1\.0\.0 -> 2\.0\.0' cat "$WORK/out"
check_out "JSON says so too" '"slot_sizes_checked":false' up "$R" --json image upgrade "$WORK/good.zip"
check_out "and a device with slot info: checked" '"slot_sizes_checked":true' up "$P" --json image upgrade "$WORK/good.zip"
kill "$RELAY"; wait "$RELAY" 2>/dev/null
finish
