#!/usr/bin/env bash
# Security Manager bad input (sm_raw.py: every kind of PDU a hostile central
# may send, an invalid-curve public key, repeated attempts) against a device
# with --ble-security authen, after a real client bonded with it: each gets
# its Pairing Failed reason, no bond is stored, the bonded client still
# gets in (encryption with its bond), and no flash byte changes.
. "$(dirname "$0")/lib_ble.sh"
start_btvirt
D=$WORK/flash; mkdir -p "$D"
provision "$D"
start_ble_sim "$D" --ble-security authen --ble-passkey 123456 || exit 1
BF=$WORK/bonds
check_out "a client bonds first" '^bonded$' mcub --bond-file "$BF" --connstring "$CS,passkey=123456" echo bonded
before=$(cat "$D"/*.bin | sha256sum)
python3 -S "$(dirname "$0")/sm_raw.py" "$BT_SOCK" >"$WORK/raw.out" 2>&1
rc=$?
sed 's/^/  raw: /' "$WORK/raw.out"
CHECKS=$((CHECKS + 1))
if [ "$rc" = 0 ]; then echo "ok: every SM bad-input check"; else
  FAILS=$((FAILS + 1)); echo "FAIL: $rc SM bad-input checks"; fi
check "device advertises again after the raw central left" wait_adverts 3
check_out "the bonded client still gets in" '^still here$' mcub --bond-file "$BF" echo "still here"
check "flash unchanged: nothing stored" test "$(cat "$D"/*.bin | sha256sum)" = "$before"
check_out "one bond only" '^1$' grep -c '^ble: paired and bonded' "$SIM_LOG"
finish
