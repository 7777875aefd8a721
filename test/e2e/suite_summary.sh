#!/usr/bin/env bash
# make test's closing line counts skipped tests apart (CTest counts them as
# passed), and names them: scripts/ctest-summary on a CTest log.
. "$(dirname "$0")/lib.sh"
cat > "$WORK/ctest.log" <<'LOG'
 1/5 Test  #1: a .....   Passed    0.01 sec
 2/5 Test  #2: peer_x .....***Skipped   0.01 sec
 3/5 Test  #3: b .....***Failed    0.01 sec
 4/5 Test  #4: ble_y .....***Not Run   0.00 sec
 5/5 Test  #5: c .....   Passed    0.01 sec

80% tests passed, 1 tests failed out of 5

The following tests did not run:
	  2 - peer_x (Skipped)
	  4 - ble_y (Not Run)

The following tests FAILED:
	  3 - b (Failed)
LOG
check_out "2 passed, 1 failed, 2 skipped, both named" '^2 1 2 ble_y peer_x$' \
  "$SRC/scripts/ctest-summary" "$WORK/ctest.log"
printf '100%% tests passed, 0 tests failed out of 3\n' > "$WORK/clean.log"
check_out "no skips: all passed" '^3 0 0$' "$SRC/scripts/ctest-summary" "$WORK/clean.log"
echo "no summary" > "$WORK/none.log"
check_fails "a log without CTest's summary is an error" "$SRC/scripts/ctest-summary" "$WORK/none.log"
check_out "scripts/test prints the skipped count on its last line" 'passed, \$failed failed, \$skipped skipped' \
  grep -F 'echo "$passed passed, $failed failed, $skipped skipped"' "$SRC/scripts/test"
echo "$CHECKS checks, $FAILS failed"
[ "$FAILS" = 0 ]
