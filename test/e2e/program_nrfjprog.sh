#!/usr/bin/env bash
# `extxip-sim program FILE.hex` with nrfjprog's options (issue 30): the HEX
# addresses decide the device; the erase options mean what they mean to
# nrfjprog (none: program only, a byte not erased is refused; --sectorerase /
# --qspisectorerase: only the pages the file touches; --chiperase /
# --qspichiperase: the whole device); every refusal comes before any write,
# with one line and a non-zero exit.
. "$(dirname "$0")/lib.sh"
D=$WORK/flash; mkdir -p "$D"
B=$WORK/build
"$SRC/scripts/provision" "$BUILD" - 1.0.0 "$B" >/dev/null
Z=$B/zephyr
all_sum() {  # the three flash files
  cat "$D/flash_primary.bin" "$D/flash_ctrl.bin" "$D/mx25r64.bin" 2>/dev/null | sha256sum | cut -d' ' -f1
}
refused() {  # refused "what" PATTERN args...: program fails with PATTERN, flash unchanged
  local what=$1 pat=$2; shift 2
  local before; before=$(all_sum)
  check_fails "$what" "$SIM" program --flash-dir "$D" "$@"
  check_out "  says: $pat" "$pat" cat "$WORK/out"
  check "  one line" test "$(wc -l <"$WORK/out")" = 1
  check "  flash unchanged" test "$(all_sum)" = "$before"
}
printf 'abcdefgh' >"$WORK/8.bin"
"$SIM" mkhex -o "$WORK/past_internal.hex" 0x00100000="$WORK/8.bin"
"$SIM" mkhex -o "$WORK/straddle.hex" 0x000ffffc="$WORK/8.bin"
"$SIM" mkhex -o "$WORK/past_qspi.hex" 0x10800000="$WORK/8.bin"
"$SIM" mkhex -o "$WORK/past_net.hex" 0x01040000="$WORK/8.bin"
check "a fresh device's flash files" "$SIM" info --flash-dir "$D"

refused "HEX past the internal flash" 'outside every device of the application core' \
  --sectorerase "$WORK/past_internal.hex"
refused "HEX running off the internal flash's end" 'outside every device' \
  --chiperase "$WORK/straddle.hex"
refused "HEX past the QSPI" 'outside every device' --qspisectorerase "$WORK/past_qspi.hex"
refused "network core HEX without --coprocessor" 'with --coprocessor CP_NETWORK' \
  --sectorerase "$B/hci_ipc/zephyr/merged_CPUNET.hex"
refused "application HEX with --coprocessor CP_NETWORK" 'outside every device of the network core' \
  --coprocessor CP_NETWORK --sectorerase "$Z/internal_flash_signed.hex"
refused "HEX past the network core flash" 'outside every device of the network core' \
  --coprocessor CP_NETWORK --chiperase "$WORK/past_net.hex"
refused "merged.hex (bootloader + application) without --chiperase" \
  'writes the bootloader .* give --chiperase' --sectorerase --qspisectorerase "$Z/merged.hex"
refused "the bootloader's HEX without an erase option" 'writes the bootloader' \
  "$B/mcuboot/zephyr/zephyr.hex"
refused "--sectorerase with --chiperase" 'cannot be combined' --sectorerase --chiperase \
  "$Z/internal_flash_signed.hex"
refused "--qspisectorerase with --qspichiperase" 'cannot be combined' --qspisectorerase \
  --qspichiperase "$Z/qspi_flash_signed.hex"
refused "--qspisectorerase on the network core" 'QSPI belongs to the application core' \
  --coprocessor CP_NETWORK --qspisectorerase "$B/hci_ipc/zephyr/merged_CPUNET.hex"
refused "a raw binary without a target" 'want an Intel HEX file' --verify \
  "$Z/internal_flash_update.bin"
