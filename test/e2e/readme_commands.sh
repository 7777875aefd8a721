#!/usr/bin/env bash
# The README's commands are copy-pasteable (issue 26 #9): every indented command line
# of README.md that talks to the `make run` device (extxip-mcumgr over UDP 127.0.0.1:1337
# and its serial link build/flash/ttyEXTXIP, and the lines that make their inputs: echo
# > FILE, printf > units.txt, make package) runs as written, in order, against a
# simulator (only the port and the link are this test's own, and `make package` is the
# scripts/provision call the README gives for it). And scripts/provision --help answers (it crashed with
# "$2: unbound variable").
. "$(dirname "$0")/lib.sh"
check_out "scripts/provision --help prints its usage" '^usage: scripts/provision BUILD_DIR FLASH_DIR' \
  "$SRC/scripts/provision" --help
check "  and exits 0, nothing on stderr" bash -c "'$SRC/scripts/provision' --help 2>&1 >/dev/null | { ! grep -q .; }"
rc=0; "$SRC/scripts/provision" >"$WORK/noargs" 2>&1 || rc=$?
check "scripts/provision without arguments: exit 2" test "$rc" = 2
check "  one line naming what is missing and --help" test "$(cat "$WORK/noargs")" = \
  "scripts/provision: need BUILD_DIR and FLASH_DIR (--help for usage)"
check "the README gives make package VERSION=2.0.0 and the provision call behind it" \
  grep -q 'scripts/provision build - 2.0.0 build/v2.0.0' "$SRC/README.md"
check "  the Makefile's package target is that call" grep -q 'provision $(BUILD) - $(VERSION) $(BUILD)/v$(VERSION)' "$SRC/Makefile"

D="$WORK/flash"
provision "$D"
P=$(free_port)
start_sim "$D" "$P" || exit 1
mkdir -p "$WORK/cwd"
# The README's lines, in order (4-space indented blocks).
grep -E '^    (extxip-mcumgr --conntype udp --connstring 127\.0\.0\.1:1337 |extxip-mcumgr --conntype serial --connstring dev=build/flash/ttyEXTXIP,|extxip-mcumgr --devices |echo [a-z]+ > |printf .* > |make package )' \
  "$SRC/README.md" > "$WORK/cmds"
check "the README has such commands" test "$(wc -l < "$WORK/cmds")" -ge 8
mkdir -p "$WORK/bin"
ln -sf "$MCUMGR" "$WORK/bin/extxip-mcumgr"
while IFS= read -r line; do
  cmd=${line#    }
  cmd=${cmd%%  #*}  # a trailing comment
  cmd=${cmd//127.0.0.1:1337/127.0.0.1:$P}
  cmd=${cmd//build\/flash\/ttyEXTXIP/$D/tty}
  cmd=${cmd//build\/v2.0.0/$WORK/v2.0.0}
  case $cmd in
    "make package VERSION=2.0.0"*) cmd="'$SRC/scripts/provision' '$BUILD' - 2.0.0 '$WORK/v2.0.0'" ;;
  esac
  check "README: ${line#    }" bash -c "cd '$WORK/cwd' && PATH='$WORK/bin':\$PATH && { $cmd; } >/dev/null"
done < "$WORK/cmds"
check_out "  after them the device runs the README's v2 package" 'version: 2\.0\.0' mcu "$P" image list
finish
