#!/usr/bin/env bash
# The groups beyond OS and image against the simulated device with
# extxip-mcumgr: statistics (ticks advance, counters count), enumeration,
# storage erase (the settings partition ends blank, the device keeps working,
# an interrupted upload does not resume after it).
. "$(dirname "$0")/lib.sh"
P=$(free_port)
D=$WORK/flash; mkdir -p "$D"
provision "$D"
build_images 2.0.0 "$WORK/v2"
start_sim "$D" "$P" || exit 1
exits() { local want=$1 rc=0; shift; "$@" || rc=$?; [ "$rc" = "$want" ] || { echo "exit $rc, want $want"; return 1; }; }
ticks() { mcu "$P" --json stat smp_svr_stats | python3 -S -c 'import json,sys; print(json.load(sys.stdin)["fields"]["ticks"])'; }
field() {  # field GROUP NAME
  mcu "$P" --json stat "$1" | python3 -S -c "import json,sys; print(json.load(sys.stdin)['fields']['$2'])"
}

check_out "stat list names the sample's group" '^    smp_svr_stats$' mcu "$P" stat list
check_out "stat list --json" '^\{"stat_list":\["smp_svr_stats","smp","img","flash","boot"' \
  mcu "$P" --json stat list
check_out "stat smp_svr_stats" '^ +[0-9]+ ticks$' mcu "$P" stat smp_svr_stats
t0=$(ticks); sleep 2.2; t1=$(ticks)
check "ticks advance with time ($t0 -> $t1)" test "$t1" -ge $((t0 + 2))
check_out "unknown stat group (Zephyr's 2/3)" 'STAT_MGMT_ERR_INVALID_STAT_NAME' exits 1 mcu "$P" stat nope
check_out "unknown stat group, SMP v1" 'MGMT_ERR_ENOENT' exits 1 mcu "$P" --smp-version 1 stat nope
e0=$(field smp udp_err)
check "the refusals were counted as UDP errors" test "$e0" -ge 2
check_out "boot counters" '"boots":1,"resets":0' mcu "$P" --json stat boot

check_out "enum list" '^groups: \[0,1,2,3,9,63,10,8\]$' mcu "$P" enum
check_out "enum count" '^count: 8$' mcu "$P" enum count
check_out "enum single 7 is the last" '"group":8,"end":true' mcu "$P" --json enum single 7
check_out "enum single past the end" 'ENUM_MGMT_ERR_INDEX_TOO_LARGE' exits 1 mcu "$P" enum single 8
check_out "enum details" '"name":"zephyr basic mgmt","handlers":1' mcu "$P" --json enum details 63

# settings (config) over the store on the settings partition
check_out "config write" '^Done$' mcu "$P" config app/greeting hello
check_out "config read" '^Value: hello$' mcu "$P" config app/greeting
check_out "config read --json (val is bytes)" '^\{"val":"68656c6c6f"\}$' mcu "$P" --json config app/greeting
check_out "config of an unknown name" 'SETTINGS_MGMT_ERR_KEY_NOT_FOUND' exits 1 mcu "$P" config app/none
check_out "config under a root with no handler (Zephyr's 3/5)" 'SETTINGS_MGMT_ERR_ROOT_KEY_NOT_FOUND' \
  exits 1 mcu "$P" config foo/bar x
check_out "read under a root with no handler" 'SETTINGS_MGMT_ERR_ROOT_KEY_NOT_FOUND' exits 1 mcu "$P" config foo/bar
check_out "config of a bad name" 'MGMT_ERR_EINVAL' exits 1 mcu "$P" config 'a=b' x
check_out "settings write" '^Done$' mcu "$P" settings write app/other 42
check_out "settings read" '^42$' mcu "$P" settings read app/other
check_out "settings delete" '^Done$' mcu "$P" settings delete app/other
check_out "settings read after delete" 'KEY_NOT_FOUND' exits 1 mcu "$P" settings read app/other
check_out "settings write counted" '"writes":[1-9]' mcu "$P" --json stat settings   # (load remounts: counts restart)
check_out "settings commit" '^Done$' mcu "$P" settings commit
check_out "settings load" '^Done$' mcu "$P" settings load
check_out "settings save" '^Done$' mcu "$P" settings save
check_out "reset" '^Done$' mcu "$P" reset
check "device back after reset" wait_reboot "$P"
check_out "a setting survives the reset" '^Value: hello$' mcu "$P" config app/greeting
check_out "boot counters after the reset" '"boots":2,"resets":1' mcu "$P" --json stat boot

