#!/usr/bin/env bash
# --ble-security authen over btvirt: an unpaired central's write to the SMP
# characteristic is refused; extxip-mcumgr pairs with the passkey (LE Secure
# Connections, passkey entry), runs the sample's flow (upload 0/1/2, test,
# reset, reconnect with the bond: encryption with the stored LTK, confirm);
# storage erase makes the device forget the bond and the client says so; a
# wrong passkey stores nothing and the device keeps serving. btvirt
# "encrypts" by comparing the two hosts' LTKs (it needs no AES for that), so
# a wrong key fails exactly as on air.
. "$(dirname "$0")/lib_ble.sh"
start_btvirt
D=$WORK/flash; mkdir -p "$D"
provision "$D"
build_images 2.0.0 "$WORK/v2"
start_ble_sim "$D" --ble-security authen --ble-passkey 123456 || exit 1
BF=$WORK/bonds
mcus() { mcub --bond-file "$BF" "$@"; }

# Raw ATT write without pairing: Insufficient Authentication, nothing served.
check_out "unpaired write refused (ATT 0x05), Security Request sent" '^refused 05 secreq$' \
  python3 -S "$(dirname "$0")/fake_peer.py" "$BT_SOCK" secwrite
check_out "no passkey, no terminal: a clear refusal" 'add passkey=N to the connstring' \
  rc_is 3 mcus echo hi </dev/null
check_out "pairs with the passkey and echoes" '^paired$' \
  mcub --bond-file "$BF" --connstring "$CS,passkey=123456" echo paired
check_out "the device bonded, authenticated" 'ble: paired and bonded \(authenticated\)' cat "$SIM_LOG"
check_out "bond file written" '^bond ' cat "$BF"
check "the bond is in the settings partition (bt/keys/...)" grep -rqa 'bt/keys/' "$D"
for n in 0 1 2; do
  check "upload -e -n $n over the encrypted link" mcus --quiet image upload -e -n "$n" "$WORK/v2/img$n-v2.0.0.bin"
done
for n in 0 1 2; do
  check "test image $n" mcus image test "$(digest "$WORK/v2/img$n-v2.0.0.bin")"
done
check "reset" mcus reset
check "device boots and advertises again" wait_adverts 2 boot
check_out "reconnect with the bond (no passkey): v2 runs" 'version: 2\.0\.0' mcus image list
check_out "the link was encrypted with the stored LTK" 'link encrypted \(authenticated\)' \
  sh -c "tail -n 20 '$SIM_LOG'"
check "confirm" mcus image confirm
check_out "confirmed" 'confirmed' mcus image list
# Storage erase: the device forgets the bond, as on Zephyr.
check "storage erase" mcus storage erase
check_fails "the bond went with it" grep -rqa 'bt/keys/' "$D"
check_out "forgotten bond: a clear message" 'no longer has our bond' rc_is 3 mcus echo x
# A wrong passkey: pairing fails, nothing stored, the device keeps serving.
cp "$BF" "$WORK/bonds.before"
check_out "wrong passkey refused" 'confirm value failed \(wrong passkey\?\)' \
  rc_is 3 mcub --bond-file "$BF" --connstring "$CS,passkey=654321,pair=1" echo x
check "bond file unchanged" cmp "$BF" "$WORK/bonds.before"
check_out "the device logged the failure" 'ble: pairing failed \(reason 0x04\)' cat "$SIM_LOG"
check_out "device still serves (UDP)" '^alive$' "$MCUMGR" --conntype udp --connstring "127.0.0.1:$P" echo alive
finish
