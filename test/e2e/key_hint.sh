#!/usr/bin/env bash
# Signatures (issue 26 #4). The client, given the key the device trusts (--key), refuses
# an image signed with another key before a byte is sent, naming both key hashes
# ("signed with key X; the device trusts Y"), and one whose signature does not verify;
# image upgrade checks every image of the package the same way. The device, when such
# an image is sent anyway, refuses the test mark with 5 INVALID_TLV (the signature),
# not 23 "header magic" (the magic is fine). And v1 errors carry Zephyr's verbose
# reason ("rsn"), as a Zephyr build with verbose errors sends it.
. "$(dirname "$0")/lib.sh"
v1_device_v2_images
start_sim "$D" "$P" || exit 1
exits() { local want=$1 rc=0; shift; "$@" || rc=$?; [ "$rc" = "$want" ] || { echo "exit status $rc, want $want"; return 1; }; }
common=(--version 2.0.0 --header-size 0x200 --pad-header --align 4 --slot-size 0x40000)
check "a second key" "$IMGTOOL" keygen -k "$WORK/other.pem" -t ecdsa-p256
check "image 1 signed with it" "$IMGTOOL" sign --key "$WORK/other.pem" "${common[@]}" \
  "$V2/net.raw" "$WORK/other1.bin"
before=$(mcu "$P" --json image list)
check_out "--key: an image signed with another key is refused, naming both keys" \
  'signed with key [0-9a-f]{16}\.\.\.; the device trusts [0-9a-f]{16}\.\.\. \(--key ' \
  exits 2 mcu "$P" image upload "$WORK/other1.bin" -n 1 --key "$KEY"
cp "$WORK/out" "$WORK/refused"
x=$(sed -n 's/.*signed with key \([0-9a-f]*\)\.\.\.; the device trusts \([0-9a-f]*\).*/\1 \2/p' "$WORK/refused")
check "  two different keys ($x)" test "${x% *}" != "${x#* }"
check "  one line, nothing sent" bash -c "test \$(grep -c . '$WORK/refused') = 1 && grep -q 'nothing sent' '$WORK/refused'"
check "  the device unchanged" test "$(mcu "$P" --json image list)" = "$before"
check_out "--key with the other key's public half: it uploads" '^Done$' \
  bash -c "'$IMGTOOL' getpub -k '$WORK/other.pem' -e pem > '$WORK/other.pub' && \
    '$MCUMGR' --conntype udp --connstring 127.0.0.1:$P -t 5 --quiet image upload '$WORK/other1.bin' -n 1 --key '$WORK/other.pub'"
h=$(digest "$V2/img1-v2.0.0.bin")
hx=$(mcu "$P" --json image list | python3 -S -c 'import json,sys
print([s["hash"] for s in json.load(sys.stdin)["images"] if s["image"] == 1 and s["slot"] == 1][0])')
check_out "the device, asked to test it: 5 INVALID_TLV (its signature), not 23 (magic)" \
  'rc 5 \(IMG_MGMT_ERR_INVALID_TLV\)' exits 1 mcu "$P" image test "$hx"
cp "$V2/img1-v2.0.0.bin" "$WORK/bad_sig.bin"
size=$(stat -c %s "$WORK/bad_sig.bin")
printf '\125' | dd of="$WORK/bad_sig.bin" bs=1 seek=$((size - 10)) conv=notrunc status=none
check_out "--key: a signature that does not verify is refused" \
  'its signature does not verify with the key the device trusts' \
  exits 2 mcu "$P" image upload "$WORK/bad_sig.bin" -n 1 --key "$KEY"
check_out "--key: the right image uploads" '^Done$' \
  mcu "$P" --quiet image upload "$V2/img1-v2.0.0.bin" -n 1 --key "$KEY"
check "a package holding the other key's image 1" "$IMGTOOL" dfu-package -o "$WORK/other.zip" \
  1="$WORK/other1.bin"
check_out "image upgrade --key refuses it before any device is asked" \
  "other.zip: .*\\(image 1\\): signed with key .*; nothing sent" \
  exits 2 mcu "$P" image upgrade "$WORK/other.zip" --key "$KEY"
check_out "image upgrade --key of the good package goes on" 'image 1: 1\.0\.0 -> 2\.0\.0' \
  mcu "$P" image upgrade "$V2/dfu_application.zip" --key "$KEY"
head -c 5000 /dev/urandom > "$WORK/raw.bin"
check_out "v1: an error carries Zephyr's verbose reason (rsn)" 'MGMT_ERR_EUNKNOWN\): magic mismatch$' \
  exits 1 mcu "$P" --smp-version 1 image upload "$WORK/raw.bin" -n 1 --force
check_out "  and in --json" '"rsn":"magic mismatch"' \
  exits 1 mcu "$P" --smp-version 1 --json image upload "$WORK/raw.bin" -n 1 --force
finish
