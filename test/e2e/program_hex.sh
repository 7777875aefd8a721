#!/usr/bin/env bash
# `extxip-sim program` takes Intel HEX as nrfjprog/west flash do: signed with
# `--hex-addr` (internal flash offset for image 0, the XIP-mapped address for
# image 2, the network core's own offset for image 1), each lands in its
# primary slot and the device boots them. HEX data outside the named
# partition is refused with one line and a non-zero exit.
. "$(dirname "$0")/lib.sh"
P=$(free_port)
D=$WORK/flash; mkdir -p "$D"
build_images 1.0.0 "$WORK/v1"
common=(--key "$KEY" --version 1.0.0 --header-size 0x200 --pad-header --align 4)
"$IMGTOOL" sign "${common[@]}" --slot-size 0xd4000 --dependencies "(2,1.0.0)" \
  --hex-addr 0x10000 "$WORK/v1/app.raw" "$WORK/img0.hex" >/dev/null
"$IMGTOOL" sign "${common[@]}" --slot-size 0x40000 --hex-addr 0x0 \
  "$WORK/v1/net.raw" "$WORK/img1.hex" >/dev/null
"$IMGTOOL" sign "${common[@]}" --slot-size 0x40000 --dependencies "(0,1.0.0)" \
  --hex-addr 0x10120000 "$WORK/v1/xip.raw" "$WORK/img2.hex" >/dev/null
for n in 0 1 2; do
  check "program image $n from HEX" "$SIM" program --flash-dir "$D" "$n" "$WORK/img$n.hex"
done
check_out "slot 0 holds the HEX image" 'slot 0 .*version 1\.0\.0.*valid' \
  "$SIM" info --flash-dir "$D" --key "$KEY"
check_out "slot 4 holds the HEX image" 'slot 4 .*version 1\.0\.0.*valid' \
  "$SIM" info --flash-dir "$D" --key "$KEY"
check_fails "image 2's HEX refused for image 0's slot" \
  "$SIM" program --flash-dir "$D" 0 "$WORK/img2.hex"
check_out "one clear line" 'outside mcuboot_primary' cat "$WORK/out"
start_sim "$D" "$P" || exit 1
check_out "device boots the HEX-flashed set" 'found its XIP part' cat "$D/sim.log"
check_out "v1 listed" 'version: 1\.0\.0' mcu "$P" image list
stop_sim
finish
