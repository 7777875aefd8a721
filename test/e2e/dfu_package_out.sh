#!/usr/bin/env bash
# extxip-imgtool dfu-package -o refuses to write over one of its own input images, however
# the two paths are spelled (same file by device and inode: ./x, dir/../x, a hard link, a
# symlink), with one line and exit 2, and the input is left as it was.
. "$(dirname "$0")/lib.sh"
build_images 2.0.0 "$WORK/v2"
V2=$WORK/v2
cp "$V2/img0-v2.0.0.bin" "$WORK/keep0.bin"
mkdir -p "$WORK/sub"
ln "$V2/img2-v2.0.0.bin" "$WORK/hard2.bin"
ln -s "$V2/img1-v2.0.0.bin" "$WORK/link1.bin"
pkg() { "$IMGTOOL" dfu-package -o "$1" 0="$V2/img0-v2.0.0.bin" 1="$V2/img1-v2.0.0.bin" \
  2="$V2/img2-v2.0.0.bin"; }
refused() {  # refused WHAT OUT: exit 2, one error line naming the input, inputs intact
  local what=$1 out=$2 rc=0
  (cd "$WORK" && pkg "$out") >"$WORK/out" 2>&1 || rc=$?
  CHECKS=$((CHECKS + 1))
  if [ "$rc" = 2 ] && [ "$(wc -l <"$WORK/out")" = 1 ] &&
     grep -Eq 'error: dfu-package: .*is the input image [0-2]' "$WORK/out" &&
     cmp -s "$WORK/keep0.bin" "$V2/img0-v2.0.0.bin" && "$IMGTOOL" verify -k "$KEY" "$V2/img1-v2.0.0.bin" >/dev/null &&
     "$IMGTOOL" verify -k "$KEY" "$V2/img2-v2.0.0.bin" >/dev/null
  then echo "ok: $what: $(cat "$WORK/out")"; else
    FAILS=$((FAILS + 1)); echo "FAIL: $what: exit $rc"; sed 's/^/  | /' "$WORK/out"; fi
}
refused "-o the same path" "$V2/img0-v2.0.0.bin"
refused "-o spelled ./ and ../" "sub/../v2/./img0-v2.0.0.bin"
refused "-o a hard link of an input" "$WORK/hard2.bin"
refused "-o a symlink to an input" "$WORK/link1.bin"
check "-o a new file still works" pkg "$WORK/ok.zip"
check "and writing over an earlier package is fine" pkg "$WORK/ok.zip"
echo "$((CHECKS - FAILS)) passed, $FAILS failed"
[ "$FAILS" = 0 ]
