#!/usr/bin/env bash
# The sample page's walkthrough (walkthrough.sh) on the simulated Thingy:53:
# its simulator built in this build dir (as board_thingy53.sh does; the two
# share the sub-build under a CTest resource lock), flashed with the page's
# four nrfjprog lines.
set -u
sub="$BUILD/board-thingy53"
args=(-DCMAKE_BUILD_TYPE=RelWithDebInfo -DEXTXIP_BOARD=thingy53)
[ -n "${EXTXIP_SUB_CC:-}" ] && args+=(-DCMAKE_C_COMPILER="$EXTXIP_SUB_CC")
[ "${EXTXIP_SUB_SANITIZE:-OFF}" = ON ] && args+=(-DEXTXIP_SANITIZE=ON)
if ! cmake -S "$SRC" -B "$sub" -G Ninja "${args[@]}" >"$BUILD/walkthrough-thingy53.log" 2>&1 ||
   ! cmake --build "$sub" --target extxip-sim extxip-imgtool extxip-pm-config \
       >>"$BUILD/walkthrough-thingy53.log" 2>&1; then
  tail -20 "$BUILD/walkthrough-thingy53.log"; echo "FAIL: the Thingy:53 simulator did not build"; exit 1
fi
export EXTXIP_SIM="$sub/port/posix/extxip-sim" EXTXIP_BOARD=thingy53
exec bash "$(dirname "$0")/walkthrough.sh"
