#!/usr/bin/env bash
# Every extxip-mcumgr command against the simulated device, text and --json,
# and the device's error paths: each device error exits 1 and names the
# error (v2 group error or v1 rc), usage errors exit 2, no answer exits 3.
. "$(dirname "$0")/lib.sh"
P=$(free_port)
D=$WORK/flash; mkdir -p "$D"
provision "$D"
build_images 2.0.0 "$WORK/v2"
start_sim "$D" "$P" || exit 1
exits() {  # exits N command...: the command exits with status N
  local want=$1 rc=0; shift
  "$@" || rc=$?
  [ "$rc" = "$want" ] || { echo "exit status $rc, want $want"; return 1; }
}
json_ok() { python3 -S -c 'import json,sys; json.load(sys.stdin)'; }
F1=$WORK/v2/img1-v2.0.0.bin; h1=$(digest "$F1")
h0v1=$(mcu "$P" --json image list | python3 -S -c 'import json,sys
print(json.load(sys.stdin)["images"][0]["hash"])')

# Zephyr's keys only by default: "bootReport" is opt-in (--boot-report)
check_out "image list keys are Zephyr's" '"splitStatus"' mcu "$P" --json image list
check_fails "no bootReport unless asked" grep -q bootReport "$WORK/out"

# os group
check_out "echo" '^hello device$' mcu "$P" echo "hello device"
check_out "echo --json" '^\{"r":"hello"\}$' mcu "$P" --json echo hello
check_out "echo of an empty string" '^$' mcu "$P" echo ""
long=$(head -c 1500 /dev/zero | tr '\0' x)
check_out "echo of 1500 bytes" "^$long\$" mcu "$P" echo "$long"
check_out "params" '^buf_size: 2048$' mcu "$P" params
check_out "params --json" '^\{"buf_size":2048,"buf_count":4\}$' mcu "$P" --json params
check_out "bootloader info" '^bootloader: MCUboot$' mcu "$P" bootloader info
check_out "bootloader info mode (2: overwrite-only)" '^mode: 2$' mcu "$P" bootloader info mode
check_out "bootloader info mode --json" '"mode":2' mcu "$P" --json bootloader info mode
check_out "bootloader info with an unknown query" 'OS_MGMT_ERR_QUERY_YIELDS_NO_ANSWER' \
  exits 1 mcu "$P" bootloader info no-such-query
# os info (Zephyr's command 7; Go mcumgr has none)
check_out "os info: the kernel name by default" '^extxip$' mcu "$P" os info
check_out "os info a: every field" '^extxip .* extxip-sim .*nrf5340dk' mcu "$P" os info a
check_out "os info --json" '^\{"output":"extxip [^"]*extxip-sim"\}$' mcu "$P" --json os info snr
check_out "os-info v" '^[0-9]+\.[0-9]+\.[0-9]+$' mcu "$P" os-info v
check_out "os info with an unknown letter" 'OS_MGMT_ERR_INVALID_FORMAT' exits 1 mcu "$P" os info x
check_out "os info with two formats" 'os info \[FORMAT\]' exits 2 mcu "$P" os info a b
check_out "taskstat" 'main' mcu "$P" taskstat
check_out "taskstat --json" '^\{"tasks":\{"main":' mcu "$P" --json taskstat
# mpstat (os command 3): the simulator has no memory pools to report and, as
# Zephyr without CONFIG_MCUMGR_GRP_OS_MPSTAT, answers rc 8; the client says so
check_out "mpstat: not served by this device (rc 8)" 'MGMT_ERR_ENOTSUP' exits 1 mcu "$P" mpstat
check_out "mpstat with an operand" 'mpstat takes no operands' exits 2 mcu "$P" mpstat x
check_out "datetime at power on: the host's UTC date" "$(date -u +%Y-%m-%d)T" mcu "$P" datetime
check_out "datetime set" '^Done$' mcu "$P" datetime 2031-02-03T04:05:06
check_out "datetime get" '2031-02-03T04:05:0[6-9]' mcu "$P" datetime
check_out "datetime --json" '"datetime":"2031-02-03T04:05:' mcu "$P" --json datetime
check_out "datetime now" '^Done$' mcu "$P" datetime now
check_out "datetime get after now" "$(date -u +%Y-%m-%d)T" mcu "$P" datetime
check_out "datetime set garbage" 'MGMT_ERR_EINVAL' exits 1 mcu "$P" datetime 2031-13-45T99:00:00
check_out "datetime set not a date" 'MGMT_ERR_EINVAL' exits 1 mcu "$P" datetime yesterday

# image group
check_out "image list" 'image=0 slot=0' mcu "$P" image list
check_out "image list --json" '"splitStatus":0' mcu "$P" --json image list
check "image list --json is JSON" json_ok <"$WORK/out"
check_out "image slot-info" '"size":868352' mcu "$P" image slot-info
check_out "image slot-info --json: secondaries take uploads" \
  '"slot":1,"size":262144,"upload_image_id":2' mcu "$P" --json image slot-info
check_out "image upload" '^Done$' mcu "$P" --quiet image upload "$F1" -n 1
check_out "image upload --json" '"ok":true.*"match":true' mcu "$P" --json image upload "$F1" -n 1
check_out "image upload -e=false (erase first)" '^Done$' \
  mcu "$P" --quiet -e=false image upload "$F1" -n 1
check_out "image upload of a missing file" 'cannot read' exits 2 mcu "$P" image upload "$WORK/nope" -n 1
check_out "image test" "hash: $h1" mcu "$P" image test "$h1"
check_out "  pending" '"image":1,"slot":1,[^}]*"pending":true' mcu "$P" --json image list
check_out "image test of an unknown hash" 'IMG_MGMT_ERR_HASH_NOT_FOUND' \
  exits 1 mcu "$P" image test "$(printf '%064d' 7)"
check_out "image test of a short hash no image has: refused locally" 'nothing sent' \
  exits 2 mcu "$P" image test 00112233
check_out "image test --force of a short hash: the device's rc" 'IMG_MGMT_ERR_INVALID_HASH' \
  exits 1 mcu "$P" image test 00112233 --force
check_out "image test with a non-hex hash" 'must be hex' exits 2 mcu "$P" image test xyz
check_out "image erase of a pending slot" 'IMG_MGMT_ERR_NO_FREE_SLOT' exits 1 mcu "$P" image erase 3
check_out "image confirm (the running image)" 'image=0 slot=0' mcu "$P" image confirm
check_out "image confirm of the running image's hash" 'confirmed' mcu "$P" image confirm "$h0v1"
check_out "image erase of the active primary" 'IMG_MGMT_ERR_NO_FREE_SLOT' exits 1 mcu "$P" image erase 0
check_out "image erase of the netcore primary" 'IMG_MGMT_ERR_NO_FREE_SLOT' exits 1 mcu "$P" image erase 2
check_out "image erase of the XIP primary" 'IMG_MGMT_ERR_NO_FREE_SLOT' exits 1 mcu "$P" image erase 4
check_out "image erase of slot 7 (no such slot)" 'IMG_MGMT_ERR_INVALID_SLOT' exits 1 mcu "$P" image erase 7
check_out "image erase --json error body" '\{"err":\{"group":1,"rc":9\}\}' \
  exits 1 mcu "$P" --json image erase 0
check_out "v1 error (--smp-version 1)" 'MGMT_ERR_EBADSTATE|MGMT_ERR_' \
  exits 1 mcu "$P" --smp-version 1 image erase 0
check_out "image erase (default slot 1)" '^Done$' mcu "$P" image erase
check "  slot 1 blank" region_blank "$D/mx25r64.bin" 0 0xd4000
check_out "image upload to image 2 then erase slot 5" '^Done$' \
  mcu "$P" --quiet image upload "$WORK/v2/img2-v2.0.0.bin" -n 2
check_out "image erase 5" '^Done$' mcu "$P" image erase 5
check "  slot 5 blank" region_blank "$D/mx25r64.bin" 0x160000 0x40000
check_out "  not listed" 'image=2 slot=0' mcu "$P" image list
check_fails "  (image 2 slot 1 gone)" grep -q 'image=2 slot=1' "$WORK/out"

# versions and help (issue 26 #8)
check_out "extxip-mcumgr --version" '^extxip-mcumgr [0-9]+\.[0-9]+\.[0-9]+$' "$MCUMGR" --version
check_out "extxip-imgtool --version" '^extxip-imgtool [0-9]+\.[0-9]+\.[0-9]+ \(imgtool' "$IMGTOOL" --version
check_out "extxip-sim --version" '^extxip-sim [0-9]+\.[0-9]+\.[0-9]+$' "$SIM" --version
check_out "extxip-sim run --help is the usage, exit 0" '--no-serial' "$SIM" run --help
check_out "  and names --no-udp" '--no-udp' cat "$WORK/out"

# client-side errors
check_out "unknown command" 'unknown command' exits 2 mcu "$P" frobnicate
check_out "bad connstring" 'Error' exits 2 "$MCUMGR" --conntype udp --connstring nohost:notaport echo x
# Nothing on the port: the host's ICMP refusal is reported at once, not
# after the timeout (-t 30 would show a wait).
check_out "no device on the port: refused at once" \
  'nothing is listening at 127\.0\.0\.1:[0-9]+ \(connection refused\)' exits 3 \
  timeout 10 "$MCUMGR" --conntype udp --connstring 127.0.0.1:$(free_port) -t 30 echo x
# Something takes the datagrams but never answers: a timeout, in words.
mute=$(free_port)
python3 -S -c 'import socket, sys, time
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); s.bind(("127.0.0.1", int(sys.argv[1])))
open(sys.argv[2], "w").close(); time.sleep(120)' "$mute" "$WORK/mute.ready" & BG_PIDS="$BG_PIDS $!"
for _ in $(seq 600); do [ -e "$WORK/mute.ready" ] && break; sleep 0.1; done
check_out "a port that never answers: a timeout, in words" \
  "no answer from 127\.0\.0\.1:$mute within 0\.3 s \(NMP timeout\)" exits 3 \
  "$MCUMGR" --conntype udp --connstring 127.0.0.1:$mute -t 0.3 echo x
check_out "a serial path that is a regular file is refused at once" \
  'is not a serial port \(a regular file\)' exits 3 \
  timeout 10 "$MCUMGR" --conntype serial --connstring dev=$WORK/mute.ready -t 30 echo x

# reset (last: the pending image 1 v2 installs)
check_out "reset" '^Done$' mcu "$P" reset
check "device back after reset" wait_reboot "$P"
check_out "image 1 v2 installed by the reset" "\"image\":1,\"slot\":0,\"version\":\"2\\.0\\.0\",\"hash\":\"$h1\"" \
  mcu "$P" --json image list
check_out "datetime set before a reset" '^Done$' mcu "$P" datetime 2031-02-03T04:05:06
check_out "reset -f" '^Done$' mcu "$P" reset -f
check "device back after reset -f" wait_reboot "$P"
check_out "the RTC kept its time across the reset" '2031-02-03T04:05:' mcu "$P" datetime
check_out "three boots in the log" '\(boot 3\)' cat "$D/sim.log"
finish
