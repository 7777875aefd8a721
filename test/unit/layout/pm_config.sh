#!/usr/bin/env bash
# extxip-pm-config: the board's map as pm_config.h / .cmake (what the firmware
# and the package checks compile in), and a refused map refused with one line.
set -u
tool=$1 board_pm=$2
d=$(mktemp -d); trap 'rm -rf "$d"' EXIT
fail=0
ok() { echo "ok: $1"; }
bad() { echo "FAIL: $1"; fail=1; }
"$tool" -o "$d/pm_config.h" "$board_pm" && ok "DK map written" || bad "DK map written"
for want in 'PM_MCUBOOT_ADDRESS 0x0$' 'PM_MCUBOOT_SIZE 0x10000$' 'PM_MCUBOOT_PRIMARY_ADDRESS 0x10000$' \
            'PM_MCUBOOT_PRIMARY_SIZE 0xd4000$' 'EXTXIP_PM_MCUBOOT_PRIMARY_1_DEV 1$' \
            'PM_MCUBOOT_PRIMARY_2_ADDRESS 0x120000$' 'EXTXIP_PM_MCUBOOT_PRIMARY_2_DEV 2$' \
            'PM_SETTINGS_STORAGE_ADDRESS 0xf0000$'; do
  grep -q "^#define $want" "$d/pm_config.h" && ok "$want" || bad "$want"
done
grep -q 'SRAM_PRIMARY' "$d/pm_config.h" && bad "RAM partitions are not flash" || ok "no RAM partitions"
cc -fsyntax-only -Werror -x c -include "$d/pm_config.h" /dev/null && ok "pm_config.h compiles" \
  || bad "pm_config.h compiles"
"$tool" -f cmake -o "$d/pm_config.cmake" "$board_pm" && grep -q '^set(PM_MCUBOOT_PRIMARY_2_SIZE 0x40000)$' \
  "$d/pm_config.cmake" && ok "cmake form" || bad "cmake form"
# overlapping slots: refused, one line, nothing written
sed 's/^  address: 0x160000$/  address: 0x150000/' "$board_pm" > "$d/bad.yml"
cmp -s "$d/bad.yml" "$board_pm" && bad "test layout not changed"
out=$("$tool" -o "$d/bad.h" "$d/bad.yml" 2>&1); rc=$?
[ $rc = 1 ] && [ "$(printf '%s\n' "$out" | wc -l)" = 1 ] && [ ! -e "$d/bad.h" ] \
  && ok "bad map refused: $out" || bad "bad map refused (rc $rc): $out"
"$tool" -o "$d/x.h" 2>/dev/null; [ $? = 2 ] && ok "usage error exits 2" || bad "usage error exits 2"
exit $fail
