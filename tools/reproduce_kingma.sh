#!/usr/bin/env bash
# Reproduces the Kingma et al. 2014 entries: M1, then M1+M2 for every N with
# several seeds trained concurrently (one process per seed; on a GPU they share
# the device, XLA_PYTHON_CLIENT_PREALLOCATE=false), then M2 at N=100.
#
#   bash tools/reproduce_kingma.sh OUT_DIR DATA_DIR [extra tools/train.py flags]
#
# Environment: BACKEND (default jax), SEEDS_100 (default "0 1 2 3 4"),
# SEEDS_OTHER (default "0 1 2"), LABELS (default "100 600 1000 3000"),
# M1_EPOCHS / M1M2_EPOCHS / M2_EPOCHS to shorten runs (defaults: the configs').
# Every run resumes if OUT_DIR already holds it.
set -euo pipefail
out=${1:?OUT_DIR}; data=${2:?DATA_DIR}; shift 2
backend=${BACKEND:-jax}
export XLA_PYTHON_CLIENT_PREALLOCATE=false
here=$(cd "$(dirname "$0")/.." && pwd)
train() { python "$here/tools/train.py" --backend="$backend" --data_dir="$data" --quiet "$@"; }
epochs() { [ -n "${1:-}" ] && echo "--config.train.epochs=$1" || true; }

mkdir -p "$out"
train --config="$here/zoo_configs/kingma/m1_mnist.py" --workdir="$out/m1-mnist-s0" --seed=0 \
  $(epochs "${M1_EPOCHS:-}") "$@" > "$out/m1-mnist-s0.log" 2>&1
m1="$out/m1-mnist-s0/model"

for n in ${LABELS:-100 600 1000 3000}; do
  seeds=${SEEDS_OTHER:-0 1 2}; [ "$n" = 100 ] && seeds=${SEEDS_100:-0 1 2 3 4}
  pids=()
  for s in $seeds; do
    train --config="$here/zoo_configs/kingma/m1m2_mnist.py:$n" --workdir="$out/m1m2-mnist-$n-s$s" \
      --seed="$s" --config.m1_checkpoint="$m1" $(epochs "${M1M2_EPOCHS:-}") "$@" \
      > "$out/m1m2-mnist-$n-s$s.log" 2>&1 &
    pids+=($!)
  done
  for p in "${pids[@]}"; do wait "$p"; done
done

train --config="$here/zoo_configs/kingma/m2_mnist.py:100" --workdir="$out/m2-mnist-100-s0" --seed=0 \
  $(epochs "${M2_EPOCHS:-}") "$@" > "$out/m2-mnist-100-s0.log" 2>&1
echo "done: $(ls -d "$out"/*/ | wc -l) runs in $out"
