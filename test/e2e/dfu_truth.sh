#!/usr/bin/env bash
# image upgrade tells the truth in the cases an adversarial check found:
#  - a package signed with another key is refused at the mark; the right package run
#    next uploads again (the slot's hash is the same: it does not cover the signature)
#    and installs, where it used to skip the upload and fail the mark for ever;
#  - a device in serial recovery (its image 2 primary damaged) does not list that
#    primary (its hash fails, as MCUboot's serial recovery leaves it out), so the client
#    does not call it "already running" and learns from slot info that image 2 exists;
#    recovery schedules uploads itself, which the client accepts as marked; the reset
#    repairs the device;
#  - dfu-package refuses an image under its own dependency's index (built for another
#    image), and so does the reader.
. "$(dirname "$0")/lib.sh"
P=$(free_port)
D=$WORK/flash; mkdir -p "$D"
provision "$D"
build_images 2.0.0 "$WORK/v2"
build_images 1.0.0 "$WORK/v1"
pkg() { "$IMGTOOL" dfu-package -o "$1" 0="$2/img0-$3.bin" 1="$2/img1-$3.bin" 2="$2/img2-$3.bin"; }
pkg "$WORK/good.zip" "$WORK/v2" v2.0.0
pkg "$WORK/v1.zip" "$WORK/v1" v1.0.0
"$IMGTOOL" keygen -k "$WORK/other.pem" -t ecdsa-p256 >/dev/null
mkdir -p "$WORK/other"
for n in 0 1 2; do
  deps=(); [ $n = 0 ] && deps=(--dependencies "(2,2.0.0)"); [ $n = 2 ] && deps=(--dependencies "(0,2.0.0)")
  sz=0x40000; [ $n = 0 ] && sz=0xd4000
  "$IMGTOOL" sign --key "$WORK/other.pem" --version 2.0.0 --header-size 0x200 --pad-header \
    --align 4 --slot-size $sz "${deps[@]}" "$WORK/v2/$( [ $n = 0 ] && echo app || ([ $n = 1 ] && echo net || echo xip)).raw" \
    "$WORK/other/img$n-v2.0.0.bin" >/dev/null
done
pkg "$WORK/other.zip" "$WORK/other" v2.0.0
up() { "$MCUMGR" --conntype udp --connstring "127.0.0.1:$P" -t 30 --reset-timeout 300 "$@"; }

check_fails "dfu-package refuses image 2's file under index 0 (it depends on image 0)" \
  "$IMGTOOL" dfu-package -o "$WORK/swap.zip" 0="$WORK/v2/img2-v2.0.0.bin"

start_sim "$D" "$P" || exit 1
rc=0; up image upgrade "$WORK/other.zip" >"$WORK/other.out" 2>&1 || rc=$?
check "a package signed with another key: exit 1" test "$rc" = 1
check_out "refused at the mark: its signature (5), not a header magic" 'mark: .*INVALID_TLV' cat "$WORK/other.out"
check_out "the right package next: uploaded again and installed" 'image 2: 1\.0\.0 -> 2\.0\.0' \
  up image upgrade "$WORK/good.zip"
check_out "v2 runs" 'XIP part at .* \(link id 2\)' bash -c "tac '$D/sim.log' | sed '/power on/q'"
stop_sim

# Recovery: image 2's primary damaged (one payload byte), v1 everywhere else.
rm -rf "$D"; mkdir -p "$D"; provision "$D"
python3 -c "import sys; b=bytearray(open(sys.argv[1],'rb').read()); b[5000]^=1; open(sys.argv[2],'wb').write(b)" \
  "$WORK/v1/img2-v1.0.0.bin" "$WORK/bad2.bin"
"$SIM" program --flash-dir "$D" 2 "$WORK/bad2.bin" >/dev/null
start_sim "$D" "$P" || exit 1
check_out "a damaged image 2: the bootloader serves recovery" 'no consistent image set: serial recovery' \
  cat "$D/sim.log"
check_fails "recovery does not list the damaged primary as active" \
  grep -q '"image":2,"slot":0,[^}]*"active":true' <(mcu "$P" --json image list)
rc=0; up image upgrade "$WORK/v1.zip" >"$WORK/rec.out" 2>&1 || rc=$?
check "image upgrade repairs it: exit 0" test "$rc" = 0
check_fails "and does not call image 2 already running" grep -q 'image 2: .*already running' "$WORK/rec.out"
check_out "the application runs again" 'XIP part at .* \(link id 1\)' bash -c "tac '$D/sim.log' | sed '/power on/q'"
finish
