#!/usr/bin/env bash
# Against the nRF Connect SDK's own package writer (sdk-nrf scripts/bootloader/
# generate_zip.py), when one is at hand: $EXTXIP_SDK_GENERATE_ZIP or generate_zip.py on
# PATH (never part of this repository); SKIP (77) otherwise. Run with the arguments the
# SDK's build passes (fw_zip.cmake + the split sample's per-file pairs), on our signed
# v2 images:
#  - its manifest.json equals extxip-imgtool dfu-package's byte for byte (but "time");
#  - extxip-mcumgr image upgrade takes its zip and installs v2 on 0, 1 and 2.
. "$(dirname "$0")/lib.sh"
GEN=${EXTXIP_SDK_GENERATE_ZIP:-$(command -v generate_zip.py || true)}
if [ -z "$GEN" ] || ! python3 -c 'import yaml' 2>/dev/null; then
  echo "SKIP: the SDK's generate_zip.py is not on PATH (or EXTXIP_SDK_GENERATE_ZIP), or no PyYAML"
  exit 77
fi
P=$(free_port)
build_images 2.0.0 "$WORK/v2"
mkdir -p "$WORK/sdk"
for n in 0:internal_flash_update 1:net_core_app_update 2:qspi_flash_update; do
  cp "$WORK/v2/img${n%%:*}-v2.0.0.bin" "$WORK/sdk/${n#*:}.bin"
done
touch -d @1764460800 "$WORK"/sdk/*.bin
i=internal_flash_update.bin q=qspi_flash_update.bin c=net_core_app_update.bin
check "the SDK's generate_zip.py writes a package" python3 "$GEN" \
  --bin-files "$WORK/sdk/$i" "$WORK/sdk/$q" "$WORK/sdk/$c" \
  --output "$WORK/sdk.zip" --name extxip_smp_svr \
  "${i}load_address=0x10200" "${i}image_index=0" "${i}slot_index_primary=1" \
  "${i}slot_index_secondary=2" "${i}version_MCUBOOT=2.0.0" \
  "${q}load_address=0x120200" "${q}image_index=2" "${q}slot_index_primary=5" \
  "${q}slot_index_secondary=6" "${q}version_MCUBOOT=2.0.0" \
  "${c}image_index=1" "${c}slot_index_primary=3" "${c}slot_index_secondary=4" \
  "${c}load_address=0x01000000" "${c}version=2.0.0" "${c}board=nrf5340dk_nrf5340_cpunet" \
  "${c}soc=nRF5340_CPUNET_QKAA" type=application board=nrf5340dk_nrf5340_cpuapp \
  soc=nRF5340_CPUAPP_QKAA
"$IMGTOOL" dfu-package -o "$WORK/ours.zip" --time 1764460800 0="$WORK/v2/img0-v2.0.0.bin" \
  1="$WORK/v2/img1-v2.0.0.bin" 2="$WORK/v2/img2-v2.0.0.bin"
manifest() { python3 -S -c 'import re, sys, zipfile
print(re.sub(r"\"time\": \d+", "\"time\": T", zipfile.ZipFile(sys.argv[1]).read("manifest.json").decode()))' "$1"; }
check "our manifest.json is the SDK's, byte for byte (time aside)" \
  cmp <(manifest "$WORK/sdk.zip") <(manifest "$WORK/ours.zip")
D=$WORK/flash; mkdir -p "$D"; provision "$D"
start_sim "$D" "$P" || exit 1
check_out "the SDK's package upgrades 0, 1 and 2" 'image 2: 1\.0\.0 -> 2\.0\.0' \
  mcu "$P" image upgrade "$WORK/sdk.zip"
check_out "all three" 'image 0: 1\.0\.0 -> 2\.0\.0' cat "$WORK/out"
stop_sim
finish
