#!/usr/bin/env bash
# Compressed images on the Cortex-M33 firmware (issue 22): a firmware build
# with -DEXTXIP_BOOT_COMPRESSION=ON boots in QEMU mps2-an505 with the plain
# 1.0.0 set; extxip-mcumgr uploads the 2.0.0 internal and XIP parts signed
# with `extxip-imgtool sign --compression lzma2armthumb` over UART0, marks
# both for test and resets; the bootloader decompresses each secondary into
# its primary, and the check is that
#   - the secondaries listed before the reset are the compressed images as
#     stored (their hashes are imgtool verify's digests of the uploads);
#   - the bootloader reports both parts upgraded from 1.0.0;
#   - each primary then holds the plain image: image list's hash is the
#     DECOMP_SHA TLV of the upload, which is also the digest of the same
#     input signed without compression (the build's upgrade/*.signed.bin);
#   - v2 runs from the XIP window: its version text comes from the XIP part,
#     the XIP function's address is inside the QSPI primary of image 2, and
#     SMP (whose code is in the XIP part) answers.
# Its own firmware build dir (the option changes every archive); only the
# targets it needs are built.
# Usage: qemu_compressed.sh SRC_DIR HOST_BUILD_DIR FW_BUILD_DIR
set -u
HANG=${EXTXIP_TEST_HANG:-300}  # bounds a hung step only; never a verdict on a slow machine
src=$1 host=$2 fw=$3
imgtool=$host/tools/imgtool/extxip-imgtool
mcumgr=$host/tools/mcumgr/extxip-mcumgr
key=$src/boards/nrf5340dk/extxip-dev-ec-p256.pem
log() { tr -d '\r' < "$fw/uart.log" | grep -av $'^\x06\x09\|^\x04\x14'; }
fail() { echo "FAIL: $*"; [ -f "$fw/uart.log" ] && { echo "--- UART log"; log; }; exit 1; }
command -v arm-none-eabi-gcc >/dev/null || { echo "SKIP: arm-none-eabi-gcc not installed"; exit 77; }
command -v qemu-system-arm >/dev/null || { echo "SKIP: qemu-system-arm not installed"; exit 77; }

# ---- firmware build with the option (Debian's BearSSL and lzma sources)
mkdir -p "$fw"
if ! bssl=$(timeout 120 "$src/scripts/fetch-bearssl" "$fw/_bearssl" 2>"$fw/fetch.log"); then
  echo "SKIP: Debian's bearssl source could not be fetched:"; tail -3 "$fw/fetch.log"; exit 77
fi
if ! lzma=$(timeout 120 "$src/scripts/fetch-debian-src" lzma lzma-dev 9.22 C/Lzma2Dec.c \
            "$fw/_lzma" 2>>"$fw/fetch.log"); then
  echo "SKIP: Debian's lzma 9.22 source (the LZMA SDK decoder) could not be fetched:"
  tail -3 "$fw/fetch.log"; exit 77
fi
unset CC CFLAGS LDFLAGS
timeout $HANG cmake -S "$src/port/mps2-an505" -B "$fw" -G Ninja \
  -DCMAKE_TOOLCHAIN_FILE="$src/port/mps2-an505/cmake/arm-none-eabi.cmake" \
  -DEXTXIP_HOST_BUILD="$host" -DEXTXIP_FW_CRYPTO=bearssl -DBEARSSL_SRC="$bssl" \
  -DEXTXIP_BOOT_COMPRESSION=ON -DEXTXIP_FW_DECOMP_DICT_MAX=131072 -DEXTXIP_LZMA_SDK_SRC="$lzma" \
  >"$fw/configure.log" 2>&1 \
  || { cat "$fw/configure.log"; fail "firmware configure"; }
timeout $HANG cmake --build "$fw" --target images compressed-v2 images-v2 >"$fw/build.log" 2>&1 \
  || { tail -30 "$fw/build.log"; fail "firmware build"; }
c0=$fw/upgrade/app.internal.lzma2armthumb.signed.bin
c2=$fw/upgrade/app.external.lzma2armthumb.signed.bin
p0=$fw/upgrade/app.internal.signed.bin
p2=$fw/upgrade/app.external.signed.bin

# The uploads must really be compressed (imgtool signs a plain image when
# compressing would not make it smaller): LZMA2 + thumb flags, DECOMP_SHA.
# decomp_sha FILE: the DECOMP_SHA (0x71) TLV's value of a compressed image.
decomp_sha() {
  python3 - "$1" <<'PY'
import struct, sys
b = open(sys.argv[1], "rb").read()
magic, _, hsz, psz, isz, flags = struct.unpack_from("<IIHHII", b, 0)
assert magic == 0x96F3B83D and flags & 0xC00 == 0xC00, hex(flags)
off = hsz + isz
tmagic, tlen = struct.unpack_from("<HH", b, off)
assert tmagic == 0x6908 and tlen == psz, (hex(tmagic), tlen, psz)
p, end = off + 4, off + tlen
while p < end:
    t, n = struct.unpack_from("<HH", b, p)
    if t == 0x71:
        print(b[p + 4:p + 4 + n].hex()); break
    p += 4 + n
else:
    sys.exit("no DECOMP_SHA")
PY
}
digest() { "$imgtool" verify -k "$key" "$1" | awk '/^Image digest:/{print $3}'; }
d0=$(decomp_sha "$c0") || fail "$c0 is not an LZMA2 + ARM-thumb compressed image"
d2=$(decomp_sha "$c2") || fail "$c2 is not an LZMA2 + ARM-thumb compressed image"
h0=$(digest "$c0"); h2=$(digest "$c2")
[ -n "$h0" ] && [ -n "$h2" ] || fail "imgtool verify of the compressed images"
# The plain signing of the same input hashes to DECOMP_SHA (only signatures are random).
[ "$d0" = "$(digest "$p0")" ] && [ "$d2" = "$(digest "$p2")" ] ||
  fail "DECOMP_SHA is not the digest of the plain signing of the same input"
