#!/usr/bin/env bash
# tarflow4j data-parallel on your GPUs: what a user with one or two NVIDIA GPUs runs to see `tarflow train
# --nproc-per-node N` train end to end over NCCL (one GPU per process), agree with itself across world sizes, keep
# every rank's parameters identical, resume a 2-GPU run on 1 GPU, and measure the all-reduce.
#
#   examples/gpu/check-ddp.sh [--steps N] [--out DIR]
#   examples/gpu/check-ddp.sh --cpu-only      # the script's own self-test without GPUs: the same runs on CPUs, Gloo
#
# Runs (the built-in small model on the embedded corpus, train.batch = 8 per rank, N steps, default 20):
#   1 GPU   --nproc-per-node 1, train.accumulate = 2: the process group of one rank, the global batch of two;
#   2 GPUs  --nproc-per-node 2 (skipped with one GPU visible): the same global batch, two ranks;
#   resume  the 2-GPU run's checkpoint continued on 1 GPU for 2 more steps (the same global batch: same data order);
#   bench   tarflow bench train --nproc-per-node 2: time per step, the all-reduce's share, NCCL bandwidth.
# Checks, with their tolerances:
#   - every run finishes; on 2 GPUs every checkpoint's parameter digests are equal on both ranks (exact);
#   - 2 GPUs against 1 GPU, step by step: the training loss within 1e-3 relative, the validation bound within 1e-3
#     relative (the same sequences and noise; CUDA's float32 sums, atomics included, differ in order between runs,
#     so the CPU test's bit-for-bit equality does not carry over to GPUs).
# Prints a table of PASS / FAIL / SKIP with the numbers, and exits 1 when a check failed. examples/gpu/check.sh calls
# it when two GPUs are visible.
set -uo pipefail

script=check-ddp.sh
steps=20
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
parse_options "$@"
backend=$([ "$cpu_only" = 1 ] && echo Gloo || echo NCCL)

# ---------------------------------------------------------------------------------------------------------------------
visible=2
if [ "$cpu_only" = 1 ]; then
  record "GPUs" SKIP "--cpu-only: two ranks on the CPU over Gloo"
elif ! command -v nvidia-smi > /dev/null 2>&1; then
  record "GPUs" FAIL "nvidia-smi not found: install the NVIDIA driver"
  visible=0
else
  if [ -n "${CUDA_VISIBLE_DEVICES:-}" ]; then
    visible="$(echo "$CUDA_VISIBLE_DEVICES" | tr ',' '\n' | grep -c .)"
  else
    visible="$(nvidia-smi -L 2>> "$log" | grep -c '^GPU')"
  fi
  if [ "$visible" -ge 1 ]; then
    record "GPUs" PASS "$visible visible: $(nvidia-smi --query-gpu=name --format=csv,noheader 2>> "$log" | head -n 2 | paste -sd, -)"
  else
    record "GPUs" FAIL "no GPU visible (CUDA_VISIBLE_DEVICES='${CUDA_VISIBLE_DEVICES:-}')"
  fi
fi

common=(--set "train.device=$device" --set "train.steps=$steps" --set train.batch=8 --set train.log_every=1
  --set "train.checkpoint_every=$((steps / 2))" --set train.eval_every=0 --set eval.max_batches=8
  --set train.collective_timeout=120)
one="$out/one-gpu"
two="$out/two-gpus"
if [ "$visible" -lt 1 ]; then
  record "train on 1 GPU ($backend)" SKIP "no GPU"
elif run train "${common[@]}" --set train.accumulate=2 --nproc-per-node 1 --run-dir "$one"; then
  record "train on 1 GPU ($backend)" PASS "$steps steps, valid $(valid "$one") nats/token"
else
  record "train on 1 GPU ($backend)" FAIL "see $log"
fi

if [ "$visible" -lt 2 ]; then
  record "train on 2 GPUs ($backend)" SKIP "$visible GPU visible"
elif run train "${common[@]}" --nproc-per-node 2 --run-dir "$two"; then
  record "train on 2 GPUs ($backend)" PASS "$steps steps, valid $(valid "$two") nats/token"
  agree="$(digests_agree "$two")"
  case "$agree" in
    ok*) record "parameters identical on ranks" PASS "${agree#ok } checks, equal digests on both ranks" ;;
    *) record "parameters identical on ranks" FAIL "digests: $agree (see $two/metrics.jsonl)" ;;
  esac
  if [ -f "$one/result.json" ]; then
    gap="$(worst_loss_gap "$two" "$one")"
    vgap="$(relative "$(valid "$two")" "$(valid "$one")")"
    if [ -n "$gap" ] && at_most "$gap" 1e-3 && at_most "$vgap" 1e-3; then
      record "2 GPUs = 1 GPU, accumulate 2" PASS "worst step loss gap $gap, validation gap $vgap (at most 1e-3)"
    else
      record "2 GPUs = 1 GPU, accumulate 2" FAIL "worst step loss gap ${gap:-n/a}, validation gap $vgap (at most 1e-3)"
    fi
  fi
  resumed="$out/resumed-on-one"
  cp -r "$two" "$resumed"
  if run train --resume "$resumed" --set "train.steps=$((steps + 2))" --set train.accumulate=2 --nproc-per-node 1; then
    record "resume 2 GPUs on 1 GPU" PASS "steps $steps..$((steps + 2)), valid $(valid "$resumed") nats/token"
  else
    record "resume 2 GPUs on 1 GPU" FAIL "see $log"
  fi
  if run bench train --set "train.device=$device" --set train.batch=8 --nproc-per-node 2 --steps 8; then
    record "bench train, 2 ranks" PASS "$(grep -o 'all-reduce share[^(]*' "$log" | tail -n 1), $(grep -o 'raw [A-Za-z]* all-reduce of the same bytes: [^(]*' "$log" | tail -n 1)"
  else
    record "bench train, 2 ranks" FAIL "see $log"
  fi
fi

# ---------------------------------------------------------------------------------------------------------------------
report
