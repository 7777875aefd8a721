#!/usr/bin/env bash
# image upload with its optional erase first (-e=false, issue 26 #1): the erase names the
# secondary slot of the image being uploaded (absolute slot 2n+1), so an image 0 already
# staged survives an upload of image 2; Go mcumgr's erase carries no slot and the device
# then erases its default, image 0's secondary. Short flags combine as cobra/pflag
# combines them: -en 2, -en2, -en=2, -ue=false.
. "$(dirname "$0")/lib.sh"
v1_device_v2_images
start_sim "$D" "$P" || exit 1
h0=$(digest "$V2/img0-v2.0.0.bin")
h2=$(digest "$V2/img2-v2.0.0.bin")
h1=$(digest "$V2/img1-v2.0.0.bin")
staged0() { mcu "$P" --json image list | grep -q "\"image\":0,\"slot\":1,[^}]*\"hash\":\"$h0\""; }

check "image 0 v2 staged in its secondary" mcu "$P" image upload -n 0 "$V2/img0-v2.0.0.bin"
check "and listed there" staged0
check "image upload -e=false -n 2 (erase first)" mcu "$P" image upload -e=false -n 2 "$V2/img2-v2.0.0.bin"
check "image 0's staged upload survived the erase" staged0
check_out "image 2's upload is in slot 5" "\"image\":2,\"slot\":1,[^}]*\"hash\":\"$h2\"" \
  mcu "$P" --json image list
check "-e=false -n2: the erase goes to slot 3, image 1's" \
  mcu "$P" image upload -e=false -n1 "$V2/img1-v2.0.0.bin"
check "image 0's staged upload still there" staged0
check "combined short flags: -en 2" mcu "$P" image upload -en 2 "$V2/img2-v2.0.0.bin"
check "combined short flags: -en2" mcu "$P" image upload -en2 "$V2/img2-v2.0.0.bin"
check "combined short flags: -en=1" mcu "$P" image upload -en=1 "$V2/img1-v2.0.0.bin"
check "combined short flags: -ue=false -n 2 (bool=value last in the group)" \
  mcu "$P" image upload -ue=false -n 2 "$V2/img2-v2.0.0.bin"
check "image 0's staged upload still there" staged0
check_out "image 1's upload is listed" "\"image\":1,\"slot\":1,[^}]*\"hash\":\"$h1\"" \
  mcu "$P" --json image list
check_out "a value flag inside a group takes the rest: -ne 2 is -n 'e'" \
  "invalid value 'e' for --image" sh -c "'$MCUMGR' image upload -ne 2 x 2>&1; test \$? = 2"
check_out "the help says which slot the erase takes" 'erases slot 2n\+1' "$MCUMGR" --help
finish
