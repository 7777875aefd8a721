#!/usr/bin/env bash
# The second board of the sample, Thingy:53 (boards/thingy53): the simulator
# built for it (its own build dir inside this one, same compiler and
# sanitizers) runs the sample's flow (flow.sh) with its own key and layout,
# which proves board facts come from boards/<name>/ alone.
set -u
sub="$BUILD/board-thingy53"
args=(-DCMAKE_BUILD_TYPE=RelWithDebInfo -DEXTXIP_BOARD=thingy53)
[ -n "${EXTXIP_SUB_CC:-}" ] && args+=(-DCMAKE_C_COMPILER="$EXTXIP_SUB_CC")
[ "${EXTXIP_SUB_SANITIZE:-OFF}" = ON ] && args+=(-DEXTXIP_SANITIZE=ON)
if ! cmake -S "$SRC" -B "$sub" -G Ninja "${args[@]}" >"$BUILD/board-thingy53.log" 2>&1 ||
   ! cmake --build "$sub" --target extxip-sim >>"$BUILD/board-thingy53.log" 2>&1; then
  tail -20 "$BUILD/board-thingy53.log"; echo "FAIL: the Thingy:53 simulator did not build"; exit 1
fi
export EXTXIP_SIM="$sub/port/posix/extxip-sim" EXTXIP_BOARD=thingy53
exec bash "$(dirname "$0")/flow.sh"
