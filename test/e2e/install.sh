#!/usr/bin/env bash
# `make install` puts the three tools a user types on PATH (cmake --install
# of the build into a prefix), and the installed copies run from there: the
# README's commands use the bare names.
. "$(dirname "$0")/lib.sh"
check "cmake --install into a prefix" cmake --install "$BUILD" --prefix "$WORK/prefix"
for t in extxip-sim extxip-mcumgr extxip-imgtool; do
  check "$t installed and executable" test -x "$WORK/prefix/bin/$t"
done
PATH="$WORK/prefix/bin:$PATH"
check_out "the installed extxip-imgtool runs" 'sign' extxip-imgtool --help
mkdir -p "$WORK/flash"
check_out "the installed extxip-sim reads a device" 'slot' extxip-sim info --flash-dir "$WORK/flash"
check_out "the installed extxip-mcumgr runs" 'image' extxip-mcumgr --help
echo "$CHECKS checks, $FAILS failed"
[ "$FAILS" = 0 ]
