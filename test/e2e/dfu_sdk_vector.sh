#!/usr/bin/env bash
# The nRF Connect SDK's own DFU package, from test/vectors/dfu/manifest.json (made by
# the SDK's generate_zip.py over the imgtool-made v2 vector images; README there):
#  - extxip-imgtool dfu-package over the same images writes that manifest byte for
#    byte, "time" aside (key order, value types, indentation, the net core's "version");
#  - the SDK's package shape (its manifest, the images stored in its order, as the
#    script writes the zip) upgrades a device: the vectors' own images are imgtool's
#    signatures over random bytes, built for no slot (the device and the client refuse
#    them, issue 32), so the package carries this device's v2 builds in their place,
#    each entry's "size" what generate_zip.py would compute for it;
#  - our package reads back the way the SDK's script models it (zipfile + json).
. "$(dirname "$0")/lib.sh"
P=$(free_port)
IM=$VECTORS/images
M=$VECTORS/dfu/manifest.json
build_images 2.0.0 "$WORK/v2"
python3 -S - "$M" "$WORK/v2" "$WORK/sdk.zip" <<'PY'
import json, os, sys, zipfile
m, v2, out = sys.argv[1:]
src = {"internal_flash_update.bin": "img0", "qspi_flash_update.bin": "img2",
       "net_core_app_update.bin": "img1"}
man = json.load(open(m))
for f in man["files"]:                    # generate_zip.py: os.path.getsize of each file
    f["size"] = os.path.getsize(f"{v2}/{src[f['file']]}-v2.0.0.bin")
with zipfile.ZipFile(out, "w") as z:      # generate_zip.py: ZipFile(out, 'w'), stored
    for f in man["files"]:
        z.write(f"{v2}/{src[f['file']]}-v2.0.0.bin", f["file"])
    z.writestr("manifest.json", json.dumps(man, indent=4))
PY
python3 -S - "$M" "$IM" "$WORK/sdkvec.zip" <<'PY'
import json, sys, zipfile
m, im, out = sys.argv[1:]
src = {"internal_flash_update.bin": "img0", "qspi_flash_update.bin": "img2",
       "net_core_app_update.bin": "img1"}
with zipfile.ZipFile(out, "w") as z:
    for f in json.load(open(m))["files"]:
        z.write(f"{im}/{src[f['file']]}-v2.0.0.signed.bin", f["file"])
    z.write(m, "manifest.json")
PY
"$IMGTOOL" dfu-package -o "$WORK/ours.zip" --time 1764460800 \
  0="$IM/img0-v2.0.0.signed.bin" 1="$IM/img1-v2.0.0.signed.bin" 2="$IM/img2-v2.0.0.signed.bin"
notime() { sed -E 's/^    "time": [0-9]+,$/    "time": T,/'; }
check "our manifest.json is the SDK's byte for byte (\"time\" aside)" \
  cmp <(notime <"$M") <(unzip -p "$WORK/ours.zip" manifest.json | notime)
check_out "our zip reads as the SDK's script models it" '^ok 3$' python3 -S -c '
import json, sys, zipfile
z = zipfile.ZipFile(sys.argv[1]); assert z.testzip() is None
m = json.loads(z.read("manifest.json")); assert m["format-version"] == 1
for f in m["files"]:
    assert len(z.read(f["file"])) == f["size"] and int(f["image_index"]) in (0, 1, 2)
print("ok", len(m["files"]))' "$WORK/ours.zip"

check_out "the SDK's package of the vectors themselves: refused, not built for image 0" \
  'internal_flash_update\.bin \(image 0\): not built for image 0 on nrf5340dk: its vector table' \
  sh -c "'$MCUMGR' --conntype udp --connstring 127.0.0.1:9 image upgrade '$WORK/sdkvec.zip' 2>&1; test \$? = 2"

D=$WORK/flash; mkdir -p "$D"
provision "$D"
start_sim "$D" "$P" || exit 1
check_out "the SDK's package upgrades the device" 'image 2: 1\.0\.0 -> 2\.0\.0' \
  mcu "$P" image upgrade "$WORK/sdk.zip"
check_out "images 0 and 1 too" 'image 0: 1\.0\.0 -> 2\.0\.0' cat "$WORK/out"
check_out "image 1" 'image 1: 1\.0\.0 -> 2\.0\.0' cat "$WORK/out"
stop_sim
finish
