#!/usr/bin/env bash
# Usage: check_prefix.sh NM ARCHIVE...
# Fails, naming each symbol, if an archive defines a global symbol outside the
# extxip_ prefix (or the compiler's reserved __ namespace).
set -u
nm=$1; shift
[ $# -gt 0 ] || { echo "FAIL: no library archives given"; exit 1; }
bad=0 total=0
for a in "$@"; do
  [ -f "$a" ] || { echo "FAIL: $a missing"; exit 1; }
  while read -r sym; do
    total=$((total + 1))
    case $sym in
      extxip_*|__*) ;;
      *) echo "FAIL: $(basename "$a") defines global '$sym' outside the extxip_ prefix"; bad=1 ;;
    esac
  done < <("$nm" -g --defined-only "$a" 2>/dev/null | awk 'NF == 3 && $2 ~ /^[A-Z]$/ {print $3}')
done
[ $total -gt 50 ] || { echo "FAIL: only $total global symbols read: nm output not understood"; exit 1; }
[ $bad = 0 ] && echo "ok: $total global symbols in $# archives, all extxip_"
exit $bad
