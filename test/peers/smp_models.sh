#!/usr/bin/env bash
# Optional: smp's response models (the message layer of smpclient/smpmgr,
# real pydantic 2) accept every reply of every command, error paths and the
# sample's flow included. SKIPs (77) when python3 cannot import smp with
# pydantic 2 (put a venv with smp first on PATH; docs/compatibility.md).
. "$(dirname "$0")/../e2e/lib.sh"
python3 -c 'import smp, pydantic, sys; sys.exit(0 if pydantic.VERSION >= "2" else 1)' 2>/dev/null || {
  echo "SKIP: no python3 with smp and pydantic 2 on PATH"; exit 77; }
P=$(free_port)
D=$WORK/flash; mkdir -p "$D"
provision "$D"
build_images 2.0.0 "$WORK/v2"
start_sim "$D" "$P" || exit 1
check "every reply valid under smp's models" python3 "$(dirname "$0")/smp_models.py" "$P" "$WORK/v2" "$SIM_LOG"
cat "$WORK/out"
finish
