#!/usr/bin/env bash
# Usage: check_no_os.sh NM ARCHIVE...
# lib is the portable core: it may use the freestanding parts of libc
# (mem*, str*) but never the console, files or the heap, which belong to the
# port (docs/porting.md). Fails naming each archive and call that breaks it.
set -u
nm=$1; shift
forbidden='^(printf|vprintf|fprintf|vfprintf|sprintf|vsprintf|snprintf|vsnprintf|puts|putchar|fputs|fputc|fwrite|fopen|fread|fclose|perror|malloc|calloc|realloc|free|abort|exit|_exit|time|clock_gettime|gettimeofday|sleep|usleep|open|read|write|close|getenv)$'
bad=0
for a in "$@"; do
  [ -f "$a" ] || { echo "FAIL: $a missing"; exit 1; }
  for sym in $("$nm" -u "$a" 2>/dev/null | awk '{print $NF}' | sort -u); do
    if [[ $sym =~ $forbidden ]]; then
      echo "FAIL: $(basename "$a") calls $sym (lib must leave the OS to the port)"; bad=1
    fi
  done
done
[ $bad = 0 ] && echo "ok: $# archives call no stdio, heap, clock or process function"
exit $bad