sed '3s/.$/0/;3s/.$/0/' "$Z/internal_flash_signed.hex" >"$WORK/badsum.hex"
cmp -s "$WORK/badsum.hex" "$Z/internal_flash_signed.hex" && sed -i '3s/.$/1/' "$WORK/badsum.hex"
refused "a HEX with a bad checksum" 'line 3: checksum error' --sectorerase "$WORK/badsum.hex"
head -n 3 "$Z/internal_flash_signed.hex" >"$WORK/noeof.hex"
refused "a HEX without its end record" 'no end-of-file record' --sectorerase "$WORK/noeof.hex"
{ head -n 2 "$Z/internal_flash_signed.hex"; cat "$Z/internal_flash_signed.hex"; } >"$WORK/twice.hex"
refused "a HEX that writes one address twice" 'overlaps itself' --sectorerase "$WORK/twice.hex"

# Program without erasing: fine on erased flash, refused once it is written.
check "internal_flash_signed.hex, no erase option, erased flash" \
  "$SIM" program --flash-dir "$D" --verify "$Z/internal_flash_signed.hex"
check_out "  Verified OK" 'Verified OK' cat "$WORK/out"
check "  slot 0 holds image 0 (the HEX's address 0x10000)" \
  test "$(region_sum "$D/flash_primary.bin" 0x10000 "$(stat -c %s "$Z/internal_flash_update.bin")")" = \
  "$(sha256sum <"$Z/internal_flash_update.bin" | cut -d' ' -f1)"
refused "the same again without an erase option" 'not erased: give --sectorerase' \
  "$Z/internal_flash_signed.hex"
check "  with --sectorerase" "$SIM" program --flash-dir "$D" --sectorerase --verify \
  "$Z/internal_flash_signed.hex"
check "qspi_flash_signed.hex lands at QSPI 0x120000 (XIP 0x10120000)" \
  "$SIM" program --flash-dir "$D" --qspisectorerase --verify "$Z/qspi_flash_signed.hex"
check "  image 2's bytes there" \
  test "$(region_sum "$D/mx25r64.bin" 0x120000 "$(stat -c %s "$Z/qspi_flash_update.bin")")" = \
  "$(sha256sum <"$Z/qspi_flash_update.bin" | cut -d' ' -f1)"
refused "QSPI written, no QSPI erase option" 'not erased: give --qspisectorerase' \
  --sectorerase "$Z/qspi_flash_signed.hex"

# --qspisectorerase erases only the sectors the file touches; --qspichiperase all.
check "a v2 image into image 2's secondary slot" "$SIM" program --flash-dir "$D" \
  mcuboot_secondary_2 "$Z/qspi_flash_update.bin"
sec2=$(region_sum "$D/mx25r64.bin" 0x160000 0x40000)
check "--qspisectorerase again" "$SIM" program --flash-dir "$D" --qspisectorerase \
  "$Z/qspi_flash_signed.hex"
check "  the secondary slot beside it is kept" test "$(region_sum "$D/mx25r64.bin" 0x160000 0x40000)" = "$sec2"
check "--qspichiperase" "$SIM" program --flash-dir "$D" --qspichiperase "$Z/qspi_flash_signed.hex"
check "  the secondary slot is erased" region_blank "$D/mx25r64.bin" 0x160000 0x40000

# The network core at its own base, and a whole chip (merged.hex) with --chiperase.
check "merged_CPUNET.hex with --coprocessor CP_NETWORK" "$SIM" program --flash-dir "$D" \
  --coprocessor CP_NETWORK --sectorerase --verify "$B/hci_ipc/zephyr/merged_CPUNET.hex"
check "  lands at the network core flash's start (0x01000000)" \
  test "$(region_sum "$D/flash_ctrl.bin" 0 "$(stat -c %s "$Z/net_core_app_update.bin")")" = \
  "$(sha256sum <"$Z/net_core_app_update.bin" | cut -d' ' -f1)"
printf 'settings' >"$WORK/s.bin"
check "something in the settings partition" "$SIM" program --flash-dir "$D" settings_storage "$WORK/s.bin"
check "merged.hex with --chiperase" "$SIM" program --flash-dir "$D" --chiperase --qspisectorerase \
  --verify "$Z/merged.hex"
check "  the chip erase took the settings partition too" region_blank "$D/flash_primary.bin" 0xf0000 0x10000
P=$(free_port)
start_sim "$D" "$P" || exit 1
check_out "the device boots what was programmed" 'found its XIP part' cat "$D/sim.log"
check_out "v1 listed" 'version: 1\.0\.0' mcu "$P" image list
finish
