#!/usr/bin/env bash
# The Cortex-M33 bootloader built with wolfCrypt's P-256 verify
# (EXTXIP_FW_CRYPTO=wolfcrypt: Debian's wolfSSL 5.5.4, SP math, small, no
# heap) boots in QEMU mps2-an505:
#   1. with the build's signed images it validates images 0, 1 and 2 and
#      starts the application;
#   2. with one byte of image 0's ECDSA signature changed (the DER stays
#      well-formed: the last byte of s) it refuses image 0 with
#      IMAGE_ERR_SIG (-151), still verifies image 2 (whose dependency on
#      image 0 is then unmet), and halts;
#   3. the bootloader links no allocator (the no-heap claim of user_settings.h).
# Usage: qemu_wolfcrypt.sh SRC_DIR HOST_BUILD_DIR FW_BUILD_DIR
set -u
HANG=${EXTXIP_TEST_HANG:-300}  # bounds a hung step only; never a verdict on a slow machine
src=$1 host=$2 fw=$3
fail() { echo "FAIL: $*"; exit 1; }
mkdir -p "$fw"
if ! tree=$(timeout 120 "$src/scripts/fetch-wolfssl" "$fw/_wolfssl" 2>"$fw/fetch.log"); then
  echo "SKIP: Debian's wolfssl source could not be fetched:"; tail -3 "$fw/fetch.log"; exit 77
fi
unset CC CFLAGS LDFLAGS
timeout $HANG cmake -S "$src/port/mps2-an505" -B "$fw" -G Ninja \
  -DCMAKE_TOOLCHAIN_FILE="$src/port/mps2-an505/cmake/arm-none-eabi.cmake" \
  -DEXTXIP_HOST_BUILD="$host" -DEXTXIP_FW_CRYPTO=wolfcrypt -DWOLFSSL_SRC="$tree" \
  >"$fw/configure.log" 2>&1 || { cat "$fw/configure.log"; fail "firmware configure"; }
timeout $HANG cmake --build "$fw" --target images >"$fw/build.log" 2>&1 ||
  { tail -30 "$fw/build.log"; fail "firmware build"; }
grep -q '^EXTXIP_FW_CRYPTO:STRING=wolfcrypt$' "$fw/CMakeCache.txt" || fail "not a wolfcrypt build"
arm-none-eabi-nm "$fw/extxip-boot.elf" | grep -Eq ' (_?malloc|_?calloc|_?realloc|_?free|_sbrk)(_r)?$' &&
  fail "the wolfcrypt bootloader links an allocator"
# LTO inlines wolfCrypt's entry points: the link map names the objects.
for o in ecc.c sp_c32.c sha256.c; do
  grep -q "libcrypto_backend_fw.a($o.obj)" "$fw/extxip-boot.map" ||
    fail "extxip-boot.elf links nothing of wolfCrypt's $o"
done
echo "ok: wolfcrypt bootloader built, no allocator linked"

. "$fw/qemu-load.env"
# Boot ELF + images for a few seconds of virtual time; UART0 to a file.
boot() {  # IMAGE0 LOG
  : >"$2"
  timeout $HANG qemu-system-arm -M mps2-an505 -display none -monitor none -nodefaults \
    -serial "file:$2" -kernel "$fw/extxip-boot.elf" \
    -device "loader,file=$1,addr=$LOAD_IMAGE0,force-raw=on" \
    -device "loader,file=$fw/net.signed.bin,addr=$LOAD_IMAGE1,force-raw=on" \
    -device "loader,file=$fw/app.external.signed.bin,addr=$LOAD_IMAGE2,force-raw=on" \
    >/dev/null 2>&1 </dev/null &
  local q=$! want=$3
  local end=$((SECONDS + HANG))
  while [ $SECONDS -lt $end ]; do  # a bound for a hung device only, not a verdict
    tr -d '\r' <"$2" | grep -q "$want" && break
    sleep 0.1
  done
  kill $q 2>/dev/null; wait $q 2>/dev/null
  tr -d '\r' <"$2" | grep -av $'^\x06\x09\|^\x04\x14' >"$2.txt"
}

boot "$fw/app.internal.signed.bin" "$fw/uart-good.log" 'app: SMP server on UART0'
for n in 0 1 2; do
  grep -q "^boot: image $n: 1.0.0$" "$fw/uart-good.log.txt" ||
    { cat "$fw/uart-good.log.txt"; fail "good images: image $n not validated"; }
done
grep -q '^app: SMP server on UART0' "$fw/uart-good.log.txt" ||
  { cat "$fw/uart-good.log.txt"; fail "good images: the application did not start"; }
echo "ok: good images: 0, 1, 2 verified with wolfCrypt, application started"

# The ECDSA signature TLV (type 0x22) of image 0: change the last byte of s.
bad=$fw/app.internal.badsig.bin
python3 - "$fw/app.internal.signed.bin" "$bad" <<'PY' || fail "could not locate the signature TLV"
import struct, sys
img = bytearray(open(sys.argv[1], "rb").read())
hdr, prot = struct.unpack_from("<HH", img, 8)
size = struct.unpack_from("<I", img, 12)[0]
off = hdr + size
if prot:
    assert struct.unpack_from("<H", img, off)[0] == 0x6908
    off += prot
magic, total = struct.unpack_from("<HH", img, off)
assert magic == 0x6907
end, off = off + total, off + 4
while off < end:
    t, n = struct.unpack_from("<HH", img, off)
    if t == 0x22:
        assert img[off + 4] == 0x30 and n >= 8  # DER SEQUENCE{r, s}
        img[off + 4 + n - 1] ^= 0x01
        open(sys.argv[2], "wb").write(img)
        sys.exit(0)
    off += 4 + n
sys.exit(1)
PY
boot "$bad" "$fw/uart-bad.log" 'halted'
grep -q '^boot: image 0: not bootable, image err -151$' "$fw/uart-bad.log.txt" ||
  { cat "$fw/uart-bad.log.txt"; fail "bad signature: image 0 not refused with IMAGE_ERR_SIG"; }
grep -q '^boot: image 2: 1.0.0, dependency unmet$' "$fw/uart-bad.log.txt" ||
  { cat "$fw/uart-bad.log.txt"; fail "bad signature on image 0: image 2 no longer verified"; }
grep -q '^boot: images 0+2 not bootable, halted$' "$fw/uart-bad.log.txt" ||
  { cat "$fw/uart-bad.log.txt"; fail "bad signature: the bootloader did not halt"; }
grep -q '^extxip app' "$fw/uart-bad.log.txt" && fail "bad signature: the application ran"
echo "ok: bad signature on image 0 refused (IMAGE_ERR_SIG), bootloader halted"
