#!/usr/bin/env bash
# extxip-mcumgr's usage errors and edge commands (issue 26 #8): one line and a --help
# hint, never the whole help; the unknown command named; an odd-length hash said so;
# a short hash resolved from image list when one image has it, else refused locally
# (nothing sent: the device would answer rc 24); `echo --json hi`; --json on a
# failure without a reply still prints JSON; `shell exec rm -rf /` says to use --.
. "$(dirname "$0")/lib.sh"
D="$WORK/flash"
provision "$D"
P=$(free_port)
start_sim "$D" "$P" || exit 1
exits() { local want=$1 rc=0; shift; "$@" || rc=$?; [ "$rc" = "$want" ] || { echo "exit status $rc, want $want"; return 1; }; }
one_line_hint() {  # the refusal is the error line and the --help hint, nothing more
  test "$(wc -l < "$WORK/out")" = 2 && grep -q "^Run 'extxip-mcumgr --help' for usage.$" "$WORK/out"
}
check_out "an unknown command is named" '^Error: unknown command "bogus"' exits 2 mcu "$P" bogus
check "  one line and a --help hint, not the help" one_line_hint
check_out "an unknown image command is named" 'unknown command "image frob"' exits 2 mcu "$P" image frob
check "  one line and a --help hint" one_line_hint
check_out "a bad flag: one line" 'unknown flag: --bogus' exits 2 mcu "$P" --bogus echo hi
check "  one line and a --help hint" one_line_hint
check_out "image test abc: odd-length, not 'must be hex'" "odd number of hex digits \\(3\\)" \
  exits 2 mcu "$P" image test abc
check "  one line and a --help hint" one_line_hint
check_out "image test xyz: not hex" "must be hex digits" exits 2 mcu "$P" image test xyz
H=$(mcu "$P" --json image list | python3 -S -c 'import json,sys; print(json.load(sys.stdin)["images"][0]["hash"])')
check "the running image's hash from image list" test "${#H}" = 64
before=$(mcu "$P" --json image list)
check_out "a prefix no image has is refused locally (not rc 24 from the device)" \
  "no image on the device has a hash starting with '0000'.*nothing sent" exits 2 mcu "$P" image test 0000
check "  the device was not asked (no rc from it)" bash -c "! grep -q 'rc 24' '$WORK/out'"
check "  nothing changed on the device" test "$(mcu "$P" --json image list)" = "$before"
check_out "a unique prefix is resolved from image list (the device then judges the whole hash)" \
  "HASH ${H:0:8}: image 0 slot 0 \\(1\\.0\\.0\\)" exits 1 mcu "$P" image test "${H:0:8}"
check "  the device saw the whole hash: rc 33 (test of the active image), not rc 24" \
  grep -q 'rc 33' "$WORK/out"
check_out "image confirm with a unique prefix works" 'flags: active confirmed' mcu "$P" image confirm "${H:0:10}"
check_out "echo --json hi: --json is the flag, hi the text" '^\{"r":"hi"\}$' mcu "$P" echo --json hi
# A port where something is bound but never answers: a timeout, not a refusal.
python3 -S -c 'import socket,sys,time
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); s.bind(("127.0.0.1", 0))
print(s.getsockname()[1], flush=True); time.sleep(30)' > "$WORK/mute.port" &
BG_PIDS="$BG_PIDS $!"
wait_for "$WORK/mute.port" '^[0-9]+$' 5
MUTE=$(cat "$WORK/mute.port")
"$MCUMGR" --conntype udp --connstring "127.0.0.1:$MUTE" -t 0.3 --json echo hi > "$WORK/json" 2>"$WORK/err"
rc=$?
check "--json on a timeout: exit 3" test "$rc" = 3
check "  and JSON on stdout that says why" python3 -S -c 'import json,sys
j = json.load(open(sys.argv[1])); assert j["ok"] is False and j["exit"] == 3 and "no answer" in j["error"], j' "$WORK/json"
check "  and the line on stderr" grep -q '^Error: no answer' "$WORK/err"
FREE=$(free_port)
"$MCUMGR" --conntype udp --connstring "127.0.0.1:$FREE" -t 0.3 --json echo hi > "$WORK/json" 2>/dev/null
check "--json when nothing listens: JSON too" python3 -S -c 'import json,sys
j = json.load(open(sys.argv[1])); assert j["ok"] is False and j["exit"] == 3, j' "$WORK/json"
check_out "shell exec rm -rf /: the error says to use --" 'shell exec -- CMD' \
  exits 2 mcu "$P" shell exec rm -rf /
check "  one line and a --help hint" one_line_hint
check_out "shell exec -- passes the dashes to the device" '^-n hi$' mcu "$P" shell exec -- echo -n hi
finish
