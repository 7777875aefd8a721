#!/usr/bin/env bash
# `make fuzz`: build the libFuzzer harnesses with clang + ASan/UBSan in their
# own build dir and run each for SECONDS. New corpus entries stay in
# BUILD/test/fuzz/corpus-<h> (the seeds in test/fuzz/corpus are only read);
# a crash leaves BUILD/test/fuzz/crash-<h>-* and fails the run. Prints one
# line per harness: executions, coverage, corpus size, result.
#   run.sh [BUILD [SECONDS ["h1 h2 ..."]]]   (harness names without fuzz_)
# fuzz_image_resign (fuzz_image re-hashed and re-signed) starts from the
# image seeds.
set -u
build=${1:-build-fuzz}
secs=${2:-40}
only=${3:-}
cd "$(dirname "$0")/../.."
command -v clang >/dev/null || { echo "make fuzz needs clang (apt-get install clang)"; exit 2; }
cmake -S . -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DCMAKE_C_COMPILER="$(command -v clang)" \
      -DEXTXIP_SANITIZE=ON >/dev/null || exit 1
harnesses=${only:-"cbor smp serial image image_resign layout hci att kvstore reclog session dfupkg boot"}
targets=$(for h in $harnesses; do printf 'fuzz_%s ' "$h"; done)
cmake --build "$build" --target $targets || exit 1
export ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
rc=0
for h in $harnesses; do
  dir="$build/test/fuzz"
  mkdir -p "$dir/corpus-$h"
  log="$dir/fuzz-$h.log"
  seeds="test/fuzz/corpus/${h%_resign}"
  [ -d "test/fuzz/regress/$h" ] && seeds="$seeds test/fuzz/regress/$h"
  "$dir/fuzz_$h" -max_total_time="$secs" -timeout=10 -rss_limit_mb=2048 -print_final_stats=1 \
      -artifact_prefix="$dir/crash-$h-" "$dir/corpus-$h" $seeds >"$log" 2>&1
  r=$?
  execs=$(grep -E '^stat::number_of_executed_units' "$log" | awk '{print $2}')
  last=$(grep -E '^#[0-9]+' "$log" | tail -1 | sed -E 's/^#[0-9]+[[:space:]]+[A-Z]+[[:space:]]+//')
  if [ $r = 0 ]; then res=ok; else res="CRASH (see $log)"; rc=1; fi
  printf 'fuzz_%-12s %10s execs  %s  %s\n' "$h" "${execs:-?}" "$last" "$res"
done
exit $rc