s0=$(stat -c %s "$c0") s2=$(stat -c %s "$c2")
echo "ok: compressed 2.0.0 parts: image 0 $s0 bytes (plain $(stat -c %s "$p0")), image 2 $s2 bytes (plain $(stat -c %s "$p2"))"

# ---- boot the plain 1.0.0 set
qpids=""
cleanup() { [ -n "$qpids" ] && kill $qpids 2>/dev/null; true; }
trap cleanup EXIT
out=$(timeout $HANG "$src/port/mps2-an505/run-qemu.sh" "$fw" --background) || fail "device did not come up"
qpids=$(awk '/^pid/{print $2, $3}' <<<"$out")
pty=$(awk '/^pty/{print $2}' <<<"$out")
# Generous timeouts: QEMU shares a loaded CI machine; nothing here waits on them when all is well.
mm() { timeout $HANG "$mcumgr" --conntype serial --connstring "dev=$pty" -t 30 "$@"; }
log | grep -q '^boot: compressed images (LZMA2, ARM-Thumb), dictionary up to 128 KiB$' ||
  fail "the bootloader was not built with EXTXIP_BOOT_COMPRESSION"
for n in 0 1 2; do
  log | grep -q "^boot: image $n: 1.0.0$" || fail "bootloader did not validate image $n"
done
echo "ok: compression-enabled bootloader booted the plain 1.0.0 set"

# ---- upload the compressed pair, test both, reset
mm image upload "$c0" -n 0 >/dev/null 2>&1 || fail "upload of compressed image 0"
mm image upload "$c2" -n 2 >/dev/null 2>&1 || fail "upload of compressed image 2"
r=$(mm image test "$h0" 2>&1) || fail "test of compressed image 0: $r"
r=$(mm image test "$h2" 2>&1) || fail "test of compressed image 2: $r"
list=$(mm image list --json) || fail "image list before reset"
python3 - "$list" "$h0" "$h2" <<'PY' || fail "image list before reset: $list"
import json, sys
got = {(i.get("image", 0), i["slot"]): i for i in json.loads(sys.argv[1])["images"]}
for n, h in ((0, sys.argv[2]), (2, sys.argv[3])):
    s = got[(n, 1)]
    assert s["version"] == "2.0.0" and s["hash"] == h and s["pending"], s
    assert got[(n, 0)]["version"] == "1.0.0" and got[(n, 0)]["active"], got[(n, 0)]
PY
echo "ok: both compressed parts uploaded over the UART and pending (hashes as stored)"
# --no-wait: this test waits on the application's own readiness line below.
mm reset --no-wait >/dev/null || fail "reset"
for _ in $(seq 2400); do  # a bound for a hung device only (240 s), not a verdict
  [ "$(log | grep -c 'app: SMP server on UART0')" -ge 2 ] && break
  log | grep -q 'halted' && break
  sleep 0.1
done
log | grep -q '^boot: image 0: 2.0.0, upgraded from 1.0.0$' || fail "image 0 not installed from its compressed secondary"
log | grep -q '^boot: image 2: 2.0.0, upgraded from 1.0.0$' || fail "image 2 not installed from its compressed secondary"

# ---- v2 runs, its XIP part from the QSPI window
log | grep -q '^extxip app 2.0.0 ' || fail "v2 application (version text from its XIP part) not running"
xip=$(log | sed -n 's/^extxip app 2\.0\.0 .*XIP code at \(0x[0-9a-f]*\).*/\1/p' | tail -1)
[ -n "$xip" ] || fail "no XIP banner from v2"
# Image 2's primary is QSPI 0x120000..0x160000, mapped at 0x80000000 (an505.h).
(( xip > 0x80120200 && xip < 0x80160000 )) || fail "v2's XIP function ran at $xip, outside image 2's primary"
r=$(mm echo "compressed") || fail "echo after the install"
[ "$r" = "compressed" ] || fail "echo answered '$r'"
list=$(mm image list --json) || fail "image list after the install"
python3 - "$list" "$d0" "$d2" <<'PY' || fail "image list after the install: $list"
import json, sys
got = {(i.get("image", 0), i["slot"]): i for i in json.loads(sys.argv[1])["images"]}
for n, h in ((0, sys.argv[2]), (2, sys.argv[3])):
    s = got[(n, 0)]
    assert s["version"] == "2.0.0" and s["hash"] == h and s["active"], s
    assert (n, 1) not in got, ("secondary left behind", got[(n, 1)])
PY
echo "ok: the bootloader decompressed both into their primaries (hashes = DECOMP_SHA), v2 runs, XIP code at $xip"