# file group: a directory beside the flash files, confined
head -c 7000 /dev/urandom > "$WORK/blob"
check_out "fs upload" '^Done$' mcu "$P" fs upload "$WORK/blob" /lfs1/blob.bin
check "the file landed in the flash dir's fs/" cmp "$WORK/blob" "$D/fs/blob.bin"
check_out "fs download" '^Done$' mcu "$P" fs download /lfs1/blob.bin "$WORK/blob.back"
check "downloaded bytes are the uploaded ones" cmp "$WORK/blob" "$WORK/blob.back"
check_out "fs stat" '^len: 7000$' mcu "$P" fs stat /lfs1/blob.bin
sha=$(sha256sum "$WORK/blob" | cut -c1-64)
check_out "fs hash sha256" "$sha" mcu "$P" fs hash /lfs1/blob.bin sha256
crc=$(python3 -S -c "import zlib; print(zlib.crc32(open('$WORK/blob','rb').read()))")
check_out "fs hash (crc32, zlib's)" "^output: $crc\$" mcu "$P" fs hash /lfs1/blob.bin
check_out "fs types" '"sha256":\{"format":1,"size":32\}' mcu "$P" fs types
check_out "fs upload outside the mount point (Zephyr's 8/14)" 'FS_MGMT_ERR_MOUNT_POINT_NOT_FOUND' \
  exits 1 mcu "$P" fs upload "$WORK/blob" /other.bin
check "nothing written outside the mount point" test ! -e "$D/fs/other.bin"
check_out "fs stat outside the mount point (Zephyr's 8/3)" 'FS_MGMT_ERR_FILE_NOT_FOUND' exits 1 mcu "$P" fs stat /blob.bin
check_out "fs stat of the mount point (Zephyr's 8/4)" 'FS_MGMT_ERR_FILE_IS_DIRECTORY' exits 1 mcu "$P" fs stat /lfs1
check_out "fs close" '^Done$' mcu "$P" fs close
check_out "fs path escape refused" 'FS_MGMT_ERR_FILE_INVALID_NAME' exits 1 mcu "$P" fs stat /lfs1/../sim.log
ln -s ../sim.log "$D/fs/escape"
check_out "fs symlink out refused" 'FS_MGMT_ERR_FILE_INVALID_NAME' \
  exits 1 mcu "$P" fs download /lfs1/escape "$WORK/leak"
check_out "fs missing file" 'FS_MGMT_ERR_FILE_NOT_FOUND' exits 1 mcu "$P" fs stat /lfs1/nope
check_out "fs bytes counted" '"bytes_up":7000,"bytes_down":7000' mcu "$P" --json stat fs

# shell
check_out "shell exec version" '^image 2: 1.0.0$' mcu "$P" shell exec version
check_out "shell exec slots" '^image 0 slot 0: 1.0.0 bootable confirmed active' mcu "$P" shell exec slots
check_out "shell exec stats" '^ticks: [0-9]+$' mcu "$P" shell exec stats smp_svr_stats
check_out "shell exec reset_reason" '^soft reset' mcu "$P" shell exec reset_reason
check_out "shell exec settings get" '^app/greeting = hello$' mcu "$P" shell exec settings get app/greeting
check_out "shell exec --json" '^\{"o":"a b\\u000a","ret":0\}$' mcu "$P" --json shell exec echo a b
check_out "unknown shell command: non-zero ret, a message" 'command not found' \
  exits 1 mcu "$P" shell exec frobnicate
check_out "empty shell command" 'usage|Error' exits 2 mcu "$P" shell exec

# Counters of an upload (storage erase against a resumable session is in
# test/unit/groups, power cuts included).
F=$WORK/v2/img2-v2.0.0.bin
size=$(stat -c %s "$F")
check "image 2 v2 upload" mcu "$P" -n 2 image upload "$F"
check_out "upload bytes counted" '^[0-9]+$' field img upload_bytes
ub=$(field img upload_bytes)
check "upload_bytes equals the file size" test "$ub" = "$size"
fp=$(field flash qspi_prog)
check "QSPI programs counted" test "$fp" -gt 0
check_out "storage erase" '^Done$' mcu "$P" storage erase
check "settings partition blank after storage erase" python3 -S -c "
import sys
d=open('$D/flash_primary.bin','rb').read()[0xf0000:0x100000]
sys.exit(0 if d==b'\xff'*len(d) else 1)"
check_out "storage erase counted" '^1$' field img storage_erase
check_out "settings are gone after storage erase" 'KEY_NOT_FOUND' exits 1 mcu "$P" config app/greeting
check_out "settings work after storage erase" '^Done$' mcu "$P" config app/greeting again
check_out "and read back" '^Value: again$' mcu "$P" config app/greeting
check_out "device keeps working after the erase" '^still here$' mcu "$P" echo "still here"
check_out "image list still works" 'version: 1.0.0' mcu "$P" image list
check_out "storage erase --json" '^\{\}$' mcu "$P" --json storage erase
check_out "usage: storage without erase" 'storage erase' exits 2 mcu "$P" storage wipe
check_out "usage: stat without a name" 'stat list' exits 2 mcu "$P" stat
finish
